/*
 * tui.c — the interactive session (-i): the reporter glue (events set
 * flags, tick paints), the terminal's life (start in xp_tui_attach, restore
 * on quit, Ctrl-C, SIGTERM, xp_fatal, exit and crash signals), keyboard
 * input read from a loop watcher on stdin, and the actions keys map to
 * (tui_keys.c): move, open, details, rerun, filter, pre-flight, save, help,
 * quit. Actions never draw and never run the engine: reruns are queued
 * here and handed to xp_engine_rerun from tick, which the engine defers.
 */
#define _GNU_SOURCE
#include "tui_int.h"
#include "xp_atomic.h"
#include "xp_loop.h"
#include "xp_preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- terminal safety: what a signal handler may do (async-signal-safe) ---- */

static struct termios saved_tios;
static int saved_tios_ok;
static char restore_seq[256];   /* rmkx, sgr0, cnorm, rmcup from terminfo */
static size_t restore_len;
static volatile sig_atomic_t term_active;
static struct tui *the_tui;     /* for xp_fatal and atexit, which take no argument */
static int winch_pipe[2] = { -1, -1 };
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction old_crash[XP_ARRAY_LEN(crash_signals)];
static struct sigaction old_winch;

static void
restore_raw(void)
{
    if (!term_active)
        return;
    term_active = 0;
    if (restore_len && write(STDOUT_FILENO, restore_seq, restore_len) < 0) {
        /* nothing more can be done from a signal handler */
    }
    if (saved_tios_ok)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tios);
}

static void
on_crash(int sig, siginfo_t *si, void *ctx)
{
    size_t i;

    (void)ctx;
    restore_raw();
    for (i = 0; i < XP_ARRAY_LEN(crash_signals); i++)
        if (crash_signals[i] == sig)
            sigaction(sig, &old_crash[i], NULL);
    /* A real fault re-faults on return and reaches the previous handler
     * (ASan's, or the default) with its true address; a sent one is
     * raised again. */
    if (si->si_code <= 0 || sig == SIGABRT)
        raise(sig);
}

static void
on_winch(int sig)
{
    int saved = errno;
    char c = 1;

    (void)sig;
    if (winch_pipe[1] >= 0 && write(winch_pipe[1], &c, 1) < 0) {
        /* the pipe is full: a wake-up is already pending */
    }
    errno = saved;
}

/* Save what restoring the terminal needs, before curses changes it. */
static void
save_terminal(void)
{
    saved_tios_ok = tcgetattr(STDIN_FILENO, &saved_tios) == 0;
}

static void
add_restore_cap(const char *cap)
{
    char *s = tigetstr((char *)cap);
    size_t n;

    if (!s || s == (char *)-1)
        return;
    n = strlen(s);
    if (restore_len + n < sizeof(restore_seq)) {
        memcpy(restore_seq + restore_len, s, n);
        restore_len += n;
    }
}

/* The normal way back: endwin (also from xp_fatal and atexit). */
static void
stop_terminal(struct tui *ui)
{
    size_t i;

    if (!ui || !ui->active)
        return;
    ui->active = 0;
    term_active = 0;
    endwin();
    if (ui->screen) {
        delscreen(ui->screen);
        ui->screen = NULL;
    }
    for (i = 0; i < XP_ARRAY_LEN(crash_signals); i++)
        sigaction(crash_signals[i], &old_crash[i], NULL);
    sigaction(SIGWINCH, &old_winch, NULL);
    if (ui->loop) {
        xp_loop_unwatch(ui->loop, STDIN_FILENO);
        if (winch_pipe[0] >= 0)
            xp_loop_unwatch(ui->loop, winch_pipe[0]);
    }
    for (i = 0; i < 2; i++) {
        if (winch_pipe[i] >= 0)
            close(winch_pipe[i]);
        winch_pipe[i] = -1;
    }
    xp_set_fatal_hook(NULL);
    the_tui = NULL;
}

static void
fatal_hook(void)
{
    stop_terminal(the_tui);
}

static void
at_exit(void)
{
    stop_terminal(the_tui);
}

/* ---- messages ---- */

static void XP_PRINTF(3, 4)
message(struct tui *ui, enum tui_role role, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ui->msg, sizeof(ui->msg), fmt, ap);
    va_end(ap);
    ui->msg_role = role;
    ui->msg_until = xp_now_us() + TUI_MSG_US;
    ui->dirty = 1;
}

