/* test_secret.c - the capped buffer and the wiping string helpers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "testlib.h"

static acfs_buf buf;

static void setup(void)
{
	acfs_buf_init(&buf, 16);
}

static void teardown(void)
{
	acfs_buf_free(&buf);
}

START_TEST(init_is_empty)
{
	ck_assert_ptr_null(buf.data);
	ck_assert_uint_eq(buf.len, 0);
	ck_assert_uint_eq(buf.max, 16);
}
END_TEST

START_TEST(add_appends_and_terminates)
{
	ck_assert_int_eq(acfs_buf_add(&buf, "abc", 3), ACFS_OK);
	ck_assert_int_eq(acfs_buf_add(&buf, "def", 3), ACFS_OK);
	ck_assert_int_eq(acfs_buf_addc(&buf, 'g'), ACFS_OK);
	ck_assert_uint_eq(buf.len, 7);
	ck_assert_str_eq(buf.data, "abcdefg");
	ck_assert_uint_ge(buf.cap, buf.len + 1);
}
END_TEST

START_TEST(add_zero_bytes_gives_empty_string)
{
	ck_assert_int_eq(acfs_buf_add(&buf, NULL, 0), ACFS_OK);
	ck_assert_uint_eq(buf.len, 0);
	ck_assert_ptr_nonnull(buf.data);
	ck_assert_str_eq(buf.data, "");
}
END_TEST

START_TEST(cap_exact_fits)
{
	ck_assert_int_eq(acfs_buf_add(&buf, "0123456789abcdef", 16), ACFS_OK);
	ck_assert_uint_eq(buf.len, 16);
	ck_assert_str_eq(buf.data, "0123456789abcdef");
}
END_TEST

START_TEST(cap_toobig_leaves_content_unchanged)
{
	ck_assert_int_eq(acfs_buf_add(&buf, "0123456789", 10), ACFS_OK);
	ck_assert_int_eq(acfs_buf_add(&buf, "abcdefg", 7), ACFS_E_TOOBIG);
	ck_assert_uint_eq(buf.len, 10);
	ck_assert_str_eq(buf.data, "0123456789");
	/* Still usable up to the cap. */
	ck_assert_int_eq(acfs_buf_add(&buf, "abcdef", 6), ACFS_OK);
	ck_assert_str_eq(buf.data, "0123456789abcdef");
	ck_assert_int_eq(acfs_buf_addc(&buf, 'x'), ACFS_E_TOOBIG);
	ck_assert_uint_eq(buf.len, 16);
	ck_assert_str_eq(buf.data, "0123456789abcdef");
}
END_TEST

START_TEST(cap_toobig_on_empty_buffer)
{
	ck_assert_int_eq(acfs_buf_add(&buf, "0123456789abcdefX", 17),
			 ACFS_E_TOOBIG);
	ck_assert_uint_eq(buf.len, 0);
}
END_TEST

START_TEST(cap_huge_n_does_not_wrap)
{
	/* len + n must not wrap around: with a cap of SIZE_MAX a request
	 * of SIZE_MAX bytes cannot fit (there is no room for the NUL). */
	acfs_buf big;

	acfs_buf_init(&big, SIZE_MAX);
	ck_assert_int_eq(acfs_buf_add(&big, "ab", 2), ACFS_OK);
	ck_assert_int_ne(acfs_buf_add(&big, "x", SIZE_MAX), ACFS_OK);
	ck_assert_int_ne(acfs_buf_add(&big, "x", SIZE_MAX - 2), ACFS_OK);
	ck_assert_uint_eq(big.len, 2);
	ck_assert_str_eq(big.data, "ab");
	acfs_buf_free(&big);
}
END_TEST

