/*
 * smtp_conn.c — one SMTP session to one address, on the engine's loop
 * (the driver half of xp_smtp.h). TCP through xp_check_tcp; then our own
 * watch and one timer per stage (banner, each reply); STARTTLS through
 * xp_check_tls, after which the dialogue goes on over non-blocking
 * SSL_read / SSL_write, re-armed in whichever direction OpenSSL asks.
 * Every byte in or out lands in a bounded, timestamped transcript.
 *
 * The session lives in its check's state (xp_smtp_conn_free from
 * free_state), holds the check open while it talks (xp_check_hold), and
 * goes quiet when the check was stopped or restarted meanwhile.
 */
#define _GNU_SOURCE
#include "xp_smtp.h"
#include "xp.h"
#include "xp_check.h"
#include "xp_loop.h"
#include "xp_model.h"
#include "xp_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK 4096

struct xp_smtp_conn {
    int refs;                 /* xp_smtp_conn_ref: a finished session shared */
    char host[256];
    char ip[64];
    int port;
    int timeout_ms;
    struct xp_check *check;
    struct xp_loop *loop;
    unsigned generation;
    int held;                 /* holds the check open (xp_check_hold) */
    xp_smtp_done_cb done;
    void *arg;
    xp_smtp_done_cb on_ehlo;  /* once the first EHLO reply was read, or NULL */

    int fd;                   /* ours, or -1 (closed, or lent to the TLS helper) */
    SSL *ssl;
    int watching;
    uint64_t timer;
    int read_wants_write, write_wants_read;
    char out[300];
    size_t outlen, outoff;

    struct xp_smtp_parser parser;
    struct xp_smtp_client cl;
    struct xp_smtp_transcript tr;
    struct xp_tls_info tls;

    int ended;
    enum xp_smtp_end end;
    enum xp_smtp_stage end_stage;
    char error[320];
    int connect_err, connect_timed_out;
    int64_t t0_us;
    int64_t ms[4];
    size_t bytes;
    size_t trailing;
};

static void update_watch(struct xp_smtp_conn *s);
static void do_read(struct xp_smtp_conn *s);

static int64_t
elapsed(const struct xp_smtp_conn *s)
{
    return (xp_now_us() - s->t0_us) / 1000;
}

static void
note(struct xp_smtp_conn *s, const char *dir, const char *fmt, ...) XP_PRINTF(3, 4);

static void
note(struct xp_smtp_conn *s, const char *dir, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = xvasprintf(fmt, ap);
    va_end(ap);
    xp_smtp_transcript_add(&s->tr, elapsed(s), dir, text, strlen(text));
    xp_trace("smtp %s %s %s %.60s", s->check->target->domain, s->check->ops->id, dir, text);
    free(text);
}

/* The check was stopped (deadline, Ctrl-C) or restarted since we began. */
static int
stale(const struct xp_smtp_conn *s)
{
    return s->check->generation != s->generation || s->check->done;
}

static void
close_all(struct xp_smtp_conn *s)
{
    if (s->fd >= 0) {
        if (s->watching)
            xp_loop_unwatch(s->loop, s->fd);
        xp_check_close(s->check, NULL, s->fd);
        s->fd = -1;
    }
    s->watching = 0;
    if (s->timer) {
        xp_loop_timer_cancel(s->loop, s->timer);
        s->timer = 0;
    }
    if (s->ssl) {
        SSL_free(s->ssl);
        s->ssl = NULL;
    }
}

static void
finish(struct xp_smtp_conn *s, enum xp_smtp_end end, const char *fmt, ...) XP_PRINTF(3, 4);

static void
finish(struct xp_smtp_conn *s, enum xp_smtp_end end, const char *fmt, ...)
{
    struct xp_check *c = s->check;
    int held = s->held;

    if (s->ended)
        return;
    s->ended = 1;
    s->end = end;
    s->end_stage = s->cl.stage;
    s->ms[XP_SMTP_MS_TOTAL] = elapsed(s);
    if (fmt) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(s->error, sizeof(s->error), fmt, ap);
        va_end(ap);
        note(s, "*:", "%s", s->error);
    }
    close_all(s);
    s->held = 0;
    if (stale(s))
        return;   /* nobody wants this any more; the engine let go of the check */
    s->done(c, s, s->arg);
    if (held)
        xp_check_release(c);
}

/* Quietly drop a session whose check no longer wants it. */
static void
drop(struct xp_smtp_conn *s)
{
    s->ended = 1;
    s->held = 0;
    close_all(s);
}

