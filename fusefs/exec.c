/* exec.c - the entrypoint mode: mount, run one command for one profile,
 * unmount, exit with its status.
 *
 * Three processes:
 *
 *   supervisor   this process (PID 1 in a container): waits, reaps,
 *   |            forwards signals, cleans up
 *   +- daemon    fork() without exec: acfs_daemon_serve(), the mount
 *   +- command   fork() + execvp(): the user's COMMAND
 *
 * Why the FUSE session runs in a process of its own, not in a thread of
 * the supervisor:
 *  - PID 1 reaps every orphan with waitpid(-1).  In one process that
 *    would steal the exit status of the daemon's own children
 *    (credential_process, fusermount3), which wait for their pid.
 *  - COMMAND is forked from a process that never held a credential, a
 *    FUSE or libcurl descriptor or a thread, so its child may setenv()
 *    between fork and exec, and nothing of the daemon's reaches it.
 *  - The daemon hardens itself fully (acfs_harden: RLIMIT_CORE 0 for
 *    good, PR_SET_DUMPABLE 0): COMMAND, its sibling, can neither ptrace
 *    it nor open its /proc/PID/mem without CAP_SYS_PTRACE.  (Its
 *    /proc/PID/environ stays readable on some kernels: that is the
 *    environment awscredsfs was started with.)  The supervisor is
 *    non-dumpable too, with a soft core limit of 0, but keeps the hard
 *    limit, so that COMMAND gets the core limit awscredsfs was started
 *    with; the exec itself resets the dumpable flag.
 *  - If the supervisor is killed, PR_SET_PDEATHSIG sends the daemon
 *    SIGTERM and it unmounts; a thread would leave a dead mount behind.
 *  - The daemon runs in a process group of its own, so a Ctrl-C on the
 *    terminal reaches COMMAND (which may still need its credentials while
 *    it shuts down) and not the daemon.
 *
 * Signals.  The supervisor installs no handler: it blocks the signals it
 * cares about and reads them from a signalfd, which also works for PID 1
 * (a blocked signal is never discarded).  SIGTERM, SIGINT, SIGHUP,
 * SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded to COMMAND, except one that
 * the terminal sent to our whole process group (SI_KERNEL) while COMMAND
 * is still in it: it has that one already.  SIGHUP also makes the daemon
 * re-read its files, as it does for the daemon alone.  SIGCHLD reaps
 * every child: as PID 1, or as a child subreaper elsewhere, orphaned
 * grandchildren are ours to reap.  Before COMMAND starts, any of those
 * signals ends the start instead: unmount, exit 128+N.
 *
 * File descriptors.  Ours are all close-on-exec (the ready pipe, the
 * signalfd); the daemon's (/dev/fuse, inotify, sockets) live in the
 * daemon process only.  Descriptors awscredsfs itself inherited are
 * passed on to COMMAND, as any wrapper does (socket activation).
 */
#define FUSE_USE_VERSION 314   /* libfuse 3.14, as Debian 12 ships it */
#include <fuse_lowlevel.h>

#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "harden.h"
#include "log.h"
#include "mountpoint.h"
#include "opts.h"
#include "sessionenv.h"

/* How long the daemon may take to unmount and exit (a worker may be in
 * the middle of an STS call) before it is killed. */
#define DAEMON_STOP_MS 30000

static const int forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
};

/* The command line, split. */
typedef struct {
	const char *profile;
	int refresh;
	char **cmd;        /* after "--"; NULL when there is no "--" */
	char **margv;      /* the mount's own arguments, argv[0] first */
	int margc;
	int nopts;         /* how many of them are options */
} exec_args;

/* The supervisor's state. */
typedef struct {
	const char *mp;
	const char *cmd;        /* COMMAND's name, for messages */
	int ours;               /* we started the daemon: the mount is ours */
	pid_t daemon;           /* 0: none (a reused mount), or exited */
	pid_t child;            /* 0: not started */
	int child_status;       /* a wait status, once child_done */
	int child_done;
	int sigfd;
	sigset_t orig_mask;     /* what we were started with: COMMAND's */
	struct rlimit core;     /* likewise */
} sup;

