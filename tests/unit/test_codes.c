/*
 * test_codes.c — the finding-code table (include/xp_codes_table.h: the enum and probes/codes.c).
 * Codes are a stable contract (SPEC "Finding codes"): every SPEC code must
 * exist under its exact name, names are unique and well formed, and every
 * warn/fail code carries a generic remediation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp.h"
#include "xp_check.h"
#include "xp_codes.h"

/* SPEC.md, "Finding codes (stable; extend, never rename)", verbatim. */
static const char *const spec_codes[] = {
    "AUTOD_OK", "AUTOD_NO_ENDPOINT", "AUTOD_DNS_MISSING", "AUTOD_CONNECT_FAILED",
    "AUTOD_REDIRECT", "AUTOD_REDIRECT_INSECURE", "AUTOD_REDIRECT_LOOP", "AUTOD_SRV",
    "AUTOD_BAD_RESPONSE", "AUTOD_AUTH_FAILED", "XML_UNSAFE",
    "PREAUTH_DETECTED", "FEDERATION_INFO_OK", "FEDERATION_INFO_FAILED", "MRSPROXY_UNREACHABLE",
    "CERT_NAME_MISMATCH", "CERT_EXPIRED", "CERT_NOT_YET_VALID", "CERT_EXPIRING_SOON",
    "CERT_UNTRUSTED", "CERT_SELF_SIGNED", "CERT_WEAK", "CERT_MSSTD_MISMATCH",
    "SMTP_MX_MISSING", "SMTP_CONNECT_FAILED", "SMTP_TIMEOUT", "SMTP_ESMTP_INSPECTION",
    "SMTP_NO_STARTTLS", "SMTP_STARTTLS_FAILED", "SMTP_TLS_REQUIRED", "SMTP_TLS_OLD_PROTOCOL",
    "SMTP_PROTOCOL_ERROR",
    "DNSBL_LISTED", "DNSBL_QUERY_BLOCKED", "DNSBL_CLEAN", "CONNECTOR_IP_MISMATCH",
    "CNAME_MISSING", "CNAME_WRONG_TARGET", "TXT_VERIFICATION_MISSING", "MX_NOT_EXO",
    "SPF_MISSING_INCLUDE",
    "LYNC_SRV_MISSING", "LYNC_SRV_WRONG", "LYNC_CNAME_MISSING", "LYNC_UNREACHABLE",
};

static const char *const spec_prefixes[] = {
    "DOMAIN_", "RESOLVER_", "CHECK_", "AUTOD_", "XML_", "PREAUTH_", "FEDERATION_", "MRSPROXY_", "CERT_", "SMTP_",
    "DNSBL_", "CONNECTOR_", "CNAME_", "TXT_", "MX_", "SPF_", "LYNC_", "TLS_", "DANE_", "MTASTS_",
    "TLSRPT_", "DKIM_", "DMARC_", "VERIFICATION_MX_LEFTOVER",
    "EXCHANGE_", "AUTODV2_", "HMA_", "AUTH_", "EP_",
};

/* SPEC's check ids ("Checks"): a code row may name one whose check is
 * still being built; the registry's own checks must all have rows. */
static const char *const spec_checks[] = {
    "autodiscover", "preauth", "hybridauth", "cert", "smtp", "dnsbl", "dane", "mtasts",
    "dkim", "dmarc", "cname", "lync",
};

static int
spec_check(const char *id)
{
    size_t i;

    for (i = 0; i < XP_ARRAY_LEN(spec_checks); i++)
        if (strcmp(spec_checks[i], id) == 0)
            return 1;
    return 0;
}

/* The enum's own spelling of each code, from the table's rows. */
static const char *const enum_names[] = {
#define CODE(n, ...) #n
#include "xp_codes_table.h"
#undef CODE
};

static void
codes__spec_list__has_45_codes(void **state)
{
    (void)state;
    /* Guards the hard-coded list above against an accidental edit. */
    assert_int_equal(XP_ARRAY_LEN(spec_codes), 45);
}

