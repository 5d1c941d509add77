/* bench_resolve.c - times resolving one profile's whole chain: the first
 * (cold) resolve in a fresh process, then N more with the same transport,
 * so connections and TLS sessions are reused.
 *   bench_resolve CONFIG CREDENTIALS PROFILE N
 * Prints "cold_us=... warm_us_median=... warm_us_best=... reused=K/N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds.h"
#include "env.h"
#include "files.h"
#include "http.h"
#include "plan.h"
#include "resolve.h"

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Counts requests that reused a connection, by wrapping the transport. */
typedef struct {
	acfs_http base;
	acfs_http *inner;
	int requests, reused;
} counting_http;

static acfs_code counting_send(acfs_http *h, const acfs_http_request *req,
			       acfs_http_response *resp, acfs_err *e)
{
	counting_http *c = (counting_http *)h;
	acfs_code rc = c->inner->send(c->inner, req, resp, e);

	c->requests++;
	if (rc == ACFS_OK && resp->reused)
		c->reused++;
	return rc;
}

int main(int argc, char **argv)
{
	acfs_profiles *set = NULL;
	acfs_plan *plan = NULL;
	counting_http ch = { { counting_send, NULL }, NULL, 0, 0 };
	acfs_resolver r;
	acfs_creds *c;
	acfs_err e;
	long long t0, cold, *warm;
	int n, i, cold_requests;

	if (argc != 5 || (n = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: bench_resolve CONFIG CREDENTIALS PROFILE N\n");
		return 2;
	}
	warm = calloc((size_t)n, sizeof(*warm));
	t0 = now_us();
	if (acfs_config_load(argv[1], argv[2], &set, &e) == ACFS_E_NOMEM ||
	    acfs_plan_build(set, acfs_env_process(), argv[3], &plan, &e) != ACFS_OK ||
	    (ch.inner = acfs_http_curl_new(&e)) == NULL) {
		fprintf(stderr, "bench_resolve: %s\n", e.msg);
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.http = &ch.base;
	r.env = acfs_env_process();
	if (acfs_resolve_plan(&r, plan, &c, &e) != ACFS_OK) {
		fprintf(stderr, "bench_resolve: %s\n", e.msg);
		return 1;
	}
	cold = now_us() - t0;
	acfs_creds_unref(c);
	cold_requests = ch.requests;
	ch.requests = ch.reused = 0;
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (acfs_resolve_plan(&r, plan, &c, &e) != ACFS_OK) {
			fprintf(stderr, "bench_resolve: %s\n", e.msg);
			return 1;
		}
		warm[i] = now_us() - t0;
		acfs_creds_unref(c);
	}
	qsort(warm, (size_t)n, sizeof(*warm), cmp);
	printf("hops=%zu cold_requests=%d cold_us=%lld warm_us_median=%lld "
	       "warm_us_best=%lld reused=%d/%d\n", plan->nhops, cold_requests,
	       cold, warm[n / 2], warm[0], ch.reused, ch.requests);
	acfs_http_free(ch.inner);
	acfs_plan_free(plan);
	acfs_profiles_free(set);
	free(warm);
	return 0;
}
