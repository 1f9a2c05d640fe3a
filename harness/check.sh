#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: build everything, run every scenario in QEMU and the host
# tests, and collect one report whose last line is "N passed, N failed".
# LUO_TESTS="name ..." runs only those scenarios. LUO_CHECK_DEBUG=1
# (make check-debug) runs them on the debug kernel (lockdep, KASAN,
# kmemleak), with longer timeouts.
. "$(dirname "$0")/lib.sh"

if [ -n "${LUO_CHECK_DEBUG:-}" ]; then
	"$LUO_HARNESS/build.sh" off debug
	export LUO_SCENARIO_KERNEL=debug LUO_TIMEOUT_SCALE=4
	LUO_BUILD_RESULTS=$LUO_BUILD/results-debug
else
	"$LUO_HARNESS/build.sh" off
fi

results=${LUO_BUILD_RESULTS:-$LUO_BUILD/results}
rm -rf "$results"
mkdir -p "$results"
names=${LUO_TESTS:-$(cd "$LUO_HARNESS/scenarios" && ls *.sh | sed 's/\.sh$//')}
for n in $names; do
	"$LUO_HARNESS/run-scenario.sh" "$n" "$results/$n"
done

# Host-side tests, each printing KTAP: the collector's own tests (on
# synthetic runs and on a real one), the static checks of the series, and
# the mailable series itself (it must apply with git am on the base).
real=$results/kexec-roundtrip
host_ok=0 host_bad=0
host_test() {	# $1 = name, rest = command printing KTAP
	name=$1
	shift
	"$@" > "$LUO_BUILD/$name.ktap" 2>&1 || true
	ok=$(grep -c '^ok ' "$LUO_BUILD/$name.ktap" || true)
	bad=$(grep -c '^not ok ' "$LUO_BUILD/$name.ktap" || true)
	[ $((ok + bad)) -gt 0 ] || bad=1	# printed no result: failed
	grep '^not ok\|^# ' "$LUO_BUILD/$name.ktap" | sed "s/^/$name: /" || true
	printf '%-28s %3d passed, %d failed\n' "host:$name" "$ok" "$bad"
	host_ok=$((host_ok + ok)) host_bad=$((host_bad + bad))
}
# (the case on a real run is left out when kexec-roundtrip did not run)
host_test test_collect "$LUO_HARNESS/test_collect.py" "$LUO_TREE" "$real"
host_test lint "$LUO_HARNESS/lint.sh"
host_test series "$LUO_HARNESS/series-check.sh"

exec "$LUO_HARNESS/collect.py" --tree "$LUO_TREE" \
	--scenarios "$LUO_HARNESS/scenarios" --extra "$host_ok" "$host_bad" \
	$(for n in $names; do echo "$results/$n"; done)
