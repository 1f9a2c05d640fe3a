// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver (KHO): hand memory and metadata to the next kernel.
 *
 * DOC: KHO core
 *
 * A kernel that is replaced with kexec normally loses all of its memory:
 * the next kernel sees every page as free. KHO lets the outgoing kernel
 * name folios whose content must survive, and a tree of metadata (an FDT)
 * that tells their owners where to find them again.
 *
 * The difficulty is the window between the jump into the next kernel and
 * the moment that kernel knows which pages are preserved: everything it
 * allocates in that window could land on a preserved page. KHO closes the
 * window with "scratch" memory. Each kernel that has KHO enabled sets aside
 * scratch at boot (CMA, so that movable allocations can still use it), and
 * never lets a preserved folio live there. kexec_file_load() places every
 * segment of the next kernel inside scratch, KASLR chooses only inside
 * scratch, and the next kernel restricts memblock to scratch until it has
 * reserved every preserved range. Only then does early boot go on as
 * usual; the preserved pages stay reserved until their owner restores them
 * (kho_restore_folio(), kho_restore_phys()) or kho_release_unclaimed()
 * returns the leftovers to the page allocator.
 *
 * Outgoing state is kept as one bitmap per folio order (see
 * &struct kho_tracker); kho_kexec_finalize() turns it into a sorted list
 * of runs of same-order folios, written to a few physically contiguous
 * chunks. The incoming kernel checks the whole handover before it trusts
 * any of it: a handover that fails any check is ignored as a whole.
 *
 * Locking: kho_out_lock serializes everything on the outgoing side (the
 * tracker, the published client trees, finalization and the fault
 * injection mode). kho_in_lock serializes restoring and releasing incoming
 * memory. Early boot code runs single-threaded and takes no locks.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/crash_dump.h>
#include <linux/crc32.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kmemleak.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/page-isolation.h>
#include <linux/pgalloc_tag.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <kunit/visibility.h>
#include <asm/early_ioremap.h>
#ifdef CONFIG_X86_TSC
#include <asm/tsc.h>
#endif

#include "../../mm/internal.h"
#include "kho_internal.h"

/* Early mappings of preserved data are made in pieces of at most this. */
#define KHO_MAP_WINDOW		SZ_64K

/*
 * Folios are checked to be System RAM by aligned windows of this size: one
 * resource tree walk per window instead of one per folio.
 */
#define KHO_RAM_WINDOW		SZ_128M

/* Most map chunks a root FDT of %KHO_FDT_SIZE bytes can list. */
#define KHO_MAX_CHUNKS		(KHO_FDT_SIZE / (2 * sizeof(u64)))

/* Longest client name (an FDT node name) accepted by kho_publish_fdt(). */
#define KHO_NAME_MAX		63

/* ------------------------------------------------------------------ */
/* Pure helpers: tracker, serialization and checks (KUnit-tested)      */
/* ------------------------------------------------------------------ */

/**
 * kho_tracker_init() - prepare an empty tracker
 * @t: the tracker
 */
void kho_tracker_init(struct kho_tracker *t)
{
	unsigned int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		xa_init(&t->bitmaps[o]);
		t->nr_folios[o] = 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_init);

/**
 * kho_tracker_destroy() - free all memory of a tracker
 * @t: the tracker; it is empty afterwards and must be initialized again
 *	before reuse
 */
void kho_tracker_destroy(struct kho_tracker *t)
{
	unsigned long key;
	unsigned int o;
	void *bm;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		xa_for_each(&t->bitmaps[o], key, bm)
			kfree(bm);
		xa_destroy(&t->bitmaps[o]);
		t->nr_folios[o] = 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_destroy);

/* Largest naturally aligned block at @pfn that ends at or before @end. */
static unsigned int kho_block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));
	return min_t(unsigned int, order, MAX_PAGE_ORDER);
}

/* True if any of folios [first, first + nr) of one order is tracked. */
static bool kho_bm_any(struct xarray *xa, unsigned long first,
		       unsigned long nr)
{
	while (nr) {
		unsigned long key = first / KHO_BM_BITS;
		unsigned long bit = first % KHO_BM_BITS;
		unsigned long n = min(nr, KHO_BM_BITS - bit);
		unsigned long *bm = xa_load(xa, key);

		if (bm && find_next_bit(bm, bit + n, bit) < bit + n)
			return true;
		first += n;
		nr -= n;
	}
	return false;
}

static bool kho_tracker_has(struct kho_tracker *t, unsigned long pfn,
			    unsigned int order)
{
	return kho_bm_any(&t->bitmaps[order], pfn >> order, 1);
}

/**
 * kho_tracker_add() - record a folio as preserved
 * @t: the tracker
 * @pfn: first page frame of the folio, aligned to 2^@order
 * @order: folio order
 *
 * Return: 0 on success; -EINVAL for a bad order or alignment; -EEXIST if
 * any page of the folio is already tracked (in any order); -ENOMEM.
 */
int kho_tracker_add(struct kho_tracker *t, unsigned long pfn,
		    unsigned int order)
{
	struct xarray *xa;
	unsigned long idx, *bm;
	unsigned int o;
	int err;

	if (order > MAX_PAGE_ORDER || !IS_ALIGNED(pfn, 1UL << order))
		return -EINVAL;

	/*
	 * Refuse overlaps here, so that the serialized map is always free
	 * of them: the next kernel rejects a map with an overlap as a whole.
	 */
	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long nr = o < order ? 1UL << (order - o) : 1;

		if (kho_bm_any(&t->bitmaps[o], pfn >> o, nr))
			return -EEXIST;
	}

	xa = &t->bitmaps[order];
	idx = pfn >> order;
	bm = xa_load(xa, idx / KHO_BM_BITS);
	if (!bm) {
		bm = kzalloc(PAGE_SIZE, GFP_KERNEL);
		if (!bm)
			return -ENOMEM;
		err = xa_err(xa_store(xa, idx / KHO_BM_BITS, bm, GFP_KERNEL));
		if (err) {
			kfree(bm);
			return err;
		}
	}
	__set_bit(idx % KHO_BM_BITS, bm);
	t->nr_folios[order]++;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_add);

/**
 * kho_tracker_remove() - forget a preserved folio
 * @t: the tracker
 * @pfn: first page frame of the folio
 * @order: folio order it was added with
 *
 * Return: 0 on success, -ENOENT if exactly this folio is not tracked,
 * -EINVAL for a bad order.
 */
int kho_tracker_remove(struct kho_tracker *t, unsigned long pfn,
		       unsigned int order)
{
	unsigned long idx, *bm;

	if (order > MAX_PAGE_ORDER || !IS_ALIGNED(pfn, 1UL << order))
		return -EINVAL;
	idx = pfn >> order;
	bm = xa_load(&t->bitmaps[order], idx / KHO_BM_BITS);
	if (!bm || !test_bit(idx % KHO_BM_BITS, bm))
		return -ENOENT;
	__clear_bit(idx % KHO_BM_BITS, bm);
	t->nr_folios[order]--;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_remove);

/* Walks the runs of one order in address order. */
struct kho_run_iter {
	struct xarray *xa;
	unsigned int order;
	unsigned long next;	/* first folio index not yet visited */
	bool done;
};

static bool kho_run_iter_next(struct kho_run_iter *it, struct kho_mem_run *run)
{
	unsigned long want, key, bit, end, first, count;
	unsigned long *bm;

	if (it->done)
		return false;

	want = it->next / KHO_BM_BITS;
	key = want;
	bit = it->next % KHO_BM_BITS;
	for (;;) {
		bm = xa_find(it->xa, &key, ULONG_MAX, XA_PRESENT);
		if (!bm)
			goto done;
		if (key != want)
			bit = 0;
		bit = find_next_bit(bm, KHO_BM_BITS, bit);
		if (bit < KHO_BM_BITS)
			break;
		if (key == ULONG_MAX)
			goto done;
		want = ++key;
		bit = 0;
	}

	first = key * KHO_BM_BITS + bit;
	end = find_next_zero_bit(bm, KHO_BM_BITS, bit);
	count = end - bit;
	/* A run may continue into the next bitmap block. */
	while (end == KHO_BM_BITS && key != ULONG_MAX) {
		bm = xa_load(it->xa, key + 1);
		if (!bm || !test_bit(0, bm))
			break;
		key++;
		end = find_next_zero_bit(bm, KHO_BM_BITS, 0);
		count += end;
	}
	count = min_t(unsigned long, count, U32_MAX);

	run->phys = (u64)first << (it->order + PAGE_SHIFT);
	run->order = it->order;
	run->count = count;
	it->next = first + count;
	return true;

done:
	it->done = true;
	return false;
}

/**
 * kho_tracker_count_runs() - number of runs kho_tracker_serialize() writes
 * @t: the tracker
 *
 * Return: the number of maximal runs of consecutive same-order folios.
 */
unsigned long kho_tracker_count_runs(struct kho_tracker *t)
{
	struct kho_mem_run run;
	unsigned long nr = 0;
	unsigned int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		struct kho_run_iter it = { .xa = &t->bitmaps[o], .order = o };

		while (kho_run_iter_next(&it, &run))
			nr++;
	}
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_count_runs);

/**
 * kho_tracker_serialize() - write the preserved-memory map
 * @t: the tracker
 * @chunks: where to write; each chunk is filled up to its @cap before the
 *	next one is used, and its @nr is set
 * @nr_chunks: number of entries in @chunks
 *
 * Consecutive folios of one order become one run; the runs of all orders
 * are merged into a single list sorted by address.
 *
 * Return: 0 on success, -ENOSPC if @chunks are too small, -EINVAL if the
 * tracker holds overlapping folios (which kho_tracker_add() prevents).
 */
int kho_tracker_serialize(struct kho_tracker *t, struct kho_chunk *chunks,
			  unsigned int nr_chunks)
{
	struct kho_run_iter it[NR_PAGE_ORDERS];
	struct kho_mem_run head[NR_PAGE_ORDERS];
	bool valid[NR_PAGE_ORDERS];
	unsigned int o, c = 0;
	u64 prev_end = 0;

	for (c = 0; c < nr_chunks; c++)
		chunks[c].nr = 0;
	c = 0;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		it[o] = (struct kho_run_iter){ .xa = &t->bitmaps[o], .order = o };
		valid[o] = kho_run_iter_next(&it[o], &head[o]);
	}

	for (;;) {
		int best = -1;

		for (o = 0; o < NR_PAGE_ORDERS; o++) {
			if (valid[o] && (best < 0 || head[o].phys < head[best].phys))
				best = o;
		}
		if (best < 0)
			return 0;

		if (WARN_ON_ONCE(head[best].phys < prev_end))
			return -EINVAL;
		prev_end = head[best].phys +
			   ((u64)head[best].count << (best + PAGE_SHIFT));

		while (c < nr_chunks && chunks[c].nr == chunks[c].cap)
			c++;
		if (c == nr_chunks)
			return -ENOSPC;
		chunks[c].runs[chunks[c].nr++] = head[best];

		valid[best] = kho_run_iter_next(&it[best], &head[best]);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_serialize);

