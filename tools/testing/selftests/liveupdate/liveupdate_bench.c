// SPDX-License-Identifier: GPL-2.0
/*
 * liveupdate_bench - the memfd workload of `make bench`, written against
 * mainline's session ABI only, so that the same binary runs on this
 * series and on mainline (no PREPARE: the kexec freezes the sessions).
 *
 *   liveupdate_bench preserve CASE [SESSION TOKEN...]
 *	build the memfd of CASE, PRESERVE_FD it in session "bench" (timed),
 *	print "ready ..." and hold the session until the kexec. With more
 *	than one TOKEN, one memfd of CASE is preserved under each.
 *   liveupdate_bench retrieve CASE [SESSION TOKEN]
 *	in the next kernel: RETRIEVE_SESSION and RETRIEVE_FD (timed), check
 *	the stamp of every data page, FINISH (which releases the memfds
 *	of the session that were not retrieved).
 * SESSION and TOKEN default to "bench" and 1; the scenarios that damage a
 * memfd's handover on purpose run several at once.
 *
 * CASE is SIZE-KIND: SIZE in MiB of data, KIND 4k (4 KiB pages), frag
 * (4 KiB pages written after a churn that scatters free memory), thp
 * (MADV_HUGEPAGE), sparse (the data spread over a 64 GiB memfd) or
 * falloc (a file of twice SIZE, all of it fallocate()d over memory just
 * filled with a pattern and freed, plus 2 MiB past its end with
 * FALLOC_FL_KEEP_SIZE; data in every other page: the pages never written
 * must read back as zeroes).
 * Results go to stdout and /dev/kmsg as "bench: ..." lines.
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
#include <linux/liveupdate.h>

#include "liveupdate_util.h"

#define PAGE		4096UL
#define MIB		(1UL << 20)
#define SPARSE_SIZE	(64UL << 30)
#define STAMP		0x6c75626e6368ULL

#define die(...) do {					\
	fprintf(stderr, "liveupdate_bench: " __VA_ARGS__);	\
	fputc('\n', stderr);				\
	exit(1);					\
} while (0)

struct bench_case {
	unsigned long data;	/* bytes of data */
	unsigned long size;	/* bytes of file */
	char kind[16];
};

#define report(...) say_and_log("bench", __VA_ARGS__)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void parse_case(const char *arg, struct bench_case *c)
{
	unsigned long mib;

	if (sscanf(arg, "%lu-%15s", &mib, c->kind) != 2)
		die("bad case '%s'", arg);
	c->data = mib * MIB;
	c->size = c->data;
	if (!strcmp(c->kind, "sparse"))
		c->size = SPARSE_SIZE;
	else if (!strcmp(c->kind, "falloc"))
		c->size = 2 * c->data;
	else if (strcmp(c->kind, "4k") && strcmp(c->kind, "frag") &&
		 strcmp(c->kind, "thp"))
		die("bad kind '%s'", c->kind);
}

/* Data page @i of the case lies at this offset of the file. */
static unsigned long data_offset(const struct bench_case *c, unsigned long i)
{
	unsigned long per_run = MIB / PAGE, runs = c->data / MIB;

	if (c->size == c->data)
		return i * PAGE;
	if (!strcmp(c->kind, "falloc"))
		return 2 * i * PAGE;
	/* sparse: 1 MiB of data at the start of each of the runs slots */
	return (i / per_run) * (c->size / runs) + (i % per_run) * PAGE;
}

/* Scatter free memory: take twice @bytes in pages, give every other back. */
static void *churn(unsigned long bytes)
{
	unsigned long i, len = 2 * bytes;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("cannot scatter free memory: %s", strerror(errno));
	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
	for (i = 0; i < len; i += 2 * PAGE)
		madvise(p + i, PAGE, MADV_DONTNEED);
	return p;
}

/* Fill @bytes of memory with a pattern and free it, for others to take. */
static void leave_pattern(unsigned long bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("cannot fill memory: %s", strerror(errno));
	memset(p, 0xa5, bytes);
	munmap(p, bytes);
}

/* Pages of a falloc case never written that do not read as zeroes. */
static unsigned long unwritten_not_zero(const struct bench_case *c,
					const char *map)
{
	static const char zero[PAGE];
	unsigned long i, bad = 0;

	for (i = 0; i < c->data / PAGE; i++)
		if (memcmp(map + data_offset(c, i) + PAGE, zero, PAGE))
			bad++;
	return bad;
}

