/* sts.c - the STS Query-protocol client with retries. */
#include "sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"
#include "files.h"
#include "sigv4.h"
#include "stsxml.h"

#define STS_VERSION "2011-06-15"
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 5000
#define BODY_MAX (16 * 1024)

void acfs_sts_client_init(acfs_sts_client *c, acfs_http *http,
			  const acfs_sts_endpoint *ep, const char *ca_bundle)
{
	memset(c, 0, sizeof(*c));
	c->http = http;
	c->endpoint = *ep;
	c->ca_bundle = ca_bundle;
	c->connect_timeout_ms = 3000;
	c->timeout_ms = 5000;
	c->max_attempts = 4;
	c->retry_budget_ms = 10000;
}

int acfs_sts_code_retryable(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException", "TransactionInProgressException",
		"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
		"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException", "IDPCommunicationError",
		"RequestTimeout", "RequestTimeoutException", "InternalFailure",
		"InternalError", "ServiceUnavailable", NULL,
	};
	size_t i;

	for (i = 0; code != NULL && codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

void acfs_sts_default_session_name(const char *profile, char out[65])
{
	size_t n = 0, i;

	n = (size_t)snprintf(out, 65, "awscredsfs-%s", profile ? profile : "default");
	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		char ch = out[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("_+=,.@-", ch) != NULL))
			out[i] = '-';
	}
	out[n] = '\0';
}

acfs_code acfs_read_token_file(const char *path, char **token, acfs_err *e)
{
	acfs_buf b;
	acfs_err fe;
	int missing;
	acfs_code rc;
	size_t n;

	*token = NULL;
	acfs_err_clear(&fe);
	rc = acfs_file_read(path, ACFS_TOKEN_FILE_MAX, &b, &missing, &fe);
	if (rc != ACFS_OK)
		return acfs_err_set(e, rc, "web identity token: %s", fe.msg);
	if (missing)
		return acfs_err_set(e, ACFS_E_IO, "web identity token file %s "
				    "does not exist", path);
	n = b.len;
	while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r' ||
			 b.data[n - 1] == ' ' || b.data[n - 1] == '\t'))
		n--;
	if (n == 0 || memchr(b.data, '\0', n) != NULL) {
		acfs_buf_free(&b);
		return acfs_err_set(e, ACFS_E_CONFIG, "web identity token file %s "
				    "is empty or not text", path);
	}
	*token = acfs_strndup(b.data, n);
	acfs_buf_free(&b);
	return *token ? ACFS_OK : acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
}

/* --- the form body --- */

static acfs_code form_add(acfs_buf *b, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	acfs_code rc = ACFS_OK;
	const unsigned char *p;

	if (value == NULL)
		return ACFS_OK;
	if (b->len > 0)
		rc = acfs_buf_addc(b, '&');
	if (rc == ACFS_OK)
		rc = acfs_buf_add(b, key, strlen(key));
	if (rc == ACFS_OK)
		rc = acfs_buf_addc(b, '=');
	for (p = (const unsigned char *)value; rc == ACFS_OK && *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~') {
			rc = acfs_buf_addc(b, (char)*p);
		} else {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			rc = acfs_buf_add(b, enc, 3);
		}
	}
	return rc;
}

static acfs_code build_body(const acfs_hop *hop, const char *action,
			    const char *session_name, const char *token,
			    acfs_buf *b)
{
	char num[32], key[64];
	acfs_code rc;
	size_t i;

	acfs_buf_init(b, BODY_MAX);
	rc = form_add(b, "Action", action);
	if (rc == ACFS_OK)
		rc = form_add(b, "Version", STS_VERSION);
	if (rc == ACFS_OK)
		rc = form_add(b, "RoleArn", hop->role_arn);
	if (rc == ACFS_OK)
		rc = form_add(b, "RoleSessionName", session_name);
	if (rc == ACFS_OK && hop->duration_seconds > 0) {
		snprintf(num, sizeof(num), "%d", hop->duration_seconds);
		rc = form_add(b, "DurationSeconds", num);
	}
	if (rc == ACFS_OK && token != NULL)
		rc = form_add(b, "WebIdentityToken", token);
	if (rc == ACFS_OK)
		rc = form_add(b, "ExternalId", hop->external_id);
	for (i = 0; rc == ACFS_OK && i < hop->ntags; i++) {
		snprintf(key, sizeof(key), "Tags.member.%zu.Key", i + 1);
		rc = form_add(b, key, hop->tags[i].key);
		snprintf(key, sizeof(key), "Tags.member.%zu.Value", i + 1);
		if (rc == ACFS_OK)
			rc = form_add(b, key, hop->tags[i].value);
	}
	for (i = 0; rc == ACFS_OK && i < hop->ntransitive; i++) {
		snprintf(key, sizeof(key), "TransitiveTagKeys.member.%zu", i + 1);
		rc = form_add(b, key, hop->transitive_keys[i]);
	}
	if (rc == ACFS_OK)
		rc = form_add(b, "SourceIdentity", hop->source_identity);
	if (rc != ACFS_OK)
		acfs_buf_free(b);
	return rc;
}

