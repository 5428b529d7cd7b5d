/*
 * check_dane.c — the `dane` check (RFC 7672; modern.md §(b)1): DNSSEC,
 * validated by exprobe itself (libunbound, include/xp_dnssec.h), for the
 * domain's MX RRset and, per MX host in preference order, its A/AAAA and
 * the TLSA RRset at _25._tcp.HOST; the usable TLSA records (usages 2/3)
 * matched against the chain the `smtp` check met on that host (read from
 * the target's facts: no second connection).
 *
 * DANE applies to a host only when the MX RRset, the host's addresses and
 * its TLSA RRset are all secure (7672 2.2). A bogus answer anywhere is one
 * DANE_BOGUS — the cause: validating senders cannot even resolve the
 * domain — and nothing else is judged. A TLSA RRset that is not secure is
 * DANE_NO_DNSSEC (senders ignore it). Exchange Online's DNSSEC MX
 * (include/xp_exo.h) is judged the same way against Microsoft's TLSA.
 *
 * Before any verdict, the trust anchors' own DNSKEY RRsets must validate:
 * a resolver that strips DNSSEC makes every answer bogus, and that is the
 * path's fault, not the domain's — the check is skipped with that reason.
 *
 * It starts with the run (judge_after): the validated questions overlap
 * smtp's session; only judge, which reads the chains smtp met, waits for it.
 */
#include "xp_check.h"
#include "xp_m365.h"
#include "xp_dnssec.h"
#include "xp_exo.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_options.h"
#include "xp_tlsa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_MX 8
#define MAX_ANCHORS 4
#define MAX_TLSA 16

struct dane_state;
struct mxhost;

/* One validated question; the callback's arg. */
struct dq {
    struct xp_dnssec_result *res;
    struct mxhost *host;        /* NULL for the MX and anchor questions */
};

struct mxhost {
    char *name;
    unsigned pref;
    struct dq a, aaaa, tlsa;
    char tlsa_name[300];
};

struct dane_state {
    struct dq mx;
    struct dq anchors[MAX_ANCHORS];
    char anchor_names[MAX_ANCHORS][256];
    size_t nanchors;
    struct mxhost hosts[MAX_MX];
    size_t nhosts;
    struct xp_step *st_sec;
};

/* What judging one host found. */
struct host_verdict {
    int has_tlsa;           /* a TLSA RRset with records */
    int usable;             /* usable (2/3) records */
    int ta;                 /* of which DANE-TA (2) */
    int secure;             /* MX, addresses and TLSA all secure */
    int matched;            /* every STARTTLS endpoint met matches */
    int compared;           /* endpoints compared */
    char publish[200];      /* "3 1 1 <hash>" of the presented key, when seen */
};

/* ---- questions ---- */

static void
on_answer(struct xp_check *c, void *arg, const struct xp_dnssec_result *res)
{
    struct dq *q = arg;

    if (res->setup_failed)      /* no validator: nothing to judge, and why */
        xp_check_skip(c, res->dns.error);
    xp_dnssec_result_free(q->res);
    q->res = xp_dnssec_result_dup(res);
}

static void
ask(struct xp_check *c, const char *name, int type, struct dq *q)
{
    xp_check_dnssec(c, name, type, on_answer, q);
}

static int
by_pref(const void *a, const void *b)
{
    const struct xp_dns_rr *x = *(const struct xp_dns_rr *const *)a;
    const struct xp_dns_rr *y = *(const struct xp_dns_rr *const *)b;

    return x->pref < y->pref ? -1 : x->pref > y->pref;
}

