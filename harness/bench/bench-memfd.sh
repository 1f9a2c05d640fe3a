# SPDX-License-Identifier: GPL-2.0
# memfd benchmark (make bench), not a test: the same workload, written
# against mainline's session ABI (liveupdate_bench), runs on this series
# and, in a second QEMU run, on mainline 7.3. Each round kexecs once
# with nothing preserved (plain) and once per case with one memfd held
# in a session through a plain kexec -e (which freezes the sessions on
# both kernels). The next kernel retrieves the memfd (timed) and checks
# the stamp of every data page. bench_memfd_report.py reads both logs.
# luotest.bench_cases=A,B,... and luotest.bench_rounds=N on the command
# line (LUO_BENCH_CASES and LUO_BENCH_ROUNDS of make bench) choose what
# runs, up to 39 kexecs.
#
# stages: 17
# qemu: -m 6G -smp 2
# append: kho=on liveupdate=on nokaslr
# timeout: 1200

BENCH_CASES="plain 256-4k 1024-4k 4096-4k 1024-frag 1024-thp 4096-thp 1024-sparse"
[ -z "$(cmdline_arg luotest.bench_cases)" ] ||
	BENCH_CASES=$(cmdline_arg luotest.bench_cases | tr , ' ')
BENCH_ROUNDS=$(cmdline_arg luotest.bench_rounds)
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH=/luotest/bin/liveupdate_bench

bench_stage() {
	prev=$(cmdline_arg luotest.bench)
	if [ -n "$prev" ] && [ "$prev" != plain ]; then
		tap_check "retrieve_$prev" $BENCH retrieve $prev
	fi
	n=$(echo $BENCH_CASES | wc -w)
	[ "$LUOTEST_STAGE" -le $((n * BENCH_ROUNDS)) ] || return 0
	cfg=$(echo $BENCH_CASES | cut -d' ' -f$(( (LUOTEST_STAGE - 1) % n + 1 )))
	echo advise > /sys/kernel/mm/transparent_hugepage/shmem_enabled
	if [ "$cfg" != plain ]; then
		$BENCH preserve $cfg > /tmp/bench.out 2>&1 &
		tap_check "preserve_$cfg" wait_for /tmp/bench.out ready 120
	fi
	luotest_mark "bench case=$cfg"
	luotest_kexec --append "luotest.bench=$cfg"
}

for i in $(seq 1 40); do eval "stage$i() { bench_stage; }"; done
