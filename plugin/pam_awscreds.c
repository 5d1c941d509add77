/* pam_awscreds.c - PAM session module: points the session at one profile
 * of an awscredsfs mount.
 *
 * At session open it picks a profile for the user (map= file, then
 * profile=), checks the mount and the profile directory with the user's
 * file-system identity, and puts the variables of acfs_session_env_build()
 * into the PAM environment.  It never breaks a login unless `strict` is
 * given: without it every problem is logged through pam_syslog and the
 * session goes on.
 *
 * Return values:
 *   PAM_SUCCESS       the variables were set; or (without strict) a problem
 *                     was logged and nothing was set;
 *   PAM_IGNORE        no profile applies to this user (no map line, no `*`
 *                     line, no profile=): nothing to do, and the module
 *                     has no say in the stack's result, even with strict;
 *   PAM_SESSION_ERR   strict, and a problem was found (missing mount or
 *                     profile, refused map file, bad option value, ...);
 *   PAM_SYSTEM_ERR    the file-system identity could not be restored after
 *                     reading as the user (the process would be unsafe).
 *
 * Only pam_sm_open_session and pam_sm_close_session are exported
 * (plugin/pam_awscreds.map).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "error.h"
#include "profile.h"
#include "sessionenv.h"

#define MAP_FILE_MAX (64 * 1024)   /* bytes in the map file */
#define MAP_LINE_MAX 1024          /* bytes in one map line */
#define ENV_ENTRY_MAX (PATH_MAX + 64)

typedef struct {
	const char *mount;     /* NULL: the user's default */
	const char *profile;   /* NULL: none */
	const char *map;       /* NULL: none */
	int refresh, strict, debug;
	int bad;               /* an option had a bad value */
} pam_opts;

static void parse_args(pam_handle_t *pamh, int argc, const char **argv,
		       pam_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "mount=", 6) == 0)
			o->mount = a + 6;
		else if (strncmp(a, "profile=", 8) == 0)
			o->profile = a + 8;
		else if (strncmp(a, "map=", 4) == 0)
			o->map = a + 4;
		else if (strcmp(a, "refresh") == 0)
			o->refresh = 1;
		else if (strcmp(a, "strict") == 0)
			o->strict = 1;
		else if (strcmp(a, "debug") == 0)
			o->debug = 1;
		else
			pam_syslog(pamh, LOG_ERR, "unknown option ignored: %.64s",
				   a);
	}
	if (o->mount != NULL && o->mount[0] != '/') {
		pam_syslog(pamh, LOG_ERR, "mount= needs an absolute path, not "
			   "'%.256s'", o->mount);
		o->bad = 1;
	}
	if (o->map != NULL && o->map[0] != '/') {
		pam_syslog(pamh, LOG_ERR, "map= needs an absolute path, not "
			   "'%.256s'", o->map);
		o->bad = 1;
	}
	if (o->profile != NULL && o->profile[0] == '\0') {
		pam_syslog(pamh, LOG_ERR, "profile= needs a profile name");
		o->bad = 1;
	}
}

/* Whether st may be trusted for a file root relies on: owned by root (or
 * by the uid the application runs as, which is root for login services)
 * and not writable by group or others.  On 0, *why says why. */
static int trusted(const struct stat *st, const char **why)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		*why = "is not owned by root";
		return 0;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		*why = "is writable by group or others";
		return 0;
	}
	return 1;
}

/* Opens the map file after checking it and the directory holding it.
 * Returns the fd, or -1 after logging why. */
