/*
 * facts.c — the per-target store of what checks learnt and share: one
 * list per kind of fact, all kept by put() (once each, sorted where the
 * reports list them); a new kind is its record, its list, its add.
 */
#include "xp_facts.h"
#include "xp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The records of one kind of fact. */
struct list {
    void *v;
    size_t n;
};

struct xp_facts {
    struct list tls;          /* struct xp_tls_endpoint */
    struct list http;         /* struct xp_http_endpoint */
    struct list http_soon;    /* struct xp_http_soon */
    struct list client_ip;    /* struct xp_client_ip */
    struct list builds;       /* struct xp_exchange_build */
    struct list v2urls;       /* struct xp_v2_url */
    unsigned http_seq;        /* HTTP endpoints recorded so far */
};

typedef int (*rec_cmp)(const void *rec, const void *key);

/*
 * The record of l (records of size bytes) that same() says is key's, or a
 * new zeroed one (*fresh = 1): at the end, or with order, after the last
 * record not ordered after key. Sorted lists are not in arrival order:
 * what the reports list must not depend on which server answered first
 * (or on --parallel).
 */
static void *
put(struct list *l, size_t size, const void *key, rec_cmp same, rec_cmp order, int *fresh)
{
    char *v = l->v;
    size_t i;

    for (i = 0; i < l->n; i++)
        if (same(v + i * size, key)) {
            *fresh = 0;
            return v + i * size;
        }
    l->v = v = xrealloc(v, (l->n + 1) * size);
    i = l->n;
    while (order && i > 0 && order(v + (i - 1) * size, key) > 0)
        i--;
    memmove(v + (i + 1) * size, v + i * size, (l->n - i) * size);
    memset(v + i * size, 0, size);
    l->n++;
    *fresh = 1;
    return v + i * size;
}

/* Add key's record (size bytes) unless l has it already: the first is kept. */
static void
keep_first(struct list *l, size_t size, const void *key, rec_cmp same, rec_cmp order)
{
    int fresh;
    void *e = put(l, size, key, same, order, &fresh);

    if (fresh)
        memcpy(e, key, size);
}

struct xp_facts *
xp_facts_new(void)
{
    return xcalloc(1, sizeof(struct xp_facts));
}

void
xp_facts_free(struct xp_facts *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->tls.n; i++)
        xp_tls_info_clear(&((struct xp_tls_endpoint *)f->tls.v)[i].info);
    free(f->tls.v);
    free(f->http.v);
    free(f->http_soon.v);
    free(f->client_ip.v);
    free(f->builds.v);
    free(f->v2urls.v);
    free(f);
}

/* Count and i-th record of one kind. */
#define FACT_ACCESS(kind, type, list)                                      \
    size_t xp_facts_##kind##_count(const struct xp_facts *f)               \
    {                                                                      \
        return f->list.n;                                                  \
    }                                                                      \
    const type *xp_facts_##kind(const struct xp_facts *f, size_t i)        \
    {                                                                      \
        return (const type *)f->list.v + i;                                \
    }

FACT_ACCESS(tls, struct xp_tls_endpoint, tls)
FACT_ACCESS(http, struct xp_http_endpoint, http)
FACT_ACCESS(http_soon, struct xp_http_soon, http_soon)
FACT_ACCESS(client_ip, struct xp_client_ip, client_ip)
FACT_ACCESS(build, struct xp_exchange_build, builds)
FACT_ACCESS(v2url, struct xp_v2_url, v2urls)

/* ---- TLS endpoints: sorted (source, host, port, address); a later
 * record of the same endpoint replaces the earlier one ---- */

static int
tls_order(const void *rec, const void *key)
{
    const struct xp_tls_endpoint *x = rec, *y = key;
    int d = strcmp(x->source, y->source);

    if (!d)
        d = strcmp(x->info.host, y->info.host);
    if (!d)
        d = x->info.port - y->info.port;
    return d ? d : strcmp(x->info.ip, y->info.ip);
}

static int
tls_same(const void *rec, const void *key)
{
    return tls_order(rec, key) == 0;
}

void
xp_facts_add_tls(struct xp_facts *f, const char *source, int exchange,
                 const struct xp_tls_info *info)
{
    struct xp_tls_endpoint key, *e;
    int fresh;

    memset(&key, 0, sizeof(key));
    snprintf(key.source, sizeof(key.source), "%s", source);
    key.info = *info;        /* a borrow, for the comparisons only */
    e = put(&f->tls, sizeof(*e), &key, tls_same, tls_order, &fresh);
    if (!fresh)
        xp_tls_info_clear(&e->info);
    snprintf(e->source, sizeof(e->source), "%s", source);
    e->exchange = exchange;
    xp_tls_info_copy(&e->info, info);
}

/* ---- Exchange HTTPS hosts: sorted (role, host, port), once each ---- */

