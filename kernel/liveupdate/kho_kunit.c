// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver (KHO): KUnit tests.
 */

/**
 * DOC: KHO KUnit suite
 *
 * The preserved-memory map is the part of KHO where a mistake silently
 * corrupts memory in the next kernel, and it cannot be exercised by a
 * booted kernel without a kexec. These tests drive the pure parts with
 * made-up page frame numbers, so no real memory is touched: the tracker
 * (overlap refusal, removal), its serialization into sorted, coalesced
 * runs split across chunks, the checks the next kernel applies to every
 * run and to the metadata blocks (root FDT and map chunks) that must not
 * overlap each other, the runs, or memory already in use, and the
 * checksum over the chunks. One test touches real struct pages: it dresses
 * a block it allocated as early boot leaves a preserved folio (every page
 * reserved) and has KHO make a folio of it, or refuse to when a page is
 * in use.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "kho_internal.h"

#define MIB_PFN(x)	((unsigned long)(x) << (20 - PAGE_SHIFT))
#define RUN(p, o, c)	{ .phys = (p), .order = (o), .count = (c) }

static struct kho_tracker *kho_kunit_tracker(struct kunit *test)
{
	struct kho_tracker *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	kho_tracker_init(t);
	return t;
}

static void kho_tracker_overlap_test(struct kunit *test)
{
	struct kho_tracker *t = kho_kunit_tracker(test);
	unsigned long base = MIB_PFN(64);

	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base, 9), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base, 9), -EEXIST);
	/* inside the order-9 folio */
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base + 8, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base + 16, 4), -EEXIST);
	/* containing it */
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base, 10), -EEXIST);
	/* misaligned, bad order */
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base + 1, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base, MAX_PAGE_ORDER + 1),
			-EINVAL);
	/* next to it is fine */
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base + 512, 0), 0);

	KUNIT_EXPECT_EQ(test, kho_tracker_remove(t, base, 8), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_remove(t, base, 9), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_remove(t, base, 9), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, base + 8, 0), 0);
	KUNIT_EXPECT_EQ(test, t->nr_folios[0], 2UL);
	KUNIT_EXPECT_EQ(test, t->nr_folios[9], 0UL);
	kho_tracker_destroy(t);
}

/*
 * The tracker remembers the bitmap it looked up last in each order; going
 * back and forth between bitmap blocks and orders must still see every
 * folio, and the page count must follow adds and removes.
 */
static void kho_tracker_lookup_test(struct kunit *test)
{
	struct kho_tracker *t = kho_kunit_tracker(test);
	unsigned long a = MIB_PFN(64), b = a + 3 * KHO_BM_BITS;
	unsigned long i;

	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_EQ(test, kho_tracker_add(t, a + i, 0), 0);
		KUNIT_EXPECT_EQ(test, kho_tracker_add(t, b + i, 0), 0);
	}
	KUNIT_EXPECT_EQ(test, kho_tracker_nr_pages(t), 16UL);
	/* Every add above switched blocks: each must still be found. */
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_TRUE(test, kho_tracker_has(t, a + i, 0));
		KUNIT_EXPECT_TRUE(test, kho_tracker_has(t, b + i, 0));
		KUNIT_EXPECT_EQ(test, kho_tracker_add(t, a + i, 0), -EEXIST);
	}
	/* A large folio over tracked small ones, in the block last used. */
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, b, 3), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, b + 8, 3), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, b + 12, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_tracker_nr_pages(t), 24UL);
	KUNIT_EXPECT_EQ(test, kho_tracker_remove(t, a + 3, 0), 0);
	KUNIT_EXPECT_FALSE(test, kho_tracker_has(t, a + 3, 0));
	KUNIT_EXPECT_EQ(test, kho_tracker_remove(t, b + 8, 3), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, b + 12, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_nr_pages(t), 16UL);
	kho_tracker_destroy(t);
	/* Destroyed and set up again: nothing of before is remembered. */
	kho_tracker_init(t);
	KUNIT_EXPECT_FALSE(test, kho_tracker_has(t, b + 12, 0));
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, b + 12, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_nr_pages(t), 1UL);
	kho_tracker_destroy(t);
}

