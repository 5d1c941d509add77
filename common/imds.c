/* imds.c - IMDSv2: session token, role name, role credentials. */
#include "imds.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "credjson.h"
#include "metahttp.h"
#include "text.h"

#define TOKEN_PATH "/latest/api/token"
#define ROLES_PATH "/latest/meta-data/iam/security-credentials/"
#define LIST_MAX 4096   /* bytes of the role listing */

static const char *const allowed_hosts[] = {
	"169.254.169.254", "fd00:ec2::254", NULL,
};

static const acfs_metahttp_limits limits = {
	ACFS_IMDS_CONNECT_TIMEOUT_MS, ACFS_IMDS_TIMEOUT_MS, ACFS_IMDS_ATTEMPTS,
	ACFS_IMDS_BUDGET_MS, 100, 1000,
};

/* Characters that never appear in a URI (RFC 3986), as the http crate
 * that smithy-rs uses rejects them. */
static int uri_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("\"<>\\^`{|}", c) == NULL;
}

static acfs_code endpoint_url(const char *v, const char *from, char *out,
			      size_t outsz, acfs_err *e)
{
	size_t n = strlen(v), i;
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	CURLUcode uc;

	for (i = 0; i < n; i++)
		if (!uri_char_ok((unsigned char)v[i]))
			return acfs_err_set(e, ACFS_E_CONFIG, "%s '%.200s' is not "
					    "a valid URL (invalid uri character "
					    "at offset %zu)", from, v, i);
	if (n >= ACFS_IMDS_URL_MAX || n >= outsz)
		return acfs_err_set(e, ACFS_E_CONFIG, "%s is longer than %d "
				    "bytes", from, ACFS_IMDS_URL_MAX - 1);
	if (strchr(v, '?') != NULL || strchr(v, '#') != NULL)
		return acfs_err_set(e, ACFS_E_CONFIG, "%s '%.200s' must not have "
				    "a query or a fragment", from, v);
	u = curl_url();
	if (u == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	uc = curl_url_set(u, CURLUPART_URL, v, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	if (uc != CURLUE_OK)
		return acfs_err_set(e, ACFS_E_CONFIG, "%s '%.200s' is not a valid "
				    "URL (%s)", from, v, curl_url_strerror(uc));
	while (n > 0 && v[n - 1] == '/')
		n--;
	snprintf(out, outsz, "%.*s", (int)n, v);
	return ACFS_OK;
}

acfs_code acfs_imds_base_url(const acfs_env *env, const acfs_imds_settings *s,
			     char *out, size_t outsz, acfs_err *e)
{
	static const acfs_imds_settings none;
	const char *v, *from = "";

	if (s == NULL)
		s = &none;
	out[0] = '\0';
	if ((v = s->endpoint_override) != NULL)
		from = "the IMDS endpoint override";
	else if ((v = acfs_env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) != NULL)
		from = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
	else if ((v = s->endpoint) != NULL && v[0] != '\0')
		from = "ec2_metadata_service_endpoint";
	if (v != NULL && v[0] != '\0')
		return endpoint_url(v, from, out, outsz, e);
	if ((v = s->mode_override) != NULL)
		from = "the IMDS endpoint mode override";
	else if ((v = acfs_env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) != NULL)
		from = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
	else if ((v = s->endpoint_mode) != NULL && v[0] != '\0')
		from = "ec2_metadata_service_endpoint_mode";
	else
		v = "IPv4";
	if (strcasecmp(v, "IPv4") == 0)
		snprintf(out, outsz, "%s", ACFS_IMDS_IPV4);
	else if (strcasecmp(v, "IPv6") == 0)
		snprintf(out, outsz, "%s", ACFS_IMDS_IPV6);
	else
		return acfs_err_set(e, ACFS_E_CONFIG, "%s: `%.64s` is not a valid "
				    "endpoint mode (use IPv4 or IPv6)", from, v);
	return ACFS_OK;
}

typedef struct {
	acfs_metahttp mc;
	const char *base;
	char *token;            /* the session token: secret */
	acfs_err *e;
} fetch;

/* What a refusal of a request most likely means. */
typedef struct {
	long status;
	const char *hint;
} hint;

static const hint token_hints[] = {
	{ 403, "request forbidden: IMDS is disabled on this instance, or the "
	       "response hop limit is too low to reach it from here; " },
	{ 404, "no IMDSv2 here (awscredsfs does not use IMDSv1); " },
	{ 405, "no IMDSv2 here (awscredsfs does not use IMDSv1); " },
	{ 0, NULL },
};

static const hint list_hints[] = {
	{ 404, "no IAM role is attached to this instance (the credential "
	       "provider was not enabled); " },
	{ 0, NULL },
};

/* One request: method on BASE+path with the session token once we have
 * one, else asking for one.  ACFS_OK only for a 200 answer, in *resp;
 * otherwise f->e says why (with the hint for the status, if any). */
static acfs_code request(fetch *f, const char *method, const char *path,
			 size_t max, const hint *hints,
			 acfs_http_response *resp)
{
	char url[ACFS_IMDS_URL_MAX + 256], why[800];
	acfs_http_header hdr;
	acfs_http_request req;
	int attempts;
	acfs_err ie;
	acfs_code rc;

	snprintf(url, sizeof(url), "%s%s", f->base, path);
	memset(&req, 0, sizeof(req));
	if (f->token == NULL) {
		hdr = (acfs_http_header){ "X-aws-ec2-metadata-token-ttl-seconds",
					  ACFS_IMDS_TOKEN_TTL };
		/* An empty body, so that a Content-Length: 0 goes out. */
		req.body = "";
	} else {
		hdr = (acfs_http_header){ "X-aws-ec2-metadata-token", f->token };
	}
	req.method = method;
	req.url = url;
	req.headers = &hdr;
	req.nheaders = 1;
	req.max_response = max;
	acfs_err_clear(&ie);
	rc = acfs_metahttp_send(&f->mc, &req, resp, &attempts, &ie);
	if (rc != ACFS_OK)
		return acfs_err_set(f->e, rc, "IMDS %s: %s %s: %s", f->base,
				    method, path, ie.msg);
	if (resp->status == 200)
		return ACFS_OK;
	while (hints != NULL && hints->hint != NULL &&
	       hints->status != resp->status)
		hints++;
	acfs_metahttp_status_text(resp, f->token, why, sizeof(why));
	acfs_http_response_clear(resp);
	return acfs_err_set(f->e, ACFS_E_REMOTE, "IMDS %s: %s %s: %s%s", f->base,
			    method, path, hints && hints->hint ? hints->hint : "",
			    why);
}

static acfs_code get_token(fetch *f)
{
	acfs_http_response resp;
	size_t i;
	acfs_code rc;

	rc = request(f, "PUT", TOKEN_PATH, ACFS_IMDS_TOKEN_MAX, token_hints,
		     &resp);
	if (rc != ACFS_OK)
		return rc;
	for (i = 0; i < resp.body.len; i++)
		if (resp.body.data[i] <= 0x20 || resp.body.data[i] == 0x7f)
			break;
	if (resp.body.len == 0 || i < resp.body.len)
		rc = acfs_err_set(f->e, ACFS_E_SYNTAX, "IMDS %s: PUT %s: the "
				  "session token is empty or holds white space "
				  "or control characters", f->base, TOKEN_PATH);
	else if ((f->token = acfs_strndup(resp.body.data, resp.body.len)) == NULL)
		rc = acfs_err_set(f->e, ACFS_E_NOMEM, "out of memory");
	acfs_http_response_clear(&resp);
	return rc;
}

static int role_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("+=,.@_-", c) != NULL);
}

