/*
 * xp_dkim.h — DKIM records as Microsoft 365 publishes them, pure (no I/O;
 * probes/dkim.c, tested in tests/unit/test_dkim.c).
 *
 * Microsoft 365 signs a custom domain D with selector1 or selector2, each
 * a CNAME the domain's owner publishes into the tenant's zone, in one of
 * two formats (modern.md §(b)3):
 *   legacy  selectorN-<D dots as dashes>._domainkey.<initial>.onmicrosoft.com
 *           (GCC High: onmicrosoft.us; 21Vianet: partner.onmschina.cn)
 *   2025    selectorN-<D dashes>._domainkey.<initial>.<c>-v1.dkim.mail.microsoft
 *           (domains added since May 2025; same <c> for both selectors)
 * Microsoft publishes the key TXT only behind the selector in use.
 */
#ifndef XP_DKIM_H
#define XP_DKIM_H

#include <stddef.h>

enum xp_dkim_format {
    XP_DKIM_NOT_MS,        /* not a Microsoft 365 DKIM target */
    XP_DKIM_LEGACY,        /* ... .onmicrosoft.com (and the sovereign clouds') */
    XP_DKIM_2025,          /* ... .<c>-v1.dkim.mail.microsoft */
};

/* What a selector CNAME's target says. */
struct xp_dkim_target {
    enum xp_dkim_format format;
    char tenant[64];       /* the initial domain's first label: "contoso" */
    char zone[64];         /* "onmicrosoft.com", "n-v1.dkim.mail.microsoft" */
    int selector;          /* N of "selectorN-": 1, 2; 0 if the label is not that */
    int domain_ok;         /* the dashed domain in the label is this domain's */
};

/*
 * Classify target (the CNAME of selectorN._domainkey.domain; trailing dot
 * and case ignored). Returns its format; out is filled (may be NULL).
 */
enum xp_dkim_format xp_dkim_ms_target(const char *target, const char *domain,
                                      struct xp_dkim_target *out);

/* "contoso.com" -> "contoso-com" into buf (cut at len). */
void xp_dkim_dashes(const char *domain, char *buf, size_t len);

/* The key behind a selector, parsed. */
struct xp_dkim_key {
    int is_key;            /* the TXT is a DKIM key record (v=DKIM1, or p= present) */
    const char *problem;   /* static text: why the record is unusable; NULL if usable */
    char type[16];         /* "RSA", "Ed25519" */
    int bits;              /* key size (RSA modulus; 256 for Ed25519) */
    int testing;           /* t=y: receivers treat failures as unsigned */
    int pkcs1;             /* RSA key as a bare RSAPublicKey, not SubjectPublicKeyInfo */
    int sha1_only;         /* h= allows only sha1 (RFC 8301: not verifiable) */
};

/*
 * Parse one TXT string as a DKIM key record (RFC 6376 3.6.1): tags,
 * v=DKIM1 first if present, k= (rsa default, ed25519), p= base64 DER
 * decoded with OpenSSL, h=, s=, t=. Returns 0 when the key is usable
 * (size is the caller's judgement), -1 with out->problem otherwise.
 */
int xp_dkim_key_parse(const char *txt, size_t len, struct xp_dkim_key *out);

#endif
