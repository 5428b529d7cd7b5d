/*
 * test_expect.c — tenant expectations (include/xp_expect.h): the Office 365
 * defaults, xp_expect_set for every key (good and bad values), and
 * xp_expect_load of real files (comments, blanks, errors with FILE:LINE).
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

#include "xp_expect.h"

/* ---- fixtures: a fresh expectation per test ---- */

static int
setup(void **state)
{
    *state = xp_expect_new();
    return *state ? 0 : -1;
}

static int
teardown(void **state)
{
    xp_expect_free(*state);
    return 0;
}

/* Write text to a fresh temporary file; returns its path (static buffer). */
static const char *
temp_file(const char *text)
{
    static char path[64];
    FILE *fp;
    int fd;

    snprintf(path, sizeof(path), "/tmp/xp_expect_test_XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Expect set(key, value) to fail with a message naming the key. */
static void
expect_set_fails(struct xp_expect *e, const char *key, const char *value)
{
    char err[256] = "";

    if (xp_expect_set(e, key, value, err, sizeof(err)) != -1)
        fail_msg("%s = '%s' was accepted", key, value);
    if (!strstr(err, key))
        fail_msg("%s = '%s': error does not name the key: '%s'", key, value, err);
}

/* ---- defaults ---- */

static void
expect_new__defaults__office365_values(void **state)
{
    struct xp_expect *e = *state;

    assert_int_equal(e->deployment, XP_DEPLOY_UNKNOWN);
    assert_int_equal(e->lync, XP_DEPLOY_UNKNOWN);
    assert_null(e->verification);
    assert_string_equal(e->autodiscover_cname, "autodiscover.outlook.com");
    assert_string_equal(e->mx_suffix, "mail.protection.outlook.com");
    assert_string_equal(e->spf_include, "spf.protection.outlook.com");
    assert_string_equal(e->sip_cname, "sipdir.online.lync.com");
    assert_string_equal(e->lyncdiscover_cname, "webdir.online.lync.com");
}

static void
expect_new__sip_tls_default__100_1_443_sipdir(void **state)
{
    struct xp_expect *e = *state;

    assert_int_equal(e->sip_tls.priority, 100);
    assert_int_equal(e->sip_tls.weight, 1);
    assert_int_equal(e->sip_tls.port, 443);
    assert_string_equal(e->sip_tls.target, "sipdir.online.lync.com");
    assert_int_equal(e->sip_tls.set, 0);   /* a default, not stated */
}

static void
expect_new__sipfederationtls_default__100_1_5061_sipfed(void **state)
{
    struct xp_expect *e = *state;

    assert_int_equal(e->sipfederationtls.priority, 100);
    assert_int_equal(e->sipfederationtls.weight, 1);
    assert_int_equal(e->sipfederationtls.port, 5061);
    assert_string_equal(e->sipfederationtls.target, "sipfed.online.lync.com");
    assert_int_equal(e->sipfederationtls.set, 0);
}

static void
deploy_name__each__word(void **state)
{
    (void)state;
    assert_string_equal(xp_deploy_name(XP_DEPLOY_UNKNOWN), "unknown");
    assert_string_equal(xp_deploy_name(XP_DEPLOY_CLOUD), "cloud");
    assert_string_equal(xp_deploy_name(XP_DEPLOY_HYBRID), "hybrid");
    assert_string_equal(xp_deploy_name(XP_DEPLOY_ONPREM), "onprem");
}

/* ---- xp_expect_set: good values ---- */

static void
expect_set__deployment_values__parsed(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_set(e, "deployment", "cloud", err, sizeof(err)), 0);
    assert_int_equal(e->deployment, XP_DEPLOY_CLOUD);
    assert_int_equal(xp_expect_set(e, "deployment", "hybrid", err, sizeof(err)), 0);
    assert_int_equal(e->deployment, XP_DEPLOY_HYBRID);
    assert_int_equal(xp_expect_set(e, "deployment", "onprem", err, sizeof(err)), 0);
    assert_int_equal(e->deployment, XP_DEPLOY_ONPREM);
}

static void
expect_set__lync_values__parsed(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_set(e, "lync", "online", err, sizeof(err)), 0);
    assert_int_equal(e->lync, XP_DEPLOY_CLOUD);
    assert_int_equal(xp_expect_set(e, "lync", "onprem", err, sizeof(err)), 0);
    assert_int_equal(e->lync, XP_DEPLOY_ONPREM);
}

