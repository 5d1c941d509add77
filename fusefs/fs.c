/* fs.c - the libfuse low-level operations.  Thin: an inode is a (profile
 * id, file) pair, the engine renders every byte, and errno is made here
 * from the engine's acfs_code.
 *
 * Reads, no-open mode (the default where the kernel offers
 * FUSE_CAP_NO_OPEN_SUPPORT; STYLE.md measured it at ~1.6 us per
 * open+read+close against ~14-29 us with an open per read): open is
 * answered ENOSYS once and never reaches us again; the kernel keeps each
 * file's pages until we invalidate them.  Every file inode pins one blob:
 * the snapshot whose size the last lookup or getattr reported.  READs are
 * served from that pinned blob, so the kernel's size and the bytes always
 * come from one credentials snapshot (our files are far smaller than one
 * readahead, so a page fill is one READ).  The engine's change notices
 * (new content, the refresh window, a backoff ending, expiry) drop the pin
 * and invalidate the inode's attributes and pages, so the next access asks
 * the engine again: nothing it would refuse (an expired session) stays in
 * the kernel.
 *
 * Reads, open mode (the fallback): every open takes the file's current
 * blob and keeps it in fi->fh, so every read through that descriptor, at
 * any offset, comes from one snapshot; release drops it.  The page cache
 * is kept across opens (keep_cache) while the blob is the one the cache
 * was filled from, and dropped by the open that brings a new one
 * (nodes.h has the rule).  Change notices there invalidate attributes
 * only.
 *
 * At shutdown the session is unmounted before it is detached from the
 * notices, so an invalidation never waits on a read nobody will answer.
 */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "nodes.h"

#define TOP_STATUS_INO 2
#define TOP_METRICS_INO 3
#define INO_PER_PROFILE 8
/* The kernel keeps names and attributes until we invalidate them. */
#define TIMEOUT_S 86400.0
#define ERRLOG_SLOTS 32
#define ERRLOG_QUIET_MS 60000

typedef enum { N_BAD, N_ROOT, N_TOP, N_DIR, N_FILE } nkind;

/* A file handle: the snapshot every read of this open comes from, and
 * whether this open made the kernel drop its cache. */
typedef struct {
	acfs_blob *blob;
	int dropped;
} fileh;

/* A directory handle: the listing, taken at opendir.  Refcounted: the
 * kernel may answer a READDIR's caller, which then closes the directory,
 * before our reply call has returned, so releasedir must not free the
 * listing under a readdir still replying from it. */
typedef struct {
	char *buf;
	size_t len;
	int refs;
} dirh;

static void dirh_put(dirh *d)
{
	if (d != NULL && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(d->buf);
		free(d);
	}
}

/* No-open mode: the blob each file inode's reported size belongs to. */
typedef struct pin {
	fuse_ino_t ino;
	acfs_blob *blob;
	struct pin *next;
} pin;

#define PIN_BUCKETS 4096

struct acfs_fs {
	uid_t uid;
	gid_t gid;
	int no_open;
	pthread_mutex_t pin_lock;
	pin *pins[PIN_BUCKETS];
	acfs_engine *eng;
	struct timespec start;
	/* the session, for notifications; NULL once detached */
	pthread_rwlock_t se_lock;
	struct fuse_session *se;
	acfs_nodes *nodes;
	/* recent errors, so a failing profile does not flood the log */
	pthread_mutex_t errlog_lock;
	struct { uint64_t h; long ms; } errlog[ERRLOG_SLOTS];
	unsigned errlog_next;
};

