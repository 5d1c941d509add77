/* opts.c - the mount command line, with a fuse_opt table as sshfs builds
 * it: defaults are set before parsing, our options are taken out, the
 * libfuse options we support are kept for libfuse, fstab-only options are
 * dropped, and anything else is a clear error. */
#include "opts.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define REFRESH_WINDOW_MAX (12L * 3600)
#define STS_TIMEOUT_MAX 300L
#define PROCESS_TIMEOUT_MAX 300L
#define PROFILES_MAX 4096

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_UID,
	KEY_GID,
	KEY_REFRESH,
	KEY_STS,
	KEY_PROCESS,
	KEY_PROFILES,
	KEY_LOGLEVEL,
};

#define MOPT(t, field, v) { t, offsetof(acfs_mopts, field), v }
#define KEEP(t) FUSE_OPT_KEY(t, FUSE_OPT_KEY_KEEP)
#define DROP(t) FUSE_OPT_KEY(t, FUSE_OPT_KEY_DISCARD)

static const struct fuse_opt mopts_spec[] = {
	MOPT("config=%s", config, 0),
	MOPT("config=", config_set, 1),
	MOPT("credentials=%s", credentials, 0),
	MOPT("credentials=", credentials_set, 1),
	MOPT("allow_other", allow_other, 1),
	KEEP("allow_other"),
	FUSE_OPT_KEY("uid=", KEY_UID),
	FUSE_OPT_KEY("gid=", KEY_GID),
	FUSE_OPT_KEY("refresh_window=", KEY_REFRESH),
	FUSE_OPT_KEY("sts_timeout=", KEY_STS),
	FUSE_OPT_KEY("process_timeout=", KEY_PROCESS),
	FUSE_OPT_KEY("profiles=", KEY_PROFILES),
	FUSE_OPT_KEY("loglevel=", KEY_LOGLEVEL),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	/* libfuse's own, for fuse_parse_cmdline() and fuse_session_new() */
	KEEP("-f"), KEEP("-d"), KEEP("debug"), KEEP("-s"),
	KEEP("clone_fd"), KEEP("max_threads="), KEEP("max_idle_threads="),
	KEEP("allow_root"), KEEP("auto_unmount"), KEEP("fsname="),
	KEEP("subtype="), KEEP("max_read="),
	KEEP("nosuid"), KEEP("suid"), KEEP("nodev"), KEEP("dev"),
	KEEP("noexec"), KEEP("exec"), KEEP("noatime"), KEEP("atime"),
	KEEP("nodiratime"), KEEP("relatime"), KEEP("norelatime"),
	KEEP("strictatime"),
	/* Always on; mount(8), fstab and mount.fuse3 pass the rest. */
	DROP("default_permissions"),
	DROP("_netdev"), DROP("noauto"), DROP("auto"), DROP("nofail"),
	DROP("user"), DROP("nouser"), DROP("users"), DROP("owner"),
	DROP("group"), DROP("defaults"), DROP("rw"), DROP("ro"),
	DROP("comment="),
	FUSE_OPT_END
};

static int fail(acfs_mopts *o, const char *why, const char *arg)
{
	o->error = why;
	snprintf(o->error_arg, sizeof(o->error_arg), "%s", arg);
	return -1;
}

/* A whole decimal number in [lo, hi]. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_uid(const char *s, uid_t *out)
{
	struct passwd *pw;
	long v;

	if (parse_long(s, 0, (long)UINT_MAX - 1, &v) == 0) {
		*out = (uid_t)v;
		return 0;
	}
	pw = getpwnam(s);
	if (pw == NULL)
		return -1;
	*out = pw->pw_uid;
	return 0;
}

static int parse_gid(const char *s, gid_t *out)
{
	struct group *gr;
	long v;

	if (parse_long(s, 0, (long)UINT_MAX - 1, &v) == 0) {
		*out = (gid_t)v;
		return 0;
	}
	gr = getgrnam(s);
	if (gr == NULL)
		return -1;
	*out = gr->gr_gid;
	return 0;
}

/* Appends one glob (or several, comma-separated) to the filter. */
static int add_profiles(acfs_mopts *o, const char *globs)
{
	size_t have = o->profiles ? strlen(o->profiles) : 0;
	size_t add = strlen(globs);
	char *p;

	if (add == 0)
		return 0;
	if (have + 1 + add > PROFILES_MAX)
		return -1;
	p = realloc(o->profiles, have + 1 + add + 1);
	if (p == NULL)
		return -1;
	if (have > 0)
		p[have++] = ',';
	memcpy(p + have, globs, add + 1);
	o->profiles = p;
	return 0;
}

