/*
 * xp_tls.h — the one TLS layer every check that speaks TLS uses: a
 * non-blocking OpenSSL 3 client handshake over a connected socket (plain
 * TLS on 443/5061, or after an SMTP STARTTLS), driven by the event loop.
 *
 * It is deliberately permissive — TLS 1.0 and up, any cipher, security
 * level 0, no verification during the handshake — because its job is to
 * reach broken and old servers and collect what they present; judging it
 * (names, chain, dates, strength) is xp_cert.h's job, on the same chain
 * whether it came from here or from libcurl.
 */
#ifndef XP_TLS_H
#define XP_TLS_H

#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "xp.h"

struct xp_loop;
struct xp_tls;

/* Our bound on the server's certificate message (OpenSSL's default,
 * SSL_MAX_CERT_LIST_DEFAULT, is 100 KB). */
#define XP_TLS_MAX_CERT_LIST (1024 * 1024)

/* What one TLS endpoint presented. */
struct xp_tls_info {
    char host[256];            /* the name we asked for (SNI, name check) */
    int port;
    char ip[64];
    int handshake_ok;
    int timed_out;
    enum xp_fail fail;         /* NONE, TIMEOUT or TLS */
    char error[256];           /* why the handshake failed */
    char protocol[16];         /* "TLSv1.3" */
    char cipher[64];
    STACK_OF(X509) *chain;     /* as the peer sent it, leaf first; owned */
    int64_t ms;                /* handshake time */
    /* The key exchange: "X25519", "ECDH prime256v1", "DH", "RSA" (no
     * ephemeral key), or "" when unknown (a chain libcurl collected). */
    char kx[48];
    int kx_bits;               /* its size: DH group or EC bits; 0 unknown */
    int kx_ffdh;               /* finite-field Diffie-Hellman (DHE) */
    /* The OCSP response the server stapled (asked for with status_request),
     * DER; NULL when none. Owned. */
    unsigned char *ocsp;
    long ocsp_len;
    /* What a second handshake offering only TLS 1.0/1.1 got (cert probes
     * the endpoints it connects to itself): "TLSv1"/"TLSv1.1" accepted,
     * "refused", or "" not probed. */
    char old_protocol[16];
};

/* Called once, from the loop. info is borrowed for the call; ssl (NULL on
 * failure) is the live session, which the callback owns (SSL_free), like
 * the socket fd (close) — a protocol can go on talking over it. */
typedef void (*xp_tls_cb)(void *arg, const struct xp_tls_info *info, SSL *ssl, int fd);

/* The process-wide client context (created on first use). */
SSL_CTX *xp_tls_ctx(void);
void xp_tls_cleanup(void);

/*
 * Handshake over connected fd, sending sni as SNI (not for IP literals).
 * host/port/ip are recorded in the info. Never calls back from inside.
 */
struct xp_tls *xp_tls_handshake(struct xp_loop *loop, int fd, const char *sni, int port,
                                const char *ip, int timeout_ms, xp_tls_cb cb, void *arg);
/* The same, offering no protocol above max_version (TLS1_1_VERSION: to
 * learn whether the server still accepts TLS 1.0/1.1; 0: no limit). */
struct xp_tls *xp_tls_handshake_max(struct xp_loop *loop, int fd, const char *sni, int port,
                                    const char *ip, int timeout_ms, int max_version,
                                    xp_tls_cb cb, void *arg);
/* Abandon a handshake in flight (closes fd; cb is not called). */
void xp_tls_abort(struct xp_tls *t);
void xp_tls_abort_all(struct xp_loop *loop);

/* Fill info (handshake_ok, protocol, cipher, chain, key exchange, stapled
 * OCSP) from a finished handshake: ours, or libcurl's. */
void xp_tls_collect(SSL *ssl, struct xp_tls_info *info);

/* Deep copies (up-refs) and frees of an info's chain and stapled OCSP. */
void xp_tls_info_copy(struct xp_tls_info *dst, const struct xp_tls_info *src);
void xp_tls_info_clear(struct xp_tls_info *info);

#endif
