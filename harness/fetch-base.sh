#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch and unpack the base kernel: Debian's linux-source-6.12 at the
# version pinned in harness/base-version. No system change: apt-get
# download + dpkg-deb -x into the cache. Prints the base actually used.
. "$(dirname "$0")/lib.sh"

pkg=linux-source-6.12
want=$(luo_pinned_version)
base=$LUO_CACHE/base

unpack() {	# $1 = version
	local ver=$1 dir=$base/$1 deb
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir" && mkdir -p "$dir/deb"
		if ! (cd "$dir/deb" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1); then
			rm -rf "$dir"
			return 1
		fi
		deb=$(ls "$dir"/deb/*.deb)
		dpkg-deb -x "$deb" "$dir/x"
		tar -C "$dir" -xf "$dir"/x/usr/src/$pkg.tar.xz
		rm -rf "$dir/x" "$dir/deb"
		# The base is read-only reference material.
		chmod -R a-w "$dir/$pkg"
		touch "$dir/.unpacked"
	fi
	echo "$dir/$pkg" > "$base/current"
	echo "$ver" > "$base/current-version"
}

mkdir -p "$base"
if ! unpack "$want"; then
	apt-get update -qq >/dev/null 2>&1 || true
	if ! unpack "$want"; then
		newest=$(apt-cache madison "$pkg" | awk '{print $3}' |
			 sort -V | tail -n1)
		[ -n "$newest" ] || luo_die "no $pkg in the Debian archive"
		cat >&2 <<-MSG
		################################################################
		WARNING: pinned base $pkg $want is no longer in the archive.
		WARNING: falling back to the newest one: $newest.
		WARNING: patches/ may not apply; update harness/base-version.
		################################################################
		MSG
		unpack "$newest" || luo_die "cannot fetch $pkg $newest"
	fi
fi
luo_log "base: $pkg $(cat "$base/current-version") in $(luo_base_dir)"
