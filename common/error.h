/* error.h - the one error enum of the engine, and a message carrier.
 *
 * The engine returns acfs_code; errno is made only in the FUSE layer and PAM
 * codes only in the PAM module.  An acfs_err carries a human message that
 * names the file, line and profile where they apply.  Messages never contain
 * secrets: callers pass names, paths and ARNs, never key material.
 */
#ifndef ACFS_ERROR_H
#define ACFS_ERROR_H

#include <stddef.h>

typedef enum {
	ACFS_OK = 0,
	ACFS_E_NOMEM,       /* allocation failed */
	ACFS_E_IO,          /* a file could not be opened or read */
	ACFS_E_TOOBIG,      /* an input exceeded its bound */
	ACFS_E_SYNTAX,      /* a config or credentials file has a syntax error */
	ACFS_E_NOTFOUND,    /* a profile (or section) does not exist */
	ACFS_E_CYCLE,       /* source_profile references form a loop */
	ACFS_E_CONFIG,      /* a profile is syntactically fine but invalid */
	ACFS_E_UNSUPPORTED, /* a feature we deliberately do not implement */
	ACFS_E_BADARG,      /* a caller or command-line argument is wrong */
	ACFS_E_NET,         /* connection, TLS or timeout: may be retried */
	ACFS_E_REMOTE,      /* the service answered with an error */
	ACFS_E_POLICY,      /* refused by our own rules (plain http, host) */
	ACFS_E_NOTIMPL,     /* a source this version cannot run yet */
	ACFS_E__COUNT
} acfs_code;

#define ACFS_ERR_MSG_MAX 1024

typedef struct {
	acfs_code code;
	char msg[ACFS_ERR_MSG_MAX];
} acfs_err;

/* A short, static description of a code ("syntax error"). */
const char *acfs_strerror(acfs_code code);

/* Sets e (when non-NULL) and returns code, so callers can write
 * `return acfs_err_set(e, ACFS_E_IO, "...", ...);`. */
acfs_code acfs_err_set(acfs_err *e, acfs_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Resets e to ACFS_OK with an empty message. */
void acfs_err_clear(acfs_err *e);

#endif
