/*
 * test_hybrid_parsers.c — the pure readers behind hybridauth and preauth's
 * build: WWW-Authenticate (RFC 7235), NTLM NEGOTIATE/CHALLENGE ([MS-NLMP]),
 * the Exchange build table, Autodiscover v2 and OpenID JSON. Canned input
 * after the wire formats of modern.md §2 and §(b)5–7.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "xp_exbuild.h"
#include "xp_msjson.h"
#include "xp_ntlm.h"
#include "xp_wwwauth.h"

#define TENANT "3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

/* ---- WWW-Authenticate ---- */

static void
test_bearer_exchange(void **state)
{
    struct xp_auth_challenge ch[XP_AUTH_MAX_CHALLENGES];
    size_t n = 0;
    const struct xp_auth_challenge *b;

    (void)state;
    xp_wwwauth_parse("Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", "
                     "trusted_issuers=\"00000001-0000-0000-c000-000000000000@" TENANT "\", "
                     "token_types=\"app_asserted_user_v1 service_asserted_app_v1\", "
                     "authorization_uri=\"https://login.windows.net/common/oauth2/authorize\", "
                     "error=\"invalid_token\",Basic realm=\"mail.contoso.com\", Negotiate, NTLM",
                     ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, 4);
    b = xp_wwwauth_find(ch, n, "bearer");
    assert_non_null(b);
    assert_int_equal(b->nparams, 5);
    assert_string_equal(xp_wwwauth_param(b, "client_id"), "00000002-0000-0ff1-ce00-000000000000");
    assert_string_equal(xp_wwwauth_param(b, "token_types"),
                        "app_asserted_user_v1 service_asserted_app_v1");
    assert_string_equal(xp_wwwauth_param(b, "AUTHORIZATION_URI"),
                        "https://login.windows.net/common/oauth2/authorize");
    assert_string_equal(xp_wwwauth_param(&ch[1], "realm"), "mail.contoso.com");
    assert_string_equal(ch[2].scheme, "Negotiate");
    assert_string_equal(ch[3].scheme, "NTLM");
    assert_null(xp_wwwauth_param(&ch[3], "realm"));
}

static void
test_token68_and_quotes(void **state)
{
    struct xp_auth_challenge ch[XP_AUTH_MAX_CHALLENGES];
    size_t n = 0;

    (void)state;
    xp_wwwauth_parse("NTLM TlRMTVNTUAACAAAA==", ch, XP_AUTH_MAX_CHALLENGES, &n);
    xp_wwwauth_parse("Basic realm=\"a \\\"quoted\\\", realm\", charset=UTF-8", ch,
                     XP_AUTH_MAX_CHALLENGES, &n);
    xp_wwwauth_parse("Negotiate abc=", ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, 3);
    assert_string_equal(ch[0].token68, "TlRMTVNTUAACAAAA==");
    assert_int_equal(ch[0].nparams, 0);
    assert_string_equal(xp_wwwauth_param(&ch[1], "realm"), "a \"quoted\", realm");
    assert_string_equal(xp_wwwauth_param(&ch[1], "charset"), "UTF-8");
    assert_string_equal(ch[2].token68, "abc=");
}

static void
test_hostile_headers(void **state)
{
    struct xp_auth_challenge ch[XP_AUTH_MAX_CHALLENGES];
    char big[8192];
    size_t n = 0, i;

    (void)state;
    /* Unterminated quote, lone '=', garbage, too many challenges: bounded. */
    xp_wwwauth_parse("Bearer realm=\"never closed", ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, 1);
    assert_string_equal(xp_wwwauth_param(&ch[0], "realm"), "never closed");
    n = 0;
    xp_wwwauth_parse("=,,, \"x\" Bearer", ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, 0);
    n = 0;
    xp_wwwauth_parse("A, B, C, D, E, F, G, H, I, J, K", ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, XP_AUTH_MAX_CHALLENGES);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[0] = 'X';
    big[1] = ' ';
    n = 0;
    xp_wwwauth_parse(big, ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, 1);
    assert_int_equal(strlen(ch[0].token68), sizeof(ch[0].token68) - 1);
    n = 0;
    strcpy(big, "Bearer ");
    for (i = 0; i < 40; i++)
        strcat(big, "p=v, ");
    xp_wwwauth_parse(big, ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ch[0].nparams, XP_AUTH_MAX_PARAMS);
    n = 0;
    xp_wwwauth_parse(NULL, ch, XP_AUTH_MAX_CHALLENGES, &n);
    assert_int_equal(n, 0);
}

