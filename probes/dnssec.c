/*
 * dnssec.c — DNSSEC-validated answers from libunbound's asynchronous API
 * on exprobe's loop (include/xp_dnssec.h says why libunbound and c-ares
 * both). One ub_ctx per validator, resolving in libunbound's background
 * thread; its result pipe (ub_fd) is watched by the loop and ub_process
 * runs the answer callbacks there. Answers are memoised (one entry per
 * name and type, never freed before the validator) and delivered from a
 * zero-delay loop timer, so a caller never sees its callback run inside
 * xp_dnssec_query and a freed validator leaves nothing behind in the loop.
 */
#include "xp_dnssec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unbound.h>

#include "xp.h"
#include "xp_loop.h"
#include "xp_params.h"

struct waiter {
    xp_dnssec_cb cb;
    void *arg;
    struct waiter *next;
};

struct entry {
    struct xp_dnssec *v;
    char *name;
    int type;
    int done;
    int async_id;
    int ub_pending;             /* libunbound may still call on_answer */
    int delivering;             /* its answer is being handed out: keep it */
    uint64_t timer;
    int64_t started_us;
    struct xp_dnssec_result res;
    struct waiter *waiters;
    struct entry *next;
};

struct xp_dnssec {
    struct ub_ctx *ctx;
    struct xp_loop *loop;
    int timeout_ms;
    size_t max_answers;         /* records kept from one answer (xp_params) */
    int fd;
    char *servers_text;
    struct entry *entries;      /* newest first */
    size_t nentries;
    uint64_t kick;              /* the delivery timer, 0 when none is set */
};

const char *
xp_sec_name(enum xp_sec sec)
{
    switch (sec) {
    case XP_SEC_SECURE:
        return "secure";
    case XP_SEC_INSECURE:
        return "insecure";
    case XP_SEC_BOGUS:
        return "bogus";
    default:
        return "indeterminate";
    }
}

/* ---- the anchor file ---- */

static int
anchor_line(const char *line, char *owner, size_t olen)
{
    char name[256], f2[32], f3[32], f4[32];
    int n;

    while (isspace((unsigned char)*line))
        line++;
    if (*line == ';' || *line == '\0' || *line == '$')
        return 0;
    n = sscanf(line, "%255s %31s %31s %31s", name, f2, f3, f4);
    if (n < 3)
        return 0;
    /* OWNER [TTL] [IN] DS|DNSKEY ... */
    if (!(strcasecmp(f2, "DS") == 0 || strcasecmp(f2, "DNSKEY") == 0 ||
          strcasecmp(f3, "DS") == 0 || strcasecmp(f3, "DNSKEY") == 0 ||
          (n == 4 && (strcasecmp(f4, "DS") == 0 || strcasecmp(f4, "DNSKEY") == 0))))
        return 0;
    snprintf(owner, olen, "%s", name);
    return 1;
}

size_t
xp_dnssec_anchor_zones(const char *anchor_file, char names[][256], size_t max)
{
    FILE *fp = fopen(anchor_file ? anchor_file : XP_DNSSEC_DEFAULT_ANCHOR, "r");
    char line[4096], owner[256];
    size_t n = 0, i;

    if (!fp)
        return 0;
    while (n < max && fgets(line, sizeof(line), fp)) {
        if (!anchor_line(line, owner, sizeof(owner)))
            continue;
        for (i = 0; i < n && !xp_name_eq(names[i], owner); i++)
            ;
        if (i == n)
            snprintf(names[n++], 256, "%s", owner);
    }
    fclose(fp);
    return n;
}

int
xp_dnssec_anchor_check(const char *file, char *err, size_t errlen)
{
    char names[1][256];
    FILE *fp = fopen(file, "r");

    if (!fp) {
        snprintf(err, errlen, "--trust-anchor %s: %s", file, strerror(errno));
        return -1;
    }
    fclose(fp);
    if (xp_dnssec_anchor_zones(file, names, 1) == 0) {
        snprintf(err, errlen, "--trust-anchor %s: no DS or DNSKEY record (zone-file format: "
                 "\". IN DS 20326 8 2 E06D...\")", file);
        return -1;
    }
    return 0;
}

/* ---- records ---- */

/* A wire-format name (uncompressed, as libunbound hands RDATA) as text,
 * written as c-ares writes it (no final dot; the root is ".") so the
 * records of both resolvers print and compare alike. */
