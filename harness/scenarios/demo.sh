# SPDX-License-Identifier: GPL-2.0
# The main job, as `make demo` runs it: a live update of a running
# kernel with kexec_file_load + kexec -e, with the timeline taken from
# the kernel logs. Stage 1 is the old kernel, stage 2 the new one.
#
# stages: 2
# expect: 1 kexec_load
# expect: 2 updated_kernel_running

stage1() {
	luotest_kexec --append "luotest.demo=1"
}

stage2() {
	tap_expect updated_kernel_running 1 cmdline_arg luotest.demo
}
