// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver (KHO): test client.
 */

/**
 * DOC: KHO test client
 *
 * Exercises KHO end to end without any other client: it preserves folios
 * of mixed orders filled with a pattern that can be recomputed from a
 * seed, publishes a small FDT that lists them, and in the next kernel
 * restores every folio and compares every byte. A kexec harness drives it
 * through /sys/kernel/debug/kho_test/:
 *
 * - ``cmd`` (write): ``churn <MiB>`` allocates that much memory in
 *   order-0 pages and frees every other page, to fragment memory;
 *   ``preserve <nr_folios> <seed>`` preserves and publishes;
 *   ``unpreserve`` undoes everything and frees it;
 *   ``drop-refs`` drops the client's own references to the folios it
 *   preserved, leaving only KHO's (they must survive all the same);
 *   ``preserve-at <phys>`` (hex) takes the free page at that address and
 *   tries to preserve it, returning KHO's error (then frees it again);
 *   ``bulk <MiB> <order> <seed>`` preserves that much memory in folios of
 *   one order (for benchmarks: each page carries one stamp word instead
 *   of a full pattern, and the list of folios lives in preserved chunks,
 *   not in the FDT). The next kernel restores them at boot, timing the
 *   restores alone, and ``bulk-verify`` then checks and frees them;
 *   ``restore-again`` then tries to restore the first of them once more,
 *   which KHO must refuse (the error of kho_block_size() is returned).
 * - ``status`` (read): ``preserved=<nr>`` for this kernel.
 * - ``bulk_result`` (read): ``folios=.. bad=.. missing=.. restore_us=..
 *   check_us=..`` after ``bulk-verify``, or ``none``.
 * - ``result`` (read): what the check after boot found, as
 *   ``folios=.. bytes=.. bad_order=.. bad_bytes=.. missing=..`` (bytes
 *   counts the restored folios' size, bad_bytes the bytes that differ), or
 *   ``none`` if the previous kernel handed nothing over for this client.
 */

#define pr_fmt(fmt) "kho_test: " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#define KHO_TEST_NAME		"kho-test"
#define KHO_TEST_COMPATIBLE	"kho-test-v1"
#define KHO_TEST_MAX_FOLIOS	SZ_1M
#define KHO_BULK_NAME		"kho-test-bulk"
#define KHO_BULK_COMPATIBLE	"kho-test-bulk-v1"
#define KHO_BULK_CHUNK_ORDER	9
#define KHO_BULK_PER_CHUNK	((PAGE_SIZE << KHO_BULK_CHUNK_ORDER) / sizeof(u64))
#define KHO_BULK_MAX_CHUNKS	64

/* Folio orders used in turn; includes a PMD-sized one. */
static const unsigned int kho_test_orders[] = { 0, 1, 2, 3, 0, 4, 0, 2, 9 };

/* One entry of the "folios" property, big endian. */
struct kho_test_entry {
	__be64 phys;
	__be32 order;
	__be32 index;
} __packed;

static DEFINE_MUTEX(kho_test_lock);
static LIST_HEAD(kho_test_churn);
static struct folio **kho_test_folios;
static unsigned int kho_test_nr;
/* Only KHO holds references to kho_test_folios. */
static bool kho_test_refs_dropped;
static struct page *kho_test_fdt_page;
static unsigned int kho_test_fdt_order;
static char kho_test_result[128] = "none\n";

/* Bulk mode: folio addresses in chunk folios, listed by a one-page FDT. */
static struct folio *kho_bulk_chunks[KHO_BULK_MAX_CHUNKS];
static unsigned int kho_bulk_nr, kho_bulk_nr_chunks, kho_bulk_order;
static struct page *kho_bulk_fdt_page;
static char kho_bulk_result[128] = "none\n";

/* splitmix64: cheap, good enough to notice any misplaced page. */
static u64 kho_test_mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static u64 kho_test_word(u64 seed, u32 index, u64 word)
{
	return kho_test_mix(seed ^ ((u64)index << 40) ^ word);
}

