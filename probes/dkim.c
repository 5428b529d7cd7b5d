/*
 * dkim.c — Microsoft 365 DKIM selector targets and DKIM key records,
 * pure (xp_dkim.h).
 */
#include "xp_dkim.h"
#include "xp_tagval.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The legacy tenant zones: the initial domain's suffix per cloud. */
static const char *const legacy_zones[] = {
    "onmicrosoft.com",          /* worldwide, GCC */
    "onmicrosoft.us",           /* GCC High, DoD */
    "partner.onmschina.cn",     /* 21Vianet */
};

#define NEW_SUFFIX "dkim.mail.microsoft"

void
xp_dkim_dashes(const char *domain, char *buf, size_t len)
{
    size_t i, n = strlen(domain);

    if (len == 0)
        return;
    if (n && domain[n - 1] == '.')
        n--;
    for (i = 0; i < n && i + 1 < len; i++)
        buf[i] = domain[i] == '.' ? '-' : (char)tolower((unsigned char)domain[i]);
    buf[i] = '\0';
}

/* Does s (n bytes) end with "." + suffix? Returns the length before it. */
static int
ends_with(const char *s, size_t n, const char *suffix, size_t *head)
{
    size_t m = strlen(suffix);

    if (n <= m + 1 || s[n - m - 1] != '.' || strncasecmp(s + n - m, suffix, m) != 0)
        return 0;
    *head = n - m - 1;
    return 1;
}

/* A single DNS label: no dot, 1..63 bytes. */
static int
one_label(const char *s, size_t n)
{
    return n > 0 && n < 64 && !memchr(s, '.', n);
}

/* "selectorN-<dashes>" against domain. */
static void
first_label(const char *s, size_t n, const char *domain, struct xp_dkim_target *out)
{
    char dashes[256];

    out->selector = 0;
    out->domain_ok = 0;
    if (n < 10 || strncasecmp(s, "selector", 8) != 0 || (s[8] != '1' && s[8] != '2') ||
        s[9] != '-')
        return;
    out->selector = s[8] - '0';
    xp_dkim_dashes(domain, dashes, sizeof(dashes));
    out->domain_ok = n - 10 == strlen(dashes) && strncasecmp(s + 10, dashes, n - 10) == 0;
}

enum xp_dkim_format
xp_dkim_ms_target(const char *target, const char *domain, struct xp_dkim_target *out)
{
    struct xp_dkim_target tmp;
    size_t n = strlen(target), head, i;
    const char *dk, *rest;

    if (!out)
        out = &tmp;
    memset(out, 0, sizeof(*out));
    if (n && target[n - 1] == '.')
        n--;
    dk = memchr(target, '.', n);
    if (!dk || (size_t)(target + n - dk) < 12 || strncasecmp(dk, "._domainkey.", 12) != 0)
        return XP_DKIM_NOT_MS;
    rest = dk + 12;
    n -= (size_t)(rest - target);
    for (i = 0; i < sizeof(legacy_zones) / sizeof(legacy_zones[0]); i++) {
        if (ends_with(rest, n, legacy_zones[i], &head) && one_label(rest, head)) {
            out->format = XP_DKIM_LEGACY;
            snprintf(out->zone, sizeof(out->zone), "%s", legacy_zones[i]);
            break;
        }
    }
    if (!out->format && ends_with(rest, n, NEW_SUFFIX, &head)) {
        /* <tenant>.<c>-v1 before the suffix */
        const char *dot = memchr(rest, '.', head);
        size_t tl = dot ? (size_t)(dot - rest) : 0, cl = dot ? head - tl - 1 : 0;

        if (dot && one_label(rest, tl) && one_label(dot + 1, cl) && cl >= 4 &&
            strncasecmp(dot + 1 + cl - 3, "-v1", 3) == 0) {
            out->format = XP_DKIM_2025;
            snprintf(out->zone, sizeof(out->zone), "%.*s.%s", (int)cl, dot + 1, NEW_SUFFIX);
            head = tl;
        }
    }
    if (!out->format)
        return XP_DKIM_NOT_MS;
    snprintf(out->tenant, sizeof(out->tenant), "%.*s", (int)head, rest);
    for (i = 0; out->tenant[i]; i++)
        out->tenant[i] = (char)tolower((unsigned char)out->tenant[i]);
    for (i = 0; out->zone[i]; i++)
        out->zone[i] = (char)tolower((unsigned char)out->zone[i]);
    first_label(target, (size_t)(dk - target), domain, out);
    return out->format;
}

/* ---- key records ---- */

#define KEY_MAX 4096   /* decoded key bytes accepted (RSA 16384 is ~2 KB) */

