// SPDX-License-Identifier: GPL-2.0
/*
 * memfd preservation through a live update session (mainline's ABI).
 *
 * Without arguments: the kselftest cases, which never kexec: every bad
 * file, token and state PRESERVE_FD refuses, the size of a preserved
 * memfd staying fixed, 1,000 memfds in a session and the limit, and
 * nothing leaked. They need root and a kernel booted with kho=on, in the
 * "normal" state.
 *
 * For the QEMU scenarios that kexec:
 *   liveupdate_memfd hold SESSION PROFILE
 *	create the memfds of PROFILE (small, big), fill them with a seeded
 *	pattern, preserve them in SESSION, write more, print "preserved";
 *	on SIGUSR1 (sent after PREPARE) write more again, record every
 *	page's frame in a manifest memfd (token 0, preserved too), print
 *	"ready" and wait for the kexec.
 *   liveupdate_memfd hog PERCENT
 *	take and write PERCENT of MemAvailable, print "hogging", and wait.
 *   liveupdate_memfd check SESSION PROFILE [relay]
 *	in the next kernel: retrieve the session and each memfd, check
 *	size, seals, position, holes, every byte, and that every page is
 *	in the same physical frame (and THP still THP), then FINISH; print
 *	the checks as KTAP. With relay, preserve them all again in a new
 *	session of the same name and hold it like "hold", so that the
 *	memfds go through another update.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "../kselftest_harness.h"
#include "liveupdate_util.h"

#define PAGE		4096UL
#define MIB		(1UL << 20)
#define GIB		(1UL << 30)
#define MANIFEST_SIZE	(32 * MIB)
#define MANIFEST_MAGIC	0x31304446444d554cULL	/* "LUMDFD01" */
#define KPF_THP		22
#define MEMFD_COMPAT	"memfd-luo-6.12-v2"
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

/*
 * One memfd of a profile: its data are @nr_runs runs of @run pages, one
 * every @stride pages; the rest is holes. A "live" memfd changes after
 * PRESERVE_FD (pages 1 mod 4, and a hole after run 0 is filled) and
 * again after PREPARE (pages 2 mod 4, and a hole after run 1).
 */
struct mfd_spec {
	__u64 token;
	const char *name;
	__u64 size;
	__u64 run, stride, nr_runs;
	unsigned int seals;
	bool thp;
	bool thp_past_eof;
	bool live;
};

static const struct mfd_spec small_profile[] = {
	{ 1, "4k", PAGE, 1, 1, 1 },
	{ 2, "1m-live", MIB, 256, 256, 1, .live = true },
	{ 3, "sparse-64g", 64 * GIB, 256, GIB / PAGE, 64, .live = true },
	{ 4, "thp-8m", 8 * MIB, 2048, 2048, 1, .thp = true },
	{ 5, "seal-seal", 64 * 1024, 16, 16, 1, F_SEAL_SEAL },
	{ 6, "seal-shrink", 64 * 1024, 16, 16, 1, F_SEAL_SHRINK },
	{ 7, "seal-grow", 64 * 1024, 16, 16, 1, F_SEAL_GROW },
	{ 8, "seal-write", 64 * 1024, 16, 16, 1, F_SEAL_WRITE },
	{ 9, "seal-future-write", 64 * 1024, 16, 16, 1, F_SEAL_FUTURE_WRITE },
	{ 10, "seal-exec", 64 * 1024, 16, 16, 1, F_SEAL_EXEC },
	/* Its second huge folio reaches 1 MiB past the end of the file. */
	{ 13, "thp-past-eof-3m", 3 * MIB, 768, 768, 1, .thp = true,
	  .thp_past_eof = true },
	{ 0 }
};

static const struct mfd_spec big_profile[] = {
	{ 11, "256m", 256 * MIB, 65536, 65536, 1 },
	{ 12, "1g", GIB, 262144, 262144, 1 },
	{ 0 }
};

struct manifest_rec {
	__u64 token;
	__u64 index;
	__u64 pfn;
};

#define MAX_TOKEN	16

