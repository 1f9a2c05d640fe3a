// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): devices that keep running.
 */

/**
 * DOC: LUO devices
 *
 * A driver that keeps its device running through a live update (DMA goes
 * on, nothing is reset) calls dev_liveupdate_preserve() with its
 * &struct dev_liveupdate_ops. The device then takes part in every update
 * as one participant of the ``devices`` group: at PREPARE and FREEZE LUO
 * calls the driver and writes a record (&struct luo_device_ser) that says
 * which device it is and what the driver hands over. During the kexec
 * that follows a FREEZE, device_shutdown() asks dev_liveupdate_keep_running()
 * and skips the device and every device above it: no ->shutdown, no bus
 * master clear, no reset, no power change. Every other device shuts down
 * as without a live update, and a kexec that is not a live update
 * (nothing frozen) shuts every device down.
 *
 * In the next kernel the bus code (luo_device_pci.c) finds the record
 * while it enumerates the device, checks it against the hardware and, if
 * it holds, leaves the device alone. The driver's probe then calls
 * dev_liveupdate_reattach() to learn that the device is running and to get
 * its data back, and takes the device over without initialising it. A
 * device whose record is refused, or that no driver reattaches to by
 * FINISH, is treated as the plain kernel would: set up from scratch, or
 * stopped (bus mastering off) before KHO frees the memory it may write.
 *
 * Preserving is undone with dev_liveupdate_unpreserve(), and automatically
 * when the driver unbinds. Only PCI devices are supported today.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/dev_liveupdate.h>
#include <linux/device.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>

#include "luo_internal.h"

/**
 * struct luo_device - a device preserved by its driver in this kernel
 * @part: its participant in %LUO_GROUP_DEVICES
 * @name: the participant's name, as luo_device_name() builds it
 * @dev: the device; a reference is held while preserved
 * @ops: the driver's callbacks
 * @driver_data: what the driver hands over, set by its callbacks
 * @record: while prepared, the KHO-preserved page of the record
 * @left_running: the kexec left the device running (logged once)
 * @unpreserving: dev_liveupdate_unpreserve() is releasing it
 * @list: link in luo_devices
 */
struct luo_device {
	struct luo_participant part;
	char name[LUO_FDT_NAME_MAX];
	struct device *dev;
	const struct dev_liveupdate_ops *ops;
	u64 driver_data;
	struct folio *record;
	bool left_running;
	bool unpreserving;
	struct list_head list;
};

/* Protects luo_devices; never held across a LUO call or a driver callback. */
static DEFINE_MUTEX(luo_devices_lock);
static LIST_HEAD(luo_devices);

#if IS_ENABLED(CONFIG_LIVEUPDATE_TEST)
/*
 * Fault injection for tests: the next record frozen under
 * luo_device_fault_name is damaged as luo_device_fault says.
 */
enum luo_device_fault {
	LUO_DEVICE_FAULT_NONE,
	LUO_DEVICE_FAULT_CHECKSUM,	/* a flipped bit: fails the checksum */
	LUO_DEVICE_FAULT_IDENTITY,	/* a consistent record of another device */
};

static enum luo_device_fault luo_device_fault;
static char luo_device_fault_name[LUO_FDT_NAME_MAX];

static void luo_device_inject(struct luo_device *ld,
			      struct luo_device_ser *rec)
{
	mutex_lock(&luo_devices_lock);
	if (luo_device_fault == LUO_DEVICE_FAULT_NONE ||
	    strcmp(luo_device_fault_name, ld->name))
		goto out;
	if (luo_device_fault == LUO_DEVICE_FAULT_CHECKSUM) {
		rec->driver_data ^= 1;
	} else {
		rec->device ^= 0xffff;
		rec->checksum = 0;
		rec->checksum = crc32_le(~0, (void *)rec, sizeof(*rec));
	}
	pr_warn("%s: record damaged on purpose (fault injection)\n", ld->name);
	luo_device_fault = LUO_DEVICE_FAULT_NONE;
out:
	mutex_unlock(&luo_devices_lock);
}
#else
static void luo_device_inject(struct luo_device *ld,
			      struct luo_device_ser *rec)
{
}
#endif

static struct luo_device *luo_device_of(struct luo_participant *p)
{
	return container_of(p, struct luo_device, part);
}

