# SPDX-License-Identifier: GPL-2.0
# KUnit suites built into the test kernel run at boot (the list suites
# prove the harness counts KUnit; kho and liveupdate are ours); the collector
# parses their KTAP from the kernel log and checks each suite below ran.
# On a kernel with allocation profiling (the debug kernel) the kho suite
# must leave nothing charged to its allocations in /proc/allocinfo.
#
# stages: 1
# kunit: list-kunit-test hlist klist kho liveupdate liveupdate-device shmem-insert

stage1() {
	[ -e /proc/allocinfo ] || return 0
	tap_check kho_kunit_allocations_returned sh -c \
		"grep kho_kunit.c /proc/allocinfo | grep -q . &&
		 ! awk '/kho_kunit.c/ && \$1 != 0' /proc/allocinfo | grep -q ."
}
