/*
 * test_dns_format.c — the DNS presentation helpers (include/xp_dns.h) on
 * hand-built answers: records formatted as dig shows them, TXT quoting
 * and escaping, the CNAME target, counts, type/status names, and the deep
 * copy a check keeps past its callback (run under valgrind: leak-free,
 * no read of freed memory).
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
#include "xp_dns.h"

/* ---- building records ---- */

static struct xp_dns_rr
rr_a(char *owner, uint32_t ttl, const char *addr)
{
    struct xp_dns_rr rr = { .owner = owner, .type = XP_DNS_A, .ttl = ttl };

    snprintf(rr.addr, sizeof(rr.addr), "%s", addr);
    return rr;
}

static struct xp_dns_rr
rr_cname(char *owner, uint32_t ttl, char *target)
{
    return (struct xp_dns_rr){ .owner = owner, .type = XP_DNS_CNAME, .ttl = ttl,
                               .target = target };
}

static struct xp_dns_rr
rr_txt(char *owner, uint32_t ttl, char *text, size_t len)
{
    return (struct xp_dns_rr){ .owner = owner, .type = XP_DNS_TXT, .ttl = ttl, .text = text,
                               .textlen = len };
}

static void
expect_format(const struct xp_dns_rr *rr, const char *want)
{
    char *got = xp_dns_rr_format(rr), copy[512];

    assert_non_null(got);
    snprintf(copy, sizeof(copy), "%s", got);
    free(got);   /* before asserting: a failed assert must not leak */
    assert_string_equal(copy, want);
}

/* ---- xp_dns_rr_format ---- */

static void
rr_format__a__dig_style(void **state)
{
    struct xp_dns_rr rr = rr_a("contoso.com", 300, "192.0.2.10");

    (void)state;
    expect_format(&rr, "contoso.com. 300 A 192.0.2.10");
}

static void
rr_format__aaaa__dig_style(void **state)
{
    struct xp_dns_rr rr = rr_a("contoso.com", 60, "2001:db8::1");

    (void)state;
    rr.type = XP_DNS_AAAA;
    expect_format(&rr, "contoso.com. 60 AAAA 2001:db8::1");
}

static void
rr_format__mx__preference_and_target(void **state)
{
    struct xp_dns_rr rr = { .owner = "contoso.com", .type = XP_DNS_MX, .ttl = 3600,
                            .pref = 10, .target = "contoso-com.mail.protection.outlook.com" };

    (void)state;
    expect_format(&rr, "contoso.com. 3600 MX 10 contoso-com.mail.protection.outlook.com.");
}

static void
rr_format__srv__priority_weight_port_target(void **state)
{
    struct xp_dns_rr rr = { .owner = "_sip._tls.contoso.com", .type = XP_DNS_SRV,
                            .ttl = 3600, .priority = 100, .weight = 1, .port = 443,
                            .target = "sipdir.online.lync.com" };

    (void)state;
    expect_format(&rr, "_sip._tls.contoso.com. 3600 SRV 100 1 443 sipdir.online.lync.com.");
}

static void
rr_format__cname__target_with_dot(void **state)
{
    struct xp_dns_rr rr = rr_cname("autodiscover.contoso.com", 3600, "autodiscover.outlook.com");

    (void)state;
    expect_format(&rr, "autodiscover.contoso.com. 3600 CNAME autodiscover.outlook.com.");
}

static void
rr_format__ns_and_ptr__target_with_dot(void **state)
{
    struct xp_dns_rr ns = { .owner = "contoso.com", .type = XP_DNS_NS, .ttl = 86400,
                            .target = "ns1.contoso.com" };
    struct xp_dns_rr ptr = { .owner = "10.2.0.192.in-addr.arpa", .type = XP_DNS_PTR,
                             .ttl = 60, .target = "mx.contoso.com" };

    (void)state;
    expect_format(&ns, "contoso.com. 86400 NS ns1.contoso.com.");
    expect_format(&ptr, "10.2.0.192.in-addr.arpa. 60 PTR mx.contoso.com.");
}

static void
rr_format__txt__quoted(void **state)
{
    char text[] = "v=spf1 include:spf.protection.outlook.com -all";
    struct xp_dns_rr rr = rr_txt("contoso.com", 3600, text, strlen(text));

    (void)state;
    expect_format(&rr,
                  "contoso.com. 3600 TXT \"v=spf1 include:spf.protection.outlook.com -all\"");
}

