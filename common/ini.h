/* ini.h - the reader for AWS config and credentials files.
 *
 * It follows the cross-SDK profile-file rules (the smithy-rs parser tests in
 * shared/conformance/profile-parser): `[profile x]` against `[x]`,
 * `[default]` against `[profile default]`, comments, continuation lines,
 * sub-properties, `[sso-session x]` and `[services x]` sections.
 *
 * Unlike the SDKs it does not give up at the first bad line.  Each problem is
 * recorded in the set with its file and line, the section the line belonged
 * to is marked tainted (it cannot be planned), and reading goes on, so one
 * bad profile never takes the others down with it.
 */
#ifndef ACFS_INI_H
#define ACFS_INI_H

#include <stddef.h>

#include "error.h"
#include "profile.h"

#define ACFS_INI_LINE_MAX (64 * 1024)   /* bytes in one line */

/* Parses len bytes of data as a config (src = ACFS_SRC_CONFIG) or
 * credentials file and merges the result into set.  Parse the config file
 * before the credentials file: later files win on duplicate keys.
 *
 * Returns ACFS_OK for a clean file, ACFS_E_SYNTAX when at least one problem
 * was recorded (everything else in the file was still read), or
 * ACFS_E_NOMEM. */
acfs_code acfs_ini_parse(acfs_profiles *set, acfs_src src, const char *data,
			 size_t len);

/* Whether s[0..n) is a valid profile or property name: ASCII letters,
 * digits and - / . % @ _ : + (the SDKs' identifier rule). */
int acfs_ini_identifier_ok(const char *s, size_t n);

#endif
