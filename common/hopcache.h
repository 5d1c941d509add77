/* hopcache.h - the shared hop cache: one entry per hop definition, with
 * single-flight refresh, the refresh window, stale-but-valid serving and
 * backoff after failures.
 *
 * An entry's key is a SHA-256 over the hop's full definition and the key of
 * the hop below it, so two profiles whose chains share a prefix share those
 * entries, and any change below a hop changes its key.  Keys never contain
 * secrets in the clear (static keys enter only through the hash).
 *
 * Locking: every function here is called with the cache's owner lock held
 * (the engine's); acfs_hopcache_get drops it around STS calls and waits on
 * the entry's condition variable when another thread is refreshing.
 */
#ifndef ACFS_HOPCACHE_H
#define ACFS_HOPCACHE_H

#include <pthread.h>
#include <time.h>

#include "creds.h"
#include "error.h"
#include "plan.h"
#include "resolve.h"

#define ACFS_HOPKEY_LEN 64

typedef struct acfs_hop_entry {
	char key[ACFS_HOPKEY_LEN + 1];
	struct acfs_hop_entry *next;    /* hash chain */
	int refs;                       /* plans using it + callers in flight */
	acfs_hop_kind kind;
	acfs_creds *creds;              /* current snapshot, or NULL */
	time_t issued_at;               /* wall time it was obtained */
	int in_flight;
	pthread_cond_t cond;
	/* the last failure */
	char *error;
	acfs_code error_code;
	time_t error_time;
	int failures;                   /* in a row */
	time_t backoff_until;           /* no new attempt before (wall) */
	time_t last_refresh;
	long last_latency_ms;
	unsigned long calls;            /* resolver calls made for it */
} acfs_hop_entry;

typedef struct {
	pthread_mutex_t *lock;          /* the owner's lock, held by callers */
	acfs_hop_entry **buckets;
	size_t nbuckets, n;
	long window_s;                  /* refresh window */
	long wait_ms;                   /* longest wait for another's refresh */
	time_t (*now)(void *ctx);
	long (*mono_ms)(void *ctx);
	void *clock_ctx;
	/* metrics */
	unsigned long sts_calls, sts_errors;
	unsigned long latency_count;
	long long latency_sum_ms;
	long latency_max_ms;
} acfs_hopcache;

acfs_code acfs_hopcache_init(acfs_hopcache *c, pthread_mutex_t *lock,
			     long window_s, long wait_ms);
void acfs_hopcache_destroy(acfs_hopcache *c);

/* Computes the keys of every hop of plan into keys[i] (nhops entries). */
acfs_code acfs_hopcache_keys(const acfs_plan *plan,
			     char (*keys)[ACFS_HOPKEY_LEN + 1], acfs_err *e);

/* Finds or creates the entry for key and takes a reference. */
acfs_hop_entry *acfs_hopcache_acquire(acfs_hopcache *c, const char *key,
				      acfs_hop_kind kind);
/* Drops a reference; an unused entry is freed (its secrets wiped). */
void acfs_hopcache_release(acfs_hopcache *c, acfs_hop_entry *h);

/* The window for h's current credentials: the configured one, or half the
 * session's lifetime when that is shorter than twice the window. */
long acfs_hopcache_window(const acfs_hopcache *c, const acfs_hop_entry *h);
/* Whether h's credentials must be refreshed before being served at now. */
int acfs_hopcache_needs_refresh(const acfs_hopcache *c,
				const acfs_hop_entry *h, time_t now);

/* The credentials of hop i of plan, whose entries are hops[0..i].  With
 * the lock held; may drop and retake it.  *stale is set when a refresh
 * failed and still-valid cached credentials are returned (ACFS_OK).
 * Fails when no valid credentials can be had; e explains. */
acfs_code acfs_hopcache_get(acfs_hopcache *c, const acfs_resolver *r,
			    const acfs_plan *plan, acfs_hop_entry **hops,
			    size_t i, acfs_creds **out, int *stale,
			    acfs_err *e);

#endif
