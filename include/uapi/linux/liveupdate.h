/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Live Update Orchestrator (LUO) user ABI: the /dev/liveupdate device.
 *
 * See Documentation/core-api/liveupdate.rst.
 */
#ifndef _UAPI_LINUX_LIVEUPDATE_H
#define _UAPI_LINUX_LIVEUPDATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: General ioctl format
 *
 * /dev/liveupdate drives the Live Update Orchestrator. It has one owner at
 * a time and needs CAP_SYS_ADMIN. open() fails with, in this order:
 *
 *  - EPERM: the caller lacks CAP_SYS_ADMIN (whether or not LUO runs).
 *  - ENODEV: LUO is disabled (``liveupdate=off``, or KHO is off) or
 *    failed to start.
 *  - EBUSY: the device is already open (one owner at a time).
 *
 * Closing the device while LUO is ``prepared`` or ``frozen`` sends
 * %LIVEUPDATE_EVENT_CANCEL: an update is only carried out while its owner
 * holds the device open, so a crashed or killed owner never leaves the
 * system half-prepared. The owner keeps the file open across the
 * ``reboot(LINUX_REBOOT_CMD_KEXEC)`` that starts the update (for example
 * by exec'ing kexec with the descriptor inherited). That reboot() freezes
 * a ``prepared`` LUO and fails with ECANCELED if a participant fails to
 * freeze (every participant is then cancelled and LUO is ``normal``). From
 * the moment it got past the freeze until it either kexecs or fails,
 * every event fails with EBUSY and closing the device cancels nothing. If
 * the kexec fails after that, an update frozen by the reboot() itself is
 * cancelled back to ``normal``; one frozen by an explicit
 * %LIVEUPDATE_EVENT_FREEZE stays ``frozen`` (unless the device was
 * closed meanwhile).
 *
 * Every ioctl takes a pointer to a structure whose first member is
 * ``__u32 size``, set by userspace to the size of the structure it knows.
 * The kernel reads min(size, its own size) bytes; bytes beyond what it
 * knows must be zero. This lets old binaries run on new kernels and new
 * binaries on old kernels as long as they leave new fields zero.
 *
 * Each error has one meaning on every ioctl:
 *
 *  - ENOTTY: the ioctl number is not supported.
 *  - EFAULT: the argument could not be read or written.
 *  - EINVAL: @size is smaller than the smallest version of the structure,
 *    or a reserved field is not zero.
 *  - E2BIG: @size is larger than the kernel's structure and the extra
 *    bytes are not zero, or @size is larger than a page.
 *  - EOPNOTSUPP: @flags holds a bit the kernel does not know; or, for
 *    %LIVEUPDATE_EVENT_PREPARE, KHO is not enabled (boot with ``kho=on``),
 *    so nothing could be handed over; no participant was called.
 *  - EBADRQC: the event number is not a known &enum liveupdate_event.
 *  - EBUSY: the event is not allowed in the current state (see
 *    &enum liveupdate_event), or a kexec is under way; nothing changed.
 *  - ECANCELED: a participant (or LUO's own serialization) failed during
 *    PREPARE or FREEZE; every participant already done was cancelled in
 *    reverse order and the state is back to ``normal``. The kernel log
 *    names the participant and its error.
 *  - EINTR: a signal arrived while waiting for another transition.
 */

/* The same ioctl type as mainline's LUO session ioctls. */
#define LIVEUPDATE_IOCTL_TYPE		0xBA

/*
 * Numbers 0x00-0x0f on /dev/liveupdate and 0x40-0x4f on session files are
 * mainline's session ioctls, with mainline's numbers and layouts; the
 * control ioctls of the state machine use 0x10 and up.
 */
enum {
	LIVEUPDATE_CMD_CREATE_SESSION = 0x00,
	LIVEUPDATE_CMD_RETRIEVE_SESSION = 0x01,
	LIVEUPDATE_CMD_GET_STATE = 0x10,
	LIVEUPDATE_CMD_SET_EVENT = 0x11,
};

enum {
	LIVEUPDATE_CMD_SESSION_BASE = 0x40,
	LIVEUPDATE_CMD_SESSION_PRESERVE_FD = LIVEUPDATE_CMD_SESSION_BASE,
	LIVEUPDATE_CMD_SESSION_RETRIEVE_FD = 0x41,
	LIVEUPDATE_CMD_SESSION_FINISH = 0x42,
	LIVEUPDATE_CMD_SESSION_GET_NAME = 0x43,
};

/* Room for a session name: 1 to 63 bytes and the NUL. */
#define LIVEUPDATE_SESSION_NAME_LENGTH	64

/**
 * enum liveupdate_state - state of the Live Update Orchestrator
 * @LIVEUPDATE_STATE_UNDEFINED: LUO has not started (early boot), is
 *	disabled with ``liveupdate=off``, or failed to start.
 * @LIVEUPDATE_STATE_NORMAL: no update in progress; kexec preserves nothing.
 * @LIVEUPDATE_STATE_PREPARED: every participant prepared its state for an
 *	update; the system runs normally otherwise. A kexec now freezes
 *	automatically.
 * @LIVEUPDATE_STATE_FROZEN: every participant froze and LUO's state is
 *	serialized for the next kernel; only a kexec or a cancel follows.
 * @LIVEUPDATE_STATE_UPDATED: this kernel booted from a live update and
 *	participants can reclaim their data until %LIVEUPDATE_EVENT_FINISH.
 */
enum liveupdate_state {
	LIVEUPDATE_STATE_UNDEFINED = 0,
	LIVEUPDATE_STATE_NORMAL = 1,
	LIVEUPDATE_STATE_PREPARED = 2,
	LIVEUPDATE_STATE_FROZEN = 3,
	LIVEUPDATE_STATE_UPDATED = 4,
};

/**
 * enum liveupdate_event - events that move the state machine
 * @LIVEUPDATE_EVENT_PREPARE: ``normal`` -> ``prepared``. Calls every
 *	participant's prepare callback in registration order; if one fails,
 *	the ones already prepared are cancelled in reverse order.
 * @LIVEUPDATE_EVENT_FREEZE: ``prepared`` -> ``frozen``. Calls every freeze
 *	callback and serializes LUO for the next kernel. Normally done by the
 *	kernel itself at kexec time; sending it by hand is allowed (the blackout
 *	then starts here).
 * @LIVEUPDATE_EVENT_CANCEL: ``prepared`` or ``frozen`` -> ``normal``. Calls
 *	every cancel callback in reverse order; cannot fail, but is refused
 *	with EBUSY once a kexec got past the freeze.
 * @LIVEUPDATE_EVENT_FINISH: ``updated`` -> ``normal``. Calls every finish
 *	callback and frees all handed-over memory nobody reclaimed.
 *
 * Zero is not an event, so a zero-filled structure is refused.
 */
enum liveupdate_event {
	LIVEUPDATE_EVENT_PREPARE = 1,
	LIVEUPDATE_EVENT_FREEZE = 2,
	LIVEUPDATE_EVENT_CANCEL = 3,
	LIVEUPDATE_EVENT_FINISH = 4,
};

/**
 * struct liveupdate_ioctl_get_state - ioctl(LIVEUPDATE_IOCTL_GET_STATE)
 * @size: sizeof(struct liveupdate_ioctl_get_state)
 * @flags: Must be 0
 * @state: Output: the current &enum liveupdate_state
 * @__reserved: Must be 0
 *
 * Read the current state. Never blocks on a transition in progress: it
 * reports the state before or after it.
 */
struct liveupdate_ioctl_get_state {
	__u32 size;
	__u32 flags;
	__u32 state;
	__u32 __reserved;
};
#define LIVEUPDATE_IOCTL_GET_STATE \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_GET_STATE)

/**
 * struct liveupdate_ioctl_set_event - ioctl(LIVEUPDATE_IOCTL_SET_EVENT)
 * @size: sizeof(struct liveupdate_ioctl_set_event)
 * @flags: Must be 0
 * @event: An &enum liveupdate_event
 * @__reserved: Must be 0
 *
 * Send one event and wait until the transition it starts is complete.
 * Transitions are serialized: a second caller (for example the kernel's own
 * kexec path) waits for the first.
 */
struct liveupdate_ioctl_set_event {
	__u32 size;
	__u32 flags;
	__u32 event;
	__u32 __reserved;
};
#define LIVEUPDATE_IOCTL_SET_EVENT \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SET_EVENT)

/**
 * DOC: Sessions
 * A session groups the files one process hands over to the next kernel.
 * It is created on /dev/liveupdate and then lives on its own file
 * descriptor (O_CLOEXEC, O_RDWR), which the process keeps open through
 * the kexec; /dev/liveupdate itself may be closed again. Closing the fd
 * of a session created in this kernel drops everything it preserved from
 * the update. In the next kernel the process retrieves the session by
 * name, once, takes its files back by token and finishes it; closing a
 * retrieved session's fd finishes it too once every file was taken back,
 * while one closed with files left in it (its process died or gave up)
 * is kept until LUO's FINISH (or the next kexec) and can be retrieved
 * again meanwhile; mainline frees such files at the close instead, and a
 * process that wants that sends FINISH on the session first. A
 * kexec while LUO is ``normal``
 * and any session is open prepares and freezes implicitly.
 */

/**
 * struct liveupdate_ioctl_create_session - ioctl(LIVEUPDATE_IOCTL_CREATE_SESSION)
 * @size: sizeof(struct liveupdate_ioctl_create_session)
 * @fd: Output: file descriptor of the new session
 * @name: Session name: 1 to 63 printable ASCII bytes, then a NUL
 *
 * Create an outgoing session. Errors: EINVAL for an empty, unterminated or
 * not printable name; EEXIST if a session of this kernel has the name, or
 * a session of the previous kernel with that name was not retrieved yet;
 * EBUSY once PREPARE has started (the set of sessions is fixed until the
 * kexec or CANCEL) or during a kexec; ENOSPC if 4096 sessions are open;
 * ENOMEM; EMFILE.
 */
struct liveupdate_ioctl_create_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};
#define LIVEUPDATE_IOCTL_CREATE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_CREATE_SESSION)

/**
 * struct liveupdate_ioctl_retrieve_session - ioctl(LIVEUPDATE_IOCTL_RETRIEVE_SESSION)
 * @size: sizeof(struct liveupdate_ioctl_retrieve_session)
 * @fd: Output: file descriptor of the retrieved session
 * @name: Name the session had in the previous kernel, NUL-terminated
 *
 * Retrieve a session the previous kernel handed over; only in the
 * ``updated`` state, until FINISH. Errors: ENOENT if no session of that
 * name was handed over (or this kernel was not live updated); EINVAL for a
 * bad name or a session already retrieved; ENOMEM; EMFILE.
 */
struct liveupdate_ioctl_retrieve_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};
#define LIVEUPDATE_IOCTL_RETRIEVE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_RETRIEVE_SESSION)

