/* run_traffic.c - end-to-end cases with recorded HTTP traffic,
 * shared/conformance/credential-provider-traffic/{profile-provider,
 * default-credential-provider-chain}/<case>/ (README section 4).
 *
 * Each case runs in a fresh temporary directory:
 *  - the environment is exactly env.json, with HOME=<tmp>/fs/home;
 *  - fs/ is copied to <tmp>/fs, and in env values and in
 *    fs/home/.aws/{config,credentials} "/token.jwt" becomes
 *    "<tmp>/fs/token.jwt" and "/home/" (or a whole value "/home")
 *    becomes "<tmp>/fs/home/".  A case without HOME (web_identity_token_env)
 *    has no fs/home, so no file is found, as in Rust where no home means
 *    no files;
 *  - the files are found with acfs_locate and read with acfs_config_load,
 *    the profile is AWS_PROFILE or "default";
 *  - the resolver gets a replay transport (the k-th request gets the k-th
 *    recorded response) and a clock pinned to 2009-02-13T00:00:00Z whose
 *    sleeps only move a counter, so retries do not wait.
 * Then the requests are compared with the recording: their number, and for
 * each its method, scheme, host, port, path, query parameters as a set,
 * content-type, x-aws-ec2-metadata-token, and whether it carries an
 * x-amz-security-token.  Bodies, Authorization, X-Amz-Date,
 * RoleSessionName and user-agent come from the original live recording and
 * are not compared (Rust's harness does not either).  content-type
 * compares the media type; a parameter the recording has must be sent
 * too, and the engine may add "; charset=utf-8", as botocore does.
 * The result is compared with test-case.json: Ok with access_key_id,
 * secret_access_key, session_token and expiry (absent means none), and
 * account_id whenever the engine knows one; ErrorContains only needs a
 * failure (the text is Rust's).  FAIL lines never show a secret or a
 * session token, only which field differed.
 *
 * The only skips are SSO (the planner's ACFS_E_UNSUPPORTED naming SSO),
 * which is out of scope by design.  The endpoint-override cases send plain
 * http to hosts that are not loopback, which SPEC section 4 refuses; the
 * replay transport never touches a network, so the runner lifts that rule
 * with the resolver's test-only flag.
 *
 * ACFS_VERBOSE=1 prints the engine's message beside the SDK's for each
 * expected error.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "creds.h"
#include "env.h"
#include "error.h"
#include "files.h"
#include "http.h"
#include "plan.h"
#include "profile.h"
#include "resolve.h"
#include "secret.h"
#include "testlib.h"

#define SUITE_PROFILE "traffic-profile-provider"
#define SUITE_CHAIN "traffic-default-chain"
#define DIR_PROFILE "credential-provider-traffic/profile-provider"
#define DIR_CHAIN "credential-provider-traffic/default-credential-provider-chain"
#define CASES_PROFILE 18
#define CASES_CHAIN 29

#define PINNED_NOW ((time_t)1234483200)   /* 2009-02-13T00:00:00Z */
#define MAX_CONNS 64       /* recorded exchanges per case */
#define MAX_SENT 64        /* requests kept for comparison */
#define MAX_ENV 64         /* variables per env.json */
#define MAX_QUERY 64       /* query parameters per URL */
#define BODY_MAX (1024 * 1024)

typedef enum { R_FAIL, R_PASS, R_SKIP } result;

/* --- the replay transport --- */

typedef struct {
	const char *method;        /* borrowed from the traffic JSON */
	const char *uri;
	json_object *headers;      /* {name: [values]} */
	int have_response;
	int net_error;             /* a recorded transport failure */
	long status;
	const char *content_type;  /* the response's, or NULL */
	acfs_buf body;             /* the response body's chunks */
} recorded;

typedef struct {
	char *method;
	char *url;
	char *hname[ACFS_HTTP_MAX_HEADERS];
	char *hvalue[ACFS_HTTP_MAX_HEADERS];   /* may hold secrets */
	size_t nheaders;
	char *body;                            /* may hold secrets */
	size_t body_len;
} sent;

typedef struct {
	acfs_http base;
	recorded rec[MAX_CONNS];
	size_t nrec;
	sent sent[MAX_SENT];
	size_t nsent;              /* every request, kept or not */
} replay_http;

static acfs_code keep_request(sent *s, const acfs_http_request *req)
{
	size_t i, n = req->nheaders;

	if (n > ACFS_HTTP_MAX_HEADERS)
		n = ACFS_HTTP_MAX_HEADERS;
	s->method = acfs_strdup(req->method);
	s->url = acfs_strdup(req->url);
	s->body = acfs_strndup(req->body ? req->body : "", req->body_len);
	s->body_len = req->body_len;
	if (s->method == NULL || s->url == NULL || s->body == NULL)
		return ACFS_E_NOMEM;
	for (i = 0; i < n; i++) {
		s->hname[i] = acfs_strdup(req->headers[i].name);
		s->hvalue[i] = acfs_strdup(req->headers[i].value);
		s->nheaders = i + 1;
		if (s->hname[i] == NULL || s->hvalue[i] == NULL)
			return ACFS_E_NOMEM;
	}
	return ACFS_OK;
}

