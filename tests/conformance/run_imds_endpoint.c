/* run_imds_endpoint.c - IMDS endpoint and mode resolution,
 * shared/conformance/imds-endpoint/imds-endpoint-tests.json (smithy-rs),
 * 14 cases.
 *
 * Each case's fs files are written to a temporary directory; a relative
 * AWS_CONFIG_FILE names one of them and HOME points nowhere, so no real
 * file is read.  The files are found with acfs_locate and read with
 * acfs_config_load; the selected profile's ec2_metadata_service_endpoint
 * and ec2_metadata_service_endpoint_mode, the environment, and the case's
 * endpoint_override / mode_override (a client builder's settings in the
 * SDK) go to acfs_imds_base_url.  Ok: BASE + "/latest/api/token" must be
 * the expected URL; Err: resolution must fail with a message containing
 * the SDK's text (our messages quote those phrases).
 *
 * Resolution only: whether the fetch would then send to the endpoint is a
 * separate rule (imds.h: plain http only to IMDS's addresses or loopback),
 * so "http://override:456" resolves here and is refused in test_imds.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "files.h"
#include "imds.h"
#include "profile.h"
#include "testlib.h"

#define SUITE "imds-endpoint"
#define DATA "imds-endpoint/imds-endpoint-tests.json"

/* Writes the case's files; AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE
 * that name one of them are pointed at its copy, other relative ones at a
 * path that does not exist. */
static void write_files(json_object *fs, tl_env *env, tl_diff *d)
{
	static const char *const vars[] = { "AWS_CONFIG_FILE",
		"AWS_SHARED_CREDENTIALS_FILE", NULL };
	static const char missing[] = "/nonexistent/acfs-imds-case-file";
	const char *paths[8] = { NULL }, *names[8] = { NULL }, *v;
	int slot = 0, k, i;

	if (fs != NULL && json_object_is_type(fs, json_type_object)) {
		json_object_object_foreach(fs, name, text) {
			const char *t = json_object_get_string(text);

			if (slot == 8) {
				tl_differ(d, "runner: more than 8 files");
				return;
			}
			names[slot] = name;
			paths[slot] = tl_write_temp(slot, t, strlen(t));
			if (paths[slot] == NULL) {
				tl_differ(d, "runner: cannot write %s", name);
				return;
			}
			slot++;
		}
	}
	for (k = 0; vars[k] != NULL; k++) {
		v = acfs_env_get(&env->env, vars[k]);
		if (v == NULL || v[0] == '/')
			continue;
		for (i = 0; i < slot && strcmp(names[i], v) != 0; i++)
			;
		tl_env_set(env, vars[k], i < slot ? paths[i] : missing);
	}
	tl_env_set(env, "HOME", "/nonexistent/acfs-imds-home");
}

static void run_case(json_object *c, tl_diff *d)
{
	json_object *vars = NULL, *fs = NULL, *res = NULL;
	const char *want_ok, *want_err;
	acfs_profiles *set = NULL;
	const acfs_section *sel;
	acfs_imds_settings s;
	acfs_locations loc;
	char base[ACFS_IMDS_URL_MAX], got[ACFS_IMDS_URL_MAX + 32];
	tl_env env;
	acfs_err e;
	acfs_code rc;

	json_object_object_get_ex(c, "env", &vars);
	json_object_object_get_ex(c, "fs", &fs);
	json_object_object_get_ex(c, "result", &res);
	want_ok = tl_json_str(res, "Ok");
	want_err = tl_json_str(res, "Err");
	if (want_ok == NULL && want_err == NULL) {
		tl_differ(d, "malformed case: no Ok or Err");
		return;
	}
	if (!tl_env_from_json(&env, vars)) {
		tl_differ(d, "runner: too many variables");
		return;
	}
	write_files(fs, &env, d);
	if (d->ndiff > 0)
		return;
	acfs_err_clear(&e);
	if (acfs_locate(&env.env, &loc, &e) != ACFS_OK) {
		tl_differ(d, "runner: acfs_locate: %s", e.msg);
		return;
	}
	if (acfs_config_load(loc.config_path, loc.credentials_path, &set, &e) ==
	    ACFS_E_NOMEM) {
		tl_differ(d, "out of memory");
		acfs_locations_free(&loc);
		return;
	}
	sel = set ? acfs_profiles_get(set, ACFS_SECTION_PROFILE, loc.profile) : NULL;
	memset(&s, 0, sizeof(s));
	s.endpoint = acfs_section_get(sel, "ec2_metadata_service_endpoint");
	s.endpoint_mode = acfs_section_get(sel, "ec2_metadata_service_endpoint_mode");
	s.endpoint_override = tl_json_str(c, "endpoint_override");
	s.mode_override = tl_json_str(c, "mode_override");
	acfs_err_clear(&e);
	rc = acfs_imds_base_url(&env.env, &s, base, sizeof(base), &e);
	snprintf(got, sizeof(got), "%s/latest/api/token", base);
	if (want_ok != NULL && rc != ACFS_OK)
		tl_differ(d, "unexpected error: %s", e.msg);
	else if (want_ok != NULL && strcmp(got, want_ok) != 0)
		tl_differ(d, "got %s, expected %s", got, want_ok);
	else if (want_err != NULL && rc == ACFS_OK)
		tl_differ(d, "expected an error containing '%s', got %s", want_err,
			  got);
	else if (want_err != NULL && strstr(e.msg, want_err) == NULL)
		tl_differ(d, "error '%s' does not contain '%s'", e.msg, want_err);
	acfs_profiles_free(set);
	acfs_locations_free(&loc);
}

int main(void)
{
	json_object *root, *cases, *c;
	int passed = 0, failed = 0, status;
	const char *docs;
	size_t i, n;
	tl_diff d;

	root = tl_conformance_load(SUITE, DATA, "tests", 14, &cases, &status);
	if (root == NULL)
		return status;
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		docs = tl_json_str(c, "docs");
		memset(&d, 0, sizeof(d));
		run_case(c, &d);
		if (tl_diff_passed(&d, i, docs ? docs : "(no docs)"))
			passed++;
		else
			failed++;
	}
	json_object_put(root);
	tl_report(SUITE, passed, failed, 0);
	return failed != 0;
}
