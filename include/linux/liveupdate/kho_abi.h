/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): the format handed from one kernel to the next.
 */

/**
 * DOC: KHO handover ABI
 *
 * This header is a contract between two kernel builds: the kernel that
 * performs the kexec and the kernel that boots from it may be different
 * builds. Every structure here is packed and fixed-width. Any change to
 * the layout or meaning of anything in this file must bump
 * %KHO_FDT_COMPATIBLE; the next kernel refuses a version it does not know
 * and then preserves nothing.
 *
 * The handover consists of:
 *
 * - a small architecture block (on x86 a ``setup_data`` entry of type
 *   ``SETUP_KHO``) that holds &struct kho_handover: where the root FDT is
 *   and the scratch regions the next kernel must boot in;
 * - the root FDT, whose root node carries ``compatible`` =
 *   %KHO_FDT_COMPATIBLE, the properties %KHO_PROP_MEM_MAP (an array of
 *   pairs of u64: the physical address and the byte size of one chunk of
 *   the preserved-memory map, page aligned; possibly empty) and
 *   %KHO_PROP_MEM_MAP_CRC (a u32: crc32_le() seeded with ~0, not inverted
 *   at the end, over the contents of all chunks in order), and one subnode
 *   per client whose %KHO_PROP_CLIENT_FDT property is the u64 physical
 *   address of the client's own FDT (page aligned, inside preserved
 *   memory); FDT integers are big endian as usual;
 * - the preserved-memory map: the chunks, each an array of
 *   &struct kho_mem_run in the CPU's byte order; all runs of all chunks
 *   taken in order are sorted by address, with no overlaps. Neither the
 *   root FDT nor the chunks lie in scratch or below 1 MiB; they are not
 *   themselves listed in the map, and the root FDT, the chunks and the
 *   runs are pairwise disjoint.
 */
#ifndef _LINUX_LIVEUPDATE_KHO_ABI_H
#define _LINUX_LIVEUPDATE_KHO_ABI_H

#include <linux/types.h>

#define KHO_FDT_COMPATIBLE	"luo-6.12,kho-v1"
#define KHO_PROP_MEM_MAP	"mem-map"
#define KHO_PROP_MEM_MAP_CRC	"mem-map-crc32"
#define KHO_PROP_CLIENT_FDT	"fdt"

/* "KHO1": identifies &struct kho_handover and its version. */
#define KHO_HANDOVER_MAGIC	0x314f484bU

/* At most this many scratch regions are handed over. */
#define KHO_MAX_SCRATCH		16

/**
 * struct kho_scratch_range - one scratch region, in physical memory
 * @base: first byte, aligned to 2 MiB
 * @size: size in bytes, a multiple of 2 MiB
 */
struct kho_scratch_range {
	__u64 base;
	__u64 size;
} __packed;

/**
 * struct kho_handover - architecture-neutral handover block
 * @magic: %KHO_HANDOVER_MAGIC
 * @nr_scratch: number of valid entries in @scratch, at most %KHO_MAX_SCRATCH
 * @fdt_phys: physical address of the root FDT
 * @fdt_size: size in bytes of the memory holding the root FDT
 * @scratch: the scratch regions; everything the previous kernel loaded for
 *	this one (kernel image, initrd, boot parameters) lies inside them and
 *	nothing preserved does
 */
struct kho_handover {
	__u32 magic;
	__u32 nr_scratch;
	__u64 fdt_phys;
	__u64 fdt_size;
	struct kho_scratch_range scratch[];
} __packed;

/**
 * struct kho_mem_run - a run of preserved folios of one order
 * @phys: physical address of the first folio, aligned to its size
 * @order: folio order of every folio in the run
 * @count: number of folios, physically contiguous, starting at @phys
 */
struct kho_mem_run {
	__u64 phys;
	__u32 order;
	__u32 count;
} __packed;

#endif /* _LINUX_LIVEUPDATE_KHO_ABI_H */