static void
on_mx(struct xp_check *c, void *arg, const struct xp_dnssec_result *res)
{
    struct dane_state *st = c->state;
    const struct xp_dns_rr *mx[64];
    size_t n = 0, i;

    on_answer(c, arg, res);
    for (i = 0; i < res->dns.nrr && n < XP_ARRAY_LEN(mx); i++)
        if (res->dns.rr[i].type == XP_DNS_MX && res->dns.rr[i].target &&
            strcmp(res->dns.rr[i].target, ".") != 0 &&
            !xp_m365_verification_mx(res->dns.rr[i].target, NULL))   /* no mail host */
            mx[n++] = &res->dns.rr[i];
    qsort(mx, n, sizeof(mx[0]), by_pref);
    for (i = 0; i < n && st->nhosts < MAX_MX; i++) {
        struct mxhost *h = &st->hosts[st->nhosts++];

        h->name = xstrdup(mx[i]->target);
        if (strlen(h->name) > 1 && h->name[strlen(h->name) - 1] == '.')
            h->name[strlen(h->name) - 1] = '\0';      /* as smtp names it */
        h->pref = mx[i]->pref;
        h->a.host = h->aaaa.host = h->tlsa.host = h;
        snprintf(h->tlsa_name, sizeof(h->tlsa_name), "_25._tcp.%s", h->name);
        ask(c, h->name, XP_DNS_A, &h->a);
        ask(c, h->name, XP_DNS_AAAA, &h->aaaa);
        ask(c, h->tlsa_name, XP_DNS_TLSA, &h->tlsa);
    }
}

static void
dane_start(struct xp_check *c)
{
    struct dane_state *st = xcalloc(1, sizeof(*st));
    const struct xp_options *o = xp_check_options(c);
    size_t i;

    c->state = st;
    st->nanchors = xp_dnssec_anchor_zones(o->trust_anchor, st->anchor_names, MAX_ANCHORS);
    for (i = 0; i < st->nanchors; i++)
        ask(c, st->anchor_names[i], XP_DNS_DNSKEY, &st->anchors[i]);
    xp_check_dnssec(c, c->target->domain, XP_DNS_MX, on_mx, &st->mx);
}

static void
dane_free(struct xp_check *c)
{
    struct dane_state *st = c->state;
    size_t i;

    if (!st)
        return;
    xp_dnssec_result_free(st->mx.res);
    for (i = 0; i < st->nanchors; i++)
        xp_dnssec_result_free(st->anchors[i].res);
    for (i = 0; i < st->nhosts; i++) {
        xp_dnssec_result_free(st->hosts[i].a.res);
        xp_dnssec_result_free(st->hosts[i].aaaa.res);
        xp_dnssec_result_free(st->hosts[i].tlsa.res);
        free(st->hosts[i].name);
    }
    free(st);
    c->state = NULL;
}

/* ---- evidence ---- */

static enum xp_sec
sec_of(const struct dq *q)
{
    return q->res ? q->res->sec : XP_SEC_INDETERMINATE;
}

static const char *
sec_word(const struct dq *q)
{
    return xp_sec_name(sec_of(q));
}

/* The TLSA records of a result, parsed (borrowing its RDATA). */
static size_t
tlsa_records(const struct xp_dnssec_result *r, struct xp_tlsa *out, size_t max)
{
    size_t i, n = 0;

    for (i = 0; r && i < r->dns.nrr && n < max; i++)
        if (r->dns.rr[i].type == XP_DNS_TLSA &&
            xp_tlsa_parse((const unsigned char *)r->dns.rr[i].text, r->dns.rr[i].textlen,
                          &out[n]) == 0)
            n++;
    return n;
}

/* "_25._tcp.mx.example. IN TLSA 3 1 1 AB..." for each record; free with xp_strv_free. */
static char **
tlsa_lines(const struct mxhost *h, const struct xp_tlsa *recs, size_t n)
{
    char **lines = xcalloc(n + 1, sizeof(char *));
    char buf[400];
    size_t i;

    for (i = 0; i < n; i++) {
        xp_tlsa_format(&recs[i], buf, sizeof(buf));
        lines[i] = xasprintf("%s. IN TLSA %s%s", h->tlsa_name, buf,
                             xp_tlsa_usable(&recs[i]) ? "" : "  (not usable for SMTP: ignored)");
    }
    return lines;
}

