/* watch.c - inotify and SIGHUP, debounced into acfs_engine_reload. */
#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Quiet time after the last event before reloading, and the longest a
 * burst of events may delay it: changes show within a second. */
#define DEBOUNCE_MS 100
#define DEBOUNCE_MAX_MS 400
#define MAX_TARGETS 16

#define DIR_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
		    IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

static volatile sig_atomic_t hup_pending;

typedef struct {
	int wd;
	char name[NAME_MAX + 1];
} target;

struct acfs_watch {
	acfs_engine *eng;
	char *paths[2];
	int ifd, stopfd;
	target t[MAX_TARGETS];
	size_t nt;
	pthread_t thread;
};

void acfs_watch_on_hup(int sig)
{
	(void)sig;
	hup_pending = 1;
}

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_target(acfs_watch *w, const char *dir, const char *name)
{
	size_t i;
	int wd;

	if (w->nt == MAX_TARGETS || strlen(name) > NAME_MAX)
		return;
	wd = inotify_add_watch(w->ifd, dir, DIR_EVENTS | IN_ONLYDIR);
	if (wd < 0) {
		acfs_dlog(LOG_DEBUG, "cannot watch %s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < w->nt; i++)
		if (w->t[i].wd == wd && strcmp(w->t[i].name, name) == 0)
			return;
	w->t[w->nt].wd = wd;
	strcpy(w->t[w->nt].name, name);
	w->nt++;
}

/* Splits path into a directory and a last component (in buf). */
static int split(const char *path, char *dir, size_t dsz, const char **name)
{
	const char *s = strrchr(path, '/');
	size_t n;

	if (s == NULL)
		return -1;
	n = s == path ? 1 : (size_t)(s - path);
	if (n >= dsz)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*name = s + 1;
	return 0;
}

/* What to watch for one file: its name in the deepest directory that
 * exists on its path (so a file, or a directory, created later is seen),
 * the first component of a relative symlink's target (a kubelet's
 * "..data"), and the target's own directory. */
static void watch_path(acfs_watch *w, const char *path)
{
	char dir[PATH_MAX], cur[PATH_MAX], link[PATH_MAX], real[PATH_MAX];
	const char *name;
	struct stat st;
	ssize_t n;

	if (strlen(path) >= sizeof(cur))
		return;
	strcpy(cur, path);
	for (;;) {
		if (split(cur, dir, sizeof(dir), &name) != 0 || *name == '\0')
			return;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			break;
		if (strcmp(dir, "/") == 0)
			return;
		strcpy(cur, dir);
	}
	add_target(w, dir, name);
	if (strcmp(cur, path) != 0)
		return;   /* the file's directory does not exist yet */
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		if (link[0] != '/') {
			link[strcspn(link, "/")] = '\0';
			if (link[0] != '\0' && strcmp(link, ".") != 0 &&
			    strcmp(link, "..") != 0)
				add_target(w, dir, link);
		}
	}
	if (realpath(path, real) != NULL && strcmp(real, path) != 0 &&
	    split(real, cur, sizeof(cur), &name) == 0)
		add_target(w, cur, name);
}

/* A fresh inotify instance with the current targets. */
static void rewatch(acfs_watch *w)
{
	int i;

	if (w->ifd >= 0)
		close(w->ifd);
	w->nt = 0;
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd < 0) {
		acfs_dlog(LOG_WARNING, "inotify: %s; edits are seen only on "
			  "SIGHUP", strerror(errno));
		return;
	}
	for (i = 0; i < 2; i++)
		if (w->paths[i] != NULL)
			watch_path(w, w->paths[i]);
}

static void reload(acfs_watch *w, const char *why)
{
	acfs_err e;
	int changed = 0;

	acfs_err_clear(&e);
	if (acfs_engine_reload(w->eng, &changed, &e) != ACFS_OK)
		acfs_dlog(e.code == ACFS_E_NOMEM ? LOG_ERR : LOG_WARNING,
			  "reloading after %s: %s", why, e.msg);
	else
		acfs_dlog(changed ? LOG_INFO : LOG_DEBUG, "reloaded after %s: %s",
			  why, changed ? "profiles changed" : "no change");
}

