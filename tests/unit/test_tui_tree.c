/*
 * test_tui_tree.c — the TUI's visible tree (ui/tui_tree.c) on a model built
 * by hand, without a terminal: what is open by default (running and failed
 * nodes), findings under the step they were found in, the problems filter,
 * folds kept by position across a rerun, and the cursor falling back to
 * the nearest visible ancestor — above all after CHECK_RESET, when every
 * pointer into the check must be forgotten (run under ASan: make asan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../ui/tui_int.h"

static const struct xp_check_ops ops_a = { .id = "cname", .title = "Office 365 records" };
static const struct xp_check_ops ops_b = { .id = "lync", .title = "Lync records" };

struct fx {
    struct xp_run run;
    struct xp_target t, *tp;
    struct xp_check a, b, *cp[2];
    struct tui ui;
    struct xp_step *b_reach, *b_tls;
};

/* cname passed (two steps); lync failed: "reach" > "TLS" (fail) with a
 * finding on the TLS step, and an info finding on the check. */
static int
setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    struct xp_step *s;

    fx->tp = &fx->t;
    fx->run.targets = &fx->tp;
    fx->run.ntargets = 1;
    fx->t.run = &fx->run;
    fx->t.domain = "contoso.test";
    fx->t.started = fx->t.done = 1;
    fx->t.checks = fx->cp;
    fx->t.nchecks = 2;
    fx->a.ops = &ops_a;
    fx->b.ops = &ops_b;
    fx->cp[0] = &fx->a;
    fx->cp[1] = &fx->b;
    fx->a.target = fx->b.target = &fx->t;
    fx->a.started = fx->a.done = fx->b.started = fx->b.done = 1;
    fx->a.status = XP_ST_PASS;
    fx->b.status = XP_ST_FAIL;
    s = xp_step_begin(&fx->a, NULL, "TXT contoso.test");
    xp_step_end(s, XP_ST_PASS, "MS=ms12345678");
    s = xp_step_begin(&fx->a, NULL, "MX contoso.test");
    xp_step_end(s, XP_ST_PASS, NULL);
    fx->b_reach = xp_step_begin(&fx->b, NULL, "SRV targets accept TLS");
    fx->b_tls = xp_step_begin(&fx->b, fx->b_reach, "TLS sip.contoso.test:443");
    xp_step_end(fx->b_tls, XP_ST_FAIL, "connection refused");
    xp_step_end(fx->b_reach, XP_ST_FAIL, NULL);
    xp_finding_add(xp_finding_new(&fx->b, fx->b_tls, XP_LYNC_UNREACHABLE, "refused"));
    xp_finding_add(xp_finding_new(&fx->b, NULL, XP_LYNC_DEPLOYMENT, "on-premises"));
    fx->ui.run = &fx->run;
    fx->ui.rows_stale = 1;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;

    xp_check_clear(&fx->a);
    xp_check_clear(&fx->b);
    free(fx->ui.rows);
    free(fx->ui.folds);
    free(fx);
    return 0;
}

/* The rows as "depth:kind:label" lines, for readable assertions. */
static char *
dump(struct tui *ui)
{
    struct xp_buf b = { 0 };
    size_t i;

    tui_rows_fresh(ui);
    xp_buf_add(&b, "", 0);
    for (i = 0; i < ui->nrows; i++) {
        const struct tui_row *r = &ui->rows[i];
        const char *label = r->kind == ROW_CHECK ? r->c->ops->id
                            : r->kind == ROW_STEP ? r->s->title
                            : r->kind == ROW_FINDING ? xp_code_info(r->f->code)->name
                                                     : "target";

        xp_buf_printf(&b, "%d:%s%s\n", r->depth, label, i == ui->sel_idx ? " <" : "");
    }
    return b.s;
}

static void
expect_rows(struct tui *ui, const char *want)
{
    char *got = dump(ui);

    if (strcmp(got, want) != 0)
        fail_msg("rows:\n%s\nexpected:\n%s", got, want);
    free(got);
}

static void
tree__defaults__failed_open_passed_closed_findings_under_steps(void **state)
{
    struct fx *fx = *state;

    expect_rows(&fx->ui, "0:cname <\n"
                         "0:lync\n"
                         "1:SRV targets accept TLS\n"
                         "2:TLS sip.contoso.test:443\n"
                         "3:LYNC_UNREACHABLE\n"
                         "1:LYNC_DEPLOYMENT\n");
}

static void
tree__open_close__by_user(void **state)
{
    struct fx *fx = *state;

    tui_rows_fresh(&fx->ui);
    tui_set_open(&fx->ui, &fx->ui.rows[0], 1);    /* open the passed check */
    tui_rows_fresh(&fx->ui);
    tui_set_open(&fx->ui, &fx->ui.rows[3], 0);    /* close lync (row 3 now) */
    expect_rows(&fx->ui, "0:cname <\n"
                         "1:TXT contoso.test\n"
                         "1:MX contoso.test\n"
                         "0:lync\n");
}

static void
tree__filter__problems_only(void **state)
{
    struct fx *fx = *state;

    fx->ui.filter_problems = 1;
    fx->ui.rows_stale = 1;
    expect_rows(&fx->ui, "0:lync <\n"
                         "1:SRV targets accept TLS\n"
                         "2:TLS sip.contoso.test:443\n"
                         "3:LYNC_UNREACHABLE\n");
}

