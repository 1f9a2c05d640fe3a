# SPDX-License-Identifier: GPL-2.0
# A real KVM guest survives live updates of its host. The test kernel is
# a hypervisor (KVM on AMD SVM, which QEMU TCG emulates with -cpu EPYC);
# tools/liveupdate/vmm runs a guest that rewrites and checks its own
# memory and sends heartbeats from its own TSC.
#
# Stage 1: vm0 (2 vCPUs, 128 MiB) starts, its memory preserved at once
# while the guest keeps writing. A PREPARE that is cancelled leaves it
# running. vm0 saves; told to run on while LUO is prepared it stays saved
# (and alive), and once the PREPARE is cancelled it runs on. vm1 saves a
# state of an incompatible format version, vm2 one whose checksum is
# corrupt; a fourth VMM saves and is killed between PREPARE and the
# kexec. vm0 saves and the host live-updates. Stages 2 and 3: vm0 is
# restored on the same pages, its guest checks a full pass of its memory,
# its counter and heartbeats go on strictly; it saves again and the host
# updates again. Stage 2 also sees vm1 and vm2 refused with exit code 2
# (nothing retrieved but their state) and the killed VMM's session gone;
# a restore of vm0 asking for a state token it does not have is refused,
# and its session, closed with guest memory in it, is retrieved again.
# Stage 4: the third restore, then FINISH. The helpers are in
# harness/guest/vmm.sh.
#
# stages: 4
# One TCG thread for both vCPUs: under QEMU 7.2's multi-threaded TCG
# the nested guest (SVM) now and then triple-faults, or the host
# resets itself, with nothing wrong in the host's log; 40 runs of
# luo-vmm in a row with one thread passed, see README, Known problem.
# qemu: -m 2G -smp 2 -cpu EPYC -accel tcg,thread=single
# append: kho=on
# timeout: 600
# expect: 1 kvm_ready
# expect: 1 vm0_started
# expect: 1 vm0_heartbeats
# expect: 1 cancel_leaves_vm_running
# expect: 1 vm0_stays_saved_while_prepared
# expect: 1 vm0_resumes_after_cancel
# expect: 1 victim_saved
# expect: 1 vm1_saved
# expect: 1 vm2_saved
# expect: 1 vm0_saved
# expect: 2 killed_vmm_session_gone
# expect: 2 incompatible_state_refused
# expect: 2 corrupt_state_refused
# expect: 2 wrong_token_refused
# expect: 2 vm0_restored
# expect: 2 session_retrieved_again
# expect: 3 vm0_restored
# expect: 4 vm0_restored
# expect: 2 vm0_first_heartbeat_in_sequence
# expect: 3 vm0_first_heartbeat_in_sequence
# expect: 4 vm0_first_heartbeat_in_sequence
# expect: 2 vm0_counter_continues
# expect: 3 vm0_counter_continues
# expect: 4 vm0_counter_continues
# expect: 2 vm0_full_pass_green
# expect: 3 vm0_full_pass_green
# expect: 4 vm0_full_pass_green
# expect: 2 finish_previous_update
# expect: 2 vm0_saved_again
# expect: 3 finish_previous_update
# expect: 3 vm0_saved_again
# expect: 4 finish

. /luotest/vmm.sh

# A PREPARE that luoctl cancels as it closes the device: the guest never
# stopped and goes on, green.
cancel_and_check() {
	luoctl prepare -- true && [ "$(luoctl state)" = normal ] &&
		vmm_grows vm0 1 heartbeats 3 60 && vmm_green vm0
}

# vm0 saves; told to run on (SIGUSR2) while LUO is prepared, it cannot
# make its new session: it says so and stays saved, alive.
stays_saved_while_prepared() {
	pid=$(cat /tmp/vm0.pid)
	vmm_save vm0 && luoctl prepare -- sh -c ". /luotest/lib.sh
		kill -USR2 $pid &&
		wait_for /tmp/vm0.out 'not resuming: LUO is prepared' 30" &&
		kill -0 $pid &&
		[ "$(sed -n 's/^state //p' /tmp/vmm-vm0.status)" = saved ]
}

# Once the PREPARE is cancelled, SIGUSR2 lets it run on, green.
resumes_after_cancel() {
	[ "$(luoctl state)" = normal ] && kill -USR2 $(cat /tmp/vm0.pid) &&
		wait_for /tmp/vm0.out "update called off: the guest runs on" 30 &&
		vmm_grows vm0 1 heartbeats 3 60 && vmm_green vm0
}

stage1() {
	tap_check kvm_ready sh -c "[ -c /dev/kvm ] && dmesg | grep -q 'Nested Paging enabled'"
	tap_check vm0_started vmm_start vm0 -c 2 -m 128
	tap_check vm0_heartbeats vmm_grows vm0 0 heartbeats 3 120
	tap_check cancel_leaves_vm_running cancel_and_check
	tap_check vm0_stays_saved_while_prepared stays_saved_while_prepared
	tap_check vm0_resumes_after_cancel resumes_after_cancel
	vmm_start victim -m 32 > /dev/null
	vmm_start vm1 -m 32 --state-version 99 > /dev/null
	vmm_start vm2 -m 32 --corrupt-state > /dev/null
	tap_check victim_saved vmm_save victim
	tap_check vm1_saved vmm_save vm1
	tap_check vm2_saved vmm_save vm2
	tap_check vm0_saved vmm_save vm0
	cp /tmp/vm0.out /luotest/vm0.log
	luotest_kexec --prepared "kill -KILL $(cat /tmp/victim.pid)"
}

# Stages 2 and 3: restore, check, FINISH the update (what vm1 and vm2
# left preserved is freed), save again, update again.
update_again() {
	tap_check finish_previous_update luoctl finish
	tap_check vm0_saved_again vmm_save vm0
	cp /tmp/vm0.out /luotest/vm0.log
	luotest_kexec --update
}

stage2() {
	tap_fails_with killed_vmm_session_gone "no session victim" \
		$VMM restore -s victim
	tap_check incompatible_state_refused vmm_refused vm1 \
		"incompatible VMM: format version 99.*guest memory (token 1) was not touched"
	tap_check corrupt_state_refused vmm_refused vm2 \
		"its checksum does not match: it is corrupt; guest memory (token 1) was not touched"
	# A restore that asks for a token vm0 does not have is refused and
	# loses nothing: its session is kept, and the restore below
	# retrieves it again.
	tap_check wrong_token_refused sh -c \
		"out=\$(timeout 30 $VMM restore -s vm0 --state-token 9 2>&1); rc=\$?
		 echo \"\$out\"; [ \$rc -eq 2 ] &&
		 echo \"\$out\" | grep -q 'no VM state under token 9 in session vm0' &&
		 dmesg | grep -q 'session vm0 closed with files not retrieved: kept until FINISH'"
	vmm_restore vm0
	tap_check session_retrieved_again sh -c \
		"dmesg | grep -q 'session vm0 retrieved again'"
	update_again
}

stage3() {
	vmm_restore vm0
	update_again
}

stage4() {
	vmm_restore vm0
	tap_check finish sh -c "luoctl finish && [ \$(luoctl state) = normal ]"
	kill -TERM $(cat /tmp/vm0.pid)
}
