/*
 * xp_codes_table.h — the finding-code table, the one source of what each
 * code is: one row per code gives its name, default severity, the check
 * that reports it, title, explanation, generic fix and source. Adding a
 * code is adding its row here, nothing else in C: include/xp_codes.h makes
 * the enum (XP_<NAME>) from these rows, probes/codes.c the table. Then its
 * line in README.md and exprobe.1 (tests/integration/test_docs.py).
 * The row order is the enum's: append in the check's group, never reorder
 * (the values are not stored, but stable orders keep listings stable).
 *
 * A row (no include guard: included with CODE() defined, twice):
 *     CODE(SMTP_NO_STARTTLS, W, "smtp",
 *          .title = "STARTTLS not offered",
 *          .explain = "What it means; why it matters.",
 *          .fix = "What to do.",                    (optional: info codes)
 *          .source = "RFC 3207")                    (optional)
 * I W F U: the default severity (info, warn, fail, unknown).
 */
CODE(DOMAIN_NOT_FOUND, F, "run",
     .title = "The domain does not exist",
     .explain = "The target domain has no DNS presence (NXDOMAIN for its SOA/NS): every "
                "other check would only repeat that, so they are skipped with this reason.",
     .fix = "Check the spelling of the domain. If it is right, the domain is not "
            "registered or its name servers do not serve it: register it, or fix its "
            "delegation.",
     .source = "RFC 8020"),
CODE(RESOLVER_UNREACHABLE, U, "run",
     .title = "No resolver answered",
     .explain = "None of the resolvers (--dns-server, or the system's) answered within "
                "--timeout, so nothing that depends on DNS can be judged: the verdict is "
                "unknown, not a failure of the domain.",
     .fix = "Check the resolver address given with --dns-server (or /etc/resolv.conf) and "
            "that DNS (UDP and TCP port 53) to it is allowed from here, then run again."),
CODE(RESOLVER_PARTIAL, I, "run",
     .title = "Some resolvers did not answer",
     .explain = "Some of the --dns-server resolvers never answered; they were dropped and "
                "the run used the others.",
     .fix = "Drop the resolvers that did not answer from --dns-server (or find why they "
            "are silent): they were not asked again in this run."),
CODE(CHECK_INTERRUPTED, U, "run",
     .title = "Check cut short",
     .explain = "The check did not finish: the run deadline (--max-time) passed or the "
                "run was interrupted (Ctrl-C). What it had not judged is unknown.",
     .fix = "Run again with a larger --max-time, or only the slow check with -c: the "
            "servers it was still waiting for are named in the steps."),
CODE(DOMAIN_INVALID, U, "run",
     .title = "Not a domain or address",
     .explain = "A line of --domains-file is not a domain or an e-mail address, so "
                "nothing could be checked for it; the other targets ran. The finding "
                "names the file, the line and what is wrong with it.",
     .fix = "Correct or remove the line (FILE:LINE in the message)."),
CODE(AUTOD_OK, I, "autodiscover",
     .title = "Autodiscover endpoint found",
     .explain = "The Autodiscover method Outlook tries first that works: the URL a client "
                "will use, and with --user the settings it returns.",
     .source = "MS-OXDISCO; Microsoft Learn: Autodiscover for Exchange"),
CODE(AUTOD_NO_ENDPOINT, F, "autodiscover",
     .title = "No Autodiscover endpoint works",
     .explain = "None of the four methods Outlook tries (https://DOMAIN, "
                "https://autodiscover.DOMAIN, the port-80 redirect, the SRV record) "
                "reached an Exchange Autodiscover service. Outlook cannot set up a "
                "profile by itself, and hybrid features (free/busy, mailbox moves) that "
                "rely on Autodiscover fail.",
     .fix = "Publish Autodiscover: a DNS record for autodiscover.DOMAIN (or an SRV record "
            "_autodiscover._tcp.DOMAIN) that reaches Exchange over HTTPS with a valid "
            "certificate.",
     .source = "MS-OXDISCO 3.1.5; Microsoft Learn: Autodiscover service"),
CODE(AUTOD_DNS_MISSING, W, "autodiscover",
     .title = "Autodiscover host name has no DNS record",
     .explain = "One Autodiscover method could not start because its host name does not "
                "resolve. Clients fall back to the next method, so this alone is a "
                "warning. When no method works at all, AUTOD_NO_ENDPOINT names the "
                "missing record instead (one cause, one finding).",
     .fix = "Publish autodiscover.<domain> as an A record (or CNAME) for the Exchange server "
            "or its reverse proxy, or _autodiscover._tcp.<domain> SRV 0 0 443 <that host>; "
            "the finding names the host that did not resolve.",
     .source = "MS-OXDISCO 3.1.5"),
CODE(AUTOD_CONNECT_FAILED, W, "autodiscover",
     .title = "Autodiscover host unreachable on 443",
     .explain = "The host name resolves but TCP 443 could not be reached (refused, "
                "filtered or timed out). Clients wait for the timeout before trying the "
                "next method.",
     .fix = "Make sure TCP 443 is open from the Internet to the Autodiscover host.",
     .source = "MS-OXDISCO 3.1.5"),
CODE(AUTOD_REDIRECT, I, "autodiscover",
     .title = "Autodiscover redirects",
     .explain = "The endpoint redirected to another URL (HTTP 302 or a "
                "redirectUrl/redirectAddr answer); the chain was followed.",
     .source = "MS-OXDISCO 3.1.5.2"),
CODE(AUTOD_REDIRECT_INSECURE, F, "autodiscover",
     .title = "Autodiscover redirects to plain HTTP",
     .explain = "A redirect points to an http:// URL. Outlook refuses to send credentials "
                "there, and an attacker on the path could answer in Exchange's place.",
     .fix = "Make the port-80 redirect point to the https:// Autodiscover URL of the "
            "Exchange host (Outlook follows redirects to https only).",
     .source = "MS-OXDISCO 3.1.5.2"),
CODE(AUTOD_REDIRECT_LOOP, F, "autodiscover",
     .title = "Autodiscover redirect loop",
     .explain = "The redirects come back to a URL already visited (or exceed 10 hops): "
                "clients never reach an answer.",
     .fix = "Fix the redirect chain so it ends at the Autodiscover endpoint.",
     .source = "MS-OXDISCO 3.1.5.2"),
CODE(AUTOD_SRV, I, "autodiscover",
     .title = "Autodiscover SRV record",
     .explain = "The _autodiscover._tcp SRV record names the Autodiscover host; Outlook "
                "uses it last and asks the user before following it to another domain.",
     .source = "MS-OXDISCO 3.1.5; RFC 2782"),
CODE(AUTOD_BAD_RESPONSE, F, "autodiscover",
     .title = "Autodiscover answer is not Exchange's",
     .explain = "The URL answered, but not as Exchange Autodiscover does (no 401 with "
                "Exchange's challenges, or a body that is not Autodiscover XML): usually "
                "a web site, a load balancer page or a proxy in front.",
     .fix = "Make sure the URL reaches Exchange's Autodiscover virtual directory.",
     .source = "MS-OXDISCO 2.2"),
CODE(AUTOD_AUTH_FAILED, F, "autodiscover",
     .title = "Autodiscover refused the credentials",
     .explain = "With --user, the endpoint rejected the user name and password (401 after "
                "authenticating), so no settings were returned.",
     .fix = "Check the user name and password, and the authentication methods of the "
            "Autodiscover virtual directory.",
     .source = "MS-OXDISCO 3.1.5"),
CODE(XML_UNSAFE, F, "autodiscover,preauth",
     .title = "XML with entity declarations",
     .explain = "A server answered with XML that declares entities (a DTD). Exchange "
                "never does; such XML is how entity-expansion and external-entity attacks "
                "work. It was parsed without expanding anything.",
     .fix = "The server sent XML with entity declarations; it was not expanded. Find what "
            "answers in front of Exchange.",
     .source = "OWASP XXE Prevention Cheat Sheet"),