static void luo_device_drop_record(struct luo_device *ld)
{
	if (!ld->record)
		return;
	if (kho_unpreserve_folio(ld->record))
		pr_warn("%s: cannot unpreserve the record\n", ld->name);
	folio_put(ld->record);
	ld->record = NULL;
}

/*
 * A device whose DMA is forced through swiotlb cannot be kept running: its
 * transfers land in bounce buffers that nobody preserves and that, after a
 * KHO boot, lie in scratch, where the next kernel is loaded (and which
 * purgatory does not hash then, see kexec_file.c). Bouncing that depends
 * on the buffer (a DMA mask that does not reach all of memory) is for the
 * driver to rule out: an address it hands over must be the physical
 * address of preserved memory. Checked when the device is preserved and
 * again at PREPARE.
 */
static int luo_device_check_dma(struct device *dev)
{
	if (!is_swiotlb_force_bounce(dev))
		return 0;
	dev_warn(dev, "liveupdate: cannot keep running: its DMA is forced through swiotlb\n");
	return -EOPNOTSUPP;
}

static int luo_device_prepare(struct luo_participant *p, u64 *data)
{
	struct luo_device *ld = luo_device_of(p);
	int err;

	err = luo_device_check_dma(ld->dev);
	if (err)
		return err;
	ld->driver_data = 0;
	if (ld->ops->prepare) {
		err = ld->ops->prepare(ld->dev, &ld->driver_data);
		if (err)
			return err;
	}

	ld->record = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!ld->record) {
		err = -ENOMEM;
		goto err_cancel;
	}
	err = kho_preserve_folio(ld->record);
	if (err) {
		folio_put(ld->record);
		ld->record = NULL;
		goto err_cancel;
	}
	*data = PFN_PHYS(folio_pfn(ld->record));

	return 0;

err_cancel:
	if (ld->ops->cancel)
		ld->ops->cancel(ld->dev, ld->driver_data);
	return err;
}

static int luo_device_freeze(struct luo_participant *p, u64 *data)
{
	struct luo_device *ld = luo_device_of(p);
	struct luo_device_ser *rec = folio_address(ld->record);
	int err;

	if (ld->ops->freeze) {
		err = ld->ops->freeze(ld->dev, &ld->driver_data);
		if (err)
			return err;
	}

	memset(rec, 0, sizeof(*rec));
	err = luo_device_describe(ld->dev, rec);
	if (err)
		return err;
	strscpy_pad(rec->compatible, LUO_DEVICE_COMPATIBLE);
	rec->size = sizeof(*rec);
	strscpy_pad(rec->driver, ld->dev->driver->name);
	rec->driver_data = ld->driver_data;
	rec->checksum = crc32_le(~0, (void *)rec, sizeof(*rec));
	luo_device_inject(ld, rec);

	return 0;
}

static void luo_device_cancel(struct luo_participant *p, u64 data)
{
	struct luo_device *ld = luo_device_of(p);

	if (ld->ops->cancel)
		ld->ops->cancel(ld->dev, ld->driver_data);
	luo_device_drop_record(ld);
	ld->left_running = false;
}

static void luo_device_finish(struct luo_participant *p, u64 data)
{
	struct luo_device *ld = luo_device_of(p);
	u64 driver_data;

	if (ld->ops->finish && !luo_device_reattached(ld->dev, &driver_data))
		ld->ops->finish(ld->dev, driver_data);
}

static const struct luo_participant_ops luo_device_ops = {
	.prepare = luo_device_prepare,
	.freeze = luo_device_freeze,
	.cancel = luo_device_cancel,
	.finish = luo_device_finish,
};

static struct luo_device *luo_device_find(struct device *dev)
{
	struct luo_device *ld;

	list_for_each_entry(ld, &luo_devices, list)
		if (ld->dev == dev)
			return ld;
	return NULL;
}

/*
 * devres action: the device is no longer kept, because the driver unbinds
 * or called dev_liveupdate_unpreserve(). It runs under the device lock,
 * which the kexec path takes too, so it must not wait for a kexec: if one
 * is under way with the record frozen into the handover, the record is
 * voided in place instead (the next kernel refuses it and stops the
 * device) and stays preserved, a leak if that kexec fails.
 */
