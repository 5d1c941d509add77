/* testlib.h - shared helpers for the Check unit tests and the
 * conformance runners. */
#ifndef ACFS_TESTLIB_H
#define ACFS_TESTLIB_H

#include <stddef.h>

#include <check.h>

#include "http.h"
#include "resolve.h"

/* json-c's json_object, for the conformance helpers. */
struct json_object;

/* Reports a suite's counts: prints "suite NAME: passed=P failed=F
 * skipped=S" and appends "NAME P F S" to the file named by $ACFS_RESULTS
 * (when set), which tests/run-checks.sh adds up.  NAME is prefixed with
 * $ACFS_SUITE_PREFIX ("san/" for the sanitizer build). */
void tl_report(const char *suite, int passed, int failed, int skipped);

/* Runs a Check suite in fork mode with CK_ENV verbosity, reports it with
 * tl_report, and returns the process exit status. */
int tl_run_suite(Suite *s, const char *name);

/* The conformance directory: $ACFS_CONFORMANCE, else ../shared/conformance
 * relative to the project root (the current directory of `make check`).
 * Returns NULL when it does not exist. */
const char *tl_conformance_dir(void);

/* The path of DIR/relpath, DIR being tl_conformance_dir(), in static
 * storage (overwritten by the next call).  When the directory does not
 * exist, prints "SKIP SUITE: conformance data not found (...)", reports the
 * suite as one skip and returns NULL: the runner then exits 0. */
const char *tl_conformance_path(const char *suite, const char *relpath);

/* Reports data that cannot be used: prints "FAIL SUITE: cannot read PATH:
 * WHY", WHY being json-c's last error when root is NULL and what otherwise
 * (or when json-c has none), cut at its first newline; reports the suite
 * as one failure, releases root and returns 1, the runner's exit status. */
int tl_conformance_bad(const char *suite, const char *path,
		       struct json_object *root, const char *what);

/* Prints "NOTE SUITE: N NOUN, the README documents D" when the number of
 * cases n is not the documented one (none when documented is negative). */
void tl_conformance_note(const char *suite, size_t n, const char *noun,
			 int documented);

/* The preamble of a JSON-driven runner: reads relpath of the conformance
 * directory (tl_conformance_path) and sets *cases to its top-level array,
 * or to the array under array_key when that is not NULL, then notes a case
 * count other than documented (tl_conformance_note).  Returns the root
 * (json_object_put() it when done; that releases *cases too), or NULL
 * after having reported a skip, or a failure through tl_conformance_bad
 * (what being "not a JSON array", or "no \"KEY\" array" for array_key
 * KEY); *status is then the runner's exit status. */
struct json_object *tl_conformance_load(const char *suite,
					const char *relpath,
					const char *array_key, int documented,
					struct json_object **cases,
					int *status);

/* The first difference a case found, and how many there were. */
typedef struct {
	char why[1024];
	int ndiff;
} tl_diff;

/* Counts a difference in d; the first one's message (printf-style, cut to
 * fit) is kept in d->why. */
