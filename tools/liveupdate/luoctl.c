// SPDX-License-Identifier: GPL-2.0
/*
 * luoctl - drive the Live Update Orchestrator through /dev/liveupdate.
 *
 *   luoctl state
 *   luoctl sessions
 *   luoctl EVENT... [-- COMMAND [ARG...]]
 *   luoctl preserve SESSION PID FD TOKEN [PID FD TOKEN...] [-- COMMAND...]
 *   luoctl restore SESSION TOKEN... -- COMMAND [ARG...]
 *
 * "state" and "sessions" read /sys/kernel/liveupdate/, so they work while
 * another process owns /dev/liveupdate, and without CAP_SYS_ADMIN.
 * "sessions" prints one line per session: "NAME outgoing" for those of
 * this kernel, "NAME incoming retrieved|waiting" for those the previous
 * kernel handed over, until FINISH; under each outgoing session, one line
 * per preserved file: "  TOKEN COMPATIBLE BYTES".
 * EVENT is prepare, freeze, cancel or finish; several are sent in order.
 * The kernel cancels a prepared or frozen update when /dev/liveupdate is
 * closed, so an update must be carried out while luoctl holds it: with
 * "-- COMMAND", luoctl executes COMMAND with the device still open, e.g.
 *
 *   luoctl prepare -- kexec -e
 *
 * If COMMAND fails to start or returns, the update is cancelled.
 *
 * "preserve" creates the session SESSION and preserves in it file FD of
 * process PID (taken with pidfd_getfd(), which needs ptrace access to
 * PID) under TOKEN, for each triple. A session lives as long as its fd:
 * luoctl then executes COMMAND with the session open (its fd number is in
 * $LUO_SESSION_FD), or without COMMAND waits until it is killed, which
 * unpreserves everything. "restore", in the next kernel, retrieves
 * SESSION and the files of the TOKENs and executes COMMAND with them
 * open: the first one's fd number is in $LUO_FD, all of them in $LUO_FDS.
 * The session is finished when COMMAND starts: tokens not named are
 * released.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#define LUO_DEV "/dev/liveupdate"
#define LUO_SYSFS_STATE "/sys/kernel/liveupdate/state"
#define LUO_SYSFS_SESSIONS "/sys/kernel/liveupdate/sessions"
#define LUO_SYSFS_FILES "/sys/kernel/liveupdate/files"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	__u32 event;
} events[] = {
	{ "prepare", LIVEUPDATE_EVENT_PREPARE },
	{ "freeze", LIVEUPDATE_EVENT_FREEZE },
	{ "cancel", LIVEUPDATE_EVENT_CANCEL },
	{ "finish", LIVEUPDATE_EVENT_FINISH },
};

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: luoctl state | sessions\n"
		"       luoctl EVENT... [-- COMMAND [ARG...]]\n"
		"       luoctl preserve SESSION PID FD TOKEN [PID FD TOKEN...] [-- COMMAND...]\n"
		"       luoctl restore SESSION TOKEN... -- COMMAND [ARG...]\n"
		"EVENT: prepare | freeze | cancel | finish\n"
		"Closing " LUO_DEV " cancels a prepared or frozen update; use\n"
		"'-- COMMAND' to run COMMAND (e.g. 'kexec -e') with it open.\n");
}

static const char *explain(int err)
{
	switch (err) {
	case EPERM:
		return " (CAP_SYS_ADMIN needed)";
	case ENODEV:
		return " (LUO disabled: boot with kho=on, without liveupdate=off)";
	case ECANCELED:
		return " (a participant failed and everything was rolled back; see dmesg)";
	case EOPNOTSUPP:
		return " (KHO is not enabled: boot with kho=on)";
	default:
		return "";
	}
}

/* Copies a sysfs status file to stdout; with @one_line, its first line. */
static int print_sysfs(const char *path, int one_line)
{
	char buf[256];
	int lines = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "luoctl: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (kernel without CONFIG_LIVEUPDATE, or too old)" :
					  "");
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		fputs(buf, stdout);
		lines++;
		if (one_line)
			break;
	}
	if (ferror(f) || (one_line && !lines)) {
		fprintf(stderr, "luoctl: %s: cannot read\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* "NAME outgoing" lines, each followed by the files of that session. */
static int print_sessions(void)
{
	char line[256], fline[256], name[LIVEUPDATE_SESSION_NAME_LENGTH];
	unsigned long long token, bytes;
	char compat[64], fname[LIVEUPDATE_SESSION_NAME_LENGTH];
	FILE *f, *files;

	f = fopen(LUO_SYSFS_SESSIONS, "r");
	if (!f)
		return print_sysfs(LUO_SYSFS_SESSIONS, 0);
	while (fgets(line, sizeof(line), f)) {
		fputs(line, stdout);
		if (sscanf(line, "%63s outgoing", name) != 1 ||
		    !strstr(line, " outgoing"))
			continue;
		files = fopen(LUO_SYSFS_FILES, "r");
		while (files && fgets(fline, sizeof(fline), files))
			if (sscanf(fline, "%63s %llu %63s %llu", fname, &token,
				   compat, &bytes) == 4 && !strcmp(fname, name))
				printf("  %llu %s %llu\n", token, compat, bytes);
		if (files)
			fclose(files);
	}
	fclose(f);
	return 0;
}

/* Index of the first "--" in @argv, or @argc: COMMAND may hold its own. */
static int command_start(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return argc;
}

static int open_device(int flags)
{
	int fd = open(LUO_DEV, O_RDWR | flags), err;

	if (fd < 0) {
		err = errno;
		fprintf(stderr, "luoctl: %s: %s%s\n", LUO_DEV, strerror(err),
			err == EBUSY ? " (another process owns it)" :
				       explain(err));
	}
	return fd;
}

static int session_cmd(int dev, unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	if (strlen(name) >= sizeof(arg.name)) {
		fprintf(stderr, "luoctl: session name '%s' is too long\n", name);
		return -1;
	}
	memcpy(arg.name, name, strlen(name) + 1);
	if (ioctl(dev, cmd, &arg) < 0) {
		fprintf(stderr, "luoctl: %s session %s: %s\n",
			cmd == LIVEUPDATE_IOCTL_CREATE_SESSION ? "create" :
								 "retrieve",
			name, strerror(errno));
		return -1;
	}
	return arg.fd;
}

static int parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

/* FD of process PID, in this process. */
static int grab_fd(const char *pid_s, const char *fd_s)
{
	unsigned long long pid, fd;
	int pidfd, got;

	if (parse_u64(pid_s, &pid) || parse_u64(fd_s, &fd)) {
		fprintf(stderr, "luoctl: bad PID '%s' or FD '%s'\n", pid_s, fd_s);
		return -1;
	}
	pidfd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "luoctl: process %llu: %s\n", pid,
			strerror(errno));
		return -1;
	}
	got = syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	if (got < 0)
		fprintf(stderr, "luoctl: fd %llu of process %llu: %s\n", fd, pid,
			strerror(errno));
	close(pidfd);
	return got;
}

