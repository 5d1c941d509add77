/* fuzz_sigv4.c - libFuzzer target for the SigV4 canonical forms and the
 * signer.
 *
 * The input is read like a request.txt of the SigV4 suite, lines ending at
 * '\n' or NUL: the first is the request line (method before the first
 * space, path?query up to the last space; a line with fewer than two
 * spaces is all path), then "Name:value" headers (a line starting with a
 * space or tab continues the one before, joined with "\n" as a fold) up to
 * an empty line, then the body.  Seeds: the request files of
 * shared/conformance/sigv4-aws-c-auth and sigv4-legacy-2015-botocore.
 *
 * Besides crashes, leaks and UB, the outputs are checked against what the
 * canonical forms promise (abort() on a broken promise): the URI is made
 * of unreserved bytes, '/' and %XX, with no empty or dot segment when
 * normalised; the query string is a fixed point; each canonical header
 * line is a lower-case token, ':', and a value without line breaks, tabs,
 * leading, trailing or doubled spaces, in sorted order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "sigv4.h"

#define FUZZ_MAX_HEADERS (ACFS_SIGV4_MAX_HEADERS + 8)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

static int upper_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Unreserved bytes, %XX, and the bytes of extra. */
static void check_encoded(const char *s, const char *extra)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			check(upper_hex((unsigned char)s[i + 1]) &&
			      upper_hex((unsigned char)s[i + 2]));
			i += 2;
		} else {
			check(unreserved(c) || strchr(extra, c) != NULL);
		}
	}
}

static void fuzz_uri(const char *path)
{
	char *out = NULL;
	size_t n;

	if (acfs_sigv4_canonical_uri(path, 1, &out, NULL) == ACFS_OK) {
		check(out[0] == '/');
		check_encoded(out, "/");
		check(strstr(out, "//") == NULL);
		check(strstr(out, "/./") == NULL);
		check(strstr(out, "/../") == NULL);
		n = strlen(out);
		check(!(n >= 2 && strcmp(out + n - 2, "/.") == 0));
		check(!(n >= 3 && strcmp(out + n - 3, "/..") == 0));
		acfs_strfree(out);
	} else {
		check(out == NULL);
	}
	out = NULL;
	if (acfs_sigv4_canonical_uri(path, 0, &out, NULL) == ACFS_OK) {
		check(out[0] == '/');
		check_encoded(out, "/");
		acfs_strfree(out);
	} else {
		check(out == NULL);
	}
}

static void fuzz_query(const char *query)
{
	char *out = NULL, *again = NULL;

	if (acfs_sigv4_canonical_query(query, &out, NULL) != ACFS_OK) {
		check(out == NULL);
		return;
	}
	check_encoded(out, "=&");
	/* A canonical query string is its own canonical form. */
	if (acfs_sigv4_canonical_query(out, &again, NULL) == ACFS_OK) {
		check(strcmp(out, again) == 0);
		acfs_strfree(again);
	}
	acfs_strfree(out);
}

static void fuzz_headers(const acfs_sigv4_header *h, size_t n)
{
	char *canon = NULL, *signd = NULL, *line, *next, *colon, *v;
	const char *prev = NULL, *name;
	size_t i, plen = 0, nlen;

	if (acfs_sigv4_canonical_headers(h, n, &canon, &signd, NULL) !=
	    ACFS_OK) {
		check(canon == NULL && signd == NULL);
		return;
	}
	name = signd;
	for (line = canon; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		check(next != NULL);
		*next++ = '\0';
		colon = strchr(line, ':');
		check(colon != NULL && colon > line);
		for (i = 0; line + i < colon; i++)
			check(!(line[i] >= 'A' && line[i] <= 'Z') &&
			      (unsigned char)line[i] > ' ');
		nlen = (size_t)(colon - line);
		/* Strictly sorted names, the same as in the signed list. */
		if (prev != NULL) {
			int c = memcmp(prev, line, plen < nlen ? plen : nlen);

			check(c < 0 || (c == 0 && plen < nlen));
		}
		check(strncmp(name, line, nlen) == 0 &&
		      (name[nlen] == ';' || name[nlen] == '\0'));
		name += nlen + (name[nlen] == ';');
		prev = line;
		plen = nlen;
		v = colon + 1;
		check(strchr(v, '\r') == NULL && strchr(v, '\t') == NULL);
		check(strstr(v, "  ") == NULL);
		check(*v != ' ' && (*v == '\0' || v[strlen(v) - 1] != ' '));
	}
	check(*name == '\0');
	acfs_strfree(canon);
	acfs_strfree(signd);
}

