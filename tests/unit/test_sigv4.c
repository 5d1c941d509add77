/* test_sigv4.c - SigV4 signing: an STS request cross-checked with botocore,
 * the canonical forms, the bounds and the wiping of the signing key's
 * intermediates.  The official suites are in
 * tests/conformance/run_sigv4.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "sigv4.h"
#include "testlib.h"

#define KEY_ID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDA=="
#define STS_HOST "sts.us-east-1.amazonaws.com"
#define FORM "application/x-www-form-urlencoded; charset=utf-8"
#define STS_BODY "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A" \
		 "123456789012%3Arole%2Fdemo&RoleSessionName=awscredsfs" \
		 "&Version=2011-06-15"
#define STS_DATE "20240301T093015Z"
#define STS_WHEN ((time_t)1709285415)   /* 2024-03-01T09:30:15Z */

/* The expected values below were computed once with Debian's
 * python3-botocore 1.29.27 (/usr/bin/python3), with this script; the
 * CanonicalRequest and StringToSign come from botocore.auth's debug log:
 *
 *   import datetime, logging
 *   from unittest import mock
 *   from botocore.auth import SigV4Auth
 *   from botocore.awsrequest import AWSRequest
 *   from botocore.credentials import Credentials
 *   class H(logging.Handler):
 *       def emit(self, r):
 *           m = r.getMessage()
 *           if m.startswith(('CanonicalRequest', 'StringToSign')):
 *               print(repr(m))
 *   log = logging.getLogger('botocore.auth')
 *   log.setLevel(logging.DEBUG); log.addHandler(H())
 *   body = ('Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012'
 *           '%3Arole%2Fdemo&RoleSessionName=awscredsfs&Version=2011-06-15')
 *   for token in (None, 'FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDA=='):
 *       req = AWSRequest(method='POST',
 *                        url='https://sts.us-east-1.amazonaws.com/',
 *                        data=body, headers={'Content-Type':
 *                        'application/x-www-form-urlencoded; charset=utf-8'})
 *       with mock.patch('botocore.auth.datetime') as dt:
 *           dt.datetime.utcnow.return_value = \
 *               datetime.datetime(2024, 3, 1, 9, 30, 15)
 *           SigV4Auth(Credentials('AKIDEXAMPLE',
 *                     'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', token),
 *                     'sts', 'us-east-1').add_auth(req)
 *       print(req.headers['Authorization'])
 *
 * botocore takes Host from the URL; here it is an explicit header. */
#define BOTO_CREQ \
	"POST\n/\n\n" \
	"content-type:application/x-www-form-urlencoded; charset=utf-8\n" \
	"host:sts.us-east-1.amazonaws.com\n" \
	"x-amz-date:20240301T093015Z\n\n" \
	"content-type;host;x-amz-date\n" \
	"e3f7512100a7f2d38fd9bb469ce0a1f993138cec7201b99c33e32efefedca841"
#define BOTO_STS \
	"AWS4-HMAC-SHA256\n20240301T093015Z\n" \
	"20240301/us-east-1/sts/aws4_request\n" \
	"e78755bb45817615a886b1acf96da6c85fa1fbcd8ea9f5f730631daa07ea1d0a"
#define BOTO_AUTHZ \
	"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240301/us-east-1/sts/" \
	"aws4_request, SignedHeaders=content-type;host;x-amz-date, " \
	"Signature=d5afd4d5d390303f2de7b802d4b2cfe0" \
	"ca019868a3f43465d6539a4d2bb51594"
#define BOTO_CREQ_TOKEN \
	"POST\n/\n\n" \
	"content-type:application/x-www-form-urlencoded; charset=utf-8\n" \
	"host:sts.us-east-1.amazonaws.com\n" \
	"x-amz-date:20240301T093015Z\n" \
	"x-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDA==\n\n" \
	"content-type;host;x-amz-date;x-amz-security-token\n" \
	"e3f7512100a7f2d38fd9bb469ce0a1f993138cec7201b99c33e32efefedca841"
#define BOTO_STS_TOKEN \
	"AWS4-HMAC-SHA256\n20240301T093015Z\n" \
	"20240301/us-east-1/sts/aws4_request\n" \
	"eb30ebc575100309f2a5fa7bb848a03b554c1c436ed500761295ee1d8d8d6a2e"
