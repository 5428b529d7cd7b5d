/*
 * loop.c — the event loop behind xp_loop.h. libcurl owns the poll
 * (curl_multi_poll, with our sockets and c-ares' sockets as extra fds), so
 * curl needs no socket bookkeeping from us and keeps its own timers.
 * Every callback of ours runs after curl_multi_poll returned and after
 * curl_multi_perform / ares_process_fd returned: never inside a library
 * callback, so callbacks may freely start or cancel work.
 */
#define _GNU_SOURCE
#include "xp_loop.h"
#include "xp.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct watcher {
    int fd;
    unsigned events;
    xp_io_cb cb;
    void *arg;
    uint64_t gen;      /* unique per watch call: detects a re-watched fd */
};

struct timer {
    uint64_t id;
    int64_t when_us;
    xp_cb cb;
    void *arg;
};

struct deferred {
    xp_cb cb;
    void *arg;
    struct deferred *next;
};

struct easy_rec {
    CURL *easy;
    xp_easy_done_cb done;
    void *arg;
    struct easy_rec *next;
};

/* What one poll slot stands for, so its revents reach the right owner. */
struct slot {
    int is_channel;
    ares_channel channel;
    int fd;
    uint64_t gen;
};

struct xp_loop {
    CURLM *multi;
    struct watcher *w;
    size_t nw, capw;
    uint64_t watch_gen;
    struct timer *t;
    size_t nt, capt;
    uint64_t next_timer_id;
    struct deferred *dq_head, *dq_tail;
    struct deferred *dq_running;   /* the rest of the batch run_deferred runs */
    ares_channel *ch;
    size_t nch, capch;
    struct easy_rec *easies;
    size_t neasy;               /* transfers in flight */
    long pool;                  /* idle connections kept beyond those (xp_params.http_pool) */
    xp_tick_cb tick;
    void *tick_arg;
    int stop;
    struct xp_loop_live live;
};

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_caught;

struct xp_loop *
xp_loop_new(void)
{
    struct xp_loop *loop = xcalloc(1, sizeof(*loop));

    loop->multi = curl_multi_init();
    if (!loop->multi)
        xp_fatal("curl_multi_init failed");
    return loop;
}

void
xp_loop_set_http_pool(struct xp_loop *loop, int n)
{
    loop->pool = n;
    curl_multi_setopt(loop->multi, CURLMOPT_MAXCONNECTS, loop->pool + (long)loop->neasy);
}

/*
 * libcurl's cache counts the connections in use too: with more transfers
 * in flight than CURLMOPT_MAXCONNECTS, the connection a transfer just
 * finished with is closed at once when every other one is busy -- an NTLM
 * conversation's connection between its two requests among them (a false
 * AUTH_NTLM_BROKEN under load). So the bound follows the transfers in
 * flight: http_pool idle connections on top of those.
 */
static void
pool_follow(struct xp_loop *loop)
{
    if (loop->pool > 0)
        curl_multi_setopt(loop->multi, CURLMOPT_MAXCONNECTS, loop->pool + (long)loop->neasy);
}

void
xp_loop_free(struct xp_loop *loop)
{
    struct deferred *d, *dn;
    struct easy_rec *e, *en;

    if (!loop)
        return;
    for (d = loop->dq_head; d; d = dn) {
        dn = d->next;
        free(d);
    }
    for (e = loop->easies; e; e = en) {
        en = e->next;
        curl_multi_remove_handle(loop->multi, e->easy);
        free(e);
    }
    curl_multi_cleanup(loop->multi);
    free(loop->w);
    free(loop->t);
    free(loop->ch);
    free(loop);
}

static struct watcher *
find_watcher(struct xp_loop *loop, int fd)
{
    size_t i;

    for (i = 0; i < loop->nw; i++)
        if (loop->w[i].fd == fd)
            return &loop->w[i];
    return NULL;
}

