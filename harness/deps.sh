#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the harness needs, only those missing.
# As root it runs apt-get; otherwise it prints the one line to run.
. "$(dirname "$0")/lib.sh"

pkgs="build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
      rsync python3 git quilt ccache sparse device-tree-compiler
      qemu-system-x86 kexec-tools busybox-static"

missing=()
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	luo_die "missing packages; run: sudo apt-get install -y ${missing[*]}"
fi
luo_log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	luo_die "apt-get install ${missing[*]} failed"
