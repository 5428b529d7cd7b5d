/*
 * cert.c — the certificate judgement (xp_cert.h). OpenSSL decides what it
 * is good at deciding — host-name matching (X509_check_host) and chain
 * building and verification (X509_verify_cert) — and this file turns its
 * answers into findings a person understands: the names the certificate
 * does carry, why a wildcard does not cover the name, which link of the
 * chain is missing, how many days are left.
 */
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_exo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MATCH_FLAGS X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS

X509_STORE *
xp_cert_store_new(const char *ca_file, char *err, size_t errlen)
{
    X509_STORE *store = X509_STORE_new();

    if (!store)
        xp_fatal("X509_STORE_new failed");
    if (!ca_file) {
        X509_STORE_set_default_paths(store);
        return store;
    }
    {
        FILE *fp = fopen(ca_file, "r");

        if (!fp) {
            snprintf(err, errlen, "cannot read --ca-file '%s': %s", ca_file, strerror(errno));
            X509_STORE_free(store);
            return NULL;
        }
        fclose(fp);
    }
    if (X509_STORE_load_file(store, ca_file) != 1) {
        unsigned long e = ERR_get_error();
        const char *why = e ? ERR_reason_error_string(e) : NULL;

        snprintf(err, errlen, "--ca-file '%s' holds no usable PEM certificate%s%s", ca_file,
                 why ? ": " : "", why ? why : "");
        ERR_clear_error();
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

/* ---- names ----
 *
 * Names are length-counted bytes from the certificate (ASN.1 strings may
 * hold NUL and control bytes: "mail.contoso.com\0.evil.example"). A name
 * is compared only when every byte is printable ASCII other than '\\';
 * any other name matches nothing and is shown escaped (\xHH, \\), so the
 * evidence never shows a truncated or terminal-controlling name, and an
 * escaped name can never equal a clean one. */

static int
name_is_clean(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '\\')
            return 0;
    return 1;
}

/* Printable ASCII as it is; every other byte, and '\\', escaped. */
static char *
name_escape(const unsigned char *p, size_t n)
{
    struct xp_buf out = { 0 };
    size_t i;

    xp_buf_add(&out, "", 0);
    for (i = 0; i < n; i++) {
        char hex[5];

        if (p[i] == '\\') {
            xp_buf_add(&out, "\\\\", 2);
        } else if (p[i] >= 0x20 && p[i] < 0x7f) {
            xp_buf_add(&out, (const char *)p + i, 1);
        } else {
            snprintf(hex, sizeof(hex), "\\x%02x", p[i]);
            xp_buf_add(&out, hex, 4);
        }
    }
    return out.s;
}

static char *
name_oneline(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *out;
    long n;

    /* RFC 2253 escaping (ESC_CTRL: control bytes, NUL included, as \XX). */
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    n = BIO_get_mem_data(bio, &data);
    out = n > 0 && data ? xp_utf8_clean(data, (size_t)n, (size_t)n + 4) : xstrdup("");
    BIO_free(bio);
    return out;
}

/* The subject CN's bytes (*len of them), or NULL. */
static unsigned char *
subject_cn(X509 *x, size_t *len)
{
    X509_NAME *name = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    unsigned char *utf8 = NULL, *out;
    int n;

    *len = 0;
    if (i < 0)
        return NULL;
    n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n < 0)
        return NULL;
    out = (unsigned char *)xstrndup((char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    *len = (size_t)n;
    return out;
}

static void
push(char ***names, size_t *n, char *s)
{
    *names = xrealloc(*names, (*n + 1) * sizeof(char *));
    (*names)[(*n)++] = s;
}

/* One name for the list: as it is when clean; escaped for display, or
 * left out (it matches nothing) when the list is for comparing. */
static void
push_name(char ***names, size_t *n, const char *prefix, const unsigned char *p, size_t len,
          int display)
{
    if (name_is_clean(p, len)) {
        push(names, n, xasprintf("%s%.*s", prefix, (int)len, (const char *)p));
    } else if (display) {
        char *e = name_escape(p, len);

        push(names, n, xasprintf("%s%s", prefix, e));
        free(e);
    }
}

static char **
cert_names(X509 *x, size_t *n, int display)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    char **names = NULL;
    int i, dns = 0;

    *n = 0;
    for (i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *s = g->d.dNSName;

            push_name(&names, n, "", ASN1_STRING_get0_data(s),
                      (size_t)ASN1_STRING_length(s), display);
            dns++;
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *ip = g->d.iPAddress;
            char buf[INET6_ADDRSTRLEN] = "";

            if (ASN1_STRING_length(ip) == 4)
                inet_ntop(AF_INET, ASN1_STRING_get0_data(ip), buf, sizeof(buf));
            else if (ASN1_STRING_length(ip) == 16)
                inet_ntop(AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof(buf));
            push(&names, n, xasprintf("IP:%s", buf));
        }
    }
    GENERAL_NAMES_free(sans);
    if (!dns) {
        size_t len;
        unsigned char *cn = subject_cn(x, &len);

        if (cn)
            push_name(&names, n, "CN=", cn, len, display);
        free(cn);
    }
    return names;
}

char **
xp_cert_names(X509 *x, size_t *n)
{
    return cert_names(x, n, 1);
}

static int
has_san_dns(X509 *x)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int i, found = 0;

    for (i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++)
        if (sk_GENERAL_NAME_value(sans, i)->type == GEN_DNS)
            found = 1;
    GENERAL_NAMES_free(sans);
    return found;
}

int
xp_cert_host_matches(X509 *x, const char *host, int *cn_only)
{
    size_t len = strlen(host);

    *cn_only = 0;
    if (!name_is_clean((const unsigned char *)host, len))
        return 0;
    if (xp_is_ip(host))
        return X509_check_ip_asc(x, host, 0) == 1;
    /* "mail.contoso.com." is the same name; X509_check_host compares text. */
    if (len > 1 && host[len - 1] == '.')
        len--;
    if (X509_check_host(x, host, len, MATCH_FLAGS, NULL) != 1)
        return 0;
    *cn_only = !has_san_dns(x);
    return 1;
}

/* A name no public CA may issue: one label, or a private-use suffix. */
static int
is_internal_name(const char *name)
{
    static const char *const suffixes[] = { "local", "lan", "internal", "corp", "localdomain",
                                            "intra", "home", "intranet", "private" };
    size_t i;

    if (!strchr(name, '.'))
        return 1;
    for (i = 0; i < XP_ARRAY_LEN(suffixes); i++)
        if (xp_name_ends_with(name, suffixes[i]))
            return 1;
    return 0;
}

const char *
xp_cert_mismatch_hint(X509 *x, const char *host)
{
    size_t n, i;
    char **names = cert_names(x, &n, 0);
    const char *hint = NULL;
    int internal = 0;

    for (i = 0; i < n && !hint; i++) {
        const char *name = names[i];

        if (strncmp(name, "CN=", 3) == 0)
            name += 3;
        if (strncmp(name, "*.", 2) == 0) {
            const char *base = name + 2;

            if (xp_name_eq(host, base))
                hint = "a wildcard does not cover the apex: *.X matches a.X, not X itself";
            else if (xp_name_ends_with(host, base))
                hint = "a wildcard covers one label only: *.X matches a.X, not a.b.X";
        }
        if (is_internal_name(name))
            internal = 1;
    }
    if (!hint && internal && !is_internal_name(host))
        hint = "the certificate carries internal names on a public endpoint "
               "(no public CA issues those)";
    xp_strv_free(names, n);
    return hint;
}

int
xp_cert_msstd_match(X509 *x, const char *msstd)
{
    const char *want;
    unsigned char *cn;
    size_t len;
    int cn_match;

    if (strncasecmp(msstd, "msstd:", 6) != 0)
        return -1;
    want = msstd + 6;
    if (!name_is_clean((const unsigned char *)want, strlen(want)))
        return 0;   /* OpenSSL would compare control bytes as text */
    cn = subject_cn(x, &len);
    /* Length and bytes: "mail.contoso.com\0.evil.example" is not
     * mail.contoso.com. */
    cn_match = cn && name_is_clean(cn, len) && len == strlen(want) &&
               strncasecmp((const char *)cn, want, len) == 0;
    free(cn);
    if (cn_match)
        return 2;
    /* A SAN match is accepted by Windows Vista SP1 and later. A literal
     * wildcard principal is compared as text first, then as a pattern. */
    {
        size_t n, i;
        char **names = cert_names(x, &n, 0);
        int found = 0;

        for (i = 0; i < n && !found; i++)
            found = strcasecmp(names[i], want) == 0;
        xp_strv_free(names, n);
        if (found)
            return 1;
    }
    if (strchr(want, '*') == NULL && X509_check_host(x, want, 0, MATCH_FLAGS, NULL) == 1)
        return 1;
    return 0;
}

long
xp_cert_days_until(const ASN1_TIME *t, time_t now)
{
    ASN1_TIME *ref = ASN1_TIME_set(NULL, now);
    int days = 0, secs = 0;

    ASN1_TIME_diff(&days, &secs, ref, t);
    ASN1_TIME_free(ref);
    if (days == 0 && secs < 0)
        return -1;   /* expired less than a day ago */
    return days;
}

/* Whole days until t, counting a started day as one (for "valid in N days"). */
static long
days_until_ceil(const ASN1_TIME *t, time_t now)
{
    ASN1_TIME *ref = ASN1_TIME_set(NULL, now);
    int days = 0, secs = 0;

    ASN1_TIME_diff(&days, &secs, ref, t);
    ASN1_TIME_free(ref);
    return days + (secs > 0 ? 1 : 0);
}