static void
expect_set__verification_lower__stored(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_set(e, "verification", "ms12345678", err, sizeof(err)), 0);
    assert_string_equal(e->verification, "ms12345678");
}

static void
expect_set__verification_upper__normalised_to_lower_ms(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_set(e, "verification", "MS12345678", err, sizeof(err)), 0);
    assert_string_equal(e->verification, "ms12345678");
}

static void
expect_set__host_keys__replaced(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_set(e, "autodiscover_cname", "mail.contoso.com", err,
                                   sizeof(err)), 0);
    assert_string_equal(e->autodiscover_cname, "mail.contoso.com");
    assert_int_equal(xp_expect_set(e, "mx_suffix", "mail.protection.outlook.de", err,
                                   sizeof(err)), 0);
    assert_string_equal(e->mx_suffix, "mail.protection.outlook.de");
    assert_int_equal(xp_expect_set(e, "spf_include", "spf.contoso.com", err, sizeof(err)), 0);
    assert_string_equal(e->spf_include, "spf.contoso.com");
    assert_int_equal(xp_expect_set(e, "sip_cname", "sip.contoso.com", err, sizeof(err)), 0);
    assert_string_equal(e->sip_cname, "sip.contoso.com");
    assert_int_equal(xp_expect_set(e, "lyncdiscover_cname", "web.contoso.com", err,
                                   sizeof(err)), 0);
    assert_string_equal(e->lyncdiscover_cname, "web.contoso.com");
}

static void
expect_set__sip_tls__four_fields_parsed(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_set(e, "sip_tls", "10 20 5061 sip.contoso.com", err,
                                   sizeof(err)), 0);
    assert_int_equal(e->sip_tls.priority, 10);
    assert_int_equal(e->sip_tls.weight, 20);
    assert_int_equal(e->sip_tls.port, 5061);
    assert_string_equal(e->sip_tls.target, "sip.contoso.com");
    assert_int_equal(e->sip_tls.set, 1);
    /* the other SRV expectation is untouched */
    assert_int_equal(e->sipfederationtls.port, 5061);
    assert_string_equal(e->sipfederationtls.target, "sipfed.online.lync.com");
    assert_int_equal(e->sipfederationtls.set, 0);
}

static void
expect_set__sipfederationtls__four_fields_parsed(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_set(e, "sipfederationtls", "0 0 65535 fed.contoso.com", err,
                                   sizeof(err)), 0);
    assert_int_equal(e->sipfederationtls.priority, 0);
    assert_int_equal(e->sipfederationtls.weight, 0);
    assert_int_equal(e->sipfederationtls.port, 65535);
    assert_string_equal(e->sipfederationtls.target, "fed.contoso.com");
    assert_int_equal(e->sipfederationtls.set, 1);
    assert_int_equal(e->sip_tls.port, 443);
    assert_int_equal(e->sip_tls.set, 0);
}

/* ---- xp_expect_set: bad values ---- */

