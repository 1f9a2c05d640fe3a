// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's edu device, kept running through a live update.
 */

/**
 * DOC: luo_edu, a driver that keeps its device running
 *
 * QEMU emulates a small PCI device, ``-device edu`` (1234:11e8): a
 * liveness register that reads back the inverse of what was written, a
 * factorial unit, an interrupt status register and a DMA engine that
 * copies between its own 4 KiB buffer (at device address 0x40000) and
 * memory, finishing about 100 ms after it starts and then raising an
 * interrupt. This driver is the worked example of dev_liveupdate: it keeps
 * the device and a DMA buffer of two pages (the first is the source of
 * transfers to the device, the second the destination of transfers from
 * it) across a live update, with a transfer still running.
 *
 * - prepare: preserve the DMA buffer and a page of driver state in KHO;
 * - freeze: mask the device's interrupt (INTx disable, in the device
 *   itself) so that a completion is left for the next kernel rather than
 *   acknowledged by a kernel that is going away; record the registers and
 *   whether a transfer is running;
 * - cancel: unpreserve, unmask; the device was never stopped;
 * - next kernel: dev_liveupdate_reattach() gives back the state page;
 *   the driver takes the buffer back, keeps the device as it is and
 *   acknowledges, once, the completion that arrived while no kernel was
 *   listening.
 *
 * The device needs a DMA mask of 32 bits (``-device edu,dma_mask=0xffffffff``):
 * the buffer is allocated below 4 GiB and used without a bounce buffer, so
 * that its physical address is the one the device writes to. Where the
 * DMA is bounced anyway (``swiotlb=force``) or remapped, the device works,
 * but preserving it is refused.
 *
 * sysfs, in the device's directory: ``regs`` (every register), ``liveness``
 * and ``factorial`` (write a value to the device), ``dma`` (write a seed to
 * send 2 KiB of its pattern to the device and start a transfer back into
 * the second page; read to wait for the transfer and check the page),
 * ``dma_at_freeze`` (the same, but the transfer back starts at the next
 * freeze, so that it runs during the kexec),
 * ``buffer`` (the buffer's device address, which is its physical address
 * unless the DMA is bounced or remapped), ``reattached``,
 * ``handover`` (what the previous kernel handed over), ``dma_irq``
 * (DMA completions acknowledged here, and the interrupt status found at
 * reattach), ``probe_command`` (the PCI command register as probe found
 * it), ``preserve`` (keep the device through the next live update) and
 * ``fail_prepare`` (make the next prepare fail, for tests). The parameter
 * ``luo_edu.ignore=ADDRESS`` keeps the driver off one device, to test a
 * device that the next kernel's driver never takes over.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/dev_liveupdate.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/swiotlb.h>

#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_FACTORIAL	0x08
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID			0x010000ed
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_MEMORY	0x2
#define EDU_DMA_IRQ		0x4
#define EDU_IRQ_DMA		0x100
#define EDU_DEVICE_BUFFER	0x40000
/*
 * Bytes per transfer: QEMU 7.2's range check rejects (and aborts on) a
 * transfer that ends exactly at the end of the device's 4 KiB buffer.
 */
#define EDU_XFER		2048
#define EDU_DMA_TIMEOUT_MS	2000

/* Two pages: the source of transfers to the device, then the destination. */
#define EDU_BUFFER_ORDER	1

/* The driver's own handover format; change it with any change below. */
#define LUO_EDU_COMPATIBLE	"luo-edu-v1"

/**
 * struct luo_edu_state - what the driver hands over, in one preserved page
 * @compatible: %LUO_EDU_COMPATIBLE, NUL-padded
 * @buffer: physical address of the DMA buffer (a preserved folio)
 * @buffer_order: its order, %EDU_BUFFER_ORDER
 * @seed: the seed of the last transfer started
 * @liveness: the last value written to the liveness register
 * @factorial: the last value written to the factorial register
 * @generation: live updates the device went through, this one included
 * @dma_running: a transfer was running at freeze
 * @irq_status: the interrupt status register at freeze
 * @command: the PCI command register at freeze
 * @reserved: 0
 */
