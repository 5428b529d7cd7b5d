/*
 * test_smtp.c — the pure SMTP parts (include/xp_smtp.h): the RFC 5321
 * reply parser under every TCP segmentation, its bounds and its errors;
 * the client state machine through every path (STARTTLS, HELO fallback,
 * the MAIL FROM probe, rejections); the inspection signs; the learnt
 * client IP; the bounded transcript. And the DNSBL pieces
 * (include/xp_dnsbl.h): query names, return codes, public addresses,
 * CIDR matching. No sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp.h"
#include "xp_dnsbl.h"
#include "xp_expect.h"
#include "xp_smtp.h"

/* ---- helpers ---- */

/* Feed text to a fresh parser in pieces of `step` bytes (0: all at once)
 * and collect every reply; returns how many, or -1 on a parse error. */
static int
parse_all(const char *text, size_t len, size_t step, struct xp_smtp_reply *out, int max,
          const struct xp_smtp_limits *lim, enum xp_smtp_perr *err)
{
    struct xp_smtp_parser p;
    size_t off = 0;
    int n = 0, rc = 0;

    xp_smtp_parser_init(&p, lim);
    while (off < len && rc >= 0) {
        size_t k = step && step < len - off ? step : len - off;
        struct xp_smtp_reply r;

        if (xp_smtp_feed(&p, text + off, k) < 0) {
            rc = -1;
            break;
        }
        off += k;
        while ((rc = xp_smtp_next(&p, &r)) == 1) {
            if (n < max)
                out[n] = r;
            else
                xp_smtp_reply_free(&r);
            n++;
        }
    }
    if (err)
        *err = p.err;
    xp_smtp_parser_free(&p);
    return rc < 0 ? -1 : n;
}

static void
free_replies(struct xp_smtp_reply *r, int n)
{
    int i;

    for (i = 0; i < n; i++)
        xp_smtp_reply_free(&r[i]);
}

static const char EHLO_REPLY[] =
    "220-mx.contoso.com ESMTP ready\r\n"
    "220 second banner line\r\n"
    "250-mx.contoso.com Hello [203.0.113.5]\r\n"
    "250-SIZE 37748736\r\n"
    "250-PIPELINING\r\n"
    "250-STARTTLS\r\n"
    "250 8BITMIME\r\n"
    "221 2.0.0 Bye\r\n";

/* ---- parser ---- */

static void
parser__one_reply__code_and_text(void **state)
{
    struct xp_smtp_reply r[2];

    (void)state;
    assert_int_equal(parse_all("220 mx ESMTP\r\n", 14, 0, r, 2, NULL, NULL), 1);
    assert_int_equal(r[0].code, 220);
    assert_int_equal(r[0].nlines, 1);
    assert_string_equal(r[0].lines[0], "mx ESMTP");
    free_replies(r, 1);
}

static void
parser__split_at_every_byte__same_replies(void **state)
{
    size_t len = strlen(EHLO_REPLY), step;

    (void)state;
    /* Each segmentation: pieces of 1, 2, 3 ... bytes, and every two-way split. */
    for (step = 1; step <= len; step++) {
        struct xp_smtp_reply r[4];
        int n = parse_all(EHLO_REPLY, len, step, r, 4, NULL, NULL);

        assert_int_equal(n, 3);
        assert_int_equal(r[0].code, 220);
        assert_int_equal(r[0].nlines, 2);
        assert_int_equal(r[1].code, 250);
        assert_int_equal(r[1].nlines, 5);
        assert_string_equal(r[1].lines[3], "STARTTLS");
        assert_int_equal(r[2].code, 221);
        assert_string_equal(r[2].enhanced, "2.0.0");
        free_replies(r, 3);
    }
}

static void
parser__every_two_way_split__same_replies(void **state)
{
    size_t len = strlen(EHLO_REPLY), cut;

    (void)state;
    for (cut = 0; cut <= len; cut++) {
        struct xp_smtp_parser p;
        struct xp_smtp_reply r;
        int n = 0;

        xp_smtp_parser_init(&p, NULL);
        assert_int_equal(xp_smtp_feed(&p, EHLO_REPLY, cut), 0);
        while (xp_smtp_next(&p, &r) == 1) {
            n++;
            xp_smtp_reply_free(&r);
        }
        assert_int_equal(xp_smtp_feed(&p, EHLO_REPLY + cut, len - cut), 0);
        while (xp_smtp_next(&p, &r) == 1) {
            n++;
            xp_smtp_reply_free(&r);
        }
        assert_int_equal(n, 3);
        assert_int_equal(xp_smtp_buffered(&p), 0);
        xp_smtp_parser_free(&p);
    }
}

