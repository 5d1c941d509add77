/* container.c - the ECS / EKS Pod Identity credentials endpoint. */
#include "container.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "credjson.h"
#include "files.h"
#include "metahttp.h"

static const char *const allowed_hosts[] = {
	"169.254.170.2",    /* ECS */
	"169.254.170.23",   /* EKS Pod Identity, IPv4 */
	"fd00:ec2::23",     /* EKS Pod Identity, IPv6 */
	NULL,
};

static const acfs_metahttp_limits limits = {
	ACFS_CONTAINER_CONNECT_TIMEOUT_MS, ACFS_CONTAINER_TIMEOUT_MS,
	ACFS_CONTAINER_ATTEMPTS, ACFS_CONTAINER_BUDGET_MS, 100, 1000,
};

/* Whether s has a byte that has no place in a URL or a header value. */
static int has_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

acfs_code acfs_container_url(const acfs_env *env, int allow_plain_http,
			     char *url, size_t urlsz, acfs_err *e)
{
	const char *rel = acfs_env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = acfs_env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *var = rel ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
			      : "AWS_CONTAINER_CREDENTIALS_FULL_URI";
	const char *v = rel ? rel : full;
	acfs_err ue;
	acfs_code rc;
	size_t n;

	url[0] = '\0';
	if (v == NULL)
		return acfs_err_set(e, ACFS_E_NOTFOUND, "neither "
				    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
				    "AWS_CONTAINER_CREDENTIALS_FULL_URI is set in "
				    "awscredsfs's environment (No environment "
				    "variables were set to configure ECS provider)");
	n = strlen(v);
	if (n + sizeof(ACFS_CONTAINER_HOST) > urlsz || n >= ACFS_CONTAINER_URL_MAX)
		return acfs_err_set(e, ACFS_E_CONFIG, "%s is longer than %d bytes",
				    var, ACFS_CONTAINER_URL_MAX - 1);
	if (has_control(v, n) || strchr(v, ' ') != NULL)
		return acfs_err_set(e, ACFS_E_CONFIG, "%s holds a space or a "
				    "control character", var);
	if (rel != NULL) {
		/* "@host" or "host" would move the request off 169.254.170.2. */
		if (rel[0] != '/')
			return acfs_err_set(e, ACFS_E_CONFIG, "%s '%.200s' must "
					    "start with '/'", var, rel);
		snprintf(url, urlsz, "%s%s", ACFS_CONTAINER_HOST, rel);
	} else {
		snprintf(url, urlsz, "%s", full);
	}
	acfs_err_clear(&ue);
	rc = acfs_metahttp_url_check(url, allowed_hosts, allow_plain_http, NULL,
				     0, &ue);
	if (rc != ACFS_OK) {
		url[0] = '\0';
		return acfs_err_set(e, rc == ACFS_E_BADARG ? ACFS_E_CONFIG : rc,
				    "%s: %s", var, ue.msg);
	}
	return ACFS_OK;
}

acfs_code acfs_container_token(const acfs_env *env, char **token, acfs_err *e)
{
	const char *path = acfs_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *what = path ? "the token in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
				: "AWS_CONTAINER_AUTHORIZATION_TOKEN";
	const char *v;
	acfs_buf b = { 0 };
	acfs_err fe;
	int missing = 0;
	acfs_code rc = ACFS_OK;
	size_t n;

	*token = NULL;
	if (path != NULL) {
		acfs_err_clear(&fe);
		rc = acfs_file_read(path, ACFS_CONTAINER_TOKEN_MAX, &b, &missing,
				    &fe);
		if (rc != ACFS_OK)
			return acfs_err_set(e, rc, "AWS_CONTAINER_AUTHORIZATION_"
					    "TOKEN_FILE: %s", fe.msg);
		if (missing)
			return acfs_err_set(e, ACFS_E_IO, "AWS_CONTAINER_"
					    "AUTHORIZATION_TOKEN_FILE %s: %s",
					    path, strerror(ENOENT));
		v = b.data ? b.data : "";
		n = b.len;
	} else {
		v = acfs_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
		n = v ? strlen(v) : 0;
		if (n > ACFS_CONTAINER_TOKEN_MAX)
			return acfs_err_set(e, ACFS_E_TOOBIG, "%s is %zu bytes; "
					    "the limit is %d bytes", what, n,
					    ACFS_CONTAINER_TOKEN_MAX);
	}
	if (n == 0)
		goto out;
	if (memchr(v, '\r', n) != NULL || memchr(v, '\n', n) != NULL)
		rc = acfs_err_set(e, ACFS_E_CONFIG, "%s contains a line break "
				  "(CR or LF, perhaps a trailing newline), which "
				  "cannot go into an Authorization header; write "
				  "the token without one", what);
	else if (has_control(v, n))
		rc = acfs_err_set(e, ACFS_E_CONFIG, "%s contains a control "
				  "character, which cannot go into an "
				  "Authorization header", what);
	else if ((*token = acfs_strndup(v, n)) == NULL)
		rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
out:
	acfs_buf_free(&b);
	return rc;
}

acfs_code acfs_container_fetch(const acfs_resolver *r, acfs_creds **out,
			       acfs_err *e)
{
	char url[ACFS_CONTAINER_URL_MAX + sizeof(ACFS_CONTAINER_HOST)];
	char why[ACFS_ERR_MSG_MAX];
	acfs_http_header hdrs[2];
	acfs_http_response resp;
	acfs_http_request req;
	acfs_metahttp mc;
	char *token = NULL;
	int attempts = 0;
	acfs_err ie;
	acfs_code rc;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	acfs_err_clear(&ie);
	rc = acfs_container_url(r->env, r->test_allow_plain_http, url,
				sizeof(url), e);
	if (rc != ACFS_OK)
		return rc;
	rc = acfs_container_token(r->env, &token, e);
	if (rc != ACFS_OK)
		return rc;
	memset(&req, 0, sizeof(req));
	hdrs[0] = (acfs_http_header){ "Accept", "application/json" };
	hdrs[1] = (acfs_http_header){ "Authorization", token };
	req.method = "GET";
	req.url = url;
	req.headers = hdrs;
	req.nheaders = token ? 2 : 1;
	req.max_response = ACFS_CREDJSON_BODY_MAX;
	acfs_metahttp_init(&mc, r, &limits);
	rc = acfs_metahttp_send(&mc, &req, &resp, &attempts, &ie);
	if (rc != ACFS_OK) {
		rc = acfs_err_set(e, rc, "container endpoint %s: %s", url, ie.msg);
	} else if (resp.status < 200 || resp.status > 299) {
		acfs_metahttp_status_text(&resp, token, why, sizeof(why));
		rc = acfs_err_set(e, ACFS_E_REMOTE, "container endpoint %s: %s "
				  "(%d attempt%s)", url, why, attempts,
				  attempts == 1 ? "" : "s");
	} else {
		rc = acfs_credjson_container(resp.body.data ? resp.body.data : "",
					     resp.body.len, out, &ie);
		if (rc != ACFS_OK)
			rc = acfs_err_set(e, rc, "container endpoint %s: %s", url,
					  ie.msg);
	}
	acfs_http_response_clear(&resp);
	acfs_strfree(token);
	return rc;
}
