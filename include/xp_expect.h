/*
 * xp_expect.h — tenant expectations (--expect FILE): what the records of
 * this domain should be. Format, one setting per line:
 *
 *     # comment
 *     deployment = hybrid        # cloud | hybrid | onprem
 *     verification = ms12345678
 *     hosts = mail.contoso.com, sip.contoso.com:5061
 *     msstd = msstd:mail.contoso.com
 *     connector_ips = 203.0.113.5, 198.51.100.0/24
 *     tls_cert_name = mail.contoso.com
 *     tenant = contoso.onmicrosoft.com       # the initial domain (DKIM targets)
 *     dkim_selectors = s1, s2                # a gateway's own DKIM selectors
 *     dkim_selector1 = selector1-contoso-com._domainkey.contoso.onmicrosoft.com
 *     hybrid = classic           # classic | modern (Hybrid Agent)
 *     hma = yes                  # hybrid modern authentication expected
 *     outlook_anywhere = yes     # RPC over HTTP still in use (msstd: matters)
 *     ignore = DNSBL_LISTED, SPF_TOO_MANY_LOOKUPS
 *
 * Unknown keys and bad values are errors naming the line. Every field is
 * optional; the checks fall back to Office 365's documented values and to
 * inferring the deployment kind from the records.
 */
#ifndef XP_EXPECT_H
#define XP_EXPECT_H

#include <stddef.h>

struct xp_m365_cloud;

enum xp_deploy {
    XP_DEPLOY_UNKNOWN,   /* infer from the records */
    XP_DEPLOY_CLOUD,
    XP_DEPLOY_HYBRID,
    XP_DEPLOY_ONPREM,
    XP_DEPLOY_NONE,      /* lync only: Teams, no Skype for Business (lync = none) */
};

/* An SRV expectation: "PRIORITY WEIGHT PORT TARGET". */
struct xp_srv_expect {
    int set;
    unsigned priority, weight, port;
    char target[256];
};

/* An extra endpoint to test (--hosts, hosts =). */
struct xp_hostport {
    char host[256];
    int port;
};

/* hybrid = classic | modern: how Exchange Online reaches on-premises. */
enum xp_hybrid_kind {
    XP_HYBRID_UNKNOWN,
    XP_HYBRID_CLASSIC,   /* EWS, Autodiscover, MRSProxy published to the Internet */
    XP_HYBRID_MODERN,    /* Hybrid Agent: EWS/MRSProxy reached through it, not public */
};

struct xp_expect {
    enum xp_hybrid_kind hybrid_kind;   /* hybrid = classic|modern */
    int hma;                       /* hma = yes|no: 1, 0; -1 not said */
    int outlook_anywhere;          /* outlook_anywhere = yes|no: 1, 0; -1 not said */
    enum xp_deploy deployment;
    char *verification;            /* "ms12345678" */
    char *autodiscover_cname;      /* default autodiscover.outlook.com */
    char *mx_suffix;               /* default mail.protection.outlook.com */
    char *spf_include;             /* default spf.protection.outlook.com */
    enum xp_deploy lync;           /* none (Teams only) | cloud (Skype for Business
                                    * Online) | onprem (Server) | unknown: inferred */
    int federation;                /* federation = yes (1) | no (-1) | unset (0) */
    char *sip_cname;               /* default sipdir.online.lync.com */
    char *lyncdiscover_cname;      /* default webdir.online.lync.com */
    struct xp_srv_expect sip_tls;          /* default 100 1 443 sipdir.online.lync.com */
    struct xp_srv_expect sipfederationtls; /* default 100 1 5061 sipfed.online.lync.com */
    struct xp_hostport *hosts;     /* extra TLS endpoints (default port 443) */
    size_t nhosts;
    char *msstd;                   /* Outlook Anywhere principal: "msstd:mail.contoso.com" */
    struct xp_hostport *smtp_hosts;   /* --hosts / hosts = entries on ports 25 and 587:
                                       * SMTP endpoints for the smtp check */
    size_t nsmtp_hosts;
    char **connector_ips;          /* the inbound connector's sender IPs: ADDR or ADDR/LEN */
    size_t nconnector_ips;
    char *tls_cert_name;           /* the connector's TlsCertificateName (a host name,
                                    * "*.contoso.com", or "<I>issuer<S>CN=name,...") */
    unsigned char *ignored;        /* ignore = / --ignore: XP_CODE_COUNT flags (1: report
                                    * that code as info, marked suppressed), or NULL */
    char **dkim_selectors;         /* dkim_selectors = s1,s2: a gateway's own selectors */
    size_t ndkim_selectors;
    char *dkim_selector1;          /* exact CNAME targets (Get-DkimSigningConfig */
    char *dkim_selector2;          /* Selector1CNAME / Selector2CNAME), or NULL */
    char *tenant;                  /* the initial domain: "contoso" (.onmicrosoft.com) */
    const struct xp_m365_cloud *cloud;  /* cloud = ...: its values set the defaults
                                         * above; NULL when not stated (worldwide) */
    int intune;                    /* intune = yes: Intune / Entra CNAMEs required */
};

/* Defaults (Office 365 worldwide values); free with xp_expect_free. */
struct xp_expect *xp_expect_new(void);
/* Parse path into e. On error returns -1 with "FILE:LINE: reason" in err. */
int xp_expect_load(struct xp_expect *e, const char *path, char *err, size_t errlen);
/* Parse one "key = value" line (used by load and by tests). */
int xp_expect_set(struct xp_expect *e, const char *key, const char *value, char *err,
                  size_t errlen);
void xp_expect_free(struct xp_expect *e);
/* Append "HOST[:PORT],..." (IPv6 as [ADDR]:PORT) to e->hosts — or, on
 * ports 25 and 587, to e->smtp_hosts; -1 with err on a malformed entry. */
int xp_expect_add_hosts(struct xp_expect *e, const char *list, char *err, size_t errlen);

/* Add "CODE[,CODE...]" to e->ignored; -1 with err naming an unknown code. */
int xp_expect_add_ignored(struct xp_expect *e, const char *list, char *err, size_t errlen);

const char *xp_deploy_name(enum xp_deploy d);

#endif