static void
tree__check_reset__cursor_back_on_check_no_stale_pointer(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s;

    tui_rows_fresh(&fx->ui);
    tui_select(&fx->ui, 4);   /* the LYNC_UNREACHABLE finding */
    assert_int_equal(fx->ui.sel.kind, ROW_FINDING);
    /* A rerun: CHECK_RESET, then the results are freed and rebuilt. */
    tui_forget_check(&fx->ui, &fx->b);
    assert_null(fx->ui.sel.s);
    assert_null(fx->ui.sel.f);
    assert_int_equal(fx->ui.nrows, 0);
    xp_check_clear(&fx->b);
    fx->b.done = 0;           /* running again: open by default */
    s = xp_step_begin(&fx->b, NULL, "sip record");
    (void)s;
    expect_rows(&fx->ui, "0:cname\n"
                         "0:lync <\n"
                         "1:sip record\n");
}

static void
tree__fold_kept_by_position_across_rerun(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s, *k;

    tui_rows_fresh(&fx->ui);
    tui_set_open(&fx->ui, &fx->ui.rows[2], 0);   /* close "SRV targets accept TLS" */
    expect_rows(&fx->ui, "0:cname <\n"
                         "0:lync\n"
                         "1:SRV targets accept TLS\n"
                         "1:LYNC_DEPLOYMENT\n");
    tui_forget_check(&fx->ui, &fx->b);
    xp_check_clear(&fx->b);
    s = xp_step_begin(&fx->b, NULL, "SRV targets accept TLS");
    k = xp_step_begin(&fx->b, s, "TLS sip.contoso.test:443");
    xp_step_end(k, XP_ST_FAIL, "refused again");
    xp_step_end(s, XP_ST_FAIL, NULL);
    /* Same place, new step: still closed as the user left it. */
    expect_rows(&fx->ui, "0:cname <\n"
                         "0:lync\n"
                         "1:SRV targets accept TLS\n");
}

static void
tree__collapsed_parent__cursor_to_nearest_ancestor(void **state)
{
    struct fx *fx = *state;

    tui_rows_fresh(&fx->ui);
    tui_select(&fx->ui, 3);   /* "TLS sip...", inside "SRV targets..." */
    tui_set_open(&fx->ui, &fx->ui.rows[2], 0);
    expect_rows(&fx->ui, "0:cname\n"
                         "0:lync\n"
                         "1:SRV targets accept TLS <\n"
                         "1:LYNC_DEPLOYMENT\n");
}

static void
tree__several_targets__top_level_nodes(void **state)
{
    struct fx *fx = *state;
    struct xp_target t2 = { 0 }, *tps[2];
    struct xp_check c2 = { 0 }, *cp2[1];

    c2.ops = &ops_a;
    c2.target = &t2;
    c2.started = c2.done = 1;
    c2.status = XP_ST_PASS;
    cp2[0] = &c2;
    t2.run = &fx->run;
    t2.domain = "fabrikam.test";
    t2.checks = cp2;
    t2.nchecks = 1;
    t2.started = t2.done = 1;
    tps[0] = &fx->t;
    tps[1] = &t2;
    fx->run.targets = tps;
    fx->run.ntargets = 2;
    /* Several targets start closed: one line each (counts are drawn on it). */
    expect_rows(&fx->ui, "0:target <\n"
                         "0:target\n");
    assert_int_equal(tui_row_status(&fx->ui, &fx->ui.rows[0]), XP_ST_FAIL);
    assert_int_equal(tui_row_status(&fx->ui, &fx->ui.rows[1]), XP_ST_PASS);
    /* n opens what hides the first problem finding and lands on it. */
    assert_true(tui_goto_problem(&fx->ui, 1));
    expect_rows(&fx->ui, "0:target\n"
                         "1:cname\n"
                         "1:lync\n"
                         "2:SRV targets accept TLS\n"
                         "3:TLS sip.contoso.test:443\n"
                         "4:LYNC_UNREACHABLE <\n"
                         "2:LYNC_DEPLOYMENT\n"
                         "0:target\n");
    assert_false(tui_goto_match(&fx->ui, "no such text anywhere"));
    assert_true(tui_goto_match(&fx->ui, "SIP.CONTOSO"));
    fx->run.targets = &fx->tp;
    fx->run.ntargets = 1;
}

static void
tree__busy__running_check_or_target(void **state)
{
    struct fx *fx = *state;

    assert_false(tui_run_busy(&fx->run));
    fx->b.done = 0;
    assert_true(tui_run_busy(&fx->run));
    assert_true(tui_check_running(&fx->b));
    fx->b.done = 1;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(tree__defaults__failed_open_passed_closed_findings_under_steps),
        T(tree__open_close__by_user),
        T(tree__filter__problems_only),
        T(tree__check_reset__cursor_back_on_check_no_stale_pointer),
        T(tree__fold_kept_by_position_across_rerun),
        T(tree__collapsed_parent__cursor_to_nearest_ancestor),
        T(tree__several_targets__top_level_nodes),
        T(tree__busy__running_check_or_target),
    };

    return cmocka_run_group_tests_name("tui_tree", tests, NULL, NULL);
}