static acfs_code replay_send(acfs_http *h, const acfs_http_request *req,
			     acfs_http_response *resp, acfs_err *e)
{
	replay_http *rp = (replay_http *)h;
	size_t k = rp->nsent++;
	const recorded *r;
	acfs_code rc;

	memset(resp, 0, sizeof(*resp));
	acfs_buf_init(&resp->body, req->max_response);
	if (k < MAX_SENT && keep_request(&rp->sent[k], req) != ACFS_OK)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	if (k >= rp->nrec)
		return acfs_err_set(e, ACFS_E_IO, "replay: request %zu (%s %.200s) "
				    "has no recorded response", k + 1,
				    req->method, req->url);
	r = &rp->rec[k];
	if (r->net_error || !r->have_response)
		return acfs_err_set(e, ACFS_E_NET, "replay: the recording has "
				    "no response for request %zu", k + 1);
	resp->status = r->status;
	snprintf(resp->content_type, sizeof(resp->content_type), "%s",
		 r->content_type ? r->content_type : "");
	rc = r->body.len ? acfs_buf_add(&resp->body, r->body.data, r->body.len)
			 : ACFS_OK;
	if (rc != ACFS_OK) {
		acfs_http_response_clear(resp);
		return acfs_err_set(e, rc, "replay: response %zu is larger than "
				    "the %zu bytes the caller accepts", k + 1,
				    req->max_response);
	}
	return ACFS_OK;
}

static void replay_destroy(acfs_http *h)
{
	replay_http *rp = (replay_http *)h;
	size_t i, j;

	for (i = 0; i < MAX_CONNS; i++)
		acfs_buf_free(&rp->rec[i].body);
	for (i = 0; i < MAX_SENT; i++) {
		sent *s = &rp->sent[i];

		acfs_strfree(s->method);
		acfs_strfree(s->url);
		acfs_strfree(s->body);
		for (j = 0; j < s->nheaders; j++) {
			acfs_strfree(s->hname[j]);
			acfs_strfree(s->hvalue[j]);
		}
	}
	acfs_wipefree(rp, sizeof(*rp));
}

static const char *json_str(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The first value of a recorded header ({name: [values]}), any case. */
static const char *rec_header(json_object *headers, const char *name)
{
	if (headers == NULL || !json_object_is_type(headers, json_type_object))
		return NULL;
	json_object_object_foreach(headers, k, v) {
		if (strcasecmp(k, name) != 0)
			continue;
		if (json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0)
			return json_object_get_string(json_object_array_get_idx(v, 0));
		return json_object_get_string(v);
	}
	return NULL;
}

static const char *sent_header(const sent *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nheaders; i++)
		if (strcasecmp(s->hname[i], name) == 0)
			return s->hvalue[i];
	return NULL;
}

/* One event of the smithy "dvr" V0 format into rp. */
static int replay_event(replay_http *rp, json_object *ev, tl_diff *d)
{
	json_object *jid, *action, *x, *resp, *ok;
	recorded *r;
	int id;

	if (!json_object_object_get_ex(ev, "connection_id", &jid) ||
	    !json_object_object_get_ex(ev, "action", &action) ||
	    (id = json_object_get_int(jid)) < 0 || id >= MAX_CONNS) {
		tl_differ(d, "malformed http-traffic.json: an event without a "
			  "connection_id below %d or an action", MAX_CONNS);
		return 0;
	}
	r = &rp->rec[id];
	if ((size_t)id + 1 > rp->nrec)
		rp->nrec = (size_t)id + 1;
	if (json_object_object_get_ex(action, "Request", &x)) {
		json_object *req;

		if (!json_object_object_get_ex(x, "request", &req) ||
		    (r->uri = json_str(req, "uri")) == NULL ||
		    (r->method = json_str(req, "method")) == NULL) {
			tl_differ(d, "malformed http-traffic.json: request %d "
				  "without uri or method", id);
			return 0;
		}
		json_object_object_get_ex(req, "headers", &r->headers);
	} else if (json_object_object_get_ex(action, "Data", &x)) {
		const char *dir = json_str(x, "direction"), *text;
		json_object *data;

		if (dir != NULL && strcmp(dir, "Request") == 0)
			return 1;   /* request bodies are not compared */
		if (!json_object_object_get_ex(x, "data", &data) ||
		    (text = json_str(data, "Utf8")) == NULL) {
			tl_differ(d, "runner: response %d has data that is not "
				  "Utf8", id);
			return 0;
		}
		if (acfs_buf_add(&r->body, text, strlen(text)) != ACFS_OK) {
			tl_differ(d, "runner: response %d is over %d bytes", id,
				  BODY_MAX);
			return 0;
		}
	} else if (json_object_object_get_ex(action, "Response", &x)) {
		r->have_response = 1;
		if (!json_object_object_get_ex(x, "response", &resp) ||
		    !json_object_object_get_ex(resp, "Ok", &ok)) {
			r->net_error = 1;
			return 1;
		}
		if (!json_object_object_get_ex(ok, "status", &x)) {
			tl_differ(d, "malformed http-traffic.json: response %d "
				  "without a status", id);
			return 0;
		}
		r->status = json_object_get_int(x);
		json_object_object_get_ex(ok, "headers", &x);
		r->content_type = rec_header(x, "content-type");
	}
	/* Eof: nothing to do. */
	return 1;
}

