/* http.c - the libcurl transport: one share object holds the connection
 * cache, DNS cache and TLS sessions for every request, so a second STS call
 * costs no TCP or TLS handshake. */
#include "http.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

typedef struct {
	acfs_http base;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
} curl_http;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
	curl_http *ch = u;

	(void)h;
	(void)a;
	pthread_mutex_lock(&ch->locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
	curl_http *ch = u;

	(void)h;
	pthread_mutex_unlock(&ch->locks[d]);
}

typedef struct {
	acfs_http_response *resp;
	int too_big;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *u)
{
	sink *s = u;
	acfs_code rc = acfs_buf_add(&s->resp->body, p, size * n);

	if (rc == ACFS_E_TOOBIG)
		s->too_big = 1;
	/* curl's own chunk buffer held the same bytes; we cannot wipe it,
	 * but it is reused for the next chunk and freed with the handle. */
	return rc == ACFS_OK ? size * n : 0;
}

static acfs_code curl_send(acfs_http *h, const acfs_http_request *req,
			   acfs_http_response *resp, acfs_err *e)
{
	curl_http *ch = (curl_http *)h;
	struct curl_slist *hdrs = NULL, *nh;
	char errbuf[CURL_ERROR_SIZE], *line;
	CURL *c = NULL;
	CURLcode cc;
	sink s = { resp, 0 };
	char *ct = NULL;
	long conns = -1;
	acfs_code rc = ACFS_OK;
	size_t i;

	memset(resp, 0, sizeof(*resp));
	acfs_buf_init(&resp->body, req->max_response);
	errbuf[0] = '\0';
	c = curl_easy_init();
	if (c == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "cannot create a curl handle");
	for (i = 0; i < req->nheaders; i++) {
		/* Header lines may hold a session token: wiped, here and
		 * below.  Sized to fit: a cut token is never right. */
		size_t len = strlen(req->headers[i].name) +
			     strlen(req->headers[i].value) + 3;

		line = malloc(len);
		nh = NULL;
		if (line != NULL) {
			snprintf(line, len, "%s: %s", req->headers[i].name,
				 req->headers[i].value);
			nh = curl_slist_append(hdrs, line);
			acfs_wipefree(line, len);
		}
		if (nh == NULL) {
			rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
			goto out;
		}
		hdrs = nh;
	}
	/* No "Expect: 100-continue" round trip for small POSTs. */
	nh = curl_slist_append(hdrs, "Expect:");
	if (nh == NULL) {
		rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		goto out;
	}
	hdrs = nh;
	curl_easy_setopt(c, CURLOPT_SHARE, ch->share);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "awscredsfs/" ACFS_VERSION);
	if (req->ca_bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_bundle);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 3000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if (strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->body_len);
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body != NULL) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)req->body_len);
		}
	}
	cc = curl_easy_perform(c);
	if (s.too_big) {
		rc = acfs_err_set(e, ACFS_E_TOOBIG,
				  "response from %s is larger than %zu bytes",
				  req->url, req->max_response);
		goto out;
	}
	if (cc != CURLE_OK) {
		/* A certificate that does not verify will not verify on a
		 * retry either: that is a refusal, not a network glitch. */
		int tls = cc == CURLE_PEER_FAILED_VERIFICATION ||
			  cc == CURLE_SSL_CACERT_BADFILE ||
			  cc == CURLE_SSL_CERTPROBLEM ||
			  cc == CURLE_SSL_INVALIDCERTSTATUS ||
			  cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;

		rc = acfs_err_set(e, tls ? ACFS_E_POLICY : ACFS_E_NET, "%s: %s%s",
				  req->url, errbuf[0] ? errbuf : curl_easy_strerror(cc),
				  tls ? " (TLS verification failed; check ca_bundle "
					"or AWS_CA_BUNDLE)" : "");
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		snprintf(resp->content_type, sizeof(resp->content_type), "%s", ct);
	if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK)
		resp->reused = conns == 0;
out:
	for (nh = hdrs; nh != NULL; nh = nh->next)
		acfs_wipe(nh->data, strlen(nh->data));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (rc != ACFS_OK)
		acfs_http_response_clear(resp);
	return rc;
}

static void curl_destroy(acfs_http *h)
{
	curl_http *ch = (curl_http *)h;
	int i;

	curl_share_cleanup(ch->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&ch->locks[i]);
	free(ch);
}

acfs_http *acfs_http_curl_new(acfs_err *e)
{
	curl_http *ch;
	int i;

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		acfs_err_set(e, ACFS_E_NET, "curl_global_init failed: %s",
			     curl_easy_strerror(global_rc));
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&ch->locks[i], NULL);
	ch->share = curl_share_init();
	if (ch->share == NULL) {
		curl_destroy(&ch->base);
		acfs_err_set(e, ACFS_E_NOMEM, "cannot create a curl share");
		return NULL;
	}
	curl_share_setopt(ch->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(ch->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(ch->share, CURLSHOPT_USERDATA, ch);
	curl_share_setopt(ch->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(ch->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(ch->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	ch->base.send = curl_send;
	ch->base.destroy = curl_destroy;
	return &ch->base;
}

void acfs_http_free(acfs_http *h)
{
	if (h != NULL && h->destroy != NULL)
		h->destroy(h);
}

void acfs_http_response_clear(acfs_http_response *r)
{
	acfs_buf_free(&r->body);
	r->status = 0;
	r->content_type[0] = '\0';
}

int acfs_host_is_loopback(const char *host)
{
	unsigned char a4[4], a6[16];
	char buf[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a4) == 1)
		return a4[0] == 127;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET6, host, a6) == 1) {
		static const unsigned char loop6[16] = { [15] = 1 };

		return memcmp(a6, loop6, 16) == 0;
	}
	return 0;
}

acfs_code acfs_url_check(const char *url, char *host, size_t hostsz,
			 acfs_err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL;
	acfs_code rc = ACFS_OK;

	if (host != NULL && hostsz > 0)
		host[0] = '\0';
	if (u == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "'%.200s' is not a valid URL", url);
		goto out;
	}
	if (host != NULL && hostsz > 0)
		snprintf(host, hostsz, "%s", h);
	if (strcasecmp(scheme, "https") == 0)
		goto out;
	if (strcasecmp(scheme, "http") != 0) {
		rc = acfs_err_set(e, ACFS_E_POLICY,
				  "'%.200s': only https (or http to a loopback "
				  "address) is allowed", url);
		goto out;
	}
	if (!acfs_host_is_loopback(h))
		rc = acfs_err_set(e, ACFS_E_POLICY,
				  "refusing plain http to %s: credentials go only "
				  "over https, or over http to a loopback address",
				  h);
out:
	curl_free(scheme);
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}
