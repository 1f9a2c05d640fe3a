# SPDX-License-Identifier: GPL-2.0
# dev_liveupdate on a real PCI device: QEMU's edu device, driven by
# luo_edu, keeps doing DMA across live updates. Two edu devices: edu0
# (00:04.0) is preserved every time; edu1 (00:05.0) is the control that
# is not preserved, then preserved with a damaged record, then with a
# record that names another device, and last goes over to a kernel that
# bounces every DMA.
#
# Stage 1: both start from scratch; a DMA works; a failing device
# prepare rolls the whole update back; PREPARE then CANCEL, and PREPARE,
# FREEZE, CANCEL, leave the device fully usable; the liveness and
# factorial registers get values; then PREPARE and the kexec, edu0's
# device loaded with a pattern so that its freeze, inside the kexec,
# starts the DMA back into its preserved buffer (edu0's dma_at_freeze: the
# DMA takes 100 ms, so it completes while the kernels switch, whatever
# the time from the shell to the freeze); edu1 gets a plain DMA.
# Stage 2: edu0 was not reset (registers hold the stage-1 values), bus
# mastering stayed on, the DMA was still running at freeze and its data is
# in the same buffer, the completion is in the interrupt status register
# and acknowledged exactly once, and luo_edu reattached without
# reinitialising; a second DMA works. edu1 was shut down as in plain 6.12
# (bus master cleared) and initialised from scratch.
# Stages 3 and 4: edu0 again (a chain of three updates); edu1's damaged
# record (checksum), then its record naming another device (identity), are
# refused with a log line, edu1 (with a DMA in flight) is stopped at
# enumeration and initialised from scratch; FINISH frees the memory of
# the refused records. Last, edu1's driver unbinds while an update is
# prepared: the device leaves the update, KHO holds
# nothing more than before, and the driver binds again from scratch.
# Stage 5: edu0 goes over running once more, but no driver binds to it
# (luo_edu.ignore): it keeps running until FINISH, which stops it.
# Then edu1 is preserved and the update goes to a kernel that forces
# swiotlb (edu0 stays ignored).
# Stage 6: edu1's record is accepted, but its buffer is bounced now, so
# luo_edu refuses to take it over and initialises it from scratch; with
# every DMA bounced, dev_liveupdate refuses to keep it running (logged),
# and its DMA through the bounce buffer works.
#
# stages: 6
# qemu: -m 1G -device edu,addr=4,dma_mask=0xffffffff -device edu,addr=5,dma_mask=0xffffffff
# append: kho=on
# timeout: 240
# expect: 1 edu0_fresh
# expect: 1 edu1_fresh
# expect: 1 dma_works
# expect: 1 preserve_edu0
# expect: 1 failing_device_prepare_rolls_back
# expect: 1 state_normal_after_rollback
# expect: 1 dma_after_rollback
# expect: 1 cancel_after_prepare
# expect: 1 dma_after_cancel
# expect: 1 cancel_after_freeze
# expect: 1 dma_after_freeze_cancel
# expect: 1 kho_unchanged_after_cancels
# expect: 1 registers_set
# expect: 1 kexec_load
# expect: 2 state_updated
# expect: 2 edu0_reattached
# expect: 2 edu0_same_buffer
# expect: 2 edu0_registers_kept
# expect: 2 edu0_bus_master_kept
# expect: 2 edu0_dma_running_at_freeze
# expect: 2 edu0_dma_landed
# expect: 2 edu0_completion_acked_once
# expect: 2 edu0_not_reinitialised
# expect: 2 edu0_left_alone_by_pci
# expect: 2 edu0_second_dma
# expect: 2 edu1_shut_down_plainly
# expect: 2 edu1_initialised
# expect: 2 finish_2
# expect: 2 arm_update_2
# expect: 2 kexec_load
# expect: 3 edu0_reattached_3
# expect: 3 edu0_dma_landed_3
# expect: 3 edu0_completion_acked_once_3
# expect: 3 edu1_checksum_refused
# expect: 3 edu1_stopped_at_enumeration
# expect: 3 edu1_initialised_3
# expect: 3 finish_3
# expect: 3 refused_memory_freed
# expect: 3 arm_update_3
# expect: 3 kexec_load
# expect: 4 edu0_reattached_4
# expect: 4 edu0_generation_3
# expect: 4 edu0_dma_landed_4
# expect: 4 edu1_identity_refused
# expect: 4 edu1_initialised_4
# expect: 4 finish_4
# expect: 4 edu0_dma_after_chain
# expect: 4 unbind_while_prepared
# expect: 4 kho_unchanged_after_unbind
# expect: 4 rebind_initialises
# expect: 4 arm_update_4
# expect: 4 kexec_load
# expect: 5 edu0_accepted_not_bound
# expect: 5 edu0_still_bus_master
# expect: 5 finish_5
# expect: 5 edu0_stopped_at_finish
# expect: 5 arm_update_5
# expect: 5 kexec_load
# expect: 6 bounced_reattach_refused
# expect: 6 bounced_device_refused
# expect: 6 bounced_dma_works
# expect: 6 finish_6

