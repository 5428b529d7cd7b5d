/*
 * check_mtasts.c — the `mtasts` check (RFC 8461, RFC 8460; modern.md
 * §(b)2, §(c)1): the _mta-sts TXT record (exactly one v=STSv1 with a valid
 * id), the policy from https://mta-sts.DOMAIN/.well-known/mta-sts.txt
 * (the address from the run's resolver, one GET, no redirect followed,
 * 64 KiB bound, text/plain, the certificate judged as a sender would:
 * xp_check_cert_verdict on the chain that request met, one finding per
 * cause with its own fix -- this check owns the policy host), its version, mode,
 * max_age and mx: lines; every MX covered by a pattern (a "*." is exactly
 * one label: "*.mx.microsoft" does NOT cover contoso-com.j-v1.mx.microsoft);
 * in enforce, each MX's STARTTLS certificate valid for the MX name (the
 * verdict on the chain smtp met: no second connection); and TLS-RPT
 * (_smtp._tls). It ends with what a sender that does DANE, MTA-STS or
 * neither will do with the domain, reading the dane check's findings.
 * Its DNS and the policy fetch start with the run (judge_after); only the
 * judgement waits for smtp and dane.
 */
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_exo.h"
#include "xp_facts.h"
#include "xp_m365.h"
#include "xp_mtasts.h"
#include "xp_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_MX 16

struct mtasts_state {
    struct xp_dns_result *txt, *rpt, *mx;
    struct xp_addr_lookup addrs;
    struct xp_http_resp *resp;       /* a copy of what the policy GET met */
    int fetched;
    struct xp_cert_verdict policy_cert; /* on resp's chain, when it has one */
    char url[320], host[280];
    char id[40];
    struct xp_step *st_policy;
    struct xp_sts_policy policy;
    int policy_ok;                   /* fetched and valid */
};

/* ---- answers ---- */

static void
keep(struct xp_dns_result **slot, const struct xp_dns_result *res)
{
    xp_dns_result_free(*slot);
    *slot = xp_dns_result_dup(res);
}

static void
on_rpt(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    (void)arg;
    keep(&((struct mtasts_state *)c->state)->rpt, res);
}

static void
on_mx(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    (void)arg;
    keep(&((struct mtasts_state *)c->state)->mx, res);
}

static void
on_policy(struct xp_check *c, void *arg, const struct xp_http_resp *resp)
{
    struct mtasts_state *st = c->state;

    (void)arg;
    xp_http_resp_free(st->resp);
    st->resp = xp_http_resp_dup(resp);   /* kept past the callback */
    st->fetched = 1;
    /* Judged now, while smtp is still talking: judge runs once smtp and
     * dane are done, on the run's tail (~0.2 ms saved there). */
    if (resp->tls.chain)
        xp_check_cert_verdict(c, &resp->tls, 0, 0, &st->policy_cert);
    /* The policy host's chain is one the cert check judges (SPEC: every
     * certificate met in the run); mtasts says what it means for senders. */
    if (resp->tls.handshake_ok)
        xp_facts_add_tls(xp_check_facts(c), "MTA-STS policy host", 0, &resp->tls);
}

static void
on_addrs(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct mtasts_state *st = c->state;
    const char *ip = xp_addrs_pick(l);
    struct xp_http_req req = { 0 };

    if (!ip)
        return;                       /* judged: no address */
    req.url = st->url;
    req.method = "GET";
    req.connect_ip = ip;
    req.timeout_ms = xp_check_params(c)->timeout_ms;
    req.max_body = XP_STS_POLICY_MAX;  /* one byte more is "truncated" */
    xp_check_http(c, &req, on_policy, NULL);
}

static int
is_sts(const char *txt, size_t len)
{
    char id[40], err[200];

    return xp_sts_txt(txt, len, id, sizeof(id), err, sizeof(err)) != 0;
}

static int
is_tlsrpt(const char *txt, size_t len)
{
    char err[200];

    return xp_tlsrpt_txt(txt, len, err, sizeof(err)) != 0;
}

