/*
 * tui_int.h — what the ui/tui*.c files share: the session state, the
 * visible tree rows, colour roles, actions. Not an interface: include
 * xp_tui.h from elsewhere.
 *
 * Discipline (tmux/htop): the reporter's event() only sets flags and
 * forgets pointers a rerun is about to free; key actions change state and
 * never draw; tick() paints at most every 100 ms (at once after a key);
 * everything else reads the model at paint time.
 */
#ifndef XP_TUI_INT_H
#define XP_TUI_INT_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdint.h>
#include <wchar.h>

#include "xp_check.h"
#include "xp_options.h"
#include "xp_tui.h"

#define TUI_MAX_DEPTH 12        /* deeper steps fold like their ancestor at this depth */
#define TUI_PAINT_US 100000     /* at most 10 frames a second */
#define TUI_SPIN_US 250000      /* the running spinner and clock: 4 Hz */
#define TUI_MSG_US 5000000      /* how long a message stays */
#define TUI_PROMPT_MAX 512

/* Semantic colour roles (htop ColorElements), each with a monochrome look. */
enum tui_role {
    ROLE_NORMAL,
    ROLE_PASS,
    ROLE_WARN,
    ROLE_FAIL,
    ROLE_SKIP,
    ROLE_INFO,
    ROLE_RUN,
    ROLE_DIM,
    ROLE_BOLD,
    ROLE_TITLE,
    ROLE_BAR,
    ROLE_KEY,
    ROLE_COUNT
};

enum tui_row_kind { ROW_TARGET, ROW_CHECK, ROW_STEP, ROW_FINDING };

/* One line of the tree as painted. Pointers borrow the model and live
 * only until the rows are rebuilt (any event marks them stale). */
struct tui_row {
    enum tui_row_kind kind;
    int depth;
    size_t ti;                          /* the target's index in the run */
    const struct xp_check *c;
    const struct xp_step *s;
    const struct xp_finding *f;
    int expandable, open;
    unsigned short path[TUI_MAX_DEPTH]; /* a step's place in its check */
    int plen;
};

/* What the cursor is on, kept across rebuilds (pointers into a check are
 * dropped at its CHECK_RESET). */
struct tui_ref {
    enum tui_row_kind kind;
    size_t ti;
    const struct xp_check *c;
    const struct xp_step *s;
    const struct xp_finding *f;
};

/* A node the user opened or closed, by position, so the choice survives a
 * rerun (which rebuilds the check's steps). */
struct tui_fold {
    enum tui_row_kind kind;
    size_t ti;
    const struct xp_check *c;
    unsigned short path[TUI_MAX_DEPTH];
    int plen;
    int open;
};

/* A check to rerun once the checks it uses are done (r, R). */
enum rq_state { RQ_WAITING, RQ_ASKED, RQ_RUNNING };
struct tui_rerun {
    struct xp_check *c;
    enum rq_state state;
};

enum tui_overlay { OV_NONE, OV_HELP, OV_PREFLIGHT, OV_PROMPT, OV_CHANGES };
enum tui_prompt_kind { PROMPT_SAVE, PROMPT_SEARCH };
enum tui_focus { FOCUS_TREE, FOCUS_DETAIL };

enum tui_action {
    A_NONE,
    A_UP,
    A_DOWN,
    A_PGUP,
    A_PGDN,
    A_HOME,
    A_END,
    A_EXPAND,
    A_COLLAPSE,
    A_ENTER,
    A_DETAILS,
    A_FOCUS,
    A_NEXT_PROBLEM,
    A_PREV_PROBLEM,
    A_SEARCH,
    A_CHANGES,
    A_RERUN,
    A_RERUN_ALL,
    A_FILTER,
    A_SAVE,
    A_PREFLIGHT,
    A_HELP,
    A_QUIT,
    A_CLOSE,
    A_REDRAW,
    A_RESIZE,
};

/* One logical line of a pane (details, help, pre-flight): an optional
 * label and a text, wrapped at paint time under a hanging indent. */