enum { EV_ERROR = -1, EV_TIMEOUT, EV_FD, EV_SIGNAL };

/* --- the command line --------------------------------------------------- */

static int is_exec_opt(const char *a)
{
	return strcmp(a, "--exec") == 0 || strncmp(a, "--exec=", 7) == 0 ||
	       strcmp(a, "--refresh") == 0;
}

int acfs_exec_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-o") == 0) {
			i++;   /* its argument is an option list, not ours */
			continue;
		}
		if (is_exec_opt(argv[i]))
			return 1;
	}
	return 0;
}

static int bad_usage(const char *why)
{
	fprintf(stderr, "awscredsfs: %s\n", why);
	return -1;
}

/* --exec PROFILE or --exec=PROFILE at argv[*i]. */
static int take_profile(int argc, char **argv, int *i, exec_args *a)
{
	const char *arg = argv[*i];

	if (a->profile != NULL)
		return bad_usage("--exec is given twice");
	if (arg[6] == '=')
		a->profile = arg + 7;
	else if (*i + 1 < argc && strcmp(argv[*i + 1], "--") != 0)
		a->profile = argv[++*i];
	else
		return bad_usage("--exec needs a PROFILE");
	return 0;
}

/* Splits argv into our options, the mount's arguments and COMMAND.
 * Returns 0, or -1 with the message printed (a usage error). */
static int split_args(int argc, char **argv, exec_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->margv = calloc((size_t)argc + 1, sizeof(*a->margv));
	if (a->margv == NULL)
		return bad_usage("out of memory");
	a->margv[a->margc++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			a->cmd = argv + i + 1;
			break;
		}
		if (strcmp(argv[i], "--refresh") == 0) {
			a->refresh = 1;
		} else if (is_exec_opt(argv[i])) {
			if (take_profile(argc, argv, &i, a) != 0)
				return -1;
		} else {
			a->nopts += argv[i][0] == '-';
			a->margv[a->margc++] = argv[i];
			if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
				a->margv[a->margc++] = argv[++i];
		}
	}
	if (a->profile == NULL)
		return bad_usage("--refresh goes with --exec PROFILE");
	if (a->cmd == NULL)
		return bad_usage("--exec PROFILE needs the command to run after "
				 "--: awscredsfs --exec PROFILE -- COMMAND "
				 "[ARG...]");
	if (a->cmd[0] == NULL)
		return bad_usage("no command after --: awscredsfs --exec "
				 "PROFILE -- COMMAND [ARG...]");
	return 0;
}

/* --- signals and children ----------------------------------------------- */

static void forwarded_set(sigset_t *s)
{
	size_t i;

	sigemptyset(s);
	for (i = 0; i < sizeof(forwarded) / sizeof(*forwarded); i++)
		sigaddset(s, forwarded[i]);
	sigaddset(s, SIGCHLD);
}

