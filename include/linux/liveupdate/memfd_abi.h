/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live update of a memfd: the format handed to the next kernel.
 */

/**
 * DOC: memfd handover ABI
 *
 * This header is a contract between two kernel builds, like the LUO and
 * KHO ABI headers: any change to the layout or meaning of anything here
 * must change %MEMFD_LUO_COMPATIBLE, and a kernel gives a preserved memfd
 * only to the handler whose compatible string matches exactly.
 *
 * A preserved memfd is described by a chain of KHO-preserved folios
 * ("chunks"); the value handed over in the session's file table is the
 * physical address of the first. Every chunk starts with a
 * &struct memfd_luo_chunk; the first chunk continues with one
 * &struct memfd_luo_file, then every chunk holds extents
 * (&struct memfd_luo_extent, each followed by its page frame numbers),
 * up to &memfd_luo_chunk.used bytes after the chunk header.
 *
 * An extent is a run of folios of one order at consecutive file offsets:
 * folio i of the extent holds the file's pages from
 * @index + (i << @order) on, and lies at page frame pfn[i]; or, in a
 * contiguous extent (%MEMFD_LUO_EXTENT_CONTIGUOUS), the folios follow
 * each other in physical memory too, only pfn[0] is recorded, and folio
 * i lies at pfn[0] + (i << @order). Memory a workload touched in order
 * usually comes that way from the page allocator, so a large memfd costs
 * far less than the 4 bytes per folio of a list. Holes are
 * simply not described: a page of the file that no extent covers is a
 * hole and stays one. Each folio is preserved in KHO with its order, so
 * that the next kernel takes it back as it was: the data are never
 * copied. Page frame numbers are 32 bits, which covers 16 TiB of
 * physical memory with 4 KiB pages; a folio above that cannot be
 * preserved.
 *
 * All fields are in the byte order of the CPU. The next kernel checks
 * every chunk's checksum and every field, and refuses the memfd as a
 * whole if anything is off. Page frames are only checked by KHO, which
 * gives each preserved folio out once: a checksum that matches over
 * wrong frames (a buggy previous kernel) can make the next kernel take
 * folios another KHO client preserved, whose own restore then fails; it
 * cannot make it touch memory that was not preserved.
 */
#ifndef _LINUX_LIVEUPDATE_MEMFD_ABI_H
#define _LINUX_LIVEUPDATE_MEMFD_ABI_H

#include <linux/types.h>

/*
 * The memfd handler's compatible string: name and format version. v2
 * added contiguous extents (&memfd_luo_extent.flags took a reserved
 * field) and the chunk checksum (&memfd_luo_chunk.crc took the other).
 * A v1 kernel and a v2 kernel do not hand memfds to each other: the next
 * kernel has no handler for the other's string, RETRIEVE_FD fails with
 * EOPNOTSUPP, and LUO's FINISH releases the memory.
 */
#define MEMFD_LUO_COMPATIBLE	"memfd-luo-6.12-v2"

/**
 * struct memfd_luo_chunk - the start of every chunk
 * @next: physical address of the next chunk, 0 in the last one
 * @used: bytes in use after this header; the rest of the folio is unused
 * @crc: crc32_le(), seeded with ~0, over the physical address of the
 *	chain's first chunk (a __u64), then @next and @used, then the @used
 *	bytes after this header: a chunk damaged in memory, or one of
 *	another chain, does not match
 */
struct memfd_luo_chunk {
	__u64 next;
	__u32 used;
	__u32 crc;
} __packed;

/**
 * struct memfd_luo_file - the memfd itself, at the start of the first
 *	chunk's data
 * @size: the file's size in bytes
 * @pos: the file position of the preserved open file
 * @nr_pages: pages covered by all extents of the chain together
 * @seals: the memfd's F_SEAL_* seals
 * @mode: the file's permission bits (0777 at most)
 */
struct memfd_luo_file {
	__u64 size;
	__u64 pos;
	__u64 nr_pages;
	__u32 seals;
	__u32 mode;
} __packed;

/* &memfd_luo_extent.flags: the folios are physically contiguous too. */
#define MEMFD_LUO_EXTENT_CONTIGUOUS	0x01

/**
 * struct memfd_luo_extent - folios of one order at consecutive offsets
 * @index: page offset in the file of the first folio; a multiple of its
 *	size
 * @nr: folios in the extent, at least 1; as many entries follow in @pfn,
 *	or one in a contiguous extent
 * @order: order of every folio of the extent
 * @flags: 0 or %MEMFD_LUO_EXTENT_CONTIGUOUS
 * @reserved: 0
 * @pfn: page frame number of each folio, or of the first folio of a
 *	contiguous extent
 */
struct memfd_luo_extent {
	__u64 index;
	__u32 nr;
	__u8 order;
	__u8 flags;
	__u8 reserved[2];
	__u32 pfn[];
} __packed;

#endif /* _LINUX_LIVEUPDATE_MEMFD_ABI_H */
