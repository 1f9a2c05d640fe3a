#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the KHO benchmark (harness/bench/bench-kho.sh) and the memfd
# benchmark (harness/bench/bench-memfd.sh), the latter on this series and
# on mainline 7.3 (harness/mkmainline.sh), side by side.
. "$(dirname "$0")/lib.sh"

"$LUO_HARNESS/build.sh"
"$LUO_HARNESS/mkmainline.sh"
# The initramfs carries every bzImage-*: mainline's too, now.
LUO_INITRAMFS_MAINLINE=1 "$LUO_HARNESS/mkinitramfs.sh"
rc=0
out=$LUO_BUILD/results/bench-kho
if [ -z "$LUO_BENCH_SKIP_KHO" ]; then
	"$LUO_HARNESS/run-scenario.sh" "$LUO_HARNESS/bench/bench-kho.sh" "$out"
	"$LUO_HARNESS/bench_report.py" "$out/console.tlog" || rc=1
	"$LUO_HARNESS/collect.py" --tree "$LUO_TREE" --scenarios "$LUO_HARNESS/bench" "$out" || rc=1
fi
# A subset: LUO_BENCH_CASES="plain 1024-4k" LUO_BENCH_ROUNDS=3 make bench
memfd_append=""
[ -z "${LUO_BENCH_CASES:-}" ] ||
	memfd_append+=" luotest.bench_cases=$(echo $LUO_BENCH_CASES | tr ' ' ,)"
[ -z "${LUO_BENCH_ROUNDS:-}" ] ||
	memfd_append+=" luotest.bench_rounds=$LUO_BENCH_ROUNDS"
for k in ${LUO_BENCH_KERNELS:-ours mainline}; do
	out=$LUO_BUILD/results/bench-memfd-$k
	[ $k = ours ] && variant="" || variant=$k
	LUO_APPEND="${LUO_APPEND:-}$memfd_append" \
	LUO_SCENARIO_KERNEL=$variant "$LUO_HARNESS/run-scenario.sh" \
		"$LUO_HARNESS/bench/bench-memfd.sh" "$out"
done
logs=()
for k in ${LUO_BENCH_KERNELS:-ours mainline}; do
	logs+=("$k=$LUO_BUILD/results/bench-memfd-$k/console.tlog")
done
"$LUO_HARNESS/bench_memfd_report.py" "${logs[@]}" || rc=1
# Back to the initramfs of the tests.
"$LUO_HARNESS/mkinitramfs.sh"
exit $rc
