#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the main job. Builds what is needed, performs a real live
# update in QEMU (kexec into the next kernel), checks what the scenario
# says must have survived, and prints the timeline with the blackout.
. "$(dirname "$0")/lib.sh"

"$LUO_HARNESS/build.sh"

out=$LUO_BUILD/results/demo
"$LUO_HARNESS/run-scenario.sh" demo "$out"
echo
"$LUO_HARNESS/timeline.py" "$out/console.tlog" || true
echo
"$LUO_HARNESS/collect.py" --tree "$LUO_TREE" --scenarios "$LUO_HARNESS/scenarios" "$out"