void
xp_cert_key_desc(X509 *x, char *buf, size_t len, int *weak)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    int bits = pk ? EVP_PKEY_get_bits(pk) : 0;
    int id = pk ? EVP_PKEY_get_base_id(pk) : 0;

    *weak = 0;
    switch (id) {
    case EVP_PKEY_RSA:
        snprintf(buf, len, "RSA %d", bits);
        *weak = bits < 2048;
        break;
    case EVP_PKEY_DSA:
        snprintf(buf, len, "DSA %d", bits);
        *weak = bits < 2048;
        break;
    case EVP_PKEY_EC: {
        char curve[64] = "";

        EVP_PKEY_get_utf8_string_param(pk, "group", curve, sizeof(curve), NULL);
        snprintf(buf, len, "EC %d (%s)", bits, curve);
        *weak = bits < 224;
        break;
    }
    case EVP_PKEY_ED25519:
        snprintf(buf, len, "Ed25519");
        break;
    default:
        snprintf(buf, len, "%s %d", pk ? OBJ_nid2sn(id) : "unknown", bits);
        break;
    }
}

/* ---- evidence ---- */

static char *
asn1_time_text(const ASN1_TIME *t)
{
    struct tm tm;
    char buf[32];

    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return xstrdup("?");
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

static char *
fingerprint(X509 *x)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    struct xp_buf b = { 0 };

    X509_digest(x, EVP_sha256(), md, &n);
    for (i = 0; i < n; i++)
        xp_buf_printf(&b, "%s%02X", i ? ":" : "", md[i]);
    return b.s;
}

static char *
serial_text(X509 *x)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    char *out = xstrdup(hex ? hex : "?");

    OPENSSL_free(hex);
    BN_free(bn);
    return out;
}

/* "0 CN=leaf <- CN=issuer" for every certificate the server sent. */
static char **
chain_lines(STACK_OF(X509) *chain, size_t *n)
{
    char **lines = xcalloc((size_t)sk_X509_num(chain) + 1, sizeof(char *));
    int i;

    for (i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        char *s = name_oneline(X509_get_subject_name(x));
        char *is = name_oneline(X509_get_issuer_name(x));

        lines[i] = xasprintf("%d %s (issued by %s)", i, s, is);
        free(s);
        free(is);
    }
    *n = (size_t)sk_X509_num(chain);
    return lines;
}

/* Add a string the finding takes over (s is freed). */
static void
ev_own(struct xp_finding *f, const char *key, char *s)
{
    xp_ev_str(f, key, s);
    free(s);
}

static void
ev_endpoint(struct xp_finding *f, const struct xp_tls_info *info)
{
    xp_ev_str(f, "host", info->host);
    xp_ev_int(f, "port", info->port);
    xp_ev_str(f, "address", info->ip);
    xp_finding_about(f, xp_exo_about_endpoint(info->host, info->port));
}

/* The negotiated protocol, and whether it is older than TLS 1.2. */
static void
ev_protocol(struct xp_finding *f, const struct xp_tls_info *info)
{
    xp_ev_str(f, "protocol", info->protocol);
    if (xp_tls_protocol_rule(info->protocol))
        xp_finding_about(f, XP_ABOUT_OLD_PROTOCOL);
}

/* Names shown of one certificate: a 10,000-name certificate is evidence,
 * not 10,000 lines; the cut is said to be ours. */
#define SHOW_NAMES 50

static void
ev_names(struct xp_finding *f, X509 *x)
{
    size_t n;
    char **names = xp_cert_names(x, &n);

    if (n > SHOW_NAMES) {
        char *keep = names[SHOW_NAMES];

        names[SHOW_NAMES] = xasprintf("... and %zu more names (exprobe shows at most %d; "
                                      "names_total has the count)", n - SHOW_NAMES,
                                      SHOW_NAMES);
        xp_ev_list(f, "names", names, SHOW_NAMES + 1);
        free(names[SHOW_NAMES]);
        names[SHOW_NAMES] = keep;
        xp_ev_int(f, "names_total", (long long)n);
    } else {
        xp_ev_list(f, "names", names, n);
    }
    xp_strv_free(names, n);
}

static void
ev_cert(struct xp_finding *f, const struct xp_tls_info *info)
{
    X509 *x = sk_X509_value(info->chain, 0);
    size_t n;
    char key[64];
    int weak;

    ev_endpoint(f, info);
    ev_own(f, "subject", name_oneline(X509_get_subject_name(x)));
    ev_own(f, "issuer", name_oneline(X509_get_issuer_name(x)));
    ev_names(f, x);
    ev_own(f, "serial", serial_text(x));
    ev_own(f, "not_before", asn1_time_text(X509_get0_notBefore(x)));
    ev_own(f, "not_after", asn1_time_text(X509_get0_notAfter(x)));
    ev_own(f, "sha256", fingerprint(x));
    xp_cert_key_desc(x, key, sizeof(key), &weak);
    xp_ev_str(f, "key", key);
    xp_ev_str(f, "signature", OBJ_nid2ln(X509_get_signature_nid(x)));
    {
        char **lines = chain_lines(info->chain, &n);

        xp_ev_list(f, "chain", lines, n);
        xp_strv_free(lines, n);
    }
    ev_protocol(f, info);
    xp_ev_str(f, "cipher", info->cipher);
}

/* The few fields that say which certificate a finding is about. */
static void
ev_cert_brief(struct xp_finding *f, const struct xp_tls_info *info, X509 *x)
{
    char key[64];
    int weak;

    ev_endpoint(f, info);
    ev_own(f, "subject", name_oneline(X509_get_subject_name(x)));
    ev_own(f, "not_after", asn1_time_text(X509_get0_notAfter(x)));
    xp_cert_key_desc(x, key, sizeof(key), &weak);
    xp_ev_str(f, "key", key);
    xp_ev_str(f, "signature", OBJ_nid2ln(X509_get_signature_nid(x)));
    ev_protocol(f, info);
}

static int
self_issued(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}


/* ---- the connector's TlsCertificateName: what a renewal must keep ---- */

/*
 * CAs that issue from several intermediates in turn: a connector pinned to
 * one issuer (<I>...<S>...) stops matching when a renewal comes from
 * another (modern.md (b)8: 200/100/47-day certificates renew often).
 */
static const struct rotating_ca {
    const char *org;              /* the issuer's O= */
    const char *cns[16];          /* its intermediates' CN=, NULL-ended */
    const char *family;
} rotating_cas[] = {
    { "Let's Encrypt",
      { "R3", "R4", "R10", "R11", "R12", "R13", "R14", "E1", "E2", "E5", "E6", "E7", "E8",
        "E9", NULL },
      "Let's Encrypt (R10-R14 and E5-E9 since 2024, one chosen at each issuance; "
      "letsencrypt.org/certificates)" },
    { "Google Trust Services",
      { "WR1", "WR2", "WR3", "WR4", "WR5", "WE1", "WE2", "WE3", "WE4", "GTS CA 1D4",
        "GTS CA 1P5", NULL },
      "Google Trust Services (WR1-WR5, WE1-WE4; pki.goog/repository)" },
};

char *
xp_cert_name_text(const X509_NAME *name)
{
    return name_oneline(name);
}

int
xp_connector_name_split(const char *v, char *issuer, size_t ilen, char *subject, size_t slen)
{
    const char *s;

    if (strncmp(v, "<I>", 3) != 0 || !(s = strstr(v, "<S>")))
        return 0;
    snprintf(issuer, ilen, "%.*s", (int)(s - v - 3), v + 3);
    snprintf(subject, slen, "%s", s + 3);
    return 1;
}