/* The records of the TXT answer that is_record() takes for its kind (the
 * right v=, valid or not): how many, and the first. */
static size_t
records(const struct xp_dns_result *res, int (*is_record)(const char *, size_t),
        const struct xp_dns_rr **first)
{
    size_t i, n = 0;

    *first = NULL;
    for (i = 0; res && i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_TXT && is_record(res->rr[i].text, res->rr[i].textlen)) {
            if (!n)
                *first = &res->rr[i];
            n++;
        }
    return n;
}

/* The record at LABEL.DOMAIN does not parse (err): senders ignore it. */
static void
invalid(struct xp_check *c, struct xp_step *s, const struct xp_dns_rr *rec, enum xp_code code,
        const char *label, const char *what, const char *err, const char *fix)
{
    struct xp_finding *f = xp_finding_new(c, s, code, "%s.%s is not a valid %s record: %s",
                                          label, c->target->domain, what, err);

    xp_ev_strn(f, "txt", rec->text, rec->textlen);
    xp_finding_fix(f, "%s", fix);
    xp_finding_add(f);
}

/* n (> 1) records of one version at LABEL.DOMAIN: senders use none. */
static void
several(struct xp_check *c, struct xp_step *s, const struct xp_dns_result *res,
        enum xp_code code, const char *label, const char *version, size_t n,
        const char *effect, const char *keep)
{
    const char *d = c->target->domain;
    struct xp_finding *f = xp_finding_new(c, s, code, "%s.%s has %zu %s records: %s", label,
                                          d, n, version, effect);

    xp_ev_dns(f, "txt", res);
    xp_finding_fix(f, "Keep exactly one %s at %s.%s.", keep, label, d);
    xp_finding_add(f);
}

static void
on_txt(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct mtasts_state *st = c->state;
    const struct xp_dns_rr *rec;
    char err[200];

    (void)arg;
    keep(&st->txt, res);
    if (records(res, is_sts, &rec) != 1 ||
        xp_sts_txt(rec->text, rec->textlen, st->id, sizeof(st->id), err, sizeof(err)) != 1)
        return;                       /* nothing to fetch: judged from the TXT */
    st->st_policy = xp_step_begin(c, NULL, "Policy %s", st->url);
    xp_check_addrs(c, &st->addrs, st->st_policy, st->host, on_addrs, NULL);
}

static void
mtasts_start(struct xp_check *c)
{
    struct mtasts_state *st = xcalloc(1, sizeof(*st));
    const char *d = c->target->domain;
    char name[300];

    c->state = st;
    snprintf(st->host, sizeof(st->host), "mta-sts.%.260s", d);
    snprintf(st->url, sizeof(st->url), "https://%.270s/.well-known/mta-sts.txt", st->host);
    snprintf(name, sizeof(name), "_mta-sts.%s", d);
    xp_check_dns(c, name, XP_DNS_TXT, on_txt, NULL);
    snprintf(name, sizeof(name), "_smtp._tls.%s", d);
    xp_check_dns(c, name, XP_DNS_TXT, on_rpt, NULL);
    xp_check_dns(c, d, XP_DNS_MX, on_mx, NULL);
}

static void
mtasts_free(struct xp_check *c)
{
    struct mtasts_state *st = c->state;

    if (!st)
        return;
    xp_dns_result_free(st->txt);
    xp_dns_result_free(st->rpt);
    xp_dns_result_free(st->mx);
    xp_check_addrs_clear(&st->addrs);
    xp_http_resp_free(st->resp);
    free(st);
    c->state = NULL;
}

/* ---- judgements ---- */

static int
dns_failed(const struct xp_dns_result *r)
{
    return !r || r->status >= XP_DNS_SERVFAIL;
}

/* The MX hosts (no null MX, no Microsoft 365 verification MX: never a
 * mail host, senders never reach it), at most MAX_MX. */