struct luo_edu_state {
	char compatible[16];
	u64 buffer;
	u32 buffer_order;
	u32 seed;
	u32 liveness;
	u32 factorial;
	u32 generation;
	u32 dma_running;
	u32 irq_status;
	u16 command;
	u16 reserved;
};

/**
 * struct luo_edu - one edu device
 * @pdev: the PCI device
 * @regs: BAR 0
 * @lock: serializes the sysfs files and the LUO callbacks
 * @buffer: the DMA buffer
 * @buffer_dma: its device address; a device kept running across a live
 *	update needs it equal to the physical address
 * @state: while prepared, the preserved page of &struct luo_edu_state
 * @seed: seed of the last transfer started
 * @liveness: last value written to the liveness register
 * @factorial: last value written to the factorial register
 * @generation: live updates the device went through
 * @irq_acks: DMA completions acknowledged by this kernel
 * @irq_at_reattach: the interrupt status register found at reattach
 * @probe_command: the PCI command register as probe found it
 * @reattached: probe took over a running device
 * @handover: what the previous kernel handed over, if @reattached
 * @frozen: frozen for a live update: the device is no longer driven
 * @preserved: dev_liveupdate_preserve() succeeded
 * @fail_prepare: the next prepare fails (tests)
 * @dma_at_freeze: the device is loaded; freeze starts the transfer back,
 *	so that it runs while the kernels switch (tests)
 */
struct luo_edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct mutex lock;	/* see above */
	struct folio *buffer;
	dma_addr_t buffer_dma;
	struct folio *state;
	u32 seed;
	u32 liveness;
	u32 factorial;
	u32 generation;
	atomic_t irq_acks;
	u32 irq_at_reattach;
	u16 probe_command;
	bool reattached;
	struct luo_edu_state handover;
	bool frozen;
	bool preserved;
	bool fail_prepare;
	bool dma_at_freeze;
};

static char *ignore;
module_param(ignore, charp, 0444);
MODULE_PARM_DESC(ignore, "PCI device (0000:00:04.0) not to bind to, to test a device nobody takes over");

static u32 luo_edu_pattern(u32 seed, unsigned int i)
{
	return (seed ^ 0x5a5a5a5a) * 2654435761u + i * 40503u;
}

static u32 *luo_edu_page(struct luo_edu *edu, unsigned int n)
{
	return folio_address(edu->buffer) + n * PAGE_SIZE;
}

static irqreturn_t luo_edu_irq(int irq, void *arg)
{
	struct luo_edu *edu = arg;
	u32 status = readl(edu->regs + EDU_REG_IRQ_STATUS);

	/* Frozen: a completion is the next kernel's, even on a shared line. */
	if (!status || READ_ONCE(edu->frozen))
		return IRQ_NONE;
	writel(status, edu->regs + EDU_REG_IRQ_ACK);
	if (status & EDU_IRQ_DMA)
		atomic_inc(&edu->irq_acks);
	return IRQ_HANDLED;
}

