/*
 * xp_tlsa.h — TLSA records (RFC 6698) matched against a presented chain as
 * an SMTP client does (RFC 7672): usages 3 (DANE-EE) and 2 (DANE-TA) only
 * (0/1, the PKIX usages, are unusable for SMTP and ignored); selectors 0
 * (the whole certificate) and 1 (SubjectPublicKeyInfo); matching 0
 * (exact), 1 (SHA-256), 2 (SHA-512).
 *   3 x x  matches the leaf; its name and dates are NOT checked (7672 3.1.1)
 *   2 x x  matches a certificate the server sent above the leaf; the leaf
 *          must chain to it and carry the MX host name (7672 3.1.2, 3.2.2)
 * Pure (OpenSSL only): probes/tlsa.c, tested in tests/unit/test_tlsa.c.
 */
#ifndef XP_TLSA_H
#define XP_TLSA_H

#include <stddef.h>

#include <openssl/x509.h>

struct xp_tlsa {
    unsigned usage, selector, mtype;
    const unsigned char *data;     /* borrowed from the RDATA */
    size_t len;
};

/* Parse one TLSA RDATA (3 octets + association data); -1 when too short. */
int xp_tlsa_parse(const unsigned char *rdata, size_t len, struct xp_tlsa *out);

/* Usable for SMTP: usage 2/3, selector 0/1, matching 0/1/2, with a digest
 * of the right length (32 for SHA-256, 64 for SHA-512). */
int xp_tlsa_usable(const struct xp_tlsa *t);

/* "3 1 1 0A1B..." (upper-case hex, whole data) into buf. */
void xp_tlsa_format(const struct xp_tlsa *t, char *buf, size_t len);

/* The record with usage/selector/mtype for x, "3 1 1 <hex>", into buf;
 * -1 on an OpenSSL error. */
int xp_tlsa_record_for(X509 *x, unsigned usage, unsigned selector, unsigned mtype, char *buf,
                       size_t len);

/* Does record t match certificate x (selector and matching type only)? */
int xp_tlsa_match_cert(const struct xp_tlsa *t, X509 *x);

enum xp_tlsa_verdict {
    XP_TLSA_NONE_USABLE,      /* no usable record (all 0/1 usages, unknown types) */
    XP_TLSA_NO_MATCH,         /* usable records, none matches */
    XP_TLSA_MATCH_EE,         /* a 3 x x record matches the leaf */
    XP_TLSA_MATCH_TA,         /* a 2 x x record matches, the leaf chains to it, name ok */
    XP_TLSA_TA_BAD_CHAIN,     /* a 2 x x record matches a sent certificate, the leaf does
                               * not chain to it (why says how) */
    XP_TLSA_TA_BAD_NAME,      /* a 2 x x match, but the leaf lacks the host name */
};

/*
 * Match records (n, parsed) against chain (leaf first, as sent) for host.
 * *which = index of the matching record (-1 if none); why gets a reason
 * for the TA failures.
 */
enum xp_tlsa_verdict xp_tlsa_match_chain(const struct xp_tlsa *recs, size_t n,
                                         STACK_OF(X509) *chain, const char *host, int *which,
                                         char *why, size_t whylen);

#endif
