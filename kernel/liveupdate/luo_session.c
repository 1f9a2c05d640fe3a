// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): sessions, the user ABI of mainline's LUO.
 */

/**
 * DOC: LUO sessions
 *
 * A session is a named container of preserved files that one process owns
 * through a file descriptor. The user ABI is mainline's: a process creates
 * a session on /dev/liveupdate (%LIVEUPDATE_IOCTL_CREATE_SESSION), may
 * close /dev/liveupdate again, and drives the session through its own fd.
 * Several processes hold sessions at once, each its own.
 *
 * An outgoing session is a participant of the state machine in the
 * ``sessions`` group, under its own name: PREPARE, FREEZE and CANCEL reach
 * it like any subsystem, and the next kernel finds its record by name. A
 * session can be created while LUO is ``normal`` or ``updated``; once
 * PREPARE started, the set of sessions is fixed (EBUSY). A mainline kernel
 * has no PREPARE step and serializes its sessions when it kexecs; here
 * too, a kexec while ``normal`` with any session open prepares and freezes
 * implicitly (luo_ctx_reboot()), so software written for mainline works
 * unchanged. The process keeps its session fd open through the kexec.
 *
 * Closing an outgoing session's fd unregisters it: what it preserved is
 * no longer handed over (while ``prepared`` or ``frozen`` it is cancelled
 * and dropped from the update).
 *
 * In the ``updated`` kernel, %LIVEUPDATE_IOCTL_RETRIEVE_SESSION claims the
 * record the previous kernel handed over under a name, once: a second
 * retrieval fails with EINVAL, an unknown name with ENOENT. A retrieved
 * session is not handed over again; to carry files through another
 * update, a process preserves them in a new outgoing session (which may
 * have the same name once the old one was retrieved). FINISH on a
 * retrieved session ends its restoration, and so does LUO's own FINISH.
 * Closing the fd of a retrieved session ends it too once every file was
 * retrieved. A session closed with files still in it, without FINISH
 * (its process died, or refused what it found), is kept ("parked") as it
 * is until LUO's FINISH or the next kexec, and can be retrieved again
 * under its name meanwhile with the files it still holds, so that they
 * are not lost to a crash. Mainline ends such a session at once and frees
 * its files; a process that wants that here sends FINISH on the session
 * before closing it.
 *
 * The files of a session are preserved through their handlers (see
 * "LUO preserved files"): %LIVEUPDATE_SESSION_PRESERVE_FD works until the
 * session is prepared (then EBUSY), and the record of a session points at
 * its file table, or is 0 for a session without files.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "luo_internal.h"

/**
 * struct luo_session - one session, outgoing or retrieved
 * @part: the participant of an outgoing session; unused for a retrieved one
 * @name: the session's name, NUL-terminated
 * @incoming: retrieved from the previous kernel
 * @registered: @part is registered (an outgoing session, once created)
 * @lock: serializes the ioctls' work on @files and the session's state
 *	machine callbacks, which take it inside LUO's transition mutex; never
 *	held while user memory is read or written
 * @files: its preserved files
 * @parked: link in luo_sessions_parked, for a retrieved session closed
 *	with files left in it
 */
struct luo_session {
	struct luo_participant part;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	bool incoming;
	bool registered;
	struct mutex lock;
	struct luo_file_set files;
	struct list_head parked;
};

/*
 * At most this many outgoing sessions, so that their records always fit
 * the LUO FDT (%LUO_FDT_MAX_SIZE): a full FDT would only show at FREEZE.
 */
#define LUO_MAX_SESSIONS	4096

/* Serializes creating and retrieving, so that a name check holds. */
static DEFINE_MUTEX(luo_session_lock);
/* Outgoing sessions registered; under luo_session_lock. */
static unsigned int luo_nr_sessions;
/*
 * Retrieved sessions closed without FINISH with files left in them, until
 * LUO's FINISH. Their own lock, taken alone or inside luo_session_lock and
 * LUO's transition mutex, never the other way round.
 */
static DEFINE_MUTEX(luo_parked_lock);
static LIST_HEAD(luo_sessions_parked);
static bool luo_sessions_over;

static int luo_session_prepare(struct luo_participant *p, u64 *data)
{
	struct luo_session *s = p->owner;
	int err;

	mutex_lock(&s->lock);
	err = luo_file_set_prepare(&s->files, data);
	mutex_unlock(&s->lock);
	return err;
}

