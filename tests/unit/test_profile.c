/* test_profile.c - the profile set: lookup, order, properties, merging,
 * taint, problems and name rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "testlib.h"

static acfs_profiles *set;

static void setup(void)
{
	set = acfs_profiles_new();
	ck_assert_ptr_nonnull(set);
}

static void teardown(void)
{
	acfs_profiles_free(set);
	set = NULL;
}

static acfs_section *mk(const char *name)
{
	acfs_section *s = acfs_profiles_section(set, ACFS_SECTION_PROFILE, name);

	ck_assert_ptr_nonnull(s);
	return s;
}

static void put(acfs_section *s, const char *k, const char *v, unsigned line)
{
	ck_assert_int_eq(acfs_section_set(s, k, strlen(k), v, strlen(v),
					  ACFS_SRC_CONFIG, line, NULL), ACFS_OK);
}

START_TEST(new_set_is_empty)
{
	size_t k;

	for (k = 0; k < ACFS_SECTION__COUNT; k++)
		ck_assert_uint_eq(acfs_profiles_count(set, (acfs_section_kind)k), 0);
	ck_assert_ptr_null(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "x"));
	ck_assert_ptr_null(acfs_profiles_path(set, ACFS_SRC_CONFIG));
	ck_assert_ptr_null(acfs_profiles_path(set, ACFS_SRC_CREDENTIALS));
	ck_assert_uint_eq(acfs_profiles_nproblems(set), 0);
	ck_assert_uint_eq(acfs_profiles_problems_dropped(set), 0);
	ck_assert_ptr_null(acfs_profiles_problem(set, 0));
}
END_TEST

START_TEST(free_null_is_noop)
{
	acfs_profiles_free(NULL);
	acfs_section_free(NULL);
}
END_TEST

START_TEST(get_null_arguments)
{
	ck_assert_ptr_null(acfs_profiles_get(NULL, ACFS_SECTION_PROFILE, "a"));
	ck_assert_ptr_null(acfs_profiles_get(set, ACFS_SECTION_PROFILE, NULL));
	ck_assert_ptr_null(acfs_section_prop(NULL, "k"));
	ck_assert_ptr_null(acfs_section_get(NULL, "k"));
}
END_TEST

START_TEST(section_find_or_create)
{
	acfs_section *a = mk("a"), *b = mk("b");

	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_eq(mk("a"), a);
	ck_assert_ptr_eq(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "a"), a);
	ck_assert_str_eq(a->name, "a");
	ck_assert_int_eq(a->kind, ACFS_SECTION_PROFILE);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 2);
}
END_TEST

START_TEST(kinds_are_separate_namespaces)
{
	acfs_section *p = mk("same");
	acfs_section *s = acfs_profiles_section(set, ACFS_SECTION_SSO_SESSION,
						"same");
	acfs_section *v = acfs_profiles_section(set, ACFS_SECTION_SERVICES,
						"same");

	ck_assert_ptr_ne(p, s);
	ck_assert_ptr_ne(s, v);
	ck_assert_int_eq(s->kind, ACFS_SECTION_SSO_SESSION);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), 1);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_SSO_SESSION), 1);
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_SERVICES), 1);
	ck_assert_ptr_null(acfs_profiles_get(set, ACFS_SECTION__COUNT, "same"));
}
END_TEST

START_TEST(many_sections_keep_order_and_lookup)
{
	char name[32];
	size_t i, n = 5000;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "p%zu", (i * 7919) % n);
		mk(name);
	}
	ck_assert_uint_eq(acfs_profiles_count(set, ACFS_SECTION_PROFILE), n);
	for (i = 0; i < n; i++) {
		const acfs_section *s;

		snprintf(name, sizeof(name), "p%zu", (i * 7919) % n);
		s = acfs_profiles_at(set, ACFS_SECTION_PROFILE, i);
		ck_assert_str_eq(s->name, name);
		ck_assert_ptr_eq(acfs_profiles_get(set, ACFS_SECTION_PROFILE,
						   name), s);
	}
	ck_assert_ptr_null(acfs_profiles_get(set, ACFS_SECTION_PROFILE, "p5000"));
}
END_TEST

START_TEST(set_replaces_and_lowercases)
{
	acfs_section *s = mk("a");
	size_t idx = 99;

	ck_assert_int_eq(acfs_section_set(s, "Region", 6, "one", 3,
					  ACFS_SRC_CONFIG, 2, &idx), ACFS_OK);
	ck_assert_uint_eq(idx, 0);
	ck_assert_int_eq(acfs_section_set(s, "other", 5, "x", 1,
					  ACFS_SRC_CONFIG, 3, &idx), ACFS_OK);
	ck_assert_uint_eq(idx, 1);
	ck_assert_int_eq(acfs_section_set(s, "REGION", 6, "two", 3,
					  ACFS_SRC_CREDENTIALS, 9, &idx), ACFS_OK);
	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_eq(s->nprops, 2);
	ck_assert_str_eq(s->props[0].key, "region");
	ck_assert_str_eq(acfs_section_get(s, "region"), "two");
	ck_assert_uint_eq(acfs_section_prop(s, "rEgIoN")->line, 9);
	ck_assert_int_eq(acfs_section_prop(s, "region")->src, ACFS_SRC_CREDENTIALS);
	ck_assert_ptr_null(acfs_section_get(s, "regio"));
}
END_TEST

START_TEST(set_uses_only_klen_and_vlen)
{
	acfs_section *s = mk("a");

	ck_assert_int_eq(acfs_section_set(s, "keyXXX", 3, "valYYY", 3,
					  ACFS_SRC_CONFIG, 1, NULL), ACFS_OK);
	ck_assert_str_eq(s->props[0].key, "key");
	ck_assert_str_eq(acfs_section_get(s, "key"), "val");
}
END_TEST

START_TEST(many_properties)
{
	acfs_section *s = mk("a");
	char k[16], v[16];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		put(s, k, v, (unsigned)i + 1);
	}
	ck_assert_uint_eq(s->nprops, 1000);
	ck_assert_str_eq(acfs_section_get(s, "k0"), "v0");
	ck_assert_str_eq(acfs_section_get(s, "k999"), "v999");
	ck_assert_uint_eq(acfs_section_prop(s, "k500")->line, 501);
}
END_TEST

START_TEST(prop_append)
{
	acfs_section *s = mk("a");

	put(s, "k", "first", 1);
	ck_assert_int_eq(acfs_prop_append(&s->props[0], "second", 6), ACFS_OK);
	ck_assert_int_eq(acfs_prop_append(&s->props[0], "thirdXX", 5), ACFS_OK);
	ck_assert_str_eq(acfs_section_get(s, "k"), "first\nsecond\nthird");
	put(s, "e", "", 2);
	ck_assert_int_eq(acfs_prop_append(&s->props[1], "a = 1", 5), ACFS_OK);
	ck_assert_str_eq(acfs_section_get(s, "e"), "\na = 1");
}
END_TEST

START_TEST(merge_later_wins_and_keeps_taint)
{
	acfs_section *to = mk("to");
	acfs_section *from = acfs_section_new(ACFS_SECTION_PROFILE, "from");

	put(to, "a", "1", 1);
	put(to, "b", "1", 2);
	put(from, "b", "2", 7);
	put(from, "c", "2", 8);
	ck_assert_int_eq(acfs_section_taint(from, "from was bad"), ACFS_OK);
	ck_assert_int_eq(acfs_section_merge(to, from), ACFS_OK);
	ck_assert_str_eq(acfs_section_get(to, "a"), "1");
	ck_assert_str_eq(acfs_section_get(to, "b"), "2");
	ck_assert_uint_eq(acfs_section_prop(to, "b")->line, 7);
	ck_assert_str_eq(acfs_section_get(to, "c"), "2");
	ck_assert_ptr_nonnull(to->taint);
	ck_assert_str_eq(to->taint, "from was bad");
	/* from is not consumed. */
	ck_assert_str_eq(acfs_section_get(from, "b"), "2");
	acfs_section_free(from);
}
END_TEST

