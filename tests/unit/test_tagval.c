/*
 * test_tagval.c — probes/tagval.c: the tag=value lists of DKIM, DMARC,
 * MTA-STS and TLS-RPT TXT records (whitespace, empty values, empty specs,
 * duplicates, bad names and values, bounds, bytes past the length).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "xp_tagval.h"

static int
parse(const char *s, struct xp_tags *t, struct xp_tags_error *e)
{
    return xp_tags_parse(s, strlen(s), t, e);
}

static void
assert_tag(const struct xp_tags *t, const char *name, const char *value)
{
    const struct xp_tag *tag = xp_tags_get(t, name);

    assert_non_null(tag);
    assert_int_equal(tag->valuelen, strlen(value));
    assert_memory_equal(tag->value, value, tag->valuelen);
}

static void
parse__dmarc__tags(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=reject; rua=mailto:d@contoso.com", &t, NULL), 0);
    assert_int_equal(t.n, 3);
    assert_true(xp_tags_first_is(&t, "v", "DMARC1"));
    assert_tag(&t, "p", "reject");
    assert_tag(&t, "rua", "mailto:d@contoso.com");
    assert_null(xp_tags_get(&t, "sp"));
}

static void
parse__whitespace__trimmed(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(parse("  v = DMARC1 ;\tp=\tquarantine\t;  pct = 50 ", &t, NULL), 0);
    assert_int_equal(t.n, 3);
    assert_true(xp_tags_first_is(&t, "v", "DMARC1"));
    assert_tag(&t, "p", "quarantine");
    assert_tag(&t, "pct", "50");
}

static void
parse__folded_value__inner_whitespace_kept(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(parse("v=DKIM1; k=rsa; p=MIIB IjAN\r\n Bgkq", &t, NULL), 0);
    assert_tag(&t, "p", "MIIB IjAN\r\n Bgkq");
}

static void
parse__empty_value__kept(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(parse("v=DKIM1; p=", &t, NULL), 0);
    assert_tag(&t, "p", "");
    assert_int_equal(parse("v=DKIM1; p= ; t=y", &t, NULL), 0);
    assert_tag(&t, "p", "");
    assert_tag(&t, "t", "y");
}

static void
parse__trailing_and_empty_specs__counted(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=none;", &t, NULL), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.empty, 0);
    assert_int_equal(parse("v=DMARC1;; p=none; ;", &t, NULL), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.empty, 2);
    assert_int_equal(parse("", &t, NULL), 0);
    assert_int_equal(t.n, 0);
}

static void
parse__duplicate__error_names_tag(void **state)
{
    struct xp_tags t;
    struct xp_tags_error e;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=none; p=reject", &t, &e), -1);
    assert_string_equal(e.reason, "duplicate tag");
    assert_string_equal(e.name, "p");
    assert_int_equal(e.offset, strlen("v=DMARC1; p=none; "));
    /* names are case-sensitive: P and p are two tags */
    assert_int_equal(parse("v=DMARC1; p=none; P=reject", &t, &e), 0);
}

static void
parse__no_equals__error(void **state)
{
    struct xp_tags t;
    struct xp_tags_error e;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p", &t, &e), -1);
    assert_non_null(strstr(e.reason, "'='"));
    assert_int_equal(e.offset, 10);
    assert_int_equal(t.n, 1);     /* the tags before the error are kept */
}

static void
parse__bad_names__error(void **state)
{
    struct xp_tags t;
    struct xp_tags_error e;

    (void)state;
    assert_int_equal(parse("=x", &t, &e), -1);
    assert_non_null(strstr(e.reason, "empty name"));
    assert_int_equal(parse("v=DMARC1; p r=x", &t, &e), -1);
    assert_string_equal(e.name, "p r");
    assert_int_equal(parse("_x=1", &t, &e), -1);
    assert_int_equal(parse("v=DMARC1; a@b=1", &t, &e), -1);
    assert_int_equal(parse("abcdefghijabcdefghijabcdefghijabc=1", &t, &e), -1);
    assert_non_null(strstr(e.reason, "32"));
    /* MTA-STS / TLS-RPT field names may hold '-', '.', '_' */
    assert_int_equal(parse("v=STSv1; id=20260101T0000; ext-field.x_y=1", &t, &e), 0);
}

