/* sigv4.c - AWS Signature Version 4, Authorization-header signing, with
 * GnuTLS's HMAC-SHA256 and SHA-256.
 *
 * Every buffer that holds key material is wiped: the "AWS4"+secret buffer
 * and the intermediate keys (in an acfs_sigv4_scratch), the signing key and
 * the final MAC.  GnuTLS wipes its own HMAC context in gnutls_hmac_fast
 * (lib/nettle/mac.c, zeroize_temp_key).  Text buffers are acfs_bufs, which
 * wipe when they grow and when they are freed: the canonical request holds
 * the session token.
 */
#include "sigv4.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "secret.h"

/* Backstops for the text buffers; the inputs are bounded well below. */
#define URI_MAX    (3 * ACFS_SIGV4_MAX_PATH + 2)
#define QUERY_MAX  (3 * ACFS_SIGV4_MAX_QUERY + ACFS_SIGV4_MAX_PARAMS + 1)
#define NHDR_MAX   (ACFS_SIGV4_MAX_HEADERS + ACFS_SIGV4_MAX_ADDED)
#define HDRS_MAX   (NHDR_MAX * (ACFS_SIGV4_MAX_NAME + ACFS_SIGV4_MAX_VALUE + 2))
#define CREQ_MAX   (4u * 1024 * 1024)
#define SMALL_MAX  (64u * 1024)

static const char hexdigits[] = "0123456789abcdef";
static const char HEXDIGITS[] = "0123456789ABCDEF";

/* --- bytes ------------------------------------------------------------ */

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* RFC 9110 tchar: what a method or a header name is made of. */
static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int token_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i == max || !is_tchar((unsigned char)s[i]))
			return 0;
	return i > 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void to_hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Gives a failure a message when nothing more precise was said (the
 * public functions clear e first). */
static acfs_code fail(acfs_err *e, acfs_code rc, const char *what)
{
	if (rc != ACFS_OK && e != NULL && e->code == ACFS_OK)
		acfs_err_set(e, rc, "sigv4: %s: %s", what, acfs_strerror(rc));
	return rc;
}

/* Appends c, as %XX unless it is unreserved (or '/' when keep_slash). */
static acfs_code put_encoded(acfs_buf *b, unsigned char c, int keep_slash)
{
	char pct[3];

	if (is_unreserved(c) || (keep_slash && c == '/'))
		return acfs_buf_addc(b, (char)c);
	pct[0] = '%';
	pct[1] = HEXDIGITS[c >> 4];
	pct[2] = HEXDIGITS[c & 15];
	return acfs_buf_add(b, pct, 3);
}

static acfs_code add_encoded(acfs_buf *b, const char *s, size_t n)
{
	acfs_code rc = ACFS_OK;
	size_t i;

	for (i = 0; i < n && rc == ACFS_OK; i++)
		rc = put_encoded(b, (unsigned char)s[i], 0);
	return rc;
}

/* Decodes the %XX sequences of s[0..n) and encodes the bytes again; a '%'
 * without two hex digits is a literal '%'. */
static acfs_code add_requoted(acfs_buf *b, const char *s, size_t n)
{
	acfs_code rc = ACFS_OK;
	size_t i = 0;

	while (i < n && rc == ACFS_OK) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%' && n - i >= 3 &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			i += 3;
		} else {
			i++;
		}
		rc = put_encoded(b, c, 0);
	}
	return rc;
}

/* --- crypto ----------------------------------------------------------- */

static int hmac(const void *key, size_t keylen, const void *text,
		size_t textlen, unsigned char out[ACFS_SIGV4_KEY_LEN])
{
	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, text, textlen,
				out) == 0;
}

acfs_code acfs_sigv4_sha256_hex(const void *data, size_t len,
				char hex[ACFS_SIGV4_HEX_LEN + 1])
{
	unsigned char d[ACFS_SIGV4_KEY_LEN];

	if (data == NULL)
		data = "";
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d) != 0) {
		hex[0] = '\0';
		return ACFS_E_IO;
	}
	to_hex(d, sizeof(d), hex);
	acfs_wipe(d, sizeof(d));
	return ACFS_OK;
}

