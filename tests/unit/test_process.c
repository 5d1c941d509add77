/* test_process.c - credential_process: real /bin/sh children, their
 * output, caps, timeouts, process groups, environment and descriptors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "plan.h"
#include "process.h"
#include "resolve.h"
#include "testlib.h"

#define JSON_FULL \
	"{\"Version\":1,\"AccessKeyId\":\"ASIAPROC\"," \
	"\"SecretAccessKey\":\"procsecret\",\"SessionToken\":\"proctoken\"," \
	"\"Expiration\":\"2030-01-01T00:00:00Z\"}"
#define JSON_LONG_LIVED \
	"{\"Version\":1,\"AccessKeyId\":\"AKIAPROC\"," \
	"\"SecretAccessKey\":\"procsecret\"}"

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static time_t fixed_now(void *ctx)
{
	(void)ctx;
	return 1800000000;   /* 2027-01-15 */
}

static acfs_resolver resolver(long timeout_ms)
{
	acfs_resolver r;

	memset(&r, 0, sizeof(r));
	r.env = acfs_env_process();
	r.now = fixed_now;
	r.process_timeout_ms = timeout_ms;
	return r;
}

static acfs_code capture(const char *cmd, long timeout_ms,
			 acfs_process_result *res, acfs_err *e)
{
	acfs_process_opts o;

	memset(&o, 0, sizeof(o));
	o.command = cmd;
	o.timeout_ms = timeout_ms;
	acfs_err_clear(e);
	return acfs_process_capture(&o, res, e);
}

static acfs_code run(const char *cmd, long timeout_ms, acfs_creds **c,
		     acfs_err *e)
{
	acfs_resolver r = resolver(timeout_ms);

	acfs_err_clear(e);
	return acfs_process_run(&r, cmd, "dev", c, e);
}

/* Live (not zombie) processes in process group pgid, from /proc. */
static int live_in_group(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[512], *p, state;
		int pgrp = 0;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* pid (comm) state ppid pgrp ...; comm may hold spaces. */
		if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %*d %d", &state, &pgrp) != 2)
			continue;
		if (pgrp == pgid && state != 'Z' && state != 'X')
			n++;
	}
	closedir(d);
	return n;
}

/* Nothing of the process group runs any more, and we have no child to
 * reap.  Killed grandchildren are zombies until init reaps them, which is
 * init's business, not ours. */
