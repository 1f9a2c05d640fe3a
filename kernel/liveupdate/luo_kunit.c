// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the Live Update Orchestrator (LUO).
 */

/**
 * DOC: LUO KUnit suite
 *
 * Suite "liveupdate". Every test runs on private &struct luo_ctx instances
 * with fake participants that log their calls, so the kernel's own state
 * machine, its participants and KHO are never touched. Covered: every
 * legal and illegal transition, rollback order when the k-th of n
 * participants fails prepare or freeze, the kexec path and its abort
 * (implicit and explicit freeze, events and the owner's release while
 * rebooting), the registration rules, unregistration while prepared,
 * frozen and rebooting, the serialization round trip through a second
 * instance (as the next kernel would see it), acceptance of a blob that
 * lacks a known group, and refusal of malformed or unknown-version
 * handover data. Instances and record lists are released by KUnit actions,
 * so a failed assertion leaks nothing.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "luo_internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define NPARTS		4
#define MAXLOG		64

enum { OP_PREPARE = 1, OP_FREEZE, OP_CANCEL, OP_FINISH };

#define LOG(op, idx)	(((op) << 8) | (idx))

struct luo_kunit_env;

struct luo_kunit_part {
	struct luo_participant p;
	struct luo_kunit_env *env;
	char name[16];
	int idx;
};

struct luo_kunit_env {
	struct luo_ctx ctx;
	struct luo_kunit_part parts[NPARTS];
	int fail_prepare;
	int fail_freeze;
	u32 log[MAXLOG];
	unsigned int nlog;
	u64 finish_data[NPARTS];
	bool live;
};

static struct luo_kunit_part *to_part(struct luo_participant *p)
{
	return container_of(p, struct luo_kunit_part, p);
}

static void env_log(struct luo_kunit_part *kp, int op)
{
	struct luo_kunit_env *env = kp->env;

	if (env->nlog < MAXLOG)
		env->log[env->nlog++] = LOG(op, kp->idx);
}

static int fake_prepare(struct luo_participant *p, u64 *data)
{
	struct luo_kunit_part *kp = to_part(p);

	env_log(kp, OP_PREPARE);
	if (kp->env->fail_prepare == kp->idx)
		return -EIO;
	*data = 0x1000 + kp->idx;
	return 0;
}

static int fake_freeze(struct luo_participant *p, u64 *data)
{
	struct luo_kunit_part *kp = to_part(p);

	env_log(kp, OP_FREEZE);
	if (kp->env->fail_freeze == kp->idx)
		return -EIO;
	*data += 0x100;
	return 0;
}

static void fake_cancel(struct luo_participant *p, u64 data)
{
	env_log(to_part(p), OP_CANCEL);
}

static void fake_finish(struct luo_participant *p, u64 data)
{
	struct luo_kunit_part *kp = to_part(p);

	env_log(kp, OP_FINISH);
	kp->env->finish_data[kp->idx] = data;
}

static const struct luo_participant_ops fake_ops = {
	.prepare = fake_prepare,
	.freeze = fake_freeze,
	.cancel = fake_cancel,
	.finish = fake_finish,
};

/* Idempotent, so that tests may destroy early and KUnit again at the end. */
static void env_destroy(struct luo_kunit_env *env)
{
	if (!env->live)
		return;
	env->live = false;
	luo_ctx_destroy(&env->ctx);
}

static void env_cleanup(void *arg)
{
	env_destroy(arg);
}

/* A fresh ``undefined`` instance in place of @env's, as at boot. */
static void env_reinit(struct luo_kunit_env *env)
{
	env_destroy(env);
	luo_ctx_init(&env->ctx, false);
	env->live = true;
}

/* Boots @new from the FDT a kexec of @old left, as the next kernel does. */
static void env_boot_from(struct kunit *test, struct luo_kunit_env *new,
			  struct luo_kunit_env *old)
{
	struct folio *folio = old->ctx.fdt_folio;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	env_reinit(new);
	KUNIT_ASSERT_EQ(test, luo_ctx_load(&new->ctx, folio_address(folio),
					   folio_size(folio)), 0);
}

/* A normal-state instance with @n registered fake participants. */
static struct luo_kunit_env *env_create(struct kunit *test, int n)
{
	struct luo_kunit_env *env;
	int i;

	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env);
	luo_ctx_init(&env->ctx, false);
	env->live = true;
	/* Runs before the kunit_kzalloc() above is freed. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, env_cleanup, env),
			0);
	KUNIT_ASSERT_EQ(test, luo_ctx_load(&env->ctx, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
	env->fail_prepare = -1;
	env->fail_freeze = -1;

	for (i = 0; i < NPARTS; i++) {
		struct luo_kunit_part *kp = &env->parts[i];

		kp->env = env;
		kp->idx = i;
		snprintf(kp->name, sizeof(kp->name), "part%d", i);
		kp->p.name = kp->name;
		kp->p.group = LUO_GROUP_SUBSYSTEMS;
		kp->p.ops = &fake_ops;
		kp->p.owner = kp;
		if (i < n)
			KUNIT_ASSERT_EQ(test,
					luo_ctx_register(&env->ctx, &kp->p), 0);
	}
	return env;
}

static void records_cleanup(void *arg)
{
	luo_incoming_free(arg);
}

/* An empty record list that KUnit frees at the end of the test. */
static struct list_head *records_create(struct kunit *test)
{
	struct list_head *records;

