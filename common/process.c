/* process.c - running credential_process: fork, exec, capture, reap. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "credjson.h"
#include "planfmt.h"

#define SHELL "/bin/sh"
#define CHUNK 4096
#define DRAIN_CHUNKS 16
/* The fd the child reports a failed exec on (close-on-exec). */
#define STATUS_FD 3

const char *const acfs_process_scrubbed[] = {
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	NULL
};

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int scrubbed(const char *entry)
{
	size_t i, n = strcspn(entry, "=");

	for (i = 0; acfs_process_scrubbed[i] != NULL; i++)
		if (strlen(acfs_process_scrubbed[i]) == n &&
		    memcmp(acfs_process_scrubbed[i], entry, n) == 0)
			return 1;
	return 0;
}

char **acfs_process_env(char *const *base)
{
	char *const *src = base ? base : environ;
	size_t n = 0, k = 0, i;
	char **envp;

	while (src != NULL && src[n] != NULL)
		n++;
	envp = calloc(n + 1, sizeof(*envp));
	if (envp == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strchr(src[i], '=') == NULL || scrubbed(src[i]))
			continue;
		envp[k] = acfs_strdup(src[i]);
		if (envp[k] == NULL) {
			acfs_process_env_free(envp);
			return NULL;
		}
		k++;
	}
	return envp;
}

void acfs_process_env_free(char **envp)
{
	size_t i;

	if (envp == NULL)
		return;
	for (i = 0; envp[i] != NULL; i++)
		acfs_strfree(envp[i]);
	free(envp);
}

char *acfs_process_clean_text(const char *s, size_t n, char *out,
			      size_t outsz)
{
	size_t i, k = 0;
	int space = 0;

	if (outsz == 0)
		return out;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f) {
			space = k > 0;
			continue;
		}
		if (k + space + 1 >= outsz)
			break;
		if (space)
			out[k++] = ' ';
		space = 0;
		out[k++] = c < 0x7f ? (char)c : '?';
	}
	if (i < n && outsz > 4) {
		/* Cut: end with "...", in place of what does not fit. */
		if (k > outsz - 4)
			k = outsz - 4;
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

void acfs_process_result_free(acfs_process_result *res)
{
	acfs_buf_free(&res->out);
	acfs_buf_free(&res->err);
}

/* Moves fd to 3 or above (keeping close-on-exec), so the child's dup2
 * onto 0, 1 and 2 never clobbers it.  -1 on failure (fd closed). */
static int above_stdio(int fd)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int open_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	p[0] = above_stdio(p[0]);
	p[1] = above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return -1;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Puts fd on target for the child, without close-on-exec. */
static int child_dup(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* In the child, between fork and exec: async-signal-safe calls only.
 * Everything it touches was prepared before the fork. */
static void __attribute__((noreturn))
child(const char *path, char *const *argv, char *const *envp, int in_fd,
      int out_fd, int err_fd, int status_fd, int max_fd)
{
	/* The kernel's struct for rt_sigaction.  glibc's sigaction() refuses
	 * its own two real-time signals (32, 33), so an ignored disposition
	 * of theirs inherited from our parent would survive the exec; the
	 * system call resets those too. */
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };
	sigset_t none;
	int sig, fd, err;

	setpgid(0, 0);
	for (sig = 1; sig < 65; sig++)   /* EINVAL for KILL, STOP: fine */
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	if (child_dup(in_fd, 0) != 0 || child_dup(out_fd, 1) != 0 ||
	    child_dup(err_fd, 2) != 0)
		_exit(126);
	if (status_fd != STATUS_FD &&
	    (dup2(status_fd, STATUS_FD) < 0 ||
	     fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC) != 0))
		_exit(126);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, STATUS_FD + 1, ~0U, 0) != 0)
#endif
		for (fd = STATUS_FD + 1; fd < max_fd; fd++)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, argv, envp);
	/* The parent learns why; past a failed write nothing can be done. */
	err = errno;
	if (write(STATUS_FD, &err, sizeof(err)) < 0)
		err = 0;
	_exit(127);
}

/* The highest fd the child's fallback close loop visits. */
static int fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 1048576)
		return 1048576;
	return (int)rl.rlim_cur;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		return (int)fd;
	}
#endif
	(void)pid;
	return -1;
}

/* Whether pid has exited; it stays a zombie (WNOWAIT), so its pid and
 * process group id cannot be reused before we kill the group. */
static int has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

static void format_secs(long ms, char *out, size_t sz)
{
	if (ms % 1000 == 0)
		snprintf(out, sz, "%ld s", ms / 1000);
	else
		snprintf(out, sz, "%.1f s", (double)ms / 1000.0);
}

/* Reads what is there from fd into res, at most DRAIN_CHUNKS reads, so a
 * child that writes without pause cannot keep us from the clock.  0 when
 * open, 1 at EOF, -1 when stdout went past its cap. */
