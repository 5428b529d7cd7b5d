/*
 * check_lync.c — the `lync` check: Teams / Skype for Business DNS
 * (domain.md §6.3–6.4, §8.6; modern.md §(d)2): the sip and lyncdiscover
 * names, the _sip._tls and _sipfederationtls._tcp SRV records, then TLS
 * to every SRV target, all concurrently.
 *
 * Teams era: Skype for Business Online was retired on 2021-07-31 and a
 * Teams-only tenant needs none of these records but, for federation with
 * Skype for Business Server and other clouds, _sipfederationtls._tcp. So
 * a domain with none of them is Teams-only (LYNC_NOT_DEPLOYED, info) and
 * passes; one with only the federation SRV has it judged; sip,
 * lyncdiscover and _sip._tls are judged only where Skype for Business is
 * deployed (records published) or expected (--expect lync = online|onprem).
 * Skype for Business Online records are judged against Microsoft's values
 * (or those in --expect); on-premises Edge records against the rules for
 * them (Access Edge on 443 and 5061, SRV target in the SRV's own domain).
 */
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_m365.h"
#include "xp_expect.h"
#include "xp_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_TARGETS 8       /* SRV targets followed */
#define MAX_CONNS 16        /* TCP connects in all */
#define ONLINE_SUFFIX "online.lync.com"
#define TLS_MEMOS 32        /* handshakes a run keeps to share */

struct srv_slot {
    struct xp_dns_slot q;
    const char *label;                 /* "_sip._tls" */
    const struct xp_srv_expect *want;  /* Office 365 default or --expect */
    unsigned default_port;             /* on-premises Edge convention */
};

/* One SRV target followed to its addresses. */
struct target {
    struct xp_check *check;
    const char *label;                 /* the SRV record it came from */
    char *host;
    unsigned port;
    struct xp_dns_slot addr;
};

struct conn {
    struct target *target;
    char ip[64];
    struct xp_step *step;
    int ok;
    char error[256];
    int cert_invalid;           /* clients and federation partners refuse it (cv) */
    struct xp_cert_verdict cv;
};

struct lync_state {
    struct xp_dns_slot sip, lyncdiscover;
    struct srv_slot sip_tls, sipfed;
    struct xp_srv_expect default_sip_tls, default_sipfed;
    struct xp_step *st_sip, *st_lyncdiscover, *st_reach;
    struct target targets[MAX_TARGETS];
    size_t ntargets;
    struct conn conns[MAX_CONNS];
    size_t nconns;
    enum xp_deploy kind;
    const char *kind_reason;
};

static void
dns_error(struct xp_check *c, struct xp_step *step, const struct xp_dns_slot *s)
{
    xp_finding_add(xp_check_dns_failure(c, step, XP_LYNC_DNS_ERROR, s->res));
}

/* ---- reachability: SRV target → addresses → TCP ---- */

/* A bad certificate already told for this host and address (the Edge
 * serves one certificate on 443 and 5061). */
static int
same_endpoint_before(const struct lync_state *st, size_t i)
{
    size_t j;

    for (j = 0; j < i; j++)
        if (st->conns[j].cert_invalid && strcmp(st->conns[j].ip, st->conns[i].ip) == 0 &&
            xp_name_eq(st->conns[j].target->host, st->conns[i].target->host))
            return 1;
    return 0;
}

/* The ports of conns[i]'s host and address whose certificate is refused. */
static void
ev_ports(struct xp_finding *f, const struct lync_state *st, size_t i)
{
    char *ports[MAX_CONNS];
    size_t j, n = 0;

    for (j = i; j < st->nconns; j++)
        if (st->conns[j].cert_invalid && strcmp(st->conns[j].ip, st->conns[i].ip) == 0 &&
            xp_name_eq(st->conns[j].target->host, st->conns[i].target->host))
            ports[n++] = xasprintf("%u (%s)", st->conns[j].target->port,
                                   st->conns[j].target->label);
    xp_ev_list(f, "ports", ports, n);
    for (j = 0; j < n; j++)
        free(ports[j]);
}

