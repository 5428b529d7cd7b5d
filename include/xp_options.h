/*
 * xp_options.h — what the command line asked for, after validation.
 * Filled by ui/cli.c; read (const) by the engine, the checks and reporters.
 */
#ifndef XP_OPTIONS_H
#define XP_OPTIONS_H

#include <stddef.h>

#include "xp_params.h"

struct xp_expect;
struct xp_baseline;

enum xp_format {
    XP_FMT_TEXT,
    XP_FMT_JSON,
    XP_FMT_JSONL,
    XP_FMT_JUNIT,
};

struct xp_options {
    char **targets;              /* as given (domains or addresses); owned */
    char **target_errors;        /* parallel to targets, or NULL: why a --domains-file
                                  * line is not a target ("FILE:LINE: reason"); such a
                                  * target is reported, not checked (DOMAIN_INVALID) */
    size_t ntargets;
    unsigned long checks;        /* bit i: registry check i selected */
    unsigned long checks_named;  /* bit i: check i named by its id in -c (not via "all") */
    enum xp_format format;
    int tui;
    int preflight;
    const char *output;          /* -o FILE, or NULL for stdout */
    const char *dns_servers;     /* --dns-server, or NULL for the system's */
    const char *ca_file;
    const char *trust_anchor;    /* --trust-anchor: DNSSEC anchors, or NULL for the root key */
    const char *expect_file;
    struct xp_expect *expect;    /* always set (defaults when no file); owned */
    const char *user;            /* --user UPN, or NULL */
    char *password;              /* from EXPROBE_PASSWORD or the prompt; owned */
    const char *ip;              /* --ip: the sending IP for dnsbl / connector, or NULL */
    const char *dnsbl;           /* --dnsbl ZONE,...: instead of the built-in list, or NULL */
    int expiry_warn_days;        /* cap of the certificate expiry warning (cert) */
    int no_revocation;           /* --no-revocation: no OCSP/CRL fetches */
    struct xp_params params;     /* every bound and timeout (xp_params.h) */
    int unordered;               /* --unordered: jsonl lines as targets end */
    int verbose;
    int quiet;
    int color;                   /* 1 colour, 0 none */
    int progress;                /* live progress line on stderr */
    struct xp_baseline *baseline;   /* --baseline FILE, loaded; owned; or NULL */
    const char *ehlo;            /* --ehlo NAME: what follows EHLO/HELO, or NULL (ours) */
    int family;                  /* -4: 4, -6: 6, else 0 (both) */
    struct xp_connect_to {       /* --connect-to HOST:PORT:ADDR (repeatable) */
        char host[256];
        int port;                /* 0: any */
        char addr[64];
    } *connect_to;               /* owned */
    size_t nconnect_to;
    int no_cloud_lookups;        /* --no-cloud-lookups: nothing to Microsoft's endpoints */
    int redact;                  /* --redact: what servers reveal of the inside masked */
};

void xp_options_free(struct xp_options *o);

#endif
