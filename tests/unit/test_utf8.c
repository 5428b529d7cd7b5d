/*
 * test_utf8.c — xp_utf8_clean (include/xp_model.h): the one gate through
 * which network bytes become model text. Contract: the result is valid
 * UTF-8 (RFC 3629), holds no NUL, every invalid byte becomes U+FFFD,
 * at most max bytes long, "…" marks a cut, a cut never splits a sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp_model.h"

#define FFFD "\xEF\xBF\xBD"
#define ELLIPSIS "\xE2\x80\xA6"

/* Clean n bytes of s with cap max and compare with want (NUL-terminated). */
static void
expect_clean(const char *s, size_t n, size_t max, const char *want)
{
    char *got = xp_utf8_clean(s, n, max), copy[512];

    assert_non_null(got);
    snprintf(copy, sizeof(copy), "%s", got);
    free(got);   /* before asserting: a failed assert must not leak */
    assert_string_equal(copy, want);
}

/* An independent RFC 3629 validator: 1 if s is valid UTF-8 without NUL. */
static int
valid_utf8(const unsigned char *s, size_t n, int *cut_inside)
{
    size_t i = 0;

    *cut_inside = 0;
    while (i < n) {
        unsigned c = s[i], cp, need, k;

        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + need >= n) {   /* sequence runs past the end */
            *cut_inside = 1;
            return 0;
        }
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* ---- passthrough ---- */

static void
utf8_clean__ascii__passed_through(void **state)
{
    (void)state;
    expect_clean("Hello, world! 220 mx.contoso.com ESMTP", 38, 4096,
                 "Hello, world! 220 mx.contoso.com ESMTP");
}

static void
utf8_clean__empty_input__empty_string(void **state)
{
    (void)state;
    expect_clean("", 0, 4096, "");
}

static void
utf8_clean__explicit_length__only_n_bytes_read(void **state)
{
    (void)state;
    expect_clean("abcdef", 3, 4096, "abc");
}

static void
utf8_clean__valid_two_byte__kept(void **state)
{
    (void)state;
    /* é U+00E9, ß U+00DF, U+0080 (smallest 2-byte), U+07FF (largest) */
    expect_clean("caf\xC3\xA9 \xC3\x9F \xC2\x80 \xDF\xBF", 14, 4096,
                 "caf\xC3\xA9 \xC3\x9F \xC2\x80 \xDF\xBF");
}

static void
utf8_clean__valid_three_byte__kept(void **state)
{
    (void)state;
    /* € U+20AC, U+0800 (smallest 3-byte), U+D7FF, U+E000, U+FFFF */
    const char s[] = "\xE2\x82\xAC\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF";

    expect_clean(s, sizeof(s) - 1, 4096, s);
}

static void
utf8_clean__valid_four_byte__kept(void **state)
{
    (void)state;
    /* U+1F600, U+10000 (smallest 4-byte), U+10FFFF (largest code point) */
    const char s[] = "\xF0\x9F\x98\x80\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";

    expect_clean(s, sizeof(s) - 1, 4096, s);
}

/* ---- invalid input: each invalid byte becomes one U+FFFD ---- */

static void
utf8_clean__byte_ff__replaced(void **state)
{
    (void)state;
    expect_clean("a\xFF" "b", 3, 4096, "a" FFFD "b");
}

static void
utf8_clean__bytes_f5_to_fe__replaced(void **state)
{
    (void)state;
    expect_clean("\xF5\xF8\xFC\xFE", 4, 4096, FFFD FFFD FFFD FFFD);
}

static void
utf8_clean__lone_continuation_byte__replaced(void **state)
{
    (void)state;
    expect_clean("a\x80" "b", 3, 4096, "a" FFFD "b");
}

static void
utf8_clean__overlong_c0_af__replaced(void **state)
{
    (void)state;
    /* C0 AF is an overlong '/': both bytes invalid */
    expect_clean("\xC0\xAF", 2, 4096, FFFD FFFD);
}

static void
utf8_clean__overlong_c1_bf__replaced(void **state)
{
    (void)state;
    expect_clean("x\xC1\xBFy", 4, 4096, "x" FFFD FFFD "y");
}

static void
utf8_clean__overlong_e0_80_80__replaced(void **state)
{
    (void)state;
    expect_clean("\xE0\x80\x80", 3, 4096, FFFD FFFD FFFD);
}

static void
utf8_clean__overlong_f0_80_80_80__replaced(void **state)
{
    (void)state;
    expect_clean("\xF0\x80\x80\x80", 4, 4096, FFFD FFFD FFFD FFFD);
}

static void
utf8_clean__surrogate_ed_a0_80__replaced(void **state)
{
    (void)state;
    expect_clean("\xED\xA0\x80", 3, 4096, FFFD FFFD FFFD);
}

static void
utf8_clean__surrogate_ed_bf_bf__replaced(void **state)
{
    (void)state;
    expect_clean("\xED\xBF\xBF", 3, 4096, FFFD FFFD FFFD);
}

static void
utf8_clean__above_10ffff__replaced(void **state)
{
    (void)state;
    expect_clean("\xF4\x90\x80\x80", 4, 4096, FFFD FFFD FFFD FFFD);
}

static void
utf8_clean__truncated_sequence_at_end__replaced(void **state)
{
    (void)state;
    /* The first two bytes of € at the end: no byte survives raw. */
    expect_clean("ab\xE2\x82", 4, 4096, "ab" FFFD FFFD);
}

static void
utf8_clean__truncated_sequence_mid_string__replaced_and_rest_kept(void **state)
{
    (void)state;
    /* F0 9F then ASCII: the lead and its continuation are replaced. */
    expect_clean("\xF0\x9F" "ok", 4, 4096, FFFD FFFD "ok");
}

static void
utf8_clean__lead_byte_alone_at_end__replaced(void **state)
{
    (void)state;
    expect_clean("z\xC3", 2, 4096, "z" FFFD);
}

static void
utf8_clean__embedded_nul__replaced(void **state)
{
    (void)state;
    expect_clean("a\0b", 3, 4096, "a" FFFD "b");
}

static void
utf8_clean__all_nul__replaced_each(void **state)
{
    (void)state;
    expect_clean("\0\0", 2, 4096, FFFD FFFD);
}

/* ---- the cap ---- */

static void
utf8_clean__short_input__no_ellipsis(void **state)
{
    (void)state;
    expect_clean("abc", 3, 16, "abc");
}

static void
utf8_clean__long_ascii__cut_with_ellipsis(void **state)
{
    (void)state;
    /* 16 bytes allowed: 13 of text + 3 of "…" */
    expect_clean("abcdefghijklmnopqrstuvwxyz", 26, 16, "abcdefghijklm" ELLIPSIS);
}

static void
utf8_clean__length_equal_to_max__kept_whole(void **state)
{
    (void)state;
    /* "capped at max bytes": a string of exactly max bytes fits, no cut. */
    expect_clean("0123456789abcdef", 16, 16, "0123456789abcdef");
}

static void
utf8_clean__length_one_below_max__kept_whole(void **state)
{
    (void)state;
    expect_clean("0123456789abcde", 15, 16, "0123456789abcde");
}

static void
utf8_clean__two_byte_run__cut_between_sequences(void **state)
{
    (void)state;
    /* 20 × é (40 bytes), max 16: 6 é (12 bytes) + … = 15 bytes */
    const char *e = "\xC3\xA9";
    char in[41] = "";
    int i;

    for (i = 0; i < 20; i++)
        strcat(in, e);
    expect_clean(in, 40, 16,
                 "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9" ELLIPSIS);
}

static void
utf8_clean__three_byte_run__cut_between_sequences(void **state)
{
    (void)state;
    /* 10 × € (30 bytes), max 16: 4 € (12 bytes) + … */
    const char *eur = "\xE2\x82\xAC";
    char in[31] = "";
    int i;

    for (i = 0; i < 10; i++)
        strcat(in, eur);
    expect_clean(in, 30, 16, "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC" ELLIPSIS);
}

static void
utf8_clean__four_byte_run__cut_between_sequences(void **state)
{
    (void)state;
    /* 5 × U+1F600 (20 bytes), max 16: 3 (12 bytes) + … */
    const char *smile = "\xF0\x9F\x98\x80";
    char in[21] = "";
    int i;

    for (i = 0; i < 5; i++)
        strcat(in, smile);
    expect_clean(in, 20, 16,
                 "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80" ELLIPSIS);
}

static void
utf8_clean__replacements_count_toward_cap(void **state)
{
    (void)state;
    /* 10 invalid bytes → would be 30 bytes; max 16: 4 U+FFFD + … */
    expect_clean("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 10, 16,
                 FFFD FFFD FFFD FFFD ELLIPSIS);
}

static void
utf8_clean__any_cap__bounded_valid_terminated(void **state)
{
    /* Property sweep: mixed valid/invalid input, every cap from 8 to 64. */
    static const char mix[] =
        "ab\xC3\xA9" "c\xE2\x82\xAC" "d\xF0\x9F\x98\x80" "\xFF" "e\xC0\xAF"
        "\xED\xA0\x80" "f\x00g\xF4\x90\x80\x80" "hij\xE2\x82";
    size_t n = sizeof(mix) - 1, max;

    (void)state;
    for (max = 8; max <= 64; max++) {
        char *got = xp_utf8_clean(mix, n, max);
        size_t len;
        int cut_inside, ok;

        assert_non_null(got);
        len = strlen(got);
        ok = valid_utf8((const unsigned char *)got, len, &cut_inside);
        free(got);
        if (len > max)
            fail_msg("max %zu: output is %zu bytes", max, len);
        if (!ok)
            fail_msg("max %zu: output not valid UTF-8 (cut inside a sequence: %d)", max,
                     cut_inside);
    }
}

static void
utf8_clean__cut__ends_with_ellipsis(void **state)
{
    char in[200];
    size_t max;

    (void)state;
    memset(in, 'x', sizeof(in));
    for (max = 8; max < 100; max++) {
        char *got = xp_utf8_clean(in, sizeof(in), max);
        size_t len = strlen(got);
        int ends = len >= 3 && memcmp(got + len - 3, ELLIPSIS, 3) == 0;

        free(got);
        if (len > max || !ends)
            fail_msg("max %zu: %zu bytes, ends with ellipsis: %d", max, len, ends);
    }
}

static void
utf8_clean__result__always_nul_terminated_fresh_copy(void **state)
{
    const char src[4] = { 'a', 'b', 'c', 'd' };   /* not NUL-terminated */
    char *got;

    (void)state;
    got = xp_utf8_clean(src, 4, 4096);
    assert_non_null(got);
    assert_ptr_not_equal(got, src);
    assert_int_equal(got[4], '\0');
    assert_string_equal(got, "abcd");
    free(got);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_clean__ascii__passed_through),
        cmocka_unit_test(utf8_clean__empty_input__empty_string),
        cmocka_unit_test(utf8_clean__explicit_length__only_n_bytes_read),
        cmocka_unit_test(utf8_clean__valid_two_byte__kept),
        cmocka_unit_test(utf8_clean__valid_three_byte__kept),
        cmocka_unit_test(utf8_clean__valid_four_byte__kept),
        cmocka_unit_test(utf8_clean__byte_ff__replaced),
        cmocka_unit_test(utf8_clean__bytes_f5_to_fe__replaced),
        cmocka_unit_test(utf8_clean__lone_continuation_byte__replaced),
        cmocka_unit_test(utf8_clean__overlong_c0_af__replaced),
        cmocka_unit_test(utf8_clean__overlong_c1_bf__replaced),
        cmocka_unit_test(utf8_clean__overlong_e0_80_80__replaced),
        cmocka_unit_test(utf8_clean__overlong_f0_80_80_80__replaced),
        cmocka_unit_test(utf8_clean__surrogate_ed_a0_80__replaced),
        cmocka_unit_test(utf8_clean__surrogate_ed_bf_bf__replaced),
        cmocka_unit_test(utf8_clean__above_10ffff__replaced),
        cmocka_unit_test(utf8_clean__truncated_sequence_at_end__replaced),
        cmocka_unit_test(utf8_clean__truncated_sequence_mid_string__replaced_and_rest_kept),
        cmocka_unit_test(utf8_clean__lead_byte_alone_at_end__replaced),
        cmocka_unit_test(utf8_clean__embedded_nul__replaced),
        cmocka_unit_test(utf8_clean__all_nul__replaced_each),
        cmocka_unit_test(utf8_clean__short_input__no_ellipsis),
        cmocka_unit_test(utf8_clean__long_ascii__cut_with_ellipsis),
        cmocka_unit_test(utf8_clean__length_equal_to_max__kept_whole),
        cmocka_unit_test(utf8_clean__length_one_below_max__kept_whole),
        cmocka_unit_test(utf8_clean__two_byte_run__cut_between_sequences),
        cmocka_unit_test(utf8_clean__three_byte_run__cut_between_sequences),
        cmocka_unit_test(utf8_clean__four_byte_run__cut_between_sequences),
        cmocka_unit_test(utf8_clean__replacements_count_toward_cap),
        cmocka_unit_test(utf8_clean__any_cap__bounded_valid_terminated),
        cmocka_unit_test(utf8_clean__cut__ends_with_ellipsis),
        cmocka_unit_test(utf8_clean__result__always_nul_terminated_fresh_copy),
    };

    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
