// SPDX-License-Identifier: GPL-2.0
/*
 * vmm - a minimal KVM VMM whose guest survives a live update of the host
 *
 *   vmm run [OPTIONS]	   start a new VM
 *   vmm restore [OPTIONS]  in the next kernel, take the VM back and resume
 *
 * Guest memory is a memfd, preserved in the VMM's LUO session (mainline's
 * ABI) as soon as the VM starts; the guest keeps running. SIGUSR1 asks
 * for a live update: the VMM stops the vCPUs at an instruction boundary,
 * writes their state and the VM's into a second memfd (state.c),
 * preserves that one too, and then only holds the session for the kexec.
 * SIGUSR2 lets the guest run on if the update is called off (once LUO
 * takes new sessions again: while it is prepared or frozen the guest stays
 * saved); SIGTERM ends the VMM (and with its session, the preservation).
 *
 * In the next kernel, "vmm restore" retrieves the session, then the state
 * memfd, and checks it before it touches guest memory: a missing token or
 * a state it cannot read is refused, guest memory left preserved. It
 * then retrieves guest memory, the very same pages, builds the VM on it,
 * loads the state, resumes the guest, FINISHes the old session and
 * preserves guest memory in a new one, ready for the next update.
 *
 * The guest (guest.S) checks its own memory and reports heartbeats; the
 * VMM writes what it sees to a status file every 200 ms, and its
 * milestones to /dev/kmsg as "vmm: ...", among the kernel's messages:
 * after a restore the first heartbeat and the first whole pass over
 * guest memory, with the guest's verdict (harness/timeline.py reads them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "vmm.h"

/* Exit codes. */
#define EXIT_ERROR	1
#define EXIT_REFUSED	2

struct options {
	const char *session;
	const char *status;
	uint64_t mem_mib;
	int nr_vcpus;
	uint64_t mem_token;
	uint64_t state_token;
	uint32_t state_version;
	bool corrupt_state;
};

static struct vm the_vm;
static const char *vm_state = "starting";

static void vsay(FILE *out, const char *fmt, va_list ap)
{
	char buf[400], line[420];
	int fd, len;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(out, VMM_NAME ": %s\n", buf);
	fflush(out);
	/* One write() per record: that is what /dev/kmsg takes. */
	len = snprintf(line, sizeof(line), VMM_NAME ": %s\n", buf);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, line, len) < 0)
			fprintf(stderr, VMM_NAME ": /dev/kmsg: %s\n", strerror(errno));
		close(fd);
	}
}

/* A milestone: to stdout and the kernel log. */
void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(stdout, fmt, ap);
	va_end(ap);
}

/* A fatal error: to stderr and the kernel log. */
void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(stderr, fmt, ap);
	va_end(ap);
	exit(EXIT_ERROR);
}

static void refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(stderr, fmt, ap);
	va_end(ap);
	exit(EXIT_REFUSED);
}

uint64_t tsc_now(void)
{
	return __rdtsc();
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static double tsc_ms(struct vm *vm, uint64_t ticks)
{
	return (double)ticks / vm->tsc_khz;
}

/* Rewrite the status file: one line per vCPU, what the guest reports. */
static void write_status(struct vm *vm, const char *path)
{
	char tmp[256];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "state %s\nvcpus %d\nmem_mib %llu\n", vm_state, vm->nr_vcpus,
		(unsigned long long)(vm->mem_size >> 20));
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_status *st = vcpu_status(vm, i);
		struct vcpu *v = &vm->vcpus[i];

		fprintf(f, "cpu%d counter %llu passes %llu sum_ok %llu errors %llu heartbeats %llu seq_errors %llu faults %llu pauses %llu pause_ms %.1f ready %d\n",
			i, (unsigned long long)st->counter,
			(unsigned long long)st->passes,
			(unsigned long long)st->sum_ok,
			(unsigned long long)st->errors,
			(unsigned long long)v->seen_heartbeat,
			(unsigned long long)v->seq_errors,
			(unsigned long long)v->faults,
			(unsigned long long)st->pauses,
			tsc_ms(vm, st->pause), v->ready);
	}
	fclose(f);
	if (rename(tmp, path))
		die("%s: %s", path, strerror(errno));
}

static int new_session(const struct options *o, int mem_fd)
{
	int s = lu_create_session(o->session), err;

	if (s < 0)
		die("cannot create session %s: %s", o->session, strerror(-s));
	err = lu_preserve(s, mem_fd, o->mem_token);
	if (err)
		die("cannot preserve guest memory in session %s: %s",
		    o->session, strerror(-err));
	return s;
}

