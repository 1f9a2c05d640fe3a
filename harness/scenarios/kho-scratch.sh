# SPDX-License-Identifier: GPL-2.0
# What scratch costs. Stage 1 (kho=on, the default 128 MiB) reports the
# scratch and CMA sizes and shows that movable allocations (tmpfs pages)
# do use scratch (at least 32 MiB of it, once the rest of memory is
# nearly full), so the first kernel does not lose it, and that the next
# kernel, loaded into scratch, is left out of purgatory's checksum.
# Stage 2 boots the same kernel with kho=off and compares MemTotal: what
# KHO costs in memory the kernel can use at all; a kernel it loads there
# is checksummed. The numbers go to the test log.
#
# stages: 2
# qemu: -m 4G -smp 2
# append: kho=on
# expect: 1 scratch_is_cma
# expect: 1 movable_allocations_use_scratch
# expect: 1 kexec_load
# expect: 1 checksum_skipped_in_scratch
# expect: 2 memtotal_within_1_percent
# expect: 2 kexec_load
# expect: 2 checksum_kept_without_kho

. /luotest/kho.sh

meminfo() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }

stage1() {
	scratch=$(kho_scratch_range)
	cma=$(meminfo CmaTotal)
	echo "# kho=on: scratch $scratch MiB; MemTotal $(meminfo MemTotal) kB;" \
		"CmaTotal $cma kB" > /dev/ttyS1
	tap_expect scratch_is_cma "$(( ${scratch#*-} * 1024 ))" echo "$cma"
	# Fill memory with tmpfs (movable) pages, 32 MiB at a time: the page
	# allocator turns to CMA once it is more than half of a zone's free
	# memory, so scratch is used well before memory runs out.
	free_before=$(meminfo CmaFree)
	mkdir -p /tmp/fill && mount -t tmpfs -o size=95% tmpfs /tmp/fill
	i=0
	while [ "$(meminfo CmaFree)" -gt $((free_before - 32768)) ] &&
	      [ "$(meminfo MemFree)" -gt 98304 ]; do
		dd if=/dev/zero of=/tmp/fill/$i bs=1M count=32 2>/dev/null || break
		i=$((i + 1))
	done
	free_after=$(meminfo CmaFree)
	echo "# CmaFree before $free_before kB, after $((i * 32)) MiB of tmpfs" \
		"$free_after kB" > /dev/ttyS1
	if [ "$free_after" -le $((free_before - 32768)) ]; then
		tap_ok movable_allocations_use_scratch
	else
		tap_fail movable_allocations_use_scratch "CmaFree $free_before -> $free_after kB"
	fi
	rm -f /tmp/fill/*
	luotest_kexec --append "kho=off luotest.memtotal_on=$(meminfo MemTotal)" \
		--last-check checksum_skipped_in_scratch "dmesg | grep -q '$NO_CHECKSUM'"
}

NO_CHECKSUM='all segments lie in KHO scratch: purgatory does not checksum them'

stage2() {
	on=$(cmdline_arg luotest.memtotal_on)
	off=$(meminfo MemTotal)
	echo "# MemTotal kho=on $on kB, kho=off $off kB, difference $((off - on)) kB" > /dev/ttyS1
	d=$((off - on))
	[ $d -lt 0 ] && d=$((-d))
	if [ $d -le $((off / 100)) ]; then
		tap_ok memtotal_within_1_percent
	else
		tap_fail memtotal_within_1_percent "kho=on $on kB, kho=off $off kB"
	fi
	# With KHO really off (it says so, ignoring the handover).
	luotest_kexec --noexec --last-check checksum_kept_without_kho \
		"dmesg | grep 'KHO: kho=off' && ! dmesg | grep '$NO_CHECKSUM'"
}
