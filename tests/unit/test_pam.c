/* test_pam.c - the PAM session module, loaded for real.
 *
 *  - load: dlopen(RTLD_NOW) finds pam_sm_open_session and
 *    pam_sm_close_session, and nothing else is exported;
 *  - sessions: libpamtest under pam_wrapper runs pam_open_session against
 *    generated service files that name the built module by absolute path,
 *    and checks the exact PAM environment and what was logged;
 *  - valgrind: the same run again under valgrind --leak-check=full
 *    (skipped, with the reason printed, in an ASan build or without
 *    valgrind).
 *
 * pam_wrapper reads its service directory when it is loaded, so the first
 * run makes the whole fixture (fake mounts, map files, service files) in a
 * temporary directory and re-executes itself with LD_PRELOAD set; that
 * second process runs the tests and removes the directory.
 *
 * The fake mount is a directory with the top-level status file ("=status")
 * and profile directories holding a config file: the module's check
 * (acfs_session_check_mount) is the same one it applies to real mounts.
 * When running as root with /dev/fuse and the built daemon, one case also
 * runs against a real awscredsfs mount serving a static-keys profile (no
 * STS call is involved: reading config never calls STS).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "testlib.h"

#ifndef ACFS_PAM_MODULE
#error "ACFS_PAM_MODULE must name the built module"
#endif
#ifndef ACFS_SRCDIR
#define ACFS_SRCDIR "."
#endif
#ifndef ACFS_DAEMON
#define ACFS_DAEMON ""
#endif
#ifndef ACFS_PAM_WRAPPER_LIB
#define ACFS_PAM_WRAPPER_LIB "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ACFS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ACFS_ASAN 1
#endif
#endif
#ifndef ACFS_ASAN
#define ACFS_ASAN 0
#endif

#define PAM_DIR "/lib/x86_64-linux-gnu/security"

static const char *T;          /* the fixture directory */
static int as_root;
static uid_t nobody_uid = (uid_t)-1;

/* --- fixture, made before the re-exec --- */

static void die(const char *what)
{
	fprintf(stderr, "test_pam: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	int fd;
	size_t n = strlen(text);

	snprintf(p, sizeof(p), "%s/%s", T, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) != 0)
		die(p);
	if (chmod(p, mode) != 0)
		die(p);
}

static void dir(const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", T, rel);
	if (mkdir(p, mode) != 0 || chmod(p, mode) != 0)
		die(p);
}

/* A service file: each line of lines, "@M" standing for the module and
 * "@T" for the fixture directory. */