	records = kunit_kzalloc(test, sizeof(*records), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, records);
	INIT_LIST_HEAD(records);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, records_cleanup,
							records), 0);
	return records;
}

static void expect_log(struct kunit *test, struct luo_kunit_env *env,
		       const u32 *want, unsigned int n)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, env->nlog, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, env->log[i], want[i], "call %u", i);
}

struct transition_case {
	enum liveupdate_state from;
	u32 event;
	int err;
	enum liveupdate_state to;
};

static const struct transition_case transitions[] = {
#define T(f, e, r, t) { LIVEUPDATE_STATE_##f, LIVEUPDATE_EVENT_##e, r, \
			LIVEUPDATE_STATE_##t }
	T(UNDEFINED, PREPARE, -EBUSY, UNDEFINED),
	T(UNDEFINED, FREEZE, -EBUSY, UNDEFINED),
	T(UNDEFINED, CANCEL, -EBUSY, UNDEFINED),
	T(UNDEFINED, FINISH, -EBUSY, UNDEFINED),
	T(NORMAL, PREPARE, 0, PREPARED),
	T(NORMAL, FREEZE, -EBUSY, NORMAL),
	T(NORMAL, CANCEL, -EBUSY, NORMAL),
	T(NORMAL, FINISH, -EBUSY, NORMAL),
	T(PREPARED, PREPARE, -EBUSY, PREPARED),
	T(PREPARED, FREEZE, 0, FROZEN),
	T(PREPARED, CANCEL, 0, NORMAL),
	T(PREPARED, FINISH, -EBUSY, PREPARED),
	T(FROZEN, PREPARE, -EBUSY, FROZEN),
	T(FROZEN, FREEZE, -EBUSY, FROZEN),
	T(FROZEN, CANCEL, 0, NORMAL),
	T(FROZEN, FINISH, -EBUSY, FROZEN),
	T(UPDATED, PREPARE, -EBUSY, UPDATED),
	T(UPDATED, FREEZE, -EBUSY, UPDATED),
	T(UPDATED, CANCEL, -EBUSY, UPDATED),
	T(UPDATED, FINISH, 0, NORMAL),
#undef T
};

static void luo_test_transitions(struct kunit *test)
{
	static const u32 bad_events[] = { 0, 5, 0x80000000, U32_MAX };
	enum liveupdate_state s;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(transitions); i++) {
		const struct transition_case *tc = &transitions[i];
		struct luo_kunit_env *env = env_create(test, 2);

		env->ctx.state = tc->from;
		KUNIT_EXPECT_EQ_MSG(test, luo_ctx_event(&env->ctx, tc->event),
				    tc->err, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, env->ctx.state, tc->to, "case %u", i);
		env_destroy(env);
	}

	for (s = LIVEUPDATE_STATE_UNDEFINED; s <= LIVEUPDATE_STATE_UPDATED;
	     s++) {
		for (j = 0; j < ARRAY_SIZE(bad_events); j++) {
			struct luo_kunit_env *env = env_create(test, 1);

			env->ctx.state = s;
			KUNIT_EXPECT_EQ(test,
					luo_ctx_event(&env->ctx, bad_events[j]),
					-EBADRQC);
			KUNIT_EXPECT_EQ(test, env->ctx.state, s);
			KUNIT_EXPECT_EQ(test, env->nlog, 0);
			env_destroy(env);
		}
	}
}

/* A full legal cycle calls everyone in the documented order. */
static void luo_test_call_order(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 3);
	static const u32 want[] = {
		LOG(OP_PREPARE, 0), LOG(OP_PREPARE, 1), LOG(OP_PREPARE, 2),
		LOG(OP_FREEZE, 0), LOG(OP_FREEZE, 1), LOG(OP_FREEZE, 2),
		LOG(OP_CANCEL, 2), LOG(OP_CANCEL, 1), LOG(OP_CANCEL, 0),
	};

	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, env->parts[1].p.data, 0x1001);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	KUNIT_EXPECT_EQ(test, env->parts[1].p.data, 0x1101);
	KUNIT_EXPECT_NOT_NULL(test, env->ctx.fdt_folio);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_CANCEL), 0);
	KUNIT_EXPECT_NULL(test, env->ctx.fdt_folio);
	expect_log(test, env, want, ARRAY_SIZE(want));
	env_destroy(env);
}

static void luo_test_prepare_rollback(struct kunit *test)
{
	int k, i;

	for (k = 0; k < NPARTS; k++) {
		struct luo_kunit_env *env = env_create(test, NPARTS);
		u32 want[2 * NPARTS];
		unsigned int n = 0;

		env->fail_prepare = k;
		for (i = 0; i <= k; i++)
			want[n++] = LOG(OP_PREPARE, i);
		for (i = k - 1; i >= 0; i--)
			want[n++] = LOG(OP_CANCEL, i);

		KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
						    LIVEUPDATE_EVENT_PREPARE),
				-ECANCELED);
		KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
		expect_log(test, env, want, n);
		for (i = 0; i < NPARTS; i++)
			KUNIT_EXPECT_FALSE(test, env->parts[i].p.prepared);

		/* The instance is usable again once the fault is gone. */
		env->fail_prepare = -1;
		KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
						    LIVEUPDATE_EVENT_PREPARE), 0);
		KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
						    LIVEUPDATE_EVENT_CANCEL), 0);
		env_destroy(env);
	}
}

