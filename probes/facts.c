/*
 * facts.c — the per-target store of what checks learnt and share.
 */
#include "xp_facts.h"
#include "xp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct xp_facts {
    struct xp_tls_endpoint *tls;
    size_t ntls, captls;
    struct xp_http_endpoint *http;
    size_t nhttp;
    struct xp_client_ip *client_ip;
    size_t nclient_ip;
    struct xp_exchange_build *builds;
    size_t nbuilds;
    struct xp_v2_url *v2urls;
    size_t nv2urls;
};

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
    for (i = 0; i < f->ntls; i++)
        xp_tls_info_clear(&f->tls[i].info);
    free(f->tls);
    free(f->http);
    free(f->client_ip);
    free(f->builds);
    free(f->v2urls);
    free(f);
}

static int
tls_cmp(const struct xp_tls_endpoint *x, const char *source, const struct xp_tls_info *info)
{
    int d = strcmp(x->source, source);

    if (!d)
        d = strcmp(x->info.host, info->host);
    if (!d)
        d = x->info.port - info->port;
    return d ? d : strcmp(x->info.ip, info->ip);
}

void
xp_facts_add_tls(struct xp_facts *f, const char *source, int exchange,
                 const struct xp_tls_info *info)
{
    struct xp_tls_endpoint *e = NULL;
    size_t i;

    for (i = 0; i < f->ntls; i++) {
        struct xp_tls_endpoint *x = &f->tls[i];

        if (strcmp(x->source, source) == 0 && strcmp(x->info.host, info->host) == 0 &&
            x->info.port == info->port && strcmp(x->info.ip, info->ip) == 0) {
            xp_tls_info_clear(&x->info);
            e = x;
            break;
        }
    }
    if (!e) {
        if (f->ntls == f->captls) {
            f->captls = f->captls ? f->captls * 2 : 8;
            f->tls = xrealloc(f->tls, f->captls * sizeof(*f->tls));
        }
        /* Kept sorted, not in arrival order: what the reports list must not
         * depend on which server answered first (or on --parallel). */
        for (i = f->ntls; i > 0 && tls_cmp(&f->tls[i - 1], source, info) > 0; i--)
            ;
        memmove(&f->tls[i + 1], &f->tls[i], (f->ntls - i) * sizeof(*f->tls));
        memset(&f->tls[i], 0, sizeof(f->tls[i]));
        f->ntls++;
        e = &f->tls[i];
    }
    snprintf(e->source, sizeof(e->source), "%s", source);
    e->exchange = exchange;
    xp_tls_info_copy(&e->info, info);
}

size_t
xp_facts_tls_count(const struct xp_facts *f)
{
    return f->ntls;
}

const struct xp_tls_endpoint *
xp_facts_tls(const struct xp_facts *f, size_t i)
{
    return &f->tls[i];
}

void
xp_facts_add_http(struct xp_facts *f, const char *host, int port, const char *ip,
                  const char *role)
{
    struct xp_http_endpoint *e;
    size_t i;

    for (i = 0; i < f->nhttp; i++)
        if (xp_name_eq(f->http[i].host, host) && f->http[i].port == port &&
            strcmp(f->http[i].role, role) == 0)
            return;
    f->http = xrealloc(f->http, (f->nhttp + 1) * sizeof(*f->http));
    /* Sorted (role, host, port), not in arrival order (see the TLS list). */
    for (i = f->nhttp; i > 0; i--) {
        const struct xp_http_endpoint *x = &f->http[i - 1];
        int d = strcmp(x->role, role);

        if (!d)
            d = strcasecmp(x->host, host);
        if (!d)
            d = x->port - port;
        if (d <= 0)
            break;
    }
    memmove(&f->http[i + 1], &f->http[i], (f->nhttp - i) * sizeof(*f->http));
    f->nhttp++;
    e = &f->http[i];
    snprintf(e->host, sizeof(e->host), "%s", host);
    snprintf(e->ip, sizeof(e->ip), "%s", ip);
    snprintf(e->role, sizeof(e->role), "%s", role);
    e->port = port;
}

