/*
 * test_model.c — the data model (include/xp_model.h): the writer API that
 * checks use (steps, notes, findings, evidence), the events each write
 * emits, roll-ups, the exit code, UTF-8 cleaning of everything stored, and
 * xp_check_clear (run this binary under valgrind: it must be leak-free).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xp.h"
#include "xp_check.h"
#include "xp_model.h"

#define FFFD "\xEF\xBF\xBD"

/* ---- an emit callback that records every event ---- */

struct rec_ev {
    enum xp_evtype type;
    const struct xp_run *run;
    const struct xp_target *target;
    const struct xp_check *check;
    const struct xp_step *step;
    const struct xp_finding *finding;
    enum xp_status step_status;   /* the step's status when emitted */
};

struct rec {
    size_t n;
    struct rec_ev ev[64];
};

static void
record(void *ctx, const struct xp_event *ev)
{
    struct rec *r = ctx;
    struct rec_ev *e;

    assert_true(r->n < XP_ARRAY_LEN(r->ev));
    e = &r->ev[r->n++];
    e->type = ev->type;
    e->run = ev->run;
    e->target = ev->target;
    e->check = ev->check;
    e->step = ev->step;
    e->finding = ev->finding;
    e->step_status = ev->step ? ev->step->status : XP_ST_PENDING;
}

/* ---- fixture: one run → one target → one check, built by hand ---- */

static const struct xp_check_ops test_ops = { .id = "x", .title = "test check" };

struct fx {
    struct xp_run *run;
    struct xp_target *t;
    struct xp_check *c;
    struct rec rec;
    struct xp_params params;   /* the run's bounds (a test may shrink them) */
};

static int
setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));

    fx->run = xcalloc(1, sizeof(*fx->run));
    fx->run->emit = record;
    fx->run->emit_ctx = &fx->rec;
    fx->t = xcalloc(1, sizeof(*fx->t));
    fx->t->run = fx->run;
    fx->c = xcalloc(1, sizeof(*fx->c));
    fx->c->ops = &test_ops;
    fx->c->target = fx->t;
    fx->params = xp_params_defaults;
    fx->run->params = &fx->params;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;

    xp_check_clear(fx->c);
    free(fx->c);
    free(fx->t);
    free(fx->run);
    free(fx);
    return 0;
}

/* ---- step order ---- */

static void
steps_sort__subset_takes_its_places__others_stay(void **state)
{
    struct fx *fx = *state;
    struct xp_step *a = xp_step_begin(fx->c, NULL, "a");
    struct xp_step *h2 = xp_step_begin(fx->c, NULL, "host 2");
    struct xp_step *b = xp_step_begin(fx->c, NULL, "b");
    struct xp_step *h1 = xp_step_begin(fx->c, NULL, "host 1");
    struct xp_step *order[] = { h1, h2 };
    struct xp_step *stranger = xcalloc(1, sizeof(*stranger));
    struct xp_step *bad[] = { h2, stranger };
    const char *want[] = { "a", "host 1", "b", "host 2" };
    const struct xp_step *s;
    size_t i = 0;

    xp_check_steps_sort(fx->c, NULL, order, 2);
    for (s = fx->c->steps; s; s = s->next)
        assert_string_equal(s->title, want[i++]);
    assert_int_equal(i, 4);
    assert_ptr_equal(fx->c->last_step, h2);
    xp_step_begin(fx->c, NULL, "c");    /* appends after the new last */
    assert_string_equal(h2->next->title, "c");
    /* a step that is not one of the check's: nothing moves */
    xp_check_steps_sort(fx->c, NULL, bad, 2);
    assert_ptr_equal(fx->c->steps, a);
    assert_ptr_equal(a->next, h1);
    (void)b;
    free(stranger);
    {   /* a step's children */
        struct xp_step *x = xp_step_begin(fx->c, a, "x");
        struct xp_step *y = xp_step_begin(fx->c, a, "y");
        struct xp_step *yx[] = { y, x };

        xp_check_steps_sort(fx->c, a, yx, 2);
        assert_ptr_equal(a->children, y);
        assert_ptr_equal(y->next, x);
        assert_ptr_equal(a->last_child, x);
        assert_null(x->next);
    }
}

/* ---- status helpers ---- */

static void
status_worst__ordering__fail_warn_pass_skip_pending(void **state)
{
    (void)state;
    assert_int_equal(xp_status_worst(XP_ST_FAIL, XP_ST_WARN), XP_ST_FAIL);
    assert_int_equal(xp_status_worst(XP_ST_WARN, XP_ST_FAIL), XP_ST_FAIL);
    assert_int_equal(xp_status_worst(XP_ST_WARN, XP_ST_PASS), XP_ST_WARN);
    assert_int_equal(xp_status_worst(XP_ST_PASS, XP_ST_WARN), XP_ST_WARN);
    assert_int_equal(xp_status_worst(XP_ST_INFO, XP_ST_WARN), XP_ST_WARN);
    assert_int_equal(xp_status_worst(XP_ST_PASS, XP_ST_SKIP), XP_ST_PASS);
    assert_int_equal(xp_status_worst(XP_ST_SKIP, XP_ST_PASS), XP_ST_PASS);
    assert_int_equal(xp_status_worst(XP_ST_SKIP, XP_ST_INFO), XP_ST_INFO);
    assert_int_equal(xp_status_worst(XP_ST_SKIP, XP_ST_PENDING), XP_ST_SKIP);
    assert_int_equal(xp_status_worst(XP_ST_PENDING, XP_ST_SKIP), XP_ST_SKIP);
    assert_int_equal(xp_status_worst(XP_ST_PENDING, XP_ST_FAIL), XP_ST_FAIL);
    assert_int_equal(xp_status_worst(XP_ST_FAIL, XP_ST_FAIL), XP_ST_FAIL);
}