CODE(AUTOD_CERT_INVALID, W, "autodiscover",
     .title = "Autodiscover certificate not valid",
     .explain = "The certificate of the Autodiscover endpoint clients use fails "
                "validation (name, chain or dates): Outlook warns the user or refuses it. "
                "cert explains the certificate problem.",
     .fix = "Install a certificate on the Autodiscover host that carries its name and "
            "chains to a public CA, with the intermediates sent: Outlook warns the user "
            "on this one.",
     .source = "RFC 6125; RFC 5280"),
CODE(PREAUTH_DETECTED, F, "preauth",
     .title = "A reverse proxy pre-authenticates",
     .explain = "Something in front of Exchange (a reverse proxy or WAF) demands its own "
                "authentication on /autodiscover, /EWS or /EWS/mrsproxy.svc. Exchange "
                "Online cannot authenticate to it, so free/busy, MailTips and mailbox "
                "moves in a hybrid deployment fail.",
     .fix = "Disable pre-authentication for /autodiscover, /EWS and /EWS/mrsproxy.svc on "
            "the reverse proxy (pass-through authentication).",
     .source = "Microsoft Learn: Hybrid deployment prerequisites (reverse proxy)"),
CODE(FEDERATION_INFO_OK, I, "preauth",
     .title = "GetFederationInformation answered",
     .explain = "The anonymous GetFederationInformation request the Hybrid wizard sends "
                "was answered by Exchange.",
     .source = "MS-OXWSADISC"),
CODE(FEDERATION_INFO_FAILED, F, "preauth",
     .title = "GetFederationInformation not answered",
     .explain = "The anonymous SOAP request to /autodiscover/autodiscover.svc that the "
                "Hybrid Configuration Wizard and Exchange Online send was not answered by "
                "Exchange; the wizard and the organization relationship fail.",
     .fix = "Publish /autodiscover/autodiscover.svc anonymously to Exchange.",
     .source = "MS-OXWSADISC; Microsoft Learn: Hybrid Configuration Wizard"),
CODE(MRSPROXY_UNREACHABLE, F, "preauth",
     .title = "MRS Proxy endpoint unreachable",
     .explain = "/EWS/mrsproxy.svc did not answer as Exchange does: mailbox moves between "
                "on-premises and Exchange Online cannot start.",
     .fix = "Enable the MRS Proxy endpoint on the EWS virtual directory and publish "
            "/EWS/mrsproxy.svc without pre-authentication.",
     .source = "Microsoft Learn: Enable the MRS Proxy endpoint"),
CODE(PREAUTH_HOST_UNREACHABLE, F, "preauth",
     .title = "Exchange host unreachable for the pre-authentication probe",
     .explain = "A host found by autodiscover could not be reached on 443, so whether a "
                "proxy pre-authenticates there is unknown.",
     .fix = "Check the host's DNS record and that TCP 443 is open to it from the Internet."),
CODE(EXCHANGE_BUILD, I, "preauth",
     .title = "Exchange build read anonymously",
     .explain = "The Exchange build the server reveals without credentials (GetFederation"
                "Information's ServerVersionInfo, the X-OWA-Version header, or the OWA "
                "logon page's /owa/auth/<build>/ asset path), named from exprobe's build "
                "table: product, CU and SU/HU, release date, support end, the newest "
                "update of that CU, dedicated hybrid app readiness, Extended Protection.",
     .source = "Microsoft, Exchange Server build numbers and release dates "
               "(microsoft/Get-ExchangeBuildNumber ExchangeBuildNumbers.csv)"),
CODE(EXCHANGE_UNSUPPORTED, F, "preauth",
     .title = "Exchange version out of support",
     .explain = "Exchange 2013 ended on 2023-04-11, Exchange 2016 and 2019 on 2025-10-14 "
                "(their paid ESU on 2026-04-14): no more security updates, and the Hybrid "
                "Configuration Wizard requires a supported version.",
     .fix = "Move to Exchange Server SE (an in-place upgrade from Exchange 2019 CU14/CU15) "
            "and keep it on the latest CU and SU.",
     .source = "Exchange team blog, Exchange Server 2016 and 2019 end of support"),
CODE(EXCHANGE_BELOW_HYBRID_APP_BUILD, F, "preauth",
     .title = "Exchange build below the April 2025 hotfix update",
     .explain = "Since 2025-10-31 Exchange Online refuses EWS calls from on-premises "
                "through the shared service principal; only servers with the April 2025 "
                "hotfix update or later can use the dedicated Exchange hybrid app, so "
                "free/busy, MailTips and profile photos from on-premises users break. "
                "Fail when hybrid is declared (or --preflight), warn when the deployment "
                "is unknown, info when it is declared not hybrid.",
     .fix = "Install the April 2025 hotfix update or later (Exchange SE, or 2019 CU14/CU15, "
            "2016 CU23 with their latest update) on every Exchange server, then run the "
            "current Hybrid Configuration Wizard or ConfigureExchangeHybridApplication.ps1 "
            "-FullyConfigureExchangeHybridApplication.",
     .source = "Exchange team blog, Exchange Server security changes for hybrid "
               "deployments (CVE-2025-53786)"),
CODE(AUTODV2_OK, I, "autodiscover",
     .title = "Autodiscover v2 answers",
     .explain = "GET /autodiscover/autodiscover.json?Email=&Protocol= answered with the "
                "protocol's URL (Exchange Online: 200 for a cloud mailbox, a redirect to "
                "on-premises for an on-premises one), as Outlook mobile and Teams ask it."),
CODE(AUTODV2_FAILED, F, "autodiscover",
     .title = "Autodiscover v2 fails",
     .explain = "Outlook mobile and Teams find an on-premises mailbox's EAS/EWS URLs "
                "through Autodiscover v2; an HTML page, a sign-in redirect (pre-"
                "authentication), a redirect loop, an http redirect or no JSON stops them.",
     .fix = "Publish /autodiscover/autodiscover.json to Exchange without "
            "pre-authentication and make sure it answers JSON for the address.",
     .source = "Microsoft Learn, Using hybrid Modern Authentication with Outlook for iOS "
               "and Android"),
CODE(HMA_ENABLED, I, "hybridauth",
     .title = "Hybrid modern authentication offered",
     .explain = "An empty 'Authorization: Bearer' is answered with Exchange's 401 Bearer "
                "challenge naming client_id, the tenant (trusted_issuers) and "
                "authorization_uri, on the paths listed."),
CODE(HMA_NOT_ENABLED, I, "hybridauth",
     .title = "Hybrid modern authentication not offered",
     .explain = "Exchange answers without a Bearer challenge: OAuth is not enabled for "
                "these virtual directories, so Outlook signs in with Basic/NTLM. Info, or "
                "a warning when hma = yes is expected.",
     .fix = "Run the Hybrid Configuration Wizard (OAuth), add the on-premises URLs to the "
            "Office 365 Exchange Online service principal, New-AuthServer EvoSts, and "
            "Set-OrganizationConfig -OAuth2ClientProfileEnabled $true.",
     .source = "Microsoft Learn, Configure Exchange Server on-premises to use Hybrid "
               "Modern Authentication"),
CODE(HMA_NO_AUTHORIZATION_URI, F, "hybridauth",
     .title = "Bearer challenge without authorization_uri",
     .explain = "Exchange's Bearer challenge has no authorization_uri: Entra ID (EvoSTS) "
                "is not the default authorization endpoint, so Outlook cannot start "
                "modern authentication.",
     .fix = "Set-AuthServer EvoSts -IsDefaultAuthorizationEndpoint $true (check with "
            "Get-AuthServer EvoSts | fl IsDefaultAuthorizationEndpoint).",
     .source = "Microsoft Learn, Using hybrid Modern Authentication with Outlook for iOS "
               "and Android"),
