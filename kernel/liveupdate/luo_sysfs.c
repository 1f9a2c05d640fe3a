// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): sysfs status.
 */

/**
 * DOC: LUO sysfs
 *
 * /sys/kernel/liveupdate/: ``state``, the registered ``subsystems``, in
 * an updated kernel which of the previous kernel's subsystems were
 * ``reclaimed``, the ``sessions`` of both kernels, and the ``files``
 * preserved in this kernel's sessions with the bytes each hands over.
 * Read-only; the state is changed through /dev/liveupdate.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

#include "luo_internal.h"

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", luo_state_name(liveupdate_state()));
}

static struct kobj_attribute luo_state_attr = __ATTR_RO(state);

static ssize_t subsystems_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct luo_participant *p;
	int len = 0;

	mutex_lock(&luo_global_ctx()->list_lock);
	list_for_each_entry(p, &luo_global_ctx()->participants, list)
		if (p->group == LUO_GROUP_SUBSYSTEMS)
			len += sysfs_emit_at(buf, len, "%s\n", p->name);
	mutex_unlock(&luo_global_ctx()->list_lock);

	return len;
}

static struct kobj_attribute luo_subsystems_attr = __ATTR_RO(subsystems);

static ssize_t reclaimed_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct luo_incoming *rec;
	int len = 0;

	mutex_lock(&luo_global_ctx()->list_lock);
	list_for_each_entry(rec, &luo_global_ctx()->incoming, list)
		if (rec->group == LUO_GROUP_SUBSYSTEMS)
			len += sysfs_emit_at(buf, len, "%s %s\n", rec->name,
					     rec->claimed ? "reclaimed" :
							    "unclaimed");
	mutex_unlock(&luo_global_ctx()->list_lock);

	return len;
}

static struct kobj_attribute luo_reclaimed_attr = __ATTR_RO(reclaimed);

/*
 * One line per session: "NAME outgoing" for the sessions of this kernel,
 * and until FINISH "NAME incoming retrieved|waiting" for those of the
 * previous one.
 */
static ssize_t sessions_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	struct luo_ctx *ctx = luo_global_ctx();
	struct luo_participant *p;
	struct luo_incoming *rec;
	int len = 0;

	mutex_lock(&ctx->list_lock);
	list_for_each_entry(p, &ctx->participants, list)
		if (p->group == LUO_GROUP_SESSIONS)
			len += sysfs_emit_at(buf, len, "%s outgoing\n", p->name);
	if (READ_ONCE(ctx->state) == LIVEUPDATE_STATE_UPDATED)
		list_for_each_entry(rec, &ctx->incoming, list)
			if (rec->group == LUO_GROUP_SESSIONS)
				len += sysfs_emit_at(buf, len, "%s incoming %s\n",
						     rec->name,
						     rec->claimed ? "retrieved" :
								    "waiting");
	mutex_unlock(&ctx->list_lock);

	return len;
}

static struct kobj_attribute luo_sessions_attr = __ATTR_RO(sessions);

/*
 * One line per file preserved in a session of this kernel:
 * "SESSION TOKEN COMPATIBLE BYTES", BYTES being the memory it hands over.
 */
static ssize_t files_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct luo_ctx *ctx = luo_global_ctx();
	struct luo_participant *p;
	int len = 0;

	mutex_lock(&ctx->list_lock);
	list_for_each_entry(p, &ctx->participants, list)
		if (p->group == LUO_GROUP_SESSIONS)
			len = luo_session_show_files(p, buf, len);
	mutex_unlock(&ctx->list_lock);

	return len;
}

static struct kobj_attribute luo_files_attr = __ATTR_RO(files);

static struct attribute *luo_attrs[] = {
	&luo_state_attr.attr,
	&luo_subsystems_attr.attr,
	&luo_reclaimed_attr.attr,
	&luo_sessions_attr.attr,
	&luo_files_attr.attr,
	NULL,
};

static const struct attribute_group luo_attr_group = {
	.attrs = luo_attrs,
};

static int __init luo_sysfs_init(void)
{
	struct kobject *kobj;
	int err;

	kobj = kobject_create_and_add("liveupdate", kernel_kobj);
	if (!kobj)
		return -ENOMEM;
	err = sysfs_create_group(kobj, &luo_attr_group);
	if (err) {
		pr_err("cannot create /sys/kernel/liveupdate: %pe\n",
		       ERR_PTR(err));
		kobject_put(kobj);
		return err;
	}

	return 0;
}
subsys_initcall(luo_sysfs_init);