START_TEST(taint_keeps_first_message)
{
	acfs_section *s = mk("a");

	ck_assert_ptr_null(s->taint);
	ck_assert_int_eq(acfs_section_taint(s, "first"), ACFS_OK);
	ck_assert_int_eq(acfs_section_taint(s, "second"), ACFS_OK);
	ck_assert_str_eq(s->taint, "first");
}
END_TEST

START_TEST(paths)
{
	char buf[32];

	strcpy(buf, "/etc/aws/config");
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CONFIG, buf), ACFS_OK);
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CREDENTIALS,
						"/etc/aws/credentials"), ACFS_OK);
	buf[0] = 'X';   /* the path was copied */
	ck_assert_str_eq(acfs_profiles_path(set, ACFS_SRC_CONFIG), "/etc/aws/config");
	ck_assert_str_eq(acfs_profiles_path(set, ACFS_SRC_CREDENTIALS),
			 "/etc/aws/credentials");
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CONFIG, "/new"), ACFS_OK);
	ck_assert_str_eq(acfs_profiles_path(set, ACFS_SRC_CONFIG), "/new");
	ck_assert_int_eq(acfs_profiles_set_path(set, ACFS_SRC_CONFIG, NULL), ACFS_OK);
	ck_assert_ptr_null(acfs_profiles_path(set, ACFS_SRC_CONFIG));
}
END_TEST

