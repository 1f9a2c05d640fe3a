# SPDX-License-Identifier: GPL-2.0
# Damaged memfd handovers. Stage 1: nine sessions hold a 1 MiB memfd
# each, and fault injection (/sys/kernel/debug/memfd_luo/corrupt, with
# CONFIG_LIVEUPDATE_TEST) damages the handover of each in its own way
# when the kexec freezes it (a bit flipped under the checksum, or fields
# wrong under a checksum that matches, as a buggy kernel would write
# them); a tenth session is left alone, and an eleventh holds a sound
# memfd and a damaged one. A twelfth holds a memfd fallocate()d over
# memory just filled with a pattern, written in every other page, with
# blocks past its end (FALLOC_FL_KEEP_SIZE). Stage 2: RETRIEVE_FD refuses
# every damaged memfd with EINVAL and a log line; a session whose only
# memfd was refused ends with its process and is not handed out again;
# the sound memfds come back whole; the tenth session's
# FINISH finds its unretrieved memfd damaged, says so and leaves its
# memory alone; LUO's FINISH releases the memory of all damaged ones.
# The fallocate()d memfd comes back with its data, and the pages never
# written read as zeroes, not as the pattern (init_on_alloc=0: pages are
# not zeroed when allocated, as on kernels built without
# CONFIG_INIT_ON_ALLOC_DEFAULT_ON). A thirteenth holds an 8 MiB THP
# memfd with a wrong page count that nobody retrieves: KHO builds its
# 2 MiB folios ahead of a restore (built_pages in KHO's debugfs stats),
# and LUO's FINISH, which leaves a damaged memfd's memory to KHO, must
# undo and free them with the rest. Fault injection (KHO's debugfs
# in/occupy) makes preserved pages look in use by the next kernel: the
# first page of a 1 MiB memfd (a reserved page), the head of an 8 MiB
# THP memfd's first folio and a tail of the damaged THP memfd's (folios
# built ahead); RETRIEVE_FD refuses the first two with EBUSY and a log
# line, and the release leaves the third folio alone, with a log line.
#
# stages: 2
# qemu: -m 2G -smp 2
# append: kho=on liveupdate=on init_on_alloc=0
# timeout: 180
# expect: 1 preserved_flags
# expect: 1 preserved_chunk
# expect: 1 preserved_sound
# expect: 1 preserved_mixed
# expect: 1 preserved_falloc
# expect: 1 preserved_unclaimed_thp
# expect: 1 preserved_occupied_4k
# expect: 1 preserved_occupied_thp
# expect: 1 unclaimed_thp_is_huge
# expect: 1 frames_known
# expect: 1 unknown_kind_refused
# expect: 2 refused_flags
# expect: 2 logged_flags
# expect: 2 refused_reserved
# expect: 2 logged_reserved
# expect: 2 refused_order
# expect: 2 logged_order
# expect: 2 refused_beyond
# expect: 2 logged_beyond
# expect: 2 refused_frames
# expect: 2 logged_frames
# expect: 2 refused_count
# expect: 2 logged_count
# expect: 2 refused_seals
# expect: 2 logged_seals
# expect: 2 refused_chunk
# expect: 2 logged_chunk
# expect: 2 refused_checksum
# expect: 2 logged_checksum
# expect: 2 refused_session_ended
# expect: 2 sound_memfd_intact
# expect: 2 mixed_sound_memfd_intact
# expect: 2 falloc_unwritten_pages_zero
# expect: 2 unretrieved_damage_logged
# expect: 2 large_folios_built_ahead
# expect: 2 occupied_4k
# expect: 2 occupied_4k_refused
# expect: 2 occupied_4k_logged
# expect: 2 occupied_thp
# expect: 2 occupied_thp_refused
# expect: 2 occupied_thp_logged
# expect: 2 occupied_tail
# expect: 2 occupied_tail_not_freed
# expect: 2 refused_memory_released

BENCH=/luotest/bin/liveupdate_bench
KINDS="flags reserved order beyond frames count seals chunk checksum"
CORRUPT=/sys/kernel/debug/memfd_luo/corrupt

# reason KIND: what the next kernel says is wrong with a memfd damaged so.
reason() {
	case $1 in
	flags)		echo "unknown extent flags" ;;
	reserved)	echo "a reserved field of an extent is set" ;;
	order)		echo "an order the page cache does not take" ;;
	beyond)		echo "an extent reaches past the end of the file" ;;
	frames)		echo "a contiguous extent runs past 32-bit page frames" ;;
	count)		echo "its page count is not what its extents add up to" ;;
	seals)		echo "unknown seals" ;;
	chunk)		echo "chunk at .* is corrupt: it says it holds more than it can" ;;
	checksum)	echo "chunk at .* is corrupt: checksum mismatch" ;;
	esac
}