static void
status_worst__pass_and_info__same_rank(void **state)
{
    enum xp_status a, b;

    (void)state;
    a = xp_status_worst(XP_ST_PASS, XP_ST_INFO);
    b = xp_status_worst(XP_ST_INFO, XP_ST_PASS);
    assert_true(a == XP_ST_PASS || a == XP_ST_INFO);
    assert_true(b == XP_ST_PASS || b == XP_ST_INFO);
    /* neither outranks a warning nor falls below a skip */
    assert_int_equal(xp_status_worst(a, XP_ST_SKIP), a);
}

static void
status_name__each__word(void **state)
{
    (void)state;
    assert_string_equal(xp_status_name(XP_ST_PENDING), "pending");
    assert_string_equal(xp_status_name(XP_ST_RUNNING), "running");
    assert_string_equal(xp_status_name(XP_ST_SKIP), "skip");
    assert_string_equal(xp_status_name(XP_ST_PASS), "pass");
    assert_string_equal(xp_status_name(XP_ST_INFO), "info");
    assert_string_equal(xp_status_name(XP_ST_WARN), "warn");
    assert_string_equal(xp_status_name(XP_ST_FAIL), "fail");
}

static void
status_of_severity__each__matching_status(void **state)
{
    (void)state;
    assert_int_equal(xp_status_of_severity(XP_SEV_INFO), XP_ST_INFO);
    assert_int_equal(xp_status_of_severity(XP_SEV_WARN), XP_ST_WARN);
    assert_int_equal(xp_status_of_severity(XP_SEV_FAIL), XP_ST_FAIL);
}

static void
duration_ms__values__whole_milliseconds(void **state)
{
    (void)state;
    assert_int_equal(xp_duration_ms(0, 5000000), 0);   /* never started */
    assert_int_equal(xp_duration_ms(1000, 3500), 2);
    assert_int_equal(xp_duration_ms(1000000, 1812999), 812);
}

/* ---- steps ---- */

static void
step_begin__top_level__running_and_linked(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "Resolve %s %d", "MX", 15);

    assert_non_null(s);
    assert_string_equal(s->title, "Resolve MX 15");
    assert_int_equal(s->status, XP_ST_RUNNING);
    assert_null(s->detail);
    assert_ptr_equal(s->check, fx->c);
    assert_null(s->parent);
    assert_ptr_equal(fx->c->steps, s);
    assert_ptr_equal(fx->c->last_step, s);
    assert_true(s->t0_us > 0);
    assert_int_equal(s->t1_us, 0);
}

static void
step_end__status_detail_time__set(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "%s", "Connect");

    xp_step_end(s, XP_ST_FAIL, "refused by %s:%d", "192.0.2.1", 25);
    assert_int_equal(s->status, XP_ST_FAIL);
    assert_string_equal(s->detail, "refused by 192.0.2.1:25");
    assert_true(s->t1_us >= s->t0_us);
}

static void
step_end__null_fmt__no_detail(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "%s", "Connect");

    xp_step_end(s, XP_ST_PASS, NULL);
    assert_int_equal(s->status, XP_ST_PASS);
    assert_null(s->detail);
}

static void
step_note__several_lines__joined_with_newline(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "%s", "EHLO");

    xp_step_note(s, "250-%s", "mx.contoso.com");
    xp_step_note(s, "250-%s", "STARTTLS");
    xp_step_end(s, XP_ST_PASS, "250 %s", "OK");
    xp_step_note(s, "%s", "after the end");
    assert_string_equal(s->detail,
                        "250-mx.contoso.com\n250-STARTTLS\n250 OK\nafter the end");
}

static void
step_begin__nested__tree_in_order(void **state)
{
    struct fx *fx = *state;
    struct xp_step *a = xp_step_begin(fx->c, NULL, "%s", "A");
    struct xp_step *a1 = xp_step_begin(fx->c, a, "%s", "A1");
    struct xp_step *a2 = xp_step_begin(fx->c, a, "%s", "A2");
    struct xp_step *a2x = xp_step_begin(fx->c, a2, "%s", "A2x");
    struct xp_step *b = xp_step_begin(fx->c, NULL, "%s", "B");

    /* top level: A then B */
    assert_ptr_equal(fx->c->steps, a);
    assert_ptr_equal(a->next, b);
    assert_null(b->next);
    assert_ptr_equal(fx->c->last_step, b);
    /* A's children: A1 then A2 */
    assert_ptr_equal(a->children, a1);
    assert_ptr_equal(a1->next, a2);
    assert_null(a2->next);
    assert_ptr_equal(a->last_child, a2);
    assert_ptr_equal(a1->parent, a);
    assert_ptr_equal(a2->parent, a);
    /* a grandchild */
    assert_ptr_equal(a2->children, a2x);
    assert_ptr_equal(a2x->parent, a2);
    assert_null(a1->children);
    assert_null(b->children);
    assert_null(b->parent);
}