static void
rr_format__txt_empty__empty_quotes(void **state)
{
    char text[] = "";
    struct xp_dns_rr rr = rr_txt("contoso.com", 1, text, 0);

    (void)state;
    expect_format(&rr, "contoso.com. 1 TXT \"\"");
}

static void
rr_format__txt_quote_and_backslash__escaped(void **state)
{
    char text[] = "say \"hi\" C:\\dir";
    struct xp_dns_rr rr = rr_txt("contoso.com", 300, text, strlen(text));

    (void)state;
    expect_format(&rr, "contoso.com. 300 TXT \"say \\\"hi\\\" C:\\\\dir\"");
}

static void
rr_format__txt_control_bytes__decimal_escapes(void **state)
{
    /* ESC, NUL (inside the length), TAB, LF, CR, DEL */
    char text[] = "a\x1b[2Jb\0c\td\ne\rf\x7fg";
    struct xp_dns_rr rr = rr_txt("contoso.com", 300, text, sizeof(text) - 1);

    (void)state;
    expect_format(&rr,
                  "contoso.com. 300 TXT \"a\\027[2Jb\\000c\\009d\\010e\\013f\\127g\"");
}

static void
rr_format__txt_utf8__bytes_kept(void **state)
{
    char text[] = "caf\xC3\xA9 \xE2\x82\xAC";
    struct xp_dns_rr rr = rr_txt("contoso.com", 300, text, strlen(text));

    (void)state;
    expect_format(&rr, "contoso.com. 300 TXT \"caf\xC3\xA9 \xE2\x82\xAC\"");
}

/* Found by tests/fuzz/fuzz_dns_answer: bytes that are not UTF-8, and C1
 * controls, were passed on raw (to be replaced by U+FFFD later). */
static void
rr_format__txt_not_utf8_or_c1__escaped(void **state)
{
    char text[] = "a\xFF" "b\xC2\x9B" "c\xC3";
    struct xp_dns_rr rr = rr_txt("contoso.com", 300, text, strlen(text));

    (void)state;
    expect_format(&rr, "contoso.com. 300 TXT \"a\\255b\\194\\155c\\195\"");
}

static void
rr_format__txt_length__bytes_past_len_ignored(void **state)
{
    char text[] = "MS=ms12345678garbage";
    struct xp_dns_rr rr = rr_txt("contoso.com", 300, text, 13);

    (void)state;
    expect_format(&rr, "contoso.com. 300 TXT \"MS=ms12345678\"");
}

static void
dns_lines__answer__one_formatted_line_each(void **state)
{
    struct xp_dns_rr rrs[2];
    struct xp_dns_result res = { .qname = "autodiscover.contoso.com", .qtype = XP_DNS_A,
                                 .rr = rrs, .nrr = 2 };
    char **lines;
    size_t n = 99;

    (void)state;
    rrs[0] = rr_cname("autodiscover.contoso.com", 300, "autod.contoso.net");
    rrs[1] = rr_a("autod.contoso.net", 60, "192.0.2.7");
    lines = xp_dns_lines(&res, &n);
    assert_int_equal(n, 2);
    assert_string_equal(lines[0], "autodiscover.contoso.com. 300 CNAME autod.contoso.net.");
    assert_string_equal(lines[1], "autod.contoso.net. 60 A 192.0.2.7");
    assert_null(lines[2]);
    xp_strv_free(lines, n);
}

/* Servers rotate an RRset: the lines are the same whatever order came. */
static void
dns_lines__rotated_rrset__sorted(void **state)
{
    struct xp_dns_rr rrs[3];
    struct xp_dns_result res = { .qname = "mx.contoso.com", .qtype = XP_DNS_A, .rr = rrs,
                                 .nrr = 3 };
    char **lines;
    size_t n;

    (void)state;
    rrs[0] = rr_cname("mx.contoso.com", 300, "pool.contoso.net");
    rrs[1] = rr_a("pool.contoso.net", 60, "192.0.2.9");
    rrs[2] = rr_a("pool.contoso.net", 60, "192.0.2.1");
    lines = xp_dns_lines(&res, &n);
    assert_string_equal(lines[0], "mx.contoso.com. 300 CNAME pool.contoso.net.");
    assert_string_equal(lines[1], "pool.contoso.net. 60 A 192.0.2.1");
    assert_string_equal(lines[2], "pool.contoso.net. 60 A 192.0.2.9");
    xp_strv_free(lines, n);
}

