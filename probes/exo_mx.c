/*
 * exo_mx.c — the one rule for "is this MX Exchange Online's, and which
 * kind" (include/xp_exo.h). Pure: no I/O, no allocation.
 */
#include "xp_exo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xp.h"
#include "xp_model.h"

/* The legacy suffixes: one row per cloud (modern.md §2, SPF/MX per cloud). */
static const struct {
    const char *suffix;
    const char *cloud;
} legacy[] = {
    { "mail.protection.outlook.com", "worldwide" },
    { "mail.protection.office365.us", "gcc-high" },
    { "mail.protection.partner.outlook.cn", "21vianet" },
    { "mail.protection.outlook.de", "germany" },
};

#define DNSSEC_ZONE "mx.microsoft"

static size_t
name_len(const char *s)
{
    size_t n = strlen(s);

    return n && s[n - 1] == '.' ? n - 1 : n;
}

/* Does the host have at least one label in front of suffix (which it
 * ends with)? "x.mail.protection.outlook.com" yes, the suffix itself no. */
static int
has_tenant_label(const char *host, const char *suffix)
{
    return xp_name_ends_with(host, suffix) && name_len(host) > name_len(suffix) + 1;
}

/* "j-v1": letters/digits, "-v", digits. Microsoft issues one letter; the
 * rule takes any alphanumeric run so a new letter scheme still counts. */
static int
is_version_label(const char *s, size_t n)
{
    size_t i = 0, j;

    while (i < n && isalnum((unsigned char)s[i]))
        i++;
    if (i == 0 || i + 2 >= n || s[i] != '-' || tolower((unsigned char)s[i + 1]) != 'v')
        return 0;
    for (j = i + 2; j < n; j++)
        if (!isdigit((unsigned char)s[j]))
            return 0;
    return 1;
}

static void
set_out(struct xp_exo_mx *out, enum xp_exo_kind kind, const char *cloud, const char *zone,
        size_t zlen)
{
    if (!out)
        return;
    out->kind = kind;
    out->cloud = cloud;
    if (zlen >= sizeof(out->zone))
        zlen = sizeof(out->zone) - 1;
    memcpy(out->zone, zone, zlen);
    out->zone[zlen] = '\0';
}

/* host = <tenant>.<x>-v1.mx.microsoft: returns the start of "<x>-v1..." */
static const char *
dnssec_zone(const char *host)
{
    size_t n = name_len(host), zl = strlen(DNSSEC_ZONE);
    const char *lab;
    size_t lablen;

    if (!xp_name_ends_with(host, DNSSEC_ZONE) || n <= zl + 1)
        return NULL;
    /* the label just before ".mx.microsoft" */
    lablen = 0;
    lab = host + n - zl - 1;          /* the '.' before mx.microsoft */
    while (lab > host && lab[-1] != '.') {
        lab--;
        lablen++;
    }
    /* a tenant label (one byte at least, then its dot) and "<x>-v1" */
    if (lab - host < 2 || lab[-2] == '.' || !is_version_label(lab, lablen))
        return NULL;
    return lab;
}

enum xp_exo_kind
xp_exo_mx_classify(const char *host, const char *extra_suffix, struct xp_exo_mx *out)
{
    const char *z;
    size_t i;

    set_out(out, XP_EXO_NOT, NULL, "", 0);
    /* not a host name: empty, or an empty label (leading dot, "..") */
    if (!host || !*host || host[0] == '.' || strstr(host, ".."))
        return XP_EXO_NOT;
    if ((z = dnssec_zone(host))) {
        set_out(out, XP_EXO_DNSSEC, "worldwide", z, name_len(z));
        return XP_EXO_DNSSEC;
    }
    for (i = 0; i < XP_ARRAY_LEN(legacy); i++)
        if (has_tenant_label(host, legacy[i].suffix)) {
            set_out(out, XP_EXO_LEGACY, legacy[i].cloud, legacy[i].suffix,
                    strlen(legacy[i].suffix));
            return XP_EXO_LEGACY;
        }
    if (extra_suffix && *extra_suffix && has_tenant_label(host, extra_suffix)) {
        set_out(out, XP_EXO_LEGACY, "custom", extra_suffix, name_len(extra_suffix));
        return XP_EXO_LEGACY;
    }
    return XP_EXO_NOT;
}