EDU0=/sys/bus/pci/devices/0000:00:04.0
EDU1=/sys/bus/pci/devices/0000:00:05.0
FAULT=/sys/kernel/debug/liveupdate_devices/fault

bar0() {	# $1 = device dir: where BAR 0 is
	head -n 1 "$1/resource" | cut -d ' ' -f 1,2
}

cmd_low() {	# $1 = device dir: low byte of the command register, in hex
	od -An -tx1 -j4 -N1 "$1/config" | tr -d ' '
}

kho_orders() {	# folios KHO holds for the next kernel, per order
	grep '^order' /sys/kernel/debug/kho/out/stats | tr '\n' ' '
}

acks() {	# $1 = device dir: DMA completions acknowledged so far
	sed 's/^acks \([0-9]*\) .*/\1/' "$1/dma_irq"
}

bus_master() {	# $1 = device dir: 1 if the probe found bus mastering on
	echo $(( ($(cat "$1/probe_command") & 4) != 0 ))
}

reattached_checks() {	# $1 = suffix, $2 = seed of the DMA in flight
	tap_expect edu0_reattached$1 1 cat $EDU0/reattached
	tap_expect edu0_dma_landed$1 "seed $2 ok" cat $EDU0/dma
	tap_check edu0_completion_acked_once$1 sh -c \
		"sleep 0.5; grep -qx 'acks 1 at_reattach 0x100' $EDU0/dma_irq"
}

arm_update() {	# $1 = test name, $2 = fault for edu1's record
	tap_check "$1" sh -c "echo 1 > $EDU0/preserve &&
		echo 1 > $EDU1/preserve &&
		echo '$2 pci:0000:00:05.0' > $FAULT"
}

refused_checks() {	# $1 = fault, $2 = reason logged, $3 = stage
	tap_check edu1_$1_refused sh -c \
		"dmesg | grep -q '0000:00:05.0: liveupdate: handover record refused: $2; the device is stopped and set up from scratch'"
	tap_check edu1_initialised_$3 sh -c "[ \$(cat $EDU1/reattached) = 0 ] &&
		dmesg | grep -q '0000:00:05.0: initialised from scratch'"
}

