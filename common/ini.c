/* ini.c - AWS config/credentials file reader with per-line recovery. */
#include "ini.h"

#include <stdio.h>
#include <string.h>

#include "secret.h"

typedef enum {
	ST_START,     /* before any section header */
	ST_SECTION,   /* inside a section (maybe one we ignore) */
} state_kind;

typedef struct {
	acfs_profiles *set;
	acfs_src src;
	state_kind st;
	acfs_section *sec;     /* NULL: an ignored section */
	char *sec_label;       /* name for messages, even when ignored */
	int have_prop;         /* a property is open for continuations */
	size_t prop_idx;       /* its index in sec->props (when sec) */
	int prop_is_sub;       /* its value started empty: sub-properties */
	acfs_section *bare_default;   /* [default] of a config file */
	int saw_profile_default;
	int problems;
	unsigned line;
} reader;

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_ws(**s))
		(*s)++;
	while (*e > *s && is_ws((*e)[-1]))
		(*e)--;
}

int acfs_ini_identifier_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (strchr("-/.%@_:+", c) == NULL || c == '\0')
			return 0;
	}
	return 1;
}

static const char *src_label(const reader *r)
{
	const char *p = acfs_profiles_path(r->set, r->src);

	if (p != NULL)
		return p;
	return r->src == ACFS_SRC_CONFIG ? "config file" : "credentials file";
}

/* Records a problem at the current line; taints the current section. */
static acfs_code problem(reader *r, const char *what)
{
	char msg[ACFS_ERR_MSG_MAX];
	acfs_code rc;

	r->problems++;
	if (r->sec_label != NULL)
		snprintf(msg, sizeof(msg), "%s line %u (in [%s]): %s",
			 src_label(r), r->line, r->sec_label, what);
	else
		snprintf(msg, sizeof(msg), "%s line %u: %s", src_label(r),
			 r->line, what);
	rc = acfs_profiles_add_problem(r->set, r->src, r->line,
				       r->sec ? r->sec->name : NULL, msg);
	if (rc == ACFS_OK && r->sec != NULL)
		rc = acfs_section_taint(r->sec, msg);
	r->have_prop = 0;
	return rc;
}

static acfs_code set_label(reader *r, const char *s, size_t n)
{
	char *l = acfs_strndup(s, n);

	if (l == NULL)
		return ACFS_E_NOMEM;
	acfs_strfree(r->sec_label);
	r->sec_label = l;
	return ACFS_OK;
}

/* Decides which section a header names, following the SDK normalisation:
 * the header text is split at its first white space into prefix and name. */
static acfs_code header(reader *r, const char *s, const char *e)
{
	const char *cut, *ns, *ne, *ps, *pe, *close;
	char name[ACFS_PROFILE_NAME_MAX + 1];
	acfs_section_kind kind = ACFS_SECTION_PROFILE;
	int bare_default = 0, ignore = 0;
	size_t n;
	acfs_code rc;

	r->st = ST_SECTION;
	r->sec = NULL;
	r->have_prop = 0;
	/* Comments may follow a header directly: "[profile a]; note". */
	for (cut = s; cut < e && *cut != '#' && *cut != ';'; cut++)
		;
	e = cut;
	trim(&s, &e);
	close = (e > s && e[-1] == ']') ? e - 1 : NULL;
	ns = s + 1;
	ne = close ? close : e;
	trim(&ns, &ne);
	rc = set_label(r, ns, (size_t)(ne - ns));
	if (rc != ACFS_OK)
		return rc;
	/* Split at the first white space. */
	ps = ns;
	for (pe = ns; pe < ne && !is_ws(*pe); pe++)
		;
	if (pe < ne) {
		const char *ss = pe, *se = ne;

		trim(&ss, &se);
		if (r->src == ACFS_SRC_CREDENTIALS) {
			ignore = 1;
		} else if ((size_t)(pe - ps) == 7 && memcmp(ps, "profile", 7) == 0) {
			kind = ACFS_SECTION_PROFILE;
			if ((size_t)(se - ss) == 7 && memcmp(ss, "default", 7) == 0)
				r->saw_profile_default = 1;
		} else if ((size_t)(pe - ps) == 11 &&
			   memcmp(ps, "sso-session", 11) == 0) {
			kind = ACFS_SECTION_SSO_SESSION;
		} else if ((size_t)(pe - ps) == 8 &&
			   memcmp(ps, "services", 8) == 0) {
			kind = ACFS_SECTION_SERVICES;
		} else {
			ignore = 1;
		}
		ns = ss;
		ne = se;
	} else if (r->src == ACFS_SRC_CONFIG) {
		if ((size_t)(ne - ns) == 7 && memcmp(ns, "default", 7) == 0)
			bare_default = 1;
		else
			ignore = 1;   /* [foo] in config is not a profile */
	}
	n = (size_t)(ne - ns);
	if (!ignore && !acfs_ini_identifier_ok(ns, n))
		ignore = 1;   /* the SDKs skip invalid names silently */
	if (!ignore && n > ACFS_PROFILE_NAME_MAX)
		ignore = 1;   /* cannot be a name; reported below */
	if (!ignore) {
		memcpy(name, ns, n);
		name[n] = '\0';
		if (bare_default) {
			if (r->bare_default == NULL) {
				r->bare_default = acfs_section_new(
					ACFS_SECTION_PROFILE, "default");
			}
			r->sec = r->bare_default;
		} else {
			r->sec = acfs_profiles_section(r->set, kind, name);
		}
		if (r->sec == NULL)
			return ACFS_E_NOMEM;
	}
	if (close == NULL)
		return problem(r, "section header must end with ']' "
			       "(Profile definition must end with ']')");
	if (n > ACFS_PROFILE_NAME_MAX)
		return problem(r, "section name is longer than 255 bytes; "
			       "the section is ignored");
	return ACFS_OK;
}

