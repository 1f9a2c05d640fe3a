# SPDX-License-Identifier: GPL-2.0
# Memory the next kernel will not see as RAM must be refused when it is
# preserved, not at the next boot, where one such folio would make the
# whole handover fail. The guest has a cold-plugged DIMM that the kernel
# adds through ACPI memory hotplug: System RAM here, but not in the memory
# map kexec_file_load() hands over. Preserving a page of it fails with
# EINVAL and a log line; the rest of the handover is accepted. The DIMM
# is onlined movable, so that only the test's own page lands there.
#
# stages: 2
# qemu: -m 2G,slots=2,maxmem=4G -object memory-backend-ram,id=hp0,size=512M -device pc-dimm,id=dimm0,memdev=hp0 -smp 2
# append: kho=on memhp_default_state=online_movable
# expect: 1 hot_added_ram_present
# expect: 1 hot_added_ram_refused
# expect: 1 refusal_logged
# expect: 1 preserve
# expect: 2 handover_accepted
# expect: 2 folios_verified

. /luotest/kho.sh

stage1() {
	hp=$(ram_above_4g)
	tap_check hot_added_ram_present test -n "$hp"
	# A free page a quarter into the DIMM (its first pages may be busy).
	page=$(printf %x $((0x$hp + (128 << 20))))
	tap_fails_with hot_added_ram_refused "Invalid argument" \
		kho_test_cmd "preserve-at $page"
	tap_check refusal_logged sh -c \
		"dmesg | grep 'cannot preserve.*not handed it as RAM'"
	tap_check preserve kho_test_cmd "preserve 500 31"
	luotest_kexec
}

stage2() {
	tap_check handover_accepted dmesg_has "KHO: handover accepted"
	tap_expect folios_verified \
		"folios=500 bad_order=0 bad_bytes=0 missing=0" kho_test_result
}
