/*
 * net_dns.c — DNS questions on one c-ares channel, memoised and coalesced
 * per run. c-ares sends, retries, times out and expands compressed names;
 * we walk the answer section (as c-ares' own adig does) so CNAME chains,
 * TTLs and every record type come out in one shape.
 *
 * Callbacks are never called from inside c-ares: answers go to an outbox
 * that a deferred loop call delivers, so a callback may ask again at once.
 * Entries are reference-counted: the cache, the query in flight and each
 * delivery in the outbox hold one reference each.
 *
 * The cache is a hash table (name case-insensitively, without a trailing
 * dot, and type) with a least-recently-used list: at most
 * xp_params.dns_cache_max answers are kept, none past its smallest TTL (a
 * negative answer: NEGATIVE_TTL), so thousands of targets cost constant
 * memory and constant time per question. At most xp_params.dns_inflight
 * questions are on the wire at once; the others wait in a FIFO.
 */
#include "xp_dns.h"
#include "xp_model.h"
#include "xp.h"
#include "xp_loop.h"
#include "xp_params.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct waiter {
    xp_dns_cb cb;
    void *arg;
    struct waiter *next;
};

/* How long a negative answer (NXDOMAIN, NODATA) is kept: we do not read the
 * SOA's minimum, and five minutes is what most zones ask for. */
#define NEGATIVE_TTL 300

struct entry {
    struct xp_dns *dns;
    int refs;
    int done;
    int in_cache;
    int64_t t0_us;
    int64_t expires_us;       /* done entries: dropped from the cache after */
    unsigned hash;
    struct xp_dns_result res;
    struct waiter *waiters;
    struct entry *hnext;                 /* hash chain */
    struct entry *lru_prev, *lru_next;   /* most recently used first */
    struct entry *qnext;                 /* waiting for a slot on the wire */
};

struct delivery {
    struct entry *e;
    xp_dns_cb cb;
    void *arg;
    struct delivery *next;
};

struct xp_dns {
    struct xp_loop *loop;
    ares_channel channel;
    char *servers;            /* for evidence: which resolvers were asked */
    size_t max_answers;       /* records kept from one answer (xp_params) */
    struct entry **buckets;
    size_t nbuckets;          /* a power of two */
    size_t ncached;
    struct entry *lru_head, *lru_tail;
    struct entry *queue, *queue_tail;    /* not yet sent (dns_inflight) */
    int inflight;
    int inflight_max;         /* xp_params.dns_inflight */
    size_t cache_max;         /* xp_params.dns_cache_max */
    struct delivery *outbox, *outbox_tail;
    int flush_scheduled;
    int destroying;
};

static int library_ready;

static void
result_free(struct xp_dns_result *r)
{
    size_t i;

    for (i = 0; i < r->nrr; i++) {
        free(r->rr[i].owner);
        free(r->rr[i].target);
        free(r->rr[i].text);
    }
    free(r->rr);
    free(r->qname);
    free(r->error);
}

static void
entry_unref(struct entry *e)
{
    struct waiter *w, *wn;

    if (--e->refs > 0)
        return;
    for (w = e->waiters; w; w = wn) {
        wn = w->next;
        free(w);
    }
    result_free(&e->res);
    free(e);
}

/* FNV-1a of the lower-cased name without a trailing dot, and the type. */
static unsigned
name_hash(const char *name, int type)
{
    size_t n = strlen(name);
    unsigned h = 2166136261u ^ (unsigned)type;
    size_t i;

    if (n && name[n - 1] == '.')
        n--;
    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)tolower((unsigned char)name[i])) * 16777619u;
    return h;
}

