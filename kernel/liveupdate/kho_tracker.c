// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: the preserved-memory tracker and the map format
 */

/**
 * DOC: KHO tracker
 *
 * The pure part of KHO, without any global state, so that KUnit can test
 * all of it: &struct kho_tracker records preserved folios in one bitmap per
 * order; kho_tracker_serialize() turns it into the sorted runs of the
 * handover map (&struct kho_mem_run); kho_check_runs() and
 * kho_check_blocks() are the checks the next kernel applies to a map
 * before it trusts any of it, and kho_mem_map_crc() its checksum.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "kho_internal.h"

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
		t->last_bm[o] = NULL;
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
		t->last_bm[o] = NULL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_destroy);

/**
 * kho_tracker_nr_pages() - pages of all folios a tracker holds
 * @t: the tracker
 *
 * Return: the number of base pages, over every order.
 */
unsigned long kho_tracker_nr_pages(const struct kho_tracker *t)
{
	unsigned long pages = 0;
	unsigned int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++)
		pages += t->nr_folios[o] << o;
	return pages;
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_nr_pages);

/* Largest naturally aligned block at @pfn that ends at or before @end. */
unsigned int kho_block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));
	return min_t(unsigned int, order, MAX_PAGE_ORDER);
}

/* The bitmap of @order with key @key, or NULL if there is none yet. */
static unsigned long *kho_bm_lookup(struct kho_tracker *t, unsigned int order,
				    unsigned long key)
{
	unsigned long *bm;

	if (t->last_bm[order] && t->last_key[order] == key)
		return t->last_bm[order];
	bm = xa_load(&t->bitmaps[order], key);
	if (bm) {
		t->last_key[order] = key;
		t->last_bm[order] = bm;
	}
	return bm;
}

/* True if any of folios [first, first + nr) of @order is tracked. */
static bool kho_bm_any(struct kho_tracker *t, unsigned int order,
		       unsigned long first, unsigned long nr)
{
	if (!t->nr_folios[order])
		return false;
	while (nr) {
		unsigned long key = first / KHO_BM_BITS;
		unsigned long bit = first % KHO_BM_BITS;
		unsigned long n = min(nr, KHO_BM_BITS - bit);
		unsigned long *bm = kho_bm_lookup(t, order, key);

		if (bm && find_next_bit(bm, bit + n, bit) < bit + n)
			return true;
		first += n;
		nr -= n;
	}
	return false;
}

/* True if the folio of @order at @pfn is tracked in that order. */
bool kho_tracker_has(struct kho_tracker *t, unsigned long pfn,
		     unsigned int order)
{
	return kho_bm_any(t, order, pfn >> order, 1);
}

/* The bitmap of @order with key @key, allocated if there is none yet. */
static unsigned long *kho_bm_get(struct kho_tracker *t, unsigned int order,
				 unsigned long key)
{
	unsigned long *bm = kho_bm_lookup(t, order, key);
	int err;

	if (bm)
		return bm;
	bm = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!bm)
		return NULL;
	err = xa_err(xa_store(&t->bitmaps[order], key, bm, GFP_KERNEL));
	if (err) {
		kfree(bm);
		return NULL;
	}
	return bm;
}

/**
 * kho_tracker_add_run() - record a physically contiguous run of folios
 * @t: the tracker
 * @pfn: first page frame of the run, aligned to 2^@order
 * @order: order of every folio of the run
 * @nr: number of folios, at least one
 *
 * The same as kho_tracker_add() on each folio of the run, at the cost of
 * one check per order and bitmap rather than per folio: the overlap check
 * looks for any tracked bit in the run's range in each order, and the run
 * is marked with bitmap_set(). All or nothing: on failure the tracker is
 * as it was, apart from empty bitmaps it may keep.
 *
 * Return: 0 on success; -EINVAL for a bad order, alignment or length;
 * -EEXIST if any page of the run is already tracked (in any order);
 * -ENOMEM.
 */
int kho_tracker_add_run(struct kho_tracker *t, unsigned long pfn,
			unsigned int order, unsigned long nr)
{
	unsigned long first, last, idx, left;
	unsigned int o;

	if (order > MAX_PAGE_ORDER || !IS_ALIGNED(pfn, 1UL << order) || !nr ||
	    nr > (ULONG_MAX >> order) || pfn + (nr << order) - 1 < pfn)
		return -EINVAL;
	first = pfn;
	last = pfn + (nr << order) - 1;

	/*
	 * Refuse overlaps here, so that the serialized map is always free
	 * of them: the next kernel rejects a map with an overlap as a whole.
	 */
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		if (kho_bm_any(t, o, first >> o, (last >> o) - (first >> o) + 1))
			return -EEXIST;

	/* Every bitmap first, so that running out of memory changes nothing. */
	idx = pfn >> order;
	for (left = nr; left; ) {
		unsigned long n = min(left, KHO_BM_BITS - idx % KHO_BM_BITS);

		if (!kho_bm_get(t, order, idx / KHO_BM_BITS))
			return -ENOMEM;
		idx += n;
		left -= n;
	}
	idx = pfn >> order;
	for (left = nr; left; ) {
		unsigned long n = min(left, KHO_BM_BITS - idx % KHO_BM_BITS);

		bitmap_set(kho_bm_lookup(t, order, idx / KHO_BM_BITS),
			   idx % KHO_BM_BITS, n);
		idx += n;
		left -= n;
	}
	t->nr_folios[order] += nr;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_tracker_add_run);

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
	return kho_tracker_add_run(t, pfn, order, 1);
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
	bm = kho_bm_lookup(t, order, idx / KHO_BM_BITS);
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
