/*
 * net_smtp.c — the pure half of SMTP (xp_smtp.h): the RFC 5321 reply
 * parser, the client state machine, the firewall-inspection signs and the
 * bounded transcript. Bytes and replies in, commands out; no sockets and
 * no clock, so tests/unit/test_smtp.c drives every path directly.
 * Modelled on OpenSMTPD's smtp_client.c: the first digit of a reply picks
 * the next state, every line is checked, every read is bounded.
 */
#define _GNU_SOURCE
#include "xp_smtp.h"
#include "xp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- replies ---- */

void
xp_smtp_reply_free(struct xp_smtp_reply *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->nlines; i++)
        free(r->lines[i]);
    free(r->lines);
    memset(r, 0, sizeof(*r));
}

void
xp_smtp_reply_copy(struct xp_smtp_reply *dst, const struct xp_smtp_reply *src)
{
    size_t i;

    *dst = *src;
    dst->lines = src->nlines ? xcalloc(src->nlines, sizeof(char *)) : NULL;
    for (i = 0; i < src->nlines; i++)
        dst->lines[i] = xstrdup(src->lines[i]);
}

char *
xp_smtp_reply_text(const struct xp_smtp_reply *r)
{
    struct xp_buf b = { 0 };
    size_t i;

    for (i = 0; i < r->nlines; i++)
        xp_buf_printf(&b, "%s%03d%c%s", i ? "\n" : "", r->code,
                      i + 1 < r->nlines ? '-' : ' ', r->lines[i]);
    if (!b.s)
        return xstrdup("");
    return b.s;
}

/* ---- the parser ---- */

void
xp_smtp_parser_init(struct xp_smtp_parser *p, const struct xp_smtp_limits *lim)
{
    memset(p, 0, sizeof(*p));
    p->lim = lim ? *lim : xp_params_defaults.smtp;
}

void
xp_smtp_parser_free(struct xp_smtp_parser *p)
{
    free(p->buf);
    xp_smtp_reply_free(&p->cur);
    p->buf = NULL;
    p->len = p->cap = p->pos = 0;
}

void
xp_smtp_parser_reset(struct xp_smtp_parser *p)
{
    p->len = p->pos = 0;
    xp_smtp_reply_free(&p->cur);
}

static int
set_err(struct xp_smtp_parser *p, enum xp_smtp_perr e, const char *line, size_t n)
{
    size_t i, k = 0;

    p->err = e;
    /* Keep the offending bytes printable here: this text goes to evidence. */
    for (i = 0; i < n && k + 5 < sizeof(p->errline); i++) {
        unsigned char ch = (unsigned char)line[i];

        if (ch >= 0x20 && ch < 0x7f)
            p->errline[k++] = (char)ch;
        else
            k += (size_t)snprintf(p->errline + k, sizeof(p->errline) - k, "\\x%02x", ch);
    }
    p->errline[k] = '\0';
    return -1;
}

int
xp_smtp_feed(struct xp_smtp_parser *p, const void *data, size_t n)
{
    size_t take;

    if (p->err)
        return -1;
    /* Past the session's bound the bytes are dropped, and the error comes
     * from xp_smtp_next once the complete replies before it are taken: the
     * result never depends on how the bytes were segmented. */
    take = n < p->lim.total_max - p->total ? n : p->lim.total_max - p->total;
    if (take < n)
        p->over = 1;
    p->total += take;
    /* Drop what was parsed already before growing. */
    if (p->pos > 0) {
        memmove(p->buf, p->buf + p->pos, p->len - p->pos);
        p->len -= p->pos;
        p->pos = 0;
    }
    if (p->len + take > p->cap) {
        p->cap = p->len + take > 2 * p->cap ? p->len + take : 2 * p->cap;
        p->buf = xrealloc(p->buf, p->cap);
    }
    if (take)
        memcpy(p->buf + p->len, data, take);
    p->len += take;
    return 0;
}

static int
parse_enhanced(const char *text, int code, char *out, size_t len)
{
    const char *s = text;
    int a, b, c, used = 0;

    /* RFC 3463 wants the class to match the reply's first digit; Exchange
     * itself says "451 5.7.3", so any class 2, 4 or 5 is kept. */
    (void)code;
    if (sscanf(s, "%1d.%3d.%3d%n", &a, &b, &c, &used) != 3 || (a != 2 && a != 4 && a != 5))
        return 0;
    if (s[used] != '\0' && s[used] != ' ')
        return 0;
    snprintf(out, len, "%d.%d.%d", a, b, c);
    return 1;
}

