# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# privwatch build. `make help` lists the targets.

OUTPUT ?= .output
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
VERSION := $(shell cat VERSION)

# Build and test packages, installed by `make deps` (Debian 12).
DEB_PACKAGES := make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
	libjansson-dev libcmocka-dev pkg-config util-linux rsyslog \
	libssl-dev openssl rsyslog-gnutls libcurl4-openssl-dev \
	qemu-system-x86 busybox-static runc cpio kmod xz-utils binutils python3 python3-jsonschema \
	clang-format-16 libmicrohttpd-dev prometheus debhelper scdoc python3-yaml kubernetes-client|kubectl
# Each word single-quoted for the shell ("a|b" is one argument, not a pipe).
quote_all = $(foreach w,$(1),'$(w)')
# What `make bench` needs on top: the peer it compares against, the chart.
BENCH_PACKAGES := bpftrace gnuplot-nox jq

# make install: DESTDIR for staging (packages), PREFIX for the binary and
# man pages. The rules go to /etc/privwatch/rules.d whatever PREFIX is: the
# binary looks there by default (PW_RULES_DIR, agent/rules/rules.h).
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system
CONFDIR := /etc/privwatch
DEB_OUTPUT := $(OUTPUT)/deb

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_CFLAGS := -target bpf -D__TARGET_ARCH_$(ARCH) -g -O2 -Wall -Werror \
	-Iinclude -Ivmlinux -MMD -MP

# Agent: one folder per subsystem (agent/<subsystem>/*.c) plus pipeline.c at
# the root; a new file in any folder is picked up. Project headers are
# included by their path under agent/ ("kernel/loader.h"), so -Iagent is the
# one agent include path and a file's folder shows in each #include.
AGENT_SRCS := $(filter-out agent/cli/main.c,$(wildcard agent/*.c agent/*/*.c))
AGENT_OBJS := $(patsubst agent/%.c,$(OUTPUT)/agent/%.o,$(AGENT_SRCS))
# CFLAGS is the user's (optimisation, sanitizers: `make CFLAGS=-fsanitize=address`
# adds to what the build needs); PW_CFLAGS is what the build needs and is
# always there. CPPFLAGS and LDFLAGS are the user's too (dpkg-buildflags:
# _FORTIFY_SOURCE, relro, now in the Debian package).
CFLAGS ?= -g -O2
PW_CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Werror \
	-Iinclude -Iagent -I$(OUTPUT) -MMD -MP -DPW_VERSION='"$(VERSION)"' $(PW_EXTRA_CFLAGS)