/* A region or service: it is a part of the credential scope, so no '/'. */
static int scope_part_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == ACFS_SIGV4_MAX_SCOPE ||
		    !(is_unreserved(c) && c != '~'))
			return 0;
	}
	return i > 0;
}

acfs_code acfs_sigv4_derive_key(const char *secret, const char *date8,
				const char *region, const char *service,
				acfs_sigv4_scratch *scratch, unsigned flags,
				unsigned char key[ACFS_SIGV4_KEY_LEN])
{
	acfs_sigv4_scratch local;
	acfs_sigv4_scratch *s = scratch != NULL ? scratch : &local;
	acfs_code rc = ACFS_E_BADARG;
	size_t slen, i;

	if (secret == NULL || date8 == NULL || !scope_part_ok(region) ||
	    !scope_part_ok(service))
		goto out;
	for (i = 0; i < 8; i++)
		if (date8[i] < '0' || date8[i] > '9')
			goto out;
	if (date8[8] != '\0')
		goto out;
	slen = strnlen(secret, ACFS_SIGV4_MAX_SECRET + 1);
	if (slen > ACFS_SIGV4_MAX_SECRET) {
		rc = ACFS_E_TOOBIG;
		goto out;
	}
	if (slen == 0)
		goto out;
	memcpy(s->k_secret, "AWS4", 4);
	memcpy(s->k_secret + 4, secret, slen);
	rc = ACFS_E_IO;
	if (!hmac(s->k_secret, 4 + slen, date8, 8, s->k_date) ||
	    !hmac(s->k_date, ACFS_SIGV4_KEY_LEN, region, strlen(region),
		  s->k_region) ||
	    !hmac(s->k_region, ACFS_SIGV4_KEY_LEN, service, strlen(service),
		  s->k_service) ||
	    !hmac(s->k_service, ACFS_SIGV4_KEY_LEN, "aws4_request", 12, key))
		goto out;
	rc = ACFS_OK;
out:
	if (rc != ACFS_OK)
		acfs_wipe(key, ACFS_SIGV4_KEY_LEN);
	if (rc != ACFS_OK || s == &local || !(flags & ACFS_SIGV4_KEEP_SCRATCH))
		acfs_wipe(s, sizeof(*s));
	return rc;
}

/* --- canonical URI ---------------------------------------------------- */

typedef struct {
	size_t off, len;
} span;

acfs_code acfs_sigv4_canonical_uri(const char *path, int normalize,
				   char **out, acfs_err *e)
{
	span *segs = NULL;
	size_t len, i, start, nseg = 0, k;
	acfs_code rc = ACFS_OK;
	acfs_buf b;

	acfs_err_clear(e);
	acfs_buf_init(&b, URI_MAX);
	*out = NULL;
	if (path == NULL)
		path = "";
	len = strnlen(path, ACFS_SIGV4_MAX_PATH + 1);
	if (len > ACFS_SIGV4_MAX_PATH) {
		rc = acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the path is "
				  "longer than %d bytes", ACFS_SIGV4_MAX_PATH);
		goto out;
	}
	if (len == 0) {
		rc = acfs_buf_addc(&b, '/');
		goto out;
	}
	if (path[0] != '/') {
		rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: the path does "
				  "not start with '/'");
		goto out;
	}
	if (!normalize) {
		for (i = 0; i < len && rc == ACFS_OK; i++)
			rc = put_encoded(&b, (unsigned char)path[i], 1);
		goto out;
	}
	/* Remove dot segments and empty segments (botocore's
	 * remove_dot_segments), keeping a trailing slash. */
	segs = calloc(len / 2 + 1, sizeof(*segs));
	if (segs == NULL) {
		rc = ACFS_E_NOMEM;
		goto out;
	}
	for (start = 1; start <= len; start = i + 1) {
		for (i = start; i < len && path[i] != '/'; i++)
			;
		if (i == start || (i - start == 1 && path[start] == '.'))
			continue;
		if (i - start == 2 && path[start] == '.' &&
		    path[start + 1] == '.') {
			if (nseg > 0)
				nseg--;
			continue;
		}
		segs[nseg].off = start;
		segs[nseg].len = i - start;
		nseg++;
	}
	rc = acfs_buf_addc(&b, '/');
	for (k = 0; k < nseg && rc == ACFS_OK; k++) {
		if (k > 0)
			rc = acfs_buf_addc(&b, '/');
		if (rc == ACFS_OK)
			rc = add_encoded(&b, path + segs[k].off, segs[k].len);
	}
	if (rc == ACFS_OK && nseg > 0 && path[len - 1] == '/')
		rc = acfs_buf_addc(&b, '/');
