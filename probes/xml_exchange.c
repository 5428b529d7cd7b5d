/*
 * xml_exchange.c — building Exchange's Autodiscover requests and reading
 * its answers (POX Autodiscover, SOAP GetFederationInformation) with
 * libxml2 in its safe mode. Elements are matched by local name, so the
 * namespace prefixes a server picks do not matter.
 */
#define _GNU_SOURCE
#include "xp_xml.h"
#include "xp.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_XML (1024 * 1024)

static void
quiet(void *ctx, const xmlError *err)
{
    (void)ctx;
    (void)err;   /* libxml2 would print to stderr, under the TUI too */
}

int
xp_xml_is_unsafe(const char *body, size_t len)
{
    /* A NUL byte means UTF-16/32 (or binary): a body the scan below could
     * not read is refused too. Exchange sends UTF-8. */
    return memchr(body, '\0', len) || memmem(body, len, "<!DOCTYPE", 9) || memmem(body, len, "<!doctype", 9) ||
           memmem(body, len, "<!ENTITY", 8) || memmem(body, len, "<!entity", 8);
}

static xmlDocPtr
parse(const char *body, size_t len, enum xp_xml_rc *rc)
{
    static int ready;
    xmlDocPtr doc;

    if (!ready) {
        xmlInitParser();
        xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)quiet);
        ready = 1;
    }
    if (xp_xml_is_unsafe(body, len)) {
        *rc = XP_XMLRC_UNSAFE;
        return NULL;
    }
    if (len > MAX_XML || len > (size_t)INT32_MAX) {
        *rc = XP_XMLRC_NOT_XML;
        return NULL;
    }
    /* Never XML_PARSE_NOENT, DTDLOAD or HUGE. The encoding is fixed to
     * UTF-8 (what Exchange sends), so a UTF-16 body cannot hide a DTD from
     * the byte scan above; and should one get through all the same, the
     * parsed document is refused. */
    doc = xmlReadMemory(body, (int)len, "response.xml", "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc && (doc->intSubset || doc->extSubset)) {
        xmlFreeDoc(doc);
        *rc = XP_XMLRC_UNSAFE;
        return NULL;
    }
    *rc = doc ? XP_XMLRC_OK : XP_XMLRC_NOT_XML;
    return doc;
}

