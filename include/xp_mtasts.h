/*
 * xp_mtasts.h — MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) as text: the
 * _mta-sts and _smtp._tls TXT records, the policy file, and the mx:
 * pattern match. Pure (no I/O): probes/mtasts.c, tested in
 * tests/unit/test_mtasts.c; the mtasts check fetches and judges.
 */
#ifndef XP_MTASTS_H
#define XP_MTASTS_H

#include <stddef.h>

#define XP_STS_MAX_AGE_MAX 31557600L     /* RFC 8461 3.2: about one year */
#define XP_STS_POLICY_MAX (64 * 1024)    /* the body bound senders apply */
#define XP_STS_MAX_MX 32

enum xp_sts_mode {
    XP_STS_MODE_UNSET,
    XP_STS_ENFORCE,
    XP_STS_TESTING,
    XP_STS_NONE,
};

/* A parsed policy; mx patterns point into nothing (owned copies). */
struct xp_sts_policy {
    int version_ok;              /* "version: STSv1" */
    enum xp_sts_mode mode;
    long max_age;                /* -1 when absent or not a number */
    char mx[XP_STS_MAX_MX][256];
    size_t nmx;
    char error[256];             /* the first problem, "" when valid */
};

/*
 * Parse body (len bytes, any bytes). Returns 0 when the policy is valid
 * (RFC 8461 3.2: version STSv1, a mode, max_age 0..31557600, at least one
 * mx unless mode none), -1 with p->error naming the first problem; p holds
 * what was read either way. Lines end with CRLF or LF; unknown keys are
 * ignored (extensions).
 */
int xp_sts_policy_parse(const char *body, size_t len, struct xp_sts_policy *p);

const char *xp_sts_mode_name(enum xp_sts_mode m);   /* "enforce", ..., "unset" */

/*
 * Does the mx: pattern cover host (RFC 8461 4.1)? Exact match, or a
 * leading "*." that stands for exactly one label: "*.example.com" covers
 * "mx.example.com", not "example.com" nor "a.b.example.com". Case and one
 * trailing dot ignored.
 */
int xp_sts_mx_match(const char *pattern, const char *host);

/*
 * The _mta-sts TXT record (RFC 8461 3.1): returns 0 when txt is not an STS
 * record (does not begin "v=STSv1"), 1 when it is a valid one (id copied),
 * -1 when it is one but invalid (err says why: no id, id not 1-32
 * alphanumerics, bad syntax).
 */
int xp_sts_txt(const char *txt, size_t len, char *id, size_t idlen, char *err, size_t errlen);

/*
 * The _smtp._tls TXT record (RFC 8460 3): 0 not a TLS-RPT record, 1 valid
 * (rua= with mailto: or https: URIs), -1 invalid with err.
 */
int xp_tlsrpt_txt(const char *txt, size_t len, char *err, size_t errlen);

#endif
