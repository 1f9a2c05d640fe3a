// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: the incoming side, restore and release
 */

/**
 * DOC: KHO restore
 *
 * After boot every preserved folio belongs to KHO until its client takes
 * it back with kho_restore_folio() or kho_restore_phys(), or the
 * orchestrator calls kho_release_unclaimed() and KHO returns what nobody
 * claimed to the page allocator, together with the map and the root FDT.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <kunit/visibility.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/page-isolation.h>
#include <linux/pgalloc_tag.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>

#include "../../mm/internal.h"

#include "kho_internal.h"

const void *kho_in_fdt(void)
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
			      unsigned long *owned, unsigned long *built)
{
	unsigned int i;

	for (i = 0; chunks && i < nr; i++)
		kvfree(chunks[i].first);
	kfree(chunks);
	kvfree(owned);
	kvfree(built);
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
	unsigned long *owned, *built;
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
	built = kvcalloc(words, sizeof(long), GFP_KERNEL);
	if (!owned || !built)
		goto nomem;
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
		kho_in_free_index(chunks, n, owned, built);
		return -EINVAL;
	}
	kho_in.chunks = chunks;
	kho_in.nr_chunks = n;
	kho_in.owned = owned;
	kho_in.built = built;
	kho_in.indexed = true;
	return 0;

nomem:
	kho_in_free_index(chunks, n, owned, built);
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

		if (pb < first || pb + pageblock_nr_pages > last ||
		    pb + 1 == kho_in.last_pageblock)
			continue;
		kho_in.last_pageblock = pb + 1;
		if (get_pageblock_migratetype(page) == MIGRATE_UNMOVABLE)
			set_pageblock_migratetype(page, MIGRATE_MOVABLE);
	}
}

/*
 * Turns a page that was reserved at boot into a page of refcount @count.
 * Nobody else can reach the page before it is handed out, so the flag is
 * cleared without an atomic operation: a 2 MiB folio has 512 of them.
 */
