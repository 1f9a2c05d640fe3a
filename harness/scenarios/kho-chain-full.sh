# SPDX-License-Identifier: GPL-2.0
# Chained live updates on a host whose RAM is mostly preserved: three
# kexecs in a row on a 4 GiB guest, each kernel preserving at least 75%
# of the RAM it manages (MemTotal: on the debug kernel KASAN's shadow
# takes an eighth of the guest) in order-0 folios and folios of mixed orders (up to 2 MiB),
# scattered by a churn first, so that no large free hole is left for the
# next kernel. Each kernel restores and checks everything, then preserves
# again. Each must keep the scratch it was booted in (same base and
# size: a fresh hole does not exist), and MemTotal must not shrink (by
# more than the few pages it moves between any two boots).
# The kexecs are LUO updates, so that FINISH returns the incoming memory
# map before MemTotal is read: the map's size depends on how scattered
# the folios were, and while it is reserved MemTotal varies with it.
#
# stages: 4
# qemu: -m 4G -smp 2
# append: kho=on
# timeout: 900
# expect: 1 most_of_ram_preserved
# expect: 2 folios_verified
# expect: 2 bulk_verified
# expect: 2 scratch_kept
# expect: 2 finish_released_nothing
# expect: 2 memtotal_kept
# expect: 2 most_of_ram_preserved
# expect: 3 folios_verified
# expect: 3 bulk_verified
# expect: 3 scratch_kept
# expect: 3 finish_released_nothing
# expect: 3 memtotal_kept
# expect: 3 most_of_ram_preserved
# expect: 4 folios_verified
# expect: 4 bulk_verified
# expect: 4 scratch_kept
# expect: 4 finish_released_nothing
# expect: 4 memtotal_kept

. /luotest/kho.sh

fill_and_kexec() {
	tap_check churn kho_test_cmd "churn 128"
	tap_check preserve_mixed kho_test_cmd "preserve 300 $((500 + LUOTEST_STAGE))"
	# All that is left but scratch (CMA) and some room for user space.
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	cma=$(awk '/^CmaFree:/ { print int($2 / 1024) }' /proc/meminfo)
	bulk=$((avail - cma - 160))
	echo "$bulk" > /tmp/bulk_mib
	tap_check preserve_bulk kho_test_cmd "bulk $bulk 0 $((600 + LUOTEST_STAGE))"
	tap_check most_of_ram_preserved preserved_percent_at_least 75 \
		$(($(memtotal_kb) * 1024))
	luotest_kexec --update --append "luotest.scratch=$(kho_scratch_range) luotest.memtotal=$(memtotal_kb) luotest.bulk=$bulk"
}

verify() {
	tap_expect folios_verified \
		"folios=300 bad_order=0 bad_bytes=0 missing=0" kho_test_result
	kho_test_cmd bulk-verify
	tap_expect bulk_verified \
		"folios=$(($(cmdline_arg luotest.bulk) * 256)) bad=0 missing=0" \
		sh -c "cut -d' ' -f1-3 $KHO_TEST/bulk_result"
	tap_expect scratch_kept "$(cmdline_arg luotest.scratch)" kho_scratch_range
	tap_check finish luoctl finish
	tap_check finish_released_nothing \
		sh -c "dmesg | grep 'KHO: released 0 unclaimed pages'"
	# Between two boots of the same kernel MemTotal moves by a page or
	# so (seen: 4 kB less, once in a loop of runs), with where segments
	# and early allocations land. What this guards against is far
	# larger: a lost scratch hole costs 128 MiB, an unreleased map MiBs.
	before=$(cmdline_arg luotest.memtotal) now=$(memtotal_kb)
	tap_check memtotal_kept sh -c \
		"echo 'MemTotal $before kB before, $now kB now'; [ $now -ge $((before - 64)) ]"
}

stage1() { fill_and_kexec; }
stage2() { verify; fill_and_kexec; }
stage3() { verify; fill_and_kexec; }
stage4() { verify; }
