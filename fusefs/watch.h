/* watch.h - live config: reloads the engine when the config or credentials
 * file changes (inotify on their directories, since editors replace files
 * by rename and a kubelet swaps symlinks), or on SIGHUP.
 *
 * SIGHUP must be blocked in every thread; the watcher's thread unblocks it
 * only while it waits, so the handler (which only sets a flag) runs there
 * and wakes it at once.
 */
#ifndef ACFS_WATCH_H
#define ACFS_WATCH_H

#include "engine.h"

typedef struct acfs_watch acfs_watch;

/* Starts the watcher thread for the two files (absolute paths; either may
 * be NULL).  NULL when the thread cannot start (the reason is logged). */
acfs_watch *acfs_watch_start(acfs_engine *eng, const char *config_path,
			     const char *credentials_path);
/* Stops and joins the thread; NULL is a no-op. */
void acfs_watch_stop(acfs_watch *w);

/* The SIGHUP handler: sets a flag for the watcher. */
void acfs_watch_on_hup(int sig);

#endif
