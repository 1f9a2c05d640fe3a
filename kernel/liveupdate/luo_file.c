// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator (LUO): preserved files and their handlers.
 */

/**
 * DOC: LUO preserved files
 *
 * A file handler knows how to carry one kind of file (a memfd, later an
 * iommufd...) into the next kernel. It registers with
 * liveupdate_register_file_handler() under a compatible string that names
 * its handover format; the next kernel gives each preserved file to the
 * handler with the same string.
 *
 * A file is preserved in a session under a token that is unique in the
 * session. %LIVEUPDATE_SESSION_PRESERVE_FD asks every handler, in
 * registration order, whether it can preserve the file, and the first
 * that can does the heavy work at once, while the file's user keeps
 * running. The session's PREPARE and FREEZE then reach every file of the
 * session, in the order they were preserved: PREPARE catches up with what
 * changed, FREEZE finishes and yields the value each handler hands over.
 * A session hands over one table (&struct luo_session_files_ser), a KHO
 * folio that PREPARE allocates, listing every file with its token, its
 * handler's compatible string and the handler's value. CANCEL undoes
 * PREPARE and FREEZE but leaves the files preserved, as before PREPARE;
 * closing the session unpreserves them.
 *
 * A struct file is preserved at most once, in any session: LUO keeps an
 * index of the preserved files and holds a reference on each.
 *
 * In the next kernel, retrieving the session takes the table back and
 * checks it. %LIVEUPDATE_SESSION_RETRIEVE_FD hands a token's file to its
 * handler, once; the outcome sticks: a second call fails with the same
 * error, or with EINVAL after a success. Finishing the session (FINISH on
 * it, closing it once nothing is left to retrieve, or LUO's FINISH for a
 * session closed before) lets every handler release what it still holds; after
 * LUO's own FINISH, KHO has freed the memory of every file nobody
 * retrieved, and no file can be retrieved any more.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/bsearch.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include "luo_internal.h"

/* Registered handlers, in registration order; under luo_handlers_lock. */
static LIST_HEAD(luo_handlers);
static DEFINE_MUTEX(luo_handlers_lock);

/* Every preserved struct file, indexed by its address. */
static DEFINE_XARRAY(luo_preserved_files);

/*
 * Taken shared while a file of the previous kernel is retrieved or
 * finished, and exclusively by LUO's FINISH, after which KHO frees what
 * nobody retrieved (luo_incoming_over).
 */
static DECLARE_RWSEM(luo_incoming_sem);
static bool luo_incoming_over;

/**
 * struct luo_file - one file preserved in an outgoing session
 * @list: link in &struct luo_file_set.files, in the order of preservation
 * @lf: what the handler sees
 * @prepared: the handler's prepare ran and nothing cancelled it
 * @frozen: the handler's freeze ran and nothing cancelled it
 */
struct luo_file {
	struct list_head list;
	struct liveupdate_file lf;
	bool prepared;
	bool frozen;
};

/**
 * struct luo_file_in - one file of a retrieved session
 * @token: its token
 * @data: what its handler handed over
 * @compatible: the compatible string of its handler
 * @handler: the handler of this kernel with that string, or NULL
 * @file: the retrieved file until it reached user space
 * @status: 0 not retrieved yet, 1 retrieved, else the sticky error
 */
struct luo_file_in {
	u64 token;
	u64 data;
	char compatible[LUO_FILE_COMPAT_SIZE];
	struct liveupdate_file_handler *handler;
	struct file *file;
	int status;
};

static bool luo_compat_ok(const char *compat, size_t size)
{
	size_t len = strnlen(compat, size);

	return len && len < size && luo_name_printable(compat);
}

static struct liveupdate_file_handler *luo_handler_find(const char *compat)
{
	struct liveupdate_file_handler *h;

	list_for_each_entry(h, &luo_handlers, list)
		if (!strcmp(h->compatible, compat))
			return h;
	return NULL;
}

/* Takes a use of @h that keeps it registered; under luo_handlers_lock. */
static bool luo_handler_get(struct liveupdate_file_handler *h)
{
	if (!try_module_get(h->owner))
		return false;
	h->nr_files++;
	return true;
}

static void luo_handler_put(struct liveupdate_file_handler *h)
{
	mutex_lock(&luo_handlers_lock);
	h->nr_files--;
	mutex_unlock(&luo_handlers_lock);
	module_put(h->owner);
}

