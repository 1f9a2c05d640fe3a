# SPDX-License-Identifier: GPL-2.0
# memfds through three live updates in a row, with mainline's session
# ABI. Stage 1 runs the liveupdate_memfd kselftest (bad files, tokens,
# pinned size, states, 1,000 memfds, the limit, nothing leaked), then a
# "VMM" fills memfds of 4 KiB, 1 MiB, a sparse 64 GiB one with 64 MiB of
# data, an 8 MiB THP one, a 3 MiB THP one whose last huge folio reaches
# past its end, and one per seal, preserves them in its
# session and keeps writing: after PRESERVE_FD and again after PREPARE
# (holes are filled too). In each next kernel the VMM retrieves every
# memfd and checks size, seals, position, holes (SEEK_DATA/SEEK_HOLE and
# st_blocks), every byte, the very same physical frames (pagemap) and
# THP; stages 2 and 3 preserve them again for one more update, stage 2
# with a plain kexec (mainline's flow), stage 3 with luoctl.
#
# stages: 4
# qemu: -m 2G -smp 2
# append: kho=on liveupdate=on
# timeout: 300
# expect: 1 liveupdate_memfd
# expect: 1 thp_enabled
# expect: 1 vmm_preserved
# expect: 1 sysfs_files
# expect: 2 memfds_checked
# expect: 3 memfds_checked
# expect: 3 finish
# expect: 4 memfds_checked
# expect: 4 finish_released_nothing

MEMFD=/luotest/bin/liveupdate_memfd

# 12 memfds; the sparse one holds 64 MiB (the pages written since
# PRESERVE_FD count from PREPARE on).
sysfs_files_ok() {
	f=/sys/kernel/liveupdate/files
	test "$(wc -l < $f)" = 12 &&
		grep -q '^vmm 3 memfd-luo-6.12-v2 67108864$' $f &&
		grep -q '^vmm 0 memfd-luo-6.12-v2 0$' $f ||
		{ wc -l < $f; grep '^vmm [03] ' $f; return 1; }
}

stage1() {
	tap_run_kselftest liveupdate_memfd $MEMFD
	echo advise > /sys/kernel/mm/transparent_hugepage/shmem_enabled
	tap_expect thp_enabled "always within_size [advise] never deny force" \
		cat /sys/kernel/mm/transparent_hugepage/shmem_enabled
	$MEMFD hold vmm small > /tmp/vmm.out 2>&1 &
	tap_check vmm_preserved wait_for /tmp/vmm.out preserved
	tap_check sysfs_files sysfs_files_ok
	# After PREPARE the VMM writes again, then records its frames.
	luotest_kexec --prepared "kill -USR1 $! &&
		until grep -q ready /tmp/vmm.out; do sleep 0.2; done &&
		grep ready /tmp/vmm.out > /dev/kmsg"
}

# Check, FINISH, and preserve the same memfds again in a new session.
check_and_relay() {
	$MEMFD check vmm small relay > /tmp/vmm.out 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null &&
	      ! grep -q "preserved again" /tmp/vmm.out; do
		sleep 0.2
	done
	grep -v "preserved again" /tmp/vmm.out
	grep -q "preserved again" /tmp/vmm.out
}

# As on mainline, a plain kexec with sessions open hands them over; in
# an updated kernel it finishes the previous update first.
stage2() {
	tap_run_kselftest memfds_checked check_and_relay
	luotest_kexec
}

# As an operator would: FINISH, then a live update through luoctl.
stage3() {
	tap_run_kselftest memfds_checked check_and_relay
	tap_check finish luoctl finish
	luotest_kexec --update
}

stage4() {
	tap_run_kselftest memfds_checked $MEMFD check vmm small
	tap_check finish_released_nothing sh -c \
		"luoctl finish && dmesg | grep -q 'KHO: released 0 unclaimed pages'"
}