/* Host header value and path of the endpoint URL. */
static acfs_code url_parts(const char *url, char *host, size_t hostsz,
			   char *path, size_t pathsz, acfs_err *e)
{
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *p = NULL;
	acfs_code rc = ACFS_OK;

	if (u == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "'%.200s' is not a valid URL", url);
		goto out;
	}
	/* CURLUPART_PORT without CURLU_DEFAULT_PORT: only an explicit one,
	 * which curl also puts in its Host header. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
		snprintf(host, hostsz, "%s:%s", h, port);
	else
		snprintf(host, hostsz, "%s", h);
	snprintf(path, pathsz, "%s", p && *p ? p : "/");
out:
	curl_free(h);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

/* One call with retries.  src NULL: unsigned (web identity). */
static acfs_code call(const acfs_sts_client *c, const acfs_creds *src, const acfs_buf *body,
		      const char *what, acfs_sts_response *resp, acfs_err *e)
{
	time_t (*now)(void *) = c->now ? c->now : acfs_clock_now;
	void (*sleep_ms)(void *, long) = c->sleep_ms ? c->sleep_ms : acfs_clock_sleep_ms;
	long (*elapsed)(void *) = c->elapsed_ms ? c->elapsed_ms : acfs_clock_elapsed_ms;
	long start = elapsed(c->clock_ctx), budget, delay, left;
	int attempts = c->max_attempts > 0 ? c->max_attempts : 4, attempt;
	char host[512], path[2048], lasterr[ACFS_ERR_MSG_MAX];
	acfs_http_header hdrs[8];
	acfs_code rc;

	budget = c->retry_budget_ms > 0 ? c->retry_budget_ms : 10000;
	rc = acfs_url_check(c->endpoint.url, NULL, 0, e);
	if (rc == ACFS_E_POLICY && c->test_allow_plain_http &&
	    strncmp(c->endpoint.url, "http://", 7) == 0)
		rc = ACFS_OK;
	if (rc == ACFS_OK)
		rc = url_parts(c->endpoint.url, host, sizeof(host), path,
			       sizeof(path), e);
	if (rc != ACFS_OK)
		return rc;
	lasterr[0] = '\0';
	for (attempt = 0; attempt < attempts; attempt++) {
		acfs_sigv4_result *sig = NULL;
		acfs_http_response hr;
		acfs_http_request req;
		acfs_err ae;
		size_t nh = 0, i;
		int retry = 0;

		acfs_err_clear(&ae);
		hdrs[nh++] = (acfs_http_header){ "Host", host };
		hdrs[nh++] = (acfs_http_header){ "Content-Type",
			"application/x-www-form-urlencoded; charset=utf-8" };
		if (src != NULL) {
			acfs_sigv4_header sh[2] = { { "Host", host },
				{ "Content-Type", hdrs[1].value } };
			acfs_sigv4_request sr = { "POST", path, NULL, sh, 2,
						  body->data, body->len };
			acfs_sigv4_creds sc = { src->access_key_id,
						src->secret_access_key,
						src->session_token };
			acfs_sigv4_params sp = { c->endpoint.signing_region, "sts",
						 NULL, now(c->clock_ctx), 0 };

			rc = acfs_sigv4_sign(&sr, &sc, &sp, &sig, &ae);
			if (rc != ACFS_OK)
				return acfs_err_set(e, rc, "%s: cannot sign the "
						    "request: %s", what, ae.msg);
			for (i = 0; i < sig->nadd; i++)
				hdrs[nh++] = (acfs_http_header){ sig->add[i].name,
								 sig->add[i].value };
		}
		left = budget - (elapsed(c->clock_ctx) - start);
		memset(&req, 0, sizeof(req));
		req.method = "POST";
		req.url = c->endpoint.url;
		req.headers = hdrs;
		req.nheaders = nh;
		req.body = body->data;
		req.body_len = body->len;
		req.connect_timeout_ms = c->connect_timeout_ms;
		req.timeout_ms = c->timeout_ms < left ? c->timeout_ms : left;
		if (req.timeout_ms < 1)
			req.timeout_ms = 1;
		req.ca_bundle = c->ca_bundle;
		req.max_response = ACFS_STSXML_BODY_MAX;
		rc = c->http->send(c->http, &req, &hr, &ae);
		acfs_sigv4_result_free(sig);
		if (rc == ACFS_E_NET) {
			retry = 1;
			snprintf(lasterr, sizeof(lasterr), "%s", ae.msg);
		} else if (rc != ACFS_OK) {
			return acfs_err_set(e, rc, "%s: %s", what, ae.msg);
		} else {
			rc = acfs_stsxml_parse(hr.body.data ? hr.body.data : "",
					       hr.body.len, resp, &ae);
			if (rc == ACFS_OK && resp->kind == ACFS_STS_RESP_ERROR) {
				retry = hr.status >= 500 || hr.status == 429 ||
					acfs_sts_code_retryable(resp->error_code);
				snprintf(lasterr, sizeof(lasterr), "%s: %s",
					 resp->error_code,
					 resp->error_message ? resp->error_message : "");
				rc = ACFS_E_REMOTE;
				if (!retry) {
					acfs_http_response_clear(&hr);
					return acfs_err_set(e, rc, "%s: %s", what,
							    lasterr);
				}
				acfs_sts_response_clear(resp);
			} else if (rc == ACFS_OK && hr.status != 200) {
				acfs_sts_response_clear(resp);
				rc = ACFS_E_REMOTE;
				retry = hr.status >= 500 || hr.status == 429;
				snprintf(lasterr, sizeof(lasterr),
					 "HTTP %ld with an unexpected body", hr.status);
			} else if (rc != ACFS_OK) {
				/* An unreadable body: retried only when the
				 * status says the server failed. */
				retry = hr.status >= 500 || hr.status == 429;
				snprintf(lasterr, sizeof(lasterr), "HTTP %ld: %.400s",
					 hr.status, ae.msg);
				if (!retry) {
					acfs_http_response_clear(&hr);
					return acfs_err_set(e, rc, "%s: %s", what,
							    lasterr);
				}
			}
			acfs_http_response_clear(&hr);
			if (rc == ACFS_OK)
				return ACFS_OK;
		}
		if (!retry || attempt + 1 == attempts)
			break;
		delay = acfs_backoff_ms(c->random, c->clock_ctx, attempt,
					BACKOFF_BASE_MS, BACKOFF_CAP_MS);
		if (elapsed(c->clock_ctx) - start + delay >= budget)
			break;
		sleep_ms(c->clock_ctx, delay);
	}
	return acfs_err_set(e, rc == ACFS_E_NET ? ACFS_E_NET : ACFS_E_REMOTE,
			    "%s: gave up after %d attempt%s in %ld ms: %s", what,
			    attempt + 1 > attempts ? attempts : attempt + 1,
			    attempt == 0 ? "" : "s",
			    elapsed(c->clock_ctx) - start, lasterr);
}

