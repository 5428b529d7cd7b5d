/*
 * check_cname.c — the `cname` check: the DNS records Office 365 expects of
 * a domain (domain.md §6.1–6.2, §8.6): the verification record (MS=ms…
 * TXT, or the BPOS-era msNNNNNNNN CNAME → ps.microsoftonline.com), the
 * autodiscover record, MX to Exchange Online Protection, the SPF include
 * and the SPF lookup limit, and a stray 21Vianet msoid CNAME.
 *
 * What is right depends on the deployment kind — cloud-only, hybrid (the
 * public Autodiscover name must stay on-premises), on-premises — taken
 * from --expect or inferred from the records, and always reported.
 * All questions go out at once; judge() decides once every answer is in.
 *
 * The SPF record is expanded as its answer comes in (RFC 7208 4.6.4): the
 * TXT of every include:/redirect= target is asked (memoised by the
 * resolver), its SPF record's DNS-querying terms counted, and so on down,
 * bounded (SPF_MAX_DEPTH, SPF_MAX_FETCH) and stopped once the count is
 * over the limit. More than 10 lookups, or more than 2 void lookups
 * (targets answered NXDOMAIN / no data), is SPF_TOO_MANY_LOOKUPS. A target
 * without exactly one SPF record makes the include (or redirect) itself a
 * permanent error (RFC 7208 5.2, 6.1): that is SPF_MISSING_INCLUDE raised
 * to fail, naming the target — the record lacks a working include — so no
 * new code is needed for it.
 */
#include "xp_check.h"
#include "xp_dkim.h"
#include "xp_exo.h"
#include "xp_expect.h"
#include "xp_m365.h"
#include "xp_options.h"
#include "xp_spf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BPOS_TARGET "ps.microsoftonline.com"

/* ---- SPF expansion (RFC 7208 4.6.4) ---- */

#define SPF_MAX_LOOKUPS 10  /* DNS-querying terms after expansion */
#define SPF_MAX_VOID 2      /* lookups answered NXDOMAIN or no data */
#define SPF_MAX_DEPTH 10    /* include / redirect nesting followed */
#define SPF_MAX_FETCH 30    /* names asked for, in all */
#define SPF_MAX_NODES 64    /* include / redirect terms remembered */

static const char SPF_OVER[] = "not expanded: the limit was already exceeded";

enum spf_node_state { SPF_N_NEW, SPF_N_ASKED, SPF_N_ANSWERED, SPF_N_SKIPPED };

/* One include:/redirect= term met while expanding; lives in c->state (it
 * is the DNS callback's arg). */
struct spf_node {
    char *name;                 /* the target as written */
    int redirect;               /* redirect= rather than include: */
    int parent;                 /* index of the node whose record named it; -1: the domain's */
    int depth;                  /* 1: named by the domain's own record */
    enum spf_node_state state;
    const char *skipped;        /* SPF_N_SKIPPED: why it was not asked */
    struct xp_dns_result *res;  /* SPF_N_ANSWERED */
    size_t nspf;                /* SPF records at the name */
    int own;                    /* DNS-querying terms of its record (nspf == 1) */
    char *others;               /* those terms other than include/redirect, for the tree */
};

struct spf_expansion {
    struct spf_node node[SPF_MAX_NODES];
    int n;                      /* nodes used */
    int fetched;                /* names asked for */
    int dropped;                /* include/redirect terms past SPF_MAX_NODES */
    int total;                  /* lookups counted so far */
    int root_own;               /* the domain's own record */
    char *root_others;
};

#define MAX_SIGNALS 10

struct cname_state {
    struct xp_dns_slot txt, mx, autod, verif, msoid, srv, lyncd, intune[2], dkim[2];
    struct spf_expansion spf;
    struct xp_step *st_verif, *st_autod, *st_mx, *st_spf, *st_msoid, *st_intune;
    enum xp_deploy kind;
    const char *kind_reason;
    char *signals[MAX_SIGNALS];   /* what the inference saw, for CNAME_DEPLOYMENT */
    int autod_elsewhere;          /* no autodiscover record: AUTOD_NO_ENDPOINT said it */
    size_t nsignals;
};

/* ---- record helpers (pure; tested in tests/unit/test_cname.c) ---- */

/* The verification code of an "MS=ms12345678" TXT, or NULL. */
static const char *
ms_code(const char *txt, size_t len)
{
    size_t i;

    if (len != 13 || strncasecmp(txt, "MS=ms", 5) != 0)
        return NULL;
    for (i = 5; i < len; i++)
        if (!isdigit((unsigned char)txt[i]))
            return NULL;
    return txt + 3;
}

/* The MX set counted by Exchange Online kind (include/xp_exo.h: legacy,
 * *.mx.microsoft, the customer's hosts). */
static void
mx_set(const struct xp_check *c, const struct xp_dns_result *mx, struct xp_exo_mx_set *set)
{
    size_t i;

    xp_exo_mx_set_init(set);
    for (i = 0; i < mx->nrr; i++)
        /* a verification MX is no mail host (VERIFICATION_MX_LEFTOVER) */
        if (mx->rr[i].type == XP_DNS_MX && !xp_m365_verification_mx(mx->rr[i].target, NULL))
            xp_exo_mx_set_add(set, mx->rr[i].target, mx->rr[i].pref,
                              xp_check_expect(c)->mx_suffix);
}

/* The first Microsoft 365 verification MX (msNNNNNNNN.msv1.invalid) of
 * the answer, its code in code; or NULL. */
static const struct xp_dns_rr *
verification_mx(const struct cname_state *st, char code[11])
{
    size_t i;

    if (xp_dns_slot_failed(&st->mx))
        return NULL;
    for (i = 0; i < st->mx.res->nrr; i++)
        if (st->mx.res->rr[i].type == XP_DNS_MX &&
            xp_m365_verification_mx(st->mx.res->rr[i].target, code))
            return &st->mx.res->rr[i];
    return NULL;
}

/* Which of the MX targets go to Exchange Online: returns counts. */
static void
mx_count(const struct xp_check *c, const struct xp_dns_result *mx, int *exo, int *other)
{
    struct xp_exo_mx_set set;

    mx_set(c, mx, &set);
    *exo = set.legacy + set.dnssec;
    *other = set.other;
}

/* Does the autodiscover name's CNAME chain lead to the Office 365 name? */
static int
autod_is_cloud(const struct xp_check *c, const struct xp_dns_result *res)
{
    size_t i;

    for (i = 0; i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_CNAME &&
            xp_name_eq(res->rr[i].target, xp_check_expect(c)->autodiscover_cname))
            return 1;
    return 0;
}

/* Does the name end in an address (through its CNAMEs, if any)? */
static int
resolves(const struct xp_dns_result *res)
{
    return xp_dns_count(res, XP_DNS_A) + xp_dns_count(res, XP_DNS_AAAA) > 0;
}

/* Has the name any record at all (a CNAME, or an address)? */
static int
has_record(const struct xp_dns_result *res)
{
    return res->nrr > 0;
}

