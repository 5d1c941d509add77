/* mountpoint.h - where the daemon mounts, and the checks before it does:
 * a stale mount left by a killed daemon, a live one already there, and
 * config files that would lie inside the mount itself. */
#ifndef ACFS_MNT_H
#define ACFS_MNT_H

/* /run/awscreds for root, $XDG_RUNTIME_DIR/awscreds otherwise.  A new
 * string, or NULL with the reason on the log. */
char *acfs_mnt_default(void);

/* path made absolute against the working directory, lexically (symlinks
 * are kept: a kubelet swaps them, and the watcher must see it).  A new
 * string, or NULL when out of memory. */
char *acfs_mnt_abspath(const char *path);

/* The canonical form of path, which need not exist: realpath() of its
 * longest existing prefix, followed by the rest with "." and ".."
 * resolved.  A new string, or NULL. */
char *acfs_mnt_canon(const char *path);

/* Whether canonical path file is the canonical directory dir or lies
 * below it. */
int acfs_mnt_inside(const char *file, const char *dir);

/* Gets mp ready: a stale FUSE mount (ENOTCONN) is detached (umount2 with
 * MNT_DETACH as root, fusermount3 -u -z otherwise); a live FUSE mount is
 * refused; a missing directory is created (0755 for root, 0700
 * otherwise).  Returns 0, or -1 with a message on the log that says what
 * to do. */
int acfs_mnt_prepare(const char *mp);

/* Detaches mp when it is a FUSE mount whose daemon died (as
 * acfs_mnt_prepare does first).  Returns 0 when nothing stale is left,
 * else -1 with the message on the log. */
int acfs_mnt_clear_stale(const char *mp);

/* Whether mp is itself a live FUSE mount (its own device, statfs type
 * FUSE, answering). */
int acfs_mnt_live_fuse(const char *mp);

/* Logs a warning when path exists and group or others may write it (they
 * could then choose the roles this daemon assumes). */
void acfs_mnt_warn_writable(const char *path, const char *what);

#endif
