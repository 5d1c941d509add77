/* testlib.c - shared test helpers. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tl_report(const char *suite, int passed, int failed, int skipped)
{
	const char *path = getenv("ACFS_RESULTS");
	const char *prefix = getenv("ACFS_SUITE_PREFIX");
	FILE *f;

	if (prefix == NULL)
		prefix = "";
	printf("suite %s%s: passed=%d failed=%d skipped=%d\n", prefix, suite,
	       passed, failed, skipped);
	fflush(stdout);
	if (path == NULL)
		return;
	f = fopen(path, "a");
	if (f == NULL) {
		perror(path);
		return;
	}
	fprintf(f, "%s%s %d %d %d\n", prefix, suite, passed, failed, skipped);
	fclose(f);
}

int tl_run_suite(Suite *s, const char *name)
{
	SRunner *sr = srunner_create(s);
	int run, failed;

	srunner_run_all(sr, CK_ENV);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tl_report(name, run - failed, failed, 0);
	return failed == 0 ? 0 : 1;
}

const char *tl_conformance_dir(void)
{
	static char buf[4096];
	const char *d = getenv("ACFS_CONFORMANCE");
	struct stat st;

	if (d == NULL)
		d = "../shared/conformance";
	if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", d);
	return buf;
}

char *tl_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 131072;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 65536, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

const char *tl_write_temp(int slot, const char *data, size_t len)
{
	static char paths[8][256 + 16];   /* dir + "/fileN" */
	static char dir[256];
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/acfs-test-XXXXXX");
		if (mkdtemp(dir) == NULL)
			return NULL;
	}
	snprintf(paths[slot & 7], sizeof(paths[0]), "%s/file%d", dir, slot & 7);
	f = fopen(paths[slot & 7], "wb");
	if (f == NULL)
		return NULL;
	if (len > 0 && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	return paths[slot & 7];
}