/* --- helpers --- */

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	while (n--) {
		h ^= *s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static nkind classify(fuse_ino_t ino, acfs_profile_id *id, int *k)
{
	*id = 0;
	*k = -1;
	if (ino == FUSE_ROOT_ID)
		return N_ROOT;
	if (ino == TOP_STATUS_INO || ino == TOP_METRICS_INO) {
		*k = ino == TOP_METRICS_INO;
		return N_TOP;
	}
	if (ino < INO_PER_PROFILE)
		return N_BAD;
	*id = ino / INO_PER_PROFILE;
	if (ino % INO_PER_PROFILE == 0)
		return N_DIR;
	*k = (int)(ino % INO_PER_PROFILE) - 1;
	return *k < ACFS_FILE__COUNT ? N_FILE : N_BAD;
}

static fuse_ino_t dir_ino(acfs_profile_id id)
{
	return (fuse_ino_t)(id * INO_PER_PROFILE);
}

static fuse_ino_t file_ino(acfs_profile_id id, int k)
{
	return (fuse_ino_t)(id * INO_PER_PROFILE + 1 + (unsigned)k);
}

static int fs_errno(acfs_code c)
{
	switch (c) {
	case ACFS_OK:
		return 0;
	case ACFS_E_NOTFOUND:
		return ENOENT;
	case ACFS_E_NOMEM:
		return ENOMEM;
	default:
		return EIO;
	}
}

/* The profile name of a directory the kernel knows, or NULL. */
static char *dir_name(acfs_fs *fs, acfs_profile_id id)
{
	return acfs_nodes_name(fs->nodes, dir_ino(id));
}

/* Whether profile id still exists. */
static int profile_exists(acfs_fs *fs, acfs_profile_id id)
{
	char *name = dir_name(fs, id);
	acfs_profile_id got = 0;
	acfs_blob *b = NULL;
	acfs_code rc;

	if (name != NULL) {
		rc = acfs_engine_lookup(fs->eng, name, &got);
		free(name);
		return rc == ACFS_OK && got == id;
	}
	/* Not looked up by name (cannot happen with a sane kernel): the
	 * status file exists exactly as long as the profile does. */
	rc = acfs_engine_content(fs->eng, id, ACFS_FILE_STATUS, &b, NULL);
	acfs_blob_unref(b);
	return rc == ACFS_OK;
}

/* Logs an engine failure, once a minute per message and inode. */
static void log_failure(acfs_fs *fs, fuse_ino_t ino, const char *what,
			const acfs_err *e)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ino;
	long now = mono_ms();
	int level = LOG_WARNING;
	const char *c;
	unsigned i;

	/* The same failure again, whatever its timings and counts say. */
	for (c = e->msg; *c != '\0'; c++)
		if (*c < '0' || *c > '9')
			h = fnv1a(c, 1, h);

	pthread_mutex_lock(&fs->errlog_lock);
	for (i = 0; i < ERRLOG_SLOTS; i++)
		if (fs->errlog[i].h == h && now - fs->errlog[i].ms < ERRLOG_QUIET_MS)
			level = LOG_DEBUG;
	if (level == LOG_WARNING) {
		fs->errlog[fs->errlog_next].h = h;
		fs->errlog[fs->errlog_next].ms = now;
		fs->errlog_next = (fs->errlog_next + 1) % ERRLOG_SLOTS;
	}
	pthread_mutex_unlock(&fs->errlog_lock);
	acfs_dlog(level, "%s: %s", what, e->msg[0] ? e->msg :
		  acfs_strerror(e->code));
}

/* The current content of a file inode. */
static int fetch(acfs_fs *fs, fuse_ino_t ino, acfs_blob **out)
{
	acfs_profile_id id;
	acfs_err e;
	acfs_code rc;
	char what[600] = "";
	int k;

	acfs_err_clear(&e);
	switch (classify(ino, &id, &k)) {
	case N_TOP:
		rc = acfs_engine_top_status(fs->eng, k, out, &e);
		snprintf(what, sizeof(what), "%s", k ? ACFS_TOP_METRICS_NAME :
			 ACFS_TOP_STATUS_NAME);
		break;
	case N_FILE:
		rc = acfs_engine_content(fs->eng, id, (acfs_file_kind)k, out, &e);
		if (rc != ACFS_OK && rc != ACFS_E_NOTFOUND) {
			char *name = dir_name(fs, id);

			snprintf(what, sizeof(what), "%.400s/%s",
				 name ? name : "?", acfs_file_name(k));
			free(name);
		}
		break;
	default:
		return ENOENT;
	}
	if (rc == ACFS_OK && *out == NULL)
		rc = acfs_err_set(&e, ACFS_E_NOMEM, "out of memory");
	if (rc != ACFS_OK && rc != ACFS_E_NOTFOUND)
		log_failure(fs, ino, what, &e);
	return fs_errno(rc);
}