/* ---- findings and evidence ---- */

static void
finding_new__defaults_from_code_table(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "%s", "SPF");
    struct xp_finding *f =
        xp_finding_new(fx->c, s, XP_SPF_MISSING_INCLUDE, "no include in %s", "contoso.com");

    assert_int_equal(f->code, XP_SPF_MISSING_INCLUDE);
    assert_int_equal(f->severity, xp_code_info(XP_SPF_MISSING_INCLUDE)->severity);
    assert_int_equal(f->severity, XP_SEV_WARN);
    assert_string_equal(f->message, "no include in contoso.com");
    assert_non_null(f->remediation);
    assert_string_equal(f->remediation, xp_code_info(XP_SPF_MISSING_INCLUDE)->fix);
    assert_ptr_not_equal(f->remediation, xp_code_info(XP_SPF_MISSING_INCLUDE)->fix);
    assert_ptr_equal(f->step, s);
    assert_ptr_equal(f->check, fx->c);
    assert_null(f->evidence);
    /* not yet in the check until added */
    assert_null(fx->c->findings);
    assert_int_equal(fx->c->nfindings, 0);
    xp_finding_add(f);
    assert_ptr_equal(fx->c->findings, f);
    assert_ptr_equal(fx->c->last_finding, f);
    assert_int_equal(fx->c->nfindings, 1);
}

static void
finding_new__info_code__no_remediation(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_AUTOD_OK, "%s", "found");

    assert_int_equal(f->severity, XP_SEV_INFO);
    assert_null(f->remediation);
    assert_null(f->step);
    xp_finding_add(f);
}

static void
finding_add__several__kept_in_order(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f1 = xp_finding_new(fx->c, NULL, XP_CNAME_OK, "%s", "one");
    struct xp_finding *f2, *f3;

    xp_finding_add(f1);
    f2 = xp_finding_new(fx->c, NULL, XP_MX_NOT_EXO, "%s", "two");
    xp_finding_add(f2);
    f3 = xp_finding_new(fx->c, NULL, XP_SPF_MISSING, "%s", "three");
    xp_finding_add(f3);
    assert_ptr_equal(fx->c->findings, f1);
    assert_ptr_equal(f1->next, f2);
    assert_ptr_equal(f2->next, f3);
    assert_null(f3->next);
    assert_ptr_equal(fx->c->last_finding, f3);
    assert_int_equal(fx->c->nfindings, 3);
}

static void
finding_severity__override__replaces_default(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_CERT_EXPIRED, "%s", "expired");

    assert_int_equal(f->severity, XP_SEV_FAIL);
    xp_finding_severity(f, XP_SEV_WARN);
    assert_int_equal(f->severity, XP_SEV_WARN);
    xp_finding_add(f);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_WARN);
}

static void
finding_fix__override__replaces_remediation(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_CNAME_MISSING, "%s", "missing");
    struct xp_finding *g = xp_finding_new(fx->c, NULL, XP_AUTOD_OK, "%s", "info");

    xp_finding_fix(f, "Create autodiscover.%s CNAME %s", "contoso.com",
                   "autodiscover.outlook.com");
    assert_string_equal(f->remediation,
                        "Create autodiscover.contoso.com CNAME autodiscover.outlook.com");
    xp_finding_fix(f, "%s", "second fix wins");
    assert_string_equal(f->remediation, "second fix wins");
    xp_finding_fix(g, "%s", "a fix on an info code");   /* default NULL */
    assert_string_equal(g->remediation, "a fix on an info code");
    xp_finding_add(f);
    xp_finding_add(g);
}

static void
evidence__each_kind__stored_in_order(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_SMTP_NO_STARTTLS, "%s", "no TLS");
    char *items[] = { "250-PIPELINING", "250-SIZE 35882577", "250 8BITMIME" };
    struct xp_evidence *e;

    xp_ev_str(f, "host", "mx.contoso.com");
    xp_ev_int(f, "port", 25);
    xp_ev_list(f, "ehlo", items, 3);
    xp_ev_strn(f, "banner", "220 mx ESMTPxxxx", 12);
    xp_ev_int(f, "big", LLONG_MIN);
    xp_finding_add(f);

    e = f->evidence;
    assert_non_null(e);
    assert_string_equal(e->key, "host");
    assert_int_equal(e->kind, XP_EVK_STR);
    assert_string_equal(e->str, "mx.contoso.com");

    e = e->next;
    assert_non_null(e);
    assert_string_equal(e->key, "port");
    assert_int_equal(e->kind, XP_EVK_INT);
    assert_int_equal(e->num, 25);

    e = e->next;
    assert_non_null(e);
    assert_string_equal(e->key, "ehlo");
    assert_int_equal(e->kind, XP_EVK_LIST);
    assert_int_equal(e->nitems, 3);
    assert_string_equal(e->items[0], "250-PIPELINING");
    assert_string_equal(e->items[1], "250-SIZE 35882577");
    assert_string_equal(e->items[2], "250 8BITMIME");

    e = e->next;
    assert_non_null(e);
    assert_string_equal(e->key, "banner");
    assert_int_equal(e->kind, XP_EVK_STR);
    assert_string_equal(e->str, "220 mx ESMTP");

    e = e->next;
    assert_non_null(e);
    assert_int_equal(e->kind, XP_EVK_INT);
    assert_true(e->num == LLONG_MIN);
    assert_null(e->next);
    assert_ptr_equal(f->last_evidence, e);
}