/* A step for one validated RRset: its records and its DNSSEC verdict. */
static void
sec_step(struct xp_check *c, struct xp_step *parent, const struct dq *q, const struct mxhost *h)
{
    struct xp_step *s;

    if (!q->res)
        return;
    if (q->res->dns.qtype == XP_DNS_TLSA) {
        struct xp_tlsa recs[MAX_TLSA];
        size_t n = tlsa_records(q->res, recs, MAX_TLSA), i;
        char **lines = tlsa_lines(h, recs, n);

        s = xp_step_begin(c, parent, "TLSA %s", h->tlsa_name);
        for (i = 0; i < n; i++)
            xp_step_note(s, "%s", lines[i]);
        xp_strv_free(lines, n);
        if (n == 0)
            xp_step_note(s, "%s", q->res->dns.status == XP_DNS_NXDOMAIN
                                      ? "NXDOMAIN: no TLSA record" : "no TLSA record");
        xp_step_end(s, n ? XP_ST_PASS : XP_ST_INFO, NULL);
    } else {
        s = xp_check_dns_step(c, parent, &q->res->dns);
    }
    xp_step_note(s, "DNSSEC: %s%s%s", sec_word(q), q->res->why_bogus ? " — " : "",
                 q->res->why_bogus ? q->res->why_bogus : "");
}

/* ---- judgements ---- */

/* The anchors' own DNSKEY RRsets must validate, else nothing can. */
static int
anchors_ok(struct xp_check *c)
{
    struct dane_state *st = c->state;
    const char *servers = xp_check_options(c)->dns_servers;
    size_t i;

    if (st->nanchors == 0) {
        xp_check_skip(c, "the trust-anchor file holds no DS or DNSKEY record");
        return 0;
    }
    for (i = 0; i < st->nanchors; i++) {
        const struct dq *q = &st->anchors[i];
        char why[700];

        if (sec_of(q) == XP_SEC_SECURE)
            continue;
        snprintf(why, sizeof(why), "DNSSEC cannot be validated through %s: the trust anchor's "
                 "DNSKEY %s is %s (%s); use a resolver that returns DNSSEC records, or "
                 "--trust-anchor for a private tree",
                 servers ? servers : "the system resolvers", st->anchor_names[i], sec_word(q),
                 q->res && q->res->why_bogus ? q->res->why_bogus
                 : q->res && q->res->dns.error ? q->res->dns.error : "no answer");
        xp_check_skip(c, why);
        return 0;
    }
    return 1;
}

/* The first bogus answer, in the order a sender asks. */
static const struct dq *
first_bogus(const struct dane_state *st, size_t *count)
{
    const struct dq *first = NULL;
    size_t i;

    *count = 0;
    if (sec_of(&st->mx) == XP_SEC_BOGUS) {
        first = &st->mx;
        (*count)++;
    }
    for (i = 0; i < st->nhosts; i++) {
        const struct dq *qs[3] = { &st->hosts[i].a, &st->hosts[i].aaaa, &st->hosts[i].tlsa };
        size_t j;

        for (j = 0; j < 3; j++)
            if (sec_of(qs[j]) == XP_SEC_BOGUS) {
                if (!first)
                    first = qs[j];
                (*count)++;
            }
    }
    return first;
}