static void service(const char *name, const char *lines)
{
	char out[3 * PATH_MAX], rel[256];
	size_t o = 0;
	const char *s;

	for (s = lines; *s != '\0' && o < sizeof(out) - PATH_MAX; s++) {
		if (s[0] == '@' && s[1] == 'M') {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s",
					      ACFS_PAM_MODULE);
			s++;
		} else if (s[0] == '@' && s[1] == 'T') {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", T);
			s++;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	snprintf(rel, sizeof(rel), "services/%s", name);
	put(rel, out, 0644);
}

#define CONFIG(region)                                                      \
	"[default]\n" region "\n[profile refresh]\n" region                 \
	"credential_process = cat /x/process.json\n"

static const struct { const char *name, *lines; } services[] = {
	{ "profile", "session required @M mount=@T/mnt profile=dev\n" },
	{ "noregion", "session required @M mount=@T/mnt/ profile=noregion\n" },
	{ "map_user", "session required @M mount=@T/mnt map=@T/map-ok\n" },
	{ "map_star", "session required @M mount=@T/mnt map=@T/map-star\n" },
	{ "map_none", "session required @M mount=@T/mnt map=@T/map-none debug\n"
		      "session required " PAM_DIR "/pam_permit.so\n" },
	{ "map_fallback",
	  "session required @M mount=@T/mnt map=@T/map-none profile=dev\n" },
	{ "map_lines", "session required @M mount=@T/mnt map=@T/map-lines\n" },
	{ "refresh", "session required @M mount=@T/mnt profile=dev refresh\n" },
	{ "refresh_old",
	  "session required @M mount=@T/mnt profile=old refresh strict\n" },
	{ "unsets",
	  "session required " PAM_DIR "/pam_env.so readenv=0 user_readenv=0 "
	  "conffile=@T/env.conf\n"
	  "session required @M mount=@T/mnt profile=dev\n" },
	{ "unsets_refresh",
	  "session required " PAM_DIR "/pam_env.so readenv=0 user_readenv=0 "
	  "conffile=@T/env.conf\n"
	  "session required @M mount=@T/mnt profile=dev refresh\n" },
	{ "map_writable", "session required @M mount=@T/mnt map=@T/map-w\n" },
	{ "map_writable_strict",
	  "session required @M mount=@T/mnt map=@T/map-w strict\n" },
	{ "map_owner", "session required @M mount=@T/mnt map=@T/map-nobody "
		       "strict\n" },
	{ "map_symlink", "session required @M mount=@T/mnt map=@T/map-link "
			 "strict\n" },
	{ "map_big", "session required @M mount=@T/mnt map=@T/map-big strict\n" },
	{ "map_dir", "session required @M mount=@T/mnt map=@T/wdir/map strict\n" },
	{ "map_missing",
	  "session required @M mount=@T/mnt map=@T/map-gone strict\n" },
	{ "mount_missing", "session required @M mount=@T/nope profile=dev\n" },
	{ "mount_missing_strict",
	  "session required @M mount=@T/nope profile=dev strict\n" },
	{ "not_mount", "session required @M mount=@T/notmnt profile=dev strict\n" },
	{ "profile_unknown", "session required @M mount=@T/mnt profile=ghost\n" },
	{ "profile_unknown_strict",
	  "session required @M mount=@T/mnt profile=ghost strict\n" },
	{ "profile_bad", "session required @M mount=@T/mnt profile=.. strict\n" },
	{ "profile_file",
	  "session required @M mount=@T/mnt profile==status strict\n" },
	{ "default_mount", "session required @M profile=acfs-pam-ghost strict\n" },
	{ "secret", "session required @M mount=@T/mnt profile=secret strict\n" },
	{ "user_unknown", "session required @M mount=@T/mnt profile=dev strict\n" },
	{ "options", "session required @M bogus=1 mount=@T/mnt profile=dev\n" },
	{ "mount_relative",
	  "session required @M mount=relative profile=dev strict\n" },
	{ "close", "session required @M mount=@T/mnt profile=dev\n" },
	{ "real", "session required @M mount=@T/real profile=static strict\n" },
	{ "real_refresh",
	  "session required @M mount=@T/real profile=static refresh strict\n" },
	{ "other", "session required " PAM_DIR "/pam_deny.so\n" },
};

static void make_fixture(void)
{
	static char tdir[] = "/tmp/acfs-pam-XXXXXX";
	char big[70 * 1024], p[PATH_MAX], q[PATH_MAX], longl[2001];
	size_t i;

	T = mkdtemp(tdir);
	if (T == NULL || chmod(T, 0755) != 0)
		die("mkdtemp");
	dir("services", 0755);
	dir("logs", 0777);
	dir("mnt", 0755);
	put("mnt/=status", "{}\n", 0444);
	dir("mnt/dev", 0755);
	put("mnt/dev/config", CONFIG("region = eu-west-1\n"), 0444);
	dir("mnt/noregion", 0755);
	put("mnt/noregion/config", CONFIG(""), 0444);
	dir("mnt/old", 0755);
	put("mnt/old/config", "[default]\nregion = us-east-2\n", 0444);
	dir("mnt/secret", 0700);
	put("mnt/secret/config", CONFIG("region = ap-south-1\n"), 0400);
	dir("notmnt", 0755);
	dir("notmnt/dev", 0755);
	put("notmnt/dev/config", CONFIG("region = eu-west-1\n"), 0444);
	dir("real", 0755);
	dir("daemon", 0700);
	put("daemon/config", "[profile static]\nregion = us-west-2\n", 0600);
	put("daemon/credentials", "[static]\naws_access_key_id = AKIAPAMTEST\n"
	    "aws_secret_access_key = pamtestsecret\n", 0600);

	put("map-ok", "# user profile\n\nalice noregion\nroot   dev   # me\n"
	    "* noregion\n", 0644);
	put("map-star", "alice dev\n*\tnoregion\nroot\n", 0644);
	put("map-none", "# nobody here\nalice dev\n", 0644);
	memset(longl, 'x', 2000);
	longl[2000] = '\0';
	snprintf(q, sizeof(q), "root\nroot dev extra\n%s\n\t  # comment\n"
		 "root noregion\nroot dev\n", longl);
	put("map-lines", q, 0644);
	put("map-w", "root dev\n", 0666);
	put("map-nobody", "root dev\n", 0644);
	if (as_root && nobody_uid != (uid_t)-1) {
		snprintf(p, sizeof(p), "%s/map-nobody", T);
		if (chown(p, nobody_uid, (gid_t)-1) != 0)
			die(p);
	}
	snprintf(p, sizeof(p), "%s/map-ok", T);
	snprintf(q, sizeof(q), "%s/map-link", T);
	if (symlink(p, q) != 0)
		die(q);
	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "root dev\n", 9);
	put("map-big", big, 0644);
	dir("wdir", 0777);
	put("wdir/map", "root dev\n", 0644);
	put("env.conf", "AWS_ACCESS_KEY_ID DEFAULT=AKIASTALE\n"
	    "AWS_SECRET_ACCESS_KEY DEFAULT=stalesecret\n"
	    "AWS_SESSION_TOKEN DEFAULT=staletoken\n"
	    "AWS_PROFILE DEFAULT=old\n"
	    "AWS_DEFAULT_PROFILE DEFAULT=old\n"
	    "AWS_ROLE_ARN DEFAULT=arn:aws:iam::1:role/x\n"
	    "AWS_WEB_IDENTITY_TOKEN_FILE DEFAULT=/x\n"
	    "AWS_DEFAULT_REGION DEFAULT=us-west-2\n"
	    "ACFS_UNRELATED DEFAULT=kept\n", 0644);
	for (i = 0; i < sizeof(services) / sizeof(*services); i++)
		service(services[i].name, services[i].lines);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* --- running sessions --- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The environment list, sorted and joined with '\n' (free()). */
static char *env_text(char **envlist)
{
	char *sorted[64], *out;
	size_t n = 0, len = 1, i;

	for (; envlist != NULL && envlist[n] != NULL && n < 64; n++)
		len += strlen(envlist[n]) + 1;
	memcpy(sorted, envlist != NULL ? envlist : sorted, n * sizeof(char *));
	qsort(sorted, n, sizeof(char *), cmp_str);
	out = calloc(1, len);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++) {
		strcat(out, sorted[i]);
		if (i + 1 < n)
			strcat(out, "\n");
	}
	return out;
}