/*
 * A run is added as a whole or not at all: every overlap with what is
 * tracked, in any order and anywhere in the run (also across a bitmap
 * block), refuses it and leaves the tracker as it was.
 */
static void kho_tracker_run_test(struct kunit *test)
{
	struct kho_tracker *t = kho_kunit_tracker(test);
	unsigned long base = MIB_PFN(64), edge = 2 * KHO_BM_BITS;
	unsigned long i;

	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base + 1, 1, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, ULONG_MAX - 3, 0, 8),
			-EINVAL);

	/* Lone folios at the far end of runs that come later. */
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, base + 99, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, edge + 40, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, base + 1024, 9), 0);

	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base, 0, 100), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base + 64, 5, 2), -EEXIST);
	/* 64 pages either side of a bitmap block's edge, the order-3 one in */
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, edge - 64, 0, 128),
			-EEXIST);
	/* small folios running into the order-9 one */
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base + 512, 1, 257),
			-EEXIST);
	/* a large folio over small ones */
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base, 10, 1), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_tracker_nr_pages(t), 1UL + 8 + 512);

	/* What fits: 99 pages, and a run over the block edge. */
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base, 0, 99), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, edge - 64, 0, 104), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_add_run(t, base + 512, 1, 256), 0);
	for (i = 0; i < 99; i++)
		KUNIT_EXPECT_TRUE(test, kho_tracker_has(t, base + i, 0));
	for (i = edge - 64; i < edge + 40; i++)
		KUNIT_EXPECT_TRUE(test, kho_tracker_has(t, i, 0));
	/* The run stopped where the order-3 folio starts, which is kept. */
	KUNIT_EXPECT_FALSE(test, kho_tracker_has(t, edge + 40, 0));
	KUNIT_EXPECT_TRUE(test, kho_tracker_has(t, edge + 40, 3));
	KUNIT_EXPECT_EQ(test, t->nr_folios[0], 99UL + 104 + 1);
	KUNIT_EXPECT_EQ(test, t->nr_folios[1], 256UL);
	KUNIT_EXPECT_EQ(test, kho_tracker_nr_pages(t),
			100UL + 104 + 8 + 512 + 512);
	KUNIT_EXPECT_EQ(test, kho_tracker_remove(t, edge, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_remove(t, edge, 0), -ENOENT);
	kho_tracker_destroy(t);
}

static void kho_serialize_test(struct kunit *test)
{
	const struct kho_mem_run want[] = {
		RUN(0x4000000, 0, 3),	/* three order-0 folios coalesced */
		RUN(0x4004000, 1, 2),
		RUN(0x4008000, 0, 1),
		RUN(0x4200000, 9, 2),	/* two 2 MiB folios */
		RUN(0x4600000, 0, 1),
		/* crosses from one bitmap block into the next */
		RUN((u64)(KHO_BM_BITS - 1) << PAGE_SHIFT, 0, 2),
	};
	struct kho_tracker *t = kho_kunit_tracker(test);
	struct kho_chunk chunks[3];
	unsigned long i, k;
	unsigned int c;

	/* Added out of order on purpose. */
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, KHO_BM_BITS, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4600, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4400, 9), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4200, 9), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4006, 1), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4002, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4000, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4008, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4001, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, 0x4004, 1), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_add(t, KHO_BM_BITS - 1, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, 0x4005, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_add(t, 0x4002, 1), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_tracker_count_runs(t), ARRAY_SIZE(want));

	for (c = 0; c < ARRAY_SIZE(chunks); c++) {
		chunks[c].runs = kunit_kcalloc(test, 2,
					       sizeof(struct kho_mem_run),
					       GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, chunks[c].runs);
		chunks[c].cap = 2;
	}
	KUNIT_EXPECT_EQ(test, kho_tracker_serialize(t, chunks, 2), -ENOSPC);
	KUNIT_ASSERT_EQ(test, kho_tracker_serialize(t, chunks, 3), 0);

	k = 0;
	for (c = 0; c < ARRAY_SIZE(chunks); c++) {
		KUNIT_EXPECT_EQ(test, chunks[c].nr, 2UL);
		for (i = 0; i < chunks[c].nr; i++, k++) {
			KUNIT_EXPECT_EQ(test, chunks[c].runs[i].phys,
					want[k].phys);
			KUNIT_EXPECT_EQ(test, chunks[c].runs[i].order,
					want[k].order);
			KUNIT_EXPECT_EQ(test, chunks[c].runs[i].count,
					want[k].count);
		}
	}
	kho_tracker_destroy(t);
}