int
xp_smtp_next(struct xp_smtp_parser *p, struct xp_smtp_reply *out)
{
    memset(out, 0, sizeof(*out));
    if (p->err)
        return -1;
    for (;;) {
        const char *line = p->buf ? p->buf + p->pos : "";   /* nothing fed yet */
        size_t avail = p->len - p->pos, n;
        const char *nl = avail ? memchr(line, '\n', avail) : NULL;
        int code;
        char sep;

        if (!nl) {
            /* Too long already, whatever comes next? A final CR may still be
             * half of the CRLF (line_max + CR is a line_max line). */
            if (avail > p->lim.line_max + 1 ||
                (avail == p->lim.line_max + 1 && line[avail - 1] != '\r'))
                return set_err(p, XP_SMTP_PERR_LINE_TOO_LONG, line, p->lim.line_max + 1);
            if (p->over)
                return set_err(p, XP_SMTP_PERR_TOO_MUCH, line, avail);
            return 0;
        }
        n = (size_t)(nl - line);
        p->pos += n + 1;
        if (n > 0 && line[n - 1] == '\r')
            n--;   /* CRLF; a bare LF is taken too, as most clients do */
        if (n > p->lim.line_max)   /* shown as far as a partial line would be */
            return set_err(p, XP_SMTP_PERR_LINE_TOO_LONG, line, p->lim.line_max + 1);
        if (memchr(line, '\0', n))
            return set_err(p, XP_SMTP_PERR_SYNTAX, line, n);
        /* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39 */
        if (n < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
            !isdigit((unsigned char)line[2]))
            return set_err(p, XP_SMTP_PERR_SYNTAX, line, n);
        sep = n > 3 ? line[3] : ' ';
        if (sep != ' ' && sep != '-')
            return set_err(p, XP_SMTP_PERR_SYNTAX, line, n);
        code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (p->cur.nlines > 0 && code != p->cur.code)
            return set_err(p, XP_SMTP_PERR_CODE_MISMATCH, line, n);
        if (p->cur.nlines >= p->lim.lines_max)
            return set_err(p, XP_SMTP_PERR_TOO_MANY_LINES, line, n);
        p->cur.code = code;
        p->cur.lines = xrealloc(p->cur.lines, (p->cur.nlines + 1) * sizeof(char *));
        p->cur.lines[p->cur.nlines++] = xstrndup(n > 4 ? line + 4 : "", n > 4 ? n - 4 : 0);
        if (sep == ' ') {
            parse_enhanced(p->cur.lines[0], code, p->cur.enhanced, sizeof(p->cur.enhanced));
            *out = p->cur;
            memset(&p->cur, 0, sizeof(p->cur));
            return 1;
        }
    }
}

size_t
xp_smtp_buffered(const struct xp_smtp_parser *p)
{
    return p->len - p->pos;
}

const char *
xp_smtp_buffered_data(const struct xp_smtp_parser *p)
{
    return p->buf ? p->buf + p->pos : "";
}

const char *
xp_smtp_perr_text(enum xp_smtp_perr e)
{
    switch (e) {
    case XP_SMTP_PERR_NONE:
        return "no error";
    case XP_SMTP_PERR_LINE_TOO_LONG:
        return "reply line too long";
    case XP_SMTP_PERR_TOO_MANY_LINES:
        return "too many lines in one reply";
    case XP_SMTP_PERR_TOO_MUCH:
        return "too much data from the server";
    case XP_SMTP_PERR_SYNTAX:
        return "malformed reply line (not 'NNN text')";
    case XP_SMTP_PERR_CODE_MISMATCH:
        return "continuation line with a different reply code";
    }
    return "?";
}

/* ---- extensions and inspection signs ---- */

static const struct {
    const char *kw;
    unsigned bit;
} ext_table[] = {
    { "STARTTLS", XP_SMTP_EXT_STARTTLS },
    { "SIZE", XP_SMTP_EXT_SIZE },
    { "8BITMIME", XP_SMTP_EXT_8BITMIME },
    { "PIPELINING", XP_SMTP_EXT_PIPELINING },
    { "AUTH", XP_SMTP_EXT_AUTH },
    { "DSN", XP_SMTP_EXT_DSN },
    { "ENHANCEDSTATUSCODES", XP_SMTP_EXT_ENHANCEDSTATUSCODES },
    { "CHUNKING", XP_SMTP_EXT_CHUNKING },
    { "BINARYMIME", XP_SMTP_EXT_BINARYMIME },
    { "SMTPUTF8", XP_SMTP_EXT_SMTPUTF8 },
    { "REQUIRETLS", XP_SMTP_EXT_REQUIRETLS },
};

