#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the test suites given (the Makefile passes unit, kernel and cli
# binaries, in that order, so stale binaries of deleted tests never run) and
# ends with one line summing them all: "N passed, N failed, N skipped". A
# suite that cannot run, or that dies before its summary, counts as failed
# with the reason printed. A suite still running after
# PRIVWATCH_SUITE_TIMEOUT seconds (default 300) is killed with its children
# and counted as failed, so one hang does not stop the rest (nor a VM run:
# tests/vm/run-in-vm.sh). With PRIVWATCH_RESULTS=FILE the three counts are
# also written to FILE, after each suite, so a run killed from outside (a VM
# that timed out) still leaves the counts of the suites it finished.
#
# Skips are pinned: tests/skips/$PRIVWATCH_SKIP_LIST.txt (default host, this
# machine kind) lists, one "suite:test  reason" a line, every test that must
# skip in this environment. A suite's skipped test not on the list, or a
# listed test of a suite run here that did not skip, counts as 1 failure
# each, with the reason printed: a skip never hides a regression, and the
# list stays true. (Listed tests no case of the run reached, with
# PW_TEST_FILTER or PW_TEST_SKIP set, are not judged.)
set -u
suite_timeout=${PRIVWATCH_SUITE_TIMEOUT:-300}
passed=0 failed=0 skipped=0
skip_env=${PRIVWATCH_SKIP_LIST:-host}
skip_list=$(dirname "$0")/skips/$skip_env.txt
if [ -r "$skip_list" ]; then
	# "suite:test" per entry; comments and blank lines dropped
	expected_skips=$(sed -e 's/#.*//' -e 's/[[:space:]].*//' "$skip_list" | grep -v '^$')
else
	echo "!!! no expected-skip list $skip_list for environment '$skip_env': counted as 1 failure"
	failed=1
	expected_skips=
fi
tpid=""
# timeout runs the suite in its own process group: pass our signals on.
trap '[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null; exit 130' INT
trap '[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null; exit 143' TERM

run_suite() { # tier binary
	local tier=$1 bin=$2 log p f s rc complete='' t0=$SECONDS
	log=$(mktemp)
	echo "=== $tier: $(basename "$bin")"
	timeout -k 10 "$suite_timeout" stdbuf -oL -eL "$bin" >"$log" 2>&1 &
	tpid=$!
	wait "$tpid"
	rc=$?
	tpid=""
	cat "$log"
	# cmocka's summary lines: "[  PASSED  ] 3 test(s)." / "[  FAILED  ] 1 test(s)..."
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	s=$(sed -n 's/.*\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "!!! $(basename "$bin") timed out after ${suite_timeout}s and was killed: counted as 1 failure"
		f=$((${f:-0} + 1))
	elif [ -z "$p" ] && [ -z "$f" ]; then
		echo "!!! $(basename "$bin") ended without a summary (exit $rc): counted as 1 failure"
		f=1
	elif [ "$rc" != 0 ] && [ -z "$f" ]; then
		echo "!!! $(basename "$bin") exited $rc after its summary: counted as 1 failure"
		f=1
	else
		complete=1
	fi
	check_skips "$(basename "$bin")" "$log" "$complete"
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	rm -f "$log"
	echo "--- $(basename "$bin"): $((SECONDS - t0)) s"
	write_results
}

# For tests/run-everything.sh, which sums several runs (host, VM) into one line.
write_results() {
	[ -n "${PRIVWATCH_RESULTS:-}" ] && echo "$passed $failed $skipped" >"$PRIVWATCH_RESULTS"
	return 0
}

# The suite's skips against the list; adds the breaches to f.
check_skips() { # suite log complete(1 if the suite ran to its summary)
	local suite=$1 log=$2 complete=$3 name got want
	# Files, not <(...): the test VM has no /dev/fd.
	got=$(mktemp) want=$(mktemp)
	# cmocka: "[  SKIPPED ] test_x" when it skips (and again in the summary)
	sed -n 's/^\[  SKIPPED \] \([A-Za-z_][A-Za-z0-9_]*\)$/\1/p' "$log" | sort -u >"$got"
	echo "$expected_skips" | sed -n "s/^$suite:\\(.*\\)/\\1/p" | sort -u >"$want"
	for name in $(comm -23 "$got" "$want"); do
		echo "!!! $suite: $name skipped, but tests/skips/$skip_env.txt does not expect it to: counted as 1 failure"
		f=$((${f:-0} + 1))
	done
	for name in $(comm -13 "$got" "$want"); do
		if grep -Eq "^\[ +(OK|FAILED|ERROR) +\] $name\$" "$log"; then
			echo "!!! $suite: $name ran, but tests/skips/$skip_env.txt says it skips here: counted as 1 failure"
		elif [ -n "$complete" ] && [ -z "${PW_TEST_FILTER:-}${PW_TEST_SKIP:-}" ]; then
			echo "!!! $suite: $name never ran, but tests/skips/$skip_env.txt says it skips here: counted as 1 failure"
		else
			continue
		fi
		f=$((${f:-0} + 1))
	done
	rm -f "$got" "$want"
}

for t in "$@"; do
	tier=$(basename "$t" | cut -d_ -f2)
	if [ ! -x "$t" ]; then
		echo "!!! $t: not built: counted as 1 failure"
		failed=$((failed + 1))
	elif [ "$tier" != unit ] && [ "$(id -u)" != 0 ]; then
		echo "!!! $(basename "$t"): needs root to load BPF programs: counted as 1 failure"
		failed=$((failed + 1))
	else
		run_suite "$tier" "$t"
	fi
done

write_results

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
