// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): the kernel's own instance.
 */

/**
 * DOC: LUO instance
 *
 * The one &struct luo_ctx the kernel runs, what the rest of the kernel
 * sees of it (liveupdate_enabled(), liveupdate_state()), the
 * ``liveupdate=`` boot parameter, and its start: once KHO is set up, LUO
 * loads what the previous kernel handed over, and after the last initcall
 * it lets KHO free incoming memory when no FINISH will.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/mutex.h>

#include "luo_internal.h"

/* The kernel's own instance. */
static struct luo_ctx luo_global = {
	.lock = __MUTEX_INITIALIZER(luo_global.lock),
	.list_lock = __MUTEX_INITIALIZER(luo_global.list_lock),
	.state = LIVEUPDATE_STATE_UNDEFINED,
	.participants = LIST_HEAD_INIT(luo_global.participants),
	.incoming = LIST_HEAD_INIT(luo_global.incoming),
	.handover = true,
};

static bool luo_param_enabled = true;
static bool luo_started;
static bool luo_init_done;

struct luo_ctx *luo_global_ctx(void)
{
	return &luo_global;
}

static int __init luo_parse_param(char *arg)
{
	if (!arg)
		return -EINVAL;
	if (kstrtobool(arg, &luo_param_enabled)) {
		pr_warn("ignoring invalid liveupdate=%s\n", arg);
		return -EINVAL;
	}
	return 0;
}
early_param("liveupdate", luo_parse_param);

/**
 * liveupdate_enabled() - is the Live Update Orchestrator running?
 *
 * Return: true once LUO has started, unless it is disabled with
 * ``liveupdate=off`` or because KHO is disabled.
 */
bool liveupdate_enabled(void)
{
	return READ_ONCE(luo_started);
}
EXPORT_SYMBOL_GPL(liveupdate_enabled);

/**
 * luo_available() - can participants register now?
 *
 * Return: 0 once LUO runs; -EAGAIN before it started; -EOPNOTSUPP if it is
 * disabled.
 */
int luo_available(void)
{
	if (READ_ONCE(luo_started))
		return 0;
	if (!luo_param_enabled || READ_ONCE(luo_init_done))
		return -EOPNOTSUPP;
	return -EAGAIN;
}

/**
 * liveupdate_state() - current state of the Live Update Orchestrator
 *
 * Lockless: the answer may be stale by the time the caller uses it. Use
 * it for reports, not to decide whether a transition may happen.
 *
 * Return: the &enum liveupdate_state.
 */
enum liveupdate_state liveupdate_state(void)
{
	return READ_ONCE(luo_global.state);
}
EXPORT_SYMBOL_GPL(liveupdate_state);

/**
 * liveupdate_event() - send an event to the Live Update Orchestrator
 * @event: an &enum liveupdate_event
 *
 * For the /dev/liveupdate control device; kernel subsystems do not drive
 * updates themselves. Waits for a transition already in progress.
 *
 * Return: 0 on success; -ENODEV if LUO is not running; -EBADRQC for an
 * unknown event; -EBUSY if the event is not allowed in the current state
 * or a kexec is under way; -EOPNOTSUPP for PREPARE when KHO is not
 * enabled; -ECANCELED if PREPARE or FREEZE failed and every participant
 * was rolled back to ``normal``; -EINTR if a signal arrived while waiting.
 */
int liveupdate_event(u32 event)
{
	if (!liveupdate_enabled())
		return -ENODEV;
	/* Not under LUO's lock: a driver's probe may call into LUO. */
	if (event == LIVEUPDATE_EVENT_FINISH &&
	    liveupdate_state() == LIVEUPDATE_STATE_UPDATED)
		luo_device_incoming_close();
	return luo_ctx_event(&luo_global, event);
}

/**
 * liveupdate_owner_release() - the control device's owner went away
 *
 * Cancels an update in progress (``prepared`` or ``frozen``); does nothing
 * in other states. Called when /dev/liveupdate is closed. During a kexec
 * (between liveupdate_reboot() and liveupdate_reboot_abort()) nothing is
 * undone; the update is cancelled if the kexec is aborted instead.
 */
void liveupdate_owner_release(void)
{
	if (liveupdate_enabled())
		luo_ctx_owner_release(&luo_global);
}

/*
 * After every core initcall, so that KHO (core_initcall) is set up; from
 * postcore initcalls on, subsystems find the state and the previous
 * kernel's data in place.
 */
static int __init luo_init(void)
{
	WRITE_ONCE(luo_init_done, true);
	if (!luo_param_enabled ||
	    (!kho_is_enabled() && !kho_is_handover_boot())) {
		pr_info("disabled%s\n",
			luo_param_enabled ? " because KHO is disabled" : "");
		return 0;
	}

	luo_load_from_kho(&luo_global);
	WRITE_ONCE(luo_started, true);

	return 0;
}
core_initcall_sync(luo_init);

/*
 * With LUO built in, KHO leaves it to LUO to free handed-over memory that
 * nobody claimed. Unless this kernel is ``updated`` (then FINISH does it),
 * nobody ever will: LUO is disabled, its data was refused, or the previous
 * kernel handed over no LUO data at all. Free it once every built-in KHO
 * user had its chance to claim its own memory. Does nothing without a
 * handover.
 */
static int __init luo_late_release(void)
{
	if (READ_ONCE(luo_global.state) != LIVEUPDATE_STATE_UPDATED)
		kho_release_unclaimed();
	return 0;
}
late_initcall_sync(luo_late_release);
