/* run_assume_role.c - profile -> provider chain, shared/conformance/
 * profile-chain-assume-role/assume-role-tests.json.
 *
 * Each case's already-parsed profiles are written back out as a config
 * file ("[profile NAME]\nkey = value", "[sso-session NAME]") and read with
 * the engine's own parser, so the parser is exercised too; the runner then
 * checks that the text read back is exactly the input.  The selected
 * profile is planned with an empty environment (no I/O), and the hops are
 * compared with output.ProfileChain in order, every field included
 * (account_id too: the engine keeps aws_account_id).  An Error case only
 * needs planning to fail; the text is Rust's.
 *
 * SSO is deliberately unsupported.  The cases whose docs mention SSO must
 * fail with ACFS_E_UNSUPPORTED and a message naming SSO; they are counted
 * as passed in a separate "unsupported-as-designed" category.
 *
 * With ACFS_VERBOSE set, each passing Error case prints the engine's
 * message beside the SDK's, to check that it fails for the right reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "env.h"
#include "ini.h"
#include "plan.h"
#include "profile.h"
#include "testlib.h"

#define SUITE "conformance/assume_role"
#define DATA "profile-chain-assume-role/assume-role-tests.json"
#define DOCUMENTED_CASES 28

/* Whether a value can be written as "key = value" and read back as is. */
static int ini_value_ok(const char *v)
{
	size_t n = strlen(v), i;

	if (n > 0 && (strchr(" \t\r\v\f", v[0]) != NULL ||
		      strchr(" \t\r\v\f", v[n - 1]) != NULL))
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] == '\n' || v[i] == '\r')
			return 0;
		if ((v[i] == '#' || v[i] == ';') && i > 0 &&
		    strchr(" \t", v[i - 1]) != NULL)
			return 0;   /* would start a comment */
	}
	return 1;
}

/* Writes the sections of one kind as ini text.  Returns 0 when something
 * cannot be written faithfully (d says what). */
static int write_sections(FILE *f, json_object *obj, const char *prefix,
			  tl_diff *d)
{
	if (!json_object_is_type(obj, json_type_object)) {
		tl_differ(d, "malformed case: %s sections are not an object",
			  prefix);
		return 0;
	}
	json_object_object_foreach(obj, name, props) {
		if (!acfs_ini_identifier_ok(name, strlen(name)) ||
		    !json_object_is_type(props, json_type_object)) {
			tl_differ(d, "runner: cannot write [%s %s] as ini",
				  prefix, name);
			return 0;
		}
		fprintf(f, "[%s %s]\n", prefix, name);
		json_object_object_foreach(props, key, val) {
			const char *v = json_object_get_string(val);

			if (!acfs_ini_identifier_ok(key, strlen(key)) ||
			    !json_object_is_type(val, json_type_string) ||
			    !ini_value_ok(v)) {
				tl_differ(d, "runner: cannot write [%s %s] %s "
					  "as ini", prefix, name, key);
				return 0;
			}
			fprintf(f, "%s = %s\n", key, v);
		}
	}
	return 1;
}

/* Checks that the sections read back hold exactly the input. */
static void check_round_trip(const acfs_profiles *set, acfs_section_kind kind,
			     json_object *obj, tl_diff *d)
{
	json_object_object_foreach(obj, name, props) {
		const acfs_section *s = acfs_profiles_get(set, kind, name);

		if (s == NULL ||
		    s->nprops != (size_t)json_object_object_length(props)) {
			tl_differ(d, "runner: section '%s' did not read back "
				  "from the ini text", name);
			return;
		}
		json_object_object_foreach(props, key, val) {
			const char *got = acfs_section_get(s, key);

			if (got == NULL ||
			    strcmp(got, json_object_get_string(val)) != 0) {
				tl_differ(d, "runner: '%s' key '%s' did not "
					  "read back from the ini text", name,
					  key);
				return;
			}
		}
	}
	if (acfs_profiles_count(set, kind) !=
	    (size_t)json_object_object_length(obj))
		tl_differ(d, "runner: extra sections read back from the ini "
			  "text");
}

