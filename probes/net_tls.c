/*
 * net_tls.c — non-blocking client handshakes on OpenSSL 3. SSL_connect is
 * retried whenever the socket becomes ready in the direction OpenSSL asked
 * for (WANT_READ / WANT_WRITE), under one timer; a stalled or garbage-
 * speaking server ends at the timeout or at the first bad record.
 */
#include "xp_tls.h"
#include "xp.h"
#include "xp_loop.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct xp_tls {
    struct xp_loop *loop;
    SSL *ssl;
    int fd;
    uint64_t timer;            /* the handshake's deadline */
    uint64_t start_timer;      /* first step, from the loop */
    xp_tls_cb cb;
    void *arg;
    int64_t t0_us;
    struct xp_tls_info info;
    struct xp_tls *prev, *next;
};

static SSL_CTX *client_ctx;

SSL_CTX *
xp_tls_ctx(void)
{
    if (client_ctx)
        return client_ctx;
    client_ctx = SSL_CTX_new(TLS_client_method());
    if (!client_ctx)
        xp_fatal("cannot create a TLS context");
    /* Reach old and weak servers too: we report on them, we send nothing
     * secret over these sessions. */
    SSL_CTX_set_security_level(client_ctx, 0);
    SSL_CTX_set_min_proto_version(client_ctx, TLS1_VERSION);
    SSL_CTX_set_cipher_list(client_ctx, "ALL:@SECLEVEL=0");
    SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_options(client_ctx, SSL_OP_LEGACY_SERVER_CONNECT);
    /* Room for a 10,000-name certificate: OpenSSL's default (100 KB) is
     * what most clients allow, and cert notes a chain above it; ours is
     * only a bound, and a failure on it says it is ours. */
    SSL_CTX_set_max_cert_list(client_ctx, XP_TLS_MAX_CERT_LIST);
    return client_ctx;
}

void
xp_tls_cleanup(void)
{
    SSL_CTX_free(client_ctx);
    client_ctx = NULL;
}

static void
unlink_live(struct xp_tls *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        xp_loop_live(t->loop)->tls = t->next;
    if (t->next)
        t->next->prev = t->prev;
}

/* The OpenSSL error queue (or errno) as one line. */
static void
describe_error(struct xp_tls *t, int ret)
{
    int err = SSL_get_error(t->ssl, ret);
    unsigned long e = ERR_peek_last_error();
    char buf[200];

    if (e && ERR_GET_REASON(e) == SSL_R_EXCESSIVE_MESSAGE_SIZE) {
        snprintf(t->info.error, sizeof(t->info.error), "the server's handshake message is "
                 "larger than exprobe's own limit of %d bytes (our cap, not a server error; "
                 "OpenSSL clients accept %d bytes by default)", XP_TLS_MAX_CERT_LIST,
                 SSL_MAX_CERT_LIST_DEFAULT);
    } else if (e) {
        ERR_error_string_n(e, buf, sizeof(buf));
        snprintf(t->info.error, sizeof(t->info.error), "TLS handshake failed: %s",
                 ERR_reason_error_string(e) ? ERR_reason_error_string(e) : buf);
    } else if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN) {
        snprintf(t->info.error, sizeof(t->info.error),
                 "the server closed the connection during the TLS handshake");
    } else {
        snprintf(t->info.error, sizeof(t->info.error), "TLS handshake failed (error %d)", err);
    }
    ERR_clear_error();
}

/* The key exchange the server chose, from its ephemeral key. */
static void
collect_kx(SSL *ssl, struct xp_tls_info *in)
{
    EVP_PKEY *key = NULL;

    if (!SSL_get_peer_tmp_key(ssl, &key) || !key) {
        /* no ephemeral key: static RSA key transport (TLS 1.2 and older) */
        snprintf(in->kx, sizeof(in->kx), "%s", "RSA");
        return;
    }
    in->kx_bits = EVP_PKEY_get_bits(key);
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
        in->kx_ffdh = 1;
        snprintf(in->kx, sizeof(in->kx), "%s", "DH");
        break;
    case EVP_PKEY_EC: {
        char group[32] = "";

        EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), NULL);
        snprintf(in->kx, sizeof(in->kx), "ECDH %s", group);
        break;
    }
    default:
        snprintf(in->kx, sizeof(in->kx), "%s", OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
        break;
    }
    EVP_PKEY_free(key);
}

/* The stapled OCSP response, if the server sent one. */
static void
collect_ocsp(SSL *ssl, struct xp_tls_info *in)
{
    const unsigned char *p = NULL;
    long n = SSL_get_tlsext_status_ocsp_resp(ssl, &p);

    if (n <= 0 || !p)
        return;
    in->ocsp = xmalloc((size_t)n);
    memcpy(in->ocsp, p, (size_t)n);
    in->ocsp_len = n;
}

void
xp_tls_collect(SSL *ssl, struct xp_tls_info *in)
{
    STACK_OF(X509) *peer = SSL_get_peer_cert_chain(ssl);
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    int i;

    in->handshake_ok = 1;
    snprintf(in->protocol, sizeof(in->protocol), "%s", SSL_get_version(ssl));
    snprintf(in->cipher, sizeof(in->cipher), "%s", cipher ? SSL_CIPHER_get_name(cipher) : "");
    in->chain = sk_X509_new_null();
    for (i = 0; peer && i < sk_X509_num(peer); i++) {
        X509 *x = sk_X509_value(peer, i);

        X509_up_ref(x);
        sk_X509_push(in->chain, x);
    }
    collect_kx(ssl, in);
    collect_ocsp(ssl, in);
}

