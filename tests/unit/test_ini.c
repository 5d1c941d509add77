/* test_ini.c - the config/credentials reader: syntax, merging, and
 * per-line recovery from bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "profile.h"
#include "secret.h"
#include "testlib.h"

#define CFG_PATH "/test/home/.aws/config"
#define CRED_PATH "/test/home/.aws/credentials"

static acfs_profiles *set;

static void setup(void)
{
	set = acfs_profiles_new();
	ck_assert_ptr_nonnull(set);
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CONFIG, CFG_PATH),
			 ACFS_OK);
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CREDENTIALS,
						CRED_PATH), ACFS_OK);
}

static void teardown(void)
{
	acfs_profiles_free(set);
	set = NULL;
}

static acfs_code cfg_n(const char *data, size_t len)
{
	return acfs_ini_parse(set, ACFS_SRC_CONFIG, data, len);
}

static acfs_code cfg(const char *data)
{
	return cfg_n(data, strlen(data));
}

static acfs_code cred(const char *data)
{
	return acfs_ini_parse(set, ACFS_SRC_CREDENTIALS, data, strlen(data));
}

static const acfs_section *prof(const char *name)
{
	return acfs_profiles_get(set, ACFS_SECTION_PROFILE, name);
}

/* The value of key in profile name, or NULL. */
static const char *val(const char *name, const char *key)
{
	return acfs_section_get(prof(name), key);
}

static const acfs_problem *problem(size_t i)
{
	const acfs_problem *p = acfs_profiles_problem(set, i);

	ck_assert_msg(p != NULL, "no problem #%zu (have %zu)", i,
		      acfs_profiles_nproblems(set));
	return p;
}

/* --- syntax --- */

START_TEST(simple_profile)
{
	ck_assert_int_eq(cfg("[profile a]\nregion = us-west-2\n"
			     "output=json\n"), ACFS_OK);
	ck_assert_ptr_nonnull(prof("a"));
	ck_assert_str_eq(val("a", "region"), "us-west-2");
	ck_assert_str_eq(val("a", "output"), "json");
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 0);
	ck_assert_ptr_null(prof("a")->taint);
}
END_TEST

START_TEST(comments)
{
	ck_assert_int_eq(cfg("# leading comment\n"
			     "; another\n"
			     "[profile a] ; note after header\n"
			     "# inside\n"
			     "region = us-east-1 # trailing comment\n"
			     "output = json ; semicolon comment\n"
			     "k1 = value#not-a-comment\n"
			     "k2 = value;not-a-comment\n"
			     "[profile b]# note\n"
			     "x = 1\n"), ACFS_OK);
	ck_assert_str_eq(val("a", "region"), "us-east-1");
	ck_assert_str_eq(val("a", "output"), "json");
	ck_assert_str_eq(val("a", "k1"), "value#not-a-comment");
	ck_assert_str_eq(val("a", "k2"), "value;not-a-comment");
	ck_assert_str_eq(val("b", "x"), "1");
	ck_assert_uint_eq(prof("a")->nprops, 4);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 0);
}
END_TEST

START_TEST(continuations)
{
	ck_assert_int_eq(cfg("[profile a]\n"
			     "long = first\n"
			     "  second\n"
			     "\tthird\n"
			     "next = 2\n"), ACFS_OK);
	ck_assert_str_eq(val("a", "long"), "first\nsecond\nthird");
	ck_assert_str_eq(val("a", "next"), "2");
}
END_TEST

START_TEST(sub_properties)
{
	char out[64];
	const char *raw;

	ck_assert_int_eq(cfg("[profile a]\n"
			     "s3 =\n"
			     "  max_concurrent_requests = 10\n"
			     "  addressing_style=path\n"
			     "region = eu-west-1\n"), ACFS_OK);
	raw = val("a", "s3");
	ck_assert_ptr_nonnull(raw);
	ck_assert_str_eq(raw, "\nmax_concurrent_requests = 10\naddressing_style=path");
	ck_assert_int_eq(acfs_subprop_get(raw, "max_concurrent_requests", out,
					  sizeof(out)), 1);
	ck_assert_str_eq(out, "10");
	ck_assert_int_eq(acfs_subprop_get(raw, "ADDRESSING_STYLE", out,
					  sizeof(out)), 1);
	ck_assert_str_eq(out, "path");
	ck_assert_int_eq(acfs_subprop_get(raw, "missing", out, sizeof(out)), 0);
	ck_assert_str_eq(val("a", "region"), "eu-west-1");
}
END_TEST

