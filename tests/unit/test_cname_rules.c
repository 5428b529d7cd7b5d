/*
 * test_cname_rules.c — the pure record helpers of the `cname` check (the
 * SPF ones now in probes/spf.c): is a TXT string SPF, does an SPF record
 * include a name, how many DNS lookups one SPF record's own terms cost (RFC 7208
 * 4.6.4), and the verification code of an MS=msNNNNNNNN TXT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <strings.h>

#include "xp_spf.h"

/* Exported by probes/check_cname.c for tests; no header declares it. */
const char *xp_cname_ms_code(const char *txt, size_t len);

/* The SPF helpers moved to probes/spf.c; these tests, written against
 * cname's copies, hold the shared module to the same behaviour. */
static int
xp_cname_is_spf(const char *txt, size_t len)
{
    return xp_spf_is_record(txt, len);
}

static int
xp_cname_spf_has_include(const char *spf, const char *name)
{
    return xp_spf_has_include(spf, strlen(spf), name);
}

static int
xp_cname_spf_lookups(const char *spf, size_t len)
{
    return xp_spf_scan(spf, len, NULL, NULL);
}

#define EOP "spf.protection.outlook.com"

static int
is_spf(const char *s)
{
    return xp_cname_is_spf(s, strlen(s));
}

static int
lookups(const char *s)
{
    return xp_cname_spf_lookups(s, strlen(s));
}

static const char *
ms_code(const char *s)
{
    return xp_cname_ms_code(s, strlen(s));
}

/* ---- xp_cname_is_spf ---- */

static void
is_spf__bare_version__true(void **state)
{
    (void)state;
    assert_int_equal(is_spf("v=spf1"), 1);
}

static void
is_spf__version_and_mechanisms__true(void **state)
{
    (void)state;
    assert_int_equal(is_spf("v=spf1 -all"), 1);
    assert_int_equal(is_spf("v=spf1 include:" EOP " -all"), 1);
}

static void
is_spf__upper_case__true(void **state)
{
    (void)state;
    assert_int_equal(is_spf("V=SPF1 mx"), 1);
}

static void
is_spf__version_10__false(void **state)
{
    (void)state;
    assert_int_equal(is_spf("v=spf10"), 0);
}

static void
is_spf__no_v_equals__false(void **state)
{
    (void)state;
    assert_int_equal(is_spf("spf1"), 0);
    assert_int_equal(is_spf("spf1 -all"), 0);
}

static void
is_spf__letter_after_version__false(void **state)
{
    (void)state;
    assert_int_equal(is_spf("v=spf1x"), 0);
    assert_int_equal(is_spf("v=spf1x -all"), 0);
}

static void
is_spf__other_txt__false(void **state)
{
    (void)state;
    assert_int_equal(is_spf(""), 0);
    assert_int_equal(is_spf("v=spf"), 0);
    assert_int_equal(is_spf("MS=ms12345678"), 0);
    assert_int_equal(is_spf("v=DMARC1; p=none"), 0);
    assert_int_equal(is_spf(" v=spf1 -all"), 0);
}

static void
is_spf__length_respected__bytes_past_len_ignored(void **state)
{
    (void)state;
    /* Only len bytes count: "v=spf1x" cut at 6 is "v=spf1". */
    assert_int_equal(xp_cname_is_spf("v=spf1x", 6), 1);
    assert_int_equal(xp_cname_is_spf("v=spf1 -all", 5), 0);
}

/* ---- xp_cname_spf_has_include ---- */

static void
has_include__plain__true(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include("v=spf1 include:" EOP " -all", EOP), 1);
}

static void
has_include__at_end__true(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include("v=spf1 mx include:" EOP, EOP), 1);
}

static void
has_include__each_qualifier__true(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include("v=spf1 +include:" EOP " -all", EOP), 1);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 ~include:" EOP " -all", EOP), 1);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 ?include:" EOP " -all", EOP), 1);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 -include:" EOP " -all", EOP), 1);
}

static void
has_include__mixed_case__true(void **state)
{
    (void)state;
    assert_int_equal(
        xp_cname_spf_has_include("V=SPF1 INCLUDE:SPF.Protection.Outlook.COM -ALL", EOP), 1);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 include:" EOP " -all",
                                              "SPF.PROTECTION.OUTLOOK.COM"), 1);
}

static void
has_include__among_others_extra_spaces__true(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include(
                         "v=spf1  ip4:192.0.2.0/24   include:_spf.contoso.com  include:" EOP
                         "   ~all",
                         EOP),
                     1);
}

