/* run_sigv4.c - the official SigV4 suite in both of its layouts,
 * shared/conformance/sigv4-aws-c-auth/v4/<case>/ and
 * shared/conformance/sigv4-legacy-2015-botocore/aws4_testsuite/.../<name>.*
 *
 * A request file is parsed as the README says: the method is the text
 * before the first space, the path and query the text between the first
 * and the last space (get-space has a raw space in its path), then
 * "Name:value" header lines, a line starting with a space or tab continuing
 * the one before (kept as a folded value: the signer joins it), a blank
 * line and the body.
 *
 * sigv4-aws-c-auth: context.json gives the credentials, the time, region,
 * service, normalize, sign_body and omit_session_token.  The canonical
 * request, string to sign and signature are compared byte for byte with
 * header-*.txt, then the Authorization line of header-signed-request.txt,
 * and its other headers as a set (their order is the CRT's).  The query
 * (presigned URL) mode is skipped, one SKIP line per case.
 *
 * sigv4-legacy: the inputs are fixed (the suite does not store them), the
 * .req already has X-Amz-Date, and .creq, .sts and .authz are compared
 * byte for byte.  get-vanilla-with-session-token is given the token the
 * README names; the post-sts-token cases get the one in
 * post-sts-token/readme.txt, post-sts-header-after adding it after
 * signing.  The .sreq files are not compared (README): the one of
 * get-vanilla-with-session-token carries a signature that is not its
 * .authz's.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "secret.h"
#include "sigv4.h"
#include "testlib.h"

#define SUITE_CRT "sigv4-aws-c-auth"
#define SUITE_LEGACY "sigv4-legacy"
#define DIR_CRT "sigv4-aws-c-auth/v4"
#define DIR_LEGACY "sigv4-legacy-2015-botocore/aws4_testsuite"
#define DOCUMENTED_CRT 38
#define DOCUMENTED_LEGACY 34
#define MAX_CASES 256
#define MAX_HDRS 64

#define QUERY_SKIP "presigned URLs: STS calls are signed in the " \
		   "Authorization header"

/* The fixed inputs of the 2015 layout (botocore's test_sigv4.py). */
#define LEGACY_KEY_ID "AKIDEXAMPLE"
#define LEGACY_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define LEGACY_DATE "20150830T123600Z"
#define LEGACY_REGION "us-east-1"
#define LEGACY_SERVICE "service"
/* conformance/README.md, section 1: the token get-vanilla-with-session-
 * token is signed with (botocore reads it back from the .creq). */
#define LEGACY_VANILLA_TOKEN \
	"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

/* A parsed request file.  Everything points into buf. */
typedef struct {
	char *buf;
	size_t len;
	char *request_line;     /* a copy: buf is cut up */
	char *method, *path, *query;
	acfs_sigv4_header h[MAX_HDRS];
	size_t nh;
	const char *body;
	size_t body_len;
} http_req;

/* printf into a path buffer; a path that does not fit is cut to "" (so
 * opening it fails and the case says so). */
static void pathf(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz)
		buf[0] = '\0';
}

static void req_free(http_req *r)
{
	free(r->buf);
	free(r->request_line);
	memset(r, 0, sizeof(*r));
}

