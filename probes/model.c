/*
 * model.c — constructors, the writer API checks use, status roll-up and the
 * exit code. Every write emits its reporter event here, in one place.
 */
#include "xp_model.h"
#include "xp_check.h"
#include "xp_facts.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
    [XP_ST_PENDING] = "pending", [XP_ST_RUNNING] = "running", [XP_ST_SKIP] = "skip",
    [XP_ST_PASS] = "pass",       [XP_ST_INFO] = "info",       [XP_ST_WARN] = "warn",
    [XP_ST_FAIL] = "fail",       [XP_ST_UNKNOWN] = "unknown",
};

const char *
xp_status_name(enum xp_status st)
{
    return status_names[st];
}

enum xp_status
xp_status_of_severity(enum xp_severity sev)
{
    switch (sev) {
    case XP_SEV_FAIL:
        return XP_ST_FAIL;
    case XP_SEV_WARN:
        return XP_ST_WARN;
    case XP_SEV_UNKNOWN:
        return XP_ST_UNKNOWN;
    default:
        return XP_ST_INFO;
    }
}

/* Rank for roll-up (SPEC): fail > unknown > warn > pass; info counts as a
 * pass, skip below both. */
static int
rank(enum xp_status st)
{
    switch (st) {
    case XP_ST_FAIL:
        return 6;
    case XP_ST_UNKNOWN:
        return 5;
    case XP_ST_WARN:
        return 4;
    case XP_ST_PASS:
    case XP_ST_INFO:
        return 3;
    case XP_ST_SKIP:
        return 2;
    default:
        return 1;
    }
}

enum xp_status
xp_status_worst(enum xp_status a, enum xp_status b)
{
    return rank(b) > rank(a) ? b : a;
}

/* The cap of one string in c's run (xp_params.value_max). */
static size_t
value_max(const struct xp_check *c)
{
    const struct xp_run *run = c && c->target ? c->target->run : NULL;

    return run && run->params ? run->params->value_max : xp_params_defaults.value_max;
}

static char *
clean(const struct xp_check *c, const char *s)
{
    return s ? xp_utf8_clean(s, strlen(s), value_max(c)) : NULL;
}

static char *vclean(const struct xp_check *c, const char *fmt, va_list ap) XP_PRINTF(2, 0);

static char *
vclean(const struct xp_check *c, const char *fmt, va_list ap)
{
    char *raw = xvasprintf(fmt, ap);
    char *s = clean(c, raw);

    free(raw);
    return s;
}

void
xp_emit(struct xp_run *run, enum xp_evtype type, struct xp_target *t, struct xp_check *c,
        const struct xp_step *s, const struct xp_finding *f)
{
    struct xp_event ev = {
        .type = type, .run = run, .target = t, .check = c, .step = s, .finding = f,
    };

    if (run && run->emit)
        run->emit(run->emit_ctx, &ev);
}

static struct xp_run *
run_of(struct xp_check *c)
{
    return c->target ? c->target->run : NULL;
}

struct xp_step *
xp_step_begin(struct xp_check *c, struct xp_step *parent, const char *fmt, ...)
{
    struct xp_step *s = xcalloc(1, sizeof(*s));
    va_list ap;

    va_start(ap, fmt);
    s->title = vclean(c, fmt, ap);
    va_end(ap);
    s->status = XP_ST_RUNNING;
    s->t0_us = xp_now_us();
    s->check = c;
    s->parent = parent;
    if (parent) {
        if (parent->last_child)
            parent->last_child->next = s;
        else
            parent->children = s;
        parent->last_child = s;
    } else {
        if (c->last_step)
            c->last_step->next = s;
        else
            c->steps = s;
        c->last_step = s;
    }
    xp_emit(run_of(c), XP_EV_STEP_BEGIN, c->target, c, s, NULL);
    return s;
}

static void add_detail(struct xp_step *s, const char *fmt, va_list ap) XP_PRINTF(2, 0);

static void
add_detail(struct xp_step *s, const char *fmt, va_list ap)
{
    char *line = vclean(s->check, fmt, ap);

    if (s->detail) {
        char *joined = xasprintf("%s\n%s", s->detail, line);

        free(s->detail);
        free(line);
        s->detail = joined;
    } else {
        s->detail = line;
    }
}

