// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An entrypoint disguised as the runtime's own init (evasion.sh): installed
 * as "runc" and run with argv "init", it mounts a tmpfs (CAP_SYS_ADMIN)
 * without another exec, then waits. Phase by names kept its container in
 * setup for good, where no "started" rule fires; by kernel facts it is the
 * entrypoint. Static: the e2e image has no libc of ours.
 */
#include <sys/mount.h>
#include <unistd.h>

int main(void)
{
	if (mount("pwdisguise", "/tmp", "tmpfs", 0, "size=4k"))
		return 1;
	pause();
	return 0;
}
