/*
 * test_cert.c — the certificate judgement (include/xp_cert.h,
 * probes/cert.c), without a network: every certificate is built in memory
 * with the OpenSSL 3 API (a root CA, an intermediate, an unrelated root,
 * and leaves signed by them), each key size generated once per binary.
 * The pure pieces (name matching, hints, names, msstd:, days, key) are
 * tested one by one; xp_cert_judge end to end on a hand-made check and a
 * hand-filled struct xp_tls_info. Run under valgrind: it must be clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "xp.h"
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_model.h"
#include "xp_tls.h"

#define DAY 86400L

/* ---- keys and CAs, made once per binary (group setup) ---- */

static struct {
    time_t now;            /* every validity period is relative to this */
    EVP_PKEY *rsa2048;     /* used by every CA and ordinary leaf */
    EVP_PKEY *rsa1024;     /* only the weak-key leaf */
    EVP_PKEY *ec256;
    X509 *root;            /* CN=Exprobe Test Root, self-signed CA */
    X509 *inter;           /* CN=Exprobe Test Intermediate, signed by root */
    X509 *other_root;      /* CN=Unrelated Root, self-signed CA */
    long serial;
} G;

/* What a certificate should look like; zero fields take the defaults. */
struct cspec {
    const char *cn;        /* subject CN; NULL: no CN (the subject gets O= only) */
    const char *san;       /* "DNS:a,IP:1.2.3.4" in X509V3 config syntax, or NULL */
    int ca;                /* basicConstraints critical,CA:TRUE */
    long nb;               /* notBefore: now + nb seconds (default: now - 1 day) */
    long na;               /* notAfter:  now + na seconds (default: now + 365 days) */
    int set_nb, set_na;    /* use nb / na as given (so 0 can be asked for) */
    EVP_PKEY *key;         /* subject key (default rsa2048) */
    X509 *issuer;          /* NULL: self-signed */
    const EVP_MD *md;      /* default SHA-256 */
    const char *eku;       /* extendedKeyUsage, X509V3 config syntax, or NULL */
    const char *ku;        /* keyUsage, or NULL */
    const char *nc;        /* nameConstraints, or NULL */
    const char *aia;       /* authorityInfoAccess, or NULL */
    const char *crldp;     /* crlDistributionPoints, or NULL */
    EVP_PKEY *signer;      /* the issuer's key when it is not rsa2048 */
};

/* Whatever a test allocates is freed by its teardown, so a failing
 * assertion (a longjmp out of the test) leaks nothing under valgrind. */
static struct {
    void (*fn[32])(void *);
    void *p[32];
    size_t n;
    char **names;          /* the last xp_cert_names result */
    size_t nnames;
} T;

static void *
defer(void (*fn)(void *), void *p)
{
    assert_true(T.n < XP_ARRAY_LEN(T.p));
    T.fn[T.n] = fn;
    T.p[T.n++] = p;
    return p;
}

static void free_x509(void *p) { X509_free(p); }
static void free_store(void *p) { X509_STORE_free(p); }
static void free_store_ctx(void *p) { X509_STORE_CTX_free(p); }
static void free_stack(void *p) { sk_X509_free(p); }
static void free_temp_file(void *p) { unlink(p); free(p); }

static int
cleanup(void **state)
{
    (void)state;
    while (T.n > 0) {
        T.n--;
        T.fn[T.n](T.p[T.n]);
    }
    xp_strv_free(T.names, T.nnames);
    T.names = NULL;
    T.nnames = 0;
    return 0;
}

/* xp_cert_names, the result freed by the teardown. */
static char **
names_of(X509 *x, size_t *n)
{
    xp_strv_free(T.names, T.nnames);
    T.names = xp_cert_names(x, n);
    T.nnames = *n;
    return T.names;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static X509 *
mkcert_raw(const struct cspec *s)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    EVP_PKEY *key = s->key ? s->key : G.rsa2048;
    /* The issuer's key: every CA here uses rsa2048; self-signed uses its own. */
    EVP_PKEY *signer = s->signer ? s->signer : s->issuer ? G.rsa2048 : key;
    long nb = s->set_nb ? s->nb : -DAY;
    long na = s->set_na ? s->na : 365 * DAY;
    time_t now = G.now;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), ++G.serial), 1);
    assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, nb, &now));
    assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, na, &now));
    if (s->cn)
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                    (const unsigned char *)s->cn, -1, -1, 0),
                         1);
    else
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                                    (const unsigned char *)"No CN Inc", -1,
                                                    -1, 0),
                         1);
    assert_int_equal(X509_set_subject_name(x, name), 1);
    X509_NAME_free(name);
    assert_int_equal(X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer)
                                                       : X509_get_subject_name(x)),
                     1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    if (s->ca)
        add_ext(x, s->issuer, NID_basic_constraints, "critical,CA:TRUE");
    if (s->san)
        add_ext(x, s->issuer, NID_subject_alt_name, s->san);
    if (s->eku)
        add_ext(x, s->issuer, NID_ext_key_usage, s->eku);
    if (s->ku)
        add_ext(x, s->issuer, NID_key_usage, s->ku);
    if (s->nc)
        add_ext(x, s->issuer, NID_name_constraints, s->nc);
    if (s->aia)
        add_ext(x, s->issuer, NID_info_access, s->aia);
    if (s->crldp)
        add_ext(x, s->issuer, NID_crl_distribution_points, s->crldp);
    assert_true(X509_sign(x, signer, s->md ? s->md : EVP_sha256()) > 0);
    return x;
}

/* A certificate freed by the test's teardown. */
static X509 *
mkcert(const struct cspec *s)
{
    return defer(free_x509, mkcert_raw(s));
}

/* A leaf signed by the intermediate (the usual case), freed by the teardown. */
static X509 *
leaf(const char *cn, const char *san)
{
    struct cspec s = { .cn = cn, .san = san, .issuer = G.inter };

    return mkcert(&s);
}

static int
group_setup(void **state)
{
    (void)state;
    G.now = time(NULL);
    G.rsa2048 = EVP_RSA_gen(2048);
    G.rsa1024 = EVP_RSA_gen(1024);
    G.ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!G.rsa2048 || !G.rsa1024 || !G.ec256)
        return -1;
    {
        struct cspec r = { .cn = "Exprobe Test Root", .ca = 1, .set_na = 1, .na = 3650 * DAY };
        struct cspec o = { .cn = "Unrelated Root", .ca = 1, .set_na = 1, .na = 3650 * DAY };

        G.root = mkcert_raw(&r);
        G.other_root = mkcert_raw(&o);
    }
    {
        struct cspec i = { .cn = "Exprobe Test Intermediate", .ca = 1, .issuer = G.root,
                           .set_na = 1, .na = 1825 * DAY };

        G.inter = mkcert_raw(&i);
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    X509_free(G.root);
    X509_free(G.inter);
    X509_free(G.other_root);
    EVP_PKEY_free(G.rsa2048);
    EVP_PKEY_free(G.rsa1024);
    EVP_PKEY_free(G.ec256);
    return 0;
}

/* ---- xp_cert_host_matches ---- */

static int
matches(X509 *x, const char *host, int *cn_only)
{
    *cn_only = -1;   /* must be overwritten */
    return xp_cert_host_matches(x, host, cn_only);
}