static char *
wire_name(const unsigned char *p, size_t len)
{
    struct xp_buf b = { 0 };
    size_t i = 0;

    while (i < len && p[i]) {
        size_t l = p[i++], j;

        if (l > 63 || i + l > len)
            break;
        if (b.s)
            xp_buf_add(&b, ".", 1);
        for (j = 0; j < l; j++) {
            unsigned char ch = p[i + j];

            if (isalnum(ch) || ch == '-' || ch == '_' || ch == '*')
                xp_buf_add(&b, (const char *)&ch, 1);
            else
                xp_buf_printf(&b, "\\%03u", ch);
        }
        i += l;
    }
    if (!b.s)
        xp_buf_add(&b, ".", 1);
    return b.s;
}

static void
rr_fill(struct xp_dns_rr *rr, int type, const unsigned char *d, size_t len)
{
    switch (type) {
    case XP_DNS_A:
        if (len == 4)
            inet_ntop(AF_INET, d, rr->addr, sizeof(rr->addr));
        break;
    case XP_DNS_AAAA:
        if (len == 16)
            inet_ntop(AF_INET6, d, rr->addr, sizeof(rr->addr));
        break;
    case XP_DNS_MX:
        if (len >= 3) {
            rr->pref = (unsigned)(d[0] << 8 | d[1]);
            rr->target = wire_name(d + 2, len - 2);
        }
        break;
    case XP_DNS_CNAME:
    case XP_DNS_NS:
    case XP_DNS_PTR:
        rr->target = wire_name(d, len);
        break;
    case XP_DNS_TXT: {
        struct xp_buf b = { 0 };
        size_t i = 0;

        while (i < len) {
            size_t l = d[i++];

            if (i + l > len)
                l = len - i;
            xp_buf_add(&b, (const char *)d + i, l);
            i += l;
        }
        rr->text = b.s ? b.s : xstrdup("");
        rr->textlen = b.len;
        break;
    }
    default:       /* TLSA, DS, DNSKEY: the RDATA as it is */
        rr->text = xmalloc(len + 1);
        memcpy(rr->text, d, len);
        rr->text[len] = '\0';
        rr->textlen = len;
        break;
    }
}

/*
 * libunbound's reason, without its "key for validation Z is marked as
 * invalid because of a previous validation failure <Q>: " inserts: which
 * question failed first depends on what else the run asked meanwhile (other
 * targets), the cause after it does not -- and one run must say the same
 * thing whatever --parallel is. Allocated.
 */
char *
xp_dnssec_why_cause(const char *why)
{
    static const char key[] = "key for validation ";
    static const char mark[] = "because of a previous validation failure <";
    char *out = xstrdup(why), *k, *p;

    while ((k = strstr(out, key)) && (p = strstr(k, mark)) &&
           (p = strstr(p + sizeof(mark) - 1, ">: ")))
        memmove(k, p + 3, strlen(p + 3) + 1);
    return out;
}

static void
result_fill(struct xp_dnssec_result *out, int err, struct ub_result *r, size_t max_answers)
{
    struct xp_dns_result *d = &out->dns;
    size_t n = 0, i;

    if (err || !r) {
        d->status = XP_DNS_ERROR;
        d->error = xasprintf("libunbound: %s", ub_strerror(err));
        out->sec = XP_SEC_INDETERMINATE;
        return;
    }
    out->sec = r->bogus ? XP_SEC_BOGUS : r->secure ? XP_SEC_SECURE : XP_SEC_INSECURE;
    if (r->why_bogus)
        out->why_bogus = xp_dnssec_why_cause(r->why_bogus);
    switch (r->rcode) {
    case 0:
        d->status = r->havedata ? XP_DNS_OK : XP_DNS_NODATA;
        break;
    case 3:
        d->status = XP_DNS_NXDOMAIN;
        break;
    case 5:
        d->status = XP_DNS_REFUSED;
        break;
    default:
        d->status = XP_DNS_SERVFAIL;
        d->error = xstrdup(r->bogus ? "DNSSEC validation failed (bogus)" : "SERVFAIL");
        break;
    }
    if (!r->havedata)
        return;
    while (r->data[n] && n < max_answers)
        n++;
    d->rr = xcalloc(n + 1, sizeof(*d->rr));
    if (r->canonname && !xp_name_eq(r->canonname, d->qname)) {
        d->rr[0].owner = xstrdup(d->qname);
        d->rr[0].type = XP_DNS_CNAME;
        d->rr[0].ttl = (uint32_t)r->ttl;
        d->rr[0].target = xstrdup(r->canonname);
        d->nrr = 1;
    }
    for (i = 0; i < n; i++) {
        struct xp_dns_rr *rr = &d->rr[d->nrr++];

        rr->owner = xstrdup(r->canonname ? r->canonname : d->qname);
        rr->type = r->qtype;
        rr->ttl = (uint32_t)r->ttl;
        rr_fill(rr, r->qtype, (const unsigned char *)r->data[i], (size_t)r->len[i]);
    }
}