static void
judge_bogus(struct xp_check *c, const struct dq *q, size_t count)
{
    struct dane_state *st = c->state;
    const char *type = xp_dns_type_name(q->res->dns.qtype);
    struct xp_finding *f;

    f = xp_finding_new(c, st->st_sec, XP_DANE_BOGUS, "DNSSEC validation fails for %s %s: "
                       "validating senders cannot resolve the domain's mail servers",
                       q->res->dns.qtype == XP_DNS_TLSA ? "TLSA" : type, q->res->dns.qname);
    xp_ev_str(f, "rrset", q->res->dns.qname);
    xp_ev_str(f, "why_bogus", q->res->why_bogus ? q->res->why_bogus : "bogus");
    xp_ev_int(f, "bogus_rrsets", (long long)count);
    xp_finding_fix(f, "Repair the signatures of the zone holding %s: re-sign it (expired "
                   "RRSIGs), or make the parent's DS match the zone's KSK (after a key "
                   "rollover or a change of DNS host), or remove the DS to turn DNSSEC off "
                   "cleanly. Senders such as Exchange Online defer mail with 4.7.324 "
                   "dnssec-invalid meanwhile.", q->res->dns.qname);
    xp_finding_add(f);
}

/* The STARTTLS endpoints smtp met on host, one at a time. */
static const struct xp_tls_endpoint *
next_endpoint(struct xp_check *c, const char *host, size_t *i)
{
    struct xp_facts *facts = xp_check_facts(c);

    for (; *i < xp_facts_tls_count(facts); (*i)++) {
        const struct xp_tls_endpoint *e = xp_facts_tls(facts, *i);

        if (strncmp(e->source, "smtp", 4) == 0 && e->info.port == 25 &&
            e->info.handshake_ok && e->info.chain && sk_X509_num(e->info.chain) > 0 &&
            xp_name_eq(e->info.host, host)) {
            (*i)++;
            return e;
        }
    }
    return NULL;
}

/* The fix for a mismatch, by what failed: a DANE-TA record names the CA
 * (the name is then checked, the leaf may change), a DANE-EE record the
 * key itself. */
static void
mismatch_fix(struct xp_finding *f, const struct mxhost *h, const struct xp_tlsa *recs,
             size_t n, const struct xp_tls_endpoint *e, enum xp_tlsa_verdict v,
             const struct host_verdict *hv)
{
    const char *ee = hv->publish[0] ? hv->publish : "3 1 1 <SHA-256 of the key>";
    char ta[200] = "2 1 1 <SHA-256 of the issuing CA's key>";
    size_t i, nta = 0, nusable = 0;
    static const char bounce[] = "Until then DANE senders (Exchange Online, Postfix, Exim) "
                                 "defer, then bounce mail to";

    for (i = 0; i < n; i++) {
        nusable += xp_tlsa_usable(&recs[i]);
        nta += recs[i].usage == 2;
    }
    if (sk_X509_num(e->info.chain) > 1)
        xp_tlsa_record_for(sk_X509_value(e->info.chain, 1), 2, 1, 1, ta, sizeof(ta));
    if (v == XP_TLSA_TA_BAD_NAME)
        xp_finding_fix(f, "DANE-TA checks the name: reissue the certificate from the same CA "
                       "with %s among its names (the 2 x x record stays valid), or publish "
                       "%s. IN TLSA %s (DANE-EE: no name check). %s %s (5.7.323 "
                       "tlsa-invalid).", h->name, h->tlsa_name, ee, bounce, h->name);
    else if (v == XP_TLSA_TA_BAD_CHAIN)
        xp_finding_fix(f, "The server's chain does not lead from its certificate to the CA "
                       "the DANE-TA record names: send every intermediate certificate up to "
                       "that CA, in order. %s %s (5.7.323 tlsa-invalid).", bounce, h->name);
    else if (nta > 0 && nta == nusable)       /* DANE-TA records only */
        xp_finding_fix(f, "No certificate the server sends is the CA the 2 x x record%s "
                       "name%s: publish %s. IN TLSA %s for the CA that issues its certificate "
                       "now (the server must send that CA in its chain), or %s (the key "
                       "itself). %s %s (5.7.323 tlsa-invalid).", nta == 1 ? "" : "s",
                       nta == 1 ? "s" : "", h->tlsa_name, ta, ee, bounce, h->name);
    else
        xp_finding_fix(f, "Publish %s. IN TLSA %s for the key the server uses now (keep the "
                       "next key's record beside it for the next renewal), or put back the "
                       "certificate the records name. %s %s (5.7.323 tlsa-invalid).",
                       h->tlsa_name, ee, bounce, h->name);
}

