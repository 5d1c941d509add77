/* testlib.h - shared helpers for the Check unit tests and the
 * conformance runners. */
#ifndef ACFS_TESTLIB_H
#define ACFS_TESTLIB_H

#include <stddef.h>

#include <check.h>

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

#endif
