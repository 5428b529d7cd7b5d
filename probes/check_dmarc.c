/*
 * check_dmarc.c — the `dmarc` check (modern.md §(b)4): the DMARC record
 * that applies to the domain, every tag validated, report addresses in
 * other domains authorised, and the joined verdict an Exchange Online
 * admin needs: can mail Exchange Online sends for the domain pass DMARC,
 * and what does the policy do to it if not.
 *
 * Discovery: _dmarc.DOMAIN, else the nearest parent that has a record
 * (the DMARCbis DNS tree walk; RFC 7489's Public Suffix List is not used,
 * and the report says so). All levels are asked at once; the report
 * authorizations (DOMAIN._report._dmarc.X, RFC 7489 7.1) once the record
 * is known.
 *
 * DMARC passes through aligned DKIM or aligned SPF. Exchange Online signs
 * with d=DOMAIN once the selector CNAMEs are published and signing is on
 * (the dkim check's verdict, when it runs; else the selectors are read
 * here) and sends with MAIL FROM in DOMAIN, which SPF passes when the
 * record includes Exchange Online's.
 */
#include "xp_check.h"
#include "xp_dkim.h"
#include "xp_dmarc.h"
#include "xp_expect.h"
#include "xp_m365.h"
#include "xp_spf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LEVELS 8     /* _dmarc at the domain and up to 7 parents (not the TLD) */
#define MAX_AUTH 8       /* report domains whose authorization is asked */

struct auth {
    char domain[256];           /* the report address's domain X */
    struct xp_dns_slot q;       /* TXT DOMAIN._report._dmarc.X */
    int asked;
};

struct dmarc_state {
    struct xp_dns_slot level[MAX_LEVELS];
    char *level_name[MAX_LEVELS];
    size_t nlevels, answered;
    struct xp_dns_slot mx, txt, sel[2];
    struct auth auth[MAX_AUTH];
    size_t nauth;
    int found;                  /* index of the level whose record applies; -1 none */
    const struct xp_dns_rr *rec;
    struct xp_dmarc d;
    struct xp_step *st_rec, *st_auth, *st_exo;
    const char *exo_why;        /* why the domain is taken to send through Exchange Online */
    int exo_dkim, exo_spf;      /* aligned DKIM / SPF for that mail */
};

/* DMARC records in a TXT answer: how many, and the first. */
static const struct xp_dns_rr *
records(const struct xp_dns_result *res, size_t *n)
{
    const struct xp_dns_rr *first = NULL;
    size_t i;

    *n = 0;
    for (i = 0; res && i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_TXT &&
            xp_dmarc_is_record(res->rr[i].text, res->rr[i].textlen)) {
            if (!first)
                first = &res->rr[i];
            (*n)++;
        }
    return first;
}

/* Are a and b in one organization, as far as exprobe can tell without the
 * Public Suffix List: equal, or one below the other. */
static int
same_org(const char *a, const char *b)
{
    return xp_name_eq(a, b) || xp_name_ends_with(a, b) || xp_name_ends_with(b, a);
}


/* The record that applies: the domain's own, else the nearest parent's. */
static void
find_record(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    size_t i, n;

    st->found = -1;
    for (i = 0; i < st->nlevels; i++) {
        if (xp_dns_slot_failed(&st->level[i]))
            return;     /* unknown: a lower level might have had one */
        st->rec = records(st->level[i].res, &n);
        if (n) {
            st->found = (int)i;
            return;
        }
    }
}

/* Ask for the authorization of each rua/ruf domain outside the policy
 * domain's organization. */