out:
	free(segs);
	if (rc == ACFS_OK)
		*out = acfs_buf_steal(&b, NULL);
	acfs_buf_free(&b);
	if (rc == ACFS_OK && *out == NULL)
		rc = ACFS_E_NOMEM;
	return fail(e, rc, "canonical URI");
}

/* --- canonical query string ------------------------------------------- */

typedef struct {
	size_t noff, nlen, voff, vlen, idx;
	const char *name, *value;
} entry;

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int cmp_param(const void *pa, const void *pb)
{
	const entry *a = pa, *b = pb;
	int c = cmp_bytes(a->name, a->nlen, b->name, b->nlen);

	return c != 0 ? c : cmp_bytes(a->value, a->vlen, b->value, b->vlen);
}

/* Fills the pointers once the arena no longer moves. */
static void point_into(entry *v, size_t n, const char *base)
{
	size_t i;

	for (i = 0; i < n; i++) {
		v[i].name = base + v[i].noff;
		v[i].value = base + v[i].voff;
	}
}

acfs_code acfs_sigv4_canonical_query(const char *query, char **out,
				     acfs_err *e)
{
	entry *params = NULL;
	size_t len, i, start, eq, n = 0, npieces = 1;
	acfs_code rc = ACFS_OK;
	acfs_buf arena, b;

	acfs_err_clear(e);
	acfs_buf_init(&arena, QUERY_MAX);
	acfs_buf_init(&b, QUERY_MAX);
	*out = NULL;
	if (query == NULL)
		query = "";
	len = strnlen(query, ACFS_SIGV4_MAX_QUERY + 1);
	if (len > ACFS_SIGV4_MAX_QUERY) {
		rc = acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the query string "
				  "is longer than %d bytes",
				  ACFS_SIGV4_MAX_QUERY);
		goto out;
	}
	for (i = 0; i < len; i++)
		npieces += query[i] == '&';
	if (npieces > ACFS_SIGV4_MAX_PARAMS) {
		rc = acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the query string "
				  "has more than %d parameters",
				  ACFS_SIGV4_MAX_PARAMS);
		goto out;
	}
	params = calloc(npieces, sizeof(*params));
	if (params == NULL) {
		rc = ACFS_E_NOMEM;
		goto out;
	}
	for (start = 0; start < len && rc == ACFS_OK; start = i + 1) {
		for (i = start; i < len && query[i] != '&'; i++)
			;
		if (i == start)
			continue;
		for (eq = start; eq < i && query[eq] != '='; eq++)
			;
		params[n].noff = arena.len;
		rc = add_requoted(&arena, query + start, eq - start);
		params[n].nlen = arena.len - params[n].noff;
		params[n].voff = arena.len;
		if (rc == ACFS_OK && eq < i)
			rc = add_requoted(&arena, query + eq + 1, i - eq - 1);
		params[n].vlen = arena.len - params[n].voff;
		n++;
	}
	if (rc != ACFS_OK)
		goto out;
	if (arena.data == NULL)
		rc = acfs_buf_add(&arena, "", 0);
	if (rc != ACFS_OK)
		goto out;
	point_into(params, n, arena.data);
	qsort(params, n, sizeof(*params), cmp_param);
	if ((rc = acfs_buf_add(&b, "", 0)) != ACFS_OK)
		goto out;
	for (i = 0; i < n && rc == ACFS_OK; i++) {
		if (i > 0)
			rc = acfs_buf_addc(&b, '&');
		if (rc == ACFS_OK)
			rc = acfs_buf_add(&b, params[i].name, params[i].nlen);
		if (rc == ACFS_OK)
			rc = acfs_buf_addc(&b, '=');
		if (rc == ACFS_OK)
			rc = acfs_buf_add(&b, params[i].value, params[i].vlen);
	}
	if (rc == ACFS_OK)
		*out = acfs_buf_steal(&b, NULL);
