// SPDX-License-Identifier: GPL-2.0
/*
 * Make every allocation on the PREPARE and FREEZE paths of the Live Update
 * Orchestrator (also with a session open, and with a memfd in it), on
 * CREATE_SESSION, on PRESERVE_FD of a memfd, and on the KHO test client's
 * preserve path, fail in turn,
 * with the task's fail-nth knob, and check after each one that the
 * operation either succeeded or failed cleanly: the state is back to
 * normal and KHO holds exactly what it held before, so nothing that was
 * preserved on the way is left behind.
 *
 * Needs root, a kernel with CONFIG_LIVEUPDATE, CONFIG_LIVEUPDATE_TEST,
 * CONFIG_KEXEC_HANDOVER_TEST,
 * CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB and
 * CONFIG_FAIL_PAGE_ALLOC, booted with kho=on, and debugfs mounted.
 *
 * For RETRIEVE_FD, which needs a kexec, two commands: "hold" preserves
 * 300 memfds in a session and waits for the kexec; "retrieve", in the
 * next kernel, retrieves token n with its n-th allocation failing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "../kselftest_harness.h"
#include "liveupdate_util.h"

#define KHO_OUT_STATS	"/sys/kernel/debug/kho/out/stats"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define KHO_TEST_CMD	"/sys/kernel/debug/kho_test/cmd"
#define MAX_FAULTS	10000

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/*
 * This thread's fail-nth knob, opened once: opening it again would itself
 * allocate, and so count against the armed fault.
 */
static int fail_nth_fd = -1;

/* Arms the N-th fault point of this thread; 0 disarms. */
static int fail_nth_set(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	return pwrite(fail_nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/* 1 if the armed fault was injected (the knob reads back 0), else 0. */
static int fail_nth_injected(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	return atoi(buf) == 0;
}

/* Fail GFP_KERNEL allocations and order-0 pages too; 0 or -errno. */
static int fail_inject_setup(void)
{
	static const struct {
		char path[64];
		char val[4];
	} knobs[] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		err = write_file(knobs[i].path, knobs[i].val);
		if (err) {
			fprintf(stderr, "cannot set %s (fault injection configured?)\n",
				knobs[i].path);
			return err;
		}
	}
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	return fail_nth_fd < 0 ? -errno : 0;
}

/* A memfd of @size bytes, each byte @byte. */
static int filled_memfd(size_t size, int byte)
{
	char buf[4096];
	size_t off;
	int fd = memfd_create("nth", 0);

	memset(buf, byte, sizeof(buf));
	for (off = 0; fd >= 0 && off < size; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			return -1;
	return fd;
}

FIXTURE(fail_nth) {
	int fd;
	char baseline[4096];
};

FIXTURE_SETUP(fail_nth)
{
	self->fd = -1;
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, fail_inject_setup());
	ASSERT_LE(0, fail_nth_fd) TH_LOG("open %s: %s", FAIL_NTH, strerror(errno));
	self->fd = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", LUO_DEV, strerror(errno));
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->fd));
	ASSERT_EQ(0, read_file(KHO_OUT_STATS, self->baseline,
			       sizeof(self->baseline)));
}

FIXTURE_TEARDOWN(fail_nth)
{
	if (fail_nth_fd >= 0) {
		fail_nth_set(0);
		close(fail_nth_fd);
		fail_nth_fd = -1;
	}
	if (self->fd >= 0)
		close(self->fd);
}

/* After a clean failure or a cancel: normal, and KHO as before. */
static void expect_clean(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fail_nth) *self, int n)
{
	char now[4096];

	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->fd))
		TH_LOG("fault %d left LUO in state %d", n, luo_get_state(self->fd));
	ASSERT_EQ(0, read_file(KHO_OUT_STATS, now, sizeof(now)));
	ASSERT_STREQ(self->baseline, now)
		TH_LOG("fault %d left KHO changed", n);
}

/* A failed event must say so with ENOMEM or ECANCELED (rolled back). */
static void expect_errno(struct __test_metadata *_metadata, int ret, int n)
{
	ASSERT_TRUE(ret == -ENOMEM || ret == -ECANCELED)
		TH_LOG("fault %d: event failed with %s", n, strerror(-ret));
}

/*
 * Fails each allocation of @event in turn (after a PREPARE when @prepare)
 * until the event runs without reaching the armed fault. Returns the
 * number of fault points.
 */
static int fail_each(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fail_nth) *self, bool prepare, __u32 event,
		     int reached_state)
{
	int n, ret, injected;

	for (n = 1; n < MAX_FAULTS; n++) {
		if (prepare)
			ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
		ASSERT_EQ(0, fail_nth_set(n));
		ret = luo_event(self->fd, event);
		injected = fail_nth_injected();
		ASSERT_EQ(0, fail_nth_set(0));
		ASSERT_LE(0, injected);
		if (ret) {
			expect_errno(_metadata, ret, n);
		} else {
			ASSERT_EQ(reached_state, luo_get_state(self->fd));
			ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_CANCEL));
		}
		expect_clean(_metadata, self, n);
		if (!injected)
			break;
	}
	ASSERT_LT(n, MAX_FAULTS);
	return n - 1;
}

