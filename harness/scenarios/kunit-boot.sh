# SPDX-License-Identifier: GPL-2.0
# KUnit suites built into the test kernel run at boot (the list suites
# prove the harness counts KUnit; kho and liveupdate are ours); the collector
# parses their KTAP from the kernel log and checks each suite below ran.
#
# stages: 1
# kunit: list-kunit-test hlist klist kho liveupdate liveupdate-device shmem-insert

stage1() {
	:
}
