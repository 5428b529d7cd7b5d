/*
 * xp_dnsbl.h — DNS block lists (domain.md §5), the pure parts the `dnsbl`
 * check (probes/check_dnsbl.c) is built on and tests/unit/test_smtp.c
 * tests: RFC 5782 query names, return-code meanings, which addresses are
 * worth a query, and CIDR matching for the connector's IP list.
 */
#ifndef XP_DNSBL_H
#define XP_DNSBL_H

#include <stddef.h>

/* The built-in zones (SPEC: "a documented list of well-known public
 * DNSBLs"), NULL-ended: zen.spamhaus.org, bl.spamcop.net,
 * b.barracudacentral.org, psbl.surriel.com. */
extern const char *const xp_dnsbl_default_zones[];

/*
 * The name to ask (type A) for ip on zone: IPv4 reversed octets
 * ("5.113.0.203.zen.spamhaus.org"), IPv6 32 reversed nibbles. Returns 0,
 * or -1 when ip is not an address or the name does not fit.
 */
int xp_dnsbl_qname(const char *ip, const char *zone, char *out, size_t len);

enum xp_dnsbl_answer {
    XP_DNSBL_A_LISTED,     /* a reputation listing */
    XP_DNSBL_A_POLICY,     /* a policy listing (Spamhaus PBL: end-user range) */
    XP_DNSBL_A_BLOCKED,    /* 127.255.255.0/24: the list refused the query */
    XP_DNSBL_A_BOGUS,      /* not a return code (outside 127.0.0.0/8) */
};

/* What the A answer addr means on zone; meaning gets one line of words. */
enum xp_dnsbl_answer xp_dnsbl_interpret(const char *zone, const char *addr, char *meaning,
                                        size_t len);

/* 1 for addresses a public list knows nothing about (RFC 1918, loopback,
 * link-local, CGNAT, ULA, unspecified, multicast) — except the RFC 5782
 * test points 127.0.0.1 / 127.0.0.2, which are always meaningful. */
int xp_dnsbl_not_public(const char *ip);

/* 1 if ip is inside prefix ("198.51.100.0/24", or a plain address), 0 if
 * not (or of the other family), -1 if either is malformed. */
int xp_ip_in_prefix(const char *ip, const char *prefix);

#endif
