// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): the state machine.
 *
 * The machine works on a &struct luo_ctx, so that KUnit can drive private
 * instances; luo_instance.c holds the kernel's own, luo_kexec.c its kexec
 * hooks, luo_sysfs.c and luo_debugfs.c its status.
 */

/**
 * DOC: LUO state machine
 *
 * A live update replaces the running kernel through kexec while selected
 * state (memory of a VM, open files, running devices) carries over. Many
 * independent parts of the kernel take part, and they must agree on when
 * to get ready, when to stop changing what they hand over, and when the
 * new kernel is done with the old kernel's data. LUO is that agreement:
 * one global state machine that drives every registered participant::
 *
 *                 PREPARE            FREEZE (or kexec)
 *      normal  ------------> prepared ------------> frozen --kexec--+
 *        ^ ^                    |                     |             |
 *        | +------ CANCEL ------+------ CANCEL -------+             |
 *        |                                                          v
 *        +------------------ FINISH -------------------------- updated
 *                                                        (next kernel)
 *
 * - ``normal``: nothing is being preserved; a kexec is a plain kexec.
 * - ``prepared``: every participant ran its prepare callback (the
 *   expensive work, done while the system still runs). A kexec now
 *   freezes automatically through liveupdate_reboot().
 * - ``frozen``: every participant ran its freeze callback and LUO's own
 *   state is serialized and published through KHO. Only a kexec or a
 *   cancel follows.
 * - ``updated``: the kernel booted from a live update. Participants
 *   registering under the names used before the update retrieve their
 *   data. FINISH calls every finish callback and lets KHO free whatever
 *   nobody reclaimed.
 *
 * Transitions, registration and retrieval are serialized by one mutex.
 * Callbacks run with it held, in process context, never under a spinlock.
 * Participants are called in registration order to prepare, freeze and
 * finish, and in reverse order to cancel. A failed prepare cancels the
 * participants already prepared; a failed freeze cancels every participant;
 * in both cases the state returns to ``normal`` and the caller sees
 * -ECANCELED. PREPARE fails with -EOPNOTSUPP, before any participant is
 * called, when KHO is not enabled (nothing could be handed over).
 *
 * Registration is only allowed in ``normal`` and ``updated``: once PREPARE
 * has started, the set of participants that will be serialized is fixed,
 * so a late participant can neither be forgotten by the update nor be
 * serialized without having been prepared. Unregistration always succeeds,
 * so that a module can leave from its exit function: while ``prepared`` the
 * participant is cancelled and dropped from the update; while ``frozen`` it
 * is cancelled, dropped, and the LUO FDT is rebuilt and published again
 * without it (if that fails, the whole update is cancelled back to
 * ``normal``). Its data is not handed over either way.
 *
 * The kexec path: liveupdate_reboot() freezes a ``prepared`` instance (or
 * accepts a ``frozen`` one) and marks LUO as rebooting. From then on user
 * space still runs until devices shut down, but the LUO FDT and every page
 * it points to are part of the finalized KHO handover, so nothing may undo
 * them: every event fails with -EBUSY, closing /dev/liveupdate does not
 * cancel, and a participant unregistering from another task waits until
 * the kexec is aborted (for at most %LUO_UNREGISTER_WAIT), so that it
 * cannot free what it froze while the next kernel may still read it; one
 * unregistering from the kexec path itself is only unlinked (its frozen
 * data stays in the handover, and it is not called again). If the kexec fails
 * after that, kernel_kexec() calls liveupdate_reboot_abort(): if the
 * freeze was done by the kexec path, every participant is cancelled and
 * LUO is ``normal`` again; if user space had sent FREEZE itself, LUO stays
 * ``frozen`` (rebuilding the FDT if a participant left meanwhile) and user
 * space decides whether to retry the kexec or CANCEL. If the owner closed
 * /dev/liveupdate during the failed kexec, the update is cancelled anyway.
 * A participant that the kexec path itself unregistered, before the kexec
 * failed, is not cancelled: memory it preserved stays preserved (a leak,
 * never a use after free).
 *
 * LUO is on by default when built in; ``liveupdate=off`` on the kernel
 * command line keeps it in the ``undefined`` state: nobody can register,
 * /dev/liveupdate refuses to open with -ENODEV, and a kexec preserves
 * nothing through LUO. LUO also stays off when KHO is disabled (and this
 * kernel did not boot from a KHO handover).
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "luo_internal.h"

static const char * const luo_state_names[] = {
	[LIVEUPDATE_STATE_UNDEFINED] = "undefined",
	[LIVEUPDATE_STATE_NORMAL] = "normal",
	[LIVEUPDATE_STATE_PREPARED] = "prepared",
	[LIVEUPDATE_STATE_FROZEN] = "frozen",
	[LIVEUPDATE_STATE_UPDATED] = "updated",
};

const char *luo_state_name(enum liveupdate_state state)
{
	if (state >= ARRAY_SIZE(luo_state_names))
		return "invalid";
	return luo_state_names[state];
}

static void luo_set_state(struct luo_ctx *ctx, enum liveupdate_state state)
{
	lockdep_assert_held(&ctx->lock);
	if (ctx->handover)
		pr_info("state: %s -> %s\n", luo_state_name(ctx->state),
			luo_state_name(state));
	WRITE_ONCE(ctx->state, state);
}

/**
 * luo_ctx_init() - initialize a LUO instance in the ``undefined`` state
 * @ctx: the instance
 * @handover: publish to and release through KHO (only the kernel's own
 *	instance does)
 */