static int luo_edu_dma_wait(struct luo_edu *edu)
{
	unsigned int ms;

	for (ms = 0; ms < EDU_DMA_TIMEOUT_MS; ms += 5) {
		if (!(readq(edu->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN))
			return 0;
		usleep_range(5000, 6000);
	}
	return -ETIMEDOUT;
}

static void luo_edu_dma_start(struct luo_edu *edu, dma_addr_t src,
			      dma_addr_t dst, u64 cmd)
{
	writeq(src, edu->regs + EDU_REG_DMA_SRC);
	writeq(dst, edu->regs + EDU_REG_DMA_DST);
	writeq(EDU_XFER, edu->regs + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_RUN, edu->regs + EDU_REG_DMA_CMD);
}

/* Send the pattern of @seed to the device and wait until it is there. */
static int luo_edu_dma_load(struct luo_edu *edu, u32 seed)
{
	u32 *src = luo_edu_page(edu, 0), *dst = luo_edu_page(edu, 1);
	unsigned int i;
	int err;

	if (readq(edu->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN)
		return -EBUSY;
	for (i = 0; i < EDU_XFER / sizeof(u32); i++)
		src[i] = luo_edu_pattern(seed, i);
	memset(dst, 0, PAGE_SIZE);
	dma_sync_single_for_device(&edu->pdev->dev, edu->buffer_dma,
				   folio_size(edu->buffer), DMA_BIDIRECTIONAL);
	luo_edu_dma_start(edu, edu->buffer_dma, EDU_DEVICE_BUFFER, 0);
	err = luo_edu_dma_wait(edu);
	if (!err)
		edu->seed = seed;
	return err;
}

/* Start the transfer back into the second page; it ends with an interrupt. */
static void luo_edu_dma_back(struct luo_edu *edu)
{
	luo_edu_dma_start(edu, EDU_DEVICE_BUFFER, edu->buffer_dma + PAGE_SIZE,
			  EDU_DMA_TO_MEMORY | EDU_DMA_IRQ);
}

/* A round trip for @seed: load the device, start the transfer back. */
static int luo_edu_dma(struct luo_edu *edu, u32 seed)
{
	int err = luo_edu_dma_load(edu, seed);

	if (!err)
		luo_edu_dma_back(edu);
	return err;
}

static int luo_edu_map(struct luo_edu *edu)
{
	struct device *dev = &edu->pdev->dev;

	edu->buffer_dma = dma_map_page(dev, &edu->buffer->page, 0,
				       folio_size(edu->buffer),
				       DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, edu->buffer_dma))
		return -ENOMEM;
	return 0;
}

/*
 * The device reaches the buffer at its physical address, the only address
 * that means the same in the next kernel. Not so when the DMA is bounced
 * (swiotlb) or remapped (an IOMMU): the device still works, but it cannot
 * be kept running across a live update.
 */
static bool luo_edu_dma_is_direct(struct luo_edu *edu)
{
	return edu->buffer_dma == PFN_PHYS(folio_pfn(edu->buffer));
}

static void luo_edu_unmap(struct luo_edu *edu)
{
	dma_unmap_page(&edu->pdev->dev, edu->buffer_dma,
		       folio_size(edu->buffer), DMA_BIDIRECTIONAL);
}

/* devres action, before the buffer goes: no transfer may still target it. */
static void luo_edu_quiesce(void *arg)
{
	struct luo_edu *edu = arg;

	if (luo_edu_dma_wait(edu))
		dev_warn(&edu->pdev->dev, "a transfer does not end; stopping bus mastering\n");
	pci_clear_master(edu->pdev);
}

static void luo_edu_release_buffer(void *arg)
{
	struct luo_edu *edu = arg;

	luo_edu_unmap(edu);
	folio_put(edu->buffer);
}

/* A device nobody left running: start from a known state. */
static int luo_edu_init_fresh(struct luo_edu *edu)
{
	struct device *dev = &edu->pdev->dev;
	u32 id = readl(edu->regs + EDU_REG_ID);
	int err;

	if (id != EDU_ID) {
		dev_err(dev, "unexpected identification %#x\n", id);
		return -ENODEV;
	}
	edu->buffer = folio_alloc(GFP_KERNEL | GFP_DMA32 | __GFP_ZERO,
				  EDU_BUFFER_ORDER);
	if (!edu->buffer)
		return -ENOMEM;
	err = luo_edu_map(edu);
	if (err) {
		folio_put(edu->buffer);
		return err;
	}
	if (!luo_edu_dma_is_direct(edu))
		dev_info(dev, "the DMA buffer is bounced or remapped: this device cannot be kept running across a live update\n");
	if (luo_edu_dma_wait(edu))
		dev_warn(dev, "a transfer of an earlier owner does not end\n");
	writel(~0u, edu->regs + EDU_REG_IRQ_ACK);
	writel(0, edu->regs + EDU_REG_LIVENESS);
	dev_info(dev, "initialised from scratch\n");
	return 0;
}

/* A device the previous kernel left running: take it as it is. */
static int luo_edu_reattach(struct luo_edu *edu, u64 data)
{
	struct device *dev = &edu->pdev->dev;
	struct luo_edu_state *st;
	struct folio *folio;
	size_t size;
	int err;

	/* Nothing is taken back before its size is known to be right. */
	if (kho_block_size(data, &size) || size != PAGE_SIZE) {
		dev_err(dev, "reattach: no handed-over state page at %#llx\n",
			data);
		return -ENOENT;
	}
	folio = kho_restore_folio(data);
	if (!folio) {
		dev_err(dev, "reattach: the handed-over state at %#llx is gone\n",
			data);
		return -ENOENT;
	}
	st = folio_address(folio);
	if (strncmp(st->compatible, LUO_EDU_COMPATIBLE, sizeof(st->compatible)) ||
	    st->buffer_order != EDU_BUFFER_ORDER || st->reserved) {
		dev_err(dev, "reattach: state of an unknown format (%.16s)\n",
			st->compatible);
		folio_put(folio);
		return -EINVAL;
	}
	edu->handover = *st;
	folio_put(folio);

	if (kho_block_size(edu->handover.buffer, &size) ||
	    size != PAGE_SIZE << EDU_BUFFER_ORDER) {
		dev_err(dev, "reattach: no handed-over DMA buffer at %#llx\n",
			edu->handover.buffer);
		return -ENOENT;
	}
	edu->buffer = kho_restore_folio(edu->handover.buffer);
	if (!edu->buffer || folio_order(edu->buffer) != EDU_BUFFER_ORDER) {
		dev_err(dev, "reattach: the DMA buffer at %#llx is gone\n",
			edu->handover.buffer);
		if (edu->buffer)
			folio_put(edu->buffer);
		return -ENOENT;
	}
	err = luo_edu_map(edu);
	if (!err && !luo_edu_dma_is_direct(edu)) {
		luo_edu_unmap(edu);
		dev_err(dev, "reattach: the DMA buffer is bounced or remapped now; the running device writes to its physical address\n");
		err = -EOPNOTSUPP;
	}
	if (err) {
		/* The device may still write to it: let the transfer end. */
		if (luo_edu_dma_wait(edu))
			dev_warn(dev, "reattach: the running transfer does not end; its buffer is left to it\n");
		else
			folio_put(edu->buffer);
		return err;
	}
	edu->seed = edu->handover.seed;
	edu->liveness = edu->handover.liveness;
	edu->factorial = edu->handover.factorial;
	edu->generation = edu->handover.generation;
	edu->irq_at_reattach = readl(edu->regs + EDU_REG_IRQ_STATUS);
	edu->reattached = true;
	dev_info(dev, "reattached without reinitialising: update %u, liveness %#x, factorial input %u, transfer %s at freeze, interrupt status %#x at freeze and %#x now\n",
		 edu->generation, edu->liveness, edu->factorial,
		 edu->handover.dma_running ? "running" : "idle",
		 edu->handover.irq_status, edu->irq_at_reattach);
	return 0;
}

static int luo_edu_prepare(struct device *dev, u64 *data)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	int err;

	mutex_lock(&edu->lock);
	if (edu->fail_prepare) {
		dev_warn(dev, "prepare fails on request\n");
		err = -EIO;
		goto out;
	}
	if (!luo_edu_dma_is_direct(edu)) {
		dev_warn(dev, "cannot hand over a bounced or remapped DMA buffer\n");
		err = -EOPNOTSUPP;
		goto out;
	}
	edu->state = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!edu->state) {
		err = -ENOMEM;
		goto out;
	}
	err = kho_preserve_folio(edu->state);
	if (err)
		goto err_free;
	err = kho_preserve_folio(edu->buffer);
	if (err)
		goto err_unpreserve;
	*data = PFN_PHYS(folio_pfn(edu->state));
	goto out;

