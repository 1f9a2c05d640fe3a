/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): preserve memory and metadata across kexec.
 *
 * See Documentation/core-api/kho.rst.
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/init.h>

struct folio;
struct kexec_buf;
struct resource;

#ifdef CONFIG_KEXEC_HANDOVER

/* Outgoing kernel: what survives the next kexec_file_load + kexec -e. */
bool kho_is_enabled(void);
int kho_preserve_folio(struct folio *folio);
int kho_preserve_folios(struct folio **folios, unsigned int nr);
int kho_unpreserve_folio(struct folio *folio);
int kho_preserve_phys(phys_addr_t phys, size_t size);
int kho_unpreserve_phys(phys_addr_t phys, size_t size);
int kho_publish_fdt(const char *name, void *fdt);
int kho_unpublish_fdt(const char *name);

/* Incoming kernel: what the previous kernel handed over. */
bool kho_is_handover_boot(void);
bool kho_handover_offered(void);
int kho_find_fdt(const char *name, phys_addr_t *phys);
struct folio *kho_restore_folio(phys_addr_t phys);
long kho_restore_folios(phys_addr_t phys, unsigned int order,
			unsigned long nr, struct folio **folios);
int kho_restore_phys(phys_addr_t phys, size_t size);
int kho_block_size(phys_addr_t phys, size_t *size);
void kho_release_unclaimed(void);

/* Hooks for the architecture, memblock, kexec_file and kernel_kexec(). */
void __init kho_set_handover(phys_addr_t phys, size_t len);
void __init kho_memblock_setup(void);
void __init kho_reserve_scratch(void);
int kho_locate_mem_hole(struct kexec_buf *kbuf,
			int (*fits)(struct resource *res, void *arg));
bool kho_range_in_scratch(phys_addr_t start, size_t size);
size_t kho_handover_size(void);
int kho_fill_handover(void *buf, size_t len, phys_addr_t phys);
int kho_scratch_migratetype(unsigned long pfn, int migratetype);
bool kho_arch_is_handover_ram(phys_addr_t phys, u64 size);
int kho_kexec_finalize(void);
void kho_kexec_abort(void);
bool kho_blocks_kexec_load(void);

#else /* !CONFIG_KEXEC_HANDOVER */

static inline bool kho_is_enabled(void) { return false; }
static inline int kho_preserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_preserve_folios(struct folio **folios, unsigned int nr)
{
	return -EOPNOTSUPP;
}
static inline int kho_unpreserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_preserve_phys(phys_addr_t phys, size_t size) { return -EOPNOTSUPP; }
static inline int kho_unpreserve_phys(phys_addr_t phys, size_t size) { return -EOPNOTSUPP; }
static inline int kho_publish_fdt(const char *name, void *fdt) { return -EOPNOTSUPP; }
static inline int kho_unpublish_fdt(const char *name) { return -EOPNOTSUPP; }
static inline bool kho_is_handover_boot(void) { return false; }
static inline bool kho_handover_offered(void) { return false; }
static inline int kho_find_fdt(const char *name, phys_addr_t *phys) { return -ENOENT; }
static inline struct folio *kho_restore_folio(phys_addr_t phys) { return NULL; }
static inline long kho_restore_folios(phys_addr_t phys, unsigned int order,
				      unsigned long nr, struct folio **folios)
{
	return -ENOENT;
}
static inline int kho_restore_phys(phys_addr_t phys, size_t size) { return -ENOENT; }
static inline int kho_block_size(phys_addr_t phys, size_t *size) { return -ENOENT; }
static inline void kho_release_unclaimed(void) { }
static inline void kho_set_handover(phys_addr_t phys, size_t len) { }
static inline void kho_memblock_setup(void) { }
static inline void kho_reserve_scratch(void) { }
static inline int kho_locate_mem_hole(struct kexec_buf *kbuf,
				      int (*fits)(struct resource *res, void *arg))
{
	return 1;
}

static inline bool kho_range_in_scratch(phys_addr_t start, size_t size)
{
	return false;
}

static inline size_t kho_handover_size(void) { return 0; }
static inline int kho_fill_handover(void *buf, size_t len, phys_addr_t phys)
{
	return -EOPNOTSUPP;
}

static inline int kho_scratch_migratetype(unsigned long pfn, int migratetype)
{
	return migratetype;
}

static inline int kho_kexec_finalize(void) { return 0; }
static inline void kho_kexec_abort(void) { }
static inline bool kho_blocks_kexec_load(void) { return false; }

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
