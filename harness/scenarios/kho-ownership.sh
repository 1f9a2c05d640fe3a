# SPDX-License-Identifier: GPL-2.0
# KHO keeps track of what it owns itself, never through page flags. Stage
# 1 preserves 1 GiB of order-0 folios and 500 of mixed orders, drops its
# own references to the latter (KHO's reference must keep them) and
# churns memory, then runs a LUO update. Stage 2 restores and frees
# everything, and a second restore of a freed folio is refused. Then,
# before FINISH, it loads the next kernel (the kexec image's pages, which
# the kernel marks PG_reserved, reuse the freed memory): FINISH must
# release nothing, unloading the image must not hit a bad page, and a
# reload and a third kexec must work. The third kernel is a kdump kernel
# (elfcorehdr= on its command line, pointing past RAM, so the kdump code
# finds no valid header there) and must not enable KHO.
#
# stages: 3
# qemu: -m 4G -smp 2
# append: kho=on
# timeout: 300
# expect: 1 preserve_mixed
# expect: 1 drop_own_references
# expect: 1 churn
# expect: 1 preserve_1g
# expect: 1 kexec_load
# expect: 2 state_updated
# expect: 2 folios_survive_on_kho_reference
# expect: 2 bulk_restored_intact
# expect: 2 second_restore_refused
# expect: 2 no_false_restore_warning
# expect: 2 kexec_load_before_finish
# expect: 2 finish
# expect: 2 finish_released_nothing
# expect: 2 kexec_unload
# expect: 2 no_bad_page_state
# expect: 2 kexec_load
# expect: 3 booted_by_kexec
# expect: 3 kdump_kernel_without_kho

. /luotest/kho.sh

stage1() {
	tap_check preserve_mixed kho_test_cmd "preserve 500 7"
	tap_check drop_own_references kho_test_cmd drop-refs
	# Every page the churn allocates is zeroed (init_on_alloc).
	tap_check churn kho_test_cmd "churn 256"
	tap_check preserve_1g kho_test_cmd "bulk 1024 0 11"
	luotest_kexec --update
}

stage2() {
	tap_expect state_updated updated cat /sys/kernel/liveupdate/state
	tap_expect folios_survive_on_kho_reference \
		"folios=500 bad_order=0 bad_bytes=0 missing=0" kho_test_result
	kho_test_cmd bulk-verify
	tap_expect bulk_restored_intact "folios=262144 bad=0 missing=0" \
		sh -c "cut -d' ' -f1-3 $KHO_TEST/bulk_result"
	tap_fails_with second_restore_refused "busy" kho_test_cmd restore-again
	tap_check no_false_restore_warning \
		sh -c '! dmesg | grep "ends inside a preserved folio"'
	luotest_pack_initrd /tmp/next.cpio
	tap_check kexec_load_before_finish kexec -s -l /boot/bzImage \
		--initrd=/tmp/next.cpio --reuse-cmdline
	tap_check finish luoctl finish
	tap_check finish_released_nothing \
		sh -c "dmesg | grep 'KHO: released 0 unclaimed pages'"
	tap_check kexec_unload kexec -u
	tap_check no_bad_page_state sh -c '! dmesg | grep "Bad page state"'
	luotest_kexec --append "elfcorehdr=0xf00000000"
}

stage3() {
	tap_expect booted_by_kexec 3 cmdline_arg luotest.stage
	tap_check kdump_kernel_without_kho sh -c \
		"dmesg | grep 'KHO: disabled in a kdump kernel' &&
		 ! dmesg | grep 'KHO: scratch'"
}
