# SPDX-License-Identifier: GPL-2.0
# Large memfds, and a VMM killed mid-update. Stage 1: a VMM preserves
# memfds of 256 MiB and 1 GiB (4 KiB pages) and keeps writing; a second
# VMM holds a session with a memfd of its own and is killed between
# PREPARE and the kexec, which must drop its session and nothing else.
# Stage 2: a hog first takes and writes 90% of MemAvailable, then the
# VMM retrieves its memfds and checks every byte and frame; the killed
# VMM's session does not exist, and FINISH frees nothing.
#
# stages: 2
# qemu: -m 4G -smp 2
# append: kho=on liveupdate=on
# timeout: 300
# expect: 1 vmm_preserved
# expect: 1 victim_preserved
# expect: 2 killed_vmm_session_gone
# expect: 2 memory_hogged
# expect: 2 memfds_checked
# expect: 2 finish_released_nothing

MEMFD=/luotest/bin/liveupdate_memfd

stage1() {
	echo advise > /sys/kernel/mm/transparent_hugepage/shmem_enabled
	$MEMFD hold vmm big > /tmp/vmm.out 2>&1 &
	vmm=$!
	tap_check vmm_preserved wait_for /tmp/vmm.out preserved 120
	$MEMFD hold victim small > /tmp/victim.out 2>&1 &
	victim=$!
	tap_check victim_preserved wait_for /tmp/victim.out preserved 120
	luotest_kexec --prepared "kill -KILL $victim; kill -USR1 $vmm &&
		until grep -q ready /tmp/vmm.out; do sleep 0.2; done"
}

stage2() {
	tap_fails_with killed_vmm_session_gone "retrieve victim: No such file" \
		$MEMFD check victim small
	$MEMFD hog 90 > /tmp/hog.out 2>&1 &
	tap_check memory_hogged wait_for /tmp/hog.out hogging
	tap_run_kselftest memfds_checked $MEMFD check vmm big
	tap_check finish_released_nothing sh -c \
		"luoctl finish && dmesg | grep -q 'KHO: released 0 unclaimed pages'"
}