/**
 * struct liveupdate_session_preserve_fd - ioctl(LIVEUPDATE_SESSION_PRESERVE_FD)
 * @size: sizeof(struct liveupdate_session_preserve_fd)
 * @fd: File descriptor to preserve
 * @token: Value that names the file in the next kernel, unique in the
 *	session
 *
 * Preserve a file in an outgoing session; the session holds it from now
 * on, and the caller may close @fd. Files that can be preserved: memfds
 * (not hugetlbfs ones). Errors: EBADF for a bad @fd; EEXIST if @token is
 * taken in the session; EBUSY if the file is preserved already, in any
 * session, or the session is prepared; ENOENT if no handler can preserve
 * files of its type; ENOSPC if the session holds 4096 files; EFBIG for a
 * memfd of more than UINT_MAX pages; EINVAL on a retrieved session.
 * While a memfd is preserved, changing its size, writing past its end and
 * fallocate() fail with EPERM.
 */
struct liveupdate_session_preserve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};
#define LIVEUPDATE_SESSION_PRESERVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_PRESERVE_FD)

/**
 * struct liveupdate_session_retrieve_fd - ioctl(LIVEUPDATE_SESSION_RETRIEVE_FD)
 * @size: sizeof(struct liveupdate_session_retrieve_fd)
 * @fd: Output: a new O_CLOEXEC file descriptor for the file
 * @token: The token the file was preserved with
 *
 * Take a file of a retrieved session back, once. Errors: ENOENT for a
 * token the session does not hold, or after LUO's FINISH; EINVAL on a
 * session of this kernel, on a finished session or for a file retrieved
 * already; EOPNOTSUPP if this kernel has no handler for the file's format.
 * A failed retrieval fails again with the same error.
 */
