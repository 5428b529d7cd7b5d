/*
 * engine.c — runs the checks of every target on the one loop: starts a
 * check once the checks it waits for are done, counts each check's work
 * in flight, drops answers meant for a cancelled or restarted check,
 * enforces the per-target deadline (--max-time), and emits the run,
 * target and check events.
 *
 * Premises first (SPEC): before any check of a target runs, the engine
 * asks every resolver once (one --timeout at most) whether it answers, and
 * drops those that never do (RESOLVER_PARTIAL) so no check waits on them
 * again; when none answers, or the target's domain does not exist, the
 * target gets that one finding (RESOLVER_UNREACHABLE, DOMAIN_NOT_FOUND) in
 * its first check and every other check is skipped with that reason. --parallel targets run at once (xp_params for the defaults) so a
 * long --domains-file does not open thousands of sockets.
 */
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_dnssec.h"
#include "xp_dest.h"
#include "xp_http_conns.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_http_share.h"
#include "xp_loop.h"
#include "xp_options.h"
#include "xp_target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


/* One piece of work in flight for a check; freed when it completes or at
 * engine free (a dropped DNS callback never runs). */
struct op {
    struct xp_engine *engine;
    struct xp_check *check;
    unsigned generation;
    union {                     /* the one matching the helper that made op;
                                 * ISO C has no void * for function pointers */
        xp_check_dns_cb dns;
        xp_check_tcp_cb tcp;
        xp_check_tls_cb tls;
        xp_check_http_cb http;
        xp_check_dnssec_cb dnssec;
    } cb;
    void *arg;
    struct op *prev, *next;
    struct pinned *pinned;      /* an answer made here (-4/-6, --connect-to), or NULL */
    /* TCP and HTTP: the destination slot held (xp_dest.h), what to retry */
    struct xp_dest *dest;
    char ip[256];               /* TCP, HTTP: the address (or host) and port */
    int port;
    size_t order;               /* its target's place in the input: the oldest goes first */
    int retried;
    int fd_in;                  /* TLS: the socket handed over */
    struct xp_http_req *req;    /* HTTP: a copy, while waiting for a slot */
    struct xp_dest *lane;       /* HTTP: the slot held on its host name (http_lanes) */
    struct xp_http_shared *shared;  /* HTTP: others wait for this request's answer */
    struct xp_http_resp *stored;    /* HTTP: a stored answer, delivered from the loop */
    int prefetch;               /* HTTP: for the shared answers only
                                 * (xp_check_http_prefetch): no callback, not
                                 * counted in its check's work in flight */
};

/* An A/AAAA answer the command line decides, delivered like a real one. */
struct pinned {
    struct xp_dns_result res;
    struct xp_dns_rr rr;
};

/* One resolver asked alone whether it answers (the resolver premise). */
struct probe {
    struct xp_engine *engine;
    struct xp_dns *dns;           /* a channel to this resolver only */
    char *server;
    struct xp_dns_result *res;    /* its answer */
};

enum premise { PREMISE_UNASKED, PREMISE_ASKING, PREMISE_KNOWN };

struct xp_engine {
    const struct xp_options *opts;
    struct xp_loop *loop;
    struct xp_dns *dns;
    struct xp_dnssec *sec;       /* made with the run when a check asks it (.dnssec) */
    struct xp_dnssec_reaper *reaper; /* deleting a retired validator's context */
    int retire_deferred;          /* dnssec_retire_cb is due on the loop */
    struct xp_run *run;
    size_t next_target;
    size_t active;
    size_t parallel;              /* targets at once (--parallel) */
    size_t first_open;            /* every target before it has ended */
    int release;                  /* free a target's results once reported */
    size_t nselected;             /* checks per target (-c) */
    struct xp_check gone;         /* stands in for a released target's checks in
                                   * answers still in flight: done, so dropped */
    int done;
    struct op *ops;
    struct xp_dests *dests;       /* connections at once per IP address + port */
    struct xp_dests *lanes;       /* HTTP requests at once per host name + address */
    struct xp_http_share *share;  /* HTTP answers shared across targets */
    /* the resolver premise, established once per run */
    enum premise premise;
    struct probe *probes;
    size_t nprobes, probes_pending;
    int resolver_dead;            /* no resolver answered */
    char **silent;                /* resolvers that did not answer (RESOLVER_PARTIAL) */
    size_t nsilent;
    X509_STORE *store;            /* trust anchors for xp_check_cert_verdict, on first use */
    struct run_state *run_states; /* xp_check_run_state, one per kind of check */
};

/* One kind of check's state for the whole run. */
struct run_state {
    const struct xp_check_ops *ops;
    void *state;
    void (*free_fn)(void *);
    struct run_state *next;
};

static void target_maybe_end(struct xp_engine *e, struct xp_target *t);
static int deps_done(struct xp_target *t, struct xp_check *c);
static void schedule_checks(struct xp_engine *e, struct xp_target *t);
static void check_finish(struct xp_check *c);
static int probe_answered(const struct xp_dns_result *res);

static struct xp_engine *
engine_of(const struct xp_check *c)
{
    return c->target->run->engine;
}

const struct xp_options *
xp_check_options(const struct xp_check *c)
{
    return engine_of(c)->opts;
}

void *
xp_check_run_state(const struct xp_check *c)
{
    const struct run_state *r;

    for (r = engine_of(c)->run_states; r; r = r->next)
        if (r->ops == c->ops)
            return r->state;
    return NULL;
}

void
xp_check_set_run_state(struct xp_check *c, void *state, void (*free_fn)(void *))
{
    struct xp_engine *e = engine_of(c);
    struct run_state *r = xcalloc(1, sizeof(*r));

    r->ops = c->ops;
    r->state = state;
    r->free_fn = free_fn;
    r->next = e->run_states;
    e->run_states = r;
}

static void
run_states_free(struct run_state *r)
{
    while (r) {
        struct run_state *next = r->next;

        if (r->free_fn)
            r->free_fn(r->state);
        free(r);
        r = next;
    }
}

const struct xp_params *
xp_check_params(const struct xp_check *c)
{
    return &engine_of(c)->opts->params;
}

const struct xp_expect *
xp_check_expect(const struct xp_check *c)
{
    return engine_of(c)->opts->expect;
}

struct xp_loop *
xp_check_loop(const struct xp_check *c)
{
    return engine_of(c)->loop;
}

/* ---- work in flight ---- */

/* Work for c that c does not wait for (xp_check_http_prefetch). */
static struct op *
op_new_unheld(struct xp_check *c, void *arg)
{
    struct xp_engine *e = engine_of(c);
    struct op *op = xcalloc(1, sizeof(*op));

    op->engine = e;
    op->check = c;
    op->generation = c->generation;
    op->order = c->target->index;
    op->arg = arg;
    op->next = e->ops;
    if (e->ops)
        e->ops->prev = op;
    e->ops = op;
    return op;
}

static struct op *
op_new(struct xp_check *c, void *arg)
{
    struct op *op = op_new_unheld(c, arg);

    c->pending++;
    return op;
}

/* Unlink op; returns 1 if its check still wants the answer. */
static int
op_end(struct op *op)
{
    struct xp_engine *e = op->engine;

    if (op->prev)
        op->prev->next = op->next;
    else
        e->ops = op->next;
    if (op->next)
        op->next->prev = op->prev;
    return op->generation == op->check->generation && !op->check->done;
}

static void
pinned_free(struct pinned *p)
{
    if (!p)
        return;
    free(p->res.qname);
    free(p->res.error);
    free(p->rr.owner);
    free(p);
}

static void
on_dns(void *arg, const struct xp_dns_result *res)
{
    struct op *op = arg;
    struct xp_check *c = op->check;
    xp_check_dns_cb cb = op->cb.dns;
    void *cbarg = op->arg;
    struct pinned *pinned = op->pinned;
    int live = op_end(op);

    free(op);
    if (live) {
        xp_trace("dns answer %s %s %s %d %s", c->target->domain, c->ops->id, res->qname,
                 res->qtype, xp_dns_status_name(res->status));
        cb(c, cbarg, res);
        xp_check_release(c);
    }
    pinned_free(pinned);
}