out:
	free(params);
	acfs_buf_free(&arena);
	acfs_buf_free(&b);
	if (rc == ACFS_OK && *out == NULL)
		rc = ACFS_E_NOMEM;
	return fail(e, rc, "canonical query string");
}

/* --- canonical headers ------------------------------------------------ */

static int cmp_header(const void *pa, const void *pb)
{
	const entry *a = pa, *b = pb;
	int c = cmp_bytes(a->name, a->nlen, b->name, b->nlen);

	if (c != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int is_lws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends the canonical form of header value v (index idx, for messages):
 * trimmed, each run of white space one space.  A line break is allowed only
 * as a fold (CRLF or LF followed by a space or tab); other controls are
 * refused. */
static acfs_code add_value(acfs_buf *b, const char *v, size_t idx,
			   acfs_err *e)
{
	size_t len = strnlen(v, ACFS_SIGV4_MAX_VALUE + 1), i, end;
	acfs_code rc = ACFS_OK;
	int space = 0;

	if (len > ACFS_SIGV4_MAX_VALUE)
		return acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the value of "
				    "header %zu is longer than %d bytes", idx,
				    ACFS_SIGV4_MAX_VALUE);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r' && (i + 1 == len || v[i + 1] != '\n'))
			goto bad;
		if (c == '\n' && (i + 1 == len ||
				  (v[i + 1] != ' ' && v[i + 1] != '\t')))
			goto bad;
		if ((c < 0x20 && !is_lws(c)) || c == 0x7f)
			goto bad;
	}
	for (i = 0; i < len && is_lws((unsigned char)v[i]); i++)
		;
	for (end = len; end > i && is_lws((unsigned char)v[end - 1]); end--)
		;
	for (; i < end && rc == ACFS_OK; i++) {
		if (is_lws((unsigned char)v[i])) {
			space = 1;
			continue;
		}
		if (space)
			rc = acfs_buf_addc(b, ' ');
		space = 0;
		if (rc == ACFS_OK)
			rc = acfs_buf_addc(b, v[i]);
	}
	return rc;
bad:
	return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the value of header %zu "
			    "has a control character or a line break that "
			    "does not continue it", idx);
}

