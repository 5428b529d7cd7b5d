/*
 * xp_front.h — who answered an HTTP request: Exchange itself, or a reverse
 * proxy / WAF pre-authenticating in front of it (domain.md §2.2–2.4).
 * Pure: a response in, a verdict out; used by the autodiscover and preauth
 * checks and unit-tested on canned responses.
 */
#ifndef XP_FRONT_H
#define XP_FRONT_H

#include "xp_http.h"

enum xp_front {
    XP_FRONT_EXCHANGE,        /* Exchange's own answer (its headers / challenges) */
    XP_FRONT_PREAUTH,         /* a named product pre-authenticates */
    XP_FRONT_UNKNOWN,         /* neither: an answer we cannot attribute */
};

struct xp_front_verdict {
    enum xp_front front;
    const char *product;      /* "tmg", "uag", "f5-apm", "netscaler", "entra-app-proxy",
                                 "adfs-wap", "basic-proxy", "waf", "other"; NULL for
                                 Exchange / unknown */
    const char *product_name; /* "Microsoft ISA/TMG forms authentication", ... */
    int exchange_headers;     /* request-id, X-FEServer, ... present */
    char methods[128];        /* WWW-Authenticate schemes: "Negotiate, NTLM, Basic" */
    char why[256];            /* the evidence in words */
};

void xp_front_classify(const struct xp_http_resp *r, struct xp_front_verdict *v);

/* Did the 401 offer an authentication method Exchange offers? */
int xp_front_has_exchange_auth(const struct xp_front_verdict *v);

#endif