/* Has name an entry nid equal (case-insensitively) to want[0..n)? */
static int
name_has(const X509_NAME *name, int nid, const char *want, size_t n)
{
    int i = -1;

    while ((i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0) {
        unsigned char *u = NULL;
        int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
        int eq = len >= 0 && (size_t)len == n && strncasecmp((char *)u, want, n) == 0;

        OPENSSL_free(u);
        if (eq)
            return 1;
    }
    return 0;
}

/* The attribute Windows writes as key ("CN", "S", "E", ...). */
static int
x500_nid(const char *key, size_t n)
{
    static const struct { const char *key; int nid; } keys[] = {
        { "CN", NID_commonName }, { "O", NID_organizationName },
        { "OU", NID_organizationalUnitName }, { "C", NID_countryName },
        { "L", NID_localityName }, { "S", NID_stateOrProvinceName },
        { "ST", NID_stateOrProvinceName }, { "E", NID_pkcs9_emailAddress },
        { "DC", NID_domainComponent }, { "SERIALNUMBER", NID_serialNumber },
    };
    size_t i;

    for (i = 0; i < XP_ARRAY_LEN(keys); i++)
        if (strlen(keys[i].key) == n && strncasecmp(keys[i].key, key, n) == 0)
            return keys[i].nid;
    return NID_undef;
}

int
xp_cert_x500_match(const X509_NAME *name, const char *text)
{
    const char *p = text;
    int count = 0;

    while (*p) {
        const char *end = strchr(p, ','), *eq;
        size_t n;
        int nid;

        if (!end)
            end = p + strlen(p);
        while (*p == ' ')
            p++;
        eq = memchr(p, '=', (size_t)(end - p));
        if (!eq)
            return 0;
        nid = x500_nid(p, (size_t)(eq - p));
        n = (size_t)(end - eq - 1);
        while (n > 0 && eq[n] == ' ')
            n--;
        if (nid == NID_undef || !name_has(name, nid, eq + 1, n))
            return 0;
        count++;
        p = *end ? end + 1 : end;
    }
    return count > 0 && count == X509_NAME_entry_count(name);
}

const char *
xp_cert_rotating_issuer(const X509_NAME *issuer)
{
    size_t i, k;

    for (i = 0; i < XP_ARRAY_LEN(rotating_cas); i++) {
        const struct rotating_ca *ca = &rotating_cas[i];

        if (!name_has(issuer, NID_organizationName, ca->org, strlen(ca->org)))
            continue;
        for (k = 0; ca->cns[k]; k++)
            if (name_has(issuer, NID_commonName, ca->cns[k], strlen(ca->cns[k])))
                return ca->family;
    }
    return NULL;
}

/* ---- the severity table ---- */

/* What mainstream clients do with each weakness: fail when Windows /
 * Outlook, Exchange Online or current browsers refuse it, warn when it is
 * deprecated but still accepted. exprobe.1 documents the same rows. */
static const struct xp_cert_rule rules[XP_RULE_COUNT] = {
    [XP_RULE_KEY_TINY] = { "key_under_1024", XP_SEV_FAIL, "RSA/DSA key under 1024 bits",
        "refused by Windows (RSA < 1024 blocked since 2012), every browser and OpenSSL",
        "Microsoft KB2661254; OpenSSL SSL_CTX_set_security_level(3)" },
    [XP_RULE_KEY_SHORT] = { "key_under_2048", XP_SEV_WARN, "RSA/DSA key of 1024-2047 bits",
        "deprecated: public CAs stopped issuing them in 2013 and OpenSSL clients at "
        "Debian's default security level 2 refuse them; Windows still accepts",
        "CA/Browser Forum Baseline Requirements 6.1.5; NIST SP 800-131A" },
    [XP_RULE_EC_SHORT] = { "ec_under_224", XP_SEV_FAIL, "EC key under 224 bits",
        "refused by browsers and OpenSSL (below 112-bit security)",
        "CA/Browser Forum Baseline Requirements 6.1.5; OpenSSL security levels" },
    [XP_RULE_SIG_MD5] = { "md5_signature", XP_SEV_FAIL, "MD5 signature",
        "refused by every current client (forged CA certificates, 2008)",
        "RFC 6151; Microsoft Security Advisory 2862973; OpenSSL 3 security level 1" },
    [XP_RULE_SIG_SHA1] = { "sha1_signature", XP_SEV_FAIL,
        "SHA-1 signature on the path (a root's own self-signature excepted)",
        "refused by Chrome 57+, Firefox 52+, Edge/IE 11 on Windows (2017) and OpenSSL 3 "
        "at security level 1",
        "Microsoft SHA-1 deprecation policy (2017); Chromium SHA-1 removal (2017); "
        "OpenSSL 3.0 release notes" },
    [XP_RULE_PROTO_OLD] = { "tls_below_1_2", XP_SEV_FAIL,
        "best protocol offered TLS 1.1 or older",
        "refused by Office 365 / Exchange Online, Chrome 84+, Firefox 78+, Edge, and "
        "OpenSSL 3 at security level 1",
        "RFC 8996; Microsoft: TLS 1.0 and 1.1 deprecation in Office 365" },
    [XP_RULE_PROTO_OLD_TOO] = { "tls_1_0_accepted", XP_SEV_WARN,
        "TLS 1.2 or later negotiated, but TLS 1.0/1.1 still accepted",
        "deprecated: only old clients use it, and Office 365, browsers and OpenSSL 3 no "
        "longer do",
        "RFC 8996 (TLS 1.0 and 1.1 deprecated, 2021)" },
    [XP_RULE_CIPHER_BROKEN] = { "cipher_broken", XP_SEV_FAIL,
        "RC4, NULL, export, anonymous or single-DES cipher negotiated",
        "refused by every current client (RC4 prohibited, no encryption or no "
        "authentication)", "RFC 7465 (RC4); RFC 5246 appendix A.5; OpenSSL 3" },
    [XP_RULE_CIPHER_3DES] = { "cipher_3des", XP_SEV_WARN,
        "3DES cipher negotiated (64-bit block)",
        "deprecated: Sweet32 collisions; removed from browsers and from OpenSSL's default "
        "list", "sweet32.info (CVE-2016-2183); NIST SP 800-67r2 withdrawal" },
    [XP_RULE_DH_TINY] = { "dh_under_1024", XP_SEV_FAIL, "DHE group under 1024 bits",
        "refused by every browser and OpenSSL (Logjam, 2015)",
        "weakdh.org (Logjam); OpenSSL security level 1" },
    [XP_RULE_DH_SHORT] = { "dh_under_2048", XP_SEV_FAIL, "DHE group of 1024-2047 bits",
        "refused by OpenSSL clients at Debian's default security level 2; Chrome and "
        "Firefox no longer offer DHE at all",
        "OpenSSL security level 2; Chromium DHE removal (M53, 2016); Firefox 78" },
    [XP_RULE_ECDH_SHORT] = { "ecdh_under_224", XP_SEV_FAIL, "ECDHE group under 224 bits",
        "refused by browsers and OpenSSL", "RFC 8422; OpenSSL security levels" },
};

const struct xp_cert_rule *
xp_cert_rule(enum xp_cert_rule_id id)
{
    return id < XP_RULE_COUNT ? &rules[id] : NULL;
}

const struct xp_cert_rule *
xp_tls_protocol_rule(const char *protocol)
{
    if (strcmp(protocol, "TLSv1") == 0 || strcmp(protocol, "TLSv1.1") == 0 ||
        strncmp(protocol, "SSL", 3) == 0)
        return &rules[XP_RULE_PROTO_OLD];
    return NULL;
}

/* The rule the negotiated cipher (OpenSSL's name) breaks, or -1. */
static int
cipher_rule(const char *cipher)
{
    static const char *const broken[] = { "RC4", "NULL", "EXP", "ADH", "AECDH", "anon" };
    size_t i;

    if (!cipher[0])
        return -1;
    for (i = 0; i < XP_ARRAY_LEN(broken); i++)
        if (strstr(cipher, broken[i]))
            return XP_RULE_CIPHER_BROKEN;
    if (strstr(cipher, "DES-CBC3") || strstr(cipher, "3DES"))
        return XP_RULE_CIPHER_3DES;
    if (strstr(cipher, "DES-CBC") || strncmp(cipher, "DES", 3) == 0)
        return XP_RULE_CIPHER_BROKEN;
    return -1;
}

/* The rule a certificate's key breaks, or -1. */
static int
key_rule(X509 *x)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    int bits = pk ? EVP_PKEY_get_bits(pk) : 0;

    switch (pk ? EVP_PKEY_get_base_id(pk) : 0) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
    case EVP_PKEY_DSA:
        return bits < 1024 ? XP_RULE_KEY_TINY : bits < 2048 ? XP_RULE_KEY_SHORT : -1;
    case EVP_PKEY_EC:
        return bits < 224 ? XP_RULE_EC_SHORT : -1;
    default:
        return -1;
    }
}

/* The rule a certificate's signature algorithm breaks, or -1. */
static int
sig_rule(X509 *x)
{
    int md = NID_undef, pk = NID_undef;

    OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk);
    if (md == NID_md5 || md == NID_md4 || md == NID_md2)
        return XP_RULE_SIG_MD5;
    if (md == NID_sha1)
        return XP_RULE_SIG_SHA1;
    return -1;
}

/* ---- the judgement: steps and findings when there is a check, the
 * verdict always ---- */

struct judge {
    struct xp_check *c;            /* NULL: the verdict only */
    struct xp_cert_verdict *v;     /* may be NULL */
    const struct xp_tls_info *info;
    const struct xp_cert_opts *o;
    X509 *leaf;
    STACK_OF(X509) *path;          /* the path a client builds, leaf first; owned */
    int err, depth;                /* its first error that is not about dates */
    X509 *reordered;               /* set: the sent order fails, leaving this one out works */
};

static struct xp_step *
jstep(struct judge *j, struct xp_step *parent, const char *fmt, ...) XP_PRINTF(3, 4);

static struct xp_step *
jstep(struct judge *j, struct xp_step *parent, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (!j->c)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return xp_step_begin(j->c, parent, "%s", buf);
}

static void
jnote(struct xp_step *s, const char *fmt, ...) XP_PRINTF(2, 3);

static void
jnote(struct xp_step *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    if (!s)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    xp_step_note(s, "%s", buf);
}

static void
jend(struct xp_step *s, enum xp_status st, const char *detail)
{
    if (!s)
        return;
    if (detail)
        xp_step_end(s, st, "%s", detail);
    else
        xp_step_end(s, st, NULL);
}

static struct xp_finding *
jfind(struct judge *j, struct xp_step *s, enum xp_code code, const char *fmt, ...)
    XP_PRINTF(4, 5);

static struct xp_finding *
jfind(struct judge *j, struct xp_step *s, enum xp_code code, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return xp_finding_new(j->c, s, code, "%s", buf);
}

/* Count f in the verdict; add it to the check (or drop it: verdict only). */
static enum xp_status
jadd(struct judge *j, struct xp_finding *f)
{
    enum xp_status st = xp_status_of_severity(f->severity);
    struct xp_cert_verdict *v = j->v;

    if (v && f->severity != XP_SEV_INFO) {
        v->problems++;
        if (f->severity > v->severity) {
            v->severity = f->severity;
            v->code = f->code;
            snprintf(v->reason, sizeof(v->reason), "%s", f->message);
        }
    }
    if (j->c)
        xp_finding_add(f);
    else
        xp_finding_discard(f);
    return st;
}

static const char *
depth_word(int depth, int top)
{
    return depth == 0 ? "the certificate" : depth == top ? "the root" : "the intermediate";
}

/* A certificate message over OpenSSL's default limit (100 KB): OpenSSL-based
 * clients fail with "excessive message size" though we read it. */
static void
note_chain_size(struct judge *j, struct xp_step *s)
{
    long total = 0;
    int i;

    for (i = 0; i < sk_X509_num(j->info->chain); i++)
        total += i2d_X509(sk_X509_value(j->info->chain, i), NULL);
    if (total > SSL_MAX_CERT_LIST_DEFAULT)
        jnote(s, "the certificates sent are %ld bytes: more than the %d OpenSSL clients "
              "accept by default (they fail with \"excessive message size\")", total,
              SSL_MAX_CERT_LIST_DEFAULT);
}

