/* test_files.c - locating the shared files, bounded reads of odd files,
 * and loading both files where one of them is broken. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"
#include "files.h"
#include "profile.h"
#include "secret.h"
#include "testlib.h"

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/acfs-unit-files-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* A FIFO read must fail fast; a hang ends the test. */
	alarm(20);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	alarm(0);
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* tmpdir/name (static storage, 4 slots). */
static const char *tpath(const char *name)
{
	static char paths[4][256];
	static int slot;
	char *p = paths[slot++ & 3];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static const char *write_file(const char *name, const char *data, size_t len)
{
	const char *p = tpath(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return p;
}

static const char *write_str(const char *name, const char *data)
{
	return write_file(name, data, strlen(data));
}

/* --- acfs_locate --- */

static acfs_code locate_with(const char *const *pairs, acfs_locations *loc,
			     acfs_err *e)
{
	static acfs_env_table tab;
	static acfs_env env;

	tab.pairs = pairs;
	acfs_env_from_table(&env, &tab);
	return acfs_locate(&env, loc, e);
}

START_TEST(locate_explicit_variables)
{
	static const char *const pairs[] = {
		"AWS_CONFIG_FILE", "/etc/aws/cfg",
		"AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/creds",
		"AWS_PROFILE", "prod",
		"HOME", "/home/ignored",
		NULL,
	};
	acfs_locations loc;
	acfs_err e;

	ck_assert_int_eq(locate_with(pairs, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.config_path, "/etc/aws/cfg");
	ck_assert_str_eq(loc.credentials_path, "/etc/aws/creds");
	ck_assert_str_eq(loc.profile, "prod");
	acfs_locations_free(&loc);
	ck_assert_ptr_null(loc.config_path);
	acfs_locations_free(&loc);   /* twice is fine */
}
END_TEST

START_TEST(locate_defaults_from_home)
{
	static const char *const pairs[] = { "HOME", "/home/u", NULL };
	acfs_locations loc;
	acfs_err e;

	ck_assert_int_eq(locate_with(pairs, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.config_path, "/home/u/.aws/config");
	ck_assert_str_eq(loc.credentials_path, "/home/u/.aws/credentials");
	ck_assert_str_eq(loc.profile, "default");
	acfs_locations_free(&loc);
}
END_TEST

START_TEST(locate_home_with_trailing_slash)
{
	static const char *const pairs[] = { "HOME", "/home/u/", NULL };
	acfs_locations loc;
	acfs_err e;

	ck_assert_int_eq(locate_with(pairs, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.config_path, "/home/u/.aws/config");
	acfs_locations_free(&loc);
}
END_TEST

START_TEST(locate_tilde_in_variables)
{
	static const char *const pairs[] = {
		"HOME", "/h",
		"AWS_CONFIG_FILE", "~/my/config",
		"AWS_SHARED_CREDENTIALS_FILE", "~",
		NULL,
	};
	acfs_locations loc;
	acfs_err e;

	ck_assert_int_eq(locate_with(pairs, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.config_path, "/h/my/config");
	ck_assert_str_eq(loc.credentials_path, "/h");
	acfs_locations_free(&loc);
}
END_TEST

START_TEST(expand_home_leaves_other_paths)
{
	static const char *const pairs[] = { "HOME", "/h", NULL };
	acfs_env_table tab = { pairs };
	acfs_env env;
	acfs_err e;
	char *r;

	acfs_env_from_table(&env, &tab);
	r = acfs_expand_home(&env, "~user/x", &e);
	ck_assert_str_eq(r, "~user/x");
	acfs_strfree(r);
	r = acfs_expand_home(&env, "/abs/~/x", &e);
	ck_assert_str_eq(r, "/abs/~/x");
	acfs_strfree(r);
	r = acfs_expand_home(&env, "relative/file", &e);
	ck_assert_str_eq(r, "relative/file");
	acfs_strfree(r);
	r = acfs_expand_home(&env, "~/", &e);
	ck_assert_str_eq(r, "/h/");
	acfs_strfree(r);
}
END_TEST

START_TEST(locate_profile_precedence)
{
	static const char *const both[] = {
		"HOME", "/h", "AWS_PROFILE", "first",
		"AWS_DEFAULT_PROFILE", "second", NULL,
	};
	static const char *const only_default[] = {
		"HOME", "/h", "AWS_DEFAULT_PROFILE", "second", NULL,
	};
	static const char *const empty_profile[] = {
		"HOME", "/h", "AWS_PROFILE", "",
		"AWS_DEFAULT_PROFILE", "second", NULL,
	};
	acfs_locations loc;
	acfs_err e;

	ck_assert_int_eq(locate_with(both, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.profile, "first");
	acfs_locations_free(&loc);
	ck_assert_int_eq(locate_with(only_default, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.profile, "second");
	acfs_locations_free(&loc);
	/* An empty variable counts as unset. */
	ck_assert_int_eq(locate_with(empty_profile, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.profile, "second");
	acfs_locations_free(&loc);
}
END_TEST

START_TEST(locate_without_home)
{
	static const char *const none[] = { NULL };
	acfs_locations loc;
	acfs_err e;

	acfs_err_clear(&e);
	ck_assert_int_eq(locate_with(none, &loc, &e), ACFS_E_CONFIG);
	ck_assert_int_eq(e.code, ACFS_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "HOME"));
	ck_assert_ptr_nonnull(strstr(e.msg, "~/.aws/config"));
	ck_assert_ptr_null(loc.config_path);
	ck_assert_ptr_null(loc.credentials_path);
	ck_assert_ptr_null(loc.profile);
}
END_TEST

START_TEST(locate_without_home_and_no_err)
{
	/* The code must not depend on whether the caller wants a message. */
	static const char *const none[] = { NULL };
	acfs_locations loc;

	ck_assert_int_eq(locate_with(none, &loc, NULL), ACFS_E_CONFIG);
	ck_assert_ptr_null(loc.config_path);
}
END_TEST

START_TEST(locate_absolute_paths_need_no_home)
{
	static const char *const pairs[] = {
		"AWS_CONFIG_FILE", "/c", "AWS_SHARED_CREDENTIALS_FILE", "/k", NULL,
	};
	acfs_locations loc;
	acfs_err e;

	ck_assert_int_eq(locate_with(pairs, &loc, &e), ACFS_OK);
	ck_assert_str_eq(loc.config_path, "/c");
	ck_assert_str_eq(loc.credentials_path, "/k");
	acfs_locations_free(&loc);
}
END_TEST

/* --- acfs_file_read --- */

START_TEST(read_regular_file)
{
	const char *p = write_str("config", "[profile a]\nk = v\n");
	acfs_buf b;
	acfs_err e;
	int missing = -1;

	acfs_err_clear(&e);
	ck_assert_int_eq(acfs_file_read(p, 1024, &b, &missing, &e), ACFS_OK);
	ck_assert_int_eq(missing, 0);
	ck_assert_uint_eq(b.len, 18);
	ck_assert_str_eq(b.data, "[profile a]\nk = v\n");
	acfs_buf_free(&b);
}
END_TEST

START_TEST(read_large_file_in_chunks)
{
	size_t n = 300000, i;
	char *data = malloc(n);
	const char *p;
	acfs_buf b;
	acfs_err e;
	int missing;

	for (i = 0; i < n; i++)
		data[i] = (char)('a' + i % 23);
	p = write_file("big", data, n);
	ck_assert_int_eq(acfs_file_read(p, n, &b, &missing, &e), ACFS_OK);
	ck_assert_uint_eq(b.len, n);
	ck_assert_int_eq(memcmp(b.data, data, n), 0);
	acfs_buf_free(&b);
	free(data);
}
END_TEST

START_TEST(read_empty_file)
{
	const char *p = write_str("empty", "");
	acfs_buf b;
	acfs_err e;
	int missing = -1;

	ck_assert_int_eq(acfs_file_read(p, 1024, &b, &missing, &e), ACFS_OK);
	ck_assert_int_eq(missing, 0);
	ck_assert_uint_eq(b.len, 0);
	acfs_buf_free(&b);
}
END_TEST

START_TEST(read_missing_file)
{
	acfs_buf b;
	acfs_err e;
	int missing = 0;

	acfs_err_clear(&e);
	ck_assert_int_eq(acfs_file_read(tpath("nope"), 1024, &b, &missing, &e),
			 ACFS_OK);
	ck_assert_int_eq(missing, 1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(e.code, ACFS_OK);
	acfs_buf_free(&b);
}
END_TEST

START_TEST(read_dangling_symlink_is_missing)
{
	acfs_buf b;
	acfs_err e;
	int missing = 0;

	ck_assert_int_eq(symlink(tpath("nowhere"), tpath("link")), 0);
	ck_assert_int_eq(acfs_file_read(tpath("link"), 1024, &b, &missing, &e),
			 ACFS_OK);
	ck_assert_int_eq(missing, 1);
	acfs_buf_free(&b);
}
END_TEST

START_TEST(read_symlink_to_file)
{
	acfs_buf b;
	acfs_err e;
	int missing = -1;

	write_str("real", "x = 1\n");
	ck_assert_int_eq(symlink(tpath("real"), tpath("link")), 0);
	ck_assert_int_eq(acfs_file_read(tpath("link"), 1024, &b, &missing, &e),
			 ACFS_OK);
	ck_assert_int_eq(missing, 0);
	ck_assert_str_eq(b.data, "x = 1\n");
	acfs_buf_free(&b);
}
END_TEST

START_TEST(read_directory)
{
	acfs_buf b;
	acfs_err e;
	int missing = -1;

	acfs_err_clear(&e);
	ck_assert_int_eq(acfs_file_read(tmpdir, 1024, &b, &missing, &e), ACFS_E_IO);
	ck_assert_int_eq(missing, 0);
	ck_assert_int_eq(e.code, ACFS_E_IO);
	ck_assert_ptr_nonnull(strstr(e.msg, tmpdir));
	ck_assert_ptr_nonnull(strstr(e.msg, "directory"));
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(read_fifo_does_not_hang)
{
	const char *p = tpath("fifo");
	acfs_buf b;
	acfs_err e;
	int missing = -1;

	ck_assert_int_eq(mkfifo(p, 0600), 0);
	acfs_err_clear(&e);
	ck_assert_int_eq(acfs_file_read(p, 1024, &b, &missing, &e), ACFS_E_IO);
	ck_assert_int_eq(missing, 0);
	ck_assert_ptr_nonnull(strstr(e.msg, p));
	ck_assert_ptr_nonnull(strstr(e.msg, "FIFO"));
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(read_fifo_with_writer_does_not_hang)
{
	/* Even with a writer that never closes, the read must not wait. */
	const char *p = tpath("fifo");
	acfs_buf b;
	acfs_err e;
	int missing = -1, rfd, wfd;

	ck_assert_int_eq(mkfifo(p, 0600), 0);
	rfd = open(p, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rfd, 0);
	wfd = open(p, O_WRONLY);
	ck_assert_int_ge(wfd, 0);
	ck_assert_int_eq(write(wfd, "[a]\n", 4), 4);
	ck_assert_int_eq(acfs_file_read(p, 1024, &b, &missing, &e), ACFS_E_IO);
	ck_assert_ptr_nonnull(strstr(e.msg, p));
	close(wfd);
	close(rfd);
}
END_TEST

START_TEST(read_dev_null_is_empty)
{
	acfs_buf b;
	acfs_err e;
	int missing = -1;

	/* AWS_CONFIG_FILE=/dev/null is how people switch a file off. */
	ck_assert_int_eq(acfs_file_read("/dev/null", 1024, &b, &missing, &e),
			 ACFS_OK);
	ck_assert_int_eq(missing, 0);
	ck_assert_uint_eq(b.len, 0);
	acfs_buf_free(&b);
}
END_TEST

START_TEST(read_char_device)
{
	static const char *const devs[] = { "/dev/zero", "/dev/urandom",
		"/dev/tty", NULL };
	acfs_buf b;
	acfs_err e;
	int missing = -1;
	size_t i;

	for (i = 0; devs[i] != NULL; i++) {
		if (access(devs[i], R_OK) != 0)
			continue;
		acfs_err_clear(&e);
		ck_assert_int_eq(acfs_file_read(devs[i], 1024, &b, &missing, &e),
				 ACFS_E_IO);
		ck_assert_int_eq(missing, 0);
		ck_assert_ptr_nonnull(strstr(e.msg, devs[i]));
		ck_assert_ptr_null(b.data);
	}
}
END_TEST

START_TEST(read_over_size_limit)
{
	char data[101];
	const char *p;
	acfs_buf b;
	acfs_err e;
	int missing = -1;

	memset(data, 'x', 100);
	p = write_file("big", data, 100);
	acfs_err_clear(&e);
	ck_assert_int_eq(acfs_file_read(p, 99, &b, &missing, &e), ACFS_E_TOOBIG);
	ck_assert_int_eq(e.code, ACFS_E_TOOBIG);
	ck_assert_ptr_nonnull(strstr(e.msg, p));
	ck_assert_ptr_nonnull(strstr(e.msg, "99"));
	ck_assert_ptr_null(b.data);
	/* Exactly at the limit is fine. */
	ck_assert_int_eq(acfs_file_read(p, 100, &b, &missing, &e), ACFS_OK);
	ck_assert_uint_eq(b.len, 100);
	acfs_buf_free(&b);
}
END_TEST

START_TEST(read_sparse_file_over_default_limit)
{
	/* A 17 MB sparse file costs no disk and must be refused by size. */
	const char *p = tpath("huge");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	acfs_buf b;
	acfs_err e;
	int missing;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, ACFS_CONFIG_FILE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(acfs_file_read(p, ACFS_CONFIG_FILE_MAX, &b, &missing, &e),
			 ACFS_E_TOOBIG);
	ck_assert_ptr_nonnull(strstr(e.msg, p));
}
END_TEST

/* Runs fn as uid/gid 65534 in a child; returns the child's exit status
 * and copies what it wrote to the pipe into msg. */
static int as_nobody(int (*fn)(int wfd), char *msg, size_t msgsz)
{
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		     setresuid(65534, 65534, 65534) != 0))
			_exit(100);
		_exit(fn(fds[1]));
	}
	close(fds[1]);
	n = read(fds[0], msg, msgsz - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static const char *unreadable_path;

static int read_unreadable(int wfd)
{
	acfs_buf b;
	acfs_err e;
	int missing = -1;
	acfs_code rc;

	acfs_err_clear(&e);
	rc = acfs_file_read(unreadable_path, 1024, &b, &missing, &e);
	if (write(wfd, e.msg, strlen(e.msg)) < 0)
		return 101;
	if (missing != 0)
		return 102;
	return rc == ACFS_E_IO ? 0 : 103;
}

START_TEST(read_unreadable_file)
{
	char msg[ACFS_ERR_MSG_MAX];

	unreadable_path = write_str("secret-config", "[default]\n");
	ck_assert_int_eq(chmod(unreadable_path, 0), 0);
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	ck_assert_int_eq(as_nobody(read_unreadable, msg, sizeof(msg)), 0);
	ck_assert_ptr_nonnull(strstr(msg, unreadable_path));
	ck_assert_ptr_nonnull(strstr(msg, strerror(EACCES)));
}
END_TEST

/* --- acfs_config_load --- */

static const char *good_creds(void)
{
	return write_str("credentials",
			 "[good]\naws_access_key_id = AKIDGOOD\n"
			 "aws_secret_access_key = s3cr3t\n");
}

START_TEST(load_both_files)
{
	const char *c = write_str("config", "[profile a]\nregion = us-east-1\n"
				  "[profile good]\nregion = eu-west-1\n");
	const char *k = good_creds();
	acfs_profiles *set = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_config_load(c, k, &set, &e), ACFS_OK);
	ck_assert_ptr_nonnull(set);
	ck_assert_str_eq(acfs_profiles_path(set, ACFS_SRC_CONFIG), c);
	ck_assert_str_eq(acfs_profiles_path(set, ACFS_SRC_CREDENTIALS), k);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 2);
	ck_assert_str_eq(acfs_section_get(acfs_profiles_get(set,
		ACFS_SECTION_PROFILE, "good"), "region"), "eu-west-1");
	ck_assert_str_eq(acfs_section_get(acfs_profiles_get(set,
		ACFS_SECTION_PROFILE, "good"), "aws_access_key_id"), "AKIDGOOD");
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 0);
	acfs_profiles_free(set);
}
END_TEST

START_TEST(load_missing_files_are_fine)
{
	const char *k = good_creds();
	acfs_profiles *set = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_config_load(tpath("no-config"), k, &set, &e), ACFS_OK);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 0);
	ck_assert_ptr_nonnull(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "good"));
	acfs_profiles_free(set);
	ck_assert_int_eq(acfs_config_load(tpath("a"), tpath("b"), &set, &e), ACFS_OK);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 0);
	acfs_profiles_free(set);
	ck_assert_int_eq(acfs_config_load(NULL, NULL, &set, &e), ACFS_OK);
	ck_assert_ptr_nonnull(set);
	acfs_profiles_free(set);
}
END_TEST

/* The config path is bad in some way: the credentials still load and
 * the problem names the config path. */
static void check_bad_config(const char *cpath, acfs_code want,
			     const char *want_text)
{
	const char *k = good_creds();
	acfs_profiles *set = NULL;
	const acfs_problem *p;
	acfs_err e;

	acfs_err_clear(&e);
	ck_assert_int_eq(acfs_config_load(cpath, k, &set, &e), want);
	ck_assert_ptr_nonnull(set);
	ck_assert_int_eq(e.code, want);
	ck_assert_ptr_nonnull(strstr(e.msg, cpath));
	if (want_text != NULL)
		ck_assert_ptr_nonnull(strstr(e.msg, want_text));
	ck_assert_ptr_nonnull(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "good"));
	ck_assert_str_eq(acfs_section_get(acfs_profiles_get(set,
		ACFS_SECTION_PROFILE, "good"), "aws_access_key_id"), "AKIDGOOD");
	ck_assert_ptr_null(acfs_profiles_get(set, ACFS_SECTION_PROFILE,
					     "good")->taint);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 1);
	p = acfs_profiles_problem(set, 0);
	ck_assert_int_eq(p->src, ACFS_SRC_CONFIG);
	ck_assert_uint_eq(p->line, 0);
	ck_assert_ptr_nonnull(strstr(p->message, cpath));
	acfs_profiles_free(set);
}

START_TEST(load_config_is_directory)
{
	ck_assert_int_eq(mkdir(tpath("config.d"), 0755), 0);
	check_bad_config(tpath("config.d"), ACFS_E_IO, "directory");
}
END_TEST

START_TEST(load_config_is_fifo)
{
	ck_assert_int_eq(mkfifo(tpath("config.fifo"), 0600), 0);
	check_bad_config(tpath("config.fifo"), ACFS_E_IO, NULL);
}
END_TEST

START_TEST(load_config_too_big)
{
	const char *p = tpath("config.huge");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, ACFS_CONFIG_FILE_MAX + 4096), 0);
	close(fd);
	check_bad_config(p, ACFS_E_TOOBIG, NULL);
}
END_TEST