static void
expect_set__deployment_foo__rejected_naming_key(void **state)
{
    struct xp_expect *e = *state;
    char err[256] = "";

    expect_set_fails(e, "deployment", "foo");
    assert_int_equal(xp_expect_set(e, "deployment", "foo", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'foo'"));
    assert_int_equal(e->deployment, XP_DEPLOY_UNKNOWN);   /* unchanged */
}

static void
expect_set__deployment_empty_or_extra_word__rejected(void **state)
{
    struct xp_expect *e = *state;

    expect_set_fails(e, "deployment", "");
    expect_set_fails(e, "deployment", "hybrid extra");
}

static void
expect_set__lync_hybrid__rejected(void **state)
{
    expect_set_fails(*state, "lync", "hybrid");
    expect_set_fails(*state, "lync", "foo");
}

static void
expect_set__verification_short__rejected(void **state)
{
    struct xp_expect *e = *state;

    expect_set_fails(e, "verification", "ms123");
    assert_null(e->verification);
}

static void
expect_set__verification_malformed__rejected(void **state)
{
    struct xp_expect *e = *state;

    expect_set_fails(e, "verification", "ms123456789");   /* 9 digits */
    expect_set_fails(e, "verification", "ms1234567x");
    expect_set_fails(e, "verification", "xx12345678");
    expect_set_fails(e, "verification", "MS=ms12345678");
    expect_set_fails(e, "verification", "");
    assert_null(e->verification);
}

static void
expect_set__sip_tls_three_fields__rejected(void **state)
{
    expect_set_fails(*state, "sip_tls", "100 1 443");
    expect_set_fails(*state, "sipfederationtls", "100 1 5061");
}

static void
expect_set__sip_tls_port_zero__rejected(void **state)
{
    expect_set_fails(*state, "sip_tls", "100 1 0 sipdir.online.lync.com");
    expect_set_fails(*state, "sipfederationtls", "100 1 0 sipfed.online.lync.com");
}

static void
expect_set__sip_tls_out_of_range__rejected(void **state)
{
    expect_set_fails(*state, "sip_tls", "100 1 65536 sipdir.online.lync.com");
    expect_set_fails(*state, "sip_tls", "65536 1 443 sipdir.online.lync.com");
    expect_set_fails(*state, "sip_tls", "100 65536 443 sipdir.online.lync.com");
    expect_set_fails(*state, "sip_tls", "-1 1 443 sipdir.online.lync.com");
    expect_set_fails(*state, "sip_tls", "a b c d");
}

static void
expect_set__sip_tls_rejected__expectation_unchanged(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    /* A rejected value must not half-apply: the defaults stay. */
    assert_int_equal(xp_expect_set(e, "sip_tls", "7 8 0 other.example", err, sizeof(err)),
                     -1);
    assert_int_equal(e->sip_tls.priority, 100);
    assert_int_equal(e->sip_tls.weight, 1);
    assert_int_equal(e->sip_tls.port, 443);
    assert_string_equal(e->sip_tls.target, "sipdir.online.lync.com");
    assert_int_equal(e->sip_tls.set, 0);
}

static void
expect_set__sip_tls_trailing_field__rejected(void **state)
{
    /* SPEC form is exactly 'PRIORITY WEIGHT PORT TARGET'. */
    expect_set_fails(*state, "sip_tls", "100 1 443 sipdir.online.lync.com junk");
}

static void
expect_set__sip_tls_target_not_host__rejected(void **state)
{
    expect_set_fails(*state, "sip_tls", "100 1 443 sip!dir/online");
}

static void
expect_set__host_with_space__rejected_naming_key(void **state)
{
    struct xp_expect *e = *state;

    expect_set_fails(e, "autodiscover_cname", "autodiscover outlook.com");
    expect_set_fails(e, "mx_suffix", "mail protection.outlook.com");
    expect_set_fails(e, "spf_include", "spf protection.outlook.com");
    expect_set_fails(e, "sip_cname", "sip dir.online.lync.com");
    expect_set_fails(e, "lyncdiscover_cname", "web dir.online.lync.com");
    /* and the old values stay */
    assert_string_equal(e->autodiscover_cname, "autodiscover.outlook.com");
    assert_string_equal(e->mx_suffix, "mail.protection.outlook.com");
    assert_string_equal(e->spf_include, "spf.protection.outlook.com");
    assert_string_equal(e->sip_cname, "sipdir.online.lync.com");
    assert_string_equal(e->lyncdiscover_cname, "webdir.online.lync.com");
}

static void
expect_set__host_empty_or_bad_chars__rejected(void **state)
{
    expect_set_fails(*state, "autodiscover_cname", "");
    expect_set_fails(*state, "mx_suffix", "mail/protection");
    expect_set_fails(*state, "spf_include", "spf;rm -rf");
}

static void
expect_set__unknown_key__rejected_naming_key(void **state)
{
    expect_set_fails(*state, "colour", "blue");
    expect_set_fails(*state, "Deployment", "cloud");   /* keys are case-sensitive */
}

/* ---- xp_expect_load ---- */

static void
expect_load__comments_blanks_spaces__all_applied(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "";
    const char *path = temp_file(
        "# tenant profile for contoso\n"
        "\n"
        "   \n"
        "deployment=hybrid\n"
        "  verification   =   MS87654321   \n"
        "\tmx_suffix\t=\tmail.protection.outlook.com\n"
        "spf_include = spf.contoso.com   # our own include\n"
        "sip_tls = 5 10 443 sip.contoso.com\n"
        "    # indented comment\n"
        "lync = onprem\n");

    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(e->deployment, XP_DEPLOY_HYBRID);
    assert_string_equal(e->verification, "ms87654321");
    assert_string_equal(e->spf_include, "spf.contoso.com");
    assert_int_equal(e->sip_tls.priority, 5);
    assert_int_equal(e->sip_tls.weight, 10);
    assert_string_equal(e->sip_tls.target, "sip.contoso.com");
    assert_int_equal(e->lync, XP_DEPLOY_ONPREM);
    /* untouched keys keep their defaults */
    assert_string_equal(e->autodiscover_cname, "autodiscover.outlook.com");
}

static void
expect_load__crlf_and_no_final_newline__accepted(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "";
    const char *path = temp_file("deployment = cloud\r\nsip_cname = sip.contoso.com");

    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(e->deployment, XP_DEPLOY_CLOUD);
    assert_string_equal(e->sip_cname, "sip.contoso.com");
}

static void
expect_load__empty_file__ok_defaults_kept(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "";
    const char *path = temp_file("");

    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(e->deployment, XP_DEPLOY_UNKNOWN);
}

static void
expect_load__unknown_key__error_with_file_and_line(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "", want[128];
    const char *path = temp_file("# x\n"
                                 "deployment = cloud\n"
                                 "colour = blue\n"
                                 "lync = onprem\n");

    snprintf(want, sizeof(want), "%s:3:", path);
    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), -1);
    unlink(path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", err, want);
    assert_non_null(strstr(err, "colour"));
    assert_null(strchr(err, '\n'));
}

static void
expect_load__bad_value__error_with_line_and_key(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "", want[128];
    const char *path = temp_file("\n\n\n\ndeployment = foo   # typo\n");

    snprintf(want, sizeof(want), "%s:5:", path);
    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), -1);
    unlink(path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", err, want);
    assert_non_null(strstr(err, "deployment"));
    assert_non_null(strstr(err, "foo"));
}