/* ---- SPF expansion: ask for every include / redirect target ---- */

struct spf_scan_ctx {
    struct spf_expansion *e;
    int parent, depth;
    struct xp_buf others;
};

/* Keep a record's include/redirect targets as new nodes; list its other
 * lookup terms for the tree. */
static void
spf_on_term(void *arg, enum xp_spf_kind kind, const struct xp_spf_term *t)
{
    struct spf_scan_ctx *x = arg;
    struct spf_node *nd;

    if (kind == XP_SPF_T_LOOKUP) {
        if (x->others.len < 200)
            xp_buf_printf(&x->others, "%s%.*s", x->others.len ? ", " : "",
                          (int)(t->len < 64 ? t->len : 64), t->tok);
        return;
    }
    if (x->e->n >= SPF_MAX_NODES) {
        x->e->dropped++;
        return;
    }
    nd = &x->e->node[x->e->n++];
    memset(nd, 0, sizeof(*nd));
    nd->redirect = kind == XP_SPF_T_REDIRECT;
    nd->name = (kind == XP_SPF_T_INCLUDE && t->delim != ':') ? xstrdup("")
                                                           : xstrndup(t->arg, t->arglen);
    nd->parent = x->parent;
    nd->depth = x->depth + 1;
    nd->state = SPF_N_NEW;
    if (memchr(t->arg, '\0', t->arglen)) {     /* xstrndup cut it short */
        nd->state = SPF_N_SKIPPED;
        nd->skipped = "not a domain name";
    }
}

static void on_spf_answer(struct xp_check *c, void *arg, const struct xp_dns_result *res);

/* Ask for a node's TXT, unless a bound (or the limit already passed)
 * says not to. */
static void
spf_fetch(struct xp_check *c, struct spf_node *nd)
{
    struct spf_expansion *e = &((struct cname_state *)c->state)->spf;
    const char *why = xp_spf_name_problem(nd->name);

    if (nd->state == SPF_N_SKIPPED)
        return;
    if (!why && e->total > SPF_MAX_LOOKUPS)
        why = SPF_OVER;
    else if (!why && nd->depth > SPF_MAX_DEPTH)
        why = "not expanded: nested too deep";
    else if (!why && e->fetched >= SPF_MAX_FETCH)
        why = "not expanded: too many names";
    if (why) {
        nd->state = SPF_N_SKIPPED;
        nd->skipped = why;
        return;
    }
    e->fetched++;
    nd->state = SPF_N_ASKED;
    xp_check_dns(c, nd->name, XP_DNS_TXT, on_spf_answer, nd);
}

/* Count one SPF record (of the domain: parent -1, depth 0) and ask for
 * its targets. Returns its own count; *others gets its other terms. */
static int
spf_record(struct xp_check *c, int parent, int depth, const struct xp_dns_rr *spf,
           char **others)
{
    struct spf_expansion *e = &((struct cname_state *)c->state)->spf;
    struct spf_scan_ctx x = { e, parent, depth, { NULL, 0, 0 } };
    int first = e->n, own, i;

    own = xp_spf_scan(spf->text, spf->textlen, spf_on_term, &x);
    e->total += own;
    *others = x.others.s;
    for (i = first; i < e->n; i++)
        spf_fetch(c, &e->node[i]);
    return own;
}

static void
on_spf_answer(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct cname_state *st = c->state;
    struct spf_node *nd = arg;
    const char *term = nd->redirect ? "redirect" : "include";
    const struct xp_dns_rr *spf;
    struct xp_step *s;

    nd->res = xp_dns_result_dup(res);
    nd->state = SPF_N_ANSWERED;
    s = xp_check_dns_step(c, st->st_spf, res);
    if (res->status >= XP_DNS_SERVFAIL)
        return;
    spf = xp_spf_records(res, &nd->nspf);
    if (nd->nspf == 1) {
        nd->own = spf_record(c, (int)(nd - st->spf.node), nd->depth, spf, &nd->others);
        xp_step_note(s, "SPF: %d DNS lookup%s in this record", nd->own,
                     nd->own == 1 ? "" : "s");
    } else if (nd->nspf == 0) {
        xp_step_note(s, "no SPF record: the %s is a permanent error (RFC 7208 %s)%s", term,
                     nd->redirect ? "6.1" : "5.2",
                     res->status == XP_DNS_OK ? "" : "; a void lookup");
    } else {
        xp_step_note(s, "%zu SPF records: the %s is a permanent error (RFC 7208 4.5)",
                     nd->nspf, term);
    }
}

/* The domain's TXT answer is in: expand its SPF record if it has one. */
static void
spf_expand(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const struct xp_dns_rr *spf;
    size_t n;

    if (xp_dns_slot_failed(&st->txt))
        return;
    spf = xp_spf_records(st->txt.res, &n);
    if (n == 1)
        st->spf.root_own = spf_record(c, -1, 0, spf, &st->spf.root_others);
}

/* Lookups of node i's record (i = -1: the domain's), expanded. */
static int
spf_cost(const struct spf_expansion *e, int i)
{
    int sum = 0, j;

    if (i < 0)
        sum = e->root_own;
    else if (e->node[i].state == SPF_N_ANSWERED && e->node[i].nspf == 1)
        sum = e->node[i].own;
    for (j = 0; j < e->n; j++)
        if (e->node[j].parent == i)
            sum += spf_cost(e, j);
    return sum;
}

static int
spf_void(const struct spf_node *nd)
{
    return nd->state == SPF_N_ANSWERED &&
           (nd->res->status == XP_DNS_NXDOMAIN || nd->res->status == XP_DNS_NODATA);
}

/* Has a target no usable SPF record (a permanent error)? */
static int
spf_broken(const struct spf_node *nd)
{
    return nd->state == SPF_N_ANSWERED && nd->res->status < XP_DNS_SERVFAIL && nd->nspf != 1;
}

/* "include:NAME (N): a, mx" and so on, depth-first, indented. */
static void
spf_tree(const struct spf_expansion *e, int i, char ***lines, size_t *n)
{
    const struct spf_node *nd = &e->node[i];
    const char *note = NULL;
    char *line;
    int j;

    if (nd->state == SPF_N_SKIPPED)
        note = nd->skipped;
    else if (nd->state != SPF_N_ANSWERED)
        note = "no answer";
    else if (nd->res->status >= XP_DNS_SERVFAIL)
        note = xp_dns_status_name(nd->res->status);
    else if (nd->nspf == 0)
        note = nd->res->status == XP_DNS_NXDOMAIN ? "no SPF record (NXDOMAIN): void lookup"
               : nd->res->status == XP_DNS_NODATA ? "no SPF record (no TXT): void lookup"
                                                  : "no SPF record";
    else if (nd->nspf > 1)
        note = "several SPF records";
    line = xasprintf("%*s%s%s (%d)%s%s", 2 * nd->depth, "", nd->redirect ? "redirect=" : "include:",
                     nd->name, 1 + spf_cost(e, i), note || nd->others ? ": " : "",
                     note ? note : nd->others ? nd->others : "");
    *lines = xrealloc(*lines, (*n + 1) * sizeof(**lines));
    (*lines)[(*n)++] = line;
    for (j = 0; j < e->n; j++)
        if (e->node[j].parent == i)
            spf_tree(e, j, lines, n);
}