TEST_F(fail_nth, prepare)
{
	int n = fail_each(_metadata, self, false, LIVEUPDATE_EVENT_PREPARE,
			  LIVEUPDATE_STATE_PREPARED);

	/* At least one allocation was made to fail, or this proved nothing. */
	ASSERT_LT(0, n);
	TH_LOG("prepare: %d fault points, each failed cleanly", n);
}

TEST_F(fail_nth, freeze)
{
	int n = fail_each(_metadata, self, true, LIVEUPDATE_EVENT_FREEZE,
			  LIVEUPDATE_STATE_FROZEN);

	ASSERT_LT(0, n);
	TH_LOG("freeze: %d fault points, each failed cleanly", n);
}

/* KHO itself: the test client preserving folios and publishing an FDT. */
TEST_F(fail_nth, kho_preserve)
{
	static const char preserve[] = "preserve 20 7";
	int n, cmd, injected;
	ssize_t ret;

	cmd = open(KHO_TEST_CMD, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, cmd) TH_LOG("open %s: %s", KHO_TEST_CMD, strerror(errno));
	for (n = 1; n < MAX_FAULTS; n++) {
		ASSERT_EQ(0, fail_nth_set(n));
		ret = pwrite(cmd, preserve, strlen(preserve), 0);
		injected = fail_nth_injected();
		ASSERT_EQ(0, fail_nth_set(0));
		ASSERT_LE(0, injected);
		if (ret < 0) {
			ASSERT_EQ(ENOMEM, errno)
				TH_LOG("fault %d: preserve failed with %s", n,
				       strerror(errno));
		} else {
			ASSERT_EQ(strlen("unpreserve"),
				  pwrite(cmd, "unpreserve", strlen("unpreserve"), 0));
		}
		expect_clean(_metadata, self, n);
		if (!injected)
			break;
	}
	close(cmd);
	ASSERT_LT(n, MAX_FAULTS);
	ASSERT_LT(1, n);
	TH_LOG("kho preserve: %d fault points, each failed cleanly", n - 1);
}

/* The lowest free fd: a failed call must not have taken one. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

TEST_F(fail_nth, freeze_with_session)
{
	int s = create_session(self->fd, "nth-freeze");
	int n;

	ASSERT_LE(0, s);
	n = fail_each(_metadata, self, true, LIVEUPDATE_EVENT_FREEZE,
		      LIVEUPDATE_STATE_FROZEN);
	ASSERT_LT(0, n);
	close(s);
	TH_LOG("freeze with a session: %d fault points, each failed cleanly",
	       n);
}

/* Each failure leaves no fd behind and the name free. */
TEST_F(fail_nth, create_session)
{
	int n, fd, injected, free_fd = lowest_free_fd();

	for (n = 1; n < MAX_FAULTS; n++) {
		ASSERT_EQ(0, fail_nth_set(n));
		fd = create_session(self->fd, "nth");
		injected = fail_nth_injected();
		ASSERT_EQ(0, fail_nth_set(0));
		ASSERT_LE(0, injected);
		if (fd < 0) {
			ASSERT_TRUE(fd == -ENOMEM || fd == -EMFILE)
				TH_LOG("fault %d: create failed with %s", n,
				       strerror(-fd));
			ASSERT_EQ(free_fd, lowest_free_fd());
			fd = create_session(self->fd, "nth");
			ASSERT_LE(0, fd) TH_LOG("fault %d: name still taken",
						n);
		}
		close(fd);
		expect_clean(_metadata, self, n);
		if (!injected)
			break;
	}
	ASSERT_LT(n, MAX_FAULTS);
	ASSERT_LT(1, n);
	TH_LOG("create session: %d fault points, each failed cleanly", n - 1);
}

/* PRESERVE_FD of a memfd: each failure unpins it and leaves KHO as it was. */
TEST_F(fail_nth, preserve_memfd)
{
	int s = create_session(self->fd, "nth-preserve");
	int mfd = filled_memfd(64 * 1024, 0x5a);
	int n, ret, injected;

	ASSERT_LE(0, s);
	ASSERT_LE(0, mfd);
	for (n = 1; n < MAX_FAULTS; n++) {
		ASSERT_EQ(0, fail_nth_set(n));
		ret = session_preserve(s, mfd, 1);
		injected = fail_nth_injected();
		ASSERT_EQ(0, fail_nth_set(0));
		ASSERT_LE(0, injected);
		if (ret) {
			ASSERT_EQ(-ENOMEM, ret)
				TH_LOG("fault %d: preserve failed with %s", n,
				       strerror(-ret));
			/* Not pinned, not indexed: free to change. */
			ASSERT_EQ(0, ftruncate(mfd, 128 * 1024));
			ASSERT_EQ(0, ftruncate(mfd, 64 * 1024));
		} else {
			/* Closing the session unpreserves it. */
			close(s);
			s = create_session(self->fd, "nth-preserve");
			ASSERT_LE(0, s);
		}
		expect_clean(_metadata, self, n);
		if (!injected)
			break;
	}
	close(s);
	close(mfd);
	ASSERT_LT(n, MAX_FAULTS);
	ASSERT_LT(1, n);
	TH_LOG("preserve memfd: %d fault points, each failed cleanly", n - 1);
}

