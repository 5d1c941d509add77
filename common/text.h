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

#endif
