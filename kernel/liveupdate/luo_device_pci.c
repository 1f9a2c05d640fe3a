// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): PCI devices that keep running.
 */

/**
 * DOC: LUO devices on PCI
 *
 * What a PCI device kept running needs from the next kernel is mostly
 * that the PCI core leaves it alone while it enumerates. Two fixups that
 * match every device do that, before any driver runs:
 *
 * - the early fixup (before the BARs are sized) takes the device's record
 *   from LUO and checks it (luo_device_check()) against what the device
 *   at that address reports in its configuration space. For an accepted
 *   record it sets &pci_dev.mmio_always_on, so that sizing the BARs does
 *   not turn memory and I/O decoding off while the device works (the
 *   BARs still read back all ones for a moment, as on every boot);
 * - the header fixup marks the accepted device's BARs
 *   %IORESOURCE_PCI_FIXED, so that no resource reassignment moves them.
 *
 * The command register is not written and the device is not reset or put
 * in another power state. Enumeration still turns MSI and MSI-X off if
 * they were on (pci_msi_init()) and programs PCIe payload sizes and
 * tags as on any boot; a reattaching driver sets up its interrupts again.
 *
 * Every other device of a kernel booted from a handover is stopped the
 * way the previous kernel's shutdown would have stopped it: if its bus
 * mastering is on (left running by the previous kernel, with a record that
 * is refused, never claimed, or that this kernel cannot read at all), it
 * is turned off in the early fixup, before the memory the device may
 * write to is handed out. Bridges are left as they are: they only
 * forward what the devices below them do.
 *
 * The records stay here until FINISH: a device that no driver reattached
 * to and no driver bound then gets its bus mastering turned off, because
 * KHO is about to free the memory its DMA may still target.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/crc32.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

/**
 * struct luo_device_in - a PCI device the previous kernel left running
 * @list: link in luo_devices_in
 * @pdev: the device, with a reference, from the header fixup on (the
 *	early fixup runs before the device is initialised); NULL before
 * @rec: its accepted record, whose address identifies the device until
 *	@pdev is set
 * @reattached: a driver took it over with dev_liveupdate_reattach()
 */
struct luo_device_in {
	struct list_head list;
	struct pci_dev *pdev;
	struct luo_device_ser rec;
	bool reattached;
};

/* Protects luo_devices_in and luo_devices_in_over. */
static DEFINE_MUTEX(luo_devices_in_lock);
static LIST_HEAD(luo_devices_in);
static bool luo_devices_in_over;

/**
 * luo_device_name() - the participant name of a device
 * @dev: the device
 * @buf: where to write it
 * @len: size of @buf
 *
 * Return: 0; -EOPNOTSUPP if @dev is not a PCI device; -ENAMETOOLONG.
 */