static const struct kho_scratch_range kho_kunit_scratch[] = {
	{ .base = SZ_512M, .size = SZ_128M },
};

/* Pretend RAM is [0, 2 GiB). */
static bool kho_kunit_in_memory(u64 start, u64 size)
{
	return start + size <= SZ_2G;
}

static const char *kho_kunit_check(const struct kho_mem_run *runs,
				   unsigned long nr)
{
	struct kho_run_check c = {
		.scratch = kho_kunit_scratch,
		.nr_scratch = ARRAY_SIZE(kho_kunit_scratch),
		.in_memory = kho_kunit_in_memory,
	};

	return kho_check_runs(&c, runs, nr);
}

static void kho_check_good_test(struct kunit *test)
{
	const struct kho_mem_run good[] = {
		RUN(SZ_1M, 0, 4),
		RUN(SZ_2M, 9, 3),
		RUN(SZ_512M - SZ_4K, 0, 1),	/* ends where scratch starts */
		RUN(SZ_512M + SZ_128M, 10, 1),
		RUN(SZ_1G, 0, 1),
	};
	struct kho_run_check c = {
		.scratch = kho_kunit_scratch,
		.nr_scratch = ARRAY_SIZE(kho_kunit_scratch),
		.in_memory = kho_kunit_in_memory,
	};

	/* Fed in two pieces, as from two chunks. */
	KUNIT_EXPECT_NULL(test, kho_check_runs(&c, good, 2));
	KUNIT_EXPECT_NULL(test, kho_check_runs(&c, good + 2, 3));
	KUNIT_EXPECT_EQ(test, c.nr_runs, 5UL);
	KUNIT_EXPECT_EQ(test, c.nr_folios, 4UL + 3 + 1 + 1 + 1);
	KUNIT_EXPECT_EQ(test, c.bytes, (u64)(4 + 3 * 512 + 1 + 1024 + 1) *
			PAGE_SIZE);
	/* An empty map is fine too. */
	KUNIT_EXPECT_NULL(test, kho_kunit_check(NULL, 0));
}

struct kho_bad_case {
	const char *what;
	struct kho_mem_run runs[2];
	unsigned long nr;
};

static const struct kho_bad_case kho_bad_cases[] = {
	{ "zero count", { RUN(SZ_4M, 0, 0) }, 1 },
	{ "order too big", { RUN(SZ_1G, MAX_PAGE_ORDER + 1, 1) }, 1 },
	{ "misaligned", { RUN(SZ_4M + SZ_4K, 1, 1) }, 1 },
	{ "overflow", { RUN(0xfffffffffffff000ULL, 0, 2) }, 1 },
	{ "unsorted", { RUN(SZ_8M, 0, 1), RUN(SZ_4M, 0, 1) }, 2 },
	{ "overlap", { RUN(SZ_4M, 0, 2), RUN(SZ_4M + SZ_4K, 0, 1) }, 2 },
	{ "duplicate", { RUN(SZ_4M, 0, 1), RUN(SZ_4M, 0, 1) }, 2 },
	{ "scratch", { RUN(SZ_512M + SZ_2M, 0, 1) }, 1 },
	{ "into scratch", { RUN(SZ_512M - SZ_2M, 9, 2) }, 1 },
	{ "below 1 MiB", { RUN(SZ_64K, 0, 1) }, 1 },
	{ "outside RAM", { RUN(SZ_4G, 0, 1) }, 1 },
};

static void kho_check_bad_test(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kho_bad_cases); i++) {
		const struct kho_bad_case *bc = &kho_bad_cases[i];
		const char *why = kho_kunit_check(bc->runs, bc->nr);

		KUNIT_EXPECT_NOT_NULL_MSG(test, why, "case %s", bc->what);
		if (why)
			kunit_info(test, "%s: %s\n", bc->what, why);
	}
	/* The reason names the problem. */
	KUNIT_EXPECT_STREQ(test, kho_kunit_check(kho_bad_cases[4].runs, 2),
			   "runs not sorted by address");
	KUNIT_EXPECT_STREQ(test, kho_kunit_check(kho_bad_cases[5].runs, 2),
			   "runs overlap");
	KUNIT_EXPECT_STREQ(test, kho_kunit_check(kho_bad_cases[7].runs, 1),
			   "run intersects a scratch region");
}