err_unpreserve:
	kho_unpreserve_folio(edu->state);
err_free:
	folio_put(edu->state);
	edu->state = NULL;
out:
	mutex_unlock(&edu->lock);
	return err;
}

static int luo_edu_freeze(struct device *dev, u64 *data)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	struct luo_edu_state *st = folio_address(edu->state);

	mutex_lock(&edu->lock);
	/* From now on a completion waits for the next kernel. */
	pci_intx(edu->pdev, 0);
	synchronize_irq(edu->pdev->irq);
	edu->frozen = true;
	if (edu->dma_at_freeze) {
		edu->dma_at_freeze = false;
		luo_edu_dma_back(edu);
	}

	memset(st, 0, sizeof(*st));
	strscpy_pad(st->compatible, LUO_EDU_COMPATIBLE);
	st->buffer = PFN_PHYS(folio_pfn(edu->buffer));
	st->buffer_order = EDU_BUFFER_ORDER;
	st->seed = edu->seed;
	st->liveness = edu->liveness;
	st->factorial = edu->factorial;
	st->generation = edu->generation + 1;
	st->dma_running = readq(edu->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN;
	st->irq_status = readl(edu->regs + EDU_REG_IRQ_STATUS);
	pci_read_config_word(edu->pdev, PCI_COMMAND, &st->command);
	dev_info(dev, "frozen: transfer %s, interrupt status %#x, command %#06x\n",
		 st->dma_running ? "running" : "idle", st->irq_status,
		 st->command);
	mutex_unlock(&edu->lock);
	return 0;
}