stage1() {
	tap_expect edu0_fresh 0 cat $EDU0/reattached
	tap_check edu1_fresh sh -c "[ \$(cat $EDU1/reattached) = 0 ] &&
		dmesg | grep -q '0000:00:05.0: initialised from scratch'"
	a=$(acks $EDU0)
	tap_check dma_works sh -c "echo 11 > $EDU0/dma &&
		grep -qx 'seed 11 ok' $EDU0/dma && sleep 0.3 &&
		[ \$(sed 's/^acks \([0-9]*\) .*/\1/' $EDU0/dma_irq) -gt $a ]"
	tap_check preserve_edu0 sh -c "echo 1 > $EDU0/preserve &&
		grep -qx 1 $EDU0/preserve"

	kho=$(kho_orders)
	echo 1 > $EDU0/fail_prepare
	tap_fails_with failing_device_prepare_rolls_back "rolled back" \
		luoctl prepare
	echo 0 > $EDU0/fail_prepare
	tap_expect state_normal_after_rollback normal luoctl state
	tap_check dma_after_rollback sh -c "echo 12 > $EDU0/dma &&
		grep -qx 'seed 12 ok' $EDU0/dma"

	tap_check cancel_after_prepare sh -c \
		"luoctl prepare -- cat /sys/kernel/liveupdate/state | grep -qx prepared &&
		 [ \$(luoctl state) = normal ] &&
		 dmesg | grep -q '0000:00:04.0: update cancelled'"
	tap_check dma_after_cancel sh -c "echo 13 > $EDU0/dma &&
		grep -qx 'seed 13 ok' $EDU0/dma"
	tap_check cancel_after_freeze sh -c "luoctl prepare freeze cancel &&
		[ \$(luoctl state) = normal ] &&
		dmesg | grep -q '0000:00:04.0: frozen: transfer idle'"
	a=$(acks $EDU0)
	tap_check dma_after_freeze_cancel sh -c "echo 14 > $EDU0/dma &&
		grep -qx 'seed 14 ok' $EDU0/dma && sleep 0.3 &&
		[ \$(sed 's/^acks \([0-9]*\) .*/\1/' $EDU0/dma_irq) -gt $a ]"

	echo 0x1234 > $EDU0/liveness
	echo 10 > $EDU0/factorial
	sleep 0.2
	tap_expect kho_unchanged_after_cancels "$kho" kho_orders
	tap_check registers_set sh -c "grep -q 'liveness 0xffffedcb factorial 3628800 ' $EDU0/regs"

	# The DMAs start after PREPARE; the kexec follows at once.
	luotest_kexec --append "luotest.edu0_buffer=$(cat $EDU0/buffer) luotest.edu0_bar=$(bar0 $EDU0 | tr ' ' ,)" \
		--prepared "echo 22 > $EDU1/dma; echo 21 > $EDU0/dma_at_freeze"
}

stage2() {
	tap_expect state_updated updated luoctl state
	reattached_checks "" 21
	tap_expect edu0_same_buffer "$(cmdline_arg luotest.edu0_buffer)" \
		cat $EDU0/buffer
	tap_check edu0_registers_kept sh -c "grep -q 'liveness 0xffffedcb factorial 3628800 ' $EDU0/regs"
	tap_check edu0_bus_master_kept sh -c "[ $(bus_master $EDU0) = 1 ] &&
		grep -q \"command $(cat $EDU0/probe_command)\" $EDU0/handover"
	tap_check edu0_dma_running_at_freeze grep -q 'dma_running 1 irq_status 0x0 ' $EDU0/handover
	tap_check edu0_not_reinitialised sh -c \
		"dmesg | grep -q '0000:00:04.0: reattached without reinitialising' &&
		 ! dmesg | grep -q '0000:00:04.0: initialised from scratch'"
	tap_check edu0_left_alone_by_pci sh -c \
		"dmesg | grep -q '0000:00:04.0: liveupdate: left running by the previous kernel for driver luo_edu' &&
		 [ '$(bar0 $EDU0)' = '$(cmdline_arg luotest.edu0_bar | tr , ' ')' ]"
	tap_check edu0_second_dma sh -c "echo 31 > $EDU0/dma &&
		grep -qx 'seed 31 ok' $EDU0/dma && sleep 0.3 &&
		grep -q '^acks 2 ' $EDU0/dma_irq"
	tap_check edu1_shut_down_plainly sh -c "[ $(bus_master $EDU1) = 0 ] &&
		[ \$(cat $EDU1/reattached) = 0 ]"
	tap_check edu1_initialised sh -c \
		"dmesg | grep -q '0000:00:05.0: initialised from scratch'"
	tap_check finish_2 luoctl finish

	arm_update arm_update_2 checksum
	# edu1's transfer too runs across the kexec, on a record to be refused.
	luotest_kexec --prepared "echo 42 > $EDU1/dma; echo 41 > $EDU0/dma_at_freeze"
}

