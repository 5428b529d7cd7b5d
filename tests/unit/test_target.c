/*
 * test_target.c — xp_target_parse (include/xp_target.h): what the user
 * typed (domain, e-mail address, IDN) → the ASCII domain the checks use,
 * or -1 with one line in err naming the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp_target.h"

static void
expect_ok(const char *input, const char *want_domain, const char *want_email)
{
    char *domain = (char *)"unset", *email = (char *)"unset", err[512] = "";
    char dcopy[300], ecopy[400];

    if (xp_target_parse(input, &domain, &email, err, sizeof(err)) != 0)
        fail_msg("'%s' rejected: %s", input, err);
    /* copy, free, then assert: a failed assert must not leak */
    snprintf(dcopy, sizeof(dcopy), "%s", domain ? domain : "(null)");
    snprintf(ecopy, sizeof(ecopy), "%s", email ? email : "(null)");
    free(domain);
    free(email);
    assert_string_equal(dcopy, want_domain);
    assert_string_equal(ecopy, want_email ? want_email : "(null)");
}

/* Rejected, outputs NULL, err one line; returns err for further checks. */
static const char *
expect_rejected(const char *input)
{
    static char err[1024];
    char *domain = (char *)"unset", *email = (char *)"unset";

    err[0] = '\0';
    if (xp_target_parse(input, &domain, &email, err, sizeof(err)) != -1) {
        free(domain);
        free(email);
        fail_msg("'%s' was accepted", input);
    }
    assert_null(domain);
    assert_null(email);
    if (err[0] == '\0')
        fail_msg("'%s': empty error", input);
    if (strchr(err, '\n') || strchr(err, '\r'))
        fail_msg("'%s': error is not one line", input);
    return err;
}

/* Rejected with an error that names the input as typed. */
static void
expect_rejected_naming(const char *input)
{
    const char *err = expect_rejected(input);

    if (!strstr(err, input))
        fail_msg("error for '%s' does not name it: %s", input, err);
}

/* ---- accepted ---- */

static void
target_parse__plain_domain__kept(void **state)
{
    (void)state;
    expect_ok("contoso.com", "contoso.com", NULL);
}

static void
target_parse__upper_case_trailing_dot__lowered_dot_stripped(void **state)
{
    (void)state;
    expect_ok("CONTOSO.COM.", "contoso.com", NULL);
}

static void
target_parse__subdomain__kept(void **state)
{
    (void)state;
    expect_ok("mail.eu.Contoso.co.uk", "mail.eu.contoso.co.uk", NULL);
}

static void
target_parse__email__domain_and_address(void **state)
{
    (void)state;
    expect_ok("user@contoso.com", "contoso.com", "user@contoso.com");
}

static void
target_parse__email_upper_domain__domain_lowered_local_kept(void **state)
{
    (void)state;
    expect_ok("John.Doe@Contoso.COM", "contoso.com", "John.Doe@contoso.com");
}

static void
target_parse__idn__a_label(void **state)
{
    (void)state;
    expect_ok("b\xC3\xBC" "cher.example", "xn--bcher-kva.example", NULL);
}

static void
target_parse__idn_email__a_label_in_address(void **state)
{
    (void)state;
    expect_ok("hans@b\xC3\xBC" "cher.example", "xn--bcher-kva.example",
              "hans@xn--bcher-kva.example");
}

static void
target_parse__a_label_input__kept(void **state)
{
    (void)state;
    expect_ok("xn--bcher-kva.example", "xn--bcher-kva.example", NULL);
}

static void
target_parse__label_of_63__accepted(void **state)
{
    char in[80];

    (void)state;
    memset(in, 'a', 63);
    strcpy(in + 63, ".com");
    expect_ok(in, in, NULL);
}

static void
target_parse__name_of_253__accepted(void **state)
{
    char in[260];

    (void)state;
    /* 63.63.63.61 = 253 characters */
    memset(in, 'a', 253);
    in[63] = in[127] = in[191] = '.';
    in[253] = '\0';
    expect_ok(in, in, NULL);
}

static void
target_parse__hyphen_inside_label__accepted(void **state)
{
    (void)state;
    expect_ok("my-company.co-op.example", "my-company.co-op.example", NULL);
}

/* ---- rejected ---- */

static void
target_parse__empty__rejected(void **state)
{
    const char *err;

    (void)state;
    err = expect_rejected("");
    assert_non_null(strstr(err, "''"));
}

static void
target_parse__single_label_localhost__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("localhost");
}

static void
target_parse__empty_label__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("bad..com");
    expect_rejected_naming(".contoso.com");
}

