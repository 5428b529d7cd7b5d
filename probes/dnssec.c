/*
 * dnssec.c — DNSSEC-validated answers from libunbound's asynchronous API
 * on exprobe's loop (include/xp_dnssec.h says why libunbound and c-ares
 * both). One ub_ctx per validator, resolving in libunbound's background
 * thread; its result pipe (ub_fd) is watched by the loop and ub_process
 * runs the answer callbacks there. Answers are memoised (one entry per
 * name and type, never freed before the validator) and delivered from a
 * zero-delay loop timer, so a caller never sees its callback run inside
 * xp_dnssec_query and a freed validator leaves nothing behind in the loop.
 *
 * The context is built by a short-lived builder thread (see "setup"), so
 * its cost is off the loop: questions asked meanwhile wait in the memo
 * (queued) and are handed to libunbound when the builder says it is done.
 */
#include "xp_dnssec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
    int queued;                 /* asked before the context was ready: not sent yet */
    int async_id;
    int ub_pending;             /* libunbound may still call on_answer */
    int delivering;             /* its answer is being handed out: keep it */
    uint64_t timer;
    int64_t started_us;
    struct xp_dnssec_result res;
    struct waiter *waiters;
    struct entry *next;
};

/* What the builder thread gets and gives back: it touches nothing else. */
struct build {
    pthread_t thread;
    atomic_int claimed;         /* the build is someone's: the builder's or the loop's */
    int wake;                   /* eventfd: written once the builder is done */
    char *servers, *anchor;     /* copies */
    struct ub_ctx *ctx;         /* the result, or NULL with err */
    char err[512];
};

struct xp_dnssec {
    struct ub_ctx *ctx;         /* NULL until the builder hands it over */
    struct xp_loop *loop;
    int timeout_ms;
    size_t max_answers;         /* records kept from one answer (xp_params) */
    int fd;                     /* ub_fd, -1 until the context is here */
    char *servers_text;
    struct build *build;        /* the builder at work, NULL once joined */
    char *failed;               /* the context could not be built: why */
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

    if (!e) {                   /* the builder's warm-up question (build_ctx) */
        if (result)
            ub_resolve_free(result);
        return;
    }
    e->ub_pending = 0;
    if (e->done) {              /* timed out, and the answer raced ub_cancel */
        if (result)
            ub_resolve_free(result);
        return;
    }
    result_fill(&e->res, err, result, e->v->max_answers);
    xp_trace("dnssec ub answer %s %d %s", e->name, e->type, xp_sec_name(e->res.sec));
    if (result)
        ub_resolve_free(result);
    finish(e);
}

