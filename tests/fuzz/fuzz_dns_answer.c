/*
 * fuzz_dns_answer.c — walking a DNS answer (probes/net_dns.c
 * xp_dns_parse_answer: compressed names, rdata of every type) as a server
 * sent it, then the presentation helpers on what was parsed; then its
 * additional section (xp_dns_parse_additional: an MX answer's exchanges'
 * addresses, kept as their A/AAAA answers).
 * Input: a DNS message.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_dns.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xp_dns_result *r = xcalloc(1, sizeof(*r));
    char **lines;
    size_t n, i;

    if (size > 65535)
        size = 65535;
    r->qname = xstrdup("contoso.com");   /* as xp_dns_query sets them */
    r->qtype = 16;
    xp_dns_parse_answer(r, data, (int)size);
    lines = xp_dns_lines(r, &n);
    for (i = 0; i < n; i++)
        FUZZ_ASSERT(fuzz_utf8_valid(lines[i], strlen(lines[i])), "line %.200s", lines[i]);
    xp_strv_free(lines, n);
    (void)xp_dns_cname_target(r);
    (void)xp_dns_count(r, 16);
    xp_dns_result_free(r);
    r = xcalloc(1, sizeof(*r));
    r->qname = xstrdup("contoso.com");
    r->qtype = 15;
    if (xp_dns_parse_additional(r, data, (int)size))
        for (i = 0; i < r->nrr; i++)
            FUZZ_ASSERT(r->rr[i].type == 1 || r->rr[i].type == 28, "additional type %d",
                        r->rr[i].type);
    xp_dns_result_free(r);
    return 0;
}
