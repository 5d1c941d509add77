/* test_plan.c - the chain planner: every kind of hop, the chain rules,
 * parameter validation, and the client settings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "hopcache.h"
#include "ini.h"
#include "plan.h"
#include "profile.h"
#include "testlib.h"

#define CFG_PATH "/home/t/.aws/config"
#define CRED_PATH "/home/t/.aws/credentials"

static acfs_profiles *set;
static acfs_env_table envtab;
static acfs_env env;
static acfs_plan *plan;
static acfs_err err;

static const char *const no_env[] = { NULL };

static void setup(void)
{
	set = acfs_profiles_new();
	ck_assert_ptr_nonnull(set);
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CONFIG, CFG_PATH),
			 ACFS_OK);
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CREDENTIALS,
						CRED_PATH), ACFS_OK);
	envtab.pairs = no_env;
	acfs_env_from_table(&env, &envtab);
	plan = NULL;
	acfs_err_clear(&err);
}

static void teardown(void)
{
	acfs_plan_free(plan);
	plan = NULL;
	acfs_profiles_free(set);
	set = NULL;
}

static void cfg(const char *data)
{
	ck_assert_int_eq(acfs_ini_parse(set, ACFS_SRC_CONFIG, data, strlen(data)),
			 ACFS_OK);
}

static void cred(const char *data)
{
	ck_assert_int_eq(acfs_ini_parse(set, ACFS_SRC_CREDENTIALS, data,
					strlen(data)), ACFS_OK);
}

static void use_env(const char *const *pairs)
{
	envtab.pairs = pairs;
}

static acfs_code build(const char *profile)
{
	acfs_plan_free(plan);
	plan = NULL;
	return acfs_plan_build(set, &env, profile, &plan, &err);
}

/* Builds and expects success with nhops hops. */
static void ok(const char *profile, size_t nhops)
{
	acfs_code rc = build(profile);

	ck_assert_msg(rc == ACFS_OK, "plan '%s' failed (%s): %s", profile,
		      acfs_strerror(rc), err.msg);
	ck_assert_ptr_nonnull(plan);
	ck_assert_str_eq(plan->profile, profile);
	ck_assert_uint_eq(plan->nhops, nhops);
}

/* Builds and expects code, with each of the NULL-terminated strings in
 * the message. */
static void fails(const char *profile, acfs_code code, ...)
{
	acfs_code rc = build(profile);
	va_list ap;
	const char *want;

	ck_assert_msg(rc == code, "plan '%s': got %s (%s), want %s", profile,
		      acfs_strerror(rc), err.msg, acfs_strerror(code));
	ck_assert_ptr_null(plan);
	ck_assert_int_eq(err.code, code);
	va_start(ap, code);
	while ((want = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(err.msg, want) != NULL,
			      "message '%s' lacks '%s'", err.msg, want);
	va_end(ap);
}

static const acfs_hop *hop(size_t i)
{
	ck_assert_uint_lt(i, plan->nhops);
	return &plan->hops[i];
}

#define STATIC_B "aws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n"

/* --- base hops --- */

START_TEST(static_keys)
{
	cred("[s]\naws_access_key_id = AKIASTATIC\n"
	     "aws_secret_access_key = static-secret\n"
	     "aws_session_token = static-token\n"
	     "aws_account_id = 123456789012\n");
	ok("s", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_STATIC);
	ck_assert_str_eq(hop(0)->profile, "s");
	ck_assert_str_eq(hop(0)->access_key_id, "AKIASTATIC");
	ck_assert_str_eq(hop(0)->secret_access_key, "static-secret");
	ck_assert_str_eq(hop(0)->session_token, "static-token");
	ck_assert_str_eq(hop(0)->account_id, "123456789012");
	ck_assert_ptr_null(hop(0)->role_arn);
}
END_TEST

START_TEST(static_keys_partial)
{
	cred("[s]\naws_access_key_id = AKIASTATIC\n");
	fails("s", ACFS_E_CONFIG, "'s'", "aws_secret_access_key", CRED_PATH,
	      "line 2", NULL);
	cred("[t]\n\naws_secret_access_key = x\n");
	fails("t", ACFS_E_CONFIG, "aws_access_key_id", "line 3", NULL);
}
END_TEST

START_TEST(no_credentials_at_all)
{
	cfg("[profile empty]\nregion = us-east-1\n");
	fails("empty", ACFS_E_CONFIG, "'empty'", "credential", NULL);
}
END_TEST

START_TEST(credential_process)
{
	cfg("[profile p]\ncredential_process = /usr/bin/get-creds --arg secret\n");
	ok("p", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_PROCESS);
	ck_assert_str_eq(hop(0)->credential_process,
			 "/usr/bin/get-creds --arg secret");
}
END_TEST

START_TEST(static_beats_credential_process)
{
	cfg("[profile p]\ncredential_process = /bin/false\n");
	cred("[p]\n" STATIC_B);
	ok("p", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_STATIC);
}
END_TEST

START_TEST(web_identity)
{
	cfg("[profile w]\n"
	    "web_identity_token_file = /var/run/token\n"
	    "role_arn = arn:aws:iam::111122223333:role/w\n"
	    "role_session_name = my-session\n"
	    "duration_seconds = 7200\n");
	ok("w", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_WEB_IDENTITY);
	ck_assert_str_eq(hop(0)->profile, "w");
	ck_assert_str_eq(hop(0)->role_arn, "arn:aws:iam::111122223333:role/w");
	ck_assert_str_eq(hop(0)->web_identity_token_file, "/var/run/token");
	ck_assert_str_eq(hop(0)->role_session_name, "my-session");
	/* The first hop is never chained: no cap. */
	ck_assert_int_eq(hop(0)->duration_seconds, 7200);
	ck_assert_int_eq(hop(0)->duration_capped, 0);
}
END_TEST

START_TEST(web_identity_needs_role_arn)
{
	cfg("[profile w]\nweb_identity_token_file = /var/run/token\n");
	fails("w", ACFS_E_CONFIG, "'w'", "role_arn", CFG_PATH, "line 2", NULL);
}
END_TEST

START_TEST(web_identity_empty_token_file)
{
	cfg("[profile w]\nrole_arn = arn:aws:iam::1:role/w\n"
	    "web_identity_token_file =\n");
	fails("w", ACFS_E_CONFIG, "web_identity_token_file", NULL);
}
END_TEST

START_TEST(credential_sources)
{
	static const struct {
		const char *name;
		acfs_hop_kind kind;
	} cases[] = {
		{ "Environment", ACFS_HOP_ENVIRONMENT },
		{ "EcsContainer", ACFS_HOP_CONTAINER },
		{ "Ec2InstanceMetadata", ACFS_HOP_IMDS },
	};
	char buf[256];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "[profile cs%zu]\n"
			 "role_arn = arn:aws:iam::1:role/r%zu\n"
			 "credential_source = %s\n", i, i, cases[i].name);
		cfg(buf);
		snprintf(buf, sizeof(buf), "cs%zu", i);
		ok(buf, 2);
		ck_assert_int_eq(hop(0)->kind, cases[i].kind);
		ck_assert_str_eq(hop(0)->profile, buf);
		ck_assert_int_eq(hop(1)->kind, ACFS_HOP_ASSUME_ROLE);
	}
}
END_TEST