static void
evidence_list__items__copied(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_CERT_NAME_MISMATCH, "%s", "m");
    char a[] = "mail.contoso.com", b[] = "*.contoso.com";
    char *items[] = { a, b };

    xp_ev_list(f, "names", items, 2);
    a[0] = 'X';
    b[0] = 'Y';
    items[0] = NULL;
    assert_string_equal(f->evidence->items[0], "mail.contoso.com");
    assert_string_equal(f->evidence->items[1], "*.contoso.com");
    xp_finding_add(f);
}

static void
evidence_list__empty__zero_items(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_CERT_NAME_MISMATCH, "%s", "m");

    xp_ev_list(f, "names", NULL, 0);
    assert_int_equal(f->evidence->kind, XP_EVK_LIST);
    assert_int_equal(f->evidence->nitems, 0);
    xp_finding_add(f);
}

static void
evidence_str__null_value__empty_string(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_AUTOD_OK, "%s", "m");

    xp_ev_str(f, "empty", NULL);
    assert_non_null(f->evidence->str);
    assert_string_equal(f->evidence->str, "");
    xp_finding_add(f);
}

/* What a server reveals of the inside (NTLM's internal names): kept as
 * given, masked in a --redact run before any reporter can see it. */
static void
evidence_private__redact__masked_else_kept(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_AUTH_NTLM_BROKEN, "%s", "m");

    xp_ev_private(f, "ntlm_dns_computer", "exch01.corp.local");
    assert_string_equal(f->evidence->str, "exch01.corp.local");
    assert_string_equal(xp_private(fx->c, "LAB"), "LAB");
    fx->run->redact = 1;
    xp_ev_private(f, "ntlm_dns_domain", "corp.local");
    assert_string_equal(f->last_evidence->str, XP_REDACTED);
    assert_string_equal(xp_private(fx->c, "LAB"), XP_REDACTED);
    /* Other evidence is untouched. */
    xp_ev_str(f, "host", "mail.contoso.com");
    assert_string_equal(f->last_evidence->str, "mail.contoso.com");
    xp_finding_add(f);
}

/* ---- cleaning: whatever bytes arrive, the model holds valid UTF-8 ---- */

static void
model__invalid_utf8__cleaned_everywhere(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "banner %s", "220 \xFF\xFE ok");
    struct xp_finding *f;
    char *items[] = { "good", "bad\xC0\xAF", "\xED\xA0\x80" };

    xp_step_note(s, "note \x80");
    xp_step_end(s, XP_ST_WARN, "end %s", "\xE2\x82");
    assert_string_equal(s->title, "banner 220 " FFFD FFFD " ok");
    assert_string_equal(s->detail, "note " FFFD "\nend " FFFD FFFD);

    f = xp_finding_new(fx->c, s, XP_SMTP_PROTOCOL_ERROR, "got %s", "\xF4\x90\x80\x80!");
    assert_string_equal(f->message, "got " FFFD FFFD FFFD FFFD "!");
    xp_finding_fix(f, "fix \xFF");
    assert_string_equal(f->remediation, "fix " FFFD);
    xp_ev_str(f, "key\xFF", "val\xFF");
    xp_ev_strn(f, "raw", "a\0b", 3);
    xp_ev_list(f, "list", items, 3);
    xp_finding_add(f);

    assert_string_equal(f->evidence->key, "key" FFFD);
    assert_string_equal(f->evidence->str, "val" FFFD);
    assert_string_equal(f->evidence->next->str, "a" FFFD "b");
    assert_string_equal(f->evidence->next->next->items[0], "good");
    assert_string_equal(f->evidence->next->next->items[1], "bad" FFFD FFFD);
    assert_string_equal(f->evidence->next->next->items[2], FFFD FFFD FFFD);
}

static void
model__long_strings__capped_by_value_max(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s;
    struct xp_finding *f;
    const char *longs = "abcdefghijklmnopqrstuvwxyz0123456789";

    fx->params.value_max = 16;  /* this run's bound only */
    s = xp_step_begin(fx->c, NULL, "%s", longs);
    assert_true(strlen(s->title) <= 16);
    assert_string_equal(s->title, "abcdefghijklm\xE2\x80\xA6");
    xp_step_end(s, XP_ST_PASS, "%s", longs);
    assert_true(strlen(s->detail) <= 16);
    f = xp_finding_new(fx->c, s, XP_AUTOD_OK, "%s", longs);
    assert_true(strlen(f->message) <= 16);
    xp_ev_str(f, "k", longs);
    assert_true(strlen(f->evidence->str) <= 16);
    xp_finding_add(f);
}

