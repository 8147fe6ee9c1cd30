#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Soak: ROTATIONS (default 100) rotations of kern.log, by rename and by
# copy-truncate, while two clients knock; every knock honoured exactly once.
# The test is tests/integration/reliability.sh's "rotation" part; CI runs it
# with 20 rotations.
ROTATIONS=${ROTATIONS:-100} PARTS=rotation LABEL=soak-rotation \
    exec bash "$(dirname "$0")/../integration/reliability.sh"
