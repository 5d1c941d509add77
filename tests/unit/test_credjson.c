/* test_credjson.c - the container, IMDS and credential_process documents:
 * fields, case, types, bounds, error documents, and no secret in any
 * message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credjson.h"
#include "testlib.h"

#define SECRET "SECRETVALUEsecretvalue"
#define TOKEN "TOKENVALUEtokenvalue"

/* The EKS Pod Identity body of shared/conformance, space before a colon. */
#define EKS_BODY \
	"{\"RoleArn\":\"arn:aws:iam::123456789:role/eks-pod-identity-role\"," \
	"\"AccessKeyId\":\"ASIARCORRECT\",\"SecretAccessKey\":\"" SECRET "\"," \
	"\"Token\":\"" TOKEN "\",\"AccountId\":\"012345678901\"," \
	"\"Expiration\" : \"2009-02-13T23:31:30Z\"}"

#define IMDS_BODY \
	"{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2021-09-20T21:42:26Z\",\n" \
	"  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIARTEST\",\n" \
	"  \"SecretAccessKey\" : \"" SECRET "\",\n  \"Token\" : \"" TOKEN "\",\n" \
	"  \"Expiration\" : \"2021-09-21T04:16:53Z\"\n}"

#define PROCESS_BODY \
	"{ \"Version\": 1, \"AccessKeyId\": \"ASIARTESTID\", \"SecretAccessKey\": \"" \
	SECRET "\", \"SessionToken\": \"" TOKEN "\", \"AccountId\": \"123456789002\", " \
	"\"Expiration\": \"2022-05-02T18:36:00+00:00\" }\n"

static const char *const secrets[] = { SECRET, TOKEN, NULL };

typedef acfs_code (*parser)(const char *, size_t, acfs_creds **, acfs_err *);

/* Parses s, expects rc, checks that the message never shows a secret, and
 * returns the snapshot (NULL on failure). */
static acfs_creds *parse(parser p, const char *s, size_t len, acfs_code want,
			 acfs_err *e)
{
	acfs_creds *c = (acfs_creds *)1;
	acfs_code rc;

	acfs_err_clear(e);
	rc = p(s, len, &c, e);
	tl_assert_outcome(rc, want, c, e, secrets);
	return c;
}

static acfs_creds *parse_s(parser p, const char *s, acfs_code want, acfs_err *e)
{
	return parse(p, s, strlen(s), want, e);
}

START_TEST(container_eks_document)
{
	acfs_creds *c;
	acfs_err e;

	c = parse_s(acfs_credjson_container, EKS_BODY, ACFS_OK, &e);
	ck_assert_str_eq(c->access_key_id, "ASIARCORRECT");
	ck_assert_str_eq(c->secret_access_key, SECRET);
	ck_assert_str_eq(c->session_token, TOKEN);
	ck_assert_str_eq(c->account_id, "012345678901");
	ck_assert_int_eq((long long)c->expiration, 1234567890LL);
	ck_assert_ptr_null(c->arn);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(container_keys_any_case_and_success_code)
{
	acfs_creds *c;
	acfs_err e;

	c = parse_s(acfs_credjson_container,
		    "{\"code\":\"Success\",\"accesskeyid\":\"AK\",\"SECRETACCESSKEY\":\""
		    SECRET "\",\"token\":\"" TOKEN "\",\"expiration\":\"2030-01-01T00:00:00Z\"}",
		    ACFS_OK, &e);
	ck_assert_str_eq(c->access_key_id, "AK");
	ck_assert_str_eq(c->account_id, "");
	acfs_creds_unref(c);
}
END_TEST

START_TEST(container_missing_fields)
{
	static const char *const docs[][2] = {
		{ "{\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN "\","
		  "\"Expiration\":\"2030-01-01T00:00:00Z\"}", "AccessKeyId" },
		{ "{\"AccessKeyId\":\"AK\",\"Token\":\"" TOKEN "\","
		  "\"Expiration\":\"2030-01-01T00:00:00Z\"}", "SecretAccessKey" },
		{ "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"" SECRET "\","
		  "\"Expiration\":\"2030-01-01T00:00:00Z\"}", "Token" },
		{ "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"" SECRET "\","
		  "\"Token\":\"" TOKEN "\"}", "Expiration" },
		{ "{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"" SECRET "\","
		  "\"Token\":\"" TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
		  "AccessKeyId is empty" },
	};
	acfs_err e;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		parse_s(acfs_credjson_container, docs[i][0], ACFS_E_SYNTAX, &e);
		ck_assert_msg(strstr(e.msg, docs[i][1]) != NULL, "%s", e.msg);
	}
}
END_TEST

