/*
 * net_tcp.c — non-blocking connect: socket(NONBLOCK) → connect →
 * EINPROGRESS → wait for writability → SO_ERROR, under a timer. Every
 * connect in flight is on one list so shutdown can abandon them all.
 */
#define _GNU_SOURCE
#include "xp_tcp.h"
#include "xp.h"
#include "xp_loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct xp_tcp {
    struct xp_loop *loop;
    xp_tcp_cb cb;
    void *arg;
    int fd;
    uint64_t timer;
    char ip[64];
    int port;
    int err;
    int64_t t0_us;
    struct xp_tcp *prev, *next;
};


static void
unlink_live(struct xp_tcp *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        xp_loop_live(t->loop)->tcp = t->next;
    if (t->next)
        t->next->prev = t->prev;
}

/* Deliver the result and free t. fd < 0 or err set means failure. */
static void
finish(struct xp_tcp *t, int timed_out)
{
    struct xp_tcp_result res = {
        .ip = t->ip, .port = t->port, .fd = -1, .err = t->err, .timed_out = timed_out,
        .ms = (xp_now_us() - t->t0_us) / 1000,
    };

    if (t->fd >= 0)
        xp_loop_unwatch(t->loop, t->fd);
    if (t->timer)
        xp_loop_timer_cancel(t->loop, t->timer);
    if (!t->err && !timed_out) {
        res.fd = t->fd;
    } else if (t->fd >= 0) {
        close(t->fd);
    }
    res.fail = timed_out || t->err == ETIMEDOUT ? XP_FAIL_TIMEOUT
               : t->err == ECONNREFUSED         ? XP_FAIL_REFUSED
               : t->err                          ? XP_FAIL_UNREACHABLE
                                                 : XP_FAIL_NONE;
    unlink_live(t);
    t->cb(t->arg, &res);
    free(t);
}

static void
on_writable(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct xp_tcp *t = arg;
    int err = 0;
    socklen_t len = sizeof(err);

    (void)loop;
    (void)revents;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    t->err = err;
    finish(t, 0);
}

static void
on_timeout(void *arg)
{
    struct xp_tcp *t = arg;

    t->timer = 0;
    t->err = ETIMEDOUT;
    finish(t, 1);
}

/* An immediate failure, delivered from the loop (a timer, so abort works). */
static void
on_immediate(void *arg)
{
    struct xp_tcp *t = arg;

    t->timer = 0;
    finish(t, 0);
}

struct xp_tcp *
xp_tcp_connect(struct xp_loop *loop, const char *ip, int port, int timeout_ms, xp_tcp_cb cb,
               void *arg)
{
    struct xp_tcp *t = xcalloc(1, sizeof(*t));
    struct sockaddr_storage ss;
    socklen_t sslen;

    t->loop = loop;
    t->cb = cb;
    t->arg = arg;
    t->fd = -1;
    t->port = port;
    t->t0_us = xp_now_us();
    snprintf(t->ip, sizeof(t->ip), "%s", ip);
    t->next = xp_loop_live(loop)->tcp;
    if (t->next)
        t->next->prev = t;
    xp_loop_live(loop)->tcp = t;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ss.ss_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
        sslen = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ss.ss_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
        sslen = sizeof(struct sockaddr_in6);
    } else {
        t->err = EINVAL;
        t->timer = xp_loop_timer(loop, 0, on_immediate, t);
        return t;
    }
    t->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0) {
        t->err = errno;
        t->timer = xp_loop_timer(loop, 0, on_immediate, t);
        return t;
    }
    /* Dialogues of small lines (SMTP, TLS records): without this, Nagle
     * holds a write until the peer's delayed ACK, ~40 ms per turn. */
    setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
    if (connect(t->fd, (struct sockaddr *)&ss, sslen) < 0 && errno != EINPROGRESS) {
        t->err = errno;
        t->timer = xp_loop_timer(loop, 0, on_immediate, t);
        return t;
    }
    xp_loop_watch(loop, t->fd, XP_OUT, on_writable, t);
    t->timer = xp_loop_timer(loop, timeout_ms, on_timeout, t);
    return t;
}

void
xp_tcp_abort(struct xp_tcp *t)
{
    if (!t)
        return;
    if (t->fd >= 0) {
        xp_loop_unwatch(t->loop, t->fd);
        close(t->fd);
    }
    if (t->timer)
        xp_loop_timer_cancel(t->loop, t->timer);
    unlink_live(t);
    free(t);
}

void
xp_tcp_abort_all(struct xp_loop *loop)
{
    while (xp_loop_live(loop)->tcp)
        xp_tcp_abort(xp_loop_live(loop)->tcp);
}

const char *
xp_tcp_error_text(const struct xp_tcp_result *res, char *buf, int len)
{
    if (res->timed_out)
        snprintf(buf, (size_t)len, "no answer (timed out after %lld ms)", (long long)res->ms);
    else if (res->err == ECONNREFUSED)
        snprintf(buf, (size_t)len, "connection refused (nothing listens on port %d)", res->port);
    else if (res->err)
        snprintf(buf, (size_t)len, "%s", strerror(res->err));
    else
        snprintf(buf, (size_t)len, "connected");
    return buf;
}
