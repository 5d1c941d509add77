/* plan.c - the chain planner.  Pure: it reads a parsed profile set and an
 * environment, and never touches a file or the network. */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"
#include "secret.h"
#include "stsendpoint.h"
#include "text.h"

#define MAX_HOPS 32   /* longest chain we accept */

typedef struct {
	const acfs_profiles *set;
	const acfs_env *env;
	acfs_err *e;
	acfs_hop hops[MAX_HOPS];   /* roles in visiting order, then base */
	size_t n;
} builder;

static const char *const kind_names[ACFS_HOP__COUNT] = {
	[ACFS_HOP_STATIC] = "static",
	[ACFS_HOP_ENVIRONMENT] = "environment",
	[ACFS_HOP_CONTAINER] = "container",
	[ACFS_HOP_IMDS] = "imds",
	[ACFS_HOP_PROCESS] = "process",
	[ACFS_HOP_WEB_IDENTITY] = "web-identity",
	[ACFS_HOP_ASSUME_ROLE] = "assume-role",
};

const char *acfs_hop_kind_name(acfs_hop_kind kind)
{
	return (unsigned)kind < ACFS_HOP__COUNT ? kind_names[kind] : "unknown";
}

static void hop_clear(acfs_hop *h)
{
	size_t i;

	acfs_strfree(h->profile);
	acfs_strfree(h->access_key_id);
	acfs_strfree(h->secret_access_key);
	acfs_strfree(h->session_token);
	acfs_strfree(h->account_id);
	acfs_strfree(h->credential_process);
	acfs_strfree(h->role_arn);
	acfs_strfree(h->role_session_name);
	acfs_strfree(h->external_id);
	acfs_strfree(h->web_identity_token_file);
	acfs_strfree(h->source_identity);
	for (i = 0; i < h->ntags; i++) {
		acfs_strfree(h->tags[i].key);
		acfs_strfree(h->tags[i].value);
	}
	free(h->tags);
	for (i = 0; i < h->ntransitive; i++)
		acfs_strfree(h->transitive_keys[i]);
	free(h->transitive_keys);
	memset(h, 0, sizeof(*h));
}

void acfs_plan_free(acfs_plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->nhops; i++)
		hop_clear(&plan->hops[i]);
	free(plan->hops);
	acfs_strfree(plan->profile);
	acfs_strfree(plan->region);
	acfs_strfree(plan->sts_regional_endpoints);
	acfs_strfree(plan->endpoint_url);
	acfs_strfree(plan->ca_bundle);
	acfs_strfree(plan->imds_endpoint);
	acfs_strfree(plan->imds_endpoint_mode);
	free(plan);
}

/* "/root/.aws/config line 4" for a property, for messages. */
static const char *where(const builder *b, const acfs_prop *p, char *buf,
			 size_t sz)
{
	const char *path;

	if (p == NULL || b->set == NULL) {
		snprintf(buf, sz, "the environment");
		return buf;
	}
	path = acfs_profiles_path(b->set, p->src);
	if (path == NULL)
		path = p->src == ACFS_SRC_CONFIG ? "config file" : "credentials file";
	snprintf(buf, sz, "%s line %u", path, p->line);
	return buf;
}

static acfs_code nomem(builder *b)
{
	return acfs_err_set(b->e, ACFS_E_NOMEM, "out of memory");
}

/* Copies an optional string; *dst stays NULL when src is NULL. */
static int dup_opt(char **dst, const char *src)
{
	if (src == NULL)
		return 1;
	*dst = acfs_strdup(src);
	return *dst != NULL;
}

static acfs_hop *new_hop(builder *b, acfs_hop_kind kind, const char *profile)
{
	acfs_hop *h;

	if (b->n == MAX_HOPS) {
		acfs_err_set(b->e, ACFS_E_CONFIG,
			     "profile '%s': the chain is longer than %d hops",
			     profile ? profile : "default", MAX_HOPS);
		return NULL;
	}
	h = &b->hops[b->n];
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	if (!dup_opt(&h->profile, profile)) {
		nomem(b);
		return NULL;
	}
	b->n++;
	return h;
}