static void
ask_authorizations(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const char *pd;
    size_t i, j;

    find_record(c);
    if (st->found < 0)
        return;
    xp_dmarc_parse(st->rec->text, st->rec->textlen, &st->d);
    pd = st->level_name[st->found];
    for (i = 0; i < st->d.nrua + st->d.nruf; i++) {
        const char *x = i < st->d.nrua ? st->d.rua[i].domain : st->d.ruf[i - st->d.nrua].domain;
        char *name;

        if (!x[0] || same_org(x, pd))
            continue;
        for (j = 0; j < st->nauth && strcmp(st->auth[j].domain, x) != 0; j++)
            ;
        if (j < st->nauth || st->nauth == MAX_AUTH)
            continue;
        snprintf(st->auth[st->nauth].domain, sizeof(st->auth[0].domain), "%s", x);
        if (!st->st_auth)
            st->st_auth = xp_step_begin(c, NULL, "Report addresses in other domains");
        st->auth[st->nauth].asked = 1;
        name = xasprintf("%s._report._dmarc.%s", pd, x);
        xp_dns_slot_ask(c, &st->auth[st->nauth].q, st->st_auth, name, XP_DNS_TXT);
        free(name);
        st->nauth++;
    }
}

static void
on_level(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct dmarc_state *st = c->state;
    struct xp_dns_slot *s = arg;

    xp_dns_slot_keep(c, s, res);
    if (++st->answered == st->nlevels)
        ask_authorizations(c);
}

static void
dmarc_start(struct xp_check *c)
{
    struct dmarc_state *st = xcalloc(1, sizeof(*st));
    const char *d = c->target->domain, *p;
    char *name;
    size_t i;

    c->state = st;
    st->found = -1;
    st->st_rec = xp_step_begin(c, NULL, "DMARC record");
    /* the domain, then each parent but the top-level domain */
    for (p = d; p && strchr(p, '.') && st->nlevels < MAX_LEVELS; p = strchr(p, '.') + 1)
        st->level_name[st->nlevels++] = xstrdup(p);
    if (st->nlevels == 0)
        st->level_name[st->nlevels++] = xstrdup(d);
    for (i = 0; i < st->nlevels; i++) {
        st->level[i].step = st->st_rec;
        name = xasprintf("_dmarc.%s", st->level_name[i]);
        xp_check_dns(c, name, XP_DNS_TXT, on_level, &st->level[i]);
        free(name);
    }
    st->st_exo = xp_step_begin(c, NULL, "Mail sent through Exchange Online");
    xp_dns_slot_ask(c, &st->mx, st->st_exo, d, XP_DNS_MX);
    xp_dns_slot_ask(c, &st->txt, st->st_exo, d, XP_DNS_TXT);
    for (i = 0; i < 2; i++) {
        name = xasprintf("selector%zu._domainkey.%s", i + 1, d);
        xp_dns_slot_ask(c, &st->sel[i], st->st_exo, name, XP_DNS_TXT);
        free(name);
    }
}

/* ---- judgements ---- */

static void
ev_strv(struct xp_finding *f, const char *key, const char *const *v, size_t n)
{
    xp_ev_list(f, key, (char *const *)v, n);
}

/* No usable record: missing, several, or a lookup that failed. Returns 1
 * when judging stops here. */
static int
judge_presence(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const char *d = c->target->domain;
    struct xp_finding *f;
    size_t i, n;

    for (i = 0; i < st->nlevels && (st->found < 0 || i <= (size_t)st->found); i++)
        if (xp_dns_slot_failed(&st->level[i])) {
            if (st->level[i].res)
                xp_finding_add(xp_check_dns_failure(c, st->st_rec, XP_DMARC_DNS_ERROR,
                                                    st->level[i].res));
            xp_step_end(st->st_rec, XP_ST_UNKNOWN, NULL);
            return 1;
        }
    if (st->found < 0) {
        f = xp_finding_new(c, st->st_rec, XP_DMARC_MISSING,
                           "No DMARC record for %s (none at _dmarc.%s%s)", d, d,
                           st->nlevels > 1 ? " or at any parent domain" : "");
        xp_ev_int(f, "levels_asked", (long long)st->nlevels);
        xp_finding_fix(f, "Publish _dmarc.%s. 3600 IN TXT \"v=DMARC1; p=none; "
                          "rua=mailto:dmarc-reports@%s\", read the reports, then move to "
                          "p=quarantine and p=reject.", d, d);
        xp_finding_add(f);
        xp_step_end(st->st_rec, XP_ST_WARN, "none");
        return 1;
    }
    records(st->level[st->found].res, &n);
    if (n > 1) {
        f = xp_finding_new(c, st->st_rec, XP_DMARC_INVALID,
                           "_dmarc.%s has %zu DMARC records: receivers apply none of them "
                           "(RFC 7489 6.6.3)", st->level_name[st->found], n);
        xp_ev_dns(f, "records", st->level[st->found].res);
        xp_finding_fix(f, "Delete all but one v=DMARC1 TXT record at _dmarc.%s.",
                       st->level_name[st->found]);
        xp_finding_add(f);
        xp_step_end(st->st_rec, XP_ST_FAIL, "%zu records", n);
        return 1;
    }
    return 0;
}

