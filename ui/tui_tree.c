/*
 * tui_tree.c — the visible tree: targets (when more than one) → checks →
 * steps → sub-steps, each finding shown under the step it was found in
 * (or under its check). Rows are rebuilt from the model whenever an event
 * made them stale; what is open is remembered by position (check + path
 * of step indices) so it survives a rerun; the cursor is remembered by
 * node and falls back to the nearest visible ancestor.
 *
 * A node is open by default when it is running (the tree fills in live)
 * or has a problem (a warning or a failure), until the user says otherwise.
 */
#include "tui_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
tui_check_running(const struct xp_check *c)
{
    return c->started && !c->done;
}

int
tui_run_busy(const struct xp_run *run)
{
    size_t i, k;

    if (!run)
        return 1;
    for (i = 0; i < run->ntargets; i++) {
        const struct xp_target *t = run->targets[i];

        if (t->started && !t->done)
            return 1;
        for (k = 0; k < t->nchecks; k++)
            if (tui_check_running(t->checks[k]))
                return 1;
    }
    return 0;
}

static enum xp_status
check_status(const struct xp_check *c)
{
    if (!c->started)
        return XP_ST_PENDING;
    if (!c->done)
        return XP_ST_RUNNING;
    return c->status;
}

enum xp_status
tui_row_status(const struct tui *ui, const struct tui_row *row)
{
    const struct xp_target *t;

    switch (row->kind) {
    case ROW_TARGET:
        t = ui->run->targets[row->ti];
        if (!t->started)
            return XP_ST_PENDING;
        return t->done ? xp_target_rollup(t) : XP_ST_RUNNING;
    case ROW_CHECK:
        return check_status(row->c);
    case ROW_STEP:
        return row->s->status;
    default:
        return xp_status_of_severity(row->f->severity);
    }
}

static int
is_problem(enum xp_status st)
{
    return st == XP_ST_WARN || st == XP_ST_FAIL || st == XP_ST_UNKNOWN;
}

/* A finding's severity counts against the step it was found in. */
static int
step_problem(const struct xp_check *c, const struct xp_step *s)
{
    const struct xp_step *k;
    const struct xp_finding *f;

    if (is_problem(s->status))
        return 1;
    for (f = c->findings; f; f = f->next)
        if (f->step == s && f->severity != XP_SEV_INFO)
            return 1;
    for (k = s->children; k; k = k->next)
        if (step_problem(c, k))
            return 1;
    return 0;
}

static int
check_problem(const struct xp_check *c)
{
    if (c->done)
        return is_problem(c->status);
    return c->started && is_problem(xp_check_rollup(c));
}

int
tui_row_problem(const struct tui_row *row)
{
    switch (row->kind) {
    case ROW_TARGET:
        return 0;
    case ROW_CHECK:
        return check_problem(row->c);
    case ROW_STEP:
        return is_problem(row->s->status);
    default:
        return row->f->severity != XP_SEV_INFO;
    }
}

/* ---- what is open ---- */

static int
fold_match(const struct tui_fold *fd, const struct tui_row *row)
{
    return fd->kind == row->kind && fd->ti == row->ti && fd->c == row->c &&
           fd->plen == row->plen &&
           (!row->plen ||
            memcmp(fd->path, row->path, (size_t)row->plen * sizeof(row->path[0])) == 0);
}

static int
default_open(const struct tui_row *row)
{
    switch (row->kind) {
    case ROW_TARGET:
        return 0;   /* several targets start closed: each one line with its counts */
    case ROW_CHECK:
        return tui_check_running(row->c) || check_problem(row->c);
    case ROW_STEP:
        return row->s->status == XP_ST_RUNNING || step_problem(row->c, row->s);
    default:
        return 0;
    }
}

static int
is_open(const struct tui *ui, const struct tui_row *row)
{
    size_t i;

    if (ui->expand_all)
        return 1;
    for (i = 0; i < ui->nfolds; i++)
        if (fold_match(&ui->folds[i], row))
            return ui->folds[i].open;
    return default_open(row);
}

void
tui_set_open(struct tui *ui, const struct tui_row *row, int open)
{
    struct tui_fold *fd = NULL;
    size_t i;

    for (i = 0; i < ui->nfolds; i++)
        if (fold_match(&ui->folds[i], row))
            fd = &ui->folds[i];
    if (!fd) {
        if (ui->nfolds == ui->capfolds) {
            ui->capfolds = ui->capfolds ? ui->capfolds * 2 : 32;
            ui->folds = xrealloc(ui->folds, ui->capfolds * sizeof(*ui->folds));
        }
        fd = &ui->folds[ui->nfolds++];
        memset(fd, 0, sizeof(*fd));
        fd->kind = row->kind;
        fd->ti = row->ti;
        fd->c = row->c;
        fd->plen = row->plen;
        memcpy(fd->path, row->path, sizeof(fd->path));
    }
    fd->open = open;
    ui->rows_stale = 1;
    ui->dirty = 1;
}

/* ---- building ---- */

