/*
 * xp_http_share.h — HTTP answers shared across the targets of a run
 * (issue 17: work that belongs to a host, not to a domain, is done once).
 * A thousand domains of one hoster redirect to the same Autodiscover front
 * end; preauth and hybridauth then send it the very same anonymous
 * requests for every domain. The engine (engine.c) keys each request by
 * everything that goes on the wire (method, URL, pinned address, headers,
 * body, limits): the first one is sent, the others with the same key wait
 * for it or take its stored answer. Never shared here: requests with
 * credentials, fresh connections and NTLM conversations (what they judge
 * is the connection itself; hybridauth keeps a conversation's outcome per
 * front end itself, check_hybridauth.c ntlm_memo). Answers are kept LRU-bounded in count and
 * bytes; a TUI rerun flushes them (the rerun must ask the server again).
 * A request may also be sent before anyone needs its answer
 * (xp_check_http_prefetch: a redirect's target, while autodiscover's POST
 * is on the wire); one nobody joined is cancelled before it is sent when
 * its check has ended (xp_http_share_cancel).
 */
#ifndef XP_HTTP_SHARE_H
#define XP_HTTP_SHARE_H

#include <stddef.h>

#include "xp_http.h"

struct xp_http_share;
struct xp_http_shared;

/* Called with the answer; resp is borrowed for the call. */
typedef void (*xp_http_share_cb)(void *arg, const struct xp_http_resp *resp);

struct xp_http_share *xp_http_share_new(size_t max_entries, size_t max_bytes);
/* Waiters still waiting are dropped (their cb never runs). */
void xp_http_share_free(struct xp_http_share *s);
/* Forget every stored answer (in-flight ones still reach their waiters). */
void xp_http_share_flush(struct xp_http_share *s);

/* The key of a request that may be shared (caller frees), or NULL when it
 * must go on the wire for its own sake. */
char *xp_http_share_key(const struct xp_http_req *req);

/* The entry for key: a stored answer (xp_http_shared_resp non-NULL), one
 * in flight, or NULL when nobody asked yet. */
struct xp_http_shared *xp_http_share_find(struct xp_http_share *s, const char *key);
/* Record that the request with this key (copied) is now on the wire. */
struct xp_http_shared *xp_http_share_begin(struct xp_http_share *s, const char *key);
/* Its stored answer, or NULL while in flight. */
const struct xp_http_resp *xp_http_shared_resp(const struct xp_http_shared *e);
/* Wait for the in-flight answer of e. */
void xp_http_share_wait(struct xp_http_shared *e, xp_http_share_cb cb, void *arg);
/* Does anyone wait for e's answer? */
int xp_http_shared_waited(const struct xp_http_shared *e);
/* e, in flight and waited for by nobody, will not be sent after all: forget
 * it (a later identical request goes on the wire itself). */
void xp_http_share_cancel(struct xp_http_share *s, struct xp_http_shared *e);
/* The wire answer of e arrived: keep a copy, call every waiter with it. */
void xp_http_share_done(struct xp_http_share *s, struct xp_http_shared *e,
                        const struct xp_http_resp *resp);
/* Requests answered from the store or by joining one in flight. */
size_t xp_http_share_hits(const struct xp_http_share *s);

/* (xp_http_resp_dup / xp_http_resp_free: include/xp_http.h) */

#endif