static void
judge_syntax(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const struct xp_dmarc *dm = &st->d;
    struct xp_finding *f;

    if (dm->nproblems) {
        f = xp_finding_new(c, st->st_rec, XP_DMARC_INVALID, "DMARC record of %s %s: %s%s",
                           st->level_name[st->found],
                           dm->fatal ? "is unusable" : "has a tag receivers ignore",
                           dm->problem[0], dm->nproblems > 1 ? " (and more)" : "");
        xp_ev_strn(f, "record", st->rec->text, st->rec->textlen);
        ev_strv(f, "problems", dm->problem, dm->nproblems);
        if (!dm->fatal)
            xp_finding_severity(f, XP_SEV_WARN);
        xp_finding_fix(f, "Correct the record at _dmarc.%s: v=DMARC1 first, p=none|quarantine"
                          "|reject, adkim/aspf r|s, rua/ruf mailto: addresses, fo 0|1|d|s.",
                       st->level_name[st->found]);
        xp_finding_add(f);
    }
    if (dm->ndeprecated) {
        struct xp_buf b = { NULL, 0, 0 };
        size_t i;

        for (i = 0; i < dm->ndeprecated; i++)
            xp_buf_printf(&b, "%s%s", i ? ", " : "", dm->deprecated[i]);
        f = xp_finding_new(c, st->st_rec, XP_DMARC_DEPRECATED_TAG,
                           "DMARC record of %s uses %s, removed by DMARCbis: receivers "
                           "following it ignore %s", st->level_name[st->found], b.s,
                           dm->ndeprecated > 1 ? "them" : "it");
        ev_strv(f, "tags", dm->deprecated, dm->ndeprecated);
        xp_finding_fix(f, "Drop %s from the record (t=y replaces pct=0 for testing).", b.s);
        xp_finding_add(f);
        free(b.s);
    }
    if (dm->unknown[0])
        xp_step_note(st->st_rec, "unknown tags ignored by receivers: %s", dm->unknown);
}

static void
judge_policy(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const struct xp_dmarc *dm = &st->d;
    enum xp_dmarc_policy p = xp_dmarc_effective(dm, st->found > 0);
    struct xp_finding *f;

    xp_step_note(st->st_rec, "policy for %s: %s%s%s%s", c->target->domain,
                 xp_dmarc_policy_name(p), st->found > 0 ? " (sp= of the parent's record)" : "",
                 dm->testing ? "; t=y: testing, applied one step lower" : "",
                 dm->p == XP_DMARC_P_NONE_SET ? "; no p= tag: taken as none" : "");
    if (p != XP_DMARC_P_NONE || dm->fatal)
        return;
    f = xp_finding_new(c, st->st_rec, XP_DMARC_POLICY_NONE,
                       "DMARC policy for %s is none%s: monitoring only, mail forging the "
                       "domain is still delivered", c->target->domain,
                       dm->testing || dm->pct == 0 ? " (lowered by t=y or pct=0)" : "");
    xp_ev_str(f, "policy", "none");
    xp_ev_strn(f, "record", st->rec->text, st->rec->textlen);
    xp_finding_fix(f, "Once the aggregate reports show all legitimate mail passing, set "
                      "p=quarantine, then p=reject, at _dmarc.%s.", st->level_name[st->found]);
    xp_finding_add(f);
}