static void
host_matches__san_exact__match_not_cn_only(void **state)
{
    X509 *x = leaf("webmail.contoso.com", "DNS:autodiscover.contoso.com,DNS:mail.contoso.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com", &cn_only), 1);
    assert_int_equal(cn_only, 0);
    assert_int_equal(matches(x, "autodiscover.contoso.com", &cn_only), 1);
    assert_int_equal(cn_only, 0);
    assert_int_equal(matches(x, "owa.contoso.com", &cn_only), 0);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__other_case__match(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:Mail.Contoso.COM");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "MAIL.contoso.com", &cn_only), 1);
    assert_int_equal(matches(x, "mail.contoso.com", &cn_only), 1);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__trailing_dot_host__match(void **state)
{
    /* "mail.contoso.com." is the same DNS name as "mail.contoso.com"
     * (fully qualified); a client strips the dot before checking. */
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com.", &cn_only), 1);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__trailing_dot_host_wildcard__match(void **state)
{
    X509 *x = leaf("*.contoso.com", "DNS:*.contoso.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com.", &cn_only), 1);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__wildcard_one_label__match(void **state)
{
    X509 *x = leaf("*.contoso.com", "DNS:*.contoso.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com", &cn_only), 1);
    assert_int_equal(cn_only, 0);
    assert_int_equal(matches(x, "AutoDiscover.Contoso.com", &cn_only), 1);
}

static void
host_matches__wildcard_apex__no_match(void **state)
{
    X509 *x = leaf("*.contoso.com", "DNS:*.contoso.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "contoso.com", &cn_only), 0);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__wildcard_two_labels_deep__no_match(void **state)
{
    X509 *x = leaf("*.contoso.com", "DNS:*.contoso.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "a.b.contoso.com", &cn_only), 0);
    assert_int_equal(matches(x, "mail.eu.contoso.com", &cn_only), 0);
}

static void
host_matches__partial_wildcard__no_match(void **state)
{
    X509 *x = leaf("m*.contoso.com", "DNS:m*.contoso.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com", &cn_only), 0);
    assert_int_equal(matches(x, "mx.contoso.com", &cn_only), 0);
    /* the literal text is not special either way */
    assert_int_equal(matches(x, "m*.contoso.com", &cn_only), 1);
}

static void
host_matches__cn_only_cert__match_with_cn_only(void **state)
{
    X509 *x = leaf("mail.contoso.com", NULL);
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com", &cn_only), 1);
    assert_int_equal(cn_only, 1);
    assert_int_equal(matches(x, "owa.contoso.com", &cn_only), 0);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__ip_only_san_and_cn__cn_used(void **state)
{
    /* No SAN dNSName: the CN still counts (RFC 6125 fallback). */
    X509 *x = leaf("mail.contoso.com", "IP:192.0.2.10");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com", &cn_only), 1);
    assert_int_equal(cn_only, 1);
}

static void
host_matches__san_present_cn_matches__no_match(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:www.fabrikam.com,DNS:fabrikam.com");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "mail.contoso.com", &cn_only), 0);
    assert_int_equal(cn_only, 0);
    assert_int_equal(matches(x, "fabrikam.com", &cn_only), 1);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__ip_host_san_ip__match(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com,IP:127.0.1.5");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "127.0.1.5", &cn_only), 1);
    assert_int_equal(cn_only, 0);
    assert_int_equal(matches(x, "127.0.1.6", &cn_only), 0);
}

static void
host_matches__ip_host_dns_entry__no_match(void **state)
{
    X509 *x = leaf("127.0.1.5", "DNS:127.0.1.5");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "127.0.1.5", &cn_only), 0);
    assert_int_equal(cn_only, 0);
}

static void
host_matches__ipv6_host_san_ip__match(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com,IP:2001:db8::25");
    int cn_only;

    (void)state;
    assert_int_equal(matches(x, "2001:db8::25", &cn_only), 1);
    assert_int_equal(matches(x, "2001:DB8:0:0:0:0:0:25", &cn_only), 1);
    assert_int_equal(matches(x, "2001:db8::26", &cn_only), 0);
}

/* ---- xp_cert_mismatch_hint ---- */

static void
mismatch_hint__wildcard_apex__mentions_apex(void **state)
{
    X509 *x = leaf("*.contoso.com", "DNS:*.contoso.com");
    const char *h;

    (void)state;
    h = xp_cert_mismatch_hint(x, "contoso.com");
    assert_non_null(h);
    assert_non_null(strstr(h, "apex"));
    assert_null(strstr(h, "one label"));
}

static void
mismatch_hint__wildcard_two_levels_deep__mentions_one_label(void **state)
{
    X509 *x = leaf("*.contoso.com", "DNS:*.contoso.com");
    const char *h;

    (void)state;
    h = xp_cert_mismatch_hint(x, "a.b.contoso.com");
    assert_non_null(h);
    assert_non_null(strstr(h, "one label"));
    assert_null(strstr(h, "apex"));
}

static void
mismatch_hint__internal_names_public_host__mentions_internal(void **state)
{
    X509 *x = leaf("mbx1.contoso.local", "DNS:mbx1,DNS:mbx1.contoso.local");
    const char *h;

    (void)state;
    h = xp_cert_mismatch_hint(x, "mail.contoso.com");
    assert_non_null(h);
    assert_non_null(strstr(h, "internal"));
}

static void
mismatch_hint__internal_cn_only__mentions_internal(void **state)
{
    X509 *x = leaf("mbx1", NULL);
    const char *h;

    (void)state;
    h = xp_cert_mismatch_hint(x, "mail.contoso.com");
    assert_non_null(h);
    assert_non_null(strstr(h, "internal"));
}

static void
mismatch_hint__plain_other_name__null(void **state)
{
    X509 *x = leaf("www.fabrikam.com", "DNS:www.fabrikam.com,DNS:fabrikam.com");

    (void)state;
    assert_null(xp_cert_mismatch_hint(x, "mail.contoso.com"));
}

/* ---- xp_cert_names ---- */

static void
names__san_dns_and_ip__in_order(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com,DNS:autodiscover.contoso.com,"
                                       "IP:192.0.2.25,IP:2001:db8::25");
    size_t n = 99;
    char **names = names_of(x, &n);

    (void)state;
    assert_int_equal(n, 4);
    assert_string_equal(names[0], "mail.contoso.com");
    assert_string_equal(names[1], "autodiscover.contoso.com");
    assert_string_equal(names[2], "IP:192.0.2.25");
    assert_string_equal(names[3], "IP:2001:db8::25");
}

static void
names__cn_only__cn_entry(void **state)
{
    X509 *x = leaf("mail.contoso.com", NULL);
    size_t n = 99;
    char **names = names_of(x, &n);

    (void)state;
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "CN=mail.contoso.com");
}

static void
names__ip_san_only__ip_then_cn(void **state)
{
    X509 *x = leaf("mail.contoso.com", "IP:192.0.2.25");
    size_t n = 99;
    char **names = names_of(x, &n);

    (void)state;
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "IP:192.0.2.25");
    assert_string_equal(names[1], "CN=mail.contoso.com");
}

static void
names__no_san_no_cn__empty(void **state)
{
    X509 *x = leaf(NULL, NULL);
    size_t n = 99;

    (void)state;
    names_of(x, &n);
    assert_int_equal(n, 0);
}

/* ---- xp_cert_msstd_match ---- */

static void
msstd_match__cn_equal__2(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com,DNS:autodiscover.contoso.com");

    (void)state;
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 2);
}

static void
msstd_match__san_only__1(void **state)
{
    X509 *x = leaf("webmail.contoso.com",
                   "DNS:webmail.contoso.com,DNS:mail.contoso.com");

    (void)state;
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 1);
}

static void
msstd_match__wildcard_san_covers__1(void **state)
{
    X509 *x = leaf("webmail.contoso.com", "DNS:webmail.contoso.com,DNS:*.contoso.com");

    (void)state;
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 1);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:*.contoso.com"), 1);   /* as text */
}

static void
msstd_match__no_name__0(void **state)
{
    X509 *x = leaf("webmail.contoso.com", "DNS:webmail.contoso.com");

    (void)state;
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 0);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:"), 0);
}

static void
msstd_match__no_prefix__minus_1(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com");

    (void)state;
    assert_int_equal(xp_cert_msstd_match(x, "mail.contoso.com"), -1);
    assert_int_equal(xp_cert_msstd_match(x, "msstd"), -1);
    assert_int_equal(xp_cert_msstd_match(x, ""), -1);
}

static void
msstd_match__other_case__same_result(void **state)
{
    X509 *x = leaf("Mail.Contoso.com", "DNS:Mail.Contoso.com,DNS:Autodiscover.Contoso.com");

    (void)state;
    assert_int_equal(xp_cert_msstd_match(x, "MSSTD:MAIL.CONTOSO.COM"), 2);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:autodiscover.contoso.com"), 1);
}

/* ---- xp_cert_days_until: whole days, truncated toward zero, except
 *      that anything in the past is at least one day negative ---- */

static long
days_at(time_t now, long offset)
{
    ASN1_TIME *t = ASN1_TIME_set(NULL, now + offset);
    long d;

    assert_non_null(t);
    d = xp_cert_days_until(t, now);
    ASN1_TIME_free(t);
    return d;
}

static void
days_until__exactly_ten_days__10(void **state)
{
    (void)state;
    assert_int_equal(days_at(1700000000, 10 * DAY), 10);
}

static void
days_until__ten_days_minus_a_second__9(void **state)
{
    (void)state;
    /* Truncated: 9 days 23:59:59 is 9, not 10. */
    assert_int_equal(days_at(1700000000, 10 * DAY - 1), 9);
    assert_int_equal(days_at(1700000000, 10 * DAY + 3600), 10);
}

static void
days_until__past__negative(void **state)
{
    (void)state;
    assert_int_equal(days_at(1700000000, -3 * DAY), -3);
    assert_int_equal(days_at(1700000000, -400 * DAY), -400);
}

static void
days_until__an_hour_ago__minus_1(void **state)
{
    (void)state;
    assert_int_equal(days_at(1700000000, -3600), -1);
    assert_int_equal(days_at(1700000000, -1), -1);
}

static void
days_until__within_a_day_ahead__0(void **state)
{
    (void)state;
    assert_int_equal(days_at(1700000000, 3600), 0);
    assert_int_equal(days_at(1700000000, 0), 0);
}

/* ---- xp_cert_key_desc ---- */

static void
key_desc__rsa2048__not_weak(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com");
    char buf[64];
    int weak = -1;

    (void)state;
    xp_cert_key_desc(x, buf, sizeof(buf), &weak);
    assert_string_equal(buf, "RSA 2048");
    assert_int_equal(weak, 0);
}

