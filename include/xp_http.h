/*
 * xp_http.h — one HTTP(S) request on libcurl's multi interface, driven by
 * the event loop. Redirects are never followed here (checks decide, hop by
 * hop); the address is pinned to one the run's resolver found
 * (CURLOPT_RESOLVE), so --dns-server applies to HTTP too; headers and body
 * are bounded; the TLS chain the server presented is collected for the
 * cert check from the live connection, without connecting twice.
 */
#ifndef XP_HTTP_H
#define XP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "xp_tls.h"

struct xp_loop;
struct xp_http;

struct xp_http_req {
    const char *url;
    const char *method;            /* "GET" or "POST" */
    const char *body;              /* POST body (copied), or NULL */
    const char *content_type;      /* for the body */
    const char *soap_action;       /* SOAPAction header, or NULL */
    const char *connect_ip;        /* pin the URL's host to this address */
    const char *user;              /* credentials (any auth curl offers), or NULL */
    const char *password;
    int basic_only;                /* offer only Basic (retry after NTLM was refused) */
    int fresh;                     /* a connection of its own, neither reused nor
                                      kept (e.g. probing NTLM's connection binding) */
    const char *ca_file;           /* verify with these anchors when credentials go */
    int timeout_ms;
    size_t max_body;               /* bytes kept; more ends the transfer */
    const char *const *headers;    /* extra "Name: value" lines, NULL-ended, or NULL */
    int http1_only;                /* no HTTP/2 (ALPN offers http/1.1 only) */
    unsigned conversation;         /* nonzero: a connection of its own, apart from
                                    * the shared pool, named by this number (NTLM
                                    * authenticates a connection, not a request) */
    int conversation_step;         /* 1 opens it and keeps it open, 2 continues
                                    * on it and closes it */
};

struct xp_http_header {
    char *name;
    char *value;
};

struct xp_http_resp {
    int completed;                 /* a whole HTTP response arrived */
    int body_truncated;            /* the body exceeded max_body */
    int timed_out;
    enum xp_fail fail;             /* why it failed (HTTP_STATUS: completed, >= 400;
                                    * SIZE: cut at max_body or the header limits) */
    int refused;                   /* connection refused or reset (retried under load) */
    char error[256];               /* transfer error, when not completed */
    long status;
    struct xp_http_header *headers; /* of the final response, in order */
    size_t nheaders;
    char *body;                    /* NUL-terminated, body_len bytes */
    size_t body_len;
    char *location;                /* absolute redirect target, or NULL */
    char ip[64];                   /* address actually used */
    int port;
    int64_t dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms;
    int http_version;              /* 10, 11, 20, 30 (0: unknown) */
    long new_connections;          /* connections this request opened (0: reused one) */
    struct xp_tls_info tls;        /* chain etc., for https */
};

/* Called once, from the loop; resp is borrowed for the call. */
typedef void (*xp_http_cb)(void *arg, const struct xp_http_resp *resp);

/* Start a request; the request's strings are copied. */
struct xp_http *xp_http_start(struct xp_loop *loop, const struct xp_http_req *req,
                              xp_http_cb cb, void *arg);
void xp_http_abort(struct xp_http *h);
void xp_http_abort_all(struct xp_loop *loop);
/* After the loop (and its connection pool) is freed: the shared TLS
 * session cache. */
void xp_http_cleanup(void);

/* Host, port (the scheme's default when absent) and whether it is https,
 * of an absolute URL; 0 on success, -1 when it does not parse. */
int xp_http_url_parts(const char *url, char *host, size_t hostlen, int *port, int *https);

/* A deep copy of resp (headers, body, location, TLS chain) to keep past
 * the callback; free it with xp_http_resp_free (probes/http_share.c). */
struct xp_http_resp *xp_http_resp_dup(const struct xp_http_resp *resp);
void xp_http_resp_free(struct xp_http_resp *r);

/* First header of that name (case-insensitive), or NULL. */
const char *xp_http_header(const struct xp_http_resp *r, const char *name);
/* Every value of that header joined with ", " (caller frees), or NULL. */
char *xp_http_header_all(const struct xp_http_resp *r, const char *name);
/* "Name: value" lines for evidence (caller frees with xp_strv_free). */
char **xp_http_header_lines(const struct xp_http_resp *r, size_t *n);

#endif
