/* error.c - acfs_code descriptions and the message carrier. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const descriptions[ACFS_E__COUNT] = {
	[ACFS_OK] = "no error",
	[ACFS_E_NOMEM] = "out of memory",
	[ACFS_E_IO] = "input/output error",
	[ACFS_E_TOOBIG] = "input too large",
	[ACFS_E_SYNTAX] = "syntax error",
	[ACFS_E_NOTFOUND] = "not found",
	[ACFS_E_CYCLE] = "source_profile loop",
	[ACFS_E_CONFIG] = "invalid configuration",
	[ACFS_E_UNSUPPORTED] = "not supported",
	[ACFS_E_BADARG] = "bad argument",
	[ACFS_E_NET] = "network error",
	[ACFS_E_REMOTE] = "error from the service",
	[ACFS_E_POLICY] = "refused by policy",
	[ACFS_E_NOTIMPL] = "not implemented yet",
};

const char *acfs_strerror(acfs_code code)
{
	if ((unsigned)code >= ACFS_E__COUNT)
		return "unknown error";
	return descriptions[code];
}

acfs_code acfs_err_set(acfs_err *e, acfs_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void acfs_err_clear(acfs_err *e)
{
	if (e == NULL)
		return;
	e->code = ACFS_OK;
	e->msg[0] = '\0';
}
