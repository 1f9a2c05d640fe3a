# SPDX-License-Identifier: GPL-2.0
# Sessions with mainline's ABI (kselftest liveupdate_session: names,
# duplicates, sizes, several processes, PREPARE), and sessions surviving a
# kexec: a process holds two sessions, having closed /dev/liveupdate, and
# the kexec is a plain kexec -e while LUO is normal, which prepares and
# freezes them implicitly as mainline does (the next kernel is
# "updated" although nobody sent PREPARE). In the next kernel one is
# retrieved by name, once, named and finished; the other, never
# retrieved, is reported and released. That FINISH is the one a kexec
# does itself when a session is open in the updated state; this kexec
# then fails (the test subsystem fails its prepare), and what nobody
# reclaimed is released all the same. The kernel is booted with
# liveupdate=on, as mainline wants it.
#
# stages: 2
# append: kho=on liveupdate=on
# expect: 1 liveupdate_session
# expect: 1 sessions_held
# expect: 1 luoctl_sessions_outgoing
# expect: 1 state_normal
# expect: 2 state_updated
# expect: 2 luoctl_sessions_waiting
# expect: 2 session_retrieved
# expect: 2 luoctl_sessions_retrieved
# expect: 2 unknown_session_refused
# expect: 2 session_opened_updated
# expect: 2 failed_kexec_loaded
# expect: 2 failed_kexec_refused
# expect: 2 failed_kexec_finished_update
# expect: 2 state_normal_after_failed_kexec
# expect: 2 unretrieved_session_released
# expect: 2 retrieve_after_finish_refused

stage1() {
	tap_run_kselftest liveupdate_session /luotest/bin/liveupdate_session
	/luotest/bin/liveupdate_session hold vmm-a vmm-b > /tmp/hold.out 2>&1 &
	tap_check sessions_held wait_for /tmp/hold.out ready 2
	tap_expect luoctl_sessions_outgoing "vmm-a outgoing
vmm-b outgoing" luoctl sessions
	tap_expect state_normal normal cat /sys/kernel/liveupdate/state
	luotest_kexec
}

stage2() {
	tap_expect state_updated updated cat /sys/kernel/liveupdate/state
	tap_expect luoctl_sessions_waiting "vmm-a incoming waiting
vmm-b incoming waiting" luoctl sessions
	tap_expect session_retrieved "retrieved vmm-a" \
		/luotest/bin/liveupdate_session retrieve vmm-a
	tap_expect luoctl_sessions_retrieved "vmm-a incoming retrieved
vmm-b incoming waiting" luoctl sessions
	tap_fails_with unknown_session_refused "No such file or directory" \
		/luotest/bin/liveupdate_session retrieve vmm-c
	/luotest/bin/liveupdate_session hold vmm-c > /tmp/hold.out 2>&1 &
	tap_check session_opened_updated wait_for /tmp/hold.out ready 2
	echo prepare > /sys/kernel/debug/liveupdate_test/fail
	tap_check failed_kexec_loaded \
		kexec -s -l /boot/bzImage --command-line="console=ttyS0"
	tap_check failed_kexec_refused sh -c \
		"! kexec -e > /tmp/kexec.out 2>&1 &&
		 dmesg | grep -q 'test: failing prepare on request'"
	echo none > /sys/kernel/debug/liveupdate_test/fail
	tap_check failed_kexec_finished_update sh -c \
		"dmesg | grep -q 'kexec before FINISH with sessions open: finishing' &&
		 dmesg | grep -q 'KHO: released [0-9]* unclaimed pages'"
	tap_expect state_normal_after_failed_kexec normal \
		cat /sys/kernel/liveupdate/state
	tap_check unretrieved_session_released sh -c \
		"dmesg | grep -q 'finish: sessions/vmm-b did not reclaim its data'"
	tap_fails_with retrieve_after_finish_refused "No such file or directory" \
		/luotest/bin/liveupdate_session retrieve vmm-b
}
