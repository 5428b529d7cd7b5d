/*
 * check_cert.c — the `cert` check: judges the certificate of every TLS
 * endpoint met in this run. It connects itself only to the extra
 * endpoints the user named (--hosts, hosts = in --expect); the others
 * (Lync SRV targets, and later Autodiscover and SMTP hosts) were reached
 * by their own checks, which published what they were shown in the
 * target's facts — so it runs after them and never connects twice.
 */
#include "xp_cert.h"
#include "xp_cert_discover.h"
#include "xp_check.h"
#include "xp_exo.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_options.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ADDRS 4          /* addresses tried per --hosts name and family */

/* One --hosts endpoint on its way: name → addresses (A and AAAA) → TCP → TLS. */
struct host {
    const struct xp_hostport *hp;
    struct xp_step *step;
    struct xp_addr_lookup addrs;
};

struct attempt {
    struct host *host;
    char ip[64];
    struct xp_step *step;
    int failed;
    int tcp_failed;
    char error[256];
    struct xp_tls_info info;   /* what it presented, until the TLS 1.0/1.1 probe ends */
};

/* A document fetched for the judgement (OCSP answer, CRL, AIA issuer). */
struct fetch {
    char *url;
    struct xp_cert_fetch doc;
};

#define MAX_FETCHES 64                  /* per target; more are not fetched */
#define OCSP_MAX_BODY (64 * 1024)       /* our caps, reported as ours */
#define CRL_MAX_BODY (4 * 1024 * 1024)
#define AIA_MAX_BODY (64 * 1024)

struct cert_state {
    struct host *hosts;
    size_t nhosts;
    struct attempt *attempts;
    size_t nattempts, capattempts;
    struct xp_step *st_hosts;
    X509_STORE *store;
    struct fetch fetches[MAX_FETCHES];
    size_t nfetches;
    struct xp_cert_disc disc;     /* asked alone: the endpoints it finds itself */
    int discovered;
    struct fetch_cache *cache;    /* the run's (run_cache, set by cert_opts), borrowed */
};

/*
 * The run's revocation cache: what earlier targets fetched, so a CA's CRL
 * is fetched once however many targets use it. Only finished documents go
 * in; it is the cert check's run state (xp_check_run_state), freed with
 * the run.
 */
struct fetch_cache {
    struct fetch e[MAX_FETCHES];
    size_t n;
};

static void
fetch_cache_free(void *p)
{
    struct fetch_cache *k = p;
    size_t i;

    for (i = 0; k && i < k->n; i++) {
        free(k->e[i].url);
        free(k->e[i].doc.body);
    }
    free(k);
}

/* The run's cache, made by the first cert check that asks. */
static struct fetch_cache *
run_cache(struct xp_check *c)
{
    struct fetch_cache *k = xp_check_run_state(c);

    if (!k) {
        k = xcalloc(1, sizeof(*k));
        xp_check_set_run_state(c, k, fetch_cache_free);
    }
    return k;
}

static const struct xp_cert_fetch *
find_fetch(const struct fetch *list, size_t n, const char *url)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(list[i].url, url) == 0)
            return &list[i].doc;
    return NULL;
}

static const struct xp_cert_fetch *
lookup_fetch(void *arg, const char *url)
{
    struct cert_state *st = arg;
    const struct xp_cert_fetch *d = find_fetch(st->fetches, st->nfetches, url);

    return d ? d : find_fetch(st->cache->e, st->cache->n, url);
}

static void
cache_fetch(struct fetch_cache *cache, const struct fetch *f)
{
    struct fetch *k;

    if (cache->n == MAX_FETCHES || find_fetch(cache->e, cache->n, f->url))
        return;
    k = &cache->e[cache->n++];
    k->url = xstrdup(f->url);
    k->doc = f->doc;
    k->doc.body = NULL;
    if (f->doc.len) {
        k->doc.body = xmalloc(f->doc.len);
        memcpy(k->doc.body, f->doc.body, f->doc.len);
    }
}