static void
mismatch(struct xp_check *c, struct xp_step *s, const struct mxhost *h,
         const struct xp_tlsa *recs, size_t n, const struct xp_tls_endpoint *e,
         enum xp_tlsa_verdict v, const char *why, struct host_verdict *hv)
{
    char **lines = tlsa_lines(h, recs, n);
    char *presented[8];
    size_t np = 0;
    X509 *leaf = sk_X509_value(e->info.chain, 0);
    char buf[200];
    int i;
    struct xp_finding *f;

    f = xp_finding_new(c, s, XP_DANE_TLSA_MISMATCH, "%s (%s) presents a certificate that no "
                       "TLSA record at %s matches%s%s", h->name, e->info.ip, h->tlsa_name,
                       why[0] ? ": " : "", why);
    xp_ev_str(f, "host", h->name);
    xp_ev_str(f, "address", e->info.ip);
    xp_ev_list(f, "tlsa", lines, n);
    if (xp_tlsa_record_for(leaf, 3, 1, 1, buf, sizeof(buf)) == 0) {
        presented[np++] = xasprintf("leaf SPKI: %s", buf);
        snprintf(hv->publish, sizeof(hv->publish), "%s", buf);
    }
    if (xp_tlsa_record_for(leaf, 3, 0, 1, buf, sizeof(buf)) == 0)
        presented[np++] = xasprintf("leaf certificate: %s", buf);
    for (i = 1; i < sk_X509_num(e->info.chain) && np < XP_ARRAY_LEN(presented); i++)
        if (xp_tlsa_record_for(sk_X509_value(e->info.chain, i), 2, 1, 1, buf, sizeof(buf)) == 0)
            presented[np++] = xasprintf("issuer #%d SPKI: %s", i, buf);
    xp_ev_list(f, "presented", presented, np);
    xp_ev_str(f, "verdict", v == XP_TLSA_TA_BAD_NAME ? "DANE-TA match, wrong name"
                            : v == XP_TLSA_TA_BAD_CHAIN ? "DANE-TA match, broken chain"
                                                        : "no match");
    mismatch_fix(f, h, recs, n, e, v, hv);
    xp_finding_add(f);
    xp_strv_free(lines, n);
    for (i = 0; (size_t)i < np; i++)
        free(presented[i]);
}

/* Compare the host's usable TLSA records with what smtp met there. */
static void
compare(struct xp_check *c, struct xp_step *s, const struct mxhost *h,
        const struct xp_tlsa *recs, size_t n, struct host_verdict *hv)
{
    const struct xp_tls_endpoint *e;
    size_t i = 0;

    hv->matched = 1;
    while ((e = next_endpoint(c, h->name, &i))) {
        char why[300];
        int which;
        enum xp_tlsa_verdict v = xp_tlsa_match_chain(recs, n, e->info.chain, h->name, &which,
                                                     why, sizeof(why));

        hv->compared++;
        if (v == XP_TLSA_MATCH_EE || v == XP_TLSA_MATCH_TA) {
            char buf[300];

            xp_tlsa_format(&recs[which], buf, sizeof(buf));
            xp_step_note(s, "%s: the certificate matches TLSA %s (%s)", e->info.ip, buf,
                         v == XP_TLSA_MATCH_EE ? "DANE-EE: name and dates not checked"
                                               : "DANE-TA: chain and name checked");
            if (!hv->publish[0])
                xp_tlsa_record_for(sk_X509_value(e->info.chain, 0), 3, 1, 1, hv->publish,
                                   sizeof(hv->publish));
            continue;
        }
        hv->matched = 0;
        mismatch(c, s, h, recs, n, e, v, why, hv);
    }
    if (hv->compared == 0) {
        hv->matched = 0;
        xp_step_note(s, "%s", xp_check_in_run(c, "smtp")
                     ? "not compared: the smtp check completed no STARTTLS handshake with "
                       "this host (see smtp)"
                     : "not compared: run the smtp check too (-c smtp,dane) to match the "
                       "certificate the host presents");
    }
}