static void
key_desc__rsa1024__weak(void **state)
{
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .key = G.rsa1024 };
    X509 *x = mkcert(&s);
    char buf[64];
    int weak = -1;

    (void)state;
    xp_cert_key_desc(x, buf, sizeof(buf), &weak);
    assert_string_equal(buf, "RSA 1024");
    assert_int_equal(weak, 1);
}

static void
key_desc__ec_p256__not_weak(void **state)
{
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .key = G.ec256 };
    X509 *x = mkcert(&s);
    char buf[64];
    int weak = -1;

    (void)state;
    xp_cert_key_desc(x, buf, sizeof(buf), &weak);
    assert_int_equal(strncmp(buf, "EC 256", 6), 0);
    assert_string_equal(buf, "EC 256 (prime256v1)");
    assert_int_equal(weak, 0);
}

static void
key_desc__small_buffer__truncated_terminated(void **state)
{
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com");
    char buf[5];
    int weak = -1;

    (void)state;
    xp_cert_key_desc(x, buf, sizeof(buf), &weak);
    assert_string_equal(buf, "RSA ");
    assert_int_equal(weak, 0);
}

/* ---- xp_cert_store_new ---- */

static char *
temp_file(const char *contents_kind, X509 *x)
{
    const char *dir = getenv("TMPDIR");
    char *path = xasprintf("%s/xp_test_cert_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    FILE *fp;

    assert_true(fd >= 0);
    defer(free_temp_file, path);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    if (strcmp(contents_kind, "pem") == 0)
        assert_int_equal(PEM_write_X509(fp, x), 1);
    else if (strcmp(contents_kind, "text") == 0)
        fputs("not a certificate\n", fp);
    assert_int_equal(fclose(fp), 0);
    return path;
}

/* xp_cert_store_new, the store (if any) freed by the teardown. */
static X509_STORE *
store_new(const char *path, char *err, size_t errlen)
{
    X509_STORE *st = xp_cert_store_new(path, err, errlen);

    return st ? defer(free_store, st) : NULL;
}

static void
store_new__pem_with_root__store_trusts_it(void **state)
{
    char *path = temp_file("pem", G.root);
    char err[512] = "";
    X509_STORE *st;
    X509_STORE_CTX *ctx;
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com");
    STACK_OF(X509) *untrusted = defer(free_stack, sk_X509_new_null());

    (void)state;
    st = store_new(path, err, sizeof(err));
    assert_non_null(st);
    assert_string_equal(err, "");
    assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(st)), 1);
    /* and it really is a trust anchor: leaf <- intermediate <- root verifies */
    assert_true(sk_X509_push(untrusted, G.inter) > 0);
    ctx = defer(free_store_ctx, X509_STORE_CTX_new());
    assert_int_equal(X509_STORE_CTX_init(ctx, st, x, untrusted), 1);
    assert_int_equal(X509_verify_cert(ctx), 1);
    assert_int_equal(sk_X509_num(X509_STORE_CTX_get0_chain(ctx)), 3);
}

static void
store_new__empty_file__null_err_names_path(void **state)
{
    char *path = temp_file("empty", NULL);
    char err[512] = "";

    (void)state;
    assert_null(store_new(path, err, sizeof(err)));
    assert_non_null(strstr(err, path));
}

static void
store_new__not_pem__null_err_names_path(void **state)
{
    char *path = temp_file("text", NULL);
    char err[512] = "";

    (void)state;
    assert_null(store_new(path, err, sizeof(err)));
    assert_non_null(strstr(err, path));
}

static void
store_new__nonexistent_path__null_err_names_path(void **state)
{
    const char *path = "/nonexistent/exprobe/ca-bundle.pem";
    char err[512] = "";

    (void)state;
    assert_null(store_new(path, err, sizeof(err)));
    assert_non_null(strstr(err, path));
}

/* ---- xp_cert_judge, end to end on a hand-made check ---- */

static const struct xp_check_ops cert_ops = { .id = "cert", .title = "Certificates" };

struct jfx {
    struct xp_run *run;
    struct xp_target *t;
    struct xp_check *c;
    struct xp_step *parent;
    struct xp_tls_info info;
    struct xp_cert_opts o;
    char problems[512];   /* names of the non-info findings, in order */
};

static int
jsetup(void **state)
{
    struct jfx *fx = xcalloc(1, sizeof(*fx));

    fx->run = xcalloc(1, sizeof(*fx->run));   /* emit NULL: no reporter */
    fx->t = xcalloc(1, sizeof(*fx->t));
    fx->t->run = fx->run;
    fx->c = xcalloc(1, sizeof(*fx->c));
    fx->c->ops = &cert_ops;
    fx->c->target = fx->t;
    snprintf(fx->info.host, sizeof(fx->info.host), "%s", "mail.contoso.com");
    fx->info.port = 443;
    snprintf(fx->info.ip, sizeof(fx->info.ip), "%s", "192.0.2.25");
    fx->info.handshake_ok = 1;
    snprintf(fx->info.protocol, sizeof(fx->info.protocol), "%s", "TLSv1.3");
    snprintf(fx->info.cipher, sizeof(fx->info.cipher), "%s", "TLS_AES_256_GCM_SHA384");
    fx->o.store = X509_STORE_new();
    assert_int_equal(X509_STORE_add_cert(fx->o.store, G.root), 1);
    fx->o.warn_days = 30;
    fx->o.now = G.now;
    *state = fx;
    return 0;
}

static int
jteardown(void **state)
{
    struct jfx *fx = *state;

    xp_check_clear(fx->c);
    xp_tls_info_clear(&fx->info);
    X509_STORE_free(fx->o.store);
    free(fx->c);
    free(fx->t);
    free(fx->run);
    free(fx);
    return cleanup(state);
}

/* Trust only `anchor` instead of the test root. */
static void
trust_only(struct jfx *fx, X509 *anchor)
{
    X509_STORE_free(fx->o.store);
    fx->o.store = X509_STORE_new();
    assert_int_equal(X509_STORE_add_cert(fx->o.store, anchor), 1);
}

/* The chain as sent: certificates leaf first, NULL-ended (up-ref'd). */
static void
send_chain(struct jfx *fx, X509 *leaf_cert, ...)
{
    va_list ap;
    X509 *x;

    fx->info.chain = sk_X509_new_null();
    X509_up_ref(leaf_cert);
    assert_true(sk_X509_push(fx->info.chain, leaf_cert) > 0);
    va_start(ap, leaf_cert);
    while ((x = va_arg(ap, X509 *)) != NULL) {
        X509_up_ref(x);
        assert_true(sk_X509_push(fx->info.chain, x) > 0);
    }
    va_end(ap);
}

/* Judge; then fx->problems lists the warn/fail finding codes, ','-joined. */
static void
judge(struct jfx *fx, int exchange)
{
    const struct xp_finding *f;
    size_t len = 0;

    fx->parent = xp_step_begin(fx->c, NULL, "Certificate of %s:%d", fx->info.host,
                               fx->info.port);
    xp_cert_judge(fx->c, fx->parent, &fx->info, exchange, &fx->o);
    xp_step_end(fx->parent, xp_step_children_worst(fx->parent), NULL);
    fx->problems[0] = '\0';
    for (f = fx->c->findings; f; f = f->next) {
        if (f->severity == XP_SEV_INFO)
            continue;
        len += (size_t)snprintf(fx->problems + len, sizeof(fx->problems) - len, "%s%s",
                                len ? "," : "", xp_code_info(f->code)->name);
        assert_true(len < sizeof(fx->problems));
    }
}

static const struct xp_finding *
finding(const struct jfx *fx, const char *code)
{
    const struct xp_finding *f;

    for (f = fx->c->findings; f; f = f->next)
        if (strcmp(xp_code_info(f->code)->name, code) == 0)
            return f;
    fail_msg("no finding %s (have: %s)", code, fx->problems);
    return NULL;
}

static const struct xp_evidence *
ev(const struct xp_finding *f, const char *key)
{
    const struct xp_evidence *e;

    for (e = f->evidence; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    fail_msg("finding %s has no evidence %s", xp_code_info(f->code)->name, key);
    return NULL;
}

static const char *
ev_str(const struct xp_finding *f, const char *key)
{
    const struct xp_evidence *e = ev(f, key);

    assert_int_equal(e->kind, XP_EVK_STR);
    return e->str;
}

static long long
ev_int(const struct xp_finding *f, const char *key)
{
    const struct xp_evidence *e = ev(f, key);

    assert_int_equal(e->kind, XP_EVK_INT);
    return e->num;
}

static const struct xp_step *
child(const struct jfx *fx, const char *title_prefix)
{
    const struct xp_step *s;

    for (s = fx->parent->children; s; s = s->next)
        if (strncmp(s->title, title_prefix, strlen(title_prefix)) == 0)
            return s;
    fail_msg("no step \"%s...\"", title_prefix);
    return NULL;
}

static void
judge__healthy_leaf_and_intermediate__no_problem(void **state)
{
    struct jfx *fx = *state;
    const struct xp_step *s;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com,DNS:autodiscover.contoso.com"),
               G.inter, NULL);
    judge(fx, 1);
    assert_string_equal(fx->problems, "");
    assert_int_equal(fx->c->nfindings, 0);
    assert_int_equal(child(fx, "Name matches mail.contoso.com")->status, XP_ST_PASS);
    s = child(fx, "Chain to a trusted root");
    assert_int_equal(s->status, XP_ST_PASS);
    assert_string_equal(s->detail, "path: CN=mail.contoso.com <- CN=Exprobe Test Intermediate "
                                   "<- CN=Exprobe Test Root\n"
                                   "2 certificate(s) sent, trusted through "
                                   "CN=Exprobe Test Root");
    assert_int_equal(child(fx, "Validity dates")->status, XP_ST_PASS);
    assert_int_equal(child(fx, "Key, signature and protocol")->status, XP_ST_PASS);
    assert_int_equal(fx->parent->status, XP_ST_PASS);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_PASS);
}