static void assert_all_gone(pid_t pgid)
{
	long t0 = mono_ms();
	int live;

	ck_assert_int_gt(pgid, 0);
	while ((live = live_in_group(pgid)) > 0 && mono_ms() - t0 < 1000)
		usleep(5000);
	ck_assert_msg(live == 0, "process group %d: %d still running",
		      (int)pgid, live);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

static void assert_printable(const char *s)
{
	for (; *s; s++)
		ck_assert(*s >= ' ' && *s < 0x7f);
}

START_TEST(happy_path_script)
{
	char dir[] = "/tmp/acfs-process-XXXXXX", path[64];
	const char *body = "#!/bin/sh\nprintf '%s\\n' '" JSON_FULL "'\n";
	acfs_creds *c = NULL;
	acfs_err e;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/helper", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(body, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0700), 0);
	ck_assert_int_eq(run(path, 0, &c, &e), ACFS_OK);
	ck_assert_str_eq(c->access_key_id, "ASIAPROC");
	ck_assert_str_eq(c->secret_access_key, "procsecret");
	ck_assert_str_eq(c->session_token, "proctoken");
	ck_assert_int_eq(c->expiration, 1893456000);
	acfs_creds_unref(c);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
}
END_TEST

START_TEST(missing_expiration_is_long_lived)
{
	acfs_creds *c = NULL;
	acfs_err e;

	ck_assert_int_eq(run("echo '" JSON_LONG_LIVED "'", 0, &c, &e), ACFS_OK);
	ck_assert_str_eq(c->access_key_id, "AKIAPROC");
	ck_assert_ptr_null(c->session_token);
	ck_assert_int_eq(c->expiration, 0);
	acfs_creds_unref(c);
}
END_TEST

/* A failed run: its code (ACFS_E__COUNT: any failure), what the message
 * says and what it must never say. */
typedef struct {
	const char *cmd;
	acfs_code code;
	const char *has[3];
	const char *hasnt[2];
} fail_case;

static const fail_case failures[] = {
	{ "echo '{\"Version\":2,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":"
	  "\"versecret\"}'", ACFS_E__COUNT,
	  { "profile 'dev'", "credential_process 'echo'" }, { "versecret" } },
	{ "echo 'token expired: run login' >&2; exit 3", ACFS_E_REMOTE,
	  { "profile 'dev'", "exited with status 3", "token expired: run login" },
	  { NULL } },
	/* stdout never shows, not even beside a failure. */
	{ "echo '" JSON_FULL "'; exit 1", ACFS_E_REMOTE,
	  { "stderr: (empty)" }, { "procsecret", "proctoken" } },
	/* stderr helps when parsing fails; the output itself never shows. */
	{ "printf '%s' '{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":"
	  "\"TOPSECRET1\"'; echo 'helper warning' >&2", ACFS_E__COUNT,
	  { "no usable credentials", "helper warning" }, { "TOPSECRET1" } },
	{ "true", ACFS_E_REMOTE, { "printed nothing on stdout" }, { NULL } },
	{ "echo '{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"S\","
	  "\"SessionToken\":\"T\",\"Expiration\":\"2020-01-01T00:00:00Z\"}'",
	  ACFS_E_REMOTE, { "expired at 2020-01-01T00:00:00Z" }, { NULL } },
	{ "echo dying >&2; kill -TERM $$", ACFS_E_REMOTE,
	  { "killed by signal 15 (SIGTERM)", "stderr: dying" }, { NULL } },
	/* Only the program name shows: arguments may carry secrets. */
	{ "acfs-no-such-helper --secret-arg=hunter2", ACFS_E_REMOTE,
	  { "credential_process 'acfs-no-such-helper' exited with status 127",
	    "not found" }, { "hunter2" } },
	{ "   ", ACFS_E_CONFIG, { "profile 'dev': credential_process is empty" },
	  { NULL } },
	/* sh runs a leading assignment: its value is no program name. */
	{ "HELPER_TOKEN=hunter3 exit 5", ACFS_E_REMOTE,
	  { "credential_process 'HELPER_TOKEN=' exited with status 5" },
	  { "hunter3" } },
};

START_TEST(failure_explained)
{
	const fail_case *f = &failures[_i];
	acfs_creds *c = NULL;
	acfs_err e;
	acfs_code rc = run(f->cmd, 0, &c, &e);
	size_t k;

	if (f->code == ACFS_E__COUNT)
		ck_assert_int_ne(rc, ACFS_OK);
	else
		ck_assert_int_eq(rc, f->code);
	ck_assert_ptr_null(c);
	assert_printable(e.msg);
	for (k = 0; k < 3 && f->has[k]; k++)
		ck_assert_msg(strstr(e.msg, f->has[k]) != NULL, "'%s' not in: %s",
			      f->has[k], e.msg);
	for (k = 0; k < 2 && f->hasnt[k]; k++)
		ck_assert_msg(strstr(e.msg, f->hasnt[k]) == NULL, "'%s' in: %s",
			      f->hasnt[k], e.msg);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
}
END_TEST

START_TEST(success_ignores_stderr)
{
	acfs_creds *c = NULL;
	acfs_err e;

	ck_assert_int_eq(run("echo 'cache refreshed' >&2; echo '" JSON_FULL "'",
			     0, &c, &e), ACFS_OK);
	ck_assert_str_eq(c->access_key_id, "ASIAPROC");
	acfs_creds_unref(c);
}
END_TEST

/* A run that has to be cut short: the group is killed within bounds. */
typedef struct {
	const char *cmd;
	long timeout_ms;
	acfs_code code;
	const char *msg;
	long min_ms;
} kill_case;

static const kill_case kills[] = {
	{ "head -c 10000000 /dev/zero", 0, ACFS_E_TOOBIG,
	  "output exceeds 65536 bytes; the process group was killed", 0 },
	{ "yes", 0, ACFS_E_TOOBIG,
	  "output exceeds 65536 bytes; the process group was killed", 0 },
	/* Two sleepers: the group goes, not just the shell. */
	{ "sleep 100 & sleep 100; wait", 300, ACFS_E_NET,
	  "timed out after 0.3 s; the process group was killed", 290 },
	/* stderr written without a pause. */
	{ "yes >&2", 300, ACFS_E_NET,
	  "timed out after 0.3 s; the process group was killed", 290 },
	/* Pipes closed, still running. */
	{ "exec >&- 2>&-; sleep 100", 300, ACFS_E_NET,
	  "timed out after 0.3 s; the process group was killed", 290 },
};

START_TEST(killed_within_bounds)
{
	const kill_case *k = &kills[_i];
	acfs_process_result res;
	acfs_err e;
	long t0 = mono_ms(), dt;

	ck_assert_int_eq(capture(k->cmd, k->timeout_ms, &res, &e), k->code);
	dt = mono_ms() - t0;
	ck_assert_int_ge(dt, k->min_ms);
	ck_assert_int_lt(dt, 1500);
	ck_assert_str_eq(e.msg, k->msg);
	ck_assert_uint_le(res.out.len, ACFS_PROCESS_STDOUT_MAX);
	assert_all_gone(res.pid);
	acfs_process_result_free(&res);
}
END_TEST

START_TEST(timeout_from_resolver_names_profile)
{
	acfs_creds *c = NULL;
	acfs_err e;
	long t0 = mono_ms();

	ck_assert_int_eq(run("exec sleep 100", 200, &c, &e), ACFS_E_NET);
	ck_assert_int_lt(mono_ms() - t0, 1500);
	ck_assert_str_eq(e.msg, "profile 'dev': credential_process 'exec': "
				"timed out after 0.2 s; the process group was "
				"killed");
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
}
END_TEST

START_TEST(grandchild_holding_stdout)
{
	acfs_process_result res;
	acfs_creds *c = NULL;
	acfs_err e;
	long t0 = mono_ms();

	/* The shell exits; a background sleep keeps the pipes open. */
	ck_assert_int_eq(capture("sleep 100 & echo done", 5000, &res, &e),
			 ACFS_OK);
	ck_assert_int_lt(mono_ms() - t0, 1500);
	ck_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0);
	ck_assert_str_eq(res.out.data, "done\n");
	assert_all_gone(res.pid);
	acfs_process_result_free(&res);

	t0 = mono_ms();
	ck_assert_int_eq(run("(sleep 100 &); echo '" JSON_FULL "'", 5000, &c, &e),
			 ACFS_OK);
	ck_assert_int_lt(mono_ms() - t0, 1500);
	ck_assert_str_eq(c->access_key_id, "ASIAPROC");
	acfs_creds_unref(c);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
}
END_TEST

