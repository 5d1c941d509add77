/* test_sts.c - the STS client against a scripted transport and injected
 * clocks: request contents, signing, retries, budgets, verbatim errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "http.h"
#include "plan.h"
#include "resolve.h"
#include "sts.h"
#include "testlib.h"

#define NS "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""
#define OK_BODY \
	"<AssumeRoleResponse " NS "><AssumeRoleResult><AssumedRoleUser>" \
	"<Arn>arn:aws:sts::444455556666:assumed-role/b/s</Arn>" \
	"<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser><Credentials>" \
	"<AccessKeyId>ASIANEW</AccessKeyId><SecretAccessKey>newsecret</SecretAccessKey>" \
	"<SessionToken>newtoken</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>" \
	"</Credentials></AssumeRoleResult></AssumeRoleResponse>"
#define ERR_BODY(code, msg) \
	"<ErrorResponse " NS "><Error><Type>Sender</Type><Code>" code "</Code>" \
	"<Message>" msg "</Message></Error><RequestId>r</RequestId></ErrorResponse>"

typedef struct {
	int net_error;      /* transport failure instead of a response */
	long status;
	const char *body;
} scripted;

typedef struct {
	acfs_http base;
	scripted script[16];
	int n, next;
	char bodies[16][4096];
	char auth[16][512];
	char url[16][256];
} fake_http;

static long fake_time_ms;
static long slept_ms;

static time_t f_now(void *c) { (void)c; return 1800000000; }
static void f_sleep(void *c, long ms) { (void)c; slept_ms += ms; fake_time_ms += ms; }
static long f_elapsed(void *c) { (void)c; return fake_time_ms; }
static unsigned f_random(void *c, unsigned bound) { (void)c; return bound - 1; }

static acfs_code fake_send(acfs_http *h, const acfs_http_request *req,
			   acfs_http_response *resp, acfs_err *e)
{
	fake_http *f = (fake_http *)h;
	const scripted *s;
	size_t i;
	int k = f->next;

	ck_assert_int_lt(k, f->n);
	f->next++;
	fake_time_ms += 50;   /* each request takes 50 ms */
	snprintf(f->bodies[k], sizeof(f->bodies[k]), "%.*s", (int)req->body_len,
		 req->body);
	snprintf(f->url[k], sizeof(f->url[k]), "%s", req->url);
	f->auth[k][0] = '\0';
	for (i = 0; i < req->nheaders; i++)
		if (strcmp(req->headers[i].name, "Authorization") == 0)
			snprintf(f->auth[k], sizeof(f->auth[k]), "%s",
				 req->headers[i].value);
	s = &f->script[k];
	memset(resp, 0, sizeof(*resp));
	acfs_buf_init(&resp->body, req->max_response);
	if (s->net_error) {
		acfs_buf_free(&resp->body);
		return acfs_err_set(e, ACFS_E_NET, "Connection reset by peer");
	}
	resp->status = s->status;
	if (acfs_buf_add(&resp->body, s->body, strlen(s->body)) != ACFS_OK) {
		acfs_buf_free(&resp->body);
		return acfs_err_set(e, ACFS_E_TOOBIG, "too big");
	}
	return ACFS_OK;
}

static fake_http fake;
static acfs_sts_client client;
static acfs_hop hop;
static acfs_creds *src;

static void setup(void)
{
	acfs_sts_endpoint ep = { "http://127.0.0.1:9/", "us-east-1" };
	static acfs_tag tags[2] = { { "team", "infra" }, { "env", "pr od" } };
	static char *trans[1] = { "team" };

	memset(&fake, 0, sizeof(fake));
	fake.base.send = fake_send;
	fake_time_ms = 0;
	slept_ms = 0;
	acfs_sts_client_init(&client, &fake.base, &ep, NULL);
	client.now = f_now;
	client.sleep_ms = f_sleep;
	client.elapsed_ms = f_elapsed;
	client.random = f_random;
	memset(&hop, 0, sizeof(hop));
	hop.kind = ACFS_HOP_ASSUME_ROLE;
	hop.role_arn = "arn:aws:iam::444455556666:role/b";
	hop.external_id = "ext/1";
	hop.duration_seconds = 3600;
	hop.tags = tags;
	hop.ntags = 2;
	hop.transitive_keys = trans;
	hop.ntransitive = 1;
	src = acfs_creds_new("ASIASRC", "srcsecret", "srctoken", 0, NULL, NULL);
}