static void
on_fetch(struct xp_check *c, void *arg, const struct xp_http_resp *resp)
{
    struct fetch *f = arg;

    f->doc.done = 1;
    f->doc.status = resp->status;
    if (!resp->completed)
        snprintf(f->doc.error, sizeof(f->doc.error), "the fetch failed: %.200s",
                 resp->error[0] ? resp->error : "no answer");
    else if (resp->body_truncated)
        snprintf(f->doc.error, sizeof(f->doc.error), "the answer is larger than exprobe's own "
                 "limit of %zu bytes (our cap, not the server's fault)", resp->body_len);
    else if (resp->status != 200)
        snprintf(f->doc.error, sizeof(f->doc.error), "the server answered HTTP %ld",
                 resp->status);
    if (!f->doc.error[0] && resp->body_len) {
        f->doc.body = xmalloc(resp->body_len);
        memcpy(f->doc.body, resp->body, resp->body_len);
        f->doc.len = resp->body_len;
    }
    cache_fetch(((struct cert_state *)c->state)->cache, f);
}

/* The options the judgement gets (and the revocation planning). */
static struct xp_cert_opts
cert_opts(struct xp_check *c)
{
    const struct xp_options *o = xp_check_options(c);
    struct cert_state *st = c->state;
    struct xp_cert_opts co = {
        .store = st->store, .no_revocation = o->no_revocation, .fetched = lookup_fetch,
        .fetched_arg = st, .msstd = xp_check_expect(c)->msstd,
        .warn_days = o->expiry_warn_days, .now = time(NULL),
    };

    if (!st->cache)
        st->cache = run_cache(c);   /* before any fetch is looked up or kept */
    return co;
}

/* Fetch url once (per target, and per run through the cache). */
static void
fetch_url(struct xp_check *c, char *url, size_t max_body)
{
    struct cert_state *st = c->state;
    struct fetch *f;

    if (!url || lookup_fetch(st, url) || st->nfetches == MAX_FETCHES) {
        free(url);
        return;
    }
    f = &st->fetches[st->nfetches++];
    f->url = url;
    {
        struct xp_http_req req = {
            .url = url, .method = "GET", .timeout_ms = xp_check_params(c)->timeout_ms,
            .max_body = max_body,
        };

        xp_check_http(c, &req, on_fetch, f);
    }
}

/* What the judgement of info will want fetched: the missing intermediate
 * from its AIA URL (as Windows does), and what tells whether the leaf was
 * revoked (OCSP, else the CRL) unless --no-revocation or a stapled answer. */
static void
want_fetches(struct xp_check *c, const struct xp_tls_info *info)
{
    struct cert_state *st = c->state;
    struct xp_cert_opts co = cert_opts(c);
    int is_ocsp = 0;
    char *url;

    if (!st->store)
        return;
    fetch_url(c, xp_cert_aia_url(info, &co), AIA_MAX_BODY);
    if (co.no_revocation)
        return;
    url = xp_cert_revocation_url(info, &co, &is_ocsp);
    fetch_url(c, url, is_ocsp ? OCSP_MAX_BODY : CRL_MAX_BODY);
}

static const char *const after[] = { "autodiscover", "preauth", "smtp", "lync", "mtasts",
                                      NULL };

/* The endpoint is known: to the facts cert judges, and its revocation asked. */
static void
publish(struct xp_check *c, struct attempt *a, const char *old)
{
    snprintf(a->info.old_protocol, sizeof(a->info.old_protocol), "%s", old);
    if (old[0])
        xp_step_note(a->step, "TLS 1.0/1.1 offered alone: %s",
                     strcmp(old, "refused") == 0 ? "refused" : old);
    xp_facts_add_tls(xp_check_facts(c), "--hosts", 1, &a->info);
    want_fetches(c, &a->info);
    xp_tls_info_clear(&a->info);
}

static void
on_old_tls(struct xp_check *c, void *arg, const struct xp_tls_info *info, SSL *ssl, int fd)
{
    struct attempt *a = arg;

    if (!ssl) {
        publish(c, a, "refused");
        return;
    }
    publish(c, a, info->protocol);
    SSL_free(ssl);
    close(fd);
}

static void
on_old_connect(struct xp_check *c, void *arg, const struct xp_tcp_result *res)
{
    struct attempt *a = arg;

    if (res->fd < 0) {
        publish(c, a, "");   /* not probed: the second connection failed */
        return;
    }
    xp_check_tls_max(c, res->fd, a->host->hp->host, a->host->hp->port, a->ip, TLS1_1_VERSION,
                     on_old_tls, a);
}