START_TEST(sub_property_without_equals_is_a_problem)
{
	ck_assert_int_eq(cfg("[profile a]\n"
			     "s3 =\n"
			     "  no equals sign\n"
			     "[profile b]\nx = 1\n"), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(prof("a")->taint);
	ck_assert_ptr_null(prof("b")->taint);
	ck_assert_uint_eq(problem(0)->line, 3);
}
END_TEST

START_TEST(config_profile_prefix)
{
	/* In a config file [x] is not a profile (only [default] is), and
	 * [profile x] is. */
	ck_assert_int_eq(cfg("[x]\na = 1\n[profile y]\nb = 2\n"), ACFS_OK);
	ck_assert_ptr_null(prof("x"));
	ck_assert_ptr_nonnull(prof("y"));
	ck_assert_ptr_null(prof("profile y"));
	ck_assert_str_eq(val("y", "b"), "2");
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 1);
}
END_TEST

START_TEST(credentials_no_profile_prefix)
{
	/* In a credentials file [x] is profile x and [profile y] is not a
	 * profile at all. */
	ck_assert_int_eq(cred("[x]\na = 1\n[profile y]\nb = 2\n"), ACFS_OK);
	ck_assert_ptr_nonnull(prof("x"));
	ck_assert_str_eq(val("x", "a"), "1");
	ck_assert_ptr_null(prof("y"));
	ck_assert_ptr_null(prof("profile y"));
	/* b = 2 was not attached to x either. */
	ck_assert_ptr_null(val("x", "b"));
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 1);
}
END_TEST

START_TEST(header_whitespace)
{
	ck_assert_int_eq(cfg("[  profile   spaced  ]\nk = v\n"
			     "[profile\ttabbed]\nk = t\n"), ACFS_OK);
	ck_assert_str_eq(val("spaced", "k"), "v");
	ck_assert_str_eq(val("tabbed", "k"), "t");
}
END_TEST

START_TEST(invalid_profile_names_ignored)
{
	ck_assert_int_eq(cfg("[profile a b]\nk = 1\n"
			     "[profile bad!name]\nk = 2\n"
			     "[profile ok]\nk = 3\n"), ACFS_OK);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 1);
	ck_assert_str_eq(val("ok", "k"), "3");
}
END_TEST

START_TEST(default_bare_in_config)
{
	ck_assert_int_eq(cfg("[default]\nregion = us-east-2\n"), ACFS_OK);
	ck_assert_str_eq(val("default", "region"), "us-east-2");
}
END_TEST

START_TEST(default_profile_beats_bare_in_config)
{
	/* [profile default] wins outright: keys only in [default] are
	 * dropped too, wherever the two sections appear. */
	ck_assert_int_eq(cfg("[default]\nregion = bare\nonly_bare = 1\n"
			     "[profile default]\nregion = prefixed\n"), ACFS_OK);
	ck_assert_str_eq(val("default", "region"), "prefixed");
	ck_assert_ptr_null(val("default", "only_bare"));
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 1);
}
END_TEST

START_TEST(default_profile_beats_bare_either_order)
{
	ck_assert_int_eq(cfg("[profile default]\nregion = prefixed\n"
			     "[default]\nregion = bare\nonly_bare = 1\n"), ACFS_OK);
	ck_assert_str_eq(val("default", "region"), "prefixed");
	ck_assert_ptr_null(val("default", "only_bare"));
}
END_TEST

START_TEST(default_in_credentials)
{
	ck_assert_int_eq(cfg("[profile default]\nregion = us-east-1\n"), ACFS_OK);
	ck_assert_int_eq(cred("[default]\naws_access_key_id = AKIDEFAULT\n"),
			 ACFS_OK);
	ck_assert_str_eq(val("default", "region"), "us-east-1");
	ck_assert_str_eq(val("default", "aws_access_key_id"), "AKIDEFAULT");
	/* [profile default] in a credentials file is not a profile. */
	ck_assert_int_eq(cred("[profile default]\nregion = nope\n"), ACFS_OK);
	ck_assert_str_eq(val("default", "region"), "us-east-1");
}
END_TEST

