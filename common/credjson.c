/* credjson.c - bounded json-c parsers for the credential documents. */
#include "credjson.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "stsxml.h"
#include "text.h"

typedef enum {
	F_CODE = 0,
	F_MESSAGE,
	F_TYPE,
	F_LAST_UPDATED,
	F_ACCESS_KEY_ID,
	F_SECRET,
	F_TOKEN,
	F_SESSION_TOKEN,
	F_EXPIRATION,
	F_ACCOUNT_ID,
	F_VERSION,
	F__COUNT
} field;

#define BIT(f) (1u << (f))

/* Name and cap (bytes) of each field.  Code and Message are only shown,
 * cut to fit, so the body cap is theirs. */
static const struct {
	const char *name;
	size_t max;
} fields[F__COUNT] = {
	[F_CODE] = { "Code", ACFS_CREDJSON_BODY_MAX },
	[F_MESSAGE] = { "Message", ACFS_CREDJSON_BODY_MAX },
	[F_TYPE] = { "Type", 64 },
	[F_LAST_UPDATED] = { "LastUpdated", 64 },
	[F_ACCESS_KEY_ID] = { "AccessKeyId", 128 },
	[F_SECRET] = { "SecretAccessKey", 1024 },
	[F_TOKEN] = { "Token", ACFS_CREDJSON_TOKEN_MAX },
	[F_SESSION_TOKEN] = { "SessionToken", ACFS_CREDJSON_TOKEN_MAX },
	[F_EXPIRATION] = { "Expiration", 64 },
	[F_ACCOUNT_ID] = { "AccountId", 12 },
	[F_VERSION] = { "Version", 0 },
};

/* The fields each document has. */
#define ERROR_FIELDS (BIT(F_CODE) | BIT(F_MESSAGE))
#define CONTAINER_FIELDS (ERROR_FIELDS | BIT(F_ACCESS_KEY_ID) | BIT(F_SECRET) | \
			  BIT(F_TOKEN) | BIT(F_EXPIRATION) | BIT(F_ACCOUNT_ID))
#define IMDS_FIELDS (ERROR_FIELDS | BIT(F_TYPE) | BIT(F_LAST_UPDATED) | \
		     BIT(F_ACCESS_KEY_ID) | BIT(F_SECRET) | BIT(F_TOKEN) | \
		     BIT(F_EXPIRATION))
#define PROCESS_FIELDS (BIT(F_VERSION) | BIT(F_ACCESS_KEY_ID) | BIT(F_SECRET) | \
			BIT(F_SESSION_TOKEN) | BIT(F_EXPIRATION) | \
			BIT(F_ACCOUNT_ID))

typedef struct {
	const char *what;          /* "the IMDS response", for messages */
	json_tokener *tok;
	json_object *root;
	json_object *v[F__COUNT];  /* borrowed from root */
	unsigned seen;
} doc;

/* Wipes every string in o, json-c's own copies of the document's text. */
static void wipe_tree(json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		acfs_wipe((void *)json_object_get_string(o),
			  (size_t)json_object_get_string_len(o));
		break;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			wipe_tree(val);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			wipe_tree(json_object_array_get_idx(o, i));
		break;
	default:
		break;
	}
}

static void doc_free(doc *d)
{
	if (d->root != NULL) {
		wipe_tree(d->root);
		json_object_put(d->root);
	}
	if (d->tok != NULL) {
		int i;

		/* A document that failed part way: what json-c had built
		 * of it is freed, unwiped, by json_tokener_free. */
		for (i = 0; i <= d->tok->depth && i < d->tok->max_depth; i++)
			if (d->tok->stack[i].current != NULL)
				wipe_tree(d->tok->stack[i].current);
		/* The tokener collects each string in its print buffer before
		 * copying it out; json-c frees that buffer unwiped. */
		if (d->tok->pb != NULL && d->tok->pb->buf != NULL)
			acfs_wipe(d->tok->pb->buf, (size_t)d->tok->pb->size);
		json_tokener_free(d->tok);
	}
	memset(d, 0, sizeof(*d));
}

