// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "events.h"
#include "events/nsnames.h"

/* include/uapi/linux/sched.h */
static const struct {
	uint64_t flag;
	const char *name;
} types[PW_NS_TYPES] = {
	{ 0x00020000, "mnt" },	  { 0x04000000, "uts" },  { 0x08000000, "ipc" },
	{ 0x10000000, "user" },	  { 0x20000000, "pid" },  { 0x40000000, "net" },
	{ 0x02000000, "cgroup" }, { 0x00000080, "time" },
};

size_t pw_ns_names(uint64_t flags, const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < PW_NS_TYPES && n < max; i++)
		if (flags & types[i].flag)
			out[n++] = types[i].name;
	return n;
}

const char *pw_ns_type_name(unsigned int i)
{
	return i < PW_NS_TYPES ? types[i].name : NULL;
}

uint64_t pw_ns_type_flag(unsigned int i)
{
	return i < PW_NS_TYPES ? types[i].flag : 0;
}

const char *pw_ns_op_name(unsigned int op)
{
	return op == PW_NS_UNSHARE ? "unshare" : op == PW_NS_SETNS ? "setns" : "unknown";
}