static void last_heartbeats(struct vm *vm, const char *when)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_status *st = vcpu_status(vm, i);

		say("%s: vCPU %d heartbeat %llu at guest TSC %llu, counter %llu, pass %llu, errors %llu",
		    when, i, (unsigned long long)vm->vcpus[i].seen_heartbeat,
		    (unsigned long long)st->hb_tsc,
		    (unsigned long long)st->counter,
		    (unsigned long long)st->passes,
		    (unsigned long long)st->errors);
	}
}

/*
 * Stop the guest and hand its state over: the state memfd, now preserved
 * in the session with guest memory for the kexec, or -1 (the guest runs
 * on).
 */
static int save_for_update(struct vm *vm, const struct options *o, int session)
{
	struct timespec t0;
	double stop_ms, save_ms, preserve_ms;
	struct stat sb;
	int state, err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	say("save: stopping the vCPUs");
	vm_pause(vm);
	stop_ms = ms_since(&t0);
	state = state_save(vm, o->mem_token, o->state_version, o->corrupt_state);
	save_ms = ms_since(&t0);
	err = lu_preserve(session, state, o->state_token);
	preserve_ms = ms_since(&t0);
	if (err) {
		say("save: cannot preserve the state in session %s: %s; the guest runs on",
		    o->session, strerror(-err));
		close(state);
		vm_resume(vm);
		return -1;
	}
	last_heartbeats(vm, "last heartbeat before the update");
	fstat(state, &sb);
	say("saved: vCPUs stopped in %.1f ms, state (%lld bytes) written in %.1f ms, preserved as token %llu in %.1f ms; holding session %s for the kexec%s",
	    stop_ms, (long long)sb.st_size, save_ms - stop_ms,
	    (unsigned long long)o->state_token, preserve_ms - save_ms,
	    o->session,
	    o->corrupt_state ? " (corrupted after its checksum, on request)" : "");
	return state;
}

/*
 * LUO's state, as /sys/kernel/liveupdate/state says ("normal", "prepared",
 * ...), into @buf; false if it cannot be read.
 */
static bool luo_state(char *buf, int len)
{
	FILE *f = fopen("/sys/kernel/liveupdate/state", "r");
	bool ok;

	if (!f) {
		snprintf(buf, len, "unknown (%s)", strerror(errno));
		return false;
	}
	ok = fgets(buf, len, f);
	fclose(f);
	if (!ok) {
		snprintf(buf, len, "unknown");
		return false;
	}
	buf[strcspn(buf, "\n")] = 0;
	return true;
}

/*
 * After a save, let the guest run on (SIGUSR2): the state memfd cannot
 * leave the session alone, so the session is closed and a new one made
 * for guest memory. That only works while LUO takes new sessions
 * ("normal", or "updated" before FINISH); while an update is prepared or
 * frozen the old session would be dropped from it and no new one could
 * be made, so the guest stays saved. Return the state memfd, or -1 and
 * the new session in @session.
 */
static int call_off_update(struct vm *vm, const struct options *o,
			   int *session, int state)
{
	char luo[64];

	if (!luo_state(luo, sizeof(luo)) ||
	    (strcmp(luo, "normal") && strcmp(luo, "updated"))) {
		say("not resuming: LUO is %s, no new session can be made until the update is cancelled or done; the guest stays saved in session %s",
		    luo, o->session);
		return state;
	}
	close(*session);
	close(state);
	*session = new_session(o, vm->mem_fd);
	vm_state = "running";
	vm_resume(vm);
	say("update called off: the guest runs on, guest memory preserved again in session %s",
	    o->session);
	return -1;
}

/* The signals that control the VMM, taken by the main thread alone. */
static void control_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

/**
 * struct resumed - what a restored guest had done before the update
 * @heartbeat: each vCPU's last heartbeat
 * @passes: passes over its memory it had completed
 * @sum_ok: passes whose table checksum had matched
 */
struct resumed {
	uint64_t heartbeat[GUEST_MAX_VCPUS];
	uint64_t passes[GUEST_MAX_VCPUS];
	uint64_t sum_ok[GUEST_MAX_VCPUS];
};

/*
 * After a restore, what the guest says: its first heartbeat (and the pause
 * it saw), then once it completed a whole pass over its memory since the
 * resume, its verdict.
 */