static void
parser__many_replies_one_read__all_and_buffered(void **state)
{
    struct xp_smtp_parser p;
    struct xp_smtp_reply r;
    const char *two = "220 ready\r\n250 injected\r\n25";

    (void)state;
    xp_smtp_parser_init(&p, NULL);
    assert_int_equal(xp_smtp_feed(&p, two, strlen(two)), 0);
    assert_int_equal(xp_smtp_next(&p, &r), 1);
    assert_int_equal(r.code, 220);
    xp_smtp_reply_free(&r);
    /* What follows a reply is visible: the STARTTLS injection check. */
    assert_int_equal(xp_smtp_buffered(&p), strlen("250 injected\r\n25"));
    assert_memory_equal(xp_smtp_buffered_data(&p), "250 injected", 12);
    assert_int_equal(xp_smtp_next(&p, &r), 1);
    assert_int_equal(r.code, 250);
    xp_smtp_reply_free(&r);
    assert_int_equal(xp_smtp_next(&p, &r), 0);
    assert_int_equal(xp_smtp_buffered(&p), 2);
    xp_smtp_parser_free(&p);
}

static void
parser__bare_lf_and_code_only__accepted(void **state)
{
    struct xp_smtp_reply r[2];

    (void)state;
    assert_int_equal(parse_all("250-a\n250\r\n", 11, 0, r, 2, NULL, NULL), 1);
    assert_int_equal(r[0].nlines, 2);
    assert_string_equal(r[0].lines[0], "a");
    assert_string_equal(r[0].lines[1], "");
    free_replies(r, 1);
}

static void
parser__bad_codes__syntax_error(void **state)
{
    static const char *const bad[] = {
        "2x0 hello\r\n", "600 no\r\n", "199 no\r\n", "260 no\r\n", "220x hello\r\n",
        "22\r\n", "\r\n", "hello\r\n", " 220 x\r\n", "220\tx\r\n",
    };
    size_t i;

    (void)state;
    for (i = 0; i < XP_ARRAY_LEN(bad); i++) {
        struct xp_smtp_reply r[1];
        enum xp_smtp_perr err;

        if (parse_all(bad[i], strlen(bad[i]), 0, r, 1, NULL, &err) != -1)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(err, XP_SMTP_PERR_SYNTAX);
    }
}

static void
parser__nul_byte__syntax_error(void **state)
{
    struct xp_smtp_reply r[1];
    enum xp_smtp_perr err;

    (void)state;
    assert_int_equal(parse_all("220 a\0b\r\n", 9, 0, r, 1, NULL, &err), -1);
    assert_int_equal(err, XP_SMTP_PERR_SYNTAX);
}

static void
parser__continuation_other_code__error(void **state)
{
    struct xp_smtp_reply r[1];
    enum xp_smtp_perr err;
    const char *t = "250-a\r\n251 b\r\n";

    (void)state;
    assert_int_equal(parse_all(t, strlen(t), 0, r, 1, NULL, &err), -1);
    assert_int_equal(err, XP_SMTP_PERR_CODE_MISMATCH);
}

static void
parser__overlong_line__error_without_waiting_for_lf(void **state)
{
    struct xp_smtp_limits lim = { .line_max = 16, .lines_max = 100, .total_max = 65536 };
    struct xp_smtp_parser p;
    struct xp_smtp_reply r;

    (void)state;
    xp_smtp_parser_init(&p, &lim);
    assert_int_equal(xp_smtp_feed(&p, "220 0123456789ab", 16), 0);
    assert_int_equal(xp_smtp_next(&p, &r), 0);   /* 16 bytes: still allowed */
    assert_int_equal(xp_smtp_feed(&p, "c", 1), 0);
    assert_int_equal(xp_smtp_next(&p, &r), -1);  /* 17, no LF yet: too long */
    assert_int_equal(p.err, XP_SMTP_PERR_LINE_TOO_LONG);
    assert_int_equal(xp_smtp_next(&p, &r), -1);  /* sticky */
    assert_int_equal(xp_smtp_feed(&p, "\r\n", 2), -1);
    xp_smtp_parser_free(&p);
}

static void
parser__line_count_bound__error(void **state)
{
    struct xp_smtp_limits lim = { .line_max = 100, .lines_max = 3, .total_max = 65536 };
    struct xp_smtp_reply r[1];
    enum xp_smtp_perr err;
    const char *ok = "250-a\r\n250-b\r\n250 c\r\n";
    const char *bad = "250-a\r\n250-b\r\n250-c\r\n250 d\r\n";

    (void)state;
    assert_int_equal(parse_all(ok, strlen(ok), 1, r, 1, &lim, &err), 1);
    free_replies(r, 1);
    assert_int_equal(parse_all(bad, strlen(bad), 1, r, 1, &lim, &err), -1);
    assert_int_equal(err, XP_SMTP_PERR_TOO_MANY_LINES);
}

static void
parser__total_bytes_bound__error_and_bytes_dropped(void **state)
{
    struct xp_smtp_limits lim = { .line_max = 1000, .lines_max = 1000, .total_max = 64 };
    struct xp_smtp_parser p;
    struct xp_smtp_reply r;
    char big[100];

    (void)state;
    memset(big, 'x', sizeof(big));
    xp_smtp_parser_init(&p, &lim);

    assert_int_equal(xp_smtp_feed(&p, big, 60), 0);
    assert_int_equal(xp_smtp_feed(&p, big, 5), 0);   /* the error comes from next */
    assert_true(p.len <= 64);
    assert_int_equal(xp_smtp_next(&p, &r), -1);
    assert_int_equal(p.err, XP_SMTP_PERR_TOO_MUCH);
    assert_int_equal(xp_smtp_feed(&p, big, 5), -1);
    xp_smtp_parser_free(&p);
}