/*
 * A TLS handshake with an SRV target belongs to the host, port and address,
 * not to the domain: a thousand Office 365 domains all point at
 * sipdir.online.lync.com:443 and sipfed.online.lync.com:5061. A run keeps
 * what a successful handshake presented (the check's run state) and a
 * later target meeting the same endpoint reads it, as if it had shaken
 * hands itself (issue 17). A failed connect or handshake is not kept: each
 * domain's own attempt says what it met. Every successful connection
 * step says so (last), the first one's too, so reports do not depend on
 * which domain came first. A rerun connects again.
 */
struct tls_memo {
    char key[340];
    struct xp_tls_info info;
    int used;
};

struct lync_run {
    struct tls_memo memos[TLS_MEMOS];   /* a ring: the oldest is replaced */
    size_t n;
};

static void
lync_run_free(void *arg)
{
    struct lync_run *r = arg;
    size_t i;

    for (i = 0; i < TLS_MEMOS; i++)
        if (r->memos[i].used)
            xp_tls_info_clear(&r->memos[i].info);
    free(r);
}

static struct lync_run *
lync_run(struct xp_check *c)
{
    struct lync_run *r = xp_check_run_state(c);

    if (!r) {
        r = xcalloc(1, sizeof(*r));
        xp_check_set_run_state(c, r, lync_run_free);
    }
    return r;
}

static void
tls_key(const struct conn *k, char *key, size_t len)
{
    snprintf(key, len, "%s|%u|%s", k->target->host, k->target->port, k->ip);
}

static struct tls_memo *
tls_memo_find(struct lync_run *r, const char *key)
{
    size_t i, n = r->n < TLS_MEMOS ? r->n : TLS_MEMOS;

    for (i = 0; i < n; i++)
        if (r->memos[i].used && strcasecmp(r->memos[i].key, key) == 0)
            return &r->memos[i];
    return NULL;
}

static void
tls_memo_keep(struct xp_check *c, const struct conn *k, const struct xp_tls_info *info)
{
    struct lync_run *r = lync_run(c);
    struct tls_memo *m;
    char key[sizeof(m->key)];

    tls_key(k, key, sizeof(key));
    m = tls_memo_find(r, key);
    if (!m)
        m = &r->memos[r->n++ % TLS_MEMOS];
    if (m->used)
        xp_tls_info_clear(&m->info);
    snprintf(m->key, sizeof(m->key), "%s", key);
    xp_tls_info_copy(&m->info, info);
    m->used = 1;
}

/* What the endpoint presented: to the facts for the cert check, and its
 * certificate judged where it is used. */
static void
tls_seen(struct xp_check *c, struct conn *k, const struct xp_tls_info *info)
{
    char source[64];

    k->ok = 1;
    snprintf(source, sizeof(source), "lync %s", k->target->label);
    xp_facts_add_tls(xp_check_facts(c), source, 0, info);
    /* The certificate counts where it is used (SPEC); Microsoft's own
     * hosts are not the customer's to fix (a failure there is this
     * vantage point's: the cert check still shows it). */
    if (!xp_m365_cloud_host(k->target->host)) {
        xp_check_cert_verdict(c, info, 0, 0, &k->cv);
        k->cert_invalid = k->cv.severity == XP_SEV_FAIL;
    }
    if (k->cert_invalid)
        xp_step_end(k->step, XP_ST_FAIL, "TLS: %s, %s; certificate refused: %s",
                    info->protocol, info->cipher, k->cv.reason);
    else
        xp_step_end(k->step, XP_ST_PASS, "TLS: %s, %s", info->protocol, info->cipher);
    /* Last, so a failing step's first line stays its problem. */
    xp_step_note(k->step, "a handshake that succeeded is kept for the run: every domain "
                 "meeting this host, port and address reads it");
}

/* TLS on the SRV target: Access Edge and Office 365 speak TLS on 443 and
 * 5061 alike. */
static void
on_tls(struct xp_check *c, void *arg, const struct xp_tls_info *info, SSL *ssl, int fd)
{
    struct conn *k = arg;

    if (!ssl) {
        snprintf(k->error, sizeof(k->error), "%s", info->error);
        xp_step_end(k->step, XP_ST_FAIL, "%s", info->error);
        return;
    }
    tls_seen(c, k, info);
    if (c->generation == 0)
        tls_memo_keep(c, k, info);
    xp_check_close(c, ssl, fd);
}

