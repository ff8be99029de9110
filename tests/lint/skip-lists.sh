#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tests/skips/<environment>.txt (the expected skips, tests/skips/README):
# every entry is "suite:test  reason", names a suite that exists
# (tests/<tier>/<suite>.c) and a test registered in it, and gives a reason;
# no entry twice. A stale entry of a deleted test would never be judged by
# tests/run-all.sh (it runs only the suites that exist).
set -u
cd "$(dirname "$0")/../.."
bad=0
for list in tests/skips/*.txt; do
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		entry=${line%%#*}
		[ -n "${entry//[[:space:]]/}" ] || continue
		read -r id reason <<<"$entry"
		suite=${id%%:*} test=${id#*:}
		src=$(ls tests/*/"$suite.c" 2>/dev/null | head -1)
		if [ "$suite" = "$id" ] || [ -z "$test" ]; then
			echo "skip-lists: $list:$n: not suite:test: $id" >&2
			bad=1
		elif [ -z "$src" ]; then
			echo "skip-lists: $list:$n: no suite $suite (tests/*/$suite.c)" >&2
			bad=1
		elif ! grep -Eq "cmocka_unit_test[a-z_]*\(\s*$test\b" "$src"; then
			echo "skip-lists: $list:$n: $suite registers no test $test" >&2
			bad=1
		elif [ -z "$reason" ]; then
			echo "skip-lists: $list:$n: $id: no reason given" >&2
			bad=1
		fi
	done <"$list"
	dup=$(sed -e 's/#.*//' -e 's/[[:space:]].*//' "$list" | grep -v '^$' | sort | uniq -d)
	[ -z "$dup" ] || { echo "skip-lists: $list: listed twice: $dup" >&2; bad=1; }
done
exit $bad