/* ---- findings ---- */

/* about: enum xp_about bits of the record asked (0: none the pre-flight
 * needs). */
static void
dns_error(struct xp_check *c, struct xp_step *step, const struct xp_dns_slot *s,
          unsigned about)
{
    struct xp_finding *f;

    if (!s->res)
        return;
    f = xp_check_dns_failure(c, step, XP_CNAME_DNS_ERROR, s->res);
    xp_finding_about(f, about);
    xp_finding_add(f);
}

/* ---- the deployment kind ---- */

static void
signal(struct cname_state *st, const char *fmt, ...) XP_PRINTF(2, 3);

static void
signal(struct cname_state *st, const char *fmt, ...)
{
    va_list ap;

    if (st->nsignals >= MAX_SIGNALS)
        return;
    va_start(ap, fmt);
    st->signals[st->nsignals++] = xvasprintf(fmt, ap);
    va_end(ap);
}

/* The _autodiscover._tcp SRV target, or NULL ("." means none). */
static const char *
srv_target(const struct xp_dns_slot *s)
{
    size_t i;

    if (xp_dns_slot_failed(s))
        return NULL;
    for (i = 0; i < s->res->nrr; i++)
        if (s->res->rr[i].type == XP_DNS_SRV && s->res->rr[i].target &&
            strcmp(s->res->rr[i].target, ".") != 0 && s->res->rr[i].target[0])
            return s->res->rr[i].target;
    return NULL;
}

/* Does the TXT set hold an MS=ms... verification record? */
static int
has_ms_txt(const struct xp_dns_slot *s)
{
    size_t i;

    for (i = 0; !xp_dns_slot_failed(s) && i < s->res->nrr; i++)
        if (s->res->rr[i].type == XP_DNS_TXT && ms_code(s->res->rr[i].text, s->res->rr[i].textlen))
            return 1;
    return 0;
}

/* Does the (one) SPF record include Exchange Online's? */
static int
spf_includes_exo(const struct xp_check *c, const struct xp_dns_slot *s)
{
    size_t n;
    const struct xp_dns_rr *spf = xp_dns_slot_failed(s) ? NULL : xp_spf_records(s->res, &n);

    return spf && xp_spf_has_include(spf->text, spf->textlen, xp_check_expect(c)->spf_include);
}

/* Is lyncdiscover a CNAME to Skype for Business Online (a tenant signal)? */
static int
lync_online(const struct xp_dns_slot *s)
{
    const char *t = xp_dns_slot_failed(s) ? NULL : xp_dns_cname_target(s->res);

    return t && xp_name_ends_with(t, "online.lync.com");
}

/* The Microsoft 365 tenant a selectorN._domainkey CNAME points into (DKIM
 * signing by Exchange Online, a tenant signal), into out; 0 if none. */
static int
dkim_tenant(const struct xp_check *c, const struct xp_dns_slot *s, char *out, size_t len)
{
    const char *t = xp_dns_slot_failed(s) ? NULL : xp_dns_cname_target(s->res);
    struct xp_dkim_target dt;

    if (!t || xp_dkim_ms_target(t, c->target->domain, &dt) == XP_DKIM_NOT_MS)
        return 0;
    snprintf(out, len, "%s.%s", dt.tenant, dt.zone);
    return 1;
}

/*
 * The deployment kind from every signal (SPEC): on-premises signals are an
 * MX to the organisation's hosts and an Autodiscover A/CNAME/SRV to them;
 * Office 365 signals an MX to Exchange Online, Autodiscover to Office 365,
 * the SPF include, the MS= verification TXT, lyncdiscover to Skype Online,
 * the DKIM selector CNAMEs into a Microsoft 365 tenant (Exchange Online
 * signs the domain's mail).
 * Both kinds -> hybrid, unless Autodiscover itself points to Office 365:
 * then Outlook is served by Exchange Online, a cloud tenant (whose other
 * records may be wrong); a hybrid whose Autodiscover was moved to Office
 * 365 is caught by --preflight or deployment = hybrid. --expect wins; with
 * --preflight and no stated kind, hybrid is what is about to be set up.
 */
static void
infer_kind(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);
    const char *d = c->target->domain;
    const char *srv = srv_target(&st->srv);
    int exo = 0, other = 0, autod_cloud = 0, autod_onprem = 0, cloud, onprem;
    int spf_exo = spf_includes_exo(c, &st->txt), ms = has_ms_txt(&st->txt);
    int lync = lync_online(&st->lyncd), dkim = 0, i;
    char tenant[2][140];

    if (!xp_dns_slot_failed(&st->mx))
        mx_count(c, st->mx.res, &exo, &other);
    if (!xp_dns_slot_failed(&st->autod)) {
        autod_cloud = autod_is_cloud(c, st->autod.res);
        autod_onprem = !autod_cloud && resolves(st->autod.res);
    }
    if (exo)
        signal(st, "MX of %s to Exchange Online", d);
    if (other)
        signal(st, "MX of %s to %d host(s) other than Exchange Online", d, other);
    if (autod_cloud)
        signal(st, "autodiscover.%s to Office 365", d);
    if (autod_onprem)
        signal(st, "autodiscover.%s to an on-premises host", d);
    if (srv)
        signal(st, "_autodiscover._tcp.%s SRV to %s", d, srv);
    if (spf_exo)
        signal(st, "SPF includes %s", ex->spf_include);
    if (ms)
        signal(st, "MS= verification TXT record");
    if (lync)
        signal(st, "lyncdiscover.%s to Skype for Business Online", d);
    /* One signal per tenant named (both selectors normally name one). */
    for (i = 0; i < 2; i++) {
        if (!dkim_tenant(c, &st->dkim[i], tenant[i], sizeof(tenant[i]))) {
            tenant[i][0] = '\0';
            continue;
        }
        dkim = 1;
        if (i == 0 || strcmp(tenant[0], tenant[1]) != 0)
            signal(st, "selector%d._domainkey.%s DKIM CNAME into the Microsoft 365 tenant %s",
                   i + 1, d, tenant[i]);
    }
    cloud = exo || autod_cloud || spf_exo || ms || lync || dkim;
    onprem = other || autod_onprem || (srv && !xp_name_ends_with(srv, "outlook.com"));
    if (ex->deployment != XP_DEPLOY_UNKNOWN) {
        st->kind = ex->deployment;
        st->kind_reason = "stated in --expect";
    } else if (xp_check_options(c)->preflight) {
        st->kind = XP_DEPLOY_HYBRID;
        st->kind_reason = "taken as hybrid: --preflight checks readiness for hybrid (state "
                          "another kind with deployment = in --expect)";
    } else if (xp_dns_slot_failed(&st->mx) && xp_dns_slot_failed(&st->autod)) {
        st->kind = XP_DEPLOY_UNKNOWN;
        st->kind_reason = "not inferred: the MX and autodiscover queries failed";
    } else if (autod_cloud) {
        st->kind = XP_DEPLOY_CLOUD;
        st->kind_reason = "inferred: autodiscover points to Office 365";
    } else if (cloud && onprem) {
        st->kind = XP_DEPLOY_HYBRID;
        st->kind_reason = "inferred: on-premises Exchange records and Office 365 records "
                          "together";
    } else if (cloud) {
        st->kind = XP_DEPLOY_CLOUD;
        st->kind_reason = "inferred: only Office 365 records";
    } else {
        st->kind = XP_DEPLOY_ONPREM;
        st->kind_reason = "inferred: no Office 365 record (MX, autodiscover, SPF include, "
                          "MS= TXT, DKIM CNAMEs)";
    }
}

