/* test_sessionenv.c - the variables that point a process at one profile of
 * a mount: default mount points, profile names, the mount check, and the
 * exact lists for both modes.  The mount is a fake: a temporary directory
 * with the top-level status file, which is what the check looks for. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sessionenv.h"
#include "testlib.h"

static char tmpdir[64];
static char mnt[128];

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void mk(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

#define REFRESH "\n[profile refresh]\nregion = eu-west-1\n" \
		"credential_process = cat /m/dev/process.json\n"

static void setup(void)
{
	strcpy(tmpdir, "/tmp/acfs-unit-sessionenv-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	mk("mnt");
	put("mnt/" ACFS_SESSION_STATUS_NAME, "{}\n");
	mk("mnt/dev");
	put("mnt/dev/config", "[default]\nregion = eu-west-1\n" REFRESH);
	mk("mnt/bare");
	put("mnt/bare/config", "[default]\n");
	mk("mnt/empty");
	put("mnt/afile", "x\n");
}

static void teardown(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* The list as "NAME=value" / "-NAME" lines, in order. */
static const char *text(const acfs_session_env *env)
{
	static char out[8192];
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < env->n; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s%s%s\n",
				      env->v[i].value != NULL ? "" : "-",
				      env->v[i].name,
				      env->v[i].value != NULL ? "=" : "",
				      env->v[i].value != NULL ? env->v[i].value
							      : "");
	return out;
}

#define UNSETS "-AWS_DEFAULT_PROFILE\n-AWS_ACCESS_KEY_ID\n" \
	"-AWS_SECRET_ACCESS_KEY\n-AWS_SESSION_TOKEN\n-AWS_SECURITY_TOKEN\n" \
	"-AWS_ROLE_ARN\n-AWS_WEB_IDENTITY_TOKEN_FILE\n-AWS_ROLE_SESSION_NAME\n"

static void expect(const char *mount, const char *profile, int refresh,
		   const char *want_fmt)
{
	char want[8192];
	acfs_session_env env;
	acfs_err e;
	acfs_code rc;

	acfs_err_clear(&e);
	rc = acfs_session_env_build(mount, profile, refresh, &env, &e);
	ck_assert_msg(rc == ACFS_OK, "%s", e.msg);
	/* '@' in want_fmt stands for the mount (as an absolute path) */
	{
		size_t o = 0;
		const char *c;

		for (c = want_fmt; *c != '\0' && o < sizeof(want) - 256; c++)
			if (*c == '@')
				o += (size_t)snprintf(want + o, sizeof(want) - o,
						      "%s", mnt);
			else
				want[o++] = *c;
		want[o] = '\0';
	}
	ck_assert_str_eq(text(&env), want);
	acfs_session_env_free(&env);
	ck_assert_uint_eq(env.n, 0);
}

static void expect_err(const char *mount, const char *profile, int refresh,
		       acfs_code code, const char *msg_part)
{
	acfs_session_env env;
	acfs_err e;
	acfs_code rc;

	acfs_err_clear(&e);
	env.n = 7;
	rc = acfs_session_env_build(mount, profile, refresh, &env, &e);
	ck_assert_msg(rc == code, "got %s (%s), want %s", acfs_strerror(rc),
		      e.msg, acfs_strerror(code));
	ck_assert_int_eq(e.code, code);
	ck_assert_msg(strstr(e.msg, msg_part) != NULL, "'%s' lacks '%s'",
		      e.msg, msg_part);
	ck_assert_uint_eq(env.n, 0);
	acfs_session_env_free(&env);   /* harmless on an empty list */
}

/* --- default mount --- */

START_TEST(mount_for_root_and_users)
{
	char out[64];

	ck_assert_int_eq(acfs_session_mount_for(0, "/run/user/0", out,
						sizeof(out), NULL), ACFS_OK);
	ck_assert_str_eq(out, "/run/awscreds");
	ck_assert_int_eq(acfs_session_mount_for(1000, "/run/user/1000", out,
						sizeof(out), NULL), ACFS_OK);
	ck_assert_str_eq(out, "/run/user/1000/awscreds");
	ck_assert_int_eq(acfs_session_mount_for(1000, "/run/user/1000//", out,
						sizeof(out), NULL), ACFS_OK);
	ck_assert_str_eq(out, "/run/user/1000/awscreds");
	ck_assert_int_eq(acfs_session_mount_for(1000, "/", out, sizeof(out),
						NULL), ACFS_OK);
	ck_assert_str_eq(out, "/awscreds");
	/* unset, empty or relative: the system mount */
	ck_assert_int_eq(acfs_session_mount_for(1000, NULL, out, sizeof(out),
						NULL), ACFS_OK);
	ck_assert_str_eq(out, "/run/awscreds");
	ck_assert_int_eq(acfs_session_mount_for(1000, "", out, sizeof(out),
						NULL), ACFS_OK);
	ck_assert_str_eq(out, "/run/awscreds");
	ck_assert_int_eq(acfs_session_mount_for(1000, "run/user", out,
						sizeof(out), NULL), ACFS_OK);
	ck_assert_str_eq(out, "/run/awscreds");
}
END_TEST