/* STS's pattern for RoleSessionName and SourceIdentity: [\w+=,.@-]. */
static int sts_name_ok(const char *s, size_t min, size_t max, const char *extra)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_')
			continue;
		if (strchr(extra, c) == NULL)
			return 0;
	}
	return 1;
}

/* STS tag keys and values: letters, digits, white space and _.:/=+-@;
 * well-formed UTF-8 beyond ASCII is let through (STS takes Unicode
 * letters), malformed bytes are not. */
static int tag_text_ok(const char *s, size_t n)
{
	size_t i;

	if (!acfs_utf8_valid(s, n))
		return 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == ' ')
			continue;
		if (c == '\0' || strchr("_.:/=+-@", c) == NULL)
			return 0;
	}
	return 1;
}

static void trim_span(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* session_tags = k1=v1,k2=v2 */
static acfs_code parse_tags(builder *b, acfs_hop *h, const acfs_section *s,
			    const acfs_prop *p)
{
	const char *v = p->value, *item, *end, *eq, *ks, *ke, *vs, *ve;
	char loc[600];
	size_t i;

	for (item = v; *item != '\0'; item = *end ? end + 1 : end) {
		end = strchr(item, ',');
		if (end == NULL)
			end = item + strlen(item);
		ks = item;
		ke = end;
		trim_span(&ks, &ke);
		if (ks == ke)
			continue;   /* "a=1,,b=2" or a trailing comma */
		eq = memchr(ks, '=', (size_t)(ke - ks));
		if (eq == NULL)
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s': session_tags item "
					    "'%.*s' is not key=value",
					    where(b, p, loc, sizeof(loc)), s->name,
					    (int)(ke - ks > 64 ? 64 : ke - ks), ks);
		vs = eq + 1;
		ve = ke;
		ke = eq;
		trim_span(&ks, &ke);
		trim_span(&vs, &ve);
		if (ks == ke || (size_t)(ke - ks) > ACFS_TAG_KEY_MAX ||
		    (size_t)(ve - vs) > ACFS_TAG_VALUE_MAX ||
		    !tag_text_ok(ks, (size_t)(ke - ks)) ||
		    !tag_text_ok(vs, (size_t)(ve - vs)))
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s': session tag '%.*s' "
					    "is not valid (keys 1-%d and values "
					    "0-%d characters of letters, digits, "
					    "spaces and _.:/=+-@)",
					    where(b, p, loc, sizeof(loc)), s->name,
					    (int)(ke - ks > 64 ? 64 : ke - ks), ks,
					    ACFS_TAG_KEY_MAX, ACFS_TAG_VALUE_MAX);
		for (i = 0; i < h->ntags; i++)
			if (strlen(h->tags[i].key) == (size_t)(ke - ks) &&
			    strncasecmp(h->tags[i].key, ks, (size_t)(ke - ks)) == 0)
				return acfs_err_set(b->e, ACFS_E_CONFIG,
						    "%s: profile '%s': session tag "
						    "'%s' is given twice (tag keys "
						    "are case-insensitive)",
						    where(b, p, loc, sizeof(loc)),
						    s->name, h->tags[i].key);
		if (h->ntags == ACFS_MAX_TAGS)
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s': more than %d session "
					    "tags", where(b, p, loc, sizeof(loc)),
					    s->name, ACFS_MAX_TAGS);
		if (h->ntags % 8 == 0) {
			acfs_tag *nt = realloc(h->tags,
					       (h->ntags + 8) * sizeof(*nt));

			if (nt == NULL)
				return nomem(b);
			h->tags = nt;
		}
		h->tags[h->ntags].key = acfs_strndup(ks, (size_t)(ke - ks));
		h->tags[h->ntags].value = acfs_strndup(vs, (size_t)(ve - vs));
		h->ntags++;
		if (h->tags[h->ntags - 1].key == NULL ||
		    h->tags[h->ntags - 1].value == NULL)
			return nomem(b);
	}
	return ACFS_OK;
}

