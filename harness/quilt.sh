#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# quilt on the assembled tree, whose patches/ is the repo's patches/:
#   harness/quilt.sh new 0005-foo.patch; harness/quilt.sh edit FILE
#   harness/quilt.sh refresh   -> the repo's patches/ is updated in place
. "$(dirname "$0")/lib.sh"
[ -d "$LUO_TREE" ] || luo_die "no tree yet; run: make tree"
cd "$LUO_TREE"
rc=0
quilt --quiltrc "$LUO_HARNESS/quiltrc" "$@" || rc=$?
# What is applied now is what patches/ says: tell make tree.
rm -rf .luo-applied
cp -a "$LUO_TOP/patches" .luo-applied
luo_series_sum > .luo-patches
exit $rc
