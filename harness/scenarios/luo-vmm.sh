# SPDX-License-Identifier: GPL-2.0
# A real KVM guest survives live updates of its host. The test kernel is
# a hypervisor (KVM on AMD SVM, which QEMU TCG emulates with -cpu EPYC);
# tools/liveupdate/vmm runs a guest that rewrites and checks its own
# memory and sends heartbeats from its own TSC.
#
# Stage 1: vm0 (2 vCPUs, 128 MiB) starts, its memory preserved at once
# while the guest keeps writing. A PREPARE that is cancelled leaves it
# running. vm1 saves a state of an incompatible format version; a third
# VMM saves and is killed between PREPARE and the kexec. vm0 saves and
# the host live-updates. Stages 2 and 3: vm0 is restored on the same
# pages, its guest checks a full pass of its memory, its counter and
# heartbeats go on strictly; it saves again and the host updates again.
# Stage 2 also sees vm1 refused (nothing retrieved but its state) and the
# killed VMM's session gone. Stage 4: the third restore, then FINISH.
#
# stages: 4
# qemu: -m 2G -smp 2 -cpu EPYC
# append: kho=on
# timeout: 600
# expect: 1 kvm_ready
# expect: 1 vm0_started
# expect: 1 vm0_heartbeats
# expect: 1 cancel_leaves_vm_running
# expect: 1 victim_saved
# expect: 1 vm1_saved
# expect: 1 vm0_saved
# expect: 2 killed_vmm_session_gone
# expect: 2 incompatible_state_refused
# expect: 2 vm0_restored
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

VMM=/luotest/bin/vmm

# field SESSION CPU NAME: a value of the VMM's status file.
field() {
	awk -v c="cpu$2" -v f="$3" '$1 == c {
		for (i = 2; i < NF; i += 2) if ($i == f) print $(i + 1) }' \
		/tmp/vmm-$1.status
}

# grows SESSION CPU NAME BY SECONDS: the field rises by BY in time.
grows() {
	from=$(field $1 $2 $3) n=$(($5 * 5))
	while [ $n -gt 0 ]; do
		now=$(field $1 $2 $3)
		[ $((now - from)) -ge $4 ] && return 0
		sleep 0.2
		n=$((n - 1))
	done
	echo "$3 of $1 cpu$2 went from $from to $now in $5 s"
	cat /tmp/vmm-$1.status
	return 1
}

# green SESSION: every vCPU ran, and the guest and the VMM found nothing.
green() {
	awk '$1 ~ /^cpu/ { for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		if (v["errors"] || v["seq_errors"] || v["faults"] ||
		    !v["ready"]) bad = 1 }
	     END { exit bad }' /tmp/vmm-$1.status || {
		cat /tmp/vmm-$1.status
		return 1
	}
}

# full_pass SESSION: every vCPU completes two more passes (so one whole
# pass after now), and all stays green.
full_pass() {
	for c in 0 1; do
		grows $1 $c passes 2 60 || return 1
		[ "$(field $1 $c sum_ok)" -gt 0 ] || return 1
	done
	green $1
}

# save_vm0: ask vm0 to save for the update and wait for it.
save_vm0() {
	pid=$(cat /tmp/vm0.pid)
	kill -USR1 $pid
	wait_for /tmp/vm0.out "saved: vCPUs stopped" 60 || {
		grep -E "^(State|Sig|Shd)" /proc/$pid/status
		ls /proc/$pid/task
		return 1
	}
}

# restore_vm0: vm0 is back; its guest goes on where it stopped (what it
# saw before the update was kept in /luotest, which the next stage has).
restore_vm0() {
	before=$(sed -n 's/.*last heartbeat before the update: vCPU 0 heartbeat \([0-9]*\).*counter \([0-9]*\),.*/\1 \2/p' \
		/luotest/vm0.log | tail -n1)
	$VMM restore -s vm0 > /tmp/vm0.out 2>&1 &
	echo $! > /tmp/vm0.pid
	tap_check vm0_restored wait_for /tmp/vm0.out "restored:" 120
	tap_check vm0_first_heartbeat_in_sequence wait_for /tmp/vm0.out \
		"first heartbeat after the update: vCPU 0 heartbeat $((${before% *} + 1)) " 60
	tap_check vm0_counter_continues sh -c \
		"[ \$(awk '\$1 == \"cpu0\" { print \$3 }' /tmp/vmm-vm0.status) -gt ${before#* } ]"
	tap_check vm0_full_pass_green full_pass vm0
}

# A PREPARE that luoctl cancels as it closes the device: the guest never
# stopped and goes on, green.
cancel_and_check() {
	luoctl prepare -- true && [ "$(luoctl state)" = normal ] &&
		grows vm0 1 heartbeats 3 60 && green vm0
}

stage1() {
	tap_check kvm_ready sh -c "[ -c /dev/kvm ] && dmesg | grep -q 'Nested Paging enabled'"
	$VMM run -s vm0 -c 2 -m 128 > /tmp/vm0.out 2>&1 &
	echo $! > /tmp/vm0.pid
	tap_check vm0_started wait_for /tmp/vm0.out started 60
	tap_check vm0_heartbeats grows vm0 0 heartbeats 3 120
	tap_check cancel_leaves_vm_running cancel_and_check
	$VMM run -s victim -m 32 > /tmp/victim.out 2>&1 &
	victim=$!
	$VMM run -s vm1 -m 32 --state-version 99 > /tmp/vm1.out 2>&1 &
	vm1=$!
	wait_for /tmp/victim.out started 60 >/dev/null
	wait_for /tmp/vm1.out started 60 >/dev/null
	kill -USR1 $victim $vm1
	tap_check victim_saved wait_for /tmp/victim.out "saved:" 60
	tap_check vm1_saved wait_for /tmp/vm1.out "saved:" 60
	tap_check vm0_saved save_vm0
	cp /tmp/vm0.out /luotest/vm0.log
	luotest_kexec --prepared "kill -KILL $victim"
}

# Stages 2 and 3: restore, check, FINISH the update (what vm1 left
# preserved is freed), save again, update again.
update_again() {
	tap_check finish_previous_update luoctl finish
	tap_check vm0_saved_again save_vm0
	cp /tmp/vm0.out /luotest/vm0.log
	luotest_kexec --update
}

stage2() {
	tap_fails_with killed_vmm_session_gone "no session victim" \
		$VMM restore -s victim
	tap_fails_with incompatible_state_refused \
		"incompatible VMM: format version 99.*guest memory (token 1) was not touched" \
		$VMM restore -s vm1
	restore_vm0
	update_again
}

stage3() {
	restore_vm0
	update_again
}

stage4() {
	restore_vm0
	tap_check finish sh -c "luoctl finish && [ \$(luoctl state) = normal ]"
	kill -TERM $(cat /tmp/vm0.pid)
}
