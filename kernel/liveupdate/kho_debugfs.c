// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: debugfs
 */

/**
 * DOC: KHO debugfs
 *
 * /sys/kernel/debug/kho/: the outgoing root FDT once finalized and a copy
 * of the incoming one, statistics of both sides and, with
 * CONFIG_KEXEC_HANDOVER_TEST, the fault injection that damages the next
 * handover on purpose and the one that makes a preserved page look in
 * use by this kernel (in/occupy).
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kho_internal.h"

static struct debugfs_blob_wrapper kho_out_fdt_blob;
/* A copy: the incoming root FDT itself is freed with the handover. */
static struct debugfs_blob_wrapper kho_in_fdt_blob;

/**
 * kho_debugfs_out_fdt_changed() - show the outgoing root FDT, or hide it
 * @size: its size once finalized, 0 when finalization was undone
 *
 * Called with kho_out_lock held.
 */
void kho_debugfs_out_fdt_changed(size_t size)
{
	kho_out_fdt_blob.size = size;
}

static int kho_out_stats_show(struct seq_file *m, void *v)
{
	unsigned int o;
	u64 total = 0;

	mutex_lock(&kho_out_lock);
	for (o = 0; o < kho_out_nr_scratch; o++) {
		seq_printf(m, "scratch%u=%#llx+%#llx\n", o,
			   kho_out_scratch[o].base, kho_out_scratch[o].size);
		total += kho_out_scratch[o].size;
	}
	seq_printf(m, "scratch_size=%llu\nscratch_inherited=%d\n", total,
		   kho_scratch_inherited);
	seq_printf(m, "clients=%u\nfinalized=%d\n", kho_nr_clients,
		   kho_finalized);
	if (kho_finalized)
		seq_printf(m, "runs=%lu\nchunks=%u\n", kho_out_nr_runs,
			   kho_out_nr_chunks);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		if (kho_out_tracker.nr_folios[o])
			seq_printf(m, "order%u=%lu\n", o,
				   kho_out_tracker.nr_folios[o]);
	mutex_unlock(&kho_out_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_out_stats);

static int kho_in_stats_show(struct seq_file *m, void *v)
{
	mutex_lock(&kho_in_lock);
	seq_printf(m, "runs=%lu\nfolios=%lu\nbytes=%llu\n", kho_in.nr_runs,
		   kho_in.nr_folios, kho_in.bytes);
	seq_printf(m, "restored_pages=%lu\nreleased=%d\nreleased_pages=%lu\n",
		   kho_in.restored_pages, kho_in.released,
		   kho_in.released_pages);
	seq_printf(m, "reserve_us=%llu\nbuilt_pages=%lu\nbuild_done=%d\n",
		   kho_in.reserve_us, kho_in.built_pages, kho_in.build_done);
	seq_printf(m, "fdt_phys=%#llx\nfdt_size=%llu\n",
		   (u64)kho_in.fdt_phys, kho_in.fdt_size);
	mutex_unlock(&kho_in_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_in_stats);

#ifdef CONFIG_KEXEC_HANDOVER_TEST
static ssize_t kho_corrupt_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[32];
	int i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	i = sysfs_match_string(kho_corrupt_names, strim(buf));
	if (i < 0)
		return i;
	mutex_lock(&kho_out_lock);
	kho_corrupt_mode = i;
	mutex_unlock(&kho_out_lock);
	return count;
}

static int kho_corrupt_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", kho_corrupt_names[READ_ONCE(kho_corrupt_mode)]);
	return 0;
}

static int kho_corrupt_open(struct inode *inode, struct file *file)
{
	return single_open(file, kho_corrupt_show, NULL);
}

static const struct file_operations kho_corrupt_fops = {
	.owner = THIS_MODULE,
	.open = kho_corrupt_open,
	.read = seq_read,
	.write = kho_corrupt_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static ssize_t kho_occupy_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	u64 phys;
	int err;

	err = kstrtou64_from_user(ubuf, count, 0, &phys);
	if (!err)
		err = kho_test_occupy(phys);
	return err ? err : count;
}

static const struct file_operations kho_occupy_fops = {
	.owner = THIS_MODULE,
	.write = kho_occupy_write,
};
#endif

static int __init kho_debugfs_init(void)
{
	struct dentry *root, *dir;

	if (!kho_active && !kho_in.accepted)
		return 0;

	root = debugfs_create_dir("kho", NULL);
	if (kho_active) {
		dir = debugfs_create_dir("out", root);
		kho_out_fdt_blob.data = kho_out_fdt;
		debugfs_create_blob("fdt", 0400, dir, &kho_out_fdt_blob);
		debugfs_create_file("stats", 0400, dir, NULL,
				    &kho_out_stats_fops);
#ifdef CONFIG_KEXEC_HANDOVER_TEST
		debugfs_create_file("corrupt", 0600, root, NULL,
				    &kho_corrupt_fops);
#endif
	}
	if (kho_in.accepted) {
		dir = debugfs_create_dir("in", root);
		mutex_lock(&kho_in_lock);
		if (!kho_in.released) {
			kho_in_fdt_blob.size = fdt_totalsize(kho_in_fdt());
			kho_in_fdt_blob.data = kmemdup(kho_in_fdt(),
						       kho_in_fdt_blob.size,
						       GFP_KERNEL);
			if (kho_in_fdt_blob.data)
				debugfs_create_blob("fdt", 0400, dir,
						    &kho_in_fdt_blob);
		}
		mutex_unlock(&kho_in_lock);
		debugfs_create_file("stats", 0400, dir, NULL,
				    &kho_in_stats_fops);
#ifdef CONFIG_KEXEC_HANDOVER_TEST
		debugfs_create_file("occupy", 0200, dir, NULL,
				    &kho_occupy_fops);
#endif
	}
	return 0;
}
fs_initcall(kho_debugfs_init);
