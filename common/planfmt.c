/* planfmt.c - text and JSON forms of a plan, without secrets. */
#include "planfmt.h"

#include <string.h>

#include "secret.h"
#include "text.h"

int acfs_command_name_len(const char *cmd)
{
	size_t n = strcspn(cmd, " \t\n=");

	/* "NAME=value cmd" (sh runs it): the value may be a secret. */
	if (cmd[n] == '=')
		n++;
	return n > 256 ? 256 : (int)n;
}

void acfs_akid_prefix(const char *akid, char *out, size_t outsz)
{
	snprintf(out, outsz, "%.4s...", akid ? akid : "");
}

void acfs_plan_print(const acfs_plan *plan, FILE *out)
{
	char akid[16];
	size_t i, j;

	fprintf(out, "profile %s\n", plan->profile);
	fprintf(out, "  region: %s\n", plan->region ? plan->region
						    : "(none; STS global endpoint)");
	if (plan->endpoint_url != NULL)
		fprintf(out, "  sts endpoint: %s\n", plan->endpoint_url);
	if (plan->sts_regional_endpoints != NULL)
		fprintf(out, "  sts_regional_endpoints: %s\n",
			plan->sts_regional_endpoints);
	if (plan->ca_bundle != NULL)
		fprintf(out, "  ca bundle: %s\n", plan->ca_bundle);
	for (i = 0; i < plan->nhops; i++) {
		const acfs_hop *h = &plan->hops[i];

		fprintf(out, "  %zu. %-12s from %s\n", i + 1,
			acfs_hop_kind_name(h->kind),
			h->profile ? h->profile : "the environment");
		switch (h->kind) {
		case ACFS_HOP_STATIC:
			acfs_akid_prefix(h->access_key_id, akid, sizeof(akid));
			fprintf(out, "     access key %s%s\n", akid,
				h->session_token ? " (with session token)" : "");
			break;
		case ACFS_HOP_PROCESS:
			fprintf(out, "     command: %.*s (arguments not shown)\n",
				acfs_command_name_len(h->credential_process),
				h->credential_process);
			break;
		case ACFS_HOP_WEB_IDENTITY:
		case ACFS_HOP_ASSUME_ROLE:
			fprintf(out, "     role %s\n", h->role_arn);
			fprintf(out, "     session name: %s\n",
				h->role_session_name ? h->role_session_name
						     : "(default)");
			if (h->web_identity_token_file)
				fprintf(out, "     token file: %s\n",
					h->web_identity_token_file);
			if (h->kind == ACFS_HOP_ASSUME_ROLE)
				fprintf(out, "     external id: %s\n",
					h->external_id ? "yes" : "no");
			if (h->duration_capped)
				fprintf(out, "     duration: %d s (capped from "
					"%d: STS allows at most 3600 s for a "
					"chained role)\n", h->duration_seconds,
					h->duration_requested);
			else if (h->duration_seconds)
				fprintf(out, "     duration: %d s\n",
					h->duration_seconds);
			for (j = 0; j < h->ntags; j++)
				fprintf(out, "     tag %s=%s\n", h->tags[j].key,
					h->tags[j].value);
			for (j = 0; j < h->ntransitive; j++)
				fprintf(out, "     transitive tag %s\n",
					h->transitive_keys[j]);
			if (h->source_identity)
				fprintf(out, "     source identity: %s\n",
					h->source_identity);
			break;
		case ACFS_HOP_CONTAINER:
			fprintf(out, "     container credentials endpoint\n");
			break;
		case ACFS_HOP_IMDS:
			fprintf(out, "     EC2 instance metadata (IMDSv2)\n");
			break;
		case ACFS_HOP_ENVIRONMENT:
			fprintf(out, "     AWS_ACCESS_KEY_ID of the daemon\n");
			break;
		default:
			break;
		}
	}
}

/* Adds k: v; bytes that are not UTF-8 (a Latin-1 file name) become
 * U+FFFD, so the document stays valid JSON. */
