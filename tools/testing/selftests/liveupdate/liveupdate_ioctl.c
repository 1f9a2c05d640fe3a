// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the /dev/liveupdate ioctl ABI, its permissions and the sysfs
 * status. They need root and a kernel with CONFIG_LIVEUPDATE booted with
 * kho=on; they never kexec. Tests that move the state machine need it in
 * the "normal" state and leave it there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/liveupdate.h>

#include "../kselftest_harness.h"
#include "liveupdate_util.h"

#define LUO_SYSFS_STATE	"/sys/kernel/liveupdate/state"

static const char * const state_names[] = {
	[LIVEUPDATE_STATE_UNDEFINED] = "undefined",
	[LIVEUPDATE_STATE_NORMAL] = "normal",
	[LIVEUPDATE_STATE_PREPARED] = "prepared",
	[LIVEUPDATE_STATE_FROZEN] = "frozen",
	[LIVEUPDATE_STATE_UPDATED] = "updated",
};

static int luo_open(void)
{
	return open(LUO_DEV, O_RDWR | O_CLOEXEC);
}

/* Returns 0 or -errno; @cmd is copied to a larger zeroed buffer. */
static int luo_raw_ioctl(int fd, unsigned long nr, const void *cmd,
			 size_t len, __u32 size)
{
	unsigned char buf[8192] = { };

	memcpy(buf, cmd, len);
	memcpy(buf, &size, sizeof(size));
	if (ioctl(fd, nr, buf))
		return -errno;
	return 0;
}

