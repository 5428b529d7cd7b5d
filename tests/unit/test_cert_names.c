/*
 * test_cert_names.c — certificate names are length-counted bytes: a CN or
 * SAN dNSName holding a NUL ("mail.contoso.com\0.evil.example") or control
 * bytes matches nothing (host, msstd:) and is shown escaped; a certificate
 * with an empty subject is judged without touching a NULL pointer. The
 * certificates are made here, in memory, with the hostile bytes put into
 * the ASN.1 strings directly (no text parser would let them through).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "xp.h"
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_model.h"
#include "xp_tls.h"

static EVP_PKEY *key;

/* A self-signed certificate; cn/san are bytes with explicit lengths
 * (cn NULL: an empty subject; san NULL: no SAN). */
static X509 *
mkcert(const char *cn, size_t cnlen, const char *san, size_t sanlen)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    assert_non_null(x);
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    if (cn)
        assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_UTF8STRING,
                                                     (const unsigned char *)cn, (int)cnlen,
                                                     -1, 0),
                         1);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_NAME_free(name);
    X509_set_pubkey(x, key);
    if (san) {
        GENERAL_NAMES *gens = GENERAL_NAMES_new();
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();

        assert_int_equal(ASN1_STRING_set(s, san, (int)sanlen), 1);
        GENERAL_NAME_set0_value(g, GEN_DNS, s);
        sk_GENERAL_NAME_push(gens, g);
        assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0), 1);
        GENERAL_NAMES_free(gens);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

#define NUL_NAME "mail.contoso.com\0.evil.example"
#define LEN(lit) (sizeof(lit) - 1)

static void
names__nul_in_cn__no_match_escaped(void **state)
{
    X509 *x = mkcert(NUL_NAME, LEN(NUL_NAME), NULL, 0);
    size_t n;
    char **names = xp_cert_names(x, &n);
    int cn_only;

    (void)state;
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "CN=mail.contoso.com\\x00.evil.example");
    xp_strv_free(names, n);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 0);
    assert_int_equal(xp_cert_host_matches(x, "mail.contoso.com", &cn_only), 0);
    X509_free(x);
}

static void
names__nul_in_san__no_match_escaped(void **state)
{
    X509 *x = mkcert("other.example", LEN("other.example"), NUL_NAME, LEN(NUL_NAME));
    size_t n;
    char **names = xp_cert_names(x, &n);
    int cn_only;

    (void)state;
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "mail.contoso.com\\x00.evil.example");
    xp_strv_free(names, n);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 0);
    assert_int_equal(xp_cert_host_matches(x, "mail.contoso.com", &cn_only), 0);
    X509_free(x);
}

static void
names__control_and_backslash__escaped_never_match(void **state)
{
    static const char esc[] = "mail\x1b[31m.contoso.com";
    static const char bs[] = "mail\\.contoso.com";
    static const char c1[] = "mail.contoso.com\xc2\x9b";
    X509 *x;
    size_t n;
    char **names;
    int cn_only;

    (void)state;
    x = mkcert(esc, LEN(esc), NULL, 0);
    names = xp_cert_names(x, &n);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "CN=mail\\x1b[31m.contoso.com");
    xp_strv_free(names, n);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail\x1b[31m.contoso.com"), 0);
    assert_int_equal(xp_cert_host_matches(x, "mail\x1b[31m.contoso.com", &cn_only), 0);
    X509_free(x);

    x = mkcert("a.example", LEN("a.example"), bs, LEN(bs));
    names = xp_cert_names(x, &n);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "mail\\\\.contoso.com");
    xp_strv_free(names, n);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail\\.contoso.com"), 0);
    X509_free(x);

    x = mkcert(c1, LEN(c1), NULL, 0);
    names = xp_cert_names(x, &n);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "CN=mail.contoso.com\\xc2\\x9b");
    xp_strv_free(names, n);
    X509_free(x);
}

/* The healthy case beside the broken ones: same names without the NUL. */
static void
names__clean__match(void **state)
{
    X509 *x = mkcert("mail.contoso.com", LEN("mail.contoso.com"), NULL, 0);
    size_t n;
    char **names = xp_cert_names(x, &n);
    int cn_only;

    (void)state;
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "CN=mail.contoso.com");
    xp_strv_free(names, n);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 2);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:MAIL.contoso.com"), 2);
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.co"), 0);
    assert_int_equal(xp_cert_host_matches(x, "mail.contoso.com", &cn_only), 1);
    assert_int_equal(cn_only, 1);
    X509_free(x);

    x = mkcert("x.example", LEN("x.example"), "mail.contoso.com", LEN("mail.contoso.com"));
    assert_int_equal(xp_cert_msstd_match(x, "msstd:mail.contoso.com"), 1);
    X509_free(x);
}

