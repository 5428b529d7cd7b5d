/*
 * test_report_safe.c — xp_report_put_safe (include/xp_report.h): what a
 * hostile banner or record contains must reach a terminal as visible
 * text. Control characters (C0, DEL, C1) are shown as \xNN; everything
 * else, including non-ASCII UTF-8, is written unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp_report.h"

/* What xp_report_put_safe writes for s; caller frees. */
static char *
put_safe(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    assert_non_null(fp);
    xp_report_put_safe(fp, s);
    assert_int_equal(fclose(fp), 0);
    assert_non_null(buf);
    assert_int_equal(strlen(buf), len);
    return buf;
}

static void
expect_safe(const char *s, const char *want)
{
    char *got = put_safe(s), copy[512];

    snprintf(copy, sizeof(copy), "%s", got);
    free(got);   /* before asserting: a failed assert must not leak */
    assert_string_equal(copy, want);
}

static void
put_safe__plain_ascii__unchanged(void **state)
{
    (void)state;
    expect_safe("220 mx.contoso.com ESMTP ready", "220 mx.contoso.com ESMTP ready");
}

static void
put_safe__empty__nothing_written(void **state)
{
    (void)state;
    expect_safe("", "");
}

static void
put_safe__esc_sequence__escaped(void **state)
{
    (void)state;
    expect_safe("a\x1b[2Jb", "a\\x1b[2Jb");
}

static void
put_safe__osc_title_sequence__escaped(void **state)
{
    (void)state;
    /* ESC ] 0 ; title BEL — would retitle the terminal */
    expect_safe("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07");
}

static void
put_safe__bel__escaped(void **state)
{
    (void)state;
    expect_safe("ding\a", "ding\\x07");
}

static void
put_safe__cr__escaped(void **state)
{
    (void)state;
    /* CR would let a banner overwrite what was printed before it */
    expect_safe("250 OK\rFAKE", "250 OK\\x0dFAKE");
}

static void
put_safe__del__escaped(void **state)
{
    (void)state;
    expect_safe("x\x7fy", "x\\x7fy");
}

static void
put_safe__other_c0__escaped_lower_hex(void **state)
{
    (void)state;
    expect_safe("\x01\x08\x0b\x0c\x1f", "\\x01\\x08\\x0b\\x0c\\x1f");
}

static void
put_safe__c1_csi__no_raw_control_byte(void **state)
{
    char *got;

    (void)state;
    /* U+009B CSI as UTF-8 (C2 9B): a one-character escape sequence start */
    got = put_safe("a\xC2\x9B" "2Jb");
    assert_null(strchr(got, 0xC2));
    assert_null(strchr(got, 0x9B));
    assert_non_null(strstr(got, "9b"));
    assert_int_equal(got[0], 'a');
    assert_string_equal(got + strlen(got) - 3, "2Jb");
    free(got);
}

static void
put_safe__c1_csi__shown_as_backslash_x_nn(void **state)
{
    (void)state;
    /* xp_report.h: control characters (C0, DEL, C1) are shown as \xNN */
    expect_safe("a\xC2\x9B" "2Jb", "a\\x9b2Jb");
}

static void
put_safe__c1_range_bounds__escaped(void **state)
{
    char *lo, *hi;

    (void)state;
    lo = put_safe("\xC2\x80");   /* U+0080 */
    hi = put_safe("\xC2\x9F");   /* U+009F */
    assert_null(strchr(lo, 0xC2));
    assert_null(strchr(hi, 0xC2));
    assert_non_null(strstr(lo, "80"));
    assert_non_null(strstr(hi, "9f"));
    free(lo);
    free(hi);
}

static void
put_safe__latin1_range_after_c1__unchanged(void **state)
{
    (void)state;
    /* U+00A0 NBSP and U+00BF ¿ share the C2 lead byte but are not controls */
    expect_safe("\xC2\xA0\xC2\xBF", "\xC2\xA0\xC2\xBF");
}

static void
put_safe__normal_utf8__unchanged(void **state)
{
    (void)state;
    /* é, €, U+1F600, ü */
    expect_safe("caf\xC3\xA9 10\xE2\x82\xAC \xF0\x9F\x98\x80 b\xC3\xBC" "cher",
                "caf\xC3\xA9 10\xE2\x82\xAC \xF0\x9F\x98\x80 b\xC3\xBC" "cher");
}

static void
put_safe__backslash__unchanged(void **state)
{
    (void)state;
    expect_safe("C:\\dir", "C:\\dir");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_safe__plain_ascii__unchanged),
        cmocka_unit_test(put_safe__empty__nothing_written),
        cmocka_unit_test(put_safe__esc_sequence__escaped),
        cmocka_unit_test(put_safe__osc_title_sequence__escaped),
        cmocka_unit_test(put_safe__bel__escaped),
        cmocka_unit_test(put_safe__cr__escaped),
        cmocka_unit_test(put_safe__del__escaped),
        cmocka_unit_test(put_safe__other_c0__escaped_lower_hex),
        cmocka_unit_test(put_safe__c1_csi__no_raw_control_byte),
        cmocka_unit_test(put_safe__c1_csi__shown_as_backslash_x_nn),
        cmocka_unit_test(put_safe__c1_range_bounds__escaped),
        cmocka_unit_test(put_safe__latin1_range_after_c1__unchanged),
        cmocka_unit_test(put_safe__normal_utf8__unchanged),
        cmocka_unit_test(put_safe__backslash__unchanged),
    };

    return cmocka_run_group_tests_name("report_safe", tests, NULL, NULL);
}
