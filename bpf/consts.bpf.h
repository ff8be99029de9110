/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel constants the sensors need that vmlinux.h cannot give: vmlinux.h
 * carries types and enums from BTF, not the #defines of the uapi and
 * kernel headers, and those headers cannot be included next to it. Each is
 * named here once, with the header it comes from; no sensor writes one as a
 * bare number. All are ABI (uapi, on-disk magic) or stable for decades.
 */
#ifndef PRIVWATCH_CONSTS_BPF_H
#define PRIVWATCH_CONSTS_BPF_H

/* include/uapi/linux/stat.h: file types in inode->i_mode (octal). */
#define S_IFMT	00170000
#define S_IFCHR 0020000
#define S_IFBLK 0060000

/* include/linux/kdev_t.h: dev_t inside the kernel is 12 bits major, 20 minor. */
#define MINORBITS	       20
#define MINORMASK	       ((1U << MINORBITS) - 1)
#define UNIX98_PTY_SLAVE_MAJOR 136 /* /dev/pts/N */

/* include/uapi/linux/magic.h: superblock magic numbers (sb->s_magic). */
#define SYSFS_MAGIC	    0x62656572
#define PROC_SUPER_MAGIC    0x9fa0
#define CGROUP_SUPER_MAGIC  0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define DEBUGFS_MAGIC	    0x64626720
#define SECURITYFS_MAGIC    0x73636673
#define TRACEFS_MAGIC	    0x74726163
#define BPF_FS_MAGIC	    0xcafe4a11
#define BINFMTFS_MAGIC	    0x42494e4d
#define CONFIGFS_MAGIC	    0x62656570
#define EFIVARFS_MAGIC	    0xde5e81e4
#define SELINUX_MAGIC	    0xf97cff8c
#define PSTOREFS_MAGIC	    0x6165676c

/* include/linux/fs.h: file->f_mode bits. */
#define FMODE_READ  0x1
#define FMODE_WRITE 0x2

/* arch/x86/include/asm/thread_info.h: thread_info.status, a 32-bit syscall */
#define TS_COMPAT 0x0002

/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) */
#define NR_open		     2
#define NR_creat	     85
#define NR_openat	     257
#define NR_open_by_handle_at 304
#define NR_openat2	     437
#define NR_pivot_root	     155
#define NR_mount	     165
#define NR_umount2	     166
#define NR_move_mount	     429

/* include/linux/fs.h: the mask of security_file_permission. */
#define MAY_WRITE 0x2

/* include/uapi/asm-generic/mman-common.h, mman.h */
#define PROT_READ	    0x1
#define PROT_WRITE	    0x2
#define MAP_TYPE	    0x0f
#define MAP_SHARED	    0x01
#define MAP_SHARED_VALIDATE 0x03

/* include/uapi/asm-generic/fcntl.h: open(2) flags (octal). */
#define O_WRONLY 01
#define O_CREAT	 0100
#define O_TRUNC	 01000

/* include/uapi/asm-generic/errno-base.h */
#define EPERM  1
#define ENXIO  6
#define EACCES 13
#define ENODEV 19
#define EROFS  30

/* include/uapi/linux/sched.h: the namespace flags of clone/unshare/setns. */
#define CLONE_NEWNS	0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS	0x04000000
#define CLONE_NEWIPC	0x08000000
#define CLONE_NEWUSER	0x10000000
#define CLONE_NEWPID	0x20000000
#define CLONE_NEWNET	0x40000000
#define CLONE_NEWTIME	0x00000080
#define PW_CLONE_NEW_ANY                                                                           \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

/* include/uapi/linux/prctl.h */
#define PR_SET_SECCOMP 22

/* include/linux/security.h: the caller only asks, it does not act (e.g.
 * the overcommit heuristic asks for CAP_SYS_ADMIN on every accounted mmap). */
#define CAP_OPT_NOAUDIT (1u << 1)

#endif
