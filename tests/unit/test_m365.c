/*
 * test_m365.c — probes/m365.c: the verification MX, the BPOS label, the
 * per-cloud values of --expect cloud.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "xp_m365.h"

static void
verification_mx__forms(void **state)
{
    char code[11];

    (void)state;
    assert_true(xp_m365_verification_mx("ms12345678.msv1.invalid", code));
    assert_string_equal(code, "ms12345678");
    assert_true(xp_m365_verification_mx("MS12345678.MSV1.INVALID.", code));
    assert_string_equal(code, "ms12345678");
    assert_false(xp_m365_verification_mx("ms1234567.msv1.invalid", NULL));
    assert_false(xp_m365_verification_mx("ms123456789.msv1.invalid", NULL));
    assert_false(xp_m365_verification_mx("ms12345678.msv1.invalid.example", NULL));
    assert_false(xp_m365_verification_mx("xx12345678.msv1.invalid", NULL));
    assert_false(xp_m365_verification_mx("contoso-com.mail.protection.outlook.com", NULL));
    assert_false(xp_m365_verification_mx("", NULL));
    assert_false(xp_m365_verification_mx(NULL, NULL));
}

static void
bpos_label__forms(void **state)
{
    (void)state;
    assert_true(xp_m365_bpos_label("ms11111111", 10));
    assert_false(xp_m365_bpos_label("ms1111111x", 10));
    assert_false(xp_m365_bpos_label("ms11111111", 9));
}

static void
cloud__values(void **state)
{
    const struct xp_m365_cloud *c;

    (void)state;
    c = xp_m365_cloud("21Vianet");
    assert_non_null(c);
    assert_true(c->msoid_required);
    assert_string_equal(c->spf_include, "spf.protection.partner.outlook.cn");
    c = xp_m365_cloud("gcchigh");
    assert_string_equal(c->spf_include, "spf.protection.office365.us");
    assert_false(c->msoid_required);
    assert_string_equal(xp_m365_cloud("worldwide")->mx_suffix, "mail.protection.outlook.com");
    assert_non_null(xp_m365_cloud("dod"));
    assert_null(xp_m365_cloud("germany"));
}

static void
cloud_host__microsofts_and_not_the_organisations(void **state)
{
    (void)state;
    assert_true(xp_m365_cloud_host("outlook.office365.com"));
    assert_true(xp_m365_cloud_host("autodiscover-s.outlook.com"));
    assert_true(xp_m365_cloud_host("contoso-com.mail.protection.outlook.com"));
    assert_true(xp_m365_cloud_host("contoso-com.o-v1.mx.microsoft"));
    assert_true(xp_m365_cloud_host("login.microsoftonline.com"));
    assert_true(xp_m365_cloud_host("sipdir.online.lync.com"));
    assert_true(xp_m365_cloud_host("outlook.office.com."));
    assert_false(xp_m365_cloud_host("mail.contoso.com"));
    assert_false(xp_m365_cloud_host("notoutlook.com"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verification_mx__forms),
        cmocka_unit_test(bpos_label__forms),
        cmocka_unit_test(cloud__values),
        cmocka_unit_test(cloud_host__microsofts_and_not_the_organisations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
