# SPDX-License-Identifier: GPL-2.0
# The main job, as `make demo` runs it: a live update the way an operator
# does it. In the old kernel a workload's memory (2000 folios of mixed
# orders filled with a seeded pattern, preserved with KHO) and a kernel
# subsystem's state (the LUO test subsystem) are set up; the operator
# loads the next kernel with kexec_file_load and runs
# `luoctl prepare -- kexec -e`, which freezes inside the kexec. The next
# kernel checks that it booted as an updated kernel, that every byte of
# the preserved memory came back and that the subsystem got its data
# back, and FINISH returns LUO to normal. timeline.py then reports the
# blackout from the kernel logs.
#
# stages: 2
# qemu: -m 2G -smp 2
# append: kho=on
# expect: 1 state_normal
# expect: 1 workload_memory_preserved
# expect: 1 kexec_load
# expect: 2 state_updated
# expect: 2 workload_memory_intact
# expect: 2 subsystem_data_back
# expect: 2 finish
# expect: 2 state_normal_after_finish

. /luotest/kho.sh

stage1() {
	tap_expect state_normal normal luoctl state
	tap_check workload_memory_preserved kho_test_cmd "preserve 2000 42"
	echo 3405691582 > /sys/kernel/debug/liveupdate_test/data
	luotest_kexec --update
}

stage2() {
	tap_expect state_updated updated luoctl state
	tap_expect workload_memory_intact \
		"folios=2000 bad_order=0 bad_bytes=0 missing=0" kho_test_result
	tap_expect subsystem_data_back ok cat /sys/kernel/debug/liveupdate_test/result
	tap_check finish luoctl finish
	tap_expect state_normal_after_finish normal luoctl state
}
