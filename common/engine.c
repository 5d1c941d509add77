/* engine.c - the state behind the filesystem: profiles, plans, the shared
 * hop cache, rendered contents, status, and the notifier thread. */
#include "engine.h"

#include <fnmatch.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "creds.h"
#include "files.h"
#include "hopcache.h"
#include "plan.h"
#include "planfmt.h"
#include "profile.h"
#include "render.h"
#include "resolve.h"
#include "secret.h"
#include "sigv4.h"
#include "stsendpoint.h"

#define CRED_MASK ((1u << ACFS_FILE_CREDENTIALS) | (1u << ACFS_FILE_EXPIRATION) | \
		   (1u << ACFS_FILE_PROCESS_JSON) | (1u << ACFS_FILE_ENV))
#define STATUS_MASK (1u << ACFS_FILE_STATUS)
#define MAX_HIDDEN 256

static const char *const file_names[ACFS_FILE__COUNT] = {
	"credentials", "expiration", "process.json", "config", "env", "status",
};

const char *acfs_file_name(acfs_file_kind k)
{
	return (unsigned)k < ACFS_FILE__COUNT ? file_names[k] : NULL;
}

int acfs_file_needs_creds(acfs_file_kind k)
{
	return (CRED_MASK >> k) & 1u;
}

/* --- blobs --- */

acfs_blob *acfs_blob_new(const char *data, size_t len)
{
	acfs_blob *b = malloc(sizeof(*b) + len + 1);

	if (b == NULL)
		return NULL;
	b->refs = 1;
	b->len = len;
	if (len > 0)
		memcpy(b->data, data, len);
	b->data[len] = '\0';
	return b;
}