START_TEST(credentials_win_on_merge)
{
	const acfs_prop *p;

	ck_assert_int_eq(cfg("[profile a]\n"
			     "region = us-east-1\n"
			     "aws_access_key_id = FROMCONFIG\n"), ACFS_OK);
	ck_assert_int_eq(cred("[a]\n"
			      "\n"
			      "aws_access_key_id = FROMCREDS\n"
			      "aws_secret_access_key = s\n"), ACFS_OK);
	ck_assert_str_eq(val("a", "aws_access_key_id"), "FROMCREDS");
	ck_assert_str_eq(val("a", "region"), "us-east-1");
	ck_assert_str_eq(val("a", "aws_secret_access_key"), "s");
	p = acfs_section_prop(prof("a"), "aws_access_key_id");
	ck_assert_int_eq(p->src, ACFS_SRC_CREDENTIALS);
	ck_assert_uint_eq(p->line, 3);
	p = acfs_section_prop(prof("a"), "region");
	ck_assert_int_eq(p->src, ACFS_SRC_CONFIG);
	ck_assert_uint_eq(p->line, 2);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 1);
}
END_TEST

START_TEST(later_duplicate_key_wins)
{
	ck_assert_int_eq(cfg("[profile a]\nk = 1\nK = 2\n"
			     "[profile a]\nk = 3\n"), ACFS_OK);
	ck_assert_str_eq(val("a", "k"), "3");
	ck_assert_uint_eq(prof("a")->nprops, 1);
	ck_assert_uint_eq(acfs_section_prop(prof("a"), "k")->line, 5);
}
END_TEST

START_TEST(keys_case_insensitive)
{
	ck_assert_int_eq(cfg("[profile a]\nAWS_Access_Key_ID = AKIA1\n"
			     "Region = eu-central-1\n"), ACFS_OK);
	ck_assert_str_eq(prof("a")->props[0].key, "aws_access_key_id");
	ck_assert_str_eq(val("a", "aws_access_key_id"), "AKIA1");
	ck_assert_str_eq(val("a", "AWS_ACCESS_KEY_ID"), "AKIA1");
	ck_assert_str_eq(val("a", "REGION"), "eu-central-1");
	/* Values keep their case. */
	ck_assert_int_eq(cred("[a]\naws_access_key_id = MiXeD\n"), ACFS_OK);
	ck_assert_str_eq(val("a", "aws_access_key_id"), "MiXeD");
}
END_TEST

START_TEST(profile_names_case_sensitive)
{
	ck_assert_int_eq(cfg("[profile Foo]\nk = upper\n"
			     "[profile foo]\nk = lower\n"), ACFS_OK);
	ck_assert_str_eq(val("Foo", "k"), "upper");
	ck_assert_str_eq(val("foo", "k"), "lower");
	ck_assert_ptr_null(prof("FOO"));
}
END_TEST

START_TEST(crlf)
{
	ck_assert_int_eq(cfg("[profile a]\r\n"
			     "region = us-west-1\r\n"
			     "long = one\r\n"
			     "  two\r\n"
			     "s3 =\r\n"
			     "  addressing_style = virtual\r\n"
			     "\r\n"
			     "[profile b]\r\n"
			     "k=v\r\n"), ACFS_OK);
	ck_assert_str_eq(val("a", "region"), "us-west-1");
	ck_assert_str_eq(val("a", "long"), "one\ntwo");
	ck_assert_str_eq(val("a", "s3"), "\naddressing_style = virtual");
	ck_assert_str_eq(val("b", "k"), "v");
	ck_assert_ptr_null(strchr(val("b", "k"), '\r'));
}
END_TEST

START_TEST(no_final_newline)
{
	ck_assert_int_eq(cfg("[profile a]\nk = last"), ACFS_OK);
	ck_assert_str_eq(val("a", "k"), "last");
}
END_TEST

