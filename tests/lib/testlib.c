/* testlib.c - shared test helpers. */
#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

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

const char *tl_conformance_path(const char *suite, const char *relpath)
{
	static char path[4096];
	const char *dir = tl_conformance_dir();

	if (dir == NULL) {
		printf("SKIP %s: conformance data not found "
		       "(../shared/conformance or $ACFS_CONFORMANCE)\n", suite);
		tl_report(suite, 0, 0, 1);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, relpath);
	return path;
}

int tl_conformance_bad(const char *suite, const char *path,
		       json_object *root, const char *what)
{
	const char *why = root ? NULL : json_util_get_last_err();

	if (why == NULL)
		why = what;
	printf("FAIL %s: cannot read %s: %.*s\n", suite, path,
	       (int)strcspn(why, "\n"), why);
	tl_report(suite, 0, 1, 0);
	json_object_put(root);
	return 1;
}

void tl_conformance_note(const char *suite, size_t n, const char *noun,
			 int documented)
{
	if (documented >= 0 && n != (size_t)documented)
		printf("NOTE %s: %zu %s, the README documents %d\n", suite, n,
		       noun, documented);
}

json_object *tl_conformance_load(const char *suite, const char *relpath,
				 const char *array_key, int documented,
				 json_object **cases, int *status)
{
	const char *path = tl_conformance_path(suite, relpath);
	json_object *root;
	char what[128];

	*cases = NULL;
	*status = 0;
	if (path == NULL)
		return NULL;
	root = json_object_from_file(path);
	if (array_key == NULL)
		*cases = root;
	else if (root != NULL)
		json_object_object_get_ex(root, array_key, cases);
	if (*cases == NULL || !json_object_is_type(*cases, json_type_array)) {
		if (array_key == NULL)
			snprintf(what, sizeof(what), "not a JSON array");
		else
			snprintf(what, sizeof(what), "no \"%s\" array",
				 array_key);
		*cases = NULL;
		*status = tl_conformance_bad(suite, path, root, what);
		return NULL;
	}
	tl_conformance_note(suite, json_object_array_length(*cases), "cases",
			    documented);
	return root;
}

void tl_differ(tl_diff *d, const char *fmt, ...)
{
	va_list ap;

	if (d->ndiff++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
}

int tl_diff_passed(const tl_diff *d, size_t idx, const char *name)
{
	if (d->ndiff == 0)
		return 1;
	if (d->ndiff > 1)
		printf("FAIL [%zu] %s: %s (and %d more differences)\n", idx,
		       name, d->why, d->ndiff - 1);
	else
		printf("FAIL [%zu] %s: %s\n", idx, name, d->why);
	return 0;
}

const char *tl_esc(char *out, size_t sz, const char *s, size_t n)
{
	size_t o = 0, i;

	if (s == NULL) {
		snprintf(out, sz, "(absent)");
		return out;
	}
	out[o++] = '"';
	for (i = 0; i < n && o + 8 < sz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			o += (size_t)snprintf(out + o, sz - o, "\\n");
		else if (c == '\r')
			o += (size_t)snprintf(out + o, sz - o, "\\r");
		else if (c == '\t')
			o += (size_t)snprintf(out + o, sz - o, "\\t");
		else if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, sz - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, sz - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (i < n)
		o += (size_t)snprintf(out + o, sz - o, "...");
	snprintf(out + o, sz - o, "\"");
	return out;
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
