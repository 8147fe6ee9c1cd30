#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Soak: crash safety with KILLS (default 120) SIGKILLs of the daemon while
# the real client knocks, then a replay of every knock sent.  The test is
# tests/integration/reliability.sh's "crash" part; CI runs it with 20 kills.
KILLS=${KILLS:-120} PARTS=crash LABEL=soak-crash \
    exec bash "$(dirname "$0")/../integration/reliability.sh"
