/* credjson.h - the JSON credential documents, parsed with json-c: the
 * container endpoint's (ECS, EKS Pod Identity), IMDS's, and the output of
 * a credential_process.
 *
 * As in the SDKs (smithy-rs json_credentials, Go's encoding/json), field
 * names match in any case and unknown fields are ignored; a known field
 * given twice in different cases is refused.  Each value read must be a
 * string (Version: an integer) within its cap, with no NUL or other
 * control character.  Bodies are capped, nesting is limited, trailing
 * text other than white space is refused.  JSON null in an optional field
 * is its absence; Expiration is RFC 3339 with any UTC offset ("Z",
 * "+01:00"), as botocore and aws-sdk-go-v2 read it.
 *
 * json-c copies every string it parses, and its tokener keeps a buffer of
 * the last ones: all of that, and what it built of a document that failed
 * part way, is wiped before it is freed; the buffer is sized up front so
 * that json-c never reallocates it.  (A field that
 * appears twice with exactly the same name is the one case json-c frees
 * itself, unwiped, while parsing; no endpoint sends that.)
 *
 * Messages name fields, never their values, except the code and message of
 * an error document, quoted printable and bounded because they explain the
 * failure (they reach the profile's status file).
 */
#ifndef ACFS_CREDJSON_H
#define ACFS_CREDJSON_H

#include <stddef.h>

#include "creds.h"
#include "error.h"

#define ACFS_CREDJSON_BODY_MAX (64 * 1024)   /* bytes of a document */
#define ACFS_CREDJSON_DEPTH_MAX 8            /* nesting of a document */
#define ACFS_CREDJSON_TOKEN_MAX (16 * 1024)  /* bytes of a session token */

/* The container endpoint's document: AccessKeyId, SecretAccessKey, Token
 * and Expiration (ISO 8601), optional AccountId (12 digits).  A document
 * with a Code other than "Success" (or only a code or message) is the
 * endpoint's error: ACFS_E_REMOTE with "CODE: MESSAGE".  Malformed
 * documents and missing fields are ACFS_E_SYNTAX, oversized ones
 * ACFS_E_TOOBIG.  *out gets a new snapshot. */
acfs_code acfs_credjson_container(const char *body, size_t len,
				  acfs_creds **out, acfs_err *e);

/* IMDS's document: Code must be "Success" (another Code is ACFS_E_REMOTE
 * with "CODE: MESSAGE"); AccessKeyId, SecretAccessKey, Token, Expiration;
 * Type and LastUpdated, when present, must be strings. */
acfs_code acfs_credjson_imds(const char *body, size_t len, acfs_creds **out,
			     acfs_err *e);

/* credential_process output: Version must be the integer 1; AccessKeyId
 * and SecretAccessKey are required; SessionToken, Expiration (absent: the
 * keys are long-lived, expiration 0) and AccountId are optional. */
acfs_code acfs_credjson_process(const char *body, size_t len,
				acfs_creds **out, acfs_err *e);

/* Whether body is an error document (a JSON object with a code or a
 * message, in any case, as the SDKs' endpoint clients read them); when it
 * is, out (outsz bytes) gets "CODE: MESSAGE", printable and bounded. */
int acfs_credjson_error(const char *body, size_t len, char *out,
			size_t outsz);

#endif