/**
 * kho_ranges_intersect_scratch() - does a range touch any scratch region
 * @scratch: scratch regions
 * @nr_scratch: number of entries in @scratch
 * @start: physical start of the range
 * @size: size of the range in bytes; start + size must not wrap
 *
 * Return: true if [@start, @start + @size) intersects a scratch region.
 */
bool kho_ranges_intersect_scratch(const struct kho_scratch_range *scratch,
				  unsigned int nr_scratch, u64 start, u64 size)
{
	unsigned int i;

	for (i = 0; i < nr_scratch; i++) {
		u64 base = scratch[i].base;

		if (start < base + scratch[i].size && base < start + size)
			return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(kho_ranges_intersect_scratch);

/**
 * kho_check_runs() - check runs of an incoming preserved-memory map
 * @c: check state; carries ordering across calls, so feed the runs of all
 *	chunks in order
 * @runs: the runs
 * @nr: number of runs
 *
 * Checks that every run has folios, a valid order, natural alignment, no
 * wrap-around, lies above the first MiB, outside scratch, (if
 * @c->in_memory is set) inside RAM, clear of @c->blocks and (if
 * @c->overlaps_busy is set) of memory in use, and that runs are sorted by
 * address without overlap. Totals in @c are updated for good runs. The
 * cost is linear in the number of runs plus blocks.
 *
 * Return: NULL if all runs are good, else a static string saying why not.
 */
const char *kho_check_runs(struct kho_run_check *c,
			   const struct kho_mem_run *runs, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		u64 phys = runs[i].phys;
		u32 order = runs[i].order;
		u32 count = runs[i].count;
		u64 size, len;

		if (!count)
			return "run of zero folios";
		if (order > MAX_PAGE_ORDER)
			return "folio order too large";
		size = (u64)PAGE_SIZE << order;
		if (phys & (size - 1))
			return "run not aligned to its folio size";
		len = (u64)count * size;
		if (len > U64_MAX - phys)
			return "run wraps around the address space";
		if (c->started && phys < c->prev_end)
			return phys < c->prev_start ? "runs not sorted by address" :
						      "runs overlap";
		if (phys < KHO_LOW_LIMIT)
			return "run in the first MiB";
		if (kho_ranges_intersect_scratch(c->scratch, c->nr_scratch,
						 phys, len))
			return "run intersects a scratch region";
		if (c->in_memory && !c->in_memory(phys, len))
			return "run outside system RAM";
		/* Runs ascend, so both walks below only move forward. */
		while (c->block_pos < c->nr_blocks &&
		       c->blocks[c->block_pos].end <= phys)
			c->block_pos++;
		if (c->block_pos < c->nr_blocks &&
		    c->blocks[c->block_pos].start < phys + len)
			return "run overlaps the root FDT or a mem-map chunk";
		if (c->overlaps_busy && c->overlaps_busy(c, phys, phys + len))
			return "run overlaps memory already in use";

		c->started = true;
		c->prev_start = phys;
		c->prev_end = phys + len;
		c->nr_runs++;
		c->nr_folios += count;
		c->bytes += len;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kho_check_runs);

static int kho_range_cmp(const void *a, const void *b)
{
	const struct kho_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/**
 * kho_check_blocks() - check the metadata blocks of an incoming handover
 * @blocks: the root FDT and the map chunks, each as a page-aligned range;
 *	sorted by address on return
 * @nr: number of entries in @blocks
 *
 * The ABI says the root FDT and the chunks are disjoint: reserving and
 * later freeing overlapping blocks would free a page twice.
 *
 * Return: NULL if every block is non-empty, does not wrap, and no two
 * overlap; else a static string saying why not.
 */
const char *kho_check_blocks(struct kho_range *blocks, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (blocks[i].end <= blocks[i].start)
			return "empty or wrapping metadata block";
	sort(blocks, nr, sizeof(*blocks), kho_range_cmp, NULL);
	for (i = 1; i < nr; i++)
		if (blocks[i].start < blocks[i - 1].end)
			return "root FDT and mem-map chunks overlap";
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kho_check_blocks);

/**
 * kho_mem_map_crc() - checksum of a preserved-memory map
 * @chunks: the chunks, in order
 * @nr_chunks: number of chunks
 *
 * Return: crc32_le() over the runs of all chunks in order, seeded with ~0
 * and not inverted at the end; the value of %KHO_PROP_MEM_MAP_CRC.
 */
u32 kho_mem_map_crc(const struct kho_chunk *chunks, unsigned int nr_chunks)
{
	u32 crc = ~0U;
	unsigned int i;

	for (i = 0; i < nr_chunks; i++)
		crc = crc32_le(crc, (const u8 *)chunks[i].runs,
			       chunks[i].nr * sizeof(struct kho_mem_run));
	return crc;
}
EXPORT_SYMBOL_IF_KUNIT(kho_mem_map_crc);

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

static bool kho_enable __initdata;
static phys_addr_t kho_scratch_bytes __initdata = SZ_128M;
static unsigned int kho_scratch_percent __initdata;

/* Handover block as the previous kernel passed it; checked later. */
static struct {
	bool present;
	bool duplicate;
	bool truncated;
	u64 fdt_phys;
	u64 fdt_size;
	u64 scratch_phys;
	u64 scratch_size;
	unsigned int nr_scratch;
	struct kho_scratch_range scratch[KHO_MAX_SCRATCH];
} kho_raw __initdata;

static u8 kho_fdt_copy[KHO_FDT_SIZE] __initdata __aligned(8);
/* The root FDT and the map chunks of the incoming handover. */
static struct kho_range kho_blocks[KHO_MAX_CHUNKS + 1] __initdata;
static char kho_reason[160] __initdata;

/*
 * One chunk of the incoming map. @first[i] is the index, among all folios
 * of the handover, of the first folio of run i: bit @first[i] + k of
 * kho_in.owned says whether KHO still owns folio k of that run.
 */
struct kho_in_chunk {
	const struct kho_mem_run *runs;
	unsigned long nr;
	phys_addr_t phys;
	unsigned long *first;
};

/* Incoming handover, once accepted. Runtime fields under kho_in_lock. */
static struct {
	bool accepted;
	bool released;
	phys_addr_t fdt_phys;
	u64 fdt_size;
	unsigned long nr_runs;
	unsigned long nr_folios;
	u64 bytes;
	u64 reserve_cycles;
	u64 reserve_us;
	unsigned long restored_pages;
	unsigned long released_pages;
	bool indexed;
	struct kho_in_chunk *chunks;
	unsigned int nr_chunks;
	unsigned long *owned;
} kho_in;
static DEFINE_MUTEX(kho_in_lock);

struct kho_client {
	struct list_head list;
	const char *name;
	void *fdt;
	phys_addr_t phys;
	size_t size;
};

enum kho_corruption {
	KHO_CORRUPT_NONE,
	KHO_CORRUPT_FDT_HEADER,
	KHO_CORRUPT_COMPATIBLE,
	KHO_CORRUPT_MEM_MAP_CRC,
	KHO_CORRUPT_MEM_MAP_OVERLAP,
	KHO_CORRUPT_FOREIGN,
};

/* Outgoing side; everything below kho_active is under kho_out_lock. */
static bool kho_active;
static struct kho_scratch_range kho_out_scratch[KHO_MAX_SCRATCH];
static unsigned int kho_out_nr_scratch;
/* kho_out_scratch is the incoming scratch, kept by pageblock migratetype. */
static bool kho_scratch_inherited;
static struct cma *kho_scratch_cma;
static void *kho_out_fdt;
static DEFINE_MUTEX(kho_out_lock);
static struct kho_tracker kho_out_tracker;
static LIST_HEAD(kho_clients);
static unsigned int kho_nr_clients;
static bool kho_finalized;
static struct kho_chunk *kho_out_chunks;
static unsigned int kho_out_nr_chunks;
static unsigned long kho_out_nr_runs;
/* An aligned %KHO_RAM_WINDOW known to be all System RAM, or ~0. */
static phys_addr_t kho_ram_window = ~(phys_addr_t)0;
#ifdef CONFIG_KEXEC_HANDOVER_TEST
static enum kho_corruption kho_corrupt_mode;
#endif

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
static struct debugfs_blob_wrapper kho_out_fdt_blob;
/* A copy: the incoming root FDT itself is freed with the handover. */
static struct debugfs_blob_wrapper kho_in_fdt_blob;
#endif

/* ------------------------------------------------------------------ */
/* Boot parameters                                                     */
/* ------------------------------------------------------------------ */

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

static int __init kho_parse_scratch(char *p)
{
	size_t len;
	char *end;

	if (!p)
		return -EINVAL;
	len = strlen(p);
	if (len && p[len - 1] == '%') {
		unsigned int pct;

		p[len - 1] = '\0';
		if (kstrtouint(p, 10, &pct) || !pct || pct > 100)
			return -EINVAL;
		kho_scratch_percent = pct;
		return 0;
	}
	kho_scratch_bytes = memparse(p, &end);
	if (*end || !kho_scratch_bytes)
		return -EINVAL;
	kho_scratch_percent = 0;
	return 0;
}
early_param("kho_scratch", kho_parse_scratch);

/* ------------------------------------------------------------------ */
/* Early boot: read, check and reserve the incoming handover           */
/* ------------------------------------------------------------------ */

/**
 * kho_set_handover() - record the handover block the previous kernel left
 * @phys: physical address of a &struct kho_handover
 * @len: bytes available at @phys
 *
 * Called by architecture code while it parses boot data, before memblock
 * knows the memory layout, and so before anything can be allocated on top
 * of the scratch table. Only copies; kho_memblock_setup() checks.
 */
void __init kho_set_handover(phys_addr_t phys, size_t len)
{
	const struct kho_handover *h;
	const void *table;

	if (kho_raw.present) {
		kho_raw.duplicate = true;
		return;
	}
	kho_raw.present = true;
	if (len < sizeof(*h)) {
		kho_raw.truncated = true;
		return;
	}
	h = early_memremap(phys, sizeof(*h));
	if (!h) {
		kho_raw.truncated = true;
		return;
	}
	kho_raw.fdt_phys = h->fdt_phys;
	kho_raw.fdt_size = h->fdt_size;
	kho_raw.scratch_phys = h->scratch_phys;
	kho_raw.scratch_size = h->scratch_size;
	early_memunmap((void *)h, sizeof(*h));

	/* A bad table is reported by kho_validate(), with the other checks. */
	if (!kho_raw.scratch_size ||
	    kho_raw.scratch_size % sizeof(struct kho_scratch_range) ||
	    kho_raw.scratch_size > sizeof(kho_raw.scratch))
		return;
	table = early_memremap(kho_raw.scratch_phys, kho_raw.scratch_size);
	if (!table) {
		kho_raw.truncated = true;
		return;
	}
	memcpy(kho_raw.scratch, table, kho_raw.scratch_size);
	early_memunmap((void *)table, kho_raw.scratch_size);
	kho_raw.nr_scratch = kho_raw.scratch_size /
			     sizeof(struct kho_scratch_range);
}

static __printf(1, 2) const char * __init kho_why(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(kho_reason, sizeof(kho_reason), fmt, args);
	va_end(args);
	return kho_reason;
}

static bool __init kho_early_in_memory(u64 start, u64 size)
{
	return memblock_is_region_memory(start, size);
}

/*
 * Does [start, end) overlap memblock.reserved? Called with ascending,
 * disjoint ranges, it walks memblock.reserved once from the cursor in @c,
 * so checking n runs against m reserved regions costs O(n + m).
 */
static bool __init kho_early_overlaps_busy(struct kho_run_check *c, u64 start,
					   u64 end)
{
	const struct memblock_type *rsv = &memblock.reserved;
	const struct memblock_region *r;

	while (c->busy_pos < rsv->cnt) {
		r = &rsv->regions[c->busy_pos];
		if (r->base + r->size > start)
			return r->base < end;
		c->busy_pos++;
	}
	return false;
}

/* Checks a metadata block (root FDT or a map chunk) of the handover. */
static const char * __init kho_check_block(const char *what, u64 phys,
					   u64 size)
{
	if (!size || size > SZ_1G || !PAGE_ALIGNED(phys) ||
	    phys > U64_MAX - SZ_1G)
		return kho_why("%s at %#llx has a bad placement", what, phys);
	if (phys < KHO_LOW_LIMIT)
		return kho_why("%s at %#llx is in the first MiB", what, phys);
	if (kho_ranges_intersect_scratch(kho_raw.scratch, kho_raw.nr_scratch,
					 phys, PAGE_ALIGN(size)))
		return kho_why("%s at %#llx is in scratch", what, phys);
	if (!memblock_is_region_memory(phys, PAGE_ALIGN(size)))
		return kho_why("%s at %#llx is outside system RAM", what, phys);
	return NULL;
}

/*
 * Reads one map chunk through small early mappings: updates @crc and, if
 * @chk is not NULL, checks its runs. A run error is stored in *@run_why
 * (first one wins) so that the checksum is still computed over everything.
 */
static const char * __init kho_scan_chunk(u64 phys, u64 size, u32 *crc,
					  struct kho_run_check *chk,
					  const char **run_why)
{
	u64 off;

	for (off = 0; off < size; off += KHO_MAP_WINDOW) {
		size_t n = min_t(u64, size - off, KHO_MAP_WINDOW);
		const void *p = early_memremap(phys + off, n);

		if (!p)
			return kho_why("cannot map mem-map chunk at %#llx",
				       phys);
		*crc = crc32_le(*crc, p, n);
		if (chk && !*run_why)
			*run_why = kho_check_runs(chk, p,
						  n / sizeof(struct kho_mem_run));
		early_memunmap((void *)p, n);
	}
	return NULL;
}

/* Returns the mem-map property of the copied root FDT, or NULL. */
static const __be64 * __init kho_early_mem_map(unsigned int *nr_chunks)
{
	const void *map;
	int len;

	map = fdt_getprop(kho_fdt_copy, 0, KHO_PROP_MEM_MAP, &len);
	if (!map || len < 0 || len % (2 * sizeof(u64)))
		return NULL;
	*nr_chunks = len / (2 * sizeof(u64));
	return map;
}

static const char * __init kho_validate(struct kho_run_check *chk)
{
	const struct kho_scratch_range *s = kho_raw.scratch;
	const char *why, *run_why = NULL;
	unsigned int i, j, nr_chunks;
	const __be64 *map;
	const void *prop;
	void *p;
	u32 crc;
	int len;

	if (kho_raw.duplicate)
		return "more than one handover block";
	if (kho_raw.truncated)
		return "handover block truncated";
	if (!kho_raw.nr_scratch)
		return kho_why("bad scratch table size %llu (at most %u entries of %zu bytes)",
			       kho_raw.scratch_size, KHO_MAX_SCRATCH,
			       sizeof(struct kho_scratch_range));

	for (i = 0; i < kho_raw.nr_scratch; i++) {
		if (!s[i].size || !IS_ALIGNED(s[i].base | s[i].size,
					      KHO_SCRATCH_ALIGN) ||
		    s[i].size > U64_MAX - s[i].base)
			return kho_why("scratch region %u is misaligned", i);
		if (!memblock_is_region_memory(s[i].base, s[i].size))
			return kho_why("scratch region %u is outside system RAM",
				       i);
		for (j = 0; j < i; j++)
			if (kho_ranges_intersect_scratch(&s[j], 1, s[i].base,
							 s[i].size))
				return "scratch regions overlap";
	}

	if (kho_raw.fdt_size > KHO_FDT_SIZE)
		return kho_why("root FDT too large (%llu bytes)",
			       kho_raw.fdt_size);
	why = kho_check_block("root FDT", kho_raw.fdt_phys, kho_raw.fdt_size);
	if (why)
		return why;

	p = early_memremap(kho_raw.fdt_phys, kho_raw.fdt_size);
	if (!p)
		return "cannot map the root FDT";
	memcpy(kho_fdt_copy, p, kho_raw.fdt_size);
	early_memunmap(p, kho_raw.fdt_size);

	if (fdt_check_header(kho_fdt_copy) ||
	    fdt_totalsize(kho_fdt_copy) > kho_raw.fdt_size)
		return "bad root FDT header";

	prop = fdt_getprop(kho_fdt_copy, 0, "compatible", &len);
	if (!prop || len <= 0 || strnlen(prop, len) == len)
		return "root FDT has no compatible string";
	if (strcmp(prop, KHO_FDT_COMPATIBLE))
		return kho_why("unknown handover format \"%.32s\" (this kernel understands version \"%s\")",
			       (const char *)prop, KHO_FDT_COMPATIBLE);

	map = kho_early_mem_map(&nr_chunks);
	if (!map)
		return "missing or malformed " KHO_PROP_MEM_MAP " property";
	prop = fdt_getprop(kho_fdt_copy, 0, KHO_PROP_MEM_MAP_CRC, &len);
	if (!prop || len != sizeof(u32))
		return "missing or malformed " KHO_PROP_MEM_MAP_CRC " property";

	if (nr_chunks > KHO_MAX_CHUNKS)
		return "too many mem-map chunks";

	/*
	 * The root FDT and the chunks must be disjoint from each other, from
	 * every run (checked while the runs are scanned below) and from
	 * whatever this kernel reserved already (its image, initrd, boot
	 * data): reserving and later freeing them must not free anything else.
	 */
	kho_blocks[0].start = kho_raw.fdt_phys;
	kho_blocks[0].end = kho_raw.fdt_phys + PAGE_ALIGN(kho_raw.fdt_size);
	for (i = 0; i < nr_chunks; i++) {
		u64 phys = get_unaligned_be64(&map[2 * i]);
		u64 size = get_unaligned_be64(&map[2 * i + 1]);

		if (!size || size % sizeof(struct kho_mem_run))
			return kho_why("mem-map chunk %u has a bad size", i);
		why = kho_check_block("mem-map chunk", phys, size);
		if (why)
			return why;
		kho_blocks[i + 1].start = phys;
		kho_blocks[i + 1].end = phys + PAGE_ALIGN(size);
	}
	why = kho_check_blocks(kho_blocks, nr_chunks + 1);
	if (why)
		return why;
	for (i = 0; i <= nr_chunks; i++)
		if (kho_early_overlaps_busy(chk, kho_blocks[i].start,
					    kho_blocks[i].end))
			return kho_why("metadata block at %#llx overlaps reserved memory",
				       kho_blocks[i].start);
	chk->busy_pos = 0;
	chk->blocks = kho_blocks;
	chk->nr_blocks = nr_chunks + 1;

	crc = ~0U;
	for (i = 0; i < nr_chunks; i++) {
		u64 phys = get_unaligned_be64(&map[2 * i]);
		u64 size = get_unaligned_be64(&map[2 * i + 1]);

		why = kho_scan_chunk(phys, size, &crc, chk, &run_why);
		if (why)
			return why;
	}
	if (crc != get_unaligned_be32(prop))
		return "mem-map checksum mismatch";
	return run_why;
}

/*
 * Reserves the runs in ascending order, adjacent runs in one call. With
 * the runs sorted, memblock finds the insertion point of each by binary
 * search and moves only the few regions above it, so this stays fast for
 * hundreds of thousands of scattered runs. Nothing but the runs is
 * reserved: memory between them stays free for firmware reservations made
 * later in boot.
 */
static int __init kho_reserve_runs(void)
{
	unsigned int i, nr_chunks;
	const __be64 *map;
	u64 start = 0, end = 0;
	bool pending = false;
	int err = 0;

	map = kho_early_mem_map(&nr_chunks);
	for (i = 0; i < nr_chunks && !err; i++) {
		u64 phys = get_unaligned_be64(&map[2 * i]);
		u64 size = get_unaligned_be64(&map[2 * i + 1]);
		u64 off;

		for (off = 0; off < size && !err; off += KHO_MAP_WINDOW) {
			size_t n = min_t(u64, size - off, KHO_MAP_WINDOW);
			const struct kho_mem_run *r;
			unsigned long k;

			r = early_memremap(phys + off, n);
			if (!r)
				return -ENOMEM;
			for (k = 0; k < n / sizeof(*r) && !err; k++) {
				/* kho_validate() checked every order. */
				u64 s = r[k].phys;
				u64 e = s + ((u64)r[k].count <<
					     (r[k].order + PAGE_SHIFT));

				if (pending && s == end) {
					end = e;
					continue;
				}
				if (pending)
					err = memblock_reserve(start,
							       end - start);
				pending = true;
				start = s;
				end = e;
			}
			early_memunmap((void *)r, n);
		}
	}
	if (!err && pending)
		err = memblock_reserve(start, end - start);
	return err;
}

static void __init kho_clear_scratch_flags(unsigned int nr)
{
	while (nr--)
		memblock_clear_kho_scratch(kho_raw.scratch[nr].base,
					   kho_raw.scratch[nr].size);
}

/*
 * Reserves the root FDT, the map chunks and every run while memblock may
 * allocate (for its own arrays) from scratch only. The first MiB is not
 * scratch: nothing there is preserved, but x86 needs it for the real-mode
 * trampoline later, so memblock must not put its arrays there.
 */
static int __init kho_reserve_preserved(void)
{
	unsigned int i, nr_chunks;
	const __be64 *map;
	phys_addr_t limit;
	int err = 0;

	for (i = 0; i < kho_raw.nr_scratch && !err; i++)
		err = memblock_mark_kho_scratch(kho_raw.scratch[i].base,
						kho_raw.scratch[i].size);
	if (err) {
		kho_clear_scratch_flags(i);
		return err;
	}
	memblock_set_kho_scratch_only(true);
	limit = memblock_get_current_limit();
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);

	err = memblock_reserve(kho_raw.fdt_phys, PAGE_ALIGN(kho_raw.fdt_size));
	map = kho_early_mem_map(&nr_chunks);
	for (i = 0; i < nr_chunks && !err; i++) {
		u64 size = get_unaligned_be64(&map[2 * i + 1]);

		err = memblock_reserve(get_unaligned_be64(&map[2 * i]),
				       PAGE_ALIGN(size));
	}
	if (!err)
		err = kho_reserve_runs();

	memblock_set_current_limit(limit);
	memblock_set_kho_scratch_only(false);
	kho_clear_scratch_flags(kho_raw.nr_scratch);
	return err;
}

/*
 * Early boot is timed in cycles: neither sched_clock() nor the TSC
 * frequency is known for sure this early (under QEMU TCG the quick PIT
 * calibration can fail, and then printk times stay 0 until time_init()).
 * The cycles are turned into microseconds once the clock is calibrated.
 */
static u64 __init kho_cycles_to_us(u64 cycles)
{
#ifdef CONFIG_X86_TSC
	if (tsc_khz)
		return mul_u64_u32_div(cycles, USEC_PER_MSEC, tsc_khz);
#endif
	return 0;
}

static void __init kho_accept_handover(void)
{
	struct kho_run_check chk = {
		.scratch = kho_raw.scratch,
		.nr_scratch = kho_raw.nr_scratch,
		.in_memory = kho_early_in_memory,
		.overlaps_busy = kho_early_overlaps_busy,
	};
	cycles_t t0 = get_cycles();
	const char *why;
	int err;

	why = kho_validate(&chk);
	if (why) {
		pr_err("handover rejected: %s; booting without preserved memory\n",
		       why);
		return;
	}

	err = kho_reserve_preserved();
	if (err) {
		pr_err("handover rejected: reserving failed (%d); booting without preserved memory\n",
		       err);
		pr_err("what was reserved before the failure stays reserved\n");
		return;
	}

	kho_in.accepted = true;
	kho_in.fdt_phys = kho_raw.fdt_phys;
	kho_in.fdt_size = kho_raw.fdt_size;
	kho_in.nr_runs = chk.nr_runs;
	kho_in.nr_folios = chk.nr_folios;
	kho_in.bytes = chk.bytes;
	kho_in.reserve_cycles = get_cycles() - t0;
	/* Reported by kho_report_handover(), once the clock is calibrated. */
}

/**
 * kho_memblock_setup() - take over the incoming handover, early in boot
 *
 * Called by architecture code right after memblock learned the memory
 * layout and before anything is allocated from it. With kho=on it checks
 * and reserves what the previous kernel preserved, if it handed anything
 * over. With kho=off (the default) it does nothing.
 */
void __init kho_memblock_setup(void)
{
	if (!kho_enable) {
		if (kho_raw.present)
			pr_info("kho=off: ignoring the handover from the previous kernel\n");
		return;
	}
	if (kho_raw.present)
		kho_accept_handover();
}

/*
 * A kernel booted from a handover keeps the scratch regions it was given
 * as its own: they are known to hold nothing preserved, and a fresh hole of
 * that size may not exist on a host whose RAM is mostly preserved memory.
 * What this kernel has in them (its image, early allocations) is of no
 * concern to the next one, which overwrites scratch freely. They cannot be
 * a CMA area, because parts are in use; instead every pageblock in them
 * gets the CMA migratetype when the memory map is initialized (see
 * kho_scratch_migratetype()), so that only movable allocations use the
 * free pages, now and whenever memory there is freed later (initrd, init
 * sections). kho_scratch= only applies to a cold boot.
 */
static void __init kho_inherit_scratch(void)
{
	phys_addr_t base, total = 0;
	unsigned int i;

	for (i = 0; i < kho_raw.nr_scratch; i++) {
		kho_out_scratch[i] = kho_raw.scratch[i];
		total += kho_raw.scratch[i].size;
	}
	kho_out_nr_scratch = kho_raw.nr_scratch;
	kho_scratch_inherited = true;
	kho_tracker_init(&kho_out_tracker);
	kho_active = true;
	base = kho_out_scratch[0].base;
	pr_info("scratch %lu MiB at %pa, kept from the previous kernel (%u region(s))\n",
		(unsigned long)(total >> 20), &base, kho_out_nr_scratch);
}

/**
 * kho_scratch_migratetype() - migratetype of a pageblock at boot
 * @pfn: first page frame of the pageblock
 * @migratetype: what the memory map initialization would set
 *
 * Called while the memory map is initialized, before the page allocator
 * gets any page of the pageblock.
 *
 * Return: %MIGRATE_CMA if the pageblock lies in scratch this kernel kept
 * from the previous one, else @migratetype.
 */
int kho_scratch_migratetype(unsigned long pfn, int migratetype)
{
	u64 phys = PFN_PHYS(pfn);
	unsigned int i;

	if (!kho_scratch_inherited)
		return migratetype;
	for (i = 0; i < kho_out_nr_scratch; i++)
		if (phys - kho_out_scratch[i].base < kho_out_scratch[i].size)
			return MIGRATE_CMA;
	return migratetype;
}

/**
 * kho_reserve_scratch() - set aside scratch memory for the next kernel
 *
 * Called by architecture code once firmware reservations (EFI boot
 * services, ESRT, ...) are in memblock, so that scratch never takes memory
 * firmware still needs, and before CMA areas are activated at
 * core_initcall time. With kho=off it does nothing; if it cannot set
 * scratch aside, KHO stays disabled.
 */
void __init kho_reserve_scratch(void)
{
	phys_addr_t total = memblock_phys_mem_size();
	phys_addr_t size, base;
	int err;

	if (!kho_enable)
		return;
	/*
	 * A crash kernel runs in the small crashkernel= area and must not
	 * give any of it away, nor load a further kernel through KHO.
	 */
	if (is_kdump_kernel()) {
		pr_info("disabled in a kdump kernel\n");
		return;
	}
	if (kho_in.accepted) {
		kho_inherit_scratch();
		return;
	}
	if (kho_scratch_percent)
		size = div_u64((u64)total * kho_scratch_percent, 100);
	else
		size = kho_scratch_bytes;
	size = round_up(size, KHO_SCRATCH_ALIGN);

	if (size > total / 2) {
		pr_err("scratch %llu MiB > half of RAM %llu MiB: disabled, lower kho_scratch=\n",
		       (u64)size >> 20, (u64)total >> 20);
		return;
	}

	/* Stay inside ZONE_DMA32 if possible: CMA must not span zones. */
	base = memblock_phys_alloc_range(size, KHO_SCRATCH_ALIGN, SZ_16M, SZ_4G);
	if (!base)
		base = memblock_phys_alloc_range(size, KHO_SCRATCH_ALIGN, SZ_4G,
						 MEMBLOCK_ALLOC_ANYWHERE);
	if (!base) {
		pr_err("cannot allocate %llu MiB of scratch; KHO disabled, lower kho_scratch=\n",
		       (u64)size >> 20);
		return;
	}
	/* Like mm/cma.c: the area is handed out page by page later. */
	kmemleak_ignore_phys(base);

	err = cma_init_reserved_mem(base, size, 0, "kho_scratch",
				    &kho_scratch_cma);
	if (err)
		pr_warn("scratch is not usable as CMA (%d); it stays unused\n",
			err);
	else
		/* If activation fails, keep scratch reserved, never in buddy. */
		cma_reserve_pages_on_error(kho_scratch_cma);

	kho_out_scratch[0].base = base;
	kho_out_scratch[0].size = size;
	kho_out_nr_scratch = 1;
	kho_tracker_init(&kho_out_tracker);
	kho_active = true;
	pr_info("scratch %lu MiB at %pa\n", (unsigned long)(size >> 20), &base);
}

/* ------------------------------------------------------------------ */
/* Incoming side after boot                                            */
/* ------------------------------------------------------------------ */

static const void *kho_in_fdt(void)
{
	return phys_to_virt(kho_in.fdt_phys);
}

/*
 * Ownership: KHO owns every preserved folio from boot until it is restored
 * or released, and it tracks that in kho_in.owned, one bit per folio, never
 * in the page flags. A restored folio belongs to its client; once freed it
 * is ordinary memory whose next owner may well set PG_reserved (a kexec
 * image does), so the page state says nothing about KHO's ownership.
 */

static void kho_in_free_index(struct kho_in_chunk *chunks, unsigned int nr,
			      unsigned long *owned)
{
	unsigned int i;

	for (i = 0; chunks && i < nr; i++)
		kvfree(chunks[i].first);
	kfree(chunks);
	kvfree(owned);
}

/*
 * Builds the chunk index over the map and the ownership bitmap, with every
 * folio owned. The map, like the root FDT, stays memblock-reserved until
 * kho_release_unclaimed() and is never handed to anyone, so nobody can
 * write to it after kho_validate() checked it.
 */
static int kho_in_index(void)
{
	unsigned long folio = 0, words;
	struct kho_in_chunk *chunks = NULL;
	unsigned long *owned;
	const __be64 *map;
	unsigned int i, n;
	int len;

	lockdep_assert_held(&kho_in_lock);
	if (kho_in.indexed)
		return 0;

	map = fdt_getprop(kho_in_fdt(), 0, KHO_PROP_MEM_MAP, &len);
	if (!map || len < 0)
		return -EINVAL;
	n = len / (2 * sizeof(u64));
	words = max(BITS_TO_LONGS(kho_in.nr_folios), 1UL);
	owned = kvmalloc_array(words, sizeof(long), GFP_KERNEL);
	if (!owned)
		return -ENOMEM;
	memset(owned, 0xff, words * sizeof(long));
	if (n) {
		chunks = kcalloc(n, sizeof(*chunks), GFP_KERNEL);
		if (!chunks)
			goto nomem;
	}
	for (i = 0; i < n; i++) {
		u64 phys = get_unaligned_be64(&map[2 * i]);
		u64 size = get_unaligned_be64(&map[2 * i + 1]);
		struct kho_in_chunk *c = &chunks[i];
		unsigned long r;

		c->phys = phys;
		c->runs = phys_to_virt(phys);
		c->nr = size / sizeof(struct kho_mem_run);
		c->first = kvmalloc_array(c->nr, sizeof(*c->first), GFP_KERNEL);
		if (!c->first)
			goto nomem;
		for (r = 0; r < c->nr; r++) {
			c->first[r] = folio;
			folio += c->runs[r].count;
		}
	}
	/* kho_validate() counted the same runs. */
	if (WARN_ON_ONCE(folio != kho_in.nr_folios)) {
		kho_in_free_index(chunks, n, owned);
		return -EINVAL;
	}
	kho_in.chunks = chunks;
	kho_in.nr_chunks = n;
	kho_in.owned = owned;
	kho_in.indexed = true;
	return 0;

nomem:
	kho_in_free_index(chunks, n, owned);
	return -ENOMEM;
}

/* The run containing @phys and the index of its folio there, or NULL. */
static const struct kho_mem_run *kho_in_lookup(phys_addr_t phys,
					       unsigned long *folio)
{
	const struct kho_in_chunk *c;
	const struct kho_mem_run *r;
	unsigned long lo = 0, hi = kho_in.nr_chunks;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (kho_in.chunks[mid].runs[0].phys <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	c = &kho_in.chunks[lo - 1];

	lo = 0;
	hi = c->nr;
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (c->runs[mid].phys <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	r = &c->runs[lo - 1];
	/* Checked at boot; never shift by an order that was not. */
	if (WARN_ON_ONCE(r->order > MAX_PAGE_ORDER))
		return NULL;
	if (phys - r->phys >= ((u64)r->count << (r->order + PAGE_SHIFT)))
		return NULL;
	*folio = c->first[lo - 1] +
		 ((phys - r->phys) >> (r->order + PAGE_SHIFT));
	return r;
}

/*
 * The preserved folio starting exactly at @phys, still owned by KHO: its
 * order (and its index in *@folio, its run in *@run), or -errno.
 */
static int kho_in_block(phys_addr_t phys, const char **why,
			unsigned long *folio, const struct kho_mem_run **run)
{
	const struct kho_mem_run *r = kho_in_lookup(phys, folio);

	if (!r) {
		*why = "not preserved";
		return -ENOENT;
	}
	if (!IS_ALIGNED(phys, PAGE_SIZE << r->order)) {
		*why = "not the start of a preserved folio";
		return -EINVAL;
	}
	if (!test_bit(*folio, kho_in.owned)) {
		*why = "already restored";
		return -EBUSY;
	}
	if (run)
		*run = r;
	return r->order;
}

static int kho_in_ready(const char **why)
{
	int err;

	if (!kho_in.accepted || kho_in.released) {
		*why = "no handover memory";
		return -ENOENT;
	}
	err = kho_in_index();
	if (err)
		*why = "cannot index the memory map";
	return err;
}

/*
 * With DEFERRED_STRUCT_PAGE_INIT, pageblocks that were entirely reserved at
 * boot never got a migratetype (they read as MIGRATE_UNMOVABLE), unlike
 * those initialized early, which are MIGRATE_MOVABLE. Give the pageblocks
 * that [@pfn, @pfn + @nr) touches and that lie entirely in run @r the
 * migratetype the rest of memory got, so that they do not end up on the
 * unmovable free lists once freed.
 */
static void kho_fix_pageblocks(const struct kho_mem_run *r, unsigned long pfn,
			       unsigned long nr)
{
	unsigned long first = PHYS_PFN(r->phys);
	unsigned long last = first + ((unsigned long)r->count << r->order);
	unsigned long pb;

	for (pb = pageblock_start_pfn(pfn); pb < pfn + nr;
	     pb += pageblock_nr_pages) {
		struct page *page = pfn_to_page(pb);

		if (pb < first || pb + pageblock_nr_pages > last)
			continue;
		if (get_pageblock_migratetype(page) == MIGRATE_UNMOVABLE)
			set_pageblock_migratetype(page, MIGRATE_MOVABLE);
	}
}

/* Turns a page that was reserved at boot into a page of refcount @count. */
static void kho_unreserve_page(struct page *page, int count)
{
	ClearPageReserved(page);
	set_page_count(page, count);
}

/**
 * kho_is_handover_boot() - was this kernel booted with an accepted handover
 *
 * Return: true if the previous kernel handed memory over and it passed all
 * checks.
 */
bool kho_is_handover_boot(void)
{
	return kho_in.accepted;
}
EXPORT_SYMBOL_GPL(kho_is_handover_boot);

/**
 * kho_find_fdt() - find the tree a client of the previous kernel published
 * @name: client name given to kho_publish_fdt()
 * @phys: where to store the physical address of the client's FDT
 *
 * The client FDT lies in preserved pages; restore them with
 * kho_restore_phys() to keep it past kho_release_unclaimed().
 *
 * Return: 0 on success; -ENOENT if there is no such client or no
 * handover, or the handover memory was already released; -EINVAL if the
 * address the previous kernel recorded is not the start of a preserved
 * folio; -ENOMEM.
 */
int kho_find_fdt(const char *name, phys_addr_t *phys)
{
	const struct kho_mem_run *r;
	const void *fdt, *prop;
	unsigned long idx;
	const char *why;
	int node, len, err;
	u64 addr;

	mutex_lock(&kho_in_lock);
	err = kho_in_ready(&why);
	if (err) {
		if (err != -ENOMEM)
			err = -ENOENT;
		goto out;
	}
	err = -ENOENT;
	fdt = kho_in_fdt();
	node = fdt_subnode_offset(fdt, 0, name);
	if (node < 0)
		goto out;
	prop = fdt_getprop(fdt, node, KHO_PROP_CLIENT_FDT, &len);
	if (!prop || len != sizeof(u64)) {
		pr_warn("client \"%s\" has no valid " KHO_PROP_CLIENT_FDT " property\n",
			name);
		goto out;
	}
	addr = get_unaligned_be64(prop);
	r = PAGE_ALIGNED(addr) ? kho_in_lookup(addr, &idx) : NULL;
	if (!r || !IS_ALIGNED(addr - r->phys, PAGE_SIZE << r->order)) {
		pr_warn("client \"%s\" FDT at %#llx is not a preserved block\n",
			name, addr);
		err = -EINVAL;
		goto out;
	}
	*phys = addr;
	err = 0;
out:
	mutex_unlock(&kho_in_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_find_fdt);

/**
 * kho_restore_folio() - take back a folio the previous kernel preserved
 * @phys: physical address of the folio; must be exactly where a preserved
 *	folio starts
 *
 * The folio gets its preserved order, a reference count of one, and is
 * accounted as managed memory again. Each folio can be restored once: KHO
 * keeps track of what it still owns and refuses a second restore, even
 * after the folio was freed and its pages reused.
 *
 * Return: the folio, or NULL (with a log line saying why) if @phys is not
 * a preserved folio that KHO still owns.
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	const struct kho_mem_run *run;
	const char *why = NULL;
	unsigned long i, nr, idx;
	struct page *page;
	int order;

	mutex_lock(&kho_in_lock);
	order = kho_in_ready(&why);
	if (order >= 0)
		order = kho_in_block(phys, &why, &idx, &run);
	if (order < 0) {
		mutex_unlock(&kho_in_lock);
		pr_warn_ratelimited("cannot restore folio at %pa: %s\n",
				    &phys, why);
		return NULL;
	}
	__clear_bit(idx, kho_in.owned);

	page = pfn_to_page(PHYS_PFN(phys));
	nr = 1UL << order;
	for (i = 0; i < nr; i++)
		kho_unreserve_page(page + i, i ? 0 : 1);
	if (order)
		prep_compound_page(page, order);
	/* Reserved at boot, never allocated: there is no allocation tag. */
	clear_page_tag_ref(page);
	kho_fix_pageblocks(run, PHYS_PFN(phys), nr);
	adjust_managed_page_count(page, nr);
	kho_in.restored_pages += nr;
	mutex_unlock(&kho_in_lock);
	return page_folio(page);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_block_size() - size of a preserved folio before restoring it
 * @phys: physical address where a preserved folio may start
 * @size: where to store the folio's size in bytes
 *
 * Lets a client that preserved a range with kho_preserve_phys() find how
 * KHO split it into blocks, so that it can restore the first block before
 * it reads the range's own size from it.
 *
 * Return: 0 on success; -ENOENT if @phys is not preserved or there is no
 * handover (any more); -EINVAL if @phys lies inside a preserved folio
 * but not at its start; -EBUSY if that folio was already restored;
 * -ENOMEM.
 */
int kho_block_size(phys_addr_t phys, size_t *size)
{
	const char *why;
	unsigned long idx;
	int order;

	mutex_lock(&kho_in_lock);
	order = kho_in_ready(&why);
	if (order >= 0)
		order = kho_in_block(phys, &why, &idx, NULL);
	mutex_unlock(&kho_in_lock);
	if (order < 0)
		return order;
	*size = PAGE_SIZE << order;
	return 0;
}
EXPORT_SYMBOL_GPL(kho_block_size);

/**
 * kho_restore_phys() - take back a range preserved with kho_preserve_phys()
 * @phys: physical start, page aligned
 * @size: size in bytes, page aligned
 *
 * The range must consist of whole preserved folios that KHO still owns.
 * Every page becomes an order-0 page with a reference count of one, to be
 * freed with __free_page() when no longer needed.
 *
 * Return: 0 on success, -EINVAL for a bad range or one that ends inside a
 * preserved folio, -ENOENT if part of it is not preserved, -EBUSY if part
 * of it was already restored; nothing is restored on failure.
 */
int kho_restore_phys(phys_addr_t phys, size_t size)
{
	const struct kho_mem_run *run;
	phys_addr_t cur, end = phys + size;
	struct page *zone_first;
	const char *why = NULL;
	unsigned long nr = 0, idx;
	int order, err;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) || end < phys)
		return -EINVAL;

	mutex_lock(&kho_in_lock);
	err = kho_in_ready(&why);
	for (cur = phys; !err && cur < end; cur += PAGE_SIZE << order) {
		order = kho_in_block(cur, &why, &idx, &run);
		if (order < 0) {
			err = order;
		} else if (cur + (PAGE_SIZE << order) > end) {
			why = "range ends inside a preserved folio";
			err = -EINVAL;
		}
	}
	if (err) {
		mutex_unlock(&kho_in_lock);
		pr_warn_ratelimited("cannot restore [%pa + %zu]: %s\n",
				    &phys, size, why);
		return err;
	}

	for (cur = phys; cur < end; cur += PAGE_SIZE << order) {
		order = kho_in_block(cur, &why, &idx, &run);
		__clear_bit(idx, kho_in.owned);
		kho_fix_pageblocks(run, PHYS_PFN(cur), 1UL << order);
	}
	zone_first = pfn_to_page(PHYS_PFN(phys));
	for (cur = phys; cur < end; cur += PAGE_SIZE) {
		struct page *page = pfn_to_page(PHYS_PFN(cur));

		/* The range may cross zones: account each page to its own. */
		if (page_zone(page) != page_zone(zone_first)) {
			adjust_managed_page_count(zone_first, nr);
			zone_first = page;
			nr = 0;
		}
		kho_unreserve_page(page, 1);
		clear_page_tag_ref(page);
		nr++;
	}
	adjust_managed_page_count(zone_first, nr);
	kho_in.restored_pages += size >> PAGE_SHIFT;
	mutex_unlock(&kho_in_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_restore_phys);

/* Gives a block of pages reserved since boot to the page allocator. */
static void kho_free_block(unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i, nr = 1UL << order;

	for (i = 0; i < nr; i++)
		kho_unreserve_page(page + i, i ? 0 : 1);
	clear_page_tag_ref(page);
	adjust_managed_page_count(page, nr);
	__free_pages(page, order);
}

/*
 * Frees [@pfn, @end) in the largest naturally aligned blocks that stay
 * inside one zone: a TiB is a million calls, not 268 million.
 */
static void kho_free_range(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int order = kho_block_order(pfn, end);
		struct zone *zone = page_zone(pfn_to_page(pfn));

		while (order && !zone_spans_pfn(zone, pfn + (1UL << order) - 1))
			order--;
		kho_free_block(pfn, order);
		pfn += 1UL << order;
		cond_resched();
	}
}

/* Frees the folios of run @r that KHO still owns; returns how many pages. */
static unsigned long kho_release_run(const struct kho_mem_run *r,
				     unsigned long first,
				     const unsigned long *owned)
{
	unsigned long end = first + r->count, i = first, n = 0;

	while (i < end) {
		unsigned long s = find_next_bit(owned, end, i), e, pfn, nr;

		if (s >= end)
			break;
		e = find_next_zero_bit(owned, end, s);
		pfn = PHYS_PFN(r->phys) + ((s - first) << r->order);
		nr = (e - s) << r->order;
		kho_fix_pageblocks(r, pfn, nr);
		kho_free_range(pfn, pfn + nr);
		n += nr;
		i = e;
	}
	return n;
}

/* Restoring is over once this runs; make the watermarks count the memory. */
static void kho_recompute_reserves(void)
{
#ifdef CONFIG_MEMORY_HOTPLUG
	init_per_zone_wmark_min();
#else
	calculate_min_free_kbytes();
	setup_per_zone_wmarks();
#endif
}

/**
 * kho_release_unclaimed() - free incoming preserved memory nobody restored
 *
 * Called by the orchestrator once every client had its chance to restore
 * its memory. Frees every preserved folio that KHO still owns, the memory
 * map and the root FDT, in large blocks and without holding any lock
 * while it frees. Afterwards kho_find_fdt() finds nothing and nothing can
 * be restored. Does nothing the second time.
 */
void kho_release_unclaimed(void)
{
	struct kho_in_chunk *chunks;
	unsigned long *owned;
	unsigned long n = 0;
	unsigned int c, nr_chunks;
	const char *why;

	mutex_lock(&kho_in_lock);
	if (kho_in_ready(&why)) {
		mutex_unlock(&kho_in_lock);
		return;
	}
	/* From here on nothing can be restored or looked up. */
	kho_in.released = true;
	chunks = kho_in.chunks;
	nr_chunks = kho_in.nr_chunks;
	owned = kho_in.owned;
	kho_in.chunks = NULL;
	kho_in.nr_chunks = 0;
	kho_in.owned = NULL;
	mutex_unlock(&kho_in_lock);

	for (c = 0; c < nr_chunks; c++) {
		const struct kho_in_chunk *ch = &chunks[c];
		unsigned long i;

		for (i = 0; i < ch->nr; i++) {
			/* Checked at boot; never shift by an order that was not. */
			if (WARN_ON_ONCE(ch->runs[i].order > MAX_PAGE_ORDER))
				continue;
			n += kho_release_run(&ch->runs[i], ch->first[i], owned);
		}
	}
	/* The map and the root FDT were reserved at boot, never restorable. */
	for (c = 0; c < nr_chunks; c++) {
		u64 len = chunks[c].nr * sizeof(struct kho_mem_run);

		kho_free_range(PHYS_PFN(chunks[c].phys),
			       PHYS_PFN(chunks[c].phys + PAGE_ALIGN(len)));
	}
	kho_free_range(PHYS_PFN(kho_in.fdt_phys),
		       PHYS_PFN(kho_in.fdt_phys + PAGE_ALIGN(kho_in.fdt_size)));
	kho_in_free_index(chunks, nr_chunks, owned);

	mutex_lock(&kho_in_lock);
	kho_in.released_pages = n;
	mutex_unlock(&kho_in_lock);
	pr_info("released %lu unclaimed pages\n", n);
	kho_recompute_reserves();
}

/*
 * Without the orchestrator nobody else would return unclaimed memory:
 * then do it once every initcall had its chance to restore.
 */
static int __init kho_release_late(void)
{
	if (!IS_ENABLED(CONFIG_LIVEUPDATE))
		kho_release_unclaimed();
	return 0;
}
late_initcall_sync(kho_release_late);

/* ------------------------------------------------------------------ */
/* Outgoing side                                                       */
/* ------------------------------------------------------------------ */

/**
 * kho_is_enabled() - can memory be preserved for the next kernel
 *
 * Return: true if the kernel was booted with kho=on and KHO set up its
 * scratch memory and root tree.
 */
bool kho_is_enabled(void)
{
	return READ_ONCE(kho_active);
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/* Preserved memory must be outside scratch and above the first MiB. */
static int kho_check_out_range(phys_addr_t phys, u64 size)
{
	if (phys < KHO_LOW_LIMIT ||
	    kho_ranges_intersect_scratch(kho_out_scratch, kho_out_nr_scratch,
					 phys, size)) {
		pr_warn_ratelimited("cannot preserve [%pa + %#llx]: it is in scratch or the first MiB\n",
				    &phys, size);
		return -EINVAL;
	}
	return 0;
}

/**
 * kho_arch_is_handover_ram() - will the next kernel see a range as RAM
 * @phys: physical start
 * @size: size in bytes
 *
 * Architectures override this with a check against the memory map that
 * kexec_file_load() hands to the next kernel; this default trusts the
 * resource tree.
 *
 * Return: true if all of [@phys, @phys + @size) is RAM for the next kernel.
 */
bool __weak kho_arch_is_handover_ram(phys_addr_t phys, u64 size)
{
	return region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
				 IORES_DESC_NONE) == REGION_INTERSECTS;
}

/*
 * The next kernel only takes over what it sees as RAM: one folio outside
 * the memory map it is handed (hot-added memory on x86, say) makes it
 * reject the whole handover. So refuse such memory now, when the caller
 * can still do something about it. Memory without a memmap and device
 * memory are refused too.
 */
static int kho_check_out_ram(phys_addr_t phys, u64 size)
{
	phys_addr_t win = ALIGN_DOWN(phys, KHO_RAM_WINDOW);
	const char *why;

	lockdep_assert_held(&kho_out_lock);
	if (!pfn_valid(PHYS_PFN(phys)) ||
	    !pfn_valid(PHYS_PFN(phys + size - 1))) {
		why = "it has no memory map";
		goto bad;
	}
	if (is_zone_device_page(pfn_to_page(PHYS_PFN(phys)))) {
		why = "it is device memory";
		goto bad;
	}
	if (win == kho_ram_window && phys + size <= win + KHO_RAM_WINDOW)
		return 0;
	/* Most folios share a window with others: check it all at once. */
	if (phys + size <= win + KHO_RAM_WINDOW &&
	    kho_arch_is_handover_ram(win, KHO_RAM_WINDOW)) {
		kho_ram_window = win;
		return 0;
	}
	if (kho_arch_is_handover_ram(phys, size))
		return 0;
	why = "the next kernel is not handed it as RAM (hot-added memory?)";
bad:
	pr_warn_ratelimited("cannot preserve [%pa + %#llx]: %s\n", &phys, size,
			    why);
	return -EINVAL;
}

/* Memory KHO itself hands over: outside scratch and RAM for the next kernel. */
static int kho_check_out_meta(phys_addr_t phys, u64 size)
{
	int err = kho_check_out_range(phys, size);

	return err ?: kho_check_out_ram(phys, size);
}

static int kho_out_writable(void)
{
	lockdep_assert_held(&kho_out_lock);
	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	if (kho_finalized)
		return -EBUSY;
	return 0;
}

/**
 * kho_preserve_folio() - preserve a folio for the next kernel
 * @folio: the folio; it must not change in size until kexec or
 *	kho_unpreserve_folio()
 *
 * KHO takes a reference on the folio that it holds until
 * kho_unpreserve_folio(): the folio stays allocated even if its owner
 * drops its own references, and the extra reference keeps migration and
 * compaction from moving it away from the pages that are handed over.
 *
 * Return: 0 on success; -EOPNOTSUPP if KHO is disabled; -EBUSY after
 * kho_kexec_finalize(); -EINVAL if the folio lies in KHO scratch or the
 * first MiB (the next kernel boots there; migrate such a folio out of
 * scratch first, as a long-term pin does), or is not RAM that the next
 * kernel is handed (device memory, hot-added memory); -EEXIST if it (or a
 * folio overlapping it) is already preserved; -ENOMEM.
 */
int kho_preserve_folio(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned int order = folio_order(folio);
	int err;

	mutex_lock(&kho_out_lock);
	err = kho_out_writable();
	if (!err)
		err = kho_check_out_range(PFN_PHYS(pfn), PAGE_SIZE << order);
	if (!err)
		err = kho_check_out_ram(PFN_PHYS(pfn), PAGE_SIZE << order);
	if (!err)
		err = kho_tracker_add(&kho_out_tracker, pfn, order);
	if (!err)
		folio_get(folio);
	mutex_unlock(&kho_out_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio() - undo kho_preserve_folio()
 * @folio: the folio
 *
 * Drops the reference kho_preserve_folio() took; the caller must still
 * hold its own if it goes on using the folio.
 *
 * Return: 0 on success, -ENOENT if the folio is not preserved, -EBUSY
 * after kho_kexec_finalize(), -EOPNOTSUPP if KHO is disabled.
 */
int kho_unpreserve_folio(struct folio *folio)
{
	int err;

	mutex_lock(&kho_out_lock);
	err = kho_out_writable();
	if (!err)
		err = kho_tracker_remove(&kho_out_tracker, folio_pfn(folio),
					 folio_order(folio));
	mutex_unlock(&kho_out_lock);
	if (!err)
		folio_put(folio);
	return err;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

static int kho_remove_blocks(unsigned long pfn, unsigned long end, bool dry)
{
	while (pfn < end) {
		unsigned int order = kho_block_order(pfn, end);

		if (dry) {
			if (!kho_tracker_has(&kho_out_tracker, pfn, order))
				return -ENOENT;
		} else {
			WARN_ON(kho_tracker_remove(&kho_out_tracker, pfn,
						   order));
		}
		pfn += 1UL << order;
	}
	return 0;
}

static int kho_preserve_phys_locked(phys_addr_t phys, size_t size)
{
	unsigned long first = PHYS_PFN(phys), pfn = first;
	unsigned long end = PHYS_PFN(phys + size);
	int err;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    phys + size < phys)
		return -EINVAL;
	err = kho_out_writable();
	if (!err)
		err = kho_check_out_range(phys, size);
	if (!err)
		err = kho_check_out_ram(phys, size);
	while (!err && pfn < end) {
		unsigned int order = kho_block_order(pfn, end);

		err = kho_tracker_add(&kho_out_tracker, pfn, order);
		if (err)
			kho_remove_blocks(first, pfn, false);
		else
			pfn += 1UL << order;
	}
	return err;
}

static int kho_unpreserve_phys_locked(phys_addr_t phys, size_t size)
{
	unsigned long first = PHYS_PFN(phys);
	unsigned long end = PHYS_PFN(phys + size);
	int err;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    phys + size < phys)
		return -EINVAL;
	err = kho_out_writable();
	if (!err)
		err = kho_remove_blocks(first, end, true);
	if (!err)
		kho_remove_blocks(first, end, false);
	return err;
}

/**
 * kho_preserve_phys() - preserve a physical range for the next kernel
 * @phys: physical start, page aligned
 * @size: size in bytes, page aligned
 *
 * The range is tracked as naturally aligned power-of-two blocks; in the
 * next kernel restore it with kho_restore_phys() on the same range.
 *
 * No reference is taken: the caller owns the range and keeps it allocated
 * until kexec or kho_unpreserve_phys().
 *
 * Return: 0 on success; -EINVAL for a bad range, one touching scratch or
 * the first MiB, or one that is not entirely RAM for the next kernel;
 * -EEXIST if part of it is already preserved; -EBUSY after
 * kho_kexec_finalize(); -EOPNOTSUPP if KHO is disabled; -ENOMEM.
 */
int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	int err;

	mutex_lock(&kho_out_lock);
	err = kho_preserve_phys_locked(phys, size);
	mutex_unlock(&kho_out_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_phys);

/**
 * kho_unpreserve_phys() - undo kho_preserve_phys()
 * @phys: the @phys given to kho_preserve_phys()
 * @size: the @size given to kho_preserve_phys()
 *
 * Return: 0 on success, -ENOENT if the range is not preserved exactly so
 * (nothing is changed then), -EINVAL, -EBUSY or -EOPNOTSUPP as for
 * kho_preserve_phys().
 */
int kho_unpreserve_phys(phys_addr_t phys, size_t size)
{
	int err;

	mutex_lock(&kho_out_lock);
	err = kho_unpreserve_phys_locked(phys, size);
	mutex_unlock(&kho_out_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_phys);

static bool kho_name_valid(const char *name)
{
	size_t i, len;

	if (!name)
		return false;
	len = strnlen(name, KHO_NAME_MAX + 1);
	if (!len || len > KHO_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr(",._+-", name[i]))
			return false;
	return true;
}

static struct kho_client *kho_find_client(const char *name)
{
	struct kho_client *client;

	list_for_each_entry(client, &kho_clients, list)
		if (!strcmp(client->name, name))
			return client;
	return NULL;
}

/**
 * kho_publish_fdt() - hand a client's FDT to the next kernel
 * @name: client name, a valid FDT node name (letters, digits, ",._+-")
 * @fdt: the client's FDT blob, page aligned in the kernel's direct map
 *	(e.g. from alloc_pages()); it must not grow past the pages covering
 *	its size at publish time
 *
 * The pages of the blob are preserved, and the next kernel finds their
 * address with kho_find_fdt(@name). The client may keep editing the blob
 * until kexec.
 *
 * Return: 0 on success; -EINVAL for a bad name or blob; -EEXIST if @name
 * is already published; -EBUSY after kho_kexec_finalize(); -EOPNOTSUPP if
 * KHO is disabled; -ENOMEM.
 */
int kho_publish_fdt(const char *name, void *fdt)
{
	struct kho_client *client;
	size_t size;
	int err;

	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	if (!kho_name_valid(name) || !fdt || !PAGE_ALIGNED(fdt) ||
	    !virt_addr_valid(fdt) || fdt_check_header(fdt))
		return -EINVAL;
	size = PAGE_ALIGN(fdt_totalsize(fdt));
	if (!virt_addr_valid(fdt + size - 1))
		return -EINVAL;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return -ENOMEM;
	client->name = kstrdup(name, GFP_KERNEL);
	if (!client->name) {
		err = -ENOMEM;
		goto free_client;
	}
	client->fdt = fdt;
	client->phys = virt_to_phys(fdt);
	client->size = size;

	mutex_lock(&kho_out_lock);
	if (kho_find_client(name)) {
		err = -EEXIST;
		goto unlock;
	}
	err = kho_preserve_phys_locked(client->phys, size);
	if (err)
		goto unlock;
	list_add_tail(&client->list, &kho_clients);
	kho_nr_clients++;
	mutex_unlock(&kho_out_lock);
	return 0;

unlock:
	mutex_unlock(&kho_out_lock);
	kfree(client->name);
free_client:
	kfree(client);
	return err;
}
EXPORT_SYMBOL_GPL(kho_publish_fdt);

/**
 * kho_unpublish_fdt() - undo kho_publish_fdt()
 * @name: client name
 *
 * The client's FDT pages are no longer preserved; the blob itself is not
 * freed. On failure the blob is still published and preserved, so the
 * caller must not free it.
 *
 * Return: 0 on success, -ENOENT for an unknown name, -EBUSY after
 * kho_kexec_finalize() (until kho_kexec_abort()).
 */
int kho_unpublish_fdt(const char *name)
{
	struct kho_client *client;
	int err = -ENOENT;

	mutex_lock(&kho_out_lock);
	client = name ? kho_find_client(name) : NULL;
	if (!client)
		goto unlock;
	if (kho_finalized) {
		pr_warn("cannot unpublish \"%s\" after finalization\n", name);
		err = -EBUSY;
		goto unlock;
	}
	err = kho_unpreserve_phys_locked(client->phys, client->size);
	if (WARN_ON(err))
		goto unlock;
	list_del(&client->list);
	kho_nr_clients--;
	kfree(client->name);
	kfree(client);
unlock:
	mutex_unlock(&kho_out_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_unpublish_fdt);

/**
 * kho_handover_size() - room the handover block for the next kernel needs
 *
 * Return: bytes kho_fill_handover() writes: a &struct kho_handover and
 * the scratch table right behind it; 0 if KHO is disabled.
 */
size_t kho_handover_size(void)
{
	if (!kho_is_enabled())
		return 0;
	return sizeof(struct kho_handover) +
	       kho_out_nr_scratch * sizeof(struct kho_scratch_range);
}

/**
 * kho_fill_handover() - write the handover block for the next kernel
 * @buf: where to write
 * @len: bytes available at @buf
 * @phys: physical address at which the next kernel finds @buf
 *
 * Writes a &struct kho_handover followed by the scratch table it points
 * to. The root FDT it points at is written later, by kho_kexec_finalize().
 *
 * Return: 0 on success, -EOPNOTSUPP if KHO is disabled, -EINVAL if @len
 * is smaller than kho_handover_size().
 */
int kho_fill_handover(void *buf, size_t len, phys_addr_t phys)
{
	struct kho_handover *h = buf;
	size_t table = kho_out_nr_scratch * sizeof(struct kho_scratch_range);

	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	if (len < kho_handover_size())
		return -EINVAL;
	h->fdt_phys = virt_to_phys(kho_out_fdt);
	h->fdt_size = KHO_FDT_SIZE;
	h->scratch_phys = phys + sizeof(*h);
	h->scratch_size = table;
	memcpy(buf + sizeof(*h), kho_out_scratch, table);
	return 0;
}

/**
 * kho_locate_mem_hole() - place a kexec_file segment inside scratch
 * @kbuf: the segment
 * @fits: kexec's placement callback; returns 1 once it placed @kbuf
 *
 * Return: 1 if KHO does not apply (disabled, or a crash kernel) and the
 * usual search should run; 0 if @kbuf was placed in scratch; -ENOMEM if
 * scratch has no room for it.
 */
int kho_locate_mem_hole(struct kexec_buf *kbuf,
			int (*fits)(struct resource *res, void *arg))
{
	unsigned int i;

	if (!kho_is_enabled() || kbuf->image->type == KEXEC_TYPE_CRASH)
		return 1;

	for (i = 0; i < kho_out_nr_scratch; i++) {
		struct resource res = {
			.start = kho_out_scratch[i].base,
			.end = kho_out_scratch[i].base +
			       kho_out_scratch[i].size - 1,
			.flags = IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			.name = "KHO scratch",
		};

		if (fits(&res, kbuf) == 1)
			return 0;
	}
	pr_err("no room for a %lu byte kexec segment in scratch; boot with a larger kho_scratch=\n",
	       (unsigned long)kbuf->memsz);
	return -ENOMEM;
}

static void kho_free_out_chunks(void)
{
	unsigned int i;

	for (i = 0; i < kho_out_nr_chunks; i++)
		free_pages((unsigned long)kho_out_chunks[i].runs,
			   get_order(kho_out_chunks[i].cap *
				     sizeof(struct kho_mem_run)));
	kvfree(kho_out_chunks);
	kho_out_chunks = NULL;
	kho_out_nr_chunks = 0;
}

/*
 * Allocates pages for KHO's own metadata (map chunks, the root FDT) that
 * the next kernel can take over: outside scratch and inside the RAM it is
 * handed. Unmovable allocations never come from scratch, but they may come
 * from hot-added memory; retry a few times around such pages.
 */
static struct page *kho_alloc_meta(unsigned int order)
{
	struct page *bad[8], *page = NULL;
	unsigned int i, nr_bad = 0;
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_ZERO |
		    (order ? __GFP_NORETRY : 0);

	while (nr_bad < ARRAY_SIZE(bad)) {
		page = alloc_pages(gfp, order);
		if (!page || !kho_check_out_meta(page_to_phys(page),
						 PAGE_SIZE << order))
			break;
		bad[nr_bad++] = page;
		page = NULL;
	}
	for (i = 0; i < nr_bad; i++)
		__free_pages(bad[i], order);
	return page;
}

/* Allocates chunks for @nr_runs runs, large ones first, smaller if need be. */
static int kho_alloc_out_chunks(unsigned long nr_runs)
{
	const unsigned long per_page = PAGE_SIZE / sizeof(struct kho_mem_run);
	unsigned long left = nr_runs;

	kho_out_chunks = kvcalloc(DIV_ROUND_UP(nr_runs, per_page) + 1,
				  sizeof(*kho_out_chunks), GFP_KERNEL);
	if (!kho_out_chunks)
		return -ENOMEM;

	while (left) {
		struct kho_chunk *c = &kho_out_chunks[kho_out_nr_chunks];
		size_t bytes = min_t(u64, (u64)left * sizeof(*c->runs),
				     KHO_CHUNK_MAX);
		unsigned int order = get_order(bytes);
		struct page *page;

		for (;;) {
			page = kho_alloc_meta(order);
			if (page || !order)
				break;
			order--;
		}
		if (!page)
			return -ENOMEM;
		c->runs = page_address(page);
		c->cap = min(left, (PAGE_SIZE << order) / sizeof(*c->runs));
		c->nr = 0;
		kho_out_nr_chunks++;
		left -= c->cap;
	}
	return 0;
}

static int kho_fdt_err(int fdt_err)
{
	return fdt_err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

static int kho_build_fdt(u32 crc, const char *compatible)
{
	void *fdt = kho_out_fdt;
	struct kho_client *client;
	__be64 *map;
	unsigned int i;
	int err;

	err = fdt_create(fdt, KHO_FDT_SIZE);
	if (!err)
		err = fdt_finish_reservemap(fdt);
	if (!err)
		err = fdt_begin_node(fdt, "");
	if (!err)
		err = fdt_property_string(fdt, "compatible", compatible);
	if (!err)
		err = fdt_property_placeholder(fdt, KHO_PROP_MEM_MAP,
					       kho_out_nr_chunks * 2 * sizeof(u64),
					       (void **)&map);
	for (i = 0; !err && i < kho_out_nr_chunks; i++) {
		put_unaligned_be64(virt_to_phys(kho_out_chunks[i].runs),
				   &map[2 * i]);
		put_unaligned_be64(kho_out_chunks[i].nr *
				   sizeof(struct kho_mem_run), &map[2 * i + 1]);
	}
	if (!err)
		err = fdt_property_u32(fdt, KHO_PROP_MEM_MAP_CRC, crc);
	list_for_each_entry(client, &kho_clients, list) {
		if (!err)
			err = fdt_begin_node(fdt, client->name);
		if (!err)
			err = fdt_property_u64(fdt, KHO_PROP_CLIENT_FDT,
					       client->phys);
		if (!err)
			err = fdt_end_node(fdt);
	}
	if (!err)
		err = fdt_end_node(fdt);
	if (!err)
		err = fdt_finish(fdt);
	if (err) {
		pr_err("cannot build the root FDT: %s\n", fdt_strerror(err));
		return kho_fdt_err(err);
	}
	return 0;
}

#ifdef CONFIG_KEXEC_HANDOVER_TEST
static const char * const kho_corrupt_names[] = {
	[KHO_CORRUPT_NONE] = "none",
	[KHO_CORRUPT_FDT_HEADER] = "fdt-header",
	[KHO_CORRUPT_COMPATIBLE] = "compatible",
	[KHO_CORRUPT_MEM_MAP_CRC] = "mem-map-crc",
	[KHO_CORRUPT_MEM_MAP_OVERLAP] = "mem-map-overlap",
	[KHO_CORRUPT_FOREIGN] = "foreign",
};

/* Another kernel's format that this one does not understand (mainline's). */
#define KHO_FOREIGN_COMPATIBLE	"kho-v4"

static const char *kho_out_compatible(void)
{
	if (kho_corrupt_mode == KHO_CORRUPT_FOREIGN)
		return KHO_FOREIGN_COMPATIBLE;
	return KHO_FDT_COMPATIBLE;
}

/* Damages the finished handover on request of the test hook. */
static void kho_apply_corruption(u32 crc)
{
	char compat[] = KHO_FDT_COMPATIBLE;
	struct fdt_header *hdr = kho_out_fdt;
	struct kho_chunk *c = kho_out_chunks;

	switch (kho_corrupt_mode) {
	case KHO_CORRUPT_NONE:
		return;
	case KHO_CORRUPT_FOREIGN:
		/* Written so by kho_build_fdt() */
		break;
	case KHO_CORRUPT_FDT_HEADER:
		hdr->magic = cpu_to_fdt32(~FDT_MAGIC);
		break;
	case KHO_CORRUPT_COMPATIBLE:
		compat[sizeof(compat) - 2] ^= 0x7;
		fdt_setprop_inplace(kho_out_fdt, 0, "compatible", compat,
				    sizeof(compat));
		break;
	case KHO_CORRUPT_MEM_MAP_CRC:
		fdt_setprop_inplace_u32(kho_out_fdt, 0, KHO_PROP_MEM_MAP_CRC,
					~crc);
		break;
	case KHO_CORRUPT_MEM_MAP_OVERLAP:
		if (!kho_out_nr_chunks || c[0].nr < 2) {
			pr_warn("test: mem-map-overlap needs two runs; handover left intact\n");
			return;
		}
		c[0].runs[1] = c[0].runs[0];
		crc = kho_mem_map_crc(kho_out_chunks, kho_out_nr_chunks);
		fdt_setprop_inplace_u32(kho_out_fdt, 0, KHO_PROP_MEM_MAP_CRC,
					crc);
		break;
	}
	pr_warn("test: handover deliberately corrupted (%s)\n",
		kho_corrupt_names[kho_corrupt_mode]);
}
#else
static inline void kho_apply_corruption(u32 crc) { }

static const char *kho_out_compatible(void)
{
	return KHO_FDT_COMPATIBLE;
}
#endif

static int kho_check_clients(void)
{
	struct kho_client *client;

	list_for_each_entry(client, &kho_clients, list) {
		if (fdt_check_header(client->fdt) ||
		    fdt_totalsize(client->fdt) > client->size) {
			pr_err("client \"%s\" FDT is invalid or grew past its preserved pages\n",
			       client->name);
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * kho_kexec_finalize() - write the handover right before kexec
 *
 * Serializes the preserved-memory map and writes the root FDT. Afterwards
 * nothing more can be preserved. On failure everything is undone and the
 * kexec must be aborted.
 *
 * Return: 0 on success or if KHO is disabled, else a negative errno.
 */
int kho_kexec_finalize(void)
{
	u32 crc;
	int err;

	if (!kho_is_enabled())
		return 0;

	mutex_lock(&kho_out_lock);
	if (kho_finalized) {
		mutex_unlock(&kho_out_lock);
		return 0;
	}
	err = kho_check_clients();
	if (err)
		goto fail;
	kho_out_nr_runs = kho_tracker_count_runs(&kho_out_tracker);
	err = kho_alloc_out_chunks(kho_out_nr_runs);
	if (err)
		goto fail;
	err = kho_tracker_serialize(&kho_out_tracker, kho_out_chunks,
				    kho_out_nr_chunks);
	if (err)
		goto fail;
	crc = kho_mem_map_crc(kho_out_chunks, kho_out_nr_chunks);
	err = kho_build_fdt(crc, kho_out_compatible());
	if (err)
		goto fail;
	kho_apply_corruption(crc);
	kho_finalized = true;
#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
	kho_out_fdt_blob.size = fdt_totalsize(kho_out_fdt);
#endif
	mutex_unlock(&kho_out_lock);
	pr_info("handover finalized: %lu runs in %u chunks, %u clients\n",
		kho_out_nr_runs, kho_out_nr_chunks, kho_nr_clients);
	return 0;

fail:
	kho_free_out_chunks();
	mutex_unlock(&kho_out_lock);
	pr_err("cannot finalize the handover (%d); kexec aborted\n", err);
	return err;
}

/**
 * kho_kexec_abort() - undo kho_kexec_finalize() when the kexec does not happen
 *
 * For every path of kernel_kexec() that returns after kho_kexec_finalize()
 * succeeded (a later step failed, or a KEXEC_JUMP came back): frees the
 * serialized map and makes preserving, unpreserving and unpublishing
 * possible again. The next kho_kexec_finalize() writes a fresh handover.
 * Does nothing if the handover is not finalized.
 */
void kho_kexec_abort(void)
{
	if (!kho_is_enabled())
		return;

	mutex_lock(&kho_out_lock);
	if (kho_finalized) {
		kho_free_out_chunks();
		kho_out_nr_runs = 0;
		kho_finalized = false;
#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
		kho_out_fdt_blob.size = 0;
#endif
		pr_info("handover finalization undone\n");
	}
	mutex_unlock(&kho_out_lock);
}

/**
 * kho_blocks_kexec_load() - must the legacy kexec_load() be refused
 *
 * kexec_load() cannot place segments in scratch nor pass the handover.
 *
 * Return: true if anything is preserved or published.
 */
bool kho_blocks_kexec_load(void)
{
	bool busy;
	unsigned int o;

	if (!kho_is_enabled())
		return false;
	mutex_lock(&kho_out_lock);
	busy = !list_empty(&kho_clients);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		busy |= kho_out_tracker.nr_folios[o] != 0;
	mutex_unlock(&kho_out_lock);
	return busy;
}

/* ------------------------------------------------------------------ */
/* Initialization and debugfs                                          */
/* ------------------------------------------------------------------ */

static int __init kho_init(void)
{
	struct page *page;

	if (!kho_active)
		return 0;

	mutex_lock(&kho_out_lock);
	page = kho_alloc_meta(get_order(KHO_FDT_SIZE));
	mutex_unlock(&kho_out_lock);
	if (!page) {
		pr_err("cannot allocate the root FDT; KHO disabled\n");
		WRITE_ONCE(kho_active, false);
		return -ENOMEM;
	}
	kho_out_fdt = page_address(page);
	return 0;
}
core_initcall(kho_init);

static int __init kho_report_handover(void)
{
	if (!kho_in.accepted)
		return 0;
	kho_in.reserve_us = kho_cycles_to_us(kho_in.reserve_cycles);
	pr_info("handover accepted: %lu runs, %lu folios, %lu MiB preserved, reserved in %llu us\n",
		kho_in.nr_runs, kho_in.nr_folios,
		(unsigned long)(kho_in.bytes >> 20), kho_in.reserve_us);
	return 0;
}
early_initcall(kho_report_handover);

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
static int kho_out_stats_show(struct seq_file *m, void *v)
{
	unsigned int o;
	u64 total = 0;

	mutex_lock(&kho_out_lock);
	for (o = 0; o < kho_out_nr_scratch; o++) {
		seq_printf(m, "scratch%u=%#llx+%#llx\n", o,
			   kho_out_scratch[o].base, kho_out_scratch[o].size);
		total += kho_out_scratch[o].size;
	}
	seq_printf(m, "scratch_size=%llu\nscratch_inherited=%d\n", total,
		   kho_scratch_inherited);
	seq_printf(m, "clients=%u\nfinalized=%d\n", kho_nr_clients,
		   kho_finalized);
	if (kho_finalized)
		seq_printf(m, "runs=%lu\nchunks=%u\n", kho_out_nr_runs,
			   kho_out_nr_chunks);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		if (kho_out_tracker.nr_folios[o])
			seq_printf(m, "order%u=%lu\n", o,
				   kho_out_tracker.nr_folios[o]);
	mutex_unlock(&kho_out_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_out_stats);

static int kho_in_stats_show(struct seq_file *m, void *v)
{
	mutex_lock(&kho_in_lock);
	seq_printf(m, "runs=%lu\nfolios=%lu\nbytes=%llu\n", kho_in.nr_runs,
		   kho_in.nr_folios, kho_in.bytes);
	seq_printf(m, "restored_pages=%lu\nreleased=%d\nreleased_pages=%lu\n",
		   kho_in.restored_pages, kho_in.released,
		   kho_in.released_pages);
	seq_printf(m, "reserve_us=%llu\n", kho_in.reserve_us);
	seq_printf(m, "fdt_phys=%#llx\nfdt_size=%llu\n",
		   (u64)kho_in.fdt_phys, kho_in.fdt_size);
	mutex_unlock(&kho_in_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_in_stats);

#ifdef CONFIG_KEXEC_HANDOVER_TEST
static ssize_t kho_corrupt_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[32];
	int i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	i = sysfs_match_string(kho_corrupt_names, strim(buf));
	if (i < 0)
		return i;
	mutex_lock(&kho_out_lock);
	kho_corrupt_mode = i;
	mutex_unlock(&kho_out_lock);
	return count;
}

static int kho_corrupt_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", kho_corrupt_names[READ_ONCE(kho_corrupt_mode)]);
	return 0;
}

static int kho_corrupt_open(struct inode *inode, struct file *file)
{
	return single_open(file, kho_corrupt_show, NULL);
}

static const struct file_operations kho_corrupt_fops = {
	.owner = THIS_MODULE,
	.open = kho_corrupt_open,
	.read = seq_read,
	.write = kho_corrupt_write,
	.llseek = seq_lseek,
	.release = single_release,
};
#endif

static int __init kho_debugfs_init(void)
{
	struct dentry *root, *dir;

	if (!kho_active && !kho_in.accepted)
		return 0;

	root = debugfs_create_dir("kho", NULL);
	if (kho_active) {
		dir = debugfs_create_dir("out", root);
		kho_out_fdt_blob.data = kho_out_fdt;
		debugfs_create_blob("fdt", 0400, dir, &kho_out_fdt_blob);
		debugfs_create_file("stats", 0400, dir, NULL,
				    &kho_out_stats_fops);
#ifdef CONFIG_KEXEC_HANDOVER_TEST
		debugfs_create_file("corrupt", 0600, root, NULL,
				    &kho_corrupt_fops);
#endif
	}
	if (kho_in.accepted) {
		dir = debugfs_create_dir("in", root);
		mutex_lock(&kho_in_lock);
		if (!kho_in.released) {
			kho_in_fdt_blob.size = fdt_totalsize(kho_in_fdt());
			kho_in_fdt_blob.data = kmemdup(kho_in_fdt(),
						       kho_in_fdt_blob.size,
						       GFP_KERNEL);
			if (kho_in_fdt_blob.data)
				debugfs_create_blob("fdt", 0400, dir,
						    &kho_in_fdt_blob);
		}
		mutex_unlock(&kho_in_lock);
		debugfs_create_file("stats", 0400, dir, NULL,
				    &kho_in_stats_fops);
	}
	return 0;
}
fs_initcall(kho_debugfs_init);
#endif /* CONFIG_KEXEC_HANDOVER_DEBUGFS */