static void
on_pinned(void *arg)
{
    struct op *op = arg;

    on_dns(op, &op->pinned->res);
}

/*
 * -4 / -6 and --connect-to HOST:PORT:ADDR decide some address answers: the
 * family not wanted is "not asked", and a pinned host answers with its
 * address (SNI, Host and the name checks still use HOST). NULL: ask DNS.
 */
static struct pinned *
pinned_answer(const struct xp_options *o, const char *name, int type)
{
    struct pinned *p;
    const char *addr = NULL;
    size_t i;

    if (type != XP_DNS_A && type != XP_DNS_AAAA)
        return NULL;
    for (i = 0; i < o->nconnect_to; i++)
        if (strcasecmp(o->connect_to[i].host, name) == 0)
            addr = o->connect_to[i].addr;
    if (!addr && !(o->family == 4 && type == XP_DNS_AAAA) &&
        !(o->family == 6 && type == XP_DNS_A))
        return NULL;
    p = xcalloc(1, sizeof(*p));
    p->res.qname = xstrdup(name);
    p->res.qtype = type;
    p->res.server = "--connect-to / -4 / -6";
    if (addr && (strchr(addr, ':') != NULL) == (type == XP_DNS_AAAA) &&
        !(o->family == 4 && type == XP_DNS_AAAA) && !(o->family == 6 && type == XP_DNS_A)) {
        p->res.status = XP_DNS_OK;
        p->rr.owner = xstrdup(name);
        p->rr.type = type;
        snprintf(p->rr.addr, sizeof(p->rr.addr), "%s", addr);
        p->res.rr = &p->rr;
        p->res.nrr = 1;
        return p;
    }
    p->res.status = XP_DNS_NODATA;
    p->res.error = xstrdup(addr ? "not asked: --connect-to pins this name to an address of "
                                  "the other family"
                                : o->family == 4 ? "not asked: -4 (IPv4 only)"
                                                 : "not asked: -6 (IPv6 only)");
    return p;
}

const char *
xp_check_answer_word(const struct xp_dns_result *res)
{
    if (res->status == XP_DNS_NODATA && res->error && strstr(res->error, "-4 (IPv4"))
        return "not asked (-4)";
    if (res->status == XP_DNS_NODATA && res->error && strstr(res->error, "-6 (IPv6"))
        return "not asked (-6)";
    return xp_dns_status_name(res->status);
}

void
xp_check_dns(struct xp_check *c, const char *name, int type, xp_check_dns_cb cb, void *arg)
{
    struct op *op = op_new(c, arg);

    op->cb.dns = cb;
    xp_trace("dns ask %s %s %s %d", c->target->domain, c->ops->id, name, type);
    op->pinned = pinned_answer(engine_of(c)->opts, name, type);
    if (op->pinned) {
        xp_loop_defer(engine_of(c)->loop, on_pinned, op);   /* never call back from inside */
        return;
    }
    xp_dns_query(engine_of(c)->dns, name, type, on_dns, op);
}

static void
on_dnssec(void *arg, const struct xp_dnssec_result *res)
{
    struct op *op = arg;
    struct xp_check *c = op->check;
    xp_check_dnssec_cb cb = op->cb.dnssec;
    void *cbarg = op->arg;
    int live = op_end(op);

    free(op);
    if (!live)
        return;
    xp_trace("dnssec answer %s %s", c->target->domain, c->ops->id);
    cb(c, cbarg, res);
    xp_check_release(c);
}

static void
dnssec_begin(struct xp_engine *e)
{
    if (!e->sec)
        e->sec = xp_dnssec_new(e->loop, e->opts->dns_servers, e->opts->trust_anchor,
                               &e->opts->params);
}

void
xp_check_dnssec(struct xp_check *c, const char *name, int type, xp_check_dnssec_cb cb,
                void *arg)
{
    struct xp_engine *e = engine_of(c);
    struct op *op = op_new(c, arg);

    dnssec_begin(e);
    op->cb.dnssec = cb;
    xp_trace("dnssec ask %s %s %s %d", c->target->domain, c->ops->id, name, type);
    xp_dnssec_query(e->sec, name, type, on_dnssec, op);
}

static int
op_live(const struct op *op)
{
    return op->generation == op->check->generation && !op->check->done;
}

/* Refused or reset while other connections to the same place are open or
 * waiting: maybe the server's own limit, not a verdict. Retried once after
 * a short back-off (xp_params.retry_backoff_ms). */
static int
refused_under_load(const struct op *op, int err)
{
    return !op->retried && (err == ECONNREFUSED || err == ECONNRESET) &&
           op->dest && xp_dest_busy(op->dest);
}

static void tcp_go(void *arg, struct xp_dest *d);

static void
tcp_retry(void *arg)
{
    struct op *op = arg;

    xp_dest_acquire_ordered(op->engine->dests, op->ip, op->port, op->order, tcp_go, op);
}

static void
on_tcp(void *arg, const struct xp_tcp_result *res)
{
    struct op *op = arg;
    struct xp_engine *e = op->engine;
    struct xp_check *c = op->check;
    xp_check_tcp_cb cb = op->cb.tcp;
    void *cbarg = op->arg;
    int live;

    if (res->fd < 0 && op_live(op) && refused_under_load(op, res->err)) {
        op->retried = 1;
        xp_dest_release(e->dests, op->dest);
        xp_loop_timer(e->loop, e->opts->params.retry_backoff_ms, tcp_retry, op);
        return;
    }
    if (res->fd >= 0)
        xp_dest_own_fd(e->dests, res->fd, op->dest);
    else
        xp_dest_release(e->dests, op->dest);
    live = op_end(op);
    free(op);
    if (!live) {
        xp_dest_close_fd(e->dests, res->fd);
        return;
    }
    cb(c, cbarg, res);
    xp_check_release(c);
}

/* The slot is ours: connect, unless the check no longer wants it. */
static void
tcp_go(void *arg, struct xp_dest *d)
{
    struct op *op = arg;
    struct xp_engine *e = op->engine;

    op->dest = d;
    if (!op_live(op)) {
        xp_dest_release(e->dests, d);
        op_end(op);
        free(op);
        return;
    }
    xp_tcp_connect(e->loop, op->ip, op->port, e->opts->params.timeout_ms, on_tcp, op);
}

void
xp_check_tcp(struct xp_check *c, const char *ip, int port, xp_check_tcp_cb cb, void *arg)
{
    struct op *op = op_new(c, arg);

    op->cb.tcp = cb;
    snprintf(op->ip, sizeof(op->ip), "%s", ip);
    op->port = port;
    xp_dest_acquire_ordered(engine_of(c)->dests, op->ip, port, op->order, tcp_go, op);
}

void
xp_check_close(struct xp_check *c, SSL *ssl, int fd)
{
    SSL_free(ssl);
    xp_dest_close_fd(engine_of(c)->dests, fd);
}

static void
on_tls(void *arg, const struct xp_tls_info *info, SSL *ssl, int fd)
{
    struct op *op = arg;
    struct xp_engine *e = op->engine;
    struct xp_check *c = op->check;
    xp_check_tls_cb cb = op->cb.tls;
    void *cbarg = op->arg;
    int live = op_end(op);

    if (fd < 0)                 /* the handshake failed and closed the socket */
        xp_dest_forget_fd(e->dests, op->fd_in);
    free(op);
    if (!live) {
        SSL_free(ssl);
        xp_dest_close_fd(e->dests, fd);
        return;
    }
    cb(c, cbarg, info, ssl, fd);
    xp_check_release(c);
}

void
xp_check_tls(struct xp_check *c, int fd, const char *sni, int port, const char *ip,
             xp_check_tls_cb cb, void *arg)
{
    struct op *op = op_new(c, arg);

    op->cb.tls = cb;
    op->fd_in = fd;
    xp_tls_handshake(engine_of(c)->loop, fd, sni, port, ip, xp_check_params(c)->timeout_ms,
                     on_tls, op);
}