/* The pinned blob of ino (a new reference), or NULL. */
static acfs_blob *pin_get(acfs_fs *fs, fuse_ino_t ino)
{
	acfs_blob *b = NULL;
	pin *p;

	pthread_mutex_lock(&fs->pin_lock);
	for (p = fs->pins[ino % PIN_BUCKETS]; p != NULL; p = p->next)
		if (p->ino == ino) {
			b = acfs_blob_ref(p->blob);
			break;
		}
	pthread_mutex_unlock(&fs->pin_lock);
	return b;
}

/* Pins b for ino unless another thread pinned one first; returns the
 * pinned blob (a new reference) and drops the caller's b. */
static acfs_blob *pin_set(acfs_fs *fs, fuse_ino_t ino, acfs_blob *b)
{
	pin *p;

	pthread_mutex_lock(&fs->pin_lock);
	for (p = fs->pins[ino % PIN_BUCKETS]; p != NULL; p = p->next)
		if (p->ino == ino)
			break;
	if (p == NULL && (p = calloc(1, sizeof(*p))) != NULL) {
		p->ino = ino;
		p->blob = acfs_blob_ref(b);
		p->next = fs->pins[ino % PIN_BUCKETS];
		fs->pins[ino % PIN_BUCKETS] = p;
	}
	if (p != NULL && p->blob != b) {
		acfs_blob_unref(b);
		b = acfs_blob_ref(p->blob);
	}
	pthread_mutex_unlock(&fs->pin_lock);
	return b;
}

static void pin_drop(acfs_fs *fs, fuse_ino_t ino)
{
	pin **pp, *p;

	pthread_mutex_lock(&fs->pin_lock);
	for (pp = &fs->pins[ino % PIN_BUCKETS]; (p = *pp) != NULL; pp = &p->next)
		if (p->ino == ino) {
			*pp = p->next;
			acfs_blob_unref(p->blob);
			free(p);
			break;
		}
	pthread_mutex_unlock(&fs->pin_lock);
}

/* No-open mode: the pinned blob, or the current one, pinned now. */
static int pinned(acfs_fs *fs, fuse_ino_t ino, acfs_blob **out)
{
	int err;

	*out = pin_get(fs, ino);
	if (*out != NULL)
		return 0;
	err = fetch(fs, ino, out);
	if (err == 0)
		*out = pin_set(fs, ino, *out);
	return err;
}

static void fill_dir(const acfs_fs *fs, fuse_ino_t ino, mode_t perm,
		     struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFDIR | perm;
	st->st_nlink = 2;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = fs->start;
}

static void fill_file(const acfs_fs *fs, fuse_ino_t ino, size_t size,
		      const struct timespec *mtime, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFREG | 0400;
	st->st_nlink = 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_size = (off_t)size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_atim = st->st_mtim = st->st_ctim = *mtime;
}

