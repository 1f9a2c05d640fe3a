// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for shmem_insert_folios().
 */

/**
 * DOC: shmem insert KUnit suite
 *
 * The next kernel of a live update refills a memfd with the folios the
 * previous one preserved through shmem_insert_folios(), which stores
 * many small folios under one hold of the page cache lock and steps from
 * slot to slot instead of walking the xarray from its root for each.
 * These tests put folios into a fresh shmem file and check, slot by slot,
 * that each landed at its offset with the references, flags and counts
 * of a page cache folio; that a batch stops at the first occupied slot
 * with the folios before it inserted and those after it untouched; and
 * that batches crossing xarray nodes and the lock's batch size, and bad
 * arguments, behave as documented.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>

#define SHMEM_KUNIT_PAGES	512
#define SHMEM_KUNIT_FOLIOS	200

struct shmem_kunit {
	struct file *file;
	struct folio *folios[SHMEM_KUNIT_FOLIOS];
	unsigned int nr;
};

/* Also after a failed init: KUnit calls both. */
static void shmem_kunit_exit(struct kunit *test)
{
	struct shmem_kunit *sk = test->priv;

	if (!sk)
		return;
	if (!IS_ERR_OR_NULL(sk->file))
		fput(sk->file);
	sk->file = NULL;
	while (sk->nr)
		folio_put(sk->folios[--sk->nr]);
}

static int shmem_kunit_init(struct kunit *test)
{
	struct shmem_kunit *sk = kunit_kzalloc(test, sizeof(*sk), GFP_KERNEL);
	struct folio *folio;

	if (!sk)
		return -ENOMEM;
	test->priv = sk;
	sk->file = shmem_file_setup("shmem_kunit",
				    (loff_t)SHMEM_KUNIT_PAGES << PAGE_SHIFT,
				    VM_NORESERVE);
	if (IS_ERR(sk->file))
		return PTR_ERR(sk->file);
	while (sk->nr < SHMEM_KUNIT_FOLIOS) {
		folio = folio_alloc(GFP_KERNEL, 0);
		if (!folio)
			return -ENOMEM;
		sk->folios[sk->nr++] = folio;
	}
	return 0;
}

/* Folio @i of the test is in the file at @index, as page cache. */
static void shmem_kunit_expect_at(struct kunit *test, unsigned int i,
				  pgoff_t index)
{
	struct shmem_kunit *sk = test->priv;
	struct folio *folio = sk->folios[i];
	struct folio *found;

	/* The LRU's per-CPU batches hold references of their own. */
	lru_add_drain_all();
	found = filemap_get_folio(sk->file->f_mapping, index);
	KUNIT_ASSERT_FALSE(test, IS_ERR(found));
	KUNIT_EXPECT_PTR_EQ(test, found, folio);
	folio_put(found);
	KUNIT_EXPECT_PTR_EQ(test, folio->mapping, sk->file->f_mapping);
	KUNIT_EXPECT_EQ(test, folio->index, index);
	/* Ours and the page cache's. */
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 2);
	KUNIT_EXPECT_TRUE(test, folio_test_uptodate(folio));
	KUNIT_EXPECT_TRUE(test, folio_test_dirty(folio));
	KUNIT_EXPECT_TRUE(test, folio_test_swapbacked(folio));
	KUNIT_EXPECT_FALSE(test, folio_test_locked(folio));
}

/* Folio @i of the test is as shmem_insert_folios() got it. */
static void shmem_kunit_expect_untouched(struct kunit *test, unsigned int i)
{
	struct folio *folio = ((struct shmem_kunit *)test->priv)->folios[i];

	KUNIT_EXPECT_NULL(test, folio->mapping);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_FALSE(test, folio_test_uptodate(folio));
	KUNIT_EXPECT_FALSE(test, folio_test_locked(folio));
	KUNIT_EXPECT_FALSE(test, folio_test_swapbacked(folio));
}

static void shmem_insert_slots_test(struct kunit *test)
{
	struct shmem_kunit *sk = test->priv;
	struct address_space *mapping = sk->file->f_mapping;
	unsigned int inserted, i;

	KUNIT_ASSERT_EQ(test, shmem_insert_folios(sk->file, sk->folios, 8, 0,
						  &inserted), 0);
	KUNIT_EXPECT_EQ(test, inserted, 8);
	for (i = 0; i < 8; i++)
		shmem_kunit_expect_at(test, i, i);
	KUNIT_EXPECT_EQ(test, mapping->nrpages, 8UL);
	KUNIT_EXPECT_EQ(test, sk->file->f_inode->i_blocks,
			(blkcnt_t)8 << (PAGE_SHIFT - 9));
}