static void
has_include__longer_name_suffix__false(void **state)
{
    (void)state;
    assert_int_equal(
        xp_cname_spf_has_include("v=spf1 include:" EOP ".evil.com -all", EOP), 0);
}

static void
has_include__redirect__false(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include("v=spf1 redirect=" EOP, EOP), 0);
}

static void
has_include__name_with_prefix__false(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include("v=spf1 include:x" EOP " -all", EOP), 0);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 include:sub." EOP " -all", EOP), 0);
}

static void
has_include__other_mechanisms__false(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include("v=spf1 a:" EOP " -all", EOP), 0);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 exists:" EOP " -all", EOP), 0);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 xinclude:" EOP " -all", EOP), 0);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 include: " EOP " -all", EOP), 0);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 +-include:" EOP " -all", EOP), 0);
}

static void
has_include__empty_or_no_include__false(void **state)
{
    (void)state;
    assert_int_equal(xp_cname_spf_has_include("", EOP), 0);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 -all", EOP), 0);
    assert_int_equal(xp_cname_spf_has_include("v=spf1 include:", EOP), 0);
}

/* ---- xp_cname_spf_lookups ---- */

static void
lookups__eop_only__one(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 include:" EOP " -all"), 1);
}

static void
lookups__each_querying_mechanism__counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 include:_spf.contoso.com -all"), 1);
    assert_int_equal(lookups("v=spf1 a -all"), 1);
    assert_int_equal(lookups("v=spf1 mx -all"), 1);
    assert_int_equal(lookups("v=spf1 ptr -all"), 1);
    assert_int_equal(lookups("v=spf1 exists:x.contoso.com -all"), 1);
    assert_int_equal(lookups("v=spf1 a mx ptr exists:x.contoso.com include:" EOP " -all"), 5);
}

static void
lookups__arguments_and_cidr__counted_once(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 a:mail.contoso.com mx:contoso.com/24 a/24//64 "
                             "ptr:contoso.com -all"), 4);
}

static void
lookups__qualifiers__counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 +a -mx ~include:" EOP " ?exists:x.test -all"), 4);
}

static void
lookups__upper_case__counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("V=SPF1 A MX INCLUDE:" EOP " Exists:x.test PTR -ALL"), 5);
}

static void
lookups__ip_and_all__not_counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"), 0);
    assert_int_equal(lookups("v=spf1 ~all"), 0);
    assert_int_equal(lookups("v=spf1"), 0);
    assert_int_equal(lookups(""), 0);
}

static void
lookups__redirect__counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 redirect=_spf.contoso.com"), 1);
    assert_int_equal(lookups("v=spf1 mx REDIRECT=_spf.contoso.com"), 2);
}

static void
lookups__redirect_with_all__ignored(void **state)
{
    (void)state;
    /* RFC 7208 5.1 / 6.1: redirect= is ignored when "all" is present. */
    assert_int_equal(lookups("v=spf1 mx -all redirect=_spf.contoso.com"), 1);
    assert_int_equal(lookups("v=spf1 redirect=_spf.contoso.com ?all"), 0);
}

static void
lookups__other_modifiers__not_counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 mx exp=explain.contoso.com -all"), 1);
    assert_int_equal(lookups("v=spf1 a=b.test include=x.test -all"), 0);
}

static void
lookups__macros__counted_as_terms(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 exists:%{i}._spf.%{d} -all"), 1);
    assert_int_equal(lookups("v=spf1 include:%{d2}.spf.example a:%{h} -all"), 2);
    assert_int_equal(lookups("v=spf1 redirect=%{d}._spf.example"), 1);
}

static void
lookups__unknown_or_lookalike_terms__not_counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1 ax mxx include2:x.test exist:x.test ptrs -all"), 0);
    assert_int_equal(lookups("v=spf1 ip4:1.2.3.4 + - ~all"), 0);
}

static void
lookups__extra_spaces__counted(void **state)
{
    (void)state;
    assert_int_equal(lookups("v=spf1   a    mx  include:" EOP "   -all  "), 3);
}

static void
lookups__length_respected__bytes_past_len_ignored(void **state)
{
    /* "v=spf1 a mx" cut after "a": one lookup. A NUL byte does not end
     * the record, and "a<NUL>" is not the mechanism a. */
    static const char nul_term[] = "v=spf1 a \0 mx", nul_in_a[] = "v=spf1 a\0 mx";

    (void)state;
    assert_int_equal(xp_cname_spf_lookups("v=spf1 a mx", 8), 1);
    assert_int_equal(xp_cname_spf_lookups(nul_term, sizeof(nul_term) - 1), 2);
    assert_int_equal(xp_cname_spf_lookups(nul_in_a, sizeof(nul_in_a) - 1), 1);
}