START_TEST(unknown_credential_source)
{
	cfg("[profile r]\nrole_arn = arn:aws:iam::1:role/r\n"
	    "credential_source = Ec2Metadata\n");
	fails("r", ACFS_E_CONFIG, "'r'", "Ec2Metadata", "credential_source",
	      CFG_PATH, "line 3", NULL);
}
END_TEST

START_TEST(sso_unsupported)
{
	static const char *const keys[] = { "sso_session", "sso_start_url",
		"sso_account_id", "sso_role_name", "sso_region", NULL };
	char buf[256], name[32];
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		snprintf(name, sizeof(name), "sso%zu", i);
		snprintf(buf, sizeof(buf), "[profile %s]\n%s = x\n", name, keys[i]);
		cfg(buf);
		fails(name, ACFS_E_UNSUPPORTED, keys[i], name, CFG_PATH, NULL);
	}
}
END_TEST

START_TEST(sso_as_source_unsupported)
{
	cfg("[profile top]\nrole_arn = arn:aws:iam::1:role/top\n"
	    "source_profile = sso\n"
	    "[profile sso]\nsso_session = corp\nsso_account_id = 1\n"
	    "[sso-session corp]\nsso_start_url = https://x\n");
	fails("top", ACFS_E_UNSUPPORTED, "sso_", "'sso'", NULL);
}
END_TEST

START_TEST(mfa_unsupported)
{
	cfg("[profile m]\nrole_arn = arn:aws:iam::1:role/m\n"
	    "source_profile = base\n"
	    "mfa_serial = arn:aws:iam::1:mfa/me\n"
	    "[profile base]\n" STATIC_B);
	fails("m", ACFS_E_UNSUPPORTED, "mfa_serial", "'m'", CFG_PATH, "line 4",
	      NULL);
}
END_TEST

/* --- chains --- */

static void irsa_seed(void)
{
	cfg("[profile account_b_role]\n"
	    "source_profile = account_a_role\n"
	    "role_arn = arn:aws:iam::444455556666:role/account-b-role\n"
	    "\n"
	    "[profile account_a_role]\n"
	    "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
	    "role_arn = arn:aws:iam::111122223333:role/account-a-role\n");
}

START_TEST(irsa_chain)
{
	irsa_seed();
	ok("account_b_role", 2);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_WEB_IDENTITY);
	ck_assert_str_eq(hop(0)->profile, "account_a_role");
	ck_assert_str_eq(hop(0)->role_arn,
			 "arn:aws:iam::111122223333:role/account-a-role");
	ck_assert_str_eq(hop(0)->web_identity_token_file,
			 "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
	ck_assert_int_eq(hop(1)->kind, ACFS_HOP_ASSUME_ROLE);
	ck_assert_str_eq(hop(1)->profile, "account_b_role");
	ck_assert_str_eq(hop(1)->role_arn,
			 "arn:aws:iam::444455556666:role/account-b-role");
	ck_assert_ptr_null(hop(1)->external_id);
	ck_assert(!acfs_plan_hop_is_chained(plan, 0));
	ck_assert(acfs_plan_hop_is_chained(plan, 1));
	/* The source profile on its own is one hop. */
	ok("account_a_role", 1);
}
END_TEST

START_TEST(assume_role_depth_3)
{
	cfg("[profile top]\nrole_arn = arn:aws:iam::3:role/top\n"
	    "source_profile = mid\nrole_session_name = top-sess\n"
	    "[profile mid]\nrole_arn = arn:aws:iam::2:role/mid\n"
	    "source_profile = low\n"
	    "[profile low]\nrole_arn = arn:aws:iam::1:role/low\n"
	    "source_profile = base\n");
	cred("[base]\n" STATIC_B);
	ok("top", 4);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_STATIC);
	ck_assert_str_eq(hop(0)->profile, "base");
	ck_assert_str_eq(hop(1)->role_arn, "arn:aws:iam::1:role/low");
	ck_assert_str_eq(hop(2)->role_arn, "arn:aws:iam::2:role/mid");
	ck_assert_str_eq(hop(3)->role_arn, "arn:aws:iam::3:role/top");
	ck_assert_str_eq(hop(3)->role_session_name, "top-sess");
	ck_assert_ptr_null(hop(2)->role_session_name);
	ck_assert_int_eq(hop(1)->kind, ACFS_HOP_ASSUME_ROLE);
	ck_assert_int_eq(hop(2)->kind, ACFS_HOP_ASSUME_ROLE);
	ck_assert_int_eq(hop(3)->kind, ACFS_HOP_ASSUME_ROLE);
	ck_assert(!acfs_plan_hop_is_chained(plan, 1));   /* from long-term keys */
	ck_assert(acfs_plan_hop_is_chained(plan, 2));
	ck_assert(acfs_plan_hop_is_chained(plan, 3));
	ck_assert(!acfs_plan_hop_is_chained(plan, 4));   /* out of range */
}
END_TEST

