#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make series: see harness/series.py.
. "$(dirname "$0")/lib.sh"
"$LUO_HARNESS/mktree.sh"
exec "$LUO_HARNESS/series.py"
