#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Install the Debian packages knockknock needs to build, test and demo.
# Run as root.  Installs only what is missing, so it is quick when all is there.
set -eu

PKGS="build-essential pkg-config libssl-dev libnet1-dev libcap-ng-dev \
libcriterion-dev libnftables-dev nftables iptables iproute2 kmod procps \
hping3 tcpdump nmap socat ncat clang libclang-rt-14-dev valgrind python3 \
libcap2-bin groff-base man-db systemd systemd-container openssh-client"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
