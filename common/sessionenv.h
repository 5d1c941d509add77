/* sessionenv.h - the environment that points a process at one profile of
 * an awscredsfs mount.
 *
 * Shared by the PAM session module (plugin/pam_awscreds.c) and the daemon's
 * `--exec PROFILE -- cmd` mode, so both set exactly the same variables.
 *
 * What counts as an awscredsfs mount: <mount> is a directory holding the
 * top-level status file ACFS_SESSION_STATUS_NAME ("=status", the same name
 * as ACFS_TOP_STATUS_NAME in engine.h) as a regular file.  '=' cannot
 * appear in a profile name (the SDK identifier rule), so an ordinary
 * directory of profiles never has it by accident.  The check only stats
 * names: it never opens a credential-bearing file, so it never calls STS.
 */
#ifndef ACFS_SESSIONENV_H
#define ACFS_SESSIONENV_H

#include <stddef.h>

#include "error.h"

/* The top-level status file whose presence marks an awscredsfs mount. */
#define ACFS_SESSION_STATUS_NAME "=status"

/* Bytes read at most from <mount>/<profile>/config. */
#define ACFS_SESSION_CONFIG_MAX (64u * 1024)

/* The variables that point a process at one profile of a mount, and
 * nothing else: what the shell plugin's `awscreds use`, the PAM module
 * and `awscredsfs --exec` all set. */
#define ACFS_SESSION_ENV_MAX 16
typedef struct {
	const char *name;
	char *value;          /* malloc'd; NULL: unset this variable */
} acfs_envvar;
typedef struct {
	acfs_envvar v[ACFS_SESSION_ENV_MAX];
	size_t n;
} acfs_session_env;

/* The default mount point: /run/awscreds for root, else
 * $XDG_RUNTIME_DIR/awscreds (or /run/awscreds when XDG_RUNTIME_DIR is
 * unset); into out (size outsz). */
acfs_code acfs_session_default_mount(char *out, size_t outsz, acfs_err *e);

/* Checks that mount is an awscredsfs mount and profile one of its
 * directories (profile validated: 1..255 bytes, no '/', not "." or ".."),
 * reads the region from <mount>/<profile>/config (bounded read, our INI
 * parser; reading config never calls STS), and fills out:
 *   refresh == 0: AWS_SHARED_CREDENTIALS_FILE=<mount>/<profile>/credentials,
 *                 AWS_CONFIG_FILE=<mount>/<profile>/config, AWS_REGION and
 *                 AWS_DEFAULT_REGION (both the profile's region) when there
 *                 is one, and unsets AWS_PROFILE;
 *   refresh == 1: the same, but AWS_PROFILE=refresh (credential_process
 *                 through process.json, so SDKs refresh by themselves);
 *   both: unset AWS_DEFAULT_PROFILE, AWS_ACCESS_KEY_ID,
 *   AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN,
 *   AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME (each
 *   would make an SDK skip our files: botocore runs env keys and env web
 *   identity before the shared credentials file).
 * Details: a relative mount is made absolute from the current directory
 * and trailing slashes are dropped; a mount or profile with a control byte
 * is refused (they end up in environment values).  The region goes into
 * both region variables because older SDKs read only AWS_DEFAULT_REGION,
 * ahead of the config file's region (botocore 1.29 of Debian 12: boto3,
 * AWS CLI v1), so a value left over in the environment would win; the
 * daemon's own env file exports both too.  When there is no region both
 * are left alone (neither set nor unset).  refresh == 1 also needs the
 * config to have [profile refresh] with a credential_process.
 * The variables come in this order: the two files, AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_PROFILE, then the unset list above.
 * Errors: ACFS_E_NOTFOUND when mount is not an awscredsfs mount or profile
 * is not one of its directories, ACFS_E_BADARG for an invalid profile name
 * or a path that does not fit, ACFS_E_IO when the mount or the directory
 * cannot be accessed (EACCES: a FUSE mount of another user), ACFS_E_IO /
 * ACFS_E_TOOBIG / ACFS_E_SYNTAX for a config that cannot be read,
 * ACFS_E_CONFIG for a bad region or no refresh section, ACFS_E_NOMEM;
 * *e names the mount or the profile.  On error out is empty (n == 0). */
acfs_code acfs_session_env_build(const char *mount, const char *profile,
				 int refresh, acfs_session_env *out,
				 acfs_err *e);
void acfs_session_env_free(acfs_session_env *env);

/* --- additions --- */

/* As acfs_session_default_mount, but for a given uid and runtime
 * directory: uid 0, or a runtime_dir that is NULL, empty or relative (the
 * XDG rule: relative paths are ignored), gives /run/awscreds; otherwise
 * <runtime_dir>/awscreds.  ACFS_E_TOOBIG when it does not fit in out. */
acfs_code acfs_session_mount_for(unsigned long uid, const char *runtime_dir,
				 char *out, size_t outsz, acfs_err *e);

/* Whether mount is an awscredsfs mount (the check described at the top).
 * Returns ACFS_OK, or ACFS_E_NOTFOUND with *e naming the mount. */
acfs_code acfs_session_check_mount(const char *mount, acfs_err *e);

/* Whether name is an acceptable profile name for a directory of the mount
 * (1..255 bytes, no '/', not "." or "..", and no control bytes: the name
 * ends up inside environment values).  Returns ACFS_OK or ACFS_E_BADARG
 * with *e saying why. */
acfs_code acfs_session_profile_ok(const char *name, acfs_err *e);

/* Applies env to the process environment (setenv/unsetenv), as --exec
 * does before execvp.  Returns ACFS_OK or ACFS_E_NOMEM. */
acfs_code acfs_session_env_apply(const acfs_session_env *env, acfs_err *e);

#endif
