/* daemon.h - the mount mode: awscredsfs [MOUNTPOINT] [-f] [-o OPTIONS]. */
#ifndef ACFS_DAEMON_H
#define ACFS_DAEMON_H

#include <sys/types.h>

#include "opts.h"

/* What main() should print instead of an exit status. */
#define ACFS_DAEMON_USAGE (-1)     /* a usage error: usage on stderr, 2 */
#define ACFS_DAEMON_HELP (-2)      /* --help: usage on stdout, 0 */
#define ACFS_DAEMON_VERSION (-3)   /* --version, 0 */

/* Mounts and serves until unmounted or signalled.  Without -f the
 * process detaches once the mount is ready, so that
 * `awscredsfs MOUNTPOINT && next-command` is safe; everything before that
 * is reported on stderr with exit status 1.  Returns the exit status, or
 * one of the ACFS_DAEMON_* codes above. */
int acfs_daemon_main(int argc, char **argv);

/* The same with the command line already parsed (o and args borrowed;
 * args is consumed by libfuse's own parsing).  exec_ready_fd -1: as
 * acfs_daemon_main.  exec_ready_fd >= 0 (the --exec mode, whose
 * supervisor forked this process): foreground whatever -f says, logs on
 * stderr only, and one byte is written to exec_ready_fd once the mount is
 * ready; the fd is closed on every path, so EOF without that byte means
 * the start failed.  Returns 0, 1 or ACFS_DAEMON_USAGE. */
int acfs_daemon_serve(const acfs_mopts *o, struct fuse_args *args,
		      int exec_ready_fd);

/* pipe2(O_CLOEXEC), then fork() with stdio flushed: the start of a
 * parent that waits for its child's ready byte.  Returns fork()'s result
 * with p filled, or -1 with the reason logged and nothing left open. */
pid_t acfs_daemon_fork_piped(int p[2]);

#endif
