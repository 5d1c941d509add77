/* harden.c - deny core dumps and tracing. */
#include "harden.h"

#include <sys/prctl.h>

int acfs_harden(void)
{
	struct rlimit rl = { 0, 0 };
	int rc = 0;

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		rc = -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		rc = -1;
	return rc;
}

int acfs_harden_soft(struct rlimit *saved)
{
	struct rlimit rl;
	int rc = 0;

	if (getrlimit(RLIMIT_CORE, saved) != 0) {
		saved->rlim_cur = saved->rlim_max = RLIM_INFINITY;
		rc = -1;
	}
	rl.rlim_cur = 0;
	rl.rlim_max = saved->rlim_max;
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		rc = -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		rc = -1;
	return rc;
}