void
xp_check_tls_max(struct xp_check *c, int fd, const char *sni, int port, const char *ip,
                 int max_version, xp_check_tls_cb cb, void *arg)
{
    struct op *op = op_new(c, arg);

    op->cb.tls = cb;
    op->fd_in = fd;
    xp_tls_handshake_max(engine_of(c)->loop, fd, sni, port, ip,
                         xp_check_params(c)->timeout_ms, max_version, on_tls, op);
}

static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static struct xp_http_req *
req_copy(const struct xp_http_req *r)
{
    struct xp_http_req *q = xmalloc(sizeof(*q));

    *q = *r;
    q->url = dup_or_null(r->url);
    q->method = dup_or_null(r->method);
    q->body = dup_or_null(r->body);
    q->content_type = dup_or_null(r->content_type);
    q->soap_action = dup_or_null(r->soap_action);
    q->connect_ip = dup_or_null(r->connect_ip);
    q->user = dup_or_null(r->user);
    q->password = dup_or_null(r->password);
    q->ca_file = dup_or_null(r->ca_file);
    q->headers = NULL;
    if (r->headers) {
        /* The caller's header lines are often on its stack; the request may
         * start later (waiting for a slot at its destination). */
        size_t n = 0, i;
        char **h;

        while (r->headers[n])
            n++;
        h = xcalloc(n + 1, sizeof(*h));
        for (i = 0; i < n; i++)
            h[i] = xstrdup(r->headers[i]);
        q->headers = (const char *const *)h;
    }
    return q;
}

static void
req_free(struct xp_http_req *q)
{
    if (!q)
        return;
    free((char *)q->url);
    free((char *)q->method);
    free((char *)q->body);
    free((char *)q->content_type);
    free((char *)q->soap_action);
    free((char *)q->connect_ip);
    free((char *)q->user);
    if (q->password) {
        explicit_bzero((char *)q->password, strlen(q->password));
        free((char *)q->password);
    }
    free((char *)q->ca_file);
    if (q->headers) {
        size_t i;

        for (i = 0; q->headers[i]; i++)
            free((char *)q->headers[i]);
        free((void *)q->headers);
    }
    free(q);
}

/* Where a request connects: the pinned address (else the URL's host) and
 * the URL's port. */
static void
http_dest(const struct xp_http_req *r, char *ip, size_t iplen, int *port)
{
    char host[256];
    int https;

    xp_http_url_parts(r->url, host, sizeof(host), port, &https);
    snprintf(ip, iplen, "%s", r->connect_ip ? r->connect_ip : host);
}

static void http_go(void *arg, struct xp_dest *d);

static void
http_retry(void *arg)
{
    struct op *op = arg;

    xp_dest_acquire_ordered(op->engine->dests, op->ip, op->port, op->order, http_go, op);
}

/* Hand resp to op's check (unless it was cancelled meanwhile). */
static void
http_deliver(struct op *op, const struct xp_http_resp *resp)
{
    struct xp_check *c = op->check;
    xp_check_http_cb cb = op->cb.http;
    void *cbarg = op->arg;
    int live = op_end(op) && !op->prefetch;

    free(op);
    if (!live)
        return;
    cb(c, cbarg, resp);
    xp_check_release(c);
}

/* Another target's identical request answered (xp_http_share.h). */
static void
on_http_joined(void *arg, const struct xp_http_resp *resp)
{
    http_deliver(arg, resp);
}

static void
on_http_stored(void *arg)
{
    struct op *op = arg;
    struct xp_http_resp *r = op->stored;

    op->stored = NULL;
    http_deliver(op, r);
    xp_http_resp_free(r);
}

/* The request's slots go back: its address's, then its host name's. */
static void
http_release_slots(struct op *op)
{
    if (op->dest)
        xp_dest_release(op->engine->dests, op->dest);
    op->dest = NULL;
    if (op->lane)
        xp_dest_release(op->engine->lanes, op->lane);
    op->lane = NULL;
}

static void
on_http(void *arg, const struct xp_http_resp *resp)
{
    struct op *op = arg;
    struct xp_engine *e = op->engine;

    if (op_live(op))
        xp_trace("http done %s %s %s %s: %ld, %ld new conn, connect %lld tls %lld total %lld",
                 op->check->target->domain, op->check->ops->id, op->req->method,
                 op->req->url, resp->status, resp->new_connections,
                 (long long)resp->connect_ms, (long long)resp->tls_ms,
                 (long long)resp->total_ms);
    /* Retried for whoever still wants the answer: its check, or another
     * target waiting for this request (a prefetch's check may have ended). */
    if (!resp->completed && !resp->timed_out &&
        (op_live(op) || (op->shared && xp_http_shared_waited(op->shared))) &&
        refused_under_load(op, resp->refused ? ECONNREFUSED : 0)) {
        op->retried = 1;
        xp_dest_release(e->dests, op->dest);
        op->dest = NULL;
        xp_loop_timer(e->loop, e->opts->params.retry_backoff_ms, http_retry, op);
        return;
    }
    http_release_slots(op);
    req_free(op->req);
    op->req = NULL;
    if (op->shared)
        xp_http_share_done(e->share, op->shared, resp);
    http_deliver(op, resp);
}

/* Nobody wants the answer any more: drop the request before it is sent. A
 * prefetch is wanted while its check runs (it may yet confirm the host)
 * or while another request waits for its answer. */
static int
http_unwanted(const struct op *op)
{
    if (op->prefetch)
        return !op_live(op) && !xp_http_shared_waited(op->shared);
    return !op_live(op) && !op->shared;
}

static void
http_drop(struct op *op)
{
    if (op->shared)     /* a prefetch: the next identical request goes itself */
        xp_http_share_cancel(op->engine->share, op->shared);
    http_release_slots(op);
    req_free(op->req);
    op_end(op);
    free(op);
}

static void
http_go(void *arg, struct xp_dest *d)
{
    struct op *op = arg;
    struct xp_engine *e = op->engine;

    op->dest = d;
    if (http_unwanted(op)) {
        http_drop(op);
        return;
    }
    if (op_live(op))
        xp_trace("http send %s %s %s %s", op->check->target->domain, op->check->ops->id,
                 op->req->method, op->req->url);
    xp_http_start(e->loop, op->req, on_http, op);
}

static void
http_lane_go(void *arg, struct xp_dest *lane)
{
    struct op *op = arg;

    op->lane = lane;
    if (http_unwanted(op)) {
        http_drop(op);
        return;
    }
    xp_dest_acquire_ordered(op->engine->dests, op->ip, op->port, op->order, http_go, op);
}

/*
 * Requests to one host name (at one address) take turns on at most
 * params.http_lanes lanes, so the next one reuses a kept-alive connection
 * instead of opening (and handshaking) one more; a connection of its own
 * (fresh, an NTLM conversation) needs no lane.
 */
static void
http_queue(struct op *op)
{
    char host[256] = "", lane[sizeof(host) + sizeof(((struct op *)0)->ip) + 16];
    int port = 0, https = 0;

    if (op->req->conversation && op->req->conversation_step == 2) {
        /* It continues on the connection the first step opened, which
         * must not idle while waiting for a slot: the pool closes its
         * longest-idle connection when full (then NTLM looks broken). */
        xp_dest_acquire_now(op->engine->dests, op->ip, op->port, http_go, op);
        return;
    }
    if (op->req->fresh || op->req->conversation ||
        xp_http_url_parts(op->req->url, host, sizeof(host), &port, &https) < 0) {
        xp_dest_acquire_ordered(op->engine->dests, op->ip, op->port, op->order, http_go, op);
        return;
    }
    snprintf(lane, sizeof(lane), "%s%s@%s", https ? "https://" : "", host, op->ip);
    xp_dest_acquire_ordered(op->engine->lanes, lane, port, op->order, http_lane_go, op);
}

/* A copy of req with the run's defaults filled in. */
static struct xp_http_req *
http_req_copy(const struct xp_engine *e, const struct xp_http_req *req)
{
    struct xp_http_req *q = req_copy(req);

    if (!q->timeout_ms)
        q->timeout_ms = e->opts->params.timeout_ms;
    if (!q->max_body)
        q->max_body = e->opts->params.http_body_max;
    return q;
}