static void teardown(void)
{
	acfs_creds_unref(src);
}

static void script(int i, int net, long status, const char *body)
{
	fake.script[i] = (scripted){ net, status, body };
	if (fake.n < i + 1)
		fake.n = i + 1;
}

START_TEST(assume_role_request_and_result)
{
	acfs_creds *out = NULL;
	acfs_err e;

	script(0, 0, 200, OK_BODY);
	ck_assert_int_eq(acfs_sts_assume_role(&client, src, &hop, "awscredsfs-b",
					      &out, &e), ACFS_OK);
	ck_assert_str_eq(out->access_key_id, "ASIANEW");
	ck_assert_str_eq(out->secret_access_key, "newsecret");
	ck_assert_str_eq(out->session_token, "newtoken");
	ck_assert_int_eq((long long)out->expiration, 1893456000LL);
	ck_assert_str_eq(out->account_id, "444455556666");
	ck_assert_str_eq(fake.bodies[0],
		"Action=AssumeRole&Version=2011-06-15"
		"&RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2Fb"
		"&RoleSessionName=awscredsfs-b&DurationSeconds=3600"
		"&ExternalId=ext%2F1"
		"&Tags.member.1.Key=team&Tags.member.1.Value=infra"
		"&Tags.member.2.Key=env&Tags.member.2.Value=pr%20od"
		"&TransitiveTagKeys.member.1=team");
	/* Signed with the source keys for sts in the endpoint's region. */
	ck_assert_ptr_nonnull(strstr(fake.auth[0],
		"AWS4-HMAC-SHA256 Credential=ASIASRC/20270115/us-east-1/sts/aws4_request"));
	ck_assert_ptr_nonnull(strstr(fake.auth[0], "x-amz-security-token"));
	acfs_creds_unref(out);
}
END_TEST

START_TEST(web_identity_is_unsigned_and_carries_token)
{
	acfs_creds *out = NULL;
	acfs_err e;

	hop.kind = ACFS_HOP_WEB_IDENTITY;
	hop.external_id = NULL;
	hop.ntags = 0;
	hop.ntransitive = 0;
	hop.role_session_name = "mine";
	script(0, 0, 200, OK_BODY);
	ck_assert_int_eq(acfs_sts_assume_role_with_web_identity(&client, &hop,
		"eyJ.tok", "unused", &out, &e), ACFS_OK);
	ck_assert_str_eq(fake.auth[0], "");
	ck_assert_ptr_nonnull(strstr(fake.bodies[0], "Action=AssumeRoleWithWebIdentity"));
	ck_assert_ptr_nonnull(strstr(fake.bodies[0], "&RoleSessionName=mine&"));
	ck_assert_ptr_nonnull(strstr(fake.bodies[0], "&WebIdentityToken=eyJ.tok"));
	acfs_creds_unref(out);
}
END_TEST

START_TEST(throttled_twice_then_success)
{
	acfs_creds *out = NULL;
	acfs_err e;

	script(0, 0, 400, ERR_BODY("Throttling", "Rate exceeded"));
	script(1, 0, 400, ERR_BODY("Throttling", "Rate exceeded"));
	script(2, 0, 200, OK_BODY);
	ck_assert_int_eq(acfs_sts_assume_role(&client, src, &hop, "s", &out, &e),
			 ACFS_OK);
	ck_assert_int_eq(fake.next, 3);
	/* Full jitter at its top (the random stub): 200 then 400 ms. */
	ck_assert_int_eq(slept_ms, 200 + 400);
	acfs_creds_unref(out);
}
END_TEST

START_TEST(connection_reset_retried)
{
	acfs_creds *out = NULL;
	acfs_err e;

	script(0, 1, 0, "");
	script(1, 0, 200, OK_BODY);
	ck_assert_int_eq(acfs_sts_assume_role(&client, src, &hop, "s", &out, &e),
			 ACFS_OK);
	ck_assert_int_eq(fake.next, 2);
	acfs_creds_unref(out);
}
END_TEST

