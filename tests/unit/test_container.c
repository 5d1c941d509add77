/* test_container.c - the container credentials client against a scripted
 * transport and a fake clock: the request, the host rules, the token
 * (file re-read, precedence, line breaks), retries, timeouts, error
 * bodies, and no secret in any message. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container.h"
#include "plan.h"
#include "resolve.h"
#include "testlib.h"

#define SECRET "SECRETVALUEsecretvalue"
#define TOKEN "TOKENVALUEtokenvalue"
#define AUTH "AUTHTOKENauthtoken"
#define OK_BODY \
	"{\"RoleArn\":\"arn:aws:iam::123456789:role/ecs-task-role\"," \
	"\"AccessKeyId\":\"ASIARCORRECT\",\"SecretAccessKey\":\"" SECRET "\"," \
	"\"Token\":\"" TOKEN "\",\"AccountId\":\"012345678901\"," \
	"\"Expiration\" : \"2009-02-13T23:31:30Z\"}"

static tl_host host;
static const char *const secrets[] = { SECRET, TOKEN, AUTH, NULL };

static void setup(void)
{
	tl_host_init(&host);
	host.clock.wall = 1234500000;
}

/* Fetches, expecting rc; a failure's message never shows a secret. */
static acfs_creds *fetch(acfs_code want, acfs_err *e)
{
	acfs_creds *c = NULL;
	acfs_code rc;

	acfs_err_clear(e);
	rc = acfs_container_fetch(&host.r, &c, e);
	tl_assert_outcome(rc, want, c, e, secrets);
	return c;
}

