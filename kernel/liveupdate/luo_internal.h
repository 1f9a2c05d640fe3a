/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator (LUO): definitions shared by the LUO core files
 * and its KUnit test. Not an API for the rest of the kernel.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/liveupdate.h>
#include <linux/liveupdate/device_abi.h>
#include <linux/liveupdate/luo_abi.h>
#include <kunit/visibility.h>

struct device;
struct folio;

/**
 * enum luo_group - kinds of participants
 * @LUO_GROUP_SUBSYSTEMS: &struct liveupdate_subsystem (luo_subsystems.c)
 * @LUO_GROUP_SESSIONS: outgoing sessions (luo_session.c)
 * @LUO_GROUP_DEVICES: devices kept running (luo_device.c)
 * @LUO_NR_GROUPS: number of groups
 *
 * Each group is one node of the LUO FDT. Later kinds (preserved files,
 * sessions, devices) become new groups: the state machine, the registry
 * and the serialization do not change, only the ABI version does.
 */
enum luo_group {
	LUO_GROUP_SUBSYSTEMS,
	LUO_GROUP_SESSIONS,
	LUO_GROUP_DEVICES,
	LUO_NR_GROUPS,
};

extern const char * const luo_group_names[LUO_NR_GROUPS];

/* Longest an unregistration waits for a kexec under way to end. */
#define LUO_UNREGISTER_WAIT	(10 * HZ)

/**
 * struct luo_participant_ops - what the state machine calls
 * @prepare: see &struct liveupdate_subsystem_ops.prepare; required
 * @freeze: see &struct liveupdate_subsystem_ops.freeze; required
 * @cancel: see &struct liveupdate_subsystem_ops.cancel; optional
 * @finish: see &struct liveupdate_subsystem_ops.finish; optional
 */
struct luo_participant_ops {
	int (*prepare)(struct luo_participant *p, u64 *data);
	int (*freeze)(struct luo_participant *p, u64 *data);
	void (*cancel)(struct luo_participant *p, u64 data);
	void (*finish)(struct luo_participant *p, u64 data);
};

struct luo_incoming;

/**
 * struct luo_participant - one entry of LUO's registry
 * @list: link in &struct luo_ctx.participants, in registration order
 * @name: name, unique in @group; owned by the registrant
 * @group: kind of participant, selects the FDT node it is saved under
 * @ops: callbacks
 * @owner: the registrant's object (e.g. &struct liveupdate_subsystem)
 * @data: value to hand over, set by @ops->prepare and @ops->freeze
 * @prepared: @ops->prepare succeeded and nothing cancelled it yet
 * @frozen: @ops->freeze succeeded and nothing cancelled it yet
 * @incoming: in the ``updated`` state, what the previous kernel handed
 *	over under the same group and name, or NULL
 */
struct luo_participant {
	struct list_head list;
	const char *name;
	enum luo_group group;
	const struct luo_participant_ops *ops;
	void *owner;
	u64 data;
	bool prepared;
	bool frozen;
	struct luo_incoming *incoming;
};

/**
 * struct luo_incoming - one participant record from the previous kernel
 * @list: link in &struct luo_ctx.incoming
 * @group: group it was saved under
 * @name: its name
 * @data: the value the previous kernel's participant handed over
 * @claimed: someone retrieved @data
 * @owner: the participant registered under @name in this kernel, or NULL
 */
struct luo_incoming {
	struct list_head list;
	enum luo_group group;
	char name[LUO_FDT_NAME_MAX];
	u64 data;
	bool claimed;
	struct luo_participant *owner;
};

/**
 * struct luo_ctx - one instance of the LUO state machine
 * @lock: serializes transitions, registration and retrieval; held while
 *	participant callbacks run
 * @list_lock: protects adding to and removing from @participants and
 *	@incoming, and &struct luo_incoming.claimed. Taken inside @lock by
 *	writers; readers that only report (sysfs) take it alone, so they never
 *	wait for a whole PREPARE or FREEZE. Never held across a callback.
 * @state: current state; written under @lock, read locklessly for reports
 * @participants: registered &struct luo_participant, in registration order
 * @incoming: &struct luo_incoming records from the previous kernel; kept
 *	after FINISH so that sysfs can report what was reclaimed
 * @nr_unclaimed: records nobody retrieved, counted at FINISH
 * @handover: publish to and release through KHO; false in KUnit instances
 * @rebooting: a kexec passed luo_ctx_reboot() and has not been aborted:
 *	no event is accepted, the owner's release undoes nothing and an
 *	unregistration waits on @reboot_done
 * @reboot_froze: luo_ctx_reboot() did the freeze itself (from
 *	``prepared``), so an aborted kexec cancels back to ``normal``
 * @abort_cancels: the owner went away while @rebooting, so an aborted
 *	kexec cancels even an explicit freeze
 * @reboot_done: woken when @rebooting ends because the kexec was aborted
 * @reboot_task: the task that passed luo_ctx_reboot(): the kexec itself,
 *	whose own unregistrations (reboot notifiers, device shutdown) must
 *	not wait for the kexec to end
 * @reboot_left: a participant was unlinked while @rebooting and is still
 *	in the FDT, which an aborted kexec that stays ``frozen`` rebuilds
 * @reboot_finished: luo_ctx_reboot() finished an update: if the kexec does
 *	not happen, what nobody reclaimed is released as FINISH would
 * @fdt_folio: outgoing LUO FDT while ``frozen``, else NULL
 *
 * The kernel has one instance; KUnit creates private ones.
 */