int
xp_exo_mx_is_exo(const char *host, const char *extra_suffix)
{
    return xp_exo_mx_classify(host, extra_suffix, NULL) != XP_EXO_NOT;
}

unsigned
xp_exo_about_endpoint(const char *host, int port)
{
    unsigned about = 0;

    if (host && xp_exo_mx_is_exo(host, NULL))
        about |= XP_ABOUT_EXO_HOST;
    if (port == 25 || port == 587)
        about |= XP_ABOUT_SMTP_PORT;
    return about;
}

const char *
xp_exo_kind_name(enum xp_exo_kind kind)
{
    switch (kind) {
    case XP_EXO_LEGACY:
        return "legacy";
    case XP_EXO_DNSSEC:
        return "dnssec";
    default:
        return "customer";
    }
}

void
xp_exo_mx_set_init(struct xp_exo_mx_set *s)
{
    memset(s, 0, sizeof(*s));
    s->legacy_pref = s->dnssec_pref = -1;
}

static void
lowest(int *have, int pref)
{
    if (*have < 0 || (pref >= 0 && pref < *have))
        *have = pref;
}

void
xp_exo_mx_set_add(struct xp_exo_mx_set *s, const char *host, int preference,
                  const char *extra_suffix)
{
    switch (xp_exo_mx_classify(host, extra_suffix, NULL)) {
    case XP_EXO_LEGACY:
        s->legacy++;
        lowest(&s->legacy_pref, preference);
        break;
    case XP_EXO_DNSSEC:
        s->dnssec++;
        lowest(&s->dnssec_pref, preference);
        break;
    default:
        s->other++;
        break;
    }
}

enum xp_exo_state
xp_exo_mx_set_state(const struct xp_exo_mx_set *s)
{
    int exo = s->legacy + s->dnssec;

    if (exo && s->other)
        return XP_EXO_SET_MIXED;
    if (s->legacy && s->dnssec)
        return XP_EXO_SET_MIGRATION;
    if (s->legacy)
        return XP_EXO_SET_LEGACY;
    if (s->dnssec)
        return XP_EXO_SET_DNSSEC;
    return s->other ? XP_EXO_SET_CUSTOMER : XP_EXO_SET_EMPTY;
}

void
xp_exo_migration_next_step(const struct xp_exo_mx_set *s, const char *domain, char *buf,
                           size_t len)
{
    if (!len)
        return;
    buf[0] = '\0';
    if (s->dnssec_pref < 0 || s->legacy_pref < 0)
        return;
    if (s->dnssec_pref >= s->legacy_pref)
        snprintf(buf, len, "Next: give the *.mx.microsoft MX preference 0 and move the legacy "
                 "MX behind it (e.g. 30); once mail flows through the new MX, delete the legacy "
                 "MX; then run Enable-SmtpDaneInbound -DomainName %s.", domain);
    else
        snprintf(buf, len, "Next: the *.mx.microsoft MX is already preferred; delete the legacy "
                 "MX (after updating the MTA-STS policy's mx: lines if you publish one), then "
                 "run Enable-SmtpDaneInbound -DomainName %s.", domain);
}

int
xp_exo_mx_sts_pattern(const char *host, char *buf, size_t len)
{
    struct xp_exo_mx m;

    if (len)
        buf[0] = '\0';
    if (xp_exo_mx_classify(host, NULL, &m) == XP_EXO_NOT || len < strlen(m.zone) + 3)
        return 0;
    snprintf(buf, len, "*.%s", m.zone);
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 1;
}

void
xp_exo_tenant_label(const char *domain, char *buf, size_t len)
{
    size_t n = name_len(domain), i;

    if (!len)
        return;
    for (i = 0; i < n && i + 1 < len; i++)
        buf[i] = domain[i] == '.' ? '-' : (char)tolower((unsigned char)domain[i]);
    buf[i] = '\0';
}