static void kho_test_fill(struct folio *folio, u64 seed, u32 index)
{
	u64 *p = folio_address(folio);
	size_t i, n = folio_size(folio) / sizeof(u64);

	for (i = 0; i < n; i++)
		p[i] = kho_test_word(seed, index, i);
}

/* Returns the number of bytes that differ from the pattern. */
static u64 kho_test_check(struct folio *folio, u64 seed, u32 index)
{
	const u64 *p = folio_address(folio);
	size_t i, n = folio_size(folio) / sizeof(u64);
	u64 bad = 0;

	for (i = 0; i < n; i++) {
		u64 diff = p[i] ^ kho_test_word(seed, index, i);
		unsigned int b;

		for (b = 0; diff && b < 8; b++, diff >>= 8)
			bad += (diff & 0xff) != 0;
	}
	return bad;
}

static void kho_test_free_churn(void)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, &kho_test_churn, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

static int kho_test_churn_mib(unsigned long mib)
{
	unsigned long i, nr = mib << (20 - PAGE_SHIFT);
	LIST_HEAD(all);
	struct page *page, *tmp;
	int err = 0;

	for (i = 0; i < nr; i++) {
		page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!page) {
			err = -ENOMEM;
			break;
		}
		list_add_tail(&page->lru, &all);
		cond_resched();
	}
	/* Keep every other page: the freed ones leave holes. */
	i = 0;
	list_for_each_entry_safe(page, tmp, &all, lru) {
		list_del(&page->lru);
		if (i++ & 1)
			list_add_tail(&page->lru, &kho_test_churn);
		else
			__free_page(page);
	}
	return err;
}

static void kho_test_release_folios(unsigned int nr, bool unpreserve)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		/* A folio that stays preserved must stay allocated too. */
		if (unpreserve && WARN_ON(kho_unpreserve_folio(kho_test_folios[i])))
			continue;
		if (!kho_test_refs_dropped)
			folio_put(kho_test_folios[i]);
	}
	kvfree(kho_test_folios);
	kho_test_folios = NULL;
	kho_test_nr = 0;
	kho_test_refs_dropped = false;
}

static int kho_test_build_fdt(u64 seed, unsigned int nr)
{
	size_t size = PAGE_SIZE + nr * sizeof(struct kho_test_entry);
	struct kho_test_entry *e;
	unsigned int i;
	void *fdt;
	int err;

	kho_test_fdt_order = get_order(size);
	kho_test_fdt_page = alloc_pages(GFP_KERNEL, kho_test_fdt_order);
	if (!kho_test_fdt_page)
		return -ENOMEM;
	fdt = page_address(kho_test_fdt_page);

	err = fdt_create(fdt, PAGE_SIZE << kho_test_fdt_order);
	if (!err)
		err = fdt_finish_reservemap(fdt);
	if (!err)
		err = fdt_begin_node(fdt, "");
	if (!err)
		err = fdt_property_string(fdt, "compatible",
					  KHO_TEST_COMPATIBLE);
	if (!err)
		err = fdt_property_u64(fdt, "seed", seed);
	if (!err)
		err = fdt_property_u32(fdt, "count", nr);
	if (!err)
		err = fdt_property_placeholder(fdt, "folios", nr * sizeof(*e),
					       (void **)&e);
	for (i = 0; !err && i < nr; i++) {
		put_unaligned_be64(folio_pfn(kho_test_folios[i]) << PAGE_SHIFT,
				   &e[i].phys);
		put_unaligned_be32(folio_order(kho_test_folios[i]),
				   &e[i].order);
		put_unaligned_be32(i, &e[i].index);
	}
	if (!err)
		err = fdt_end_node(fdt);
	if (!err)
		err = fdt_finish(fdt);
	if (err) {
		pr_err("cannot build FDT: %s\n", fdt_strerror(err));
		__free_pages(kho_test_fdt_page, kho_test_fdt_order);
		kho_test_fdt_page = NULL;
		return -EINVAL;
	}
	return 0;
}

