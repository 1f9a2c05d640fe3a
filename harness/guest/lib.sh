# SPDX-License-Identifier: GPL-2.0
# Guest side of the harness, sourced by /init and by the scenarios.
#
# A scenario is a shell file with functions stage1, stage2, ... Each stage
# reports with tap_ok/tap_fail/tap_check/tap_run_kselftest; the results of
# one stage are printed as one KTAP document between LUOTEST BEGIN/END
# lines on /dev/ttyS1. luotest_kexec ends the stage and kexecs into the
# next one.

LUOTEST_OUT=/dev/ttyS1
LUOTEST_RES=/tmp/luotest.results
LUOTEST_N=0

cmdline_arg() {	# $1 = name; prints the value of name= on the command line
	tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n1
}

# wait_for FILE PATTERN [SECONDS]: until PATTERN shows up in FILE (within
# 60 s by default); else print what FILE holds and fail.
wait_for() {
	n=$(( ${3:-60} * 5 ))
	while [ $n -gt 0 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
		n=$((n - 1))
	done
	cat "$1"
	return 1
}

# Mark a moment in the kernel log (ttyS0), with the kernel's timestamp.
luotest_mark() { echo "LUOTEST: $*" > /dev/kmsg; }

tap_result() {	# $1 = ok|not ok, $2 = name, rest = diagnostics
	st=$1 name=$2
	shift 2
	LUOTEST_N=$((LUOTEST_N + 1))
	for d in "$@"; do echo "# $d"; done >> $LUOTEST_RES
	echo "$st $LUOTEST_N $name" >> $LUOTEST_RES
}
tap_ok() { tap_result ok "$@"; }
tap_fail() { tap_result "not ok" "$@"; }

# tap_check NAME CMD...: ok when CMD succeeds; its output goes to the log.
tap_check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "command failed: $*" "$(echo "$out" | tail -n5)"
	fi
}

