/* test_stsxml.c - the STS XML parser on good, bad and hostile bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "stsxml.h"
#include "testlib.h"

#define NS "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""

static const char good[] =
	"<AssumeRoleResponse " NS ">\n"
	"  <AssumeRoleResult>\n"
	"    <SourceIdentity>alice</SourceIdentity>\n"
	"    <AssumedRoleUser>\n"
	"      <AssumedRoleId>AROA3XFRBF23:s1</AssumedRoleId>\n"
	"      <Arn>arn:aws:sts::444455556666:assumed-role/account-b-role/s1</Arn>\n"
	"    </AssumedRoleUser>\n"
	"    <Credentials>\n"
	"      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"
	"      <SecretAccessKey>sekrit/+=</SecretAccessKey>\n"
	"      <SessionToken>tok\n  en&amp;</SessionToken>\n"
	"      <Expiration>2026-11-22T13:45:00.123Z</Expiration>\n"
	"    </Credentials>\n"
	"    <PackedPolicySize>6</PackedPolicySize>\n"
	"  </AssumeRoleResult>\n"
	"  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n"
	"</AssumeRoleResponse>\n";

static acfs_code parse(const char *s, acfs_sts_response *r, acfs_err *e)
{
	return acfs_stsxml_parse(s, strlen(s), r, e);
}

START_TEST(assume_role_fields)
{
	acfs_sts_response r;
	acfs_err e;
	char acct[13];

	ck_assert_int_eq(parse(good, &r, &e), ACFS_OK);
	ck_assert_int_eq(r.kind, ACFS_STS_RESP_ASSUME_ROLE);
	ck_assert_str_eq(r.access_key_id, "ASIAEXAMPLE");
	ck_assert_str_eq(r.secret_access_key, "sekrit/+=");
	/* Text is kept as sent, newlines and entities decoded. */
	ck_assert_str_eq(r.session_token, "tok\n  en&");
	ck_assert_str_eq(r.expiration_text, "2026-11-22T13:45:00.123Z");
	ck_assert_int_eq((long long)r.expiration, 1795355100LL);
	ck_assert_str_eq(r.source_identity, "alice");
	ck_assert_str_eq(r.request_id, "r-1");
	ck_assert_int_eq(acfs_arn_account(r.assumed_role_arn, acct), 0);
	ck_assert_str_eq(acct, "444455556666");
	acfs_sts_response_clear(&r);
	ck_assert_ptr_null(r.secret_access_key);
}
END_TEST

START_TEST(error_response)
{
	static const char body[] =
		"<ErrorResponse " NS "><Error><Type>Sender</Type>"
		"<Code>AccessDenied</Code><Message>User: x is not authorized</Message>"
		"</Error><RequestId>abc</RequestId></ErrorResponse>";
	acfs_sts_response r;
	acfs_err e;

	ck_assert_int_eq(parse(body, &r, &e), ACFS_OK);
	ck_assert_int_eq(r.kind, ACFS_STS_RESP_ERROR);
	ck_assert_str_eq(r.error_code, "AccessDenied");
	ck_assert_str_eq(r.error_message, "User: x is not authorized");
	ck_assert_str_eq(r.error_type, "Sender");
	ck_assert_str_eq(r.request_id, "abc");
	acfs_sts_response_clear(&r);
}
END_TEST

START_TEST(no_namespace_and_caller_identity)
{
	static const char body[] =
		"<GetCallerIdentityResponse><GetCallerIdentityResult>"
		"<Arn>arn:aws:sts::111122223333:assumed-role/a/s</Arn>"
		"<UserId>AROA:s</UserId><Account>111122223333</Account>"
		"</GetCallerIdentityResult></GetCallerIdentityResponse>";
	acfs_sts_response r;
	acfs_err e;

	ck_assert_int_eq(parse(body, &r, &e), ACFS_OK);
	ck_assert_int_eq(r.kind, ACFS_STS_RESP_GET_CALLER_IDENTITY);
	ck_assert_str_eq(r.account, "111122223333");
	ck_assert_str_eq(r.user_id, "AROA:s");
	acfs_sts_response_clear(&r);
}
END_TEST

START_TEST(foreign_namespace_elements_ignored)
{
	/* A credential in another namespace must not be taken. */
	static const char body[] =
		"<AssumeRoleResponse " NS " xmlns:x=\"urn:evil\"><AssumeRoleResult>"
		"<Credentials><x:AccessKeyId>EVIL</x:AccessKeyId>"
		"<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
		"<Expiration>2026-01-01T00:00:00Z</Expiration></Credentials>"
		"</AssumeRoleResult></AssumeRoleResponse>";
	acfs_sts_response r;
	acfs_err e;

	ck_assert_int_eq(parse(body, &r, &e), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(e.msg, "lacks part of its Credentials"));
}
END_TEST

