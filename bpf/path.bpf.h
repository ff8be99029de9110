/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Resolve a struct path to its names, as the task that made the call sees
 * them: walk d_parent up, cross from a mount's root to its mount point,
 * stop at the task's root (a container's root) or at its namespace's root.
 *
 * Names are written leaf first, each NUL-terminated, PW_OPEN_PATH_BUF bytes
 * at most; the agent reverses them. The walk runs under bpf_loop (5.17+):
 * as a plain bounded loop its branches multiplied the verifier's states past
 * its 1M instruction limit. It writes into a per-CPU scratch buffer, at an
 * offset masked below half the buffer with reads capped at half, so the
 * verifier can see that no write leaves it.
 */
#ifndef PRIVWATCH_PATH_BPF_H
#define PRIVWATCH_PATH_BPF_H

#include "common.bpf.h"

#define PW_PATH_DEPTH 40 /* path components plus mount crossings */
#define PW_PATH_HALF  (PW_OPEN_PATH_BUF / 2)

struct pw_path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry; /* the task's root: stop there */
	struct vfsmount *root_mnt;
	__u32 off;
	__u16 depth;
	__u8 truncated;
	__u8 finished;
	__u8 fs_only; /* up to the filesystem's root: no mount crossed, no task root */
};

static long pw_path_step(__u32 i, void *ctx)
{
	struct pw_path_walk *w = ctx;
	/* Copies: CO-RE reads must start from a kernel pointer in a local, not
	 * from a field of our own struct (that would be relocated too). */
	struct dentry *dentry = w->dentry, *parent, *mnt_root;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	struct pw_path_scratch *s;
	const unsigned char *name;
	__u32 zero = 0;
	long n;

	parent = BPF_CORE_READ(dentry, d_parent);
	if (w->fs_only) {
		if (dentry == parent)
			goto done; /* the filesystem's root */
		goto name;
	}
	if (dentry == w->root_dentry && vfsmnt == w->root_mnt)
		goto done; /* the task's "/" */
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	if (dentry == mnt_root || dentry == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (!up || up == mnt)
			goto done; /* root of the mount namespace */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = &up->mnt;
		return 0;
	}
name:
	if (w->off >= PW_PATH_HALF) {
		w->truncated = 1;
		goto done;
	}
	s = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!s)
		goto done;
	name = BPF_CORE_READ(dentry, d_name.name);
	n = bpf_probe_read_kernel_str(s->buf + (w->off & (PW_PATH_HALF - 1)), PW_PATH_HALF, name);
	if (n <= 0)
		goto done;
	w->off += n;
	w->depth++;
	w->dentry = parent;
	return 0;
done:
	w->finished = 1;
	return 1;
}

/* Walk path's names into the per-CPU scratch buffer (fs_only: up to its
 * filesystem's root, else as the task sees it). The scratch, or NULL. */
static __always_inline struct pw_path_scratch *pw_walk(const struct path *path, int fs_only,
						       struct pw_path_walk *w)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pw_path_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!s)
		return NULL;
	w->fs_only = fs_only;
	w->dentry = BPF_CORE_READ(path, dentry);
	w->vfsmnt = BPF_CORE_READ(path, mnt);
	w->mnt = container_of(w->vfsmnt, struct mount, mnt);
	w->root_dentry = BPF_CORE_READ(task, fs, root.dentry);
	w->root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	bpf_loop(PW_PATH_DEPTH, pw_path_step, w, 0);
	if (!w->finished)
		w->truncated = 1; /* deeper than PW_PATH_DEPTH */
	return s;
}

/* Resolve path into out (PW_OPEN_PATH_BUF bytes). Returns the bytes used;
 * *depth gets the number of names, *truncated whether some were left out. */
static __always_inline __u32 pw_resolve_path(const struct path *path, char *out, __u16 *depth,
					     int *truncated)
{
	struct pw_path_walk w = {};
	struct pw_path_scratch *s = pw_walk(path, 0, &w);

	if (!s)
		return 0;
	bpf_probe_read_kernel(out, PW_OPEN_PATH_BUF, s->buf);
	*depth = w.depth;
	*truncated = w.truncated;
	return w.off < PW_OPEN_PATH_BUF ? w.off : PW_OPEN_PATH_BUF;
}

/* Into PW_FS_PATH_BUF bytes: the file's names up to its filesystem's root
 * (fs_only: its identity whatever the mount point or chroot), or as the
 * task sees the path (a mount target beside the caller's string). */
static __always_inline __u32 pw_resolve_short(const struct path *path, int fs_only, char *out,
					      __u16 *depth, int *truncated)
{
	struct pw_path_walk w = {};
	struct pw_path_scratch *s = pw_walk(path, fs_only, &w);

	if (!s)
		return 0;
	bpf_probe_read_kernel(out, PW_FS_PATH_BUF, s->buf);
	*depth = w.depth;
	*truncated = w.truncated || w.off > PW_FS_PATH_BUF;
	return w.off < PW_FS_PATH_BUF ? w.off : PW_FS_PATH_BUF;
}

#endif /* PRIVWATCH_PATH_BPF_H */
