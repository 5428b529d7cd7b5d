/*
 * test_front.c — who answered an HTTP request (include/xp_front.h,
 * probes/http_front.c): Exchange itself, or a pre-authenticating reverse
 * proxy / WAF. Every response is canned by hand in a struct xp_http_resp,
 * after the wire formats of domain.md §2.2–2.4: Exchange's 401 challenges
 * and headers, and each product's redirect, cookie, Server header or page.
 * Pure: no network, nothing allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xp.h"
#include "xp_front.h"
#include "xp_http.h"

/* ---- canned responses ---- */

#define MAX_HEADERS 16

/* The host the canned requests went to: a relative Location is resolved
 * against it, as curl's CURLINFO_REDIRECT_URL (r->location) would be. */
#define ORIGIN "https://mail.contoso.com"

struct canned {
    struct xp_http_resp r;
    struct xp_http_header h[MAX_HEADERS];
    char names[MAX_HEADERS][64];
    char values[MAX_HEADERS][512];
    char body[4096];
    char location[1024];
};

/*
 * A response: status, body (or NULL), then header name/value pairs ending
 * with NULL. A Location header on a 3xx also fills r.location, absolute,
 * as net_http.c does.
 */
static void
canned(struct canned *c, long status, const char *body, ...)
{
    va_list ap;
    const char *name;

    memset(c, 0, sizeof(*c));
    c->r.completed = 1;
    c->r.status = status;
    c->r.headers = c->h;
    if (body) {
        assert_true(strlen(body) < sizeof(c->body));
        strcpy(c->body, body);
        c->r.body = c->body;
        c->r.body_len = strlen(body);
    }
    va_start(ap, body);
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        size_t i = c->r.nheaders++;

        assert_true(i < MAX_HEADERS);
        snprintf(c->names[i], sizeof(c->names[i]), "%s", name);
        snprintf(c->values[i], sizeof(c->values[i]), "%s", value);
        c->h[i].name = c->names[i];
        c->h[i].value = c->values[i];
        if (strcasecmp(name, "Location") == 0 && status >= 300 && status < 400) {
            snprintf(c->location, sizeof(c->location), "%s%s",
                     value[0] == '/' ? ORIGIN : "", value);
            c->r.location = c->location;
        }
    }
    va_end(ap);
}

static void
classify(struct canned *c, struct xp_front_verdict *v)
{
    memset(v, 0x5a, sizeof(*v));   /* classify must set every field it reports */
    xp_front_classify(&c->r, v);
}

/* A PREAUTH verdict naming product, whose why cites evidence. */
static void
assert_preauth(const struct xp_front_verdict *v, const char *product, const char *evidence)
{
    assert_int_equal(v->front, XP_FRONT_PREAUTH);
    assert_non_null(v->product);
    assert_string_equal(v->product, product);
    assert_non_null(v->product_name);
    assert_true(v->product_name[0] != '\0');
    assert_true(v->why[0] != '\0');
    if (strstr(v->why, evidence) == NULL)
        fail_msg("why \"%s\" does not cite \"%s\"", v->why, evidence);
}

static void
assert_exchange(const struct xp_front_verdict *v)
{
    assert_int_equal(v->front, XP_FRONT_EXCHANGE);
    assert_null(v->product);
    assert_null(v->product_name);
}

static void
assert_unknown(const struct xp_front_verdict *v)
{
    assert_int_equal(v->front, XP_FRONT_UNKNOWN);
    assert_null(v->product);
    assert_null(v->product_name);
}

/* ---- Exchange's own answers (domain.md §2.2) ---- */

static void
front__exchange_401_three_challenges_and_headers__exchange(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "",
           "Server", "Microsoft-IIS/10.0",
           "request-id", "5b7f1c2e-7d3a-4a57-9d1e-2f0c8a3b9e41",
           "WWW-Authenticate", "Negotiate",
           "WWW-Authenticate", "NTLM",
           "WWW-Authenticate", "Basic realm=\"mail.contoso.com\"",
           "X-Powered-By", "ASP.NET",
           "X-FEServer", "EXCH01",
           "Content-Length", "0",
           NULL);
    classify(&c, &v);
    assert_exchange(&v);
    assert_string_equal(v.methods, "Negotiate, NTLM, Basic");
    assert_int_equal(v.exchange_headers, 1);
    assert_true(v.why[0] != '\0');
    assert_int_equal(xp_front_has_exchange_auth(&v), 1);
}

