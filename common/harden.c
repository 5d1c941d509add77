/* harden.c - deny core dumps and tracing. */
#include "harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>

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