static void
judge__root_also_sent__no_problem(void **state)
{
    struct jfx *fx = *state;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, G.root, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__name_mismatch__mismatch_with_names_evidence(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;
    const struct xp_evidence *e;

    send_chain(fx, leaf("www.fabrikam.com", "DNS:www.fabrikam.com,DNS:fabrikam.com"), G.inter,
               NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_NAME_MISMATCH");
    f = finding(fx, "CERT_NAME_MISMATCH");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_non_null(strstr(f->message, "not valid for mail.contoso.com"));
    e = ev(f, "names");
    assert_int_equal(e->kind, XP_EVK_LIST);
    assert_int_equal(e->nitems, 2);
    assert_string_equal(e->items[0], "www.fabrikam.com");
    assert_string_equal(e->items[1], "fabrikam.com");
    assert_string_equal(ev_str(f, "host"), "mail.contoso.com");
    assert_int_equal(ev_int(f, "port"), 443);
    assert_string_equal(ev_str(f, "address"), "192.0.2.25");
    assert_string_equal(ev_str(f, "subject"), "CN=www.fabrikam.com");
    assert_string_equal(ev_str(f, "issuer"), "CN=Exprobe Test Intermediate");
    assert_string_equal(ev_str(f, "key"), "RSA 2048");
    assert_string_equal(ev_str(f, "signature"), "sha256WithRSAEncryption");
    assert_non_null(f->remediation);
    assert_int_equal(child(fx, "Name matches")->status, XP_ST_FAIL);
}

static void
judge__wildcard_apex__mismatch_with_why(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    snprintf(fx->info.host, sizeof(fx->info.host), "%s", "contoso.com");
    send_chain(fx, leaf("*.contoso.com", "DNS:*.contoso.com"), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_NAME_MISMATCH");
    f = finding(fx, "CERT_NAME_MISMATCH");
    assert_non_null(strstr(ev_str(f, "why"), "apex"));
    assert_non_null(strstr(f->message, "apex"));
}

static void
judge__expired_leaf__expired_fail_negative_days(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_nb = 1, .nb = -400 * DAY,
                       .set_na = 1, .na = -5 * DAY };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_EXPIRED");
    f = finding(fx, "CERT_EXPIRED");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_true(ev_int(f, "days_left") < 0);
    assert_int_equal(ev_int(f, "days_left"), -5);
    assert_int_equal(ev_int(f, "depth"), 0);
    assert_non_null(strstr(f->message, "expired 5 day(s) ago"));
    assert_int_equal(child(fx, "Validity dates")->status, XP_ST_FAIL);
    /* dates are judged apart: the chain itself is fine */
    assert_int_equal(child(fx, "Chain to a trusted root")->status, XP_ST_PASS);
}

static void
judge__expired_intermediate__expired_at_depth_1(void **state)
{
    struct jfx *fx = *state;
    struct cspec is = { .cn = "Exprobe Test Intermediate", .ca = 1, .issuer = G.root,
                        .set_nb = 1, .nb = -800 * DAY, .set_na = 1, .na = -2 * DAY };
    X509 *old_inter = mkcert(&is);
    const struct xp_finding *f;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), old_inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_EXPIRED");
    f = finding(fx, "CERT_EXPIRED");
    assert_int_equal(ev_int(f, "depth"), 1);
    assert_int_equal(ev_int(f, "days_left"), -2);
    assert_non_null(strstr(f->message, "The intermediate of mail.contoso.com:443 expired"));
}

static void
judge__not_yet_valid__not_yet_valid_fail(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_nb = 1, .nb = 3 * DAY };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_NOT_YET_VALID");
    f = finding(fx, "CERT_NOT_YET_VALID");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_int_equal(ev_int(f, "days_left"), 365);
    assert_non_null(strstr(f->message, "becomes valid only in 3 day(s)"));
}

static void
judge__ten_days_left__expiring_soon_warn(void **state)
{
    struct jfx *fx = *state;
    /* 90-day lifetime: the warning starts at 30 days left */
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_nb = 1, .nb = -80 * DAY, .set_na = 1,
                       .na = 10 * DAY };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_EXPIRING_SOON");
    assert_int_equal(ev_int(finding(fx, "CERT_EXPIRING_SOON"), "threshold_days"), 30);
    f = finding(fx, "CERT_EXPIRING_SOON");
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_int_equal(ev_int(f, "days_left"), 10);
    assert_non_null(strstr(f->message, "expires in 10 day(s)"));
    assert_int_equal(child(fx, "Validity dates")->status, XP_ST_WARN);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_WARN);
}

static void
judge__forty_days_left__no_warning(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_na = 1, .na = 40 * DAY };

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__root_issued_leaf_alone_unrelated_store__missing_intermediate(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.root };
    const struct xp_finding *f;

    trust_only(fx, G.other_root);
    send_chain(fx, mkcert(&s), NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_INCOMPLETE_CHAIN");
    f = finding(fx, "CERT_INCOMPLETE_CHAIN");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_string_equal(ev_str(f, "reason"), "missing_intermediate");
    assert_string_equal(ev_str(f, "missing_issuer"), "CN=Exprobe Test Root");
    assert_int_equal(ev_int(f, "depth"), 0);
    assert_int_equal(child(fx, "Chain to a trusted root")->status, XP_ST_FAIL);
}

static void
judge__intermediate_not_sent__missing_intermediate(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;
    const struct xp_evidence *e;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_INCOMPLETE_CHAIN");
    f = finding(fx, "CERT_INCOMPLETE_CHAIN");
    assert_string_equal(ev_str(f, "reason"), "missing_intermediate");
    assert_string_equal(ev_str(f, "missing_issuer"), "CN=Exprobe Test Intermediate");
    assert_non_null(strstr(f->message, "CN=Exprobe Test Intermediate"));
    e = ev(f, "chain");
    assert_int_equal(e->kind, XP_EVK_LIST);
    assert_int_equal(e->nitems, 1);
    assert_string_equal(e->items[0],
                        "0 CN=mail.contoso.com (issued by CN=Exprobe Test Intermediate)");
    assert_non_null(f->remediation);
}

static void
judge__self_signed_leaf__self_signed(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com" };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_SELF_SIGNED");
    f = finding(fx, "CERT_SELF_SIGNED");
    assert_string_equal(ev_str(f, "reason"), "self_signed");
    assert_string_equal(ev_str(f, "issuer"), "CN=mail.contoso.com");
}

static void
judge__root_sent_not_in_store__unknown_root(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;
    const struct xp_evidence *e;

    trust_only(fx, G.other_root);
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, G.root, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_UNTRUSTED");
    f = finding(fx, "CERT_UNTRUSTED");
    assert_string_equal(ev_str(f, "reason"), "unknown_root");
    assert_int_equal(ev_int(f, "depth"), 2);
    assert_non_null(strstr(f->message, "CN=Exprobe Test Root"));
    e = ev(f, "chain");
    assert_int_equal(e->nitems, 3);
    assert_string_equal(e->items[2], "2 CN=Exprobe Test Root (issued by CN=Exprobe Test Root)");
}

static void
judge__no_certificate__untrusted(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    judge(fx, 0);   /* chain NULL */
    assert_string_equal(fx->problems, "CERT_UNTRUSTED");
    f = finding(fx, "CERT_UNTRUSTED");
    assert_string_equal(f->message, "mail.contoso.com:443 sent no certificate");
}

static void
judge__rsa1024_leaf__weak(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .key = G.rsa1024 };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WEAK");
    f = finding(fx, "CERT_WEAK");
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_non_null(strstr(f->message, "RSA 1024"));
    assert_string_equal(ev_str(f, "key"), "RSA 1024");
    assert_int_equal(child(fx, "Key, signature and protocol")->status, XP_ST_WARN);
}

static void
judge__sha1_signed_leaf__weak(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .md = EVP_sha1() };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WEAK");
    f = finding(fx, "CERT_WEAK");
    assert_non_null(strstr(f->message, "SHA1 signature on the certificate"));
    assert_string_equal(ev_str(f, "signature"), "sha1WithRSAEncryption");
}