/* The key smtp saw on host, as the 3 1 1 record to publish. */
static void
presented_record(struct xp_check *c, const struct mxhost *h, char *buf, size_t len)
{
    size_t i = 0;
    const struct xp_tls_endpoint *e = next_endpoint(c, h->name, &i);

    buf[0] = '\0';
    if (e)
        xp_tlsa_record_for(sk_X509_value(e->info.chain, 0), 3, 1, 1, buf, len);
}

static void
judge_host(struct xp_check *c, struct xp_step *parent, struct mxhost *h,
           struct host_verdict *hv)
{
    struct dane_state *st = c->state;
    struct xp_tlsa recs[MAX_TLSA];
    size_t n = tlsa_records(h->tlsa.res, recs, MAX_TLSA), i;
    enum xp_exo_kind kind = xp_exo_mx_classify(h->name, NULL, NULL);
    struct xp_step *s = xp_step_begin(c, parent, "MX %u %s%s", h->pref, h->name,
                                      kind == XP_EXO_DNSSEC ? " (Exchange Online, DNSSEC MX)"
                                      : kind == XP_EXO_LEGACY ? " (Exchange Online, legacy MX)"
                                                              : "");
    struct xp_finding *f;

    memset(hv, 0, sizeof(*hv));
    sec_step(c, s, &h->a, h);
    sec_step(c, s, &h->aaaa, h);
    sec_step(c, s, &h->tlsa, h);
    hv->has_tlsa = n > 0;
    for (i = 0; i < n; i++) {
        hv->usable += xp_tlsa_usable(&recs[i]);
        hv->ta += recs[i].usage == 2;
    }
    hv->secure = sec_of(&st->mx) == XP_SEC_SECURE && sec_of(&h->a) != XP_SEC_INSECURE &&
                 sec_of(&h->aaaa) != XP_SEC_INSECURE && sec_of(&h->tlsa) == XP_SEC_SECURE;
    if (!hv->has_tlsa) {
        presented_record(c, h, hv->publish, sizeof(hv->publish));
        xp_step_end(s, XP_ST_INFO, "no TLSA record: senders use opportunistic TLS");
        return;
    }
    if (!hv->secure) {
        const char *what = sec_of(&h->tlsa) != XP_SEC_SECURE ? h->tlsa_name
                           : sec_of(&st->mx) != XP_SEC_SECURE ? "the MX RRset"
                                                               : "the host's addresses";

        f = xp_finding_new(c, s, XP_DANE_NO_DNSSEC, "TLSA records for %s are published, but "
                           "%s is not DNSSEC-signed: senders ignore them", h->name, what);
        xp_ev_str(f, "host", h->name);
        xp_ev_str(f, "mx_rrset", sec_word(&st->mx));
        xp_ev_str(f, "tlsa_rrset", sec_word(&h->tlsa));
        xp_ev_str(f, "a_rrset", sec_word(&h->a));
        if (kind == XP_EXO_DNSSEC) {
            xp_finding_severity(f, XP_SEV_FAIL);
            xp_finding_fix(f, "Exchange Online's DNSSEC MX needs a signed domain: sign %s at "
                           "your DNS host and publish its DS at the registrar (Microsoft's "
                           "prerequisite for Enable-SmtpDaneInbound).", c->target->domain);
        } else {
            xp_finding_fix(f, "Sign the zone%s (DNSSEC at the DNS host, DS at the registrar), "
                           "or the TLSA records protect nothing.",
                           sec_of(&h->tlsa) != XP_SEC_SECURE ? " holding the TLSA records"
                                                              : "s of the domain and MX host");
        }
        xp_finding_add(f);
        xp_step_end(s, kind == XP_EXO_DNSSEC ? XP_ST_FAIL : XP_ST_WARN, NULL);
        return;
    }
    if (hv->usable == 0) {
        xp_step_end(s, XP_ST_INFO, "only PKIX usages (0/1), which SMTP ignores: no DANE");
        hv->has_tlsa = 0;
        return;
    }
    compare(c, s, h, recs, n, hv);
    /* One DANE-EE record breaks at the next key change; a DANE-TA record
     * outlives the leaf's renewals (RFC 7671 8.1): no rollover warning. */
    if (hv->matched && hv->usable < 2 && hv->ta == 0) {
        char rec[300];

        xp_tlsa_format(&recs[0], rec, sizeof(rec));
        f = xp_finding_new(c, s, XP_DANE_NO_ROLLOVER, "%s has one usable TLSA record: the "
                           "next certificate renewal breaks DANE unless the new key's record "
                           "is published first", h->name);
        xp_ev_str(f, "host", h->name);
        xp_ev_str(f, "tlsa", rec);
        xp_finding_fix(f, "Publish a second record for the next key (3 1 1 of the key the "
                       "renewed certificate will use) or a 2 1 1 record for the issuing CA, "
                       "before the renewal; remove the old record only after the switch.");
        xp_finding_add(f);
    }
    xp_step_end(s, hv->matched ? XP_ST_PASS : hv->compared ? XP_ST_FAIL : XP_ST_INFO, NULL);
}