static int luo_session_freeze(struct luo_participant *p, u64 *data)
{
	struct luo_session *s = p->owner;
	int err;

	mutex_lock(&s->lock);
	err = luo_file_set_freeze(&s->files, data);
	mutex_unlock(&s->lock);
	return err;
}

static void luo_session_cancel(struct luo_participant *p, u64 data)
{
	struct luo_session *s = p->owner;

	mutex_lock(&s->lock);
	luo_file_set_cancel(&s->files);
	mutex_unlock(&s->lock);
}

static const struct luo_participant_ops luo_session_ops = {
	.prepare = luo_session_prepare,
	.freeze = luo_session_freeze,
	.cancel = luo_session_cancel,
};

/* A name from user space: 1 to 63 bytes and a NUL within @name. */
static int luo_session_check_name(const u8 *name)
{
	size_t len = strnlen(name, LIVEUPDATE_SESSION_NAME_LENGTH);

	if (!len || len == LIVEUPDATE_SESSION_NAME_LENGTH)
		return -EINVAL;
	return 0;
}

static void luo_session_free(struct luo_session *s)
{
	luo_file_set_destroy(&s->files);
	mutex_destroy(&s->lock);
	kfree(s);
}

static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *s = file->private_data;

	if (s->registered) {
		/* Cancels the session if it is prepared or frozen. */
		luo_ctx_unregister(luo_global_ctx(), &s->part);
		mutex_lock(&luo_session_lock);
		luo_nr_sessions--;
		mutex_unlock(&luo_session_lock);
		luo_file_set_release(&s->files);
	} else if (s->incoming && luo_file_set_unretrieved(&s->files)) {
		mutex_lock(&luo_parked_lock);
		if (!luo_sessions_over) {
			pr_info("session %s closed with files not retrieved: kept until FINISH, it can be retrieved again\n",
				s->name);
			list_add_tail(&s->parked, &luo_sessions_parked);
			s = NULL;
		}
		mutex_unlock(&luo_parked_lock);
	}
	if (s)
		luo_session_free(s);
	return 0;
}

/**
 * luo_sessions_open() - is any outgoing session open
 *
 * Return: true if a kexec now would hand sessions over.
 */
bool luo_sessions_open(void)
{
	bool open;

	mutex_lock(&luo_session_lock);
	open = luo_nr_sessions;
	mutex_unlock(&luo_session_lock);
	return open;
}

/* A parked session named @name, taken off the list. */
static struct luo_session *luo_session_unpark(const char *name)
{
	struct luo_session *s, *found = NULL;

	mutex_lock(&luo_parked_lock);
	list_for_each_entry(s, &luo_sessions_parked, parked) {
		if (!strcmp(s->name, name)) {
			list_del(&s->parked);
			found = s;
			break;
		}
	}
	mutex_unlock(&luo_parked_lock);
	return found;
}

/**
 * luo_session_incoming_end() - LUO's FINISH: end the parked sessions
 *
 * Called with LUO's transition mutex held, before luo_file_incoming_end(),
 * so that every handler finishes the files of a parked session as it
 * would have at its close: what it retrieved, and what it did not.
 */
void luo_session_incoming_end(void)
{
	struct luo_session *s, *tmp;
	LIST_HEAD(ended);

	mutex_lock(&luo_parked_lock);
	luo_sessions_over = true;
	list_splice_init(&luo_sessions_parked, &ended);
	mutex_unlock(&luo_parked_lock);

	list_for_each_entry_safe(s, tmp, &ended, parked) {
		pr_info("finish: session %s was closed with files not retrieved; they are freed\n",
			s->name);
		list_del(&s->parked);
		luo_session_free(s);
	}
}

static int luo_session_preserve_fd(struct liveupdate_ucmd *ucmd, void *priv)
{
	struct liveupdate_session_preserve_fd *cmd = ucmd->cmd;
	struct luo_session *s = priv;
	int err;

	if (s->incoming)
		return -EINVAL;
	mutex_lock(&s->lock);
	err = luo_file_preserve(&s->files, cmd->fd, cmd->token);
	mutex_unlock(&s->lock);
	return err;
}

