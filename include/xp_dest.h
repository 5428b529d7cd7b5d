/*
 * xp_dest.h — manners towards servers: at most xp_params.conns_per_dest
 * connections at once to one destination (IP address and port), whatever
 * --parallel is, so a thousand domains hosted on the same Exchange Online
 * or hoster addresses are not hammered. A connection waits its turn: the
 * lowest order first (the engine gives its target's place in the input, so
 * the oldest target's work goes first and a domain finishes instead of all
 * of them progressing slowly), then in arrival order; its slot is held from the connect until its socket is closed
 * (xp_dest_close_fd) or, for an HTTP request, until the request ends.
 * The engine (engine.c) is the only user; checks call xp_check_close().
 */
#ifndef XP_DEST_H
#define XP_DEST_H

#include <stddef.h>

struct xp_loop;
struct xp_dests;
struct xp_dest;

/* go(arg, d) runs once the slot is ours: at once from xp_dest_acquire when
 * one is free, else later from the loop. */
typedef void (*xp_dest_go)(void *arg, struct xp_dest *d);

struct xp_dests *xp_dests_new(struct xp_loop *loop, int limit);
/* Waiters still queued are dropped (their go never runs). */
void xp_dests_free(struct xp_dests *ds);

/* "ip" may be a host name when no address is known (HTTP without a pin). */
void xp_dest_acquire_ordered(struct xp_dests *ds, const char *ip, int port, size_t order,
                             xp_dest_go go, void *arg);
/* The same after every waiter (arrival order only). */
void xp_dest_acquire(struct xp_dests *ds, const char *ip, int port, xp_dest_go go, void *arg);

/* A slot taken at once, even over the limit: for a request continuing on a
 * connection it already holds (waiting for a slot would leave that
 * connection idle long enough to be closed under load). */
void xp_dest_acquire_now(struct xp_dests *ds, const char *ip, int port, xp_dest_go go,
                         void *arg);
void xp_dest_release(struct xp_dests *ds, struct xp_dest *d);
/* Other connections to d open or waiting: a refusal now may be load. */
int xp_dest_busy(const struct xp_dest *d);
/* The most connections that were open at once to any one destination. */
int xp_dests_peak(const struct xp_dests *ds);

/* fd is connected to d and holds its slot until closed. */
void xp_dest_own_fd(struct xp_dests *ds, int fd, struct xp_dest *d);
/* Release fd's slot (if any) and close it. */
void xp_dest_close_fd(struct xp_dests *ds, int fd);
/* fd was closed by someone else (a failed handshake): release its slot. */
void xp_dest_forget_fd(struct xp_dests *ds, int fd);

#endif