static void
lru_unlink(struct xp_dns *dns, struct entry *e)
{
    if (e->lru_prev)
        e->lru_prev->lru_next = e->lru_next;
    else
        dns->lru_head = e->lru_next;
    if (e->lru_next)
        e->lru_next->lru_prev = e->lru_prev;
    else
        dns->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void
lru_push_front(struct xp_dns *dns, struct entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = dns->lru_head;
    if (dns->lru_head)
        dns->lru_head->lru_prev = e;
    dns->lru_head = e;
    if (!dns->lru_tail)
        dns->lru_tail = e;
}

static void
cache_unlink(struct xp_dns *dns, struct entry *e)
{
    struct entry **pp;

    for (pp = &dns->buckets[e->hash & (dns->nbuckets - 1)]; *pp; pp = &(*pp)->hnext) {
        if (*pp == e) {
            *pp = e->hnext;
            lru_unlink(dns, e);
            e->in_cache = 0;
            dns->ncached--;
            entry_unref(e);
            return;
        }
    }
}

static void
cache_clear(struct xp_dns *dns)
{
    while (dns->lru_head)
        cache_unlink(dns, dns->lru_head);
}

/* Over the bound: drop the least recently used answers (never a question
 * still in flight: its waiters need it). */
static void
cache_trim(struct xp_dns *dns)
{
    struct entry *e = dns->lru_tail, *prev;

    for (; e && dns->ncached > dns->cache_max; e = prev) {
        prev = e->lru_prev;
        if (e->done)
            cache_unlink(dns, e);
    }
}

struct xp_dns *
xp_dns_new(struct xp_loop *loop, const char *servers, const struct xp_params *params, char *err,
           size_t errlen)
{
    int timeout_ms = params->timeout_ms;
    struct ares_options opt;
    struct xp_dns *dns;
    int rc, mask;

    if (!library_ready) {
        rc = ares_library_init(ARES_LIB_INIT_ALL);
        if (rc != ARES_SUCCESS) {
            snprintf(err, errlen, "c-ares init: %s", ares_strerror(rc));
            return NULL;
        }
        library_ready = 1;
    }
    memset(&opt, 0, sizeof(opt));
    /* SERVFAIL/REFUSED must reach us (DNSBL "query blocked" needs them). */
    opt.flags = ARES_FLAG_NOCHECKRESP;
    /* c-ares doubles the wait on each retry: t + 2t = 3t in all. */
    opt.timeout = timeout_ms / 3 > 300 ? timeout_ms / 3 : 300;
    opt.tries = 2;
    /* Answers to many questions in flight must not overflow the socket's
     * receive buffer (a lost answer costs a retry timeout). */
    opt.socket_receive_buffer_size = 1 << 20;
    mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_RCVBUF;
    dns = xcalloc(1, sizeof(*dns));
    rc = ares_init_options(&dns->channel, &opt, mask);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "cannot set up DNS: %s", ares_strerror(rc));
        free(dns);
        return NULL;
    }
    if (servers) {
        rc = ares_set_servers_ports_csv(dns->channel, servers);
        if (rc != ARES_SUCCESS) {
            snprintf(err, errlen, "bad --dns-server '%s': %s", servers, ares_strerror(rc));
            ares_destroy(dns->channel);
            free(dns);
            return NULL;
        }
        dns->servers = xstrdup(servers);
    } else {
        char *csv = NULL;
        struct ares_addr_port_node *list = NULL;

        if (ares_get_servers_ports(dns->channel, &list) == ARES_SUCCESS && list) {
            struct xp_buf b = { 0 };
            struct ares_addr_port_node *n;
            char ip[INET6_ADDRSTRLEN];

            for (n = list; n; n = n->next) {
                inet_ntop(n->family, &n->addr, ip, sizeof(ip));
                xp_buf_printf(&b, "%s%s", b.len ? "," : "", ip);
            }
            csv = b.s;
            ares_free_data(list);
        }
        dns->servers = csv ? csv : xstrdup("system resolver");
    }
    dns->loop = loop;
    dns->max_answers = params->dns_answers;
    dns->inflight_max = params->dns_inflight;
    dns->cache_max = params->dns_cache_max;
    dns->nbuckets = 1;
    while (dns->nbuckets < dns->cache_max && dns->nbuckets < (1u << 20))
        dns->nbuckets <<= 1;
    dns->buckets = xcalloc(dns->nbuckets, sizeof(*dns->buckets));
    xp_loop_add_channel(loop, dns->channel);
    return dns;
}

const char *
xp_dns_servers(const struct xp_dns *dns)
{
    return dns->servers;
}

void
xp_dns_free(struct xp_dns *dns)
{
    struct delivery *d, *dn;

    if (!dns)
        return;
    dns->destroying = 1;
    xp_loop_remove_channel(dns->loop, dns->channel);
    ares_destroy(dns->channel);  /* in-flight callbacks run with EDESTRUCTION */
    for (d = dns->outbox; d; d = dn) {
        dn = d->next;
        entry_unref(d->e);
        free(d);
    }
    while (dns->queue) {             /* never sent: the cache's and the query's refs */
        struct entry *e = dns->queue;

        dns->queue = e->qnext;
        entry_unref(e);
    }
    cache_clear(dns);
    free(dns->buckets);
    free(dns->servers);
    free(dns);
}