static void luo_test_freeze_rollback(struct kunit *test)
{
	int k, i;

	for (k = 0; k < NPARTS; k++) {
		struct luo_kunit_env *env = env_create(test, NPARTS);
		u32 want[3 * NPARTS];
		unsigned int n = 0;

		for (i = 0; i < NPARTS; i++)
			want[n++] = LOG(OP_PREPARE, i);
		for (i = 0; i <= k; i++)
			want[n++] = LOG(OP_FREEZE, i);
		for (i = NPARTS - 1; i >= 0; i--)
			want[n++] = LOG(OP_CANCEL, i);

		KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
						    LIVEUPDATE_EVENT_PREPARE), 0);
		env->fail_freeze = k;
		KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
						    LIVEUPDATE_EVENT_FREEZE),
				-ECANCELED);
		KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
		KUNIT_EXPECT_NULL(test, env->ctx.fdt_folio);
		expect_log(test, env, want, n);
		for (i = 0; i < NPARTS; i++) {
			KUNIT_EXPECT_FALSE(test, env->parts[i].p.prepared);
			KUNIT_EXPECT_FALSE(test, env->parts[i].p.frozen);
		}
		env_destroy(env);
	}
}

static void luo_test_reboot(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 2);

	/* normal: a plain kexec, nobody is called */
	KUNIT_EXPECT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
	KUNIT_EXPECT_EQ(test, env->nlog, 0);
	luo_ctx_reboot_abort(&env->ctx);

	/* prepared: freezes on its own */
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	KUNIT_EXPECT_NOT_NULL(test, env->ctx.fdt_folio);

	/* a second kexec while one is under way is refused, nobody called */
	env->nlog = 0;
	KUNIT_EXPECT_EQ(test, luo_ctx_reboot(&env->ctx), -EBUSY);
	KUNIT_EXPECT_EQ(test, env->nlog, 0);
	luo_ctx_reboot_abort(&env->ctx);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);

	/* frozen by the user: the kexec has nothing more to do */
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	env->nlog = 0;
	KUNIT_EXPECT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	KUNIT_EXPECT_EQ(test, env->nlog, 0);
	luo_ctx_reboot_abort(&env->ctx);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_CANCEL), 0);

	/* prepared with a failing freeze: the kexec must be refused */
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	env->fail_freeze = 1;
	KUNIT_EXPECT_EQ(test, luo_ctx_reboot(&env->ctx), -ECANCELED);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
	env_destroy(env);
}

static void luo_test_registry(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 2);
	struct luo_participant bad = { .group = LUO_GROUP_SUBSYSTEMS,
				       .ops = &fake_ops };
	static const struct luo_participant_ops no_freeze = {
		.prepare = fake_prepare,
	};
	char longname[LIVEUPDATE_NAME_MAX + 2];
	struct luo_ctx fresh;
	u64 data;

	/* names and ops */
	bad.name = "part0";
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EEXIST);
	bad.name = NULL;
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EINVAL);
	bad.name = "";
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EINVAL);
	/* The next kernel would refuse the whole handover for it. */
	bad.name = "two\nlines";
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EINVAL);
	bad.name = "caf\xc3\xa9";
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	bad.name = longname;
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EINVAL);
	longname[LIVEUPDATE_NAME_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &bad), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &bad), -ENOENT);
	bad.name = "x";
	bad.ops = &no_freeze;
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EINVAL);
	bad.ops = &fake_ops;
	bad.group = LUO_NR_GROUPS;
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &bad), -EINVAL);
	bad.group = LUO_GROUP_SUBSYSTEMS;

	/* retrieval needs the updated state */
	KUNIT_EXPECT_EQ(test, luo_ctx_retrieve(&env->ctx, &env->parts[0].p,
					       &data), -ENODATA);

	/* prepared and frozen: the set of participants is fixed */
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &env->parts[2].p),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &env->parts[2].p),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_CANCEL), 0);

	/* normal again: both allowed */
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[0].p),
			0);
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &env->parts[0].p),
			0);

	/* updated: allowed */
	env->ctx.state = LIVEUPDATE_STATE_UPDATED;
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&env->ctx, &env->parts[2].p),
			0);
	KUNIT_EXPECT_EQ(test, luo_ctx_retrieve(&env->ctx, &env->parts[2].p,
					       &data), -ENOENT);
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[2].p),
			0);
	env_destroy(env);

	/* not started yet */
	luo_ctx_init(&fresh, false);
	bad.name = "early";
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&fresh, &bad), -EAGAIN);
	luo_ctx_destroy(&fresh);
}

