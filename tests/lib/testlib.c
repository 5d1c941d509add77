/* testlib.c - shared test helpers. */
#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

void tl_report(const char *suite, int passed, int failed, int skipped)
{
	const char *path = getenv("ACFS_RESULTS");
	const char *prefix = getenv("ACFS_SUITE_PREFIX");
	FILE *f;

	if (prefix == NULL)
		prefix = "";
	printf("suite %s%s: passed=%d failed=%d skipped=%d\n", prefix, suite,
	       passed, failed, skipped);
	fflush(stdout);
	if (path == NULL)
		return;
	f = fopen(path, "a");
	if (f == NULL) {
		perror(path);
		return;
	}
	fprintf(f, "%s%s %d %d %d\n", prefix, suite, passed, failed, skipped);
	fclose(f);
}

int tl_run_suite(Suite *s, const char *name)
{
	SRunner *sr = srunner_create(s);
	int run, failed;

	srunner_run_all(sr, CK_ENV);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tl_report(name, run - failed, failed, 0);
	return failed == 0 ? 0 : 1;
}

const char *tl_conformance_dir(void)
{
	static char buf[4096];
	const char *d = getenv("ACFS_CONFORMANCE");
	struct stat st;

	if (d == NULL)
		d = "../shared/conformance";
	if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", d);
	return buf;
}

const char *tl_conformance_path(const char *suite, const char *relpath)
{
	static char path[4096];
	const char *dir = tl_conformance_dir();

	if (dir == NULL) {
		printf("SKIP %s: conformance data not found "
		       "(../shared/conformance or $ACFS_CONFORMANCE)\n", suite);
		tl_report(suite, 0, 0, 1);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, relpath);
	return path;
}

int tl_conformance_bad(const char *suite, const char *path,
		       json_object *root, const char *what)
{
	const char *why = root ? NULL : json_util_get_last_err();

	if (why == NULL)
		why = what;
	printf("FAIL %s: cannot read %s: %.*s\n", suite, path,
	       (int)strcspn(why, "\n"), why);
	tl_report(suite, 0, 1, 0);
	json_object_put(root);
	return 1;
}

void tl_conformance_note(const char *suite, size_t n, const char *noun,
			 int documented)
{
	if (documented >= 0 && n != (size_t)documented)
		printf("NOTE %s: %zu %s, the README documents %d\n", suite, n,
		       noun, documented);
}

json_object *tl_conformance_load(const char *suite, const char *relpath,
				 const char *array_key, int documented,
				 json_object **cases, int *status)
{
	const char *path = tl_conformance_path(suite, relpath);
	json_object *root;
	char what[128];

	*cases = NULL;
	*status = 0;
	if (path == NULL)
		return NULL;
	root = json_object_from_file(path);
	if (array_key == NULL)
		*cases = root;
	else if (root != NULL)
		json_object_object_get_ex(root, array_key, cases);
	if (*cases == NULL || !json_object_is_type(*cases, json_type_array)) {
		if (array_key == NULL)
			snprintf(what, sizeof(what), "not a JSON array");
		else
			snprintf(what, sizeof(what), "no \"%s\" array",
				 array_key);
		*cases = NULL;
		*status = tl_conformance_bad(suite, path, root, what);
		return NULL;
	}
	tl_conformance_note(suite, json_object_array_length(*cases), "cases",
			    documented);
	return root;
}

void tl_differ(tl_diff *d, const char *fmt, ...)
{
	va_list ap;

	if (d->ndiff++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
}

int tl_diff_passed(const tl_diff *d, size_t idx, const char *name)
{
	if (d->ndiff == 0)
		return 1;
	if (d->ndiff > 1)
		printf("FAIL [%zu] %s: %s (and %d more differences)\n", idx,
		       name, d->why, d->ndiff - 1);
	else
		printf("FAIL [%zu] %s: %s\n", idx, name, d->why);
	return 0;
}

const char *tl_esc(char *out, size_t sz, const char *s, size_t n)
{
	size_t o = 0, i;

	if (s == NULL) {
		snprintf(out, sz, "(absent)");
		return out;
	}
	out[o++] = '"';
	for (i = 0; i < n && o + 8 < sz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			o += (size_t)snprintf(out + o, sz - o, "\\n");
		else if (c == '\r')
			o += (size_t)snprintf(out + o, sz - o, "\\r");
		else if (c == '\t')
			o += (size_t)snprintf(out + o, sz - o, "\\t");
		else if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, sz - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, sz - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (i < n)
		o += (size_t)snprintf(out + o, sz - o, "...");
	snprintf(out + o, sz - o, "\"");
	return out;
}

char *tl_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 131072;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 65536, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

const char *tl_write_temp(int slot, const char *data, size_t len)
{
	static char paths[8][256 + 16];   /* dir + "/fileN" */
	static char dir[256];
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/acfs-test-XXXXXX");
		if (mkdtemp(dir) == NULL)
			return NULL;
	}
	snprintf(paths[slot & 7], sizeof(paths[0]), "%s/file%d", dir, slot & 7);
	f = fopen(paths[slot & 7], "wb");
	if (f == NULL)
		return NULL;
	if (len > 0 && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	return paths[slot & 7];
}

int tl_env_from_json(tl_env *t, json_object *obj)
{
	memset(t, 0, sizeof(*t));
	t->tab.pairs = t->pairs;
	acfs_env_from_table(&t->env, &t->tab);
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return obj == NULL;
	json_object_object_foreach(obj, key, val) {
		if (!json_object_is_type(val, json_type_string))
			continue;
		if (!tl_env_set(t, key, json_object_get_string(val)))
			return 0;
	}
	return 1;
}

int tl_env_from_pairs(tl_env *t, const char *const *kv)
{
	tl_env_from_json(t, NULL);
	for (; kv != NULL && kv[0] != NULL; kv += 2)
		if (!tl_env_set(t, kv[0], kv[1]))
			return 0;
	return 1;
}

const char *tl_json_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int tl_env_set(tl_env *t, const char *name, const char *value)
{
	size_t i;

	t->tab.pairs = t->pairs;
	acfs_env_from_table(&t->env, &t->tab);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->pairs[2 * i], name) == 0) {
			t->pairs[2 * i + 1] = value;
			return 1;
		}
	if (t->n == TL_ENV_MAX)
		return 0;
	t->pairs[2 * t->n] = name;
	t->pairs[2 * t->n + 1] = value;
	t->n++;
	t->pairs[2 * t->n] = NULL;
	t->pairs[2 * t->n + 1] = NULL;
	return 1;
}

