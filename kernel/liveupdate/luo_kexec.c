// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): the kexec hooks.
 */

/**
 * DOC: LUO kexec hooks
 *
 * kernel_kexec() calls liveupdate_reboot() before KHO finalizes the
 * handover, so that a ``prepared`` update is frozen on the way out, and
 * liveupdate_reboot_abort() on every path that returns, so that a failed
 * kexec leaves LUO in a state user space can act on.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/liveupdate.h>

#include "luo_internal.h"

/**
 * liveupdate_reboot() - freeze LUO on the way into a kexec
 *
 * Called by kernel_kexec() before KHO finalizes the handover. If LUO is
 * ``prepared`` this sends FREEZE; if it is ``frozen`` already it does
 * nothing more; in ``normal`` and ``updated`` it prepares and freezes the
 * open sessions, if any, finishing an update first (luo_ctx_reboot()),
 * and otherwise the kexec is a plain one. Once an update is finished
 * so, no device of the previous kernel can reattach, even if the kexec
 * fails. On success LUO is
 * rebooting: every event fails with -EBUSY and closing /dev/liveupdate
 * cancels nothing, until liveupdate_reboot_abort().
 *
 * Return: 0 if the kexec may go on; -ECANCELED if the freeze failed, in
 * which case every participant was cancelled, LUO is ``normal`` and the
 * kexec must be aborted (reboot(LINUX_REBOOT_CMD_KEXEC) then fails with
 * ECANCELED); -EBUSY if a kexec is already under way.
 */
int liveupdate_reboot(void)
{
	if (!liveupdate_enabled())
		return 0;
	/*
	 * With sessions open a kexec in ``updated`` finishes the update
	 * (luo_ctx_reboot()), and a kexec that then fails frees what nobody
	 * took back: as before LUO's FINISH, reattaching devices ends first.
	 * (A session created right after this check finishes the update
	 * without it, as before.)
	 */
	if (liveupdate_state() == LIVEUPDATE_STATE_UPDATED &&
	    luo_sessions_open())
		luo_device_incoming_close();
	return luo_ctx_reboot(luo_global_ctx());
}

/**
 * liveupdate_reboot_abort() - the kexec after liveupdate_reboot() failed
 *
 * kernel_kexec() calls this on every path that returns after
 * liveupdate_reboot() succeeded (a later step failed, or a KEXEC_JUMP
 * came back), after kho_kexec_abort() has undone KHO's finalization. If
 * the kexec path did the freeze itself, every participant is cancelled
 * and LUO is ``normal`` again. If user space had sent FREEZE, LUO stays
 * ``frozen`` and user space chooses to retry the kexec or to CANCEL;
 * unless /dev/liveupdate was closed meanwhile, in which case the update is
 * cancelled. Does nothing if liveupdate_reboot() did not succeed.
 */
void liveupdate_reboot_abort(void)
{
	if (liveupdate_enabled())
		luo_ctx_reboot_abort(luo_global_ctx());
}