static acfs_code property(reader *r, const char *s, const char *e)
{
	const char *p, *eq, *ks, *ke, *vs, *ve;

	if (r->st == ST_START)
		return problem(r, "property outside of any section "
			       "(Expected a profile definition)");
	/* A comment starts at '#' or ';' preceded by white space. */
	for (p = s + 1; p < e; p++)
		if ((*p == '#' || *p == ';') && is_ws(p[-1])) {
			e = p;
			break;
		}
	eq = memchr(s, '=', (size_t)(e - s));
	if (eq == NULL)
		return problem(r, "expected 'name = value' "
			       "(Expected an '=' sign defining a property)");
	ks = s;
	ke = eq;
	trim(&ks, &ke);
	if (ks == ke)
		return problem(r, "property has no name "
			       "(Property did not have a name)");
	vs = eq + 1;
	ve = e;
	trim(&vs, &ve);
	r->have_prop = 1;
	r->prop_is_sub = (vs == ve);
	if (r->sec == NULL || !acfs_ini_identifier_ok(ks, (size_t)(ke - ks))) {
		r->prop_idx = (size_t)-1;   /* read, then dropped */
		return ACFS_OK;
	}
	return acfs_section_set(r->sec, ks, (size_t)(ke - ks), vs,
				(size_t)(ve - vs), r->src, r->line, &r->prop_idx);
}

static acfs_code continuation(reader *r, const char *s, const char *e)
{
	const char *eq, *ks, *ke;

	if (r->st == ST_START)
		return problem(r, "continuation line outside of any section "
			       "(Expected a profile definition, found continuation)");
	if (!r->have_prop)
		return problem(r, "continuation line with no property before it "
			       "(Expected a property definition, found continuation)");
	trim(&s, &e);
	if (r->prop_is_sub) {
		eq = memchr(s, '=', (size_t)(e - s));
		if (eq == NULL)
			return problem(r, "expected 'name = value' "
				       "(Expected an '=' sign defining a sub-property)");
		ks = s;
		ke = eq;
		trim(&ks, &ke);
		if (ks == ke)
			return problem(r, "sub-property has no name "
				       "(Sub-property did not have a name)");
	}
	if (r->sec == NULL || r->prop_idx == (size_t)-1)
		return ACFS_OK;
	return acfs_prop_append(&r->sec->props[r->prop_idx], s,
				(size_t)(e - s));
}

static acfs_code one_line(reader *r, const char *s, const char *e)
{
	const char *ts = s, *te = e;

	if ((size_t)(e - s) > ACFS_INI_LINE_MAX) {
		char what[128];

		snprintf(what, sizeof(what),
			 "line is longer than %d bytes; it is ignored",
			 ACFS_INI_LINE_MAX);
		return problem(r, what);
	}
	if (memchr(s, '\0', (size_t)(e - s)) != NULL)
		return problem(r, "line contains a NUL byte (is this a "
			       "binary file?); it is ignored");
	trim(&ts, &te);
	if (ts == te)
		return ACFS_OK;            /* blank lines keep the property open */
	/* A comment line, indented or not.  smithy-rs takes an indented one
	 * as a continuation (and rejects it among sub-properties); botocore's
	 * configparser, like the AWS CLI, skips it.  We follow botocore so a
	 * commented line inside an "s3 =" block does not break the profile. */
	if (*ts == '#' || *ts == ';')
		return ACFS_OK;
	if (*s == '[')
		return header(r, s, e);
	if (*s == ' ' || *s == '\t')
		return continuation(r, s, e);
	return property(r, s, e);
}

acfs_code acfs_ini_parse(acfs_profiles *set, acfs_src src, const char *data,
			 size_t len)
{
	reader r;
	const char *p = data, *end = data + len, *nl, *le;
	acfs_code rc = ACFS_OK;

	memset(&r, 0, sizeof(r));
	r.set = set;
	r.src = src;
	r.st = ST_START;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		le = nl ? nl : end;
		if (le > p && le[-1] == '\r')
			le--;
		r.line++;
		rc = one_line(&r, p, le);
		if (rc != ACFS_OK)
			goto out;
		p = nl ? nl + 1 : end;
	}
	/* [default] counts only when no [profile default] exists. */
	if (r.bare_default != NULL && !r.saw_profile_default) {
		acfs_section *d = acfs_profiles_section(set, ACFS_SECTION_PROFILE,
							"default");

		if (d == NULL) {
			rc = ACFS_E_NOMEM;
			goto out;
		}
		rc = acfs_section_merge(d, r.bare_default);
	}
out:
	acfs_section_free(r.bare_default);
	acfs_strfree(r.sec_label);
	if (rc == ACFS_OK && r.problems > 0)
		rc = ACFS_E_SYNTAX;
	return rc;
}
