#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build the test kernel in build/obj (out of tree, ccache).
#
# The config is regenerated only when the fragments changed, and then
# checked: every symbol of the fragments must have its value after
# olddefconfig, or the build fails naming the ones that did not stick.
. "$(dirname "$0")/lib.sh"

# LUO_KERNEL_VARIANT=off builds the kernel without the series' options
# (build/obj-off, build/bzImage-off); =debug adds kconfig/debug.config
# (lockdep, KASAN, kmemleak, allocation profiling) to the series' options.
variant=${LUO_KERNEL_VARIANT:-on}
fragments=$LUO_HARNESS/kconfig/test.config
case $variant in
on)	fragments+=" $LUO_HARNESS/kconfig/liveupdate.config" ;;
off)	;;
debug)	fragments+=" $LUO_HARNESS/kconfig/liveupdate.config $LUO_HARNESS/kconfig/debug.config" ;;
*)	luo_die "unknown kernel variant $variant" ;;
esac
image=$LUO_BUILD/bzImage
if [ "$variant" != on ]; then
	LUO_OBJ=$LUO_BUILD/obj-$variant
	image=$LUO_BUILD/bzImage-$variant
fi
kmake() {
	make -s -C "$LUO_TREE" O="$LUO_OBJ" ARCH=x86_64 \
		CC="ccache gcc" HOSTCC="ccache gcc" -j"$LUO_JOBS" "$@"
}

mkdir -p "$LUO_OBJ" "$CCACHE_DIR"
sum=$(cat $fragments | sha256sum | cut -d' ' -f1)
if [ ! -f "$LUO_OBJ/.config" ] || [ "$(cat "$LUO_OBJ/.luo-config" 2>/dev/null)" != "$sum" ]; then
	luo_log "configuring: tinyconfig + ${fragments//$LUO_TOP\//}"
	kmake tinyconfig >/dev/null
	"$LUO_TREE/scripts/kconfig/merge_config.sh" -m -O "$LUO_OBJ" \
		"$LUO_OBJ/.config" $fragments >/dev/null
	kmake olddefconfig >/dev/null
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n)	sym=${line%%=*}
				grep -q "^$sym=" "$LUO_OBJ/.config" && {
					luo_log "did not stick: $line"; bad=1; } ;;
		CONFIG_*=*)	grep -qxF "$line" "$LUO_OBJ/.config" || {
					luo_log "did not stick: $line (have: $(grep "^${line%%=*}=" "$LUO_OBJ/.config" || echo unset))"
					bad=1; } ;;
		esac
	done < <(cat $fragments)
	[ $bad -eq 0 ] || luo_die "config fragment did not stick (dependencies?)"
	echo "$sum" > "$LUO_OBJ/.luo-config"
fi

luo_log "building bzImage ($variant; ccache in $CCACHE_DIR)"
kmake bzImage
ln -sf "$LUO_OBJ/arch/x86/boot/bzImage" "$image"
luo_log "kernel ($variant): $image ($(stat -L -c %s "$image") bytes)"
