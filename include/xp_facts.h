/*
 * xp_facts.h — what checks learn about a target and share, so no work is
 * done twice (SPEC: "cert judges the certificates the other checks
 * collected"; later, "dnsbl uses the IP smtp learned"). One store per
 * target, owned by it; a check that waits for another (ops->after) reads
 * what that one published.
 */
#ifndef XP_FACTS_H
#define XP_FACTS_H

#include <stddef.h>

#include "xp_tls.h"

struct xp_facts;

/* One TLS endpoint met by a check, with what it presented. */
struct xp_tls_endpoint {
    char source[64];           /* "lync _sip._tls", "--hosts", ... */
    int exchange;              /* an Exchange HTTPS endpoint (msstd applies) */
    struct xp_tls_info info;   /* owned by the store */
};

/* One Exchange HTTPS host reached (Autodiscover, EWS), for preauth and
 * hybridauth. */
struct xp_http_endpoint {
    char host[256];
    int port;
    char ip[64];
    char role[32];             /* "autodiscover", "ews" */
    char unusable[320];        /* why no client reaches it by this name (its
                                * certificate does not name it), or "" */
    unsigned seq;              /* 1, 2, ...: the order they were recorded in
                                * (the list is sorted): what is new since */
};

/* An https host autodiscover is about to reach: a redirect's target, its
 * anonymous POST asked and not yet answered. Not a verdict: only an
 * xp_http_endpoint says the host was reached and whether clients can use
 * it by that name. preauth and hybridauth send it their requests at once
 * (into the run's shared answers, xp_check_http_prefetch; hybridauth's NTLM
 * conversation stepless), so the answers are there when the endpoint
 * comes; steps and findings come only with the endpoint. */
struct xp_http_soon {
    char host[256];
    int port;
    char ip[64];               /* the address autodiscover's POST goes to */
};

/* The client's public address as a server saw it (smtp: the address
 * literal in an EHLO reply), for dnsbl and the connector IP check. */
struct xp_client_ip {
    char ip[64];
    char source[160];          /* "EHLO reply of mx1.contoso.com (192.0.2.1)" */
};

/* An Exchange build read anonymously by preauth (for hybridauth's
 * Extended Protection judgement and the pre-flight). */
struct xp_exchange_build {
    char host[256];
    char version[32];          /* "15.2.2562.37" (or 3 parts) */
    char source[64];           /* "ServerVersionInfo", "X-OWA-Version", "OWA asset path" */
    int ep_default;            /* Extended Protection on by default in this build */
};

/* A protocol URL Autodiscover v2 gave for the target's address (for
 * hybridauth: the on-premises EAS/EWS hosts and paths to probe). */
struct xp_v2_url {
    char protocol[16];         /* "ActiveSync", "EWS" */
    char url[1024];
    int cloud;                 /* Microsoft's (a cloud mailbox) */
};

struct xp_facts *xp_facts_new(void);
void xp_facts_free(struct xp_facts *f);

/* Record (a copy of) what an endpoint presented; a later record for the
 * same source, host, port and address replaces the earlier one. */
void xp_facts_add_tls(struct xp_facts *f, const char *source, int exchange,
                      const struct xp_tls_info *info);
size_t xp_facts_tls_count(const struct xp_facts *f);
const struct xp_tls_endpoint *xp_facts_tls(const struct xp_facts *f, size_t i);

/* Record an Exchange HTTPS host (once per host, port and role); unusable:
 * why clients cannot use it by that name, or NULL (the checks that probe
 * these hosts leave it out, saying why: one cause, one finding). */
void xp_facts_add_http(struct xp_facts *f, const char *host, int port, const char *ip,
                       const char *role, const char *unusable);
size_t xp_facts_http_count(const struct xp_facts *f);
const struct xp_http_endpoint *xp_facts_http(const struct xp_facts *f, size_t i);
/* The first HTTP endpoint recorded after *seen (by seq), or NULL; *seen
 * moves to it. A reader that keeps *seen (preauth, hybridauth on
 * facts_grew) takes each endpoint once, in the order they arrived. */
const struct xp_http_endpoint *xp_facts_http_next(const struct xp_facts *f, unsigned *seen);

/* Record a host autodiscover is about to reach (once per host, port and
 * address; in arrival order: a reader keeps how many it took). */
void xp_facts_add_http_soon(struct xp_facts *f, const char *host, int port, const char *ip);
size_t xp_facts_http_soon_count(const struct xp_facts *f);
const struct xp_http_soon *xp_facts_http_soon(const struct xp_facts *f, size_t i);

/* Record a client address seen by a server (once per address; the first
 * source is kept). */
void xp_facts_add_client_ip(struct xp_facts *f, const char *ip, const char *source);
size_t xp_facts_client_ip_count(const struct xp_facts *f);
const struct xp_client_ip *xp_facts_client_ip(const struct xp_facts *f, size_t i);

/* Record the build one host revealed (once per host; the first kept). */
void xp_facts_add_build(struct xp_facts *f, const char *host, const char *version,
                        const char *source, int ep_default);
size_t xp_facts_build_count(const struct xp_facts *f);
const struct xp_exchange_build *xp_facts_build(const struct xp_facts *f, size_t i);
/* The build of host, or NULL. */
const struct xp_exchange_build *xp_facts_build_of(const struct xp_facts *f, const char *host);

/* Record a URL (once per protocol and URL; kept sorted by both). */
void xp_facts_add_v2url(struct xp_facts *f, const char *protocol, const char *url, int cloud);
size_t xp_facts_v2url_count(const struct xp_facts *f);
const struct xp_v2_url *xp_facts_v2url(const struct xp_facts *f, size_t i);

#endif
