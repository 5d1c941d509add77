/* run_profile_parser.c - the cross-SDK profile-file parser tests,
 * shared/conformance/profile-parser/profile-parser-tests.json.
 *
 * Each case's configFile and credentialsFile (an absent one counts as
 * empty) go through acfs_ini_parse into one set, config first.  The merged
 * profiles, and the sso-sessions when the case expects them, are compared
 * with output.config: property keys case-insensitively (the engine and this
 * copy of the data both lower-case them), section names and values byte for
 * byte.  A case with output.errorContaining only needs a parse to fail; the
 * text is Rust's own message and is not compared.  Every other case must
 * parse cleanly.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "ini.h"
#include "profile.h"
#include "testlib.h"

#define SUITE "conformance/profile_parser"
#define DATA "profile-parser/profile-parser-tests.json"
#define DOCUMENTED_CASES 65

static void compare_props(const acfs_section *s, const char *label,
			  json_object *want, tl_diff *d)
{
	char a[256], b[256];
	size_t i;

	if (!json_object_is_type(want, json_type_object)) {
		tl_differ(d, "malformed case: %s '%s' is not an object", label,
			  s->name);
		return;
	}
	json_object_object_foreach(want, key, val) {
		const acfs_prop *p = acfs_section_prop(s, key);
		const char *wv = json_object_get_string(val);
		size_t wl = (size_t)json_object_get_string_len(val);

		if (!json_object_is_type(val, json_type_string)) {
			tl_differ(d, "malformed case: %s '%s' key '%s' is not "
				  "a string", label, s->name, key);
			continue;
		}
		if (p == NULL) {
			tl_differ(d, "%s '%s': key '%s' missing (expected %s)",
				  label, s->name, key,
				  tl_esc(a, sizeof(a), wv, wl));
			continue;
		}
		if (strlen(p->value) != wl || memcmp(p->value, wv, wl) != 0)
			tl_differ(d, "%s '%s': key '%s': expected %s, got %s",
				  label, s->name, key,
				  tl_esc(a, sizeof(a), wv, wl),
				  tl_esc(b, sizeof(b), p->value,
					 strlen(p->value)));
	}
	for (i = 0; i < s->nprops; i++) {
		int found = 0;

		json_object_object_foreach(want, wkey, wval) {
			(void)wval;
			if (strcasecmp(wkey, s->props[i].key) == 0)
				found = 1;
		}
		if (!found)
			tl_differ(d, "%s '%s': unexpected key '%s' = %s", label,
				  s->name, s->props[i].key,
				  tl_esc(a, sizeof(a), s->props[i].value,
				  strlen(s->props[i].value)));
	}
}

/* Compares every section of one kind with the expected object. */
static void compare_kind(const acfs_profiles *set, acfs_section_kind kind,
			 const char *label, json_object *want, tl_diff *d)
{
	const acfs_section *s;
	size_t i;

	if (!json_object_is_type(want, json_type_object)) {
		tl_differ(d, "malformed case: the expected %ss are not an "
			  "object", label);
		return;
	}
	json_object_object_foreach(want, name, props) {
		s = acfs_profiles_get(set, kind, name);
		if (s == NULL) {
			tl_differ(d, "%s '%s' missing", label, name);
			continue;
		}
		compare_props(s, label, props, d);
	}
	for (i = 0; i < acfs_profiles_count(set, kind); i++) {
		s = acfs_profiles_at(set, kind, i);
		if (!json_object_object_get_ex(want, s->name, NULL))
			tl_differ(d, "unexpected %s '%s' (%zu properties)",
				  label, s->name, s->nprops);
	}
}

/* Parses one input file of the case; an absent one is empty. */
static acfs_code parse_input(acfs_profiles *set, acfs_src src,
			     json_object *input, const char *key)
{
	json_object *f;

	if (!json_object_object_get_ex(input, key, &f))
		return acfs_ini_parse(set, src, "", 0);
	return acfs_ini_parse(set, src, json_object_get_string(f),
			      (size_t)json_object_get_string_len(f));
}

/* Runs one case; returns 1 when it passed, printing why when it did not. */
static int run_case(json_object *tc, size_t idx)
{
	json_object *jname, *input, *output, *config, *want, *jerr;
	const char *name = "(unnamed)";
	acfs_profiles *set = NULL;
	acfs_code rc_cfg, rc_cred;
	const acfs_problem *pb;
	tl_diff d;

	memset(&d, 0, sizeof(d));
	if (json_object_object_get_ex(tc, "name", &jname))
		name = json_object_get_string(jname);
	if (!json_object_object_get_ex(tc, "input", &input) ||
	    !json_object_object_get_ex(tc, "output", &output)) {
		tl_differ(&d, "malformed case: no input or output");
		goto out;
	}
	set = acfs_profiles_new();
	if (set == NULL) {
		tl_differ(&d, "out of memory");
		goto out;
	}
	rc_cfg = parse_input(set, ACFS_SRC_CONFIG, input, "configFile");
	rc_cred = parse_input(set, ACFS_SRC_CREDENTIALS, input,
			      "credentialsFile");
	if (rc_cfg == ACFS_E_NOMEM || rc_cred == ACFS_E_NOMEM) {
		tl_differ(&d, "out of memory");
		goto out;
	}
	if (json_object_object_get_ex(output, "errorContaining", &jerr)) {
		if (rc_cfg == ACFS_OK && rc_cred == ACFS_OK)
			tl_differ(&d, "expected a parse error (the SDK says "
				  "\"%s\"), but both files parsed cleanly",
				  json_object_get_string(jerr));
		goto out;
	}
	if (rc_cfg != ACFS_OK || rc_cred != ACFS_OK) {
		pb = acfs_profiles_problem(set, 0);
		tl_differ(&d, "expected a clean parse, got %s from the %s "
			  "file: %s",
			  acfs_strerror(rc_cfg != ACFS_OK ? rc_cfg : rc_cred),
			  rc_cfg != ACFS_OK ? "config" : "credentials",
			  pb ? pb->message : "(no problem recorded)");
		goto out;
	}
	if (!json_object_object_get_ex(output, "config", &config) ||
	    !json_object_object_get_ex(config, "profiles", &want)) {
		tl_differ(&d, "malformed case: no output.config.profiles");
		goto out;
	}
	compare_kind(set, ACFS_SECTION_PROFILE, "profile", want, &d);
	if (json_object_object_get_ex(config, "sso_sessions", &want))
		compare_kind(set, ACFS_SECTION_SSO_SESSION, "sso-session", want,
			     &d);
out:
	acfs_profiles_free(set);
	return tl_diff_passed(&d, idx, name);
}

int main(void)
{
	json_object *root, *tests;
	int passed = 0, failed = 0, status;
	size_t i, n;

	root = tl_conformance_load(SUITE, DATA, "tests", DOCUMENTED_CASES,
				   &tests, &status);
	if (root == NULL)
		return status;
	n = json_object_array_length(tests);
	for (i = 0; i < n; i++) {
		if (run_case(json_object_array_get_idx(tests, i), i))
			passed++;
		else
			failed++;
	}
	json_object_put(root);
	tl_report(SUITE, passed, failed, 0);
	return failed != 0;
}
