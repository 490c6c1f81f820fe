#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing xtcp needs on a fresh Debian 12 machine.
# Idempotent: every step first checks whether its result is already there.
#
# Usage: tools/setup.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${XTCP_CACHE:-/var/cache/xtcp}
export DEBIAN_FRONTEND=noninteractive

log() { printf 'setup: %s\n' "$*" >&2; }

need_root() {
	if [ "$(id -u)" != 0 ]; then
		log "must run as root (apt-get)"
		exit 1
	fi
}

have_pkg() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	apt-get update -qq
	apt_updated=1
}

install_pkgs() {
	local missing=() p
	for p in "$@"; do
		have_pkg "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return
	apt_update
	log "installing ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

backports() {
	local list=/etc/apt/sources.list.d/bookworm-backports.list
	if ! grep -rqs '^deb .*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "adding bookworm-backports"
		echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$list"
		apt_updated=
	fi
}

qemu() {
	# Bookworm's QEMU 7.2 has no igb device; backports' QEMU 10 does.
	if command -v qemu-system-x86_64 >/dev/null &&
	   qemu-system-x86_64 -device help 2>/dev/null | grep -q '"igb"'; then
		return
	fi
	apt_update
	log "installing qemu-system-x86 from bookworm-backports"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		qemu-system-x86 >/dev/null
}

kernel() {
	# The headers meta package pulls the matching linux-image as well.
	install_pkgs linux-headers-6.12-amd64 linux-image-6.12-amd64
}

# linux-source-6.12 holds the kselftest harness and checkpatch.pl; take only
# those files out of it, into the cache, never into the repository.
kernel_source_files() {
	local stamp=$cache/ksrc/.done
	[ -f "$stamp" ] && return
	local deb tmp
	tmp=$(mktemp -d)
	apt_update
	chmod 755 "$tmp" # apt's sandbox user writes the download here
	(cd "$tmp" && apt-get download -qq linux-source-6.12 >/dev/null)
	deb=$(ls "$tmp"/linux-source-6.12_*.deb)
	log "extracting kselftest harness and checkpatch from $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/linux-source-6.12.tar.xz
	mkdir -p "$cache/ksrc"
	tar -xJf "$tmp/usr/src/linux-source-6.12.tar.xz" -C "$cache/ksrc" \
		--strip-components=1 \
		linux-source-6.12/tools/testing/selftests/kselftest.h \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/lib.mk \
		linux-source-6.12/tools/testing/selftests/kselftest/runner.sh \
		linux-source-6.12/tools/testing/selftests/kselftest/prefix.pl \
		linux-source-6.12/tools/testing/selftests/kselftest/ktap_helpers.sh \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
	rm -rf "$tmp"
	touch "$stamp"
}

need_root
backports
qemu
kernel
# Build and guest plumbing.
install_pkgs busybox-static sparse kmod cpio gzip xz-utils zstd python3 perl \
	make gcc libc6-dev linux-libc-dev bc flex bison libelf-dev rsync file
# What the tests and tools run in the guest (which sees this machine's root).
install_pkgs iproute2 ethtool tcpdump trace-cmd iperf3 socat netcat-openbsd \
	nftables iptables libcap2-bin util-linux procps coreutils
# perf that matches the guest kernel (6.12) comes from backports.
if ! dpkg-query -W -f='${Version}' linux-perf 2>/dev/null | grep -q '^6\.12'; then
	apt_update
	log "installing linux-perf from bookworm-backports"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports linux-perf >/dev/null
fi
kernel_source_files
log "ready (cache: $cache)"