static replay_http *replay_new(json_object *traffic, tl_diff *d)
{
	replay_http *rp = calloc(1, sizeof(*rp));
	json_object *events;
	size_t i, n;

	if (rp == NULL) {
		tl_differ(d, "out of memory");
		return NULL;
	}
	rp->base.send = replay_send;
	rp->base.destroy = replay_destroy;
	for (i = 0; i < MAX_CONNS; i++)
		acfs_buf_init(&rp->rec[i].body, BODY_MAX);
	if (!json_object_object_get_ex(traffic, "events", &events) ||
	    !json_object_is_type(events, json_type_array)) {
		tl_differ(d, "malformed http-traffic.json: no events array");
		goto fail;
	}
	n = json_object_array_length(events);
	for (i = 0; i < n; i++)
		if (!replay_event(rp, json_object_array_get_idx(events, i), d))
			goto fail;
	for (i = 0; i < rp->nrec; i++)
		if (rp->rec[i].uri == NULL) {
			tl_differ(d, "malformed http-traffic.json: connection "
				  "%zu has no request", i);
			goto fail;
		}
	return rp;
fail:
	acfs_http_free(&rp->base);
	return NULL;
}

/* --- comparing requests --- */

typedef struct {
	char *scheme, *host, *port, *path, *query;
} url_parts;

static void url_parts_free(url_parts *u)
{
	curl_free(u->scheme);
	curl_free(u->host);
	curl_free(u->port);
	curl_free(u->path);
	curl_free(u->query);
	memset(u, 0, sizeof(*u));
}

static int url_split(const char *url, url_parts *u)
{
	CURLU *h = curl_url();
	int ok;

	memset(u, 0, sizeof(*u));
	if (h == NULL)
		return 0;
	ok = curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_SCHEME, &u->scheme, 0) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_HOST, &u->host, 0) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_PORT, &u->port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_PATH, &u->path, 0) == CURLUE_OK;
	if (ok)
		curl_url_get(h, CURLUPART_QUERY, &u->query, 0);   /* may be absent */
	curl_url_cleanup(h);
	if (!ok)
		url_parts_free(u);
	return ok;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The query's parameters, percent-decoded and sorted, into out (each
 * free()d by the caller).  Returns how many, or -1 past MAX_QUERY. */
static int query_set(const char *q, char **out)
{
	const char *p = q, *end;
	int n = 0;

	while (p != NULL && *p != '\0') {
		char *s, *o;

		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if (end > p) {
			if (n == MAX_QUERY)
				return -1;
			s = o = malloc((size_t)(end - p) + 1);
			if (s == NULL)
				return -1;
			for (; p < end; p++) {
				if (*p == '%' && end - p >= 3 && hexval(p[1]) >= 0 &&
				    hexval(p[2]) >= 0) {
					*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
					p += 2;
				} else {
					*o++ = *p;
				}
			}
			*o = '\0';
			out[n++] = s;
		}
		p = *end ? end + 1 : end;
	}
	qsort(out, (size_t)n, sizeof(*out), cmp_str);
	return n;
}

static void compare_query(const char *want, const char *got, size_t k,
			  tl_diff *d)
{
	char *w[MAX_QUERY], *g[MAX_QUERY];
	int nw = query_set(want, w), ng = query_set(got, g), i;

	if (nw < 0 || ng < 0)
		tl_differ(d, "request %zu: runner: cannot split the query", k + 1);
	else if (nw != ng)
		tl_differ(d, "request %zu: %d query parameters, the recording "
			  "has %d", k + 1, ng, nw);
	else
		for (i = 0; i < nw; i++)
			if (strcmp(w[i], g[i]) != 0) {
				tl_differ(d, "request %zu: query parameters differ "
					  "from the recording's", k + 1);
				break;
			}
	for (i = 0; i < nw; i++)
		free(w[i]);
	for (i = 0; i < ng; i++)
		free(g[i]);
}