static void
codes__every_code__has_name(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++) {
        const struct xp_code_info *info = xp_code_info((enum xp_code)i);

        assert_non_null(info);
        if (!info->name)
            fail_msg("code %d (%s) has no name", i, enum_names[i]);
        assert_true(info->name[0] != '\0');
    }
}

static void
codes__every_code__name_matches_enum_spelling(void **state)
{
    int i;

    (void)state;
    assert_int_equal(XP_ARRAY_LEN(enum_names), XP_CODE_COUNT);
    for (i = 0; i < XP_CODE_COUNT; i++)
        assert_string_equal(xp_code_info((enum xp_code)i)->name, enum_names[i]);
}

static void
codes__names__unique(void **state)
{
    int i, k;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++)
        for (k = i + 1; k < XP_CODE_COUNT; k++)
            if (strcmp(xp_code_info((enum xp_code)i)->name,
                       xp_code_info((enum xp_code)k)->name) == 0)
                fail_msg("codes %d and %d share the name %s", i, k,
                         xp_code_info((enum xp_code)i)->name);
}

static void
codes__names__upper_case_with_underscores(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++) {
        const char *name = xp_code_info((enum xp_code)i)->name, *p;
        size_t n = strlen(name);

        if (!isupper((unsigned char)name[0]))
            fail_msg("%s: does not start with an upper-case letter", name);
        if (name[n - 1] == '_' || strstr(name, "__"))
            fail_msg("%s: stray underscore", name);
        for (p = name; *p; p++)
            if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
                fail_msg("%s: character '%c' is not A-Z, 0-9 or _", name, *p);
    }
}

static void
codes__name_to_code__round_trip(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++)
        assert_int_equal(xp_code_by_name(xp_code_info((enum xp_code)i)->name), i);
}

static void
codes__spec_codes__all_present(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < XP_ARRAY_LEN(spec_codes); i++) {
        int code = xp_code_by_name(spec_codes[i]);

        if (code < 0)
            fail_msg("SPEC code %s missing from the table", spec_codes[i]);
        assert_true(code < XP_CODE_COUNT);
        assert_string_equal(xp_code_info((enum xp_code)code)->name, spec_codes[i]);
    }
}

static void
codes__spec_codes__enum_constants_exist(void **state)
{
    (void)state;
    /* Compile-time: each SPEC code is an enum constant with that name. */
    assert_int_equal(xp_code_by_name("AUTOD_OK"), XP_AUTOD_OK);
    assert_int_equal(xp_code_by_name("XML_UNSAFE"), XP_XML_UNSAFE);
    assert_int_equal(xp_code_by_name("PREAUTH_DETECTED"), XP_PREAUTH_DETECTED);
    assert_int_equal(xp_code_by_name("CERT_MSSTD_MISMATCH"), XP_CERT_MSSTD_MISMATCH);
    assert_int_equal(xp_code_by_name("SMTP_PROTOCOL_ERROR"), XP_SMTP_PROTOCOL_ERROR);
    assert_int_equal(xp_code_by_name("CONNECTOR_IP_MISMATCH"), XP_CONNECTOR_IP_MISMATCH);
    assert_int_equal(xp_code_by_name("SPF_MISSING_INCLUDE"), XP_SPF_MISSING_INCLUDE);
    assert_int_equal(xp_code_by_name("LYNC_UNREACHABLE"), XP_LYNC_UNREACHABLE);
}

static void
codes__every_code__has_spec_prefix(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++) {
        const char *name = xp_code_info((enum xp_code)i)->name;
        size_t k;
        int ok = 0;

        for (k = 0; k < XP_ARRAY_LEN(spec_prefixes); k++)
            if (strncmp(name, spec_prefixes[k], strlen(spec_prefixes[k])) == 0)
                ok = 1;
        if (!ok)
            fail_msg("%s: no SPEC prefix", name);
    }
}

