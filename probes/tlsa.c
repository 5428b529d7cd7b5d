/*
 * tlsa.c — the TLSA matcher of include/xp_tlsa.h (RFC 6698 / 7672).
 */
#include "xp_tlsa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "xp.h"

int
xp_tlsa_parse(const unsigned char *rdata, size_t len, struct xp_tlsa *out)
{
    if (!rdata || len < 4)
        return -1;
    out->usage = rdata[0];
    out->selector = rdata[1];
    out->mtype = rdata[2];
    out->data = rdata + 3;
    out->len = len - 3;
    return 0;
}

int
xp_tlsa_usable(const struct xp_tlsa *t)
{
    if (t->usage != 2 && t->usage != 3)
        return 0;
    if (t->selector > 1)
        return 0;
    switch (t->mtype) {
    case 0:
        return t->len > 0;
    case 1:
        return t->len == 32;
    case 2:
        return t->len == 64;
    default:
        return 0;
    }
}

static void
hex(const unsigned char *d, size_t n, char *buf, size_t len)
{
    size_t i;

    if (!len)
        return;
    buf[0] = '\0';
    for (i = 0; i < n && 2 * i + 2 < len; i++)
        snprintf(buf + 2 * i, 3, "%02X", d[i]);
}

void
xp_tlsa_format(const struct xp_tlsa *t, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%u %u %u ", t->usage, t->selector, t->mtype);

    if (n > 0 && (size_t)n < len)
        hex(t->data, t->len, buf + n, len - (size_t)n);
}

/* The selected DER of x (cert or SPKI); caller frees. The SPKI is the
 * certificate's own SubjectPublicKeyInfo re-encoded (i2d_X509_PUBKEY), not
 * the decoded key encoded anew (i2d_PUBKEY): the same bytes, without
 * OpenSSL 3's encoder lookup, which cost ~0.4 ms per key on the run's tail
 * (dane judges once smtp is done). */
static unsigned char *
selected_der(X509 *x, unsigned selector, int *n)
{
    unsigned char *der = NULL;

    if (selector == 0)
        *n = i2d_X509(x, &der);
    else
        *n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    if (*n <= 0) {
        OPENSSL_free(der);
        return NULL;
    }
    return der;
}

/* The association data for x: into out (up to outmax); returns its length
 * or -1. */
static long
assoc(X509 *x, unsigned selector, unsigned mtype, unsigned char *out, size_t outmax)
{
    int n;
    unsigned char *der = selected_der(x, selector, &n);
    unsigned int dl = 0;
    long rc = -1;

    if (!der)
        return -1;
    if (mtype == 0) {
        if ((size_t)n <= outmax) {
            memcpy(out, der, (size_t)n);
            rc = n;
        }
    } else if (outmax >= 64 &&
               EVP_Digest(der, (size_t)n, out, &dl, mtype == 1 ? EVP_sha256() : EVP_sha512(),
                          NULL)) {
        rc = dl;
    }
    OPENSSL_free(der);
    return rc;
}

int
xp_tlsa_record_for(X509 *x, unsigned usage, unsigned selector, unsigned mtype, char *buf,
                   size_t len)
{
    unsigned char d[64];
    struct xp_tlsa t;
    long n;

    if (mtype == 0 || mtype > 2 || selector > 1)
        return -1;
    n = assoc(x, selector, mtype, d, sizeof(d));
    if (n < 0)
        return -1;
    t.usage = usage;
    t.selector = selector;
    t.mtype = mtype;
    t.data = d;
    t.len = (size_t)n;
    xp_tlsa_format(&t, buf, len);
    return 0;
}

int
xp_tlsa_match_cert(const struct xp_tlsa *t, X509 *x)
{
    unsigned char small[64];
    unsigned char *buf = small;
    size_t max = sizeof(small);
    long n;
    int ok;

    if (!xp_tlsa_usable(t) || !x)
        return 0;
    if (t->mtype == 0) {            /* exact: as long as the record */
        max = t->len + 1;
        buf = xmalloc(max);
    }
    n = assoc(x, t->selector, t->mtype, buf, max);
    ok = n >= 0 && (size_t)n == t->len && memcmp(buf, t->data, t->len) == 0;
    if (buf != small)
        free(buf);
    return ok;
}

/* Does the leaf chain to ta (a certificate the server sent), through the
 * other certificates sent? Dates are checked as for any chain. */
static int
chains_to(STACK_OF(X509) *chain, X509 *ta, char *why, size_t whylen)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    int i, ok = 0;

    if (!store || !ctx || !untrusted)
        goto out;
    X509_STORE_add_cert(store, ta);
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    for (i = 1; i < sk_X509_num(chain); i++)
        sk_X509_push(untrusted, sk_X509_value(chain, i));
    if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), untrusted))
        goto out;
    ok = X509_verify_cert(ctx) == 1;
    if (!ok)
        snprintf(why, whylen, "the leaf does not chain to the certificate the 2 x x record "
                 "names: %s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok;
}

static int
leaf_has_name(X509 *leaf, const char *host)
{
    size_t n = strlen(host);

    if (n && host[n - 1] == '.')
        n--;
    return X509_check_host(leaf, host, n, 0, NULL) == 1;
}

enum xp_tlsa_verdict
xp_tlsa_match_chain(const struct xp_tlsa *recs, size_t n, STACK_OF(X509) *chain,
                    const char *host, int *which, char *why, size_t whylen)
{
    enum xp_tlsa_verdict best = XP_TLSA_NONE_USABLE;
    int ncerts = chain ? sk_X509_num(chain) : 0;
    size_t i;
    int j;

    *which = -1;
    if (whylen)
        why[0] = '\0';
    for (i = 0; i < n; i++)
        if (xp_tlsa_usable(&recs[i]) && best == XP_TLSA_NONE_USABLE)
            best = XP_TLSA_NO_MATCH;
    if (best == XP_TLSA_NONE_USABLE || ncerts == 0)
        return best;
    /* DANE-EE first: one match is enough, nothing else is checked. */
    for (i = 0; i < n; i++)
        if (recs[i].usage == 3 && xp_tlsa_match_cert(&recs[i], sk_X509_value(chain, 0))) {
            *which = (int)i;
            return XP_TLSA_MATCH_EE;
        }
    for (i = 0; i < n; i++) {
        if (recs[i].usage != 2)
            continue;
        for (j = 1; j < ncerts; j++) {
            X509 *ta = sk_X509_value(chain, j);

            if (!xp_tlsa_match_cert(&recs[i], ta))
                continue;
            *which = (int)i;
            if (!chains_to(chain, ta, why, whylen)) {
                best = XP_TLSA_TA_BAD_CHAIN;
                continue;
            }
            if (!leaf_has_name(sk_X509_value(chain, 0), host)) {
                snprintf(why, whylen, "the certificate chains to the DANE-TA anchor but does "
                         "not carry %s", host);
                best = XP_TLSA_TA_BAD_NAME;
                continue;
            }
            return XP_TLSA_MATCH_TA;
        }
    }
    if (best == XP_TLSA_NO_MATCH)
        *which = -1;
    return best;
}
