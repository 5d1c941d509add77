/* secret.c - wiping frees and the capped buffer. */
#include "secret.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void acfs_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

void acfs_strfree(char *s)
{
	if (s == NULL)
		return;
	acfs_wipe(s, strlen(s));
	free(s);
}

void acfs_wipefree(void *p, size_t size)
{
	if (p == NULL)
		return;
	acfs_wipe(p, size);
	free(p);
}

char *acfs_strndup(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (r == NULL)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *acfs_strdup(const char *s)
{
	return acfs_strndup(s, strlen(s));
}

void acfs_buf_init(acfs_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

acfs_code acfs_buf_add(acfs_buf *b, const void *p, size_t n)
{
	size_t need, ncap;
	char *nd;

	/* The NUL needs one byte more than len + n: refuse anything that
	 * would make len + n + 1 wrap around. */
	if (n > b->max || b->len > b->max - n || b->len + n == SIZE_MAX)
		return ACFS_E_TOOBIG;
	need = b->len + n + 1;
	if (need > b->cap) {
		ncap = b->cap ? b->cap : 64;
		while (ncap < need && ncap <= SIZE_MAX / 2)
			ncap *= 2;
		if (ncap < need)
			ncap = need;
		/* Grow by copy so the old block can be wiped: realloc may
		 * leave a copy of a secret behind in freed memory. */
		nd = malloc(ncap);
		if (nd == NULL)
			return ACFS_E_NOMEM;
		if (b->data != NULL) {
			memcpy(nd, b->data, b->len);
			acfs_wipefree(b->data, b->cap);
		}
		b->data = nd;
		b->cap = ncap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ACFS_OK;
}

acfs_code acfs_buf_addc(acfs_buf *b, char c)
{
	return acfs_buf_add(b, &c, 1);
}

void acfs_buf_reset(acfs_buf *b)
{
	if (b->data != NULL) {
		acfs_wipe(b->data, b->len);
		b->data[0] = '\0';
	}
	b->len = 0;
}

void acfs_buf_free(acfs_buf *b)
{
	acfs_wipefree(b->data, b->cap);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

char *acfs_buf_steal(acfs_buf *b, size_t *len)
{
	char *d = b->data;

	if (len != NULL)
		*len = b->len;
	if (d == NULL)
		d = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return d;
}