static void luo_device_release(void *arg)
{
	struct luo_device *ld = arg;

	__luo_ctx_unregister(luo_global_ctx(), &ld->part, false);
	if (ld->record) {
		memset(folio_address(ld->record), 0, sizeof(struct luo_device_ser));
		dev_warn(ld->dev, "liveupdate: no longer preserved during the kexec: its handover record is voided\n");
	} else {
		dev_info(ld->dev, "liveupdate: no longer preserved\n");
	}
	mutex_lock(&luo_devices_lock);
	list_del(&ld->list);
	mutex_unlock(&luo_devices_lock);
	put_device(ld->dev);
	kfree(ld);
}

/**
 * dev_liveupdate_preserve() - keep a device running through live updates
 * @dev: the device; its driver must be bound (call this from probe or
 *	later)
 * @ops: the driver's callbacks, all optional; must stay valid while the
 *	device is preserved
 *
 * From now on every live update prepares and freezes the device with the
 * driver's callbacks and hands it over running to the next kernel, where
 * the driver calls dev_liveupdate_reattach(). Undone by
 * dev_liveupdate_unpreserve() and, automatically, when the driver unbinds.
 * Allowed while LUO is ``normal`` or ``updated``. Must not be called from a
 * LUO callback. Context: process, may sleep.
 *
 * Return: 0; -EOPNOTSUPP if LUO is disabled, @dev is not on a supported
 * bus (PCI) or its DMA is forced through swiotlb (logged); -EINVAL if
 * no driver is bound to @dev or @ops is NULL; -ENAMETOOLONG if the
 * driver's name does not fit the handover record; -EEXIST if @dev is
 * already preserved; -EBUSY while an update is prepared or frozen; -EAGAIN
 * if LUO has not started yet; -ENOMEM.
 */
int dev_liveupdate_preserve(struct device *dev,
			    const struct dev_liveupdate_ops *ops)
{
	struct luo_device *ld;
	int err;

	err = luo_available();
	if (err)
		return err;
	if (!ops || !dev->driver)
		return -EINVAL;
	/* The next kernel gives the device back to a driver of this name. */
	if (strlen(dev->driver->name) >= LUO_DEVICE_DRIVER_SIZE)
		return -ENAMETOOLONG;

	ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	if (!ld)
		return -ENOMEM;
	err = luo_device_name(dev, ld->name, sizeof(ld->name));
	if (err)
		goto err_free;
	err = luo_device_check_dma(dev);
	if (err)
		goto err_free;
	ld->dev = dev;
	ld->ops = ops;
	ld->part.name = ld->name;
	ld->part.group = LUO_GROUP_DEVICES;
	ld->part.ops = &luo_device_ops;
	ld->part.owner = ld;

	mutex_lock(&luo_devices_lock);
	if (luo_device_find(dev)) {
		mutex_unlock(&luo_devices_lock);
		err = -EEXIST;
		goto err_free;
	}
	list_add_tail(&ld->list, &luo_devices);
	get_device(dev);
	mutex_unlock(&luo_devices_lock);

	err = luo_ctx_register(luo_global_ctx(), &ld->part);
	if (err) {
		mutex_lock(&luo_devices_lock);
		list_del(&ld->list);
		mutex_unlock(&luo_devices_lock);
		put_device(dev);
		goto err_free;
	}

	err = devm_add_action_or_reset(dev, luo_device_release, ld);
	if (err)
		return err;
	dev_info(dev, "liveupdate: preserved: kept running through live updates\n");

	return 0;

err_free:
	kfree(ld);
	return err;
}
EXPORT_SYMBOL_GPL(dev_liveupdate_preserve);

/**
 * dev_liveupdate_unpreserve() - shut the device down at the next kexec again
 * @dev: a device preserved with dev_liveupdate_preserve()
 *
 * While an update is prepared or frozen the driver's cancel callback runs
 * and the device is left out of the update. During a kexec that froze the
 * device the record is voided instead, so that the next kernel stops the
 * device rather than hand it to a driver. Context: process, may sleep;
 * called with the driver bound, from outside its probe and remove (the
 * same happens by itself when the driver unbinds).
 *
 * Return: 0, or -ENOENT if @dev is not preserved.
 */
