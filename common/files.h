/* files.h - where the config and credentials files are, and reading them
 * with bounds.
 *
 * Locations follow the SDKs on POSIX: AWS_CONFIG_FILE or ~/.aws/config,
 * AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, with "~" expanded from
 * HOME (then the password database).  The profile is AWS_PROFILE, then
 * AWS_DEFAULT_PROFILE, then "default".
 */
#ifndef ACFS_FILES_H
#define ACFS_FILES_H

#include <stddef.h>

#include "env.h"
#include "error.h"
#include "profile.h"
#include "secret.h"

#define ACFS_CONFIG_FILE_MAX (16u * 1024 * 1024)  /* bytes per file */

typedef struct {
	char *config_path;
	char *credentials_path;
	char *profile;
} acfs_locations;

/* Fills loc from env.  Results go back with acfs_locations_free. */
acfs_code acfs_locate(const acfs_env *env, acfs_locations *loc, acfs_err *e);
void acfs_locations_free(acfs_locations *loc);

/* Expands a leading "~" or "~/" using HOME from env (or the password
 * database).  Returns a new string, or NULL on allocation failure or when
 * no home directory is known (then *e says so). */
char *acfs_expand_home(const acfs_env *env, const char *path, acfs_err *e);

/* Reads a whole regular file of at most max bytes into out (initialised
 * here).  A missing file sets *missing = 1 and returns ACFS_OK with an
 * empty buffer; a directory, a FIFO, an unreadable or oversized file is an
 * error that names the path. */
acfs_code acfs_file_read(const char *path, size_t max, acfs_buf *out,
			 int *missing, acfs_err *e);

/* Reads and merges both files into a new set (*out, freed with
 * acfs_profiles_free).  Either path may be NULL (skipped).  A file that
 * cannot be read is recorded as a problem of the set and the other file is
 * still read, so *out is set whenever the return is not ACFS_E_NOMEM.
 * Returns ACFS_OK when both files were clean, else the first problem's code
 * with its message in *e. */
acfs_code acfs_config_load(const char *config_path,
			   const char *credentials_path, acfs_profiles **out,
			   acfs_err *e);

#endif
