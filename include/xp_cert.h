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

#include "xp_tls.h"

struct xp_check;
struct xp_step;

struct xp_cert_opts {
    X509_STORE *store;        /* trust anchors: --ca-file or the system's */
    const char *msstd;        /* "msstd:mail.contoso.com" or NULL */
    int warn_days;            /* CERT_EXPIRING_SOON below this many days */
    time_t now;
};

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
