/* sts.h - the STS client: AssumeRole and AssumeRoleWithWebIdentity over
 * the Query protocol, signed with SigV4, parsed with stsxml.
 *
 * Retries: throttling, HTTP 5xx and 429, IDPCommunicationError and
 * connection failures are retried with exponential backoff and full jitter,
 * for at most max_attempts and within retry_budget_ms in total.
 * AccessDenied, InvalidIdentityToken, ExpiredToken, ValidationError and
 * every other error are not.  STS's error code and message reach the
 * caller verbatim.
 */
#ifndef ACFS_STS_H
#define ACFS_STS_H

#include <time.h>

#include "creds.h"
#include "error.h"
#include "http.h"
#include "plan.h"
#include "stsendpoint.h"

#define ACFS_TOKEN_FILE_MAX (64 * 1024)   /* bytes of a web identity token */

typedef struct {
	acfs_http *http;                 /* borrowed */
	acfs_sts_endpoint endpoint;      /* URL and signing region */
	const char *ca_bundle;           /* NULL: the system store */
	long connect_timeout_ms;         /* 0: 3000 */
	long timeout_ms;                 /* per attempt; 0: 5000 */
	int max_attempts;                /* 0: 4 */
	long retry_budget_ms;            /* whole call; 0: 10000 */
	/* Injected clocks (NULL: the real ones).  now() is the wall clock
	 * used for signing and expiry; sleep_ms() waits between attempts;
	 * elapsed_ms() is monotonic time for the budget. */
	time_t (*now)(void *ctx);
	void (*sleep_ms)(void *ctx, long ms);
	long (*elapsed_ms)(void *ctx);
	unsigned (*random)(void *ctx, unsigned bound);   /* jitter */
	int test_allow_plain_http;       /* see acfs_resolver */
	void *clock_ctx;
} acfs_sts_client;

/* Fills c with defaults and the endpoint; http is borrowed. */
void acfs_sts_client_init(acfs_sts_client *c, acfs_http *http,
			  const acfs_sts_endpoint *ep, const char *ca_bundle);

/* sts:AssumeRole for hop (an ACFS_HOP_ASSUME_ROLE) signed with src.
 * session_name is used when the hop has none.  *out gets a new snapshot. */
acfs_code acfs_sts_assume_role(const acfs_sts_client *c, const acfs_creds *src,
			       const acfs_hop *hop, const char *session_name,
			       acfs_creds **out, acfs_err *e);

/* sts:AssumeRoleWithWebIdentity for hop with the token text (unsigned, as
 * the SDKs send it). */
acfs_code acfs_sts_assume_role_with_web_identity(const acfs_sts_client *c,
						 const acfs_hop *hop,
						 const char *token,
						 const char *session_name,
						 acfs_creds **out, acfs_err *e);

/* The deterministic default RoleSessionName for a profile:
 * "awscredsfs-<profile>" with characters STS does not allow replaced by
 * '-', cut to 64 bytes. */
void acfs_sts_default_session_name(const char *profile, char out[65]);

/* Reads a web identity token file (re-read on every call: the kubelet
 * rotates it), trimming trailing white space.  *token goes back to
 * acfs_strfree. */
acfs_code acfs_read_token_file(const char *path, char **token, acfs_err *e);

/* Whether an STS error code is retried ("Throttling", ...). */
int acfs_sts_code_retryable(const char *code);

#endif