CODE(HMA_TENANT_MISMATCH, F, "hybridauth",
     .title = "Bearer challenge names another tenant",
     .explain = "The tenant in trusted_issuers is not the tenant of the domain (its "
                "anonymous OpenID configuration): HMA is wired to another or an old "
                "tenant, so tokens from the domain's tenant are refused.",
     .fix = "Re-run the Hybrid Configuration Wizard against the tenant that owns this "
            "domain, or remove the stale EvoSts auth server.",
     .source = "inference from the challenge's trusted_issuers and the OpenID issuer"),
CODE(AUTH_NTLM_BROKEN, F, "hybridauth",
     .title = "NTLM cannot complete through the front end",
     .explain = "NTLM authenticates a connection: the CHALLENGE and the AUTHENTICATE must "
                "travel on one kept-alive connection to one server. The front end closed "
                "the connection after the CHALLENGE or answered without one, so Outlook "
                "keeps prompting while ExRCA-style tests may still pass. The evidence has "
                "the CHALLENGE's internal server and domain names and Windows build "
                "([redacted] with --redact).",
     .fix = "Let the load balancer / reverse proxy keep the client's connection to one "
            "Exchange server for NTLM (connection-based persistence, HTTP keep-alive, no "
            "connection multiplexing), or publish these paths at layer 4.",
     .source = "[MS-NLMP]; modern.md (b)7"),
CODE(AUTH_H2_WINDOWS_AUTH, W, "hybridauth",
     .title = "HTTP/2 in front of Windows authentication",
     .explain = "The front end negotiates HTTP/2 and offers NTLM/Negotiate: IIS refuses "
                "Windows authentication over HTTP/2, and a proxy that speaks HTTP/2 to "
                "clients and HTTP/1.1 to Exchange loses NTLM's connection state.",
     .fix = "Offer only HTTP/1.1 (ALPN http/1.1) on the front end for Exchange's paths.",
     .source = "Microsoft Learn, HTTP/2 on IIS (Windows authentication falls back to "
               "HTTP/1.1)"),
CODE(EP_PROXY_RISK, W, "hybridauth",
     .title = "Extended Protection behind a non-IIS front end",
     .explain = "A non-IIS front end answers for an Exchange build with Extended "
                "Protection on by default (2019 CU14+, SE): TLS offloading is not "
                "supported, TLS bridging only with the same certificate on the front end "
                "and Exchange. Whether it offloads cannot be seen from outside.",
     .fix = "Bridge TLS with Exchange's certificate on the front end, or pass TCP through "
            "(layer 4); never offload TLS. Then accept the finding (ignore = "
            "EP_PROXY_RISK).",
     .source = "Microsoft Learn, Configure Windows Extended Protection in Exchange "
               "Server"),
CODE(CERT_NAME_MISMATCH, F, "cert",
     .title = "Certificate does not cover the host name",
     .explain = "The certificate's subject alternative names (or CN without SANs) do not "
                "match the name the client asked for. Clients refuse the connection or "
                "warn.",
     .fix = "Install a certificate whose subject alternative names include this host name.",
     .source = "RFC 6125; RFC 2818 3.1"),
CODE(CERT_EXPIRED, F, "cert",
     .title = "Certificate expired",
     .explain = "The certificate's notAfter date has passed: clients refuse it.",
     .fix = "Renew the certificate (same names, from the same or another public CA), "
            "install it with its intermediates and bind it to the service (Exchange: "
            "Enable-ExchangeCertificate -Services IIS,SMTP).",
     .source = "RFC 5280 4.1.2.5"),
CODE(CERT_NOT_YET_VALID, F, "cert",
     .title = "Certificate not yet valid",
     .explain = "The certificate's notBefore date is in the future: a wrong clock on the "
                "server or here, or a certificate installed early.",
     .fix = "Check the server's clock, or install a certificate that is valid now.",
     .source = "RFC 5280 4.1.2.5"),
CODE(CERT_EXPIRING_SOON, W, "cert",
     .title = "Certificate expires within 30 days",
     .explain = "The certificate is valid now but expires in under 30 days.",
     .fix = "Renew the certificate before the date in the finding and bind the new one to "
            "every service using it (Exchange: Enable-ExchangeCertificate).",
     .source = "RFC 5280 4.1.2.5"),
CODE(CERT_UNTRUSTED, F, "cert",
     .title = "Certificate chain not trusted",
     .explain = "The chain does not lead to a trusted root: an intermediate certificate "
                "is not sent, the root is unknown, or verification failed otherwise "
                "(evidence reason). Clients and Exchange Online refuse it.",
     .fix = "Install the intermediate certificates, or use a certificate from a public CA.",
     .source = "RFC 5280 6; RFC 8446 4.4.2"),
CODE(CERT_SELF_SIGNED, F, "cert",
     .title = "Self-signed certificate",
     .explain = "The server presents a certificate it signed itself. No client trusts it, "
                "and Exchange Online will not use it for TLS connectors or OAuth.",
     .fix = "Replace the self-signed certificate with one from a public CA.",
     .source = "RFC 5280"),
CODE(CERT_WEAK, W, "cert",
     .title = "Weak key, signature or TLS version",
     .explain = "An RSA key under 2048 bits, a SHA-1 or MD5 signature, or a TLS version "
                "below 1.2. Current clients and Exchange Online refuse some of these.",
     .fix = "Use an RSA key of at least 2048 bits (or ECDSA), a SHA-256 signature and TLS "
            "1.2+.",
     .source = "NIST SP 800-131A; RFC 8996"),
CODE(CERT_MSSTD_MISMATCH, F, "cert",
     .title = "Outlook Anywhere msstd: name not on the certificate",
     .explain = "Outlook checks the certificate against the CertPrincipalName "
                "(msstd:NAME) of the Outlook provider; when the certificate does not "
                "carry that name, Outlook Anywhere fails.",
     .fix = "Set the Outlook provider's CertPrincipalName to a name the certificate "
            "carries.",
     .source = "Microsoft Learn: Outlook Anywhere certificate principal name"),
CODE(CERT_OK, I, "cert",
     .title = "Certificate valid",
     .explain = "The certificate matches the name, chains to a trusted root and is within "
                "its dates."),
CODE(CERT_CN_ONLY, W, "cert",
     .title = "Host name only in the CN",
     .explain = "The name matches only the subject CN; the certificate has no subject "
                "alternative names. Current clients ignore the CN.",
     .fix = "Reissue the certificate with the host names as subject alternative names.",
     .source = "RFC 6125 6.4.4; RFC 2818 3.1"),
CODE(CERT_MSSTD_SAN_ONLY, W, "cert",
     .title = "msstd: name only in a SAN",
     .explain = "The Outlook Anywhere principal name is a subject alternative name but "
                "not the CN; old Windows clients (XP, Vista) look at the CN only.",
     .fix = "Make the principal name the certificate's CN if Windows XP / Vista clients "
            "remain.",
     .source = "Microsoft Learn: Outlook Anywhere certificate principal name"),
CODE(CERT_HANDSHAKE_FAILED, F, "cert",
     .title = "TLS handshake failed",
     .explain = "The port answered but no TLS session could be made (plain text, no "
                "certificate, no common protocol or cipher).",
     .fix = "Make sure the port speaks TLS (not plain text) and the server has a "
            "certificate.",
     .source = "RFC 8446"),
CODE(CERT_CONNECT_FAILED, F, "cert",
     .title = "TLS endpoint unreachable",
     .explain = "The host could not be resolved or its port could not be reached, so its "
                "certificate could not be judged.",
     .fix = "Check the host name, the DNS record and that the port is open."),
CODE(CERT_WRONG_PURPOSE, F, "cert",
     .title = "Certificate not for TLS servers",
     .explain = "The certificate lacks the serverAuth extended key usage, or is a CA "
                "certificate used as a server certificate: clients refuse it for TLS.",
     .fix = "Reissue the certificate from a web-server template: extended key usage "
            "serverAuth, key usage digitalSignature/keyEncipherment, CA:FALSE.",
     .source = "RFC 5280 4.2.1.12"),
CODE(CERT_EXTRA_EXPIRED, W, "cert",
     .title = "Expired certificate sent in the chain",
     .explain = "The server sends an expired certificate that the path to a trusted root "
                "does not need; some clients build their path through it and fail.",
     .fix = "Remove the expired certificate from the chain file the server sends.",
     .source = "RFC 8446 4.4.2"),
