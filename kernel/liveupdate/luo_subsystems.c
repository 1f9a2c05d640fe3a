// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): kernel subsystems as participants.
 */

/**
 * DOC: LUO subsystem registry
 *
 * A kernel subsystem that keeps state across a live update fills a
 * &struct liveupdate_subsystem with a unique name and its callbacks and
 * registers it with liveupdate_register_subsystem(). From then on LUO calls
 * it at every transition and hands its saved u64 to the next kernel under
 * its name. In the next kernel the subsystem registers again under the same
 * name, typically from an initcall, and gets the value back with
 * liveupdate_subsystem_retrieve(); data that no subsystem retrieves by
 * FINISH is counted, logged and freed.
 *
 * Subsystems are one group of LUO participants: this file only adapts the
 * public &struct liveupdate_subsystem_ops to the core's participant
 * callbacks. Preserved files, sessions and devices join the same state
 * machine the same way, each as its own group.
 *
 * When registration is allowed, and what unregistration does
 * (liveupdate_register_subsystem() and liveupdate_unregister_subsystem()):
 *
 * =========== ============================ ==============================
 * state       register                     unregister
 * =========== ============================ ==============================
 * undefined   -EAGAIN before LUO starts,   nothing can be registered
 *             -EOPNOTSUPP if disabled
 * normal      allowed                      0
 * prepared    -EBUSY: the participants of  0; the subsystem is cancelled
 *             this update are fixed        and left out of the update
 * frozen      -EBUSY                       0; cancelled, left out, and
 *                                          the LUO FDT is rebuilt
 * updated     allowed; the subsystem can   0; data it did not retrieve
 *             then retrieve its data       is freed at FINISH
 * =========== ============================ ==============================
 *
 * Unregistering never fails for a registered subsystem (only -ENOENT for
 * one that is not), so module exit functions can always call it; it is
 * mandatory there, since LUO holds no module reference. During a kexec
 * (after liveupdate_reboot()) it waits: the subsystem's frozen data is in
 * the finalized handover and must stay allocated, so unregistering goes on
 * (as in ``frozen`` or ``normal``) only if the kexec is aborted.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/slab.h>

#include "luo_internal.h"

static struct liveupdate_subsystem *luo_subsys(struct luo_participant *p)
{
	return p->owner;
}

static int luo_subsys_prepare(struct luo_participant *p, u64 *data)
{
	struct liveupdate_subsystem *s = luo_subsys(p);

	return s->ops->prepare(s, data);
}

static int luo_subsys_freeze(struct luo_participant *p, u64 *data)
{
	struct liveupdate_subsystem *s = luo_subsys(p);

	return s->ops->freeze(s, data);
}

static void luo_subsys_cancel(struct luo_participant *p, u64 data)
{
	struct liveupdate_subsystem *s = luo_subsys(p);

	if (s->ops->cancel)
		s->ops->cancel(s, data);
}

static void luo_subsys_finish(struct luo_participant *p, u64 data)
{
	struct liveupdate_subsystem *s = luo_subsys(p);

	if (s->ops->finish)
		s->ops->finish(s, data);
}

static const struct luo_participant_ops luo_subsys_ops = {
	.prepare = luo_subsys_prepare,
	.freeze = luo_subsys_freeze,
	.cancel = luo_subsys_cancel,
	.finish = luo_subsys_finish,
};

/**
 * liveupdate_register_subsystem() - take part in live updates
 * @subsys: the subsystem; @subsys->name and @subsys->ops (with prepare and
 *	freeze) must be set and @subsys->participant must be NULL
 *
 * Allowed in the ``normal`` and ``updated`` states only (see the table in
 * the registry's documentation). In ``updated``, a subsystem registering
 * under the name used in the previous kernel can then retrieve its data.
 * Must not be called from a LUO callback.
 *
 * Return: 0 on success; -EOPNOTSUPP if LUO is disabled; -EAGAIN if LUO has
 * not started yet; -EBUSY while an update is prepared or frozen; -EEXIST if
 * @subsys is registered or its name is taken; -EINVAL for a missing or
 * too long name or missing callbacks; -ENOMEM.
 */