static size_t
mx_hosts(const struct mtasts_state *st, const char **hosts)
{
    size_t i, n = 0;

    for (i = 0; st->mx && i < st->mx->nrr && n < MAX_MX; i++)
        if (st->mx->rr[i].type == XP_DNS_MX && st->mx->rr[i].target &&
            strcmp(st->mx->rr[i].target, ".") != 0 && st->mx->rr[i].target[0] &&
            !xp_m365_verification_mx(st->mx->rr[i].target, NULL))   /* no mail host */
            hosts[n++] = st->mx->rr[i].target;
    return n;
}

/* The fix for an uncovered Microsoft MX: the exact pattern and
 * Microsoft's order (testing, bump id, enforce). */
static void
fix_uncovered(struct xp_finding *f, const char *host, const char *domain, const char *id)
{
    char pat[128];

    if (xp_exo_mx_sts_pattern(host, pat, sizeof(pat)))
        xp_finding_fix(f, "Add \"mx: %s\" to the policy (a '*.' covers exactly one label: "
                       "*.mx.microsoft does not cover %s). Microsoft's order: set mode: "
                       "testing, add the mx: line, publish a new id in _mta-sts.%s (it is %s "
                       "now), wait max_age, then mode: enforce with another new id.", pat,
                       host, domain, id[0] ? id : "unset");
    else
        xp_finding_fix(f, "Add \"mx: %s\" to the policy (or a '*.' pattern for its parent: one "
                       "label only), then publish a new id in _mta-sts.%s so senders fetch it.",
                       host, domain);
}

static int
judge_txt(struct xp_check *c)
{
    struct mtasts_state *st = c->state;
    const char *d = c->target->domain;
    struct xp_step *s;
    const struct xp_dns_rr *rec;
    size_t n = records(st->txt, is_sts, &rec);
    char id[40], err[200];
    struct xp_finding *f;

    if (!st->txt) {
        xp_check_skip(c, "no answer to the _mta-sts TXT lookup");
        return 0;
    }
    s = xp_check_dns_step(c, NULL, st->txt);
    if (dns_failed(st->txt)) {
        xp_check_skip(c, "the _mta-sts TXT lookup failed (no answer to judge)");
        return 0;
    }
    if (n == 0) {
        const char *hosts[MAX_MX];
        size_t nh = mx_hosts(st, hosts), i;
        struct xp_buf mx = { 0 };

        for (i = 0; i < nh; i++) {
            char pat[128];

            xp_buf_printf(&mx, "mx: %s\\n", xp_exo_mx_sts_pattern(hosts[i], pat, sizeof(pat))
                                              ? pat : hosts[i]);
        }
        f = xp_finding_new(c, s, XP_MTASTS_MISSING, "%s publishes no MTA-STS policy "
                           "(_mta-sts.%s TXT): senders that do MTA-STS use opportunistic TLS",
                           d, d);
        xp_finding_fix(f, "To deploy MTA-STS: serve https://mta-sts.%s/.well-known/mta-sts.txt "
                       "(text/plain, a valid certificate) with \"version: STSv1\\nmode: "
                       "testing\\n%smax_age: 604800\", publish _mta-sts.%s TXT \"v=STSv1; "
                       "id=<new id>\" and _smtp._tls.%s TXT \"v=TLSRPTv1; rua=mailto:...\", "
                       "then mode: enforce with a new id.", d, mx.s ? mx.s : "mx: <MX host>\\n",
                       d, d);
        xp_finding_add(f);
        free(mx.s);
        return 0;
    }
    if (n > 1) {
        several(c, s, st->txt, XP_MTASTS_TXT_INVALID, "_mta-sts", "v=STSv1", n,
                "senders treat that as no policy (RFC 8461 3.1)",
                "TXT record \"v=STSv1; id=...\"");
        return 0;
    }
    if (xp_sts_txt(rec->text, rec->textlen, id, sizeof(id), err, sizeof(err)) < 0) {
        invalid(c, s, rec, XP_MTASTS_TXT_INVALID, "_mta-sts", "STS", err,
                "Publish \"v=STSv1; id=YYYYMMDDhhmmss\" (id: 1 to 32 letters and digits, "
                "changed whenever the policy changes).");
        return 0;
    }
    xp_step_note(s, "STS record, id=%s", id);
    return 1;
}