START_TEST(empty_input)
{
	ck_assert_int_eq(cfg_n("", 0), ACFS_OK);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 0);
}
END_TEST

START_TEST(sso_session_and_services_sections)
{
	const acfs_section *s;

	ck_assert_int_eq(cfg("[sso-session corp]\nsso_region = us-east-1\n"
			     "[services dev]\nsts =\n  endpoint_url = http://localhost:1\n"
			     "[profile a]\nservices = dev\n"), ACFS_OK);
	s = acfs_profiles_get(set, ACFS_SECTION_SSO_SESSION, "corp");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(acfs_section_get(s, "sso_region"), "us-east-1");
	s = acfs_profiles_get(set, ACFS_SECTION_SERVICES, "dev");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(acfs_section_get(s, "sts"),
			 "\nendpoint_url = http://localhost:1");
	/* They are not profiles. */
	ck_assert_ptr_null(prof("corp"));
	ck_assert_ptr_null(prof("dev"));
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 1);
}
END_TEST

START_TEST(first_seen_order)
{
	ck_assert_int_eq(cfg("[profile c]\n[profile a]\n[profile b]\n"
			     "[profile a]\n"), ACFS_OK);
	ck_assert_int_eq(cred("[d]\n[c]\n"), ACFS_OK);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 4);
	ck_assert_str_eq(acfs_profiles_at(set, ACFS_SECTION_PROFILE, 0)->name, "c");
	ck_assert_str_eq(acfs_profiles_at(set, ACFS_SECTION_PROFILE, 1)->name, "a");
	ck_assert_str_eq(acfs_profiles_at(set, ACFS_SECTION_PROFILE, 2)->name, "b");
	ck_assert_str_eq(acfs_profiles_at(set, ACFS_SECTION_PROFILE, 3)->name, "d");
	ck_assert_ptr_null(acfs_profiles_at(set, ACFS_SECTION_PROFILE, 4));
}
END_TEST

START_TEST(identifier_rule)
{
	ck_assert(acfs_ini_identifier_ok("abc-DEF_09/.%@:+", 16));
	ck_assert(!acfs_ini_identifier_ok("", 0));
	ck_assert(!acfs_ini_identifier_ok("a b", 3));
	ck_assert(!acfs_ini_identifier_ok("a!b", 3));
	ck_assert(!acfs_ini_identifier_ok("a\0b", 3));
	ck_assert(!acfs_ini_identifier_ok("caf\xc3\xa9", 5));
	ck_assert(!acfs_ini_identifier_ok("a]", 2));
}
END_TEST

/* --- recovery --- */

START_TEST(bad_line_taints_only_its_profile)
{
	const acfs_problem *p;

	ck_assert_int_eq(cfg("[profile a]\n"
			     "region = us-east-1\n"
			     "[profile b]\n"
			     "region = us-east-1\n"
			     "this line has no equals sign\n"
			     "after = still-read\n"
			     "[profile c]\n"
			     "region = eu-west-1\n"), ACFS_E_SYNTAX);
	ck_assert_ptr_null(prof("a")->taint);
	ck_assert_ptr_nonnull(prof("b")->taint);
	ck_assert_ptr_null(prof("c")->taint);
	ck_assert_str_eq(val("a", "region"), "us-east-1");
	ck_assert_str_eq(val("c", "region"), "eu-west-1");
	ck_assert_str_eq(val("b", "after"), "still-read");
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 1);
	ck_assert_uint_eq(acfs_profiles_problems_dropped(set), 0);
	p = problem(0);
	ck_assert_int_eq(p->src, ACFS_SRC_CONFIG);
	ck_assert_uint_eq(p->line, 5);
	ck_assert_ptr_nonnull(p->profile);
	ck_assert_str_eq(p->profile, "b");
	ck_assert_ptr_nonnull(strstr(p->message, CFG_PATH));
	ck_assert_ptr_nonnull(strstr(p->message, "line 5"));
	ck_assert_ptr_nonnull(strstr(prof("b")->taint, "line 5"));
	ck_assert_ptr_nonnull(strstr(prof("b")->taint, CFG_PATH));
}
END_TEST