static void kho_blocks_test(struct kunit *test)
{
	struct kho_range ok[] = {
		{ SZ_64M, SZ_64M + SZ_64K },	/* root FDT */
		{ SZ_16M, SZ_16M + SZ_4M },	/* chunk */
		{ SZ_32M, SZ_32M + SZ_4K },	/* chunk */
		{ SZ_16M + SZ_4M, SZ_16M + SZ_8M },	/* touches, no overlap */
	};
	struct kho_range fdt_in_chunk[] = {
		{ SZ_16M + SZ_64K, SZ_16M + SZ_128K },
		{ SZ_16M, SZ_16M + SZ_4M },
	};
	struct kho_range twice[] = {
		{ SZ_32M, SZ_32M + SZ_4K },
		{ SZ_32M, SZ_32M + SZ_4K },
	};
	struct kho_range empty[] = { { SZ_32M, SZ_32M } };

	KUNIT_EXPECT_NULL(test, kho_check_blocks(ok, ARRAY_SIZE(ok)));
	/* Sorted on return, as kho_check_runs() expects. */
	KUNIT_EXPECT_EQ(test, ok[0].start, (u64)SZ_16M);
	KUNIT_EXPECT_EQ(test, ok[1].start, (u64)SZ_16M + SZ_4M);
	KUNIT_EXPECT_EQ(test, ok[3].start, (u64)SZ_64M);
	KUNIT_EXPECT_STREQ(test, kho_check_blocks(fdt_in_chunk, 2),
			   "root FDT and mem-map chunks overlap");
	KUNIT_EXPECT_STREQ(test, kho_check_blocks(twice, 2),
			   "root FDT and mem-map chunks overlap");
	KUNIT_EXPECT_NOT_NULL(test, kho_check_blocks(empty, 1));
}

/* Pretend [48 MiB, 49 MiB) and [100 MiB, 101 MiB) are in use already. */
static const struct kho_range kho_kunit_busy[] = {
	{ 48 * SZ_1M, 49 * SZ_1M },
	{ 100 * SZ_1M, 101 * SZ_1M },
};

static bool kho_kunit_overlaps_busy(struct kho_run_check *c, u64 start,
				    u64 end)
{
	while (c->busy_pos < ARRAY_SIZE(kho_kunit_busy) &&
	       kho_kunit_busy[c->busy_pos].end <= start)
		c->busy_pos++;
	return c->busy_pos < ARRAY_SIZE(kho_kunit_busy) &&
	       kho_kunit_busy[c->busy_pos].start < end;
}

static const char *kho_kunit_check_blocks(const struct kho_mem_run *runs,
					  unsigned long nr)
{
	/* Sorted and disjoint, as kho_check_blocks() leaves them. */
	static const struct kho_range blocks[] = {
		{ SZ_16M, SZ_16M + SZ_4M },
		{ SZ_64M, SZ_64M + SZ_64K },
	};
	struct kho_run_check c = {
		.scratch = kho_kunit_scratch,
		.nr_scratch = ARRAY_SIZE(kho_kunit_scratch),
		.in_memory = kho_kunit_in_memory,
		.blocks = blocks,
		.nr_blocks = ARRAY_SIZE(blocks),
		.overlaps_busy = kho_kunit_overlaps_busy,
	};

	return kho_check_runs(&c, runs, nr);
}