void
xp_loop_watch(struct xp_loop *loop, int fd, unsigned events, xp_io_cb cb, void *arg)
{
    struct watcher *w = find_watcher(loop, fd);

    if (!w) {
        if (loop->nw == loop->capw) {
            loop->capw = loop->capw ? loop->capw * 2 : 16;
            loop->w = xrealloc(loop->w, loop->capw * sizeof(*loop->w));
        }
        w = &loop->w[loop->nw++];
    }
    w->fd = fd;
    w->events = events;
    w->cb = cb;
    w->arg = arg;
    w->gen = ++loop->watch_gen;
}

void
xp_loop_unwatch(struct xp_loop *loop, int fd)
{
    struct watcher *w = find_watcher(loop, fd);

    if (w)
        *w = loop->w[--loop->nw];
}

uint64_t
xp_loop_timer(struct xp_loop *loop, int64_t ms, xp_cb cb, void *arg)
{
    struct timer *t;

    if (loop->nt == loop->capt) {
        loop->capt = loop->capt ? loop->capt * 2 : 16;
        loop->t = xrealloc(loop->t, loop->capt * sizeof(*loop->t));
    }
    t = &loop->t[loop->nt++];
    t->id = ++loop->next_timer_id;
    t->when_us = xp_now_us() + (ms > 0 ? ms : 0) * 1000;
    t->cb = cb;
    t->arg = arg;
    return t->id;
}

void
xp_loop_timer_cancel(struct xp_loop *loop, uint64_t id)
{
    size_t i;

    for (i = 0; i < loop->nt; i++) {
        if (loop->t[i].id == id) {
            loop->t[i] = loop->t[--loop->nt];
            return;
        }
    }
}

void
xp_loop_defer(struct xp_loop *loop, xp_cb cb, void *arg)
{
    struct deferred *d = xmalloc(sizeof(*d));

    d->cb = cb;
    d->arg = arg;
    d->next = NULL;
    if (loop->dq_tail)
        loop->dq_tail->next = d;
    else
        loop->dq_head = d;
    loop->dq_tail = d;
}

void
xp_loop_add_channel(struct xp_loop *loop, ares_channel channel)
{
    if (loop->nch == loop->capch) {
        loop->capch = loop->capch ? loop->capch * 2 : 4;
        loop->ch = xrealloc(loop->ch, loop->capch * sizeof(*loop->ch));
    }
    loop->ch[loop->nch++] = channel;
}

void
xp_loop_remove_channel(struct xp_loop *loop, ares_channel channel)
{
    size_t i;

    for (i = 0; i < loop->nch; i++) {
        if (loop->ch[i] == channel) {
            loop->ch[i] = loop->ch[--loop->nch];
            return;
        }
    }
}

void
xp_loop_add_easy(struct xp_loop *loop, CURL *easy, xp_easy_done_cb done, void *arg)
{
    struct easy_rec *e = xmalloc(sizeof(*e));
    CURLMcode mc;

    e->easy = easy;
    e->done = done;
    e->arg = arg;
    e->next = loop->easies;
    loop->easies = e;
    loop->neasy++;
    pool_follow(loop);
    mc = curl_multi_add_handle(loop->multi, easy);
    if (mc != CURLM_OK)
        xp_fatal("curl_multi_add_handle: %s", curl_multi_strerror(mc));
}

/* Unlink easy's record; returns it (caller frees) or NULL. */
static struct easy_rec *
take_easy(struct xp_loop *loop, CURL *easy)
{
    struct easy_rec **pp, *e;

    for (pp = &loop->easies; *pp; pp = &(*pp)->next) {
        if ((*pp)->easy == easy) {
            e = *pp;
            *pp = e->next;
            loop->neasy--;
            pool_follow(loop);
            return e;
        }
    }
    return NULL;
}

void
xp_loop_remove_easy(struct xp_loop *loop, CURL *easy)
{
    struct easy_rec *e = take_easy(loop, easy);

    if (e) {
        curl_multi_remove_handle(loop->multi, easy);
        free(e);
    }
}

void
xp_loop_set_tick(struct xp_loop *loop, xp_tick_cb cb, void *arg)
{
    loop->tick = cb;
    loop->tick_arg = arg;
}

void
xp_loop_stop(struct xp_loop *loop)
{
    loop->stop = 1;
}