static void
judge__sha1_signed_root_sent__not_weak(void **state)
{
    struct jfx *fx = *state;
    struct cspec r = { .cn = "Old SHA1 Root", .ca = 1, .md = EVP_sha1(),
                       .set_na = 1, .na = 3650 * DAY };
    X509 *old_root = mkcert(&r);
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = old_root };

    trust_only(fx, old_root);
    send_chain(fx, mkcert(&s), old_root, NULL);
    judge(fx, 0);
    /* a root's own signature is never checked: nothing weak here */
    assert_string_equal(fx->problems, "");
}

static void
judge__tlsv1__weak_mentions_tlsv1(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    snprintf(fx->info.protocol, sizeof(fx->info.protocol), "%s", "TLSv1");
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WEAK");
    f = finding(fx, "CERT_WEAK");
    assert_non_null(strstr(f->message, "TLSv1"));
    assert_string_equal(ev_str(f, "protocol"), "TLSv1");
}

static void
judge__tlsv1_2__not_weak(void **state)
{
    struct jfx *fx = *state;

    snprintf(fx->info.protocol, sizeof(fx->info.protocol), "%s", "TLSv1.2");
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__msstd_not_matching__msstd_mismatch(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    fx->o.msstd = "msstd:outlook.fabrikam.com";
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 1);
    assert_string_equal(fx->problems, "CERT_MSSTD_MISMATCH");
    f = finding(fx, "CERT_MSSTD_MISMATCH");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_string_equal(ev_str(f, "msstd"), "msstd:outlook.fabrikam.com");
    assert_int_equal(child(fx, "Outlook Anywhere principal name")->status, XP_ST_FAIL);
}

static void
judge__msstd_san_only__msstd_san_only_warn(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    fx->o.msstd = "msstd:mail.contoso.com";
    send_chain(fx, leaf("webmail.contoso.com", "DNS:webmail.contoso.com,DNS:mail.contoso.com"),
               G.inter, NULL);
    judge(fx, 1);
    assert_string_equal(fx->problems, "CERT_MSSTD_SAN_ONLY");
    f = finding(fx, "CERT_MSSTD_SAN_ONLY");
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_int_equal(child(fx, "Outlook Anywhere principal name")->status, XP_ST_WARN);
}

static void
judge__msstd_matches_cn__no_msstd_finding(void **state)
{
    struct jfx *fx = *state;

    fx->o.msstd = "msstd:mail.contoso.com";
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 1);
    assert_string_equal(fx->problems, "");
    assert_int_equal(fx->c->nfindings, 0);
    assert_int_equal(child(fx, "Outlook Anywhere principal name")->status, XP_ST_PASS);
}

static void
judge__msstd_not_exchange__no_msstd_step(void **state)
{
    struct jfx *fx = *state;
    const struct xp_step *s;

    fx->o.msstd = "msstd:outlook.fabrikam.com";
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
    assert_int_equal(fx->c->nfindings, 0);
    for (s = fx->parent->children; s; s = s->next)
        assert_null(strstr(s->title, "principal name"));
}

static void
judge__cn_only_cert__cn_only_warn(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    send_chain(fx, leaf("mail.contoso.com", NULL), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_CN_ONLY");
    f = finding(fx, "CERT_CN_ONLY");
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_string_equal(ev_str(f, "subject"), "CN=mail.contoso.com");
    assert_int_equal(child(fx, "Name matches")->status, XP_ST_WARN);
}

static void
judge__ip_host_san_ip__no_problem(void **state)
{
    struct jfx *fx = *state;

    snprintf(fx->info.host, sizeof(fx->info.host), "%s", "192.0.2.25");
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com,IP:192.0.2.25"), G.inter,
               NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__trailing_dot_host__no_problem(void **state)
{
    struct jfx *fx = *state;

    /* --hosts accepts "mail.contoso.com.:443"; the FQDN form is the same name */
    snprintf(fx->info.host, sizeof(fx->info.host), "%s", "mail.contoso.com.");
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__several_flaws__each_reported_in_order(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "www.fabrikam.com", .san = "DNS:www.fabrikam.com",
                       .key = G.rsa1024, .set_nb = 1, .nb = -400 * DAY,
                       .set_na = 1, .na = -1 * DAY };

    snprintf(fx->info.protocol, sizeof(fx->info.protocol), "%s", "TLSv1.1");
    fx->o.msstd = "msstd:mail.contoso.com";
    send_chain(fx, mkcert(&s), NULL);   /* self-signed */
    judge(fx, 1);
    assert_string_equal(fx->problems, "CERT_NAME_MISMATCH,CERT_SELF_SIGNED,CERT_EXPIRED,"
                                      "CERT_WEAK,CERT_MSSTD_MISMATCH");
    assert_non_null(strstr(finding(fx, "CERT_WEAK")->message, "TLSv1.1"));
    assert_non_null(strstr(finding(fx, "CERT_WEAK")->message, "RSA 1024"));
    assert_int_equal(fx->parent->status, XP_ST_FAIL);
}


/* ---- the path a client builds: purpose, wrong and missing issuers, forms ---- */

static void
judge__client_auth_only_leaf__wrong_purpose(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .eku = "clientAuth" };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WRONG_PURPOSE");
    f = finding(fx, "CERT_WRONG_PURPOSE");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_string_equal(ev_str(f, "reason"), "no_server_auth");
    assert_string_equal(ev_str(f, "extended_key_usage"), "TLS Web Client Authentication");
    assert_int_equal(ev_int(f, "depth"), 0);
}

static void
judge__server_auth_leaf__no_problem(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .eku = "serverAuth,clientAuth",
                       .ku = "critical,digitalSignature,keyEncipherment" };

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__ca_certificate_as_leaf__wrong_purpose_ca(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com", .ca = 1,
                       .issuer = G.inter, .ku = "critical,keyCertSign,cRLSign" };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WRONG_PURPOSE");
    f = finding(fx, "CERT_WRONG_PURPOSE");
    assert_string_equal(ev_str(f, "reason"), "ca_certificate");
    assert_non_null(strstr(f->message, "CA certificate"));
}

static void
judge__ca_leaf_openssl_accepts__still_wrong_purpose(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com", .ca = 1,
                       .issuer = G.inter };

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WRONG_PURPOSE");
    assert_string_equal(ev_str(finding(fx, "CERT_WRONG_PURPOSE"), "reason"), "ca_certificate");
}

static void
judge__wrong_intermediate_sent__incomplete_names_issuer_and_aia(void **state)
{
    struct jfx *fx = *state;
    struct cspec o = { .cn = "Other Intermediate", .ca = 1, .issuer = G.root };
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .aia = "caIssuers;URI:http://pki.contoso.com/i.crt" };
    const struct xp_finding *f;
    const struct xp_evidence *e;

    send_chain(fx, mkcert(&s), mkcert(&o), NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_INCOMPLETE_CHAIN");
    f = finding(fx, "CERT_INCOMPLETE_CHAIN");
    assert_string_equal(ev_str(f, "reason"), "wrong_intermediate");
    assert_string_equal(ev_str(f, "missing_issuer"), "CN=Exprobe Test Intermediate");
    assert_string_equal(ev_str(f, "aia_ca_issuers"), "http://pki.contoso.com/i.crt");
    e = ev(f, "not_on_path");
    assert_int_equal(e->nitems, 1);
    assert_string_equal(e->items[0], "1 CN=Other Intermediate");
    assert_non_null(strstr(f->remediation, "http://pki.contoso.com/i.crt"));
    /* the trusted root is not blamed */
    assert_null(strstr(f->message, "not a trusted root"));
}

/* The intermediate re-issued by the unrelated root (same subject, same key). */
static X509 *
cross_form(void)
{
    struct cspec x = { .cn = "Exprobe Test Intermediate", .ca = 1, .issuer = G.other_root };

    return mkcert(&x);
}

static void
judge__both_forms_untrusted_first__warn_openssl_fails(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), cross_form(), G.inter,
               NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_UNTRUSTED");
    f = finding(fx, "CERT_UNTRUSTED");
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_string_equal(ev_str(f, "reason"), "cross_sign_order");
    assert_non_null(strstr(f->message, "OpenSSL"));
    assert_string_equal(ev_str(f, "path"), "CN=mail.contoso.com <- CN=Exprobe Test "
                                           "Intermediate <- CN=Exprobe Test Root");
}

