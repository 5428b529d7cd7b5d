/*
 * net_http.c — HTTP requests on the loop's curl multi handle. libcurl does
 * HTTP, TLS and authentication; this file sets the bounds (headers, body,
 * time), pins the address the run's resolver chose, never follows a
 * redirect, and keeps what a check judges: status, headers, body, timings
 * and the certificate chain of the live connection.
 */
#include "xp_http.h"
#include "xp_http_conns.h"
#include "xp_params.h"
#include "xp.h"
#include "xp_loop.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_HEADERS 100                 /* per response */
#define MAX_HEADER_BYTES (64 * 1024)    /* per response */
#define MAX_RESPONSES 8                 /* 1xx, authentication rounds, the answer */

struct xp_http {
    struct xp_loop *loop;
    CURL *easy;
    xp_http_cb cb;
    void *arg;
    struct curl_slist *resolve;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    struct xp_http_resp resp;
    struct xp_buf body;
    size_t max_body;
    size_t header_bytes;                /* of the current response */
    int responses;
    int https;
    int header_overflow;
    int pinned;                         /* a conversation's connection (xp_http_conns.h) */
    int conversation_step;              /* xp_http_req's */
    struct xp_http_conn_ref conn;       /* the connection it is on */
    char host[256];                     /* the URL's */
    struct xp_http *prev, *next;
};


static void
unlink_live(struct xp_http *h)
{
    if (h->prev)
        h->prev->next = h->next;
    else
        xp_loop_live(h->loop)->http = h->next;
    if (h->next)
        h->next->prev = h->prev;
}

static void
clear_headers(struct xp_http_resp *r)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

static void
resp_free(struct xp_http_resp *r)
{
    clear_headers(r);
    free(r->location);
    xp_tls_info_clear(&r->tls);
}

static void
free_handle(struct xp_http *h)
{
    curl_easy_cleanup(h->easy);
    curl_slist_free_all(h->resolve);
    curl_slist_free_all(h->hdrs);
    free(h->body.s);
    resp_free(&h->resp);
    free(h);
}

/* Take the chain and protocol from the live TLS connection, once. */
static void
collect_tls(struct xp_http *h)
{
    struct curl_tlssessioninfo *ti = NULL;
    SSL *ssl;

    if (!h->https || h->resp.tls.handshake_ok)
        return;
    if (curl_easy_getinfo(h->easy, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
        ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
        return;
    ssl = ti->internals;
    xp_tls_collect(ssl, &h->resp.tls);
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xp_http *h = arg;
    size_t n = size * nmemb, len = n;
    const char *colon;
    struct xp_http_header *hd;

    collect_tls(h);
    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 1xx, or an authentication round). */
        clear_headers(&h->resp);
        h->header_bytes = 0;
        if (++h->responses > MAX_RESPONSES) {
            h->header_overflow = 1;
            return 0;
        }
    }
    h->header_bytes += n;
    if (h->header_bytes > MAX_HEADER_BYTES) {
        h->header_overflow = 1;
        return 0;
    }
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        return n;
    colon = memchr(data, ':', len);
    if (!colon || len == 0)
        return n;
    if (h->resp.nheaders >= MAX_HEADERS) {
        h->header_overflow = 1;
        return 0;
    }
    h->resp.headers = xrealloc(h->resp.headers, (h->resp.nheaders + 1) * sizeof(*hd));
    hd = &h->resp.headers[h->resp.nheaders++];
    hd->name = xstrndup(data, (size_t)(colon - data));
    colon++;
    while (colon < data + len && (*colon == ' ' || *colon == '\t'))
        colon++;
    hd->value = xstrndup(colon, (size_t)(data + len - colon));
    return n;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xp_http *h = arg;
    size_t n = size * nmemb;

    if (h->body.len + n > h->max_body) {
        xp_buf_add(&h->body, data, h->max_body - h->body.len);
        h->resp.body_truncated = 1;
        return 0;   /* ends the transfer: we have what we judge */
    }
    xp_buf_add(&h->body, data, n);
    return n;
}

static int64_t
info_ms(CURL *easy, CURLINFO what)
{
    curl_off_t us = 0;

    curl_easy_getinfo(easy, what, &us);
    return (int64_t)us / 1000;
}

/* libcurl's messages carry the time spent ("... port 80 after 5 ms: ...");
 * the time is in the response's own fields, so the text stays the same
 * from one run to the next (stable reports, --baseline). */
