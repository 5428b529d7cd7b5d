/*
 * xp_cert.h — judging a certificate chain the way a client would: the
 * name (OpenSSL's X509_check_host: SAN, CN only without SAN, one-label
 * wildcards), the chain to the trust store (X509_verify_cert), validity
 * dates, key and signature strength, the TLS version, and Outlook
 * Anywhere's msstd: principal name. Used by the `cert` check for every
 * TLS endpoint any check met, whichever transport (raw TLS, STARTTLS,
 * libcurl) collected the chain.
 */
#ifndef XP_CERT_H
#define XP_CERT_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "xp_codes.h"
#include "xp_tls.h"

struct xp_check;
struct xp_step;

/* A revocation document fetched for a certificate (OCSP response or CRL),
 * by URL; check_cert fetches them (libcurl, bounded) and caches per run. */
struct xp_cert_fetch {
    int done;                 /* the fetch ended (with a body or an error) */
    char error[256];          /* why there is no usable body: "" when there is */
    long status;              /* HTTP status */
    unsigned char *body;
    size_t len;
};

struct xp_cert_opts {
    X509_STORE *store;        /* trust anchors: --ca-file or the system's */
    int no_revocation;        /* --no-revocation: judge only a stapled OCSP answer */
    /* The fetched document for a URL, or NULL when none was fetched. */
    const struct xp_cert_fetch *(*fetched)(void *arg, const char *url);
    void *fetched_arg;
    const char *msstd;        /* "msstd:mail.contoso.com" or NULL */
    int warn_days;            /* CERT_EXPIRING_SOON when less than a third of the
                               * certificate's lifetime, and at most this many
                               * days, is left (--expiry-warn-days, default 30) */
    time_t now;
    int no_protocol;          /* leave the TLS version out: the check that met the
                               * endpoint reports it (SMTP_TLS_OLD_PROTOCOL) */
};

/*
 * One endpoint's certificate verdict, for the checks that use the endpoint
 * (AUTOD_/SMTP_/LYNC_CERT_INVALID wrap it): the worst problem `cert`
 * reports for it. severity XP_SEV_INFO and code XP_CERT_OK when there is
 * none. reason is that finding's message (one line, clean UTF-8).
 */
struct xp_cert_verdict {
    enum xp_severity severity;
    enum xp_code code;
    char reason[512];
    int problems;             /* warn and fail findings */
};

/* The verdict alone (no steps, no findings): the same judgement as
 * xp_cert_judge, pure (no network), callable from any check. */
void xp_cert_verdict(const struct xp_tls_info *info, int exchange, const struct xp_cert_opts *o,
                     struct xp_cert_verdict *v);

/*
 * What to fetch to know whether the leaf was revoked: the OCSP responder's
 * GET URL (RFC 6960 A.1, the request in the path) or else the CRL
 * distribution point (http only), *is_ocsp telling which; NULL when there
 * is nothing to fetch (a usable stapled answer, no issuer on the path, no
 * URL in the certificate). Free the result.
 */
char *xp_cert_revocation_url(const struct xp_tls_info *info, const struct xp_cert_opts *o,
                             int *is_ocsp);

/* The leaf's http AIA caIssuers URL when its issuer is missing from the
 * path (what Windows fetches), else NULL. Free it. The judgement reads
 * what was fetched through o->fetched. */
char *xp_cert_aia_url(const struct xp_tls_info *info, const struct xp_cert_opts *o);

/* ---- the connector's TlsCertificateName (renewal traps) ---- */

/* "<I>issuer<S>subject" (Exchange's form): 1, with both parts copied;
 * 0 for a plain name. */
int xp_connector_name_split(const char *v, char *issuer, size_t ilen, char *subject,
                            size_t slen);

/* A name as one line (RFC 2253 order, clean UTF-8). Free it. */
char *xp_cert_name_text(const X509_NAME *name);

/* Does name equal the X.500 text Windows shows ("CN=R10, O=Let's Encrypt,
 * C=US"): the same attributes and values, in any order, case-insensitive?
 * (Values with a comma inside are not supported.) */
