/* resolve.c - running a plan's hops. */
#include "resolve.h"

#include <stdio.h>
#include <string.h>

#include "container.h"
#include "imds.h"
#include "process.h"
#include "stsendpoint.h"

static time_t now_of(const acfs_resolver *r)
{
	return r->now ? r->now(r->clock_ctx) : time(NULL);
}

static acfs_code sts_client(const acfs_resolver *r, const acfs_plan *plan,
			    acfs_sts_client *c, acfs_err *e)
{
	acfs_sts_endpoint ep;
	acfs_err ee;
	acfs_code rc;

	acfs_err_clear(&ee);
	rc = acfs_sts_endpoint_for_plan(plan, &ep, &ee);
	if (rc != ACFS_OK)
		return acfs_err_set(e, rc, "profile '%s': STS endpoint: %s",
				    plan->profile, ee.msg);
	acfs_sts_client_init(c, r->http, &ep, plan->ca_bundle);
	if (r->sts_timeout_ms > 0)
		c->retry_budget_ms = r->sts_timeout_ms;
	c->now = r->now;
	c->sleep_ms = r->sleep_ms;
	c->elapsed_ms = r->elapsed_ms;
	c->random = r->random;
	c->clock_ctx = r->clock_ctx;
	c->test_allow_plain_http = r->test_allow_plain_http;
	return ACFS_OK;
}

/* A variable that is only white space counts as unset, as in the SDKs'
 * environment provider (smithy-rs err_if_blank). */
static const char *env_nonblank(const acfs_env *env, const char *name)
{
	const char *v = acfs_env_get(env, name);

	return v != NULL && v[strspn(v, " \t\r\n\v\f")] != '\0' ? v : NULL;
}

static acfs_code from_environment(const acfs_resolver *r, const acfs_hop *h,
				  acfs_creds **out, acfs_err *e)
{
	const char *ak = env_nonblank(r->env, "AWS_ACCESS_KEY_ID");
	const char *sk = env_nonblank(r->env, "AWS_SECRET_ACCESS_KEY");
	const char *tok = env_nonblank(r->env, "AWS_SESSION_TOKEN");

	if (ak == NULL || sk == NULL)
		return acfs_err_set(e, ACFS_E_CONFIG,
				    "profile '%s': credential_source = Environment, "
				    "but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
				    "are not both set in awscredsfs's environment",
				    h->profile ? h->profile : "default");
	*out = acfs_creds_new(ak, sk, tok, 0, NULL, NULL);
	return *out ? ACFS_OK : acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
}

/* The container endpoint and IMDS: their messages, with the profile. */
static acfs_code from_container(const acfs_resolver *r, const acfs_plan *plan,
				const acfs_hop *h, acfs_creds **out, acfs_err *e)
{
	acfs_err ie;
	acfs_code rc;

	acfs_err_clear(&ie);
	rc = acfs_container_fetch(r, out, &ie);
	if (rc != ACFS_OK)
		acfs_err_set(e, rc, "profile '%s': %s",
			     h->profile ? h->profile : plan->profile, ie.msg);
	return rc;
}

static acfs_code from_imds(const acfs_resolver *r, const acfs_plan *plan,
			   const acfs_hop *h, acfs_creds **out, acfs_err *e)
{
	acfs_imds_settings s = { plan->imds_endpoint, plan->imds_endpoint_mode,
				 NULL, NULL };
	acfs_err ie;
	acfs_code rc;

	acfs_err_clear(&ie);
	rc = acfs_imds_fetch(r, &s, out, &ie);
	if (rc != ACFS_OK)
		acfs_err_set(e, rc, "profile '%s': %s",
			     h->profile ? h->profile : plan->profile, ie.msg);
	return rc;
}

acfs_code acfs_resolve_hop(const acfs_resolver *r, const acfs_plan *plan,
			   size_t i, const acfs_creds *prev, acfs_creds **out,
			   acfs_err *e)
{
	const acfs_hop *h = &plan->hops[i];
	char session[65], *token = NULL;
	acfs_sts_client c;
	acfs_code rc;

	*out = NULL;
	if (i >= plan->nhops)
		return acfs_err_set(e, ACFS_E_BADARG, "no hop %zu", i);
	acfs_sts_default_session_name(h->profile ? h->profile : plan->profile,
				      session);
	switch (h->kind) {
	case ACFS_HOP_STATIC:
		*out = acfs_creds_new(h->access_key_id, h->secret_access_key,
				      h->session_token, 0, h->account_id, NULL);
		return *out ? ACFS_OK : acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	case ACFS_HOP_ENVIRONMENT:
		return from_environment(r, h, out, e);
	case ACFS_HOP_WEB_IDENTITY:
		rc = acfs_read_token_file(h->web_identity_token_file, &token, e);
		if (rc == ACFS_OK)
			rc = sts_client(r, plan, &c, e);
		if (rc == ACFS_OK)
			rc = acfs_sts_assume_role_with_web_identity(&c, h, token,
								    session, out, e);
		acfs_strfree(token);
		return rc;
	case ACFS_HOP_PROCESS:
		return acfs_process_run(r, h->credential_process,
					h->profile ? h->profile : plan->profile,
					out, e);
	case ACFS_HOP_ASSUME_ROLE:
		if (prev == NULL)
			return acfs_err_set(e, ACFS_E_BADARG,
					    "assume-role hop with no source");
		if (!acfs_creds_valid(prev, now_of(r)))
			return acfs_err_set(e, ACFS_E_CONFIG,
					    "profile '%s': the source credentials "
					    "for %s have expired", plan->profile,
					    h->role_arn);
		rc = sts_client(r, plan, &c, e);
		if (rc == ACFS_OK)
			rc = acfs_sts_assume_role(&c, prev, h, session, out, e);
		return rc;
	case ACFS_HOP_CONTAINER:
		return from_container(r, plan, h, out, e);
	case ACFS_HOP_IMDS:
		return from_imds(r, plan, h, out, e);
	default:
		return acfs_err_set(e, ACFS_E_NOTIMPL,
				    "profile '%s': the %s credential source is not "
				    "implemented in this version of awscredsfs",
				    h->profile ? h->profile : plan->profile,
				    acfs_hop_kind_name(h->kind));
	}
}

acfs_code acfs_resolve_plan(const acfs_resolver *r, const acfs_plan *plan,
			    acfs_creds **out, acfs_err *e)
{
	acfs_creds *cur = NULL, *next;
	acfs_code rc = ACFS_OK;
	size_t i;

	*out = NULL;
	for (i = 0; i < plan->nhops; i++) {
		rc = acfs_resolve_hop(r, plan, i, cur, &next, e);
		acfs_creds_unref(cur);
		cur = NULL;
		if (rc != ACFS_OK)
			return rc;
		cur = next;
	}
	*out = cur;
	return ACFS_OK;
}