static void
judge__both_forms_trusted_first__no_problem(void **state)
{
    struct jfx *fx = *state;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, cross_form(),
               NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__expired_cross_sign_not_needed__extra_expired_warn(void **state)
{
    struct jfx *fx = *state;
    struct cspec x = { .cn = "Exprobe Test Root", .ca = 1, .issuer = G.other_root,
                       .set_nb = 1, .nb = -900 * DAY, .set_na = 1, .na = -5 * DAY };
    const struct xp_finding *f;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, mkcert(&x),
               NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_EXTRA_EXPIRED");
    f = finding(fx, "CERT_EXTRA_EXPIRED");
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_int_equal(ev_int(f, "position"), 2);
    assert_string_equal(ev_str(f, "issuer"), "CN=Unrelated Root");
    assert_int_equal(child(fx, "Chain to a trusted root")->status, XP_ST_PASS);
}

static void
judge__reversed_chain__no_problem(void **state)
{
    struct jfx *fx = *state;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.root, G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__name_constraints_violated__untrusted_name_constraints(void **state)
{
    struct jfx *fx = *state;
    struct cspec i = { .cn = "Constrained Intermediate", .ca = 1, .issuer = G.root,
                       .nc = "critical,permitted;DNS:.fabrikam.com" };
    X509 *ci = mkcert(&i);
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com", .issuer = ci };

    send_chain(fx, mkcert(&s), ci, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_UNTRUSTED");
    assert_string_equal(ev_str(finding(fx, "CERT_UNTRUSTED"), "reason"), "name_constraints");
}

/* ---- strength along the path: the severity table ---- */

static void
judge__sha1_intermediate__weak_fail(void **state)
{
    struct jfx *fx = *state;
    struct cspec i = { .cn = "Exprobe Test Intermediate", .ca = 1, .issuer = G.root,
                       .md = EVP_sha1() };
    const struct xp_finding *f;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), mkcert(&i), NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WEAK");
    f = finding(fx, "CERT_WEAK");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_non_null(strstr(f->message, "SHA1 signature on the intermediate"));
}

static void
judge__rsa1024_intermediate__weak_warn(void **state)
{
    struct jfx *fx = *state;
    struct cspec i = { .cn = "Weak Intermediate", .ca = 1, .issuer = G.root,
                       .key = G.rsa1024 };
    X509 *wi = mkcert(&i);
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com", .issuer = wi,
                       .signer = G.rsa1024 };
    const struct xp_finding *f;

    send_chain(fx, mkcert(&s), wi, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WEAK");
    f = finding(fx, "CERT_WEAK");
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_non_null(strstr(f->message, "RSA 1024-bit key on the intermediate"));
    assert_string_equal(ev_str(f, "key"), "RSA 2048");   /* the leaf's own is fine */
}

static void
judge__rsa512_md5_leaf__weak_fail(void **state)
{
    struct jfx *fx = *state;
    EVP_PKEY *k512 = EVP_RSA_gen(512);
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .key = k512, .md = EVP_md5() };
    const struct xp_finding *f;

    assert_non_null(k512);
    send_chain(fx, mkcert(&s), G.inter, NULL);
    EVP_PKEY_free(k512);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_WEAK");
    f = finding(fx, "CERT_WEAK");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_non_null(strstr(f->message, "RSA 512"));
    assert_non_null(strstr(f->message, "MD5"));
}

static void
judge__rules__every_row_documented_with_source(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_RULE_COUNT; i++) {
        const struct xp_cert_rule *r = xp_cert_rule(i);

        assert_non_null(r->id);
        assert_non_null(r->what);
        assert_non_null(r->clients);
        assert_non_null(r->source);
    }
    assert_null(xp_tls_protocol_rule("TLSv1.2"));
    assert_null(xp_tls_protocol_rule("TLSv1.3"));
    assert_int_equal(xp_tls_protocol_rule("TLSv1")->severity, XP_SEV_FAIL);
    assert_int_equal(xp_tls_protocol_rule("TLSv1.1")->severity, XP_SEV_FAIL);
}

/* ---- expiry relative to lifetime ---- */

static void
judge__47_day_cert_20_days_left__no_warning(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_nb = 1, .nb = -27 * DAY, .set_na = 1,
                       .na = 20 * DAY };

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

static void
judge__47_day_cert_10_days_left__warning_at_a_third(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_nb = 1, .nb = -37 * DAY, .set_na = 1,
                       .na = 10 * DAY };

    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_EXPIRING_SOON");
    assert_int_equal(ev_int(finding(fx, "CERT_EXPIRING_SOON"), "threshold_days"), 15);
    assert_int_equal(ev_int(finding(fx, "CERT_EXPIRING_SOON"), "lifetime_days"), 47);
}

static void
judge__warn_days_option__caps_threshold(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_nb = 1, .nb = -300 * DAY, .set_na = 1,
                       .na = 20 * DAY };

    fx->o.warn_days = 14;
    send_chain(fx, mkcert(&s), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
}

/* ---- the verdict others read ---- */

static void
verdict__expired_leaf__fail_expired_no_findings_added(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .set_nb = 1, .nb = -400 * DAY, .set_na = 1,
                       .na = -3 * DAY, .key = G.rsa1024 };
    struct xp_cert_verdict v;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    xp_cert_verdict(&fx->info, 0, &fx->o, &v);
    assert_int_equal(v.severity, XP_SEV_FAIL);
    assert_int_equal(v.code, XP_CERT_EXPIRED);
    assert_int_equal(v.problems, 2);   /* expired (fail), RSA 1024 (warn) */
    assert_non_null(strstr(v.reason, "expired 3 day(s) ago"));
    assert_int_equal(fx->c->nfindings, 0);
}

static void
verdict__healthy__ok(void **state)
{
    struct jfx *fx = *state;
    struct xp_cert_verdict v;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    xp_cert_verdict(&fx->info, 0, &fx->o, &v);
    assert_int_equal(v.severity, XP_SEV_INFO);
    assert_int_equal(v.code, XP_CERT_OK);
    assert_int_equal(v.problems, 0);
}


/* ---- key exchange ---- */

static void
kx(struct jfx *fx, const char *name, int bits, int ffdh)
{
    snprintf(fx->info.kx, sizeof(fx->info.kx), "%s", name);
    fx->info.kx_bits = bits;
    fx->info.kx_ffdh = ffdh;
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 0);
}

static void
judge__dhe_1024__weak_key_exchange_fail(void **state)
{
    struct jfx *fx = *state;
    const struct xp_finding *f;

    kx(fx, "DH", 1024, 1);
    assert_string_equal(fx->problems, "TLS_WEAK_KEY_EXCHANGE");
    f = finding(fx, "TLS_WEAK_KEY_EXCHANGE");
    assert_int_equal(f->severity, XP_SEV_FAIL);
    assert_string_equal(ev_str(f, "rule"), "dh_under_2048");
    assert_int_equal(ev_int(f, "bits"), 1024);
}

static void
judge__dhe_768__dh_under_1024(void **state)
{
    struct jfx *fx = *state;

    kx(fx, "DH", 768, 1);
    assert_string_equal(ev_str(finding(fx, "TLS_WEAK_KEY_EXCHANGE"), "rule"), "dh_under_1024");
}

static void
judge__dhe_2048_and_x25519__no_problem(void **state)
{
    struct jfx *fx = *state;

    kx(fx, "DH", 2048, 1);
    assert_string_equal(fx->problems, "");
    xp_check_clear(fx->c);
    xp_tls_info_clear(&fx->info);
    kx(fx, "X25519", 253, 0);
    assert_string_equal(fx->problems, "");
}


/* ---- revocation ---- */

#define CRL_URL "http://crl.contoso.com/i.crl"

static struct xp_cert_fetch test_doc;

static const struct xp_cert_fetch *
test_fetched(void *arg, const char *url)
{
    (void)arg;
    return strcmp(url, CRL_URL) == 0 ? &test_doc : NULL;
}

static void free_doc(void *p) { (void)p; OPENSSL_free(test_doc.body); memset(&test_doc, 0, sizeof(test_doc)); }

/* The intermediate's CRL, listing `revoked` (or nothing), as test_doc. */
static void
serve_crl(X509 *revoked)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_set(NULL, G.now - DAY);
    unsigned char *der = NULL;
    int n;

    assert_non_null(crl);
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(G.inter));
    X509_CRL_set1_lastUpdate(crl, t);
    if (revoked) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_ENUMERATED *why = ASN1_ENUMERATED_new();

        X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked));
        X509_REVOKED_set_revocationDate(r, t);
        ASN1_ENUMERATED_set(why, 1);   /* keyCompromise */
        X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, why, 0, 0);
        ASN1_ENUMERATED_free(why);
        X509_CRL_add0_revoked(crl, r);
    }
    ASN1_TIME_set(t, G.now + 7 * DAY);
    X509_CRL_set1_nextUpdate(crl, t);
    X509_CRL_sort(crl);
    assert_true(X509_CRL_sign(crl, G.rsa2048, EVP_sha256()) > 0);
    n = i2d_X509_CRL(crl, &der);
    assert_true(n > 0);
    test_doc.done = 1;
    test_doc.body = der;
    test_doc.len = (size_t)n;
    defer(free_doc, NULL);
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
}

static X509 *
crl_leaf(void)
{
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .crldp = "URI:" CRL_URL };

    return mkcert(&s);
}

