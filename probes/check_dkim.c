/*
 * check_dkim.c — the `dkim` check: DKIM for the domain as Microsoft 365
 * signs it (modern.md §(b)3), and the selectors of a third-party gateway
 * named in --expect (dkim_selectors = s1,s2).
 *
 * Exchange Online signs a custom domain D only once the domain publishes
 * two CNAMEs, selector1._domainkey.D and selector2._domainkey.D, into the
 * tenant's DKIM names (legacy …onmicrosoft.com, or …<c>-v1.dkim.mail.
 * microsoft for domains added since May 2025: xp_dkim.h). It rotates
 * between them, so both must exist and point into the same tenant; it
 * publishes the key only behind the selector in use, so the other one's
 * missing key is no fault.
 *
 * Asked at once: MX and TXT of D (does D send through Exchange Online?),
 * TXT of both selectors (the resolver follows the CNAME to the key), TXT
 * of each gateway selector. Judged once every answer is in.
 */
#include "xp_check.h"
#include "xp_dkim.h"
#include "xp_expect.h"
#include "xp_m365.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_GW 16   /* dkim_selectors kept (expect.c bounds the list) */

#define DEFENDER "Microsoft Defender (security.microsoft.com) > Email & collaboration > " \
                 "Policies & rules > Threat policies > Email authentication settings > DKIM"

/* What one selector showed. */
struct sel {
    const char *name;           /* "selector1", a gateway's selector */
    struct xp_dns_slot q;
    const char *target;         /* its CNAME target (in q.res), or NULL */
    struct xp_dkim_target ms;   /* the target read as Microsoft 365's */
    int ms_ok;                  /* a Microsoft 365 target for this selector and domain */
    int nkeys;                  /* DKIM key records found behind it */
    struct xp_dkim_key key;     /* the first one */
    const char *keytext;        /* and its text (in q.res) */
    size_t keylen;
};

struct dkim_state {
    struct xp_dns_slot mx, txt;
    struct sel ms[2];
    struct sel gw[MAX_GW];
    size_t ngw;
    struct xp_step *st_exo;
    int exo;                    /* judged against Microsoft 365 */
    const char *exo_why;
};

static void
dkim_start(struct xp_check *c)
{
    struct dkim_state *st = xcalloc(1, sizeof(*st));
    const struct xp_expect *ex = xp_check_expect(c);
    const char *d = c->target->domain;
    char *name;
    size_t i;

    c->state = st;
    st->st_exo = xp_step_begin(c, NULL, "Does %s send through Exchange Online?", d);
    xp_dns_slot_ask(c, &st->mx, st->st_exo, d, XP_DNS_MX);
    xp_dns_slot_ask(c, &st->txt, st->st_exo, d, XP_DNS_TXT);
    for (i = 0; i < 2; i++) {
        st->ms[i].name = i ? "selector2" : "selector1";
        name = xasprintf("%s._domainkey.%s", st->ms[i].name, d);
        xp_dns_slot_ask(c, &st->ms[i].q,
                        xp_step_begin(c, NULL, "Microsoft 365 %s", st->ms[i].name), name,
                        XP_DNS_TXT);
        free(name);
    }
    for (i = 0; i < ex->ndkim_selectors && i < MAX_GW; i++) {
        st->gw[i].name = ex->dkim_selectors[i];
        name = xasprintf("%s._domainkey.%s", st->gw[i].name, d);
        xp_dns_slot_ask(c, &st->gw[i].q,
                        xp_step_begin(c, NULL, "Selector %s (--expect)", st->gw[i].name), name,
                        XP_DNS_TXT);
        free(name);
    }
    st->ngw = i;
}

/* ---- reading the answers ---- */

/* The CNAME target and the key records behind a selector. */
static void
read_selector(struct xp_check *c, struct sel *s, int number)
{
    const struct xp_dns_result *res = s->q.res;
    size_t i;

    if (xp_dns_slot_failed(&s->q))
        return;
    s->target = xp_dns_cname_target(res);
    if (s->target && xp_dkim_ms_target(s->target, c->target->domain, &s->ms) != XP_DKIM_NOT_MS)
        s->ms_ok = number && s->ms.domain_ok && s->ms.selector == number;
    for (i = 0; i < res->nrr; i++) {
        struct xp_dkim_key k;

        if (res->rr[i].type != XP_DNS_TXT)
            continue;
        xp_dkim_key_parse(res->rr[i].text, res->rr[i].textlen, &k);
        if (!k.is_key)
            continue;
        if (s->nkeys++ == 0) {
            s->key = k;
            s->keytext = res->rr[i].text;
            s->keylen = res->rr[i].textlen;
        }
    }
}