stage1() {
	t=1
	for k in $KINDS; do
		$BENCH preserve 1-4k "c_$k" $t > "/tmp/c_$k.out" 2>&1 &
		tap_check "preserved_$k" wait_for "/tmp/c_$k.out" ready 60
		echo "$t $k" > $CORRUPT
		t=$((t + 1))
	done
	$BENCH preserve 1-4k sound 20 > /tmp/sound.out 2>&1 &
	tap_check preserved_sound wait_for /tmp/sound.out ready 60
	$BENCH preserve 1-4k mixed 21 22 > /tmp/mixed.out 2>&1 &
	tap_check preserved_mixed wait_for /tmp/mixed.out ready 60
	echo "22 count" > $CORRUPT
	$BENCH preserve 8-falloc falloc 23 > /tmp/falloc.out 2>&1 &
	tap_check preserved_falloc wait_for /tmp/falloc.out ready 60
	echo advise > /sys/kernel/mm/transparent_hugepage/shmem_enabled
	$BENCH preserve 8-thp unclaimed 24 > /tmp/unclaimed.out 2>&1 &
	tap_check preserved_unclaimed_thp wait_for /tmp/unclaimed.out ready 60
	echo "24 count" > $CORRUPT
	$BENCH preserve 1-4k occ4k 25 > /tmp/occ4k.out 2>&1 &
	tap_check preserved_occupied_4k wait_for /tmp/occ4k.out ready 60
	$BENCH preserve 8-thp occthp 26 > /tmp/occthp.out 2>&1 &
	tap_check preserved_occupied_thp wait_for /tmp/occthp.out ready 60
	# The checks of folios built ahead need both memfds' 2 MiB folios.
	tap_check unclaimed_thp_is_huge sh -c \
		"awk '/^ShmemHugePages:/ { exit !(\$2 >= 16384) }' /proc/meminfo"
	tap_check unknown_kind_refused sh -c "! echo '1 nonsense' > $CORRUPT"
	# Where their first data pages are, for stage 2's fault injection.
	pfn() { sed -n 's/.*first_pfn=//p' "$1"; }
	p4=$(pfn /tmp/occ4k.out) pt=$(pfn /tmp/occthp.out)
	pd=$(pfn /tmp/unclaimed.out)
	tap_check frames_known test -n "$p4" -a -n "$pt" -a -n "$pd"
	luotest_kexec --append "luotest.occ4k=$p4 luotest.occthp=$pt luotest.dmgthp=$pd"
}

stage2() {
	released() { sed -n 's/^released_pages=//p' /sys/kernel/debug/kho/in/stats; }
	built() { sed -n 's/^built_pages=//p' /sys/kernel/debug/kho/in/stats; }
	# KHO builds them in the background from boot on: all of them
	# (both THP memfds, 4096 pages) once it says it is done.
	built_ahead() {
		n=50
		until grep -q '^build_done=1$' /sys/kernel/debug/kho/in/stats; do
			n=$((n - 1))
			[ $n -gt 0 ] || break
			sleep 0.2
		done
		[ "$(built)" -ge 4096 ] ||
			{ grep . /sys/kernel/debug/kho/in/stats; return 1; }
	}
	tap_check large_folios_built_ahead built_ahead
	occupy() {
		pfn=$(cmdline_arg "luotest.$1")
		[ -n "$pfn" ] || return 1
		printf '%#x' $((pfn * 4096 + $2)) > /sys/kernel/debug/kho/in/occupy
	}
	tap_check occupied_4k occupy occ4k 0
	tap_fails_with occupied_4k_refused "retrieve fd: Device or resource busy" \
		$BENCH retrieve 1-4k occ4k 25
	tap_check occupied_4k_logged sh -c "dmesg | grep -q \
		'KHO: cannot restore folio at .*: page 0 of it is in use by this kernel'"
	tap_check occupied_thp occupy occthp 0
	tap_fails_with occupied_thp_refused "retrieve fd: Device or resource busy" \
		$BENCH retrieve 8-thp occthp 26
	at=$(printf '0x%016x' $(($(cmdline_arg luotest.occthp) * 4096)))
	tap_check occupied_thp_logged sh -c "dmesg | grep -q \
		'KHO: test: the page at $at is now in use by this kernel (built folio)' &&
		dmesg | grep 'KHO: cannot restore folio at' | tail -n1 |
		grep -q '$at: page 0 of it is in use'"
	tap_check occupied_tail occupy dmgthp 4096
	t=1
	for k in $KINDS; do
		tap_fails_with "refused_$k" "retrieve fd: Invalid argument" \
			$BENCH retrieve 1-4k "c_$k" $t
		tap_check "logged_$k" sh -c \
			"dmesg | grep 'memfd_luo: .*is corrupt' | tail -n1 |
			 grep '$(reason $k)'"
		t=$((t + 1))
	done
	tap_fails_with refused_session_ended \
		"retrieve session c_flags: Invalid argument" \
		$BENCH retrieve 1-4k c_flags 1
	tap_check sound_memfd_intact $BENCH retrieve 1-4k sound 20
	tap_check mixed_sound_memfd_intact $BENCH retrieve 1-4k mixed 21
	tap_check falloc_unwritten_pages_zero $BENCH retrieve 8-falloc falloc 23
	tap_check unretrieved_damage_logged sh -c \
		"dmesg | grep -q 'memfd_luo: unretrieved memfd at .* is corrupt: $(reason count)'"
	before=$(released)
	luoctl finish > /tmp/finish.out 2>&1
	after=$(released)
	# 10 damaged memfds of 256 pages, each with its chunk; the damaged
	# THP memfd's 2048 pages but its first 2 MiB folio; and what the
	# refused retrieves left: the 4 KiB memfd's 255 pages after its
	# first, the THP memfd's three 2 MiB folios after its first.
	tap_check refused_memory_released \
		test $((after - before)) -ge $((10 * 256 + 1536 + 255 + 1536))
	tap_check occupied_tail_not_freed sh -c "dmesg | grep -q \
		'KHO: not freeing 512 pages at pfn $(cmdline_arg luotest.dmgthp): a page'"
}