/* ---- NTLM ---- */

static size_t
put_utf16(unsigned char *p, const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++) {
        p[2 * i] = (unsigned char)s[i];
        p[2 * i + 1] = 0;
    }
    return 2 * i;
}

static void
put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, unsigned v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* A CHALLENGE as Windows Server 2022 sends it: target CONTOSO, AV pairs. */
static size_t
make_challenge(unsigned char *m)
{
    size_t off = 56, tl, ti = 0;
    static const struct { unsigned id; const char *s; } av[] = {
        { 2, "CONTOSO" }, { 1, "EXCH01" }, { 4, "contoso.local" },
        { 3, "exch01.contoso.local" }, { 5, "contoso.local" },
    };
    size_t i;

    memset(m, 0, 512);
    memcpy(m, "NTLMSSP", 8);
    put32(m + 8, 2);
    tl = put_utf16(m + off, "CONTOSO");
    put16(m + 12, (unsigned)tl);
    put16(m + 14, (unsigned)tl);
    put32(m + 16, (unsigned)off);
    put32(m + 20, 0xa2898205u);   /* UNICODE, ..., TARGET_INFO, VERSION */
    off += tl;
    for (i = 0; i < sizeof(av) / sizeof(av[0]); i++) {
        size_t l = put_utf16(m + off + ti + 4, av[i].s);

        put16(m + off + ti, av[i].id);
        put16(m + off + ti + 2, (unsigned)l);
        ti += 4 + l;
    }
    ti += 4;                       /* MsvAvEOL */
    put16(m + 40, (unsigned)ti);
    put16(m + 42, (unsigned)ti);
    put32(m + 44, (unsigned)off);
    m[48] = 10;
    m[49] = 0;
    put16(m + 50, 20348);
    m[55] = 15;
    return off + ti;
}

static void
test_ntlm_challenge(void **state)
{
    unsigned char m[512], dec[64];
    char b64[1024];
    struct xp_ntlm_challenge c;
    size_t len = make_challenge(m);
    int n;

    (void)state;
    assert_int_equal(xp_ntlm_parse_challenge(m, len, &c), 0);
    assert_string_equal(c.target_name, "CONTOSO");
    assert_string_equal(c.nb_computer, "EXCH01");
    assert_string_equal(c.nb_domain, "CONTOSO");
    assert_string_equal(c.dns_computer, "exch01.contoso.local");
    assert_string_equal(c.dns_domain, "contoso.local");
    assert_int_equal(c.has_version, 1);
    assert_int_equal(c.os_build, 20348);
    assert_string_equal(xp_ntlm_os_name(10, 0, 20348), "Windows Server 2022");
    EVP_EncodeBlock((unsigned char *)b64, m, (int)len);
    assert_int_equal(xp_ntlm_parse_challenge_b64(b64, &c), 0);
    assert_string_equal(c.dns_computer, "exch01.contoso.local");
    /* The NEGOTIATE we send: signature, type 1, no names. */
    n = EVP_DecodeBlock(dec, (const unsigned char *)xp_ntlm_negotiate_b64(),
                        (int)strlen(xp_ntlm_negotiate_b64()));
    assert_true(n >= 32);
    assert_memory_equal(dec, "NTLMSSP\0\1\0\0\0", 12);
}

static void
test_ntlm_hostile(void **state)
{
    unsigned char m[512];
    struct xp_ntlm_challenge c;
    size_t len = make_challenge(m), cut;

    (void)state;
    /* Every truncation is either refused or read within bounds. */
    for (cut = 0; cut < len; cut++)
        (void)xp_ntlm_parse_challenge(m, cut, &c);
    put32(m + 44, 0xfffffff0u);   /* target info offset out of the message */
    assert_int_equal(xp_ntlm_parse_challenge(m, len, &c), -1);
    make_challenge(m);
    put16(m + 58 + 14, 0xffff);   /* an AV pair longer than the field: stops */
    assert_int_equal(xp_ntlm_parse_challenge(m, len, &c), 0);
    m[8] = 3;                      /* an AUTHENTICATE is not a CHALLENGE */
    assert_int_equal(xp_ntlm_parse_challenge(m, len, &c), -1);
    assert_int_equal(xp_ntlm_parse_challenge_b64("not base64!", &c), -1);
    assert_int_equal(xp_ntlm_parse_challenge_b64("", &c), -1);
}

