/*
 * dmarc.c — DMARC records parsed and validated, tag by tag (xp_dmarc.h).
 */
#include "xp_dmarc.h"
#include "xp_tagval.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int
xp_dmarc_is_record(const char *txt, size_t len)
{
    size_t i = 8;

    if (len < 8 || strncmp(txt, "v=DMARC1", 8) != 0)
        return 0;
    while (i < len && (txt[i] == ' ' || txt[i] == '\t'))
        i++;
    return i == len || txt[i] == ';';
}

const char *
xp_dmarc_policy_name(enum xp_dmarc_policy p)
{
    switch (p) {
    case XP_DMARC_P_NONE:
        return "none";
    case XP_DMARC_P_QUARANTINE:
        return "quarantine";
    case XP_DMARC_P_REJECT:
        return "reject";
    case XP_DMARC_P_BAD:
        return "invalid";
    default:
        return "not set";
    }
}

static void
problem(struct xp_dmarc *d, const char *why, int fatal)
{
    if (d->nproblems < XP_DMARC_NOTES)
        d->problem[d->nproblems++] = why;
    d->fatal |= fatal;
}

static void
deprecated(struct xp_dmarc *d, const char *what)
{
    size_t i;

    for (i = 0; i < d->ndeprecated; i++)
        if (strcmp(d->deprecated[i], what) == 0)
            return;
    if (d->ndeprecated < XP_DMARC_NOTES)
        d->deprecated[d->ndeprecated++] = what;
}

static enum xp_dmarc_policy
policy(const struct xp_tag *t)
{
    if (!t)
        return XP_DMARC_P_NONE_SET;
    if (xp_tag_is(t, "none"))
        return XP_DMARC_P_NONE;
    if (xp_tag_is(t, "quarantine"))
        return XP_DMARC_P_QUARANTINE;
    if (xp_tag_is(t, "reject"))
        return XP_DMARC_P_REJECT;
    return XP_DMARC_P_BAD;
}

/* Is every ':'-separated item of t one of the allowed words? */
static int
items_in(const struct xp_tag *t, const char *const *allowed)
{
    const char *item;
    size_t len, pos = 0, i;
    int n = 0;

    while (xp_tag_next_item(t, ':', &pos, &item, &len)) {
        for (i = 0; allowed[i]; i++)
            if (strlen(allowed[i]) == len && strncasecmp(item, allowed[i], len) == 0)
                break;
        if (!allowed[i])
            return 0;
        n++;
    }
    return n > 0;
}

static int
number(const struct xp_tag *t, long max, long *out)
{
    size_t i;
    long v = 0;

    if (t->valuelen == 0 || t->valuelen > 10)
        return 0;
    for (i = 0; i < t->valuelen; i++) {
        if (!isdigit((unsigned char)t->value[i]))
            return 0;
        v = v * 10 + (t->value[i] - '0');
    }
    *out = v;
    return v <= max;
}

/* rua= / ruf=: comma-separated URIs; mailto: with an address, an optional
 * !size (removed by DMARCbis). */
static void
uris(struct xp_dmarc *d, const struct xp_tag *t, struct xp_dmarc_uri *out, size_t *n,
     const char *bad)
{
    const char *item;
    size_t len, pos = 0;

    while (xp_tag_next_item(t, ',', &pos, &item, &len)) {
        const char *bang = memchr(item, '!', len), *at;
        size_t ulen = bang ? (size_t)(bang - item) : len, dl;
        struct xp_dmarc_uri *u;

        if (bang)
            deprecated(d, "report size limit (!size on a URI)");
        if (ulen < 8 || strncasecmp(item, "mailto:", 7) != 0) {
            problem(d, len && strncasecmp(item, "https:", 6) == 0
                           ? "a report URI is not mailto: (receivers send reports by mail only)"
                           : bad, 0);
            continue;
        }
        at = memchr(item + 7, '@', ulen - 7);
        dl = at ? (size_t)(item + ulen - at - 1) : 0;
        if (!at || at == item + 7 || dl == 0 || dl > 253 || memchr(at + 1, '@', dl)) {
            problem(d, bad, 0);
            continue;
        }
        if (*n == XP_DMARC_URIS)
            continue;
        u = &out[(*n)++];
        u->uri = item;
        u->len = ulen;
        snprintf(u->domain, sizeof(u->domain), "%.*s", (int)dl, at + 1);
        for (dl = 0; u->domain[dl]; dl++)
            u->domain[dl] = (char)tolower((unsigned char)u->domain[dl]);
    }
}

