/* creds.c - refcounted credential snapshots and their JSON form. */
#include "creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

acfs_creds *acfs_creds_new(const char *akid, const char *secret,
			   const char *token, time_t expiration,
			   const char *account_id, const char *arn)
{
	acfs_creds *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->refs = 1;
	c->expiration = expiration;
	c->access_key_id = acfs_strdup(akid);
	c->secret_access_key = acfs_strdup(secret);
	c->session_token = token ? acfs_strdup(token) : NULL;
	c->arn = arn ? acfs_strdup(arn) : NULL;
	if (account_id != NULL)
		snprintf(c->account_id, sizeof(c->account_id), "%s", account_id);
	if (c->access_key_id == NULL || c->secret_access_key == NULL ||
	    (token != NULL && c->session_token == NULL) ||
	    (arn != NULL && c->arn == NULL)) {
		acfs_creds_unref(c);
		return NULL;
	}
	return c;
}

acfs_creds *acfs_creds_ref(acfs_creds *c)
{
	if (c != NULL)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void acfs_creds_unref(acfs_creds *c)
{
	if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	acfs_strfree(c->access_key_id);
	acfs_strfree(c->secret_access_key);
	acfs_strfree(c->session_token);
	acfs_strfree(c->arn);
	acfs_wipefree(c, sizeof(*c));
}

int acfs_creds_valid(const acfs_creds *c, time_t now)
{
	return c != NULL && (c->expiration == 0 || c->expiration > now);
}

void acfs_time_iso8601(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

acfs_code acfs_json_quote(acfs_buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	acfs_code rc = acfs_buf_addc(out, '"');

	for (; rc == ACFS_OK && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			rc = acfs_buf_add(out, esc, 2);
		} else if (c < 0x20) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			rc = acfs_buf_add(out, esc, 6);
		} else {
			rc = acfs_buf_addc(out, (char)c);
		}
	}
	return rc == ACFS_OK ? acfs_buf_addc(out, '"') : rc;
}

static acfs_code field(acfs_buf *b, const char *name, const char *value)
{
	acfs_code rc = acfs_buf_add(b, ",\"", 2);

	if (rc == ACFS_OK)
		rc = acfs_buf_add(b, name, strlen(name));
	if (rc == ACFS_OK)
		rc = acfs_buf_add(b, "\":", 2);
	return rc == ACFS_OK ? acfs_json_quote(b, value) : rc;
}

acfs_code acfs_creds_process_json(const acfs_creds *c, acfs_buf *out)
{
	char when[21];
	acfs_code rc;

	acfs_buf_init(out, 64 * 1024);
	rc = acfs_buf_add(out, "{\"Version\":1", 12);
	if (rc == ACFS_OK)
		rc = field(out, "AccessKeyId", c->access_key_id);
	if (rc == ACFS_OK)
		rc = field(out, "SecretAccessKey", c->secret_access_key);
	if (rc == ACFS_OK && c->session_token != NULL)
		rc = field(out, "SessionToken", c->session_token);
	if (rc == ACFS_OK && c->expiration != 0) {
		acfs_time_iso8601(c->expiration, when);
		rc = field(out, "Expiration", when);
	}
	if (rc == ACFS_OK && c->account_id[0] != '\0')
		rc = field(out, "AccountId", c->account_id);
	if (rc == ACFS_OK)
		rc = acfs_buf_add(out, "}\n", 2);
	if (rc != ACFS_OK)
		acfs_buf_free(out);
	return rc;
}
