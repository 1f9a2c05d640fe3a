// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): the /dev/liveupdate control device.
 */

/**
 * DOC: /dev/liveupdate
 *
 * Userspace drives live updates through this misc device: it reads the
 * state and sends the PREPARE, FREEZE, CANCEL and FINISH events. The ABI is
 * in ``include/uapi/linux/liveupdate.h``.
 *
 * Only one process may hold the device open, so that exactly one agent (the
 * update orchestrator of the machine) decides. Opening needs CAP_SYS_ADMIN
 * because an update affects the whole system; it is checked before
 * anything else, so a caller without it gets EPERM whether or not LUO
 * runs. Closing the device while an update is ``prepared`` or ``frozen``
 * cancels it: an update that lost its owner (crash, kill, forgotten
 * descriptor) must not keep memory pinned and participants frozen. Once
 * the kexec has started (reboot(LINUX_REBOOT_CMD_KEXEC) got past LUO's
 * freeze) closing cancels nothing, since the handover is finalized; if
 * that kexec fails, the update is cancelled then.
 *
 * Every ioctl takes a structure beginning with ``__u32 size``. One table
 * below gives, for each command, the kernel's structure size and the
 * smallest size accepted; liveupdate_ioctl_dispatch() checks @size against
 * both and copies the structure in with copy_struct_from_user(), so
 * handlers only check their own fields. The table is indexed by the ioctl
 * number: mainline's session commands (0x00 and 0x01) next to the control
 * commands (0x10 and up). A session lives on its own fd (see
 * kernel/liveupdate/luo_session.c) and outlives the device's.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/liveupdate.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

static atomic_t luo_dev_busy = ATOMIC_INIT(0);

static int luo_ioctl_get_state(struct liveupdate_ucmd *ucmd, void *priv)
{
	struct liveupdate_ioctl_get_state *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;

	cmd->state = liveupdate_state();

	return liveupdate_ucmd_respond(ucmd, sizeof(*cmd));
}

static int luo_ioctl_set_event(struct liveupdate_ucmd *ucmd, void *priv)
{
	struct liveupdate_ioctl_set_event *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;

	return liveupdate_event(cmd->event);
}

/* The fd goes to user space first; it is installed only if that worked. */
static int luo_ioctl_session(struct liveupdate_ucmd *ucmd, int fd,
			     struct file *file)
{
	struct liveupdate_ioctl_create_session *cmd = ucmd->cmd;

	if (fd < 0)
		return fd;
	cmd->fd = fd;
	fd = liveupdate_session_install(fd, file,
					liveupdate_ucmd_respond(ucmd,
								sizeof(*cmd)));
	return fd < 0 ? fd : 0;
}

static int luo_ioctl_create_session(struct liveupdate_ucmd *ucmd, void *priv)
{
	struct liveupdate_ioctl_create_session *cmd = ucmd->cmd;
	struct file *file;
	int fd;

	fd = liveupdate_session_create(cmd->name, &file);
	return luo_ioctl_session(ucmd, fd, file);
}

static int luo_ioctl_retrieve_session(struct liveupdate_ucmd *ucmd,
				      void *priv)
{
	struct liveupdate_ioctl_retrieve_session *cmd = ucmd->cmd;
	struct file *file;
	int fd;

	BUILD_BUG_ON(sizeof(*cmd) !=
		     sizeof(struct liveupdate_ioctl_create_session));
	fd = liveupdate_session_retrieve(cmd->name, &file);
	return luo_ioctl_session(ucmd, fd, file);
}

#define LUO_DEV_OP(_ioctl, _fn, _struct, _last) \
	LIVEUPDATE_IOCTL_OP(_ioctl, _fn, _struct, _last, 0)

static const struct liveupdate_ioctl_op luo_ioctl_ops[] = {
	LUO_DEV_OP(LIVEUPDATE_IOCTL_CREATE_SESSION, luo_ioctl_create_session,
		   struct liveupdate_ioctl_create_session, name),
	LUO_DEV_OP(LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
		   luo_ioctl_retrieve_session,
		   struct liveupdate_ioctl_retrieve_session, name),
	LUO_DEV_OP(LIVEUPDATE_IOCTL_GET_STATE, luo_ioctl_get_state,
		   struct liveupdate_ioctl_get_state, __reserved),
	LUO_DEV_OP(LIVEUPDATE_IOCTL_SET_EVENT, luo_ioctl_set_event,
		   struct liveupdate_ioctl_set_event, __reserved),
};

static long luo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	return liveupdate_ioctl_dispatch(luo_ioctl_ops,
					 ARRAY_SIZE(luo_ioctl_ops), 0, cmd,
					 arg, NULL);
}

static int luo_dev_open(struct inode *inode, struct file *file)
{
	/* First, so that unprivileged callers learn nothing about LUO. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!liveupdate_enabled())
		return -ENODEV;
	if (atomic_cmpxchg(&luo_dev_busy, 0, 1))
		return -EBUSY;

	return 0;
}

static int luo_dev_release(struct inode *inode, struct file *file)
{
	liveupdate_owner_release();
	atomic_set_release(&luo_dev_busy, 0);

	return 0;
}

static const struct file_operations luo_dev_fops = {
	.owner = THIS_MODULE,
	.open = luo_dev_open,
	.release = luo_dev_release,
	.unlocked_ioctl = luo_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice luo_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate",
	.fops = &luo_dev_fops,
	.mode = 0600,
};

static int __init luo_dev_init(void)
{
	int err;

	err = misc_register(&luo_miscdev);
	if (err)
		pr_err("cannot register /dev/liveupdate: %pe\n", ERR_PTR(err));

	return err;
}
device_initcall(luo_dev_init);
