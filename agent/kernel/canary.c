// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* pipe2, unshare */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include "kernel/canary.h"
#include "host/cgroupfs.h"
#include "kernel/feature_probe.h"

#define SYSLOG_ACTION_CLOSE 0 /* needs CAP_SYSLOG, does nothing */
#define CAP_SYSLOG_NR	    34

int pw_concern_index(const char *name)
{
	int i;

	for (i = 0; i < pw_concern_count; i++)
		if (!strcmp(pw_concerns[i].name, name))
			return i;
	return -1;
}

int pw_canary_concern_of(unsigned int type)
{
	switch (type) {
	case PW_EVENT_EXEC:
	case PW_EVENT_FORK:
	case PW_EVENT_EXIT: return pw_concern_index("process");
	case PW_EVENT_CAPABILITY: return pw_concern_index("capabilities");
	case PW_EVENT_OPEN: return pw_concern_index("files");
	case PW_EVENT_SECCOMP: return pw_concern_index("seccomp");
	case PW_EVENT_NAMESPACE: return pw_concern_index("namespaces");
	case PW_EVENT_CGROUP_MKDIR:
	case PW_EVENT_CGROUP_RMDIR: return pw_concern_index("cgroups");
	case PW_EVENT_MOUNT: return pw_concern_index("mounts");
	case PW_EVENT_TAMPER: return pw_concern_index("tamper");
	}
	return -1;
}

/* Canary cgroups of agents that are gone: an empty cgroup rmdirs, one in
 * use (another agent's canary running) refuses with EBUSY and stays. */
static void remove_stale(const char *mount)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir = opendir(mount);

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		char *end;
		long pid;

		if (strncmp(d->d_name, PW_CANARY_CGROUP ".", sizeof(PW_CANARY_CGROUP)))
			continue;
		pid = strtol(d->d_name + sizeof(PW_CANARY_CGROUP), &end, 10);
		if (*end || pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", mount, d->d_name);
		rmdir(path);
	}
	closedir(dir);
}

int pw_canary_init(struct pw_canary *c, const char *cgroup_mount, char *err, size_t errlen)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->status = -1;
	c->status_fd = -1;
	remove_stale(cgroup_mount);
	/* One per agent: two agents on a host (a test beside a daemon) must not
	 * claim or remove each other's. */
	snprintf(c->cgroup, sizeof(c->cgroup), "%s/%s.%d", cgroup_mount, PW_CANARY_CGROUP,
		 (int)getpid());
	if (mkdir(c->cgroup, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot make the canary cgroup %s: %s", c->cgroup,
			 strerror(errno));
		return -1;
	}
	rc = pw_cgroup_id(c->cgroup, &c->cgroup_id);
	if (rc) {
		snprintf(err, errlen, "cannot read the id of %s: %s", c->cgroup, strerror(-rc));
		return -1;
	}
	return 0;
}

void pw_canary_free(struct pw_canary *c)
{
	if (c->running) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->running = 0;
	}
	if (c->status_fd >= 0)
		close(c->status_fd);
	if (c->cgroup[0])
		rmdir(c->cgroup);
}

int pw_canary_start(struct pw_canary *c, uint64_t now_ns, uint64_t timeout_ns)
{
	char procs[PATH_MAX + 16], map_id[16];
	int go[2], st[2], err;
	pid_t pid;

	if (c->running)
		return -EBUSY;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", c->cgroup);
	snprintf(map_id, sizeof(map_id), "%u", c->map_id);
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(st, O_CLOEXEC | O_NONBLOCK)) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		close(st[0]);
		close(st[1]);
		return err;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls here: the agent has threads. */
		char *argv[] = { "privwatch", PW_CANARY_CMD, c->cgroup, map_id, NULL };
		char b;
		int fd = open(procs, O_WRONLY | O_CLOEXEC);

		close(go[1]);
		/* fd 3: where the canary says which actions it could not do */
		if (fd < 0 || write(fd, "0", 1) != 1 || dup2(st[1], 3) != 3)
			_exit(126);
		close(fd);
		if (read(go[0], &b, 1) != 1)
			_exit(126);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(go[0]);
	close(st[1]);
	if (c->status_fd >= 0)
		close(c->status_fd);
	c->status_fd = st[0];
	c->pid = pid;
	c->running = 1;
	c->seen = 0;
	c->status = -1;
	c->deadline_ns = now_ns + timeout_ns;
	c->rounds++;
	err = write(go[1], "g", 1) == 1 ? 0 : -EPIPE;
	close(go[1]);
	return err;
}

