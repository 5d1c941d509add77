/* sigv4.h - AWS Signature Version 4, Authorization-header signing.
 *
 * What STS needs: an HTTP request is signed in its Authorization header
 * with HMAC-SHA256 (GnuTLS); presigned URLs and SigV4a are not done here.
 * Checked by shared/conformance/sigv4-aws-c-auth (header mode) and
 * sigv4-legacy-2015-botocore.
 *
 * The canonical form follows the suites:
 *   URI      the path as it appears in the request line, each byte other
 *            than an RFC 3986 unreserved one and '/' written as %XX, so a
 *            path that is already percent-encoded is encoded once more
 *            (the rule for every service but S3).  Unless
 *            ACFS_SIGV4_RAW_PATH is set, dot segments are removed and
 *            repeated slashes collapsed first (as botocore does: a trailing
 *            slash stays, "/a/.." is "/").  "" is "/".
 *   query    split at '&' (empty pieces dropped), each piece at its first
 *            '=' (none: an empty value); %XX sequences are decoded, the
 *            bytes encoded again (so "%E1%88%B4" stays and "%e1" becomes
 *            "%E1"; '+' is a literal plus); sorted by encoded name, then
 *            encoded value.
 *   headers  names lower-cased; values trimmed, every run of spaces, tabs
 *            and folded line breaks ("\r\n " or "\n\t" continuations) one
 *            space; sorted by name (stable), values of the same name joined
 *            with ',' in request order.  Every header passed in is signed.
 *   payload  hex(sha256(body)).
 *
 * Ownership: every input is borrowed; results are new and go back to
 * acfs_strfree or acfs_sigv4_result_free, which wipe (the canonical request
 * can hold the session token).  Error messages never quote a header value,
 * a credential or the body.
 */
#ifndef ACFS_SIGV4_H
#define ACFS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "error.h"

/* Bounds: an input past one of them is ACFS_E_TOOBIG. */
#define ACFS_SIGV4_MAX_HEADERS  64       /* headers in a request */
#define ACFS_SIGV4_MAX_NAME     128      /* bytes in a header name */
#define ACFS_SIGV4_MAX_VALUE    16384    /* bytes in a header value */
#define ACFS_SIGV4_MAX_METHOD   32
#define ACFS_SIGV4_MAX_PATH     4096     /* bytes of the raw path */
#define ACFS_SIGV4_MAX_QUERY    8192     /* bytes of the raw query */
#define ACFS_SIGV4_MAX_PARAMS   256      /* query parameters */
#define ACFS_SIGV4_MAX_BODY     (1024u * 1024)
#define ACFS_SIGV4_MAX_KEY_ID   128      /* bytes of an access key id */
#define ACFS_SIGV4_MAX_SECRET   256      /* bytes of a secret access key */
#define ACFS_SIGV4_MAX_TOKEN    ACFS_SIGV4_MAX_VALUE
#define ACFS_SIGV4_MAX_SCOPE    64       /* bytes of a region or service */

#define ACFS_SIGV4_KEY_LEN      32       /* an HMAC-SHA256 key or digest */
#define ACFS_SIGV4_HEX_LEN      64       /* its lower-case hex form */
#define ACFS_SIGV4_DATE_LEN     16       /* "20150830T123600Z" */
#define ACFS_SIGV4_ALGORITHM    "AWS4-HMAC-SHA256"

/* A header as the caller sends it.  Both strings are NUL-terminated. */
typedef struct {
	const char *name;
	const char *value;
} acfs_sigv4_header;

typedef struct {
	const char *method;    /* "POST" */
	const char *path;      /* raw, as in the request line: "/", "" or NULL
				* mean "/" */
	const char *query;     /* raw, without the '?'; NULL or "" for none */
	const acfs_sigv4_header *headers;   /* must include Host */
	size_t nheaders;
	const void *body;      /* may be NULL when body_len is 0 */
	size_t body_len;
} acfs_sigv4_request;

typedef struct {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;   /* NULL: long-term credentials */
} acfs_sigv4_creds;

/* acfs_sigv4_params.flags */
enum {
	/* Use the path as it is, without removing dot segments or repeated
	 * slashes (the suites' "normalize": false; S3). */
	ACFS_SIGV4_RAW_PATH = 1u << 0,
	/* Add and sign x-amz-content-sha256: hex(sha256(body)). */
	ACFS_SIGV4_CONTENT_SHA256 = 1u << 1,
	/* Leave the session token out of the signature; it is still one of
	 * the headers to add (aws-c-auth's omit_session_token). */
	ACFS_SIGV4_TOKEN_AFTER = 1u << 2,
};

