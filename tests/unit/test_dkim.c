/*
 * test_dkim.c — probes/dkim.c: Microsoft 365 DKIM selector targets (both
 * formats, sovereign zones, look-alikes, the dashed domain) and DKIM key
 * records (tags, base64, RSA sizes via OpenSSL, Ed25519, PKCS#1, revoked,
 * testing, sha1-only, bytes past the length).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "xp_dkim.h"

#define K2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4okECT9sTRyp1Z1HdgTE/9XO3EqDaBhIK04KU+FpSaOqG2x7GfsgBSfVDIS0+lvI1DunC0PA4H6LFRNXP5NEYeyBDrO9wpNR2S28QdFNDyDCc6SIt2+RuZY+aA0MoeT6YJIdLtB2FrhVd1lsGxVvywWThAArPfqnKcO9DLSa4nXsUTtxEs9o/IKG82Xml5nKteawTpwIVigmPpkBPh/oi8tN26dQRbKkqEEu6fiSl2/3GOHoCQ7Btft/8UxwVXjBBs0tm8i9vHXHVFa9Ryb+t2PMCOdtkYfNd/WzR+VVwD9a4d22TRlJG6kyHDAmlcO+UrJMYHOaka49DNSkoa1IJQIDAQAB"
#define K2048_A "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4okECT9sTRyp1Z1HdgTE/9XO3EqDaBhIK04KU+FpSaOqG2x7GfsgBSfVDIS0+lvI1DunC0PA4H6LFRNXP5NEYeyBDrO9wpNR2S28QdFNDyDCc6SIt2+RuZY+aA0MoeT6YJIdLtB2FrhVd1lsGxVvywWT"
#define K2048_B "hAArPfqnKcO9DLSa4nXsUTtxEs9o/IKG82Xml5nKteawTpwIVigmPpkBPh/oi8tN26dQRbKkqEEu6fiSl2/3GOHoCQ7Btft/8UxwVXjBBs0tm8i9vHXHVFa9Ryb+t2PMCOdtkYfNd/WzR+VVwD9a4d22TRlJG6kyHDAmlcO+UrJMYHOaka49DNSkoa1IJQIDAQAB"
#define K1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDDGMgb11BYEQ2oIcUJUxSfrBDsPJOAN2Yq6PdWgVR6ocN5rlh57WhL2N1kOctusWRuqR5Ma+2Idko5BM+N/nfM/TmBtJwBcIwcXeqKMGI4OSmnLXA9eMVvSb//fohh4CUqY+H0dg8abP//880wsSRFnHmgbxy96mmiqfVYp28xfwIDAQAB"
#define K1024_PKCS1 "MIGJAoGBAMMYyBvXUFgRDaghxQlTFJ+sEOw8k4A3Ziro91aBVHqhw3muWHntaEvY3WQ5y26xZG6pHkxr7Yh2SjkEz43+d8z9OYG0nAFwjBxd6oowYjg5KactcD14xW9Jv/9+iGHgJSpj4fR2Dxps///zzTCxJEWceaBvHL3qaaKp9VinbzF/AgMBAAE="
#define K512 "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMzN/5SqRLxt8gmFlZxE53mKlol79TmjCri5QrlZiFiGleTy6JaXHHnVf4ZGMVA7DO7as+lfpGr/SAD0YjDJktcCAwEAAQ=="
#define KED "u/EhpJDVWu0oqgMuzs2wgAfEq1WQq62kpQjmZsa4V5E="

static int
key(const char *s, struct xp_dkim_key *k)
{
    return xp_dkim_key_parse(s, strlen(s), k);
}

static void
target__legacy__tenant(void **state)
{
    struct xp_dkim_target t;

    (void)state;
    assert_int_equal(xp_dkim_ms_target("selector1-contoso-com._domainkey.contoso.onmicrosoft.com.",
                                       "contoso.com", &t), XP_DKIM_LEGACY);
    assert_string_equal(t.tenant, "contoso");
    assert_string_equal(t.zone, "onmicrosoft.com");
    assert_int_equal(t.selector, 1);
    assert_true(t.domain_ok);
}

static void
target__2025__tenant_and_zone(void **state)
{
    struct xp_dkim_target t;

    (void)state;
    assert_int_equal(xp_dkim_ms_target("selector2-contoso-com._domainkey.Contoso.n-v1.dkim.mail.microsoft",
                                       "CONTOSO.com.", &t), XP_DKIM_2025);
    assert_string_equal(t.tenant, "contoso");
    assert_string_equal(t.zone, "n-v1.dkim.mail.microsoft");
    assert_int_equal(t.selector, 2);
    assert_true(t.domain_ok);
}

static void
target__sovereign__legacy(void **state)
{
    struct xp_dkim_target t;

    (void)state;
    assert_int_equal(xp_dkim_ms_target("selector1-a-b-c._domainkey.gov.onmicrosoft.us", "a.b-c",
                                       &t), XP_DKIM_LEGACY);
    assert_true(t.domain_ok);
    assert_int_equal(xp_dkim_ms_target("selector1-a-cn._domainkey.x.partner.onmschina.cn", "a.cn",
                                       &t), XP_DKIM_LEGACY);
    assert_string_equal(t.tenant, "x");
}

static void
target__wrong_domain_or_selector__flagged(void **state)
{
    struct xp_dkim_target t;

    (void)state;
    assert_int_equal(xp_dkim_ms_target("selector1-contoso-net._domainkey.contoso.onmicrosoft.com",
                                       "contoso.com", &t), XP_DKIM_LEGACY);
    assert_false(t.domain_ok);
    assert_int_equal(xp_dkim_ms_target("s1-contoso-com._domainkey.contoso.onmicrosoft.com",
                                       "contoso.com", &t), XP_DKIM_LEGACY);
    assert_int_equal(t.selector, 0);
}

static void
target__lookalikes__not_ms(void **state)
{
    (void)state;
    assert_int_equal(xp_dkim_ms_target("selector1-contoso-com._domainkey.a.b.onmicrosoft.com",
                                       "contoso.com", NULL), XP_DKIM_NOT_MS);
    assert_int_equal(xp_dkim_ms_target("selector1-contoso-com._domainkey.onmicrosoft.com",
                                       "contoso.com", NULL), XP_DKIM_NOT_MS);
    assert_int_equal(xp_dkim_ms_target("selector1-contoso-com._domainkey.contoso.evilonmicrosoft.com",
                                       "contoso.com", NULL), XP_DKIM_NOT_MS);
    assert_int_equal(xp_dkim_ms_target("selector1-contoso-com._domainkey.contoso.dkim.mail.microsoft",
                                       "contoso.com", NULL), XP_DKIM_NOT_MS);
    assert_int_equal(xp_dkim_ms_target("selector1.gateway.example", "contoso.com", NULL),
                     XP_DKIM_NOT_MS);
    assert_int_equal(xp_dkim_ms_target("", "contoso.com", NULL), XP_DKIM_NOT_MS);
}

static void
key__rsa2048__usable(void **state)
{
    struct xp_dkim_key k;

    (void)state;
    assert_int_equal(key("v=DKIM1; k=rsa; p=" K2048, &k), 0);
    assert_true(k.is_key);
    assert_string_equal(k.type, "RSA");
    assert_int_equal(k.bits, 2048);
    assert_false(k.testing);
    assert_false(k.pkcs1);
}

static void
key__split_strings_and_spaces__usable(void **state)
{
    struct xp_dkim_key k;

    (void)state;
    /* TXT strings concatenated; FWS inside p= allowed */
    assert_int_equal(key("v=DKIM1; p=" K2048_A " " K2048_B, &k), 0);
    assert_int_equal(k.bits, 2048);
    assert_int_equal(key("p=" K2048 ";", &k), 0);   /* v= is optional */
}