void luo_ctx_init(struct luo_ctx *ctx, bool handover)
{
	mutex_init(&ctx->lock);
	mutex_init(&ctx->list_lock);
	ctx->state = LIVEUPDATE_STATE_UNDEFINED;
	INIT_LIST_HEAD(&ctx->participants);
	INIT_LIST_HEAD(&ctx->incoming);
	ctx->nr_unclaimed = 0;
	ctx->handover = handover;
	ctx->rebooting = false;
	ctx->reboot_task = NULL;
	ctx->reboot_left = false;
	ctx->reboot_froze = false;
	ctx->reboot_finished = false;
	ctx->abort_cancels = false;
	init_waitqueue_head(&ctx->reboot_done);
	ctx->fdt_folio = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_init);

/**
 * luo_ctx_destroy() - free what a LUO instance owns
 * @ctx: the instance; its participants must be unregistered by their owners
 */
void luo_ctx_destroy(struct luo_ctx *ctx)
{
	struct luo_participant *p;

	mutex_lock(&ctx->lock);
	luo_unserialize(ctx);
	list_for_each_entry(p, &ctx->participants, list)
		p->incoming = NULL;
	mutex_lock(&ctx->list_lock);
	luo_incoming_free(&ctx->incoming);
	mutex_unlock(&ctx->list_lock);
	mutex_unlock(&ctx->lock);
	mutex_destroy(&ctx->list_lock);
	mutex_destroy(&ctx->lock);
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_destroy);

/* Undo one participant's prepare (and freeze), if it was prepared. */
static void luo_cancel_one(struct luo_participant *p)
{
	if (!p->prepared)
		return;
	if (p->ops->cancel)
		p->ops->cancel(p, p->data);
	p->prepared = false;
	p->frozen = false;
}

/* Cancel every prepared participant, last registered first. */
static void luo_cancel_all(struct luo_ctx *ctx)
{
	struct luo_participant *p;

	list_for_each_entry_reverse(p, &ctx->participants, list)
		luo_cancel_one(p);
}

/* Unlink @p; its data, if any, is no longer handed over. */
static void luo_unlink(struct luo_ctx *ctx, struct luo_participant *p)
{
	mutex_lock(&ctx->list_lock);
	list_del(&p->list);
	mutex_unlock(&ctx->list_lock);
	if (p->incoming)
		p->incoming->owner = NULL;
	p->incoming = NULL;
}

static int luo_do_prepare(struct luo_ctx *ctx)
{
	struct luo_participant *p;
	int err;

	list_for_each_entry(p, &ctx->participants, list) {
		p->data = 0;
		err = p->ops->prepare(p, &p->data);
		if (err) {
			pr_err("prepare: %s/%s failed: %pe; cancelling\n",
			       luo_group_names[p->group], p->name,
			       ERR_PTR(err));
			luo_cancel_all(ctx);
			return -ECANCELED;
		}
		p->prepared = true;
	}
	luo_set_state(ctx, LIVEUPDATE_STATE_PREPARED);

	return 0;
}