static void
judge_name(struct judge *j, struct xp_step *parent)
{
    const struct xp_tls_info *info = j->info;
    X509 *x = j->leaf;
    struct xp_step *s = jstep(j, parent, "Name matches %s", info->host);
    size_t n, i;
    char **names = xp_cert_names(x, &n);
    int cn_only;
    struct xp_finding *f;

    for (i = 0; i < n && i < SHOW_NAMES; i++)
        jnote(s, "%s", names[i]);
    if (n > SHOW_NAMES)
        jnote(s, "... and %zu more names (exprobe shows at most %d)", n - SHOW_NAMES,
              SHOW_NAMES);
    xp_strv_free(names, n);
    if (xp_cert_host_matches(x, info->host, &cn_only)) {
        if (!cn_only) {
            jend(s, XP_ST_PASS, NULL);
            return;
        }
        f = jfind(j, s, XP_CERT_CN_ONLY, "The certificate of %s:%d matches only through its "
                  "subject CN: it has no subject alternative names", info->host, info->port);
        ev_cert_brief(f, info, x);
        jend(s, jadd(j, f), NULL);
        return;
    }
    {
        const char *hint = xp_cert_mismatch_hint(x, info->host);

        f = jfind(j, s, XP_CERT_NAME_MISMATCH, "The certificate of %s:%d is not valid for %s%s%s",
                  info->host, info->port, info->host, hint ? ": " : "", hint ? hint : "");
        ev_cert(f, info);
        if (hint)
            xp_ev_str(f, "why", hint);
        xp_finding_fix(f, "Install a certificate whose subject alternative names include %s "
                          "itself (a SAN certificate: a wildcard covers only names one label "
                          "below its base).", info->host);
        jend(s, jadd(j, f), NULL);
    }
}

/* ---- the path a client builds ---- */

static int
is_time_error(int e)
{
    return e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID ||
           e == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD ||
           e == X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD;
}

struct verify_log {
    int err, depth, count;
};

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
    struct verify_log *log = X509_STORE_CTX_get_app_data(ctx);
    int e = X509_STORE_CTX_get_error(ctx);

    /* Dates are judged on the built path on their own, with days left. */
    if (!ok && !is_time_error(e) && log->count++ == 0) {
        log->err = e;
        log->depth = X509_STORE_CTX_get_error_depth(ctx);
    }
    return 1;   /* go on: the whole path is built and judged, not only up to its first flaw */
}

/*
 * What a TLS client does with the certificates a server sent: OpenSSL's
 * verification for the server-authentication purpose, the trust store's
 * anchors tried first, the sent certificates as untrusted candidates, at
 * time now. *path gets the path built (as far as it got; owned); returns
 * its first error other than dates (X509_V_OK: trusted), depth in *depth.
 */
static int
build_path(X509_STORE *store, X509 *leaf, STACK_OF(X509) *untrusted, time_t now,
           STACK_OF(X509) **path, int *depth)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *param;
    struct verify_log log = { 0, 0, 0 };

    if (!ctx || X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
        xp_fatal("X509_STORE_CTX_init failed");
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_TRUSTED_FIRST);
    X509_VERIFY_PARAM_set_time(param, now);
    X509_STORE_CTX_set_app_data(ctx, &log);
    X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
    if (X509_verify_cert(ctx) != 1 && log.count == 0) {
        log.err = X509_STORE_CTX_get_error(ctx);
        log.depth = X509_STORE_CTX_get_error_depth(ctx);
        if (log.err == X509_V_OK)
            log.err = X509_V_ERR_UNSPECIFIED;
    }
    ERR_clear_error();
    *path = X509_STORE_CTX_get1_chain(ctx);
    if (!*path) {
        *path = sk_X509_new_null();
        X509_up_ref(leaf);
        sk_X509_push(*path, leaf);
    }
    X509_STORE_CTX_free(ctx);
    *depth = log.depth;
    return log.err;
}

static int
in_stack(STACK_OF(X509) *sk, X509 *x)
{
    int i;

    for (i = 0; i < sk_X509_num(sk); i++)
        if (X509_cmp(sk_X509_value(sk, i), x) == 0)
            return 1;
    return 0;
}

/* The certificates sent after the leaf, but for skip (may be NULL). */
static STACK_OF(X509) *
sent_intermediates(STACK_OF(X509) *chain, X509 *skip)
{
    STACK_OF(X509) *u = sk_X509_new_null();
    int i;

    for (i = 1; i < sk_X509_num(chain); i++)
        if (!skip || X509_cmp(sk_X509_value(chain, i), skip) != 0)
            sk_X509_push(u, sk_X509_value(chain, i));
    return u;
}

/* Another sent certificate for the same subject and key as x (a cross-signed
 * copy: the same CA issued by another root)? */
static int
has_other_form(STACK_OF(X509) *chain, X509 *x)
{
    int i;

    for (i = 1; i < sk_X509_num(chain); i++) {
        X509 *y = sk_X509_value(chain, i);

        if (X509_cmp(x, y) != 0 &&
            X509_NAME_cmp(X509_get_subject_name(x), X509_get_subject_name(y)) == 0 &&
            EVP_PKEY_eq(X509_get0_pubkey(x), X509_get0_pubkey(y)) == 1)
            return 1;
    }
    return 0;
}

/*
 * OpenSSL takes the first sent issuer that fits and does not come back on
 * its choice; Windows CryptoAPI, browsers and Go try every candidate. When
 * the path fails where a sent certificate has another form, try without
 * that one: if that path is trusted, it is the one the others find.
 */
static void
try_other_forms(struct judge *j)
{
    int d;

    for (d = 1; d < sk_X509_num(j->path) && !j->reordered; d++) {
        X509 *x = sk_X509_value(j->path, d);
        STACK_OF(X509) *u, *p2;
        int err, depth;

        if (!in_stack(j->info->chain, x) || !has_other_form(j->info->chain, x))
            continue;
        u = sent_intermediates(j->info->chain, x);
        err = build_path(j->o->store, j->leaf, u, j->o->now, &p2, &depth);
        sk_X509_free(u);
        if (err == X509_V_OK) {
            j->reordered = x;
            sk_X509_pop_free(j->path, X509_free);
            j->path = p2;
            j->err = X509_V_OK;
        } else {
            sk_X509_pop_free(p2, X509_free);
        }
    }
}

static void
path_build(struct judge *j)
{
    STACK_OF(X509) *u = sent_intermediates(j->info->chain, NULL);

    j->err = build_path(j->o->store, j->leaf, u, j->o->now, &j->path, &j->depth);
    sk_X509_free(u);
    if (j->err != X509_V_OK)
        try_other_forms(j);
}

/* "CN=leaf <- CN=intermediate <- CN=root" */
static char *
path_text(STACK_OF(X509) *path)
{
    struct xp_buf b = { 0 };
    int i;

    for (i = 0; i < sk_X509_num(path); i++) {
        char *s = name_oneline(X509_get_subject_name(sk_X509_value(path, i)));

        xp_buf_printf(&b, "%s%s", i ? " <- " : "", s);
        free(s);
    }
    return b.s ? b.s : xstrdup("");
}

static void
ev_path(struct xp_finding *f, STACK_OF(X509) *path)
{
    ev_own(f, "path", path_text(path));
}

/* The leaf's AIA caIssuers URL (where its issuer can be fetched), or NULL. */
static char *
ca_issuers_url(X509 *x)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
    char *url = NULL;
    int i;

    for (i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia) && !url; i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);

        if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers &&
            ad->location->type == GEN_URI) {
            const ASN1_IA5STRING *u = ad->location->d.uniformResourceIdentifier;

            url = xp_utf8_clean((const char *)ASN1_STRING_get0_data(u),
                                (size_t)ASN1_STRING_length(u), 1024);
        }
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    return url;
}

/* The extended key usages of x, "serverAuth, clientAuth", or NULL when it
 * has none (any purpose). */
static char *
eku_text(X509 *x)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    struct xp_buf b = { 0 };
    int i;

    if (!eku)
        return NULL;
    for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
        char oid[80];

        OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 0);
        xp_buf_printf(&b, "%s%s", i ? ", " : "", oid);
    }
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
    return b.s ? b.s : xstrdup("(empty)");
}

static int
is_ca_leaf(X509 *x)
{
    return X509_check_ca(x) > 0 && !self_issued(x);
}

/* The sent certificates that are not on the path, one line each. */
static char **
unused_lines(struct judge *j, size_t *n)
{
    char **lines = NULL;
    int i;

    *n = 0;
    for (i = 1; i < sk_X509_num(j->info->chain); i++) {
        X509 *x = sk_X509_value(j->info->chain, i);
        char *s;

        if (in_stack(j->path, x))
            continue;
        s = name_oneline(X509_get_subject_name(x));
        lines = xrealloc(lines, (*n + 1) * sizeof(char *));
        lines[(*n)++] = xasprintf("%d %s", i, s);
        free(s);
    }
    return lines;
}

/* The leaf's AIA caIssuers URL when it is one exprobe fetches (http). */
static char *
aia_fetch_url(X509 *leaf)
{
    char *url = ca_issuers_url(leaf);

    if (url && strncmp(url, "http://", 7) != 0) {
        free(url);
        url = NULL;
    }
    return url;
}

char *
xp_cert_aia_url(const struct xp_tls_info *info, const struct xp_cert_opts *o)
{
    struct judge j = { .info = info, .o = o };
    char *url = NULL;

    if (!info->chain || sk_X509_num(info->chain) == 0)
        return NULL;
    j.leaf = sk_X509_value(info->chain, 0);
    path_build(&j);
    if ((j.err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         j.err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) && sk_X509_num(j.path) == 1)
        url = aia_fetch_url(j.leaf);
    sk_X509_pop_free(j.path, X509_free);
    return url;
}