static void
on_timer(void *arg)
{
    struct xp_smtp_conn *s = arg;
    size_t partial = xp_smtp_buffered(&s->parser);

    s->timer = 0;
    if (stale(s)) {
        drop(s);
        return;
    }
    if (s->cl.stage == XP_SMTP_ST_QUIT) {
        note(s, "*:", "no reply to QUIT within %d ms; closing", s->parser.lim.quit_wait_ms);
        finish(s, XP_SMTP_END_OK, NULL);
        return;
    }
    if (partial)
        note(s, "S:", "%.*s   (incomplete: no end of line yet)",
             (int)(partial > 200 ? 200 : partial), xp_smtp_buffered_data(&s->parser));
    if (s->cl.stage == XP_SMTP_ST_BANNER && s->bytes == 0)
        finish(s, XP_SMTP_END_TIMEOUT, "no banner within %d ms: connected, but the server "
               "said nothing", s->timeout_ms);
    else
        finish(s, XP_SMTP_END_TIMEOUT, "no complete %s within %d ms (%zu byte(s) received "
               "in this stage%s)", xp_smtp_stage_name(s->cl.stage), s->timeout_ms, partial,
               partial ? ": the server sends very slowly" : "");
}

static void
arm_timer(struct xp_smtp_conn *s)
{
    int ms = s->timeout_ms;

    if (s->timer)
        xp_loop_timer_cancel(s->loop, s->timer);
    if (s->cl.stage == XP_SMTP_ST_QUIT && ms > s->parser.lim.quit_wait_ms)
        ms = s->parser.lim.quit_wait_ms;
    s->timer = xp_loop_timer(s->loop, ms, on_timer, s);
}

/* Write what is queued; 0, or -1 when the session ended. */
static int
flush(struct xp_smtp_conn *s)
{
    while (s->outoff < s->outlen) {
        const char *p = s->out + s->outoff;
        size_t n = s->outlen - s->outoff;

        if (s->ssl) {
            int r;

            ERR_clear_error();
            s->write_wants_read = 0;
            r = SSL_write(s->ssl, p, (int)n);
            if (r > 0) {
                s->outoff += (size_t)r;
                continue;
            }
            switch (SSL_get_error(s->ssl, r)) {
            case SSL_ERROR_WANT_WRITE:
                return 0;
            case SSL_ERROR_WANT_READ:
                s->write_wants_read = 1;
                return 0;
            default:
                finish(s, XP_SMTP_END_IO, "TLS write failed during the %s",
                       xp_smtp_stage_name(s->cl.stage));
                return -1;
            }
        } else {
            ssize_t r = send(s->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

            if (r > 0) {
                s->outoff += (size_t)r;
                continue;
            }
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return 0;
            finish(s, XP_SMTP_END_IO, "write failed: %s", strerror(errno));
            return -1;
        }
    }
    s->outoff = s->outlen = 0;
    return 0;
}

/* QUIT is written: its reply ("221") tells nothing we judge, so the
 * session ends here instead of a round trip later. */
static int
quit_sent(struct xp_smtp_conn *s)
{
    if (s->cl.stage != XP_SMTP_ST_QUIT || s->outlen != 0 || s->ended)
        return 0;
    note(s, "*:", "QUIT sent; its reply is not waited for");
    finish(s, XP_SMTP_END_OK, NULL);
    return 1;
}

static void
send_command(struct xp_smtp_conn *s)
{
    size_t n = strlen(s->cl.out);

    memcpy(s->out, s->cl.out, n);
    s->outlen = n;
    s->outoff = 0;
    note(s, "C:", "%.*s", (int)(n >= 2 ? n - 2 : n), s->out);
    arm_timer(s);
    if (flush(s) < 0 || quit_sent(s))
        return;
    update_watch(s);
}

static void
on_tls(struct xp_check *c, void *arg, const struct xp_tls_info *info, SSL *ssl, int fd)
{
    struct xp_smtp_conn *s = arg;
    X509 *leaf;

    (void)c;
    xp_tls_info_clear(&s->tls);
    xp_tls_info_copy(&s->tls, info);
    if (!ssl) {
        s->fd = -1;   /* closed by the TLS layer */
        s->cl.stage = XP_SMTP_ST_TLS;
        finish(s, info->timed_out ? XP_SMTP_END_TIMEOUT : XP_SMTP_END_TLS, "%s", info->error);
        return;
    }
    s->ssl = ssl;
    s->fd = fd;
    leaf = info->chain && sk_X509_num(info->chain) > 0 ? sk_X509_value(info->chain, 0) : NULL;
    {
        char subject[256] = "";

        if (leaf)
            X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof(subject));
        note(s, "*:", "TLS established: %s, %s; certificate %s",
             info->protocol, info->cipher, leaf ? subject : "(none)");
    }
    if (xp_smtp_client_tls_done(&s->cl, 1) == XP_SMTP_ACT_SEND) {
        send_command(s);
        if (!s->ended)
            do_read(s);   /* OpenSSL may hold bytes already (SSL_pending) */
    }
}