struct liveupdate_session_retrieve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};
#define LIVEUPDATE_SESSION_RETRIEVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_RETRIEVE_FD)

/**
 * struct liveupdate_session_finish - ioctl(LIVEUPDATE_SESSION_FINISH)
 * @size: sizeof(struct liveupdate_session_finish)
 * @reserved: Must be 0
 *
 * End the restoration of a retrieved session: what was not retrieved is
 * released, and nothing can be retrieved any more. Closing the session
 * does the same once every file was retrieved (see above for a session
 * closed with files left in it). Errors: EINVAL on a session of this
 * kernel.
 */
struct liveupdate_session_finish {
	__u32 size;
	__u32 reserved;
};
#define LIVEUPDATE_SESSION_FINISH \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_FINISH)

/**
 * struct liveupdate_session_get_name - ioctl(LIVEUPDATE_SESSION_GET_NAME)
 * @size: sizeof(struct liveupdate_session_get_name)
 * @reserved: Must be 0
 * @name: Output: the session's name, NUL-terminated
 *
 * Read the name of a session, of this kernel or retrieved.
 */
struct liveupdate_session_get_name {
	__u32 size;
	__u32 reserved;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};
#define LIVEUPDATE_SESSION_GET_NAME \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_GET_NAME)

#endif /* _UAPI_LINUX_LIVEUPDATE_H */
