// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The process table: one array of max nodes allocated at pw_ptable_new, an
 * index pid -> node (lib/hashtab.h, sized for max at start so it never
 * grows) and an LRU list threaded through the nodes
 * by index. Nothing is allocated after pw_ptable_new: a node comes from the
 * free list, or from the never-used tail of the array (calloc'd, so its
 * pages are only touched, and counted in RSS, once used), or by evicting the
 * least recently used node.
 *
 * Exited parents. A child's alert may be written after its parent's exit
 * record, and must still name the parent (and the grandparent...). Each node
 * links to the node of its parent as it was when the child was recorded
 * (index + generation: the generation is bumped when a node is reused, so a
 * link to a freed or evicted node is seen to be stale). A node counts the
 * nodes linking to it (refs). On exit, a node nobody links to is freed at
 * once; one that still has children is kept, marked exited, until its last
 * child is freed: then it goes too, and so on up the chain. We chose this
 * over a ring of recently exited entries because a ring keeps the wrong
 * ones: it holds every short-lived leaf for a while (most exits) and still
 * loses the parent of a long-lived child after a time or a count. Here an
 * exited entry is held exactly as long as some descendant can ask for it,
 * and the LRU bound covers the pathological cases (a chain of processes
 * each forking once and exiting keeps its whole chain, up to max).
 *
 * Following links, not pids, also keeps ancestry right across pid reuse:
 * a new process reusing an exited parent's pid gets a new node, and the
 * child still links to the old one. Links are made only to a node not below
 * the child (checked when an exec moves a process with children under a new
 * parent), so refs never form a cycle; ancestry guards against cycles anyway,
 * since the pid fallback (a node without a valid link) can loop on reuse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host/process_table.h"
#include "host/procfs.h"
#include "lib/hashtab.h"

#define PT_DEFAULT_MAX 65536
#define PT_MIN_MAX     4 /* fork needs the parent and a node for the child */
#define PT_NIL	       UINT32_MAX
#define PT_MISS_SLOTS  4096 /* direct-mapped: a pid known not to be in /proc */
#define PT_LINK_DEPTH  256  /* longest chain walked when checking a new link */
#define PT_STATUS_MAX  4096 /* /proc/<pid>/status is ~1.5 KiB */

enum pt_state { PT_FREE = 0, PT_LIVE, PT_EXITED };

struct pt_node {
	struct pw_proc p;	     /* first: what pw_ptable_get returns */
	uint32_t prev, next;	     /* LRU list (next is the free list when PT_FREE) */
	uint32_t parent, parent_gen; /* parent's node when recorded, or PT_NIL */
	uint32_t gen;		     /* bumped each time the node is freed */
	uint32_t refs;		     /* live nodes whose parent link is this node */
	uint8_t state;		     /* enum pt_state */
	uint8_t indexed;	     /* the index maps p.pid here (not so once the pid is reused) */
	uint8_t _pad[6];
};

struct pw_ptable {
	struct pt_node *nodes;
	struct pw_htab index;	     /* pid -> node; room for max pids: never grows */
	uint32_t *miss;		     /* PT_MISS_SLOTS pids */
	size_t max;		     /* nodes */
	size_t used;		     /* nodes ever handed out: [used, max) never touched */
	uint32_t free_head;	     /* freed nodes */
	uint32_t lru_head, lru_tail; /* head: most recently used */
	struct pw_ptable_stats st;
	char root[256]; /* prefix of /proc ("/" in production) */
	int no_proc;	/* never read /proc: filled by pw_ptable_add instead */
};

static void index_put(struct pw_ptable *t, uint32_t pid, uint32_t node)
{
	/* Cannot fail: pid is not 0 and the index has room for every node. */
	pw_htab_put(&t->index, pid, node);
	t->nodes[node].indexed = 1;
}

static void index_del(struct pw_ptable *t, uint32_t pid)
{
	struct pw_hslot *s = pw_htab_find(&t->index, pid);

	if (!s)
		return;
	t->nodes[s->val].indexed = 0;
	pw_htab_del(&t->index, pid);
}

/* The node the index maps pid to, or NULL. */
static struct pt_node *lookup(const struct pw_ptable *t, uint32_t pid)
{
	struct pw_hslot *s = pid ? pw_htab_find(&t->index, pid) : NULL;

	return s ? &t->nodes[s->val] : NULL;
}

static uint32_t idx(const struct pw_ptable *t, const struct pt_node *n)
{
	return (uint32_t)(n - t->nodes);
}