static void kho_check_blocks_runs_test(struct kunit *test)
{
	const struct kho_mem_run good[] = {
		RUN(SZ_1M, 0, 1),
		RUN(SZ_16M - SZ_4K, 0, 1),	/* ends where a chunk starts */
		RUN(SZ_16M + SZ_4M, 0, 1),	/* starts where it ends */
		RUN(SZ_32M, 9, 8),		/* between blocks and busy */
		RUN(49 * SZ_1M, 0, 1),		/* right after busy memory */
		RUN(SZ_64M + SZ_64K, 0, 1),	/* right after the FDT */
		RUN(101 * SZ_1M, 8, 1),
	};
	const struct kho_mem_run in_chunk[] = {
		RUN(SZ_1M, 0, 1), RUN(SZ_16M + SZ_1M, 0, 1),
	};
	const struct kho_mem_run over_fdt[] = {
		RUN(SZ_32M, 0, 1), RUN(SZ_64M - SZ_2M, 9, 2),
	};
	const struct kho_mem_run spans_chunk[] = { RUN(SZ_8M, 10, 4) };
	const struct kho_mem_run on_busy[] = {
		RUN(SZ_32M, 0, 1), RUN(100 * SZ_1M + SZ_512K, 0, 1),
	};
	const struct kho_mem_run into_busy[] = { RUN(47 * SZ_1M, 8, 2) };

	KUNIT_EXPECT_NULL(test, kho_kunit_check_blocks(good,
						       ARRAY_SIZE(good)));
	KUNIT_EXPECT_STREQ(test, kho_kunit_check_blocks(in_chunk, 2),
			   "run overlaps the root FDT or a mem-map chunk");
	KUNIT_EXPECT_STREQ(test, kho_kunit_check_blocks(over_fdt, 2),
			   "run overlaps the root FDT or a mem-map chunk");
	KUNIT_EXPECT_STREQ(test, kho_kunit_check_blocks(spans_chunk, 1),
			   "run overlaps the root FDT or a mem-map chunk");
	KUNIT_EXPECT_STREQ(test, kho_kunit_check_blocks(on_busy, 2),
			   "run overlaps memory already in use");
	KUNIT_EXPECT_STREQ(test, kho_kunit_check_blocks(into_busy, 1),
			   "run overlaps memory already in use");
}

static void kho_crc_test(struct kunit *test)
{
	struct kho_mem_run a[] = { RUN(SZ_4M, 0, 1), RUN(SZ_8M, 1, 2) };
	struct kho_mem_run b[] = { RUN(SZ_16M, 9, 1) };
	struct kho_chunk two[] = {
		{ .runs = a, .cap = 2, .nr = 2 },
		{ .runs = b, .cap = 1, .nr = 1 },
	};
	struct kho_mem_run all[] = { a[0], a[1], b[0] };
	struct kho_chunk one[] = { { .runs = all, .cap = 3, .nr = 3 } };
	u32 crc = kho_mem_map_crc(two, 2);

	/* Chunking does not change the checksum, any change of a run does. */
	KUNIT_EXPECT_EQ(test, crc, kho_mem_map_crc(one, 1));
	a[1].count++;
	KUNIT_EXPECT_NE(test, crc, kho_mem_map_crc(two, 2));
	a[1].count--;
	b[0].phys ^= SZ_2M;
	KUNIT_EXPECT_NE(test, crc, kho_mem_map_crc(two, 2));
	b[0].phys ^= SZ_2M;
	KUNIT_EXPECT_EQ(test, crc, kho_mem_map_crc(two, 2));
	/* Order of chunks matters. */
	swap(two[0], two[1]);
	KUNIT_EXPECT_NE(test, crc, kho_mem_map_crc(two, 2));
}

/* Leave @nr pages as early boot leaves the pages of a preserved folio. */
static void kho_kunit_reserve(struct page *page, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		set_page_count(page + i, 1);
		__SetPageReserved(page + i);
		INIT_LIST_HEAD(&page[i].lru);
		page[i].mapping = NULL;
		page[i].index = 0;
		set_page_private(page + i, 0);
	}
}

static void kho_kunit_expect_reserved(struct kunit *test, struct page *page,
				      unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_TRUE(test, PageReserved(page + i));
		KUNIT_EXPECT_EQ(test, page_ref_count(page + i), 1);
		KUNIT_EXPECT_FALSE(test, PageHead(page + i));
		KUNIT_EXPECT_FALSE(test, PageTail(page + i));
		KUNIT_EXPECT_NULL(test, page[i].mapping);
	}
}