/* The keyword of an EHLO line: up to the first space or '=' (AUTH=LOGIN). */
static size_t
keyword_len(const char *line)
{
    return strcspn(line, " =");
}

unsigned
xp_smtp_ehlo_ext(const struct xp_smtp_reply *r)
{
    unsigned mask = 0;
    size_t i, k;

    for (i = 1; i < r->nlines; i++) {
        size_t n = keyword_len(r->lines[i]);

        for (k = 0; k < XP_ARRAY_LEN(ext_table); k++)
            if (n == strlen(ext_table[k].kw) &&
                strncasecmp(r->lines[i], ext_table[k].kw, n) == 0)
                mask |= ext_table[k].bit;
    }
    return mask;
}

const char *
xp_smtp_ext_names(unsigned mask, char *buf, size_t len)
{
    size_t k, n = 0;

    buf[0] = '\0';
    for (k = 0; k < XP_ARRAY_LEN(ext_table); k++)
        if ((mask & ext_table[k].bit) && n < len) {
            int w = snprintf(buf + n, len - n, "%s%s", n ? " " : "", ext_table[k].kw);

            n += w > 0 ? (size_t)w : 0;
        }
    return buf;
}

int
xp_smtp_banner_masked(const char *text)
{
    size_t stars = 0, n = 0;

    for (; *text; text++) {
        if (*text == ' ')
            continue;
        n++;
        if (*text == '*')
            stars++;
    }
    /* domain.md §4.4: PIX keeps only the 2, 0, 0 and CR LF; >= 60 % stars. */
    return n >= 4 && stars * 10 >= n * 6;
}

int
xp_smtp_keyword_masked(const char *line)
{
    size_t n = keyword_len(line), x = 0;

    while (x < n && (line[x] == 'X' || line[x] == 'x'))
        x++;
    return x >= 4 && (n == x || (n == x + 1 && isalpha((unsigned char)line[x])));
}

int
xp_smtp_unrecognized(const struct xp_smtp_reply *r)
{
    return r->code == 500 || r->code == 502;
}

int
xp_smtp_tls_required(const struct xp_smtp_reply *r)
{
    size_t i;

    if (r->code == 530 && (!r->enhanced[0] || strcmp(r->enhanced, "5.7.0") == 0))
        return 1;
    if ((r->code == 451 || r->code == 454 || r->code == 550 || r->code == 554) &&
        strcmp(r->enhanced, "5.7.3") == 0)
        return 1;
    for (i = 0; i < r->nlines; i++)
        if (r->code >= 400 && strcasestr(r->lines[i], "STARTTLS"))
            return 1;
    return 0;
}

int
xp_smtp_find_ip(const char *text, char *out, size_t len)
{
    const char *s = text;
    int found = 0;

    /* The last one: Exim says "Hello <our EHLO argument> [<address>]", and
     * our argument may itself be a (private) address literal. */
    while ((s = strchr(s, '['))) {
        const char *end = strchr(s, ']');
        char addr[64];
        unsigned char bin[16];
        size_t n;
        int v6 = 0;

        if (!end)
            break;
        s++;
        if (strncasecmp(s, "IPv6:", 5) == 0) {
            s += 5;
            v6 = 1;
        }
        n = (size_t)(end - s);
        if (n > 0 && n < sizeof(addr)) {
            memcpy(addr, s, n);
            addr[n] = '\0';
            if ((!v6 && inet_pton(AF_INET, addr, bin) == 1) ||
                inet_pton(AF_INET6, addr, bin) == 1) {
                snprintf(out, len, "%s", addr);
                found = 1;
            }
        }
        s = end + 1;
    }
    return found;
}

/* ---- the client ---- */

const char *
xp_smtp_stage_name(enum xp_smtp_stage st)
{
    static const char *const names[] = {
        [XP_SMTP_ST_BANNER] = "banner",
        [XP_SMTP_ST_EHLO] = "EHLO reply",
        [XP_SMTP_ST_HELO] = "HELO reply",
        [XP_SMTP_ST_STARTTLS] = "STARTTLS reply",
        [XP_SMTP_ST_TLS] = "TLS handshake",
        [XP_SMTP_ST_EHLO_TLS] = "EHLO reply after TLS",
        [XP_SMTP_ST_MAIL] = "MAIL FROM reply",
        [XP_SMTP_ST_QUIT] = "QUIT reply",
        [XP_SMTP_ST_DONE] = "end of dialogue",
    };

    return (unsigned)st < XP_ARRAY_LEN(names) ? names[st] : "?";
}