static void
unknown_tag(struct xp_dmarc *d, const struct xp_tag *t)
{
    static const char *const known[] = { "v", "p", "sp", "np", "adkim", "aspf", "pct", "rua",
                                         "ruf", "fo", "rf", "ri", "t", "psd", NULL };
    size_t i, n = strlen(d->unknown);

    for (i = 0; known[i]; i++)
        if (strlen(known[i]) == t->namelen && memcmp(known[i], t->name, t->namelen) == 0)
            return;
    snprintf(d->unknown + n, sizeof(d->unknown) - n, "%s%.*s", n ? ", " : "",
             (int)t->namelen, t->name);
}

static char
align(struct xp_dmarc *d, const struct xp_tag *t, const char *bad)
{
    if (!t)
        return 'r';
    if (xp_tag_is(t, "r") || xp_tag_is(t, "s"))
        return (char)tolower((unsigned char)t->value[0]);
    problem(d, bad, 0);
    return 'r';
}

int
xp_dmarc_parse(const char *txt, size_t len, struct xp_dmarc *d)
{
    static const char *const fo_words[] = { "0", "1", "d", "s", NULL };
    static const char *const rf_words[] = { "afrf", NULL };
    struct xp_tags t;
    struct xp_tags_error e;
    const struct xp_tag *tag;
    long v;
    size_t i;

    memset(d, 0, sizeof(*d));
    d->pct = -1;
    d->adkim = d->aspf = 'r';
    if (xp_tags_parse(txt, len, &t, &e) < 0) {
        problem(d, e.reason, 1);
        return -1;
    }
    if (!xp_tags_first_is(&t, "v", "DMARC1")) {
        problem(d, "v=DMARC1 is not the first tag", 1);
        return -1;
    }
    for (i = 0; i < t.n; i++)
        unknown_tag(d, &t.tag[i]);
    d->p = policy(xp_tags_get(&t, "p"));
    if (d->p == XP_DMARC_P_BAD)
        problem(d, "p= is not none, quarantine or reject", 1);
    d->sp = policy(xp_tags_get(&t, "sp"));
    if (d->sp == XP_DMARC_P_BAD)
        problem(d, "sp= is not none, quarantine or reject", 1);
    d->np = policy(xp_tags_get(&t, "np"));
    if (d->np == XP_DMARC_P_BAD)
        problem(d, "np= is not none, quarantine or reject", 0);
    d->adkim = align(d, xp_tags_get(&t, "adkim"), "adkim= is not r or s");
    d->aspf = align(d, xp_tags_get(&t, "aspf"), "aspf= is not r or s");
    if ((tag = xp_tags_get(&t, "pct"))) {
        deprecated(d, "pct");
        if (number(tag, 100, &v))
            d->pct = (int)v;
        else
            problem(d, "pct= is not a number from 0 to 100", 0);
    }
    if ((tag = xp_tags_get(&t, "rf"))) {
        deprecated(d, "rf");
        if (!items_in(tag, rf_words))
            problem(d, "rf= is not afrf", 0);
    }
    if ((tag = xp_tags_get(&t, "ri"))) {
        deprecated(d, "ri");
        if (!number(tag, 4294967295L, &v))
            problem(d, "ri= is not a number of seconds", 0);
    }
    if ((tag = xp_tags_get(&t, "fo")) && !items_in(tag, fo_words))
        problem(d, "fo= is not a ':'-list of 0, 1, d, s", 0);
    if ((tag = xp_tags_get(&t, "t"))) {
        if (xp_tag_is(tag, "y"))
            d->testing = 1;
        else if (!xp_tag_is(tag, "n"))
            problem(d, "t= is not y or n", 0);
    }
    if ((tag = xp_tags_get(&t, "psd"))) {
        if (xp_tag_is(tag, "y") || xp_tag_is(tag, "n") || xp_tag_is(tag, "u"))
            d->psd = (char)tolower((unsigned char)tag->value[0]);
        else
            problem(d, "psd= is not y, n or u", 0);
    }
    if ((tag = xp_tags_get(&t, "rua")))
        uris(d, tag, d->rua, &d->nrua, "a rua= address is not a valid mailto: URI");
    if ((tag = xp_tags_get(&t, "ruf")))
        uris(d, tag, d->ruf, &d->nruf, "a ruf= address is not a valid mailto: URI");
    return d->fatal ? -1 : 0;
}

enum xp_dmarc_policy
xp_dmarc_effective(const struct xp_dmarc *d, int subdomain)
{
    enum xp_dmarc_policy p = subdomain && d->sp != XP_DMARC_P_NONE_SET ? d->sp : d->p;

    if (p == XP_DMARC_P_NONE_SET || p == XP_DMARC_P_BAD)
        p = XP_DMARC_P_NONE;    /* RFC 7489 6.6.3 (with rua), DMARCbis: missing p is none */
    if (d->testing && p > XP_DMARC_P_NONE)
        p--;
    if (d->pct == 0 && p > XP_DMARC_P_NONE)
        p--;                    /* pct=0: the policy is applied to no message (7489 6.6.4) */
    return p;
}
