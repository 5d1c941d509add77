/* run_file_location.c - where the config and credentials files are and
 * which profile is selected, shared/conformance/profile-parser/
 * file-location-tests.json.
 *
 * Each case's environment is the whole environment (nothing comes from the
 * real one): acfs_locate must give configLocation, credentialsLocation and,
 * when the case names one, the profile.  Windows cases are skipped:
 * awscredsfs is POSIX-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "env.h"
#include "files.h"
#include "testlib.h"

#define SUITE "conformance/file_location"
#define DATA "profile-parser/file-location-tests.json"
#define DOCUMENTED_CASES 9

/* A NULL-terminated name/value table borrowing the strings of obj (free()
 * the array only).  NULL when obj is not an object of strings or on
 * allocation failure. */
static const char **env_pairs(json_object *obj)
{
	const char **pairs;
	size_t n = 0;

	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	pairs = calloc(2 * (size_t)json_object_object_length(obj) + 2,
		       sizeof(*pairs));
	if (pairs == NULL)
		return NULL;
	json_object_object_foreach(obj, key, val) {
		if (!json_object_is_type(val, json_type_string)) {
			free(pairs);
			return NULL;
		}
		pairs[n++] = key;
		pairs[n++] = json_object_get_string(val);
	}
	return pairs;
}

/* Compares one expected field; appends a description to why on mismatch. */
static int check(const char *what, json_object *tc, const char *key,
		 const char *got, char *why, size_t sz)
{
	json_object *jv;
	const char *want;
	size_t len = strlen(why);

	if (!json_object_object_get_ex(tc, key, &jv))
		return 1;   /* not asserted by this case */
	want = json_object_get_string(jv);
	if (got != NULL && strcmp(want, got) == 0)
		return 1;
	snprintf(why + len, sz - len, "%s%s: expected \"%s\", got %s%s%s",
		 len ? "; " : "", what, want, got ? "\"" : "",
		 got ? got : "(none)", got ? "\"" : "");
	return 0;
}

static int run_case(json_object *tc, size_t idx, const char *name)
{
	json_object *jenv;
	const char **pairs = NULL;
	acfs_env_table tab;
	acfs_locations loc;
	acfs_env env;
	acfs_err err;
	char why[2048];
	int ok = 0;

	why[0] = '\0';
	memset(&loc, 0, sizeof(loc));
	if (!json_object_object_get_ex(tc, "environment", &jenv) ||
	    (pairs = env_pairs(jenv)) == NULL) {
		snprintf(why, sizeof(why), "malformed case: no environment "
			 "object of strings");
		goto out;
	}
	tab.pairs = pairs;
	acfs_env_from_table(&env, &tab);
	acfs_err_clear(&err);
	if (acfs_locate(&env, &loc, &err) != ACFS_OK) {
		snprintf(why, sizeof(why), "acfs_locate failed: %s", err.msg);
		goto out;
	}
	ok = check("configLocation", tc, "configLocation", loc.config_path,
		   why, sizeof(why));
	ok &= check("credentialsLocation", tc, "credentialsLocation",
		    loc.credentials_path, why, sizeof(why));
	ok &= check("profile", tc, "profile", loc.profile, why, sizeof(why));
out:
	if (!ok)
		printf("FAIL [%zu] %s: %s\n", idx, name, why);
	acfs_locations_free(&loc);
	free(pairs);
	return ok;
}

int main(void)
{
	json_object *root, *tests, *tc, *jv;
	int passed = 0, failed = 0, skipped = 0, status;
	const char *name, *platform;
	size_t i, n;

	root = tl_conformance_load(SUITE, DATA, "tests", DOCUMENTED_CASES,
				   &tests, &status);
	if (root == NULL)
		return status;
	n = json_object_array_length(tests);
	for (i = 0; i < n; i++) {
		tc = json_object_array_get_idx(tests, i);
		name = json_object_object_get_ex(tc, "name", &jv)
			       ? json_object_get_string(jv) : "(unnamed)";
		platform = json_object_object_get_ex(tc, "platform", &jv)
				   ? json_object_get_string(jv) : "linux";
		if (strcmp(platform, "windows") == 0) {
			printf("SKIP %s: Windows paths: awscredsfs is "
			       "POSIX-only\n", name);
			skipped++;
		} else if (run_case(tc, i, name)) {
			passed++;
		} else {
			failed++;
		}
	}
	json_object_put(root);
	tl_report(SUITE, passed, failed, skipped);
	return failed != 0;
}