static int mopt_proc(void *data, const char *arg, int key,
		     struct fuse_args *outargs)
{
	acfs_mopts *o = data;
	int was_profiles = o->in_profiles;
	const char *v = strchr(arg, '=');
	long n;
	int lvl;

	(void)outargs;
	o->in_profiles = 0;
	v = v ? v + 1 : "";
	switch (key) {
	case KEY_HELP:
		o->show_help = 1;
		return 0;
	case KEY_VERSION:
		o->show_version = 1;
		return 0;
	case KEY_UID:
		if (parse_uid(v, &o->uid) != 0)
			return fail(o, "uid= takes a user id or a user name", arg);
		o->uid_set = 1;
		return 0;
	case KEY_GID:
		if (parse_gid(v, &o->gid) != 0)
			return fail(o, "gid= takes a group id or a group name", arg);
		o->gid_set = 1;
		return 0;
	case KEY_REFRESH:
		if (parse_long(v, 1, REFRESH_WINDOW_MAX, &n) != 0)
			return fail(o, "refresh_window= takes 1 to 43200 seconds", arg);
		o->refresh_window_s = n;
		return 0;
	case KEY_STS:
		if (parse_long(v, 1, STS_TIMEOUT_MAX, &n) != 0)
			return fail(o, "sts_timeout= takes 1 to 300 seconds", arg);
		o->sts_timeout_ms = n * 1000;
		return 0;
	case KEY_PROCESS:
		if (parse_long(v, 1, PROCESS_TIMEOUT_MAX, &n) != 0)
			return fail(o, "process_timeout= takes 1 to 300 seconds", arg);
		o->process_timeout_ms = n * 1000;
		return 0;
	case KEY_PROFILES:
		if (*v == '\0')
			return fail(o, "profiles= takes one or more globs", arg);
		if (add_profiles(o, v) != 0)
			return fail(o, "profiles= is too long", arg);
		o->in_profiles = 1;
		return 0;
	case KEY_LOGLEVEL:
		lvl = acfs_dlog_level_parse(v);
		if (lvl < 0)
			return fail(o, "loglevel= takes debug, info, warning or error", arg);
		o->loglevel = lvl;
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		/* [SOURCE] MOUNTPOINT: mount(8) and fstab pass the first
		 * field of the line before the mount point, as for sshfs. */
		if (o->mountpoint == NULL) {
			o->mountpoint = strdup(arg);
		} else if (o->source == NULL) {
			o->source = o->mountpoint;
			o->mountpoint = strdup(arg);
		} else {
			return fail(o, "too many arguments", arg);
		}
		if (o->mountpoint == NULL)
			return fail(o, "out of memory", arg);
		return 0;
	case FUSE_OPT_KEY_OPT:
	default:
		/* "-o profiles=a*,b*": fuse_opt splits at the comma, so a
		 * bare word right after profiles= is one more glob. */
		if (was_profiles && arg[0] != '-' && strchr(arg, '=') == NULL) {
			if (add_profiles(o, arg) != 0)
				return fail(o, "profiles= is too long", arg);
			o->in_profiles = 1;
			return 0;
		}
		if (strncmp(arg, "x-", 2) == 0)
			return 0;   /* fstab's x-systemd.* and friends */
		return fail(o, "unknown option", arg);
	}
}

int acfs_mopts_parse(int argc, char **argv, acfs_mopts *o,
		     struct fuse_args *args)
{
	struct fuse_args in = FUSE_ARGS_INIT(argc, argv);
	char fsname[256];

