/* fuzz_credjson.h - what the credjson fuzz targets share: one parser run
 * on an exact-size heap copy of the input (so ASan sees any read past the
 * end), and the invariants of a success. */
#ifndef ACFS_FUZZ_CREDJSON_H
#define ACFS_FUZZ_CREDJSON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credjson.h"

typedef acfs_code (*fuzz_credjson_parser)(const char *body, size_t len,
					  acfs_creds **out, acfs_err *e);

/* need_token: a success must carry a session token and an expiration. */
static inline void fuzz_credjson(fuzz_credjson_parser parse,
				 const uint8_t *data, size_t size,
				 int need_token)
{
	acfs_creds *c = NULL;
	acfs_err e;
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return;
	memcpy(copy, data, size);
	if (parse(copy, size, &c, &e) != ACFS_OK) {
		if (c != NULL)
			abort();
	} else if (c == NULL || c->access_key_id == NULL ||
		   c->access_key_id[0] == '\0' || c->secret_access_key == NULL ||
		   c->secret_access_key[0] == '\0' || c->expiration < 0 ||
		   (need_token && (c->session_token == NULL ||
				   c->expiration == 0)) ||
		   (c->account_id[0] != '\0' && strlen(c->account_id) != 12)) {
		abort();
	}
	acfs_creds_unref(c);
	free(copy);
}

#endif
