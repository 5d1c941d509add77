/* harden.h - process hardening for anything that holds secrets. */
#ifndef ACFS_HARDEN_H
#define ACFS_HARDEN_H

#include <sys/resource.h>

/* No core dumps (RLIMIT_CORE 0) and no ptrace/core by other processes of
 * the same user (PR_SET_DUMPABLE 0), as ssh-agent does.  Returns 0, or -1
 * with errno set when either call failed. */
int acfs_harden(void);

/* The same for a process that starts a program of the user's (the --exec
 * supervisor): only the soft core limit is lowered, and *saved gets the
 * limit found, so that the program can have it back
 * (setrlimit(RLIMIT_CORE, saved) in the child before exec; raising the
 * soft limit up to the hard one needs no privilege).  Returns as
 * acfs_harden. */
int acfs_harden_soft(struct rlimit *saved);

#endif