static int
authorized(const struct auth *a)
{
    size_t n;

    return !xp_dns_slot_failed(&a->q) && records(a->q.res, &n) && n >= 1;
}

static void
judge_authorizations(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const char *pd = st->level_name[st->found];
    struct xp_finding *f;
    size_t i;
    int bad = 0;

    for (i = 0; i < st->nauth; i++) {
        const struct auth *a = &st->auth[i];

        if (xp_dns_slot_failed(&a->q)) {
            if (a->q.res)
                xp_finding_add(xp_check_dns_failure(c, st->st_auth, XP_DMARC_DNS_ERROR,
                                                    a->q.res));
            bad = 1;
            continue;
        }
        if (authorized(a))
            continue;
        f = xp_finding_new(c, st->st_auth, XP_DMARC_RUA_UNAUTHORIZED,
                           "Reports for %s go to %s, which has not authorised them "
                           "(no v=DMARC1 at %s._report._dmarc.%s): receivers send none",
                           pd, a->domain, pd, a->domain);
        xp_ev_str(f, "report_domain", a->domain);
        xp_ev_dns(f, "authorization_record", a->q.res);
        xp_finding_fix(f, "Have %s publish %s._report._dmarc.%s. 3600 IN TXT \"v=DMARC1\" (a "
                          "reporting service does so when the domain is added to it), or send "
                          "reports to an address in %s.", a->domain, pd, a->domain, pd);
        xp_finding_add(f);
        bad = 1;
    }
    if (st->st_auth)
        xp_step_end(st->st_auth, bad ? XP_ST_WARN : XP_ST_PASS, "%zu domain%s", st->nauth,
                    st->nauth == 1 ? "" : "s");
}

/* ---- the joined verdict ---- */

/* Does the domain send through Exchange Online? */
static const char *
exo_reason(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);

    if (ex->deployment == XP_DEPLOY_CLOUD || ex->deployment == XP_DEPLOY_HYBRID)
        return "stated in --expect";
    if (ex->deployment == XP_DEPLOY_ONPREM)
        return NULL;
    return xp_m365_exo_sender(xp_dns_slot_failed(&st->mx) ? NULL : st->mx.res,
                              xp_dns_slot_failed(&st->txt) ? NULL : st->txt.res,
                              ex->mx_suffix, ex->spf_include);
}

/* Aligned DKIM from Exchange Online: the dkim check's verdict when it ran,
 * else the selectors read here. *how says which. */
static int
dkim_aligned(struct xp_check *c, const char **how)
{
    struct dmarc_state *st = c->state;
    struct xp_target *t = c->target;
    size_t i;

    for (i = 0; i < t->nchecks; i++) {
        const struct xp_check *k = t->checks[i];
        const struct xp_finding *f;
        int ok = 0, broken = 0;

        if (strcmp(k->ops->id, "dkim") != 0 || !k->done || k->skip_reason)
            continue;
        for (f = k->findings; f; f = f->next) {
            ok |= f->code == XP_DKIM_OK;
            broken |= (f->code == XP_DKIM_CNAME_MISSING && f->severity != XP_SEV_INFO) ||
                      f->code == XP_DKIM_KEY_MISSING || f->code == XP_DKIM_KEY_INVALID ||
                      f->code == XP_DKIM_DNS_ERROR;
        }
        *how = "the dkim check's verdict";
        return !broken && (ok || k->status == XP_ST_WARN);
    }
    *how = "the selector1/selector2 records read here";
    for (i = 0; i < 2; i++) {
        const struct xp_dns_result *res = st->sel[i].res;
        const char *target = xp_dns_slot_failed(&st->sel[i]) ? NULL : xp_dns_cname_target(res);
        size_t j;

        if (!target || xp_dkim_ms_target(target, c->target->domain, NULL) == XP_DKIM_NOT_MS)
            continue;
        for (j = 0; j < res->nrr; j++) {
            struct xp_dkim_key k;

            if (res->rr[j].type == XP_DNS_TXT &&
                xp_dkim_key_parse(res->rr[j].text, res->rr[j].textlen, &k) == 0)
                return 1;
        }
    }
    return 0;
}