START_TEST(problems_are_copied_and_capped)
{
	char msg[64];
	size_t i;
	const acfs_problem *p;

	strcpy(msg, "file line 3: bad");
	ck_assert_int_eq(acfs_profiles_add_problem(set, ACFS_SRC_CREDENTIALS, 3,
						   "prof", msg), ACFS_OK);
	msg[0] = 'X';
	p = acfs_profiles_problem(set, 0);
	ck_assert_str_eq(p->message, "file line 3: bad");
	ck_assert_str_eq(p->profile, "prof");
	ck_assert_uint_eq(p->line, 3);
	ck_assert_int_eq(p->src, ACFS_SRC_CREDENTIALS);
	ck_assert_int_eq(acfs_profiles_add_problem(set, ACFS_SRC_CONFIG, 0, NULL,
						   "whole file"), ACFS_OK);
	ck_assert_ptr_null(acfs_profiles_problem(set, 1)->profile);
	for (i = 2; i < ACFS_MAX_PROBLEMS + 5; i++) {
		snprintf(msg, sizeof(msg), "problem %zu", i);
		ck_assert_int_eq(acfs_profiles_add_problem(set, ACFS_SRC_CONFIG,
							   (unsigned)i, NULL, msg),
				 ACFS_OK);
	}
	ck_assert_uint_eq(acfs_profiles_nproblems(set), ACFS_MAX_PROBLEMS);
	ck_assert_uint_eq(acfs_profiles_problems_dropped(set), 5);
	/* The first ones are kept, the last ones dropped. */
	ck_assert_str_eq(acfs_profiles_problem(set, ACFS_MAX_PROBLEMS - 1)->message,
			 "problem 63");
}
END_TEST

START_TEST(subprop_get)
{
	char out[16];
	const char *raw = "\n  endpoint_url = http://a \n"
			  "Region=us-east-1\n"
			  "noequals\n"
			  "empty =\n";

	ck_assert_int_eq(acfs_subprop_get(raw, "endpoint_url", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "http://a");
	ck_assert_int_eq(acfs_subprop_get(raw, "region", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "us-east-1");
	ck_assert_int_eq(acfs_subprop_get(raw, "empty", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(acfs_subprop_get(raw, "noequals", out, sizeof(out)), 0);
	ck_assert_int_eq(acfs_subprop_get(raw, "endpoint", out, sizeof(out)), 0);
	ck_assert_int_eq(acfs_subprop_get("", "x", out, sizeof(out)), 0);
	/* A value that does not fit is not returned truncated. */
	ck_assert_int_eq(acfs_subprop_get(raw, "endpoint_url", out, 8), 0);
}
END_TEST

START_TEST(name_dir_rule)
{
	const char *why = "unset";
	char *longname = malloc(300);

	ck_assert(acfs_profile_name_dir_ok("good-name_1", &why));
	ck_assert_ptr_null(why);
	ck_assert(!acfs_profile_name_dir_ok(".", &why));
	ck_assert_ptr_nonnull(why);
	ck_assert(!acfs_profile_name_dir_ok("..", &why));
	ck_assert(acfs_profile_name_dir_ok("...", NULL));
	ck_assert(acfs_profile_name_dir_ok(".hidden", NULL));
	ck_assert(!acfs_profile_name_dir_ok("team/dev", &why));
	ck_assert_ptr_nonnull(strstr(why, "/"));
	ck_assert(!acfs_profile_name_dir_ok("", &why));
	memset(longname, 'a', 255);
	longname[255] = '\0';
	ck_assert(acfs_profile_name_dir_ok(longname, NULL));
	longname[255] = 'a';
	longname[256] = '\0';
	ck_assert(!acfs_profile_name_dir_ok(longname, &why));
	ck_assert_ptr_nonnull(strstr(why, "255"));
	free(longname);
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("set");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, new_set_is_empty);
	tcase_add_test(tc, free_null_is_noop);
	tcase_add_test(tc, get_null_arguments);
	tcase_add_test(tc, section_find_or_create);
	tcase_add_test(tc, kinds_are_separate_namespaces);
	tcase_add_test(tc, many_sections_keep_order_and_lookup);
	tcase_add_test(tc, set_replaces_and_lowercases);
	tcase_add_test(tc, set_uses_only_klen_and_vlen);
	tcase_add_test(tc, many_properties);
	tcase_add_test(tc, prop_append);
	tcase_add_test(tc, merge_later_wins_and_keeps_taint);
	tcase_add_test(tc, taint_keeps_first_message);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, problems_are_copied_and_capped);
	tcase_add_test(tc, subprop_get);
	tcase_add_test(tc, name_dir_rule);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *suite = profile_suite();

	return tl_run_suite(suite, "unit-profile");
}