static int map_open(pam_handle_t *pamh, const char *path)
{
	char dir[PATH_MAX];
	const char *base, *why = NULL;
	struct stat st;
	int dfd = -1, fd = -1;
	size_t dl;

	base = strrchr(path, '/');
	dl = (size_t)(base - path);
	base++;
	if (dl >= sizeof(dir) || base[0] == '\0') {
		pam_syslog(pamh, LOG_ERR, "map file %.256s: not a file name",
			   path);
		return -1;
	}
	memcpy(dir, path, dl);
	dir[dl] = '\0';
	dfd = open(dl == 0 ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot open the directory of map "
			   "file %s: %m", path);
		goto fail;
	}
	if (fstat(dfd, &st) != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot stat the directory of map "
			   "file %s: %m", path);
		goto fail;
	}
	/* A sticky directory (/tmp) still lets others remove or replace
	 * names they own; trust only a directory others cannot write. */
	if (!trusted(&st, &why)) {
		pam_syslog(pamh, LOG_ERR, "map file %s refused: its directory "
			   "%s", path, why);
		goto fail;
	}
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		    O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			pam_syslog(pamh, LOG_ERR, "map file %s refused: it is a "
				   "symbolic link", path);
		else
			pam_syslog(pamh, LOG_ERR, "cannot open map file %s: %m",
				   path);
		goto fail;
	}
	if (fstat(fd, &st) != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot stat map file %s: %m", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if (!trusted(&st, &why))
		;
	else if (st.st_size > MAP_FILE_MAX)
		why = "is larger than 65536 bytes";
	if (why != NULL) {
		pam_syslog(pamh, LOG_ERR, "map file %s refused: it %s", path,
			   why);
		goto fail;
	}
	close(dfd);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return -1;
}

/* Reads the whole map (at most MAP_FILE_MAX bytes) into a new buffer. */
static char *map_read(pam_handle_t *pamh, const char *path, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd = map_open(pamh, path);

	if (fd < 0)
		return NULL;
	buf = malloc(MAP_FILE_MAX + 1);
	if (buf == NULL) {
		pam_syslog(pamh, LOG_CRIT, "out of memory");
		goto out;
	}
	for (;;) {
		r = read(fd, buf + n, MAP_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			pam_syslog(pamh, LOG_ERR, "cannot read map file %s: %m",
				   path);
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > MAP_FILE_MAX) {
			pam_syslog(pamh, LOG_ERR, "map file %s refused: it is "
				   "larger than 65536 bytes", path);
			goto fail;
		}
	}
	buf[n] = '\0';
	*len = n;
	goto out;
fail:
	free(buf);
	buf = NULL;
out:
	close(fd);
	return buf;
}

/* The next whitespace-separated token of s[0..n) from *pos; its length in
 * *tl (0 at the end). */
static const char *token(const char *s, size_t n, size_t *pos, size_t *tl)
{
	size_t i = *pos, start;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	start = i;
	while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
		i++;
	*pos = i;
	*tl = i - start;
	return s + start;
}

/* Looks the user up in the map: lines "user profile", "*" for every user
 * without a line of its own, "#" to the end of a line is a comment.  The
 * first line for the user wins over the first "*" line.  Returns 1 with
 * the profile in out, 0 when no line applies, -1 when the map cannot be
 * used (logged). */