static struct tui_row *
add_row(struct tui *ui, enum tui_row_kind kind, int depth, size_t ti)
{
    struct tui_row *row;

    if (ui->nrows == ui->caprows) {
        ui->caprows = ui->caprows ? ui->caprows * 2 : 64;
        ui->rows = xrealloc(ui->rows, ui->caprows * sizeof(*ui->rows));
    }
    row = &ui->rows[ui->nrows++];
    memset(row, 0, sizeof(*row));
    row->kind = kind;
    row->depth = depth;
    row->ti = ti;
    return row;
}

static int
has_findings_at(const struct xp_check *c, const struct xp_step *s)
{
    const struct xp_finding *f;

    for (f = c->findings; f; f = f->next)
        if (f->step == s)
            return 1;
    return 0;
}

static void
add_findings(struct tui *ui, size_t ti, const struct xp_check *c, const struct xp_step *s,
             int depth)
{
    const struct xp_finding *f;

    for (f = c->findings; f; f = f->next) {
        struct tui_row *row;

        if (f->step != s || (ui->filter_problems && f->severity == XP_SEV_INFO))
            continue;
        row = add_row(ui, ROW_FINDING, depth, ti);
        row->c = c;
        row->s = s;
        row->f = f;
    }
}

static void
add_steps(struct tui *ui, size_t ti, const struct xp_check *c, const struct xp_step *s,
          int depth, const unsigned short *path, int plen)
{
    unsigned short idx = 0;

    for (; s; s = s->next, idx++) {
        struct tui_row *row;

        if (ui->filter_problems && !step_problem(c, s))
            continue;
        row = add_row(ui, ROW_STEP, depth, ti);
        row->c = c;
        row->s = s;
        row->plen = plen < TUI_MAX_DEPTH ? plen + 1 : TUI_MAX_DEPTH;
        if (row->plen > 1)
            memcpy(row->path, path, (size_t)(row->plen - 1) * sizeof(path[0]));
        row->path[row->plen - 1] = idx;
        row->expandable = s->children || has_findings_at(c, s);
        row->open = row->expandable && is_open(ui, row);
        if (!row->open)
            continue;
        /* add_* may move the rows array: copy what is still needed. */
        {
            unsigned short sub[TUI_MAX_DEPTH];
            int sublen = row->plen;

            memcpy(sub, row->path, sizeof(sub));
            add_steps(ui, ti, c, s->children, depth + 1, sub, sublen);
            add_findings(ui, ti, c, s, depth + 1);
        }
    }
}

static void
add_check(struct tui *ui, size_t ti, const struct xp_check *c, int depth)
{
    struct tui_row *row;

    if (ui->filter_problems && !check_problem(c))
        return;
    row = add_row(ui, ROW_CHECK, depth, ti);
    row->c = c;
    row->expandable = c->steps || c->findings || c->skip_reason;
    row->open = row->expandable && is_open(ui, row);
    if (!row->open)
        return;
    add_steps(ui, ti, c, c->steps, depth + 1, NULL, 0);
    add_findings(ui, ti, c, NULL, depth + 1);
}

static int
target_problem(const struct xp_target *t)
{
    size_t k;

    for (k = 0; k < t->nchecks; k++)
        if (check_problem(t->checks[k]))
            return 1;
    return 0;
}

static int
ref_is_row(const struct tui_ref *ref, const struct tui_row *row)
{
    return ref->kind == row->kind && ref->ti == row->ti && ref->c == row->c &&
           (row->kind != ROW_STEP || ref->s == row->s) &&
           (row->kind != ROW_FINDING || ref->f == row->f);
}

static int
find_ref(const struct tui *ui, const struct tui_ref *ref, size_t *idx)
{
    size_t i;

    for (i = 0; i < ui->nrows; i++) {
        if (ref_is_row(ref, &ui->rows[i])) {
            *idx = i;
            return 1;
        }
    }
    return 0;
}

/* Put the cursor back on its node, or the nearest visible ancestor. */
static void
restore_selection(struct tui *ui)
{
    struct tui_ref ref = ui->sel;
    size_t idx;

    if (!ui->nrows) {
        ui->sel_idx = 0;
        return;
    }
    if (!ui->have_sel) {
        tui_select(ui, 0);
        return;
    }
    for (;;) {
        if (find_ref(ui, &ref, &idx)) {
            ui->sel_idx = idx;
            return;
        }
        if (ref.kind == ROW_FINDING) {
            ref.kind = ref.f && ref.f->step ? ROW_STEP : ROW_CHECK;
            ref.s = ref.f ? ref.f->step : NULL;
            ref.f = NULL;
        } else if (ref.kind == ROW_STEP && ref.s && ref.s->parent) {
            ref.s = ref.s->parent;
        } else if (ref.kind == ROW_STEP) {
            ref.kind = ROW_CHECK;
            ref.s = NULL;
        } else if (ref.kind == ROW_CHECK) {
            ref.kind = ROW_TARGET;
            ref.c = NULL;
        } else {
            break;
        }
    }
    if (ui->sel_idx >= ui->nrows)
        ui->sel_idx = ui->nrows - 1;
    tui_select(ui, ui->sel_idx);
}

