/*
 * fuzz_mailsec.c — the mail transport security parsers of issue 13: the
 * MTA-STS policy, _mta-sts and _smtp._tls TXT records, the mx: pattern
 * match (probes/mtasts.c), the Exchange Online MX rule (probes/exo_mx.c)
 * and TLSA RDATA (probes/tlsa.c). Properties: a valid policy has version,
 * mode, max_age in range and mx lines unless none; an invalid one says
 * why; a match with "*." covers exactly one more label; the MTA-STS
 * pattern exprobe proposes for an Exchange Online MX covers that MX.
 * Input: [which] then the bytes (for the matcher: PATTERN NUL HOST).
 */
#include "fuzz.h"

#include <strings.h>

#include "xp.h"
#include "xp_exo.h"
#include "xp_mtasts.h"
#include "xp_tlsa.h"

static void
policy(const char *s, size_t n)
{
    struct xp_sts_policy p;
    size_t i;

    if (xp_sts_policy_parse(s, n, &p) == 0) {
        FUZZ_ASSERT(p.version_ok && p.mode != XP_STS_MODE_UNSET, "valid without version/mode");
        FUZZ_ASSERT(p.max_age >= 0 && p.max_age <= XP_STS_MAX_AGE_MAX, "max_age %ld",
                    p.max_age);
        FUZZ_ASSERT(p.nmx > 0 || p.mode == XP_STS_NONE, "no mx");
        FUZZ_ASSERT(p.error[0] == '\0', "valid with an error");
    } else {
        FUZZ_ASSERT(p.error[0] != '\0', "invalid without a reason");
    }
    FUZZ_ASSERT(p.nmx <= XP_STS_MAX_MX, "%zu mx", p.nmx);
    for (i = 0; i < p.nmx; i++)
        FUZZ_ASSERT(memchr(p.mx[i], '\0', sizeof(p.mx[i])) != NULL, "mx not terminated");
}

static void
txt(const char *s, size_t n)
{
    char id[40], err[256];
    int rc = xp_sts_txt(s, n, id, sizeof(id), err, sizeof(err));

    FUZZ_ASSERT(rc >= -1 && rc <= 1, "rc %d", rc);
    if (rc == 1)
        FUZZ_ASSERT(strlen(id) >= 1 && strlen(id) <= 32, "id length %zu", strlen(id));
    if (rc == -1)
        FUZZ_ASSERT(err[0], "invalid STS record without a reason");
    rc = xp_tlsrpt_txt(s, n, err, sizeof(err));
    if (rc == -1)
        FUZZ_ASSERT(err[0], "invalid TLS-RPT record without a reason");
}

static void
match(const char *s, size_t n)
{
    const char *nul = memchr(s, '\0', n);
    char *pat, *host;

    if (!nul)
        return;
    pat = fuzz_cstr((const uint8_t *)s, (size_t)(nul - s));
    host = fuzz_cstr((const uint8_t *)nul + 1, n - (size_t)(nul - s) - 1);
    size_t pl = strlen(pat);

    if (pl && pat[pl - 1] == '.')
        pl--;                          /* "*." alone is the name "*", no wildcard */
    if (xp_sts_mx_match(pat, host) && pl > 2 && pat[0] == '*' && pat[1] == '.') {
        const char *dot = strchr(host, '.');

        FUZZ_ASSERT(dot && dot != host, "wildcard matched %s with no first label", host);
    }
    free(pat);
    free(host);
}

static void
exo(const char *s, size_t n)
{
    char *host = fuzz_cstr((const uint8_t *)s, n), pat[128], label[64];
    struct xp_exo_mx m;
    size_t hl = strlen(host);
    const char *dot = strchr(host, '.');

    if (xp_exo_mx_classify(host, "eop.example", &m) != XP_EXO_NOT)
        FUZZ_ASSERT(dot && dot != host, "Exchange Online MX %s without a tenant label", host);
    if (hl && host[hl - 1] == '.')
        host[--hl] = '\0';
    /* the pattern exprobe proposes covers an MX with one tenant label */
    if (xp_exo_mx_sts_pattern(host, pat, sizeof(pat)) && dot && dot != host &&
        strlen(dot + 1) == strlen(pat) - 2 && strcasecmp(dot + 1, pat + 2) == 0)
        FUZZ_ASSERT(xp_sts_mx_match(pat, host), "%s does not cover %s", pat, host);
    xp_exo_tenant_label(host, label, sizeof(label));
    FUZZ_ASSERT(strchr(label, '.') == NULL, "dot in the tenant label");
    free(host);
}

static void
tlsa(const char *s, size_t n)
{
    struct xp_tlsa t;
    char buf[400];

    if (xp_tlsa_parse((const unsigned char *)s, n, &t) < 0) {
        FUZZ_ASSERT(n < 4, "refused %zu bytes", n);
        return;
    }
    FUZZ_ASSERT(t.data + t.len == (const unsigned char *)s + n, "data outside the RDATA");
    (void)xp_tlsa_usable(&t);
    xp_tlsa_format(&t, buf, sizeof(buf));
    FUZZ_ASSERT(strlen(buf) < sizeof(buf), "format overflow");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s;

    if (size < 1)
        return 0;
    s = (const char *)data + 1;
    switch (data[0] % 5) {
    case 0:
        policy(s, size - 1);
        break;
    case 1:
        txt(s, size - 1);
        break;
    case 2:
        match(s, size - 1);
        break;
    case 3:
        exo(s, size - 1);
        break;
    default:
        tlsa(s, size - 1);
        break;
    }
    return 0;
}
