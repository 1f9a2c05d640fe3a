// SPDX-License-Identifier: GPL-2.0
/*
 * Live update of a memfd: its folios, as they are, in the next kernel.
 */

/**
 * DOC: memfd preservation
 *
 * A VMM keeps guest memory in a memfd; this file handler carries such a
 * memfd through a live update without copying a byte: the next kernel's
 * memfd has the very same physical pages. The format is in
 * include/linux/liveupdate/memfd_abi.h.
 *
 * %LIVEUPDATE_SESSION_PRESERVE_FD pins the file's size (shmem_pin_size():
 * truncate, grow and fallocate() fail with EPERM from now on, because a
 * folio that left the file would be freed under the next kernel) and
 * preserves every folio the file has before its end, in KHO, recording
 * each in a chain of chunks (pages in swap are read back first; shmem
 * keeps a pinned file's folios out of swap from then on, and they are kept
 * off reclaim altogether until the file is unpreserved). Folios in KHO
 * scratch, where the next kernel boots, are migrated out first with a
 * long-term pin, as memfd_pin_folios() does for any long-term user.
 * Holes are not touched: nothing is allocated for them, and they stay
 * holes. Large folios are preserved as large folios. A folio fallocate()
 * left unwritten is zeroed first, as shmem would on its first read;
 * folios it left past the end (FALLOC_FL_KEEP_SIZE) are not the file's
 * data and are not handed over.
 *
 * The workload keeps running. Writes into the file's folios need nothing,
 * since the folios themselves are handed over. A hole the workload fills
 * after PRESERVE_FD gets a new folio, which PREPARE and FREEZE catch up
 * with: shmem counts a file's pages (``alloced``), and as no folio can
 * leave a pinned file kept off reclaim (a large folio shmem splits at the
 * file's end before the first walk reached it is the exception), a count
 * that changed since the last walk means new folios, and only then is the
 * file walked again; so does a page found in swap. FREEZE then records the
 * size, the position, the seals and the mode, checksums the chunks and
 * preserves them. A hole
 * filled after FREEZE is not handed over. CANCEL leaves every folio
 * preserved (they are still the file's), and drops only the chunks'
 * preservation; closing the session unpreserves everything and unpins
 * the size.
 *
 * In the next kernel, RETRIEVE_FD checks the whole chain (each chunk's
 * checksum, then every field; the reason a memfd is refused is logged),
 * builds a new memfd of the same size, seals and mode, and inserts each
 * folio into it at its offset, charged to the retrieving task's memory
 * cgroup (shmem_insert_folios(), many folios at a time). The result is an
 * ordinary memfd; its name is "memfd:" with nothing after it, as on
 * mainline. hugetlbfs memfds are not preserved: no handler takes them,
 * and PRESERVE_FD fails with ENOENT.
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/liveupdate/memfd_abi.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/* Chunks are folios of this order when memory allows, else single pages. */
#define MEMFD_LUO_CHUNK_ORDER	3

#define MEMFD_LUO_SEALS		(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | \
				 F_SEAL_EXEC)

/**
 * struct memfd_luo - one preserved memfd in the kernel that preserves it
 * @first: the first chunk, holding the &struct memfd_luo_file
 * @tail: the chunk extents are appended to
 * @ext: the last extent of @tail, the one a folio may extend, or NULL
 * @run: in a list extent @ext, how many of its last folios follow each
 *	other physically
 * @nr_pages: pages of all folios preserved
 * @alloced_seen: the file's count of allocated pages when its last walk
 *	started; a different count means it may have new folios
 * @chunks_preserved: FREEZE preserved the chunks in KHO
 * @was_unevictable: the file's folios were kept off reclaim before it was
 *	preserved, and stay so after
 * @undamaged: with CONFIG_LIVEUPDATE_TEST, the start of the first chunk
 *	as it was before fault injection damaged it (@damaged), put back
 *	by CANCEL so that this kernel walks its chain safely again
 * @damaged: fault injection damaged the first chunk at FREEZE
 */
struct memfd_luo {
	struct folio *first;
	struct folio *tail;
	struct memfd_luo_extent *ext;
	unsigned int run;
	unsigned long nr_pages;
	unsigned long alloced_seen;
	bool chunks_preserved;
	bool was_unevictable;
#ifdef CONFIG_LIVEUPDATE_TEST
	u8 undamaged[96];
	bool damaged;
#endif
};

/*
 * A list extent whose last folios are this many physically contiguous
 * ones gives them up to a contiguous extent: their 4 bytes each against
 * the 20 bytes of the new extent and 16 for the list that may follow.
 */
#define MEMFD_LUO_CONTIG_MIN	16

/* Folios between two chances to reschedule in long loops. */
#define MEMFD_LUO_BATCH		1024

static bool memfd_luo_ext_contiguous(const struct memfd_luo_extent *ext)
{
	return ext->flags & MEMFD_LUO_EXTENT_CONTIGUOUS;
}

/* Page frame of folio @i of @ext. */
static unsigned long memfd_luo_ext_pfn(const struct memfd_luo_extent *ext,
				       unsigned int i)
{
	if (memfd_luo_ext_contiguous(ext))
		return ext->pfn[0] + ((unsigned long)i << ext->order);
	return ext->pfn[i];
}

/* Bytes of @ext with its page frames, as far as @ext->nr can be trusted. */
static size_t memfd_luo_ext_size(const struct memfd_luo_extent *ext)
{
	return struct_size(ext, pfn,
			   memfd_luo_ext_contiguous(ext) ? 1 : ext->nr);
}

static struct memfd_luo_chunk *memfd_luo_chunk(struct folio *folio)
{
	return folio_address(folio);
}

static struct folio *memfd_luo_next_chunk(struct folio *folio)
{
	u64 next = memfd_luo_chunk(folio)->next;

	return next ? pfn_folio(PHYS_PFN(next)) : NULL;
}

/* The checksum of @chunk in the chain whose first chunk is at @first. */
static u32 memfd_luo_chunk_crc(u64 first, const struct memfd_luo_chunk *chunk)
{
	u32 crc = crc32_le(~0, (const void *)&first, sizeof(first));

	crc = crc32_le(crc, (const void *)&chunk->next, sizeof(chunk->next));
	crc = crc32_le(crc, (const void *)&chunk->used, sizeof(chunk->used));
	return crc32_le(crc, (const void *)(chunk + 1), chunk->used);
}