/* ---- reruns: queued by keys, started from tick once their inputs are done ---- */

static struct tui_rerun *
rq_find(struct tui *ui, const struct xp_check *c)
{
    size_t i;

    for (i = 0; i < ui->nrq; i++)
        if (ui->rq[i].c == c)
            return &ui->rq[i];
    return NULL;
}

static int
uses(const struct xp_check *c, const char *id)
{
    const char *const *a;

    for (a = c->ops->after; a && *a; a++)
        if (strcmp(*a, id) == 0)
            return 1;
    return 0;
}

/* Queue c and, after it, every started check that uses its results. */
static int
queue_rerun(struct tui *ui, struct xp_check *c)
{
    const struct xp_target *t = c->target;
    struct tui_rerun *r = rq_find(ui, c);
    size_t i;
    int n = 0;

    if (!c->started)
        return 0;
    if (!r) {
        if (ui->nrq == ui->caprq) {
            ui->caprq = ui->caprq ? ui->caprq * 2 : 16;
            ui->rq = xrealloc(ui->rq, ui->caprq * sizeof(*ui->rq));
        }
        ui->rq[ui->nrq++] = (struct tui_rerun){ .c = c, .state = RQ_WAITING };
        n++;
    } else if (r->state != RQ_WAITING) {
        r->state = RQ_WAITING;   /* again, once the current run of it ends */
    }
    for (i = 0; i < t->nchecks; i++)
        if (t->checks[i] != c && uses(t->checks[i], c->ops->id) && !rq_find(ui, t->checks[i]))
            n += queue_rerun(ui, t->checks[i]);
    return n;
}

/* Can c start again: no check it uses is queued, asked for or running? */
static int
inputs_ready(struct tui *ui, const struct xp_check *c)
{
    const char *const *a;

    for (a = c->ops->after; a && *a; a++) {
        struct xp_check *d = xp_target_check(c->target, *a);

        if (d && (rq_find(ui, d) || (d->started && !d->done)))
            return 0;
    }
    return 1;
}

static void
run_queue(struct tui *ui)
{
    size_t i;

    for (i = 0; i < ui->nrq; i++) {
        struct tui_rerun *r = &ui->rq[i];

        if (r->state == RQ_WAITING && !tui_check_running(r->c) && inputs_ready(ui, r->c)) {
            r->state = RQ_ASKED;
            xp_engine_rerun(ui->engine, r->c);
        }
    }
}

/* A check of the queue began or ended (from event: bookkeeping only). */
static void
queue_event(struct tui *ui, const struct xp_event *ev)
{
    struct tui_rerun *r = rq_find(ui, ev->check);

    if (!r)
        return;
    if (ev->type == XP_EV_CHECK_BEGIN && r->state == RQ_ASKED) {
        r->state = RQ_RUNNING;
    } else if (ev->type == XP_EV_CHECK_END && r->state == RQ_RUNNING) {
        *r = ui->rq[--ui->nrq];
    }
}

/* ---- save (s) ---- */

static const struct xp_reporter_ops *
ops_for(const char *path, const char **what)
{
    size_t n = strlen(path);

#define ENDS(ext) (n >= sizeof(ext) - 1 && strcasecmp(path + n - (sizeof(ext) - 1), ext) == 0)
    if (ENDS(".jsonl")) {
        *what = "JSON Lines";
        return &xp_report_jsonl;
    }
    if (ENDS(".json")) {
        *what = "JSON";
        return &xp_report_json;
    }
    if (ENDS(".xml")) {
        *what = "JUnit XML";
        return &xp_report_junit;
    }
#undef ENDS
    *what = "text";
    return &xp_report_text;
}

static void
replay(struct xp_reporter *r, const struct xp_run *run)
{
    struct xp_event ev = { .run = run };
    size_t i, k;
    int all_done = 1;

    ev.type = XP_EV_RUN_BEGIN;
    r->ops->event(r, &ev);
    for (i = 0; i < run->ntargets; i++) {
        const struct xp_target *t = run->targets[i];

        if (!t->started) {
            all_done = 0;
            continue;
        }
        ev = (struct xp_event){ .type = XP_EV_TARGET_BEGIN, .run = run, .target = t };
        r->ops->event(r, &ev);
        for (k = 0; k < t->nchecks; k++) {
            if (!t->checks[k]->done)
                continue;
            ev = (struct xp_event){ .type = XP_EV_CHECK_END, .run = run, .target = t,
                                    .check = t->checks[k] };
            r->ops->event(r, &ev);
        }
        if (t->done) {
            ev = (struct xp_event){ .type = XP_EV_TARGET_END, .run = run, .target = t };
            r->ops->event(r, &ev);
        } else {
            all_done = 0;
        }
    }
    if (all_done) {
        ev = (struct xp_event){ .type = XP_EV_RUN_END, .run = run };
        r->ops->event(r, &ev);
    }
}