static void lru_unlink(struct pw_ptable *t, struct pt_node *n)
{
	if (n->prev != PT_NIL)
		t->nodes[n->prev].next = n->next;
	else
		t->lru_head = n->next;
	if (n->next != PT_NIL)
		t->nodes[n->next].prev = n->prev;
	else
		t->lru_tail = n->prev;
	n->prev = n->next = PT_NIL;
}

static void lru_push(struct pw_ptable *t, struct pt_node *n)
{
	uint32_t i = idx(t, n);

	n->prev = PT_NIL;
	n->next = t->lru_head;
	if (t->lru_head != PT_NIL)
		t->nodes[t->lru_head].prev = i;
	t->lru_head = i;
	if (t->lru_tail == PT_NIL)
		t->lru_tail = i;
}

static void touch(struct pw_ptable *t, struct pt_node *n)
{
	if (t->lru_head == idx(t, n))
		return;
	lru_unlink(t, n);
	lru_push(t, n);
}

/* n's parent if the link is still good (not freed or evicted since). */
static struct pt_node *linked_parent(const struct pw_ptable *t, const struct pt_node *n)
{
	struct pt_node *p;

	if (n->parent == PT_NIL)
		return NULL;
	p = &t->nodes[n->parent];
	return p->state != PT_FREE && p->gen == n->parent_gen ? p : NULL;
}

/*
 * Free n, then each exited ancestor it was the last child of. Iterative:
 * the chain may be as long as the table.
 */
static void release(struct pw_ptable *t, struct pt_node *n)
{
	while (n) {
		struct pt_node *p = linked_parent(t, n);

		if (n->indexed)
			index_del(t, n->p.pid);
		lru_unlink(t, n);
		if (n->state == PT_EXITED)
			t->st.exited--;
		t->st.entries--;
		n->state = PT_FREE;
		n->gen++; /* links to n from children are stale from now on */
		n->parent = PT_NIL;
		n->refs = 0;
		n->next = t->free_head;
		t->free_head = idx(t, n);
		n = NULL;
		if (p && --p->refs == 0 && p->state == PT_EXITED)
			n = p;
	}
}

static void unlink_parent(struct pw_ptable *t, struct pt_node *n)
{
	struct pt_node *p = linked_parent(t, n);

	n->parent = PT_NIL;
	if (p && --p->refs == 0 && p->state == PT_EXITED)
		release(t, p);
}

/* Would linking child under p make a cycle: is child p or above p? */
static int above(const struct pw_ptable *t, const struct pt_node *child, const struct pt_node *p)
{
	int depth;

	for (depth = 0; p && depth < PT_LINK_DEPTH; depth++, p = linked_parent(t, p))
		if (p == child)
			return 1;
	return p != NULL; /* too deep to tell: do not link */
}

static void link_parent(struct pw_ptable *t, struct pt_node *n, struct pt_node *p)
{
	if (!p || p == n || linked_parent(t, n) == p)
		return;
	unlink_parent(t, n);
	/* A fresh node has no children: only a relink can close a cycle. */
	if (n->refs && above(t, n, p))
		return;
	n->parent = idx(t, p);
	n->parent_gen = p->gen;
	p->refs++;
}

/*
 * A node for pid, indexed, most recently used, contents zeroed but for pid.
 * keep: a node the caller holds (a parent) that must not be the one evicted.
 */
static struct pt_node *alloc_node(struct pw_ptable *t, uint32_t pid, const struct pt_node *keep)
{
	struct pt_node *n;

	if (t->free_head != PT_NIL) {
		n = &t->nodes[t->free_head];
		t->free_head = n->next;
	} else if (t->used < t->max) {
		n = &t->nodes[t->used++];
		n->parent = PT_NIL;
	} else {
		n = &t->nodes[t->lru_tail];
		if (n == keep && n->prev != PT_NIL)
			n = &t->nodes[n->prev];
		t->st.evicted++;
		/* Its children's links go stale with the generation. */
		unlink_parent(t, n);
		release(t, n);
		/* release put it on the free list, maybe with exited ancestors */
		n = &t->nodes[t->free_head];
		t->free_head = n->next;
	}
	memset(&n->p, 0, sizeof(n->p));
	n->p.pid = pid;
	n->parent = PT_NIL;
	n->refs = 0;
	n->state = PT_LIVE;
	t->st.entries++;
	lru_push(t, n);
	index_put(t, pid, idx(t, n));
	return n;
}