START_TEST(relative_uri_request_and_result)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"/v2/credentials/52b19262?a=1", NULL };
	acfs_creds *c;
	acfs_err e;

	tl_host_env(&host, kv);
	tl_http_reply_add(&host.http, 0, 200, OK_BODY);
	c = fetch(ACFS_OK, &e);
	ck_assert_int_eq(host.http.nsent, 1);
	ck_assert_str_eq(host.http.sent[0].method, "GET");
	ck_assert_str_eq(host.http.sent[0].url,
			 "http://169.254.170.2/v2/credentials/52b19262?a=1");
	ck_assert_str_eq(tl_http_header(&host.http.sent[0], "Accept"), "application/json");
	ck_assert_ptr_null(tl_http_header(&host.http.sent[0], "Authorization"));
	ck_assert_int_eq(host.http.sent[0].connect_timeout_ms,
			 ACFS_CONTAINER_CONNECT_TIMEOUT_MS);
	ck_assert_int_eq(host.http.sent[0].timeout_ms, ACFS_CONTAINER_TIMEOUT_MS);
	ck_assert_uint_eq(host.http.sent[0].max_response, 64 * 1024);
	ck_assert_str_eq(c->access_key_id, "ASIARCORRECT");
	ck_assert_str_eq(c->secret_access_key, SECRET);
	ck_assert_str_eq(c->session_token, TOKEN);
	ck_assert_str_eq(c->account_id, "012345678901");
	ck_assert_int_eq((long long)c->expiration, 1234567890LL);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(full_uri_with_token_from_env)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://169.254.170.23/v1/credentials",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH, NULL };
	acfs_creds *c;
	acfs_err e;

	tl_host_env(&host, kv);
	tl_http_reply_add(&host.http, 0, 200, OK_BODY);
	c = fetch(ACFS_OK, &e);
	ck_assert_str_eq(host.http.sent[0].url, "http://169.254.170.23/v1/credentials");
	ck_assert_str_eq(tl_http_header(&host.http.sent[0], "Authorization"), AUTH);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(token_file_beats_env_and_is_read_each_time)
{
	const char *path = tl_write_temp(0, "file-token-1", 12);
	const char *kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://[fd00:ec2::23]/v1/credentials",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, NULL };
	acfs_creds *c;
	acfs_err e;
	FILE *f;

	tl_host_env(&host, kv);
	tl_http_reply_add(&host.http, 0, 200, OK_BODY);
	tl_http_reply_add(&host.http, 0, 200, OK_BODY);
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_str_eq(tl_http_header(&host.http.sent[0], "Authorization"), "file-token-1");
	/* EKS rotates the file: the next call sends the new token. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("file-token-2", f);
	fclose(f);
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_int_eq(host.http.nsent, 2);
	ck_assert_str_eq(tl_http_header(&host.http.sent[1], "Authorization"), "file-token-2");
}
END_TEST

START_TEST(token_line_breaks_refused_unsent)
{
	const char *path = tl_write_temp(1, AUTH "\n", strlen(AUTH) + 1);
	const char *kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://127.0.0.1:8080/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, NULL };
	const char *kv2[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://127.0.0.1:8080/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH "\rX-Evil: 1", NULL };
	const char *kv3[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://127.0.0.1:8080/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH "\x01", NULL };
	acfs_err e;

	tl_host_env(&host, kv);
	tl_http_reply_add(&host.http, 0, 200, OK_BODY);
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "line break"));
	ck_assert_ptr_nonnull(strstr(e.msg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	tl_host_env(&host, kv2);
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "line break"));
	tl_host_env(&host, kv3);
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "control character"));
	ck_assert_int_eq(host.http.nsent, 0);
}
END_TEST

START_TEST(token_file_missing_or_too_big)
{
	char *big = malloc(ACFS_CONTAINER_TOKEN_MAX + 1);
	const char *path;
	const char *kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://localhost/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"/nonexistent/token.jwt", NULL };
	acfs_err e;

	tl_host_env(&host, kv);
	fetch(ACFS_E_IO, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/token.jwt: No such file "
				     "or directory"));
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', ACFS_CONTAINER_TOKEN_MAX + 1);
	path = tl_write_temp(2, big, ACFS_CONTAINER_TOKEN_MAX + 1);
	kv[3] = path;
	tl_host_env(&host, kv);
	fetch(ACFS_E_TOOBIG, &e);
	ck_assert_int_eq(host.http.nsent, 0);
	free(big);
}
END_TEST

START_TEST(env_token_too_big)
{
	char *big = malloc(ACFS_CONTAINER_TOKEN_MAX + 2);
	const char *kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://localhost/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN", big,
		NULL };
	acfs_err e;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', ACFS_CONTAINER_TOKEN_MAX + 1);
	big[ACFS_CONTAINER_TOKEN_MAX + 1] = '\0';
	tl_host_env(&host, kv);
	fetch(ACFS_E_TOOBIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "AWS_CONTAINER_AUTHORIZATION_TOKEN is"));
	ck_assert_int_eq(host.http.nsent, 0);
	free(big);
}
END_TEST

/* One request on a loopback socket: the length of its Authorization value
 * is kept, the answer is 200 with body. */
typedef struct {
	int fd;
	size_t auth_len;
	const char *body;
} one_shot;

static void *serve_one(void *u)
{
	one_shot *s = u;
	size_t max = 64 * 1024, n = 0;
	char *req = malloc(max + 1), reply[1024], *a, *end;
	int c = accept(s->fd, NULL, NULL);
	ssize_t r;

	if (c < 0 || req == NULL) {
		free(req);
		if (c >= 0)
			close(c);
		return NULL;
	}
	req[0] = '\0';
	while (n < max && (r = read(c, req + n, max - n)) > 0) {
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	a = strstr(req, "\r\nAuthorization: ");
	if (a != NULL && (end = strstr(a + 17, "\r\n")) != NULL)
		s->auth_len = (size_t)(end - (a + 17));
	snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nContent-Type: "
		 "application/json\r\nContent-Length: %zu\r\nConnection: "
		 "close\r\n\r\n%s", strlen(s->body), s->body);
	if (write(c, reply, strlen(reply)) < 0)
		s->auth_len = 0;
	close(c);
	free(req);
	return NULL;
}

START_TEST(long_token_sent_whole)
{
	/* Under the token cap, above what a fixed header line once held. */
	size_t n = ACFS_CONTAINER_TOKEN_MAX - 100;
	char *tok = malloc(n + 1), url[64];
	const char *kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI", url,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", tok, NULL };
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	one_shot srv = { -1, 0, OK_BODY };
	acfs_http *real;
	acfs_creds *c;
	pthread_t t;
	acfs_err e;

	ck_assert_ptr_nonnull(tok);
	memset(tok, 'k', n);
	tok[n] = '\0';
	unsetenv("http_proxy");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(srv.fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(srv.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(srv.fd, 1), 0);
	ck_assert_int_eq(getsockname(srv.fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/creds", ntohs(sa.sin_port));
	ck_assert_int_eq(pthread_create(&t, NULL, serve_one, &srv), 0);
	real = acfs_http_curl_new(&e);
	ck_assert_ptr_nonnull(real);
	tl_host_env(&host, kv);
	host.r.http = real;
	c = fetch(ACFS_OK, &e);
	shutdown(srv.fd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(srv.fd);
	ck_assert_uint_eq(srv.auth_len, n);
	ck_assert_str_eq(c->access_key_id, "ASIARCORRECT");
	acfs_creds_unref(c);
	acfs_http_free(real);
	free(tok);
}
END_TEST

START_TEST(host_rules)
{
	static const char *const refused[] = {
		"http://example.com/creds", "http://169.254.170.3/creds",
		"http://10.0.0.1/creds", "http://169.254.169.254/creds",
		"http://[fd00:ec2::24]/creds", "http://169.254.170.2@evil.example/x",
		"ftp://127.0.0.1/creds", "file:///etc/passwd", NULL };
	static const char *const allowed[] = {
		"https://mypersonalsite:8080/credentials", "http://127.0.0.2:9/x",
		"http://[::1]:8080/x", "http://localhost:8080/credentials",
		"http://169.254.170.2/credentials", "http://169.254.170.23/v1/credentials",
		"http://[fd00:ec2::23]/v1/credentials",
		"http://[fd00:ec2:0:0::23]/v1/credentials", NULL };
	const char *kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL, NULL };
	char url[ACFS_CONTAINER_URL_MAX + 32];
	acfs_err e;
	size_t i;

	for (i = 0; refused[i] != NULL; i++) {
		kv[1] = refused[i];
		tl_host_env(&host, kv);
		fetch(ACFS_E_POLICY, &e);
		ck_assert_msg(strstr(e.msg, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL,
			      "%s", e.msg);
	}
	ck_assert_int_eq(host.http.nsent, 0);
	for (i = 0; allowed[i] != NULL; i++) {
		kv[1] = allowed[i];
		tl_host_env(&host, kv);
		acfs_err_clear(&e);
		ck_assert_msg(acfs_container_url(&host.env.env, 0, url, sizeof(url), &e) ==
			      ACFS_OK, "%s: %s", allowed[i], e.msg);
		ck_assert_str_eq(url, allowed[i]);
	}
	/* The replay tests' switch lifts the plain-http rule only. */
	kv[1] = "http://example.com/creds";
	tl_host_env(&host, kv);
	ck_assert_int_eq(acfs_container_url(&host.env.env, 1, url, sizeof(url), &e), ACFS_OK);
	kv[1] = "ftp://127.0.0.1/creds";
	tl_host_env(&host, kv);
	ck_assert_int_eq(acfs_container_url(&host.env.env, 1, url, sizeof(url), &e),
			 ACFS_E_POLICY);
}
END_TEST

START_TEST(bad_uris)
{
	const char *kv[] = { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/x",
		NULL };
	acfs_err e;

	tl_host_env(&host, kv);
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "must start with '/'"));
	kv[1] = "/creds\r\nX: y";
	tl_host_env(&host, kv);
	fetch(ACFS_E_CONFIG, &e);
	kv[0] = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
	kv[1] = "/credentials";
	tl_host_env(&host, kv);
	fetch(ACFS_E_CONFIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "URI did not specify a host"));
	kv[0] = NULL;
	tl_host_env(&host, kv);
	fetch(ACFS_E_NOTFOUND, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "No environment variables were set "
				     "to configure ECS provider"));
	ck_assert_int_eq(host.http.nsent, 0);
}
END_TEST