CODE(CERT_INCOMPLETE_CHAIN, F, "cert",
     .title = "Intermediate certificate not sent",
     .explain = "The server does not send the intermediate certificate(s) that link its "
                "certificate to a root: clients that do not fetch missing intermediates "
                "(most mail servers, Exchange Online) fail verification.",
     .fix = "Install the issuing intermediate certificate(s) so the server sends the "
            "whole chain.",
     .source = "RFC 8446 4.4.2; RFC 5280 4.2.2.1"),
CODE(CERT_REVOKED, F, "cert",
     .title = "Certificate revoked",
     .explain = "The issuing CA has revoked the certificate (OCSP or CRL): clients that "
                "check revocation refuse it.",
     .fix = "Replace the revoked certificate with a newly issued one, and find out why it "
            "was revoked.",
     .source = "RFC 6960; RFC 5280 5"),
CODE(TLS_WEAK_KEY_EXCHANGE, F, "cert",
     .title = "Weak TLS key exchange",
     .explain = "The server negotiates a key exchange that current clients refuse or that "
                "can be broken (finite-field DH under 2048 bits, export groups).",
     .fix = "Prefer ECDHE (X25519, P-256), or use a DH group of at least 2048 bits.",
     .source = "RFC 7919; weakdh.org (Logjam)"),
CODE(SMTP_MX_MISSING, F, "smtp",
     .title = "No MX record",
     .explain = "The domain publishes no MX record. Senders fall back to its A/AAAA "
                "address, which is rarely a mail server.",
     .fix = "Publish an MX record for the domain pointing at its mail server (Exchange "
            "Online: <domain with dots as dashes>.mail.protection.outlook.com, as the admin "
            "center shows it).",
     .source = "RFC 5321 5.1"),
CODE(SMTP_CONNECT_FAILED, F, "smtp",
     .title = "Mail server unreachable on port 25",
     .explain = "A TCP connection to the mail server could not be made. When no MX "
                "answers at all, outbound port 25 is probably blocked from this network.",
     .fix = "Open TCP 25 to the mail server (or check whether this network blocks "
            "outbound 25).",
     .source = "RFC 5321 5.1"),
CODE(SMTP_TIMEOUT, F, "smtp",
     .title = "SMTP dialogue stalled",
     .explain = "The server stopped answering at one stage (evidence stage) within "
                "--timeout: a silent server, a stalled proxy, or a TLS handshake that "
                "never completes.",
     .fix = "Find what stalls the SMTP dialogue at the stage in the evidence (banner: the "
            "server or a firewall holding the connection; after STARTTLS: the TLS "
            "configuration; after EHLO: ESMTP inspection).",
     .source = "RFC 5321 4.5.3.2"),
CODE(SMTP_ESMTP_INSPECTION, F, "smtp",
     .title = "Firewall ESMTP inspection",
     .explain = "Signs of a firewall rewriting SMTP (banner of asterisks, EHLO answered "
                "500, XXXXXXXA in place of STARTTLS). It hides STARTTLS and breaks TLS "
                "for Exchange Online connectors.",
     .fix = "Turn off ESMTP inspection (Cisco 'fixup smtp' / 'inspect esmtp') on the "
            "firewall.",
     .source = "Cisco ASA: inspect esmtp"),
CODE(SMTP_NO_STARTTLS, F, "smtp",
     .title = "STARTTLS not offered",
     .explain = "The EHLO reply does not offer STARTTLS, so mail travels in clear; "
                "Exchange Online TLS connectors cannot deliver to this host.",
     .fix = "Enable STARTTLS on the receive connector, with a certificate for the MX name.",
     .source = "RFC 3207"),
CODE(SMTP_STARTTLS_FAILED, F, "smtp",
     .title = "STARTTLS failed",
     .explain = "STARTTLS was offered but refused, or the TLS handshake after it failed; "
                "senders that require TLS cannot deliver.",
     .fix = "Check the certificate bound to SMTP and the TLS settings of the server.",
     .source = "RFC 3207"),
CODE(SMTP_TLS_REQUIRED, I, "smtp",
     .title = "Server demands TLS",
     .explain = "Without STARTTLS offered, MAIL FROM was answered that TLS is required "
                "first (451 5.7.3).",
     .source = "RFC 3207"),
CODE(SMTP_TLS_OLD_PROTOCOL, W, "smtp",
     .title = "STARTTLS negotiates TLS older than 1.2",
     .explain = "The server negotiated TLS 1.0 or 1.1, which Exchange Online and current "
                "senders no longer accept.",
     .fix = "Enable TLS 1.2 on the server (Windows: SCHANNEL Protocols\\TLS 1.2\\Server "
            "Enabled=1, DisabledByDefault=0); Office 365 refuses older protocols.",
     .source = "RFC 8996"),
CODE(SMTP_PROTOCOL_ERROR, F, "smtp",
     .title = "Not a well-behaved SMTP server",
     .explain = "What answered on port 25 broke the protocol (malformed or oversized "
                "replies, text injected after STARTTLS, a non-SMTP greeting).",
     .fix = "Find what answers on port 25 in place of a mail server.",
     .source = "RFC 5321 4.2"),
CODE(SMTP_OK, I, "smtp",
     .title = "Mail server answers",
     .explain = "The address answered SMTP (over STARTTLS when offered)."),
CODE(SMTP_CLIENT_IP, I, "smtp",
     .title = "Public IP seen by the servers",
     .explain = "The address the mail servers saw this client as (from the EHLO reply); "
                "dnsbl looks it up."),
CODE(SMTP_REJECTED, F, "smtp",
     .title = "Server refused this client",
     .explain = "A 4xx/5xx reply refused the connection or a command (policy, block list, "
                "overload); the reply is quoted verbatim.",
     .fix = "Read the server's reply: it refused this client (policy, block list, "
            "overload).",
     .source = "RFC 5321 4.2"),
CODE(SMTP_DNS_ERROR, W, "smtp",
     .title = "MX or address lookup failed",
     .explain = "The MX or A/AAAA question got no answer (SERVFAIL, REFUSED, timeout), so "
                "the mail servers could not all be checked.",
     .fix = "Check the domain's name servers: the MX or address lookup did not get an "
            "answer."),
CODE(CONNECTOR_CERT_MISMATCH, F, "smtp",
     .title = "Certificate does not match the connector's TlsCertificateName",
     .explain = "The STARTTLS certificate does not carry the name (or issuer and subject) "
                "that the Office 365 connector's TlsCertificateName expects, so Exchange "
                "Online rejects or misroutes the mail.",
     .fix = "Bind a certificate that carries the connector's TlsCertificateName to SMTP, "
            "or align the connector's TlsCertificateName with the certificate.",
     .source = "Microsoft Learn: Configure mail flow using connectors"),
CODE(CONNECTOR_CERT_RENEWAL, W, "smtp",
     .title = "Connector certificate name will break at a renewal",
     .explain = "The connector's TlsCertificateName pins the certificate's issuer "
                "(<I>issuer<S>subject) and that issuer is one of several intermediates "
                "the CA issues from in turn: the next renewal may come from another one, "
                "and Exchange then no longer finds the certificate (454 4.7.5) or Exchange "
                "Online rejects it (4.4.317 SubjectMismatch).",
     .fix = "Use the plain form TlsCertificateName = the host name on the certificate, "
            "or update the connector at every renewal.",
     .source = "Microsoft Learn: Set-SendConnector -TlsCertificateName; "
               "letsencrypt.org/certificates"),
CODE(SMTP_CERT_INVALID, W, "smtp",
     .title = "STARTTLS certificate not valid",
     .explain = "The certificate presented after STARTTLS fails validation (name, chain "
                "or dates): senders that verify (Exchange Online connectors, DANE or "
                "MTA-STS senders) refuse it. cert explains the certificate problem.",
     .fix = "Bind a certificate for the MX name from a public CA (intermediates sent) to "
            "SMTP (Enable-ExchangeCertificate -Services SMTP).",
     .source = "RFC 3207; RFC 6125"),