static int all_space(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* Parses body into d and picks out the fields in want. */
static acfs_code doc_parse(doc *d, const char *what, const char *body,
			   size_t len, unsigned want, acfs_err *e)
{
	enum json_tokener_error jerr;
	size_t end;
	int f;

	memset(d, 0, sizeof(*d));
	d->what = what;
	if (len > ACFS_CREDJSON_BODY_MAX)
		return acfs_err_set(e, ACFS_E_TOOBIG, "%s is %zu bytes; the "
				    "limit is %d bytes", what, len,
				    ACFS_CREDJSON_BODY_MAX);
	if (len == 0 || all_space(body, len))
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s is empty", what);
	if (memchr(body, '\0', len) != NULL)
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s contains a NUL byte",
				    what);
	d->tok = json_tokener_new_ex(ACFS_CREDJSON_DEPTH_MAX);
	/* Grown now, while it holds nothing, to more than any string of the
	 * body: json-c grows it with realloc, which would leave pieces of a
	 * secret behind unwiped. */
	if (d->tok == NULL || d->tok->pb == NULL ||
	    printbuf_memset(d->tok->pb, 0, 0, (int)len + 1) < 0)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	printbuf_reset(d->tok->pb);
	json_tokener_set_flags(d->tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_ALLOW_TRAILING_CHARS |
			       JSON_TOKENER_VALIDATE_UTF8);
	d->root = json_tokener_parse_ex(d->tok, body, (int)len);
	jerr = json_tokener_get_error(d->tok);
	if (d->root == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			return acfs_err_set(e, ACFS_E_SYNTAX, "%s is not valid "
					    "JSON (it ends too early)", what);
		if (jerr == json_tokener_error_depth)
			return acfs_err_set(e, ACFS_E_SYNTAX, "%s is nested more "
					    "than %d levels deep", what,
					    ACFS_CREDJSON_DEPTH_MAX);
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s is not valid JSON "
				    "(%s)", what, json_tokener_error_desc(jerr));
	}
	end = json_tokener_get_parse_end(d->tok);
	if (end > len || !all_space(body + end, len - end))
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s has text after the "
				    "JSON document", what);
	if (!json_object_is_type(d->root, json_type_object))
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s is not a JSON object",
				    what);
	json_object_object_foreach(d->root, key, val) {
		for (f = 0; f < F__COUNT; f++) {
			if (!(want & BIT(f)) || strcasecmp(key, fields[f].name) != 0)
				continue;
			if (d->seen & BIT(f))
				return acfs_err_set(e, ACFS_E_SYNTAX, "%s has "
						    "%s twice", what,
						    fields[f].name);
			d->seen |= BIT(f);
			d->v[f] = val;
		}
	}
	return ACFS_OK;
}

/* Field f as a string: *out NULL when absent (an error when required) or,
 * when optional, empty. */
static acfs_code get_str(const doc *d, field f, int required,
			 const char **out, acfs_err *e)
{
	const char *s, *name = fields[f].name;
	size_t n, i;

	*out = NULL;
	/* JSON null in an optional field is its absence, as for botocore
	 * (parsed.get) and aws-sdk-go-v2 (encoding/json). */
	if (!(d->seen & BIT(f)) || (!required && d->v[f] == NULL))
		return required ? acfs_err_set(e, ACFS_E_SYNTAX, "%s has no %s",
					       d->what, name) : ACFS_OK;
	if (!json_object_is_type(d->v[f], json_type_string))
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s: %s is not a string",
				    d->what, name);
	s = json_object_get_string(d->v[f]);
	n = (size_t)json_object_get_string_len(d->v[f]);
	if (n > fields[f].max)
		return acfs_err_set(e, ACFS_E_TOOBIG, "%s: %s is longer than "
				    "%zu bytes", d->what, name, fields[f].max);
	if (f != F_CODE && f != F_MESSAGE)
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return acfs_err_set(e, ACFS_E_SYNTAX, "%s: %s "
						    "contains a control "
						    "character", d->what, name);
	if (n == 0) {
		if (required)
			return acfs_err_set(e, ACFS_E_SYNTAX, "%s: %s is empty",
					    d->what, name);
		return ACFS_OK;
	}
	*out = s;
	return ACFS_OK;
}

