/* resolve.h - executing a plan: each hop's credentials from the one below.
 *
 * The resolver knows how to run each kind of hop once; caching and refresh
 * are the caller's (the filesystem caches every hop; --resolve runs the
 * whole chain once).  The sources on the host have clients of their own,
 * which take the transport, the environment and the clocks from here:
 * the container endpoint (container.h: ECS, EKS Pod Identity), IMDSv2
 * (imds.h, with the plan's ec2_metadata_service_endpoint(_mode)) and
 * credential_process (process.h).  Their errors name the profile.
 */
#ifndef ACFS_RESOLVE_H
#define ACFS_RESOLVE_H

#include "creds.h"
#include "env.h"
#include "error.h"
#include "http.h"
#include "plan.h"
#include "sts.h"

typedef struct {
	acfs_http *http;          /* borrowed */
	const acfs_env *env;      /* the daemon's environment */
	long sts_timeout_ms;      /* total per STS call, retries included; 0: 10 s */
	long process_timeout_ms;  /* one credential_process run; 0: 30 s */
	/* Tests only (the replay runner, whose transport never touches a
	 * network): skip the rules for plain http (STS: loopback only; the
	 * container endpoint and IMDS: their allowed hosts).  No option or
	 * command line sets it. */
	int test_allow_plain_http;
	/* Injected clocks, passed on to the STS client (NULL: real ones). */
	time_t (*now)(void *ctx);
	void (*sleep_ms)(void *ctx, long ms);
	long (*elapsed_ms)(void *ctx);
	unsigned (*random)(void *ctx, unsigned bound);
	void *clock_ctx;
} acfs_resolver;

/* Runs hop i of plan.  prev is hop i-1's credentials (NULL for i == 0).
 * *out gets a new snapshot. */
acfs_code acfs_resolve_hop(const acfs_resolver *r, const acfs_plan *plan,
			   size_t i, const acfs_creds *prev, acfs_creds **out,
			   acfs_err *e);

/* Runs every hop in order; *out gets the last hop's credentials. */
acfs_code acfs_resolve_plan(const acfs_resolver *r, const acfs_plan *plan,
			    acfs_creds **out, acfs_err *e);

#endif