/* The media type of a content-type value, without parameters. */
static size_t media_type_len(const char *v)
{
	size_t n = strcspn(v, ";");

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n;
}

static void compare_content_type(const char *want, const char *got,
				 size_t k, tl_diff *d)
{
	size_t wn, gn;

	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL) {
		tl_differ(d, "request %zu: content-type %s%s%s, the recording "
			  "has %s%s%s", k + 1, got ? "\"" : "",
			  got ? got : "absent", got ? "\"" : "",
			  want ? "\"" : "", want ? want : "none", want ? "\"" : "");
		return;
	}
	wn = media_type_len(want);
	gn = media_type_len(got);
	if (wn != gn || strncasecmp(want, got, wn) != 0 ||
	    (want[strcspn(want, ";")] != '\0' && strcasecmp(want, got) != 0))
		tl_differ(d, "request %zu: content-type \"%s\", the recording "
			  "has \"%s\"", k + 1, got, want);
}

static void compare_request(const recorded *r, const sent *s, size_t k,
			    tl_diff *d)
{
	const char *want, *got;
	url_parts wu, gu;

	if (strcmp(r->method, s->method) != 0)
		tl_differ(d, "request %zu: method %s, the recording has %s",
			  k + 1, s->method, r->method);
	if (!url_split(r->uri, &wu)) {
		tl_differ(d, "request %zu: runner: cannot parse the recorded URL "
			  "%s", k + 1, r->uri);
		return;
	}
	if (!url_split(s->url, &gu)) {
		tl_differ(d, "request %zu: sent an unparseable URL %s", k + 1,
			  s->url);
		url_parts_free(&wu);
		return;
	}
	if (strcasecmp(wu.scheme, gu.scheme) != 0 ||
	    strcasecmp(wu.host, gu.host) != 0 || strcmp(wu.port, gu.port) != 0 ||
	    strcmp(wu.path, gu.path) != 0)
		tl_differ(d, "request %zu: sent to %s, the recording has %s",
			  k + 1, s->url, r->uri);
	compare_query(wu.query, gu.query, k, d);
	url_parts_free(&wu);
	url_parts_free(&gu);
	compare_content_type(rec_header(r->headers, "content-type"),
			     sent_header(s, "content-type"), k, d);
	/* IMDSv2 session token: not a credential, so it can be shown. */
	want = rec_header(r->headers, "x-aws-ec2-metadata-token");
	got = sent_header(s, "x-aws-ec2-metadata-token");
	if ((want == NULL) != (got == NULL) ||
	    (want != NULL && strcmp(want, got) != 0))
		tl_differ(d, "request %zu: x-aws-ec2-metadata-token differs "
			  "from the recording's", k + 1);
	/* Signed with session credentials or not: presence only. */
	want = rec_header(r->headers, "x-amz-security-token");
	got = sent_header(s, "x-amz-security-token");
	if ((want == NULL) != (got == NULL))
		tl_differ(d, "request %zu: %s x-amz-security-token, the "
			  "recording has %s", k + 1, got ? "has an" : "has no",
			  want ? "one" : "none");
}

static void compare_traffic(const replay_http *rp, tl_diff *d)
{
	size_t i, n = rp->nsent < rp->nrec ? rp->nsent : rp->nrec;

	if (rp->nsent != rp->nrec)
		tl_differ(d, "sent %zu HTTP request%s, the recording has %zu",
			  rp->nsent, rp->nsent == 1 ? "" : "s", rp->nrec);
	for (i = 0; i < n && i < MAX_SENT; i++)
		compare_request(&rp->rec[i], &rp->sent[i], i, d);
}

/* --- the fake filesystem --- */

/* s with "/token.jwt" and "/home/" (and, when whole_home, a value that is
 * exactly "/home") moved under root/fs.  A new string (acfs_strfree). */
