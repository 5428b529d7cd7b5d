/*
 * http_share.c — HTTP answers shared across a run's targets
 * (xp_http_share.h): a hash table of request keys, each an answer in
 * flight (with its waiters) or a stored copy; stored copies are kept in
 * LRU order and evicted beyond the count and byte bounds.
 */
#include "xp_http_share.h"
#include "xp.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024

struct waiter {
    xp_http_share_cb cb;
    void *arg;
    struct waiter *next;
};

struct xp_http_shared {
    char *key;
    unsigned hash;
    struct xp_http_resp *resp;          /* NULL while in flight */
    size_t bytes;                       /* what the stored copy costs, roughly */
    struct waiter *waiters;
    struct xp_http_shared *next;        /* hash chain */
    struct xp_http_shared *older, *newer;   /* LRU, stored answers only */
};

struct xp_http_share {
    struct xp_http_shared *buckets[BUCKETS];
    struct xp_http_shared *oldest, *newest;
    size_t nstored, bytes, max_entries, max_bytes, hits;
};

struct xp_http_share *
xp_http_share_new(size_t max_entries, size_t max_bytes)
{
    struct xp_http_share *s = xcalloc(1, sizeof(*s));

    s->max_entries = max_entries;
    s->max_bytes = max_bytes;
    return s;
}

static void
entry_free(struct xp_http_shared *e)
{
    struct waiter *w, *wn;

    for (w = e->waiters; w; w = wn) {
        wn = w->next;
        free(w);
    }
    xp_http_resp_free(e->resp);
    free(e->key);
    free(e);
}

void
xp_http_share_free(struct xp_http_share *s)
{
    struct xp_http_shared *e, *en;
    size_t i;

    if (!s)
        return;
    for (i = 0; i < BUCKETS; i++)
        for (e = s->buckets[i]; e; e = en) {
            en = e->next;
            entry_free(e);
        }
    free(s);
}

static void
unlink_hash(struct xp_http_share *s, struct xp_http_shared *e)
{
    struct xp_http_shared **pp;

    for (pp = &s->buckets[e->hash % BUCKETS]; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            return;
        }
}

static void
unlink_lru(struct xp_http_share *s, struct xp_http_shared *e)
{
    if (e->older)
        e->older->newer = e->newer;
    else
        s->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        s->newest = e->older;
    e->older = e->newer = NULL;
    s->nstored--;
    s->bytes -= e->bytes;
}

/* e (unlinked) becomes the most recently used stored answer. */
static void
link_newest(struct xp_http_share *s, struct xp_http_shared *e)
{
    e->older = s->newest;
    e->newer = NULL;
    if (s->newest)
        s->newest->newer = e;
    else
        s->oldest = e;
    s->newest = e;
    s->nstored++;
    s->bytes += e->bytes;
}

static void
forget(struct xp_http_share *s, struct xp_http_shared *e)
{
    unlink_lru(s, e);
    unlink_hash(s, e);
    entry_free(e);
}

void
xp_http_share_flush(struct xp_http_share *s)
{
    while (s->oldest)
        forget(s, s->oldest);
}

/* One field of a key: its length first, so no value can fake a boundary. */
static void
key_field(struct xp_buf *b, const char *v)
{
    size_t n = v ? strlen(v) : 0;

    xp_buf_printf(b, "%zu%c", n, v ? ':' : '-');
    if (n)
        xp_buf_add(b, v, n);
}

char *
xp_http_share_key(const struct xp_http_req *req)
{
    struct xp_buf b = { 0 };
    size_t i;

    if (req->user || req->fresh || req->conversation)
        return NULL;
    key_field(&b, req->method ? req->method : "GET");
    key_field(&b, req->url);
    key_field(&b, req->connect_ip);
    key_field(&b, req->content_type);
    key_field(&b, req->soap_action);
    key_field(&b, req->body);
    xp_buf_printf(&b, "%d|%d|%zu|", req->http1_only, req->timeout_ms, req->max_body);
    for (i = 0; req->headers && req->headers[i]; i++)
        key_field(&b, req->headers[i]);
    return b.s;
}