static void
deliver_all(void *arg)
{
    struct xp_dns *dns = arg;
    struct delivery *d = dns->outbox, *dn;

    dns->outbox = dns->outbox_tail = NULL;
    dns->flush_scheduled = 0;
    for (; d; d = dn) {
        dn = d->next;
        d->cb(d->arg, &d->e->res);
        entry_unref(d->e);
        free(d);
    }
}

static void
post(struct xp_dns *dns, struct entry *e, xp_dns_cb cb, void *arg)
{
    struct delivery *d = xmalloc(sizeof(*d));

    d->e = e;
    d->cb = cb;
    d->arg = arg;
    d->next = NULL;
    e->refs++;
    if (dns->outbox_tail)
        dns->outbox_tail->next = d;
    else
        dns->outbox = d;
    dns->outbox_tail = d;
    if (!dns->flush_scheduled) {
        dns->flush_scheduled = 1;
        xp_loop_defer(dns->loop, deliver_all, dns);
    }
}

/* ---- answer walking ---- */

static unsigned
get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Expand the name at p; NULL on a malformed message. */
static char *
expand(const unsigned char *p, const unsigned char *abuf, int alen, long *used)
{
    char *name = NULL, *copy;

    if (ares_expand_name(p, abuf, alen, &name, used) != ARES_SUCCESS)
        return NULL;
    copy = xstrdup(name);
    ares_free_string(name);
    return copy;
}

/* Decode one record's rdata into rr; returns 0 if malformed. */
static int
decode_rdata(struct xp_dns_rr *rr, const unsigned char *rd, unsigned rdlen,
             const unsigned char *abuf, int alen)
{
    long used;

    switch (rr->type) {
    case XP_DNS_A:
        if (rdlen != 4)
            return 0;
        inet_ntop(AF_INET, rd, rr->addr, sizeof(rr->addr));
        return 1;
    case XP_DNS_AAAA:
        if (rdlen != 16)
            return 0;
        inet_ntop(AF_INET6, rd, rr->addr, sizeof(rr->addr));
        return 1;
    case XP_DNS_CNAME:
    case XP_DNS_NS:
    case XP_DNS_PTR:
        rr->target = expand(rd, abuf, alen, &used);
        return rr->target != NULL;
    case XP_DNS_MX:
        if (rdlen < 3)
            return 0;
        rr->pref = get16(rd);
        rr->target = expand(rd + 2, abuf, alen, &used);
        return rr->target != NULL;
    case XP_DNS_SRV:
        if (rdlen < 7)
            return 0;
        rr->priority = get16(rd);
        rr->weight = get16(rd + 2);
        rr->port = get16(rd + 4);
        rr->target = expand(rd + 6, abuf, alen, &used);
        return rr->target != NULL;
    case XP_DNS_TXT: {
        struct xp_buf b = { 0 };
        unsigned off = 0;

        xp_buf_add(&b, "", 0);
        while (off < rdlen) {
            unsigned n = rd[off];

            if (off + 1 + n > rdlen) {
                free(b.s);
                return 0;
            }
            xp_buf_add(&b, (const char *)rd + off + 1, n);
            off += 1 + n;
        }
        rr->text = b.s;
        rr->textlen = b.len;
        return 1;
    }
    default:
        return 1;   /* kept as a bare record of its type */
    }
}

/* Skip a name and the fixed part of a question (qd) or record at *p;
 * returns 0 if malformed. A record's rdata is skipped too. */
static int
skip_entry(const unsigned char **p, const unsigned char *abuf, int alen, int question)
{
    const unsigned char *end = abuf + alen;
    char *name;
    long used;

    if (!(name = expand(*p, abuf, alen, &used)))
        return 0;
    free(name);
    *p += used;
    if (question) {
        *p += QFIXEDSZ;
        return *p <= end;
    }
    if (*p + RRFIXEDSZ > end)
        return 0;
    *p += RRFIXEDSZ + get16(*p + 8);
    return *p <= end;
}

/* The record at *p: its owner (rr->owner, the caller's to free), type,
 * TTL and class, and where its rdata is; *p moves past it. Returns 0 if
 * malformed (nothing to free). */
