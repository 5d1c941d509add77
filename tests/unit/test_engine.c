/* test_engine.c - the engine's semantics against a fake STS and clock:
 * lazy, shared hops, single flight, refresh window, stale but valid,
 * expiry, reload, and status without STS. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "http.h"
#include "testlib.h"

#define NS "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""

static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t fk_now = 1800000000;
static int fk_calls, fk_arwwi, fk_ar, fk_fail, fk_delay_ms, fk_lifetime = 3600;

static time_t clock_now(void *c) { (void)c; return __atomic_load_n(&fk_now, __ATOMIC_SEQ_CST); }

static acfs_code fk_send(acfs_http *h, const acfs_http_request *req,
			 acfs_http_response *resp, acfs_err *e)
{
	char body[2048], when[32];
	struct tm tm;
	time_t exp;
	int n, web;

	(void)h;
	if (fk_delay_ms)
		usleep((useconds_t)fk_delay_ms * 1000);
	pthread_mutex_lock(&fk_lock);
	fk_calls++;
	web = strstr(req->body, "Action=AssumeRoleWithWebIdentity") != NULL;
	if (web)
		fk_arwwi++;
	else
		fk_ar++;
	n = fk_calls;
	pthread_mutex_unlock(&fk_lock);
	memset(resp, 0, sizeof(*resp));
	acfs_buf_init(&resp->body, req->max_response);
	if (fk_fail) {
		resp->status = 503;
		snprintf(body, sizeof(body), "<ErrorResponse " NS "><Error><Type>Receiver</Type>"
			 "<Code>ServiceUnavailable</Code><Message>down</Message></Error>"
			 "<RequestId>x</RequestId></ErrorResponse>");
	} else {
		exp = clock_now(NULL) + fk_lifetime;
		gmtime_r(&exp, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		resp->status = 200;
		snprintf(body, sizeof(body),
			 "<%sResponse " NS "><%sResult><AssumedRoleUser><Arn>"
			 "arn:aws:sts::444455556666:assumed-role/r/s</Arn><AssumedRoleId>A:s"
			 "</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>ASIA%04d"
			 "</AccessKeyId><SecretAccessKey>secret%d</SecretAccessKey><SessionToken>"
			 "token%d</SessionToken><Expiration>%s</Expiration></Credentials>"
			 "</%sResult></%sResponse>",
			 web ? "AssumeRoleWithWebIdentity" : "AssumeRole",
			 web ? "AssumeRoleWithWebIdentity" : "AssumeRole", n, n, n, when,
			 web ? "AssumeRoleWithWebIdentity" : "AssumeRole",
			 web ? "AssumeRoleWithWebIdentity" : "AssumeRole");
	}
	acfs_buf_add(&resp->body, body, strlen(body));
	(void)e;
	return ACFS_OK;
}

static acfs_http fake = { fk_send, NULL };
static char dir[256], cfg[300], tok[300];
static const acfs_env_table no_env = { (const char *const[]){ NULL, NULL } };
static acfs_env env;
static acfs_engine *eng;

static void write_config(const char *extra)
{
	FILE *f = fopen(cfg, "w");

	fprintf(f, "[profile a]\nrole_arn = arn:aws:iam::111122223333:role/a\n"
		"web_identity_token_file = %s\n"
		"[profile b]\nrole_arn = arn:aws:iam::444455556666:role/b\nsource_profile = a\n"
		"[profile c]\nrole_arn = arn:aws:iam::444455556666:role/c\nsource_profile = a\n"
		"[profile bad]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = bad2\n"
		"[profile bad2]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = bad\n"
		"[profile sl/ash]\naws_access_key_id = AK\naws_secret_access_key = SK\n%s",
		tok, extra);
	fclose(f);
}

static void setup(void)
{
	acfs_engine_opts o;
	acfs_err e;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/acfs-engine-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg), "%s/config", dir);
	snprintf(tok, sizeof(tok), "%s/token", dir);
	f = fopen(tok, "w");
	fputs("eyJhbGciOiJub25lIn0.e30.\n", f);
	fclose(f);
	write_config("");
	fk_now = 1800000000;
	fk_calls = fk_arwwi = fk_ar = fk_fail = fk_delay_ms = 0;
	fk_lifetime = 3600;
	acfs_env_from_table(&env, (acfs_env_table *)&no_env);
	memset(&o, 0, sizeof(o));
	o.config_path = cfg;
	o.env = &env;
	o.http = &fake;
	o.refresh_window_s = 600;
	o.sts_timeout_ms = 2000;
	o.now = clock_now;
	o.mount_point = "/run/awscreds";
	ck_assert_int_eq(acfs_engine_new(&o, &eng, &e), ACFS_OK);
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/", 1);
}

static void teardown(void)
{
	char cmd[300];

	acfs_engine_free(eng);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The table env has no AWS_ENDPOINT_URL_STS; the plan goes to the real
 * endpoint, which the fake transport answers whatever the URL. */