static void luo_edu_cancel(struct device *dev, u64 data)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	mutex_lock(&edu->lock);
	if (edu->state) {
		kho_unpreserve_folio(edu->buffer);
		kho_unpreserve_folio(edu->state);
		folio_put(edu->state);
		edu->state = NULL;
	}
	if (edu->frozen) {
		edu->frozen = false;
		pci_intx(edu->pdev, 1);
	}
	dev_info(dev, "update cancelled: driving the device again\n");
	mutex_unlock(&edu->lock);
}

static const struct dev_liveupdate_ops luo_edu_ops = {
	.prepare = luo_edu_prepare,
	.freeze = luo_edu_freeze,
	.cancel = luo_edu_cancel,
};

static ssize_t regs_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	u16 cmd;

	pci_read_config_word(edu->pdev, PCI_COMMAND, &cmd);
	return sysfs_emit(buf, "id %#x liveness %#x factorial %u status %#x irq_status %#x dma_cmd %#llx command %#06x\n",
			  readl(edu->regs + EDU_REG_ID),
			  readl(edu->regs + EDU_REG_LIVENESS),
			  readl(edu->regs + EDU_REG_FACTORIAL),
			  readl(edu->regs + EDU_REG_STATUS),
			  readl(edu->regs + EDU_REG_IRQ_STATUS),
			  readq(edu->regs + EDU_REG_DMA_CMD), cmd);
}
static DEVICE_ATTR_RO(regs);

/* Write @reg from sysfs unless the device is frozen for an update. */
static ssize_t luo_edu_write_reg(struct device *dev, const char *buf,
				 size_t count, unsigned int reg, u32 *copy)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	u32 val;
	int err;

	err = kstrtou32(buf, 0, &val);
	if (err)
		return err;
	mutex_lock(&edu->lock);
	if (edu->frozen) {
		err = -EBUSY;
	} else {
		writel(val, edu->regs + reg);
		*copy = val;
	}
	mutex_unlock(&edu->lock);
	return err ?: count;
}

