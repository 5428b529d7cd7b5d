/*
 * http_conns.c — HTTP connections open per destination, idle ones included
 * (xp_http_conns.h): a table by socket of where it goes, for which host
 * name, how many requests it carries now (none, not connecting, not
 * pinned: idle) and how many it carried. A destination is an address and
 * port, as the server sees it, whatever the host names.
 */
#include "xp_http_conns.h"
#include "xp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum conn_state { C_FREE, C_OPEN, C_SHUT };

struct conn {
    enum conn_state state;
    unsigned gen;              /* which opening of this socket number */
    int connecting;            /* opened, no request started on it yet */
    int active;                /* requests on it now (HTTP/2: several) */
    char ip[64];
    int port;
    int local_port;            /* 0 until asked (the socket binds on connect) */
    int pinned;
    unsigned uses;             /* requests it carried */
    int64_t idle_since_us;
    char host[256];
};

static struct conn *conns;      /* by socket */
static size_t nconns;
static unsigned next_gen = 1;
static int limit;
static int peak;

void
xp_http_conns_set_limit(int n)
{
    limit = n > 0 ? n : 0;
}

static int
is_idle(const struct conn *c)
{
    return c->state == C_OPEN && !c->connecting && c->active == 0 && !c->pinned;
}

static int
addr_parts(const struct sockaddr *a, char *ip, size_t iplen, int *port)
{
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)a;

        *port = ntohs(v4->sin_port);
        return inet_ntop(AF_INET, &v4->sin_addr, ip, (socklen_t)iplen) ? 0 : -1;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)a;

        *port = ntohs(v6->sin6_port);
        return inet_ntop(AF_INET6, &v6->sin6_addr, ip, (socklen_t)iplen) ? 0 : -1;
    }
    return -1;
}

static int
same_dest(const struct conn *c, const char *ip, int port)
{
    return c->port == port && strcmp(c->ip, ip) == 0;
}

static int
open_to(const char *ip, int port)
{
    size_t i;
    int n = 0;

    for (i = 0; i < nconns; i++)
        n += conns[i].state == C_OPEN && same_dest(&conns[i], ip, port);
    return n;
}

/* Connections open to ip:port for c's host name (c included). */
static int
host_conns(const struct conn *c, const char *ip, int port)
{
    size_t i;
    int n = 0;

    for (i = 0; i < nconns; i++)
        n += conns[i].state == C_OPEN && same_dest(&conns[i], ip, port) &&
             strcmp(conns[i].host, c->host) == 0;
    return n;
}

/* Is a a better connection to close than b? The one less likely to be
 * asked again: its host name's only connection there (a domain's own
 * Autodiscover name, met once) before one of a shared front end's several
 * (every domain's next request goes there), then the one that carried
 * fewer requests, then the one idle longer. */
static int
less_useful(const struct conn *a, int a_host, const struct conn *b, int b_host)
{
    if ((a_host == 1) != (b_host == 1))
        return a_host == 1;
    if (a->uses != b->uses)
        return a->uses < b->uses;
    return a->idle_since_us < b->idle_since_us;
}

/* The idle connection to ip:port to close first, or -1: none. */
static int
least_useful_idle(const char *ip, int port)
{
    size_t i;
    int best = -1, best_host = 0;

    for (i = 0; i < nconns; i++) {
        const struct conn *c = &conns[i];
        int n;

        if (!is_idle(c) || !same_dest(c, ip, port))
            continue;
        n = host_conns(c, ip, port);
        if (best < 0 || less_useful(c, n, &conns[best], best_host)) {
            best = (int)i;
            best_host = n;
        }
    }
    return best;
}

int
xp_http_conns_make_room(const struct sockaddr *addr)
{
    char ip[64];
    int port, shut = 0;

    if (!limit || addr_parts(addr, ip, sizeof(ip), &port) < 0)
        return 0;
    while (open_to(ip, port) >= limit) {
        int fd = least_useful_idle(ip, port);

        if (fd < 0)
            break;      /* every one carries a request: the slots allow it */
        /* Both directions: the server sees the close now; libcurl finds
         * the connection dead the next time it looks at its pool. */
        shutdown(fd, SHUT_RDWR);
        conns[fd].state = C_SHUT;
        xp_trace("http conn closed %s:%d (%s, idle after %u request%s) for a new one there",
                 ip, port, conns[fd].host, conns[fd].uses, conns[fd].uses == 1 ? "" : "s");
        shut++;
    }
    return shut;
}

void
xp_http_conns_opened(int fd, const struct sockaddr *addr, const char *host, int pinned)
{
    struct conn *c;
    int n;

    if (fd < 0)
        return;
    if ((size_t)fd >= nconns) {
        size_t grow = (size_t)fd + 64;

        conns = xrealloc(conns, grow * sizeof(*conns));
        memset(conns + nconns, 0, (grow - nconns) * sizeof(*conns));
        nconns = grow;
    }
    c = &conns[fd];
    memset(c, 0, sizeof(*c));
    c->gen = next_gen++;
    if (addr_parts(addr, c->ip, sizeof(c->ip), &c->port) < 0)
        return;     /* not an address we count: stays C_FREE */
    c->state = C_OPEN;
    c->connecting = 1;
    c->pinned = pinned;
    snprintf(c->host, sizeof(c->host), "%s", host ? host : "");
    n = open_to(c->ip, c->port);
    if (n > peak)
        peak = n;
}

static int
local_port_of(struct conn *c, int fd)
{
    struct sockaddr_storage a;
    socklen_t len = sizeof(a);
    char ip[64];
    int port;

    if (!c->local_port && getsockname(fd, (struct sockaddr *)&a, &len) == 0 &&
        addr_parts((struct sockaddr *)&a, ip, sizeof(ip), &port) == 0)
        c->local_port = port;
    return c->local_port;
}

void
xp_http_conns_busy(const char *ip, int port, int local_port, struct xp_http_conn_ref *ref)
{
    size_t i;

    if (!ip)
        return;
    for (i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];

        if (c->state != C_OPEN || !same_dest(c, ip, port) ||
            local_port_of(c, (int)i) != local_port)
            continue;
        if (ref->fd == (int)i && ref->gen == c->gen)
            return;                 /* the same request again (an auth round) */
        xp_http_conns_done(ref, 0);
        c->connecting = 0;
        c->active++;
        c->uses++;
        ref->fd = (int)i;
        ref->gen = c->gen;
        return;
    }
    /* Left counted as it was (a connecting socket is never shut down). */
    xp_trace("http conn %s:%d from port %d not known: not counted as busy", ip, port,
             local_port);
}

void
xp_http_conns_done(struct xp_http_conn_ref *ref, int unpin)
{
    struct conn *c;

    if (ref->fd < 0 || (size_t)ref->fd >= nconns)
        return;
    c = &conns[ref->fd];
    if (c->state != C_FREE && c->gen == ref->gen) {
        if (c->active > 0 && --c->active == 0)
            c->idle_since_us = xp_now_us();
        if (unpin)
            c->pinned = 0;
    }
    ref->fd = -1;
}

void
xp_http_conns_closed(int fd)
{
    if (fd >= 0 && (size_t)fd < nconns)
        conns[fd].state = C_FREE;
}

int
xp_http_conns_peak(void)
{
    return peak;
}

void
xp_http_conns_reset(void)
{
    free(conns);
    conns = NULL;
    nconns = 0;
    peak = 0;
}
