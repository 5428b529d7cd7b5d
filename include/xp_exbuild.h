/*
 * xp_exbuild.h — what an Exchange build number means: the product, the
 * cumulative update and security/hotfix update it is, when it was released,
 * when its support ends, whether it can use the dedicated Exchange hybrid
 * application (April 2025 hotfix update or later), and whether Extended
 * Protection is on by default. The table is data in probes/exbuild.c (its
 * source and how to update it are written there). Pure.
 */
#ifndef XP_EXBUILD_H
#define XP_EXBUILD_H

#include <stddef.h>

struct xp_exver {
    unsigned major, minor, build, rev;
    int has_rev;                   /* a 3-part version (the OWA asset path) has none */
};

/* "15.2.1748.24", "15.02.1748.024" (SMTP headers' zero-padded form) or
 * "15.2.1748"; 0 on success, -1 otherwise. */
int xp_exver_parse(const char *s, struct xp_exver *v);
/* The build of an OWA logon page: its first "/owa/auth/<version>/" asset
 * path (3 parts as Exchange writes it, 4 accepted; major 8 or more) within
 * len bytes (no NUL needed); 0 when found, else -1. */
int xp_exver_from_owa_page(const char *body, size_t len, struct xp_exver *v);
/* "15.2.1748.24" (or "15.2.1748") into buf. */
void xp_exver_format(const struct xp_exver *v, char *buf, unsigned len);
/* <0, 0, >0 like strcmp; a missing revision counts as 0. */
int xp_exver_cmp(const struct xp_exver *a, const struct xp_exver *b);

struct xp_exbuild {
    int known;                     /* an on-premises Exchange version (8.x, 14.x, 15.0-15.2) */
    int online;                    /* 15.20+: Exchange Online answered, not a server */
    const char *product;           /* "Exchange Server SE", "Exchange Server 2019", ... */
    char name[160];                /* "Exchange Server 2019 CU15 Apr25HU" */
    int exact;                     /* the build is a row of the table */
    const char *released;          /* YYYY-MM-DD of the row named, or NULL */
    const char *support_end;       /* YYYY-MM-DD, or NULL (Modern Lifecycle: SE) */
    int hybrid_app;                /* 1 April 2025 HU or later, 0 below, -1 cannot tell */
    int ep_default;                /* Extended Protection on by default (2019 CU14+, SE) */
    char latest[96];               /* newest update of the same CU in the table:
                                    * "May26HU (15.2.2562.41)" */
    int is_latest;                 /* the build is that newest update (or newer) */
};

void xp_exbuild_lookup(const struct xp_exver *v, struct xp_exbuild *out);

/* Is the product out of support on today ("YYYY-MM-DD")? */
int xp_exbuild_unsupported(const struct xp_exbuild *b, const char *today);

/* The table's newest release date (what "up to date as of" means). */
const char *xp_exbuild_table_date(void);

#endif
