/* daemon.c - the mount mode: options, checks, detaching once the mount is
 * ready, signals, the multithreaded loop and a clean shutdown. */
#include "daemon.h"

#define FUSE_USE_VERSION 314   /* libfuse 3.14, as Debian 12 ships it */
#include <fuse_lowlevel.h>

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "env.h"
#include "files.h"
#include "fs.h"
#include "harden.h"
#include "http.h"
#include "log.h"
#include "mountpoint.h"
#include "opts.h"
#include "watch.h"

pid_t acfs_daemon_fork_piped(int p[2])
{
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		acfs_dlog(LOG_ERR, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		acfs_dlog(LOG_ERR, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
	}
	return pid;
}

/* Forks before any thread exists.  The parent waits until the child says
 * the mount is ready (one byte on the pipe) and exits 0, or exits with the
 * child's status when it failed first.  The child gets the pipe's write
 * end, or -1 on failure. */
static int detach(void)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;
	char c;

	pid = acfs_daemon_fork_piped(p);
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n == 1)
			_exit(0);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				_exit(1);
		_exit(WIFEXITED(st) && WEXITSTATUS(st) != 0 ? WEXITSTATUS(st) : 1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

/* The mount is ready: one byte to whoever waits on fd. */
static void tell_ready(int fd)
{
	if (write(fd, "", 1) != 1)
		acfs_dlog(LOG_WARNING, "cannot tell the parent we are ready: %s",
			  strerror(errno));
	close(fd);
}

/* The mount is ready: release the waiting parent and let go of the
 * terminal. */
static void signal_ready(int fd)
{
	int null;

	tell_ready(fd);
	if (chdir("/") != 0)
		acfs_dlog(LOG_WARNING, "chdir /: %s", strerror(errno));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	acfs_dlog_sinks(ACFS_DLOG_SYSLOG);
}

static void mask_signals(int how, int with_hup)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGINT);
	if (with_hup)
		sigaddset(&s, SIGHUP);
	pthread_sigmask(how, &s, NULL);
}

/* The file to read: the option (config=, possibly empty for none), else
 * where the SDKs look; absolute.  *out NULL means "none".  Returns -1 on
 * failure (logged). */
static int file_path(int given, const char *opt, const char *located,
		     char **out)
{
	const char *p = given ? opt : located;

	*out = NULL;
	if (p == NULL)
		return 0;
	*out = acfs_mnt_abspath(p);
	if (*out == NULL) {
		acfs_dlog(LOG_ERR, "out of memory");
		return -1;
	}
	return 0;
}

/* Refuses a file that would be read through this very mount. */
static int outside_mount(const char *path, const char *what,
			 const char *mp_canon)
{
	char *c;
	int inside;

	if (path == NULL)
		return 0;
	c = acfs_mnt_canon(path);
	if (c == NULL) {
		acfs_dlog(LOG_ERR, "out of memory");
		return -1;
	}
	inside = acfs_mnt_inside(c, mp_canon);
	if (inside)
		acfs_dlog(LOG_ERR, "refusing the %s file %s: it lies inside the "
			  "mount point %s, so it would be read through this "
			  "filesystem itself; give %s= a file outside it",
			  what, path, mp_canon, what);
	free(c);
	return inside ? -1 : 0;
}

static int serve(struct fuse_session *se, const struct fuse_cmdline_opts *co)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (co->singlethread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (cfg == NULL)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned)co->clone_fd);
	if (co->max_idle_threads != UINT_MAX)   /* given: -1 is the default */
		fuse_loop_cfg_set_idle_threads(cfg, co->max_idle_threads);
	fuse_loop_cfg_set_max_threads(cfg, co->max_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

int acfs_daemon_main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	acfs_mopts o;
	int rc;

	if (acfs_mopts_parse(argc, argv, &o, &args) != 0)
		return ACFS_DAEMON_USAGE;
	if (o.show_help || o.show_version)
		rc = o.show_help ? ACFS_DAEMON_HELP : ACFS_DAEMON_VERSION;
	else
		rc = acfs_daemon_serve(&o, &args, -1);
	fuse_opt_free_args(&args);
	acfs_mopts_free(&o);
	return rc;
}

