# SPDX-License-Identifier: GPL-2.0
# Plain kexec round trip: stage 1 loads the same kernel with
# kexec_file_load and a marker on the command line; stage 2 checks that
# it was booted by that kexec and sees the command line it was given.
#
# stages: 2
# expect: 1 kexec_file_supported
# expect: 1 kexec_load
# expect: 2 booted_by_kexec
# expect: 2 cmdline_marker
# expect: 2 cmdline_kept

stage1() {
	tap_check kexec_file_supported test -e /sys/kernel/kexec_loaded
	# Survives in the next kernel's /proc/cmdline only through kexec.
	luotest_kexec --append "luotest.marker=roundtrip-$$"
}

stage2() {
	# Only stage 1's kexec_file_load puts stage=2 on the command line.
	tap_expect booted_by_kexec 2 cmdline_arg luotest.stage
	m=$(cmdline_arg luotest.marker)
	case $m in
	roundtrip-[0-9]*) tap_ok cmdline_marker ;;
	*) tap_fail cmdline_marker "luotest.marker is '$m'" ;;
	esac
	tap_expect cmdline_kept kexec-roundtrip cmdline_arg luotest.scenario
}