#define BOTO_AUTHZ_TOKEN \
	"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240301/us-east-1/sts/" \
	"aws4_request, SignedHeaders=content-type;host;x-amz-date;" \
	"x-amz-security-token, " \
	"Signature=9107de331cfe5149d5ebe974c4af1a83" \
	"0e39a6f73f4a9e10b4cdc3a74e5baf8c"

static const acfs_sigv4_header sts_headers[] = {
	{ "Content-Type", FORM },
	{ "Host", STS_HOST },
};

static acfs_sigv4_request sts_request(void)
{
	return (acfs_sigv4_request){ "POST", "/", "", sts_headers, 2, STS_BODY,
				     strlen(STS_BODY) };
}

static acfs_sigv4_params sts_params(void)
{
	return (acfs_sigv4_params){ "us-east-1", "sts", NULL, STS_WHEN, 0 };
}

static acfs_code sign(const acfs_sigv4_request *rq, const acfs_sigv4_creds *c,
		      const acfs_sigv4_params *p, acfs_sigv4_result **r,
		      acfs_err *e)
{
	acfs_code rc = acfs_sigv4_sign(rq, c, p, r, e);

	if (rc != ACFS_OK)
		ck_assert_ptr_null(*r);
	return rc;
}

/* --- the STS request --------------------------------------------------- */

START_TEST(sts_post_matches_botocore)
{
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, NULL };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	acfs_err e;

	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	ck_assert_str_eq(r->canonical_request, BOTO_CREQ);
	ck_assert_str_eq(r->string_to_sign, BOTO_STS);
	ck_assert_str_eq(r->authorization, BOTO_AUTHZ);
	ck_assert_str_eq(r->signature, "d5afd4d5d390303f2de7b802d4b2cfe0"
			 "ca019868a3f43465d6539a4d2bb51594");
	ck_assert_str_eq(r->signed_headers, "content-type;host;x-amz-date");
	ck_assert_str_eq(r->amz_date, STS_DATE);
	ck_assert_uint_eq(r->nadd, 2);
	ck_assert_str_eq(r->add[0].name, "X-Amz-Date");
	ck_assert_str_eq(r->add[0].value, STS_DATE);
	ck_assert_str_eq(r->add[1].name, "Authorization");
	ck_assert_str_eq(r->add[1].value, BOTO_AUTHZ);
	acfs_sigv4_result_free(r);
}
END_TEST

START_TEST(sts_post_with_token_matches_botocore)
{
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, NULL };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	char token[] = TOKEN;
	acfs_err e;

	c.session_token = token;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	ck_assert_str_eq(r->canonical_request, BOTO_CREQ_TOKEN);
	ck_assert_str_eq(r->string_to_sign, BOTO_STS_TOKEN);
	ck_assert_str_eq(r->authorization, BOTO_AUTHZ_TOKEN);
	ck_assert_uint_eq(r->nadd, 3);
	ck_assert_str_eq(r->add[1].name, "X-Amz-Security-Token");
	/* The result keeps its own copy: the input is only borrowed. */
	acfs_wipe(token, strlen(token));
	ck_assert_str_eq(r->add[1].value, TOKEN);
	ck_assert_str_eq(r->add[2].name, "Authorization");
	acfs_sigv4_result_free(r);
}
END_TEST

START_TEST(date_string_and_time_agree)
{
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, NULL };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	acfs_err e;

	p.amz_date = STS_DATE;
	p.when = 0;   /* ignored */
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	ck_assert_str_eq(r->authorization, BOTO_AUTHZ);
	acfs_sigv4_result_free(r);
}
END_TEST

START_TEST(token_after_signing)
{
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, TOKEN };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	acfs_err e;

	p.flags = ACFS_SIGV4_TOKEN_AFTER;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	/* Signed as without a token... */
	ck_assert_str_eq(r->authorization, BOTO_AUTHZ);
	ck_assert_ptr_null(strstr(r->canonical_request, "security-token"));
	/* ...but the token is still to be sent. */
	ck_assert_uint_eq(r->nadd, 3);
	ck_assert_str_eq(r->add[1].name, "X-Amz-Security-Token");
	ck_assert_str_eq(r->add[1].value, TOKEN);
	acfs_sigv4_result_free(r);
}
END_TEST