stage3() {
	reattached_checks _3 41
	refused_checks checksum "bad checksum" 3
	tap_check edu1_stopped_at_enumeration sh -c "[ $(bus_master $EDU1) = 0 ] &&
		dmesg | grep -q '0000:00:05.0: liveupdate: bus mastering left on by the previous kernel; turned off'"
	tap_check finish_3 luoctl finish
	# edu1's state page and 2-page buffer; its record page went at boot.
	tap_check refused_memory_freed sh -c \
		"dmesg | grep -q 'KHO: released 3 unclaimed pages'"

	arm_update arm_update_3 identity
	luotest_kexec --prepared "echo 51 > $EDU0/dma_at_freeze"
}

stage4() {
	reattached_checks _4 51
	tap_check edu0_generation_3 grep -q '^generation 3 ' $EDU0/handover
	refused_checks identity "another device is at this address" 4
	tap_check finish_4 luoctl finish
	tap_check edu0_dma_after_chain sh -c "echo 61 > $EDU0/dma &&
		grep -qx 'seed 61 ok' $EDU0/dma"

	# The driver unbinds while the update is prepared: the device leaves
	# the update, its memory is unpreserved, and it binds again afresh.
	kho=$(kho_orders)
	echo 1 > $EDU1/preserve
	tap_check unbind_while_prepared sh -c "luoctl prepare -- sh -c \
		'echo 0000:00:05.0 > /sys/bus/pci/drivers/luo_edu/unbind' &&
		dmesg | grep -q '0000:00:05.0: liveupdate: no longer preserved' &&
		dmesg | grep -q 'devices/pci:0000:00:05.0 left the prepared update'"
	tap_expect kho_unchanged_after_unbind "$kho" kho_orders
	tap_check rebind_initialises sh -c \
		"echo 0000:00:05.0 > /sys/bus/pci/drivers/luo_edu/bind &&
		 [ \$(dmesg | grep -c '0000:00:05.0: initialised from scratch') = 2 ] &&
		 echo 71 > $EDU1/dma && grep -qx 'seed 71 ok' $EDU1/dma"

	# Next: edu0 goes over running, but no driver takes it back.
	tap_check arm_update_4 sh -c "echo 1 > $EDU0/preserve"
	luotest_kexec --append "luo_edu.ignore=0000:00:04.0" \
		--prepared "echo 81 > $EDU0/dma_at_freeze"
}

stage5() {
	tap_check edu0_accepted_not_bound sh -c \
		"dmesg | grep -q '0000:00:04.0: liveupdate: left running by the previous kernel' &&
		 [ ! -e $EDU0/driver ]"
	tap_expect edu0_still_bus_master 07 cmd_low $EDU0
	tap_check finish_5 luoctl finish
	tap_check edu0_stopped_at_finish sh -c \
		"dmesg | grep -q '0000:00:04.0: liveupdate: left running for driver luo_edu, which never reattached: bus mastering off' &&
		 [ \$(od -An -tx1 -j4 -N1 $EDU0/config | tr -d ' ') = 03 ]"

	# Next: edu1 goes over to a kernel that bounces every DMA.
	tap_check arm_update_5 sh -c "echo 1 > $EDU1/preserve"
	luotest_kexec --update --append "swiotlb=4096,force"
}

stage6() {
	tap_check bounced_reattach_refused sh -c \
		"dmesg | grep -q '0000:00:05.0: reattach: the DMA buffer is bounced or remapped' &&
		 dmesg | grep -q '0000:00:05.0: initialised from scratch' &&
		 grep -qx 0 $EDU1/reattached"
	tap_check bounced_device_refused sh -c \
		"! echo 1 > $EDU1/preserve 2>/dev/null && grep -qx 0 $EDU1/preserve &&
		 dmesg | grep -q '0000:00:05.0: liveupdate: cannot keep running: its DMA is forced'"
	tap_check bounced_dma_works sh -c \
		"dmesg | grep -q '0000:00:05.0: the DMA buffer is bounced or remapped: this' &&
		 echo 91 > $EDU1/dma && grep -qx 'seed 91 ok' $EDU1/dma"
	tap_check finish_6 luoctl finish
}
