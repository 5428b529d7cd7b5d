/*
 * ntlm.c — NTLM NEGOTIATE out, CHALLENGE in ([MS-NLMP] 2.2.1.1, 2.2.1.2,
 * 2.2.2.1 AV_PAIR, 2.2.2.10 VERSION). Little-endian fields read byte by
 * byte; UTF-16LE names converted to UTF-8 (lone surrogates become U+FFFD).
 */
#include "xp_ntlm.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define NTLM_SIG "NTLMSSP"          /* 8 bytes with its NUL */
#define MAX_B64 4096                /* a CHALLENGE is a few hundred bytes */

/* NEGOTIATE flags sent: UNICODE, OEM, REQUEST_TARGET, NTLM, ALWAYS_SIGN,
 * EXTENDED_SESSIONSECURITY, TARGET_INFO, VERSION, 128, 56. */
#define NEG_FLAGS 0xa2888207u

static uint16_t
le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

const char *
xp_ntlm_negotiate_b64(void)
{
    static char b64[64];
    unsigned char msg[40] = { 0 };

    if (b64[0])
        return b64;
    memcpy(msg, NTLM_SIG, 8);
    put32(msg + 8, 1);
    put32(msg + 12, NEG_FLAGS);
    /* 16..31: empty domain and workstation fields; 32..39: VERSION 10.0 */
    msg[32] = 10;
    msg[39] = 15;   /* NTLMSSP_REVISION_W2K3 */
    EVP_EncodeBlock((unsigned char *)b64, msg, (int)sizeof(msg));
    return b64;
}

static void
put_utf8(char *out, size_t *o, size_t cap, uint32_t cp)
{
    char tmp[4];
    size_t n, i;

    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | cp >> 6);
        tmp[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | cp >> 12);
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char)(0xf0 | cp >> 18);
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (*o + n >= cap)
        return;
    for (i = 0; i < n; i++)
        out[(*o)++] = tmp[i];
}

/* UTF-16LE (len bytes) to UTF-8 in out (truncated at a character). */
static void
utf16_to_utf8(const unsigned char *p, size_t len, char *out, size_t cap)
{
    size_t i, o = 0;

    for (i = 0; i + 1 < len; i += 2) {
        uint32_t cp = le16(p + i);

        if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < len && le16(p + i + 2) >= 0xdc00 &&
            le16(p + i + 2) < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (le16(p + i + 2) - 0xdc00);
            i += 2;
        } else if (cp >= 0xd800 && cp < 0xe000) {
            cp = 0xfffd;
        } else if (cp == 0) {
            cp = 0xfffd;   /* a NUL would cut the name short */
        }
        put_utf8(out, &o, cap, cp);
    }
    out[o] = '\0';
}

/* A (len, maxlen, offset) field at msg+at, within the message. */
static int
field(const unsigned char *msg, size_t len, size_t at, const unsigned char **p, size_t *flen)
{
    uint16_t l = le16(msg + at);
    uint32_t off = le32(msg + at + 4);

    if (l == 0) {
        *p = NULL;
        *flen = 0;
        return 0;
    }
    if (off > len || l > len - off)
        return -1;
    *p = msg + off;
    *flen = l;
    return 0;
}

static void
read_av_pairs(const unsigned char *p, size_t len, struct xp_ntlm_challenge *out)
{
    size_t i = 0;

    while (i + 4 <= len) {
        uint16_t id = le16(p + i), l = le16(p + i + 2);
        char *dst = NULL;

        if (id == 0 || l > len - i - 4)
            return;            /* MsvAvEOL, or a pair running past the field */
        switch (id) {
        case 1: dst = out->nb_computer; break;
        case 2: dst = out->nb_domain; break;
        case 3: dst = out->dns_computer; break;
        case 4: dst = out->dns_domain; break;
        case 5: dst = out->dns_tree; break;
        default: break;        /* flags, timestamp (a server date: not kept), ... */
        }
        if (dst)
            utf16_to_utf8(p + i + 4, l, dst, 256);
        i += 4 + (size_t)l;
    }
}

int
xp_ntlm_parse_challenge(const unsigned char *msg, size_t len, struct xp_ntlm_challenge *out)
{
    const unsigned char *p;
    size_t flen;

    memset(out, 0, sizeof(*out));
    if (len < 32 || memcmp(msg, NTLM_SIG, 8) != 0 || le32(msg + 8) != 2)
        return -1;
    out->flags = le32(msg + 20);
    if (field(msg, len, 12, &p, &flen) < 0)
        return -1;
    if (p) {
        if (out->flags & 1)
            utf16_to_utf8(p, flen, out->target_name, sizeof(out->target_name));
        else
            snprintf(out->target_name, sizeof(out->target_name), "%.*s", (int)flen,
                     (const char *)p);
    }
    if (len >= 48) {
        if (field(msg, len, 40, &p, &flen) < 0)
            return -1;
        if (p)
            read_av_pairs(p, flen, out);
    }
    if (len >= 56 && (out->flags & 0x02000000u)) {
        out->has_version = 1;
        out->os_major = msg[48];
        out->os_minor = msg[49];
        out->os_build = le16(msg + 50);
    }
    return 0;
}

int
xp_ntlm_parse_challenge_b64(const char *b64, struct xp_ntlm_challenge *out)
{
    unsigned char buf[MAX_B64];
    size_t n = strlen(b64), pad = 0;
    int len;

    memset(out, 0, sizeof(*out));
    if (n == 0 || n % 4 || n > MAX_B64)
        return -1;
    len = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
    if (len < 0)
        return -1;
    while (pad < 2 && n > pad && b64[n - 1 - pad] == '=')
        pad++;         /* EVP_DecodeBlock counts the padding as zero bytes */
    return xp_ntlm_parse_challenge(buf, (size_t)len - pad, out);
}

const char *
xp_ntlm_os_name(unsigned major, unsigned minor, unsigned build)
{
    static const struct { unsigned major, minor, build; const char *name; } os[] = {
        { 6, 1, 7601, "Windows Server 2008 R2" },
        { 6, 2, 9200, "Windows Server 2012" },
        { 6, 3, 9600, "Windows Server 2012 R2" },
        { 10, 0, 14393, "Windows Server 2016" },
        { 10, 0, 17763, "Windows Server 2019" },
        { 10, 0, 20348, "Windows Server 2022" },
        { 10, 0, 26100, "Windows Server 2025" },
    };
    size_t i;

    for (i = 0; i < sizeof(os) / sizeof(os[0]); i++)
        if (os[i].major == major && os[i].minor == minor && os[i].build == build)
            return os[i].name;
    return NULL;
}
