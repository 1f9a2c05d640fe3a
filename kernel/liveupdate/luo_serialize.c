// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): serialization for the next kernel.
 */

/**
 * DOC: LUO serialization
 *
 * At FREEZE, after every participant's freeze callback ran, LUO writes one
 * small FDT describing every participant (its group, name and the u64 it
 * saved; the layout is in ``include/linux/liveupdate/luo_abi.h``) into a
 * folio and publishes it to KHO under the name ``luo``; KHO preserves its
 * pages. The next kernel finds it early at boot (a core_initcall_sync),
 * checks it completely, copies the records into its own memory and frees
 * the pages. From
 * then on it is ``updated`` and participants registering under the same
 * names can retrieve their data.
 *
 * Building and parsing the blob are pure functions on a buffer so that
 * KUnit can test every malformed input. A blob that is malformed, or of a
 * version this kernel does not know, is refused as a whole: nothing is
 * reclaimed and the handed-over memory is freed instead of being trusted
 * partially. A participant group this kernel knows but the blob lacks
 * (the previous kernel predates it) is taken as empty; a group this
 * kernel does not know (the previous kernel is newer) is refused.
 *
 * The address of the blob comes from the previous kernel, so its pages are
 * taken back from KHO (which proves they were preserved) before a single
 * byte of it is read.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

const char * const luo_group_names[LUO_NR_GROUPS] = {
	[LUO_GROUP_SUBSYSTEMS] = LUO_FDT_GROUP_SUBSYSTEMS,
	[LUO_GROUP_SESSIONS] = LUO_FDT_GROUP_SESSIONS,
	[LUO_GROUP_DEVICES] = LUO_FDT_GROUP_DEVICES,
};

static int luo_fdt_err(int fdt_err)
{
	return fdt_err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

static int luo_fdt_build_group(void *fdt, struct list_head *participants,
			       enum luo_group group)
{
	struct luo_participant *p;
	unsigned int idx = 0;
	char node[16];
	int err;

	err = fdt_begin_node(fdt, luo_group_names[group]);
	if (err)
		return err;

	list_for_each_entry(p, participants, list) {
		if (p->group != group)
			continue;
		snprintf(node, sizeof(node), "%u", idx++);
		err = fdt_begin_node(fdt, node);
		if (err)
			return err;
		err = fdt_property_string(fdt, LUO_FDT_PROP_NAME, p->name);
		if (err)
			return err;
		err = fdt_property_u64(fdt, LUO_FDT_PROP_DATA, p->data);
		if (err)
			return err;
		err = fdt_end_node(fdt);
		if (err)
			return err;
	}

	return fdt_end_node(fdt);
}

/**
 * luo_group_used() - is any participant of a group on a list
 * @participants: &struct luo_participant list
 * @group: the group
 *
 * Return: true if one is.
 */
bool luo_group_used(struct list_head *participants, enum luo_group group)
{
	struct luo_participant *p;

	list_for_each_entry(p, participants, list)
		if (p->group == group)
			return true;
	return false;
}

/**
 * luo_fdt_build() - write the LUO FDT for a list of participants
 * @participants: &struct luo_participant list, in registration order
 * @buf: output buffer
 * @size: size of @buf in bytes
 *
 * Return: 0 on success, -ENOSPC if @buf is too small, -EINVAL on any other
 * libfdt failure (for example a name that does not fit the ABI).
 */