static void
on_tls(struct xp_check *c, void *arg, const struct xp_tls_info *info, SSL *ssl, int fd)
{
    struct attempt *a = arg;

    if (!ssl) {
        a->failed = 1;
        snprintf(a->error, sizeof(a->error), "%s", info->error);
        xp_step_end(a->step, XP_ST_FAIL, "%s", info->error);
        return;
    }
    xp_step_end(a->step, XP_ST_PASS, "%s, %s, %d certificate(s)", info->protocol,
                info->cipher, sk_X509_num(info->chain));
    xp_tls_info_copy(&a->info, info);
    xp_check_close(c, ssl, fd);
    /* TLS 1.2 or later negotiated: does the server still accept 1.0/1.1 from
     * a client offering nothing newer? Asked at the lowest security level,
     * only to report it (testssl.sh does the same). */
    if (!xp_tls_protocol_rule(info->protocol))
        xp_check_tcp(c, a->ip, a->host->hp->port, on_old_connect, a);
    else
        publish(c, a, "");
}

static void
on_connect(struct xp_check *c, void *arg, const struct xp_tcp_result *res)
{
    struct attempt *a = arg;
    char why[160];

    if (res->fd < 0) {
        a->failed = a->tcp_failed = 1;
        snprintf(a->error, sizeof(a->error), "%s", xp_tcp_error_text(res, why, sizeof(why)));
        xp_step_end(a->step, XP_ST_FAIL, "TCP: %s", a->error);
        return;
    }
    xp_step_note(a->step, "TCP connected");
    xp_check_tls(c, res->fd, a->host->hp->host, a->host->hp->port, a->ip, on_tls, a);
}

static struct attempt *
attempt_new(struct cert_state *st, struct host *h, const char *ip)
{
    struct attempt *a;

    /* Attempts are reached through callback args: never move them. */
    if (st->nattempts == st->capattempts)
        xp_fatal("internal: too many --hosts attempts");
    a = &st->attempts[st->nattempts++];
    a->host = h;
    snprintf(a->ip, sizeof(a->ip), "%s", ip);
    return a;
}

static void
connect_to(struct xp_check *c, struct host *h, const char *ip)
{
    struct attempt *a = attempt_new(c->state, h, ip);

    a->step = xp_step_begin(c, h->step, "TLS %s:%d (%s)", h->hp->host, h->hp->port, ip);
    xp_check_tcp(c, ip, h->hp->port, on_connect, a);
}

/* Every address of either family (each certificate is judged: a load
 * balancer's IPv6 side may present another one). */
static void
on_addr(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct host *h = l->arg;
    const struct xp_dns_result *res[2] = { l->a.res, l->aaaa.res };
    const int type[2] = { XP_DNS_A, XP_DNS_AAAA };
    size_t i, f;

    for (f = 0; f < 2; f++) {
        int n = 0;

        for (i = 0; i < res[f]->nrr && n < MAX_ADDRS; i++) {
            if (res[f]->rr[i].type != type[f])
                continue;
            connect_to(c, h, res[f]->rr[i].addr);
            n++;
        }
    }
}

static void
cert_start(struct xp_check *c)
{
    const struct xp_expect *ex = xp_check_expect(c);
    struct xp_facts *facts = xp_check_facts(c);
    struct cert_state *st = xcalloc(1, sizeof(*st));
    size_t i;

    c->state = st;
    st->store = xp_check_cert_store(c);    /* the run's: loaded once, not per target */
    X509_STORE_up_ref(st->store);
    /* The endpoints the other checks met are known now (they ran first). */
    for (i = 0; i < xp_facts_tls_count(facts); i++)
        want_fetches(c, &xp_facts_tls(facts, i)->info);
    /* Asked without the checks that meet the domain's endpoints: find
     * them (SPEC), and say so in a step. */
    st->disc.found = want_fetches;
    st->discovered = xp_cert_discover(c, &st->disc);
    if (!ex->nhosts)
        return;
    st->st_hosts = xp_step_begin(c, NULL, "Endpoints named with --hosts");
    st->hosts = xcalloc(ex->nhosts, sizeof(*st->hosts));
    st->capattempts = ex->nhosts * 2 * MAX_ADDRS;
    st->attempts = xcalloc(st->capattempts, sizeof(*st->attempts));
    for (i = 0; i < ex->nhosts; i++) {
        struct host *h = &st->hosts[st->nhosts++];

        h->hp = &ex->hosts[i];
        h->step = xp_step_begin(c, st->st_hosts, "%s:%d", h->hp->host, h->hp->port);
        if (xp_is_ip(h->hp->host))
            connect_to(c, h, h->hp->host);
        else
            xp_check_addrs(c, &h->addrs, h->step, h->hp->host, on_addr, h);
    }
}

