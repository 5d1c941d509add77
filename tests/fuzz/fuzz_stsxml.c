/* fuzz_stsxml.c - libFuzzer target for the STS XML response parser and
 * the time and ARN helpers it feeds.  Seeds: the STS bodies in
 * shared/conformance/sts-responses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stsxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	acfs_sts_response r;
	acfs_err e;
	char acct[13];
	time_t t;
	char *copy;

	/* An exact-size heap copy, so ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (acfs_stsxml_parse(copy, size, &r, &e) == ACFS_OK) {
		/* A success is complete: its invariants must hold. */
		if (r.kind == ACFS_STS_RESP_ERROR && r.error_code == NULL)
			abort();
		if ((r.kind == ACFS_STS_RESP_ASSUME_ROLE ||
		     r.kind == ACFS_STS_RESP_ASSUME_ROLE_WEB_IDENTITY ||
		     r.kind == ACFS_STS_RESP_GET_SESSION_TOKEN) &&
		    (r.access_key_id == NULL || r.secret_access_key == NULL ||
		     r.session_token == NULL ||
		     acfs_parse_iso8601(r.expiration_text, &t) != 0 ||
		     t != r.expiration))
			abort();
		if (r.assumed_role_arn != NULL)
			acfs_arn_account(r.assumed_role_arn, acct);
		acfs_sts_response_clear(&r);
	}
	/* The time parser on its own, on a NUL-terminated copy. */
	if (size < 64) {
		char s[64];

		memcpy(s, data, size);
		s[size] = '\0';
		acfs_parse_iso8601(s, &t);
		acfs_arn_account(s, acct);
	}
	free(copy);
	return 0;
}
