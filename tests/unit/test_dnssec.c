/*
 * test_dnssec.c — the pure parts of the DNSSEC validator (probes/dnssec.c):
 * the trust-anchor file's zones and its check, the verdict names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xp_dnssec.h"

static char *
write_tmp(const char *text)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof(path), "/tmp/xp-anchor-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void
test_anchor_zones(void **state)
{
    char names[4][256], err[256];
    char *p = write_tmp("; comment\n"
                        "dane13.test. IN DS 3412 13 2 F062CECA\n"
                        "mx.microsoft. 3600 IN DS 26979 13 2 791AC538\n"
                        ". IN DNSKEY 257 3 8 AwEAAaz\n"
                        "dane13.test. IN DS 9999 13 2 AAAA\n"
                        "x.test. IN A 127.0.0.1\n");

    (void)state;
    assert_int_equal(xp_dnssec_anchor_zones(p, names, 4), 3);
    assert_string_equal(names[0], "dane13.test.");
    assert_string_equal(names[1], "mx.microsoft.");
    assert_string_equal(names[2], ".");
    assert_int_equal(xp_dnssec_anchor_zones(p, names, 1), 1);
    assert_int_equal(xp_dnssec_anchor_check(p, err, sizeof(err)), 0);
    unlink(p);
}

static void
test_anchor_check_rejects(void **state)
{
    char err[256];
    char *p = write_tmp("x.test. IN A 127.0.0.1\n");

    (void)state;
    assert_int_equal(xp_dnssec_anchor_check(p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no DS or DNSKEY"));
    unlink(p);
    assert_int_equal(xp_dnssec_anchor_check("/nonexistent/anchor", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/anchor"));
}

static void
test_why_cause(void **state)
{
    char *w;

    (void)state;
    w = xp_dnssec_why_cause("validation failure <. DNSKEY IN>: key for validation . is "
                            "marked as invalid because of a previous validation failure "
                            "<d1.b17.test. MX IN>: no DNSKEY rrset from 127.0.1.1 for trust "
                            "anchor . while building chain of trust");
    assert_string_equal(w, "validation failure <. DNSKEY IN>: no DNSKEY rrset from 127.0.1.1 "
                           "for trust anchor . while building chain of trust");
    free(w);
    w = xp_dnssec_why_cause("validation failure <a. MX IN>: signature expired");
    assert_string_equal(w, "validation failure <a. MX IN>: signature expired");
    free(w);
    /* an insert without its end is left as it is */
    w = xp_dnssec_why_cause("key for validation x. is marked as invalid because of a previous "
                            "validation failure <x. A IN");
    assert_non_null(strstr(w, "previous validation failure"));
    free(w);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(xp_sec_name(XP_SEC_SECURE), "secure");
    assert_string_equal(xp_sec_name(XP_SEC_INSECURE), "insecure");
    assert_string_equal(xp_sec_name(XP_SEC_BOGUS), "bogus");
    assert_string_equal(xp_sec_name(XP_SEC_INDETERMINATE), "indeterminate");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchor_zones),
        cmocka_unit_test(test_anchor_check_rejects),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_why_cause),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