/**
 * liveupdate_register_file_handler() - add a kind of file that can be
 *	preserved
 * @handler: the handler; it must stay valid until it is unregistered
 *
 * Return: 0; -EINVAL for a missing callback or a compatible string that
 * is empty, too long or not printable; -EEXIST if a handler with the same
 * compatible string is registered; -EOPNOTSUPP if LUO is not built in.
 */
int liveupdate_register_file_handler(struct liveupdate_file_handler *handler)
{
	const struct liveupdate_file_ops *ops = handler->ops;
	int err = 0;

	if (!ops || !ops->can_preserve || !ops->preserve || !ops->freeze ||
	    !ops->unpreserve || !ops->retrieve || !handler->compatible ||
	    !luo_compat_ok(handler->compatible, LUO_FILE_COMPAT_SIZE))
		return -EINVAL;

	mutex_lock(&luo_handlers_lock);
	if (luo_handler_find(handler->compatible)) {
		err = -EEXIST;
	} else {
		handler->nr_files = 0;
		list_add_tail(&handler->list, &luo_handlers);
	}
	mutex_unlock(&luo_handlers_lock);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

/**
 * liveupdate_unregister_file_handler() - remove a file handler
 * @handler: a registered handler
 *
 * Return: 0; -EBUSY while a file preserved by @handler is in a session of
 * this kernel, or a retrieved session still has a file for it to finish.
 */
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *handler)
{
	int err = 0;

	mutex_lock(&luo_handlers_lock);
	if (handler->nr_files)
		err = -EBUSY;
	else
		list_del_init(&handler->list);
	mutex_unlock(&luo_handlers_lock);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_file_handler);

/* The handler that preserves @file, with a use taken, or NULL. */
static struct liveupdate_file_handler *luo_handler_for(struct file *file)
{
	struct liveupdate_file_handler *h;

	mutex_lock(&luo_handlers_lock);
	list_for_each_entry(h, &luo_handlers, list) {
		/* A handler whose module is going away is skipped. */
		if (h->ops->can_preserve(h, file) && luo_handler_get(h))
			goto out;
	}
	h = NULL;
out:
	mutex_unlock(&luo_handlers_lock);
	return h;
}

/**
 * luo_file_set_init() - start an empty set of files
 * @set: the set
 */
void luo_file_set_init(struct luo_file_set *set)
{
	memset(set, 0, sizeof(*set));
	INIT_LIST_HEAD(&set->files);
}

static bool luo_token_used(struct luo_file_set *set, u64 token)
{
	struct luo_file *f;

	list_for_each_entry(f, &set->files, list)
		if (f->lf.token == token)
			return true;
	return false;
}

/**
 * luo_file_preserve() - preserve a file in an outgoing session
 * @set: the session's files; the session is locked
 * @fd: the file's descriptor in the calling process
 * @token: its token
 *
 * Return: 0; -EBADF for a bad @fd; -EEXIST if @token is taken; -EBUSY if
 * the file is preserved already (in any session), or the session is
 * prepared; -ENOENT if no handler can preserve the file; -ENOSPC if the
 * session holds %LUO_SESSION_MAX_FILES files; or the handler's error.
 */
int luo_file_preserve(struct luo_file_set *set, int fd, u64 token)
{
	struct liveupdate_file_handler *h;
	struct luo_file *f;
	struct file *file;
	int err;

	if (set->prepared)
		return -EBUSY;
	file = fget(fd);
	if (!file)
		return -EBADF;
	err = -EEXIST;
	if (luo_token_used(set, token))
		goto put_file;
	err = -ENOSPC;
	if (set->nr_files >= LUO_SESSION_MAX_FILES)
		goto put_file;
	err = xa_insert(&luo_preserved_files, (unsigned long)file, file,
			GFP_KERNEL);
	if (err)
		goto put_file;
	err = -ENOENT;
	h = luo_handler_for(file);
	if (!h)
		goto unindex;
	err = -ENOMEM;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		goto put_handler;
	f->lf.handler = h;
	f->lf.file = file;
	f->lf.token = token;
	err = h->ops->preserve(&f->lf);
	if (err)
		goto free;
	list_add_tail(&f->list, &set->files);
	set->nr_files++;
	return 0;

free:
	kfree(f);
put_handler:
	luo_handler_put(h);
unindex:
	xa_erase(&luo_preserved_files, (unsigned long)file);
put_file:
	fput(file);
	return err;
}