static void
front__exchange_401_negotiate_ntlm_without_headers__exchange(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "",
           "Server", "Microsoft-IIS/10.0",
           "WWW-Authenticate", "Negotiate",
           "WWW-Authenticate", "NTLM",
           NULL);
    classify(&c, &v);
    assert_exchange(&v);
    assert_string_equal(v.methods, "Negotiate, NTLM");
    assert_int_equal(v.exchange_headers, 0);
}

static void
front__200_with_x_feserver__exchange(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200, "<?xml version=\"1.0\"?><Autodiscover/>",
           "Content-Type", "text/xml; charset=utf-8",
           "X-FEServer", "EXCH01",
           NULL);
    classify(&c, &v);
    assert_exchange(&v);
    assert_int_equal(v.exchange_headers, 1);
    assert_string_equal(v.methods, "");
}

static void
front__each_exchange_only_header__counts(void **state)
{
    static const char *const names[] = {
        "request-id", "X-FEServer", "X-BEServer", "X-CalculatedBETarget",
        "X-TargetBEServer", "X-DiagInfo", "X-OWA-Version", "X-CasErrorCode",
        "X-BackEndHttpStatus",
    };
    struct canned c;
    struct xp_front_verdict v;
    size_t i;

    (void)state;
    for (i = 0; i < XP_ARRAY_LEN(names); i++) {
        canned(&c, 500, "", names[i], "x", NULL);
        classify(&c, &v);
        if (v.exchange_headers != 1 || v.front != XP_FRONT_EXCHANGE)
            fail_msg("%s: exchange_headers %d, front %d", names[i], v.exchange_headers,
                     (int)v.front);
    }
}

/* ---- ISA / TMG forms authentication ---- */

static void
front__tmg_cookieauth_redirect__tmg(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "",
           "Location", "https://mail.contoso.com/CookieAuth.dll?GetLogon?curl=Z2Fautodiscover"
                       "&reason=0&formdir=3",
           "Content-Length", "0",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "tmg", "CookieAuth.dll");
    assert_int_equal(v.exchange_headers, 0);
}

static void
front__tmg_logon_form_page__tmg(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200,
           "<html><head><title>Microsoft Forefront TMG</title></head><body>"
           "<form action=\"/CookieAuth.dll?Logon\" method=\"post\" id=\"form1\">"
           "<input type=\"text\" name=\"username\"><input type=\"password\" name=\"password\">"
           "</form></body></html>",
           "Content-Type", "text/html",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "tmg", "CookieAuth.dll");
}

/* ---- Forefront UAG ---- */

static void
front__uag_internalsite_redirect__uag(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "",
           "Location", "/uniquesig0123abcd/uniquesig0/InternalSite/Login.asp",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "uag", "/InternalSite/");
}

static void
front__uag_uniquesig_redirect__uag(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "", "Location", "/uniquesig0123abcd/uniquesig0/", NULL);
    classify(&c, &v);
    assert_preauth(&v, "uag", "/uniquesig");
}

/* ---- F5 BIG-IP APM ---- */

static void
front__f5_my_policy_redirect__f5(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "", "Location", "/my.policy", NULL);
    classify(&c, &v);
    assert_preauth(&v, "f5-apm", "/my.policy");
}

static void
front__f5_mrhsession_cookie__f5(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200, "<html><body>Please wait</body></html>",
           "Content-Type", "text/html",
           "Set-Cookie", "MRHSession=8d2c1f0a5e3b7c9d1f2a4b6c8d0e2f4a; path=/; secure",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "f5-apm", "MRHSession");
}

static void
front__f5_server_bigip__f5(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 403, "Forbidden", "Server", "BigIP", NULL);
    classify(&c, &v);
    assert_preauth(&v, "f5-apm", "BigIP");
}

/* ---- Citrix NetScaler / ADC ---- */