/* transitive_session_tags = k1,k2: each must be one of the session tags. */
static acfs_code parse_transitive(builder *b, acfs_hop *h,
				  const acfs_section *s, const acfs_prop *p)
{
	const char *item, *end, *ks, *ke;
	char loc[600];
	size_t i;

	for (item = p->value; *item != '\0'; item = *end ? end + 1 : end) {
		end = strchr(item, ',');
		if (end == NULL)
			end = item + strlen(item);
		ks = item;
		ke = end;
		trim_span(&ks, &ke);
		if (ks == ke)
			continue;
		for (i = 0; i < h->ntags; i++)
			if (strlen(h->tags[i].key) == (size_t)(ke - ks) &&
			    strncasecmp(h->tags[i].key, ks, (size_t)(ke - ks)) == 0)
				break;
		if (i == h->ntags)
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s': transitive_session_tags "
					    "names '%.*s', which is not in "
					    "session_tags", where(b, p, loc, sizeof(loc)),
					    s->name, (int)(ke - ks > 128 ? 128 : ke - ks),
					    ks);
		if (h->ntransitive % 8 == 0) {
			char **nt = realloc(h->transitive_keys,
					    (h->ntransitive + 8) * sizeof(*nt));

			if (nt == NULL)
				return nomem(b);
			h->transitive_keys = nt;
		}
		h->transitive_keys[h->ntransitive] =
			acfs_strndup(ks, (size_t)(ke - ks));
		if (h->transitive_keys[h->ntransitive++] == NULL)
			return nomem(b);
	}
	return ACFS_OK;
}

static acfs_code parse_duration(builder *b, acfs_hop *h, const acfs_section *s)
{
	const acfs_prop *p = acfs_section_prop(s, "duration_seconds");
	char loc[600], *end;
	long v;

	if (p == NULL)
		return ACFS_OK;
	errno = 0;
	v = strtol(p->value, &end, 10);
	if (p->value[0] == '\0' || *end != '\0' || errno != 0 ||
	    v < ACFS_DURATION_MIN || v > ACFS_DURATION_MAX)
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "%s: profile '%s': duration_seconds '%.32s' "
				    "must be a whole number of seconds from %d to %d",
				    where(b, p, loc, sizeof(loc)), s->name,
				    p->value, ACFS_DURATION_MIN, ACFS_DURATION_MAX);
	h->duration_seconds = (int)v;
	h->duration_requested = (int)v;
	return ACFS_OK;
}

static acfs_code check_session_name(builder *b, const acfs_section *s)
{
	const acfs_prop *p = acfs_section_prop(s, "role_session_name");
	char loc[600];

	if (p != NULL && !sts_name_ok(p->value, 2, 64, "+=,.@-"))
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "%s: profile '%s': role_session_name must be "
				    "2-64 characters of letters, digits and "
				    "+=,.@_-", where(b, p, loc, sizeof(loc)),
				    s->name);
	return ACFS_OK;
}

/* ARNs are printable ASCII. */
static int printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static acfs_code check_role_arn(builder *b, const acfs_section *s)
{
	const acfs_prop *p = acfs_section_prop(s, "role_arn");
	char loc[600];

	if (strncmp(p->value, "arn:", 4) != 0 || strlen(p->value) > 2048 ||
	    !printable_ascii(p->value))
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "%s: profile '%s': role_arn '%.200s' is not "
				    "an ARN (arn:aws:iam::ACCOUNT:role/NAME, printable "
				    "ASCII)", where(b, p, loc, sizeof(loc)), s->name,
				    printable_ascii(p->value) ? p->value
							      : "(non-printable bytes)");
	return ACFS_OK;
}

/* Keys that only make sense on an AssumeRole hop. */
static acfs_code reject_role_only_keys(builder *b, const acfs_section *s,
				       const char *why)
{
	static const char *const keys[] = { "session_tags",
		"transitive_session_tags", "source_identity", NULL };
	const acfs_prop *p;
	char loc[600];
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		p = acfs_section_prop(s, keys[i]);
		if (p != NULL)
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s': %s cannot be used "
					    "here: %s", where(b, p, loc, sizeof(loc)),
					    s->name, keys[i], why);
	}
	return ACFS_OK;
}