/* Does the domain send through Exchange Online? From --expect, else the
 * MX, the SPF include, or selector CNAMEs into Microsoft 365. */
static void
infer_exo(struct xp_check *c)
{
    struct dkim_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);
    size_t i;

    st->exo = 1;
    if (ex->deployment == XP_DEPLOY_CLOUD || ex->deployment == XP_DEPLOY_HYBRID) {
        st->exo_why = "stated in --expect (deployment)";
        return;
    }
    for (i = 0; i < 2; i++)
        if (st->ms[i].target && st->ms[i].ms.format != XP_DKIM_NOT_MS) {
            st->exo_why = "its selector CNAMEs point into Microsoft 365";
            return;
        }
    if (ex->deployment == XP_DEPLOY_ONPREM) {
        st->exo = 0;
        st->exo_why = "on-premises, stated in --expect";
        return;
    }
    st->exo_why = xp_m365_exo_sender(xp_dns_slot_failed(&st->mx) ? NULL : st->mx.res,
                                     xp_dns_slot_failed(&st->txt) ? NULL : st->txt.res,
                                     ex->mx_suffix, ex->spf_include);
    if (st->exo_why)
        return;
    st->exo = 0;
    st->exo_why = "neither its MX, its SPF record nor selector CNAMEs point to Microsoft 365";
}

/* ---- findings ---- */

/* The CNAME target selector i should have: --expect's, else the same
 * tenant and zone as the other selector's (or --expect tenant's), else a
 * placeholder for the tenant. */
static char *
want_target(struct xp_check *c, int i)
{
    struct dkim_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);
    const char *exact = i ? ex->dkim_selector2 : ex->dkim_selector1;
    const struct sel *other = &st->ms[!i];
    char dashes[256];

    if (exact)
        return xstrdup(exact);
    xp_dkim_dashes(c->target->domain, dashes, sizeof(dashes));
    if (other->ms_ok && (!ex->tenant || strcmp(ex->tenant, other->ms.tenant) == 0))
        return xasprintf("selector%d-%s._domainkey.%s.%s", i + 1, dashes, other->ms.tenant,
                         other->ms.zone);
    return xasprintf("selector%d-%s._domainkey.%s.onmicrosoft.com", i + 1, dashes,
                     ex->tenant ? ex->tenant : "<tenant>");
}

/* Why a selector is not the CNAME Microsoft 365 needs; NULL when it is.
 * exact: the target --expect names for it, or NULL. */
static const char *
cname_problem(const struct sel *s, const char *exact)
{
    if (!s->target)
        return s->nkeys ? "a TXT record (a key of its own), not the CNAME Microsoft 365 needs"
                        : "missing";
    if (s->ms.format == XP_DKIM_NOT_MS)
        return "a CNAME to a name that is not a Microsoft 365 DKIM target";
    if (!s->ms_ok)
        return s->ms.selector ? "a CNAME whose target names another domain"
                              : "a CNAME whose target has no selectorN-<domain> label";
    if (exact && !xp_name_eq(s->target, exact))
        return "a CNAME to another target than --expect names";
    return NULL;
}

static void
judge_cnames(struct xp_check *c)
{
    struct dkim_state *st = c->state;
    const char *d = c->target->domain;
    const char *why[2];
    char *want[2];
    struct xp_finding *f;
    int i, nbad = 0, none = 1;

    for (i = 0; i < 2; i++) {
        want[i] = want_target(c, i);
        why[i] = cname_problem(&st->ms[i], i ? xp_check_expect(c)->dkim_selector2
                                             : xp_check_expect(c)->dkim_selector1);
        nbad += why[i] != NULL;
        none &= !st->ms[i].target && !st->ms[i].nkeys;
    }
    if (nbad) {
        f = xp_finding_new(c, st->ms[why[0] ? 0 : 1].q.step, XP_DKIM_CNAME_MISSING,
                           nbad == 2 ? "%s: selector1._domainkey is %s, selector2._domainkey is "
                                       "%s: Exchange Online cannot sign with the domain's name"
                                     : "%s: %s._domainkey is %s%s",
                           d, nbad == 2 ? why[0] : why[0] ? "selector1" : "selector2",
                           nbad == 2 ? why[1] : why[0] ? why[0] : why[1],
                           nbad == 2 ? "" : ": key rotation to it will break signing");
        for (i = 0; i < 2; i++) {
            char key[32];

            snprintf(key, sizeof(key), "selector%d", i + 1);
            xp_ev_str(f, key, st->ms[i].target ? st->ms[i].target
                                               : st->ms[i].nkeys ? "TXT" : "none");
            snprintf(key, sizeof(key), "expected_selector%d", i + 1);
            xp_ev_str(f, key, want[i]);
        }
        xp_finding_fix(f, "Publish selector1._domainkey.%s. 3600 IN CNAME %s. and "
                          "selector2._domainkey.%s. 3600 IN CNAME %s.%s (the exact values: %s > "
                          "%s, or Get-DkimSigningConfig -Identity %s | fl Selector*CNAME), then "
                          "turn on \"Sign messages for this domain with DKIM signatures\" there.",
                       d, want[0], d, want[1],
                       strstr(want[0], "<tenant>") ? " - <tenant> is the tenant's initial "
                                                     "domain (<tenant>.onmicrosoft.com); "
                                                     "domains added since May 2025 get "
                                                     "<tenant>.<x>-v1.dkim.mail.microsoft "
                                                     "targets instead"
                                                   : "",
                       DEFENDER, d, d);
        /* a gateway signs (dkim_selectors) and Microsoft's are simply absent */
        if (none && st->ngw)
            xp_finding_severity(f, XP_SEV_INFO);
        xp_finding_add(f);
    }
    free(want[0]);
    free(want[1]);
}

