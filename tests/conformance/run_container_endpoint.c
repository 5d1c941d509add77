/* run_container_endpoint.c - the container credentials endpoint, from
 * shared/conformance/container-credentials:
 *
 *  container-endpoint: ecs-tests.json (smithy-rs), 11 cases of URI
 *    resolution from the environment: the URL, or an error containing the
 *    SDK's text (our messages quote those phrases).
 *  container-endpoint-rules: our own cases for the allowed-host rule,
 *    which the data set has none of (its PROVENANCE.md says to write
 *    them): https anywhere; plain http only to loopback, 169.254.170.2,
 *    169.254.170.23 and fd00:ec2::23.  A refusal must be ACFS_E_POLICY.
 *  container-responses: the 4 recorded endpoint bodies in
 *    responses-from-traffic/, parsed into credentials that must equal the
 *    body's own fields (Expiration 2009-02-13T23:31:30Z = 1234567890).
 *
 * Nothing here touches a network: URLs are only resolved and checked.
 * FAIL lines never show a secret, only which field differed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "container.h"
#include "credjson.h"
#include "testlib.h"

#define DATA_DIR "container-credentials"

/* Resolves the URL of env; 1 when the result is the expected one. */
static int check_url(const acfs_env *env, const char *want_url,
		     const char *want_err, acfs_code want_code, tl_diff *d)
{
	char url[ACFS_CONTAINER_URL_MAX + 32];
	acfs_err e;
	acfs_code rc;

	acfs_err_clear(&e);
	rc = acfs_container_url(env, 0, url, sizeof(url), &e);
	if (want_url != NULL) {
		if (rc != ACFS_OK)
			tl_differ(d, "unexpected error: %s", e.msg);
		else if (strcmp(url, want_url) != 0)
			tl_differ(d, "got %s, expected %s", url, want_url);
	} else if (rc == ACFS_OK) {
		tl_differ(d, "expected an error, got %s", url);
	} else if (want_err != NULL && strstr(e.msg, want_err) == NULL) {
		tl_differ(d, "error '%s' does not contain '%s'", e.msg, want_err);
	} else if (want_code != ACFS_OK && rc != want_code) {
		tl_differ(d, "error code %d, expected %d: %s", rc, want_code, e.msg);
	}
	return d->ndiff == 0;
}

static int external_cases(void)
{
	json_object *root, *cases, *c, *res, *vars;
	const char *docs;
	int passed = 0, failed = 0, status;
	tl_diff d;
	tl_env env;
	size_t i, n;

	root = tl_conformance_load("container-endpoint", DATA_DIR "/ecs-tests.json",
				   "tests", 11, &cases, &status);
	if (root == NULL)
		return status;
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		docs = tl_json_str(c, "docs");
		memset(&d, 0, sizeof(d));
		res = vars = NULL;
		json_object_object_get_ex(c, "result", &res);
		json_object_object_get_ex(c, "env", &vars);
		if (!tl_env_from_json(&env, vars))
			tl_differ(&d, "runner: too many variables");
		else if (tl_json_str(res, "Ok") == NULL &&
			 tl_json_str(res, "ErrorContains") == NULL)
			tl_differ(&d, "malformed case: no Ok or ErrorContains");
		else
			check_url(&env.env, tl_json_str(res, "Ok"),
				  tl_json_str(res, "ErrorContains"), ACFS_OK, &d);
		if (tl_diff_passed(&d, i, docs ? docs : "(no docs)"))
			passed++;
		else
			failed++;
	}
	json_object_put(root);
	tl_report("container-endpoint", passed, failed, 0);
	return failed != 0;
}

/* Our own allowed-host cases: FULL_URI -> accepted, or refused with
 * ACFS_E_POLICY (or ACFS_E_CONFIG for a malformed one). */
#define FULL "AWS_CONTAINER_CREDENTIALS_FULL_URI"
#define REL "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"