static void
judge__crl_lists_leaf__revoked(void **state)
{
    struct jfx *fx = *state;
    X509 *x = crl_leaf();
    const struct xp_finding *f;

    serve_crl(x);
    fx->o.fetched = test_fetched;
    send_chain(fx, x, G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_REVOKED");
    f = finding(fx, "CERT_REVOKED");
    assert_string_equal(ev_str(f, "source"), "crl");
    assert_string_equal(ev_str(f, "url"), CRL_URL);
    assert_string_equal(ev_str(f, "revocation_reason"), "keyCompromise");
}

static void
judge__crl_without_leaf__not_revoked_pass(void **state)
{
    struct jfx *fx = *state;

    serve_crl(NULL);
    fx->o.fetched = test_fetched;
    send_chain(fx, crl_leaf(), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
    assert_int_equal(child(fx, "Revocation")->status, XP_ST_PASS);
}

static void
judge__crl_not_fetched__skip_not_a_problem(void **state)
{
    struct jfx *fx = *state;

    send_chain(fx, crl_leaf(), G.inter, NULL);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
    assert_int_equal(child(fx, "Revocation")->status, XP_ST_SKIP);
    assert_non_null(strstr(child(fx, "Revocation")->detail, "could not check"));
}

static void
revocation_url__crl_only__the_crl(void **state)
{
    struct jfx *fx = *state;
    int is_ocsp = -1;
    char *url;

    send_chain(fx, crl_leaf(), G.inter, NULL);
    url = xp_cert_revocation_url(&fx->info, &fx->o, &is_ocsp);
    assert_non_null(url);
    assert_string_equal(url, CRL_URL);
    assert_int_equal(is_ocsp, 0);
    free(url);
}

static void
revocation_url__ocsp_responder__rfc6960_get(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .aia = "OCSP;URI:http://ocsp.contoso.com",
                       .crldp = "URI:" CRL_URL };
    int is_ocsp = -1;
    char *url;

    send_chain(fx, mkcert(&s), G.inter, NULL);
    url = xp_cert_revocation_url(&fx->info, &fx->o, &is_ocsp);
    assert_non_null(url);
    assert_int_equal(is_ocsp, 1);
    assert_int_equal(strncmp(url, "http://ocsp.contoso.com/M", 25), 0);   /* DER SEQUENCE */
    assert_null(strchr(url + 7, '+'));
    assert_null(strchr(url + 24, '/'));
    free(url);
}

/* An OCSP response about the leaf, signed by the intermediate, stapled. */
static void
staple(struct jfx *fx, X509 *x, int revoked)
{
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, x, G.inter);
    ASN1_TIME *thisu = X509_gmtime_adj(NULL, -3600), *nextu = X509_gmtime_adj(NULL, 7 * DAY);
    ASN1_TIME *rev = X509_gmtime_adj(NULL, -7200);
    OCSP_RESPONSE *resp;
    unsigned char *der = NULL;
    int n;

    assert_non_null(OCSP_basic_add1_status(bs, id,
                                           revoked ? V_OCSP_CERTSTATUS_REVOKED
                                                   : V_OCSP_CERTSTATUS_GOOD,
                                           revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
                                           revoked ? rev : NULL, thisu, nextu));
    assert_int_equal(OCSP_basic_sign(bs, G.inter, G.rsa2048, EVP_sha256(), NULL, 0), 1);
    resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
    n = i2d_OCSP_RESPONSE(resp, &der);
    assert_true(n > 0);
    fx->info.ocsp = xmalloc((size_t)n);
    memcpy(fx->info.ocsp, der, (size_t)n);
    fx->info.ocsp_len = n;
    OPENSSL_free(der);
    OCSP_RESPONSE_free(resp);
    OCSP_BASICRESP_free(bs);
    OCSP_CERTID_free(id);
    ASN1_TIME_free(thisu);
    ASN1_TIME_free(nextu);
    ASN1_TIME_free(rev);
}

static void
judge__stapled_ocsp_revoked__revoked_even_without_fetching(void **state)
{
    struct jfx *fx = *state;
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com");
    const struct xp_finding *f;

    fx->o.no_revocation = 1;   /* a stapled answer is still judged */
    send_chain(fx, x, G.inter, NULL);
    staple(fx, x, 1);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_REVOKED");
    f = finding(fx, "CERT_REVOKED");
    assert_string_equal(ev_str(f, "source"), "stapled_ocsp");
    assert_string_equal(ev_str(f, "revocation_reason"), "keyCompromise");
}

static void
judge__stapled_ocsp_good__pass(void **state)
{
    struct jfx *fx = *state;
    X509 *x = leaf("mail.contoso.com", "DNS:mail.contoso.com");

    send_chain(fx, x, G.inter, NULL);
    staple(fx, x, 0);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
    assert_string_equal(child(fx, "Revocation")->detail,
                        "not revoked, says its stapled OCSP response");
}

static void
judge__stapled_ocsp_for_other_cert__not_usable_noted(void **state)
{
    struct jfx *fx = *state;

    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    staple(fx, leaf("other.contoso.com", "DNS:other.contoso.com"), 1);
    judge(fx, 0);
    assert_string_equal(fx->problems, "");
    assert_non_null(strstr(child(fx, "Revocation")->detail, "about another certificate"));
}

static void
judge__no_revocation__skip(void **state)
{
    struct jfx *fx = *state;

    fx->o.no_revocation = 1;
    send_chain(fx, crl_leaf(), G.inter, NULL);
    judge(fx, 0);
    assert_int_equal(child(fx, "Revocation")->status, XP_ST_SKIP);
    assert_non_null(strstr(child(fx, "Revocation")->detail, "--no-revocation"));
}


/* ---- the connector's TlsCertificateName ---- */

static X509_NAME *
dn(const char *o, const char *cn, const char *c)
{
    X509_NAME *n = X509_NAME_new();

    if (c)
        X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)c, -1, -1, 0);
    if (o)
        X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

static void free_name(void *p) { X509_NAME_free(p); }

static void
connector_split__i_s_form__parts(void **state)
{
    char i[128], s[128];

    (void)state;
    assert_int_equal(xp_connector_name_split("<I>CN=R10, O=Let's Encrypt, C=US<S>CN=mail.contoso.com",
                                             i, sizeof(i), s, sizeof(s)), 1);
    assert_string_equal(i, "CN=R10, O=Let's Encrypt, C=US");
    assert_string_equal(s, "CN=mail.contoso.com");
    assert_int_equal(xp_connector_name_split("mail.contoso.com", i, sizeof(i), s, sizeof(s)), 0);
}

static void
x500_match__any_order_any_case__match(void **state)
{
    X509_NAME *n = defer(free_name, dn("Let's Encrypt", "R10", "US"));

    (void)state;
    assert_int_equal(xp_cert_x500_match(n, "CN=R10, O=Let's Encrypt, C=US"), 1);
    assert_int_equal(xp_cert_x500_match(n, "C=US,O=let's encrypt,CN=r10"), 1);
    assert_int_equal(xp_cert_x500_match(n, "CN=R11, O=Let's Encrypt, C=US"), 0);
    assert_int_equal(xp_cert_x500_match(n, "CN=R10, O=Let's Encrypt"), 0);   /* C missing */
    assert_int_equal(xp_cert_x500_match(n, "CN=R10, O=Let's Encrypt, C=US, OU=X"), 0);
    assert_int_equal(xp_cert_x500_match(n, "garbage"), 0);
    assert_int_equal(xp_cert_x500_match(n, ""), 0);
}

static void
rotating_issuer__lets_encrypt_r11__family(void **state)
{
    X509_NAME *le = defer(free_name, dn("Let's Encrypt", "R11", "US"));
    X509_NAME *gts = defer(free_name, dn("Google Trust Services", "WR2", "US"));
    X509_NAME *dc = defer(free_name, dn("DigiCert Inc", "DigiCert Global G2 TLS RSA SHA256 2020 CA1", "US"));
    X509_NAME *fake = defer(free_name, dn("Not Let's Encrypt", "R11", "US"));

    (void)state;
    assert_non_null(strstr(xp_cert_rotating_issuer(le), "Let's Encrypt"));
    assert_non_null(strstr(xp_cert_rotating_issuer(gts), "Google Trust Services"));
    assert_null(xp_cert_rotating_issuer(dc));
    assert_null(xp_cert_rotating_issuer(fake));
}


/* ---- the missing intermediate fetched as Windows does (AIA) ---- */

#define AIA_URL "http://pki.contoso.com/i.crt"

static const struct xp_cert_fetch *
aia_fetched(void *arg, const char *url)
{
    (void)arg;
    return strcmp(url, AIA_URL) == 0 ? &test_doc : NULL;
}

static void
judge__missing_intermediate_aia_serves_it__windows_succeeds(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .aia = "caIssuers;URI:" AIA_URL };
    unsigned char *der = NULL;
    int n = i2d_X509(G.inter, &der);
    char *url;
    const struct xp_finding *f;

    assert_true(n > 0);
    test_doc.done = 1;
    test_doc.body = der;
    test_doc.len = (size_t)n;
    defer(free_doc, NULL);
    fx->o.fetched = aia_fetched;
    send_chain(fx, mkcert(&s), NULL);
    url = xp_cert_aia_url(&fx->info, &fx->o);
    assert_non_null(url);
    assert_string_equal(url, AIA_URL);
    free(url);
    judge(fx, 0);
    assert_string_equal(fx->problems, "CERT_INCOMPLETE_CHAIN");
    f = finding(fx, "CERT_INCOMPLETE_CHAIN");
    assert_string_equal(ev_str(f, "aia_fetch"), "completes a trusted path");
    assert_non_null(strstr(f->message, "Windows fetches it"));
}