START_TEST(detached_background_not_waited_for)
{
	acfs_process_result res;
	acfs_err e;
	long t0 = mono_ms();

	ck_assert_int_eq(capture("sleep 2 >/dev/null 2>&1 & echo ok", 5000, &res,
				 &e), ACFS_OK);
	ck_assert_int_lt(mono_ms() - t0, 1000);
	ck_assert_str_eq(res.out.data, "ok\n");
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	kill(-res.pid, SIGKILL);   /* ours to clean up, not the runner's */
	acfs_process_result_free(&res);
}
END_TEST

START_TEST(env_scrubbed)
{
	static const char *const secrets[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", NULL
	};
	acfs_process_result res;
	acfs_err e;
	size_t i;

	for (i = 0; secrets[i]; i++)
		ck_assert_int_eq(setenv(secrets[i], "leaked-value", 1), 0);
	setenv("ACFS_TEST_MARKER", "kept", 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	/* A leading newline, so every entry starts with one. */
	ck_assert_int_eq(capture("echo; env", 0, &res, &e), ACFS_OK);
	ck_assert_ptr_null(strstr(res.out.data, "leaked-value"));
	for (i = 0; secrets[i]; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "\n%s=", secrets[i]);
		ck_assert_ptr_null(strstr(res.out.data, needle));
	}
	ck_assert_ptr_nonnull(strstr(res.out.data, "ACFS_TEST_MARKER=kept\n"));
	ck_assert_ptr_nonnull(strstr(res.out.data,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/token\n"));
	ck_assert_ptr_nonnull(strstr(res.out.data, "AWS_REGION=eu-west-1\n"));
	acfs_process_result_free(&res);
}
END_TEST

START_TEST(env_copy_of_base)
{
	char *base[] = { "A=1", "AWS_SECRET_ACCESS_KEY=x", "noequals",
			 "AWS_SECRET_ACCESS_KEY_ID=kept", "AWS_SESSION_TOKEN=",
			 "B=2", NULL };
	char **envp = acfs_process_env(base);

	ck_assert_ptr_nonnull(envp);
	ck_assert_str_eq(envp[0], "A=1");
	ck_assert_str_eq(envp[1], "AWS_SECRET_ACCESS_KEY_ID=kept");
	ck_assert_str_eq(envp[2], "B=2");
	ck_assert_ptr_null(envp[3]);
	acfs_process_env_free(envp);
	acfs_process_env_free(NULL);
}
END_TEST

START_TEST(given_envp_used)
{
	char *envp[] = { "ONLY=this", NULL };
	acfs_process_opts o;
	acfs_process_result res;
	acfs_err e;

	memset(&o, 0, sizeof(o));
	o.command = "echo \"$ONLY:${HOME-unset}\"";
	o.envp = envp;
	ck_assert_int_eq(acfs_process_capture(&o, &res, &e), ACFS_OK);
	ck_assert_str_eq(res.out.data, "this:unset\n");
	acfs_process_result_free(&res);
}
END_TEST

START_TEST(fds_not_leaked)
{
	acfs_process_result res;
	acfs_err e;
	int fd = open("/dev/null", O_RDONLY), p[2];
	char *tok, *save = NULL;

	/* Descriptors without close-on-exec, as a library might leave. */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 77), 77);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(capture("exec ls /proc/self/fd", 0, &res, &e), ACFS_OK);
	/* ls's own directory handle is the only one above 2. */
	for (tok = strtok_r(res.out.data, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save))
		ck_assert_int_le(atoi(tok), 3);
	acfs_process_result_free(&res);
	ck_assert_int_eq(capture("exec cat </dev/null /proc/self/fdinfo/77", 0,
				 &res, &e), ACFS_OK);
	ck_assert_int_ne(WEXITSTATUS(res.status), 0);
	acfs_process_result_free(&res);
	close(77);
	close(fd);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(stdin_is_dev_null)
{
	acfs_process_result res;
	acfs_err e;
	long t0 = mono_ms();

	ck_assert_int_eq(capture("cat; readlink /proc/self/fd/0", 5000, &res, &e),
			 ACFS_OK);
	ck_assert_int_lt(mono_ms() - t0, 1000);
	ck_assert_str_eq(res.out.data, "/dev/null\n");
	acfs_process_result_free(&res);
}
END_TEST

START_TEST(signals_reset)
{
	acfs_process_result res;
	acfs_err e;
	sigset_t set;

	/* The daemon's state: SIGPIPE ignored, some signals blocked. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	ck_assert_int_eq(capture("exec grep -E '^Sig(Blk|Ign)' /proc/self/status",
				 0, &res, &e), ACFS_OK);
	ck_assert_str_eq(res.out.data, "SigBlk:\t0000000000000000\n"
				       "SigIgn:\t0000000000000000\n");
	acfs_process_result_free(&res);
	/* A pipeline ends quietly on SIGPIPE. */
	ck_assert_int_eq(capture("yes | head -c 4", 0, &res, &e), ACFS_OK);
	ck_assert_str_eq(res.out.data, "y\ny\n");
	ck_assert_uint_eq(res.err.len, 0);
	acfs_process_result_free(&res);
}
END_TEST

START_TEST(stderr_sanitised_and_bounded)
{
	acfs_process_result res;
	acfs_creds *c = NULL;
	acfs_err e;

	ck_assert_int_eq(run("printf '\\033[31mbad\\001\\tthing\\n\\n caf\\303\\251 ' >&2;"
			     " exit 2", 0, &c, &e), ACFS_E_REMOTE);
	assert_printable(e.msg);
	ck_assert_ptr_nonnull(strstr(e.msg, "stderr: [31mbad thing caf??"));
	ck_assert(e.msg[strlen(e.msg) - 1] == '?');

	ck_assert_int_eq(capture("head -c 100000 /dev/zero | tr '\\0' x >&2; "
				 "exit 1", 0, &res, &e), ACFS_OK);
	ck_assert_uint_eq(res.err.len, ACFS_PROCESS_STDERR_MAX);
	ck_assert_int_eq(res.err_cut, 1);
	acfs_process_result_free(&res);

	ck_assert_int_eq(run("head -c 100000 /dev/zero | tr '\\0' x >&2; exit 1",
			     0, &c, &e), ACFS_E_REMOTE);
	ck_assert_uint_lt(strlen(e.msg), 700);
	ck_assert_ptr_nonnull(strstr(e.msg, "xxx..."));
}
END_TEST

START_TEST(clean_text)
{
	char out[16];

	ck_assert_str_eq(acfs_process_clean_text("  a\r\n\tb  ", 9, out, sizeof(out)),
			 "a b");
	ck_assert_str_eq(acfs_process_clean_text("", 0, out, sizeof(out)), "");
	ck_assert_str_eq(acfs_process_clean_text("\n\n", 2, out, sizeof(out)), "");
	ck_assert_str_eq(acfs_process_clean_text("0123456789abcdefghij", 20, out,
						 sizeof(out)), "0123456789ab...");
	ck_assert_str_eq(acfs_process_clean_text("a\x80\xff" "b", 4, out,
						 sizeof(out)), "a??b");
}
END_TEST

START_TEST(exec_failure)
{
	static const char *const argv[] = { "/nonexistent/acfs-helper", NULL };
	acfs_process_opts o;
	acfs_process_result res;
	acfs_err e;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	ck_assert_int_eq(acfs_process_capture(&o, &res, &e), ACFS_E_IO);
	ck_assert_str_eq(e.msg, "cannot run /nonexistent/acfs-helper: No such "
				"file or directory");
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	acfs_process_result_free(&res);
}
END_TEST

START_TEST(resolver_runs_process_hop)
{
	acfs_hop hop;
	acfs_plan plan;
	acfs_resolver r = resolver(0);
	acfs_creds *c = NULL;
	acfs_err e;

	memset(&hop, 0, sizeof(hop));
	memset(&plan, 0, sizeof(plan));
	hop.kind = ACFS_HOP_PROCESS;
	hop.profile = "base";
	hop.credential_process = "echo '" JSON_FULL "'";
	plan.profile = "top";
	plan.hops = &hop;
	plan.nhops = 1;
	ck_assert_int_eq(acfs_resolve_hop(&r, &plan, 0, NULL, &c, &e), ACFS_OK);
	ck_assert_str_eq(c->access_key_id, "ASIAPROC");
	acfs_creds_unref(c);
	hop.credential_process = "exit 4";
	ck_assert_int_eq(acfs_resolve_hop(&r, &plan, 0, NULL, &c, &e),
			 ACFS_E_REMOTE);
	ck_assert_ptr_nonnull(strstr(e.msg, "profile 'base'"));
	ck_assert_ptr_nonnull(strstr(e.msg, "status 4"));
}
END_TEST

START_TEST(no_zombies_after_many_runs)
{
	acfs_process_result res;
	acfs_err e;
	int i;

	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(capture(i % 2 ? "echo x" : "exit 9", 0, &res, &e),
				 ACFS_OK);
		acfs_process_result_free(&res);
	}
	ck_assert_int_eq(capture("sleep 5", 50, &res, &e), ACFS_E_NET);
	acfs_process_result_free(&res);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, happy_path_script);
	tcase_add_test(tc, missing_expiration_is_long_lived);
	tcase_add_loop_test(tc, failure_explained, 0,
			     (int)(sizeof(failures) / sizeof(failures[0])));
	tcase_add_test(tc, success_ignores_stderr);
	tcase_add_loop_test(tc, killed_within_bounds, 0,
			    (int)(sizeof(kills) / sizeof(kills[0])));
	tcase_add_test(tc, timeout_from_resolver_names_profile);
	tcase_add_test(tc, grandchild_holding_stdout);
	tcase_add_test(tc, detached_background_not_waited_for);
	tcase_add_test(tc, env_scrubbed);
	tcase_add_test(tc, env_copy_of_base);
	tcase_add_test(tc, given_envp_used);
	tcase_add_test(tc, fds_not_leaked);
	tcase_add_test(tc, stdin_is_dev_null);
	tcase_add_test(tc, signals_reset);
	tcase_add_test(tc, stderr_sanitised_and_bounded);
	tcase_add_test(tc, clean_text);
	tcase_add_test(tc, exec_failure);
	tcase_add_test(tc, resolver_runs_process_hop);
	tcase_add_test(tc, no_zombies_after_many_runs);
	suite_add_tcase(s, tc);
	return tl_run_suite(s, "unit-process");
}
