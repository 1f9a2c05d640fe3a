# SPDX-License-Identifier: GPL-2.0
# Bad kho_scratch= values get a clear error. Stage 1 boots with a scratch
# larger than half of RAM: KHO stays disabled with a message naming the
# parameter, and a kexec still works (plainly). Stage 2 boots with a
# scratch too small for the next kernel and its initrd: kexec_file_load
# fails and the log says to boot with a larger kho_scratch=.
#
# stages: 2
# qemu: -m 2G -smp 2
# append: kho=on kho_scratch=75%
# expect: 1 too_large_refused
# expect: 1 kho_disabled
# expect: 1 kexec_load
# expect: 2 kho_enabled
# expect: 2 segment_too_big_refused
# expect: 2 segment_error_logged

. /luotest/kho.sh

stage1() {
	tap_check too_large_refused dmesg_has "> half of RAM.*lower kho_scratch="
	if kho_scratch_range > /dev/null; then
		tap_fail kho_disabled "scratch reserved: $(kho_scratch_range)"
	else
		tap_ok kho_disabled
	fi
	luotest_kexec --append "kho_scratch=8M"
}

stage2() {
	tap_check kho_enabled kho_scratch_range
	luotest_pack_initrd /tmp/next.cpio
	tap_fails_with segment_too_big_refused "Cannot assign\\|cannot allocate\\|Cannot allocate\\|failed" \
		kexec -s -l /boot/bzImage --initrd=/tmp/next.cpio --command-line=x
	tap_check segment_error_logged dmesg_has "boot with a larger kho_scratch="
}