CODE(DNSBL_LISTED, F, "dnsbl",
     .title = "Address on a block list",
     .explain = "The address is listed on a DNS block list: receivers that use the list "
                "reject or junk mail from it.",
     .fix = "Find why the address is listed, fix it, and ask the list for delisting.",
     .source = "RFC 5782"),
CODE(DNSBL_QUERY_BLOCKED, W, "dnsbl",
     .title = "Block list refuses this resolver",
     .explain = "The list answered with its \"query refused\" code (127.255.255.x): it "
                "does not serve queries from public or high-volume resolvers, so no "
                "verdict was reached.",
     .fix = "Query the blacklist through your own resolver (public resolvers are refused).",
     .source = "Spamhaus: DNSBL usage terms"),
CODE(DNSBL_CLEAN, I, "dnsbl",
     .title = "Not listed",
     .explain = "The address is on none of the block lists asked.",
     .source = "RFC 5782"),
CODE(CONNECTOR_IP_MISMATCH, F, "dnsbl",
     .title = "Sending IP not in the connector's list",
     .explain = "The sending IP is not among the inbound connector's SenderIPAddresses "
                "(from --expect connector_ips), so Exchange Online will not apply the "
                "connector to this mail.",
     .fix = "Add the sending IP to the Office 365 inbound connector, or send from a "
            "listed IP.",
     .source = "Microsoft Learn: Configure mail flow using connectors"),
CODE(DNSBL_ZONE_UNRELIABLE, W, "dnsbl",
     .title = "Block-list zone fails its test points",
     .explain = "The zone did not list 127.0.0.2 or did list 127.0.0.1 (RFC 5782 test "
                "points): it is retired, misspelt or wildcarded, so its answers are not "
                "taken as verdicts.",
     .fix = "Check the zone name: it fails its RFC 5782 test points (retired, misspelt or "
            "wildcarded), so its answers were not taken as verdicts.",
     .source = "RFC 5782 5"),
CODE(DNSBL_QUERY_FAILED, W, "dnsbl",
     .title = "Block-list query failed",
     .explain = "The list did not answer (timeout, SERVFAIL), so whether the address is "
                "listed is unknown.",
     .fix = "Retry, or use another resolver: without an answer the listing is unknown.",
     .source = "RFC 5782"),
CODE(DANE_OK, I, "dane",
     .title = "DANE in place",
     .explain = "The MX hosts publish TLSA records in DNSSEC-signed zones, and the "
                "certificate each presents on STARTTLS matches them: DANE senders "
                "(Exchange Online, Postfix, Exim) authenticate the server.",
     .source = "RFC 7672"),
CODE(DANE_NOT_DEPLOYED, I, "dane",
     .title = "No DANE",
     .explain = "No MX host publishes TLSA records: senders deliver with opportunistic "
                "TLS, which an attacker on the path can strip or intercept.",
     .fix = "To deploy DANE: sign the zone (DS at the registrar), then publish TLSA 3 1 1 "
            "records (SHA-256 of each MX key) at _25._tcp.<MX host>; on Exchange Online, "
            "Enable-DnssecForVerifiedDomain, the *.mx.microsoft MX, then "
            "Enable-SmtpDaneInbound.",
     .source = "RFC 7672; Microsoft Learn: Inbound SMTP DANE with DNSSEC"),
CODE(DANE_NO_DNSSEC, W, "dane",
     .title = "TLSA records without DNSSEC",
     .explain = "TLSA records are published, but the zone holding them (or the domain's "
                "MX RRset) is not DNSSEC-signed: senders ignore unsigned TLSA records, so "
                "they protect nothing.",
     .fix = "Sign the zone holding the TLSA records (and the domain's MX RRset): DNSSEC "
            "at the DNS host, DS at the registrar.",
     .source = "RFC 7672 2.2"),
CODE(DANE_TLSA_MISMATCH, F, "dane",
     .title = "TLSA does not match the certificate",
     .explain = "The MX host presents a certificate that no usable TLSA record matches "
                "(typically a renewal with a new key and no new TLSA; for a DANE-TA 2 x x "
                "record: a certificate from another CA, a chain that does not reach the "
                "named CA, or a leaf without the MX name): DANE senders defer, then bounce "
                "(Exchange Online: 5.7.323 tlsa-invalid). Evidence: the records, the "
                "presented hashes, the verdict.",
     .fix = "Publish the TLSA record of the key the server presents now (3 1 1 <SHA-256 "
            "of the key>), keep the next key's record beside it, or put back the "
            "certificate the records name; for DANE-TA, the 2 1 1 of the CA that issues "
            "the certificate (sent in the chain) and a certificate naming the MX host.",
     .source = "RFC 7672 3; RFC 6698; RFC 7671 5"),
CODE(DANE_BOGUS, F, "dane",
     .title = "DNSSEC validation fails",
     .explain = "An answer about the domain's mail servers is bogus (expired signatures, a "
                "DS that matches no key, missing DNSKEY): validating senders cannot "
                "resolve the MX at all and defer mail (4.7.324 dnssec-invalid).",
     .fix = "Repair the zone's DNSSEC: re-sign expired signatures, make the parent's DS "
            "match the key, or remove the DS to turn DNSSEC off cleanly.",
     .source = "RFC 4035 5; RFC 7672 2.1"),
CODE(DANE_NO_ROLLOVER, I, "dane",
     .title = "One TLSA record: no rollover",
     .explain = "The host has one usable TLSA record, a DANE-EE (3 x x) one: the next "
                "certificate renewal with a new key breaks DANE unless the new key's record "
                "is published first. (A DANE-TA 2 x x record outlives the leaf's renewals.)",
     .fix = "Publish a TLSA record for the next key (or 2 1 1 for the issuing CA) before "
            "the certificate is renewed; remove the old one after the switch.",
     .source = "RFC 7671 8.1"),
CODE(DKIM_OK, I, "dkim",
     .title = "DKIM keys published and usable",
     .explain = "The domain's DKIM selectors are published as Microsoft 365 (or the "
                "gateway named in --expect) signs with them, and the key behind the "
                "selector in use parses and is strong enough: receivers can verify "
                "signatures made with the domain's own name, which DMARC needs.",
     .source = "RFC 6376; Microsoft Learn: Set up DKIM to sign mail from your Microsoft "
               "365 domain"),
CODE(DKIM_CNAME_MISSING, W, "dkim",
     .title = "Microsoft 365 DKIM CNAME missing or wrong",
     .explain = "selector1._domainkey and selector2._domainkey must be CNAMEs to the "
                "tenant's DKIM names. Without them signing with the custom domain cannot "
                "be enabled: Exchange Online signs with the tenant's onmicrosoft.com name "
                "only, which is not aligned with the From domain, so DMARC passes only "
                "through SPF (and fails after any forwarding). Both are needed: Microsoft "
                "rotates between them.",
     .fix = "Publish both CNAMEs exactly as Microsoft Defender shows them (Email & "
            "collaboration > Policies & rules > Threat policies > Email authentication "
            "settings > DKIM, select the domain; or Get-DkimSigningConfig -Identity "
            "DOMAIN | fl Selector*CNAME), then turn on \"Sign messages for this domain "
            "with DKIM signatures\" there.",
     .source = "Microsoft Learn: Set up DKIM to sign mail from your Microsoft 365 domain"),
CODE(DKIM_CNAME_WRONG_TENANT, W, "dkim",
     .title = "DKIM CNAMEs point into different tenants",
     .explain = "The two selector CNAMEs (or one of them and the tenant named in --expect) "
                "point into different Microsoft 365 tenants - typically left over from a "
                "tenant-to-tenant move. The tenant that sends signs with its own keys, so "
                "signatures made after the next key rotation (or now, if the active "
                "selector is the stale one) fail verification.",
     .fix = "Replace the stale CNAME(s) with the values the sending tenant's Defender "
            "portal shows (Email authentication settings > DKIM), then rotate or "
            "re-enable signing.",
     .source = "Microsoft Learn: Set up DKIM to sign mail from your Microsoft 365 domain"),