static int kho_test_preserve(unsigned int nr, u64 seed)
{
	unsigned int i;
	int err;

	if (kho_test_folios)
		return -EBUSY;
	if (!nr || nr > KHO_TEST_MAX_FOLIOS)
		return -EINVAL;
	kho_test_folios = kvcalloc(nr, sizeof(*kho_test_folios), GFP_KERNEL);
	if (!kho_test_folios)
		return -ENOMEM;

	for (i = 0; i < nr; i++) {
		unsigned int order =
			kho_test_orders[i % ARRAY_SIZE(kho_test_orders)];
		struct folio *folio;

		folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
		if (!folio && order)
			folio = folio_alloc(GFP_KERNEL, 0);
		if (!folio) {
			err = -ENOMEM;
			goto undo;
		}
		kho_test_fill(folio, seed, i);
		err = kho_preserve_folio(folio);
		if (err) {
			folio_put(folio);
			goto undo;
		}
		kho_test_folios[i] = folio;
		cond_resched();
	}

	err = kho_test_build_fdt(seed, nr);
	if (err)
		goto undo;
	err = kho_publish_fdt(KHO_TEST_NAME,
			      page_address(kho_test_fdt_page));
	if (err) {
		__free_pages(kho_test_fdt_page, kho_test_fdt_order);
		kho_test_fdt_page = NULL;
		goto undo;
	}
	kho_test_nr = nr;
	pr_info("preserved %u folios (seed %llu)\n", nr, seed);
	return 0;

undo:
	pr_err("preserve failed at folio %u: %d\n", i, err);
	kho_test_release_folios(i, true);
	return err;
}

static u64 *kho_bulk_slot(struct folio **chunks, unsigned int i)
{
	u64 *chunk = folio_address(chunks[i / KHO_BULK_PER_CHUNK]);

	return &chunk[i % KHO_BULK_PER_CHUNK];
}

/* The stamp of page @pg of folio @i: one word per page is enough to spot
 * a page that moved or was overwritten.
 */
static void kho_bulk_stamp(struct folio *folio, u64 seed, u32 i)
{
	long pg;

	for (pg = 0; pg < folio_nr_pages(folio); pg++)
		*(u64 *)(folio_address(folio) + pg * PAGE_SIZE) =
			kho_test_word(seed, i, pg);
}

static bool kho_bulk_stamp_ok(struct folio *folio, u64 seed, u32 i)
{
	long pg;

	for (pg = 0; pg < folio_nr_pages(folio); pg++)
		if (*(u64 *)(folio_address(folio) + pg * PAGE_SIZE) !=
		    kho_test_word(seed, i, pg))
			return false;
	return true;
}

/*
 * Frees what kho_bulk_preserve() set up; @nr folios were preserved. What
 * KHO refuses to let go of (after finalization) is kept, not freed.
 */
static int kho_bulk_release(unsigned int nr)
{
	unsigned int i;
	int err;

	if (kho_bulk_fdt_page) {
		err = kho_unpublish_fdt(KHO_BULK_NAME);
		if (err) {
			pr_warn("bulk: cannot unpublish (%d); keeping everything\n",
				err);
			return err;
		}
		__free_page(kho_bulk_fdt_page);
		kho_bulk_fdt_page = NULL;
	}
	for (i = 0; i < nr; i++) {
		struct folio *folio = pfn_folio(PHYS_PFN(*kho_bulk_slot(kho_bulk_chunks, i)));

		if (!WARN_ON(kho_unpreserve_folio(folio)))
			folio_put(folio);
		if (!(i % 1024))
			cond_resched();
	}
	for (i = 0; i < kho_bulk_nr_chunks; i++) {
		if (!WARN_ON(kho_unpreserve_folio(kho_bulk_chunks[i])))
			folio_put(kho_bulk_chunks[i]);
		kho_bulk_chunks[i] = NULL;
	}
	kho_bulk_nr_chunks = 0;
	kho_bulk_nr = 0;
	return 0;
}