START_TEST(mount_for_too_small)
{
	char out[16];
	acfs_err e;

	ck_assert_int_eq(acfs_session_mount_for(1000, "/run/user/1000", out,
						sizeof(out), &e), ACFS_E_TOOBIG);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(acfs_session_mount_for(0, NULL, out, 13, &e),
			 ACFS_E_TOOBIG);
	ck_assert_int_eq(acfs_session_mount_for(0, NULL, out, 14, &e), ACFS_OK);
	ck_assert_str_eq(out, "/run/awscreds");
}
END_TEST

START_TEST(default_mount_from_process)
{
	char out[PATH_MAX];

	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	ck_assert_int_eq(acfs_session_default_mount(out, sizeof(out), NULL),
			 ACFS_OK);
	ck_assert_str_eq(out, geteuid() == 0 ? "/run/awscreds"
					     : "/run/user/4242/awscreds");
	unsetenv("XDG_RUNTIME_DIR");
	ck_assert_int_eq(acfs_session_default_mount(out, sizeof(out), NULL),
			 ACFS_OK);
	ck_assert_str_eq(out, "/run/awscreds");
}
END_TEST

/* --- profile names --- */

START_TEST(profile_names)
{
	char longest[300];
	acfs_err e;

	ck_assert_int_eq(acfs_session_profile_ok("dev", &e), ACFS_OK);
	ck_assert_int_eq(acfs_session_profile_ok("a.b-c_d@e", &e), ACFS_OK);
	ck_assert_int_eq(acfs_session_profile_ok("", &e), ACFS_E_BADARG);
	ck_assert_ptr_nonnull(strstr(e.msg, "is empty"));
	ck_assert_int_eq(acfs_session_profile_ok(NULL, &e), ACFS_E_BADARG);
	ck_assert_int_eq(acfs_session_profile_ok(".", &e), ACFS_E_BADARG);
	ck_assert_int_eq(acfs_session_profile_ok("..", &e), ACFS_E_BADARG);
	ck_assert_ptr_nonnull(strstr(e.msg, "'..'"));
	ck_assert_int_eq(acfs_session_profile_ok("a/b", &e), ACFS_E_BADARG);
	ck_assert_ptr_nonnull(strstr(e.msg, "contains '/'"));
	ck_assert_int_eq(acfs_session_profile_ok("a\nb", &e), ACFS_E_BADARG);
	ck_assert_ptr_nonnull(strstr(e.msg, "control character"));
	ck_assert_ptr_null(strchr(e.msg, '\n'));
	memset(longest, 'p', sizeof(longest));
	longest[255] = '\0';
	ck_assert_int_eq(acfs_session_profile_ok(longest, &e), ACFS_OK);
	longest[255] = 'p';
	longest[256] = '\0';
	ck_assert_int_eq(acfs_session_profile_ok(longest, &e), ACFS_E_BADARG);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer than 255 bytes"));
}
END_TEST

/* --- building --- */

START_TEST(build_plain)
{
	expect(mnt, "dev", 0,
	       "AWS_SHARED_CREDENTIALS_FILE=@/dev/credentials\n"
	       "AWS_CONFIG_FILE=@/dev/config\n"
	       "AWS_REGION=eu-west-1\n"
	       "AWS_DEFAULT_REGION=eu-west-1\n"
	       "-AWS_PROFILE\n" UNSETS);
}
END_TEST

START_TEST(build_refresh)
{
	expect(mnt, "dev", 1,
	       "AWS_SHARED_CREDENTIALS_FILE=@/dev/credentials\n"
	       "AWS_CONFIG_FILE=@/dev/config\n"
	       "AWS_REGION=eu-west-1\n"
	       "AWS_DEFAULT_REGION=eu-west-1\n"
	       "AWS_PROFILE=refresh\n" UNSETS);
}
END_TEST