void
xp_check_http(struct xp_check *c, const struct xp_http_req *req, xp_check_http_cb cb, void *arg)
{
    struct xp_engine *e = engine_of(c);
    struct op *op = op_new(c, arg);
    struct xp_http_shared *sh;
    char *key;

    op->cb.http = cb;
    xp_trace("http ask %s %s %s %s", c->target->domain, c->ops->id, req->method, req->url);
    op->req = http_req_copy(e, req);
    http_dest(req, op->ip, sizeof(op->ip), &op->port);
    key = xp_http_share_key(op->req);
    if (key && (sh = xp_http_share_find(e->share, key))) {
        req_free(op->req);
        op->req = NULL;
        if (xp_http_shared_resp(sh)) {
            op->stored = xp_http_resp_dup(xp_http_shared_resp(sh));
            xp_loop_defer(e->loop, on_http_stored, op);   /* never call back from inside */
        } else {
            xp_http_share_wait(sh, on_http_joined, op);
        }
        free(key);
        return;
    }
    if (key)
        op->shared = xp_http_share_begin(e->share, key);
    free(key);
    http_queue(op);
}

void
xp_check_http_prefetch(struct xp_check *c, const struct xp_http_req *req)
{
    struct xp_engine *e = engine_of(c);
    struct xp_http_req *q = http_req_copy(e, req);
    char *key = xp_http_share_key(q);
    struct op *op;

    if (!key || xp_http_share_find(e->share, key)) {   /* not shareable, or asked already */
        free(key);
        req_free(q);
        return;
    }
    xp_trace("http prefetch %s %s %s %s", c->target->domain, c->ops->id, req->method,
             req->url);
    op = op_new_unheld(c, NULL);
    op->prefetch = 1;
    op->req = q;
    http_dest(req, op->ip, sizeof(op->ip), &op->port);
    op->shared = xp_http_share_begin(e->share, key);
    free(key);
    http_queue(op);
}

void
xp_check_cert_verdict(struct xp_check *c, const struct xp_tls_info *info, int exchange,
                      int no_protocol, struct xp_cert_verdict *v)
{
    struct xp_engine *e = engine_of(c);
    struct xp_cert_opts co = {
        .msstd = e->opts->expect->msstd, .warn_days = e->opts->expiry_warn_days,
        .now = time(NULL), .no_protocol = no_protocol,
    };

    co.store = xp_check_cert_store(c);
    xp_cert_verdict(info, exchange, &co, v);
}

X509_STORE *
xp_check_cert_store(struct xp_check *c)
{
    struct xp_engine *e = engine_of(c);
    char err[256];

    if (!e->store && !(e->store = xp_cert_store_new(e->opts->ca_file, err, sizeof(err))))
        xp_fatal("%s", err);   /* --ca-file was validated at start-up */
    return e->store;
}

struct xp_facts *
xp_check_facts(const struct xp_check *c)
{
    return c->target->facts;
}


/* Does c wait for the check with this id (its `after`)? */
static int
reads(const struct xp_check *c, const char *id)
{
    const char *const *a;

    for (a = c->ops->after; a && *a; a++)
        if (strcmp(*a, id) == 0)
            return 1;
    return 0;
}

void
xp_check_facts_grew(struct xp_check *from)
{
    struct xp_target *t = from->target;
    size_t i;

    for (i = 0; i < t->nchecks; i++) {
        struct xp_check *c = t->checks[i];

        if (c == from || !c->started || c->done || !c->ops->facts_grew ||
            !reads(c, from->ops->id))
            continue;
        xp_check_hold(c);      /* it cannot finish inside its own hook */
        c->ops->facts_grew(c);
        xp_check_release(c);
    }
}

int
xp_check_done(const struct xp_check *c, const char *id)
{
    const struct xp_check *d = xp_target_check(c->target, id);

    return !d || d->done;
}

int
xp_check_in_run(const struct xp_check *c, const char *id)
{
    return xp_target_check(c->target, id) != NULL;
}

void
xp_check_skip(struct xp_check *c, const char *reason)
{
    free(c->skip_reason);
    c->skip_reason = xstrdup(reason);
}

void
xp_check_hold(struct xp_check *c)
{
    c->pending++;
}

/* No check will ask the validator again: every target has started and no
 * open one has a .dnssec check left to finish. Open targets are at most
 * --parallel plus the report's order window, and until the last target
 * has started this returns at once: the scan stays short. */
static int
dnssec_done(const struct xp_engine *e)
{
    size_t i, j;

    if (e->next_target < e->run->ntargets)
        return 0;
    for (i = e->first_open; i < e->next_target; i++) {
        const struct xp_target *t = e->run->targets[i];

        for (j = 0; !t->done && j < t->nchecks; j++)
            if (t->checks[j]->ops->dnssec && !t->checks[j]->done)
                return 0;
    }
    return 1;
}

/* From the loop, never inside the validator's own delivery (it frees it). */
static void
dnssec_retire_cb(void *arg)
{
    struct xp_engine *e = arg;

    e->retire_deferred = 0;
    if (!e->sec || !dnssec_done(e))     /* a rerun asks again */
        return;
    xp_dnssec_reaped(e->reaper);        /* an earlier one's (a rerun's): long done */
    e->reaper = xp_dnssec_retire(e->sec);
    e->sec = NULL;
}

/* The last question has been answered: the validator's teardown (0.3-0.5
 * ms) overlaps what the run still judges instead of following it. A rerun
 * (the session) builds a new one. */
static void
dnssec_maybe_retire(struct xp_engine *e)
{
    if (e->sec && !e->retire_deferred && dnssec_done(e)) {
        e->retire_deferred = 1;
        xp_loop_defer(e->loop, dnssec_retire_cb, e);
    }
}

static void
check_finish(struct xp_check *c)
{
    struct xp_engine *e = engine_of(c);

    xp_trace("check judge %s %s", c->target->domain, c->ops->id);
    if (c->ops->judge)
        c->ops->judge(c);
    c->done = 1;
    if (c->ops->dnssec)
        dnssec_maybe_retire(e);
    c->t1_us = xp_now_us();
    c->status = c->skip_reason ? XP_ST_SKIP : xp_check_rollup(c);
    xp_emit(c->target->run, XP_EV_CHECK_END, c->target, c, NULL, NULL);
    xp_check_facts_grew(c);    /* its facts are all in */
    schedule_checks(e, c->target);
    target_maybe_end(e, c->target);
}

/* A check whose work is done judges once the checks it reads are done
 * (judge_after: it started before them); else schedule_checks finishes it
 * when the last of them ends. */
void
xp_check_release(struct xp_check *c)
{
    if (--c->pending == 0 && !c->done && deps_done(c->target, c))
        check_finish(c);
}

/* ---- a name's addresses: A and AAAA at once ---- */

static void
on_addr_answer(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct xp_addr_q *q = arg;
    struct xp_addr_lookup *l = q->l;

    xp_dns_result_free(q->res);
    q->res = xp_dns_result_dup(res);
    if (--l->pending > 0)
        return;
    /* Both answered: their steps in a fixed order, whichever came first. */
    xp_check_dns_step(c, l->parent, l->a.res);
    xp_check_dns_step(c, l->parent, l->aaaa.res);
    l->cb(c, l);
}

void
xp_check_addrs(struct xp_check *c, struct xp_addr_lookup *l, struct xp_step *parent,
               const char *name, xp_check_addrs_cb cb, void *arg)
{
    xp_check_addrs_clear(l);
    l->a.l = l->aaaa.l = l;
    l->parent = parent;
    l->cb = cb;
    l->arg = arg;
    l->pending = 2;
    xp_check_dns(c, name, XP_DNS_A, on_addr_answer, &l->a);
    xp_check_dns(c, name, XP_DNS_AAAA, on_addr_answer, &l->aaaa);
}

void
xp_check_addrs_clear(struct xp_addr_lookup *l)
{
    xp_dns_result_free(l->a.res);
    xp_dns_result_free(l->aaaa.res);
    l->a.res = l->aaaa.res = NULL;
    l->pending = 0;
}

static const char *
first_of_type(const struct xp_dns_result *res, int type)
{
    size_t i;

    for (i = 0; res && i < res->nrr; i++)
        if (res->rr[i].type == type)
            return res->rr[i].addr;
    return NULL;
}