static int kho_bulk_build_fdt(u64 seed)
{
	void *fdt;
	__be64 *chunks;
	unsigned int i;
	int err;

	kho_bulk_fdt_page = alloc_page(GFP_KERNEL);
	if (!kho_bulk_fdt_page)
		return -ENOMEM;
	fdt = page_address(kho_bulk_fdt_page);
	err = fdt_create(fdt, PAGE_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", KHO_BULK_COMPATIBLE);
	err = err ?: fdt_property_u64(fdt, "seed", seed);
	err = err ?: fdt_property_u32(fdt, "order", kho_bulk_order);
	err = err ?: fdt_property_u32(fdt, "count", kho_bulk_nr);
	err = err ?: fdt_property_placeholder(fdt, "chunks",
					      kho_bulk_nr_chunks * sizeof(*chunks),
					      (void **)&chunks);
	for (i = 0; !err && i < kho_bulk_nr_chunks; i++)
		chunks[i] = cpu_to_be64(PFN_PHYS(folio_pfn(kho_bulk_chunks[i])));
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (!err)
		err = kho_publish_fdt(KHO_BULK_NAME, fdt);
	else
		err = -EINVAL;
	if (err) {
		__free_page(kho_bulk_fdt_page);
		kho_bulk_fdt_page = NULL;
	}
	return err;
}

static int kho_bulk_preserve(unsigned long mib, unsigned int order, u64 seed)
{
	unsigned long nr = (mib << (20 - PAGE_SHIFT)) >> order;
	unsigned int i = 0;
	int err;

	if (kho_bulk_nr || kho_bulk_fdt_page)
		return -EBUSY;
	if (!nr || order > MAX_PAGE_ORDER ||
	    DIV_ROUND_UP(nr, KHO_BULK_PER_CHUNK) > KHO_BULK_MAX_CHUNKS)
		return -EINVAL;
	kho_bulk_order = order;
	for (kho_bulk_nr_chunks = 0;
	     kho_bulk_nr_chunks < DIV_ROUND_UP(nr, KHO_BULK_PER_CHUNK);
	     kho_bulk_nr_chunks++) {
		struct folio *chunk = folio_alloc(GFP_KERNEL, KHO_BULK_CHUNK_ORDER);

		if (!chunk) {
			err = -ENOMEM;
			goto undo;
		}
		kho_bulk_chunks[kho_bulk_nr_chunks] = chunk;
		err = kho_preserve_folio(chunk);
		if (err) {
			folio_put(chunk);
			kho_bulk_chunks[kho_bulk_nr_chunks] = NULL;
			goto undo;
		}
	}
	for (i = 0; i < nr; i++) {
		struct folio *folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);

		if (!folio) {
			err = -ENOMEM;
			goto undo;
		}
		kho_bulk_stamp(folio, seed, i);
		err = kho_preserve_folio(folio);
		if (err) {
			folio_put(folio);
			goto undo;
		}
		*kho_bulk_slot(kho_bulk_chunks, i) = PFN_PHYS(folio_pfn(folio));
		if (!(i % 1024))
			cond_resched();
	}
	kho_bulk_nr = nr;
	err = kho_bulk_build_fdt(seed);
	if (err)
		goto undo;
	pr_info("bulk: preserved %u folios of order %u (%lu MiB)\n",
		kho_bulk_nr, order, mib);
	return 0;

undo:
	pr_err("bulk preserve failed at folio %u: %d\n", i, err);
	kho_bulk_release(i);
	return err;
}

/* What the previous kernel's bulk mode handed over, once restored. */
static struct {
	struct folio *chunks[KHO_BULK_MAX_CHUNKS];
	struct folio **folios;
	unsigned int nr_chunks, count, order, missing;
	u64 seed, restore_us;
	phys_addr_t first;
} kho_bulk_in;

/* Drops the client's own references: KHO's must keep the folios alive. */
static int kho_test_drop_refs(void)
{
	unsigned int i;

	if (!kho_test_folios || kho_test_refs_dropped)
		return -ENOENT;
	for (i = 0; i < kho_test_nr; i++)
		folio_put(kho_test_folios[i]);
	kho_test_refs_dropped = true;
	return 0;
}

/*
 * Takes the free page at @phys from the page allocator and tries to
 * preserve it: for memory KHO must refuse (hot-added memory, say).
 */
