/* harden.h - process hardening for anything that holds secrets. */
#ifndef ACFS_HARDEN_H
#define ACFS_HARDEN_H

/* No core dumps (RLIMIT_CORE 0) and no ptrace/core by other processes of
 * the same user (PR_SET_DUMPABLE 0), as ssh-agent does.  Returns 0, or -1
 * with errno set when either call failed. */
int acfs_harden(void);

#endif
