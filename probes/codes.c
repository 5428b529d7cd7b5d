/*
 * codes.c — the finding-code table: name, default severity and generic
 * remediation. Checks usually give a specific fix (the exact record to
 * create); the text here is what a code means when they do not.
 * tests/unit/test_codes.c checks that every SPEC code is here, once.
 */
#include "xp_codes.h"

#include <string.h>

#define I XP_SEV_INFO
#define W XP_SEV_WARN
#define F XP_SEV_FAIL
#define U XP_SEV_UNKNOWN

static const struct xp_code_info table[XP_CODE_COUNT] = {
    [XP_DOMAIN_NOT_FOUND] = { "DOMAIN_NOT_FOUND", F,
        "Check the spelling of the domain. If it is right, the domain is not registered or "
        "its name servers do not serve it: register it, or fix its delegation." },
    [XP_RESOLVER_UNREACHABLE] = { "RESOLVER_UNREACHABLE", U,
        "Check the resolver address given with --dns-server (or /etc/resolv.conf) and that "
        "DNS (UDP and TCP port 53) to it is allowed from here, then run again." },
    [XP_RESOLVER_PARTIAL] = { "RESOLVER_PARTIAL", I,
        "Drop the resolvers that did not answer from --dns-server (or find why they are "
        "silent): they were not asked again in this run." },
    [XP_CHECK_INTERRUPTED] = { "CHECK_INTERRUPTED", U,
        "Run again with a larger --max-time, or only the slow check with -c: the servers "
        "it was still waiting for are named in the steps." },
    [XP_AUTOD_OK] = { "AUTOD_OK", I, NULL },
    [XP_AUTOD_NO_ENDPOINT] = { "AUTOD_NO_ENDPOINT", F,
        "Publish Autodiscover: a DNS record for autodiscover.DOMAIN (or an SRV record "
        "_autodiscover._tcp.DOMAIN) that reaches Exchange over HTTPS with a valid certificate." },
    [XP_AUTOD_DNS_MISSING] = { "AUTOD_DNS_MISSING", W,
        "Create the DNS record for the Autodiscover host name." },
    [XP_AUTOD_CONNECT_FAILED] = { "AUTOD_CONNECT_FAILED", W,
        "Make sure TCP 443 is open from the Internet to the Autodiscover host." },
    [XP_AUTOD_REDIRECT] = { "AUTOD_REDIRECT", I, NULL },
    [XP_AUTOD_REDIRECT_INSECURE] = { "AUTOD_REDIRECT_INSECURE", F,
        "Redirect only to an https:// Autodiscover URL." },
    [XP_AUTOD_REDIRECT_LOOP] = { "AUTOD_REDIRECT_LOOP", F,
        "Fix the redirect chain so it ends at the Autodiscover endpoint." },
    [XP_AUTOD_SRV] = { "AUTOD_SRV", I, NULL },
    [XP_AUTOD_BAD_RESPONSE] = { "AUTOD_BAD_RESPONSE", F,
        "Make sure the URL reaches Exchange's Autodiscover virtual directory." },
    [XP_AUTOD_AUTH_FAILED] = { "AUTOD_AUTH_FAILED", F,
        "Check the user name and password, and the authentication methods of the "
        "Autodiscover virtual directory." },
    [XP_XML_UNSAFE] = { "XML_UNSAFE", F,
        "The server sent XML with entity declarations; it was not expanded. Find what "
        "answers in front of Exchange." },
    [XP_AUTOD_CERT_INVALID] = { "AUTOD_CERT_INVALID", W,
        "Install a certificate on the Autodiscover host that carries its name and chains to a "
        "public CA, with the intermediates sent: Outlook warns the user on this one." },
    [XP_PREAUTH_DETECTED] = { "PREAUTH_DETECTED", F,
        "Disable pre-authentication for /autodiscover, /EWS and /EWS/mrsproxy.svc on the "
        "reverse proxy (pass-through authentication)." },
    [XP_FEDERATION_INFO_OK] = { "FEDERATION_INFO_OK", I, NULL },
    [XP_FEDERATION_INFO_FAILED] = { "FEDERATION_INFO_FAILED", F,
        "Publish /autodiscover/autodiscover.svc anonymously to Exchange." },
    [XP_MRSPROXY_UNREACHABLE] = { "MRSPROXY_UNREACHABLE", F,
        "Enable the MRS Proxy endpoint on the EWS virtual directory and publish "
        "/EWS/mrsproxy.svc without pre-authentication." },
    [XP_CERT_NAME_MISMATCH] = { "CERT_NAME_MISMATCH", F,
        "Install a certificate whose subject alternative names include this host name." },
    [XP_CERT_EXPIRED] = { "CERT_EXPIRED", F, "Renew the certificate." },
    [XP_CERT_NOT_YET_VALID] = { "CERT_NOT_YET_VALID", F,
        "Check the server's clock, or install a certificate that is valid now." },
    [XP_CERT_EXPIRING_SOON] = { "CERT_EXPIRING_SOON", W, "Renew the certificate soon." },
    [XP_CERT_UNTRUSTED] = { "CERT_UNTRUSTED", F,
        "Install the intermediate certificates, or use a certificate from a public CA." },
    [XP_CERT_SELF_SIGNED] = { "CERT_SELF_SIGNED", F,
        "Replace the self-signed certificate with one from a public CA." },
    [XP_CERT_WEAK] = { "CERT_WEAK", W,
        "Use an RSA key of at least 2048 bits (or ECDSA), a SHA-256 signature and TLS 1.2+." },
    [XP_CERT_MSSTD_MISMATCH] = { "CERT_MSSTD_MISMATCH", F,
        "Set the Outlook provider's CertPrincipalName to a name the certificate carries." },
    [XP_CERT_OK] = { "CERT_OK", I, NULL },
    [XP_PREAUTH_HOST_UNREACHABLE] = { "PREAUTH_HOST_UNREACHABLE", F,
        "Check the host's DNS record and that TCP 443 is open to it from the Internet." },
    [XP_CERT_CN_ONLY] = { "CERT_CN_ONLY", W,
        "Reissue the certificate with the host names as subject alternative names." },
    [XP_CERT_MSSTD_SAN_ONLY] = { "CERT_MSSTD_SAN_ONLY", W,
        "Make the principal name the certificate's CN if Windows XP / Vista clients remain." },
    [XP_CERT_HANDSHAKE_FAILED] = { "CERT_HANDSHAKE_FAILED", F,
        "Make sure the port speaks TLS (not plain text) and the server has a certificate." },
    [XP_CERT_CONNECT_FAILED] = { "CERT_CONNECT_FAILED", F,
        "Check the host name, the DNS record and that the port is open." },
    [XP_CERT_WRONG_PURPOSE] = { "CERT_WRONG_PURPOSE", F,
        "Reissue the certificate from a web-server template: extended key usage "
        "serverAuth, key usage digitalSignature/keyEncipherment, CA:FALSE." },
    [XP_CERT_EXTRA_EXPIRED] = { "CERT_EXTRA_EXPIRED", W,
        "Remove the expired certificate from the chain file the server sends." },
    [XP_CERT_INCOMPLETE_CHAIN] = { "CERT_INCOMPLETE_CHAIN", F,
        "Install the issuing intermediate certificate(s) so the server sends the whole "
        "chain." },
    [XP_CERT_REVOKED] = { "CERT_REVOKED", F,
        "Replace the revoked certificate with a newly issued one, and find out why it was "
        "revoked." },
    [XP_TLS_WEAK_KEY_EXCHANGE] = { "TLS_WEAK_KEY_EXCHANGE", F,
        "Prefer ECDHE (X25519, P-256), or use a DH group of at least 2048 bits." },
    [XP_SMTP_MX_MISSING] = { "SMTP_MX_MISSING", F, "Publish an MX record for the domain." },
    [XP_SMTP_CONNECT_FAILED] = { "SMTP_CONNECT_FAILED", F,
        "Open TCP 25 to the mail server (or check whether this network blocks outbound 25)." },
    [XP_SMTP_TIMEOUT] = { "SMTP_TIMEOUT", F, "Find what stalls the SMTP dialogue." },
    [XP_SMTP_ESMTP_INSPECTION] = { "SMTP_ESMTP_INSPECTION", F,
        "Turn off ESMTP inspection (Cisco 'fixup smtp' / 'inspect esmtp') on the firewall." },
    [XP_SMTP_NO_STARTTLS] = { "SMTP_NO_STARTTLS", F,
        "Enable STARTTLS on the receive connector, with a certificate for the MX name." },
    [XP_SMTP_STARTTLS_FAILED] = { "SMTP_STARTTLS_FAILED", F,
        "Check the certificate bound to SMTP and the TLS settings of the server." },
    [XP_SMTP_TLS_REQUIRED] = { "SMTP_TLS_REQUIRED", I, NULL },
    [XP_SMTP_TLS_OLD_PROTOCOL] = { "SMTP_TLS_OLD_PROTOCOL", W, "Enable TLS 1.2 on the server." },
    [XP_SMTP_PROTOCOL_ERROR] = { "SMTP_PROTOCOL_ERROR", F,
        "Find what answers on port 25 in place of a mail server." },
    [XP_SMTP_OK] = { "SMTP_OK", I, NULL },
    [XP_SMTP_CLIENT_IP] = { "SMTP_CLIENT_IP", I, NULL },
    [XP_SMTP_REJECTED] = { "SMTP_REJECTED", F,
        "Read the server's reply: it refused this client (policy, block list, overload)." },
    [XP_SMTP_DNS_ERROR] = { "SMTP_DNS_ERROR", W,
        "Check the domain's name servers: the MX or address lookup did not get an answer." },
    [XP_CONNECTOR_CERT_MISMATCH] = { "CONNECTOR_CERT_MISMATCH", F,
        "Bind a certificate that carries the connector's TlsCertificateName to SMTP, or "
        "align the connector's TlsCertificateName with the certificate." },
    [XP_SMTP_CERT_INVALID] = { "SMTP_CERT_INVALID", W,
        "Bind a certificate for the MX name from a public CA (intermediates sent) to SMTP "
        "(Enable-ExchangeCertificate -Services SMTP)." },
    [XP_DNSBL_LISTED] = { "DNSBL_LISTED", F,
        "Find why the address is listed, fix it, and ask the list for delisting." },
    [XP_DNSBL_QUERY_BLOCKED] = { "DNSBL_QUERY_BLOCKED", W,
        "Query the blacklist through your own resolver (public resolvers are refused)." },
    [XP_DNSBL_CLEAN] = { "DNSBL_CLEAN", I, NULL },
    [XP_CONNECTOR_IP_MISMATCH] = { "CONNECTOR_IP_MISMATCH", F,
        "Add the sending IP to the Office 365 inbound connector, or send from a listed IP." },
    [XP_DNSBL_ZONE_UNRELIABLE] = { "DNSBL_ZONE_UNRELIABLE", W,
        "Check the zone name: it fails its RFC 5782 test points (retired, misspelt or "
        "wildcarded), so its answers were not taken as verdicts." },
    [XP_DNSBL_QUERY_FAILED] = { "DNSBL_QUERY_FAILED", W,
        "Retry, or use another resolver: without an answer the listing is unknown." },
    [XP_CNAME_MISSING] = { "CNAME_MISSING", F, "Create the record." },
    [XP_CNAME_WRONG_TARGET] = { "CNAME_WRONG_TARGET", F, "Point the record at the right target." },
    [XP_TXT_VERIFICATION_MISSING] = { "TXT_VERIFICATION_MISSING", W,
        "Add the TXT record MS=msNNNNNNNN shown in the Microsoft 365 admin center." },
    [XP_MX_NOT_EXO] = { "MX_NOT_EXO", F,
        "Point the MX record at DOMAIN-TLD.mail.protection.outlook.com (see the admin center)." },
    [XP_SPF_MISSING_INCLUDE] = { "SPF_MISSING_INCLUDE", W,
        "Add include:spf.protection.outlook.com to the SPF record." },
    [XP_CNAME_OK] = { "CNAME_OK", I, NULL },
    [XP_CNAME_DEPLOYMENT] = { "CNAME_DEPLOYMENT", I, NULL },
    [XP_CNAME_MSOID] = { "CNAME_MSOID", F,
        "Delete the msoid CNAME: it is only for Office 365 operated by 21Vianet." },
    [XP_CNAME_DNS_ERROR] = { "CNAME_DNS_ERROR", F,
        "Check that the domain's name servers answer (or the --dns-server given)." },
    [XP_TXT_VERIFICATION_FOUND] = { "TXT_VERIFICATION_FOUND", I, NULL },
    [XP_MX_MIXED] = { "MX_MIXED", W,
        "Keep a single MX to Exchange Online Protection unless the split is deliberate." },
    [XP_SPF_MISSING] = { "SPF_MISSING", W,
        "Publish one SPF record, e.g. \"v=spf1 include:spf.protection.outlook.com -all\"." },
    [XP_SPF_MULTIPLE] = { "SPF_MULTIPLE", F,
        "Merge the SPF records into one: receivers treat several as a permanent error." },
    [XP_SPF_TOO_MANY_LOOKUPS] = { "SPF_TOO_MANY_LOOKUPS", F,
        "Flatten the SPF record (replace includes and a/mx terms with ip4:/ip6: ranges) or "
        "remove includes no longer needed: at most 10 DNS lookups after expansion (RFC 7208 "
        "4.6.4)." },
    [XP_MX_DANE_MIGRATION] = { "MX_DANE_MIGRATION", I,
        "Finish the move to the *.mx.microsoft MX: preference 0 for the new MX, then delete "
        "the legacy MX, then Enable-SmtpDaneInbound." },
    [XP_LYNC_SRV_MISSING] = { "LYNC_SRV_MISSING", W, "Create the SRV record." },
    [XP_LYNC_SRV_WRONG] = { "LYNC_SRV_WRONG", F, "Correct the SRV record." },
    [XP_LYNC_CNAME_MISSING] = { "LYNC_CNAME_MISSING", W, "Create the record." },
    [XP_LYNC_UNREACHABLE] = { "LYNC_UNREACHABLE", F,
        "Make sure the SRV target listens on its port and the firewall lets it through." },
    [XP_LYNC_OK] = { "LYNC_OK", I, NULL },
    [XP_LYNC_CNAME_WRONG] = { "LYNC_CNAME_WRONG", F, "Point the CNAME at the right target." },
    [XP_LYNC_DEPLOYMENT] = { "LYNC_DEPLOYMENT", I, NULL },
    [XP_LYNC_DNS_ERROR] = { "LYNC_DNS_ERROR", F,
        "Check that the domain's name servers answer (or the --dns-server given)." },
    [XP_LYNC_SRV_OTHER_DOMAIN] = { "LYNC_SRV_OTHER_DOMAIN", W,
        "Use an SRV target host in the same domain as the SRV record (mobility needs it)." },
    [XP_LYNC_CERT_INVALID] = { "LYNC_CERT_INVALID", F,
        "Install a certificate on the SRV target that carries its name and chains to a public "
        "CA: federation partners and clients refuse this one." },
};

#undef I
#undef W
#undef F
#undef U

const struct xp_code_info *
xp_code_info(enum xp_code code)
{
    return &table[code];
}

int
xp_code_by_name(const char *name)
{
    int i;

    for (i = 0; i < XP_CODE_COUNT; i++)
        if (table[i].name && strcmp(table[i].name, name) == 0)
            return i;
    return -1;
}

const char *
xp_severity_name(enum xp_severity sev)
{
    switch (sev) {
    case XP_SEV_FAIL:
        return "fail";
    case XP_SEV_WARN:
        return "warn";
    case XP_SEV_UNKNOWN:
        return "unknown";
    default:
        return "info";
    }
}