static int
read_rr(const unsigned char **p, const unsigned char *abuf, int alen, struct xp_dns_rr *rr,
        unsigned *class, const unsigned char **rd, unsigned *rdlen)
{
    const unsigned char *end = abuf + alen;
    long used;

    rr->owner = expand(*p, abuf, alen, &used);
    if (!rr->owner)
        return 0;
    *p += used;
    if (*p + RRFIXEDSZ > end || *p + RRFIXEDSZ + get16(*p + 8) > end) {
        free(rr->owner);
        rr->owner = NULL;
        return 0;
    }
    rr->type = (int)get16(*p);
    *class = get16(*p + 2);
    rr->ttl = get32(*p + 4);
    *rdlen = get16(*p + 8);
    *rd = *p + RRFIXEDSZ;
    *p = *rd + *rdlen;
    return 1;
}

/* Parse the answer section of abuf into r; returns 0 if malformed. */
static int
parse_answer(struct xp_dns_result *r, const unsigned char *abuf, int alen, size_t max_answers)
{
    const unsigned char *p = abuf + HFIXEDSZ;
    unsigned qd, an, i;

    if (alen < HFIXEDSZ)
        return 0;
    qd = get16(abuf + 4);
    an = get16(abuf + 6);
    for (i = 0; i < qd; i++)
        if (!skip_entry(&p, abuf, alen, 1))
            return 0;
    if (an > max_answers)
        an = (unsigned)max_answers;
    r->rr = xcalloc(an ? an : 1, sizeof(*r->rr));
    for (i = 0; i < an; i++) {
        struct xp_dns_rr *rr = &r->rr[r->nrr];
        const unsigned char *rd;
        unsigned class, rdlen;

        if (!read_rr(&p, abuf, alen, rr, &class, &rd, &rdlen))
            return 0;
        if (!decode_rdata(rr, rd, rdlen, abuf, alen)) {
            free(rr->owner);
            free(rr->target);
            memset(rr, 0, sizeof(*rr));
            return 0;
        }
        r->nrr++;
    }
    return 1;
}

/* The A and AAAA records of abuf's additional section into r (appended
 * to r->rr, at most max in all); returns 0 if malformed. */
static int
parse_additional(struct xp_dns_result *r, const unsigned char *abuf, int alen, size_t max)
{
    const unsigned char *p = abuf + HFIXEDSZ;
    unsigned qd, an, ns, ar, i;

    if (alen < HFIXEDSZ)
        return 0;
    qd = get16(abuf + 4);
    an = get16(abuf + 6);
    ns = get16(abuf + 8);
    ar = get16(abuf + 10);
    for (i = 0; i < qd + an + ns; i++)
        if (!skip_entry(&p, abuf, alen, i < qd))
            return 0;
    r->rr = xrealloc(r->rr, (r->nrr + (ar < max ? ar : max) + 1) * sizeof(*r->rr));
    for (i = 0; i < ar && r->nrr < max; i++) {
        struct xp_dns_rr rr = { 0 };
        const unsigned char *rd;
        unsigned class, rdlen;

        if (!read_rr(&p, abuf, alen, &rr, &class, &rd, &rdlen))
            return 0;
        if ((rr.type == XP_DNS_A || rr.type == XP_DNS_AAAA) && class == C_IN &&
            decode_rdata(&rr, rd, rdlen, abuf, alen))
            r->rr[r->nrr++] = rr;
        else
            free(rr.owner);
    }
    return 1;
}

static enum xp_dns_status
status_of(int ares_status)
{
    switch (ares_status) {
    case ARES_SUCCESS:
        return XP_DNS_OK;
    case ARES_ENODATA:
        return XP_DNS_NODATA;
    case ARES_ENOTFOUND:
        return XP_DNS_NXDOMAIN;
    case ARES_ESERVFAIL:
        return XP_DNS_SERVFAIL;
    case ARES_EREFUSED:
        return XP_DNS_REFUSED;
    case ARES_ETIMEOUT:
        return XP_DNS_TIMEOUT;
    default:
        return XP_DNS_ERROR;
    }
}

static void send_queued(struct xp_dns *dns);

/* ---- a CNAME chain's last name, answered by the same round trip ----
 * An address question for autodiscover.contoso.com that is a CNAME to
 * mail.hoster.example comes back with the chain and the target's records
 * (or, for the other type, the chain and the SOA proving it has none): the
 * resolver answered the target's own question too. It is kept as that
 * question's answer, so the next hop (a redirect to the target) costs no
 * second round trip. Only the records the answer carries are kept. */

static void cache_insert(struct xp_dns *dns, struct entry *e);
static struct entry *cache_find(struct xp_dns *dns, const char *name, int type, unsigned h);
static int64_t ttl_of(const struct xp_dns_result *r);