START_TEST(server_errors_give_up_within_budget)
{
	acfs_creds *out = NULL;
	acfs_err e;
	int i;

	for (i = 0; i < 16; i++)
		script(i, 0, 503, ERR_BODY("ServiceUnavailable", "try later"));
	client.max_attempts = 16;
	client.retry_budget_ms = 3000;
	ck_assert_int_eq(acfs_sts_assume_role(&client, src, &hop, "s", &out, &e),
			 ACFS_E_REMOTE);
	ck_assert_ptr_null(out);
	ck_assert_int_le(fake_time_ms, 3000);
	ck_assert_int_ge(fake.next, 3);
	ck_assert_ptr_nonnull(strstr(e.msg, "gave up after"));
	ck_assert_ptr_nonnull(strstr(e.msg, "ServiceUnavailable: try later"));
}
END_TEST

START_TEST(access_denied_verbatim_not_retried)
{
	acfs_creds *out = NULL;
	acfs_err e;

	script(0, 0, 403, ERR_BODY("AccessDenied",
		"User: arn:aws:sts::1:assumed-role/a/s is not authorized to perform: sts:AssumeRole"));
	script(1, 0, 200, OK_BODY);
	ck_assert_int_eq(acfs_sts_assume_role(&client, src, &hop, "s", &out, &e),
			 ACFS_E_REMOTE);
	ck_assert_int_eq(fake.next, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "sts:AssumeRole arn:aws:iam::444455556666:role/b: "
		"AccessDenied: User: arn:aws:sts::1:assumed-role/a/s is not authorized "
		"to perform: sts:AssumeRole"));
}
END_TEST

START_TEST(non_retryable_codes)
{
	static const char *const codes[] = { "InvalidIdentityToken",
		"ExpiredToken", "ValidationError", "AccessDenied", NULL };
	int i;

	for (i = 0; codes[i] != NULL; i++)
		ck_assert(!acfs_sts_code_retryable(codes[i]));
	ck_assert(acfs_sts_code_retryable("Throttling"));
	ck_assert(acfs_sts_code_retryable("IDPCommunicationError"));
}
END_TEST

START_TEST(malformed_200_is_clear_error)
{
	acfs_creds *out = NULL;
	acfs_err e;

	script(0, 0, 200, "<AssumeRoleResponse><Assume");
	ck_assert_int_eq(acfs_sts_assume_role(&client, src, &hop, "s", &out, &e),
			 ACFS_E_SYNTAX);
	ck_assert_int_eq(fake.next, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not well-formed"));
	ck_assert_ptr_null(strstr(e.msg, "srcsecret"));
}
END_TEST

START_TEST(plain_http_elsewhere_refused_before_sending)
{
	acfs_sts_endpoint ep = { "http://sts.example.com/", "us-east-1" };
	acfs_creds *out = NULL;
	acfs_err e;

	client.endpoint = ep;
	ck_assert_int_eq(acfs_sts_assume_role(&client, src, &hop, "s", &out, &e),
			 ACFS_E_POLICY);
	ck_assert_int_eq(fake.next, 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "sts.example.com"));
}
END_TEST