/* The variables expected for profile of mount (under T unless absolute),
 * sorted and joined, with extra ("NAME=value", sorted in) when not NULL. */
static char *want(const char *mount, const char *profile, const char *region,
		  int refresh, const char *extra)
{
	char b[7][PATH_MAX + 64], m[PATH_MAX];
	char *list[8];
	size_t n = 0;

	snprintf(m, sizeof(m), "%s/%s", T, mount);
	snprintf(b[n], sizeof(b[n]), "AWS_CONFIG_FILE=%s/%s/config", m, profile);
	list[n] = b[n];
	n++;
	snprintf(b[n], sizeof(b[n]), "AWS_SHARED_CREDENTIALS_FILE=%s/%s/credentials",
		 m, profile);
	list[n] = b[n];
	n++;
	if (region != NULL) {
		snprintf(b[n], sizeof(b[n]), "AWS_REGION=%s", region);
		list[n] = b[n];
		n++;
		snprintf(b[n], sizeof(b[n]), "AWS_DEFAULT_REGION=%s", region);
		list[n] = b[n];
		n++;
	}
	if (refresh) {
		snprintf(b[n], sizeof(b[n]), "AWS_PROFILE=refresh");
		list[n] = b[n];
		n++;
	}
	if (extra != NULL) {
		snprintf(b[n], sizeof(b[n]), "%s", extra);
		list[n] = b[n];
		n++;
	}
	list[n] = NULL;
	return env_text(list);
}