/* Whether the events in buf concern a target. */
static int relevant(const acfs_watch *w, const char *buf, ssize_t len)
{
	const struct inotify_event *ev;
	const char *p;
	size_t i;

	for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
		ev = (const struct inotify_event *)(const void *)p;
		if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF |
				IN_IGNORED))
			return 1;
		if (ev->len == 0)
			continue;
		for (i = 0; i < w->nt; i++)
			if (w->t[i].wd == ev->wd && strcmp(w->t[i].name, ev->name) == 0)
				return 1;
	}
	return 0;
}

static void *watch_main(void *arg)
{
	acfs_watch *w = arg;
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	long first = -1, due = -1;
	sigset_t waitmask;

	/* SIGHUP is delivered only while waiting, to this thread. */
	pthread_sigmask(SIG_BLOCK, NULL, &waitmask);
	sigdelset(&waitmask, SIGHUP);
	for (;;) {
		struct pollfd pfd[2];
		struct timespec ts, *tp = NULL;
		long now;
		int rc;

		if (hup_pending) {
			hup_pending = 0;
			rewatch(w);
			reload(w, "SIGHUP");
		}
		now = mono_ms();
		if (due >= 0 && now >= due) {
			first = due = -1;
			rewatch(w);
			reload(w, "a file change");
			continue;
		}
		if (due >= 0) {
			ts.tv_sec = (due - now) / 1000;
			ts.tv_nsec = ((due - now) % 1000) * 1000000;
			tp = &ts;
		}
		pfd[0].fd = w->stopfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = w->ifd;
		pfd[1].events = POLLIN;
		rc = ppoll(pfd, w->ifd >= 0 ? 2 : 1, tp, &waitmask);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			acfs_dlog(LOG_ERR, "watcher: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		if (rc > 0 && w->ifd >= 0 && (pfd[1].revents & POLLIN)) {
			ssize_t n;
			int hit = 0;

			while ((n = read(w->ifd, buf, sizeof(buf))) > 0)
				hit |= relevant(w, buf, n);
			if (hit) {
				now = mono_ms();
				if (first < 0)
					first = now;
				due = now + DEBOUNCE_MS;
				if (due > first + DEBOUNCE_MAX_MS)
					due = first + DEBOUNCE_MAX_MS;
			}
		}
	}
	return NULL;
}

acfs_watch *acfs_watch_start(acfs_engine *eng, const char *config_path,
			     const char *credentials_path)
{
	acfs_watch *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL)
		return NULL;
	w->eng = eng;
	w->ifd = -1;
	w->paths[0] = config_path ? strdup(config_path) : NULL;
	w->paths[1] = credentials_path ? strdup(credentials_path) : NULL;
	w->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->stopfd < 0 || (config_path && !w->paths[0]) ||
	    (credentials_path && !w->paths[1])) {
		acfs_dlog(LOG_ERR, "cannot start the config watcher: %s",
			  strerror(errno));
		goto fail;
	}
	rewatch(w);
	rc = pthread_create(&w->thread, NULL, watch_main, w);
	if (rc != 0) {
		acfs_dlog(LOG_ERR, "cannot start the config watcher: %s",
			  strerror(rc));
		goto fail;
	}
	return w;
fail:
	if (w->stopfd >= 0)
		close(w->stopfd);
	if (w->ifd >= 0)
		close(w->ifd);
	free(w->paths[0]);
	free(w->paths[1]);
	free(w);
	return NULL;
}

void acfs_watch_stop(acfs_watch *w)
{
	uint64_t one = 1;

	if (w == NULL)
		return;
	if (write(w->stopfd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		acfs_dlog(LOG_ERR, "cannot stop the config watcher");
	pthread_join(w->thread, NULL);
	close(w->stopfd);
	if (w->ifd >= 0)
		close(w->ifd);
	free(w->paths[0]);
	free(w->paths[1]);
	free(w);
}