/* The canonical headers of h[0..n), n <= NHDR_MAX. */
static acfs_code canon_headers(const acfs_sigv4_header *h, size_t n,
			       char **canonical, char **signed_headers,
			       acfs_err *e)
{
	entry v[NHDR_MAX];
	acfs_buf arena, cb, sb;
	acfs_code rc = ACFS_OK;
	size_t i, j, k;

	acfs_buf_init(&arena, HDRS_MAX);
	acfs_buf_init(&cb, HDRS_MAX);
	acfs_buf_init(&sb, SMALL_MAX);
	if (canonical != NULL)
		*canonical = NULL;
	if (signed_headers != NULL)
		*signed_headers = NULL;
	if (n > NHDR_MAX || (h == NULL && n > 0)) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: bad header list");
		goto out;
	}
	for (i = 0; i < n && rc == ACFS_OK; i++) {
		if (h[i].name == NULL || h[i].value == NULL) {
			rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: header %zu "
					  "has no name or no value", i);
			goto out;
		}
		if (strnlen(h[i].name, ACFS_SIGV4_MAX_NAME + 1) >
		    ACFS_SIGV4_MAX_NAME) {
			rc = acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the name "
					  "of header %zu is longer than %d "
					  "bytes", i, ACFS_SIGV4_MAX_NAME);
			goto out;
		}
		if (!token_ok(h[i].name, ACFS_SIGV4_MAX_NAME)) {
			rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: the name "
					  "of header %zu is not an HTTP token",
					  i);
			goto out;
		}
		v[i].idx = i;
		v[i].noff = arena.len;
		for (k = 0; h[i].name[k] != '\0' && rc == ACFS_OK; k++) {
			char c = h[i].name[k];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			rc = acfs_buf_addc(&arena, c);
		}
		v[i].nlen = arena.len - v[i].noff;
		v[i].voff = arena.len;
		if (rc == ACFS_OK)
			rc = add_value(&arena, h[i].value, i, e);
		v[i].vlen = arena.len - v[i].voff;
	}
	if (rc == ACFS_OK && arena.data == NULL)
		rc = acfs_buf_add(&arena, "", 0);
	if (rc == ACFS_OK)
		rc = acfs_buf_add(&cb, "", 0);
	if (rc == ACFS_OK)
		rc = acfs_buf_add(&sb, "", 0);
	if (rc != ACFS_OK)
		goto out;
	point_into(v, n, arena.data);
	qsort(v, n, sizeof(v[0]), cmp_header);
	for (i = 0; i < n && rc == ACFS_OK; i = j) {
		if (i > 0)
			rc = acfs_buf_addc(&sb, ';');
		if (rc == ACFS_OK)
			rc = acfs_buf_add(&sb, v[i].name, v[i].nlen);
		if (rc == ACFS_OK)
			rc = acfs_buf_add(&cb, v[i].name, v[i].nlen);
		if (rc == ACFS_OK)
			rc = acfs_buf_addc(&cb, ':');
		for (j = i; j < n && rc == ACFS_OK &&
			    cmp_bytes(v[i].name, v[i].nlen, v[j].name,
				      v[j].nlen) == 0; j++) {
			if (j > i)
				rc = acfs_buf_addc(&cb, ',');
			if (rc == ACFS_OK)
				rc = acfs_buf_add(&cb, v[j].value, v[j].vlen);
		}
		if (rc == ACFS_OK)
			rc = acfs_buf_addc(&cb, '\n');
	}
	if (rc != ACFS_OK)
		goto out;
	if (canonical != NULL)
		*canonical = acfs_buf_steal(&cb, NULL);
	if (signed_headers != NULL)
		*signed_headers = acfs_buf_steal(&sb, NULL);
	if ((canonical != NULL && *canonical == NULL) ||
	    (signed_headers != NULL && *signed_headers == NULL))
		rc = ACFS_E_NOMEM;
out:
	if (rc != ACFS_OK) {
		if (canonical != NULL) {
			acfs_strfree(*canonical);
			*canonical = NULL;
		}
		if (signed_headers != NULL) {
			acfs_strfree(*signed_headers);
			*signed_headers = NULL;
		}
		fail(e, rc, "canonical headers");
	}
	acfs_buf_free(&arena);
	acfs_buf_free(&cb);
	acfs_buf_free(&sb);
	return rc;
}

acfs_code acfs_sigv4_canonical_headers(const acfs_sigv4_header *headers,
				       size_t n, char **canonical,
				       char **signed_headers, acfs_err *e)
{
	acfs_err_clear(e);
	if (n > ACFS_SIGV4_MAX_HEADERS) {
		if (canonical != NULL)
			*canonical = NULL;
		if (signed_headers != NULL)
			*signed_headers = NULL;
		return acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: more than %d "
				    "headers", ACFS_SIGV4_MAX_HEADERS);
	}
	return canon_headers(headers, n, canonical, signed_headers, e);
}

/* --- signing ---------------------------------------------------------- */

void acfs_sigv4_result_free(acfs_sigv4_result *r)
{
	if (r == NULL)
		return;
	acfs_strfree(r->canonical_request);
	acfs_strfree(r->string_to_sign);
	acfs_strfree(r->signed_headers);
	acfs_strfree(r->authorization);
	acfs_strfree(r->token);
	acfs_wipe(r, sizeof(*r));
	free(r);
}

static int date_ok(const char *d)
{
	size_t i;

	for (i = 0; i < ACFS_SIGV4_DATE_LEN; i++) {
		char c = d[i];

		if (i == 8 ? c != 'T' : i == 15 ? c != 'Z'
			   : (c < '0' || c > '9'))
			return 0;
	}
	return d[ACFS_SIGV4_DATE_LEN] == '\0';
}

