# SPDX-License-Identifier: GPL-2.0
# KHO: a few thousand folios of mixed orders, filled with a seeded
# pattern, plus an FDT subtree, preserved across a real kexec on a
# two-node NUMA guest with KASLR on, after an allocation churn has
# fragmented memory. The next kernel checks every byte and every order,
# and that KASLR put it inside the scratch the previous kernel chose.
#
# stages: 2
# qemu: -m 4G -smp 2,sockets=2,cores=1,threads=1 -object memory-backend-ram,id=m0,size=2G -object memory-backend-ram,id=m1,size=2G -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1
# append: kho=on
# timeout: 180
# expect: 1 kho_scratch_reserved
# expect: 1 two_numa_nodes
# expect: 1 churn
# expect: 1 preserve
# expect: 1 preserved_count
# expect: 1 kexec_load
# expect: 2 handover_accepted
# expect: 2 folios_verified
# expect: 2 kernel_inside_scratch
# expect: 2 subtree_found
# expect: 2 incoming_fdt_in_debugfs

. /luotest/kho.sh

stage1() {
	tap_check kho_scratch_reserved kho_scratch_range
	tap_expect two_numa_nodes 2 sh -c 'ls -d /sys/devices/system/node/node* | wc -l'
	tap_check churn kho_test_cmd "churn 256"
	tap_check preserve kho_test_cmd "preserve 3000 20261122"
	tap_expect preserved_count "preserved=3000" cat $KHO_TEST/status
	luotest_kexec --append "luotest.scratch=$(kho_scratch_range)"
}

stage2() {
	tap_check handover_accepted dmesg_has "KHO: handover accepted"
	tap_expect folios_verified \
		"folios=3000 bad_order=0 bad_bytes=0 missing=0" kho_test_result
	tap_check kernel_inside_scratch kernel_in_range "$(cmdline_arg luotest.scratch)"
	tap_check subtree_found dmesg_has "kho_test: verified"
	# The incoming root FDT: FDT magic, our compatible, the client node.
	tap_check incoming_fdt_in_debugfs sh -c '
		f=/sys/kernel/debug/kho/in/fdt
		[ "$(od -An -tx1 -N4 $f | tr -d " ")" = d00dfeed ] &&
		grep -q "luo-6.12,kho-v1" $f && grep -q "kho-test" $f'
}
