/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live update of a running device: the format handed to the next kernel.
 */

/**
 * DOC: device handover ABI
 *
 * This header is a contract between two kernel builds, like the LUO and
 * KHO ABI headers: any change to the layout or meaning of anything here
 * must change %LUO_DEVICE_COMPATIBLE. The next kernel refuses a record
 * whose compatible string it does not know.
 *
 * Every device kept running through a live update is one participant of
 * the LUO FDT's ``devices`` group (%LUO_FDT_GROUP_DEVICES). Its name is
 * the bus name, a colon and the device's name on the bus, for example
 * ``pci:0000:00:04.0``; its data is the physical address of one
 * KHO-preserved page holding a &struct luo_device_ser.
 *
 * The record says which device it describes (bus, address, identity) and
 * which driver kept it running, and carries one u64 for that driver,
 * typically the physical address of the driver's own preserved state.
 * The next kernel checks the record before the bus touches the device: a
 * record that is damaged (compatible string, size, checksum, reserved
 * fields), that names another address than its participant name, or
 * whose identity does not match the device found at that address is
 * refused with a log line, and the device is then set up from scratch as
 * without a live update.
 *
 * All fields are in the byte order of the CPU (both kernels run on the
 * same machine).
 */
#ifndef _LINUX_LIVEUPDATE_DEVICE_ABI_H
#define _LINUX_LIVEUPDATE_DEVICE_ABI_H

#include <linux/types.h>

/* Version of the device record; see the DOC comment before changing it. */
#define LUO_DEVICE_COMPATIBLE		"luo-device-v1"

/* Size of &luo_device_ser.compatible, including the NUL padding. */
#define LUO_DEVICE_COMPAT_SIZE		16

/* Size of &luo_device_ser.driver, including the NUL padding. */
#define LUO_DEVICE_DRIVER_SIZE		32

/* &luo_device_ser.bus: the only bus a record may name today. */
#define LUO_DEVICE_BUS_PCI		1

/**
 * struct luo_device_ser - one device kept running, as handed over
 * @compatible: %LUO_DEVICE_COMPATIBLE, NUL-padded
 * @size: sizeof(struct luo_device_ser)
 * @bus: %LUO_DEVICE_BUS_PCI
 * @pci_domain: PCI domain (segment) of the device
 * @pci_bus: PCI bus number
 * @pci_devfn: PCI device and function number
 * @vendor: PCI vendor ID read from the device before the update
 * @device: PCI device ID
 * @class: PCI class code (base, sub-class, programming interface)
 * @revision: PCI revision ID
 * @reserved: 0
 * @command: the PCI command register when the record was frozen
 * @reserved1: 0
 * @driver: name of the driver that kept the device running, NUL-padded;
 *	only a driver of that name can reattach to it
 * @driver_data: what that driver handed over
 * @checksum: crc32 (the kernel's crc32_le(~0, ...)) of the record with
 *	this field 0
 * @reserved2: 0
 */
struct luo_device_ser {
	char compatible[LUO_DEVICE_COMPAT_SIZE];
	__u32 size;
	__u32 bus;
	__u32 pci_domain;
	__u8 pci_bus;
	__u8 pci_devfn;
	__u16 vendor;
	__u16 device;
	__u8 revision;
	__u8 reserved;
	__u32 class;
	__u16 command;
	__u16 reserved1;
	char driver[LUO_DEVICE_DRIVER_SIZE];
	__u64 driver_data;
	__u32 checksum;
	__u32 reserved2;
} __packed;

#endif /* _LINUX_LIVEUPDATE_DEVICE_ABI_H */
