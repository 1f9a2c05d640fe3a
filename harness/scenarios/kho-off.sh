# SPDX-License-Identifier: GPL-2.0
# With kho=off the kernel behaves like plain 6.12: no scratch, nothing
# can be preserved, and a kexec is a plain kexec.
#
# stages: 2
# qemu: -m 2G -smp 2
# append: kho=off
# expect: 1 no_scratch
# expect: 1 preserve_refused
# expect: 1 kexec_load
# expect: 2 no_handover

. /luotest/kho.sh

stage1() {
	if kho_scratch_range > /dev/null; then
		tap_fail no_scratch "scratch reserved with kho=off"
	else
		tap_ok no_scratch
	fi
	tap_fails_with preserve_refused "not supported" kho_test_cmd "preserve 10 1"
	luotest_kexec
}

stage2() {
	if dmesg | grep -q "KHO: handover"; then
		tap_fail no_handover "$(dmesg | grep 'KHO: handover')"
	else
		tap_ok no_handover
	fi
}
