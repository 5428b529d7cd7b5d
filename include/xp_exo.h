/*
 * xp_exo.h — is this MX Exchange Online's, and which kind? One rule for
 * every check (cname, smtp, dane, mtasts, the pre-flight, the connector
 * checks), pure functions with no I/O (probes/exo_mx.c, tested in
 * tests/unit/test_exo_mx.c).
 *
 * Exchange Online receives mail on two families of MX names:
 *   legacy  <domain-dashes>.mail.protection.outlook.com, and the sovereign
 *           clouds' mail.protection.office365.us (GCC High / DoD),
 *           mail.protection.partner.outlook.cn (21Vianet),
 *           mail.protection.outlook.de (the retired German cloud). These
 *           zones are not DNSSEC-signed: no inbound DANE.
 *   dnssec  <domain-dashes>.<x>-v1.mx.microsoft (Enable-DnssecForVerifiedDomain,
 *           GA October 2024): a signed zone with Microsoft's TLSA at
 *           _25._tcp.<host>, the MX for inbound DANE.
 * Both at once is the migration of modern.md §2 (MX_DANE_MIGRATION, never
 * MX_MIXED). Everything else is the customer's host (or another
 * provider's): only those get connector-certificate checks.
 */
#ifndef XP_EXO_H
#define XP_EXO_H

#include <stddef.h>

enum xp_exo_kind {
    XP_EXO_NOT,          /* not Exchange Online: the customer's (or a third party's) host */
    XP_EXO_LEGACY,       /* *.mail.protection.outlook.com and the sovereign suffixes */
    XP_EXO_DNSSEC,       /* *.<x>-v1.mx.microsoft */
};

struct xp_exo_mx {
    enum xp_exo_kind kind;
    const char *cloud;   /* "worldwide", "gcc-high", "21vianet", "germany"; static;
                          * "custom" for --expect's mx_suffix; NULL when XP_EXO_NOT */
    char zone[64];       /* the suffix matched: "mail.protection.outlook.com",
                          * "j-v1.mx.microsoft"; empty when XP_EXO_NOT */
};

/*
 * Classify an MX host name (trailing dot and case ignored). extra_suffix
 * (--expect's mx_suffix; NULL or "" for none) is one more legacy suffix.
 * out may be NULL. A host equal to a suffix (no tenant label) is not
 * Exchange Online's.
 */
enum xp_exo_kind xp_exo_mx_classify(const char *host, const char *extra_suffix,
                                    struct xp_exo_mx *out);

/* Shorthand: classify(...) != XP_EXO_NOT. */
int xp_exo_mx_is_exo(const char *host, const char *extra_suffix);
/* What a finding about the endpoint host:port is about (enum xp_about in
 * xp_model.h): XP_ABOUT_EXO_HOST for a host of Exchange Online, and
 * XP_ABOUT_SMTP_PORT for port 25 or 587. */
unsigned xp_exo_about_endpoint(const char *host, int port);

/* "legacy" / "dnssec" / "customer" (JSON evidence values). */
const char *xp_exo_kind_name(enum xp_exo_kind kind);

/* An MX set, counted by kind. */
struct xp_exo_mx_set {
    int legacy, dnssec, other;
    int legacy_pref, dnssec_pref;   /* lowest preference seen of each kind; -1 none */
};

enum xp_exo_state {
    XP_EXO_SET_EMPTY,        /* no MX */
    XP_EXO_SET_CUSTOMER,     /* only the customer's hosts */
    XP_EXO_SET_LEGACY,       /* only legacy EXO MX */
    XP_EXO_SET_DNSSEC,       /* only *.mx.microsoft */
    XP_EXO_SET_MIGRATION,    /* legacy and *.mx.microsoft, no customer host */
    XP_EXO_SET_MIXED,        /* Exchange Online (either kind) and customer hosts */
};

void xp_exo_mx_set_init(struct xp_exo_mx_set *s);
void xp_exo_mx_set_add(struct xp_exo_mx_set *s, const char *host, int preference,
                       const char *extra_suffix);
enum xp_exo_state xp_exo_mx_set_state(const struct xp_exo_mx_set *s);

/*
 * The next step of a migration (legacy + new MX) as one sentence, from the
 * preferences: the new MX not yet preferred -> swap the priorities; the new
 * MX preferred -> remove the legacy MX, then Enable-SmtpDaneInbound.
 * Into buf; empty when s is not a migration.
 */
void xp_exo_migration_next_step(const struct xp_exo_mx_set *s, const char *domain, char *buf,
                                size_t len);

/*
 * The MTA-STS mx: pattern that covers host with one wildcard label
 * ("*.j-v1.mx.microsoft", "*.mail.protection.outlook.com"), into buf.
 * Returns 0 and buf empty when host is not Exchange Online's.
 */
int xp_exo_mx_sts_pattern(const char *host, char *buf, size_t len);

/* The tenant label Microsoft derives from a domain: "contoso.com" ->
 * "contoso-com" (dots to dashes, lower case, trailing dot dropped). */
void xp_exo_tenant_label(const char *domain, char *buf, size_t len);

#endif
