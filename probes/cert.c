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

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
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
is_ip(const char *s)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
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
    if (is_ip(host))
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
}

static void
ev_cert(struct xp_finding *f, const struct xp_tls_info *info)
{
    X509 *x = sk_X509_value(info->chain, 0);
    size_t n;
    char **names = xp_cert_names(x, &n);
    char key[64];
    int weak;

    ev_endpoint(f, info);
    ev_own(f, "subject", name_oneline(X509_get_subject_name(x)));
    ev_own(f, "issuer", name_oneline(X509_get_issuer_name(x)));
    xp_ev_list(f, "names", names, n);
    xp_strv_free(names, n);
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
    xp_ev_str(f, "protocol", info->protocol);
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
    xp_ev_str(f, "protocol", info->protocol);
}

/* ---- the judgement, one aspect per function ---- */

static void
judge_name(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info)
{
    X509 *x = sk_X509_value(info->chain, 0);
    struct xp_step *s = xp_step_begin(c, parent, "Name matches %s", info->host);
    size_t n, i;
    char **names = xp_cert_names(x, &n);
    int cn_only;
    struct xp_finding *f;

    for (i = 0; i < n; i++)
        xp_step_note(s, "%s", names[i]);
    xp_strv_free(names, n);
    if (xp_cert_host_matches(x, info->host, &cn_only)) {
        if (!cn_only) {
            xp_step_end(s, XP_ST_PASS, NULL);
            return;
        }
        f = xp_finding_new(c, s, XP_CERT_CN_ONLY, "The certificate of %s:%d matches only "
                           "through its subject CN: it has no subject alternative names",
                           info->host, info->port);
        ev_cert_brief(f, info, x);
        xp_finding_add(f);
        xp_step_end(s, XP_ST_WARN, NULL);
        return;
    }
    {
        const char *hint = xp_cert_mismatch_hint(x, info->host);

        f = xp_finding_new(c, s, XP_CERT_NAME_MISMATCH,
                           "The certificate of %s:%d is not valid for %s%s%s", info->host,
                           info->port, info->host, hint ? ": " : "", hint ? hint : "");
        ev_cert(f, info);
        if (hint)
            xp_ev_str(f, "why", hint);
        xp_finding_fix(f, "Install a certificate whose subject alternative names include %s "
                          "itself (a SAN certificate: a wildcard covers only names one label "
                          "below its base).", info->host);
        xp_finding_add(f);
        xp_step_end(s, XP_ST_FAIL, NULL);
    }
}

struct verify_error {
    int err;
    int depth;
    char *subject;
};

struct verify_log {
    struct verify_error first;   /* the first error, the one that matters */
    int count;
};

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
    struct verify_log *log = X509_STORE_CTX_get_app_data(ctx);

    if (!ok && log->count++ == 0) {
        X509 *cur = X509_STORE_CTX_get_current_cert(ctx);

        log->first.err = X509_STORE_CTX_get_error(ctx);
        log->first.depth = X509_STORE_CTX_get_error_depth(ctx);
        log->first.subject = cur ? name_oneline(X509_get_subject_name(cur)) : xstrdup("?");
    }
    return 1;   /* go on: we judge the whole chain, not only its first flaw */
}

static int
self_issued(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}

