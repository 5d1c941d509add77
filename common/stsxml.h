/* stsxml.h - STS Query-protocol responses (XML) parsed with libexpat.
 *
 * Handles AssumeRoleResponse, AssumeRoleWithWebIdentityResponse,
 * GetSessionTokenResponse, GetCallerIdentityResponse and ErrorResponse in
 * the STS namespace (or none).  Text is kept exactly as sent, newlines
 * included.  Every buffer that held response text is wiped, including
 * expat's own (it runs on wiping allocators).  Documents with a DTD are
 * refused, so no entity tricks get through.
 */
#ifndef ACFS_STSXML_H
#define ACFS_STSXML_H

#include <stddef.h>
#include <time.h>

#include "error.h"

#define ACFS_STSXML_BODY_MAX (64 * 1024)   /* bytes of response body */
#define ACFS_STSXML_TEXT_MAX (16 * 1024)   /* bytes of one element's text */
#define ACFS_STSXML_DEPTH_MAX 16

typedef enum {
	ACFS_STS_RESP_NONE = 0,
	ACFS_STS_RESP_ASSUME_ROLE,
	ACFS_STS_RESP_ASSUME_ROLE_WEB_IDENTITY,
	ACFS_STS_RESP_GET_SESSION_TOKEN,
	ACFS_STS_RESP_GET_CALLER_IDENTITY,
	ACFS_STS_RESP_ERROR,
} acfs_sts_resp_kind;

typedef struct {
	acfs_sts_resp_kind kind;
	/* Credentials (secrets: secret_access_key, session_token) */
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	char *expiration_text;      /* as sent */
	time_t expiration;          /* parsed; fractional seconds dropped */
	/* AssumedRoleUser and friends */
	char *assumed_role_arn;
	char *assumed_role_id;
	char *source_identity;
	char *subject_from_web_identity_token;
	char *audience;
	char *provider;
	/* GetCallerIdentity */
	char *arn;
	char *account;
	char *user_id;
	/* ErrorResponse */
	char *error_type;
	char *error_code;
	char *error_message;
	char *request_id;
} acfs_sts_response;

/* Parses len bytes of body into out (initialised here).  A well-formed
 * ErrorResponse is a success of this function with kind ACFS_STS_RESP_ERROR.
 * Malformed, truncated or oversized bodies, unknown documents and a
 * successful response lacking its credentials give ACFS_E_SYNTAX or
 * ACFS_E_TOOBIG with a message that never quotes a secret. */
acfs_code acfs_stsxml_parse(const char *body, size_t len,
			    acfs_sts_response *out, acfs_err *e);

/* Wipes and frees every field; safe on a zeroed or cleared struct. */
void acfs_sts_response_clear(acfs_sts_response *r);

/* Parses an ISO 8601 UTC time ("2026-11-22T13:45:00Z", with optional
 * fractional seconds, or a "+00:00" offset).  Returns 0 on success. */
int acfs_parse_iso8601(const char *s, time_t *out);

/* The 12-digit account of an ARN ("arn:aws:sts::ACCOUNT:..."), copied
 * into out (13 bytes).  Returns 0 when the ARN has one. */
int acfs_arn_account(const char *arn, char out[13]);

#endif