static void
on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;

    sig_caught = sig;
    if (sig_pipe[1] >= 0 && write(sig_pipe[1], &c, 1) < 0) {
        /* nothing to do: the flag alone stops the loop at its next wake */
    }
    errno = saved;
}

static void
drain_sig_pipe(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    char buf[64];

    (void)loop;
    (void)revents;
    (void)arg;
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

void
xp_loop_catch_signals(struct xp_loop *loop)
{
    struct sigaction sa;

    if (sig_pipe[0] < 0) {
        if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
            xp_fatal("pipe: %s", strerror(errno));
    }
    xp_loop_watch(loop, sig_pipe[0], XP_IN, drain_sig_pipe, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int
xp_loop_interrupted(const struct xp_loop *loop)
{
    (void)loop;
    return sig_caught != 0;
}

/* Run the deferred calls queued before this point; newer ones wait. */
static void
run_deferred(struct xp_loop *loop)
{
    struct deferred *d = loop->dq_head;

    loop->dq_head = loop->dq_tail = NULL;
    while (d) {
        loop->dq_running = d->next;
        if (d->cb)
            d->cb(d->arg);
        free(d);
        d = loop->dq_running;
    }
}

void
xp_loop_defer_cancel(struct xp_loop *loop, xp_cb cb, void *arg)
{
    struct deferred *lists[2], *d;
    size_t i;

    lists[0] = loop->dq_running;
    lists[1] = loop->dq_head;
    for (i = 0; i < 2; i++)
        for (d = lists[i]; d; d = d->next)
            if (d->cb == cb && d->arg == arg)
                d->cb = NULL;     /* unlinked when its turn comes */
}

/* Milliseconds the poll may sleep: the earliest timer, c-ares, tick. */
static int
poll_timeout_ms(struct xp_loop *loop, int64_t tick_at)
{
    int64_t now = xp_now_us(), best = now + 1000000;
    size_t i;

    if (loop->dq_head)
        return 0;
    for (i = 0; i < loop->nt; i++)
        if (loop->t[i].when_us < best)
            best = loop->t[i].when_us;
    for (i = 0; i < loop->nch; i++) {
        struct timeval cap = { 1, 0 }, tv, *tvp;

        tvp = ares_timeout(loop->ch[i], &cap, &tv);
        if (tvp) {
            int64_t at = now + (int64_t)tvp->tv_sec * 1000000 + tvp->tv_usec;

            if (at < best)
                best = at;
        }
    }
    if (tick_at > 0 && tick_at < best)
        best = tick_at;
    if (best <= now)
        return 0;
    return (int)((best - now + 999) / 1000);
}

/* Fill fds/slots with our watchers and every channel's sockets. */
static size_t
build_fds(struct xp_loop *loop, struct curl_waitfd **fds, struct slot **slots, size_t *cap)
{
    size_t n = 0, need = loop->nw + loop->nch * ARES_GETSOCK_MAXNUM, i;

    if (need > *cap) {
        *cap = need;
        *fds = xrealloc(*fds, need * sizeof(**fds));
        *slots = xrealloc(*slots, need * sizeof(**slots));
    }
    for (i = 0; i < loop->nw; i++) {
        struct watcher *w = &loop->w[i];

        (*fds)[n].fd = w->fd;
        (*fds)[n].events = (short)(((w->events & XP_IN) ? CURL_WAIT_POLLIN : 0) |
                                   ((w->events & XP_OUT) ? CURL_WAIT_POLLOUT : 0));
        (*fds)[n].revents = 0;
        (*slots)[n] = (struct slot){ .is_channel = 0, .fd = w->fd, .gen = w->gen };
        n++;
    }
    for (i = 0; i < loop->nch; i++) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        int bits = ares_getsock(loop->ch[i], socks, ARES_GETSOCK_MAXNUM), k;

        for (k = 0; k < ARES_GETSOCK_MAXNUM; k++) {
            short ev = 0;

            if (ARES_GETSOCK_READABLE(bits, k))
                ev |= CURL_WAIT_POLLIN;
            if (ARES_GETSOCK_WRITABLE(bits, k))
                ev |= CURL_WAIT_POLLOUT;
            if (!ev)
                break;  /* slots are contiguous */
            (*fds)[n].fd = socks[k];
            (*fds)[n].events = ev;
            (*fds)[n].revents = 0;
            (*slots)[n] = (struct slot){ .is_channel = 1, .channel = loop->ch[i], .fd = socks[k] };
            n++;
        }
    }
    return n;
}

/* Hand finished transfers to their owners, after removing them. */
static void
finish_transfers(struct xp_loop *loop)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(loop->multi, &left))) {
        struct easy_rec *e;

        if (msg->msg != CURLMSG_DONE)
            continue;
        e = take_easy(loop, msg->easy_handle);
        if (!e)
            continue;
        {
            CURLcode rc = msg->data.result;  /* msg is invalid after remove */

            curl_multi_remove_handle(loop->multi, e->easy);
            e->done(e->easy, rc, e->arg);
        }
        free(e);
    }
}