static void
expect_load__missing_equals__error_with_line(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "", want[128];
    const char *path = temp_file("deployment = cloud\ndeployment cloud\n");

    snprintf(want, sizeof(want), "%s:2:", path);
    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), -1);
    unlink(path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", err, want);
}

static void
expect_load__nonexistent_file__error_naming_file(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "";
    const char *path = "/nonexistent/dir/expect.conf";

    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_null(strchr(err, '\n'));
}

static void
expect_load__line_too_long__error_with_line(void **state)
{
    struct xp_expect *e = *state;
    char err[512] = "", want[128], *text;
    const char *path;

    text = malloc(3000);
    assert_non_null(text);
    strcpy(text, "# ok\nmx_suffix = ");
    memset(text + strlen(text), 'a', 2000);
    strcpy(text + 17 + 2000, "\n");
    path = temp_file(text);
    free(text);
    snprintf(want, sizeof(want), "%s:2:", path);
    assert_int_equal(xp_expect_load(e, path, err, sizeof(err)), -1);
    unlink(path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", err, want);
}

/* Load bytes (n of them, NULs allowed) from a temporary file. */
static int
load_bytes(struct xp_expect *e, const char *bytes, size_t n, char *err, size_t errlen)
{
    char path[64];
    int fd, rc;

    snprintf(path, sizeof(path), "/tmp/xp_expect_test_XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, n), (ssize_t)n);
    close(fd);
    rc = xp_expect_load(e, path, err, errlen);
    unlink(path);
    return rc;
}

static void
expect_load__directory__named_as_such(void **state)
{
    char err[512] = "";

    assert_int_equal(xp_expect_load(*state, "/tmp", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "directory"));
}

static void
expect_load__nul_byte__binary_with_line(void **state)
{
    static const char text[] = "deployment = cloud\nlync = onprem\0\n";
    char err[512] = "";

    assert_int_equal(load_bytes(*state, text, sizeof(text) - 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":2: a NUL byte"));
}

static void
expect_load__bom__ignored(void **state)
{
    static const char text[] = "\xEF\xBB\xBF" "deployment = cloud\n";
    char err[512] = "";

    assert_int_equal(load_bytes(*state, text, sizeof(text) - 1, err, sizeof(err)), 0);
}

static void
expect_load__control_bytes__error_with_line(void **state)
{
    static const char text[] = "deployment = cloud\nmx_suffix = a\x1b[2J.example\n";
    char err[512] = "";

    assert_int_equal(load_bytes(*state, text, sizeof(text) - 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":2: control"));
}

static void
expect_hosts__brackets_and_colons__ipv6_only(void **state)
{
    struct xp_expect *e = *state;
    char err[256];

    assert_int_equal(xp_expect_add_hosts(e, "[::1]:443", err, sizeof(err)), 0);
    assert_int_equal(xp_expect_add_hosts(e, "2001:db8::1", err, sizeof(err)), 0);
    assert_int_equal(xp_expect_add_hosts(e, "[1.2.3.4]:443", err, sizeof(err)), -1);
    assert_int_equal(xp_expect_add_hosts(e, "[mail.contoso.com]:443", err, sizeof(err)), -1);
    assert_int_equal(xp_expect_add_hosts(e, "fe80::1::2", err, sizeof(err)), -1);
    assert_int_equal(xp_expect_add_hosts(e, "a:b:c", err, sizeof(err)), -1);
    assert_int_equal(xp_expect_add_hosts(e, "[]:443", err, sizeof(err)), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(expect_load__directory__named_as_such),
        T(expect_load__nul_byte__binary_with_line),
        T(expect_load__bom__ignored),
        T(expect_load__control_bytes__error_with_line),
        T(expect_hosts__brackets_and_colons__ipv6_only),
        T(expect_new__defaults__office365_values),
        T(expect_new__sip_tls_default__100_1_443_sipdir),
        T(expect_new__sipfederationtls_default__100_1_5061_sipfed),
        cmocka_unit_test(deploy_name__each__word),
        T(expect_set__deployment_values__parsed),
        T(expect_set__lync_values__parsed),
        T(expect_set__verification_lower__stored),
        T(expect_set__verification_upper__normalised_to_lower_ms),
        T(expect_set__host_keys__replaced),
        T(expect_set__sip_tls__four_fields_parsed),
        T(expect_set__sipfederationtls__four_fields_parsed),
        T(expect_set__deployment_foo__rejected_naming_key),
        T(expect_set__deployment_empty_or_extra_word__rejected),
        T(expect_set__lync_hybrid__rejected),
        T(expect_set__verification_short__rejected),
        T(expect_set__verification_malformed__rejected),
        T(expect_set__sip_tls_three_fields__rejected),
        T(expect_set__sip_tls_port_zero__rejected),
        T(expect_set__sip_tls_out_of_range__rejected),
        T(expect_set__sip_tls_rejected__expectation_unchanged),
        T(expect_set__sip_tls_trailing_field__rejected),
        T(expect_set__sip_tls_target_not_host__rejected),
        T(expect_set__host_with_space__rejected_naming_key),
        T(expect_set__host_empty_or_bad_chars__rejected),
        T(expect_set__unknown_key__rejected_naming_key),
        T(expect_load__comments_blanks_spaces__all_applied),
        T(expect_load__crlf_and_no_final_newline__accepted),
        T(expect_load__empty_file__ok_defaults_kept),
        T(expect_load__unknown_key__error_with_file_and_line),
        T(expect_load__bad_value__error_with_line_and_key),
        T(expect_load__missing_equals__error_with_line),
        T(expect_load__nonexistent_file__error_naming_file),
        T(expect_load__line_too_long__error_with_line),
    };

    return cmocka_run_group_tests_name("expect", tests, NULL, NULL);
}