void
xp_step_end(struct xp_step *s, enum xp_status st, const char *fmt, ...)
{
    va_list ap;

    if (fmt) {
        va_start(ap, fmt);
        add_detail(s, fmt, ap);
        va_end(ap);
    }
    s->status = st;
    s->t1_us = xp_now_us();
    xp_emit(run_of(s->check), XP_EV_STEP_END, s->check->target, s->check, s, NULL);
}

void
xp_step_note(struct xp_step *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_detail(s, fmt, ap);
    va_end(ap);
}

struct xp_finding *
xp_finding_new(struct xp_check *c, const struct xp_step *step, enum xp_code code,
               const char *fmt, ...)
{
    struct xp_finding *f = xcalloc(1, sizeof(*f));
    const struct xp_code_info *info = xp_code_info(code);
    va_list ap;

    f->code = code;
    f->severity = info->severity;
    va_start(ap, fmt);
    f->message = vclean(c, fmt, ap);
    va_end(ap);
    f->remediation = info->fix ? xstrdup(info->fix) : NULL;
    f->step = step;
    f->check = c;
    return f;
}

void
xp_finding_severity(struct xp_finding *f, enum xp_severity sev)
{
    f->severity = sev;
}

void
xp_finding_about(struct xp_finding *f, unsigned about)
{
    f->about |= about;
}

void
xp_finding_fix(struct xp_finding *f, const char *fmt, ...)
{
    va_list ap;

    free(f->remediation);
    va_start(ap, fmt);
    f->remediation = vclean(f->check, fmt, ap);
    va_end(ap);
}

void
xp_finding_add(struct xp_finding *f)
{
    struct xp_check *c = f->check;
    const struct xp_run *run = run_of(c);
    const unsigned char *ignored = run ? run->ignored : NULL;

    /* The user asked not to be warned about this code (a known, accepted
     * state): it stays in the report, as information, marked suppressed. */
    f->original_severity = f->severity;
    if (ignored && ignored[f->code] && f->severity > XP_SEV_INFO) {
        f->suppressed = 1;
        f->severity = XP_SEV_INFO;
    }

    if (c->last_finding)
        c->last_finding->next = f;
    else
        c->findings = f;
    c->last_finding = f;
    c->nfindings++;
    xp_emit(run_of(c), XP_EV_FINDING, c->target, c, f->step, f);
}

static struct xp_evidence *
ev_new(struct xp_finding *f, const char *key, enum xp_ev_kind kind)
{
    struct xp_evidence *e = xcalloc(1, sizeof(*e));

    e->key = clean(f->check, key);
    e->kind = kind;
    if (f->last_evidence)
        f->last_evidence->next = e;
    else
        f->evidence = e;
    f->last_evidence = e;
    return e;
}

void
xp_ev_str(struct xp_finding *f, const char *key, const char *value)
{
    xp_ev_strn(f, key, value ? value : "", value ? strlen(value) : 0);
}

const char *
xp_private(const struct xp_check *c, const char *value)
{
    return c && c->target && c->target->run && c->target->run->redact ? XP_REDACTED : value;
}

void
xp_ev_private(struct xp_finding *f, const char *key, const char *value)
{
    xp_ev_str(f, key, xp_private(f->check, value));
}

void
xp_ev_strn(struct xp_finding *f, const char *key, const char *value, size_t n)
{
    ev_new(f, key, XP_EVK_STR)->str = xp_utf8_clean(value, n, value_max(f->check));
}

void
xp_ev_int(struct xp_finding *f, const char *key, long long value)
{
    ev_new(f, key, XP_EVK_INT)->num = value;
}

void
xp_ev_list(struct xp_finding *f, const char *key, char *const *items, size_t n)
{
    struct xp_evidence *e = ev_new(f, key, XP_EVK_LIST);
    size_t i;

    e->items = xcalloc(n ? n : 1, sizeof(char *));
    for (i = 0; i < n; i++)
        e->items[i] = clean(f->check, items[i]);
    e->nitems = n;
}

static enum xp_status
steps_worst(const struct xp_step *s)
{
    enum xp_status worst = XP_ST_PASS;

    for (; s; s = s->next) {
        if (s->status != XP_ST_SKIP)
            worst = xp_status_worst(worst, s->status);
        worst = xp_status_worst(worst, steps_worst(s->children));
    }
    return worst;
}

static int
step_in(const struct xp_step *s, struct xp_step *const *set, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (set[i] == s)
            return 1;
    return 0;
}