START_TEST(server_errors_and_resets_retried)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"/creds", NULL };
	acfs_creds *c;
	acfs_err e;

	tl_host_env(&host, kv);
	tl_http_reply_add(&host.http, 0, 503, "{\"code\":\"Busy\",\"message\":\"later\"}");
	tl_http_reply_add(&host.http, 1, 0, NULL);
	tl_http_reply_add(&host.http, 0, 200, OK_BODY);
	c = fetch(ACFS_OK, &e);
	acfs_creds_unref(c);
	ck_assert_int_eq(host.http.nsent, 3);
	/* Full jitter at its top: 100 then 200 ms. */
	ck_assert_int_eq(host.clock.slept_ms, 100 + 200);
}
END_TEST

/* Five failures scripted: the client stops at its attempt limit. */
START_TEST(retries_run_out)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"/creds", NULL };
	static const char *const want[2] = { "HTTP 500: InternalError: broken",
		"gave up after 3 attempts" };
	acfs_code codes[2] = { ACFS_E_REMOTE, ACFS_E_NET };
	acfs_err e;
	int net, i;

	tl_host_env(&host, kv);
	for (net = 0; net < 2; net++) {
		tl_http_init(&host.http, &host.clock);
		for (i = 0; i < 5; i++)
			tl_http_reply_add(&host.http, net, 500, "{\"code\":\"InternalError\","
					  "\"message\":\"broken\"}");
		fetch(codes[net], &e);
		ck_assert_int_eq(host.http.nsent, ACFS_CONTAINER_ATTEMPTS);
		ck_assert_msg(strstr(e.msg, want[net]) != NULL, "%s", e.msg);
		ck_assert_ptr_nonnull(strstr(e.msg, net ? "Connection refused" :
					     "3 attempts"));
	}
}
END_TEST