START_TEST(selected_role_beats_its_own_static_keys)
{
	cfg("[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n");
	cred("[r]\naws_access_key_id = AKIAOWN\naws_secret_access_key = own\n"
	     "[base]\n" STATIC_B);
	ok("r", 2);
	ck_assert_str_eq(hop(0)->profile, "base");
	ck_assert_str_eq(hop(0)->access_key_id, "AKIABASE");
	ck_assert_str_eq(hop(1)->profile, "r");
}
END_TEST

START_TEST(static_keys_end_chain_in_source)
{
	cfg("[profile top]\nrole_arn = arn:aws:iam::2:role/top\nsource_profile = mid\n"
	    "[profile mid]\nrole_arn = arn:aws:iam::1:role/mid\n"
	    "source_profile = nonexistent\n");
	cred("[mid]\naws_access_key_id = AKIAMID\naws_secret_access_key = mid\n");
	ok("top", 2);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_STATIC);
	ck_assert_str_eq(hop(0)->profile, "mid");
	ck_assert_str_eq(hop(1)->role_arn, "arn:aws:iam::2:role/top");
}
END_TEST

START_TEST(self_reference_with_static_keys)
{
	cfg("[profile self]\nrole_arn = arn:aws:iam::1:role/self\n"
	    "source_profile = self\n");
	cred("[self]\naws_access_key_id = AKIASELF\naws_secret_access_key = s\n");
	ok("self", 2);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_STATIC);
	ck_assert_str_eq(hop(0)->profile, "self");
	ck_assert_str_eq(hop(0)->access_key_id, "AKIASELF");
	ck_assert_int_eq(hop(1)->kind, ACFS_HOP_ASSUME_ROLE);
	ck_assert_str_eq(hop(1)->role_arn, "arn:aws:iam::1:role/self");
}
END_TEST

START_TEST(self_reference_via_chain_with_static_keys)
{
	cfg("[profile top]\nrole_arn = arn:aws:iam::2:role/top\nsource_profile = self\n"
	    "[profile self]\nrole_arn = arn:aws:iam::1:role/self\n"
	    "source_profile = self\n");
	cred("[self]\naws_access_key_id = AKIASELF\naws_secret_access_key = s\n");
	ok("top", 2);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_STATIC);
	ck_assert_str_eq(hop(1)->profile, "top");
}
END_TEST

START_TEST(self_reference_without_static_keys)
{
	cfg("[profile self]\nrole_arn = arn:aws:iam::1:role/self\n"
	    "source_profile = self\n");
	fails("self", ACFS_E_CONFIG, "'self'", "itself", CFG_PATH, "line 3", NULL);
}
END_TEST

START_TEST(cycle_two)
{
	cfg("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
	    "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
	fails("a", ACFS_E_CYCLE, "a -> b -> a", NULL);
	fails("b", ACFS_E_CYCLE, "b -> a -> b", NULL);
}
END_TEST

START_TEST(cycle_three_entered_from_outside)
{
	cfg("[profile x]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = a\n"
	    "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
	    "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n"
	    "[profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n");
	fails("x", ACFS_E_CYCLE, "a -> b -> c -> a", NULL);
}
END_TEST

START_TEST(missing_source_profile)
{
	cfg("[profile a]\nrole_arn = arn:aws:iam::1:role/a\n"
	    "source_profile = nothere\n");
	fails("a", ACFS_E_NOTFOUND, "'nothere'", "'a'", CFG_PATH, "line 3", NULL);
}
END_TEST

START_TEST(missing_source_profile_in_credentials_file)
{
	cred("[a]\nrole_arn = arn:aws:iam::1:role/a\n\nsource_profile = gone\n");
	fails("a", ACFS_E_NOTFOUND, "'gone'", CRED_PATH, "line 4", NULL);
}
END_TEST

START_TEST(both_source_profile_and_credential_source)
{
	cfg("[profile a]\nrole_arn = arn:aws:iam::1:role/a\n"
	    "source_profile = base\ncredential_source = Environment\n"
	    "[profile base]\n" STATIC_B);
	fails("a", ACFS_E_CONFIG, "'a'", "source_profile", "credential_source",
	      CFG_PATH, NULL);
}
END_TEST

START_TEST(role_without_source)
{
	cfg("[profile a]\nregion = us-east-1\nrole_arn = arn:aws:iam::1:role/a\n");
	fails("a", ACFS_E_CONFIG, "'a'", "source_profile", CFG_PATH, "line 3",
	      NULL);
}
END_TEST

START_TEST(role_arn_not_an_arn)
{
	cfg("[profile a]\nrole_arn = my-role\nsource_profile = base\n"
	    "[profile base]\n" STATIC_B);
	fails("a", ACFS_E_CONFIG, "'a'", "my-role", "line 2", NULL);
}
END_TEST

START_TEST(bad_role_session_name)
{
	cfg("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = base\n"
	    "role_session_name = has space\n"
	    "[profile base]\n" STATIC_B);
	fails("a", ACFS_E_CONFIG, "role_session_name", "line 4", NULL);
}
END_TEST

START_TEST(external_id)
{
	cfg("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = base\n"
	    "external_id = ext-id-12345\n"
	    "[profile bad]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = base\n"
	    "external_id = x\n"
	    "[profile base]\n" STATIC_B);
	ok("a", 2);
	ck_assert_str_eq(hop(1)->external_id, "ext-id-12345");
	fails("bad", ACFS_E_CONFIG, "external_id", "line 8", NULL);
	/* The message must not contain the value. */
	ck_assert_ptr_null(strstr(err.msg, "= x"));
}
END_TEST

START_TEST(tainted_profile_cannot_be_planned)
{
	static const char data[] =
		"[profile bad]\n" STATIC_B "garbage line\n"
		"[profile top]\nrole_arn = arn:aws:iam::1:role/t\nsource_profile = bad\n"
		"[profile good]\n" STATIC_B;

	ck_assert_int_eq(acfs_ini_parse(set, ACFS_SRC_CONFIG, data,
					sizeof(data) - 1), ACFS_E_SYNTAX);
	fails("bad", ACFS_E_SYNTAX, "'bad'", CFG_PATH, "line 4", NULL);
	fails("top", ACFS_E_SYNTAX, "'bad'", "line 4", NULL);
	ok("good", 1);
}
END_TEST

START_TEST(profile_not_found)
{
	cfg("[profile a]\n" STATIC_B);
	fails("zzz", ACFS_E_NOTFOUND, "'zzz'", CFG_PATH, CRED_PATH, NULL);
}
END_TEST

START_TEST(no_profiles_at_all)
{
	fails("default", ACFS_E_NOTFOUND, "'default'", NULL);
	acfs_plan_free(plan);
	plan = NULL;
	ck_assert_int_eq(acfs_plan_build(NULL, &env, "x", &plan, &err),
			 ACFS_E_NOTFOUND);
	ck_assert_ptr_null(plan);
}
END_TEST

START_TEST(very_long_chain_is_refused)
{
	char buf[256];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(buf, sizeof(buf), "[profile p%d]\n"
			 "role_arn = arn:aws:iam::1:role/p%d\n"
			 "source_profile = p%d\n", i, i, i + 1);
		cfg(buf);
	}
	cfg("[profile p40]\n" STATIC_B);
	fails("p0", ACFS_E_CONFIG, "longer than", NULL);
	ok("p20", 21);
}
END_TEST