/* ---- judgements, one per record ---- */

static void
judge_verification(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const char *want = xp_check_expect(c)->verification;
    const char *found = NULL;
    const struct xp_dns_rr *mx;
    char mxcode[11];
    struct xp_finding *f;
    size_t i;

    if (xp_dns_slot_failed(&st->txt)) {
        dns_error(c, st->st_verif, &st->txt, XP_ABOUT_VERIFICATION_RECORD);
        xp_step_end(st->st_verif, XP_ST_FAIL, NULL);
        return;
    }
    for (i = 0; i < st->txt.res->nrr; i++) {
        const struct xp_dns_rr *rr = &st->txt.res->rr[i];
        const char *code = rr->type == XP_DNS_TXT ? ms_code(rr->text, rr->textlen) : NULL;

        if (code && (!found || (want && strcasecmp(code, want) == 0)))
            found = code;
    }
    if (found && (!want || strcasecmp(found, want) == 0)) {
        f = xp_finding_new(c, st->st_verif, XP_TXT_VERIFICATION_FOUND, "Verification TXT record MS=%s is published", found);
        xp_ev_str(f, "code", found);
        xp_ev_str(f, "method", "txt");
        xp_finding_add(f);
        xp_step_end(st->st_verif, XP_ST_PASS, "MS=%s", found);
        return;
    }
    if ((mx = verification_mx(st, mxcode)) && (!want || strcasecmp(mxcode, want) == 0)) {
        f = xp_finding_new(c, st->st_verif, XP_TXT_VERIFICATION_FOUND,
                           "Verification MX %s is published (MX step: delete it once the "
                           "domain is verified)", mx->target);
        xp_ev_str(f, "code", mxcode);
        xp_ev_str(f, "method", "mx");
        xp_finding_add(f);
        xp_step_end(st->st_verif, XP_ST_PASS, "MX %s", mx->target);
        return;
    }
    /* The BPOS-era (2011) msNNNNNNNN CNAME to ps.microsoftonline.com is no
     * verification method of Microsoft 365: a harmless leftover. */
    if (want && st->verif.res && st->verif.res->status == XP_DNS_OK &&
        xp_dns_cname_target(st->verif.res))
        xp_step_note(st->st_verif, "%s.%s is a CNAME to %s: a BPOS-era (2011) verification "
                     "record, harmless but no longer used by Microsoft 365 (TXT MS= or the "
                     "verification MX are)", want, c->target->domain,
                     xp_dns_cname_target(st->verif.res));
    if (!want && st->kind != XP_DEPLOY_CLOUD && st->kind != XP_DEPLOY_HYBRID) {
        xp_step_end(st->st_verif, XP_ST_SKIP, "not needed for a deployment without Office 365");
        return;
    }
    if (want) {
        f = xp_finding_new(c, st->st_verif, XP_TXT_VERIFICATION_MISSING,
                           "No verification record for %s: neither TXT MS=%s nor MX "
                           "%s.msv1.invalid", c->target->domain, want, want);
        xp_ev_str(f, "expected", want);
        if (found)
            xp_ev_str(f, "found_other_code", found);
        xp_finding_fix(f, "Publish the TXT record \"MS=%s\" at %s (TTL 3600), as the "
                          "Microsoft 365 admin center shows it (or, where the DNS host "
                          "cannot publish TXT, %s. 3600 IN MX 32767 %s.msv1.invalid.).", want,
                       c->target->domain, c->target->domain, want);
    } else {
        f = xp_finding_new(c, st->st_verif, XP_TXT_VERIFICATION_MISSING,
                           "No MS=msNNNNNNNN TXT record: fine once the domain is verified; "
                           "give --expect verification=msNNNNNNNN to require one");
        xp_finding_severity(f, XP_SEV_INFO);
        free(f->remediation);
        f->remediation = NULL;
    }
    xp_ev_dns(f, "txt", st->txt.res);
    xp_finding_add(f);
    xp_step_end(st->st_verif, want ? XP_ST_WARN : XP_ST_INFO, NULL);
}

