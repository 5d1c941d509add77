/* stsxml.c - STS XML responses with libexpat on wiping allocators. */
#include "stsxml.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "secret.h"

#define STS_NS "https://sts.amazonaws.com/doc/2011-06-15/"
#define NS_SEP '|'

/* --- allocators that wipe: every block carries its size in front --- */

typedef union {
	size_t size;
	max_align_t align;
} blk_hdr;

static void *w_malloc(size_t n)
{
	blk_hdr *h;

	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	h = malloc(sizeof(*h) + n);
	if (h == NULL)
		return NULL;
	h->size = n;
	return h + 1;
}

static void w_free(void *p)
{
	blk_hdr *h;

	if (p == NULL)
		return;
	h = (blk_hdr *)p - 1;
	acfs_wipefree(h, sizeof(*h) + h->size);
}

static void *w_realloc(void *p, size_t n)
{
	void *np;
	size_t old;

	if (p == NULL)
		return w_malloc(n);
	old = ((blk_hdr *)p - 1)->size;
	np = w_malloc(n);
	if (np == NULL)
		return NULL;
	memcpy(np, p, old < n ? old : n);
	w_free(p);
	return np;
}

static const XML_Memory_Handling_Suite wiping_mm = { w_malloc, w_realloc, w_free };

/* --- the parse state --- */

typedef struct {
	XML_Parser xp;
	acfs_sts_response *out;
	const char *stack[ACFS_STSXML_DEPTH_MAX];   /* local names (static) */
	int depth;
	acfs_buf text;
	acfs_code rc;
	const char *why;
} ctx;

/* The element names we care about, so the stack holds static strings. */
static const char *const known[] = {
	"AssumeRoleResponse", "AssumeRoleWithWebIdentityResponse",
	"GetSessionTokenResponse", "GetCallerIdentityResponse", "ErrorResponse",
	"AssumeRoleResult", "AssumeRoleWithWebIdentityResult",
	"GetSessionTokenResult", "GetCallerIdentityResult", "Credentials",
	"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration",
	"AssumedRoleUser", "Arn", "AssumedRoleId", "SourceIdentity",
	"SubjectFromWebIdentityToken", "Audience", "Provider", "Account",
	"UserId", "Error", "Type", "Code", "Message", "RequestId",
	"ResponseMetadata", "PackedPolicySize", NULL,
};

static void stop(ctx *c, acfs_code rc, const char *why)
{
	if (c->rc == ACFS_OK) {
		c->rc = rc;
		c->why = why;
	}
	XML_StopParser(c->xp, XML_FALSE);
}

/* Splits "ns|local"; accepts the STS namespace or none. */
static const char *local_name(ctx *c, const char *name)
{
	const char *bar = strchr(name, NS_SEP), *local = name;
	size_t i;

	if (bar != NULL) {
		if ((size_t)(bar - name) != strlen(STS_NS) ||
		    strncmp(name, STS_NS, strlen(STS_NS)) != 0)
			return "";   /* foreign namespace: ignored */
		local = bar + 1;
	}
	for (i = 0; known[i] != NULL; i++)
		if (strcmp(known[i], local) == 0)
			return known[i];
	return "";
}

static int at(const ctx *c, int n, ...)
	__attribute__((sentinel));

/* Whether the innermost n elements are the given names (outermost first). */
static int at(const ctx *c, int n, ...)
{
	va_list ap;
	int i, ok = 1;

	if (c->depth < n)
		return 0;
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);

		if (strcmp(c->stack[c->depth - n + i], want) != 0)
			ok = 0;
	}
	va_end(ap);
	return ok;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	ctx *c = ud;
	const char *l;

	(void)atts;
	if (c->depth == ACFS_STSXML_DEPTH_MAX) {
		stop(c, ACFS_E_SYNTAX, "elements nested too deeply");
		return;
	}
	l = local_name(c, name);
	if (c->depth == 0) {
		acfs_sts_resp_kind k = ACFS_STS_RESP_NONE;

		if (strcmp(l, "AssumeRoleResponse") == 0)
			k = ACFS_STS_RESP_ASSUME_ROLE;
		else if (strcmp(l, "AssumeRoleWithWebIdentityResponse") == 0)
			k = ACFS_STS_RESP_ASSUME_ROLE_WEB_IDENTITY;
		else if (strcmp(l, "GetSessionTokenResponse") == 0)
			k = ACFS_STS_RESP_GET_SESSION_TOKEN;
		else if (strcmp(l, "GetCallerIdentityResponse") == 0)
			k = ACFS_STS_RESP_GET_CALLER_IDENTITY;
		else if (strcmp(l, "ErrorResponse") == 0)
			k = ACFS_STS_RESP_ERROR;
		if (k == ACFS_STS_RESP_NONE) {
			stop(c, ACFS_E_SYNTAX, "not an STS response document");
			return;
		}
		c->out->kind = k;
	}
	c->stack[c->depth++] = l;
	acfs_buf_reset(&c->text);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	ctx *c = ud;
	acfs_code rc;

	if (len <= 0 || c->depth == 0)
		return;
	rc = acfs_buf_add(&c->text, s, (size_t)len);
	if (rc == ACFS_E_TOOBIG)
		stop(c, rc, "an element's text is too long");
	else if (rc != ACFS_OK)
		stop(c, rc, "out of memory");
}