/* --- duration --- */

START_TEST(duration_validation)
{
	static const char *const bad[] = { "899", "43201", "abc", "3600s", "",
		"-1000", "99999999999999999999", " 1000x", NULL };
	static const char *const good[] = { "900", "43200", "3600", NULL };
	char buf[256];
	size_t i;

	cred("[base]\n" STATIC_B);
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(buf, sizeof(buf), "[profile bad%zu]\n"
			 "role_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
			 "duration_seconds = %s\n", i, bad[i]);
		cfg(buf);
		snprintf(buf, sizeof(buf), "bad%zu", i);
		fails(buf, ACFS_E_CONFIG, "duration_seconds", buf, CFG_PATH, NULL);
	}
	for (i = 0; good[i] != NULL; i++) {
		snprintf(buf, sizeof(buf), "[profile good%zu]\n"
			 "role_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
			 "duration_seconds = %s\n", i, good[i]);
		cfg(buf);
		snprintf(buf, sizeof(buf), "good%zu", i);
		ok(buf, 2);
		ck_assert_int_eq(hop(1)->duration_seconds, atoi(good[i]));
		ck_assert_int_eq(hop(1)->duration_capped, 0);
	}
}
END_TEST

START_TEST(duration_unset_is_zero)
{
	irsa_seed();
	ok("account_b_role", 2);
	ck_assert_int_eq(hop(1)->duration_seconds, 0);
	ck_assert_int_eq(hop(1)->duration_requested, 0);
	ck_assert_int_eq(hop(1)->duration_capped, 0);
}
END_TEST

START_TEST(duration_chaining_cap)
{
	cfg("[profile b]\nrole_arn = arn:aws:iam::2:role/b\nsource_profile = a\n"
	    "duration_seconds = 7200\n"
	    "[profile a]\nrole_arn = arn:aws:iam::1:role/a\n"
	    "web_identity_token_file = /t\n");
	ok("b", 2);
	ck_assert_int_eq(hop(1)->duration_seconds, ACFS_CHAINED_DURATION_MAX);
	ck_assert_int_eq(hop(1)->duration_requested, 7200);
	ck_assert_int_eq(hop(1)->duration_capped, 1);
}
END_TEST

START_TEST(duration_cap_only_when_chained)
{
	cfg("[profile top]\nrole_arn = arn:aws:iam::2:role/top\nsource_profile = first\n"
	    "duration_seconds = 5000\n"
	    "[profile first]\nrole_arn = arn:aws:iam::1:role/first\n"
	    "source_profile = base\nduration_seconds = 43200\n"
	    "[profile at]\nrole_arn = arn:aws:iam::1:role/at\nsource_profile = first\n"
	    "duration_seconds = 3600\n"
	    "[profile base]\n" STATIC_B);
	ok("top", 3);
	/* From long-term keys: not chained, not capped. */
	ck_assert_int_eq(hop(1)->duration_seconds, 43200);
	ck_assert_int_eq(hop(1)->duration_capped, 0);
	ck_assert_int_eq(hop(2)->duration_seconds, 3600);
	ck_assert_int_eq(hop(2)->duration_requested, 5000);
	ck_assert_int_eq(hop(2)->duration_capped, 1);
	/* Exactly the cap is not "capped". */
	ok("at", 3);
	ck_assert_int_eq(hop(2)->duration_seconds, 3600);
	ck_assert_int_eq(hop(2)->duration_capped, 0);
}
END_TEST