static char *rewrite(const char *s, const char *root, int whole_home)
{
	static const char *const from[] = { "/token.jwt", "/home/" };
	acfs_buf b;
	size_t i;

	acfs_buf_init(&b, BODY_MAX);
	if (whole_home && strcmp(s, "/home") == 0) {
		if (acfs_buf_add(&b, root, strlen(root)) != ACFS_OK ||
		    acfs_buf_add(&b, "/fs/home", 8) != ACFS_OK)
			goto fail;
		return acfs_buf_steal(&b, NULL);
	}
	while (*s != '\0') {
		for (i = 0; i < 2; i++)
			if (strncmp(s, from[i], strlen(from[i])) == 0)
				break;
		if (i < 2) {
			if (acfs_buf_add(&b, root, strlen(root)) != ACFS_OK ||
			    acfs_buf_add(&b, "/fs", 3) != ACFS_OK ||
			    acfs_buf_add(&b, from[i], strlen(from[i])) != ACFS_OK)
				goto fail;
			s += strlen(from[i]);
		} else if (acfs_buf_addc(&b, *s++) != ACFS_OK) {
			goto fail;
		}
	}
	return acfs_buf_steal(&b, NULL);
fail:
	acfs_buf_free(&b);
	return NULL;
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return 0;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

/* Copies the tree src to dst (which does not exist yet); rel is the path
 * below fs/, to spot the two files that get rewritten. */
static int copy_tree(const char *src, const char *dst, const char *rel,
		     const char *root, tl_diff *d)
{
	char s[4096], t[4096], r[4096];
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int ok = 1;

	if (mkdir(dst, 0700) != 0 || (dir = opendir(src)) == NULL) {
		tl_differ(d, "runner: cannot copy %s: %s", src, strerror(errno));
		return 0;
	}
	while (ok && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (lstat(s, &st) != 0) {
			tl_differ(d, "runner: cannot stat %s", s);
			ok = 0;
		} else if (S_ISDIR(st.st_mode)) {
			ok = copy_tree(s, t, r, root, d);
		} else if (S_ISREG(st.st_mode)) {
			size_t len;
			char *data = tl_read_file(s, &len), *out = NULL;

			if (data != NULL && (strcmp(r, "home/.aws/config") == 0 ||
					     strcmp(r, "home/.aws/credentials") == 0)) {
				out = rewrite(data, root, 0);
				free(data);
				data = out;
				len = data ? strlen(data) : 0;
			}
			ok = data != NULL && write_file(t, data, len);
			if (!ok)
				tl_differ(d, "runner: cannot copy %s", s);
			if (out != NULL)
				acfs_strfree(out);
			else
				free(data);
		}
	}
	closedir(dir);
	return ok;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* --- clocks --- */

typedef struct {
	long elapsed_ms;
} fake_clock;

static time_t fake_now(void *ctx)
{
	(void)ctx;
	return PINNED_NOW;
}

static void fake_sleep(void *ctx, long ms)
{
	((fake_clock *)ctx)->elapsed_ms += ms;
}

static long fake_elapsed(void *ctx)
{
	return ((fake_clock *)ctx)->elapsed_ms;
}

static unsigned fake_random(void *ctx, unsigned bound)
{
	(void)ctx;
	return bound / 2;
}

/* --- the providers --- */

typedef struct {
	acfs_code rc;
	acfs_err err;
	acfs_creds *creds;
	acfs_plan *plan;          /* a plan from the planner, or NULL */
	const acfs_plan *ran;     /* the plan that was resolved, or NULL */
	acfs_plan one;            /* a one-hop plan made here */
	acfs_hop one_hop;
} outcome;

static void outcome_reset(outcome *o)
{
	acfs_creds_unref(o->creds);
	acfs_plan_free(o->plan);
	memset(o, 0, sizeof(*o));
	acfs_err_clear(&o->err);
}

static void resolve_into(const acfs_resolver *r, const acfs_plan *plan,
			 outcome *o)
{
	o->ran = plan;
	o->rc = acfs_resolve_plan(r, plan, &o->creds, &o->err);
}

/* A plan of one hop of kind for a source the planner only plans inside a
 * profile (the environment keys, IMDS). */
static const acfs_plan *one_hop_plan(outcome *o, acfs_hop_kind kind)
{
	memset(&o->one, 0, sizeof(o->one));
	memset(&o->one_hop, 0, sizeof(o->one_hop));
	o->one_hop.kind = kind;
	o->one.profile = "default";
	o->one.hops = &o->one_hop;
	o->one.nhops = 1;
	return &o->one;
}

/* Whether the selected profile configures the profile provider.  Rust's
 * provider hands over to the next one (NoProfilesDefined,
 * ProfileDidNotContainCredentials in aws-config's profile/credentials)
 * when no profile is defined, when "default" is selected and not defined,
 * or when the selected profile names no credentials at all.  A named
 * profile that does not exist, and a profile that lost a line to a syntax
 * error, are configured: planning them fails. */
static int profile_configured(const acfs_profiles *set, const char *name)
{
	static const char *const keys[] = { "role_arn", "credential_source",
		"web_identity_token_file", "credential_process", "sso_session",
		"sso_start_url", "sso_account_id", "sso_role_name",
		"sso_region", "aws_access_key_id", "aws_secret_access_key",
		"aws_session_token", NULL };
	const acfs_section *s;
	size_t i;

	if (set == NULL || acfs_profiles_count(set, ACFS_SECTION_PROFILE) == 0)
		return 0;
	s = acfs_profiles_get(set, ACFS_SECTION_PROFILE, name);
	if (s == NULL)
		return strcmp(name, "default") != 0;
	if (s->taint != NULL)
		return 1;
	for (i = 0; keys[i] != NULL; i++)
		if (acfs_section_prop(s, keys[i]) != NULL)
			return 1;
	return 0;
}

/* The profile provider.  Returns 0 when it is not configured (o is left
 * clear), 1 when it ran (o holds its credentials or its error).  The
 * engine reads the files leniently (a bad line only makes its own profile
 * unusable; README), so problems in the files reach the plan through the
 * profile they spoil, not here. */
static int profile_provider(const acfs_resolver *r, const acfs_env *env,
			    outcome *o)
{
	acfs_profiles *set = NULL;
	acfs_locations loc;
	acfs_err le;

	acfs_err_clear(&le);
	o->rc = acfs_locate(env, &loc, &o->err);
	if (o->rc != ACFS_OK)
		return 1;
	if (acfs_config_load(loc.config_path, loc.credentials_path, &set,
			     &le) == ACFS_E_NOMEM) {
		o->rc = acfs_err_set(&o->err, ACFS_E_NOMEM, "%s", le.msg);
		acfs_locations_free(&loc);
		return 1;
	}
	if (!profile_configured(set, loc.profile)) {
		acfs_profiles_free(set);
		acfs_locations_free(&loc);
		return 0;
	}
	o->rc = acfs_plan_build(set, env, loc.profile, &o->plan, &o->err);
	acfs_profiles_free(set);
	acfs_locations_free(&loc);
	if (o->rc == ACFS_OK)
		resolve_into(r, o->plan, o);
	return 1;
}

/* The SDK default chain (aws-config default_provider/credentials): each
 * provider gives credentials, or is not configured and hands over, or is
 * configured and its result (credentials or an error) ends the chain.
 *  1. AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: the engine's
 *     credential_source = Environment hop, whose "not both set" error
 *     (ACFS_E_CONFIG) means not configured.
 *  2. The profile files (profile_provider above).
 *  3, 4. Web identity from AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE,
 *     then the container endpoint: the planner's env-only "default" plan
 *     (acfs_plan_env_default), planned without the files because the
 *     profile provider already declined them.
 *  5. IMDS, unless AWS_EC2_METADATA_DISABLED=true.
 * Nothing configured is an error, as in Rust. */
static void default_chain(const acfs_resolver *r, const acfs_env *env,
			  outcome *o)
{
	const char *v;

	resolve_into(r, one_hop_plan(o, ACFS_HOP_ENVIRONMENT), o);
	if (o->rc != ACFS_E_CONFIG)
		return;
	outcome_reset(o);
	if (profile_provider(r, env, o))
		return;
	if (acfs_plan_env_default(env)) {
		o->rc = acfs_plan_build(NULL, env, "default", &o->plan, &o->err);
		if (o->rc == ACFS_OK)
			resolve_into(r, o->plan, o);
		return;
	}
	v = acfs_env_get(env, "AWS_EC2_METADATA_DISABLED");
	if (v == NULL || strcasecmp(v, "true") != 0) {
		resolve_into(r, one_hop_plan(o, ACFS_HOP_IMDS), o);
		return;
	}
	o->rc = acfs_err_set(&o->err, ACFS_E_NOTFOUND, "no provider in the "
			     "default chain is configured");
}

/* --- checking the result --- */

static void known_fields(json_object *ok, tl_diff *d)
{
	static const char *const known[] = { "access_key_id",
		"secret_access_key", "session_token", "account_id", "expiry",
		NULL };
	size_t k;

	json_object_object_foreach(ok, key, val) {
		(void)val;
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], key) == 0)
				break;
		if (known[k] == NULL)
			tl_differ(d, "runner does not know result field '%s'", key);
	}
}