static void luo_test_build_parse(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, NPARTS);
	struct list_head *records = records_create(test);
	struct luo_incoming *rec;
	void *buf;
	int i = 0;

	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	env->parts[0].p.data = 0;
	env->parts[1].p.data = U64_MAX;
	env->parts[2].p.data = 0x123456789abcdef0ULL;
	env->parts[3].p.data = 1;

	KUNIT_EXPECT_EQ(test, luo_fdt_build(&env->ctx.participants, buf, 64),
			-ENOSPC);
	KUNIT_ASSERT_EQ(test, luo_fdt_build(&env->ctx.participants, buf,
					    PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, luo_fdt_parse(buf, PAGE_SIZE, records), 0);
	list_for_each_entry(rec, records, list) {
		KUNIT_ASSERT_LT(test, i, NPARTS);
		KUNIT_EXPECT_EQ(test, rec->group, LUO_GROUP_SUBSYSTEMS);
		KUNIT_EXPECT_STREQ(test, rec->name, env->parts[i].name);
		KUNIT_EXPECT_EQ(test, rec->data, env->parts[i].p.data);
		KUNIT_EXPECT_FALSE(test, rec->claimed);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, NPARTS);
	luo_incoming_free(records);

	/* An empty registry still produces a valid blob. */
	{
		LIST_HEAD(none);

		KUNIT_ASSERT_EQ(test, luo_fdt_build(&none, buf, PAGE_SIZE), 0);
		KUNIT_EXPECT_EQ(test, luo_fdt_parse(buf, PAGE_SIZE, records),
				0);
		KUNIT_EXPECT_TRUE(test, list_empty(records));
	}
	env_destroy(env);
}

/*
 * Freeze one instance, boot a second one from its blob (what the next
 * kernel does), reclaim some data and FINISH.
 */
static void luo_test_handover_cycle(struct kunit *test)
{
	struct luo_kunit_env *old = env_create(test, 3);
	struct luo_kunit_env *new = env_create(test, 0);
	u64 data = 0;

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&old->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&old->ctx), 0);
	env_boot_from(test, new, old);
	KUNIT_EXPECT_EQ(test, new->ctx.state, LIVEUPDATE_STATE_UPDATED);

	/* part0 reclaims, part1 registers but does not, part2 never comes */
	KUNIT_ASSERT_EQ(test, luo_ctx_register(&new->ctx, &new->parts[0].p),
			0);
	KUNIT_ASSERT_EQ(test, luo_ctx_register(&new->ctx, &new->parts[1].p),
			0);
	KUNIT_EXPECT_EQ(test, luo_ctx_retrieve(&new->ctx, &new->parts[0].p,
					       &data), 0);
	KUNIT_EXPECT_EQ(test, data, 0x1100);
	KUNIT_EXPECT_EQ(test, luo_ctx_retrieve_name(&new->ctx,
						    LUO_GROUP_SUBSYSTEMS,
						    "nobody", &data), -ENOENT);

	KUNIT_EXPECT_EQ(test, luo_ctx_event(&new->ctx,
					    LIVEUPDATE_EVENT_FINISH), 0);
	KUNIT_EXPECT_EQ(test, new->ctx.state, LIVEUPDATE_STATE_NORMAL);
	KUNIT_EXPECT_EQ(test, new->finish_data[0], 0x1100);
	KUNIT_EXPECT_EQ(test, new->finish_data[1], 0x1101);
	KUNIT_EXPECT_EQ(test, new->ctx.nr_unclaimed, 2);

	/* After FINISH nothing can be retrieved any more. */
	KUNIT_EXPECT_EQ(test, luo_ctx_retrieve(&new->ctx, &new->parts[0].p,
					       &data), -ENODATA);

	env_destroy(new);
	/* The old kernel's kexec "failed": the implicit freeze is undone. */
	luo_ctx_reboot_abort(&old->ctx);
	KUNIT_EXPECT_EQ(test, old->ctx.state, LIVEUPDATE_STATE_NORMAL);
	env_destroy(old);
}

/*
 * Sessions: a kexec while normal with a session registered prepares and
 * freezes implicitly; the next kernel claims a session's record once.
 */
static void luo_test_sessions(struct kunit *test)
{
	struct luo_kunit_env *old = env_create(test, 1);
	struct luo_kunit_env *new = env_create(test, 0);
	u64 data = 0;

	/* part1 stands for a session. */
	old->parts[1].p.group = LUO_GROUP_SESSIONS;
	KUNIT_ASSERT_EQ(test, luo_ctx_register(&old->ctx, &old->parts[1].p),
			0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&old->ctx), 0);
	KUNIT_EXPECT_EQ(test, old->ctx.state, LIVEUPDATE_STATE_FROZEN);
	env_boot_from(test, new, old);
	KUNIT_EXPECT_TRUE(test, luo_ctx_unclaimed(&new->ctx,
						  LUO_GROUP_SESSIONS,
						  "part1"));
	/* The group is part of the lookup. */
	KUNIT_EXPECT_EQ(test, luo_ctx_claim(&new->ctx, LUO_GROUP_SUBSYSTEMS,
					    "part1", &data), -ENOENT);
	KUNIT_EXPECT_EQ(test, luo_ctx_claim(&new->ctx, LUO_GROUP_SESSIONS,
					    "nobody", &data), -ENOENT);
	KUNIT_EXPECT_EQ(test, luo_ctx_claim(&new->ctx, LUO_GROUP_SESSIONS,
					    "part1", &data), 0);
	KUNIT_EXPECT_EQ(test, data, 0x1101);
	KUNIT_EXPECT_FALSE(test, luo_ctx_unclaimed(&new->ctx,
						   LUO_GROUP_SESSIONS,
						   "part1"));
	KUNIT_EXPECT_EQ(test, luo_ctx_claim(&new->ctx, LUO_GROUP_SESSIONS,
					    "part1", &data), -EALREADY);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&new->ctx,
					    LIVEUPDATE_EVENT_FINISH), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_claim(&new->ctx, LUO_GROUP_SESSIONS,
					    "part1", &data), -ENODATA);
	env_destroy(new);

	/* The kexec "failed": the implicit freeze is undone. */
	luo_ctx_reboot_abort(&old->ctx);
	KUNIT_EXPECT_EQ(test, old->ctx.state, LIVEUPDATE_STATE_NORMAL);
	env_destroy(old);
}