static int luo_do_freeze(struct luo_ctx *ctx)
{
	struct luo_participant *p;
	int err;

	u64 start = ktime_get_ns();

	list_for_each_entry(p, &ctx->participants, list) {
		err = p->ops->freeze(p, &p->data);
		if (err) {
			pr_err("freeze: %s/%s failed: %pe; cancelling\n",
			       luo_group_names[p->group], p->name,
			       ERR_PTR(err));
			goto cancel;
		}
		p->frozen = true;
	}

	err = luo_serialize(ctx);
	if (err) {
		pr_err("freeze: cannot serialize LUO: %pe; cancelling\n",
		       ERR_PTR(err));
		goto cancel;
	}
	luo_set_state(ctx, LIVEUPDATE_STATE_FROZEN);
	if (ctx->handover)
		pr_info("froze in %llu us\n",
			div_u64(ktime_get_ns() - start, NSEC_PER_USEC));

	return 0;

cancel:
	luo_cancel_all(ctx);
	luo_set_state(ctx, LIVEUPDATE_STATE_NORMAL);
	return -ECANCELED;
}

static void luo_do_cancel(struct luo_ctx *ctx)
{
	luo_unserialize(ctx);
	luo_cancel_all(ctx);
	luo_set_state(ctx, LIVEUPDATE_STATE_NORMAL);
}

/*
 * The set of frozen participants changed: publish a new LUO FDT. If that
 * fails the update cannot be carried out as the participants expect, so
 * it is cancelled as a whole.
 */
static void luo_reserialize(struct luo_ctx *ctx)
{
	int err;

	luo_unserialize(ctx);
	err = luo_serialize(ctx);
	if (err) {
		pr_err("cannot serialize LUO again: %pe; cancelling the update\n",
		       ERR_PTR(err));
		luo_cancel_all(ctx);
		luo_set_state(ctx, LIVEUPDATE_STATE_NORMAL);
	}
}

static void luo_do_finish(struct luo_ctx *ctx)
{
	struct luo_participant *p;
	struct luo_incoming *rec;
	unsigned int n = 0;

	/* KHO is about to free what no session took back. */
	if (ctx->handover) {
		luo_session_incoming_end();
		luo_file_incoming_end();
	}
	list_for_each_entry(p, &ctx->participants, list) {
		if (p->ops->finish)
			p->ops->finish(p, p->incoming ? p->incoming->data : 0);
		p->incoming = NULL;
	}
	/* ... and the devices nobody took over must stop writing to it. */
	if (ctx->handover)
		luo_device_incoming_end();

	list_for_each_entry(rec, &ctx->incoming, list) {
		rec->owner = NULL;
		if (rec->claimed)
			continue;
		n++;
		if (ctx->handover)
			pr_warn("finish: %s/%s did not reclaim its data\n",
				luo_group_names[rec->group], rec->name);
	}
	ctx->nr_unclaimed = n;
	if (ctx->handover) {
		if (n)
			pr_warn("finish: %u subsystem(s) never reclaimed their data\n",
				n);
		else
			pr_info("finish: every subsystem reclaimed its data\n");
	}
	luo_set_state(ctx, LIVEUPDATE_STATE_NORMAL);
}

/**
 * luo_ctx_event() - send an event to a LUO instance
 * @ctx: the instance
 * @event: an &enum liveupdate_event
 *
 * Return: 0 on success; -EBADRQC for an unknown event; -EBUSY if the
 * event is not allowed in the current state or a kexec is under way;
 * -EOPNOTSUPP for PREPARE when KHO is not enabled; -ECANCELED if PREPARE
 * or FREEZE failed and was rolled back; -EINTR if interrupted while
 * waiting for another transition.
 */
int luo_ctx_event(struct luo_ctx *ctx, u32 event)
{
	bool release = false;
	int err = 0;

	if (event < LIVEUPDATE_EVENT_PREPARE ||
	    event > LIVEUPDATE_EVENT_FINISH)
		return -EBADRQC;

	if (mutex_lock_interruptible(&ctx->lock))
		return -EINTR;

	/* The handover is finalized: nothing may change it any more. */
	if (ctx->rebooting) {
		err = -EBUSY;
		goto out;
	}

	switch (event) {
	case LIVEUPDATE_EVENT_PREPARE:
		if (ctx->state != LIVEUPDATE_STATE_NORMAL)
			err = -EBUSY;
		else if (ctx->handover && !kho_is_enabled())
			err = -EOPNOTSUPP;
		else
			err = luo_do_prepare(ctx);
		break;
	case LIVEUPDATE_EVENT_FREEZE:
		if (ctx->state == LIVEUPDATE_STATE_PREPARED)
			err = luo_do_freeze(ctx);
		else
			err = -EBUSY;
		break;
	case LIVEUPDATE_EVENT_CANCEL:
		if (ctx->state == LIVEUPDATE_STATE_PREPARED ||
		    ctx->state == LIVEUPDATE_STATE_FROZEN)
			luo_do_cancel(ctx);
		else
			err = -EBUSY;
		break;
	case LIVEUPDATE_EVENT_FINISH:
		if (ctx->state == LIVEUPDATE_STATE_UPDATED) {
			luo_do_finish(ctx);
			release = ctx->handover;
		} else {
			err = -EBUSY;
		}
		break;
	}
out:
	mutex_unlock(&ctx->lock);
	/*
	 * Nothing can be retrieved any more: free what nobody claimed, which
	 * may be most of RAM, without keeping every other event waiting.
	 */
	if (release)
		kho_release_unclaimed();

	return err;
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_event);

