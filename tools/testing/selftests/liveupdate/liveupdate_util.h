/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the liveupdate selftests: the control and session
 * ioctls of /dev/liveupdate, returning -errno on failure.
 */
#ifndef LIVEUPDATE_UTIL_H
#define LIVEUPDATE_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
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

/*
 * For the workload programs: create (or retrieve) session @name through
 * /dev/liveupdate, which is closed again; exits with a message on failure.
 */
static inline int open_session(const char *name, bool retrieve)
{
	int dev = open(LUO_DEV, O_RDWR | O_CLOEXEC), s;

	if (dev < 0) {
		fprintf(stderr, "%s: %s\n", LUO_DEV, strerror(errno));
		exit(1);
	}
	s = retrieve ? retrieve_session(dev, name) : create_session(dev, name);
	if (s < 0) {
		fprintf(stderr, "%s session %s: %s\n",
			retrieve ? "retrieve" : "create", name, strerror(-s));
		exit(1);
	}
	close(dev);
	return s;
}

/*
 * Print a line, and write it to the kernel log as "TAG: line" too, so
 * that the console's host timestamps place it among the kernel's own.
 */
static inline void say_and_log(const char *tag, const char *fmt, ...)
{
	char buf[256], line[300];
	va_list ap;
	int fd, len;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%s\n", buf);
	fflush(stdout);
	/* One write() per record: that is what /dev/kmsg takes. */
	len = snprintf(line, sizeof(line), "%s: %s\n", tag, buf);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, line, len) != len)
			perror("/dev/kmsg");
		close(fd);
	}
}

/*
 * The page frame behind @addr from /proc/self/pagemap (@pagemap open on
 * it), or 0 if it is not present or the caller may not see frames.
 */
static inline __u64 pagemap_pfn(int pagemap, const void *addr)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 ent;

	if (pread(pagemap, &ent, sizeof(ent),
		  (uintptr_t)addr / page * sizeof(ent)) != sizeof(ent))
		return 0;
	return ent >> 63 ? ent & ((1ULL << 55) - 1) : 0;
}

#endif /* LIVEUPDATE_UTIL_H */
