# SPDX-License-Identifier: GPL-2.0
# The /dev/liveupdate ABI (kselftest liveupdate_ioctl: bad sizes, reserved
# fields, flags, events, states, second opener, unprivileged caller,
# sysfs, close-while-prepared) and luoctl's view of the state.
#
# stages: 1
# append: kho=on
# expect: 1 liveupdate_ioctl
# expect: 1 luoctl_state
# expect: 1 luoctl_wrong_state_fails

stage1() {
	tap_run_kselftest liveupdate_ioctl /luotest/bin/liveupdate_ioctl
	tap_expect luoctl_state normal luoctl state
	tap_fails_with luoctl_wrong_state_fails \
		"finish: not allowed in the current state" luoctl finish
}