static int kho_test_preserve_at(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);
	int err;

	if (!pfn_valid(pfn))
		return -ENXIO;
	err = alloc_contig_range(pfn, pfn + 1, MIGRATE_MOVABLE, GFP_KERNEL);
	if (err)
		return err;
	err = kho_preserve_folio(pfn_folio(pfn));
	pr_info("preserve-at %pa: %d\n", &phys, err);
	if (!err)
		WARN_ON(kho_unpreserve_folio(pfn_folio(pfn)));
	free_contig_range(pfn, 1);
	return err;
}

/* Restoring a folio that was restored and freed must fail. */
static int kho_test_restore_again(void)
{
	struct folio *folio;
	size_t size;
	int err;

	if (!kho_bulk_in.first || kho_bulk_in.folios)
		return -ENOENT;
	err = kho_block_size(kho_bulk_in.first, &size);
	folio = kho_restore_folio(kho_bulk_in.first);
	if (folio) {
		pr_err("restore-again: folio at %pa restored twice\n",
		       &kho_bulk_in.first);
		return -EIO;
	}
	return err ?: -EIO;
}

static void kho_bulk_put_chunks(void)
{
	while (kho_bulk_in.nr_chunks)
		folio_put(kho_bulk_in.chunks[--kho_bulk_in.nr_chunks]);
}

/*
 * Restores every folio the previous kernel's bulk mode listed, timing the
 * restores alone. Runs at boot, before KHO releases what nobody claimed;
 * the check waits for "bulk-verify".
 */
static void __init kho_bulk_restore(phys_addr_t fdt_phys)
{
	const void *fdt = phys_to_virt(fdt_phys);
	const char *why = "bad property";
	const __be64 *prop;
	unsigned int i;
	u64 t0;
	int len;

	prop = fdt_getprop(fdt, 0, "seed", &len);
	if (!prop || len != sizeof(u64))
		goto malformed;
	kho_bulk_in.seed = be64_to_cpup(prop);
	prop = fdt_getprop(fdt, 0, "order", &len);
	if (!prop || len != sizeof(u32))
		goto malformed;
	kho_bulk_in.order = be32_to_cpup((const __be32 *)prop);
	prop = fdt_getprop(fdt, 0, "count", &len);
	if (!prop || len != sizeof(u32))
		goto malformed;
	kho_bulk_in.count = be32_to_cpup((const __be32 *)prop);
	prop = fdt_getprop(fdt, 0, "chunks", &len);
	if (!prop || len % sizeof(u64) ||
	    len / sizeof(u64) > KHO_BULK_MAX_CHUNKS ||
	    len / sizeof(u64) != DIV_ROUND_UP(kho_bulk_in.count, KHO_BULK_PER_CHUNK))
		goto malformed;
	for (i = 0; i < len / sizeof(u64); i++) {
		struct folio *chunk = kho_restore_folio(be64_to_cpu(prop[i]));

		if (!chunk || folio_order(chunk) != KHO_BULK_CHUNK_ORDER) {
			why = "chunk not preserved";
			if (chunk)
				folio_put(chunk);
			kho_bulk_put_chunks();
			goto malformed;
		}
		kho_bulk_in.chunks[kho_bulk_in.nr_chunks++] = chunk;
	}
	kho_bulk_in.folios = kvcalloc(kho_bulk_in.count,
				      sizeof(*kho_bulk_in.folios), GFP_KERNEL);
	if (!kho_bulk_in.folios) {
		why = "out of memory";
		kho_bulk_put_chunks();
		goto malformed;
	}

	if (kho_bulk_in.count)
		kho_bulk_in.first = *kho_bulk_slot(kho_bulk_in.chunks, 0);
	t0 = ktime_get_ns();
	for (i = 0; i < kho_bulk_in.count; i++)
		kho_bulk_in.folios[i] =
			kho_restore_folio(*kho_bulk_slot(kho_bulk_in.chunks, i));
	kho_bulk_in.restore_us = (ktime_get_ns() - t0) / NSEC_PER_USEC;
	pr_info("bulk: restored %u folios in %llu us\n", kho_bulk_in.count,
		kho_bulk_in.restore_us);
	/* The FDT and the chunks are consumed; "bulk-verify" needs only folios. */
	kho_bulk_put_chunks();
	__free_page(virt_to_page(fdt));
	return;

malformed:
	__free_page(virt_to_page(fdt));
	pr_err("bulk handover refused: %s\n", why);
	snprintf(kho_bulk_result, sizeof(kho_bulk_result), "malformed\n");
}