/* Runs pam_open_session for user with service svc and checks its result,
 * the exact PAM environment (want_env, from want(); NULL: empty) and that
 * the log holds want_log (when not NULL). */
static void session(const char *svc, const char *user, int want_rc,
		    char *want_env, const char *want_log)
{
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_OPEN_SESSION, want_rc),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	char logp[PATH_MAX];
	enum pamtest_err perr;
	char *log, *got;
	int saved, fd;

	snprintf(logp, sizeof(logp), "%s/logs/%s.%ld.log", T, svc,
		 (long)getpid());
	fflush(stderr);
	saved = dup(2);
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	perr = run_pamtest(svc, user, NULL, tests, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log = tl_read_file(logp, NULL);
	unlink(logp);
	ck_assert_ptr_nonnull(log);
	if (perr != PAMTEST_ERR_OK) {
		const struct pam_testcase *f = pamtest_failed_case(tests);

		ck_abort_msg("%s: %s (pam_open_session returned %d, want %d)\n"
			     "log:\n%s", svc, pamtest_strerror(perr),
			     f != NULL ? f->op_rv : -1, want_rc, log);
	}
	got = env_text(tests[1].case_out.envlist);
	pamtest_free_env(tests[1].case_out.envlist);
	ck_assert_msg(strcmp(got, want_env != NULL ? want_env : "") == 0,
		      "%s: environment\n%s\nwant\n%s\nlog:\n%s", svc, got,
		      want_env != NULL ? want_env : "", log);
	if (want_log != NULL)
		ck_assert_msg(strstr(log, want_log) != NULL,
			      "%s: log lacks '%s':\n%s", svc, want_log, log);
	/* Neither the stale keys pam_env sets nor the daemon's are logged. */
	ck_assert_msg(strstr(log, "AKIA") == NULL &&
		      strstr(log, "stalesecret") == NULL &&
		      strstr(log, "pamtestsecret") == NULL,
		      "%s: the log shows key material:\n%s", svc, log);
	free(got);
	free(want_env);
	free(log);
}

/* --- load --- */

