/* daemon.h - the mount mode: awscredsfs [MOUNTPOINT] [-f] [-o OPTIONS]. */
#ifndef ACFS_DAEMON_H
#define ACFS_DAEMON_H

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

#endif