struct manifest {
	__u64 magic;
	__u64 nr;
	__u32 seals[MAX_TOKEN];	/* F_GET_SEALS before the update, by token */
	struct manifest_rec rec[];
};

static const struct mfd_spec *profile(const char *name)
{
	if (!strcmp(name, "small"))
		return small_profile;
	if (!strcmp(name, "big"))
		return big_profile;
	return NULL;
}

/* The pages a live memfd gains after PRESERVE_FD (gen 2) or PREPARE (3). */
static __u64 extra_page(const struct mfd_spec *s, int gen)
{
	return (gen - 2) * s->stride + s->run + 2;
}

static bool has_extra(const struct mfd_spec *s, int gen)
{
	return s->live && s->nr_runs > gen - 2 &&
	       extra_page(s, gen) < s->size / PAGE &&
	       extra_page(s, gen) % s->stride >= s->run;
}

/* Which generation of the pattern page @idx holds at the end; 0: hole. */
static int page_gen(const struct mfd_spec *s, __u64 idx)
{
	int gen;

	for (gen = 2; gen <= 3; gen++)
		if (has_extra(s, gen) && idx == extra_page(s, gen))
			return gen;
	if (idx / s->stride >= s->nr_runs || idx % s->stride >= s->run)
		return 0;
	if (s->live && idx % 4 == 1)
		return 2;
	if (s->live && idx % 4 == 2)
		return 3;
	return 1;
}

static __u64 mix(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void fill_page(void *p, __u64 token, __u64 idx, int gen)
{
	__u64 *w = p, seed = mix(token << 40 ^ idx << 4 ^ gen);
	unsigned int i;

	for (i = 0; i < PAGE / 8; i++)
		w[i] = seed + i;
}

static bool page_ok(const void *p, __u64 token, __u64 idx, int gen)
{
	const __u64 *w = p;
	__u64 seed = mix(token << 40 ^ idx << 4 ^ gen);
	unsigned int i;

	for (i = 0; i < PAGE / 8; i++)
		if (w[i] != seed + i)
			return false;
	return true;
}

static bool pfn_is_thp(int kpageflags, __u64 pfn)
{
	__u64 flags;

	if (pread(kpageflags, &flags, sizeof(flags), pfn * sizeof(flags)) !=
	    sizeof(flags))
		return false;
	return flags >> KPF_THP & 1;
}

/*
 * Generation 1 writes every page of the runs; 2 and 3 write over the
 * pages that end up theirs, and fill one hole each.
 */
static void write_gen(const struct mfd_spec *s, char *map, int gen)
{
	__u64 r, i;

	for (r = 0; r < s->nr_runs; r++)
		for (i = r * s->stride; i < r * s->stride + s->run; i++)
			if (gen == 1 || page_gen(s, i) == gen)
				fill_page(map + i * PAGE, s->token, i, gen);
	if (gen > 1 && has_extra(s, gen))
		fill_page(map + extra_page(s, gen) * PAGE, s->token,
			  extra_page(s, gen), gen);
}

#define die(...) do {				\
	fprintf(stderr, __VA_ARGS__);		\
	fputc('\n', stderr);			\
	exit(1);				\
} while (0)

/* ---- kexec scenarios ---------------------------------------------- */

struct held {
	const struct mfd_spec *spec;
	int fd;
	char *map;
};

static int nr_specs(const struct mfd_spec *specs)
{
	int n = 0;

	while (specs[n].name)
		n++;
	return n;
}

static void *map_memfd(int fd, __u64 size)
{
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (map == MAP_FAILED)
		map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	return map;
}

static unsigned long touched;