/* ---- events ---- */

static void
events__writer_calls__emitted_in_order(void **state)
{
    struct fx *fx = *state;
    struct rec *r = &fx->rec;
    struct xp_step *a, *b;
    struct xp_finding *f;
    size_t i;

    a = xp_step_begin(fx->c, NULL, "%s", "A");
    b = xp_step_begin(fx->c, a, "%s", "B");
    xp_step_note(b, "%s", "a note emits nothing");
    xp_step_end(b, XP_ST_PASS, NULL);
    f = xp_finding_new(fx->c, b, XP_MX_NOT_EXO, "%s", "m");   /* nothing yet */
    xp_ev_str(f, "k", "v");
    xp_finding_severity(f, XP_SEV_WARN);
    xp_finding_fix(f, "%s", "fix");
    assert_int_equal(r->n, 3);
    xp_finding_add(f);
    xp_step_end(a, XP_ST_WARN, "%s", "done");

    assert_int_equal(r->n, 5);
    assert_int_equal(r->ev[0].type, XP_EV_STEP_BEGIN);
    assert_ptr_equal(r->ev[0].step, a);
    assert_int_equal(r->ev[0].step_status, XP_ST_RUNNING);
    assert_int_equal(r->ev[1].type, XP_EV_STEP_BEGIN);
    assert_ptr_equal(r->ev[1].step, b);
    assert_int_equal(r->ev[2].type, XP_EV_STEP_END);
    assert_ptr_equal(r->ev[2].step, b);
    assert_int_equal(r->ev[2].step_status, XP_ST_PASS);
    assert_int_equal(r->ev[3].type, XP_EV_FINDING);
    assert_ptr_equal(r->ev[3].finding, f);
    assert_ptr_equal(r->ev[3].step, b);
    assert_int_equal(r->ev[4].type, XP_EV_STEP_END);
    assert_ptr_equal(r->ev[4].step, a);
    assert_int_equal(r->ev[4].step_status, XP_ST_WARN);
    for (i = 0; i < r->n; i++) {
        assert_ptr_equal(r->ev[i].run, fx->run);
        assert_ptr_equal(r->ev[i].target, fx->t);
        assert_ptr_equal(r->ev[i].check, fx->c);
    }
    assert_null(r->ev[0].finding);
    assert_null(r->ev[2].finding);
}

static void
emit__direct_call__passes_every_field(void **state)
{
    struct fx *fx = *state;
    struct rec *r = &fx->rec;

    xp_emit(fx->run, XP_EV_CHECK_BEGIN, fx->t, fx->c, NULL, NULL);
    xp_emit(fx->run, XP_EV_RUN_END, NULL, NULL, NULL, NULL);
    xp_emit(NULL, XP_EV_RUN_END, NULL, NULL, NULL, NULL);   /* no run: dropped */
    assert_int_equal(r->n, 2);
    assert_int_equal(r->ev[0].type, XP_EV_CHECK_BEGIN);
    assert_ptr_equal(r->ev[0].run, fx->run);
    assert_ptr_equal(r->ev[0].target, fx->t);
    assert_ptr_equal(r->ev[0].check, fx->c);
    assert_int_equal(r->ev[1].type, XP_EV_RUN_END);
    assert_null(r->ev[1].target);
}

static void
events__emit_null__writes_still_work(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s;
    struct xp_finding *f;

    fx->run->emit = NULL;
    s = xp_step_begin(fx->c, NULL, "%s", "quiet");
    xp_step_end(s, XP_ST_PASS, "%s", "ok");
    f = xp_finding_new(fx->c, s, XP_AUTOD_OK, "%s", "m");
    xp_finding_add(f);
    assert_int_equal(fx->rec.n, 0);
    assert_ptr_equal(fx->c->steps, s);
    assert_ptr_equal(fx->c->findings, f);
}

static void
events__check_without_target__writes_still_work(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s;
    struct xp_finding *f;

    fx->c->target = NULL;
    s = xp_step_begin(fx->c, NULL, "%s", "orphan");
    xp_step_end(s, XP_ST_PASS, NULL);
    f = xp_finding_new(fx->c, s, XP_AUTOD_OK, "%s", "m");
    xp_finding_add(f);
    assert_int_equal(fx->rec.n, 0);
    assert_int_equal(fx->c->nfindings, 1);
}

/* ---- roll-ups ---- */

static void
check_rollup__empty__pass(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(xp_check_rollup(fx->c), XP_ST_PASS);
}

static void
check_rollup__info_findings__pass(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "%s", "s");

    xp_step_end(s, XP_ST_INFO, NULL);
    xp_finding_add(xp_finding_new(fx->c, s, XP_AUTOD_OK, "%s", "a"));
    xp_finding_add(xp_finding_new(fx->c, s, XP_DNSBL_CLEAN, "%s", "b"));
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_PASS);
}