static void
parser__enhanced_code__classes_2_4_5(void **state)
{
    struct xp_smtp_reply r[4];
    const char *t = "451 5.7.3 Must issue a STARTTLS command first\r\n"
                    "250 2.1.0 Sender OK\r\n"
                    "250 5.1.0 mismatched class\r\n"
                    "250 9.1.0 no class 9\r\n";

    (void)state;
    assert_int_equal(parse_all(t, strlen(t), 0, r, 4, NULL, NULL), 4);
    assert_string_equal(r[0].enhanced, "5.7.3");   /* Exchange's own mismatched pair */
    assert_string_equal(r[1].enhanced, "2.1.0");
    assert_string_equal(r[2].enhanced, "5.1.0");
    assert_string_equal(r[3].enhanced, "");
    free_replies(r, 4);
}

static void
reply__text__as_on_the_wire(void **state)
{
    struct xp_smtp_reply r[1];
    char *text;

    (void)state;
    assert_int_equal(parse_all("250-a\r\n250 b\r\n", 14, 0, r, 1, NULL, NULL), 1);
    text = xp_smtp_reply_text(&r[0]);
    assert_string_equal(text, "250-a\n250 b");
    free(text);
    free_replies(r, 1);
}

/* ---- inspection signs ---- */

static void
signs__banner_masked(void **state)
{
    (void)state;
    assert_true(xp_smtp_banner_masked("****************************2**0*****0*****"));
    assert_true(xp_smtp_banner_masked("*********0****************************2******0*****"));
    assert_false(xp_smtp_banner_masked("mx.contoso.com Microsoft ESMTP MAIL Service ready"));
    assert_false(xp_smtp_banner_masked("**"));
    assert_false(xp_smtp_banner_masked("mx *** ready"));
}

static void
signs__keyword_masked(void **state)
{
    (void)state;
    assert_true(xp_smtp_keyword_masked("XXXXXXXA"));
    assert_true(xp_smtp_keyword_masked("XXXXXXXX"));
    assert_true(xp_smtp_keyword_masked("XXXX"));
    assert_false(xp_smtp_keyword_masked("XXX"));
    assert_false(xp_smtp_keyword_masked("X-EXPS GSSAPI NTLM"));
    assert_false(xp_smtp_keyword_masked("XEXCH50"));
    assert_false(xp_smtp_keyword_masked("STARTTLS"));
}

static void
signs__tls_required(void **state)
{
    struct xp_smtp_reply r[4];
    const char *t = "451 4.7.3 Must issue a STARTTLS command first\r\n"
                    "530 5.7.0 Must issue a STARTTLS command first\r\n"
                    "550 5.7.1 relaying denied\r\n"
                    "454 4.7.0 TLS not available\r\n";

    (void)state;
    assert_int_equal(parse_all(t, strlen(t), 0, r, 4, NULL, NULL), 4);
    assert_true(xp_smtp_tls_required(&r[0]));    /* by its words */
    assert_true(xp_smtp_tls_required(&r[1]));
    assert_false(xp_smtp_tls_required(&r[2]));
    assert_false(xp_smtp_tls_required(&r[3]));
    free_replies(r, 4);
}

static void
signs__ehlo_extensions(void **state)
{
    struct xp_smtp_reply r[1];
    const char *t = "250-mx Hello\r\n250-SIZE 1000\r\n250-AUTH=LOGIN\r\n250-starttls\r\n"
                    "250-STARTTLSX\r\n250 8BITMIME\r\n";
    unsigned m;
    char buf[XP_SMTP_EXT_NAMES_LEN];

    (void)state;
    assert_int_equal(parse_all(t, strlen(t), 0, r, 1, NULL, NULL), 1);
    m = xp_smtp_ehlo_ext(&r[0]);
    assert_true(m & XP_SMTP_EXT_SIZE);
    assert_true(m & XP_SMTP_EXT_AUTH);
    assert_true(m & XP_SMTP_EXT_STARTTLS);
    assert_true(m & XP_SMTP_EXT_8BITMIME);
    assert_false(m & XP_SMTP_EXT_PIPELINING);
    assert_string_equal(
        xp_smtp_ext_names(XP_SMTP_EXT_STARTTLS | XP_SMTP_EXT_SIZE, buf, sizeof(buf)),
        "STARTTLS SIZE");
    free_replies(r, 1);
}

static void
find_ip__last_literal(void **state)
{
    char ip[64];

    (void)state;
    assert_true(xp_smtp_find_ip("mx Hello [203.0.113.5]", ip, sizeof(ip)));
    assert_string_equal(ip, "203.0.113.5");
    /* Exim: "Hello <our EHLO argument> [<address seen>]" */
    assert_true(xp_smtp_find_ip("mx Hello [192.168.1.5] [203.0.113.5]", ip, sizeof(ip)));
    assert_string_equal(ip, "203.0.113.5");
    assert_true(xp_smtp_find_ip("mx.google.com at your service, [IPv6:2001:db8::1]", ip,
                                sizeof(ip)));
    assert_string_equal(ip, "2001:db8::1");
    assert_true(xp_smtp_find_ip("x [2001:db8::2] y [not an ip]", ip, sizeof(ip)));
    assert_string_equal(ip, "2001:db8::2");
    assert_false(xp_smtp_find_ip("mx Hello there", ip, sizeof(ip)));
    assert_false(xp_smtp_find_ip("mx [300.1.1.1] [1.2.3", ip, sizeof(ip)));
}

