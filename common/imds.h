/* imds.h - the EC2 instance metadata service, IMDSv2 only.
 *
 * A fetch is three requests, each with short timeouts (ACFS_IMDS_*) and a
 * few retries for transport errors and 5xx, within one time budget:
 *   PUT BASE/latest/api/token   X-aws-ec2-metadata-token-ttl-seconds: 21600
 *   GET BASE/latest/meta-data/iam/security-credentials/       -> role name
 *   GET BASE/latest/meta-data/iam/security-credentials/ROLE   -> credentials
 * the GETs with X-aws-ec2-metadata-token.  There is no IMDSv1 fallback: a
 * token request that is refused is an error.  The session token lives only
 * for the fetch, is never shown, and is wiped.
 *
 * BASE, as in the SDKs (smithy-rs's IMDS client, checked by
 * shared/conformance/imds-endpoint): an explicit endpoint, a caller's
 * override, then AWS_EC2_METADATA_SERVICE_ENDPOINT, then the profile's
 * ec2_metadata_service_endpoint, beats any mode; without one the mode (a
 * caller's override, AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, the profile's
 * ec2_metadata_service_endpoint_mode; "IPv4" or "IPv6" in any case, IPv4
 * by default) picks http://169.254.169.254 or http://[fd00:ec2::254].
 * AWS_EC2_METADATA_DISABLED=true (in any case) fails at once, with
 * nothing sent.
 *
 * Where credentials may come from: plain http only to IMDS's own two
 * addresses (link-local, where IMDS offers no TLS) and to loopback (an
 * emulator or a local proxy); https from anywhere.  An endpoint override
 * that is plain http to any other host is refused (ACFS_E_POLICY) before
 * anything is sent: the SDKs would use it, but anyone on that path could
 * read or forge the instance's credentials.
 */
#ifndef ACFS_IMDS_H
#define ACFS_IMDS_H

#include <stddef.h>

#include "creds.h"
#include "env.h"
#include "error.h"
#include "resolve.h"

#define ACFS_IMDS_IPV4 "http://169.254.169.254"
#define ACFS_IMDS_IPV6 "http://[fd00:ec2::254]"
#define ACFS_IMDS_URL_MAX 1024             /* bytes of an endpoint */
#define ACFS_IMDS_TOKEN_TTL "21600"
#define ACFS_IMDS_TOKEN_MAX 4096           /* bytes of a session token */
#define ACFS_IMDS_ROLE_MAX 64              /* an IAM role name */
#define ACFS_IMDS_CONNECT_TIMEOUT_MS 1000
#define ACFS_IMDS_TIMEOUT_MS 1000          /* per attempt */
#define ACFS_IMDS_ATTEMPTS 3               /* per request */
#define ACFS_IMDS_BUDGET_MS 6000           /* the three requests together */

/* Settings beside the environment; any may be NULL. */
typedef struct {
	const char *endpoint;           /* ec2_metadata_service_endpoint */
	const char *endpoint_mode;      /* ec2_metadata_service_endpoint_mode */
	const char *endpoint_override;  /* a caller's own: beats everything */
	const char *mode_override;      /* a caller's own: beats env and profile */
} acfs_imds_settings;

/* BASE (no trailing '/') into out (outsz bytes).  An invalid mode or
 * endpoint is ACFS_E_CONFIG naming where it came from ("`IPv7` is not a
 * valid endpoint mode", "invalid uri character").  The host rules are not
 * applied here: acfs_imds_fetch does that. */
acfs_code acfs_imds_base_url(const acfs_env *env, const acfs_imds_settings *s,
			     char *out, size_t outsz, acfs_err *e);

/* Fetches the instance role's credentials with r's transport, environment
 * and clocks (r->test_allow_plain_http lifts the host rule).  s may be
 * NULL.  *out gets a new snapshot. */
acfs_code acfs_imds_fetch(const acfs_resolver *r, const acfs_imds_settings *s,
			  acfs_creds **out, acfs_err *e);

#endif