struct luo_ctx {
	struct mutex lock;	/* serializes everything below */
	struct mutex list_lock;	/* list membership, for lockless reporters */
	enum liveupdate_state state;
	struct list_head participants;
	struct list_head incoming;
	unsigned int nr_unclaimed;
	bool handover;
	bool rebooting;
	bool reboot_froze;
	bool abort_cancels;
	wait_queue_head_t reboot_done;
	struct task_struct *reboot_task;
	bool reboot_left;
	bool reboot_finished;
	struct folio *fdt_folio;
};

struct luo_file_in;

/**
 * struct luo_file_set - the files of one session (luo_file.c)
 * @files: outgoing &struct luo_file, in the order they were preserved
 * @nr_files: entries in @files
 * @prepared: PREPARE reached the set and nothing cancelled it
 * @table: while @prepared with files, the file table handed over
 * @table_preserved: @table is preserved in KHO
 * @in: a retrieved session's files, sorted by token
 * @nr_in: entries in @in
 * @finished: the retrieved session was finished
 */
struct luo_file_set {
	struct list_head files;
	unsigned int nr_files;
	bool prepared;
	struct folio *table;
	bool table_preserved;
	struct luo_file_in *in;
	unsigned int nr_in;
	bool finished;
};

/* luo_file.c */
void luo_file_set_init(struct luo_file_set *set);
int luo_file_preserve(struct luo_file_set *set, int fd, u64 token);
int luo_file_set_show(struct luo_file_set *set, const char *session,
		      char *buf, int len);
int luo_file_set_prepare(struct luo_file_set *set, u64 *data);
int luo_file_set_freeze(struct luo_file_set *set, u64 *data);
void luo_file_set_cancel(struct luo_file_set *set);
void luo_file_set_release(struct luo_file_set *set);
int luo_file_set_load(struct luo_file_set *set, const char *session,
		      u64 data);
int luo_file_retrieve(struct luo_file_set *set, const char *session,
		      u64 token, struct file **filep);
void luo_file_retrieve_failed(struct luo_file_set *set, u64 token,
			      struct file *file);
void luo_file_set_finish(struct luo_file_set *set);
bool luo_file_set_unretrieved(struct luo_file_set *set);
void luo_file_set_move(struct luo_file_set *to, struct luo_file_set *from);
void luo_file_set_destroy(struct luo_file_set *set);
void luo_file_incoming_end(void);

/* luo_device_pci.c */
#if IS_ENABLED(CONFIG_LIVEUPDATE_DEVICES)
int luo_device_name(struct device *dev, char *buf, size_t len);
int luo_device_describe(struct device *dev, struct luo_device_ser *rec);
const char *luo_device_check(const struct luo_device_ser *rec,
			     const struct luo_device_ser *found);
int luo_device_take(struct device *dev, const char *driver, u64 *data);
int luo_device_reattached(struct device *dev, u64 *data);
void luo_device_incoming_close(void);
void luo_device_incoming_end(void);
#else
static inline void luo_device_incoming_close(void)
{
}

static inline void luo_device_incoming_end(void)
{
}
#endif

/* luo_session.c */
int luo_session_show_files(struct luo_participant *p, char *buf, int len);
bool luo_sessions_open(void);
void luo_session_incoming_end(void);

/* luo_core.c */
void luo_ctx_init(struct luo_ctx *ctx, bool handover);
void luo_ctx_destroy(struct luo_ctx *ctx);
int luo_ctx_event(struct luo_ctx *ctx, u32 event);
int luo_ctx_reboot(struct luo_ctx *ctx);
void luo_ctx_reboot_abort(struct luo_ctx *ctx);
void luo_ctx_owner_release(struct luo_ctx *ctx);
int luo_ctx_register(struct luo_ctx *ctx, struct luo_participant *p);
int luo_ctx_unregister(struct luo_ctx *ctx, struct luo_participant *p);
int __luo_ctx_unregister(struct luo_ctx *ctx, struct luo_participant *p,
			 bool wait);
int luo_ctx_retrieve(struct luo_ctx *ctx, struct luo_participant *p,
		     u64 *data);
int luo_ctx_retrieve_name(struct luo_ctx *ctx, enum luo_group group,
			  const char *name, u64 *data);
int luo_ctx_claim(struct luo_ctx *ctx, enum luo_group group,
		  const char *name, u64 *data);
bool luo_ctx_unclaimed(struct luo_ctx *ctx, enum luo_group group,
		       const char *name);
const char *luo_state_name(enum liveupdate_state state);

/* luo_instance.c */
struct luo_ctx *luo_global_ctx(void);
int luo_available(void);

/* luo_serialize.c */
bool luo_name_printable(const char *name);
bool luo_group_used(struct list_head *participants, enum luo_group group);
int luo_ctx_load(struct luo_ctx *ctx, const void *fdt, size_t size);
void luo_incoming_free(struct list_head *records);
int luo_serialize(struct luo_ctx *ctx);
void luo_unserialize(struct luo_ctx *ctx);
int luo_load_from_kho(struct luo_ctx *ctx);

#if IS_ENABLED(CONFIG_KUNIT)
int luo_fdt_build(struct list_head *participants, void *buf, size_t size);
int luo_fdt_parse(const void *fdt, size_t size, struct list_head *records);
#endif

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
