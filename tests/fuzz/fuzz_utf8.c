/*
 * fuzz_utf8.c — the UTF-8 gate every outside string passes (probes/utf8.c).
 * Properties: xp_utf8_clean's output is valid UTF-8 without NUL, at most max
 * bytes, and unchanged for valid input that fits; xp_utf8_printable agrees
 * with its per-character length.
 * Input: [max] then the bytes.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s;
    size_t n, max, len, i, cl;
    char *out;
    int printable = 1;

    if (size < 1)
        return 0;
    max = data[0] < 200 ? data[0] : (size_t)data[0] * 16;
    s = (const char *)data + 1;
    n = size - 1;
    out = xp_utf8_clean(s, n, max);
    len = strlen(out);
    FUZZ_ASSERT(len <= max, "%zu bytes for max %zu", len, max);
    FUZZ_ASSERT(fuzz_utf8_valid(out, len), "invalid output %.100s", out);
    if (fuzz_utf8_valid(s, n) && n <= max && !memchr(s, 0, n))
        FUZZ_ASSERT(len == n && memcmp(out, s, n) == 0, "valid input changed");
    free(out);
    for (i = 0; i < n; i += cl ? cl : 1) {
        cl = xp_utf8_printable_len(s + i, n - i);
        FUZZ_ASSERT(cl <= 4 && i + cl <= n, "length %zu at %zu", cl, i);
        if (!cl)
            printable = 0;
    }
    FUZZ_ASSERT(printable == xp_utf8_printable(s, n), "xp_utf8_printable disagrees");
    return 0;
}