static int drain(int fd, int is_out, acfs_process_result *res,
		 size_t err_max)
{
	char chunk[CHUNK];
	ssize_t n;
	int rc = 0, k;

	for (k = 0; k < DRAIN_CHUNKS; k++) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
			break;
		}
		if (n == 0) {
			rc = 1;
			break;
		}
		if (is_out) {
			if (acfs_buf_add(&res->out, chunk, (size_t)n) != ACFS_OK) {
				rc = -1;
				break;
			}
		} else {
			size_t room = err_max - res->err.len;
			size_t take = (size_t)n < room ? (size_t)n : room;

			if (take > 0 && acfs_buf_add(&res->err, chunk, take) != ACFS_OK)
				take = 0;
			if (take < (size_t)n)
				res->err_cut = 1;
		}
	}
	acfs_wipe(chunk, sizeof(chunk));
	return rc;
}

acfs_code acfs_process_capture(const acfs_process_opts *o,
			       acfs_process_result *res, acfs_err *e)
{
	const char *sh_argv[] = { "sh", "-c", o->command, NULL };
	const char *const *argv = o->argv ? o->argv : sh_argv;
	long timeout = o->timeout_ms > 0 ? o->timeout_ms : ACFS_PROCESS_TIMEOUT_MS;
	size_t out_max = o->stdout_max ? o->stdout_max : ACFS_PROCESS_STDOUT_MAX;
	size_t err_max = o->stderr_max ? o->stderr_max : ACFS_PROCESS_STDERR_MAX;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, stp[2] = { -1, -1 };
	int devnull = -1, pidfd = -1, exec_errno = 0, max_fd, status = 0;
	char **envp = NULL;
	long deadline, exited_at = -1, now;
	int kill_why = 0;   /* 1: timeout, 2: too big */
	sigset_t all, old;
	acfs_code rc = ACFS_OK;
	char secs[32];
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->pid = -1;
	acfs_buf_init(&res->out, out_max);
	acfs_buf_init(&res->err, err_max);
	if (o->argv == NULL && (o->command == NULL || o->command[0] == '\0'))
		return acfs_err_set(e, ACFS_E_BADARG, "empty command");
	if (o->envp == NULL) {
		envp = acfs_process_env(NULL);
		if (envp == NULL)
			return acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
	}
	max_fd = fd_limit();
	devnull = above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (devnull < 0 || open_pipe(outp) != 0 || open_pipe(errp) != 0 ||
	    open_pipe(stp) != 0) {
		rc = acfs_err_set(e, ACFS_E_IO, "cannot set up the process: %s",
				  strerror(errno));
		goto out;
	}
	/* No signal handler may run in the child before it resets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(argv == sh_argv ? SHELL : argv[0], (char *const *)argv,
		      o->envp ? o->envp : envp, devnull, outp[1], errp[1], stp[1],
		      max_fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		rc = acfs_err_set(e, ACFS_E_IO, "cannot start the process: %s",
				  strerror(errno));
		goto out;
	}
	res->pid = pid;
	setpgid(pid, pid);   /* also done by the child; either wins */
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&stp[1]);
	close_fd(&devnull);
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	pidfd = open_pidfd(pid);
	deadline = mono_ms() + timeout;

	for (;;) {
		struct pollfd pf[4];
		int nf = 0, wait_ms, i;

		if (exited_at < 0 && has_exited(pid))
			exited_at = mono_ms();
		if (outp[0] < 0 && errp[0] < 0 && stp[0] < 0 && exited_at >= 0)
			break;
		now = mono_ms();
		if (now >= deadline) {
			kill_why = 1;
			break;
		}
		if (exited_at >= 0 && now >= exited_at + ACFS_PROCESS_LINGER_MS)
			break;   /* leftovers hold the pipes: killed below */
		wait_ms = (int)(deadline - now);
		if (exited_at >= 0 && exited_at + ACFS_PROCESS_LINGER_MS - now < wait_ms)
			wait_ms = (int)(exited_at + ACFS_PROCESS_LINGER_MS - now);
		if (exited_at < 0 && pidfd < 0 && wait_ms > 10)
			wait_ms = 10;   /* no pidfd: look at the child often */
		if (outp[0] >= 0)
			pf[nf++] = (struct pollfd){ .fd = outp[0], .events = POLLIN };
		if (errp[0] >= 0)
			pf[nf++] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
		if (stp[0] >= 0)
			pf[nf++] = (struct pollfd){ .fd = stp[0], .events = POLLIN };
		if (exited_at < 0 && pidfd >= 0)
			pf[nf++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (poll(pf, (nfds_t)nf, wait_ms) < 0 && errno != EINTR) {
			rc = acfs_err_set(e, ACFS_E_IO, "poll: %s", strerror(errno));
			kill_why = 3;
			break;
		}
		for (i = 0; i < nf; i++) {
			int r;

			if (pf[i].revents == 0 || pf[i].fd == pidfd)
				continue;
			if (pf[i].fd == stp[0]) {
				int err = 0;
				ssize_t n = read(stp[0], &err, sizeof(err));

				if (n < 0 && errno == EINTR)
					continue;
				if (n == (ssize_t)sizeof(err))
					exec_errno = err;
				close_fd(&stp[0]);
				continue;
			}
			r = drain(pf[i].fd, pf[i].fd == outp[0], res, err_max);
			if (r < 0) {
				kill_why = 2;
				break;
			}
			if (r > 0)
				close_fd(pf[i].fd == outp[0] ? &outp[0] : &errp[0]);
		}
		if (kill_why)
			break;
	}
	/* Kill the group while the leader is unreaped (so its id is still
	 * ours), unless everything ended by itself. */
	if (kill_why || outp[0] >= 0 || errp[0] >= 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);   /* in case it never got its own group */
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		/* Only when SIGCHLD is ignored, which the daemon never does:
		 * the kernel reaped it and took the status along. */
		if (rc == ACFS_OK)
			rc = acfs_err_set(e, ACFS_E_IO, "lost the exit status: %s",
					  strerror(errno));
		break;
	}
	res->status = status;
	if (rc != ACFS_OK)
		goto out;
	format_secs(timeout, secs, sizeof(secs));
	if (kill_why == 1)
		rc = acfs_err_set(e, ACFS_E_NET, "timed out after %s; the process "
				  "group was killed", secs);
	else if (kill_why == 2)
		rc = acfs_err_set(e, ACFS_E_TOOBIG, "output exceeds %zu bytes; the "
				  "process group was killed", out_max);
	else if (exec_errno != 0)
		rc = acfs_err_set(e, ACFS_E_IO, "cannot run %s: %s",
				  argv == sh_argv ? SHELL : argv[0],
				  strerror(exec_errno));