static void
finish(struct xp_tls *t)
{
    SSL *ssl = NULL;
    int fd = t->fd;

    t->info.ms = (xp_now_us() - t->t0_us) / 1000;
    xp_loop_unwatch(t->loop, t->fd);
    if (t->timer)
        xp_loop_timer_cancel(t->loop, t->timer);
    if (t->start_timer)
        xp_loop_timer_cancel(t->loop, t->start_timer);
    t->info.fail = t->info.handshake_ok ? XP_FAIL_NONE
                   : t->info.timed_out  ? XP_FAIL_TIMEOUT
                                        : XP_FAIL_TLS;
    if (t->info.handshake_ok) {
        ssl = t->ssl;
    } else {
        SSL_free(t->ssl);
        close(t->fd);
        fd = -1;
    }
    unlink_live(t);
    t->cb(t->arg, &t->info, ssl, fd);
    xp_tls_info_clear(&t->info);
    free(t);
}

static void on_io(struct xp_loop *loop, int fd, unsigned revents, void *arg);

static void
step(struct xp_tls *t)
{
    int ret;

    ERR_clear_error();
    ret = SSL_connect(t->ssl);
    if (ret == 1) {
        xp_tls_collect(t->ssl, &t->info);
        finish(t);
        return;
    }
    switch (SSL_get_error(t->ssl, ret)) {
    case SSL_ERROR_WANT_READ:
        xp_loop_watch(t->loop, t->fd, XP_IN, on_io, t);
        return;
    case SSL_ERROR_WANT_WRITE:
        xp_loop_watch(t->loop, t->fd, XP_OUT, on_io, t);
        return;
    default:
        describe_error(t, ret);
        finish(t);
    }
}

static void
on_io(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    (void)loop;
    (void)fd;
    (void)revents;
    step(arg);
}

static void
on_timeout(void *arg)
{
    struct xp_tls *t = arg;

    t->timer = 0;
    t->info.timed_out = 1;
    snprintf(t->info.error, sizeof(t->info.error),
             "no TLS handshake within %lld ms (the server stalled)",
             (long long)((xp_now_us() - t->t0_us) / 1000));
    finish(t);
}

static void
on_start(void *arg)
{
    struct xp_tls *t = arg;

    t->start_timer = 0;
    step(t);
}

struct xp_tls *
xp_tls_handshake(struct xp_loop *loop, int fd, const char *sni, int port, const char *ip,
                 int timeout_ms, xp_tls_cb cb, void *arg)
{
    return xp_tls_handshake_max(loop, fd, sni, port, ip, timeout_ms, 0, cb, arg);
}

struct xp_tls *
xp_tls_handshake_max(struct xp_loop *loop, int fd, const char *sni, int port, const char *ip,
                     int timeout_ms, int max_version, xp_tls_cb cb, void *arg)
{
    struct xp_tls *t = xcalloc(1, sizeof(*t));

    t->loop = loop;
    t->fd = fd;
    t->cb = cb;
    t->arg = arg;
    t->t0_us = xp_now_us();
    snprintf(t->info.host, sizeof(t->info.host), "%s", sni);
    snprintf(t->info.ip, sizeof(t->info.ip), "%s", ip ? ip : "");
    t->info.port = port;
    t->ssl = SSL_new(xp_tls_ctx());
    if (!t->ssl)
        xp_fatal("SSL_new failed");
    SSL_set_fd(t->ssl, fd);
    SSL_set_connect_state(t->ssl);
    if (max_version)
        SSL_set_max_proto_version(t->ssl, max_version);
    if (!xp_is_ip(sni))
        SSL_set_tlsext_host_name(t->ssl, sni);
    /* Ask for a stapled OCSP response, as browsers and Windows do. */
    SSL_set_tlsext_status_type(t->ssl, TLSEXT_STATUSTYPE_ocsp);
    t->next = xp_loop_live(loop)->tls;
    if (t->next)
        t->next->prev = t;
    xp_loop_live(loop)->tls = t;
    /* Start from the loop, so cb never runs inside this call. */
    t->start_timer = xp_loop_timer(loop, 0, on_start, t);
    t->timer = xp_loop_timer(loop, timeout_ms, on_timeout, t);
    return t;
}

void
xp_tls_abort(struct xp_tls *t)
{
    if (!t)
        return;
    xp_loop_unwatch(t->loop, t->fd);
    if (t->timer)
        xp_loop_timer_cancel(t->loop, t->timer);
    if (t->start_timer)
        xp_loop_timer_cancel(t->loop, t->start_timer);
    SSL_free(t->ssl);
    close(t->fd);
    xp_tls_info_clear(&t->info);
    unlink_live(t);
    free(t);
}

void
xp_tls_abort_all(struct xp_loop *loop)
{
    while (xp_loop_live(loop)->tls)
        xp_tls_abort(xp_loop_live(loop)->tls);
}

void
xp_tls_info_copy(struct xp_tls_info *dst, const struct xp_tls_info *src)
{
    int i;

    *dst = *src;
    dst->chain = NULL;
    dst->ocsp = NULL;
    dst->ocsp_len = 0;
    if (src->ocsp && src->ocsp_len > 0) {
        dst->ocsp = xmalloc((size_t)src->ocsp_len);
        memcpy(dst->ocsp, src->ocsp, (size_t)src->ocsp_len);
        dst->ocsp_len = src->ocsp_len;
    }
    if (!src->chain)
        return;
    dst->chain = sk_X509_new_null();
    for (i = 0; i < sk_X509_num(src->chain); i++) {
        X509 *x = sk_X509_value(src->chain, i);

        X509_up_ref(x);
        sk_X509_push(dst->chain, x);
    }
}

void
xp_tls_info_clear(struct xp_tls_info *info)
{
    if (info->chain)
        sk_X509_pop_free(info->chain, X509_free);
    info->chain = NULL;
    free(info->ocsp);
    info->ocsp = NULL;
    info->ocsp_len = 0;
}
