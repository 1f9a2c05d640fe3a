#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make series as a test, printed as KTAP: the series is generated, applies
# with git am on the pristine base and equals build/linux (series.py
# checks both and fails otherwise), and checkpatch finds no error in it.
. "$(dirname "$0")/lib.sh"

out=$LUO_BUILD/series-check.log
echo "KTAP version 1"
echo "1..2"
if "$LUO_HARNESS/series.py" > "$out" 2>&1; then
	echo "ok 1 series_applies_with_git_am_and_matches_tree"
else
	sed 's/^/# /' "$out" | tail -n 5
	echo "not ok 1 series_applies_with_git_am_and_matches_tree"
fi
errors=$(sed -n 's/^series: checkpatch --strict: \([0-9]*\) errors.*/\1/p' "$out")
if [ "${errors:-x}" = 0 ]; then
	echo "ok 2 series_checkpatch_no_errors"
else
	grep ': ERROR:' "$LUO_BUILD/series/checkpatch.txt" 2>/dev/null | sed 's/^/# /' | head -n 5
	echo "not ok 2 series_checkpatch_no_errors"
fi