static const char *load_cfg_path, *load_cred_path;

static int load_unreadable(int wfd)
{
	acfs_profiles *set = NULL;
	const acfs_section *g;
	acfs_err e;
	acfs_code rc;
	int ret = 0;

	acfs_err_clear(&e);
	rc = acfs_config_load(load_cfg_path, load_cred_path, &set, &e);
	if (write(wfd, e.msg, strlen(e.msg)) < 0)
		ret = 101;
	else if (rc != ACFS_E_IO || set == NULL)
		ret = 102;
	else if ((g = acfs_profiles_get(set, ACFS_SECTION_PROFILE, "good")) == NULL ||
		 g->taint != NULL)
		ret = 103;
	else if (acfs_profiles_nproblems(set) != 1 ||
		 strstr(acfs_profiles_problem(set, 0)->message, load_cfg_path) == NULL)
		ret = 104;
	acfs_profiles_free(set);
	return ret;
}

START_TEST(load_config_unreadable)
{
	char msg[ACFS_ERR_MSG_MAX];

	load_cfg_path = write_str("config", "[profile x]\nregion = r\n");
	load_cred_path = good_creds();
	ck_assert_int_eq(chmod(load_cfg_path, 0), 0);
	ck_assert_int_eq(chmod(load_cred_path, 0644), 0);
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	ck_assert_int_eq(as_nobody(load_unreadable, msg, sizeof(msg)), 0);
	ck_assert_ptr_nonnull(strstr(msg, load_cfg_path));
	ck_assert_ptr_nonnull(strstr(msg, strerror(EACCES)));
}
END_TEST

