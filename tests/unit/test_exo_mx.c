/*
 * test_exo_mx.c — the shared Exchange Online MX rule (probes/exo_mx.c):
 * legacy vs DNSSEC MX, sovereign suffixes, look-alikes, MX-set states,
 * the migration's next step and the MTA-STS pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "xp_exo.h"

static enum xp_exo_kind
kind(const char *h)
{
    return xp_exo_mx_classify(h, NULL, NULL);
}

static void
test_legacy(void **state)
{
    struct xp_exo_mx m;

    (void)state;
    assert_int_equal(xp_exo_mx_classify("contoso-com.mail.protection.outlook.com", NULL, &m),
                     XP_EXO_LEGACY);
    assert_string_equal(m.cloud, "worldwide");
    assert_string_equal(m.zone, "mail.protection.outlook.com");
    assert_int_equal(kind("CONTOSO-COM.Mail.Protection.Outlook.COM."), XP_EXO_LEGACY);
    assert_int_equal(xp_exo_mx_classify("contoso-us.mail.protection.office365.us", NULL, &m),
                     XP_EXO_LEGACY);
    assert_string_equal(m.cloud, "gcc-high");
    assert_int_equal(xp_exo_mx_classify("contoso-cn.mail.protection.partner.outlook.cn", NULL,
                                        &m), XP_EXO_LEGACY);
    assert_string_equal(m.cloud, "21vianet");
    assert_int_equal(kind("x.mail.protection.outlook.de"), XP_EXO_LEGACY);
}

static void
test_dnssec(void **state)
{
    struct xp_exo_mx m;

    (void)state;
    assert_int_equal(xp_exo_mx_classify("contoso-com.j-v1.mx.microsoft", NULL, &m),
                     XP_EXO_DNSSEC);
    assert_string_equal(m.zone, "j-v1.mx.microsoft");
    assert_int_equal(kind("icewolf-li.h-v1.mx.microsoft."), XP_EXO_DNSSEC);
    assert_int_equal(kind("A-B.Z-V1.MX.MICROSOFT"), XP_EXO_DNSSEC);
    assert_int_equal(kind("contoso-com.j-v2.mx.microsoft"), XP_EXO_DNSSEC);
}

static void
test_not_exo(void **state)
{
    (void)state;
    /* the suffixes themselves: no tenant label */
    assert_int_equal(kind("mail.protection.outlook.com"), XP_EXO_NOT);
    assert_int_equal(kind("j-v1.mx.microsoft"), XP_EXO_NOT);
    assert_int_equal(kind("mx.microsoft"), XP_EXO_NOT);
    /* look-alikes */
    assert_int_equal(kind("contoso.mx.microsoft"), XP_EXO_NOT);        /* no <x>-v1 label */
    assert_int_equal(kind("contoso-com.j-v1.mx.microsoft.evil.test"), XP_EXO_NOT);
    assert_int_equal(kind("contoso-com.j-v1.mx-microsoft.test"), XP_EXO_NOT);
    assert_int_equal(kind("contoso.jv1.mx.microsoft"), XP_EXO_NOT);
    assert_int_equal(kind("contoso.j-v.mx.microsoft"), XP_EXO_NOT);
    assert_int_equal(kind("contoso.-v1.mx.microsoft"), XP_EXO_NOT);
    assert_int_equal(kind(".j-v1.mx.microsoft"), XP_EXO_NOT);          /* empty tenant label */
    assert_int_equal(kind("a..j-v1.mx.microsoft"), XP_EXO_NOT);
    assert_int_equal(kind(".ontos-com.mail.protection.outlook.com"), XP_EXO_NOT); /* fuzz */
    assert_int_equal(kind("xmail.protection.outlook.com"), XP_EXO_NOT);
    assert_int_equal(kind("mail.contoso.com"), XP_EXO_NOT);
    assert_int_equal(kind(""), XP_EXO_NOT);
    assert_int_equal(kind(NULL), XP_EXO_NOT);
    assert_false(xp_exo_mx_is_exo("mail.contoso.com", NULL));
}

static void
test_extra_suffix(void **state)
{
    struct xp_exo_mx m;

    (void)state;
    assert_int_equal(xp_exo_mx_classify("t.eop.example", "eop.example", &m), XP_EXO_LEGACY);
    assert_string_equal(m.cloud, "custom");
    assert_int_equal(xp_exo_mx_classify("t.eop.example", "", &m), XP_EXO_NOT);
    assert_true(xp_exo_mx_is_exo("t.mail.protection.outlook.com", "eop.example"));
}

