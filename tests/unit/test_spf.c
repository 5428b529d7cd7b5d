/*
 * test_spf.c — probes/spf.c beyond what test_cname_rules.c already holds
 * it to: terms and qualifiers, the "all" qualifier, includes written with
 * a trailing dot, and which names may be asked for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "xp_dns.h"
#include "xp_spf.h"

#define EOP "spf.protection.outlook.com"

static char
all_of(const char *s)
{
    return xp_spf_all(s, strlen(s));
}

static void
next__terms_and_qualifiers__split(void **state)
{
    const char *txt = "v=spf1 -ip4:192.0.2.1/32 ~include:" EOP " redirect=x.test ?all";
    const char *p = txt, *end = txt + strlen(txt);
    struct xp_spf_term t;

    (void)state;
    assert_true(xp_spf_next(&p, end, &t));
    assert_int_equal(t.len, 6);
    assert_true(xp_spf_next(&p, end, &t));
    assert_int_equal(t.qualifier, '-');
    assert_int_equal(t.namelen, 3);
    assert_int_equal(t.delim, ':');
    assert_int_equal(t.arglen, strlen("192.0.2.1/32"));
    assert_int_equal(xp_spf_kind(&t), XP_SPF_T_OTHER);
    assert_true(xp_spf_next(&p, end, &t));
    assert_int_equal(t.qualifier, '~');
    assert_int_equal(xp_spf_kind(&t), XP_SPF_T_INCLUDE);
    assert_int_equal(t.arglen, strlen(EOP));
    assert_true(xp_spf_next(&p, end, &t));
    assert_int_equal(xp_spf_kind(&t), XP_SPF_T_REDIRECT);
    assert_true(xp_spf_next(&p, end, &t));
    assert_int_equal(xp_spf_kind(&t), XP_SPF_T_ALL);
    assert_int_equal(t.qualifier, '?');
    assert_false(xp_spf_next(&p, end, &t));
}

static void
all__each_qualifier__returned(void **state)
{
    (void)state;
    assert_int_equal(all_of("v=spf1 include:" EOP " -all"), '-');
    assert_int_equal(all_of("v=spf1 ~all"), '~');
    assert_int_equal(all_of("v=spf1 ?all"), '?');
    assert_int_equal(all_of("v=spf1 +all"), '+');
    assert_int_equal(all_of("v=spf1 all"), '+');
    assert_int_equal(all_of("v=spf1 ALL"), '+');
}

static void
all__none__zero(void **state)
{
    (void)state;
    assert_int_equal(all_of("v=spf1 redirect=x.test"), 0);
    assert_int_equal(all_of("v=spf1 -allx"), 0);
    assert_int_equal(all_of(""), 0);
}

static void
has_include__trailing_dot__either_side(void **state)
{
    static const char a[] = "v=spf1 include:" EOP ". -all";
    static const char b[] = "v=spf1 include:" EOP " -all";

    (void)state;
    assert_true(xp_spf_has_include(a, strlen(a), EOP));
    assert_true(xp_spf_has_include(b, strlen(b), EOP "."));
}

static void
has_include__bounded_by_len(void **state)
{
    static const char txt[] = "v=spf1 include:" EOP " -all";

    (void)state;
    assert_false(xp_spf_has_include(txt, strlen("v=spf1 include:spf"), EOP));
}

static void
name_problem__names(void **state)
{
    char long_name[300];

    (void)state;
    assert_null(xp_spf_name_problem(EOP));
    assert_null(xp_spf_name_problem("_spf.contoso.com"));
    assert_non_null(xp_spf_name_problem(""));
    assert_non_null(xp_spf_name_problem("%{d}.spf.test"));
    assert_non_null(xp_spf_name_problem("a b.test"));
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_non_null(xp_spf_name_problem(long_name));
}

static void
records__counts_spf_among_txt__last_one(void **state)
{
    struct xp_dns_rr rr[4] = {
        { .type = XP_DNS_TXT, .text = "MS=ms12345678", .textlen = 13 },
        { .type = XP_DNS_TXT, .text = "v=spf1 -all", .textlen = 11 },
        { .type = XP_DNS_CNAME, .text = NULL, .textlen = 0 },
        { .type = XP_DNS_TXT, .text = "v=spf1 include:x.test -all", .textlen = 26 },
    };
    struct xp_dns_result res = { .rr = rr, .nrr = 4 };
    size_t n;

    (void)state;
    assert_ptr_equal(xp_spf_records(&res, &n), &rr[3]);
    assert_int_equal(n, 2);
    res.nrr = 1;
    assert_null(xp_spf_records(&res, &n));
    assert_int_equal(n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(next__terms_and_qualifiers__split),
        cmocka_unit_test(all__each_qualifier__returned),
        cmocka_unit_test(all__none__zero),
        cmocka_unit_test(has_include__trailing_dot__either_side),
        cmocka_unit_test(has_include__bounded_by_len),
        cmocka_unit_test(name_problem__names),
        cmocka_unit_test(records__counts_spf_among_txt__last_one),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