/* Where the chain from r->qname ends (r->qname when there is none). */
static const char *
chain_end(const struct xp_dns_result *r)
{
    const char *name = r->qname;
    int hops;
    size_t i;

    for (hops = 0; hops < 16; hops++) {
        const char *next = NULL;

        for (i = 0; i < r->nrr && !next; i++)
            if (r->rr[i].type == XP_DNS_CNAME && xp_name_eq(r->rr[i].owner, name))
                next = r->rr[i].target;
        if (!next)
            break;
        name = next;
    }
    return name;
}

/* Records of src (n of them of name's type, A or AAAA) kept as the
 * answer to (name, type): NODATA when n is 0. Learnt with from's answer,
 * so they carry its server and time; never over an answer already kept. */
static void
seed(struct xp_dns *dns, const struct xp_dns_result *from, const char *name, int type,
     const struct xp_dns_rr *src, size_t nsrc, size_t n)
{
    unsigned h = name_hash(name, type);
    struct entry *e;
    size_t i;

    if (cache_find(dns, name, type, h))
        return;
    e = xcalloc(1, sizeof(*e));
    e->dns = dns;
    e->refs = 1;              /* the cache's */
    e->done = 1;
    e->hash = h;
    e->res.qname = xstrdup(name);
    e->res.qtype = type;
    e->res.server = from->server;
    e->res.ms = from->ms;
    e->res.status = n ? XP_DNS_OK : XP_DNS_NODATA;
    e->res.rr = xcalloc(n ? n : 1, sizeof(*e->res.rr));
    for (i = 0; i < nsrc && e->res.nrr < n; i++) {
        struct xp_dns_rr *b = &e->res.rr[e->res.nrr];

        if (src[i].type != type || !xp_name_eq(src[i].owner, name))
            continue;
        *b = src[i];           /* A, AAAA: no target or text to copy */
        b->owner = xstrdup(src[i].owner);
        e->res.nrr++;
    }
    e->expires_us = xp_now_us() + ttl_of(&e->res) * 1000000;
    cache_insert(dns, e);
}

/* How many records of rr[] are name's, of type. */
static size_t
count_of(const struct xp_dns_rr *rr, size_t nrr, const char *name, int type)
{
    size_t i, n = 0;

    for (i = 0; i < nrr; i++)
        n += rr[i].type == type && xp_name_eq(rr[i].owner, name);
    return n;
}

/* The authority section holds the SOA of name's zone: a no-data answer
 * is about name itself (RFC 2308 2.2), not a chain cut at a zone the
 * server does not serve. */
static int
soa_covers(const unsigned char *abuf, int alen, const char *name)
{
    const unsigned char *p = abuf + HFIXEDSZ, *end = abuf + alen;
    unsigned qd, an, ns, i;
    long used;

    if (alen < HFIXEDSZ)
        return 0;
    qd = get16(abuf + 4);
    an = get16(abuf + 6);
    ns = get16(abuf + 8);
    for (i = 0; i < qd + an + ns; i++) {
        char *owner = expand(p, abuf, alen, &used);
        unsigned type, rdlen;
        int covers;

        if (!owner)
            return 0;
        p += used;
        if (i < qd) {
            free(owner);
            p += QFIXEDSZ;
            if (p > end)
                return 0;
            continue;
        }
        if (p + RRFIXEDSZ > end) {
            free(owner);
            return 0;
        }
        type = get16(p);
        rdlen = get16(p + 8);
        covers = i >= qd + an && type == ns_t_soa &&
                 (xp_name_eq(owner, name) || xp_name_ends_with(name, owner));
        free(owner);
        if (covers)
            return 1;
        p += RRFIXEDSZ + rdlen;
        if (p > end)
            return 0;
    }
    return 0;
}

static void
seed_chain_end(struct xp_dns *dns, const struct entry *from, const unsigned char *abuf,
               int alen)
{
    const struct xp_dns_result *r = &from->res;
    const char *name = chain_end(r);
    size_t n;

    if ((r->qtype != XP_DNS_A && r->qtype != XP_DNS_AAAA) || name == r->qname ||
        (r->status != XP_DNS_OK && r->status != XP_DNS_NODATA) ||
        get16(abuf + 6) > dns->max_answers)
        return;
    n = count_of(r->rr, r->nrr, name, r->qtype);
    if (!n && !soa_covers(abuf, alen, name))
        return;
    seed(dns, r, name, r->qtype, r->rr, r->nrr, n);
}