static void kho_unreserve_page(struct page *page, int count)
{
	__ClearPageReserved(page);
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

/*
 * Give pages [@first, @end) of the folio at @page the state early boot
 * gave a reserved page: the reserved flag, one reference, a self-pointing
 * list head (which also clears a tail's compound head) and no folio
 * fields, which live in a tail's mapping, index and list head. The
 * reserved flag is for pages that are no part of a compound page: a tail
 * stops being one before its flag is set, the head once PG_head is gone.
 */
static void kho_reset_pages(struct page *page, unsigned long first,
			    unsigned long end)
{
	unsigned long i;

	for (i = first; i < end; i++) {
		struct page *p = page + i;

		if (i) {
			p->mapping = NULL;
			p->index = 0;
			INIT_LIST_HEAD(&p->lru);
		}
		set_page_count(p, 1);
		__SetPageReserved(p);
	}
}

/**
 * kho_unmake_folio() - undo kho_make_folio() on a folio nobody was given
 * @page: the folio's head page
 * @order: the folio's order
 *
 * Every page is left as early boot left it, so that the folio can be
 * made again, restored as single pages or freed in blocks.
 */
void kho_unmake_folio(struct page *page, unsigned int order)
{
	struct folio *folio = (struct folio *)page;

	if (order) {
		kho_reset_pages(page, 1, 1UL << order);
		/* The order, and flags the page allocator clears at free. */
		folio->_flags_1 &= ~PAGE_FLAGS_SECOND;
		__ClearPageHead(page);
	}
	kho_reset_pages(page, 0, 1);
}
EXPORT_SYMBOL_IF_KUNIT(kho_unmake_folio);

/* Is every page of [@page, @page + @nr) still reserved since boot? */
static bool kho_pages_reserved(struct page *page, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (unlikely(!PageReserved(page + i)))
			return false;
	return true;
}

/*
 * Is the folio of @order at @page, built ahead of its restore, still as
 * kho_make_folio() made it: a head of one reference and, unless
 * @head_only, tails of none that point at it? A page that differs was
 * taken or freed by someone else since; KHO must then neither hand the
 * folio out nor reset its pages. A restore checks the head only: reading
 * every tail would cost about what building the folio ahead saved.
 */
static bool kho_built_intact(struct page *page, unsigned int order,
			     bool head_only)
{
	unsigned long i, nr = 1UL << order;

	if (PageReserved(page) || page_ref_count(page) != 1 ||
	    !PageHead(page) || compound_order(page) != order)
		return false;
	for (i = 1; !head_only && i < nr; i++) {
		struct page *p = page + i;

		if (compound_head(p) != page || page_ref_count(p))
			return false;
	}
	return true;
}

#ifdef CONFIG_MEM_ALLOC_PROFILING
/*
 * Memory reserved at boot was never allocated and has no allocation tag.
 * Charge what KHO hands out to a tag of its own, as the page allocator
 * charges an allocation: /proc/allocinfo then shows restored memory, and
 * a split, copy or free of it finds the tag it expects (the empty marker
 * is only for pages about to be freed). A page that has a tag keeps it
 * (pages that were allocated, not reserved at boot).
 */
static void kho_tag_restored(struct page *page, unsigned int order)
{
	DEFINE_ALLOC_TAG(kho_restored);
	union codetag_ref *ref;

	if (!mem_alloc_profiling_enabled())
		return;
	ref = get_page_tag_ref(page);
	if (!ref)
		return;
	if (!ref->ct || is_codetag_empty(ref))
		alloc_tag_add(ref, &kho_restored, PAGE_SIZE << order);
	put_page_tag_ref(ref);
}
#else
static inline void kho_tag_restored(struct page *page, unsigned int order) { }
#endif

/*
 * Make the folio of @order at @page a folio of refcount one, in one pass
 * over its pages: a 2 MiB folio has 512 struct pages, a cache line each,
 * and writing them is most of the cost of restoring it (two thirds of
 * retrieving a memfd of THP, measured in QEMU), hence kho_build_ahead().
 * Every page of a preserved folio was reserved in early boot and has been
 * nobody's since; one that is not reserved any more is in use by this
 * kernel, and handing it out would give it two owners. Then the folio is
 * left as it was, *@which says which page, and false is returned. The
 * folio gets no allocation tag here: kho_tag_restored() charges it when
 * it is handed out.
 */
bool kho_make_folio(struct page *page, unsigned int order,
		    unsigned long *which)
{
	unsigned long i, nr = 1UL << order;

	for (i = 0; i < nr; i++) {
		struct page *p = page + i;

		if (unlikely(!PageReserved(p))) {
			kho_reset_pages(page, 0, i);
			*which = i;
			return false;
		}
		kho_unreserve_page(p, i ? 0 : 1);
		if (!i)
			continue;
		/* Early boot left page->private zero: only the tail fields. */
		p->mapping = TAIL_MAPPING;
		set_compound_head(p, page);
	}
	/* A head only once every page is in: nothing to undo above. */
	if (order) {
		__SetPageHead(page);
		prep_compound_head(page, order);
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(kho_make_folio);

/*
 * Restore up to @nr folios from @phys on, all of @order (any order if
 * @order is negative, then @nr is 1), as far as they are one run of the
 * map that KHO still owns, in one zone, with no page in use. Returns how
 * many, or -errno with *@why saying what is wrong with the first (NULL:
 * logged already).
 */
static long kho_restore_locked(phys_addr_t phys, int order, unsigned long nr,
			       struct folio **folios, const char **why)
{
	const struct kho_mem_run *r;
	unsigned long idx, end, i, pages;
	struct page *page;
	struct zone *zone;
	int err;

	lockdep_assert_held(&kho_in_lock);
	err = kho_in_ready(why);
	if (err)
		return err;
	err = kho_in_block(phys, why, &idx, &r);
	if (err < 0)
		return err;
	if (order >= 0 && err != order) {
		*why = "a preserved folio of another order";
		return -EINVAL;
	}
	order = err;
	/* The folios left in this run of the map, still owned. */
	end = idx + (((u64)r->count << (r->order + PAGE_SHIFT)) -
		     (phys - r->phys)) / (PAGE_SIZE << order);
	nr = min(nr, end - idx);
	nr = find_next_zero_bit(kho_in.owned, idx + nr, idx) - idx;

	/*
	 * Up to the first folio with a page in use, or in another zone than
	 * the first (each zone has its own managed count). Folios are
	 * reached by frame: struct pages are contiguous only in a section.
	 */
	page = pfn_to_page(PHYS_PFN(phys));
	zone = page_zone(page);
	for (i = 0; i < nr; i++) {
		unsigned long pfn = PHYS_PFN(phys) + (i << order), which = 0;
		struct page *head = pfn_to_page(pfn);
		bool ok;

		if (i && page_zone(head) != zone)
			break;
		/* One built ahead (kho_build_ahead()) is made already. */
		if (test_bit(idx + i, kho_in.built))
			ok = kho_built_intact(head, order, true);
		else
			ok = kho_make_folio(head, order, &which);
		if (!ok) {
			if (i)
				break;
			/* Its user keeps it: KHO neither hands it out nor frees it. */
			pr_err("cannot restore folio at %pa: page %lu of it is in use by this kernel; left to that user\n",
			       &phys, which);
			__clear_bit(idx, kho_in.owned);
			__clear_bit(idx, kho_in.built);
			*why = NULL;
			return -EBUSY;
		}
		kho_tag_restored(head, order);
		folios[i] = page_folio(head);
	}
	nr = i;
	pages = nr << order;

	bitmap_clear(kho_in.owned, idx, nr);
	bitmap_clear(kho_in.built, idx, nr);
	kho_fix_pageblocks(r, PHYS_PFN(phys), pages);
	adjust_managed_page_count(page, pages);
	kho_in.restored_pages += pages;
	return nr;
}

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
 * a preserved folio that KHO still owns, or a page of it is in use.
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	struct folio *folio;
	const char *why;
	long got;

	mutex_lock(&kho_in_lock);
	got = kho_restore_locked(phys, -1, 1, &folio, &why);
	mutex_unlock(&kho_in_lock);
	if (got < 0) {
		if (why)
			pr_warn_ratelimited("cannot restore folio at %pa: %s\n",
					    &phys, why);
		return NULL;
	}
	return folio;
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_restore_folios() - take back folios preserved as a contiguous run
 * @phys: physical address of the first folio
 * @order: the order every folio was preserved with
 * @nr: number of folios wanted, each starting where the one before ends
 * @folios: where to store the folios restored
 *
 * The same as kho_restore_folio() on each folio, in order, under one
 * lookup and one hold of KHO's lock, with the memory accounting done
 * once: for the many small folios of a large preserved buffer. It stops
 * early where the handover map's run ends, where the next folio lies in
 * another zone, or at a folio it would refuse; the caller goes on from
 * there with another call, which then restores the next folio or says
 * why not. A folio of another order is refused before anything is taken.
 *
 * Return: how many folios, from the first on, were restored (at least
 * one); -EINVAL if @nr is 0 or @order too large; and, with a log line:
 * -ENOENT if @phys is not preserved or there is no handover (any more);
 * -EINVAL if it is not the start of a preserved folio of @order; -EBUSY
 * if that folio was already restored or a page of it is in use by this
 * kernel; -ENOMEM.
 */
long kho_restore_folios(phys_addr_t phys, unsigned int order,
			unsigned long nr, struct folio **folios)
{
	const char *why;
	long got;

	if (!nr || order > MAX_PAGE_ORDER)
		return -EINVAL;
	mutex_lock(&kho_in_lock);
	got = kho_restore_locked(phys, order, nr, folios, &why);
	mutex_unlock(&kho_in_lock);
	if (got < 0 && why)
		pr_warn_ratelimited("cannot restore folio at %pa: %s\n",
				    &phys, why);
	return got;
}
EXPORT_SYMBOL_GPL(kho_restore_folios);

#ifdef CONFIG_KEXEC_HANDOVER_TEST
/*
 * Fault injection for the tests of what KHO does with a preserved page
 * this kernel uses (it must neither hand it out nor free it): make the
 * page at @phys, in a folio KHO still owns, look in use. A page of a
 * folio not built yet loses its reserved flag, as if allocated; one of a
 * built folio gets a reference more, as if someone took it. A restore
 * checks only the head of a built folio (kho_built_intact()): occupy a
 * tail only of a folio that is released, not restored. What KHO then
 * refuses leaks by design: the folio, or at release the whole block
 * around a page of a folio that was not built.
 */
int kho_test_occupy(phys_addr_t phys)
{
	const struct kho_mem_run *r;
	unsigned long idx;
	struct page *page;
	const char *why;
	bool built;
	int err;

	mutex_lock(&kho_in_lock);
	err = kho_in_ready(&why);
	if (err)
		goto out;
	if (!PAGE_ALIGNED(phys)) {
		err = -EINVAL;
		goto out;
	}
	r = kho_in_lookup(phys, &idx);
	if (!r || !test_bit(idx, kho_in.owned)) {
		err = -ENOENT;
		goto out;
	}
	page = pfn_to_page(PHYS_PFN(phys));
	built = test_bit(idx, kho_in.built);
	if (built)
		page_ref_inc(page);
	else
		__ClearPageReserved(page);
	pr_warn("test: the page at %pa is now in use by this kernel (%s folio)\n",
		&phys, built ? "built" : "reserved");
out:
	mutex_unlock(&kho_in_lock);
	return err;
}
#endif

/**
 * DOC: Building large folios ahead of their restore
 *
 * Restoring a large folio writes every struct page of it (see
 * kho_make_folio()), and for the 2 MiB folios of a THP memfd that is most
 * of what retrieving the memfd costs. None of it depends on the client.
 * So once the kernel is up, a work item on an unbound workqueue makes
 * every large folio that KHO still owns, while the rest of boot and user
 * space start on other CPUs, and marks it built; a later restore of a
 * built folio only hands it out. The work holds kho_in_lock for a batch
 * of folios at a time; a folio restored before the work reached it is
 * made by its restore as before, and one with a page in use is left for
 * its restore to refuse and log. Until restored, a built folio stays
 * KHO's: it is outside the managed page counts and the client finds it
 * unchanged. kho_restore_phys() and kho_release_unclaimed(), which hand
 * out single pages or free blocks across folios, undo a built folio
 * first (kho_unmake_folio()).
 */

/* Steps (folios looked at, runs passed) per hold of kho_in_lock. */
#define KHO_BUILD_BATCH		64

/*
 * Take up to KHO_BUILD_BATCH steps from folio @*k of run @*r of chunk @*c
 * on, a step being a folio looked at or a run or chunk passed over, and
 * make the large folios among them; the cursor moves past them. Returns
 * false once the map is done or nothing can be built any more.
 */
static bool kho_build_batch(unsigned int *c, unsigned long *r,
			    unsigned long *k)
{
	unsigned int n = 0;
	const char *why;

	lockdep_assert_held(&kho_in_lock);
	if (kho_in_ready(&why))
		return false;
	for (; *c < kho_in.nr_chunks && n < KHO_BUILD_BATCH; n++) {
		const struct kho_in_chunk *ch = &kho_in.chunks[*c];
		const struct kho_mem_run *run;
		unsigned long idx, pfn, which;

		if (*r == ch->nr) {
			(*c)++;
			*r = 0;
			continue;
		}
		run = &ch->runs[*r];
		/* Orders above MAX_PAGE_ORDER never pass kho_validate(). */
		if (!run->order || run->order > MAX_PAGE_ORDER ||
		    *k == run->count) {
			(*r)++;
			*k = 0;
			continue;
		}
		idx = ch->first[*r] + *k;
		pfn = PHYS_PFN(run->phys) + (*k << run->order);
		if (test_bit(idx, kho_in.owned) &&
		    !test_bit(idx, kho_in.built) &&
		    kho_make_folio(pfn_to_page(pfn), run->order, &which)) {
			__set_bit(idx, kho_in.built);
			kho_in.built_pages += 1UL << run->order;
		}
		(*k)++;
	}
	return *c < kho_in.nr_chunks;
}

static void kho_build_ahead(struct work_struct *work)
{
	unsigned long r = 0, k = 0, pages;
	u64 start = local_clock();
	unsigned int c = 0;
	bool more;

	do {
		mutex_lock(&kho_in_lock);
		more = kho_build_batch(&c, &r, &k);
		pages = kho_in.built_pages;
		kho_in.build_done = !more;
		mutex_unlock(&kho_in_lock);
		cond_resched();
	} while (more);
	if (pages)
		pr_info("built large folios of %lu pages ahead of their restore in %llu us\n",
			pages, (local_clock() - start) / NSEC_PER_USEC);
}

static DECLARE_WORK(kho_build_work, kho_build_ahead);

static int __init kho_build_ahead_init(void)
{
	/* Without LUO, kho_release_late() frees what initcalls left. */
	if (kho_in.accepted && IS_ENABLED(CONFIG_LIVEUPDATE))
		queue_work(system_unbound_wq, &kho_build_work);
	return 0;
}
subsys_initcall(kho_build_ahead_init);

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
 * of it was already restored or a page of it is in use by this kernel
 * (logged); nothing is restored on failure.
 */
int kho_restore_phys(phys_addr_t phys, size_t size)
{
	const struct kho_mem_run *run;
	phys_addr_t cur, end = phys + size;
	struct page *zone_first;
	const char *why = NULL;
	unsigned long nr = 0, idx;
	bool busy = false;
	int order, err;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) || end < phys)
		return -EINVAL;

	mutex_lock(&kho_in_lock);
	err = kho_in_ready(&why);
	for (cur = phys; !err && cur < end; cur += PAGE_SIZE << order) {
		order = kho_in_block(cur, &why, &idx, &run);
		if (order < 0) {
			err = order;
			break;
		}
		if (cur + (PAGE_SIZE << order) > end) {
			why = "range ends inside a preserved folio";
			err = -EINVAL;
		} else if (!busy) {
			struct page *page = pfn_to_page(PHYS_PFN(cur));

			/* A page this kernel uses would get two owners. */
			busy = test_bit(idx, kho_in.built) ?
			       !kho_built_intact(page, order, false) :
			       !kho_pages_reserved(page, 1UL << order);
		}
	}
	/* A range that is wrong is refused for that first. */
	if (!err && busy) {
		why = "a page of it is in use by this kernel";
		err = -EBUSY;
	}
	if (err) {
		mutex_unlock(&kho_in_lock);
		pr_warn_ratelimited("cannot restore [%pa + %zu]: %s\n",
				    &phys, size, why);
		return err;
	}

	for (cur = phys; cur < end; cur += PAGE_SIZE << order) {
		order = kho_in_block(cur, &why, &idx, &run);
		/* Single pages are handed out: a folio built ahead is undone. */
		if (__test_and_clear_bit(idx, kho_in.built))
			kho_unmake_folio(pfn_to_page(PHYS_PFN(cur)), order);
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
		kho_tag_restored(page, 0);
		nr++;
	}
	adjust_managed_page_count(zone_first, nr);
	kho_in.restored_pages += size >> PAGE_SHIFT;
	mutex_unlock(&kho_in_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_restore_phys);

/*
 * Gives a block of pages reserved since boot to the page allocator. A
 * page that is not reserved any more is in use by this kernel: then the
 * block is left as it was (logged) and false is returned.
 */
static bool kho_free_block(unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i, nr = 1UL << order;

	for (i = 0; i < nr; i++) {
		if (unlikely(!PageReserved(page + i))) {
			kho_reset_pages(page, 0, i);
			pr_err("not freeing %lu pages at pfn %#lx: page %lu is in use by this kernel\n",
			       nr, pfn, i);
			return false;
		}
		kho_unreserve_page(page + i, i ? 0 : 1);
	}
	clear_page_tag_ref(page);
	adjust_managed_page_count(page, nr);
	__free_pages(page, order);
	return true;
}

/*
 * Frees [@pfn, @end) in the largest naturally aligned blocks that stay
 * inside one zone: a TiB is a million calls, not 268 million. Returns how
 * many pages were freed.
 */
static unsigned long kho_free_range(unsigned long pfn, unsigned long end)
{
	unsigned long freed = 0;

	while (pfn < end) {
		unsigned int order = kho_block_order(pfn, end);
		struct zone *zone = page_zone(pfn_to_page(pfn));

		while (order && !zone_spans_pfn(zone, pfn + (1UL << order) - 1))
			order--;
		if (kho_free_block(pfn, order))
			freed += 1UL << order;
		pfn += 1UL << order;
		cond_resched();
	}
	return freed;
}

/* Frees the folios of run @r that KHO still owns; returns how many pages. */
static unsigned long kho_release_run(const struct kho_mem_run *r,
				     unsigned long first, unsigned long *owned,
				     const unsigned long *built)
{
	unsigned long end = first + r->count, i = first, n = 0, b = first;

	/* Blocks are freed across folios: undo those built ahead. */
	for_each_set_bit_from(b, built, end) {
		unsigned long pfn = PHYS_PFN(r->phys) + ((b - first) << r->order);
		struct page *page = pfn_to_page(pfn);

		if (kho_built_intact(page, r->order, false)) {
			kho_unmake_folio(page, r->order);
			continue;
		}
		pr_err("not freeing %lu pages at pfn %#lx: a page of them is in use by this kernel\n",
		       1UL << r->order, pfn);
		__clear_bit(b, owned);
	}
	while (i < end) {
		unsigned long s = find_next_bit(owned, end, i), e, pfn, nr;

		if (s >= end)
			break;
		e = find_next_zero_bit(owned, end, s);
		pfn = PHYS_PFN(r->phys) + ((s - first) << r->order);
		nr = (e - s) << r->order;
		kho_fix_pageblocks(r, pfn, nr);
		n += kho_free_range(pfn, pfn + nr);
		i = e;
	}
	return n;
}

/*
 * Restoring is over once this runs: recompute the watermarks and lowmem
 * reserves for the memory that came back, as memory hotplug does, and not
 * while memory is being onlined or offlined.
 */
static void kho_recompute_reserves(void)
{
	get_online_mems();
	init_per_zone_wmark_min();
	put_online_mems();
}

/**
 * kho_release_unclaimed() - free incoming preserved memory nobody restored
 *
 * Called by the orchestrator once every client had its chance to restore
 * its memory. Frees every preserved folio that KHO still owns, the memory
 * map and the root FDT, in large blocks and without holding any lock
 * while it frees. Afterwards kho_find_fdt() finds nothing and nothing can
 * be restored. Does nothing the second time. If KHO cannot allocate the
 * index over the map that freeing needs (then no client can have restored
 * anything either), nothing is freed and an error says how much memory
 * stays reserved.
 */
void kho_release_unclaimed(void)
{
	struct kho_in_chunk *chunks;
	unsigned long *owned, *built;
	unsigned long n = 0;
	unsigned int c, nr_chunks;
	const char *why;
	int err;

	mutex_lock(&kho_in_lock);
	err = kho_in_ready(&why);
	if (err) {
		mutex_unlock(&kho_in_lock);
		/* Without an index nothing was restored: all of it stays put. */
		if (err != -ENOENT)
			pr_err("cannot release unclaimed memory: %s (%d); %lu MiB stay reserved\n",
			       why, err, (unsigned long)(kho_in.bytes >> 20));
		return;
	}
	/* From here on nothing can be restored or looked up. */
	kho_in.released = true;
	chunks = kho_in.chunks;
	nr_chunks = kho_in.nr_chunks;
	owned = kho_in.owned;
	built = kho_in.built;
	kho_in.chunks = NULL;
	kho_in.nr_chunks = 0;
	kho_in.owned = NULL;
	kho_in.built = NULL;
	mutex_unlock(&kho_in_lock);

	for (c = 0; c < nr_chunks; c++) {
		const struct kho_in_chunk *ch = &chunks[c];
		unsigned long i;

		for (i = 0; i < ch->nr; i++) {
			/* Checked at boot; never shift by an order that was not. */
			if (WARN_ON_ONCE(ch->runs[i].order > MAX_PAGE_ORDER))
				continue;
			n += kho_release_run(&ch->runs[i], ch->first[i], owned,
					     built);
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
	kho_in_free_index(chunks, nr_chunks, owned, built);

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