START_TEST(container_error_document_verbatim)
{
	acfs_err e;

	parse_s(acfs_credjson_container, "{\"code\":\"AccessDenied\",\"message\":"
		"\"Unable to fetch credentials: not authorized\"}",
		ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "AccessDenied: Unable to fetch "
				     "credentials: not authorized"));
	parse_s(acfs_credjson_container, "{\"Code\":\"Throttled\",\"Message\":"
		"\"bell\\u0007and\\nnewline\"}", ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "Throttled: bell?and?newline"));
	parse_s(acfs_credjson_container, "{\"message\":\"only a message\"}",
		ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "(no code): only a message"));
	parse_s(acfs_credjson_container, "{\"code\":\"Oops\"}", ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "Oops: no message"));
}
END_TEST

START_TEST(error_message_is_bounded)
{
	static const char head[] = "{\"code\":\"Big\",\"message\":\"";
	char body[8192];
	acfs_err e;

	memset(body, 'm', sizeof(body));
	memcpy(body, head, sizeof(head) - 1);
	memcpy(body + sizeof(body) - 3, "\"}", 3);
	parse_s(acfs_credjson_container, body, ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "Big: mmmm"));
	ck_assert_ptr_nonnull(strstr(e.msg, "..."));
	ck_assert_int_lt(strlen(e.msg), 800);
}
END_TEST

START_TEST(types_and_characters)
{
	static const char *const docs[] = {
		"{\"AccessKeyId\":5,\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
		TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
		"{\"AccessKeyId\":null,\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
		TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
		"{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":[\"" SECRET "\"],\"Token\":\""
		TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
		"{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
		TOKEN "\\u0000x\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
		"{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"" SECRET "\\n\",\"Token\":\""
		TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
		"{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
		TOKEN "\",\"Expiration\":\"next tuesday\"}",
		"{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
		TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\",\"AccountId\":\"12345\"}",
		"{\"AccessKeyId\":\"AK\",\"accessKeyId\":\"AK2\",\"SecretAccessKey\":\""
		SECRET "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
	};
	static const char *const why[] = { "AccessKeyId is not a string",
		"AccessKeyId is not a string", "SecretAccessKey is not a string",
		"Token contains a control character",
		"SecretAccessKey contains a control character",
		"'next tuesday' is not an ISO 8601", "'12345' is not 12 digits",
		"AccessKeyId twice" };
	acfs_err e;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		parse_s(acfs_credjson_container, docs[i], ACFS_E_SYNTAX, &e);
		ck_assert_msg(strstr(e.msg, why[i]) != NULL, "%zu: %s", i, e.msg);
	}
}
END_TEST

START_TEST(malformed_documents)
{
	static const char *const docs[] = {
		"404: not found", "[1,2,3]", "\"a string\"", "",  "  \n",
		"{\"AccessKeyId\":\"AK\"", "{\"AccessKeyId\":\"AK\"} trailing",
		"{\"AccessKeyId\":'AK'}", "{AccessKeyId:\"AK\"}",
		"{\"AccessKeyId\":\"AK\",}", "{\"a\":\"\xff\xfe\"}",
		"{\"a\":[[[[[[[[[[1]]]]]]]]]]}",
	};
	static const char with_nul[] = "{\"AccessKeyId\":\"A\0K\"}";
	acfs_err e;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		parse_s(acfs_credjson_container, docs[i], ACFS_E_SYNTAX, &e);
		parse_s(acfs_credjson_imds, docs[i], ACFS_E_SYNTAX, &e);
		parse_s(acfs_credjson_process, docs[i], ACFS_E_SYNTAX, &e);
	}
	parse(acfs_credjson_container, with_nul, sizeof(with_nul) - 1,
	      ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "NUL"));
	parse_s(acfs_credjson_container, "{\"a\":[[[[[[[[[[1]]]]]]]]]]}",
		ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "nested"));
	parse_s(acfs_credjson_container, "{\"AccessKeyId\":\"AK\"} x",
		ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "text after"));
}
END_TEST