static int add_str(struct json_object *o, const char *k, const char *v)
{
	struct json_object *s;
	char *clean = NULL;

	if (v == NULL)
		return 0;
	if (!acfs_utf8_valid(v, strlen(v))) {
		clean = acfs_utf8_sanitize(v);
		if (clean == NULL)
			return -1;
		v = clean;
	}
	s = json_object_new_string(v);
	acfs_strfree(clean);
	if (s == NULL)
		return -1;
	return json_object_object_add(o, k, s);
}

static struct json_object *hop_json(const acfs_hop *h, int chained)
{
	struct json_object *o = json_object_new_object(), *a, *t;
	char akid[16];
	size_t j;
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= add_str(o, "type", acfs_hop_kind_name(h->kind));
	bad |= add_str(o, "profile", h->profile);
	if (h->profile == NULL)
		bad |= json_object_object_add(o, "from_environment",
					      json_object_new_boolean(1));
	switch (h->kind) {
	case ACFS_HOP_STATIC:
		acfs_akid_prefix(h->access_key_id, akid, sizeof(akid));
		bad |= add_str(o, "access_key_id_prefix", akid);
		bad |= json_object_object_add(o, "session_token",
			json_object_new_boolean(h->session_token != NULL));
		bad |= add_str(o, "account_id", h->account_id);
		break;
	case ACFS_HOP_PROCESS: {
		char *name = acfs_strndup(h->credential_process,
			(size_t)acfs_command_name_len(h->credential_process));

		bad |= name ? add_str(o, "command", name) : -1;
		acfs_strfree(name);
		break;
	}
	case ACFS_HOP_WEB_IDENTITY:
	case ACFS_HOP_ASSUME_ROLE:
		bad |= add_str(o, "role_arn", h->role_arn);
		bad |= add_str(o, "role_session_name", h->role_session_name);
		bad |= add_str(o, "web_identity_token_file",
			       h->web_identity_token_file);
		if (h->kind == ACFS_HOP_ASSUME_ROLE) {
			bad |= json_object_object_add(o, "external_id",
				json_object_new_boolean(h->external_id != NULL));
			bad |= json_object_object_add(o, "chained",
				json_object_new_boolean(chained));
		}
		if (h->duration_seconds)
			bad |= json_object_object_add(o, "duration_seconds",
				json_object_new_int(h->duration_seconds));
		if (h->duration_capped) {
			bad |= json_object_object_add(o, "duration_requested",
				json_object_new_int(h->duration_requested));
			bad |= json_object_object_add(o, "duration_capped",
				json_object_new_boolean(1));
		}
		if (h->ntags) {
			t = json_object_new_object();
			for (j = 0; t && j < h->ntags; j++)
				bad |= add_str(t, h->tags[j].key, h->tags[j].value);
			bad |= t ? json_object_object_add(o, "session_tags", t) : -1;
		}
		if (h->ntransitive) {
			a = json_object_new_array();
			for (j = 0; a && j < h->ntransitive; j++)
				bad |= json_object_array_add(a,
					json_object_new_string(h->transitive_keys[j]));
			bad |= a ? json_object_object_add(o, "transitive_session_tags", a) : -1;
		}
		bad |= add_str(o, "source_identity", h->source_identity);
		break;
	default:
		break;
	}
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *acfs_plan_to_json(const acfs_plan *plan)
{
	struct json_object *o = json_object_new_object(), *hops, *h;
	size_t i;
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= add_str(o, "profile", plan->profile);
	bad |= add_str(o, "region", plan->region);
	bad |= add_str(o, "sts_endpoint_url", plan->endpoint_url);
	bad |= add_str(o, "sts_regional_endpoints", plan->sts_regional_endpoints);
	bad |= add_str(o, "ca_bundle", plan->ca_bundle);
	hops = json_object_new_array();
	if (hops == NULL || json_object_object_add(o, "hops", hops) != 0)
		bad = 1;
	for (i = 0; !bad && i < plan->nhops; i++) {
		h = hop_json(&plan->hops[i], acfs_plan_hop_is_chained(plan, i));
		if (h == NULL || json_object_array_add(hops, h) != 0)
			bad = 1;
	}
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