static void
codes__warn_and_fail__have_remediation(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++) {
        const struct xp_code_info *info = xp_code_info((enum xp_code)i);

        assert_true(info->severity == XP_SEV_INFO || info->severity == XP_SEV_WARN ||
                    info->severity == XP_SEV_UNKNOWN || info->severity == XP_SEV_FAIL);
        if (info->severity != XP_SEV_INFO &&
            (!info->fix || !info->fix[0]))
            fail_msg("%s (%s) has no remediation", info->name,
                     xp_severity_name(info->severity));
    }
}

static void
codes__every_code__has_title_and_explanation(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++) {
        const struct xp_code_info *info = xp_code_info((enum xp_code)i);

        if (!info->title || !info->title[0])
            fail_msg("%s has no title", info->name);
        if (!info->explain || strlen(info->explain) < 20)
            fail_msg("%s has no explanation", info->name);
    }
}

/* Every code names the check(s) that report it, and those checks exist
 * ("run" for run-wide codes). */
static void
codes__every_code__names_registered_checks(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++) {
        const struct xp_code_info *info = xp_code_info((enum xp_code)i);
        char *copy, *save = NULL, *id;

        if (!info->check || !info->check[0])
            fail_msg("%s names no check", info->name);
        copy = xstrdup(info->check);
        for (id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save))
            if (strcmp(id, "run") != 0 && xp_check_index(id) < 0 && !spec_check(id))
                fail_msg("%s names check '%s', which is neither registered nor in SPEC",
                         info->name, id);
        free(copy);
    }
}

/* A check added to the registry without its rows in the code table fails
 * here (ARCHITECTURE.md: the three places a check touches). */
static void
codes__every_check__has_codes(void **state)
{
    size_t k;
    int i, n;

    (void)state;
    for (k = 0; xp_checks[k]; k++) {
        for (n = 0, i = 0; i < XP_CODE_COUNT; i++)
            n += xp_code_of_check(xp_code_info((enum xp_code)i), xp_checks[k]->id);
        if (n == 0)
            fail_msg("check %s has no row in the code table (include/xp_codes_table.h)",
                     xp_checks[k]->id);
        if (!xp_checks[k]->help || !xp_checks[k]->help[0])
            fail_msg("check %s has no .help for --help", xp_checks[k]->id);
    }
}

static void
code_of_check__list__matches_whole_ids(void **state)
{
    const struct xp_code_info row = { .name = "X", .check = "autodiscover,preauth" };

    (void)state;
    assert_true(xp_code_of_check(&row, "autodiscover"));
    assert_true(xp_code_of_check(&row, "preauth"));
    assert_false(xp_code_of_check(&row, "auth"));
    assert_false(xp_code_of_check(&row, "autodiscover,preauth"));
}

static void
explain__row__name_meaning_fix_source(void **state)
{
    char buf[4096];
    FILE *f = fmemopen(buf, sizeof(buf), "w");

    (void)state;
    assert_non_null(f);
    xp_code_explain(f, xp_code_info(XP_SMTP_NO_STARTTLS));
    fclose(f);
    assert_non_null(strstr(buf, "SMTP_NO_STARTTLS (smtp, "));
    assert_non_null(strstr(buf, "\n  means:   "));
    assert_non_null(strstr(buf, "\n  fix:     "));
    assert_non_null(strstr(buf, "\n  source:  RFC 3207"));
}

/*
 * Issue 11: a fix follows from the evidence. The table's fix is what
 * --explain shows and what a check falls back to: it must say what to do
 * with names an admin can act on, never a generic "create the record" or
 * a placeholder rendered as if it were a name (DOMAIN-TLD).
 */
static const char *const vague_fixes[] = {
    "Create the record.", "Correct the SRV record.", "Create the SRV record.",
    "Point the record at the right target.", "Point the CNAME at the right target.",
    "Renew the certificate.", "Publish an MX record for the domain.", "What to do.",
    "Enable TLS 1.2 on the server.", "Find what stalls the SMTP dialogue.",
};
static const char *const placeholders[] = { "DOMAIN-TLD", "-TLD.", "DOMAIN.mail", "XXX", "TODO" };