static int sysfs_state(char *buf, size_t len)
{
	FILE *f = fopen(LUO_SYSFS_STATE, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Runs @fn in a child and returns its exit status. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Child: root uid, but without CAP_SYS_ADMIN. Exit code: open()'s errno. */
static int open_without_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int fd;

	if (syscall(SYS_capget, &hdr, data))
		return 100;
	data[0].effective &= ~(1U << CAP_SYS_ADMIN);
	data[0].permitted &= ~(1U << CAP_SYS_ADMIN);
	data[0].inheritable &= ~(1U << CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return 101;
	fd = luo_open();
	if (fd >= 0)
		return 0;
	return errno;
}

/* Child: an ordinary user. Exit code: open()'s errno. */
static int open_as_nobody(void)
{
	int fd;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	fd = luo_open();
	if (fd >= 0)
		return 0;
	return errno;
}

/*
 * Without CAP_SYS_ADMIN open() fails with EPERM before anything else, even
 * if LUO is disabled (ENODEV for a privileged caller): an unprivileged
 * caller learns nothing about LUO.
 */
TEST(eperm_before_anything)
{
	if (geteuid())
		SKIP(return, "needs root");
	if (access(LUO_DEV, F_OK))
		SKIP(return, "no " LUO_DEV " (CONFIG_LIVEUPDATE_DEV)");
	ASSERT_EQ(EPERM, in_child(open_without_cap_sys_admin));
}

FIXTURE(luodev) {
	int fd;
	int state;
};

FIXTURE_SETUP(luodev)
{
	if (geteuid())
		SKIP(return, "needs root");
	self->fd = luo_open();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "no " LUO_DEV " (CONFIG_LIVEUPDATE_DEV)");
	if (self->fd < 0 && errno == ENODEV)
		SKIP(return, "LUO disabled (boot with kho=on, no liveupdate=off)");
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	self->state = luo_get_state(self->fd);
	ASSERT_LE(LIVEUPDATE_STATE_NORMAL, self->state);
	ASSERT_GE(LIVEUPDATE_STATE_UPDATED, self->state);
}

FIXTURE_TEARDOWN(luodev)
{
	if (self->fd >= 0) {
		int state = luo_get_state(self->fd);

		if (state == LIVEUPDATE_STATE_PREPARED ||
		    state == LIVEUPDATE_STATE_FROZEN)
			luo_event(self->fd, LIVEUPDATE_EVENT_CANCEL);
		close(self->fd);
	}
}

TEST_F(luodev, get_state)
{
	struct liveupdate_ioctl_get_state arg = { .size = sizeof(arg) };

	arg.state = 0xdead;
	ASSERT_EQ(0, ioctl(self->fd, LIVEUPDATE_IOCTL_GET_STATE, &arg));
	ASSERT_EQ(self->state, (int)arg.state);
	ASSERT_EQ(sizeof(arg), arg.size);
}

TEST_F(luodev, short_size)
{
	struct liveupdate_ioctl_get_state gs = { };
	struct liveupdate_ioctl_set_event se = {
		.event = LIVEUPDATE_EVENT_PREPARE,
	};
	__u32 size;

	for (size = 0; size < sizeof(gs); size += 4) {
		gs.size = size;
		ASSERT_EQ(-1, ioctl(self->fd, LIVEUPDATE_IOCTL_GET_STATE, &gs));
		ASSERT_EQ(EINVAL, errno);
		se.size = size;
		ASSERT_EQ(-1, ioctl(self->fd, LIVEUPDATE_IOCTL_SET_EVENT, &se));
		ASSERT_EQ(EINVAL, errno);
	}
	ASSERT_EQ(self->state, luo_get_state(self->fd));
}

TEST_F(luodev, oversized_nonzero_tail)
{
	struct {
		struct liveupdate_ioctl_set_event ev;
		__u64 extra;
	} big = { .ev.event = LIVEUPDATE_EVENT_PREPARE, .extra = 1 };
	struct {
		struct liveupdate_ioctl_get_state st;
		__u32 extra;
	} bigst = { .extra = 0x10000 };

	ASSERT_EQ(-E2BIG, luo_raw_ioctl(self->fd, LIVEUPDATE_IOCTL_SET_EVENT,
					&big, sizeof(big), sizeof(big)));
	ASSERT_EQ(-E2BIG, luo_raw_ioctl(self->fd, LIVEUPDATE_IOCTL_GET_STATE,
					&bigst, sizeof(bigst), sizeof(bigst)));
	/* Larger than a page: refused whatever it holds. */
	ASSERT_EQ(-E2BIG, luo_raw_ioctl(self->fd, LIVEUPDATE_IOCTL_GET_STATE,
					&bigst.st, sizeof(bigst.st), 8192));
	ASSERT_EQ(self->state, luo_get_state(self->fd));
}

TEST_F(luodev, oversized_zero_tail_ok)
{
	struct {
		struct liveupdate_ioctl_get_state st;
		__u32 extra[4];
	} big = { .st.size = sizeof(big), .st.state = 0xdead };

	ASSERT_EQ(0, ioctl(self->fd, LIVEUPDATE_IOCTL_GET_STATE, &big));
	ASSERT_EQ(self->state, (int)big.st.state);
	ASSERT_EQ(0, big.extra[0]);
}

TEST_F(luodev, nonzero_reserved)
{
	struct liveupdate_ioctl_get_state gs = {
		.size = sizeof(gs),
		.__reserved = 1,
	};
	struct liveupdate_ioctl_set_event se = {
		.size = sizeof(se),
		.event = LIVEUPDATE_EVENT_PREPARE,
		.__reserved = 1,
	};

	ASSERT_EQ(-1, ioctl(self->fd, LIVEUPDATE_IOCTL_GET_STATE, &gs));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(self->fd, LIVEUPDATE_IOCTL_SET_EVENT, &se));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(self->state, luo_get_state(self->fd));
}

TEST_F(luodev, unknown_flags)
{
	static const __u32 flags[] = { 1, 2, 0x80000000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		struct liveupdate_ioctl_get_state gs = {
			.size = sizeof(gs),
			.flags = flags[i],
		};
		struct liveupdate_ioctl_set_event se = {
			.size = sizeof(se),
			.flags = flags[i],
			.event = LIVEUPDATE_EVENT_PREPARE,
		};

		ASSERT_EQ(-1, ioctl(self->fd, LIVEUPDATE_IOCTL_GET_STATE, &gs));
		ASSERT_EQ(EOPNOTSUPP, errno);
		ASSERT_EQ(-1, ioctl(self->fd, LIVEUPDATE_IOCTL_SET_EVENT, &se));
		ASSERT_EQ(EOPNOTSUPP, errno);
	}
	ASSERT_EQ(self->state, luo_get_state(self->fd));
}

TEST_F(luodev, unknown_event)
{
	static const __u32 events[] = { 0, 5, 0x11, 0xffffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++)
		ASSERT_EQ(-EBADRQC, luo_event(self->fd, events[i]));
	ASSERT_EQ(self->state, luo_get_state(self->fd));
}

