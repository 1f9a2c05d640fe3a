# SPDX-License-Identifier: GPL-2.0
# Every allocation of PREPARE and of FREEZE fails in turn (kselftest
# liveupdate_fail_nth, the iommufd_fail_nth pattern): each event either
# succeeds or fails with ENOMEM/ECANCELED, LUO is back to normal, and KHO
# holds exactly what it held before.
#
# stages: 1
# append: kho=on
# timeout: 300
# expect: 1 liveupdate_fail_nth

stage1() {
	tap_run_kselftest liveupdate_fail_nth /luotest/bin/liveupdate_fail_nth
}