static void
front__netscaler_nsc_cookie__netscaler(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200, "<html><body></body></html>",
           "Content-Type", "text/html",
           "Set-Cookie", "NSC_AAAC=xyz;Path=/;Secure;HttpOnly",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "netscaler", "NSC_");
}

static void
front__netscaler_vpn_index_redirect__netscaler(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "", "Location", "/vpn/index.html", NULL);
    classify(&c, &v);
    assert_preauth(&v, "netscaler", "/vpn/index.html");
}

/* ---- Entra application proxy ---- */

static void
front__entra_login_redirect__entra_app_proxy(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "",
           "Location", "https://login.microsoftonline.com/common/oauth2/authorize?response_type="
                       "code&client_id=f3e1b2a4-0c6d-4e8f-9a1b-2c3d4e5f6a7b&scope=openid&"
                       "redirect_uri=https%3a%2f%2fmail.contoso.com%2f",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "entra-app-proxy", "login.microsoftonline.com");
}

static void
front__entra_access_cookie__entra_app_proxy(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200, "",
           "Set-Cookie", "AzureAppProxyAccessCookie_x_1.3=abcdef; path=/; secure; HttpOnly",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "entra-app-proxy", "AzureAppProxyAccessCookie");
}

/* ---- AD FS Web Application Proxy ---- */

static void
front__adfs_ls_redirect__adfs_wap(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "",
           "Location", "https://sts.contoso.com/adfs/ls/?wa=wsignin1.0&wtrealm=urn%3aAppProxy"
                       "%3acom&wctx=EstsRedirect",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "adfs-wap", "/adfs/ls");
}

/* ---- a proxy asking for Basic credentials ---- */

static void
front__401_basic_only_without_exchange_headers__basic_proxy(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "",
           "WWW-Authenticate", "Basic realm=\"proxy\"",
           "Content-Length", "0",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "basic-proxy", "Basic");
    assert_string_equal(v.methods, "Basic");
    assert_int_equal(v.exchange_headers, 0);
    assert_int_equal(xp_front_has_exchange_auth(&v), 0);
}

static void
front__401_basic_only_with_request_id__exchange(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "",
           "request-id", "0d7c4b1e-8f2a-4c3d-9e5f-6a7b8c9d0e1f",
           "WWW-Authenticate", "Basic realm=\"mail.contoso.com\"",
           NULL);
    classify(&c, &v);
    assert_exchange(&v);
    assert_string_equal(v.methods, "Basic");
    assert_int_equal(v.exchange_headers, 1);
    assert_int_equal(xp_front_has_exchange_auth(&v), 0);
}

/* ---- WAFs ---- */

static void
front__incapsula_cookie__waf(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200, "",
           "Set-Cookie", "visid_incap_1=Zm9v; expires=Sat, 21 Nov 2026 10:00:00 GMT",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "waf", "visid_incap");
    canned(&c, 200, "",
           "Set-Cookie", "incap_ses_1_2=YmFyYmF6; path=/; Domain=.contoso.com",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "waf", "incap_ses");
}

static void
front__server_fortiweb__waf(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 403, "Blocked", "Server", "FortiWeb-5.3", NULL);
    classify(&c, &v);
    assert_preauth(&v, "waf", "FortiWeb");
}

/* ---- generic heuristics ---- */

static void
front__redirect_to_foreign_login__other(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "", "Location", "https://login.contoso.com/sso", NULL);
    classify(&c, &v);
    assert_preauth(&v, "other", "https://login.contoso.com/sso");
}

static void
front__redirect_to_autodiscover_path__not_preauth(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "",
           "Location", "https://mail.contoso.com/autodiscover/autodiscover.xml", NULL);
    classify(&c, &v);
    assert_unknown(&v);
    /* the path matched case-insensitively too */
    canned(&c, 301, "",
           "Location", "https://mail.contoso.com/Autodiscover/Autodiscover.xml", NULL);
    classify(&c, &v);
    assert_unknown(&v);
    canned(&c, 302, "", "Location", "https://mail.contoso.com/EWS/Exchange.asmx", NULL);
    classify(&c, &v);
    assert_unknown(&v);
}

