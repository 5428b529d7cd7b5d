/*
 * spf.c — SPF record text (RFC 7208), pure functions (xp_spf.h).
 */
#include "xp_spf.h"
#include "xp_dns.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int
xp_spf_is_record(const char *txt, size_t len)
{
    return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

int
xp_spf_next(const char **p, const char *end, struct xp_spf_term *t)
{
    const char *s = *p, *q;

    while (s < end && *s == ' ')
        s++;
    if (s == end) {
        *p = s;
        return 0;
    }
    for (q = s; q < end && *q != ' '; q++)
        ;
    *p = q;
    t->tok = s;
    t->len = (size_t)(q - s);
    t->qualifier = 0;
    if (q - s > 1 && memchr("+-~?", *s, 4))
        t->qualifier = *s++;
    t->name = s;
    while (s < q && *s != ':' && *s != '/' && *s != '=')
        s++;
    t->namelen = (size_t)(s - t->name);
    t->delim = s < q ? *s : 0;
    t->arg = s < q ? s + 1 : q;
    t->arglen = (size_t)(q - t->arg);
    return 1;
}

static int
term_is(const struct xp_spf_term *t, const char *name)
{
    size_t n = strlen(name);

    return t->namelen == n && strncasecmp(t->name, name, n) == 0;
}

/* RFC 7208 4.6.4: include, a, mx, ptr and exists query DNS, and so does
 * the redirect modifier; ip4, ip6, all and exp= do not count. */
enum xp_spf_kind
xp_spf_kind(const struct xp_spf_term *t)
{
    if (t->delim == '=')
        return term_is(t, "redirect") ? XP_SPF_T_REDIRECT : XP_SPF_T_OTHER;
    if (term_is(t, "include"))
        return XP_SPF_T_INCLUDE;
    if (term_is(t, "a") || term_is(t, "mx") || term_is(t, "ptr") || term_is(t, "exists"))
        return XP_SPF_T_LOOKUP;
    if (term_is(t, "all"))
        return XP_SPF_T_ALL;
    return XP_SPF_T_OTHER;
}

int
xp_spf_scan(const char *spf, size_t len, xp_spf_term_fn fn, void *ctx)
{
    const char *p, *end = spf + len;
    struct xp_spf_term t;
    int has_all = 0, n = 0;

    for (p = spf; xp_spf_next(&p, end, &t);)
        if (xp_spf_kind(&t) == XP_SPF_T_ALL)
            has_all = 1;
    for (p = spf; xp_spf_next(&p, end, &t);) {
        enum xp_spf_kind k = xp_spf_kind(&t);

        if (k == XP_SPF_T_LOOKUP || k == XP_SPF_T_INCLUDE || (k == XP_SPF_T_REDIRECT && !has_all)) {
            n++;
            if (fn)
                fn(ctx, k, &t);
        }
    }
    return n;
}

int
xp_spf_has_include(const char *spf, size_t len, const char *name)
{
    const char *p, *end = spf + len;
    struct xp_spf_term t;
    size_t n = strlen(name);

    if (n && name[n - 1] == '.')
        n--;
    for (p = spf; xp_spf_next(&p, end, &t);) {
        size_t alen = t.arglen;

        if (alen && t.arg[alen - 1] == '.')
            alen--;
        if (xp_spf_kind(&t) == XP_SPF_T_INCLUDE && t.delim == ':' && alen == n &&
            strncasecmp(t.arg, name, n) == 0)
            return 1;
    }
    return 0;
}

char
xp_spf_all(const char *spf, size_t len)
{
    const char *p, *end = spf + len;
    struct xp_spf_term t;

    for (p = spf; xp_spf_next(&p, end, &t);)
        if (xp_spf_kind(&t) == XP_SPF_T_ALL)
            return t.qualifier ? t.qualifier : '+';
    return 0;
}

const char *
xp_spf_name_problem(const char *name)
{
    size_t i, n = strlen(name);

    if (n == 0)
        return "no domain given";
    if (strchr(name, '%'))
        return "a macro, expanded per message: not followed here";
    if (n > 253)
        return "not a domain name";
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
            return "not a domain name";
    return NULL;
}

const struct xp_dns_rr *
xp_spf_records(const struct xp_dns_result *res, size_t *n)
{
    const struct xp_dns_rr *spf = NULL;
    size_t i;

    *n = 0;
    for (i = 0; i < res->nrr; i++) {
        const struct xp_dns_rr *rr = &res->rr[i];

        if (rr->type == XP_DNS_TXT && xp_spf_is_record(rr->text, rr->textlen)) {
            spf = rr;
            (*n)++;
        }
    }
    return spf;
}