START_TEST(duration_cap_from_instance_role)
{
	cfg("[profile r]\nrole_arn = arn:aws:iam::1:role/r\n"
	    "credential_source = Ec2InstanceMetadata\nduration_seconds = 7200\n"
	    "[profile e]\nrole_arn = arn:aws:iam::1:role/r\n"
	    "credential_source = Environment\nduration_seconds = 7200\n");
	ok("r", 2);
	ck_assert_int_eq(hop(1)->duration_seconds, 3600);
	ck_assert_int_eq(hop(1)->duration_capped, 1);
	ok("e", 2);
	ck_assert_int_eq(hop(1)->duration_seconds, 7200);
	ck_assert_int_eq(hop(1)->duration_capped, 0);
}
END_TEST

/* --- session tags and source identity --- */

static void tagged(const char *name, const char *extra)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "[profile %s]\n"
		 "role_arn = arn:aws:iam::1:role/%s\nsource_profile = base\n%s\n",
		 name, name, extra);
	cfg(buf);
}

START_TEST(session_tags_parsed)
{
	cred("[base]\n" STATIC_B);
	tagged("t", "session_tags = Project=blue , Team = infra,Empty=,,\n"
		    "transitive_session_tags = project, Team\n"
		    "source_identity = alice@example.com");
	ok("t", 2);
	ck_assert_uint_eq(hop(1)->ntags, 3);
	ck_assert_str_eq(hop(1)->tags[0].key, "Project");
	ck_assert_str_eq(hop(1)->tags[0].value, "blue");
	ck_assert_str_eq(hop(1)->tags[1].key, "Team");
	ck_assert_str_eq(hop(1)->tags[1].value, "infra");
	ck_assert_str_eq(hop(1)->tags[2].key, "Empty");
	ck_assert_str_eq(hop(1)->tags[2].value, "");
	ck_assert_uint_eq(hop(1)->ntransitive, 2);
	ck_assert_str_eq(hop(1)->transitive_keys[0], "project");
	ck_assert_str_eq(hop(1)->transitive_keys[1], "Team");
	ck_assert_str_eq(hop(1)->source_identity, "alice@example.com");
}
END_TEST

START_TEST(session_tag_value_may_hold_equals_and_unicode)
{
	cred("[base]\n" STATIC_B);
	tagged("t", "session_tags = expr=a=b, city=M\xc3\xbcnchen, path=/x/y:z+@");
	ok("t", 2);
	ck_assert_uint_eq(hop(1)->ntags, 3);
	ck_assert_str_eq(hop(1)->tags[0].value, "a=b");
	ck_assert_str_eq(hop(1)->tags[1].value, "M\xc3\xbcnchen");
	ck_assert_str_eq(hop(1)->tags[2].value, "/x/y:z+@");
}
END_TEST

START_TEST(session_tags_bad)
{
	static const char *const bad[] = {
		"session_tags = a=1,novalue",
		"session_tags = k!=v",
		"session_tags = k=v;x",
		"session_tags = =v",
		"session_tags = k=\"quoted\"",
		NULL,
	};
	char name[16];
	size_t i;

	cred("[base]\n" STATIC_B);
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(name, sizeof(name), "bad%zu", i);
		tagged(name, bad[i]);
		fails(name, ACFS_E_CONFIG, "session", name, CFG_PATH, "line 4", NULL);
	}
}
END_TEST

START_TEST(session_tag_lengths)
{
	char extra[1024], k128[129], k129[130], v256[257], v257[258];

	memset(k128, 'k', 128);
	k128[128] = '\0';
	memset(k129, 'k', 129);
	k129[129] = '\0';
	memset(v256, 'v', 256);
	v256[256] = '\0';
	memset(v257, 'v', 257);
	v257[257] = '\0';
	cred("[base]\n" STATIC_B);
	snprintf(extra, sizeof(extra), "session_tags = %s=%s", k128, v256);
	tagged("maxok", extra);
	ok("maxok", 2);
	ck_assert_uint_eq(strlen(hop(1)->tags[0].key), 128);
	ck_assert_uint_eq(strlen(hop(1)->tags[0].value), 256);
	snprintf(extra, sizeof(extra), "session_tags = %s=v", k129);
	tagged("longkey", extra);
	fails("longkey", ACFS_E_CONFIG, "session tag", NULL);
	snprintf(extra, sizeof(extra), "session_tags = k=%s", v257);
	tagged("longval", extra);
	fails("longval", ACFS_E_CONFIG, "session tag", NULL);
}
END_TEST

START_TEST(session_tag_invalid_utf8)
{
	/* STS takes Unicode letters, not arbitrary bytes: a tag that is not
	 * UTF-8 can never be sent (and would make --plan --json invalid). */
	cred("[base]\n" STATIC_B);
	tagged("t", "session_tags = k=\xff\xfe");
	fails("t", ACFS_E_CONFIG, "session tag", "'t'", NULL);
}
END_TEST

START_TEST(session_tags_duplicate_key)
{
	cred("[base]\n" STATIC_B);
	tagged("t", "session_tags = Team=a, team=b");
	fails("t", ACFS_E_CONFIG, "twice", "'t'", CFG_PATH, "line 4", NULL);
}
END_TEST

START_TEST(transitive_key_not_in_tags)
{
	cred("[base]\n" STATIC_B);
	tagged("t", "session_tags = A=1\ntransitive_session_tags = A, B");
	fails("t", ACFS_E_CONFIG, "'B'", "transitive_session_tags", "line 5", NULL);
	tagged("u", "transitive_session_tags = A");
	fails("u", ACFS_E_CONFIG, "'A'", "transitive_session_tags", NULL);
}
END_TEST

START_TEST(too_many_session_tags)
{
	char extra[4096];
	size_t n;
	int i;

	cred("[base]\n" STATIC_B);
	n = (size_t)snprintf(extra, sizeof(extra), "session_tags = ");
	for (i = 0; i < ACFS_MAX_TAGS; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%sk%d=v",
				      i ? "," : "", i);
	tagged("fifty", extra);
	ok("fifty", 2);
	ck_assert_uint_eq(hop(1)->ntags, ACFS_MAX_TAGS);
	snprintf(extra + n, sizeof(extra) - n, ",k50=v");
	tagged("fiftyone", extra);
	fails("fiftyone", ACFS_E_CONFIG, "more than 50", "'fiftyone'", NULL);
}
END_TEST