START_TEST(load_exports_only_pam_sm)
{
	static const char *const internal[] = {
		"acfs_session_env_build", "acfs_session_check_mount",
		"acfs_err_set", "acfs_ini_parse", "acfs_file_read",
		"map_lookup", "open_session", "parse_args",
	};
	void *h = dlopen(ACFS_PAM_MODULE, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	ck_assert_msg(h != NULL, "dlopen: %s", dlerror());
	ck_assert_ptr_nonnull(dlsym(h, "pam_sm_open_session"));
	ck_assert_ptr_nonnull(dlsym(h, "pam_sm_close_session"));
	ck_assert_ptr_null(dlsym(h, "pam_sm_authenticate"));
	for (i = 0; i < sizeof(internal) / sizeof(*internal); i++)
		ck_assert_msg(dlsym(h, internal[i]) == NULL,
			      "%s is exported", internal[i]);
	dlclose(h);
}
END_TEST

/* Every symbol the module defines in its dynamic table, by nm. */
START_TEST(load_dynamic_table)
{
	char cmd[PATH_MAX + 64], line[512];
	FILE *f;
	int n = 0, rc;

	if (access("/usr/bin/nm", X_OK) != 0)
		return;   /* binutils come with gcc; nothing to check without */
	snprintf(cmd, sizeof(cmd), "/usr/bin/nm -D --defined-only '%s'",
		 ACFS_PAM_MODULE);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char addr[64], type[8], name[256];

		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		ck_assert_msg(strncmp(name, "pam_sm_", 7) == 0,
			      "exported: %s", line);
		n++;
	}
	rc = pclose(f);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* --- sessions --- */

/* Sessions of root against the fake mount: the variables for profile (no
 * profile: nothing set), plus extra, and what the log must hold. */
static const struct {
	const char *svc, *profile, *region;
	int refresh;
	const char *extra, *log;
} grants[] = {
	{ "profile", "dev", "eu-west-1", 0, NULL, NULL },
	/* (the trailing slash of mount= is dropped) */
	{ "noregion", "noregion", NULL, 0, NULL, NULL },
	{ "map_user", "dev", "eu-west-1", 0, NULL, NULL },
	/* root's own line "root" is malformed; '*' applies */
	{ "map_star", "noregion", NULL, 0, NULL,
	  "line 3: expected 'user profile'" },
	/* PAM_IGNORE: pam_permit decides, and nothing is set */
	{ "map_none", NULL, NULL, 0, NULL, NULL },
	{ "map_fallback", "dev", "eu-west-1", 0, NULL, NULL },
	{ "map_lines", "noregion", NULL, 0, NULL,
	  "line 3: longer than 1024 bytes" },
	{ "map_lines", "noregion", NULL, 0, NULL,
	  "line 2: expected 'user profile'" },
	{ "refresh", "dev", "eu-west-1", 1, NULL, NULL },
	/* pam_env set stale keys, profiles and AWS_DEFAULT_REGION first */
	{ "unsets", "dev", "eu-west-1", 0, "ACFS_UNRELATED=kept", NULL },
	{ "unsets_refresh", "dev", "eu-west-1", 1, "ACFS_UNRELATED=kept", NULL },
	{ "options", "dev", "eu-west-1", 0, NULL,
	  "unknown option ignored: bogus=1" },
};

START_TEST(grant_cases)
{
	session(grants[_i].svc, "root", PAM_SUCCESS,
		grants[_i].profile == NULL ? NULL
		: want("mnt", grants[_i].profile, grants[_i].region,
		       grants[_i].refresh, grants[_i].extra),
		grants[_i].log);
}
END_TEST

/* Problems: logged, nothing set; the session fails only with strict. */
static const struct {
	const char *svc, *user;
	int rc;
	const char *log;
} problems[] = {
	{ "refresh_old", "root", PAM_SESSION_ERR, "has no [profile refresh]" },
	{ "map_writable", "root", PAM_SUCCESS,
	  "refused: it is writable by group or others" },
	{ "map_writable_strict", "root", PAM_SESSION_ERR,
	  "refused: it is writable by group or others" },
	{ "map_symlink", "root", PAM_SESSION_ERR,
	  "refused: it is a symbolic link" },
	{ "map_big", "root", PAM_SESSION_ERR, "larger than 65536 bytes" },
	{ "map_dir", "root", PAM_SESSION_ERR,
	  "refused: its directory is writable by group or others" },
	{ "map_missing", "root", PAM_SESSION_ERR, "cannot open map file" },
	{ "mount_missing", "root", PAM_SUCCESS,
	  "nope does not exist: awscredsfs is not mounted there" },
	{ "mount_missing_strict", "root", PAM_SESSION_ERR, "nope does not exist" },
	{ "not_mount", "root", PAM_SESSION_ERR,
	  "is not an awscredsfs mount (it has no =status file)" },
	{ "profile_unknown", "root", PAM_SUCCESS,
	  "profile 'ghost' is not in the awscredsfs mount" },
	{ "profile_unknown_strict", "root", PAM_SESSION_ERR,
	  "profile 'ghost' is not in the awscredsfs mount" },
	{ "profile_bad", "root", PAM_SESSION_ERR,
	  "the profile name '..' is '.' or '..'" },
	/* the top-level status file is not a profile directory */
	{ "profile_file", "root", PAM_SESSION_ERR,
	  "profile '=status' is not in the awscredsfs mount" },
	/* root's default mount */
	{ "default_mount", "root", PAM_SESSION_ERR, "/run/awscreds" },
	{ "user_unknown", "acfs-no-such-user", PAM_SESSION_ERR,
	  "unknown user acfs-no-such-user" },
	{ "mount_relative", "root", PAM_SESSION_ERR,
	  "mount= needs an absolute path" },
};

START_TEST(problem_cases)
{
	session(problems[_i].svc, problems[_i].user, problems[_i].rc, NULL,
		problems[_i].log);
}
END_TEST

START_TEST(map_owned_by_another_user_refused)
{
	session("map_owner", "root", PAM_SESSION_ERR, NULL,
		"refused: it is not owned by root");
}
END_TEST

START_TEST(default_mount_for_user)
{
	char m[64];

	snprintf(m, sizeof(m), "/run/user/%lu/awscreds",
		 (unsigned long)nobody_uid);
	session("default_mount", "nobody", PAM_SESSION_ERR, NULL, m);
}
END_TEST

START_TEST(reads_as_the_user)
{
	/* root may look into the 0700 directory; nobody may not */
	session("secret", "root", PAM_SUCCESS,
		want("mnt", "secret", "ap-south-1", 0, NULL), NULL);
	session("secret", "nobody", PAM_SESSION_ERR, NULL,
		"Permission denied");
	/* and nobody reads the rest as itself */
	session("profile", "nobody", PAM_SUCCESS,
		want("mnt", "dev", "eu-west-1", 0, NULL), NULL);
}
END_TEST

START_TEST(close_session)
{
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	enum pamtest_err perr = run_pamtest("close", "root", NULL, tests, NULL);

	ck_assert_msg(perr == PAMTEST_ERR_OK, "%s", pamtest_strerror(perr));
}
END_TEST

/* --- a real mount --- */

static pid_t daemon_pid = -1;

static int real_mount_up(void)
{
	char st[PATH_MAX];
	struct stat sb;
	int i;

	snprintf(st, sizeof(st), "%s/real/=status", T);
	for (i = 0; i < 200; i++) {
		int status;

		if (stat(st, &sb) == 0)
			return 1;
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			daemon_pid = -1;
			return 0;
		}
		usleep(50 * 1000);
	}
	return 0;
}