int dev_liveupdate_unpreserve(struct device *dev)
{
	struct luo_device *ld;

	/* Of two callers at once, one releases and the other finds nothing. */
	mutex_lock(&luo_devices_lock);
	ld = luo_device_find(dev);
	if (ld && ld->unpreserving)
		ld = NULL;
	if (ld)
		ld->unpreserving = true;
	mutex_unlock(&luo_devices_lock);
	if (!ld)
		return -ENOENT;
	devm_release_action(dev, luo_device_release, ld);

	return 0;
}
EXPORT_SYMBOL_GPL(dev_liveupdate_unpreserve);

/**
 * dev_liveupdate_keep_running() - does the kexec under way leave @dev running
 * @dev: a device about to be shut down
 *
 * Called by device_shutdown() for every device. True during the kexec of
 * a live update (LUO frozen and rebooting) for a device whose driver
 * preserved it and froze, and for every device above such a device (a
 * bridge that stopped forwarding would stop its DMA too).
 *
 * Return: true if @dev must be left as it is.
 */
bool dev_liveupdate_keep_running(struct device *dev)
{
	struct luo_ctx *ctx = luo_global_ctx();
	struct luo_device *ld;
	struct device *it;
	bool keep = false;

	if (!READ_ONCE(ctx->rebooting) ||
	    READ_ONCE(ctx->state) != LIVEUPDATE_STATE_FROZEN)
		return false;

	mutex_lock(&luo_devices_lock);
	list_for_each_entry(ld, &luo_devices, list) {
		if (!ld->part.frozen)
			continue;
		for (it = ld->dev; it; it = it->parent)
			if (it == dev)
				break;
		if (!it)
			continue;
		keep = true;
		if (ld->dev == dev && !ld->left_running) {
			ld->left_running = true;
			dev_info(dev, "liveupdate: left running for the next kernel\n");
		}
	}
	mutex_unlock(&luo_devices_lock);

	return keep;
}

/**
 * dev_liveupdate_reattach() - take over a device the previous kernel left running
 * @dev: the device, from its driver's probe
 * @data: where to store what the previous kernel's driver handed over
 *
 * Succeeds once, for the driver the previous kernel named, if the device's
 * handover record was accepted at enumeration. The device is then running
 * as the previous kernel's driver left it: the driver must not reset or
 * reinitialise it, and must take back the memory the device uses
 * (kho_restore_folio()) before its probe returns: FINISH waits for the
 * probes that reattached, then frees what nobody took back, and no
 * device reattaches after FINISH has begun. On any error the driver sets
 * the device up from scratch as usual.
 *
 * Return: 0; -ENOENT if the device was not handed over running to this
 * driver (or its record was refused); -EALREADY if a driver already
 * reattached; -EOPNOTSUPP if LUO is disabled.
 */
int dev_liveupdate_reattach(struct device *dev, u64 *data)
{
	int err = luo_available();

	if (err)
		return err;
	if (!dev->driver)
		return -ENOENT;
	return luo_device_take(dev, dev->driver->name, data);
}
EXPORT_SYMBOL_GPL(dev_liveupdate_reattach);

#if IS_ENABLED(CONFIG_LIVEUPDATE_TEST)
static ssize_t luo_device_fault_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	char buf[16 + LUO_FDT_NAME_MAX], *name;
	enum luo_device_fault fault;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);
	name = strchr(buf, ' ');
	if (!name)
		return -EINVAL;
	*name++ = '\0';
	if (!strcmp(buf, "checksum"))
		fault = LUO_DEVICE_FAULT_CHECKSUM;
	else if (!strcmp(buf, "identity"))
		fault = LUO_DEVICE_FAULT_IDENTITY;
	else
		return -EINVAL;

	mutex_lock(&luo_devices_lock);
	strscpy(luo_device_fault_name, name);
	luo_device_fault = fault;
	mutex_unlock(&luo_devices_lock);

	return count;
}

static const struct file_operations luo_device_fault_fops = {
	.owner = THIS_MODULE,
	.write = luo_device_fault_write,
};

/*
 * /sys/kernel/debug/liveupdate_devices/fault: "checksum NAME" or
 * "identity NAME" damages the record of device NAME (for example
 * pci:0000:00:05.0) at the next FREEZE, so that the next kernel's checks
 * can be tested.
 */
static int __init luo_device_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("liveupdate_devices", NULL);

	debugfs_create_file("fault", 0200, dir, NULL, &luo_device_fault_fops);
	return 0;
}
late_initcall(luo_device_debugfs_init);
#endif
