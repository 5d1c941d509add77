/* metahttp.c - retries, host rules and error text for the host's
 * credential services. */
#include "metahttp.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "clock.h"
#include "credjson.h"
#include "text.h"

#define EXCERPT_MAX 200

void acfs_metahttp_init(acfs_metahttp *c, const acfs_resolver *r,
			const acfs_metahttp_limits *lim)
{
	memset(c, 0, sizeof(*c));
	c->http = r->http;
	c->lim = *lim;
	c->sleep_ms = r->sleep_ms ? r->sleep_ms : acfs_clock_sleep_ms;
	c->elapsed_ms = r->elapsed_ms ? r->elapsed_ms : acfs_clock_elapsed_ms;
	c->random = r->random;
	c->clock_ctx = r->clock_ctx;
	c->start_ms = c->elapsed_ms(c->clock_ctx);
}

static long min_long(long a, long b)
{
	return a < b ? a : b;
}

acfs_code acfs_metahttp_send(const acfs_metahttp *c, acfs_http_request *req,
			     acfs_http_response *resp, int *attempts,
			     acfs_err *e)
{
	char last[ACFS_ERR_MSG_MAX] = "the time budget was used up";
	int attempt, max = c->lim.max_attempts > 0 ? c->lim.max_attempts : 1;
	long left = 0, delay;
	acfs_err ae;
	acfs_code rc;

	memset(resp, 0, sizeof(*resp));
	*attempts = 0;
	for (attempt = 0; attempt < max; attempt++) {
		left = c->lim.budget_ms - (c->elapsed_ms(c->clock_ctx) - c->start_ms);
		if (left <= 0)
			break;
		req->connect_timeout_ms = min_long(c->lim.connect_timeout_ms, left);
		req->timeout_ms = min_long(c->lim.timeout_ms, left);
		acfs_err_clear(&ae);
		rc = c->http->send(c->http, req, resp, &ae);
		*attempts = attempt + 1;
		if (rc != ACFS_OK && rc != ACFS_E_NET)
			return acfs_err_set(e, rc, "%s", ae.msg);
		if (rc == ACFS_OK && resp->status < 500)
			return ACFS_OK;
		delay = acfs_backoff_ms(c->random, c->clock_ctx, attempt,
					c->lim.backoff_base_ms,
					c->lim.backoff_cap_ms);
		left = c->lim.budget_ms - (c->elapsed_ms(c->clock_ctx) - c->start_ms);
		/* The last chance: a 5xx answer goes back as it is. */
		if (attempt + 1 == max || delay >= left) {
			if (rc == ACFS_OK)
				return ACFS_OK;
			snprintf(last, sizeof(last), "%s", ae.msg);
			break;
		}
		if (rc == ACFS_OK) {
			snprintf(last, sizeof(last), "%s: HTTP %ld", req->url,
				 resp->status);
			acfs_http_response_clear(resp);
		} else {
			snprintf(last, sizeof(last), "%s", ae.msg);
		}
		c->sleep_ms(c->clock_ctx, delay);
	}
	return acfs_err_set(e, ACFS_E_NET, "gave up after %d attempt%s in "
			    "%ld ms: %s", *attempts,
			    *attempts == 1 ? "" : "s",
			    c->elapsed_ms(c->clock_ctx) - c->start_ms, last);
}

/* Whether host (as in a URL, IPv6 in brackets) is one of the addresses
 * in allowed. */
static int host_allowed(const char *host, const char *const *allowed)
{
	unsigned char a[16], b[16];
	char buf[64];
	size_t n = strlen(host), i;
	int fam = AF_INET;

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		fam = AF_INET6;
	} else if (n < sizeof(buf)) {
		memcpy(buf, host, n + 1);
	} else {
		return 0;
	}
	if (inet_pton(fam, buf, a) != 1)
		return 0;
	for (i = 0; allowed != NULL && allowed[i] != NULL; i++)
		if (inet_pton(fam, allowed[i], b) == 1 &&
		    memcmp(a, b, fam == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

acfs_code acfs_metahttp_url_check(const char *url, const char *const *allowed,
				  int any_http, char *host, size_t hostsz,
				  acfs_err *e)
{
	CURLU *u = NULL;
	char *scheme = NULL, *h = NULL;
	CURLUcode uc;
	acfs_code rc = ACFS_OK;

	if (host != NULL && hostsz > 0)
		host[0] = '\0';
	if (strstr(url, "://") == NULL)
		return acfs_err_set(e, ACFS_E_BADARG, "'%.200s' is not an absolute "
				    "URL (URI did not specify a host)", url);
	u = curl_url();
	if (u == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (uc == CURLUE_OK && strcasecmp(scheme, "https") != 0 &&
	    strcasecmp(scheme, "http") != 0) {
		rc = acfs_err_set(e, ACFS_E_POLICY, "'%.200s': only https, or "
				  "http to an allowed host, is accepted", url);
		goto out;
	}
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_HOST, &h, 0);
	if (uc == CURLUE_OK && h[0] == '\0')
		uc = CURLUE_NO_HOST;
	if (uc != CURLUE_OK) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "'%.200s' is not a valid URL "
				  "(%s)", url, uc == CURLUE_NO_HOST ?
				  "URI did not specify a host" :
				  curl_url_strerror(uc));
		goto out;
	}
	if (host != NULL && hostsz > 0)
		snprintf(host, hostsz, "%s", h);
	if (strcasecmp(scheme, "https") == 0)
		goto out;
	if (!any_http && !acfs_host_is_loopback(h) && !host_allowed(h, allowed))
		rc = acfs_err_set(e, ACFS_E_POLICY, "refusing plain http to %.200s: "
				  "credentials are fetched over https, or over "
				  "http only from a loopback address or the "
				  "service's own link-local address", h);
out:
	curl_free(scheme);
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

void acfs_metahttp_status_text(const acfs_http_response *resp,
			       const char *secret, char *out, size_t outsz)
{
	const char *body = resp->body.data ? resp->body.data : "";
	size_t len = resp->body.len;
	char text[700];

	if (len == 0)
		snprintf(text, sizeof(text), "(empty body)");
	else if (secret != NULL && secret[0] != '\0' &&
		 memmem(body, len, secret, strlen(secret)) != NULL)
		snprintf(text, sizeof(text), "(body not shown: it contains the "
			 "request's token)");
	else if (!acfs_credjson_error(body, len, text, sizeof(text)))
		acfs_text_printable(body, len, text, EXCERPT_MAX + 4);
	snprintf(out, outsz, "HTTP %ld: %s", resp->status, text);
}