static struct folio *memfd_luo_chunk_alloc(void)
{
	struct folio *folio;

	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO | __GFP_NORETRY |
			    __GFP_NOWARN, MEMFD_LUO_CHUNK_ORDER);
	if (!folio)
		folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	return folio;
}

/* Free the chunks; unpreserve them first if FREEZE preserved them. */
static void memfd_luo_free_chunks(struct memfd_luo *ml)
{
	struct folio *folio = ml->first, *next;

	while (folio) {
		next = memfd_luo_next_chunk(folio);
		if (ml->chunks_preserved)
			kho_unpreserve_folio(folio);
		folio_put(folio);
		folio = next;
	}
	ml->first = NULL;
	ml->tail = NULL;
	ml->ext = NULL;
	ml->chunks_preserved = false;
}

/* Room for @bytes more in the tail chunk, adding a chunk if needed. */
static void *memfd_luo_reserve(struct memfd_luo *ml, size_t bytes)
{
	struct memfd_luo_chunk *chunk = memfd_luo_chunk(ml->tail);
	struct folio *folio;

	if (sizeof(*chunk) + chunk->used + bytes > folio_size(ml->tail)) {
		folio = memfd_luo_chunk_alloc();
		if (!folio)
			return NULL;
		chunk->next = PFN_PHYS(folio_pfn(folio));
		ml->tail = folio;
		ml->ext = NULL;
		chunk = memfd_luo_chunk(folio);
	}
	return (void *)(chunk + 1) + chunk->used;
}

/* Start an extent of one folio in the tail chunk. */
static int memfd_luo_new_extent(struct memfd_luo *ml, pgoff_t index,
				unsigned int order, unsigned long pfn,
				u8 flags)
{
	struct memfd_luo_extent *ext;

	ext = memfd_luo_reserve(ml, struct_size(ext, pfn, 1));
	if (!ext)
		return -ENOMEM;
	ext->index = index;
	ext->nr = 1;
	ext->order = order;
	ext->flags = flags;
	/* The room may have held page frames of a list cut short. */
	memset(ext->reserved, 0, sizeof(ext->reserved));
	ext->pfn[0] = pfn;
	memfd_luo_chunk(ml->tail)->used += struct_size(ext, pfn, 1);
	ml->ext = ext;
	ml->run = 1;
	return 0;
}

/*
 * The last MEMFD_LUO_CONTIG_MIN folios of the list extent in the tail
 * chunk follow each other physically: move them to a contiguous extent,
 * which the bytes they free always have room for.
 */
static void memfd_luo_split_run(struct memfd_luo *ml)
{
	struct memfd_luo_extent *ext = ml->ext;
	unsigned int n = ml->run, order = ext->order;
	unsigned long pfn = ext->pfn[ext->nr - n];
	pgoff_t index = ext->index + ((pgoff_t)(ext->nr - n) << order);

	memfd_luo_chunk(ml->tail)->used -= n * sizeof(ext->pfn[0]);
	ext->nr -= n;
	if (!ext->nr) {
		/* The whole list was the run: the extent itself turns. */
		ext->flags |= MEMFD_LUO_EXTENT_CONTIGUOUS;
		ext->nr = n;
		memfd_luo_chunk(ml->tail)->used += sizeof(ext->pfn[0]);
		return;
	}
	WARN_ON(memfd_luo_new_extent(ml, index, order, pfn,
				     MEMFD_LUO_EXTENT_CONTIGUOUS));
	ml->ext->nr = n;
}