static void real_mount_down(void)
{
	char mnt[PATH_MAX];
	int i, status;

	if (daemon_pid <= 0)
		return;
	kill(daemon_pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			daemon_pid = -1;
			break;
		}
		usleep(50 * 1000);
	}
	snprintf(mnt, sizeof(mnt), "%s/real", T);
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, &status, 0);
		daemon_pid = -1;
	}
	/* Whatever is left (a killed daemon): detach it. */
	umount2(mnt, MNT_DETACH);
}

START_TEST(real_mount)
{
	char mnt[PATH_MAX], opt[2 * PATH_MAX + 32], log[PATH_MAX];
	char *const envp[] = { "PATH=/usr/bin:/bin", "HOME=/nonexistent", NULL };

	snprintf(mnt, sizeof(mnt), "%s/real", T);
	snprintf(opt, sizeof(opt), "config=%s/daemon/config,credentials=%s/"
		 "daemon/credentials", T, T);
	snprintf(log, sizeof(log), "%s/logs/daemon.log", T);
	daemon_pid = fork();
	ck_assert_int_ge(daemon_pid, 0);
	if (daemon_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execle(ACFS_DAEMON, "awscredsfs", mnt, "-f", "-o", opt,
		       (char *)NULL, envp);
		_exit(127);
	}
	if (!real_mount_up()) {
		char *l = tl_read_file(log, NULL);

		real_mount_down();
		ck_abort_msg("the daemon did not mount %s:\n%s", mnt,
			     l != NULL ? l : "");
	}
	session("real", "root", PAM_SUCCESS,
		want("real", "static", "us-west-2", 0, NULL), NULL);
	session("real_refresh", "root", PAM_SUCCESS,
		want("real", "static", "us-west-2", 1, NULL), NULL);
	real_mount_down();
}
END_TEST

static void real_teardown(void)
{
	real_mount_down();
}