static void
judge_tenant(struct xp_check *c)
{
    struct dkim_state *st = c->state;
    const char *exp_tenant = xp_check_expect(c)->tenant;
    const struct sel *a = &st->ms[0], *b = &st->ms[1];
    struct xp_finding *f = NULL;
    int i;

    if (a->ms_ok && b->ms_ok &&
        (strcmp(a->ms.tenant, b->ms.tenant) != 0 || strcmp(a->ms.zone, b->ms.zone) != 0)) {
        f = xp_finding_new(c, b->q.step, XP_DKIM_CNAME_WRONG_TENANT,
                           "DKIM selectors of %s point into two tenants: selector1 into %s.%s, "
                           "selector2 into %s.%s (one is left over from a tenant move)",
                           c->target->domain, a->ms.tenant, a->ms.zone, b->ms.tenant,
                           b->ms.zone);
    }
    for (i = 0; !f && exp_tenant && i < 2; i++)
        if (st->ms[i].ms_ok && strcmp(st->ms[i].ms.tenant, exp_tenant) != 0) {
            f = xp_finding_new(c, st->ms[i].q.step, XP_DKIM_CNAME_WRONG_TENANT,
                               "%s._domainkey.%s points into tenant %s, not %s (--expect "
                               "tenant): the tenant that sends cannot sign with its key",
                               st->ms[i].name, c->target->domain, st->ms[i].ms.tenant,
                               exp_tenant);
            xp_finding_severity(f, XP_SEV_FAIL);
        }
    if (!f)
        return;
    for (i = 0; i < 2; i++)
        xp_ev_str(f, i ? "selector2" : "selector1", st->ms[i].target ? st->ms[i].target : "");
    if (exp_tenant)
        xp_ev_str(f, "expected_tenant", exp_tenant);
    xp_finding_fix(f, "Point both selector CNAMEs at the sending tenant's DKIM names, exactly "
                      "as %s > %s shows them, then rotate the keys there.", DEFENDER,
                   c->target->domain);
    xp_finding_add(f);
}

/* One key record's verdict: findings for an unusable or weak key, a note
 * on the selector's step. */
static void
judge_key(struct xp_check *c, const struct sel *s)
{
    const struct xp_dkim_key *k = &s->key;
    struct xp_finding *f;

    if (k->problem) {
        f = xp_finding_new(c, s->q.step, XP_DKIM_KEY_INVALID,
                           "DKIM key of %s._domainkey.%s is unusable: %s", s->name,
                           c->target->domain, k->problem);
        xp_ev_strn(f, "record", s->keytext, s->keylen);
        xp_finding_add(f);
        return;
    }
    xp_step_note(s->q.step, "key: %s %d bits%s%s%s", k->type, k->bits,
                 k->pkcs1 ? " (PKCS#1 RSAPublicKey form)" : "",
                 k->testing ? "; t=y: testing, receivers treat failures as unsigned" : "",
                 s->nkeys > 1 ? "; several key records: receivers may pick any" : "");
    if (strcmp(k->type, "RSA") == 0 && (k->bits < 2048 || k->sha1_only)) {
        f = xp_finding_new(c, s->q.step, XP_DKIM_KEY_WEAK,
                           k->bits < 2048 ? "DKIM key of %s._domainkey.%s is RSA %d bits%s"
                                          : "DKIM key of %s._domainkey.%s (RSA %d) allows only "
                                            "SHA-1%s",
                           s->name, c->target->domain, k->bits,
                           k->bits < 1024 ? ": receivers ignore signatures made with it "
                                            "(RFC 8301)"
                                          : k->bits < 2048 ? ", less than 2048" : "");
        xp_ev_str(f, "key_type", k->type);
        xp_ev_int(f, "key_bits", k->bits);
        if (k->bits < 1024 || k->sha1_only)
            xp_finding_severity(f, XP_SEV_FAIL);
        if (s->ms_ok)
            xp_finding_fix(f, "Rotate to a 2048-bit key: %s > %s > Rotate DKIM keys (or "
                              "Rotate-DkimSigningConfig -Identity %s -KeySize 2048).",
                           DEFENDER, c->target->domain, c->target->domain);
        else
            xp_finding_fix(f, "Generate a 2048-bit RSA key on the signer and publish it at "
                              "%s._domainkey.%s; keep the old one until mail is signed with "
                              "the new one.", s->name, c->target->domain);
        xp_finding_add(f);
    }
}