static void report_resumed(struct vm *vm, const struct resumed *r,
			   bool *first_seen, bool *pass_seen)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_status *st = vcpu_status(vm, i);
		struct vcpu *v = &vm->vcpus[i];
		uint64_t passes, sum_ok, errors;

		if (!first_seen[i] &&
		    __atomic_load_n(&v->first, __ATOMIC_ACQUIRE)) {
			first_seen[i] = true;
			say("first heartbeat after the update: vCPU %d heartbeat %llu (last before: %llu), guest-observed pause %.1f ms, counter %llu",
			    i, (unsigned long long)v->first,
			    (unsigned long long)r->heartbeat[i],
			    tsc_ms(vm, v->first_pause),
			    (unsigned long long)v->first_counter);
		}
		passes = st->passes;
		if (pass_seen[i] || passes < r->passes[i] + 2)
			continue;
		pass_seen[i] = true;
		sum_ok = st->sum_ok;
		errors = st->errors;
		say("first whole pass after the update: vCPU %d pass %llu, table checksum matched in %llu of %llu passes since the update, %llu errors, %llu heartbeats out of sequence, %llu faults: %s",
		    i, (unsigned long long)passes,
		    (unsigned long long)(sum_ok - r->sum_ok[i]),
		    (unsigned long long)(passes - r->passes[i]),
		    (unsigned long long)errors,
		    (unsigned long long)v->seq_errors,
		    (unsigned long long)v->faults,
		    errors || v->seq_errors || v->faults ? "RED" : "green");
	}
}

/* Signals, and the status file, until SIGTERM or a dead VM. */
static void run_loop(struct vm *vm, const struct options *o, int session,
		     const struct resumed *resumed)
{
	struct timespec tick = { .tv_nsec = 200 * 1000 * 1000 };
	bool first_seen[GUEST_MAX_VCPUS] = { 0 };
	bool pass_seen[GUEST_MAX_VCPUS] = { 0 };
	int state = -1, sig;
	sigset_t set;

	control_signals(&set);
	for (;;) {
		write_status(vm, o->status);
		if (vm->dead)
			die("the guest died");
		if (resumed)
			report_resumed(vm, resumed, first_seen, pass_seen);
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			say("stopping on signal %d", sig);
			write_status(vm, o->status);
			exit(0);
		}
		if (sig == SIGUSR1 && state < 0) {
			state = save_for_update(vm, o, session);
			if (state >= 0)
				vm_state = "saved";
		} else if (sig == SIGUSR2 && state >= 0) {
			state = call_off_update(vm, o, &session, state);
		}
	}
}

static int cmd_run(const struct options *o)
{
	struct vm *vm = &the_vm;
	uint64_t size = o->mem_mib << 20;
	int mem, session;

	if (o->mem_mib < 16 || o->mem_mib > 3072)
		die("guest memory must be 16 to 3072 MiB");
	mem = memfd_create("guest-memory", MFD_CLOEXEC);
	if (mem < 0 || ftruncate(mem, size))
		die("guest memory memfd: %s", strerror(errno));
	vm_open(vm);
	vm_add(vm, mem, size, o->nr_vcpus);
	vm_setup_guest(vm);
	session = new_session(o, mem);
	vm_start(vm);
	vm_state = "running";
	say("started: %d vCPU(s), %llu MiB of guest memory, preserved in session %s as token %llu",
	    o->nr_vcpus, (unsigned long long)o->mem_mib, o->session,
	    (unsigned long long)o->mem_token);
	run_loop(vm, o, session, NULL);
	return 0;
}

