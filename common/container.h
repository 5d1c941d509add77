/* container.h - the container credentials endpoint: ECS task roles and
 * EKS Pod Identity, as the SDKs find and call it.
 *
 * The URL: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on http://169.254.170.2
 * when set (it beats the full URI, as in botocore and smithy-rs), else
 * AWS_CONTAINER_CREDENTIALS_FULL_URI.  The full URI must be https, or
 * plain http to a loopback address (127.0.0.0/8, ::1, localhost), to
 * 169.254.170.2 (ECS), or to 169.254.170.23 or fd00:ec2::23 (EKS Pod
 * Identity); any other is refused (ACFS_E_POLICY) before anything is sent.
 * Unlike the SDKs, a host name other than localhost is not resolved to see
 * whether all of its addresses are loopback: it is refused.
 *
 * Authorization: the contents of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
 * read again on every call (EKS rotates it), else
 * AWS_CONTAINER_AUTHORIZATION_TOKEN.  The token is sent as it is, with no
 * trimming; one holding a CR or LF (a trailing newline included) or
 * another control character is refused, as botocore and aws-sdk-go-v2
 * refuse it.  The token is never put in a message.
 *
 * The request is a GET with "Accept: application/json".  Timeouts are
 * short (ACFS_CONTAINER_*), transport errors and 5xx are retried with
 * backoff, 4xx answers are final; an error body's code and message are
 * quoted in the error.
 */
#ifndef ACFS_CONTAINER_H
#define ACFS_CONTAINER_H

#include <stddef.h>

#include "creds.h"
#include "env.h"
#include "error.h"
#include "resolve.h"

#define ACFS_CONTAINER_HOST "http://169.254.170.2"
#define ACFS_CONTAINER_URL_MAX 2048
#define ACFS_CONTAINER_TOKEN_MAX (16 * 1024)   /* bytes of the token (file or variable) */
#define ACFS_CONTAINER_CONNECT_TIMEOUT_MS 1000
#define ACFS_CONTAINER_TIMEOUT_MS 2000         /* per attempt */
#define ACFS_CONTAINER_ATTEMPTS 3
#define ACFS_CONTAINER_BUDGET_MS 5000          /* the whole fetch */

/* The credentials URL from env into url (urlsz bytes), checked against
 * the host rules (skipped for plain http when allow_plain_http, which only
 * the replay tests set).  Nothing configured is ACFS_E_NOTFOUND; a
 * malformed URI ACFS_E_CONFIG; a refused one ACFS_E_POLICY. */
acfs_code acfs_container_url(const acfs_env *env, int allow_plain_http,
			     char *url, size_t urlsz, acfs_err *e);

/* The authorization token from env (the file read now), or NULL when none
 * is configured or it is empty.  *token goes back with acfs_strfree. */
acfs_code acfs_container_token(const acfs_env *env, char **token,
			       acfs_err *e);

/* Fetches credentials with r's transport, environment and clocks.  *out
 * gets a new snapshot. */
acfs_code acfs_container_fetch(const acfs_resolver *r, acfs_creds **out,
			       acfs_err *e);

#endif