static void
on_connect(struct xp_check *c, void *arg, const struct xp_tcp_result *res)
{
    struct conn *k = arg;

    if (res->fd >= 0) {
        xp_step_note(k->step, "TCP connected");
        xp_check_tls(c, res->fd, k->target->host, (int)k->target->port, k->ip, on_tls, k);
        return;
    }
    xp_tcp_error_text(res, k->error, sizeof(k->error));
    xp_step_end(k->step, XP_ST_FAIL, "%s", k->error);
}

static void
on_target_addr(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct lync_state *st = c->state;
    struct target *t = arg;
    size_t i;

    t->addr.res = xp_dns_result_dup(res);
    xp_check_dns_step(c, st->st_reach, res);
    for (i = 0; i < res->nrr && st->nconns < MAX_CONNS; i++) {
        struct tls_memo *m;
        struct conn *k;
        char key[sizeof(m->key)];

        if (res->rr[i].type != XP_DNS_A && res->rr[i].type != XP_DNS_AAAA)
            continue;
        k = &st->conns[st->nconns++];
        k->target = t;
        snprintf(k->ip, sizeof(k->ip), "%s", res->rr[i].addr);
        k->step = xp_step_begin(c, st->st_reach, "TLS %s:%u (%s)", t->host, t->port, k->ip);
        tls_key(k, key, sizeof(key));
        if (c->generation == 0 && (m = tls_memo_find(lync_run(c), key))) {
            xp_step_note(k->step, "TCP connected");
            tls_seen(c, k, &m->info);
            continue;
        }
        xp_check_tcp(c, k->ip, (int)t->port, on_connect, k);
    }
}

/* Follow each SRV record's target (once per host:port). */
static void
follow_targets(struct xp_check *c, const char *label, const struct xp_dns_result *res)
{
    struct lync_state *st = c->state;
    size_t i, k;

    for (i = 0; i < res->nrr && st->ntargets < MAX_TARGETS; i++) {
        const struct xp_dns_rr *rr = &res->rr[i];
        struct target *t;
        int seen = 0;

        if (rr->type != XP_DNS_SRV || !rr->target[0] || strcmp(rr->target, ".") == 0)
            continue;
        for (k = 0; k < st->ntargets; k++)
            if (xp_name_eq(st->targets[k].host, rr->target) && st->targets[k].port == rr->port)
                seen = 1;
        if (seen)
            continue;
        t = &st->targets[st->ntargets++];
        t->check = c;
        t->label = label;
        t->host = xstrdup(rr->target);
        t->port = rr->port;
        xp_check_dns(c, t->host, XP_DNS_A, on_target_addr, t);
    }
}

/* ---- answers ---- */

static void
on_srv(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct srv_slot *s = arg;

    xp_dns_slot_keep(c, &s->q, res);
    follow_targets(c, s->label, res);
}

/* ---- judgement ---- */

static int
points_online(const struct xp_dns_slot *s)
{
    size_t i;

    if (xp_dns_slot_failed(s))
        return 0;
    for (i = 0; i < s->res->nrr; i++)
        if (s->res->rr[i].target && xp_name_ends_with(s->res->rr[i].target, ONLINE_SUFFIX))
            return 1;
    return 0;
}

static int
has_record(const struct xp_dns_slot *s)
{
    return !xp_dns_slot_failed(s) && s->res->nrr > 0;
}

static const struct xp_dns_rr *first_srv(const struct xp_dns_result *res);
static char *srv_text(const struct xp_srv_expect *w);