/* ---- end to end: the judge's evidence, and an empty subject ---- */

static const struct xp_check_ops cert_ops = { .id = "cert", .title = "Certificates" };

static const struct xp_evidence *
ev(const struct xp_finding *f, const char *k)
{
    const struct xp_evidence *e;

    for (e = f->evidence; e; e = e->next)
        if (strcmp(e->key, k) == 0)
            return e;
    return NULL;
}

static int
no_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* Judge X for mail.contoso.com; every finding's evidence is checked to be
 * free of control bytes. Returns 1 if CERT_NAME_MISMATCH was found, and
 * leaves the names evidence's items in *names (owned by the check). */
static int
judge_for_mismatch(X509 *x, char *names_out, size_t len)
{
    struct xp_run run = { 0 };
    struct xp_target t = { 0 };
    struct xp_check c = { 0 };
    struct xp_tls_info info = { 0 };
    struct xp_cert_opts o = { 0 };
    const struct xp_finding *f;
    struct xp_step *parent;
    int mismatch = 0;

    t.run = &run;
    c.ops = &cert_ops;
    c.target = &t;
    snprintf(info.host, sizeof(info.host), "%s", "mail.contoso.com");
    info.port = 443;
    info.handshake_ok = 1;
    snprintf(info.protocol, sizeof(info.protocol), "%s", "TLSv1.3");
    info.chain = sk_X509_new_null();
    X509_up_ref(x);
    sk_X509_push(info.chain, x);
    o.store = X509_STORE_new();
    o.warn_days = 30;
    o.now = time(NULL);
    o.msstd = "msstd:mail.contoso.com";
    parent = xp_step_begin(&c, NULL, "Certificate of mail.contoso.com:443");
    xp_cert_judge(&c, parent, &info, 1, &o);
    xp_step_end(parent, xp_step_children_worst(parent), NULL);
    names_out[0] = '\0';
    for (f = c.findings; f; f = f->next) {
        const struct xp_evidence *e;

        assert_true(no_control(f->message));
        for (e = f->evidence; e; e = e->next) {
            size_t i;

            if (e->kind == XP_EVK_STR)
                assert_true(no_control(e->str));
            for (i = 0; e->kind == XP_EVK_LIST && i < e->nitems; i++)
                assert_true(no_control(e->items[i]));
        }
        if (f->code == XP_CERT_NAME_MISMATCH) {
            const struct xp_evidence *ne = ev(f, "names");

            mismatch = 1;
            if (ne && ne->kind == XP_EVK_LIST && ne->nitems)
                snprintf(names_out, len, "%s", ne->items[0]);
        }
    }
    xp_check_clear(&c);
    xp_tls_info_clear(&info);
    X509_STORE_free(o.store);
    return mismatch;
}

static void
judge__nul_in_cn__mismatch_with_escaped_evidence(void **state)
{
    X509 *x = mkcert(NUL_NAME, LEN(NUL_NAME), NULL, 0);
    char names[256];

    (void)state;
    assert_int_equal(judge_for_mismatch(x, names, sizeof(names)), 1);
    assert_string_equal(names, "CN=mail.contoso.com\\x00.evil.example");
    X509_free(x);
}

static void
judge__clean_cn__no_mismatch(void **state)
{
    X509 *x = mkcert("mail.contoso.com", LEN("mail.contoso.com"), NULL, 0);
    char names[256];

    (void)state;
    assert_int_equal(judge_for_mismatch(x, names, sizeof(names)), 0);
    X509_free(x);
}

static void
judge__empty_subject__judged(void **state)
{
    X509 *x = mkcert(NULL, 0, NULL, 0);
    size_t n;
    char **names = xp_cert_names(x, &n);
    char shown[256];

    (void)state;
    assert_int_equal(n, 0);
    xp_strv_free(names, n);
    assert_int_equal(judge_for_mismatch(x, shown, sizeof(shown)), 1);
    X509_free(x);
}

static void
xstrndup__null_empty__empty_string(void **state)
{
    char *s = xstrndup(NULL, 0);

    (void)state;
    assert_string_equal(s, "");
    free(s);
}

static int
setup(void **state)
{
    (void)state;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return key ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(key);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names__nul_in_cn__no_match_escaped),
        cmocka_unit_test(names__nul_in_san__no_match_escaped),
        cmocka_unit_test(names__control_and_backslash__escaped_never_match),
        cmocka_unit_test(names__clean__match),
        cmocka_unit_test(judge__nul_in_cn__mismatch_with_escaped_evidence),
        cmocka_unit_test(judge__clean_cn__no_mismatch),
        cmocka_unit_test(judge__empty_subject__judged),
        cmocka_unit_test(xstrndup__null_empty__empty_string),
    };

    return cmocka_run_group_tests_name("cert names", tests, setup, teardown);
}
