/*
 * test_tlsa.c — the TLSA matcher (probes/tlsa.c, RFC 6698 / 7672): usable
 * records, 3 x x against the leaf only (name and dates not checked),
 * 2 x x against a sent issuer (chain and name checked), selectors 0/1,
 * matching 0/1/2, the record to publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "xp_tlsa.h"

static EVP_PKEY *ca_key, *leaf_key, *other_key;
static X509 *ca, *leaf, *other;

static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, const char *san,
          int is_ca)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509_EXTENSION *ext;
    X509V3_CTX v3;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), is_ca ? 1 : 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                              is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (san) {
        ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(x, signer, EVP_sha256());
    X509_NAME_free(name);
    return x;
}

static int
setup(void **state)
{
    (void)state;
    ca_key = EVP_EC_gen("P-256");
    leaf_key = EVP_EC_gen("P-256");
    other_key = EVP_EC_gen("P-256");
    ca = make_cert(ca_key, ca_key, NULL, "Lab CA", NULL, 1);
    leaf = make_cert(leaf_key, ca_key, ca, "mx.example.test", "DNS:mx.example.test", 0);
    other = make_cert(other_key, other_key, NULL, "other", "DNS:other.test", 0);
    return ca && leaf && other ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    X509_free(ca);
    X509_free(leaf);
    X509_free(other);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(leaf_key);
    EVP_PKEY_free(other_key);
    return 0;
}

/* Parse "U S M HEX" into rec (data in buf). */
static void
rec_of(const char *text, struct xp_tlsa *rec, unsigned char *buf)
{
    unsigned u, s, m;
    int off = 0;
    size_t n = 0;
    unsigned byte;

    assert_int_equal(sscanf(text, "%u %u %u %n", &u, &s, &m, &off), 3);
    buf[0] = (unsigned char)u;
    buf[1] = (unsigned char)s;
    buf[2] = (unsigned char)m;
    while (sscanf(text + off + 2 * n, "%2x", &byte) == 1)
        buf[3 + n++] = (unsigned char)byte;
    assert_int_equal(xp_tlsa_parse(buf, 3 + n, rec), 0);
}

static STACK_OF(X509) *
chain_of(X509 *a, X509 *b)
{
    STACK_OF(X509) *sk = sk_X509_new_null();

    sk_X509_push(sk, a);
    if (b)
        sk_X509_push(sk, b);
    return sk;
}

static void
test_parse_usable(void **state)
{
    unsigned char short_rd[] = { 3, 1 };
    unsigned char rd[3 + 32] = { 3, 1, 1 };
    struct xp_tlsa t;

    (void)state;
    assert_int_equal(xp_tlsa_parse(short_rd, sizeof(short_rd), &t), -1);
    assert_int_equal(xp_tlsa_parse(rd, sizeof(rd), &t), 0);
    assert_true(xp_tlsa_usable(&t));
    rd[0] = 1;                       /* PKIX-EE: not for SMTP */
    xp_tlsa_parse(rd, sizeof(rd), &t);
    assert_false(xp_tlsa_usable(&t));
    rd[0] = 3;
    rd[2] = 2;                       /* SHA-512 wants 64 bytes */
    xp_tlsa_parse(rd, sizeof(rd), &t);
    assert_false(xp_tlsa_usable(&t));
    rd[2] = 0;
    rd[1] = 2;                       /* selector 2 does not exist */
    xp_tlsa_parse(rd, sizeof(rd), &t);
    assert_false(xp_tlsa_usable(&t));
}

static void
test_ee_all_forms(void **state)
{
    static const unsigned sel[] = { 0, 1 }, mt[] = { 1, 2 };
    char text[300];
    unsigned char buf[200];
    struct xp_tlsa rec;
    size_t i, j;

    (void)state;
    for (i = 0; i < 2; i++)
        for (j = 0; j < 2; j++) {
            assert_int_equal(xp_tlsa_record_for(leaf, 3, sel[i], mt[j], text, sizeof(text)), 0);
            rec_of(text, &rec, buf);
            assert_true(xp_tlsa_match_cert(&rec, leaf));
            assert_false(xp_tlsa_match_cert(&rec, other));
        }
    /* 3 1 1 of the leaf printed as the record to publish */
    xp_tlsa_record_for(leaf, 3, 1, 1, text, sizeof(text));
    assert_int_equal(strlen(text), strlen("3 1 1 ") + 64);
    assert_int_equal(xp_tlsa_record_for(leaf, 3, 1, 0, text, sizeof(text)), -1);
}

static void
test_exact_match(void **state)
{
    unsigned char *der = NULL, rd[600];
    int n = i2d_PUBKEY(X509_get0_pubkey(leaf), &der);
    struct xp_tlsa rec;

    (void)state;
    rd[0] = 3;
    rd[1] = 1;
    rd[2] = 0;
    memcpy(rd + 3, der, (size_t)n);
    xp_tlsa_parse(rd, 3 + (size_t)n, &rec);
    assert_true(xp_tlsa_match_cert(&rec, leaf));
    rec.len--;                       /* a truncated record never matches */
    assert_false(xp_tlsa_match_cert(&rec, leaf));
    OPENSSL_free(der);
}

