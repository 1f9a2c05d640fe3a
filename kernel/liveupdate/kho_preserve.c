// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: the outgoing side, preserving memory and trees
 */

/**
 * DOC: KHO preserve
 *
 * Clients name the folios and physical ranges that must survive the kexec
 * (kho_preserve_folio(), kho_preserve_phys()) and publish FDT subtrees that
 * tell their next incarnation where to find them (kho_publish_fdt()). KHO
 * refuses, at preserve time, memory the next kernel could not take over:
 * scratch, the first MiB, and whatever is not RAM in the memory map the
 * next kernel is handed. Until the handover is finalized everything can
 * be undone.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/ctype.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kho_internal.h"

/*
 * Folios are checked to be System RAM by aligned windows of this size: one
 * resource tree walk per window instead of one per folio.
 */
#define KHO_RAM_WINDOW		SZ_128M

/* Longest client name (an FDT node name) accepted by kho_publish_fdt(). */
#define KHO_NAME_MAX		63

/* An aligned %KHO_RAM_WINDOW known to be all System RAM, or ~0. */
static phys_addr_t kho_ram_window = ~(phys_addr_t)0;

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
int kho_check_out_meta(phys_addr_t phys, u64 size)
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
 * kho_preserve_folios() - preserve a physically contiguous run of folios
 * @folios: @nr folios of one order, each starting where the one before
 *	ends in physical memory; none may change in size until kexec or
 *	kho_unpreserve_folio()
 * @nr: number of folios
 *
 * The same as kho_preserve_folio() on each folio, at once: the checks of
 * where the memory lies are done for the whole run and the lock is taken
 * once, which is most of the cost for small folios. All or nothing: on
 * failure no folio of the run is preserved, and the caller may go on
 * folio by folio to find out which one is refused.
 *
 * Return: 0 on success; -EINVAL if the folios are not such a run, and
 * otherwise the errors of kho_preserve_folio().
 */
int kho_preserve_folios(struct folio **folios, unsigned int nr)
{
	unsigned long first;
	unsigned int order, i;
	int err;

	if (!nr)
		return 0;
	first = folio_pfn(folios[0]);
	order = folio_order(folios[0]);
	for (i = 1; i < nr; i++)
		if (folio_order(folios[i]) != order ||
		    folio_pfn(folios[i]) != first + ((unsigned long)i << order))
			return -EINVAL;

	mutex_lock(&kho_out_lock);
	err = kho_out_writable();
	if (!err)
		err = kho_check_out_range(PFN_PHYS(first),
					  (u64)nr << (PAGE_SHIFT + order));
	if (!err)
		err = kho_check_out_ram(PFN_PHYS(first),
					(u64)nr << (PAGE_SHIFT + order));
	if (!err)
		err = kho_tracker_add_run(&kho_out_tracker, first, order, nr);
	if (!err)
		for (i = 0; i < nr; i++)
			folio_get(folios[i]);
	mutex_unlock(&kho_out_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_folios);

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
