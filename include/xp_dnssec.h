/*
 * xp_dnssec.h — DNSSEC-validated DNS answers, validated in-process by
 * libunbound (SPEC: never the AD bit of a resolver). Questions go to
 * --dns-server (forwarders; else the system's resolvers from
 * /etc/resolv.conf) with DO set, and libunbound checks every signature up
 * to the trust anchors (--trust-anchor FILE, default the system root key
 * /usr/share/dns/root.key). Each answer keeps its verdict: secure,
 * insecure (no chain of trust: unsigned zone, or no anchor above it), or
 * bogus with libunbound's reason (expired signature, DS without DNSKEY...).
 *
 * Why two resolver libraries: c-ares (xp_dns.h) answers every other
 * question and keeps what exprobe's diagnosis needs (NXDOMAIN vs no data
 * vs SERVFAIL vs REFUSED vs timeout per server, truncation over TCP, the
 * CNAME chain as sent) with no validation cost; libunbound is a full
 * validator (DS/DNSKEY chain, NSEC/NSEC3 denial) that c-ares does not
 * have. Only the dane check asks here, so a run without it starts no
 * validator.
 *
 * libunbound's asynchronous API runs its resolver in a background thread;
 * its result pipe (ub_fd) is watched by exprobe's one loop (xp_loop.h) and
 * answers are delivered from there. Each question is bounded by timeout_ms
 * (ub_cancel at the deadline: XP_DNS_TIMEOUT). Answers are memoised per
 * validator and identical questions in flight are coalesced.
 */
#ifndef XP_DNSSEC_H
#define XP_DNSSEC_H

#include <stddef.h>

#include "xp_dns.h"

struct xp_loop;
struct xp_params;
struct xp_dnssec;

/* XP_DNS_TLSA, XP_DNS_DS, XP_DNS_DNSKEY: xp_dns.h's type table. */

#define XP_DNSSEC_DEFAULT_ANCHOR "/usr/share/dns/root.key"

enum xp_sec {
    XP_SEC_INDETERMINATE,   /* no verdict: the question failed (timeout, error) */
    XP_SEC_SECURE,
    XP_SEC_INSECURE,
    XP_SEC_BOGUS,
};

struct xp_dnssec_result {
    struct xp_dns_result dns;   /* status and records; TLSA: text/textlen = RDATA */
    enum xp_sec sec;
    char *why_bogus;            /* libunbound's reason when bogus, else NULL */
    int setup_failed;           /* no validator could be set up (dns.error says why):
                                 * the question was never asked */
};

typedef void (*xp_dnssec_cb)(void *arg, const struct xp_dnssec_result *res);

/*
 * servers: as xp_dns_new ("ADDR[:PORT][,...]") or NULL for resolv.conf;
 * anchor_file: zone-file DS/DNSKEY records, NULL for the default.
 * Returns at once: libunbound's context is built by a builder thread (its
 * setup costs 1-2 ms of CPU: off the loop) and questions asked meanwhile
 * wait for it, within their timeout. When libunbound refuses the setup
 * (an anchor file it cannot parse, no resolver), every answer has
 * setup_failed and the reason in dns.error.
 */
struct xp_dnssec *xp_dnssec_new(struct xp_loop *loop, const char *servers,
                                const char *anchor_file, const struct xp_params *params);
void xp_dnssec_free(struct xp_dnssec *v);
/*
 * Free v, leaving the deletion of libunbound's context (its resolver
 * thread's end, its caches: 0.3-0.5 ms) to a thread of its own: for a run
 * that asks no more. xp_dnssec_reaped waits for that thread and frees the
 * handle (NULL: nothing to wait for); call it before the process ends.
 */
struct xp_dnssec_reaper;
struct xp_dnssec_reaper *xp_dnssec_retire(struct xp_dnssec *v);
void xp_dnssec_reaped(struct xp_dnssec_reaper *r);
/* cb runs later from the loop, never from inside this call. */
void xp_dnssec_query(struct xp_dnssec *v, const char *name, int type, xp_dnssec_cb cb,
                     void *arg);
/* Drop every callback whose arg is arg (its owner goes away). */
void xp_dnssec_cancel_arg(struct xp_dnssec *v, void *arg);
void xp_dnssec_flush(struct xp_dnssec *v);

/* The owner names of the anchor file's DS/DNSKEY records ("." for the
 * root key), at most max, into names (each up to 256 bytes). */
size_t xp_dnssec_anchor_zones(const char *anchor_file, char names[][256], size_t max);

/* A deep copy of res, and its free (NULL is fine). */
struct xp_dnssec_result *xp_dnssec_result_dup(const struct xp_dnssec_result *res);
void xp_dnssec_result_free(struct xp_dnssec_result *res);

const char *xp_sec_name(enum xp_sec sec);    /* "secure", "insecure", "bogus", "indeterminate" */

/* Check an anchor file can be read and holds a DS or DNSKEY record, for
 * the CLI (exit 3 otherwise). 0 ok, -1 with err. */
int xp_dnssec_anchor_check(const char *file, char *err, size_t errlen);

/* libunbound's why_bogus without its "key for validation Z is marked as
 * invalid because of a previous validation failure <Q>: " inserts, which
 * depend on what else the run asked first (the same run must say the same
 * whatever --parallel is). Allocated. */
char *xp_dnssec_why_cause(const char *why);

#endif