static void take(ctx *c, char **field)
{
	char *v = acfs_strndup(c->text.data ? c->text.data : "", c->text.len);

	if (v == NULL) {
		stop(c, ACFS_E_NOMEM, "out of memory");
		return;
	}
	acfs_strfree(*field);   /* a repeated element: the last one counts */
	*field = v;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	ctx *c = ud;
	acfs_sts_response *r = c->out;

	(void)name;
	if (c->depth >= 2 && strcmp(c->stack[c->depth - 2], "Credentials") == 0 &&
	    c->depth == 4) {
		if (at(c, 1, "AccessKeyId", NULL))
			take(c, &r->access_key_id);
		else if (at(c, 1, "SecretAccessKey", NULL))
			take(c, &r->secret_access_key);
		else if (at(c, 1, "SessionToken", NULL))
			take(c, &r->session_token);
		else if (at(c, 1, "Expiration", NULL))
			take(c, &r->expiration_text);
	} else if (c->depth == 4 && at(c, 2, "AssumedRoleUser", "Arn", NULL)) {
		take(c, &r->assumed_role_arn);
	} else if (c->depth == 4 && at(c, 2, "AssumedRoleUser", "AssumedRoleId", NULL)) {
		take(c, &r->assumed_role_id);
	} else if (c->depth == 3 && r->kind == ACFS_STS_RESP_GET_CALLER_IDENTITY &&
		   at(c, 2, "GetCallerIdentityResult", "Arn", NULL)) {
		take(c, &r->arn);
	} else if (c->depth == 3 && at(c, 2, "GetCallerIdentityResult", "Account", NULL)) {
		take(c, &r->account);
	} else if (c->depth == 3 && at(c, 2, "GetCallerIdentityResult", "UserId", NULL)) {
		take(c, &r->user_id);
	} else if (c->depth == 3 && at(c, 1, "SourceIdentity", NULL)) {
		take(c, &r->source_identity);
	} else if (c->depth == 3 && at(c, 1, "SubjectFromWebIdentityToken", NULL)) {
		take(c, &r->subject_from_web_identity_token);
	} else if (c->depth == 3 && at(c, 1, "Audience", NULL)) {
		take(c, &r->audience);
	} else if (c->depth == 3 && at(c, 1, "Provider", NULL)) {
		take(c, &r->provider);
	} else if (c->depth == 3 && at(c, 3, "ErrorResponse", "Error", "Type", NULL)) {
		take(c, &r->error_type);
	} else if (c->depth == 3 && at(c, 3, "ErrorResponse", "Error", "Code", NULL)) {
		take(c, &r->error_code);
	} else if (c->depth == 3 && at(c, 3, "ErrorResponse", "Error", "Message", NULL)) {
		take(c, &r->error_message);
	} else if ((c->depth == 2 && at(c, 2, "ErrorResponse", "RequestId", NULL)) ||
		   (c->depth == 3 && at(c, 2, "ResponseMetadata", "RequestId", NULL))) {
		take(c, &r->request_id);
	}
	c->depth--;
	acfs_buf_reset(&c->text);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name,
			       const XML_Char *sysid, const XML_Char *pubid,
			       int has_internal_subset)
{
	(void)name; (void)sysid; (void)pubid; (void)has_internal_subset;
	stop(ud, ACFS_E_SYNTAX, "document has a DTD");
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int acfs_parse_iso8601(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, n = 0, i;
	long long days;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!(strcmp(p, "Z") == 0 || strcmp(p, "+00:00") == 0 ||
	      strcmp(p, "z") == 0))
		return -1;
	days = 0;
	for (i = 1970; i < y; i++)
		days += 365 + leap(i);
	for (i = 1; i < mo; i++)
		days += mdays[i - 1] + (i == 2 && leap(y));
	days += d - 1;
	*out = (time_t)(days * 86400LL + h * 3600LL + mi * 60LL + sec);
	return 0;
}

