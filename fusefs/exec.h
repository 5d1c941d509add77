/* exec.h - the entrypoint mode:
 *
 *   awscredsfs [MOUNTPOINT] [-o OPTIONS] --exec PROFILE [--refresh] -- COMMAND [ARG...]
 *
 * Mounts (or reuses the awscredsfs mount already at MOUNTPOINT), runs
 * COMMAND with the variables that point it at PROFILE, forwards signals
 * to it, unmounts what it mounted once COMMAND exits, and exits with
 * COMMAND's status.
 */
#ifndef ACFS_EXEC_H
#define ACFS_EXEC_H

/* Exit statuses of our own, as env(1), timeout(1) and the shells use
 * them. */
#define ACFS_EXEC_FAILED 125       /* awscredsfs failed before COMMAND ran */
#define ACFS_EXEC_NOEXEC 126       /* COMMAND cannot be executed */
#define ACFS_EXEC_NOTFOUND 127     /* COMMAND was not found */

/* Whether argv asks for this mode: --exec, --exec=PROFILE or --refresh
 * before any "--". */
int acfs_exec_wanted(int argc, char **argv);

/* Runs it.  Returns the exit status, or one of the ACFS_DAEMON_* codes of
 * daemon.h (usage error, --help, --version) for main() to print. */
int acfs_exec_main(int argc, char **argv);

#endif