static void
target_parse__label_starts_with_hyphen__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("-a.com");
}

static void
target_parse__label_ends_with_hyphen__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("a-.com");
}

static void
target_parse__email_without_local_part__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("@contoso.com");
}

static void
target_parse__email_with_space__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("a b@c.com");
}

static void
target_parse__email_without_domain__rejected_naming_input(void **state)
{
    (void)state;
    expect_rejected_naming("user@");
}

static void
target_parse__label_of_64__rejected(void **state)
{
    char in[80];

    (void)state;
    memset(in, 'a', 64);
    strcpy(in + 64, ".com");
    expect_rejected_naming(in);
}

static void
target_parse__name_of_254__rejected(void **state)
{
    char in[260];

    (void)state;
    /* 63.63.63.62 = 254 characters */
    memset(in, 'a', 254);
    in[63] = in[127] = in[191] = '.';
    in[254] = '\0';
    expect_rejected_naming(in);
}

static void
target_parse__underscore__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("exa_mple.com");
}

static void
target_parse__space_in_domain__rejected(void **state)
{
    (void)state;
    expect_rejected_naming("contoso .com");
}

static void
target_parse__invalid_utf8__rejected(void **state)
{
    (void)state;
    /* Latin-1 "bücher": not UTF-8 */
    expect_rejected("b\xFC" "cher.example");
}

static void
target_parse__newline_in_input__error_still_one_line(void **state)
{
    (void)state;
    /* A control character must not split (or drive) the error line. */
    expect_rejected("exa\nmple.com");
}

static void
target_parse__local_part_control_or_c1__rejected_escaped(void **state)
{
    const char *err;

    (void)state;
    /* 0x9B alone is the 8-bit CSI: it must never reach a terminal raw. */
    err = expect_rejected("us\x9B" "er@contoso.com");
    assert_non_null(strstr(err, "us\\x9b" "er@contoso.com"));
    err = expect_rejected("us\xC2\x9B" "er@contoso.com");   /* C1 CSI in UTF-8 */
    assert_null(strchr(err, '\x9b'));
    expect_rejected("a\x1b[2Jb@contoso.com");
    expect_rejected("a\x7f" "b@contoso.com");
    expect_rejected("b\xFC" "cher@contoso.com");              /* Latin-1 */
}

static void
target_parse__local_part_utf8__kept(void **state)
{
    (void)state;
    expect_ok("j\xC3\xBCrgen@contoso.com", "contoso.com", "j\xC3\xBCrgen@contoso.com");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(target_parse__plain_domain__kept),
        cmocka_unit_test(target_parse__upper_case_trailing_dot__lowered_dot_stripped),
        cmocka_unit_test(target_parse__subdomain__kept),
        cmocka_unit_test(target_parse__email__domain_and_address),
        cmocka_unit_test(target_parse__email_upper_domain__domain_lowered_local_kept),
        cmocka_unit_test(target_parse__idn__a_label),
        cmocka_unit_test(target_parse__idn_email__a_label_in_address),
        cmocka_unit_test(target_parse__a_label_input__kept),
        cmocka_unit_test(target_parse__label_of_63__accepted),
        cmocka_unit_test(target_parse__name_of_253__accepted),
        cmocka_unit_test(target_parse__hyphen_inside_label__accepted),
        cmocka_unit_test(target_parse__empty__rejected),
        cmocka_unit_test(target_parse__single_label_localhost__rejected),
        cmocka_unit_test(target_parse__empty_label__rejected),
        cmocka_unit_test(target_parse__label_starts_with_hyphen__rejected),
        cmocka_unit_test(target_parse__label_ends_with_hyphen__rejected),
        cmocka_unit_test(target_parse__email_without_local_part__rejected),
        cmocka_unit_test(target_parse__email_with_space__rejected),
        cmocka_unit_test(target_parse__email_without_domain__rejected_naming_input),
        cmocka_unit_test(target_parse__label_of_64__rejected),
        cmocka_unit_test(target_parse__name_of_254__rejected),
        cmocka_unit_test(target_parse__underscore__rejected),
        cmocka_unit_test(target_parse__space_in_domain__rejected),
        cmocka_unit_test(target_parse__invalid_utf8__rejected),
        cmocka_unit_test(target_parse__local_part_control_or_c1__rejected_escaped),
        cmocka_unit_test(target_parse__local_part_utf8__kept),
        cmocka_unit_test(target_parse__newline_in_input__error_still_one_line),
    };

    return cmocka_run_group_tests_name("target", tests, NULL, NULL);
}