/* The instance profile's role: the first line of the listing. */
static acfs_code get_role(fetch *f, char role[ACFS_IMDS_ROLE_MAX + 1])
{
	acfs_http_response resp;
	char shown[80];
	size_t n = 0;
	acfs_code rc;

	rc = request(f, "GET", ROLES_PATH, LIST_MAX, list_hints, &resp);
	if (rc != ACFS_OK)
		return rc;
	while (n < resp.body.len && n <= ACFS_IMDS_ROLE_MAX &&
	       role_char_ok(resp.body.data[n]))
		n++;
	if (n == 0 || n > ACFS_IMDS_ROLE_MAX ||
	    (n < resp.body.len && resp.body.data[n] != '\n' &&
	     resp.body.data[n] != '\r')) {
		rc = acfs_err_set(f->e, ACFS_E_SYNTAX, "IMDS %s: GET %s: '%s' "
				  "is not an IAM role name", f->base, ROLES_PATH,
				  acfs_text_printable(resp.body.data ? resp.body.data : "",
						      resp.body.len, shown,
						      sizeof(shown)));
	} else {
		memcpy(role, resp.body.data, n);
		role[n] = '\0';
	}
	acfs_http_response_clear(&resp);
	return rc;
}

static acfs_code get_creds(fetch *f, const char *role, acfs_creds **out)
{
	char path[sizeof(ROLES_PATH) + ACFS_IMDS_ROLE_MAX];
	acfs_http_response resp;
	acfs_err je;
	acfs_code rc;

	snprintf(path, sizeof(path), "%s%s", ROLES_PATH, role);
	rc = request(f, "GET", path, ACFS_CREDJSON_BODY_MAX, NULL, &resp);
	if (rc != ACFS_OK)
		return rc;
	acfs_err_clear(&je);
	rc = acfs_credjson_imds(resp.body.data ? resp.body.data : "",
				resp.body.len, out, &je);
	if (rc != ACFS_OK)
		acfs_err_set(f->e, rc, "IMDS %s: GET %s: %s", f->base, path,
			     je.msg);
	acfs_http_response_clear(&resp);
	return rc;
}

acfs_code acfs_imds_fetch(const acfs_resolver *r, const acfs_imds_settings *s,
			  acfs_creds **out, acfs_err *e)
{
	const char *v = acfs_env_get(r->env, "AWS_EC2_METADATA_DISABLED");
	char base[ACFS_IMDS_URL_MAX], role[ACFS_IMDS_ROLE_MAX + 1];
	acfs_err ue;
	fetch f;
	acfs_code rc;

	*out = NULL;
	if (v != NULL && strcasecmp(v, "true") == 0)
		return acfs_err_set(e, ACFS_E_CONFIG, "AWS_EC2_METADATA_DISABLED "
				    "is true in awscredsfs's environment, so IMDS "
				    "is not asked (the credential provider was "
				    "not enabled)");
	rc = acfs_imds_base_url(r->env, s, base, sizeof(base), e);
	if (rc != ACFS_OK)
		return rc;
	acfs_err_clear(&ue);
	rc = acfs_metahttp_url_check(base, allowed_hosts, r->test_allow_plain_http,
				     NULL, 0, &ue);
	if (rc != ACFS_OK)
		return acfs_err_set(e, rc == ACFS_E_BADARG ? ACFS_E_CONFIG : rc,
				    "IMDS endpoint %s: %s", base, ue.msg);
	memset(&f, 0, sizeof(f));
	acfs_metahttp_init(&f.mc, r, &limits);
	f.base = base;
	f.e = e;
	rc = get_token(&f);
	if (rc == ACFS_OK)
		rc = get_role(&f, role);
	if (rc == ACFS_OK)
		rc = get_creds(&f, role, out);
	acfs_strfree(f.token);
	return rc;
}