static void
judge_summary(struct xp_check *c, const struct host_verdict *hv, size_t n)
{
    struct dane_state *st = c->state;
    const char *d = c->target->domain;
    struct xp_exo_mx_set set;
    size_t i, with = 0, ok = 0;
    struct xp_finding *f;

    xp_exo_mx_set_init(&set);
    for (i = 0; i < n; i++) {
        xp_exo_mx_set_add(&set, st->hosts[i].name, (int)st->hosts[i].pref, NULL);
        with += hv[i].has_tlsa && hv[i].secure;
        ok += hv[i].has_tlsa && hv[i].secure && hv[i].matched;
    }
    if (with == 0) {
        int any_tlsa = 0;

        for (i = 0; i < n; i++)
            any_tlsa |= hv[i].has_tlsa;
        if (any_tlsa)
            return;          /* DANE_NO_DNSSEC said it */
        f = xp_finding_new(c, st->st_sec, XP_DANE_NOT_DEPLOYED, "%s publishes no TLSA record "
                           "for its MX hosts: senders deliver with opportunistic TLS", d);
        xp_ev_str(f, "mx_rrset", sec_word(&st->mx));
        if (set.legacy && !set.dnssec)
            xp_finding_fix(f, "Exchange Online's legacy MX (*.mail.protection.outlook.com) "
                           "cannot do inbound DANE: sign %s, run Enable-DnssecForVerifiedDomain "
                           "-DomainName %s, publish the *.mx.microsoft MX it returns (priority "
                           "20, then 0; legacy MX removed), then Enable-SmtpDaneInbound.", d, d);
        else if (set.dnssec)
            xp_finding_fix(f, "Run Enable-SmtpDaneInbound -DomainName %s: Microsoft then "
                           "publishes the TLSA records of its DNSSEC MX.", d);
        else if (n && hv[0].publish[0])
            xp_finding_fix(f, "To deploy DANE: sign the zone (DS at the registrar), then "
                           "publish %s. IN TLSA %s (the key %s presents now) and a record for "
                           "the next key.", st->hosts[0].tlsa_name, hv[0].publish,
                           st->hosts[0].name);
        else
            xp_finding_fix(f, "To deploy DANE: sign the zone, then publish TLSA 3 1 1 records "
                           "(SHA-256 of each MX certificate's key) at _25._tcp.<MX host>.");
        xp_finding_add(f);
        return;
    }
    if (ok == with) {
        f = xp_finding_new(c, st->st_sec, XP_DANE_OK, "DANE: %zu of %zu MX host%s with secure "
                           "TLSA records that match the certificate presented", ok, n,
                           n == 1 ? "" : "s");
        xp_ev_int(f, "hosts_with_tlsa", (long long)with);
        xp_ev_int(f, "mx_hosts", (long long)n);
        xp_finding_add(f);
    }
}