static void
infer_kind(struct xp_check *c)
{
    struct lync_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);

    if (ex->lync != XP_DEPLOY_UNKNOWN) {
        st->kind = ex->lync;
        st->kind_reason = "stated in --expect";
    } else if (ex->sip_tls.set || ex->sipfederationtls.set) {
        st->kind = XP_DEPLOY_ONPREM;
        st->kind_reason = "SRV values given in --expect";
    } else if (!has_record(&st->sip) && !has_record(&st->lyncdiscover) &&
               !has_record(&st->sip_tls.q) &&
               (!has_record(&st->sipfed.q) || points_online(&st->sipfed.q))) {
        st->kind = XP_DEPLOY_NONE;
        st->kind_reason = has_record(&st->sipfed.q)
                              ? "inferred: only the federation SRV is published, to Microsoft"
                              : "inferred: no Skype for Business record is published";
    } else if (points_online(&st->sip) || points_online(&st->lyncdiscover) ||
               points_online(&st->sip_tls.q) || points_online(&st->sipfed.q)) {
        st->kind = XP_DEPLOY_CLOUD;
        st->kind_reason = "inferred: records point to Skype for Business Online ("
                          ONLINE_SUFFIX "; retired 2021-07-31, Teams needs only the "
                          "federation SRV)";
    } else {
        st->kind = XP_DEPLOY_ONPREM;
        st->kind_reason = "inferred: records point to the domain's own Edge servers";
    }
}

/* Teams only: sip, lyncdiscover and _sip._tls are Skype for Business's;
 * a record left there is noted, never required. */
static void
skip_sfb(struct xp_check *c, struct xp_step *step, const struct xp_dns_slot *s)
{
    (void)c;
    if (has_record(s))
        xp_step_end(step, XP_ST_INFO, "published, but only Skype for Business uses it "
                    "(Teams does not)");
    else
        xp_step_end(step, XP_ST_SKIP, "not needed by Teams (Skype for Business only)");
}

/* Teams only, no federation SRV: a note, or a warning when federation is
 * expected. Returns 1 when there was nothing to judge. */
static int
judge_teams_federation(struct xp_check *c)
{
    struct lync_state *st = c->state;
    const char *d = c->target->domain;
    char *want;

    if (xp_dns_slot_failed(&st->sipfed.q) || first_srv(st->sipfed.q.res))
        return 0;
    if (xp_check_expect(c)->federation > 0)
        return 0;    /* judge_srv warns: federation is expected */
    want = srv_text(st->sipfed.want);
    xp_step_end(st->sipfed.q.step, XP_ST_INFO, "none: Teams federation with Skype for "
                "Business Server and other clouds needs %s.%s SRV %s", st->sipfed.label, d,
                want);
    free(want);
    return 1;
}

static void
judge_name(struct xp_check *c, struct xp_dns_slot *s, const char *label, const char *want)
{
    struct lync_state *st = c->state;
    const char *d = c->target->domain;
    const char *target;
    struct xp_finding *f;

    if (xp_dns_slot_failed(s)) {
        dns_error(c, s->step, s);
        xp_step_end(s->step, XP_ST_FAIL, NULL);
        return;
    }
    target = xp_dns_cname_target(s->res);
    if (!has_record(s)) {
        f = xp_finding_new(c, s->step, XP_LYNC_CNAME_MISSING, "No %s.%s record", label, d);
        if (st->kind == XP_DEPLOY_CLOUD)
            xp_finding_fix(f, "Publish %s.%s. 3600 IN CNAME %s.", label, d, want);
        else
            xp_finding_fix(f, "Publish %s.%s as an A record (or CNAME) for the %s.", label, d,
                           strcmp(label, "sip") == 0 ? "Access Edge external interface"
                                                     : "reverse proxy of the web services");
        xp_ev_dns(f, "answer", s->res);
        xp_finding_add(f);
        xp_step_end(s->step, XP_ST_WARN, NULL);
        return;
    }
    if (st->kind == XP_DEPLOY_CLOUD && (!target || !xp_name_eq(target, want))) {
        f = xp_finding_new(c, s->step, XP_LYNC_CNAME_WRONG, "%s.%s is %s%s, not a CNAME to %s",
                           label, d, target ? "a CNAME to " : "an address record",
                           target ? target : "", want);
        xp_ev_str(f, "expected", want);
        xp_ev_str(f, "found", target ? target : "address record");
        xp_ev_dns(f, "answer", s->res);
        xp_finding_fix(f, "Publish %s.%s. 3600 IN CNAME %s.", label, d, want);
        xp_finding_add(f);
        xp_step_end(s->step, XP_ST_FAIL, NULL);
        return;
    }
    xp_step_end(s->step, XP_ST_PASS, "%s", target ? target : "address record");
}

