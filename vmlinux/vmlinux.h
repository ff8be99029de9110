/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel types for the BPF build, one generated header per architecture,
 * picked by the __TARGET_ARCH_* that the Makefile passes to clang.
 * Regenerate with `make vmlinux` (bpftool btf dump of /sys/kernel/btf/vmlinux).
 * CO-RE relocations make the object run on other kernels; these headers only
 * need to name the fields we read.
 */
#if defined(__TARGET_ARCH_x86)
#include "vmlinux_x86.h"
#elif defined(__TARGET_ARCH_arm64)
#include "vmlinux_arm64.h"
#else
#error "no vmlinux header for this architecture: add vmlinux/vmlinux_<arch>.h (make vmlinux on that arch)"
#endif