static acfs_blob *get(const char *name, acfs_file_kind k, acfs_code want)
{
	acfs_profile_id id;
	acfs_blob *b = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_engine_lookup(eng, name, &id), ACFS_OK);
	ck_assert_int_eq(acfs_engine_content(eng, id, k, &b, &e), want);
	return b;
}

START_TEST(lazy_and_listing)
{
	char **names;
	acfs_profile_id *ids;
	acfs_blob *b;
	size_t n;

	ck_assert_int_eq(acfs_engine_list(eng, &names, &ids, &n), ACFS_OK);
	ck_assert_uint_eq(n, 5);   /* "sl/ash" is hidden */
	ck_assert_str_eq(names[0], "a");
	acfs_engine_list_free(names, ids, n);
	/* status and config never call STS */
	b = get("b", ACFS_FILE_STATUS, ACFS_OK);
	ck_assert_ptr_nonnull(strstr(b->data, "\"unresolved\""));
	acfs_blob_unref(b);
	acfs_blob_unref(get("b", ACFS_FILE_CONFIG, ACFS_OK));
	ck_assert_int_eq(fk_calls, 0);
	ck_assert_int_eq(acfs_engine_top_status(eng, 0, &b, NULL), ACFS_OK);
	ck_assert_ptr_nonnull(strstr(b->data, "sl/ash"));
	ck_assert_ptr_nonnull(strstr(b->data, "contains '/'"));
	acfs_blob_unref(b);
}
END_TEST

START_TEST(shared_hops_and_cache)
{
	acfs_blob *b1, *b2, *b3;

	b1 = get("b", ACFS_FILE_CREDENTIALS, ACFS_OK);
	ck_assert_int_eq(fk_arwwi, 1);
	ck_assert_int_eq(fk_ar, 1);
	ck_assert_ptr_nonnull(strstr(b1->data, "[default]\naws_access_key_id = ASIA0002\n"
				     "aws_secret_access_key = secret2\naws_session_token = token2\n"));
	ck_assert_ptr_nonnull(strstr(b1->data, "\n[b]\n"));
	b2 = get("b", ACFS_FILE_CREDENTIALS, ACFS_OK);
	ck_assert_ptr_eq(b1, b2);
	ck_assert_int_eq(fk_calls, 2);
	/* c shares a's hop: only its own AssumeRole. */
	b3 = get("c", ACFS_FILE_EXPIRATION, ACFS_OK);
	ck_assert_int_eq(fk_arwwi, 1);
	ck_assert_int_eq(fk_ar, 2);
	ck_assert_str_eq(b3->data, "2027-01-15T09:00:00Z\n");
	acfs_blob_unref(b1);
	acfs_blob_unref(b2);
	acfs_blob_unref(b3);
	b1 = get("b", ACFS_FILE_STATUS, ACFS_OK);
	ck_assert_ptr_nonnull(strstr(b1->data, "\"state\":\"fresh\""));
	ck_assert_ptr_null(strstr(b1->data, "secret2"));
	ck_assert_ptr_null(strstr(b1->data, "token2"));
	acfs_blob_unref(b1);
}
END_TEST

static void *reader(void *arg)
{
	acfs_blob *b = get((const char *)arg, ACFS_FILE_PROCESS_JSON, ACFS_OK);

	return b;
}

START_TEST(single_flight)
{
	pthread_t t[32];
	void *r[32];
	int i;

	fk_delay_ms = 50;
	for (i = 0; i < 32; i++)
		pthread_create(&t[i], NULL, reader, i % 2 ? "b" : "c");
	for (i = 0; i < 32; i++)
		pthread_join(t[i], &r[i]);
	ck_assert_int_eq(fk_arwwi, 1);
	ck_assert_int_eq(fk_ar, 2);
	for (i = 2; i < 32; i++) {
		ck_assert_ptr_eq(r[i], r[i % 2]);   /* one snapshot per profile */
		acfs_blob_unref(r[i]);
	}
	acfs_blob_unref(r[0]);
	acfs_blob_unref(r[1]);
}
END_TEST

START_TEST(refresh_window_and_short_sessions)
{
	acfs_blob *b;

	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	ck_assert_int_eq(fk_calls, 2);
	fk_now += 3600 - 601;   /* just outside the 600 s window */
	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	ck_assert_int_eq(fk_calls, 2);
	fk_now += 2;            /* inside: both hops refresh, base first */
	b = get("b", ACFS_FILE_CREDENTIALS, ACFS_OK);
	ck_assert_int_eq(fk_arwwi, 2);
	ck_assert_int_eq(fk_ar, 2);
	ck_assert_ptr_nonnull(strstr(b->data, "ASIA0004"));
	acfs_blob_unref(b);
	/* A 15-minute session: half its lifetime is the window (450 s). */
	fk_lifetime = 900;
	fk_now += 3600;
	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	ck_assert_int_eq(fk_calls, 6);
	fk_now += 449;
	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	ck_assert_int_eq(fk_calls, 6);
	fk_now += 2;
	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	ck_assert_int_eq(fk_calls, 8);
}
END_TEST

