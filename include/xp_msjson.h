/*
 * xp_msjson.h — the two JSON documents hybrid clients read anonymously,
 * parsed with jansson, bounded (size, and only the members named here are
 * read):
 *   Autodiscover v2 (GET /autodiscover/autodiscover.json?Email=&Protocol=):
 *     {"Protocol":"ActiveSync","Url":"https://mail.contoso.com/Microsoft-Server-ActiveSync"}
 *     or {"ErrorCode":"...","ErrorMessage":"..."};
 *   the OpenID configuration of a domain's tenant
 *     (https://login.microsoftonline.com/DOMAIN/v2.0/.well-known/openid-configuration):
 *     {"issuer":"https://login.microsoftonline.com/<tenant GUID>/v2.0", ...}
 *     or {"error":"invalid_tenant", "error_description":"..."}.
 */
#ifndef XP_MSJSON_H
#define XP_MSJSON_H

#include <stddef.h>

#define XP_MSJSON_MAX (64 * 1024)

struct xp_autodv2 {
    char protocol[32];
    char url[1024];
    char error_code[64];
    char error_message[256];
};

/* 0 with protocol and url, or error_code set; -1 when not such a JSON
 * object (or over XP_MSJSON_MAX bytes), with the parser's reason in why. */
int xp_autodv2_parse(const char *body, size_t len, struct xp_autodv2 *out, char *why,
                     size_t whylen);

struct xp_openid {
    char issuer[512];
    char tenant[40];               /* the GUID in the issuer, lower-case, or "" */
    char error[64];
    char error_description[256];
};

int xp_openid_parse(const char *body, size_t len, struct xp_openid *out, char *why,
                    size_t whylen);

/* Is s a GUID (8-4-4-4-12 hex)? */
int xp_is_guid(const char *s, size_t len);

/* The tenant GUID of Exchange's trusted_issuers
 * ("00000001-0000-0000-c000-000000000000@<tenant>[,...]") into out (lower
 * case); 0 when found. */
int xp_trusted_issuer_tenant(const char *trusted_issuers, char *out, size_t len);

#endif
