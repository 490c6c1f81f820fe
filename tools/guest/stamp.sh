#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy standard input to standard output unchanged, and append the top-level
# kselftest lines (a program starting, a program's result) with the time in
# seconds to FILE, so the suite driver can tell how long each program took.
#
# Usage: ... | stamp.sh FILE
out=$1
while IFS= read -r line; do
	case "$line" in
	"# selftests: "* | "ok "* | "not ok "*)
		printf '%(%s)T %s\n' -1 "$line" >>"$out"
		;;
	esac
	printf '%s\n' "$line"
done