static char *
srv_text(const struct xp_srv_expect *w)
{
    return xasprintf("%u %u %u %s", w->priority, w->weight, w->port, w->target);
}

/* The first SRV record of the answer, or NULL. */
static const struct xp_dns_rr *
first_srv(const struct xp_dns_result *res)
{
    size_t i;

    for (i = 0; i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_SRV)
            return &res->rr[i];
    return NULL;
}

static void
judge_srv(struct xp_check *c, struct srv_slot *s)
{
    struct lync_state *st = c->state;
    const char *d = c->target->domain;
    const struct xp_dns_rr *rr;
    struct xp_finding *f;
    int strict = st->kind == XP_DEPLOY_CLOUD || st->kind == XP_DEPLOY_NONE || s->want->set;
    char *want = srv_text(s->want);

    if (xp_dns_slot_failed(&s->q)) {
        dns_error(c, s->q.step, &s->q);
        xp_step_end(s->q.step, XP_ST_FAIL, NULL);
        goto out;
    }
    rr = first_srv(s->q.res);
    if (!rr) {
        f = xp_finding_new(c, s->q.step, XP_LYNC_SRV_MISSING, "No %s.%s SRV record",
                           s->label, d);
        if (strict)
            xp_finding_fix(f, "Publish %s.%s. 3600 IN SRV %s.", s->label, d, want);
        else
            xp_finding_fix(f, "Publish %s.%s. 3600 IN SRV 0 0 %u <access edge host>.%s.",
                           s->label, d, s->default_port, d);
        xp_ev_dns(f, "answer", s->q.res);
        xp_finding_add(f);
        xp_step_end(s->q.step, XP_ST_WARN, NULL);
        goto out;
    }
    if (strict && (rr->port != s->want->port || !xp_name_eq(rr->target, s->want->target))) {
        f = xp_finding_new(c, s->q.step, XP_LYNC_SRV_WRONG,
                           "%s.%s points to %s:%u, not %s:%u", s->label, d, rr->target,
                           rr->port, s->want->target, s->want->port);
        xp_ev_str(f, "expected", want);
        xp_ev_dns(f, "answer", s->q.res);
        xp_finding_fix(f, "Publish %s.%s. 3600 IN SRV %s. in its place.", s->label, d, want);
        xp_finding_add(f);
        xp_step_end(s->q.step, XP_ST_FAIL, NULL);
        goto out;
    }
    if (!strict && rr->port != s->default_port) {
        f = xp_finding_new(c, s->q.step, XP_LYNC_SRV_WRONG,
                           "%s.%s uses port %u; the Access Edge listens on %u for it",
                           s->label, d, rr->port, s->default_port);
        xp_finding_severity(f, XP_SEV_WARN);
        xp_ev_dns(f, "answer", s->q.res);
        xp_finding_add(f);
        xp_step_end(s->q.step, XP_ST_WARN, NULL);
        goto out;
    }
    if (!strict && !xp_name_ends_with(rr->target, d)) {
        f = xp_finding_new(c, s->q.step, XP_LYNC_SRV_OTHER_DOMAIN,
                           "%s.%s points to %s, outside %s", s->label, d, rr->target, d);
        xp_ev_dns(f, "answer", s->q.res);
        xp_finding_add(f);
        xp_step_end(s->q.step, XP_ST_WARN, NULL);
        goto out;
    }
    xp_step_end(s->q.step, XP_ST_PASS, NULL);
    if (strict && (rr->priority != s->want->priority || rr->weight != s->want->weight))
        xp_step_note(s->q.step, "priority/weight %u/%u differ from %u/%u (harmless with one "
                     "record)", rr->priority, rr->weight, s->want->priority, s->want->weight);
out:
    free(want);
}