static acfs_code role_hop(builder *b, const acfs_section *s)
{
	const acfs_prop *p;
	acfs_hop *h;
	char loc[600];
	acfs_code rc;

	p = acfs_section_prop(s, "mfa_serial");
	if (p != NULL)
		return acfs_err_set(b->e, ACFS_E_UNSUPPORTED,
				    "%s: profile '%s': mfa_serial is not "
				    "supported: awscredsfs cannot prompt for an "
				    "MFA code", where(b, p, loc, sizeof(loc)),
				    s->name);
	if ((rc = check_role_arn(b, s)) != ACFS_OK ||
	    (rc = check_session_name(b, s)) != ACFS_OK)
		return rc;
	h = new_hop(b, ACFS_HOP_ASSUME_ROLE, s->name);
	if (h == NULL)
		return b->e->code;
	if (!dup_opt(&h->role_arn, acfs_section_get(s, "role_arn")) ||
	    !dup_opt(&h->role_session_name, acfs_section_get(s, "role_session_name")) ||
	    !dup_opt(&h->external_id, acfs_section_get(s, "external_id")))
		return nomem(b);
	if (h->external_id != NULL &&
	    !sts_name_ok(h->external_id, 2, 1224, "+=,.@:/-")) {
		p = acfs_section_prop(s, "external_id");
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "%s: profile '%s': external_id must be "
				    "2-1224 characters of letters, digits and "
				    "+=,.@:/_-", where(b, p, loc, sizeof(loc)),
				    s->name);
	}
	p = acfs_section_prop(s, "source_identity");
	if (p != NULL) {
		if (!sts_name_ok(p->value, 2, 64, "+=,.@-"))
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s': source_identity "
					    "must be 2-64 characters of letters, "
					    "digits and +=,.@_-",
					    where(b, p, loc, sizeof(loc)), s->name);
		if (!dup_opt(&h->source_identity, p->value))
			return nomem(b);
	}
	if ((rc = parse_duration(b, h, s)) != ACFS_OK)
		return rc;
	p = acfs_section_prop(s, "session_tags");
	if (p != NULL && (rc = parse_tags(b, h, s, p)) != ACFS_OK)
		return rc;
	p = acfs_section_prop(s, "transitive_session_tags");
	if (p != NULL && (rc = parse_transitive(b, h, s, p)) != ACFS_OK)
		return rc;
	return ACFS_OK;
}

/* 1: complete static keys; 0: none at all; -1: partial (e set). */
static int static_state(builder *b, const acfs_section *s)
{
	const acfs_prop *ak = acfs_section_prop(s, "aws_access_key_id");
	const acfs_prop *sk = acfs_section_prop(s, "aws_secret_access_key");
	const acfs_prop *st = acfs_section_prop(s, "aws_session_token");
	char loc[600];

	if (ak == NULL && sk == NULL && st == NULL)
		return 0;
	if (ak == NULL || sk == NULL) {
		const acfs_prop *have = ak ? ak : (sk ? sk : st);

		acfs_err_set(b->e, ACFS_E_CONFIG,
			     "%s: profile '%s' is missing %s (profile missing %s)",
			     where(b, have, loc, sizeof(loc)), s->name,
			     ak ? "aws_secret_access_key" : "aws_access_key_id",
			     ak ? "aws_secret_access_key" : "aws_access_key_id");
		return -1;
	}
	return 1;
}

static acfs_code static_hop(builder *b, const acfs_section *s)
{
	acfs_hop *h = new_hop(b, ACFS_HOP_STATIC, s->name);

	if (h == NULL)
		return b->e->code;
	if (!dup_opt(&h->access_key_id, acfs_section_get(s, "aws_access_key_id")) ||
	    !dup_opt(&h->secret_access_key, acfs_section_get(s, "aws_secret_access_key")) ||
	    !dup_opt(&h->session_token, acfs_section_get(s, "aws_session_token")) ||
	    !dup_opt(&h->account_id, acfs_section_get(s, "aws_account_id")))
		return nomem(b);
	return ACFS_OK;
}