/* Blocks the signals we handle and opens the signalfd that reads them. */
static int signals_start(sup *s)
{
	sigset_t set;

	forwarded_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, &s->orig_mask) != 0)
		return -1;
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (s->sigfd < 0) {
		acfs_dlog(LOG_ERR, "signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Waits up to timeout_ms (-1: no limit) until fd (-1: none) is readable
 * or a signal arrives (read into *si). */
static int wait_event(sup *s, int fd, int timeout_ms,
		      struct signalfd_siginfo *si)
{
	struct pollfd p[2];
	int n;

	p[0].fd = s->sigfd;
	p[0].events = POLLIN;
	p[1].fd = fd;
	p[1].events = POLLIN;
	do
		n = poll(p, fd >= 0 ? 2 : 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return EV_ERROR;
	if (n == 0)
		return EV_TIMEOUT;
	if (p[0].revents & POLLIN) {
		if (read(s->sigfd, si, sizeof(*si)) != (ssize_t)sizeof(*si))
			return EV_ERROR;
		return EV_SIGNAL;
	}
	return EV_FD;
}

/* "SIGTERM"; any number works. */
static const char *sig_name(int sig, char *buf, size_t sz)
{
	const char *n = sigabbrev_np(sig);

	if (n != NULL)
		snprintf(buf, sz, "SIG%s", n);
	else
		snprintf(buf, sz, "signal %d", sig);
	return buf;
}

static const char *status_text(int st, char *buf, size_t sz)
{
	char sig[32];

	if (WIFSIGNALED(st))
		snprintf(buf, sz, "was killed by %s",
			 sig_name(WTERMSIG(st), sig, sizeof(sig)));
	else
		snprintf(buf, sz, "exited with status %d", WEXITSTATUS(st));
	return buf;
}

/* Reaps every child that has exited: COMMAND, the daemon, orphans. */
static void reap(sup *s)
{
	char why[64];
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == s->child) {
			s->child_status = st;
			s->child_done = 1;
		} else if (pid == s->daemon) {
			s->daemon = 0;
			if (s->child != 0 && !s->child_done)
				acfs_dlog(LOG_ERR, "the filesystem daemon %s while "
					  "%s runs: %s is gone", status_text(st,
					  why, sizeof(why)), s->cmd, s->mp);
			else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				acfs_dlog(LOG_WARNING, "the filesystem daemon %s",
					  status_text(st, why, sizeof(why)));
		}
	}
}

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (reaping) until the daemon has exited, at most timeout_ms.
 * Returns whether it has. */
static int wait_daemon(sup *s, long timeout_ms)
{
	long end = mono_ms() + timeout_ms, left;
	struct signalfd_siginfo si;

	for (;;) {
		reap(s);
		if (s->daemon == 0)
			return 1;
		left = end - mono_ms();
		if (left <= 0 ||
		    wait_event(s, -1, (int)left, &si) == EV_ERROR)
			return 0;
	}
}

/* Stops our daemon, which unmounts (lazily when the mount is busy); a
 * daemon that does not stop is killed and its dead mount detached. */
static void stop_daemon(sup *s)
{
	if (!s->ours)
		return;   /* a mount we found stays */
	if (s->daemon != 0) {
		kill(s->daemon, SIGTERM);
		if (!wait_daemon(s, DAEMON_STOP_MS)) {
			acfs_dlog(LOG_WARNING, "the filesystem daemon did not "
				  "stop within %d s: killing it",
				  DAEMON_STOP_MS / 1000);
			kill(s->daemon, SIGKILL);
			wait_daemon(s, DAEMON_STOP_MS);
		}
	}
	acfs_mnt_clear_stale(s->mp);   /* after a crash or the kill */
}

/* --- the daemon ---------------------------------------------------------- */

/* In the daemon process: detach from the supervisor's terminal signals
 * and stdin/stdout, and die with it.  Returns -1 when the supervisor is
 * already gone. */
static int daemon_setup(sup *s, pid_t supervisor)
{
	sigset_t none;
	int null;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0 ||
	    getppid() != supervisor)
		return -1;
	setpgid(0, 0);
	signal(SIGTTOU, SIG_IGN);   /* logging from a background group */
	close(s->sigfd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	return 0;
}

/* Forks the daemon; *ready_fd gets the read end of its ready pipe. */
static int start_daemon(sup *s, acfs_mopts *o, struct fuse_args *args,
			int *ready_fd)
{
	pid_t self = getpid(), pid;
	int p[2], rc;

	pid = acfs_daemon_fork_piped(p);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		rc = 1;
		if (daemon_setup(s, self) == 0)
			rc = acfs_daemon_serve(o, args, p[1]);
		else
			close(p[1]);
		fuse_opt_free_args(args);
		acfs_mopts_free(o);
		exit(rc == ACFS_DAEMON_USAGE ? 2 : rc);
	}
	close(p[1]);
	s->daemon = pid;
	s->ours = 1;
	*ready_fd = p[0];
	return 0;
}

/* Waits for the ready byte.  Returns 0 once the mount is ready, else the
 * exit status: ACFS_EXEC_FAILED (the daemon said why), or 128+N when
 * signal N ended the start. */