static void
judge_autodiscover(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const char *want = xp_check_expect(c)->autodiscover_cname;
    const char *d = c->target->domain;
    const struct xp_dns_result *res = st->autod.res;
    const char *target;
    struct xp_finding *f;

    if (xp_dns_slot_failed(&st->autod)) {
        dns_error(c, st->st_autod, &st->autod, XP_ABOUT_AUTODISCOVER_RECORD);
        xp_step_end(st->st_autod, XP_ST_FAIL, NULL);
        return;
    }
    target = xp_dns_cname_target(res);
    if (!has_record(res) && srv_target(&st->srv) &&
        (st->kind != XP_DEPLOY_CLOUD || xp_name_ends_with(srv_target(&st->srv), "outlook.com"))) {
        /* Outlook finds Autodiscover through the SRV record: published. */
        xp_step_end(st->st_autod, XP_ST_PASS, "published by SRV only: _autodiscover._tcp.%s "
                    "-> %s", d, srv_target(&st->srv));
        return;
    }
    if (!has_record(res) &&
        xp_target_finding(c->target, "autodiscover", XP_AUTOD_NO_ENDPOINT)) {
        /* One cause, one finding: the autodiscover check's AUTOD_NO_ENDPOINT
         * says that nothing is published and which record to publish. */
        st->autod_elsewhere = 1;
        xp_step_end(st->st_autod, XP_ST_INFO, "no autodiscover record: reported by the "
                    "autodiscover check (AUTOD_NO_ENDPOINT), with the record to publish");
        return;
    }
    if (!has_record(res)) {
        f = xp_finding_new(c, st->st_autod, XP_CNAME_MISSING, "No autodiscover record: autodiscover.%s %s", d,
                               res->status == XP_DNS_NXDOMAIN ? "does not exist"
                                                              : "has no address");
        if (st->kind == XP_DEPLOY_CLOUD) {
            xp_finding_fix(f, "Publish autodiscover.%s. 3600 IN CNAME %s.", d, want);
        } else {
            xp_finding_fix(f, "Publish autodiscover.%s as an A record (or a CNAME) for the "
                              "on-premises Exchange server or its reverse proxy.", d);
            if (st->kind == XP_DEPLOY_ONPREM)
                xp_finding_severity(f, XP_SEV_WARN);
        }
        xp_ev_str(f, "expected", st->kind == XP_DEPLOY_CLOUD ? want : "on-premises host");
        xp_ev_dns(f, "answer", res);
        xp_finding_about(f, XP_ABOUT_AUTODISCOVER_RECORD);
        xp_finding_add(f);
        xp_step_end(st->st_autod, f->severity == XP_SEV_FAIL ? XP_ST_FAIL : XP_ST_WARN, NULL);
        return;
    }
    if (st->kind == XP_DEPLOY_CLOUD && !autod_is_cloud(c, res)) {
        f = xp_finding_new(c, st->st_autod, XP_CNAME_WRONG_TARGET,
                           "autodiscover.%s is %s%s, not a CNAME to %s", d,
                           target ? "a CNAME to " : "an address record",
                           target ? target : "", want);
        xp_ev_str(f, "expected", want);
        xp_ev_str(f, "found", target ? target : "address record");
        xp_ev_dns(f, "answer", res);
        xp_finding_fix(f, "Replace it with autodiscover.%s. 3600 IN CNAME %s.", d, want);
        xp_finding_about(f, XP_ABOUT_AUTODISCOVER_RECORD);
        xp_finding_add(f);
        xp_step_end(st->st_autod, XP_ST_FAIL, NULL);
        return;
    }
    if (target && !resolves(res)) {
        f = xp_finding_new(c, st->st_autod, XP_CNAME_WRONG_TARGET,
                           "autodiscover.%s is a CNAME to %s, which does not resolve (%s)", d,
                           target, xp_dns_status_name(res->status));
        xp_ev_str(f, "found", target);
        xp_ev_dns(f, "answer", res);
        xp_finding_fix(f, "Point autodiscover.%s at a name that exists: %s, or the "
                          "on-premises Exchange server in a hybrid or on-premises deployment.",
                       d, want);
        xp_finding_about(f, XP_ABOUT_AUTODISCOVER_RECORD);
        xp_finding_add(f);
        xp_step_end(st->st_autod, XP_ST_FAIL, NULL);
        return;
    }
    if (st->kind != XP_DEPLOY_CLOUD && autod_is_cloud(c, res)) {
        f = xp_finding_new(c, st->st_autod, XP_CNAME_WRONG_TARGET, "autodiscover.%s points to %s, but in a%s deployment it must "
                               "point to on-premises Exchange", d, want,
                               st->kind == XP_DEPLOY_HYBRID ? " hybrid" : "n on-premises");
        xp_ev_str(f, "expected", "on-premises host");
        xp_ev_str(f, "found", want);
        xp_ev_dns(f, "answer", res);
        xp_finding_fix(f, "Point autodiscover.%s at the on-premises Exchange server (A record "
                          "or CNAME); on-premises Exchange redirects cloud mailboxes to "
                          "Exchange Online itself.", d);
        xp_finding_about(f, XP_ABOUT_AUTODISCOVER_RECORD);
        xp_finding_add(f);
        xp_step_end(st->st_autod, XP_ST_FAIL, NULL);
        return;
    }
    xp_step_end(st->st_autod, XP_ST_PASS, "%s", target ? target : "address record (on-premises)");
}

/* Legacy and *.mx.microsoft MX together: the DANE migration, with its
 * next step (modern.md §2: priorities, remove the legacy MX, then
 * Enable-SmtpDaneInbound). Info, never MX_MIXED. */
static void
mx_migration(struct xp_check *c, const struct xp_exo_mx_set *set)
{
    struct cname_state *st = c->state;
    const char *d = c->target->domain;
    char next[512];
    struct xp_finding *f;

    xp_exo_migration_next_step(set, d, next, sizeof(next));
    f = xp_finding_new(c, st->st_mx, XP_MX_DANE_MIGRATION, "MX of %s is moving to Exchange "
                       "Online's DNSSEC MX (*.mx.microsoft) for inbound DANE: the legacy and "
                       "the new MX are both published", d);
    xp_ev_int(f, "legacy_preference", set->legacy_pref);
    xp_ev_int(f, "dnssec_preference", set->dnssec_pref);
    xp_ev_dns(f, "answer", st->mx.res);
    xp_finding_fix(f, "%s", next);
    xp_finding_add(f);
}

/* A verification MX left in place: information, "delete it" (never a
 * mail host: smtp does not dial it, MX_MIXED does not count it). */
static void
judge_verification_mx(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const struct xp_dns_rr *mx;
    struct xp_finding *f;
    char code[11];

    if (!(mx = verification_mx(st, code)))
        return;
    f = xp_finding_new(c, st->st_mx, XP_VERIFICATION_MX_LEFTOVER,
                       "MX %u %s is Microsoft 365's domain-verification record, not a mail "
                       "host: once the domain is verified it can go", mx->pref, mx->target);
    xp_ev_str(f, "record", mx->target);
    xp_ev_int(f, "preference", mx->pref);
    xp_ev_str(f, "code", code);
    xp_finding_fix(f, "Delete %s. MX %u %s. (verification is done once the admin center "
                      "shows the domain as verified).", c->target->domain, mx->pref,
                   mx->target);
    xp_finding_add(f);
}

static void
judge_mx(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const char *d = c->target->domain;
    struct xp_exo_mx_set set;
    int exo, other;
    struct xp_finding *f;

    if (xp_dns_slot_failed(&st->mx)) {
        dns_error(c, st->st_mx, &st->mx, 0);
        xp_step_end(st->st_mx, XP_ST_FAIL, NULL);
        return;
    }
    mx_set(c, st->mx.res, &set);
    exo = set.legacy + set.dnssec;
    other = set.other;
    judge_verification_mx(c);
    if (st->kind == XP_DEPLOY_CLOUD && exo == 0) {
        if (other)
            f = xp_finding_new(c, st->st_mx, XP_MX_NOT_EXO, "MX of %s does not point to "
                               "Exchange Online (*.%s or *.<x>-v1.mx.microsoft)", d,
                               xp_check_expect(c)->mx_suffix);
        else
            f = xp_finding_new(c, st->st_mx, XP_MX_NOT_EXO, "%s has no MX record", d);
        xp_ev_str(f, "expected", xp_check_expect(c)->mx_suffix);
        xp_ev_dns(f, "answer", st->mx.res);
        xp_finding_fix(f, "Publish %s. 3600 IN MX 0 <token>.%s. (the value the admin center "
                          "shows; <domain-dashes>.<x>-v1.mx.microsoft for a DNSSEC-signed "
                          "domain), and remove the other MX records.", d,
                       xp_check_expect(c)->mx_suffix);
        xp_finding_add(f);
        xp_step_end(st->st_mx, XP_ST_FAIL, NULL);
        return;
    }
    if (exo && other) {
        f = xp_finding_new(c, st->st_mx, XP_MX_MIXED, "MX of %s mixes Exchange Online with %d other "
                               "host%s", d, other, other > 1 ? "s" : "");
        xp_ev_dns(f, "answer", st->mx.res);
        xp_finding_add(f);
        xp_step_end(st->st_mx, XP_ST_WARN, NULL);
        return;
    }
    if (xp_exo_mx_set_state(&set) == XP_EXO_SET_MIGRATION) {
        mx_migration(c, &set);
        xp_step_end(st->st_mx, XP_ST_PASS, "Exchange Online, legacy and DNSSEC MX (migration)");
        return;
    }
    xp_step_end(st->st_mx, exo || other ? XP_ST_PASS : XP_ST_INFO, "%s",
                set.dnssec ? "Exchange Online (DNSSEC MX, *.mx.microsoft)"
                : exo      ? "Exchange Online Protection"
                : other    ? "on-premises mail hosts"
                           : "no MX record");
}

