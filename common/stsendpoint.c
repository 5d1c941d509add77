/* stsendpoint.c - the STS endpoint rule set as a partition table. */
#include "stsendpoint.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	const char *name;
	/* Region names "<prefix>-\w+-\d+" belong to the partition. */
	const char *const *prefixes;
	const char *const *extra_regions;   /* e.g. aws-global */
	const char *dns_suffix;
	const char *dualstack_suffix;
} partition;

static const char *const aws_prefixes[] = { "us", "eu", "ap", "sa", "ca",
	"me", "af", "il", "mx", NULL };
static const char *const aws_extra[] = { "aws-global", NULL };
static const char *const cn_prefixes[] = { "cn", NULL };
static const char *const cn_extra[] = { "aws-cn-global", NULL };
static const char *const eusc_prefixes[] = { "eusc-de", NULL };
static const char *const iso_prefixes[] = { "us-iso", NULL };
static const char *const iso_extra[] = { "aws-iso-global", NULL };
static const char *const isob_prefixes[] = { "us-isob", NULL };
static const char *const isob_extra[] = { "aws-iso-b-global", NULL };
static const char *const isoe_prefixes[] = { "eu-isoe", NULL };
static const char *const isoe_extra[] = { "aws-iso-e-global", NULL };
static const char *const isof_prefixes[] = { "us-isof", NULL };
static const char *const isof_extra[] = { "aws-iso-f-global", NULL };
static const char *const gov_prefixes[] = { "us-gov", NULL };
static const char *const gov_extra[] = { "aws-us-gov-global", NULL };
static const char *const none[] = { NULL };

/* sdk-partitions.json; the more specific prefixes come first so that
 * "us-gov-west-1" is not taken for the aws partition.  aws is last: it
 * is also the fallback for a region no partition claims. */
static const partition partitions[] = {
	{ "aws-us-gov", gov_prefixes, gov_extra, "amazonaws.com", "api.aws" },
	{ "aws-iso-b", isob_prefixes, isob_extra, "sc2s.sgov.gov", "api.aws.scloud" },
	{ "aws-iso-f", isof_prefixes, isof_extra, "csp.hci.ic.gov", "api.aws.hci.ic.gov" },
	{ "aws-iso", iso_prefixes, iso_extra, "c2s.ic.gov", "api.aws.ic.gov" },
	{ "aws-iso-e", isoe_prefixes, isoe_extra, "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk" },
	{ "aws-eusc", eusc_prefixes, none, "amazonaws.eu", "api.amazonwebservices.eu" },
	{ "aws-cn", cn_prefixes, cn_extra, "amazonaws.com.cn", "api.amazonwebservices.com.cn" },
	{ "aws", aws_prefixes, aws_extra, "amazonaws.com", "api.aws" },
};

/* The regions that used https://sts.amazonaws.com before regional
 * endpoints became the default (UseGlobalEndpoint in the rule set). */
static const char *const legacy_global[] = {
	"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
	"aws-global", "ca-central-1", "eu-central-1", "eu-north-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1",
	"us-east-2", "us-west-1", "us-west-2", NULL,
};

