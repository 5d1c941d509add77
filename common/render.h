/* render.h - the contents of the files in a profile directory, from one
 * credentials snapshot.  Pure functions: no I/O, no clock.  Outputs go into
 * acfs_buf buffers (initialised here, wiped when freed). */
#ifndef ACFS_RENDER_H
#define ACFS_RENDER_H

#include "creds.h"
#include "error.h"
#include "plan.h"
#include "secret.h"

#define ACFS_RENDER_MAX (256 * 1024)

/* An INI document any SDK's shared-credentials parser accepts, with a
 * [default] and a [<profile>] section holding the same keys. */
acfs_code acfs_render_credentials(const char *profile, const acfs_creds *c,
				  acfs_buf *out);

/* "2026-11-22T13:45:00Z\n", or "" for long-lived keys. */
acfs_code acfs_render_expiration(const acfs_creds *c, acfs_buf *out);

/* "export AWS_ACCESS_KEY_ID='...'" lines (and AWS_REGION when the plan
 * has one), single-quoted for any POSIX shell. */
acfs_code acfs_render_env(const acfs_plan *plan, const acfs_creds *c,
			  acfs_buf *out);

/* The AWS_CONFIG_FILE for one profile: a [default] profile with the
 * region, plus a [profile refresh] whose credential_process reads
 * <dir>/process.json, for long-running SDK clients. */
acfs_code acfs_render_config(const acfs_plan *plan, const char *profile_dir,
			     acfs_buf *out);

/* Appends s single-quoted for a POSIX shell. */
acfs_code acfs_shell_quote(acfs_buf *out, const char *s);

#endif