static acfs_code named_source(builder *b, const acfs_section *s)
{
	const acfs_prop *p = acfs_section_prop(s, "credential_source");
	acfs_hop_kind kind;
	char loc[600];

	if (strcmp(p->value, "Environment") == 0)
		kind = ACFS_HOP_ENVIRONMENT;
	else if (strcmp(p->value, "EcsContainer") == 0)
		kind = ACFS_HOP_CONTAINER;
	else if (strcmp(p->value, "Ec2InstanceMetadata") == 0)
		kind = ACFS_HOP_IMDS;
	else
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "%s: profile '%s': credential_source '%.64s' "
				    "is not one of Environment, EcsContainer, "
				    "Ec2InstanceMetadata",
				    where(b, p, loc, sizeof(loc)), s->name, p->value);
	return new_hop(b, kind, s->name) ? ACFS_OK : b->e->code;
}

static const char *const sso_keys[] = { "sso_session", "sso_start_url",
	"sso_account_id", "sso_role_name", "sso_region", NULL };

static acfs_code web_identity_hop(builder *b, const acfs_section *s)
{
	const acfs_prop *p = acfs_section_prop(s, "web_identity_token_file");
	acfs_hop *h;
	char loc[600];
	acfs_code rc;

	if (acfs_section_prop(s, "role_arn") == NULL)
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "%s: profile '%s' sets web_identity_token_file "
				    "but no role_arn (`role_arn` was missing)",
				    where(b, p, loc, sizeof(loc)), s->name);
	if ((rc = check_role_arn(b, s)) != ACFS_OK ||
	    (rc = check_session_name(b, s)) != ACFS_OK ||
	    (rc = reject_role_only_keys(b, s, "AssumeRoleWithWebIdentity takes "
					"session tags and the source identity "
					"from the token")) != ACFS_OK)
		return rc;
	if (p->value[0] == '\0')
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "%s: profile '%s': web_identity_token_file "
				    "is empty", where(b, p, loc, sizeof(loc)),
				    s->name);
	h = new_hop(b, ACFS_HOP_WEB_IDENTITY, s->name);
	if (h == NULL)
		return b->e->code;
	if (!dup_opt(&h->role_arn, acfs_section_get(s, "role_arn")) ||
	    !dup_opt(&h->web_identity_token_file, p->value) ||
	    !dup_opt(&h->role_session_name, acfs_section_get(s, "role_session_name")))
		return nomem(b);
	return parse_duration(b, h, s);
}

/* A profile that ends the chain. */
static acfs_code base_hop(builder *b, const acfs_section *s)
{
	const acfs_prop *p;
	char loc[600];
	size_t i;
	int st;

	if (acfs_section_prop(s, "credential_source") != NULL)
		return named_source(b, s);
	if (acfs_section_prop(s, "web_identity_token_file") != NULL)
		return web_identity_hop(b, s);
	for (i = 0; sso_keys[i] != NULL; i++) {
		p = acfs_section_prop(s, sso_keys[i]);
		if (p != NULL)
			return acfs_err_set(b->e, ACFS_E_UNSUPPORTED,
					    "%s: profile '%s': SSO (%s) is not "
					    "supported by awscredsfs; use `aws sso "
					    "login` and the AWS CLI for this profile",
					    where(b, p, loc, sizeof(loc)), s->name,
					    sso_keys[i]);
	}
	/* botocore's order: static keys before credential_process. */
	st = static_state(b, s);
	if (st < 0)
		return b->e->code;
	if (st > 0)
		return static_hop(b, s);
	p = acfs_section_prop(s, "credential_process");
	if (p != NULL) {
		acfs_hop *h;

		if (p->value[0] == '\0')
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s': credential_process "
					    "is empty", where(b, p, loc, sizeof(loc)),
					    s->name);
		h = new_hop(b, ACFS_HOP_PROCESS, s->name);
		if (h == NULL)
			return b->e->code;
		return dup_opt(&h->credential_process, p->value) ? ACFS_OK
								 : nomem(b);
	}
	return acfs_err_set(b->e, ACFS_E_CONFIG,
			    "profile '%s' did not contain credential information: "
			    "it has no role_arn, web_identity_token_file, "
			    "credential_source, credential_process or "
			    "aws_access_key_id", s->name);
}