START_TEST(content_sha256_is_added_and_signed)
{
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, NULL };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	char hash[ACFS_SIGV4_HEX_LEN + 1];
	acfs_err e;

	ck_assert_int_eq(acfs_sigv4_sha256_hex(STS_BODY, strlen(STS_BODY),
					       hash), ACFS_OK);
	p.flags = ACFS_SIGV4_CONTENT_SHA256;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	ck_assert_str_eq(r->signed_headers, "content-type;host;"
			 "x-amz-content-sha256;x-amz-date");
	ck_assert_str_eq(r->payload_hash, hash);
	ck_assert_uint_eq(r->nadd, 3);
	ck_assert_str_eq(r->add[1].name, "x-amz-content-sha256");
	ck_assert_str_eq(r->add[1].value, hash);
	acfs_sigv4_result_free(r);
}
END_TEST

START_TEST(present_date_and_token_are_not_repeated)
{
	const acfs_sigv4_header h[] = {
		{ "Host", STS_HOST },
		{ "x-amz-date", STS_DATE },
		{ "X-AMZ-SECURITY-TOKEN", TOKEN },
	};
	acfs_sigv4_request rq = { "GET", "/", NULL, h, 3, NULL, 0 };
	acfs_sigv4_creds c = { KEY_ID, SECRET, TOKEN };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	acfs_err e;

	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	ck_assert_uint_eq(r->nadd, 1);
	ck_assert_str_eq(r->add[0].name, "Authorization");
	ck_assert_str_eq(r->signed_headers,
			 "host;x-amz-date;x-amz-security-token");
	acfs_sigv4_result_free(r);
}
END_TEST

START_TEST(sha256_of_nothing)
{
	char hex[ACFS_SIGV4_HEX_LEN + 1];

	ck_assert_int_eq(acfs_sigv4_sha256_hex(NULL, 0, hex), ACFS_OK);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			 "27ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(result_free_null)
{
	acfs_sigv4_result_free(NULL);
}
END_TEST

/* --- canonical forms ------------------------------------------------- */

static const struct {
	const char *in;
	int normalize;
	const char *out;
} uri_cases[] = {
	{ "", 1, "/" },
	{ NULL, 1, "/" },
	{ "/", 1, "/" },
	{ "//", 1, "/" },
	{ "//", 0, "//" },
	{ "/a/./b/../c/", 1, "/a/c/" },
	{ "/a/./b/../c/", 0, "/a/./b/../c/" },
	{ "/a/b/..", 1, "/a" },
	{ "/../../x", 1, "/x" },
	{ "/a//b///", 1, "/a/b/" },
	{ "/.../a", 1, "/.../a" },
	{ "/a b/$x", 1, "/a%20b/%24x" },
	{ "/\xe1\x88\xb4", 1, "/%E1%88%B4" },
	/* Encoded once more: the rule for every service but S3. */
	{ "/a%20b", 1, "/a%2520b" },
	{ "/-._~AZaz09", 0, "/-._~AZaz09" },
};

START_TEST(canonical_uri_table)
{
	char *out = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_sigv4_canonical_uri(uri_cases[_i].in,
						  uri_cases[_i].normalize,
						  &out, &e), ACFS_OK);
	ck_assert_str_eq(out, uri_cases[_i].out);
	acfs_strfree(out);
}
END_TEST

START_TEST(canonical_uri_bounds)
{
	char *path = malloc(ACFS_SIGV4_MAX_PATH + 2), *out = NULL;
	acfs_err e;

	ck_assert_ptr_nonnull(path);
	memset(path, 'a', ACFS_SIGV4_MAX_PATH + 1);
	path[0] = '/';
	path[ACFS_SIGV4_MAX_PATH] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_uri(path, 1, &out, &e), ACFS_OK);
	ck_assert_uint_eq(strlen(out), ACFS_SIGV4_MAX_PATH);
	acfs_strfree(out);
	path[ACFS_SIGV4_MAX_PATH] = 'a';
	path[ACFS_SIGV4_MAX_PATH + 1] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_uri(path, 1, &out, &e),
			 ACFS_E_TOOBIG);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(e.code, ACFS_E_TOOBIG);
	ck_assert_int_eq(acfs_sigv4_canonical_uri("relative", 1, &out, &e),
			 ACFS_E_BADARG);
	ck_assert_ptr_null(out);
	free(path);
}
END_TEST