/**
 * luo_ctx_reboot() - what a kexec does to a LUO instance
 * @ctx: the instance
 *
 * Freezes a prepared instance. With sessions registered it also prepares
 * and freezes a ``normal`` instance, and an ``updated`` one after
 * finishing it, as mainline hands every open session over at kexec; the
 * participants' prepare callbacks then run inside reboot(). In any other
 * case it does nothing more. On success the instance is rebooting until
 * luo_ctx_reboot_abort().
 *
 * Return: 0; -EBUSY if the instance is already rebooting; -ECANCELED if
 * the freeze failed (the instance is then back to ``normal``, not
 * rebooting, and the kexec must not go on; an update it finished has
 * its unclaimed memory released, as by FINISH).
 */
int luo_ctx_reboot(struct luo_ctx *ctx)
{
	bool froze = false, release = false;
	int err = 0;

	mutex_lock(&ctx->lock);
	if (ctx->rebooting) {
		err = -EBUSY;
		goto out;
	}
	switch (ctx->state) {
	case LIVEUPDATE_STATE_UPDATED:
		if (!luo_group_used(&ctx->participants, LUO_GROUP_SESSIONS)) {
			if (ctx->handover)
				pr_warn("kexec before FINISH: the data of the previous update is not passed on\n");
			break;
		}
		/*
		 * Mainline has no global FINISH: sessions created since the
		 * update go to the next kernel all the same. Finish this
		 * update first; what nobody reclaimed is not passed on.
		 */
		if (ctx->handover)
			pr_info("kexec before FINISH with sessions open: finishing the previous update\n");
		luo_do_finish(ctx);
		ctx->reboot_finished = ctx->handover;
		fallthrough;
	case LIVEUPDATE_STATE_NORMAL:
		/* As on mainline, a kexec hands every open session over. */
		if (!luo_group_used(&ctx->participants, LUO_GROUP_SESSIONS))
			break;
		if (ctx->handover && !kho_is_enabled()) {
			pr_warn("kexec with sessions open, but KHO is disabled: nothing is handed over\n");
			break;
		}
		if (ctx->handover)
			pr_info("kexec with sessions open: preparing and freezing\n");
		err = luo_do_prepare(ctx);
		if (!err)
			err = luo_do_freeze(ctx);
		froze = true;
		break;
	case LIVEUPDATE_STATE_PREPARED:
		err = luo_do_freeze(ctx);
		froze = true;
		break;
	default:
		break;
	}
	if (!err) {
		ctx->rebooting = true;
		ctx->reboot_task = current;
		ctx->reboot_froze = froze;
		ctx->abort_cancels = false;
	} else {
		release = ctx->reboot_finished;
		ctx->reboot_finished = false;
	}
out:
	mutex_unlock(&ctx->lock);
	/* No kexec: the update finished above is released as by FINISH. */
	if (release)
		kho_release_unclaimed();

	return err;
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_reboot);

/**
 * luo_ctx_reboot_abort() - a kexec after luo_ctx_reboot() did not happen
 * @ctx: the instance
 *
 * Ends the rebooting period. A freeze done by luo_ctx_reboot() itself is
 * cancelled (every participant, in reverse order) back to ``normal``, as
 * is any update whose owner went away meanwhile; an explicit freeze stays
 * ``frozen``, with its FDT rebuilt if a participant left. An update that
 * luo_ctx_reboot() finished has its unclaimed memory released, as by
 * FINISH. Does nothing if @ctx is not rebooting.
 */
