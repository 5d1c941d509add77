/* test_imds.c - the IMDSv2 client against a scripted transport and a fake
 * clock: the three requests and their headers, endpoints and modes, the
 * host rule, AWS_EC2_METADATA_DISABLED, retries, refusals, and no secret
 * in any message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imds.h"
#include "plan.h"
#include "resolve.h"
#include "testlib.h"

#define SECRET "SECRETVALUEsecretvalue"
#define TOKEN "TOKENVALUEtokenvalue"
#define SESSION "AQAEAKQRRHnsX8GCPgYTGMShrFJkMhru3n-8Ul5Gzvzj-bpWKYZuiw=="
#define ROLE "imds-assume-role-test"
#define CREDS_BODY \
	"{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2021-09-20T21:42:26Z\",\n" \
	"  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIARTEST\",\n" \
	"  \"SecretAccessKey\" : \"" SECRET "\",\n  \"Token\" : \"" TOKEN "\",\n" \
	"  \"Expiration\" : \"2021-09-21T04:16:53Z\"\n}"
#define LIST_URL "http://169.254.169.254/latest/meta-data/iam/security-credentials/"

static tl_host host;
static const char *const secrets[] = { SECRET, TOKEN, SESSION, NULL };

static void setup(void)
{
	tl_host_init(&host);
}

static void script_ok(void)
{
	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 200, ROLE);
	tl_http_reply_add(&host.http, 0, 200, CREDS_BODY);
}

static acfs_creds *fetch_with(const acfs_imds_settings *s, acfs_code want,
			      acfs_err *e)
{
	acfs_creds *c = NULL;
	acfs_code rc;

	acfs_err_clear(e);
	rc = acfs_imds_fetch(&host.r, s, &c, e);
	tl_assert_outcome(rc, want, c, e, secrets);
	return c;
}

static acfs_creds *fetch(acfs_code want, acfs_err *e)
{
	return fetch_with(NULL, want, e);
}

START_TEST(three_requests_and_result)
{
	acfs_creds *c;
	acfs_err e;
	int i;

	script_ok();
	c = fetch(ACFS_OK, &e);
	ck_assert_int_eq(host.http.nsent, 3);
	ck_assert_str_eq(host.http.sent[0].method, "PUT");
	ck_assert_str_eq(host.http.sent[0].url, "http://169.254.169.254/latest/api/token");
	ck_assert_str_eq(tl_http_header(&host.http.sent[0],
					"x-aws-ec2-metadata-token-ttl-seconds"), "21600");
	ck_assert_ptr_null(tl_http_header(&host.http.sent[0], "x-aws-ec2-metadata-token"));
	ck_assert(host.http.sent[0].has_body);
	ck_assert_uint_eq(host.http.sent[0].body_len, 0);
	ck_assert_str_eq(host.http.sent[1].method, "GET");
	ck_assert_str_eq(host.http.sent[1].url, LIST_URL);
	ck_assert_str_eq(host.http.sent[2].method, "GET");
	ck_assert_str_eq(host.http.sent[2].url, LIST_URL ROLE);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(host.http.sent[i].connect_timeout_ms,
				 ACFS_IMDS_CONNECT_TIMEOUT_MS);
		ck_assert_int_eq(host.http.sent[i].timeout_ms, ACFS_IMDS_TIMEOUT_MS);
		ck_assert_uint_eq(host.http.sent[i].nheaders, 1);
		if (i > 0)
			ck_assert_str_eq(tl_http_header(&host.http.sent[i],
					 "x-aws-ec2-metadata-token"), SESSION);
	}
	/* The document itself is test_credjson's. */
	ck_assert_str_eq(c->session_token, TOKEN);
	ck_assert_int_eq((long long)c->expiration, 1632197813LL);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(disabled_sends_nothing)
{
	static const char *const kv[] = { "AWS_EC2_METADATA_DISABLED", "TRUE", NULL };
	static const char *const kv2[] = { "AWS_EC2_METADATA_DISABLED", "false", NULL };
	acfs_creds *c;
	acfs_err e;

	tl_host_env(&host, kv);
	script_ok();
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "AWS_EC2_METADATA_DISABLED"));
	ck_assert_int_eq(host.http.nsent, 0);
	tl_host_env(&host, kv2);
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(endpoint_override_and_mode)
{
	static const char *const kv[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"http://127.0.0.1:1338/", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
		"IPv6", NULL };
	static const char *const kv6[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
		"ipv6", NULL };
	acfs_creds *c;
	acfs_err e;

	tl_host_env(&host, kv);
	script_ok();
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[0].url, "http://127.0.0.1:1338/latest/api/token");
	ck_assert_str_eq(host.http.sent[2].url, "http://127.0.0.1:1338/latest/meta-data/"
			 "iam/security-credentials/" ROLE);
	tl_host_env(&host, kv6);
	script_ok();
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[3].url, "http://[fd00:ec2::254]/latest/api/token");
}
END_TEST