/*
 * An MX answer's additional section often carries its exchanges'
 * addresses (BIND and Windows DNS put them there): they are kept as those
 * hosts' A/AAAA answers, so smtp connects without one more round trip, as
 * MTAs such as Exim do. Only for an exchange the answer names, only a type
 * present (an absent AAAA says nothing: it is still asked), never over an
 * answer already kept.
 */
static void
seed_mx_hosts(struct xp_dns *dns, const struct entry *from, const unsigned char *abuf, int alen)
{
    const struct xp_dns_result *r = &from->res;
    struct xp_dns_result extra = { 0 };
    static const int types[] = { XP_DNS_A, XP_DNS_AAAA };
    size_t i, t;

    /* At the cap, an exchange's records may be cut short: none kept. */
    if (r->qtype != XP_DNS_MX || r->status != XP_DNS_OK || get16(abuf + 10) == 0 ||
        !parse_additional(&extra, abuf, alen, dns->max_answers) ||
        extra.nrr >= dns->max_answers)
        goto out;
    for (i = 0; i < r->nrr; i++) {
        const char *host = r->rr[i].target;

        if (r->rr[i].type != XP_DNS_MX || !host || !host[0])
            continue;
        for (t = 0; t < XP_ARRAY_LEN(types); t++) {
            size_t n = count_of(extra.rr, extra.nrr, host, types[t]);

            if (n)
                seed(dns, r, host, types[t], extra.rr, extra.nrr, n);
        }
    }
out:
    for (i = 0; i < extra.nrr; i++)
        free(extra.rr[i].owner);
    free(extra.rr);
}

/* The smallest TTL of the answer (NEGATIVE_TTL without records). */
static int64_t
ttl_of(const struct xp_dns_result *r)
{
    uint32_t ttl = NEGATIVE_TTL;
    size_t i;

    for (i = 0; i < r->nrr; i++)
        if (i == 0 || r->rr[i].ttl < ttl)
            ttl = r->rr[i].ttl;
    return ttl;
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct entry *e = arg;
    struct xp_dns *dns = e->dns;
    struct waiter *w, *wn;

    (void)timeouts;
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED || dns->destroying) {
        entry_unref(e);   /* the query's reference; waiters are dropped */
        return;
    }
    dns->inflight--;
    e->done = 1;
    e->res.ms = (xp_now_us() - e->t0_us) / 1000;
    e->res.status = status_of(status);
    if (abuf && !parse_answer(&e->res, abuf, alen, dns->max_answers) && e->res.status == XP_DNS_OK) {
        e->res.status = XP_DNS_ERROR;
        e->res.error = xstrdup("malformed DNS answer");
    }
    /* NOERROR holding only a CNAME chain: the name has no data of this type. */
    if (e->res.status == XP_DNS_OK && xp_dns_count(&e->res, e->res.qtype) == 0)
        e->res.status = XP_DNS_NODATA;
    if (e->res.status == XP_DNS_TIMEOUT)
        e->res.error = xasprintf("no answer from %s", dns->servers);
    else if (status == ARES_ECONNREFUSED)
        e->res.error = xasprintf("no DNS server listens at %s (connection refused)",
                                 dns->servers);
    else if (e->res.status >= XP_DNS_SERVFAIL && !e->res.error)
        e->res.error = xstrdup(ares_strerror(status));
    if (abuf) {
        seed_chain_end(dns, e, abuf, alen);
        seed_mx_hosts(dns, e, abuf, alen);
    }
    for (w = e->waiters; w; w = wn) {
        wn = w->next;
        post(dns, e, w->cb, w->arg);
        free(w);
    }
    e->waiters = NULL;
    e->expires_us = xp_now_us() + ttl_of(&e->res) * 1000000;
    /* Errors are not memoised: asking again may well succeed. The cache's
     * reference is dropped through cache_unlink, the query's here. */
    if (e->res.status >= XP_DNS_SERVFAIL && e->in_cache) {
        e->refs--;
        cache_unlink(dns, e);
    } else {
        entry_unref(e);
    }
    send_queued(dns);
}

/* The live entry for (name, type), moved to the front of the LRU list;
 * an expired one is dropped on the way. */
static struct entry *
cache_find(struct xp_dns *dns, const char *name, int type, unsigned h)
{
    struct entry *e;

    for (e = dns->buckets[h & (dns->nbuckets - 1)]; e; e = e->hnext) {
        if (e->hash != h || e->res.qtype != type || !xp_name_eq(e->res.qname, name))
            continue;
        if (e->done && xp_now_us() >= e->expires_us) {
            cache_unlink(dns, e);
            return NULL;
        }
        lru_unlink(dns, e);
        lru_push_front(dns, e);
        return e;
    }
    return NULL;
}