/* What went wrong reaching the --hosts endpoints, as findings. */
static void
judge_reach(struct xp_check *c)
{
    struct cert_state *st = c->state;
    size_t i;
    int bad = 0;

    for (i = 0; i < st->nhosts; i++) {
        struct host *h = &st->hosts[i];
        const struct xp_dns_result *a = h->addrs.a.res, *aaaa = h->addrs.aaaa.res;
        enum xp_status worst = XP_ST_PASS;
        int any = 0;
        size_t k;

        /* The host's result is its connections'; a failed AAAA question
         * beside a working A is shown in its step, not a failure here. */
        for (k = 0; k < st->nattempts; k++)
            if (st->attempts[k].host == h) {
                any = 1;
                worst = xp_status_worst(worst, st->attempts[k].step->status);
            }
        if (!any && !xp_is_ip(h->hp->host)) {
            struct xp_finding *f = xp_finding_new(
                c, h->step, XP_CERT_CONNECT_FAILED,
                "%s could not be resolved to an address (A %s, AAAA %s)", h->hp->host,
                a ? xp_check_answer_word(a) : "no answer",
                aaaa ? xp_check_answer_word(aaaa) : "no answer");

            xp_ev_str(f, "host", h->hp->host);
            if (a)
                xp_ev_dns(f, "answer", a);
            if (aaaa)
                xp_ev_str(f, "aaaa_dns_status", xp_dns_status_name(aaaa->status));
            xp_finding_add(f);
            xp_step_end(h->step, XP_ST_FAIL, NULL);
            bad++;
            continue;
        }
        xp_step_end(h->step, worst, NULL);
    }
    for (i = 0; i < st->nattempts; i++) {
        struct attempt *a = &st->attempts[i];
        struct xp_finding *f;

        if (!a->failed)
            continue;
        bad++;
        f = xp_finding_new(c, a->step,
                           a->tcp_failed ? XP_CERT_CONNECT_FAILED : XP_CERT_HANDSHAKE_FAILED,
                           "%s:%d (%s): %s", a->host->hp->host, a->host->hp->port, a->ip,
                           a->error);
        xp_ev_str(f, "host", a->host->hp->host);
        xp_ev_int(f, "port", a->host->hp->port);
        xp_finding_about(f, xp_exo_about_endpoint(a->host->hp->host, a->host->hp->port));
        xp_ev_str(f, "address", a->ip);
        xp_ev_str(f, "error", a->error);
        xp_finding_add(f);
    }
    if (st->st_hosts)
        xp_step_end(st->st_hosts, bad ? XP_ST_FAIL : XP_ST_PASS, NULL);
}

static int
endpoint_cmp(const void *pa, const void *pb)
{
    const struct xp_tls_endpoint *a = *(const struct xp_tls_endpoint *const *)pa;
    const struct xp_tls_endpoint *b = *(const struct xp_tls_endpoint *const *)pb;
    int d = strcmp(a->info.host, b->info.host);

    if (!d)
        d = a->info.port - b->info.port;
    if (!d)
        d = strcmp(a->info.ip, b->info.ip);
    return d ? d : strcmp(a->source, b->source);
}

/* Endpoints are recorded as handshakes finish; the report lists them in a
 * fixed order so that two runs against the same servers read the same. */
static const struct xp_tls_endpoint **
endpoints_in_order(struct xp_facts *facts, size_t n)
{
    const struct xp_tls_endpoint **v = xcalloc(n, sizeof(*v));
    size_t i;

    for (i = 0; i < n; i++)
        v[i] = xp_facts_tls(facts, i);
    qsort(v, n, sizeof(*v), endpoint_cmp);
    return v;
}