static void
judge__missing_intermediate_aia_not_fetched__cannot_tell(void **state)
{
    struct jfx *fx = *state;
    struct cspec s = { .cn = "mail.contoso.com", .san = "DNS:mail.contoso.com",
                       .issuer = G.inter, .aia = "caIssuers;URI:" AIA_URL };

    send_chain(fx, mkcert(&s), NULL);
    judge(fx, 0);
    assert_string_equal(ev_str(finding(fx, "CERT_INCOMPLETE_CHAIN"), "aia_fetch"),
                        "could not tell: not fetched");
}


/* ---- the negotiated cipher ---- */

static void
cipher(struct jfx *fx, const char *name)
{
    snprintf(fx->info.cipher, sizeof(fx->info.cipher), "%s", name);
    snprintf(fx->info.protocol, sizeof(fx->info.protocol), "%s", "TLSv1.2");
    send_chain(fx, leaf("mail.contoso.com", "DNS:mail.contoso.com"), G.inter, NULL);
    judge(fx, 0);
}

static void
judge__rc4_cipher__weak_fail(void **state)
{
    struct jfx *fx = *state;

    cipher(fx, "RC4-SHA");
    assert_string_equal(fx->problems, "CERT_WEAK");
    assert_int_equal(finding(fx, "CERT_WEAK")->severity, XP_SEV_FAIL);
    assert_non_null(strstr(finding(fx, "CERT_WEAK")->message, "RC4-SHA"));
}

static void
judge__3des_cipher__weak_warn(void **state)
{
    struct jfx *fx = *state;

    cipher(fx, "DES-CBC3-SHA");
    assert_string_equal(fx->problems, "CERT_WEAK");
    assert_int_equal(finding(fx, "CERT_WEAK")->severity, XP_SEV_WARN);
}

static void
judge__aes_gcm_cipher__no_problem(void **state)
{
    struct jfx *fx = *state;

    cipher(fx, "ECDHE-RSA-AES128-GCM-SHA256");
    assert_string_equal(fx->problems, "");
}

#define U(f) cmocka_unit_test_teardown(f, cleanup)
#define J(f) cmocka_unit_test_setup_teardown(f, jsetup, jteardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        U(host_matches__san_exact__match_not_cn_only),
        U(host_matches__other_case__match),
        U(host_matches__trailing_dot_host__match),
        U(host_matches__trailing_dot_host_wildcard__match),
        U(host_matches__wildcard_one_label__match),
        U(host_matches__wildcard_apex__no_match),
        U(host_matches__wildcard_two_labels_deep__no_match),
        U(host_matches__partial_wildcard__no_match),
        U(host_matches__cn_only_cert__match_with_cn_only),
        U(host_matches__ip_only_san_and_cn__cn_used),
        U(host_matches__san_present_cn_matches__no_match),
        U(host_matches__ip_host_san_ip__match),
        U(host_matches__ip_host_dns_entry__no_match),
        U(host_matches__ipv6_host_san_ip__match),
        U(mismatch_hint__wildcard_apex__mentions_apex),
        U(mismatch_hint__wildcard_two_levels_deep__mentions_one_label),
        U(mismatch_hint__internal_names_public_host__mentions_internal),
        U(mismatch_hint__internal_cn_only__mentions_internal),
        U(mismatch_hint__plain_other_name__null),
        U(names__san_dns_and_ip__in_order),
        U(names__cn_only__cn_entry),
        U(names__ip_san_only__ip_then_cn),
        U(names__no_san_no_cn__empty),
        U(msstd_match__cn_equal__2),
        U(msstd_match__san_only__1),
        U(msstd_match__wildcard_san_covers__1),
        U(msstd_match__no_name__0),
        U(msstd_match__no_prefix__minus_1),
        U(msstd_match__other_case__same_result),
        U(days_until__exactly_ten_days__10),
        U(days_until__ten_days_minus_a_second__9),
        U(days_until__past__negative),
        U(days_until__an_hour_ago__minus_1),
        U(days_until__within_a_day_ahead__0),
        U(key_desc__rsa2048__not_weak),
        U(key_desc__rsa1024__weak),
        U(key_desc__ec_p256__not_weak),
        U(key_desc__small_buffer__truncated_terminated),
        U(store_new__pem_with_root__store_trusts_it),
        U(store_new__empty_file__null_err_names_path),
        U(store_new__not_pem__null_err_names_path),
        U(store_new__nonexistent_path__null_err_names_path),
        U(connector_split__i_s_form__parts),
        U(x500_match__any_order_any_case__match),
        U(rotating_issuer__lets_encrypt_r11__family),
        J(judge__healthy_leaf_and_intermediate__no_problem),
        J(judge__root_also_sent__no_problem),
        J(judge__name_mismatch__mismatch_with_names_evidence),
        J(judge__wildcard_apex__mismatch_with_why),
        J(judge__expired_leaf__expired_fail_negative_days),
        J(judge__expired_intermediate__expired_at_depth_1),
        J(judge__not_yet_valid__not_yet_valid_fail),
        J(judge__ten_days_left__expiring_soon_warn),
        J(judge__forty_days_left__no_warning),
        J(judge__root_issued_leaf_alone_unrelated_store__missing_intermediate),
        J(judge__intermediate_not_sent__missing_intermediate),
        J(judge__self_signed_leaf__self_signed),
        J(judge__root_sent_not_in_store__unknown_root),
        J(judge__no_certificate__untrusted),
        J(judge__rsa1024_leaf__weak),
        J(judge__sha1_signed_leaf__weak),
        J(judge__sha1_signed_root_sent__not_weak),
        J(judge__tlsv1__weak_mentions_tlsv1),
        J(judge__tlsv1_2__not_weak),
        J(judge__msstd_not_matching__msstd_mismatch),
        J(judge__msstd_san_only__msstd_san_only_warn),
        J(judge__msstd_matches_cn__no_msstd_finding),
        J(judge__msstd_not_exchange__no_msstd_step),
        J(judge__cn_only_cert__cn_only_warn),
        J(judge__ip_host_san_ip__no_problem),
        J(judge__trailing_dot_host__no_problem),
        J(judge__several_flaws__each_reported_in_order),
        J(judge__client_auth_only_leaf__wrong_purpose),
        J(judge__server_auth_leaf__no_problem),
        J(judge__ca_certificate_as_leaf__wrong_purpose_ca),
        J(judge__ca_leaf_openssl_accepts__still_wrong_purpose),
        J(judge__wrong_intermediate_sent__incomplete_names_issuer_and_aia),
        J(judge__both_forms_untrusted_first__warn_openssl_fails),
        J(judge__both_forms_trusted_first__no_problem),
        J(judge__expired_cross_sign_not_needed__extra_expired_warn),
        J(judge__reversed_chain__no_problem),
        J(judge__name_constraints_violated__untrusted_name_constraints),
        J(judge__sha1_intermediate__weak_fail),
        J(judge__rsa1024_intermediate__weak_warn),
        J(judge__rsa512_md5_leaf__weak_fail),
        J(judge__rules__every_row_documented_with_source),
        J(judge__47_day_cert_20_days_left__no_warning),
        J(judge__47_day_cert_10_days_left__warning_at_a_third),
        J(judge__warn_days_option__caps_threshold),
        J(verdict__expired_leaf__fail_expired_no_findings_added),
        J(verdict__healthy__ok),
        J(judge__rc4_cipher__weak_fail),
        J(judge__3des_cipher__weak_warn),
        J(judge__aes_gcm_cipher__no_problem),
        J(judge__missing_intermediate_aia_serves_it__windows_succeeds),
        J(judge__missing_intermediate_aia_not_fetched__cannot_tell),
        J(judge__crl_lists_leaf__revoked),
        J(judge__crl_without_leaf__not_revoked_pass),
        J(judge__crl_not_fetched__skip_not_a_problem),
        J(revocation_url__crl_only__the_crl),
        J(revocation_url__ocsp_responder__rfc6960_get),
        J(judge__stapled_ocsp_revoked__revoked_even_without_fetching),
        J(judge__stapled_ocsp_good__pass),
        J(judge__stapled_ocsp_for_other_cert__not_usable_noted),
        J(judge__no_revocation__skip),
        J(judge__dhe_1024__weak_key_exchange_fail),
        J(judge__dhe_768__dh_under_1024),
        J(judge__dhe_2048_and_x25519__no_problem),
    };
    int rc = cmocka_run_group_tests_name("cert", tests, group_setup, group_teardown);

    OPENSSL_cleanup();
    return rc;
}
