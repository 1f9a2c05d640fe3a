#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one scenario in QEMU: harness/run-scenario.sh NAME [OUTDIR]
#
# The scenario's header says how: "# qemu: ARGS" (memory, NUMA, CPUs, -accel),
# "# append: ARGS" (kernel command line), "# timeout: SECONDS", and
# "# kunit: SUITES" (KUnit runs at boot only for scenarios naming suites),
# "# kernel: VARIANT" (boot build/bzImage-VARIANT, e.g. off, and kexec
# into the same). LUO_APPEND adds to the kernel command line (the stages
# keep it across their kexecs).
. "$(dirname "$0")/lib.sh"

name=${1:?usage: run-scenario.sh NAME|FILE [OUTDIR]}
file=$LUO_HARNESS/scenarios/$name.sh
if [ -f "$name" ]; then
	file=$name
	name=$(basename "$name" .sh)
fi
out=${2:-$LUO_BUILD/results/$name}
[ -f "$file" ] || luo_die "no scenario $file"
header() { sed -n "s/^#[[:space:]]*$1:[[:space:]]*//p" "$file" | tr '\n' ' '; }

kunit=0
[ -n "$(header kunit)" ] && kunit=1
append="console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 panic=-1 oops=panic"
append+=" kunit.enable=$kunit luotest.scenario=$name $(header append)"
append+="${LUO_APPEND:+ $LUO_APPEND}"
timeout=$(header timeout)
variant=$(header kernel | tr -d ' ')
variant=${variant:-${LUO_SCENARIO_KERNEL:-}}
timeout=$(( ${timeout:-120} * ${LUO_TIMEOUT_SCALE:-1} ))
kernel=$LUO_BUILD/bzImage${variant:+-$variant}
append+=" luotest.kernel=/boot/$(basename "$kernel")"

rm -rf "$out"
"$LUO_HARNESS/qemu-run.py" --kernel "$kernel" \
	--initrd "$LUO_BUILD/initramfs.cpio" --append "$append" \
	--qemu-args "$(header qemu)" --timeout "$timeout" \
	--outdir "$out" ${LUO_ECHO:+--echo} || true
printf '%-28s %s\n' "$name" "$(cat "$out/status")"
