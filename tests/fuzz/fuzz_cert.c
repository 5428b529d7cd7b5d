/*
 * fuzz_cert.c — certificate handling (probes/cert.c) on certificates a
 * server could send: DER (one after another) or PEM chains. Every piece
 * (names, host and msstd: matching, hints, key) and the whole judgement.
 * Properties: every name, message and evidence string is valid UTF-8 with
 * no control characters (names with NUL or control bytes are escaped).
 * Input: [mode: bit 0 PEM] then the chain's bytes.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_model.h"
#include "xp_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <time.h>

static const struct xp_check_ops cert_ops = { .id = "cert", .title = "Certificates" };
static X509_STORE *store;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    store = X509_STORE_new();
    return 0;
}

/* Printable UTF-8; line breaks and tabs allowed (multi-line details). */
static void
text_ok(const char *s, const char *what)
{
    size_t i, n = s ? strlen(s) : 0, cl;

    for (i = 0; i < n; i += cl ? cl : 1) {
        cl = xp_utf8_printable_len(s + i, n - i);
        FUZZ_ASSERT(cl || s[i] == '\n' || s[i] == '\t', "%s: byte 0x%02x at %zu in %.200s",
                    what, (unsigned char)s[i], i, s);
    }
}

static STACK_OF(X509) *
read_chain(const uint8_t *data, size_t size, int pem)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *x;

    if (pem) {
        BIO *bio = BIO_new_mem_buf(data, (int)size);

        while (sk_X509_num(chain) < 8 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
            sk_X509_push(chain, x);
        BIO_free(bio);
    } else {
        const unsigned char *p = data, *end = data + size;

        while (p < end && sk_X509_num(chain) < 8 &&
               (x = d2i_X509(NULL, &p, (long)(end - p))))
            sk_X509_push(chain, x);
    }
    ERR_clear_error();
    return chain;
}

static void
pieces(X509 *x)
{
    size_t n, i;
    char **names = xp_cert_names(x, &n), key[64];
    int cn_only, weak;

    for (i = 0; i < n; i++)
        text_ok(names[i], "name");
    xp_strv_free(names, n);
    (void)xp_cert_host_matches(x, "mail.contoso.com", &cn_only);
    (void)xp_cert_host_matches(x, "192.0.2.1", &cn_only);
    (void)xp_cert_msstd_match(x, "msstd:mail.contoso.com");
    text_ok(xp_cert_mismatch_hint(x, "mail.contoso.com"), "hint");
    xp_cert_key_desc(x, key, sizeof(key), &weak);
    (void)xp_cert_days_until(X509_get0_notAfter(x), time(NULL));
}

static void
judge(STACK_OF(X509) *chain)
{
    struct xp_run run = { 0 };
    struct xp_target t = { 0 };
    struct xp_check c = { 0 };
    struct xp_tls_info info = { 0 };
    struct xp_cert_opts o = { 0 };
    const struct xp_finding *f;
    struct xp_step *parent;

    t.run = &run;
    c.ops = &cert_ops;
    c.target = &t;
    snprintf(info.host, sizeof(info.host), "%s", "mail.contoso.com");
    info.port = 443;
    info.handshake_ok = 1;
    snprintf(info.protocol, sizeof(info.protocol), "%s", "TLSv1.2");
    info.chain = chain;
    o.store = store;
    o.warn_days = 30;
    o.now = time(NULL);
    o.msstd = "msstd:mail.contoso.com";
    parent = xp_step_begin(&c, NULL, "Certificate of mail.contoso.com:443");
    xp_cert_judge(&c, parent, &info, 1, &o);
    xp_step_end(parent, xp_step_children_worst(parent), NULL);
    for (f = c.findings; f; f = f->next) {
        const struct xp_evidence *e;

        text_ok(f->message, "message");
        for (e = f->evidence; e; e = e->next) {
            size_t i;

            if (e->kind == XP_EVK_STR)
                text_ok(e->str, e->key);
            for (i = 0; e->kind == XP_EVK_LIST && i < e->nitems; i++)
                text_ok(e->items[i], e->key);
        }
    }
    info.chain = NULL;   /* the caller's */
    xp_check_clear(&c);
    xp_tls_info_clear(&info);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STACK_OF(X509) *chain;
    int i;

    if (size < 1)
        return 0;
    chain = read_chain(data + 1, size - 1, data[0] & 1);
    for (i = 0; i < sk_X509_num(chain); i++)
        pieces(sk_X509_value(chain, i));
    if (sk_X509_num(chain) > 0)
        judge(chain);
    sk_X509_pop_free(chain, X509_free);
    return 0;
}