/* ---- the client ---- */

/* Parse one reply from text and give it to the client. */
static enum xp_smtp_action
reply(struct xp_smtp_client *cl, const char *text)
{
    struct xp_smtp_reply r[1];

    assert_int_equal(parse_all(text, strlen(text), 0, r, 1, NULL, NULL), 1);
    return xp_smtp_client_reply(cl, &r[0]);
}

static void
client__starttls_path__ehlo_again_then_quit(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "[192.0.2.1]", 1);
    assert_int_equal(reply(&cl, "220 mx ESMTP\r\n"), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "EHLO [192.0.2.1]\r\n");
    assert_int_equal(reply(&cl, "250-mx Hello [192.0.2.1] [203.0.113.5]\r\n250-SIZE 1\r\n"
                                "250 STARTTLS\r\n"), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "STARTTLS\r\n");
    assert_string_equal(cl.client_ip, "203.0.113.5");
    assert_int_equal(reply(&cl, "220 2.0.0 ready\r\n"), XP_SMTP_ACT_TLS);
    assert_int_equal(cl.stage, XP_SMTP_ST_TLS);
    assert_int_equal(xp_smtp_client_tls_done(&cl, 1), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "EHLO [192.0.2.1]\r\n");
    assert_int_equal(reply(&cl, "250-mx\r\n250 AUTH LOGIN\r\n"), XP_SMTP_ACT_SEND);
    assert_true(cl.ext_tls & XP_SMTP_EXT_AUTH);
    assert_string_equal(cl.out, "QUIT\r\n");
    assert_int_equal(reply(&cl, "221 bye\r\n"), XP_SMTP_ACT_CLOSE);
    assert_int_equal(cl.stage, XP_SMTP_ST_DONE);
    assert_int_equal(cl.mail.code, 0);            /* no MAIL when STARTTLS is offered */
    assert_null(cl.rejected);
    xp_smtp_client_free(&cl);
}

static void
client__tls_failed__close(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 0);
    reply(&cl, "220 mx\r\n");
    reply(&cl, "250-mx\r\n250 STARTTLS\r\n");
    assert_int_equal(reply(&cl, "220 go\r\n"), XP_SMTP_ACT_TLS);
    assert_int_equal(xp_smtp_client_tls_done(&cl, 0), XP_SMTP_ACT_CLOSE);
    assert_false(cl.tls_ok);
    xp_smtp_client_free(&cl);
}

static void
client__no_starttls__mail_probe_never_rcpt(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 1);
    reply(&cl, "220 mx\r\n");
    assert_int_equal(reply(&cl, "250-mx Hello [198.51.100.7]\r\n250 SIZE 10\r\n"),
                     XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "MAIL FROM:<>\r\n");
    assert_int_equal(reply(&cl, "451 5.7.3 Must issue a STARTTLS command first\r\n"),
                     XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "QUIT\r\n");      /* never RCPT, never DATA */
    assert_true(xp_smtp_tls_required(&cl.mail));
    assert_string_equal(cl.client_ip, "198.51.100.7");
    xp_smtp_client_free(&cl);
}

static void
client__no_starttls_no_probe__quit(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 0);
    reply(&cl, "220 mx\r\n");
    assert_int_equal(reply(&cl, "250 mx\r\n"), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "QUIT\r\n");
    xp_smtp_client_free(&cl);
}

static void
client__ehlo_unrecognized__helo_fallback(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 1);
    reply(&cl, "220 ****************************\r\n");
    assert_int_equal(reply(&cl, "500 5.5.1 Command unrecognized\r\n"), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "HELO h.example\r\n");
    assert_int_equal(reply(&cl, "250 mx Hello [203.0.113.9]\r\n"), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "MAIL FROM:<>\r\n");
    assert_string_equal(cl.client_ip, "203.0.113.9");
    assert_int_equal(cl.ehlo.code, 500);
    assert_null(cl.rejected);
    xp_smtp_client_free(&cl);
}

static void
client__banner_554__rejected_then_quit(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 1);
    assert_int_equal(reply(&cl, "554 5.7.606 Access denied, banned sending IP [1.2.3.4]\r\n"),
                     XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "QUIT\r\n");
    assert_non_null(cl.rejected);
    assert_int_equal(cl.rejected->code, 554);
    assert_int_equal(cl.rejected_at, XP_SMTP_ST_BANNER);
    xp_smtp_client_free(&cl);
}

static void
client__ehlo_421__rejected_not_helo(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 1);
    reply(&cl, "220 mx\r\n");
    assert_int_equal(reply(&cl, "421 4.3.2 Service not available\r\n"), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "QUIT\r\n");
    assert_int_equal(cl.rejected_at, XP_SMTP_ST_EHLO);
    xp_smtp_client_free(&cl);
}

