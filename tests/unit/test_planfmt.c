/* test_planfmt.c - the text and JSON forms of a plan: they show what a
 * person needs (role ARNs, session names, tag keys) and never a secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "env.h"
#include "ini.h"
#include "plan.h"
#include "planfmt.h"
#include "profile.h"
#include "testlib.h"

#define AKID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
#define TOKEN "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN-0123456789"
#define EXTID "ExternalIdValue-0123456789"
#define PROCSECRET "hunter2-process-password"

static const char config[] =
	"[profile base]\n"
	"aws_access_key_id = " AKID "\n"
	"aws_secret_access_key = " SECRET "\n"
	"aws_session_token = " TOKEN "\n"
	"[profile mid]\n"
	"role_arn = arn:aws:iam::111122223333:role/mid-role\n"
	"source_profile = base\n"
	"role_session_name = mid-session\n"
	"external_id = " EXTID "\n"
	"session_tags = Project=blue, CostCenter=42\n"
	"transitive_session_tags = Project\n"
	"source_identity = alice\n"
	"[profile top]\n"
	"role_arn = arn:aws:iam::444455556666:role/top-role\n"
	"source_profile = mid\n"
	"role_session_name = top-session\n"
	"duration_seconds = 7200\n"
	"region = eu-west-1\n"
	"[profile wi]\n"
	"role_arn = arn:aws:iam::111122223333:role/wi-role\n"
	"web_identity_token_file = /var/run/token\n"
	"role_session_name = wi-session\n"
	"[profile proc]\n"
	"credential_process = /usr/local/bin/creds --password " PROCSECRET "\n"
	"[profile imds]\n"
	"role_arn = arn:aws:iam::111122223333:role/imds-role\n"
	"credential_source = Ec2InstanceMetadata\n";

static acfs_profiles *set;
static acfs_plan *plan;
static acfs_env env;
static acfs_env_table tab;
static const char *const no_env[] = { NULL };
static char *text;
static size_t textlen;

static void setup(void)
{
	set = acfs_profiles_new();
	ck_assert_ptr_nonnull(set);
	ck_assert_int_eq(acfs_ini_parse(set, ACFS_SRC_CONFIG, config,
					sizeof(config) - 1), ACFS_OK);
	tab.pairs = no_env;
	acfs_env_from_table(&env, &tab);
	plan = NULL;
	text = NULL;
}

static void teardown(void)
{
	acfs_plan_free(plan);
	acfs_profiles_free(set);
	free(text);
	plan = NULL;
	set = NULL;
	text = NULL;
}

static void build(const char *profile)
{
	acfs_err e;

	acfs_plan_free(plan);
	plan = NULL;
	ck_assert_msg(acfs_plan_build(set, &env, profile, &plan, &e) == ACFS_OK,
		      "%s", e.msg);
}

/* The text form of the plan, into text. */
static const char *printed(void)
{
	FILE *f;

	free(text);
	text = NULL;
	f = open_memstream(&text, &textlen);
	ck_assert_ptr_nonnull(f);
	acfs_plan_print(plan, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_gt(textlen, 0);
	return text;
}

static struct json_object *json_root;

static const char *as_json(int flags)
{
	json_object_put(json_root);
	json_root = acfs_plan_to_json(plan);
	ck_assert_ptr_nonnull(json_root);
	return json_object_to_json_string_ext(json_root, flags);
}

static void no_secrets(const char *out)
{
	ck_assert_msg(strstr(out, SECRET) == NULL, "secret key in: %s", out);
	ck_assert_msg(strstr(out, TOKEN) == NULL, "session token in: %s", out);
	ck_assert_msg(strstr(out, EXTID) == NULL, "external id in: %s", out);
	ck_assert_msg(strstr(out, PROCSECRET) == NULL, "process args in: %s", out);
	/* Not even a recognisable piece of them. */
	ck_assert_ptr_null(strstr(out, "wJalrXUtnFEMI"));
	ck_assert_ptr_null(strstr(out, "FwoGZXIvYXdz"));
	ck_assert_ptr_null(strstr(out, "ExternalIdValue"));
	/* The access key id only as its prefix. */
	ck_assert_ptr_null(strstr(out, AKID));
}

static void shows(const char *out, const char *want)
{
	ck_assert_msg(strstr(out, want) != NULL, "'%s' missing from: %s", want,
		      out);
}

static void check_all_forms(const char *const *want)
{
	static const int flags[] = { JSON_C_TO_STRING_PLAIN,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE,
		JSON_C_TO_STRING_NOSLASHESCAPE };
	const char *out;
	size_t i, j;

	out = printed();
	no_secrets(out);
	for (j = 0; want[j] != NULL; j++)
		shows(out, want[j]);
	for (i = 0; i < 3; i++) {
		out = as_json(flags[i]);
		no_secrets(out);
		if (flags[i] & JSON_C_TO_STRING_NOSLASHESCAPE)
			for (j = 0; want[j] != NULL; j++)
				shows(out, want[j]);
	}
}

START_TEST(static_hop_hides_keys)
{
	static const char *const want[] = { "base", "AKIA...", "static", NULL };

	build("base");
	check_all_forms(want);
	shows(printed(), "with session token");
}
END_TEST

START_TEST(chain_shows_roles_not_secrets)
{
	static const char *const want[] = {
		"arn:aws:iam::111122223333:role/mid-role",
		"arn:aws:iam::444455556666:role/top-role",
		"mid-session", "top-session", "Project", "CostCenter", "alice",
		"eu-west-1", "AKIA...", NULL,
	};
	const char *out;

	build("top");
	check_all_forms(want);
	out = printed();
	/* Hops in order: base, mid, top. */
	ck_assert_ptr_nonnull(strstr(out, "1. static"));
	ck_assert_ptr_nonnull(strstr(out, "2. assume-role"));
	ck_assert_ptr_nonnull(strstr(out, "3. assume-role"));
	ck_assert(strstr(out, "1. static") < strstr(out, "mid-role"));
	ck_assert(strstr(out, "mid-role") < strstr(out, "top-role"));
	ck_assert(strstr(out, "2. assume-role") < strstr(out, "mid-role"));
	ck_assert(strstr(out, "3. assume-role") < strstr(out, "top-role"));
	ck_assert(strstr(out, "mid-role") < strstr(out, "3. assume-role"));
	/* The external id only as its presence; the chaining cap shown. */
	shows(out, "external id: yes");
	shows(out, "external id: no");
	shows(out, "capped from 7200");
	shows(out, "transitive tag Project");
}
END_TEST

START_TEST(json_structure)
{
	struct json_object *hops, *h, *v, *tags;

	build("top");
	as_json(JSON_C_TO_STRING_PLAIN);
	ck_assert(json_object_object_get_ex(json_root, "profile", &v));
	ck_assert_str_eq(json_object_get_string(v), "top");
	ck_assert(json_object_object_get_ex(json_root, "region", &v));
	ck_assert_str_eq(json_object_get_string(v), "eu-west-1");
	ck_assert(json_object_object_get_ex(json_root, "hops", &hops));
	ck_assert(json_object_is_type(hops, json_type_array));
	ck_assert_uint_eq(json_object_array_length(hops), 3);

	h = json_object_array_get_idx(hops, 0);
	ck_assert(json_object_object_get_ex(h, "type", &v));
	ck_assert_str_eq(json_object_get_string(v), "static");
	ck_assert(json_object_object_get_ex(h, "session_token", &v));
	ck_assert(json_object_is_type(v, json_type_boolean));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(h, "access_key_id_prefix", &v));
	ck_assert_str_eq(json_object_get_string(v), "AKIA...");

	h = json_object_array_get_idx(hops, 1);
	ck_assert(json_object_object_get_ex(h, "type", &v));
	ck_assert_str_eq(json_object_get_string(v), "assume-role");
	ck_assert(json_object_object_get_ex(h, "role_arn", &v));
	ck_assert_str_eq(json_object_get_string(v),
			 "arn:aws:iam::111122223333:role/mid-role");
	ck_assert(json_object_object_get_ex(h, "role_session_name", &v));
	ck_assert_str_eq(json_object_get_string(v), "mid-session");
	ck_assert(json_object_object_get_ex(h, "external_id", &v));
	ck_assert(json_object_is_type(v, json_type_boolean));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(h, "chained", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(h, "session_tags", &tags));
	ck_assert(json_object_object_get_ex(tags, "Project", &v));
	ck_assert_str_eq(json_object_get_string(v), "blue");
	ck_assert(json_object_object_get_ex(tags, "CostCenter", &v));
	ck_assert(json_object_object_get_ex(h, "transitive_session_tags", &v));
	ck_assert_uint_eq(json_object_array_length(v), 1);
	ck_assert(json_object_object_get_ex(h, "source_identity", &v));
	ck_assert_str_eq(json_object_get_string(v), "alice");

	h = json_object_array_get_idx(hops, 2);
	ck_assert(json_object_object_get_ex(h, "chained", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(h, "external_id", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(h, "duration_seconds", &v));
	ck_assert_int_eq(json_object_get_int(v), 3600);
	ck_assert(json_object_object_get_ex(h, "duration_requested", &v));
	ck_assert_int_eq(json_object_get_int(v), 7200);
	ck_assert(json_object_object_get_ex(h, "duration_capped", &v));
	ck_assert(json_object_get_boolean(v));
}
END_TEST

START_TEST(json_round_trips)
{
	struct json_object *back;
	const char *out;

	build("top");
	out = as_json(JSON_C_TO_STRING_PRETTY);
	back = json_tokener_parse(out);
	ck_assert_ptr_nonnull(back);
	ck_assert(json_object_equal(back, json_root));
	json_object_put(back);
}
END_TEST

START_TEST(web_identity_form)
{
	static const char *const want[] = { "web-identity", "wi-role",
		"wi-session", "/var/run/token", NULL };

	build("wi");
	check_all_forms(want);
}
END_TEST

START_TEST(process_shows_command_name_only)
{
	static const char *const want[] = { "/usr/local/bin/creds", "process",
		NULL };
	const char *out;

	build("proc");
	check_all_forms(want);
	out = printed();
	ck_assert_ptr_null(strstr(out, "--password"));
	out = as_json(JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_ptr_null(strstr(out, "--password"));
}
END_TEST

START_TEST(imds_form)
{
	static const char *const want[] = { "imds", "imds-role", NULL };

	build("imds");
	check_all_forms(want);
}
END_TEST

START_TEST(environment_hop_form)
{
	static const char *const pairs[] = {
		"AWS_ROLE_ARN", "arn:aws:iam::1:role/env-role",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "/t", NULL,
	};
	struct json_object *hops, *v;
	acfs_err e;

	tab.pairs = pairs;
	ck_assert_int_eq(acfs_plan_build(NULL, &env, "default", &plan, &e), ACFS_OK);
	shows(printed(), "the environment");
	shows(printed(), "env-role");
	as_json(JSON_C_TO_STRING_PLAIN);
	ck_assert(json_object_object_get_ex(json_root, "hops", &hops));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(hops, 0),
					    "from_environment", &v));
	ck_assert(json_object_get_boolean(v));
	/* No region: the text says where STS calls go. */
	shows(printed(), "region: (none");
	ck_assert(!json_object_object_get_ex(json_root, "region", &v));
}
END_TEST

START_TEST(endpoint_and_ca_bundle_shown)
{
	static const char *const pairs[] = {
		"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566/sts",
		"AWS_CA_BUNDLE", "/etc/ca.pem", NULL,
	};
	struct json_object *v;

	tab.pairs = pairs;
	build("base");
	shows(printed(), "http://127.0.0.1:4566/sts");
	shows(printed(), "/etc/ca.pem");
	as_json(JSON_C_TO_STRING_PLAIN);
	ck_assert(json_object_object_get_ex(json_root, "sts_endpoint_url", &v));
	ck_assert_str_eq(json_object_get_string(v), "http://127.0.0.1:4566/sts");
	ck_assert(json_object_object_get_ex(json_root, "ca_bundle", &v));
	ck_assert_str_eq(json_object_get_string(v), "/etc/ca.pem");
}
END_TEST

/* Whether s is well-formed UTF-8 (no overlongs, no surrogates). */
static int utf8_ok(const unsigned char *s)
{
	while (*s != '\0') {
		unsigned c = *s++, n, cp, i;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		for (i = 0; i < n; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*s & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
	}
	return 1;
}

START_TEST(json_is_utf8_for_any_path)
{
	/* A Linux path is any bytes; JSON (RFC 8259) must be UTF-8, so a
	 * token file named in Latin-1 must not make --plan --json invalid. */
	static const char cfg[] =
		"[profile latin1]\n"
		"role_arn = arn:aws:iam::1:role/r\n"
		"web_identity_token_file = /var/run/caf\xe9/token\n";
	struct json_object *back;
	const char *out;

	ck_assert_int_eq(acfs_ini_parse(set, ACFS_SRC_CONFIG, cfg,
					sizeof(cfg) - 1), ACFS_OK);
	build("latin1");
	out = as_json(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_msg(utf8_ok((const unsigned char *)out),
		      "JSON output is not UTF-8: %s", out);
	back = json_tokener_parse(out);
	ck_assert_ptr_nonnull(back);
	json_object_put(back);
}
END_TEST

START_TEST(akid_prefix)
{
	char out[16];

	acfs_akid_prefix(AKID, out, sizeof(out));
	ck_assert_str_eq(out, "AKIA...");
	acfs_akid_prefix("AB", out, sizeof(out));
	ck_assert_str_eq(out, "AB...");
	acfs_akid_prefix(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "...");
	acfs_akid_prefix(AKID, out, 4);
	ck_assert_str_eq(out, "AKI");
}
END_TEST

START_TEST(command_name_len)
{
	char *longcmd = malloc(400);

	ck_assert_int_eq(acfs_command_name_len("/bin/creds --secret x"), 10);
	ck_assert_int_eq(acfs_command_name_len("creds\t--x"), 5);
	ck_assert_int_eq(acfs_command_name_len("creds"), 5);
	ck_assert_int_eq(acfs_command_name_len(""), 0);
	/* An assignment's value may be a secret. */
	ck_assert_int_eq(acfs_command_name_len("TOKEN=s3cr3t /bin/creds"), 6);
	memset(longcmd, 'a', 399);
	longcmd[399] = '\0';
	ck_assert_int_eq(acfs_command_name_len(longcmd), 256);
	free(longcmd);
}
END_TEST

static void json_teardown(void)
{
	json_object_put(json_root);
	json_root = NULL;
	teardown();
}

static Suite *planfmt_suite(void)
{
	Suite *s = suite_create("planfmt");
	TCase *tc = tcase_create("forms");
	TCase *th = tcase_create("helpers");

	tcase_add_checked_fixture(tc, setup, json_teardown);
	tcase_add_test(tc, static_hop_hides_keys);
	tcase_add_test(tc, chain_shows_roles_not_secrets);
	tcase_add_test(tc, json_structure);
	tcase_add_test(tc, json_round_trips);
	tcase_add_test(tc, web_identity_form);
	tcase_add_test(tc, process_shows_command_name_only);
	tcase_add_test(tc, imds_form);
	tcase_add_test(tc, environment_hop_form);
	tcase_add_test(tc, endpoint_and_ca_bundle_shown);
	tcase_add_test(tc, json_is_utf8_for_any_path);
	suite_add_tcase(s, tc);

	tcase_add_test(th, akid_prefix);
	tcase_add_test(th, command_name_len);
	suite_add_tcase(s, th);
	return s;
}

int main(void)
{
	Suite *suite = planfmt_suite();

	return tl_run_suite(suite, "unit-planfmt");
}