void
xp_smtp_client_init(struct xp_smtp_client *cl, const char *helo_name, int probe_mail)
{
    memset(cl, 0, sizeof(*cl));
    snprintf(cl->helo_name, sizeof(cl->helo_name), "%s", helo_name);
    cl->probe_mail = probe_mail;
    cl->stage = XP_SMTP_ST_BANNER;
    cl->rejected_at = XP_SMTP_ST_DONE;
}

void
xp_smtp_client_free(struct xp_smtp_client *cl)
{
    xp_smtp_reply_free(&cl->banner);
    xp_smtp_reply_free(&cl->ehlo);
    xp_smtp_reply_free(&cl->helo);
    xp_smtp_reply_free(&cl->starttls);
    xp_smtp_reply_free(&cl->ehlo_tls);
    xp_smtp_reply_free(&cl->mail);
    xp_smtp_reply_free(&cl->quit);
}

/* verb, and " arg" when given, then CRLF. */
static enum xp_smtp_action
send_cmd(struct xp_smtp_client *cl, enum xp_smtp_stage next, const char *verb, const char *arg)
{
    snprintf(cl->out, sizeof(cl->out), "%s%s%.*s\r\n", verb, arg ? " " : "", 256,
             arg ? arg : "");
    cl->stage = next;
    return XP_SMTP_ACT_SEND;
}

static enum xp_smtp_action
quit(struct xp_smtp_client *cl)
{
    return send_cmd(cl, XP_SMTP_ST_QUIT, "QUIT", NULL);
}

/* A 4xx/5xx that ends the dialogue: keep where, then QUIT politely
 * (RFC 5321 §3.1: even after a 554 greeting the client sends QUIT). */
static enum xp_smtp_action
rejected(struct xp_smtp_client *cl, struct xp_smtp_reply *slot)
{
    if (cl->rejected_at == XP_SMTP_ST_DONE) {
        cl->rejected_at = cl->stage;
        cl->rejected = slot;
    }
    return quit(cl);
}

static void
learn_ip(struct xp_smtp_client *cl, const struct xp_smtp_reply *r)
{
    if (!cl->client_ip[0] && r->nlines > 0)
        xp_smtp_find_ip(r->lines[0], cl->client_ip, sizeof(cl->client_ip));
}

/* After EHLO/HELO without STARTTLS: probe whether TLS is demanded. */
static enum xp_smtp_action
after_greeting(struct xp_smtp_client *cl)
{
    if (cl->ext & XP_SMTP_EXT_STARTTLS)
        return send_cmd(cl, XP_SMTP_ST_STARTTLS, "STARTTLS", NULL);
    if (cl->probe_mail)
        return send_cmd(cl, XP_SMTP_ST_MAIL, "MAIL FROM:<>", NULL);
    return quit(cl);
}