START_TEST(build_without_region)
{
	expect(mnt, "bare", 0,
	       "AWS_SHARED_CREDENTIALS_FILE=@/bare/credentials\n"
	       "AWS_CONFIG_FILE=@/bare/config\n"
	       "-AWS_PROFILE\n" UNSETS);
}
END_TEST

START_TEST(build_mount_spellings)
{
	char m[PATH_MAX], cwd[PATH_MAX];

	snprintf(m, sizeof(m), "%s///", mnt);
	expect(m, "bare", 0,
	       "AWS_SHARED_CREDENTIALS_FILE=@/bare/credentials\n"
	       "AWS_CONFIG_FILE=@/bare/config\n"
	       "-AWS_PROFILE\n" UNSETS);
	/* relative: made absolute */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	expect("mnt", "bare", 0,
	       "AWS_SHARED_CREDENTIALS_FILE=@/bare/credentials\n"
	       "AWS_CONFIG_FILE=@/bare/config\n"
	       "-AWS_PROFILE\n" UNSETS);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(build_not_a_mount)
{
	char m[PATH_MAX];

	snprintf(m, sizeof(m), "%s/nope", tmpdir);
	expect_err(m, "dev", 0, ACFS_E_NOTFOUND,
		   "nope does not exist: awscredsfs is not mounted there");
	/* a directory of profiles without the status file */
	expect_err(tmpdir, "mnt", 0, ACFS_E_NOTFOUND,
		   "is not an awscredsfs mount (it has no =status file)");
	snprintf(m, sizeof(m), "%s/afile", mnt);
	expect_err(m, "dev", 0, ACFS_E_NOTFOUND, "is not a directory");
	/* the status file must be a file */
	snprintf(m, sizeof(m), "%s/" ACFS_SESSION_STATUS_NAME, mnt);
	ck_assert_int_eq(unlink(m), 0);
	ck_assert_int_eq(mkdir(m, 0755), 0);
	expect_err(mnt, "dev", 0, ACFS_E_NOTFOUND, "=status is not a file");
	ck_assert_int_eq(acfs_session_check_mount(mnt, NULL), ACFS_E_NOTFOUND);
}
END_TEST

START_TEST(build_unknown_profile)
{
	expect_err(mnt, "ghost", 0, ACFS_E_NOTFOUND,
		   "profile 'ghost' is not in the awscredsfs mount");
	expect_err(mnt, "afile", 0, ACFS_E_NOTFOUND,
		   "profile 'afile' is not in the awscredsfs mount");
	expect_err(mnt, ACFS_SESSION_STATUS_NAME, 0, ACFS_E_NOTFOUND,
		   "is not in the awscredsfs mount");
	/* a directory without a config file is not a profile directory */
	expect_err(mnt, "empty", 0, ACFS_E_NOTFOUND,
		   "'empty' is not a profile directory");
}
END_TEST

START_TEST(build_bad_names)
{
	char m[PATH_MAX];

	expect_err(mnt, "..", 0, ACFS_E_BADARG, "is '.' or '..'");
	expect_err(mnt, "a/b", 0, ACFS_E_BADARG, "contains '/'");
	expect_err(mnt, "", 0, ACFS_E_BADARG, "is empty");
	expect_err("", "dev", 0, ACFS_E_BADARG, "no mount point");
	expect_err(NULL, "dev", 0, ACFS_E_BADARG, "no mount point");
	snprintf(m, sizeof(m), "%s\n", mnt);
	expect_err(m, "dev", 0, ACFS_E_BADARG, "control character");
}
END_TEST

START_TEST(build_bad_config)
{
	char big[ACFS_SESSION_CONFIG_MAX + 2];

	mk("mnt/big");
	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put("mnt/big/config", big);
	expect_err(mnt, "big", 0, ACFS_E_TOOBIG, "the limit is 65536 bytes");
	mk("mnt/syntax");
	put("mnt/syntax/config", "[default\nregion = x\n");
	expect_err(mnt, "syntax", 0, ACFS_E_SYNTAX, "");
	mk("mnt/region");
	put("mnt/region/config", "[default]\nregion = eu west\n" REFRESH);
	expect_err(mnt, "region", 0, ACFS_E_CONFIG, "not a region name");
	mk("mnt/dirconf");
	mk("mnt/dirconf/config");
	expect_err(mnt, "dirconf", 0, ACFS_E_IO, "is a directory");
}
END_TEST

START_TEST(build_refresh_needs_section)
{
	expect_err(mnt, "bare", 1, ACFS_E_CONFIG,
		   "has no [profile refresh] with a credential_process");
}
END_TEST

START_TEST(build_unreadable)
{
	char p[PATH_MAX];

	if (geteuid() == 0)
		return;   /* root reads anything; the PAM test covers it */
	snprintf(p, sizeof(p), "%s/dev", mnt);
	ck_assert_int_eq(chmod(p, 0), 0);
	expect_err(mnt, "dev", 0, ACFS_E_IO, "Permission denied");
	ck_assert_int_eq(chmod(p, 0755), 0);
}
END_TEST

START_TEST(free_is_idempotent)
{
	acfs_session_env env;

	acfs_session_env_free(NULL);
	ck_assert_int_eq(acfs_session_env_build(mnt, "dev", 0, &env, NULL),
			 ACFS_OK);
	acfs_session_env_free(&env);
	acfs_session_env_free(&env);
	ck_assert_uint_eq(env.n, 0);
}
END_TEST

START_TEST(apply_to_process)
{
	acfs_session_env env;
	char want[PATH_MAX];

	setenv("AWS_ACCESS_KEY_ID", "AKIASTALE", 1);
	setenv("AWS_PROFILE", "old", 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
	/* a leftover region: botocore 1.29 reads only AWS_DEFAULT_REGION */
	setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
	ck_assert_int_eq(acfs_session_env_build(mnt, "dev", 0, &env, NULL),
			 ACFS_OK);
	ck_assert_int_eq(acfs_session_env_apply(&env, NULL), ACFS_OK);
	acfs_session_env_free(&env);
	snprintf(want, sizeof(want), "%s/dev/config", mnt);
	ck_assert_str_eq(getenv("AWS_CONFIG_FILE"), want);
	ck_assert_str_eq(getenv("AWS_REGION"), "eu-west-1");
	ck_assert_str_eq(getenv("AWS_DEFAULT_REGION"), "eu-west-1");
	ck_assert_ptr_null(getenv("AWS_ACCESS_KEY_ID"));
	ck_assert_ptr_null(getenv("AWS_PROFILE"));
	ck_assert_ptr_null(getenv("AWS_ROLE_ARN"));
	ck_assert_int_eq(acfs_session_env_build(mnt, "dev", 1, &env, NULL),
			 ACFS_OK);
	ck_assert_int_eq(acfs_session_env_apply(&env, NULL), ACFS_OK);
	acfs_session_env_free(&env);
	ck_assert_str_eq(getenv("AWS_PROFILE"), "refresh");
	/* no region: both region variables are left as they are */
	setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
	ck_assert_int_eq(acfs_session_env_build(mnt, "bare", 0, &env, NULL),
			 ACFS_OK);
	ck_assert_int_eq(acfs_session_env_apply(&env, NULL), ACFS_OK);
	acfs_session_env_free(&env);
	ck_assert_str_eq(getenv("AWS_REGION"), "eu-west-1");
	ck_assert_str_eq(getenv("AWS_DEFAULT_REGION"), "us-west-2");
}
END_TEST

static Suite *sessionenv_suite(void)
{
	Suite *s = suite_create("sessionenv");
	TCase *tm = tcase_create("mount");
	TCase *tb = tcase_create("build");

	tcase_add_test(tm, mount_for_root_and_users);
	tcase_add_test(tm, mount_for_too_small);
	tcase_add_test(tm, default_mount_from_process);
	tcase_add_test(tm, profile_names);
	suite_add_tcase(s, tm);

	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, build_plain);
	tcase_add_test(tb, build_refresh);
	tcase_add_test(tb, build_without_region);
	tcase_add_test(tb, build_mount_spellings);
	tcase_add_test(tb, build_not_a_mount);
	tcase_add_test(tb, build_unknown_profile);
	tcase_add_test(tb, build_bad_names);
	tcase_add_test(tb, build_bad_config);
	tcase_add_test(tb, build_refresh_needs_section);
	tcase_add_test(tb, build_unreadable);
	tcase_add_test(tb, free_is_idempotent);
	tcase_add_test(tb, apply_to_process);
	suite_add_tcase(s, tb);
	return s;
}

int main(void)
{
	return tl_run_suite(sessionenv_suite(), "unit-sessionenv");
}