/*
 * What to do about the policy host's certificate, per verdict: senders
 * fetch the policy over HTTPS validated as a browser would (RFC 8461 3.3:
 * PKIX, the name mta-sts.DOMAIN), so any of these makes the policy unusable.
 */
static const struct {
    enum xp_code code;
    const char *fix;
} cert_fixes[] = {
    { XP_CERT_EXPIRED, "renew its certificate (expired: see the evidence) and install it "
                       "with its intermediates; an ACME client renews it before it ends" },
    { XP_CERT_NOT_YET_VALID, "check the server's clock, or install a certificate valid now" },
    { XP_CERT_NAME_MISMATCH, "install a certificate that names this host (a subject "
                             "alternative name, or a wildcard for the domain): one for "
                             "another host on the same server is not enough" },
    { XP_CERT_UNTRUSTED, "serve a certificate from a public CA, with its intermediates: "
                         "senders accept no private CA for the policy host" },
    { XP_CERT_SELF_SIGNED, "replace the self-signed certificate with one from a public CA" },
    { XP_CERT_INCOMPLETE_CHAIN, "send the intermediate certificate(s) with the certificate: "
                                "sending servers do not fetch missing issuers" },
    { XP_CERT_WRONG_PURPOSE, "use a certificate issued for server authentication (EKU "
                             "serverAuth)" },
    { XP_CERT_REVOKED, "replace the revoked certificate" },
};

static const char *
cert_fix(enum xp_code code)
{
    size_t i;

    for (i = 0; i < XP_ARRAY_LEN(cert_fixes); i++)
        if (cert_fixes[i].code == code)
            return cert_fixes[i].fix;
    return "install a valid certificate from a public CA (see the cert code)";
}

/* The policy host's certificate, as a sender judges it; 1 when usable. */
static int
judge_policy_cert(struct xp_check *c)
{
    struct mtasts_state *st = c->state;
    const struct xp_http_resp *r = st->resp;
    const struct xp_cert_verdict *v = &st->policy_cert;
    struct xp_finding *f;

    if (v->severity != XP_SEV_FAIL) {
        xp_step_note(st->st_policy, "certificate valid for %s", st->host);
        return 1;
    }
    f = xp_finding_new(c, st->st_policy, XP_MTASTS_POLICY_UNREACHABLE, "The MTA-STS policy %s "
                       "cannot be used: senders refuse the certificate of %s (%s): %s",
                       st->url, st->host, xp_code_info(v->code)->name, v->reason);
    xp_ev_str(f, "url", st->url);
    if (r->ip[0])
        xp_ev_str(f, "address", r->ip);
    xp_ev_str(f, "cert_code", xp_code_info(v->code)->name);
    xp_ev_str(f, "cert_reason", v->reason);
    if (v->code == XP_CERT_NAME_MISMATCH && sk_X509_num(r->tls.chain) > 0) {
        size_t n;
        char **names = xp_cert_names(sk_X509_value(r->tls.chain, 0), &n);

        xp_ev_list(f, "cert_names", names, n);
        xp_strv_free(names, n);
    }
    xp_finding_fix(f, "For %s: %s. Until then new senders get no policy (opportunistic TLS); "
                   "senders that cached it keep it until max_age.", st->host,
                   cert_fix(v->code));
    xp_finding_add(f);
    return 0;
}

