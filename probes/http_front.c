/*
 * http_front.c — telling Exchange's own answer from a pre-authenticating
 * reverse proxy's, from status, Location, cookies, Server/Via headers,
 * the WWW-Authenticate challenges and the body. The signatures are those
 * of domain.md §2.3; each is one table row.
 */
#define _GNU_SOURCE
#include "xp_front.h"
#include "xp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Where a product shows itself, and what it looks like there. */
enum where { IN_LOCATION, IN_COOKIE, IN_SERVER, IN_BODY };

struct signature {
    enum where where;
    const char *needle;        /* case-insensitive substring */
    const char *product;
    const char *name;
};

static const struct signature signatures[] = {
    { IN_LOCATION, "/CookieAuth.dll", "tmg", "Microsoft ISA/TMG forms authentication" },
    { IN_BODY, "CookieAuth.dll", "tmg", "Microsoft ISA/TMG forms authentication" },
    { IN_LOCATION, "/InternalSite/", "uag", "Microsoft Forefront UAG" },
    { IN_LOCATION, "/uniquesig", "uag", "Microsoft Forefront UAG" },
    { IN_BODY, "/InternalSite/", "uag", "Microsoft Forefront UAG" },
    { IN_LOCATION, "/my.policy", "f5-apm", "F5 BIG-IP Access Policy Manager" },
    { IN_COOKIE, "MRHSession", "f5-apm", "F5 BIG-IP Access Policy Manager" },
    { IN_COOKIE, "LastMRH_Session", "f5-apm", "F5 BIG-IP Access Policy Manager" },
    { IN_SERVER, "BigIP", "f5-apm", "F5 BIG-IP" },
    { IN_LOCATION, "/vpn/index.html", "netscaler", "Citrix NetScaler / ADC gateway" },
    { IN_LOCATION, "/logon/LogonPoint", "netscaler", "Citrix NetScaler / ADC gateway" },
    { IN_COOKIE, "NSC_", "netscaler", "Citrix NetScaler / ADC" },
    { IN_LOCATION, "login.microsoftonline.com", "entra-app-proxy",
      "Microsoft Entra application proxy" },
    { IN_LOCATION, "login.windows.net", "entra-app-proxy", "Microsoft Entra application proxy" },
    { IN_COOKIE, "AzureAppProxyAccessCookie", "entra-app-proxy",
      "Microsoft Entra application proxy" },
    { IN_LOCATION, "/adfs/ls", "adfs-wap", "AD FS Web Application Proxy" },
    { IN_COOKIE, "incap_ses", "waf", "Imperva Incapsula WAF" },
    { IN_COOKIE, "visid_incap", "waf", "Imperva Incapsula WAF" },
    { IN_SERVER, "FortiWeb", "waf", "Fortinet FortiWeb WAF" },
};

static const char *const exchange_headers[] = {
    "request-id", "X-FEServer", "X-BEServer", "X-CalculatedBETarget", "X-TargetBEServer",
    "X-DiagInfo", "X-OWA-Version", "X-CasErrorCode", "X-BackEndHttpStatus",
};