static int map_lookup(pam_handle_t *pamh, const char *path, const char *user,
		      int debug, char *out, size_t outsz)
{
	char *buf;
	size_t len = 0, at = 0;
	unsigned line = 0;
	int found = 0, star = 0;

	buf = map_read(pamh, path, &len);
	if (buf == NULL)
		return -1;
	out[0] = '\0';
	while (at < len && found == 0) {
		const char *l = buf + at, *nl, *u, *p, *x;
		size_t ll, pos = 0, ul, pl, xl;

		nl = memchr(l, '\n', len - at);
		ll = nl != NULL ? (size_t)(nl - l) : len - at;
		at += ll + 1;
		line++;
		if (ll > MAP_LINE_MAX) {
			pam_syslog(pamh, LOG_ERR, "map file %s line %u: longer "
				   "than %d bytes, ignored", path, line,
				   MAP_LINE_MAX);
			continue;
		}
		if (memchr(l, '\0', ll) != NULL) {
			pam_syslog(pamh, LOG_ERR, "map file %s line %u: a NUL "
				   "byte, ignored", path, line);
			continue;
		}
		if ((x = memchr(l, '#', ll)) != NULL)
			ll = (size_t)(x - l);
		u = token(l, ll, &pos, &ul);
		if (ul == 0)
			continue;
		p = token(l, ll, &pos, &pl);
		x = token(l, ll, &pos, &xl);
		if (pl == 0 || xl != 0) {
			pam_syslog(pamh, LOG_ERR, "map file %s line %u: expected "
				   "'user profile', ignored", path, line);
			continue;
		}
		if (pl >= outsz) {
			pam_syslog(pamh, LOG_ERR, "map file %s line %u: the "
				   "profile name is longer than %zu bytes, "
				   "ignored", path, line, outsz - 1);
			continue;
		}
		if (ul == strlen(user) && memcmp(u, user, ul) == 0) {
			memcpy(out, p, pl);
			out[pl] = '\0';
			found = 1;
		} else if (ul == 1 && u[0] == '*' && !star) {
			memcpy(out, p, pl);
			out[pl] = '\0';
			star = 1;
		}
	}
	if (debug && (found || star))
		pam_syslog(pamh, LOG_DEBUG, "map file %s: user %s has profile "
			   "%s%s", path, user, out, found ? "" : " (from '*')");
	free(buf);
	return found || star;
}

/* Puts env into the PAM environment.  Returns PAM_SUCCESS or the first
 * failure (logged). */
static int put_env(pam_handle_t *pamh, const acfs_session_env *env,
		   int debug)
{
	char entry[ENV_ENTRY_MAX];
	size_t i;
	int r, w;

	for (i = 0; i < env->n; i++) {
		const acfs_envvar *v = &env->v[i];

		/* libpam logs an error for deleting an unset variable. */
		if (v->value == NULL && pam_getenv(pamh, v->name) == NULL)
			continue;
		if (v->value != NULL)
			w = snprintf(entry, sizeof(entry), "%s=%s", v->name,
				     v->value);
		else
			w = snprintf(entry, sizeof(entry), "%s", v->name);
		if (w < 0 || (size_t)w >= sizeof(entry)) {
			pam_syslog(pamh, LOG_ERR, "%s is too long", v->name);
			return PAM_BUF_ERR;
		}
		r = pam_putenv(pamh, entry);
		if (r != PAM_SUCCESS) {
			pam_syslog(pamh, LOG_ERR, "cannot set %s: %s", v->name,
				   pam_strerror(pamh, r));
			return r;
		}
		/* Only our own variables, and none of them holds a secret. */
		if (debug && v->value != NULL)
			pam_syslog(pamh, LOG_DEBUG, "set %s=%s", v->name,
				   v->value);
		else if (debug)
			pam_syslog(pamh, LOG_DEBUG, "unset %s", v->name);
	}
	return PAM_SUCCESS;
}

/* Builds the variables for profile as the user (file-system identity
 * only).  Returns PAM_SUCCESS, PAM_SESSION_ERR after logging a problem,
 * or PAM_SYSTEM_ERR when the identity could not be restored. */