/* Builds the profile set of a case through the ini parser. */
static acfs_profiles *load_input(json_object *input, tl_diff *d)
{
	json_object *profiles, *sso = NULL;
	acfs_profiles *set = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ok;

	if (!json_object_object_get_ex(input, "profiles", &profiles)) {
		tl_differ(d, "malformed case: no input.profiles");
		return NULL;
	}
	json_object_object_get_ex(input, "sso_sessions", &sso);
	f = open_memstream(&text, &len);
	if (f == NULL) {
		tl_differ(d, "runner: open_memstream failed");
		return NULL;
	}
	ok = write_sections(f, profiles, "profile", d);
	if (ok && sso != NULL)
		ok = write_sections(f, sso, "sso-session", d);
	fclose(f);
	if (!ok)
		goto out;
	set = acfs_profiles_new();
	if (set == NULL) {
		tl_differ(d, "out of memory");
		goto out;
	}
	if (acfs_ini_parse(set, ACFS_SRC_CONFIG, text, len) != ACFS_OK) {
		const acfs_problem *p = acfs_profiles_problem(set, 0);

		tl_differ(d, "the written ini text did not parse: %s",
			  p ? p->message : "(out of memory)");
		goto fail;
	}
	check_round_trip(set, ACFS_SECTION_PROFILE, profiles, d);
	if (sso != NULL)
		check_round_trip(set, ACFS_SECTION_SSO_SESSION, sso, d);
	if (d->ndiff == 0)
		goto out;
fail:
	acfs_profiles_free(set);
	set = NULL;
out:
	free(text);
	return set;
}

/* Compares hop field got with the step's optional field key. */
static void field(const char *step, size_t i, json_object *obj,
		  const char *key, const char *got, tl_diff *d)
{
	json_object *jv;
	const char *want = NULL;

	if (json_object_object_get_ex(obj, key, &jv))
		want = json_object_get_string(jv);
	if (want == NULL && got == NULL)
		return;
	if (want != NULL && got != NULL && strcmp(want, got) == 0)
		return;
	tl_differ(d, "step %zu %s: %s: expected %s%s%s, got %s%s%s", i + 1,
		  step, key, want ? "\"" : "", want ? want : "(absent)",
		  want ? "\"" : "", got ? "\"" : "", got ? got : "(absent)",
		  got ? "\"" : "");
}

/* Fails on a step field the runner does not compare. */
static void known_fields(const char *step, size_t i, json_object *obj,
			 const char *const *known, tl_diff *d)
{
	size_t k;

	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], key) == 0)
				break;
		if (known[k] == NULL)
			tl_differ(d, "step %zu %s: runner does not know field "
				  "'%s'", i + 1, step, key);
	}
}

static const char *named_source(acfs_hop_kind kind)
{
	switch (kind) {
	case ACFS_HOP_ENVIRONMENT:
		return "Environment";
	case ACFS_HOP_CONTAINER:
		return "EcsContainer";
	case ACFS_HOP_IMDS:
		return "Ec2InstanceMetadata";
	default:
		return NULL;
	}
}

static void compare_step(const acfs_hop *h, size_t i, json_object *step,
			 tl_diff *d)
{
	static const char *const ak[] = { "access_key_id",
		"secret_access_key", "session_token", "account_id", NULL };
	static const char *const wi[] = { "role_arn",
		"web_identity_token_file", "role_session_name", NULL };
	static const char *const ar[] = { "role_arn", "external_id",
		"role_session_name", NULL };
	const char *got = acfs_hop_kind_name(h->kind);

	if (!json_object_is_type(step, json_type_object) ||
	    json_object_object_length(step) != 1) {
		tl_differ(d, "malformed case: step %zu is not a one-key object",
			  i + 1);
		return;
	}
	json_object_object_foreach(step, kind, obj) {
		if (strcmp(kind, "AccessKey") == 0 &&
		    h->kind == ACFS_HOP_STATIC) {
			known_fields(kind, i, obj, ak, d);
			field(kind, i, obj, "access_key_id", h->access_key_id, d);
			field(kind, i, obj, "secret_access_key",
			      h->secret_access_key, d);
			field(kind, i, obj, "session_token", h->session_token, d);
			field(kind, i, obj, "account_id", h->account_id, d);
		} else if (strcmp(kind, "NamedSource") == 0 &&
			   named_source(h->kind) != NULL) {
			if (strcmp(json_object_get_string(obj),
				   named_source(h->kind)) != 0)
				tl_differ(d, "step %zu NamedSource: expected "
					  "%s, got %s", i + 1,
					  json_object_get_string(obj),
					  named_source(h->kind));
		} else if (strcmp(kind, "WebIdentityToken") == 0 &&
			   h->kind == ACFS_HOP_WEB_IDENTITY) {
			known_fields(kind, i, obj, wi, d);
			field(kind, i, obj, "role_arn", h->role_arn, d);
			field(kind, i, obj, "web_identity_token_file",
			      h->web_identity_token_file, d);
			field(kind, i, obj, "role_session_name",
			      h->role_session_name, d);
		} else if (strcmp(kind, "AssumeRole") == 0 &&
			   h->kind == ACFS_HOP_ASSUME_ROLE) {
			known_fields(kind, i, obj, ar, d);
			field(kind, i, obj, "role_arn", h->role_arn, d);
			field(kind, i, obj, "external_id", h->external_id, d);
			field(kind, i, obj, "role_session_name",
			      h->role_session_name, d);
		} else {
			tl_differ(d, "step %zu: expected %s, got a %s hop",
				  i + 1, kind, got);
		}
	}
}