/*
 * The expanded SPF record against RFC 7208's limits (4.6.4) and its
 * includes against 5.2: findings, and the status they give the step.
 */
static enum xp_status
judge_spf_lookups(struct xp_check *c, const struct xp_dns_rr *spf, int *partial_out)
{
    struct cname_state *st = c->state;
    const struct spf_expansion *e = &st->spf;
    const char *d = c->target->domain;
    enum xp_status status = XP_ST_PASS;
    char **tree = NULL, **voids = NULL, **broken = NULL;
    size_t ntree = 0, nvoid = 0, nbroken = 0;
    struct xp_finding *f;
    int i, partial = e->dropped > 0, over_only = 1;

    tree = xmalloc(sizeof(*tree));
    tree[ntree++] = xasprintf("%s (%d)%s%s", d, e->total, e->root_others ? ": " : "",
                              e->root_others ? e->root_others : "");
    for (i = 0; i < e->n; i++)
        if (e->node[i].parent == -1)
            spf_tree(e, i, &tree, &ntree);
    if (e->dropped) {
        tree = xrealloc(tree, (ntree + 1) * sizeof(*tree));
        tree[ntree++] = xasprintf("(%d more include/redirect terms not followed)", e->dropped);
    }
    for (i = 0; i < e->n; i++) {
        const struct spf_node *nd = &e->node[i];
        const char *term = nd->redirect ? "redirect=" : "include:";

        if (nd->state != SPF_N_ANSWERED || nd->res->status >= XP_DNS_SERVFAIL) {
            partial = 1;
            if (nd->skipped != SPF_OVER)
                over_only = 0;
        }
        if (spf_void(nd)) {
            voids = xrealloc(voids, (nvoid + 1) * sizeof(*voids));
            voids[nvoid++] = xasprintf("%s%s (%s)", term, nd->name,
                                       xp_dns_status_name(nd->res->status));
        }
        if (spf_broken(nd)) {
            broken = xrealloc(broken, (nbroken + 1) * sizeof(*broken));
            broken[nbroken++] = xasprintf("%s%s (%s)", term, nd->name,
                                          nd->nspf ? "several SPF records"
                                          : nd->res->status == XP_DNS_OK
                                              ? "TXT but no SPF record"
                                              : xp_dns_status_name(nd->res->status));
        }
        if (nd->state == SPF_N_ANSWERED && nd->res->status >= XP_DNS_SERVFAIL) {
            f = xp_finding_new(c, st->st_spf, XP_CNAME_DNS_ERROR,
                               "TXT %s (SPF %s of %s): %s (%s)", nd->name,
                               nd->redirect ? "redirect" : "include", d,
                               nd->res->status == XP_DNS_TIMEOUT ? "DNS query timed out"
                                                                 : "DNS query failed",
                               nd->res->error ? nd->res->error
                                              : xp_dns_status_name(nd->res->status));
            xp_ev_dns(f, "answer", nd->res);
            xp_finding_add(f);
            status = XP_ST_FAIL;
        }
    }
    if (e->total > SPF_MAX_LOOKUPS || (int)nvoid > SPF_MAX_VOID) {
        if (e->total > SPF_MAX_LOOKUPS)
            f = xp_finding_new(c, st->st_spf, XP_SPF_TOO_MANY_LOOKUPS,
                               "SPF record of %s needs %s%d DNS lookups once its includes are "
                               "expanded, more than the %d RFC 7208 allows: receivers return "
                               "permerror, so SPF fails for its mail", d,
                               partial ? "at least " : "", e->total, SPF_MAX_LOOKUPS);
        else
            f = xp_finding_new(c, st->st_spf, XP_SPF_TOO_MANY_LOOKUPS,
                               "SPF record of %s leads to %zu void lookups (include or "
                               "redirect targets with no record), more than the %d RFC 7208 "
                               "allows: receivers return permerror", d, nvoid, SPF_MAX_VOID);
        xp_ev_int(f, "lookups", e->total);
        xp_ev_int(f, "limit", SPF_MAX_LOOKUPS);
        xp_ev_str(f, "expanded", !partial ? "fully"
                                 : over_only && !e->dropped ? "stopped once over the limit"
                                 : "partly: some targets were not followed (see the tree)");
        xp_ev_list(f, "tree", tree, ntree);
        if (nvoid)
            xp_ev_list(f, "void_lookups", voids, nvoid);
        xp_ev_strn(f, "spf", spf->text, spf->textlen);
        if (e->total > SPF_MAX_LOOKUPS)
            xp_finding_fix(f, "Bring the SPF record of %s to at most %d DNS lookups after "
                              "expansion: remove includes of services that no longer send "
                              "for the domain, move bulk or third-party senders to a "
                              "subdomain of their own (mail.%s, news.%s) with its own SPF "
                              "record, replace your own a/mx terms with ip4:/ip6:. Never "
                              "copy include:%s into ip4: ranges: Microsoft changes them "
                              "without notice.", d, SPF_MAX_LOOKUPS, d, d,
                           xp_check_expect(c)->spf_include);
        else
            xp_finding_fix(f, "Remove or correct the includes and redirects of %s's SPF "
                              "record whose names do not exist or publish no TXT record.", d);
        xp_finding_add(f);
        status = XP_ST_FAIL;
    }
    if (nbroken) {
        if (nbroken == 1)
            f = xp_finding_new(c, st->st_spf, XP_SPF_MISSING_INCLUDE,
                               "SPF record of %s has %s, whose target publishes no usable SPF "
                               "record: receivers return permerror (RFC 7208 5.2)", d,
                               broken[0]);
        else
            f = xp_finding_new(c, st->st_spf, XP_SPF_MISSING_INCLUDE,
                               "SPF record of %s has %zu includes or redirects whose targets "
                               "publish no usable SPF record (%s, ...): receivers return "
                               "permerror (RFC 7208 5.2)", d, nbroken, broken[0]);
        xp_finding_severity(f, XP_SEV_FAIL);
        xp_ev_list(f, "broken_includes", broken, nbroken);
        if (nvoid)
            xp_ev_list(f, "void_lookups", voids, nvoid);
        xp_ev_list(f, "tree", tree, ntree);
        xp_ev_strn(f, "spf", spf->text, spf->textlen);
        xp_finding_fix(f, "Correct or remove each include/redirect whose target publishes no "
                          "SPF record (every target needs exactly one \"v=spf1 ...\" TXT).");
        xp_finding_add(f);
        status = XP_ST_FAIL;
    }
    *partial_out = partial;
    xp_strv_free(tree, ntree);
    xp_strv_free(voids, nvoid);
    xp_strv_free(broken, nbroken);
    return status;
}