static void
drop_elapsed(char *msg)
{
    char *p = strstr(msg, " after ");

    while (p) {
        char *q = p + 7;

        while (*q >= '0' && *q <= '9')
            q++;
        if (q > p + 7 && strncmp(q, " ms", 3) == 0) {
            memmove(p, q + 3, strlen(q + 3) + 1);
            return;
        }
        p = strstr(p + 1, " after ");
    }
}

/* libcurl's result as a failure class (xp.h). */
static enum xp_fail
fail_class(CURL *easy, CURLcode rc, const struct xp_http_resp *r, int header_overflow)
{
    long oserr = 0;

    if (header_overflow || r->body_truncated)
        return XP_FAIL_SIZE;
    switch (rc) {
    case CURLE_OK:
        return r->status >= 400 ? XP_FAIL_HTTP_STATUS : XP_FAIL_NONE;
    case CURLE_OPERATION_TIMEDOUT:
        return XP_FAIL_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
        return XP_FAIL_DNS;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &oserr);
        return oserr == ECONNREFUSED ? XP_FAIL_REFUSED
               : oserr == ETIMEDOUT  ? XP_FAIL_TIMEOUT
                                     : XP_FAIL_UNREACHABLE;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return XP_FAIL_TLS;
    case CURLE_FILESIZE_EXCEEDED:
        return XP_FAIL_SIZE;
    default:
        return XP_FAIL_PROTOCOL;
    }
}

/* The HTTP version the answer came in, as 10, 11, 20 or 30. */
static int
http_version(CURL *easy)
{
    long v = 0;

    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v);
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
        return 10;
    case CURL_HTTP_VERSION_1_1:
        return 11;
    case CURL_HTTP_VERSION_2_0:
        return 20;
    case CURL_HTTP_VERSION_3:
        return 30;
    default:
        return 0;
    }
}

/* libcurl's sockets go through xp_http_conns.h, so --per-address counts
 * the connections a server sees, kept-alive idle ones included. */
static curl_socket_t
on_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xp_http *h = arg;
    int fd;

    (void)purpose;
    xp_http_conns_make_room(&a->addr);
    fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd < 0)
        return CURL_SOCKET_BAD;
    xp_http_conns_opened(fd, &a->addr, h->host, h->pinned);
    return fd;
}

/* Not per request: libcurl keeps the callback with the connection, which
 * outlives the request that opened it. */
static int
on_closesocket(void *arg, curl_socket_t fd)
{
    (void)arg;
    xp_http_conns_closed(fd);
    return close(fd);
}

/* The connection is there (new or reused), the request about to go. */
static int
on_prereq(void *arg, char *ip, char *local_ip, int port, int local_port)
{
    struct xp_http *h = arg;

    (void)local_ip;
    xp_http_conns_busy(ip, port, local_port, &h->conn);
    return CURL_PREREQFUNC_OK;
}

/* Did r bring an NTLM CHALLENGE ("WWW-Authenticate: NTLM <token>")? Then
 * the conversation's second request follows on its connection. */
static int
ntlm_challenge_in(const struct xp_http_resp *r)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++) {
        const char *v = r->headers[i].value;

        if (strcasecmp(r->headers[i].name, "WWW-Authenticate") == 0 &&
            strncasecmp(v, "NTLM ", 5) == 0 && v[5] && v[5] != ' ')
            return 1;
    }
    return 0;
}

static void
on_done(CURL *easy, CURLcode rc, void *arg)
{
    struct xp_http *h = arg;
    struct xp_http_resp *r = &h->resp;
    char *location = NULL, *ip = NULL;
    long port = 0;

    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port);
    if (location)
        r->location = xstrdup(location);
    snprintf(r->ip, sizeof(r->ip), "%s", ip ? ip : "");
    r->port = (int)port;
    r->dns_ms = info_ms(easy, CURLINFO_NAMELOOKUP_TIME_T);
    r->connect_ms = info_ms(easy, CURLINFO_CONNECT_TIME_T);
    r->tls_ms = info_ms(easy, CURLINFO_APPCONNECT_TIME_T);
    r->first_byte_ms = info_ms(easy, CURLINFO_STARTTRANSFER_TIME_T);
    r->total_ms = info_ms(easy, CURLINFO_TOTAL_TIME_T);
    r->http_version = http_version(easy);
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &r->new_connections);
    r->completed = rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && r->body_truncated);
    r->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    r->fail = fail_class(easy, rc, r, h->header_overflow);
    if (!r->completed) {
        long os_errno = 0;

        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
        r->refused = os_errno == ECONNREFUSED || os_errno == ECONNRESET;
        snprintf(r->error, sizeof(r->error), "%s",
                 h->header_overflow ? "response headers over the limit (100 headers or 64 KiB "
                                      "per response, 8 responses)"
                 : h->errbuf[0]     ? h->errbuf
                                    : curl_easy_strerror(rc));
        drop_elapsed(r->error);
    }
    xp_buf_add(&h->body, "", 0);
    r->body = h->body.s;
    r->body_len = h->body.len;
    if (h->https) {
        snprintf(r->tls.ip, sizeof(r->tls.ip), "%s", r->ip);
        r->tls.port = r->port;
    }
    /* A conversation's connection stays pinned only while its second
     * request is to come. */
    xp_http_conns_done(&h->conn, !(h->conversation_step == 1 && ntlm_challenge_in(r)));
    unlink_live(h);
    h->cb(h->arg, r);
    free_handle(h);
}