/*
 * A login redirect that carries the original URL unencoded in its query
 * (legal: RFC 3986 allows "/" and ":" there) still leaves Exchange's paths:
 * only the target's path should decide, not a substring of the whole URL.
 */
static void
front__login_redirect_with_autodiscover_in_query__other(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "",
           "Location", "https://sso.contoso.com/login?target=https://mail.contoso.com"
                       "/autodiscover/autodiscover.xml",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "other", "https://sso.contoso.com/login");
}

static void
front__200_html_password_form__other(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200,
           "<!DOCTYPE html><html><head><title>Portal</title></head><body>"
           "<form method=\"post\" action=\"/auth\"><input name=\"user\">"
           "<input type=\"password\" name=\"pw\"><button>Go</button></form></body></html>",
           "Content-Type", "text/html; charset=utf-8",
           NULL);
    classify(&c, &v);
    assert_preauth(&v, "other", "HTML");
}

static void
front__200_html_without_login__unknown(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200, "<html><body><h1>It works!</h1></body></html>",
           "Content-Type", "text/html", NULL);
    classify(&c, &v);
    assert_unknown(&v);
}

static void
front__404_plain_text_from_nginx__unknown(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 404, "404 page not found\n",
           "Server", "nginx/1.22.1",
           "Content-Type", "text/plain",
           NULL);
    classify(&c, &v);
    assert_unknown(&v);
    assert_int_equal(v.exchange_headers, 0);
    assert_string_equal(v.methods, "");
}

static void
front__401_without_challenge_or_headers__unknown(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "", "Content-Length", "0", NULL);
    classify(&c, &v);
    assert_unknown(&v);
    assert_string_equal(v.methods, "");
    assert_int_equal(xp_front_has_exchange_auth(&v), 0);
}

/* A Location header outside a 3xx is no redirect. */
static void
front__location_on_non_redirect__ignored(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 201, "", "Location", "/my.policy", NULL);
    assert_null(c.r.location);
    classify(&c, &v);
    assert_unknown(&v);
}

/* ---- header names are case-insensitive ---- */

static void
front__lowercase_set_cookie__matched(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 200, "", "set-cookie", "NSC_AAAC=xyz;Path=/", NULL);
    classify(&c, &v);
    assert_preauth(&v, "netscaler", "NSC_");
}

static void
front__uppercase_server__matched(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 403, "", "SERVER", "FortiWeb-5.3", NULL);
    classify(&c, &v);
    assert_preauth(&v, "waf", "FortiWeb");
}

static void
front__mixed_case_exchange_headers__exchange(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "",
           "Request-Id", "0d7c4b1e-8f2a-4c3d-9e5f-6a7b8c9d0e1f",
           "x-feserver", "EXCH01",
           "www-authenticate", "Basic realm=\"mail.contoso.com\"",
           NULL);
    classify(&c, &v);
    assert_exchange(&v);
    assert_int_equal(v.exchange_headers, 1);
    assert_string_equal(v.methods, "Basic");
}

static void
front__lowercase_www_authenticate__methods_collected(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "",
           "www-authenticate", "Negotiate",
           "WWW-AUTHENTICATE", "NTLM",
           NULL);
    classify(&c, &v);
    assert_exchange(&v);
    assert_string_equal(v.methods, "Negotiate, NTLM");
}

static void
front__lowercase_location_header__matched(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 302, "", "location", "/my.policy", NULL);
    c.r.location = NULL;   /* only the header: the fallback path reads it by name */
    classify(&c, &v);
    assert_preauth(&v, "f5-apm", "/my.policy");
}

/* ---- xp_front_has_exchange_auth ---- */

static void
has_exchange_auth__each_scheme__negotiate_or_ntlm_only(void **state)
{
    struct xp_front_verdict v;

    (void)state;
    memset(&v, 0, sizeof(v));
    assert_int_equal(xp_front_has_exchange_auth(&v), 0);
    snprintf(v.methods, sizeof(v.methods), "Negotiate");
    assert_int_equal(xp_front_has_exchange_auth(&v), 1);
    snprintf(v.methods, sizeof(v.methods), "NTLM");
    assert_int_equal(xp_front_has_exchange_auth(&v), 1);
    snprintf(v.methods, sizeof(v.methods), "Basic, NTLM");
    assert_int_equal(xp_front_has_exchange_auth(&v), 1);
    snprintf(v.methods, sizeof(v.methods), "Basic");
    assert_int_equal(xp_front_has_exchange_auth(&v), 0);
    snprintf(v.methods, sizeof(v.methods), "Digest");
    assert_int_equal(xp_front_has_exchange_auth(&v), 0);
}