static void
judge_reach(struct xp_check *c)
{
    struct lync_state *st = c->state;
    size_t i;
    int bad = 0;

    for (i = 0; i < st->ntargets; i++) {
        struct target *t = &st->targets[i];
        struct xp_finding *f;

        if (t->addr.res && xp_dns_count(t->addr.res, XP_DNS_A) > 0)
            continue;
        bad++;
        f = xp_finding_new(c, st->st_reach, XP_LYNC_UNREACHABLE,
                           "SRV target %s does not resolve to an address", t->host);
        xp_ev_str(f, "host", t->host);
        xp_ev_int(f, "port", t->port);
        if (t->addr.res)
            xp_ev_dns(f, "answer", t->addr.res);
        xp_finding_fix(f, "Publish an A record for %s, or point the SRV record at a host "
                          "that has one.", t->host);
        xp_finding_add(f);
    }
    for (i = 0; i < st->nconns; i++) {
        struct conn *k = &st->conns[i];
        struct xp_finding *f;

        if (k->ok && k->cert_invalid && same_endpoint_before(st, i)) {
            bad++;   /* one certificate, one finding: told with the first port */
            continue;
        }
        if (k->ok && k->cert_invalid) {
            bad++;
            f = xp_finding_new(c, k->step, XP_LYNC_CERT_INVALID, "%s:%u (%s, %s SRV target): "
                               "clients and federation partners refuse its certificate: %s",
                               k->target->host, k->target->port, k->ip, k->target->label,
                               k->cv.reason);
            xp_ev_str(f, "host", k->target->host);
            xp_ev_int(f, "port", k->target->port);
            xp_ev_str(f, "address", k->ip);
            xp_ev_str(f, "certificate_problem", xp_code_info(k->cv.code)->name);
            ev_ports(f, st, i);
            xp_finding_fix(f, "Install a certificate on %s that carries its name and chains to "
                           "a public CA (the cert check's %s finding for it says what to "
                           "change).", k->target->host, xp_code_info(k->cv.code)->name);
            xp_finding_add(f);
            continue;
        }
        if (k->ok)
            continue;
        bad++;
        f = xp_finding_new(c, k->step, XP_LYNC_UNREACHABLE, "%s:%u (%s) cannot be reached "
                           "over TLS: %s", k->target->host, k->target->port, k->ip, k->error);
        xp_ev_str(f, "host", k->target->host);
        xp_ev_int(f, "port", k->target->port);
        xp_ev_str(f, "address", k->ip);
        xp_ev_str(f, "error", k->error);
        xp_finding_add(f);
    }
    if (st->ntargets == 0)
        xp_step_end(st->st_reach, XP_ST_SKIP, "no SRV target to connect to");
    else
        xp_step_end(st->st_reach, bad ? XP_ST_FAIL : XP_ST_PASS, NULL);
}

/* ---- the check ---- */

static void
lync_start(struct xp_check *c)
{
    struct lync_state *st = xcalloc(1, sizeof(*st));
    const struct xp_expect *ex = xp_check_expect(c);
    const char *d = c->target->domain;
    char *name;

    c->state = st;
    st->sip.step = st->st_sip = xp_step_begin(c, NULL, "sip record");
    st->lyncdiscover.step = st->st_lyncdiscover = xp_step_begin(c, NULL, "lyncdiscover record");
    st->sip_tls.q.step = xp_step_begin(c, NULL, "_sip._tls SRV record");
    st->sipfed.q.step = xp_step_begin(c, NULL, "_sipfederationtls._tcp SRV record");
    st->st_reach = xp_step_begin(c, NULL, "SRV targets accept TLS connections");

    st->sip_tls.label = "_sip._tls";
    st->sip_tls.want = &ex->sip_tls;
    st->sip_tls.default_port = 443;
    st->sipfed.label = "_sipfederationtls._tcp";
    st->sipfed.want = &ex->sipfederationtls;
    st->sipfed.default_port = 5061;

    name = xasprintf("sip.%s", d);
    xp_dns_slot_ask(c, &st->sip, st->sip.step, name, XP_DNS_A);
    free(name);
    name = xasprintf("lyncdiscover.%s", d);
    xp_dns_slot_ask(c, &st->lyncdiscover, st->lyncdiscover.step, name, XP_DNS_A);
    free(name);
    name = xasprintf("_sip._tls.%s", d);
    xp_check_dns(c, name, XP_DNS_SRV, on_srv, &st->sip_tls);
    free(name);
    name = xasprintf("_sipfederationtls._tcp.%s", d);
    xp_check_dns(c, name, XP_DNS_SRV, on_srv, &st->sipfed);
    free(name);
}