/**
 * luo_file_set_show() - one line per file of an outgoing set, for sysfs
 * @set: the set; the session is locked
 * @session: the session's name
 * @buf: the sysfs buffer
 * @len: what @buf already holds
 *
 * Return: the new length of @buf.
 */
int luo_file_set_show(struct luo_file_set *set, const char *session,
		      char *buf, int len)
{
	struct luo_file *f;

	list_for_each_entry(f, &set->files, list)
		len += sysfs_emit_at(buf, len, "%s %llu %s %llu\n", session,
				     f->lf.token, f->lf.handler->compatible,
				     f->lf.bytes);
	return len;
}

static void luo_file_cancel(struct luo_file *f)
{
	if (f->prepared && f->lf.handler->ops->cancel)
		f->lf.handler->ops->cancel(&f->lf);
	f->prepared = false;
	f->frozen = false;
}

static void luo_file_table_free(struct luo_file_set *set)
{
	if (!set->table)
		return;
	/*
	 * Once KHO is finalized for a kexec under way, the table is part of
	 * the handover and stays preserved: KHO keeps its reference.
	 */
	if (set->table_preserved)
		kho_unpreserve_folio(set->table);
	folio_put(set->table);
	set->table = NULL;
	set->table_preserved = false;
}

/**
 * luo_file_set_cancel() - undo luo_file_set_prepare() and freeze
 * @set: the set; the session is locked
 *
 * Every file stays preserved, as it was before PREPARE.
 */
void luo_file_set_cancel(struct luo_file_set *set)
{
	struct luo_file *f;

	list_for_each_entry_reverse(f, &set->files, list)
		luo_file_cancel(f);
	luo_file_table_free(set);
	set->prepared = false;
}

/**
 * luo_file_set_prepare() - PREPARE every file of a set
 * @set: the set; the session is locked
 * @data: the session's record: 0, or the file table's physical address
 *
 * Return: 0, or the first handler's error (then nothing stays prepared),
 * -ENOMEM, or KHO's error for the table.
 */
int luo_file_set_prepare(struct luo_file_set *set, u64 *data)
{
	size_t size = struct_size_t(struct luo_session_files_ser, files,
				    set->nr_files);
	struct luo_file *f;
	int err;

	*data = 0;
	set->prepared = true;
	if (!set->nr_files)
		return 0;
	list_for_each_entry(f, &set->files, list) {
		if (f->lf.handler->ops->prepare) {
			err = f->lf.handler->ops->prepare(&f->lf);
			if (err) {
				pr_warn("cannot prepare file %llu (%s): %pe\n",
					f->lf.token, f->lf.handler->compatible,
					ERR_PTR(err));
				goto cancel;
			}
		}
		f->prepared = true;
	}

	err = -ENOMEM;
	set->table = folio_alloc(GFP_KERNEL | __GFP_ZERO, get_order(size));
	if (!set->table)
		goto cancel;
	err = kho_preserve_folio(set->table);
	if (err)
		goto cancel;
	set->table_preserved = true;
	*data = PFN_PHYS(folio_pfn(set->table));
	return 0;

cancel:
	luo_file_set_cancel(set);
	return err;
}

/**
 * luo_file_set_freeze() - FREEZE every file of a set and fill its table
 * @set: the set, prepared; the session is locked
 * @data: the session's record, as luo_file_set_prepare() set it
 *
 * Return: 0, or the first handler's error; the caller cancels.
 */
int luo_file_set_freeze(struct luo_file_set *set, u64 *data)
{
	struct luo_session_files_ser *table;
	struct luo_file *f;
	unsigned int i = 0;
	int err;

	if (!set->nr_files)
		return 0;
	table = folio_address(set->table);
	list_for_each_entry(f, &set->files, list) {
		err = f->lf.handler->ops->freeze(&f->lf);
		if (err) {
			pr_warn("cannot freeze file %llu (%s): %pe\n",
				f->lf.token, f->lf.handler->compatible,
				ERR_PTR(err));
			return err;
		}
		f->frozen = true;
		table->files[i].token = f->lf.token;
		table->files[i].data = f->lf.data;
		strscpy_pad(table->files[i].compatible,
			    f->lf.handler->compatible,
			    sizeof(table->files[i].compatible));
		i++;
	}
	table->nr_files = i;
	table->reserved = 0;
	return 0;
}

/**
 * luo_file_set_release() - unpreserve every file of an outgoing set
 * @set: the set; the session is going away and is no participant any more
 */