static int build_as_user(pam_handle_t *pamh, const struct passwd *pw,
			 const char *mount, const char *profile, int refresh,
			 acfs_session_env *env)
{
	PAM_MODUTIL_DEF_PRIVS(privs);
	acfs_err e;
	acfs_code rc;
	int dropped = 0;

	acfs_err_clear(&e);
	if (geteuid() == 0 && pw->pw_uid != 0) {
		if (pam_modutil_drop_priv(pamh, &privs, pw) != 0) {
			pam_syslog(pamh, LOG_ERR, "cannot take the identity of "
				   "user %s to look at %s", pw->pw_name, mount);
			return PAM_SESSION_ERR;
		}
		dropped = 1;
	}
	rc = acfs_session_env_build(mount, profile, refresh, env, &e);
	if (dropped && pam_modutil_regain_priv(pamh, &privs) != 0) {
		pam_syslog(pamh, LOG_CRIT, "cannot restore the identity after "
			   "reading as user %s", pw->pw_name);
		acfs_session_env_free(env);
		return PAM_SYSTEM_ERR;
	}
	if (rc != ACFS_OK) {
		pam_syslog(pamh, LOG_ERR, "user %s: %s", pw->pw_name, e.msg);
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

static int open_session(pam_handle_t *pamh, const pam_opts *o)
{
	char profile[ACFS_PROFILE_NAME_MAX + 1];
	char mount[PATH_MAX], rundir[64];
	const struct passwd *pw;
	const char *user = NULL;
	acfs_session_env env = { .n = 0 };
	acfs_err e;
	int r, m = 0;

	if (o->bad)
		return PAM_SESSION_ERR;
	r = pam_get_user(pamh, &user, NULL);
	if (r != PAM_SUCCESS || user == NULL || user[0] == '\0') {
		pam_syslog(pamh, LOG_ERR, "cannot get the user name: %s",
			   pam_strerror(pamh, r));
		return PAM_SESSION_ERR;
	}
	if (o->map != NULL) {
		m = map_lookup(pamh, o->map, user, o->debug, profile,
			       sizeof(profile));
		if (m < 0)
			return PAM_SESSION_ERR;
	}
	if (m == 0 && o->profile != NULL) {
		if (strlen(o->profile) >= sizeof(profile)) {
			pam_syslog(pamh, LOG_ERR, "profile= is longer than %d "
				   "bytes", ACFS_PROFILE_NAME_MAX);
			return PAM_SESSION_ERR;
		}
		strcpy(profile, o->profile);
		m = 1;
	}
	if (m == 0) {
		if (o->debug)
			pam_syslog(pamh, LOG_DEBUG, "no profile for user %s",
				   user);
		return PAM_IGNORE;
	}
	pw = pam_modutil_getpwnam(pamh, user);
	if (pw == NULL) {
		pam_syslog(pamh, LOG_ERR, "unknown user %s", user);
		return PAM_SESSION_ERR;
	}
	acfs_err_clear(&e);
	if (o->mount != NULL)
		r = snprintf(mount, sizeof(mount), "%s", o->mount) <
		    (int)sizeof(mount) ? 0 : -1;
	else {
		/* The user's own runtime directory, as logind makes it; not
		 * XDG_RUNTIME_DIR from the PAM environment, which the user
		 * may set (pam_env user_readenv). */
		snprintf(rundir, sizeof(rundir), "/run/user/%lu",
			 (unsigned long)pw->pw_uid);
		r = acfs_session_mount_for((unsigned long)pw->pw_uid, rundir,
					   mount, sizeof(mount), &e) == ACFS_OK
			    ? 0 : -1;
	}
	if (r != 0) {
		pam_syslog(pamh, LOG_ERR, "the mount point is too long");
		return PAM_SESSION_ERR;
	}
	r = build_as_user(pamh, pw, mount, profile, o->refresh, &env);
	if (r != PAM_SUCCESS)
		return r;
	r = put_env(pamh, &env, o->debug);
	acfs_session_env_free(&env);
	if (r != PAM_SUCCESS)
		return PAM_SESSION_ERR;
	if (o->debug)
		pam_syslog(pamh, LOG_DEBUG, "user %s: profile %s of %s%s", user,
			   profile, mount, o->refresh ? " (refresh mode)" : "");
	return PAM_SUCCESS;
}

int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
			const char **argv)
{
	pam_opts o;
	int r;

	(void)flags;
	parse_args(pamh, argc, argv, &o);
	r = open_session(pamh, &o);
	if (r == PAM_SESSION_ERR && !o.strict)
		return PAM_SUCCESS;   /* logged; never break a login */
	return r;
}

int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
			 const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