static const struct {
	const char *in, *out;
} query_cases[] = {
	{ "", "" },
	{ NULL, "" },
	{ "b=2&a=1", "a=1&b=2" },
	{ "Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2" },
	{ "a", "a=" },
	{ "a=", "a=" },
	{ "&&a=1&", "a=1" },
	{ "=x", "=x" },
	/* %XX is decoded and encoded again; a bad one is a literal '%'. */
	{ "%e1%88%b4=x&P=y", "%E1%88%B4=x&P=y" },
	{ "\xe1\x88\xb4=bar", "%E1%88%B4=bar" },
	{ "%zz=1&%4=2", "%254=2&%25zz=1" },
	{ "x=%41%2f", "x=A%2F" },
	{ "a+b=c d", "a%2Bb=c%20d" },
	{ "k=a=b", "k=a%3Db" },
	/* By name first: "a" sorts before "a-b" although '-' < '='. */
	{ "a-b=1&a=2", "a=2&a-b=1" },
	{ "-._~=-._~", "-._~=-._~" },
};

START_TEST(canonical_query_table)
{
	char *out = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_sigv4_canonical_query(query_cases[_i].in, &out,
						    &e), ACFS_OK);
	ck_assert_str_eq(out, query_cases[_i].out);
	acfs_strfree(out);
}
END_TEST

START_TEST(canonical_query_bounds)
{
	char *q = malloc(ACFS_SIGV4_MAX_QUERY + 2), *out = NULL;
	size_t i;
	acfs_err e;

	ck_assert_ptr_nonnull(q);
	memset(q, 'a', ACFS_SIGV4_MAX_QUERY + 1);
	q[ACFS_SIGV4_MAX_QUERY + 1] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_query(q, &out, &e),
			 ACFS_E_TOOBIG);
	ck_assert_ptr_null(out);
	q[ACFS_SIGV4_MAX_QUERY] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_query(q, &out, &e), ACFS_OK);
	acfs_strfree(out);
	/* MAX_PARAMS pieces fit, one more does not. */
	for (i = 0; i < 2 * ACFS_SIGV4_MAX_PARAMS; i += 2) {
		q[i] = 'a';
		q[i + 1] = '&';
	}
	q[2 * ACFS_SIGV4_MAX_PARAMS - 1] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_query(q, &out, &e), ACFS_OK);
	acfs_strfree(out);
	q[2 * ACFS_SIGV4_MAX_PARAMS - 1] = '&';
	q[2 * ACFS_SIGV4_MAX_PARAMS] = 'a';
	q[2 * ACFS_SIGV4_MAX_PARAMS + 1] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_query(q, &out, &e),
			 ACFS_E_TOOBIG);
	ck_assert_ptr_null(out);
	free(q);
}
END_TEST

START_TEST(canonical_headers_forms)
{
	const acfs_sigv4_header h[] = {
		{ "My-Header2", "  \"a   b \t c\"  " },
		{ "HOST", "example.com" },
		{ "my-header1", "value4" },
		{ "X-Fold", "value1\r\n  value2\n\tvalue3" },
		{ "My-Header1", "value1" },
		{ "Empty", "" },
	};
	char *canon = NULL, *signd = NULL;
	acfs_err e;

	ck_assert_int_eq(acfs_sigv4_canonical_headers(h, 6, &canon, &signd,
						      &e), ACFS_OK);
	ck_assert_str_eq(canon, "empty:\n"
			 "host:example.com\n"
			 "my-header1:value4,value1\n"
			 "my-header2:\"a b c\"\n"
			 "x-fold:value1 value2 value3\n");
	ck_assert_str_eq(signd, "empty;host;my-header1;my-header2;x-fold");
	acfs_strfree(canon);
	acfs_strfree(signd);
	ck_assert_int_eq(acfs_sigv4_canonical_headers(NULL, 0, &canon, NULL,
						      &e), ACFS_OK);
	ck_assert_str_eq(canon, "");
	acfs_strfree(canon);
}
END_TEST

