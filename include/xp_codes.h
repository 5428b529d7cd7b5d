/*
 * xp_codes.h — the finding codes (SPEC: stable; extend, never rename).
 *
 * The one source of what a code is: its row in probes/codes.c gives the
 * check that reports it, the default severity, a title, the explanation
 * (what it means, why it matters), the generic fix shown when a check gives
 * no specific one, and the source (RFC, Microsoft document). --explain,
 * --help and the docs tests read that table. Adding a code: its name in
 * XP_CODE_LIST below, its row in probes/codes.c, its line in README.md and
 * exprobe.1 (tests/integration/test_docs.py compares them with the binary).
 */
#ifndef XP_CODES_H
#define XP_CODES_H

#include <stdio.h>

/* In the order of precedence (SPEC: fail > unknown > warn > pass): a
 * finding of severity unknown means "no verdict could be reached". */
enum xp_severity {
    XP_SEV_INFO,
    XP_SEV_WARN,
    XP_SEV_UNKNOWN,
    XP_SEV_FAIL,
};

#define XP_CODE_LIST(X)                                                    \
    /* run-wide: the premises every check depends on */                  \
    X(DOMAIN_NOT_FOUND) X(RESOLVER_UNREACHABLE) X(RESOLVER_PARTIAL)        \
    X(CHECK_INTERRUPTED) X(DOMAIN_INVALID)                                 \
    /* autodiscover */                                                     \
    X(AUTOD_OK) X(AUTOD_NO_ENDPOINT) X(AUTOD_DNS_MISSING)                  \
    X(AUTOD_CONNECT_FAILED) X(AUTOD_REDIRECT) X(AUTOD_REDIRECT_INSECURE)   \
    X(AUTOD_REDIRECT_LOOP) X(AUTOD_SRV) X(AUTOD_BAD_RESPONSE)              \
    X(AUTOD_AUTH_FAILED) X(XML_UNSAFE) X(AUTOD_CERT_INVALID)              \
    /* preauth */                                                          \
    X(PREAUTH_DETECTED) X(FEDERATION_INFO_OK) X(FEDERATION_INFO_FAILED)    \
    X(MRSPROXY_UNREACHABLE) X(PREAUTH_HOST_UNREACHABLE)                    \
    X(EXCHANGE_BUILD) X(EXCHANGE_UNSUPPORTED)                              \
    X(EXCHANGE_BELOW_HYBRID_APP_BUILD)                                     \
    /* hybridauth (and Autodiscover v2) */                                 \
    X(AUTODV2_OK) X(AUTODV2_FAILED) X(HMA_ENABLED) X(HMA_NOT_ENABLED)      \
    X(HMA_NO_AUTHORIZATION_URI) X(HMA_TENANT_MISMATCH) X(AUTH_NTLM_BROKEN) \
    X(AUTH_H2_WINDOWS_AUTH) X(EP_PROXY_RISK)                               \
    /* cert */                                                             \
    X(CERT_NAME_MISMATCH) X(CERT_EXPIRED) X(CERT_NOT_YET_VALID)            \
    X(CERT_EXPIRING_SOON) X(CERT_UNTRUSTED) X(CERT_SELF_SIGNED)            \
    X(CERT_WEAK) X(CERT_MSSTD_MISMATCH)                                    \
    X(CERT_OK) X(CERT_CN_ONLY) X(CERT_MSSTD_SAN_ONLY)                      \
    X(CERT_HANDSHAKE_FAILED) X(CERT_CONNECT_FAILED)                        \
    X(CERT_WRONG_PURPOSE) X(CERT_EXTRA_EXPIRED) X(CERT_INCOMPLETE_CHAIN)   \
    X(CERT_REVOKED) X(TLS_WEAK_KEY_EXCHANGE)                               \
    /* smtp */                                                             \
    X(SMTP_MX_MISSING) X(SMTP_CONNECT_FAILED) X(SMTP_TIMEOUT)              \
    X(SMTP_ESMTP_INSPECTION) X(SMTP_NO_STARTTLS) X(SMTP_STARTTLS_FAILED)   \
    X(SMTP_TLS_REQUIRED) X(SMTP_TLS_OLD_PROTOCOL) X(SMTP_PROTOCOL_ERROR)   \
    X(SMTP_OK) X(SMTP_CLIENT_IP) X(SMTP_REJECTED) X(SMTP_DNS_ERROR)        \
    X(CONNECTOR_CERT_MISMATCH) X(CONNECTOR_CERT_RENEWAL) X(SMTP_CERT_INVALID)                        \
    /* dnsbl */                                                            \
    X(DNSBL_LISTED) X(DNSBL_QUERY_BLOCKED) X(DNSBL_CLEAN)                  \
    X(CONNECTOR_IP_MISMATCH)                                               \
    X(DNSBL_ZONE_UNRELIABLE) X(DNSBL_QUERY_FAILED)                         \
    /* dane */                                                             \
    X(DANE_OK) X(DANE_NOT_DEPLOYED) X(DANE_NO_DNSSEC) X(DANE_TLSA_MISMATCH) \
    X(DANE_BOGUS) X(DANE_NO_ROLLOVER)                                      \
    /* dkim */                                                             \
    X(DKIM_OK) X(DKIM_CNAME_MISSING) X(DKIM_CNAME_WRONG_TENANT)            \
    X(DKIM_KEY_MISSING) X(DKIM_KEY_INVALID) X(DKIM_KEY_WEAK)               \
    X(DKIM_DNS_ERROR)                                                      \
    /* dmarc */                                                            \
    X(DMARC_OK) X(DMARC_MISSING) X(DMARC_INVALID) X(DMARC_POLICY_NONE)     \
    X(DMARC_RUA_UNAUTHORIZED) X(DMARC_DEPRECATED_TAG) X(DMARC_EXO_FAILS)   \
    X(DMARC_DNS_ERROR)                                                     \
    /* mtasts */                                                           \
    X(MTASTS_OK) X(MTASTS_MISSING) X(MTASTS_TXT_INVALID)                   \
    X(MTASTS_POLICY_UNREACHABLE) X(MTASTS_POLICY_INVALID)                  \
    X(MTASTS_MX_NOT_COVERED) X(MTASTS_MX_CERT_INVALID) X(MTASTS_TESTING)   \
    X(TLSRPT_MISSING) X(TLSRPT_INVALID)                                    \
    /* cname */                                                            \
    X(CNAME_MISSING) X(CNAME_WRONG_TARGET) X(TXT_VERIFICATION_MISSING)     \
    X(MX_NOT_EXO) X(SPF_MISSING_INCLUDE)                                   \
    X(CNAME_OK) X(CNAME_DEPLOYMENT) X(CNAME_MSOID) X(CNAME_DNS_ERROR)      \
    X(TXT_VERIFICATION_FOUND) X(MX_MIXED) X(SPF_MISSING) X(SPF_MULTIPLE)   \
    X(SPF_TOO_MANY_LOOKUPS) X(MX_DANE_MIGRATION) X(VERIFICATION_MX_LEFTOVER)        \
    X(CNAME_INTUNE_MISSING)                           \
    /* lync */                                                             \
    X(LYNC_SRV_MISSING) X(LYNC_SRV_WRONG) X(LYNC_CNAME_MISSING)            \
    X(LYNC_UNREACHABLE)                                                    \
    X(LYNC_OK) X(LYNC_CNAME_WRONG) X(LYNC_DEPLOYMENT) X(LYNC_DNS_ERROR)    \
    X(LYNC_SRV_OTHER_DOMAIN) X(LYNC_CERT_INVALID) X(LYNC_NOT_DEPLOYED)

