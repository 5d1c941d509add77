/* plan.h - the chain planner: profile name -> ordered hops, without I/O.
 *
 * The rules are the SDKs' (smithy-rs profile/credentials/repr.rs and
 * botocore's AssumeRoleProvider, checked by shared/conformance):
 *  - a profile with role_arn (and no web_identity_token_file) is a role hop
 *    that needs exactly one of source_profile or credential_source;
 *  - in the selected profile, role_arn + source_profile beats its own
 *    static keys; in a profile reached through source_profile, static keys
 *    end the chain;
 *  - a self-reference is allowed only with static keys;
 *  - loops are reported with their path.
 * A base profile is tried as: credential_source, web identity, SSO
 * (unsupported), static keys, credential_process.
 */
#ifndef ACFS_PLAN_H
#define ACFS_PLAN_H

#include <stddef.h>

#include "env.h"
#include "error.h"
#include "profile.h"

typedef enum {
	ACFS_HOP_STATIC = 0,    /* aws_access_key_id & co. */
	ACFS_HOP_ENVIRONMENT,   /* credential_source = Environment */
	ACFS_HOP_CONTAINER,     /* credential_source = EcsContainer, or env */
	ACFS_HOP_IMDS,          /* credential_source = Ec2InstanceMetadata */
	ACFS_HOP_PROCESS,       /* credential_process */
	ACFS_HOP_WEB_IDENTITY,  /* sts:AssumeRoleWithWebIdentity */
	ACFS_HOP_ASSUME_ROLE,   /* sts:AssumeRole with the hop before */
	ACFS_HOP__COUNT
} acfs_hop_kind;

/* STS limits for parameters we validate before sending anything. */
#define ACFS_DURATION_MIN 900
#define ACFS_DURATION_MAX 43200
#define ACFS_CHAINED_DURATION_MAX 3600
#define ACFS_MAX_TAGS 50
#define ACFS_TAG_KEY_MAX 128
#define ACFS_TAG_VALUE_MAX 256

typedef struct {
	char *key;
	char *value;
} acfs_tag;

typedef struct {
	acfs_hop_kind kind;
	char *profile;          /* defining profile; NULL when from the env */
	/* ACFS_HOP_STATIC (secrets: never print secret_access_key or
	 * session_token) */
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	char *account_id;
	/* ACFS_HOP_PROCESS */
	char *credential_process;
	/* ACFS_HOP_WEB_IDENTITY and ACFS_HOP_ASSUME_ROLE */
	char *role_arn;
	char *role_session_name;   /* NULL: the STS client picks a default */
	char *external_id;         /* ASSUME_ROLE only; treat as sensitive */
	char *web_identity_token_file;
	char *source_identity;     /* ASSUME_ROLE only */
	acfs_tag *tags;            /* ASSUME_ROLE only */
	size_t ntags;
	char **transitive_keys;
	size_t ntransitive;
	int duration_seconds;      /* 0: not configured, STS default */
	int duration_requested;    /* as configured, before any cap */
	int duration_capped;       /* 1 when the chaining cap applied */
} acfs_hop;

typedef struct {
	char *profile;           /* the selected profile */
	acfs_hop *hops;          /* base first, then each role in order */
	size_t nhops;
	/* Client settings of the selected profile, for every STS call. */
	char *region;            /* AWS_REGION, AWS_DEFAULT_REGION, region */
	char *sts_regional_endpoints;   /* "regional", "legacy" or NULL */
	char *endpoint_url;      /* configured STS endpoint, or NULL */
	char *ca_bundle;         /* AWS_CA_BUNDLE or ca_bundle, or NULL */
	int use_fips;            /* AWS_USE_FIPS_ENDPOINT, use_fips_endpoint */
	int use_dualstack;       /* AWS_USE_DUALSTACK_ENDPOINT, use_dualstack_endpoint */
	/* IMDS settings of the selected profile as written, or NULL:
	 * ec2_metadata_service_endpoint(_mode).  AWS_EC2_METADATA_SERVICE_
	 * ENDPOINT(_MODE) beat them when the IMDS client runs (imds.h). */
	char *imds_endpoint;
	char *imds_endpoint_mode;
} acfs_plan;

/* Plans profile.  set may be empty (or NULL) when only the environment
 * configures credentials.  On success *out belongs to the caller
 * (acfs_plan_free); on failure *out is NULL and e explains, naming the
 * profile and, where one applies, the file and line. */
acfs_code acfs_plan_build(const acfs_profiles *set, const acfs_env *env,
			  const char *profile, acfs_plan **out, acfs_err *e);

/* Wipes the secrets in it and frees; NULL is a no-op. */
void acfs_plan_free(acfs_plan *plan);

/* Whether the environment alone configures credentials for a "default"
 * profile (web identity or container endpoint variables). */
int acfs_plan_env_default(const acfs_env *env);

/* "static", "environment", "container", "imds", "process",
 * "web-identity", "assume-role". */
const char *acfs_hop_kind_name(acfs_hop_kind kind);

/* Whether hop i (an ASSUME_ROLE) uses role-session credentials, so STS's
 * 1-hour role chaining limit applies to it. */
int acfs_plan_hop_is_chained(const acfs_plan *plan, size_t i);

#endif
