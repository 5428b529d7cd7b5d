/*
 * fuzz_smtp_reply.c — the SMTP reply parser (probes/net_smtp.c) on server
 * bytes cut where the fuzzer chooses. Property: any segmentation gives the
 * same replies and the same error as the bytes fed at once.
 * Input: [flags][ncuts][2 bytes per cut] then the server's bytes.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_smtp.h"

/* Everything the parser says, serialised; cuts ascending. */
static char *
outcome(const char *text, size_t len, const size_t *cuts, size_t ncuts,
        const struct xp_smtp_limits *lim)
{
    struct xp_smtp_parser p;
    struct xp_buf out = { 0 };
    size_t off = 0, c;
    int rc = 0;
    char tail[256];

    xp_smtp_parser_init(&p, lim);
    xp_buf_add(&out, "", 0);
    for (c = 0; c <= ncuts && rc >= 0; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        struct xp_smtp_reply r;

        if (end < off)
            end = off;
        if (xp_smtp_feed(&p, text + off, end - off) < 0)
            break;
        off = end;
        while ((rc = xp_smtp_next(&p, &r)) == 1) {
            char head[64], *t = xp_smtp_reply_text(&r);

            snprintf(head, sizeof(head), "[%d %s %u]", r.code, r.enhanced,
                     xp_smtp_ehlo_ext(&r));
            xp_buf_add(&out, head, strlen(head));
            xp_buf_add(&out, t, strlen(t));
            free(t);
            xp_smtp_reply_free(&r);
        }
    }
    snprintf(tail, sizeof(tail), " err=%d '%s' left=%zu", (int)p.err, p.errline,
             p.err ? 0 : xp_smtp_buffered(&p));
    xp_buf_add(&out, tail, strlen(tail));
    xp_smtp_parser_free(&p);
    return out.s;
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct xp_smtp_limits small = { .line_max = 40, .lines_max = 4,
                                                 .total_max = 200 };
    const struct xp_smtp_limits *lim;
    size_t ncuts, cuts[8], i, len;
    const char *text;
    char *whole, *split;

    if (size < 2)
        return 0;
    lim = data[0] & 1 ? &small : NULL;
    ncuts = data[1] % 8;
    if (size < 2 + 2 * ncuts)
        return 0;
    text = (const char *)data + 2 + 2 * ncuts;
    len = size - 2 - 2 * ncuts;
    for (i = 0; i < ncuts; i++)
        cuts[i] = len ? (size_t)(data[2 + 2 * i] << 8 | data[3 + 2 * i]) % (len + 1) : 0;
    qsort(cuts, ncuts, sizeof(cuts[0]), cmp_size);
    whole = outcome(text, len, NULL, 0, lim);
    split = outcome(text, len, cuts, ncuts, lim);
    FUZZ_ASSERT(strcmp(whole, split) == 0, "whole: %.300s\nsplit: %.300s", whole, split);
    free(whole);
    free(split);
    return 0;
}