static int can_mount(void)
{
	return as_root && access("/dev/fuse", R_OK | W_OK) == 0 &&
	       ACFS_DAEMON[0] != '\0' && access(ACFS_DAEMON, X_OK) == 0;
}

/* --- running it all --- */

static Suite *pam_suite(int sessions, int *skipped)
{
	Suite *s = suite_create("pam");
	TCase *tl = tcase_create("load");
	TCase *ts, *tr, *tm;

	tcase_add_test(tl, load_exports_only_pam_sm);
	tcase_add_test(tl, load_dynamic_table);
	suite_add_tcase(s, tl);
	if (!sessions)
		return s;

	ts = tcase_create("sessions");
	tcase_set_timeout(ts, 60);
	tcase_add_loop_test(ts, grant_cases, 0,
			    (int)(sizeof(grants) / sizeof(*grants)));
	tcase_add_test(ts, close_session);
	tcase_add_loop_test(ts, problem_cases, 0,
			    (int)(sizeof(problems) / sizeof(*problems)));
	suite_add_tcase(s, ts);

	/* Other users exist only for root: the module drops to them. */
	if (as_root && nobody_uid != (uid_t)-1) {
		tr = tcase_create("root");
		tcase_set_timeout(tr, 60);
		tcase_add_test(tr, map_owned_by_another_user_refused);
		tcase_add_test(tr, default_mount_for_user);
		tcase_add_test(tr, reads_as_the_user);
		suite_add_tcase(s, tr);
	} else {
		printf("SKIP unit-pam: 3 cases need root and user nobody "
		       "(another user's map file and identity)\n");
		*skipped += 3;
	}
	if (can_mount()) {
		tm = tcase_create("real");
		tcase_set_timeout(tm, 60);
		tcase_add_checked_fixture(tm, NULL, real_teardown);
		tcase_add_test(tm, real_mount);
		suite_add_tcase(s, tm);
	} else {
		printf("SKIP unit-pam: the real-mount case needs root, "
		       "/dev/fuse and %s\n", ACFS_DAEMON);
		*skipped += 1;
	}
	return s;
}

static int have_wrapper(void)
{
	return access(ACFS_PAM_WRAPPER_LIB, R_OK) == 0 &&
	       access(PAM_DIR "/pam_permit.so", R_OK) == 0 &&
	       access(PAM_DIR "/pam_env.so", R_OK) == 0;
}

static void add_opt(const char *var, const char *opt)
{
	const char *old = getenv(var);
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s%s", old != NULL ? old : "",
		 old != NULL && old[0] != '\0' ? ":" : "", opt);
	setenv(var, buf, 1);
}

/* First run: makes the fixture, sets up pam_wrapper and runs again. */
static void reexec(char **argv)
{
	char p[PATH_MAX];
	const char *pre = getenv("LD_PRELOAD");

	make_fixture();
	setenv("ACFS_PAM_T", T, 1);
	if (!have_wrapper())
		return;   /* the sessions are skipped */
	snprintf(p, sizeof(p), "%s%s%s", ACFS_PAM_WRAPPER_LIB,
		 pre != NULL && pre[0] != '\0' ? ":" : "", pre != NULL ? pre : "");
	setenv("LD_PRELOAD", p, 1);
	setenv("PAM_WRAPPER", "1", 1);
	snprintf(p, sizeof(p), "%s/services", T);
	setenv("PAM_WRAPPER_SERVICE_DIR", p, 1);
	/* pam_wrapper's own files go under the fixture, not /tmp/pam.N */
	snprintf(p, sizeof(p), "%s/pwrap", T);
	setenv("PAM_WRAPPER_RUNTIME_DIR", p, 1);
	/* Deep binding does not mix with sanitizers or valgrind; 1.1.4
	 * reads the second name. */
	setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	if (ACFS_ASAN) {
		/* libpam_wrapper comes before the ASan runtime. */
		add_opt("ASAN_OPTIONS", "verify_asan_link_order=0");
		add_opt("LSAN_OPTIONS", "print_suppressions=0:suppressions="
			ACFS_SRCDIR "/tests/pam/lsan.supp");
	}
	execv("/proc/self/exe", argv);
	fprintf(stderr, "test_pam: cannot run again: %s\n", strerror(errno));
	tl_report("unit-pam", 0, 1, 0);
	exit(1);
}