static void
dns_lines__empty_answer__null_terminated_empty(void **state)
{
    struct xp_dns_result res = { .qname = "none.contoso.com", .qtype = XP_DNS_A,
                                 .status = XP_DNS_NXDOMAIN };
    char **lines;
    size_t n = 99;

    (void)state;
    lines = xp_dns_lines(&res, &n);
    assert_int_equal(n, 0);
    assert_non_null(lines);
    assert_null(lines[0]);
    xp_strv_free(lines, n);
}

/* ---- xp_dns_cname_target / xp_dns_count ---- */

static void
cname_target__chain__first_hop_for_qname(void **state)
{
    struct xp_dns_rr rrs[3];
    struct xp_dns_result res = { .qname = "autodiscover.contoso.com", .qtype = XP_DNS_A,
                                 .rr = rrs, .nrr = 3 };

    (void)state;
    rrs[0] = rr_cname("autodiscover.contoso.com", 300, "autodiscover.outlook.com");
    rrs[1] = rr_cname("autodiscover.outlook.com", 300, "autod.ms-acdc.office.com");
    rrs[2] = rr_a("autod.ms-acdc.office.com", 30, "52.97.1.1");
    assert_string_equal(xp_dns_cname_target(&res), "autodiscover.outlook.com");
}

static void
cname_target__owner_differs_in_case_and_dot__found(void **state)
{
    struct xp_dns_rr rrs[1];
    struct xp_dns_result res = { .qname = "AutoDiscover.Contoso.COM.", .qtype = XP_DNS_CNAME,
                                 .rr = rrs, .nrr = 1 };

    (void)state;
    rrs[0] = rr_cname("autodiscover.contoso.com", 300, "autodiscover.outlook.com");
    assert_string_equal(xp_dns_cname_target(&res), "autodiscover.outlook.com");
}

static void
cname_target__no_cname__null(void **state)
{
    struct xp_dns_rr rrs[1];
    struct xp_dns_result res = { .qname = "contoso.com", .qtype = XP_DNS_A, .rr = rrs,
                                 .nrr = 1 };
    struct xp_dns_result empty = { .qname = "contoso.com", .qtype = XP_DNS_A };

    (void)state;
    rrs[0] = rr_a("contoso.com", 300, "192.0.2.1");
    assert_null(xp_dns_cname_target(&res));
    assert_null(xp_dns_cname_target(&empty));
}

static void
cname_target__cname_of_other_owner_only__null(void **state)
{
    struct xp_dns_rr rrs[1];
    struct xp_dns_result res = { .qname = "contoso.com", .qtype = XP_DNS_A, .rr = rrs,
                                 .nrr = 1 };

    (void)state;
    rrs[0] = rr_cname("www.contoso.com", 300, "contoso.azurewebsites.net");
    assert_null(xp_dns_cname_target(&res));
}

static void
count__mixed_answer__per_type(void **state)
{
    struct xp_dns_rr rrs[4];
    struct xp_dns_result res = { .qname = "mail.contoso.com", .qtype = XP_DNS_A, .rr = rrs,
                                 .nrr = 4 };
    struct xp_dns_result empty = { .qname = "x.contoso.com", .qtype = XP_DNS_A };

    (void)state;
    rrs[0] = rr_cname("mail.contoso.com", 300, "mail.contoso.net");
    rrs[1] = rr_a("mail.contoso.net", 300, "192.0.2.1");
    rrs[2] = rr_a("mail.contoso.net", 300, "192.0.2.2");
    rrs[3] = rr_a("mail.contoso.net", 300, "192.0.2.3");
    assert_int_equal(xp_dns_count(&res, XP_DNS_A), 3);
    assert_int_equal(xp_dns_count(&res, XP_DNS_CNAME), 1);
    assert_int_equal(xp_dns_count(&res, XP_DNS_MX), 0);
    assert_int_equal(xp_dns_count(&empty, XP_DNS_A), 0);
}

/* ---- xp_dns_result_dup ---- */

