# SPDX-License-Identifier: GPL-2.0
# The handover shares setup_data type 10 with mainline's KHO, so it must
# have mainline's layout: stage 2 reads its setup_data entry as mainline
# would (struct kho_data: fdt_addr, fdt_size, scratch_addr, scratch_size)
# and compares it with what it accepted. Then, with memory preserved, it
# kexecs into the kernel built without the series, which has never heard
# of KHO: that kernel must boot and work normally. (A handover in a format
# this kernel does not know, as mainline's "kho-v4", is in kho-corrupt.)
#
# stages: 3
# qemu: -m 2G -smp 2
# append: kho=on
# expect: 1 preserve
# expect: 2 folios_verified
# expect: 2 setup_data_is_mainline_layout
# expect: 2 preserve
# expect: 3 booted_by_kexec
# expect: 3 kernel_without_kho
# expect: 3 memory_usable

. /luotest/kho.sh

# The SETUP_KEXEC_KHO entry as "fdt_addr fdt_size scratch_addr
# scratch_size" in decimal, and its length.
kho_setup_data() {
	for d in /sys/kernel/boot_params/setup_data/*; do
		[ "$(cat "$d/type")" = 0xa ] || continue
		echo "len=$(wc -c < "$d/data")"
		od -An -t u8 -v "$d/data" | tr -s ' \n' ' ' | sed 's/^ //'
		echo
		return 0
	done
	return 1
}

check_mainline_layout() {
	kho_setup_data > /tmp/sd || { echo "no setup_data of type 10"; return 1; }
	cat /tmp/sd
	set -- $(sed -n 2p /tmp/sd)
	fdt=$(sed -n 's/^fdt_phys=//p' /sys/kernel/debug/kho/in/stats)
	size=$(sed -n 's/^fdt_size=//p' /sys/kernel/debug/kho/in/stats)
	[ "$(sed -n 1p /tmp/sd)" = len=32 ] && [ "$1" -eq $((fdt)) ] &&
		[ "$2" -eq "$size" ] && [ "$3" -ne 0 ] && [ "$4" -eq 16 ]
}

stage1() {
	tap_check preserve kho_test_cmd "preserve 300 41"
	luotest_kexec
}

stage2() {
	tap_expect folios_verified \
		"folios=300 bad_order=0 bad_bytes=0 missing=0" kho_test_result
	tap_check setup_data_is_mainline_layout check_mainline_layout
	tap_check preserve kho_test_cmd "preserve 300 42"
	luotest_kexec --kernel /boot/bzImage-off
}

stage3() {
	tap_expect booted_by_kexec 3 cmdline_arg luotest.stage
	tap_check kernel_without_kho sh -c '! dmesg | grep "KHO:"'
	# Write 256 MiB through tmpfs and read it back.
	tap_check memory_usable sh -c \
		"yes 0123456789abcdef | head -c 268435456 > /tmp/fill &&
		 yes 0123456789abcdef | head -c 268435456 | cmp - /tmp/fill;
		 rc=\$?; rm -f /tmp/fill; exit \$rc"
}