void luo_file_set_release(struct luo_file_set *set)
{
	struct luo_file *f, *tmp;

	luo_file_set_cancel(set);
	list_for_each_entry_safe_reverse(f, tmp, &set->files, list) {
		struct liveupdate_file_handler *h = f->lf.handler;

		h->ops->unpreserve(&f->lf);
		xa_erase(&luo_preserved_files, (unsigned long)f->lf.file);
		fput(f->lf.file);
		luo_handler_put(h);
		list_del(&f->list);
		kfree(f);
	}
	set->nr_files = 0;
}

static int luo_token_cmp(const void *a, const void *b)
{
	const struct luo_file_in *x = a, *y = b;

	if (x->token == y->token)
		return 0;
	return x->token < y->token ? -1 : 1;
}

/* Check a table from the previous kernel and copy it to set->in. */
static int luo_file_table_parse(struct luo_file_set *set,
				const struct luo_session_files_ser *table,
				size_t size)
{
	u64 i, nr = table->nr_files;
	struct luo_file_in *in;

	if (table->reserved || !nr || nr > LUO_SESSION_MAX_FILES ||
	    struct_size(table, files, nr) > size)
		return -EINVAL;
	in = kvcalloc(nr, sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		const struct luo_file_ser *ser = &table->files[i];

		if (!luo_compat_ok(ser->compatible, sizeof(ser->compatible))) {
			kvfree(in);
			return -EINVAL;
		}
		in[i].token = ser->token;
		in[i].data = ser->data;
		memcpy(in[i].compatible, ser->compatible,
		       sizeof(in[i].compatible));
	}
	/* Tokens are unique: sorted, no two neighbours are equal. */
	sort(in, nr, sizeof(*in), luo_token_cmp, NULL);
	for (i = 1; i < nr; i++) {
		if (in[i].token == in[i - 1].token) {
			kvfree(in);
			return -EINVAL;
		}
	}
	set->in = in;
	set->nr_in = nr;
	return 0;
}

/**
 * luo_file_set_load() - take back the file table of a retrieved session
 * @set: the set, empty
 * @session: the session's name, for messages
 * @data: what the previous kernel's session handed over
 *
 * Return: 0; -EINVAL (logged) if the table cannot be restored or breaks
 * the rules of &struct luo_session_files_ser; -ENOMEM.
 */
int luo_file_set_load(struct luo_file_set *set, const char *session,
		      u64 data)
{
	struct liveupdate_file_handler *h;
	struct folio *folio;
	unsigned int i;
	int err;

	if (!data)
		return 0;
	folio = PAGE_ALIGNED(data) ? kho_restore_folio(data) : NULL;
	if (!folio) {
		pr_err("session %s: cannot take back its file table at %#llx\n",
		       session, data);
		return -EINVAL;
	}
	err = luo_file_table_parse(set, folio_address(folio),
				   folio_size(folio));
	folio_put(folio);
	if (err) {
		pr_err("session %s: bad file table: %pe\n", session,
		       ERR_PTR(err));
		return err;
	}

	mutex_lock(&luo_handlers_lock);
	for (i = 0; i < set->nr_in; i++) {
		h = luo_handler_find(set->in[i].compatible);
		if (h && luo_handler_get(h))
			set->in[i].handler = h;
	}
	mutex_unlock(&luo_handlers_lock);
	return 0;
}

static struct luo_file_in *luo_file_in_find(struct luo_file_set *set,
					    u64 token)
{
	struct luo_file_in key = { .token = token };

	return bsearch(&key, set->in, set->nr_in, sizeof(key), luo_token_cmp);
}

/**
 * luo_file_retrieve() - hand a preserved file of a retrieved session back
 * @set: the set; the session is locked
 * @session: the session's name, for messages
 * @token: the file's token
 * @filep: where to store the file, with a reference for the caller
 *
 * Return: 0; -ENOENT for an unknown token or after LUO's FINISH; -EINVAL
 * if the session was finished or the file was retrieved already;
 * -EOPNOTSUPP if no handler of this kernel knows the file's format; or
 * the error of the first attempt.
 */
