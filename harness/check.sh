#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: build everything, run every scenario in QEMU and the host
# tests, and collect one report whose last line is "N passed, N failed".
# LUO_TESTS="name ..." runs only those scenarios.
. "$(dirname "$0")/lib.sh"

"$LUO_HARNESS/deps.sh"
"$LUO_HARNESS/mktree.sh"
"$LUO_HARNESS/mkkernel.sh"
LUO_KERNEL_VARIANT=off "$LUO_HARNESS/mkkernel.sh"
"$LUO_HARNESS/mkselftests.sh"
"$LUO_HARNESS/mkinitramfs.sh"

results=$LUO_BUILD/results
rm -rf "$results"
mkdir -p "$results"
names=${LUO_TESTS:-$(cd "$LUO_HARNESS/scenarios" && ls *.sh | sed 's/\.sh$//')}
for n in $names; do
	"$LUO_HARNESS/run-scenario.sh" "$n" "$results/$n"
done

# The collector's own tests, on synthetic runs and on a real one.
real=$results/kexec-roundtrip
"$LUO_HARNESS/test_collect.py" "$LUO_TREE" "$real" > "$LUO_BUILD/test_collect.ktap" || true
host_ok=$(grep -c '^ok ' "$LUO_BUILD/test_collect.ktap" || true)
host_bad=$(grep -c '^not ok ' "$LUO_BUILD/test_collect.ktap" || true)
grep '^not ok\|^# ' "$LUO_BUILD/test_collect.ktap" | sed 's/^/test_collect: /' || true
[ -d "$real" ] || { host_bad=$((host_bad + 1)); echo "test_collect: no real run to check"; }
printf '%-28s %3d passed, %d failed\n' host:test_collect "$host_ok" "$host_bad"

exec "$LUO_HARNESS/collect.py" --tree "$LUO_TREE" \
	--scenarios "$LUO_HARNESS/scenarios" --extra "$host_ok" "$host_bad" \
	$(for n in $names; do echo "$results/$n"; done)