START_TEST(taint_keeps_first_problem)
{
	ck_assert_int_eq(cfg("[profile b]\nbad one\nbad two\n"), ACFS_E_SYNTAX);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 2);
	ck_assert_ptr_nonnull(strstr(prof("b")->taint, "line 2"));
	ck_assert_uint_eq(problem(1)->line, 3);
}
END_TEST

START_TEST(problem_in_credentials_names_that_file)
{
	const acfs_problem *p;

	ck_assert_int_eq(cfg("[profile a]\nregion = us-east-1\n"), ACFS_OK);
	ck_assert_int_eq(cred("[a]\naws_access_key_id = A\n= no name\n"
			      "[b]\naws_access_key_id = B\n"), ACFS_E_SYNTAX);
	p = problem(0);
	ck_assert_int_eq(p->src, ACFS_SRC_CREDENTIALS);
	ck_assert_uint_eq(p->line, 3);
	ck_assert_ptr_nonnull(strstr(p->message, CRED_PATH));
	ck_assert_ptr_null(strstr(p->message, CFG_PATH));
	ck_assert_ptr_nonnull(strstr(p->message, "line 3"));
	ck_assert_ptr_nonnull(prof("a")->taint);
	ck_assert_ptr_null(prof("b")->taint);
	ck_assert_str_eq(val("b", "aws_access_key_id"), "B");
}
END_TEST

START_TEST(property_before_any_section)
{
	const acfs_problem *p;

	ck_assert_int_eq(cfg("region = us-east-1\n[profile a]\nk = v\n"),
			 ACFS_E_SYNTAX);
	p = problem(0);
	ck_assert_uint_eq(p->line, 1);
	ck_assert_ptr_null(p->profile);
	ck_assert_ptr_nonnull(strstr(p->message, "line 1"));
	ck_assert_ptr_null(prof("a")->taint);
	ck_assert_str_eq(val("a", "k"), "v");
}
END_TEST

