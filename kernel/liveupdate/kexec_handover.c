// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver (KHO): hand memory and metadata to the next kernel.
 */

/**
 * DOC: KHO core
 *
 * A kernel that is replaced with kexec normally loses all of its memory:
 * the next kernel sees every page as free. KHO lets the outgoing kernel
 * name folios whose content must survive, and a tree of metadata (an FDT)
 * that tells their owners where to find them again.
 *
 * The difficulty is the window between the jump into the next kernel and
 * the moment that kernel knows which pages are preserved: everything it
 * allocates in that window could land on a preserved page. KHO closes the
 * window with "scratch" memory. Each kernel that has KHO enabled sets aside
 * scratch at boot (CMA, so that movable allocations can still use it), and
 * never lets a preserved folio live there. kexec_file_load() places every
 * segment of the next kernel inside scratch, KASLR chooses only inside
 * scratch, and the next kernel restricts memblock to scratch until it has
 * reserved every preserved range. Only then does early boot go on as
 * usual; the preserved pages stay KHO's until their owner restores them
 * (kho_restore_folio(), kho_restore_phys()) or kho_release_unclaimed()
 * returns the leftovers to the page allocator. Meanwhile KHO makes the
 * large ones folios ahead of their restore, in the background.
 *
 * Outgoing state is kept as one bitmap per folio order (see
 * &struct kho_tracker); kho_kexec_finalize() turns it into a sorted list
 * of runs of same-order folios, written to a few physically contiguous
 * chunks. The incoming kernel checks the whole handover before it trusts
 * any of it: a handover that fails any check is ignored as a whole.
 *
 * Locking: kho_out_lock serializes everything on the outgoing side (the
 * tracker, the published client trees, finalization and the fault
 * injection mode). kho_in_lock serializes restoring, building ahead and
 * releasing incoming memory. Early boot code runs single-threaded and
 * takes no locks.
 *
 * The files: this one holds the state shared by the others;
 * kho_tracker.c the tracker, the map format and its checks; kho_boot.c
 * early boot (the incoming handover and scratch); kho_restore.c restoring
 * and releasing incoming memory; kho_preserve.c preserving memory and
 * publishing trees; kho_kexec.c what is written at kexec; kho_debugfs.c
 * debugfs and fault injection.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/kexec_handover.h>
#include <linux/mutex.h>

#include "kho_internal.h"

struct kho_incoming kho_in;
/* Serializes restoring and releasing incoming memory. */
DEFINE_MUTEX(kho_in_lock);

/* Outgoing side; everything below kho_active is under kho_out_lock. */
bool kho_active;
struct kho_scratch_range kho_out_scratch[KHO_MAX_SCRATCH];
unsigned int kho_out_nr_scratch;
/* kho_out_scratch is the incoming scratch, kept by pageblock migratetype. */
bool kho_scratch_inherited;
struct cma *kho_scratch_cma;
void *kho_out_fdt;
/* Serializes the outgoing side: tracker, clients, finalization. */
DEFINE_MUTEX(kho_out_lock);
struct kho_tracker kho_out_tracker;
LIST_HEAD(kho_clients);
unsigned int kho_nr_clients;
bool kho_finalized;
struct kho_chunk *kho_out_chunks;
unsigned int kho_out_nr_chunks;
unsigned long kho_out_nr_runs;
#ifdef CONFIG_KEXEC_HANDOVER_TEST
enum kho_corruption kho_corrupt_mode;
#endif

/**
 * kho_is_enabled() - can memory be preserved for the next kernel
 *
 * Return: true if the kernel was booted with kho=on and KHO set up its
 * scratch memory and root tree.
 */
bool kho_is_enabled(void)
{
	return READ_ONCE(kho_active);
}
EXPORT_SYMBOL_GPL(kho_is_enabled);
