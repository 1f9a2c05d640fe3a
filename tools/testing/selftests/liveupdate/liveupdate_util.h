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

/* The session ioctls: 0 (or the new fd) or -errno. */
static inline int session_name(int fd, char *name)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };

	if (ioctl(fd, LIVEUPDATE_SESSION_GET_NAME, &arg))
		return -errno;
	memcpy(name, arg.name, sizeof(arg.name));
	return 0;
}

static inline int session_preserve(int fd, int file, __u64 token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = file, .token = token,
	};

	return ioctl(fd, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

static inline int session_retrieve(int fd, __u64 token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	return ioctl(fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) ? -errno :
								   arg.fd;
}

static inline int session_finish(int fd)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(fd, LIVEUPDATE_SESSION_FINISH, &arg) ? -errno : 0;
}

#endif /* LIVEUPDATE_UTIL_H */