/*
 * The exit of the process n holds (or of an older process whose pid was
 * reused): no longer found by pid, kept while a child links to it.
 */
static void retire(struct pw_ptable *t, struct pt_node *n)
{
	if (n->indexed)
		index_del(t, n->p.pid);
	if (!n->refs) {
		release(t, n);
		return;
	}
	if (n->state != PT_EXITED) {
		n->state = PT_EXITED;
		t->st.exited++;
	}
}

static uint32_t *miss_slot(struct pw_ptable *t, uint32_t pid)
{
	return &t->miss[(pid * 0x9e3779b9u) >> 20 & (PT_MISS_SLOTS - 1)];
}

static void miss_forget(struct pw_ptable *t, uint32_t pid)
{
	uint32_t *m = miss_slot(t, pid);

	if (*m == pid)
		*m = 0;
}

static void copy_str(char *dst, size_t size, const char *src, size_t len)
{
	len = strnlen(src, len < size - 1 ? len : size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

struct pw_ptable *pw_ptable_new(const char *proc_root, size_t max)
{
	struct pw_ptable *t = calloc(1, sizeof(*t));
	const char *root = proc_root ? proc_root : "/";

	if (!t)
		return NULL;
	if (!max)
		max = PT_DEFAULT_MAX;
	if (max < PT_MIN_MAX)
		max = PT_MIN_MAX;
	if (max >= PT_NIL / 2)
		goto fail;
	/* pw_proc_open_pid joins it with /proc/<pid>; too long a prefix is refused here */
	if ((size_t)snprintf(t->root, sizeof(t->root), "%s", root) >= sizeof(t->root))
		goto fail;
	t->max = max;
	t->nodes = calloc(max, sizeof(*t->nodes));
	t->miss = calloc(PT_MISS_SLOTS, sizeof(*t->miss));
	if (!t->nodes || !t->miss || pw_htab_init(&t->index, max))
		goto fail;
	t->free_head = t->lru_head = t->lru_tail = PT_NIL;
	t->st.bytes = sizeof(*t) + max * sizeof(*t->nodes) + pw_htab_bytes(&t->index) +
		      PT_MISS_SLOTS * sizeof(*t->miss);
	return t;
fail:
	pw_ptable_free(t);
	return NULL;
}

void pw_ptable_free(struct pw_ptable *t)
{
	if (!t)
		return;
	free(t->nodes);
	pw_htab_free(&t->index);
	free(t->miss);
	free(t);
}

static void copy_session(struct pw_proc *to, const struct pw_proc *from)
{
	to->session = from->session;
	to->session_pid = from->session_pid;
	to->session_ns = from->session_ns;
}

void pw_ptable_exec(struct pw_ptable *t, const struct pw_exec_event *e)
{
	uint32_t pid = e->hdr.pid;
	struct pt_node *n = lookup(t, pid), *p = lookup(t, e->ppid);
	size_t len;

	if (!pid)
		return;
	if (p)
		touch(t, p);
	/* The same process replacing its image keeps its node, and with it
	 * the links of children it forked before (the index holds only live
	 * nodes: an exited pid is found no more). */
	if (n) {
		struct pw_proc keep = n->p;

		touch(t, n);
		memset(&n->p, 0, sizeof(n->p));
		n->p.pid = pid;
		n->p.start_ns = keep.start_ns;
		/* a new program, the same tree */
		n->p.session = keep.session;
		n->p.session_pid = keep.session_pid;
		n->p.session_ns = keep.session_ns;
	} else {
		n = alloc_node(t, pid, p);
		if (p && p->state == PT_FREE)
			p = NULL; /* evicted after all (max this small) */
		if (p)
			copy_session(&n->p, &p->p);
	}
	miss_forget(t, pid);
	n->p.ppid = e->ppid;
	n->p.cgroup_id = e->hdr.cgroup_id;
	n->p.exec_ns = e->hdr.ts_ns;
	copy_str(n->p.comm, sizeof(n->p.comm), e->hdr.comm, sizeof(e->hdr.comm));
	copy_str(n->p.exe, sizeof(n->p.exe), e->filename, e->filename_len);
	len = e->args_len < sizeof(n->p.args) ? e->args_len : sizeof(n->p.args);
	memcpy(n->p.args, e->args, len);
	n->p.args_len = (uint32_t)len;
	/* Under the parent the kernel names now (an orphan is reparented
	 * before it execs): a link to anything else is dropped. */
	if (p && p != n)
		link_parent(t, n, p);
	else
		unlink_parent(t, n);
}

void pw_ptable_fork(struct pw_ptable *t, const struct pw_fork_event *e)
{
	uint32_t pid = e->child_pid;
	struct pt_node *n, *p;

	if (!pid || pid != e->child_tid || pid == e->hdr.pid)
		return; /* a thread: it shares its process's entry */
	p = lookup(t, e->hdr.pid);
	if (p)
		touch(t, p);
	/* A pid already present is reused: its old process is gone (its exit
	 * record lost, or it is kept exited for its children). */
	n = lookup(t, pid);
	if (n)
		retire(t, n);
	n = alloc_node(t, pid, p);
	if (p && p->state == PT_FREE)
		p = NULL;
	miss_forget(t, pid);
	n->p.ppid = e->hdr.pid;
	n->p.cgroup_id = e->hdr.cgroup_id;
	n->p.start_ns = e->hdr.ts_ns;
	if (p) {
		memcpy(n->p.comm, p->p.comm, sizeof(n->p.comm));
		memcpy(n->p.exe, p->p.exe, sizeof(n->p.exe));
		memcpy(n->p.args, p->p.args, p->p.args_len);
		n->p.args_len = p->p.args_len;
		n->p.from_proc = p->p.from_proc;
		copy_session(&n->p, &p->p);
		link_parent(t, n, p);
	} else {
		copy_str(n->p.comm, sizeof(n->p.comm), e->hdr.comm, sizeof(e->hdr.comm));
	}
}

void pw_ptable_session(struct pw_ptable *t, uint32_t pid, enum pw_view_session s, uint64_t ts_ns)
{
	struct pt_node *n = lookup(t, pid);

	if (!n)
		return;
	n->p.session = s;
	n->p.session_pid = s == PW_VSESSION_EXEC ? pid : 0;
	n->p.session_ns = s == PW_VSESSION_EXEC ? ts_ns : 0;
}

void pw_ptable_exit(struct pw_ptable *t, uint32_t pid)
{
	struct pt_node *n = lookup(t, pid);

	if (!pid)
		return;
	/* Dead: a later lookup must not go to /proc for it (or find a new
	 * process there that merely reuses the pid). */
	*miss_slot(t, pid) = pid;
	if (n)
		retire(t, n);
}

/* Its start time from /proc/<pid>/stat (field 22, clock ticks after boot)
 * on the records' clock (CLOCK_MONOTONIC, which stops in suspend where
 * boot time does not: the two clocks' difference now is taken off). 0:
 * unknown. comm, field 2, may hold spaces and parentheses: fields are
 * counted after its last ')'. */
static uint64_t start_from_stat(int dir)
{
	char stat[1024], *p;
	struct timespec mono, boot;
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t since_boot, skew;
	int f;

	if (pw_proc_read(dir, "stat", stat, sizeof(stat)) <= 0 || hz <= 0)
		return 0;
	p = strrchr(stat, ')');
	for (f = 2; p && f < 22; f++) { /* p at the space before field f + 1 */
		p = strchr(p + 1, ' ');
	}
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	since_boot = ticks * (1000000000ULL / (uint64_t)hz);
	skew = (uint64_t)(boot.tv_sec - mono.tv_sec) * 1000000000ULL + boot.tv_nsec - mono.tv_nsec;
	return since_boot > skew ? since_boot - skew : 1;
}

/*
 * A process older than the agent, from /proc/<pid>: every file read through
 * one directory fd, so all come from the same process (a pid reused between
 * two reads fails them with ESRCH instead of mixing two processes).
 * 0, or -errno (-ENOENT: no such process, or pid is a thread's id).
 */
static int read_proc_at(const char *root, uint32_t pid, struct pw_proc *p)
{
	char status[PT_STATUS_MAX];
	uint64_t ppid, tgid;
	ssize_t n;
	int dir;

	if (pid > INT32_MAX)
		return -ENOENT;
	dir = pw_proc_open_pid(root, (pid_t)pid);
	if (dir < 0)
		return dir;
	memset(p, 0, sizeof(*p));
	n = pw_proc_read(dir, "status", status, sizeof(status));
	if (n < 0)
		goto out;
	/* /proc/<tid> exists for threads too, hidden from readdir. */
	if (pw_proc_status_num(status, "PPid", 10, &ppid) || ppid > UINT32_MAX ||
	    (!pw_proc_status_num(status, "Tgid", 10, &tgid) && tgid != pid)) {
		n = -ENOENT;
		goto out;
	}
	p->pid = pid;
	p->ppid = (uint32_t)ppid;
	p->from_proc = 1;
	if (pw_proc_read(dir, "comm", p->comm, sizeof(p->comm)) > 0)
		p->comm[strcspn(p->comm, "\n")] = '\0';
	/* cmdline: NUL-terminated argv, as the exec record carries it. */
	n = pw_proc_read_raw(dir, "cmdline", p->args, sizeof(p->args));
	p->args_len = n > 0 ? (uint32_t)n : 0;
	/* exe: absent for kernel threads, unreadable without ptrace rights. */
	n = readlinkat(dir, "exe", p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	p->start_ns = start_from_stat(dir);
	n = 0;
out:
	close(dir);
	return n < 0 ? (int)n : 0;
}

static int read_proc(struct pw_ptable *t, uint32_t pid, struct pw_proc *p)
{
	return read_proc_at(t->root, pid, p);
}

int pw_ptable_read_proc(const char *proc_root, uint32_t pid, struct pw_proc *p)
{
	return read_proc_at(proc_root ? proc_root : "/", pid, p);
}

void pw_ptable_no_proc(struct pw_ptable *t)
{
	t->no_proc = 1;
}

void pw_ptable_add(struct pw_ptable *t, const struct pw_proc *p)
{
	struct pt_node *n;

	if (!p->pid || lookup(t, p->pid))
		return; /* the kernel's records are newer */
	miss_forget(t, p->pid);
	n = alloc_node(t, p->pid, NULL);
	n->p = *p;
}

const struct pw_proc *pw_ptable_get(struct pw_ptable *t, uint32_t pid)
{
	struct pt_node *n = lookup(t, pid);
	uint32_t *m;
	struct pw_proc p;

	if (!pid)
		return NULL;
	if (n) {
		touch(t, n);
		return &n->p;
	}
	m = miss_slot(t, pid);
	if (*m == pid || t->no_proc)
		return NULL;
	t->st.proc_reads++;
	if (read_proc(t, pid, &p)) {
		t->st.proc_misses++;
		*m = pid;
		return NULL;
	}
	n = alloc_node(t, pid, NULL);
	n->p = p;
	return &n->p;
}

/* Is node i the start of an ancestry walk or one of the n found so far? */
static int holds(const struct pw_ptable *t, const struct pw_proc *start, const struct pw_proc **out,
		 size_t n, uint32_t i)
{
	const struct pw_proc *p = &t->nodes[i].p;
	size_t k;

	for (k = 0; k < n && out[k] != p; k++)
		;
	return p == start || k < n;
}

int pw_ptable_exited(const struct pw_proc *p)
{
	return ((const struct pt_node *)p)->state == PT_EXITED; /* p is the node's first member */
}

size_t pw_ptable_ancestry(struct pw_ptable *t, uint32_t pid, const struct pw_proc **out, size_t max)
{
	const struct pw_proc *cp = pw_ptable_get(t, pid);
	struct pt_node *cur, *p;
	size_t n = 0, i;
	uint32_t gen;

	if (!cp)
		return 0;
	cur = (struct pt_node *)cp; /* p is the node's first member */
	while (n < max && cur->p.ppid && cur->p.pid != 1) {
		p = linked_parent(t, cur);
		if (!p) {
			/* Not recorded with its parent (read from /proc, or the
			 * parent was unknown at its fork): by pid, once linked
			 * it stays found after the parent exits. */
			const struct pw_proc *pp;

			/* Reading /proc takes a node: in a table full of what
			 * this walk holds, it would evict one of them. */
			if (t->free_head == PT_NIL && t->used == t->max &&
			    !lookup(t, cur->p.ppid) && holds(t, cp, out, n, t->lru_tail))
				break;
			gen = cur->gen;
			pp = pw_ptable_get(t, cur->p.ppid);
			if (!pp || cur->gen != gen)
				break; /* unknown, or cur evicted reading /proc */
			p = (struct pt_node *)pp;
			link_parent(t, cur, p);
		} else {
			touch(t, p);
		}
		/* pid reuse can loop the pid fallback */
		if (&p->p == cp)
			break;
		for (i = 0; i < n && out[i] != &p->p; i++)
			;
		if (i < n)
			break;
		out[n++] = &p->p;
		cur = p;
	}
	return n;
}

void pw_ptable_stats(const struct pw_ptable *t, struct pw_ptable_stats *s)
{
	*s = t->st;
}