static void
lync_judge(struct xp_check *c)
{
    struct lync_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);
    struct xp_finding *f;
    const struct xp_finding *g;
    int problems = 0, nothing = 0;

    infer_kind(c);
    f = xp_finding_new(c, NULL, XP_LYNC_DEPLOYMENT, "Teams / Skype for Business: %s (%s)",
                       st->kind == XP_DEPLOY_NONE    ? "Teams only, no Skype for Business"
                       : st->kind == XP_DEPLOY_CLOUD ? "Skype for Business Online records"
                                                     : "Skype for Business Server (on-premises "
                                                       "Edge)",
                       st->kind_reason);
    xp_ev_str(f, "deployment", st->kind == XP_DEPLOY_NONE    ? "teams"
                               : st->kind == XP_DEPLOY_CLOUD ? "online"
                                                             : "onprem");
    xp_finding_add(f);
    if (st->kind == XP_DEPLOY_NONE) {
        skip_sfb(c, st->st_sip, &st->sip);
        skip_sfb(c, st->st_lyncdiscover, &st->lyncdiscover);
        skip_sfb(c, st->sip_tls.q.step, &st->sip_tls.q);
        nothing = judge_teams_federation(c);
        if (!nothing)
            judge_srv(c, &st->sipfed);
    } else {
        judge_name(c, &st->sip, "sip", ex->sip_cname);
        judge_name(c, &st->lyncdiscover, "lyncdiscover", ex->lyncdiscover_cname);
        judge_srv(c, &st->sip_tls);
        judge_srv(c, &st->sipfed);
    }
    judge_reach(c);
    for (g = c->findings; g; g = g->next)
        if (g->severity != XP_SEV_INFO)
            problems++;
    if (nothing && !problems) {
        f = xp_finding_new(c, NULL, XP_LYNC_NOT_DEPLOYED,
                           "No Teams federation or Skype for Business records for %s: right "
                           "for a Teams-only tenant", c->target->domain);
        xp_finding_fix(f, "Nothing to do for Teams alone. For federation with Skype for "
                          "Business Server users and other Microsoft clouds, publish "
                          "_sipfederationtls._tcp.%s. 3600 IN SRV 100 1 5061 "
                          "sipfed.online.lync.com.; state lync = online|onprem in --expect "
                          "if Skype for Business is still in use.", c->target->domain);
        xp_finding_add(f);
    } else if (!problems) {
        xp_finding_add(xp_finding_new(c, NULL, XP_LYNC_OK, st->kind == XP_DEPLOY_NONE
                                      ? "Teams federation SRV of %s is as Microsoft expects "
                                        "and its target answers"
                                      : "Skype for Business records of %s are as expected "
                                        "and their targets answer",
                                      c->target->domain));
    }
}

static void
lync_free(struct xp_check *c)
{
    struct lync_state *st = c->state;
    size_t i;

    xp_dns_slot_clear(&st->sip);
    xp_dns_slot_clear(&st->lyncdiscover);
    xp_dns_slot_clear(&st->sip_tls.q);
    xp_dns_slot_clear(&st->sipfed.q);
    for (i = 0; i < st->ntargets; i++) {
        free(st->targets[i].host);
        xp_dns_result_free(st->targets[i].addr.res);
    }
    free(st);
    c->state = NULL;
}

const struct xp_check_ops xp_check_lync = {
    .id = "lync",
    .title = "Teams / Skype for Business records",
    .help = "Teams federation SRV (_sipfederationtls._tcp); sip / lyncdiscover\n"
            "CNAMEs and _sip._tls SRV only where Skype for Business is deployed or\n"
            "expected (--expect lync); TLS to every SRV target",
    .start = lync_start,
    .judge = lync_judge,
    .free_state = lync_free,
};