/* The policy GET: reached, over a valid certificate, 200, text/plain. */
static int
judge_fetch(struct xp_check *c)
{
    struct mtasts_state *st = c->state;
    const struct xp_http_resp *r = st->resp;
    const char *ctype;
    struct xp_finding *f;
    char why[900];

    why[0] = '\0';
    if (!xp_addrs_pick(&st->addrs))
        snprintf(why, sizeof(why), "%s has no address", st->host);
    else if (!st->fetched || !r)
        snprintf(why, sizeof(why), "no answer from %s", st->host);
    else if (!r->completed)
        snprintf(why, sizeof(why), "%s", r->error[0] ? r->error : "the transfer failed");
    if (!why[0] && r->tls.chain && !judge_policy_cert(c))
        return 0;                     /* one finding, for its cause */
    if (!why[0] && r->status >= 300 && r->status < 400)
        snprintf(why, sizeof(why), "HTTP %ld redirect to %s: senders never follow redirects "
                 "for the policy (RFC 8461 3.3)", r->status, r->location ? r->location : "?");
    else if (!why[0] && r->status != 200)
        snprintf(why, sizeof(why), "HTTP %ld", r->status);
    if (why[0]) {
        f = xp_finding_new(c, st->st_policy, XP_MTASTS_POLICY_UNREACHABLE, "The MTA-STS policy "
                           "%s cannot be fetched: %s", st->url, why);
        xp_ev_str(f, "url", st->url);
        if (r && r->ip[0])
            xp_ev_str(f, "address", r->ip);
        xp_finding_fix(f, "Serve the policy at %s directly (HTTP 200, no redirect) with a "
                       "certificate valid for %s from a public CA. Senders that cached it keep "
                       "it until max_age; new senders get no policy.", st->url, st->host);
        xp_finding_add(f);
        return 0;
    }
    ctype = xp_http_header(r, "Content-Type");
    if (r->body_truncated || !ctype || strncasecmp(ctype, "text/plain", 10) != 0) {
        f = xp_finding_new(c, st->st_policy, XP_MTASTS_POLICY_INVALID, "The MTA-STS policy %s %s",
                           st->url, r->body_truncated ? "is over 64 KiB: senders stop reading"
                                                      : "is not served as text/plain");
        xp_ev_str(f, "content_type", ctype ? ctype : "(none)");
        xp_finding_fix(f, "Serve the policy as Content-Type: text/plain, a few lines long.");
        xp_finding_add(f);
        return 0;
    }
    return 1;
}

static void
judge_policy(struct xp_check *c)
{
    struct mtasts_state *st = c->state;
    struct xp_sts_policy *p = &st->policy;
    struct xp_finding *f;
    size_t i;

    if (xp_sts_policy_parse(st->resp->body, st->resp->body_len, p) < 0) {
        f = xp_finding_new(c, st->st_policy, XP_MTASTS_POLICY_INVALID, "The MTA-STS policy %s "
                           "is invalid: %s", st->url, p->error);
        xp_ev_strn(f, "policy", st->resp->body, st->resp->body_len > 2000 ? 2000
                                                                         : st->resp->body_len);
        xp_finding_fix(f, "Serve \"version: STSv1\", \"mode: enforce|testing|none\", one \"mx: "
                       "\" line per MX host or one-label pattern, \"max_age: <seconds, at most "
                       "31557600>\", one per line.");
        xp_finding_add(f);
        return;
    }
    xp_step_note(st->st_policy, "mode %s, max_age %ld, %zu mx pattern%s", xp_sts_mode_name(p->mode),
                 p->max_age, p->nmx, p->nmx == 1 ? "" : "s");
    for (i = 0; i < p->nmx; i++)
        xp_step_note(st->st_policy, "mx: %s", p->mx[i]);
    st->policy_ok = 1;
    if (p->mode == XP_STS_TESTING) {
        f = xp_finding_new(c, st->st_policy, XP_MTASTS_TESTING, "The MTA-STS policy is in "
                           "testing mode: senders report failures (TLS-RPT) but deliver anyway");
        xp_finding_fix(f, "Once TLS-RPT reports show no failures, set mode: enforce and "
                       "publish a new id in _mta-sts.%s.", c->target->domain);
        xp_finding_add(f);
    }
}

