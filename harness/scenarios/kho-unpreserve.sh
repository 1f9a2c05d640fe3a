# SPDX-License-Identifier: GPL-2.0
# Unpreserve really releases, the old kexec_load syscall is refused while
# anything is preserved, and with nothing preserved the kexec is plain:
# the next kernel gets no preserved memory.
#
# stages: 2
# qemu: -m 2G -smp 2
# append: kho=on
# expect: 1 preserve
# expect: 1 kexec_load_refused
# expect: 1 refusal_logged
# expect: 1 unpreserve
# expect: 1 nothing_preserved
# expect: 1 kexec_load_allowed_again
# expect: 2 no_preserved_memory
# expect: 2 nothing_restored

. /luotest/kho.sh

stage1() {
	tap_check preserve kho_test_cmd "preserve 500 7"
	if kexec -c -l /boot/bzImage --command-line=x > /tmp/kl.out 2>&1; then
		tap_fail kexec_load_refused "kexec_load succeeded while memory is preserved"
		kexec -u
	else
		tap_ok kexec_load_refused
	fi
	tap_check refusal_logged dmesg_has "kexec_load cannot hand over preserved memory"
	tap_check unpreserve kho_test_cmd unpreserve
	tap_expect nothing_preserved "preserved=0" cat $KHO_TEST/status
	tap_check kexec_load_allowed_again sh -c \
		'kexec -c -l /boot/bzImage --command-line=x && kexec -u'
	luotest_kexec
}

stage2() {
	tap_check no_preserved_memory sh -c \
		'dmesg | grep "KHO: handover accepted" | grep -q " 0 folios"'
	tap_expect nothing_restored none cat $KHO_TEST/result
}