/* Record the frame of every data page, mapping it first. */
static void write_manifest(struct held *h, int n, struct manifest *m)
{
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	__u64 max = (MANIFEST_SIZE - sizeof(*m)) / sizeof(m->rec[0]);
	__u64 i, nr = 0;
	int k;

	if (pagemap < 0)
		die("pagemap: %s", strerror(errno));
	for (k = 0; k < n; k++) {
		const struct mfd_spec *s = h[k].spec;

		for (i = 0; i < s->size / PAGE; i++) {
			char *p = h[k].map + i * PAGE;

			if (!page_gen(s, i))
				continue;
			if (nr == max)
				die("manifest full");
			/* Map it, without faulting in a hole. */
			touched += *(unsigned char *)p;
			m->rec[nr].token = s->token;
			m->rec[nr].index = i;
			m->rec[nr].pfn = pagemap_pfn(pagemap, p);
			if (!m->rec[nr].pfn)
				die("%s: no frame for page %llu", s->name, i);
			nr++;
			/* Skip holes quickly in sparse files. */
			if (i % s->stride == s->run - 1 && !s->live)
				i = (i / s->stride + 1) * s->stride - 1;
		}
	}
	for (k = 0; k < n; k++)
		m->seals[h[k].spec->token] = fcntl(h[k].fd, F_GET_SEALS);
	m->nr = nr;
	m->magic = MANIFEST_MAGIC;
	close(pagemap);
}

static void wait_usr1(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigwait(&set, &sig);
}

static void preserve_or_die(int session, int fd, __u64 token)
{
	int err = session_preserve(session, fd, token);

	if (err)
		die("preserve token %llu: %s", token, strerror(-err));
}

#define SHMEM_ENABLED	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"

static void set_shmem_enabled(const char *mode)
{
	int fd = open(SHMEM_ENABLED, O_WRONLY);

	if (fd < 0 || write(fd, mode, strlen(mode)) != (ssize_t)strlen(mode))
		die("%s: %s", SHMEM_ENABLED, strerror(errno));
	close(fd);
}

/*
 * Only write(2) with shmem_enabled=always gives a huge folio that reaches
 * past the end of the file (a fault stays inside the mapping).
 */
static void write_past_eof(const struct mfd_spec *s, int fd)
{
	char page[PAGE];
	__u64 i;

	set_shmem_enabled("always");
	for (i = 0; i < s->run; i++) {
		fill_page(page, s->token, i, 1);
		if (pwrite(fd, page, PAGE, i * PAGE) != PAGE)
			die("%s: pwrite: %s", s->name, strerror(errno));
	}
	set_shmem_enabled("advise");
}

/* Create, fill and preserve the memfds; then hold them until the kexec. */
static int cmd_hold(const char *name, const struct mfd_spec *specs)
{
	int n = nr_specs(specs), session, mfd, k, kpf;
	struct held *h = calloc(n, sizeof(*h));
	struct manifest *m;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	session = open_session(name, false);
	kpf = open("/proc/kpageflags", O_RDONLY);

	for (k = 0; k < n; k++) {
		const struct mfd_spec *s = &specs[k];

		h[k].spec = s;
		h[k].fd = memfd_create(s->name, MFD_ALLOW_SEALING);
		if (h[k].fd < 0 || ftruncate(h[k].fd, s->size))
			die("%s: %s", s->name, strerror(errno));
		h[k].map = map_memfd(h[k].fd, s->size);
		if (s->thp && madvise(h[k].map, s->size, MADV_HUGEPAGE))
			die("%s: madvise: %s", s->name, strerror(errno));
		if (s->thp_past_eof)
			write_past_eof(s, h[k].fd);
		else
			write_gen(s, h[k].map, 1);
		if (s->thp) {
			int pm = open("/proc/self/pagemap", O_RDONLY);
			char *last = h[k].map + s->size - PAGE;

			/* Map them (written with pwrite(), they may not be). */
			touched += *h[k].map + *last;
			if (!pfn_is_thp(kpf, pagemap_pfn(pm, h[k].map)) ||
			    !pfn_is_thp(kpf, pagemap_pfn(pm, last)))
				die("%s: no THP before the update", s->name);
			close(pm);
		}
		if (lseek(h[k].fd, s->token * 100, SEEK_SET) < 0)
			die("lseek: %s", strerror(errno));
		if (s->seals) {
			/* F_SEAL_WRITE wants no writable mapping. */
			munmap(h[k].map, s->size);
			if (fcntl(h[k].fd, F_ADD_SEALS, s->seals))
				die("%s: seal: %s", s->name, strerror(errno));
			h[k].map = map_memfd(h[k].fd, s->size);
		}
		preserve_or_die(session, h[k].fd, s->token);
	}
	mfd = memfd_create("manifest", 0);
	if (mfd < 0 || ftruncate(mfd, MANIFEST_SIZE))
		die("manifest: %s", strerror(errno));
	m = map_memfd(mfd, MANIFEST_SIZE);
	preserve_or_die(session, mfd, 0);

	/* The VM keeps running: these land in the next kernel too. */
	for (k = 0; k < n; k++)
		write_gen(&specs[k], h[k].map, 2);
	printf("preserved\n");
	fflush(stdout);
	wait_usr1();
	for (k = 0; k < n; k++)
		write_gen(&specs[k], h[k].map, 3);
	write_manifest(h, n, m);
	printf("ready %llu pages\n", m->nr);
	fflush(stdout);
	for (;;)
		pause();
}

