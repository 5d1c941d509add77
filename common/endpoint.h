/* endpoint.h - configured endpoint URLs (the cross-SDK
 * "configured endpoint URLs" rules, checked by
 * shared/conformance/configured-endpoint-urls-botocore).
 *
 * Priority, highest first: the client's own override, AWS_ENDPOINT_URL_<SVC>,
 * AWS_ENDPOINT_URL, the service's sub-section of the profile's [services]
 * section, the profile's endpoint_url.  ignore_configured_endpoint_urls (env
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, the profile, or the client) turns off
 * everything but the client override.  The SDK's own default endpoint is not
 * decided here: no configured URL yields NULL.
 */
#ifndef ACFS_ENDPOINT_H
#define ACFS_ENDPOINT_H

#include "env.h"
#include "error.h"
#include "profile.h"

#define ACFS_URL_MAX 2048

/* service_id is the SDK service id ("sts", "s3", "dynamodb").  profile may
 * be NULL.  client_override may be NULL.  On success *url is a new string
 * (free with acfs_strfree) or NULL when nothing is configured. */
acfs_code acfs_endpoint_configured(const acfs_profiles *set,
				   const acfs_section *profile,
				   const acfs_env *env, const char *service_id,
				   const char *client_override,
				   int client_ignore, char **url, acfs_err *e);

#endif