static void kho_make_folio_test(struct kunit *test)
{
	const unsigned int order = 3;
	const unsigned long nr = 1UL << order;
	unsigned long i, which = ~0UL;
	struct folio *folio;
	struct page *page;

	page = alloc_pages(GFP_KERNEL, order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	kho_kunit_reserve(page, nr);

	/* A page in use: refused, and the pages done so far put back. */
	__ClearPageReserved(page + 5);
	KUNIT_EXPECT_FALSE(test, kho_make_folio(page, order, &which));
	KUNIT_EXPECT_EQ(test, which, 5UL);
	kho_kunit_expect_reserved(test, page, 5);
	kho_kunit_expect_reserved(test, page + 6, nr - 6);
	KUNIT_EXPECT_FALSE(test, PageReserved(page + 5));

	/* The head in use: nothing touched. */
	__SetPageReserved(page + 5);
	__ClearPageReserved(page);
	KUNIT_EXPECT_FALSE(test, kho_make_folio(page, order, &which));
	KUNIT_EXPECT_EQ(test, which, 0UL);
	kho_kunit_expect_reserved(test, page + 1, nr - 1);

	/* All reserved: one folio of refcount one (or no folio to put). */
	__SetPageReserved(page);
	KUNIT_ASSERT_TRUE(test, kho_make_folio(page, order, &which));
	folio = page_folio(page + nr - 1);
	KUNIT_EXPECT_PTR_EQ(test, folio, (struct folio *)page);
	KUNIT_EXPECT_EQ(test, folio_order(folio), order);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_FALSE(test, PageReserved(page + i));
		KUNIT_EXPECT_EQ(test, page_ref_count(page + i), i ? 0 : 1);
	}
	/* The page allocator's own checks of a freed large folio apply. */
	folio_put(folio);

	/* Order 0. */
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	kho_kunit_reserve(page, 1);
	KUNIT_ASSERT_TRUE(test, kho_make_folio(page, 0, &which));
	KUNIT_EXPECT_FALSE(test, PageReserved(page));
	KUNIT_EXPECT_FALSE(test, PageHead(page));
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	put_page(page);
}

/*
 * A folio made and then unmade (as KHO does to a folio built ahead of its
 * restore that is then restored as single pages or released) leaves
 * every byte of its struct pages as early boot left them, and can be
 * made again. Order 1 has no deferred-split list, order 2 the first.
 */
static void kho_unmake_folio_test(struct kunit *test)
{
	unsigned int order;

	for (order = 1; order <= 4; order++) {
		const unsigned long nr = 1UL << order;
		size_t bytes = nr * sizeof(struct page);
		unsigned long which;
		struct page *page, *boot;

		page = alloc_pages(GFP_KERNEL, order);
		KUNIT_ASSERT_NOT_NULL(test, page);
		boot = kunit_kmalloc(test, bytes, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, boot);
		kho_kunit_reserve(page, nr);
		memcpy(boot, page, bytes);

		KUNIT_ASSERT_TRUE(test, kho_make_folio(page, order, &which));
		KUNIT_EXPECT_EQ(test, folio_order(page_folio(page + nr - 1)),
				order);
		kho_unmake_folio(page, order);
		KUNIT_EXPECT_MEMEQ(test, page, boot, bytes);
		kho_kunit_expect_reserved(test, page, nr);

		/* Made again, it is a folio the page allocator takes back. */
		KUNIT_ASSERT_TRUE(test, kho_make_folio(page, order, &which));
		folio_put(page_folio(page));
	}
}

static struct kunit_case kho_kunit_cases[] = {
	KUNIT_CASE(kho_tracker_overlap_test),
	KUNIT_CASE(kho_tracker_lookup_test),
	KUNIT_CASE(kho_tracker_run_test),
	KUNIT_CASE(kho_serialize_test),
	KUNIT_CASE(kho_check_good_test),
	KUNIT_CASE(kho_check_bad_test),
	KUNIT_CASE(kho_blocks_test),
	KUNIT_CASE(kho_check_blocks_runs_test),
	KUNIT_CASE(kho_crc_test),
	KUNIT_CASE(kho_make_folio_test),
	KUNIT_CASE(kho_unmake_folio_test),
	{}
};

static struct kunit_suite kho_kunit_suite = {
	.name = "kho",
	.test_cases = kho_kunit_cases,
};

kunit_test_suite(kho_kunit_suite);

MODULE_DESCRIPTION("KUnit tests for Kexec HandOver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
