#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the KHO benchmark (harness/bench/bench-kho.sh) and its report.
. "$(dirname "$0")/lib.sh"

"$LUO_HARNESS/build.sh"
out=$LUO_BUILD/results/bench-kho
"$LUO_HARNESS/run-scenario.sh" "$LUO_HARNESS/bench/bench-kho.sh" "$out"
"$LUO_HARNESS/bench_report.py" "$out/console.tlog"
"$LUO_HARNESS/collect.py" --tree "$LUO_TREE" --scenarios "$LUO_HARNESS/bench" "$out"