static void
send_now(struct xp_dns *dns, struct entry *e)
{
    dns->inflight++;
    e->t0_us = xp_now_us();
    xp_trace("dns send %s %d", e->res.qname, e->res.qtype);
    ares_query(dns->channel, e->res.qname, C_IN, e->res.qtype, on_answer, e);
}

/* Answers free slots on the wire: send what waits for one, oldest first. */
static void
send_queued(struct xp_dns *dns)
{
    while (dns->queue && dns->inflight < dns->inflight_max && !dns->destroying) {
        struct entry *e = dns->queue;

        dns->queue = e->qnext;
        if (!dns->queue)
            dns->queue_tail = NULL;
        e->qnext = NULL;
        send_now(dns, e);
    }
}

/* A new entry into the table and at the front of the LRU list. */
static void
cache_insert(struct xp_dns *dns, struct entry *e)
{
    e->in_cache = 1;
    e->hnext = dns->buckets[e->hash & (dns->nbuckets - 1)];
    dns->buckets[e->hash & (dns->nbuckets - 1)] = e;
    lru_push_front(dns, e);
    dns->ncached++;
    cache_trim(dns);
}

void
xp_dns_query(struct xp_dns *dns, const char *name, int type, xp_dns_cb cb, void *arg)
{
    unsigned h = name_hash(name, type);
    struct entry *e = cache_find(dns, name, type, h);
    struct waiter *w;

    if (e && e->done) {
        post(dns, e, cb, arg);
        return;
    }
    w = xmalloc(sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    if (e) {
        w->next = e->waiters;
        e->waiters = w;
        return;
    }
    e = xcalloc(1, sizeof(*e));
    e->dns = dns;
    e->refs = 2;              /* the cache and the query in flight */
    e->hash = h;
    e->res.qname = xstrdup(name);
    e->res.qtype = type;
    e->res.server = dns->servers;
    w->next = NULL;
    e->waiters = w;
    cache_insert(dns, e);
    if (dns->inflight < dns->inflight_max) {
        send_now(dns, e);
        return;
    }
    if (dns->queue_tail)
        dns->queue_tail->qnext = e;
    else
        dns->queue = e;
    dns->queue_tail = e;
}

void
xp_dns_flush(struct xp_dns *dns)
{
    struct entry *e, *prev;

    /* Answers only: questions in flight (or queued) still have waiters. */
    for (e = dns->lru_tail; e; e = prev) {
        prev = e->lru_prev;
        if (e->done)
            cache_unlink(dns, e);
    }
}

struct xp_dns_result *
xp_dns_result_dup(const struct xp_dns_result *res)
{
    struct xp_dns_result *r = xmalloc(sizeof(*r));
    size_t i;

    *r = *res;
    r->qname = xstrdup(res->qname);
    r->error = res->error ? xstrdup(res->error) : NULL;
    r->server = res->server;   /* static for the run */
    r->rr = xcalloc(res->nrr ? res->nrr : 1, sizeof(*r->rr));
    for (i = 0; i < res->nrr; i++) {
        const struct xp_dns_rr *a = &res->rr[i];
        struct xp_dns_rr *b = &r->rr[i];

        *b = *a;
        b->owner = xstrdup(a->owner);
        b->target = a->target ? xstrdup(a->target) : NULL;
        if (a->text) {
            b->text = xmalloc(a->textlen + 1);
            memcpy(b->text, a->text, a->textlen + 1);
        }
    }
    return r;
}

void
xp_dns_result_free(struct xp_dns_result *res)
{
    if (!res)
        return;
    result_free(res);
    free(res);
}

/* ---- presentation helpers ---- */

const char *
xp_dns_type_name(int type)
{
    static const struct {
        int type;
        const char *name;
    } types[] = {
#define XP_DNS_TYPE_ROW(name, value) { value, #name },
        XP_DNS_TYPES(XP_DNS_TYPE_ROW)
#undef XP_DNS_TYPE_ROW
    };
    size_t i;

    for (i = 0; i < XP_ARRAY_LEN(types); i++)
        if (types[i].type == type)
            return types[i].name;
    return "OTHER";
}

const char *
xp_dns_status_name(enum xp_dns_status st)
{
    static const char *const names[] = {
        [XP_DNS_OK] = "NOERROR", [XP_DNS_NODATA] = "NODATA", [XP_DNS_NXDOMAIN] = "NXDOMAIN",
        [XP_DNS_SERVFAIL] = "SERVFAIL", [XP_DNS_REFUSED] = "REFUSED",
        [XP_DNS_TIMEOUT] = "TIMEOUT", [XP_DNS_ERROR] = "ERROR",
    };
    return names[st];
}

/* TXT bytes shown as dig does: quoted, with \DDD for what is not printable. */
static void
quote_text(struct xp_buf *b, const char *s, size_t n)
{
    size_t i, cl;

    xp_buf_add(b, "\"", 1);
    for (i = 0; i < n; i += cl) {
        unsigned char c = (unsigned char)s[i];

        /* Printable UTF-8 as it is; controls and bytes that are not UTF-8
         * as \DDD (RFC 1035 presentation), so no byte is lost or hidden. */
        cl = xp_utf8_printable_len(s + i, n - i);
        if (c == '"' || c == '\\')
            xp_buf_printf(b, "\\%c", c);
        else if (cl)
            xp_buf_add(b, s + i, cl);
        else
            xp_buf_printf(b, "\\%03u", c);
        cl = cl ? cl : 1;
    }
    xp_buf_add(b, "\"", 1);
}

char *
xp_dns_rr_format(const struct xp_dns_rr *rr)
{
    struct xp_buf b = { 0 };

    xp_buf_printf(&b, "%s. %u %s ", rr->owner, rr->ttl, xp_dns_type_name(rr->type));
    switch (rr->type) {
    case XP_DNS_A:
    case XP_DNS_AAAA:
        xp_buf_printf(&b, "%s", rr->addr);
        break;
    case XP_DNS_MX:
        xp_buf_printf(&b, "%u %s.", rr->pref, rr->target);
        break;
    case XP_DNS_SRV:
        xp_buf_printf(&b, "%u %u %u %s.", rr->priority, rr->weight, rr->port, rr->target);
        break;
    case XP_DNS_TXT:
        quote_text(&b, rr->text, rr->textlen);
        break;
    default:
        xp_buf_printf(&b, "%s.", rr->target ? rr->target : "");
        break;
    }
    return b.s;
}

static int
line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Name servers rotate the records of an RRset (an unordered set), so each
 * RRset is listed sorted: two runs against the same zone read the same, in
 * steps and in evidence alike. A CNAME chain keeps its order. */
char **
xp_dns_lines(const struct xp_dns_result *res, size_t *n)
{
    char **lines = xcalloc(res->nrr + 1, sizeof(char *));
    size_t i, j;

    for (i = 0; i < res->nrr; i++)
        lines[i] = xp_dns_rr_format(&res->rr[i]);
    for (i = 0; i < res->nrr; i = j) {
        for (j = i + 1; j < res->nrr && res->rr[j].type == res->rr[i].type &&
                        strcasecmp(res->rr[j].owner, res->rr[i].owner) == 0; j++)
            ;
        qsort(lines + i, j - i, sizeof(*lines), line_cmp);
    }
    *n = res->nrr;
    return lines;
}


const char *
xp_dns_cname_target(const struct xp_dns_result *res)
{
    size_t i;

    for (i = 0; i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_CNAME && xp_name_eq(res->rr[i].owner, res->qname))
            return res->rr[i].target;
    return NULL;
}

size_t
xp_dns_count(const struct xp_dns_result *res, int type)
{
    size_t i, n = 0;

    for (i = 0; i < res->nrr; i++)
        if (res->rr[i].type == type)
            n++;
    return n;
}

/* The answer walker on its own, for tests and tests/fuzz (a server's bytes
 * straight in, the default bound on records kept): 0 if abuf is malformed
 * (r then holds what parsed before). */
int
xp_dns_parse_answer(struct xp_dns_result *r, const unsigned char *abuf, int alen)
{
    return parse_answer(r, abuf, alen, xp_params_defaults.dns_answers);
}

int
xp_dns_parse_additional(struct xp_dns_result *r, const unsigned char *abuf, int alen)
{
    return parse_additional(r, abuf, alen, xp_params_defaults.dns_answers);
}

enum xp_fail
xp_dns_fail(const struct xp_dns_result *r)
{
    switch (r->status) {
    case XP_DNS_OK:
        return XP_FAIL_NONE;
    case XP_DNS_TIMEOUT:
        return XP_FAIL_TIMEOUT;
    default:
        return XP_FAIL_DNS;
    }
}