ALL_CFLAGS = $(PW_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDLIBS := -lbpf -lelf -lz -ljansson -lssl -lcrypto -lmicrohttpd -lcurl

TEST_CFLAGS = $(ALL_CFLAGS) -Itests/lib
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
KERNEL_TESTS := $(patsubst tests/kernel/%.c,$(OUTPUT)/tests/%,$(wildcard tests/kernel/test_*.c))
CLI_TESTS := $(patsubst tests/cli/%.c,$(OUTPUT)/tests/%,$(wildcard tests/cli/test_*.c))
TEST_HELPERS := $(patsubst tests/%.c,$(OUTPUT)/tests/%.o,$(wildcard tests/lib/*.c))
WORKLOADS := $(patsubst tests/%.c,$(OUTPUT)/tests/%,$(wildcard tests/workload*.c))
TEST_BINS := $(UNIT_TESTS) $(KERNEL_TESTS) $(CLI_TESTS) $(WORKLOADS)

# `make sanitize`: the unit and cli suites (and the binary the cli suites
# run) built again with ASan and UBSan into their own output directory.
# Beside $(OUTPUT), not in it: the binary finds the rules at ../rules, the
# suites the tree at ../.. as in the plain build.
SAN_OUTPUT := $(OUTPUT)-sanitize
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_SUITES = SANITIZE_UNIT="$(patsubst $(OUTPUT)/%,$(SAN_OUTPUT)/%,$(UNIT_TESTS))" \
	SANITIZE_CLI="$(patsubst $(OUTPUT)/%,$(SAN_OUTPUT)/%,$(CLI_TESTS))"
# run-all.sh runs suites under stdbuf, whose LD_PRELOAD comes before the ASan runtime.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0 UBSAN_OPTIONS=print_stacktrace=1

# `make format`, `make format-check`: one pinned clang-format, so every
# developer and CI format alike (.clang-format: the kernel style).
CLANG_FORMAT ?= clang-format-16
FORMAT_FILES = $(wildcard agent/*.[ch] agent/*/*.[ch] bpf/*.[ch] include/*.h \
	tests/*.c tests/*/*.[ch])

.PHONY: fuzz fuzz-build
.PHONY: install man deb test-package
.PHONY: all deps run check lint format format-check sanitize sanitize-build sanitize-bins \
	test test-host test-vm test-e2e demo bench bench-deps soak clean vmlinux help
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/privwatch

help:
	@echo "make            build .output/privwatch"
	@echo "make deps       install the Debian packages needed to build and test (idempotent)"
	@echo "make run        deps + build + privwatch run (Ctrl-C stops it)"
	@echo "make check      the developer loop: lint + unit tests; no packages, VM or containers"
	@echo "make lint       layering of agent/ includes, repository paths named in comments"
	@echo "make format     clang-format-16 -i on agent/ bpf/ include/ tests/ (format-check: only check)"
	@echo "make sanitize   unit and cli suites built with ASan+UBSan in $(SAN_OUTPUT)/, run"
	@echo "make test       deps + build + every test suite (sanitize and 10 s of each fuzz target"
	@echo "                included), one summary line at the end"
	@echo "make fuzz       libFuzzer targets for every parser of outside input, each run"
	@echo "                FUZZ_SECONDS (60) from tests/fuzz/corpus/; crashes in $(FUZZ_OUTPUT)/crashes/"
	@echo "make test-host  the suites on this kernel only"
	@echo "make test-vm    the kernel and cli suites in a VM on Debian's 6.1 kernel with the BPF LSM,"
	@echo "                then the kernel suites there forced to tracepoints, on 6.1 booted"
	@echo "                without the BPF LSM, and on Debian's 6.12 with it"
	@echo "make test-e2e   real runtimes (docker, podman, runc) up on their own sockets and roots,"
	@echo "                one container per case, down; part of make test (tests/e2e/README.md)"
	@echo "make demo       a default and a privileged container doing the same things, then"
	@echo "                privwatch ps and the alerts, one line each; on the running Docker"
	@echo "                if there is one (only its own containers touched), else an isolated one"
	@echo "make bench      deps + build + bench/run.sh: overhead against a baseline and bpftrace,"
	@echo "                throughput, memory, latency; bench/results.md and bench/overhead.png"
	@echo "                (QUICK=1: one short round, small counts; not part of make test)"
	@echo "make soak       SOAK_SECONDS (300) of container churn, an event flood, a sink outage,"
	@echo "                rule reloads and a hostile container against one agent: RSS bounded,"
	@echo "                no stall past the read deadline, exit on SIGINT, every event accounted"
	@echo "make vmlinux    regenerate vmlinux/vmlinux_$(ARCH).h from this kernel's BTF"
	@echo "make install    binary, rules, man page, systemd unit (DESTDIR, PREFIX=/usr)"
	@echo "make deb        the Debian package in $(DEB_OUTPUT)/ (VERSION=... to override)"
	@echo "make test-package  builds the package, installs, upgrades and purges it in a"
	@echo "                throwaway overlay of /; the unit, man page and manifests checked"
	@echo "make clean      remove $(OUTPUT)/"
	@echo "V=1 shows the commands."

deps:
	$(Q)./tests/install-deps.sh $(call quote_all,$(DEB_PACKAGES))

bench-deps:
	$(Q)./tests/install-deps.sh $(call quote_all,$(DEB_PACKAGES) $(BENCH_PACKAGES))

run: deps all
	$(OUTPUT)/privwatch run $(RUN_ARGS)

SUITES = UNIT="$(UNIT_TESTS)" KERNEL="$(KERNEL_TESTS)" CLI="$(CLI_TESTS)"

# Seconds, and nothing installed or started: the checks, the unit suites.
check: lint $(UNIT_TESTS)
	$(Q)./tests/run-all.sh $(UNIT_TESTS)

# Every tests/lint/ check: each prints what breaks its rule and fails.
lint:
	$(Q)set -e; for t in tests/lint/*.sh tests/lint/*.py; do $$t; done

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check:
	$(Q)$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES)

sanitize: sanitize-build
	$(Q)$(SAN_SUITES) $(SAN_ENV) ./tests/run-everything.sh sanitize

sanitize-build:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(SAN_OUTPUT) PW_EXTRA_CFLAGS="$(SAN_FLAGS)" sanitize-bins

sanitize-bins: all $(UNIT_TESTS) $(CLI_TESTS) $(WORKLOADS)

# `make fuzz`: libFuzzer targets (tests/fuzz/fuzz_*.c) for the parsers of
# outside input, built with clang and ASan+UBSan against the agent built the
# same way, each run FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/).
# make test runs each for 10 s; a long run: make fuzz FUZZ_SECONDS=3600.
FUZZ_OUTPUT := $(OUTPUT)/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -g -O1 -Iinclude -Iagent -I$(OUTPUT) -DPW_VERSION='"$(VERSION)"' $(FUZZ_SAN)
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_OUTPUT)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS := $(patsubst agent/%.c,$(FUZZ_OUTPUT)/agent/%.o,$(AGENT_SRCS))

fuzz: fuzz-build
	$(Q)./tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_TARGETS)

$(FUZZ_OUTPUT)/agent/%.o: agent/%.c | $(OUTPUT)/privwatch.skel.h
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_OUTPUT)/libprivwatch.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(FUZZ_OUTPUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OUTPUT)/libprivwatch.a
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OUTPUT)/libprivwatch.a $(LDLIBS) -o $@

# Host suites, the sanitized unit and cli suites, the VM matrix, then the
# real-runtime checks (tests/run-everything.sh says which part is which).
test: deps all $(TEST_BINS) sanitize-build fuzz-build
	$(Q)$(SUITES) $(SAN_SUITES) $(SAN_ENV) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
		./tests/run-everything.sh all

test-host: deps all $(TEST_BINS)
	$(Q)$(SUITES) ./tests/run-everything.sh host

# The guest sees this directory at the same path, so OUTPUT must be inside it.
test-vm: deps all $(TEST_BINS)
	$(Q)$(SUITES) ./tests/run-everything.sh vm

# Real containers: tests/e2e/runtimes.sh installs and starts what it needs,
# and smoke.sh stops it again.
test-e2e:
	$(Q)./tests/run-everything.sh e2e

demo: deps all
	$(Q)./tests/e2e/demo.sh

# Never part of `make test`: QUICK=1 is the smoke run for CI.
bench: bench-deps all $(OUTPUT)/bench/ops
	$(Q)QUICK=$(QUICK) PRIVWATCH=$(OUTPUT)/privwatch OPS=$(OUTPUT)/bench/ops ./bench/run.sh

# `make soak`: minutes of churn, flood, sink outages, reloads and a hostile
# container against one agent (tests/soak/soak.c); never part of make test.
SOAK_SECONDS ?= 300
soak: deps all $(OUTPUT)/tests/soak $(WORKLOADS)
	$(Q)$(OUTPUT)/tests/soak $(SOAK_SECONDS)

# The man page: one scdoc source (tests/package/man-options.sh checks it
# names every option of every --help).
man: $(OUTPUT)/man/privwatch.8

$(OUTPUT)/man/privwatch.8: docs/man/privwatch.8.scd
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scdoc <$< >$@

install: all man
	$(Q)install -D -m 0755 $(OUTPUT)/privwatch $(DESTDIR)$(SBINDIR)/privwatch
	$(Q)install -d -m 0755 $(DESTDIR)$(CONFDIR)/rules.d
	$(Q)install -m 0644 rules/*.json $(DESTDIR)$(CONFDIR)/rules.d/
	$(Q)install -D -m 0644 $(OUTPUT)/man/privwatch.8 $(DESTDIR)$(MANDIR)/man8/privwatch.8
	$(Q)install -d -m 0755 $(DESTDIR)$(UNITDIR)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' packaging/systemd/privwatch.service.in \
		>$(DESTDIR)$(UNITDIR)/privwatch.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/privwatch.service

# The Debian package, built with debhelper from a copy of the tree
# (packaging/build-deb.sh), version $(VERSION).
deb:
	$(Q)./packaging/build-deb.sh "$(VERSION)" "$(DEB_OUTPUT)"

# Builds two packages, installs, upgrades, purges in an overlay of / that
# is thrown away; checks the unit, the man page against --help, the
# Kubernetes manifests.
test-package: deps all
	$(Q)./tests/run-everything.sh package

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux_$(ARCH).h

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT) $(SAN_OUTPUT)

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/tests $(OUTPUT)/tests/lib $(OUTPUT)/bench:
	$(Q)mkdir -p $@

# BPF: one object per concern, linked into one object, one skeleton.
$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/privwatch.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/privwatch.skel.h: $(OUTPUT)/privwatch.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name privwatch_bpf > $@

# Agent: everything but main.c goes into a library the tests link too.
# The skeleton is order-only: it must exist before the first compile, but
# only the files that include it depend on it (their -MMD .d files say so),
# so editing one .bpf.c recompiles those few, not the whole agent.
$(OUTPUT)/agent/%.o: agent/%.c | $(OUTPUT)/privwatch.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/libprivwatch.a: $(AGENT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(OUTPUT)/privwatch: $(OUTPUT)/agent/cli/main.o $(OUTPUT)/libprivwatch.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Tests.
$(OUTPUT)/tests/lib/%.o: tests/lib/%.c | $(OUTPUT)/privwatch.skel.h $(OUTPUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libprivwatch.a $(TEST_HELPERS) | $(OUTPUT)/privwatch.skel.h $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(TEST_HELPERS) $(OUTPUT)/libprivwatch.a $(LDLIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/kernel/%.c $(OUTPUT)/libprivwatch.a $(TEST_HELPERS) | $(OUTPUT)/privwatch.skel.h $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(TEST_HELPERS) $(OUTPUT)/libprivwatch.a $(LDLIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/cli/%.c $(OUTPUT)/libprivwatch.a $(TEST_HELPERS) | $(OUTPUT)/privwatch.skel.h $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(TEST_HELPERS) $(OUTPUT)/libprivwatch.a $(LDLIBS) -lcmocka -o $@

$(OUTPUT)/tests/soak: tests/soak/soak.c $(OUTPUT)/libprivwatch.a $(TEST_HELPERS) | $(OUTPUT)/privwatch.skel.h $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(TEST_HELPERS) $(OUTPUT)/libprivwatch.a $(LDLIBS) -lcmocka -o $@

# Workloads: small programs each making a known set of syscalls for the tests.
# A static pattern: in a plain pattern rule `workload%` needs a non-empty stem
# and would not build tests/workload.c itself.
$(WORKLOADS): $(OUTPUT)/tests/%: tests/%.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< -o $@

# The benchmark's workloads and generators: one program, one mode per argument.
$(OUTPUT)/bench/ops: bench/ops.c | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/agent/*.d $(OUTPUT)/agent/*/*.d \
	$(OUTPUT)/tests/*.d $(OUTPUT)/tests/lib/*.d)
