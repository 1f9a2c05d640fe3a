/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the liveupdate selftests: the control and session
 * ioctls of /dev/liveupdate, returning -errno on failure.
 */
#ifndef LIVEUPDATE_UTIL_H
#define LIVEUPDATE_UTIL_H

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/liveupdate.h>

#define LUO_DEV		"/dev/liveupdate"

/* Returns the state, or -errno. */
static inline int luo_get_state(int fd)
{
	struct liveupdate_ioctl_get_state arg = { .size = sizeof(arg) };

	if (ioctl(fd, LIVEUPDATE_IOCTL_GET_STATE, &arg))
		return -errno;
	return arg.state;
}

/* Returns 0 or -errno. */
static inline int luo_event(int fd, __u32 event)
{
	struct liveupdate_ioctl_set_event arg = {
		.size = sizeof(arg),
		.event = event,
	};

	if (ioctl(fd, LIVEUPDATE_IOCTL_SET_EVENT, &arg))
		return -errno;
	return 0;
}

/* CREATE_SESSION or RETRIEVE_SESSION: the fd, or -errno. */
static inline int session_ioctl(int dev, unsigned long nr, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	size_t len = strlen(name);

	/* Longer names are passed without their NUL, as a bad caller would. */
	memcpy(arg.name, name, len < sizeof(arg.name) ? len : sizeof(arg.name));
	if (ioctl(dev, nr, &arg))
		return -errno;
	return arg.fd;
}

static inline int create_session(int dev, const char *name)
{
	return session_ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, name);
}

static inline int retrieve_session(int dev, const char *name)
{
	return session_ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, name);
}

#endif /* LIVEUPDATE_UTIL_H */
