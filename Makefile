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
	qemu-system-x86 busybox-static cpio kmod xz-utils binutils python3 python3-jsonschema
# What `make bench` needs on top: the peer it compares against, the chart.
BENCH_PACKAGES := bpftrace gnuplot-nox jq

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

AGENT_SRCS := $(filter-out agent/main.c,$(wildcard agent/*.c))
AGENT_OBJS := $(patsubst agent/%.c,$(OUTPUT)/agent/%.o,$(AGENT_SRCS))
CFLAGS ?= -g -O2
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Werror -Iinclude -Iagent \
	-I$(OUTPUT) -MMD -MP -DPW_VERSION='"$(VERSION)"'
LDLIBS := -lbpf -lelf -lz -ljansson

TEST_CFLAGS := $(CFLAGS) -Itests/lib
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
KERNEL_TESTS := $(patsubst tests/kernel/%.c,$(OUTPUT)/tests/%,$(wildcard tests/kernel/test_*.c))
CLI_TESTS := $(patsubst tests/cli/%.c,$(OUTPUT)/tests/%,$(wildcard tests/cli/test_*.c))
TEST_HELPERS := $(patsubst tests/%.c,$(OUTPUT)/tests/%.o,$(wildcard tests/lib/*.c))
WORKLOADS := $(patsubst tests/%.c,$(OUTPUT)/tests/%,$(wildcard tests/workload*.c))
TEST_BINS := $(UNIT_TESTS) $(KERNEL_TESTS) $(CLI_TESTS) $(WORKLOADS)

.PHONY: all deps run test test-host test-vm test-e2e demo bench bench-deps clean vmlinux help
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/privwatch

help:
	@echo "make            build .output/privwatch"
	@echo "make deps       install the Debian packages needed to build and test (idempotent)"
	@echo "make run        deps + build + privwatch run (Ctrl-C stops it)"
	@echo "make test       deps + build + every test suite, one summary line at the end"
	@echo "make test-host  the suites on this kernel only"
	@echo "make test-vm    the kernel and cli suites in a VM on Debian's 6.1 kernel with the BPF LSM,"
	@echo "                then the kernel suites there again forced to tracepoints"
	@echo "make test-e2e   real runtimes (docker, podman, runc) up on their own sockets and roots,"
	@echo "                one container per case, down; part of make test (tests/e2e/README.md)"
	@echo "make demo       a default and a privileged container doing the same things, then"
	@echo "                privwatch ps and the alerts, one line each; on the running Docker"
	@echo "                if there is one (only its own containers touched), else an isolated one"
	@echo "make bench      deps + build + bench/run.sh: overhead against a baseline and bpftrace,"
	@echo "                throughput, memory, latency; bench/results.md and bench/overhead.png"
	@echo "                (QUICK=1: one short round, small counts; not part of make test)"
	@echo "make vmlinux    regenerate vmlinux/vmlinux_$(ARCH).h from this kernel's BTF"
	@echo "make clean      remove $(OUTPUT)/"
	@echo "V=1 shows the commands."

deps:
	$(Q)./tests/install-deps.sh $(DEB_PACKAGES)

bench-deps:
	$(Q)./tests/install-deps.sh $(DEB_PACKAGES) $(BENCH_PACKAGES)

run: deps all
	$(OUTPUT)/privwatch run $(RUN_ARGS)

SUITES = UNIT="$(UNIT_TESTS)" KERNEL="$(KERNEL_TESTS)" CLI="$(CLI_TESTS)"

# Host suites, the kernel suites in the 6.1 VM (LSM and forced tracepoint),
# then the real-runtime checks.
test: deps all $(TEST_BINS)
	$(Q)$(SUITES) ./tests/run-everything.sh all

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

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux_$(ARCH).h

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/agent $(OUTPUT)/tests $(OUTPUT)/tests/lib $(OUTPUT)/bench:
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
$(AGENT_OBJS) $(OUTPUT)/agent/main.o: $(OUTPUT)/privwatch.skel.h

$(OUTPUT)/agent/%.o: agent/%.c | $(OUTPUT)/agent
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libprivwatch.a: $(AGENT_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUTPUT)/privwatch: $(OUTPUT)/agent/main.o $(OUTPUT)/libprivwatch.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# Tests.
$(OUTPUT)/tests/lib/%.o: tests/lib/%.c $(OUTPUT)/privwatch.skel.h | $(OUTPUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libprivwatch.a $(TEST_HELPERS) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(TEST_HELPERS) $(OUTPUT)/libprivwatch.a $(LDLIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/kernel/%.c $(OUTPUT)/libprivwatch.a $(TEST_HELPERS) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(TEST_HELPERS) $(OUTPUT)/libprivwatch.a $(LDLIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/cli/%.c $(OUTPUT)/libprivwatch.a $(TEST_HELPERS) | $(OUTPUT)/tests
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
	$(Q)$(CC) $(CFLAGS) $< -o $@

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/agent/*.d $(OUTPUT)/tests/*.d $(OUTPUT)/tests/lib/*.d)
