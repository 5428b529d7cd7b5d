/*
 * xp_spf.h — SPF record text (RFC 7208), pure: is a TXT string an SPF
 * record, its terms one by one, which of them query DNS (the 10-lookup
 * limit, 4.6.4), whether it includes a name, and its "all" qualifier.
 * The text is bounded by its length, never by a NUL (TXT data may hold
 * any byte). Expansion (asking DNS for include/redirect targets) is the
 * cname check's; this is the parsing it and dmarc share.
 */
#ifndef XP_SPF_H
#define XP_SPF_H

#include <stddef.h>

/* One space-separated term of an SPF record, its qualifier stripped:
 * name up to ':', '/' or '=' (delim, 0 at the end), arg after delim. */
struct xp_spf_term {
    const char *tok;         /* the whole term, qualifier included */
    size_t len;
    char qualifier;          /* '+', '-', '~', '?' as written, or 0 (means '+') */
    const char *name;
    size_t namelen;
    char delim;
    const char *arg;
    size_t arglen;
};

enum xp_spf_kind {
    XP_SPF_T_OTHER,          /* ip4, ip6, exp=, unknown modifiers */
    XP_SPF_T_LOOKUP,         /* a, mx, ptr, exists */
    XP_SPF_T_INCLUDE,
    XP_SPF_T_REDIRECT,
    XP_SPF_T_ALL,
};

/* Is this TXT string an SPF record ("v=spf1" then a space or the end)? */
int xp_spf_is_record(const char *txt, size_t len);

struct xp_dns_result;
struct xp_dns_rr;
/* The SPF records of a TXT answer: how many (*n), and the last one (NULL
 * when none). One is the domain's policy; more is a permerror. */
const struct xp_dns_rr *xp_spf_records(const struct xp_dns_result *res, size_t *n);

/* The next term of [*p, end) into t; 0 at the end. */
int xp_spf_next(const char **p, const char *end, struct xp_spf_term *t);

/* What a term is (RFC 7208 4.6.4: which terms query DNS). */
enum xp_spf_kind xp_spf_kind(const struct xp_spf_term *t);

typedef void (*xp_spf_term_fn)(void *ctx, enum xp_spf_kind kind, const struct xp_spf_term *t);

/*
 * The DNS-querying terms of one SPF record (not expanded): each is given
 * to fn (may be NULL) and counted. redirect= is ignored, neither counted
 * nor given, when the record has an "all" mechanism (RFC 7208 5.1, 6.1).
 * Terms with macros count like any other.
 */
int xp_spf_scan(const char *spf, size_t len, xp_spf_term_fn fn, void *ctx);

/* Does the record hold include:NAME (any qualifier; the name compared as
 * a DNS name, case-insensitively)? */
int xp_spf_has_include(const char *spf, size_t len, const char *name);

/* The qualifier of the record's "all" term ('+', '-', '~', '?'), or 0
 * when it has none. */
char xp_spf_all(const char *spf, size_t len);

/* Why an include/redirect target cannot be asked for ("a macro, ...",
 * "not a domain name"), or NULL when it can: letters, digits, '-', '_',
 * '.'; 1..253 bytes. NUL-terminated. */
const char *xp_spf_name_problem(const char *name);

#endif
