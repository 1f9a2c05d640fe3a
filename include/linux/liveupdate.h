/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator (LUO): in-kernel API.
 *
 * See Documentation/core-api/liveupdate.rst.
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <uapi/linux/liveupdate.h>

struct file;
struct liveupdate_subsystem;
struct luo_participant;

/* Longest subsystem name, without the terminating NUL. */
#define LIVEUPDATE_NAME_MAX	63

/**
 * struct liveupdate_subsystem_ops - callbacks of a live update subsystem
 * @prepare: Called on PREPARE, in registration order, while the system
 *	still runs normally. Preserve what the next kernel needs (for example
 *	with kho_preserve_folio()) and store in @data a value to hand over,
 *	typically the physical address of the subsystem's own preserved
 *	state. Return 0 or a negative errno; on failure every subsystem already
 *	prepared is cancelled in reverse order and LUO returns to ``normal``,
 *	so the failing subsystem must undo its own partial work before
 *	returning.
 * @freeze: Called on FREEZE (normally from the kexec path, inside the
 *	blackout), in registration order. @data holds the value from @prepare
 *	and may be updated. Keep it short. On failure every subsystem,
 *	including this one, is cancelled in reverse order.
 * @cancel: Called in reverse registration order when an update is
 *	abandoned after a successful @prepare: undo everything @prepare and
 *	@freeze did. @data is the last value stored. Cannot fail. Optional.
 * @finish: Called in the next kernel on FINISH, once userspace is done
 *	with the update. @data is what the previous kernel's subsystem of the
 *	same name handed over, or 0 if it handed over nothing. Release what
 *	is no longer needed. Cannot fail. Optional.
 *
 * All callbacks run in process context with LUO's transition mutex held:
 * they may sleep, but must not register, unregister or retrieve, nor call
 * anything that waits for a LUO transition. Likewise a subsystem must not
 * call into LUO while holding a lock that its callbacks also take (see
 * "Locking rules for participants" in
 * Documentation/core-api/liveupdate.rst).
 */
struct liveupdate_subsystem_ops {
	int (*prepare)(struct liveupdate_subsystem *subsys, u64 *data);
	int (*freeze)(struct liveupdate_subsystem *subsys, u64 *data);
	void (*cancel)(struct liveupdate_subsystem *subsys, u64 data);
	void (*finish)(struct liveupdate_subsystem *subsys, u64 data);
};

/**
 * struct liveupdate_subsystem - a kernel subsystem taking part in updates
 * @name: Unique name, 1 to %LIVEUPDATE_NAME_MAX characters. The next
 *	kernel finds the data by this name, so keep it stable across versions.
 * @ops: Callbacks; @ops->prepare and @ops->freeze are required.
 * @arg: Free for the subsystem's own use.
 *
 * The structure, its @ops and the code they point to must stay valid while
 * registered. A module that registers a subsystem must unregister it in
 * its exit function: liveupdate_unregister_subsystem() always succeeds
 * and, once it returns, LUO never calls the subsystem again, so no module
 * reference is needed. The remaining members are private to LUO; leave
 * them zeroed before registration.
 */
struct liveupdate_subsystem {
	const char *name;
	const struct liveupdate_subsystem_ops *ops;
	void *arg;
	/* private: */
	struct luo_participant *participant;
};

struct liveupdate_file_handler;

/* Longest file handler compatible string, without the terminating NUL. */
#define LIVEUPDATE_FILE_COMPAT_MAX	47

/**
 * struct liveupdate_file - a file preserved in a session, as its handler
 *	sees it in the kernel that preserves it
 * @handler: the handler that preserves it
 * @file: the file; LUO holds a reference while it is preserved
 * @token: the token user space preserved it under
 * @data: what to hand over, set by &liveupdate_file_ops.freeze: typically
 *	the physical address of the handler's own KHO-preserved state
 * @bytes: memory the file hands over so far, for status reports; kept up
 *	to date by the handler
 * @private: free for the handler
 */
struct liveupdate_file {
	struct liveupdate_file_handler *handler;
	struct file *file;
	u64 token;
	u64 data;
	u64 bytes;
	void *private;
};

/**
 * struct liveupdate_file_ops - callbacks of a file handler
 * @can_preserve: Does this handler preserve @file? Called for every
 *	handler, in registration order, until one says yes. Required.
 * @preserve: %LIVEUPDATE_SESSION_PRESERVE_FD: do the heavy work now, while
 *	the file's user keeps running (pin and preserve memory, for example).
 *	The error is returned to user space. Required.
 * @prepare: PREPARE (or the start of a kexec with sessions open): catch up
 *	with what changed since @preserve. Optional.
 * @freeze: FREEZE (normally inside the kexec): finish, write the handover
 *	state and set &liveupdate_file.data. Keep it short. Required.
 * @cancel: the update is abandoned after @prepare: undo what @prepare and
 *	@freeze did, so that the file is as after @preserve. Cannot fail.
 *	Optional.
 * @unpreserve: the file is no longer preserved (its session was closed,
 *	by its process or because the process died): undo @preserve.
 *	Called after @cancel if @prepare ran. Cannot fail. Required.
 * @retrieve: In the next kernel, %LIVEUPDATE_SESSION_RETRIEVE_FD: build a
 *	new file from @data, what @freeze handed over, and store it in
 *	@filep. On failure, release what was taken back. Called at most once
 *	per preserved file. Required.
 * @finish: In the next kernel, when the session is finished, for every
 *	file it handed over: @retrieved tells whether @retrieve succeeded.
 *	Release what the handler still holds of @data (for a file that was
 *	not retrieved, all of it). Cannot fail. Optional: without it, memory
 *	of files nobody retrieved is freed by LUO's FINISH.
 *
 * The outgoing callbacks run with the file's session locked, @prepare,
 * @freeze and @cancel also with LUO's transition mutex held; the rules of
 * &struct liveupdate_subsystem_ops apply.
 */
