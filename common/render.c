/* render.c - file contents from a credentials snapshot. */
#include "render.h"

#include <stdio.h>
#include <string.h>

static acfs_code add(acfs_buf *b, const char *s)
{
	return acfs_buf_add(b, s, strlen(s));
}

static acfs_code kv(acfs_buf *b, const char *k, const char *v)
{
	acfs_code rc = add(b, k);

	if (rc == ACFS_OK)
		rc = add(b, " = ");
	if (rc == ACFS_OK)
		rc = add(b, v);
	return rc == ACFS_OK ? acfs_buf_addc(b, '\n') : rc;
}

static acfs_code section(acfs_buf *b, const char *name, const acfs_creds *c)
{
	acfs_code rc = acfs_buf_addc(b, '[');

	if (rc == ACFS_OK)
		rc = add(b, name);
	if (rc == ACFS_OK)
		rc = add(b, "]\n");
	if (rc == ACFS_OK)
		rc = kv(b, "aws_access_key_id", c->access_key_id);
	if (rc == ACFS_OK)
		rc = kv(b, "aws_secret_access_key", c->secret_access_key);
	if (rc == ACFS_OK && c->session_token != NULL)
		rc = kv(b, "aws_session_token", c->session_token);
	return rc;
}

static acfs_code done(acfs_buf *b, acfs_code rc)
{
	if (rc != ACFS_OK)
		acfs_buf_free(b);
	return rc;
}

acfs_code acfs_render_credentials(const char *profile, const acfs_creds *c,
				  acfs_buf *out)
{
	acfs_code rc;

	acfs_buf_init(out, ACFS_RENDER_MAX);
	rc = section(out, "default", c);
	if (rc == ACFS_OK && strcmp(profile, "default") != 0) {
		rc = acfs_buf_addc(out, '\n');
		if (rc == ACFS_OK)
			rc = section(out, profile, c);
	}
	return done(out, rc);
}

acfs_code acfs_render_expiration(const acfs_creds *c, acfs_buf *out)
{
	char when[21];
	acfs_code rc = ACFS_OK;

	acfs_buf_init(out, ACFS_RENDER_MAX);
	if (c->expiration != 0) {
		acfs_time_iso8601(c->expiration, when);
		rc = add(out, when);
		if (rc == ACFS_OK)
			rc = acfs_buf_addc(out, '\n');
	} else {
		/* An empty file; make data non-NULL. */
		rc = acfs_buf_add(out, "", 0);
	}
	return done(out, rc);
}

acfs_code acfs_shell_quote(acfs_buf *out, const char *s)
{
	acfs_code rc = acfs_buf_addc(out, '\'');

	for (; rc == ACFS_OK && *s; s++)
		rc = *s == '\'' ? add(out, "'\\''") : acfs_buf_addc(out, *s);
	return rc == ACFS_OK ? acfs_buf_addc(out, '\'') : rc;
}

static acfs_code export(acfs_buf *b, const char *name, const char *value)
{
	acfs_code rc = add(b, "export ");

	if (rc == ACFS_OK)
		rc = add(b, name);
	if (rc == ACFS_OK)
		rc = acfs_buf_addc(b, '=');
	if (rc == ACFS_OK)
		rc = acfs_shell_quote(b, value);
	return rc == ACFS_OK ? acfs_buf_addc(b, '\n') : rc;
}

acfs_code acfs_render_env(const acfs_plan *plan, const acfs_creds *c,
			  acfs_buf *out)
{
	char when[21];
	acfs_code rc;

	acfs_buf_init(out, ACFS_RENDER_MAX);
	rc = export(out, "AWS_ACCESS_KEY_ID", c->access_key_id);
	if (rc == ACFS_OK)
		rc = export(out, "AWS_SECRET_ACCESS_KEY", c->secret_access_key);
	if (rc == ACFS_OK)
		rc = c->session_token ? export(out, "AWS_SESSION_TOKEN", c->session_token)
				      : add(out, "unset AWS_SESSION_TOKEN\n");
	if (rc == ACFS_OK && c->expiration != 0) {
		acfs_time_iso8601(c->expiration, when);
		rc = export(out, "AWS_CREDENTIAL_EXPIRATION", when);
	}
	if (rc == ACFS_OK && plan->region != NULL) {
		rc = export(out, "AWS_REGION", plan->region);
		if (rc == ACFS_OK)
			rc = export(out, "AWS_DEFAULT_REGION", plan->region);
	}
	/* A profile name in the environment would make SDKs look for it in
	 * the shared files instead of using these keys. */
	if (rc == ACFS_OK)
		rc = add(out, "unset AWS_PROFILE AWS_DEFAULT_PROFILE\n");
	return done(out, rc);
}

acfs_code acfs_render_config(const acfs_plan *plan, const char *profile_dir,
			     acfs_buf *out)
{
	acfs_code rc;

	acfs_buf_init(out, ACFS_RENDER_MAX);
	rc = add(out, "[default]\n");
	if (rc == ACFS_OK && plan != NULL && plan->region != NULL)
		rc = kv(out, "region", plan->region);
	if (rc == ACFS_OK && profile_dir != NULL) {
		/* For long-running SDK clients: AWS_PROFILE=refresh makes them
		 * run credential_process and refresh by themselves. */
		rc = add(out, "\n[profile refresh]\n");
		if (rc == ACFS_OK && plan != NULL && plan->region != NULL)
			rc = kv(out, "region", plan->region);
		if (rc == ACFS_OK)
			rc = add(out, "credential_process = cat ");
		if (rc == ACFS_OK)
			rc = acfs_shell_quote(out, profile_dir);
		if (rc == ACFS_OK)
			rc = add(out, "/process.json\n");
	}
	return done(out, rc);
}