START_TEST(oversized)
{
	size_t n = ACFS_CREDJSON_BODY_MAX + 1, tn = ACFS_CREDJSON_TOKEN_MAX + 1;
	char *big = malloc(n + 1), *doc;
	acfs_err e;

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	parse(acfs_credjson_container, big, n, ACFS_E_TOOBIG, &e);
	parse(acfs_credjson_process, big, n, ACFS_E_TOOBIG, &e);
	/* A token one byte over its cap, in a body under the body cap. */
	doc = malloc(tn + 256);
	ck_assert_ptr_nonnull(doc);
	snprintf(doc, tn + 256, "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"s\","
		 "\"Expiration\":\"2030-01-01T00:00:00Z\",\"Token\":\"%.*s\"}",
		 (int)tn, big + 1);
	parse_s(acfs_credjson_container, doc, ACFS_E_TOOBIG, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "Token is longer than"));
	free(doc);
	free(big);
}
END_TEST

START_TEST(imds_document)
{
	acfs_creds *c;
	acfs_err e;

	c = parse_s(acfs_credjson_imds, IMDS_BODY, ACFS_OK, &e);
	ck_assert_str_eq(c->access_key_id, "ASIARTEST");
	ck_assert_str_eq(c->secret_access_key, SECRET);
	ck_assert_str_eq(c->session_token, TOKEN);
	ck_assert_int_eq((long long)c->expiration, 1632197813LL);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(imds_code_rules)
{
	acfs_err e;

	parse_s(acfs_credjson_imds, "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\""
		SECRET "\",\"Token\":\"" TOKEN "\",\"Expiration\":"
		"\"2030-01-01T00:00:00Z\"}", ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "has no Code"));
	parse_s(acfs_credjson_imds, "{\"Code\":\"AssumeRoleUnauthorizedAccess\","
		"\"Message\":\"EC2 cannot assume the role integration-test.\","
		"\"LastUpdated\":\"2021-09-17T20:46:56Z\"}", ACFS_E_REMOTE, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "AssumeRoleUnauthorizedAccess: EC2 "
				     "cannot assume the role integration-test."));
	parse_s(acfs_credjson_imds, "{\"Code\":\"Success\",\"Type\":1,"
		"\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
		TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}", ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "Type is not a string"));
}
END_TEST

START_TEST(process_document)
{
	acfs_creds *c;
	acfs_err e;

	c = parse_s(acfs_credjson_process, PROCESS_BODY, ACFS_OK, &e);
	ck_assert_str_eq(c->access_key_id, "ASIARTESTID");
	ck_assert_str_eq(c->session_token, TOKEN);
	ck_assert_str_eq(c->account_id, "123456789002");
	ck_assert_int_eq((long long)c->expiration, 1651516560LL);
	acfs_creds_unref(c);
	/* Long-lived keys: no token, no expiration; "Token" is not the
	 * credential_process spelling. */
	c = parse_s(acfs_credjson_process, "{\"version\":1,\"accesskeyid\":\"AKIA\","
		    "\"secretaccesskey\":\"" SECRET "\",\"Token\":\"" TOKEN "\"}",
		    ACFS_OK, &e);
	ck_assert_str_eq(c->access_key_id, "AKIA");
	ck_assert_ptr_null(c->session_token);
	ck_assert_int_eq((long long)c->expiration, 0);
	acfs_creds_unref(c);
}
END_TEST