CODE(DKIM_KEY_MISSING, W, "dkim",
     .title = "No DKIM key behind the selectors",
     .explain = "None of the selectors leads to a DKIM key record. Microsoft publishes the "
                "key (behind the CNAME target) only once signing is enabled for the "
                "domain, and only for the selector in use, so the other selector's "
                "missing key is normal; with neither, the domain's mail is not DKIM-signed "
                "with its own name. For a gateway's selector, the gateway's key is not "
                "published.",
     .fix = "Enable DKIM signing for the domain in Microsoft Defender (Email "
            "authentication settings > DKIM), or publish the gateway's key TXT at "
            "SELECTOR._domainkey.DOMAIN.",
     .source = "RFC 6376 3.6.2; Microsoft Learn: Set up DKIM"),
CODE(DKIM_KEY_INVALID, F, "dkim",
     .title = "DKIM key record unusable",
     .explain = "The key record behind a selector does not parse (tag syntax, v= not first, "
                "no or empty p=, p= not base64 or not a public key, unknown k=, s= "
                "without email): receivers treat every signature made with it as failed "
                "(permerror), so DMARC cannot pass through DKIM.",
     .fix = "Publish the key record exactly as the signer gives it (\"v=DKIM1; k=rsa; "
            "p=<base64 public key>\"); with Microsoft 365 publish only the CNAMEs and let "
            "Microsoft serve the key.",
     .source = "RFC 6376 3.6.1"),
CODE(DKIM_KEY_WEAK, W, "dkim",
     .title = "DKIM key too weak",
     .explain = "The RSA key behind the selector is shorter than 2048 bits (or allows only "
                "SHA-1). RFC 8301 makes receivers ignore keys under 1024 bits and SHA-1, "
                "and 1024-bit keys are below what large receivers expect; Microsoft 365 "
                "has created 2048-bit keys since 2023, older tenants kept 1024.",
     .fix = "Rotate to a 2048-bit key: Defender > Email authentication settings > DKIM > "
            "the domain > Rotate DKIM keys (or Rotate-DkimSigningConfig -KeySize 2048).",
     .source = "RFC 8301 3.1-3.2; Microsoft Learn: Rotate DKIM keys"),
CODE(DKIM_DNS_ERROR, U, "dkim",
     .title = "DKIM record lookup failed",
     .explain = "A DNS question about a DKIM selector failed (SERVFAIL, refused, timeout): "
                "whether the selector and its key exist is unknown from here.",
     .fix = "Check the domain's name servers (or the resolver used), then run again."),
CODE(DMARC_OK, I, "dmarc",
     .title = "DMARC record published",
     .explain = "One valid DMARC record applies to the domain, with an enforcing policy, "
                "and the mail Exchange Online sends for it can pass DMARC.",
     .source = "RFC 7489; draft-ietf-dmarc-dmarcbis"),
CODE(DMARC_MISSING, W, "dmarc",
     .title = "No DMARC record",
     .explain = "Neither _dmarc.DOMAIN nor the organizational domain publishes a DMARC "
                "record: receivers apply no policy to mail forging the domain, send no "
                "reports, and Outlook.com and Gmail reject bulk mail from domains without "
                "one (550 5.7.515).",
     .fix = "Publish TXT _dmarc.DOMAIN \"v=DMARC1; p=none; rua=mailto:dmarc-reports@DOMAIN\", "
            "read the reports, then move to p=quarantine and p=reject.",
     .source = "RFC 7489 6.1; Microsoft Learn: Set up DMARC to validate the From address"),
CODE(DMARC_INVALID, F, "dmarc",
     .title = "DMARC record invalid",
     .explain = "The DMARC record cannot be used as published: more than one v=DMARC1 "
                "record (receivers then apply none), a syntax error, or a tag with a value "
                "outside its grammar. Receivers ignore an invalid record.",
     .fix = "Keep exactly one TXT record at _dmarc.DOMAIN, starting with v=DMARC1, with "
            "valid tag values.",
     .source = "RFC 7489 6.3, 6.6.3"),
CODE(DMARC_POLICY_NONE, W, "dmarc",
     .title = "DMARC policy is none (monitoring only)",
     .explain = "p=none asks receivers to report, not to act: mail forging the domain is "
                "still delivered. It is the right first step while reading the reports; "
                "left for good it protects nothing.",
     .fix = "Once the reports show every legitimate sender passing, set p=quarantine, then "
            "p=reject.",
     .source = "RFC 7489 6.3"),
CODE(DMARC_RUA_UNAUTHORIZED, W, "dmarc",
     .title = "Report address in another domain not authorized",
     .explain = "A rua/ruf address is in another domain X, which has not published TXT "
                "DOMAIN._report._dmarc.X \"v=DMARC1\": receivers do not send reports "
                "there, so the reports are silently lost.",
     .fix = "Have the owner of the report domain publish TXT DOMAIN._report._dmarc.X "
            "\"v=DMARC1\" (reporting services do this when the domain is added to them), or "
            "use an address in the domain itself.",
     .source = "RFC 7489 7.1"),
CODE(DMARC_DEPRECATED_TAG, I, "dmarc",
     .title = "DMARC tag removed in DMARCbis",
     .explain = "pct, rf and ri are removed by the DMARC revision (DMARCbis; t= replaces "
                "pct): receivers following it ignore them. Harmless, but what the record "
                "seems to ask for (a percentage, a report interval) does not happen.",
     .fix = "Drop pct/rf/ri; use t=y instead of pct=0 for a testing policy.",
     .source = "draft-ietf-dmarc-dmarcbis (Appendix: changes from RFC 7489)"),
CODE(DMARC_EXO_FAILS, F, "dmarc",
     .title = "Mail sent through Exchange Online fails DMARC",
     .explain = "Mail Exchange Online sends for the domain can pass DMARC neither through "
                "DKIM (no aligned signature: the DKIM CNAMEs are missing or the key is "
                "unusable) nor through SPF (the SPF record lacks Exchange Online's "
                "include): with p=quarantine or p=reject receivers junk or reject it.",
     .fix = "Publish the DKIM CNAMEs and enable signing (the dkim check names them), and "
            "add include:spf.protection.outlook.com to the SPF record; lower the DMARC "
            "policy to p=none until one of them passes.",
     .source = "RFC 7489 4.2, 6.3; Microsoft Learn: Set up DMARC"),
CODE(DMARC_DNS_ERROR, U, "dmarc",
     .title = "DMARC record lookup failed",
     .explain = "A DNS question for the DMARC record (or a report-address authorization) "
                "failed (SERVFAIL, refused, timeout): the policy that applies is unknown "
                "from here.",
     .fix = "Check the domain's name servers (or the resolver used), then run again."),
CODE(MTASTS_OK, I, "mtasts",
     .title = "MTA-STS enforced",
     .explain = "One valid _mta-sts record, a policy in enforce mode fetched over verified "
                "https, every MX covered by an mx: pattern and presenting a valid "
                "certificate: MTA-STS senders require authenticated TLS to the domain.",
     .source = "RFC 8461"),
CODE(MTASTS_MISSING, I, "mtasts",
     .title = "No MTA-STS",
     .explain = "No _mta-sts TXT record: senders that do MTA-STS (Gmail, Exchange Online) "
                "deliver with opportunistic TLS, which an attacker on the path can strip.",
     .fix = "Serve https://mta-sts.DOMAIN/.well-known/mta-sts.txt (version, mode testing, "
            "one mx: line per MX, max_age) and publish _mta-sts.DOMAIN TXT \"v=STSv1; "
            "id=...\"; move to enforce with a new id once TLS-RPT shows no failures.",
     .source = "RFC 8461; Microsoft Learn: Enhancing mail flow with MTA-STS"),