static void
judge_chain(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info,
            const struct xp_cert_opts *o)
{
    X509 *leaf = sk_X509_value(info->chain, 0);
    X509 *top = sk_X509_value(info->chain, sk_X509_num(info->chain) - 1);
    STACK_OF(X509) *untrusted = sk_X509_dup(info->chain);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    struct verify_log log = { { 0, 0, NULL }, 0 };
    struct xp_step *s = xp_step_begin(c, parent, "Chain to a trusted root");
    struct xp_finding *f;
    int ok;

    (void)sk_X509_shift(untrusted);
    X509_STORE_CTX_init(ctx, o->store, leaf, untrusted);
    /* Dates are judged on their own, with days left as evidence. */
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
    X509_STORE_CTX_set_app_data(ctx, &log);
    X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
    ok = X509_verify_cert(ctx) == 1 && log.count == 0;
    if (ok) {
        STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);
        X509 *root = sk_X509_value(built, sk_X509_num(built) - 1);
        char *rs = name_oneline(X509_get_subject_name(root));

        xp_step_end(s, XP_ST_PASS, "%d certificate(s) sent, trusted through %s",
                    sk_X509_num(info->chain), rs);
        free(rs);
        goto out;
    }
    if (log.first.err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
        f = xp_finding_new(c, s, XP_CERT_SELF_SIGNED, "The certificate of %s:%d is "
                           "self-signed", info->host, info->port);
        xp_ev_str(f, "reason", "self_signed");
    } else if ((log.first.err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                log.first.err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) && top != leaf &&
               X509_check_ca(top) > 0) {
        /* Leaf and intermediate(s) were sent; what is missing is the root
         * they lead to: a CA this machine does not trust. */
        char *is = name_oneline(X509_get_issuer_name(top));

        f = xp_finding_new(c, s, XP_CERT_UNTRUSTED, "Chain of %s:%d leads to %s, which is not "
                           "a trusted root", info->host, info->port, is);
        xp_ev_str(f, "reason", "unknown_root");
        xp_ev_str(f, "missing_issuer", is);
        xp_finding_fix(f, "Use a certificate from a public CA on Internet-facing names (or add "
                          "%s to the clients' trust store if it is your own CA).", is);
        free(is);
    } else if ((log.first.err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                log.first.err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) && !self_issued(top)) {
        char *is = name_oneline(X509_get_issuer_name(top));

        f = xp_finding_new(c, s, XP_CERT_UNTRUSTED, "Chain of %s:%d is incomplete: the "
                           "issuer of the last certificate sent (%s) was not sent and is not "
                           "a trusted root - a missing intermediate, or an unknown CA",
                           info->host, info->port, is);
        xp_ev_str(f, "reason", "missing_intermediate");
        xp_ev_str(f, "missing_issuer", is);
        xp_finding_fix(f, "Install the intermediate certificate(s) on the server (or reverse "
                          "proxy) so it sends the whole chain; if %s is a private CA, use a "
                          "certificate from a public CA on Internet-facing names.", is);
        free(is);
    } else {
        const char *why = X509_verify_cert_error_string(log.first.err);

        f = xp_finding_new(c, s, XP_CERT_UNTRUSTED, "Chain of %s:%d is not trusted: %s "
                           "(at depth %d, %s)", info->host, info->port, why, log.first.depth,
                           log.first.subject ? log.first.subject : "?");
        xp_ev_str(f, "reason", log.first.err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
                                   ? "unknown_root" : "verify_error");
        xp_ev_str(f, "openssl_error", why);
    }
    xp_ev_int(f, "depth", log.first.depth);
    ev_cert(f, info);
    xp_finding_add(f);
    xp_step_end(s, XP_ST_FAIL, "%s", X509_verify_cert_error_string(log.first.err));
out:
    free(log.first.subject);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
}

static void
judge_dates(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info,
            const struct xp_cert_opts *o)
{
    struct xp_step *s = xp_step_begin(c, parent, "Validity dates");
    enum xp_status st = XP_ST_PASS;
    time_t now = o->now;
    int i;

    for (i = 0; i < sk_X509_num(info->chain); i++) {
        X509 *x = sk_X509_value(info->chain, i);
        long left = xp_cert_days_until(X509_get0_notAfter(x), o->now);
        const char *which = i == 0 ? "The certificate" : "An intermediate certificate";
        struct xp_finding *f = NULL;

        if (i == 0)
            xp_step_note(s, "%ld days left", left);
        if (left < 0) {
            f = xp_finding_new(c, s, XP_CERT_EXPIRED, "%s of %s:%d expired %ld day(s) ago",
                               which, info->host, info->port, -left);
            st = XP_ST_FAIL;
        } else if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0) {
            f = xp_finding_new(c, s, XP_CERT_NOT_YET_VALID, "%s of %s:%d becomes valid only "
                               "in %ld day(s)", which, info->host, info->port,
                               days_until_ceil(X509_get0_notBefore(x), o->now));
            st = XP_ST_FAIL;
        } else if (left < o->warn_days) {
            f = xp_finding_new(c, s, XP_CERT_EXPIRING_SOON, "%s of %s:%d expires in %ld "
                               "day(s)", which, info->host, info->port, left);
            st = xp_status_worst(st, XP_ST_WARN);
        }
        if (f) {
            xp_ev_int(f, "days_left", left);
            xp_ev_int(f, "depth", i);
            ev_cert_brief(f, info, x);
            xp_finding_add(f);
        }
    }
    xp_step_end(s, st, NULL);
}