START_TEST(continuation_without_property)
{
	ck_assert_int_eq(cfg("[profile a]\n  dangling\n[profile b]\nk = v\n"),
			 ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(prof("a")->taint);
	ck_assert_ptr_null(prof("b")->taint);
	ck_assert_uint_eq(problem(0)->line, 2);
}
END_TEST

START_TEST(nul_byte_line)
{
	static const char data[] = "[profile a]\n"
				   "region = us-east-1\n"
				   "bad = x\0y\n"
				   "after = 1\n"
				   "[profile b]\n"
				   "region = eu-west-1\n";
	const acfs_problem *p;

	ck_assert_int_eq(cfg_n(data, sizeof(data) - 1), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(prof("a")->taint);
	ck_assert_ptr_null(val("a", "bad"));
	ck_assert_str_eq(val("a", "after"), "1");
	ck_assert_ptr_null(prof("b")->taint);
	ck_assert_str_eq(val("b", "region"), "eu-west-1");
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 1);
	p = problem(0);
	ck_assert_uint_eq(p->line, 3);
	ck_assert_ptr_nonnull(strstr(p->message, "NUL"));
	ck_assert_ptr_nonnull(strstr(p->message, "line 3"));
	ck_assert_ptr_nonnull(strstr(p->message, CFG_PATH));
}
END_TEST

START_TEST(binary_garbage_then_profile)
{
	/* Bytes that are nothing like INI, with NULs, then a good profile:
	 * problems are recorded, nothing crashes, the profile survives. */
	char data[8192];
	size_t i, n = 0;
	unsigned x = 12345;
	static const char good[] = "\n[profile good]\nregion = us-east-1\n";

	for (i = 0; i < 4096; i++) {
		x = x * 1103515245u + 12345u;
		data[n++] = (char)(x >> 16);
	}
	memset(data + n, 0, 64);
	n += 64;
	memcpy(data + n, good, sizeof(good) - 1);
	n += sizeof(good) - 1;
	ck_assert_int_eq(cfg_n(data, n), ACFS_E_SYNTAX);
	ck_assert_uint_gt(acfs_profiles_nproblems(set), 0);
	ck_assert_ptr_nonnull(prof("good"));
	ck_assert_ptr_null(prof("good")->taint);
	ck_assert_str_eq(val("good", "region"), "us-east-1");
}
END_TEST

START_TEST(line_at_limit_is_read)
{
	size_t vlen = ACFS_INI_LINE_MAX - 4;   /* "k = " + value */
	size_t n = 0;
	char *data = malloc(64 + ACFS_INI_LINE_MAX);

	n += (size_t)sprintf(data, "[profile a]\nk = ");
	memset(data + n, 'v', vlen);
	n += vlen;
	data[n++] = '\n';
	ck_assert_int_eq(cfg_n(data, n), ACFS_OK);
	ck_assert_uint_eq(strlen(val("a", "k")), vlen);
	ck_assert_ptr_null(prof("a")->taint);
	free(data);
}
END_TEST

START_TEST(line_over_limit)
{
	size_t vlen = ACFS_INI_LINE_MAX - 3;   /* one byte too many */
	size_t n = 0;
	char *data = malloc(256 + ACFS_INI_LINE_MAX);
	const acfs_problem *p;

	n += (size_t)sprintf(data, "[profile a]\nregion = x\nk = ");
	memset(data + n, 'v', vlen);
	n += vlen;
	n += (size_t)sprintf(data + n, "\nafter = 1\n[profile b]\nregion = y\n");
	ck_assert_int_eq(cfg_n(data, n), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(prof("a")->taint);
	ck_assert_ptr_null(val("a", "k"));
	ck_assert_str_eq(val("a", "after"), "1");
	ck_assert_ptr_null(prof("b")->taint);
	ck_assert_str_eq(val("b", "region"), "y");
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 1);
	p = problem(0);
	ck_assert_uint_eq(p->line, 3);
	ck_assert_ptr_nonnull(strstr(p->message, "line 3"));
	ck_assert_ptr_nonnull(strstr(p->message, "longer than"));
	ck_assert_ptr_nonnull(strstr(p->message, CFG_PATH));
	free(data);
}
END_TEST

START_TEST(huge_line_before_any_profile)
{
	size_t big = 10u * 1024 * 1024, n = 0;
	char *data = malloc(big + 128);

	memset(data, 'x', big);
	n = big;
	n += (size_t)sprintf(data + n, "\n[profile good]\nregion = us-east-1\n");
	ck_assert_int_eq(cfg_n(data, n), ACFS_E_SYNTAX);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 1);
	ck_assert_uint_eq(problem(0)->line, 1);
	ck_assert_ptr_null(prof("good")->taint);
	ck_assert_str_eq(val("good", "region"), "us-east-1");
	free(data);
}
END_TEST

START_TEST(unterminated_section_header)
{
	const acfs_problem *p;

	ck_assert_int_eq(cfg("[profile before]\nregion = a\n"
			     "[profile foo\n"
			     "region = b\n"
			     "[profile good]\n"
			     "region = c\n"), ACFS_E_SYNTAX);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 1);
	p = problem(0);
	ck_assert_uint_eq(p->line, 3);
	ck_assert_ptr_nonnull(strstr(p->message, "line 3"));
	ck_assert_ptr_nonnull(strstr(p->message, "]"));
	ck_assert_ptr_nonnull(strstr(p->message, CFG_PATH));
	/* foo's properties do not leak into the profile before it. */
	ck_assert_ptr_null(prof("before")->taint);
	ck_assert_str_eq(val("before", "region"), "a");
	/* foo, if kept at all, cannot be used. */
	if (prof("foo") != NULL)
		ck_assert_ptr_nonnull(prof("foo")->taint);
	ck_assert_ptr_null(prof("good")->taint);
	ck_assert_str_eq(val("good", "region"), "c");
}
END_TEST

START_TEST(unterminated_header_in_credentials)
{
	ck_assert_int_eq(cred("[first]\naws_access_key_id = 1\n"
			      "[second\naws_access_key_id = 2\n"
			      "[third]\naws_access_key_id = 3\n"), ACFS_E_SYNTAX);
	ck_assert_ptr_null(prof("first")->taint);
	ck_assert_str_eq(val("first", "aws_access_key_id"), "1");
	if (prof("second") != NULL)
		ck_assert_ptr_nonnull(prof("second")->taint);
	ck_assert_str_eq(val("third", "aws_access_key_id"), "3");
	ck_assert_ptr_nonnull(strstr(problem(0)->message, CRED_PATH));
	ck_assert_ptr_nonnull(strstr(problem(0)->message, "line 3"));
}
END_TEST