CODE(MTASTS_TXT_INVALID, F, "mtasts",
     .title = "_mta-sts record invalid",
     .explain = "The _mta-sts TXT record is malformed (no or bad id) or there are several "
                "v=STSv1 records: senders then treat the domain as having no policy.",
     .fix = "Keep exactly one TXT record \"v=STSv1; id=<1-32 letters and digits>\" at "
            "_mta-sts.DOMAIN.",
     .source = "RFC 8461 3.1"),
CODE(MTASTS_POLICY_UNREACHABLE, F, "mtasts",
     .title = "MTA-STS policy cannot be fetched",
     .explain = "The policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt does not "
                "answer 200 over a valid certificate without redirect: new senders get no "
                "policy, senders that cached one keep it until max_age. When the policy "
                "host's certificate is the cause (expired, untrusted, not naming "
                "mta-sts.DOMAIN), evidence cert_code names it and the fix is for that cause.",
     .fix = "Serve the policy directly (HTTP 200, no redirect) with a certificate for "
            "mta-sts.DOMAIN from a public CA, in date, intermediates sent.",
     .source = "RFC 8461 3.3"),
CODE(MTASTS_POLICY_INVALID, F, "mtasts",
     .title = "MTA-STS policy invalid",
     .explain = "The policy file is not text/plain, is over 64 KiB, or lacks a valid "
                "version, mode, max_age or mx: line: senders ignore it.",
     .fix = "Serve \"version: STSv1\", \"mode: enforce|testing|none\", \"mx: \" lines and "
            "\"max_age: \" (at most 31557600) as text/plain.",
     .source = "RFC 8461 3.2"),
CODE(MTASTS_MX_NOT_COVERED, F, "mtasts",
     .title = "MX not covered by the MTA-STS policy",
     .explain = "An MX host matches no mx: pattern (a '*.' covers exactly one label, so "
                "*.mx.microsoft does not cover contoso-com.j-v1.mx.microsoft): senders in "
                "enforce mode refuse to deliver to it.",
     .fix = "Add the MX (or its one-label pattern, e.g. *.j-v1.mx.microsoft) to the policy: "
            "mode testing, add the line, new id, then enforce with another new id.",
     .source = "RFC 8461 4.1"),
CODE(MTASTS_MX_CERT_INVALID, F, "mtasts",
     .title = "MX certificate invalid under MTA-STS",
     .explain = "In enforce mode, senders require each MX's STARTTLS certificate to be "
                "valid for the MX name and chain to a public CA; this one is not.",
     .fix = "Install a certificate for the MX name from a public CA, or set the policy to "
            "testing until it is.",
     .source = "RFC 8461 4.2"),
CODE(MTASTS_TESTING, I, "mtasts",
     .title = "MTA-STS in testing mode",
     .explain = "The policy is in testing mode: senders report failures through TLS-RPT "
                "but deliver anyway.",
     .fix = "Once TLS-RPT reports show no failures, set mode: enforce and publish a new id.",
     .source = "RFC 8461 5"),
CODE(TLSRPT_MISSING, W, "mtasts",
     .title = "No TLS-RPT record",
     .explain = "No _smtp._tls TXT record: senders cannot report TLS, MTA-STS or DANE "
                "failures to you, so a broken policy or certificate goes unnoticed.",
     .fix = "Publish _smtp._tls.DOMAIN TXT \"v=TLSRPTv1; rua=mailto:ADDRESS\".",
     .source = "RFC 8460 3"),
CODE(TLSRPT_INVALID, W, "mtasts",
     .title = "TLS-RPT record invalid",
     .explain = "The _smtp._tls record has no valid rua= (mailto: or https: URIs), or there "
                "are several: senders send no report.",
     .fix = "Keep one record \"v=TLSRPTv1; rua=mailto:ADDRESS\".",
     .source = "RFC 8460 3"),
CODE(CNAME_MISSING, F, "cname",
     .title = "Office 365 record missing",
     .explain = "A DNS record Office 365 needs for this deployment (autodiscover, "
                "verification) is not published.",
     .fix = "Publish the record the finding names, with the value the Microsoft 365 admin "
            "center shows: autodiscover.<domain> CNAME autodiscover.outlook.com. for "
            "cloud-only, an A record (or CNAME) to the on-premises Exchange or its reverse "
            "proxy for hybrid and on-premises.",
     .source = "Microsoft Learn: External DNS records for Office 365"),
CODE(CNAME_WRONG_TARGET, F, "cname",
     .title = "Record points to the wrong target",
     .explain = "A record exists but points elsewhere than this deployment needs (for "
                "hybrid, autodiscover must point on-premises).",
     .fix = "Change the record to the target the finding expects (evidence 'expected'): "
            "autodiscover.outlook.com. for cloud-only, the on-premises Exchange for "
            "hybrid (it redirects cloud mailboxes itself), ps.microsoftonline.com. for a "
            "BPOS verification CNAME.",
     .source = "Microsoft Learn: External DNS records for Office 365"),
CODE(TXT_VERIFICATION_MISSING, W, "cname",
     .title = "Verification TXT record missing",
     .explain = "No MS=msNNNNNNNN TXT record (or not the expected code): the domain "
                "cannot be verified in the tenant.",
     .fix = "Add the TXT record MS=msNNNNNNNN shown in the Microsoft 365 admin center.",
     .source = "Microsoft Learn: Add DNS records to connect your domain"),
CODE(MX_NOT_EXO, F, "cname",
     .title = "MX does not point to Exchange Online Protection",
     .explain = "For a cloud deployment the MX must point to "
                "DOMAIN.mail.protection.outlook.com; here it does not.",
     .fix = "Point the MX record at <domain with dots as dashes>.mail.protection.outlook.com "
            "(contoso.com: contoso-com.mail.protection.outlook.com), the value the admin "
            "center shows, and remove the other MX records.",
     .source = "Microsoft Learn: External DNS records for Office 365"),
CODE(SPF_MISSING_INCLUDE, W, "cname",
     .title = "SPF lacks the Exchange Online include",
     .explain = "The SPF record does not include spf.protection.outlook.com (or an "
                "include/redirect target has no SPF record): mail sent by Exchange Online "
                "fails SPF.",
     .fix = "Add include:spf.protection.outlook.com to the SPF record.",
     .source = "RFC 7208; Microsoft Learn: Set up SPF"),
CODE(CNAME_OK, I, "cname",
     .title = "Record as expected",
     .explain = "The record is what the deployment needs."),
CODE(CNAME_DEPLOYMENT, I, "cname",
     .title = "Deployment kind",
     .explain = "The deployment kind (cloud-only, hybrid, on-premises) the records were "
                "judged for, and whether it was stated in --expect or inferred."),
CODE(CNAME_MSOID, F, "cname",
     .title = "msoid CNAME present",
     .explain = "A CNAME msoid.DOMAIN exists; it is meant only for Office 365 operated by "
                "21Vianet and sends worldwide clients to the wrong sign-in service.",
     .fix = "Delete the msoid CNAME: it is only for Office 365 operated by 21Vianet.",
     .source = "Microsoft Learn: External DNS records for Office 365"),
CODE(CNAME_DNS_ERROR, F, "cname",
     .title = "DNS lookup failed",
     .explain = "A question got no answer (evidence dns_status: TIMEOUT, SERVFAIL, "
                "REFUSED), so the record could not be judged.",
     .fix = "Check that the domain's name servers answer (or the --dns-server given)."),
CODE(TXT_VERIFICATION_FOUND, I, "cname",
     .title = "Verification TXT record found",
     .explain = "The MS=msNNNNNNNN TXT record is published."),
CODE(MX_MIXED, W, "cname",
     .title = "MX set mixes Exchange Online and other hosts",
     .explain = "Some MX records point to Exchange Online Protection and some elsewhere: "
                "mail splits between them by preference.",
     .fix = "Keep a single MX to Exchange Online Protection unless the split is "
            "deliberate.",
     .source = "RFC 5321 5.1"),
