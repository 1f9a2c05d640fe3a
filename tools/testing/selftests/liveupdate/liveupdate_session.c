// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the session ABI of /dev/liveupdate (mainline's numbers and
 * layouts): creating, naming and closing sessions, every bad argument,
 * and sessions of several processes. They need root and a kernel booted
 * with kho=on in the "normal" state; they never kexec.
 *
 * For the QEMU scenario that kexecs, two more commands:
 *   liveupdate_session hold NAME...      create the sessions, print
 *                                        "ready" and wait to be killed
 *   liveupdate_session retrieve NAME...  retrieve each, check its name
 *                                        and finish it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "../kselftest_harness.h"
#include "liveupdate_util.h"

static int luo_open(void)
{
	return open(LUO_DEV, O_RDWR | O_CLOEXEC);
}

FIXTURE(session) {
	int dev;
};

FIXTURE_SETUP(session)
{
	self->dev = luo_open();
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", LUO_DEV, strerror(errno));
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->dev));
}

FIXTURE_TEARDOWN(session)
{
	close(self->dev);
}

TEST_F(session, create_and_name)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int fd = create_session(self->dev, "vmm-a");

	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, session_name(fd, name));
	EXPECT_STREQ("vmm-a", name);
	close(fd);
}

TEST_F(session, duplicate_name)
{
	int fd = create_session(self->dev, "dup");

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, create_session(self->dev, "dup"));
	close(fd);
	/* Closing unregistered it: the name is free again. */
	fd = create_session(self->dev, "dup");
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(session, bad_names)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	char longest[LIVEUPDATE_SESSION_NAME_LENGTH];
	int fd;

	EXPECT_EQ(-EINVAL, create_session(self->dev, ""));
	/* 64 bytes, no NUL */
	memset(arg.name, 'x', sizeof(arg.name));
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
			    &arg));
	EXPECT_EQ(EINVAL, errno);
	/* Not printable: the next kernel would refuse the handover. */
	EXPECT_EQ(-EINVAL, create_session(self->dev, "two\nlines"));
	/* 63 bytes is the longest name. */
	memset(longest, 'y', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	fd = create_session(self->dev, longest);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(session, argument_size)
{
	struct {
		struct liveupdate_ioctl_create_session arg;
		__u64 tail;
	} big = { .arg.size = sizeof(big), .arg.name = "sized" };
	struct liveupdate_session_get_name get = { .size = 4 };
	int fd;

	/* Too short to hold the name. */
	big.arg.size = offsetof(struct liveupdate_ioctl_create_session, name);
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	EXPECT_EQ(EINVAL, errno);
	/* A longer structure with a non-zero tail, then with a zero one. */
	big.arg.size = sizeof(big);
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail = 0;
	fd = ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big);
	ASSERT_EQ(0, fd);
	fd = big.arg.fd;
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, LIVEUPDATE_SESSION_GET_NAME, &get));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(session, outlives_device)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int fd = create_session(self->dev, "outlives");

	ASSERT_LE(0, fd);
	close(self->dev);
	ASSERT_EQ(0, session_name(fd, name));
	EXPECT_STREQ("outlives", name);
	self->dev = luo_open();
	ASSERT_LE(0, self->dev);
	EXPECT_EQ(-EEXIST, create_session(self->dev, "outlives"));
	close(fd);
}

TEST_F(session, retrieve_needs_update)
{
	/* This kernel was not live updated: nothing to retrieve. */
	EXPECT_EQ(-ENOENT, retrieve_session(self->dev, "vmm-a"));
}

TEST_F(session, file_ioctls_on_outgoing)
{
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	int fd = create_session(self->dev, "files");
	int pipefd[2];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pipefd));
	/* No handler for a pipe. */
	EXPECT_EQ(-ENOENT, session_preserve(fd, pipefd[0], 1));
	close(pipefd[1]);
	EXPECT_EQ(-EBADF, session_preserve(fd, pipefd[1], 2));
	EXPECT_EQ(-EBADF, session_preserve(fd, -1, 3));
	close(pipefd[0]);
	/* Retrieving and finishing are for sessions of the previous kernel. */
	EXPECT_EQ(-EINVAL, session_retrieve(fd, 1));
	EXPECT_EQ(-EINVAL, session_finish(fd));
	fin.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, LIVEUPDATE_SESSION_FINISH, &fin));
	EXPECT_EQ(EINVAL, errno);
	/* Unknown session command, and a device command on a session. */
	EXPECT_EQ(-1, ioctl(fd, _IO(LIVEUPDATE_IOCTL_TYPE, 0x4f), &fin));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, LIVEUPDATE_IOCTL_GET_STATE, &fin));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