/* Clear FD_CLOEXEC, so that COMMAND inherits @fd. */
static void keep_open(int fd)
{
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) & ~FD_CLOEXEC);
}

static int cmd_preserve(int argc, char **argv)
{
	struct liveupdate_session_preserve_fd arg = { .size = sizeof(arg) };
	int dev, session, i, n, file;
	unsigned long long token;
	char num[16];

	n = command_start(argc, argv);
	if (n < 4 || (n - 1) % 3 || (n < argc && n + 1 == argc)) {
		print_usage(stderr);
		return 2;
	}
	dev = open_device(O_CLOEXEC);
	if (dev < 0)
		return 1;
	session = session_cmd(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, argv[0]);
	close(dev);
	if (session < 0)
		return 1;
	for (i = 1; i < n; i += 3) {
		if (parse_u64(argv[i + 2], &token)) {
			fprintf(stderr, "luoctl: bad TOKEN '%s'\n", argv[i + 2]);
			return 1;
		}
		file = grab_fd(argv[i], argv[i + 1]);
		if (file < 0)
			return 1;
		arg.fd = file;
		arg.token = token;
		if (ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0) {
			fprintf(stderr, "luoctl: preserve fd %s of %s as %llu: %s%s\n",
				argv[i + 1], argv[i], token, strerror(errno),
				errno == ENOENT ? " (no handler for this kind of file)" :
				errno == EEXIST ? " (token taken)" :
				errno == EBUSY ? " (already preserved, or the update is prepared)" : "");
			return 1;
		}
		close(file);
	}
	if (n == argc) {
		printf("luoctl: holding session %s; killing luoctl unpreserves it\n",
		       argv[0]);
		fflush(stdout);
		for (;;)
			pause();
	}
	keep_open(session);
	snprintf(num, sizeof(num), "%d", session);
	setenv("LUO_SESSION_FD", num, 1);
	execvp(argv[n + 1], &argv[n + 1]);
	fprintf(stderr, "luoctl: %s: %s; the session is closed\n", argv[n + 1],
		strerror(errno));
	return 1;
}