static const char *bench_session = "bench";
static unsigned long long bench_token = 1;

/*
 * The frame of the first data page, for tests that need to know where a
 * memfd's memory is (as root; nothing otherwise). Only after PRESERVE_FD:
 * until then a folio may move (out of KHO scratch, or by compaction).
 */
static void report_first_frame(const struct bench_case *c, const char *map,
			       unsigned long long token)
{
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	__u64 pfn = 0;

	if (pagemap >= 0) {
		pfn = pagemap_pfn(pagemap, map + data_offset(c, 0));
		close(pagemap);
	}
	if (pfn)
		report("token=%llu first_pfn=%#llx", token,
		       (unsigned long long)pfn);
}

/* A memfd of case @c, its data pages stamped, preserved under @token. */
static double preserve_one(int session, const struct bench_case *c,
			   unsigned long long token)
{
	unsigned long i, pages = c->data / PAGE;
	void *hole = NULL;
	double t0, t1;
	char *map;
	int fd, err;

	if (!strcmp(c->kind, "falloc"))
		leave_pattern(2 * c->size);
	fd = memfd_create("bench", 0);
	if (fd < 0 || ftruncate(fd, c->size))
		die("memfd: %s", strerror(errno));
	if (!strcmp(c->kind, "falloc") &&
	    (fallocate(fd, 0, 0, c->size) ||
	     fallocate(fd, FALLOC_FL_KEEP_SIZE, c->size, 2 * MIB)))
		die("fallocate: %s", strerror(errno));
	map = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	if (!strcmp(c->kind, "thp") && madvise(map, c->size, MADV_HUGEPAGE))
		die("madvise: %s", strerror(errno));
	if (!strcmp(c->kind, "frag"))
		hole = churn(c->data);
	for (i = 0; i < pages; i++)
		*(uint64_t *)(map + data_offset(c, i)) = STAMP ^ i;
	if (hole)
		munmap(hole, 2 * c->data);

	t0 = now_ms();
	err = session_preserve(session, fd, token);
	t1 = now_ms();
	if (err)
		die("preserve: %s", strerror(-err));
	/* Preserved: KHO holds the folios where they are now. */
	report_first_frame(c, map, token);
	munmap(map, c->size);
	close(fd);
	return t1 - t0;
}

static int cmd_preserve(const char *arg, char **more_tokens, int nr_more)
{
	struct bench_case c;
	double ms;
	int session, i;

	parse_case(arg, &c);
	session = open_session(bench_session, false);
	ms = preserve_one(session, &c, bench_token);
	for (i = 0; i < nr_more; i++)
		ms += preserve_one(session, &c,
				   strtoull(more_tokens[i], NULL, 0));
	report("case=%s preserve_ms=%.1f", arg, ms);
	printf("ready\n");
	fflush(stdout);
	/* The session lives as long as this process: until the kexec. */
	for (;;)
		pause();
	return 0;
}

static int cmd_retrieve(const char *arg)
{
	unsigned long i, pages, bad = 0;
	struct bench_case c;
	int session, fd;
	double t0, t1;
	char *map;

	parse_case(arg, &c);
	pages = c.data / PAGE;
	t0 = now_ms();
	session = open_session(bench_session, true);
	fd = session_retrieve(session, bench_token);
	t1 = now_ms();
	if (fd < 0)
		die("retrieve fd: %s", strerror(-fd));
	map = mmap(NULL, c.size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	for (i = 0; i < pages; i++)
		if (*(uint64_t *)(map + data_offset(&c, i)) != (STAMP ^ i))
			bad++;
	if (!strcmp(c.kind, "falloc"))
		bad += unwritten_not_zero(&c, map);
	if (session_finish(session))
		die("finish: %s", strerror(errno));
	report("case=%s retrieve_ms=%.1f bad=%lu", arg, t1 - t0, bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5) {
		bench_session = argv[3];
		bench_token = strtoull(argv[4], NULL, 0);
	}
	if ((argc == 3 || argc >= 5) && !strcmp(argv[1], "preserve"))
		return cmd_preserve(argv[2], argv + 5, argc > 5 ? argc - 5 : 0);
	if ((argc == 3 || argc == 5) && !strcmp(argv[1], "retrieve"))
		return cmd_retrieve(argv[2]);
	fprintf(stderr, "usage: liveupdate_bench preserve SIZE-KIND [SESSION TOKEN...]\n"
		"       liveupdate_bench retrieve SIZE-KIND [SESSION TOKEN]\n");
	return 2;
}