int luo_file_retrieve(struct luo_file_set *set, const char *session,
		      u64 token, struct file **filep)
{
	struct liveupdate_file_handler *h;
	struct luo_file_in *in;
	struct file *file;
	int err;

	if (set->finished)
		return -EINVAL;
	in = luo_file_in_find(set, token);
	if (!in)
		return -ENOENT;
	if (in->file) {
		/* Retrieved, but it never reached user space: try again. */
		*filep = in->file;
		in->file = NULL;
		return 0;
	}
	if (in->status)
		return in->status > 0 ? -EINVAL : in->status;

	h = in->handler;
	if (!h) {
		pr_warn("session %s: file %llu: no handler for \"%s\"\n",
			session, token, in->compatible);
		in->status = -EOPNOTSUPP;
		return in->status;
	}
	down_read(&luo_incoming_sem);
	if (luo_incoming_over)
		err = -ENOENT;
	else
		err = h->ops->retrieve(h, in->data, &file);
	up_read(&luo_incoming_sem);
	if (err) {
		pr_warn("session %s: cannot retrieve file %llu (%s): %pe\n",
			session, token, in->compatible, ERR_PTR(err));
		in->status = err;
		return err;
	}
	in->status = 1;
	*filep = file;
	return 0;
}

/**
 * luo_file_retrieve_failed() - the fd of a retrieved file did not reach
 *	user space
 * @set: the set; the session is locked
 * @token: the file's token
 * @file: the file luo_file_retrieve() gave
 *
 * The next retrieval of @token hands out @file again, unless the session
 * was finished meanwhile: then @file is dropped.
 */
void luo_file_retrieve_failed(struct luo_file_set *set, u64 token,
			      struct file *file)
{
	/* FINISH came in between: nobody can retrieve it any more. */
	if (set->finished) {
		fput(file);
		return;
	}
	luo_file_in_find(set, token)->file = file;
}

/**
 * luo_file_set_finish() - end the restoration of a retrieved session
 * @set: the set; the session is locked
 *
 * Every handler releases what it still holds of its files; a file that
 * was not retrieved cannot be any more.
 */
void luo_file_set_finish(struct luo_file_set *set)
{
	unsigned int i;

	if (set->finished)
		return;
	set->finished = true;
	down_read(&luo_incoming_sem);
	for (i = 0; i < set->nr_in; i++) {
		struct luo_file_in *in = &set->in[i];
		struct liveupdate_file_handler *h = in->handler;

		if (in->file) {
			fput(in->file);
			in->file = NULL;
		}
		if (!h)
			continue;
		/* A failed retrieve released what it took; KHO frees the rest. */
		if (!luo_incoming_over && in->status >= 0 && h->ops->finish)
			h->ops->finish(h, in->data, in->status > 0);
		in->handler = NULL;
		luo_handler_put(h);
	}
	up_read(&luo_incoming_sem);
}

/**
 * luo_file_set_unretrieved() - does a retrieved session still hold files
 * @set: a retrieved session's files
 *
 * Return: true unless the set was finished or every file in it was
 * retrieved (its fd handed to user space) or failed to be.
 */
bool luo_file_set_unretrieved(struct luo_file_set *set)
{
	unsigned int i;

	if (set->finished)
		return false;
	/*
	 * A file without a handler can never be retrieved; one whose fd did
	 * not reach user space waits for the next try.
	 */
	for (i = 0; i < set->nr_in; i++)
		if ((!set->in[i].status && set->in[i].handler) ||
		    set->in[i].file)
			return true;
	return false;
}

/**
 * luo_file_set_move() - hand a retrieved session's files to another session
 * @to: an empty set, just initialised
 * @from: a retrieved session's files; empty on return
 */
void luo_file_set_move(struct luo_file_set *to, struct luo_file_set *from)
{
	to->in = from->in;
	to->nr_in = from->nr_in;
	to->finished = from->finished;
	from->in = NULL;
	from->nr_in = 0;
}

/**
 * luo_file_set_destroy() - free what a set holds
 * @set: a set without preserved files: released or finished
 */
void luo_file_set_destroy(struct luo_file_set *set)
{
	WARN_ON_ONCE(!list_empty(&set->files));
	luo_file_set_finish(set);
	kvfree(set->in);
	set->in = NULL;
	set->nr_in = 0;
}

/**
 * luo_file_incoming_end() - no file of the previous kernel is retrieved
 *	or finished any more
 *
 * Called by LUO's FINISH before KHO frees what nobody took back; waits for
 * the retrievals under way.
 */
void luo_file_incoming_end(void)
{
	down_write(&luo_incoming_sem);
	luo_incoming_over = true;
	up_write(&luo_incoming_sem);
}
