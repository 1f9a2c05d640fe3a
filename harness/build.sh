#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Everything a QEMU run needs: the Debian packages, build/linux, the test
# kernel (plus the variants named as arguments: off, debug), the guest
# binaries and the initramfs. Used by make check, demo and bench.
. "$(dirname "$0")/lib.sh"

"$LUO_HARNESS/deps.sh"
"$LUO_HARNESS/mktree.sh"
"$LUO_HARNESS/mkkernel.sh"
for variant in "$@"; do
	LUO_KERNEL_VARIANT=$variant "$LUO_HARNESS/mkkernel.sh"
done
"$LUO_HARNESS/mkselftests.sh"
"$LUO_HARNESS/mkinitramfs.sh"