/* Write the report as PATH's extension says, as -o does (xp_atomic.h). */
static int
save_report(struct tui *ui, const char *path, const char **what, char *err, size_t errlen)
{
    struct xp_options o = *ui->opts;
    struct xp_reporter r = { 0 };
    struct xp_atomic_file af;

    if (xp_atomic_open(&af, path, err, errlen) < 0)
        return -1;
    o.color = 0;
    o.tui = 0;
    o.progress = 0;
    o.output = path;
    r.ops = ops_for(path, what);
    r.opts = &o;
    r.out = af.fp;
    if (r.ops->open)
        r.ops->open(&r);
    if (r.ops->event)
        replay(&r, ui->run);
    if (r.ops->close)
        r.ops->close(&r, ui->run);
    if (r.ops->free)
        r.ops->free(&r);
    return xp_atomic_commit(&af, err, errlen);
}

static void
prompt_set(struct tui *ui, const char *s)
{
    mbstate_t st;
    size_t n;

    memset(&st, 0, sizeof(st));
    n = mbsrtowcs(ui->prompt, &s, TUI_PROMPT_MAX - 1, &st);
    ui->prompt_len = n == (size_t)-1 ? 0 : n;
    ui->prompt[ui->prompt_len] = L'\0';
    ui->prompt_fresh = 1;   /* a suggestion: typing replaces it, editing keeps it */
}

/* / : find text in the tree (opening what hides it); empty repeats. */
static void
search_submit(struct tui *ui, const char *text)
{
    if (*text)
        snprintf(ui->search, sizeof(ui->search), "%s", text);
    if (!ui->search[0])
        return;
    if (!tui_goto_match(ui, ui->search))
        message(ui, ROLE_DIM, "not found: %s", ui->search);
}

static void
prompt_submit(struct tui *ui)
{
    char path[TUI_PROMPT_MAX * 4], *full = NULL, err[TUI_PROMPT_MAX * 4 + 300];
    const wchar_t *src = ui->prompt;
    const char *what = "";
    mbstate_t st;
    size_t n;

    ui->prompt[ui->prompt_len] = L'\0';
    memset(&st, 0, sizeof(st));
    n = wcsrtombs(path, &src, sizeof(path) - 1, &st);
    ui->overlay = OV_NONE;
    if (ui->prompt_kind == PROMPT_SEARCH && n == 0) {
        search_submit(ui, "");
        return;
    }
    if (n == (size_t)-1 || n == 0) {
        message(ui, ROLE_WARN, "not saved: no file name");
        return;
    }
    path[n] = '\0';
    if (ui->prompt_kind == PROMPT_SEARCH) {
        search_submit(ui, path);
        return;
    }
    if (strcmp(path, "-") == 0) {   /* stdout is this screen */
        message(ui, ROLE_WARN, "not saved: '-' is the terminal; give a file name");
        return;
    }
    if (path[0] == '~' && path[1] == '/' && getenv("HOME"))
        full = xasprintf("%s%s", getenv("HOME"), path + 1);
    if (save_report(ui, full ? full : path, &what, err, sizeof(err)) < 0)
        message(ui, ROLE_FAIL, "not saved: %s", err);
    else
        message(ui, ROLE_PASS, "saved %s report to %s%s", what, full ? full : path,
                tui_run_busy(ui->run) ? " (checks still running: partial)" : "");
    free(full);
}

