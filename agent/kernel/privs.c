// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "kernel/privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define LOCKDOWN_PATH "/sys/kernel/security/lockdown"

/* The effective set, from the kernel (no libcap): 0 and *eff, or -errno. */
static int effective_caps(uint64_t *eff)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
	return 0;
}

/* The kernel knows the capability (cap_last_cap): CAP_BPF and CAP_PERFMON
 * are 5.8's; before, CAP_SYS_ADMIN covered both. */
static int cap_known(int cap)
{
	char buf[16] = "";
	ssize_t n;
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	return cap <= atoi(buf);
}

static void add(char *list, size_t len, const char *name)
{
	size_t n = strlen(list);

	snprintf(list + n, len - n, "%s%s", n ? ", " : "", name);
}

/* "who we are": uid and, if it is root, that root lacks them anyway (a
 * container's root, a bounding set). */
static void identity(char *buf, size_t len)
{
	uid_t u = geteuid();

	if (u)
		snprintf(buf, len, "needs root: it runs as uid %u", (unsigned int)u);
	else
		snprintf(buf, len, "needs root's capabilities: it runs as root but");
}

static int missing(uint64_t want_mask, const int *caps, const char *const *names, size_t ncaps,
		   char *list, size_t len)
{
	uint64_t eff = 0;
	size_t i;

	list[0] = '\0';
	if (effective_caps(&eff))
		eff = 0;
	for (i = 0; i < ncaps; i++)
		if ((want_mask & (1ull << caps[i])) && !(eff & (1ull << caps[i])))
			add(list, len, names[i]);
	return list[0] != '\0';
}

int pw_privs_check_bpf(char *why, size_t len)
{
	static const int caps[] = { CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON };
	static const char *const names[] = { "CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON" };
	uint64_t want = 1ull << CAP_SYS_ADMIN;
	char list[96], who[80], lock[128] = "";
	ssize_t n;
	int fd;

	if (cap_known(CAP_BPF))
		want |= 1ull << CAP_BPF;
	if (cap_known(CAP_PERFMON))
		want |= 1ull << CAP_PERFMON;
	if (missing(want, caps, names, 3, list, sizeof(list))) {
		identity(who, sizeof(who));
		snprintf(why, len,
			 "%s without %s, which loading and attaching its BPF "
			 "programs takes: run it as root (sudo), or with those capabilities",
			 who, list);
		return -1;
	}
	fd = open(LOCKDOWN_PATH, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, lock, sizeof(lock) - 1);
		close(fd);
		lock[n > 0 ? n : 0] = '\0';
		if (pw_privs_lockdown_blocks(lock)) {
			snprintf(why, len,
				 "the kernel is locked down (confidentiality, %s): it refuses BPF "
				 "reads of kernel memory, kprobes and tracefs, which privwatch's "
				 "sensors need; boot with lockdown=integrity or none",
				 LOCKDOWN_PATH);
			return -1;
		}
	}
	return 0;
}

int pw_privs_lockdown_blocks(const char *content)
{
	/* integrity refuses unsigned modules, /dev/mem, kexec, bpf_probe_write_user:
	 * none of which privwatch uses; confidentiality also refuses
	 * bpf_probe_read_kernel, kprobes, perf and tracefs. */
	return strstr(content, "[confidentiality]") != NULL;
}

int pw_privs_check_proc(char *why, size_t len)
{
	static const int caps[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	static const char *const names[] = { "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH" };
	char list[96], who[80];

	if (!missing((1ull << CAP_SYS_PTRACE) | (1ull << CAP_DAC_READ_SEARCH), caps, names, 2, list,
		     sizeof(list)))
		return 0;
	identity(who, sizeof(who));
	snprintf(why, len,
		 "%s without %s, so other users' processes' namespaces, "
		 "mounts and capabilities cannot be read and containers' postures would be "
		 "wrong: run it as root (sudo)",
		 who, list);
	return -1;
}
