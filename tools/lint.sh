#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The code standards as tests (KTAP): both modules build with W=1 without a
# warning, sparse (C=2) reports nothing, and checkpatch --strict is clean on
# every C file and header of the tree.
#
# Usage: tools/lint.sh [KDIR]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/xtcp/lib.sh"
cache=${XTCP_CACHE:-/var/cache/xtcp}
checkpatch=$cache/ksrc/scripts/checkpatch.pl
kdir=${1:-${KDIR:-/lib/modules/$(ls /lib/modules | grep -- '-amd64$' | sort -V | tail -n 1)/build}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mods=()
for m in module driver; do
	[ -e "$top/$m/Kbuild" ] || [ -e "$top/$m/Makefile" ] && mods+=("$m")
done

ktap_header $((2 * ${#mods[@]} + 1))

# Build from a private copy of the tree, so a full rebuild neither disturbs
# nor depends on objects in the work tree. kbuild prints gcc's and sparse's
# findings as "file:line:col: warning:".
build_clean() {	# build_clean DIR MAKEARGS...
	local dir=$1 copy=$tmp/tree
	shift
	rm -rf "$copy"
	mkdir -p "$copy"
	(cd "$top" && git ls-files -co --exclude-standard -- module driver include |
		cpio -pdm --quiet "$copy")
	make -C "$kdir" M="$copy/$dir" "$@" modules >"$tmp/log" 2>&1 ||
		{ tail -n 30 "$tmp/log"; return 1; }
	if grep -E '(warning|error):' "$tmp/log"; then
		return 1
	fi
}

sparse_clean() {
	command -v sparse >/dev/null || { echo "sparse not installed"; return 4; }
	build_clean "$1" C=2 W=1
}

checkpatch_clean() {
	local f bad=0
	[ -x "$checkpatch" ] || [ -f "$checkpatch" ] || { echo "checkpatch.pl missing (run tools/setup.sh)"; return 4; }
	while IFS= read -r f; do
		if ! perl "$checkpatch" --strict --no-tree --quiet --show-types \
			-f "$f" >"$tmp/cp" 2>&1; then
			cat "$tmp/cp"
			bad=1
		fi
	done < <(cd "$top" && git ls-files -co --exclude-standard -- '*.c' '*.h' |
		grep -vE '^selftests/(kselftest|lib)' | sed "s|^|$top/|")
	return $bad
}

for m in "${mods[@]}"; do
	ktap_run "lint: $m builds with W=1 without warnings" build_clean "$m" W=1
	ktap_run "lint: $m is sparse clean (C=2)" sparse_clean "$m"
done
ktap_run "lint: checkpatch --strict clean on every C file and header" checkpatch_clean
ktap_finish
