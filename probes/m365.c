/*
 * m365.c — Microsoft 365 domain-record facts (xp_m365.h).
 */
#include "xp_m365.h"
#include "xp.h"
#include "xp_dns.h"
#include "xp_exo.h"
#include "xp_spf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int
xp_m365_bpos_label(const char *label, size_t len)
{
    size_t i;

    if (len != 10 || strncasecmp(label, "ms", 2) != 0)
        return 0;
    for (i = 2; i < len; i++)
        if (!isdigit((unsigned char)label[i]))
            return 0;
    return 1;
}

int
xp_m365_verification_mx(const char *host, char code[11])
{
    static const char suffix[] = ".msv1.invalid";
    size_t n = host ? strlen(host) : 0, m = sizeof(suffix) - 1;

    if (n && host[n - 1] == '.')
        n--;
    if (n != 10 + m || strncasecmp(host + 10, suffix, m) != 0 ||
        !xp_m365_bpos_label(host, 10))
        return 0;
    if (code) {
        size_t i;

        for (i = 0; i < 10; i++)
            code[i] = (char)tolower((unsigned char)host[i]);
        code[10] = '\0';
    }
    return 1;
}

static const struct xp_m365_cloud clouds[] = {
    { "worldwide", "spf.protection.outlook.com", "autodiscover.outlook.com",
      "mail.protection.outlook.com", 0, NULL },
    /* GCC (moderate) uses the worldwide values */
    { "gcchigh", "spf.protection.office365.us", "autodiscover-s.office365.us",
      "mail.protection.office365.us", 0, NULL },
    { "dod", "spf.protection.office365.us", "autodiscover-s.office365.us",
      "mail.protection.office365.us", 0, NULL },
    { "21vianet", "spf.protection.partner.outlook.cn", "autodiscover.partner.outlook.cn",
      "mail.protection.partner.outlook.cn", 1, "clientconfig.partner.microsoftonline-p.net.cn" },
};

const struct xp_m365_cloud *
xp_m365_cloud(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(clouds) / sizeof(clouds[0]); i++)
        if (strcasecmp(name, clouds[i].name) == 0)
            return &clouds[i];
    return NULL;
}

const char *
xp_m365_exo_sender(const struct xp_dns_result *mx, const struct xp_dns_result *txt,
                   const char *mx_suffix, const char *spf_include)
{
    size_t i;

    for (i = 0; mx && i < mx->nrr; i++)
        if (mx->rr[i].type == XP_DNS_MX && xp_exo_mx_is_exo(mx->rr[i].target, mx_suffix))
            return "its MX is Exchange Online's";
    for (i = 0; txt && i < txt->nrr; i++) {
        const struct xp_dns_rr *rr = &txt->rr[i];

        if (rr->type == XP_DNS_TXT && xp_spf_is_record(rr->text, rr->textlen) &&
            xp_spf_has_include(rr->text, rr->textlen, spf_include))
            return "its SPF record includes Exchange Online";
    }
    return NULL;
}

int
xp_m365_cloud_host(const char *host)
{
    static const char *const suffixes[] = {
        "outlook.com", "office365.com", "office.com", "microsoft.com", "microsoftonline.com",
        "lync.com", "office365.us", "outlook.de", "partner.outlook.cn",
    };
    size_t i;

    if (xp_exo_mx_is_exo(host, NULL))
        return 1;
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (xp_name_ends_with(host, suffixes[i]))
            return 1;
    return 0;
}
