// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * io_uring workloads: no open(2) or write(2) syscall for the action itself.
 *   workload_uring openat PATH: open PATH read-only with IORING_OP_OPENAT and
 *       close it.
 *   workload_uring write-later CGROUP PATH: open PATH (a sysfs file) for
 *       writing while not watched, move into CGROUP (its cgroup.procs), then
 *       write back what PATH held with IORING_OP_WRITE (a sysfs choice file
 *       such as "always [madvise] never": the chosen word).
 * Exit 0 when the completion says it worked, else the errno (100+ for setup).
 * Raw syscalls: no liburing needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/io_uring.h>

struct ring {
	int fd;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned int *sq_tail, *sq_array, *cq_head, cq_mask;
};

static int ring_setup(struct ring *r)
{
	struct io_uring_params p;
	void *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return 100;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return 101;
	r->sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	r->sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	r->cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	r->cq_mask = p.cq_entries - 1;
	memset(&r->sqes[0], 0, sizeof(r->sqes[0]));
	return 0;
}

/* Submit sqes[0], wait for its completion: its res, or -1000 - errno. */
static int ring_run(struct ring *r)
{
	int res;

	r->sq_array[0] = 0;
	__atomic_store_n(r->sq_tail, *r->sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1000 - errno;
	res = r->cqes[*r->cq_head & r->cq_mask].res;
	__atomic_store_n(r->cq_head, *r->cq_head + 1, __ATOMIC_RELEASE);
	return res;
}

/* What to write back to a sysfs file: a choice file's chosen word. */
static size_t value_of(char *buf, size_t n)
{
	char *open = memchr(buf, '[', n),
	     *close = open ? memchr(open, ']', n - (open - buf)) : NULL;

	if (open && close) {
		memmove(buf, open + 1, close - open - 1);
		buf[close - open - 1] = '\n';
		return close - open;
	}
	return n;
}

static int write_later(struct ring *r, const char *cgroup, const char *path)
{
	char buf[256], procs[4200], pid[32];
	ssize_t n;
	int fd, pfd, res;

	fd = open(path, O_RDONLY);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf))) <= 0)
		return 103;
	close(fd);
	n = value_of(buf, n);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return 104;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	pfd = open(procs, O_WRONLY);
	if (pfd < 0 || write(pfd, pid, strlen(pid)) < 0)
		return 105;
	close(pfd);
	r->sqes[0].opcode = IORING_OP_WRITE;
	r->sqes[0].fd = fd;
	r->sqes[0].addr = (unsigned long)buf;
	r->sqes[0].len = n;
	r->sqes[0].off = 0;
	res = ring_run(r);
	if (res <= -1000)
		return 102;
	if (res < 0)
		return -res;
	return res == n ? 0 : 106;
}

int main(int argc, char **argv)
{
	struct ring r;
	int res;

	if (!(argc == 3 && !strcmp(argv[1], "openat")) &&
	    !(argc == 4 && !strcmp(argv[1], "write-later"))) {
		fprintf(stderr, "usage: workload_uring openat PATH | write-later CGROUP PATH\n");
		return 2;
	}
	res = ring_setup(&r);
	if (res)
		return res;
	if (argc == 4)
		return write_later(&r, argv[2], argv[3]);
	r.sqes[0].opcode = IORING_OP_OPENAT;
	r.sqes[0].fd = AT_FDCWD;
	r.sqes[0].addr = (unsigned long)argv[2];
	r.sqes[0].open_flags = O_RDONLY;
	res = ring_run(&r);
	if (res <= -1000)
		return 102;
	if (res < 0)
		return -res;
	close(res);
	close(r.fd);
	return 0;
}