static void
result_dup__full_answer__deep_copy_outlives_original(void **state)
{
    struct xp_dns_result *orig = xcalloc(1, sizeof(*orig)), *copy;
    static const char txt[] = "v=spf1\0hidden \x1b";   /* NUL inside, 15 bytes */
    static const char *server = "192.0.2.53:53";
    char *line;

    (void)state;
    orig->qname = xstrdup("contoso.com");
    orig->qtype = XP_DNS_TXT;
    orig->status = XP_DNS_SERVFAIL;
    orig->error = xstrdup("server failure");
    orig->ms = 42;
    orig->server = server;
    orig->nrr = 3;
    orig->rr = xcalloc(3, sizeof(*orig->rr));
    orig->rr[0] = rr_cname(xstrdup("contoso.com"), 10, xstrdup("contoso.net"));
    orig->rr[1].owner = xstrdup("contoso.net");
    orig->rr[1].type = XP_DNS_TXT;
    orig->rr[1].ttl = 20;
    orig->rr[1].textlen = sizeof(txt) - 1;
    orig->rr[1].text = xmalloc(sizeof(txt));
    memcpy(orig->rr[1].text, txt, sizeof(txt));   /* with its NUL, as the parser stores */
    orig->rr[2] = (struct xp_dns_rr){ .owner = xstrdup("_sip._tls.contoso.net"),
                                      .type = XP_DNS_SRV, .ttl = 30, .priority = 100,
                                      .weight = 1, .port = 443,
                                      .target = xstrdup("sipdir.online.lync.com") };

    copy = xp_dns_result_dup(orig);
    assert_non_null(copy);
    assert_ptr_not_equal(copy, orig);
    assert_ptr_not_equal(copy->qname, orig->qname);
    assert_ptr_not_equal(copy->rr, orig->rr);
    assert_ptr_not_equal(copy->rr[0].owner, orig->rr[0].owner);
    assert_ptr_not_equal(copy->rr[0].target, orig->rr[0].target);
    assert_ptr_not_equal(copy->rr[1].text, orig->rr[1].text);
    xp_dns_result_free(orig);   /* the copy must not depend on it */

    assert_string_equal(copy->qname, "contoso.com");
    assert_int_equal(copy->qtype, XP_DNS_TXT);
    assert_int_equal(copy->status, XP_DNS_SERVFAIL);
    assert_string_equal(copy->error, "server failure");
    assert_int_equal(copy->ms, 42);
    assert_ptr_equal(copy->server, server);
    assert_int_equal(copy->nrr, 3);
    assert_string_equal(copy->rr[0].owner, "contoso.com");
    assert_int_equal(copy->rr[0].type, XP_DNS_CNAME);
    assert_int_equal(copy->rr[0].ttl, 10);
    assert_string_equal(copy->rr[0].target, "contoso.net");
    assert_int_equal(copy->rr[1].textlen, 15);
    assert_memory_equal(copy->rr[1].text, txt, 15);
    assert_null(copy->rr[1].target);
    assert_string_equal(copy->rr[2].target, "sipdir.online.lync.com");
    assert_int_equal(copy->rr[2].port, 443);
    assert_string_equal(xp_dns_cname_target(copy), "contoso.net");
    line = xp_dns_rr_format(&copy->rr[1]);
    assert_string_equal(line, "contoso.net. 20 TXT \"v=spf1\\000hidden \\027\"");
    free(line);
    xp_dns_result_free(copy);
}

static void
result_dup__empty_answer_no_error__copied(void **state)
{
    struct xp_dns_result orig = { .qname = "nx.contoso.com", .qtype = XP_DNS_A,
                                  .status = XP_DNS_NXDOMAIN, .ms = 7 };
    struct xp_dns_result *copy;

    (void)state;
    copy = xp_dns_result_dup(&orig);
    assert_string_equal(copy->qname, "nx.contoso.com");
    assert_int_equal(copy->status, XP_DNS_NXDOMAIN);
    assert_null(copy->error);
    assert_int_equal(copy->nrr, 0);
    assert_int_equal(xp_dns_count(copy, XP_DNS_A), 0);
    xp_dns_result_free(copy);
    xp_dns_result_free(NULL);   /* harmless */
}

/* ---- names ---- */

static void
type_name__each__mnemonic(void **state)
{
    (void)state;
    assert_string_equal(xp_dns_type_name(XP_DNS_A), "A");
    assert_string_equal(xp_dns_type_name(XP_DNS_NS), "NS");
    assert_string_equal(xp_dns_type_name(XP_DNS_CNAME), "CNAME");
    assert_string_equal(xp_dns_type_name(XP_DNS_PTR), "PTR");
    assert_string_equal(xp_dns_type_name(XP_DNS_MX), "MX");
    assert_string_equal(xp_dns_type_name(XP_DNS_TXT), "TXT");
    assert_string_equal(xp_dns_type_name(XP_DNS_AAAA), "AAAA");
    assert_string_equal(xp_dns_type_name(XP_DNS_SRV), "SRV");
    assert_string_equal(xp_dns_type_name(XP_DNS_DS), "DS");
    assert_string_equal(xp_dns_type_name(XP_DNS_DNSKEY), "DNSKEY");
    assert_string_equal(xp_dns_type_name(XP_DNS_TLSA), "TLSA");
}