/* Record @folio, which is preserved, in the chain. */
static int memfd_luo_record(struct memfd_luo *ml, struct folio *folio)
{
	struct memfd_luo_extent *ext = ml->ext;
	unsigned int order = folio_order(folio);
	unsigned long pfn = folio_pfn(folio);
	pgoff_t index = folio->index;
	bool next;
	__u32 *slot;

	if (!ext || ext->order != order ||
	    ext->index + ((u64)ext->nr << order) != index)
		return memfd_luo_new_extent(ml, index, order, pfn, 0);
	next = memfd_luo_ext_pfn(ext, ext->nr - 1) + (1UL << order) == pfn;
	if (memfd_luo_ext_contiguous(ext)) {
		if (!next)
			return memfd_luo_new_extent(ml, index, order, pfn, 0);
		ext->nr++;
		return 0;
	}
	slot = memfd_luo_reserve(ml, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	/* A new chunk came: the extent goes on there. */
	if (ml->ext != ext)
		return memfd_luo_new_extent(ml, index, order, pfn, 0);
	*slot = pfn;
	ext->nr++;
	memfd_luo_chunk(ml->tail)->used += sizeof(*slot);
	ml->run = next ? ml->run + 1 : 1;
	if (ml->run == MEMFD_LUO_CONTIG_MIN)
		memfd_luo_split_run(ml);
	return 0;
}

/*
 * Is @folio, now preserved, still the file's? A folio found in the page
 * cache may be on its way out when the walk takes its reference: khugepaged
 * replaces small folios by a large one, and an allocation that fails its
 * accounting takes its new folio out again. Both do it under the folio
 * lock, after their last look at its references; KHO's reference, taken
 * before the lock here, stops any later removal.
 */
static bool memfd_luo_still_in(struct folio *folio,
			       struct address_space *mapping)
{
	bool in;

	folio_lock(folio);
	in = folio->mapping == mapping;
	folio_unlock(folio);
	return in;
}

/*
 * Preserve and record one folio of the file. -EAGAIN: migrate it first;
 * -ESTALE: it left the file, look at its index again.
 */
static int memfd_luo_add(struct memfd_luo *ml, struct address_space *mapping,
			 struct folio *folio, bool catch_up, bool migrated)
{
	int err;

	if (folio_pfn(folio) + folio_nr_pages(folio) - 1 > U32_MAX) {
		pr_warn("folio at pfn %#lx is beyond what the format describes\n",
			folio_pfn(folio));
		return -ERANGE;
	}
	if (!migrated && is_migrate_cma_page(&folio->page))
		return -EAGAIN;
	err = kho_preserve_folio(folio);
	/* A walk that catches up meets the folios it preserved before. */
	if (err == -EEXIST && catch_up)
		return 0;
	/* Not where the next kernel can get it: a long-term pin moves it. */
	if (err == -EINVAL && !migrated)
		return -EAGAIN;
	if (err)
		return err;
	if (!memfd_luo_still_in(folio, mapping)) {
		kho_unpreserve_folio(folio);
		return -ESTALE;
	}
	err = memfd_luo_record(ml, folio);
	if (err) {
		kho_unpreserve_folio(folio);
		return err;
	}
	ml->nr_pages += folio_nr_pages(folio);
	return 0;
}

/* How many folios from @folios[0] on are a physically contiguous run. */
static unsigned int memfd_luo_run_length(struct folio **folios,
					 unsigned int nr)
{
	unsigned long pfn = folio_pfn(folios[0]);
	unsigned int order = folio_order(folios[0]), i;

	for (i = 1; i < nr; i++)
		if (folio_order(folios[i]) != order ||
		    folio_pfn(folios[i]) != pfn + ((unsigned long)i << order))
			break;
	return i;
}

/* Does any pageblock of [@pfn, @end) have the CMA migratetype (scratch)? */
static bool memfd_luo_any_cma(unsigned long pfn, unsigned long end)
{
	for (; pfn < end; pfn = pageblock_end_pfn(pfn))
		if (is_migrate_cma_page(pfn_to_page(pfn)))
			return true;
	return false;
}

/*
 * Preserve and record a physically contiguous run of @nr folios at once.
 * -EAGAIN: KHO did not take the run as a whole (part of it is in scratch,
 * or preserved already); the caller goes folio by folio, which sorts that
 * out.
 */
static int memfd_luo_add_run(struct memfd_luo *ml,
			     struct address_space *mapping,
			     struct folio **folios, unsigned int nr)
{
	struct folio *last = folios[nr - 1];
	unsigned int i, k;
	int err;

	if (folio_pfn(last) + folio_nr_pages(last) - 1 > U32_MAX)
		return -EAGAIN;
	if (memfd_luo_any_cma(folio_pfn(folios[0]),
			      folio_pfn(last) + folio_nr_pages(last)))
		return -EAGAIN;
	if (kho_preserve_folios(folios, nr))
		return -EAGAIN;
	for (i = 0; i < nr; i++) {
		if (!memfd_luo_still_in(folios[i], mapping)) {
			for (k = 0; k < nr; k++)
				kho_unpreserve_folio(folios[k]);
			return -EAGAIN;
		}
	}
	for (i = 0; i < nr; i++) {
		err = memfd_luo_record(ml, folios[i]);
		if (err) {
			while (i < nr)
				kho_unpreserve_folio(folios[i++]);
			return err;
		}
		ml->nr_pages += folio_nr_pages(folios[i]);
	}
	return 0;
}

/*
 * Preserve the folios of a batch, runs at once where KHO takes them.
 * Returns 0, an error, or -EAGAIN (migrate it first) or -ESTALE (it left
 * the file) with *@stop set to the folio concerned.
 */
static int memfd_luo_add_batch(struct memfd_luo *ml,
			       struct address_space *mapping,
			       struct folio_batch *fbatch, bool catch_up,
			       struct folio **stop)
{
	unsigned int count = folio_batch_count(fbatch), i, k, run;
	struct folio **folios = fbatch->folios;
	int err;

	for (i = 0; i < count; i += run) {
		run = memfd_luo_run_length(folios + i, count - i);
		err = run > 1 ? memfd_luo_add_run(ml, mapping, folios + i, run) :
				-EAGAIN;
		if (err != -EAGAIN) {
			if (err)
				return err;
			continue;
		}
		for (k = i; k < i + run; k++) {
			err = memfd_luo_add(ml, mapping, folios[k], catch_up,
					    false);
			if (err == -EAGAIN || err == -ESTALE)
				*stop = folios[k];
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Move the folio at @index out of scratch, then preserve it. *@next is the
 * index after the folio found there, which may have been split since it
 * was seen, so that the walk goes on right after what was preserved.
 */
static int memfd_luo_migrate(struct memfd_luo *ml, struct file *file,
			     pgoff_t index, unsigned long nr, bool catch_up,
			     pgoff_t *next)
{
	loff_t start = (loff_t)index << PAGE_SHIFT;
	loff_t end = min_t(loff_t, start + ((loff_t)nr << PAGE_SHIFT),
			   i_size_read(file_inode(file))) - 1;
	struct folio *folio;
	pgoff_t offset;
	long got;
	int err;

	got = memfd_pin_folios(file, start, end, &folio, 1, &offset);
	if (got < 0)
		return got;
	if (!got)
		return -ENOENT;
	/* Pinned: it can be neither split nor moved in the file now. */
	*next = folio_next_index(folio);
	err = memfd_luo_add(ml, file->f_mapping, folio, catch_up, true);
	unpin_folio(folio);
	if (err == -ESTALE) {
		/* It left the file: the walk looks at its index again. */
		*next = index;
		return 0;
	}
	if (err)
		pr_warn("cannot preserve folio at pfn %#lx of a memfd (offset %#llx): %pe\n",
			folio_pfn(folio), start, ERR_PTR(err));
	return err;
}

/*
 * The first page before the file's end that is in swap, or ULONG_MAX.
 * Swap entries past the end (FALLOC_FL_KEEP_SIZE) are not the file's data.
 */
static pgoff_t memfd_luo_first_swapped(struct file *file)
{
	loff_t size = i_size_read(file_inode(file));
	XA_STATE(xas, &file->f_mapping->i_pages, 0);
	pgoff_t index = ULONG_MAX;
	void *entry;

	if (!size || !READ_ONCE(SHMEM_I(file_inode(file))->swapped))
		return ULONG_MAX;
	rcu_read_lock();
	xas_for_each(&xas, entry, (size - 1) >> PAGE_SHIFT) {
		if (xas_retry(&xas, entry))
			continue;
		if (xa_is_value(entry)) {
			index = xas.xa_index;
			break;
		}
	}
	rcu_read_unlock();
	return index;
}

/*
 * Bring the file's pages back from swap: a pinned file's folios stay in
 * memory (shmem does not swap them out), but some may have been out
 * before.
 */
static int memfd_luo_swap_in(struct file *file)
{
	struct folio *folio;
	pgoff_t index;
	int err;

	while ((index = memfd_luo_first_swapped(file)) != ULONG_MAX) {
		err = shmem_get_folio(file_inode(file), index, 0, &folio,
				      SGP_READ);
		if (err)
			return err;
		if (folio) {
			folio_unlock(folio);
			folio_put(folio);
		}
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/*
 * fallocate() leaves its folios not up to date: shmem zeroes such a folio
 * when it is first read or faulted in. The next kernel inserts every
 * folio up to date, so zero them here, under the folio lock as shmem
 * does, lest what the memory held before become the file's data.
 */
static void memfd_luo_zero_unwritten(struct folio_batch *fbatch)
{
	unsigned int i;

	for (i = 0; i < folio_batch_count(fbatch); i++) {
		struct folio *folio = fbatch->folios[i];

		if (folio_test_uptodate(folio))
			continue;
		folio_lock(folio);
		if (!folio_test_uptodate(folio)) {
			folio_zero_range(folio, 0, folio_size(folio));
			flush_dcache_folio(folio);
			folio_mark_uptodate(folio);
		}
		folio_unlock(folio);
	}
}

static unsigned long memfd_luo_alloced(struct inode *inode)
{
	struct shmem_inode_info *info = SHMEM_I(inode);
	unsigned long pages;

	spin_lock(&info->lock);
	pages = info->alloced;
	spin_unlock(&info->lock);
	return pages;
}

/*
 * Up to a batch of the file's folios from *@next to @last, each with a
 * reference, as filemap_get_folios() gets them, and *@next moved past
 * them. xas_for_each() steps to the next slot of a node inline, where
 * filemap_get_folios() calls xas_find() for every folio: most of the
 * cost of preserving a file of small folios is finding them.
 */
static unsigned int memfd_luo_get_folios(struct address_space *mapping,
					 pgoff_t *next, pgoff_t last,
					 struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *next);
	struct folio *folio;

	rcu_read_lock();
	xas_for_each(&xas, folio, last) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		/* Freed or replaced under us: look at the slot again. */
		if (!folio_try_get(folio)) {
			xas_reset(&xas);
			continue;
		}
		if (unlikely(folio != xas_reload(&xas))) {
			folio_put(folio);
			xas_reset(&xas);
			continue;
		}
		if (!folio_batch_add(fbatch, folio)) {
			*next = folio_next_index(folio);
			goto out;
		}
	}
	*next = last + 1;
out:
	rcu_read_unlock();
	return folio_batch_count(fbatch);
}

/*
 * Preserve every folio of the file that starts before its end (a huge
 * one may reach past it); with @catch_up, the file was walked before and
 * the folios found then are skipped. Folios fallocate() left past the
 * end with FALLOC_FL_KEEP_SIZE are not the file's data and stay behind.
 */
static int memfd_luo_scan(struct memfd_luo *ml, struct file *file,
			  bool catch_up)
{
	struct address_space *mapping = file->f_mapping;
	struct inode *inode = file_inode(file);
	unsigned long alloced = memfd_luo_alloced(inode);
	loff_t size = i_size_read(inode);
	struct folio_batch fbatch;
	pgoff_t next = 0, last, index;
	unsigned long nr;
	int err;

	if (!size)
		goto done;
	last = (size - 1) >> PAGE_SHIFT;
	err = memfd_luo_swap_in(file);
	if (err)
		return err;
	folio_batch_init(&fbatch);
	while (next <= last &&
	       memfd_luo_get_folios(mapping, &next, last, &fbatch)) {
		struct folio *stop = NULL;

		nr = 0;
		memfd_luo_zero_unwritten(&fbatch);
		err = memfd_luo_add_batch(ml, mapping, &fbatch, catch_up, &stop);
		if (err == -EAGAIN) {
			/* Migration needs our reference gone. */
			index = stop->index;
			nr = folio_nr_pages(stop);
			err = 0;
		} else if (err == -ESTALE) {
			/* It left the file under us: look at its index again. */
			next = stop->index;
			err = 0;
		}
		folio_batch_release(&fbatch);
		if (nr)
			err = memfd_luo_migrate(ml, file, index, nr, catch_up,
						&next);
		if (err)
			return err;
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
done:
	ml->alloced_seen = alloced;
	return 0;
}

/* New folios since the last walk? Pinned files only gain folios. */
static bool memfd_luo_grew(struct memfd_luo *ml, struct inode *inode)
{
	return memfd_luo_alloced(inode) != ml->alloced_seen;
}

/* Undo the preservation of every folio in the chain. */
static void memfd_luo_unpreserve_folios(struct memfd_luo *ml)
{
	struct folio *chunk_folio;

	for (chunk_folio = ml->first; chunk_folio;
	     chunk_folio = memfd_luo_next_chunk(chunk_folio)) {
		struct memfd_luo_chunk *chunk = memfd_luo_chunk(chunk_folio);
		void *pos = chunk + 1, *end = pos + chunk->used;

		if (chunk_folio == ml->first)
			pos += sizeof(struct memfd_luo_file);
		while (pos < end) {
			struct memfd_luo_extent *ext = pos;
			unsigned int i;

			/* A contiguous extent may hold millions of folios. */
			for (i = 0; i < ext->nr; i++) {
				kho_unpreserve_folio(pfn_folio(memfd_luo_ext_pfn(ext, i)));
				if (!((i + 1) % MEMFD_LUO_BATCH))
					cond_resched();
			}
			pos += memfd_luo_ext_size(ext);
			cond_resched();
		}
	}
	ml->nr_pages = 0;
}

/*
 * Reclaim drops a clean folio (one only ever read) from a file, and then
 * shmem's count of the file's pages falls: a folio added meanwhile would
 * not show as a change to memfd_luo_grew(), and a hole the workload
 * filled would not be handed over. So a preserved file's folios are kept
 * off reclaim, as SHM_LOCK keeps them, until it is unpreserved.
 */
static void memfd_luo_keep_folios(struct memfd_luo *ml,
				  struct address_space *mapping)
{
	ml->was_unevictable = mapping_unevictable(mapping);
	mapping_set_unevictable(mapping);
}

static void memfd_luo_release_folios(struct memfd_luo *ml,
				     struct address_space *mapping)
{
	if (ml->was_unevictable)
		return;
	mapping_clear_unevictable(mapping);
	/* Back to the lists reclaim scans. */
	shmem_unlock_mapping(mapping);
}

static bool memfd_luo_can_preserve(struct liveupdate_file_handler *handler,
				   struct file *file)
{
	return shmem_file_is_memfd(file);
}

static int memfd_luo_preserve(struct liveupdate_file *lf)
{
	struct inode *inode = file_inode(lf->file);
	struct memfd_luo_chunk *chunk;
	struct memfd_luo *ml;
	int err;

	ml = kzalloc(sizeof(*ml), GFP_KERNEL);
	if (!ml)
		return -ENOMEM;
	ml->first = memfd_luo_chunk_alloc();
	if (!ml->first) {
		err = -ENOMEM;
		goto free;
	}
	ml->tail = ml->first;
	chunk = memfd_luo_chunk(ml->first);
	chunk->used = sizeof(struct memfd_luo_file);

	/*
	 * Another open file of the same memfd may be preserved: EBUSY. The
	 * format counts pages in 32 bits: EFBIG beyond.
	 */
	err = shmem_pin_size(inode, (loff_t)U32_MAX << PAGE_SHIFT);
	if (err)
		goto free_chunks;
	memfd_luo_keep_folios(ml, inode->i_mapping);
	err = memfd_luo_scan(ml, lf->file, false);
	if (err)
		goto unpreserve;
	lf->private = ml;
	WRITE_ONCE(lf->bytes, (u64)ml->nr_pages << PAGE_SHIFT);
	return 0;

unpreserve:
	memfd_luo_unpreserve_folios(ml);
	memfd_luo_release_folios(ml, inode->i_mapping);
	shmem_unpin_size(inode);
free_chunks:
	memfd_luo_free_chunks(ml);
free:
	kfree(ml);
	return err;
}

static int memfd_luo_catch_up(struct liveupdate_file *lf)
{
	struct memfd_luo *ml = lf->private;
	int err;

	/*
	 * A swap-out that passed the size pin's check just before it was set
	 * may still put a page in swap: the scan brings it back. (Swap
	 * entries past the end are not the file's data and do not count.)
	 */
	if (!memfd_luo_grew(ml, file_inode(lf->file)) &&
	    memfd_luo_first_swapped(lf->file) == ULONG_MAX)
		return 0;
	err = memfd_luo_scan(ml, lf->file, true);
	WRITE_ONCE(lf->bytes, (u64)ml->nr_pages << PAGE_SHIFT);
	return err;
}

/* Unpreserve the chunks from the first up to @stop (NULL: all of them). */
static void memfd_luo_unpreserve_chunks(struct memfd_luo *ml,
					struct folio *stop)
{
	struct folio *folio;

	for (folio = ml->first; folio != stop;
	     folio = memfd_luo_next_chunk(folio))
		kho_unpreserve_folio(folio);
}

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * Fault injection for the next kernel's checks: a line "TOKEN KIND"
 * written to /sys/kernel/debug/memfd_luo/corrupt damages the handover of
 * the memfd preserved under TOKEN (in any session) at its next FREEZE, in
 * the way KIND names, once. All kinds but "checksum" act as a buggy
 * kernel would: the checksum is computed again over the damage. The next
 * kernel must refuse that memfd with EINVAL and a log line that says
 * what is wrong, and release its memory at FINISH.
 */
enum memfd_luo_damage {
	/* These need an extent: a memfd with data. */
	MEMFD_LUO_DAMAGE_FLAGS,		/* an extent flag no kernel knows */
	MEMFD_LUO_DAMAGE_RESERVED,	/* a reserved byte of an extent set */
	MEMFD_LUO_DAMAGE_ORDER,		/* an order the page cache does not take */
	MEMFD_LUO_DAMAGE_BEYOND,	/* an extent past the end of the file */
	MEMFD_LUO_DAMAGE_FRAMES,	/* a contiguous extent past 32-bit frames */
	/* These do not. */
	MEMFD_LUO_DAMAGE_COUNT,		/* the page count not the extents' sum */
	MEMFD_LUO_DAMAGE_SEALS,		/* a seal no kernel knows */
	MEMFD_LUO_DAMAGE_CHUNK,		/* a chunk that says it holds too much */
	MEMFD_LUO_DAMAGE_CHECKSUM,	/* a flipped bit, checksum left as it was */
};

static const char * const memfd_luo_damage_names[] = {
	[MEMFD_LUO_DAMAGE_FLAGS] = "flags",
	[MEMFD_LUO_DAMAGE_RESERVED] = "reserved",
	[MEMFD_LUO_DAMAGE_ORDER] = "order",
	[MEMFD_LUO_DAMAGE_BEYOND] = "beyond",
	[MEMFD_LUO_DAMAGE_FRAMES] = "frames",
	[MEMFD_LUO_DAMAGE_COUNT] = "count",
	[MEMFD_LUO_DAMAGE_SEALS] = "seals",
	[MEMFD_LUO_DAMAGE_CHUNK] = "chunk",
	[MEMFD_LUO_DAMAGE_CHECKSUM] = "checksum",
};

#define MEMFD_LUO_DAMAGE_MAX	16

static struct {
	u64 token;
	enum memfd_luo_damage kind;
} memfd_luo_damage[MEMFD_LUO_DAMAGE_MAX];
static unsigned int memfd_luo_nr_damage;
static DEFINE_MUTEX(memfd_luo_damage_lock);

/* The damage asked for @token, taken off the list; -1 if none. */
static int memfd_luo_take_damage(u64 token)
{
	int kind = -1;
	unsigned int i;

	mutex_lock(&memfd_luo_damage_lock);
	for (i = 0; i < memfd_luo_nr_damage; i++) {
		if (memfd_luo_damage[i].token != token)
			continue;
		kind = memfd_luo_damage[i].kind;
		memfd_luo_damage[i] = memfd_luo_damage[--memfd_luo_nr_damage];
		break;
	}
	mutex_unlock(&memfd_luo_damage_lock);
	return kind;
}

static void memfd_luo_apply_corruption(struct liveupdate_file *lf)
{
	struct memfd_luo *ml = lf->private;
	struct memfd_luo_chunk *chunk = memfd_luo_chunk(ml->first);
	struct memfd_luo_file *mf = (void *)(chunk + 1);
	struct memfd_luo_extent *ext = (void *)(mf + 1);
	int kind = memfd_luo_take_damage(lf->token);

	if (kind < 0)
		return;
	if (kind <= MEMFD_LUO_DAMAGE_FRAMES &&
	    chunk->used < sizeof(*mf) + struct_size(ext, pfn, 1)) {
		pr_warn("test: token %llu has no extent to damage (%s)\n",
			lf->token, memfd_luo_damage_names[kind]);
		return;
	}
	BUILD_BUG_ON(sizeof(ml->undamaged) <
		     sizeof(*chunk) + sizeof(*mf) + struct_size(ext, pfn, 1));
	memcpy(ml->undamaged, chunk, sizeof(ml->undamaged));
	ml->damaged = true;
	switch (kind) {
	case MEMFD_LUO_DAMAGE_FLAGS:
		ext->flags |= 0x80;
		break;
	case MEMFD_LUO_DAMAGE_RESERVED:
		ext->reserved[1] = 1;
		break;
	case MEMFD_LUO_DAMAGE_ORDER:
		ext->order = MAX_PAGECACHE_ORDER + 1;
		break;
	case MEMFD_LUO_DAMAGE_BEYOND:
		ext->index = round_up(DIV_ROUND_UP(mf->size, PAGE_SIZE),
				      1UL << ext->order);
		break;
	case MEMFD_LUO_DAMAGE_FRAMES:
		/* Turned contiguous, the extent shrinks to its header. */
		ext->flags |= MEMFD_LUO_EXTENT_CONTIGUOUS;
		ext->pfn[0] = U32_MAX;
		ext->nr = max(ext->nr, 2U);
		break;
	case MEMFD_LUO_DAMAGE_COUNT:
		mf->nr_pages++;
		break;
	case MEMFD_LUO_DAMAGE_SEALS:
		mf->seals |= 0x8000;
		break;
	case MEMFD_LUO_DAMAGE_CHUNK:
		chunk->used = folio_size(ml->first);
		break;
	case MEMFD_LUO_DAMAGE_CHECKSUM:
		mf->pos ^= 1;
		break;
	}
	if (kind != MEMFD_LUO_DAMAGE_CHECKSUM &&
	    kind != MEMFD_LUO_DAMAGE_CHUNK)
		chunk->crc = memfd_luo_chunk_crc(lf->data, chunk);
	pr_warn("test: handover of token %llu damaged (%s)\n", lf->token,
		memfd_luo_damage_names[kind]);
}

static ssize_t memfd_luo_corrupt_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	char kind[16], *line;
	u64 token;
	int i, n;

	if (count > 64)
		return -EINVAL;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	n = sscanf(line, "%llu %15s", &token, kind);
	kfree(line);
	if (n != 2)
		return -EINVAL;
	i = match_string(memfd_luo_damage_names,
			 ARRAY_SIZE(memfd_luo_damage_names), kind);
	if (i < 0)
		return i;
	mutex_lock(&memfd_luo_damage_lock);
	if (memfd_luo_nr_damage == MEMFD_LUO_DAMAGE_MAX) {
		mutex_unlock(&memfd_luo_damage_lock);
		return -ENOSPC;
	}
	memfd_luo_damage[memfd_luo_nr_damage].token = token;
	memfd_luo_damage[memfd_luo_nr_damage].kind = i;
	memfd_luo_nr_damage++;
	mutex_unlock(&memfd_luo_damage_lock);
	return count;
}

static const struct file_operations memfd_luo_corrupt_fops = {
	.owner = THIS_MODULE,
	.write = memfd_luo_corrupt_write,
};

static void __init memfd_luo_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("memfd_luo", NULL);

	debugfs_create_file("corrupt", 0200, dir, NULL,
			    &memfd_luo_corrupt_fops);
}

/* Put back what fault injection damaged: this kernel walks the chain. */
static void memfd_luo_undo_corruption(struct memfd_luo *ml)
{
	if (!ml->damaged)
		return;
	memcpy(memfd_luo_chunk(ml->first), ml->undamaged,
	       sizeof(ml->undamaged));
	ml->damaged = false;
}
#else
static inline void memfd_luo_apply_corruption(struct liveupdate_file *lf) {}
static inline void memfd_luo_undo_corruption(struct memfd_luo *ml) {}
static inline void memfd_luo_test_init(void) {}
#endif

static int memfd_luo_freeze(struct liveupdate_file *lf)
{
	struct memfd_luo *ml = lf->private;
	struct inode *inode = file_inode(lf->file);
	struct memfd_luo_file *mf;
	struct folio *folio;
	u64 first;
	int err;

	err = memfd_luo_catch_up(lf);
	if (err)
		return err;
	if (memfd_luo_first_swapped(lf->file) != ULONG_MAX) {
		pr_warn("a preserved memfd has pages in swap at FREEZE\n");
		return -EBUSY;
	}

	mf = (void *)(memfd_luo_chunk(ml->first) + 1);
	mf->size = i_size_read(inode);
	mf->pos = lf->file->f_pos;
	mf->nr_pages = ml->nr_pages;
	mf->seals = READ_ONCE(SHMEM_I(inode)->seals) & MEMFD_LUO_SEALS;
	mf->mode = inode->i_mode & 0777;

	first = PFN_PHYS(folio_pfn(ml->first));
	for (folio = ml->first; folio; folio = memfd_luo_next_chunk(folio)) {
		memfd_luo_chunk(folio)->crc =
			memfd_luo_chunk_crc(first, memfd_luo_chunk(folio));
		err = kho_preserve_folio(folio);
		if (err) {
			memfd_luo_unpreserve_chunks(ml, folio);
			return err;
		}
	}
	ml->chunks_preserved = true;
	lf->data = first;
	memfd_luo_apply_corruption(lf);
	return 0;
}

static void memfd_luo_cancel(struct liveupdate_file *lf)
{
	struct memfd_luo *ml = lf->private;

	if (!ml->chunks_preserved)
		return;
	memfd_luo_undo_corruption(ml);
	memfd_luo_unpreserve_chunks(ml, NULL);
	ml->chunks_preserved = false;
}

static void memfd_luo_unpreserve(struct liveupdate_file *lf)
{
	struct memfd_luo *ml = lf->private;

	memfd_luo_cancel(lf);
	memfd_luo_unpreserve_folios(ml);
	memfd_luo_free_chunks(ml);
	memfd_luo_release_folios(ml, lf->file->f_mapping);
	shmem_unpin_size(file_inode(lf->file));
	kfree(ml);
	lf->private = NULL;
}

/*
 * The next kernel. A chain from the previous kernel is walked twice: to
 * check it whole (chunks are taken back on the way, each checked against
 * its checksum before its link to the next is followed), then to insert
 * the folios. Chunks taken back are freed at the end either way.
 */

/* Take back the chain at @first; NULL-terminated in a kvmalloc'd array. */
static struct folio **memfd_luo_restore_chunks(u64 first)
{
	unsigned int nr = 0, max = 16;
	u64 phys = first;
	struct folio **chunks, **more;
	int err = -EINVAL;

	if (!first)
		return ERR_PTR(-EINVAL);
	chunks = kvmalloc_array(max, sizeof(*chunks), GFP_KERNEL);
	if (!chunks)
		return ERR_PTR(-ENOMEM);
	while (phys) {
		struct folio *folio;

		if (nr + 1 == max) {
			more = kvrealloc(chunks, max * 2 * sizeof(*chunks),
					 GFP_KERNEL);
			if (!more) {
				err = -ENOMEM;
				goto fail;
			}
			chunks = more;
			max *= 2;
		}
		folio = PAGE_ALIGNED(phys) ? kho_restore_folio(phys) : NULL;
		if (!folio) {
			pr_err("chunk at %#llx cannot be taken back\n", phys);
			goto fail;
		}
		chunks[nr++] = folio;
		if (memfd_luo_chunk(folio)->used >
		    folio_size(folio) - sizeof(struct memfd_luo_chunk)) {
			pr_err("chunk at %#llx is corrupt: it says it holds more than it can\n",
			       phys);
			goto fail;
		}
		if (memfd_luo_chunk(folio)->crc !=
		    memfd_luo_chunk_crc(first, memfd_luo_chunk(folio))) {
			pr_err("chunk at %#llx is corrupt: checksum mismatch\n",
			       phys);
			goto fail;
		}
		phys = memfd_luo_chunk(folio)->next;
	}
	chunks[nr] = NULL;
	return chunks;

fail:
	while (nr)
		folio_put(chunks[--nr]);
	kvfree(chunks);
	return ERR_PTR(err);
}

static void memfd_luo_put_chunks(struct folio **chunks)
{
	unsigned int i;

	for (i = 0; chunks[i]; i++)
		folio_put(chunks[i]);
	kvfree(chunks);
}

/* What to do with each extent of a chain, and with what. */
struct memfd_luo_walk {
	int (*fn)(const struct memfd_luo_extent *ext, void *arg);
	void *arg;
};

/* Call @walk's function for every extent; stops at the first error. */
static int memfd_luo_walk_extents(struct folio **chunks,
				  const struct memfd_luo_walk *walk)
{
	unsigned int c;
	int err;

	for (c = 0; chunks[c]; c++) {
		struct memfd_luo_chunk *chunk = memfd_luo_chunk(chunks[c]);
		void *pos = chunk + 1, *end = pos + chunk->used;

		if (!c)
			pos += sizeof(struct memfd_luo_file);
		while (pos < end) {
			const struct memfd_luo_extent *ext = pos;

			if (end - pos < sizeof(*ext) ||
			    end - pos < memfd_luo_ext_size(ext))
				return -EINVAL;
			err = walk->fn(ext, walk->arg);
			if (err)
				return err;
			pos += memfd_luo_ext_size(ext);
		}
	}
	return 0;
}

/* What checking a chain found: its pages, or what is wrong with it. */
struct memfd_luo_check {
	u64 size_pages;
	u64 nr_pages;
	const char *why;
};

static int memfd_luo_check_extent(const struct memfd_luo_extent *ext,
				  void *arg)
{
	struct memfd_luo_check *c = arg;

	if (!ext->nr)
		c->why = "an empty extent";
	else if (ext->order > MAX_PAGECACHE_ORDER ||
		 (ext->order && !IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE)))
		c->why = "an order the page cache does not take";
	else if (ext->flags & ~MEMFD_LUO_EXTENT_CONTIGUOUS)
		c->why = "unknown extent flags";
	else if (ext->reserved[0] || ext->reserved[1])
		c->why = "a reserved field of an extent is set";
	else if (!IS_ALIGNED(ext->index, 1UL << ext->order))
		c->why = "an extent's offset is not aligned to its folios";
	/* The last folio of a contiguous extent within 32-bit frames. */
	else if (memfd_luo_ext_contiguous(ext) &&
		 ext->pfn[0] + (((u64)ext->nr << ext->order) - 1) > U32_MAX)
		c->why = "a contiguous extent runs past 32-bit page frames";
	/* Every folio starts inside the file; a huge one may end past it. */
	else if (ext->index >= c->size_pages ||
		 ((u64)ext->nr - 1) << ext->order >= c->size_pages - ext->index)
		c->why = "an extent reaches past the end of the file";
	if (c->why)
		return -EINVAL;
	c->nr_pages += (u64)ext->nr << ext->order;
	return 0;
}

/* Folios taken back, then inserted into the new file, at a time. */
#define MEMFD_LUO_FILL_BATCH	32

/*
 * Take back up to @nr folios of @ext from its folio @i on, into @folios:
 * a contiguous extent's at once, as far as KHO has them in one run, a
 * list's one at a time. Returns how many, or -errno (logged by KHO).
 */
static long memfd_luo_restore_folios(const struct memfd_luo_extent *ext,
				     unsigned int i, unsigned int nr,
				     struct folio **folios)
{
	phys_addr_t phys = PFN_PHYS((phys_addr_t)memfd_luo_ext_pfn(ext, i));
	long got, k;

	if (!memfd_luo_ext_contiguous(ext))
		nr = 1;
	got = kho_restore_folios(phys, ext->order, nr, folios);
	for (k = 0; ext->order && k < got; k++)
		folios[k] = page_rmappable_folio(&folios[k]->page);
	return got;
}

static int memfd_luo_fill_extent(const struct memfd_luo_extent *ext,
				 void *arg)
{
	struct folio *folios[MEMFD_LUO_FILL_BATCH];
	unsigned int done, n, i, inserted;
	struct file *file = arg;
	int err = 0;
	long got;

	for (done = 0; done < ext->nr && !err; done += n) {
		n = min_t(unsigned int, ext->nr - done, MEMFD_LUO_FILL_BATCH);
		for (i = 0; i < n; i += got) {
			got = memfd_luo_restore_folios(ext, done + i, n - i,
						       folios + i);
			if (got < 0) {
				err = got;
				break;
			}
		}
		/* What the file did not take is freed with our reference. */
		if (!err)
			err = shmem_insert_folios(file, folios, n,
						  ext->index + ((pgoff_t)done << ext->order),
						  &inserted);
		while (i)
			folio_put(folios[--i]);
		cond_resched();
	}
	return err;
}

/*
 * Check a whole chain before anything is taken from it: the file's
 * header, every extent inside the file, and the page count against what
 * the extents add up to. Both RETRIEVE and FINISH walk only a chain that
 * passed, so that a chain whose checksums match but whose fields are
 * wrong (a buggy previous kernel) makes neither insert or free anything.
 * Returns the file's header, or NULL with *@why saying what is wrong.
 */
static const struct memfd_luo_file *memfd_luo_validate(struct folio **chunks,
						       const char **why)
{
	struct memfd_luo_chunk *chunk = memfd_luo_chunk(chunks[0]);
	const struct memfd_luo_file *mf = (void *)(chunk + 1);
	struct memfd_luo_check check = {};
	struct memfd_luo_walk walk = { memfd_luo_check_extent, &check };

	if (chunk->used < sizeof(*mf))
		*why = "the first chunk has no file header";
	else if (mf->size > MAX_LFS_FILESIZE || mf->pos > MAX_LFS_FILESIZE)
		*why = "its size or position is out of range";
	else if (mf->seals & ~MEMFD_LUO_SEALS)
		*why = "unknown seals";
	else if (mf->mode & ~0777)
		*why = "mode bits other than permissions";
	else
		*why = NULL;
	if (*why)
		return NULL;
	check.size_pages = DIV_ROUND_UP(mf->size, PAGE_SIZE);
	if (memfd_luo_walk_extents(chunks, &walk)) {
		*why = check.why ?: "an extent runs past the end of its chunk";
		return NULL;
	}
	if (check.nr_pages != mf->nr_pages) {
		*why = "its page count is not what its extents add up to";
		return NULL;
	}
	return mf;
}

static struct file *memfd_luo_new_file(const struct memfd_luo_file *mf)
{
	struct inode *inode;
	struct file *file;

	file = shmem_file_setup("memfd:", mf->size, VM_NORESERVE);
	if (IS_ERR(file))
		return file;
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	inode = file_inode(file);
	inode->i_mode = (inode->i_mode & ~0777) | mf->mode;
	return file;
}

static int memfd_luo_retrieve(struct liveupdate_file_handler *handler,
			      u64 data, struct file **filep)
{
	struct memfd_luo_walk fill_walk = { memfd_luo_fill_extent };
	const struct memfd_luo_file *mf;
	struct folio **chunks;
	struct file *file;
	const char *why;
	int err;

	chunks = memfd_luo_restore_chunks(data);
	if (IS_ERR(chunks))
		return PTR_ERR(chunks);
	err = -EINVAL;
	mf = memfd_luo_validate(chunks, &why);
	if (!mf) {
		pr_err("preserved memfd at %#llx is corrupt: %s\n", data, why);
		goto put;
	}

	file = memfd_luo_new_file(mf);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto put;
	}
	fill_walk.arg = file;
	err = memfd_luo_walk_extents(chunks, &fill_walk);
	if (err) {
		pr_err("cannot refill the memfd: %pe\n", ERR_PTR(err));
		fput(file);
		goto put;
	}
	if (mf->seals & F_SEAL_WRITE) {
		err = mapping_deny_writable(file->f_mapping);
		if (err) {
			fput(file);
			goto put;
		}
	}
	SHMEM_I(file_inode(file))->seals = mf->seals;
	file->f_pos = mf->pos;
	memfd_luo_put_chunks(chunks);
	*filep = file;
	return 0;

put:
	memfd_luo_put_chunks(chunks);
	return err;
}

/*
 * Free the folios of an extent nobody retrieved. KHO refuses a folio of
 * another order than the extent's before it takes anything: such a
 * folio is not this memfd's and is left alone.
 */
static int memfd_luo_free_extent(const struct memfd_luo_extent *ext,
				 void *arg)
{
	struct folio *folios[MEMFD_LUO_FILL_BATCH];
	unsigned int i, n;
	long got;

	for (i = 0; i < ext->nr; i += got) {
		n = min_t(unsigned int, ext->nr - i, MEMFD_LUO_FILL_BATCH);
		got = memfd_luo_restore_folios(ext, i, n, folios);
		if (got < 0)
			return got;
		for (n = 0; n < got; n++)
			folio_put(folios[n]);
		cond_resched();
	}
	return 0;
}

static void memfd_luo_finish(struct liveupdate_file_handler *handler,
			     u64 data, bool retrieved)
{
	struct memfd_luo_walk free_walk = { memfd_luo_free_extent };
	struct folio **chunks;
	const char *why;

	/* A retrieved memfd owns its folios; retrieve freed the chain. */
	if (retrieved)
		return;
	chunks = memfd_luo_restore_chunks(data);
	if (IS_ERR(chunks))
		return;
	/* What a damaged chain names is left to KHO, which frees it all. */
	if (memfd_luo_validate(chunks, &why))
		memfd_luo_walk_extents(chunks, &free_walk);
	else
		pr_err("unretrieved memfd at %#llx is corrupt: %s; KHO releases its memory\n",
		       data, why);
	memfd_luo_put_chunks(chunks);
}

static const struct liveupdate_file_ops memfd_luo_ops = {
	.can_preserve = memfd_luo_can_preserve,
	.preserve = memfd_luo_preserve,
	.prepare = memfd_luo_catch_up,
	.freeze = memfd_luo_freeze,
	.cancel = memfd_luo_cancel,
	.unpreserve = memfd_luo_unpreserve,
	.retrieve = memfd_luo_retrieve,
	.finish = memfd_luo_finish,
};

static struct liveupdate_file_handler memfd_luo_handler = {
	.compatible = MEMFD_LUO_COMPATIBLE,
	.ops = &memfd_luo_ops,
};

static int __init memfd_luo_init(void)
{
	int err = liveupdate_register_file_handler(&memfd_luo_handler);

	if (err)
		pr_err("cannot register the memfd handler: %pe\n", ERR_PTR(err));
	else
		memfd_luo_test_init();
	return err;
}
late_initcall(memfd_luo_init);