int acfs_plan_env_default(const acfs_env *env)
{
	return (acfs_env_get(env, "AWS_ROLE_ARN") != NULL &&
		acfs_env_get(env, "AWS_WEB_IDENTITY_TOKEN_FILE") != NULL) ||
	       acfs_env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL ||
	       acfs_env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL;
}

/* The "default" profile when only the environment configures it: web
 * identity first, then the container endpoint (the SDK default chain). */
static acfs_code env_default_hop(builder *b)
{
	const char *arn = acfs_env_get(b->env, "AWS_ROLE_ARN");
	const char *tok = acfs_env_get(b->env, "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *sess = acfs_env_get(b->env, "AWS_ROLE_SESSION_NAME");
	acfs_hop *h;

	if (arn != NULL && tok != NULL) {
		if (strncmp(arn, "arn:", 4) != 0 || !printable_ascii(arn))
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "AWS_ROLE_ARN '%.200s' is not an ARN",
					    arn);
		if (sess != NULL && !sts_name_ok(sess, 2, 64, "+=,.@-"))
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "AWS_ROLE_SESSION_NAME must be 2-64 "
					    "characters of letters, digits and "
					    "+=,.@_-");
		h = new_hop(b, ACFS_HOP_WEB_IDENTITY, NULL);
		if (h == NULL)
			return b->e->code;
		if (!dup_opt(&h->role_arn, arn) ||
		    !dup_opt(&h->web_identity_token_file, tok) ||
		    !dup_opt(&h->role_session_name, sess))
			return nomem(b);
		return ACFS_OK;
	}
	return new_hop(b, ACFS_HOP_CONTAINER, NULL) ? ACFS_OK : b->e->code;
}

static acfs_code loop_error(builder *b, const char **visited, size_t nv,
			    const char *next)
{
	char path[ACFS_ERR_MSG_MAX - 64];
	size_t i, len = 0;

	path[0] = '\0';
	for (i = 0; i < nv && len < sizeof(path); i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%s -> ",
					visited[i]);
	if (len < sizeof(path))
		snprintf(path + len, sizeof(path) - len, "%s", next);
	return acfs_err_set(b->e, ACFS_E_CYCLE,
			    "source_profile loop: %s (profile formed an "
			    "infinite loop)", path);
}

static acfs_code walk(builder *b, const acfs_section *sel)
{
	const char *visited[MAX_HOPS + 1];
	const acfs_section *cur = sel;
	const acfs_prop *sp, *cs;
	char loc[600];
	size_t nv = 0, i;
	acfs_code rc;
	int st;

	for (;;) {
		for (i = 0; i < nv; i++)
			if (strcmp(visited[i], cur->name) == 0)
				return loop_error(b, visited, nv, cur->name);
		if (nv == MAX_HOPS)
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "profile '%s': the chain is longer "
					    "than %d hops", sel->name, MAX_HOPS);
		visited[nv++] = cur->name;
		if (cur->taint != NULL)
			return acfs_err_set(b->e, ACFS_E_SYNTAX,
					    "profile '%s' cannot be used: %s",
					    cur->name, cur->taint);
		if (nv > 1) {
			/* Past the first profile, static keys end the chain. */
			acfs_err scratch;
			acfs_err *keep = b->e;

			b->e = &scratch;
			st = static_state(b, cur);
			b->e = keep;
			if (st > 0)
				return static_hop(b, cur);
		}
		if (acfs_section_prop(cur, "role_arn") == NULL ||
		    acfs_section_prop(cur, "web_identity_token_file") != NULL)
			return base_hop(b, cur);
		sp = acfs_section_prop(cur, "source_profile");
		cs = acfs_section_prop(cur, "credential_source");
		if (sp != NULL && cs != NULL)
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s' sets both "
					    "source_profile and credential_source; "
					    "set only one (profile contained both "
					    "source_profile and credential_source)",
					    where(b, sp, loc, sizeof(loc)), cur->name);
		if (sp == NULL && cs == NULL)
			return acfs_err_set(b->e, ACFS_E_CONFIG,
					    "%s: profile '%s' sets role_arn but "
					    "neither source_profile nor "
					    "credential_source (profile must "
					    "contain `source_profile`)",
					    where(b, acfs_section_prop(cur, "role_arn"),
						  loc, sizeof(loc)), cur->name);
		if ((rc = role_hop(b, cur)) != ACFS_OK)
			return rc;
		if (cs != NULL)
			return named_source(b, cur);
		if (strcmp(sp->value, cur->name) == 0) {
			/* Self-reference: only its own static keys. */
			st = static_state(b, cur);
			if (st < 0)
				return b->e->code;
			if (st == 0)
				return acfs_err_set(b->e, ACFS_E_CONFIG,
						    "%s: profile '%s' names itself "
						    "as source_profile, which needs "
						    "aws_access_key_id and "
						    "aws_secret_access_key in it",
						    where(b, sp, loc, sizeof(loc)),
						    cur->name);
			return static_hop(b, cur);
		}
		{
			const acfs_section *next = acfs_profiles_get(
				b->set, ACFS_SECTION_PROFILE, sp->value);

			if (next == NULL)
				return acfs_err_set(b->e, ACFS_E_NOTFOUND,
						    "%s: source_profile '%.255s' "
						    "of profile '%s' is not "
						    "defined (could not find "
						    "source profile)",
						    where(b, sp, loc, sizeof(loc)),
						    sp->value, cur->name);
			cur = next;
		}
	}
}

