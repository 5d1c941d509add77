/* mountpoint.c - the mount point and the files around it. */
#include "mountpoint.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define FUSE_SUPER_MAGIC 0x65735546

char *acfs_mnt_default(void)
{
	const char *xdg;
	char *p;

	if (geteuid() == 0)
		return strdup("/run/awscreds");
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg == NULL || xdg[0] != '/') {
		acfs_dlog(LOG_ERR, "no mount point given and XDG_RUNTIME_DIR is "
			  "not set: name one, e.g. awscredsfs ~/awscreds");
		return NULL;
	}
	if (asprintf(&p, "%s/awscreds", xdg) < 0)
		return NULL;
	return p;
}

char *acfs_mnt_abspath(const char *path)
{
	char cwd[PATH_MAX];
	char *p;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path) < 0)
		return NULL;
	return p;
}

/* Appends component c (length n) to the canonical path in buf, resolving
 * "." and "..". */
static int push(char *buf, size_t cap, const char *c, size_t n)
{
	size_t len = strlen(buf);

	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		char *s = strrchr(buf, '/');

		if (s != NULL)
			*(s == buf ? s + 1 : s) = '\0';
		return 0;
	}
	if (len + 1 + n + 1 > cap)
		return -1;
	if (len == 0 || buf[len - 1] != '/')
		buf[len++] = '/';
	memcpy(buf + len, c, n);
	buf[len + n] = '\0';
	return 0;
}

char *acfs_mnt_canon(const char *path)
{
	char *abs = acfs_mnt_abspath(path), *rest, *r = NULL;
	char buf[PATH_MAX];
	size_t cut;

	if (abs == NULL)
		return NULL;
	/* The longest prefix that realpath() can resolve. */
	cut = strlen(abs);
	for (;;) {
		char save = abs[cut];

		abs[cut] = '\0';
		if (realpath(cut ? abs : "/", buf) != NULL) {
			abs[cut] = save;
			break;
		}
		abs[cut] = save;
		while (cut > 0 && abs[cut - 1] != '/')
			cut--;
		while (cut > 0 && abs[cut - 1] == '/')
			cut--;
		if (cut == 0) {
			strcpy(buf, "/");
			break;
		}
	}
	for (rest = abs + cut; *rest != '\0';) {
		size_t n;

		while (*rest == '/')
			rest++;
		n = strcspn(rest, "/");
		if (push(buf, sizeof(buf), rest, n) != 0)
			goto out;
		rest += n;
	}
	r = strdup(buf);
out:
	free(abs);
	return r;
}

int acfs_mnt_inside(const char *file, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return 1;
	return strncmp(file, dir, n) == 0 && (file[n] == '\0' || file[n] == '/');
}

static int run_fusermount(const char *mp)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-z", mp, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Whether mp (which exists) is itself a live FUSE mount. */
static int live_fuse_mount(const char *mp, const struct stat *st)
{
	char parent[PATH_MAX];
	struct stat pst;
	struct statfs sf;

	if (snprintf(parent, sizeof(parent), "%s/..", mp) >= (int)sizeof(parent))
		return 0;
	if (stat(parent, &pst) != 0 || pst.st_dev == st->st_dev)
		return 0;
	return statfs(mp, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

/* Whether mp is a FUSE mount whose daemon is gone.  stat() alone is not
 * enough: the kernel may answer it from attributes cached for a day, while
 * statfs() always asks the (dead) connection. */
static int stale_mount(const char *mp)
{
	struct statfs sf;
	struct stat st;

	if (statfs(mp, &sf) != 0 && errno == ENOTCONN)
		return 1;
	return stat(mp, &st) != 0 && errno == ENOTCONN;
}

int acfs_mnt_clear_stale(const char *mp)
{
	int e;

	if (!stale_mount(mp))
		return 0;
	acfs_dlog(LOG_WARNING, "%s is a stale mount (its daemon died); "
		  "detaching it", mp);
	if (geteuid() == 0)
		e = umount2(mp, MNT_DETACH);
	else
		e = run_fusermount(mp);
	if (e != 0 || stale_mount(mp)) {
		acfs_dlog(LOG_ERR, "%s is a stale FUSE mount whose daemon "
			  "died, and it could not be detached; run: "
			  "fusermount3 -u %s", mp, mp);
		return -1;
	}
	return 0;
}

int acfs_mnt_live_fuse(const char *mp)
{
	struct stat st;

	return stat(mp, &st) == 0 && S_ISDIR(st.st_mode) &&
	       live_fuse_mount(mp, &st);
}

int acfs_mnt_prepare(const char *mp)
{
	struct stat st;
	int e;

	if (acfs_mnt_clear_stale(mp) != 0)
		return -1;
	if (stat(mp, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			acfs_dlog(LOG_ERR, "mount point %s is not a directory", mp);
			return -1;
		}
		if (live_fuse_mount(mp, &st)) {
			acfs_dlog(LOG_ERR, "%s is already a FUSE mount (another "
				  "awscredsfs?); unmount it first: fusermount3 "
				  "-u %s", mp, mp);
			return -1;
		}
		return 0;
	}
	e = errno;
	if (e != ENOENT) {
		acfs_dlog(LOG_ERR, "mount point %s: %s", mp, strerror(e));
		return -1;
	}
	if (mkdir(mp, geteuid() == 0 ? 0755 : 0700) != 0 && errno != EEXIST) {
		acfs_dlog(LOG_ERR, "cannot create the mount point %s: %s", mp,
			  strerror(errno));
		return -1;
	}
	acfs_dlog(LOG_INFO, "created the mount point %s", mp);
	return 0;
}

void acfs_mnt_warn_writable(const char *path, const char *what)
{
	struct stat st;

	if (path == NULL || stat(path, &st) != 0)
		return;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		acfs_dlog(LOG_WARNING, "the %s file %s is writable by %s (mode "
			  "%04o): whoever can write it chooses the roles this "
			  "daemon assumes; chmod go-w %s", what, path,
			  (st.st_mode & S_IWOTH) ? "others" : "its group",
			  (unsigned)(st.st_mode & 07777), path);
}
