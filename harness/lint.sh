#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the files the series adds, printed as KTAP (make check
# counts them): W=1 build and sparse in a separate object directory (so
# the test kernel's objects keep their flags), kernel-doc -none, and
# checkpatch --strict. A warning in a file of the series fails the check;
# warnings the base tree already has in files we patch are listed only.
. "$(dirname "$0")/lib.sh"

obj=$LUO_BUILD/obj-lint
log=$LUO_BUILD/lint
mkdir -p "$obj" "$log"
cp "$LUO_OBJ/.config" "$obj/.config.new"
cmp -s "$obj/.config.new" "$obj/.config" || cp "$obj/.config.new" "$obj/.config"
kmake() {
	make -s -C "$LUO_TREE" O="$obj" ARCH=x86_64 CC="ccache gcc" \
		HOSTCC="ccache gcc" -j"$LUO_JOBS" "$@"
}
ours=$(cd "$LUO_TOP" && ls kernel/liveupdate/*.[ch] drivers/misc/liveupdate/*.[ch] \
	include/linux/kexec_handover.h include/linux/liveupdate.h \
	include/linux/liveupdate/*.h include/uapi/linux/liveupdate.h 2>/dev/null || true)
ours_re=$(echo $ours | sed 's/ /|/g; s/\./\\./g')
targets="kernel/liveupdate/ drivers/misc/liveupdate/ mm/memblock.o
	 arch/x86/kernel/setup.o arch/x86/kernel/kexec-bzimage64.o
	 kernel/kexec_file.o kernel/kexec_core.o kernel/kexec.o"

n=0
results=()
result() {	# $1 = ok|not ok, $2 = name, $3 = log file
	n=$((n + 1))
	if [ "$1" = ok ]; then
		results+=("ok $n $2")
	else
		results+=("$(sed 's/^/# /' "$3" | head -n 20)" "not ok $n $2")
	fi
}

kmake olddefconfig prepare >/dev/null 2>&1
# Touch nothing: force a rebuild of our objects by removing them.
rm -f "$obj"/kernel/liveupdate/*.o "$obj"/drivers/misc/liveupdate/*.o
kmake W=1 $targets > "$log/w1.out" 2>&1 || echo "build failed" >> "$log/w1.out"
grep -E "($ours_re).*(warning|error)|build failed" "$log/w1.out" > "$log/w1.bad" || true
[ -s "$log/w1.bad" ] && result "not ok" w1_build_no_warnings "$log/w1.bad" ||
	result ok w1_build_no_warnings

rm -f "$obj"/kernel/liveupdate/*.o "$obj"/drivers/misc/liveupdate/*.o
kmake C=1 kernel/liveupdate/ drivers/misc/liveupdate/ > "$log/sparse.out" 2>&1 || true
grep -E "($ours_re):[0-9]+:[0-9]+: (warning|error)" "$log/sparse.out" > "$log/sparse.bad" || true
[ -s "$log/sparse.bad" ] && result "not ok" sparse_clean "$log/sparse.bad" ||
	result ok sparse_clean

(cd "$LUO_TREE" && scripts/kernel-doc -none $ours) > "$log/kdoc.bad" 2>&1 || true
[ -s "$log/kdoc.bad" ] && result "not ok" kernel_doc_clean "$log/kdoc.bad" ||
	result ok kernel_doc_clean

tools=$(cd "$LUO_TOP" && ls tools/liveupdate/*.c tools/testing/selftests/liveupdate/*.c 2>/dev/null || true)
(cd "$LUO_TREE" && perl scripts/checkpatch.pl --no-tree --strict --terse \
	--show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f $ours $tools) \
	> "$log/checkpatch.out" 2>&1 || true
grep -E ": (ERROR|WARNING):" "$log/checkpatch.out" > "$log/checkpatch.bad" || true
[ -s "$log/checkpatch.bad" ] && result "not ok" checkpatch_strict_no_errors_warnings "$log/checkpatch.bad" ||
	result ok checkpatch_strict_no_errors_warnings

echo "KTAP version 1"
echo "1..$n"
printf '%s\n' "${results[@]}"