static void shmem_insert_conflict_test(struct kunit *test)
{
	struct shmem_kunit *sk = test->priv;
	unsigned int inserted, i;

	/* Slot 20 taken, then a batch over 16..23: 16..19 go in. */
	KUNIT_ASSERT_EQ(test, shmem_insert_folios(sk->file, sk->folios, 1, 20,
						  &inserted), 0);
	KUNIT_EXPECT_EQ(test, shmem_insert_folios(sk->file, sk->folios + 1, 8,
						  16, &inserted), -EEXIST);
	KUNIT_EXPECT_EQ(test, inserted, 4);
	for (i = 0; i < 4; i++)
		shmem_kunit_expect_at(test, 1 + i, 16 + i);
	for (i = 4; i < 8; i++)
		shmem_kunit_expect_untouched(test, 1 + i);
	/* The very first slot taken: nothing goes in. */
	KUNIT_EXPECT_EQ(test, shmem_insert_folios(sk->file, sk->folios + 9, 4,
						  19, &inserted), -EEXIST);
	KUNIT_EXPECT_EQ(test, inserted, 0);
	for (i = 9; i < 13; i++)
		shmem_kunit_expect_untouched(test, i);
	KUNIT_EXPECT_EQ(test, sk->file->f_mapping->nrpages, 5UL);
	/* The folios refused go in where there is room. */
	KUNIT_EXPECT_EQ(test, shmem_insert_folios(sk->file, sk->folios + 5, 4,
						  21, &inserted), 0);
	for (i = 5; i < 9; i++)
		shmem_kunit_expect_at(test, i, 16 + i);
}

/*
 * Long batches: 199 folios from slot 300 stop at slot 390, taken, in
 * their second hold of the page cache lock, after crossing into the
 * node of slots 320-383; the 109 left go in from slot 100, across two
 * nodes that do not exist yet and two holds of the lock.
 */
static void shmem_insert_long_test(struct kunit *test)
{
	struct shmem_kunit *sk = test->priv;
	unsigned int inserted, i;

	KUNIT_ASSERT_EQ(test, shmem_insert_folios(sk->file, sk->folios, 1,
						  390, &inserted), 0);
	KUNIT_EXPECT_EQ(test, shmem_insert_folios(sk->file, sk->folios + 1,
						  SHMEM_KUNIT_FOLIOS - 1, 300,
						  &inserted), -EEXIST);
	KUNIT_EXPECT_EQ(test, inserted, 90);
	shmem_kunit_expect_untouched(test, 91);
	KUNIT_ASSERT_EQ(test, shmem_insert_folios(sk->file, sk->folios + 91,
						  SHMEM_KUNIT_FOLIOS - 91, 100,
						  &inserted), 0);
	KUNIT_EXPECT_EQ(test, inserted, SHMEM_KUNIT_FOLIOS - 91);
	for (i = 1; i < 91; i++)
		shmem_kunit_expect_at(test, i, 299 + i);
	for (i = 91; i < SHMEM_KUNIT_FOLIOS; i++)
		shmem_kunit_expect_at(test, i, 9 + i);
	KUNIT_EXPECT_EQ(test, sk->file->f_mapping->nrpages,
			(unsigned long)SHMEM_KUNIT_FOLIOS);
}

static void shmem_insert_bad_test(struct kunit *test)
{
	struct shmem_kunit *sk = test->priv;
	unsigned int inserted = 1;

	KUNIT_EXPECT_EQ(test, shmem_insert_folios(sk->file, sk->folios, 0, 0,
						  &inserted), -EINVAL);
	KUNIT_EXPECT_EQ(test, inserted, 0);
	/* At the end of the file, and running past it. */
	KUNIT_EXPECT_EQ(test, shmem_insert_folios(sk->file, sk->folios, 1,
						  SHMEM_KUNIT_PAGES, &inserted),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, shmem_insert_folios(sk->file, sk->folios, 4,
						  SHMEM_KUNIT_PAGES - 3,
						  &inserted), -EINVAL);
	shmem_kunit_expect_untouched(test, 0);
	KUNIT_EXPECT_EQ(test, sk->file->f_mapping->nrpages, 0UL);
}

static struct kunit_case shmem_insert_cases[] = {
	KUNIT_CASE(shmem_insert_slots_test),
	KUNIT_CASE(shmem_insert_conflict_test),
	KUNIT_CASE(shmem_insert_long_test),
	KUNIT_CASE(shmem_insert_bad_test),
	{}
};

static struct kunit_suite shmem_insert_suite = {
	.name = "shmem-insert",
	.init = shmem_kunit_init,
	.exit = shmem_kunit_exit,
	.test_cases = shmem_insert_cases,
};

kunit_test_suite(shmem_insert_suite);

MODULE_DESCRIPTION("KUnit tests for shmem_insert_folios()");
MODULE_LICENSE("GPL");