static int
channel_known(struct xp_loop *loop, ares_channel ch)
{
    size_t i;

    for (i = 0; i < loop->nch; i++)
        if (loop->ch[i] == ch)
            return 1;
    return 0;
}

static void
dispatch_fds(struct xp_loop *loop, struct curl_waitfd *fds, struct slot *slots, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned rev = 0;

        if (fds[i].revents & CURL_WAIT_POLLIN)
            rev |= XP_IN;
        if (fds[i].revents & CURL_WAIT_POLLOUT)
            rev |= XP_OUT;
        if (!rev)
            continue;
        if (slots[i].is_channel) {
            if (channel_known(loop, slots[i].channel))
                ares_process_fd(slots[i].channel,
                                (rev & XP_IN) ? slots[i].fd : ARES_SOCKET_BAD,
                                (rev & XP_OUT) ? slots[i].fd : ARES_SOCKET_BAD);
        } else {
            /* An earlier callback may have unwatched or re-watched fd. */
            struct watcher *w = find_watcher(loop, slots[i].fd);

            if (w && w->gen == slots[i].gen)
                w->cb(loop, w->fd, rev, w->arg);
        }
    }
}

/* Fire every due timer, earliest deadline first; a callback may add or
 * cancel timers, so the earliest is searched again each time. */
static void
fire_timers(struct xp_loop *loop)
{
    int64_t now = xp_now_us();

    for (;;) {
        size_t i, best = loop->nt;
        struct timer t;

        for (i = 0; i < loop->nt; i++)
            if (loop->t[i].when_us <= now &&
                (best == loop->nt || loop->t[i].when_us < loop->t[best].when_us))
                best = i;
        if (best == loop->nt)
            return;
        t = loop->t[best];
        loop->t[best] = loop->t[--loop->nt];
        t.cb(t.arg);
    }
}

int
xp_loop_run(struct xp_loop *loop)
{
    struct curl_waitfd *fds = NULL;
    struct slot *slots = NULL;
    size_t cap = 0, i;
    int64_t tick_at = 0;
    int running;

    loop->stop = 0;
    while (!loop->stop && !sig_caught) {
        size_t n;
        int numfds;
        CURLMcode mc;

        run_deferred(loop);
        fire_timers(loop);
        /* Before sleeping: the hook may stop the loop (the run is done)
         * or want to paint. */
        if (loop->tick)
            tick_at = loop->tick(loop->tick_arg, xp_now_us());
        if (loop->stop || sig_caught)
            break;
        n = build_fds(loop, &fds, &slots, &cap);
        mc = curl_multi_poll(loop->multi, fds, (unsigned)n,
                             poll_timeout_ms(loop, tick_at), &numfds);
        if (mc != CURLM_OK)
            xp_fatal("curl_multi_poll: %s", curl_multi_strerror(mc));
        curl_multi_perform(loop->multi, &running);
        finish_transfers(loop);
        dispatch_fds(loop, fds, slots, n);
        /* Without this, c-ares never retries or times out a query. */
        for (i = 0; i < loop->nch; i++)
            ares_process_fd(loop->ch[i], ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
    free(fds);
    free(slots);
    return sig_caught != 0;
}

struct xp_loop_live *
xp_loop_live(struct xp_loop *loop)
{
    return &loop->live;
}
