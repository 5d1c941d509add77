/* env.h - an injectable view of the process environment.
 *
 * The planner and the file locator never call getenv() directly; they ask an
 * acfs_env, so tests (and the conformance runners) can supply exactly the
 * variables a case names and nothing from the real environment.
 */
#ifndef ACFS_ENV_H
#define ACFS_ENV_H

typedef struct acfs_env {
	/* Returns the value of name, or NULL when unset.  The result is
	 * borrowed and stays valid while the env does. */
	const char *(*get)(void *ctx, const char *name);
	void *ctx;
} acfs_env;

/* The real process environment. */
const acfs_env *acfs_env_process(void);

/* A fixed table of name/value pairs: pairs[0]=name, pairs[1]=value, ...,
 * terminated by a NULL name.  The table is borrowed. */
typedef struct {
	const char *const *pairs;
} acfs_env_table;

void acfs_env_from_table(acfs_env *env, acfs_env_table *tab);

/* Convenience: env->get(env->ctx, name), with NULL env meaning "empty",
 * and an empty value treated as unset (as the SDKs do). */
const char *acfs_env_get(const acfs_env *env, const char *name);

#endif