/* How to spoil a blob that would otherwise be valid. */
struct bad_blob {
	const char *desc;
	const char *compat;	/* NULL: no compatible property */
	bool extra_group;
	const char *name;	/* NULL: no name property */
	int name_len;		/* > 0: raw bytes of @name, maybe no NUL */
	int data_len;		/* 0: no data property */
	bool extra_prop;
	bool child;
	const char *name2;	/* a second record */
	size_t truncate;	/* > 0: pretend only this many bytes exist */
	int err;
};

static const struct bad_blob bad_blobs[] = {
	{ "valid", LUO_FDT_COMPATIBLE, .name = "a", .data_len = 8, .err = 0 },
	{ "no compatible", NULL, .name = "a", .data_len = 8, .err = -EINVAL },
	{ "unknown version", "luo-6.12,luo-v9", .name = "a", .data_len = 8,
	  .err = -EPROTONOSUPPORT },
	{ "older version", "luo-6.12,luo-v1", .name = "a", .data_len = 8,
	  .err = -EPROTONOSUPPORT },
	{ "other format", "luo-6.12,kho-v1", .name = "a", .data_len = 8,
	  .err = -EPROTONOSUPPORT },
	{ "unknown group", LUO_FDT_COMPATIBLE, .extra_group = true,
	  .name = "a", .data_len = 8, .err = -EINVAL },
	{ "no name", LUO_FDT_COMPATIBLE, .data_len = 8, .err = -EINVAL },
	{ "empty name", LUO_FDT_COMPATIBLE, .name = "", .data_len = 8,
	  .err = -EINVAL },
	{ "unterminated name", LUO_FDT_COMPATIBLE, .name = "abc",
	  .name_len = 3, .data_len = 8, .err = -EINVAL },
	{ "newline in name", LUO_FDT_COMPATIBLE, .name = "a\nKHO: fake",
	  .data_len = 8, .err = -EINVAL },
	{ "control character in name", LUO_FDT_COMPATIBLE, .name = "a\033[2J",
	  .data_len = 8, .err = -EINVAL },
	{ "non-ASCII name", LUO_FDT_COMPATIBLE, .name = "a\xc3\xa9",
	  .data_len = 8, .err = -EINVAL },
	{ "no data", LUO_FDT_COMPATIBLE, .name = "a", .err = -EINVAL },
	{ "short data", LUO_FDT_COMPATIBLE, .name = "a", .data_len = 4,
	  .err = -EINVAL },
	{ "long data", LUO_FDT_COMPATIBLE, .name = "a", .data_len = 16,
	  .err = -EINVAL },
	{ "unknown property", LUO_FDT_COMPATIBLE, .name = "a", .data_len = 8,
	  .extra_prop = true, .err = -EINVAL },
	{ "child node", LUO_FDT_COMPATIBLE, .name = "a", .data_len = 8,
	  .child = true, .err = -EINVAL },
	{ "duplicate name", LUO_FDT_COMPATIBLE, .name = "a", .data_len = 8,
	  .name2 = "a", .err = -EINVAL },
	{ "truncated", LUO_FDT_COMPATIBLE, .name = "a", .data_len = 8,
	  .truncate = 100, .err = -EINVAL },
	{ "shorter than a header", LUO_FDT_COMPATIBLE, .name = "a",
	  .data_len = 8, .truncate = 8, .err = -EINVAL },
};

static int bad_blob_build(const struct bad_blob *b, void *buf, size_t size)
{
	static const u8 zeros[16];
	int err;

	err = fdt_create(buf, size);
	err = err ?: fdt_finish_reservemap(buf);
	err = err ?: fdt_begin_node(buf, "");
	if (b->compat)
		err = err ?: fdt_property_string(buf, "compatible", b->compat);
	err = err ?: fdt_begin_node(buf, LUO_FDT_GROUP_SUBSYSTEMS);
	err = err ?: fdt_begin_node(buf, "0");
	if (b->name && b->name_len)
		err = err ?: fdt_property(buf, LUO_FDT_PROP_NAME,
					  b->name, b->name_len);
	else if (b->name)
		err = err ?: fdt_property_string(buf, LUO_FDT_PROP_NAME,
						 b->name);
	if (b->data_len)
		err = err ?: fdt_property(buf, LUO_FDT_PROP_DATA,
					  zeros, b->data_len);
	if (b->extra_prop)
		err = err ?: fdt_property_u32(buf, "extra", 1);
	if (b->child) {
		err = err ?: fdt_begin_node(buf, "child");
		err = err ?: fdt_end_node(buf);
	}
	err = err ?: fdt_end_node(buf);
	if (b->name2) {
		err = err ?: fdt_begin_node(buf, "1");
		err = err ?: fdt_property_string(buf, LUO_FDT_PROP_NAME,
						 b->name2);
		err = err ?: fdt_property_u64(buf, LUO_FDT_PROP_DATA,
					      2);
		err = err ?: fdt_end_node(buf);
	}
	err = err ?: fdt_end_node(buf);
	if (b->extra_group) {
		err = err ?: fdt_begin_node(buf, "bogus");
		err = err ?: fdt_end_node(buf);
	}
	err = err ?: fdt_end_node(buf);
	return err ?: fdt_finish(buf);
}