static int ktap_n, ktap_failed;
static char ktap_buf[1 << 16];
static size_t ktap_len;

static void ktap(bool ok, const char *fmt, ...)
{
	va_list ap;

	ktap_len += snprintf(ktap_buf + ktap_len, sizeof(ktap_buf) - ktap_len,
			     "%sok %d ", ok ? "" : "not ", ++ktap_n);
	va_start(ap, fmt);
	ktap_len += vsnprintf(ktap_buf + ktap_len,
			      sizeof(ktap_buf) - ktap_len, fmt, ap);
	va_end(ap);
	ktap_len += snprintf(ktap_buf + ktap_len, sizeof(ktap_buf) - ktap_len,
			     "\n");
	ktap_failed += !ok;
}

/* SEEK_DATA/SEEK_HOLE give exactly the data runs the spec has. */
static bool holes_ok(const struct mfd_spec *s, int fd, __u64 *data_pages)
{
	off_t pos = 0, data, hole;
	__u64 i, want, pages = 0;

	for (;;) {
		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return false;
		for (i = data / PAGE; i < hole / PAGE; i++)
			if (!page_gen(s, i))
				return false;
		if (data / PAGE && page_gen(s, data / PAGE - 1))
			return false;
		if (hole / PAGE < s->size / PAGE && page_gen(s, hole / PAGE))
			return false;
		pages += (hole - data) / PAGE;
		pos = hole;
	}
	want = 0;
	for (i = 0; i < s->nr_runs; i++)
		want += s->run;
	want += has_extra(s, 2) + has_extra(s, 3);
	*data_pages = pages;
	return errno == ENXIO && pages == want;
}