/* A secret field: which one differed, never the values. */
static void secret_field(json_object *ok, const char *key, const char *got,
			 tl_diff *d)
{
	const char *want = json_str(ok, key);

	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL)
		tl_differ(d, "%s: expected %s, got %s", key,
			  want ? "one" : "none", got ? "one" : "none");
	else if (strcmp(want, got) != 0)
		tl_differ(d, "%s differs from the expected value", key);
}

static void compare_ok(json_object *ok, const acfs_creds *c, tl_diff *d)
{
	const char *want;
	json_object *jv;

	if (!json_object_is_type(ok, json_type_object)) {
		tl_differ(d, "malformed test-case.json: Ok is not an object");
		return;
	}
	known_fields(ok, d);
	want = json_str(ok, "access_key_id");
	if (want == NULL || strcmp(want, c->access_key_id) != 0)
		tl_differ(d, "access_key_id: expected \"%s\", got \"%s\"",
			  want ? want : "(absent)", c->access_key_id);
	secret_field(ok, "secret_access_key", c->secret_access_key, d);
	secret_field(ok, "session_token", c->session_token, d);
	if (json_object_object_get_ex(ok, "expiry", &jv)) {
		if ((time_t)json_object_get_int64(jv) != c->expiration)
			tl_differ(d, "expiry: expected %lld, got %lld",
				  (long long)json_object_get_int64(jv),
				  (long long)c->expiration);
	} else if (c->expiration != 0) {
		tl_differ(d, "expiry: expected none, got %lld",
			  (long long)c->expiration);
	}
	/* Only sources that know an account ID set one. */
	want = json_str(ok, "account_id");
	if (c->account_id[0] != '\0' &&
	    (want == NULL || strcmp(want, c->account_id) != 0))
		tl_differ(d, "account_id: expected %s%s%s, got \"%s\"",
			  want ? "\"" : "", want ? want : "none",
			  want ? "\"" : "", c->account_id);
}

