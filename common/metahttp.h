/* metahttp.h - requests to the credential services on the host: the
 * container endpoint (ECS, EKS Pod Identity) and IMDS.
 *
 * They are local or link-local services that answer in milliseconds, so
 * timeouts are short and retries few.  Transport errors and HTTP 5xx are
 * retried with exponential backoff and full jitter, at most max_attempts
 * times per request and within one time budget for all the requests of a
 * fetch; any other answer (4xx included) is final.  The clocks are the
 * resolver's, so tests move time without waiting.
 */
#ifndef ACFS_METAHTTP_H
#define ACFS_METAHTTP_H

#include <stddef.h>

#include "error.h"
#include "http.h"
#include "resolve.h"

typedef struct {
	long connect_timeout_ms;    /* per attempt */
	long timeout_ms;            /* per attempt */
	int max_attempts;           /* per request */
	long budget_ms;             /* all the requests of one fetch */
	long backoff_base_ms;
	long backoff_cap_ms;
} acfs_metahttp_limits;

typedef struct {
	acfs_http *http;            /* borrowed */
	acfs_metahttp_limits lim;
	void (*sleep_ms)(void *ctx, long ms);
	long (*elapsed_ms)(void *ctx);
	unsigned (*random)(void *ctx, unsigned bound);
	void *clock_ctx;
	long start_ms;              /* when the fetch began */
} acfs_metahttp;

/* Takes r's transport and clocks (the real ones where r has none) and
 * starts the budget now. */
void acfs_metahttp_init(acfs_metahttp *c, const acfs_resolver *r,
			const acfs_metahttp_limits *lim);

/* Sends req, setting its timeouts from c (cut to what is left of the
 * budget), with retries.  ACFS_OK: *resp (initialised here; clear it with
 * acfs_http_response_clear) holds the final answer whatever its status, a
 * 5xx one when the retries ran out, and *attempts how many were made.
 * When every attempt failed in transport, or the budget ran out:
 * ACFS_E_NET, the last reason and the count in e.  The transport's other
 * failures (ACFS_E_TOOBIG, ACFS_E_POLICY for TLS, ACFS_E_NOMEM) are final.
 * The transport's messages name the URL. */
acfs_code acfs_metahttp_send(const acfs_metahttp *c, acfs_http_request *req,
			     acfs_http_response *resp, int *attempts,
			     acfs_err *e);

/* Where credentials may be fetched from: https anywhere; plain http only
 * to a loopback address (acfs_host_is_loopback), to one of the IP
 * addresses in allowed (NULL-terminated, "169.254.170.2", "fd00:ec2::23"),
 * or to any host when any_http is set.  *host (hostsz bytes) gets the
 * URL's host.  A URL with no host: ACFS_E_BADARG saying "URI did not
 * specify a host"; another scheme or a refused host: ACFS_E_POLICY.
 * Nothing is resolved or connected. */
acfs_code acfs_metahttp_url_check(const char *url, const char *const *allowed,
				  int any_http, char *host, size_t hostsz,
				  acfs_err *e);

/* "HTTP 403: CODE: MESSAGE" for a failed answer, the code and message
 * taken from a JSON error document, else a printable excerpt of the body.
 * The body is withheld when it contains secret (when not NULL or empty),
 * the token the request carried. */
void acfs_metahttp_status_text(const acfs_http_response *resp,
			       const char *secret, char *out, size_t outsz);

#endif
