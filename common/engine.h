/* engine.h - everything the filesystem serves, without FUSE.
 *
 * The engine owns the parsed config, one plan per profile, the shared hop
 * cache and the rendered file contents.  The FUSE layer maps inodes to
 * (profile id, file) and calls acfs_engine_content(); it never decides
 * anything about credentials itself.
 *
 * Semantics (SPEC.md 3.4):
 *  - lazy: nothing calls STS until a credential-bearing file's content is
 *    asked for;
 *  - shared hop cache: each hop is cached under its full definition (the
 *    source identity below it, role ARN, external id, session name, tags,
 *    duration, STS endpoint), so profiles that share a hop share the entry;
 *  - single flight: concurrent askers cause one STS call per hop per
 *    refresh;
 *  - refresh window: content is never served when its credentials expire
 *    within the window (default 20 min; a session shorter than twice the
 *    window uses half its lifetime); the hop below is refreshed first when
 *    it is itself inside its window;
 *  - stale but valid: a failed refresh serves the cached credentials while
 *    they are still valid, records the error and backs off with jitter;
 *    expired credentials are never served: the read fails (EIO) once the
 *    bounded STS wait is over;
 *  - atomic: every blob is rendered from one credentials snapshot.
 * Whenever a profile's content changes, or enters its refresh window, the
 * engine calls opts.on_change from its own notifier thread, with no engine
 * lock held, so the FUSE layer can invalidate the kernel's cache safely.
 */
#ifndef ACFS_ENGINE_H
#define ACFS_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "env.h"
#include "error.h"
#include "http.h"

typedef enum {
	ACFS_FILE_CREDENTIALS = 0,   /* INI: [default] and [<profile>] */
	ACFS_FILE_EXPIRATION,        /* one line ISO 8601, empty if none */
	ACFS_FILE_PROCESS_JSON,      /* the credential_process document */
	ACFS_FILE_CONFIG,            /* AWS_CONFIG_FILE for this profile */
	ACFS_FILE_ENV,               /* export lines */
	ACFS_FILE_STATUS,            /* JSON, never triggers STS */
	ACFS_FILE__COUNT
} acfs_file_kind;

/* "credentials", "expiration", "process.json", "config", "env",
 * "status"; NULL for an unknown kind. */
const char *acfs_file_name(acfs_file_kind k);
/* Whether reading k needs credentials (and so may call STS). */
int acfs_file_needs_creds(acfs_file_kind k);

/* Immutable file content, refcounted; the last unref wipes it. */
typedef struct acfs_blob {
	int refs;           /* private */
	size_t len;
	char data[];        /* NUL-terminated for convenience */
} acfs_blob;

acfs_blob *acfs_blob_new(const char *data, size_t len);
acfs_blob *acfs_blob_ref(acfs_blob *b);
void acfs_blob_unref(acfs_blob *b);

/* The names of the top-level status views.  '=' is not allowed in a
 * profile name by the SDK identifier rule, so they never collide. */
#define ACFS_TOP_STATUS_NAME "=status"
#define ACFS_TOP_METRICS_NAME "=metrics"

/* on_change masks for id 0. */
#define ACFS_CHANGE_LIST 1u
#define ACFS_CHANGE_TOP 2u

/* Profile ids are stable while a profile exists (a profile removed and
 * added again gets a new id); 0 is never a profile. */
typedef uint64_t acfs_profile_id;

typedef struct {
	const char *config_path;        /* NULL: not read */
	const char *credentials_path;   /* NULL: not read */
	const acfs_env *env;            /* the daemon's environment */
	acfs_http *http;                /* borrowed transport */
	long refresh_window_s;          /* 0: 1200 */
	long sts_timeout_ms;            /* per STS call incl. retries; 0: 10000 */
	long process_timeout_ms;        /* per credential_process run; 0: 30000 */
	const char *profile_filter;     /* comma-separated fnmatch globs; NULL: all */
	const char *mount_point;        /* for the config and env files */
	/* Called from the engine's notifier thread, no lock held:
	 * file_mask has bit (1 << acfs_file_kind) for each changed file of
	 * profile id.  For id 0, the mask holds ACFS_CHANGE_LIST (profiles
	 * appeared or disappeared: the root directory changed) and/or
	 * ACFS_CHANGE_TOP (the top-level status and metrics changed). */
	void (*on_change)(void *ctx, acfs_profile_id id, unsigned file_mask);
	void *on_change_ctx;
	/* Injected clocks (NULL: real): wall time, monotonic ms, sleep. */
	time_t (*now)(void *ctx);
	long (*mono_ms)(void *ctx);
	void *clock_ctx;
} acfs_engine_opts;

typedef struct acfs_engine acfs_engine;

/* Reads the files and plans every profile.  Makes no network call.  Bad
 * files are problems in the status, not a failure of this call; only
 * allocation failures fail it. */
acfs_code acfs_engine_new(const acfs_engine_opts *opts, acfs_engine **out,
			  acfs_err *e);
/* Stops the notifier thread and frees everything (wiping secrets). */
void acfs_engine_free(acfs_engine *eng);

/* Re-reads the files.  Profiles that appear, disappear or change are
 * reported through on_change; changed profiles drop their hops (hops no
 * remaining plan uses are dropped).  *changed (may be NULL) says whether
 * anything differed. */
acfs_code acfs_engine_reload(acfs_engine *eng, int *changed, acfs_err *e);

/* The visible profiles, in config order.  *names is an array of n
 * strings and *ids the matching ids; both go back to
 * acfs_engine_list_free. */
acfs_code acfs_engine_list(acfs_engine *eng, char ***names,
			   acfs_profile_id **ids, size_t *n);
void acfs_engine_list_free(char **names, acfs_profile_id *ids, size_t n);

/* Looks a visible profile up by name; ACFS_E_NOTFOUND when absent or
 * hidden. */
acfs_code acfs_engine_lookup(acfs_engine *eng, const char *name,
			     acfs_profile_id *id);

/* The current content of file k of profile id.  For credential-bearing
 * files this resolves (or refreshes) the chain as described above and may
 * block for up to the STS timeout; for status and config it never calls
 * STS.  The size a stat reports must be the size a read returns, so the
 * FUSE layer asks for content at lookup/getattr time too: a stat of a
 * credential-bearing file resolves it (listing a directory does not).  On
 * failure *e says why (the FUSE layer answers EIO); ACFS_E_NOTFOUND when
 * the profile no longer exists. */
acfs_code acfs_engine_content(acfs_engine *eng, acfs_profile_id id,
			      acfs_file_kind k, acfs_blob **out, acfs_err *e);

/* The top-level status (JSON) or metrics (Prometheus text). */
acfs_code acfs_engine_top_status(acfs_engine *eng, int prometheus,
				 acfs_blob **out, acfs_err *e);

#endif
