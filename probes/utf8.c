/*
 * utf8.c — the single place where bytes from the network become text:
 * every string entering the model passes here, so reporters can trust it
 * is valid UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
 * holds no NUL, and is bounded.
 */
#include "xp_model.h"

#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD"
#define ELLIPSIS "\xE2\x80\xA6"

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len, i;
    unsigned cp;

    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;   /* NUL, continuation byte, 0xC0/0xC1, 0xF5.. */
    }
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;   /* overlong or out of range */
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;   /* UTF-16 surrogate */
    return len;
}

size_t
xp_utf8_printable_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = n ? seq_len(p, n) : 0;

    if (len == 1 && (p[0] < 0x20 || p[0] == 0x7f))
        return 0;   /* C0 control, DEL */
    if (len == 2 && p[0] == 0xC2 && p[1] < 0xA0)
        return 0;   /* C1 control (U+0080..U+009F: 0x9B is CSI) */
    return len;
}

int
xp_utf8_printable(const char *s, size_t n)
{
    size_t i = 0, len;

    while (i < n) {
        len = xp_utf8_printable_len(s + i, n - i);
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

char *
xp_utf8_clean(const char *s, size_t n, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    struct xp_buf out = { 0 };
    size_t i = 0, fits = 0;   /* fits: output length that leaves room for "…" */
    int ellipsis = max >= 4;

    xp_buf_add(&out, "", 0);
    while (i < n) {
        size_t len = seq_len(p + i, n - i);
        const char *piece = len ? s + i : REPLACEMENT;
        size_t plen = len ? len : 3;

        if (out.len + plen > max) {
            /* Cut at a character boundary, keeping room for the mark. */
            out.len = ellipsis ? fits : out.len;
            out.s[out.len] = '\0';
            if (ellipsis)
                xp_buf_add(&out, ELLIPSIS, 3);
            break;
        }
        xp_buf_add(&out, piece, plen);
        if (out.len + 3 <= max)
            fits = out.len;
        i += len ? len : 1;
    }
    return out.s;
}