/* Parses r->buf in place; returns NULL or what is wrong. */
static const char *req_parse(http_req *r)
{
	char *p = r->buf, *end = r->buf + r->len, *eol, *sp1, *sp2, *q;
	char *colon;

	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	r->request_line = acfs_strndup(p, (size_t)(eol - p));
	if (r->request_line == NULL)
		return "out of memory";
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	for (sp2 = eol; sp2 > p && sp2[-1] != ' '; sp2--)
		;
	if (sp1 == NULL || sp2 - 1 <= sp1)
		return "the request line has fewer than two spaces";
	sp2--;
	*sp1 = '\0';
	*sp2 = '\0';
	r->method = p;
	r->path = sp1 + 1;
	q = strchr(r->path, '?');
	r->query = "";
	if (q != NULL) {
		*q = '\0';
		r->query = q + 1;
	}
	p = eol < end ? eol + 1 : end;
	/* Headers until a blank line or the end. */
	while (p < end) {
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;
			break;
		}
		if (*p == ' ' || *p == '\t')
			return "a continuation line with no header before it";
		colon = memchr(p, ':', (size_t)(end - p));
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (colon == NULL || colon > eol)
			return "a header line without ':'";
		/* The value runs on over the continuation lines. */
		while (eol < end && eol + 1 < end &&
		       (eol[1] == ' ' || eol[1] == '\t')) {
			char *next = memchr(eol + 1, '\n',
					    (size_t)(end - eol - 1));

			eol = next != NULL ? next : end;
		}
		if (r->nh == MAX_HDRS)
			return "too many headers";
		*colon = '\0';
		if (eol > colon + 1 && eol[-1] == '\r')
			eol[-1] = '\0';
		r->h[r->nh].name = p;
		r->h[r->nh].value = colon + 1;
		r->nh++;
		p = eol < end ? eol + 1 : end;
		*eol = '\0';   /* eol may be end: buf has a NUL there */
	}
	r->body = p;
	r->body_len = (size_t)(end - p);
	return NULL;
}

static const char *req_load(http_req *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->buf = tl_read_file(path, &r->len);
	if (r->buf == NULL)
		return "cannot read it";
	return req_parse(r);
}

/* Compares got with the file want_path byte for byte; on a difference
 * records where the texts part. */
static void expect_file(tl_diff *d, const char *what, const char *want_path,
			const char *got)
{
	char a[160], b[160];
	size_t wl, gl, i;
	char *want = tl_read_file(want_path, &wl);

	if (want == NULL) {
		tl_differ(d, "cannot read %s", want_path);
		return;
	}
	gl = strlen(got);
	for (i = 0; i < wl && i < gl && want[i] == got[i]; i++)
		;
	if (i < wl || i < gl)
		tl_differ(d, "%s differs at byte %zu: expected %s, got %s",
			  what, i, tl_esc(a, sizeof(a), want + i, wl - i),
			  tl_esc(b, sizeof(b), got + i, gl - i));
	free(want);
}

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- sigv4-aws-c-auth ------------------------------------------------- */

