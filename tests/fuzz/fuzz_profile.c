/* fuzz_profile.c - libFuzzer target for the config/credentials reader and
 * everything that consumes its output: the planner, the endpoint rules and
 * both plan formats.
 *
 * The input is split at the first "\n=====\n" (if any): the part before is
 * the config file, the part after the credentials file, so merging is
 * fuzzed too.  Seeds: shared/conformance/profile-fuzz-seeds-aws-c-auth. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "ini.h"
#include "plan.h"
#include "planfmt.h"
#include "profile.h"
#include "secret.h"

static const char *const env_pairs[] = {
	"AWS_ENDPOINT_URL", "https://fuzz.example", NULL, NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	static const char sep[] = "\n=====\n";
	const char *d = (const char *)data, *split = NULL;
	acfs_env_table tab = { env_pairs };
	acfs_profiles *set;
	acfs_env env;
	size_t i, n, cfglen = size;

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	for (i = 0; i + sizeof(sep) - 1 <= size; i++)
		if (memcmp(d + i, sep, sizeof(sep) - 1) == 0) {
			split = d + i + sizeof(sep) - 1;
			cfglen = i;
			break;
		}
	set = acfs_profiles_new();
	if (set == NULL)
		return 0;
	acfs_ini_parse(set, ACFS_SRC_CONFIG, d, cfglen);
	if (split != NULL)
		acfs_ini_parse(set, ACFS_SRC_CREDENTIALS, split,
			       size - (size_t)(split - d));
	/* Half the runs with an environment that configures endpoints. */
	if (size & 1)
		acfs_env_from_table(&env, &tab);
	else
		env = (acfs_env){ NULL, NULL };
	n = acfs_profiles_count(set, ACFS_SECTION_PROFILE);
	for (i = 0; i < n && i < 64; i++) {
		const acfs_section *s = acfs_profiles_at(set, ACFS_SECTION_PROFILE, i);
		acfs_plan *plan = NULL;
		acfs_err e;
		char *url = NULL;

		acfs_profile_name_dir_ok(s->name, NULL);
		if (acfs_endpoint_configured(set, s, &env, "sts", NULL, 0, &url,
					     &e) == ACFS_OK)
			acfs_strfree(url);
		if (acfs_plan_build(set, &env, s->name, &plan, &e) == ACFS_OK) {
			struct json_object *o = acfs_plan_to_json(plan);

			if (o != NULL) {
				fputs(json_object_to_json_string(o), devnull);
				json_object_put(o);
			}
			if (devnull != NULL)
				acfs_plan_print(plan, devnull);
			acfs_plan_free(plan);
		}
	}
	/* The env-only default and a missing profile. */
	{
		acfs_plan *plan = NULL;
		acfs_err e;

		if (acfs_plan_build(set, &env, "default", &plan, &e) == ACFS_OK)
			acfs_plan_free(plan);
	}
	acfs_profiles_free(set);
	return 0;
}
