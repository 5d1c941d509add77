/* profile.h - the merged set of profiles, sso-sessions and services
 * sections read from the AWS config and credentials files.
 *
 * Property keys are stored lower-cased (they are case-insensitive, as in the
 * cross-SDK parser tests).  Every property remembers which file and line set
 * it, so later errors can point at it.  All values are wiped when the set is
 * freed: any of them may be a secret.
 */
#ifndef ACFS_PROFILE_H
#define ACFS_PROFILE_H

#include <stddef.h>

#include "error.h"

/* Which file a property or section came from. */
typedef enum {
	ACFS_SRC_CONFIG = 0,
	ACFS_SRC_CREDENTIALS = 1,
} acfs_src;

typedef enum {
	ACFS_SECTION_PROFILE = 0,
	ACFS_SECTION_SSO_SESSION,
	ACFS_SECTION_SERVICES,
	ACFS_SECTION__COUNT
} acfs_section_kind;

typedef struct {
	char *key;          /* lower-cased */
	char *value;        /* raw; sub-properties are "\nk = v\nk2 = v2" */
	unsigned line;      /* 1-based line in its file */
	acfs_src src;
} acfs_prop;

/* A problem found while reading the files: a syntax error, an oversized
 * line, a NUL byte.  The rest of the file is still read. */
typedef struct {
	acfs_src src;
	unsigned line;      /* 0 when the problem is the whole file */
	char *profile;      /* section the line belonged to, or NULL */
	char *message;      /* "config line 3: ..." style, names the path */
} acfs_problem;

typedef struct acfs_section {
	char *name;
	acfs_section_kind kind;
	acfs_prop *props;
	size_t nprops, capprops;
	/* First problem that lost part of this section (a bad line inside
	 * it), or NULL.  A tainted profile cannot be planned. */
	char *taint;
	struct acfs_section *hnext; /* hash chain */
} acfs_section;

typedef struct acfs_profiles acfs_profiles;

#define ACFS_PROFILE_NAME_MAX 255   /* longest name a directory can have */
#define ACFS_MAX_PROBLEMS 64        /* problems kept; more are only counted */

acfs_profiles *acfs_profiles_new(void);
void acfs_profiles_free(acfs_profiles *set);

/* Paths of the files the set was read from (borrowed; NULL if none). */
const char *acfs_profiles_path(const acfs_profiles *set, acfs_src src);
/* Records the path used in messages for src (copied). */
acfs_code acfs_profiles_set_path(acfs_profiles *set, acfs_src src,
				 const char *path);

/* Lookup by exact name; NULL when absent. */
const acfs_section *acfs_profiles_get(const acfs_profiles *set,
				      acfs_section_kind kind, const char *name);
/* Number of sections of a kind, and the i-th in first-seen order. */
size_t acfs_profiles_count(const acfs_profiles *set, acfs_section_kind kind);
const acfs_section *acfs_profiles_at(const acfs_profiles *set,
				     acfs_section_kind kind, size_t i);

/* Property lookup, case-insensitive on key; NULL when absent. */
const acfs_prop *acfs_section_prop(const acfs_section *s, const char *key);
const char *acfs_section_get(const acfs_section *s, const char *key);

/* Looks up key inside a sub-property value ("\nk = v\n..."), copying the
 * value into out (at most outsz bytes).  Returns 1 when found. */
int acfs_subprop_get(const char *raw, const char *key, char *out,
		     size_t outsz);

/* Problems recorded while reading. */
size_t acfs_profiles_nproblems(const acfs_profiles *set);
const acfs_problem *acfs_profiles_problem(const acfs_profiles *set, size_t i);
/* Problems found beyond ACFS_MAX_PROBLEMS, counted but not kept. */
size_t acfs_profiles_problems_dropped(const acfs_profiles *set);

/* Whether name can be a directory under the mount.  On 0, *why says why
 * ("contains '/'", "is '.' or '..'", "longer than 255 bytes"). */
int acfs_profile_name_dir_ok(const char *name, const char **why);

/* --- building the set (used by the INI reader and by tests) --- */

/* A section outside any set (the reader keeps a config file's bare
 * [default] apart until it knows whether [profile default] exists). */
acfs_section *acfs_section_new(acfs_section_kind kind, const char *name);
void acfs_section_free(acfs_section *s);

/* Finds or creates a section.  Returns NULL on allocation failure. */
acfs_section *acfs_profiles_section(acfs_profiles *set, acfs_section_kind kind,
				    const char *name);
/* Sets key (lower-cased here) = value on s, replacing any older value.
 * When idx is non-NULL it receives the property's index in s->props. */
acfs_code acfs_section_set(acfs_section *s, const char *key, size_t klen,
			   const char *value, size_t vlen, acfs_src src,
			   unsigned line, size_t *idx);
/* Appends "\n" + text to the value of the property. */
acfs_code acfs_prop_append(acfs_prop *p, const char *text, size_t len);
/* Merges every property of from into to (later wins). */
acfs_code acfs_section_merge(acfs_section *to, const acfs_section *from);
/* Marks s as having lost part of its content; keeps the first message. */
acfs_code acfs_section_taint(acfs_section *s, const char *message);
/* Records a problem (message copied).  profile may be NULL. */
acfs_code acfs_profiles_add_problem(acfs_profiles *set, acfs_src src,
				    unsigned line, const char *profile,
				    const char *message);

#endif