/* The 401 challenge with parameters keeps only the scheme names. */
static void
front__challenge_parameters__scheme_names_only(void **state)
{
    struct canned c;
    struct xp_front_verdict v;

    (void)state;
    canned(&c, 401, "",
           "request-id", "0d7c4b1e-8f2a-4c3d-9e5f-6a7b8c9d0e1f",
           "WWW-Authenticate", "Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", "
                               "trusted_issuers=\"00000001-0000-0000-c000-000000000000@*\", "
                               "authorization_uri=\"https://login.windows.net/common/oauth2/"
                               "authorize\"",
           "WWW-Authenticate", "Negotiate",
           "WWW-Authenticate", "NTLM",
           "WWW-Authenticate", "Basic realm=\"mail.contoso.com\"",
           NULL);
    classify(&c, &v);
    /* login.windows.net inside a challenge is not a redirect to Entra */
    assert_exchange(&v);
    assert_string_equal(v.methods, "Bearer, Negotiate, NTLM, Basic");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(front__exchange_401_three_challenges_and_headers__exchange),
        cmocka_unit_test(front__exchange_401_negotiate_ntlm_without_headers__exchange),
        cmocka_unit_test(front__200_with_x_feserver__exchange),
        cmocka_unit_test(front__each_exchange_only_header__counts),
        cmocka_unit_test(front__tmg_cookieauth_redirect__tmg),
        cmocka_unit_test(front__tmg_logon_form_page__tmg),
        cmocka_unit_test(front__uag_internalsite_redirect__uag),
        cmocka_unit_test(front__uag_uniquesig_redirect__uag),
        cmocka_unit_test(front__f5_my_policy_redirect__f5),
        cmocka_unit_test(front__f5_mrhsession_cookie__f5),
        cmocka_unit_test(front__f5_server_bigip__f5),
        cmocka_unit_test(front__netscaler_nsc_cookie__netscaler),
        cmocka_unit_test(front__netscaler_vpn_index_redirect__netscaler),
        cmocka_unit_test(front__entra_login_redirect__entra_app_proxy),
        cmocka_unit_test(front__entra_access_cookie__entra_app_proxy),
        cmocka_unit_test(front__adfs_ls_redirect__adfs_wap),
        cmocka_unit_test(front__401_basic_only_without_exchange_headers__basic_proxy),
        cmocka_unit_test(front__401_basic_only_with_request_id__exchange),
        cmocka_unit_test(front__incapsula_cookie__waf),
        cmocka_unit_test(front__server_fortiweb__waf),
        cmocka_unit_test(front__redirect_to_foreign_login__other),
        cmocka_unit_test(front__redirect_to_autodiscover_path__not_preauth),
        cmocka_unit_test(front__login_redirect_with_autodiscover_in_query__other),
        cmocka_unit_test(front__200_html_password_form__other),
        cmocka_unit_test(front__200_html_without_login__unknown),
        cmocka_unit_test(front__404_plain_text_from_nginx__unknown),
        cmocka_unit_test(front__401_without_challenge_or_headers__unknown),
        cmocka_unit_test(front__location_on_non_redirect__ignored),
        cmocka_unit_test(front__lowercase_set_cookie__matched),
        cmocka_unit_test(front__uppercase_server__matched),
        cmocka_unit_test(front__mixed_case_exchange_headers__exchange),
        cmocka_unit_test(front__lowercase_www_authenticate__methods_collected),
        cmocka_unit_test(front__lowercase_location_header__matched),
        cmocka_unit_test(has_exchange_auth__each_scheme__negotiate_or_ntlm_only),
        cmocka_unit_test(front__challenge_parameters__scheme_names_only),
    };

    return cmocka_run_group_tests_name("front", tests, NULL, NULL);
}