int acfs_plan_hop_is_chained(const acfs_plan *plan, size_t i)
{
	acfs_hop_kind prev;

	if (i == 0 || i >= plan->nhops ||
	    plan->hops[i].kind != ACFS_HOP_ASSUME_ROLE)
		return 0;
	prev = plan->hops[i - 1].kind;
	return prev == ACFS_HOP_WEB_IDENTITY || prev == ACFS_HOP_ASSUME_ROLE ||
	       prev == ACFS_HOP_CONTAINER || prev == ACFS_HOP_IMDS;
}

/* A boolean setting: the env variable, then the profile key.  *out is 0
 * when neither is set. */
static acfs_code bool_setting(builder *b, const acfs_plan *plan,
			      const acfs_section *sel, const char *var,
			      const char *key, int *out)
{
	const char *v = acfs_env_get(b->env, var), *from = var;

	if (v == NULL) {
		v = acfs_section_get(sel, key);
		from = key;
	}
	*out = 0;
	if (v == NULL)
		return ACFS_OK;
	if (strcasecmp(v, "true") == 0)
		*out = 1;
	else if (strcasecmp(v, "false") != 0)
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "profile '%s': %s '%.32s' must be true or false",
				    plan->profile, from, v);
	return ACFS_OK;
}

static acfs_code client_settings(builder *b, acfs_plan *plan,
				 const acfs_section *sel)
{
	const char *v;
	acfs_err ee;
	acfs_code rc;

	v = acfs_env_get(b->env, "AWS_REGION");
	if (v == NULL)
		v = acfs_env_get(b->env, "AWS_DEFAULT_REGION");
	if (v == NULL)
		v = acfs_section_get(sel, "region");
	if (v != NULL && v[0] == '\0')
		v = NULL;
	if (v != NULL && !acfs_region_ok(v))
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "profile '%s': region '%.64s' is not a valid "
				    "region name (lower-case letters, digits and "
				    "'-')", plan->profile, v);
	if (!dup_opt(&plan->region, v))
		return nomem(b);
	if ((rc = bool_setting(b, plan, sel, "AWS_USE_FIPS_ENDPOINT",
			       "use_fips_endpoint", &plan->use_fips)) != ACFS_OK ||
	    (rc = bool_setting(b, plan, sel, "AWS_USE_DUALSTACK_ENDPOINT",
			       "use_dualstack_endpoint",
			       &plan->use_dualstack)) != ACFS_OK)
		return rc;
	v = acfs_env_get(b->env, "AWS_STS_REGIONAL_ENDPOINTS");
	if (v == NULL)
		v = acfs_section_get(sel, "sts_regional_endpoints");
	if (v != NULL && strcmp(v, "regional") != 0 && strcmp(v, "legacy") != 0)
		return acfs_err_set(b->e, ACFS_E_CONFIG,
				    "profile '%s': sts_regional_endpoints '%.32s' "
				    "must be 'regional' or 'legacy'",
				    plan->profile, v);
	if (!dup_opt(&plan->sts_regional_endpoints, v))
		return nomem(b);
	v = acfs_env_get(b->env, "AWS_CA_BUNDLE");
	if (v == NULL)
		v = acfs_section_get(sel, "ca_bundle");
	if (!dup_opt(&plan->ca_bundle, v))
		return nomem(b);
	if (!dup_opt(&plan->imds_endpoint,
		     acfs_section_get(sel, "ec2_metadata_service_endpoint")) ||
	    !dup_opt(&plan->imds_endpoint_mode,
		     acfs_section_get(sel, "ec2_metadata_service_endpoint_mode")))
		return nomem(b);
	acfs_err_clear(&ee);
	if (acfs_endpoint_configured(b->set, sel, b->env, "sts", NULL, 0,
				     &plan->endpoint_url, &ee) != ACFS_OK)
		return acfs_err_set(b->e, ee.code, "profile '%s': %s",
				    plan->profile, ee.msg);
	return ACFS_OK;
}