/* The leaf's SHA-256 fingerprint and expiry on the certificate's step:
 * what --baseline compares to say a certificate was replaced. */
static void
note_identity(struct xp_step *s, const struct xp_tls_info *info)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0, i;
    char hex[EVP_MAX_MD_SIZE * 3 + 1] = "", when[32] = "";
    X509 *leaf = info->chain && sk_X509_num(info->chain) > 0 ? sk_X509_value(info->chain, 0)
                                                               : NULL;
    struct tm tm;

    if (!leaf || X509_digest(leaf, EVP_sha256(), md, &len) != 1)
        return;
    for (i = 0; i < len; i++)   /* "AB:CD:...": 3 characters a byte, the first 2 */
        snprintf(hex + (i ? i * 3 - 1 : 0), sizeof(hex) - (i ? i * 3 - 1 : 0), "%s%02X",
                 i ? ":" : "", md[i]);
    if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1)
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    xp_step_note(s, "sha256 %s, not after %s", hex, when[0] ? when : "?");
}

static void
cert_judge(struct xp_check *c)
{
    struct xp_facts *facts = xp_check_facts(c);
    struct xp_cert_opts co = cert_opts(c);
    size_t i, n = xp_facts_tls_count(facts);
    const struct xp_tls_endpoint **order;
    int problems = 0;
    const struct xp_finding *f;

    judge_reach(c);
    xp_cert_discover_end(&((struct cert_state *)c->state)->disc);
    if (n == 0) {
        if (!((struct cert_state *)c->state)->nhosts)
            xp_check_skip(c, ((struct cert_state *)c->state)->disc.microsoft
                                 ? "cloud-only: the domain's endpoints are Office 365's "
                                   "(Microsoft's certificates, not the organisation's); "
                                   "name your own with --hosts"
                             : ((struct cert_state *)c->state)->discovered
                                 ? "no TLS endpoint found: neither the Autodiscover hosts, "
                                   "the MX hosts nor the Lync SRV targets of the domain "
                                   "answered TLS (name endpoints with --hosts)"
                                 : "no TLS endpoint met: name some with --hosts");
        return;
    }
    order = endpoints_in_order(facts, n);
    for (i = 0; i < n; i++) {
        const struct xp_tls_endpoint *e = order[i];
        struct xp_step *s = xp_step_begin(c, NULL, "Certificate of %s:%d (%s), from %s",
                                          e->info.host, e->info.port, e->info.ip, e->source);

        /* The smtp check reports an SMTP server's TLS version itself
         * (SMTP_TLS_OLD_PROTOCOL): one cause, one finding. */
        co.no_protocol = strncmp(e->source, "smtp ", 5) == 0;
        xp_cert_judge(c, s, &e->info, e->exchange, &co);
        note_identity(s, &e->info);
        xp_step_end(s, xp_step_children_worst(s), NULL);
    }
    free(order);
    for (f = c->findings; f; f = f->next)
        if (f->severity != XP_SEV_INFO)
            problems++;
    if (!problems)
        xp_finding_add(xp_finding_new(c, NULL, XP_CERT_OK, "All %zu certificate(s) are valid "
                                      "for their names, trusted, in date and strong", n));
}

static void
cert_free(struct xp_check *c)
{
    struct cert_state *st = c->state;
    size_t i;

    for (i = 0; i < st->nhosts; i++)
        xp_check_addrs_clear(&st->hosts[i].addrs);
    for (i = 0; i < st->nattempts; i++)
        xp_tls_info_clear(&st->attempts[i].info);
    xp_cert_discover_free(&st->disc);
    for (i = 0; i < st->nfetches; i++) {
        free(st->fetches[i].url);
        free(st->fetches[i].doc.body);
    }
    X509_STORE_free(st->store);
    free(st->hosts);
    free(st->attempts);
    free(st);
    c->state = NULL;
}

const struct xp_check_ops xp_check_cert = {
    .id = "cert",
    .title = "TLS certificates",
    .help = "the certificate of every TLS endpoint met (Lync SRV targets, --hosts):\n"
            "name vs SAN/CN, chain to a trusted root, dates, key and signature\n"
            "strength, TLS version, Outlook Anywhere msstd: name (--expect msstd=)",
    .after = after,
    .start = cert_start,
    .judge = cert_judge,
    .free_state = cert_free,
};
