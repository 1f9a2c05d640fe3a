# SPDX-License-Identifier: GPL-2.0
# Every allocation of PREPARE and of FREEZE fails in turn (kselftest
# liveupdate_fail_nth, the iommufd_fail_nth pattern): each event either
# succeeds or fails with ENOMEM/ECANCELED, LUO is back to normal, and KHO
# holds exactly what it held before; PRESERVE_FD of a memfd leaves it
# unpinned. Then 300 memfds go through a kexec, and in the next kernel
# RETRIEVE_FD of token n fails its n-th allocation: ENOMEM, again on a
# second try, or the memfd intact; FINISH frees what failed.
#
# stages: 2
# append: kho=on
# timeout: 300
# expect: 1 liveupdate_fail_nth
# expect: 1 memfds_held
# expect: 2 retrieve_fails_cleanly
# expect: 2 failed_files_released

NTH=/luotest/bin/liveupdate_fail_nth

stage1() {
	tap_run_kselftest liveupdate_fail_nth $NTH
	$NTH hold > /tmp/hold.out 2>&1 &
	tap_check memfds_held wait_for /tmp/hold.out ready
	luotest_kexec
}

stage2() {
	tap_check retrieve_fails_cleanly sh -c \
		"$NTH retrieve > /tmp/nth.out 2>&1; rc=\$?; cat /tmp/nth.out > /dev/kmsg; exit \$rc"
	tap_check failed_files_released sh -c \
		"luoctl finish && dmesg | grep -q 'KHO: released [1-9][0-9]* unclaimed pages'"
}
