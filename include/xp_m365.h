/*
 * xp_m365.h — Microsoft 365 domain-record facts shared by checks, pure
 * (probes/m365.c, tests/unit/test_m365.c): the verification records
 * Microsoft accepts today (modern.md §(b)9, §(d)3–4) and the per-cloud
 * values of --expect cloud = worldwide|gcchigh|dod|21vianet.
 */
#ifndef XP_M365_H
#define XP_M365_H

#include <stddef.h>

/* The verification priority Microsoft gives its MX record. */
#define XP_M365_VERIFICATION_PREF 32767

/*
 * Is host Microsoft 365's domain-verification MX target,
 * "msNNNNNNNN.msv1.invalid" (any case, trailing dot ignored)? Such an MX
 * is never a mail host: smtp, dane, dnsbl and mtasts skip it, cname
 * reports it as a leftover (VERIFICATION_MX_LEFTOVER). If code is not
 * NULL it gets "msNNNNNNNN" (11 bytes).
 */
int xp_m365_verification_mx(const char *host, char code[11]);

/* Is the host the BPOS-era (2011) verification CNAME's owner label,
 * "msNNNNNNNN"? */
int xp_m365_bpos_label(const char *label, size_t len);

/* A Microsoft 365 cloud's published values (Microsoft Learn: External DNS
 * records for Microsoft 365 in each cloud). */
struct xp_m365_cloud {
    const char *name;              /* "worldwide", "gcchigh", "dod", "21vianet" */
    const char *spf_include;
    const char *autodiscover_cname;
    const char *mx_suffix;
    int msoid_required;            /* 21Vianet: msoid CNAME required */
    const char *msoid_target;      /* what it points to there */
};

/* The cloud named (case-insensitive), or NULL. */
const struct xp_m365_cloud *xp_m365_cloud(const char *name);

/*
 * Is host one of Microsoft's cloud (Exchange Online and its MX, Office 365,
 * Entra ID, Skype for Business / Teams Online, the national clouds), never
 * the organisation's own server? preauth probes, cert discovery and
 * hybridauth's on-premises judgements skip such hosts.
 */
int xp_m365_cloud_host(const char *host);

struct xp_dns_result;

/*
 * Why the domain's mail goes through Exchange Online, read from its MX and
 * apex TXT answers (NULL: not asked, or the query failed): "its MX is
 * Exchange Online's" (mx_suffix: --expect's extra suffix, or NULL), "its
 * SPF record includes Exchange Online" (spf_include), or NULL when
 * neither says so. dkim and dmarc judge by it.
 */
const char *xp_m365_exo_sender(const struct xp_dns_result *mx,
                               const struct xp_dns_result *txt, const char *mx_suffix,
                               const char *spf_include);

#endif
