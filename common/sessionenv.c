/* sessionenv.c - the variables that point a process at one profile of a
 * mount (PAM module, --exec). */
#include "sessionenv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "ini.h"
#include "profile.h"
#include "secret.h"

#define SYSTEM_MOUNT "/run/awscreds"
#define REGION_MAX 64

/* Variables that would make an SDK skip our files, unset in both modes. */
static const char *const shadowing[] = {
	"AWS_DEFAULT_PROFILE",
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN",
	"AWS_ROLE_ARN",
	"AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_ROLE_SESSION_NAME",
};

acfs_code acfs_session_mount_for(unsigned long uid, const char *runtime_dir,
				 char *out, size_t outsz, acfs_err *e)
{
	size_t n;
	int w;

	if (uid == 0 || runtime_dir == NULL || runtime_dir[0] != '/')
		w = snprintf(out, outsz, "%s", SYSTEM_MOUNT);
	else {
		n = strlen(runtime_dir);
		while (n > 1 && runtime_dir[n - 1] == '/')
			n--;
		if (n == 1)   /* runtime_dir is "/" */
			n = 0;
		w = snprintf(out, outsz, "%.*s/awscreds", (int)n, runtime_dir);
	}
	if (w < 0 || (size_t)w >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return acfs_err_set(e, ACFS_E_TOOBIG,
				    "the default mount point does not fit in "
				    "%zu bytes", outsz);
	}
	return ACFS_OK;
}

