/* fs.h - the FUSE low-level operations: inodes mapped to (profile id,
 * file), contents from the engine, and the kernel's cache invalidated
 * when the engine says something changed.
 *
 * Inodes:
 *   1                      the root directory (0555)
 *   2, 3                   ACFS_TOP_STATUS_NAME, ACFS_TOP_METRICS_NAME
 *   id * 8                 the directory of profile id (0500)
 *   id * 8 + 1 + k         file k (acfs_file_kind) of profile id (0400)
 * Profile ids are never 0 and never reused, so an inode never changes
 * meaning while the kernel holds it.
 */
#ifndef ACFS_FS_H
#define ACFS_FS_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif
#include <fuse_lowlevel.h>
#include <sys/types.h>

#include "engine.h"

typedef struct acfs_fs acfs_fs;

/* Files and directories belong to uid:gid. */
acfs_fs *acfs_fs_new(uid_t uid, gid_t gid);
/* Frees fs; call after the session loop has ended and after
 * acfs_fs_detach. */
void acfs_fs_free(acfs_fs *fs);

/* The operations table for fuse_session_new(), with fs as userdata. */
const struct fuse_lowlevel_ops *acfs_fs_ops(size_t *size);

/* The engine the operations serve (set before the loop starts). */
void acfs_fs_set_engine(acfs_fs *fs, acfs_engine *eng);
/* The session to send invalidations to, once it is mounted. */
void acfs_fs_attach(acfs_fs *fs, struct fuse_session *se);
/* No more invalidations: the session is about to be unmounted.  Waits
 * for one in progress. */
void acfs_fs_detach(acfs_fs *fs);

/* acfs_engine_opts.on_change: invalidates the kernel's copies of what
 * changed.  Runs on the engine's notifier thread with no engine lock
 * held; takes no lock of ours while it talks to the kernel. */
void acfs_fs_on_change(void *ctx, acfs_profile_id id, unsigned file_mask);

#endif