static void
judge_spf(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const char *inc = xp_check_expect(c)->spf_include;
    const char *d = c->target->domain;
    const struct xp_dns_rr *spf;
    struct xp_finding *f;
    enum xp_status status = XP_ST_PASS;
    size_t n;
    int exo = 0, other = 0, partial = 0;

    if (xp_dns_slot_failed(&st->txt)) {
        xp_step_end(st->st_spf, XP_ST_FAIL, "see the TXT query above");
        return;
    }
    spf = xp_spf_records(st->txt.res, &n);
    if (n == 0) {
        f = xp_finding_new(c, st->st_spf, XP_SPF_MISSING, "%s publishes no SPF record", d);
        xp_ev_dns(f, "txt", st->txt.res);
        if (st->kind != XP_DEPLOY_ONPREM)
            xp_finding_fix(f, "Publish one TXT record at %s: \"v=spf1 include:%s -all\" "
                              "(add your on-premises senders in hybrid).", d, inc);
        else   /* no Office 365: its include would authorise someone else's servers */
            xp_finding_fix(f, "Publish one TXT record at %s naming the servers that send its "
                              "mail, e.g. \"v=spf1 mx -all\" when they are its MX hosts.", d);
        xp_finding_add(f);
        xp_step_end(st->st_spf, XP_ST_WARN, NULL);
        return;
    }
    if (n > 1) {
        f = xp_finding_new(c, st->st_spf, XP_SPF_MULTIPLE, "%s publishes %zu SPF records; receivers treat that as a "
                               "permanent error (RFC 7208 4.5)", d, n);
        xp_ev_dns(f, "txt", st->txt.res);
        xp_finding_add(f);
        xp_step_end(st->st_spf, XP_ST_FAIL, NULL);
        return;
    }
    if (!xp_dns_slot_failed(&st->mx))
        mx_count(c, st->mx.res, &exo, &other);
    if ((st->kind == XP_DEPLOY_CLOUD || st->kind == XP_DEPLOY_HYBRID || exo) &&
        !xp_spf_has_include(spf->text, spf->textlen, inc)) {
        f = xp_finding_new(c, st->st_spf, XP_SPF_MISSING_INCLUDE, "SPF record of %s lacks include:%s, so mail Exchange Online "
                               "sends for the domain fails SPF", d, inc);
        xp_ev_strn(f, "spf", spf->text, spf->textlen);
        xp_finding_fix(f, "Add include:%s to the SPF record, before its 'all' term.", inc);
        xp_finding_add(f);
        status = XP_ST_WARN;
    }
    status = xp_status_worst(status, judge_spf_lookups(c, spf, &partial));
    if (status != XP_ST_PASS) {
        xp_step_end(st->st_spf, status, NULL);
        return;
    }
    xp_step_end(st->st_spf, XP_ST_PASS, NULL);
    xp_step_note(st->st_spf, "one SPF record%s; %s%d of %d DNS lookups after expansion%s",
                 xp_spf_has_include(spf->text, spf->textlen, inc) ? ", with the Exchange Online include" : "",
                 partial ? "at least " : "", st->spf.total, SPF_MAX_LOOKUPS,
                 partial ? " (not fully expanded)" : "");
}

static void
judge_msoid(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const struct xp_m365_cloud *cloud = xp_check_expect(c)->cloud;
    const struct xp_dns_result *res = st->msoid.res;
    struct xp_finding *f;

    if (xp_dns_slot_failed(&st->msoid)) {
        dns_error(c, st->st_msoid, &st->msoid, 0);
        xp_step_end(st->st_msoid, XP_ST_FAIL, NULL);
        return;
    }
    if (cloud && cloud->msoid_required) {
        const char *target = xp_dns_cname_target(res);

        if (target && xp_name_eq(target, cloud->msoid_target)) {
            xp_step_end(st->st_msoid, XP_ST_PASS, "%s (required for %s)", target, cloud->name);
            return;
        }
        f = xp_finding_new(c, st->st_msoid, XP_CNAME_MISSING,
                           "msoid.%s is %s%s: Microsoft 365 operated by 21Vianet needs it "
                           "for Office activation", c->target->domain,
                           target ? "a CNAME to " : "missing", target ? target : "");
        xp_ev_str(f, "expected", cloud->msoid_target);
        xp_ev_dns(f, "answer", res);
        xp_finding_fix(f, "Publish msoid.%s. 3600 IN CNAME %s.", c->target->domain,
                       cloud->msoid_target);
        xp_finding_add(f);
        xp_step_end(st->st_msoid, XP_ST_FAIL, NULL);
        return;
    }
    if (!has_record(res)) {
        xp_step_end(st->st_msoid, XP_ST_PASS, "none (right for worldwide Microsoft 365)");
        return;
    }
    f = xp_finding_new(c, st->st_msoid, XP_CNAME_MSOID, "msoid.%s exists: it is only for Microsoft 365 operated by 21Vianet, "
                           "and stops Office activation for worldwide tenants",
                           c->target->domain);
    xp_ev_dns(f, "answer", res);
    xp_finding_fix(f, "Delete the msoid.%s record.", c->target->domain);
    xp_finding_add(f);
    xp_step_end(st->st_msoid, XP_ST_FAIL, NULL);
}

/* ---- the check ---- */

/* Answers shown under p0 (and p1); the TXT answer starts the SPF
 * expansion. */
static void
ask(struct xp_check *c, struct xp_dns_slot *s, const char *name, int type, struct xp_step *p0,
    struct xp_step *p1)
{
    s->also = p1;
    xp_dns_slot_ask(c, s, p0, name, type);
}

static void
on_txt(struct xp_check *c, struct xp_dns_slot *s)
{
    (void)s;
    spf_expand(c);
}

/* Intune / Entra device enrollment (Microsoft Learn: DNS alias for Intune
 * enrollment), judged with --expect intune = yes. */
static const struct {
    const char *label, *target;
} intune_names[] = {
    { "enterpriseregistration", "enterpriseregistration.windows.net" },
    { "enterpriseenrollment", "enterpriseenrollment.manage.microsoft.com" },
};