static int luo_session_retrieve_fd(struct liveupdate_ucmd *ucmd, void *priv)
{
	struct liveupdate_session_retrieve_fd *cmd = ucmd->cmd;
	struct luo_session *s = priv;
	struct file *file;
	int err, fd;

	if (!s->incoming)
		return -EINVAL;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	mutex_lock(&s->lock);
	err = luo_file_retrieve(&s->files, s->name, cmd->token, &file);
	mutex_unlock(&s->lock);
	if (err) {
		put_unused_fd(fd);
		return err;
	}
	cmd->fd = fd;
	err = liveupdate_ucmd_respond(ucmd, sizeof(*cmd));
	if (err) {
		put_unused_fd(fd);
		mutex_lock(&s->lock);
		luo_file_retrieve_failed(&s->files, cmd->token, file);
		mutex_unlock(&s->lock);
		return err;
	}
	fd_install(fd, file);
	return 0;
}

static int luo_session_finish(struct liveupdate_ucmd *ucmd, void *priv)
{
	struct liveupdate_session_finish *cmd = ucmd->cmd;
	struct luo_session *s = priv;

	if (cmd->reserved)
		return -EINVAL;
	if (!s->incoming)
		return -EINVAL;
	mutex_lock(&s->lock);
	luo_file_set_finish(&s->files);
	mutex_unlock(&s->lock);
	return 0;
}

static int luo_session_get_name(struct liveupdate_ucmd *ucmd, void *priv)
{
	struct liveupdate_session_get_name *cmd = ucmd->cmd;
	struct luo_session *s = priv;

	if (cmd->reserved)
		return -EINVAL;
	memcpy(cmd->name, s->name, sizeof(cmd->name));
	return liveupdate_ucmd_respond(ucmd, sizeof(*cmd));
}

#define LUO_SESSION_OP(_ioctl, _fn, _struct, _last) \
	LIVEUPDATE_IOCTL_OP(_ioctl, _fn, _struct, _last, \
			    LIVEUPDATE_CMD_SESSION_BASE)

static const struct liveupdate_ioctl_op luo_session_ioctl_ops[] = {
	LUO_SESSION_OP(LIVEUPDATE_SESSION_PRESERVE_FD, luo_session_preserve_fd,
		       struct liveupdate_session_preserve_fd, token),
	LUO_SESSION_OP(LIVEUPDATE_SESSION_RETRIEVE_FD, luo_session_retrieve_fd,
		       struct liveupdate_session_retrieve_fd, token),
	LUO_SESSION_OP(LIVEUPDATE_SESSION_FINISH, luo_session_finish,
		       struct liveupdate_session_finish, reserved),
	LUO_SESSION_OP(LIVEUPDATE_SESSION_GET_NAME, luo_session_get_name,
		       struct liveupdate_session_get_name, name),
};

/*
 * The commands lock the session themselves, and never while they copy from
 * or to user space: a fault on the argument may wait on anything (FUSE,
 * userfaultfd), and a kexec waits for the session lock while it holds
 * LUO's.
 */
static long luo_session_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	return liveupdate_ioctl_dispatch(luo_session_ioctl_ops,
					 ARRAY_SIZE(luo_session_ioctl_ops),
					 LIVEUPDATE_CMD_SESSION_BASE, cmd, arg,
					 file->private_data);
}

