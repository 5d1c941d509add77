/* endpoint.c - configured endpoint URL resolution. */
#include "endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "secret.h"

static int truthy(const char *v)
{
	return v != NULL && strcasecmp(v, "true") == 0;
}

static acfs_code give(const char *v, char **url, acfs_err *e)
{
	if (strlen(v) >= ACFS_URL_MAX)
		return acfs_err_set(e, ACFS_E_TOOBIG,
				    "configured endpoint URL is longer than %d "
				    "bytes", ACFS_URL_MAX);
	*url = acfs_strdup(v);
	return *url ? ACFS_OK : acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
}

acfs_code acfs_endpoint_configured(const acfs_profiles *set,
				   const acfs_section *profile,
				   const acfs_env *env, const char *service_id,
				   const char *client_override,
				   int client_ignore, char **url, acfs_err *e)
{
	char var[96], key[64], val[ACFS_URL_MAX];
	const char *v, *svcname;
	const acfs_section *svc;
	size_t i, n = strlen(service_id);

	*url = NULL;
	if (client_override != NULL)
		return give(client_override, url, e);
	if (client_ignore ||
	    truthy(acfs_env_get(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
	    truthy(acfs_section_get(profile, "ignore_configured_endpoint_urls")))
		return ACFS_OK;
	if (n + sizeof("AWS_ENDPOINT_URL_") > sizeof(var) || n >= sizeof(key))
		return acfs_err_set(e, ACFS_E_BADARG, "service id too long");
	/* The env name upper-cases the id and turns spaces into '_'; the
	 * services key lower-cases it the same way. */
	strcpy(var, "AWS_ENDPOINT_URL_");
	for (i = 0; i < n; i++) {
		char c = service_id[i] == ' ' || service_id[i] == '-' ? '_'
								       : service_id[i];

		var[17 + i] = (char)toupper((unsigned char)c);
		key[i] = (char)tolower((unsigned char)c);
	}
	var[17 + n] = '\0';
	key[n] = '\0';
	v = acfs_env_get(env, var);
	if (v == NULL)
		v = acfs_env_get(env, "AWS_ENDPOINT_URL");
	if (v != NULL)
		return give(v, url, e);
	svcname = acfs_section_get(profile, "services");
	if (svcname != NULL) {
		svc = acfs_profiles_get(set, ACFS_SECTION_SERVICES, svcname);
		v = acfs_section_get(svc, key);
		if (v != NULL && acfs_subprop_get(v, "endpoint_url", val, sizeof(val)))
			return give(val, url, e);
	}
	v = acfs_section_get(profile, "endpoint_url");
	if (v != NULL && v[0] != '\0')
		return give(v, url, e);
	return ACFS_OK;
}