acfs_code acfs_session_default_mount(char *out, size_t outsz, acfs_err *e)
{
	return acfs_session_mount_for((unsigned long)geteuid(),
				      getenv("XDG_RUNTIME_DIR"), out, outsz, e);
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

acfs_code acfs_session_profile_ok(const char *name, acfs_err *e)
{
	const char *why = NULL;
	int show = 0;   /* whether the name can go into the message */

	if (name == NULL || name[0] == '\0')
		why = "is empty";
	else if (strnlen(name, ACFS_PROFILE_NAME_MAX + 1) > ACFS_PROFILE_NAME_MAX)
		why = "is longer than 255 bytes";
	else if (has_control(name))
		why = "contains a control character";
	else
		show = !acfs_profile_name_dir_ok(name, &why);
	if (why == NULL)
		return ACFS_OK;
	if (show)
		return acfs_err_set(e, ACFS_E_BADARG,
				    "the profile name '%s' %s: it cannot be a "
				    "directory of the mount", name, why);
	return acfs_err_set(e, ACFS_E_BADARG,
			    "the profile name %s: it cannot be a directory "
			    "of the mount", why);
}

/* The mount as an absolute path without trailing slashes ("" for "/"),
 * into out (PATH_MAX bytes). */
static acfs_code mount_path(const char *mount, char *out, acfs_err *e)
{
	char cwd[PATH_MAX];
	size_t n;
	int w;

	if (mount == NULL || mount[0] == '\0')
		return acfs_err_set(e, ACFS_E_BADARG, "no mount point given");
	if (strnlen(mount, PATH_MAX) >= PATH_MAX)
		return acfs_err_set(e, ACFS_E_BADARG,
				    "the mount point is longer than %d bytes",
				    PATH_MAX - 1);
	if (has_control(mount))
		return acfs_err_set(e, ACFS_E_BADARG,
				    "the mount point contains a control "
				    "character");
	if (mount[0] == '/')
		w = snprintf(out, PATH_MAX, "%s", mount);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return acfs_err_set(e, ACFS_E_IO,
				    "cannot make the mount point %s absolute: "
				    "%s", mount, strerror(errno));
	else
		w = snprintf(out, PATH_MAX, "%s/%s",
			     strcmp(cwd, "/") == 0 ? "" : cwd, mount);
	if (w < 0 || w >= PATH_MAX)
		return acfs_err_set(e, ACFS_E_BADARG,
				    "the mount point %s is too long", mount);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	if (has_control(out))   /* the current directory's name */
		return acfs_err_set(e, ACFS_E_BADARG,
				    "the mount point contains a control "
				    "character");
	return ACFS_OK;
}

/* Why stat or access failed, for messages. */
static const char *access_hint(int err)
{
	if (err == EACCES || err == EPERM)
		return " (a FUSE mount lets only its owner in unless it was "
		       "mounted with allow_other)";
	if (err == ENOTCONN)
		return " (the daemon is gone: unmount it and start it again)";
	return "";
}

acfs_code acfs_session_check_mount(const char *mount, acfs_err *e)
{
	char path[PATH_MAX];
	struct stat st;
	int w;

	if (stat(mount, &st) != 0) {
		int err = errno;

		if (err == ENOENT || err == ENOTDIR)
			return acfs_err_set(e, ACFS_E_NOTFOUND,
					    "%s does not exist: awscredsfs is "
					    "not mounted there", mount);
		return acfs_err_set(e, ACFS_E_IO, "cannot access %s: %s%s",
				    mount, strerror(err), access_hint(err));
	}
	if (!S_ISDIR(st.st_mode))
		return acfs_err_set(e, ACFS_E_NOTFOUND,
				    "%s is not a directory, so not an "
				    "awscredsfs mount", mount);
	w = snprintf(path, sizeof(path), "%s/%s", mount,
		     ACFS_SESSION_STATUS_NAME);
	if (w < 0 || (size_t)w >= sizeof(path))
		return acfs_err_set(e, ACFS_E_BADARG,
				    "the mount point %s is too long", mount);
	if (stat(path, &st) != 0) {
		int err = errno;

		if (err == ENOENT)
			return acfs_err_set(e, ACFS_E_NOTFOUND,
					    "%s is not an awscredsfs mount "
					    "(it has no %s file): is the daemon "
					    "running?", mount,
					    ACFS_SESSION_STATUS_NAME);
		return acfs_err_set(e, ACFS_E_IO, "cannot access %s: %s%s",
				    path, strerror(err), access_hint(err));
	}
	if (!S_ISREG(st.st_mode))
		return acfs_err_set(e, ACFS_E_NOTFOUND,
				    "%s is not an awscredsfs mount (%s is not "
				    "a file)", mount, ACFS_SESSION_STATUS_NAME);
	return ACFS_OK;
}

static int region_ok(const char *r)
{
	size_t n = 0;

	for (; r[n] != '\0'; n++) {
		char c = r[n];

		if (n >= REGION_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return 0;
	}
	return n > 0;
}

/* Reads the profile's config: the region of [default] into *region (NULL
 * when none), and whether [profile refresh] has a credential_process. */
static acfs_code read_config(const char *path, const char *profile,
			     char **region, int *has_refresh, acfs_err *e)
{
	acfs_profiles *set = NULL;
	const acfs_section *s;
	const char *r;
	acfs_buf b;
	int missing = 0;
	acfs_code rc;

	*region = NULL;
	*has_refresh = 0;
	rc = acfs_file_read(path, ACFS_SESSION_CONFIG_MAX, &b, &missing, e);
	if (rc != ACFS_OK)
		goto out;
	if (missing) {
		rc = acfs_err_set(e, ACFS_E_NOTFOUND,
				  "%s does not exist: '%s' is not a profile "
				  "directory of an awscredsfs mount", path,
				  profile);
		goto out;
	}
	set = acfs_profiles_new();
	if (set == NULL) {
		rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		goto out;
	}
	rc = acfs_profiles_set_path(set, ACFS_SRC_CONFIG, path);
	if (rc == ACFS_OK)
		rc = acfs_ini_parse(set, ACFS_SRC_CONFIG,
				    b.data != NULL ? b.data : "", b.len);
	if (rc == ACFS_E_SYNTAX) {
		const acfs_problem *p = acfs_profiles_problem(set, 0);

		acfs_err_set(e, rc, "%s", p != NULL ? p->message : path);
		goto out;
	}
	if (rc != ACFS_OK) {
		acfs_err_set(e, rc, "out of memory");
		goto out;
	}
	s = acfs_profiles_get(set, ACFS_SECTION_PROFILE, "default");
	r = s != NULL ? acfs_section_get(s, "region") : NULL;
	if (r != NULL && r[0] != '\0') {
		if (!region_ok(r)) {
			rc = acfs_err_set(e, ACFS_E_CONFIG,
					  "%s: the region of profile '%s' is "
					  "not a region name", path, profile);
			goto out;
		}
		*region = acfs_strdup(r);
		if (*region == NULL) {
			rc = acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	s = acfs_profiles_get(set, ACFS_SECTION_PROFILE, "refresh");
	*has_refresh = s != NULL &&
		       acfs_section_get(s, "credential_process") != NULL;
out:
	acfs_profiles_free(set);
	acfs_buf_free(&b);
	return rc;
}

static acfs_code add(acfs_session_env *out, const char *name,
		     const char *value, acfs_err *e)
{
	char *v = NULL;

	if (out->n >= ACFS_SESSION_ENV_MAX)
		return acfs_err_set(e, ACFS_E_TOOBIG, "too many variables");
	if (value != NULL && (v = strdup(value)) == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	out->v[out->n].name = name;
	out->v[out->n].value = v;
	out->n++;
	return ACFS_OK;
}

static acfs_code path_of(char *out, const char *mount, const char *profile,
			 const char *file, acfs_err *e)
{
	int w = snprintf(out, PATH_MAX, "%s/%s%s%s", mount, profile,
			 file != NULL ? "/" : "", file != NULL ? file : "");

	if (w < 0 || w >= PATH_MAX)
		return acfs_err_set(e, ACFS_E_BADARG,
				    "the path of profile '%s' under %s is too "
				    "long", profile, mount);
	return ACFS_OK;
}

acfs_code acfs_session_env_build(const char *mount, const char *profile,
				 int refresh, acfs_session_env *out,
				 acfs_err *e)
{
	char mnt[PATH_MAX], dir[PATH_MAX], creds[PATH_MAX], config[PATH_MAX];
	const char *shown;
	char *region = NULL;
	struct stat st;
	int has_refresh = 0, err;
	size_t i;
	acfs_code rc;

	memset(out, 0, sizeof(*out));
	rc = acfs_session_profile_ok(profile, e);
	if (rc == ACFS_OK)
		rc = mount_path(mount, mnt, e);
	if (rc != ACFS_OK)
		return rc;
	shown = mnt[0] != '\0' ? mnt : "/";
	rc = acfs_session_check_mount(shown, e);
	if (rc == ACFS_OK)
		rc = path_of(dir, mnt, profile, NULL, e);
	if (rc == ACFS_OK)
		rc = path_of(creds, mnt, profile, "credentials", e);
	if (rc == ACFS_OK)
		rc = path_of(config, mnt, profile, "config", e);
	if (rc != ACFS_OK)
		return rc;
	err = stat(dir, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (err == ENOENT || err == ENOTDIR)
		return acfs_err_set(e, ACFS_E_NOTFOUND,
				    "profile '%s' is not in the awscredsfs "
				    "mount %s (see %s/%s)", profile, shown, mnt,
				    ACFS_SESSION_STATUS_NAME);
	if (err != 0)
		return acfs_err_set(e, ACFS_E_IO, "cannot access %s: %s%s",
				    dir, strerror(err), access_hint(err));
	rc = read_config(config, profile, &region, &has_refresh, e);
	if (rc != ACFS_OK)
		return rc;
	if (refresh && !has_refresh) {
		rc = acfs_err_set(e, ACFS_E_CONFIG,
				  "%s has no [profile refresh] with a "
				  "credential_process: this awscredsfs cannot "
				  "serve refresh mode for profile '%s'",
				  config, profile);
		goto out;
	}
	rc = add(out, "AWS_SHARED_CREDENTIALS_FILE", creds, e);
	if (rc == ACFS_OK)
		rc = add(out, "AWS_CONFIG_FILE", config, e);
	/* Both region variables: older SDKs read only AWS_DEFAULT_REGION
	 * (sessionenv.h). */
	if (rc == ACFS_OK && region != NULL)
		rc = add(out, "AWS_REGION", region, e);
	if (rc == ACFS_OK && region != NULL)
		rc = add(out, "AWS_DEFAULT_REGION", region, e);
	if (rc == ACFS_OK)
		rc = add(out, "AWS_PROFILE", refresh ? "refresh" : NULL, e);
	for (i = 0; rc == ACFS_OK && i < sizeof(shadowing) / sizeof(*shadowing);
	     i++)
		rc = add(out, shadowing[i], NULL, e);
out:
	acfs_strfree(region);
	if (rc != ACFS_OK)
		acfs_session_env_free(out);
	return rc;
}

void acfs_session_env_free(acfs_session_env *env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; i < env->n && i < ACFS_SESSION_ENV_MAX; i++) {
		free(env->v[i].value);
		env->v[i].value = NULL;
		env->v[i].name = NULL;
	}
	env->n = 0;
}

acfs_code acfs_session_env_apply(const acfs_session_env *env, acfs_err *e)
{
	size_t i;

	for (i = 0; i < env->n; i++) {
		const acfs_envvar *v = &env->v[i];
		int r = v->value != NULL ? setenv(v->name, v->value, 1)
					 : unsetenv(v->name);

		if (r != 0)
			return acfs_err_set(e, errno == ENOMEM ? ACFS_E_NOMEM
							       : ACFS_E_BADARG,
					    "cannot set %s: %s", v->name,
					    strerror(errno));
	}
	return ACFS_OK;
}