static void check_one(const struct mfd_spec *s, int fd,
		      const struct manifest *m, int pagemap, int kpf)
{
	__u64 i, r, bad = 0, moved = 0, notthp = 0, pages = 0;
	struct stat st;
	char link[64], path[64];
	char *map;

	ktap((fcntl(fd, F_GETFD) & FD_CLOEXEC) &&
	     (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR,
	     "%s_cloexec_rdwr", s->name);
	ktap(!fstat(fd, &st) && st.st_size == (off_t)s->size, "%s_size",
	     s->name);
	/* F_SEAL_EXEC on an executable memfd adds the write seals. */
	ktap(fcntl(fd, F_GET_SEALS) == (int)m->seals[s->token] &&
	     (m->seals[s->token] & s->seals) == s->seals, "%s_seals", s->name);
	ktap(lseek(fd, 0, SEEK_CUR) == (off_t)(s->token * 100), "%s_position",
	     s->name);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(link, 0, sizeof(link));
	ktap(readlink(path, link, sizeof(link) - 1) > 0 &&
	     !strcmp(link, "/memfd: (deleted)"), "%s_name_empty", s->name);
	/* Huge folios count whole, also the part past the end of file. */
	ktap(holes_ok(s, fd, &pages) &&
	     (__u64)st.st_blocks * 512 ==
	     (s->thp ? (pages * PAGE + 2 * MIB - 1) / (2 * MIB) * 2 * MIB :
		       pages * PAGE), "%s_holes_kept", s->name);
	/* SEEK_DATA moved it: as it was, for the next update. */
	lseek(fd, s->token * 100, SEEK_SET);

	map = map_memfd(fd, s->size);
	for (r = 0; r < m->nr; r++) {
		const struct manifest_rec *rec = &m->rec[r];

		if (rec->token != s->token)
			continue;
		i = rec->index;
		if (!page_ok(map + i * PAGE, s->token, i, page_gen(s, i)))
			bad++;
		if (pagemap_pfn(pagemap, map + i * PAGE) != rec->pfn)
			moved++;
		if (s->thp && !pfn_is_thp(kpf, rec->pfn))
			notthp++;
	}
	ktap(!bad, "%s_contents # %llu bad pages", s->name, bad);
	ktap(!moved, "%s_same_frames # %llu moved", s->name, moved);
	if (s->thp)
		ktap(!notthp, "%s_still_thp # %llu pages not THP", s->name,
		     notthp);
	munmap(map, s->size);
}

/*
 * RETRIEVE_FD with its argument in a read-only page: the kernel reads the
 * request but cannot answer it, so the fd never reaches user space.
 */
static int session_retrieve_unanswered(int session, __u64 token)
{
	long page = sysconf(_SC_PAGESIZE);
	struct liveupdate_session_retrieve_fd *arg;
	int ret;

	arg = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arg == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	arg->size = sizeof(*arg);
	arg->token = token;
	if (mprotect(arg, page, PROT_READ))
		die("mprotect: %s", strerror(errno));
	ret = ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, arg) ? -errno : 0;
	munmap(arg, page);
	return ret;
}

static int cmd_check(const char *name, const struct mfd_spec *specs,
		     bool relay)
{
	int n = nr_specs(specs), dev, session, mfd, k, pagemap, kpf, fd;
	int *fds = calloc(n, sizeof(int));
	struct manifest *m;
	__u64 pages = 0;

	dev = open(LUO_DEV, O_RDWR);
	if (dev < 0)
		die("%s: %s", LUO_DEV, strerror(errno));
	session = retrieve_session(dev, name);
	if (session < 0)
		die("retrieve %s: %s", name, strerror(-session));
	mfd = session_retrieve(session, 0);
	if (mfd < 0)
		die("retrieve the manifest: %s", strerror(-mfd));
	m = map_memfd(mfd, MANIFEST_SIZE);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	kpf = open("/proc/kpageflags", O_RDONLY);
	ktap(m->magic == MANIFEST_MAGIC, "manifest_intact # %llu pages",
	     m->nr);
	for (k = 0; k < n; k++) {
		/*
		 * The last file's fd first fails to reach us; closing the
		 * session then must keep it, as a crash would, for the next
		 * try.
		 */
		if (k == n - 1) {
			ktap(session_retrieve_unanswered(session,
							 specs[k].token) == -EFAULT,
			     "unanswered_retrieve_efault");
			close(session);
			session = retrieve_session(dev, name);
			ktap(session >= 0, "unanswered_file_kept_after_close");
			if (session < 0)
				die("retrieve %s again: %s", name,
				    strerror(-session));
		}
		fds[k] = session_retrieve(session, specs[k].token);
		ktap(fds[k] >= 0, "%s_retrieved", specs[k].name);
		if (fds[k] < 0)
			continue;
		check_one(&specs[k], fds[k], m, pagemap, kpf);
		pages += specs[k].size;
	}
	ktap(session_retrieve(session, specs[0].token) == -EINVAL,
	     "retrieve_twice_refused");
	ktap(session_retrieve(session, 999999) == -ENOENT,
	     "unknown_token_refused");
	ktap(session_finish(session) == 0, "session_finish");
	ktap(session_retrieve(session, 999999) == -EINVAL,
	     "retrieve_after_finish_refused");

	/* An ordinary memfd now: write, read back, truncate; then undo. */
	fd = fds[0];
	if (fd >= 0) {
		char buf[8] = "written", back[8] = "", old[8];

		ktap(pread(fd, old, sizeof(old), 0) == sizeof(old) &&
		     pwrite(fd, buf, sizeof(buf), 0) == sizeof(buf) &&
		     pread(fd, back, sizeof(back), 0) == sizeof(back) &&
		     !memcmp(buf, back, sizeof(buf)) &&
		     pwrite(fd, old, sizeof(old), 0) == sizeof(old) &&
		     !ftruncate(fd, specs[0].size * 2) &&
		     !ftruncate(fd, specs[0].size),
		     "ordinary_memfd_after_finish");
	}

	printf("TAP version 13\n1..%d\n%s", ktap_n, ktap_buf);
	fflush(stdout);
	if (!relay)
		return ktap_failed ? 1 : 0;
	if (ktap_failed)
		return 1;

	/* Another update: the same files in a new session of the name. */
	close(session);
	session = create_session(dev, name);
	if (session < 0)
		die("create %s again: %s", name, strerror(-session));
	close(dev);
	for (k = 0; k < n; k++)
		preserve_or_die(session, fds[k], specs[k].token);
	preserve_or_die(session, mfd, 0);
	printf("# preserved again, ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* ---- kselftest cases, no kexec ------------------------------------- */

/* Pages KHO has preserved for the next kernel (its outgoing stats). */
static long kho_out_pages(void)
{
	FILE *f = fopen("/sys/kernel/debug/kho/out/stats", "r");
	long pages = 0, n;
	unsigned int order;
	char line[128];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "order%u=%ld", &order, &n) == 2)
			pages += n << order;
	fclose(f);
	return pages;
}