static void
prompt_key(struct tui *ui, int is_fn, wint_t ch)
{
    if (!is_fn && (ch == '\n' || ch == '\r')) {
        prompt_submit(ui);
    } else if ((is_fn && ch == KEY_ENTER)) {
        prompt_submit(ui);
    } else if (!is_fn && ch == 27) {
        ui->overlay = OV_NONE;
        message(ui, ROLE_DIM, ui->prompt_kind == PROMPT_SAVE ? "not saved" : "");
    } else if ((is_fn && ch == KEY_BACKSPACE) || (!is_fn && (ch == 127 || ch == 8))) {
        if (ui->prompt_len)
            ui->prompt_len--;
    } else if (!is_fn && ch == ('u' & 0x1f)) {
        ui->prompt_len = 0;
    } else if (!is_fn && ch >= 0x20 && ch != 0x7f && ui->prompt_len < TUI_PROMPT_MAX - 1) {
        if (ui->prompt_fresh)
            ui->prompt_len = 0;   /* typing replaces the suggested name */
        ui->prompt[ui->prompt_len++] = (wchar_t)ch;
    }
    ui->prompt_fresh = 0;
    ui->prompt[ui->prompt_len] = L'\0';
}

/* ---- actions ---- */

static const struct tui_row *
sel_row(struct tui *ui)
{
    tui_rows_fresh(ui);
    return ui->nrows ? &ui->rows[ui->sel_idx] : NULL;
}

static void
move_to(struct tui *ui, long idx)
{
    tui_rows_fresh(ui);
    if (!ui->nrows)
        return;
    if (idx < 0)
        idx = 0;
    if ((size_t)idx >= ui->nrows)
        idx = (long)ui->nrows - 1;
    tui_select(ui, (size_t)idx);
}

static void
go_parent(struct tui *ui)
{
    const struct tui_row *row = sel_row(ui);
    size_t i;

    if (!row)
        return;
    for (i = ui->sel_idx; i-- > 0;)
        if (ui->rows[i].depth < row->depth) {
            tui_select(ui, i);
            return;
        }
}

static void
next_problem(struct tui *ui, int dir)
{
    if (!tui_goto_problem(ui, dir))
        message(ui, ROLE_DIM, "no problem found");
}

/* r / R: the status line says when, so a fast re-run is seen to happen. */
static void
stamp_rerun(struct tui *ui)
{
    time_t now = time(NULL);
    struct tm tm;

    ui->reruns++;
    if (localtime_r(&now, &tm))
        strftime(ui->rerun_at, sizeof(ui->rerun_at), "%H:%M:%S", &tm);
}

static void
rerun_selected(struct tui *ui)
{
    const struct tui_row *row = sel_row(ui);
    const struct xp_target *t;
    size_t k;
    int n = 0;

    if (!row || !ui->engine)
        return;
    if (row->kind != ROW_TARGET) {
        if (!row->c->started) {
            message(ui, ROLE_WARN, "%s has not started yet: it waits for the checks it uses",
                    row->c->ops->id);
            return;
        }
        n = queue_rerun(ui, (struct xp_check *)row->c);
        stamp_rerun(ui);
        message(ui, ROLE_INFO, "re-running %s%s", row->c->ops->id,
                n > 1 ? " and the checks that use its results" : "");
        return;
    }
    t = ui->run->targets[row->ti];
    for (k = 0; k < t->nchecks; k++)
        n += queue_rerun(ui, t->checks[k]);
    stamp_rerun(ui);
    message(ui, ROLE_INFO, "re-running every check of %s", t->domain);
}

static void
rerun_all(struct tui *ui)
{
    size_t i, k;

    if (!ui->engine || !ui->run)
        return;
    for (i = 0; i < ui->run->ntargets; i++)
        for (k = 0; k < ui->run->targets[i]->nchecks; k++)
            queue_rerun(ui, ui->run->targets[i]->checks[k]);
    stamp_rerun(ui);
    message(ui, ROLE_INFO, "re-running every check");
}

static void
open_save_prompt(struct tui *ui)
{
    char def[300];
    const char *dom = ui->run && ui->run->ntargets == 1 ? ui->run->targets[0]->domain : "run";

    snprintf(def, sizeof(def), "exprobe-%s.json", dom);
    prompt_set(ui, def);
    ui->prompt_kind = PROMPT_SAVE;
    ui->overlay = OV_PROMPT;
    ui->msg[0] = '\0';
}

static void
open_search_prompt(struct tui *ui)
{
    prompt_set(ui, ui->search);
    ui->prompt_kind = PROMPT_SEARCH;
    ui->overlay = OV_PROMPT;
    ui->msg[0] = '\0';
}