int xp_cert_x500_match(const X509_NAME *name, const char *text);

/* When issuer is one of the intermediates a CA issues from in turn, the
 * CA's family in words ("Let's Encrypt (R10-R14, E5-E9, ...)"); else NULL.
 * Static storage. */
const char *xp_cert_rotating_issuer(const X509_NAME *issuer);

/*
 * The severity table: what mainstream clients refuse (fail) or what is
 * deprecated (warn), one row per weakness, each with its source. Rows are
 * documented in exprobe.1 ("CERTIFICATE AND TLS SEVERITIES").
 */
enum xp_cert_rule_id {
    XP_RULE_KEY_TINY,         /* RSA/DSA < 1024 bits */
    XP_RULE_KEY_SHORT,        /* RSA/DSA 1024..2047 bits */
    XP_RULE_EC_SHORT,         /* EC < 224 bits */
    XP_RULE_SIG_MD5,          /* MD5 (or MD2/MD4) signature on the path */
    XP_RULE_SIG_SHA1,         /* SHA-1 signature on the path (not a root's self-signature) */
    XP_RULE_PROTO_OLD,        /* best protocol TLS 1.1 or older */
    XP_RULE_PROTO_OLD_TOO,    /* TLS 1.2+ negotiated, but 1.0/1.1 still accepted */
    XP_RULE_CIPHER_BROKEN,    /* RC4, NULL, export, anonymous, single DES negotiated */
    XP_RULE_CIPHER_3DES,      /* 3DES (64-bit block) negotiated */
    XP_RULE_DH_TINY,          /* DHE group < 1024 bits */
    XP_RULE_DH_SHORT,         /* DHE group 1024..2047 bits */
    XP_RULE_ECDH_SHORT,       /* ECDHE group < 224 bits */
    XP_RULE_COUNT
};

struct xp_cert_rule {
    const char *id;           /* "sha1_signature": evidence and docs */
    enum xp_severity severity;
    const char *what;         /* "SHA-1 signature" */
    const char *clients;      /* who refuses or deprecates it */
    const char *source;
};

const struct xp_cert_rule *xp_cert_rule(enum xp_cert_rule_id id);

/* The judgement of a negotiated protocol ("TLSv1", "TLSv1.3"): the rule
 * it breaks, or NULL when it is fine. Shared by cert and smtp. */
const struct xp_cert_rule *xp_tls_protocol_rule(const char *protocol);

/*
 * The trust store: ca_file's certificates, or the system's default paths
 * when ca_file is NULL. NULL with err if ca_file holds no certificate.
 */
X509_STORE *xp_cert_store_new(const char *ca_file, char *err, size_t errlen);

/* Judge one endpoint: a step tree under parent, findings on c. */
void xp_cert_judge(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info,
                   int exchange, const struct xp_cert_opts *o);

/* ---- the pieces, pure, for the judge and for unit tests ---- */

/* The DNS names and IP addresses a certificate carries (SAN; the CN is
 * added as "CN=..." when there is no SAN dNSName). Free with
 * xp_strv_free. */
char **xp_cert_names(X509 *x, size_t *n);

/* 1 if host matches x as a TLS client would check it, else 0; *cn_only
 * is set when the match used the subject CN (no SAN dNSName). */
int xp_cert_host_matches(X509 *x, const char *host, int *cn_only);

/* Why host does not match, in words, or NULL when there is nothing more
 * to say than the list of names. Static storage. */
const char *xp_cert_mismatch_hint(X509 *x, const char *host);

/* Outlook's msstd: check: 2 match on the CN, 1 match only on a SAN,
 * 0 no match, -1 not an msstd: value. */
int xp_cert_msstd_match(X509 *x, const char *msstd);

/* Days from now until t (negative when past). */
long xp_cert_days_until(const ASN1_TIME *t, time_t now);

/* "RSA 2048", "EC 256 (prime256v1)"; *weak set for RSA/DSA < 2048. */
void xp_cert_key_desc(X509 *x, char *buf, size_t len, int *weak);

#endif