static int new_memfd(__u64 size, unsigned int flags)
{
	int fd = memfd_create("test", flags);
	char *map;

	if (fd < 0 || ftruncate(fd, size))
		return -1;
	map = mmap(NULL, size, PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	memset(map, 0x5a, size);
	munmap(map, size);
	return fd;
}

FIXTURE(memfd) {
	int dev;
	int session;
	long kho_pages;
};

FIXTURE_SETUP(memfd)
{
	self->dev = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", LUO_DEV, strerror(errno));
	ASSERT_EQ(LIVEUPDATE_STATE_NORMAL, luo_get_state(self->dev));
	self->session = create_session(self->dev, "memfd-test");
	ASSERT_LE(0, self->session);
	self->kho_pages = kho_out_pages();
	ASSERT_LE(0, self->kho_pages);
}

FIXTURE_TEARDOWN(memfd)
{
	close(self->session);
	/* Closing the session unpreserved everything it held. */
	EXPECT_EQ(self->kho_pages, kho_out_pages());
	close(self->dev);
}

TEST_F(memfd, preserve_counts_in_kho)
{
	int fd = new_memfd(MIB, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, session_preserve(self->session, fd, 1));
	EXPECT_EQ(self->kho_pages + 256, kho_out_pages());
	/* Closing our fd does not matter: LUO holds the file. */
	close(fd);
	EXPECT_EQ(self->kho_pages + 256, kho_out_pages());
}

TEST_F(memfd, bad_files)
{
	int pipefd[2], sock, fd, tmpfd;

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-ENOENT, session_preserve(self->session, pipefd[0], 1));
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, sock);
	EXPECT_EQ(-ENOENT, session_preserve(self->session, sock, 2));
	/* A file on a mounted tmpfs is shmem, but not a memfd. */
	mkdir("/tmp/luo-tmpfs", 0700);
	ASSERT_EQ(0, mount("none", "/tmp/luo-tmpfs", "tmpfs", 0, NULL));
	tmpfd = open("/tmp/luo-tmpfs/file", O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, tmpfd);
	ASSERT_EQ(4, write(tmpfd, "data", 4));
	EXPECT_EQ(-ENOENT, session_preserve(self->session, tmpfd, 3));
	close(tmpfd);
	umount("/tmp/luo-tmpfs");
	fd = open("/proc/self/status", O_RDONLY);
	EXPECT_EQ(-ENOENT, session_preserve(self->session, fd, 4));
	close(fd);
	/* An fd that was closed. */
	EXPECT_EQ(-EBADF, session_preserve(self->session, pipefd[1] + 100, 5));
	close(pipefd[0]);
	EXPECT_EQ(-EBADF, session_preserve(self->session, pipefd[0], 6));
	close(pipefd[1]);
	close(sock);
	/* hugetlbfs: no handler takes it (if this kernel has hugetlbfs). */
	fd = memfd_create("huge", MFD_HUGETLB);
	if (fd < 0) {
		TH_LOG("no hugetlbfs memfd: %s", strerror(errno));
	} else {
		EXPECT_EQ(-ENOENT, session_preserve(self->session, fd, 7));
		close(fd);
	}
}

