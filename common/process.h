/* process.h - running a profile's credential_process.
 *
 * How the command runs.  The AWS SDKs disagree: botocore (and so the AWS
 * CLI) splits the string with shlex and runs it without a shell, while
 * aws-sdk-go-v2, smithy-rs (aws-sdk-rust), the JavaScript SDK
 * (child_process.exec) and aws-c-auth (popen) all run it through the
 * shell.  We follow that majority: argv is {"sh", "-c", command}, exec'd
 * from /bin/sh (an absolute path, so PATH cannot swap the shell).  A
 * command written for botocore's splitting (quoted words, no shell
 * syntax) means the same in sh.
 *
 * The child:
 *  - runs in a process group of its own, so a timeout or an output
 *    overrun kills (SIGKILL) everything it started, not just the shell;
 *  - gets /dev/null as stdin and no other inherited file descriptor: the
 *    FUSE, inotify and curl descriptors never reach it;
 *  - starts with an empty signal mask and default dispositions (libfuse
 *    makes the daemon ignore SIGPIPE; a shell pipeline must not);
 *  - gets the daemon's environment (environ: acfs_env can only look names
 *    up, not list them) minus the variables that carry key material,
 *    acfs_process_scrubbed.  Paths to secrets are kept
 *    (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, AWS_WEB_IDENTITY_TOKEN_FILE):
 *    they are not secrets, the child could read those files anyway as the
 *    same user, and an SDK inside the command needs them next to the
 *    endpoint variables that are also kept;
 *  - inherits the daemon's working directory, umask and limits, as with
 *    the SDKs (RLIMIT_CORE 0 from acfs_harden stays, which is wanted).
 *
 * Bounds.  stdout (the credentials) is capped at ACFS_PROCESS_STDOUT_MAX:
 * past it the group is killed and the run fails.  stderr is kept up to
 * ACFS_PROCESS_STDERR_MAX and the rest is read and dropped.  The whole run
 * has a timeout (ACFS_PROCESS_TIMEOUT_MS unless configured), measured on
 * CLOCK_MONOTONIC: a real process cannot run on an injected clock.
 *
 * The run is over when the command's own process has exited and its
 * output pipes are closed.  If something it left behind in its process
 * group still holds a pipe ACFS_PROCESS_LINGER_MS after that exit, the
 * group is killed and what was read counts.  A background process that
 * closed its stdout and stderr is left alone.  The child is always
 * reaped: no zombies.
 *
 * Outcomes (acfs_process_run).  Exit status 0: stdout is parsed by
 * acfs_credjson_process; stderr text is ignored unless parsing fails, when
 * it is added to the message.  A non-zero status or a fatal signal fails
 * with the status or the signal and the first part of stderr, cleaned to
 * printable ASCII.  Messages name the profile and only the program name
 * of the command (arguments may carry secrets), and never include stdout.
 */
#ifndef ACFS_PROCESS_H
#define ACFS_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

#include "creds.h"
#include "error.h"
#include "resolve.h"
#include "secret.h"

#define ACFS_PROCESS_STDOUT_MAX (64 * 1024)
#define ACFS_PROCESS_STDERR_MAX (4 * 1024)
#define ACFS_PROCESS_TIMEOUT_MS 30000L
#define ACFS_PROCESS_LINGER_MS 250L
/* stderr text quoted in an error message, at most. */
#define ACFS_PROCESS_STDERR_SHOWN 512

/* Removed from the child's environment (NULL-terminated). */
extern const char *const acfs_process_scrubbed[];

typedef struct {
	const char *command;      /* run as /bin/sh -c command */
	/* Tests only: exec this argv (argv[0] a path) instead of the shell;
	 * NULL for the shell. */
	const char *const *argv;
	/* The child's environment, NULL-terminated; NULL for the daemon's
	 * environment through acfs_process_env. */
	char *const *envp;
	long timeout_ms;          /* 0: ACFS_PROCESS_TIMEOUT_MS */
	size_t stdout_max;        /* 0: ACFS_PROCESS_STDOUT_MAX */
	size_t stderr_max;        /* 0: ACFS_PROCESS_STDERR_MAX */
} acfs_process_opts;

typedef struct {
	pid_t pid;      /* the child, also its process group id */
	int status;     /* waitpid() status */
	acfs_buf out;   /* stdout (secret: wiped by _result_free) */
	acfs_buf err;   /* stderr as written, up to stderr_max */
	int err_cut;    /* 1 when stderr went past stderr_max */
} acfs_process_result;

/* Runs the command to completion.  ACFS_OK when it ran and was reaped,
 * whatever its exit status (res->status tells); ACFS_E_NET when it timed
 * out, ACFS_E_TOOBIG when stdout exceeded its cap (the group is killed
 * and reaped in both cases), ACFS_E_IO when it could not be started.
 * res is initialised here in every case and goes to
 * acfs_process_result_free. */
acfs_code acfs_process_capture(const acfs_process_opts *o,
			       acfs_process_result *res, acfs_err *e);

/* Wipes and frees the buffers; res may be reused after capture. */
void acfs_process_result_free(acfs_process_result *res);

/* A copy of base (NULL: environ) without acfs_process_scrubbed and
 * without entries that have no '='; NULL-terminated, for
 * acfs_process_env_free.  NULL on allocation failure. */
char **acfs_process_env(char *const *base);

/* Wipes every string and frees; NULL is a no-op. */
void acfs_process_env_free(char **envp);

/* stderr bytes s[0..n) as one line of printable ASCII in out (outsz
 * bytes): runs of white space and control characters become one space,
 * other bytes '?', leading and trailing space dropped, "..." when cut.
 * Returns out. */
char *acfs_process_clean_text(const char *s, size_t n, char *out,
			      size_t outsz);

/* Runs command for profile (named in errors) with r->process_timeout_ms
 * and parses its stdout.  *out gets a new snapshot.  Credentials that
 * have already expired (on r's clock) are refused. */
acfs_code acfs_process_run(const acfs_resolver *r, const char *command,
			   const char *profile, acfs_creds **out, acfs_err *e);

#endif