int
xp_http_url_parts(const char *url, char *host, size_t hostlen, int *port, int *https)
{
    CURLU *u = curl_url();
    char *h = NULL, *p = NULL, *scheme = NULL;
    int rc = -1;

    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
        snprintf(host, hostlen, "%s", h);
        *port = atoi(p);
        *https = strcasecmp(scheme, "https") == 0;
        rc = 0;
    }
    curl_free(h);
    curl_free(p);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

/* TLS sessions are shared by every request of the run: a new connection
 * to a host already met resumes its session (no full handshake for the
 * server to sign). A resumed session carries the server's chain, so the
 * certificate judged is the same. */
static CURLSH *share;

static CURLSH *
tls_session_share(void)
{
    if (!share) {
        share = curl_share_init();
        if (!share)
            xp_fatal("curl_share_init failed");
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    return share;
}

struct xp_http *
xp_http_start(struct xp_loop *loop, const struct xp_http_req *req, xp_http_cb cb, void *arg)
{
    struct xp_http *h = xcalloc(1, sizeof(*h));
    char host[256] = "";
    int port = 0;
    size_t i;
    CURL *e;

    h->loop = loop;
    h->cb = cb;
    h->arg = arg;
    h->max_body = req->max_body ? req->max_body : xp_params_defaults.http_body_max;
    h->easy = e = curl_easy_init();
    if (!e)
        xp_fatal("curl_easy_init failed");
    xp_http_url_parts(req->url, host, sizeof(host), &port, &h->https);
    snprintf(h->resp.tls.host, sizeof(h->resp.tls.host), "%s", host);
    snprintf(h->host, sizeof(h->host), "%s", host);
    h->pinned = req->conversation != 0;
    h->conversation_step = req->conversation_step;
    h->conn.fd = -1;
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, h);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, NULL);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, h);
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)req->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    /* Connections are kept and reused per host name, port and TLS settings
     * (keep-alive: thousands of domains on one hoster cost one handshake
     * per connection, not per request). A reused connection still shows its
     * chain (it is the same TLS session), so nothing judged changes; a
     * request that needs a connection of its own says so (fresh). */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE,
                     req->fresh || (req->conversation && req->conversation_step == 2) ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT,
                     req->fresh || (req->conversation && req->conversation_step == 1) ? 1L : 0L);
    if (!req->fresh)
        curl_easy_setopt(e, CURLOPT_SHARE, tls_session_share());
    if (req->http1_only)
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "exprobe/" XP_VERSION);
    /* The report is the view from this host: never through a proxy named
     * in the environment (http_proxy, HTTPS_PROXY, ALL_PROXY). */
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    if (req->connect_ip && host[0] && host[0] != '[') {
        /* "host:port:addr:port": connect to the pinned address, Host and
         * SNI stay the URL's. Not CURLOPT_RESOLVE: its entries stay in the
         * multi handle's DNS cache for good, one per host name, and libcurl
         * walks that cache for every request (a bulk run's CPU grew with
         * the number of domains); an address literal is cached per address
         * (a few per run) and expires. An IPv6 address goes in brackets. */
        int v6 = strchr(req->connect_ip, ':') != NULL && req->connect_ip[0] != '[';
        char *pin = xasprintf("%s:%d:%s%s%s:%d", host, port, v6 ? "[" : "", req->connect_ip,
                              v6 ? "]" : "", port);

        h->resolve = curl_slist_append(NULL, pin);
        free(pin);
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, h->resolve);
    }
    if (req->user) {
        /* Credentials: https only, verified, never after a redirect. */
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(e, CURLOPT_USERNAME, req->user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, req->password ? req->password : "");
        /* Basic (over verified https) when offered, as ExRCA does; else
         * NTLM. Negotiate needs a Kerberos ticket we do not have. */
        curl_easy_setopt(e, CURLOPT_HTTPAUTH,
                         req->basic_only ? CURLAUTH_BASIC : CURLAUTH_NTLM | CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
        if (req->ca_file)
            curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_file);
    } else {
        /* Anonymous probes reach broken servers too; the cert check judges
         * the chain collected here. */
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        /* curl's pool matches connections on their TLS settings: a
         * conversation names the same suites plus the exclusion of a cipher
         * that does not exist ("!xp-conv-N", ignored by OpenSSL), so no
         * other request -- not even another target's conversation with the
         * same front end -- is handed its connection, and it is handed no
         * other. */
        char ciphers[64];

        if (req->conversation)
            snprintf(ciphers, sizeof(ciphers), "ALL:!xp-conv-%u:@SECLEVEL=0",
                     req->conversation);
        else
            snprintf(ciphers, sizeof(ciphers), "ALL:@SECLEVEL=0");
        curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST, ciphers);
        curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1);
    }
    h->hdrs = curl_slist_append(h->hdrs, "Expect:");
    if (req->content_type) {
        char *ct = xasprintf("Content-Type: %s", req->content_type);

        h->hdrs = curl_slist_append(h->hdrs, ct);
        free(ct);
    }
    if (req->soap_action) {
        char *sa = xasprintf("SOAPAction: \"%s\"", req->soap_action);

        h->hdrs = curl_slist_append(h->hdrs, sa);
        free(sa);
    }
    for (i = 0; req->headers && req->headers[i]; i++)
        h->hdrs = curl_slist_append(h->hdrs, req->headers[i]);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs);
    if (req->method && strcmp(req->method, "POST") == 0)
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
    else
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    h->next = xp_loop_live(loop)->http;
    if (h->next)
        h->next->prev = h;
    xp_loop_live(loop)->http = h;
    xp_loop_add_easy(loop, e, on_done, h);
    return h;
}

