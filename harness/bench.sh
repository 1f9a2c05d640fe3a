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
for k in ours mainline; do
	out=$LUO_BUILD/results/bench-memfd-$k
	[ $k = ours ] && variant="" || variant=$k
	LUO_SCENARIO_KERNEL=$variant "$LUO_HARNESS/run-scenario.sh" \
		"$LUO_HARNESS/bench/bench-memfd.sh" "$out"
done
"$LUO_HARNESS/bench_memfd_report.py" \
	"ours=$LUO_BUILD/results/bench-memfd-ours/console.tlog" \
	"mainline=$LUO_BUILD/results/bench-memfd-mainline/console.tlog" || rc=1
# Back to the initramfs of the tests.
"$LUO_HARNESS/mkinitramfs.sh"
exit $rc
