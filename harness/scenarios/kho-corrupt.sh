# SPDX-License-Identifier: GPL-2.0
# KHO handover data is untrusted input. Before each kexec a test hook
# damages one part of the handover; the next kernel must boot, log why it
# refused the handover, and hand out no preserved memory. The last kexec
# is clean again and must be accepted. One handover is valid but of
# another format (mainline's "kho-v4"), which must be refused likewise.
#
# stages: 7
# qemu: -m 2G -smp 2
# append: kho=on
# timeout: 300
# expect: 2 rejected_mem_map_crc
# expect: 2 nothing_restored
# expect: 3 rejected_compatible
# expect: 3 nothing_restored
# expect: 4 rejected_fdt_header
# expect: 4 nothing_restored
# expect: 5 rejected_mem_map_overlap
# expect: 5 nothing_restored
# expect: 6 rejected_foreign_format
# expect: 6 nothing_restored
# expect: 7 accepted_again
# expect: 7 folios_verified

. /luotest/kho.sh

corrupt_and_kexec() {
	tap_check preserve kho_test_cmd "preserve 200 $LUOTEST_STAGE"
	tap_check arm_corruption sh -c "echo $1 > /sys/kernel/debug/kho/corrupt"
	luotest_kexec
}

rejected() {	# $1 = test name, $2 = reason the log must give
	tap_check "$1" sh -c "dmesg | grep 'KHO: handover rejected' | grep -q '$2'"
	tap_expect nothing_restored none cat $KHO_TEST/result
}

stage1() { corrupt_and_kexec mem-map-crc; }
stage2() { rejected rejected_mem_map_crc checksum; corrupt_and_kexec compatible; }
stage3() { rejected rejected_compatible version; corrupt_and_kexec fdt-header; }
stage4() { rejected rejected_fdt_header FDT; corrupt_and_kexec mem-map-overlap; }
stage5() { rejected rejected_mem_map_overlap overlap; corrupt_and_kexec foreign; }
# Mainline's format: a valid handover this kernel does not understand.
stage6() { rejected rejected_foreign_format '"kho-v4"'; corrupt_and_kexec none; }
stage7() {
	tap_check accepted_again dmesg_has "KHO: handover accepted"
	tap_expect folios_verified \
		"folios=200 bad_order=0 bad_bytes=0 missing=0" kho_test_result
}