/* Each process owns its sessions; they go away with it. */
TEST_F(session, several_processes)
{
	int fd = create_session(self->dev, "parent");
	int ready[2], status;
	pid_t pid;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(ready));
	close(self->dev);
	self->dev = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int dev, s;

		close(ready[0]);
		dev = luo_open();
		s = dev < 0 ? dev : create_session(dev, "child");

		close(dev);
		if (s < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	/* A child that failed closes the pipe: read() then returns 0. */
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(0) TH_LOG("the child could not create its session");
	}
	self->dev = luo_open();
	EXPECT_LE(0, self->dev);
	EXPECT_EQ(-EEXIST, create_session(self->dev, "child"));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* The killed process's session was closed with it. */
	close(fd);
	fd = create_session(self->dev, "child");
	EXPECT_LE(0, fd);
	close(fd);
}

/*
 * 1,000 sessions in one process, then the limit of 4096, whose records,
 * with the longest names, fit the LUO FDT at FREEZE.
 */
TEST_F(session, many)
{
	struct rlimit nofile = { 8192, 8192 };
	static int fds[4097];
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int i, n;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	for (n = 0; n < 1000; n++) {
		snprintf(name, sizeof(name), "%058d-many", n);
		fds[n] = create_session(self->dev, name);
		ASSERT_LE(0, fds[n]) TH_LOG("session %d: %s", n,
					    strerror(-fds[n]));
	}
	for (; n < 4097; n++) {
		snprintf(name, sizeof(name), "%058d-many", n);
		fds[n] = create_session(self->dev, name);
		if (fds[n] < 0)
			break;
	}
	EXPECT_EQ(4096, n);
	EXPECT_EQ(-ENOSPC, fds[n]);
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_PREPARE));
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_FREEZE));
	EXPECT_EQ(LIVEUPDATE_STATE_FROZEN, luo_get_state(self->dev));
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_CANCEL));
	for (i = 0; i < n; i++)
		close(fds[i]);
	/* Closing them made room again. */
	fds[0] = create_session(self->dev, "many-again");
	EXPECT_LE(0, fds[0]);
	close(fds[0]);
}

/* Once PREPARE started the set of sessions is fixed; CANCEL frees it. */
TEST_F(session, prepared)
{
	int fd = create_session(self->dev, "prep");
	int fd2;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_PREPARE));
	EXPECT_EQ(-EBUSY, create_session(self->dev, "late"));
	fd2 = create_session(self->dev, "prep");
	EXPECT_TRUE(fd2 == -EBUSY || fd2 == -EEXIST);
	/* Leaving a prepared update cancels that session only. */
	close(fd);
	EXPECT_EQ(LIVEUPDATE_STATE_PREPARED, luo_get_state(self->dev));
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_CANCEL));
	fd = create_session(self->dev, "prep");
	EXPECT_LE(0, fd);
	close(fd);
}

static int cmd_hold(int argc, char **argv)
{
	int dev = luo_open(), i, fd;

	if (dev < 0) {
		perror(LUO_DEV);
		return 1;
	}
	for (i = 0; i < argc; i++) {
		fd = create_session(dev, argv[i]);
		if (fd < 0) {
			fprintf(stderr, "create %s: %s\n", argv[i],
				strerror(-fd));
			return 1;
		}
	}
	/* Sessions need not keep /dev/liveupdate open. */
	close(dev);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_retrieve(int argc, char **argv)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int dev = luo_open(), i, fd, err;

	if (dev < 0) {
		perror(LUO_DEV);
		return 1;
	}
	for (i = 0; i < argc; i++) {
		fd = retrieve_session(dev, argv[i]);
		if (fd < 0) {
			fprintf(stderr, "retrieve %s: %s\n", argv[i],
				strerror(-fd));
			return 1;
		}
		err = session_name(fd, name);
		if (err || strcmp(name, argv[i])) {
			fprintf(stderr, "%s: name %s (%d)\n", argv[i], name,
				err);
			return 1;
		}
		err = retrieve_session(dev, argv[i]);
		if (err != -EINVAL) {
			fprintf(stderr, "%s retrieved twice: %d\n", argv[i],
				err);
			return 1;
		}
		err = session_retrieve(fd, 1);
		if (err != -ENOENT) {
			fprintf(stderr, "%s: unknown token gave %d\n", argv[i],
				err);
			return 1;
		}
		err = session_finish(fd);
		if (err) {
			fprintf(stderr, "%s: finish: %s\n", argv[i],
				strerror(-err));
			return 1;
		}
		printf("retrieved %s\n", name);
		close(fd);
	}
	close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "hold"))
		return cmd_hold(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "retrieve"))
		return cmd_retrieve(argc - 2, argv + 2);
	return test_harness_run(argc, argv);
}