/* ---- Exchange builds ---- */

static void
lookup(const char *s, struct xp_exbuild *b)
{
    struct xp_exver v;

    assert_int_equal(xp_exver_parse(s, &v), 0);
    xp_exbuild_lookup(&v, b);
}

static void
test_exbuild(void **state)
{
    struct xp_exbuild b;
    struct xp_exver v;

    (void)state;
    lookup("15.2.2562.37", &b);
    assert_string_equal(b.name, "Exchange Server SE RTM Feb26SU");
    assert_true(b.exact);
    assert_int_equal(b.hybrid_app, 1);
    assert_true(b.ep_default);
    assert_false(xp_exbuild_unsupported(&b, "2026-12-03"));
    assert_false(b.is_latest);
    assert_string_equal(b.latest, "RTM May26HU (15.2.2562.41)");
    lookup("15.02.1748.024", &b);       /* zero-padded, as SMTP headers write it */
    assert_string_equal(b.name, "Exchange Server 2019 CU15 Apr25HU");
    assert_int_equal(b.hybrid_app, 1);
    assert_true(xp_exbuild_unsupported(&b, "2026-12-03"));
    assert_false(xp_exbuild_unsupported(&b, "2025-10-14"));
    lookup("15.2.1748.10", &b);
    assert_int_equal(b.hybrid_app, 0);
    lookup("15.2.1544.11", &b);
    assert_string_equal(b.name, "Exchange Server 2019 CU14 Apr24HU");
    assert_int_equal(b.hybrid_app, 0);
    lookup("15.2.1258.39", &b);          /* CU13 never got the April 2025 HU */
    assert_int_equal(b.hybrid_app, 0);
    assert_false(b.ep_default);
    lookup("15.1.2507.58", &b);
    assert_string_equal(b.product, "Exchange Server 2016");
    assert_int_equal(b.hybrid_app, 1);
    lookup("15.1.2507.60", &b);          /* between rows: named with the row below */
    assert_false(b.exact);
    assert_non_null(strstr(b.name, "CU23 Sep25HU or a later update"));
    lookup("15.2.1748", &b);             /* OWA asset path: no revision */
    assert_int_equal(b.hybrid_app, -1);
    assert_non_null(strstr(b.name, "CU15 (update level not visible)"));
    lookup("15.0.1497.48", &b);
    assert_string_equal(b.support_end, "2023-04-11");
    lookup("15.20.9700.17", &b);
    assert_true(b.online);
    assert_false(b.known);
    lookup("15.2.9999.1", &b);           /* a future SE CU */
    assert_string_equal(b.product, "Exchange Server SE");
    assert_int_equal(b.hybrid_app, 1);
    assert_int_equal(xp_exver_parse("15.2", &v), -1);
    assert_int_equal(xp_exver_parse("x15.2.1.1", &v), -1);
    assert_int_equal(xp_exver_parse("15.2.1748.24.1", &v), -1);
    assert_int_equal(xp_exver_parse("15.2.99999999.1", &v), -1);
    assert_string_equal(xp_exbuild_table_date(), "2026-05-07");
}

/* The OWA logon page's asset path: the first version directory, bounded
 * by the length given (no NUL needed), other /owa/auth/ paths skipped. */