void
xp_check_steps_sort(struct xp_check *c, struct xp_step *parent, struct xp_step *const *subset,
                    size_t n)
{
    struct xp_step **head = parent ? &parent->children : &c->steps;
    struct xp_step **tail = parent ? &parent->last_child : &c->last_step;
    struct xp_step **all, *s;
    size_t count = 0, i, k = 0;

    for (s = *head; s; s = s->next)
        count++;
    all = xcalloc(count ? count : 1, sizeof(*all));
    /* Each place a subset step holds gets the next one in the order given. */
    for (s = *head, i = 0; s; s = s->next, i++)
        all[i] = step_in(s, subset, n) && k < n ? subset[k++] : s;
    if (k == n && count) {     /* else some are not among these steps: as is */
        for (i = 0; i < count; i++)
            all[i]->next = i + 1 < count ? all[i + 1] : NULL;
        *head = all[0];
        *tail = all[count - 1];
    }
    free(all);
}

enum xp_status
xp_step_children_worst(const struct xp_step *s)
{
    enum xp_status worst = steps_worst(s->children);

    return worst == XP_ST_INFO ? XP_ST_PASS : worst;
}

enum xp_status
xp_check_rollup(const struct xp_check *c)
{
    enum xp_status worst;
    const struct xp_finding *f;

    if (c->status == XP_ST_SKIP)
        return XP_ST_SKIP;
    worst = steps_worst(c->steps);
    /* Every failed or warned step has a finding that explains it; once one
     * is suppressed the steps no longer speak for the check: its findings do. */
    for (f = c->findings; f; f = f->next)
        if (f->suppressed)
            worst = XP_ST_PASS;
    for (f = c->findings; f; f = f->next)
        worst = xp_status_worst(worst, xp_status_of_severity(f->severity));
    /* A check reports pass/warn/fail/unknown/skip: info is a pass. */
    return worst == XP_ST_INFO || worst == XP_ST_RUNNING || worst == XP_ST_PENDING
               ? XP_ST_PASS : worst;
}

/* SPEC: when no check reached a verdict (all skipped), the target's
 * status is unknown, never a pass. */
enum xp_status
xp_target_rollup(const struct xp_target *t)
{
    enum xp_status worst = XP_ST_UNKNOWN;
    int judged = 0;
    size_t i;

    if (!t->checks && t->done)
        return t->status;       /* reported and released: its checks are gone */
    for (i = 0; i < t->nchecks; i++) {
        if (t->checks[i]->status == XP_ST_SKIP)
            continue;
        worst = judged ? xp_status_worst(worst, t->checks[i]->status) : t->checks[i]->status;
        judged = 1;
    }
    return worst == XP_ST_INFO || worst == XP_ST_PENDING || worst == XP_ST_RUNNING
               ? XP_ST_PASS : worst;
}

enum xp_status
xp_run_rollup(const struct xp_run *run)
{
    enum xp_status worst = XP_ST_UNKNOWN;
    size_t i;

    for (i = 0; i < run->ntargets; i++) {
        enum xp_status st = xp_target_rollup(run->targets[i]);

        worst = i ? xp_status_worst(worst, st) : st;
    }
    return worst;
}

/* One more result of status st in n (pass and info count as pass). */
static void
count_status(struct xp_counts *n, enum xp_status st)
{
    switch (st) {
    case XP_ST_FAIL:
        n->fail++;
        break;
    case XP_ST_UNKNOWN:
        n->unknown++;
        break;
    case XP_ST_WARN:
        n->warn++;
        break;
    case XP_ST_SKIP:
        n->skip++;
        break;
    default:
        n->pass++;
        break;
    }
}

static void
add_target_checks(const struct xp_target *t, struct xp_counts *n)
{
    size_t i;

    if (!t->checks) {           /* not in memory: what they were (xp_model.h) */
        n->pass += t->kept.pass;
        n->warn += t->kept.warn;
        n->fail += t->kept.fail;
        n->unknown += t->kept.unknown;
        n->skip += t->kept.skip;
        n->running += t->kept.running;
        n->waiting += t->kept.waiting;
        return;
    }
    for (i = 0; i < t->nchecks; i++) {
        const struct xp_check *c = t->checks[i];

        if (!c->started)
            n->waiting++;
        else if (!c->done)
            n->running++;
        else
            count_status(n, c->status);
    }
}

void
xp_target_counts(const struct xp_target *t, struct xp_counts *n)
{
    memset(n, 0, sizeof(*n));
    add_target_checks(t, n);
}