void
xp_http_abort(struct xp_http *h)
{
    if (!h)
        return;
    xp_loop_remove_easy(h->loop, h->easy);
    xp_http_conns_done(&h->conn, 1);
    unlink_live(h);
    free_handle(h);
}

void
xp_http_abort_all(struct xp_loop *loop)
{
    while (xp_loop_live(loop)->http)
        xp_http_abort(xp_loop_live(loop)->http);
}

void
xp_http_cleanup(void)
{
    if (share && curl_share_cleanup(share) == CURLSHE_OK)
        share = NULL;
    xp_http_conns_reset();
}

const char *
xp_http_header(const struct xp_http_resp *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

char *
xp_http_header_all(const struct xp_http_resp *r, const char *name)
{
    struct xp_buf b = { 0 };
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            xp_buf_printf(&b, "%s%s", b.len ? ", " : "", r->headers[i].value);
    return b.s;
}

char **
xp_http_header_lines(const struct xp_http_resp *r, size_t *n)
{
    /* What tells who answered and why first; then the rest, in order. */
    static const char *const useful[] = {
        "Location", "WWW-Authenticate", "Server", "Via", "X-Powered-By", "X-FEServer",
    };
    /* Values that change with every request (dates, ids, session cookies):
     * named, not shown, so two reports of unchanged servers are equal. */
    static const char *const varying[] = {
        "Date", "Expires", "Age", "request-id", "X-Request-Id", "X-Correlation-Id",
        "X-CorrelationId", "X-MS-Request-Id", "client-request-id", "X-Amz-Cf-Id",
        "Set-Cookie", "X-Trace-Id", "CF-RAY", "X-Cache-Hits",
    };
    char **lines = xcalloc(r->nheaders + 1, sizeof(char *));
    unsigned char *done = xcalloc(r->nheaders + 1, 1);
    size_t i, k, out = 0, pass;

    for (pass = 0; pass <= XP_ARRAY_LEN(useful); pass++) {
        for (i = 0; i < r->nheaders; i++) {
            const char *name = r->headers[i].name;
            int hide = 0;

            if (done[i] || (pass < XP_ARRAY_LEN(useful) && strcasecmp(name, useful[pass])))
                continue;
            for (k = 0; k < XP_ARRAY_LEN(varying); k++)
                hide |= strcasecmp(name, varying[k]) == 0;
            lines[out++] = hide ? xasprintf("%s: (varies per response; not shown)", name)
                                : xasprintf("%s: %s", name, r->headers[i].value);
            done[i] = 1;
        }
    }
    free(done);
    *n = out;
    return lines;
}