/* A DNS result as a transport failure class: records are no failure, a
 * name without them or a failing resolver is DNS, a timeout a timeout. */
static void
dns_fail__each_status__its_class(void **state)
{
    struct xp_dns_result r = { 0 };

    (void)state;
    r.status = XP_DNS_OK;
    assert_int_equal(xp_dns_fail(&r), XP_FAIL_NONE);
    r.status = XP_DNS_NXDOMAIN;
    assert_int_equal(xp_dns_fail(&r), XP_FAIL_DNS);
    r.status = XP_DNS_NODATA;
    assert_int_equal(xp_dns_fail(&r), XP_FAIL_DNS);
    r.status = XP_DNS_SERVFAIL;
    assert_int_equal(xp_dns_fail(&r), XP_FAIL_DNS);
    r.status = XP_DNS_TIMEOUT;
    assert_int_equal(xp_dns_fail(&r), XP_FAIL_TIMEOUT);
    assert_string_equal(xp_fail_name(XP_FAIL_REFUSED), "refused");
    assert_string_equal(xp_fail_name(XP_FAIL_HTTP_STATUS), "http_status");
}

static void
type_name__unknown__not_null(void **state)
{
    (void)state;
    assert_non_null(xp_dns_type_name(99));
    assert_non_null(xp_dns_type_name(0));
    assert_string_not_equal(xp_dns_type_name(99), "A");
}

static void
status_name__each__rcode_word(void **state)
{
    (void)state;
    assert_string_equal(xp_dns_status_name(XP_DNS_OK), "NOERROR");
    assert_string_equal(xp_dns_status_name(XP_DNS_NODATA), "NODATA");
    assert_string_equal(xp_dns_status_name(XP_DNS_NXDOMAIN), "NXDOMAIN");
    assert_string_equal(xp_dns_status_name(XP_DNS_SERVFAIL), "SERVFAIL");
    assert_string_equal(xp_dns_status_name(XP_DNS_REFUSED), "REFUSED");
    assert_string_equal(xp_dns_status_name(XP_DNS_TIMEOUT), "TIMEOUT");
    assert_string_equal(xp_dns_status_name(XP_DNS_ERROR), "ERROR");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rr_format__a__dig_style),
        cmocka_unit_test(rr_format__aaaa__dig_style),
        cmocka_unit_test(rr_format__mx__preference_and_target),
        cmocka_unit_test(rr_format__srv__priority_weight_port_target),
        cmocka_unit_test(rr_format__cname__target_with_dot),
        cmocka_unit_test(rr_format__ns_and_ptr__target_with_dot),
        cmocka_unit_test(rr_format__txt__quoted),
        cmocka_unit_test(rr_format__txt_empty__empty_quotes),
        cmocka_unit_test(rr_format__txt_quote_and_backslash__escaped),
        cmocka_unit_test(rr_format__txt_control_bytes__decimal_escapes),
        cmocka_unit_test(rr_format__txt_utf8__bytes_kept),
        cmocka_unit_test(rr_format__txt_not_utf8_or_c1__escaped),
        cmocka_unit_test(rr_format__txt_length__bytes_past_len_ignored),
        cmocka_unit_test(dns_lines__answer__one_formatted_line_each),
        cmocka_unit_test(dns_lines__rotated_rrset__sorted),
        cmocka_unit_test(dns_lines__empty_answer__null_terminated_empty),
        cmocka_unit_test(cname_target__chain__first_hop_for_qname),
        cmocka_unit_test(cname_target__owner_differs_in_case_and_dot__found),
        cmocka_unit_test(cname_target__no_cname__null),
        cmocka_unit_test(cname_target__cname_of_other_owner_only__null),
        cmocka_unit_test(count__mixed_answer__per_type),
        cmocka_unit_test(result_dup__full_answer__deep_copy_outlives_original),
        cmocka_unit_test(result_dup__empty_answer_no_error__copied),
        cmocka_unit_test(type_name__each__mnemonic),
        cmocka_unit_test(type_name__unknown__not_null),
        cmocka_unit_test(dns_fail__each_status__its_class),
        cmocka_unit_test(status_name__each__rcode_word),
    };

    return cmocka_run_group_tests_name("dns_format", tests, NULL, NULL);
}