static void
on_timeout(void *arg)
{
    struct entry *e = arg;

    e->timer = 0;
    if (e->ub_pending && ub_cancel(e->v->ctx, e->async_id) == 0)
        e->ub_pending = 0;
    e->queued = 0;              /* the context came too late: never sent */
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
set_forwarders(struct ub_ctx *ctx, const char *servers, char *err, size_t errlen)
{
    char *copy, *item, *save = NULL;
    int rc = 0;

    if (!servers) {
        int e = ub_ctx_resolvconf(ctx, NULL);

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

        if (fwd_spec(item, spec, sizeof(spec)) < 0 || (e = ub_ctx_set_fwd(ctx, spec)) != 0) {
            snprintf(err, errlen, "DNSSEC validator: bad resolver address %s", item);
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

static int
set_opt(struct ub_ctx *ctx, const char *opt, const char *val, char *err, size_t errlen)
{
    int e = ub_ctx_set_option(ctx, opt, val);

    if (e)
        snprintf(err, errlen, "DNSSEC validator: option %s %s: %s", opt, val, ub_strerror(e));
    return e ? -1 : 0;
}

/*
 * The context as the run needs it, or NULL with err. Called by the builder
 * thread (libunbound's contexts are independent: building one touches no
 * other thread's state), or by the loop's thread when no thread could be
 * started or the builder had not started yet (take_over).
 */
static struct ub_ctx *
build_ctx(const char *servers, const char *anchor, char *err, size_t errlen)
{
    struct ub_ctx *ctx = ub_ctx_create();
    int e, id;

    if (!ctx) {
        snprintf(err, errlen, "DNSSEC validator: libunbound could not create a context");
        return NULL;
    }
    /* The resolvers the user names may be on loopback (a local validating
     * or lab server): unbound refuses to ask localhost unless told. The
     * trust-anchor signal (RFC 8145: a _ta-KEYTAG query per anchor, telling
     * root operators which keys a resolver holds) is no business of a
     * diagnostic run: two more validated questions per run for nothing. */
    if (set_opt(ctx, "do-not-query-localhost:", "no", err, errlen) < 0 ||
        set_opt(ctx, "edns-buffer-size:", "1232", err, errlen) < 0 ||
        set_opt(ctx, "trust-anchor-signaling:", "no", err, errlen) < 0 ||
        set_forwarders(ctx, servers, err, errlen) < 0)
        goto fail;
    if ((e = ub_ctx_add_ta_file(ctx, anchor)) != 0) {
        snprintf(err, errlen, "DNSSEC validator: trust anchor %s: %s", anchor, ub_strerror(e));
        goto fail;
    }
    /* Thread, not fork: libunbound's forked worker would inherit every
     * descriptor of the run, and fork copies the whole process's page
     * tables on the caller's side. */
    if ((e = ub_ctx_async(ctx, 1)) != 0) {
        snprintf(err, errlen, "DNSSEC validator: no background thread: %s", ub_strerror(e));
        goto fail;
    }
    /* Last (removing a zone finalises the context, which is where
     * libunbound parses the anchor file): unbound's built-in empty zones
     * for the RFC 6761 names would hide the lab's .test. */
    if ((e = ub_ctx_zone_remove(ctx, "test.")) == UB_INITFAIL) {
        snprintf(err, errlen, "DNSSEC validator: libunbound cannot start with the trust "
                 "anchor %s: %s", anchor, ub_strerror(e));
        goto fail;
    }
    ub_ctx_zone_remove(ctx, "invalid.");
    /* libunbound sets up its worker (a second random-number seeding, its
     * sockets) and starts its thread on the first question: ask one here,
     * answered from its built-in localhost zone (nothing is sent), so that
     * cost is the builder's too. Its answer reaches on_answer with no entry. */
    if ((e = ub_resolve_async(ctx, "localhost.", XP_DNS_A, 1, NULL, on_answer, &id)) != 0) {
        snprintf(err, errlen, "DNSSEC validator: libunbound: %s", ub_strerror(e));
        goto fail;
    }
    return ctx;
fail:
    ub_ctx_delete(ctx);
    return NULL;
}

static void *
builder(void *arg)
{
    struct build *b = arg;
    uint64_t one = 1;

    if (atomic_exchange(&b->claimed, 1))
        return NULL;            /* the loop did not wait for us (take_over) */
    b->ctx = build_ctx(b->servers, b->anchor, b->err, sizeof(b->err));
    while (write(b->wake, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void
ask(struct entry *e)
{
    int rc;

    xp_trace("dnssec ub send %s %d", e->name, e->type);
    rc = ub_resolve_async(e->v->ctx, e->name, e->type, 1 /* IN */, e, on_answer, &e->async_id);
    if (rc) {
        e->res.dns.status = XP_DNS_ERROR;
        e->res.dns.error = xasprintf("libunbound: %s", ub_strerror(rc));
        finish(e);
        return;
    }
    e->ub_pending = 1;
}

static void
fail_setup(struct entry *e)
{
    e->res.dns.status = XP_DNS_ERROR;
    e->res.dns.error = xstrdup(e->v->failed);
    e->res.sec = XP_SEC_INDETERMINATE;
    e->res.setup_failed = 1;
    finish(e);
}

/* The context (or why there is none) is here: send or fail what waited,
 * in the order it was asked. */
static void
ready(struct xp_dnssec *v, struct ub_ctx *ctx, const char *err)
{
    struct entry *e, **order;
    size_t n = 0, i;

    xp_trace("dnssec ready%s%s", ctx ? "" : ": ", ctx ? "" : err);
    if (ctx) {
        v->ctx = ctx;
        v->fd = ub_fd(ctx);
        xp_loop_watch(v->loop, v->fd, XP_IN, on_fd, v);
    } else {
        v->failed = xstrdup(err);
    }
    order = xcalloc(v->nentries + 1, sizeof(*order));
    for (e = v->entries; e; e = e->next)
        if (e->queued)
            order[n++] = e;
    for (i = n; i-- > 0;) {
        order[i]->queued = 0;
        if (v->ctx)
            ask(order[i]);
        else
            fail_setup(order[i]);
    }
    free(order);
}

/* Wait for the builder (it is done, or about to be: it does no network
 * I/O) and take what it built (NULL when the loop took the work over);
 * its error into err. */
static struct ub_ctx *
build_end(struct build *b, char *err, size_t errlen)
{
    struct ub_ctx *ctx;

    pthread_join(b->thread, NULL);
    close(b->wake);
    ctx = b->ctx;
    snprintf(err, errlen, "%s", b->err);
    free(b->servers);
    free(b->anchor);
    free(b);
    return ctx;
}

static struct ub_ctx *
build_join(struct xp_dnssec *v, char *err, size_t errlen)
{
    struct build *b = v->build;

    xp_loop_unwatch(v->loop, b->wake);
    v->build = NULL;
    return build_end(b, err, errlen);
}

static void
on_built(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct xp_dnssec *v = arg;
    char err[512];
    struct ub_ctx *ctx;

    (void)loop;
    (void)fd;
    (void)revents;
    ctx = build_join(v, err, sizeof(err));
    ready(v, ctx, err);
}

/*
 * The builder thread: building a context costs about 1-2 ms of CPU (two
 * seedings of libunbound's random generator -- Debian builds it with
 * nettle's Yarrow, whose seeding is slow -- the configuration, the
 * worker's setup) that would otherwise hold up every other check's DNS,
 * SMTP and HTTP on the loop. The thread does that alone and ends; the
 * loop keeps the one context. It blocks every signal, so Ctrl-C still
 * reaches the loop (and libunbound's worker, which it starts, inherits
 * that mask).
 */
static int
build_start(struct xp_dnssec *v, const char *servers, const char *anchor)
{
    struct build *b = xcalloc(1, sizeof(*b));
    sigset_t all, old;
    int rc;

    b->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (b->wake < 0) {
        free(b);
        return -1;
    }
    atomic_init(&b->claimed, 0);
    b->servers = servers ? xstrdup(servers) : NULL;
    b->anchor = xstrdup(anchor);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&b->thread, NULL, builder, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(b->wake);
        free(b->servers);
        free(b->anchor);
        free(b);
        return -1;
    }
    v->build = b;
    xp_loop_watch(v->loop, b->wake, XP_IN, on_built, v);
    return 0;
}

/*
 * A question is asked and the builder has not even started: on a loaded
 * machine a new thread may wait many milliseconds for a core while the
 * loop's thread is running anyway. Then the loop builds the context itself
 * (as fast as it can be had) and the builder, when it runs, finds the work
 * claimed and ends; it is joined with the validator.
 */
static void
take_over(struct xp_dnssec *v)
{
    struct build *b = v->build;
    char err[512];
    struct ub_ctx *ctx;

    if (atomic_exchange(&b->claimed, 1))
        return;                 /* the builder is at it: its eventfd will say */
    xp_loop_unwatch(v->loop, b->wake);
    xp_trace("dnssec build on the loop (the builder had not started)");
    ctx = build_ctx(b->servers, b->anchor, err, sizeof(err));
    ready(v, ctx, err);
}

struct xp_dnssec *
xp_dnssec_new(struct xp_loop *loop, const char *servers, const char *anchor_file,
              const struct xp_params *params)
{
    struct xp_dnssec *v = xcalloc(1, sizeof(*v));
    const char *anchor = anchor_file ? anchor_file : XP_DNSSEC_DEFAULT_ANCHOR;

    v->loop = loop;
    v->timeout_ms = params->timeout_ms;
    v->max_answers = params->dns_answers;
    v->fd = -1;
    xp_trace("dnssec build");
    if (build_start(v, servers, anchor) < 0) {  /* no thread: build it here */
        char err[512];
        struct ub_ctx *ctx = build_ctx(servers, anchor, err, sizeof(err));

        ready(v, ctx, err);
    }
    return v;
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

/* Everything of v but libunbound's context, which it returns (NULL: none),
 * and a builder that found its work taken over (*idle, to be joined).
 * Once the descriptor is unwatched no callback can run (they run from
 * ub_process, on the loop), and deleting the context calls none: the
 * entries may go first. */
static struct ub_ctx *
detach(struct xp_dnssec *v, struct build **idle)
{
    struct entry *e, *next;
    struct ub_ctx *ctx;

    *idle = NULL;
    if (v->build && v->ctx) {   /* taken over: the builder has nothing to give */
        xp_loop_unwatch(v->loop, v->build->wake);
        *idle = v->build;       /* whoever deletes the context joins it */
    } else if (v->build) {      /* still building: wait for it (no network: short) */
        char err[512];

        v->ctx = build_join(v, err, sizeof(err));
    }
    if (v->fd >= 0)
        xp_loop_unwatch(v->loop, v->fd);
    if (v->kick)
        xp_loop_timer_cancel(v->loop, v->kick);
    for (e = v->entries; e; e = next) {
        next = e->next;
        if (e->timer)
            xp_loop_timer_cancel(v->loop, e->timer);
        entry_free(e);
    }
    ctx = v->ctx;
    free(v->failed);
    free(v);
    return ctx;
}

void
xp_dnssec_free(struct xp_dnssec *v)
{
    struct ub_ctx *ctx;
    struct build *idle;
    char err[512];

    if (!v)
        return;
    ctx = detach(v, &idle);
    if (ctx)
        ub_ctx_delete(ctx);     /* ends libunbound's thread */
    if (idle)
        build_end(idle, err, sizeof(err));
}

struct xp_dnssec_reaper {
    pthread_t thread;
    struct ub_ctx *ctx;
    struct build *idle;         /* a builder the loop did not wait for, or NULL */
};

static void *
reaper(void *arg)
{
    struct xp_dnssec_reaper *r = arg;
    char err[512];

    ub_ctx_delete(r->ctx);
    if (r->idle)                /* it may not even have run yet: wait here, not on the loop */
        build_end(r->idle, err, sizeof(err));
    return NULL;
}

/*
 * Deleting the context stops libunbound's resolver thread (a message on
 * its pipe, its answer, a join) and frees its caches: 0.3-0.5 ms that a
 * run no longer asking questions need not wait for at its end. A thread
 * of its own does it; it touches nothing but the context.
 */
struct xp_dnssec_reaper *
xp_dnssec_retire(struct xp_dnssec *v)
{
    struct xp_dnssec_reaper *r;
    struct ub_ctx *ctx;
    struct build *idle;
    sigset_t all, old;
    char err[512];
    int rc;

    if (!v)
        return NULL;
    if (!(ctx = detach(v, &idle))) {
        if (idle)
            build_end(idle, err, sizeof(err));
        return NULL;
    }
    xp_trace("dnssec retire");
    r = xcalloc(1, sizeof(*r));
    r->ctx = ctx;
    r->idle = idle;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&r->thread, NULL, reaper, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {              /* no thread: delete it here */
        reaper(r);
        free(r);
        return NULL;
    }
    return r;
}

void
xp_dnssec_reaped(struct xp_dnssec_reaper *r)
{
    if (!r)
        return;
    pthread_join(r->thread, NULL);
    free(r);
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
    if (!v->ctx && !v->failed && v->build)
        take_over(v);
    if (v->failed) {
        fail_setup(e);
        return;
    }
    /* Bounded from now, the wait for the context included. */
    e->timer = xp_loop_timer(v->loop, v->timeout_ms, on_timeout, e);
    if (v->ctx)
        ask(e);
    else
        e->queued = 1;
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
    d->setup_failed = r->setup_failed;
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