TEST_F(luodev, unknown_ioctl)
{
	struct liveupdate_ioctl_get_state gs = { .size = sizeof(gs) };

	ASSERT_EQ(-1, ioctl(self->fd, _IO(LIVEUPDATE_IOCTL_TYPE, 0x1f), &gs));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->fd, _IOR(LIVEUPDATE_IOCTL_TYPE,
					   LIVEUPDATE_CMD_GET_STATE,
					   struct liveupdate_ioctl_get_state),
			    &gs));
	ASSERT_EQ(ENOTTY, errno);
}

TEST_F(luodev, wrong_state_events)
{
	if (self->state != LIVEUPDATE_STATE_NORMAL)
		SKIP(return, "LUO is %s, not normal", state_names[self->state]);

	/* normal */
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_FREEZE));
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_CANCEL));
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_FINISH));
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->fd));

	/* prepared */
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
	ASSERT_EQ(LIVEUPDATE_STATE_PREPARED, luo_get_state(self->fd));
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_FINISH));
	ASSERT_EQ(LIVEUPDATE_STATE_PREPARED, luo_get_state(self->fd));

	/* frozen */
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_FREEZE));
	ASSERT_EQ(LIVEUPDATE_STATE_FROZEN, luo_get_state(self->fd));
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_FREEZE));
	ASSERT_EQ(-EBUSY, luo_event(self->fd, LIVEUPDATE_EVENT_FINISH));
	ASSERT_EQ(LIVEUPDATE_STATE_FROZEN, luo_get_state(self->fd));

	/* back to normal */
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_CANCEL));
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->fd));
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_CANCEL));
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->fd));
}

TEST_F(luodev, second_opener)
{
	int fd2 = luo_open();

	ASSERT_EQ(-1, fd2);
	ASSERT_EQ(EBUSY, errno);
}

TEST_F(luodev, reopen_after_close)
{
	close(self->fd);
	self->fd = luo_open();
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
}

TEST_F(luodev, unprivileged_open)
{
	int err;

	close(self->fd);
	self->fd = -1;
	err = in_child(open_without_cap_sys_admin);
	ASSERT_EQ(EPERM, err);

	/* An ordinary user is stopped by the file mode or by the kernel. */
	err = in_child(open_as_nobody);
	ASSERT_TRUE(err == EACCES || err == EPERM)
		TH_LOG("open as nobody: %d", err);
	self->fd = luo_open();
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
}

TEST_F(luodev, sysfs_matches_ioctl)
{
	char buf[32];

	ASSERT_EQ(0, sysfs_state(buf, sizeof(buf)));
	ASSERT_STREQ(state_names[luo_get_state(self->fd)], buf);
	if (self->state != LIVEUPDATE_STATE_NORMAL)
		return;

	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
	ASSERT_EQ(0, sysfs_state(buf, sizeof(buf)));
	ASSERT_STREQ("prepared", buf);
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_FREEZE));
	ASSERT_EQ(0, sysfs_state(buf, sizeof(buf)));
	ASSERT_STREQ("frozen", buf);
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_CANCEL));
	ASSERT_EQ(0, sysfs_state(buf, sizeof(buf)));
	ASSERT_STREQ("normal", buf);
}

TEST_F(luodev, close_while_prepared_cancels)
{
	char buf[32];

	if (self->state != LIVEUPDATE_STATE_NORMAL)
		SKIP(return, "LUO is %s, not normal", state_names[self->state]);
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
	close(self->fd);
	ASSERT_EQ(0, sysfs_state(buf, sizeof(buf)));
	ASSERT_STREQ("normal", buf);
	self->fd = luo_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->fd));
}

TEST_F(luodev, close_while_frozen_cancels)
{
	char buf[32];

	if (self->state != LIVEUPDATE_STATE_NORMAL)
		SKIP(return, "LUO is %s, not normal", state_names[self->state]);
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_PREPARE));
	ASSERT_EQ(0, luo_event(self->fd, LIVEUPDATE_EVENT_FREEZE));
	close(self->fd);
	ASSERT_EQ(0, sysfs_state(buf, sizeof(buf)));
	ASSERT_STREQ("normal", buf);
	self->fd = luo_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->fd));
}

TEST_HARNESS_MAIN
