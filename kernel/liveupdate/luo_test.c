// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): a test subsystem.
 */

/**
 * DOC: LUO test subsystem
 *
 * The "luo-test" subsystem lets the QEMU harness check a real live update
 * end to end without any real state to preserve. At PREPARE it fills a
 * page with a pattern derived from a value written to
 * /sys/kernel/debug/liveupdate_test/data, preserves the page through KHO
 * and hands its physical address to the next kernel. The next kernel
 * registers "luo-test" again, retrieves the address, checks the whole page
 * and reports:
 *
 * - ``data``: (read/write) the value to hand over; after an update, the
 *   value found in the preserved page (so that chained updates carry it on);
 * - ``result``: (read) ``none`` (not booted from an update, or nothing
 *   handed over), ``ok``, ``mismatch`` (the page content is wrong) or
 *   ``lost`` (the page could not be restored);
 * - ``fail``: (read/write) ``none``, ``prepare`` or ``freeze``: make that
 *   callback fail with -EIO, to test rollback;
 * - ``noclaim``: (read/write) 1 registers a second subsystem,
 *   "luo-test-noclaim", that preserves a page too but never retrieves
 *   anything; 0 unregisters it (while an update is prepared or frozen this
 *   cancels it and leaves it out of the update). In the next kernel nobody reclaims its data
 *   unless it is registered again (which still does not retrieve it), so
 *   FINISH must count it and free its page.
 */

#define pr_fmt(fmt) "liveupdate: test: " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/string.h>

#define LUO_TEST_MAGIC	0x4c554f5445535431ULL	/* "LUOTEST1" */

enum luo_test_fail {
	LUO_TEST_FAIL_NONE,
	LUO_TEST_FAIL_PREPARE,
	LUO_TEST_FAIL_FREEZE,
};

static const char * const luo_test_fail_names[] = {
	[LUO_TEST_FAIL_NONE] = "none",
	[LUO_TEST_FAIL_PREPARE] = "prepare",
	[LUO_TEST_FAIL_FREEZE] = "freeze",
};

/*
 * The folios below are only touched from LUO callbacks (serialized by LUO)
 * and from the initcall before registration.
 */
static u64 luo_test_value;
static int luo_test_fail;
static const char *luo_test_result = "none";
static struct folio *luo_test_out;		/* preserved for the next kernel */
static struct folio *luo_test_in;		/* restored from the previous one */
static struct folio *luo_test_noclaim_out;
static DEFINE_MUTEX(luo_test_noclaim_lock);	/* taken before LUO's mutex */
static bool luo_test_noclaim_on;

static u64 luo_test_word(u64 value, unsigned int i)
{
	if (i == 0)
		return LUO_TEST_MAGIC;
	if (i == 1)
		return value;
	return value ^ (i * 0x9e3779b97f4a7c15ULL);
}

static struct folio *luo_test_fill(u64 value)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	u64 *words;
	unsigned int i;
	int err;

	if (!folio)
		return ERR_PTR(-ENOMEM);
	words = folio_address(folio);
	for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
		words[i] = luo_test_word(value, i);

	err = kho_preserve_folio(folio);
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio;
}

static void luo_test_drop(struct folio **folio)
{
	if (!*folio)
		return;
	if (kho_unpreserve_folio(*folio))
		pr_warn("cannot unpreserve a test page\n");
	folio_put(*folio);
	*folio = NULL;
}

static int luo_test_prepare(struct liveupdate_subsystem *s, u64 *data)
{
	struct folio *folio;

	if (READ_ONCE(luo_test_fail) == LUO_TEST_FAIL_PREPARE) {
		pr_info("failing prepare on request\n");
		return -EIO;
	}
	folio = luo_test_fill(READ_ONCE(luo_test_value));
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	luo_test_out = folio;
	*data = PFN_PHYS(folio_pfn(folio));

	return 0;
}

static int luo_test_freeze(struct liveupdate_subsystem *s, u64 *data)
{
	if (READ_ONCE(luo_test_fail) == LUO_TEST_FAIL_FREEZE) {
		pr_info("failing freeze on request\n");
		return -EIO;
	}
	return 0;
}

static void luo_test_cancel(struct liveupdate_subsystem *s, u64 data)
{
	luo_test_drop(&luo_test_out);
}

static void luo_test_finish(struct liveupdate_subsystem *s, u64 data)
{
	if (luo_test_in) {
		folio_put(luo_test_in);
		luo_test_in = NULL;
	}
}

static const struct liveupdate_subsystem_ops luo_test_ops = {
	.prepare = luo_test_prepare,
	.freeze = luo_test_freeze,
	.cancel = luo_test_cancel,
	.finish = luo_test_finish,
};

static struct liveupdate_subsystem luo_test_subsys = {
	.name = "luo-test",
	.ops = &luo_test_ops,
};

