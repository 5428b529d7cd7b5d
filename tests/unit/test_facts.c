/*
 * test_facts.c — the per-target facts store (include/xp_facts.h): each
 * kind keeps a fact once; TLS endpoints, HTTPS hosts and v2 URLs come out
 * sorted whatever the arrival order, a later TLS record of one endpoint
 * replaces the earlier one, client addresses and builds keep the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "xp_facts.h"

static struct xp_tls_info
tls_info(const char *host, int port, const char *ip)
{
    struct xp_tls_info info;

    memset(&info, 0, sizeof(info));
    strcpy(info.host, host);
    info.port = port;
    strcpy(info.ip, ip);
    return info;
}

static void
facts__tls__sorted_and_replaced(void **state)
{
    struct xp_facts *f = xp_facts_new();
    struct xp_tls_info b = tls_info("b.test", 443, "192.0.2.2");
    struct xp_tls_info a = tls_info("a.test", 443, "192.0.2.1");

    (void)state;
    xp_facts_add_tls(f, "--hosts", 0, &b);
    xp_facts_add_tls(f, "--hosts", 0, &a);
    xp_facts_add_tls(f, "--hosts", 1, &b);      /* the same endpoint again */
    assert_int_equal(xp_facts_tls_count(f), 2);
    assert_string_equal(xp_facts_tls(f, 0)->info.host, "a.test");
    assert_string_equal(xp_facts_tls(f, 1)->info.host, "b.test");
    assert_int_equal(xp_facts_tls(f, 1)->exchange, 1);   /* the later record */
    xp_facts_free(f);
}

static void
facts__http__once_sorted_by_role_host_port(void **state)
{
    struct xp_facts *f = xp_facts_new();

    (void)state;
    xp_facts_add_http(f, "mail.test", 443, "192.0.2.1", "ews", NULL);
    xp_facts_add_http(f, "autodiscover.test", 443, "192.0.2.1", "autodiscover", NULL);
    xp_facts_add_http(f, "MAIL.test", 443, "192.0.2.9", "ews", NULL);   /* the same host */
    xp_facts_add_http(f, "mail.test", 8443, "192.0.2.1", "ews", "its certificate names x");
    assert_int_equal(xp_facts_http_count(f), 3);
    assert_string_equal(xp_facts_http(f, 0)->role, "autodiscover");
    assert_string_equal(xp_facts_http(f, 1)->ip, "192.0.2.1");    /* the first kept */
    assert_int_equal(xp_facts_http(f, 2)->port, 8443);
    assert_string_equal(xp_facts_http(f, 1)->unusable, "");
    assert_string_equal(xp_facts_http(f, 2)->unusable, "its certificate names x");
    assert_int_equal(xp_facts_http(f, 0)->seq, 2);    /* recorded second */
    assert_int_equal(xp_facts_http(f, 1)->seq, 1);
    assert_int_equal(xp_facts_http(f, 2)->seq, 3);    /* the duplicate took none */
    xp_facts_free(f);
}

static void
facts__http_next__each_once_in_arrival_order(void **state)
{
    struct xp_facts *f = xp_facts_new();
    unsigned seen = 0;

    (void)state;
    xp_facts_add_http(f, "mail.test", 443, "192.0.2.1", "ews", NULL);
    xp_facts_add_http(f, "autodiscover.test", 443, "192.0.2.1", "autodiscover", NULL);
    assert_string_equal(xp_facts_http_next(f, &seen)->host, "mail.test");
    assert_string_equal(xp_facts_http_next(f, &seen)->host, "autodiscover.test");
    assert_null(xp_facts_http_next(f, &seen));
    xp_facts_add_http(f, "a.test", 443, "192.0.2.2", "ews", NULL);    /* sorts first */
    assert_string_equal(xp_facts_http_next(f, &seen)->host, "a.test");
    assert_null(xp_facts_http_next(f, &seen));
    assert_int_equal(seen, 3);
    xp_facts_free(f);
}

/* Hosts about to be reached: once per host, port and address, in arrival
 * order (a reader keeps how many it took), apart from the endpoints. */
static void
facts__http_soon__once_in_arrival_order(void **state)
{
    struct xp_facts *f = xp_facts_new();

    (void)state;
    xp_facts_add_http_soon(f, "ad2.test", 443, "192.0.2.2");
    xp_facts_add_http_soon(f, "ad1.test", 443, "192.0.2.1");
    xp_facts_add_http_soon(f, "AD2.test", 443, "192.0.2.2");    /* the same */
    xp_facts_add_http_soon(f, "ad2.test", 8443, "192.0.2.2");
    assert_int_equal(xp_facts_http_soon_count(f), 3);
    assert_string_equal(xp_facts_http_soon(f, 0)->host, "ad2.test");
    assert_string_equal(xp_facts_http_soon(f, 1)->ip, "192.0.2.1");
    assert_int_equal(xp_facts_http_soon(f, 2)->port, 8443);
    assert_int_equal(xp_facts_http_count(f), 0);    /* not reached: no endpoint */
    xp_facts_free(f);
}

static void
facts__client_ip_and_build__first_kept_in_arrival_order(void **state)
{
    struct xp_facts *f = xp_facts_new();

    (void)state;
    xp_facts_add_client_ip(f, "198.51.100.7", "EHLO reply of mx2");
    xp_facts_add_client_ip(f, "198.51.100.5", "EHLO reply of mx1");
    xp_facts_add_client_ip(f, "198.51.100.7", "EHLO reply of mx3");
    assert_int_equal(xp_facts_client_ip_count(f), 2);
    assert_string_equal(xp_facts_client_ip(f, 0)->ip, "198.51.100.7");
    assert_string_equal(xp_facts_client_ip(f, 0)->source, "EHLO reply of mx2");

    xp_facts_add_build(f, "mail.test", "15.2.1544.4", "X-OWA-Version", 1);
    xp_facts_add_build(f, "MAIL.test", "15.1.2507.6", "OWA asset path", 0);
    assert_int_equal(xp_facts_build_count(f), 1);
    assert_string_equal(xp_facts_build_of(f, "mail.TEST")->version, "15.2.1544.4");
    assert_null(xp_facts_build_of(f, "other.test"));
    xp_facts_free(f);
}

static void
facts__v2url__once_sorted(void **state)
{
    struct xp_facts *f = xp_facts_new();

    (void)state;
    xp_facts_add_v2url(f, "EWS", "https://b.test/EWS/Exchange.asmx", 0);
    xp_facts_add_v2url(f, "ActiveSync", "https://a.test/Microsoft-Server-ActiveSync", 1);
    xp_facts_add_v2url(f, "EWS", "https://a.test/EWS/Exchange.asmx", 0);
    xp_facts_add_v2url(f, "EWS", "https://b.test/EWS/Exchange.asmx", 1);
    assert_int_equal(xp_facts_v2url_count(f), 3);
    assert_string_equal(xp_facts_v2url(f, 0)->protocol, "ActiveSync");
    assert_string_equal(xp_facts_v2url(f, 1)->url, "https://a.test/EWS/Exchange.asmx");
    assert_int_equal(xp_facts_v2url(f, 2)->cloud, 0);   /* the first kept */
    xp_facts_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(facts__tls__sorted_and_replaced),
        cmocka_unit_test(facts__http__once_sorted_by_role_host_port),
        cmocka_unit_test(facts__http_next__each_once_in_arrival_order),
        cmocka_unit_test(facts__http_soon__once_in_arrival_order),
        cmocka_unit_test(facts__client_ip_and_build__first_kept_in_arrival_order),
        cmocka_unit_test(facts__v2url__once_sorted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
