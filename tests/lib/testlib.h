/* testlib.h - shared helpers for the Check unit tests and the
 * conformance runners. */
#ifndef ACFS_TESTLIB_H
#define ACFS_TESTLIB_H

#include <stddef.h>

#include <check.h>

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

/* Reads a whole file into a new NUL-terminated buffer (free()).  NULL on
 * error. */
char *tl_read_file(const char *path, size_t *len);

/* Writes len bytes to a new file in a fresh temporary directory and
 * returns its path (static storage, one per slot 0..7). */
const char *tl_write_temp(int slot, const char *data, size_t len);

#endif