static void
result_clear(struct xp_dnssec_result *r)
{
    size_t i;

    for (i = 0; i < r->dns.nrr; i++) {
        free(r->dns.rr[i].owner);
        free(r->dns.rr[i].target);
        free(r->dns.rr[i].text);
    }
    free(r->dns.rr);
    free(r->dns.error);
    free(r->why_bogus);
    r->dns.rr = NULL;
    r->dns.nrr = 0;
    r->dns.error = NULL;
    r->why_bogus = NULL;
}

/* ---- delivery ---- */

static void
deliver(void *arg)
{
    struct xp_dnssec *v = arg;
    struct entry *e;
    int again = 1;

    v->kick = 0;
    /* A callback may ask more (new entries at the head) or be answered
     * from the memo (waiters on done entries): go round until none is left. */
    while (again) {
        again = 0;
        for (e = v->entries; e; e = e->next) {
            struct waiter *w, *next;

            if (!e->done || !e->waiters)
                continue;
            w = e->waiters;
            e->waiters = NULL;
            e->delivering = 1;
            for (; w; w = next) {
                next = w->next;
                if (w->cb)
                    w->cb(w->arg, &e->res);
                free(w);
            }
            e->delivering = 0;
            again = 1;
            break;
        }
    }
}

static void
kick(struct xp_dnssec *v)
{
    if (!v->kick)
        v->kick = xp_loop_timer(v->loop, 0, deliver, v);
}

static void
finish(struct entry *e)
{
    e->done = 1;
    e->res.dns.ms = (xp_now_us() - e->started_us) / 1000;
    if (e->timer)
        xp_loop_timer_cancel(e->v->loop, e->timer);
    e->timer = 0;
    kick(e->v);
}

static void
on_answer(void *mydata, int err, struct ub_result *result)
{
    struct entry *e = mydata;

    e->ub_pending = 0;
    if (e->done) {              /* timed out, and the answer raced ub_cancel */
        if (result)
            ub_resolve_free(result);
        return;
    }
    result_fill(&e->res, err, result, e->v->max_answers);
    if (result)
        ub_resolve_free(result);
    finish(e);
}

static void
on_timeout(void *arg)
{
    struct entry *e = arg;

    e->timer = 0;
    if (ub_cancel(e->v->ctx, e->async_id) == 0)
        e->ub_pending = 0;
    e->res.dns.status = XP_DNS_TIMEOUT;
    e->res.dns.error = xasprintf("no validated answer within %d ms", e->v->timeout_ms);
    e->res.sec = XP_SEC_INDETERMINATE;
    finish(e);
}

static void
on_fd(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct xp_dnssec *v = arg;

    (void)loop;
    (void)fd;
    (void)revents;
    ub_process(v->ctx);
}

/* ---- setup ---- */

/* "ADDR[:PORT]" / "[V6]:PORT" / "V6" -> "ADDR@PORT" for ub_ctx_set_fwd. */
static int
fwd_spec(const char *item, char *out, size_t len)
{
    const char *colon = strrchr(item, ':');
    unsigned char buf[16];
    char addr[64];

    if (item[0] == '[') {
        const char *close = strchr(item, ']');

        if (!close || (size_t)(close - item - 1) >= sizeof(addr))
            return -1;
        memcpy(addr, item + 1, (size_t)(close - item - 1));
        addr[close - item - 1] = '\0';
        if (close[1] == ':')
            snprintf(out, len, "%s@%s", addr, close + 2);
        else
            snprintf(out, len, "%s", addr);
        return 0;
    }
    if (colon && strchr(item, ':') == colon) {      /* one colon: v4 with a port */
        snprintf(out, len, "%.*s@%s", (int)(colon - item), item, colon + 1);
        return 0;
    }
    if (inet_pton(AF_INET, item, buf) != 1 && inet_pton(AF_INET6, item, buf) != 1)
        return -1;
    snprintf(out, len, "%s", item);
    return 0;
}