TEST_F(memfd, tokens_and_files_once)
{
	int fd = new_memfd(64 * 1024, 0), fd2 = new_memfd(PAGE, 0);
	int other, reopened;
	char path[64];

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, session_preserve(self->session, fd, 7));
	EXPECT_EQ(-EEXIST, session_preserve(self->session, fd2, 7));
	EXPECT_EQ(-EBUSY, session_preserve(self->session, fd, 8));
	EXPECT_EQ(-EBUSY, session_preserve(self->session, dup(fd), 9));
	other = create_session(self->dev, "memfd-other");
	ASSERT_LE(0, other);
	EXPECT_EQ(-EBUSY, session_preserve(other, fd, 7));
	/* Another open file of the same memfd. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	reopened = open(path, O_RDWR);
	ASSERT_LE(0, reopened);
	EXPECT_EQ(-EBUSY, session_preserve(other, reopened, 1));
	EXPECT_EQ(0, session_preserve(other, fd2, 7));
	close(other);
	close(reopened);
	close(fd);
	close(fd2);
}

TEST_F(memfd, size_is_pinned)
{
	int fd = new_memfd(MIB, 0);
	char buf[PAGE] = "inside";

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, session_preserve(self->session, fd, 1));
	EXPECT_EQ(-1, ftruncate(fd, MIB / 2));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(fd, 2 * MIB));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, PAGE));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, PAGE));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, pwrite(fd, buf, PAGE, MIB - 1));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ((ssize_t)PAGE, pwrite(fd, buf, PAGE, MIB - PAGE));
	/* Unpreserved with its session: the size is free again. */
	close(self->session);
	self->session = create_session(self->dev, "memfd-test");
	ASSERT_LE(0, self->session);
	EXPECT_EQ(0, ftruncate(fd, 2 * MIB));
	EXPECT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, PAGE));
	close(fd);
}

/*
 * Reclaim leaves a preserved file's folios alone, even a clean one (a hole
 * only read after PRESERVE_FD): had it dropped it, shmem's count of the
 * file's pages would fall and could hide a hole filled meanwhile from the
 * next catch-up. Once unpreserved, the same page is reclaimed again.
 */
static int paged_out_resident(const char *map, size_t len, size_t at)
{
	unsigned char vec;

	if (madvise((void *)map, len, MADV_PAGEOUT) ||
	    mincore((void *)(map + at), PAGE, &vec))
		return -errno;
	return vec & 1;
}

TEST_F(memfd, folios_kept_off_reclaim)
{
	int fd = memfd_create("clean", 0);
	char *map;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4 * PAGE));
	ASSERT_EQ(0, session_preserve(self->session, fd, 1));
	map = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	/* A read fault, which the compiler may not leave out. */
	EXPECT_EQ(0, __atomic_load_n(&map[PAGE], __ATOMIC_RELAXED));
	EXPECT_EQ(1, paged_out_resident(map, 4 * PAGE, PAGE));
	close(self->session);
	self->session = create_session(self->dev, "memfd-test");
	ASSERT_LE(0, self->session);
	EXPECT_EQ(0, __atomic_load_n(&map[2 * PAGE], __ATOMIC_RELAXED));
	EXPECT_EQ(0, paged_out_resident(map, 4 * PAGE, 2 * PAGE));
	munmap(map, 4 * PAGE);
	close(fd);
}