	memset(o, 0, sizeof(*o));
	o->loglevel = -1;
	o->uid = getuid();
	o->gid = getgid();
	*args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	/* Our defaults go first, so the user's own -o wins: many worker
	 * threads, since one may wait up to sts_timeout for STS and a
	 * status read must not queue behind it. */
	if (fuse_opt_add_arg(args, argc > 0 ? argv[0] : "awscredsfs") != 0 ||
	    fuse_opt_add_arg(args, "-omax_threads=64") != 0)
		goto nomem;
	if (fuse_opt_parse(&in, o, mopts_spec, mopt_proc) != 0) {
		if (o->error != NULL)
			fprintf(stderr, "awscredsfs: %s: '%s'\n", o->error,
				o->error_arg);
		goto bad;
	}
	/* fuse_opt_parse built a new argv in "in" with what we kept. */
	for (int i = 1; i < in.argc; i++)
		if (fuse_opt_add_arg(args, in.argv[i]) != 0)
			goto nomem;
	fuse_opt_free_args(&in);
	/* Before the user's options, which may override them; then the one
	 * that is always on. */
	if (o->source != NULL && strpbrk(o->source, ",\\") == NULL &&
	    strlen(o->source) < 200)
		snprintf(fsname, sizeof(fsname), "-ofsname=%s", o->source);
	else
		snprintf(fsname, sizeof(fsname), "-ofsname=awscredsfs");
	if (fuse_opt_insert_arg(args, 1, "-osubtype=awscredsfs") != 0 ||
	    fuse_opt_insert_arg(args, 1, fsname) != 0 ||
	    fuse_opt_add_arg(args, "-odefault_permissions") != 0)
		goto nomem;
	if (o->config_set && o->config != NULL && o->config[0] == '\0') {
		free(o->config);
		o->config = NULL;
	}
	if (o->credentials_set && o->credentials != NULL &&
	    o->credentials[0] == '\0') {
		free(o->credentials);
		o->credentials = NULL;
	}
	return 0;
nomem:
	fprintf(stderr, "awscredsfs: out of memory\n");
bad:
	fuse_opt_free_args(&in);
	fuse_opt_free_args(args);
	acfs_mopts_free(o);
	return -1;
}

void acfs_mopts_free(acfs_mopts *o)
{
	free(o->config);
	free(o->credentials);
	free(o->profiles);
	free(o->source);
	free(o->mountpoint);
	o->config = o->credentials = o->profiles = NULL;
	o->source = o->mountpoint = NULL;
}

void acfs_mopts_usage(FILE *f)
{
	fprintf(f,
"Mounting (the filesystem):\n"
"  MOUNTPOINT          where to mount (default: /run/awscreds as root, else\n"
"                      $XDG_RUNTIME_DIR/awscreds); created when missing\n"
"  -f                  stay in the foreground and log to stderr (for systemd);\n"
"                      otherwise the daemon detaches once the mount is ready\n"
"                      and logs to syslog\n"
"  -d                  libfuse's debug trace of every request (implies -f)\n"
"  -s                  a single worker thread\n"
"  -o config=FILE      the config file (default: $AWS_CONFIG_FILE or\n"
"                      ~/.aws/config); empty: read none\n"
"  -o credentials=FILE the credentials file (default:\n"
"                      $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials);\n"
"                      empty: read none\n"
"  -o uid=USER         owner of every file (default: the mounting user)\n"
"  -o gid=GROUP        group of every file (default: the mounting group)\n"
"  -o allow_other      let other users (uid=) in; default_permissions is\n"
"                      always on, so files stay 0400 to their owner\n"
"  -o refresh_window=SECONDS  refresh credentials that expire within this\n"
"                      (default 1200)\n"
"  -o sts_timeout=SECONDS  total time for one STS call, retries included\n"
"                      (default 10)\n"
"  -o process_timeout=SECONDS  how long a credential_process command may\n"
"                      run before it is killed (default 30)\n"
"  -o profiles=GLOB[,GLOB...]  serve only the profiles whose names match\n"
"  -o loglevel=LEVEL   debug, info (default), warning or error\n"
"  -o auto_unmount     unmount even when the daemon is killed (fusermount3)\n"
"  Options for mount(8) and fstab only (_netdev, noauto, nofail, user, rw,\n"
"  ...) are ignored.\n");
}