const char *
xp_addrs_pick(const struct xp_addr_lookup *l)
{
    const char *ip = first_of_type(l->a.res, XP_DNS_A);

    return ip ? ip : first_of_type(l->aaaa.res, XP_DNS_AAAA);
}

/* ---- the DNS slot of record checks ---- */

void
xp_dns_slot_keep(struct xp_check *c, struct xp_dns_slot *s, const struct xp_dns_result *res)
{
    xp_dns_result_free(s->res);
    s->res = xp_dns_result_dup(res);
    if (s->step)
        xp_check_dns_step(c, s->step, res);
    if (s->also)
        xp_check_dns_step(c, s->also, res);
}

static void
on_slot_answer(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct xp_dns_slot *s = arg;

    xp_dns_slot_keep(c, s, res);
    if (s->then)
        s->then(c, s);
}

void
xp_dns_slot_ask(struct xp_check *c, struct xp_dns_slot *s, struct xp_step *step,
                const char *name, int type)
{
    s->step = step;
    xp_check_dns(c, name, type, on_slot_answer, s);
}

int
xp_dns_slot_failed(const struct xp_dns_slot *s)
{
    return !s->res || s->res->status >= XP_DNS_SERVFAIL;
}

void
xp_dns_slot_clear(struct xp_dns_slot *s)
{
    xp_dns_result_free(s->res);
    s->res = NULL;
}

/* ---- DNS evidence shared by every check ---- */

/* The answer, one record a line, each RRset sorted (xp_dns_lines). */
static void
note_answers(struct xp_step *s, const struct xp_dns_result *res)
{
    size_t i, n;
    char **lines = xp_dns_lines(res, &n);

    for (i = 0; i < n; i++)
        xp_step_note(s, "%s", lines[i]);
    xp_strv_free(lines, n);
}

struct xp_step *
xp_check_dns_step(struct xp_check *c, struct xp_step *parent, const struct xp_dns_result *res)
{
    struct xp_step *s = xp_step_begin(c, parent, "%s %s", xp_dns_type_name(res->qtype),
                                      res->qname);
    enum xp_status st = XP_ST_PASS;

    note_answers(s, res);
    switch (res->status) {
    case XP_DNS_OK:
        break;
    case XP_DNS_NODATA:
        if (res->error)   /* decided by the command line (-4, -6, --connect-to) */
            xp_step_note(s, "%s", res->error);
        else
            xp_step_note(s, "no %s record (the name exists)", xp_dns_type_name(res->qtype));
        st = XP_ST_INFO;
        break;
    case XP_DNS_NXDOMAIN:
        xp_step_note(s, "NXDOMAIN: the name does not exist");
        st = XP_ST_INFO;
        break;
    default:
        /* No answer (SERVFAIL, timeout, refused): nothing was learnt about
         * the name, so the step reached no verdict (SPEC: unknown); the
         * check's finding, if it has one, says what that means for it. */
        xp_step_note(s, "%s: %s", xp_dns_status_name(res->status),
                     res->error ? res->error : "");
        st = XP_ST_UNKNOWN;
        break;
    }
    xp_step_end(s, st, NULL);
    s->t0_us = s->t1_us - res->ms * 1000;  /* the question's own time, even if memoised */
    return s;
}

struct xp_finding *
xp_check_dns_failure(struct xp_check *c, const struct xp_step *step, enum xp_code code,
                     const struct xp_dns_result *res)
{
    struct xp_finding *f = xp_finding_new(
        c, step, code, "%s %s: %s (%s)", xp_dns_type_name(res->qtype), res->qname,
        res->status == XP_DNS_TIMEOUT ? "DNS query timed out" : "DNS query failed",
        res->error ? res->error : xp_dns_status_name(res->status));

    xp_ev_dns(f, "answer", res);
    return f;
}

void
xp_ev_dns(struct xp_finding *f, const char *key, const struct xp_dns_result *res)
{
    size_t n;
    char **lines = xp_dns_lines(res, &n);
    char *label = xasprintf("%s %s", xp_dns_type_name(res->qtype), res->qname);

    xp_ev_str(f, "query", label);
    xp_ev_str(f, "dns_status", xp_dns_status_name(res->status));
    if (res->status >= XP_DNS_SERVFAIL) {
        xp_ev_str(f, "resolver", res->server);
        xp_ev_int(f, "elapsed_ms", res->ms);
    }
    xp_ev_list(f, key, lines, n);
    free(label);
    xp_strv_free(lines, n);
}

/* ---- checks ---- */

static int
ids_done(struct xp_target *t, const char *const *ids)
{
    const char *const *id;

    for (id = ids; id && *id; id++) {
        struct xp_check *d = xp_target_check(t, *id);

        if (d && !d->done)
            return 0;
    }
    return 1;
}

/* Every check c reads is done: it may judge. */
static int
deps_done(struct xp_target *t, struct xp_check *c)
{
    return ids_done(t, c->ops->after);
}

/* c may start: at once (judge_after), once those its start needs are
 * done (start_after), else once all it reads are. */
static int
start_ready(struct xp_target *t, struct xp_check *c)
{
    if (c->ops->judge_after)
        return 1;
    return ids_done(t, c->ops->start_after ? c->ops->start_after : c->ops->after);
}

/* RESOLVER_PARTIAL, once per target, in the first check that starts. */
static void
note_partial_resolvers(struct xp_check *c)
{
    struct xp_engine *e = engine_of(c);
    struct xp_finding *f;
    size_t i;

    if (!e->nsilent || c->target->premise_noted)
        return;
    c->target->premise_noted = 1;
    f = xp_finding_new(c, NULL, XP_RESOLVER_PARTIAL,
                       "%zu of %zu resolvers never answered and were not asked again: %s%s",
                       e->nsilent, e->nprobes, e->silent[0], e->nsilent > 1 ? ", ..." : "");
    xp_ev_list(f, "silent", e->silent, e->nsilent);
    for (i = 0; i < e->nprobes; i++)
        if (e->probes[i].res && probe_answered(e->probes[i].res))
            xp_ev_str(f, "used", e->probes[i].server);
    xp_finding_add(f);
}

static void
check_start(struct xp_check *c)
{
    c->started = 1;
    c->done = 0;
    c->pending = 1;   /* held across start() so it cannot finish midway */
    c->status = XP_ST_RUNNING;
    c->t0_us = xp_now_us();
    c->t1_us = 0;
    xp_trace("check start %s %s", c->target->domain, c->ops->id);
    xp_emit(c->target->run, XP_EV_CHECK_BEGIN, c->target, c, NULL, NULL);
    note_partial_resolvers(c);
    c->ops->start(c);
    xp_check_release(c);
}

static void
schedule_checks(struct xp_engine *e, struct xp_target *t)
{
    size_t i;

    (void)e;
    if (t->done || !t->premises_ok)
        return;
    for (i = 0; i < t->nchecks; i++) {
        struct xp_check *c = t->checks[i];

        if (!c->started && start_ready(t, c))
            check_start(c);
        else if (c->started && !c->done && c->pending == 0 && deps_done(t, c))
            check_finish(c);     /* its work was done: it waited to judge */
    }
}

/* Steps still running when a check is stopped end as unknown (they never
 * got their answer), with why; their titles are collected as evidence. */
static void
stop_steps(struct xp_step *s, const char *why, char **open, size_t *nopen, size_t max)
{
    for (; s; s = s->next) {
        stop_steps(s->children, why, open, nopen, max);
        if (s->status == XP_ST_RUNNING) {
            if (*nopen < max)
                open[(*nopen)++] = s->title;
            xp_step_end(s, XP_ST_UNKNOWN, "%s", why);
        }
    }
}

/*
 * SPEC: a check cut short (--max-time, Ctrl-C) carries CHECK_INTERRUPTED
 * and is unknown, unless what it had already found is a failure. A check
 * that had not started yet (it waited for another) is cut short too.
 */