acfs_code acfs_plan_build(const acfs_profiles *set, const acfs_env *env,
			  const char *profile, acfs_plan **out, acfs_err *e)
{
	builder *b = NULL;
	acfs_plan *plan = NULL;
	const acfs_section *sel;
	acfs_err local;
	acfs_code rc;
	size_t i;

	*out = NULL;
	if (e == NULL)
		e = &local;
	acfs_err_clear(e);
	b = calloc(1, sizeof(*b));
	plan = calloc(1, sizeof(*plan));
	if (b == NULL || plan == NULL || !dup_opt(&plan->profile, profile)) {
		rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		goto out;
	}
	b->set = set;
	b->env = env;
	b->e = e;
	sel = set ? acfs_profiles_get(set, ACFS_SECTION_PROFILE, profile) : NULL;
	if (sel == NULL && strcmp(profile, "default") == 0 &&
	    acfs_plan_env_default(env)) {
		rc = env_default_hop(b);
	} else if (sel == NULL && (set == NULL ||
				   acfs_profiles_count(set, ACFS_SECTION_PROFILE) == 0)) {
		rc = acfs_err_set(e, ACFS_E_NOTFOUND,
				  "profile '%.255s' not found: no profiles are "
				  "defined (No profiles were defined)", profile);
	} else if (sel == NULL) {
		const char *cp = acfs_profiles_path(set, ACFS_SRC_CONFIG);
		const char *kp = acfs_profiles_path(set, ACFS_SRC_CREDENTIALS);

		rc = acfs_err_set(e, ACFS_E_NOTFOUND,
				  "profile '%.255s' is not defined in %s or %s",
				  profile, cp ? cp : "the config file",
				  kp ? kp : "the credentials file");
	} else {
		rc = walk(b, sel);
	}
	if (rc != ACFS_OK)
		goto out;
	rc = client_settings(b, plan, sel);
	if (rc != ACFS_OK)
		goto out;
	/* hops[] holds the roles outermost first, then the base: reverse. */
	plan->hops = calloc(b->n, sizeof(acfs_hop));
	if (plan->hops == NULL) {
		rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < b->n; i++)
		plan->hops[i] = b->hops[b->n - 1 - i];
	plan->nhops = b->n;
	b->n = 0;
	for (i = 1; i < plan->nhops; i++) {
		acfs_hop *h = &plan->hops[i];

		if (acfs_plan_hop_is_chained(plan, i) &&
		    h->duration_seconds > ACFS_CHAINED_DURATION_MAX) {
			h->duration_seconds = ACFS_CHAINED_DURATION_MAX;
			h->duration_capped = 1;
		}
	}
	*out = plan;
	plan = NULL;
out:
	if (b != NULL) {
		for (i = 0; i < b->n; i++)
			hop_clear(&b->hops[i]);
		acfs_wipefree(b, sizeof(*b));
	}
	acfs_plan_free(plan);
	return rc;
}
