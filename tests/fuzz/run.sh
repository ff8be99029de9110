#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run each libFuzzer target for SECONDS from its seed corpus
# (tests/fuzz/corpus/<target>/, never written: new inputs go to a scratch
# directory). A crash, leak, sanitizer report or timeout fails the target;
# its reproducer is kept in .output/fuzz/crashes/. Ends with "N passed, N
# failed" (and writes "N N 0" to $PRIVWATCH_RESULTS for run-everything.sh).
# Usage: run.sh SECONDS TARGET...    A long run: make fuzz FUZZ_SECONDS=3600
set -u
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0
for t in "$@"; do
	name=$(basename "$t")
	seeds=$here/corpus/$name
	work=$(mktemp -d "/tmp/pw-fuzz-$name.XXXXXX")
	crashes=$(dirname "$t")/crashes
	mkdir -p "$crashes"
	echo "== $name: $secs s from $(find "$seeds" -type f 2>/dev/null | wc -l) seeds"
	if "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$crashes/$name-" "$work" "$seeds" >"$work.log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^Done' "$work.log" | tr '\n' ' '
		echo
		echo "  ok   $name"
		passed=$((passed + 1))
	else
		tail -30 "$work.log"
		echo "  FAIL $name (log: $work.log, reproducer in $crashes)"
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done
echo "$passed passed, $failed failed"
[ -z "${PRIVWATCH_RESULTS:-}" ] || echo "$passed $failed 0" >"$PRIVWATCH_RESULTS"
[ "$failed" = 0 ]
