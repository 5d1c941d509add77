/* main.c - the awscredsfs command line.
 *
 *   awscredsfs [MOUNTPOINT] [-f] [-o OPTIONS]     mount (daemon.c)
 *   awscredsfs [MOUNTPOINT] [-o OPTIONS] --exec PROFILE [--refresh] -- CMD...
 *                                                  entrypoint (exec.c)
 *   awscredsfs --plan PROFILE [--json] [--config FILE] [--credentials FILE]
 *   awscredsfs --check [--config FILE] [--credentials FILE]
 *   awscredsfs --resolve PROFILE [--sts-timeout SECONDS] [...]
 */
#define FUSE_USE_VERSION 314   /* libfuse 3.14, as Debian 12 ships it */
#include <fuse_lowlevel.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "creds.h"
#include "daemon.h"
#include "env.h"
#include "exec.h"
#include "files.h"
#include "http.h"
#include "harden.h"
#include "opts.h"
#include "plan.h"
#include "planfmt.h"
#include "profile.h"
#include "resolve.h"
#include "secret.h"

#ifndef ACFS_VERSION
#define ACFS_VERSION "0.0.0"
#endif

enum { MODE_NONE, MODE_PLAN, MODE_CHECK, MODE_RESOLVE };

/* The whole usage; with libfuse's own options too for --help. */
static void usage(FILE *f, int with_fuse)
{
	fprintf(f,
"usage: awscredsfs [MOUNTPOINT] [-f] [-d] [-s] [-o OPTION[,OPTION...]]\n"
"       awscredsfs [MOUNTPOINT] [-o OPTION[,OPTION...]] --exec PROFILE\n"
"                  [--refresh] -- COMMAND [ARG...]\n"
"       awscredsfs --plan PROFILE [--json] [--config FILE] [--credentials FILE]\n"
"       awscredsfs --check [--config FILE] [--credentials FILE]\n"
"       awscredsfs --resolve PROFILE [--sts-timeout SECONDS] [--config FILE]\n"
"                  [--credentials FILE]\n"
"       awscredsfs --help | --version\n");
	if (!with_fuse) {
		fprintf(f, "Try 'awscredsfs --help' for the options.\n");
		return;
	}
	fprintf(f,
"\n"
"Serves AWS role credentials as files: a directory per profile of the AWS\n"
"config, with credentials, expiration, process.json, config, env and status.\n"
"Each profile's chain is resolved with STS on first read and refreshed before\n"
"it expires.  --exec mounts, runs one command for one profile and unmounts.\n"
"--plan and --check show how each profile's credentials would be obtained,\n"
"hop by hop, without contacting AWS.  --resolve runs the chain once.\n"
"\n");
	acfs_mopts_usage(f);
	fprintf(f,
"\n"
"Entrypoint mode (a container's one-line entrypoint):\n"
"  --exec PROFILE      mount on MOUNTPOINT (or use the awscredsfs mount\n"
"                      already there), run COMMAND with\n"
"                      AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE\n"
"                      pointing at PROFILE's files and its region in\n"
"                      AWS_REGION and AWS_DEFAULT_REGION (AWS_PROFILE, key\n"
"                      and web identity variables unset), forward\n"
"                      SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2\n"
"                      to it, unmount once it exits, and exit with its\n"
"                      status (128+N when signal N killed it;\n"
"                      126 or 127 when it cannot be run; 125 when awscredsfs\n"
"                      failed first, e.g. an unknown PROFILE); logs on stderr\n"
"  --refresh           with --exec: AWS_PROFILE=refresh, so that SDKs run\n"
"                      credential_process and refresh by themselves\n"
"  -- COMMAND [ARG...] the command, run from PATH\n"
"\n"
"Other modes:\n"
"  --plan PROFILE      print the chain of hops for PROFILE; exit 1 with the\n"
"                      reason when the profile cannot be resolved\n"
"  --json              print the plan as JSON instead of text\n"
"  --check             plan every profile and report each one and every\n"
"                      problem in the files; exit 1 if anything is wrong\n"
"  --resolve PROFILE   run PROFILE's chain once against STS and print the\n"
"                      credential_process JSON document (it holds the\n"
"                      credentials: this is what credential_process reads)\n"
"  --sts-timeout SECONDS  total time for one STS call, retries included\n"
"                      (default 10)\n"
"  --config FILE       the config file (default: $AWS_CONFIG_FILE or\n"
"                      ~/.aws/config)\n"
"  --credentials FILE  the credentials file (default:\n"
"                      $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Except for --resolve's document and the mounted credential files, secrets\n"
"are never printed: static keys show only the first characters of the\n"
"access key id, and an external id only whether it is set.\n");
	/* libfuse's own options; they print on stdout. */
	fflush(f);
	printf("\nlibfuse options (max_threads defaults to 64 here):\n");
	fflush(stdout);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* Whether argv asks for one of the engine's modes rather than a mount:
 * any of their long options, or no argument at all (a bare "awscredsfs"
 * prints the usage instead of mounting somewhere by surprise). */
static int engine_mode(int argc, char **argv)
{
	static const char *const longs[] = {
		"--plan", "--check", "--resolve", "--json", "--sts-timeout",
		"--config", "--credentials", NULL,
	};
	int i, j;

	if (argc <= 1)
		return 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		for (j = 0; longs[j] != NULL; j++) {
			size_t n = strlen(longs[j]);

			if (strncmp(argv[i], longs[j], n) == 0 &&
			    (argv[i][n] == '\0' || argv[i][n] == '='))
				return 1;
		}
	}
	return 0;
}