static enum xp_exo_state
state_of(const char *const *hosts, const int *prefs, size_t n, struct xp_exo_mx_set *s)
{
    size_t i;

    xp_exo_mx_set_init(s);
    for (i = 0; i < n; i++)
        xp_exo_mx_set_add(s, hosts[i], prefs[i], NULL);
    return xp_exo_mx_set_state(s);
}

static void
test_set_states(void **state)
{
    static const char *const legacy[] = { "c-com.mail.protection.outlook.com" };
    static const char *const dnssec[] = { "c-com.j-v1.mx.microsoft" };
    static const char *const migr[] = { "c-com.mail.protection.outlook.com",
                                        "c-com.j-v1.mx.microsoft" };
    static const char *const mixed[] = { "c-com.j-v1.mx.microsoft", "backup.c.com" };
    static const char *const cust[] = { "mx1.c.com", "mx2.c.com" };
    static const int prefs[] = { 0, 20 };
    struct xp_exo_mx_set s;
    char buf[512];

    (void)state;
    assert_int_equal(state_of(legacy, prefs, 1, &s), XP_EXO_SET_LEGACY);
    assert_int_equal(state_of(dnssec, prefs, 1, &s), XP_EXO_SET_DNSSEC);
    assert_int_equal(state_of(mixed, prefs, 2, &s), XP_EXO_SET_MIXED);
    assert_int_equal(state_of(cust, prefs, 2, &s), XP_EXO_SET_CUSTOMER);
    assert_int_equal(state_of(cust, prefs, 0, &s), XP_EXO_SET_EMPTY);
    xp_exo_migration_next_step(&s, "c.com", buf, sizeof(buf));
    assert_string_equal(buf, "");

    /* legacy preferred (0), new at 20: swap the priorities first */
    assert_int_equal(state_of(migr, prefs, 2, &s), XP_EXO_SET_MIGRATION);
    assert_int_equal(s.legacy_pref, 0);
    assert_int_equal(s.dnssec_pref, 20);
    xp_exo_migration_next_step(&s, "c.com", buf, sizeof(buf));
    assert_non_null(strstr(buf, "preference 0"));
    assert_non_null(strstr(buf, "Enable-SmtpDaneInbound -DomainName c.com"));

    /* new preferred: remove the legacy MX */
    {
        static const int swapped[] = { 30, 0 };

        state_of(migr, swapped, 2, &s);
        xp_exo_migration_next_step(&s, "c.com", buf, sizeof(buf));
        assert_non_null(strstr(buf, "already preferred"));
        assert_non_null(strstr(buf, "delete the legacy"));
    }
}

static void
test_sts_pattern(void **state)
{
    char buf[128];

    (void)state;
    assert_true(xp_exo_mx_sts_pattern("contoso-com.J-v1.mx.microsoft.", buf, sizeof(buf)));
    assert_string_equal(buf, "*.j-v1.mx.microsoft");
    assert_true(xp_exo_mx_sts_pattern("c-com.mail.protection.outlook.com", buf, sizeof(buf)));
    assert_string_equal(buf, "*.mail.protection.outlook.com");
    assert_false(xp_exo_mx_sts_pattern("mail.contoso.com", buf, sizeof(buf)));
    assert_string_equal(buf, "");
    assert_false(xp_exo_mx_sts_pattern("c-com.j-v1.mx.microsoft", buf, 5));
}

static void
test_tenant_label(void **state)
{
    char buf[64];

    (void)state;
    xp_exo_tenant_label("Contoso.co.uk.", buf, sizeof(buf));
    assert_string_equal(buf, "contoso-co-uk");
    xp_exo_tenant_label("contoso.com", buf, 5);
    assert_string_equal(buf, "cont");
    assert_string_equal(xp_exo_kind_name(XP_EXO_DNSSEC), "dnssec");
    assert_string_equal(xp_exo_kind_name(XP_EXO_NOT), "customer");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy),       cmocka_unit_test(test_dnssec),
        cmocka_unit_test(test_not_exo),      cmocka_unit_test(test_extra_suffix),
        cmocka_unit_test(test_set_states),   cmocka_unit_test(test_sts_pattern),
        cmocka_unit_test(test_tenant_label),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