/* Checks and frees what kho_bulk_restore() got back. */
static int kho_bulk_verify(void)
{
	unsigned int i, bad = 0, missing = 0;
	u64 t0, check_us;

	if (!kho_bulk_in.folios)
		return -ENOENT;
	t0 = ktime_get_ns();
	for (i = 0; i < kho_bulk_in.count; i++) {
		struct folio *folio = kho_bulk_in.folios[i];

		if (!folio) {
			missing++;
			continue;
		}
		if (folio_order(folio) != kho_bulk_in.order ||
		    !kho_bulk_stamp_ok(folio, kho_bulk_in.seed, i))
			bad++;
		folio_put(folio);
		if (!(i % 1024))
			cond_resched();
	}
	check_us = (ktime_get_ns() - t0) / NSEC_PER_USEC;
	kvfree(kho_bulk_in.folios);
	kho_bulk_in.folios = NULL;
	snprintf(kho_bulk_result, sizeof(kho_bulk_result),
		 "folios=%u bad=%u missing=%u restore_us=%llu check_us=%llu\n",
		 kho_bulk_in.count - missing, bad, missing,
		 kho_bulk_in.restore_us, check_us);
	pr_info("bulk: %s", kho_bulk_result);
	return 0;
}

static int kho_test_unpreserve(void)
{
	int err;

	if (kho_test_fdt_page) {
		err = kho_unpublish_fdt(KHO_TEST_NAME);
		if (err) {
			/* Still published: the FDT and the folios must stay. */
			pr_warn("cannot unpublish (%d); keeping everything\n",
				err);
			return err;
		}
		__free_pages(kho_test_fdt_page, kho_test_fdt_order);
		kho_test_fdt_page = NULL;
	}
	if (kho_test_folios)
		kho_test_release_folios(kho_test_nr, true);
	kho_test_free_churn();
	return kho_bulk_release(kho_bulk_nr);
}

static ssize_t kho_test_cmd_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	unsigned int nr, order;
	unsigned long mib;
	char buf[64];
	u64 phys;
	u64 seed;
	int err = 0;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	mutex_lock(&kho_test_lock);
	if (sscanf(buf, "churn %lu", &mib) == 1)
		err = kho_test_churn_mib(mib);
	else if (sscanf(buf, "preserve %u %llu", &nr, &seed) == 2)
		err = kho_test_preserve(nr, seed);
	else if (sscanf(buf, "bulk %lu %u %llu", &mib, &order, &seed) == 3)
		err = kho_bulk_preserve(mib, order, seed);
	else if (!strcmp(strim(buf), "bulk-verify"))
		err = kho_bulk_verify();
	else if (!strcmp(strim(buf), "unpreserve"))
		err = kho_test_unpreserve();
	else if (!strcmp(strim(buf), "drop-refs"))
		err = kho_test_drop_refs();
	else if (!strcmp(strim(buf), "restore-again"))
		err = kho_test_restore_again();
	else if (sscanf(buf, "preserve-at %llx", &phys) == 1)
		err = kho_test_preserve_at(phys);
	else
		err = -EINVAL;
	mutex_unlock(&kho_test_lock);
	return err ? err : count;
}

static const struct file_operations kho_test_cmd_fops = {
	.owner = THIS_MODULE,
	.write = kho_test_cmd_write,
	.llseek = noop_llseek,
};

