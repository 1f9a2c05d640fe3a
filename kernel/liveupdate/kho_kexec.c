// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: the handover written at kexec
 */

/**
 * DOC: KHO kexec
 *
 * What kexec_file_load() and kernel_kexec() need from KHO: the handover
 * block for the next kernel's boot data (kho_fill_handover()), segment
 * placement inside scratch (kho_locate_mem_hole()), and, right before the
 * jump, the serialized map and the root FDT (kho_kexec_finalize()), undone
 * by kho_kexec_abort() if the kexec does not happen. The root FDT itself is
 * allocated at boot, so that finalizing needs little memory.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/crc32.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "kho_internal.h"

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

/**
 * kho_range_in_scratch() - does a physical range lie in this kernel's scratch
 * @start: physical start
 * @size: size in bytes
 *
 * The scratch regions are where the next kernel is loaded and where it
 * boots: kexec_file uses this to know that every segment of an image lies
 * in scratch, which holds only early boot and movable allocations.
 *
 * Return: true if KHO is enabled and [@start, @start + @size) lies inside
 * one scratch region; false otherwise, and for an empty range.
 */
bool kho_range_in_scratch(phys_addr_t start, size_t size)
{
	unsigned int i;

	if (!kho_is_enabled() || !size || start + size < start)
		return false;
	for (i = 0; i < kho_out_nr_scratch; i++) {
		phys_addr_t base = kho_out_scratch[i].base;

		if (start >= base &&
		    start + size <= base + kho_out_scratch[i].size)
			return true;
	}
	return false;
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

/*
 * What KHO's own part of the handover takes: the root FDT and the pages of
 * the map's chunks, as allocated. Reported with the map, so that a
 * benchmark can tell metadata from data.
 */
static size_t kho_out_map_bytes(void)
{
	size_t bytes = fdt_totalsize(kho_out_fdt);
	unsigned int i;

	for (i = 0; i < kho_out_nr_chunks; i++)
		bytes += PAGE_SIZE << get_order(kho_out_chunks[i].cap *
						sizeof(struct kho_mem_run));
	return bytes;
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
const char * const kho_corrupt_names[KHO_NR_CORRUPTIONS] = {
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
	kho_debugfs_out_fdt_changed(fdt_totalsize(kho_out_fdt));
	pr_info("handover finalized: %lu runs in %u chunks (%zu bytes of map), %lu pages preserved, %u clients\n",
		kho_out_nr_runs, kho_out_nr_chunks, kho_out_map_bytes(),
		kho_tracker_nr_pages(&kho_out_tracker), kho_nr_clients);
	mutex_unlock(&kho_out_lock);
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
		kho_debugfs_out_fdt_changed(0);
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