static void
check_rollup__warn_finding__warn(void **state)
{
    struct fx *fx = *state;
    struct xp_step *s = xp_step_begin(fx->c, NULL, "%s", "s");

    xp_step_end(s, XP_ST_PASS, NULL);
    xp_finding_add(xp_finding_new(fx->c, s, XP_AUTOD_OK, "%s", "a"));
    xp_finding_add(xp_finding_new(fx->c, s, XP_SPF_MISSING_INCLUDE, "%s", "b"));
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_WARN);
}

static void
check_rollup__fail_finding_over_warn__fail(void **state)
{
    struct fx *fx = *state;

    xp_finding_add(xp_finding_new(fx->c, NULL, XP_SPF_MISSING_INCLUDE, "%s", "w"));
    xp_finding_add(xp_finding_new(fx->c, NULL, XP_MX_NOT_EXO, "%s", "f"));
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_FAIL);
}

static void
check_rollup__failed_step__fail(void **state)
{
    struct fx *fx = *state;
    struct xp_step *a = xp_step_begin(fx->c, NULL, "%s", "a");
    struct xp_step *b;

    xp_step_end(a, XP_ST_PASS, NULL);
    b = xp_step_begin(fx->c, NULL, "%s", "b");
    xp_step_end(b, XP_ST_FAIL, NULL);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_FAIL);
}

static void
check_rollup__failed_nested_step__fail(void **state)
{
    struct fx *fx = *state;
    struct xp_step *a = xp_step_begin(fx->c, NULL, "%s", "a");
    struct xp_step *child = xp_step_begin(fx->c, a, "%s", "child");

    xp_step_end(child, XP_ST_FAIL, NULL);
    xp_step_end(a, XP_ST_PASS, NULL);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_FAIL);
}

static void
check_rollup__skipped_step__ignored(void **state)
{
    struct fx *fx = *state;
    struct xp_step *a = xp_step_begin(fx->c, NULL, "%s", "a");
    struct xp_step *b;

    xp_step_end(a, XP_ST_SKIP, NULL);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_PASS);   /* not skip */
    b = xp_step_begin(fx->c, NULL, "%s", "b");
    xp_step_end(b, XP_ST_PASS, NULL);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_PASS);
}

static void
check_rollup__warn_downgraded_to_info__pass(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f = xp_finding_new(fx->c, NULL, XP_SPF_MISSING_INCLUDE, "%s", "w");

    xp_finding_severity(f, XP_SEV_INFO);
    xp_finding_add(f);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_PASS);
}

static void
check_rollup__skipped_check__skip(void **state)
{
    struct fx *fx = *state;

    fx->c->status = XP_ST_SKIP;
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_SKIP);
}

/* ---- exit code: a run of targets of checks with given statuses ---- */

static struct xp_run *
make_run(size_t ntargets, size_t nchecks, const enum xp_status *st)
{
    struct xp_run *run = xcalloc(1, sizeof(*run));
    size_t i, k;

    run->ntargets = ntargets;
    run->targets = xcalloc(ntargets, sizeof(*run->targets));
    for (i = 0; i < ntargets; i++) {
        struct xp_target *t = xcalloc(1, sizeof(*t));

        t->run = run;
        t->domain = xstrdup("contoso.com");
        t->nchecks = nchecks;
        t->checks = xcalloc(nchecks, sizeof(*t->checks));
        for (k = 0; k < nchecks; k++) {
            struct xp_check *c = xcalloc(1, sizeof(*c));

            c->ops = &test_ops;
            c->target = t;
            c->status = st[i * nchecks + k];
            t->checks[k] = c;
        }
        run->targets[i] = t;
    }
    return run;
}

static int
exit_code_of(size_t ntargets, size_t nchecks, const enum xp_status *st)
{
    struct xp_run *run = make_run(ntargets, nchecks, st);
    int rc = xp_run_exit_code(run);

    xp_run_free(run);
    return rc;
}

static void
run_exit_code__all_pass_or_info__0(void **state)
{
    const enum xp_status st[] = { XP_ST_PASS, XP_ST_INFO, XP_ST_PASS };

    (void)state;
    assert_int_equal(exit_code_of(1, 3, st), 0);
}

static void
run_exit_code__a_warning__1(void **state)
{
    const enum xp_status st[] = { XP_ST_PASS, XP_ST_WARN, XP_ST_SKIP };

    (void)state;
    assert_int_equal(exit_code_of(1, 3, st), 1);
}

static void
run_exit_code__a_failure__2(void **state)
{
    const enum xp_status st[] = { XP_ST_WARN, XP_ST_FAIL, XP_ST_PASS };

    (void)state;
    assert_int_equal(exit_code_of(1, 3, st), 2);
}

static void
run_exit_code__only_skips__3(void **state)
{
    /* SPEC: nothing judged is unknown, never a pass. */
    const enum xp_status st[] = { XP_ST_SKIP, XP_ST_SKIP };

    (void)state;
    assert_int_equal(exit_code_of(1, 2, st), 3);
}

