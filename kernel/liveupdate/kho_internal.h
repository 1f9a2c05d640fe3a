/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): internals shared by the files of KHO, the test
 * client and the KUnit suite. Nothing here is part of the handover ABI;
 * that lives in <linux/liveupdate/kho_abi.h>.
 */
#ifndef _KERNEL_LIVEUPDATE_KHO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_KHO_INTERNAL_H

#include <linux/list.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/liveupdate/kho_abi.h>

/* Size of the root FDT buffer this kernel allocates and hands over. */
#define KHO_FDT_SIZE		SZ_64K

/* Largest piece of the preserved-memory map this kernel writes. */
#define KHO_CHUNK_MAX		SZ_4M

/* x86 keeps the first MiB for itself; nothing there is ever preserved. */
#define KHO_LOW_LIMIT		SZ_1M

/* Scratch regions are multiples of this, at this alignment. */
#define KHO_SCRATCH_ALIGN	SZ_2M

/* Folios whose preservation one bitmap block (a page of bits) records. */
#define KHO_BM_BITS		(PAGE_SIZE * BITS_PER_BYTE)

/* Most map chunks a root FDT of %KHO_FDT_SIZE bytes can list. */
#define KHO_MAX_CHUNKS		(KHO_FDT_SIZE / (2 * sizeof(u64)))

/**
 * struct kho_tracker - preserved folios, per order
 * @bitmaps: for each order, an xarray indexed by (pfn >> order) /
 *	%KHO_BM_BITS whose entries are bitmaps of %KHO_BM_BITS bits, one
 *	bit per naturally aligned folio of that order
 * @nr_folios: number of preserved folios of each order
 * @last_key: for each order, the key of @last_bm
 * @last_bm: for each order, the bitmap looked up last, or NULL
 *
 * A bitmap per order keeps the cost at one bit per preserved folio for
 * dense preservations and lets consecutive folios be found with
 * find_next_zero_bit() when serializing. Bitmaps are only freed with the
 * whole tracker, so the last one looked up in each order can be kept:
 * a memfd's folios come in file order, mostly a few pages apart, and
 * hit it nearly every time. The tracker does no locking of its own; the
 * caller serializes all calls.
 */
struct kho_tracker {
	struct xarray bitmaps[NR_PAGE_ORDERS];
	unsigned long nr_folios[NR_PAGE_ORDERS];
	unsigned long last_key[NR_PAGE_ORDERS];
	unsigned long *last_bm[NR_PAGE_ORDERS];
};

/**
 * struct kho_chunk - one piece of the serialized preserved-memory map
 * @runs: array of runs
 * @cap: number of runs @runs has room for
 * @nr: number of runs written
 */
struct kho_chunk {
	struct kho_mem_run *runs;
	unsigned long cap;
	unsigned long nr;
};

/**
 * struct kho_range - a physical address range [@start, @end)
 * @start: first byte
 * @end: first byte past the range
 */
struct kho_range {
	u64 start;
	u64 end;
};

/**
 * struct kho_run_check - state of the checks on an incoming map
 * @scratch: the scratch regions of the handover
 * @nr_scratch: number of entries in @scratch
 * @in_memory: optional; returns true if [start, start + size) is RAM
 * @blocks: optional; the metadata blocks of the handover (root FDT and map
 *	chunks), sorted and disjoint as kho_check_blocks() leaves them; no
 *	run may overlap any of them
 * @nr_blocks: number of entries in @blocks
 * @overlaps_busy: optional; returns true if [start, end) overlaps memory
 *	that is already in use. It is called with ascending, disjoint ranges
 *	only, so it may keep a cursor in @busy_pos and walk forward.
 * @busy_pos: cursor for @overlaps_busy, zero at the start
 * @block_pos: cursor into @blocks
 * @started: at least one run was checked
 * @prev_start: physical start of the previous run
 * @prev_end: physical end (exclusive) of the previous run
 * @nr_runs: runs checked so far
 * @nr_folios: folios in those runs
 * @bytes: bytes in those runs
 *
 * Zero everything, fill in the fields up to @overlaps_busy as needed, then
 * feed the runs of all chunks in order to kho_check_runs().
 */
struct kho_run_check {
	const struct kho_scratch_range *scratch;
	unsigned int nr_scratch;
	bool (*in_memory)(u64 start, u64 size);
	const struct kho_range *blocks;
	unsigned int nr_blocks;
	bool (*overlaps_busy)(struct kho_run_check *c, u64 start, u64 end);
	unsigned long busy_pos;
	unsigned int block_pos;
	bool started;
	u64 prev_start;
	u64 prev_end;
	unsigned long nr_runs;
	unsigned long nr_folios;
	u64 bytes;
};

void kho_tracker_init(struct kho_tracker *t);
void kho_tracker_destroy(struct kho_tracker *t);
int kho_tracker_add(struct kho_tracker *t, unsigned long pfn,
		    unsigned int order);
int kho_tracker_add_run(struct kho_tracker *t, unsigned long pfn,
			unsigned int order, unsigned long nr);
bool kho_tracker_has(struct kho_tracker *t, unsigned long pfn,
		     unsigned int order);
unsigned int kho_block_order(unsigned long pfn, unsigned long end);
int kho_tracker_remove(struct kho_tracker *t, unsigned long pfn,
		       unsigned int order);
unsigned long kho_tracker_count_runs(struct kho_tracker *t);
unsigned long kho_tracker_nr_pages(const struct kho_tracker *t);
int kho_tracker_serialize(struct kho_tracker *t, struct kho_chunk *chunks,
			  unsigned int nr_chunks);
