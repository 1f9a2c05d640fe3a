# SPDX-License-Identifier: GPL-2.0
# Helpers of the scenarios that run a KVM guest across a live update with
# tools/liveupdate/vmm (luo-vmm, demo; sourced by them). A VM is known by
# its session name S: the VMM's output is in /tmp/S.out, its pid in
# /tmp/S.pid, its status file is /tmp/vmm-S.status, and what it said
# before a kexec is kept in /luotest/S.log for the next stage.

VMM=/luotest/bin/vmm

# vmm_field S CPU NAME: a value of the VMM's status file.
vmm_field() {
	awk -v c="cpu$2" -v f="$3" '$1 == c {
		for (i = 2; i < NF; i += 2) if ($i == f) print $(i + 1) }' \
		/tmp/vmm-$1.status
}

# vmm_above S CPU NAME N SECONDS: the field goes past N in time (the
# status file is rewritten every 200 ms: the first heartbeat after a
# restore may be seen before a status that shows the guest's progress).
vmm_above() {
	n=$(($5 * 5))
	while [ $n -gt 0 ]; do
		now=$(vmm_field $1 $2 $3)
		[ "${now:-0}" -gt "$4" ] && return 0
		sleep 0.2
		n=$((n - 1))
	done
	echo "$3 of $1 cpu$2 is ${now:-missing}, not above $4 after $5 s"
	cat /tmp/vmm-$1.status
	return 1
}

# vmm_grows S CPU NAME BY SECONDS: the field rises by BY in time.
vmm_grows() {
	vmm_above $1 $2 $3 $(($(vmm_field $1 $2 $3) + $4 - 1)) $5
}

# vmm_green S: every vCPU ran, and the guest and the VMM found nothing.
vmm_green() {
	awk '$1 ~ /^cpu/ { for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		if (v["errors"] || v["seq_errors"] || v["faults"] ||
		    !v["ready"]) bad = 1 }
	     END { exit bad }' /tmp/vmm-$1.status || {
		cat /tmp/vmm-$1.status
		return 1
	}
}

# vmm_start S ARGS...: start a new VM, wait until it runs.
vmm_start() {
	s=$1
	shift
	$VMM run -s $s "$@" > /tmp/$s.out 2>&1 &
	echo $! > /tmp/$s.pid
	wait_for /tmp/$s.out started 60
}

# vmm_save S: ask the VM to save for the update and wait until it did
# (a save after an earlier one in the same output counts only once). It
# looks often: the guest's pause goes on until the kexec.
vmm_save() {
	pid=$(cat /tmp/$1.pid)
	n=$(grep -c "saved: vCPUs stopped" /tmp/$1.out)
	kill -USR1 $pid
	t=3000
	while [ $t -gt 0 ]; do
		[ "$(grep -c "saved: vCPUs stopped" /tmp/$1.out)" -gt "$n" ] &&
			return 0
		sleep 0.02
		t=$((t - 1))
	done
	cat /tmp/$1.out
	grep -E "^(State|Sig|Shd)" /proc/$pid/status
	return 1
}

# vmm_full_pass S: every vCPU completes a whole pass over its memory
# after the restore and says its checksums matched and nothing was out
# of order; the status file agrees.
vmm_full_pass() {
	c=0
	while [ $c -lt "$(sed -n 's/^vcpus //p' /tmp/vmm-$1.status)" ]; do
		wait_for /tmp/$1.out \
			"first whole pass after the update: vCPU $c .*: green$" 120 ||
			return 1
		c=$((c + 1))
	done
	vmm_green $1
}

# vmm_restore S: in the next kernel, S is back; its guest goes on where
# it stopped: its first heartbeat is the one after the last before the
# update, its counter goes on, and a whole pass of its memory is green.
# What the guest did last before the update is taken from what the VMM
# said then, kept in /luotest/S.log by the previous stage; without it
# (the VMM saved after the next kernel was loaded), from what the VMM
# read back from the saved state (its "resumed:" line). Reports
# S_restored, S_first_heartbeat_in_sequence, S_counter_continues and
# S_full_pass_green.
vmm_restore() {
	$VMM restore -s $1 > /tmp/$1.out 2>&1 &
	echo $! > /tmp/$1.pid
	tap_check $1_restored wait_for /tmp/$1.out "restored:" 120
	before=$(sed -n 's/.*last heartbeat before the update: vCPU 0 heartbeat \([0-9]*\).*counter \([0-9]*\),.*/\1 \2/p' \
		/luotest/$1.log 2>/dev/null | tail -n1)
	[ -n "$before" ] || wait_for /tmp/$1.out "resumed: vCPU 0 from" 10 > /dev/null
	[ -n "$before" ] ||
		before=$(sed -n 's/.*resumed: vCPU 0 from heartbeat \([0-9]*\), counter \([0-9]*\),.*/\1 \2/p' \
			/tmp/$1.out)
	tap_check $1_first_heartbeat_in_sequence wait_for /tmp/$1.out \
		"first heartbeat after the update: vCPU 0 heartbeat $((${before% *} + 1)) " 60
	tap_check $1_counter_continues vmm_above $1 0 counter ${before#* } 30
	tap_check $1_full_pass_green vmm_full_pass $1
}

# vmm_refused S PATTERN: "vmm restore -s S" refuses (exit code 2) and
# says PATTERN (grep); one that restores is stopped after 30 s.
vmm_refused() {
	out=$(timeout 30 $VMM restore -s $1 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 2 ] || {
		echo "exit code $rc, not 2"
		return 1
	}
	echo "$out" | grep -q "$2"
}
