/*
 * xp_tcp.h — a non-blocking TCP connect with its own timeout, driven by the
 * event loop. Used to test reachability (Lync SRV targets) and as the first
 * step of every raw-socket protocol (SMTP, TLS).
 */
#ifndef XP_TCP_H
#define XP_TCP_H

#include <stdint.h>

#include "xp.h"

struct xp_loop;
struct xp_tcp;

struct xp_tcp_result {
    const char *ip;         /* as given */
    int port;
    int fd;                 /* connected socket, or -1; the callback owns it */
    int err;                /* errno of the failure; 0 on success */
    int timed_out;          /* no answer within the timeout */
    enum xp_fail fail;      /* NONE, REFUSED, UNREACHABLE or TIMEOUT */
    int64_t ms;
};

/* Called exactly once, from the loop; res is borrowed for the call. */
typedef void (*xp_tcp_cb)(void *arg, const struct xp_tcp_result *res);

/*
 * Connect to ip:port (IPv4 or IPv6 literal). Never calls cb from inside
 * this call: even an immediate failure is delivered from the loop.
 * Returns a handle valid until cb runs, for xp_tcp_abort.
 */
struct xp_tcp *xp_tcp_connect(struct xp_loop *loop, const char *ip, int port, int timeout_ms,
                              xp_tcp_cb cb, void *arg);
/* Abandon a connect whose callback has not run; cb will not be called. */
void xp_tcp_abort(struct xp_tcp *t);
/* Abandon every connect still in flight (at shutdown). */
void xp_tcp_abort_all(struct xp_loop *loop);

/* "connection refused", "timed out after 10 s", ... for reports. */
const char *xp_tcp_error_text(const struct xp_tcp_result *res, char *buf, int len);

#endif