/* Base64 with whitespace removed (RFC 6376 3.6.1 allows FWS in p=). */
static int
b64_decode(const char *s, size_t n, unsigned char *out, size_t *outlen)
{
    char clean[KEY_MAX * 4 / 3 + 8];
    size_t m = 0, i;
    int len, pad = 0;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        if (!isalnum(ch) && ch != '+' && ch != '/' && ch != '=')
            return -1;
        if (ch == '=')
            pad++;
        else if (pad)
            return -1;   /* data after padding */
        if (m + 1 >= sizeof(clean))
            return -1;
        clean[m++] = (char)ch;
    }
    if (m == 0 || m % 4 != 0 || pad > 2)
        return -1;
    len = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)m);
    if (len < pad)
        return -1;
    *outlen = (size_t)len - (size_t)pad;
    return 0;
}

static int
key_fail(struct xp_dkim_key *k, const char *why)
{
    k->problem = why;
    return -1;
}

/* Does the colon-separated h= list name sha256? */
static int
allows_sha256(const struct xp_tag *h)
{
    const char *item;
    size_t len, pos = 0;

    while (xp_tag_next_item(h, ':', &pos, &item, &len))
        if (len == 6 && strncasecmp(item, "sha256", 6) == 0)
            return 1;
    return 0;
}

static int
service_email(const struct xp_tag *s)
{
    const char *item;
    size_t len, pos = 0;

    while (xp_tag_next_item(s, ':', &pos, &item, &len))
        if ((len == 1 && item[0] == '*') || (len == 5 && strncasecmp(item, "email", 5) == 0))
            return 1;
    return 0;
}

/* The p= bytes as a key of type k: fills type and bits. */
static int
decode_key(struct xp_dkim_key *k, int ed25519, const unsigned char *der, size_t n)
{
    const unsigned char *p = der;
    EVP_PKEY *pk = NULL;

    if (ed25519) {
        if (n != 32)
            return key_fail(k, "k=ed25519 but p= is not a 32-byte Ed25519 key");
        snprintf(k->type, sizeof(k->type), "Ed25519");
        k->bits = 256;
        return 0;
    }
    pk = d2i_PUBKEY(NULL, &p, (long)n);
    if (!pk || p != der + n) {
        EVP_PKEY_free(pk);
        p = der;
        pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
        if (!pk || p != der + n) {
            EVP_PKEY_free(pk);
            return key_fail(k, "p= is not a DER-encoded public key");
        }
        k->pkcs1 = 1;
    }
    if (EVP_PKEY_base_id(pk) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pk);
        return key_fail(k, "p= holds a key that is not RSA, but k= says rsa");
    }
    snprintf(k->type, sizeof(k->type), "RSA");
    k->bits = EVP_PKEY_get_bits(pk);
    EVP_PKEY_free(pk);
    return 0;
}

int
xp_dkim_key_parse(const char *txt, size_t len, struct xp_dkim_key *k)
{
    unsigned char der[KEY_MAX];
    struct xp_tags t;
    struct xp_tags_error e;
    const struct xp_tag *v, *kt, *p, *ty;
    size_t n;
    int ed25519 = 0;

    memset(k, 0, sizeof(*k));
    if (xp_tags_parse(txt, len, &t, &e) < 0) {
        k->is_key = len >= 7 && strncmp(txt, "v=DKIM1", 7) == 0;
        return key_fail(k, e.reason);
    }
    v = xp_tags_get(&t, "v");
    p = xp_tags_get(&t, "p");
    k->is_key = v || p;
    if (!k->is_key)
        return key_fail(k, "not a DKIM key record (no v=DKIM1, no p=)");
    if (v && (!xp_tags_first_is(&t, "v", "DKIM1")))
        return key_fail(k, "v= must be the first tag and be DKIM1");
    if (!p)
        return key_fail(k, "no p= (public key) tag");
    if (p->valuelen == 0)
        return key_fail(k, "p= is empty: the key is revoked");
    kt = xp_tags_get(&t, "k");
    if (kt && xp_tag_is(kt, "ed25519"))
        ed25519 = 1;
    else if (kt && !xp_tag_is(kt, "rsa"))
        return key_fail(k, "k= names a key type receivers do not know (rsa or ed25519)");
    ty = xp_tags_get(&t, "s");
    if (ty && !service_email(ty))
        return key_fail(k, "s= does not include email (or *): not usable for mail");
    if (xp_tags_get(&t, "h") && !allows_sha256(xp_tags_get(&t, "h")))
        k->sha1_only = 1;
    if (xp_tags_get(&t, "t")) {
        const struct xp_tag *fl = xp_tags_get(&t, "t");
        const char *item;
        size_t il, pos = 0;

        while (xp_tag_next_item(fl, ':', &pos, &item, &il))
            if (il == 1 && item[0] == 'y')
                k->testing = 1;
    }
    if (b64_decode(p->value, p->valuelen, der, &n) < 0)
        return key_fail(k, "p= is not valid base64");
    if (decode_key(k, ed25519, der, n) < 0)
        return -1;
    return 0;
}
