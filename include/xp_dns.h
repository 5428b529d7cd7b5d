/*
 * xp_dns.h — DNS on c-ares, driven by the event loop. One resolver per
 * run (--dns-server or the system's). Answers are memoised per run and
 * identical questions in flight are coalesced, so checks that overlap
 * (autodiscover, cname, lync, smtp) ask each question once.
 *
 * Results keep NXDOMAIN, no-data, SERVFAIL, REFUSED and timeout apart,
 * and carry the whole answer section in order, CNAMEs included, so a check
 * can show the chain and not just its last name.
 */
#ifndef XP_DNS_H
#define XP_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "xp.h"

struct xp_loop;
struct xp_params;
struct xp_dns;

/* The record types we ask for, one table: name and IANA number. A new
 * type is one entry here (its name in steps and evidence follows), plus its
 * rdata in net_dns.c's rr_fill / xp_dns_rr_format when it is not opaque. */
#define XP_DNS_TYPES(X)                                                    \
    X(A, 1) X(NS, 2) X(CNAME, 5) X(PTR, 12) X(MX, 15) X(TXT, 16)           \
    X(AAAA, 28) X(SRV, 33) X(DS, 43) X(DNSKEY, 48) X(TLSA, 52)

enum {
#define XP_DNS_TYPE_ENUM(name, value) XP_DNS_##name = value,
    XP_DNS_TYPES(XP_DNS_TYPE_ENUM)
#undef XP_DNS_TYPE_ENUM
};

enum xp_dns_status {
    XP_DNS_OK,          /* NOERROR with records of the type asked for */
    XP_DNS_NODATA,      /* the name exists, no record of that type (maybe a CNAME) */
    XP_DNS_NXDOMAIN,    /* the name does not exist */
    XP_DNS_SERVFAIL,
    XP_DNS_REFUSED,
    XP_DNS_TIMEOUT,     /* no answer from any server within --timeout */
    XP_DNS_ERROR,       /* anything else: see error */
};

struct xp_dns_rr {
    char *owner;
    int type;
    uint32_t ttl;
    char *target;           /* CNAME, NS, PTR, MX, SRV: the name pointed at */
    char addr[46];          /* A, AAAA: text form */
    unsigned pref;          /* MX */
    unsigned priority, weight, port;   /* SRV */
    char *text;             /* TXT: its strings concatenated; raw bytes */
    size_t textlen;
};

struct xp_dns_result {
    char *qname;
    int qtype;
    enum xp_dns_status status;
    char *error;            /* human text when status is not OK/NODATA/NXDOMAIN */
    struct xp_dns_rr *rr;   /* answer section, in order */
    size_t nrr;
    int64_t ms;             /* how long the question took */
    const char *server;     /* which resolver(s) were asked */
};

/* Called once per question, always from the loop (never from inside
 * xp_dns_query); res is borrowed for the duration of the call. */
typedef void (*xp_dns_cb)(void *arg, const struct xp_dns_result *res);

/*
 * servers: "ADDR[:PORT][,...]" or NULL for the system's resolvers.
 * Returns NULL and fills err on a bad server list.
 */
struct xp_dns *xp_dns_new(struct xp_loop *loop, const char *servers,
                          const struct xp_params *params, char *err, size_t errlen);
/* A result as a transport failure class: NONE for records, DNS when the
 * name has none (NXDOMAIN, NODATA) or the resolver failed, TIMEOUT. */
enum xp_fail xp_dns_fail(const struct xp_dns_result *r);

/* Destroys the channel; outstanding callbacks are dropped, not called. */
void xp_dns_free(struct xp_dns *dns);
void xp_dns_query(struct xp_dns *dns, const char *name, int type, xp_dns_cb cb, void *arg);
/* The resolvers asked, as "ADDR[:PORT],..." (the system's when none was
 * given; "system resolver" when they cannot be listed). */
const char *xp_dns_servers(const struct xp_dns *dns);
/* Forget memoised answers (a rerun wants fresh ones). */
void xp_dns_flush(struct xp_dns *dns);

/* A deep copy of res, for a check to keep past its callback. */
struct xp_dns_result *xp_dns_result_dup(const struct xp_dns_result *res);
void xp_dns_result_free(struct xp_dns_result *res);
/* Walk a raw DNS message's answer section into r (zeroed by the caller;
 * free with xp_dns_result_free): 1, or 0 if malformed. For tests/fuzz. */
int xp_dns_parse_answer(struct xp_dns_result *r, const unsigned char *abuf, int alen);
/* The A and AAAA records of the additional section appended to r->rr
 * (an MX answer's exchanges' addresses); 0 if malformed. */
int xp_dns_parse_additional(struct xp_dns_result *r, const unsigned char *abuf, int alen);

const char *xp_dns_type_name(int type);
const char *xp_dns_status_name(enum xp_dns_status st);
/* "name. 3600 CNAME target." — one record as dig shows it; caller frees. */
char *xp_dns_rr_format(const struct xp_dns_rr *rr);
/* The answer as a NULL-terminated array of formatted records, each RRset
 * sorted (servers rotate them); free with xp_strv_free. */
char **xp_dns_lines(const struct xp_dns_result *res, size_t *n);
/* The first CNAME target for res->qname, or NULL. */
const char *xp_dns_cname_target(const struct xp_dns_result *res);
/* Records of one type in the answer (CNAMEs skipped). */
size_t xp_dns_count(const struct xp_dns_result *res, int type);

#endif