enum xp_code {
#define XP_CODE_ENUM(name) XP_##name,
    XP_CODE_LIST(XP_CODE_ENUM)
#undef XP_CODE_ENUM
    XP_CODE_COUNT
};

/* One row of the table; rows use designated initializers, so the
 * optional fields (fix, source) may be left out. */
struct xp_code_info {
    const char *name;              /* "SMTP_NO_STARTTLS"                     */
    const char *check;             /* the check id(s) that report it, comma-
                                    * separated ("autodiscover,preauth");
                                    * "run" for run-wide codes              */
    enum xp_severity severity;     /* default severity                       */
    const char *title;             /* a few words: "STARTTLS not offered"    */
    const char *explain;           /* what it means and why it matters       */
    const char *fix;               /* generic fix; NULL for pure information */
    const char *source;            /* RFC / document; NULL when none applies */
};

/* Never NULL for a valid code. */
const struct xp_code_info *xp_code_info(enum xp_code code);

/* Code by name, or -1. */
int xp_code_by_name(const char *name);

/* Does the code's row name check id among its checks? */
int xp_code_of_check(const struct xp_code_info *info, const char *id);

/* --explain CODE: the row as text for people, on out. */
void xp_code_explain(FILE *out, const struct xp_code_info *info);

const char *xp_severity_name(enum xp_severity sev);

#endif
