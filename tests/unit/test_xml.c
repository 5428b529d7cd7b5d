/*
 * test_xml.c — reading Exchange's XML answers safely and building its
 * requests (include/xp_xml.h, probes/xml_exchange.c), on documents after
 * the wire formats of domain.md §1.3–1.4 (POX Autodiscover) and §2.5
 * (GetFederationInformation): the healthy answers field by field, the
 * redirects and errors, other namespace prefixes, and the hostile ones
 * (billion laughs, XXE, oversized, deeply nested). The requests are parsed
 * back with libxml2. Run under valgrind: it must be clean.
 */
#define _GNU_SOURCE   /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "xp.h"
#include "xp_xml.h"

#define NS_RESPONSE "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define NS_OUTLOOK_RESPONSE \
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
#define NS_OUTLOOK_REQUEST \
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_ADDRESSING "http://www.w3.org/2005/08/addressing"
#define NS_AUTOD_2010 "http://schemas.microsoft.com/exchange/2010/Autodiscover"
#define ACTION_FEDINFO \
    "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/" \
    "GetFederationInformation"

/* ---- what a test allocates, freed by its teardown (so a failing
 * assertion, a longjmp out of the test, leaks nothing under valgrind) ---- */

static struct {
    void *mem[8];          /* free() */
    size_t nmem;
    xmlDocPtr doc[4];      /* xmlFreeDoc() */
    size_t ndoc;
} T;

static void *
defer_free(void *p)
{
    assert_non_null(p);
    assert_true(T.nmem < XP_ARRAY_LEN(T.mem));
    T.mem[T.nmem++] = p;
    return p;
}

static xmlDocPtr
defer_doc(xmlDocPtr d)
{
    assert_true(T.ndoc < XP_ARRAY_LEN(T.doc));
    T.doc[T.ndoc++] = d;
    return d;
}

static int
teardown(void **state)
{
    (void)state;
    while (T.nmem > 0)
        free(T.mem[--T.nmem]);
    while (T.ndoc > 0)
        xmlFreeDoc(T.doc[--T.ndoc]);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    xmlCleanupParser();
    return 0;
}

/* The output structs are big: one of each, zeroed per use by the parser. */
static struct xp_autod_resp A;
static struct xp_fedinfo F;

static enum xp_xml_rc
autod(const char *doc)
{
    memset(&A, 0x5a, sizeof(A));   /* the parser must reset what it does not fill */
    return xp_autod_parse(doc, strlen(doc), &A);
}