static void luo_test_malformed(struct kunit *test)
{
	void *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(bad_blobs); i++) {
		const struct bad_blob *b = &bad_blobs[i];
		struct luo_kunit_env *env = env_create(test, 0);
		size_t size = b->truncate ?: PAGE_SIZE;
		LIST_HEAD(records);

		memset(buf, 0, PAGE_SIZE);
		KUNIT_ASSERT_EQ_MSG(test, bad_blob_build(b, buf, PAGE_SIZE), 0,
				    "%s", b->desc);
		KUNIT_EXPECT_EQ_MSG(test, luo_fdt_parse(buf, size, &records),
				    b->err, "%s", b->desc);
		KUNIT_EXPECT_EQ_MSG(test, list_empty(&records), !!b->err,
				    "%s", b->desc);
		luo_incoming_free(&records);

		/* What the next kernel does with it at boot. */
		env_reinit(env);
		KUNIT_EXPECT_EQ_MSG(test, luo_ctx_load(&env->ctx, buf, size),
				    b->err, "%s", b->desc);
		KUNIT_EXPECT_EQ_MSG(test, env->ctx.state,
				    b->err ? LIVEUPDATE_STATE_NORMAL :
					     LIVEUPDATE_STATE_UPDATED,
				    "%s", b->desc);
		KUNIT_EXPECT_EQ_MSG(test, list_empty(&env->ctx.incoming),
				    !!b->err, "%s", b->desc);
		env_destroy(env);
	}

	/* Not an FDT at all. */
	memset(buf, 0xa5, PAGE_SIZE);
	{
		LIST_HEAD(records);

		KUNIT_EXPECT_EQ(test, luo_fdt_parse(buf, PAGE_SIZE, &records),
				-EINVAL);
		KUNIT_EXPECT_TRUE(test, list_empty(&records));
	}
}

/* The names in @env's published FDT are those of parts @want[0..n-1]. */
static void expect_fdt_parts(struct kunit *test, struct luo_kunit_env *env,
			     const int *want, unsigned int n)
{
	struct list_head *records = records_create(test);
	struct folio *folio = env->ctx.fdt_folio;
	struct luo_incoming *rec;
	unsigned int i = 0;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, luo_fdt_parse(folio_address(folio),
					    folio_size(folio), records), 0);
	list_for_each_entry(rec, records, list) {
		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_EXPECT_STREQ(test, rec->name, env->parts[want[i]].name);
		KUNIT_EXPECT_EQ(test, rec->data, env->parts[want[i]].p.data);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
}

/* Unregistering while prepared cancels that participant only. */
static void luo_test_unregister_prepared(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 3);
	static const int left[] = { 0, 2 };
	static const u32 want[] = {
		LOG(OP_PREPARE, 0), LOG(OP_PREPARE, 1), LOG(OP_PREPARE, 2),
		LOG(OP_CANCEL, 1),
		LOG(OP_FREEZE, 0), LOG(OP_FREEZE, 2),
	};

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[1].p),
			0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_PREPARED);
	KUNIT_EXPECT_FALSE(test, env->parts[1].p.prepared);
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[1].p),
			-ENOENT);
	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	expect_log(test, env, want, ARRAY_SIZE(want));
	expect_fdt_parts(test, env, left, ARRAY_SIZE(left));
}

/* Unregistering while frozen cancels it and republishes the FDT. */
static void luo_test_unregister_frozen(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 3);
	static const int left[] = { 1, 2 };
	static const u32 want[] = {
		LOG(OP_PREPARE, 0), LOG(OP_PREPARE, 1), LOG(OP_PREPARE, 2),
		LOG(OP_FREEZE, 0), LOG(OP_FREEZE, 1), LOG(OP_FREEZE, 2),
		LOG(OP_CANCEL, 0),
		LOG(OP_CANCEL, 1), LOG(OP_CANCEL, 2),
	};

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[0].p),
			0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	expect_fdt_parts(test, env, left, ARRAY_SIZE(left));

	/* The last two leave as well: an empty but valid FDT remains. */
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[1].p),
			0);
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[2].p),
			0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	expect_fdt_parts(test, env, NULL, 0);
	expect_log(test, env, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_CANCEL), 0);
}