/* --- skips --- */

/* Whether o is a skip; why gets the reason. */
static int skip_reason(const outcome *o, char *why, size_t whysz)
{
	if (o->rc == ACFS_E_UNSUPPORTED && strstr(o->err.msg, "SSO") != NULL) {
		snprintf(why, whysz, "SSO is not supported by design");
		return 1;
	}
	return 0;
}

/* --- one case --- */

typedef enum { ENTRY_PROFILE, ENTRY_CHAIN } entry;

static json_object *load_json(const char *dir, const char *file, tl_diff *d)
{
	char path[4096];
	const char *why;
	json_object *j;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	j = json_object_from_file(path);
	if (j == NULL) {
		why = json_util_get_last_err();
		if (why == NULL)
			why = "not JSON";
		tl_differ(d, "cannot read %s: %.*s", file,
			  (int)strcspn(why, "\n"), why);
	}
	return j;
}

static result run_case(const char *dir, const char *name, entry which,
		       size_t idx)
{
	json_object *tc = NULL, *traffic = NULL, *envj = NULL, *res, *jv;
	char root[] = "/tmp/acfs-traffic-XXXXXX", path[4096], why[512];
	const char *pairs[2 * MAX_ENV + 4];
	char *owned[MAX_ENV + 1];
	replay_http *rp = NULL;
	acfs_env_table tab;
	acfs_resolver r;
	fake_clock clk = { 0 };
	result res_kind = R_FAIL;
	int have_root = 0;
	size_t nowned = 0, np = 0, i;
	struct stat st;
	acfs_env env;
	outcome o;
	tl_diff d;

	memset(&d, 0, sizeof(d));
	memset(&o, 0, sizeof(o));
	acfs_err_clear(&o.err);
	if ((tc = load_json(dir, "test-case.json", &d)) == NULL ||
	    (traffic = load_json(dir, "http-traffic.json", &d)) == NULL ||
	    (envj = load_json(dir, "env.json", &d)) == NULL)
		goto out;
	if (!json_object_object_get_ex(tc, "result", &res) ||
	    !json_object_is_type(envj, json_type_object)) {
		tl_differ(&d, "malformed case: no result, or env.json is not "
			  "an object");
		goto out;
	}
	if (mkdtemp(root) == NULL) {
		tl_differ(&d, "runner: mkdtemp: %s", strerror(errno));
		goto out;
	}
	have_root = 1;
	snprintf(path, sizeof(path), "%s/fs", dir);
	if (stat(path, &st) == 0) {
		char dst[4096];

		snprintf(dst, sizeof(dst), "%s/fs", root);
		if (!copy_tree(path, dst, "", root, &d))
			goto out;
	}
	/* The environment: env.json, paths moved, and HOME. */
	json_object_object_foreach(envj, key, val) {
		if (strcmp(key, "HOME") == 0)
			continue;
		if (nowned == MAX_ENV - 1) {
			tl_differ(&d, "runner: more than %d variables in env.json",
				  MAX_ENV - 1);
			goto out;
		}
		owned[nowned] = rewrite(json_object_get_string(val), root, 1);
		if (owned[nowned] == NULL) {
			tl_differ(&d, "out of memory");
			goto out;
		}
		pairs[np++] = key;
		pairs[np++] = owned[nowned++];
	}
	snprintf(path, sizeof(path), "%s/fs/home", root);
	owned[nowned] = acfs_strdup(path);
	if (owned[nowned] == NULL) {
		tl_differ(&d, "out of memory");
		goto out;
	}
	pairs[np++] = "HOME";
	pairs[np++] = owned[nowned++];
	pairs[np++] = NULL;
	pairs[np++] = NULL;
	tab.pairs = pairs;
	acfs_env_from_table(&env, &tab);

	rp = replay_new(traffic, &d);
	if (rp == NULL)
		goto out;
	memset(&r, 0, sizeof(r));
	r.http = &rp->base;
	/* The recordings' endpoint overrides are plain http to hosts like
	 * aws.global-env-override; the replay transport never opens a
	 * connection, so the loopback-only rule is lifted here (the rule
	 * itself is tested in tests/integration). */
	r.test_allow_plain_http = 1;
	r.env = &env;
	r.now = fake_now;
	r.sleep_ms = fake_sleep;
	r.elapsed_ms = fake_elapsed;
	r.random = fake_random;
	r.clock_ctx = &clk;

	if (which == ENTRY_PROFILE) {
		if (!profile_provider(&r, &env, &o))
			o.rc = acfs_err_set(&o.err, ACFS_E_NOTFOUND,
					    "the profile provider is not "
					    "configured (no profile, or no "
					    "credentials in it)");
	} else {
		default_chain(&r, &env, &o);
	}

	if (skip_reason(&o, why, sizeof(why))) {
		printf("SKIP %s: %s\n", name, why);
		res_kind = R_SKIP;
		goto out;
	}
	if (d.ndiff > 0)
		goto out;
	compare_traffic(rp, &d);
	if (json_object_object_get_ex(res, "Ok", &jv)) {
		if (o.rc != ACFS_OK)
			tl_differ(&d, "expected credentials, got %s: %s",
				  acfs_strerror(o.rc), o.err.msg);
		else
			compare_ok(jv, o.creds, &d);
	} else if (json_object_object_get_ex(res, "ErrorContains", &jv)) {
		if (o.rc == ACFS_OK)
			tl_differ(&d, "expected an error (the SDK says \"%s\"), "
				  "got credentials", json_object_get_string(jv));
		else if (o.err.msg[0] == '\0')
			tl_differ(&d, "failed with %s but no message",
				  acfs_strerror(o.rc));
		else if (getenv("ACFS_VERBOSE") != NULL)
			printf("ok %s: SDK \"%s\"; engine %s: %s\n", name,
			       json_object_get_string(jv), acfs_strerror(o.rc),
			       o.err.msg);
	} else {
		tl_differ(&d, "malformed test-case.json: result is neither Ok "
			  "nor ErrorContains");
	}
	res_kind = R_PASS;
out:
	if (!tl_diff_passed(&d, idx, name))
		res_kind = R_FAIL;
	outcome_reset(&o);
	acfs_http_free(rp ? &rp->base : NULL);
	for (i = 0; i < nowned; i++)
		acfs_strfree(owned[i]);
	if (have_root && nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "run_traffic: cannot remove %s\n", root);
	json_object_put(tc);
	json_object_put(traffic);
	json_object_put(envj);
	return res_kind;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every case directory of one suite and reports it.  Returns 1 when
 * a case failed. */
static int run_suite(const char *suite, const char *rel, int documented,
		     entry which)
{
	const char *p = tl_conformance_path(suite, rel);
	int passed = 0, failed = 0, skipped = 0;
	char base[2048], dir[2048 + 256];
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *dh;

	if (p == NULL)
		return 0;
	snprintf(base, sizeof(base), "%s", p);
	dh = opendir(base);
	if (dh == NULL)
		return tl_conformance_bad(suite, base, NULL, strerror(errno));
	while ((de = readdir(dh)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap + 32) * sizeof(*nn));

			if (nn == NULL)
				break;
			names = nn;
			cap += 32;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL)
			break;
		n++;
	}
	closedir(dh);
	qsort(names, n, sizeof(*names), cmp_name);
	tl_conformance_note(suite, n, "cases", documented);
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", base, names[i]);
		switch (run_case(dir, names[i], which, i)) {
		case R_PASS:
			passed++;
			break;
		case R_SKIP:
			skipped++;
			break;
		default:
			failed++;
			break;
		}
		free(names[i]);
	}
	free(names);
	if (n == 0)
		failed++;   /* an empty directory is not a pass */
	tl_report(suite, passed, failed, skipped);
	return failed != 0;
}

int main(void)
{
	int status = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		printf("FAIL %s: curl_global_init failed\n", SUITE_PROFILE);
		tl_report(SUITE_PROFILE, 0, 1, 0);
		tl_report(SUITE_CHAIN, 0, 1, 0);
		return 1;
	}
	status |= run_suite(SUITE_PROFILE, DIR_PROFILE, CASES_PROFILE,
			    ENTRY_PROFILE);
	status |= run_suite(SUITE_CHAIN, DIR_CHAIN, CASES_CHAIN, ENTRY_CHAIN);
	curl_global_cleanup();
	return status;
}