static void
judge_intune(struct xp_check *c)
{
    struct cname_state *st = c->state;
    struct xp_finding *f;
    int i, bad = 0;

    if (!st->st_intune)
        return;
    for (i = 0; i < 2; i++) {
        const char *target;

        if (xp_dns_slot_failed(&st->intune[i])) {
            dns_error(c, st->st_intune, &st->intune[i], 0);
            bad = 1;
            continue;
        }
        target = xp_dns_cname_target(st->intune[i].res);
        if (target && xp_name_eq(target, intune_names[i].target))
            continue;
        f = xp_finding_new(c, st->st_intune, XP_CNAME_INTUNE_MISSING, "%s.%s is %s%s, not a "
                           "CNAME to %s", intune_names[i].label, c->target->domain,
                           target ? "a CNAME to " : "missing", target ? target : "",
                           intune_names[i].target);
        xp_ev_str(f, "expected", intune_names[i].target);
        xp_ev_dns(f, "answer", st->intune[i].res);
        xp_finding_fix(f, "Publish %s.%s. 3600 IN CNAME %s.", intune_names[i].label,
                       c->target->domain, intune_names[i].target);
        xp_finding_add(f);
        bad = 1;
    }
    xp_step_end(st->st_intune, bad ? XP_ST_WARN : XP_ST_PASS, NULL);
}

static void
cname_start(struct xp_check *c)
{
    struct cname_state *st = xcalloc(1, sizeof(*st));
    const char *d = c->target->domain;
    const char *code = xp_check_expect(c)->verification;
    char *name;
    size_t i;

    c->state = st;
    st->st_verif = xp_step_begin(c, NULL, "Domain verification record");
    st->st_autod = xp_step_begin(c, NULL, "Autodiscover record");
    st->st_mx = xp_step_begin(c, NULL, "MX records");
    st->st_spf = xp_step_begin(c, NULL, "SPF record");
    st->st_msoid = xp_step_begin(c, NULL, "msoid record (21Vianet only)");

    st->txt.then = on_txt;
    ask(c, &st->txt, d, XP_DNS_TXT, st->st_verif, st->st_spf);
    ask(c, &st->mx, d, XP_DNS_MX, st->st_mx, NULL);
    name = xasprintf("autodiscover.%s", d);
    ask(c, &st->autod, name, XP_DNS_A, st->st_autod, NULL);
    free(name);
    /* SRV is an Autodiscover record too (Outlook's fourth method). */
    name = xasprintf("_autodiscover._tcp.%s", d);
    ask(c, &st->srv, name, XP_DNS_SRV, st->st_autod, NULL);
    free(name);
    /* A deployment signal only: no step of its own. */
    name = xasprintf("lyncdiscover.%s", d);
    ask(c, &st->lyncd, name, XP_DNS_CNAME, NULL, NULL);
    free(name);
    /* Deployment signals only: Exchange Online's DKIM selectors. */
    for (i = 0; i < 2; i++) {
        name = xasprintf("selector%d._domainkey.%s", (int)i + 1, d);
        ask(c, &st->dkim[i], name, XP_DNS_CNAME, NULL, NULL);
        free(name);
    }
    name = xasprintf("msoid.%s", d);
    ask(c, &st->msoid, name, XP_DNS_CNAME, st->st_msoid, NULL);
    free(name);
    if (code) {
        name = xasprintf("%s.%s", code, d);
        ask(c, &st->verif, name, XP_DNS_CNAME, st->st_verif, NULL);
        free(name);
    }
    if (xp_check_expect(c)->intune) {
        st->st_intune = xp_step_begin(c, NULL, "Intune / Entra enrollment records");
        for (i = 0; i < 2; i++) {
            name = xasprintf("%s.%s", intune_names[i].label, d);
            ask(c, &st->intune[i], name, XP_DNS_CNAME, st->st_intune, NULL);
            free(name);
        }
    }
}

static void
cname_judge(struct xp_check *c)
{
    struct cname_state *st = c->state;
    struct xp_finding *f;

    infer_kind(c);
    f = xp_finding_new(c, NULL, XP_CNAME_DEPLOYMENT, "Deployment kind: %s (%s)",
                       xp_deploy_name(st->kind), st->kind_reason);
    xp_ev_str(f, "deployment", xp_deploy_name(st->kind));
    if (st->kind == XP_DEPLOY_CLOUD)
        xp_finding_about(f, XP_ABOUT_CLOUD_DEPLOYMENT);
    xp_ev_str(f, "source", xp_check_expect(c)->deployment != XP_DEPLOY_UNKNOWN ? "expect"
                           : xp_check_options(c)->preflight                  ? "preflight"
                                                                             : "inferred");
    xp_ev_list(f, "signals", st->signals, st->nsignals);
    xp_finding_add(f);
    judge_verification(c);
    judge_autodiscover(c);
    judge_mx(c);
    judge_spf(c);
    judge_msoid(c);
    judge_intune(c);
    if (!xp_check_problems(c) && !st->autod_elsewhere) {
        f = xp_finding_new(c, NULL, XP_CNAME_OK, "Microsoft 365 records of %s are right for "
                           "a%s deployment", c->target->domain,
                           st->kind == XP_DEPLOY_CLOUD ? " cloud-only"
                           : st->kind == XP_DEPLOY_HYBRID ? " hybrid" : "n on-premises");
        xp_finding_add(f);
    }
}

static void
cname_free(struct xp_check *c)
{
    struct cname_state *st = c->state;
    int i;

    xp_dns_slot_clear(&st->txt);
    xp_dns_slot_clear(&st->mx);
    xp_dns_slot_clear(&st->autod);
    xp_dns_slot_clear(&st->verif);
    xp_dns_slot_clear(&st->msoid);
    xp_dns_slot_clear(&st->srv);
    xp_dns_slot_clear(&st->lyncd);
    xp_dns_slot_clear(&st->intune[0]);
    xp_dns_slot_clear(&st->intune[1]);
    xp_dns_slot_clear(&st->dkim[0]);
    xp_dns_slot_clear(&st->dkim[1]);
    for (i = 0; i < (int)st->nsignals; i++)
        free(st->signals[i]);
    for (i = 0; i < st->spf.n; i++) {
        free(st->spf.node[i].name);
        free(st->spf.node[i].others);
        xp_dns_result_free(st->spf.node[i].res);
    }
    free(st->spf.root_others);
    free(st);
    c->state = NULL;
}

/* Judged after autodiscover: a domain with no Autodiscover record at all is
 * one cause, told once, by AUTOD_NO_ENDPOINT (judge_autodiscover). */
static const char *const cname_after[] = { "autodiscover", NULL };

const struct xp_check_ops xp_check_cname = {
    .id = "cname",
    .title = "Microsoft 365 domain records",
    .help = "Microsoft 365 records: verification (MS=ms... TXT or the verification\n"
            "MX, a leftover reported), autodiscover, MX to Exchange Online, one SPF\n"
            "record with its include (<= 10 lookups), msoid, Intune CNAMEs (--expect\n"
            "cloud, intune), judged for the deployment kind (cloud, hybrid, on-prem)",
    .after = cname_after,
    .judge_after = 1,         /* its DNS overlaps autodiscover's work */
    .start = cname_start,
    .judge = cname_judge,
    .free_state = cname_free,
};

/* For unit tests: the verification-code helper (the SPF helpers are
 * probes/spf.c's, tested in tests/unit/test_spf.c). */
const char *xp_cname_ms_code(const char *txt, size_t len);

const char *
xp_cname_ms_code(const char *txt, size_t len)
{
    return ms_code(txt, len);
}