static void
client__masked_starttls__keyword_kept(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 1);
    reply(&cl, "220 mx\r\n");
    reply(&cl, "250-mx\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n");
    assert_string_equal(cl.masked, "XXXXXXXA");
    assert_false(cl.ext & XP_SMTP_EXT_STARTTLS);
    assert_string_equal(cl.out, "MAIL FROM:<>\r\n");
    xp_smtp_client_free(&cl);
}

static void
client__starttls_refused__quit(void **state)
{
    struct xp_smtp_client cl;

    (void)state;
    xp_smtp_client_init(&cl, "h.example", 1);
    reply(&cl, "220 mx\r\n");
    reply(&cl, "250-mx\r\n250 STARTTLS\r\n");
    assert_int_equal(reply(&cl, "454 4.7.0 TLS not available\r\n"), XP_SMTP_ACT_SEND);
    assert_string_equal(cl.out, "QUIT\r\n");
    assert_int_equal(cl.starttls.code, 454);
    xp_smtp_client_free(&cl);
}

static void
client__helo_name_too_long__cut_not_overflowed(void **state)
{
    struct xp_smtp_client cl;
    char name[600];

    (void)state;
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    xp_smtp_client_init(&cl, name, 0);
    reply(&cl, "220 mx\r\n");
    assert_true(strlen(cl.out) < sizeof(cl.out));
    assert_memory_equal(cl.out + strlen(cl.out) - 2, "\r\n", 2);
    xp_smtp_client_free(&cl);
}

/* ---- transcript ---- */

static void
transcript__bounded_with_a_last_line(void **state)
{
    struct xp_smtp_transcript t = { 0 };
    char big[1000];
    int i;

    (void)state;
    memset(big, 'y', sizeof(big));
    xp_smtp_transcript_add(&t, 5, "S:", "220 hi", 6);
    assert_string_equal(t.lines[0], "S: 220 hi");
    assert_string_equal(t.times[0], "5");
    xp_smtp_transcript_add(&t, 6, "S:", big, sizeof(big));
    assert_true(strlen(t.lines[1]) < XP_SMTP_TRANSCRIPT_LINE + 80);
    assert_non_null(strstr(t.lines[1], "(1000 bytes)"));
    for (i = 0; i < 1000; i++)
        xp_smtp_transcript_add(&t, 7, "C:", "NOOP", 4);
    assert_true(t.n <= XP_SMTP_TRANSCRIPT_LINES);
    assert_non_null(strstr(t.lines[t.n - 1], "more transcript line(s) not kept"));
    xp_smtp_transcript_free(&t);
}

/* ---- DNSBL ---- */

static void
dnsbl__qname_ipv4_reversed(void **state)
{
    char q[320];

    (void)state;
    assert_int_equal(xp_dnsbl_qname("203.0.113.5", "zen.spamhaus.org", q, sizeof(q)), 0);
    assert_string_equal(q, "5.113.0.203.zen.spamhaus.org");
    assert_int_equal(xp_dnsbl_qname("127.0.0.2", "bl.example", q, sizeof(q)), 0);
    assert_string_equal(q, "2.0.0.127.bl.example");
}

static void
dnsbl__qname_ipv6_nibbles(void **state)
{
    char q[320];

    (void)state;
    assert_int_equal(xp_dnsbl_qname("2001:db8::1", "zen.spamhaus.org", q, sizeof(q)), 0);
    assert_string_equal(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
                           "zen.spamhaus.org");
    /* RFC 5782 §5: the IPv6 test point ::FFFF:7F00:2 */
    assert_int_equal(xp_dnsbl_qname("::ffff:127.0.0.2", "x.test", q, sizeof(q)), 0);
    assert_string_equal(q, "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
                           "x.test");
}

static void
dnsbl__qname_bad__refused(void **state)
{
    char q[20];

    (void)state;
    assert_int_equal(xp_dnsbl_qname("not-an-ip", "x.test", q, sizeof(q)), -1);
    assert_int_equal(xp_dnsbl_qname("1.2.3.4.5", "x.test", q, sizeof(q)), -1);
    assert_int_equal(xp_dnsbl_qname("203.0.113.5", "a-very-long-zone.example", q, sizeof(q)),
                     -1);
    assert_int_equal(xp_dnsbl_qname("2001:db8::1", "x.test", q, sizeof(q)), -1);
}

static void
dnsbl__spamhaus_codes(void **state)
{
    char m[256];

    (void)state;
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.0.0.2", m, sizeof(m)),
                     XP_DNSBL_A_LISTED);
    assert_non_null(strstr(m, "SBL"));
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.0.0.3", m, sizeof(m)),
                     XP_DNSBL_A_LISTED);
    assert_non_null(strstr(m, "CSS"));
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.0.0.4", m, sizeof(m)),
                     XP_DNSBL_A_LISTED);
    assert_non_null(strstr(m, "XBL"));
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.0.0.9", m, sizeof(m)),
                     XP_DNSBL_A_LISTED);
    assert_non_null(strstr(m, "DROP"));
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.0.0.10", m, sizeof(m)),
                     XP_DNSBL_A_POLICY);
    assert_int_equal(xp_dnsbl_interpret("pbl.spamhaus.org", "127.0.0.11", m, sizeof(m)),
                     XP_DNSBL_A_POLICY);
    assert_non_null(strstr(m, "PBL"));
}