START_TEST(source_identity_validation)
{
	cred("[base]\n" STATIC_B);
	tagged("short", "source_identity = a");
	fails("short", ACFS_E_CONFIG, "source_identity", "line 4", NULL);
	tagged("space", "source_identity = al ice");
	fails("space", ACFS_E_CONFIG, "source_identity", NULL);
	tagged("good", "source_identity = a.b-c_d+e=f,g@h");
	ok("good", 2);
	ck_assert_str_eq(hop(1)->source_identity, "a.b-c_d+e=f,g@h");
}
END_TEST

START_TEST(tags_on_web_identity_rejected)
{
	static const char *const keys[] = { "session_tags = A=1",
		"transitive_session_tags = A", "source_identity = alice", NULL };
	static const char *const names[] = { "session_tags",
		"transitive_session_tags", "source_identity" };
	char buf[512], name[16];
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		snprintf(name, sizeof(name), "w%zu", i);
		snprintf(buf, sizeof(buf), "[profile %s]\n"
			 "role_arn = arn:aws:iam::1:role/w\n"
			 "web_identity_token_file = /t\n%s\n", name, keys[i]);
		cfg(buf);
		fails(name, ACFS_E_CONFIG, name, names[i], CFG_PATH, "line 4",
		      NULL);
	}
}
END_TEST

/* --- the environment --- */

START_TEST(env_default_web_identity)
{
	static const char *const e[] = {
		"AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/env-role",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token",
		"AWS_ROLE_SESSION_NAME", "env-session",
		NULL,
	};

	use_env(e);
	ck_assert(acfs_plan_env_default(&env));
	ok("default", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_WEB_IDENTITY);
	ck_assert_ptr_null(hop(0)->profile);
	ck_assert_str_eq(hop(0)->role_arn, "arn:aws:iam::111122223333:role/env-role");
	ck_assert_str_eq(hop(0)->web_identity_token_file, "/var/run/token");
	ck_assert_str_eq(hop(0)->role_session_name, "env-session");
	/* Without any set at all, too. */
	acfs_plan_free(plan);
	plan = NULL;
	ck_assert_int_eq(acfs_plan_build(NULL, &env, "default", &plan, &err),
			 ACFS_OK);
	ck_assert_uint_eq(plan->nhops, 1);
	/* Only "default" comes from the environment. */
	fails("other", ACFS_E_NOTFOUND, "'other'", NULL);
}
END_TEST

START_TEST(env_default_container)
{
	static const char *const full[] = {
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials",
		NULL,
	};
	static const char *const rel[] = {
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x",
		NULL,
	};

	use_env(full);
	ck_assert(acfs_plan_env_default(&env));
	ok("default", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_CONTAINER);
	ck_assert_ptr_null(hop(0)->profile);
	use_env(rel);
	ok("default", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_CONTAINER);
}
END_TEST

START_TEST(env_web_identity_beats_container)
{
	static const char *const e[] = {
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds",
		"AWS_ROLE_ARN", "arn:aws:iam::1:role/r",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "/t",
		NULL,
	};

	use_env(e);
	ok("default", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_WEB_IDENTITY);
}
END_TEST

START_TEST(env_default_incomplete)
{
	static const char *const arn_only[] = {
		"AWS_ROLE_ARN", "arn:aws:iam::1:role/r", NULL,
	};
	static const char *const empty[] = {
		"AWS_ROLE_ARN", "arn:aws:iam::1:role/r",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "", NULL,
	};

	use_env(arn_only);
	ck_assert(!acfs_plan_env_default(&env));
	fails("default", ACFS_E_NOTFOUND, NULL);
	use_env(empty);
	ck_assert(!acfs_plan_env_default(&env));
	fails("default", ACFS_E_NOTFOUND, NULL);
	use_env(no_env);
	ck_assert(!acfs_plan_env_default(&env));
	ck_assert(!acfs_plan_env_default(NULL));
}
END_TEST

START_TEST(env_default_bad_arn)
{
	static const char *const e[] = {
		"AWS_ROLE_ARN", "not-an-arn", "AWS_WEB_IDENTITY_TOKEN_FILE", "/t", NULL,
	};

	use_env(e);
	fails("default", ACFS_E_CONFIG, "AWS_ROLE_ARN", NULL);
}
END_TEST

START_TEST(default_profile_beats_env)
{
	static const char *const e[] = {
		"AWS_ROLE_ARN", "arn:aws:iam::1:role/r",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "/t", NULL,
	};

	cred("[default]\n" STATIC_B);
	use_env(e);
	ok("default", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_STATIC);
	ck_assert_str_eq(hop(0)->profile, "default");
}
END_TEST

START_TEST(env_default_when_other_profiles_exist)
{
	static const char *const e[] = {
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x", NULL,
	};

	cfg("[profile other]\n" STATIC_B);
	use_env(e);
	ok("default", 1);
	ck_assert_int_eq(hop(0)->kind, ACFS_HOP_CONTAINER);
}
END_TEST

/* --- client settings --- */

START_TEST(region_precedence)
{
	static const char *const both[] = { "AWS_REGION", "env-region",
		"AWS_DEFAULT_REGION", "env-default-region", NULL };
	static const char *const dflt[] = { "AWS_DEFAULT_REGION",
		"env-default-region", NULL };
	static const char *const empty[] = { "AWS_REGION", "", NULL };

	cfg("[profile r]\nregion = profile-region\n" STATIC_B
	    "[profile n]\n" STATIC_B);
	ok("r", 1);
	ck_assert_str_eq(plan->region, "profile-region");
	ok("n", 1);
	ck_assert_ptr_null(plan->region);
	use_env(dflt);
	ok("r", 1);
	ck_assert_str_eq(plan->region, "env-default-region");
	use_env(both);
	ok("r", 1);
	ck_assert_str_eq(plan->region, "env-region");
	use_env(empty);
	ok("r", 1);
	ck_assert_str_eq(plan->region, "profile-region");
}
END_TEST