START_TEST(default_session_name)
{
	char s[65];

	acfs_sts_default_session_name("account_b_role", s);
	ck_assert_str_eq(s, "awscredsfs-account_b_role");
	acfs_sts_default_session_name("team/a:b%c", s);
	ck_assert_str_eq(s, "awscredsfs-team-a-b-c");
	acfs_sts_default_session_name(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", s);
	ck_assert_int_eq(strlen(s), 64);
}
END_TEST

START_TEST(url_policy)
{
	acfs_err e;
	char host[64];

	ck_assert_int_eq(acfs_url_check("https://sts.amazonaws.com/", host,
					sizeof(host), &e), ACFS_OK);
	ck_assert_str_eq(host, "sts.amazonaws.com");
	ck_assert_int_eq(acfs_url_check("http://127.0.0.1:8080/", NULL, 0, &e), ACFS_OK);
	ck_assert_int_eq(acfs_url_check("http://127.9.9.9/", NULL, 0, &e), ACFS_OK);
	ck_assert_int_eq(acfs_url_check("http://[::1]:80/", NULL, 0, &e), ACFS_OK);
	ck_assert_int_eq(acfs_url_check("http://localhost/", NULL, 0, &e), ACFS_OK);
	ck_assert_int_eq(acfs_url_check("http://10.0.0.1/", NULL, 0, &e), ACFS_E_POLICY);
	ck_assert_int_eq(acfs_url_check("http://128.0.0.1/", NULL, 0, &e), ACFS_E_POLICY);
	ck_assert_int_eq(acfs_url_check("http://localhost.evil.com/", NULL, 0, &e),
			 ACFS_E_POLICY);
	ck_assert_int_eq(acfs_url_check("ftp://127.0.0.1/", NULL, 0, &e), ACFS_E_POLICY);
	ck_assert_int_eq(acfs_url_check("not a url", NULL, 0, &e), ACFS_E_BADARG);
}
END_TEST

START_TEST(process_json)
{
	acfs_creds *c = acfs_creds_new("AK", "se\"c", "to\nk", 1893456000, "123456789012", NULL);
	acfs_buf b;

	ck_assert_int_eq(acfs_creds_process_json(c, &b), ACFS_OK);
	ck_assert_str_eq(b.data, "{\"Version\":1,\"AccessKeyId\":\"AK\","
		"\"SecretAccessKey\":\"se\\\"c\",\"SessionToken\":\"to\\u000ak\","
		"\"Expiration\":\"2030-01-01T00:00:00Z\",\"AccountId\":\"123456789012\"}\n");
	acfs_buf_free(&b);
	acfs_creds_unref(c);
	c = acfs_creds_new("AK", "s", NULL, 0, NULL, NULL);
	ck_assert_int_eq(acfs_creds_process_json(c, &b), ACFS_OK);
	ck_assert_str_eq(b.data, "{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"s\"}\n");
	acfs_buf_free(&b);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(environment_blank_keys_are_unset)
{
	static const char *const blank[] = { "AWS_ACCESS_KEY_ID", " ",
		"AWS_SECRET_ACCESS_KEY", "\t", NULL, NULL };
	static const char *const keys[] = { "AWS_ACCESS_KEY_ID", "AK",
		"AWS_SECRET_ACCESS_KEY", "SK", "AWS_SESSION_TOKEN", " ",
		NULL, NULL };
	acfs_env_table tab = { blank };
	acfs_hop h = { .kind = ACFS_HOP_ENVIRONMENT };
	acfs_plan plan = { .profile = "p", .hops = &h, .nhops = 1 };
	acfs_resolver r;
	acfs_creds *c = NULL;
	acfs_env env;
	acfs_err e;

	memset(&r, 0, sizeof(r));
	acfs_env_from_table(&env, &tab);
	r.env = &env;
	/* White space only counts as unset, as in the SDKs. */
	ck_assert_int_eq(acfs_resolve_hop(&r, &plan, 0, NULL, &c, &e),
			 ACFS_E_CONFIG);
	ck_assert_ptr_null(c);
	tab.pairs = keys;
	ck_assert_int_eq(acfs_resolve_hop(&r, &plan, 0, NULL, &c, &e), ACFS_OK);
	ck_assert_str_eq(c->access_key_id, "AK");
	ck_assert_ptr_null(c->session_token);
	acfs_creds_unref(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sts");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, assume_role_request_and_result);
	tcase_add_test(tc, web_identity_is_unsigned_and_carries_token);
	tcase_add_test(tc, throttled_twice_then_success);
	tcase_add_test(tc, connection_reset_retried);
	tcase_add_test(tc, server_errors_give_up_within_budget);
	tcase_add_test(tc, access_denied_verbatim_not_retried);
	tcase_add_test(tc, non_retryable_codes);
	tcase_add_test(tc, malformed_200_is_clear_error);
	tcase_add_test(tc, plain_http_elsewhere_refused_before_sending);
	tcase_add_test(tc, default_session_name);
	tcase_add_test(tc, url_policy);
	tcase_add_test(tc, process_json);
	tcase_add_test(tc, environment_blank_keys_are_unset);
	suite_add_tcase(s, tc);
	return tl_run_suite(s, "unit-sts");
}
