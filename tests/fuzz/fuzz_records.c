/*
 * fuzz_records.c — the DNS TXT record parsers: SPF (probes/spf.c: terms,
 * the lookup count, include:, all) and tag=value lists (probes/tagval.c:
 * DKIM, DMARC, MTA-STS, TLS-RPT). Properties: every term and tag points
 * inside the input; item splitting ends.
 * Input: [which] then the record's text.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_spf.h"
#include "xp_tagval.h"

static const char *rec;
static size_t reclen;

static int
inside(const char *p, size_t n)
{
    return n == 0 || (p >= rec && p + n <= rec + reclen);
}

static void
on_term(void *ctx, enum xp_spf_kind kind, const struct xp_spf_term *t)
{
    (void)ctx;
    (void)kind;
    FUZZ_ASSERT(inside(t->tok, t->len) && inside(t->name, t->namelen) &&
                    inside(t->arg, t->arglen),
                "term outside the record");
}

static void
spf(void)
{
    const char *p = rec, *end = rec + reclen;
    struct xp_spf_term t;
    int guard = 0;

    (void)xp_spf_is_record(rec, reclen);
    while (xp_spf_next(&p, end, &t) && guard++ < 10000) {
        on_term(NULL, xp_spf_kind(&t), &t);
        FUZZ_ASSERT(p <= end, "past the end");
    }
    (void)xp_spf_scan(rec, reclen, on_term, NULL);
    (void)xp_spf_has_include(rec, reclen, "spf.protection.outlook.com");
    (void)xp_spf_all(rec, reclen);
}

static void
tags(void)
{
    struct xp_tags t;
    struct xp_tags_error e;
    size_t i;

    if (xp_tags_parse(rec, reclen, &t, &e) < 0) {
        FUZZ_ASSERT(e.reason != NULL && e.offset <= reclen, "error at %zu", e.offset);
        return;
    }
    FUZZ_ASSERT(t.n <= XP_TAGS_MAX, "%zu tags", t.n);
    for (i = 0; i < t.n; i++) {
        size_t pos = 0, len, guard = 0;
        const char *item;

        FUZZ_ASSERT(inside(t.tag[i].name, t.tag[i].namelen) &&
                        inside(t.tag[i].value, t.tag[i].valuelen),
                    "tag outside the record");
        while (xp_tag_next_item(&t.tag[i], i & 1 ? ':' : ',', &pos, &item, &len)) {
            FUZZ_ASSERT(inside(item, len) && ++guard <= reclen + 1, "item");
        }
    }
    (void)xp_tags_first_is(&t, "v", "DMARC1");
    (void)xp_tag_is(xp_tags_get(&t, "p"), "reject");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    rec = (const char *)data + 1;
    reclen = size - 1;
    if (data[0] & 1)
        spf();
    else
        tags();
    return 0;
}
