/* secret.h - memory that may hold secrets, and growable capped buffers.
 *
 * Everything the engine reads from a config or credentials file may be a
 * secret (aws_secret_access_key, aws_session_token), so the string helpers
 * here always wipe before freeing.  The wipe cannot be optimised away
 * (explicit_bzero).
 */
#ifndef ACFS_SECRET_H
#define ACFS_SECRET_H

#include <stddef.h>

#include "error.h"

/* Wipes len bytes at p. p may be NULL when len is 0. */
void acfs_wipe(void *p, size_t len);

/* Wipes a NUL-terminated string and frees it.  NULL is a no-op. */
void acfs_strfree(char *s);

/* Wipes size bytes and frees p.  NULL is a no-op. */
void acfs_wipefree(void *p, size_t size);

/* strndup that returns NULL on allocation failure; result goes to
 * acfs_strfree(). */
char *acfs_strndup(const char *s, size_t n);
char *acfs_strdup(const char *s);

/* A growable byte buffer with a hard cap (curl's dynbuf "toobig").
 * The contents are always NUL-terminated.  acfs_buf_free wipes. */
typedef struct {
	char *data;
	size_t len;
	size_t cap;  /* allocated bytes */
	size_t max;  /* hard limit on len */
} acfs_buf;

void acfs_buf_init(acfs_buf *b, size_t max);
/* Appends n bytes.  ACFS_E_TOOBIG when len would exceed max (nothing is
 * appended), ACFS_E_NOMEM on allocation failure. */
acfs_code acfs_buf_add(acfs_buf *b, const void *p, size_t n);
acfs_code acfs_buf_addc(acfs_buf *b, char c);
/* Truncates to zero length, wiping the old contents. */
void acfs_buf_reset(acfs_buf *b);
/* Wipes and frees the storage; the buffer may be reused after init. */
void acfs_buf_free(acfs_buf *b);
/* Hands the storage to the caller (free with acfs_wipefree(p, *size) or
 * acfs_strfree); the buffer is left empty. */
char *acfs_buf_steal(acfs_buf *b, size_t *len);

#endif