START_TEST(stale_but_valid_then_error_then_recovery)
{
	acfs_blob *b1, *b2, *s;

	b1 = get("b", ACFS_FILE_CREDENTIALS, ACFS_OK);
	fk_fail = 1;
	fk_now += 3600 - 300;   /* in the window */
	b2 = get("b", ACFS_FILE_CREDENTIALS, ACFS_OK);
	ck_assert_ptr_eq(b1, b2);   /* the cached, still valid content */
	s = get("b", ACFS_FILE_STATUS, ACFS_OK);
	ck_assert_ptr_nonnull(strstr(s->data, "stale-valid"));
	ck_assert_ptr_nonnull(strstr(s->data, "ServiceUnavailable: down"));
	acfs_blob_unref(s);
	acfs_blob_unref(b2);
	fk_now += 301;          /* expired */
	ck_assert_ptr_null(get("b", ACFS_FILE_CREDENTIALS, ACFS_E_REMOTE));
	s = get("b", ACFS_FILE_STATUS, ACFS_OK);
	ck_assert_ptr_nonnull(strstr(s->data, "\"state\":\"error\""));
	acfs_blob_unref(s);
	fk_fail = 0;            /* STS is back: the next read works */
	b2 = get("b", ACFS_FILE_CREDENTIALS, ACFS_OK);
	ck_assert_ptr_ne(b1, b2);
	acfs_blob_unref(b1);
	acfs_blob_unref(b2);
}
END_TEST

START_TEST(bad_profile_does_not_hurt_others)
{
	acfs_blob *s;
	acfs_err e;
	acfs_profile_id id;

	ck_assert_int_eq(acfs_engine_lookup(eng, "bad", &id), ACFS_OK);
	ck_assert_int_eq(acfs_engine_content(eng, id, ACFS_FILE_CREDENTIALS, &s, &e),
			 ACFS_E_CYCLE);
	ck_assert_ptr_nonnull(strstr(e.msg, "bad -> bad2 -> bad"));
	s = get("bad", ACFS_FILE_STATUS, ACFS_OK);
	ck_assert_ptr_nonnull(strstr(s->data, "bad -> bad2 -> bad"));
	acfs_blob_unref(s);
	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	ck_assert_int_eq(fk_calls, 0 + 2);
}
END_TEST

START_TEST(reload_adds_changes_removes)
{
	acfs_profile_id idb, idb2, idn;
	acfs_blob *b;
	int changed;
	acfs_err e;

	ck_assert_int_eq(acfs_engine_lookup(eng, "b", &idb), ACFS_OK);
	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	write_config("[profile new]\naws_access_key_id = AK\naws_secret_access_key = SK\n");
	ck_assert_int_eq(acfs_engine_reload(eng, &changed, &e), ACFS_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(acfs_engine_lookup(eng, "new", &idn), ACFS_OK);
	/* b unchanged: same id, still cached */
	ck_assert_int_eq(acfs_engine_lookup(eng, "b", &idb2), ACFS_OK);
	ck_assert_uint_eq(idb, idb2);
	acfs_blob_unref(get("b", ACFS_FILE_CREDENTIALS, ACFS_OK));
	ck_assert_int_eq(fk_calls, 2);
	/* change b's role: same id, new hop, a new AssumeRole only */
	{
		FILE *f = fopen(cfg, "a");

		fputs("[profile b]\nexternal_id = xyz\n", f);
		fclose(f);
	}
	ck_assert_int_eq(acfs_engine_reload(eng, &changed, &e), ACFS_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(acfs_engine_lookup(eng, "b", &idb2), ACFS_OK);
	ck_assert_uint_eq(idb, idb2);
	b = get("b", ACFS_FILE_CREDENTIALS, ACFS_OK);
	ck_assert_int_eq(fk_arwwi, 1);
	ck_assert_int_eq(fk_ar, 2);
	acfs_blob_unref(b);
	write_config("");
	ck_assert_int_eq(acfs_engine_reload(eng, &changed, &e), ACFS_OK);
	ck_assert_int_eq(acfs_engine_lookup(eng, "new", &idn), ACFS_E_NOTFOUND);
	ck_assert_int_eq(acfs_engine_content(eng, idn, ACFS_FILE_STATUS, &b, &e),
			 ACFS_E_NOTFOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lazy_and_listing);
	tcase_add_test(tc, shared_hops_and_cache);
	tcase_add_test(tc, single_flight);
	tcase_add_test(tc, refresh_window_and_short_sessions);
	tcase_add_test(tc, stale_but_valid_then_error_then_recovery);
	tcase_add_test(tc, bad_profile_does_not_hurt_others);
	tcase_add_test(tc, reload_adds_changes_removes);
	suite_add_tcase(s, tc);
	return tl_run_suite(s, "unit-engine");
}
