/*
 * check_cname.c — the `cname` check: the DNS records Office 365 expects of
 * a domain (domain.md §6.1–6.2, §8.6): the verification record (MS=ms…
 * TXT, or the BPOS-era msNNNNNNNN CNAME → ps.microsoftonline.com), the
 * autodiscover record, MX to Exchange Online Protection, the SPF include,
 * and a stray 21Vianet msoid CNAME.
 *
 * What is right depends on the deployment kind — cloud-only, hybrid (the
 * public Autodiscover name must stay on-premises), on-premises — taken
 * from --expect or inferred from the records, and always reported.
 * All questions go out at once; judge() decides once every answer is in.
 */
#include "xp_check.h"
#include "xp_expect.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BPOS_TARGET "ps.microsoftonline.com"

/* One DNS question and the steps its answer is shown under. */
struct slot {
    struct xp_dns_result *res;
    struct xp_step *parent[2];
};

struct cname_state {
    struct slot txt, mx, autod, verif, msoid;
    struct xp_step *st_verif, *st_autod, *st_mx, *st_spf, *st_msoid;
    enum xp_deploy kind;
    const char *kind_reason;
};

/* ---- record helpers (pure; tested in tests/unit/test_cname.c) ---- */

/* Is this TXT string an SPF record ("v=spf1" then a space or the end)? */
static int
is_spf(const char *txt, size_t len)
{
    return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

/* Does the SPF text contain include:NAME (any qualifier)? */
static int
spf_has_include(const char *spf, const char *name)
{
    const char *p = spf;
    size_t n = strlen(name);

    while (*p) {
        const char *tok = p;
        size_t len = strcspn(p, " ");

        if (len && strchr("+-~?", *tok)) {
            tok++;
            len--;
        }
        if (len == 8 + n && strncasecmp(tok, "include:", 8) == 0 &&
            strncasecmp(tok + 8, name, n) == 0)
            return 1;
        p += strcspn(p, " ");
        p += strspn(p, " ");
    }
    return 0;
}

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

static int
failed(const struct slot *s)
{
    return !s->res || s->res->status >= XP_DNS_SERVFAIL;
}

static int
mx_is_exo(const struct xp_check *c, const char *target)
{
    return xp_name_ends_with(target, xp_check_expect(c)->mx_suffix);
}

/* Which of the MX targets go to EOP: returns counts. */
static void
mx_count(const struct xp_check *c, const struct xp_dns_result *mx, int *exo, int *other)
{
    size_t i;

    *exo = *other = 0;
    for (i = 0; i < mx->nrr; i++) {
        if (mx->rr[i].type != XP_DNS_MX)
            continue;
        if (mx_is_exo(c, mx->rr[i].target))
            (*exo)++;
        else
            (*other)++;
    }
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

/* ---- findings ---- */

/* How many warn/fail findings the check has so far. */
static int
problems(const struct xp_check *c)
{
    const struct xp_finding *f;
    int n = 0;

    for (f = c->findings; f; f = f->next)
        if (f->severity != XP_SEV_INFO)
            n++;
    return n;
}

static void
dns_error(struct xp_check *c, struct xp_step *step, const struct slot *s)
{
    struct xp_finding *f;

    if (!s->res)
        return;
    f = xp_finding_new(c, step, XP_CNAME_DNS_ERROR, "%s %s: %s (%s)", xp_dns_type_name(s->res->qtype), s->res->qname,
                           s->res->status == XP_DNS_TIMEOUT ? "DNS query timed out"
                                                            : "DNS query failed",
                           s->res->error ? s->res->error : xp_dns_status_name(s->res->status));
    xp_ev_dns(f, "answer", s->res);
    xp_finding_add(f);
}

/* ---- the deployment kind ---- */

static void
infer_kind(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);
    int exo = 0, other = 0, autod_cloud = 0, autod_onprem = 0;

    if (!failed(&st->mx))
        mx_count(c, st->mx.res, &exo, &other);
    if (!failed(&st->autod)) {
        autod_cloud = autod_is_cloud(c, st->autod.res);
        autod_onprem = !autod_cloud && resolves(st->autod.res);
    }
    if (ex->deployment != XP_DEPLOY_UNKNOWN) {
        st->kind = ex->deployment;
        st->kind_reason = "stated in --expect";
    } else if (failed(&st->mx) && failed(&st->autod)) {
        st->kind = XP_DEPLOY_UNKNOWN;
        st->kind_reason = "not inferred: the MX and autodiscover queries failed";
    } else if (autod_cloud) {
        st->kind = XP_DEPLOY_CLOUD;
        st->kind_reason = "inferred: autodiscover points to Office 365";
    } else if (autod_onprem && exo) {
        st->kind = XP_DEPLOY_HYBRID;
        st->kind_reason = "inferred: autodiscover points on-premises while MX goes to "
                          "Exchange Online Protection";
    } else if (exo) {
        st->kind = XP_DEPLOY_CLOUD;
        st->kind_reason = "inferred: MX goes to Exchange Online Protection";
    } else {
        st->kind = XP_DEPLOY_ONPREM;
        st->kind_reason = "inferred: neither autodiscover nor MX points to Office 365";
    }
}

/* ---- judgements, one per record ---- */

static void
judge_verification(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const char *want = xp_check_expect(c)->verification;
    const char *found = NULL;
    struct xp_finding *f;
    size_t i;

    if (failed(&st->txt)) {
        dns_error(c, st->st_verif, &st->txt);
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
        xp_finding_add(f);
        xp_step_end(st->st_verif, XP_ST_PASS, "MS=%s", found);
        return;
    }
    if (want && st->verif.res && st->verif.res->status == XP_DNS_OK) {
        const char *target = xp_dns_cname_target(st->verif.res);

        if (target && xp_name_eq(target, BPOS_TARGET)) {
            f = xp_finding_new(c, st->st_verif, XP_TXT_VERIFICATION_FOUND, "Verification CNAME %s.%s -> %s is published (BPOS style)",
                                   want, c->target->domain, BPOS_TARGET);
            xp_ev_str(f, "code", want);
            xp_finding_add(f);
            xp_step_end(st->st_verif, XP_ST_PASS, "CNAME to %s", BPOS_TARGET);
            return;
        }
        f = xp_finding_new(c, st->st_verif, XP_CNAME_WRONG_TARGET, "Verification CNAME %s.%s points to %s, not %s", want,
                               c->target->domain, target ? target : "(no CNAME)", BPOS_TARGET);
        xp_ev_str(f, "expected", BPOS_TARGET);
        xp_ev_str(f, "found", target ? target : "");
        xp_ev_dns(f, "answer", st->verif.res);
        xp_finding_fix(f, "Publish %s.%s. 3600 IN CNAME %s. (or the TXT record MS=%s at %s).",
                       want, c->target->domain, BPOS_TARGET, want, c->target->domain);
        xp_finding_add(f);
        xp_step_end(st->st_verif, XP_ST_FAIL, NULL);
        return;
    }
    if (!want && st->kind != XP_DEPLOY_CLOUD && st->kind != XP_DEPLOY_HYBRID) {
        xp_step_end(st->st_verif, XP_ST_SKIP, "not needed for a deployment without Office 365");
        return;
    }
    if (want) {
        f = xp_finding_new(c, st->st_verif, XP_TXT_VERIFICATION_MISSING,
                           "No verification record for %s: neither TXT MS=%s nor CNAME %s.%s",
                           want, want, want, c->target->domain);
        xp_ev_str(f, "expected", want);
        if (found)
            xp_ev_str(f, "found_other_code", found);
        xp_finding_fix(f, "Publish the TXT record \"MS=%s\" at %s (TTL 3600), as the "
                          "Microsoft 365 admin center shows it.", want, c->target->domain);
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

    if (failed(&st->autod)) {
        dns_error(c, st->st_autod, &st->autod);
        xp_step_end(st->st_autod, XP_ST_FAIL, NULL);
        return;
    }
    target = xp_dns_cname_target(res);
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
        xp_finding_add(f);
        xp_step_end(st->st_autod, XP_ST_FAIL, NULL);
        return;
    }
    xp_step_end(st->st_autod, XP_ST_PASS, "%s", target ? target : "address record (on-premises)");
}

static void
judge_mx(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const char *d = c->target->domain;
    int exo, other;
    struct xp_finding *f;

    if (failed(&st->mx)) {
        dns_error(c, st->st_mx, &st->mx);
        xp_step_end(st->st_mx, XP_ST_FAIL, NULL);
        return;
    }
    mx_count(c, st->mx.res, &exo, &other);
    if (st->kind == XP_DEPLOY_CLOUD && exo == 0) {
        if (other)
            f = xp_finding_new(c, st->st_mx, XP_MX_NOT_EXO, "MX of %s does not point to "
                               "Exchange Online Protection (*.%s)", d,
                               xp_check_expect(c)->mx_suffix);
        else
            f = xp_finding_new(c, st->st_mx, XP_MX_NOT_EXO, "%s has no MX record", d);
        xp_ev_str(f, "expected", xp_check_expect(c)->mx_suffix);
        xp_ev_dns(f, "answer", st->mx.res);
        xp_finding_fix(f, "Publish %s. 3600 IN MX 0 <token>.%s. (the value the admin center "
                          "shows), and remove the other MX records.", d,
                       xp_check_expect(c)->mx_suffix);
        xp_finding_add(f);
        xp_step_end(st->st_mx, XP_ST_FAIL, NULL);
        return;
    }
    if (exo && other) {
        f = xp_finding_new(c, st->st_mx, XP_MX_MIXED, "MX of %s mixes Exchange Online Protection with %d other "
                               "host%s", d, other, other > 1 ? "s" : "");
        xp_ev_dns(f, "answer", st->mx.res);
        xp_finding_add(f);
        xp_step_end(st->st_mx, XP_ST_WARN, NULL);
        return;
    }
    xp_step_end(st->st_mx, exo || other ? XP_ST_PASS : XP_ST_INFO, "%s",
                exo ? "Exchange Online Protection" : other ? "on-premises mail hosts"
                                                           : "no MX record");
}

static void
judge_spf(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const char *inc = xp_check_expect(c)->spf_include;
    const char *d = c->target->domain;
    const struct xp_dns_rr *spf = NULL;
    struct xp_finding *f;
    size_t i, n = 0;
    int exo = 0, other = 0;

    if (failed(&st->txt)) {
        xp_step_end(st->st_spf, XP_ST_FAIL, "see the TXT query above");
        return;
    }
    for (i = 0; i < st->txt.res->nrr; i++) {
        const struct xp_dns_rr *rr = &st->txt.res->rr[i];

        if (rr->type == XP_DNS_TXT && is_spf(rr->text, rr->textlen)) {
            spf = rr;
            n++;
        }
    }
    if (n == 0) {
        f = xp_finding_new(c, st->st_spf, XP_SPF_MISSING, "%s publishes no SPF record", d);
        xp_ev_dns(f, "txt", st->txt.res);
        if (st->kind != XP_DEPLOY_ONPREM)
            xp_finding_fix(f, "Publish one TXT record at %s: \"v=spf1 include:%s -all\" "
                              "(add your on-premises senders in hybrid).", d, inc);
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
    if (!failed(&st->mx))
        mx_count(c, st->mx.res, &exo, &other);
    if ((st->kind == XP_DEPLOY_CLOUD || st->kind == XP_DEPLOY_HYBRID || exo) &&
        !spf_has_include(spf->text, inc)) {
        f = xp_finding_new(c, st->st_spf, XP_SPF_MISSING_INCLUDE, "SPF record of %s lacks include:%s, so mail Exchange Online "
                               "sends for the domain fails SPF", d, inc);
        xp_ev_strn(f, "spf", spf->text, spf->textlen);
        xp_finding_fix(f, "Add include:%s to the SPF record, before its 'all' term.", inc);
        xp_finding_add(f);
        xp_step_end(st->st_spf, XP_ST_WARN, NULL);
        return;
    }
    xp_step_end(st->st_spf, XP_ST_PASS, NULL);
    xp_step_note(st->st_spf, "one SPF record%s",
                 spf_has_include(spf->text, inc) ? ", with the Exchange Online include" : "");
}

static void
judge_msoid(struct xp_check *c)
{
    struct cname_state *st = c->state;
    const struct xp_dns_result *res = st->msoid.res;
    struct xp_finding *f;

    if (failed(&st->msoid)) {
        dns_error(c, st->st_msoid, &st->msoid);
        xp_step_end(st->st_msoid, XP_ST_FAIL, NULL);
        return;
    }
    if (!has_record(res)) {
        xp_step_end(st->st_msoid, XP_ST_PASS, "none (right for worldwide Office 365)");
        return;
    }
    f = xp_finding_new(c, st->st_msoid, XP_CNAME_MSOID, "msoid.%s exists: it is only for Office 365 operated by 21Vianet, "
                           "and stops Office activation for worldwide tenants",
                           c->target->domain);
    xp_ev_dns(f, "answer", res);
    xp_finding_fix(f, "Delete the msoid.%s record.", c->target->domain);
    xp_finding_add(f);
    xp_step_end(st->st_msoid, XP_ST_FAIL, NULL);
}

/* ---- the check ---- */

static void
on_answer(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct slot *s = arg;
    int i;

    s->res = xp_dns_result_dup(res);
    for (i = 0; i < 2; i++)
        if (s->parent[i])
            xp_check_dns_step(c, s->parent[i], res);
}

static void
ask(struct xp_check *c, struct slot *s, const char *name, int type, struct xp_step *p0,
    struct xp_step *p1)
{
    s->parent[0] = p0;
    s->parent[1] = p1;
    xp_check_dns(c, name, type, on_answer, s);
}

static void
cname_start(struct xp_check *c)
{
    struct cname_state *st = xcalloc(1, sizeof(*st));
    const char *d = c->target->domain;
    const char *code = xp_check_expect(c)->verification;
    char *name;

    c->state = st;
    st->st_verif = xp_step_begin(c, NULL, "Domain verification record");
    st->st_autod = xp_step_begin(c, NULL, "Autodiscover record");
    st->st_mx = xp_step_begin(c, NULL, "MX records");
    st->st_spf = xp_step_begin(c, NULL, "SPF record");
    st->st_msoid = xp_step_begin(c, NULL, "msoid record (21Vianet only)");

    ask(c, &st->txt, d, XP_DNS_TXT, st->st_verif, st->st_spf);
    ask(c, &st->mx, d, XP_DNS_MX, st->st_mx, NULL);
    name = xasprintf("autodiscover.%s", d);
    ask(c, &st->autod, name, XP_DNS_A, st->st_autod, NULL);
    free(name);
    name = xasprintf("msoid.%s", d);
    ask(c, &st->msoid, name, XP_DNS_CNAME, st->st_msoid, NULL);
    free(name);
    if (code) {
        name = xasprintf("%s.%s", code, d);
        ask(c, &st->verif, name, XP_DNS_CNAME, st->st_verif, NULL);
        free(name);
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
    xp_ev_str(f, "source", xp_check_expect(c)->deployment != XP_DEPLOY_UNKNOWN ? "expect"
                                                                                : "inferred");
    xp_finding_add(f);
    judge_verification(c);
    judge_autodiscover(c);
    judge_mx(c);
    judge_spf(c);
    judge_msoid(c);
    if (!problems(c)) {
        f = xp_finding_new(c, NULL, XP_CNAME_OK, "Office 365 records of %s are right for "
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

    xp_dns_result_free(st->txt.res);
    xp_dns_result_free(st->mx.res);
    xp_dns_result_free(st->autod.res);
    xp_dns_result_free(st->verif.res);
    xp_dns_result_free(st->msoid.res);
    free(st);
    c->state = NULL;
}

const struct xp_check_ops xp_check_cname = {
    .id = "cname",
    .title = "Office 365 domain records",
    .start = cname_start,
    .judge = cname_judge,
    .free_state = cname_free,
};

/* For unit tests: the pure record helpers. */
int xp_cname_is_spf(const char *txt, size_t len);
int xp_cname_spf_has_include(const char *spf, const char *name);
const char *xp_cname_ms_code(const char *txt, size_t len);

int
xp_cname_is_spf(const char *txt, size_t len)
{
    return is_spf(txt, len);
}

int
xp_cname_spf_has_include(const char *spf, const char *name)
{
    return spf_has_include(spf, name);
}

const char *
xp_cname_ms_code(const char *txt, size_t len)
{
    return ms_code(txt, len);
}
