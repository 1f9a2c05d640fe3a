// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): debugfs.
 */

/**
 * DOC: LUO debugfs
 *
 * /sys/kernel/debug/liveupdate/: ``participants`` lists every participant
 * with its state and data, ``fdt`` the outgoing LUO tree while frozen (for
 * dtc).
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "luo_internal.h"

static int luo_participants_show(struct seq_file *m, void *v)
{
	struct luo_ctx *ctx = luo_global_ctx();
	struct luo_participant *p;

	mutex_lock(&ctx->lock);
	seq_printf(m, "state %s\n", luo_state_name(ctx->state));
	list_for_each_entry(p, &ctx->participants, list)
		seq_printf(m, "%s/%s prepared=%d frozen=%d data=%#llx incoming=%s\n",
			   luo_group_names[p->group], p->name, p->prepared,
			   p->frozen, p->data, p->incoming ? "yes" : "no");
	mutex_unlock(&ctx->lock);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_participants);

static ssize_t luo_fdt_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct luo_ctx *ctx = luo_global_ctx();
	ssize_t ret = 0;
	void *fdt;

	mutex_lock(&ctx->lock);
	if (ctx->fdt_folio) {
		fdt = folio_address(ctx->fdt_folio);
		ret = simple_read_from_buffer(ubuf, count, ppos, fdt,
					      fdt_totalsize(fdt));
	}
	mutex_unlock(&ctx->lock);

	return ret;
}

static const struct file_operations luo_fdt_fops = {
	.owner = THIS_MODULE,
	.read = luo_fdt_read,
	.llseek = default_llseek,
};

static int __init luo_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("liveupdate", NULL);

	debugfs_create_file("participants", 0400, dir, NULL,
			    &luo_participants_fops);
	debugfs_create_file("fdt", 0400, dir, NULL, &luo_fdt_fops);
	return 0;
}
subsys_initcall(luo_debugfs_init);