static void
dnsbl__error_codes__blocked_never_listed(void **state)
{
    char m[256];

    (void)state;
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.255.255.254", m, sizeof(m)),
                     XP_DNSBL_A_BLOCKED);
    assert_non_null(strstr(m, "public"));
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.255.255.252", m, sizeof(m)),
                     XP_DNSBL_A_BLOCKED);
    assert_int_equal(xp_dnsbl_interpret("zen.spamhaus.org", "127.255.255.255", m, sizeof(m)),
                     XP_DNSBL_A_BLOCKED);
    assert_int_equal(xp_dnsbl_interpret("bl.example", "127.255.255.254", m, sizeof(m)),
                     XP_DNSBL_A_BLOCKED);
    assert_int_equal(xp_dnsbl_interpret("bl.example", "10.0.0.1", m, sizeof(m)),
                     XP_DNSBL_A_BOGUS);
    assert_int_equal(xp_dnsbl_interpret("bl.spamcop.net", "127.0.0.2", m, sizeof(m)),
                     XP_DNSBL_A_LISTED);
    assert_non_null(strstr(m, "SpamCop"));
}

static void
dnsbl__not_public(void **state)
{
    (void)state;
    assert_true(xp_dnsbl_not_public("10.1.2.3"));
    assert_true(xp_dnsbl_not_public("172.16.0.1"));
    assert_true(xp_dnsbl_not_public("172.31.255.1"));
    assert_false(xp_dnsbl_not_public("172.32.0.1"));
    assert_true(xp_dnsbl_not_public("192.168.1.1"));
    assert_true(xp_dnsbl_not_public("100.64.0.1"));      /* CGNAT */
    assert_true(xp_dnsbl_not_public("169.254.1.1"));
    assert_true(xp_dnsbl_not_public("127.0.1.70"));
    assert_false(xp_dnsbl_not_public("127.0.0.2"));      /* RFC 5782 test points */
    assert_false(xp_dnsbl_not_public("127.0.0.1"));
    assert_false(xp_dnsbl_not_public("203.0.113.5"));
    assert_true(xp_dnsbl_not_public("::1"));
    assert_true(xp_dnsbl_not_public("fd00::1"));
    assert_true(xp_dnsbl_not_public("fe80::1"));
    assert_true(xp_dnsbl_not_public("::ffff:192.168.0.1"));
    assert_false(xp_dnsbl_not_public("2001:db8::1"));
    assert_true(xp_dnsbl_not_public("garbage"));
}

static void
dnsbl__ip_in_prefix(void **state)
{
    (void)state;
    assert_int_equal(xp_ip_in_prefix("198.51.100.7", "198.51.100.0/24"), 1);
    assert_int_equal(xp_ip_in_prefix("198.51.101.7", "198.51.100.0/24"), 0);
    assert_int_equal(xp_ip_in_prefix("198.51.100.7", "198.51.100.7"), 1);
    assert_int_equal(xp_ip_in_prefix("198.51.100.8", "198.51.100.7"), 0);
    assert_int_equal(xp_ip_in_prefix("10.9.9.9", "0.0.0.0/0"), 1);
    assert_int_equal(xp_ip_in_prefix("203.0.113.130", "203.0.113.128/25"), 1);
    assert_int_equal(xp_ip_in_prefix("203.0.113.127", "203.0.113.128/25"), 0);
    assert_int_equal(xp_ip_in_prefix("2001:db8::5", "2001:db8::/32"), 1);
    assert_int_equal(xp_ip_in_prefix("2001:db9::5", "2001:db8::/32"), 0);
    assert_int_equal(xp_ip_in_prefix("2001:db8::5", "198.51.100.0/24"), 0);   /* other family */
    assert_int_equal(xp_ip_in_prefix("198.51.100.7", "198.51.100.0/33"), -1);
    assert_int_equal(xp_ip_in_prefix("nope", "198.51.100.0/24"), -1);
}

/* ---- --expect / --hosts keys the smtp and dnsbl checks read ---- */

static void
expect__hosts_port25_and_587__smtp_endpoints(void **state)
{
    struct xp_expect *e = xp_expect_new();
    char err[256];

    (void)state;
    assert_int_equal(xp_expect_add_hosts(e, "mail.contoso.com:25,a.b:587,web.contoso.com,"
                                            "[2001:db8::1]:25", err, sizeof(err)), 0);
    assert_int_equal(e->nsmtp_hosts, 3);
    assert_string_equal(e->smtp_hosts[0].host, "mail.contoso.com");
    assert_int_equal(e->smtp_hosts[1].port, 587);
    assert_string_equal(e->smtp_hosts[2].host, "2001:db8::1");
    assert_int_equal(e->nhosts, 1);            /* only the HTTPS one is a TLS endpoint */
    assert_int_equal(e->hosts[0].port, 443);
    xp_expect_free(e);
}

