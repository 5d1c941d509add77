/* files.c - locating and reading the AWS shared files. */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ini.h"

static const char *home_dir(const acfs_env *env)
{
	const char *h = acfs_env_get(env, "HOME");
	struct passwd *pw;

	if (h != NULL)
		return h;
	if (env != acfs_env_process())
		return NULL;   /* an injected env says exactly what exists */
	pw = getpwuid(getuid());
	return (pw != NULL && pw->pw_dir != NULL) ? pw->pw_dir : NULL;
}

char *acfs_expand_home(const acfs_env *env, const char *path, acfs_err *e)
{
	const char *home;
	size_t hl;
	char *r;

	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return acfs_strdup(path);
	home = home_dir(env);
	if (home == NULL) {
		acfs_err_set(e, ACFS_E_CONFIG,
			     "cannot expand '%s': HOME is not set and the "
			     "user has no home directory", path);
		return NULL;
	}
	hl = strlen(home);
	if (hl > 0 && home[hl - 1] == '/' && path[1] == '/')
		hl--;
	r = malloc(hl + strlen(path + 1) + 1);
	if (r == NULL) {
		acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(r, home, hl);
	strcpy(r + hl, path + 1);
	return r;
}

static char *locate_one(const acfs_env *env, const char *var,
			const char *dflt, acfs_err *e)
{
	const char *v = acfs_env_get(env, var);

	return acfs_expand_home(env, v ? v : dflt, e);
}

acfs_code acfs_locate(const acfs_env *env, acfs_locations *loc, acfs_err *e)
{
	const char *p;
	acfs_err local;

	/* The code returned must not depend on whether the caller wants the
	 * message. */
	if (e == NULL)
		e = &local;
	acfs_err_clear(e);
	memset(loc, 0, sizeof(*loc));
	loc->config_path = locate_one(env, "AWS_CONFIG_FILE", "~/.aws/config", e);
	if (loc->config_path == NULL)
		goto fail;
	loc->credentials_path = locate_one(env, "AWS_SHARED_CREDENTIALS_FILE",
					   "~/.aws/credentials", e);
	if (loc->credentials_path == NULL)
		goto fail;
	p = acfs_env_get(env, "AWS_PROFILE");
	if (p == NULL)
		p = acfs_env_get(env, "AWS_DEFAULT_PROFILE");
	loc->profile = acfs_strdup(p ? p : "default");
	if (loc->profile == NULL) {
		acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		goto fail;
	}
	return ACFS_OK;
fail:
	acfs_locations_free(loc);
	return e->code != ACFS_OK ? e->code : ACFS_E_NOMEM;
}

void acfs_locations_free(acfs_locations *loc)
{
	if (loc == NULL)
		return;
	acfs_strfree(loc->config_path);
	acfs_strfree(loc->credentials_path);
	acfs_strfree(loc->profile);
	memset(loc, 0, sizeof(*loc));
}

acfs_code acfs_file_read(const char *path, size_t max, acfs_buf *out,
			 int *missing, acfs_err *e)
{
	struct stat st;
	char chunk[65536];
	int fd = -1;
	ssize_t n;
	acfs_code rc = ACFS_OK;

	acfs_buf_init(out, max);
	*missing = 0;
	/* O_NONBLOCK: opening a FIFO must not hang the daemon. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing = 1;
			return ACFS_OK;
		}
		return acfs_err_set(e, ACFS_E_IO, "cannot open %s: %s", path,
				    strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		rc = acfs_err_set(e, ACFS_E_IO, "cannot stat %s: %s", path,
				  strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = acfs_err_set(e, ACFS_E_IO, "%s is a directory, not a file",
				  path);
		goto out;
	}
	/* AWS_CONFIG_FILE=/dev/null is the usual way to say "no file". */
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
	    minor(st.st_rdev) == 3)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		rc = acfs_err_set(e, ACFS_E_IO,
				  "%s is not a regular file (a FIFO, socket or "
				  "device); refusing to read it", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = acfs_err_set(e, ACFS_E_TOOBIG,
				  "%s is %lld bytes; the limit is %zu bytes",
				  path, (long long)st.st_size, max);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = acfs_err_set(e, ACFS_E_IO, "cannot read %s: %s",
					  path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		rc = acfs_buf_add(out, chunk, (size_t)n);
		if (rc == ACFS_E_TOOBIG) {
			acfs_err_set(e, rc, "%s grew past the limit of %zu "
				     "bytes while being read", path, max);
			goto out;
		}
		if (rc != ACFS_OK) {
			acfs_err_set(e, rc, "out of memory reading %s", path);
			goto out;
		}
	}
out:
	acfs_wipe(chunk, sizeof(chunk));
	if (fd >= 0)
		close(fd);
	if (rc != ACFS_OK)
		acfs_buf_free(out);
	return rc;
}

static acfs_code load_one(acfs_profiles *set, acfs_src src, const char *path,
			  acfs_err *first)
{
	acfs_buf b;
	acfs_err e;
	int missing;
	acfs_code rc;

	if (path == NULL)
		return ACFS_OK;
	rc = acfs_profiles_set_path(set, src, path);
	if (rc != ACFS_OK)
		return rc;
	acfs_err_clear(&e);
	rc = acfs_file_read(path, ACFS_CONFIG_FILE_MAX, &b, &missing, &e);
	if (rc == ACFS_E_NOMEM)
		return rc;
	if (rc != ACFS_OK) {
		if (first->code == ACFS_OK)
			*first = e;
		return acfs_profiles_add_problem(set, src, 0, NULL, e.msg);
	}
	rc = acfs_ini_parse(set, src, b.data ? b.data : "", b.len);
	acfs_buf_free(&b);
	if (rc == ACFS_E_SYNTAX && first->code == ACFS_OK) {
		const acfs_problem *p;
		size_t i;

		/* Report the first problem this file added. */
		for (i = 0; (p = acfs_profiles_problem(set, i)) != NULL; i++)
			if (p->src == src) {
				acfs_err_set(first, ACFS_E_SYNTAX, "%s", p->message);
				break;
			}
		return ACFS_OK;
	}
	return rc == ACFS_E_SYNTAX ? ACFS_OK : rc;
}

acfs_code acfs_config_load(const char *config_path,
			   const char *credentials_path, acfs_profiles **out,
			   acfs_err *e)
{
	acfs_profiles *set = acfs_profiles_new();
	acfs_err first;
	acfs_code rc;

	*out = NULL;
	if (set == NULL)
		return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	acfs_err_clear(&first);
	rc = load_one(set, ACFS_SRC_CONFIG, config_path, &first);
	if (rc == ACFS_OK)
		rc = load_one(set, ACFS_SRC_CREDENTIALS, credentials_path, &first);
	if (rc != ACFS_OK) {
		acfs_profiles_free(set);
		return acfs_err_set(e, rc, "out of memory reading the config");
	}
	*out = set;
	if (first.code != ACFS_OK) {
		if (e != NULL)
			*e = first;
		return first.code;
	}
	return ACFS_OK;
}
