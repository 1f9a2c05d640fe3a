# SPDX-License-Identifier: GPL-2.0
# A LUO live update across a real kexec. Stage 1: the test subsystem
# saves data; a failing prepare rolls back to normal; then prepare, and
# the kexec freezes automatically. Stage 2: the state is updated, the
# subsystem got its data back, the never-reclaiming subsystem is
# reported, and FINISH returns to normal and frees what nobody reclaimed.
#
# stages: 2
# append: kho=on
# expect: 1 state_normal
# expect: 1 subsystems_listed
# expect: 1 failed_prepare_rolls_back
# expect: 1 state_normal_after_rollback
# expect: 1 kexec_load
# expect: 2 state_updated
# expect: 2 data_reclaimed
# expect: 2 reclaimed_report
# expect: 2 finish
# expect: 2 state_normal_after_finish
# expect: 2 unreclaimed_freed_and_logged

LUO_SYS=/sys/kernel/liveupdate
LUO_TEST=/sys/kernel/debug/liveupdate_test

stage1() {
	tap_expect state_normal normal cat $LUO_SYS/state
	echo 1 > $LUO_TEST/noclaim
	tap_expect subsystems_listed "luo-test luo-test-noclaim" \
		sh -c "sort $LUO_SYS/subsystems | tr '\n' ' ' | sed 's/ $//'"
	echo 81985529216486895 > $LUO_TEST/data
	echo prepare > $LUO_TEST/fail
	tap_fails_with failed_prepare_rolls_back "rolled back" luoctl prepare
	tap_expect state_normal_after_rollback normal cat $LUO_SYS/state
	echo none > $LUO_TEST/fail
	luotest_kexec --update
}

stage2() {
	tap_expect state_updated updated cat $LUO_SYS/state
	tap_expect data_reclaimed ok cat $LUO_TEST/result
	tap_expect reclaimed_report "luo-test reclaimed,luo-test-noclaim unclaimed" \
		sh -c "sort $LUO_SYS/reclaimed | tr '\n' ',' | sed 's/,$//'"
	tap_check finish luoctl finish
	tap_expect state_normal_after_finish normal cat $LUO_SYS/state
	tap_check unreclaimed_freed_and_logged sh -c \
		"dmesg | grep -q 'finish: 1 subsystem(s) never reclaimed' &&
		 dmesg | grep -q 'KHO: released [1-9][0-9]* unclaimed pages'"
}
