#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test initramfs: busybox-static, kexec-tools with the shared
# libraries it needs, the test kernel (to kexec into), the guest harness,
# the scenarios and the selftest binaries. Uncompressed cpio: the guest
# repacks its own root as the next kernel's initrd, and TCG is slow at
# decompressing.
. "$(dirname "$0")/lib.sh"

root=$LUO_BUILD/initramfs
out=$LUO_BUILD/initramfs.cpio
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,boot,luotest/scenarios,luotest/bin}

cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done

# kexec-tools is dynamically linked: bring its libraries and loader.
kexec=$(command -v kexec || echo /usr/sbin/kexec)
rm -f "$root/sbin/kexec" "$root/usr/sbin/kexec"
cp "$kexec" "$root/sbin/kexec"
for lib in $(ldd "$kexec" | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

mknod -m 600 "$root/dev/console" c 5 1
cp -L "$LUO_BUILD/bzImage" "$root/boot/bzImage"
# Mainline's kernel only for make bench (LUO_INITRAMFS_MAINLINE=1): every
# kexec of every test hashes and places the whole initramfs in scratch.
for k in "$LUO_BUILD"/bzImage-*; do
	case $k in *-mainline) [ -n "${LUO_INITRAMFS_MAINLINE:-}" ] || continue ;; esac
	if [ -e "$k" ]; then cp -L "$k" "$root/boot/"; fi
done
install -m 755 "$LUO_HARNESS/guest/init" "$root/init"
cp "$LUO_HARNESS"/guest/*.sh "$root/luotest/"
cp "$LUO_HARNESS"/scenarios/*.sh "$LUO_HARNESS"/bench/*.sh "$root/luotest/scenarios/"
if [ -d "$LUO_BUILD/selftests" ]; then
	find "$LUO_BUILD/selftests" -maxdepth 1 -type f -perm -u+x \
		-exec cp {} "$root/luotest/bin/" \;
fi

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out"
luo_log "initramfs: $out ($(stat -c %s "$out") bytes)"