int liveupdate_register_subsystem(struct liveupdate_subsystem *subsys)
{
	struct luo_participant *p;
	int err;

	err = luo_available();
	if (err)
		return err;
	if (!subsys->ops)
		return -EINVAL;
	if (subsys->participant)
		return -EEXIST;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->name = subsys->name;
	p->group = LUO_GROUP_SUBSYSTEMS;
	p->ops = &luo_subsys_ops;
	p->owner = subsys;
	if (!subsys->ops->prepare || !subsys->ops->freeze) {
		err = -EINVAL;
		goto err_free;
	}

	err = luo_ctx_register(luo_global_ctx(), p);
	if (err)
		goto err_free;
	subsys->participant = p;

	return 0;

err_free:
	kfree(p);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_register_subsystem);

/**
 * liveupdate_unregister_subsystem() - stop taking part in live updates
 * @subsys: a subsystem registered with liveupdate_register_subsystem()
 *
 * Allowed in every state; see the table in the registry's documentation.
 * While an update is ``prepared`` or ``frozen`` the subsystem's cancel
 * callback runs and its data is not handed over. Data handed over to
 * @subsys that it did not retrieve stays unclaimed and is freed at FINISH.
 * Once this returns, LUO never calls @subsys again, so a module must call
 * it from its exit function. Must not be called from a LUO callback, nor
 * with a lock held that the callbacks take. Sleeps; while a kexec is under
 * way it waits until the kexec is aborted.
 *
 * Return: 0 on success; -ENOENT if @subsys is not registered.
 */
int liveupdate_unregister_subsystem(struct liveupdate_subsystem *subsys)
{
	struct luo_participant *p = subsys->participant;
	int err;

	if (!p)
		return -ENOENT;
	err = luo_ctx_unregister(luo_global_ctx(), p);
	if (err)
		return err;
	subsys->participant = NULL;
	kfree(p);

	return 0;
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_subsystem);

/**
 * liveupdate_subsystem_retrieve() - get back the data saved before the update
 * @subsys: a registered subsystem
 * @data: where to store the u64 the previous kernel's subsystem of the
 *	same name saved
 *
 * Marks the data reclaimed, so that FINISH does not count it as lost. May
 * be called more than once until FINISH. Must not be called from a LUO
 * callback (the finish callback receives the data directly).
 *
 * Return: 0 on success; -ENOENT if @subsys is not registered or nothing
 * was handed over under its name; -ENODATA if LUO is not in the
 * ``updated`` state.
 */
int liveupdate_subsystem_retrieve(struct liveupdate_subsystem *subsys,
				  u64 *data)
{
	if (!subsys->participant)
		return -ENOENT;
	return luo_ctx_retrieve(luo_global_ctx(), subsys->participant, data);
}
EXPORT_SYMBOL_GPL(liveupdate_subsystem_retrieve);

/**
 * liveupdate_retrieve() - get a subsystem's handed-over data by name
 * @name: name the subsystem used in the previous kernel
 * @data: where to store the u64 it saved
 *
 * For users that need the data before (or without) registering, for
 * example early boot code. Marks the data reclaimed.
 *
 * Return: 0 on success; -ENOENT if nothing was handed over under @name;
 * -ENODATA if LUO is not in the ``updated`` state; -EOPNOTSUPP if LUO is
 * disabled; -EAGAIN if LUO has not started yet.
 */
int liveupdate_retrieve(const char *name, u64 *data)
{
	int err = luo_available();

	if (err)
		return err;
	return luo_ctx_retrieve_name(luo_global_ctx(), LUO_GROUP_SUBSYSTEMS,
				     name, data);
}
EXPORT_SYMBOL_GPL(liveupdate_retrieve);