START_TEST(unterminated_bare_default_taints_default)
{
	ck_assert_int_eq(cfg("[default\nregion = x\n[profile b]\nk = v\n"),
			 ACFS_E_SYNTAX);
	if (prof("default") != NULL)
		ck_assert_ptr_nonnull(prof("default")->taint);
	ck_assert_ptr_null(prof("b")->taint);
}
END_TEST

START_TEST(too_many_problems_are_counted)
{
	acfs_buf b;
	int i;

	acfs_buf_init(&b, 1 << 20);
	ck_assert_int_eq(acfs_buf_add(&b, "[profile bad]\n", 14), ACFS_OK);
	for (i = 0; i < ACFS_MAX_PROBLEMS + 10; i++)
		ck_assert_int_eq(acfs_buf_add(&b, "no equals\n", 10), ACFS_OK);
	ck_assert_int_eq(acfs_buf_add(&b, "[profile good]\nk = v\n", 21), ACFS_OK);
	ck_assert_int_eq(cfg_n(b.data, b.len), ACFS_E_SYNTAX);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), ACFS_MAX_PROBLEMS);
	ck_assert_uint_eq(acfs_profiles_problems_dropped(set), 10);
	ck_assert_uint_eq(problem(ACFS_MAX_PROBLEMS - 1)->line, ACFS_MAX_PROBLEMS + 1);
	ck_assert_ptr_null(acfs_profiles_problem(set, ACFS_MAX_PROBLEMS));
	ck_assert_ptr_nonnull(prof("bad")->taint);
	ck_assert_ptr_null(prof("good")->taint);
	ck_assert_str_eq(val("good", "k"), "v");
	acfs_buf_free(&b);
}
END_TEST

START_TEST(problems_accumulate_across_files)
{
	acfs_buf b;
	int i;

	acfs_buf_init(&b, 1 << 20);
	ck_assert_int_eq(acfs_buf_add(&b, "[x]\n", 4), ACFS_OK);
	for (i = 0; i < ACFS_MAX_PROBLEMS - 1; i++)
		ck_assert_int_eq(acfs_buf_add(&b, "oops\n", 5), ACFS_OK);
	ck_assert_int_eq(cred(b.data), ACFS_E_SYNTAX);
	ck_assert_int_eq(cfg("[profile y]\noops\noops\noops\n"), ACFS_E_SYNTAX);
	ck_assert_uint_eq(acfs_profiles_nproblems(set), ACFS_MAX_PROBLEMS);
	ck_assert_uint_eq(acfs_profiles_problems_dropped(set), 2);
	/* Dropped problems still taint their profile. */
	ck_assert_ptr_nonnull(prof("y")->taint);
	acfs_buf_free(&b);
}
END_TEST

static char *name_of(size_t n, char c)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(long_profile_name)
{
	char *n255 = name_of(255, 'a'), *n256 = name_of(256, 'b');
	char *data = malloc(2048);
	const acfs_problem *p;

	snprintf(data, 2048,
		 "[profile before]\nregion = r0\n"
		 "[profile %s]\nregion = r1\n"
		 "[profile %s]\nregion = r2\nstray = 1\n"
		 "[profile after]\nregion = r3\n", n255, n256);
	ck_assert_int_eq(cfg(data), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(prof(n255));
	ck_assert_str_eq(val(n255, "region"), "r1");
	ck_assert_ptr_null(prof(n256));
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 1);
	p = problem(0);
	ck_assert_uint_eq(p->line, 5);
	ck_assert_ptr_nonnull(strstr(p->message, "255"));
	ck_assert_ptr_nonnull(strstr(p->message, "line 5"));
	/* The ignored section's properties go nowhere. */
	ck_assert_str_eq(val(n255, "region"), "r1");
	ck_assert_ptr_null(val(n255, "stray"));
	ck_assert_ptr_null(prof(n255)->taint);
	ck_assert_str_eq(val("after", "region"), "r3");
	ck_assert_str_eq(val("before", "region"), "r0");
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 3);
	free(n255);
	free(n256);
	free(data);
}
END_TEST