/* The exit status of the mount and entrypoint modes, printing what their
 * ACFS_DAEMON_* codes ask for. */
static int mount_status(int rc)
{
	switch (rc) {
	case ACFS_DAEMON_USAGE:
		usage(stderr, 0);
		return 2;
	case ACFS_DAEMON_HELP:
		usage(stdout, 1);
		return 0;
	case ACFS_DAEMON_VERSION:
		printf("awscredsfs %s\n", ACFS_VERSION);
		return 0;
	default:
		return rc;
	}
}

static void print_problems(const acfs_profiles *set)
{
	size_t i, n = acfs_profiles_nproblems(set);

	for (i = 0; i < n; i++)
		fprintf(stderr, "awscredsfs: %s\n",
			acfs_profiles_problem(set, i)->message);
	if (acfs_profiles_problems_dropped(set) > 0)
		fprintf(stderr, "awscredsfs: ... and %zu more problems\n",
			acfs_profiles_problems_dropped(set));
}

static int do_plan(const acfs_profiles *set, const char *profile, int json)
{
	acfs_plan *plan = NULL;
	acfs_err e;

	if (acfs_plan_build(set, acfs_env_process(), profile, &plan, &e) != ACFS_OK) {
		fprintf(stderr, "awscredsfs: %s\n", e.msg);
		return 1;
	}
	if (json) {
		struct json_object *o = acfs_plan_to_json(plan);

		if (o == NULL) {
			fprintf(stderr, "awscredsfs: out of memory\n");
			acfs_plan_free(plan);
			return 1;
		}
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		acfs_plan_print(plan, stdout);
	}
	acfs_plan_free(plan);
	return 0;
}

static int do_resolve(const acfs_profiles *set, const char *profile,
		      long sts_timeout_ms)
{
	acfs_plan *plan = NULL;
	acfs_creds *creds = NULL;
	acfs_http *http = NULL;
	acfs_resolver r;
	acfs_buf doc = { 0 };
	acfs_err e;
	int rc = 1;

	if (acfs_plan_build(set, acfs_env_process(), profile, &plan, &e) != ACFS_OK)
		goto fail;
	http = acfs_http_curl_new(&e);
	if (http == NULL)
		goto fail;
	memset(&r, 0, sizeof(r));
	r.http = http;
	r.env = acfs_env_process();
	r.sts_timeout_ms = sts_timeout_ms;
	if (acfs_resolve_plan(&r, plan, &creds, &e) != ACFS_OK ||
	    acfs_creds_process_json(creds, &doc) != ACFS_OK) {
		if (creds != NULL)
			acfs_err_set(&e, ACFS_E_NOMEM, "out of memory");
		goto fail;
	}
	if (fwrite(doc.data, 1, doc.len, stdout) != doc.len || fflush(stdout) != 0) {
		perror("awscredsfs: stdout");
		goto out;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "awscredsfs: %s\n", e.msg);
out:
	acfs_buf_free(&doc);
	acfs_creds_unref(creds);
	acfs_http_free(http);
	acfs_plan_free(plan);
	return rc;
}