/* The attributes of ino; 0 or an errno. */
static int stat_ino(acfs_fs *fs, fuse_ino_t ino, struct stat *st)
{
	struct timespec mt;
	acfs_profile_id id;
	acfs_blob *b = NULL;
	int k, err;

	switch (classify(ino, &id, &k)) {
	case N_ROOT:
		/* Anyone allowed in (allow_other) may see which profiles
		 * exist; only the owner may enter one (0500), so nobody
		 * else can even make a stat resolve a chain. */
		fill_dir(fs, ino, 0555, st);
		return 0;
	case N_DIR:
		if (!profile_exists(fs, id))
			return ENOENT;
		fill_dir(fs, ino, 0500, st);
		return 0;
	case N_TOP:
	case N_FILE:
		err = fs->no_open ? pinned(fs, ino, &b) : fetch(fs, ino, &b);
		if (err != 0)
			return err;
		acfs_nodes_reported(fs->nodes, ino, b, &mt);
		fill_file(fs, ino, b->len, &mt, st);
		acfs_blob_unref(b);
		return 0;
	default:
		return ENOENT;
	}
}

/* Invalidation, ignoring what unmounting and unknown inodes return. */
static void inval_inode(struct fuse_session *se, fuse_ino_t ino, off_t off)
{
	int rc = fuse_lowlevel_notify_inval_inode(se, ino, off, 0);

	if (rc != 0 && rc != -ENOENT && rc != -EBADF && rc != -ENODEV)
		acfs_dlog(LOG_DEBUG, "invalidating inode %lu: %s",
			  (unsigned long)ino, strerror(-rc));
}

static void inval_entry(struct fuse_session *se, fuse_ino_t parent,
			const char *name)
{
	int rc = fuse_lowlevel_notify_inval_entry(se, parent, name, strlen(name));

	if (rc != 0 && rc != -ENOENT && rc != -EBADF && rc != -ENODEV)
		acfs_dlog(LOG_DEBUG, "invalidating entry %s: %s", name,
			  strerror(-rc));
}

/* --- the operations --- */

static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	acfs_fs *fs = userdata;

	if (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) {
		conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
		fs->no_open = 1;
	}
	/* Listing must never resolve a chain: plain readdir only.  The
	 * page cache is ours to invalidate, not the kernel's to guess. */
	conn->want &= ~(unsigned)(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO |
				  FUSE_CAP_AUTO_INVAL_DATA);
	acfs_dlog(LOG_DEBUG, "FUSE protocol %u.%u", conn->proto_major,
		  conn->proto_minor);
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	acfs_fs *fs = fuse_req_userdata(req);
	struct fuse_entry_param e;
	acfs_profile_id id, pid;
	int k, err;

	memset(&e, 0, sizeof(e));
	switch (classify(parent, &pid, &k)) {
	case N_ROOT:
		if (strcmp(name, ACFS_TOP_STATUS_NAME) == 0) {
			e.ino = TOP_STATUS_INO;
		} else if (strcmp(name, ACFS_TOP_METRICS_NAME) == 0) {
			e.ino = TOP_METRICS_INO;
		} else {
			if (acfs_engine_lookup(fs->eng, name, &id) != ACFS_OK) {
				fuse_reply_err(req, ENOENT);
				return;
			}
			e.ino = dir_ino(id);
		}
		break;
	case N_DIR:
		for (k = 0; k < ACFS_FILE__COUNT; k++)
			if (strcmp(name, acfs_file_name(k)) == 0)
				break;
		if (k == ACFS_FILE__COUNT) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		e.ino = file_ino(pid, k);
		break;
	default:
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	/* Known before the stat, so the stat's content is recorded. */
	acfs_nodes_remember(fs->nodes, e.ino,
			    e.ino % INO_PER_PROFILE == 0 ? name : NULL);
	err = stat_ino(fs, e.ino, &e.attr);
	if (err != 0) {
		acfs_nodes_forget(fs->nodes, e.ino, 1);
		fuse_reply_err(req, err);
		return;
	}
	e.attr_timeout = TIMEOUT_S;
	e.entry_timeout = TIMEOUT_S;
	if (fuse_reply_entry(req, &e) != 0)   /* the kernel did not take it */
		acfs_nodes_forget(fs->nodes, e.ino, 1);
}

static void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	acfs_fs *fs = fuse_req_userdata(req);

	acfs_nodes_forget(fs->nodes, ino, nlookup);
	fuse_reply_none(req);
}