void
xp_run_check_counts(const struct xp_run *run, struct xp_counts *n)
{
    size_t i;

    memset(n, 0, sizeof(*n));
    for (i = 0; i < run->ntargets; i++)
        add_target_checks(run->targets[i], n);
}

void
xp_run_target_counts(const struct xp_run *run, struct xp_counts *n)
{
    size_t i;

    memset(n, 0, sizeof(*n));
    for (i = 0; i < run->ntargets; i++)
        count_status(n, xp_target_rollup(run->targets[i]));
}

const char *
xp_status_upper(enum xp_status st)
{
    switch (st) {
    case XP_ST_FAIL:
        return "FAIL";
    case XP_ST_UNKNOWN:
        return "UNKNOWN";
    case XP_ST_WARN:
        return "WARN";
    case XP_ST_SKIP:
        return "SKIP";
    default:
        return "PASS";
    }
}

int
xp_exit_code_of(enum xp_status st)
{
    switch (st) {
    case XP_ST_FAIL:
        return XP_EXIT_FAIL;
    case XP_ST_UNKNOWN:
        return XP_EXIT_UNKNOWN;
    case XP_ST_WARN:
        return XP_EXIT_WARN;
    default:
        return XP_EXIT_OK;
    }
}

int
xp_run_exit_code(const struct xp_run *run)
{
    return xp_exit_code_of(xp_run_rollup(run));
}

int64_t
xp_duration_ms(int64_t t0_us, int64_t t1_us)
{
    if (!t0_us)
        return 0;
    if (!t1_us)
        t1_us = xp_now_us();
    return (t1_us - t0_us) / 1000;
}

static void
steps_free(struct xp_step *s)
{
    struct xp_step *next;

    for (; s; s = next) {
        next = s->next;
        steps_free(s->children);
        free(s->title);
        free(s->detail);
        free(s);
    }
}

static void
finding_free(struct xp_finding *f)
{
    struct xp_evidence *e, *en;
    size_t i;

    for (e = f->evidence; e; e = en) {
        en = e->next;
        free(e->key);
        free(e->str);
        for (i = 0; i < e->nitems; i++)
            free(e->items[i]);
        free(e->items);
        free(e);
    }
    free(f->message);
    free(f->remediation);
    free(f);
}

void
xp_finding_discard(struct xp_finding *f)
{
    if (f)
        finding_free(f);
}

void
xp_check_clear(struct xp_check *c)
{
    struct xp_finding *f, *fn;

    steps_free(c->steps);
    c->steps = c->last_step = NULL;
    for (f = c->findings; f; f = fn) {
        fn = f->next;
        finding_free(f);
    }
    c->findings = c->last_finding = NULL;
    c->nfindings = 0;
    free(c->skip_reason);
    c->skip_reason = NULL;
}

static void
target_free(struct xp_target *t)
{
    size_t k;

    for (k = 0; k < t->nchecks; k++) {
        struct xp_check *c = t->checks[k];

        if (c->ops->free_state && c->state)
            c->ops->free_state(c);
        xp_check_clear(c);
        free(c);
    }
    free(t->checks);
    xp_facts_free(t->facts);
    free(t->input);
    free(t->invalid);
    free(t->domain);
    free(t->email);
    free(t);
}

void
xp_run_drop_targets(struct xp_run *run, size_t keep)
{
    while (run->ntargets > keep)
        target_free(run->targets[--run->ntargets]);
}

void
xp_run_free(struct xp_run *run)
{
    if (!run)
        return;
    xp_run_drop_targets(run, 0);
    free(run->targets);
    free(run);
}

struct xp_check *
xp_target_check(const struct xp_target *t, const char *id)
{
    size_t i;

    for (i = 0; i < t->nchecks; i++)
        if (strcmp(t->checks[i]->ops->id, id) == 0)
            return t->checks[i];
    return NULL;
}

const struct xp_finding *
xp_target_finding(const struct xp_target *t, const char *id, enum xp_code code)
{
    const struct xp_check *c = xp_target_check(t, id);
    const struct xp_finding *f;

    for (f = c && c->done && !c->skip_reason ? c->findings : NULL; f; f = f->next)
        if (f->code == code)
            return f;
    return NULL;
}

int
xp_check_problems(const struct xp_check *c)
{
    const struct xp_finding *f;
    int n = 0;

    for (f = c->findings; f; f = f->next)
        if (f->severity != XP_SEV_INFO)
            n++;
    return n;
}
