#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every tier on every kernel we can reach, one summary line at the end.
#   host: unit, kernel and cli suites on the running kernel;
#   vm-auto: kernel and cli suites in the VM (Debian's 6.1, BPF LSM active),
#            where auto mode picks the LSM variants;
#   vm-tracepoint: the kernel suites again in the VM, forced to tracepoints;
#   e2e: real runtimes (docker, podman, runc) started, one container per
#        case checked, everything stopped again.
#   sanitize: the unit and cli suites built with ASan and UBSan
#             ($SANITIZE_UNIT, $SANITIZE_CLI; make sanitize).
#   fuzz: each libFuzzer target ($FUZZ_TARGETS) for ${FUZZ_SECONDS:-10} s.
#   package: the man page against --help, the Kubernetes manifests, the
#            Debian package built, installed, upgraded and purged in a
#            throwaway overlay of / (tests/package/package.sh).
# Usage: run-everything.sh host|vm|e2e|sanitize|fuzz|package|all
#        (suite lists in $UNIT, $KERNEL, $CLI, $SANITIZE_UNIT, $SANITIZE_CLI)
# A VM that cannot boot or times out counts as one failure, with the reason.
# A part may also write "passed failed" to $PRIVWATCH_RESULTS.env: checks of
# its environment (e2e: docker, podman and runc themselves), which would
# pass with privwatch deleted. They are printed on a line of their own, not
# in the totals; a failed one still fails the run.
# Each part's skips are pinned in tests/skips/<part>.txt (tests/run-all.sh
# checks them suite by suite; a part reporting more skips than its list
# holds fails here too).
set -u
cd "$(dirname "$0")/.." || exit 1
what=${1:-all}
res=.output/results
rm -rf "$res"
mkdir -p "$res"
parts=()
reruns=()

verdict() { echo "$1" | tee -a "$res/$name.log"; } # this script's own, kept with the part's

run_part() { # name command...
	local name=$1 rc p f s listed attempt
	shift
	echo "##### $name"
	# Its output kept in a file, then printed, so the summary can name what
	# failed (a CI log is often cut in the middle: its tail must say which
	# checks broke). A file, not a pipe to tee: a daemon a part leaves
	# behind holding a pipe would hang the run.
	for attempt in 1 2; do
		PRIVWATCH_SKIP_LIST=$name PRIVWATCH_RESULTS=$res/$name "$@" >"$res/$name.log" 2>&1
		rc=$?
		cat "$res/$name.log"
		# A VM that could not run the tests (no status from the guest: a
		# boot failure, or the guest kernel crashed under QEMU's
		# emulation) is run once more; the failure is kept and named
		# above the totals.
		[ "$rc" = 125 ] && [ "$attempt" = 1 ] || break
		mv "$res/$name.log" "$res/$name.first.log"
		rm -f "$res/$name"
		reruns+=("$name: $(grep -a '^run-in-vm: ' "$res/$name.first.log" | tail -3 | tr '\n' ' ')")
		echo "!!! $name: the VM could not run the tests: running it once more"
	done
	# tests/run-all.sh writes its counts after each suite: a VM killed
	# midway keeps those of the suites it finished, plus 1 failure.
	if [ "$rc" = 124 ] || [ "$rc" = 125 ] || [ ! -s "$res/$name" ]; then
		case $rc in
		124) verdict "!!! $name: the VM timed out: counted as 1 failure" ;;
		125) verdict "!!! $name: the VM could not run the tests: counted as 1 failure" ;;
		*) verdict "!!! $name: ended without results (exit $rc): counted as 1 failure" ;;
		esac
		{ read -r p f s <"$res/$name"; } 2>/dev/null || p=0 f=0 s=0
		echo "$p $((f + 1)) $s" >"$res/$name"
	fi
	read -r p f s <"$res/$name"
	listed=$(sed -e 's/#.*//' "tests/skips/$name.txt" 2>/dev/null | grep -c '[^[:space:]]')
	if [ "$s" -gt "$listed" ]; then
		verdict "!!! $name: $s skipped, tests/skips/$name.txt expects at most $listed: counted as 1 failure"
		echo "$p $((f + 1)) $s" >"$res/$name"
	fi
	parts+=("$name")
}

if [ "$what" = host ] || [ "$what" = all ]; then
	# shellcheck disable=SC2086
	run_part host tests/run-all.sh $UNIT $KERNEL $CLI
fi
# No leak check in the sanitized cli suites: at its exit LeakSanitizer
# starts a tracer process, which the agent rightly reports as a stranger in
# its canary's cgroup.
if [ "$what" = sanitize ] || { [ "$what" = all ] && [ -n "${SANITIZE_UNIT:-}" ]; }; then
	# shellcheck disable=SC2086
	run_part sanitize-unit tests/run-all.sh $SANITIZE_UNIT
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 run_part sanitize-cli \
		tests/run-all.sh $SANITIZE_CLI
fi
# The fuzz targets, 10 s each from their seed corpora (make fuzz for longer).
if [ "$what" = fuzz ] || { [ "$what" = all ] && [ -n "${FUZZ_TARGETS:-}" ]; }; then
	# shellcheck disable=SC2086
	run_part fuzz tests/fuzz/run.sh "${FUZZ_SECONDS:-10}" $FUZZ_TARGETS
fi
if [ "$what" = package ] || [ "$what" = all ]; then
	run_part package tests/package/package.sh
