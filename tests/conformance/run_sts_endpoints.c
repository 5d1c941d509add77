/* run_sts_endpoints.c - the STS endpoint rule-set tests of the SDKs'
 * Smithy model, sts-model/sts-endpoint-tests.extracted.json: region,
 * UseFIPS, UseDualStack, UseGlobalEndpoint and a custom Endpoint -> URL and
 * signing region, or the rule set's error. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "stsendpoint.h"
#include "testlib.h"

#define SUITE "sts-endpoints"
#define DATA "sts-model/sts-endpoint-tests.extracted.json"

static int flag(json_object *params, const char *key)
{
	json_object *v;

	return params && json_object_object_get_ex(params, key, &v) &&
	       json_object_get_boolean(v);
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Returns 1 when the case passed. */
static int run_case(json_object *c, size_t idx)
{
	json_object *params = NULL, *expect = NULL, *ep = NULL, *props, *auth;
	const char *want_url = NULL, *want_err = NULL, *want_sign = NULL;
	const char *doc = str(c, "documentation");
	acfs_sts_endpoint_params p;
	acfs_sts_endpoint out;
	acfs_err e;
	acfs_code rc;

	json_object_object_get_ex(c, "params", &params);
	json_object_object_get_ex(c, "expect", &expect);
	if (json_object_object_get_ex(expect, "endpoint", &ep)) {
		want_url = str(ep, "url");
		if (json_object_object_get_ex(ep, "properties", &props) &&
		    json_object_object_get_ex(props, "authSchemes", &auth) &&
		    json_object_array_length(auth) > 0)
			want_sign = str(json_object_array_get_idx(auth, 0),
					"signingRegion");
	} else {
		want_err = str(expect, "error");
	}
	memset(&p, 0, sizeof(p));
	p.region = str(params, "Region");
	p.use_fips = flag(params, "UseFIPS");
	p.use_dualstack = flag(params, "UseDualStack");
	p.use_global_endpoint = flag(params, "UseGlobalEndpoint");
	p.endpoint = str(params, "Endpoint");
	/* No authSchemes: the signing region is the input region (the
	 * no-region custom-endpoint cases sign for us-east-1). */
	if (want_sign == NULL)
		want_sign = p.region ? p.region : "us-east-1";
	acfs_err_clear(&e);
	rc = acfs_sts_endpoint_resolve(&p, &out, &e);
	if (want_err != NULL) {
		if (rc == ACFS_OK) {
			printf("FAIL case %zu (%s): expected error '%s', got %s\n",
			       idx, doc ? doc : "", want_err, out.url);
			return 0;
		}
		if (strstr(e.msg, want_err) == NULL) {
			printf("FAIL case %zu (%s): error '%s' does not contain '%s'\n",
			       idx, doc ? doc : "", e.msg, want_err);
			return 0;
		}
		return 1;
	}
	if (rc != ACFS_OK) {
		printf("FAIL case %zu (%s): unexpected error: %s\n", idx,
		       doc ? doc : "", e.msg);
		return 0;
	}
	if (want_url == NULL || strcmp(out.url, want_url) != 0 ||
	    strcmp(out.signing_region, want_sign) != 0) {
		printf("FAIL case %zu (%s): got %s signed for %s, expected %s "
		       "signed for %s\n", idx, doc ? doc : "", out.url,
		       out.signing_region, want_url ? want_url : "(none)", want_sign);
		return 0;
	}
	return 1;
}

int main(void)
{
	json_object *root, *cases;
	int passed = 0, failed = 0, status;
	size_t i, n;

	root = tl_conformance_load(SUITE, DATA, "testCases", 69, &cases, &status);
	if (root == NULL)
		return status;
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		if (run_case(json_object_array_get_idx(cases, i), i))
			passed++;
		else
			failed++;
	}
	json_object_put(root);
	tl_report(SUITE, passed, failed, 0);
	return failed != 0;
}