static void
start_tls(struct xp_smtp_conn *s)
{
    int fd = s->fd;

    s->trailing = xp_smtp_buffered(&s->parser);
    if (s->trailing) {
        /* After "220 ready" the next bytes must be the server's TLS
         * handshake; plain text here was injected into our session
         * (OpenSMTPD's "Trailing data"; CVE-2011-0411 class). */
        note(s, "S:", "%.*s   (plain-text data after the 220 to STARTTLS)",
             (int)(s->trailing > 200 ? 200 : s->trailing), xp_smtp_buffered_data(&s->parser));
        finish(s, XP_SMTP_END_PROTOCOL, "%zu byte(s) of plain text followed the 220 reply to "
               "STARTTLS (response injection): TLS not attempted", s->trailing);
        return;
    }
    xp_smtp_parser_reset(&s->parser);
    if (s->watching)
        xp_loop_unwatch(s->loop, s->fd);
    s->watching = 0;
    if (s->timer) {
        xp_loop_timer_cancel(s->loop, s->timer);
        s->timer = 0;
    }
    note(s, "*:", "TLS handshake (SNI %s)", s->host);
    s->fd = -1;   /* lent to the TLS layer until on_tls */
    xp_check_tls(s->check, fd, s->host, s->port, s->ip, on_tls, s);
}

/* Replies complete in the parser: hand each to the client. */
static void
process(struct xp_smtp_conn *s)
{
    struct xp_smtp_reply r;
    int rc;

    while (!s->ended && (rc = xp_smtp_next(&s->parser, &r)) != 0) {
        enum xp_smtp_action act;
        size_t i;

        if (rc < 0 && s->parser.err == XP_SMTP_PERR_TOO_MUCH) {
            finish(s, XP_SMTP_END_PROTOCOL, "more than %zu bytes from the server during the "
                   "%s: stopped reading", s->parser.lim.total_max,
                   xp_smtp_stage_name(s->cl.stage));
            return;
        }
        if (rc < 0) {
            note(s, "S:", "%s", s->parser.errline);
            finish(s, XP_SMTP_END_PROTOCOL, "%s during the %s: '%s'",
                   xp_smtp_perr_text(s->parser.err), xp_smtp_stage_name(s->cl.stage),
                   s->parser.errline);
            return;
        }
        for (i = 0; i < r.nlines; i++)
            note(s, "S:", "%03d%c%s", r.code, i + 1 < r.nlines ? '-' : ' ', r.lines[i]);
        if (s->cl.stage == XP_SMTP_ST_BANNER)
            s->ms[XP_SMTP_MS_BANNER] = elapsed(s);
        if (s->timer) {
            xp_loop_timer_cancel(s->loop, s->timer);
            s->timer = 0;
        }
        {
            enum xp_smtp_stage was = s->cl.stage;

            act = xp_smtp_client_reply(&s->cl, &r);
            if (was == XP_SMTP_ST_EHLO && s->on_ehlo && !stale(s)) {
                xp_smtp_done_cb cb = s->on_ehlo;

                s->on_ehlo = NULL;
                cb(s->check, s, s->arg);
            }
        }
        switch (act) {
        case XP_SMTP_ACT_TLS:
            start_tls(s);
            return;
        case XP_SMTP_ACT_CLOSE:
            finish(s, XP_SMTP_END_OK, NULL);
            return;
        case XP_SMTP_ACT_SEND:
            if (xp_smtp_buffered(&s->parser) && s->cl.stage != XP_SMTP_ST_QUIT) {
                /* We speak one command at a time: a reply we did not ask
                 * for yet would be taken for the next one's. */
                size_t n = xp_smtp_buffered(&s->parser);

                note(s, "S:", "%.*s   (sent before we spoke)", (int)(n > 200 ? 200 : n),
                     xp_smtp_buffered_data(&s->parser));
                finish(s, XP_SMTP_END_PROTOCOL, "the server sent %zu byte(s) more than one "
                       "reply before the next command (unsolicited data)", n);
                return;
            }
            send_command(s);
            break;
        }
    }
}