static const struct {
	const char *name, *value;
	acfs_code rc;
} bad_headers[] = {
	{ "X-Bad", "line\nbreak", ACFS_E_BADARG },
	{ "X-Bad", "cr\ronly", ACFS_E_BADARG },
	{ "X-Bad", "trailing fold\n", ACFS_E_BADARG },
	{ "X-Bad", "nul\x01" "byte", ACFS_E_BADARG },
	{ "X-Bad", "del\x7f", ACFS_E_BADARG },
	{ "Bad Name", "v", ACFS_E_BADARG },
	{ "Bad:Name", "v", ACFS_E_BADARG },
	{ "", "v", ACFS_E_BADARG },
};

START_TEST(canonical_headers_refuses)
{
	acfs_sigv4_header h[2] = { { "Host", "h" },
				   { bad_headers[_i].name,
				     bad_headers[_i].value } };
	char *canon = (char *)"unset", *signd = (char *)"unset";
	acfs_err e;

	ck_assert_int_eq(acfs_sigv4_canonical_headers(h, 2, &canon, &signd,
						      &e), bad_headers[_i].rc);
	ck_assert_ptr_null(canon);
	ck_assert_ptr_null(signd);
	ck_assert_int_eq(e.code, bad_headers[_i].rc);
	/* The message names the header by index, never by value. */
	ck_assert_ptr_nonnull(strstr(e.msg, "header 1"));
}
END_TEST

START_TEST(canonical_headers_bounds)
{
	acfs_sigv4_header h[ACFS_SIGV4_MAX_HEADERS + 1];
	char name[ACFS_SIGV4_MAX_NAME + 2];
	char *value = malloc(ACFS_SIGV4_MAX_VALUE + 2), *canon = NULL;
	size_t i;
	acfs_err e;

	ck_assert_ptr_nonnull(value);
	for (i = 0; i <= ACFS_SIGV4_MAX_HEADERS; i++)
		h[i] = (acfs_sigv4_header){ "X-H", "v" };
	ck_assert_int_eq(acfs_sigv4_canonical_headers(
				 h, ACFS_SIGV4_MAX_HEADERS, &canon, NULL, &e),
			 ACFS_OK);
	acfs_strfree(canon);
	ck_assert_int_eq(acfs_sigv4_canonical_headers(
				 h, ACFS_SIGV4_MAX_HEADERS + 1, &canon, NULL,
				 &e), ACFS_E_TOOBIG);
	ck_assert_ptr_null(canon);

	memset(name, 'n', sizeof(name));
	name[ACFS_SIGV4_MAX_NAME] = '\0';
	h[0].name = name;
	ck_assert_int_eq(acfs_sigv4_canonical_headers(h, 1, &canon, NULL, &e),
			 ACFS_OK);
	acfs_strfree(canon);
	name[ACFS_SIGV4_MAX_NAME] = 'n';
	name[ACFS_SIGV4_MAX_NAME + 1] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_headers(h, 1, &canon, NULL, &e),
			 ACFS_E_TOOBIG);

	memset(value, 'v', ACFS_SIGV4_MAX_VALUE + 1);
	value[ACFS_SIGV4_MAX_VALUE] = '\0';
	h[0] = (acfs_sigv4_header){ "X-Long", value };
	ck_assert_int_eq(acfs_sigv4_canonical_headers(h, 1, &canon, NULL, &e),
			 ACFS_OK);
	acfs_strfree(canon);
	value[ACFS_SIGV4_MAX_VALUE] = 'v';
	value[ACFS_SIGV4_MAX_VALUE + 1] = '\0';
	ck_assert_int_eq(acfs_sigv4_canonical_headers(h, 1, &canon, NULL, &e),
			 ACFS_E_TOOBIG);
	ck_assert_ptr_null(canon);
	free(value);
}
END_TEST

/* --- signing refuses --------------------------------------------------- */

