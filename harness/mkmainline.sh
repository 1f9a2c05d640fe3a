#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the peer kernel of make bench, build/bzImage-mainline: Debian's
# linux-source-7.3 from trixie-backports, fetched with a private apt
# configuration (the system's sources and lists are not touched) and
# unpacked into the cache, configured as tinyconfig + test.config
# (without KUnit) + kconfig/mainline.config, built out of tree with ccache.
. "$(dirname "$0")/lib.sh"

pkg=linux-source-7.3
dir=$LUO_CACHE/mainline
src=$dir/$pkg
obj=$LUO_BUILD/obj-mainline

if [ ! -f "$dir/.unpacked" ]; then
	rm -rf "$dir" && mkdir -p "$dir/apt/lists/partial" "$dir/deb"
	echo "deb http://deb.debian.org/debian trixie-backports main" \
		> "$dir/apt/sources.list"
	apt_opts="-oDir::Etc::SourceList=$dir/apt/sources.list
		  -oDir::Etc::SourceParts=/dev/null -oDir::State::Lists=$dir/apt/lists"
	# shellcheck disable=SC2086
	apt-get $apt_opts update -qq > "$dir/apt.log" 2>&1 &&
	(cd "$dir/deb" && apt-get $apt_opts download -q $pkg >> "$dir/apt.log" 2>&1) ||
		luo_die "cannot download $pkg from trixie-backports (see $dir/apt.log)"
	dpkg-deb -x "$dir"/deb/*.deb "$dir/x"
	tar -C "$dir" -xf "$dir"/x/usr/src/$pkg.tar.xz
	rm -rf "$dir/x" "$dir/deb"
	touch "$dir/.unpacked"
fi

mkdir -p "$obj"
grep -v 'KUNIT\|RUNTIME_TESTING' "$LUO_HARNESS/kconfig/test.config" > "$obj/test.fragment"
cfg_sum=$(cat "$obj/test.fragment" "$LUO_HARNESS/kconfig/mainline.config" | sha256sum)
if [ "$(cat "$obj/.luo-config" 2>/dev/null)" != "$cfg_sum" ]; then
	make -C "$src" O="$obj" tinyconfig > "$obj/config.log" 2>&1
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$obj/test.fragment" "$LUO_HARNESS/kconfig/mainline.config" \
		>> "$obj/config.log" 2>&1
	make -C "$src" O="$obj" olddefconfig >> "$obj/config.log" 2>&1
	for sym in KEXEC_HANDOVER LIVEUPDATE LIVEUPDATE_MEMFD; do
		grep -q "^CONFIG_$sym=y" "$obj/.config" ||
			luo_die "mainline config lost CONFIG_$sym (see $obj/config.log)"
	done
	echo "$cfg_sum" > "$obj/.luo-config"
fi
luo_log "building mainline bzImage (ccache in $CCACHE_DIR)"
make -C "$src" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" -j"$LUO_JOBS" \
	bzImage > "$obj/build.log" 2>&1 || luo_die "mainline build failed (see $obj/build.log)"
cp "$obj/arch/x86/boot/bzImage" "$LUO_BUILD/bzImage-mainline"
luo_log "kernel (mainline): $LUO_BUILD/bzImage-mainline"