static ssize_t liveness_store(struct device *dev,
			      struct device_attribute *attr, const char *buf,
			      size_t count)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return luo_edu_write_reg(dev, buf, count, EDU_REG_LIVENESS,
				 &edu->liveness);
}
static DEVICE_ATTR_WO(liveness);

static ssize_t factorial_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return luo_edu_write_reg(dev, buf, count, EDU_REG_FACTORIAL,
				 &edu->factorial);
}
static DEVICE_ATTR_WO(factorial);

static ssize_t dma_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	unsigned int i, bad = 0, first = 0;
	u32 *dst;

	mutex_lock(&edu->lock);
	if (!edu->frozen && luo_edu_dma_wait(edu)) {
		mutex_unlock(&edu->lock);
		return sysfs_emit(buf, "seed %u busy\n", edu->seed);
	}
	dma_sync_single_for_cpu(dev, edu->buffer_dma + PAGE_SIZE, PAGE_SIZE,
				DMA_BIDIRECTIONAL);
	dst = luo_edu_page(edu, 1);
	for (i = 0; i < EDU_XFER / sizeof(u32); i++) {
		if (dst[i] == luo_edu_pattern(edu->seed, i))
			continue;
		if (!bad++)
			first = i * sizeof(u32);
	}
	mutex_unlock(&edu->lock);
	if (bad)
		return sysfs_emit(buf, "seed %u mismatch %u words from offset %u\n",
				  edu->seed, bad, first);
	return sysfs_emit(buf, "seed %u ok\n", edu->seed);
}

static ssize_t dma_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	u32 seed;
	int err;

	err = kstrtou32(buf, 0, &seed);
	if (err)
		return err;
	mutex_lock(&edu->lock);
	err = edu->frozen ? -EBUSY : luo_edu_dma(edu, seed);
	mutex_unlock(&edu->lock);
	return err ?: count;
}
static DEVICE_ATTR_RW(dma);

/*
 * Like dma, but the transfer back starts at freeze, inside the kexec of
 * the next live update: it then runs while the kernels switch whatever
 * the time from here to the kexec.
 */
static ssize_t dma_at_freeze_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	u32 seed;
	int err;

	err = kstrtou32(buf, 0, &seed);
	if (err)
		return err;
	mutex_lock(&edu->lock);
	err = edu->frozen ? -EBUSY : luo_edu_dma_load(edu, seed);
	if (!err)
		edu->dma_at_freeze = true;
	mutex_unlock(&edu->lock);
	return err ?: count;
}
static DEVICE_ATTR_WO(dma_at_freeze);

static ssize_t buffer_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%#llx\n", (u64)edu->buffer_dma);
}
static DEVICE_ATTR_RO(buffer);

static ssize_t reattached_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", edu->reattached);
}
static DEVICE_ATTR_RO(reattached);

static ssize_t handover_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	struct luo_edu_state *st = &edu->handover;

	if (!edu->reattached)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "generation %u liveness %#x factorial %u seed %u dma_running %u irq_status %#x command %#06x\n",
			  st->generation, st->liveness, st->factorial,
			  st->seed, st->dma_running, st->irq_status,
			  st->command);
}
static DEVICE_ATTR_RO(handover);

static ssize_t dma_irq_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "acks %d at_reattach %#x\n",
			  atomic_read(&edu->irq_acks), edu->irq_at_reattach);
}
static DEVICE_ATTR_RO(dma_irq);

static ssize_t probe_command_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%#06x\n", edu->probe_command);
}
static DEVICE_ATTR_RO(probe_command);

static ssize_t preserve_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(edu->preserved));
}