static acfs_code set_date(acfs_sigv4_result *r, const acfs_sigv4_params *p,
			  acfs_err *e)
{
	struct tm tm;

	if (p->amz_date != NULL) {
		if (strnlen(p->amz_date, ACFS_SIGV4_DATE_LEN + 1) !=
			    ACFS_SIGV4_DATE_LEN || !date_ok(p->amz_date))
			return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the date "
					    "is not YYYYMMDDTHHMMSSZ");
		memcpy(r->amz_date, p->amz_date, ACFS_SIGV4_DATE_LEN + 1);
		return ACFS_OK;
	}
	if (gmtime_r(&p->when, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900 ||
	    strftime(r->amz_date, sizeof(r->amz_date), "%Y%m%dT%H%M%SZ",
		     &tm) != ACFS_SIGV4_DATE_LEN)
		return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the signing time "
				    "is out of range");
	return ACFS_OK;
}

/* An access key id goes into "Credential=ID/scope, ": no space, '/', ','
 * or control. */
static acfs_code check_creds(const acfs_sigv4_creds *c, acfs_err *e)
{
	size_t i, n;

	if (c->access_key_id == NULL || c->secret_access_key == NULL)
		return acfs_err_set(e, ACFS_E_BADARG, "sigv4: no access key "
				    "id or secret access key");
	for (i = 0; c->access_key_id[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)c->access_key_id[i];

		if (i == ACFS_SIGV4_MAX_KEY_ID)
			return acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the "
					    "access key id is longer than %d "
					    "bytes", ACFS_SIGV4_MAX_KEY_ID);
		if (ch <= 0x20 || ch >= 0x7f || ch == '/' || ch == ',')
			return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the "
					    "access key id has a character "
					    "that cannot be signed");
	}
	if (i == 0)
		return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the access key "
				    "id is empty");
	n = strnlen(c->secret_access_key, ACFS_SIGV4_MAX_SECRET + 1);
	if (n > ACFS_SIGV4_MAX_SECRET)
		return acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the secret "
				    "access key is longer than %d bytes",
				    ACFS_SIGV4_MAX_SECRET);
	if (n == 0)
		return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the secret "
				    "access key is empty");
	if (c->session_token == NULL)
		return ACFS_OK;
	for (i = 0; c->session_token[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)c->session_token[i];

		if (i == ACFS_SIGV4_MAX_TOKEN)
			return acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the "
					    "session token is longer than %d "
					    "bytes", ACFS_SIGV4_MAX_TOKEN);
		if (ch <= 0x20 || ch >= 0x7f)
			return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the "
					    "session token has a character "
					    "that cannot be sent in a header");
	}
	if (i == 0)
		return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the session "
				    "token is empty");
	return ACFS_OK;
}

/* What the request already carries of the headers the signer adds. */
typedef struct {
	int host, date, token, sha;
} present;

static acfs_code scan_headers(const acfs_sigv4_request *req,
			      const acfs_sigv4_creds *c,
			      const acfs_sigv4_params *p,
			      const acfs_sigv4_result *r, present *have,
			      acfs_err *e)
{
	size_t i, n;

	for (i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;
		const char *val = req->headers[i].value;

		if (name == NULL || val == NULL || !token_ok(name, SIZE_MAX))
			continue;   /* canon_headers says what is wrong */
		if (strcasecmp(name, "authorization") == 0)
			return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the "
					    "request is already signed (it "
					    "has an Authorization header)");
		if (strcasecmp(name, "host") == 0) {
			have->host = 1;
		} else if (strcasecmp(name, "x-amz-date") == 0) {
			if (have->date || strcmp(val, r->amz_date) != 0)
				return acfs_err_set(e, ACFS_E_BADARG, "sigv4: "
						    "the request's X-Amz-Date "
						    "is not the signing time");
			have->date = 1;
		} else if (strcasecmp(name, "x-amz-security-token") == 0) {
			n = strlen(val);
			if (have->token ||
			    (p->flags & ACFS_SIGV4_TOKEN_AFTER) ||
			    (c->session_token != NULL &&
			     (n != strlen(c->session_token) ||
			      gnutls_memcmp(val, c->session_token, n) != 0)))
				return acfs_err_set(e, ACFS_E_BADARG, "sigv4: "
						    "the request's "
						    "X-Amz-Security-Token is "
						    "not the credentials' or "
						    "should not be signed");
			have->token = 1;
		} else if (strcasecmp(name, "x-amz-content-sha256") == 0) {
			if (have->sha || strcmp(val, r->payload_hash) != 0)
				return acfs_err_set(e, ACFS_E_BADARG, "sigv4: "
						    "the request's "
						    "x-amz-content-sha256 is "
						    "not the body's hash");
			have->sha = 1;
		}
	}
	if (!have->host)
		return acfs_err_set(e, ACFS_E_BADARG, "sigv4: the request has "
				    "no Host header");
	return ACFS_OK;
}

