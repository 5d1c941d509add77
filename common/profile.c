/* profile.c - the merged profile set: sections in first-seen order, a hash
 * index per section kind, and the problems found while reading. */
#include "profile.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

typedef struct {
	acfs_section **order;  /* first-seen order */
	size_t n, cap;
	acfs_section **buckets;
	size_t nbuckets;       /* power of two */
} section_table;

struct acfs_profiles {
	section_table tables[ACFS_SECTION__COUNT];
	char *paths[2];
	acfs_problem problems[ACFS_MAX_PROBLEMS];
	size_t nproblems;
	size_t dropped;
};

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

acfs_profiles *acfs_profiles_new(void)
{
	return calloc(1, sizeof(acfs_profiles));
}

acfs_section *acfs_section_new(acfs_section_kind kind, const char *name)
{
	acfs_section *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->name = acfs_strdup(name);
	if (s->name == NULL) {
		free(s);
		return NULL;
	}
	s->kind = kind;
	return s;
}

void acfs_section_free(acfs_section *s)
{
	size_t i;

	if (s == NULL)
		return;

	for (i = 0; i < s->nprops; i++) {
		acfs_strfree(s->props[i].key);
		acfs_strfree(s->props[i].value);
	}
	free(s->props);
	acfs_strfree(s->taint);
	acfs_strfree(s->name);
	free(s);
}

void acfs_profiles_free(acfs_profiles *set)
{
	size_t k, i;

	if (set == NULL)
		return;
	for (k = 0; k < ACFS_SECTION__COUNT; k++) {
		section_table *t = &set->tables[k];

		for (i = 0; i < t->n; i++)
			acfs_section_free(t->order[i]);
		free(t->order);
		free(t->buckets);
	}
	for (i = 0; i < set->nproblems; i++) {
		acfs_strfree(set->problems[i].profile);
		acfs_strfree(set->problems[i].message);
	}
	acfs_strfree(set->paths[0]);
	acfs_strfree(set->paths[1]);
	free(set);
}

const char *acfs_profiles_path(const acfs_profiles *set, acfs_src src)
{
	return set->paths[src == ACFS_SRC_CREDENTIALS];
}

acfs_code acfs_profiles_set_path(acfs_profiles *set, acfs_src src,
				 const char *path)
{
	char *p = path ? acfs_strdup(path) : NULL;

	if (path != NULL && p == NULL)
		return ACFS_E_NOMEM;
	acfs_strfree(set->paths[src == ACFS_SRC_CREDENTIALS]);
	set->paths[src == ACFS_SRC_CREDENTIALS] = p;
	return ACFS_OK;
}

static acfs_section *table_find(const section_table *t, const char *name,
				uint64_t h)
{
	acfs_section *s;

	if (t->nbuckets == 0)
		return NULL;
	for (s = t->buckets[h & (t->nbuckets - 1)]; s != NULL; s = s->hnext)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static acfs_code table_grow(section_table *t)
{
	size_t nb = t->nbuckets ? t->nbuckets * 2 : 64, i;
	acfs_section **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return ACFS_E_NOMEM;
	for (i = 0; i < t->n; i++) {
		acfs_section *s = t->order[i];
		size_t idx = hash_name(s->name) & (nb - 1);

		s->hnext = b[idx];
		b[idx] = s;
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
	return ACFS_OK;
}

const acfs_section *acfs_profiles_get(const acfs_profiles *set,
				      acfs_section_kind kind, const char *name)
{
	if (set == NULL || name == NULL || (unsigned)kind >= ACFS_SECTION__COUNT)
		return NULL;
	return table_find(&set->tables[kind], name, hash_name(name));
}

size_t acfs_profiles_count(const acfs_profiles *set, acfs_section_kind kind)
{
	return set->tables[kind].n;
}

const acfs_section *acfs_profiles_at(const acfs_profiles *set,
				     acfs_section_kind kind, size_t i)
{
	const section_table *t = &set->tables[kind];

	return i < t->n ? t->order[i] : NULL;
}

acfs_section *acfs_profiles_section(acfs_profiles *set, acfs_section_kind kind,
				    const char *name)
{
	section_table *t = &set->tables[kind];
	uint64_t h = hash_name(name);
	acfs_section *s = table_find(t, name, h);
	size_t idx;

	if (s != NULL)
		return s;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		acfs_section **no = realloc(t->order, ncap * sizeof(*no));

		if (no == NULL)
			return NULL;
		t->order = no;
		t->cap = ncap;
	}
	if ((t->n + 1) * 4 > t->nbuckets * 3 && table_grow(t) != ACFS_OK)
		return NULL;
	s = acfs_section_new(kind, name);
	if (s == NULL)
		return NULL;
	idx = h & (t->nbuckets - 1);
	s->hnext = t->buckets[idx];
	t->buckets[idx] = s;
	t->order[t->n++] = s;
	return s;
}

const acfs_prop *acfs_section_prop(const acfs_section *s, const char *key)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->nprops; i++)
		if (strcasecmp(s->props[i].key, key) == 0)
			return &s->props[i];
	return NULL;
}

const char *acfs_section_get(const acfs_section *s, const char *key)
{
	const acfs_prop *p = acfs_section_prop(s, key);

	return p ? p->value : NULL;
}