static void
got(struct xp_smtp_conn *s, const char *data, size_t n)
{
    if (s->bytes == 0)
        s->ms[XP_SMTP_MS_FIRST_BYTE] = elapsed(s);
    s->bytes += n;
    if (xp_smtp_feed(&s->parser, data, n) < 0) {
        finish(s, XP_SMTP_END_PROTOCOL, "more than %zu bytes from the server during the %s: "
               "stopped reading", s->parser.lim.total_max, xp_smtp_stage_name(s->cl.stage));
        return;
    }
    process(s);
}

static void
on_eof(struct xp_smtp_conn *s)
{
    size_t partial = xp_smtp_buffered(&s->parser);

    if (s->cl.stage == XP_SMTP_ST_QUIT || s->cl.stage == XP_SMTP_ST_DONE) {
        note(s, "*:", "connection closed by the server");
        finish(s, XP_SMTP_END_OK, NULL);
        return;
    }
    if (partial)
        note(s, "S:", "%.*s   (incomplete line)", (int)(partial > 200 ? 200 : partial),
             xp_smtp_buffered_data(&s->parser));
    finish(s, XP_SMTP_END_CLOSED, "the server closed the connection while we waited for the %s",
           xp_smtp_stage_name(s->cl.stage));
}

static void
do_read(struct xp_smtp_conn *s)
{
    char buf[READ_CHUNK];

    while (!s->ended && s->fd >= 0) {
        if (s->ssl) {
            int r, e;

            ERR_clear_error();
            s->read_wants_write = 0;
            r = SSL_read(s->ssl, buf, sizeof(buf));
            if (r > 0) {
                got(s, buf, (size_t)r);
                continue;
            }
            e = SSL_get_error(s->ssl, r);
            if (e == SSL_ERROR_WANT_READ)
                return;
            if (e == SSL_ERROR_WANT_WRITE) {
                s->read_wants_write = 1;
                return;
            }
            if (e == SSL_ERROR_ZERO_RETURN ||
                (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && r == 0)) {
                on_eof(s);
                return;
            }
            {
                unsigned long le = ERR_peek_error();
                const char *why = le ? ERR_reason_error_string(le) : NULL;

                finish(s, XP_SMTP_END_IO, "TLS read failed during the %s: %s",
                       xp_smtp_stage_name(s->cl.stage),
                       why ? why : (errno ? strerror(errno) : "connection lost"));
            }
            return;
        } else {
            ssize_t r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);

            if (r > 0) {
                got(s, buf, (size_t)r);
                continue;
            }
            if (r == 0) {
                on_eof(s);
                return;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            finish(s, XP_SMTP_END_IO, "read failed during the %s: %s",
                   xp_smtp_stage_name(s->cl.stage), strerror(errno));
            return;
        }
    }
}

static void
on_io(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct xp_smtp_conn *s = arg;

    (void)loop;
    (void)fd;
    (void)revents;
    if (stale(s)) {
        drop(s);
        return;
    }
    /* Whatever woke us, try both ways: OpenSSL may want the other one. */
    if (s->outoff < s->outlen && (flush(s) < 0 || quit_sent(s)))
        return;
    do_read(s);
    if (!s->ended)
        update_watch(s);
}

static void
update_watch(struct xp_smtp_conn *s)
{
    unsigned ev = XP_IN;

    if (s->ended || s->fd < 0)
        return;
    if (s->outoff < s->outlen && !s->write_wants_read)
        ev |= XP_OUT;
    if (s->read_wants_write)
        ev |= XP_OUT;
    xp_loop_watch(s->loop, s->fd, ev, on_io, s);
    s->watching = 1;
}

/* What follows EHLO: our FQDN, or else our address literal (RFC 5321 §4.1.4). */
static void
helo_name(int fd, char *out, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char host[256], addr[INET6_ADDRSTRLEN];

    if (gethostname(host, sizeof(host)) == 0 && strchr(host, '.') &&
        host[strlen(host) - 1] != '.') {
        snprintf(out, len, "%s", host);
        return;
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET &&
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr))) {
            snprintf(out, len, "[%s]", addr);
            return;
        }
        if (ss.ss_family == AF_INET6 &&
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr))) {
            snprintf(out, len, "[IPv6:%s]", addr);
            return;
        }
    }
    snprintf(out, len, "[127.0.0.1]");
}