void
tui_rows_build(struct tui *ui)
{
    const struct xp_run *run = ui->run;
    size_t ti, k;
    int multi;

    ui->nrows = 0;
    ui->rows_stale = 0;
    if (!run)
        return;
    multi = run->ntargets > 1;
    for (ti = 0; ti < run->ntargets; ti++) {
        const struct xp_target *t = run->targets[ti];

        if (multi) {
            struct tui_row *row;

            if (ui->filter_problems && !target_problem(t))
                continue;
            row = add_row(ui, ROW_TARGET, 0, ti);
            row->expandable = t->nchecks > 0;
            row->open = row->expandable && is_open(ui, row);
            if (!row->open)
                continue;
        }
        for (k = 0; k < t->nchecks; k++)
            add_check(ui, ti, t->checks[k], multi);
    }
    restore_selection(ui);
}

void
tui_rows_fresh(struct tui *ui)
{
    if (ui->rows_stale)
        tui_rows_build(ui);
}

void
tui_select(struct tui *ui, size_t idx)
{
    const struct tui_row *row;

    if (!ui->nrows)
        return;
    if (idx >= ui->nrows)
        idx = ui->nrows - 1;
    row = &ui->rows[idx];
    ui->sel_idx = idx;
    ui->sel.kind = row->kind;
    ui->sel.ti = row->ti;
    ui->sel.c = row->c;
    ui->sel.s = row->s;
    ui->sel.f = row->f;
    ui->have_sel = 1;
    ui->detail_top = 0;
}

/* CHECK_RESET: c's steps and findings are about to be freed. */
void
tui_forget_check(struct tui *ui, const struct xp_check *c)
{
    if (ui->sel.c == c && (ui->sel.s || ui->sel.f)) {
        ui->sel.kind = ROW_CHECK;
        ui->sel.s = NULL;
        ui->sel.f = NULL;
        ui->detail_top = 0;
    }
    /* Every row may point into c: none is used before the rebuild. */
    ui->nrows = 0;
    ui->rows_stale = 1;
}

/* ---- jumping to a node that may be hidden (n, N, /) ---- */

typedef int (*row_pred)(const struct tui_row *row, const void *arg);

/* Open every ancestor of rows[k] of the fully open tree built in rows. */
static void
open_ancestors(struct tui *ui, const struct tui_row *all, size_t k)
{
    int depth = all[k].depth;
    size_t i;

    for (i = k; i-- > 0 && depth > 0;) {
        if (all[i].depth < depth) {
            struct tui_row copy = all[i];

            depth = copy.depth;
            tui_set_open(ui, &copy, 1);
        }
    }
}

/*
 * The next row after the cursor (or before it, dir < 0) that satisfies
 * pred, searched in the tree with every node open; found, its ancestors
 * are opened and the cursor put on it. The cursor's node is found in the
 * open tree by the same reference the rows keep it by.
 */
static int
goto_row(struct tui *ui, int dir, row_pred pred, const void *arg)
{
    struct tui_row *all;
    size_t n, i, from = 0, idx;
    long hit = -1;

    ui->expand_all = 1;
    tui_rows_build(ui);
    ui->expand_all = 0;
    n = ui->nrows;
    all = xcalloc(n + 1, sizeof(*all));
    memcpy(all, ui->rows, n * sizeof(*all));
    if (ui->have_sel && find_ref(ui, &ui->sel, &idx))
        from = idx;
    for (i = 1; i <= n && n; i++) {
        size_t k = (from + (dir > 0 ? i : n - i % n)) % n;

        if (pred(&all[k], arg)) {
            hit = (long)k;
            break;
        }
    }
    if (hit >= 0) {
        struct tui_ref ref = { all[hit].kind, all[hit].ti, all[hit].c, all[hit].s, all[hit].f };

        open_ancestors(ui, all, (size_t)hit);
        ui->sel = ref;
        ui->have_sel = 1;
    }
    free(all);
    tui_rows_build(ui);
    return hit >= 0;
}

static int
is_problem_finding(const struct tui_row *row, const void *arg)
{
    (void)arg;
    return row->kind == ROW_FINDING && row->f->severity != XP_SEV_INFO;
}

int
tui_goto_problem(struct tui *ui, int dir)
{
    return goto_row(ui, dir, is_problem_finding, NULL);
}

static int
contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; hay && *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

static int
row_matches(const struct tui_row *row, const void *arg)
{
    const char *needle = arg;

    switch (row->kind) {
    case ROW_CHECK:
        return contains_ci(row->c->ops->id, needle) || contains_ci(row->c->ops->title, needle);
    case ROW_STEP:
        return contains_ci(row->s->title, needle) || contains_ci(row->s->detail, needle);
    case ROW_FINDING:
        return contains_ci(xp_code_info(row->f->code)->name, needle) ||
               contains_ci(row->f->message, needle) || contains_ci(row->f->remediation, needle);
    default:
        return 0;
    }
}

int
tui_goto_match(struct tui *ui, const char *needle)
{
    return *needle && goto_row(ui, 1, row_matches, needle);
}