int luo_device_name(struct device *dev, char *buf, size_t len)
{
	if (!dev_is_pci(dev))
		return -EOPNOTSUPP;
	if (snprintf(buf, len, "pci:%s", pci_name(to_pci_dev(dev))) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The identity of @pdev as its configuration space gives it: the class is
 * read again rather than taken from @pdev, which quirks may have changed
 * after the next kernel's early fixup has run.
 */
static void luo_device_identify(struct pci_dev *pdev,
				struct luo_device_ser *id)
{
	u32 class_rev;

	pci_read_config_dword(pdev, PCI_CLASS_REVISION, &class_rev);
	id->bus = LUO_DEVICE_BUS_PCI;
	id->pci_domain = pci_domain_nr(pdev->bus);
	id->pci_bus = pdev->bus->number;
	id->pci_devfn = pdev->devfn;
	id->vendor = pdev->vendor;
	id->device = pdev->device;
	id->class = class_rev >> 8;
	id->revision = class_rev & 0xff;
}

/**
 * luo_device_describe() - fill in the identity of a device's record
 * @dev: a PCI device
 * @rec: the record; the bus, address and identity fields are written
 *
 * Return: 0, or -EOPNOTSUPP if @dev is not a PCI device.
 */
int luo_device_describe(struct device *dev, struct luo_device_ser *rec)
{
	struct pci_dev *pdev;

	if (!dev_is_pci(dev))
		return -EOPNOTSUPP;
	pdev = to_pci_dev(dev);
	luo_device_identify(pdev, rec);
	pci_read_config_word(pdev, PCI_COMMAND, &rec->command);

	return 0;
}

static bool luo_device_string_ok(const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	if (!len || len == size || !luo_name_printable(s))
		return false;
	return !memchr_inv(s + len, 0, size - len);
}

/**
 * luo_device_check() - may the next kernel trust a device record
 * @rec: the record as the previous kernel handed it over
 * @found: the identity (bus, address, vendor, device, class, revision) of
 *	the device found at the address of the record's name
 *
 * Return: NULL if @rec is sound and describes @found, else why not.
 */
const char *luo_device_check(const struct luo_device_ser *rec,
			     const struct luo_device_ser *found)
{
	struct luo_device_ser copy = *rec;

	if (!luo_device_string_ok(rec->compatible, sizeof(rec->compatible)) ||
	    strcmp(rec->compatible, LUO_DEVICE_COMPATIBLE))
		return "unknown format version";
	if (rec->size != sizeof(*rec))
		return "wrong size";
	copy.checksum = 0;
	if (crc32_le(~0, (void *)&copy, sizeof(copy)) != rec->checksum)
		return "bad checksum";
	if (rec->reserved || rec->reserved1 || rec->reserved2)
		return "reserved field set";
	if (!luo_device_string_ok(rec->driver, sizeof(rec->driver)))
		return "bad driver name";
	if (rec->bus != LUO_DEVICE_BUS_PCI)
		return "not a PCI device";
	if (rec->pci_domain != found->pci_domain ||
	    rec->pci_bus != found->pci_bus ||
	    rec->pci_devfn != found->pci_devfn)
		return "names another address";
	if (rec->vendor != found->vendor || rec->device != found->device ||
	    rec->class != found->class || rec->revision != found->revision)
		return "another device is at this address";
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(luo_device_check);

static struct luo_device_in *luo_device_in_find(struct pci_dev *pdev)
{
	struct luo_device_in *in;

	list_for_each_entry(in, &luo_devices_in, list)
		if (in->pdev == pdev)
			return in;
	return NULL;
}

/* The entry whose record names @pdev's address and has no device yet. */
static struct luo_device_in *luo_device_in_pending(struct pci_dev *pdev)
{
	struct luo_device_in *in;

	list_for_each_entry(in, &luo_devices_in, list)
		if (!in->pdev &&
		    in->rec.pci_domain == pci_domain_nr(pdev->bus) &&
		    in->rec.pci_bus == pdev->bus->number &&
		    in->rec.pci_devfn == pdev->devfn)
			return in;
	return NULL;
}

/*
 * What the previous kernel's shutdown would have done: stop the DMA of a
 * device it left running that this kernel does not take over.
 */
static void luo_device_pci_stop(struct pci_dev *pdev)
{
	u16 cmd;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return;
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MASTER))
		return;
	pci_write_config_word(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	pci_info(pdev, "liveupdate: bus mastering left on by the previous kernel; turned off\n");
}

/* Takes the record of @pdev from LUO; true if the device stays running. */
static bool luo_device_pci_accept(struct pci_dev *pdev)
{
	struct luo_device_ser found = { };
	struct luo_device_in *in;
	char name[LUO_FDT_NAME_MAX];
	struct folio *folio;
	size_t size;
	const char *why;
	u64 phys;
	u16 cmd;

	if (liveupdate_state() != LIVEUPDATE_STATE_UPDATED ||
	    luo_device_name(&pdev->dev, name, sizeof(name)) ||
	    luo_ctx_claim(luo_global_ctx(), LUO_GROUP_DEVICES, name, &phys))
		return false;

	/* The record is ours now: copy it and give its page back. */
	if (kho_block_size(phys, &size) || size != PAGE_SIZE) {
		pci_warn(pdev, "liveupdate: no handover record of one page at %#llx; the device is stopped and set up from scratch\n",
			 phys);
		return false;
	}
	folio = kho_restore_folio(phys);
	if (!folio) {
		pci_warn(pdev, "liveupdate: handover record at %#llx cannot be taken back; the device is stopped and set up from scratch\n",
			 phys);
		return false;
	}
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (in)
		memcpy(&in->rec, folio_address(folio), sizeof(in->rec));
	folio_put(folio);
	if (!in) {
		pci_warn(pdev, "liveupdate: no memory for the handover record; the device is stopped and set up from scratch\n");
		return false;
	}

	luo_device_identify(pdev, &found);
	why = luo_device_check(&in->rec, &found);
	if (why) {
		pci_warn(pdev, "liveupdate: handover record refused: %s; the device is stopped and set up from scratch\n",
			 why);
		kfree(in);
		return false;
	}

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pdev->mmio_always_on = 1;
	mutex_lock(&luo_devices_in_lock);
	list_add_tail(&in->list, &luo_devices_in);
	mutex_unlock(&luo_devices_in_lock);
	pci_info(pdev, "liveupdate: left running by the previous kernel for driver %s (command %#06x, %#06x at freeze); BARs sized with decoding on and kept in place\n",
		 in->rec.driver, cmd, in->rec.command);
	return true;
}

/* Before the BARs are sized: is this a device the previous kernel kept? */
static void luo_device_pci_early(struct pci_dev *pdev)
{
	if (!kho_handover_offered())
		return;
	if (!luo_device_pci_accept(pdev))
		luo_device_pci_stop(pdev);
}
DECLARE_PCI_FIXUP_EARLY(PCI_ANY_ID, PCI_ANY_ID, luo_device_pci_early);

/* After the BARs are read: keep them where the running device has them. */
static void luo_device_pci_header(struct pci_dev *pdev)
{
	struct luo_device_in *in;
	int i;

	mutex_lock(&luo_devices_in_lock);
	in = luo_device_in_pending(pdev);
	if (in) {
		in->pdev = pci_dev_get(pdev);
		for (i = 0; i < PCI_NUM_RESOURCES; i++)
			if (pdev->resource[i].flags)
				pdev->resource[i].flags |= IORESOURCE_PCI_FIXED;
	}
	mutex_unlock(&luo_devices_in_lock);
}
DECLARE_PCI_FIXUP_HEADER(PCI_ANY_ID, PCI_ANY_ID, luo_device_pci_header);

/**
 * luo_device_take() - a driver reattaches to a device left running
 * @dev: the device
 * @driver: the driver's name
 * @data: where to store what the previous kernel's driver handed over
 *
 * Return: 0; -ENOENT if @dev was not left running for @driver or FINISH
 * already stopped it; -EALREADY if a driver already reattached.
 */
int luo_device_take(struct device *dev, const char *driver, u64 *data)
{
	struct luo_device_in *in;
	int err = -ENOENT;

	if (!dev_is_pci(dev))
		return -ENOENT;
	mutex_lock(&luo_devices_in_lock);
	in = luo_devices_in_over ? NULL : luo_device_in_find(to_pci_dev(dev));
	if (!in)
		goto out;
	if (in->reattached) {
		err = -EALREADY;
	} else if (strcmp(in->rec.driver, driver)) {
		dev_warn(dev, "liveupdate: left running for driver %s, not %s: not reattached\n",
			 in->rec.driver, driver);
	} else {
		in->reattached = true;
		*data = in->rec.driver_data;
		err = 0;
		dev_info(dev, "liveupdate: %s reattached to the running device\n",
			 driver);
	}
out:
	mutex_unlock(&luo_devices_in_lock);
	return err;
}

/**
 * luo_device_reattached() - what a reattached driver got at reattach
 * @dev: the device
 * @data: where to store the driver's data
 *
 * Return: 0 if a driver reattached to @dev, else -ENOENT.
 */
int luo_device_reattached(struct device *dev, u64 *data)
{
	struct luo_device_in *in;
	int err = -ENOENT;

	if (!dev_is_pci(dev))
		return -ENOENT;
	mutex_lock(&luo_devices_in_lock);
	in = luo_device_in_find(to_pci_dev(dev));
	if (in && in->reattached) {
		*data = in->rec.driver_data;
		err = 0;
	}
	mutex_unlock(&luo_devices_in_lock);
	return err;
}

/**
 * luo_device_incoming_close() - FINISH is coming: no more reattaching
 *
 * Called before LUO's FINISH takes its lock, and before a kexec that
 * finishes an update with sessions open (liveupdate_reboot()). From now on
 * dev_liveupdate_reattach() fails, and the probes that did reattach are
 * waited for (their device lock), since they take the device's memory
 * back from KHO before they return and FINISH is about to free what
 * nobody took back.
 */
void luo_device_incoming_close(void)
{
	struct luo_device_in *in;
	struct pci_dev **wait;
	unsigned int n = 0, i;

	mutex_lock(&luo_devices_in_lock);
	luo_devices_in_over = true;
	list_for_each_entry(in, &luo_devices_in, list)
		n += in->reattached && in->pdev;
	wait = n ? kcalloc(n, sizeof(*wait), GFP_KERNEL) : NULL;
	n = 0;
	if (wait)
		list_for_each_entry(in, &luo_devices_in, list)
			if (in->reattached && in->pdev)
				wait[n++] = pci_dev_get(in->pdev);
	mutex_unlock(&luo_devices_in_lock);

	for (i = 0; i < n; i++) {
		device_lock(&wait[i]->dev);
		device_unlock(&wait[i]->dev);
		pci_dev_put(wait[i]);
	}
	kfree(wait);
}

/**
 * luo_device_incoming_end() - FINISH: stop what nobody took over
 *
 * Called by LUO's FINISH after the participants' finish callbacks and
 * before KHO frees what nobody reclaimed: a device left running that no
 * driver reattached to and no driver bound might still write into that
 * memory, so its bus mastering is turned off, as a plain kexec would have
 * done.
 */
void luo_device_incoming_end(void)
{
	struct luo_device_in *in, *tmp;

	mutex_lock(&luo_devices_in_lock);
	luo_devices_in_over = true;
	list_for_each_entry_safe(in, tmp, &luo_devices_in, list) {
		/*
		 * A driver that bound without reattaching set the device up
		 * from scratch and owns it; leave that one alone.
		 */
		if (in->pdev && !in->reattached &&
		    !READ_ONCE(in->pdev->dev.driver) &&
		    in->pdev->current_state != PCI_D3cold) {
			pci_warn(in->pdev, "liveupdate: left running for driver %s, which never reattached: bus mastering off\n",
				 in->rec.driver);
			pci_clear_master(in->pdev);
		}
		list_del(&in->list);
		pci_dev_put(in->pdev);
		kfree(in);
	}
	mutex_unlock(&luo_devices_in_lock);
}