static enum xp_xml_rc
fedinfo(const char *doc)
{
    memset(&F, 0x5a, sizeof(F));
    return xp_fedinfo_parse(doc, strlen(doc), &F);
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- documents ---- */

/* An Outlook-provider answer as Exchange 2016 sends it (domain.md §1.4),
 * with the MAPI/HTTP protocol (Type as an attribute) and a WEB protocol
 * whose Internal part nests a Protocol of its own. */
static const char SETTINGS[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<Autodiscover xmlns=\"" NS_RESPONSE "\">\r\n"
    "  <Response xmlns=\"" NS_OUTLOOK_RESPONSE "\">\r\n"
    "    <User>\r\n"
    "      <DisplayName>Alex Wilber</DisplayName>\r\n"
    "      <LegacyDN>/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/"
    "cn=Recipients/cn=0b6e1f5c8a3d4e7f9b2c1d0e3f4a5b6c-Alex</LegacyDN>\r\n"
    "      <AutoDiscoverSMTPAddress>alexw@contoso.com</AutoDiscoverSMTPAddress>\r\n"
    "      <DeploymentId>6f9c2a41-3b7e-4d58-a1c0-9e8d7f6b5a43</DeploymentId>\r\n"
    "    </User>\r\n"
    "    <Account>\r\n"
    "      <AccountType>email</AccountType>\r\n"
    "      <Action>settings</Action>\r\n"
    "      <MicrosoftOnline>False</MicrosoftOnline>\r\n"
    "      <Protocol>\r\n"
    "        <Type>EXCH</Type>\r\n"
    "        <Server>5c3b8f27-1d4e-4a9b-8c7f-2e6d0a1b3c4d@contoso.com</Server>\r\n"
    "        <ServerDN>/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/"
    "cn=Configuration/cn=Servers/cn=5c3b8f27-1d4e-4a9b-8c7f-2e6d0a1b3c4d@contoso.com"
    "</ServerDN>\r\n"
    "        <ServerVersion>73C18880</ServerVersion>\r\n"
    "        <MdbDN>/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/"
    "cn=Configuration/cn=Servers/cn=5c3b8f27-1d4e-4a9b-8c7f-2e6d0a1b3c4d@contoso.com/"
    "cn=Microsoft Private MDB</MdbDN>\r\n"
    "        <PublicFolderServer>mail.contoso.com</PublicFolderServer>\r\n"
    "        <AD>DC01.contoso.local</AD>\r\n"
    "        <ASUrl>https://mail.contoso.com/EWS/Exchange.asmx</ASUrl>\r\n"
    "        <EwsUrl>https://mail.contoso.com/EWS/Exchange.asmx</EwsUrl>\r\n"
    "        <EmwsUrl>https://mail.contoso.com/EWS/Exchange.asmx</EmwsUrl>\r\n"
    "        <EcpUrl>https://mail.contoso.com/owa/</EcpUrl>\r\n"
    "        <OOFUrl>https://mail.contoso.com/EWS/Exchange.asmx</OOFUrl>\r\n"
    "        <UMUrl>https://mail.contoso.com/EWS/UM2007Legacy.asmx</UMUrl>\r\n"
    "        <OABUrl>https://mail.contoso.com/OAB/3f1e6b2a-9c8d-4e7f-a0b1-c2d3e4f5a6b7/"
    "</OABUrl>\r\n"
    "        <ServerExclusiveConnect>off</ServerExclusiveConnect>\r\n"
    "      </Protocol>\r\n"
    "      <Protocol>\r\n"
    "        <Type>EXPR</Type>\r\n"
    "        <Server>mail.contoso.com</Server>\r\n"
    "        <SSL>On</SSL>\r\n"
    "        <AuthPackage>Ntlm</AuthPackage>\r\n"
    "        <ASUrl>https://mail.contoso.com/EWS/Exchange.asmx</ASUrl>\r\n"
    "        <EwsUrl>https://mail.contoso.com/EWS/Exchange.asmx</EwsUrl>\r\n"
    "        <EmwsUrl>https://mail.contoso.com/EWS/Exchange.asmx</EmwsUrl>\r\n"
    "        <EcpUrl>https://mail.contoso.com/ecp/</EcpUrl>\r\n"
    "        <OOFUrl>https://mail.contoso.com/EWS/Exchange.asmx</OOFUrl>\r\n"
    "        <OABUrl>https://mail.contoso.com/OAB/3f1e6b2a-9c8d-4e7f-a0b1-c2d3e4f5a6b7/"
    "</OABUrl>\r\n"
    "        <CertPrincipalName>msstd:mail.contoso.com</CertPrincipalName>\r\n"
    "        <ServerExclusiveConnect>on</ServerExclusiveConnect>\r\n"
    "      </Protocol>\r\n"
    "      <Protocol>\r\n"
    "        <Type>WEB</Type>\r\n"
    "        <Internal>\r\n"
    "          <OWAUrl AuthenticationMethod=\"Basic, Fba\">https://mail.contoso.com/owa/"
    "</OWAUrl>\r\n"
    "          <Protocol>\r\n"
    "            <Type>EXCH</Type>\r\n"
    "            <ASUrl>https://internal.contoso.local/EWS/Exchange.asmx</ASUrl>\r\n"
    "          </Protocol>\r\n"
    "        </Internal>\r\n"
    "      </Protocol>\r\n"
    "      <Protocol Type=\"mapiHttp\" Version=\"1\">\r\n"
    "        <MailStore>\r\n"
    "          <InternalUrl>https://mail.contoso.com/mapi/emsmdb/?MailboxId="
    "0b6e1f5c-8a3d-4e7f-9b2c-1d0e3f4a5b6c@contoso.com</InternalUrl>\r\n"
    "          <ExternalUrl>https://mail.contoso.com/mapi/emsmdb/?MailboxId="
    "0b6e1f5c-8a3d-4e7f-9b2c-1d0e3f4a5b6c@contoso.com</ExternalUrl>\r\n"
    "        </MailStore>\r\n"
    "        <AddressBook>\r\n"
    "          <InternalUrl>https://mail.contoso.com/mapi/nspi/?MailboxId="
    "0b6e1f5c-8a3d-4e7f-9b2c-1d0e3f4a5b6c@contoso.com</InternalUrl>\r\n"
    "          <ExternalUrl>https://mail.contoso.com/mapi/nspi/?MailboxId="
    "0b6e1f5c-8a3d-4e7f-9b2c-1d0e3f4a5b6c@contoso.com</ExternalUrl>\r\n"
    "        </AddressBook>\r\n"
    "      </Protocol>\r\n"
    "    </Account>\r\n"
    "  </Response>\r\n"
    "</Autodiscover>\r\n";

static const char BILLION_LAUGHS[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE Autodiscover [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
    "]>\n"
    "<Autodiscover xmlns=\"" NS_RESPONSE "\"><Response xmlns=\"" NS_OUTLOOK_RESPONSE "\">"
    "<User><DisplayName>&lol9;</DisplayName></User>"
    "<Account><Action>settings</Action></Account></Response></Autodiscover>\n";

static const char XXE[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<!DOCTYPE Autodiscover [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
    "<Autodiscover xmlns=\"" NS_RESPONSE "\"><Response xmlns=\"" NS_OUTLOOK_RESPONSE "\">"
    "<User><DisplayName>&xxe;</DisplayName></User>"
    "<Account><Action>redirectAddr</Action><RedirectAddr>&xxe;</RedirectAddr></Account>"
    "<Error><ErrorCode>500</ErrorCode><Message>&xxe;</Message></Error>"
    "</Response></Autodiscover>\n";

/* ---- xp_xml_is_unsafe ---- */

static void
is_unsafe__doctype_upper_and_lower__1(void **state)
{
    static const char a[] = "<?xml version=\"1.0\"?><!DOCTYPE a><a/>";
    static const char b[] = "<!doctype html><html></html>";

    (void)state;
    assert_int_equal(xp_xml_is_unsafe(a, strlen(a)), 1);
    assert_int_equal(xp_xml_is_unsafe(b, strlen(b)), 1);
}

static void
is_unsafe__entity_anywhere__1(void **state)
{
    static const char a[] = "<a><b>text</b><!ENTITY x \"y\"></a>";

    (void)state;
    assert_int_equal(xp_xml_is_unsafe(a, strlen(a)), 1);
    assert_int_equal(xp_xml_is_unsafe(BILLION_LAUGHS, strlen(BILLION_LAUGHS)), 1);
    assert_int_equal(xp_xml_is_unsafe(XXE, strlen(XXE)), 1);
}

static void
is_unsafe__normal_xml__0(void **state)
{
    static const char a[] = "<?xml version=\"1.0\"?><a>&lt;!DOCTYPE is text here</a>";

    (void)state;
    assert_int_equal(xp_xml_is_unsafe(SETTINGS, strlen(SETTINGS)), 0);
    assert_int_equal(xp_xml_is_unsafe(a, strlen(a)), 0);
    assert_int_equal(xp_xml_is_unsafe("", 0), 0);
}

static void
is_unsafe__nul_bytes_before_marker__still_found(void **state)
{
    static const char a[] = "<a>\0\0\0</a><!DOCTYPE a>";
    static const char b[] = "\0\0<!ENTITY e \"x\">";

    (void)state;
    assert_int_equal(xp_xml_is_unsafe(a, sizeof(a) - 1), 1);
    assert_int_equal(xp_xml_is_unsafe(b, sizeof(b) - 1), 1);
}

static void
is_unsafe__marker_past_length__not_read(void **state)
{
    static const char a[] = "<a/><!DOCTYPE a>";

    (void)state;
    assert_int_equal(xp_xml_is_unsafe(a, 4), 0);
    /* cut in the middle of the marker */
    assert_int_equal(xp_xml_is_unsafe(a, 4 + 8), 0);
    assert_int_equal(xp_xml_is_unsafe(a, 4 + 9), 1);
}

/* ---- xp_autod_parse ---- */

static void
autod_parse__outlook_settings__every_field(void **state)
{
    (void)state;
    assert_int_equal(autod(SETTINGS), XP_XMLRC_OK);
    assert_string_equal(A.action, "settings");
    assert_string_equal(A.display_name, "Alex Wilber");
    assert_string_equal(A.redirect_addr, "");
    assert_string_equal(A.redirect_url, "");
    assert_int_equal(A.error_code, 0);
    assert_string_equal(A.error_message, "");
    assert_int_equal(A.nproto, 4);

    assert_string_equal(A.proto[0].type, "EXCH");
    assert_string_equal(A.proto[0].server, "5c3b8f27-1d4e-4a9b-8c7f-2e6d0a1b3c4d@contoso.com");
    assert_string_equal(A.proto[0].as_url, "https://mail.contoso.com/EWS/Exchange.asmx");
    assert_string_equal(A.proto[0].ews_url, "https://mail.contoso.com/EWS/Exchange.asmx");
    assert_string_equal(A.proto[0].ecp_url, "https://mail.contoso.com/owa/");
    assert_string_equal(A.proto[0].oab_url,
                        "https://mail.contoso.com/OAB/3f1e6b2a-9c8d-4e7f-a0b1-c2d3e4f5a6b7/");
    assert_string_equal(A.proto[0].auth_package, "");
    assert_string_equal(A.proto[0].cert_principal, "");

    assert_string_equal(A.proto[1].type, "EXPR");
    assert_string_equal(A.proto[1].server, "mail.contoso.com");
    assert_string_equal(A.proto[1].as_url, "https://mail.contoso.com/EWS/Exchange.asmx");
    assert_string_equal(A.proto[1].ews_url, "https://mail.contoso.com/EWS/Exchange.asmx");
    assert_string_equal(A.proto[1].ecp_url, "https://mail.contoso.com/ecp/");
    assert_string_equal(A.proto[1].oab_url,
                        "https://mail.contoso.com/OAB/3f1e6b2a-9c8d-4e7f-a0b1-c2d3e4f5a6b7/");
    assert_string_equal(A.proto[1].auth_package, "Ntlm");
    assert_string_equal(A.proto[1].cert_principal, "msstd:mail.contoso.com");

    /* WEB: its own Type, not the nested Protocol's; the nested one is not
     * a protocol of the Account */
    assert_string_equal(A.proto[2].type, "WEB");
    assert_string_equal(A.proto[2].server, "");

    assert_string_equal(A.proto[3].type, "mapiHttp");
    assert_string_equal(A.proto[3].server, "");
    assert_string_equal(A.proto[3].ews_url, "");
    assert_string_equal(A.proto[3].as_url, "");
    assert_string_equal(A.proto[3].auth_package, "");
}

static void
autod_parse__redirect_addr__action_and_address(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" NS_RESPONSE "\">\n"
        "  <Response xmlns=\"" NS_OUTLOOK_RESPONSE "\">\n"
        "    <Account>\n"
        "      <Action>redirectAddr</Action>\n"
        "      <RedirectAddr>alexw@contoso.mail.onmicrosoft.com</RedirectAddr>\n"
        "    </Account>\n"
        "  </Response>\n"
        "</Autodiscover>\n";

    (void)state;
    assert_int_equal(autod(doc), XP_XMLRC_OK);
    assert_string_equal(A.action, "redirectAddr");
    assert_string_equal(A.redirect_addr, "alexw@contoso.mail.onmicrosoft.com");
    assert_string_equal(A.redirect_url, "");
    assert_string_equal(A.display_name, "");
    assert_int_equal(A.error_code, 0);
    assert_int_equal(A.nproto, 0);
}

static void
autod_parse__redirect_url__action_and_url(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" NS_RESPONSE "\">\n"
        "  <Response xmlns=\"" NS_OUTLOOK_RESPONSE "\">\n"
        "    <Account>\n"
        "      <Action>redirectUrl</Action>\n"
        "      <RedirectUrl>https://autodiscover.fabrikam.com/autodiscover/autodiscover.xml"
        "</RedirectUrl>\n"
        "    </Account>\n"
        "  </Response>\n"
        "</Autodiscover>\n";

    (void)state;
    assert_int_equal(autod(doc), XP_XMLRC_OK);
    assert_string_equal(A.action, "redirectUrl");
    assert_string_equal(A.redirect_url,
                        "https://autodiscover.fabrikam.com/autodiscover/autodiscover.xml");
    assert_string_equal(A.redirect_addr, "");
    assert_int_equal(A.nproto, 0);
}

static void
autod_parse__error_500__code_and_message(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" NS_RESPONSE "\">\n"
        "  <Response xmlns=\"" NS_OUTLOOK_RESPONSE "\">\n"
        "    <Error Time=\"16:56:32.6164027\" Id=\"1054084152\">\n"
        "      <ErrorCode>500</ErrorCode><Message>The e-mail address cannot be found."
        "</Message><DebugData/>\n"
        "    </Error>\n"
        "  </Response>\n"
        "</Autodiscover>\n";

    (void)state;
    assert_int_equal(autod(doc), XP_XMLRC_OK);
    assert_int_equal(A.error_code, 500);
    assert_string_equal(A.error_message, "The e-mail address cannot be found.");
    assert_string_equal(A.action, "");
    assert_int_equal(A.nproto, 0);
}

/* Exchange's answer to a GET or a malformed request: 600 Invalid Request. */
static void
autod_parse__error_600_outer_namespace__code_and_message(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
        "<Autodiscover xmlns=\"" NS_RESPONSE "\">\r\n"
        "  <Response>\r\n"
        "    <Error Time=\"10:02:11.3405923\" Id=\"2712438395\">\r\n"
        "      <ErrorCode>600</ErrorCode>\r\n"
        "      <Message>Invalid Request</Message>\r\n"
        "      <DebugData />\r\n"
        "    </Error>\r\n"
        "  </Response>\r\n"
        "</Autodiscover>\r\n";

    (void)state;
    assert_int_equal(autod(doc), XP_XMLRC_OK);
    assert_int_equal(A.error_code, 600);
    assert_string_equal(A.error_message, "Invalid Request");
}

static void
autod_parse__other_namespace_prefixes__parsed(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<a:Autodiscover xmlns:a=\"" NS_RESPONSE "\">\n"
        "  <b:Response xmlns:b=\"" NS_OUTLOOK_RESPONSE "\">\n"
        "    <b:User><b:DisplayName>Alex Wilber</b:DisplayName></b:User>\n"
        "    <b:Account>\n"
        "      <b:AccountType>email</b:AccountType>\n"
        "      <b:Action>settings</b:Action>\n"
        "      <b:Protocol>\n"
        "        <b:Type>EXPR</b:Type>\n"
        "        <b:Server>mail.contoso.com</b:Server>\n"
        "        <b:AuthPackage>Negotiate</b:AuthPackage>\n"
        "        <b:EwsUrl>https://mail.contoso.com/EWS/Exchange.asmx</b:EwsUrl>\n"
        "        <b:CertPrincipalName>msstd:mail.contoso.com</b:CertPrincipalName>\n"
        "      </b:Protocol>\n"
        "    </b:Account>\n"
        "  </b:Response>\n"
        "</a:Autodiscover>\n";

    (void)state;
    assert_int_equal(autod(doc), XP_XMLRC_OK);
    assert_string_equal(A.action, "settings");
    assert_string_equal(A.display_name, "Alex Wilber");
    assert_int_equal(A.nproto, 1);
    assert_string_equal(A.proto[0].type, "EXPR");
    assert_string_equal(A.proto[0].server, "mail.contoso.com");
    assert_string_equal(A.proto[0].auth_package, "Negotiate");
    assert_string_equal(A.proto[0].ews_url, "https://mail.contoso.com/EWS/Exchange.asmx");
    assert_string_equal(A.proto[0].cert_principal, "msstd:mail.contoso.com");
}

static void
autod_parse__not_xml__not_xml(void **state)
{
    (void)state;
    assert_int_equal(autod("HTTP/1.1 200 OK, but this is not XML at all"), XP_XMLRC_NOT_XML);
    assert_string_equal(A.action, "");
    assert_int_equal(A.nproto, 0);
    assert_int_equal(autod(""), XP_XMLRC_NOT_XML);
    /* truncated mid-document */
    assert_int_equal(xp_autod_parse(SETTINGS, strlen(SETTINGS) / 2, &A), XP_XMLRC_NOT_XML);
    assert_int_equal(A.nproto, 0);
}

static void
autod_parse__other_root__not_xml(void **state)
{
    static const char soap[] =
        "<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Body><Autodiscover>"
        "<Response><Account><Action>settings</Action></Account></Response>"
        "</Autodiscover></s:Body></s:Envelope>";

    (void)state;
    assert_int_equal(autod("<html><head><title>Sign in</title></head><body/></html>"),
                     XP_XMLRC_NOT_XML);
    /* Autodiscover below the root does not count */
    assert_int_equal(autod(soap), XP_XMLRC_NOT_XML);
    assert_string_equal(A.action, "");
}

static void
autod_parse__billion_laughs__unsafe_fast(void **state)
{
    double t0, ms;

    (void)state;
    t0 = now_ms();
    assert_int_equal(autod(BILLION_LAUGHS), XP_XMLRC_UNSAFE);
    ms = now_ms() - t0;
    if (ms >= 50.0)
        fail_msg("refusing the billion laughs took %.1f ms", ms);
    assert_string_equal(A.display_name, "");
    assert_string_equal(A.action, "");
    assert_int_equal(A.nproto, 0);
}

static void
autod_parse__xxe__unsafe_nothing_read(void **state)
{
    (void)state;
    assert_int_equal(autod(XXE), XP_XMLRC_UNSAFE);
    assert_null(memmem(&A, sizeof(A), "root:", 5));
    assert_string_equal(A.display_name, "");
    assert_string_equal(A.redirect_addr, "");
    assert_string_equal(A.error_message, "");
    assert_int_equal(A.error_code, 0);
}

/*
 * The DTD refusal must not depend on the body's encoding: the same
 * document in UTF-16 (Exchange never sends one; libxml2 reads it by its
 * byte-order mark) declares entities just as well.
 */
static void
autod_parse__utf16_doctype__unsafe(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
        "<!DOCTYPE Autodiscover [<!ENTITY e \"expanded-entity\">]>\n"
        "<Autodiscover xmlns=\"" NS_RESPONSE "\"><Response xmlns=\"" NS_OUTLOOK_RESPONSE "\">"
        "<User><DisplayName>&e;</DisplayName></User>"
        "<Account><Action>settings</Action></Account></Response></Autodiscover>\n";
    static char u16[2 + 2 * sizeof(doc)];
    size_t i, n = strlen(doc);

    (void)state;
    u16[0] = (char)0xff;   /* UTF-16LE byte-order mark */
    u16[1] = (char)0xfe;
    for (i = 0; i < n; i++) {
        u16[2 + 2 * i] = doc[i];
        u16[3 + 2 * i] = '\0';
    }
    memset(&A, 0x5a, sizeof(A));
    assert_int_equal(xp_autod_parse(u16, 2 + 2 * n, &A), XP_XMLRC_UNSAFE);
    assert_string_equal(A.display_name, "");
}

/* Over the input bound (1 MiB): refused before libxml2 sees it. */
static void
autod_parse__2mb_document__not_xml(void **state)
{
    static const char head[] = "<Autodiscover xmlns=\"" NS_RESPONSE "\"><Response>"
                               "<Account><Action>settings</Action></Account><!-- ";
    static const char tail[] = " --></Response></Autodiscover>";
    size_t size = 2 * 1024 * 1024, small = 64 * 1024;
    char *doc = defer_free(malloc(size + 1));

    (void)state;
    memset(doc, 'x', size);
    memcpy(doc, head, strlen(head));
    memcpy(doc + size - strlen(tail), tail, strlen(tail));
    doc[size] = '\0';
    memset(&A, 0x5a, sizeof(A));
    assert_int_equal(xp_autod_parse(doc, size, &A), XP_XMLRC_NOT_XML);
    assert_string_equal(A.action, "");
    /* the same document, small: the refusal above was the size */
    memcpy(doc + small - strlen(tail), tail, strlen(tail));
    assert_int_equal(xp_autod_parse(doc, small, &A), XP_XMLRC_OK);
    assert_string_equal(A.action, "settings");
}

/*
 * 10000 nested elements: libxml2 refuses documents deeper than its limit
 * (256 without XML_PARSE_HUGE, which the parser never sets), so NOT_XML,
 * and no recursion in our tree walk goes that deep.
 */
static void
autod_parse__10000_levels_nested__not_xml(void **state)
{
    static const char head[] = "<Autodiscover><Response><Account><Action>settings</Action>";
    static const char tail[] = "</Account></Response></Autodiscover>";
    size_t depth = 10000, i, n = 0;
    char *doc = defer_free(malloc(strlen(head) + depth * 7 + strlen(tail) + 1));

    (void)state;
    n += (size_t)sprintf(doc + n, "%s", head);
    for (i = 0; i < depth; i++)
        n += (size_t)sprintf(doc + n, "<a>");
    for (i = 0; i < depth; i++)
        n += (size_t)sprintf(doc + n, "</a>");
    n += (size_t)sprintf(doc + n, "%s", tail);
    memset(&A, 0x5a, sizeof(A));
    assert_int_equal(xp_autod_parse(doc, n, &A), XP_XMLRC_NOT_XML);
    assert_string_equal(A.action, "");
}

/* Nesting within libxml2's limit parses, and the walk finds what follows. */
static void
autod_parse__200_levels_nested__ok(void **state)
{
    static const char head[] = "<Autodiscover><Response><Account>";
    static const char tail[] = "<Action>redirectAddr</Action><RedirectAddr>x@fabrikam.com"
                               "</RedirectAddr></Account></Response></Autodiscover>";
    size_t depth = 200, i, n = 0;
    char *doc = defer_free(malloc(strlen(head) + depth * 7 + strlen(tail) + 1));

    (void)state;
    n += (size_t)sprintf(doc + n, "%s", head);
    for (i = 0; i < depth; i++)
        n += (size_t)sprintf(doc + n, "<a>");
    for (i = 0; i < depth; i++)
        n += (size_t)sprintf(doc + n, "</a>");
    n += (size_t)sprintf(doc + n, "%s", tail);
    assert_int_equal(xp_autod_parse(doc, n, &A), XP_XMLRC_OK);
    assert_string_equal(A.action, "redirectAddr");
    assert_string_equal(A.redirect_addr, "x@fabrikam.com");
}

static void
autod_parse__more_protocols_than_max__capped(void **state)
{
    size_t total = XP_AUTOD_MAX_PROTOCOLS + 3, i, n = 0, cap = 16384;
    char *doc = defer_free(malloc(cap));

    (void)state;
    n += (size_t)snprintf(doc + n, cap - n, "<Autodiscover xmlns=\"%s\"><Response xmlns=\"%s\">"
                          "<Account><Action>settings</Action>", NS_RESPONSE,
                          NS_OUTLOOK_RESPONSE);
    for (i = 0; i < total; i++)
        n += (size_t)snprintf(doc + n, cap - n, "<Protocol><Type>T%zu</Type>"
                              "<Server>s%zu.contoso.com</Server></Protocol>", i, i);
    n += (size_t)snprintf(doc + n, cap - n, "</Account></Response></Autodiscover>");
    assert_true(n < cap);
    memset(&A, 0x5a, sizeof(A));
    assert_int_equal(xp_autod_parse(doc, n, &A), XP_XMLRC_OK);
    assert_int_equal(A.nproto, XP_AUTOD_MAX_PROTOCOLS);
    assert_string_equal(A.proto[0].type, "T0");
    assert_string_equal(A.proto[XP_AUTOD_MAX_PROTOCOLS - 1].type, "T7");
    assert_string_equal(A.proto[XP_AUTOD_MAX_PROTOCOLS - 1].server, "s7.contoso.com");
}

/* Values longer than the fields: cut, terminated. */
static void
autod_parse__overlong_values__cut_to_field(void **state)
{
    char name[1024], doc[4096];

    (void)state;
    memset(name, 'N', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snprintf(doc, sizeof(doc), "<Autodiscover><Response><User><DisplayName>%s</DisplayName>"
             "</User><Account><Action>settings</Action><Protocol><Type>ABCDEFGHIJKLMNOPQRST"
             "</Type></Protocol></Account></Response></Autodiscover>", name);
    assert_int_equal(autod(doc), XP_XMLRC_OK);
    assert_int_equal(strlen(A.display_name), sizeof(A.display_name) - 1);
    assert_int_equal(A.nproto, 1);
    assert_string_equal(A.proto[0].type, "ABCDEFGHIJKLMNO");
}

/* ---- xp_fedinfo_parse ---- */

static const char FEDINFO_OK[] =
    "<s:Envelope xmlns:s=\"" NS_SOAP "\" xmlns:a=\"" NS_ADDRESSING "\">\n"
    " <s:Header>\n"
    "  <a:Action s:mustUnderstand=\"1\">" ACTION_FEDINFO "Response</a:Action>\n"
    "  <h:ServerVersionInfo xmlns:h=\"" NS_AUTOD_2010 "\">\n"
    "   <h:MajorVersion>15</h:MajorVersion><h:MinorVersion>20</h:MinorVersion>\n"
    "   <h:MajorBuildNumber>6411</h:MajorBuildNumber><h:MinorBuildNumber>14"
    "</h:MinorBuildNumber>\n"
    "   <h:Version>Exchange2015</h:Version></h:ServerVersionInfo>\n"
    " </s:Header>\n"
    " <s:Body>\n"
    "  <GetFederationInformationResponseMessage xmlns=\"" NS_AUTOD_2010 "\">\n"
    "   <Response>\n"
    "    <ErrorCode>NoError</ErrorCode><ErrorMessage/>\n"
    "    <ApplicationUri>outlook.com</ApplicationUri>\n"
    "    <Domains><Domain>contoso.onmicrosoft.com</Domain></Domains>\n"
    "    <TokenIssuers><TokenIssuer>\n"
    "      <Endpoint>https://login.microsoftonline.com/extSTS.srf</Endpoint>\n"
    "      <Uri>urn:federation:MicrosoftOnline</Uri>\n"
    "    </TokenIssuer></TokenIssuers>\n"
    "   </Response>\n"
    "  </GetFederationInformationResponseMessage>\n"
    " </s:Body>\n"
    "</s:Envelope>\n";

static void
fedinfo_parse__healthy__every_field(void **state)
{
    (void)state;
    assert_int_equal(fedinfo(FEDINFO_OK), XP_XMLRC_OK);
    assert_string_equal(F.error_code, "NoError");
    assert_string_equal(F.error_message, "");
    assert_string_equal(F.application_uri, "outlook.com");
    assert_int_equal(F.ndomains, 1);
    assert_string_equal(F.domains[0], "contoso.onmicrosoft.com");
    assert_string_equal(F.token_issuer, "urn:federation:MicrosoftOnline");
    assert_string_equal(F.fault, "");
    assert_string_equal(F.server_version, "15.20.6411.14");
}

/* EWS writes ServerVersionInfo as attributes; a partial one is ignored. */
static void
fedinfo_parse__server_version__attributes_or_nothing(void **state)
{
    static const char attrs[] =
        "<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Header>"
        "<h:ServerVersionInfo xmlns:h=\"x\" MajorVersion=\"15\" MinorVersion=\"2\" "
        "MajorBuildNumber=\"2562\" MinorBuildNumber=\"37\"/></s:Header><s:Body>"
        "<GetFederationInformationResponseMessage><Response><ErrorCode>NoError</ErrorCode>"
        "</Response></GetFederationInformationResponseMessage></s:Body></s:Envelope>";
    static const char partial[] =
        "<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Header>"
        "<h:ServerVersionInfo xmlns:h=\"x\"><h:MajorVersion>15</h:MajorVersion>"
        "<h:MinorBuildNumber>x</h:MinorBuildNumber></h:ServerVersionInfo></s:Header><s:Body>"
        "<GetFederationInformationResponseMessage><Response><ErrorCode>NoError</ErrorCode>"
        "</Response></GetFederationInformationResponseMessage></s:Body></s:Envelope>";

    (void)state;
    assert_int_equal(fedinfo(attrs), XP_XMLRC_OK);
    assert_string_equal(F.server_version, "15.2.2562.37");
    assert_int_equal(fedinfo(partial), XP_XMLRC_OK);
    assert_string_equal(F.server_version, "");
}

static void
fedinfo_parse__several_domains__in_order(void **state)
{
    static const char doc[] =
        "<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Body>"
        "<GetFederationInformationResponseMessage xmlns=\"" NS_AUTOD_2010 "\"><Response>"
        "<ErrorCode>NoError</ErrorCode><ErrorMessage/>"
        "<ApplicationUri>FYDIBOHF25SPDLT.contoso.com</ApplicationUri>"
        "<Domains>\n  <Domain>contoso.com</Domain>\n  <Domain>contoso.onmicrosoft.com</Domain>"
        "\n  <Domain>fabrikam.com</Domain>\n  <Domain>mail.contoso.com</Domain>\n</Domains>"
        "<TokenIssuers><TokenIssuer><Endpoint>https://login.microsoftonline.com/extSTS.srf"
        "</Endpoint><Uri>urn:federation:MicrosoftOnline</Uri></TokenIssuer></TokenIssuers>"
        "</Response></GetFederationInformationResponseMessage></s:Body></s:Envelope>";

    (void)state;
    assert_int_equal(fedinfo(doc), XP_XMLRC_OK);
    assert_string_equal(F.application_uri, "FYDIBOHF25SPDLT.contoso.com");
    assert_int_equal(F.ndomains, 4);
    assert_string_equal(F.domains[0], "contoso.com");
    assert_string_equal(F.domains[1], "contoso.onmicrosoft.com");
    assert_string_equal(F.domains[2], "fabrikam.com");
    assert_string_equal(F.domains[3], "mail.contoso.com");
}

static void
fedinfo_parse__more_domains_than_max__capped(void **state)
{
    size_t total = XP_FEDINFO_MAX_DOMAINS + 4, i, n = 0, cap = 8192;
    char *doc = defer_free(malloc(cap));

    (void)state;
    n += (size_t)snprintf(doc + n, cap - n, "<s:Envelope xmlns:s=\"%s\"><s:Body>"
                          "<GetFederationInformationResponseMessage xmlns=\"%s\"><Response>"
                          "<ErrorCode>NoError</ErrorCode><Domains>", NS_SOAP, NS_AUTOD_2010);
    for (i = 0; i < total; i++)
        n += (size_t)snprintf(doc + n, cap - n, "<Domain>d%zu.contoso.com</Domain>", i);
    n += (size_t)snprintf(doc + n, cap - n, "</Domains></Response>"
                          "</GetFederationInformationResponseMessage></s:Body></s:Envelope>");
    assert_true(n < cap);
    memset(&F, 0x5a, sizeof(F));
    assert_int_equal(xp_fedinfo_parse(doc, n, &F), XP_XMLRC_OK);
    assert_int_equal(F.ndomains, XP_FEDINFO_MAX_DOMAINS);
    assert_string_equal(F.domains[XP_FEDINFO_MAX_DOMAINS - 1], "d15.contoso.com");
}

static void
fedinfo_parse__not_federated__error_code_and_message(void **state)
{
    static const char doc[] =
        "<s:Envelope xmlns:s=\"" NS_SOAP "\" xmlns:a=\"" NS_ADDRESSING "\"><s:Header>"
        "<a:Action s:mustUnderstand=\"1\">" ACTION_FEDINFO "Response</a:Action></s:Header>"
        "<s:Body><GetFederationInformationResponseMessage xmlns=\"" NS_AUTOD_2010 "\">"
        "<Response><ErrorCode>NotFederated</ErrorCode>"
        "<ErrorMessage>The organization isn't federated.</ErrorMessage>"
        "<ApplicationUri/><Domains/><TokenIssuers/></Response>"
        "</GetFederationInformationResponseMessage></s:Body></s:Envelope>";

    (void)state;
    assert_int_equal(fedinfo(doc), XP_XMLRC_OK);
    assert_string_equal(F.error_code, "NotFederated");
    assert_string_equal(F.error_message, "The organization isn't federated.");
    assert_string_equal(F.application_uri, "");
    assert_int_equal(F.ndomains, 0);
    assert_string_equal(F.token_issuer, "");
    assert_string_equal(F.fault, "");
}

static void
fedinfo_parse__soap_fault__faultstring(void **state)
{
    static const char doc[] =
        "<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Body><s:Fault>"
        "<faultcode xmlns:a=\"" NS_AUTOD_2010 "\">a:InvalidRequest</faultcode>"
        "<faultstring xml:lang=\"en-US\">The request is invalid.</faultstring>"
        "</s:Fault></s:Body></s:Envelope>";

    (void)state;
    assert_int_equal(fedinfo(doc), XP_XMLRC_OK);
    assert_string_equal(F.fault, "The request is invalid.");
    assert_string_equal(F.error_code, "");
    assert_int_equal(F.ndomains, 0);
}

/* A SOAP 1.2 fault (WCF's): Reason/Text. */
static void
fedinfo_parse__soap12_fault__reason_text(void **state)
{
    static const char doc[] =
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
        "xmlns:a=\"" NS_ADDRESSING "\"><s:Header><a:Action s:mustUnderstand=\"1\">"
        "http://www.w3.org/2005/08/addressing/soap/fault</a:Action></s:Header><s:Body>"
        "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>"
        "a:InvalidSecurity</s:Value></s:Subcode></s:Code><s:Reason>"
        "<s:Text xml:lang=\"en-US\">An error occurred when verifying security for the "
        "message.</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>";

    (void)state;
    assert_int_equal(fedinfo(doc), XP_XMLRC_OK);
    assert_string_equal(F.fault, "An error occurred when verifying security for the message.");
}

static void
fedinfo_parse__html__not_xml(void **state)
{
    (void)state;
    assert_int_equal(fedinfo("<html><head><title>Sign in</title></head><body>"
                             "<form method=\"post\" action=\"/login\">"
                             "<input type=\"password\" name=\"pw\"></form></body></html>"),
                     XP_XMLRC_NOT_XML);
    assert_string_equal(F.error_code, "");
    /* well-formed XHTML: the wrong root */
    assert_int_equal(fedinfo("<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>"
                             "<p>Sign in</p></body></html>"), XP_XMLRC_NOT_XML);
    assert_int_equal(fedinfo("Service Unavailable"), XP_XMLRC_NOT_XML);
}

/* An Envelope with neither the response nor a fault is not the answer. */
static void
fedinfo_parse__envelope_without_response__not_xml(void **state)
{
    (void)state;
    assert_int_equal(fedinfo("<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Body/></s:Envelope>"),
                     XP_XMLRC_NOT_XML);
    assert_int_equal(fedinfo(SETTINGS), XP_XMLRC_NOT_XML);
}

static void
fedinfo_parse__doctype__unsafe(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE s:Envelope [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
        "<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Body>"
        "<GetFederationInformationResponseMessage xmlns=\"" NS_AUTOD_2010 "\"><Response>"
        "<ErrorCode>&xxe;</ErrorCode><ApplicationUri>&xxe;</ApplicationUri>"
        "<Domains><Domain>&xxe;</Domain></Domains>"
        "</Response></GetFederationInformationResponseMessage></s:Body></s:Envelope>";

    (void)state;
    assert_int_equal(fedinfo(doc), XP_XMLRC_UNSAFE);
    assert_null(memmem(&F, sizeof(F), "root:", 5));
    assert_int_equal(F.ndomains, 0);
    assert_string_equal(F.error_code, "");
    assert_int_equal(fedinfo(BILLION_LAUGHS), XP_XMLRC_UNSAFE);
}

/* ---- request builders, parsed back ---- */

/* First descendant-or-self element named local (namespace ignored). */
static xmlNodePtr
element(xmlNodePtr n, const char *local)
{
    xmlNodePtr c, hit;

    if (!n)
        return NULL;
    if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0)
        return n;
    for (c = n->children; c; c = c->next)
        if ((hit = element(c, local)) != NULL)
            return hit;
    return NULL;
}

static void
assert_text(xmlNodePtr n, const char *want)
{
    xmlChar *t;

    assert_non_null(n);
    t = xmlNodeGetContent(n);
    assert_non_null(t);
    if (strcmp((const char *)t, want) != 0) {
        char got[512];

        snprintf(got, sizeof(got), "%s", (const char *)t);
        xmlFree(t);
        fail_msg("<%s> holds \"%s\", not \"%s\"", (const char *)n->name, got, want);
    }
    xmlFree(t);
}

static void
assert_ns(xmlNodePtr n, const char *href)
{
    assert_non_null(n);
    assert_non_null(n->ns);
    assert_string_equal((const char *)n->ns->href, href);
}

static xmlDocPtr
parse_back(const char *s)
{
    xmlDocPtr d = xmlReadMemory(s, (int)strlen(s), "request.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    if (!d)
        fail_msg("not well-formed:\n%s", s);
    return defer_doc(d);
}

static void
autod_request__markup_in_address__escaped_and_well_formed(void **state)
{
    char *req = defer_free(xp_autod_request("a<b&c@contoso.com"));
    xmlDocPtr d;
    xmlNodePtr root;

    (void)state;
    assert_non_null(strstr(req, "<EMailAddress>a&lt;b&amp;c@contoso.com</EMailAddress>"));
    d = parse_back(req);
    root = xmlDocGetRootElement(d);
    assert_string_equal((const char *)root->name, "Autodiscover");
    assert_ns(root, NS_OUTLOOK_REQUEST);
    assert_text(element(root, "EMailAddress"), "a<b&c@contoso.com");
    assert_ns(element(root, "EMailAddress"), NS_OUTLOOK_REQUEST);
    assert_text(element(root, "AcceptableResponseSchema"), NS_OUTLOOK_RESPONSE);
    assert_non_null(element(root, "Request"));
    assert_null(element(root, "LegacyDN"));
}

static void
autod_request__plain_address__exact_body(void **state)
{
    char *req = defer_free(xp_autod_request("user@contoso.com"));

    (void)state;
    /* domain.md §1.3, byte for byte */
    assert_string_equal(req,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" NS_OUTLOOK_REQUEST "\">\n"
        "  <Request>\n"
        "    <EMailAddress>user@contoso.com</EMailAddress>\n"
        "    <AcceptableResponseSchema>" NS_OUTLOOK_RESPONSE "</AcceptableResponseSchema>\n"
        "  </Request>\n"
        "</Autodiscover>\n");
}

static void
fedinfo_request__domain_and_url__well_formed(void **state)
{
    const char *url = "https://autodiscover.contoso.com/autodiscover/autodiscover.svc";
    char *req = defer_free(xp_fedinfo_request("contoso.com", url));
    xmlDocPtr d;
    xmlNodePtr root, body, msg;

    (void)state;
    d = parse_back(req);
    root = xmlDocGetRootElement(d);
    assert_string_equal((const char *)root->name, "Envelope");
    assert_ns(root, NS_SOAP);
    assert_text(element(root, "Action"), ACTION_FEDINFO);
    assert_ns(element(root, "Action"), NS_ADDRESSING);
    assert_text(element(root, "To"), url);
    assert_ns(element(root, "To"), NS_ADDRESSING);
    assert_text(element(root, "Address"), "http://www.w3.org/2005/08/addressing/anonymous");
    body = element(root, "Body");
    assert_ns(body, NS_SOAP);
    msg = element(body, "GetFederationInformationRequestMessage");
    assert_ns(msg, NS_AUTOD_2010);
    assert_text(element(msg, "Domain"), "contoso.com");
    assert_ns(element(msg, "Domain"), NS_AUTOD_2010);
    /* no credentials of any kind in the anonymous call */
    assert_null(strstr(req, "Security"));
}

int
main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, NULL, teardown)
    const struct CMUnitTest tests[] = {
        TEST(is_unsafe__doctype_upper_and_lower__1),
        TEST(is_unsafe__entity_anywhere__1),
        TEST(is_unsafe__normal_xml__0),
        TEST(is_unsafe__nul_bytes_before_marker__still_found),
        TEST(is_unsafe__marker_past_length__not_read),
        TEST(autod_parse__outlook_settings__every_field),
        TEST(autod_parse__redirect_addr__action_and_address),
        TEST(autod_parse__redirect_url__action_and_url),
        TEST(autod_parse__error_500__code_and_message),
        TEST(autod_parse__error_600_outer_namespace__code_and_message),
        TEST(autod_parse__other_namespace_prefixes__parsed),
        TEST(autod_parse__not_xml__not_xml),
        TEST(autod_parse__other_root__not_xml),
        TEST(autod_parse__billion_laughs__unsafe_fast),
        TEST(autod_parse__xxe__unsafe_nothing_read),
        TEST(autod_parse__utf16_doctype__unsafe),
        TEST(autod_parse__2mb_document__not_xml),
        TEST(autod_parse__10000_levels_nested__not_xml),
        TEST(autod_parse__200_levels_nested__ok),
        TEST(autod_parse__more_protocols_than_max__capped),
        TEST(autod_parse__overlong_values__cut_to_field),
        TEST(fedinfo_parse__healthy__every_field),
        TEST(fedinfo_parse__server_version__attributes_or_nothing),
        TEST(fedinfo_parse__several_domains__in_order),
        TEST(fedinfo_parse__more_domains_than_max__capped),
        TEST(fedinfo_parse__not_federated__error_code_and_message),
        TEST(fedinfo_parse__soap_fault__faultstring),
        TEST(fedinfo_parse__soap12_fault__reason_text),
        TEST(fedinfo_parse__html__not_xml),
        TEST(fedinfo_parse__envelope_without_response__not_xml),
        TEST(fedinfo_parse__doctype__unsafe),
        TEST(autod_request__markup_in_address__escaped_and_well_formed),
        TEST(autod_request__plain_address__exact_body),
        TEST(fedinfo_request__domain_and_url__well_formed),
    };
#undef TEST

    return cmocka_run_group_tests_name("xml", tests, NULL, group_teardown);
}
