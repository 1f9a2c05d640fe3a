// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the checks the next kernel applies to a device record.
 */

/**
 * DOC: KUnit suite liveupdate-device
 *
 * luo_device_check() is what stands between a record of the previous
 * kernel and a device left running with DMA on: a record it accepts makes
 * PCI enumeration leave the device alone and lets a driver take it over.
 * The suite builds a sound record for the identity a PCI device reports,
 * checks that it is accepted, then damages one field at a time (format, size, checksum,
 * reserved fields, driver name, bus, address, identity) and checks that
 * each damage is refused with its reason, the checksum being correct for
 * the damaged record unless the checksum itself is the damage.
 */

#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "luo_internal.h"

struct luo_device_fake {
	struct luo_device_ser found;	/* what the device reports */
	struct luo_device_ser rec;
};

static void luo_device_fake_init(struct luo_device_fake *f)
{
	memset(f, 0, sizeof(*f));
	f->found.bus = LUO_DEVICE_BUS_PCI;
	f->found.pci_domain = 1;
	f->found.pci_bus = 2;
	f->found.pci_devfn = PCI_DEVFN(4, 0);
	f->found.vendor = 0x1234;
	f->found.device = 0x11e8;
	f->found.class = 0x00ff00;
	f->found.revision = 0x10;

	f->rec = f->found;
	strscpy_pad(f->rec.compatible, LUO_DEVICE_COMPATIBLE);
	f->rec.size = sizeof(f->rec);
	f->rec.command = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	strscpy_pad(f->rec.driver, "luo_edu");
	f->rec.driver_data = 0x12345000;
}

static void luo_device_seal(struct luo_device_ser *rec)
{
	rec->checksum = 0;
	rec->checksum = crc32_le(~0, (void *)rec, sizeof(*rec));
}

static void luo_device_test_sound(struct kunit *test)
{
	struct luo_device_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	luo_device_fake_init(f);
	luo_device_seal(&f->rec);
	KUNIT_EXPECT_NULL(test, luo_device_check(&f->rec, &f->found));
}

enum luo_device_damage {
	DAMAGE_COMPAT,
	DAMAGE_COMPAT_UNTERMINATED,
	DAMAGE_COMPAT_PADDING,
	DAMAGE_SIZE,
	DAMAGE_CHECKSUM,
	DAMAGE_RESERVED,
	DAMAGE_RESERVED1,
	DAMAGE_RESERVED2,
	DAMAGE_DRIVER_EMPTY,
	DAMAGE_DRIVER_UNTERMINATED,
	DAMAGE_DRIVER_UNPRINTABLE,
	DAMAGE_BUS,
	DAMAGE_DOMAIN,
	DAMAGE_BUS_NR,
	DAMAGE_DEVFN,
	DAMAGE_VENDOR,
	DAMAGE_DEVICE,
	DAMAGE_CLASS,
	DAMAGE_REVISION,
	DAMAGE_NR,
};

/* Damages @rec as @d says; returns the reason luo_device_check() must give. */
static const char *luo_device_damage(struct luo_device_ser *rec,
				     enum luo_device_damage d)
{
	switch (d) {
	case DAMAGE_COMPAT:
		rec->compatible[11] = '2';
		return "unknown format version";
	case DAMAGE_COMPAT_UNTERMINATED:
		memset(rec->compatible, 'a', sizeof(rec->compatible));
		return "unknown format version";
	case DAMAGE_COMPAT_PADDING:
		rec->compatible[sizeof(rec->compatible) - 1] = 'x';
		return "unknown format version";
	case DAMAGE_SIZE:
		rec->size--;
		return "wrong size";
	case DAMAGE_CHECKSUM:
		rec->driver_data ^= 1;
		return "bad checksum";
	case DAMAGE_RESERVED:
		rec->reserved = 1;
		return "reserved field set";
	case DAMAGE_RESERVED1:
		rec->reserved1 = 1;
		return "reserved field set";
	case DAMAGE_RESERVED2:
		rec->reserved2 = 1;
		return "reserved field set";
	case DAMAGE_DRIVER_EMPTY:
		rec->driver[0] = '\0';
		return "bad driver name";
	case DAMAGE_DRIVER_UNTERMINATED:
		memset(rec->driver, 'd', sizeof(rec->driver));
		return "bad driver name";
	case DAMAGE_DRIVER_UNPRINTABLE:
		rec->driver[1] = '\n';
		return "bad driver name";
	case DAMAGE_BUS:
		rec->bus = LUO_DEVICE_BUS_PCI + 1;
		return "not a PCI device";
	case DAMAGE_DOMAIN:
		rec->pci_domain = 0;
		return "names another address";
	case DAMAGE_BUS_NR:
		rec->pci_bus = 3;
		return "names another address";
	case DAMAGE_DEVFN:
		rec->pci_devfn = PCI_DEVFN(5, 0);
		return "names another address";
	case DAMAGE_VENDOR:
		rec->vendor = 0x8086;
		return "another device is at this address";
	case DAMAGE_DEVICE:
		rec->device = 0xdead;
		return "another device is at this address";
	case DAMAGE_CLASS:
		rec->class = 0x020000;
		return "another device is at this address";
	case DAMAGE_REVISION:
		rec->revision = 0x11;
		return "another device is at this address";
	default:
		return NULL;
	}
}

static void luo_device_test_damaged(struct kunit *test)
{
	struct luo_device_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	const char *want, *why;
	int d;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (d = 0; d < DAMAGE_NR; d++) {
		luo_device_fake_init(f);
		luo_device_seal(&f->rec);
		want = luo_device_damage(&f->rec, d);
		/* Every damage but the checksum's comes with a good checksum. */
		if (d != DAMAGE_CHECKSUM)
			luo_device_seal(&f->rec);
		why = luo_device_check(&f->rec, &f->found);
		KUNIT_EXPECT_NOT_NULL_MSG(test, why, "damage %d accepted", d);
		if (why)
			KUNIT_EXPECT_STREQ_MSG(test, why, want, "damage %d", d);
	}
}

static struct kunit_case luo_device_test_cases[] = {
	KUNIT_CASE(luo_device_test_sound),
	KUNIT_CASE(luo_device_test_damaged),
	{}
};

static struct kunit_suite luo_device_test_suite = {
	.name = "liveupdate-device",
	.test_cases = luo_device_test_cases,
};

kunit_test_suite(luo_device_test_suite);

MODULE_DESCRIPTION("KUnit tests of live update device records");
MODULE_LICENSE("GPL");