static void
judge_strength(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info)
{
    struct xp_step *s = xp_step_begin(c, parent, "Key, signature and protocol");
    X509 *leaf = sk_X509_value(info->chain, 0);
    struct xp_buf why = { 0 };
    char key[64];
    int weak, i;

    xp_cert_key_desc(leaf, key, sizeof(key), &weak);
    xp_step_note(s, "%s key, %s, %s %s", key, OBJ_nid2ln(X509_get_signature_nid(leaf)),
                 info->protocol, info->cipher);
    if (weak)
        xp_buf_printf(&why, "%s-bit key (2048 bits is the minimum)", key);
    for (i = 0; i < sk_X509_num(info->chain); i++) {
        X509 *x = sk_X509_value(info->chain, i);
        int md = NID_undef, pk = NID_undef;

        if (i > 0 && self_issued(x))
            continue;   /* a root's own signature is never checked */
        OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk);
        if (md == NID_sha1 || md == NID_md5) {
            xp_buf_printf(&why, "%s%s signature on %s", why.len ? "; " : "", OBJ_nid2sn(md),
                          i == 0 ? "the certificate" : "an intermediate");
        }
    }
    if (strcmp(info->protocol, "TLSv1") == 0 || strcmp(info->protocol, "TLSv1.1") == 0 ||
        strncmp(info->protocol, "SSL", 3) == 0)
        xp_buf_printf(&why, "%sthe server negotiates at best %s (TLS 1.2 is required by "
                      "Office 365)", why.len ? "; " : "", info->protocol);
    if (why.len) {
        struct xp_finding *f = xp_finding_new(c, s, XP_CERT_WEAK, "%s:%d: %s", info->host,
                                              info->port, why.s);

        ev_cert_brief(f, info, leaf);
        xp_finding_add(f);
        xp_step_end(s, XP_ST_WARN, NULL);
    } else {
        xp_step_end(s, XP_ST_PASS, NULL);
    }
    free(why.s);
}

static void
judge_msstd(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info,
            const char *msstd)
{
    struct xp_step *s = xp_step_begin(c, parent, "Outlook Anywhere principal name %s", msstd);
    int m = xp_cert_msstd_match(sk_X509_value(info->chain, 0), msstd);
    struct xp_finding *f;

    if (m == 2) {
        xp_step_end(s, XP_ST_PASS, "matches the subject CN");
        return;
    }
    if (m == 1) {
        f = xp_finding_new(c, s, XP_CERT_MSSTD_SAN_ONLY, "%s matches only a subject "
                           "alternative name of the certificate of %s, not its CN (Windows "
                           "before Vista SP1 fails mutual authentication)", msstd, info->host);
        xp_ev_str(f, "msstd", msstd);
        ev_cert(f, info);
        xp_finding_add(f);
        xp_step_end(s, XP_ST_WARN, NULL);
        return;
    }
    f = xp_finding_new(c, s, XP_CERT_MSSTD_MISMATCH, "Mutual authentication could not be "
                       "established: %s is neither the CN nor a name of the certificate of %s",
                       msstd, info->host);
    xp_ev_str(f, "msstd", msstd);
    ev_cert(f, info);
    xp_finding_fix(f, "Set-OutlookProvider EXPR -CertPrincipalName msstd:<a name the "
                      "certificate carries, ideally its CN>, or reissue the certificate.");
    xp_finding_add(f);
    xp_step_end(s, XP_ST_FAIL, NULL);
}

void
xp_cert_judge(struct xp_check *c, struct xp_step *parent, const struct xp_tls_info *info,
              int exchange, const struct xp_cert_opts *o)
{
    X509 *leaf;
    char *subject;

    if (!info->chain || sk_X509_num(info->chain) == 0) {
        struct xp_finding *f = xp_finding_new(c, parent, XP_CERT_UNTRUSTED,
                                              "%s:%d sent no certificate", info->host,
                                              info->port);

        xp_ev_str(f, "host", info->host);
        xp_ev_int(f, "port", info->port);
        xp_finding_add(f);
        return;
    }
    leaf = sk_X509_value(info->chain, 0);
    subject = name_oneline(X509_get_subject_name(leaf));
    xp_step_note(parent, "%s", subject);
    free(subject);
    judge_name(c, parent, info);
    judge_chain(c, parent, info, o);
    judge_dates(c, parent, info, o);
    judge_strength(c, parent, info);
    if (o->msstd && exchange)
        judge_msstd(c, parent, info, o->msstd);
}