static int
http_order(const void *rec, const void *key)
{
    const struct xp_http_endpoint *x = rec, *y = key;
    int d = strcmp(x->role, y->role);

    if (!d)
        d = strcasecmp(x->host, y->host);
    return d ? d : x->port - y->port;
}

static int
http_same(const void *rec, const void *key)
{
    const struct xp_http_endpoint *x = rec, *y = key;

    return xp_name_eq(x->host, y->host) && x->port == y->port && strcmp(x->role, y->role) == 0;
}

void
xp_facts_add_http(struct xp_facts *f, const char *host, int port, const char *ip,
                  const char *role, const char *unusable)
{
    struct xp_http_endpoint key = { .port = port, .seq = f->http_seq + 1 };
    size_t n = f->http.n;

    snprintf(key.host, sizeof(key.host), "%s", host);
    snprintf(key.ip, sizeof(key.ip), "%s", ip);
    snprintf(key.role, sizeof(key.role), "%s", role);
    snprintf(key.unusable, sizeof(key.unusable), "%s", unusable ? unusable : "");
    keep_first(&f->http, sizeof(key), &key, http_same, http_order);
    if (f->http.n > n)
        f->http_seq++;
}

const struct xp_http_endpoint *
xp_facts_http_next(const struct xp_facts *f, unsigned *seen)
{
    const struct xp_http_endpoint *next = NULL;
    size_t i;

    for (i = 0; i < xp_facts_http_count(f); i++) {
        const struct xp_http_endpoint *e = xp_facts_http(f, i);

        if (e->seq > *seen && (!next || e->seq < next->seq))
            next = e;
    }
    if (next)
        *seen = next->seq;
    return next;
}

/* ---- hosts about to be reached: in arrival order, once each ---- */

static int
http_soon_same(const void *rec, const void *key)
{
    const struct xp_http_soon *x = rec, *y = key;

    return xp_name_eq(x->host, y->host) && x->port == y->port && strcmp(x->ip, y->ip) == 0;
}

void
xp_facts_add_http_soon(struct xp_facts *f, const char *host, int port, const char *ip)
{
    struct xp_http_soon key = { .port = port };

    snprintf(key.host, sizeof(key.host), "%s", host);
    snprintf(key.ip, sizeof(key.ip), "%s", ip);
    keep_first(&f->http_soon, sizeof(key), &key, http_soon_same, NULL);
}

/* ---- client addresses: in arrival order, the first source kept ---- */

static int
client_ip_same(const void *rec, const void *key)
{
    return strcmp(((const struct xp_client_ip *)rec)->ip,
                  ((const struct xp_client_ip *)key)->ip) == 0;
}

void
xp_facts_add_client_ip(struct xp_facts *f, const char *ip, const char *source)
{
    struct xp_client_ip key = { 0 };

    snprintf(key.ip, sizeof(key.ip), "%s", ip);
    snprintf(key.source, sizeof(key.source), "%s", source);
    keep_first(&f->client_ip, sizeof(key), &key, client_ip_same, NULL);
}

/* ---- Exchange builds: in arrival order, the first per host kept ---- */

static int
build_same(const void *rec, const void *key)
{
    return xp_name_eq(((const struct xp_exchange_build *)rec)->host,
                      ((const struct xp_exchange_build *)key)->host);
}

void
xp_facts_add_build(struct xp_facts *f, const char *host, const char *version,
                   const char *source, int ep_default)
{
    struct xp_exchange_build key = { .ep_default = ep_default };

    snprintf(key.host, sizeof(key.host), "%s", host);
    snprintf(key.version, sizeof(key.version), "%s", version);
    snprintf(key.source, sizeof(key.source), "%s", source);
    keep_first(&f->builds, sizeof(key), &key, build_same, NULL);
}

const struct xp_exchange_build *
xp_facts_build_of(const struct xp_facts *f, const char *host)
{
    size_t i;

    for (i = 0; i < f->builds.n; i++)
        if (xp_name_eq(xp_facts_build(f, i)->host, host))
            return xp_facts_build(f, i);
    return NULL;
}

/* ---- Autodiscover v2 URLs: sorted (protocol, URL), once each ---- */

static int
v2url_order(const void *rec, const void *key)
{
    const struct xp_v2_url *x = rec, *y = key;
    int d = strcmp(x->protocol, y->protocol);

    return d ? d : strcmp(x->url, y->url);
}

static int
v2url_same(const void *rec, const void *key)
{
    return v2url_order(rec, key) == 0;
}

void
xp_facts_add_v2url(struct xp_facts *f, const char *protocol, const char *url, int cloud)
{
    struct xp_v2_url key = { .cloud = cloud };

    snprintf(key.protocol, sizeof(key.protocol), "%s", protocol);
    snprintf(key.url, sizeof(key.url), "%s", url);
    keep_first(&f->v2urls, sizeof(key), &key, v2url_same, v2url_order);
}