static int
set_forwarders(struct xp_dnssec *v, const char *servers, char *err, size_t errlen)
{
    char *copy, *item, *save = NULL;
    int rc = 0;

    if (!servers) {
        int e = ub_ctx_resolvconf(v->ctx, NULL);

        if (e) {
            snprintf(err, errlen, "DNSSEC validator: cannot read the system resolvers: %s",
                     ub_strerror(e));
            return -1;
        }
        return 0;
    }
    copy = xstrdup(servers);
    for (item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        char spec[128];
        int e;

        if (fwd_spec(item, spec, sizeof(spec)) < 0 || (e = ub_ctx_set_fwd(v->ctx, spec)) != 0) {
            snprintf(err, errlen, "DNSSEC validator: bad resolver address %s", item);
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

static int
set_opt(struct xp_dnssec *v, const char *opt, const char *val, char *err, size_t errlen)
{
    int e = ub_ctx_set_option(v->ctx, opt, val);

    if (e)
        snprintf(err, errlen, "DNSSEC validator: option %s %s: %s", opt, val, ub_strerror(e));
    return e ? -1 : 0;
}

struct xp_dnssec *
xp_dnssec_new(struct xp_loop *loop, const char *servers, const char *anchor_file,
              const struct xp_params *params, char *err, size_t errlen)
{
    struct xp_dnssec *v = xcalloc(1, sizeof(*v));
    const char *anchor = anchor_file ? anchor_file : XP_DNSSEC_DEFAULT_ANCHOR;
    int e;

    v->loop = loop;
    v->timeout_ms = params->timeout_ms;
    v->max_answers = params->dns_answers;
    v->ctx = ub_ctx_create();
    if (!v->ctx) {
        snprintf(err, errlen, "DNSSEC validator: libunbound could not create a context");
        free(v);
        return NULL;
    }
    /* The resolvers the user names may be on loopback (a local validating
     * or lab server): unbound refuses to ask localhost unless told. The
     * RFC 6761 names (.test, .invalid) are the lab's: unbound's built-in
     * empty zones for them would hide it. */
    if (set_opt(v, "do-not-query-localhost:", "no", err, errlen) < 0 ||
        set_opt(v, "edns-buffer-size:", "1232", err, errlen) < 0 ||
        set_forwarders(v, servers, err, errlen) < 0)
        goto fail;
    if ((e = ub_ctx_add_ta_file(v->ctx, anchor)) != 0) {
        snprintf(err, errlen, "DNSSEC validator: trust anchor %s: %s", anchor, ub_strerror(e));
        goto fail;
    }
    if ((e = ub_ctx_async(v->ctx, 1)) != 0) {
        snprintf(err, errlen, "DNSSEC validator: no background thread: %s", ub_strerror(e));
        goto fail;
    }
    /* Last (removing a zone finalises the context): unbound's built-in
     * empty zones for the RFC 6761 names would hide the lab's .test. */
    ub_ctx_zone_remove(v->ctx, "test.");
    ub_ctx_zone_remove(v->ctx, "invalid.");
    v->fd = ub_fd(v->ctx);
    if (v->fd < 0) {
        snprintf(err, errlen, "DNSSEC validator: libunbound gave no descriptor");
        goto fail;
    }
    xp_loop_watch(loop, v->fd, XP_IN, on_fd, v);
    return v;
fail:
    ub_ctx_delete(v->ctx);
    free(v);
    return NULL;
}

static void
entry_free(struct entry *e)
{
    struct waiter *w, *next;

    for (w = e->waiters; w; w = next) {
        next = w->next;
        free(w);
    }
    result_clear(&e->res);
    free(e->res.dns.qname);
    free(e->name);
    free(e);
}

void
xp_dnssec_free(struct xp_dnssec *v)
{
    struct entry *e, *next;

    if (!v)
        return;
    xp_loop_unwatch(v->loop, v->fd);
    if (v->kick)
        xp_loop_timer_cancel(v->loop, v->kick);
    for (e = v->entries; e; e = e->next)
        if (e->timer)
            xp_loop_timer_cancel(v->loop, e->timer);
    ub_ctx_delete(v->ctx);      /* ends the thread; no callback after this */
    for (e = v->entries; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    free(v);
}

/*
 * The memo is a list searched, delivered from and cancelled in whole: it
 * must stay short, or a run of thousands of domains costs O(domains) per
 * question (issue 17: CPU per domain grew 5-fold from 100 to 6,000
 * domains). Past MEMO_MAX, the oldest answers nobody waits for are
 * forgotten; libunbound keeps its own cache, so asking one again is
 * local.
 */
#define MEMO_MAX 256

static void
trim(struct xp_dnssec *v)
{
    struct entry **pe = &v->entries, *e;
    size_t n = 0;

    while ((e = *pe)) {
        if (++n > MEMO_MAX / 2 && e->done && !e->waiters && !e->ub_pending &&
            !e->delivering) {
            *pe = e->next;
            entry_free(e);
            v->nentries--;
        } else {
            pe = &e->next;
        }
    }
}

void
xp_dnssec_query(struct xp_dnssec *v, const char *name, int type, xp_dnssec_cb cb, void *arg)
{
    struct entry *e;
    struct waiter *w = xcalloc(1, sizeof(*w));
    int rc;

    w->cb = cb;
    w->arg = arg;
    for (e = v->entries; e; e = e->next)
        if (e->type == type && xp_name_eq(e->name, name))
            break;
    if (e) {
        w->next = e->waiters;
        e->waiters = w;
        if (e->done)
            kick(v);
        return;
    }
    e = xcalloc(1, sizeof(*e));
    e->v = v;
    e->name = xstrdup(name);
    e->type = type;
    e->res.dns.qname = xstrdup(name);
    e->res.dns.qtype = type;
    e->res.dns.server = v->servers_text;
    e->started_us = xp_now_us();
    e->waiters = w;
    e->next = v->entries;
    v->entries = e;
    if (++v->nentries > MEMO_MAX)
        trim(v);
    rc = ub_resolve_async(v->ctx, name, type, 1 /* IN */, e, on_answer, &e->async_id);
    if (rc) {
        e->res.dns.status = XP_DNS_ERROR;
        e->res.dns.error = xasprintf("libunbound: %s", ub_strerror(rc));
        finish(e);
        return;
    }
    e->ub_pending = 1;
    e->timer = xp_loop_timer(v->loop, v->timeout_ms, on_timeout, e);
}

void
xp_dnssec_cancel_arg(struct xp_dnssec *v, void *arg)
{
    struct entry *e;
    struct waiter *w;

    for (e = v->entries; e; e = e->next)
        for (w = e->waiters; w; w = w->next)
            if (w->arg == arg)
                w->cb = NULL;
}

void
xp_dnssec_flush(struct xp_dnssec *v)
{
    struct entry **pe = &v->entries, *e;

    /* Done and nobody waiting: forget it (a rerun wants fresh answers). */
    while ((e = *pe)) {
        if (e->done && !e->waiters && !e->ub_pending && !e->delivering) {
            *pe = e->next;
            entry_free(e);
            v->nentries--;
        } else {
            pe = &e->next;
        }
    }
}

/* ---- copies, for a check to keep past its callback ---- */

struct xp_dnssec_result *
xp_dnssec_result_dup(const struct xp_dnssec_result *r)
{
    struct xp_dnssec_result *d = xcalloc(1, sizeof(*d));
    size_t i;

    d->dns = r->dns;
    d->dns.qname = xstrdup(r->dns.qname);
    d->dns.error = r->dns.error ? xstrdup(r->dns.error) : NULL;
    d->dns.rr = xcalloc(r->dns.nrr + 1, sizeof(*d->dns.rr));
    for (i = 0; i < r->dns.nrr; i++) {
        const struct xp_dns_rr *s = &r->dns.rr[i];
        struct xp_dns_rr *t = &d->dns.rr[i];

        *t = *s;
        t->owner = s->owner ? xstrdup(s->owner) : NULL;
        t->target = s->target ? xstrdup(s->target) : NULL;
        if (s->text) {
            t->text = xmalloc(s->textlen + 1);
            memcpy(t->text, s->text, s->textlen);
            t->text[s->textlen] = '\0';
        }
    }
    d->sec = r->sec;
    d->why_bogus = r->why_bogus ? xstrdup(r->why_bogus) : NULL;
    return d;
}

void
xp_dnssec_result_free(struct xp_dnssec_result *r)
{
    if (!r)
        return;
    result_clear(r);
    free(r->dns.qname);
    free(r);
}
