/*
 * msjson.c — Autodiscover v2 and OpenID configuration documents (see
 * xp_msjson.h). jansson parses; only string members are copied out, each
 * truncated to its buffer.
 */
#include "xp_msjson.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The ACS principal of Exchange Online's trusted issuers. */
#define ACS_PRINCIPAL "00000001-0000-0000-c000-000000000000@"

static json_t *
load(const char *body, size_t len, char *why, size_t whylen)
{
    json_error_t err;
    json_t *doc;

    if (len > XP_MSJSON_MAX) {
        snprintf(why, whylen, "body of %zu bytes is over the %d-byte limit", len,
                 XP_MSJSON_MAX);
        return NULL;
    }
    doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        snprintf(why, whylen, "not JSON: %s (line %d)", err.text, err.line);
        return NULL;
    }
    if (!json_is_object(doc)) {
        snprintf(why, whylen, "JSON, but not an object");
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void
copy(json_t *obj, const char *key, char *out, size_t len)
{
    const char *s = json_string_value(json_object_get(obj, key));

    snprintf(out, len, "%s", s ? s : "");
}

int
xp_autodv2_parse(const char *body, size_t len, struct xp_autodv2 *out, char *why, size_t whylen)
{
    json_t *doc = load(body, len, why, whylen);

    memset(out, 0, sizeof(*out));
    if (!doc)
        return -1;
    copy(doc, "Protocol", out->protocol, sizeof(out->protocol));
    copy(doc, "Url", out->url, sizeof(out->url));
    copy(doc, "ErrorCode", out->error_code, sizeof(out->error_code));
    copy(doc, "ErrorMessage", out->error_message, sizeof(out->error_message));
    json_decref(doc);
    if (!out->url[0] && !out->error_code[0]) {
        snprintf(why, whylen, "a JSON object without Url or ErrorCode");
        return -1;
    }
    return 0;
}

int
xp_is_guid(const char *s, size_t len)
{
    static const int dash[] = { 8, 13, 18, 23 };
    size_t i, d = 0;

    if (len != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        if (d < 4 && (int)i == dash[d]) {
            if (s[i] != '-')
                return 0;
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static void
lower_copy(char *out, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
}

int
xp_openid_parse(const char *body, size_t len, struct xp_openid *out, char *why, size_t whylen)
{
    json_t *doc = load(body, len, why, whylen);
    const char *p;

    memset(out, 0, sizeof(*out));
    if (!doc)
        return -1;
    copy(doc, "issuer", out->issuer, sizeof(out->issuer));
    copy(doc, "error", out->error, sizeof(out->error));
    copy(doc, "error_description", out->error_description, sizeof(out->error_description));
    json_decref(doc);
    /* https://login.microsoftonline.com/<GUID>/v2.0 (or sts.windows.net/<GUID>/) */
    p = strstr(out->issuer, "://");
    if (p && (p = strchr(p + 3, '/')) && xp_is_guid(p + 1, strcspn(p + 1, "/")))
        lower_copy(out->tenant, p + 1, 36);
    if (!out->issuer[0] && !out->error[0]) {
        snprintf(why, whylen, "a JSON object without issuer or error");
        return -1;
    }
    return 0;
}

int
xp_trusted_issuer_tenant(const char *ti, char *out, size_t len)
{
    const char *p = ti ? strstr(ti, ACS_PRINCIPAL) : NULL;

    if (!p || len < 37)
        return -1;
    p += strlen(ACS_PRINCIPAL);
    if (!xp_is_guid(p, strcspn(p, ", ;\"")))
        return -1;
    lower_copy(out, p, 36);
    return 0;
}