size_t
xp_facts_http_count(const struct xp_facts *f)
{
    return f->nhttp;
}

const struct xp_http_endpoint *
xp_facts_http(const struct xp_facts *f, size_t i)
{
    return &f->http[i];
}

void
xp_facts_add_client_ip(struct xp_facts *f, const char *ip, const char *source)
{
    size_t i;

    for (i = 0; i < f->nclient_ip; i++)
        if (strcmp(f->client_ip[i].ip, ip) == 0)
            return;
    f->client_ip = xrealloc(f->client_ip, (f->nclient_ip + 1) * sizeof(*f->client_ip));
    snprintf(f->client_ip[f->nclient_ip].ip, sizeof(f->client_ip->ip), "%s", ip);
    snprintf(f->client_ip[f->nclient_ip].source, sizeof(f->client_ip->source), "%s", source);
    f->nclient_ip++;
}

size_t
xp_facts_client_ip_count(const struct xp_facts *f)
{
    return f->nclient_ip;
}

const struct xp_client_ip *
xp_facts_client_ip(const struct xp_facts *f, size_t i)
{
    return &f->client_ip[i];
}

void
xp_facts_add_build(struct xp_facts *f, const char *host, const char *version,
                   const char *source, int ep_default)
{
    struct xp_exchange_build *b;

    if (xp_facts_build_of(f, host))
        return;
    f->builds = xrealloc(f->builds, (f->nbuilds + 1) * sizeof(*f->builds));
    b = &f->builds[f->nbuilds++];
    snprintf(b->host, sizeof(b->host), "%s", host);
    snprintf(b->version, sizeof(b->version), "%s", version);
    snprintf(b->source, sizeof(b->source), "%s", source);
    b->ep_default = ep_default;
}

size_t
xp_facts_build_count(const struct xp_facts *f)
{
    return f->nbuilds;
}

const struct xp_exchange_build *
xp_facts_build(const struct xp_facts *f, size_t i)
{
    return &f->builds[i];
}

const struct xp_exchange_build *
xp_facts_build_of(const struct xp_facts *f, const char *host)
{
    size_t i;

    for (i = 0; i < f->nbuilds; i++)
        if (xp_name_eq(f->builds[i].host, host))
            return &f->builds[i];
    return NULL;
}

void
xp_facts_add_v2url(struct xp_facts *f, const char *protocol, const char *url, int cloud)
{
    struct xp_v2_url *u;
    size_t i;

    for (i = 0; i < f->nv2urls; i++)
        if (strcmp(f->v2urls[i].protocol, protocol) == 0 && strcmp(f->v2urls[i].url, url) == 0)
            return;
    f->v2urls = xrealloc(f->v2urls, (f->nv2urls + 1) * sizeof(*f->v2urls));
    /* Sorted (protocol, URL), not in arrival order (see the TLS list). */
    for (i = f->nv2urls; i > 0; i--) {
        const struct xp_v2_url *x = &f->v2urls[i - 1];
        int d = strcmp(x->protocol, protocol);

        if ((d ? d : strcmp(x->url, url)) <= 0)
            break;
    }
    memmove(&f->v2urls[i + 1], &f->v2urls[i], (f->nv2urls - i) * sizeof(*f->v2urls));
    f->nv2urls++;
    u = &f->v2urls[i];
    snprintf(u->protocol, sizeof(u->protocol), "%s", protocol);
    snprintf(u->url, sizeof(u->url), "%s", url);
    u->cloud = cloud;
}

size_t
xp_facts_v2url_count(const struct xp_facts *f)
{
    return f->nv2urls;
}

const struct xp_v2_url *
xp_facts_v2url(const struct xp_facts *f, size_t i)
{
    return &f->v2urls[i];
}