TEST_F(memfd, prepared_session_is_fixed)
{
	int fd = new_memfd(PAGE, 0), fd2 = new_memfd(PAGE, 0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, session_preserve(self->session, fd, 1));
	ASSERT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_PREPARE));
	EXPECT_EQ(-EBUSY, session_preserve(self->session, fd2, 2));
	ASSERT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_FREEZE));
	EXPECT_EQ(-EBUSY, session_preserve(self->session, fd2, 2));
	ASSERT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_CANCEL));
	/* Back to before PREPARE: fd is still preserved, fd2 can be. */
	EXPECT_EQ(-EBUSY, session_preserve(self->session, fd, 3));
	EXPECT_EQ(0, session_preserve(self->session, fd2, 2));
	EXPECT_EQ(self->kho_pages + 2, kho_out_pages());
	close(fd);
	close(fd2);
}

TEST_F(memfd, closing_prepared_session_unpreserves)
{
	int fd = new_memfd(MIB, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, session_preserve(self->session, fd, 1));
	ASSERT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_PREPARE));
	ASSERT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_FREEZE));
	close(self->session);
	/* Still frozen, with LUO's own tree preserved, but not the memfd. */
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_CANCEL));
	EXPECT_EQ(self->kho_pages, kho_out_pages());
	EXPECT_EQ(0, ftruncate(fd, 0));
	self->session = create_session(self->dev, "memfd-test");
	ASSERT_LE(0, self->session);
	close(fd);
}

TEST_F(memfd, sysfs_lists_files)
{
	int fd = new_memfd(MIB, 0);
	char want[128], got[4096] = "";
	FILE *f;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, session_preserve(self->session, fd, 42));
	f = fopen("/sys/kernel/liveupdate/files", "r");
	ASSERT_NE(NULL, f);
	EXPECT_LT(0, fread(got, 1, sizeof(got) - 1, f));
	fclose(f);
	snprintf(want, sizeof(want), "memfd-test 42 %s %lu\n", MEMFD_COMPAT,
		 MIB);
	EXPECT_STREQ(want, got);
	close(fd);
}

/* 1,000 memfds in one session, then the limit of 4096 files. */
TEST_F(memfd, many)
{
	struct rlimit nofile = { 8192, 8192 };
	int i, fd, err = 0;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	for (i = 0; i < 4097; i++) {
		fd = new_memfd(PAGE, 0);
		ASSERT_LE(0, fd) TH_LOG("memfd %d: %s", i, strerror(errno));
		err = session_preserve(self->session, fd, i);
		close(fd);
		if (err)
			break;
		if (i == 999)
			EXPECT_EQ(self->kho_pages + 1000, kho_out_pages());
	}
	EXPECT_EQ(4096, i);
	EXPECT_EQ(-ENOSPC, err);
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_PREPARE));
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_FREEZE));
	EXPECT_EQ(0, luo_event(self->dev, LIVEUPDATE_EVENT_CANCEL));
}

/* Take and write @percent of MemAvailable, then wait to be killed. */
static int cmd_hog(unsigned int percent)
{
	unsigned long long kib = 0;
	char line[128];
	size_t size, i;
	FILE *f;
	char *p;

	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	if (!kib)
		die("no MemAvailable");
	size = kib * 1024 / 100 * percent;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("hog: %s", strerror(errno));
	for (i = 0; i < size; i += PAGE)
		p[i] = (char)i | 1;
	printf("hogging %zu MiB of %llu MiB available\n", size >> 20,
	       kib >> 10);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hog"))
		return cmd_hog(atoi(argv[2]));
	const struct mfd_spec *specs = argc > 3 ? profile(argv[3]) : NULL;

	if (argc > 1 && !strcmp(argv[1], "hold")) {
		if (!specs)
			die("usage: %s hold SESSION small|big", argv[0]);
		return cmd_hold(argv[2], specs);
	}
	if (argc > 1 && !strcmp(argv[1], "check")) {
		if (!specs)
			die("usage: %s check SESSION small|big [relay]", argv[0]);
		return cmd_check(argv[2], specs,
				 argc > 4 && !strcmp(argv[4], "relay"));
	}
	return test_harness_run(argc, argv);
}
