/*
 * xp_dmarc.h — a DMARC record (RFC 7489 6.3, DMARCbis), parsed and every
 * tag validated; pure (probes/dmarc.c, tests/unit/test_dmarc.c).
 */
#ifndef XP_DMARC_H
#define XP_DMARC_H

#include <stddef.h>

#define XP_DMARC_URIS 8        /* rua / ruf addresses kept, each */
#define XP_DMARC_NOTES 16      /* problems / deprecations kept */

enum xp_dmarc_policy { XP_DMARC_P_NONE_SET, XP_DMARC_P_NONE, XP_DMARC_P_QUARANTINE,
                       XP_DMARC_P_REJECT, XP_DMARC_P_BAD };

struct xp_dmarc_uri {
    const char *uri;           /* as written (points into the record) */
    size_t len;
    char domain[256];          /* the mailto: address's domain, lower case; "" if none */
};

struct xp_dmarc {
    enum xp_dmarc_policy p, sp, np;
    char adkim, aspf;          /* 'r' (default) or 's' */
    int pct;                   /* -1 when absent */
    int testing;               /* t=y */
    char psd;                  /* 'y', 'n', 'u' or 0 */
    struct xp_dmarc_uri rua[XP_DMARC_URIS], ruf[XP_DMARC_URIS];
    size_t nrua, nruf;
    /* what is wrong: static texts; fatal = the record is unusable (syntax,
     * v= not first, p= invalid); others make receivers ignore one tag */
    const char *problem[XP_DMARC_NOTES];
    size_t nproblems;
    int fatal;
    const char *deprecated[XP_DMARC_NOTES];   /* "pct", "rf", "ri", "rua size limit (!)" */
    size_t ndeprecated;
    char unknown[128];         /* unknown tag names, comma-separated (ignored by receivers) */
};

/* Does the TXT string start a DMARC record ("v=DMARC1" then ';', space or end)? */
int xp_dmarc_is_record(const char *txt, size_t len);

/* Parse and validate; returns 0, or -1 when the record is unusable (d->fatal). */
int xp_dmarc_parse(const char *txt, size_t len, struct xp_dmarc *d);

/* The policy that applies to mail from a domain: p at the domain where the
 * record is, sp (else p) at a subdomain of it; t=y lowers it one step
 * (reject -> quarantine -> none). */
enum xp_dmarc_policy xp_dmarc_effective(const struct xp_dmarc *d, int subdomain);

const char *xp_dmarc_policy_name(enum xp_dmarc_policy p);

#endif
