# SPDX-License-Identifier: GPL-2.0
# liveupdate=off: LUO stays undefined, /dev/liveupdate refuses to open
# with ENODEV and luoctl says why; KHO itself still works.
#
# stages: 1
# append: kho=on liveupdate=off
# expect: 1 state_undefined
# expect: 1 open_refused_enodev
# expect: 1 kho_still_enabled

stage1() {
	tap_expect state_undefined undefined cat /sys/kernel/liveupdate/state
	tap_fails_with open_refused_enodev "LUO disabled" luoctl prepare
	tap_check kho_still_enabled kho_scratch_range
}

. /luotest/kho.sh
