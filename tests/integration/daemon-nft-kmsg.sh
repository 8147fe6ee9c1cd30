#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon.sh with firewall = nftables and the kernel's records read from /dev/kmsg
FIREWALL=nftables SOURCE=kmsg exec bash "$(dirname "$0")/daemon.sh"