static void
run_exit_code__unknown_between_fail_and_warn(void **state)
{
    const enum xp_status warn_unknown[] = { XP_ST_WARN, XP_ST_UNKNOWN };
    const enum xp_status fail_unknown[] = { XP_ST_UNKNOWN, XP_ST_FAIL };
    const enum xp_status pass_skip[] = { XP_ST_PASS, XP_ST_SKIP };

    (void)state;
    assert_int_equal(exit_code_of(1, 2, warn_unknown), 3);
    assert_int_equal(exit_code_of(1, 2, fail_unknown), 2);
    assert_int_equal(exit_code_of(1, 2, pass_skip), 0);
    assert_int_equal(xp_status_worst(XP_ST_WARN, XP_ST_UNKNOWN), XP_ST_UNKNOWN);
    assert_int_equal(xp_status_worst(XP_ST_FAIL, XP_ST_UNKNOWN), XP_ST_FAIL);
    assert_int_equal(xp_status_of_severity(XP_SEV_UNKNOWN), XP_ST_UNKNOWN);
}

static void
run_exit_code__worst_over_targets__2(void **state)
{
    /* target 1: pass, warn; target 2: pass, fail */
    const enum xp_status st[] = { XP_ST_PASS, XP_ST_WARN, XP_ST_PASS, XP_ST_FAIL };

    (void)state;
    assert_int_equal(exit_code_of(2, 2, st), 2);
}

static void
run_exit_code__no_targets__3(void **state)
{
    struct xp_run *run = xcalloc(1, sizeof(*run));

    (void)state;
    assert_int_equal(xp_run_exit_code(run), 3);
    xp_run_free(run);
}

static void
target_rollup__skip_ignored_info_is_pass(void **state)
{
    const enum xp_status st[] = { XP_ST_SKIP, XP_ST_INFO, XP_ST_WARN, XP_ST_SKIP };
    struct xp_run *run = make_run(2, 2, st);

    (void)state;
    assert_int_equal(xp_target_rollup(run->targets[0]), XP_ST_PASS);
    assert_int_equal(xp_target_rollup(run->targets[1]), XP_ST_WARN);
    assert_int_equal(xp_run_rollup(run), XP_ST_WARN);
    xp_run_free(run);
}

/* A streamed run keeps only running targets' checks (xp_model.h): one not
 * started yet counts its checks as waiting, a released one keeps its
 * verdict and how its checks ended, and the run's roll-ups, counts and exit
 * code are those it would have with every check in memory. */
static void
targets_without_checks__counted_from_kept(void **state)
{
    const enum xp_status st[] = { XP_ST_PASS, XP_ST_WARN, XP_ST_FAIL, XP_ST_SKIP,
                                  XP_ST_PASS, XP_ST_PASS };
    struct xp_run *run = make_run(3, 2, st);
    struct xp_target *released = run->targets[1], *waiting = run->targets[2];
    struct xp_counts n, before;
    size_t k;

    (void)state;
    for (k = 0; k < 2; k++)
        run->targets[1]->checks[k]->started = run->targets[1]->checks[k]->done = 1;
    xp_target_counts(released, &before);
    released->done = 1;
    released->status = xp_target_rollup(released);
    /* what the engine does once the target is reported */
    released->kept = before;
    for (k = 0; k < released->nchecks; k++)
        free(released->checks[k]);
    free(released->checks);
    released->checks = NULL;
    released->nchecks = 0;
    /* not started: no checks yet */
    for (k = 0; k < waiting->nchecks; k++)
        free(waiting->checks[k]);
    free(waiting->checks);
    waiting->checks = NULL;
    waiting->nchecks = 0;
    waiting->kept.waiting = 2;

    assert_int_equal(xp_target_rollup(released), XP_ST_FAIL);
    xp_target_counts(released, &n);
    assert_int_equal(n.fail, 1);
    assert_int_equal(n.skip, 1);
    assert_int_equal(n.pass + n.warn + n.unknown + n.running + n.waiting, 0);
    xp_target_counts(waiting, &n);
    assert_int_equal(n.waiting, 2);
    assert_int_equal(n.pass + n.fail + n.skip + n.running, 0);
    xp_run_check_counts(run, &n);
    assert_int_equal(n.fail, 1);
    assert_int_equal(n.skip, 1);
    assert_int_equal(n.waiting, 2 + 2);   /* target 0's were never started either */
    waiting->done = 1;                    /* (an ended run has every target done) */
    waiting->status = XP_ST_PASS;
    assert_int_equal(xp_run_rollup(run), XP_ST_FAIL);
    assert_int_equal(xp_run_exit_code(run), 2);
    xp_run_free(run);                     /* frees targets with and without checks */
}

/* ---- clear ---- */