static void
check_stop(struct xp_check *c, const char *why)
{
    char *open[8];
    size_t nopen = 0;
    struct xp_finding *f;
    int started = c->started;

    c->generation++;   /* answers still in flight are dropped */
    c->pending = 0;
    if (!started) {
        c->started = 1;
        c->t0_us = xp_now_us();
        xp_emit(c->target->run, XP_EV_CHECK_BEGIN, c->target, c, NULL, NULL);
    }
    stop_steps(c->steps, why, open, &nopen, XP_ARRAY_LEN(open));
    f = xp_finding_new(c, NULL, XP_CHECK_INTERRUPTED, "%s: %s%s", c->ops->id,
                       started ? "" : "never started: ", why);
    xp_ev_str(f, "reason", why);
    xp_ev_int(f, "after_ms", xp_duration_ms(c->target->t0_us, xp_now_us()));
    if (nopen)
        xp_ev_list(f, "unfinished", open, nopen);
    if (!started)
        xp_ev_str(f, "waited_for", "the checks it uses (they did not finish in time)");
    xp_finding_add(f);
    c->done = 1;
    c->t1_us = xp_now_us();
    c->status = xp_check_rollup(c);
    xp_emit(c->target->run, XP_EV_CHECK_END, c->target, c, NULL, NULL);
}

/* ---- targets ---- */

static void start_more_targets(struct xp_engine *e);

/* A target's checks and facts, made when it starts in a streamed run
 * (before, it is its name and index: xp_model.h). */
static void
target_checks_new(struct xp_engine *e, struct xp_target *t)
{
    size_t i, n = 0;

    if (t->checks)
        return;
    t->facts = xp_facts_new();
    t->checks = xcalloc(e->nselected ? e->nselected : 1, sizeof(*t->checks));
    for (i = 0; xp_checks[i]; i++) {
        struct xp_check *c;

        if (!(e->opts->checks & (1ul << i)))
            continue;
        c = xcalloc(1, sizeof(*c));
        c->ops = xp_checks[i];
        c->target = t;
        c->status = XP_ST_PENDING;
        t->checks[n++] = c;
    }
    t->nchecks = n;
    memset(&t->kept, 0, sizeof(t->kept));
}

/* A reported target keeps its verdict and its checks' counts (what the
 * run's rollup, the exit code and the progress line read) and frees the
 * rest: checks, steps, findings, evidence, check state, facts. Memory then
 * depends on --parallel, not on the number of targets. An answer still in
 * flight for one of its checks (a check cut short by --max-time) finds the
 * engine's stand-in instead, which is done: the answer is dropped, as it
 * would have been. */
static void
target_release(struct xp_target *t)
{
    struct xp_engine *e = t->run->engine;
    struct op *op;
    size_t i;

    xp_target_counts(t, &t->kept);
    for (op = e->ops; op; op = op->next)
        if (op->check->target == t)
            op->check = &e->gone;
    for (i = 0; i < t->nchecks; i++) {
        struct xp_check *c = t->checks[i];

        if (c->ops->free_state && c->state)
            c->ops->free_state(c);
        xp_check_clear(c);
        free(c);
    }
    free(t->checks);
    t->checks = NULL;
    t->nchecks = 0;
    xp_facts_free(t->facts);
    t->facts = NULL;
}

static void
target_release_cb(void *arg)
{
    target_release(arg);
}

static void
target_stop(struct xp_engine *e, struct xp_target *t, const char *why)
{
    size_t i;

    for (i = 0; i < t->nchecks; i++)
        if (!t->checks[i]->done)
            check_stop(t->checks[i], why);
    target_maybe_end(e, t);
}

static void
on_deadline(void *arg)
{
    struct xp_target *t = arg;
    struct xp_engine *e = t->run->engine;
    char why[128];

    t->deadline_timer = 0;
    t->interrupted = 1;
    snprintf(why, sizeof(why), "cut short by --max-time %g s",
             e->opts->params.max_time_ms / 1000.0);
    target_stop(e, t, why);
}

/* ---- premises ---- */

/* The resolver answered this question at all (NXDOMAIN and SERVFAIL are
 * answers; a refusal, a timeout or a closed port are not). */
static int
probe_answered(const struct xp_dns_result *res)
{
    return res->status == XP_DNS_OK || res->status == XP_DNS_NODATA ||
           res->status == XP_DNS_NXDOMAIN || res->status == XP_DNS_SERVFAIL;
}

/* The first check of the target carries the premise's one finding. */
static struct xp_check *
premise_check_begin(struct xp_target *t)
{
    struct xp_check *c = t->checks[0];

    c->started = 1;
    c->status = XP_ST_RUNNING;
    c->t0_us = xp_now_us();
    xp_emit(t->run, XP_EV_CHECK_BEGIN, t, c, NULL, NULL);
    return c;
}

/* End the carrier check; skip every other one with why; end the target. */
static void
premise_failed(struct xp_engine *e, struct xp_check *carrier, const char *why)
{
    struct xp_target *t = carrier->target;
    size_t i;

    carrier->done = 1;
    carrier->t1_us = xp_now_us();
    carrier->status = xp_check_rollup(carrier);
    xp_emit(t->run, XP_EV_CHECK_END, t, carrier, NULL, NULL);
    for (i = 1; i < t->nchecks; i++) {
        struct xp_check *c = t->checks[i];

        c->started = c->done = 1;
        c->status = XP_ST_SKIP;
        c->skip_reason = xstrdup(why);
        c->t0_us = c->t1_us = xp_now_us();
        xp_emit(t->run, XP_EV_CHECK_BEGIN, t, c, NULL, NULL);
        xp_emit(t->run, XP_EV_CHECK_END, t, c, NULL, NULL);
    }
    target_maybe_end(e, t);
}

static void
resolver_unreachable(struct xp_engine *e, struct xp_target *t)
{
    struct xp_check *c = premise_check_begin(t);
    char **lines = xcalloc(e->nprobes, sizeof(*lines));
    struct xp_step *s = xp_step_begin(c, NULL, "Resolver answers");
    struct xp_finding *f;
    int64_t waited = 0;
    size_t i;

    for (i = 0; i < e->nprobes; i++) {
        const struct xp_dns_result *r = e->probes[i].res;

        /* No measured time inside strings (stable JSON): the wait is
         * evidence of its own (waited_ms). */
        lines[i] = xasprintf("%s: %s %s: %s", e->probes[i].server, xp_dns_type_name(r->qtype),
                             r->qname, r->error ? r->error : xp_dns_status_name(r->status));
        xp_step_note(s, "%s", lines[i]);
        if (r->ms > waited)
            waited = r->ms;
    }
    xp_step_end(s, XP_ST_UNKNOWN, NULL);
    f = xp_finding_new(c, s, XP_RESOLVER_UNREACHABLE,
                       "No resolver answered (%s): nothing could be checked", lines[0]);
    xp_ev_list(f, "resolvers", lines, e->nprobes);
    xp_ev_int(f, "timeout_ms", e->opts->params.timeout_ms);
    xp_ev_int(f, "waited_ms", waited);
    xp_finding_add(f);
    xp_strv_free(lines, e->nprobes);
    premise_failed(e, c, "no resolver answered (RESOLVER_UNREACHABLE): nothing could be "
                         "checked");
}

/* A --domains-file line that is no target: one finding, nothing checked. */
static void
target_invalid(struct xp_engine *e, struct xp_target *t)
{
    struct xp_check *c = premise_check_begin(t);
    struct xp_finding *f = xp_finding_new(c, NULL, XP_DOMAIN_INVALID, "%s", t->invalid);

    xp_ev_str(f, "line", t->input);
    xp_finding_fix(f, "Correct or remove that line of the --domains-file.");
    xp_finding_add(f);
    premise_failed(e, c, "not a domain or e-mail address (DOMAIN_INVALID)");
}

static void
domain_not_found(struct xp_engine *e, struct xp_target *t, const struct xp_dns_result *res)
{
    struct xp_check *c = premise_check_begin(t);
    struct xp_step *s = xp_check_dns_step(c, NULL, res);
    struct xp_finding *f = xp_finding_new(
        c, s, XP_DOMAIN_NOT_FOUND,
        "%s does not exist (NXDOMAIN): check the spelling; nothing else was checked",
        t->domain);
    char *why;

    xp_ev_dns(f, "answer", res);
    xp_ev_str(f, "resolver", res->server);
    xp_finding_add(f);
    why = xasprintf("%s does not exist (DOMAIN_NOT_FOUND)", t->domain);
    premise_failed(e, c, why);
    free(why);
}