static int do_check(const acfs_profiles *set)
{
	size_t i, j, n = acfs_profiles_count(set, ACFS_SECTION_PROFILE);
	size_t ok = 0, bad = 0;
	const char *why;

	for (i = 0; i < n; i++) {
		const acfs_section *s = acfs_profiles_at(set, ACFS_SECTION_PROFILE, i);
		acfs_plan *plan = NULL;
		acfs_err e;

		if (acfs_plan_build(set, acfs_env_process(), s->name, &plan,
				    &e) != ACFS_OK) {
			printf("error  %s: %s\n", s->name, e.msg);
			bad++;
			continue;
		}
		printf("ok     %s:", s->name);
		for (j = 0; j < plan->nhops; j++)
			printf("%s%s", j ? " -> " : " ",
			       acfs_hop_kind_name(plan->hops[j].kind));
		if (!acfs_profile_name_dir_ok(s->name, &why))
			printf(" (not shown in the mount: the name %s)", why);
		printf("\n");
		acfs_plan_free(plan);
		ok++;
	}
	if (acfs_profiles_get(set, ACFS_SECTION_PROFILE, "default") == NULL &&
	    acfs_plan_env_default(acfs_env_process()))
		printf("ok     default: from the environment\n");
	printf("%zu profiles: %zu ok, %zu with errors; %zu problems in the files\n",
	       n, ok, bad, acfs_profiles_nproblems(set) +
	       acfs_profiles_problems_dropped(set));
	return (bad || acfs_profiles_nproblems(set)) ? 1 : 0;
}

/* The file to read: the command-line option as given, else the variable
 * or the default under the home directory, as acfs_locate finds it.  Only
 * the paths not given are located, so --config and --credentials work for
 * a user with neither HOME nor a password entry (a container's random
 * uid). */
static char *file_path(const char *opt, const char *var, const char *dflt,
		       acfs_err *e)
{
	const char *v;
	char *p;

	if (opt != NULL) {
		p = acfs_strdup(opt);
		if (p == NULL)
			acfs_err_set(e, ACFS_E_NOMEM, "out of memory");
		return p;
	}
	v = acfs_env_get(acfs_env_process(), var);
	return acfs_expand_home(acfs_env_process(), v ? v : dflt, e);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plan", required_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'c' },
		{ "resolve", required_argument, NULL, 'r' },
		{ "sts-timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'C' },
		{ "credentials", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL, *config = NULL, *creds = NULL;
	char *config_path = NULL, *creds_path = NULL;
	acfs_profiles *set = NULL;
	acfs_err e;
	int mode = MODE_NONE, json = 0, c, rc = 2;
	long sts_timeout_ms = 0;
	char *end;

	/* Before acfs_harden: the entrypoint keeps the hard core limit for
	 * its command (exec.c). */
	if (acfs_exec_wanted(argc, argv))
		return mount_status(acfs_exec_main(argc, argv));
	acfs_harden();
	if (!engine_mode(argc, argv))
		return mount_status(acfs_daemon_main(argc, argv));
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'p': mode = MODE_PLAN; profile = optarg; break;
		case 'c': mode = MODE_CHECK; break;
		case 'r': mode = MODE_RESOLVE; profile = optarg; break;
		case 'T':
			sts_timeout_ms = strtol(optarg, &end, 10) * 1000;
			if (*optarg == '\0' || *end != '\0' || sts_timeout_ms <= 0 ||
			    sts_timeout_ms > 300000) {
				fprintf(stderr, "awscredsfs: --sts-timeout takes "
					"1 to 300 seconds\n");
				return 2;
			}
			break;
		case 'j': json = 1; break;
		case 'C': config = optarg; break;
		case 'K': creds = optarg; break;
		case 'h': usage(stdout, 1); return 0;
		case 'V': printf("awscredsfs %s\n", ACFS_VERSION); return 0;
		default: usage(stderr, 0); return 2;
		}
	}
	if (mode == MODE_NONE || optind != argc) {
		usage(stderr, 0);
		return 2;
	}
	acfs_err_clear(&e);
	config_path = file_path(config, "AWS_CONFIG_FILE", "~/.aws/config", &e);
	if (config_path != NULL)
		creds_path = file_path(creds, "AWS_SHARED_CREDENTIALS_FILE",
				       "~/.aws/credentials", &e);
	if (config_path == NULL || creds_path == NULL) {
		fprintf(stderr, "awscredsfs: %s\n",
			e.msg[0] ? e.msg : "out of memory");
		rc = 1;
		goto out;
	}
	if (acfs_config_load(config_path, creds_path, &set, &e) == ACFS_E_NOMEM) {
		fprintf(stderr, "awscredsfs: %s\n", e.msg);
		rc = 1;
		goto out;
	}
	print_problems(set);
	if (mode == MODE_PLAN)
		rc = do_plan(set, profile, json);
	else if (mode == MODE_RESOLVE)
		rc = do_resolve(set, profile, sts_timeout_ms);
	else
		rc = do_check(set);
out:
	acfs_profiles_free(set);
	acfs_strfree(config_path);
	acfs_strfree(creds_path);
	return rc;
}