static void
test_owa_asset_path(void **state)
{
    static const char page[] =
        "<link href=\"/owa/auth/current/themes/a.css\">"
        "<img src=\"/owa/auth/15.2.1748/themes/resources/x.png\">";
    static const char cut[] = "<img src=\"/owa/auth/15.2.1748";
    struct xp_exver v;
    char buf[32];

    (void)state;
    assert_int_equal(xp_exver_from_owa_page(page, sizeof(page) - 1, &v), 0);
    xp_exver_format(&v, buf, sizeof(buf));
    assert_string_equal(buf, "15.2.1748");
    assert_false(v.has_rev);
    /* Cut before the closing '/': no version (nothing read past len). */
    assert_int_equal(xp_exver_from_owa_page(cut, sizeof(cut) - 1, &v), -1);
    assert_int_equal(xp_exver_from_owa_page(page, 40, &v), -1);
    /* Not a build: a major below 8, digits with no directory, too long. */
    assert_int_equal(xp_exver_from_owa_page("/owa/auth/1.2.3/", 16, &v), -1);
    assert_int_equal(xp_exver_from_owa_page("/owa/auth/15.2.1748.x/", 22, &v), -1);
    assert_int_equal(xp_exver_from_owa_page("/owa/auth/1111111111111111111111111111111111.2.3/",
                                            49, &v), -1);
    assert_int_equal(xp_exver_from_owa_page("", 0, &v), -1);
}

/* ---- JSON ---- */

static void
test_autodv2_json(void **state)
{
    struct xp_autodv2 a;
    char why[128];
    const char *ok = "{\"Protocol\":\"ActiveSync\",\"Url\":"
                     "\"https://mail.contoso.com/Microsoft-Server-ActiveSync\"}";
    const char *err = "{\"ErrorCode\":\"MailboxNotFound\",\"ErrorMessage\":\"no mailbox\"}";

    (void)state;
    assert_int_equal(xp_autodv2_parse(ok, strlen(ok), &a, why, sizeof(why)), 0);
    assert_string_equal(a.protocol, "ActiveSync");
    assert_string_equal(a.url, "https://mail.contoso.com/Microsoft-Server-ActiveSync");
    assert_int_equal(xp_autodv2_parse(err, strlen(err), &a, why, sizeof(why)), 0);
    assert_string_equal(a.error_code, "MailboxNotFound");
    assert_int_equal(xp_autodv2_parse("<html>", 6, &a, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not JSON"));
    assert_int_equal(xp_autodv2_parse("[1]", 3, &a, why, sizeof(why)), -1);
    assert_int_equal(xp_autodv2_parse("{\"Url\":1}", 9, &a, why, sizeof(why)), -1);
    assert_int_equal(xp_autodv2_parse("{\"Url\":\"a\",\"Url\":\"b\"}", 21, &a, why,
                                      sizeof(why)), -1);
    assert_int_equal(xp_autodv2_parse("{}", XP_MSJSON_MAX + 1, &a, why, sizeof(why)), -1);
}

static void
test_openid_and_issuers(void **state)
{
    struct xp_openid o;
    char why[128], t[40];
    const char *doc = "{\"token_endpoint\":\"x\",\"issuer\":"
                      "\"https://login.microsoftonline.com/3A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D/v2.0\"}";
    const char *bad = "{\"error\":\"invalid_tenant\",\"error_description\":\"AADSTS90002\"}";

    (void)state;
    assert_int_equal(xp_openid_parse(doc, strlen(doc), &o, why, sizeof(why)), 0);
    assert_string_equal(o.tenant, TENANT);
    assert_int_equal(xp_openid_parse(bad, strlen(bad), &o, why, sizeof(why)), 0);
    assert_string_equal(o.error, "invalid_tenant");
    assert_string_equal(o.tenant, "");
    assert_int_equal(xp_trusted_issuer_tenant(
                         "00000001-0000-0000-c000-000000000000@" TENANT, t, sizeof(t)), 0);
    assert_string_equal(t, TENANT);
    assert_int_equal(xp_trusted_issuer_tenant("00000001-0000-0000-c000-000000000000@*", t,
                                              sizeof(t)), -1);
    assert_int_equal(xp_trusted_issuer_tenant(NULL, t, sizeof(t)), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bearer_exchange),
        cmocka_unit_test(test_token68_and_quotes),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_ntlm_challenge),
        cmocka_unit_test(test_owa_asset_path),
        cmocka_unit_test(test_ntlm_hostile),
        cmocka_unit_test(test_exbuild),
        cmocka_unit_test(test_autodv2_json),
        cmocka_unit_test(test_openid_and_issuers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
