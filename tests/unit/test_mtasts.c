/*
 * test_mtasts.c — MTA-STS / TLS-RPT text (probes/mtasts.c): the policy
 * parser (RFC 8461 3.2), the mx: pattern (a "*." is one label: the
 * *.mx.microsoft trap), the _mta-sts and _smtp._tls TXT records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "xp_mtasts.h"

static int
parse(const char *body, struct xp_sts_policy *p)
{
    return xp_sts_policy_parse(body, strlen(body), p);
}

static void
test_policy_valid(void **state)
{
    struct xp_sts_policy p;

    (void)state;
    assert_int_equal(parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                           "mx: *.example.net\r\nmax_age: 604800\r\n", &p), 0);
    assert_int_equal(p.mode, XP_STS_ENFORCE);
    assert_int_equal(p.max_age, 604800);
    assert_int_equal(p.nmx, 2);
    assert_string_equal(p.mx[1], "*.example.net");
    /* LF only, spaces around, unknown keys, no final newline */
    assert_int_equal(parse("version: STSv1\nmode:testing\n  mx :  a.b  \nfoo: bar\n"
                           "max_age: 0", &p), 0);
    assert_int_equal(p.mode, XP_STS_TESTING);
    assert_string_equal(p.mx[0], "a.b");
    /* mode none needs no mx */
    assert_int_equal(parse("version: STSv1\nmode: none\nmax_age: 86400\n", &p), 0);
    assert_string_equal(xp_sts_mode_name(p.mode), "none");
}

static void
test_policy_invalid(void **state)
{
    struct xp_sts_policy p;

    (void)state;
    assert_int_equal(parse("mode: enforce\nmx: a.b\nmax_age: 1\n", &p), -1);
    assert_non_null(strstr(p.error, "version"));
    assert_int_equal(parse("version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n", &p), -1);
    assert_non_null(strstr(p.error, "STSv2"));
    assert_int_equal(parse("version: STSv1\nmode: strict\nmx: a.b\nmax_age: 1\n", &p), -1);
    assert_non_null(strstr(p.error, "strict"));
    assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n", &p),
                     -1);
    assert_non_null(strstr(p.error, "max_age"));
    assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 1w\n", &p), -1);
    assert_int_equal(parse("version: STSv1\nmode: enforce\nmax_age: 60\n", &p), -1);
    assert_non_null(strstr(p.error, "no mx"));
    assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.b\n", &p), -1);
    assert_non_null(strstr(p.error, "max_age"));
    assert_int_equal(parse("<html>404</html>\n", &p), -1);
    assert_int_equal(parse("mode: enforce\nversion: STSv1\nmx: a.b\nmax_age: 1\n", &p), -1);
    assert_non_null(strstr(p.error, "first line"));
    {
        char body[] = "version: STSv1\nmode: enforce\nmx: a\0b\nmax_age: 1\n";

        assert_int_equal(xp_sts_policy_parse(body, sizeof(body) - 1, &p), -1);
        assert_non_null(strstr(p.error, "NUL"));
    }
    {
        size_t n = XP_STS_POLICY_MAX + 1;
        char *big = malloc(n);

        memset(big, '\n', n);
        assert_int_equal(xp_sts_policy_parse(big, n, &p), -1);
        assert_non_null(strstr(p.error, "64 KiB"));
        free(big);
    }
}

static void
test_mx_match(void **state)
{
    (void)state;
    assert_true(xp_sts_mx_match("mail.example.com", "MAIL.example.com."));
    assert_false(xp_sts_mx_match("mail.example.com", "mail2.example.com"));
    assert_true(xp_sts_mx_match("*.example.com", "mx1.example.com"));
    assert_false(xp_sts_mx_match("*.example.com", "example.com"));
    assert_false(xp_sts_mx_match("*.example.com", "a.b.example.com"));
    assert_false(xp_sts_mx_match("*.example.com", "mx1.example.com.evil.test"));
    assert_false(xp_sts_mx_match("*.example.com", "mx1example.com"));
    /* Microsoft's DNSSEC MX: the popular wrong pattern, and the right one */
    assert_false(xp_sts_mx_match("*.mx.microsoft", "contoso-com.j-v1.mx.microsoft"));
    assert_true(xp_sts_mx_match("*.j-v1.mx.microsoft", "contoso-com.j-v1.mx.microsoft"));
    assert_true(xp_sts_mx_match("*.mail.protection.outlook.com",
                                "contoso-com.mail.protection.outlook.com"));
    assert_false(xp_sts_mx_match("*.", "a."));
    assert_false(xp_sts_mx_match("", "a.b"));
    assert_false(xp_sts_mx_match("a.*.b", "a.x.b"));
}

static int
sts(const char *txt, char *id, char *err)
{
    return xp_sts_txt(txt, strlen(txt), id, 64, err, 256);
}

static void
test_sts_txt(void **state)
{
    char id[64], err[256];

    (void)state;
    assert_int_equal(sts("v=STSv1; id=20261203T01;", id, err), 1);
    assert_string_equal(id, "20261203T01");
    assert_int_equal(sts("v = STSv1 ;id=abc", id, err), 1);
    assert_int_equal(sts("v=spf1 -all", id, err), 0);
    assert_int_equal(sts("v=STSv10; id=1", id, err), 0);
    assert_int_equal(sts("v=STSv1", id, err), -1);
    assert_non_null(strstr(err, "no id"));
    assert_int_equal(sts("v=STSv1; id=2026-12-03", id, err), -1);
    assert_non_null(strstr(err, "'-'"));
    assert_int_equal(sts("v=STSv1; id=123456789012345678901234567890123", id, err), -1);
    assert_int_equal(sts("v=STSv1; id", id, err), -1);
    assert_int_equal(sts("id=1; v=STSv1", id, err), 0);
}

static int
rpt(const char *txt, char *err)
{
    return xp_tlsrpt_txt(txt, strlen(txt), err, 256);
}

static void
test_tlsrpt_txt(void **state)
{
    char err[256];

    (void)state;
    assert_int_equal(rpt("v=TLSRPTv1; rua=mailto:tls@example.com", err), 1);
    assert_int_equal(rpt("v=TLSRPTv1;rua=mailto:a@b.c, https://r.example/x", err), 1);
    assert_int_equal(rpt("v=STSv1; id=1", err), 0);
    assert_int_equal(rpt("v=TLSRPTv1", err), -1);
    assert_non_null(strstr(err, "rua"));
    assert_int_equal(rpt("v=TLSRPTv1; rua=ftp://x.example", err), -1);
    assert_non_null(strstr(err, "ftp://x.example"));
    assert_int_equal(rpt("v=TLSRPTv1; rua=mailto:nobody", err), -1);
    assert_int_equal(rpt("v=TLSRPTv1; rua=http://r.example/", err), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_valid), cmocka_unit_test(test_policy_invalid),
        cmocka_unit_test(test_mx_match),     cmocka_unit_test(test_sts_txt),
        cmocka_unit_test(test_tlsrpt_txt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