void luo_ctx_reboot_abort(struct luo_ctx *ctx)
{
	bool release = false;

	mutex_lock(&ctx->lock);
	if (!ctx->rebooting)
		goto out;
	ctx->rebooting = false;
	ctx->reboot_task = NULL;
	release = ctx->reboot_finished;
	ctx->reboot_finished = false;

	if (ctx->state == LIVEUPDATE_STATE_FROZEN) {
		if (ctx->reboot_froze || ctx->abort_cancels) {
			if (ctx->handover)
				pr_info("kexec aborted: cancelling the update\n");
			luo_do_cancel(ctx);
		} else {
			if (ctx->handover)
				pr_info("kexec aborted: staying frozen as requested by user space\n");
			/* Whoever left during the kexec leaves the FDT now. */
			if (ctx->reboot_left)
				luo_reserialize(ctx);
		}
	}
	ctx->reboot_left = false;
	ctx->reboot_froze = false;
	ctx->abort_cancels = false;
	/* Unregistrations that waited for the kexec can go on now. */
	wake_up_all(&ctx->reboot_done);
out:
	mutex_unlock(&ctx->lock);
	if (release)
		kho_release_unclaimed();
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_reboot_abort);

/**
 * luo_ctx_owner_release() - the owner of an update went away
 * @ctx: the instance
 *
 * Cancels a ``prepared`` or ``frozen`` instance. While rebooting nothing
 * is undone; the update is cancelled if the kexec is aborted instead.
 */
void luo_ctx_owner_release(struct luo_ctx *ctx)
{
	mutex_lock(&ctx->lock);
	if (ctx->state != LIVEUPDATE_STATE_PREPARED &&
	    ctx->state != LIVEUPDATE_STATE_FROZEN)
		goto out;
	if (ctx->rebooting) {
		if (ctx->handover)
			pr_info("control device closed during kexec: the update goes on\n");
		ctx->abort_cancels = true;
		goto out;
	}
	if (ctx->handover)
		pr_info("control device closed while %s: cancelling\n",
			luo_state_name(ctx->state));
	luo_do_cancel(ctx);
out:
	mutex_unlock(&ctx->lock);
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_owner_release);

static struct luo_participant *luo_find(struct luo_ctx *ctx,
					enum luo_group group, const char *name)
{
	struct luo_participant *p;

	list_for_each_entry(p, &ctx->participants, list)
		if (p->group == group && !strcmp(p->name, name))
			return p;
	return NULL;
}

static struct luo_incoming *luo_find_incoming(struct luo_ctx *ctx,
					      enum luo_group group,
					      const char *name)
{
	struct luo_incoming *rec;

	list_for_each_entry(rec, &ctx->incoming, list)
		if (rec->group == group && !strcmp(rec->name, name))
			return rec;
	return NULL;
}

/**
 * luo_ctx_register() - add a participant to a LUO instance
 * @ctx: the instance
 * @p: participant with @p->name, @p->group, @p->ops and @p->owner set
 *
 * In the ``updated`` state the participant is linked to the record the
 * previous kernel handed over under the same group and name, if any.
 *
 * Return: 0; -EINVAL for a bad name (empty, longer than
 * %LIVEUPDATE_NAME_MAX or not printable ASCII), group or ops; -EAGAIN if
 * @ctx has not started yet; -EBUSY while ``prepared`` or ``frozen`` or
 * during a kexec; -EEXIST if the name is taken in the group.
 */
