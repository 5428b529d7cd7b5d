/*
 * test_dmarc.c — probes/dmarc.c: what is a DMARC record, every tag's
 * grammar, deprecated tags, report URIs, and the policy that applies
 * (sp at a subdomain, t=y and pct=0 one step lower).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "xp_dmarc.h"

static int
parse(const char *s, struct xp_dmarc *d)
{
    return xp_dmarc_parse(s, strlen(s), d);
}

static int
is_rec(const char *s)
{
    return xp_dmarc_is_record(s, strlen(s));
}

static void
is_record__version_first(void **state)
{
    (void)state;
    assert_true(is_rec("v=DMARC1; p=none"));
    assert_true(is_rec("v=DMARC1"));
    assert_true(is_rec("v=DMARC1 ;p=none"));
    assert_false(is_rec("v=DMARC10; p=none"));
    assert_false(is_rec("p=none; v=DMARC1"));
    assert_false(is_rec("v=spf1 -all"));
    assert_false(is_rec(" v=DMARC1"));
}

static void
parse__full_record(void **state)
{
    struct xp_dmarc d;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; "
                           "fo=1:d; t=n; psd=n; rua=mailto:a@contoso.com,mailto:b@Reports.Example; "
                           "ruf=mailto:f@contoso.com", &d), 0);
    assert_int_equal(d.p, XP_DMARC_P_REJECT);
    assert_int_equal(d.sp, XP_DMARC_P_QUARANTINE);
    assert_int_equal(d.np, XP_DMARC_P_REJECT);
    assert_int_equal(d.adkim, 's');
    assert_int_equal(d.aspf, 'r');
    assert_int_equal(d.psd, 'n');
    assert_int_equal(d.nrua, 2);
    assert_string_equal(d.rua[1].domain, "reports.example");
    assert_int_equal(d.nruf, 1);
    assert_int_equal(d.nproblems, 0);
    assert_int_equal(d.ndeprecated, 0);
    assert_string_equal(d.unknown, "");
}

static void
parse__bad_policy__fatal(void **state)
{
    struct xp_dmarc d;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=rejected", &d), -1);
    assert_true(d.fatal);
    assert_int_equal(parse("v=DMARC1; p=none; sp=block", &d), -1);
    assert_int_equal(parse("p=none; v=DMARC1", &d), -1);
    assert_int_equal(parse("v=DMARC1; p=none; p=reject", &d), -1);
}

static void
parse__bad_other_tags__not_fatal(void **state)
{
    struct xp_dmarc d;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=none; adkim=x; aspf=; fo=2; t=maybe; psd=q; np=x", &d),
                     0);
    assert_int_equal(d.nproblems, 6);
    assert_false(d.fatal);
    assert_int_equal(parse("v=DMARC1; p=none; pct=101", &d), 0);
    assert_int_equal(d.nproblems, 1);
    assert_int_equal(parse("v=DMARC1; p=none; rua=dmarc@contoso.com", &d), 0);
    assert_int_equal(d.nproblems, 1);
    assert_int_equal(d.nrua, 0);
    assert_int_equal(parse("v=DMARC1; p=none; rua=https://r.example/x", &d), 0);
    assert_non_null(strstr(d.problem[0], "mailto"));
    assert_int_equal(parse("v=DMARC1; p=none; rua=mailto:@x.example,mailto:a@", &d), 0);
    assert_int_equal(d.nproblems, 2);
}

static void
parse__deprecated_tags(void **state)
{
    struct xp_dmarc d;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=reject; pct=50; rf=afrf; ri=86400; "
                           "rua=mailto:a@contoso.com!10m", &d), 0);
    assert_int_equal(d.ndeprecated, 4);
    assert_int_equal(d.pct, 50);
    assert_int_equal(d.nrua, 1);
    assert_int_equal(d.rua[0].len, strlen("mailto:a@contoso.com"));
    assert_int_equal(d.nproblems, 0);
}

static void
parse__unknown_tags_listed(void **state)
{
    struct xp_dmarc d;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=none; foo=1; bar=2", &d), 0);
    assert_string_equal(d.unknown, "foo, bar");
}

static void
effective__policies(void **state)
{
    struct xp_dmarc d;

    (void)state;
    parse("v=DMARC1; p=reject; sp=none", &d);
    assert_int_equal(xp_dmarc_effective(&d, 0), XP_DMARC_P_REJECT);
    assert_int_equal(xp_dmarc_effective(&d, 1), XP_DMARC_P_NONE);
    parse("v=DMARC1; p=quarantine", &d);
    assert_int_equal(xp_dmarc_effective(&d, 1), XP_DMARC_P_QUARANTINE);
    parse("v=DMARC1; p=reject; t=y", &d);
    assert_int_equal(xp_dmarc_effective(&d, 0), XP_DMARC_P_QUARANTINE);
    parse("v=DMARC1; p=reject; pct=0", &d);
    assert_int_equal(xp_dmarc_effective(&d, 0), XP_DMARC_P_QUARANTINE);
    parse("v=DMARC1; rua=mailto:a@b.example", &d);
    assert_int_equal(d.p, XP_DMARC_P_NONE_SET);
    assert_int_equal(xp_dmarc_effective(&d, 0), XP_DMARC_P_NONE);
}

static void
parse__length_respected(void **state)
{
    static const char txt[] = "v=DMARC1; p=reject; p=none";
    struct xp_dmarc d;

    (void)state;
    assert_int_equal(xp_dmarc_parse(txt, 19, &d), 0);
    assert_int_equal(d.p, XP_DMARC_P_REJECT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(is_record__version_first),
        cmocka_unit_test(parse__full_record),
        cmocka_unit_test(parse__bad_policy__fatal),
        cmocka_unit_test(parse__bad_other_tags__not_fatal),
        cmocka_unit_test(parse__deprecated_tags),
        cmocka_unit_test(parse__unknown_tags_listed),
        cmocka_unit_test(effective__policies),
        cmocka_unit_test(parse__length_respected),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