struct tui_line {
    int indent;
    enum tui_role lrole, role;
    char *label;               /* owned, may be NULL */
    char *text;                /* owned */
};

struct tui_lines {
    struct tui_line *v;
    size_t n, cap;
};

struct tui {
    const struct xp_options *opts;
    struct xp_engine *engine;
    struct xp_loop *loop;
    const struct xp_run *run;
    SCREEN *screen;
    int active;                /* curses is up */
    int color, utf8;
    attr_t role_attr[ROLE_COUNT];
    short role_pair[ROLE_COUNT];
    attr_t extra;              /* ORed into every role while painting (selection) */

    int dirty, urgent, rows_stale;
    int64_t last_paint_us, last_spin_us;
    int spin;
    int busy;                  /* checks are running */
    int64_t busy_t0, busy_t1;

    struct tui_row *rows;
    size_t nrows, caprows;
    struct tui_fold *folds;
    size_t nfolds, capfolds;
    struct tui_ref sel;
    int have_sel;
    size_t sel_idx, top;
    int filter_problems;

    int details_open;
    enum tui_focus focus;
    int detail_top;

    enum tui_overlay overlay;
    int overlay_top;
    wchar_t prompt[TUI_PROMPT_MAX];
    size_t prompt_len;
    enum tui_prompt_kind prompt_kind;
    int prompt_fresh;          /* the pre-filled text goes at the first typed key */
    char search[TUI_PROMPT_MAX * 4];   /* the last / search, for an empty repeat */
    int expand_all;            /* building the fully open tree (n/N, /) */
    int reruns;                /* r/R pressed: the status line says when */
    char rerun_at[16];         /* "HH:MM:SS" of the last re-run */
    char msg[512];
    enum tui_role msg_role;
    int64_t msg_until;

    struct tui_rerun *rq;
    size_t nrq, caprq;

    /* layout of the last paint, for paging */
    int tree_h, detail_h, overlay_h;
};

/* ---- tui_tree.c ---- */
void tui_rows_build(struct tui *ui);
/* The rows, rebuilt first if an event made them stale. */
void tui_rows_fresh(struct tui *ui);
void tui_select(struct tui *ui, size_t idx);
void tui_set_open(struct tui *ui, const struct tui_row *row, int open);
void tui_forget_check(struct tui *ui, const struct xp_check *c);
/* n / N: the next (dir 1) or previous (-1) finding that is a problem, in
 * tree order, opening the nodes that hide it; 0 when there is none. */
int tui_goto_problem(struct tui *ui, int dir);
/* /: the next node whose text contains needle (any case), opening the
 * nodes that hide it; 0 when none does. */
int tui_goto_match(struct tui *ui, const char *needle);
enum xp_status tui_row_status(const struct tui *ui, const struct tui_row *row);
int tui_row_problem(const struct tui_row *row);
int tui_check_running(const struct xp_check *c);
int tui_run_busy(const struct xp_run *run);

/* ---- tui_draw.c ---- */
void tui_colors_init(struct tui *ui);
void tui_paint(struct tui *ui, int64_t now_us);
void tui_lines_add(struct tui_lines *ls, int indent, enum tui_role lrole, const char *label,
                   enum tui_role role, const char *text);
void tui_lines_free(struct tui_lines *ls);
enum tui_role tui_status_role(enum xp_status st);
void tui_fmt_ms(int64_t ms, char *buf, size_t len);

/* ---- tui_keys.c ---- */
enum tui_action tui_key_action(int is_fn, wint_t key);
/* One help row: the keys (UTF-8 arrows, or ASCII) and what they do. */
struct tui_help {
    const char *keys_utf8, *keys_ascii, *what;
};
const struct tui_help *tui_help_rows(size_t *n);
/* The help pane's lines from tui_help_rows (tui_draw.c). */
void tui_help_lines(struct tui_lines *ls, int utf8);
/* The key bar: "q quit  Enter open ..." */
const char *tui_keybar(int utf8);

#endif