enum xp_smtp_action
xp_smtp_client_reply(struct xp_smtp_client *cl, struct xp_smtp_reply *r)
{
    struct xp_smtp_reply *slot;
    int ok = r->code / 100 == 2;
    size_t i;

    switch (cl->stage) {
    case XP_SMTP_ST_BANNER:
        slot = &cl->banner;
        break;
    case XP_SMTP_ST_EHLO:
        slot = &cl->ehlo;
        break;
    case XP_SMTP_ST_HELO:
        slot = &cl->helo;
        break;
    case XP_SMTP_ST_STARTTLS:
        slot = &cl->starttls;
        break;
    case XP_SMTP_ST_EHLO_TLS:
        slot = &cl->ehlo_tls;
        break;
    case XP_SMTP_ST_MAIL:
        slot = &cl->mail;
        break;
    case XP_SMTP_ST_QUIT:
        slot = &cl->quit;
        break;
    default:
        /* A reply where none is expected (during TLS, after the end). */
        xp_smtp_reply_free(r);
        cl->stage = XP_SMTP_ST_DONE;
        return XP_SMTP_ACT_CLOSE;
    }
    xp_smtp_reply_free(slot);
    *slot = *r;
    memset(r, 0, sizeof(*r));

    switch (cl->stage) {
    case XP_SMTP_ST_BANNER:
        if (!ok)
            return rejected(cl, slot);
        learn_ip(cl, slot);
        return send_cmd(cl, XP_SMTP_ST_EHLO, "EHLO", cl->helo_name);
    case XP_SMTP_ST_EHLO:
        if (ok) {
            cl->ext = xp_smtp_ehlo_ext(slot);
            for (i = 1; i < slot->nlines && !cl->masked[0]; i++)
                if (xp_smtp_keyword_masked(slot->lines[i]))
                    snprintf(cl->masked, sizeof(cl->masked), "%.*s",
                             (int)keyword_len(slot->lines[i]), slot->lines[i]);
            cl->client_ip[0] = '\0';   /* the EHLO reply is the better source */
            learn_ip(cl, slot);
            if (!cl->client_ip[0])
                learn_ip(cl, &cl->banner);
            return after_greeting(cl);
        }
        /* "not recognised / not implemented": a server (or a firewall in
         * between) without ESMTP. Any other 4xx/5xx ends the session. */
        if (slot->code == 500 || slot->code == 501 || slot->code == 502 || slot->code == 504)
            return send_cmd(cl, XP_SMTP_ST_HELO, "HELO", cl->helo_name);
        return rejected(cl, slot);
    case XP_SMTP_ST_HELO:
        if (!ok)
            return rejected(cl, slot);
        if (!cl->client_ip[0])
            learn_ip(cl, slot);
        return after_greeting(cl);
    case XP_SMTP_ST_STARTTLS:
        if (slot->code == 220) {
            cl->stage = XP_SMTP_ST_TLS;
            return XP_SMTP_ACT_TLS;
        }
        return quit(cl);
    case XP_SMTP_ST_EHLO_TLS:
        if (ok)
            cl->ext_tls = xp_smtp_ehlo_ext(slot);
        return quit(cl);
    case XP_SMTP_ST_MAIL:
        /* Never further than MAIL: no RCPT, no DATA. */
        return quit(cl);
    default:
        cl->stage = XP_SMTP_ST_DONE;
        return XP_SMTP_ACT_CLOSE;
    }
}

enum xp_smtp_action
xp_smtp_client_tls_done(struct xp_smtp_client *cl, int ok)
{
    if (!ok) {
        cl->stage = XP_SMTP_ST_DONE;
        return XP_SMTP_ACT_CLOSE;
    }
    cl->tls_ok = 1;
    /* RFC 3207 §4.2: forget what was learnt before TLS, ask again. */
    return send_cmd(cl, XP_SMTP_ST_EHLO_TLS, "EHLO", cl->helo_name);
}

/* ---- transcript ---- */

/* Room for one more line (and its time). */
static void
transcript_grow(struct xp_smtp_transcript *t)
{
    if (t->n < t->cap)
        return;
    t->cap = t->cap ? t->cap * 2 : 32;
    t->lines = xrealloc(t->lines, t->cap * sizeof(char *));
    t->times = xrealloc(t->times, t->cap * sizeof(char *));
}

void
xp_smtp_transcript_add(struct xp_smtp_transcript *t, int64_t ms, const char *dir,
                       const char *text, size_t len)
{
    size_t hn, keep;
    char *line;

    if (t->n + 1 >= XP_SMTP_TRANSCRIPT_LINES || t->bytes >= XP_SMTP_TRANSCRIPT_BYTES) {
        t->dropped++;
        /* The last slot says how much is missing, kept up to date. */
        if (t->n == 0 || strncmp(t->lines[t->n - 1], "... ", 4) != 0) {
            transcript_grow(t);
            t->lines[t->n] = NULL;
            t->times[t->n++] = xstrdup("");
        }
        free(t->lines[t->n - 1]);
        t->lines[t->n - 1] = xasprintf("... %zu more transcript line(s) not kept", t->dropped);
        return;
    }
    hn = strlen(dir) + 1;
    keep = len > XP_SMTP_TRANSCRIPT_LINE ? XP_SMTP_TRANSCRIPT_LINE : len;
    line = xmalloc(hn + keep + 64);
    memcpy(line, dir, hn - 1);
    line[hn - 1] = ' ';
    memcpy(line + hn, text, keep);
    if (keep < len)
        snprintf(line + hn + keep, 64, " ... (%zu bytes)", len);
    else
        line[hn + keep] = '\0';
    transcript_grow(t);
    t->times[t->n] = xasprintf("%lld", (long long)ms);
    t->lines[t->n++] = line;
    t->bytes += hn + keep;
}

void
xp_smtp_transcript_free(struct xp_smtp_transcript *t)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        free(t->lines[i]);
        free(t->times[i]);
    }
    free(t->lines);
    free(t->times);
    memset(t, 0, sizeof(*t));
}