static void
expect__connector_ips(void **state)
{
    struct xp_expect *e = xp_expect_new();
    char err[256];

    (void)state;
    assert_int_equal(xp_expect_set(e, "connector_ips", "203.0.113.5, 198.51.100.0/24 "
                                   "2001:db8::/32", err, sizeof(err)), 0);
    assert_int_equal(e->nconnector_ips, 3);
    assert_string_equal(e->connector_ips[1], "198.51.100.0/24");
    assert_int_equal(xp_expect_set(e, "connector_ips", "203.0.113.5, 1.2.3.4/33", err,
                                   sizeof(err)), -1);
    assert_non_null(strstr(err, "1.2.3.4/33"));
    assert_int_equal(e->nconnector_ips, 3);    /* all or nothing */
    assert_int_equal(xp_expect_set(e, "connector_ips", "mail.contoso.com", err, sizeof(err)),
                     -1);
    assert_int_equal(xp_expect_set(e, "connector_ips", " ", err, sizeof(err)), -1);
    xp_expect_free(e);
}

static void
expect__tls_cert_name(void **state)
{
    struct xp_expect *e = xp_expect_new();
    char err[256];

    (void)state;
    assert_int_equal(xp_expect_set(e, "tls_cert_name", "mail.contoso.com", err, sizeof(err)),
                     0);
    assert_int_equal(xp_expect_set(e, "tls_cert_name", "*.contoso.com", err, sizeof(err)), 0);
    assert_string_equal(e->tls_cert_name, "*.contoso.com");
    assert_int_equal(xp_expect_set(e, "tls_cert_name", "<I>CN=CA, O=X<S>CN=mail.contoso.com",
                                   err, sizeof(err)), 0);
    assert_int_equal(xp_expect_set(e, "tls_cert_name", "not a name", err, sizeof(err)), -1);
    xp_expect_free(e);
}

/* ---- segmentation: the same bytes give the same result however split ---- */

/* Everything the parser says about text fed in the given pieces (cuts:
 * ascending offsets), serialised: each reply, then the error. */
static char *
outcome(const char *text, size_t len, const size_t *cuts, size_t ncuts,
        const struct xp_smtp_limits *lim)
{
    struct xp_smtp_parser p;
    struct xp_buf out = { 0 };
    size_t off = 0, c;
    int rc = 0;

    xp_smtp_parser_init(&p, lim);
    xp_buf_add(&out, "", 0);
    for (c = 0; c <= ncuts && rc >= 0; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        struct xp_smtp_reply r;
        char head[64];

        if (xp_smtp_feed(&p, text + off, end - off) < 0)
            break;
        off = end;
        while ((rc = xp_smtp_next(&p, &r)) == 1) {
            size_t i;

            snprintf(head, sizeof(head), "[%d %s]", r.code, r.enhanced);
            xp_buf_add(&out, head, strlen(head));
            for (i = 0; i < r.nlines; i++) {
                xp_buf_add(&out, r.lines[i], strlen(r.lines[i]));
                xp_buf_add(&out, "|", 1);
            }
            xp_smtp_reply_free(&r);
        }
    }
    {
        char tail[256];

        snprintf(tail, sizeof(tail), " err=%d '%.60s' left=%zu", (int)p.err, p.errline,
                 p.err ? 0 : xp_smtp_buffered(&p));
        xp_buf_add(&out, tail, strlen(tail));
    }
    xp_smtp_parser_free(&p);
    return out.s;
}

/* Every single split point, and byte by byte, give the all-at-once result. */
static void
same_for_every_split(const char *text, size_t len, const struct xp_smtp_limits *lim)
{
    char *whole = outcome(text, len, NULL, 0, lim), *got;
    size_t cut, *cuts = xcalloc(len + 1, sizeof(size_t));

    for (cut = 0; cut <= len; cut++) {
        got = outcome(text, len, &cut, 1, lim);
        if (strcmp(got, whole) != 0) {
            char msg[600];

            snprintf(msg, sizeof(msg), "split at %zu of %zu:\n  whole: %.250s\n  split: %.250s",
                     cut, len, whole, got);
            free(got);
            free(whole);
            free(cuts);
            fail_msg("%s", msg);
        }
        free(got);
        cuts[cut] = cut;
    }
    got = outcome(text, len, cuts + 1, len > 0 ? len - 1 : 0, lim);
    if (strcmp(got, whole) != 0) {
        char msg[600];

        snprintf(msg, sizeof(msg), "byte by byte:\n  whole: %.250s\n  split: %.250s", whole,
                 got);
        free(got);
        free(whole);
        free(cuts);
        fail_msg("%s", msg);
    }
    free(got);
    free(whole);
    free(cuts);
}

/* A line of exactly n text bytes after "250 ", ended by END. */
static char *
long_line(size_t n, const char *end)
{
    char *s = xmalloc(n + 4 + strlen(end) + 1);

    memcpy(s, "250 ", 4);
    memset(s + 4, 'x', n);
    strcpy(s + 4 + n, end);
    return s;
}

/* Found by tests/fuzz/fuzz_smtp_reply (UBSan): asking before any byte
 * arrived computed NULL + 0. */
static void
parser__next_before_any_bytes__needs_more(void **state)
{
    struct xp_smtp_parser p;
    struct xp_smtp_reply r;

    (void)state;
    xp_smtp_parser_init(&p, NULL);
    assert_int_equal(xp_smtp_next(&p, &r), 0);
    assert_int_equal(xp_smtp_feed(&p, "", 0), 0);
    assert_int_equal(xp_smtp_next(&p, &r), 0);
    assert_int_equal(xp_smtp_buffered(&p), 0);
    xp_smtp_parser_free(&p);
}