/*
 * What Windows does with a missing intermediate: fetch it from the leaf's
 * AIA caIssuers URL. 1: what it fetches completes a trusted path (Windows
 * succeeds, the others fail); 0: it does not (every client fails); -1: we
 * could not tell (why).
 */
static int
aia_completes(const struct judge *j, const char *url, char *why, size_t len)
{
    const struct xp_cert_fetch *doc = j->o->fetched ? j->o->fetched(j->o->fetched_arg, url)
                                                    : NULL;
    const unsigned char *p;
    STACK_OF(X509) *u, *p2;
    X509 *x;
    int err, depth;

    if (!doc || !doc->done) {
        snprintf(why, len, "not fetched");
        return -1;
    }
    if (doc->error[0]) {
        snprintf(why, len, "%s", doc->error);
        return -1;
    }
    p = doc->body;
    x = d2i_X509(NULL, &p, (long)doc->len);
    if (!x) {
        BIO *bio = BIO_new_mem_buf(doc->body, (int)doc->len);

        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
    }
    ERR_clear_error();
    if (!x) {
        snprintf(why, len, "what the URL serves is not a certificate");
        return -1;
    }
    u = sent_intermediates(j->info->chain, NULL);
    sk_X509_push(u, x);
    err = build_path(j->o->store, j->leaf, u, j->o->now, &p2, &depth);
    sk_X509_pop_free(p2, X509_free);
    sk_X509_free(u);
    X509_free(x);
    return err == X509_V_OK;
}

/* "; Windows fetches it ... " for the message, and the evidence. */
static const char *
aia_verdict(const struct judge *j, const char *url, char *ev, size_t len)
{
    char why[256];

    if (!url) {
        snprintf(ev, len, "no http AIA caIssuers URL: no client can fetch it");
        return "; the certificate names no place to fetch it from: every client fails";
    }
    switch (aia_completes(j, url, why, sizeof(why))) {
    case 1:
        snprintf(ev, len, "completes a trusted path");
        return "; Windows fetches it from the certificate's AIA URL and succeeds, OpenSSL, "
               "Java, Android and Firefox clients fail";
    case 0:
        snprintf(ev, len, "does not complete a trusted path");
        return "; what its AIA URL serves does not complete a trusted path either: every "
               "client fails";
    default:
        snprintf(ev, len, "could not tell: %s", why);
        return "";
    }
}

static struct xp_finding *
finding_missing_issuer(struct judge *j, struct xp_step *s, X509 *top)
{
    const struct xp_tls_info *info = j->info;
    char *is = name_oneline(X509_get_issuer_name(top));
    char *url = ca_issuers_url(j->leaf);
    size_t n;
    char **unused = unused_lines(j, &n);
    struct xp_finding *f;
    int d = sk_X509_num(j->path) - 1;

    if (d == 0) {
        /* The leaf's own issuer is missing: an intermediate not sent (or
         * the wrong one sent). */
        char *fetch = aia_fetch_url(j->leaf), aia[300];
        const char *said = aia_verdict(j, fetch, aia, sizeof(aia));

        f = jfind(j, s, XP_CERT_INCOMPLETE_CHAIN, "The server at %s:%d does not send the "
                  "intermediate certificate that issued its certificate: %s%s%s", info->host,
                  info->port, is, n ? " (it sends another CA certificate, which did not "
                                      "issue it)" : "", said);
        xp_ev_str(f, "reason", n ? "wrong_intermediate" : "missing_intermediate");
        xp_ev_str(f, "aia_fetch", aia);
        free(fetch);
        xp_finding_fix(f, "Install the intermediate certificate %s%s%s%s on the server (or "
                          "reverse proxy) so it sends the certificate followed by its "
                          "intermediates%s; Windows may fetch it itself, but OpenSSL, Java, "
                          "Android and Firefox clients fail.", is,
                       url ? " (download it from " : "", url ? url : "", url ? ")" : "",
                       n ? ", and remove the CA certificate that did not issue it" : "");
    } else {
        /* Intermediates were sent; what is missing is the root they lead to. */
        f = jfind(j, s, XP_CERT_UNTRUSTED, "Chain of %s:%d leads to %s, which is not a trusted "
                  "root (nor was it sent)", info->host, info->port, is);
        xp_ev_str(f, "reason", "unknown_root");
        xp_finding_fix(f, "Use a certificate from a public CA on Internet-facing names (or "
                          "add %s to the clients' trust store if it is your own CA).", is);
    }
    xp_ev_str(f, "missing_issuer", is);
    if (url)
        xp_ev_str(f, "aia_ca_issuers", url);
    if (n)
        xp_ev_list(f, "not_on_path", unused, n);
    xp_strv_free(unused, n);
    free(url);
    free(is);
    return f;
}

static int
is_name_constraint_error(int e)
{
    return e == X509_V_ERR_PERMITTED_VIOLATION || e == X509_V_ERR_EXCLUDED_VIOLATION ||
           e == X509_V_ERR_SUBTREE_MINMAX || e == X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE ||
           e == X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX ||
           e == X509_V_ERR_UNSUPPORTED_NAME_SYNTAX;
}

static struct xp_finding *
finding_purpose(struct judge *j, struct xp_step *s, X509 *x, int depth)
{
    const struct xp_tls_info *info = j->info;
    char *eku = eku_text(x);
    char *sub = name_oneline(X509_get_subject_name(x));
    struct xp_finding *f;

    if (depth == 0 && X509_check_ca(x) > 0) {
        f = jfind(j, s, XP_CERT_WRONG_PURPOSE, "%s:%d presents a CA certificate (%s, "
                  "basicConstraints CA:TRUE) as its own: clients refuse a certificate "
                  "authority's certificate as a server's", info->host, info->port, sub);
        xp_ev_str(f, "reason", "ca_certificate");
    } else if (depth == 0) {
        f = jfind(j, s, XP_CERT_WRONG_PURPOSE, "The certificate of %s:%d is not for server "
                  "authentication (extended key usage: %s; OpenSSL: unsuitable certificate "
                  "purpose) - Windows, Outlook, Exchange Online and browsers refuse it",
                  info->host, info->port, eku ? eku : "none, but the key usage forbids it");
        xp_ev_str(f, "reason", "no_server_auth");
    } else {
        f = jfind(j, s, XP_CERT_WRONG_PURPOSE, "The issuing CA %s (depth %d) of %s:%d is not "
                  "allowed to issue server certificates (extended key usage: %s)", sub, depth,
                  info->host, info->port, eku ? eku : "none");
        xp_ev_str(f, "reason", "ca_not_for_server_auth");
    }
    if (eku)
        xp_ev_str(f, "extended_key_usage", eku);
    xp_finding_fix(f, "Request the certificate from a web-server template (Windows CA: the "
                      "\"Web Server\" template; EKU serverAuth 1.3.6.1.5.5.7.3.1, key usage "
                      "digitalSignature + keyEncipherment, CA:FALSE) and bind that one.");
    free(eku);
    free(sub);
    return f;
}

static struct xp_finding *
finding_other_error(struct judge *j, struct xp_step *s)
{
    const struct xp_tls_info *info = j->info;
    int top = sk_X509_num(j->path) - 1;
    X509 *x = sk_X509_value(j->path, j->depth <= top ? j->depth : top);
    char *sub = name_oneline(X509_get_subject_name(x));
    const char *why = X509_verify_cert_error_string(j->err);
    struct xp_finding *f;

    if (j->err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
        f = jfind(j, s, XP_CERT_UNTRUSTED, "Chain of %s:%d leads to %s, which is not a "
                  "trusted root", info->host, info->port, sub);
        xp_ev_str(f, "reason", "unknown_root");
        xp_ev_str(f, "missing_issuer", sub);
        xp_finding_fix(f, "Use a certificate from a public CA on Internet-facing names (or "
                          "add %s to the clients' trust store if it is your own CA).", sub);
    } else if (is_name_constraint_error(j->err)) {
        f = jfind(j, s, XP_CERT_UNTRUSTED, "Chain of %s:%d violates a name constraint of its "
                  "CA: %s (at depth %d, %s)", info->host, info->port, why, j->depth, sub);
        xp_ev_str(f, "reason", "name_constraints");
        xp_finding_fix(f, "The issuing CA may only issue for the names in its name "
                          "constraints: have the certificate issued by a CA allowed to "
                          "issue for %s.", info->host);
    } else {
        f = jfind(j, s, XP_CERT_UNTRUSTED, "Chain of %s:%d is not trusted: %s (at depth %d, "
                  "%s)", info->host, info->port, why, j->depth, sub);
        xp_ev_str(f, "reason", "verify_error");
    }
    xp_ev_str(f, "openssl_error", why);
    free(sub);
    return f;
}

static void
judge_reordered(struct judge *j, struct xp_step *s)
{
    const struct xp_tls_info *info = j->info;
    char *sub = name_oneline(X509_get_subject_name(j->reordered));
    char *is = name_oneline(X509_get_issuer_name(j->reordered));
    struct xp_finding *f;

    f = jfind(j, s, XP_CERT_UNTRUSTED, "%s:%d sends %s in two forms, the one issued by %s "
              "(not trusted) first: OpenSSL-based clients (curl, Python, Postfix, Exim, "
              "Linux tools) fail; Windows, browsers and Go find the trusted path",
              info->host, info->port, sub, is);
    xp_finding_severity(f, XP_SEV_WARN);
    xp_ev_str(f, "reason", "cross_sign_order");
    xp_ev_str(f, "untrusted_form_issuer", is);
    ev_path(f, j->path);
    ev_cert(f, info);
    xp_finding_fix(f, "Remove the copy of %s issued by %s from the chain the server sends "
                      "(or send it after the copy that leads to the trusted root).", sub, is);
    jend(s, jadd(j, f), NULL);
    free(sub);
    free(is);
}