/* The same tests under valgrind; reports "unit-pam-valgrind". */
static int run_valgrind(char **argv)
{
	static const char *const vg[] = { "/usr/bin/valgrind", "/bin/valgrind" };
	const char *bin = NULL;
	char supp[PATH_MAX], self[PATH_MAX];
	ssize_t n;
	pid_t pid;
	int status;
	size_t i;

	if (ACFS_ASAN) {
		printf("SKIP unit-pam-valgrind: valgrind and ASan do not mix "
		       "(this is a sanitizer build)\n");
		tl_report("unit-pam-valgrind", 0, 0, 1);
		return 0;
	}
#ifdef __clang__
	/* The gcc build runs it; the code under test is the same. */
	printf("SKIP unit-pam-valgrind: valgrind 3.19 cannot read the DWARF 5 "
	       "debug information clang 14 writes (the gcc build runs it)\n");
	tl_report("unit-pam-valgrind", 0, 0, 1);
	return 0;
#endif
	for (i = 0; i < sizeof(vg) / sizeof(*vg) && bin == NULL; i++)
		if (access(vg[i], X_OK) == 0)
			bin = vg[i];
	if (bin == NULL || !have_wrapper()) {
		printf("SKIP unit-pam-valgrind: %s is not installed\n",
		       bin == NULL ? "valgrind" : "pam_wrapper");
		tl_report("unit-pam-valgrind", 0, 0, 1);
		return 0;
	}
	snprintf(supp, sizeof(supp), "--suppressions=%s/tests/pam/valgrind.supp",
		 ACFS_SRCDIR);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		printf("FAIL unit-pam-valgrind: cannot find this program\n");
		tl_report("unit-pam-valgrind", 0, 1, 0);
		return 1;
	}
	self[n] = '\0';
	printf("=== unit-pam under valgrind\n");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("ACFS_PAM_UNDER_VALGRIND", "1", 1);
		setenv("CK_FORK", "no", 1);
		unsetenv("ACFS_RESULTS");
		execl(bin, "valgrind", "-q", "--error-exitcode=1",
		      "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
		      "--show-leak-kinds=definite,indirect", supp, self,
		      (char *)NULL);
		_exit(127);
	}
	(void)argv;
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		printf("FAIL unit-pam-valgrind: cannot run valgrind\n");
		tl_report("unit-pam-valgrind", 0, 1, 0);
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		tl_report("unit-pam-valgrind", 1, 0, 0);
		return 0;
	}
	printf("FAIL unit-pam-valgrind: exit status %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	tl_report("unit-pam-valgrind", 0, 1, 0);
	return 1;
}

int main(int argc, char **argv)
{
	const struct passwd *pw = getpwnam("nobody");
	int sessions, skipped = 0, rc, top;

	(void)argc;
	as_root = geteuid() == 0;
	if (pw != NULL)
		nobody_uid = pw->pw_uid;
	T = getenv("ACFS_PAM_T");
	if (T == NULL)
		reexec(argv);
	T = getenv("ACFS_PAM_T");
	top = getenv("ACFS_PAM_UNDER_VALGRIND") == NULL;
	sessions = getenv("PAM_WRAPPER") != NULL && have_wrapper();
	if (!sessions) {
		printf("SKIP unit-pam: the session cases (counted as one skip) "
		       "need pam_wrapper (%s) and pam_permit/pam_env\n",
		       ACFS_PAM_WRAPPER_LIB);
		skipped += 1;
	}
	rc = tl_run_suite(pam_suite(sessions, &skipped),
			  top ? "unit-pam" : "unit-pam-under-valgrind");
	if (skipped > 0)
		tl_report("unit-pam-skipped", 0, 0, skipped);
	if (top) {
		if (sessions && run_valgrind(argv) != 0)
			rc = 1;
		nftw(T, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	return rc;
}
