# SPDX-License-Identifier: GPL-2.0
# Shared settings of the harness scripts; sourced, never run.
#
# Everything the harness builds goes to build/ (git-ignored), everything it
# downloads goes to a cache outside the clone, so a second run is fast and a
# cold run still works.

set -euo pipefail

LUO_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LUO_HARNESS=$LUO_TOP/harness
LUO_BUILD=${LUO_BUILD:-$LUO_TOP/build}
LUO_CACHE=${LUO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/luo-6.12}
LUO_TREE=$LUO_BUILD/linux		# assembled source tree
LUO_OBJ=$LUO_BUILD/obj			# kernel build output (O=)
LUO_JOBS=${LUO_JOBS:-$(nproc)}

# Top-level directories of the repo that mirror the kernel tree: every file
# below them is a file the series adds and is linked into $LUO_TREE.
LUO_OVERLAY_DIRS="arch drivers include kernel lib mm tools Documentation"

export CCACHE_DIR=${CCACHE_DIR:-$LUO_CACHE/ccache}
# Fixed build identity keeps init/version.c and ccache hits stable.
export KBUILD_BUILD_USER=luo KBUILD_BUILD_HOST=harness
export KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC"

luo_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
luo_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Version string of the pinned base package.
luo_pinned_version() { grep -v '^#' "$LUO_HARNESS/base-version" | head -n1; }

# Directory holding the unpacked pristine base; written by fetch-base.sh.
luo_base_dir() { cat "$LUO_CACHE/base/current" 2>/dev/null || true; }

# Patch files listed in the repo's series, one path per line.
luo_series_patches() {
	sed -e '/^#/d' -e '/^$/d' -e "s|^|$LUO_TOP/patches/|" \
		"$LUO_TOP/patches/series"
}

# Checksum of the quilt series: what build/linux/.luo-patches records.
luo_series_sum() {
	cat "$LUO_TOP/patches/series" $(luo_series_patches) | sha256sum | cut -d' ' -f1
}