static void fs_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	acfs_fs *fs = fuse_req_userdata(req);
	size_t i;

	for (i = 0; i < count; i++)
		acfs_nodes_forget(fs->nodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	acfs_fs *fs = fuse_req_userdata(req);
	struct stat st;
	int err;

	if (fi != NULL && fi->fh != 0) {
		acfs_profile_id id;
		int k;
		nkind kind = classify(ino, &id, &k);

		if (kind == N_FILE || kind == N_TOP) {
			/* Through a descriptor (the kernel checking the size
			 * before a read): the size of that descriptor's
			 * snapshot, kept only while it is the current one. */
			fileh *h = (fileh *)(uintptr_t)fi->fh;
			struct timespec mt;
			int current;

			acfs_nodes_used(fs->nodes, ino, h->blob, h->dropped);
			current = acfs_nodes_reported(fs->nodes, ino, h->blob, &mt);
			fill_file(fs, ino, h->blob->len, &mt, &st);
			fuse_reply_attr(req, &st, current ? TIMEOUT_S : 0.0);
			return;
		}
	}
	err = stat_ino(fs, ino, &st);
	if (err != 0)
		fuse_reply_err(req, err);
	else
		fuse_reply_attr(req, &st, TIMEOUT_S);
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	acfs_fs *fs = fuse_req_userdata(req);
	acfs_blob *b = NULL;
	acfs_profile_id id;
	int k, err, fresh, keep;
	fileh *h;

	switch (classify(ino, &id, &k)) {
	case N_TOP:
	case N_FILE:
		break;
	case N_ROOT:
	case N_DIR:
		fuse_reply_err(req, EISDIR);
		return;
	default:
		fuse_reply_err(req, ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (fs->no_open) {
		/* No-open mode: the kernel stops sending opens (and their
		 * releases).  default_permissions has already checked the
		 * mode; writes are refused by the 0400 mode and fs_write's
		 * absence. */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	err = fetch(fs, ino, &b);
	if (err != 0) {
		free(h);
		fuse_reply_err(req, err);
		return;
	}
	/* Keep the kernel's cache only when it holds this very blob;
	 * otherwise this open drops it (acfs_nodes_open says which). */
	keep = acfs_nodes_open(fs->nodes, ino, b, &fresh);
	if (fresh) {
		/* New content: the kernel's size is stale too.  Attributes
		 * only, which never waits on the page cache; the pages go
		 * because keep_cache is off for this open. */
		pthread_rwlock_rdlock(&fs->se_lock);
		if (fs->se != NULL)
			inval_inode(fs->se, ino, -1);
		pthread_rwlock_unlock(&fs->se_lock);
	}
	h->blob = b;
	h->dropped = !keep;
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->keep_cache = keep;
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) != 0) {
		/* interrupted: no release will come */
		acfs_blob_unref(b);
		free(h);
	}
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	acfs_fs *fs = fuse_req_userdata(req);
	fileh *h = fi != NULL ? (fileh *)(uintptr_t)fi->fh : NULL;
	acfs_blob *own = NULL;
	const acfs_blob *b;
	int err;

	if (h == NULL) {
		/* No-open mode: the blob whose size the kernel has. */
		err = pinned(fs, ino, &own);
		if (err != 0) {
			fuse_reply_err(req, err);
			return;
		}
		b = own;
	} else {
		/* Our own reference: a release on another thread may drop
		 * the handle's before our reply call returns. */
		own = acfs_blob_ref(h->blob);
		b = own;
		acfs_nodes_used(fs->nodes, ino, b, h->dropped);
		acfs_nodes_filled(fs->nodes, ino, b);
	}
	if (off < 0 || (size_t)off >= b->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, b->data + off,
			       size < b->len - (size_t)off ? size : b->len - (size_t)off);
	acfs_blob_unref(own);
}

static void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	acfs_fs *fs = fuse_req_userdata(req);
	fileh *h = (fileh *)(uintptr_t)fi->fh;

	if (h != NULL) {
		acfs_nodes_used(fs->nodes, ino, h->blob, h->dropped);
		acfs_blob_unref(h->blob);
		free(h);
	}
	fuse_reply_err(req, 0);
}