START_TEST(bad_settings_send_nothing)
{
	static const char *const kv[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
		"IPv7", NULL };
	static const char *const kv2[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"not a uri", NULL };
	acfs_err e;

	tl_host_env(&host, kv);
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "`IPv7` is not a valid endpoint mode"));
	tl_host_env(&host, kv2);
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "invalid uri character"));
	ck_assert_int_eq(host.http.nsent, 0);
}
END_TEST

START_TEST(plain_http_to_other_hosts_refused)
{
	static const char *const kv[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"http://override:456", NULL };
	static const char *const kv2[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"https://imds-proxy.example", NULL };
	acfs_creds *c;
	acfs_err e;

	tl_host_env(&host, kv);
	fetch(ACFS_E_POLICY, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "refusing plain http to override"));
	ck_assert_int_eq(host.http.nsent, 0);
	/* The replay tests' switch lifts the rule. */
	host.r.test_allow_plain_http = 1;
	script_ok();
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[0].url, "http://override:456/latest/api/token");
	host.r.test_allow_plain_http = 0;
	tl_host_env(&host, kv2);
	script_ok();
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[3].url, "https://imds-proxy.example/latest/api/token");
}
END_TEST

START_TEST(profile_settings_and_env_precedence)
{
	static const char *const kv[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"http://127.0.0.1:2/", NULL };
	static const char *const none[] = { NULL };
	acfs_imds_settings s = { "http://127.0.0.1:1", "IPv6", NULL, NULL };
	acfs_creds *c;
	acfs_plan plan;
	acfs_hop hop;
	acfs_err e;

	script_ok();
	c = fetch_with(&s, ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[0].url, "http://127.0.0.1:1/latest/api/token");
	tl_host_env(&host, kv);
	script_ok();
	c = fetch_with(&s, ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[3].url, "http://127.0.0.1:2/latest/api/token");
	/* Through the resolver, from the plan's profile settings. */
	memset(&plan, 0, sizeof(plan));
	memset(&hop, 0, sizeof(hop));
	hop.kind = ACFS_HOP_IMDS;
	hop.profile = "ec2";
	plan.profile = "ec2";
	plan.hops = &hop;
	plan.nhops = 1;
	plan.imds_endpoint_mode = "IPv9";
	tl_host_env(&host, none);
	ck_assert_int_eq(acfs_resolve_plan(&host.r, &plan, &c, &e), ACFS_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "profile 'ec2': "
				     "ec2_metadata_service_endpoint_mode: `IPv9`"));
	plan.imds_endpoint_mode = "IPv6";
	script_ok();
	ck_assert_int_eq(acfs_resolve_plan(&host.r, &plan, &c, &e), ACFS_OK);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[6].url, "http://[fd00:ec2::254]/latest/api/token");
}
END_TEST

START_TEST(retries_each_request)
{
	acfs_creds *c;
	acfs_err e;

	/* shared/conformance's imds_default_chain_retries traffic. */
	tl_http_reply_add(&host.http, 0, 503, "");
	tl_http_reply_add(&host.http, 0, 200, "imdstoken");
	tl_http_reply_add(&host.http, 0, 503, "");
	tl_http_reply_add(&host.http, 1, 0, NULL);
	tl_http_reply_add(&host.http, 0, 200, ROLE);
	tl_http_reply_add(&host.http, 0, 503, "");
	tl_http_reply_add(&host.http, 0, 200, CREDS_BODY);
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_int_eq(host.http.nsent, 7);
	ck_assert_str_eq(host.http.sent[1].method, "PUT");
	ck_assert_str_eq(tl_http_header(&host.http.sent[6], "x-aws-ec2-metadata-token"),
			 "imdstoken");
	ck_assert_int_eq(host.clock.slept_ms, 100 + 100 + 200 + 100);
}
END_TEST

START_TEST(gives_up)
{
	acfs_err e;
	int i;

	for (i = 0; i < 5; i++)
		tl_http_reply_add(&host.http, 1, 0, NULL);
	fetch(ACFS_E_NET, &e);
	ck_assert_int_eq(host.http.nsent, ACFS_IMDS_ATTEMPTS);
	ck_assert_ptr_nonnull(strstr(e.msg, "PUT /latest/api/token: gave up after 3"));
}
END_TEST

START_TEST(token_refused)
{
	acfs_err e;

	tl_http_reply_add(&host.http, 0, 403, "");
	tl_http_reply_add(&host.http, 0, 405, "");
	tl_http_reply_add(&host.http, 0, 200, "zzsessionzz\nqq");
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "request forbidden: IMDS is disabled"));
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "no IMDSv2 here"));
	fetch(ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "session token"));
	ck_assert_ptr_null(strstr(e.msg, "zzsessionzz"));
	ck_assert_int_eq(host.http.nsent, 3);
}
END_TEST