static void
test_chain_ee_ignores_name(void **state)
{
    char text[300];
    unsigned char buf[200];
    struct xp_tlsa rec;
    STACK_OF(X509) *sk = chain_of(leaf, ca);
    int which;
    char why[256];

    (void)state;
    xp_tlsa_record_for(leaf, 3, 1, 1, text, sizeof(text));
    rec_of(text, &rec, buf);
    /* DANE-EE: the host name does not matter */
    assert_int_equal(xp_tlsa_match_chain(&rec, 1, sk, "unrelated.test", &which, why,
                                         sizeof(why)), XP_TLSA_MATCH_EE);
    assert_int_equal(which, 0);
    sk_X509_free(sk);
}

static void
test_chain_ta(void **state)
{
    char text[300];
    unsigned char buf[200];
    struct xp_tlsa rec;
    STACK_OF(X509) *sk = chain_of(leaf, ca), *alone = chain_of(leaf, NULL);
    int which;
    char why[256];

    (void)state;
    xp_tlsa_record_for(ca, 2, 1, 1, text, sizeof(text));
    rec_of(text, &rec, buf);
    assert_int_equal(xp_tlsa_match_chain(&rec, 1, sk, "mx.example.test.", &which, why,
                                         sizeof(why)), XP_TLSA_MATCH_TA);
    /* the right anchor, the wrong name */
    assert_int_equal(xp_tlsa_match_chain(&rec, 1, sk, "mx2.example.test", &which, why,
                                         sizeof(why)), XP_TLSA_TA_BAD_NAME);
    assert_non_null(strstr(why, "mx2.example.test"));
    /* the issuer not sent: a 2 x x record cannot match */
    assert_int_equal(xp_tlsa_match_chain(&rec, 1, alone, "mx.example.test", &which, why,
                                         sizeof(why)), XP_TLSA_NO_MATCH);
    /* 2 x x of the leaf itself is not an anchor match */
    xp_tlsa_record_for(leaf, 2, 1, 1, text, sizeof(text));
    rec_of(text, &rec, buf);
    assert_int_equal(xp_tlsa_match_chain(&rec, 1, sk, "mx.example.test", &which, why,
                                         sizeof(why)), XP_TLSA_NO_MATCH);
    sk_X509_free(sk);
    sk_X509_free(alone);
}

static void
test_chain_stale_and_unusable(void **state)
{
    char t1[300], t2[300];
    unsigned char b1[200], b2[200];
    struct xp_tlsa recs[2];
    STACK_OF(X509) *sk = chain_of(leaf, ca);
    int which;
    char why[256];

    (void)state;
    xp_tlsa_record_for(other, 3, 1, 1, t1, sizeof(t1));          /* stale: another key */
    rec_of(t1, &recs[0], b1);
    assert_int_equal(xp_tlsa_match_chain(recs, 1, sk, "mx.example.test", &which, why,
                                         sizeof(why)), XP_TLSA_NO_MATCH);
    assert_int_equal(which, -1);
    /* the current key as second record: rollover set matches on it */
    xp_tlsa_record_for(leaf, 3, 1, 1, t2, sizeof(t2));
    rec_of(t2, &recs[1], b2);
    assert_int_equal(xp_tlsa_match_chain(recs, 2, sk, "mx.example.test", &which, why,
                                         sizeof(why)), XP_TLSA_MATCH_EE);
    assert_int_equal(which, 1);
    /* PKIX usages only: nothing usable */
    t2[0] = '1';
    rec_of(t2, &recs[1], b2);
    t1[0] = '0';
    rec_of(t1, &recs[0], b1);
    assert_int_equal(xp_tlsa_match_chain(recs, 2, sk, "mx.example.test", &which, why,
                                         sizeof(why)), XP_TLSA_NONE_USABLE);
    sk_X509_free(sk);
}

static void
test_format(void **state)
{
    unsigned char rd[] = { 3, 1, 1, 0xab, 0x01 };
    struct xp_tlsa t;
    char buf[64];

    (void)state;
    xp_tlsa_parse(rd, sizeof(rd), &t);
    xp_tlsa_format(&t, buf, sizeof(buf));
    assert_string_equal(buf, "3 1 1 AB01");
    xp_tlsa_format(&t, buf, 9);
    assert_string_equal(buf, "3 1 1 AB");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_usable),
        cmocka_unit_test(test_ee_all_forms),
        cmocka_unit_test(test_exact_match),
        cmocka_unit_test(test_chain_ee_ignores_name),
        cmocka_unit_test(test_chain_ta),
        cmocka_unit_test(test_chain_stale_and_unusable),
        cmocka_unit_test(test_format),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