int acfs_arn_account(const char *arn, char out[13])
{
	const char *p = arn;
	int i;

	/* arn:partition:service:region:account:resource */
	for (i = 0; i < 4; i++) {
		p = strchr(p, ':');
		if (p == NULL)
			return -1;
		p++;
	}
	for (i = 0; i < 12; i++)
		if (!isdigit((unsigned char)p[i]))
			return -1;
	if (p[12] != ':')
		return -1;
	memcpy(out, p, 12);
	out[12] = '\0';
	return 0;
}

void acfs_sts_response_clear(acfs_sts_response *r)
{
	acfs_strfree(r->access_key_id);
	acfs_strfree(r->secret_access_key);
	acfs_strfree(r->session_token);
	acfs_strfree(r->expiration_text);
	acfs_strfree(r->assumed_role_arn);
	acfs_strfree(r->assumed_role_id);
	acfs_strfree(r->source_identity);
	acfs_strfree(r->subject_from_web_identity_token);
	acfs_strfree(r->audience);
	acfs_strfree(r->provider);
	acfs_strfree(r->arn);
	acfs_strfree(r->account);
	acfs_strfree(r->user_id);
	acfs_strfree(r->error_type);
	acfs_strfree(r->error_code);
	acfs_strfree(r->error_message);
	acfs_strfree(r->request_id);
	memset(r, 0, sizeof(*r));
}

acfs_code acfs_stsxml_parse(const char *body, size_t len,
			    acfs_sts_response *out, acfs_err *e)
{
	ctx c;
	acfs_code rc = ACFS_OK;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if (len > ACFS_STSXML_BODY_MAX)
		return acfs_err_set(e, ACFS_E_TOOBIG,
				    "STS response body is %zu bytes; the limit is %d",
				    len, ACFS_STSXML_BODY_MAX);
	if (len == 0)
		return acfs_err_set(e, ACFS_E_SYNTAX, "STS response body is empty");
	c.out = out;
	acfs_buf_init(&c.text, ACFS_STSXML_TEXT_MAX);
	c.xp = XML_ParserCreate_MM(NULL, &wiping_mm, "|");
	if (c.xp == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	XML_SetUserData(c.xp, &c);
	XML_SetElementHandler(c.xp, on_start, on_end);
	XML_SetCharacterDataHandler(c.xp, on_text);
	XML_SetStartDoctypeDeclHandler(c.xp, on_doctype);
	if (XML_Parse(c.xp, body, (int)len, XML_TRUE) == XML_STATUS_ERROR &&
	    c.rc == ACFS_OK) {
		rc = acfs_err_set(e, ACFS_E_SYNTAX,
				  "STS response is not well-formed XML (line %lu: %s)",
				  (unsigned long)XML_GetCurrentLineNumber(c.xp),
				  XML_ErrorString(XML_GetErrorCode(c.xp)));
		goto out;
	}
	if (c.rc != ACFS_OK) {
		rc = acfs_err_set(e, c.rc, "STS response rejected: %s", c.why);
		goto out;
	}
	switch (out->kind) {
	case ACFS_STS_RESP_ERROR:
		if (out->error_code == NULL)
			rc = acfs_err_set(e, ACFS_E_SYNTAX,
					  "STS ErrorResponse has no Error/Code");
		break;
	case ACFS_STS_RESP_GET_CALLER_IDENTITY:
		if (out->arn == NULL || out->account == NULL)
			rc = acfs_err_set(e, ACFS_E_SYNTAX,
					  "GetCallerIdentityResponse lacks Arn or "
					  "Account");
		break;
	default:
		if (out->access_key_id == NULL || out->secret_access_key == NULL ||
		    out->session_token == NULL || out->expiration_text == NULL) {
			rc = acfs_err_set(e, ACFS_E_SYNTAX,
					  "STS response lacks part of its Credentials "
					  "(AccessKeyId, SecretAccessKey, SessionToken, "
					  "Expiration)");
			break;
		}
		if (acfs_parse_iso8601(out->expiration_text, &out->expiration) != 0)
			rc = acfs_err_set(e, ACFS_E_SYNTAX,
					  "STS Expiration '%.40s' is not an ISO 8601 "
					  "UTC time", out->expiration_text);
		break;
	}
out:
	XML_ParserFree(c.xp);
	acfs_buf_free(&c.text);
	if (rc != ACFS_OK)
		acfs_sts_response_clear(out);
	return rc;
}
