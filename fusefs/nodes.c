/* nodes.c - a hash table of the inodes the kernel holds. */
#include "nodes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
	uint64_t ino;
	uint64_t nlookup;
	char *name;              /* profile directories */
	acfs_blob *cached;       /* files: the installed blob, or NULL */
	int confirmed;           /* its installing open has completed */
	uint64_t hash;           /* files: of the content last reported */
	struct timespec mtime;   /* when that content was first seen */
	struct node *next;
} node;

struct acfs_nodes {
	pthread_mutex_t lock;
	node **buckets;
	size_t nbuckets, n;
	struct timespec start;
};

static uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *s++;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;   /* 0 means "no content seen yet" */
}

static size_t bucket(const acfs_nodes *t, uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 17) & (t->nbuckets - 1);
}

static node *find(const acfs_nodes *t, uint64_t ino)
{
	node *n;

	for (n = t->buckets[bucket(t, ino)]; n != NULL; n = n->next)
		if (n->ino == ino)
			return n;
	return NULL;
}

static void grow(acfs_nodes *t)
{
	size_t nb = t->nbuckets * 2, oldn = t->nbuckets, i;
	node **b = calloc(nb, sizeof(*b)), **old = t->buckets;

	if (b == NULL)
		return;   /* longer chains; still correct */
	t->buckets = b;
	t->nbuckets = nb;
	for (i = 0; i < oldn; i++) {
		node *n = old[i], *next;

		for (; n != NULL; n = next) {
			size_t h = bucket(t, n->ino);

			next = n->next;
			n->next = b[h];
			b[h] = n;
		}
	}
	free(old);
}

static node *find_or_add(acfs_nodes *t, uint64_t ino)
{
	node *n = find(t, ino);
	size_t h;

	if (n != NULL)
		return n;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->ino = ino;
	clock_gettime(CLOCK_REALTIME, &n->mtime);
	if (t->n >= t->nbuckets * 2)
		grow(t);
	h = bucket(t, ino);
	n->next = t->buckets[h];
	t->buckets[h] = n;
	t->n++;
	return n;
}

static void node_free(node *n)
{
	if (n == NULL)
		return;
	acfs_blob_unref(n->cached);
	free(n->name);
	free(n);
}

acfs_nodes *acfs_nodes_new(const struct timespec *start)
{
	acfs_nodes *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		return NULL;
	}
	t->start = *start;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void acfs_nodes_free(acfs_nodes *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++) {
		node *n = t->buckets[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			node_free(n);
		}
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void acfs_nodes_remember(acfs_nodes *t, uint64_t ino, const char *name)
{
	node *n;

	pthread_mutex_lock(&t->lock);
	n = find_or_add(t, ino);
	if (n != NULL) {
		n->nlookup++;
		if (name != NULL && n->name == NULL)
			n->name = strdup(name);
	}
	pthread_mutex_unlock(&t->lock);
}

void acfs_nodes_forget(acfs_nodes *t, uint64_t ino, uint64_t count)
{
	node *n, **pp, *dead = NULL;

	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n != NULL) {
		n->nlookup -= count < n->nlookup ? count : n->nlookup;
		if (n->nlookup == 0) {
			for (pp = &t->buckets[bucket(t, ino)]; *pp != n;)
				pp = &(*pp)->next;
			*pp = n->next;
			t->n--;
			dead = n;
		}
	}
	pthread_mutex_unlock(&t->lock);
	node_free(dead);   /* may wipe a blob: outside the lock */
}

char *acfs_nodes_name(acfs_nodes *t, uint64_t ino)
{
	char *s = NULL;
	node *n;

	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n != NULL && n->name != NULL)
		s = strdup(n->name);
	pthread_mutex_unlock(&t->lock);
	return s;
}

size_t acfs_nodes_names(acfs_nodes *t, char ***names, uint64_t **inos)
{
	size_t i, k = 0;
	node *n;

	pthread_mutex_lock(&t->lock);
	*names = t->n ? calloc(t->n, sizeof(**names)) : NULL;
	*inos = t->n ? calloc(t->n, sizeof(**inos)) : NULL;
	if (*names != NULL && *inos != NULL)
		for (i = 0; i < t->nbuckets; i++)
			for (n = t->buckets[i]; n != NULL; n = n->next)
				if (n->name != NULL && k < t->n &&
				    ((*names)[k] = strdup(n->name)) != NULL)
					(*inos)[k++] = n->ino;
	pthread_mutex_unlock(&t->lock);
	return k;
}

int acfs_nodes_reported(acfs_nodes *t, uint64_t ino, const acfs_blob *b,
			struct timespec *mtime)
{
	uint64_t h = fnv1a(b->data, b->len);
	acfs_blob *old = NULL;
	int current = 0;
	node *n;

	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	*mtime = t->start;
	if (n != NULL) {
		current = n->cached == b;
		if (!current) {
			old = n->cached;
			n->cached = NULL;
		}
		if (n->hash != h) {
			if (n->hash != 0)
				clock_gettime(CLOCK_REALTIME, &n->mtime);
			n->hash = h;
		}
		*mtime = n->mtime;
	}
	pthread_mutex_unlock(&t->lock);
	acfs_blob_unref(old);
	return current;
}

int acfs_nodes_open(acfs_nodes *t, uint64_t ino, acfs_blob *b, int *fresh)
{
	acfs_blob *old = NULL;
	int keep = 0;
	node *n;

	*fresh = 1;
	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n != NULL) {
		*fresh = n->cached != b;
		keep = !*fresh && n->confirmed;
		if (*fresh) {
			old = n->cached;
			n->cached = acfs_blob_ref(b);
			n->confirmed = 0;
		}
	}
	pthread_mutex_unlock(&t->lock);
	acfs_blob_unref(old);
	return keep;
}

void acfs_nodes_used(acfs_nodes *t, uint64_t ino, const acfs_blob *b,
		     int dropped)
{
	node *n;

	if (!dropped)
		return;
	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n != NULL && n->cached == b)
		n->confirmed = 1;
	pthread_mutex_unlock(&t->lock);
}

void acfs_nodes_filled(acfs_nodes *t, uint64_t ino, const acfs_blob *b)
{
	acfs_blob *old = NULL;
	node *n;

	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n != NULL && n->cached != b) {
		old = n->cached;
		n->cached = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	acfs_blob_unref(old);
}

void acfs_nodes_changed(acfs_nodes *t, uint64_t ino)
{
	acfs_blob *old = NULL;
	node *n;

	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n != NULL) {
		old = n->cached;
		n->cached = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	acfs_blob_unref(old);
}