static int dir_add(fuse_req_t req, dirh *d, size_t *cap, const char *name,
		   fuse_ino_t ino, mode_t type)
{
	struct stat st;
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (d->len + need > *cap) {
		size_t nc = *cap ? *cap * 2 : 4096;
		char *p;

		while (nc < d->len + need)
			nc *= 2;
		p = realloc(d->buf, nc);
		if (p == NULL)
			return -1;
		d->buf = p;
		*cap = nc;
	}
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = type;
	fuse_add_direntry(req, d->buf + d->len, need, name, &st,
			  (off_t)(d->len + need));
	d->len += need;
	return 0;
}

static void fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	acfs_fs *fs = fuse_req_userdata(req);
	acfs_profile_id id, *ids = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int k, fail = 0;
	dirh *d;

	switch (classify(ino, &id, &k)) {
	case N_ROOT:
		break;
	case N_DIR:
		if (!profile_exists(fs, id)) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		break;
	case N_TOP:
	case N_FILE:
		fuse_reply_err(req, ENOTDIR);
		return;
	default:
		fuse_reply_err(req, ENOENT);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (d != NULL)
		d->refs = 1;
	if (d == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fail |= dir_add(req, d, &cap, ".", ino, S_IFDIR);
	fail |= dir_add(req, d, &cap, "..", FUSE_ROOT_ID, S_IFDIR);
	if (ino == FUSE_ROOT_ID) {
		fail |= dir_add(req, d, &cap, ACFS_TOP_STATUS_NAME,
				TOP_STATUS_INO, S_IFREG);
		fail |= dir_add(req, d, &cap, ACFS_TOP_METRICS_NAME,
				TOP_METRICS_INO, S_IFREG);
		if (acfs_engine_list(fs->eng, &names, &ids, &n) != ACFS_OK)
			fail = 1;
		for (i = 0; i < n && !fail; i++)
			fail |= dir_add(req, d, &cap, names[i], dir_ino(ids[i]),
					S_IFDIR);
		acfs_engine_list_free(names, ids, n);
	} else {
		for (k = 0; k < ACFS_FILE__COUNT && !fail; k++)
			fail |= dir_add(req, d, &cap, acfs_file_name(k),
					file_ino(id, k), S_IFREG);
	}
	if (fail) {
		free(d->buf);
		free(d);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	/* The kernel may keep the listing: a change of the profile list
	 * invalidates the root inode, which drops it. */
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	if (fuse_reply_open(req, fi) != 0) {
		free(d->buf);
		free(d);
	}
}

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	dirh *d = (dirh *)(uintptr_t)fi->fh;

	(void)ino;
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	if (off < 0 || (size_t)off >= d->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, d->buf + off,
			       size < d->len - (size_t)off ? size : d->len - (size_t)off);
	dirh_put(d);
}

static void fs_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	dirh *d = (dirh *)(uintptr_t)fi->fh;

	(void)ino;
	dirh_put(d);
	fuse_reply_err(req, 0);
}

static void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

static const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.getattr = fs_getattr,
	.open = fs_open,
	.read = fs_read,
	.release = fs_release,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.releasedir = fs_releasedir,
	.statfs = fs_statfs,
};

const struct fuse_lowlevel_ops *acfs_fs_ops(size_t *size)
{
	*size = sizeof(fs_ops);
	return &fs_ops;
}

/* --- change notices from the engine --- */