static acfs_code add_strs(acfs_buf *b, const char *const *parts)
{
	acfs_code rc = ACFS_OK;
	size_t i;

	for (i = 0; parts[i] != NULL && rc == ACFS_OK; i++)
		rc = acfs_buf_add(b, parts[i], strlen(parts[i]));
	return rc;
}

acfs_code acfs_sigv4_sign(const acfs_sigv4_request *req,
			  const acfs_sigv4_creds *creds,
			  const acfs_sigv4_params *params,
			  acfs_sigv4_result **out, acfs_err *e)
{
	acfs_sigv4_header hdrs[NHDR_MAX];
	unsigned char key[ACFS_SIGV4_KEY_LEN], mac[ACFS_SIGV4_KEY_LEN];
	char date8[9], creq_hash[ACFS_SIGV4_HEX_LEN + 1];
	char *uri = NULL, *query = NULL, *canon = NULL, *scope = NULL;
	acfs_sigv4_result *r = NULL;
	present have = { 0, 0, 0, 0 };
	acfs_buf b;
	acfs_code rc;
	size_t n;

	acfs_err_clear(e);
	acfs_buf_init(&b, CREQ_MAX);
	if (out != NULL)
		*out = NULL;
	if (req == NULL || creds == NULL || params == NULL || out == NULL) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: missing argument");
		goto out;
	}
	if (req->method == NULL ||
	    !token_ok(req->method, ACFS_SIGV4_MAX_METHOD)) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: the method is not "
				  "an HTTP token of at most %d bytes",
				  ACFS_SIGV4_MAX_METHOD);
		goto out;
	}
	if (req->nheaders > ACFS_SIGV4_MAX_HEADERS) {
		rc = acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: more than %d "
				  "headers", ACFS_SIGV4_MAX_HEADERS);
		goto out;
	}
	if ((req->headers == NULL && req->nheaders > 0) ||
	    (req->body == NULL && req->body_len > 0)) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: NULL headers or "
				  "body with a nonzero length");
		goto out;
	}
	if (req->body_len > ACFS_SIGV4_MAX_BODY) {
		rc = acfs_err_set(e, ACFS_E_TOOBIG, "sigv4: the body is "
				  "larger than %u bytes", ACFS_SIGV4_MAX_BODY);
		goto out;
	}
	if ((rc = check_creds(creds, e)) != ACFS_OK)
		goto out;
	if (!scope_part_ok(params->region) || !scope_part_ok(params->service)) {
		rc = acfs_err_set(e, ACFS_E_BADARG, "sigv4: the region or "
				  "service is empty, longer than %d bytes or "
				  "not made of letters, digits, '.', '_' and "
				  "'-'", ACFS_SIGV4_MAX_SCOPE);
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = ACFS_E_NOMEM;
		goto out;
	}
	if ((rc = set_date(r, params, e)) != ACFS_OK)
		goto out;
	if ((rc = acfs_sigv4_sha256_hex(req->body, req->body_len,
					r->payload_hash)) != ACFS_OK)
		goto out;
	if ((rc = scan_headers(req, creds, params, r, &have, e)) != ACFS_OK)
		goto out;

	/* The request's headers, then the ones to add and sign. */
	n = req->nheaders;
	if (n > 0)
		memcpy(hdrs, req->headers, n * sizeof(hdrs[0]));
	if (!have.date) {
		r->add[r->nadd] = (acfs_sigv4_header){ "X-Amz-Date",
						       r->amz_date };
		hdrs[n++] = r->add[r->nadd++];
	}
	if ((params->flags & ACFS_SIGV4_CONTENT_SHA256) && !have.sha) {
		r->add[r->nadd] = (acfs_sigv4_header){ "x-amz-content-sha256",
						       r->payload_hash };
		hdrs[n++] = r->add[r->nadd++];
	}
	if (creds->session_token != NULL && !have.token) {
		r->token = acfs_strdup(creds->session_token);
		if (r->token == NULL) {
			rc = ACFS_E_NOMEM;
			goto out;
		}
		r->add[r->nadd] = (acfs_sigv4_header){ "X-Amz-Security-Token",
						       r->token };
		if (!(params->flags & ACFS_SIGV4_TOKEN_AFTER))
			hdrs[n++] = r->add[r->nadd];
		r->nadd++;
	}

	if ((rc = acfs_sigv4_canonical_uri(req->path,
					   !(params->flags &
					     ACFS_SIGV4_RAW_PATH),
					   &uri, e)) != ACFS_OK ||
	    (rc = acfs_sigv4_canonical_query(req->query, &query, e)) !=
		    ACFS_OK ||
	    (rc = canon_headers(hdrs, n, &canon, &r->signed_headers, e)) !=
		    ACFS_OK)
		goto out;
	{
		const char *const parts[] = {
			req->method, "\n", uri, "\n", query, "\n", canon, "\n",
			r->signed_headers, "\n", r->payload_hash, NULL,
		};

		if ((rc = add_strs(&b, parts)) != ACFS_OK)
			goto out;
	}
	r->canonical_request = acfs_buf_steal(&b, NULL);
	if (r->canonical_request == NULL) {
		rc = ACFS_E_NOMEM;
		goto out;
	}
	if ((rc = acfs_sigv4_sha256_hex(r->canonical_request,
					strlen(r->canonical_request),
					creq_hash)) != ACFS_OK)
		goto out;

	memcpy(date8, r->amz_date, 8);
	date8[8] = '\0';
	{
		const char *const parts[] = {
			date8, "/", params->region, "/", params->service,
			"/aws4_request", NULL,
		};

		acfs_buf_init(&b, SMALL_MAX);
		if ((rc = add_strs(&b, parts)) != ACFS_OK)
			goto out;
		scope = acfs_buf_steal(&b, NULL);
		if (scope == NULL) {
			rc = ACFS_E_NOMEM;
			goto out;
		}
	}
	{
		const char *const parts[] = {
			ACFS_SIGV4_ALGORITHM "\n", r->amz_date, "\n", scope,
			"\n", creq_hash, NULL,
		};

		acfs_buf_init(&b, SMALL_MAX);
		if ((rc = add_strs(&b, parts)) != ACFS_OK)
			goto out;
		r->string_to_sign = acfs_buf_steal(&b, NULL);
		if (r->string_to_sign == NULL) {
			rc = ACFS_E_NOMEM;
			goto out;
		}
	}

	rc = acfs_sigv4_derive_key(creds->secret_access_key, date8,
				   params->region, params->service, NULL, 0,
				   key);
	if (rc == ACFS_OK && !hmac(key, sizeof(key), r->string_to_sign,
				   strlen(r->string_to_sign), mac))
		rc = ACFS_E_IO;
	if (rc != ACFS_OK) {
		fail(e, rc, "HMAC-SHA256 (GnuTLS)");
		goto out;
	}
	to_hex(mac, sizeof(mac), r->signature);
	{
		const char *const parts[] = {
			ACFS_SIGV4_ALGORITHM " Credential=",
			creds->access_key_id, "/", scope, ", SignedHeaders=",
			r->signed_headers, ", Signature=", r->signature, NULL,
		};

		acfs_buf_init(&b, SMALL_MAX);
		if ((rc = add_strs(&b, parts)) != ACFS_OK)
			goto out;
		r->authorization = acfs_buf_steal(&b, NULL);
		if (r->authorization == NULL) {
			rc = ACFS_E_NOMEM;
			goto out;
		}
	}
	r->add[r->nadd++] = (acfs_sigv4_header){ "Authorization",
						 r->authorization };
	*out = r;
	r = NULL;
out:
	acfs_wipe(key, sizeof(key));
	acfs_wipe(mac, sizeof(mac));
	acfs_buf_free(&b);
	acfs_strfree(uri);
	acfs_strfree(query);
	acfs_strfree(canon);
	acfs_strfree(scope);
	acfs_sigv4_result_free(r);
	return fail(e, rc, "signing");
}
