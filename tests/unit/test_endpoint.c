/* test_endpoint.c - the priority of configured endpoint URLs. */
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "env.h"
#include "ini.h"
#include "profile.h"
#include "secret.h"
#include "testlib.h"

static const char config[] =
	"[profile svc]\n"
	"services = local\n"
	"endpoint_url = http://profile-wide\n"
	"[profile wide]\n"
	"endpoint_url = http://profile-wide\n"
	"[profile ignored]\n"
	"services = local\n"
	"endpoint_url = http://profile-wide\n"
	"ignore_configured_endpoint_urls = TRUE\n"
	"[profile notignored]\n"
	"endpoint_url = http://profile-wide\n"
	"ignore_configured_endpoint_urls = false\n"
	"[profile bare]\n"
	"region = us-east-1\n"
	"[services local]\n"
	"sts =\n"
	"  endpoint_url = http://sts-local\n"
	"elastic_beanstalk =\n"
	"  endpoint_url = http://eb-local\n";

static acfs_profiles *set;
static acfs_env env;
static acfs_env_table tab;
static const char *const no_env[] = { NULL };
static char *url;

static void setup(void)
{
	set = acfs_profiles_new();
	ck_assert_int_eq(acfs_ini_parse(set, ACFS_SRC_CONFIG, config,
					sizeof(config) - 1), ACFS_OK);
	tab.pairs = no_env;
	acfs_env_from_table(&env, &tab);
	url = NULL;
}

static void teardown(void)
{
	acfs_strfree(url);
	acfs_profiles_free(set);
}

/* The configured URL for service of profile (NULL: no profile), or NULL. */
static const char *resolve(const char *profile, const char *service,
			   const char *override, int ignore)
{
	acfs_err e;
	acfs_code rc;

	acfs_strfree(url);
	url = NULL;
	rc = acfs_endpoint_configured(set, profile ? acfs_profiles_get(set,
		ACFS_SECTION_PROFILE, profile) : NULL, &env, service, override,
		ignore, &url, &e);
	ck_assert_msg(rc == ACFS_OK, "%s", e.msg);
	return url;
}

START_TEST(profile_levels)
{
	ck_assert_str_eq(resolve("svc", "sts", NULL, 0), "http://sts-local");
	/* A service without a sub-section falls back to endpoint_url. */
	ck_assert_str_eq(resolve("svc", "s3", NULL, 0), "http://profile-wide");
	ck_assert_str_eq(resolve("wide", "sts", NULL, 0), "http://profile-wide");
	ck_assert_ptr_null(resolve("bare", "sts", NULL, 0));
	ck_assert_ptr_null(resolve(NULL, "sts", NULL, 0));
}
END_TEST

START_TEST(env_beats_profile)
{
	static const char *const both[] = {
		"AWS_ENDPOINT_URL_STS", "http://env-sts",
		"AWS_ENDPOINT_URL", "http://env-global", NULL };
	static const char *const global[] = {
		"AWS_ENDPOINT_URL", "http://env-global", NULL };

	tab.pairs = both;
	ck_assert_str_eq(resolve("svc", "sts", NULL, 0), "http://env-sts");
	ck_assert_str_eq(resolve("svc", "s3", NULL, 0), "http://env-global");
	ck_assert_str_eq(resolve(NULL, "sts", NULL, 0), "http://env-sts");
	tab.pairs = global;
	ck_assert_str_eq(resolve("svc", "sts", NULL, 0), "http://env-global");
}
END_TEST

START_TEST(client_override_beats_everything)
{
	static const char *const e[] = {
		"AWS_ENDPOINT_URL_STS", "http://env-sts",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", NULL };

	tab.pairs = e;
	ck_assert_str_eq(resolve("svc", "sts", "http://client", 1), "http://client");
}
END_TEST

START_TEST(ignore_flags)
{
	static const char *const ign[] = {
		"AWS_ENDPOINT_URL_STS", "http://env-sts",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", NULL };
	static const char *const noign[] = {
		"AWS_ENDPOINT_URL_STS", "http://env-sts",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", NULL };

	ck_assert_ptr_null(resolve("ignored", "sts", NULL, 0));
	ck_assert_str_eq(resolve("notignored", "sts", NULL, 0), "http://profile-wide");
	ck_assert_ptr_null(resolve("svc", "sts", NULL, 1));
	tab.pairs = ign;
	ck_assert_ptr_null(resolve("svc", "sts", NULL, 0));
	tab.pairs = noign;
	ck_assert_str_eq(resolve("svc", "sts", NULL, 0), "http://env-sts");
}
END_TEST

START_TEST(service_id_with_spaces)
{
	static const char *const e[] = {
		"AWS_ENDPOINT_URL_ELASTIC_BEANSTALK", "http://env-eb", NULL };

	ck_assert_str_eq(resolve("svc", "Elastic Beanstalk", NULL, 0),
			 "http://eb-local");
	tab.pairs = e;
	ck_assert_str_eq(resolve("svc", "Elastic Beanstalk", NULL, 0),
			 "http://env-eb");
}
END_TEST

START_TEST(too_long_url)
{
	char *big = malloc(ACFS_URL_MAX + 16);
	const char *pairs[] = { "AWS_ENDPOINT_URL_STS", big, NULL };
	acfs_err e;

	memset(big, 'h', ACFS_URL_MAX + 8);
	big[ACFS_URL_MAX + 8] = '\0';
	tab.pairs = pairs;
	ck_assert_int_eq(acfs_endpoint_configured(set, NULL, &env, "sts", NULL, 0,
						  &url, &e), ACFS_E_TOOBIG);
	ck_assert_ptr_null(url);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer than"));
	free(big);
}
END_TEST

static Suite *endpoint_suite(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("priority");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, profile_levels);
	tcase_add_test(tc, env_beats_profile);
	tcase_add_test(tc, client_override_beats_everything);
	tcase_add_test(tc, ignore_flags);
	tcase_add_test(tc, service_id_with_spaces);
	tcase_add_test(tc, too_long_url);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *suite = endpoint_suite();

	return tl_run_suite(suite, "unit-endpoint");
}