static void
judge_chain(struct judge *j, struct xp_step *parent)
{
    const struct xp_tls_info *info = j->info;
    struct xp_step *s = jstep(j, parent, "Chain to a trusted root");
    int top = sk_X509_num(j->path) - 1;
    struct xp_finding *f;

    {
        char *p = path_text(j->path);

        jnote(s, "path: %s", p);
        free(p);
    }
    note_chain_size(j, s);
    if (j->err == X509_V_OK && !is_ca_leaf(j->leaf)) {
        char *rs = name_oneline(X509_get_subject_name(sk_X509_value(j->path, top)));

        if (j->reordered) {
            judge_reordered(j, s);
        } else if (s) {
            xp_step_end(s, XP_ST_PASS, "%d certificate(s) sent, trusted through %s",
                        sk_X509_num(info->chain), rs);
        }
        free(rs);
        return;
    }
    if (j->err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
        f = jfind(j, s, XP_CERT_SELF_SIGNED, "The certificate of %s:%d is self-signed",
                  info->host, info->port);
        xp_ev_str(f, "reason", "self_signed");
    } else if (j->err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
               j->err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) {
        f = finding_missing_issuer(j, s, sk_X509_value(j->path, top));
    } else if (j->err == X509_V_ERR_INVALID_PURPOSE || j->err == X509_V_OK) {
        /* X509_V_OK here: a CA certificate as the leaf that OpenSSL
         * accepts (its key usage allows TLS) but Firefox refuses
         * (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY). */
        int d = j->err == X509_V_OK ? 0 : j->depth;

        f = finding_purpose(j, s, sk_X509_value(j->path, d <= top ? d : top), d);
    } else {
        f = finding_other_error(j, s);
    }
    xp_ev_int(f, "depth", j->err == X509_V_OK ? 0 : j->depth);
    ev_path(f, j->path);
    ev_cert(f, info);
    jend(s, jadd(j, f), X509_verify_cert_error_string(j->err));
}


/* ---- revocation: a stapled OCSP answer, else the responder, else the CRL ---- */

enum rev_state { REV_UNCHECKED, REV_GOOD, REV_REVOKED };

struct rev_result {
    enum rev_state st;
    char why[256];             /* REV_UNCHECKED: why it could not be checked */
    char reason[48];           /* REV_REVOKED: the revocation reason */
    char when[32];             /* REV_REVOKED: when */
};

static void
time_text(const ASN1_TIME *t, char *buf, size_t len)
{
    struct tm tm;

    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        snprintf(buf, len, "?");
    else
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
rev_unchecked(struct rev_result *r, const char *fmt, ...) XP_PRINTF(2, 3);

static void
rev_unchecked(struct rev_result *r, const char *fmt, ...)
{
    va_list ap;

    r->st = REV_UNCHECKED;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
}

/* What an OCSP response (stapled or fetched) says about leaf. */
static void
ocsp_check(const unsigned char *der, long len, X509 *leaf, X509 *issuer,
           STACK_OF(X509) *path, X509_STORE *store, struct rev_result *r)
{
    const unsigned char *p = der;
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, len);
    OCSP_BASICRESP *bs = NULL;
    OCSP_CERTID *id = NULL;
    ASN1_GENERALIZEDTIME *rev = NULL, *thisu = NULL, *nextu = NULL;
    int status, reason = -1;

    if (!resp) {
        rev_unchecked(r, "the answer is not an OCSP response");
    } else if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        rev_unchecked(r, "the OCSP responder answered %s",
                      OCSP_response_status_str(OCSP_response_status(resp)));
    } else if (!(bs = OCSP_response_get1_basic(resp))) {
        rev_unchecked(r, "the OCSP response has no basic response");
    } else if (OCSP_basic_verify(bs, path, store, 0) <= 0) {
        rev_unchecked(r, "the OCSP response's signature does not verify to a trusted root");
    } else if (!(id = OCSP_cert_to_id(NULL, leaf, issuer)) ||
               !OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisu, &nextu)) {
        rev_unchecked(r, "the OCSP response is about another certificate");
    } else if (!OCSP_check_validity(thisu, nextu, 300, -1)) {
        rev_unchecked(r, "the OCSP response is out of date (or not yet valid)");
    } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
        r->st = REV_REVOKED;
        snprintf(r->reason, sizeof(r->reason), "%s",
                 reason >= 0 ? OCSP_crl_reason_str(reason) : "unspecified");
        time_text(rev, r->when, sizeof(r->when));
    } else if (status == V_OCSP_CERTSTATUS_GOOD) {
        r->st = REV_GOOD;
    } else {
        rev_unchecked(r, "the OCSP responder does not know the certificate");
    }
    ERR_clear_error();
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
}

/* What a CRL (DER or PEM) says about leaf. */
static void
crl_check(const unsigned char *der, size_t len, X509 *leaf, X509 *issuer, time_t now,
          struct rev_result *r)
{
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    X509_REVOKED *rv = NULL;

    if (!crl) {
        BIO *bio = BIO_new_mem_buf(der, (int)len);

        crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        BIO_free(bio);
    }
    if (!crl) {
        rev_unchecked(r, "the answer is not a CRL");
    } else if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
        rev_unchecked(r, "the CRL is another CA's");
    } else if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
        rev_unchecked(r, "the CRL's signature does not verify with the issuer's key");
    } else if (X509_CRL_get0_nextUpdate(crl) &&
               X509_cmp_time(X509_CRL_get0_nextUpdate(crl), &now) < 0) {
        rev_unchecked(r, "the CRL is out of date (its next update has passed)");
    } else if (X509_CRL_get0_by_cert(crl, &rv, leaf) == 1 && rv) {
        ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(rv, NID_crl_reason, NULL, NULL);

        r->st = REV_REVOKED;
        snprintf(r->reason, sizeof(r->reason), "%s",
                 e ? OCSP_crl_reason_str((int)ASN1_ENUMERATED_get(e)) : "unspecified");
        ASN1_ENUMERATED_free(e);
        time_text(X509_REVOKED_get0_revocationDate(rv), r->when, sizeof(r->when));
    } else {
        r->st = REV_GOOD;
    }
    ERR_clear_error();
    X509_CRL_free(crl);
}

/* The first http(s) OCSP responder of x, or NULL. */
static char *
ocsp_responder(X509 *x)
{
    STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(x);
    char *out = NULL;
    int i;

    for (i = 0; urls && i < sk_OPENSSL_STRING_num(urls) && !out; i++) {
        const char *u = sk_OPENSSL_STRING_value(urls, i);

        if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0)
            out = xp_utf8_clean(u, strlen(u), 1024);
    }
    X509_email_free(urls);
    return out;
}

/* The first http CRL distribution point of x (LDAP is not fetched), or NULL. */
static char *
crl_url(X509 *x)
{
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    char *out = NULL;
    int i, k;

    for (i = 0; dps && i < sk_DIST_POINT_num(dps) && !out; i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

        if (!dp->distpoint || dp->distpoint->type != 0)
            continue;
        for (k = 0; k < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) && !out; k++) {
            GENERAL_NAME *g = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, k);
            const char *u;
            int n;

            if (g->type != GEN_URI)
                continue;
            u = (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
            n = ASN1_STRING_length(g->d.uniformResourceIdentifier);
            if (n > 7 && strncmp(u, "http://", 7) == 0)
                out = xp_utf8_clean(u, (size_t)n, 1024);
        }
    }
    sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
    return out;
}

/* RFC 6960 A.1: GET {url}/{url-encoding of base64 of the DER request}. */
static char *
ocsp_get_url(const char *responder, X509 *leaf, X509 *issuer)
{
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, issuer);
    unsigned char *der = NULL;
    int n;
    struct xp_buf b = { 0 };

    if (!req || !id || !OCSP_request_add0_id(req, id)) {
        OCSP_CERTID_free(id);
        OCSP_REQUEST_free(req);
        return NULL;
    }
    n = i2d_OCSP_REQUEST(req, &der);
    OCSP_REQUEST_free(req);
    if (n <= 0)
        return NULL;
    {
        unsigned char *b64 = xmalloc((size_t)(4 * ((n + 2) / 3) + 1));
        int i, m = EVP_EncodeBlock(b64, der, n);
        size_t rl = strlen(responder);

        xp_buf_printf(&b, "%s%s", responder, rl && responder[rl - 1] == '/' ? "" : "/");
        for (i = 0; i < m; i++) {
            if (b64[i] == '+' || b64[i] == '/' || b64[i] == '=')
                xp_buf_printf(&b, "%%%02X", b64[i]);
            else
                xp_buf_printf(&b, "%c", b64[i]);
        }
        free(b64);
    }
    OPENSSL_free(der);
    return b.s;
}

/* ---- dates, along the path; the sent certificates it does not need ---- */

/* Days of validity, notBefore to notAfter. */
static long
lifetime_days(X509 *x)
{
    int days = 0, secs = 0;

    if (ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)) != 1)
        return 0;
    return days;
}

/* The expiry warning's threshold: a third of the lifetime, at most cap. */
static long
warn_threshold(X509 *x, int cap)
{
    long third = lifetime_days(x) / 3;

    return third < cap ? third : cap;
}