acfs_blob *acfs_blob_ref(acfs_blob *b)
{
	if (b != NULL)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

void acfs_blob_unref(acfs_blob *b)
{
	if (b == NULL || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	acfs_wipefree(b, sizeof(*b) + b->len + 1);
}

/* Moves a rendered buffer into a new blob, wiping the buffer. */
static acfs_blob *blob_from(acfs_buf *b)
{
	acfs_blob *r = acfs_blob_new(b->data ? b->data : "", b->len);

	acfs_buf_free(b);
	return r;
}

/* --- profile state --- */

typedef enum {
	ST_UNRESOLVED = 0, ST_FRESH, ST_REFRESHING, ST_STALE, ST_ERROR,
} pstate;

static const char *const state_names[] = {
	"unresolved", "fresh", "refreshing", "stale-valid", "error",
};

typedef struct pstate_s {
	int refs;
	int dead;                 /* removed by a reload */
	acfs_profile_id id;
	char *name;
	char *digest;             /* what makes two versions "the same" */
	acfs_plan *plan;          /* NULL when planning failed */
	acfs_code plan_code;     /* when plan is NULL: why */
	char *plan_msg;
	acfs_hop_entry **hops;
	size_t nhops;
	acfs_creds *served;       /* the snapshot the blobs come from */
	acfs_blob *blobs[ACFS_FILE__COUNT];
	pstate state;
	int resolving;
	char *error;              /* the last read's failure */
	time_t error_time;
	time_t last_served;
	time_t next_notify;       /* wall time; 0: none */
	struct pstate_s *next_name, *next_id;
} pstate_t;

typedef struct {
	acfs_profile_id id;
	unsigned mask;
} change;

typedef struct {
	char *name;
	const char *why;
} hidden_t;

struct acfs_engine {
	acfs_engine_opts o;
	char *config_path, *credentials_path, *filter, *mount;
	pthread_mutex_t lock;
	acfs_hopcache cache;
	acfs_resolver resolver;
	pstate_t **list;          /* visible profiles, config order */
	size_t n;
	pstate_t *by_name[1024], *by_id[1024];
	hidden_t hidden[MAX_HIDDEN];
	size_t nhidden, hidden_dropped;
	char **problems;          /* the last parse's problems */
	size_t nproblems;
	acfs_profile_id next_id;
	acfs_blob *top[2];        /* status JSON, metrics text */
	unsigned long reloads;
	/* notifier */
	pthread_t thread;
	pthread_cond_t wake;
	int stop, started;
	change *queue;
	size_t nq, capq;
};

static time_t e_now(const acfs_engine *eng)
{
	return eng->o.now ? eng->o.now(eng->o.clock_ctx) : time(NULL);
}

static size_t hname(const char *s)
{
	size_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h & 1023;
}

static void index_add(acfs_engine *eng, pstate_t *p)
{
	size_t a = hname(p->name), b = (size_t)(p->id & 1023);

	p->next_name = eng->by_name[a];
	eng->by_name[a] = p;
	p->next_id = eng->by_id[b];
	eng->by_id[b] = p;
}

static void index_clear(acfs_engine *eng)
{
	memset(eng->by_name, 0, sizeof(eng->by_name));
	memset(eng->by_id, 0, sizeof(eng->by_id));
}

static pstate_t *find_name(const acfs_engine *eng, const char *name)
{
	pstate_t *p;

	for (p = eng->by_name[hname(name)]; p != NULL; p = p->next_name)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static pstate_t *find_id(const acfs_engine *eng, acfs_profile_id id)
{
	pstate_t *p;

	for (p = eng->by_id[id & 1023]; p != NULL; p = p->next_id)
		if (p->id == id)
			return p;
	return NULL;
}

static void drop_blobs(pstate_t *p, unsigned mask)
{
	int k;

	for (k = 0; k < ACFS_FILE__COUNT; k++)
		if (mask & (1u << k)) {
			acfs_blob_unref(p->blobs[k]);
			p->blobs[k] = NULL;
		}
}

static void pstate_put(acfs_engine *eng, pstate_t *p)
{
	size_t i;

	if (p == NULL || --p->refs > 0)
		return;
	for (i = 0; i < p->nhops; i++)
		acfs_hopcache_release(&eng->cache, p->hops[i]);
	free(p->hops);
	drop_blobs(p, ~0u);
	acfs_creds_unref(p->served);
	acfs_plan_free(p->plan);
	acfs_strfree(p->digest);
	acfs_strfree(p->plan_msg);
	acfs_strfree(p->error);
	acfs_strfree(p->name);
	free(p);
}

/* --- notifications --- */

static void notify(acfs_engine *eng, acfs_profile_id id, unsigned mask)
{
	size_t i;

	if (eng->o.on_change == NULL || mask == 0)
		return;
	for (i = 0; i < eng->nq; i++)
		if (eng->queue[i].id == id) {
			eng->queue[i].mask |= mask;
			pthread_cond_signal(&eng->wake);
			return;
		}
	if (eng->nq == eng->capq) {
		size_t nc = eng->capq ? eng->capq * 2 : 64;
		change *q = realloc(eng->queue, nc * sizeof(*q));

		if (q == NULL)
			return;   /* the kernel keeps a stale page until the TTL */
		eng->queue = q;
		eng->capq = nc;
	}
	eng->queue[eng->nq++] = (change){ id, mask };
	pthread_cond_signal(&eng->wake);
}

/* Something changed that the top-level views show. */
static void top_changed(acfs_engine *eng)
{
	acfs_blob_unref(eng->top[0]);
	acfs_blob_unref(eng->top[1]);
	eng->top[0] = eng->top[1] = NULL;
	notify(eng, 0, ACFS_CHANGE_TOP);
}

static void status_changed(acfs_engine *eng, pstate_t *p, unsigned more)
{
	drop_blobs(p, STATUS_MASK | more);
	notify(eng, p->id, STATUS_MASK | more);
	top_changed(eng);
}

static void *notifier(void *arg)
{
	acfs_engine *eng = arg;
	struct timespec ts;
	change *batch = NULL;
	size_t nb, i;
	time_t now, soonest;

	pthread_mutex_lock(&eng->lock);
	while (!eng->stop) {
		if (eng->nq > 0) {
			batch = eng->queue;
			nb = eng->nq;
			eng->queue = NULL;
			eng->nq = eng->capq = 0;
			pthread_mutex_unlock(&eng->lock);
			for (i = 0; i < nb; i++)
				eng->o.on_change(eng->o.on_change_ctx, batch[i].id,
						 batch[i].mask);
			free(batch);
			pthread_mutex_lock(&eng->lock);
			continue;
		}
		/* Deadlines: a profile entering its refresh window, a backoff
		 * ending, credentials expiring.  The kernel must then ask us
		 * again instead of serving its copy. */
		now = e_now(eng);
		soonest = 0;
		for (i = 0; i < eng->n; i++) {
			pstate_t *p = eng->list[i];

			if (p->next_notify == 0)
				continue;
			if (p->next_notify <= now) {
				p->next_notify = 0;
				if (p->served != NULL && p->served->expiration > now)
					p->next_notify = p->served->expiration;
				drop_blobs(p, STATUS_MASK);
				notify(eng, p->id, CRED_MASK | STATUS_MASK);
				continue;
			}
			if (soonest == 0 || p->next_notify < soonest)
				soonest = p->next_notify;
		}
		if (eng->nq > 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += soonest ? (soonest - now > 0 ? soonest - now : 0) : 3600;
		pthread_cond_timedwait(&eng->wake, &eng->lock, &ts);
	}
	pthread_mutex_unlock(&eng->lock);
	return NULL;
}

/* --- building profile states --- */

static int filter_ok(const char *filter, const char *name)
{
	const char *p = filter, *end;
	char pat[256];
	size_t n;

	if (filter == NULL || *filter == '\0')
		return 1;
	while (*p) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (fnmatch(pat, name, 0) == 0)
				return 1;
		}
		p += n + (end ? 1 : 0);
	}
	return 0;
}

static void hide(acfs_engine *eng, const char *name, const char *why)
{
	if (eng->nhidden == MAX_HIDDEN) {
		eng->hidden_dropped++;
		return;
	}
	eng->hidden[eng->nhidden].name = acfs_strdup(name);
	eng->hidden[eng->nhidden].why = why;
	if (eng->hidden[eng->nhidden].name != NULL)
		eng->nhidden++;
}

/* A new state for name from set (id assigned by the caller). */
static pstate_t *pstate_build(acfs_engine *eng, const acfs_profiles *set,
			      const char *name)
{
	char (*keys)[ACFS_HOPKEY_LEN + 1] = NULL;
	struct json_object *j = NULL;
	pstate_t *p = calloc(1, sizeof(*p));
	acfs_buf d;
	acfs_err e;
	size_t i;

	if (p == NULL || (p->name = acfs_strdup(name)) == NULL)
		goto fail;
	p->refs = 1;
	acfs_err_clear(&e);
	acfs_buf_init(&d, 4 * 1024 * 1024);
	if (acfs_plan_build(set, eng->o.env, name, &p->plan, &e) != ACFS_OK) {
		/* Kept as a heap string: an acfs_err inline in each of
		 * 10,000 states would cost 10 MB. */
		p->state = ST_ERROR;
		p->plan_code = e.code;
		if ((p->plan_msg = acfs_strdup(e.msg)) == NULL ||
		    acfs_buf_add(&d, "error:", 6) != ACFS_OK ||
		    acfs_buf_add(&d, e.msg, strlen(e.msg)) != ACFS_OK)
			goto fail_buf;
	} else {
		keys = calloc(p->plan->nhops, sizeof(*keys));
		p->hops = calloc(p->plan->nhops, sizeof(*p->hops));
		if (keys == NULL || p->hops == NULL ||
		    acfs_hopcache_keys(p->plan, keys, &e) != ACFS_OK)
			goto fail_buf;
		for (i = 0; i < p->plan->nhops; i++) {
			p->hops[i] = acfs_hopcache_acquire(&eng->cache, keys[i],
							   p->plan->hops[i].kind);
			if (p->hops[i] == NULL)
				goto fail_buf;
			p->nhops++;
			if (acfs_buf_add(&d, keys[i], ACFS_HOPKEY_LEN) != ACFS_OK)
				goto fail_buf;
		}
		/* The rest of what the files show: region and friends. */
		j = acfs_plan_to_json(p->plan);
		if (j == NULL)
			goto fail_buf;
		{
			const char *js = json_object_to_json_string(j);

			if (acfs_buf_add(&d, js, strlen(js)) != ACFS_OK)
				goto fail_buf;
		}
		json_object_put(j);
		j = NULL;
	}
	/* Only a hash of the definition is kept: 10,000 profiles' full
	 * texts would cost megabytes. */
	p->digest = malloc(ACFS_SIGV4_HEX_LEN + 1);
	if (p->digest == NULL ||
	    acfs_sigv4_sha256_hex(d.data ? d.data : "", d.len, p->digest) != ACFS_OK)
		goto fail_buf;
	acfs_buf_free(&d);
	free(keys);
	return p;
fail_buf:
	acfs_buf_free(&d);
fail:
	json_object_put(j);
	free(keys);
	if (p != NULL) {
		p->refs = 1;
		pstate_put(eng, p);
	}
	return NULL;
}

static void clear_hidden(acfs_engine *eng)
{
	size_t i;

	for (i = 0; i < eng->nhidden; i++)
		acfs_strfree(eng->hidden[i].name);
	eng->nhidden = 0;
	eng->hidden_dropped = 0;
}

/* With the lock held: replaces the profile list from a new parse. */
static acfs_code apply(acfs_engine *eng, acfs_profiles *set, int *changed)
{
	size_t nsec = acfs_profiles_count(set, ACFS_SECTION_PROFILE), i, cap;
	pstate_t **nl, **old = eng->list;
	size_t nold = eng->n, nn = 0;
	int any = 0, list_changed = 0;
	const char *why;

	cap = nsec + 1;
	nl = calloc(cap, sizeof(*nl));
	if (nl == NULL)
		return ACFS_E_NOMEM;
	clear_hidden(eng);
	for (i = 0; i <= nsec; i++) {
		const char *name;
		pstate_t *p, *was;

		if (i < nsec) {
			name = acfs_profiles_at(set, ACFS_SECTION_PROFILE, i)->name;
		} else {
			/* The environment's default, when no [default] exists. */
			if (acfs_profiles_get(set, ACFS_SECTION_PROFILE, "default") != NULL ||
			    !acfs_plan_env_default(eng->o.env))
				break;
			name = "default";
		}
		if (!acfs_profile_name_dir_ok(name, &why)) {
			hide(eng, name, why);
			continue;
		}
		if (!filter_ok(eng->filter, name)) {
			hide(eng, name, "excluded by the profiles= filter");
			continue;
		}
		p = pstate_build(eng, set, name);
		if (p == NULL)
			goto nomem;
		was = find_name(eng, name);
		if (was != NULL && strcmp(was->digest, p->digest) == 0) {
			/* Unchanged: keep its state, ids and caches. */
			pstate_put(eng, p);
			was->refs++;
			nl[nn++] = was;
			continue;
		}
		if (was != NULL) {
			p->id = was->id;   /* same directory, new content */
			any = 1;
			drop_blobs(was, ~0u);
			notify(eng, p->id, CRED_MASK | STATUS_MASK |
			       (1u << ACFS_FILE_CONFIG));
		} else {
			p->id = ++eng->next_id;
			list_changed = 1;
		}
		nl[nn++] = p;
	}
	/* The old list's references: kept states stay (they gained one
	 * above), replaced and removed ones die with their last reader. */
	for (i = 0; i < nold; i++) {
		size_t k;
		int same = 0, replaced = 0;

		for (k = 0; k < nn; k++) {
			if (nl[k] == old[i])
				same = 1;
			else if (nl[k]->id == old[i]->id)
				replaced = 1;
		}
		if (!same && !replaced)
			list_changed = 1;
		old[i]->dead = !same;
		pstate_put(eng, old[i]);
	}
	free(old);
	eng->list = nl;
	eng->n = nn;
	index_clear(eng);
	for (i = 0; i < nn; i++)
		index_add(eng, nl[i]);
	/* Keep only the problems' messages: the parsed set itself is the
	 * biggest thing we would hold (every value of every profile). */
	{
		size_t np = acfs_profiles_nproblems(set), j;
		char **pr = np ? calloc(np, sizeof(*pr)) : NULL;

		for (j = 0; j < eng->nproblems; j++)
			acfs_strfree(eng->problems[j]);
		free(eng->problems);
		eng->problems = pr;
		eng->nproblems = 0;
		for (j = 0; pr != NULL && j < np; j++) {
			pr[j] = acfs_strdup(acfs_profiles_problem(set, j)->message);
			if (pr[j] != NULL)
				eng->nproblems++;
			else
				break;
		}
	}
	acfs_profiles_free(set);
	if (list_changed)
		notify(eng, 0, ACFS_CHANGE_LIST);
	if (list_changed || any)
		top_changed(eng);
	if (changed != NULL)
		*changed = list_changed || any;
	eng->reloads++;
	return ACFS_OK;
nomem:
	for (i = 0; i < nn; i++)
		pstate_put(eng, nl[i]);
	free(nl);
	acfs_profiles_free(set);
	return ACFS_E_NOMEM;
}

acfs_code acfs_engine_reload(acfs_engine *eng, int *changed, acfs_err *e)
{
	acfs_profiles *set = NULL;
	acfs_err le;
	acfs_code rc;

	acfs_err_clear(&le);
	/* Read without the lock: file I/O must not stall readers. */
	if (acfs_config_load(eng->config_path, eng->credentials_path, &set,
			     &le) == ACFS_E_NOMEM)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	pthread_mutex_lock(&eng->lock);
	rc = apply(eng, set, changed);
	pthread_mutex_unlock(&eng->lock);
	/* Parsing a large config peaks well above what stays: give the
	 * freed pages back (glibc keeps them otherwise). */
	malloc_trim(0);
	if (rc != ACFS_OK)
		return acfs_err_set(e, rc, "out of memory applying the config");
	return ACFS_OK;
}

/* How long a reader waits for another thread's refresh of a hop: the
 * longest a source may take, and a margin. */
static long wait_bound_ms(const acfs_engine_opts *o)
{
	long sts = o->sts_timeout_ms > 0 ? o->sts_timeout_ms : 10000;
	long proc = o->process_timeout_ms > 0 ? o->process_timeout_ms : 30000;

	return (sts > proc ? sts : proc) + 2000;
}

acfs_code acfs_engine_new(const acfs_engine_opts *opts, acfs_engine **out,
			  acfs_err *e)
{
	acfs_engine *eng = calloc(1, sizeof(*eng));
	pthread_condattr_t ca;
	acfs_code rc;

	*out = NULL;
	if (eng == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	eng->o = *opts;
	if ((opts->config_path && !(eng->config_path = acfs_strdup(opts->config_path))) ||
	    (opts->credentials_path &&
	     !(eng->credentials_path = acfs_strdup(opts->credentials_path))) ||
	    (opts->profile_filter && !(eng->filter = acfs_strdup(opts->profile_filter))) ||
	    (opts->mount_point && !(eng->mount = acfs_strdup(opts->mount_point)))) {
		acfs_engine_free(eng);
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&eng->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_cond_init(&eng->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (acfs_hopcache_init(&eng->cache, &eng->lock, opts->refresh_window_s,
			       wait_bound_ms(opts)) != ACFS_OK) {
		acfs_engine_free(eng);
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	}
	eng->cache.now = opts->now;
	eng->cache.mono_ms = opts->mono_ms;
	eng->cache.clock_ctx = opts->clock_ctx;
	eng->resolver.http = opts->http;
	eng->resolver.env = opts->env;
	eng->resolver.sts_timeout_ms = opts->sts_timeout_ms;
	eng->resolver.process_timeout_ms = opts->process_timeout_ms;
	eng->resolver.now = opts->now;
	eng->resolver.clock_ctx = opts->clock_ctx;
	rc = acfs_engine_reload(eng, NULL, e);
	if (rc != ACFS_OK) {
		acfs_engine_free(eng);
		return rc;
	}
	if (opts->on_change != NULL) {
		if (pthread_create(&eng->thread, NULL, notifier, eng) != 0) {
			acfs_engine_free(eng);
			return acfs_err_set(e, ACFS_E_NOMEM, "cannot start the notifier");
		}
		eng->started = 1;
	}
	*out = eng;
	return ACFS_OK;
}

void acfs_engine_free(acfs_engine *eng)
{
	size_t i;

	if (eng == NULL)
		return;
	if (eng->started) {
		pthread_mutex_lock(&eng->lock);
		eng->stop = 1;
		pthread_cond_signal(&eng->wake);
		pthread_mutex_unlock(&eng->lock);
		pthread_join(eng->thread, NULL);
	}
	for (i = 0; i < eng->n; i++)
		pstate_put(eng, eng->list[i]);
	free(eng->list);
	free(eng->queue);
	clear_hidden(eng);
	acfs_blob_unref(eng->top[0]);
	acfs_blob_unref(eng->top[1]);
	for (i = 0; i < eng->nproblems; i++)
		acfs_strfree(eng->problems[i]);
	free(eng->problems);
	if (eng->cache.buckets != NULL)
		acfs_hopcache_destroy(&eng->cache);
	pthread_cond_destroy(&eng->wake);
	pthread_mutex_destroy(&eng->lock);
	acfs_strfree(eng->config_path);
	acfs_strfree(eng->credentials_path);
	acfs_strfree(eng->filter);
	acfs_strfree(eng->mount);
	free(eng);
}

acfs_code acfs_engine_list(acfs_engine *eng, char ***names,
			   acfs_profile_id **ids, size_t *n)
{
	size_t i;

	pthread_mutex_lock(&eng->lock);
	*n = eng->n;
	*names = calloc(eng->n + 1, sizeof(**names));
	*ids = calloc(eng->n + 1, sizeof(**ids));
	if (*names == NULL || *ids == NULL)
		goto nomem;
	for (i = 0; i < eng->n; i++) {
		(*names)[i] = acfs_strdup(eng->list[i]->name);
		(*ids)[i] = eng->list[i]->id;
		if ((*names)[i] == NULL)
			goto nomem;
	}
	pthread_mutex_unlock(&eng->lock);
	return ACFS_OK;
nomem:
	pthread_mutex_unlock(&eng->lock);
	acfs_engine_list_free(*names, *ids, *n);
	*names = NULL;
	*ids = NULL;
	*n = 0;
	return ACFS_E_NOMEM;
}

void acfs_engine_list_free(char **names, acfs_profile_id *ids, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		acfs_strfree(names[i]);
	free(names);
	free(ids);
}

acfs_code acfs_engine_lookup(acfs_engine *eng, const char *name,
			     acfs_profile_id *id)
{
	pstate_t *p;

	pthread_mutex_lock(&eng->lock);
	p = find_name(eng, name);
	if (p != NULL)
		*id = p->id;
	pthread_mutex_unlock(&eng->lock);
	return p ? ACFS_OK : ACFS_E_NOTFOUND;
}

/* --- status --- */

static void add_time(struct json_object *o, const char *k, time_t t)
{
	char s[21];

	if (t == 0)
		return;
	acfs_time_iso8601(t, s);
	json_object_object_add(o, k, json_object_new_string(s));
}

static acfs_blob *json_blob(struct json_object *o)
{
	const char *s;
	acfs_blob *b;

	if (o == NULL)
		return NULL;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	b = s ? acfs_blob_new(s, strlen(s)) : NULL;
	if (b != NULL) {
		/* A trailing newline for cat. */
		acfs_blob *nb = malloc(sizeof(*nb) + b->len + 2);

		if (nb != NULL) {
			nb->refs = 1;
			nb->len = b->len + 1;
			memcpy(nb->data, b->data, b->len);
			nb->data[b->len] = '\n';
			nb->data[b->len + 1] = '\0';
		}
		acfs_blob_unref(b);
		b = nb;
	}
	json_object_put(o);
	return b;
}

static struct json_object *error_json(const char *msg, acfs_code code, time_t t)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "kind", json_object_new_string(acfs_strerror(code)));
	json_object_object_add(o, "message", json_object_new_string(msg));
	add_time(o, "time", t);
	return o;
}

static acfs_blob *render_status(acfs_engine *eng, const pstate_t *p)
{
	struct json_object *o = json_object_new_object(), *chain, *hops;
	char akid[16];
	size_t i;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "profile", json_object_new_string(p->name));
	json_object_object_add(o, "state", json_object_new_string(state_names[p->state]));
	if (p->plan == NULL) {
		json_object_object_add(o, "last_error",
				       error_json(p->plan_msg, p->plan_code, 0));
		return json_blob(o);
	}
	chain = acfs_plan_to_json(p->plan);
	if (chain != NULL && json_object_object_get_ex(chain, "hops", &hops)) {
		for (i = 0; i < p->nhops && i < json_object_array_length(hops); i++) {
			struct json_object *h = json_object_array_get_idx(hops, i);
			const acfs_hop_entry *e = p->hops[i];
			time_t now = e_now(eng);

			json_object_object_add(h, "state", json_object_new_string(
				e->in_flight ? "refreshing" :
				e->creds == NULL ? "unresolved" :
				!acfs_creds_valid(e->creds, now) ? "expired" :
				e->failures ? "stale-valid" : "fresh"));
			if (e->creds != NULL) {
				add_time(h, "expiration", e->creds->expiration);
				add_time(h, "last_refresh", e->last_refresh);
			}
			json_object_object_add(h, "calls", json_object_new_int64((int64_t)e->calls));
			if (e->error != NULL && e->failures > 0)
				json_object_object_add(h, "last_error",
					error_json(e->error, e->error_code, e->error_time));
		}
		json_object_object_add(o, "chain", json_object_get(hops));
		{
			struct json_object *v;

			if (json_object_object_get_ex(chain, "region", &v))
				json_object_object_add(o, "region", json_object_get(v));
		}
	}
	json_object_put(chain);
	{
		acfs_sts_endpoint ep;
		acfs_err ee;

		if (acfs_sts_endpoint_for_plan(p->plan, &ep, &ee) == ACFS_OK)
			json_object_object_add(o, "sts_endpoint", json_object_new_string(ep.url));
	}
	if (p->served != NULL) {
		acfs_akid_prefix(p->served->access_key_id, akid, sizeof(akid));
		json_object_object_add(o, "access_key_id", json_object_new_string(akid));
		add_time(o, "expiration", p->served->expiration);
		if (p->nhops > 0)
			add_time(o, "last_refresh", p->hops[p->nhops - 1]->last_refresh);
		if (p->served->expiration != 0 && p->nhops > 0)
			add_time(o, "next_refresh", p->served->expiration -
				 acfs_hopcache_window(&eng->cache, p->hops[p->nhops - 1]));
	}
	json_object_object_add(o, "refresh_window_seconds",
			       json_object_new_int64(eng->cache.window_s));
	if (p->error != NULL)
		json_object_object_add(o, "last_error", error_json(p->error, ACFS_E_REMOTE,
								    p->error_time));
	return json_blob(o);
}

static acfs_blob *render_top(acfs_engine *eng)
{
	struct json_object *o = json_object_new_object(), *a, *st;
	unsigned counts[5] = { 0 };
	size_t i;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "version", json_object_new_string(ACFS_VERSION));
	a = json_object_new_array();
	if (eng->config_path)
		json_object_array_add(a, json_object_new_string(eng->config_path));
	if (eng->credentials_path)
		json_object_array_add(a, json_object_new_string(eng->credentials_path));
	json_object_object_add(o, "files", a);
	for (i = 0; i < eng->n; i++)
		counts[eng->list[i]->state]++;
	st = json_object_new_object();
	json_object_object_add(st, "visible", json_object_new_int64((int64_t)eng->n));
	json_object_object_add(st, "hidden", json_object_new_int64(
		(int64_t)(eng->nhidden + eng->hidden_dropped)));
	for (i = 0; i < 5; i++)
		json_object_object_add(st, state_names[i], json_object_new_int64(counts[i]));
	json_object_object_add(o, "profiles", st);
	a = json_object_new_array();
	for (i = 0; i < eng->nhidden; i++) {
		struct json_object *h = json_object_new_object();

		json_object_object_add(h, "name", json_object_new_string(eng->hidden[i].name));
		json_object_object_add(h, "reason", json_object_new_string(eng->hidden[i].why));
		json_object_array_add(a, h);
	}
	json_object_object_add(o, "hidden_profiles", a);
	a = json_object_new_array();
	for (i = 0; i < eng->nproblems; i++)
		json_object_array_add(a, json_object_new_string(eng->problems[i]));
	json_object_object_add(o, "problems", a);
	st = json_object_new_object();
	json_object_object_add(st, "calls", json_object_new_int64((int64_t)eng->cache.sts_calls));
	json_object_object_add(st, "errors", json_object_new_int64((int64_t)eng->cache.sts_errors));
	json_object_object_add(st, "cached_hops", json_object_new_int64((int64_t)eng->cache.n));
	json_object_object_add(st, "refresh_latency_ms_avg", json_object_new_int64(
		eng->cache.latency_count ? eng->cache.latency_sum_ms /
		(long long)eng->cache.latency_count : 0));
	json_object_object_add(st, "refresh_latency_ms_max",
			       json_object_new_int64(eng->cache.latency_max_ms));
	json_object_object_add(o, "sts", st);
	json_object_object_add(o, "reloads", json_object_new_int64((int64_t)eng->reloads));
	return json_blob(o);
}

static acfs_blob *render_metrics(acfs_engine *eng)
{
	unsigned counts[5] = { 0 };
	char buf[4096];
	size_t i;
	int n;

	for (i = 0; i < eng->n; i++)
		counts[eng->list[i]->state]++;
	n = snprintf(buf, sizeof(buf),
		"# HELP awscredsfs_sts_calls_total STS calls made.\n"
		"# TYPE awscredsfs_sts_calls_total counter\n"
		"awscredsfs_sts_calls_total %lu\n"
		"# HELP awscredsfs_refresh_errors_total Failed hop refreshes.\n"
		"# TYPE awscredsfs_refresh_errors_total counter\n"
		"awscredsfs_refresh_errors_total %lu\n"
		"# HELP awscredsfs_refresh_seconds Time spent in STS calls.\n"
		"# TYPE awscredsfs_refresh_seconds summary\n"
		"awscredsfs_refresh_seconds_sum %.3f\n"
		"awscredsfs_refresh_seconds_count %lu\n"
		"# HELP awscredsfs_profiles Profiles by state.\n"
		"# TYPE awscredsfs_profiles gauge\n"
		"awscredsfs_profiles{state=\"unresolved\"} %u\n"
		"awscredsfs_profiles{state=\"fresh\"} %u\n"
		"awscredsfs_profiles{state=\"refreshing\"} %u\n"
		"awscredsfs_profiles{state=\"stale-valid\"} %u\n"
		"awscredsfs_profiles{state=\"error\"} %u\n"
		"awscredsfs_profiles_hidden %zu\n"
		"awscredsfs_cached_hops %zu\n"
		"awscredsfs_config_problems %zu\n",
		eng->cache.sts_calls, eng->cache.sts_errors,
		(double)eng->cache.latency_sum_ms / 1000.0, eng->cache.latency_count,
		counts[0], counts[1], counts[2], counts[3], counts[4],
		eng->nhidden + eng->hidden_dropped, eng->cache.n,
		eng->nproblems);
	return acfs_blob_new(buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : 0);
}

acfs_code acfs_engine_top_status(acfs_engine *eng, int prometheus,
				 acfs_blob **out, acfs_err *e)
{
	int k = prometheus ? 1 : 0;

	pthread_mutex_lock(&eng->lock);
	if (eng->top[k] == NULL)
		eng->top[k] = k ? render_metrics(eng) : render_top(eng);
	*out = acfs_blob_ref(eng->top[k]);
	pthread_mutex_unlock(&eng->lock);
	return *out ? ACFS_OK : acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
}

/* --- content --- */

/* Renders the credential files of p from c (lock held). */
static acfs_code render_creds(acfs_engine *eng, pstate_t *p, acfs_creds *c)
{
	acfs_blob *nb[ACFS_FILE__COUNT] = { NULL };
	acfs_buf b;
	int k;

	if (acfs_render_credentials(p->name, c, &b) != ACFS_OK ||
	    !(nb[ACFS_FILE_CREDENTIALS] = blob_from(&b)) ||
	    acfs_render_expiration(c, &b) != ACFS_OK ||
	    !(nb[ACFS_FILE_EXPIRATION] = blob_from(&b)) ||
	    acfs_creds_process_json(c, &b) != ACFS_OK ||
	    !(nb[ACFS_FILE_PROCESS_JSON] = blob_from(&b)) ||
	    acfs_render_env(p->plan, c, &b) != ACFS_OK ||
	    !(nb[ACFS_FILE_ENV] = blob_from(&b))) {
		for (k = 0; k < ACFS_FILE__COUNT; k++)
			acfs_blob_unref(nb[k]);
		return ACFS_E_NOMEM;
	}
	for (k = 0; k < ACFS_FILE__COUNT; k++)
		if (CRED_MASK & (1u << k)) {
			acfs_blob_unref(p->blobs[k]);
			p->blobs[k] = nb[k];
		}
	acfs_creds_unref(p->served);
	p->served = acfs_creds_ref(c);
	(void)eng;
	return ACFS_OK;
}

static void schedule(acfs_engine *eng, pstate_t *p, int stale)
{
	const acfs_hop_entry *top = p->nhops ? p->hops[p->nhops - 1] : NULL;
	time_t t = 0;

	if (p->served == NULL || p->served->expiration == 0 || top == NULL)
		t = 0;
	else if (stale && top->backoff_until != 0 &&
		 top->backoff_until < p->served->expiration)
		t = top->backoff_until;
	else if (stale)
		t = p->served->expiration;
	else
		t = p->served->expiration - acfs_hopcache_window(&eng->cache, top);
	if (t != 0 && t <= e_now(eng))
		t = p->served->expiration;
	p->next_notify = t;
	pthread_cond_signal(&eng->wake);
}

acfs_code acfs_engine_content(acfs_engine *eng, acfs_profile_id id,
			      acfs_file_kind k, acfs_blob **out, acfs_err *e)
{
	acfs_creds *c = NULL;
	acfs_code rc = ACFS_OK;
	acfs_err err;
	pstate_t *p;
	int stale = 0;

	*out = NULL;
	if ((unsigned)k >= ACFS_FILE__COUNT)
		return acfs_err_set(e, ACFS_E_BADARG, "no such file");
	pthread_mutex_lock(&eng->lock);
	p = find_id(eng, id);
	if (p == NULL) {
		pthread_mutex_unlock(&eng->lock);
		return acfs_err_set(e, ACFS_E_NOTFOUND, "no such profile");
	}
	if (k == ACFS_FILE_STATUS) {
		if (p->blobs[k] == NULL)
			p->blobs[k] = render_status(eng, p);
		goto give;
	}
	if (k == ACFS_FILE_CONFIG) {
		if (p->blobs[k] == NULL) {
			char dir[4096];
			acfs_buf b;

			snprintf(dir, sizeof(dir), "%s/%s", eng->mount ? eng->mount : ".",
				 p->name);
			if (acfs_render_config(p->plan, eng->mount ? dir : NULL, &b) == ACFS_OK)
				p->blobs[k] = blob_from(&b);
		}
		goto give;
	}
	if (p->plan == NULL) {
		rc = acfs_err_set(e, p->plan_code, "%s", p->plan_msg);
		goto out;
	}
	/* Fast path: what we served is still fresh. */
	if (p->blobs[k] != NULL && p->served != NULL && p->nhops > 0 &&
	    p->served == p->hops[p->nhops - 1]->creds &&
	    !acfs_hopcache_needs_refresh(&eng->cache, p->hops[p->nhops - 1],
					 e_now(eng)))
		goto give;
	p->refs++;
	if (p->served != NULL && acfs_creds_valid(p->served, e_now(eng))) {
		p->state = ST_REFRESHING;
		status_changed(eng, p, 0);
	}
	acfs_err_clear(&err);
	rc = acfs_hopcache_get(&eng->cache, &eng->resolver, p->plan, p->hops,
			       p->nhops - 1, &c, &stale, &err);
	if (p->dead) {
		acfs_creds_unref(c);
		pstate_put(eng, p);
		rc = acfs_err_set(e, ACFS_E_NOTFOUND, "the profile was removed");
		goto out_unlocked_p;
	}
	if (rc != ACFS_OK) {
		char *m = acfs_strdup(err.msg);

		acfs_strfree(p->error);
		p->error = m;
		p->error_time = e_now(eng);
		p->state = ST_ERROR;
		/* Never serve expired content from the kernel's copy. */
		drop_blobs(p, CRED_MASK);
		acfs_creds_unref(p->served);
		p->served = NULL;
		p->next_notify = 0;
		status_changed(eng, p, CRED_MASK);
		acfs_err_set(e, err.code, "%s", err.msg);
		pstate_put(eng, p);
		goto out;
	}
	if (c != p->served || p->blobs[k] == NULL) {
		if (render_creds(eng, p, c) != ACFS_OK) {
			acfs_creds_unref(c);
			pstate_put(eng, p);
			rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
			goto out;
		}
		notify(eng, p->id, CRED_MASK);
	}
	acfs_creds_unref(c);
	p->state = stale ? ST_STALE : ST_FRESH;
	if (stale) {
		const acfs_hop_entry *h = NULL;
		size_t i;

		for (i = 0; i < p->nhops; i++)
			if (p->hops[i]->failures > 0 && p->hops[i]->error)
				h = p->hops[i];
		if (h != NULL) {
			char *m = acfs_strdup(h->error);

			acfs_strfree(p->error);
			p->error = m;
			p->error_time = h->error_time;
		}
	} else {
		acfs_strfree(p->error);
		p->error = NULL;
	}
	p->last_served = e_now(eng);
	schedule(eng, p, stale);
	status_changed(eng, p, 0);
	pstate_put(eng, p);
give:
	*out = acfs_blob_ref(p->blobs[k]);
	if (*out == NULL)
		rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
out:
	pthread_mutex_unlock(&eng->lock);
	return rc;
out_unlocked_p:
	pthread_mutex_unlock(&eng->lock);
	return rc;
}