acfs_code acfs_section_set(acfs_section *s, const char *key, size_t klen,
			   const char *value, size_t vlen, acfs_src src,
			   unsigned line, size_t *idx)
{
	char *k, *v;
	size_t i;

	k = acfs_strndup(key, klen);
	v = acfs_strndup(value, vlen);
	if (k == NULL || v == NULL) {
		acfs_strfree(k);
		acfs_strfree(v);
		return ACFS_E_NOMEM;
	}
	for (i = 0; i < klen; i++)
		k[i] = (char)tolower((unsigned char)k[i]);
	for (i = 0; i < s->nprops; i++) {
		if (strcmp(s->props[i].key, k) == 0) {
			acfs_strfree(k);
			acfs_strfree(s->props[i].value);
			s->props[i].value = v;
			s->props[i].line = line;
			s->props[i].src = src;
			if (idx != NULL)
				*idx = i;
			return ACFS_OK;
		}
	}
	if (s->nprops == s->capprops) {
		size_t ncap = s->capprops ? s->capprops * 2 : 4;
		acfs_prop *np = realloc(s->props, ncap * sizeof(*np));

		if (np == NULL) {
			acfs_strfree(k);
			acfs_strfree(v);
			return ACFS_E_NOMEM;
		}
		s->props = np;
		s->capprops = ncap;
	}
	s->props[s->nprops].key = k;
	s->props[s->nprops].value = v;
	s->props[s->nprops].line = line;
	s->props[s->nprops].src = src;
	if (idx != NULL)
		*idx = s->nprops;
	s->nprops++;
	return ACFS_OK;
}

acfs_code acfs_prop_append(acfs_prop *p, const char *text, size_t len)
{
	size_t old = strlen(p->value);
	char *nv = malloc(old + 1 + len + 1);

	if (nv == NULL)
		return ACFS_E_NOMEM;
	memcpy(nv, p->value, old);
	nv[old] = '\n';
	memcpy(nv + old + 1, text, len);
	nv[old + 1 + len] = '\0';
	acfs_strfree(p->value);
	p->value = nv;
	return ACFS_OK;
}

acfs_code acfs_section_merge(acfs_section *to, const acfs_section *from)
{
	size_t i;
	acfs_code rc;

	for (i = 0; i < from->nprops; i++) {
		const acfs_prop *p = &from->props[i];

		rc = acfs_section_set(to, p->key, strlen(p->key), p->value,
				      strlen(p->value), p->src, p->line, NULL);
		if (rc != ACFS_OK)
			return rc;
	}
	if (from->taint != NULL)
		return acfs_section_taint(to, from->taint);
	return ACFS_OK;
}

acfs_code acfs_section_taint(acfs_section *s, const char *message)
{
	if (s->taint != NULL)
		return ACFS_OK;
	s->taint = acfs_strdup(message);
	return s->taint ? ACFS_OK : ACFS_E_NOMEM;
}

acfs_code acfs_profiles_add_problem(acfs_profiles *set, acfs_src src,
				    unsigned line, const char *profile,
				    const char *message)
{
	acfs_problem *p;

	if (set->nproblems == ACFS_MAX_PROBLEMS) {
		set->dropped++;
		return ACFS_OK;
	}
	p = &set->problems[set->nproblems];
	p->src = src;
	p->line = line;
	p->profile = profile ? acfs_strdup(profile) : NULL;
	p->message = acfs_strdup(message);
	if (p->message == NULL || (profile != NULL && p->profile == NULL)) {
		acfs_strfree(p->profile);
		acfs_strfree(p->message);
		return ACFS_E_NOMEM;
	}
	set->nproblems++;
	return ACFS_OK;
}

size_t acfs_profiles_nproblems(const acfs_profiles *set)
{
	return set->nproblems;
}

const acfs_problem *acfs_profiles_problem(const acfs_profiles *set, size_t i)
{
	return i < set->nproblems ? &set->problems[i] : NULL;
}

size_t acfs_profiles_problems_dropped(const acfs_profiles *set)
{
	return set->dropped;
}

int acfs_subprop_get(const char *raw, const char *key, char *out,
		     size_t outsz)
{
	const char *line = raw, *end, *eq, *ks, *ke, *vs, *ve;
	size_t klen = strlen(key);

	while (line != NULL && *line != '\0') {
		if (*line == '\n') {
			line++;
			continue;
		}
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		eq = memchr(line, '=', (size_t)(end - line));
		if (eq != NULL) {
			ks = line;
			ke = eq;
			while (ks < ke && isspace((unsigned char)*ks))
				ks++;
			while (ke > ks && isspace((unsigned char)ke[-1]))
				ke--;
			if ((size_t)(ke - ks) == klen &&
			    strncasecmp(ks, key, klen) == 0) {
				vs = eq + 1;
				ve = end;
				while (vs < ve && isspace((unsigned char)*vs))
					vs++;
				while (ve > vs && isspace((unsigned char)ve[-1]))
					ve--;
				if ((size_t)(ve - vs) >= outsz)
					return 0;
				memcpy(out, vs, (size_t)(ve - vs));
				out[ve - vs] = '\0';
				return 1;
			}
		}
		line = *end ? end + 1 : end;
	}
	return 0;
}

int acfs_profile_name_dir_ok(const char *name, const char **why)
{
	const char *w = NULL;

	if (name[0] == '\0')
		w = "is empty";
	else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		w = "is '.' or '..'";
	else if (strchr(name, '/') != NULL)
		w = "contains '/'";
	else if (strlen(name) > ACFS_PROFILE_NAME_MAX)
		w = "is longer than 255 bytes";
	if (why != NULL)
		*why = w;
	return w == NULL;
}
