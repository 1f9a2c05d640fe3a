// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: early boot, the incoming handover and scratch
 */

/**
 * DOC: KHO early boot
 *
 * Everything KHO does before the page allocator runs. The architecture
 * hands over the handover block (kho_set_handover()) while it parses its
 * boot data; kho_memblock_setup() then checks the whole handover - the root
 * FDT, every map chunk and every run - and, only if all of it is sound,
 * reserves every preserved range while memblock may allocate from scratch
 * alone. A handover that fails any check is logged and ignored as a whole.
 *
 * kho_reserve_scratch() sets aside the scratch this kernel hands to the
 * next one: a fresh CMA area on a cold boot (kho_scratch=), the scratch
 * this kernel was booted in after a handover.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/crash_dump.h>
#include <linux/crc32.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/kmemleak.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/unaligned.h>
#include <asm/early_ioremap.h>
#ifdef CONFIG_X86_TSC
#include <asm/tsc.h>
#endif

#include "kho_internal.h"

/*
 * Scratch this kernel sets aside covers whole pageblocks, as a CMA area
 * must, so that its migratetype covers exactly scratch when the next
 * kernel inherits it (without THP a pageblock is larger than 2 MiB).
 */
#define KHO_SCRATCH_ALLOC_ALIGN	\
	max_t(phys_addr_t, KHO_SCRATCH_ALIGN, CMA_MIN_ALIGNMENT_BYTES)

/* Early mappings of preserved data are made in pieces of at most this. */
#define KHO_MAP_WINDOW		SZ_64K

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

/* The previous kernel handed something over, accepted or not. */
static bool kho_offered __ro_after_init;

/**
 * kho_handover_offered() - did the previous kernel hand anything over
 *
 * True after a kexec whose kernel passed a KHO handover, even one this
 * kernel refused (then kho_is_handover_boot() is false). Devices the
 * previous kernel left running may then still be doing DMA.
 *
 * Return: true if a handover was offered at boot.
 */
bool kho_handover_offered(void)
{
	return kho_offered;
}
EXPORT_SYMBOL_GPL(kho_handover_offered);

static u8 kho_fdt_copy[KHO_FDT_SIZE] __initdata __aligned(8);
/* The root FDT and the map chunks of the incoming handover. */
static struct kho_range kho_blocks[KHO_MAX_CHUNKS + 1] __initdata;
static char kho_reason[160] __initdata;

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

	kho_offered = true;
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
		return kho_why("unknown handover format \"%*pE\" (this kernel understands version \"%s\")",
			       (int)min_t(size_t, len - 1, 32), prop,
			       KHO_FDT_COMPATIBLE);

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
	size = round_up(size, KHO_SCRATCH_ALLOC_ALIGN);

	if (size > total / 2) {
		pr_err("scratch %llu MiB > half of RAM %llu MiB: disabled, lower kho_scratch=\n",
		       (u64)size >> 20, (u64)total >> 20);
		return;
	}

	/* Stay inside ZONE_DMA32 if possible: CMA must not span zones. */
	base = memblock_phys_alloc_range(size, KHO_SCRATCH_ALLOC_ALIGN, SZ_16M,
					 SZ_4G);
	if (!base)
		base = memblock_phys_alloc_range(size, KHO_SCRATCH_ALLOC_ALIGN,
						 SZ_4G,
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
