/*
 * fuzz_smtp_client.c — the SMTP client state machine (probes/net_smtp.c)
 * driven by whatever a server answers, through STARTTLS and the EHLO after
 * it: the parser's replies go to xp_smtp_client_reply; when it asks for
 * TLS, the first input byte says whether the handshake worked. Properties:
 * the dialogue ends within a bounded number of replies, a command to send
 * is one CRLF-terminated line.
 * Input: [tls ok?][probe MAIL?] then the server's plain-text bytes, a NUL,
 * and what it says inside TLS.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_smtp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xp_smtp_parser p;
    struct xp_smtp_client cl;
    struct xp_smtp_reply r;
    enum xp_smtp_action act = XP_SMTP_ACT_SEND;
    const uint8_t *plain, *nul, *tls = NULL;
    size_t plain_len;
    int rc, replies = 0;

    if (size < 2)
        return 0;
    plain = data + 2;
    plain_len = size - 2;
    nul = memchr(plain, 0, plain_len);
    if (nul) {
        tls = nul + 1;
        plain_len = (size_t)(nul - plain);
    }
    xp_smtp_parser_init(&p, NULL);
    xp_smtp_client_init(&cl, "probe.example", data[1] & 1);
    xp_smtp_feed(&p, plain, plain_len);
    while (act != XP_SMTP_ACT_CLOSE && (rc = xp_smtp_next(&p, &r)) == 1) {
        act = xp_smtp_client_reply(&cl, &r);
        replies++;
        FUZZ_ASSERT(replies <= 16, "more than 16 replies taken, stage %d", (int)cl.stage);
        if (act == XP_SMTP_ACT_TLS) {
            xp_smtp_parser_reset(&p);   /* what followed was plain text: dropped */
            act = xp_smtp_client_tls_done(&cl, data[0] & 1);
            if (tls)
                xp_smtp_feed(&p, tls, (size_t)(data + size - tls));
            tls = NULL;
        }
        if (act == XP_SMTP_ACT_SEND) {
            size_t n = strlen(cl.out);

            FUZZ_ASSERT(n >= 2 && cl.out[n - 2] == '\r' && cl.out[n - 1] == '\n' &&
                            !memchr(cl.out, '\n', n - 1),
                        "command %.80s", cl.out);
        }
        (void)xp_smtp_stage_name(cl.stage);
    }
    xp_smtp_client_free(&cl);
    xp_smtp_parser_free(&p);
    return 0;
}
