// SPDX-License-Identifier: GPL-2.0
/*
 * toy_vmm - the workload of `make demo`: a "VMM" whose guest memory is a
 * memfd and whose "guest" writes to it all the time, across a live update.
 *
 *   toy_vmm run SESSION MIB
 *	Fill MIB MiB of guest memory, preserve it in SESSION (token 1, its
 *	bookkeeping as token 2), print "running" and keep writing, one page
 *	after the other, until the kexec stops it.
 *   toy_vmm resume SESSION
 *	In the next kernel: retrieve SESSION and both memfds, check every
 *	page against what was last written to it, write again, FINISH the
 *	session, and print what the workload saw: the time from its last
 *	write before the kexec to its first write after, measured with the
 *	TSC, which runs on through a kexec.
 *
 * Each milestone goes to /dev/kmsg as well, so that the console's host
 * timestamps place it among the kernel's messages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/liveupdate.h>

#include "liveupdate_util.h"

#define PAGE		4096UL
#define TOKEN_MEMORY	1
#define TOKEN_STATE	2
#define NO_PAGE		UINT64_MAX

/* The VMM's bookkeeping, in a memfd of its own. */
struct vmm_state {
	uint64_t pages;		/* pages of guest memory */
	uint64_t writing;	/* page being written, or NO_PAGE */
	uint64_t last_tsc;	/* TSC after the last completed write */
	uint64_t writes;	/* writes done */
	uint32_t gen[];		/* what each page last got */
};

#define say(...) say_and_log("toy_vmm", __VA_ARGS__)

#define die(...) do {				\
	fprintf(stderr, "toy_vmm: " __VA_ARGS__);	\
	fputc('\n', stderr);			\
	exit(1);				\
} while (0)

static void fill(uint64_t *w, uint64_t page, uint32_t gen)
{
	uint64_t seed = (page << 32 | gen) * 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	for (i = 0; i < PAGE / 8; i++)
		w[i] = seed ^ i;
}

static int same(const uint64_t *w, uint64_t page, uint32_t gen)
{
	uint64_t seed = (page << 32 | gen) * 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	for (i = 0; i < PAGE / 8; i++)
		if (w[i] != (seed ^ i))
			return 0;
	return 1;
}

static void *map(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	return p;
}

static size_t state_size(uint64_t pages)
{
	return (sizeof(struct vmm_state) + pages * sizeof(uint32_t) + PAGE - 1) &
	       ~(PAGE - 1);
}

/* One write of the guest: the next page gets the next generation. */
static void guest_write(struct vmm_state *st, char *mem, uint64_t page)
{
	__atomic_store_n(&st->writing, page, __ATOMIC_RELEASE);
	fill((uint64_t *)(mem + page * PAGE), page, st->gen[page] + 1);
	__atomic_store_n(&st->gen[page], st->gen[page] + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&st->writing, NO_PAGE, __ATOMIC_RELEASE);
	__atomic_store_n(&st->last_tsc, __rdtsc(), __ATOMIC_RELEASE);
	st->writes++;
}

static int cmd_run(const char *name, uint64_t mib)
{
	uint64_t pages = mib << 20 >> 12, page;
	struct vmm_state *st;
	int session, mem_fd, st_fd, err;
	char *mem;

	session = open_session(name, false);

	mem_fd = memfd_create("guest-memory", 0);
	st_fd = memfd_create("vmm-state", 0);
	if (mem_fd < 0 || st_fd < 0 || ftruncate(mem_fd, pages * PAGE) ||
	    ftruncate(st_fd, state_size(pages)))
		die("memfd: %s", strerror(errno));
	mem = map(mem_fd, pages * PAGE);
	st = map(st_fd, state_size(pages));
	st->pages = pages;
	st->writing = NO_PAGE;
	for (page = 0; page < pages; page++)
		guest_write(st, mem, page);

	err = session_preserve(session, mem_fd, TOKEN_MEMORY);
	if (!err)
		err = session_preserve(session, st_fd, TOKEN_STATE);
	if (err)
		die("preserve: %s", strerror(-err));
	say("running: %llu MiB of guest memory preserved in session %s",
	    (unsigned long long)mib, name);
	for (page = 0;; page = (page + 1) % pages)
		guest_write(st, mem, page);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* TSC ticks per second, against CLOCK_MONOTONIC over 200 ms. */
static double tsc_hz(void)
{
	double t0 = now(), t1;
	uint64_t c0 = __rdtsc();

	do
		t1 = now();
	while (t1 - t0 < 0.2);
	return (__rdtsc() - c0) / (t1 - t0);
}

static int cmd_resume(const char *name)
{
	uint64_t page, bad = 0, in_flight = NO_PAGE, first_tsc, last_tsc;
	uint64_t writes;
	double hz = tsc_hz(), t0, t_retrieved, t_checked;
	int session, mem_fd, st_fd, err;
	struct vmm_state *st;
	char *mem;

	t0 = now();
	session = open_session(name, true);
	mem_fd = session_retrieve(session, TOKEN_MEMORY);
	st_fd = session_retrieve(session, TOKEN_STATE);
	if (mem_fd < 0 || st_fd < 0)
		die("retrieve: %s", strerror(-(mem_fd < 0 ? mem_fd : st_fd)));
	t_retrieved = now();
	say("retrieved guest memory in %.1f ms", (t_retrieved - t0) * 1e3);

	st = map(st_fd, PAGE);
	page = st->pages;
	munmap(st, PAGE);
	st = map(st_fd, state_size(page));
	mem = map(mem_fd, st->pages * PAGE);
	/* The write the kexec cut short may have landed in part. */
	if (st->writing != NO_PAGE)
		in_flight = st->writing;
	for (page = 0; page < st->pages; page++)
		if (page != in_flight &&
		    !same((uint64_t *)(mem + page * PAGE), page, st->gen[page]))
			bad++;
	t_checked = now();
	last_tsc = st->last_tsc;
	writes = st->writes;
	guest_write(st, mem, in_flight != NO_PAGE ? in_flight : 0);
	first_tsc = st->last_tsc;

	err = session_finish(session);
	say("checked %llu pages in %.1f ms: %llu bad, %s; %llu writes before the update",
	    (unsigned long long)st->pages, (t_checked - t_retrieved) * 1e3,
	    (unsigned long long)bad,
	    in_flight == NO_PAGE ? "no write in flight" : "1 write in flight rewritten",
	    (unsigned long long)writes);
	say("blackout seen by the workload: %.1f ms from its last write before the kexec to its first write after (TSC at %.0f MHz)",
	    (first_tsc - last_tsc) / hz * 1e3, hz / 1e6);
	if (err)
		die("finish: %s", strerror(-err));
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "run"))
		return cmd_run(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "resume"))
		return cmd_resume(argv[2]);
	fprintf(stderr, "usage: toy_vmm run SESSION MIB | resume SESSION\n");
	return 2;
}