static void
parse__bad_value_bytes__error(void **state)
{
    static const char nul[] = "v=DMARC1; p=no\0ne";
    static const char hi[] = "v=DMARC1; p=n\xc3\xa9";
    struct xp_tags t;
    struct xp_tags_error e;

    (void)state;
    assert_int_equal(xp_tags_parse(nul, sizeof(nul) - 1, &t, &e), -1);
    assert_int_equal(e.offset, 14);
    assert_string_equal(e.name, "p");
    assert_int_equal(xp_tags_parse(hi, sizeof(hi) - 1, &t, &e), -1);
    assert_int_equal(parse("v=DMARC1; p=\x01", &t, &e), -1);
}

static void
parse__too_many__error(void **state)
{
    char buf[1024];
    size_t len = 0;
    struct xp_tags t;
    struct xp_tags_error e;
    int i;

    (void)state;
    for (i = 0; i < XP_TAGS_MAX; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "t%d=1;", i);
    assert_int_equal(xp_tags_parse(buf, len, &t, &e), 0);
    assert_int_equal(t.n, XP_TAGS_MAX);
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "x=1");
    assert_int_equal(xp_tags_parse(buf, len, &t, &e), -1);
    assert_non_null(strstr(e.reason, "more than"));
}

static void
parse__length_respected(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(xp_tags_parse("v=DMARC1; p=none; p=x", 16, &t, NULL), 0);
    assert_tag(&t, "p", "none");
}

static void
first_is__exact(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(parse("p=none; v=DMARC1", &t, NULL), 0);
    assert_false(xp_tags_first_is(&t, "v", "DMARC1"));
    assert_int_equal(parse("v=dmarc1; p=none", &t, NULL), 0);
    assert_false(xp_tags_first_is(&t, "v", "DMARC1"));
    assert_int_equal(parse("v=DMARC10", &t, NULL), 0);
    assert_false(xp_tags_first_is(&t, "v", "DMARC1"));
    assert_int_equal(parse("", &t, NULL), 0);
    assert_false(xp_tags_first_is(&t, "v", "DMARC1"));
}

static void
tag_is__case_insensitive(void **state)
{
    struct xp_tags t;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=Reject", &t, NULL), 0);
    assert_true(xp_tag_is(xp_tags_get(&t, "p"), "reject"));
    assert_false(xp_tag_is(xp_tags_get(&t, "p"), "rejec"));
    assert_false(xp_tag_is(xp_tags_get(&t, "sp"), "reject"));
}

static void
next_item__commas(void **state)
{
    struct xp_tags t;
    const struct xp_tag *rua;
    const char *item;
    size_t len, pos = 0;

    (void)state;
    assert_int_equal(parse("v=DMARC1; rua=mailto:a@x.test , mailto:b@y.test!10m,", &t, NULL), 0);
    rua = xp_tags_get(&t, "rua");
    assert_true(xp_tag_next_item(rua, ',', &pos, &item, &len));
    assert_int_equal(len, strlen("mailto:a@x.test"));
    assert_memory_equal(item, "mailto:a@x.test", len);
    assert_true(xp_tag_next_item(rua, ',', &pos, &item, &len));
    assert_memory_equal(item, "mailto:b@y.test!10m", len);
    assert_true(xp_tag_next_item(rua, ',', &pos, &item, &len));
    assert_int_equal(len, 0);
    assert_false(xp_tag_next_item(rua, ',', &pos, &item, &len));
    pos = 0;
    assert_int_equal(parse("rua=", &t, NULL), 0);
    assert_false(xp_tag_next_item(xp_tags_get(&t, "rua"), ',', &pos, &item, &len));
    assert_false(xp_tag_next_item(NULL, ',', &pos, &item, &len));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse__dmarc__tags),
        cmocka_unit_test(parse__whitespace__trimmed),
        cmocka_unit_test(parse__folded_value__inner_whitespace_kept),
        cmocka_unit_test(parse__empty_value__kept),
        cmocka_unit_test(parse__trailing_and_empty_specs__counted),
        cmocka_unit_test(parse__duplicate__error_names_tag),
        cmocka_unit_test(parse__no_equals__error),
        cmocka_unit_test(parse__bad_names__error),
        cmocka_unit_test(parse__bad_value_bytes__error),
        cmocka_unit_test(parse__too_many__error),
        cmocka_unit_test(parse__length_respected),
        cmocka_unit_test(first_is__exact),
        cmocka_unit_test(tag_is__case_insensitive),
        cmocka_unit_test(next_item__commas),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