START_TEST(region_of_selected_profile_only)
{
	cfg("[profile top]\nrole_arn = arn:aws:iam::1:role/t\nsource_profile = base\n"
	    "[profile base]\nregion = base-region\n" STATIC_B);
	ok("top", 2);
	ck_assert_ptr_null(plan->region);
}
END_TEST

START_TEST(sts_regional_endpoints)
{
	static const char *const env_legacy[] = {
		"AWS_STS_REGIONAL_ENDPOINTS", "legacy", NULL };
	static const char *const env_bad[] = {
		"AWS_STS_REGIONAL_ENDPOINTS", "global", NULL };

	cfg("[profile r]\nsts_regional_endpoints = regional\n" STATIC_B
	    "[profile l]\nsts_regional_endpoints = legacy\n" STATIC_B
	    "[profile bad]\nsts_regional_endpoints = sometimes\n" STATIC_B
	    "[profile none]\n" STATIC_B);
	ok("r", 1);
	ck_assert_str_eq(plan->sts_regional_endpoints, "regional");
	ok("l", 1);
	ck_assert_str_eq(plan->sts_regional_endpoints, "legacy");
	ok("none", 1);
	ck_assert_ptr_null(plan->sts_regional_endpoints);
	fails("bad", ACFS_E_CONFIG, "sts_regional_endpoints", "sometimes",
	      "'bad'", NULL);
	use_env(env_legacy);
	ok("r", 1);
	ck_assert_str_eq(plan->sts_regional_endpoints, "legacy");
	use_env(env_bad);
	fails("r", ACFS_E_CONFIG, "global", NULL);
}
END_TEST

START_TEST(sts_endpoint_from_env)
{
	static const char *const sts[] = {
		"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9911",
		"AWS_ENDPOINT_URL", "http://127.0.0.1:1", NULL };
	static const char *const global[] = {
		"AWS_ENDPOINT_URL", "http://127.0.0.1:2", NULL };
	static const char *const ignore[] = {
		"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9911",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", NULL };

	cfg("[profile a]\n" STATIC_B);
	ok("a", 1);
	ck_assert_ptr_null(plan->endpoint_url);
	use_env(sts);
	ok("a", 1);
	ck_assert_str_eq(plan->endpoint_url, "http://127.0.0.1:9911");
	use_env(global);
	ok("a", 1);
	ck_assert_str_eq(plan->endpoint_url, "http://127.0.0.1:2");
	use_env(ignore);
	ok("a", 1);
	ck_assert_ptr_null(plan->endpoint_url);
}
END_TEST

START_TEST(sts_endpoint_from_services_section)
{
	static const char *const sts[] = {
		"AWS_ENDPOINT_URL_STS", "http://from-env", NULL };

	cfg("[services local]\n"
	    "sts =\n"
	    "  endpoint_url = http://127.0.0.1:4566\n"
	    "s3 =\n"
	    "  endpoint_url = http://127.0.0.1:9000\n"
	    "[profile a]\nservices = local\nendpoint_url = http://profile-wide\n"
	    STATIC_B
	    "[profile b]\nendpoint_url = http://profile-wide\n" STATIC_B
	    "[profile c]\nservices = missing\n" STATIC_B
	    "[profile d]\nservices = local\nignore_configured_endpoint_urls = true\n"
	    STATIC_B);
	ok("a", 1);
	ck_assert_str_eq(plan->endpoint_url, "http://127.0.0.1:4566");
	ok("b", 1);
	ck_assert_str_eq(plan->endpoint_url, "http://profile-wide");
	ok("c", 1);
	ck_assert_ptr_null(plan->endpoint_url);
	ok("d", 1);
	ck_assert_ptr_null(plan->endpoint_url);
	use_env(sts);
	ok("a", 1);
	ck_assert_str_eq(plan->endpoint_url, "http://from-env");
}
END_TEST

START_TEST(ca_bundle)
{
	static const char *const e[] = { "AWS_CA_BUNDLE", "/env/ca.pem", NULL };

	cfg("[profile a]\nca_bundle = /profile/ca.pem\n" STATIC_B);
	ok("a", 1);
	ck_assert_str_eq(plan->ca_bundle, "/profile/ca.pem");
	use_env(e);
	ok("a", 1);
	ck_assert_str_eq(plan->ca_bundle, "/env/ca.pem");
}
END_TEST

START_TEST(kind_names)
{
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP_STATIC), "static");
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP_ENVIRONMENT), "environment");
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP_CONTAINER), "container");
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP_IMDS), "imds");
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP_PROCESS), "process");
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP_WEB_IDENTITY), "web-identity");
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP_ASSUME_ROLE), "assume-role");
	ck_assert_str_eq(acfs_hop_kind_name(ACFS_HOP__COUNT), "unknown");
	acfs_plan_free(NULL);
}
END_TEST

START_TEST(plan_with_null_err)
{
	cfg("[profile a]\n" STATIC_B);
	ck_assert_int_eq(acfs_plan_build(set, &env, "a", &plan, NULL), ACFS_OK);
	ck_assert_ptr_nonnull(plan);
	acfs_plan_free(plan);
	plan = NULL;
	ck_assert_int_eq(acfs_plan_build(set, &env, "zz", &plan, NULL),
			 ACFS_E_NOTFOUND);
	ck_assert_ptr_null(plan);
}
END_TEST

/* The hop cache key of an IMDS hop covers the profile's metadata endpoint:
 * two endpoints are two sources, one endpoint is one. */
