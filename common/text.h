/* text.h - small text checks shared by the planner and the formatters. */
#ifndef ACFS_TEXT_H
#define ACFS_TEXT_H

#include <stddef.h>

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, at
 * most U+10FFFF). */
int acfs_utf8_valid(const char *s, size_t n);

/* A copy of s in which every byte that is not part of well-formed UTF-8 is
 * replaced by U+FFFD, so it can go into JSON.  Free with acfs_strfree.
 * NULL on allocation failure. */
char *acfs_utf8_sanitize(const char *s);

/* s[0..n) for a message: every byte outside printable ASCII becomes '?',
 * and text that does not fit in out (outsz bytes, at least 4) is cut with
 * "...".  For text a remote service sent, which reaches status files and
 * logs.  Returns out. */
char *acfs_text_printable(const char *s, size_t n, char *out, size_t outsz);

#endif