static void
scroll_detail(struct tui *ui, int by)
{
    ui->detail_top += by;
    if (ui->detail_top < 0)
        ui->detail_top = 0;
}

/* Keys while a pane (help, pre-flight) covers the tree: scroll or close. */
static int
overlay_key(struct tui *ui, enum tui_action a)
{
    int page = ui->overlay_h > 2 ? ui->overlay_h - 1 : 1;

    switch (a) {
    case A_UP:
        ui->overlay_top--;
        break;
    case A_DOWN:
        ui->overlay_top++;
        break;
    case A_PGUP:
        ui->overlay_top -= page;
        break;
    case A_PGDN:
        ui->overlay_top += page;
        break;
    case A_HOME:
        ui->overlay_top = 0;
        break;
    case A_END:
        ui->overlay_top = 1 << 20;
        break;
    case A_QUIT:
        return 0;   /* q still quits */
    case A_RESIZE:
    case A_REDRAW:
    case A_NONE:
        return 1;
    case A_PREFLIGHT:
        if (ui->overlay == OV_HELP)
            break;
        /* fall through */
    case A_HELP:
    case A_CLOSE:
    case A_ENTER:
    default:
        ui->overlay = OV_NONE;
        ui->overlay_top = 0;
        break;
    }
    if (ui->overlay_top < 0)
        ui->overlay_top = 0;
    return 1;
}

static void
act(struct tui *ui, enum tui_action a)
{
    const struct tui_row *row;
    int page = ui->tree_h > 1 ? ui->tree_h - 1 : 1;
    int dpage = ui->detail_h > 1 ? ui->detail_h - 1 : 1;

    if ((ui->overlay == OV_HELP || ui->overlay == OV_PREFLIGHT || ui->overlay == OV_CHANGES) &&
        overlay_key(ui, a))
        return;
    if (ui->details_open && ui->focus == FOCUS_DETAIL) {
        switch (a) {
        case A_UP:
            scroll_detail(ui, -1);
            return;
        case A_DOWN:
            scroll_detail(ui, 1);
            return;
        case A_PGUP:
            scroll_detail(ui, -dpage);
            return;
        case A_PGDN:
            scroll_detail(ui, dpage);
            return;
        case A_HOME:
            ui->detail_top = 0;
            return;
        case A_END:
            ui->detail_top = 1 << 20;
            return;
        case A_COLLAPSE:
        case A_CLOSE:
        case A_FOCUS:
            ui->focus = FOCUS_TREE;
            return;
        default:
            break;
        }
    }
    switch (a) {
    case A_UP:
        move_to(ui, (long)ui->sel_idx - 1);
        break;
    case A_DOWN:
        move_to(ui, (long)ui->sel_idx + 1);
        break;
    case A_PGUP:
        move_to(ui, (long)ui->sel_idx - page);
        break;
    case A_PGDN:
        move_to(ui, (long)ui->sel_idx + page);
        break;
    case A_HOME:
        move_to(ui, 0);
        break;
    case A_END:
        move_to(ui, 1L << 30);
        break;
    case A_EXPAND:
        row = sel_row(ui);
        if (!row)
            break;
        if (row->expandable && !row->open)
            tui_set_open(ui, row, 1);
        else if (row->expandable)
            move_to(ui, (long)ui->sel_idx + 1);
        else
            ui->details_open = 1;
        break;
    case A_COLLAPSE:
        row = sel_row(ui);
        if (row && row->expandable && row->open)
            tui_set_open(ui, row, 0);
        else
            go_parent(ui);
        break;
    case A_ENTER:
        row = sel_row(ui);
        if (row && row->expandable)
            tui_set_open(ui, row, !row->open);
        else if (row)
            ui->details_open = 1;
        break;
    case A_DETAILS:
        ui->details_open = !ui->details_open;
        ui->focus = FOCUS_TREE;
        break;
    case A_FOCUS:
        if (ui->details_open)
            ui->focus = ui->focus == FOCUS_TREE ? FOCUS_DETAIL : FOCUS_TREE;
        break;
    case A_NEXT_PROBLEM:
        next_problem(ui, 1);
        break;
    case A_PREV_PROBLEM:
        next_problem(ui, -1);
        break;
    case A_RERUN:
        rerun_selected(ui);
        break;
    case A_RERUN_ALL:
        rerun_all(ui);
        break;
    case A_FILTER:
        ui->filter_problems = !ui->filter_problems;
        ui->rows_stale = 1;
        message(ui, ROLE_INFO, "filter: %s", ui->filter_problems ? "problems only" : "all");
        break;
    case A_SAVE:
        open_save_prompt(ui);
        break;
    case A_SEARCH:
        open_search_prompt(ui);
        break;
    case A_PREFLIGHT:
        ui->overlay = OV_PREFLIGHT;
        ui->overlay_top = 0;
        break;
    case A_CHANGES:
        if (!ui->opts->baseline) {
            message(ui, ROLE_DIM, "no --baseline FILE given: nothing to compare with");
            break;
        }
        ui->overlay = OV_CHANGES;
        ui->overlay_top = 0;
        break;
    case A_HELP:
        ui->overlay = OV_HELP;
        ui->overlay_top = 0;
        break;
    case A_QUIT:
        xp_loop_stop(ui->loop);
        break;
    case A_CLOSE:
        if (ui->details_open)
            ui->details_open = 0;
        ui->msg[0] = '\0';
        break;
    case A_REDRAW:
        clearok(curscr, TRUE);
        break;
    case A_RESIZE:
    case A_NONE:
        break;
    }
}