static const struct {
	const char *var, *value;
	acfs_code want;
} rules[] = {
	{ FULL, "http://example.com/creds", ACFS_E_POLICY },
	{ FULL, "http://mypersonalsite/credentials", ACFS_E_POLICY },
	{ FULL, "http://169.254.170.3/credentials", ACFS_E_POLICY },
	{ FULL, "http://169.254.169.254/latest/meta-data/", ACFS_E_POLICY },
	{ FULL, "http://10.0.0.1:8080/creds", ACFS_E_POLICY },
	{ FULL, "http://[fd00:ec2::24]/v1/credentials", ACFS_E_POLICY },
	{ FULL, "http://[fe80::1]/v1/credentials", ACFS_E_POLICY },
	{ FULL, "http://169.254.170.2@evil.example/creds", ACFS_E_POLICY },
	{ FULL, "http://localhost.evil.example/creds", ACFS_E_POLICY },
	{ FULL, "ftp://127.0.0.1/creds", ACFS_E_POLICY },
	{ FULL, "file:///etc/passwd", ACFS_E_POLICY },
	{ FULL, "http://", ACFS_E_CONFIG },
	{ REL, "@evil.example/creds", ACFS_E_CONFIG },
	{ REL, "/creds\r\nHost: evil", ACFS_E_CONFIG },
	{ FULL, "http://127.0.0.1/creds", ACFS_OK },
	{ FULL, "http://127.255.0.9:8080/creds", ACFS_OK },
	{ FULL, "http://[::1]:8080/creds", ACFS_OK },
	{ FULL, "http://LOCALHOST/creds", ACFS_OK },
	{ FULL, "HTTP://169.254.170.2/creds", ACFS_OK },
	{ FULL, "http://[fd00:ec2:0::23]/v1/credentials", ACFS_OK },
	{ FULL, "https://example.com/creds", ACFS_OK },
};

static int own_cases(void)
{
	int passed = 0, failed = 0;
	char name[256];
	tl_diff d;
	tl_env env;
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		memset(&d, 0, sizeof(d));
		tl_env_from_json(&env, NULL);
		tl_env_set(&env, rules[i].var, rules[i].value);
		check_url(&env.env, rules[i].want == ACFS_OK ? rules[i].value : NULL,
			  NULL, rules[i].want, &d);
		snprintf(name, sizeof(name), "%s=%s", rules[i].var, rules[i].value);
		if (tl_diff_passed(&d, i, name))
			passed++;
		else
			failed++;
	}
	tl_report("container-endpoint-rules", passed, failed, 0);
	return failed != 0;
}

/* One recorded body against its own fields. */
static void check_body(const char *body, size_t len, tl_diff *d)
{
	json_object *j = json_tokener_parse(body);
	static const char *const keys[] = { "AccessKeyId", "SecretAccessKey",
		"Token", NULL };
	acfs_creds *c = NULL;
	const char *got[3], *acct;
	acfs_err e;
	size_t k;

	acfs_err_clear(&e);
	if (j == NULL) {
		tl_differ(d, "runner: the body is not JSON");
		return;
	}
	if (acfs_credjson_container(body, len, &c, &e) != ACFS_OK) {
		tl_differ(d, "not parsed: %s", e.msg);
		json_object_put(j);
		return;
	}
	got[0] = c->access_key_id;
	got[1] = c->secret_access_key;
	got[2] = c->session_token;
	for (k = 0; keys[k] != NULL; k++)
		if (got[k] == NULL || tl_json_str(j, keys[k]) == NULL ||
		    strcmp(got[k], tl_json_str(j, keys[k])) != 0)
			tl_differ(d, "%s differs from the body's", keys[k]);
	if ((long long)c->expiration != 1234567890LL)
		tl_differ(d, "expiration %lld, expected 1234567890",
			  (long long)c->expiration);
	acct = tl_json_str(j, "AccountId");
	if (strcmp(c->account_id, acct ? acct : "") != 0)
		tl_differ(d, "account id '%s', expected '%s'", c->account_id,
			  acct ? acct : "");
	acfs_creds_unref(c);
	json_object_put(j);
}

static int responses(void)
{
	json_object *root, *cases, *c;
	int passed = 0, failed = 0, status;
	char path[4096];
	const char *file, *dir;
	char *body;
	size_t i, n, len;
	tl_diff d;

	root = tl_conformance_load("container-responses",
				   DATA_DIR "/responses-from-traffic/index.json",
				   NULL, 4, &cases, &status);
	if (root == NULL)
		return status;
	dir = tl_conformance_dir();
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		file = tl_json_str(c, "file");
		memset(&d, 0, sizeof(d));
		snprintf(path, sizeof(path), "%s/%s/responses-from-traffic/%s", dir,
			 DATA_DIR, file ? file : "");
		body = file ? tl_read_file(path, &len) : NULL;
		if (body == NULL)
			tl_differ(&d, "runner: cannot read %s", path);
		else
			check_body(body, len, &d);
		free(body);
		if (tl_diff_passed(&d, i, file ? file : "(no file)"))
			passed++;
		else
			failed++;
	}
	json_object_put(root);
	tl_report("container-responses", passed, failed, 0);
	return failed != 0;
}

int main(void)
{
	int status = 0;

	status |= external_cases();
	status |= own_cases();
	status |= responses();
	return status;
}