/* No driver lock here: LUO calls back into the driver with its own held. */
static ssize_t preserve_store(struct device *dev,
			      struct device_attribute *attr, const char *buf,
			      size_t count)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	bool on;
	int err;

	err = kstrtobool(buf, &on);
	if (err)
		return err;
	/*
	 * LUO itself refuses a device whose every transfer is bounced; a
	 * buffer bounced or remapped for other reasons is ours to refuse.
	 */
	if (on && !luo_edu_dma_is_direct(edu) && !is_swiotlb_force_bounce(dev)) {
		dev_warn(dev, "cannot preserve: the DMA buffer is bounced or remapped\n");
		return -EOPNOTSUPP;
	}
	if (on)
		err = dev_liveupdate_preserve(dev, &luo_edu_ops);
	else
		err = dev_liveupdate_unpreserve(dev);
	if (!err)
		WRITE_ONCE(edu->preserved, on);
	return err ?: count;
}
static DEVICE_ATTR_RW(preserve);

static ssize_t fail_prepare_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct luo_edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(edu->fail_prepare));
}

static ssize_t fail_prepare_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct luo_edu *edu = dev_get_drvdata(dev);
	bool on;
	int err;

	err = kstrtobool(buf, &on);
	if (err)
		return err;
	mutex_lock(&edu->lock);
	edu->fail_prepare = on;
	mutex_unlock(&edu->lock);
	return count;
}
static DEVICE_ATTR_RW(fail_prepare);

static struct attribute *luo_edu_attrs[] = {
	&dev_attr_regs.attr,
	&dev_attr_liveness.attr,
	&dev_attr_factorial.attr,
	&dev_attr_dma.attr,
	&dev_attr_dma_at_freeze.attr,
	&dev_attr_buffer.attr,
	&dev_attr_reattached.attr,
	&dev_attr_handover.attr,
	&dev_attr_dma_irq.attr,
	&dev_attr_probe_command.attr,
	&dev_attr_preserve.attr,
	&dev_attr_fail_prepare.attr,
	NULL
};
ATTRIBUTE_GROUPS(luo_edu);

static int luo_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct luo_edu *edu;
	u64 data;
	int err;

	if (ignore && !strcmp(ignore, pci_name(pdev)))
		return -ENODEV;

	edu = devm_kzalloc(dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	mutex_init(&edu->lock);
	pci_set_drvdata(pdev, edu);
	/* Before anything here touches it. */
	pci_read_config_word(pdev, PCI_COMMAND, &edu->probe_command);

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	/* No interrupt before the handler is there (enabling unmasked it). */
	pci_intx(pdev, 0);
	err = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (err)
		return err;
	edu->regs = pcim_iomap_table(pdev)[0];
	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (err)
		return err;

	err = dev_liveupdate_reattach(dev, &data);
	if (!err) {
		err = luo_edu_reattach(edu, data);
		if (err)
			dev_warn(dev, "cannot take the running device over: %pe; initialising it\n",
				 ERR_PTR(err));
	}
	if (!edu->reattached) {
		err = luo_edu_init_fresh(edu);
		if (err)
			return err;
	}
	err = devm_add_action_or_reset(dev, luo_edu_release_buffer, edu);
	if (err)
		return err;
	err = devm_add_action_or_reset(dev, luo_edu_quiesce, edu);
	if (err)
		return err;

	pci_set_master(pdev);
	err = devm_request_irq(dev, pdev->irq, luo_edu_irq, IRQF_SHARED,
			       KBUILD_MODNAME, edu);
	if (err)
		return err;
	/* A completion left pending by the previous kernel comes in now. */
	pci_intx(pdev, 1);
	return 0;
}

static void luo_edu_shutdown(struct pci_dev *pdev)
{
	dev_info(&pdev->dev, "shut down\n");
}

static const struct pci_device_id luo_edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, luo_edu_ids);

static struct pci_driver luo_edu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = luo_edu_ids,
	.probe = luo_edu_probe,
	.shutdown = luo_edu_shutdown,
	.dev_groups = luo_edu_groups,
};
module_pci_driver(luo_edu_driver);

MODULE_DESCRIPTION("QEMU edu device kept running across a live update");
MODULE_LICENSE("GPL");
