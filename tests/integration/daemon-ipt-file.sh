#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon.sh with firewall = iptables and the kernel's records read from a kern.log file
FIREWALL=iptables SOURCE=file exec bash "$(dirname "$0")/daemon.sh"