int pw_canary_reap(struct pw_canary *c, uint64_t now_ns)
{
	uint32_t failed;
	int st;
	pid_t r;

	if (!c->running)
		return 1;
	r = waitpid(c->pid, &st, WNOHANG);
	if (r == 0 && now_ns < c->deadline_ns)
		return 0;
	if (r == 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &st, 0);
		st = -1;
	}
	c->running = 0;
	c->status = -1;
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    read(c->status_fd, &failed, sizeof(failed)) == sizeof(failed))
		c->status = failed & 0xffff;
	close(c->status_fd);
	c->status_fd = -1;
	return 1;
}

int pw_canary_claim(struct pw_canary *c, const struct pw_event_header *h)
{
	int concern;

	if (h->cgroup_id != c->cgroup_id)
		return 0;
	if (h->pid != (uint32_t)c->pid || !c->pid) {
		c->foreign++;
		return 0;
	}
	concern = pw_canary_concern_of(h->type);
	if (concern >= 0)
		c->seen |= 1u << concern;
	c->records++;
	if (h->type < PW_EVENT_TYPE_MAX)
		c->by_type[h->type]++;
	return 1;
}

/* ---- the canary process ---- */

static unsigned int bit(const char *concern)
{
	int i = pw_concern_index(concern);

	return i < 0 ? 0 : 1u << i;
}

static int open_sysfs(void)
{
	static const char *const files[] = {
		"/sys/kernel/uevent_seqnum",
		"/sys/devices/system/cpu/online",
		"/sys/kernel/mm/transparent_hugepage/enabled",
	};
	size_t i;
	int fd;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
	}
	return -1;
}

static int mount_private_tmpfs(void)
{
	struct stat st;
	const char *target = stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode) ? "/tmp" : "/";

	/* In the canary's own mount namespace: the host sees none of it. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (mount("privwatch-canary", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16k,mode=0700"))
		return -1;
	return umount2(target, MNT_DETACH);
}

static int allow_all_seccomp(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* The agent's own map by its id, then a signal it ignores (SIGURG): what
 * the tamper concern watches for, harmless from the agent's own child. */
static int reach_for_the_agent(const char *map_id)
{
	union bpf_attr attr = { .map_id = strtoul(map_id, NULL, 10) };
	int fd = syscall(SYS_bpf, BPF_MAP_GET_FD_BY_ID, &attr, sizeof(attr));

	if (fd < 0)
		return -1;
	close(fd);
	return kill(getppid(), SIGURG);
}

int pw_canary_main(int argc, char **argv)
{
	uint32_t failed = 0;
	char sub[PATH_MAX];

	if (argc < 3)
		return 126;
	if (klogctl(SYSLOG_ACTION_CLOSE, NULL, 0) < 0)
		failed |= bit("capabilities");
	if (open_sysfs())
		failed |= bit("files");
	snprintf(sub, sizeof(sub), "%s/probe-%d", argv[1], (int)getpid());
	if (mkdir(sub, 0700) || rmdir(sub))
		failed |= bit("cgroups");
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS)) {
		failed |= bit("namespaces") | bit("mounts");
	} else if (mount_private_tmpfs()) {
		failed |= bit("mounts");
	}
	if (reach_for_the_agent(argv[2]))
		failed |= bit("tamper");
	if (allow_all_seccomp())
		failed |= bit("seccomp");
	/* fd 3 is the agent's pipe: which actions could not be done here */
	return write(3, &failed, sizeof(failed)) == sizeof(failed) ? 0 : 125;
}
