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
 * smallest size accepted; the common code checks @size against both and
 * copies the structure in with copy_struct_from_user(), so handlers only
 * check their own fields. The table is indexed by the ioctl number so that
 * the mainline-compatible session commands (numbers 0x00 and 0x01) can be
 * added next to the control commands (0x10 and up).
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/liveupdate.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

/* Every command's argument, so one buffer on the stack holds any of them. */
union luo_ucmd_buffer {
	struct liveupdate_ioctl_get_state get_state;
	struct liveupdate_ioctl_set_event set_event;
};

struct luo_ucmd {
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

struct luo_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct luo_ucmd *ucmd);
};

static atomic_t luo_dev_busy = ATOMIC_INIT(0);

/* Copy the kernel's structure back, truncated to what userspace knows. */
static int luo_ucmd_respond(struct luo_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

static int luo_ioctl_get_state(struct luo_ucmd *ucmd)
{
	struct liveupdate_ioctl_get_state *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;

	cmd->state = liveupdate_state();

	return luo_ucmd_respond(ucmd, sizeof(*cmd));
}

static int luo_ioctl_set_event(struct luo_ucmd *ucmd)
{
	struct liveupdate_ioctl_set_event *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;

	return liveupdate_event(cmd->event);
}

#define LUO_IOCTL_OP(_ioctl, _fn, _struct, _last)			\
	[_IOC_NR(_ioctl)] = {						\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union luo_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct luo_ioctl_op luo_ioctl_ops[] = {
	LUO_IOCTL_OP(LIVEUPDATE_IOCTL_GET_STATE, luo_ioctl_get_state,
		     struct liveupdate_ioctl_get_state, __reserved),
	LUO_IOCTL_OP(LIVEUPDATE_IOCTL_SET_EVENT, luo_ioctl_set_event,
		     struct liveupdate_ioctl_set_event, __reserved),
};

static long luo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	const struct luo_ioctl_op *op;
	union luo_ucmd_buffer buf;
	struct luo_ucmd ucmd = {};
	unsigned int nr;
	int err;

	nr = _IOC_NR(cmd);
	if (nr >= ARRAY_SIZE(luo_ioctl_ops))
		return -ENOTTY;
	op = &luo_ioctl_ops[nr];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;

	ucmd.ubuffer = (void __user *)arg;
	err = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (err)
		return err;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (ucmd.user_size > PAGE_SIZE)
		return -E2BIG;

	ucmd.cmd = &buf;
	err = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (err)
		return err;

	return op->execute(&ucmd);
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