static const struct file_operations luo_session_fops = {
	.owner = THIS_MODULE,
	.release = luo_session_release,
	.unlocked_ioctl = luo_session_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * A session named @name with its file and a reserved fd, not installed
 * yet: a bad name is -EINVAL.
 */
static struct file *luo_session_new(const u8 *name, bool incoming, int *fd)
{
	struct luo_session *s;
	struct file *file;
	int err;

	err = luo_session_check_name(name);
	if (err)
		return ERR_PTR(err);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	strscpy(s->name, name, sizeof(s->name));
	s->incoming = incoming;
	mutex_init(&s->lock);
	luo_file_set_init(&s->files);
	s->part.name = s->name;
	s->part.group = LUO_GROUP_SESSIONS;
	s->part.ops = &luo_session_ops;
	s->part.owner = s;

	*fd = get_unused_fd_flags(O_CLOEXEC);
	if (*fd < 0) {
		err = *fd;
		goto free;
	}
	file = anon_inode_getfile("[liveupdate_session]", &luo_session_fops, s,
				  O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		put_unused_fd(*fd);
		goto free;
	}
	return file;

free:
	luo_session_free(s);
	return ERR_PTR(err);
}

/**
 * luo_session_show_files() - the files of an outgoing session, for sysfs
 * @p: the session's participant (in %LUO_GROUP_SESSIONS)
 * @buf: the sysfs buffer
 * @len: what @buf holds already
 *
 * Return: the new length of @buf.
 */
int luo_session_show_files(struct luo_participant *p, char *buf, int len)
{
	struct luo_session *s = p->owner;

	mutex_lock(&s->lock);
	len = luo_file_set_show(&s->files, s->name, buf, len);
	mutex_unlock(&s->lock);
	return len;
}

/**
 * liveupdate_session_install() - hand a new session's fd to user space
 * @fd: the fd liveupdate_session_create() or liveupdate_session_retrieve()
 *	reserved
 * @file: the session file it returned
 * @err: 0 to install @file at @fd; else both are dropped, and with them
 *	the session (an outgoing one is unregistered, a retrieved one stays
 *	claimed)
 *
 * The control device first copies @fd to user space and installs it only
 * if that worked, so that no fd is leaked to a caller that never learns it.
 *
 * Return: @fd, or @err.
 */
int liveupdate_session_install(int fd, struct file *file, int err)
{
	if (err) {
		put_unused_fd(fd);
		fput(file);
		return err;
	}
	fd_install(fd, file);
	return fd;
}

/**
 * liveupdate_session_create() - create an outgoing session
 * @name: its name, as user space passed it (%LIVEUPDATE_SESSION_NAME_LENGTH
 *	bytes)
 * @filep: where to store the session's file
 *
 * Returns a reserved fd and the session's file; liveupdate_session_install()
 * installs them.
 *
 * Return: the fd; -EINVAL for an empty, unterminated or not printable
 * name; -EEXIST if an outgoing session has the name, or a session of the
 * previous kernel with the name was not retrieved yet; -EBUSY once PREPARE
 * has started or during a kexec; -ENOSPC if %LUO_MAX_SESSIONS sessions
 * are open; -ENOMEM, -EMFILE.
 */
int liveupdate_session_create(const u8 *name, struct file **filep)
{
	struct luo_ctx *ctx = luo_global_ctx();
	struct luo_session *s;
	struct file *file;
	int err, fd;

	file = luo_session_new(name, false, &fd);
	if (IS_ERR(file))
		return PTR_ERR(file);
	s = file->private_data;

	mutex_lock(&luo_session_lock);
	if (luo_nr_sessions >= LUO_MAX_SESSIONS)
		err = -ENOSPC;
	else if (luo_ctx_unclaimed(ctx, LUO_GROUP_SESSIONS, s->name))
		err = -EEXIST;
	else
		err = luo_ctx_register(ctx, &s->part);
	s->registered = !err;
	luo_nr_sessions += s->registered;
	mutex_unlock(&luo_session_lock);
	if (err)
		return liveupdate_session_install(fd, file, err);
	*filep = file;
	return fd;
}

/**
 * liveupdate_session_retrieve() - claim a session of the previous kernel
 * @name: its name, as user space passed it (%LIVEUPDATE_SESSION_NAME_LENGTH
 *	bytes)
 * @filep: where to store the session's file
 *
 * Returns a reserved fd and the session's file; liveupdate_session_install()
 * installs them.
 *
 * A session whose fd was closed with files left in it is retrieved again,
 * with the files it still holds (see the DOC above).
 *
 * Return: the fd; -EINVAL for a bad name, a session already retrieved
 * (and still open) or one whose file table fails its checks (logged);
 * -ENOENT if the previous kernel handed no session over under @name, or
 * this kernel is not ``updated`` (any more); -ENOMEM, -EMFILE.
 */
int liveupdate_session_retrieve(const u8 *name, struct file **filep)
{
	struct luo_session *s, *parked;
	struct file *file;
	int err = 0, fd;
	u64 data;

	file = luo_session_new(name, true, &fd);
	if (IS_ERR(file))
		return PTR_ERR(file);
	s = file->private_data;

	mutex_lock(&luo_session_lock);
	parked = luo_session_unpark(s->name);
	if (!parked)
		err = luo_ctx_claim(luo_global_ctx(), LUO_GROUP_SESSIONS,
				    s->name, &data);
	mutex_unlock(&luo_session_lock);
	if (parked) {
		luo_file_set_move(&s->files, &parked->files);
		luo_session_free(parked);
		pr_info("session %s retrieved again\n", s->name);
		*filep = file;
		return fd;
	}
	if (err)
		return liveupdate_session_install(fd, file, err == -EALREADY ?
						  -EINVAL : -ENOENT);
	err = luo_file_set_load(&s->files, s->name, data);
	if (err)
		return liveupdate_session_install(fd, file, err);
	*filep = file;
	return fd;
}