START_TEST(role_listing)
{
	acfs_creds *c;
	acfs_err e;

	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 404, "<?xml version=\"1.0\"?><html>Not Found</html>");
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "no IAM role is attached"));
	ck_assert_int_eq(host.http.nsent, 2);
	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 200, "../../../latest/user-data");
	fetch(ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not an IAM role name"));
	ck_assert_int_eq(host.http.nsent, 4);
	/* Only the first line counts. */
	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 200, ROLE "\nsecond-role\n");
	tl_http_reply_add(&host.http, 0, 200, CREDS_BODY);
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(host.http.sent[6].url, LIST_URL ROLE);
	/* A NUL is no role name character: not the role "", whose URL is
	 * the listing's own. */
	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 200, "\0\0\0");
	host.http.reply[host.http.nreply - 1].body_len = 3;
	tl_http_reply_add(&host.http, 0, 200, CREDS_BODY);
	fetch(ACFS_E_SYNTAX, &e);
	ck_assert_msg(strstr(e.msg, "is not an IAM role name") != NULL, "%s", e.msg);
	ck_assert_int_eq(host.http.nsent, 9);
}
END_TEST

START_TEST(credentials_errors)
{
	acfs_err e;

	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 200, ROLE);
	tl_http_reply_add(&host.http, 0, 200, "{\"Code\":\"AssumeRoleUnauthorizedAccess\","
			  "\"Message\":\"EC2 cannot assume the role " ROLE ".\","
			  "\"LastUpdated\":\"2021-09-17T20:46:56Z\"}");
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "AssumeRoleUnauthorizedAccess: EC2 "
				     "cannot assume the role " ROLE "."));
	/* An error body that echoes the session token is not shown. */
	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 200, ROLE);
	tl_http_reply_add(&host.http, 0, 401, "token " SESSION " expired");
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "HTTP 401: (body not shown"));
	tl_http_reply_add(&host.http, 0, 200, SESSION);
	tl_http_reply_add(&host.http, 0, 200, ROLE);
	tl_http_reply_add(&host.http, 0, 200, "{\"Code\":\"Success\"}");
	fetch(ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "has no AccessKeyId"));
	ck_assert_int_eq(host.http.nsent, 9);
}
END_TEST

START_TEST(base_url_rules)
{
	acfs_imds_settings s = { "http://profile:1", "IPv6", NULL, NULL };
	char out[ACFS_IMDS_URL_MAX];
	acfs_err e;

	ck_assert_int_eq(acfs_imds_base_url(&host.env.env, &s, out, sizeof(out), &e), ACFS_OK);
	ck_assert_str_eq(out, "http://profile:1");
	s.endpoint = NULL;
	ck_assert_int_eq(acfs_imds_base_url(&host.env.env, &s, out, sizeof(out), &e), ACFS_OK);
	ck_assert_str_eq(out, ACFS_IMDS_IPV6);
	s.mode_override = "IPv4";
	ck_assert_int_eq(acfs_imds_base_url(&host.env.env, &s, out, sizeof(out), &e), ACFS_OK);
	ck_assert_str_eq(out, ACFS_IMDS_IPV4);
	s.endpoint_override = "https://custom/";
	ck_assert_int_eq(acfs_imds_base_url(&host.env.env, &s, out, sizeof(out), &e), ACFS_OK);
	ck_assert_str_eq(out, "https://custom");
	s.endpoint_override = "http://x/?q=1";
	ck_assert_int_eq(acfs_imds_base_url(&host.env.env, &s, out, sizeof(out), &e),
			 ACFS_E_CONFIG);
	s.endpoint_override = "nothing";
	ck_assert_int_eq(acfs_imds_base_url(&host.env.env, &s, out, sizeof(out), &e),
			 ACFS_E_CONFIG);
	ck_assert_int_eq(acfs_imds_base_url(&host.env.env, NULL, out, sizeof(out),
					    &e), ACFS_OK);
	ck_assert_str_eq(out, ACFS_IMDS_IPV4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imds");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, three_requests_and_result);
	tcase_add_test(tc, disabled_sends_nothing);
	tcase_add_test(tc, endpoint_override_and_mode);
	tcase_add_test(tc, bad_settings_send_nothing);
	tcase_add_test(tc, plain_http_to_other_hosts_refused);
	tcase_add_test(tc, profile_settings_and_env_precedence);
	tcase_add_test(tc, retries_each_request);
	tcase_add_test(tc, gives_up);
	tcase_add_test(tc, token_refused);
	tcase_add_test(tc, role_listing);
	tcase_add_test(tc, credentials_errors);
	tcase_add_test(tc, base_url_rules);
	suite_add_tcase(s, tc);
	return tl_run_suite(s, "unit-imds");
}