int luo_ctx_register(struct luo_ctx *ctx, struct luo_participant *p)
{
	size_t len;
	int err = 0;

	if (!p->name || !p->ops || !p->ops->prepare || !p->ops->freeze ||
	    p->group >= LUO_NR_GROUPS)
		return -EINVAL;
	len = strnlen(p->name, LIVEUPDATE_NAME_MAX + 1);
	/* The next kernel refuses a handover with any other name. */
	if (!len || len > LIVEUPDATE_NAME_MAX || !luo_name_printable(p->name))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	/* A kexec under way has decided what it hands over. */
	if (ctx->rebooting) {
		err = -EBUSY;
		goto out;
	}
	switch (ctx->state) {
	case LIVEUPDATE_STATE_NORMAL:
	case LIVEUPDATE_STATE_UPDATED:
		break;
	case LIVEUPDATE_STATE_UNDEFINED:
		err = -EAGAIN;
		goto out;
	default:
		err = -EBUSY;
		goto out;
	}
	if (luo_find(ctx, p->group, p->name)) {
		err = -EEXIST;
		goto out;
	}

	p->data = 0;
	p->prepared = false;
	p->frozen = false;
	p->incoming = NULL;
	if (ctx->state == LIVEUPDATE_STATE_UPDATED) {
		struct luo_incoming *rec;

		rec = luo_find_incoming(ctx, p->group, p->name);
		if (rec && !rec->owner) {
			rec->owner = p;
			p->incoming = rec;
		}
	}
	mutex_lock(&ctx->list_lock);
	list_add_tail(&p->list, &ctx->participants);
	mutex_unlock(&ctx->list_lock);
out:
	mutex_unlock(&ctx->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_register);

/**
 * luo_ctx_unregister() - remove a participant from a LUO instance
 * @ctx: the instance
 * @p: a participant registered with luo_ctx_register()
 *
 * Succeeds in every state. While ``prepared`` @p is cancelled and dropped
 * from the update; while ``frozen`` it is cancelled, dropped and the LUO
 * FDT is rebuilt without it (or the whole update is cancelled if that
 * fails). While a kexec is under way (between luo_ctx_reboot() and
 * luo_ctx_reboot_abort()) what @p froze is part of the finalized
 * handover, so @p must not free it: if the update is ``frozen`` the call
 * waits until the kexec is aborted (and never returns if the kexec
 * happens), for at most %LUO_UNREGISTER_WAIT; called by the kexec itself
 * (a reboot notifier or a shutdown callback) it does not wait, and @p is
 * only unlinked: its data stays in the handover. Do not call it with a
 * lock held that the kexec path takes (a device lock): the kexec then
 * stalls until the wait times out. Once this returns, LUO never calls @p
 * again. Context: process, may sleep.
 *
 * Return: 0, or -ENOENT if @p is not registered.
 */
int luo_ctx_unregister(struct luo_ctx *ctx, struct luo_participant *p)
{
	return __luo_ctx_unregister(ctx, p, true);
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_unregister);

/**
 * __luo_ctx_unregister() - remove a participant, waiting or not
 * @ctx: the instance
 * @p: a participant registered with luo_ctx_register()
 * @wait: wait for a kexec under way as luo_ctx_unregister() does; without
 *	it, @p is only unlinked during a kexec, as if the kexec itself
 *	unregistered it, and the caller must make its frozen data harmless
 *	for the next kernel itself (a device unbinding under its device lock,
 *	which the kexec path takes too)
 *
 * Return: 0, or -ENOENT if @p is not registered.
 */
int __luo_ctx_unregister(struct luo_ctx *ctx, struct luo_participant *p,
			 bool wait)
{
	struct luo_participant *it;
	bool found = false;

	mutex_lock(&ctx->lock);
	/*
	 * Only a frozen update hands participant data over; in any other
	 * state a kexec preserves nothing of @p, and waiting could stall the
	 * kexec itself (device shutdown may wait for the caller).
	 */
	if (wait && ctx->rebooting && ctx->state == LIVEUPDATE_STATE_FROZEN &&
	    ctx->reboot_task != current) {
		long left;

		mutex_unlock(&ctx->lock);
		left = wait_event_timeout(ctx->reboot_done,
					  !READ_ONCE(ctx->rebooting),
					  LUO_UNREGISTER_WAIT);
		mutex_lock(&ctx->lock);
		if (!left && ctx->rebooting && ctx->handover)
			pr_err("%s/%s left after waiting %us for the kexec; what it froze may be reused before the next kernel reads it\n",
			       luo_group_names[p->group], p->name,
			       LUO_UNREGISTER_WAIT / HZ);
	}
	list_for_each_entry(it, &ctx->participants, list) {
		if (it == p) {
			found = true;
			break;
		}
	}
	if (!found) {
		mutex_unlock(&ctx->lock);
		return -ENOENT;
	}

	if (ctx->rebooting && ctx->state == LIVEUPDATE_STATE_FROZEN) {
		/* The handover is final: nothing of it is undone. */
		if (ctx->handover)
			pr_warn("%s/%s left during the kexec; its frozen data stays in the handover\n",
				luo_group_names[p->group], p->name);
		luo_unlink(ctx, p);
		ctx->reboot_left = true;
	} else if (ctx->state == LIVEUPDATE_STATE_PREPARED ||
		   ctx->state == LIVEUPDATE_STATE_FROZEN) {
		if (ctx->handover)
			pr_info("%s/%s left the %s update: cancelled, its data is not handed over\n",
				luo_group_names[p->group], p->name,
				luo_state_name(ctx->state));
		luo_cancel_one(p);
		luo_unlink(ctx, p);
		if (ctx->state == LIVEUPDATE_STATE_FROZEN)
			luo_reserialize(ctx);
	} else {
		luo_unlink(ctx, p);
	}
	p->prepared = false;
	p->frozen = false;
	mutex_unlock(&ctx->lock);

	return 0;
}

/**
 * luo_ctx_retrieve() - get the data a participant's predecessor handed over
 * @ctx: the instance
 * @p: a registered participant
 * @data: where to store the data
 *
 * Marks the data reclaimed. May be called again; returns the same value.
 *
 * Return: 0; -ENODATA if @ctx is not ``updated``; -ENOENT if the previous
 * kernel handed nothing over for @p.
 */
int luo_ctx_retrieve(struct luo_ctx *ctx, struct luo_participant *p,
		     u64 *data)
{
	int err = 0;

	mutex_lock(&ctx->lock);
	if (ctx->state != LIVEUPDATE_STATE_UPDATED) {
		err = -ENODATA;
	} else if (!p->incoming) {
		err = -ENOENT;
	} else {
		*data = p->incoming->data;
		mutex_lock(&ctx->list_lock);
		p->incoming->claimed = true;
		mutex_unlock(&ctx->list_lock);
	}
	mutex_unlock(&ctx->lock);

	return err;
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_retrieve);

/* Marks the record under @name reclaimed; with @once, only the first time. */
static int luo_take(struct luo_ctx *ctx, enum luo_group group,
		    const char *name, u64 *data, bool once)
{
	struct luo_incoming *rec;
	int err = 0;

	mutex_lock(&ctx->lock);
	rec = luo_find_incoming(ctx, group, name);
	if (ctx->state != LIVEUPDATE_STATE_UPDATED) {
		err = -ENODATA;
	} else if (!rec) {
		err = -ENOENT;
	} else if (once && (rec->claimed || rec->owner)) {
		err = -EALREADY;
	} else {
		*data = rec->data;
		mutex_lock(&ctx->list_lock);
		rec->claimed = true;
		mutex_unlock(&ctx->list_lock);
	}
	mutex_unlock(&ctx->lock);

	return err;
}

/**
 * luo_ctx_retrieve_name() - get handed-over data by group and name
 * @ctx: the instance
 * @group: the participant group
 * @name: the participant name
 * @data: where to store the data
 *
 * Return: 0; -ENODATA if @ctx is not ``updated``; -ENOENT if nothing was
 * handed over under that name.
 */
int luo_ctx_retrieve_name(struct luo_ctx *ctx, enum luo_group group,
			  const char *name, u64 *data)
{
	return luo_take(ctx, group, name, data, false);
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_retrieve_name);

/**
 * luo_ctx_claim() - take a record of the previous kernel, once
 * @ctx: the instance
 * @group: the participant group
 * @name: the record's name
 * @data: where to store its data
 *
 * For participants that are not registered under the name (a retrieved
 * session): the record is marked reclaimed, and a second claim fails.
 *
 * Return: 0; -ENODATA if @ctx is not ``updated``; -ENOENT if nothing was
 * handed over under that name; -EALREADY if it was claimed or a registered
 * participant owns it.
 */
int luo_ctx_claim(struct luo_ctx *ctx, enum luo_group group,
		  const char *name, u64 *data)
{
	return luo_take(ctx, group, name, data, true);
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_claim);

/**
 * luo_ctx_unclaimed() - is a record of the previous kernel still unclaimed
 * @ctx: the instance
 * @group: the participant group
 * @name: the record's name
 *
 * Return: true while @ctx is ``updated`` and a record of that name was
 * handed over that nobody claimed or owns.
 */
bool luo_ctx_unclaimed(struct luo_ctx *ctx, enum luo_group group,
		       const char *name)
{
	struct luo_incoming *rec;
	bool ret;

	mutex_lock(&ctx->lock);
	rec = luo_find_incoming(ctx, group, name);
	ret = ctx->state == LIVEUPDATE_STATE_UPDATED && rec && !rec->claimed &&
	      !rec->owner;
	mutex_unlock(&ctx->lock);

	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(luo_ctx_unclaimed);
