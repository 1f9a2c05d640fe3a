# SPDX-License-Identifier: GPL-2.0
# KHO benchmark (make bench), not a test: kexecs in rounds, each round a
# plain kexec (nothing preserved) and kexecs with 0.25, 1 and 4 GiB
# preserved in 4 KiB folios, 1 GiB of 4 KiB folios scattered by an
# allocation churn first (every folio its own run: the worst case for
# the preserved-memory map) and 1 GiB in 2 MiB folios, one after the
# other in one QEMU run, so that their times compare side by side.
# Each next kernel restores what was preserved (bulk-verify, timed) and
# checks one stamp word in every page. bench_report.py reads the logs.
#
# stages: 37
# qemu: -m 6G -smp 2
# append: kho=on
# timeout: 900

BENCH_CONFIGS="plain 256M-0 1G-0 4G-0 1G-0f 1G-9"
BENCH_ROUNDS=6

bench_stage() {
	prev=$(cmdline_arg luotest.bench)
	if [ -n "$prev" ] && [ "$prev" != plain ]; then
		echo bulk-verify > /sys/kernel/debug/kho_test/cmd
		r=$(cat /sys/kernel/debug/kho_test/bulk_result)
		luotest_mark "bench $prev $r"
		case $r in
		*" bad=0 missing=0 "*) tap_ok "verify_$prev" ;;
		*) tap_fail "verify_$prev" "$r" ;;
		esac
	fi
	n=$(echo $BENCH_CONFIGS | wc -w)
	[ "$LUOTEST_STAGE" -le $((n * BENCH_ROUNDS)) ] || return 0
	cfg=$(echo $BENCH_CONFIGS | cut -d' ' -f$(( (LUOTEST_STAGE - 1) % n + 1 )))
	if [ "$cfg" != plain ]; then
		case $cfg in
		*f) echo churn 2048 > /sys/kernel/debug/kho_test/cmd; cfg=${cfg%f} ;;
		esac
		mib=${cfg%-*}
		case $mib in *G) mib=$((${mib%G} * 1024)) ;; *M) mib=${mib%M} ;; esac
		tap_check "preserve_$cfg" sh -c \
			"echo bulk $mib ${cfg#*-} $LUOTEST_STAGE > /sys/kernel/debug/kho_test/cmd"
	fi
	luotest_kexec --append "luotest.bench=$(echo $BENCH_CONFIGS | cut -d' ' -f$(( (LUOTEST_STAGE - 1) % n + 1 )))"
}

for i in $(seq 1 37); do eval "stage$i() { bench_stage; }"; done