typedef struct {
	const char *region;    /* "us-east-1": [A-Za-z0-9._-], 1..64 bytes */
	const char *service;   /* "sts", same rule */
	const char *amz_date;  /* "YYYYMMDDTHHMMSSZ", or NULL to use when */
	time_t when;           /* signing time (UTC) when amz_date is NULL */
	unsigned flags;        /* ACFS_SIGV4_* */
} acfs_sigv4_params;

/* The headers acfs_sigv4_sign adds to a request, at most this many:
 * X-Amz-Date, x-amz-content-sha256, X-Amz-Security-Token, Authorization. */
#define ACFS_SIGV4_MAX_ADDED 4

typedef struct {
	char *canonical_request;
	char *string_to_sign;
	char *signed_headers;       /* "host;x-amz-date" */
	char *authorization;        /* the value of the Authorization header */
	char signature[ACFS_SIGV4_HEX_LEN + 1];
	char payload_hash[ACFS_SIGV4_HEX_LEN + 1];
	char amz_date[ACFS_SIGV4_DATE_LEN + 1];
	/* The headers the caller must add to the request before sending it,
	 * Authorization last; values point into this result.  A header the
	 * request already had (X-Amz-Date in the 2015 suite) is not
	 * repeated. */
	acfs_sigv4_header add[ACFS_SIGV4_MAX_ADDED];
	size_t nadd;
	char *token;                /* private: the copy add[] points to */
} acfs_sigv4_result;

/* Signs req.  On success *out is a new result (acfs_sigv4_result_free).
 * ACFS_E_BADARG: a malformed input (no Host header, a bad header name, a
 * bare line break in a value, a bad date, a region with '/', an
 * Authorization header already present, an X-Amz-Date, X-Amz-Security-Token
 * or x-amz-content-sha256 header that contradicts the parameters).
 * ACFS_E_TOOBIG: a bound above.  ACFS_E_NOMEM.  ACFS_E_IO: GnuTLS failed. */
acfs_code acfs_sigv4_sign(const acfs_sigv4_request *req,
			  const acfs_sigv4_creds *creds,
			  const acfs_sigv4_params *params,
			  acfs_sigv4_result **out, acfs_err *e);

/* Wipes and frees r.  NULL is a no-op. */
void acfs_sigv4_result_free(acfs_sigv4_result *r);

/* The canonicalisation steps on their own (acfs_strfree the results).
 * path and query as in acfs_sigv4_request; normalize is 0 for RAW_PATH. */
acfs_code acfs_sigv4_canonical_uri(const char *path, int normalize,
				   char **out, acfs_err *e);
acfs_code acfs_sigv4_canonical_query(const char *query, char **out,
				     acfs_err *e);
/* *canonical gets "name:value\n" per distinct name, *signed_headers the
 * names joined with ';'.  Either output may be NULL when not wanted. */
acfs_code acfs_sigv4_canonical_headers(const acfs_sigv4_header *headers,
				       size_t n, char **canonical,
				       char **signed_headers, acfs_err *e);

/* Where the signing key's intermediates live while it is derived. */
typedef struct {
	unsigned char k_secret[4 + ACFS_SIGV4_MAX_SECRET];  /* "AWS4"+secret */
	unsigned char k_date[ACFS_SIGV4_KEY_LEN];
	unsigned char k_region[ACFS_SIGV4_KEY_LEN];
	unsigned char k_service[ACFS_SIGV4_KEY_LEN];
} acfs_sigv4_scratch;

/* acfs_sigv4_derive_key flags */
enum {
	/* Leave the intermediates in the scratch (tests only: the caller
	 * then wipes it with acfs_wipe). */
	ACFS_SIGV4_KEEP_SCRATCH = 1u << 0,
};

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date8), region), service),
 * "aws4_request") into key.  date8 is "YYYYMMDD".  scratch may be NULL
 * (one on the stack is used).  Unless ACFS_SIGV4_KEEP_SCRATCH, the whole
 * scratch is wiped before returning, on success and on error; key is
 * wiped on error.  The caller wipes key when done. */
acfs_code acfs_sigv4_derive_key(const char *secret, const char *date8,
				const char *region, const char *service,
				acfs_sigv4_scratch *scratch, unsigned flags,
				unsigned char key[ACFS_SIGV4_KEY_LEN]);

/* Writes hex(sha256(data)) and a NUL to hex. */
acfs_code acfs_sigv4_sha256_hex(const void *data, size_t len,
				char hex[ACFS_SIGV4_HEX_LEN + 1]);

#endif
