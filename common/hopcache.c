/* hopcache.c - shared, single-flight cache of hop credentials. */
#include "hopcache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "sigv4.h"
#include "stsendpoint.h"

#define BACKOFF_BASE_S 2
#define BACKOFF_CAP_S 60

static time_t c_now(const acfs_hopcache *c)
{
	return c->now ? c->now(c->clock_ctx) : time(NULL);
}

static long c_mono(const acfs_hopcache *c)
{
	struct timespec ts;

	if (c->mono_ms)
		return c->mono_ms(c->clock_ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

acfs_code acfs_hopcache_init(acfs_hopcache *c, pthread_mutex_t *lock,
			     long window_s, long wait_ms)
{
	memset(c, 0, sizeof(*c));
	c->lock = lock;
	c->window_s = window_s > 0 ? window_s : 1200;
	c->wait_ms = wait_ms > 0 ? wait_ms : 10000;
	c->nbuckets = 256;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	return c->buckets ? ACFS_OK : ACFS_E_NOMEM;
}

static void entry_free(acfs_hop_entry *h)
{
	acfs_creds_unref(h->creds);
	acfs_strfree(h->error);
	pthread_cond_destroy(&h->cond);
	free(h);
}

void acfs_hopcache_destroy(acfs_hopcache *c)
{
	size_t i;
	acfs_hop_entry *h, *n;

	for (i = 0; i < c->nbuckets; i++)
		for (h = c->buckets[i]; h != NULL; h = n) {
			n = h->next;
			entry_free(h);
		}
	free(c->buckets);
	memset(c, 0, sizeof(*c));
}

/* --- keys --- */

static acfs_code put(acfs_buf *b, const char *tag, const char *v)
{
	acfs_code rc = acfs_buf_add(b, tag, strlen(tag) + 1);   /* with NUL */

	if (rc == ACFS_OK && v != NULL)
		rc = acfs_buf_add(b, v, strlen(v));
	return rc == ACFS_OK ? acfs_buf_addc(b, '\0') : rc;
}

acfs_code acfs_hopcache_keys(const acfs_plan *plan,
			     char (*keys)[ACFS_HOPKEY_LEN + 1], acfs_err *e)
{
	acfs_sts_endpoint ep;
	acfs_err ee;
	char num[32];
	acfs_buf b;
	acfs_code rc = ACFS_OK;
	size_t i, j;

	memset(&ep, 0, sizeof(ep));
	acfs_err_clear(&ee);
	/* The endpoint is part of every STS hop's definition; a plan whose
	 * endpoint cannot be resolved keeps an empty one (its STS hops will
	 * fail with that error when used). */
	if (acfs_sts_endpoint_for_plan(plan, &ep, &ee) != ACFS_OK)
		memset(&ep, 0, sizeof(ep));
	for (i = 0; i < plan->nhops && rc == ACFS_OK; i++) {
		const acfs_hop *h = &plan->hops[i];

		acfs_buf_init(&b, 1024 * 1024);
		rc = put(&b, "below", i > 0 ? keys[i - 1] : "");
		if (rc == ACFS_OK)
			rc = put(&b, "kind", acfs_hop_kind_name(h->kind));
		switch (h->kind) {
		case ACFS_HOP_STATIC:
			if (rc == ACFS_OK)
				rc = put(&b, "akid", h->access_key_id);
			if (rc == ACFS_OK)
				rc = put(&b, "secret", h->secret_access_key);
			if (rc == ACFS_OK)
				rc = put(&b, "token", h->session_token);
			break;
		case ACFS_HOP_PROCESS:
			if (rc == ACFS_OK)
				rc = put(&b, "command", h->credential_process);
			break;
		case ACFS_HOP_WEB_IDENTITY:
		case ACFS_HOP_ASSUME_ROLE:
			if (rc == ACFS_OK)
				rc = put(&b, "role", h->role_arn);
			if (rc == ACFS_OK)
				rc = put(&b, "session", h->role_session_name ?
					 h->role_session_name : h->profile);
			if (rc == ACFS_OK)
				rc = put(&b, "external", h->external_id);
			if (rc == ACFS_OK)
				rc = put(&b, "token-file", h->web_identity_token_file);
			if (rc == ACFS_OK)
				rc = put(&b, "source-identity", h->source_identity);
			snprintf(num, sizeof(num), "%d", h->duration_seconds);
			if (rc == ACFS_OK)
				rc = put(&b, "duration", num);
			for (j = 0; rc == ACFS_OK && j < h->ntags; j++) {
				rc = put(&b, "tag", h->tags[j].key);
				if (rc == ACFS_OK)
					rc = put(&b, "=", h->tags[j].value);
			}
			for (j = 0; rc == ACFS_OK && j < h->ntransitive; j++)
				rc = put(&b, "transitive", h->transitive_keys[j]);
			if (rc == ACFS_OK)
				rc = put(&b, "endpoint", ep.url);
			if (rc == ACFS_OK)
				rc = put(&b, "signing-region", ep.signing_region);
			if (rc == ACFS_OK)
				rc = put(&b, "ca", plan->ca_bundle);
			break;
		case ACFS_HOP_IMDS:
			/* The profile's ec2_metadata_service_endpoint(_mode):
			 * two endpoints are two sources. */
			if (rc == ACFS_OK)
				rc = put(&b, "imds-endpoint", plan->imds_endpoint);
			if (rc == ACFS_OK)
				rc = put(&b, "imds-mode", plan->imds_endpoint_mode);
			break;
		default:
			break;
		}
		if (rc == ACFS_OK)
			rc = acfs_sigv4_sha256_hex(b.data, b.len, keys[i]);
		acfs_buf_free(&b);
	}
	if (rc != ACFS_OK)
		return acfs_err_set(e, rc, "cannot compute the hop cache keys");
	return ACFS_OK;
}

static size_t bucket(const acfs_hopcache *c, const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *key; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return (size_t)(h & (c->nbuckets - 1));
}

acfs_hop_entry *acfs_hopcache_acquire(acfs_hopcache *c, const char *key,
				      acfs_hop_kind kind)
{
	size_t b = bucket(c, key);
	acfs_hop_entry *h;

	for (h = c->buckets[b]; h != NULL; h = h->next)
		if (strcmp(h->key, key) == 0) {
			h->refs++;
			return h;
		}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	snprintf(h->key, sizeof(h->key), "%s", key);
	h->kind = kind;
	h->refs = 1;
	pthread_cond_init(&h->cond, NULL);
	h->next = c->buckets[b];
	c->buckets[b] = h;
	c->n++;
	return h;
}

void acfs_hopcache_release(acfs_hopcache *c, acfs_hop_entry *h)
{
	acfs_hop_entry **pp;

	if (h == NULL || --h->refs > 0)
		return;
	for (pp = &c->buckets[bucket(c, h->key)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	c->n--;
	entry_free(h);
}

long acfs_hopcache_window(const acfs_hopcache *c, const acfs_hop_entry *h)
{
	long life;

	if (h->creds == NULL || h->creds->expiration == 0)
		return c->window_s;
	life = (long)(h->creds->expiration - h->issued_at);
	if (life > 0 && life < 2 * c->window_s)
		return life / 2;
	return c->window_s;
}

int acfs_hopcache_needs_refresh(const acfs_hopcache *c,
				const acfs_hop_entry *h, time_t now)
{
	if (h->creds == NULL)
		return 1;
	if (h->creds->expiration == 0)
		return 0;
	return h->creds->expiration - now <= acfs_hopcache_window(c, h);
}

static void record_failure(acfs_hopcache *c, acfs_hop_entry *h,
			   const acfs_err *err, time_t now)
{
	long cap = BACKOFF_BASE_S;
	int i;
	char *m = acfs_strdup(err->msg);

	if (m != NULL) {
		acfs_strfree(h->error);
		h->error = m;
	}
	h->error_code = err->code;
	h->error_time = now;
	h->failures++;
	for (i = 1; i < h->failures && cap < BACKOFF_CAP_S; i++)
		cap *= 2;
	if (cap > BACKOFF_CAP_S)
		cap = BACKOFF_CAP_S;
	/* Equal jitter: at least half the step, so retries do spread out
	 * but never hammer. */
	h->backoff_until = now + cap / 2 + (time_t)arc4random_uniform((unsigned)(cap / 2 + 1));
	c->sts_errors++;
}

acfs_code acfs_hopcache_get(acfs_hopcache *c, const acfs_resolver *r,
			    const acfs_plan *plan, acfs_hop_entry **hops,
			    size_t i, acfs_creds **out, int *stale,
			    acfs_err *e)
{
	acfs_hop_entry *h = hops[i];
	acfs_creds *prev = NULL, *fresh = NULL;
	long deadline = c_mono(c) + c->wait_ms, t0 = 0;
	time_t now;
	acfs_err err;
	acfs_code rc;
	int below_stale = 0;

	*out = NULL;
	for (;;) {
		now = c_now(c);
		if (!acfs_hopcache_needs_refresh(c, h, now)) {
			*out = acfs_creds_ref(h->creds);
			return ACFS_OK;
		}
		if (h->in_flight) {
			struct timespec ts;
			long left = deadline - c_mono(c);

			if (left <= 0)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += left / 1000;
			ts.tv_nsec += (left % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&h->cond, c->lock, &ts);
			continue;
		}
		/* Still valid and recently failed: serve it, try later. */
		if (acfs_creds_valid(h->creds, now) && h->failures > 0 &&
		    now < h->backoff_until) {
			*out = acfs_creds_ref(h->creds);
			*stale = 1;
			return ACFS_OK;
		}
		break;
	}
	if (h->in_flight) {
		/* Timed out waiting for someone else's refresh. */
		if (acfs_creds_valid(h->creds, c_now(c))) {
			*out = acfs_creds_ref(h->creds);
			*stale = 1;
			return ACFS_OK;
		}
		return acfs_err_set(e, ACFS_E_NET, "profile '%s': timed out after "
				    "%ld ms waiting for a refresh of hop %zu",
				    plan->profile, c->wait_ms, i + 1);
	}
	h->in_flight = 1;
	h->refs++;   /* keep it while the lock is dropped */
	acfs_err_clear(&err);
	if (i > 0) {
		/* The hop below first: refreshed when it is itself in its
		 * window. */
		rc = acfs_hopcache_get(c, r, plan, hops, i - 1, &prev,
				       &below_stale, &err);
		if (rc != ACFS_OK)
			goto done;
	}
	pthread_mutex_unlock(c->lock);
	t0 = c_mono(c);
	rc = acfs_resolve_hop(r, plan, i, prev, &fresh, &err);
	t0 = c_mono(c) - t0;
	pthread_mutex_lock(c->lock);
	h->calls++;
	if (h->kind == ACFS_HOP_WEB_IDENTITY || h->kind == ACFS_HOP_ASSUME_ROLE) {
		c->sts_calls++;
		c->latency_count++;
		c->latency_sum_ms += t0;
		if (t0 > c->latency_max_ms)
			c->latency_max_ms = t0;
	}
done:
	now = c_now(c);
	h->in_flight = 0;
	acfs_creds_unref(prev);
	if (rc == ACFS_OK) {
		acfs_creds_unref(h->creds);
		h->creds = fresh;
		h->issued_at = now;
		h->last_refresh = now;
		h->last_latency_ms = t0;
		h->failures = 0;
		h->backoff_until = 0;
		*out = acfs_creds_ref(fresh);
	} else {
		record_failure(c, h, &err, now);
		if (acfs_creds_valid(h->creds, now)) {
			*out = acfs_creds_ref(h->creds);
			*stale = 1;
			rc = ACFS_OK;
		} else {
			acfs_err_set(e, err.code, "%s", err.msg);
		}
	}
	pthread_cond_broadcast(&h->cond);
	acfs_hopcache_release(c, h);
	return rc;
}