void tl_differ(tl_diff *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether case idx passed: 1 when d holds no difference, else 0 after
 * printing "FAIL [IDX] NAME: WHY", with " (and N more differences)" when
 * there were several. */
int tl_diff_passed(const tl_diff *d, size_t idx, const char *name);

/* s[0..n) as a double-quoted C string in out (sz bytes, at least 10), cut
 * to fit with "..." before the closing quote; "(absent)" when s is NULL.
 * Returns out. */
const char *tl_esc(char *out, size_t sz, const char *s, size_t n);

/* Reads a whole file into a new NUL-terminated buffer (free()).  NULL on
 * error. */
char *tl_read_file(const char *path, size_t *len);

/* Writes len bytes to a new file in a fresh temporary directory and
 * returns its path (static storage, one per slot 0..7). */
const char *tl_write_temp(int slot, const char *data, size_t len);

/* An environment of a conformance case: name/value pairs borrowed from
 * the case's JSON (or from the runner). */
#define TL_ENV_MAX 32
typedef struct {
	const char *pairs[2 * TL_ENV_MAX + 2];
	size_t n;
	acfs_env_table tab;
	acfs_env env;
} tl_env;

/* Fills t with the string members of obj (NULL: none; other members are
 * skipped).  Returns 0 when they do not all fit. */
int tl_env_from_json(tl_env *t, struct json_object *obj);
/* Fills t from kv: name, value, ..., NULL (all borrowed).  Returns 0
 * when they do not all fit. */
int tl_env_from_pairs(tl_env *t, const char *const *kv);
/* Sets name to value (both borrowed), replacing an earlier value.
 * Returns 0 when t is full. */
int tl_env_set(tl_env *t, const char *name, const char *value);

/* The string member key of o, or NULL (o NULL, no such member, or not a
 * string). */
const char *tl_json_str(struct json_object *o, const char *key);

/* --- a scripted HTTP transport and a fake clock (unit tests) --- */

#define TL_HTTP_MAX 16

/* What the k-th request gets. */
typedef struct {
	int net_error;        /* 1: the send fails with ACFS_E_NET */
	long status;
	const char *body;     /* NULL: an empty body */
	size_t body_len;      /* 0: strlen(body) */
} tl_http_reply;

/* What the k-th request was. */
typedef struct {
	char method[16];
	char url[2048];
	char names[ACFS_HTTP_MAX_HEADERS][64];
	char values[ACFS_HTTP_MAX_HEADERS][1024];
	size_t nheaders;
	int has_body;         /* req->body was not NULL */
	size_t body_len;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_response;
} tl_http_sent;

/* Time that moves only when told: elapsed_ms by each request and sleep. */
typedef struct {
	time_t wall;          /* what now() says */
	long elapsed_ms;
	long slept_ms;        /* every sleep added up */
	int nsleeps;
} tl_clock;

typedef struct {
	acfs_http base;
	tl_http_reply reply[TL_HTTP_MAX];
	int nreply;
	tl_http_sent sent[TL_HTTP_MAX];
	int nsent;            /* requests made, capped at TL_HTTP_MAX */
	int overrun;          /* requests with no reply scripted (ACFS_E_NET) */
	tl_clock *clock;      /* NULL: requests take no time */
	long request_ms;      /* what each request takes */
} tl_http;

/* An empty script; clock may be NULL. */
void tl_http_init(tl_http *h, tl_clock *clock);
/* Scripts the next reply.  body is borrowed. */
void tl_http_reply_add(tl_http *h, int net_error, long status,
		       const char *body);
/* The value of header name (any case) in a sent request, or NULL. */
const char *tl_http_header(const tl_http_sent *s, const char *name);

/* A resolver on h, env and c (wall, elapsed, sleep; random gives the top
 * of its range, so backoff is at its longest). */
void tl_resolver_init(acfs_resolver *r, tl_http *h, tl_clock *c,
		      const acfs_env *env);

/* What a client of the host's credential services runs on in a test: a
 * scripted transport, a fake clock, an environment, and a resolver on
 * them (tl_resolver_init). */
typedef struct {
	tl_http http;
	tl_clock clock;
	tl_env env;
	acfs_resolver r;
} tl_host;

/* An empty script and environment, the clock at 0. */
void tl_host_init(tl_host *h);
/* Makes kv (tl_env_from_pairs) the environment, asserting it fits. */
void tl_host_env(tl_host *h, const char *const *kv);

/* Asserts the outcome of a call that set *c: rc is want and, on failure,
 * c is NULL and the message is not empty and holds none of secrets
 * (NULL-terminated). */
void tl_assert_outcome(acfs_code rc, acfs_code want, const void *c,
		       const acfs_err *e, const char *const *secrets);

#endif