static void
check_clear__full_check__everything_freed_and_reusable(void **state)
{
    struct fx *fx = *state;
    struct xp_step *a = xp_step_begin(fx->c, NULL, "%s", "a");
    struct xp_step *b = xp_step_begin(fx->c, a, "%s", "b");
    struct xp_finding *f;
    char *items[] = { "x", "y" };
    struct xp_step *again;

    xp_step_note(b, "%s", "n1");
    xp_step_note(b, "%s", "n2");
    xp_step_end(b, XP_ST_FAIL, "%s", "end");
    xp_step_end(a, XP_ST_FAIL, NULL);
    f = xp_finding_new(fx->c, b, XP_CERT_EXPIRED, "%s", "m");
    xp_ev_str(f, "s", "v");
    xp_ev_int(f, "i", 1);
    xp_ev_list(f, "l", items, 2);
    xp_finding_fix(f, "%s", "fix");
    xp_finding_add(f);
    xp_finding_add(xp_finding_new(fx->c, NULL, XP_AUTOD_OK, "%s", "info"));
    fx->c->skip_reason = xstrdup("because");

    xp_check_clear(fx->c);
    assert_null(fx->c->steps);
    assert_null(fx->c->last_step);
    assert_null(fx->c->findings);
    assert_null(fx->c->last_finding);
    assert_int_equal(fx->c->nfindings, 0);
    assert_null(fx->c->skip_reason);
    assert_int_equal(xp_check_rollup(fx->c), XP_ST_PASS);

    again = xp_step_begin(fx->c, NULL, "%s", "again");
    assert_ptr_equal(fx->c->steps, again);
    assert_null(again->next);
    xp_check_clear(fx->c);
    xp_check_clear(fx->c);   /* twice is harmless */
    assert_null(fx->c->steps);
}

/* Another check's verdict, by code: only once that check is done and not
 * skipped; NULL for a check not in the run. */
static void
target_finding__done_check_only(void **state)
{
    struct fx *fx = *state;
    struct xp_check *cp[1] = { fx->c };
    struct xp_finding *f;

    fx->t->checks = cp;
    fx->t->nchecks = 1;
    f = xp_finding_new(fx->c, NULL, XP_DANE_OK, "DANE works");
    xp_finding_add(f);
    assert_null(xp_target_finding(fx->t, "x", XP_DANE_OK));        /* still running */
    fx->c->done = 1;
    assert_ptr_equal(xp_target_finding(fx->t, "x", XP_DANE_OK), f);
    assert_null(xp_target_finding(fx->t, "x", XP_DANE_BOGUS));
    assert_null(xp_target_finding(fx->t, "dane", XP_DANE_OK));     /* not in the run */
    fx->c->skip_reason = xstrdup("no MX");
    assert_null(xp_target_finding(fx->t, "x", XP_DANE_OK));
    fx->t->checks = NULL;
    fx->t->nchecks = 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_worst__ordering__fail_warn_pass_skip_pending),
        cmocka_unit_test(status_worst__pass_and_info__same_rank),
        cmocka_unit_test(status_name__each__word),
        cmocka_unit_test(status_of_severity__each__matching_status),
        cmocka_unit_test(duration_ms__values__whole_milliseconds),
        T(step_begin__top_level__running_and_linked),
        T(step_end__status_detail_time__set),
        T(step_end__null_fmt__no_detail),
        T(step_note__several_lines__joined_with_newline),
        T(step_begin__nested__tree_in_order),
        T(finding_new__defaults_from_code_table),
        T(finding_new__info_code__no_remediation),
        T(finding_add__several__kept_in_order),
        T(finding_severity__override__replaces_default),
        T(finding_fix__override__replaces_remediation),
        T(evidence__each_kind__stored_in_order),
        T(evidence_list__items__copied),
        T(evidence_list__empty__zero_items),
        T(evidence_str__null_value__empty_string),
        T(evidence_private__redact__masked_else_kept),
        T(model__invalid_utf8__cleaned_everywhere),
        T(model__long_strings__capped_by_value_max),
        T(events__writer_calls__emitted_in_order),
        T(emit__direct_call__passes_every_field),
        T(events__emit_null__writes_still_work),
        T(events__check_without_target__writes_still_work),
        T(check_rollup__empty__pass),
        T(check_rollup__info_findings__pass),
        T(check_rollup__warn_finding__warn),
        T(check_rollup__fail_finding_over_warn__fail),
        T(check_rollup__failed_step__fail),
        T(check_rollup__failed_nested_step__fail),
        T(check_rollup__skipped_step__ignored),
        T(check_rollup__warn_downgraded_to_info__pass),
        T(check_rollup__skipped_check__skip),
        cmocka_unit_test(run_exit_code__all_pass_or_info__0),
        cmocka_unit_test(run_exit_code__a_warning__1),
        cmocka_unit_test(run_exit_code__a_failure__2),
        cmocka_unit_test(run_exit_code__only_skips__3),
        cmocka_unit_test(run_exit_code__unknown_between_fail_and_warn),
        cmocka_unit_test(run_exit_code__worst_over_targets__2),
        cmocka_unit_test(run_exit_code__no_targets__3),
        cmocka_unit_test(target_rollup__skip_ignored_info_is_pass),
        cmocka_unit_test(targets_without_checks__counted_from_kept),
        T(check_clear__full_check__everything_freed_and_reusable),
        T(target_finding__done_check_only),
        T(steps_sort__subset_takes_its_places__others_stay),
    };

    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
