/* env.c - process and table-backed environments. */
#include "env.h"

#include <stdlib.h>
#include <string.h>

static const char *process_get(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static const acfs_env process_env = { process_get, NULL };

const acfs_env *acfs_env_process(void)
{
	return &process_env;
}

static const char *table_get(void *ctx, const char *name)
{
	const acfs_env_table *t = ctx;
	const char *const *p;

	for (p = t->pairs; p != NULL && p[0] != NULL; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

void acfs_env_from_table(acfs_env *env, acfs_env_table *tab)
{
	env->get = table_get;
	env->ctx = tab;
}

const char *acfs_env_get(const acfs_env *env, const char *name)
{
	const char *v;

	if (env == NULL || env->get == NULL)
		return NULL;
	v = env->get(env->ctx, name);
	if (v == NULL || v[0] == '\0')
		return NULL;
	return v;
}
