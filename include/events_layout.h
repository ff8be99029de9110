/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The layout of include/events.h, asserted where each side compiles it:
 * events.h includes this file, so every BPF object (clang -target bpf) and
 * every agent and test file (the host's compiler) checks the same sizes and
 * offsets. A change that moves a field fails both builds, not one.
 *
 * Rules: every record 8-aligned (the ring buffer rounds to 8) and under
 * 64 KiB (the header's u16 size); wire numbers never renumbered.
 */
#ifndef PRIVWATCH_EVENTS_LAYOUT_H
#define PRIVWATCH_EVENTS_LAYOUT_H

#define PW_OFF(type, member, off)                                                                  \
	_Static_assert(__builtin_offsetof(struct type, member) == (off), #type "." #member)
#define PW_SIZE(type, size)                                                                        \
	_Static_assert(sizeof(struct type) == (size) && (size) % 8 == 0 && (size) < 65536,         \
		       "size of " #type)

PW_SIZE(pw_event_header, 64);
PW_OFF(pw_event_header, type, 0);
PW_OFF(pw_event_header, size, 2);
PW_OFF(pw_event_header, flags, 4);
PW_OFF(pw_event_header, ts_ns, 8);
PW_OFF(pw_event_header, cgroup_id, 16);
PW_OFF(pw_event_header, pid, 24);
PW_OFF(pw_event_header, tid, 28);
PW_OFF(pw_event_header, uid, 32);
PW_OFF(pw_event_header, gid, 36);
PW_OFF(pw_event_header, comm, 40);
PW_OFF(pw_event_header, origin_cgroup_id, 56);

PW_SIZE(pw_exec_event, 80 + PW_PATH_MAX + PW_ARGS_MAX);
PW_OFF(pw_exec_event, ppid, 64);
PW_OFF(pw_exec_event, old_pid, 68);
PW_OFF(pw_exec_event, filename_len, 72);
PW_OFF(pw_exec_event, args_len, 74);
PW_OFF(pw_exec_event, args_count, 76);
PW_OFF(pw_exec_event, filename, 80);
PW_OFF(pw_exec_event, args, 80 + PW_PATH_MAX);

PW_SIZE(pw_capability_event, 80);
PW_OFF(pw_capability_event, cap, 64);
PW_OFF(pw_capability_event, ret, 68);
PW_OFF(pw_capability_event, opts, 72);
PW_OFF(pw_capability_event, ns_level, 76);

PW_SIZE(pw_mount_event, 96 + PW_FSTYPE_LEN + PW_MOUNT_STR + PW_PATH_MAX + PW_FS_PATH_BUF);
PW_OFF(pw_mount_event, resolved_len, 88 + PW_FSTYPE_LEN + PW_MOUNT_STR + PW_PATH_MAX);
PW_OFF(pw_mount_event, resolved, 96 + PW_FSTYPE_LEN + PW_MOUNT_STR + PW_PATH_MAX);
PW_OFF(pw_mount_event, ret, 64);
PW_OFF(pw_mount_event, op, 68);
PW_OFF(pw_mount_event, flags, 72);
PW_OFF(pw_mount_event, fd, 80);
PW_OFF(pw_mount_event, aux, 84);
PW_OFF(pw_mount_event, fstype, 88);
PW_OFF(pw_mount_event, source, 88 + PW_FSTYPE_LEN);
PW_OFF(pw_mount_event, target, 88 + PW_FSTYPE_LEN + PW_MOUNT_STR);

/* 84..87 is an unnamed hole (sb_magic is 8-aligned): both compilers agree
 * on it, which is what these asserts pin. */
PW_SIZE(pw_open_event, 128 + PW_OPEN_PATH_BUF + PW_FS_PATH_BUF);
PW_OFF(pw_open_event, fs_path_len, 120 + PW_OPEN_PATH_BUF);
PW_OFF(pw_open_event, via, 124 + PW_OPEN_PATH_BUF);
PW_OFF(pw_open_event, fs_path, 128 + PW_OPEN_PATH_BUF);
PW_OFF(pw_open_event, ret, 64);
PW_OFF(pw_open_event, open_flags, 68);
PW_OFF(pw_open_event, f_mode, 72);
PW_OFF(pw_open_event, kind, 76);
PW_OFF(pw_open_event, path_format, 78);
PW_OFF(pw_open_event, dev_major, 80);
PW_OFF(pw_open_event, dev_minor, 84);
PW_OFF(pw_open_event, inode_mode, 88);
PW_OFF(pw_open_event, sb_magic, 96);
PW_OFF(pw_open_event, ino, 104);
PW_OFF(pw_open_event, path_len, 112);
PW_OFF(pw_open_event, path_depth, 114);
PW_OFF(pw_open_event, syscall_nr, 116);
PW_OFF(pw_open_event, path, 120);

PW_SIZE(pw_seccomp_event, 88);
PW_OFF(pw_seccomp_event, ret, 64);
PW_OFF(pw_seccomp_event, via, 68);
PW_OFF(pw_seccomp_event, operation, 72);
PW_OFF(pw_seccomp_event, flags, 76);
PW_OFF(pw_seccomp_event, mode_after, 80);

PW_SIZE(pw_fork_event, 72);
PW_OFF(pw_fork_event, child_pid, 64);
PW_OFF(pw_fork_event, child_tid, 68);

PW_SIZE(pw_exit_event, 72);
PW_OFF(pw_exit_event, exit_code, 64);

PW_SIZE(pw_cgroup_event, 88 + PW_PATH_MAX);
PW_OFF(pw_cgroup_event, id, 64);
PW_OFF(pw_cgroup_event, parent_id, 72);
PW_OFF(pw_cgroup_event, level, 80);
PW_OFF(pw_cgroup_event, hierarchy_id, 84);
PW_OFF(pw_cgroup_event, path, 88);

PW_SIZE(pw_namespace_event, 88);
PW_OFF(pw_namespace_event, ret, 64);
PW_OFF(pw_namespace_event, op, 68);
PW_OFF(pw_namespace_event, flags, 72);
PW_OFF(pw_namespace_event, fd, 80);

/* Map keys and values shared with the agent. */
PW_SIZE(pw_cgroup_move_event, 88 + PW_PATH_MAX);
PW_OFF(pw_cgroup_move_event, dst_id, 64);
PW_OFF(pw_cgroup_move_event, task_origin, 72);
PW_OFF(pw_cgroup_move_event, task_pid, 80);
PW_OFF(pw_cgroup_move_event, via, 84);
PW_OFF(pw_cgroup_move_event, path, 88);

PW_SIZE(pw_tamper_event, 80);
PW_OFF(pw_tamper_event, ret, 64);
PW_OFF(pw_tamper_event, op, 68);
PW_OFF(pw_tamper_event, arg, 72);
PW_OFF(pw_tamper_event, id, 76);

PW_SIZE(pw_budget, 24);
PW_OFF(pw_budget, dropped, 16);

PW_SIZE(pw_task_state, 176);
PW_OFF(pw_task_state, files_seen, 112);
PW_OFF(pw_task_state, flags, 40);
PW_OFF(pw_task_state, devices_seen, 48);
PW_OFF(pw_task_state, refused_seen, 56);
PW_OFF(pw_task_state, verdict_cgroup, 88);
PW_OFF(pw_task_state, verdict, 100);
PW_OFF(pw_task_state, placed_cgroup, 104);
PW_OFF(pw_task_state, caps_seen, 8);
PW_SIZE(pw_type_stats, 16 + 8 * PW_DROP_CAUSE_MAX);
PW_OFF(pw_type_stats, dropped, 8);
PW_OFF(pw_type_stats, suppressed, 8 + 8 * PW_DROP_CAUSE_MAX);

/* Values on the wire and in stored captures: never renumbered. */
_Static_assert(PW_EVENT_EXEC == 1 && PW_EVENT_CAPABILITY == 2 && PW_EVENT_MOUNT == 3 &&
		       PW_EVENT_OPEN == 4 && PW_EVENT_SECCOMP == 5 && PW_EVENT_FORK == 6 &&
		       PW_EVENT_EXIT == 7 && PW_EVENT_CGROUP_MKDIR == 8 &&
		       PW_EVENT_CGROUP_RMDIR == 9 && PW_EVENT_NAMESPACE == 10,
	       "event numbers are stable");
_Static_assert(PW_DROP_RINGBUF_FULL == 0, "drop cause numbers are stable");

#undef PW_OFF
#undef PW_SIZE

#endif /* PRIVWATCH_EVENTS_LAYOUT_H */