START_TEST(sign_refuses_bad_requests)
{
	const acfs_sigv4_header no_host[] = { { "Content-Type", FORM } };
	const acfs_sigv4_header signed_already[] = {
		{ "Host", STS_HOST }, { "Authorization", "AWS4-HMAC-SHA256 x" },
	};
	const acfs_sigv4_header other_date[] = {
		{ "Host", STS_HOST }, { "X-Amz-Date", "20240301T093016Z" },
	};
	const acfs_sigv4_header other_token[] = {
		{ "Host", STS_HOST }, { "X-Amz-Security-Token", "other" },
	};
	const acfs_sigv4_header other_sha[] = {
		{ "Host", STS_HOST }, { "x-amz-content-sha256", "UNSIGNED" },
	};
	const acfs_sigv4_header bad_value[] = {
		{ "Host", STS_HOST }, { "X-Secretish", "SECRET\nVALUE" },
	};
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, TOKEN };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	acfs_err e;

	rq.headers = no_host;
	rq.nheaders = 1;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	ck_assert_ptr_nonnull(strstr(e.msg, "Host"));
	rq.headers = signed_already;
	rq.nheaders = 2;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	rq.headers = other_date;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	rq.headers = other_token;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	ck_assert_ptr_null(strstr(e.msg, TOKEN));
	ck_assert_ptr_null(strstr(e.msg, "other"));
	rq.headers = other_sha;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	rq.headers = bad_value;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	ck_assert_ptr_null(strstr(e.msg, "SECRET"));

	rq = sts_request();
	rq.method = "PO ST";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	rq = sts_request();
	rq.path = "no-slash";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	rq = sts_request();
	rq.body = NULL;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	rq = sts_request();
	ck_assert_int_eq(acfs_sigv4_sign(&rq, &c, &p, NULL, &e),
			 ACFS_E_BADARG);
	ck_assert_int_eq(acfs_sigv4_sign(NULL, &c, &p, &r, NULL),
			 ACFS_E_BADARG);
}
END_TEST

START_TEST(sign_refuses_bad_parameters)
{
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, NULL };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	acfs_err e;

	p.region = "us-east-1/x";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	p.region = "";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	p = sts_params();
	p.service = NULL;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	p = sts_params();
	p.amz_date = "2024-03-01T09:30:15Z";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	p.amz_date = "20240301T093015";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	p.amz_date = "20240301T093015ZZ";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	p = sts_params();
	p.when = (time_t)INT64_MAX;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	p = sts_params();
	c.access_key_id = "AKID/EXAMPLE";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	c.access_key_id = "";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	c.access_key_id = KEY_ID;
	c.secret_access_key = "";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	c.secret_access_key = SECRET;
	c.session_token = "has space";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	ck_assert_ptr_null(strstr(e.msg, "has space"));
	c.session_token = "";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
}
END_TEST

START_TEST(sign_bounds)
{
	acfs_sigv4_header h[ACFS_SIGV4_MAX_HEADERS + 1];
	acfs_sigv4_request rq = sts_request();
	acfs_sigv4_creds c = { KEY_ID, SECRET, NULL };
	acfs_sigv4_params p = sts_params();
	acfs_sigv4_result *r = NULL;
	char *big = malloc(ACFS_SIGV4_MAX_BODY + 1);
	char key_id[ACFS_SIGV4_MAX_KEY_ID + 2];
	size_t i;
	acfs_err e;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', ACFS_SIGV4_MAX_BODY + 1);
	rq.body = big;
	rq.body_len = ACFS_SIGV4_MAX_BODY + 1;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_TOOBIG);
	rq.body_len = ACFS_SIGV4_MAX_BODY;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	acfs_sigv4_result_free(r);
	r = NULL;
	rq = sts_request();

	/* Headers: MAX_HEADERS of the caller's, plus the signer's own. */
	h[0] = (acfs_sigv4_header){ "Host", STS_HOST };
	for (i = 1; i <= ACFS_SIGV4_MAX_HEADERS; i++)
		h[i] = (acfs_sigv4_header){ "X-H", "v" };
	rq.headers = h;
	rq.nheaders = ACFS_SIGV4_MAX_HEADERS;
	c.session_token = TOKEN;
	p.flags = ACFS_SIGV4_CONTENT_SHA256;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	ck_assert_uint_eq(r->nadd, 4);
	acfs_sigv4_result_free(r);
	r = NULL;
	rq.nheaders = ACFS_SIGV4_MAX_HEADERS + 1;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_TOOBIG);
	rq = sts_request();

	/* Credentials. */
	memset(big, 's', ACFS_SIGV4_MAX_SECRET + 1);
	big[ACFS_SIGV4_MAX_SECRET] = '\0';
	c.secret_access_key = big;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_OK);
	acfs_sigv4_result_free(r);
	r = NULL;
	big[ACFS_SIGV4_MAX_SECRET] = 's';
	big[ACFS_SIGV4_MAX_SECRET + 1] = '\0';
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_TOOBIG);
	ck_assert_ptr_null(strstr(e.msg, "sss"));
	c.secret_access_key = SECRET;
	memset(big, 't', ACFS_SIGV4_MAX_TOKEN + 1);
	big[ACFS_SIGV4_MAX_TOKEN + 1] = '\0';
	c.session_token = big;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_TOOBIG);
	c.session_token = NULL;
	memset(key_id, 'K', sizeof(key_id));
	key_id[ACFS_SIGV4_MAX_KEY_ID + 1] = '\0';
	c.access_key_id = key_id;
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_TOOBIG);
	c.access_key_id = KEY_ID;
	p.region = "a-region-name-that-is-longer-than-sixty-four-bytes-"
		   "and-so-not-one";
	ck_assert_int_eq(sign(&rq, &c, &p, &r, &e), ACFS_E_BADARG);
	free(big);
}
END_TEST