START_TEST(truncated_and_malformed)
{
	acfs_sts_response r;
	acfs_err e;
	size_t cut;

	/* Every prefix of a good body is an error, never partial credentials. */
	for (cut = 0; cut < strlen(good) - 2; cut += 7) {
		ck_assert_int_ne(acfs_stsxml_parse(good, cut, &r, &e), ACFS_OK);
		ck_assert_ptr_null(r.access_key_id);
	}
	ck_assert_int_eq(parse("<AssumeRoleResponse><oops></AssumeRoleResponse>", &r, &e),
			 ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(e.msg, "not well-formed"));
	ck_assert_int_eq(parse("<html><body>502 Bad Gateway</body></html>", &r, &e),
			 ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(e.msg, "not an STS response"));
	ck_assert_int_eq(acfs_stsxml_parse("", 0, &r, &e), ACFS_E_SYNTAX);
}
END_TEST

START_TEST(secret_not_in_error_message)
{
	static const char body[] =
		"<AssumeRoleResponse " NS "><AssumeRoleResult><Credentials>"
		"<AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>TOPSECRET</SecretAccessKey>"
		"<SessionToken>TOKENVALUE</SessionToken><Expiration>yesterday</Expiration>"
		"</Credentials></AssumeRoleResult></AssumeRoleResponse>";
	acfs_sts_response r;
	acfs_err e;

	ck_assert_int_eq(parse(body, &r, &e), ACFS_E_SYNTAX);
	ck_assert_ptr_null(strstr(e.msg, "TOPSECRET"));
	ck_assert_ptr_null(strstr(e.msg, "TOKENVALUE"));
	ck_assert_ptr_nonnull(strstr(e.msg, "yesterday"));
}
END_TEST

START_TEST(oversized_and_deep)
{
	size_t n = ACFS_STSXML_BODY_MAX + 1, i;
	char *big = malloc(n), deep[4096];
	acfs_sts_response r;
	acfs_err e;
	size_t o = 0;

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	ck_assert_int_eq(acfs_stsxml_parse(big, n, &r, &e), ACFS_E_TOOBIG);
	free(big);
	o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<ErrorResponse>");
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<Error>");
	ck_assert_int_eq(parse(deep, &r, &e), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(e.msg, "nested too deeply"));
}
END_TEST

START_TEST(long_text_capped)
{
	size_t n = ACFS_STSXML_TEXT_MAX + 200, o;
	char *body = malloc(n + 512);
	acfs_sts_response r;
	acfs_err e;

	ck_assert_ptr_nonnull(body);
	o = (size_t)sprintf(body, "<ErrorResponse><Error><Code>");
	memset(body + o, 'A', n - o);
	strcpy(body + n, "</Code></Error></ErrorResponse>");
	ck_assert_int_eq(parse(body, &r, &e), ACFS_E_TOOBIG);
	free(body);
}
END_TEST

START_TEST(dtd_and_entities_refused)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
		"<ErrorResponse><Error><Code>&b;</Code></Error></ErrorResponse>";
	static const char external[] =
		"<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"file:///etc/passwd\">"
		"<ErrorResponse><Error><Code>x</Code></Error></ErrorResponse>";
	acfs_sts_response r;
	acfs_err e;

	ck_assert_int_eq(parse(laughs, &r, &e), ACFS_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(e.msg, "DTD"));
	ck_assert_int_eq(parse(external, &r, &e), ACFS_E_SYNTAX);
}
END_TEST

START_TEST(iso8601)
{
	time_t t;

	ck_assert_int_eq(acfs_parse_iso8601("1970-01-01T00:00:00Z", &t), 0);
	ck_assert_int_eq((long long)t, 0);
	ck_assert_int_eq(acfs_parse_iso8601("2009-02-13T23:31:30Z", &t), 0);
	ck_assert_int_eq((long long)t, 1234567890LL);
	ck_assert_int_eq(acfs_parse_iso8601("2024-02-29T12:00:00.999999Z", &t), 0);
	ck_assert_int_eq(acfs_parse_iso8601("2024-02-29T12:00:00+00:00", &t), 0);
	ck_assert_int_ne(acfs_parse_iso8601("2023-02-29T12:00:00Z", &t), 0);
	ck_assert_int_ne(acfs_parse_iso8601("2026-11-22T13:45:00", &t), 0);
	ck_assert_int_ne(acfs_parse_iso8601("2026-11-22T13:45:00+01:00", &t), 0);
	ck_assert_int_ne(acfs_parse_iso8601("2026-11-22T13:45:00.Z", &t), 0);
	ck_assert_int_ne(acfs_parse_iso8601("2026-13-22T13:45:00Z", &t), 0);
	ck_assert_int_ne(acfs_parse_iso8601("", &t), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stsxml");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, assume_role_fields);
	tcase_add_test(tc, error_response);
	tcase_add_test(tc, no_namespace_and_caller_identity);
	tcase_add_test(tc, foreign_namespace_elements_ignored);
	tcase_add_test(tc, truncated_and_malformed);
	tcase_add_test(tc, secret_not_in_error_message);
	tcase_add_test(tc, oversized_and_deep);
	tcase_add_test(tc, long_text_capped);
	tcase_add_test(tc, dtd_and_entities_refused);
	tcase_add_test(tc, iso8601);
	suite_add_tcase(s, tc);
	return tl_run_suite(s, "unit-stsxml");
}