static void
on_domain_answer(void *arg, const struct xp_dns_result *res)
{
    struct xp_target *t = arg;
    struct xp_engine *e = t->run->engine;

    if (t->done || t->premises_ok)
        return;   /* stopped meanwhile (deadline, Ctrl-C) */
    if (res->status == XP_DNS_NXDOMAIN) {
        domain_not_found(e, t, res);
        return;
    }
    /* Anything else (even SERVFAIL): the checks tell the rest. */
    t->premises_ok = 1;
    schedule_checks(e, t);
}

/* A resolver probe asked exactly this target's question (the first
 * target's NS): its answer, or NULL. */
static const struct xp_dns_result *
probe_asked(const struct xp_engine *e, const struct xp_target *t)
{
    size_t i;

    for (i = 0; i < e->nprobes; i++) {
        const struct xp_dns_result *r = e->probes[i].res;

        if (r && probe_answered(r) && r->qtype == XP_DNS_NS && r->qname &&
            strcasecmp(r->qname, t->domain) == 0)
            return r;
    }
    return NULL;
}

static void
on_probe_asked(void *arg)
{
    struct xp_target *t = arg;

    on_domain_answer(t, probe_asked(t->run->engine, t));
}

/* The resolver premise is known: the target's own (its domain exists).
 * The first target's question was the resolver probe's: not asked twice
 * (one round trip less before its checks start). */
static void
target_premises(struct xp_engine *e, struct xp_target *t)
{
    if (e->resolver_dead) {
        resolver_unreachable(e, t);
        return;
    }
    if (probe_asked(e, t)) {
        xp_loop_defer(e->loop, on_probe_asked, t);
        return;
    }
    xp_dns_query(e->dns, t->domain, XP_DNS_NS, on_domain_answer, t);
}

/* Every resolver has answered or given up: keep those that answered. */
static void
resolvers_known(struct xp_engine *e)
{
    struct xp_buf keep = { 0 };
    char err[256];
    size_t i;

    e->premise = PREMISE_KNOWN;
    e->silent = xcalloc(e->nprobes, sizeof(*e->silent));
    for (i = 0; i < e->nprobes; i++) {
        if (probe_answered(e->probes[i].res))
            xp_buf_printf(&keep, "%s%s", keep.len ? "," : "", e->probes[i].server);
        else
            e->silent[e->nsilent++] = xstrdup(e->probes[i].server);
    }
    if (!keep.len) {
        e->resolver_dead = 1;
    } else if (e->nsilent) {
        struct xp_dns *dns = xp_dns_new(e->loop, keep.s, &e->opts->params, err, sizeof(err));

        if (dns) {   /* cannot fail: each of these parsed alone already */
            xp_dns_free(e->dns);
            e->dns = dns;
        }
    }
    free(keep.s);
    for (i = 0; i < e->run->ntargets; i++) {
        struct xp_target *t = e->run->targets[i];

        if (t->started && !t->done)
            target_premises(e, t);
    }
}

static void
on_probe_answer(void *arg, const struct xp_dns_result *res)
{
    struct probe *p = arg;
    struct xp_engine *e = p->engine;

    p->res = xp_dns_result_dup(res);
    if (--e->probes_pending == 0)
        resolvers_known(e);
}

/* "a,[b]:53,c" → its items (bracketed IPv6 holds no comma). */
static char **
split_servers(const char *csv, size_t *n)
{
    char **v = NULL, *copy = xstrdup(csv), *tok, *save = NULL;

    *n = 0;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        v = xrealloc(v, (*n + 1) * sizeof(*v));
        v[(*n)++] = xstrdup(tok);
    }
    free(copy);
    return v;
}

/*
 * Ask each resolver alone about the first target's domain (NS): every
 * probe is bounded by one --timeout and they run at once, so the premise
 * costs one --timeout at worst.
 */
static void
ask_resolvers(struct xp_engine *e)
{
    const char *all = xp_dns_servers(e->dns);
    int system = strcmp(all, "system resolver") == 0;
    char **servers = NULL;
    size_t n = 0, i;

    e->premise = PREMISE_ASKING;
    if (system) {
        servers = xcalloc(1, sizeof(*servers));
        servers[n++] = xstrdup(all);
    } else {
        servers = split_servers(all, &n);
    }
    e->probes = xcalloc(n ? n : 1, sizeof(*e->probes));
    for (i = 0; i < n; i++) {
        struct probe *p = &e->probes[e->nprobes];
        char err[256];

        p->engine = e;
        p->server = servers[i];
        p->dns = xp_dns_new(e->loop, system ? NULL : p->server, &e->opts->params, err,
                            sizeof(err));
        if (!p->dns) {   /* cannot happen: the whole list parsed */
            free(p->server);
            continue;
        }
        e->nprobes++;
    }
    free(servers);
    e->probes_pending = e->nprobes;
    for (i = 0; i < e->nprobes; i++)
        xp_dns_query(e->probes[i].dns, e->run->targets[0]->domain, XP_DNS_NS, on_probe_answer,
                     &e->probes[i]);
    if (!e->nprobes)
        resolvers_known(e);
}

static void
on_prefetched(void *arg, const struct xp_dns_result *res)
{
    (void)arg;   /* the answer stays in the run's memo for the check */
    (void)res;
}

/* The first questions of the target's checks (ops->prefetch), asked with
 * its premise: when the domain exists, the checks find them answered or
 * on the wire, one round trip sooner. Names the command line pins (-4,
 * -6, --connect-to) are not asked. */
static void
prefetch_dns(struct xp_engine *e, struct xp_target *t)
{
    size_t i;

    for (i = 0; i < t->nchecks; i++) {
        const struct xp_dns_ask *q;

        for (q = t->checks[i]->ops->prefetch; q && q->prefix; q++) {
            char *name = xasprintf("%s%s", q->prefix, t->domain);
            struct pinned *p = pinned_answer(e->opts, name, q->type);

            if (p)
                pinned_free(p);
            else
                xp_dns_query(e->dns, name, q->type, on_prefetched, NULL);
            free(name);
        }
    }
}

static void
target_start(struct xp_engine *e, struct xp_target *t)
{
    target_checks_new(e, t);
    t->started = 1;
    t->t0_us = xp_now_us();
    xp_rfc3339_now(t->started_at, sizeof(t->started_at));
    e->active++;
    xp_emit(e->run, XP_EV_TARGET_BEGIN, t, NULL, NULL, NULL);
    if (t->invalid) {
        target_invalid(e, t);
        return;
    }
    t->deadline_timer = xp_loop_timer(e->loop, e->opts->params.max_time_ms, on_deadline, t);
    prefetch_dns(e, t);
    if (e->premise == PREMISE_KNOWN)
        target_premises(e, t);
}

static void
maybe_run_end(struct xp_engine *e)
{
    if (e->done || e->active > 0 || e->next_target < e->run->ntargets)
        return;
    e->done = 1;
    e->run->t1_us = xp_now_us();
    xp_emit(e->run, XP_EV_RUN_END, NULL, NULL, NULL, NULL);
}

static void
target_maybe_end(struct xp_engine *e, struct xp_target *t)
{
    size_t i;

    if (t->done)
        return;
    for (i = 0; i < t->nchecks; i++)
        if (!t->checks[i]->done)
            return;
    t->done = 1;
    t->t1_us = xp_now_us();
    t->status = xp_target_rollup(t);
    if (t->deadline_timer) {
        xp_loop_timer_cancel(e->loop, t->deadline_timer);
        t->deadline_timer = 0;
    }
    e->active--;
    xp_emit(e->run, XP_EV_TARGET_END, t, NULL, NULL, NULL);
    if (e->release)           /* from the loop: a check's callback may be on the stack */
        xp_loop_defer(e->loop, target_release_cb, t);
    while (e->first_open < e->run->ntargets && e->run->targets[e->first_open]->done)
        e->first_open++;
    start_more_targets(e);
    maybe_run_end(e);
}

