# SPDX-License-Identifier: GPL-2.0
# The main job, as `make demo` runs it: a live update the way an operator
# does it, under a running workload. A toy VMM keeps 1 GiB of "guest
# memory" in a memfd, preserves it in its session (mainline's ABI) and
# keeps writing to it, page after page; a kernel subsystem hands over
# its state too (the LUO test subsystem). The operator loads the next
# kernel with kexec_file_load and runs `luoctl prepare -- kexec -e`,
# which freezes inside the kexec. In the next kernel the VMM retrieves
# its memory by token, checks every page against what it last wrote,
# writes again and finishes its session; the subsystem got its data, and
# FINISH returns LUO to normal. timeline.py reports the blackout: the
# kernel's milestones and the workload's own view, from its last write
# before the kexec to its first write after.
#
# stages: 2
# qemu: -m 3G -smp 2
# append: kho=on
# timeout: 240
# expect: 1 state_normal
# expect: 1 vmm_running
# expect: 1 luoctl_sessions_shows_memory
# expect: 1 kexec_load
# expect: 2 state_updated
# expect: 2 guest_memory_intact
# expect: 2 subsystem_data_back
# expect: 2 finish
# expect: 2 state_normal_after_finish

VMM=/luotest/bin/toy_vmm

stage1() {
	tap_expect state_normal normal luoctl state
	echo 3405691582 > /sys/kernel/debug/liveupdate_test/data
	$VMM run vmm 1024 > /tmp/vmm.out 2>&1 &
	tap_check vmm_running wait_for /tmp/vmm.out running 120
	tap_check luoctl_sessions_shows_memory sh -c \
		"luoctl sessions | tee /dev/stderr | grep -q '^  1 memfd-luo-6.12-v1 1073741824$'"
	luotest_kexec --update
}

stage2() {
	tap_expect state_updated updated luoctl state
	tap_check guest_memory_intact $VMM resume vmm
	tap_expect subsystem_data_back ok cat /sys/kernel/debug/liveupdate_test/result
	tap_check finish luoctl finish
	tap_expect state_normal_after_finish normal luoctl state
}