START_TEST(long_profile_name_in_credentials)
{
	char *n300 = name_of(300, 'c');
	char *data = malloc(2048);

	snprintf(data, 2048, "[ok]\nk = 1\n[%s]\nk = 2\n[ok2]\nk = 3\n", n300);
	ck_assert_int_eq(cred(data), ACFS_E_SYNTAX);
	ck_assert_ptr_null(prof(n300));
	ck_assert_str_eq(val("ok", "k"), "1");
	ck_assert_str_eq(val("ok2", "k"), "3");
	ck_assert_uint_eq(problem(0)->line, 3);
	free(n300);
	free(data);
}
END_TEST

START_TEST(message_without_path_names_the_file_kind)
{
	acfs_profiles *bare = acfs_profiles_new();

	ck_assert_int_eq(acfs_ini_parse(bare, ACFS_SRC_CREDENTIALS,
					"[a]\nbad\n", 8), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(acfs_profiles_problem(bare, 0)->message,
				     "credentials"));
	ck_assert_ptr_nonnull(strstr(acfs_profiles_problem(bare, 0)->message,
				     "line 2"));
	acfs_profiles_free(bare);
}
END_TEST

static Suite *ini_suite(void)
{
	Suite *s = suite_create("ini");
	TCase *tc = tcase_create("syntax");
	TCase *tr = tcase_create("recovery");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, simple_profile);
	tcase_add_test(tc, comments);
	tcase_add_test(tc, continuations);
	tcase_add_test(tc, sub_properties);
	tcase_add_test(tc, sub_property_without_equals_is_a_problem);
	tcase_add_test(tc, config_profile_prefix);
	tcase_add_test(tc, credentials_no_profile_prefix);
	tcase_add_test(tc, header_whitespace);
	tcase_add_test(tc, invalid_profile_names_ignored);
	tcase_add_test(tc, default_bare_in_config);
	tcase_add_test(tc, default_profile_beats_bare_in_config);
	tcase_add_test(tc, default_profile_beats_bare_either_order);
	tcase_add_test(tc, default_in_credentials);
	tcase_add_test(tc, credentials_win_on_merge);
	tcase_add_test(tc, later_duplicate_key_wins);
	tcase_add_test(tc, keys_case_insensitive);
	tcase_add_test(tc, profile_names_case_sensitive);
	tcase_add_test(tc, crlf);
	tcase_add_test(tc, no_final_newline);
	tcase_add_test(tc, empty_input);
	tcase_add_test(tc, sso_session_and_services_sections);
	tcase_add_test(tc, first_seen_order);
	tcase_add_test(tc, identifier_rule);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_set_timeout(tr, 30);
	tcase_add_test(tr, bad_line_taints_only_its_profile);
	tcase_add_test(tr, taint_keeps_first_problem);
	tcase_add_test(tr, problem_in_credentials_names_that_file);
	tcase_add_test(tr, property_before_any_section);
	tcase_add_test(tr, continuation_without_property);
	tcase_add_test(tr, nul_byte_line);
	tcase_add_test(tr, binary_garbage_then_profile);
	tcase_add_test(tr, line_at_limit_is_read);
	tcase_add_test(tr, line_over_limit);
	tcase_add_test(tr, huge_line_before_any_profile);
	tcase_add_test(tr, unterminated_section_header);
	tcase_add_test(tr, unterminated_header_in_credentials);
	tcase_add_test(tr, unterminated_bare_default_taints_default);
	tcase_add_test(tr, too_many_problems_are_counted);
	tcase_add_test(tr, problems_accumulate_across_files);
	tcase_add_test(tr, long_profile_name);
	tcase_add_test(tr, long_profile_name_in_credentials);
	tcase_add_test(tr, message_without_path_names_the_file_kind);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	Suite *suite = ini_suite();

	return tl_run_suite(suite, "unit-ini");
}