static void
dane_judge(struct xp_check *c)
{
    struct dane_state *st = c->state;
    struct host_verdict hv[MAX_MX];
    const struct dq *bogus;
    size_t nbogus, i;
    struct xp_step *s;

    if (c->skip_reason || !anchors_ok(c))
        return;
    st->st_sec = xp_step_begin(c, NULL, "DNSSEC (validated by exprobe) and TLSA per MX");
    if (!st->mx.res) {
        xp_step_end(st->st_sec, XP_ST_SKIP, "no MX answer");
        xp_check_skip(c, "the validated MX lookup got no answer");
        return;
    }
    s = xp_check_dns_step(c, st->st_sec, &st->mx.res->dns);
    xp_step_note(s, "DNSSEC: %s%s%s", sec_word(&st->mx), st->mx.res->why_bogus ? " — " : "",
                 st->mx.res->why_bogus ? st->mx.res->why_bogus : "");
    if ((bogus = first_bogus(st, &nbogus))) {
        for (i = 0; i < st->nhosts; i++) {
            struct xp_step *hs = xp_step_begin(c, st->st_sec, "MX %u %s", st->hosts[i].pref,
                                               st->hosts[i].name);

            sec_step(c, hs, &st->hosts[i].a, &st->hosts[i]);
            sec_step(c, hs, &st->hosts[i].aaaa, &st->hosts[i]);
            sec_step(c, hs, &st->hosts[i].tlsa, &st->hosts[i]);
            xp_step_end(hs, XP_ST_INFO, NULL);
        }
        judge_bogus(c, bogus, nbogus);
        xp_step_end(st->st_sec, XP_ST_FAIL, NULL);
        return;
    }
    if (st->mx.res->dns.status != XP_DNS_OK || st->nhosts == 0) {
        xp_step_end(st->st_sec, XP_ST_SKIP, NULL);
        xp_check_skip(c, st->mx.res->dns.status == XP_DNS_OK || st->mx.res->dns.status ==
                                 XP_DNS_NODATA || st->mx.res->dns.status == XP_DNS_NXDOMAIN
                             ? "the domain has no MX host: nothing for DANE to protect (smtp "
                               "reports the MX)"
                             : "the validated MX lookup failed (smtp reports the MX lookup)");
        return;
    }
    for (i = 0; i < st->nhosts; i++)
        judge_host(c, st->st_sec, &st->hosts[i], &hv[i]);
    judge_summary(c, hv, st->nhosts);
    xp_step_end(st->st_sec, xp_step_children_worst(st->st_sec), NULL);
}

static const char *const after[] = { "smtp", NULL };

const struct xp_check_ops xp_check_dane = {
    .id = "dane",
    .title = "DANE for inbound mail (DNSSEC + TLSA)",
    .help = "DNSSEC validated by exprobe (libunbound, --trust-anchor) for the MX\n"
            "RRset, each MX host and its TLSA _25._tcp.HOST; TLSA (usages 2/3)\n"
            "against the certificate smtp met; Exchange Online's *.mx.microsoft",
    .after = after,
    .judge_after = 1,         /* its DNSSEC questions overlap smtp's session */
    .dnssec = 1,              /* the run builds the validator from its start */
    .start = dane_start,
    .judge = dane_judge,
    .free_state = dane_free,
};
