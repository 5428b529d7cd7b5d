/*
 * xp_http_conns.h — the HTTP connections open to each destination (IP
 * address and port), idle kept-alive ones included, so that --per-address
 * counts what a server sees. The engine's slots (xp_dest.h) bound requests
 * in progress; libcurl keeps each finished request's connection for reuse,
 * and a thousand domains' Autodiscover names on one hoster address would
 * leave a kept-alive connection each (the delay proxy counted 21-27 open
 * per address at a limit of 8). When a new connection would pass the limit,
 * the idle one least likely to be reused (its host name's only one, then
 * fewest requests, then idle longest) is shut down first; libcurl finds it
 * dead when it next looks at its pool and closes it.
 *
 * A connection is idle when no request is on it (HTTP/2 carries several at
 * once: each counts), it is not still connecting, and it is not pinned (an
 * NTLM conversation's, between its two requests).
 *
 * net_http.c is the only caller: it opens and closes libcurl's sockets
 * (CURLOPT_OPENSOCKETFUNCTION, CURLOPT_CLOSESOCKETFUNCTION) and says when
 * a request starts on a connection (CURLOPT_PREREQFUNCTION) and ends. The
 * table is the run's (a process runs one engine at a time).
 */
#ifndef XP_HTTP_CONNS_H
#define XP_HTTP_CONNS_H

#include <sys/socket.h>

/* Which connection a request is on: a socket and the generation of its
 * record (a closed socket's number is soon someone else's). */
struct xp_http_conn_ref {
    int fd;                    /* -1: none */
    unsigned gen;
};

/* Connections open at once to one destination: 0 = not counted. */
void xp_http_conns_set_limit(int limit);

/* Before a new connection to addr: shut down idle ones over the limit.
 * Returns how many were shut down. */
int xp_http_conns_make_room(const struct sockaddr *addr);
/* fd, just created, will connect to addr for host (connecting: not idle
 * until a request starts on it or it closes); pinned: see above. */
void xp_http_conns_opened(int fd, const struct sockaddr *addr, const char *host, int pinned);
/* A request starts on the connection from local_port to ip:port; *ref
 * (fd -1 at first) says which, for xp_http_conns_done. */
void xp_http_conns_busy(const char *ip, int port, int local_port,
                        struct xp_http_conn_ref *ref);
/* The request on *ref ended; unpin: its connection carries no
 * conversation any more (no second request will come). */
void xp_http_conns_done(struct xp_http_conn_ref *ref, int unpin);
/* fd is being closed. */
void xp_http_conns_closed(int fd);

/* The most connections that were open at once to one destination. */
int xp_http_conns_peak(void);
/* Forget every connection (the end of a run). */
void xp_http_conns_reset(void);

#endif