VISIBLE_IF_KUNIT int luo_fdt_build(struct list_head *participants, void *buf,
				   size_t size)
{
	int err, g;

	if (size > LUO_FDT_MAX_SIZE)
		size = LUO_FDT_MAX_SIZE;

	err = fdt_create(buf, size);
	if (err)
		return luo_fdt_err(err);
	err = fdt_finish_reservemap(buf);
	if (err)
		return luo_fdt_err(err);
	err = fdt_begin_node(buf, "");
	if (err)
		return luo_fdt_err(err);
	err = fdt_property_string(buf, "compatible", LUO_FDT_COMPATIBLE);
	if (err)
		return luo_fdt_err(err);
	for (g = 0; g < LUO_NR_GROUPS; g++) {
		/* Groups added later only when used: older kernels can read. */
		if (g != LUO_GROUP_SUBSYSTEMS && !luo_group_used(participants, g))
			continue;
		err = luo_fdt_build_group(buf, participants, g);
		if (err)
			return luo_fdt_err(err);
	}
	err = fdt_end_node(buf);
	if (err)
		return luo_fdt_err(err);
	err = fdt_finish(buf);
	if (err)
		return luo_fdt_err(err);

	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(luo_fdt_build);

/**
 * luo_incoming_free() - free a list of &struct luo_incoming
 * @records: the list; empty on return
 */
void luo_incoming_free(struct list_head *records)
{
	struct luo_incoming *rec, *tmp;

	list_for_each_entry_safe(rec, tmp, records, list) {
		list_del(&rec->list);
		kfree(rec);
	}
}
EXPORT_SYMBOL_IF_KUNIT(luo_incoming_free);

/*
 * Names end up in sysfs and in the kernel log: from untrusted handover
 * data, accept printable ASCII only, so that nothing can forge a log line
 * or a sysfs record.
 */
bool luo_name_printable(const char *name)
{
	for (; *name; name++)
		if (*name < 0x20 || *name > 0x7e)
			return false;
	return true;
}

static bool luo_name_taken(struct list_head *records, enum luo_group group,
			   const char *name)
{
	struct luo_incoming *rec;

	list_for_each_entry(rec, records, list)
		if (rec->group == group && !strcmp(rec->name, name))
			return true;
	return false;
}

static int luo_parse_record(const void *fdt, int node, enum luo_group group,
			    struct list_head *records)
{
	const char *name = NULL, *pname;
	const void *data = NULL;
	struct luo_incoming *rec;
	const void *val;
	int prop, len;

	/* Strings of the blob are logged escaped: they could forge lines. */
	if (fdt_first_subnode(fdt, node) != -FDT_ERR_NOTFOUND) {
		const char *nname = fdt_get_name(fdt, node, &len);

		pr_err("LUO FDT: record %s/%*pE has a child node\n",
		       luo_group_names[group], nname ? len : 0, nname);
		return -EINVAL;
	}

	fdt_for_each_property_offset(prop, fdt, node) {
		val = fdt_getprop_by_offset(fdt, prop, &pname, &len);
		if (!val || !pname)
			return -EINVAL;
		if (!strcmp(pname, LUO_FDT_PROP_NAME) && !name) {
			if (len < 2 || len > LUO_FDT_NAME_MAX ||
			    strnlen(val, len) != len - 1 ||
			    !luo_name_printable(val)) {
				pr_err("LUO FDT: bad name in %s (empty, too long, unterminated or not printable ASCII)\n",
				       luo_group_names[group]);
				return -EINVAL;
			}
			name = val;
		} else if (!strcmp(pname, LUO_FDT_PROP_DATA) && !data) {
			if (len != sizeof(u64)) {
				pr_err("LUO FDT: data of size %d in %s\n", len,
				       luo_group_names[group]);
				return -EINVAL;
			}
			data = val;
		} else {
			pr_err("LUO FDT: unexpected property '%*pE' in %s\n",
			       (int)strlen(pname), pname,
			       luo_group_names[group]);
			return -EINVAL;
		}
	}
	if (prop != -FDT_ERR_NOTFOUND || !name || !data) {
		pr_err("LUO FDT: incomplete record in %s\n",
		       luo_group_names[group]);
		return -EINVAL;
	}
	if (luo_name_taken(records, group, name)) {
		pr_err("LUO FDT: duplicate name '%s' in %s\n", name,
		       luo_group_names[group]);
		return -EINVAL;
	}

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	rec->group = group;
	strscpy(rec->name, name, sizeof(rec->name));
	rec->data = fdt64_ld(data);
	list_add_tail(&rec->list, records);

	return 0;
}

static int luo_group_index(const char *name)
{
	int g;

	for (g = 0; g < LUO_NR_GROUPS; g++)
		if (!strcmp(name, luo_group_names[g]))
			return g;
	return -1;
}

static int luo_fdt_parse_groups(const void *fdt, struct list_head *records)
{
	bool seen[LUO_NR_GROUPS] = { };
	const char *gname;
	int node, child, g, err, len;

	fdt_for_each_subnode(node, fdt, 0) {
		gname = fdt_get_name(fdt, node, &len);
		g = gname ? luo_group_index(gname) : -1;
		if (g < 0) {
			pr_err("LUO FDT: unknown participant group '%*pE' (from a newer kernel?)\n",
			       gname ? len : 0, gname);
			return -EINVAL;
		}
		if (seen[g]) {
			pr_err("LUO FDT: group '%s' appears twice\n", gname);
			return -EINVAL;
		}
		seen[g] = true;

		fdt_for_each_subnode(child, fdt, node) {
			err = luo_parse_record(fdt, child, g, records);
			if (err)
				return err;
		}
		if (child != -FDT_ERR_NOTFOUND)
			return -EINVAL;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return -EINVAL;

	/* A group added after the previous kernel was built: nothing in it. */
	for (g = 0; g < LUO_NR_GROUPS; g++)
		if (!seen[g])
			pr_info("LUO FDT: no '%s' group, taken as empty\n",
				luo_group_names[g]);

	return 0;
}

/**
 * luo_fdt_parse() - check a LUO FDT and turn it into records
 * @fdt: the blob
 * @size: bytes readable at @fdt
 * @records: empty list that receives &struct luo_incoming records
 *
 * The whole blob is checked before anything is returned: on error
 * @records is left empty.
 *
 * Return: 0 on success; -EPROTONOSUPPORT if the blob is a LUO FDT of a
 * version this kernel does not know; -EINVAL if it is malformed; -ENOMEM.
 */
VISIBLE_IF_KUNIT int luo_fdt_parse(const void *fdt, size_t size,
				   struct list_head *records)
{
	const char *compat;
	int len, err;

	if (size < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > size ||
	    fdt_totalsize(fdt) > LUO_FDT_MAX_SIZE) {
		pr_err("LUO FDT: bad header\n");
		return -EINVAL;
	}

	compat = fdt_getprop(fdt, 0, "compatible", &len);
	if (!compat || len < 1 || strnlen(compat, len) != len - 1) {
		pr_err("LUO FDT: no valid compatible property\n");
		return -EINVAL;
	}
	if (strcmp(compat, LUO_FDT_COMPATIBLE)) {
		pr_err("LUO FDT: unknown version '%*pE', this kernel knows '%s'\n",
		       len - 1, compat, LUO_FDT_COMPATIBLE);
		return -EPROTONOSUPPORT;
	}

	err = luo_fdt_parse_groups(fdt, records);
	if (err)
		luo_incoming_free(records);

	return err;
}
EXPORT_SYMBOL_IF_KUNIT(luo_fdt_parse);

/**
 * luo_ctx_load() - enter the state the previous kernel's data allows
 * @ctx: LUO instance in the ``undefined`` state
 * @fdt: LUO FDT handed over by the previous kernel, or NULL if none
 * @size: bytes readable at @fdt
 *
 * Moves @ctx to ``updated`` with the parsed records, or to ``normal`` if
 * there is no blob or it is refused.
 *
 * Return: 0; -EBUSY (and nothing changes) if @ctx is not ``undefined``;
 * or the error from luo_fdt_parse() (the state is then ``normal`` with
 * nothing to reclaim).
 */
int luo_ctx_load(struct luo_ctx *ctx, const void *fdt, size_t size)
{
	LIST_HEAD(records);
	unsigned int n = 0;
	struct luo_incoming *rec;
	int err = 0;

	mutex_lock(&ctx->lock);
	if (ctx->state != LIVEUPDATE_STATE_UNDEFINED) {
		err = -EBUSY;
		goto out;
	}
	if (!fdt) {
		WRITE_ONCE(ctx->state, LIVEUPDATE_STATE_NORMAL);
		goto out;
	}

	err = luo_fdt_parse(fdt, size, &records);
	if (err) {
		pr_err("refusing the previous kernel's LUO data (%pe); nothing will be reclaimed\n",
		       ERR_PTR(err));
		WRITE_ONCE(ctx->state, LIVEUPDATE_STATE_NORMAL);
		goto out;
	}

	list_for_each_entry(rec, &records, list)
		n++;
	mutex_lock(&ctx->list_lock);
	list_splice_tail(&records, &ctx->incoming);
	mutex_unlock(&ctx->list_lock);
	WRITE_ONCE(ctx->state, LIVEUPDATE_STATE_UPDATED);
	pr_info("booted from a live update, %u record(s) handed over\n", n);
out:
	mutex_unlock(&ctx->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_load);

/**
 * luo_serialize() - build and publish the LUO FDT
 * @ctx: LUO instance, with @ctx->lock held, every participant frozen
 *
 * The blob lives in the smallest folio that holds it and is published to
 * KHO (when @ctx->handover), which preserves its pages.
 *
 * Return: 0 or a negative errno; nothing is left allocated on error.
 */
int luo_serialize(struct luo_ctx *ctx)
{
	struct folio *folio = NULL;
	unsigned int order;
	int err = -ENOSPC;

	lockdep_assert_held(&ctx->lock);

	for (order = 0; (PAGE_SIZE << order) <= LUO_FDT_MAX_SIZE; order++) {
		folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, order);
		if (!folio)
			return -ENOMEM;
		err = luo_fdt_build(&ctx->participants, folio_address(folio),
				    folio_size(folio));
		if (!err)
			break;
		folio_put(folio);
		folio = NULL;
		if (err != -ENOSPC)
			return err;
	}
	if (!folio)
		return err;

	if (ctx->handover) {
		/* KHO preserves the pages of a published blob itself. */
		err = kho_publish_fdt(LUO_KHO_NAME, folio_address(folio));
		if (err) {
			folio_put(folio);
			return err;
		}
	}
	ctx->fdt_folio = folio;

	return 0;
}

/**
 * luo_unserialize() - withdraw and free the LUO FDT built by luo_serialize()
 * @ctx: LUO instance, with @ctx->lock held
 *
 * If KHO refuses to withdraw the blob (its handover is finalized) the
 * folio is leaked rather than freed under KHO's feet.
 */
void luo_unserialize(struct luo_ctx *ctx)
{
	struct folio *folio = ctx->fdt_folio;
	int err = 0;

	lockdep_assert_held(&ctx->lock);
	if (!folio)
		return;

	ctx->fdt_folio = NULL;
	if (ctx->handover)
		err = kho_unpublish_fdt(LUO_KHO_NAME);
	if (err && err != -ENOENT) {
		pr_err("cannot withdraw the LUO FDT from KHO: %pe; leaking it\n",
		       ERR_PTR(err));
		return;
	}
	folio_put(folio);
}

/*
 * Take back from KHO the first preserved block at @phys: KHO preserves a
 * range as naturally aligned power-of-two blocks and restores whole blocks
 * only. Returns the restored size, or 0 if @phys is not the start of a
 * preserved block of at most %LUO_FDT_MAX_SIZE bytes.
 */
static size_t luo_restore_first_block(phys_addr_t phys)
{
	size_t size;

	if (kho_block_size(phys, &size) || size > LUO_FDT_MAX_SIZE ||
	    kho_restore_phys(phys, size))
		return 0;
	return size;
}

static void luo_free_restored(void *va, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += PAGE_SIZE)
		__free_page(virt_to_page(va + off));
}

/**
 * luo_load_from_kho() - find and load the previous kernel's LUO FDT
 * @ctx: LUO instance in the ``undefined`` state
 *
 * The blob's pages are taken back from KHO before anything is read from
 * them, then parsed into records and freed.
 *
 * Return: 0 if there was nothing to load or it was loaded; a negative
 * errno if LUO data was handed over but refused (the state is then
 * ``normal``).
 */
int luo_load_from_kho(struct luo_ctx *ctx)
{
	size_t restored, size = 0;
	phys_addr_t phys;
	void *fdt = NULL;
	int err;

	err = kho_find_fdt(LUO_KHO_NAME, &phys);
	if (err == -ENOENT)
		return luo_ctx_load(ctx, NULL, 0);
	if (err) {
		pr_err("cannot look up the previous kernel's LUO data: %pe\n",
		       ERR_PTR(err));
		goto refuse;
	}

	/* Only memory proven preserved is read. */
	restored = PAGE_ALIGNED(phys) ? luo_restore_first_block(phys) : 0;
	if (!restored) {
		pr_err("the previous kernel's LUO FDT at %pa is not preserved memory\n",
		       &phys);
		err = -EINVAL;
		goto refuse;
	}
	fdt = phys_to_virt(phys);
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > LUO_FDT_MAX_SIZE) {
		pr_err("the previous kernel's LUO FDT at %pa has a bad header\n",
		       &phys);
		err = -EINVAL;
		goto free;
	}
	size = PAGE_ALIGN(fdt_totalsize(fdt));
	if (size > restored) {
		err = kho_restore_phys(phys + restored, size - restored);
		if (err) {
			pr_err("cannot restore the previous kernel's LUO FDT at %pa: %pe\n",
			       &phys, ERR_PTR(err));
			goto free;
		}
		restored = size;
	}

	err = luo_ctx_load(ctx, fdt, restored);
	luo_free_restored(fdt, restored);

	return err;

free:
	luo_free_restored(fdt, restored);
refuse:
	luo_ctx_load(ctx, NULL, 0);
	return err;
}