/* --- the signing key --------------------------------------------------- */

/* AWS's example ("Examples of how to derive a signing key for Signature
 * Version 4"): the same secret, 20120215, us-east-1, iam. */
static const char k_date_hex[] =
	"969fbb94feb542b71ede6f87fe4d5fa29c789342b0f407474670f0c2489e0a0d";
static const char k_region_hex[] =
	"69daa0209cd9c5ff5c8ced464a696fd4252e981430b10e3d3fd8e2f197d7a70c";
static const char k_service_hex[] =
	"f72cfd46f26bc4643f06a11eabb6c0ba18780c19a8da0c31ace671265e3c87fa";
static const char k_signing_hex[] =
	"f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d";

static const char *hex(const unsigned char *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

/* With KEEP_SCRATCH the intermediates are left where they were computed:
 * this shows that the scratch is where they live... */
START_TEST(derive_key_intermediates_live_in_scratch)
{
	unsigned char key[ACFS_SIGV4_KEY_LEN];
	acfs_sigv4_scratch s;
	char h[2 * ACFS_SIGV4_KEY_LEN + 1];

	memset(&s, 0xa5, sizeof(s));
	ck_assert_int_eq(acfs_sigv4_derive_key(SECRET, "20120215", "us-east-1",
					       "iam", &s,
					       ACFS_SIGV4_KEEP_SCRATCH, key),
			 ACFS_OK);
	ck_assert_str_eq(hex(key, sizeof(key), h), k_signing_hex);
	ck_assert_int_eq(memcmp(s.k_secret, "AWS4" SECRET, 4 + strlen(SECRET)),
			 0);
	ck_assert_str_eq(hex(s.k_date, sizeof(s.k_date), h), k_date_hex);
	ck_assert_str_eq(hex(s.k_region, sizeof(s.k_region), h),
			 k_region_hex);
	ck_assert_str_eq(hex(s.k_service, sizeof(s.k_service), h),
			 k_service_hex);
	acfs_wipe(&s, sizeof(s));
	acfs_wipe(key, sizeof(key));
}
END_TEST

/* ...and without it every byte of the scratch is zero afterwards, the
 * "AWS4"+secret buffer included. */
START_TEST(derive_key_wipes_scratch)
{
	unsigned char key[ACFS_SIGV4_KEY_LEN];
	acfs_sigv4_scratch s;
	char h[2 * ACFS_SIGV4_KEY_LEN + 1];

	memset(&s, 0xa5, sizeof(s));
	ck_assert_int_eq(acfs_sigv4_derive_key(SECRET, "20120215", "us-east-1",
					       "iam", &s, 0, key), ACFS_OK);
	ck_assert_str_eq(hex(key, sizeof(key), h), k_signing_hex);
	ck_assert(all_zero(&s, sizeof(s)));
	acfs_wipe(key, sizeof(key));
	/* The stack scratch used when none is given gives the same key. */
	ck_assert_int_eq(acfs_sigv4_derive_key(SECRET, "20120215", "us-east-1",
					       "iam", NULL, 0, key), ACFS_OK);
	ck_assert_str_eq(hex(key, sizeof(key), h), k_signing_hex);
	acfs_wipe(key, sizeof(key));
}
END_TEST

START_TEST(derive_key_wipes_on_error)
{
	unsigned char key[ACFS_SIGV4_KEY_LEN];
	char secret[ACFS_SIGV4_MAX_SECRET + 2];
	acfs_sigv4_scratch s;

	memset(secret, 's', sizeof(secret));
	secret[sizeof(secret) - 1] = '\0';
	memset(&s, 0xa5, sizeof(s));
	memset(key, 0xa5, sizeof(key));
	ck_assert_int_eq(acfs_sigv4_derive_key(secret, "20120215", "us-east-1",
					       "iam", &s,
					       ACFS_SIGV4_KEEP_SCRATCH, key),
			 ACFS_E_TOOBIG);
	ck_assert(all_zero(&s, sizeof(s)));
	ck_assert(all_zero(key, sizeof(key)));
	memset(&s, 0xa5, sizeof(s));
	ck_assert_int_eq(acfs_sigv4_derive_key(SECRET, "2012021", "us-east-1",
					       "iam", &s, 0, key),
			 ACFS_E_BADARG);
	ck_assert(all_zero(&s, sizeof(s)));
	ck_assert_int_eq(acfs_sigv4_derive_key(SECRET, "20120215", "us/east",
					       "iam", &s, 0, key),
			 ACFS_E_BADARG);
	/* The longest secret still fits the scratch. */
	secret[ACFS_SIGV4_MAX_SECRET] = '\0';
	ck_assert_int_eq(acfs_sigv4_derive_key(secret, "20120215", "us-east-1",
					       "iam", &s, 0, key), ACFS_OK);
	ck_assert(all_zero(&s, sizeof(s)));
	acfs_wipe(key, sizeof(key));
}
END_TEST

static Suite *sigv4_suite(void)
{
	Suite *s = suite_create("sigv4");
	TCase *ts = tcase_create("sign");
	TCase *tc = tcase_create("canonical");
	TCase *tb = tcase_create("refuse");
	TCase *tk = tcase_create("key");

	tcase_add_test(ts, sts_post_matches_botocore);
	tcase_add_test(ts, sts_post_with_token_matches_botocore);
	tcase_add_test(ts, date_string_and_time_agree);
	tcase_add_test(ts, token_after_signing);
	tcase_add_test(ts, content_sha256_is_added_and_signed);
	tcase_add_test(ts, present_date_and_token_are_not_repeated);
	tcase_add_test(ts, sha256_of_nothing);
	tcase_add_test(ts, result_free_null);
	suite_add_tcase(s, ts);

	tcase_add_loop_test(tc, canonical_uri_table, 0,
			    (int)(sizeof(uri_cases) / sizeof(uri_cases[0])));
	tcase_add_test(tc, canonical_uri_bounds);
	tcase_add_loop_test(tc, canonical_query_table, 0,
			    (int)(sizeof(query_cases) /
				  sizeof(query_cases[0])));
	tcase_add_test(tc, canonical_query_bounds);
	tcase_add_test(tc, canonical_headers_forms);
	tcase_add_loop_test(tc, canonical_headers_refuses, 0,
			    (int)(sizeof(bad_headers) /
				  sizeof(bad_headers[0])));
	tcase_add_test(tc, canonical_headers_bounds);
	suite_add_tcase(s, tc);

	tcase_add_test(tb, sign_refuses_bad_requests);
	tcase_add_test(tb, sign_refuses_bad_parameters);
	tcase_add_test(tb, sign_bounds);
	suite_add_tcase(s, tb);

	tcase_add_test(tk, derive_key_intermediates_live_in_scratch);
	tcase_add_test(tk, derive_key_wipes_scratch);
	tcase_add_test(tk, derive_key_wipes_on_error);
	suite_add_tcase(s, tk);
	return s;
}

int main(void)
{
	Suite *s = sigv4_suite();

	return tl_run_suite(s, "unit-sigv4");
}
