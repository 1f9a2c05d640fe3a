# SPDX-License-Identifier: GPL-2.0
# The kernel built without the series' options (kernel/liveupdate off)
# boots and kexecs like plain 6.12: the same round trip as
# kexec-roundtrip, on build/bzImage-off.
#
# kernel: off
# stages: 2
# expect: 1 no_kho
# expect: 1 kexec_load
# expect: 2 booted_by_kexec

stage1() {
	if [ -d /sys/kernel/debug/kho ] || dmesg | grep -q 'KHO:'; then
		tap_fail no_kho "KHO present in the kernel built without it"
	else
		tap_ok no_kho
	fi
	luotest_kexec
}

stage2() {
	tap_expect booted_by_kexec 2 cmdline_arg luotest.stage
}