/* PREPARE and FREEZE of a session holding a memfd (its file table). */
TEST_F(fail_nth, prepare_freeze_with_memfd)
{
	int s = create_session(self->fd, "nth-events");
	int mfd = filled_memfd(64 * 1024, 0x3c);
	int prepare, freeze;

	ASSERT_LE(0, s);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, session_preserve(s, mfd, 1));
	/* The memfd's folios stay preserved through every failure. */
	ASSERT_EQ(0, read_file(KHO_OUT_STATS, self->baseline,
			       sizeof(self->baseline)));
	prepare = fail_each(_metadata, self, false, LIVEUPDATE_EVENT_PREPARE,
			    LIVEUPDATE_STATE_PREPARED);
	freeze = fail_each(_metadata, self, true, LIVEUPDATE_EVENT_FREEZE,
			   LIVEUPDATE_STATE_FROZEN);
	ASSERT_LT(0, prepare);
	ASSERT_LT(0, freeze);
	close(s);
	close(mfd);
	TH_LOG("with a memfd: prepare %d, freeze %d fault points, each failed cleanly",
	       prepare, freeze);
}

#define NTH_FILES	300
#define NTH_SIZE	(16 * 1024)

/* For the scenario: a session of NTH_FILES memfds, held until the kexec. */
static int cmd_hold(void)
{
	int dev = open(LUO_DEV, O_RDWR), s, i, mfd, err;

	s = dev < 0 ? -errno : create_session(dev, "nth-retrieve");
	if (s < 0) {
		fprintf(stderr, "session: %s\n", strerror(-s));
		return 1;
	}
	close(dev);
	for (i = 1; i <= NTH_FILES; i++) {
		mfd = filled_memfd(NTH_SIZE, i & 0xff);
		err = mfd < 0 ? -errno : session_preserve(s, mfd, i);
		if (err) {
			fprintf(stderr, "memfd %d: %s\n", i, strerror(-err));
			return 1;
		}
		close(mfd);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

/*
 * In the next kernel: RETRIEVE_FD of token n with its n-th allocation
 * failing. A failure is ENOMEM (or shmem's ENOSPC) and sticks; a success
 * has the contents.
 */
static int cmd_retrieve(void)
{
	int dev = open(LUO_DEV, O_RDWR), s, n, fd, again, injected;
	char byte;

	if (fail_inject_setup())
		return 1;
	s = dev < 0 ? -errno : retrieve_session(dev, "nth-retrieve");
	if (s < 0) {
		fprintf(stderr, "session: %s\n", strerror(-s));
		return 1;
	}
	for (n = 1; n <= NTH_FILES; n++) {
		fail_nth_set(n);
		fd = session_retrieve(s, n);
		injected = fail_nth_injected();
		fail_nth_set(0);
		if (fd < 0) {
			again = session_retrieve(s, n);
			/* shmem says ENOSPC when it cannot get an inode. */
			if ((fd != -ENOMEM && fd != -ENOSPC) || again != fd) {
				fprintf(stderr, "fault %d: %s, then %s\n", n,
					strerror(-fd), strerror(-again));
				return 1;
			}
			continue;
		}
		if (pread(fd, &byte, 1, NTH_SIZE - 1) != 1 ||
		    byte != (char)(n & 0xff) ||
		    lseek(fd, 0, SEEK_END) != NTH_SIZE) {
			fprintf(stderr, "fault %d: memfd %d came back wrong\n",
				n, n);
			return 1;
		}
		close(fd);
		if (!injected)
			break;
	}
	if (n > NTH_FILES || n < 2) {
		fprintf(stderr, "%d fault points: not enough files, or none\n",
			n - 1);
		return 1;
	}
	if (session_finish(s)) {
		fprintf(stderr, "finish: %s\n", strerror(errno));
		return 1;
	}
	printf("retrieve memfd: %d fault points, each failed cleanly\n", n - 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "hold"))
		return cmd_hold();
	if (argc == 2 && !strcmp(argv[1], "retrieve"))
		return cmd_retrieve();
	return test_harness_run(argc, argv);
}