START_TEST(load_config_syntax_error)
{
	const char *c = write_str("config", "[profile a]\nregion = x\n"
				  "[profile bad]\nnot a property\n");
	const char *k = good_creds();
	acfs_profiles *set = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_config_load(c, k, &set, &e), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(set);
	ck_assert_ptr_nonnull(strstr(e.msg, c));
	ck_assert_ptr_nonnull(strstr(e.msg, "line 4"));
	ck_assert_ptr_nonnull(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "good"));
	ck_assert_ptr_null(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "a")->taint);
	ck_assert_ptr_nonnull(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "bad")->taint);
	acfs_profiles_free(set);
}
END_TEST

START_TEST(load_credentials_syntax_error)
{
	const char *c = write_str("config", "[profile a]\nregion = x\n");
	const char *k = write_str("credentials", "[b]\n\n\noops\n");
	acfs_profiles *set = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_config_load(c, k, &set, &e), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(e.msg, k));
	ck_assert_ptr_nonnull(strstr(e.msg, "line 4"));
	ck_assert_ptr_null(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "a")->taint);
	acfs_profiles_free(set);
}
END_TEST

START_TEST(load_both_bad_reports_config_first)
{
	const char *k = write_str("credentials", "[b]\noops\n");
	acfs_profiles *set = NULL;
	acfs_err e;

	ck_assert_int_eq(mkdir(tpath("cfgdir"), 0755), 0);
	ck_assert_int_eq(acfs_config_load(tpath("cfgdir"), k, &set, &e), ACFS_E_IO);
	ck_assert_ptr_nonnull(strstr(e.msg, "cfgdir"));
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 2);
	ck_assert_ptr_nonnull(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "b"));
	acfs_profiles_free(set);
}
END_TEST