/* A code or message for a message: printable, cut to fit; none when v is
 * not a string. */
static const char *shown(json_object *v, const char *none, char *out,
			 size_t outsz)
{
	if (!json_object_is_type(v, json_type_string))
		return none;
	return acfs_text_printable(json_object_get_string(v),
				   (size_t)json_object_get_string_len(v), out,
				   outsz);
}

/* "CODE: MESSAGE" of an error document, printable and bounded. */
static void error_text(const doc *d, char *out, size_t outsz)
{
	char code[132], msg[516];

	snprintf(out, outsz, "%s: %s",
		 shown(d->v[F_CODE], "(no code)", code, sizeof(code)),
		 shown(d->v[F_MESSAGE], "no message", msg, sizeof(msg)));
}

/* An RFC 3339 time into *out.  acfs_parse_iso8601 takes UTC ("Z",
 * "+00:00"); another offset ("+01:00", as granted prints local time),
 * which botocore and aws-sdk-go-v2 accept, is read as UTC and moved. */
static int parse_time(const char *s, time_t *out)
{
	size_t n = strlen(s);
	const char *z = s + (n >= 6 ? n - 6 : 0);
	char utc[80];
	long off;

	if (acfs_parse_iso8601(s, out) == 0)
		return 0;
	if (n < 6 || n - 6 + 2 > sizeof(utc) || (z[0] != '+' && z[0] != '-') ||
	    !isdigit((unsigned char)z[1]) || !isdigit((unsigned char)z[2]) ||
	    z[3] != ':' || !isdigit((unsigned char)z[4]) ||
	    !isdigit((unsigned char)z[5]))
		return -1;
	off = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600L +
	      ((z[4] - '0') * 10 + (z[5] - '0')) * 60L;
	if (z[1] > '2' || (z[1] == '2' && z[2] > '3') || z[4] > '5')
		return -1;
	memcpy(utc, s, n - 6);
	memcpy(utc + n - 6, "Z", 2);
	if (acfs_parse_iso8601(utc, out) != 0)
		return -1;
	/* Local time is UTC plus the offset. */
	*out += z[0] == '+' ? -off : off;
	return 0;
}

/* The fields every document shares, into a snapshot.  token_field is
 * F_TOKEN or F_SESSION_TOKEN. */
static acfs_code make_creds(const doc *d, field token_field, int need_token,
			    int need_expiration, acfs_creds **out, acfs_err *e)
{
	const char *akid, *secret, *token, *when, *acct;
	char text[70];
	time_t exp = 0;
	acfs_code rc;
	size_t i;

	if ((rc = get_str(d, F_ACCESS_KEY_ID, 1, &akid, e)) != ACFS_OK ||
	    (rc = get_str(d, F_SECRET, 1, &secret, e)) != ACFS_OK ||
	    (rc = get_str(d, token_field, need_token, &token, e)) != ACFS_OK ||
	    (rc = get_str(d, F_EXPIRATION, need_expiration, &when, e)) != ACFS_OK ||
	    (rc = get_str(d, F_ACCOUNT_ID, 0, &acct, e)) != ACFS_OK)
		return rc;
	if (when != NULL && (parse_time(when, &exp) != 0 || exp <= 0))
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s: Expiration '%s' is "
				    "not an ISO 8601 time", d->what,
				    acfs_text_printable(when, strlen(when), text,
							sizeof(text)));
	for (i = 0; acct != NULL && i < 12; i++)
		if (acct[i] < '0' || acct[i] > '9')
			break;
	if (acct != NULL && (i != 12 || acct[12] != '\0'))
		return acfs_err_set(e, ACFS_E_SYNTAX, "%s: AccountId '%s' is not "
				    "12 digits", d->what,
				    acfs_text_printable(acct, strlen(acct), text,
							sizeof(text)));
	*out = acfs_creds_new(akid, secret, token, exp, acct, NULL);
	return *out ? ACFS_OK : acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
}

