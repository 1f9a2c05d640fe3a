// SPDX-License-Identifier: GPL-2.0
/*
 * luoctl - drive the Live Update Orchestrator through /dev/liveupdate.
 *
 *   luoctl state
 *   luoctl sessions
 *   luoctl EVENT... [-- COMMAND [ARG...]]
 *
 * "state" and "sessions" read /sys/kernel/liveupdate/, so they work while
 * another process owns /dev/liveupdate, and without CAP_SYS_ADMIN.
 * "sessions" prints one line per session: "NAME outgoing" for those of
 * this kernel, "NAME incoming retrieved|waiting" for those the previous
 * kernel handed over, until FINISH.
 * EVENT is prepare, freeze, cancel or finish; several are sent in order.
 * The kernel cancels a prepared or frozen update when /dev/liveupdate is
 * closed, so an update must be carried out while luoctl holds it: with
 * "-- COMMAND", luoctl executes COMMAND with the device still open, e.g.
 *
 *   luoctl prepare -- kexec -e
 *
 * If COMMAND fails to start or returns, the update is cancelled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#define LUO_DEV "/dev/liveupdate"
#define LUO_SYSFS_STATE "/sys/kernel/liveupdate/state"
#define LUO_SYSFS_SESSIONS "/sys/kernel/liveupdate/sessions"
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
		return print_sysfs(LUO_SYSFS_SESSIONS, 0) ? 1 : 0;

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
	fd = open(LUO_DEV, O_RDWR);
	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "luoctl: %s: %s%s\n", LUO_DEV, strerror(err),
			err == EBUSY ? " (another process owns it)" :
				       explain(err));
		return 1;
	}

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