int acfs_daemon_serve(const acfs_mopts *o, struct fuse_args *args,
		      int exec_ready_fd)
{
	struct fuse_cmdline_opts co;
	struct fuse_session *se = NULL;
	const struct fuse_lowlevel_ops *ops;
	acfs_locations loc;
	acfs_engine_opts eo;
	acfs_engine *eng = NULL;
	acfs_http *http = NULL;
	acfs_watch *watch = NULL;
	acfs_fs *fs = NULL;
	acfs_err e;
	char *mp = NULL, *mp_canon = NULL, *config = NULL, *creds = NULL;
	struct sigaction sa;
	int rc = 1, ready_fd = exec_ready_fd, handlers = 0, mounted = 0;
	int ret, level, harden_rc;
	size_t opsz;

	/* Up to 64 FUSE workers each get a malloc arena of their own by
	 * default; the content is small and short-lived, so two arenas keep
	 * the resident size down at no measurable cost. */
	mallopt(M_ARENA_MAX, 2);

	memset(&loc, 0, sizeof(loc));
	memset(&co, 0, sizeof(co));
	acfs_err_clear(&e);
	harden_rc = acfs_harden() == 0 ? 0 : errno;
	if (fuse_parse_cmdline(args, &co) != 0) {
		if (exec_ready_fd >= 0)
			close(exec_ready_fd);
		return ACFS_DAEMON_USAGE;
	}
	if (exec_ready_fd >= 0)
		co.foreground = 1;   /* --exec waits on the fd instead */
	level = o->loglevel >= 0 ? o->loglevel : co.debug ? LOG_DEBUG : LOG_INFO;
	acfs_dlog_open(co.foreground ? ACFS_DLOG_STDERR :
		       ACFS_DLOG_STDERR | ACFS_DLOG_SYSLOG, level, co.debug);
	if (harden_rc != 0)
		acfs_dlog(LOG_WARNING, "cannot deny core dumps and tracing: %s",
			  strerror(harden_rc));

	/* Where, and from which files. */
	mp = o->mountpoint ? acfs_mnt_abspath(o->mountpoint) : acfs_mnt_default();
	if (mp == NULL)
		goto out;
	if ((!o->config_set || !o->credentials_set) &&
	    acfs_locate(acfs_env_process(), &loc, &e) != ACFS_OK) {
		acfs_dlog(LOG_ERR, "%s; name the files with -o config=FILE,"
			  "credentials=FILE", e.msg);
		goto out;
	}
	if (file_path(o->config_set, o->config, loc.config_path, &config) != 0 ||
	    file_path(o->credentials_set, o->credentials, loc.credentials_path,
		      &creds) != 0)
		goto out;
	if (acfs_mnt_prepare(mp) != 0)
		goto out;
	mp_canon = acfs_mnt_canon(mp);
	if (mp_canon == NULL) {
		acfs_dlog(LOG_ERR, "out of memory");
		goto out;
	}
	if (outside_mount(config, "config", mp_canon) != 0 ||
	    outside_mount(creds, "credentials", mp_canon) != 0)
		goto out;
	acfs_mnt_warn_writable(config, "config");
	acfs_mnt_warn_writable(creds, "credentials");
	if (o->uid != geteuid() && !o->allow_other)
		acfs_dlog(LOG_WARNING, "uid=%u: without -o allow_other only the "
			  "mounting user (uid %u) can use the mount",
			  (unsigned)o->uid, (unsigned)geteuid());

	/* Detach before any thread exists; report readiness later. */
	if (!co.foreground) {
		ready_fd = detach();
		if (ready_fd < 0)
			goto out;
	}
	/* Every thread started from here on blocks these; the main thread
	 * takes SIGTERM and SIGINT once serving, the watcher SIGHUP. */
	mask_signals(SIG_BLOCK, 1);

	http = acfs_http_curl_new(&e);
	if (http == NULL) {
		acfs_dlog(LOG_ERR, "%s", e.msg);
		goto out;
	}
	fs = acfs_fs_new(o->uid, o->gid);
	if (fs == NULL) {
		acfs_dlog(LOG_ERR, "out of memory");
		goto out;
	}
	memset(&eo, 0, sizeof(eo));
	eo.config_path = config;
	eo.credentials_path = creds;
	eo.env = acfs_env_process();
	eo.http = http;
	eo.refresh_window_s = o->refresh_window_s;
	eo.sts_timeout_ms = o->sts_timeout_ms;
	eo.process_timeout_ms = o->process_timeout_ms;
	eo.profile_filter = o->profiles;
	eo.mount_point = mp;
	eo.on_change = acfs_fs_on_change;
	eo.on_change_ctx = fs;
	if (acfs_engine_new(&eo, &eng, &e) != ACFS_OK) {
		acfs_dlog(LOG_ERR, "%s", e.msg);
		goto out;
	}
	acfs_fs_set_engine(fs, eng);

	ops = acfs_fs_ops(&opsz);
	se = fuse_session_new(args, ops, opsz, fs);
	if (se == NULL) {
		acfs_dlog(LOG_ERR, "cannot start the FUSE session (see above)");
		goto out;
	}
	if (fuse_set_signal_handlers(se) != 0) {
		acfs_dlog(LOG_ERR, "cannot set the signal handlers");
		goto out;
	}
	handlers = 1;
	/* libfuse makes SIGHUP end the session too: here it reloads. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = acfs_watch_on_hup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	if (fuse_session_mount(se, mp) != 0) {
		acfs_dlog(LOG_ERR, "cannot mount on %s (see above)", mp);
		goto out;
	}
	mounted = 1;
	acfs_fs_attach(fs, se);
	watch = acfs_watch_start(eng, config, creds);
	acfs_dlog(LOG_INFO, "mounted on %s (config %s, credentials %s)", mp,
		  config ? config : "none", creds ? creds : "none");
	if (ready_fd >= 0) {
		if (exec_ready_fd >= 0)
			tell_ready(ready_fd);
		else
			signal_ready(ready_fd);
		ready_fd = -1;
	}

	mask_signals(SIG_UNBLOCK, 0);
	ret = serve(se, &co);
	mask_signals(SIG_BLOCK, 0);
	/* libfuse 3.14 returns the signal that ended the loop: a clean
	 * stop, as an unmount is. */
	if (ret > 0)   /* under --exec, the supervisor's stop: it said why */
		acfs_dlog(exec_ready_fd >= 0 ? LOG_DEBUG : LOG_INFO,
			  "%s: unmounting", strsignal(ret));
	else if (ret < 0)
		acfs_dlog(LOG_ERR, "the FUSE loop failed: %s", strerror(-ret));
	rc = ret < 0 ? 1 : 0;
out:
	acfs_watch_stop(watch);
	/* Unmount first: that ends the connection, so a notice the engine
	 * is sending right now returns (EBADF/ENODEV) instead of waiting on
	 * a read that no worker will answer any more; then detach. */
	if (mounted) {
		fuse_session_unmount(se);
		acfs_dlog(LOG_INFO, "unmounted %s", mp);
	}
	if (fs != NULL)
		acfs_fs_detach(fs);
	if (handlers)
		fuse_remove_signal_handlers(se);
	/* The engine's notifier stops here; it no longer reaches the
	 * session (detached above). */
	acfs_engine_free(eng);
	acfs_http_free(http);
	if (se != NULL)
		fuse_session_destroy(se);
	acfs_fs_free(fs);
	if (ready_fd >= 0)
		close(ready_fd);   /* the parent sees EOF and our status */
	free(mp);
	free(mp_canon);
	free(config);
	free(creds);
	acfs_locations_free(&loc);
	free(co.mountpoint);
	acfs_dlog_close();
	return rc;
}