static int
spf_aligned(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const struct xp_dns_rr *spf;
    size_t n;

    if (xp_dns_slot_failed(&st->txt))
        return 0;
    spf = xp_spf_records(st->txt.res, &n);
    return n == 1 && xp_spf_has_include(spf->text, spf->textlen,
                                        xp_check_expect(c)->spf_include);
}

/* The first selector query read here that got no answer, or NULL. */
static const struct xp_dns_result *
sel_unanswered(const struct dmarc_state *st)
{
    int i;

    for (i = 0; i < 2; i++)
        if (st->sel[i].res && st->sel[i].res->status >= XP_DNS_SERVFAIL)
            return st->sel[i].res;
    return NULL;
}

/* The selector queries under the Exchange Online step are evidence: once
 * the verdict does not hang on them, one that got no answer is no
 * unknown of this check (the dkim check reports it, once). */
static void
sel_steps_evidence(struct dmarc_state *st)
{
    struct xp_step *s;

    for (s = st->st_exo->children; s; s = s->next)
        if (s->status == XP_ST_UNKNOWN && strstr(s->title, "._domainkey.")) {
            xp_step_note(s, "(not needed for the verdict)");
            s->status = XP_ST_INFO;
        }
}

/* DKIM alignment could not be read and SPF does not pass: no verdict. One
 * cause, one finding: when the dkim check reported the failure, this check
 * only says so. */
static int
judge_exo_unknown(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const struct xp_dns_result *res = sel_unanswered(st);

    if (xp_target_finding(c->target, "dkim", XP_DKIM_DNS_ERROR)) {
        xp_step_end(st->st_exo, XP_ST_UNKNOWN, "DKIM alignment unknown: the dkim check could "
                    "not read the selectors (DKIM_DNS_ERROR), and SPF is not aligned");
        return 1;
    }
    if (!res || xp_target_check(c->target, "dkim"))
        return 0;
    xp_finding_add(xp_check_dns_failure(c, st->st_exo, XP_DMARC_DNS_ERROR, res));
    xp_step_end(st->st_exo, XP_ST_UNKNOWN, "DKIM alignment unknown, and SPF is not aligned");
    return 1;
}

static void
judge_exo(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    const char *why = exo_reason(c), *how = NULL, *d = c->target->domain;
    enum xp_dmarc_policy p;
    struct xp_finding *f;
    int dkim, spf;

    if (!why) {
        xp_step_end(st->st_exo, XP_ST_SKIP, "the domain does not send through Exchange Online");
        return;
    }
    dkim = dkim_aligned(c, &how);
    spf = spf_aligned(c);
    p = st->found >= 0 && !st->d.fatal ? xp_dmarc_effective(&st->d, st->found > 0)
                                        : XP_DMARC_P_NONE;
    st->exo_why = why;
    st->exo_dkim = dkim;
    st->exo_spf = spf;
    if (!dkim && !spf && judge_exo_unknown(c))
        return;
    sel_steps_evidence(st);
    if (dkim || spf) {
        xp_step_end(st->st_exo, XP_ST_PASS, "passes DMARC through %s%s%s (%s)",
                    dkim ? "aligned DKIM" : "", dkim && spf ? " and " : "",
                    spf ? "aligned SPF" : "", why);
        if (!dkim)
            xp_step_note(st->st_exo, "SPF only: mail forwarded by a recipient fails DMARC "
                         "(publish the DKIM CNAMEs: the dkim check names them)");
        return;
    }
    f = xp_finding_new(c, st->st_exo, XP_DMARC_EXO_FAILS,
                       "Mail Exchange Online sends for %s fails DMARC: no aligned DKIM (%s) "
                       "and the SPF record lacks include:%s%s", d, how,
                       xp_check_expect(c)->spf_include,
                       p == XP_DMARC_P_REJECT ? "; at p=reject receivers reject it"
                       : p == XP_DMARC_P_QUARANTINE ? "; at p=quarantine receivers junk it"
                                                   : "");
    xp_ev_str(f, "policy", xp_dmarc_policy_name(p));
    xp_ev_str(f, "exo", why);
    xp_finding_fix(f, "Publish the DKIM CNAMEs and enable signing (see the dkim check), and "
                      "add include:%s to the SPF record of %s%s.",
                   xp_check_expect(c)->spf_include, d,
                   p > XP_DMARC_P_NONE ? "; until one passes, lower the policy to p=none" : "");
    if (p == XP_DMARC_P_NONE)
        xp_finding_severity(f, XP_SEV_WARN);
    xp_finding_add(f);
    xp_step_end(st->st_exo, p == XP_DMARC_P_NONE ? XP_ST_WARN : XP_ST_FAIL, NULL);
}