START_TEST(load_with_null_err)
{
	acfs_profiles *set = NULL;

	ck_assert_int_eq(mkdir(tpath("cfgdir"), 0755), 0);
	ck_assert_int_eq(acfs_config_load(tpath("cfgdir"), good_creds(), &set, NULL),
			 ACFS_E_IO);
	ck_assert_ptr_nonnull(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "good"));
	acfs_profiles_free(set);
}
END_TEST

static Suite *files_suite(void)
{
	Suite *s = suite_create("files");
	TCase *tl = tcase_create("locate");
	TCase *tr = tcase_create("read");
	TCase *tc = tcase_create("load");

	tcase_add_test(tl, locate_explicit_variables);
	tcase_add_test(tl, locate_defaults_from_home);
	tcase_add_test(tl, locate_home_with_trailing_slash);
	tcase_add_test(tl, locate_tilde_in_variables);
	tcase_add_test(tl, expand_home_leaves_other_paths);
	tcase_add_test(tl, locate_profile_precedence);
	tcase_add_test(tl, locate_without_home);
	tcase_add_test(tl, locate_without_home_and_no_err);
	tcase_add_test(tl, locate_absolute_paths_need_no_home);
	suite_add_tcase(s, tl);

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, read_regular_file);
	tcase_add_test(tr, read_large_file_in_chunks);
	tcase_add_test(tr, read_empty_file);
	tcase_add_test(tr, read_missing_file);
	tcase_add_test(tr, read_dangling_symlink_is_missing);
	tcase_add_test(tr, read_symlink_to_file);
	tcase_add_test(tr, read_directory);
	tcase_add_test(tr, read_fifo_does_not_hang);
	tcase_add_test(tr, read_fifo_with_writer_does_not_hang);
	tcase_add_test(tr, read_dev_null_is_empty);
	tcase_add_test(tr, read_char_device);
	tcase_add_test(tr, read_over_size_limit);
	tcase_add_test(tr, read_sparse_file_over_default_limit);
	tcase_add_test(tr, read_unreadable_file);
	suite_add_tcase(s, tr);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, load_both_files);
	tcase_add_test(tc, load_missing_files_are_fine);
	tcase_add_test(tc, load_config_is_directory);
	tcase_add_test(tc, load_config_is_fifo);
	tcase_add_test(tc, load_config_too_big);
	tcase_add_test(tc, load_config_unreadable);
	tcase_add_test(tc, load_config_syntax_error);
	tcase_add_test(tc, load_credentials_syntax_error);
	tcase_add_test(tc, load_both_bad_reports_config_first);
	tcase_add_test(tc, load_with_null_err);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *suite = files_suite();

	return tl_run_suite(suite, "unit-files");
}
