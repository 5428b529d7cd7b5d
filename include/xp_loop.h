/*
 * xp_loop.h — the one single-threaded event loop. It drives, in one poll:
 * libcurl's multi interface (curl owns the poll: curl_multi_poll with our
 * descriptors as extra fds), every c-ares channel, raw sockets (SMTP, TLS,
 * TCP probes, the TUI's stdin) and timers. Nothing blocks; every callback
 * runs from xp_loop_run at a safe point (never inside a curl or c-ares
 * callback), so callbacks may add or remove anything, including themselves.
 */
#ifndef XP_LOOP_H
#define XP_LOOP_H

#include <stdint.h>

#include <ares.h>
#include <curl/curl.h>

struct xp_loop;

#define XP_IN  0x1u
#define XP_OUT 0x2u
#define XP_ERR 0x4u   /* revents only: POLLERR/POLLHUP (may arrive as IN/OUT) */

typedef void (*xp_io_cb)(struct xp_loop *loop, int fd, unsigned revents, void *arg);
typedef void (*xp_cb)(void *arg);
typedef void (*xp_easy_done_cb)(CURL *easy, CURLcode rc, void *arg);
/* Before-sleep hook: returns the next time (xp_now_us) it wants to run, or 0. */
typedef int64_t (*xp_tick_cb)(void *arg, int64_t now_us);

struct xp_loop *xp_loop_new(void);
/* Idle keep-alive HTTP connections kept for reuse: a bounded pool (the
 * oldest is closed first), not one per request ever made. */
void xp_loop_set_http_pool(struct xp_loop *loop, int n);

/* Frees the loop; pending timers and deferred calls are dropped, not run. */
void xp_loop_free(struct xp_loop *loop);

/* Watch fd for XP_IN/XP_OUT (replaces an earlier watch of the same fd). */
void xp_loop_watch(struct xp_loop *loop, int fd, unsigned events, xp_io_cb cb, void *arg);
/* Stop watching fd; safe inside any callback. The caller still owns fd. */
void xp_loop_unwatch(struct xp_loop *loop, int fd);

/* One-shot timer after ms; returns an id (never 0) for cancel. */
uint64_t xp_loop_timer(struct xp_loop *loop, int64_t ms, xp_cb cb, void *arg);
/* Cancel a timer that has not fired; unknown or fired ids are ignored. */
void xp_loop_timer_cancel(struct xp_loop *loop, uint64_t id);

/* Run cb(arg) at the start of the next iteration, in FIFO order. */
void xp_loop_defer(struct xp_loop *loop, xp_cb cb, void *arg);
/* Drop the deferred calls of cb with arg that have not run yet (also from
 * inside a deferred call): who frees arg first cancels its call. */
void xp_loop_defer_cancel(struct xp_loop *loop, xp_cb cb, void *arg);

/* Poll this channel's sockets and drive its timeouts until removed. */
void xp_loop_add_channel(struct xp_loop *loop, ares_channel channel);
void xp_loop_remove_channel(struct xp_loop *loop, ares_channel channel);

/*
 * Add an easy handle to the loop's multi handle; done(easy, rc, arg) runs
 * once it completes, after it was removed from the multi (the caller then
 * owns easy again). xp_loop_remove_easy cancels without calling done.
 */
void xp_loop_add_easy(struct xp_loop *loop, CURL *easy, xp_easy_done_cb done, void *arg);
void xp_loop_remove_easy(struct xp_loop *loop, CURL *easy);

/* One before-sleep hook (the TUI paints there); NULL to clear. */
void xp_loop_set_tick(struct xp_loop *loop, xp_tick_cb cb, void *arg);

/*
 * The transports' work in flight on this loop, each a list its module
 * links and unlinks (net_tcp.c, net_tls.c, net_http.c), so the engine can
 * abort what is left (xp_*_abort_all) without any process-wide list.
 */
struct xp_tcp;
struct xp_tls;
struct xp_http;
struct xp_loop_live {
    struct xp_tcp *tcp;
    struct xp_tls *tls;
    struct xp_http *http;
};
struct xp_loop_live *xp_loop_live(struct xp_loop *loop);

/* Make xp_loop_run return after the current iteration. */
void xp_loop_stop(struct xp_loop *loop);

/*
 * Run until xp_loop_stop or an interrupt (SIGINT/SIGTERM, once
 * xp_loop_catch_signals was called). Returns 1 if interrupted, else 0.
 */
int xp_loop_run(struct xp_loop *loop);

/* Install SIGINT/SIGTERM handlers that wake and interrupt the loop. */
void xp_loop_catch_signals(struct xp_loop *loop);
int xp_loop_interrupted(const struct xp_loop *loop);

#endif