/* Every MX covered; in enforce, every MX's certificate valid. */
static int
judge_mx(struct xp_check *c)
{
    struct mtasts_state *st = c->state;
    const struct xp_sts_policy *p = &st->policy;
    const char *hosts[MAX_MX];
    size_t nh = mx_hosts(st, hosts), i, j, k, problems = 0;
    struct xp_step *s = xp_step_begin(c, NULL, "MX hosts against the policy");
    struct xp_facts *facts = xp_check_facts(c);
    struct xp_finding *f;

    for (i = 0; i < nh; i++) {
        const char *h = hosts[i];
        int covered = 0, seen = 0;

        for (j = 0; j < p->nmx && !covered; j++)
            covered = xp_sts_mx_match(p->mx[j], h);
        if (!covered && p->mode != XP_STS_NONE) {
            problems++;
            f = xp_finding_new(c, s, XP_MTASTS_MX_NOT_COVERED, "MX %s is covered by no mx: "
                               "pattern of the MTA-STS policy: senders in enforce mode refuse "
                               "to deliver to it", h);
            if (p->mode == XP_STS_TESTING)
                xp_finding_severity(f, XP_SEV_WARN);
            xp_ev_str(f, "host", h);
            {
                char *pats[XP_STS_MAX_MX];

                for (j = 0; j < p->nmx; j++)
                    pats[j] = (char *)p->mx[j];
                xp_ev_list(f, "mx_patterns", pats, p->nmx);
            }
            fix_uncovered(f, h, c->target->domain, st->id);
            xp_finding_add(f);
            continue;
        }
        if (p->mode != XP_STS_ENFORCE)
            continue;
        for (k = 0; k < xp_facts_tls_count(facts); k++) {
            const struct xp_tls_endpoint *e = xp_facts_tls(facts, k);
            struct xp_cert_verdict v;

            if (strncmp(e->source, "smtp", 4) != 0 || e->info.port != 25 ||
                !e->info.handshake_ok || !xp_name_eq(e->info.host, h))
                continue;
            seen++;
            xp_check_cert_verdict(c, &e->info, 0, 0, &v);
            if (v.severity != XP_SEV_FAIL)
                continue;
            problems++;
            f = xp_finding_new(c, s, XP_MTASTS_MX_CERT_INVALID, "MX %s (%s) presents a "
                               "certificate MTA-STS senders refuse in enforce mode: %s", h,
                               e->info.ip, v.reason);
            xp_ev_str(f, "host", h);
            xp_ev_str(f, "address", e->info.ip);
            xp_ev_str(f, "cert_code", xp_code_info(v.code)->name);
            xp_finding_fix(f, "Install a certificate for %s from a public CA on that server "
                           "(cert check: %s), or set the policy to testing until it is.", h,
                           xp_code_info(v.code)->name);
            xp_finding_add(f);
        }
        if (!seen)
            xp_step_note(s, "%s: certificate not judged (the smtp check met no STARTTLS "
                         "certificate there%s)", h,
                         xp_check_in_run(c, "smtp") ? "" : ": run -c smtp,mtasts");
    }
    xp_step_end(s, problems ? XP_ST_FAIL : XP_ST_PASS, "%zu MX host%s", nh, nh == 1 ? "" : "s");
    return problems == 0;
}

static void
judge_tlsrpt(struct xp_check *c, int sts_published)
{
    struct mtasts_state *st = c->state;
    const char *d = c->target->domain;
    struct xp_step *s;
    size_t n;
    const struct xp_dns_rr *rec;
    char err[200];
    struct xp_finding *f;

    if (!st->rpt)
        return;
    s = xp_check_dns_step(c, NULL, st->rpt);
    if (dns_failed(st->rpt))
        return;
    n = records(st->rpt, is_tlsrpt, &rec);
    if (n == 0) {
        f = xp_finding_new(c, s, XP_TLSRPT_MISSING, "%s publishes no TLS-RPT record "
                           "(_smtp._tls.%s): senders cannot report TLS failures to you", d, d);
        if (!sts_published)
            xp_finding_severity(f, XP_SEV_INFO);
        xp_finding_fix(f, "Publish _smtp._tls.%s TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\".",
                       d, d);
        xp_finding_add(f);
        return;
    }
    if (n > 1) {
        several(c, s, st->rpt, XP_TLSRPT_INVALID, "_smtp._tls", "v=TLSRPTv1", n,
                "senders send no report (RFC 8460 3)", "v=TLSRPTv1 record");
        return;
    }
    if (xp_tlsrpt_txt(rec->text, rec->textlen, err, sizeof(err)) < 0)
        invalid(c, s, rec, XP_TLSRPT_INVALID, "_smtp._tls", "TLS-RPT", err,
                "Publish \"v=TLSRPTv1; rua=mailto:ADDRESS\" (or https://URL; several "
                "separated by commas).");
}

