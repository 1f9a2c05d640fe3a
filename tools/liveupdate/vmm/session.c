// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - the VMM's LUO session, through mainline's user ABI: the
 * session ioctls of /dev/liveupdate and of the session fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "vmm.h"

/*
 * /dev/liveupdate has one owner at a time: an operator's luoctl holds it
 * for a moment, so wait a little for it.
 */
static int open_device(void)
{
	struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		fd = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != EBUSY)
			return fd < 0 ? -errno : fd;
		nanosleep(&pause, NULL);
	}
	return -EBUSY;
}

static int session_cmd(unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int dev = open_device(), ret;

	if (dev < 0)
		return dev;
	memcpy(arg.name, name, strnlen(name, sizeof(arg.name) - 1));
	ret = ioctl(dev, cmd, &arg) ? -errno : (int)arg.fd;
	close(dev);
	return ret;
}

/* Each returns what the ioctl gives (an fd or 0), or -errno. */
int lu_create_session(const char *name)
{
	return session_cmd(LIVEUPDATE_IOCTL_CREATE_SESSION, name);
}

int lu_retrieve_session(const char *name)
{
	return session_cmd(LIVEUPDATE_IOCTL_RETRIEVE_SESSION, name);
}

int lu_preserve(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

int lu_retrieve(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) ? -errno :
								       arg.fd;
}

int lu_finish(int session)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(session, LIVEUPDATE_SESSION_FINISH, &arg) ? -errno : 0;
}