struct liveupdate_file_ops {
	bool (*can_preserve)(struct liveupdate_file_handler *handler,
			     struct file *file);
	int (*preserve)(struct liveupdate_file *lf);
	int (*prepare)(struct liveupdate_file *lf);
	int (*freeze)(struct liveupdate_file *lf);
	void (*cancel)(struct liveupdate_file *lf);
	void (*unpreserve)(struct liveupdate_file *lf);
	int (*retrieve)(struct liveupdate_file_handler *handler, u64 data,
			struct file **filep);
	void (*finish)(struct liveupdate_file_handler *handler, u64 data,
		       bool retrieved);
};

/**
 * struct liveupdate_file_handler - a kind of file that can be preserved
 * @compatible: Name and version of the handler's handover format, 1 to
 *	%LIVEUPDATE_FILE_COMPAT_MAX printable characters, unique among
 *	handlers. The next kernel gives a preserved file to the handler of
 *	the same compatible string; change it whenever the format changes.
 * @ops: callbacks
 * @owner: the module that provides @ops, or NULL if built in
 *
 * The remaining members are private to LUO; leave them zeroed.
 */
struct liveupdate_file_handler {
	const char *compatible;
	const struct liveupdate_file_ops *ops;
	struct module *owner;
	/* private: */
	struct list_head list;
	unsigned long nr_files;
};

#ifdef CONFIG_LIVEUPDATE

int liveupdate_register_file_handler(struct liveupdate_file_handler *handler);
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *handler);
bool liveupdate_enabled(void);
enum liveupdate_state liveupdate_state(void);
int liveupdate_register_subsystem(struct liveupdate_subsystem *subsys);
int liveupdate_unregister_subsystem(struct liveupdate_subsystem *subsys);
int liveupdate_subsystem_retrieve(struct liveupdate_subsystem *subsys,
				  u64 *data);
int liveupdate_retrieve(const char *name, u64 *data);
int liveupdate_event(u32 event);
void liveupdate_owner_release(void);
int liveupdate_reboot(void);
void liveupdate_reboot_abort(void);

/* Largest ioctl structure liveupdate_ioctl_dispatch() copies in. */
#define LIVEUPDATE_UCMD_MAX	128

/**
 * struct liveupdate_ucmd - one ioctl call on a LUO file
 * @ubuffer: the caller's argument
 * @user_size: the size the caller gave, the first u32 of its structure
 * @cmd: the kernel's copy, zero-filled past what the caller passed
 */
struct liveupdate_ucmd {
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/**
 * struct liveupdate_ioctl_op - one command of an ioctl table
 * @size: size of the kernel's structure
 * @min_size: smallest @size the caller may pass
 * @ioctl_num: the full ioctl number
 * @execute: runs the command; its second argument is the dispatcher's
 */
struct liveupdate_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct liveupdate_ucmd *ucmd, void *priv);
};

/* Entry of an ioctl table indexed by number, for a structure up to @_last. */
#define LIVEUPDATE_IOCTL_OP(_ioctl, _fn, _struct, _last, _base)		\
	[_IOC_NR(_ioctl) - (_base)] = {					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(_struct) >		\
					  LIVEUPDATE_UCMD_MAX),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

long liveupdate_ioctl_dispatch(const struct liveupdate_ioctl_op *ops,
			       unsigned int nr_ops, unsigned int base,
			       unsigned int cmd, unsigned long arg, void *priv);
int liveupdate_ucmd_respond(struct liveupdate_ucmd *ucmd, size_t len);
int liveupdate_session_create(const u8 *name, struct file **filep);
int liveupdate_session_retrieve(const u8 *name, struct file **filep);
int liveupdate_session_install(int fd, struct file *file, int err);

#else /* !CONFIG_LIVEUPDATE */

static inline int
liveupdate_register_file_handler(struct liveupdate_file_handler *handler)
{
	return -EOPNOTSUPP;
}

static inline int
liveupdate_unregister_file_handler(struct liveupdate_file_handler *handler)
{
	return -EOPNOTSUPP;
}

static inline bool liveupdate_enabled(void)
{
	return false;
}

static inline enum liveupdate_state liveupdate_state(void)
{
	return LIVEUPDATE_STATE_UNDEFINED;
}

static inline int
liveupdate_register_subsystem(struct liveupdate_subsystem *subsys)
{
	return -EOPNOTSUPP;
}

static inline int
liveupdate_unregister_subsystem(struct liveupdate_subsystem *subsys)
{
	return -EOPNOTSUPP;
}

static inline int
liveupdate_subsystem_retrieve(struct liveupdate_subsystem *subsys, u64 *data)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_retrieve(const char *name, u64 *data)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_event(u32 event)
{
	return -EOPNOTSUPP;
}

static inline void liveupdate_owner_release(void)
{
}

static inline int liveupdate_reboot(void)
{
	return 0;
}

static inline void liveupdate_reboot_abort(void)
{
}

#endif /* CONFIG_LIVEUPDATE */

#endif /* _LINUX_LIVEUPDATE_H */