/* Read every key waiting (nodelay): a burst of input or of resizes is
 * handled in one go and painted once. */
static void
read_keys(struct tui *ui)
{
    wint_t ch;
    int rc;

    while (ui->active && (rc = wget_wch(stdscr, &ch)) != ERR) {
        int is_fn = rc == KEY_CODE_YES;

        if (ui->overlay == OV_PROMPT) {
            if (!(is_fn && ch == KEY_RESIZE))
                prompt_key(ui, is_fn, ch);
        } else {
            if (ui->msg[0] && ch != KEY_RESIZE)
                ui->msg[0] = '\0';
            act(ui, tui_key_action(is_fn, ch));
        }
        ui->dirty = ui->urgent = 1;
    }
}

static void
on_stdin(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    (void)loop;
    (void)fd;
    (void)revents;
    read_keys(arg);
}

static void
on_winch_pipe(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct tui *ui = arg;
    struct winsize ws;
    char buf[64];

    (void)loop;
    (void)revents;
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    if (!ui->active)
        return;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    ui->dirty = ui->urgent = 1;
    read_keys(ui);   /* the KEY_RESIZE resizeterm queued */
}

/* ---- the reporter ---- */

static void
tui_open(struct xp_reporter *r)
{
    struct tui *ui = xcalloc(1, sizeof(*ui));

    ui->opts = r->opts;
    ui->dirty = ui->rows_stale = 1;
    r->priv = ui;
}

static void
tui_event(struct xp_reporter *r, const struct xp_event *ev)
{
    struct tui *ui = r->priv;

    switch (ev->type) {
    case XP_EV_RUN_BEGIN:
        ui->run = ev->run;
        ui->busy = 1;
        ui->busy_t0 = ev->run->t0_us ? ev->run->t0_us : xp_now_us();
        break;
    case XP_EV_CHECK_RESET:
        tui_forget_check(ui, ev->check);
        break;
    case XP_EV_CHECK_BEGIN:
        if (!ui->busy) {
            ui->busy = 1;
            ui->busy_t0 = xp_now_us();
        }
        queue_event(ui, ev);
        break;
    case XP_EV_CHECK_END:
        queue_event(ui, ev);
        /* A re-run has no RUN_END of its own: it is over when nothing runs. */
        if (ui->busy && ui->reruns && !tui_run_busy(ui->run)) {
            ui->busy = 0;
            ui->busy_t1 = xp_now_us();
        }
        break;
    case XP_EV_RUN_END:
        ui->busy = 0;
        ui->busy_t1 = xp_now_us();
        break;
    default:
        break;
    }
    ui->dirty = 1;
    ui->rows_stale = 1;
}

