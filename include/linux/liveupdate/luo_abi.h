/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator (LUO): the format handed to the next kernel.
 */

/**
 * DOC: LUO handover ABI
 *
 * This header is a contract between two kernel builds: the kernel that
 * freezes LUO before a kexec and the kernel that boots from it. Any change
 * to the node names, property names, property encodings or meaning of
 * anything in this file must bump %LUO_FDT_COMPATIBLE. The next kernel
 * refuses a version it does not know: it reclaims nothing, logs why, and
 * lets KHO free the memory.
 *
 * Adding a participant group (sessions, devices...) is the one change that
 * keeps the version: a kernel that knows the group takes it as empty when
 * a blob from an older kernel lacks it, while an older kernel refuses a
 * blob holding a group it does not know, as a whole, with a log message
 * naming the group. Updating to a kernel with more groups works; going
 * back does not.
 *
 * LUO publishes one FDT to KHO under the name %LUO_KHO_NAME. Its layout::
 *
 *   / {
 *           compatible = "luo-6.12,luo-v2";
 *           subsystems {                    (LUO_FDT_GROUP_SUBSYSTEMS)
 *                   0 {
 *                           name = "luo-test";      (string)
 *                           data = <u64, big endian>;
 *                   };
 *                   1 { ... };
 *           };
 *   };
 *
 * Every participant group is a direct child of the root. Inside a group
 * each participant is one child node, named by its decimal index in the
 * group (so that any participant name, not only the characters allowed in
 * node names, can be carried), holding:
 *
 * - %LUO_FDT_PROP_NAME: the participant's name, a NUL-terminated string of
 *   1 to %LUO_FDT_NAME_MAX - 1 characters, unique within its group;
 * - %LUO_FDT_PROP_DATA: exactly 8 bytes, the big-endian u64 the participant
 *   saved (typically the physical address of its own KHO-preserved state).
 *
 * The root holds the ``subsystems`` group (always written, even when
 * empty), every later group only when it holds a record (so that a kernel
 * that does not know the group still reads a handover without it), and no
 * other node. A missing known group is empty. An
 * unknown group or any other unknown node, a missing, unknown or badly
 * sized property in a participant node, or a duplicate name makes the
 * whole blob malformed, and the next kernel refuses it as a whole.
 */
#ifndef _LINUX_LIVEUPDATE_LUO_ABI_H
#define _LINUX_LIVEUPDATE_LUO_ABI_H

#include <linux/sizes.h>
#include <linux/types.h>

/* Name under which LUO's FDT is published to KHO. */
#define LUO_KHO_NAME			"luo"

/* Version of this layout; see the DOC comment before changing anything. */
#define LUO_FDT_COMPATIBLE		"luo-6.12,luo-v2"

/* Group of &struct liveupdate_subsystem participants. */
#define LUO_FDT_GROUP_SUBSYSTEMS	"subsystems"

/*
 * Group of sessions, one record per session of the outgoing kernel, named
 * as the session. Its data is 0 for a session without files, else the
 * physical address of the session's file table, a KHO-preserved folio
 * (struct luo_session_files_ser). v1 kernels handed over 0 only.
 */
#define LUO_FDT_GROUP_SESSIONS		"sessions"

/*
 * Group of devices left running, one record per device, named by bus and
 * address ("pci:0000:00:04.0"). Its data is the physical address of a
 * KHO-preserved page holding the device's record (struct luo_device_ser,
 * see device_abi.h).
 */
#define LUO_FDT_GROUP_DEVICES		"devices"

#define LUO_FDT_PROP_NAME		"name"
#define LUO_FDT_PROP_DATA		"data"

/* Size of a name including its terminating NUL. */
#define LUO_FDT_NAME_MAX		64

/* Largest LUO FDT the next kernel accepts. */
#define LUO_FDT_MAX_SIZE		SZ_1M

/* Size of a file handler's compatible string including its NUL. */
#define LUO_FILE_COMPAT_SIZE		48

/* Most files one session hands over. */
#define LUO_SESSION_MAX_FILES		4096

/**
 * struct luo_file_ser - one preserved file in a session's file table
 * @token: the token user space preserved the file under; unique in the
 *	session
 * @data: what the file's handler handed over
 * @compatible: the handler's compatible string, NUL-terminated and
 *	printable, NUL-padded
 */
struct luo_file_ser {
	__u64 token;
	__u64 data;
	char compatible[LUO_FILE_COMPAT_SIZE];
} __packed;

/**
 * struct luo_session_files_ser - a session's file table
 * @nr_files: entries in @files, 1 to %LUO_SESSION_MAX_FILES; they must fit
 *	the folio the table is in
 * @reserved: 0
 * @files: the files, in the order they were preserved
 *
 * The table fills one KHO-preserved folio, in the byte order of the CPU
 * (both kernels run on the same machine). The next kernel takes the
 * folio back when the session is retrieved; a table that does not pass
 * these rules makes the retrieval fail, and KHO frees the memory of its
 * files at FINISH.
 */
struct luo_session_files_ser {
	__u64 nr_files;
	__u64 reserved;
	struct luo_file_ser files[];
} __packed;

#endif /* _LINUX_LIVEUPDATE_LUO_ABI_H */
