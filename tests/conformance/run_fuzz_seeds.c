/* run_fuzz_seeds.c - the aws-c-auth profile fuzz corpus,
 * shared/conformance/profile-fuzz-seeds-aws-c-auth/parse_config_profile/.
 *
 * Every file is read as a config file, as a credentials file, and as both
 * into one set; every resulting profile is planned (with an empty
 * environment), and each plan is shown as text and JSON, then everything is
 * freed.  Any result is accepted: a case passes when it returns without
 * crashing, hanging or leaking.  That is meaningful under the ASan+UBSan
 * build (make tests SANITIZE=address,undefined, then
 * build-san/tests/conformance/run_fuzz_seeds).
 *
 * Each file runs in a child process, so a crash or a sanitizer report is
 * pinned to the file and the other files still run; the child's normal
 * exit lets LeakSanitizer check it.  CK_FORK=no runs everything in this
 * process instead (for a debugger).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "env.h"
#include "ini.h"
#include "plan.h"
#include "planfmt.h"
#include "profile.h"
#include "secret.h"
#include "testlib.h"

#define SUITE "conformance/fuzz_seeds"
#define DATA "profile-fuzz-seeds-aws-c-auth/parse_config_profile"
#define DOCUMENTED_CASES 40
#define CASE_TIMEOUT 30   /* seconds; a hang is a failure */

static volatile size_t sink;   /* keeps reads of the results alive */

static void touch(const char *s)
{
	if (s != NULL)
		sink += strlen(s);
}

/* Plans one profile and shows the plan both ways. */
static int plan_one(const acfs_profiles *set, const acfs_env *env,
		    const char *name, FILE *devnull)
{
	acfs_plan *plan = NULL;
	json_object *j;
	acfs_err err;

	acfs_err_clear(&err);
	if (acfs_plan_build(set, env, name, &plan, &err) != ACFS_OK) {
		touch(err.msg);
		return plan == NULL ? 0 : -1;   /* no plan on failure */
	}
	acfs_plan_print(plan, devnull);
	j = acfs_plan_to_json(plan);
	if (j != NULL)
		touch(json_object_to_json_string(j));
	json_object_put(j);
	acfs_plan_free(plan);
	return 0;
}

/* Parses data as the files in which (1 config, 2 credentials, 3 both) and
 * uses every part of the result.  Returns 0, or -1 on an impossible
 * result. */
static int exercise(const char *data, size_t len, int which, FILE *devnull)
{
	static const char *const empty_env[] = { NULL, NULL };
	acfs_env_table tab = { empty_env };
	const acfs_section *s;
	const acfs_problem *p;
	acfs_profiles *set;
	acfs_env env;
	acfs_err err;
	char *url;
	size_t k, i, j;
	int rc = 0;

	acfs_env_from_table(&env, &tab);
	set = acfs_profiles_new();
	if (set == NULL)
		return -1;
	if ((which & 1) &&
	    acfs_ini_parse(set, ACFS_SRC_CONFIG, data, len) == ACFS_E_NOMEM)
		rc = -1;
	if ((which & 2) &&
	    acfs_ini_parse(set, ACFS_SRC_CREDENTIALS, data, len) == ACFS_E_NOMEM)
		rc = -1;
	for (i = 0; (p = acfs_profiles_problem(set, i)) != NULL; i++) {
		touch(p->message);
		touch(p->profile);
	}
	for (k = 0; k < ACFS_SECTION__COUNT; k++) {
		for (i = 0; i < acfs_profiles_count(set, k); i++) {
			s = acfs_profiles_at(set, k, i);
			touch(s->name);
			touch(s->taint);
			for (j = 0; j < s->nprops; j++) {
				touch(s->props[j].key);
				touch(s->props[j].value);
			}
			if (k != ACFS_SECTION_PROFILE)
				continue;
			if (plan_one(set, &env, s->name, devnull) != 0)
				rc = -1;
			url = NULL;
			acfs_err_clear(&err);
			acfs_endpoint_configured(set, s, &env, "sts", NULL, 0,
						 &url, &err);
			touch(url);
			acfs_strfree(url);
		}
	}
	/* The not-found paths, when no such profile exists. */
	if (plan_one(set, &env, "default", devnull) != 0 ||
	    plan_one(set, &env, "no-such-profile", devnull) != 0)
		rc = -1;
	acfs_profiles_free(set);
	return rc;
}

/* Runs one seed; returns 0 when every use of it came back. */
static int run_seed(const char *path)
{
	FILE *devnull = fopen("/dev/null", "w");
	char *data, *exact;
	size_t len;
	int rc = 0, which;

	data = tl_read_file(path, &len);
	if (data == NULL || devnull == NULL) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(data);
		if (devnull != NULL)
			fclose(devnull);
		return -1;
	}
	/* An exactly sized copy: a read past len is an ASan report. */
	exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(data);
		fclose(devnull);
		return -1;
	}
	memcpy(exact, data, len);
	free(data);
	for (which = 1; which <= 3; which++)
		if (exercise(exact, len, which, devnull) != 0)
			rc = -1;
	free(exact);
	fclose(devnull);
	return rc;
}

/* Runs run_seed in a child; fills why and returns 0 on failure. */
static int run_isolated(const char *path, char *why, size_t sz)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(why, sz, "fork failed");
		return 0;
	}
	if (pid == 0) {
		alarm(CASE_TIMEOUT);
		exit(run_seed(path) == 0 ? 0 : 3);
	}
	if (waitpid(pid, &st, 0) < 0) {
		snprintf(why, sz, "waitpid failed");
		return 0;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		snprintf(why, sz, "hung (no result after %d s)", CASE_TIMEOUT);
	else if (WIFSIGNALED(st))
		snprintf(why, sz, "crashed with signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else if (WEXITSTATUS(st) == 3)
		snprintf(why, sz, "an engine call gave an impossible result "
			 "(see above)");
	else
		snprintf(why, sz, "exited with status %d (a sanitizer report "
			 "is above)", WEXITSTATUS(st));
	return 0;
}

static int seed_filter(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

int main(void)
{
	const char *data = tl_conformance_path(SUITE, DATA);
	const char *fork_env = getenv("CK_FORK");
	int passed = 0, failed = 0, skipped = 0, nofork, i, n;
	struct dirent **names = NULL;
	char path[4096], why[256];
	struct stat st;

	if (data == NULL)
		return 0;
	nofork = fork_env != NULL && strcmp(fork_env, "no") == 0;
	n = scandir(data, &names, seed_filter, alphasort);
	if (n < 0) {
		printf("FAIL %s: cannot list %s: %m\n", SUITE, data);
		tl_report(SUITE, 0, 1, 0);
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", data, names[i]->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			printf("SKIP %s: not a regular file\n", names[i]->d_name);
			skipped++;
			free(names[i]);
			continue;
		}
		why[0] = '\0';
		if (nofork ? run_seed(path) == 0
			   : run_isolated(path, why, sizeof(why))) {
			passed++;
		} else {
			failed++;
			printf("FAIL %s: %s\n", names[i]->d_name,
			       why[0] ? why : "an engine call gave an impossible "
			       "result");
		}
		free(names[i]);
	}
	free(names);
	tl_conformance_note(SUITE, (size_t)(passed + failed), "seeds",
			    DOCUMENTED_CASES);
	tl_report(SUITE, passed, failed, skipped);
	return failed != 0;
}