fi
if [ "$what" = vm ] || [ "$what" = all ]; then
	# The VM matrix. Each part states the attach choice it expects per
	# concern (PRIVWATCH_EXPECT_CHOICE, concern=variant), not what the probe
	# says; none of these kernels has the cap_capable tracepoint (6.14+):
	#   vm-auto: Debian 12's 6.1, BPF LSM active: auto mode takes the LSM hooks
	#       for files and mounts;
	#   vm-tracepoint: the same VM forced to tracepoints;
	#   vm-nobpflsm: 6.1 with an lsm= without bpf (Ubuntu's default case):
	#       the BPF LSM is built but never called, auto mode must not use it;
	#   vm-6.12: Debian's 6.12 (Debian 13, RHEL 10 generation), BPF LSM active.
	lsm_choice=process=tracepoint,capabilities=fentry,files=lsm,seccomp=tracepoint
	lsm_choice=$lsm_choice,namespaces=tracepoint,cgroups=tracepoint,tamper=tracepoint,mounts=lsm
	tp_choice=process=tracepoint,capabilities=fentry,files=tracepoint,seccomp=tracepoint
	tp_choice=$tp_choice,namespaces=tracepoint,cgroups=tracepoint,tamper=tracepoint,mounts=tracepoint
	# Given to each VM, so no PRIVWATCH_VM_KERNEL or PRIVWATCH_VM_LSM changes a part.
	nobpf=lockdown,capability,landlock,yama,apparmor
	bpf=$nobpf,bpf
	# vm-auto runs the cli suites too: dozens of agent starts of 11-13 s each
	# under emulation (the LSM programs' verification) pass the default 900 s
	# bound on a slow host; 2400 s still ends a hung guest. The other parts
	# take 5-6 min here; 1800 s leaves room for a slower machine plus one
	# suite killed at its own 300 s bound (tests/run-all.sh), which is then
	# 1 failure among the others' counts instead of a lost part.
	# Each part also names every capability variant it must run, each alone
	# (PRIVWATCH_EXPECT_CAP_VARIANTS, test_kernel_capability).
	# shellcheck disable=SC2086
	PRIVWATCH_EXPECT_CAP_VARIANTS=fentry,lsm,kprobe \
	PRIVWATCH_EXPECT_CHOICE=$lsm_choice run_part vm-auto \
		tests/vm/run-in-vm.sh --kernel 6.1 --lsm $bpf --timeout 2400 -- \
		tests/run-all.sh $KERNEL $CLI
	# shellcheck disable=SC2086
	PRIVWATCH_EXPECT_CAP_VARIANTS=fentry,lsm,kprobe \
	PRIVWATCH_EXPECT_CHOICE=$tp_choice PRIVWATCH_TEST_MODE=tracepoint run_part vm-tracepoint \
		tests/vm/run-in-vm.sh --kernel 6.1 --lsm $bpf --timeout 1800 -- tests/run-all.sh $KERNEL
	# With the canary's cli test: the LSM programs attached there are never called.
	# shellcheck disable=SC2086
	PRIVWATCH_EXPECT_CAP_VARIANTS=fentry,kprobe \
	PRIVWATCH_EXPECT_CHOICE=$tp_choice run_part vm-nobpflsm \
		tests/vm/run-in-vm.sh --kernel 6.1 --lsm $nobpf --timeout 1800 -- \
		tests/run-all.sh $KERNEL .output/tests/test_cli_canary
	# shellcheck disable=SC2086
	PRIVWATCH_EXPECT_CAP_VARIANTS=fentry,lsm,kprobe \
	PRIVWATCH_EXPECT_CHOICE=$lsm_choice run_part vm-6.12 \
		tests/vm/run-in-vm.sh --kernel 6.12 --lsm $bpf --timeout 1800 -- tests/run-all.sh $KERNEL
fi

if [ "$what" = e2e ] || [ "$what" = all ]; then
	run_part e2e tests/e2e/smoke.sh
fi

passed=0 failed=0 skipped=0 env_passed=0 env_failed=0
echo
# What failed, part by part: cmocka's failed tests (with their error and
# line), the scripts' FAIL lines, this script's own verdicts (!!!).
for name in "${parts[@]}"; do
	read -r p f s <"$res/$name"
	[ "$f" -gt 0 ] || continue
	echo "failed in $name:"
	awk '/^=== /{suite=substr($0, 5)}
	     /^\[ RUN      \]/ {lines=""}
	     /^\[  ERROR   \]|^\[   LINE   \]/ {lines=lines "\n     " $0}
	     /^\[  FAILED  \] test_/ && !seen[suite $4]++ {print "   " suite ": " $4 lines; lines=""}
	     /^  FAIL |^!!! |^run-in-vm: (infrastructure|timed out|console)/ {print " " $0}' \
		"$res/$name.log" | head -40
done
for r in "${reruns[@]}"; do
	echo "run again after the VM could not run the tests: $r"
done
for name in "${parts[@]}"; do
	read -r p f s <"$res/$name"
	printf '  %-14s %s passed, %s failed, %s skipped\n' "$name" "$p" "$f" "$s"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ -s "$res/$name.env" ]; then
		read -r p f <"$res/$name.env"
		env_passed=$((env_passed + p)) env_failed=$((env_failed + f))
	fi
done
if [ $((env_passed + env_failed)) -gt 0 ]; then
	printf '  %-14s %s passed, %s failed (the runtimes themselves; not in the totals)\n' \
		environment "$env_passed" "$env_failed"
fi
echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$env_failed" = 0 ] || echo "$env_failed environment checks failed"
[ "$failed" = 0 ] && [ "$env_failed" = 0 ]
