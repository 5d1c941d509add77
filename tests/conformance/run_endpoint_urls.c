/* run_endpoint_urls.c - the "configured endpoint URLs" priority rules,
 * shared/conformance/configured-endpoint-urls-botocore/profile-tests.json.
 *
 * The suite's already-parsed profiles and services sections are written
 * back out as one config file ("[profile NAME]", and "[services NAME]\n
 * <svc> =\n  endpoint_url = URL") and read with the engine's parser.  Each
 * case's environment is the whole environment, and its client config maps
 * to acfs_endpoint_configured's client_override / client_ignore.
 *
 * acfs_endpoint_configured gives only a *configured* URL.  When a case
 * expects the SDK's default endpoint (https://<svc>.<region>.amazonaws.com),
 * the check is that nothing configured applies (NULL): the default URL
 * itself belongs to the STS endpoint rules, a later issue.
 *
 * A second, derived section runs every case again for "sts": the services
 * key s3 becomes sts, AWS_ENDPOINT_URL_S3 becomes AWS_ENDPOINT_URL_STS and
 * an s3 case asks for sts (the rules are the same for every service).  Its
 * case names start with "sts/".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "env.h"
#include "ini.h"
#include "profile.h"
#include "secret.h"
#include "testlib.h"

#define SUITE "conformance/endpoint_urls"
#define DATA "configured-endpoint-urls-botocore/profile-tests.json"
#define DOCUMENTED_CASES 39

typedef struct {
	json_object *profiles, *services, *clients, *envs, *tests;
} suite_data;

typedef struct {
	int passed, failed;
} counts;

/* The name the derived sts section uses for s3 (service ids, services
 * keys); anything else is kept. */
static const char *svc_name(const char *svc, int sts)
{
	return sts && strcmp(svc, "s3") == 0 ? "sts" : svc;
}

static const char *env_name(const char *var, int sts)
{
	return sts && strcmp(var, "AWS_ENDPOINT_URL_S3") == 0
		       ? "AWS_ENDPOINT_URL_STS" : var;
}