static int cmd_restore(const struct options *o)
{
	static struct resumed resumed;
	struct vm *vm = &the_vm;
	uint64_t mem_size;
	int session, state, mem, nr_vcpus, i, err;
	struct timespec t0;
	double retrieve_ms;
	char why[200];
	uint64_t saved_size;
	struct stat sb;
	void *saved;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	say("restore: retrieving session %s", o->session);
	session = lu_retrieve_session(o->session);
	if (session < 0)
		refuse("refusing to restore: no session %s to retrieve: %s",
		       o->session, strerror(-session));
	state = lu_retrieve(session, o->state_token);
	if (state < 0)
		refuse("refusing to restore: no VM state under token %llu in session %s: %s; nothing was retrieved, guest memory stays preserved",
		       (unsigned long long)o->state_token, o->session,
		       strerror(-state));
	if (fstat(state, &sb))
		die("state memfd: %s", strerror(errno));
	saved_size = sb.st_size;
	saved = mmap(NULL, saved_size, PROT_READ, MAP_SHARED, state, 0);
	if (saved == MAP_FAILED)
		die("mapping the state memfd: %s", strerror(errno));
	vm_open(vm);
	if (state_check(vm, saved, saved_size, o->mem_token, why, sizeof(why)))
		refuse("refusing to restore: the state under token %llu: %s; guest memory (token %llu) was not touched and stays preserved",
		       (unsigned long long)o->state_token, why,
		       (unsigned long long)o->mem_token);
	state_describe(saved, &mem_size, &nr_vcpus);

	mem = lu_retrieve(session, o->mem_token);
	if (mem < 0)
		refuse("refusing to restore: no guest memory under token %llu in session %s: %s",
		       (unsigned long long)o->mem_token, o->session,
		       strerror(-mem));
	if (fstat(mem, &sb) || (uint64_t)sb.st_size != mem_size)
		refuse("refusing to restore: guest memory has %lld bytes, the state says %llu",
		       (long long)sb.st_size, (unsigned long long)mem_size);
	retrieve_ms = ms_since(&t0);
	vm_add(vm, mem, mem_size, nr_vcpus);
	for (i = 0; i < nr_vcpus; i++) {
		uint64_t now = vcpu_status(vm, i)->counter;

		if (now != state_saved_counter(saved, i))
			refuse("refusing to restore: guest memory is not what was saved: vCPU %d counter %llu, saved %llu",
			       i, (unsigned long long)now,
			       (unsigned long long)state_saved_counter(saved, i));
	}
	state_load(vm, saved);
	for (i = 0; i < nr_vcpus; i++) {
		resumed.heartbeat[i] = vm->vcpus[i].seen_heartbeat;
		resumed.passes[i] = vcpu_status(vm, i)->passes;
		resumed.sum_ok[i] = vcpu_status(vm, i)->sum_ok;
		vm->vcpus[i].ready = true;	/* it reported in before */
		vm->vcpus[i].first = 0;
	}
	vm_start(vm);
	vm_state = "running";
	say("restored: session and memory retrieved in %.1f ms, VM rebuilt and resumed after %.1f ms; %d vCPU(s), %llu MiB, %.1f ms since the state was saved (host TSC)",
	    retrieve_ms, ms_since(&t0), nr_vcpus,
	    (unsigned long long)(mem_size >> 20),
	    tsc_ms(vm, tsc_now() - state_saved_tsc(saved)));
	for (i = 0; i < nr_vcpus; i++)
		say("resumed: vCPU %d from heartbeat %llu, counter %llu, pass %llu, as saved",
		    i, (unsigned long long)resumed.heartbeat[i],
		    (unsigned long long)state_saved_counter(saved, i),
		    (unsigned long long)resumed.passes[i]);
	munmap(saved, saved_size);
	close(state);

	err = lu_finish(session);
	if (err)
		die("FINISH on session %s: %s", o->session, strerror(-err));
	close(session);
	session = new_session(o, mem);
	say("session %s finished; guest memory preserved again in a new session %s",
	    o->session, o->session);
	run_loop(vm, o, session, &resumed);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " VMM_NAME " run|restore [options]\n"
		"  run                 start a new VM\n"
		"  restore             in the next kernel, take the VM back from its session\n"
		"  -s, --session NAME  the LUO session (default \"vmm\")\n"
		"  -m, --mem MIB       guest memory, run only (default 256)\n"
		"  -c, --vcpus N       vCPUs, run only (default 1)\n"
		"  --mem-token T       token of guest memory (default 1)\n"
		"  --state-token T     token of the VM state (default 2)\n"
		"  --status FILE       status file (default /tmp/vmm-SESSION.status)\n"
		"  --state-version V   write this state format version (to test refusals)\n"
		"  --corrupt-state     corrupt the saved state after its checksum (to test refusals)\n"
		"signals: SIGUSR1 save for a live update, SIGUSR2 call it off, SIGTERM stop\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "session", required_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "mem-token", required_argument, NULL, 'M' },
		{ "state-token", required_argument, NULL, 'S' },
		{ "status", required_argument, NULL, 'f' },
		{ "state-version", required_argument, NULL, 'V' },
		{ "corrupt-state", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct options o = {
		.session = "vmm", .mem_mib = 256, .nr_vcpus = 1,
		.mem_token = 1, .state_token = 2,
		.state_version = VMM_STATE_VERSION,
	};
	static char status[256];
	sigset_t set;
	int c;

	while ((c = getopt_long(argc, argv, "s:m:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.session = optarg;
			break;
		case 'm':
			o.mem_mib = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			o.nr_vcpus = atoi(optarg);
			break;
		case 'M':
			o.mem_token = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			o.state_token = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			o.status = optarg;
			break;
		case 'V':
			o.state_version = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o.corrupt_state = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (o.nr_vcpus < 1 || o.nr_vcpus > GUEST_MAX_VCPUS)
		die("vCPUs must be 1 to %d", GUEST_MAX_VCPUS);
	if (o.mem_token == o.state_token)
		die("the two tokens must differ");
	if (!o.status) {
		snprintf(status, sizeof(status), "/tmp/vmm-%s.status", o.session);
		o.status = status;
	}
	/* The main thread takes these with sigtimedwait(); no thread gets them. */
	control_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (!strcmp(argv[optind], "run"))
		return cmd_run(&o);
	if (!strcmp(argv[optind], "restore"))
		return cmd_restore(&o);
	usage(stderr);
	return EXIT_ERROR;
}