static enum xp_status
judge_one_date(struct judge *j, struct xp_step *s, X509 *x, int depth, int top)
{
    const struct xp_tls_info *info = j->info;
    time_t now = j->o->now;
    long left = xp_cert_days_until(X509_get0_notAfter(x), now);
    long thr = warn_threshold(x, j->o->warn_days);
    const char *which = depth_word(depth, top);
    struct xp_finding *f;

    if (depth == 0)
        jnote(s, "%ld days left of %ld", left, lifetime_days(x));
    if (left < 0) {
        f = jfind(j, s, XP_CERT_EXPIRED, "%c%s of %s:%d expired %ld day(s) ago",
                  which[0] - 32, which + 1, info->host, info->port, -left);
    } else if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0) {
        f = jfind(j, s, XP_CERT_NOT_YET_VALID, "%c%s of %s:%d becomes valid only in %ld "
                  "day(s)", which[0] - 32, which + 1, info->host, info->port,
                  days_until_ceil(X509_get0_notBefore(x), now));
    } else if (left < thr) {
        f = jfind(j, s, XP_CERT_EXPIRING_SOON, "%c%s of %s:%d expires in %ld day(s) (less "
                  "than a third of its %ld-day lifetime)", which[0] - 32, which + 1,
                  info->host, info->port, left, lifetime_days(x));
        xp_ev_int(f, "lifetime_days", lifetime_days(x));
        xp_ev_int(f, "threshold_days", thr);
    } else {
        return XP_ST_PASS;
    }
    xp_ev_int(f, "days_left", left);
    xp_ev_int(f, "depth", depth);
    ev_cert_brief(f, info, x);
    return jadd(j, f);
}

/* A certificate sent but not on the path: only an expired one is worth a
 * word (the AddTrust case: clients that need it are long gone). */
static enum xp_status
judge_extra_date(struct judge *j, struct xp_step *s, X509 *x, int pos)
{
    const struct xp_tls_info *info = j->info;
    long left = xp_cert_days_until(X509_get0_notAfter(x), j->o->now);
    char *sub, *is;
    struct xp_finding *f;

    if (left >= 0)
        return XP_ST_PASS;
    sub = name_oneline(X509_get_subject_name(x));
    is = name_oneline(X509_get_issuer_name(x));
    f = jfind(j, s, XP_CERT_EXTRA_EXPIRED, "%s:%d also sends %s (issued by %s), expired %ld "
              "day(s) ago, which the trusted path does not need", info->host, info->port, sub,
              is, -left);
    xp_ev_int(f, "position", pos);
    xp_ev_int(f, "days_left", left);
    ev_endpoint(f, info);
    xp_ev_str(f, "subject", sub);
    xp_ev_str(f, "issuer", is);
    ev_own(f, "not_after", asn1_time_text(X509_get0_notAfter(x)));
    ev_path(f, j->path);
    xp_finding_fix(f, "Remove %s (issued by %s) from the chain file the server sends: it has "
                      "expired and no path needs it (old clients that do may fail on it).",
                   sub, is);
    free(sub);
    free(is);
    return jadd(j, f);
}

static void
judge_dates(struct judge *j, struct xp_step *parent)
{
    struct xp_step *s = jstep(j, parent, "Validity dates");
    enum xp_status st = XP_ST_PASS;
    int i, top = sk_X509_num(j->path) - 1;

    for (i = 0; i <= top; i++)
        st = xp_status_worst(st, judge_one_date(j, s, sk_X509_value(j->path, i), i, top));
    for (i = 1; i < sk_X509_num(j->info->chain); i++) {
        X509 *x = sk_X509_value(j->info->chain, i);

        if (!in_stack(j->path, x))
            st = xp_status_worst(st, judge_extra_date(j, s, x, i));
    }
    jend(s, st, NULL);
}

/* ---- strength: keys and signatures along the path, the protocol ---- */

static void
add_weakness(struct xp_buf *why, char ***list, size_t *n, enum xp_severity *worst,
             const struct xp_cert_rule *r, const char *fmt, ...) XP_PRINTF(6, 7);

static void
add_weakness(struct xp_buf *why, char ***list, size_t *n, enum xp_severity *worst,
             const struct xp_cert_rule *r, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    xp_buf_printf(why, "%s%s", why->len ? "; " : "", buf);
    *list = xrealloc(*list, (*n + 1) * sizeof(char *));
    (*list)[(*n)++] = xasprintf("%s (%s): %s: %s", r->id, xp_severity_name(r->severity), buf,
                                r->clients);
    if (r->severity > *worst)
        *worst = r->severity;
}

/* What CERT_WEAK found, for a fix that names only that (issue 11: an old
 * protocol alone is no reason to replace the key). */
enum {
    W_KEY = 1, W_SIG = 2, W_CHAIN = 4, W_PROTO = 8, W_CIPHER = 16, W_OLD_TOO = 32,
};

static void
weak_fix(struct xp_finding *f, int what, const struct xp_tls_info *info)
{
    struct xp_buf b = { 0 };

    if (what & (W_KEY | W_SIG))
        xp_buf_printf(&b, "Replace the certificate of %s with one that has %s%s%s.", info->host,
                      what & W_KEY ? "an RSA key of at least 2048 bits (or ECDSA)" : "",
                      (what & W_KEY) && (what & W_SIG) ? " and " : "",
                      what & W_SIG ? "a SHA-256 signature" : "");
    if (what & W_CHAIN)
        xp_buf_printf(&b, "%sSend the CA's current intermediates (SHA-256, 2048-bit keys or "
                      "more) instead of the weak one in the chain.", b.len ? " " : "");
    if (what & W_PROTO)
        xp_buf_printf(&b, "%sEnable TLS 1.2 (and 1.3) on %s:%d (on Windows: the SCHANNEL "
                      "protocol keys, and .NET's SchUseStrongCrypto).", b.len ? " " : "",
                      info->host, info->port);
    if (what & W_OLD_TOO)
        xp_buf_printf(&b, "%sDisable TLS 1.0 and 1.1 on %s:%d (TLS 1.2 stays on).",
                      b.len ? " " : "", info->host, info->port);
    if (what & W_CIPHER)
        xp_buf_printf(&b, "%sDisable the cipher %s on %s:%d.", b.len ? " " : "", info->cipher,
                      info->host, info->port);
    if (b.len)
        xp_finding_fix(f, "%s", b.s);
    free(b.s);
}

/* The rule the key exchange breaks, or -1 (unknown: not judged). */
static int
kx_rule(const struct xp_tls_info *info)
{
    if (!info->kx[0] || info->kx_bits <= 0)
        return -1;
    if (info->kx_ffdh)
        return info->kx_bits < 1024 ? XP_RULE_DH_TINY
                                    : info->kx_bits < 2048 ? XP_RULE_DH_SHORT : -1;
    if (strncmp(info->kx, "ECDH", 4) == 0 && info->kx_bits < 224)
        return XP_RULE_ECDH_SHORT;
    return -1;
}

static enum xp_status
judge_kx(struct judge *j, struct xp_step *s)
{
    const struct xp_tls_info *info = j->info;
    int k = kx_rule(info);
    const struct xp_cert_rule *r;
    struct xp_finding *f;

    if (k < 0)
        return XP_ST_PASS;
    r = &rules[k];
    f = jfind(j, s, XP_TLS_WEAK_KEY_EXCHANGE, "%s:%d negotiates %s key exchange with a "
              "%d-bit group: %s", info->host, info->port, info->kx_ffdh ? "DHE" : "ECDHE",
              info->kx_bits, r->clients);
    xp_finding_severity(f, r->severity);
    ev_endpoint(f, info);
    xp_ev_str(f, "key_exchange", info->kx);
    xp_ev_int(f, "bits", info->kx_bits);
    ev_protocol(f, info);
    xp_ev_str(f, "cipher", info->cipher);
    xp_ev_str(f, "rule", r->id);
    xp_ev_str(f, "source", r->source);
    xp_finding_fix(f, "Prefer ECDHE suites (X25519, P-256) and, if DHE must stay, a group of "
                      "at least 2048 bits (RFC 7919 ffdhe2048; Windows: the "
                      "ServerMinKeyBitLength value under SCHANNEL\\KeyExchangeAlgorithms"
                      "\\Diffie-Hellman = 0x800).");
    return jadd(j, f);
}

static void
judge_strength(struct judge *j, struct xp_step *parent)
{
    const struct xp_tls_info *info = j->info;
    struct xp_step *s = jstep(j, parent, "Key, signature and protocol");
    struct xp_buf why = { 0 };
    char **list = NULL;
    size_t n = 0;
    enum xp_severity worst = XP_SEV_INFO, cert_worst;
    enum xp_status st;
    const struct xp_cert_rule *pr;
    int i, top = sk_X509_num(j->path) - 1;
    char key[64];
    int weak, what = 0;

    xp_cert_key_desc(j->leaf, key, sizeof(key), &weak);
    jnote(s, "%s key, %s, %s %s", key, OBJ_nid2ln(X509_get_signature_nid(j->leaf)),
          info->protocol, info->cipher);
    if (info->kx[0])
        jnote(s, "key exchange %s, %d bits", info->kx, info->kx_bits);
    for (i = 0; i <= top; i++) {
        X509 *x = sk_X509_value(j->path, i);
        int k = key_rule(x), g = sig_rule(x);
        const char *which = depth_word(i, top);

        xp_cert_key_desc(x, key, sizeof(key), &weak);
        if (k >= 0) {
            add_weakness(&why, &list, &n, &worst, &rules[k], "%s-bit key on %s%s", key,
                         which, i ? "" : "");
            what |= i ? W_CHAIN : W_KEY;
        }
        /* A root's own signature is never checked by anyone. */
        if (g >= 0 && !(i == top && self_issued(x))) {
            add_weakness(&why, &list, &n, &worst, &rules[g], "%s signature on %s",
                         g == XP_RULE_SIG_MD5 ? "MD5" : "SHA1", which);
            what |= i ? W_CHAIN : W_SIG;
        }
    }
    cert_worst = worst;
    pr = j->o->no_protocol ? NULL : xp_tls_protocol_rule(info->protocol);
    if (pr) {
        add_weakness(&why, &list, &n, &worst, pr, "the server negotiates at best %s (TLS 1.2 "
                     "is required by Office 365)", info->protocol);
        what |= W_PROTO;
    }
    if (!j->o->no_protocol && cipher_rule(info->cipher) >= 0) {
        add_weakness(&why, &list, &n, &worst, &rules[cipher_rule(info->cipher)], "the server "
                     "chooses the cipher %s", info->cipher);
        what |= W_CIPHER;
    }
    if (!pr && !j->o->no_protocol && info->old_protocol[0] &&
             strcmp(info->old_protocol, "refused") != 0) {
        add_weakness(&why, &list, &n, &worst, &rules[XP_RULE_PROTO_OLD_TOO], "the server "
                     "still accepts %s from a client that offers nothing newer",
                     info->old_protocol);
        what |= W_OLD_TOO;
    }
    st = judge_kx(j, s);
    if (why.len) {
        struct xp_finding *f = jfind(j, s, XP_CERT_WEAK, "%s:%d: %s", info->host, info->port,
                                     why.s);

        xp_finding_severity(f, worst);
        weak_fix(f, what, info);
        ev_cert_brief(f, info, j->leaf);
        xp_ev_list(f, "weaknesses", list, n);
        /* The certificates' own weakness apart from the protocol's, for
         * the pre-flight's "certificates" item. */
        xp_ev_str(f, "certificate_severity",
                  cert_worst == XP_SEV_INFO ? "none" : xp_severity_name(cert_worst));
        if (cert_worst == XP_SEV_FAIL)
            xp_finding_about(f, XP_ABOUT_CERT_REFUSED);
        ev_path(f, j->path);
        st = xp_status_worst(st, jadd(j, f));
    }
    jend(s, st, NULL);
    xp_strv_free(list, n);
    free(why.s);
}


