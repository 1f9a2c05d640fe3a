/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the liveupdate selftests: the two control ioctls of
 * /dev/liveupdate, returning -errno on failure.
 */
#ifndef LIVEUPDATE_UTIL_H
#define LIVEUPDATE_UTIL_H

#include <errno.h>
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

#endif /* LIVEUPDATE_UTIL_H */
