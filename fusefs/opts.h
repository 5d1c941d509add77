/* opts.h - the mount command line: awscredsfs [SOURCE] [MOUNTPOINT] [-f]
 * [-d] [-s] [-o OPTIONS], parsed with fuse_opt as sshfs does.
 *
 * Our -o options are taken out; the libfuse options we allow (allow_other,
 * auto_unmount, fsname=, max_threads=, ...) are left in args for
 * fuse_parse_cmdline() and fuse_session_new(); options that only matter to
 * mount(8) and fstab (_netdev, noauto, nofail, user, rw, ...) are dropped;
 * anything else is an error.
 */
#ifndef ACFS_MOPTS_H
#define ACFS_MOPTS_H

#include <stdio.h>
#include <sys/types.h>

#include <fuse_opt.h>

typedef struct {
	/* our options; strings are malloc'd by fuse_opt */
	char *config;            /* config=; NULL: located as the SDKs do */
	char *credentials;       /* credentials= */
	int config_set, credentials_set;   /* given, possibly empty */
	uid_t uid;
	gid_t gid;
	int uid_set, gid_set;
	int allow_other;
	long refresh_window_s;   /* 0: the engine's default */
	long sts_timeout_ms;     /* 0: the engine's default */
	long process_timeout_ms; /* 0: the resolver's default */
	char *profiles;          /* comma-separated globs; NULL: all */
	int loglevel;            /* syslog priority; -1: not given */
	/* positionals */
	char *source;            /* fstab's first field; NULL when absent */
	char *mountpoint;        /* NULL: the default */
	/* -h / -V */
	int show_help, show_version;
	/* parse state */
	int in_profiles;         /* the last option was profiles= */
	const char *error;       /* set when parsing failed */
	char error_arg[256];
} acfs_mopts;

/* Parses argv into o (defaults first) and a new args vector for libfuse.
 * Returns 0 on success (args to be freed with fuse_opt_free_args), or -1
 * with a message already printed on stderr: a usage error (exit 2). */
int acfs_mopts_parse(int argc, char **argv, acfs_mopts *o,
		     struct fuse_args *args);
void acfs_mopts_free(acfs_mopts *o);

/* The mount synopsis and every -o option, for --help. */
void acfs_mopts_usage(FILE *f);

#endif