/* The suite's profiles and services as one config file. */
static char *write_config(const suite_data *sd, int sts, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (f == NULL)
		return NULL;
	json_object_object_foreach(sd->profiles, pname, props) {
		fprintf(f, "[profile %s]\n", pname);
		json_object_object_foreach(props, key, val)
			fprintf(f, "%s = %s\n", key, json_object_get_string(val));
	}
	json_object_object_foreach(sd->services, sname, svcs) {
		fprintf(f, "[services %s]\n", sname);
		json_object_object_foreach(svcs, svc, sub) {
			fprintf(f, "%s =\n", svc_name(svc, sts));
			json_object_object_foreach(sub, skey, sval)
				fprintf(f, "  %s = %s\n", skey,
					json_object_get_string(sval));
		}
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Reads the written config back; NULL (with a message) on any problem. */
static acfs_profiles *load_config(const suite_data *sd, int sts)
{
	acfs_profiles *set = acfs_profiles_new();
	size_t len = 0;
	char *text;

	text = set ? write_config(sd, sts, &len) : NULL;
	if (text == NULL) {
		printf("FAIL %s: out of memory writing the config\n", SUITE);
		acfs_profiles_free(set);
		return NULL;
	}
	if (acfs_ini_parse(set, ACFS_SRC_CONFIG, text, len) != ACFS_OK) {
		const acfs_problem *p = acfs_profiles_problem(set, 0);

		printf("FAIL %s: the written config%s did not parse: %s\n",
		       SUITE, sts ? " (rewritten for sts)" : "",
		       p ? p->message : "out of memory");
		acfs_profiles_free(set);
		set = NULL;
	}
	free(text);
	return set;
}

/* A NULL-terminated name/value table borrowing the strings of obj. */
static const char **env_pairs(json_object *obj, int sts)
{
	const char **pairs;
	size_t n = 0;

	pairs = calloc(2 * (size_t)json_object_object_length(obj) + 2,
		       sizeof(*pairs));
	if (pairs == NULL)
		return NULL;
	json_object_object_foreach(obj, key, val) {
		pairs[n++] = env_name(key, sts);
		pairs[n++] = json_object_get_string(val);
	}
	return pairs;
}

/* Looks up obj[key] as an object; NULL when absent or not an object. */
static json_object *get_obj(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

static const char *get_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The SDK's own endpoint for svc in the profile's region, in buf; NULL
 * when the profile has no region. */
static const char *sdk_default(const char *svc, json_object *jprofile,
			       char *buf, size_t sz)
{
	const char *region = get_str(jprofile, "region");

	if (region == NULL)
		return NULL;
	snprintf(buf, sz, "https://%s.%s.amazonaws.com", svc, region);
	return buf;
}

static int run_case(const suite_data *sd, const acfs_profiles *set,
		    json_object *tc, size_t idx, int sts)
{
	json_object *jprofile, *jclient, *jenv, *jv, *output;
	const char *name, *pname, *service, *want, *override, *prefix;
	const acfs_section *profile;
	const char **pairs = NULL;
	acfs_env_table tab;
	acfs_env env;
	acfs_err err;
	char *url = NULL, why[1024], dbuf[512];
	int ignore = 0, ok = 0, dflt;
	acfs_code rc;

	why[0] = '\0';
	prefix = sts ? "sts/" : "";
	name = get_str(tc, "name");
	if (name == NULL)
		name = "(unnamed)";
	pname = get_str(tc, "profile");
	service = get_str(tc, "service");
	output = get_obj(tc, "output");
	want = output ? get_str(output, "endpointUrl") : NULL;
	jprofile = pname ? get_obj(sd->profiles, pname) : NULL;
	jclient = get_str(tc, "client_config")
			  ? get_obj(sd->clients, get_str(tc, "client_config"))
			  : NULL;
	jenv = get_str(tc, "environment")
		       ? get_obj(sd->envs, get_str(tc, "environment")) : NULL;
	if (service == NULL || want == NULL || jprofile == NULL ||
	    jclient == NULL || jenv == NULL) {
		snprintf(why, sizeof(why), "malformed case: a named profile, "
			 "client config or environment is missing");
		goto out;
	}
	profile = acfs_profiles_get(set, ACFS_SECTION_PROFILE, pname);
	if (profile == NULL) {
		snprintf(why, sizeof(why), "profile '%s' did not read back "
			 "from the written config", pname);
		goto out;
	}
	pairs = env_pairs(jenv, sts);
	if (pairs == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		goto out;
	}
	tab.pairs = pairs;
	acfs_env_from_table(&env, &tab);
	override = get_str(jclient, "endpoint_url");
	if (json_object_object_get_ex(jclient, "ignore_configured_endpoint_urls",
				      &jv))
		ignore = json_object_get_boolean(jv);
	dflt = sdk_default(service, jprofile, dbuf, sizeof(dbuf)) != NULL &&
	       strcmp(want, dbuf) == 0;
	acfs_err_clear(&err);
	rc = acfs_endpoint_configured(set, profile, &env, svc_name(service, sts),
				      override, ignore, &url, &err);
	if (rc != ACFS_OK) {
		snprintf(why, sizeof(why), "acfs_endpoint_configured failed: "
			 "%s: %.900s", acfs_strerror(rc), err.msg);
	} else if (dflt && url != NULL) {
		snprintf(why, sizeof(why), "expected no configured endpoint "
			 "(the SDK default %s), got \"%s\"",
			 sdk_default(svc_name(service, sts), jprofile, dbuf,
				     sizeof(dbuf)), url);
	} else if (dflt) {
		ok = 1;
		printf("NOTE %s%s: expects the SDK default %s; checked that no "
		       "configured endpoint applies (NULL); the default URL "
		       "itself belongs to the STS endpoint rules of a later "
		       "issue\n", prefix, name,
		       sdk_default(svc_name(service, sts), jprofile, dbuf,
				   sizeof(dbuf)));
	} else if (url == NULL) {
		snprintf(why, sizeof(why), "expected \"%s\", got no configured "
			 "endpoint", want);
	} else if (strcmp(url, want) != 0) {
		snprintf(why, sizeof(why), "expected \"%s\", got \"%s\"", want,
			 url);
	} else {
		ok = 1;
	}
out:
	if (!ok)
		printf("FAIL [%zu] %s%s: %s\n", idx, prefix, name, why);
	acfs_strfree(url);
	free(pairs);
	return ok;
}

/* Runs every case once, for the data as given (sts = 0) or rewritten for
 * sts (sts = 1). */
static void run_section(const suite_data *sd, int sts, counts *c)
{
	acfs_profiles *set = load_config(sd, sts);
	size_t i, n = json_object_array_length(sd->tests);

	if (set == NULL) {
		c->failed += (int)n;
		return;
	}
	for (i = 0; i < n; i++) {
		if (run_case(sd, set, json_object_array_get_idx(sd->tests, i), i,
			     sts))
			c->passed++;
		else
			c->failed++;
	}
	acfs_profiles_free(set);
}

int main(void)
{
	const char *path = tl_conformance_path(SUITE, DATA);
	json_object *root, *suites, *s0;
	counts c = { 0, 0 };
	suite_data sd;
	size_t n;

	if (path == NULL)
		return 0;
	root = json_object_from_file(path);
	memset(&sd, 0, sizeof(sd));
	if (root != NULL &&
	    json_object_object_get_ex(root, "testSuites", &suites) &&
	    json_object_is_type(suites, json_type_array) &&
	    json_object_array_length(suites) == 1) {
		s0 = json_object_array_get_idx(suites, 0);
		sd.profiles = get_obj(s0, "profiles");
		sd.services = get_obj(s0, "services");
		sd.clients = get_obj(s0, "client_configs");
		sd.envs = get_obj(s0, "environments");
		if (!json_object_object_get_ex(s0, "endpointUrlTests", &sd.tests) ||
		    !json_object_is_type(sd.tests, json_type_array))
			sd.tests = NULL;
	}
	if (sd.profiles == NULL || sd.services == NULL || sd.clients == NULL ||
	    sd.envs == NULL || sd.tests == NULL)
		return tl_conformance_bad(SUITE, path, root,
					  "not one test suite with profiles, "
					  "services, client_configs, "
					  "environments and endpointUrlTests");
	n = json_object_array_length(sd.tests);
	tl_conformance_note(SUITE, n, "cases", DOCUMENTED_CASES);
	run_section(&sd, 0, &c);
	run_section(&sd, 1, &c);
	json_object_put(root);
	printf("%d cases as given and %d derived for sts (\"sts/\")\n", (int)n,
	       (int)n);
	tl_report(SUITE, c.passed, c.failed, 0);
	return c.failed != 0;
}