static int64_t
tui_tick(struct xp_reporter *r, int64_t now)
{
    struct tui *ui = r->priv;
    int64_t next = 0;

    if (!ui->active)
        return 0;
    if (ui->nrq)
        run_queue(ui);
    if (ui->msg_until && now >= ui->msg_until) {
        ui->msg[0] = '\0';
        ui->msg_until = 0;
        ui->dirty = 1;
    }
    if (ui->busy && now - ui->last_spin_us >= TUI_SPIN_US) {
        ui->spin++;
        ui->last_spin_us = now;
        ui->dirty = 1;
    }
    if (ui->dirty) {
        if (ui->urgent || now - ui->last_paint_us >= TUI_PAINT_US) {
            tui_paint(ui, now);
            ui->last_paint_us = now;
            ui->dirty = ui->urgent = 0;
        } else {
            next = ui->last_paint_us + TUI_PAINT_US;
        }
    }
    if (ui->busy && (!next || ui->last_spin_us + TUI_SPIN_US < next))
        next = ui->last_spin_us + TUI_SPIN_US;
    if (ui->msg_until && (!next || ui->msg_until < next))
        next = ui->msg_until;
    return next;
}

/* After the session: one line per target on the normal screen, so the
 * verdict stays in the scrollback. */
static void
tui_close(struct xp_reporter *r, const struct xp_run *run)
{
    struct tui *ui = r->priv;
    size_t i;

    stop_terminal(ui);
    for (i = 0; i < run->ntargets; i++) {
        const struct xp_target *t = run->targets[i];
        enum xp_status st = xp_target_rollup(t);
        struct xp_counts n;

        xp_target_counts(t, &n);
        fprintf(r->out,
                "exprobe: %s: %s - %d passed, %d warned, %d failed, %d unknown, %d skipped%s\n",
                t->domain, xp_status_upper(st), n.pass, n.warn, n.fail, n.unknown, n.skip,
                t->interrupted ? " (interrupted)" : "");
    }
}

static void
tui_free(struct xp_reporter *r)
{
    struct tui *ui = r->priv;

    if (!ui)
        return;
    stop_terminal(ui);
    free(ui->rows);
    free(ui->folds);
    free(ui->rq);
    free(ui);
    r->priv = NULL;
}

const struct xp_reporter_ops xp_report_tui = {
    .name = "tui",
    .open = tui_open,
    .event = tui_event,
    .tick = tui_tick,
    .close = tui_close,
    .free = tui_free,
};

int
xp_tui_attach(struct xp_reporter *r, struct xp_engine *engine, struct xp_loop *loop, char *err,
              size_t errlen)
{
    struct tui *ui = r->priv;
    struct sigaction sa;
    const char *cs;
    size_t i;

    if (r->ops != &xp_report_tui || !ui) {
        snprintf(err, errlen, "internal: the terminal UI reporter is not open");
        return -1;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "-i needs a terminal on stdin and stdout");
        return -1;
    }
    ui->engine = engine;
    ui->loop = loop;
    cs = nl_langinfo(CODESET);
    ui->utf8 = cs && strcmp(cs, "UTF-8") == 0;
    ui->color = r->opts->color;

    /* Our SIGWINCH before ncurses starts, so it keeps ours (and the loop
     * wakes at once through the pipe). */
    if (pipe2(winch_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_winch;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, &old_winch);

    save_terminal();
    ui->screen = newterm(NULL, stdout, stdin);
    if (!ui->screen) {
        const char *term = getenv("TERM");

        sigaction(SIGWINCH, &old_winch, NULL);
        close(winch_pipe[0]);
        close(winch_pipe[1]);
        winch_pipe[0] = winch_pipe[1] = -1;
        snprintf(err, errlen, "cannot start the terminal UI: unknown terminal type '%s'",
                 term ? term : "(TERM not set)");
        return -1;
    }
    ui->active = 1;
    the_tui = ui;
    term_active = 1;
    add_restore_cap("rmkx");
    add_restore_cap("sgr0");
    add_restore_cap("cnorm");
    add_restore_cap("rmcup");
    xp_set_fatal_hook(fatal_hook);
    {
        static int registered;

        if (!registered++)
            atexit(at_exit);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < XP_ARRAY_LEN(crash_signals); i++)
        sigaction(crash_signals[i], &sa, &old_crash[i]);

    cbreak();     /* Ctrl-C still interrupts: the loop turns it into a clean stop */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    tui_colors_init(ui);
    xp_loop_watch(loop, STDIN_FILENO, XP_IN, on_stdin, ui);
    xp_loop_watch(loop, winch_pipe[0], XP_IN, on_winch_pipe, ui);
    if (r->opts->preflight)
        ui->overlay = OV_PREFLIGHT;   /* -i --preflight: the checklist first */
    ui->dirty = ui->urgent = 1;
    return 0;
}