/* ---- xp_cname_ms_code ---- */

static void
ms_code__canonical__code_returned(void **state)
{
    const char *txt = "MS=ms12345678";
    const char *code;

    (void)state;
    code = ms_code(txt);
    assert_non_null(code);
    assert_ptr_equal(code, txt + 3);
    assert_string_equal(code, "ms12345678");
}

static void
ms_code__other_case__accepted(void **state)
{
    const char *txt = "ms=MS12345678";
    const char *code;

    (void)state;
    code = ms_code(txt);
    assert_non_null(code);
    assert_ptr_equal(code, txt + 3);
    assert_int_equal(strncasecmp(code, "ms12345678", 10), 0);
}

static void
ms_code__seven_digits__rejected(void **state)
{
    (void)state;
    assert_null(ms_code("MS=ms1234567"));
}

static void
ms_code__trailing_letter__rejected(void **state)
{
    (void)state;
    assert_null(ms_code("MS=ms12345678x"));
    assert_null(ms_code("MS=ms1234567x"));
}

static void
ms_code__nine_digits__rejected(void **state)
{
    (void)state;
    assert_null(ms_code("MS=ms123456789"));
}

static void
ms_code__wrong_prefix__rejected(void **state)
{
    (void)state;
    assert_null(ms_code("MS:ms12345678"));
    assert_null(ms_code("MS=xx12345678"));
    assert_null(ms_code("ms12345678"));
    assert_null(ms_code(" MS=ms12345678"));
    assert_null(ms_code("v=spf1 -all"));
    assert_null(ms_code(""));
}

static void
ms_code__length_respected__bytes_past_len_ignored(void **state)
{
    (void)state;
    /* A TXT is length-delimited: a valid code cut short is not a code. */
    assert_null(xp_cname_ms_code("MS=ms12345678", 12));
    assert_non_null(xp_cname_ms_code("MS=ms12345678junk", 13));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(is_spf__bare_version__true),
        cmocka_unit_test(is_spf__version_and_mechanisms__true),
        cmocka_unit_test(is_spf__upper_case__true),
        cmocka_unit_test(is_spf__version_10__false),
        cmocka_unit_test(is_spf__no_v_equals__false),
        cmocka_unit_test(is_spf__letter_after_version__false),
        cmocka_unit_test(is_spf__other_txt__false),
        cmocka_unit_test(is_spf__length_respected__bytes_past_len_ignored),
        cmocka_unit_test(has_include__plain__true),
        cmocka_unit_test(has_include__at_end__true),
        cmocka_unit_test(has_include__each_qualifier__true),
        cmocka_unit_test(has_include__mixed_case__true),
        cmocka_unit_test(has_include__among_others_extra_spaces__true),
        cmocka_unit_test(has_include__longer_name_suffix__false),
        cmocka_unit_test(has_include__redirect__false),
        cmocka_unit_test(has_include__name_with_prefix__false),
        cmocka_unit_test(has_include__other_mechanisms__false),
        cmocka_unit_test(has_include__empty_or_no_include__false),
        cmocka_unit_test(lookups__eop_only__one),
        cmocka_unit_test(lookups__each_querying_mechanism__counted),
        cmocka_unit_test(lookups__arguments_and_cidr__counted_once),
        cmocka_unit_test(lookups__qualifiers__counted),
        cmocka_unit_test(lookups__upper_case__counted),
        cmocka_unit_test(lookups__ip_and_all__not_counted),
        cmocka_unit_test(lookups__redirect__counted),
        cmocka_unit_test(lookups__redirect_with_all__ignored),
        cmocka_unit_test(lookups__other_modifiers__not_counted),
        cmocka_unit_test(lookups__macros__counted_as_terms),
        cmocka_unit_test(lookups__unknown_or_lookalike_terms__not_counted),
        cmocka_unit_test(lookups__extra_spaces__counted),
        cmocka_unit_test(lookups__length_respected__bytes_past_len_ignored),
        cmocka_unit_test(ms_code__canonical__code_returned),
        cmocka_unit_test(ms_code__other_case__accepted),
        cmocka_unit_test(ms_code__seven_digits__rejected),
        cmocka_unit_test(ms_code__trailing_letter__rejected),
        cmocka_unit_test(ms_code__nine_digits__rejected),
        cmocka_unit_test(ms_code__wrong_prefix__rejected),
        cmocka_unit_test(ms_code__length_respected__bytes_past_len_ignored),
    };

    return cmocka_run_group_tests_name("cname_rules", tests, NULL, NULL);
}