static int
contains(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static int
matches(const struct xp_http_resp *r, const struct signature *sig)
{
    size_t i;

    switch (sig->where) {
    case IN_LOCATION:
        return r->status >= 300 && r->status < 400 &&
               contains(r->location ? r->location : xp_http_header(r, "Location"),
                        sig->needle);
    case IN_SERVER:
        return contains(xp_http_header(r, "Server"), sig->needle);
    case IN_BODY:
        return contains(r->body, sig->needle);
    case IN_COOKIE:
        for (i = 0; i < r->nheaders; i++)
            if (strcasecmp(r->headers[i].name, "Set-Cookie") == 0 &&
                contains(r->headers[i].value, sig->needle))
                return 1;
        return 0;
    }
    return 0;
}

/* The schemes offered ("Negotiate, NTLM, Basic"), from every challenge. */
static void
auth_methods(const struct xp_http_resp *r, char *buf, size_t len)
{
    size_t i, n = 0;

    buf[0] = '\0';
    for (i = 0; i < r->nheaders && n + 1 < len; i++) {
        const char *v = r->headers[i].value;
        size_t w;

        if (strcasecmp(r->headers[i].name, "WWW-Authenticate") != 0)
            continue;
        w = strcspn(v, " ,");
        n += (size_t)snprintf(buf + n, len - n, "%s%.*s", n ? ", " : "", (int)w, v);
    }
}

/* Does the path of URL (not its query) lead into Exchange's own paths? */
static int
path_is_exchange(const char *url)
{
    const char *p = strstr(url, "://");
    size_t n;
    char path[512];

    p = p ? strchr(p + 3, '/') : url;
    if (!p)
        return 0;
    n = strcspn(p, "?#");
    if (n >= sizeof(path))
        n = sizeof(path) - 1;
    memcpy(path, p, n);
    path[n] = '\0';
    return contains(path, "/autodiscover/") || contains(path, "/ews/");
}

int
xp_front_has_exchange_auth(const struct xp_front_verdict *v)
{
    return contains(v->methods, "Negotiate") || contains(v->methods, "NTLM");
}

void
xp_front_classify(const struct xp_http_resp *r, struct xp_front_verdict *v)
{
    size_t i;

    memset(v, 0, sizeof(*v));
    v->front = XP_FRONT_UNKNOWN;
    auth_methods(r, v->methods, sizeof(v->methods));
    for (i = 0; i < XP_ARRAY_LEN(exchange_headers); i++)
        if (xp_http_header(r, exchange_headers[i]))
            v->exchange_headers = 1;
    for (i = 0; i < XP_ARRAY_LEN(signatures); i++) {
        if (matches(r, &signatures[i])) {
            v->front = XP_FRONT_PREAUTH;
            v->product = signatures[i].product;
            v->product_name = signatures[i].name;
            snprintf(v->why, sizeof(v->why), "%s signature: '%s' in the %s",
                     signatures[i].name, signatures[i].needle,
                     signatures[i].where == IN_LOCATION ? "redirect (Location)"
                     : signatures[i].where == IN_COOKIE ? "cookies"
                     : signatures[i].where == IN_SERVER ? "Server header" : "page");
            return;
        }
    }
    if (r->status == 401 && v->methods[0] && !xp_front_has_exchange_auth(v) &&
        !v->exchange_headers) {
        int basic_only = strcasecmp(v->methods, "Basic") == 0;

        v->front = XP_FRONT_PREAUTH;
        v->product = basic_only ? "basic-proxy" : "other";
        v->product_name = basic_only ? "a proxy asking for Basic credentials"
                                     : "a proxy asking for its own credentials";
        snprintf(v->why, sizeof(v->why), "401 offering only %s, without Exchange's headers "
                 "(request-id, X-FEServer) or its Negotiate/NTLM challenges", v->methods);
        return;
    }
    if (v->exchange_headers || (r->status == 401 && xp_front_has_exchange_auth(v))) {
        v->front = XP_FRONT_EXCHANGE;
        snprintf(v->why, sizeof(v->why), "%s%s%s", v->exchange_headers
                 ? "Exchange's headers (request-id / X-FEServer)" : "",
                 v->exchange_headers && v->methods[0] ? " and " : "",
                 v->methods[0] ? "Exchange's authentication challenges" : "");
        return;
    }
    if (r->status >= 300 && r->status < 400 && r->location && !path_is_exchange(r->location)) {
        v->front = XP_FRONT_PREAUTH;
        v->product = "other";
        v->product_name = "an unrecognised login redirect";
        snprintf(v->why, sizeof(v->why), "%ld redirect away from Exchange's paths to %.180s",
                 r->status, r->location);
        return;
    }
    if (r->status == 200 && contains(xp_http_header(r, "Content-Type"), "html") &&
        (contains(r->body, "password") || contains(r->body, "login") ||
         contains(r->body, "sign in"))) {
        v->front = XP_FRONT_PREAUTH;
        v->product = "other";
        v->product_name = "an HTML login page";
        snprintf(v->why, sizeof(v->why), "200 with an HTML login form where Exchange "
                 "answers 401 or XML");
    }
}