void acfs_fs_on_change(void *ctx, acfs_profile_id id, unsigned file_mask)
{
	acfs_fs *fs = ctx;
	struct fuse_session *se;
	int k;

	pthread_rwlock_rdlock(&fs->se_lock);
	se = fs->se;
	if (se == NULL)
		goto out;
	/* No-open mode drops the pages too: nothing else would make the
	 * kernel ask again.  Open mode drops them at the next open. */
	if (id != 0) {
		for (k = 0; k < ACFS_FILE__COUNT; k++)
			if (file_mask & (1u << k)) {
				pin_drop(fs, file_ino(id, k));
				acfs_nodes_changed(fs->nodes, file_ino(id, k));
				inval_inode(se, file_ino(id, k), fs->no_open ? 0 : -1);
			}
		goto out;
	}
	if (file_mask & ACFS_CHANGE_TOP) {
		pin_drop(fs, TOP_STATUS_INO);
		pin_drop(fs, TOP_METRICS_INO);
		acfs_nodes_changed(fs->nodes, TOP_STATUS_INO);
		acfs_nodes_changed(fs->nodes, TOP_METRICS_INO);
		inval_inode(se, TOP_STATUS_INO, fs->no_open ? 0 : -1);
		inval_inode(se, TOP_METRICS_INO, fs->no_open ? 0 : -1);
	}
	if (file_mask & ACFS_CHANGE_LIST) {
		char **names;
		uint64_t *inos;
		acfs_profile_id got;
		size_t n = acfs_nodes_names(fs->nodes, &names, &inos), i;

		/* The listing (and its cached copy) and the root's times;
		 * then the entries of profiles that went away or came back
		 * as a new profile.  A new name needs nothing: unknown names
		 * are not cached. */
		inval_inode(se, FUSE_ROOT_ID, 0);
		for (i = 0; i < n; i++) {
			if (acfs_engine_lookup(fs->eng, names[i], &got) != ACFS_OK ||
			    dir_ino(got) != inos[i])
				inval_entry(se, FUSE_ROOT_ID, names[i]);
			free(names[i]);
		}
		free(names);
		free(inos);
	}
out:
	pthread_rwlock_unlock(&fs->se_lock);
}

/* --- lifetime --- */

acfs_fs *acfs_fs_new(uid_t uid, gid_t gid)
{
	acfs_fs *fs = calloc(1, sizeof(*fs));

	if (fs == NULL)
		return NULL;
	fs->uid = uid;
	fs->gid = gid;
	clock_gettime(CLOCK_REALTIME, &fs->start);
	fs->nodes = acfs_nodes_new(&fs->start);
	if (fs->nodes == NULL) {
		free(fs);
		return NULL;
	}
	pthread_mutex_init(&fs->errlog_lock, NULL);
	pthread_mutex_init(&fs->pin_lock, NULL);
	pthread_rwlock_init(&fs->se_lock, NULL);
	return fs;
}

void acfs_fs_set_engine(acfs_fs *fs, acfs_engine *eng)
{
	fs->eng = eng;
}

void acfs_fs_attach(acfs_fs *fs, struct fuse_session *se)
{
	pthread_rwlock_wrlock(&fs->se_lock);
	fs->se = se;
	pthread_rwlock_unlock(&fs->se_lock);
}

void acfs_fs_detach(acfs_fs *fs)
{
	pthread_rwlock_wrlock(&fs->se_lock);
	fs->se = NULL;
	pthread_rwlock_unlock(&fs->se_lock);
}

void acfs_fs_free(acfs_fs *fs)
{
	if (fs == NULL)
		return;
	{
		size_t i;
		pin *p, *n;

		for (i = 0; i < PIN_BUCKETS; i++)
			for (p = fs->pins[i]; p != NULL; p = n) {
				n = p->next;
				acfs_blob_unref(p->blob);
				free(p);
			}
	}
	pthread_mutex_destroy(&fs->pin_lock);
	acfs_nodes_free(fs->nodes);
	pthread_mutex_destroy(&fs->errlog_lock);
	pthread_rwlock_destroy(&fs->se_lock);
	free(fs);
}