struct xp_http_shared *
xp_http_share_find(struct xp_http_share *s, const char *key)
{
    unsigned h = xp_str_hash(key);
    struct xp_http_shared *e;

    for (e = s->buckets[h % BUCKETS]; e; e = e->next)
        if (e->hash == h && strcmp(e->key, key) == 0) {
            s->hits++;
            if (e->resp && e != s->newest) {    /* most recently used */
                unlink_lru(s, e);
                link_newest(s, e);
            }
            return e;
        }
    return NULL;
}

struct xp_http_shared *
xp_http_share_begin(struct xp_http_share *s, const char *key)
{
    struct xp_http_shared *e = xcalloc(1, sizeof(*e));

    e->key = xstrdup(key);
    e->hash = xp_str_hash(key);
    e->next = s->buckets[e->hash % BUCKETS];
    s->buckets[e->hash % BUCKETS] = e;
    return e;
}

const struct xp_http_resp *
xp_http_shared_resp(const struct xp_http_shared *e)
{
    return e->resp;
}

void
xp_http_share_wait(struct xp_http_shared *e, xp_http_share_cb cb, void *arg)
{
    struct waiter *w = xcalloc(1, sizeof(*w)), **pp = &e->waiters;

    w->cb = cb;
    w->arg = arg;
    while (*pp)     /* in the order they asked */
        pp = &(*pp)->next;
    *pp = w;
}

int
xp_http_shared_waited(const struct xp_http_shared *e)
{
    return e->waiters != NULL;
}

void
xp_http_share_cancel(struct xp_http_share *s, struct xp_http_shared *e)
{
    unlink_hash(s, e);
    entry_free(e);
}

static size_t
resp_bytes(const struct xp_http_resp *r)
{
    size_t n = sizeof(*r) + r->body_len, i;

    for (i = 0; i < r->nheaders; i++)
        n += strlen(r->headers[i].name) + strlen(r->headers[i].value) + 2;
    if (r->tls.chain)
        n += 2048 * (size_t)sk_X509_num(r->tls.chain);   /* decoded certificates */
    return n;
}

void
xp_http_share_done(struct xp_http_share *s, struct xp_http_shared *e,
                   const struct xp_http_resp *resp)
{
    struct waiter *w = e->waiters, *wn;

    e->waiters = NULL;
    e->resp = xp_http_resp_dup(resp);
    e->bytes = resp_bytes(resp);
    link_newest(s, e);
    for (; w; w = wn) {
        wn = w->next;
        w->cb(w->arg, e->resp);
        free(w);
    }
    /* Evict only now: e itself may go when it alone exceeds the bounds. */
    while (s->oldest && (s->nstored > s->max_entries || s->bytes > s->max_bytes))
        forget(s, s->oldest);
}

size_t
xp_http_share_hits(const struct xp_http_share *s)
{
    return s->hits;
}

struct xp_http_resp *
xp_http_resp_dup(const struct xp_http_resp *r)
{
    struct xp_http_resp *d = xmalloc(sizeof(*d));
    size_t i;

    *d = *r;
    d->headers = r->nheaders ? xcalloc(r->nheaders, sizeof(*d->headers)) : NULL;
    for (i = 0; i < r->nheaders; i++) {
        d->headers[i].name = xstrdup(r->headers[i].name);
        d->headers[i].value = xstrdup(r->headers[i].value);
    }
    d->body = NULL;
    if (r->body) {
        d->body = xmalloc(r->body_len + 1);
        memcpy(d->body, r->body, r->body_len);
        d->body[r->body_len] = '\0';
    }
    d->location = r->location ? xstrdup(r->location) : NULL;
    xp_tls_info_copy(&d->tls, &r->tls);
    return d;
}

void
xp_http_resp_free(struct xp_http_resp *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    free(r->location);
    xp_tls_info_clear(&r->tls);
    free(r);
}