static void
key__rsa1024_and_pkcs1__sizes(void **state)
{
    struct xp_dkim_key k;

    (void)state;
    assert_int_equal(key("v=DKIM1; k=rsa; p=" K1024, &k), 0);
    assert_int_equal(k.bits, 1024);
    assert_int_equal(key("v=DKIM1; p=" K1024_PKCS1, &k), 0);
    assert_int_equal(k.bits, 1024);
    assert_true(k.pkcs1);
    assert_int_equal(key("v=DKIM1; p=" K512, &k), 0);
    assert_int_equal(k.bits, 512);
}

static void
key__ed25519__usable(void **state)
{
    struct xp_dkim_key k;

    (void)state;
    assert_int_equal(key("v=DKIM1; k=ed25519; p=" KED, &k), 0);
    assert_string_equal(k.type, "Ed25519");
    assert_int_equal(key("v=DKIM1; k=ed25519; p=" K1024, &k), -1);
}

static void
key__flags(void **state)
{
    struct xp_dkim_key k;

    (void)state;
    assert_int_equal(key("v=DKIM1; t=y:s; p=" K2048, &k), 0);
    assert_true(k.testing);
    assert_int_equal(key("v=DKIM1; h=sha1; p=" K2048, &k), 0);
    assert_true(k.sha1_only);
    assert_int_equal(key("v=DKIM1; h=sha1:sha256; p=" K2048, &k), 0);
    assert_false(k.sha1_only);
}