static void fuzz_sign(const char *method, const char *path,
		      const char *query, const acfs_sigv4_header *h, size_t n,
		      const char *body, size_t body_len, unsigned bits)
{
	acfs_sigv4_creds c = { "AKIDEXAMPLE",
			       "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
			       (bits & 8) ? "SESSIONTOKEN" : NULL };
	acfs_sigv4_params p = { "us-east-1", "service",
				(bits & 16) ? "20150830T123600Z" : NULL,
				(time_t)1440938160, bits & 7 };
	acfs_sigv4_request rq = { method, path, query, h, n, body, body_len };
	acfs_sigv4_result *r = NULL;
	acfs_err e;
	size_t i;

	if (acfs_sigv4_sign(&rq, &c, &p, &r, &e) != ACFS_OK) {
		check(r == NULL && e.code != ACFS_OK && e.msg[0] != '\0');
		/* Messages never quote the secret or the token. */
		check(strstr(e.msg, "EXAMPLEKEY") == NULL &&
		      strstr(e.msg, "SESSIONTOKEN") == NULL);
		return;
	}
	check(strncmp(r->canonical_request, method, strlen(method)) == 0);
	check(strlen(r->signature) == ACFS_SIGV4_HEX_LEN);
	check(strstr(r->authorization, r->signature) != NULL);
	check(r->nadd >= 1 && r->nadd <= ACFS_SIGV4_MAX_ADDED);
	check(strcmp(r->add[r->nadd - 1].name, "Authorization") == 0);
	for (i = 0; i < r->nadd; i++)
		check(strchr(r->add[i].value, '\n') == NULL);
	acfs_sigv4_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	acfs_sigv4_header h[FUZZ_MAX_HEADERS];
	char *vals[FUZZ_MAX_HEADERS];
	char *buf, *p, *end, *eol, *sp1, *sp2, *q, *colon;
	const char *method = "GET", *path, *query = "";
	const char *body = "";
	size_t n = 0, i, body_len = 0;
	acfs_buf v;

	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	for (eol = buf; eol < end && *eol != '\n' && *eol != '\0'; eol++)
		;
	*eol = '\0';
	path = buf;
	sp1 = strchr(buf, ' ');
	sp2 = strrchr(buf, ' ');
	if (sp1 != NULL && sp2 != sp1) {
		*sp1 = '\0';
		*sp2 = '\0';
		method = buf;
		path = sp1 + 1;
	}
	q = strchr(path, '?');
	if (q != NULL) {
		*q = '\0';
		query = q + 1;
	}
	p = eol < end ? eol + 1 : end;
	while (p < end && n < FUZZ_MAX_HEADERS) {
		for (eol = p; eol < end && *eol != '\n' && *eol != '\0'; eol++)
			;
		if (eol == p) {   /* the empty line: the body follows */
			p++;
			break;
		}
		*eol = '\0';
		if ((*p == ' ' || *p == '\t') && n > 0) {
			/* A continuation: the value gets "\n" + the line. */
			acfs_buf_init(&v, 2 * ACFS_SIGV4_MAX_VALUE);
			if (acfs_buf_add(&v, vals[n - 1],
					 strlen(vals[n - 1])) == ACFS_OK &&
			    acfs_buf_addc(&v, '\n') == ACFS_OK &&
			    acfs_buf_add(&v, p, strlen(p)) == ACFS_OK) {
				acfs_strfree(vals[n - 1]);
				vals[n - 1] = acfs_buf_steal(&v, NULL);
				h[n - 1].value = vals[n - 1];
			}
			acfs_buf_free(&v);
			if (vals[n - 1] == NULL)
				break;
		} else {
			colon = strchr(p, ':');
			if (colon != NULL)
				*colon = '\0';
			vals[n] = acfs_strdup(colon != NULL ? colon + 1 : "");
			if (vals[n] == NULL)
				break;
			h[n].name = p;
			h[n].value = vals[n];
			n++;
		}
		p = eol + 1;
	}
	if (p < end) {
		body = p;
		body_len = (size_t)(end - p);
	}

	fuzz_uri(path);
	fuzz_query(query);
	fuzz_headers(h, n);
	fuzz_sign(method, path, query, h, n, body, body_len,
		  (unsigned)(size & 31));

	for (i = 0; i < n; i++)
		acfs_strfree(vals[i]);
	free(buf);
	return 0;
}
