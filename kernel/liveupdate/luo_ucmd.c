// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): the ioctl argument rules, in one place.
 */

/**
 * DOC: LUO ioctl arguments
 *
 * /dev/liveupdate and every session file take the same kind of argument:
 * a structure whose first member, ``__u32 size``, says how much of it user
 * space knows. liveupdate_ioctl_dispatch() checks it once for every
 * command of a table: smaller than the command's smallest version is
 * EINVAL, larger than a page E2BIG, and copy_struct_from_user() refuses a
 * non-zero tail the kernel does not know with E2BIG and zero-fills what
 * user space did not pass. An unknown command is ENOTTY.
 */

#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

/**
 * liveupdate_ucmd_respond() - copy a command's structure back to user space
 * @ucmd: the command
 * @len: size of the kernel's structure
 *
 * Copies no more than user space passed.
 *
 * Return: 0, or -EFAULT.
 */
int liveupdate_ucmd_respond(struct liveupdate_ucmd *ucmd, size_t len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, len)))
		return -EFAULT;
	return 0;
}

/**
 * liveupdate_ioctl_dispatch() - check an ioctl's argument and run it
 * @ops: the commands, indexed by ioctl number minus @base
 * @nr_ops: entries in @ops
 * @base: ioctl number of @ops[0]
 * @cmd: the ioctl command
 * @arg: its argument, a user pointer
 * @priv: passed on to the command
 *
 * Return: what the command returns, or -ENOTTY, -EFAULT, -EINVAL, -E2BIG
 * for an argument that breaks the rules above.
 */
long liveupdate_ioctl_dispatch(const struct liveupdate_ioctl_op *ops,
			       unsigned int nr_ops, unsigned int base,
			       unsigned int cmd, unsigned long arg, void *priv)
{
	u64 buf[LIVEUPDATE_UCMD_MAX / sizeof(u64)];
	const struct liveupdate_ioctl_op *op;
	struct liveupdate_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	int err;

	if (nr < base || nr - base >= nr_ops)
		return -ENOTTY;
	op = &ops[nr - base];
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

	ucmd.cmd = buf;
	err = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (err)
		return err;

	return op->execute(&ucmd, priv);
}