static void
parser__any_segmentation__same_result(void **state)
{
    static const char *const corpus[] = {
        EHLO_REPLY,
        "220 mx.contoso.com ESMTP\r\n",
        "220-first\r\n220-second\r\n220 last\r\n250 ok\r\n",
        "220 bare LF\n250 next\n",
        "220 cr\rinside\r\n",
        "220-a\r\n250 b\r\n",
        "220 a\r\n\r\n",
        "xyz not smtp\r\n",
        "220 trailing partial\r\n250 no end",
        "451 5.7.3 Must issue a STARTTLS command first\r\n",
    };
    static const char nul[] = "220 nul\0byte\r\n";
    const struct xp_smtp_limits small = { .line_max = 20, .lines_max = 3, .total_max = 48 };
    size_t i;
    char *s;

    (void)state;
    for (i = 0; i < XP_ARRAY_LEN(corpus); i++) {
        same_for_every_split(corpus[i], strlen(corpus[i]), NULL);
        same_for_every_split(corpus[i], strlen(corpus[i]), &small);
    }
    same_for_every_split(nul, sizeof(nul) - 1, NULL);
    /* The line limit at its edge: 1000 text bytes with CRLF (the CR and LF
     * in one segment or two), one more, a bare LF. */
    for (i = 995; i <= 1002; i++) {
        const char *ends[] = { "\r\n", "\n", "\r\n250 next\r\n" };
        size_t e;

        for (e = 0; e < XP_ARRAY_LEN(ends); e++) {
            s = long_line(i - 4, ends[e]);
            same_for_every_split(s, strlen(s), NULL);
            free(s);
        }
    }
}

static void
parser__line_max_with_crlf_split__accepted(void **state)
{
    char *s = long_line(996, "\r\n");   /* "250 " + 996 = 1000 bytes of line */
    size_t cut = strlen(s) - 1;            /* CR in one segment, LF in the next */
    char *got = outcome(s, strlen(s), &cut, 1, NULL);

    (void)state;
    assert_non_null(strstr(got, "err=0"));
    assert_non_null(strstr(got, "[250 ]"));
    free(got);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parser__one_reply__code_and_text),
        cmocka_unit_test(parser__split_at_every_byte__same_replies),
        cmocka_unit_test(parser__every_two_way_split__same_replies),
        cmocka_unit_test(parser__many_replies_one_read__all_and_buffered),
        cmocka_unit_test(parser__bare_lf_and_code_only__accepted),
        cmocka_unit_test(parser__bad_codes__syntax_error),
        cmocka_unit_test(parser__nul_byte__syntax_error),
        cmocka_unit_test(parser__continuation_other_code__error),
        cmocka_unit_test(parser__overlong_line__error_without_waiting_for_lf),
        cmocka_unit_test(parser__line_count_bound__error),
        cmocka_unit_test(parser__total_bytes_bound__error_and_bytes_dropped),
        cmocka_unit_test(parser__next_before_any_bytes__needs_more),
        cmocka_unit_test(parser__any_segmentation__same_result),
        cmocka_unit_test(parser__line_max_with_crlf_split__accepted),
        cmocka_unit_test(parser__enhanced_code__classes_2_4_5),
        cmocka_unit_test(reply__text__as_on_the_wire),
        cmocka_unit_test(signs__banner_masked),
        cmocka_unit_test(signs__keyword_masked),
        cmocka_unit_test(signs__tls_required),
        cmocka_unit_test(signs__ehlo_extensions),
        cmocka_unit_test(find_ip__last_literal),
        cmocka_unit_test(client__starttls_path__ehlo_again_then_quit),
        cmocka_unit_test(client__tls_failed__close),
        cmocka_unit_test(client__no_starttls__mail_probe_never_rcpt),
        cmocka_unit_test(client__no_starttls_no_probe__quit),
        cmocka_unit_test(client__ehlo_unrecognized__helo_fallback),
        cmocka_unit_test(client__banner_554__rejected_then_quit),
        cmocka_unit_test(client__ehlo_421__rejected_not_helo),
        cmocka_unit_test(client__masked_starttls__keyword_kept),
        cmocka_unit_test(client__starttls_refused__quit),
        cmocka_unit_test(client__helo_name_too_long__cut_not_overflowed),
        cmocka_unit_test(transcript__bounded_with_a_last_line),
        cmocka_unit_test(dnsbl__qname_ipv4_reversed),
        cmocka_unit_test(dnsbl__qname_ipv6_nibbles),
        cmocka_unit_test(dnsbl__qname_bad__refused),
        cmocka_unit_test(dnsbl__spamhaus_codes),
        cmocka_unit_test(dnsbl__error_codes__blocked_never_listed),
        cmocka_unit_test(dnsbl__not_public),
        cmocka_unit_test(dnsbl__ip_in_prefix),
        cmocka_unit_test(expect__hosts_port25_and_587__smtp_endpoints),
        cmocka_unit_test(expect__connector_ips),
        cmocka_unit_test(expect__tls_cert_name),
    };

    return cmocka_run_group_tests_name("smtp", tests, NULL, NULL);
}