/* What senders will do (RFC 8461 2: DANE, where it applies, wins). */
static void
coherence(struct xp_check *c, int sts_valid, int mx_ok)
{
    struct mtasts_state *st = c->state;
    const struct xp_sts_policy *p = &st->policy;
    struct xp_step *s = xp_step_begin(c, NULL, "What senders do with %s", c->target->domain);
    const char *dane, *sts;

    if (!xp_check_in_run(c, "dane"))
        dane = "not judged here (run the dane check too)";
    else if (xp_target_finding(c->target, "dane", XP_DANE_BOGUS))
        dane = "cannot resolve the MX securely (bogus DNSSEC): defers, then bounces";
    else if (xp_target_finding(c->target, "dane", XP_DANE_TLSA_MISMATCH))
        dane = "refuses the MX whose certificate no TLSA matches: defers, then bounces "
               "(5.7.323)";
    else if (xp_target_finding(c->target, "dane", XP_DANE_OK))
        dane = "authenticates the MX by its TLSA records (and ignores MTA-STS for it)";
    else
        dane = "finds no usable TLSA: falls back to MTA-STS if it does it, else to "
               "opportunistic TLS";
    if (!sts_valid)
        sts = "finds no usable policy: opportunistic TLS";
    else if (p->mode == XP_STS_ENFORCE)
        sts = mx_ok ? "requires TLS with a valid certificate on every MX: delivers"
                    : "refuses the MX hosts the policy does not cover or whose certificate is "
                      "invalid";
    else if (p->mode == XP_STS_TESTING)
        sts = "delivers whatever it finds, and reports failures (TLS-RPT)";
    else
        sts = "treats the policy as withdrawn (mode none): opportunistic TLS";
    xp_step_note(s, "a DANE sender (Exchange Online, Postfix, Exim): %s", dane);
    xp_step_note(s, "an MTA-STS sender (Gmail, Exchange Online, Yahoo): %s", sts);
    xp_step_note(s, "a sender that does neither: opportunistic TLS, delivers even in clear or "
                 "to any certificate");
    xp_step_end(s, XP_ST_INFO, NULL);
}

static void
mtasts_judge(struct xp_check *c)
{
    struct mtasts_state *st = c->state;
    int published, mx_ok = 0;
    struct xp_finding *f;

    if (c->skip_reason)
        return;
    published = judge_txt(c);
    if (st->st_policy) {
        if (judge_fetch(c))
            judge_policy(c);
        xp_step_end(st->st_policy, xp_status_worst(XP_ST_PASS,
                                                   xp_step_children_worst(st->st_policy)),
                    NULL);
        if (st->policy_ok) {
            mx_ok = judge_mx(c);
            if (mx_ok && st->policy.mode == XP_STS_ENFORCE) {
                f = xp_finding_new(c, st->st_policy, XP_MTASTS_OK, "MTA-STS in enforce mode: "
                                   "every MX is covered and presents a valid certificate");
                xp_ev_str(f, "id", st->id);
                xp_ev_int(f, "max_age", st->policy.max_age);
                xp_finding_add(f);
            }
        }
    }
    if (c->skip_reason)
        return;
    judge_tlsrpt(c, published);
    coherence(c, st->policy_ok, mx_ok);
}

static const char *const after[] = { "smtp", "dane", NULL };

const struct xp_check_ops xp_check_mtasts = {
    .id = "mtasts",
    .title = "MTA-STS and TLS-RPT",
    .help = "the _mta-sts TXT, the policy over verified https (no redirects, 64 KiB,\n"
            "text/plain), every MX covered (*. = one label), MX certificates in\n"
            "enforce (from smtp), TLS-RPT _smtp._tls; what DANE/MTA-STS senders do",
    .after = after,
    .judge_after = 1,         /* its DNS (and policy fetch) overlap smtp's */
    .start = mtasts_start,
    .judge = mtasts_judge,
    .free_state = mtasts_free,
};