/* A kexec that fails after freezing by itself goes back to normal. */
static void luo_test_reboot_abort_implicit(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 3);
	static const u32 want[] = {
		LOG(OP_PREPARE, 0), LOG(OP_PREPARE, 1), LOG(OP_PREPARE, 2),
		LOG(OP_FREEZE, 0), LOG(OP_FREEZE, 1), LOG(OP_FREEZE, 2),
		LOG(OP_CANCEL, 2), LOG(OP_CANCEL, 1), LOG(OP_CANCEL, 0),
	};
	int i;

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	KUNIT_EXPECT_TRUE(test, env->ctx.rebooting);
	KUNIT_EXPECT_EQ(test, luo_ctx_reboot(&env->ctx), -EBUSY);
	luo_ctx_reboot_abort(&env->ctx);
	KUNIT_EXPECT_FALSE(test, env->ctx.rebooting);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
	KUNIT_EXPECT_NULL(test, env->ctx.fdt_folio);
	expect_log(test, env, want, ARRAY_SIZE(want));
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_FALSE(test, env->parts[i].p.prepared);
		KUNIT_EXPECT_FALSE(test, env->parts[i].p.frozen);
	}

	/* A second abort, or one without a reboot, does nothing. */
	luo_ctx_reboot_abort(&env->ctx);
	KUNIT_EXPECT_EQ(test, env->nlog, ARRAY_SIZE(want));

	/* A plain kexec (normal state) that fails: still normal, usable. */
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), -EBUSY);
	luo_ctx_reboot_abort(&env->ctx);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
}

/* A kexec that fails after an explicit FREEZE stays frozen. */
static void luo_test_reboot_abort_explicit(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 3);
	static const int all[] = { 0, 1, 2 };
	struct folio *folio;
	unsigned int nlog;

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	folio = env->ctx.fdt_folio;
	nlog = env->nlog;
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	luo_ctx_reboot_abort(&env->ctx);
	KUNIT_EXPECT_FALSE(test, env->ctx.rebooting);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	KUNIT_EXPECT_PTR_EQ(test, env->ctx.fdt_folio, folio);
	KUNIT_EXPECT_EQ(test, env->nlog, nlog);
	expect_fdt_parts(test, env, all, ARRAY_SIZE(all));

	/* User space may now cancel. */
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_CANCEL), 0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
}

/* An unregistration running in a thread of its own. */
struct luo_unregister_work {
	struct luo_ctx *ctx;
	struct luo_participant *p;
	struct completion done;
	int ret;
};

static int luo_unregister_fn(void *arg)
{
	struct luo_unregister_work *w = arg;

	w->ret = luo_ctx_unregister(w->ctx, w->p);
	complete(&w->done);
	return 0;
}

/* Starts unregistering part @i and checks that it blocks. */
static void unregister_start(struct kunit *test, struct luo_unregister_work *w,
			     struct luo_kunit_env *env, int i)
{
	struct task_struct *t;

	w->ctx = &env->ctx;
	w->p = &env->parts[i].p;
	w->ret = -EINPROGRESS;
	init_completion(&w->done);
	t = kthread_run(luo_unregister_fn, w, "luo-kunit-unreg");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&w->done,
							  msecs_to_jiffies(100)),
			0UL);
}

/* Waits for the unregistration once the kexec was aborted. */
static void unregister_wait(struct kunit *test, struct luo_unregister_work *w)
{
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&w->done, 10 * HZ),
			0UL);
	KUNIT_EXPECT_EQ(test, w->ret, 0);
}

/*
 * While rebooting nothing undoes the handover: events fail, the owner's
 * release is deferred, and an unregistration waits until the kexec is
 * aborted (a participant that left could free what it froze).
 */
static void luo_test_rebooting_refuses(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 3);
	struct luo_unregister_work w;
	u32 ev;

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	env->nlog = 0;

	for (ev = LIVEUPDATE_EVENT_PREPARE; ev <= LIVEUPDATE_EVENT_FINISH; ev++)
		KUNIT_EXPECT_EQ_MSG(test, luo_ctx_event(&env->ctx, ev), -EBUSY,
				    "event %u", ev);
	luo_ctx_owner_release(&env->ctx);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	KUNIT_EXPECT_NOT_NULL(test, env->ctx.fdt_folio);

	/* Leaving during the kexec waits: what it froze is handed over. */
	unregister_start(test, &w, env, 1);
	KUNIT_EXPECT_EQ(test, env->nlog, 0);

	/* The owner left: even an explicit freeze is cancelled on abort. */
	luo_ctx_reboot_abort(&env->ctx);
	unregister_wait(test, &w);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_NORMAL);
	KUNIT_EXPECT_NULL(test, env->ctx.fdt_folio);
	{
		static const u32 want[] = {
			LOG(OP_CANCEL, 2), LOG(OP_CANCEL, 1), LOG(OP_CANCEL, 0),
		};

		expect_log(test, env, want, ARRAY_SIZE(want));
	}

	/* Without the owner leaving, the FDT is rebuilt without part1. */
	KUNIT_ASSERT_EQ(test, luo_ctx_register(&env->ctx, &env->parts[1].p),
			0);
	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	unregister_start(test, &w, env, 2);
	luo_ctx_reboot_abort(&env->ctx);
	unregister_wait(test, &w);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	{
		static const int left2[] = { 0, 1 };

		expect_fdt_parts(test, env, left2, ARRAY_SIZE(left2));
	}
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_CANCEL), 0);
}

/*
 * The kexec path itself (a reboot notifier, a shutdown callback) may
 * unregister: it does not wait for itself and undoes nothing of the final
 * handover; if the kexec is aborted and LUO stays frozen, the FDT is
 * rebuilt without the participant that left.
 */