static int
named(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

/* First descendant (depth-first) of n named local, or NULL. */
static xmlNodePtr
find(xmlNodePtr n, const char *local)
{
    xmlNodePtr c, hit;

    for (c = n ? n->children : NULL; c; c = c->next) {
        if (named(c, local))
            return c;
        hit = find(c, local);
        if (hit)
            return hit;
    }
    return NULL;
}

/* Text of the child element named local, into buf. */
static void
text_of(xmlNodePtr n, const char *local, char *buf, size_t len)
{
    xmlNodePtr e = find(n, local);
    xmlChar *t;

    if (!e)
        return;
    t = xmlNodeGetContent(e);
    if (t) {
        snprintf(buf, len, "%s", (const char *)t);
        xmlFree(t);
    }
}

enum xp_xml_rc
xp_autod_parse(const char *body, size_t len, struct xp_autod_resp *out)
{
    enum xp_xml_rc rc;
    xmlDocPtr doc = parse(body, len, &rc);
    xmlNodePtr root, n, err;
    char code[32] = "";

    memset(out, 0, sizeof(*out));
    if (!doc)
        return rc;
    root = xmlDocGetRootElement(doc);
    if (!named(root, "Autodiscover")) {
        xmlFreeDoc(doc);
        return XP_XMLRC_NOT_XML;
    }
    err = find(root, "Error");
    if (err) {
        text_of(err, "ErrorCode", code, sizeof(code));
        out->error_code = atoi(code);
        text_of(err, "Message", out->error_message, sizeof(out->error_message));
    }
    text_of(root, "Action", out->action, sizeof(out->action));
    text_of(root, "RedirectAddr", out->redirect_addr, sizeof(out->redirect_addr));
    text_of(root, "RedirectUrl", out->redirect_url, sizeof(out->redirect_url));
    text_of(root, "DisplayName", out->display_name, sizeof(out->display_name));
    n = find(root, "Account");
    for (n = n ? n->children : NULL; n && out->nproto < XP_AUTOD_MAX_PROTOCOLS; n = n->next) {
        struct xp_autod_protocol *p;
        xmlChar *type;

        if (!named(n, "Protocol"))
            continue;
        p = &out->proto[out->nproto++];
        type = xmlGetProp(n, (const xmlChar *)"Type");
        if (type) {
            snprintf(p->type, sizeof(p->type), "%s", (const char *)type);
            xmlFree(type);
        } else {
            text_of(n, "Type", p->type, sizeof(p->type));
        }
        text_of(n, "Server", p->server, sizeof(p->server));
        text_of(n, "EwsUrl", p->ews_url, sizeof(p->ews_url));
        text_of(n, "OABUrl", p->oab_url, sizeof(p->oab_url));
        text_of(n, "ASUrl", p->as_url, sizeof(p->as_url));
        text_of(n, "EcpUrl", p->ecp_url, sizeof(p->ecp_url));
        text_of(n, "AuthPackage", p->auth_package, sizeof(p->auth_package));
        text_of(n, "CertPrincipalName", p->cert_principal, sizeof(p->cert_principal));
    }
    xmlFreeDoc(doc);
    return XP_XMLRC_OK;
}

/*
 * The SOAP header's ServerVersionInfo as "15.2.1748.24": Autodiscover writes
 * the numbers as child elements, EWS as attributes; both are read. Empty
 * when absent or not four numbers.
 */
static void
read_server_version(xmlNodePtr root, char *buf, size_t len)
{
    static const char *const part[] = { "MajorVersion", "MinorVersion", "MajorBuildNumber",
                                        "MinorBuildNumber" };
    xmlNodePtr svi = find(root, "ServerVersionInfo");
    unsigned long v[4];
    size_t i;

    buf[0] = '\0';
    if (!svi)
        return;
    for (i = 0; i < 4; i++) {
        char t[16] = "";
        xmlChar *a = xmlGetProp(svi, (const xmlChar *)part[i]);
        char *end;

        if (a) {
            snprintf(t, sizeof(t), "%s", (const char *)a);
            xmlFree(a);
        } else {
            text_of(svi, part[i], t, sizeof(t));
        }
        v[i] = strtoul(t, &end, 10);
        if (!t[0] || *end || v[i] > 99999)
            return;
    }
    snprintf(buf, len, "%lu.%lu.%lu.%lu", v[0], v[1], v[2], v[3]);
}

enum xp_xml_rc
xp_fedinfo_parse(const char *body, size_t len, struct xp_fedinfo *out)
{
    enum xp_xml_rc rc;
    xmlDocPtr doc = parse(body, len, &rc);
    xmlNodePtr root, resp, fault, d;

    memset(out, 0, sizeof(*out));
    if (!doc)
        return rc;
    root = xmlDocGetRootElement(doc);
    if (!named(root, "Envelope")) {
        xmlFreeDoc(doc);
        return XP_XMLRC_NOT_XML;
    }
    fault = find(root, "Fault");
    if (fault) {
        text_of(fault, "faultstring", out->fault, sizeof(out->fault));
        if (!out->fault[0])
            text_of(fault, "Text", out->fault, sizeof(out->fault));
    }
    read_server_version(root, out->server_version, sizeof(out->server_version));
    resp = find(root, "GetFederationInformationResponseMessage");
    if (resp) {
        text_of(resp, "ErrorCode", out->error_code, sizeof(out->error_code));
        text_of(resp, "ErrorMessage", out->error_message, sizeof(out->error_message));
        text_of(resp, "ApplicationUri", out->application_uri, sizeof(out->application_uri));
        d = find(resp, "Domains");
        for (d = d ? d->children : NULL; d && out->ndomains < XP_FEDINFO_MAX_DOMAINS;
             d = d->next) {
            xmlChar *t;

            if (!named(d, "Domain"))
                continue;
            t = xmlNodeGetContent(d);
            snprintf(out->domains[out->ndomains++], sizeof(out->domains[0]), "%s",
                     t ? (const char *)t : "");
            xmlFree(t);
        }
        d = find(resp, "TokenIssuer");
        if (d)
            text_of(d, "Uri", out->token_issuer, sizeof(out->token_issuer));
    }
    xmlFreeDoc(doc);
    return resp || fault ? XP_XMLRC_OK : XP_XMLRC_NOT_XML;
}

char *
xp_autod_request(const char *email)
{
    xmlChar *safe = xmlEncodeSpecialChars(NULL, (const xmlChar *)email);
    char *req = xasprintf(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
        "requestschema/2006\">\n"
        "  <Request>\n"
        "    <EMailAddress>%s</EMailAddress>\n"
        "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/"
        "outlook/responseschema/2006a</AcceptableResponseSchema>\n"
        "  </Request>\n"
        "</Autodiscover>\n", safe ? (const char *)safe : "");

    xmlFree(safe);
    return req;
}

char *
xp_fedinfo_request(const char *domain, const char *url)
{
    xmlChar *d = xmlEncodeSpecialChars(NULL, (const xmlChar *)domain);
    xmlChar *u = xmlEncodeSpecialChars(NULL, (const xmlChar *)url);
    char *req = xasprintf(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:a=\"http://www.w3.org/2005/08/addressing\">\n"
        "  <soap:Header>\n"
        "    <a:Action soap:mustUnderstand=\"1\">http://schemas.microsoft.com/exchange/2010/"
        "Autodiscover/Autodiscover/GetFederationInformation</a:Action>\n"
        "    <a:To soap:mustUnderstand=\"1\">%s</a:To>\n"
        "    <a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous"
        "</a:Address></a:ReplyTo>\n"
        "  </soap:Header>\n"
        "  <soap:Body>\n"
        "    <GetFederationInformationRequestMessage xmlns=\"http://schemas.microsoft.com/"
        "exchange/2010/Autodiscover\">\n"
        "      <Request><Domain>%s</Domain></Request>\n"
        "    </GetFederationInformationRequestMessage>\n"
        "  </soap:Body>\n"
        "</soap:Envelope>\n", u ? (const char *)u : "", d ? (const char *)d : "");

    xmlFree(d);
    xmlFree(u);
    return req;
}
