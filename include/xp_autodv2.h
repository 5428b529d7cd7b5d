/*
 * xp_autodv2.h — Autodiscover v2 as Outlook mobile and Teams ask it
 * (modern.md §2): GET /autodiscover/autodiscover.json?Email=&Protocol= for
 * ActiveSync and EWS, at Exchange Online's endpoint for the address (200 =
 * a cloud mailbox, 302 = on-premises) and at on-premises Autodiscover
 * hosts; redirects followed to https only, bounded, loops caught; the JSON
 * read bounded (xp_msjson.h); an HTML page or a sign-in redirect is
 * pre-authentication (xp_front_classify).
 *
 * The check `autodiscover` owns it (SPEC): it runs the chains and gives the
 * findings AUTODV2_OK / AUTODV2_FAILED. Every protocol URL learnt is
 * published to the target's facts (xp_facts_add_v2url), where `hybridauth`
 * reads it; `hybridauth` asked without `autodiscover` runs the chains
 * itself for discovery only (quiet: steps, no findings).
 */
#ifndef XP_AUTODV2_H
#define XP_AUTODV2_H

#include "xp_check.h"
#include "xp_msjson.h"

#define XP_V2_MAX_CHAINS 8
#define XP_V2_MAX_HOPS 5

struct xp_v2_run;

/* One question (one protocol at one starting URL) and the redirects it
 * led through. */
struct xp_v2_chain {
    struct xp_v2_run *run;
    char label[96];            /* "Exchange Online", "autodiscover.contoso.com" */
    char protocol[16];         /* ActiveSync, EWS */
    int cloud_lookup;          /* asked of Microsoft */
    char url[1024];            /* the hop being fetched */
    char visited[XP_V2_MAX_HOPS + 1][1024];
    int hops;
    struct xp_step *step;
    struct xp_addr_lookup addrs;
    int done, ok;
    char reason[384];
    const char *reason_code;   /* evidence "reason": html, login_redirect, redirect_loop, ... */
    char product[64];          /* the pre-authenticating product */
    long status;
    struct xp_autodv2 json;
};

struct xp_v2_run {
    char email[320];
    int quiet;                 /* discovery only: failures end as info steps */
    /* Allocated as chains start (9 KB each): a run that asks none, like
     * hybridauth's beside autodiscover, costs nothing. */
    struct xp_v2_chain *chains[XP_V2_MAX_CHAINS];
    size_t nchains;
    int pending;
    /* When the last chain in flight ends (may be NULL). */
    void (*all_done)(struct xp_check *c);
};

/* Ask Exchange Online for email's ActiveSync and EWS URLs (nothing is sent
 * with --no-cloud-lookups). */
void xp_v2_cloud(struct xp_check *c, struct xp_v2_run *v);
/* Ask an on-premises Autodiscover host (once per host and port), the
 * steps under parent (NULL: top level). */
void xp_v2_host(struct xp_check *c, struct xp_v2_run *v, struct xp_step *parent, const char *host,
                int port);
/* AUTODV2_OK / AUTODV2_FAILED for every chain that ended. */
void xp_v2_judge(struct xp_check *c, struct xp_v2_run *v);
void xp_v2_free(struct xp_v2_run *v);

#endif