static void
dmarc_judge(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    enum xp_dmarc_policy p;
    struct xp_finding *ok;

    find_record(c);
    if (judge_presence(c)) {
        if (st->found < 0 && !xp_dns_slot_failed(&st->level[0]))
            judge_exo(c);
        else
            xp_step_end(st->st_exo, XP_ST_SKIP, NULL);
        return;
    }
    xp_step_end(st->st_rec, XP_ST_PASS, "at _dmarc.%s%s", st->level_name[st->found],
                st->found > 0 ? " (the nearest parent with a record: DNS tree walk, "
                                "DMARCbis; the Public Suffix List is not used)"
                              : "");
    judge_syntax(c);
    judge_policy(c);
    judge_authorizations(c);
    judge_exo(c);
    if (st->d.fatal || xp_check_problems(c))
        return;
    p = xp_dmarc_effective(&st->d, st->found > 0);
    ok = xp_finding_new(c, NULL, XP_DMARC_OK, "DMARC record for %s: p=%s%s%s",
                        c->target->domain, xp_dmarc_policy_name(p),
                        st->found > 0 ? " (from the parent domain)" : "",
                        !st->exo_why ? ""
                        : st->exo_dkim && st->exo_spf
                            ? "; Exchange Online's mail passes through DKIM and SPF"
                        : st->exo_dkim ? "; Exchange Online's mail passes through DKIM"
                                       : "; Exchange Online's mail passes through SPF only");
    xp_ev_str(ok, "policy", xp_dmarc_policy_name(p));
    xp_ev_str(ok, "found_at", st->level_name[st->found]);
    xp_ev_str(ok, "how", st->found > 0 ? "tree walk" : "the domain's own record");
    if (st->exo_why) {
        xp_ev_str(ok, "exo_dkim", st->exo_dkim ? "aligned" : "not aligned");
        xp_ev_str(ok, "exo_spf", st->exo_spf ? "aligned" : "not aligned");
    }
    xp_finding_add(ok);
}

static void
dmarc_free(struct xp_check *c)
{
    struct dmarc_state *st = c->state;
    size_t i;

    for (i = 0; i < MAX_LEVELS; i++) {
        xp_dns_slot_clear(&st->level[i]);
        free(st->level_name[i]);
    }
    for (i = 0; i < MAX_AUTH; i++)
        xp_dns_slot_clear(&st->auth[i].q);
    xp_dns_slot_clear(&st->mx);
    xp_dns_slot_clear(&st->txt);
    xp_dns_slot_clear(&st->sel[0]);
    xp_dns_slot_clear(&st->sel[1]);
    free(st);
    c->state = NULL;
}

static const char *const after[] = { "dkim", NULL };

const struct xp_check_ops xp_check_dmarc = {
    .id = "dmarc",
    .title = "DMARC (policy, reports, Exchange Online alignment)",
    .help = "_dmarc.DOMAIN (else a parent: DNS tree walk), one v=DMARC1 record,\n"
            "every tag validated, report domains authorised; can mail sent through\n"
            "Exchange Online pass DMARC (aligned DKIM from dkim, or SPF's include)",
    .after = after,
    .start = dmarc_start,
    .judge = dmarc_judge,
    .free_state = dmarc_free,
};
