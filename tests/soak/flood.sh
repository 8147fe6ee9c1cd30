#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Soak: FLOOD_ROUNDS (default 5) SYN floods of FLOOD_SECONDS (default 5) at
# the knock port, each with a real knock in its middle, against one daemon:
# the knock is honoured within 1 s each time and the daemon's memory does not
# grow from round to round.  The test is tests/integration/reliability.sh's
# "flood" part; CI runs one round.
FLOOD_ROUNDS=${FLOOD_ROUNDS:-5} FLOOD_SECONDS=${FLOOD_SECONDS:-5} \
    PARTS=flood LABEL=soak-flood \
    exec bash "$(dirname "$0")/../integration/reliability.sh"