START_TEST(timeouts_cut_to_the_budget)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"/creds", NULL };
	acfs_err e;
	int i;

	tl_host_env(&host, kv);
	host.http.request_ms = 2000;
	for (i = 0; i < 5; i++)
		tl_http_reply_add(&host.http, 0, 503, "");
	fetch(ACFS_E_REMOTE, &e);
	/* 0: 2000 ms, sleep 100; 2100: 2000 ms, sleep 200; 4300: 700 left. */
	ck_assert_int_eq(host.http.nsent, 3);
	ck_assert_int_eq(host.http.sent[1].timeout_ms, 2000);
	ck_assert_int_eq(host.http.sent[2].timeout_ms, 700);
	ck_assert_int_eq(host.http.sent[2].connect_timeout_ms, 700);
	ck_assert_int_le(host.clock.elapsed_ms, 2 * ACFS_CONTAINER_BUDGET_MS);
}
END_TEST

START_TEST(client_errors_final_and_verbatim)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://169.254.170.23/v1/credentials",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH, NULL };
	acfs_err e;

	tl_host_env(&host, kv);
	tl_http_reply_add(&host.http, 0, 403, "{\"code\":\"AccessDeniedException\","
			  "\"message\":\"Pod identity association not found\"}");
	tl_http_reply_add(&host.http, 0, 400, "<html>Bad\trequest</html>");
	tl_http_reply_add(&host.http, 0, 401, "bad token: " AUTH);
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_int_eq(host.http.nsent, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "HTTP 403: AccessDeniedException: "
				     "Pod identity association not found"));
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "HTTP 400: <html>Bad?request</html>"));
	/* A body that echoes the token is not shown. */
	fetch(ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "HTTP 401: (body not shown"));
	ck_assert_int_eq(host.http.nsent, 3);
}
END_TEST

START_TEST(bad_bodies_not_retried)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"/creds", NULL };
	char *big = malloc(64 * 1024 + 2);
	acfs_err e;

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 64 * 1024 + 1);
	big[0] = '{';
	big[64 * 1024] = '}';
	big[64 * 1024 + 1] = '\0';
	tl_host_env(&host, kv);
	tl_http_reply_add(&host.http, 0, 200, big);
	tl_http_reply_add(&host.http, 0, 200, "not json");
	tl_http_reply_add(&host.http, 0, 200, "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\""
			  SECRET "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}");
	fetch(ACFS_E_TOOBIG, &e);
	fetch(ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "not valid JSON"));
	fetch(ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "has no Token"));
	ck_assert_int_eq(host.http.nsent, 3);
	free(big);
}
END_TEST

START_TEST(resolver_names_the_profile)
{
	static const char *const kv[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"http://example.com/creds", NULL };
	acfs_creds *c = NULL;
	acfs_plan plan;
	acfs_hop hop;
	acfs_err e;

	tl_host_env(&host, kv);
	memset(&plan, 0, sizeof(plan));
	memset(&hop, 0, sizeof(hop));
	hop.kind = ACFS_HOP_CONTAINER;
	hop.profile = "ecs";
	plan.profile = "top";
	plan.hops = &hop;
	plan.nhops = 1;
	ck_assert_int_eq(acfs_resolve_plan(&host.r, &plan, &c, &e), ACFS_E_POLICY);
	ck_assert_ptr_nonnull(strstr(e.msg, "profile 'ecs': "));
	ck_assert_ptr_nonnull(strstr(e.msg, "refusing plain http to example.com"));
	ck_assert_int_eq(host.http.nsent, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("container");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, relative_uri_request_and_result);
	tcase_add_test(tc, full_uri_with_token_from_env);
	tcase_add_test(tc, token_file_beats_env_and_is_read_each_time);
	tcase_add_test(tc, token_line_breaks_refused_unsent);
	tcase_add_test(tc, token_file_missing_or_too_big);
	tcase_add_test(tc, env_token_too_big);
	tcase_add_test(tc, long_token_sent_whole);
	tcase_add_test(tc, host_rules);
	tcase_add_test(tc, bad_uris);
	tcase_add_test(tc, server_errors_and_resets_retried);
	tcase_add_test(tc, retries_run_out);
	tcase_add_test(tc, timeouts_cut_to_the_budget);
	tcase_add_test(tc, client_errors_final_and_verbatim);
	tcase_add_test(tc, bad_bodies_not_retried);
	tcase_add_test(tc, resolver_names_the_profile);
	suite_add_tcase(s, tc);
	return tl_run_suite(s, "unit-container");
}