static void luo_test_unregister_from_kexec(struct kunit *test)
{
	struct luo_kunit_env *env = env_create(test, 2);
	static const int both[] = { 0, 1 };
	static const int left[] = { 0 };
	struct folio *fdt;

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_FREEZE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&env->ctx), 0);
	fdt = env->ctx.fdt_folio;
	env->nlog = 0;

	/* This task did the reboot: it is the kexec. */
	KUNIT_EXPECT_EQ(test, luo_ctx_unregister(&env->ctx, &env->parts[1].p),
			0);
	KUNIT_EXPECT_EQ(test, env->nlog, 0);
	KUNIT_EXPECT_PTR_EQ(test, env->ctx.fdt_folio, fdt);
	expect_fdt_parts(test, env, both, ARRAY_SIZE(both));

	luo_ctx_reboot_abort(&env->ctx);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_FROZEN);
	expect_fdt_parts(test, env, left, ARRAY_SIZE(left));
	KUNIT_EXPECT_EQ(test, luo_ctx_event(&env->ctx,
					    LIVEUPDATE_EVENT_CANCEL), 0);
}

/*
 * A session created in an updated kernel goes to the next one too: the
 * kexec finishes the update first. A kexec under way takes no newcomer.
 */
static void luo_test_sessions_updated(struct kunit *test)
{
	struct luo_kunit_env *old = env_create(test, 1);
	struct luo_kunit_env *new = env_create(test, 0);
	static const int session[] = { 2 };

	KUNIT_ASSERT_EQ(test, luo_ctx_event(&old->ctx,
					    LIVEUPDATE_EVENT_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&old->ctx), 0);
	env_boot_from(test, new, old);
	KUNIT_ASSERT_EQ(test, new->ctx.state, LIVEUPDATE_STATE_UPDATED);

	new->parts[2].p.group = LUO_GROUP_SESSIONS;
	KUNIT_ASSERT_EQ(test, luo_ctx_register(&new->ctx, &new->parts[2].p),
			0);
	KUNIT_ASSERT_EQ(test, luo_ctx_reboot(&new->ctx), 0);
	KUNIT_EXPECT_EQ(test, new->ctx.state, LIVEUPDATE_STATE_FROZEN);
	/* part0 of the old kernel never came back. */
	KUNIT_EXPECT_EQ(test, new->ctx.nr_unclaimed, 1);
	expect_fdt_parts(test, new, session, ARRAY_SIZE(session));
	KUNIT_EXPECT_EQ(test, luo_ctx_register(&new->ctx, &new->parts[3].p),
			-EBUSY);
	luo_ctx_reboot_abort(&new->ctx);
	KUNIT_EXPECT_EQ(test, new->ctx.state, LIVEUPDATE_STATE_NORMAL);
	env_destroy(new);

	luo_ctx_reboot_abort(&old->ctx);
	env_destroy(old);
}

/* A blob from a kernel without a group this kernel knows: group empty. */
static void luo_test_missing_group(struct kunit *test)
{
	struct list_head *records = records_create(test);
	struct luo_kunit_env *env = env_create(test, 0);
	void *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	err = fdt_create(buf, PAGE_SIZE);
	err = err ?: fdt_finish_reservemap(buf);
	err = err ?: fdt_begin_node(buf, "");
	err = err ?: fdt_property_string(buf, "compatible", LUO_FDT_COMPATIBLE);
	err = err ?: fdt_end_node(buf);
	err = err ?: fdt_finish(buf);
	KUNIT_ASSERT_EQ(test, err, 0);

	KUNIT_EXPECT_EQ(test, luo_fdt_parse(buf, PAGE_SIZE, records), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(records));

	env_reinit(env);
	KUNIT_EXPECT_EQ(test, luo_ctx_load(&env->ctx, buf, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_UPDATED);
	KUNIT_EXPECT_TRUE(test, list_empty(&env->ctx.incoming));

	/* Loading twice is refused and changes nothing. */
	KUNIT_EXPECT_EQ(test, luo_ctx_load(&env->ctx, NULL, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, env->ctx.state, LIVEUPDATE_STATE_UPDATED);
}

static struct kunit_case luo_test_cases[] = {
	KUNIT_CASE(luo_test_transitions),
	KUNIT_CASE(luo_test_call_order),
	KUNIT_CASE(luo_test_prepare_rollback),
	KUNIT_CASE(luo_test_freeze_rollback),
	KUNIT_CASE(luo_test_reboot),
	KUNIT_CASE(luo_test_registry),
	KUNIT_CASE(luo_test_build_parse),
	KUNIT_CASE(luo_test_handover_cycle),
	KUNIT_CASE(luo_test_malformed),
	KUNIT_CASE(luo_test_unregister_prepared),
	KUNIT_CASE(luo_test_unregister_frozen),
	KUNIT_CASE(luo_test_reboot_abort_implicit),
	KUNIT_CASE(luo_test_reboot_abort_explicit),
	KUNIT_CASE(luo_test_rebooting_refuses),
	KUNIT_CASE(luo_test_unregister_from_kexec),
	KUNIT_CASE(luo_test_sessions),
	KUNIT_CASE(luo_test_sessions_updated),
	KUNIT_CASE(luo_test_missing_group),
	{}
};

static struct kunit_suite luo_test_suite = {
	.name = "liveupdate",
	.test_cases = luo_test_cases,
};

kunit_test_suite(luo_test_suite);

MODULE_DESCRIPTION("KUnit tests for the Live Update Orchestrator");
MODULE_LICENSE("GPL");