# tap_expect NAME WANT CMD...: ok when CMD prints exactly WANT.
tap_expect() {
	name=$1 want=$2
	shift 2
	got=$("$@" 2>&1)
	if [ "$got" = "$want" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "$*: want '$want', got '$got'"
	fi
}

# tap_fails_with NAME PATTERN CMD...: ok when CMD fails and what it
# prints matches PATTERN (grep): the error said what went wrong.
tap_fails_with() {
	name=$1 pattern=$2
	shift 2
	if out=$("$@" 2>&1); then
		tap_fail "$name" "$* succeeded: $out"
	elif echo "$out" | grep -q "$pattern"; then
		tap_ok "$name"
	else
		tap_fail "$name" "$* failed, but said: $out"
	fi
}

# tap_run_kselftest NAME BINARY [ARGS]: runs a kselftest binary and nests
# its TAP output as a subtest; its own exit status decides the result.
tap_run_kselftest() {
	name=$1
	shift
	LUOTEST_N=$((LUOTEST_N + 1))
	"$@" > /tmp/ksft.out 2>&1
	rc=$?
	sed 's/^/    /' /tmp/ksft.out >> $LUOTEST_RES
	if [ $rc -eq 0 ]; then
		echo "ok $LUOTEST_N $name" >> $LUOTEST_RES
	else
		echo "not ok $LUOTEST_N $name # exit status $rc" >> $LUOTEST_RES
	fi
}

# Print this stage's results as one KTAP document.
luotest_report() {
	{
		echo "LUOTEST BEGIN $LUOTEST_SCENARIO stage $LUOTEST_STAGE"
		echo "KTAP version 1"
		echo "1..$LUOTEST_N"
		cat $LUOTEST_RES 2>/dev/null
		echo "LUOTEST END $LUOTEST_SCENARIO stage $LUOTEST_STAGE"
	} > $LUOTEST_OUT
	rm -f $LUOTEST_RES
	LUOTEST_N=0
	LUOTEST_REPORTED=1
}

# Pack the running root filesystem as the initrd of the next kernel.
luotest_pack_initrd() {
	(cd / && find . -xdev ! -path './tmp/*' ! -path './proc/*' \
		! -path './sys/*' ! -path './dev/*' | cpio -o -H newc 2>/dev/null) > "$1"
}

# luotest_kexec [--kernel FILE] [--append "ARGS"] [--noexec] [--update]
#               [--prepared "CMD"] [--last-check NAME "CMD"]
# Report this stage, load the next kernel with kexec_file_load and the
# same command line plus luotest.stage=N+1 and ARGS, and kexec into it;
# with --update as a live update, through luoctl prepare -- kexec -e;
# with --prepared, the same, running CMD between PREPARE and kexec -e;
# with --last-check, CMD (a shell command, functions too) is the stage's
# last check NAME, run once the next kernel is loaded (a VMM that stops
# its guest there leaves the initrd packing and the load out of the
# guest's pause; what CMD writes does not reach the next stage).
luotest_kexec() {
	kernel=$(cmdline_arg luotest.kernel) append="" exec=1 update=0
	kernel=${kernel:-/boot/bzImage} prepared="" last_name="" last_cmd=""
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) kernel=$2; shift ;;
		--append) append=$2; shift ;;
		--noexec) exec=0 ;;
		--update) update=1 ;;
		--prepared) update=1 prepared=$2; shift ;;
		--last-check) last_name=$2 last_cmd=$3; shift 2 ;;
		esac
		shift
	done
	luotest_pack_initrd /tmp/next.cpio
	next=$((LUOTEST_STAGE + 1))
	# The next command line: this one, with luotest.stage and every
	# key that ARGS sets again replaced.
	cmd=$(cat /proc/cmdline)
	for w in luotest.stage= $append; do
		cmd=$(echo "$cmd" | sed -e "s/ *${w%%=*}=[^ ]*//g")
	done
	if ! kexec -s -l "$kernel" --initrd=/tmp/next.cpio \
		--command-line="$cmd luotest.stage=$next $append" > /tmp/kexec.out 2>&1; then
		tap_fail kexec_load "$(cat /tmp/kexec.out)"
		luotest_report
		return 1
	fi
	tap_ok kexec_load
	[ -z "$last_name" ] || tap_check "$last_name" eval "$last_cmd"
	luotest_report
	[ $exec -eq 1 ] || return 0
	luotest_mark "kexec -e stage $LUOTEST_STAGE"
	if [ -n "$prepared" ]; then
		luoctl prepare -- sh -c "$prepared; kexec -e"
		tap_fail kexec_exec "luoctl prepare -- $prepared; kexec -e returned"
	elif [ $update -eq 1 ]; then
		luoctl prepare -- kexec -e
		tap_fail kexec_exec "luoctl prepare -- kexec -e returned"
	else
		kexec -e
		tap_fail kexec_exec "kexec -e returned"
	fi
	return 1
}

# On the debug kernel: a kmemleak scan at the end of the last stage
# (objects must be 5 s old to be reported, hence the wait).
luotest_kmemleak() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(grep -c 'unreferenced object' /sys/kernel/debug/kmemleak)
	if [ "$leaks" -eq 0 ]; then
		tap_ok kmemleak_clean
	else
		tap_fail kmemleak_clean "$leaks leaks" \
			"$(head -n 40 /sys/kernel/debug/kmemleak)"
	fi
}

luotest_main() {
	LUOTEST_SCENARIO=$(cmdline_arg luotest.scenario)
	LUOTEST_STAGE=$(cmdline_arg luotest.stage)
	LUOTEST_STAGE=${LUOTEST_STAGE:-1}
	luotest_mark "init stage $LUOTEST_STAGE of $LUOTEST_SCENARIO"
	# Where KASLR put the kernel, to name the RIPs of a machine that
	# resets itself (collect.py).
	text=$(grep -m1 ' _text$' /proc/kallsyms)
	luotest_mark "kernel _text at ${text%% *}"
	f=/luotest/scenarios/$LUOTEST_SCENARIO.sh
	if [ ! -f "$f" ]; then
		tap_fail "scenario_exists" "no scenario '$LUOTEST_SCENARIO'"
		luotest_report
		return
	fi
	. "$f"
	"stage$LUOTEST_STAGE"
	# A stage that kexecs does not come back here; the last one does.
	luotest_kmemleak
	[ "$LUOTEST_N" -eq 0 ] && [ -n "$LUOTEST_REPORTED" ] || luotest_report
	luotest_mark "done stage $LUOTEST_STAGE"
}
