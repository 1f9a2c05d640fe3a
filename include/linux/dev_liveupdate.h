/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Devices that keep running through a live update.
 *
 * See "Devices across a live update" in Documentation/core-api/liveupdate.rst.
 */
#ifndef _LINUX_DEV_LIVEUPDATE_H
#define _LINUX_DEV_LIVEUPDATE_H

#include <linux/errno.h>
#include <linux/types.h>

struct device;

/**
 * struct dev_liveupdate_ops - a driver's callbacks for a preserved device
 * @prepare: PREPARE: preserve what the next kernel's driver needs (DMA
 *	buffers, with kho_preserve_folio()) and store in @data what to hand
 *	over, typically the physical address of the driver's own preserved
 *	state. The device keeps working. Optional.
 * @freeze: FREEZE, normally inside the kexec: the last chance to update
 *	@data. The device keeps running, but the driver must stop acting on
 *	it from now on (no new requests, no interrupt acknowledgements that
 *	the next kernel would miss). Keep it short. Optional.
 * @cancel: the update is abandoned after @prepare: undo @prepare and
 *	@freeze, so that the driver owns the device as before. Cannot fail.
 *	Optional.
 * @finish: in the next kernel, at FINISH, for a device this driver
 *	reattached to with dev_liveupdate_reattach() and preserved again
 *	(with these ops) before FINISH: @data is what the previous kernel's
 *	driver handed over. Release what was kept only for the handover.
 *	Cannot fail. Optional. A driver that does not preserve the device
 *	again releases such memory itself.
 *
 * The callbacks run in process context with LUO's transition mutex held;
 * the rules of &struct liveupdate_subsystem_ops apply. They must not take
 * the device lock: probe and unbind call into LUO with it held.
 */
struct dev_liveupdate_ops {
	int (*prepare)(struct device *dev, u64 *data);
	int (*freeze)(struct device *dev, u64 *data);
	void (*cancel)(struct device *dev, u64 data);
	void (*finish)(struct device *dev, u64 data);
};

#ifdef CONFIG_LIVEUPDATE_DEVICES

int dev_liveupdate_preserve(struct device *dev,
			    const struct dev_liveupdate_ops *ops);
int dev_liveupdate_unpreserve(struct device *dev);
int dev_liveupdate_reattach(struct device *dev, u64 *data);
bool dev_liveupdate_keep_running(struct device *dev);

#else /* !CONFIG_LIVEUPDATE_DEVICES */

static inline int dev_liveupdate_preserve(struct device *dev,
					  const struct dev_liveupdate_ops *ops)
{
	return -EOPNOTSUPP;
}

static inline int dev_liveupdate_unpreserve(struct device *dev)
{
	return -ENOENT;
}

static inline int dev_liveupdate_reattach(struct device *dev, u64 *data)
{
	return -ENOENT;
}

static inline bool dev_liveupdate_keep_running(struct device *dev)
{
	return false;
}

#endif /* CONFIG_LIVEUPDATE_DEVICES */

#endif /* _LINUX_DEV_LIVEUPDATE_H */