int acfs_region_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > ACFS_REGION_MAX || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* "<prefix>-\w+-\d+" with \w = [A-Za-z0-9_] (our regions are lower case). */
static int matches_prefix(const char *region, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *p, *last;

	if (strncmp(region, prefix, pl) != 0 || region[pl] != '-')
		return 0;
	p = region + pl + 1;
	last = strrchr(p, '-');
	if (last == NULL || last == p)
		return 0;
	for (; p < last; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return 0;
	if (last[1] == '\0')
		return 0;
	for (p = last + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static const partition *partition_of(const char *region)
{
	size_t i, n = sizeof(partitions) / sizeof(partitions[0]);
	const char *const *pre;

	for (i = 0; i < n; i++) {
		if (in_list(region, partitions[i].extra_regions))
			return &partitions[i];
		for (pre = partitions[i].prefixes; *pre != NULL; pre++)
			if (matches_prefix(region, *pre))
				return &partitions[i];
	}
	return &partitions[n - 1];
}

static acfs_code put(acfs_sts_endpoint *out, acfs_err *e, const char *signing,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static acfs_code put(acfs_sts_endpoint *out, acfs_err *e, const char *signing,
		     const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out->url, sizeof(out->url), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(out->url))
		return acfs_err_set(e, ACFS_E_TOOBIG, "STS endpoint URL too long");
	snprintf(out->signing_region, sizeof(out->signing_region), "%s", signing);
	return ACFS_OK;
}

acfs_code acfs_sts_endpoint_resolve(const acfs_sts_endpoint_params *p,
				    acfs_sts_endpoint *out, acfs_err *e)
{
	const partition *part;
	const char *r = p->region;

	memset(out, 0, sizeof(*out));
	if (r != NULL && !acfs_region_ok(r))
		return acfs_err_set(e, ACFS_E_CONFIG,
				    "Invalid Configuration: region '%.64s' is not a "
				    "valid region name (lower-case letters, digits "
				    "and '-')", r);
	if (p->endpoint != NULL) {
		if (p->use_fips)
			return acfs_err_set(e, ACFS_E_CONFIG, "Invalid Configuration: "
					    "FIPS and custom endpoint are not supported");
		if (p->use_dualstack)
			return acfs_err_set(e, ACFS_E_CONFIG, "Invalid Configuration: "
					    "Dualstack and custom endpoint are not "
					    "supported");
		if (strlen(p->endpoint) >= sizeof(out->url))
			return acfs_err_set(e, ACFS_E_TOOBIG,
					    "custom STS endpoint URL too long");
		/* With no region the signing region falls back to us-east-1,
		 * as the SDKs do. */
		return put(out, e, r ? r : "us-east-1", "%s", p->endpoint);
	}
	if (r == NULL)
		return acfs_err_set(e, ACFS_E_CONFIG,
				    "Invalid Configuration: Missing Region");
	if (p->use_global_endpoint && !p->use_fips && !p->use_dualstack &&
	    in_list(r, legacy_global))
		return put(out, e, "us-east-1", "https://sts.amazonaws.com");
	part = partition_of(r);
	if (p->use_fips && p->use_dualstack)
		return put(out, e, r, "https://sts-fips.%s.%s", r,
			   part->dualstack_suffix);
	if (p->use_fips) {
		/* GovCloud's regional endpoints are already FIPS endpoints. */
		if (strcmp(part->name, "aws-us-gov") == 0)
			return put(out, e, r, "https://sts.%s.%s", r,
				   part->dns_suffix);
		return put(out, e, r, "https://sts-fips.%s.%s", r,
			   part->dns_suffix);
	}
	if (p->use_dualstack)
		return put(out, e, r, "https://sts.%s.%s", r,
			   part->dualstack_suffix);
	if (strcmp(r, "aws-global") == 0)
		return put(out, e, "us-east-1", "https://sts.amazonaws.com");
	return put(out, e, r, "https://sts.%s.%s", r, part->dns_suffix);
}

acfs_code acfs_sts_endpoint_for_plan(const acfs_plan *plan,
				     acfs_sts_endpoint *out, acfs_err *e)
{
	acfs_sts_endpoint_params p;

	memset(&p, 0, sizeof(p));
	p.region = plan->region ? plan->region
				: (plan->endpoint_url ? NULL : "aws-global");
	p.use_fips = plan->use_fips;
	p.use_dualstack = plan->use_dualstack;
	p.use_global_endpoint = plan->sts_regional_endpoints != NULL &&
				strcmp(plan->sts_regional_endpoints, "legacy") == 0;
	p.endpoint = plan->endpoint_url;
	return acfs_sts_endpoint_resolve(&p, out, e);
}