static int wait_ready(sup *s, int fd)
{
	struct signalfd_siginfo si;
	char c, sig[32];
	ssize_t n;

	for (;;) {
		switch (wait_event(s, fd, -1, &si)) {
		case EV_FD:
			do
				n = read(fd, &c, 1);
			while (n < 0 && errno == EINTR);
			return n == 1 ? 0 : ACFS_EXEC_FAILED;
		case EV_SIGNAL:
			if (si.ssi_signo == SIGCHLD) {
				reap(s);   /* the pipe tells */
				break;
			}
			acfs_dlog(LOG_INFO, "%s before %s started: unmounting",
				  sig_name((int)si.ssi_signo, sig, sizeof(sig)),
				  s->cmd);
			return 128 + (int)si.ssi_signo;
		default:
			acfs_dlog(LOG_ERR, "waiting for the mount: %s",
				  strerror(errno));
			return ACFS_EXEC_FAILED;
		}
	}
}

/* --- the command --------------------------------------------------------- */

/* In COMMAND's process: what awscredsfs was started with, the profile's
 * variables, exec.  Never returns. */
static void run_child(const sup *s, char **cmd, const acfs_session_env *env)
{
	acfs_err e;
	int err;

	close(s->sigfd);
	setrlimit(RLIMIT_CORE, &s->core);
	sigprocmask(SIG_SETMASK, &s->orig_mask, NULL);
	if (acfs_session_env_apply(env, &e) != ACFS_OK) {
		fprintf(stderr, "awscredsfs: %s\n", e.msg);
		_exit(ACFS_EXEC_NOEXEC);
	}
	execvp(cmd[0], cmd);
	err = errno;
	if (err == ENOENT && strchr(cmd[0], '/') == NULL)
		fprintf(stderr, "awscredsfs: %s: command not found\n", cmd[0]);
	else
		fprintf(stderr, "awscredsfs: %s: %s\n", cmd[0], strerror(err));
	_exit(err == ENOENT ? ACFS_EXEC_NOTFOUND : ACFS_EXEC_NOEXEC);
}

static int start_child(sup *s, char **cmd, const acfs_session_env *env)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		acfs_dlog(LOG_ERR, "cannot start %s: fork: %s", cmd[0],
			  strerror(errno));
		return -1;
	}
	if (pid == 0)
		run_child(s, cmd, env);
	s->child = pid;
	return 0;
}

static void forward(sup *s, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;
	char name[32];

	if (sig == SIGHUP && s->daemon != 0)
		kill(s->daemon, SIGHUP);   /* re-read the files */
	if (si->ssi_code == SI_KERNEL && getpgid(s->child) == getpgrp())
		return;   /* from the terminal, to COMMAND as well */
	sig_name(sig, name, sizeof(name));
	acfs_dlog(LOG_DEBUG, "forwarding %s to %s", name, s->cmd);
	if (kill(s->child, sig) != 0 && errno != ESRCH)
		acfs_dlog(LOG_WARNING, "cannot forward %s to %s: %s", name,
			  s->cmd, strerror(errno));
}

/* Until COMMAND exits: forward signals, reap. */
static void supervise(sup *s)
{
	struct signalfd_siginfo si;

	for (;;) {
		reap(s);
		if (s->child_done)
			return;
		switch (wait_event(s, -1, -1, &si)) {
		case EV_SIGNAL:
			if (si.ssi_signo != SIGCHLD)
				forward(s, &si);
			break;
		case EV_ERROR:
			acfs_dlog(LOG_ERR, "reading signals: %s; only waiting "
				  "for %s now", strerror(errno), s->cmd);
			while (waitpid(s->child, &s->child_status, 0) < 0)
				if (errno != EINTR)
					return;
			s->child_done = 1;
			return;
		default:
			break;
		}
	}
}

static int exit_status(const sup *s)
{
	char why[64];

	if (!s->child_done)
		return ACFS_EXEC_FAILED;
	acfs_dlog(LOG_INFO, "%s %s%s", s->cmd,
		  status_text(s->child_status, why, sizeof(why)),
		  s->ours ? ": unmounting" : "");
	if (WIFSIGNALED(s->child_status))
		return 128 + WTERMSIG(s->child_status);
	return WEXITSTATUS(s->child_status);
}

/* --- the mode ------------------------------------------------------------ */