static void
on_connect(struct xp_check *c, void *arg, const struct xp_tcp_result *res)
{
    struct xp_smtp_conn *s = arg;
    char name[300];

    s->ms[XP_SMTP_MS_CONNECT] = res->ms;
    if (res->fd < 0) {
        char why[160];

        s->connect_err = res->err;
        s->connect_timed_out = res->timed_out;
        finish(s, XP_SMTP_END_CONNECT, "TCP %s:%d: %s", s->ip, s->port,
               xp_tcp_error_text(res, why, sizeof(why)));
        return;
    }
    s->fd = res->fd;
    xp_check_hold(c);
    s->held = 1;
    note(s, "*:", "connected to %s port %d", s->ip, s->port);
    if (xp_check_options(c)->ehlo)
        snprintf(name, sizeof(name), "%s", xp_check_options(c)->ehlo);   /* --ehlo */
    else
        helo_name(s->fd, name, sizeof(name));
    xp_smtp_client_init(&s->cl, name, s->cl.probe_mail);
    arm_timer(s);
    update_watch(s);
}

struct xp_smtp_conn *
xp_smtp_conn_new(const struct xp_smtp_conn_params *p)
{
    struct xp_smtp_conn *s = xcalloc(1, sizeof(*s));
    int i;

    s->refs = 1;
    snprintf(s->host, sizeof(s->host), "%s", p->host);
    snprintf(s->ip, sizeof(s->ip), "%s", p->ip);
    s->port = p->port;
    s->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : 10000;
    s->fd = -1;
    xp_smtp_parser_init(&s->parser, p->lim.line_max ? &p->lim : NULL);
    xp_smtp_client_init(&s->cl, "", p->probe_mail);
    for (i = 0; i < 4; i++)
        s->ms[i] = -1;
    return s;
}

void
xp_smtp_conn_start(struct xp_check *c, struct xp_smtp_conn *s, xp_smtp_done_cb done, void *arg)
{
    s->check = c;
    s->loop = xp_check_loop(c);
    s->generation = c->generation;
    s->done = done;
    s->arg = arg;
    s->t0_us = xp_now_us();
    note(s, "*:", "connecting to %s port %d (%s)", s->ip, s->port, s->host);
    xp_check_tcp(c, s->ip, s->port, on_connect, s);
}

void
xp_smtp_conn_on_ehlo(struct xp_smtp_conn *s, xp_smtp_done_cb cb)
{
    s->on_ehlo = cb;
}

void
xp_smtp_conn_free(struct xp_smtp_conn *s)
{
    if (!s || --s->refs > 0)
        return;
    close_all(s);
    xp_smtp_parser_free(&s->parser);
    xp_smtp_client_free(&s->cl);
    xp_smtp_transcript_free(&s->tr);
    xp_tls_info_clear(&s->tls);
    free(s);
}

struct xp_smtp_conn *
xp_smtp_conn_ref(struct xp_smtp_conn *s)
{
    s->refs++;
    return s;
}

int
xp_smtp_conn_ended(const struct xp_smtp_conn *s)
{
    return s->ended;
}

enum xp_smtp_end
xp_smtp_conn_end(const struct xp_smtp_conn *s)
{
    return s->end;
}

enum xp_smtp_stage
xp_smtp_conn_stage(const struct xp_smtp_conn *s)
{
    return s->end_stage;
}

const char *
xp_smtp_conn_error(const struct xp_smtp_conn *s)
{
    return s->error;
}

const struct xp_smtp_client *
xp_smtp_conn_client(const struct xp_smtp_conn *s)
{
    return &s->cl;
}

const struct xp_smtp_parser *
xp_smtp_conn_parser(const struct xp_smtp_conn *s)
{
    return &s->parser;
}

int
xp_smtp_conn_connect_err(const struct xp_smtp_conn *s, int *timed_out)
{
    if (timed_out)
        *timed_out = s->connect_timed_out;
    return s->connect_err;
}

const struct xp_tls_info *
xp_smtp_conn_tls(const struct xp_smtp_conn *s)
{
    return &s->tls;
}

int64_t
xp_smtp_conn_ms(const struct xp_smtp_conn *s, int which)
{
    return which >= 0 && which < 4 ? s->ms[which] : -1;
}

size_t
xp_smtp_conn_bytes(const struct xp_smtp_conn *s)
{
    return s->bytes;
}

size_t
xp_smtp_conn_trailing(const struct xp_smtp_conn *s)
{
    return s->trailing;
}

char *const *
xp_smtp_conn_transcript(const struct xp_smtp_conn *s, size_t *n)
{
    *n = s->tr.n;
    return s->tr.lines;
}

char *const *
xp_smtp_conn_transcript_times(const struct xp_smtp_conn *s, size_t *n)
{
    *n = s->tr.n;
    return s->tr.times;
}