/* --- the scripted transport --- */

static acfs_code tl_http_send(acfs_http *base, const acfs_http_request *req,
			      acfs_http_response *resp, acfs_err *e)
{
	tl_http *h = (tl_http *)base;
	tl_http_sent *s = NULL;
	const tl_http_reply *r;
	size_t i, n;
	int k = h->nsent;

	memset(resp, 0, sizeof(*resp));
	if (h->clock != NULL)
		h->clock->elapsed_ms += h->request_ms;
	if (k < TL_HTTP_MAX) {
		s = &h->sent[k];
		h->nsent++;
		memset(s, 0, sizeof(*s));
		snprintf(s->method, sizeof(s->method), "%s", req->method);
		snprintf(s->url, sizeof(s->url), "%s", req->url);
		for (i = 0; i < req->nheaders && i < ACFS_HTTP_MAX_HEADERS; i++) {
			snprintf(s->names[i], sizeof(s->names[i]), "%s",
				 req->headers[i].name);
			snprintf(s->values[i], sizeof(s->values[i]), "%s",
				 req->headers[i].value);
		}
		s->nheaders = i;
		s->has_body = req->body != NULL;
		s->body_len = req->body_len;
		s->connect_timeout_ms = req->connect_timeout_ms;
		s->timeout_ms = req->timeout_ms;
		s->max_response = req->max_response;
	}
	if (k >= h->nreply) {
		h->overrun++;
		return acfs_err_set(e, ACFS_E_NET, "%s: no reply scripted", req->url);
	}
	r = &h->reply[k];
	if (r->net_error)
		return acfs_err_set(e, ACFS_E_NET, "%s: Connection refused", req->url);
	n = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
	if (n > req->max_response)
		return acfs_err_set(e, ACFS_E_TOOBIG, "response from %s is larger "
				    "than %zu bytes", req->url, req->max_response);
	acfs_buf_init(&resp->body, req->max_response);
	if (n > 0 && acfs_buf_add(&resp->body, r->body, n) != ACFS_OK) {
		acfs_buf_free(&resp->body);
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	}
	resp->status = r->status;
	return ACFS_OK;
}

void tl_http_init(tl_http *h, tl_clock *clock)
{
	memset(h, 0, sizeof(*h));
	h->base.send = tl_http_send;
	h->clock = clock;
}

void tl_http_reply_add(tl_http *h, int net_error, long status,
		       const char *body)
{
	if (h->nreply >= TL_HTTP_MAX)
		return;
	h->reply[h->nreply].net_error = net_error;
	h->reply[h->nreply].status = status;
	h->reply[h->nreply].body = body;
	h->reply[h->nreply].body_len = 0;
	h->nreply++;
}

const char *tl_http_header(const tl_http_sent *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nheaders; i++)
		if (strcasecmp(s->names[i], name) == 0)
			return s->values[i];
	return NULL;
}

static time_t tl_clock_now(void *ctx)
{
	return ((tl_clock *)ctx)->wall;
}

static void tl_clock_sleep(void *ctx, long ms)
{
	tl_clock *c = ctx;

	c->slept_ms += ms;
	c->elapsed_ms += ms;
	c->nsleeps++;
}

static long tl_clock_elapsed(void *ctx)
{
	return ((tl_clock *)ctx)->elapsed_ms;
}

static unsigned tl_clock_random(void *ctx, unsigned bound)
{
	(void)ctx;
	return bound ? bound - 1 : 0;
}

void tl_resolver_init(acfs_resolver *r, tl_http *h, tl_clock *c,
		      const acfs_env *env)
{
	memset(r, 0, sizeof(*r));
	r->http = &h->base;
	r->env = env;
	r->now = tl_clock_now;
	r->sleep_ms = tl_clock_sleep;
	r->elapsed_ms = tl_clock_elapsed;
	r->random = tl_clock_random;
	r->clock_ctx = c;
}

void tl_host_init(tl_host *h)
{
	memset(h, 0, sizeof(*h));
	tl_http_init(&h->http, &h->clock);
	tl_env_from_pairs(&h->env, NULL);
	tl_resolver_init(&h->r, &h->http, &h->clock, &h->env.env);
}

void tl_host_env(tl_host *h, const char *const *kv)
{
	ck_assert(tl_env_from_pairs(&h->env, kv));
}

void tl_assert_outcome(acfs_code rc, acfs_code want, const void *c,
		       const acfs_err *e, const char *const *secrets)
{
	ck_assert_msg(rc == want, "got %d (%s), want %d", rc, e->msg, want);
	if (rc == ACFS_OK)
		return;
	ck_assert_ptr_null(c);
	ck_assert_str_ne(e->msg, "");
	for (; secrets != NULL && *secrets != NULL; secrets++)
		ck_assert_msg(strstr(e->msg, *secrets) == NULL,
			      "a secret in the message: %s", e->msg);
}