/* The mount point, absolute, into o->mountpoint: the daemon must mount
 * where we look. */
static int settle_mountpoint(acfs_mopts *o)
{
	char *mp = o->mountpoint ? acfs_mnt_abspath(o->mountpoint)
				 : acfs_mnt_default();

	if (mp == NULL)
		return -1;
	free(o->mountpoint);
	o->mountpoint = mp;
	return 0;
}

/* Whether an awscredsfs mount already serves mp: a live FUSE mount with
 * the top-level status file.  A dead one is left to the daemon, which
 * detaches it before mounting. */
static int reusable(const char *mp)
{
	acfs_err e;

	return acfs_mnt_live_fuse(mp) &&
	       acfs_session_check_mount(mp, &e) == ACFS_OK;
}

/* Mounts (or reuses), builds the environment, runs COMMAND, waits.
 * Returns the exit status. */
static int run(sup *s, const exec_args *a, acfs_mopts *o,
	       struct fuse_args *args)
{
	acfs_session_env env;
	acfs_err e;
	int ready_fd = -1, rc;

	memset(&env, 0, sizeof(env));
	if (reusable(s->mp)) {
		acfs_dlog(LOG_INFO, "using the awscredsfs mount already on %s",
			  s->mp);
		if (a->nopts > 0)
			acfs_dlog(LOG_WARNING, "the mount options given do not "
				  "apply to it");
	} else {
		if (start_daemon(s, o, args, &ready_fd) != 0)
			return ACFS_EXEC_FAILED;
		rc = wait_ready(s, ready_fd);
		close(ready_fd);
		if (rc != 0)
			return rc;
	}
	if (acfs_session_env_build(s->mp, a->profile, a->refresh, &env,
				   &e) != ACFS_OK) {
		acfs_dlog(LOG_ERR, "%s; %s not run", e.msg, s->cmd);
		return ACFS_EXEC_FAILED;
	}
	acfs_dlog(LOG_INFO, "running %s with profile %s of %s", s->cmd,
		  a->profile, s->mp);
	rc = start_child(s, a->cmd, &env);
	acfs_session_env_free(&env);
	if (rc != 0)
		return ACFS_EXEC_FAILED;
	supervise(s);
	return exit_status(s);
}

int acfs_exec_main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	acfs_mopts o;
	exec_args a;
	acfs_err e;
	sup s;
	int rc = ACFS_DAEMON_USAGE, harden_rc, mopts_ok = 0;

	memset(&s, 0, sizeof(s));
	s.sigfd = -1;
	harden_rc = acfs_harden_soft(&s.core) == 0 ? 0 : errno;
	if (split_args(argc, argv, &a) != 0)
		goto out;
	if (acfs_session_profile_ok(a.profile, &e) != ACFS_OK) {
		bad_usage(e.msg);
		goto out;
	}
	if (acfs_mopts_parse(a.margc, a.margv, &o, &args) != 0)
		goto out;
	mopts_ok = 1;
	if (o.show_help || o.show_version) {
		rc = o.show_help ? ACFS_DAEMON_HELP : ACFS_DAEMON_VERSION;
		goto out;
	}
	acfs_dlog_open(ACFS_DLOG_STDERR, o.loglevel >= 0 ? o.loglevel : LOG_INFO,
		       0);
	if (harden_rc != 0)
		acfs_dlog(LOG_WARNING, "cannot deny core dumps and tracing: %s",
			  strerror(harden_rc));
	rc = ACFS_EXEC_FAILED;
	if (settle_mountpoint(&o) != 0)
		goto out;
	s.mp = o.mountpoint;
	s.cmd = a.cmd[0];
	/* Orphans of COMMAND's are reaped here even when we are not PID 1. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (signals_start(&s) != 0)
		goto out;
	rc = run(&s, &a, &o, &args);
	stop_daemon(&s);
out:
	if (s.sigfd >= 0)
		close(s.sigfd);
	if (mopts_ok) {
		fuse_opt_free_args(&args);
		acfs_mopts_free(&o);
	}
	free(a.margv);
	acfs_dlog_close();
	return rc;
}