static X509 *
path_issuer(const struct judge *j)
{
    return sk_X509_num(j->path) > 1 ? sk_X509_value(j->path, 1) : NULL;
}

/* The stapled OCSP answer's verdict, REV_UNCHECKED when there is none. */
static void
stapled(const struct judge *j, struct rev_result *r)
{
    X509 *issuer = path_issuer(j);

    if (!j->info->ocsp) {
        rev_unchecked(r, "no stapled OCSP response");
        return;
    }
    if (!issuer) {
        rev_unchecked(r, "the issuer is not known");
        return;
    }
    ocsp_check(j->info->ocsp, j->info->ocsp_len, j->leaf, issuer, j->path, j->o->store, r);
}

static char *
revocation_url(const struct judge *j, int *is_ocsp)
{
    X509 *issuer = path_issuer(j);
    char *responder, *url;

    if (!issuer)
        return NULL;
    responder = ocsp_responder(j->leaf);
    if (responder) {
        url = ocsp_get_url(responder, j->leaf, issuer);
        free(responder);
        *is_ocsp = 1;
        return url;
    }
    *is_ocsp = 0;
    return crl_url(j->leaf);
}

char *
xp_cert_revocation_url(const struct xp_tls_info *info, const struct xp_cert_opts *o,
                       int *is_ocsp)
{
    struct judge j = { .info = info, .o = o };
    struct rev_result r = { 0 };
    char *url = NULL;

    if (!info->chain || sk_X509_num(info->chain) == 0)
        return NULL;
    j.leaf = sk_X509_value(info->chain, 0);
    path_build(&j);
    stapled(&j, &r);
    if (r.st == REV_UNCHECKED)
        url = revocation_url(&j, is_ocsp);
    sk_X509_pop_free(j.path, X509_free);
    return url;
}

/* The fetched answer's verdict, with what was asked in *source. */
static void
fetched(const struct judge *j, struct rev_result *r, char **url, int *ocsp)
{
    int is_ocsp = 0;
    const struct xp_cert_fetch *doc;

    *url = revocation_url(j, &is_ocsp);
    *ocsp = is_ocsp;
    if (!*url) {
        rev_unchecked(r, path_issuer(j) ? "the certificate names no OCSP responder and no "
                                          "http CRL distribution point"
                                        : "the issuer is not known");
        return;
    }
    doc = j->o->fetched ? j->o->fetched(j->o->fetched_arg, *url) : NULL;
    if (!doc || !doc->done)
        rev_unchecked(r, "%s was not fetched", is_ocsp ? "the OCSP responder" : "the CRL");
    else if (doc->error[0])
        rev_unchecked(r, "%s", doc->error);
    else if (is_ocsp)
        ocsp_check(doc->body, (long)doc->len, j->leaf, path_issuer(j), j->path, j->o->store, r);
    else
        crl_check(doc->body, doc->len, j->leaf, path_issuer(j), j->o->now, r);
}

static void
judge_revocation(struct judge *j, struct xp_step *parent)
{
    const struct xp_tls_info *info = j->info;
    struct xp_step *s = jstep(j, parent, "Revocation");
    struct rev_result r = { 0 };
    char *url = NULL;
    const char *source = "stapled OCSP response";
    int is_ocsp = 0;
    struct xp_finding *f;

    stapled(j, &r);
    if (r.st == REV_UNCHECKED && info->ocsp)
        jnote(s, "stapled OCSP response not usable: %s", r.why);
    if (r.st == REV_UNCHECKED && j->o->no_revocation) {
        jend(s, XP_ST_SKIP, "OCSP and CRL not fetched (--no-revocation)");
        return;
    }
    if (r.st == REV_UNCHECKED) {
        memset(&r, 0, sizeof(r));
        fetched(j, &r, &url, &is_ocsp);
        source = is_ocsp ? "OCSP responder" : "CRL";
        if (url)
            jnote(s, "asked %s", url);
    }
    if (r.st == REV_GOOD) {
        char ok[80];

        snprintf(ok, sizeof(ok), "not revoked, says its %s", source);
        jend(s, XP_ST_PASS, ok);
    } else if (r.st == REV_UNCHECKED) {
        /* Evidence, not a failure: most clients soft-fail too. */
        char why[300];

        snprintf(why, sizeof(why), "could not check: %s", r.why);
        jend(s, XP_ST_SKIP, why);
    } else {
        char *sub = name_oneline(X509_get_subject_name(j->leaf));

        f = jfind(j, s, XP_CERT_REVOKED, "The certificate of %s:%d was revoked (%s), says its "
                  "%s", info->host, info->port, r.reason, source);
        xp_ev_str(f, "revocation_reason", r.reason);
        xp_ev_str(f, "revoked_at", r.when);
        xp_ev_str(f, "source", !url ? "stapled_ocsp" : is_ocsp ? "ocsp" : "crl");
        if (url)
            xp_ev_str(f, "url", url);
        ev_cert(f, info);
        xp_finding_fix(f, "Install a newly issued certificate for %s and find out why %s was "
                          "revoked (a compromised key must not be reused).", info->host, sub);
        free(sub);
        jend(s, jadd(j, f), NULL);
    }
    free(url);
}

static void
judge_msstd(struct judge *j, struct xp_step *parent, const char *msstd)
{
    const struct xp_tls_info *info = j->info;
    struct xp_step *s = jstep(j, parent, "Outlook Anywhere principal name %s", msstd);
    int m = xp_cert_msstd_match(j->leaf, msstd);
    struct xp_finding *f;

    if (m == 2) {
        jend(s, XP_ST_PASS, "matches the subject CN");
        return;
    }
    if (m == 1) {
        f = jfind(j, s, XP_CERT_MSSTD_SAN_ONLY, "%s matches only a subject alternative name of "
                  "the certificate of %s, not its CN (Windows before Vista SP1 fails mutual "
                  "authentication)", msstd, info->host);
        xp_ev_str(f, "msstd", msstd);
        ev_cert(f, info);
        jend(s, jadd(j, f), NULL);
        return;
    }
    f = jfind(j, s, XP_CERT_MSSTD_MISMATCH, "Mutual authentication could not be established: "
              "%s is neither the CN nor a name of the certificate of %s", msstd, info->host);
    xp_ev_str(f, "msstd", msstd);
    ev_cert(f, info);
    xp_finding_fix(f, "Set-OutlookProvider EXPR -CertPrincipalName msstd:<a name the "
                      "certificate carries, ideally its CN>, or reissue the certificate.");
    jend(s, jadd(j, f), NULL);
}

static void
judge_all(struct judge *j, struct xp_step *parent, int exchange)
{
    const struct xp_tls_info *info = j->info;

    if (j->v) {
        memset(j->v, 0, sizeof(*j->v));
        j->v->severity = XP_SEV_INFO;
        j->v->code = XP_CERT_OK;
    }
    if (!info->chain || sk_X509_num(info->chain) == 0) {
        struct xp_finding *f = jfind(j, parent, XP_CERT_UNTRUSTED, "%s:%d sent no certificate",
                                     info->host, info->port);

        xp_ev_str(f, "host", info->host);
        xp_ev_int(f, "port", info->port);
        xp_finding_about(f, xp_exo_about_endpoint(info->host, info->port));
        jadd(j, f);
        return;
    }
    j->leaf = sk_X509_value(info->chain, 0);
    {
        char *subject = name_oneline(X509_get_subject_name(j->leaf));

        jnote(parent, "%s", subject);
        free(subject);
    }
    path_build(j);
    judge_name(j, parent);
    judge_chain(j, parent);
    judge_dates(j, parent);
    judge_strength(j, parent);
    judge_revocation(j, parent);
    if (j->o->msstd && exchange)
        judge_msstd(j, parent, j->o->msstd);
    sk_X509_pop_free(j->path, X509_free);
    j->path = NULL;
}

void
xp_cert_judge(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info,
              int exchange, const struct xp_cert_opts *o)
{
    struct judge j = { .c = c, .info = info, .o = o };

    judge_all(&j, parent, exchange);
}

void
xp_cert_verdict(const struct xp_tls_info *info, int exchange, const struct xp_cert_opts *o,
                struct xp_cert_verdict *v)
{
    struct judge j = { .c = NULL, .v = v, .info = info, .o = o };

    judge_all(&j, NULL, exchange);
}