static void
judge_ms_keys(struct xp_check *c)
{
    struct dkim_state *st = c->state;
    struct xp_finding *f;
    int i, nkeys = 0, nms = 0;

    for (i = 0; i < 2; i++) {
        const struct sel *s = &st->ms[i];

        nms += s->ms_ok;
        nkeys += s->nkeys > 0;
        if (s->nkeys)
            judge_key(c, s);
        else if (s->target)
            xp_step_note(s->q.step, "no key behind it: %s", "normal for the selector not in "
                         "use (Microsoft publishes only the active one's)");
    }
    if (nms && !nkeys) {
        f = xp_finding_new(c, st->ms[0].q.step, XP_DKIM_KEY_MISSING,
                           "No DKIM key behind selector1 or selector2 of %s: DKIM signing is "
                           "not enabled for the domain in Microsoft 365", c->target->domain);
        for (i = 0; i < 2; i++)
            xp_ev_str(f, i ? "selector2" : "selector1",
                      st->ms[i].target ? st->ms[i].target : "");
        xp_finding_fix(f, "Enable signing: %s > %s > \"Sign messages for this domain with "
                          "DKIM signatures\" (or Set-DkimSigningConfig -Identity %s -Enabled "
                          "$true); Microsoft then publishes the key.", DEFENDER,
                       c->target->domain, c->target->domain);
        xp_finding_add(f);
    }
}

static void
judge_gateway(struct xp_check *c, const struct sel *s)
{
    struct xp_finding *f;

    if (xp_dns_slot_failed(&s->q))
        return;
    if (s->nkeys) {
        judge_key(c, s);
        return;
    }
    f = xp_finding_new(c, s->q.step, XP_DKIM_KEY_MISSING,
                       "No DKIM key at %s._domainkey.%s (a selector --expect names)", s->name,
                       c->target->domain);
    xp_ev_dns(f, "answer", s->q.res);
    xp_finding_fix(f, "Publish the gateway's key at %s._domainkey.%s (TXT \"v=DKIM1; k=rsa; "
                      "p=...\", or the CNAME the gateway gives), or correct dkim_selectors.",
                   s->name, c->target->domain);
    xp_finding_add(f);
}

/* One finding for the selectors whose query got no answer: one cause
 * (the _domainkey names' servers, or the resolver) said once, the other
 * queries it cost listed in it. */
static void
dns_errors(struct xp_check *c, struct sel *s, size_t n)
{
    struct xp_finding *f = NULL;
    char *also[8];
    size_t i, nalso = 0;

    for (i = 0; i < n; i++) {
        const struct xp_dns_result *res = s[i].q.res;

        if (!res || res->status < XP_DNS_SERVFAIL)
            continue;
        if (!f)
            f = xp_check_dns_failure(c, s[i].q.step, XP_DKIM_DNS_ERROR, res);
        else if (nalso < XP_ARRAY_LEN(also))
            also[nalso++] = xasprintf("%s %s: %s", xp_dns_type_name(res->qtype), res->qname,
                                      xp_dns_status_name(res->status));
    }
    if (!f)
        return;
    if (nalso)
        xp_ev_list(f, "also_failed", also, nalso);
    xp_finding_add(f);
    for (i = 0; i < nalso; i++)
        free(also[i]);
}