static void
codes__every_fix__is_specific(void **state)
{
    int i;
    size_t k;

    (void)state;
    for (i = 0; i < XP_CODE_COUNT; i++) {
        const struct xp_code_info *info = xp_code_info((enum xp_code)i);
        const char *fix = info->fix;

        if (info->severity == XP_SEV_INFO && !fix)
            continue;
        if (!fix)
            fail_msg("%s (%s) has no fix", info->name, xp_severity_name(info->severity));
        for (k = 0; k < XP_ARRAY_LEN(vague_fixes); k++)
            if (strcmp(fix, vague_fixes[k]) == 0)
                fail_msg("%s: generic fix \"%s\"", info->name, fix);
        for (k = 0; k < XP_ARRAY_LEN(placeholders); k++)
            if (strstr(fix, placeholders[k]))
                fail_msg("%s: placeholder %s in its fix: %s", info->name, placeholders[k], fix);
        if (strlen(fix) < 40)
            fail_msg("%s: fix too short to act on: \"%s\"", info->name, fix);
    }
}

static void
codes__known_defaults__expected_severity(void **state)
{
    (void)state;
    assert_int_equal(xp_code_info(XP_AUTOD_OK)->severity, XP_SEV_INFO);
    assert_null(xp_code_info(XP_AUTOD_OK)->fix);
    assert_int_equal(xp_code_info(XP_DNSBL_CLEAN)->severity, XP_SEV_INFO);
    assert_int_equal(xp_code_info(XP_DNSBL_LISTED)->severity, XP_SEV_FAIL);
    assert_int_equal(xp_code_info(XP_CERT_EXPIRED)->severity, XP_SEV_FAIL);
    assert_int_equal(xp_code_info(XP_CERT_EXPIRING_SOON)->severity, XP_SEV_WARN);
}

static void
code_by_name__unknown__minus_one(void **state)
{
    (void)state;
    assert_int_equal(xp_code_by_name("NOPE"), -1);
    assert_int_equal(xp_code_by_name(""), -1);
    assert_int_equal(xp_code_by_name("AUTOD_OK "), -1);
    assert_int_equal(xp_code_by_name("AUTOD_"), -1);
}

static void
severity_name__each__lower_case_word(void **state)
{
    (void)state;
    assert_string_equal(xp_severity_name(XP_SEV_INFO), "info");
    assert_string_equal(xp_severity_name(XP_SEV_WARN), "warn");
    assert_string_equal(xp_severity_name(XP_SEV_FAIL), "fail");
    assert_string_equal(xp_severity_name(XP_SEV_UNKNOWN), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes__spec_list__has_45_codes),
        cmocka_unit_test(codes__every_code__has_name),
        cmocka_unit_test(codes__every_code__name_matches_enum_spelling),
        cmocka_unit_test(codes__names__unique),
        cmocka_unit_test(codes__names__upper_case_with_underscores),
        cmocka_unit_test(codes__name_to_code__round_trip),
        cmocka_unit_test(codes__spec_codes__all_present),
        cmocka_unit_test(codes__spec_codes__enum_constants_exist),
        cmocka_unit_test(codes__every_code__has_spec_prefix),
        cmocka_unit_test(codes__warn_and_fail__have_remediation),
        cmocka_unit_test(codes__every_fix__is_specific),
        cmocka_unit_test(codes__every_code__has_title_and_explanation),
        cmocka_unit_test(codes__every_code__names_registered_checks),
        cmocka_unit_test(codes__every_check__has_codes),
        cmocka_unit_test(code_of_check__list__matches_whole_ids),
        cmocka_unit_test(explain__row__name_meaning_fix_source),
        cmocka_unit_test(codes__known_defaults__expected_severity),
        cmocka_unit_test(code_by_name__unknown__minus_one),
        cmocka_unit_test(severity_name__each__lower_case_word),
    };

    return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