START_TEST(growth_keeps_content)
{
	acfs_buf b;
	char expect[10001];
	size_t i;

	acfs_buf_init(&b, 10000);
	for (i = 0; i < 10000; i++) {
		expect[i] = (char)('a' + i % 26);
		ck_assert_int_eq(acfs_buf_addc(&b, expect[i]), ACFS_OK);
	}
	expect[10000] = '\0';
	ck_assert_uint_eq(b.len, 10000);
	ck_assert_uint_ge(b.cap, 10001);
	ck_assert_int_eq(memcmp(b.data, expect, 10001), 0);
	ck_assert_int_eq(acfs_buf_addc(&b, 'z'), ACFS_E_TOOBIG);
	acfs_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(binary_content_with_nul)
{
	ck_assert_int_eq(acfs_buf_add(&buf, "a\0b", 3), ACFS_OK);
	ck_assert_uint_eq(buf.len, 3);
	ck_assert_int_eq(memcmp(buf.data, "a\0b\0", 4), 0);
}
END_TEST

START_TEST(reset_empties_and_allows_reuse)
{
	ck_assert_int_eq(acfs_buf_add(&buf, "secret", 6), ACFS_OK);
	acfs_buf_reset(&buf);
	ck_assert_uint_eq(buf.len, 0);
	ck_assert_str_eq(buf.data, "");
	/* The old bytes were wiped, not just hidden behind the NUL. */
	ck_assert_int_eq(memcmp(buf.data, "\0\0\0\0\0\0", 6), 0);
	ck_assert_int_eq(acfs_buf_add(&buf, "xy", 2), ACFS_OK);
	ck_assert_str_eq(buf.data, "xy");
	/* The cap counts from zero again. */
	ck_assert_int_eq(acfs_buf_add(&buf, "01234567890123", 14), ACFS_OK);
	ck_assert_uint_eq(buf.len, 16);
}
END_TEST

START_TEST(reset_of_unused_buffer)
{
	acfs_buf_reset(&buf);
	ck_assert_uint_eq(buf.len, 0);
	ck_assert_ptr_null(buf.data);
}
END_TEST

START_TEST(steal_hands_over_storage)
{
	size_t len = 99, size;
	char *p;

	ck_assert_int_eq(acfs_buf_add(&buf, "hello", 5), ACFS_OK);
	size = buf.cap;
	p = acfs_buf_steal(&buf, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "hello");
	ck_assert_uint_eq(len, 5);
	ck_assert_ptr_null(buf.data);
	ck_assert_uint_eq(buf.len, 0);
	ck_assert_uint_eq(buf.cap, 0);
	acfs_wipefree(p, size);
	/* The buffer can be used again after a steal. */
	ck_assert_int_eq(acfs_buf_add(&buf, "again", 5), ACFS_OK);
	ck_assert_str_eq(buf.data, "again");
}
END_TEST

START_TEST(steal_of_empty_gives_empty_string)
{
	size_t len = 99;
	char *p = acfs_buf_steal(&buf, &len);

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(len, 0);
	acfs_strfree(p);
	p = acfs_buf_steal(&buf, NULL);
	ck_assert_ptr_nonnull(p);
	acfs_strfree(p);
}
END_TEST

START_TEST(free_twice_is_safe)
{
	ck_assert_int_eq(acfs_buf_add(&buf, "abc", 3), ACFS_OK);
	acfs_buf_free(&buf);
	acfs_buf_free(&buf);
	ck_assert_ptr_null(buf.data);
}
END_TEST

START_TEST(strfree_null_is_noop)
{
	acfs_strfree(NULL);
	acfs_wipefree(NULL, 0);
	acfs_wipefree(NULL, 100);
	acfs_wipe(NULL, 0);
}
END_TEST

START_TEST(strdup_and_strndup)
{
	char *a = acfs_strdup("abc");
	char *b = acfs_strndup("abcdef", 3);
	char *c = acfs_strndup("ab\0cd", 5);

	ck_assert_str_eq(a, "abc");
	ck_assert_str_eq(b, "abc");
	ck_assert_ptr_ne(a, b);
	/* strndup copies exactly n bytes and terminates. */
	ck_assert_int_eq(memcmp(c, "ab\0cd\0", 6), 0);
	acfs_strfree(a);
	acfs_strfree(b);
	acfs_wipefree(c, 6);
}
END_TEST

START_TEST(wipe_zeroes)
{
	char s[8] = "secret!";

	acfs_wipe(s, sizeof(s));
	ck_assert_int_eq(memcmp(s, "\0\0\0\0\0\0\0\0", 8), 0);
}
END_TEST

static Suite *secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("buf");
	TCase *ts = tcase_create("strings");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_is_empty);
	tcase_add_test(tc, add_appends_and_terminates);
	tcase_add_test(tc, add_zero_bytes_gives_empty_string);
	tcase_add_test(tc, cap_exact_fits);
	tcase_add_test(tc, cap_toobig_leaves_content_unchanged);
	tcase_add_test(tc, cap_toobig_on_empty_buffer);
	tcase_add_test(tc, cap_huge_n_does_not_wrap);
	tcase_add_test(tc, growth_keeps_content);
	tcase_add_test(tc, binary_content_with_nul);
	tcase_add_test(tc, reset_empties_and_allows_reuse);
	tcase_add_test(tc, reset_of_unused_buffer);
	tcase_add_test(tc, steal_hands_over_storage);
	tcase_add_test(tc, steal_of_empty_gives_empty_string);
	tcase_add_test(tc, free_twice_is_safe);
	suite_add_tcase(s, tc);

	tcase_add_test(ts, strfree_null_is_noop);
	tcase_add_test(ts, strdup_and_strndup);
	tcase_add_test(ts, wipe_zeroes);
	suite_add_tcase(s, ts);
	return s;
}

int main(void)
{
	Suite *suite = secret_suite();

	return tl_run_suite(suite, "unit-secret");
}