static acfs_code make_creds(const acfs_sts_response *r, acfs_creds **out,
			    acfs_err *e)
{
	char acct[13] = "";

	if (r->assumed_role_arn != NULL)
		acfs_arn_account(r->assumed_role_arn, acct);
	*out = acfs_creds_new(r->access_key_id, r->secret_access_key,
			      r->session_token, r->expiration, acct,
			      r->assumed_role_arn);
	return *out ? ACFS_OK : acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
}

/* One AssumeRole-family call: src NULL sends it unsigned (web identity). */
static acfs_code assume(const acfs_sts_client *c, const acfs_creds *src,
			const acfs_hop *hop, const char *action,
			const char *session_name, const char *token,
			acfs_creds **out, acfs_err *e)
{
	acfs_sts_response r;
	char what[600];
	acfs_buf body;
	acfs_code rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	snprintf(what, sizeof(what), "sts:%s %s", action, hop->role_arn);
	rc = build_body(hop, action, hop->role_session_name ?
			hop->role_session_name : session_name, token, &body);
	if (rc != ACFS_OK)
		return acfs_err_set(e, rc, "%s: request too large", what);
	rc = call(c, src, &body, what, &r, e);
	acfs_buf_free(&body);
	if (rc == ACFS_OK)
		rc = make_creds(&r, out, e);
	acfs_sts_response_clear(&r);
	return rc;
}

acfs_code acfs_sts_assume_role(const acfs_sts_client *c, const acfs_creds *src,
			       const acfs_hop *hop, const char *session_name,
			       acfs_creds **out, acfs_err *e)
{
	return assume(c, src, hop, "AssumeRole", session_name, NULL, out, e);
}

acfs_code acfs_sts_assume_role_with_web_identity(const acfs_sts_client *c,
						 const acfs_hop *hop,
						 const char *token,
						 const char *session_name,
						 acfs_creds **out, acfs_err *e)
{
	return assume(c, NULL, hop, "AssumeRoleWithWebIdentity", session_name,
		      token, out, e);
}
