/* stsendpoint.h - the STS endpoint rules: region and flags -> URL and
 * signing region.
 *
 * This is the STS endpoint rule set of the SDKs' Smithy model (checked by
 * shared/conformance/sts-model/sts-endpoint-tests.extracted.json), written
 * as a partition table: regional endpoints, FIPS, dual-stack, the legacy
 * global endpoint (sts_regional_endpoints = legacy) for the 16 regions that
 * used it, aws-global, and custom endpoints.
 */
#ifndef ACFS_STSENDPOINT_H
#define ACFS_STSENDPOINT_H

#include "endpoint.h"
#include "error.h"
#include "plan.h"

#define ACFS_REGION_MAX 63

typedef struct {
	const char *region;         /* NULL: none configured */
	int use_fips;
	int use_dualstack;
	int use_global_endpoint;    /* sts_regional_endpoints = legacy */
	const char *endpoint;       /* custom endpoint URL, or NULL */
} acfs_sts_endpoint_params;

typedef struct {
	char url[ACFS_URL_MAX];
	char signing_region[ACFS_REGION_MAX + 1];
} acfs_sts_endpoint;

/* Resolves p into out.  Errors (ACFS_E_CONFIG) use the rule set's words:
 * "Invalid Configuration: Missing Region", "... FIPS and custom endpoint
 * are not supported", "... Dualstack and custom endpoint are not
 * supported", and an invalid region name. */
acfs_code acfs_sts_endpoint_resolve(const acfs_sts_endpoint_params *p,
				    acfs_sts_endpoint *out, acfs_err *e);

/* The endpoint for a plan's STS calls.  A plan without a region uses
 * aws-global (https://sts.amazonaws.com, signed for us-east-1), as the AWS
 * CLI does; sts_regional_endpoints defaults to "regional". */
acfs_code acfs_sts_endpoint_for_plan(const acfs_plan *plan,
				     acfs_sts_endpoint *out, acfs_err *e);

/* Whether s is a valid region name: a DNS label of 1-63 characters of
 * lower-case letters, digits and '-'. */
int acfs_region_ok(const char *s);

#endif