static int kho_test_status_show(struct seq_file *m, void *v)
{
	mutex_lock(&kho_test_lock);
	seq_printf(m, "preserved=%u\n", kho_test_nr);
	mutex_unlock(&kho_test_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_test_status);

static int kho_test_result_show(struct seq_file *m, void *v)
{
	seq_puts(m, kho_test_result);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_test_result);

static int kho_bulk_result_show(struct seq_file *m, void *v)
{
	seq_puts(m, kho_bulk_result);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_bulk_result);

/* Restores and checks every folio the previous kernel listed. */
static void kho_test_verify(const void *fdt)
{
	unsigned int i, count, bad_order = 0, bad_bytes = 0, missing = 0;
	const struct kho_test_entry *e;
	const void *prop;
	u64 seed, bytes = 0;
	int len;

	prop = fdt_getprop(fdt, 0, "compatible", &len);
	if (!prop || len != sizeof(KHO_TEST_COMPATIBLE) ||
	    memcmp(prop, KHO_TEST_COMPATIBLE, len))
		goto malformed;
	prop = fdt_getprop(fdt, 0, "seed", &len);
	if (!prop || len != sizeof(u64))
		goto malformed;
	seed = get_unaligned_be64(prop);
	prop = fdt_getprop(fdt, 0, "count", &len);
	if (!prop || len != sizeof(u32))
		goto malformed;
	count = get_unaligned_be32(prop);
	e = fdt_getprop(fdt, 0, "folios", &len);
	if (!e || len != count * sizeof(*e))
		goto malformed;

	for (i = 0; i < count; i++) {
		phys_addr_t phys = get_unaligned_be64(&e[i].phys);
		unsigned int order = get_unaligned_be32(&e[i].order);
		u32 index = get_unaligned_be32(&e[i].index);
		struct folio *folio = kho_restore_folio(phys);
		u64 bad;

		if (!folio) {
			missing++;
			continue;
		}
		if (folio_order(folio) != order)
			bad_order++;
		bad = kho_test_check(folio, seed, index);
		bad_bytes = min_t(u64, (u64)bad_bytes + bad, UINT_MAX);
		bytes += folio_size(folio);
		folio_put(folio);
		cond_resched();
	}
	snprintf(kho_test_result, sizeof(kho_test_result),
		 "folios=%u bytes=%llu bad_order=%u bad_bytes=%u missing=%u\n",
		 count - missing, bytes, bad_order, bad_bytes, missing);
	pr_info("verified %s", kho_test_result);
	return;

malformed:
	pr_err("malformed test FDT\n");
	snprintf(kho_test_result, sizeof(kho_test_result), "malformed\n");
}

static int __init kho_test_init(void)
{
	struct dentry *dir;
	phys_addr_t phys;
	size_t size;
	void *fdt;

	dir = debugfs_create_dir("kho_test", NULL);
	debugfs_create_file("cmd", 0200, dir, NULL, &kho_test_cmd_fops);
	debugfs_create_file("status", 0400, dir, NULL, &kho_test_status_fops);
	debugfs_create_file("result", 0400, dir, NULL, &kho_test_result_fops);
	debugfs_create_file("bulk_result", 0400, dir, NULL,
			    &kho_bulk_result_fops);

	if (!kho_find_fdt(KHO_BULK_NAME, &phys) &&
	    !kho_restore_phys(phys, PAGE_SIZE)) {
		if (!fdt_check_header(phys_to_virt(phys)) &&
		    fdt_totalsize(phys_to_virt(phys)) <= PAGE_SIZE)
			kho_bulk_restore(phys);
		else
			__free_page(pfn_to_page(PHYS_PFN(phys)));
	}

	if (kho_find_fdt(KHO_TEST_NAME, &phys))
		return 0;

	fdt = phys_to_virt(phys);
	if (fdt_check_header(fdt)) {
		pr_err("test FDT has a bad header\n");
		snprintf(kho_test_result, sizeof(kho_test_result), "malformed\n");
		return 0;
	}
	size = PAGE_ALIGN(fdt_totalsize(fdt));
	if (kho_restore_phys(phys, size)) {
		snprintf(kho_test_result, sizeof(kho_test_result), "malformed\n");
		return 0;
	}
	kho_test_verify(fdt);
	for (; size; size -= PAGE_SIZE, phys += PAGE_SIZE)
		__free_page(pfn_to_page(PHYS_PFN(phys)));
	return 0;
}
late_initcall(kho_test_init);
