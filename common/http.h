/* http.h - the HTTP transport behind every call to STS and the credential
 * endpoints: a function table, so tests can replace it (a replay transport
 * for the recorded-traffic conformance cases), and a libcurl
 * implementation that reuses connections and TLS sessions.
 */
#ifndef ACFS_HTTP_H
#define ACFS_HTTP_H

#include <stddef.h>

#include "error.h"
#include "secret.h"

#define ACFS_HTTP_MAX_HEADERS 16

typedef struct {
	const char *name;
	const char *value;
} acfs_http_header;

typedef struct {
	const char *method;            /* "GET", "POST", "PUT" */
	const char *url;
	const acfs_http_header *headers;
	size_t nheaders;
	const char *body;              /* may hold secrets; borrowed */
	size_t body_len;
	long connect_timeout_ms;
	long timeout_ms;               /* whole request */
	const char *ca_bundle;         /* NULL: the system store */
	size_t max_response;           /* body cap; past it: ACFS_E_TOOBIG */
} acfs_http_request;

typedef struct {
	long status;
	acfs_buf body;                 /* wiped by acfs_http_response_clear */
	char content_type[128];
	int reused;                    /* 1 when an open connection was reused */
} acfs_http_response;

typedef struct acfs_http acfs_http;

struct acfs_http {
	/* Sends req and fills resp (initialised by the callee).  Transport
	 * failures are ACFS_E_NET with the reason, a certificate that does
	 * not verify ACFS_E_POLICY (not worth a retry); an HTTP error status
	 * is not a failure of send. */
	acfs_code (*send)(acfs_http *h, const acfs_http_request *req,
			  acfs_http_response *resp, acfs_err *e);
	void (*destroy)(acfs_http *h);
};

/* The libcurl transport.  Safe to use from several threads at once. */
acfs_http *acfs_http_curl_new(acfs_err *e);

/* Calls h->destroy; NULL is a no-op. */
void acfs_http_free(acfs_http *h);

void acfs_http_response_clear(acfs_http_response *r);

/* Our rule for where credentials may be sent: https anywhere; plain http
 * only to a loopback address (127.0.0.0/8, ::1, localhost).  *host gets
 * the URL's host (at most hostsz bytes) for messages.  ACFS_E_POLICY or
 * ACFS_E_BADARG with the reason otherwise. */
acfs_code acfs_url_check(const char *url, char *host, size_t hostsz,
			 acfs_err *e);

/* Whether host (as in a URL: "127.0.0.1", "[::1]", "localhost") is a
 * loopback address. */
int acfs_host_is_loopback(const char *host);

#endif
