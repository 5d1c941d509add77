/* planfmt.h - a plan shown to people (text) and to programs (JSON).
 *
 * Neither form ever contains a secret: static keys show only the first
 * characters of the access key id, and an external id only its presence.
 */
#ifndef ACFS_PLANFMT_H
#define ACFS_PLANFMT_H

#include <stdio.h>

#include <json-c/json.h>

#include "plan.h"

/* Writes a numbered, human-readable list of the hops. */
void acfs_plan_print(const acfs_plan *plan, FILE *out);

/* A new JSON object {"profile", "region", "sts_endpoint", "hops": [...]};
 * the caller drops it with json_object_put.  NULL on allocation failure. */
struct json_object *acfs_plan_to_json(const acfs_plan *plan);

/* The shown form of an access key id: its first 4 characters and "...". */
void acfs_akid_prefix(const char *akid, char *out, size_t outsz);

/* Length of the program name at the start of a credential_process
 * command: only that much is shown, since arguments may carry secrets.
 * A leading "NAME=value" assignment is shown as "NAME=". */
int acfs_command_name_len(const char *cmd);

#endif