CODE(SPF_MISSING, W, "cname",
     .title = "No SPF record",
     .explain = "The domain publishes no v=spf1 TXT record: receivers cannot tell its "
                "legitimate senders.",
     .fix = "Publish one SPF record, e.g. \"v=spf1 include:spf.protection.outlook.com "
            "-all\".",
     .source = "RFC 7208"),
CODE(SPF_MULTIPLE, F, "cname",
     .title = "More than one SPF record",
     .explain = "Several v=spf1 records: receivers treat this as a permanent error "
                "(permerror) and SPF fails for all mail.",
     .fix = "Merge the SPF records into one: receivers treat several as a permanent error.",
     .source = "RFC 7208 4.5"),
CODE(SPF_TOO_MANY_LOOKUPS, F, "cname",
     .title = "SPF needs more than 10 DNS lookups",
     .explain = "Expanded, the SPF record needs more than 10 DNS lookups (or more than 2 "
                "void ones): receivers stop with permerror.",
     .fix = "Remove includes no longer needed and move bulk or third-party senders to "
            "subdomains with their own SPF records (Microsoft's advice), to at most 10 "
            "DNS lookups after expansion (RFC 7208 4.6.4). Do not flatten Exchange "
            "Online's include:spf.protection.outlook.com into ip4: ranges: Microsoft "
            "changes them without notice.",
     .source = "RFC 7208 4.6.4"),
CODE(MX_DANE_MIGRATION, I, "cname",
     .title = "MX move to the DNSSEC mx.microsoft host under way",
     .explain = "Both the legacy *.mail.protection.outlook.com MX and the DNSSEC-signed "
                "*.mx.microsoft MX are published: the domain is part-way through the move "
                "that enables inbound SMTP DANE for Exchange Online.",
     .fix = "Finish the move to the *.mx.microsoft MX: preference 0 for the new MX, then "
            "delete the legacy MX, then Enable-SmtpDaneInbound.",
     .source = "Microsoft Learn: Inbound SMTP DANE with DNSSEC"),
CODE(VERIFICATION_MX_LEFTOVER, I, "cname",
     .title = "Verification MX left over",
     .explain = "An MX record to msNNNNNNNN.msv1.invalid (priority 32767) is Microsoft "
                "365's alternative domain-verification record, not a mail host: senders "
                "never use it (.invalid does not resolve), and exprobe never dials it. "
                "Once the domain is verified it has no purpose.",
     .fix = "Delete the MX record to msNNNNNNNN.msv1.invalid once the Microsoft 365 admin "
            "center shows the domain as verified.",
     .source = "Microsoft Learn: Add DNS records to connect your domain (verification MX)"),
CODE(CNAME_INTUNE_MISSING, W, "cname",
     .title = "Intune / Entra enrollment CNAME missing or wrong",
     .explain = "With Intune expected (intune = yes), devices find enrollment through "
                "enterpriseregistration.DOMAIN (CNAME enterpriseregistration.windows.net) "
                "and enterpriseenrollment.DOMAIN (CNAME "
                "enterpriseenrollment.manage.microsoft.com); without them users must type "
                "the server address when they enrol.",
     .fix = "Publish enterpriseregistration.DOMAIN CNAME enterpriseregistration.windows.net "
            "and enterpriseenrollment.DOMAIN CNAME "
            "enterpriseenrollment.manage.microsoft.com.",
     .source = "Microsoft Learn: Create a DNS alias for Intune enrollment"),
CODE(LYNC_SRV_MISSING, W, "lync",
     .title = "Lync SRV record missing",
     .explain = "A _sip._tls or _sipfederationtls._tcp SRV record is not published: "
                "clients cannot sign in automatically, or federation fails.",
     .fix = "Publish the SRV record the finding names: for Skype for Business Online "
            "_sip._tls 100 1 443 sipdir.online.lync.com. and _sipfederationtls._tcp 100 1 "
            "5061 sipfed.online.lync.com.; on-premises, the Edge's external name.",
     .source = "Microsoft Learn: DNS requirements for Skype for Business"),
CODE(LYNC_SRV_WRONG, F, "lync",
     .title = "Lync SRV record wrong",
     .explain = "The SRV record's target, port, priority or weight differ from what this "
                "deployment needs.",
     .fix = "Correct the SRV record's target and port to the values in the finding's "
            "evidence ('expected'): Office 365's hosts for Skype for Business Online, the "
            "Access Edge's external name on 443 / 5061 on-premises.",
     .source = "Microsoft Learn: DNS requirements for Skype for Business"),
CODE(LYNC_CNAME_MISSING, W, "lync",
     .title = "sip / lyncdiscover record missing",
     .explain = "The sip or lyncdiscover record is not published: clients cannot discover "
                "the service.",
     .fix = "Publish the record the finding names: sip and lyncdiscover CNAMEs to "
            "sipdir.online.lync.com. and webdir.online.lync.com. for Skype for Business "
            "Online, or to the on-premises Edge and reverse proxy.",
     .source = "Microsoft Learn: DNS requirements for Skype for Business"),
CODE(LYNC_UNREACHABLE, F, "lync",
     .title = "SRV target unreachable",
     .explain = "The SRV target does not accept connections on its port.",
     .fix = "Make sure the SRV target listens on its port and the firewall lets it "
            "through."),
CODE(LYNC_OK, I, "lync",
     .title = "Lync record as expected",
     .explain = "The record is what the deployment needs."),
CODE(LYNC_CNAME_WRONG, F, "lync",
     .title = "sip / lyncdiscover points to the wrong target",
     .explain = "The CNAME exists but points elsewhere than the deployment needs.",
     .fix = "Change the CNAME to the target in the finding's evidence ('expected'): "
            "sipdir.online.lync.com. / webdir.online.lync.com. for Skype for Business "
            "Online, the on-premises Edge or reverse proxy otherwise.",
     .source = "Microsoft Learn: DNS requirements for Skype for Business"),
CODE(LYNC_DEPLOYMENT, I, "lync",
     .title = "Lync deployment kind",
     .explain = "Online or on-premises, as stated in --expect or inferred from the "
                "records."),
CODE(LYNC_DNS_ERROR, F, "lync",
     .title = "DNS lookup failed",
     .explain = "A question got no answer (SERVFAIL, REFUSED, timeout), so the record "
                "could not be judged.",
     .fix = "Check that the domain's name servers answer (or the --dns-server given)."),
CODE(LYNC_SRV_OTHER_DOMAIN, W, "lync",
     .title = "SRV target in another domain",
     .explain = "The SRV target is not in the SRV record's own domain; mobile clients and "
                "strict certificate checks need it to be.",
     .fix = "Use an SRV target host in the same domain as the SRV record (mobility needs "
            "it).",
     .source = "Microsoft Learn: DNS requirements for Skype for Business"),
CODE(LYNC_CERT_INVALID, F, "lync",
     .title = "SRV target certificate not valid",
     .explain = "The certificate of a Lync / Skype for Business SRV target fails "
                "validation (name, chain or dates): clients and federation partners "
                "refuse the connection. cert explains the certificate problem.",
     .fix = "Install a certificate on the SRV target that carries its name and chains to "
            "a public CA: federation partners and clients refuse this one.",
     .source = "RFC 6125; RFC 5280"),
CODE(LYNC_NOT_DEPLOYED, I, "lync",
     .title = "Teams only: no Skype for Business records",
     .explain = "None of sip, lyncdiscover, _sip._tls and _sipfederationtls._tcp is "
                "published. Skype for Business Online was retired on 2021-07-31 and a "
                "Teams-only tenant needs none of them; only federation with Skype for "
                "Business Server users and other Microsoft clouds needs the "
                "_sipfederationtls._tcp SRV record.",
     .fix = "Nothing to do for Teams alone. For federation with Skype for Business Server "
            "and other clouds publish _sipfederationtls._tcp.DOMAIN SRV 100 1 5061 "
            "sipfed.online.lync.com.",
     .source = "Microsoft Learn: External DNS records required for Microsoft 365 "
               "(Teams); Skype for Business Online retirement"),