static int cmd_restore(int argc, char **argv)
{
	struct liveupdate_session_retrieve_fd arg = { .size = sizeof(arg) };
	char fds[512] = "", num[16];
	unsigned long long token;
	int dev, session, i, n;

	n = command_start(argc, argv);
	if (n < 2 || n + 1 >= argc) {
		print_usage(stderr);
		return 2;
	}
	dev = open_device(O_CLOEXEC);
	if (dev < 0)
		return 1;
	session = session_cmd(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, argv[0]);
	close(dev);
	if (session < 0)
		return 1;
	for (i = 1; i < n; i++) {
		if (parse_u64(argv[i], &token)) {
			fprintf(stderr, "luoctl: bad TOKEN '%s'\n", argv[i]);
			return 1;
		}
		arg.token = token;
		if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0) {
			fprintf(stderr, "luoctl: retrieve %llu from %s: %s\n",
				token, argv[0], strerror(errno));
			return 1;
		}
		keep_open(arg.fd);
		snprintf(num, sizeof(num), "%d", arg.fd);
		if (i == 1)
			setenv("LUO_FD", num, 1);
		if (strlen(fds) + strlen(num) + 2 > sizeof(fds)) {
			fprintf(stderr, "luoctl: too many tokens\n");
			return 1;
		}
		if (*fds)
			strcat(fds, " ");
		strcat(fds, num);
	}
	setenv("LUO_FDS", fds, 1);
	execvp(argv[n + 1], &argv[n + 1]);
	fprintf(stderr, "luoctl: %s: %s\n", argv[n + 1], strerror(errno));
	return 1;
}

static int send_event(int fd, const char *name, __u32 event)
{
	struct liveupdate_ioctl_set_event arg = {
		.size = sizeof(arg),
		.event = event,
	};
	int err;

	if (ioctl(fd, LIVEUPDATE_IOCTL_SET_EVENT, &arg) < 0) {
		err = errno;
		if (err == EBUSY)
			fprintf(stderr,
				"luoctl: %s: not allowed in the current state (or during a kexec)\n",
				name);
		else
			fprintf(stderr, "luoctl: %s: %s%s\n", name,
				strerror(err), explain(err));
		return -1;
	}
	return 0;
}

static int find_event(const char *name, __u32 *event)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		if (!strcmp(name, events[i].name)) {
			*event = events[i].event;
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	int i, fd, nevents = 0, cmd = 0;
	__u32 event = 0;

	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(stdout);
		return 0;
	}

	if (!strcmp(argv[1], "state") && argc == 2)
		return print_sysfs(LUO_SYSFS_STATE, 1) ? 1 : 0;
	/* NAME outgoing | NAME incoming retrieved|waiting, one per line */
	if (!strcmp(argv[1], "sessions") && argc == 2)
		return print_sessions() ? 1 : 0;
	if (!strcmp(argv[1], "preserve"))
		return cmd_preserve(argc - 2, argv + 2);
	if (!strcmp(argv[1], "restore"))
		return cmd_restore(argc - 2, argv + 2);

	/* Check the whole command line before touching the device. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd = i + 1;
			break;
		}
		if (find_event(argv[i], &event)) {
			fprintf(stderr, "luoctl: unknown command '%s'\n",
				argv[i]);
			print_usage(stderr);
			return 2;
		}
		nevents++;
	}
	if (!nevents || (cmd && cmd >= argc)) {
		print_usage(stderr);
		return 2;
	}

	/* Not O_CLOEXEC: COMMAND must inherit the open device. */
	fd = open_device(0);
	if (fd < 0)
		return 1;

	for (i = 1; i <= nevents; i++) {
		find_event(argv[i], &event);
		if (send_event(fd, argv[i], event))
			return 1;
	}

	if (!cmd && (event == LIVEUPDATE_EVENT_PREPARE ||
		     event == LIVEUPDATE_EVENT_FREEZE))
		fprintf(stderr,
			"luoctl: note: closing %s cancels the update; use '-- COMMAND'\n",
			LUO_DEV);
	if (cmd) {
		execvp(argv[cmd], &argv[cmd]);
		fprintf(stderr, "luoctl: %s: %s; the update is cancelled\n",
			argv[cmd], strerror(errno));
		return 1;
	}
	return 0;
}
