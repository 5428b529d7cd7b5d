/*
 * engine.c — runs the checks of every target on the one loop: starts a
 * check once the checks it waits for are done, counts each check's work
 * in flight, drops answers meant for a cancelled or restarted check,
 * enforces the per-target deadline (--max-time), and emits the run,
 * target and check events. A few targets run at once (MAX_ACTIVE) so a
 * long --domains-file does not open thousands of sockets.
 */
#include "xp_check.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_loop.h"
#include "xp_options.h"
#include "xp_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ACTIVE 8

/* One piece of work in flight for a check; freed when it completes or at
 * engine free (a dropped DNS callback never runs). */
struct op {
    struct xp_engine *engine;
    struct xp_check *check;
    unsigned generation;
    void *cb;
    void *arg;
    struct op *prev, *next;
};

struct xp_engine {
    const struct xp_options *opts;
    struct xp_loop *loop;
    struct xp_dns *dns;
    struct xp_run *run;
    size_t next_target;
    size_t active;
    int done;
    struct op *ops;
};

static void target_maybe_end(struct xp_engine *e, struct xp_target *t);
static void schedule_checks(struct xp_engine *e, struct xp_target *t);

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

static struct op *
op_new(struct xp_check *c, void *cb, void *arg)
{
    struct xp_engine *e = engine_of(c);
    struct op *op = xcalloc(1, sizeof(*op));

    op->engine = e;
    op->check = c;
    op->generation = c->generation;
    op->cb = cb;
    op->arg = arg;
    op->next = e->ops;
    if (e->ops)
        e->ops->prev = op;
    e->ops = op;
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
on_dns(void *arg, const struct xp_dns_result *res)
{
    struct op *op = arg;
    struct xp_check *c = op->check;
    xp_check_dns_cb cb = (xp_check_dns_cb)op->cb;
    void *cbarg = op->arg;
    int live = op_end(op);

    free(op);
    if (!live)
        return;
    cb(c, cbarg, res);
    xp_check_release(c);
}

void
xp_check_dns(struct xp_check *c, const char *name, int type, xp_check_dns_cb cb, void *arg)
{
    struct op *op = op_new(c, (void *)cb, arg);

    xp_dns_query(engine_of(c)->dns, name, type, on_dns, op);
}

static void
on_tcp(void *arg, const struct xp_tcp_result *res)
{
    struct op *op = arg;
    struct xp_check *c = op->check;
    xp_check_tcp_cb cb = (xp_check_tcp_cb)op->cb;
    void *cbarg = op->arg;
    int live = op_end(op);

    free(op);
    if (!live) {
        if (res->fd >= 0)
            close(res->fd);
        return;
    }
    cb(c, cbarg, res);
    xp_check_release(c);
}

void
xp_check_tcp(struct xp_check *c, const char *ip, int port, xp_check_tcp_cb cb, void *arg)
{
    struct op *op = op_new(c, (void *)cb, arg);

    xp_tcp_connect(engine_of(c)->loop, ip, port, engine_of(c)->opts->timeout_ms, on_tcp, op);
}

static void
on_tls(void *arg, const struct xp_tls_info *info, SSL *ssl, int fd)
{
    struct op *op = arg;
    struct xp_check *c = op->check;
    xp_check_tls_cb cb = (xp_check_tls_cb)op->cb;
    void *cbarg = op->arg;
    int live = op_end(op);

    free(op);
    if (!live) {
        SSL_free(ssl);
        if (fd >= 0)
            close(fd);
        return;
    }
    cb(c, cbarg, info, ssl, fd);
    xp_check_release(c);
}

void
xp_check_tls(struct xp_check *c, int fd, const char *sni, int port, const char *ip,
             xp_check_tls_cb cb, void *arg)
{
    struct op *op = op_new(c, (void *)cb, arg);

    xp_tls_handshake(engine_of(c)->loop, fd, sni, port, ip, engine_of(c)->opts->timeout_ms,
                     on_tls, op);
}

static void
on_http(void *arg, const struct xp_http_resp *resp)
{
    struct op *op = arg;
    struct xp_check *c = op->check;
    xp_check_http_cb cb = (xp_check_http_cb)op->cb;
    void *cbarg = op->arg;
    int live = op_end(op);

    free(op);
    if (!live)
        return;
    cb(c, cbarg, resp);
    xp_check_release(c);
}

void
xp_check_http(struct xp_check *c, const struct xp_http_req *req, xp_check_http_cb cb, void *arg)
{
    struct op *op = op_new(c, (void *)cb, arg);
    struct xp_http_req r = *req;

    if (!r.timeout_ms)
        r.timeout_ms = engine_of(c)->opts->timeout_ms;
    xp_http_start(engine_of(c)->loop, &r, on_http, op);
}

struct xp_facts *
xp_check_facts(const struct xp_check *c)
{
    return c->target->facts;
}

static struct xp_check *find_check(struct xp_target *t, const char *id);

int
xp_check_in_run(const struct xp_check *c, const char *id)
{
    return find_check(c->target, id) != NULL;
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

static void
check_finish(struct xp_check *c)
{
    struct xp_engine *e = engine_of(c);

    if (c->ops->judge)
        c->ops->judge(c);
    c->done = 1;
    c->t1_us = xp_now_us();
    c->status = c->skip_reason ? XP_ST_SKIP : xp_check_rollup(c);
    xp_emit(c->target->run, XP_EV_CHECK_END, c->target, c, NULL, NULL);
    schedule_checks(e, c->target);
    target_maybe_end(e, c->target);
}

void
xp_check_release(struct xp_check *c)
{
    if (--c->pending == 0 && !c->done)
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

/* ---- DNS evidence shared by every check ---- */

struct xp_step *
xp_check_dns_step(struct xp_check *c, struct xp_step *parent, const struct xp_dns_result *res)
{
    struct xp_step *s = xp_step_begin(c, parent, "%s %s", xp_dns_type_name(res->qtype),
                                      res->qname);
    enum xp_status st = XP_ST_PASS;
    size_t i;

    for (i = 0; i < res->nrr; i++) {
        char *line = xp_dns_rr_format(&res->rr[i]);

        xp_step_note(s, "%s", line);
        free(line);
    }
    switch (res->status) {
    case XP_DNS_OK:
        break;
    case XP_DNS_NODATA:
        xp_step_note(s, "no %s record (the name exists)", xp_dns_type_name(res->qtype));
        st = XP_ST_INFO;
        break;
    case XP_DNS_NXDOMAIN:
        xp_step_note(s, "NXDOMAIN: the name does not exist");
        st = XP_ST_INFO;
        break;
    default:
        xp_step_note(s, "%s: %s (%lld ms)", xp_dns_status_name(res->status),
                     res->error ? res->error : "", (long long)res->ms);
        st = XP_ST_FAIL;
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

static struct xp_check *
find_check(struct xp_target *t, const char *id)
{
    size_t i;

    for (i = 0; i < t->nchecks; i++)
        if (strcmp(t->checks[i]->ops->id, id) == 0)
            return t->checks[i];
    return NULL;
}

static int
deps_done(struct xp_target *t, struct xp_check *c)
{
    const char *const *dep;

    for (dep = c->ops->after; dep && *dep; dep++) {
        struct xp_check *d = find_check(t, *dep);

        if (d && !d->done)
            return 0;
    }
    return 1;
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
    xp_emit(c->target->run, XP_EV_CHECK_BEGIN, c->target, c, NULL, NULL);
    c->ops->start(c);
    xp_check_release(c);
}

static void
schedule_checks(struct xp_engine *e, struct xp_target *t)
{
    size_t i;

    (void)e;
    if (t->done)
        return;
    for (i = 0; i < t->nchecks; i++) {
        struct xp_check *c = t->checks[i];

        if (!c->started && deps_done(t, c))
            check_start(c);
    }
}

/* Steps still running when a check is stopped end as failed, with why. */
static void
stop_steps(struct xp_step *s, const char *why)
{
    for (; s; s = s->next) {
        stop_steps(s->children, why);
        if (s->status == XP_ST_RUNNING)
            xp_step_end(s, XP_ST_FAIL, "%s", why);
    }
}

static void
check_stop(struct xp_check *c, const char *why)
{
    c->generation++;   /* answers still in flight are dropped */
    c->pending = 0;
    if (!c->started) {
        c->started = 1;
        c->status = XP_ST_SKIP;
        c->skip_reason = xstrdup(why);
        xp_emit(c->target->run, XP_EV_CHECK_BEGIN, c->target, c, NULL, NULL);
    } else {
        stop_steps(c->steps, why);
        c->status = xp_status_worst(xp_check_rollup(c), XP_ST_FAIL);
    }
    c->done = 1;
    c->t1_us = xp_now_us();
    xp_emit(c->target->run, XP_EV_CHECK_END, c->target, c, NULL, NULL);
}

/* ---- targets ---- */

static void start_more_targets(struct xp_engine *e);

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
    snprintf(why, sizeof(why), "not finished within the run deadline (--max-time %d s)",
             e->opts->max_time_ms / 1000);
    target_stop(e, t, why);
}

static void
target_start(struct xp_engine *e, struct xp_target *t)
{
    t->started = 1;
    t->t0_us = xp_now_us();
    xp_rfc3339_now(t->started_at, sizeof(t->started_at));
    e->active++;
    xp_emit(e->run, XP_EV_TARGET_BEGIN, t, NULL, NULL, NULL);
    t->deadline_timer = xp_loop_timer(e->loop, e->opts->max_time_ms, on_deadline, t);
    schedule_checks(e, t);
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
    start_more_targets(e);
    maybe_run_end(e);
}

static void
start_more_targets(struct xp_engine *e)
{
    while (!e->run->interrupted && e->active < MAX_ACTIVE && e->next_target < e->run->ntargets)
        target_start(e, e->run->targets[e->next_target++]);
}

/* ---- the engine ---- */

static struct xp_target *
target_new(struct xp_engine *e, const char *input, char *err, size_t errlen)
{
    struct xp_target *t = xcalloc(1, sizeof(*t));
    size_t i, n = 0;

    if (xp_target_parse(input, &t->domain, &t->email, err, errlen) < 0) {
        free(t);
        return NULL;
    }
    t->run = e->run;
    t->facts = xp_facts_new();
    t->input = xstrdup(input);
    t->status = XP_ST_PENDING;
    for (i = 0; xp_checks[i]; i++)
        ;
    t->checks = xcalloc(i, sizeof(*t->checks));
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
    return t;
}

struct xp_engine *
xp_engine_new(const struct xp_options *opts, struct xp_loop *loop, xp_emit_fn emit, void *ctx,
              char *err, size_t errlen)
{
    struct xp_engine *e = xcalloc(1, sizeof(*e));
    size_t i;

    e->opts = opts;
    e->loop = loop;
    e->dns = xp_dns_new(loop, opts->dns_servers, opts->timeout_ms, err, errlen);
    if (!e->dns) {
        free(e);
        return NULL;
    }
    e->run = xcalloc(1, sizeof(*e->run));
    e->run->engine = e;
    e->run->emit = emit;
    e->run->emit_ctx = ctx;
    e->run->ignored = opts->expect ? opts->expect->ignored : NULL;
    e->run->targets = xcalloc(opts->ntargets ? opts->ntargets : 1, sizeof(*e->run->targets));
    for (i = 0; i < opts->ntargets; i++) {
        struct xp_target *t = target_new(e, opts->targets[i], err, errlen);

        if (!t) {
            xp_engine_free(e);
            return NULL;
        }
        e->run->targets[e->run->ntargets++] = t;
    }
    return e;
}

void
xp_engine_start(struct xp_engine *e)
{
    e->run->t0_us = xp_now_us();
    xp_emit(e->run, XP_EV_RUN_BEGIN, NULL, NULL, NULL, NULL);
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
            target_stop(e, t, "interrupted");
        }
    }
    /* Targets never started are left out of the reports. */
    e->run->ntargets = e->next_target;
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
    if (t->done) {
        t->done = 0;
        t->interrupted = 0;
        e->active++;
        e->done = 0;
        t->deadline_timer = xp_loop_timer(e->loop, e->opts->max_time_ms, on_deadline, t);
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

    if (!e)
        return;
    xp_tcp_abort_all();
    xp_tls_abort_all();
    xp_http_abort_all();
    xp_dns_free(e->dns);
    for (op = e->ops; op; op = next) {
        next = op->next;
        free(op);
    }
    xp_run_free(e->run);
    free(e);
}