static void
summary(struct xp_check *c)
{
    struct dkim_state *st = c->state;
    struct xp_finding *f;
    struct xp_buf b = { NULL, 0, 0 };
    size_t i;

    for (i = 0; i < 2 && st->exo; i++)
        if (st->ms[i].nkeys && !st->ms[i].key.problem)
            xp_buf_printf(&b, "%s%s (tenant %s, %s, %s %d)", b.len ? ", " : "", st->ms[i].name,
                          st->ms[i].ms.tenant, st->ms[i].ms.format == XP_DKIM_2025
                                                   ? "dkim.mail.microsoft format"
                                                   : "onmicrosoft format",
                          st->ms[i].key.type, st->ms[i].key.bits);
    for (i = 0; i < st->ngw; i++)
        if (st->gw[i].nkeys && !st->gw[i].key.problem)
            xp_buf_printf(&b, "%s%s (%s %d)", b.len ? ", " : "", st->gw[i].name,
                          st->gw[i].key.type, st->gw[i].key.bits);
    if (!b.len)
        return;
    f = xp_finding_new(c, NULL, XP_DKIM_OK, "DKIM keys of %s usable: %s", c->target->domain, b.s);
    if (st->exo && st->ms[0].ms_ok)
        xp_ev_str(f, "tenant", st->ms[0].ms.tenant);
    if (st->exo && (st->ms[0].ms_ok || st->ms[1].ms_ok))
        xp_ev_str(f, "format", (st->ms[0].ms_ok ? st->ms[0] : st->ms[1]).ms.format ==
                                       XP_DKIM_2025 ? "dkim.mail.microsoft" : "onmicrosoft");
    xp_finding_add(f);
    free(b.s);
}

static void
dkim_judge(struct xp_check *c)
{
    struct dkim_state *st = c->state;
    size_t i;

    for (i = 0; i < 2; i++)
        read_selector(c, &st->ms[i], (int)i + 1);
    for (i = 0; i < st->ngw; i++)
        read_selector(c, &st->gw[i], 0);
    infer_exo(c);
    xp_step_end(st->st_exo, XP_ST_INFO, "%s: %s", st->exo ? "yes" : "no", st->exo_why);
    for (i = 0; i < 2; i++) {
        const struct sel *m = &st->ms[i];

        if (!st->exo || xp_dns_slot_failed(&m->q))
            xp_step_end(m->q.step, st->exo ? XP_ST_UNKNOWN : XP_ST_SKIP, NULL);
        else if (m->target)
            xp_step_end(m->q.step, m->ms_ok ? XP_ST_PASS : XP_ST_WARN, "CNAME to %s%s%s%s",
                        m->target, m->ms_ok ? " (tenant " : "", m->ms_ok ? m->ms.tenant : "",
                        m->ms_ok ? ")" : "");
        else
            xp_step_end(m->q.step, XP_ST_WARN, "no CNAME");
    }
    for (i = 0; i < st->ngw; i++)
        xp_step_end(st->gw[i].q.step, XP_ST_INFO, NULL);
    if (!st->exo && !st->ngw) {
        xp_check_skip(c, "the domain does not send through Exchange Online (neither its MX, "
                         "its SPF record nor selector CNAMEs point to Microsoft 365); name "
                         "a gateway's selectors with --expect dkim_selectors");
        return;
    }
    if (st->exo) {
        dns_errors(c, st->ms, 2);
        if (!xp_dns_slot_failed(&st->ms[0].q) && !xp_dns_slot_failed(&st->ms[1].q)) {
            judge_cnames(c);
            judge_tenant(c);
            judge_ms_keys(c);
        }
    }
    dns_errors(c, st->gw, st->ngw);
    for (i = 0; i < st->ngw; i++)
        judge_gateway(c, &st->gw[i]);
    if (!xp_check_problems(c))
        summary(c);
}

static void
dkim_free(struct xp_check *c)
{
    struct dkim_state *st = c->state;
    size_t i;

    xp_dns_slot_clear(&st->mx);
    xp_dns_slot_clear(&st->txt);
    for (i = 0; i < 2; i++)
        xp_dns_slot_clear(&st->ms[i].q);
    for (i = 0; i < MAX_GW; i++)
        xp_dns_slot_clear(&st->gw[i].q);
    free(st);
    c->state = NULL;
}

const struct xp_check_ops xp_check_dkim = {
    .id = "dkim",
    .title = "DKIM (Microsoft 365 selectors, keys)",
    .help = "Microsoft 365's selector1/selector2 CNAMEs (onmicrosoft.com and\n"
            "dkim.mail.microsoft formats) into one tenant, the key behind the\n"
            "selector in use (parsed, >= 2048 bits); --expect dkim_selectors",
    .start = dkim_start,
    .judge = dkim_judge,
    .free_state = dkim_free,
};