out:
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&stp[0]);
	close_fd(&stp[1]);
	close_fd(&devnull);
	close_fd(&pidfd);
	acfs_process_env_free(envp);
	return rc;
}

static const char *signal_name(int sig)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
		{ SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" }, { SIGSYS, "SIGSYS" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return "a signal";
}

acfs_code acfs_process_run(const acfs_resolver *r, const char *command,
			   const char *profile, acfs_creds **out, acfs_err *e)
{
	acfs_process_opts o;
	acfs_process_result res;
	char text[ACFS_PROCESS_STDERR_SHOWN + 1], name[64];
	const char *cmd = command ? command + strspn(command, " \t") : "";
	acfs_creds *c = NULL;
	acfs_err pe;
	acfs_code rc;
	time_t now;

	*out = NULL;
	if (profile == NULL)
		profile = "default";
	snprintf(name, sizeof(name), "%.*s", acfs_command_name_len(cmd), cmd);
	if (cmd[0] == '\0')
		return acfs_err_set(e, ACFS_E_CONFIG,
				    "profile '%s': credential_process is empty",
				    profile);
	memset(&o, 0, sizeof(o));
	o.command = command;
	o.timeout_ms = r ? r->process_timeout_ms : 0;
	acfs_err_clear(&pe);
	rc = acfs_process_capture(&o, &res, &pe);
	acfs_process_clean_text(res.err.data, res.err.len, text, sizeof(text));
	if (rc != ACFS_OK) {
		acfs_err_set(e, rc, "profile '%s': credential_process '%s': %s%s%s",
			     profile, name, pe.msg, text[0] ? "; stderr: " : "",
			     text);
		goto out;
	}
	if (WIFSIGNALED(res.status)) {
		rc = acfs_err_set(e, ACFS_E_REMOTE,
				  "profile '%s': credential_process '%s' was killed "
				  "by signal %d (%s)%s%s", profile, name,
				  WTERMSIG(res.status), signal_name(WTERMSIG(res.status)),
				  text[0] ? "; stderr: " : "", text);
		goto out;
	}
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		rc = acfs_err_set(e, ACFS_E_REMOTE,
				  "profile '%s': credential_process '%s' exited with "
				  "status %d; stderr: %s", profile, name,
				  WIFEXITED(res.status) ? WEXITSTATUS(res.status) : -1,
				  text[0] ? text : "(empty)");
		goto out;
	}
	if (res.out.len == 0) {
		rc = acfs_err_set(e, ACFS_E_REMOTE,
				  "profile '%s': credential_process '%s' exited with "
				  "status 0 but printed nothing on stdout%s%s",
				  profile, name, text[0] ? "; stderr: " : "", text);
		goto out;
	}
	rc = acfs_credjson_process(res.out.data, res.out.len, &c, &pe);
	if (rc != ACFS_OK) {
		acfs_err_set(e, rc, "profile '%s': credential_process '%s' printed "
			     "no usable credentials: %s%s%s", profile, name, pe.msg,
			     text[0] ? "; stderr: " : "", text);
		goto out;
	}
	now = r && r->now ? r->now(r->clock_ctx) : time(NULL);
	if (!acfs_creds_valid(c, now)) {
		char when[21];

		acfs_time_iso8601(c->expiration, when);
		rc = acfs_err_set(e, ACFS_E_REMOTE,
				  "profile '%s': credential_process '%s' returned "
				  "credentials that expired at %s", profile, name,
				  when);
		acfs_creds_unref(c);
		goto out;
	}
	*out = c;
out:
	acfs_wipe(&pe, sizeof(pe));
	acfs_process_result_free(&res);
	return rc;
}
