/* log.h - the daemon's log: syslog (LOG_DAEMON, "awscredsfs"), stderr, or
 * both while a background daemon is still starting.
 *
 * Messages never contain secrets: callers pass names, paths, ARNs, engine
 * error messages (which never hold key material) and at most an access key
 * id prefix from acfs_akid_prefix().
 */
#ifndef ACFS_DLOG_H
#define ACFS_DLOG_H

#include <syslog.h>

/* Where log lines go. */
#define ACFS_DLOG_STDERR 1u
#define ACFS_DLOG_SYSLOG 2u

/* Starts logging to the sinks in mask (openlog for ACFS_DLOG_SYSLOG), at
 * level (a syslog priority: LOG_ERR .. LOG_DEBUG) and above.  Also routes
 * libfuse's own messages here; with fuse_debug (-d) its debug trace of
 * every request is written whatever the level. */
void acfs_dlog_open(unsigned mask, int level, int fuse_debug);
/* Changes the sinks (a daemon stops writing to stderr once it is
 * detached). */
void acfs_dlog_sinks(unsigned mask);
void acfs_dlog_close(void);

/* "debug", "info", "warning" (or "warn"), "error" (or "err") to a syslog
 * priority; -1 for anything else. */
int acfs_dlog_level_parse(const char *s);
/* Whether a message at level would be written. */
int acfs_dlog_enabled(int level);

void acfs_dlog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