const char *kho_check_runs(struct kho_run_check *c,
			   const struct kho_mem_run *runs, unsigned long nr);
const char *kho_check_blocks(struct kho_range *blocks, unsigned int nr);
bool kho_ranges_intersect_scratch(const struct kho_scratch_range *scratch,
				  unsigned int nr_scratch, u64 start, u64 size);
u32 kho_mem_map_crc(const struct kho_chunk *chunks, unsigned int nr_chunks);

/* ------------------------------------------------------------------ */
/* State shared by the files of KHO                                    */
/* ------------------------------------------------------------------ */

/**
 * struct kho_in_chunk - one chunk of the incoming map, indexed
 * @runs: the runs of the chunk, in the previous kernel's map
 * @nr: number of runs
 * @phys: physical address of the chunk
 * @first: @first[i] is the index, among all folios of the handover, of
 *	the first folio of run i: bit @first[i] + k of &kho_incoming.owned
 *	says whether KHO still owns folio k of that run
 */
struct kho_in_chunk {
	const struct kho_mem_run *runs;
	unsigned long nr;
	phys_addr_t phys;
	unsigned long *first;
};

/**
 * struct kho_incoming - the incoming handover, once accepted
 * @accepted: the handover passed every check and is reserved
 * @released: kho_release_unclaimed() ran; nothing can be restored
 * @fdt_phys: physical address of the root FDT
 * @fdt_size: size of the root FDT
 * @nr_runs: runs in the map
 * @nr_folios: folios in the map
 * @bytes: bytes preserved
 * @reserve_cycles: cycles early boot spent checking and reserving
 * @reserve_us: @reserve_cycles in microseconds, once the clock is known
 * @restored_pages: pages restored by clients
 * @released_pages: pages kho_release_unclaimed() freed
 * @last_pageblock: one more than the first pfn of the pageblock that
 *	restoring looked at last (0: none); small folios come in runs, and
 *	their pageblock needs looking at once
 * @indexed: @chunks, @owned and @built are allocated
 * @chunks: index over the map, one entry per chunk
 * @nr_chunks: entries in @chunks
 * @owned: one bit per folio, set while KHO owns the folio
 * @built: one bit per folio, set while KHO owns the folio and it was
 *	made ahead of its restore (see kho_restore.c)
 * @built_pages: pages of the folios made ahead of their restore
 * @build_done: the work that makes them is over
 *
 * Written by early boot, single-threaded; from then on the fields from
 * @restored_pages on are under kho_in_lock.
 */
struct kho_incoming {
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
	unsigned long last_pageblock;
	unsigned long released_pages;
	bool indexed;
	struct kho_in_chunk *chunks;
	unsigned int nr_chunks;
	unsigned long *owned;
	unsigned long *built;
	unsigned long built_pages;
	bool build_done;
};

/**
 * struct kho_client - a tree published with kho_publish_fdt()
 * @list: entry in kho_clients
 * @name: node name under the root FDT
 * @fdt: the client's FDT
 * @phys: physical address of @fdt
 * @size: bytes preserved for @fdt
 */
struct kho_client {
	struct list_head list;
	const char *name;
	void *fdt;
	phys_addr_t phys;
	size_t size;
};

/* Ways kho_kexec_finalize() damages the handover on request (tests). */
enum kho_corruption {
	KHO_CORRUPT_NONE,
	KHO_CORRUPT_FDT_HEADER,
	KHO_CORRUPT_COMPATIBLE,
	KHO_CORRUPT_MEM_MAP_CRC,
	KHO_CORRUPT_MEM_MAP_OVERLAP,
	KHO_CORRUPT_FOREIGN,
};

#define KHO_NR_CORRUPTIONS	(KHO_CORRUPT_FOREIGN + 1)

extern struct kho_incoming kho_in;
extern struct mutex kho_in_lock;

/* Outgoing side; everything below kho_active is under kho_out_lock. */
extern bool kho_active;
extern struct kho_scratch_range kho_out_scratch[KHO_MAX_SCRATCH];
extern unsigned int kho_out_nr_scratch;
extern bool kho_scratch_inherited;
extern struct cma *kho_scratch_cma;
extern void *kho_out_fdt;
extern struct mutex kho_out_lock;
extern struct kho_tracker kho_out_tracker;
extern struct list_head kho_clients;
extern unsigned int kho_nr_clients;
extern bool kho_finalized;
extern struct kho_chunk *kho_out_chunks;
extern unsigned int kho_out_nr_chunks;
extern unsigned long kho_out_nr_runs;
#ifdef CONFIG_KEXEC_HANDOVER_TEST
extern enum kho_corruption kho_corrupt_mode;
extern const char * const kho_corrupt_names[KHO_NR_CORRUPTIONS];
#endif

/* kho_restore.c */
const void *kho_in_fdt(void);
bool kho_make_folio(struct page *page, unsigned int order,
		    unsigned long *which);
void kho_unmake_folio(struct page *page, unsigned int order);
#ifdef CONFIG_KEXEC_HANDOVER_TEST
int kho_test_occupy(phys_addr_t phys);
#endif

/* kho_preserve.c */
int kho_check_out_meta(phys_addr_t phys, u64 size);

/* kho_debugfs.c */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
void kho_debugfs_out_fdt_changed(size_t size);
#else
static inline void kho_debugfs_out_fdt_changed(size_t size) { }
#endif

#endif /* _KERNEL_LIVEUPDATE_KHO_INTERNAL_H */