/* A new target starts when fewer than --parallel run and, unless output
 * order does not matter (--unordered), it is within order_window of the
 * oldest one still running: a slow target then holds back at most that
 * many finished documents, not the whole rest of the run. */
static int
may_start_target(const struct xp_engine *e)
{
    if (e->run->interrupted || e->active >= e->parallel || e->next_target >= e->run->ntargets)
        return 0;
    return e->opts->unordered ||
           e->next_target - e->first_open < (size_t)e->opts->params.order_window + e->parallel;
}

static void
start_more_targets(struct xp_engine *e)
{
    while (may_start_target(e))
        target_start(e, e->run->targets[e->next_target++]);
}

/* ---- the engine ---- */

static struct xp_target *
target_new(struct xp_engine *e, const char *input, const char *invalid, char *err,
           size_t errlen)
{
    struct xp_target *t = xcalloc(1, sizeof(*t));

    if (invalid) {
        /* Reported, never checked: the name is shown as given, made safe. */
        t->domain = xp_utf8_clean(input, strlen(input), 512);
        t->invalid = xstrdup(invalid);
    } else if (xp_target_parse(input, &t->domain, &t->email, err, errlen) < 0) {
        free(t);
        return NULL;
    }
    t->run = e->run;
    t->input = xstrdup(input);
    t->status = XP_ST_PENDING;
    t->kept.waiting = (int)e->nselected;   /* its checks: made when it starts */
    return t;
}

/* A check of the run will ask the validator: it is needed, and the sooner
 * libunbound's context is building, the less anyone waits for it. */
static int
run_asks_dnssec(const struct xp_engine *e)
{
    size_t i;
    int checked = 0;

    for (i = 0; i < e->run->ntargets; i++)
        checked |= !e->run->targets[i]->invalid;
    for (i = 0; checked && xp_checks[i]; i++)
        if ((e->opts->checks & (1ul << i)) && xp_checks[i]->dnssec)
            return 1;
    return 0;
}

struct xp_engine *
xp_engine_new(const struct xp_options *opts, struct xp_loop *loop, xp_emit_fn emit, void *ctx,
              char *err, size_t errlen)
{
    struct xp_engine *e = xcalloc(1, sizeof(*e));
    size_t i;

    e->opts = opts;
    e->loop = loop;
    e->parallel = (size_t)opts->params.parallel;
    for (i = 0; xp_checks[i]; i++)
        e->nselected += (opts->checks >> i) & 1;
    e->gone.done = 1;
    e->dests = xp_dests_new(loop, opts->params.conns_per_dest);
    xp_http_conns_set_limit(opts->params.conns_per_dest);
    e->lanes = xp_dests_new(loop, opts->params.http_lanes);
    e->share = xp_http_share_new(opts->params.http_share_max,
                                 (size_t)opts->params.http_share_kib * 1024);
    xp_loop_set_http_pool(loop, opts->params.http_pool);
    e->dns = xp_dns_new(loop, opts->dns_servers, &opts->params, err, errlen);
    if (!e->dns) {
        free(e);
        return NULL;
    }
    e->run = xcalloc(1, sizeof(*e->run));
    e->run->engine = e;
    e->run->params = &opts->params;
    e->run->emit = emit;
    e->run->emit_ctx = ctx;
    e->run->ignored = opts->expect ? opts->expect->ignored : NULL;
    e->run->redact = opts->redact;
    e->run->targets = xcalloc(opts->ntargets ? opts->ntargets : 1, sizeof(*e->run->targets));
    for (i = 0; i < opts->ntargets; i++) {
        struct xp_target *t = target_new(e, opts->targets[i],
                                         opts->target_errors ? opts->target_errors[i] : NULL,
                                         err, errlen);

        if (!t) {
            xp_engine_free(e);
            return NULL;
        }
        t->index = e->run->ntargets;
        e->run->targets[e->run->ntargets++] = t;
    }
    if (run_asks_dnssec(e))
        dnssec_begin(e);     /* built by its own thread while the run starts */
    return e;
}

/* Every target's checks now (a run that keeps its targets: the session
 * and the text and JUnit reports show pending checks from the start). */
static void
targets_checks_new(struct xp_engine *e)
{
    size_t i;

    for (i = 0; i < e->run->ntargets; i++)
        target_checks_new(e, e->run->targets[i]);
}

void
xp_engine_release_reported(struct xp_engine *e, int on)
{
    e->release = on;
    if (!on)
        targets_checks_new(e);
}

void
xp_engine_start(struct xp_engine *e)
{
    if (!e->release)
        targets_checks_new(e);
    e->run->t0_us = xp_now_us();
    xp_emit(e->run, XP_EV_RUN_BEGIN, NULL, NULL, NULL, NULL);
    if (e->run->ntargets)
        ask_resolvers(e);
    start_more_targets(e);
    maybe_run_end(e);
}

struct xp_run *
xp_engine_run(struct xp_engine *e)
{
    return e->run;
}

int
xp_engine_done(const struct xp_engine *e)
{
    return e->done;
}

void
xp_engine_interrupt(struct xp_engine *e)
{
    size_t i;

    if (e->done)
        return;
    e->run->interrupted = 1;
    for (i = 0; i < e->next_target; i++) {
        struct xp_target *t = e->run->targets[i];

        if (!t->done) {
            t->interrupted = 1;
            target_stop(e, t, "interrupted (Ctrl-C or the session was closed)");
        }
    }
    /* Targets never started are left out of the reports (and freed now:
     * the run's count is what xp_run_free walks). */
    xp_run_drop_targets(e->run, e->next_target);
    maybe_run_end(e);
}

struct rerun {
    struct xp_engine *engine;
    struct xp_check *check;
};

static void
do_rerun(void *arg)
{
    struct rerun *r = arg;
    struct xp_check *c = r->check;
    struct xp_target *t = c->target;
    struct xp_engine *e = r->engine;

    free(r);
    c->generation++;
    xp_emit(e->run, XP_EV_CHECK_RESET, t, c, NULL, NULL);
    xp_check_clear(c);
    if (c->ops->free_state && c->state)
        c->ops->free_state(c);
    c->state = NULL;
    c->started = c->done = 0;
    xp_dns_flush(e->dns);
    xp_http_share_flush(e->share);
    if (e->sec)
        xp_dnssec_flush(e->sec);
    if (t->done) {
        t->done = 0;
        t->interrupted = 0;
        e->active++;
        e->done = 0;
        t->deadline_timer = xp_loop_timer(e->loop, e->opts->params.max_time_ms, on_deadline, t);
    }
    check_start(c);
}

void
xp_engine_rerun(struct xp_engine *e, struct xp_check *c)
{
    struct rerun *r = xmalloc(sizeof(*r));

    r->engine = e;
    r->check = c;
    xp_loop_defer(e->loop, do_rerun, r);
}

void
xp_engine_free(struct xp_engine *e)
{
    struct op *op, *next;
    size_t i;

    if (!e)
        return;
    xp_tcp_abort_all(e->loop);
    xp_tls_abort_all(e->loop);
    xp_http_abort_all(e->loop);
    xp_dns_free(e->dns);
    for (i = 0; i < e->nprobes; i++) {
        xp_dns_free(e->probes[i].dns);
        xp_dns_result_free(e->probes[i].res);
        free(e->probes[i].server);
    }
    free(e->probes);
    xp_strv_free(e->silent, e->nsilent);
    if (e->retire_deferred)
        xp_loop_defer_cancel(e->loop, dnssec_retire_cb, e);
    xp_dnssec_free(e->sec);
    xp_dnssec_reaped(e->reaper);
    X509_STORE_free(e->store);
    for (op = e->ops; op; op = next) {
        next = op->next;
        pinned_free(op->pinned);
        req_free(op->req);
        xp_http_resp_free(op->stored);
        free(op);
    }
    xp_run_free(e->run);     /* check states close their sockets: before the slots go */
    run_states_free(e->run_states);
    xp_dests_free(e->dests);
    xp_dests_free(e->lanes);
    xp_http_share_free(e->share);
    free(e);
}