START_TEST(imds_hop_key_covers_the_endpoint)
{
	/* a key per hop: IMDS, then the role */
	char k1[2][ACFS_HOPKEY_LEN + 1], k2[2][ACFS_HOPKEY_LEN + 1];
	char k3[2][ACFS_HOPKEY_LEN + 1];
	acfs_err e;

	cfg("[profile a]\ncredential_source = Ec2InstanceMetadata\n"
	    "role_arn = arn:aws:iam::123456789012:role/r\n"
	    "ec2_metadata_service_endpoint = http://127.0.0.1:1/\n"
	    "[profile b]\ncredential_source = Ec2InstanceMetadata\n"
	    "role_arn = arn:aws:iam::123456789012:role/r\n"
	    "ec2_metadata_service_endpoint = http://127.0.0.1:2/\n"
	    "[profile c]\ncredential_source = Ec2InstanceMetadata\n"
	    "role_arn = arn:aws:iam::123456789012:role/r\n"
	    "ec2_metadata_service_endpoint = http://127.0.0.1:1/\n");
	ok("a", 2);
	ck_assert_int_eq(plan->hops[0].kind, ACFS_HOP_IMDS);
	ck_assert_int_eq(acfs_hopcache_keys(plan, k1, &e), ACFS_OK);
	ok("b", 2);
	ck_assert_int_eq(acfs_hopcache_keys(plan, k2, &e), ACFS_OK);
	ok("c", 2);
	ck_assert_int_eq(acfs_hopcache_keys(plan, k3, &e), ACFS_OK);
	ck_assert_str_ne(k1[0], k2[0]);
	ck_assert_str_eq(k1[0], k3[0]);
}
END_TEST

static Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tb = tcase_create("base");
	TCase *tc = tcase_create("chain");
	TCase *td = tcase_create("duration");
	TCase *tt = tcase_create("tags");
	TCase *te = tcase_create("environment");
	TCase *tk = tcase_create("client");

	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, static_keys);
	tcase_add_test(tb, static_keys_partial);
	tcase_add_test(tb, no_credentials_at_all);
	tcase_add_test(tb, credential_process);
	tcase_add_test(tb, static_beats_credential_process);
	tcase_add_test(tb, web_identity);
	tcase_add_test(tb, web_identity_needs_role_arn);
	tcase_add_test(tb, web_identity_empty_token_file);
	tcase_add_test(tb, credential_sources);
	tcase_add_test(tb, unknown_credential_source);
	tcase_add_test(tb, sso_unsupported);
	tcase_add_test(tb, sso_as_source_unsupported);
	tcase_add_test(tb, mfa_unsupported);
	suite_add_tcase(s, tb);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, irsa_chain);
	tcase_add_test(tc, assume_role_depth_3);
	tcase_add_test(tc, selected_role_beats_its_own_static_keys);
	tcase_add_test(tc, static_keys_end_chain_in_source);
	tcase_add_test(tc, self_reference_with_static_keys);
	tcase_add_test(tc, self_reference_via_chain_with_static_keys);
	tcase_add_test(tc, self_reference_without_static_keys);
	tcase_add_test(tc, cycle_two);
	tcase_add_test(tc, cycle_three_entered_from_outside);
	tcase_add_test(tc, missing_source_profile);
	tcase_add_test(tc, missing_source_profile_in_credentials_file);
	tcase_add_test(tc, both_source_profile_and_credential_source);
	tcase_add_test(tc, role_without_source);
	tcase_add_test(tc, role_arn_not_an_arn);
	tcase_add_test(tc, bad_role_session_name);
	tcase_add_test(tc, external_id);
	tcase_add_test(tc, tainted_profile_cannot_be_planned);
	tcase_add_test(tc, profile_not_found);
	tcase_add_test(tc, no_profiles_at_all);
	tcase_add_test(tc, very_long_chain_is_refused);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(td, setup, teardown);
	tcase_add_test(td, duration_validation);
	tcase_add_test(td, duration_unset_is_zero);
	tcase_add_test(td, duration_chaining_cap);
	tcase_add_test(td, duration_cap_only_when_chained);
	tcase_add_test(td, duration_cap_from_instance_role);
	suite_add_tcase(s, td);

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, session_tags_parsed);
	tcase_add_test(tt, session_tag_value_may_hold_equals_and_unicode);
	tcase_add_test(tt, session_tags_bad);
	tcase_add_test(tt, session_tag_lengths);
	tcase_add_test(tt, session_tag_invalid_utf8);
	tcase_add_test(tt, session_tags_duplicate_key);
	tcase_add_test(tt, transitive_key_not_in_tags);
	tcase_add_test(tt, too_many_session_tags);
	tcase_add_test(tt, source_identity_validation);
	tcase_add_test(tt, tags_on_web_identity_rejected);
	suite_add_tcase(s, tt);

	tcase_add_checked_fixture(te, setup, teardown);
	tcase_add_test(te, env_default_web_identity);
	tcase_add_test(te, env_default_container);
	tcase_add_test(te, env_web_identity_beats_container);
	tcase_add_test(te, env_default_incomplete);
	tcase_add_test(te, env_default_bad_arn);
	tcase_add_test(te, default_profile_beats_env);
	tcase_add_test(te, env_default_when_other_profiles_exist);
	suite_add_tcase(s, te);

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_add_test(tk, region_precedence);
	tcase_add_test(tk, region_of_selected_profile_only);
	tcase_add_test(tk, sts_regional_endpoints);
	tcase_add_test(tk, sts_endpoint_from_env);
	tcase_add_test(tk, sts_endpoint_from_services_section);
	tcase_add_test(tk, ca_bundle);
	tcase_add_test(tk, kind_names);
	tcase_add_test(tk, plan_with_null_err);
	tcase_add_test(tk, imds_hop_key_covers_the_endpoint);
	suite_add_tcase(s, tk);
	return s;
}

int main(void)
{
	Suite *suite = plan_suite();

	return tl_run_suite(suite, "unit-plan");
}