START_TEST(expiration_offsets)
{
	/* RFC 3339 offsets, as botocore and aws-sdk-go-v2 read them
	 * (granted prints local time): all the same instant. */
	static const char *const same[] = { "2022-05-02T18:36:00Z",
		"2022-05-02T18:36:00+00:00", "2022-05-02T19:36:00+01:00",
		"2022-05-02T13:06:00-05:30", "2022-05-03T04:36:00.123+10:00" };
	static const char *const bad[] = { "2022-05-02T18:36:00+24:00",
		"2022-05-02T18:36:00+01:60", "2022-05-02T18:36:00+0100",
		"2022-05-02T18:36:00", "+01:00", "2022-05-02T18:36:00Z+01:00" };
	char doc[256];
	acfs_creds *c;
	acfs_err e;
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(doc, sizeof(doc), "{\"Version\":1,\"AccessKeyId\":\"AK\","
			 "\"SecretAccessKey\":\"" SECRET "\",\"Expiration\":\"%s\"}",
			 same[i]);
		c = parse_s(acfs_credjson_process, doc, ACFS_OK, &e);
		ck_assert_msg(c->expiration == 1651516560, "%s: %lld", same[i],
			      (long long)c->expiration);
		acfs_creds_unref(c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), "{\"Version\":1,\"AccessKeyId\":\"AK\","
			 "\"SecretAccessKey\":\"" SECRET "\",\"Expiration\":\"%s\"}",
			 bad[i]);
		parse_s(acfs_credjson_process, doc, ACFS_E_SYNTAX, &e);
		ck_assert_msg(strstr(e.msg, "Expiration") != NULL, "%s", e.msg);
	}
}
END_TEST

START_TEST(optional_null_is_absent)
{
	acfs_creds *c;
	acfs_err e;

	/* null where a field is optional means absent, as in botocore
	 * (parsed.get) and aws-sdk-go-v2; a required one stays refused. */
	c = parse_s(acfs_credjson_process, "{\"Version\":1,\"AccessKeyId\":\"AK\","
		    "\"SecretAccessKey\":\"" SECRET "\",\"SessionToken\":null,"
		    "\"Expiration\":null,\"AccountId\":null}", ACFS_OK, &e);
	ck_assert_ptr_null(c->session_token);
	ck_assert_str_eq(c->account_id, "");
	ck_assert_int_eq((long long)c->expiration, 0);
	acfs_creds_unref(c);
	parse_s(acfs_credjson_process, "{\"Version\":1,\"AccessKeyId\":\"AK\","
		"\"SecretAccessKey\":null}", ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "SecretAccessKey"));
	parse_s(acfs_credjson_container, "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\""
		SECRET "\",\"Token\":null,\"Expiration\":\"2030-01-01T00:00:00Z\"}",
		ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "Token"));
}
END_TEST

START_TEST(process_version)
{
	static const char *const versions[] = { "", "\"Version\":\"1\",",
		"\"Version\":2,", "\"Version\":1.0,", "\"Version\":true,",
		"\"Version\":null," };
	char doc[256];
	acfs_err e;
	size_t i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		snprintf(doc, sizeof(doc), "{%s\"AccessKeyId\":\"AK\","
			 "\"SecretAccessKey\":\"" SECRET "\"}", versions[i]);
		parse_s(acfs_credjson_process, doc, ACFS_E_SYNTAX, &e);
		ck_assert_msg(strstr(e.msg, "Version") != NULL, "%s", e.msg);
	}
	parse_s(acfs_credjson_process, "{\"Version\":1,\"SecretAccessKey\":\""
		SECRET "\"}", ACFS_E_SYNTAX, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "has no AccessKeyId"));
}
END_TEST

START_TEST(error_document_detection)
{
	static const char doc[] = "{\"code\":\"X\",\"message\":\"y\"}";
	char out[256];

	ck_assert(acfs_credjson_error(doc, sizeof(doc) - 1, out, sizeof(out)));
	ck_assert_str_eq(out, "X: y");
	ck_assert(!acfs_credjson_error(EKS_BODY, strlen(EKS_BODY), out, sizeof(out)));
	ck_assert(!acfs_credjson_error("<html>", 6, out, sizeof(out)));
	ck_assert(!acfs_credjson_error("{\"code\":5}", 10, out, sizeof(out)));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("credjson");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, container_eks_document);
	tcase_add_test(tc, container_keys_any_case_and_success_code);
	tcase_add_test(tc, container_missing_fields);
	tcase_add_test(tc, container_error_document_verbatim);
	tcase_add_test(tc, error_message_is_bounded);
	tcase_add_test(tc, types_and_characters);
	tcase_add_test(tc, malformed_documents);
	tcase_add_test(tc, oversized);
	tcase_add_test(tc, imds_document);
	tcase_add_test(tc, imds_code_rules);
	tcase_add_test(tc, process_document);
	tcase_add_test(tc, expiration_offsets);
	tcase_add_test(tc, optional_null_is_absent);
	tcase_add_test(tc, process_version);
	tcase_add_test(tc, error_document_detection);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run_suite(suite(), "unit-credjson");
}
