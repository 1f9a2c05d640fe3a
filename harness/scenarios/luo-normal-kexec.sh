# SPDX-License-Identifier: GPL-2.0
# A kexec while LUO is in the normal state preserves nothing: the next
# kernel starts in normal, with no data handed to the test subsystem.
#
# stages: 2
# append: kho=on
# expect: 1 state_normal
# expect: 2 state_normal
# expect: 2 nothing_handed_over

stage1() {
	tap_expect state_normal normal cat /sys/kernel/liveupdate/state
	echo 12345 > /sys/kernel/debug/liveupdate_test/data
	luotest_kexec
}

stage2() {
	tap_expect state_normal normal cat /sys/kernel/liveupdate/state
	tap_expect nothing_handed_over none cat /sys/kernel/debug/liveupdate_test/result
}
