/*
 * xp_xml.h — reading Exchange's XML answers safely with libxml2: no entity
 * expansion, no DTD loading, no network, bounded input; a document that
 * declares a DTD or entities (billion laughs, XXE) is refused unparsed —
 * Exchange never sends one.
 */
#ifndef XP_XML_H
#define XP_XML_H

#include <stddef.h>

enum xp_xml_rc {
    XP_XMLRC_OK = 0,
    XP_XMLRC_NOT_XML = -1,       /* not well-formed, or not the expected document */
    XP_XMLRC_UNSAFE = -2,        /* DOCTYPE / ENTITY declarations: refused */
};

#define XP_AUTOD_MAX_PROTOCOLS 8

struct xp_autod_protocol {
    char type[16];             /* EXCH, EXPR, WEB, EXHTTP, mapiHttp */
    char server[256];
    char ews_url[512];
    char oab_url[512];
    char as_url[512];
    char ecp_url[512];
    char auth_package[32];
    char cert_principal[256];
};

/* A POX Autodiscover response (outlook provider). */
struct xp_autod_resp {
    char action[32];           /* settings | redirectAddr | redirectUrl */
    char redirect_addr[320];
    char redirect_url[1024];
    char display_name[256];
    int error_code;            /* <Error><ErrorCode>, 0 if none */
    char error_message[256];
    struct xp_autod_protocol proto[XP_AUTOD_MAX_PROTOCOLS];
    size_t nproto;
};

#define XP_FEDINFO_MAX_DOMAINS 16

/* A GetFederationInformation SOAP response (or fault). */
struct xp_fedinfo {
    char error_code[64];       /* NoError, NotFederated, InvalidDomain, ... */
    char error_message[256];
    char application_uri[256];
    char domains[XP_FEDINFO_MAX_DOMAINS][256];
    size_t ndomains;
    char token_issuer[256];    /* first TokenIssuer Uri */
    char fault[256];           /* soap:Fault faultstring, if a fault */
    char server_version[32];   /* SOAP header ServerVersionInfo: "15.2.1748.24", or "" */
};

/* Does the body declare a DTD or entities? */
int xp_xml_is_unsafe(const char *body, size_t len);

enum xp_xml_rc xp_autod_parse(const char *body, size_t len, struct xp_autod_resp *out);
enum xp_xml_rc xp_fedinfo_parse(const char *body, size_t len, struct xp_fedinfo *out);

/* The POX request for an address (caller frees). */
char *xp_autod_request(const char *email);
/* The anonymous GetFederationInformation request, as the wizard sends it. */
char *xp_fedinfo_request(const char *domain, const char *url);

#endif
