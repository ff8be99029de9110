#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The man page cannot drift from --help: for each command, every option
# `privwatch <cmd> --help` prints is defined under the command's "## <cmd>"
# heading of docs/man/privwatch.8.scd (a line starting "*--option*" or
# "*-v*"), and every option defined there is one --help prints. A new
# command in `privwatch --help` needs its own section.
# Usage: man-options.sh [PRIVWATCH_BINARY]   (prints "N passed, N failed")
set -u
cd "$(dirname "$0")/../.."
bin=${1:-.output/privwatch}
scd=docs/man/privwatch.8.scd
passed=0 failed=0

# Options in a --help text: tokens --name or -x at the start of a line or
# after ", " (the option column), and any --name elsewhere on option lines.
help_opts() {
	grep -E '^\s+-' | grep -oE '(^|[ ,\[])--?[A-Za-z][A-Za-z0-9-]*' |
		sed -E 's/^[ ,\[]//' | sort -u
}
# Options defined in the man source section of one command.
man_opts() { # cmd
	awk -v c="$1" '/^## /{ on = ($2 == c); next } /^# /{ on = 0 } on' "$scd" |
		grep -E '^\*-' | grep -oE '\*--?[A-Za-z][A-Za-z0-9-]*\*' | tr -d '*' | sort -u
}

cmds=$("$bin" --help | awk '/^commands:/{ on = 1; next } on && /^  [a-z]/{ print $1 } /^$/{ if (on) exit }')
if [ -z "$cmds" ]; then
	echo "  FAIL no commands found in '$bin --help'"
	failed=$((failed + 1))
fi
for c in $cmds; do
	h=$("$bin" "$c" --help 2>&1 | help_opts)
	m=$(man_opts "$c")
	missing=$(comm -23 <(echo "$h") <(echo "$m") | tr '\n' ' ')
	stale=$(comm -13 <(echo "$h") <(echo "$m") | tr '\n' ' ')
	if [ -z "$m" ]; then
		echo "  FAIL man: no '## $c' section with options in $scd"
		failed=$((failed + 1))
	elif [ -n "${missing// /}" ] || [ -n "${stale// /}" ]; then
		[ -z "${missing// /}" ] || echo "  FAIL man: $c: in --help, not in $scd: $missing"
		[ -z "${stale// /}" ] || echo "  FAIL man: $c: in $scd, not in --help: $stale"
		failed=$((failed + 1))
	else
		echo "  ok   man: $c: $(echo "$h" | wc -w) options, each in --help and the man page"
		passed=$((passed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
