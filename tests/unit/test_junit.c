/*
 * test_junit.c — the JUnit reporter (report/report_junit.c) on a model built
 * by hand: whatever bytes a server sent (control characters, C1, U+FFFE,
 * markup), the document is well-formed XML 1.0 (libxml2 parses it, no
 * recovery), control characters are shown as \xNN, markup is escaped, and
 * a failed / warned / skipped check becomes failure / failure type=warning /
 * skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp.h"
#include "xp_check.h"
#include "xp_model.h"
#include "xp_options.h"
#include "xp_report.h"

static const struct xp_check_ops ops_a = { .id = "smtp", .title = "SMTP <mail> & \"flow\"" };
static const struct xp_check_ops ops_b = { .id = "cname", .title = "Office 365 domain records" };
static const struct xp_check_ops ops_c = { .id = "cert", .title = "TLS certificates" };

struct fx {
    struct xp_run run;
    struct xp_target t, *tp;
    struct xp_check a, b, c, *cp[3];
    struct xp_options opts;
};

static int
setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));

    fx->tp = &fx->t;
    fx->run.targets = &fx->tp;
    fx->run.ntargets = 1;
    fx->t.run = &fx->run;
    fx->t.domain = "contoso.test";
    fx->t.started = fx->t.done = 1;
    snprintf(fx->t.started_at, sizeof(fx->t.started_at), "2026-11-21T13:53:52Z");
    fx->t.checks = fx->cp;
    fx->t.nchecks = 3;
    fx->a.ops = &ops_a;
    fx->b.ops = &ops_b;
    fx->c.ops = &ops_c;
    fx->cp[0] = &fx->a;
    fx->cp[1] = &fx->b;
    fx->cp[2] = &fx->c;
    fx->a.target = fx->b.target = fx->c.target = &fx->t;
    fx->a.started = fx->a.done = fx->b.started = fx->b.done = fx->c.started = fx->c.done = 1;
    fx->a.status = XP_ST_FAIL;
    fx->b.status = XP_ST_WARN;
    fx->c.status = XP_ST_SKIP;
    xp_check_skip(&fx->c, "no TLS endpoint <met>");
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;

    xp_check_clear(&fx->a);
    xp_check_clear(&fx->b);
    xp_check_clear(&fx->c);
    free(fx);
    return 0;
}

static char *
render(struct fx *fx, size_t *len)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);
    struct xp_reporter r = { .ops = &xp_report_junit, .opts = &fx->opts, .out = fp };

    assert_non_null(fp);
    r.ops->close(&r, &fx->run);
    assert_int_equal(fclose(fp), 0);
    return buf;
}

static void
expect_well_formed(const char *buf, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, "junit.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    if (!doc)
        fail_msg("not well-formed XML:\n%s", buf);
    xmlFreeDoc(doc);
}

static void
junit__hostile_bytes__well_formed_and_escaped(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(&fx->a, NULL, "Banner");
    struct xp_finding *f;
    size_t len, i;
    char *buf;

    xp_step_end(s, XP_ST_FAIL, "220 \x1b[31mred\x07 \xc2\x9b C1 \xef\xbf\xbe end");
    f = xp_finding_new(&fx->a, s, XP_SMTP_ESMTP_INSPECTION, "banner <b>&amp;\"x\"\x01");
    xp_ev_str(f, "banner", "220 ****\x1b]0;title\x07");
    xp_finding_add(f);
    f = xp_finding_new(&fx->b, NULL, XP_MX_MIXED, "MX mixes hosts");
    xp_finding_add(f);
    buf = render(fx, &len);
    expect_well_formed(buf, len);
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)buf[i];

        if (ch < 0x20 && ch != '\n' && ch != '\t')
            fail_msg("raw control byte 0x%02x at %zu", ch, i);
    }
    assert_null(strstr(buf, "\xc2\x9b"));
    assert_null(strstr(buf, "\xef\xbf\xbe"));
    assert_non_null(strstr(buf, "\\x1b[31mred\\x07"));
    assert_non_null(strstr(buf, "\\x9b C1"));
    assert_non_null(strstr(buf, "\\uFFFE end"));
    assert_non_null(strstr(buf, "banner &lt;b&gt;&amp;amp;"));
    assert_non_null(strstr(buf, "SMTP &lt;mail&gt; &amp;"));
    free(buf);
}

static void
junit__outcomes__failure_warning_skipped(void **state)
{
    struct fx *fx = *state;
    size_t len;
    char *buf;

    xp_finding_add(xp_finding_new(&fx->a, NULL, XP_SMTP_NO_STARTTLS, "no STARTTLS"));
    xp_finding_add(xp_finding_new(&fx->b, NULL, XP_MX_MIXED, "MX mixes hosts"));
    buf = render(fx, &len);
    expect_well_formed(buf, len);
    assert_non_null(strstr(buf, "<testsuites name=\"exprobe\" tests=\"3\" failures=\"2\" "
                                "errors=\"0\""));
    assert_non_null(strstr(buf, "<testsuite name=\"contoso.test\" tests=\"3\" failures=\"2\" "
                                "errors=\"0\" skipped=\"1\""));
    assert_non_null(strstr(buf, "classname=\"exprobe.smtp\""));
    assert_non_null(strstr(buf, "<failure type=\"failure\" message=\"SMTP_NO_STARTTLS: "
                                "no STARTTLS\">"));
    assert_non_null(strstr(buf, "<failure type=\"warning\" message=\"MX_MIXED: "));
    assert_non_null(strstr(buf, "<skipped message=\"no TLS endpoint &lt;met&gt;\"/>"));
    /* the generic fix of the code, since the check gave none */
    assert_non_null(strstr(buf, "fix: Enable STARTTLS"));
    free(buf);
}

static void
junit__failed_without_findings__says_so(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(&fx->a, NULL, "EHLO");
    size_t len;
    char *buf;

    xp_step_end(s, XP_ST_FAIL, "interrupted");
    buf = render(fx, &len);
    expect_well_formed(buf, len);
    assert_non_null(strstr(buf, "message=\"the smtp check failed\""));
    assert_non_null(strstr(buf, "[fail] EHLO"));
    free(buf);
}

static void
junit__preflight__one_testcase_per_item(void **state)
{
    struct fx *fx = *state;
    size_t len, n = 0;
    const char *p;
    char *buf;

    fx->opts.preflight = 1;
    buf = render(fx, &len);
    expect_well_formed(buf, len);
    for (p = buf; (p = strstr(p, "classname=\"exprobe.preflight.")); p++)
        n++;
    assert_int_equal(n, 12);
    assert_non_null(strstr(buf, "<property name=\"preflight\" value=\"ready: "));
    /* 3 checks + 12 items */
    assert_non_null(strstr(buf, "<testsuite name=\"contoso.test\" tests=\"15\""));
    free(buf);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(junit__hostile_bytes__well_formed_and_escaped),
        T(junit__outcomes__failure_warning_skipped),
        T(junit__failed_without_findings__says_so),
        T(junit__preflight__one_testcase_per_item),
    };

    return cmocka_run_group_tests_name("junit", tests, NULL, NULL);
}
