/* run_sts_xml.c - STS XML bodies against their expected parses:
 * sts-responses/botocore (botocore's own expected JSON) and
 * sts-responses/smithy-rs-traffic (bodies cut from recorded traffic, with
 * the expected credentials of their test cases in index.json). */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "secret.h"
#include "stsxml.h"
#include "testlib.h"

#define SUITE "sts-xml"

static int passed, failed;

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int same(const char *label, const char *field, const char *got,
		const char *want)
{
	if (want == NULL)
		return 1;
	if (got != NULL && strcmp(got, want) == 0)
		return 1;
	/* Never print secrets: say which field differed, not its value. */
	printf("FAIL %s: %s differs%s\n", label, field, got ? "" : " (absent)");
	return 0;
}

static int parse_file(const char *path, acfs_sts_response *r, acfs_err *e)
{
	size_t len;
	char *body = tl_read_file(path, &len);
	acfs_code rc;

	if (body == NULL) {
		acfs_err_set(e, ACFS_E_IO, "cannot read %s", path);
		return -1;
	}
	rc = acfs_stsxml_parse(body, len, r, e);
	acfs_wipefree(body, len);
	return rc == ACFS_OK ? 0 : -1;
}

static void botocore_case(const char *dir, const char *name)
{
	char xml[4096], js[4096], label[256];
	acfs_sts_response r;
	json_object *want, *sub;
	acfs_err e;
	int ok = 1;

	snprintf(xml, sizeof(xml), "%s/sts-responses/botocore/%s.xml", dir, name);
	snprintf(js, sizeof(js), "%s/sts-responses/botocore/%s.json", dir, name);
	snprintf(label, sizeof(label), "botocore/%s", name);
	want = json_object_from_file(js);
	if (want == NULL || parse_file(xml, &r, &e) != 0) {
		printf("FAIL %s: %s\n", label, want ? e.msg : "cannot read expected JSON");
		json_object_put(want);
		failed++;
		return;
	}
	if (json_object_object_get_ex(want, "Credentials", &sub)) {
		ok &= r.kind == ACFS_STS_RESP_GET_SESSION_TOKEN;
		ok &= same(label, "AccessKeyId", r.access_key_id, str(sub, "AccessKeyId"));
		ok &= same(label, "SecretAccessKey", r.secret_access_key,
			   str(sub, "SecretAccessKey"));
		ok &= same(label, "SessionToken", r.session_token, str(sub, "SessionToken"));
		ok &= same(label, "Expiration", r.expiration_text, str(sub, "Expiration"));
	}
	if (json_object_object_get_ex(want, "Error", &sub)) {
		ok &= r.kind == ACFS_STS_RESP_ERROR;
		ok &= same(label, "Code", r.error_code, str(sub, "Code"));
		ok &= same(label, "Message", r.error_message, str(sub, "Message"));
		ok &= same(label, "Type", r.error_type, str(sub, "Type"));
	}
	if (json_object_object_get_ex(want, "ResponseMetadata", &sub))
		ok &= same(label, "RequestId", r.request_id, str(sub, "RequestId"));
	ok ? passed++ : failed++;
	acfs_sts_response_clear(&r);
	json_object_put(want);
}

static void traffic_case(const char *dir, json_object *c)
{
	const char *file = str(c, "file");
	json_object *exp = NULL, *okv = NULL, *errv = NULL;
	char path[4096], label[512], acct[13];
	acfs_sts_response r;
	acfs_err e;
	int ok = 1;

	snprintf(label, sizeof(label), "traffic/%s",
		 file ? file : "(empty body of a 503)");
	json_object_object_get_ex(c, "expected_result_from_test_case_json", &exp);
	json_object_object_get_ex(exp, "Ok", &okv);
	json_object_object_get_ex(exp, "ErrorContains", &errv);
	if (file == NULL) {
		/* A recorded empty body (the 503 of retry_on_error): parsing
		 * nothing must be an error, never empty credentials. */
		if (acfs_stsxml_parse("", 0, &r, &e) == ACFS_OK) {
			printf("FAIL %s: an empty body parsed\n", label);
			acfs_sts_response_clear(&r);
			failed++;
		} else {
			passed++;
		}
		return;
	}
	if (okv == NULL && errv == NULL) {
		/* An intermediate hop of a chain: no expected values, but it
		 * must give complete credentials. */
		snprintf(path, sizeof(path), "%s/sts-responses/smithy-rs-traffic/%s",
			 dir, file);
		if (parse_file(path, &r, &e) != 0 || r.kind == ACFS_STS_RESP_ERROR ||
		    r.access_key_id[0] == '\0' || r.secret_access_key[0] == '\0' ||
		    r.session_token[0] == '\0' || r.expiration == 0) {
			printf("FAIL %s: intermediate hop: %s\n", label,
			       r.kind ? "incomplete credentials" : e.msg);
			failed++;
		} else {
			passed++;
		}
		acfs_sts_response_clear(&r);
		return;
	}
	snprintf(path, sizeof(path), "%s/sts-responses/smithy-rs-traffic/%s", dir, file);
	if (parse_file(path, &r, &e) != 0) {
		printf("FAIL %s: %s\n", label, e.msg);
		failed++;
		return;
	}
	if (okv != NULL) {
		json_object *exv;

		ok &= same(label, "access_key_id", r.access_key_id, str(okv, "access_key_id"));
		ok &= same(label, "secret_access_key", r.secret_access_key,
			   str(okv, "secret_access_key"));
		ok &= same(label, "session_token", r.session_token, str(okv, "session_token"));
		if (json_object_object_get_ex(okv, "expiry", &exv) &&
		    (long long)r.expiration != json_object_get_int64(exv)) {
			printf("FAIL %s: expiry %lld, expected %lld\n", label,
			       (long long)r.expiration, (long long)json_object_get_int64(exv));
			ok = 0;
		}
		if (str(okv, "account_id") != NULL) {
			if (r.assumed_role_arn == NULL ||
			    acfs_arn_account(r.assumed_role_arn, acct) != 0)
				acct[0] = '\0';
			ok &= same(label, "account_id", acct, str(okv, "account_id"));
		}
	} else {
		/* "InvalidIdentityTokenException: No OpenIDConnect provider..."
		 * The SDK name adds "Exception" to the wire code. */
		char sdk[256];

		snprintf(sdk, sizeof(sdk), "%sException: %s",
			 r.error_code ? r.error_code : "", r.error_message ? r.error_message : "");
		if (r.kind != ACFS_STS_RESP_ERROR ||
		    strncmp(sdk, json_object_get_string(errv),
			    strlen(json_object_get_string(errv))) != 0) {
			printf("FAIL %s: error '%s' does not start with '%s'\n", label,
			       sdk, json_object_get_string(errv));
			ok = 0;
		}
	}
	ok ? passed++ : failed++;
	acfs_sts_response_clear(&r);
}

int main(void)
{
	const char *dir;
	json_object *index, *entries;
	int status;
	size_t i, n;

	index = tl_conformance_load(SUITE, "sts-responses/smithy-rs-traffic/index.json",
				    NULL, 16, &entries, &status);
	if (index == NULL)
		return status;
	dir = tl_conformance_dir();
	botocore_case(dir, "responses-sts-get-session-token");
	botocore_case(dir, "errors-sts-get-session-token");
	n = json_object_array_length(entries);
	for (i = 0; i < n; i++)
		traffic_case(dir, json_object_array_get_idx(entries, i));
	json_object_put(index);
	tl_report(SUITE, passed, failed, 0);
	return failed != 0;
}
