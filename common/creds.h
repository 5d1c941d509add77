/* creds.h - a set of credentials: an immutable, refcounted snapshot.
 *
 * Key, secret, token and expiration always belong to one session.  A
 * refresh builds a new snapshot and swaps a pointer; readers hold a
 * reference, so nobody ever sees pieces of two sessions.  The last unref
 * wipes every field.
 */
#ifndef ACFS_CREDS_H
#define ACFS_CREDS_H

#include <time.h>

#include "error.h"
#include "secret.h"

typedef struct acfs_creds {
	char *access_key_id;
	char *secret_access_key;     /* secret */
	char *session_token;         /* secret; NULL for long-term keys */
	time_t expiration;           /* 0: long-lived, never expires */
	char account_id[13];         /* "" when unknown */
	char *arn;                   /* assumed-role ARN, or NULL */
	int refs;                    /* private: use ref/unref */
} acfs_creds;

/* A new snapshot with one reference.  Strings are copied; token and arn
 * may be NULL.  NULL on allocation failure. */
acfs_creds *acfs_creds_new(const char *akid, const char *secret,
			   const char *token, time_t expiration,
			   const char *account_id, const char *arn);
acfs_creds *acfs_creds_ref(acfs_creds *c);
/* Drops a reference; the last one wipes and frees.  NULL is a no-op. */
void acfs_creds_unref(acfs_creds *c);

/* Whether c is usable at now: long-lived, or expiring after now. */
int acfs_creds_valid(const acfs_creds *c, time_t now);

/* ISO 8601 UTC ("2026-11-22T13:45:00Z") of t into out (21 bytes). */
void acfs_time_iso8601(time_t t, char out[21]);

/* The credential_process document
 * {"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,
 *  "Expiration":...}
 * into out (initialised here; its free wipes).  Secrets are written into
 * our own buffer, never into json-c's, so nothing is left unwiped. */
acfs_code acfs_creds_process_json(const acfs_creds *c, acfs_buf *out);

/* Appends s as a JSON string literal (quotes included) to out. */
acfs_code acfs_json_quote(acfs_buf *out, const char *s);

#endif
