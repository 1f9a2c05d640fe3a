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
 * - a small architecture block that says where the root FDT and the
 *   scratch table are: &struct kho_handover. On x86 it is the payload of a
 *   ``setup_data`` entry of type ``SETUP_KHO`` (10), whose ``len`` is
 *   exactly sizeof(&struct kho_handover);
 * - the scratch table: @scratch_size bytes of &struct kho_scratch_range at
 *   @scratch_phys; on x86 it follows the ``setup_data`` entry in the same
 *   boot parameters segment;
 * - the root FDT, whose root node carries ``compatible`` =
 *   %KHO_FDT_COMPATIBLE (a single string), the properties %KHO_PROP_MEM_MAP (an array of
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
 *
 * Sharing the boot protocol: setup_data type 10 is the number mainline
 * Linux assigned to its own KHO, with this very layout of
 * &struct kho_handover and of the scratch table, and mainline's
 * decompressor and early boot read it. So the architecture block and the
 * scratch table never carry anything of our own: every kernel that reads
 * type 10, ours or mainline's, learns correctly where scratch is and
 * keeps its own image there, and any kernel that does not know type 10
 * ignores it. What the handover means lies in the root FDT, and a kernel
 * accepts a handover only if the root FDT's ``compatible`` is a version it
 * understands: mainline refuses ours (it is not mainline's version
 * string) and we refuse mainline's, and in either case the kernel boots
 * without preserved memory. Do not add fields to &struct kho_handover or
 * &struct kho_scratch_range; put new information into the FDT.
 */
#ifndef _LINUX_LIVEUPDATE_KHO_ABI_H
#define _LINUX_LIVEUPDATE_KHO_ABI_H

#include <linux/types.h>

#define KHO_FDT_COMPATIBLE	"luo-6.12,kho-v1"
#define KHO_PROP_MEM_MAP	"mem-map"
#define KHO_PROP_MEM_MAP_CRC	"mem-map-crc32"
#define KHO_PROP_CLIENT_FDT	"fdt"

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
 * struct kho_handover - the architecture block of the handover
 * @fdt_phys: physical address of the root FDT
 * @fdt_size: size in bytes of the memory holding the root FDT
 * @scratch_phys: physical address of the scratch table, an array of
 *	&struct kho_scratch_range; everything the previous kernel loaded for
 *	this one (kernel image, initrd, boot parameters) lies inside those
 *	regions and nothing preserved does
 * @scratch_size: size of the scratch table in bytes, a non-zero multiple
 *	of sizeof(&struct kho_scratch_range), at most %KHO_MAX_SCRATCH
 *	entries
 */
struct kho_handover {
	__u64 fdt_phys;
	__u64 fdt_size;
	__u64 scratch_phys;
	__u64 scratch_size;
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