static int luo_test_noclaim_prepare(struct liveupdate_subsystem *s, u64 *data)
{
	struct folio *folio = luo_test_fill(~0ULL);

	if (IS_ERR(folio))
		return PTR_ERR(folio);
	luo_test_noclaim_out = folio;
	*data = PFN_PHYS(folio_pfn(folio));

	return 0;
}

static int luo_test_noclaim_freeze(struct liveupdate_subsystem *s, u64 *data)
{
	return 0;
}

static void luo_test_noclaim_cancel(struct liveupdate_subsystem *s, u64 data)
{
	luo_test_drop(&luo_test_noclaim_out);
}

/* Deliberately leaves the handed-over page alone: KHO must free it. */
static const struct liveupdate_subsystem_ops luo_test_noclaim_ops = {
	.prepare = luo_test_noclaim_prepare,
	.freeze = luo_test_noclaim_freeze,
	.cancel = luo_test_noclaim_cancel,
};

static struct liveupdate_subsystem luo_test_noclaim_subsys = {
	.name = "luo-test-noclaim",
	.ops = &luo_test_noclaim_ops,
};

/* Next kernel: get the page back and check it. */
static void __init luo_test_reclaim(void)
{
	const u64 *words;
	struct folio *folio;
	unsigned int i;
	u64 phys, value;
	int err;

	err = liveupdate_subsystem_retrieve(&luo_test_subsys, &phys);
	if (err) {
		if (err != -ENODATA)
			pr_info("nothing handed over: %pe\n", ERR_PTR(err));
		return;
	}

	folio = kho_restore_folio(phys);
	if (!folio) {
		pr_err("cannot restore the page at %#llx\n", phys);
		luo_test_result = "lost";
		return;
	}

	words = folio_address(folio);
	value = words[1];
	for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
		if (words[i] != luo_test_word(value, i))
			break;
	if (i == PAGE_SIZE / sizeof(u64)) {
		luo_test_result = "ok";
		luo_test_value = value;
		pr_info("reclaimed value %#llx\n", value);
	} else {
		luo_test_result = "mismatch";
		pr_err("page at %#llx differs at word %u\n", phys, i);
	}
	luo_test_in = folio;
}

static int luo_test_data_get(void *arg, u64 *val)
{
	*val = READ_ONCE(luo_test_value);
	return 0;
}

static int luo_test_data_set(void *arg, u64 val)
{
	WRITE_ONCE(luo_test_value, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(luo_test_data_fops, luo_test_data_get,
			 luo_test_data_set, "%llu\n");

static int luo_test_noclaim_get(void *arg, u64 *val)
{
	*val = READ_ONCE(luo_test_noclaim_on);
	return 0;
}

static int luo_test_noclaim_set(void *arg, u64 val)
{
	int err = 0;

	mutex_lock(&luo_test_noclaim_lock);
	if (val && !luo_test_noclaim_on)
		err = liveupdate_register_subsystem(&luo_test_noclaim_subsys);
	else if (!val && luo_test_noclaim_on)
		err = liveupdate_unregister_subsystem(&luo_test_noclaim_subsys);
	if (!err)
		WRITE_ONCE(luo_test_noclaim_on, !!val);
	mutex_unlock(&luo_test_noclaim_lock);

	return err;
}
DEFINE_DEBUGFS_ATTRIBUTE(luo_test_noclaim_fops, luo_test_noclaim_get,
			 luo_test_noclaim_set, "%llu\n");

static ssize_t luo_test_fail_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	const char *s = luo_test_fail_names[READ_ONCE(luo_test_fail)];
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n", s);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t luo_test_fail_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char buf[16];
	int mode;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	mode = sysfs_match_string(luo_test_fail_names, strim(buf));
	if (mode < 0)
		return mode;
	WRITE_ONCE(luo_test_fail, mode);

	return count;
}

static const struct file_operations luo_test_fail_fops = {
	.owner = THIS_MODULE,
	.read = luo_test_fail_read,
	.write = luo_test_fail_write,
	.llseek = default_llseek,
};

static ssize_t luo_test_result_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n", luo_test_result);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations luo_test_result_fops = {
	.owner = THIS_MODULE,
	.read = luo_test_result_read,
	.llseek = default_llseek,
};

static int __init luo_test_init(void)
{
	struct dentry *dir;
	int err;

	err = liveupdate_register_subsystem(&luo_test_subsys);
	if (err) {
		pr_info("not registered: %pe\n", ERR_PTR(err));
		return 0;
	}
	luo_test_reclaim();

	dir = debugfs_create_dir("liveupdate_test", NULL);
	debugfs_create_file_unsafe("data", 0600, dir, NULL,
				   &luo_test_data_fops);
	debugfs_create_file("result", 0400, dir, NULL, &luo_test_result_fops);
	debugfs_create_file("fail", 0600, dir, NULL, &luo_test_fail_fops);
	debugfs_create_file_unsafe("noclaim", 0600, dir, NULL,
				   &luo_test_noclaim_fops);

	return 0;
}
late_initcall(luo_test_init);