typedef enum { R_FAIL, R_PASS, R_UNSUPPORTED } result;

static result run_case(json_object *tc, size_t idx)
{
	static const char *const empty_env[] = { NULL, NULL };
	json_object *jv, *input, *output, *chain, *jerr;
	acfs_env_table tab = { empty_env };
	const char *docs = "(no docs)", *selected;
	acfs_profiles *set = NULL;
	acfs_plan *plan = NULL;
	result res = R_FAIL;
	acfs_env env;
	acfs_err err;
	acfs_code rc;
	size_t i, n;
	tl_diff d;

	memset(&d, 0, sizeof(d));
	acfs_err_clear(&err);
	acfs_env_from_table(&env, &tab);
	if (json_object_object_get_ex(tc, "docs", &jv))
		docs = json_object_get_string(jv);
	if (!json_object_object_get_ex(tc, "input", &input) ||
	    !json_object_object_get_ex(tc, "output", &output) ||
	    !json_object_object_get_ex(input, "selected_profile", &jv)) {
		tl_differ(&d, "malformed case: no input, output or "
			  "selected_profile");
		goto out;
	}
	selected = json_object_get_string(jv);
	set = load_input(input, &d);
	if (set == NULL)
		goto out;
	rc = acfs_plan_build(set, &env, selected, &plan, &err);
	if (strstr(docs, "SSO") != NULL) {
		/* Deliberately unsupported: the planner must say so. */
		if (rc != ACFS_E_UNSUPPORTED)
			tl_differ(&d, "SSO case: expected ACFS_E_UNSUPPORTED, "
				  "got %s%s%s",
				  rc == ACFS_OK ? "a plan" : acfs_strerror(rc),
				  rc == ACFS_OK ? "" : ": ",
				  rc == ACFS_OK ? "" : err.msg);
		else if (strcasestr(err.msg, "SSO") == NULL)
			tl_differ(&d, "SSO case: ACFS_E_UNSUPPORTED without "
				  "naming SSO: %s", err.msg);
		else
			printf("UNSUPPORTED-AS-DESIGNED [%zu] %s: %s\n", idx,
			       docs, err.msg);
		res = R_UNSUPPORTED;
		goto out;
	}
	if (json_object_object_get_ex(output, "Error", &jerr)) {
		if (rc == ACFS_OK)
			tl_differ(&d, "expected an error (the SDK says "
				  "\"%s\"), got a plan of %zu hops",
				  json_object_get_string(jerr), plan->nhops);
		else if (plan != NULL || err.msg[0] == '\0')
			tl_differ(&d, "failed with %s but %s",
				  acfs_strerror(rc), plan ?
				  "still returned a plan" : "no message");
		else if (getenv("ACFS_VERBOSE") != NULL)
			printf("ok [%zu] %s: SDK \"%s\"; engine %s: %s\n", idx,
			       docs, json_object_get_string(jerr),
			       acfs_strerror(rc), err.msg);
		goto out;
	}
	if (!json_object_object_get_ex(output, "ProfileChain", &chain) ||
	    !json_object_is_type(chain, json_type_array)) {
		tl_differ(&d, "malformed case: no output.ProfileChain array");
		goto out;
	}
	if (rc != ACFS_OK) {
		tl_differ(&d, "expected a chain, got %s: %s", acfs_strerror(rc),
			  err.msg);
		goto out;
	}
	n = json_object_array_length(chain);
	if (plan->nhops != n) {
		tl_differ(&d, "expected %zu steps, got %zu", n, plan->nhops);
		goto out;
	}
	for (i = 0; i < n; i++)
		compare_step(&plan->hops[i], i,
			     json_object_array_get_idx(chain, i), &d);
out:
	if (!tl_diff_passed(&d, idx, docs))
		res = R_FAIL;
	else if (res != R_UNSUPPORTED)
		res = R_PASS;
	acfs_plan_free(plan);
	acfs_profiles_free(set);
	return res;
}

int main(void)
{
	int passed = 0, failed = 0, unsupported = 0, status;
	json_object *root, *cases;
	size_t i, n;

	root = tl_conformance_load(SUITE, DATA, NULL, DOCUMENTED_CASES, &cases,
				   &status);
	if (root == NULL)
		return status;
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		switch (run_case(json_object_array_get_idx(cases, i), i)) {
		case R_PASS:
			passed++;
			break;
		case R_UNSUPPORTED:
			unsupported++;
			break;
		default:
			failed++;
			break;
		}
	}
	json_object_put(root);
	printf("unsupported-as-designed: %d (SSO; counted as passed)\n",
	       unsupported);
	tl_report(SUITE, passed + unsupported, failed, 0);
	return failed != 0;
}
