# SPDX-License-Identifier: GPL-2.0
# KHO across three kexecs in a row (N -> N+1 -> N+2 -> N+3): each kernel
# checks what the previous one preserved, then preserves a new set with
# another seed, inside the scratch that it reserved itself.
#
# stages: 4
# qemu: -m 3G -smp 2
# append: kho=on
# timeout: 240
# expect: 1 preserve
# expect: 2 folios_verified
# expect: 2 preserve
# expect: 3 folios_verified
# expect: 3 preserve
# expect: 4 folios_verified
# expect: 4 kernel_inside_scratch

. /luotest/kho.sh

preserve_and_kexec() {
	tap_check preserve kho_test_cmd "preserve 1500 $((1000 + LUOTEST_STAGE))"
	luotest_kexec --append "luotest.scratch=$(kho_scratch_range)"
}

verify() {
	tap_expect folios_verified \
		"folios=1500 bad_order=0 bad_bytes=0 missing=0" kho_test_result
	tap_check kernel_inside_scratch kernel_in_range "$(cmdline_arg luotest.scratch)"
}

stage1() { preserve_and_kexec; }
stage2() { verify; preserve_and_kexec; }
stage3() { verify; preserve_and_kexec; }
stage4() { verify; }