static int ctx_flag(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

static const char *ctx_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* "2015-08-30T12:36:00Z" as a time_t; -1 when malformed. */
static time_t parse_timestamp(const char *s)
{
	struct tm tm;
	char z = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
	    z != 'Z')
		return (time_t)-1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* The headers of the signed request must be the request's plus the ones
 * the signer added, as a multiset (names case-insensitive). */
static void expect_header_set(tl_diff *d, const http_req *want,
			      const http_req *req, const acfs_sigv4_result *r)
{
	const acfs_sigv4_header *got[MAX_HDRS + ACFS_SIGV4_MAX_ADDED];
	char a[160];
	size_t ngot = 0, i, j;

	for (i = 0; i < req->nh; i++)
		got[ngot++] = &req->h[i];
	for (i = 0; i < r->nadd; i++)
		got[ngot++] = &r->add[i];
	for (i = 0; i < want->nh; i++) {
		for (j = 0; j < ngot; j++)
			if (got[j] != NULL &&
			    strcasecmp(got[j]->name, want->h[i].name) == 0 &&
			    strcmp(got[j]->value, want->h[i].value) == 0)
				break;
		if (j == ngot) {
			tl_differ(d, "signed request: header %s:%s is missing",
				  want->h[i].name,
				  tl_esc(a, sizeof(a), want->h[i].value,
					 strlen(want->h[i].value)));
			continue;
		}
		got[j] = NULL;
	}
	for (j = 0; j < ngot; j++)
		if (got[j] != NULL)
			tl_differ(d, "signed request: unexpected header %s",
				  got[j]->name);
	if (strcmp(want->request_line, req->request_line) != 0)
		tl_differ(d, "signed request: the request line changed");
	if (want->body_len != req->body_len ||
	    memcmp(want->body, req->body, req->body_len) != 0)
		tl_differ(d, "signed request: the body changed");
}

/* The Authorization line of the signed request, byte for byte. */
static void expect_authorization_line(tl_diff *d, const char *path,
				      const char *value)
{
	static const char key[] = "\nAuthorization:";
	char a[200], b[200];
	char *text = tl_read_file(path, NULL), *line, *eol;
	size_t n;

	if (text == NULL) {
		tl_differ(d, "cannot read %s", path);
		return;
	}
	line = strstr(text, key);
	if (line == NULL) {
		tl_differ(d, "%s has no Authorization line", path);
		goto out;
	}
	line += sizeof(key) - 1;
	eol = strchr(line, '\n');
	n = eol != NULL ? (size_t)(eol - line) : strlen(line);
	if (n != strlen(value) || memcmp(line, value, n) != 0)
		tl_differ(d, "Authorization line: expected %s, got %s",
			  tl_esc(a, sizeof(a), line, n),
			  tl_esc(b, sizeof(b), value, strlen(value)));
out:
	free(text);
}

static int run_crt_case(const char *dir, const char *name, size_t idx)
{
	char path[4096], base[4096];
	http_req req, sreq;
	json_object *ctx = NULL, *jcreds;
	acfs_sigv4_creds creds;
	acfs_sigv4_params params;
	acfs_sigv4_request rq;
	acfs_sigv4_result *r = NULL;
	const char *why;
	acfs_code rc;
	acfs_err e;
	tl_diff d;

	memset(&d, 0, sizeof(d));
	memset(&sreq, 0, sizeof(sreq));
	memset(&params, 0, sizeof(params));
	pathf(base, sizeof(base), "%s/%s", dir, name);
	pathf(path, sizeof(path), "%s/request.txt", base);
	if ((why = req_load(&req, path)) != NULL) {
		tl_differ(&d, "request.txt: %s", why);
		goto out;
	}
	pathf(path, sizeof(path), "%s/context.json", base);
	ctx = json_object_from_file(path);
	if (ctx == NULL ||
	    !json_object_object_get_ex(ctx, "credentials", &jcreds)) {
		tl_differ(&d, "context.json: cannot read it or no "
			  "credentials");
		goto out;
	}
	creds.access_key_id = ctx_str(jcreds, "access_key_id");
	creds.secret_access_key = ctx_str(jcreds, "secret_access_key");
	creds.session_token = ctx_str(jcreds, "token");
	params.region = ctx_str(ctx, "region");
	params.service = ctx_str(ctx, "service");
	params.when = parse_timestamp(ctx_str(ctx, "timestamp"));
	if (params.when == (time_t)-1) {
		tl_differ(&d, "context.json: no timestamp like "
			  "2015-08-30T12:36:00Z");
		goto out;
	}
	if (!ctx_flag(ctx, "normalize"))
		params.flags |= ACFS_SIGV4_RAW_PATH;
	if (ctx_flag(ctx, "sign_body"))
		params.flags |= ACFS_SIGV4_CONTENT_SHA256;
	if (ctx_flag(ctx, "omit_session_token"))
		params.flags |= ACFS_SIGV4_TOKEN_AFTER;
	rq = (acfs_sigv4_request){ req.method, req.path, req.query, req.h,
				   req.nh, req.body, req.body_len };
	rc = acfs_sigv4_sign(&rq, &creds, &params, &r, &e);
	if (rc != ACFS_OK) {
		tl_differ(&d, "acfs_sigv4_sign: %s (%s)", acfs_strerror(rc),
			  e.msg);
		goto out;
	}
	pathf(path, sizeof(path), "%s/header-canonical-request.txt", base);
	expect_file(&d, "canonical request", path, r->canonical_request);
	pathf(path, sizeof(path), "%s/header-string-to-sign.txt", base);
	expect_file(&d, "string to sign", path, r->string_to_sign);
	pathf(path, sizeof(path), "%s/header-signature.txt", base);
	expect_file(&d, "signature", path, r->signature);
	pathf(path, sizeof(path), "%s/header-signed-request.txt", base);
	expect_authorization_line(&d, path, r->authorization);
	if ((why = req_load(&sreq, path)) != NULL)
		tl_differ(&d, "header-signed-request.txt: %s", why);
	else
		expect_header_set(&d, &sreq, &req, r);
out:
	acfs_sigv4_result_free(r);
	json_object_put(ctx);
	req_free(&req);
	req_free(&sreq);
	return tl_diff_passed(&d, idx, name);
}

/* The case directories of dir, sorted; *n gets their number. */
static char **list_case_dirs(const char *dir, size_t *n)
{
	char **names = calloc(MAX_CASES, sizeof(*names));
	char path[4096];
	struct dirent *de;
	DIR *dh;

	*n = 0;
	if (names == NULL || (dh = opendir(dir)) == NULL) {
		free(names);
		return NULL;
	}
	while ((de = readdir(dh)) != NULL && *n < MAX_CASES) {
		if (de->d_name[0] == '.')
			continue;
		pathf(path, sizeof(path), "%s/%s/request.txt", dir,
			 de->d_name);
		if (file_exists(path) &&
		    (names[*n] = strdup(de->d_name)) != NULL)
			(*n)++;
	}
	closedir(dh);
	qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

static int run_crt(const char *conf)
{
	int passed = 0, failed = 0, skipped = 0;
	char dir[4096], path[4096];
	char **names;
	size_t i, n;

	pathf(dir, sizeof(dir), "%s/%s", conf, DIR_CRT);
	names = list_case_dirs(dir, &n);
	if (names == NULL || n == 0) {
		printf("FAIL %s: no cases in %s\n", SUITE_CRT, dir);
		tl_report(SUITE_CRT, 0, 1, 0);
		free_names(names, n);
		return 1;
	}
	tl_conformance_note(SUITE_CRT, n, "cases", DOCUMENTED_CRT);
	for (i = 0; i < n; i++) {
		if (run_crt_case(dir, names[i], i))
			passed++;
		else
			failed++;
		pathf(path, sizeof(path), "%s/%s/query-signature.txt", dir,
			 names[i]);
		if (file_exists(path)) {
			printf("SKIP query/%s: " QUERY_SKIP "\n", names[i]);
			skipped++;
		}
	}
	free_names(names, n);
	tl_report(SUITE_CRT, passed, failed, skipped);
	return failed != 0;
}

/* --- sigv4-legacy ----------------------------------------------------- */

/* The token at the end of post-sts-token/readme.txt, or NULL. */
static char *readme_token(const char *dir)
{
	char path[4096];
	char *text, *p, *tok = NULL;
	size_t n;

	pathf(path, sizeof(path), "%s/post-sts-token/readme.txt", dir);
	text = tl_read_file(path, &n);
	if (text == NULL)
		return NULL;
	while (n > 0 && strchr(" \t\r\n", text[n - 1]) != NULL)
		text[--n] = '\0';
	for (p = text + n; p > text && strchr(" \t\r\n", p[-1]) == NULL; p--)
		;
	if (*p != '\0')
		tok = strdup(p);
	free(text);
	return tok;
}

static int run_legacy_case(const char *dir, const char *rel,
			   const char *sts_token, size_t idx)
{
	const char *leaf = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	char path[4096], base[4096];
	acfs_sigv4_creds creds = { LEGACY_KEY_ID, LEGACY_SECRET, NULL };
	acfs_sigv4_params params = { LEGACY_REGION, LEGACY_SERVICE,
				     LEGACY_DATE, 0, 0 };
	acfs_sigv4_result *r = NULL;
	acfs_sigv4_request rq;
	const char *why;
	http_req req;
	acfs_code rc;
	acfs_err e;
	tl_diff d;
	size_t i;

	memset(&d, 0, sizeof(d));
	pathf(base, sizeof(base), "%s/%s/%s", dir, rel, leaf);
	pathf(path, sizeof(path), "%s.req", base);
	if ((why = req_load(&req, path)) != NULL) {
		tl_differ(&d, "%s.req: %s", leaf, why);
		goto out;
	}
	if (strcmp(leaf, "get-vanilla-with-session-token") == 0)
		creds.session_token = LEGACY_VANILLA_TOKEN;
	if (strncmp(rel, "post-sts-token/", 15) == 0) {
		if (sts_token == NULL) {
			tl_differ(&d, "no token in post-sts-token/readme.txt");
			goto out;
		}
		creds.session_token = sts_token;
		if (strcmp(leaf, "post-sts-header-after") == 0)
			params.flags |= ACFS_SIGV4_TOKEN_AFTER;
	}
	rq = (acfs_sigv4_request){ req.method, req.path, req.query, req.h,
				   req.nh, req.body, req.body_len };
	rc = acfs_sigv4_sign(&rq, &creds, &params, &r, &e);
	if (rc != ACFS_OK) {
		tl_differ(&d, "acfs_sigv4_sign: %s (%s)", acfs_strerror(rc),
			  e.msg);
		goto out;
	}
	pathf(path, sizeof(path), "%s.creq", base);
	expect_file(&d, "canonical request", path, r->canonical_request);
	pathf(path, sizeof(path), "%s.sts", base);
	expect_file(&d, "string to sign", path, r->string_to_sign);
	pathf(path, sizeof(path), "%s.authz", base);
	expect_file(&d, "Authorization", path, r->authorization);
	/* The token added after signing is still one of the headers to
	 * send. */
	if (params.flags & ACFS_SIGV4_TOKEN_AFTER) {
		for (i = 0; i < r->nadd; i++)
			if (strcmp(r->add[i].name,
				   "X-Amz-Security-Token") == 0 &&
			    strcmp(r->add[i].value, sts_token) == 0)
				break;
		if (i == r->nadd)
			tl_differ(&d, "X-Amz-Security-Token is not among the "
				  "headers to add");
	}
out:
	acfs_sigv4_result_free(r);
	req_free(&req);
	return tl_diff_passed(&d, idx, rel);
}

/* Collects the case directories under dir/rel (those holding
 * <leaf>.req), depth-first; relative names go to names[]. */
static void walk_legacy(const char *dir, const char *rel, char **names,
			size_t *n, int depth)
{
	char path[4096], sub[2048];
	struct dirent *de;
	struct stat st;
	DIR *dh;

	pathf(path, sizeof(path), "%s%s%s", dir, *rel ? "/" : "", rel);
	if (depth > 4 || (dh = opendir(path)) == NULL)
		return;
	while ((de = readdir(dh)) != NULL && *n < MAX_CASES) {
		if (de->d_name[0] == '.')
			continue;
		pathf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 de->d_name);
		pathf(path, sizeof(path), "%s/%s", dir, sub);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		pathf(path, sizeof(path), "%s/%s/%s.req", dir, sub,
			 de->d_name);
		if (file_exists(path)) {
			if ((names[*n] = strdup(sub)) != NULL)
				(*n)++;
		} else {
			walk_legacy(dir, sub, names, n, depth + 1);
		}
	}
	closedir(dh);
}

static int run_legacy(const char *conf)
{
	int passed = 0, failed = 0;
	char dir[4096];
	char **names = calloc(MAX_CASES, sizeof(*names));
	char *sts_token;
	size_t i, n = 0;

	pathf(dir, sizeof(dir), "%s/%s", conf, DIR_LEGACY);
	if (names != NULL)
		walk_legacy(dir, "", names, &n, 0);
	if (n == 0) {
		printf("FAIL %s: no cases in %s\n", SUITE_LEGACY, dir);
		tl_report(SUITE_LEGACY, 0, 1, 0);
		free(names);
		return 1;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	tl_conformance_note(SUITE_LEGACY, n, "cases", DOCUMENTED_LEGACY);
	sts_token = readme_token(dir);
	for (i = 0; i < n; i++) {
		if (run_legacy_case(dir, names[i], sts_token, i))
			passed++;
		else
			failed++;
	}
	free(sts_token);
	free_names(names, n);
	tl_report(SUITE_LEGACY, passed, failed, 0);
	return failed != 0;
}

int main(void)
{
	const char *conf = tl_conformance_dir();
	int status;

	if (conf == NULL) {
		printf("SKIP %s, %s: conformance data not found "
		       "(../shared/conformance or $ACFS_CONFORMANCE)\n",
		       SUITE_CRT, SUITE_LEGACY);
		tl_report(SUITE_CRT, 0, 0, 1);
		tl_report(SUITE_LEGACY, 0, 0, 1);
		return 0;
	}
	status = run_crt(conf);
	status |= run_legacy(conf);
	return status;
}