static void
key__broken__problem_named(void **state)
{
    struct xp_dkim_key k;

    (void)state;
    assert_int_equal(key("v=DKIM1; p=", &k), -1);
    assert_non_null(strstr(k.problem, "revoked"));
    assert_int_equal(key("v=DKIM1; k=rsa; p=not*base64", &k), -1);
    assert_non_null(strstr(k.problem, "base64"));
    assert_int_equal(key("v=DKIM1; p=QUJD", &k), -1);
    assert_non_null(strstr(k.problem, "DER"));
    assert_int_equal(key("v=DKIM1; k=dsa; p=" K2048, &k), -1);
    assert_int_equal(key("v=DKIM1; s=tlsrpt; p=" K2048, &k), -1);
    assert_int_equal(key("k=rsa; v=DKIM1; p=" K2048, &k), -1);
    assert_int_equal(key("v=DKIM1; k=rsa", &k), -1);
    assert_int_equal(key("v=DKIM1; p=" K2048 "; p=" K2048, &k), -1);
    assert_non_null(strstr(k.problem, "duplicate"));
    assert_int_equal(key("v=DKIM1; p=QUJD=A==", &k), -1);
}

static void
key__other_txt__not_a_key(void **state)
{
    struct xp_dkim_key k;

    (void)state;
    assert_int_equal(key("MS=ms12345678", &k), -1);
    assert_false(k.is_key);
    assert_int_equal(key("google-site-verification=abc", &k), -1);
    assert_false(k.is_key);
}

static void
key__length_respected(void **state)
{
    static const char txt[] = "v=DKIM1; p=" K2048 "; p=x";
    struct xp_dkim_key k;

    (void)state;
    assert_int_equal(xp_dkim_key_parse(txt, strlen(txt) - 5, &k), 0);
    assert_int_equal(xp_dkim_key_parse(txt, strlen(txt) - 20, &k), -1);
}

static void
dashes__domain(void **state)
{
    char buf[16];

    (void)state;
    xp_dkim_dashes("Contoso.co.uk.", buf, sizeof(buf));
    assert_string_equal(buf, "contoso-co-uk");
    xp_dkim_dashes("averyveryverylongname.com", buf, sizeof(buf));
    assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(target__legacy__tenant),
        cmocka_unit_test(target__2025__tenant_and_zone),
        cmocka_unit_test(target__sovereign__legacy),
        cmocka_unit_test(target__wrong_domain_or_selector__flagged),
        cmocka_unit_test(target__lookalikes__not_ms),
        cmocka_unit_test(key__rsa2048__usable),
        cmocka_unit_test(key__split_strings_and_spaces__usable),
        cmocka_unit_test(key__rsa1024_and_pkcs1__sizes),
        cmocka_unit_test(key__ed25519__usable),
        cmocka_unit_test(key__flags),
        cmocka_unit_test(key__broken__problem_named),
        cmocka_unit_test(key__other_txt__not_a_key),
        cmocka_unit_test(key__length_respected),
        cmocka_unit_test(dashes__domain),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