/* An error document: its code and message, as ACFS_E_REMOTE. */
static acfs_code remote_error(const doc *d, acfs_err *e)
{
	char text[700];

	error_text(d, text, sizeof(text));
	return acfs_err_set(e, ACFS_E_REMOTE, "%s is an error: %s", d->what,
			    text);
}

/* Code (when not NULL) must be "Success"; a document without one is an
 * error document when it has a message and no keys (the container
 * endpoint's {"code": ..., "message": ...}). */
static acfs_code check_code(const doc *d, int need_code, acfs_err *e)
{
	const char *code, *msg;
	acfs_code rc;

	if ((rc = get_str(d, F_CODE, need_code, &code, e)) != ACFS_OK ||
	    (rc = get_str(d, F_MESSAGE, 0, &msg, e)) != ACFS_OK)
		return rc;
	if (code != NULL ? strcmp(code, "Success") != 0 :
	    msg != NULL && !(d->seen & BIT(F_ACCESS_KEY_ID)))
		return remote_error(d, e);
	return ACFS_OK;
}

acfs_code acfs_credjson_container(const char *body, size_t len,
				  acfs_creds **out, acfs_err *e)
{
	doc d;
	acfs_code rc;

	*out = NULL;
	rc = doc_parse(&d, "the container endpoint's response", body, len,
		       CONTAINER_FIELDS, e);
	if (rc == ACFS_OK)
		rc = check_code(&d, 0, e);
	if (rc == ACFS_OK)
		rc = make_creds(&d, F_TOKEN, 1, 1, out, e);
	doc_free(&d);
	return rc;
}

acfs_code acfs_credjson_imds(const char *body, size_t len, acfs_creds **out,
			     acfs_err *e)
{
	const char *ignored;
	doc d;
	acfs_code rc;

	*out = NULL;
	rc = doc_parse(&d, "the IMDS response", body, len, IMDS_FIELDS, e);
	if (rc == ACFS_OK)
		rc = check_code(&d, 1, e);
	if (rc == ACFS_OK)
		rc = get_str(&d, F_TYPE, 0, &ignored, e);
	if (rc == ACFS_OK)
		rc = get_str(&d, F_LAST_UPDATED, 0, &ignored, e);
	if (rc == ACFS_OK)
		rc = make_creds(&d, F_TOKEN, 1, 1, out, e);
	doc_free(&d);
	return rc;
}

acfs_code acfs_credjson_process(const char *body, size_t len,
				acfs_creds **out, acfs_err *e)
{
	json_object *v;
	doc d;
	acfs_code rc;

	*out = NULL;
	rc = doc_parse(&d, "the credential_process output", body, len,
		       PROCESS_FIELDS, e);
	v = d.v[F_VERSION];
	if (rc == ACFS_OK && !(d.seen & BIT(F_VERSION)))
		rc = acfs_err_set(e, ACFS_E_SYNTAX, "the credential_process "
				  "output has no Version (it must be 1)");
	else if (rc == ACFS_OK && (!json_object_is_type(v, json_type_int) ||
				   json_object_get_int64(v) != 1))
		rc = acfs_err_set(e, ACFS_E_SYNTAX, "the credential_process "
				  "output has a Version other than the integer 1 "
				  "(the only version there is)");
	if (rc == ACFS_OK)
		rc = make_creds(&d, F_SESSION_TOKEN, 0, 0, out, e);
	doc_free(&d);
	return rc;
}

int acfs_credjson_error(const char *body, size_t len, char *out,
			size_t outsz)
{
	int found = 0;
	acfs_err ignored;
	doc d;

	if (doc_parse(&d, "the response", body, len, ERROR_FIELDS,
		      &ignored) == ACFS_OK &&
	    (json_object_is_type(d.v[F_CODE], json_type_string) ||
	     json_object_is_type(d.v[F_MESSAGE], json_type_string))) {
		error_text(&d, out, outsz);
		found = 1;
	}
	doc_free(&d);
	return found;
}
