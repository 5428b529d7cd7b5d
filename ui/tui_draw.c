/*
 * tui_draw.c — painting, called only from the reporter's tick (tui.c):
 * werase, draw everything from the model and the session state,
 * wnoutrefresh, one doupdate — ncurses sends only what changed, so there
 * is no flicker. Layout: the status line on top, the tree, the details
 * pane below it (beside it on a wide terminal), the key bar (or a message,
 * or the save prompt) at the bottom; the pre-flight panel and the help
 * cover the body.
 *
 * Every string from the model goes through put_text: decoded for the
 * locale, control characters shown as \xNN (as the text report does),
 * invisible formatting characters as \uXXXX, clipped by columns, not
 * bytes, with an ellipsis.
 */
#include "tui_int.h"
#include "xp_baseline.h"
#include "xp_report.h"
#include "xp_preflight.h"

#include <stdlib.h>
#include <string.h>

/* ---- colour roles ---- */

enum { PAIR_PASS = 1, PAIR_WARN, PAIR_FAIL, PAIR_INFO, PAIR_RUN, PAIR_BAR, PAIR_KEY };

void
tui_colors_init(struct tui *ui)
{
    static const attr_t mono[ROLE_COUNT] = {
        [ROLE_NORMAL] = A_NORMAL, [ROLE_PASS] = A_NORMAL, [ROLE_WARN] = A_BOLD,
        [ROLE_FAIL] = A_BOLD | A_UNDERLINE, [ROLE_SKIP] = A_DIM, [ROLE_INFO] = A_NORMAL,
        [ROLE_RUN] = A_BOLD, [ROLE_DIM] = A_DIM, [ROLE_BOLD] = A_BOLD,
        [ROLE_TITLE] = A_BOLD | A_UNDERLINE, [ROLE_BAR] = A_REVERSE, [ROLE_KEY] = A_BOLD,
    };
    short bg;
    int i;

    for (i = 0; i < ROLE_COUNT; i++) {
        ui->role_attr[i] = mono[i];
        ui->role_pair[i] = 0;
    }
    if (!ui->color || !has_colors() || start_color() == ERR) {
        ui->color = 0;
        return;
    }
    /* The terminal's own background where it allows it. */
    bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
    init_pair(PAIR_PASS, COLOR_GREEN, bg);
    init_pair(PAIR_WARN, COLOR_YELLOW, bg);
    init_pair(PAIR_FAIL, COLOR_RED, bg);
    init_pair(PAIR_INFO, COLOR_CYAN, bg);
    init_pair(PAIR_RUN, COLOR_MAGENTA, bg);
    init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
    init_pair(PAIR_KEY, COLOR_CYAN, bg);
    ui->role_pair[ROLE_PASS] = PAIR_PASS;
    ui->role_attr[ROLE_PASS] = A_NORMAL;
    ui->role_pair[ROLE_WARN] = PAIR_WARN;
    ui->role_pair[ROLE_FAIL] = PAIR_FAIL;
    ui->role_attr[ROLE_FAIL] = A_BOLD;
    ui->role_pair[ROLE_INFO] = PAIR_INFO;
    ui->role_pair[ROLE_RUN] = PAIR_RUN;
    ui->role_attr[ROLE_RUN] = A_NORMAL;
    ui->role_pair[ROLE_BAR] = PAIR_BAR;
    ui->role_attr[ROLE_BAR] = A_NORMAL;
    ui->role_pair[ROLE_KEY] = PAIR_KEY;
}

enum tui_role
tui_status_role(enum xp_status st)
{
    switch (st) {
    case XP_ST_PASS:
        return ROLE_PASS;
    case XP_ST_WARN:
        return ROLE_WARN;
    case XP_ST_FAIL:
        return ROLE_FAIL;
    case XP_ST_UNKNOWN:
        return ROLE_WARN;
    case XP_ST_INFO:
        return ROLE_INFO;
    case XP_ST_RUNNING:
        return ROLE_RUN;
    case XP_ST_SKIP:
        return ROLE_SKIP;
    default:
        return ROLE_DIM;
    }
}

static void
use_role(struct tui *ui, enum tui_role role)
{
    wattr_set(stdscr, ui->role_attr[role] | ui->extra, ui->role_pair[role], NULL);
}

/* ---- text ---- */

struct wtext {
    wchar_t *w;
    size_t n, cap;
};

static void
wt_add(struct wtext *wt, wchar_t c)
{
    if (wt->n + 1 >= wt->cap) {
        wt->cap = wt->cap ? wt->cap * 2 : 128;
        wt->w = xrealloc(wt->w, wt->cap * sizeof(wchar_t));
    }
    wt->w[wt->n++] = c;
    wt->w[wt->n] = L'\0';
}

static void
wt_ascii(struct wtext *wt, const char *s)
{
    for (; *s; s++)
        wt_add(wt, (wchar_t)(unsigned char)*s);
}

static int
invisible(wchar_t c)
{
    return (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

/* Decode s (UTF-8 in a UTF-8 locale) into what may be shown. */
static void
wt_from(struct wtext *wt, const char *s, size_t len, int utf8)
{
    mbstate_t st;
    char esc[16];

    memset(&st, 0, sizeof(st));
    wt->n = 0;
    wt_add(wt, L'\0');
    wt->n = 0;
    while (len > 0) {
        wchar_t c;
        size_t k = mbrtowc(&c, s, len, &st);

        if (k == (size_t)-1 || k == (size_t)-2) {
            memset(&st, 0, sizeof(st));
            if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) {
                snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)*s);
                wt_ascii(wt, esc);
            } else {
                wt_add(wt, utf8 ? 0xFFFD : L'?');
            }
            s++;
            len--;
            continue;
        }
        if (k == 0)
            break;
        s += k;
        len -= k;
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
            snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)c);
            wt_ascii(wt, esc);
        } else if (invisible(c)) {
            snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)c);
            wt_ascii(wt, esc);
        } else if (wcwidth(c) < 0) {
            wt_add(wt, utf8 ? 0xFFFD : L'?');
        } else {
            wt_add(wt, c);
        }
    }
}

static int
wcw(wchar_t c)
{
    int w = wcwidth(c);

    return w < 0 ? 1 : w;
}

static int
wt_width(const wchar_t *w, size_t n)
{
    int cols = 0;
    size_t i;

    for (i = 0; i < n; i++)
        cols += wcw(w[i]);
    return cols;
}

/* Draw n wide characters at (y, x) within w columns (ellipsis if cut). */
static int
put_wide(struct tui *ui, int y, int x, int w, enum tui_role role, const wchar_t *ws, size_t n)
{
    int total, cols = 0;
    size_t i;

    if (w <= 0 || n == 0)
        return 0;
    use_role(ui, role);
    total = wt_width(ws, n);
    if (total <= w) {
        mvwaddnwstr(stdscr, y, x, ws, (int)n);
        return total;
    }
    for (i = 0; i < n && cols + wcw(ws[i]) <= w - 1; i++)
        cols += wcw(ws[i]);
    if (i > 0)
        mvwaddnwstr(stdscr, y, x, ws, (int)i);
    mvwaddstr(stdscr, y, x + cols, ui->utf8 ? "\xE2\x80\xA6" : "~");
    return cols + 1;
}

/* Draw s (UTF-8 from the model or ours) at (y, x) within w columns. */
static int
put_text(struct tui *ui, int y, int x, int w, enum tui_role role, const char *s)
{
    static struct wtext wt;   /* reused: painting is single-threaded */

    if (!s || !*s || w <= 0)
        return 0;
    wt_from(&wt, s, strlen(s), ui->utf8);
    return put_wide(ui, y, x, w, role, wt.w, wt.n);
}

static void
fill(struct tui *ui, int y, int x, int w, enum tui_role role)
{
    if (w <= 0)
        return;
    use_role(ui, role);
    mvwhline(stdscr, y, x, ' ', w);
}

void
tui_fmt_ms(int64_t ms, char *buf, size_t len)
{
    if (ms < 1000)
        snprintf(buf, len, "%lld ms", (long long)ms);
    else if (ms < 60000)
        snprintf(buf, len, "%.1f s", (double)ms / 1000.0);
    else
        snprintf(buf, len, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
}

/* ---- logical lines (panes) ---- */

static void
lines_push(struct tui_lines *ls, int indent, enum tui_role lrole, const char *label,
           enum tui_role role, const char *text, size_t n)
{
    struct tui_line *l;

    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 32;
        ls->v = xrealloc(ls->v, ls->cap * sizeof(*ls->v));
    }
    l = &ls->v[ls->n++];
    l->indent = indent;
    l->lrole = lrole;
    l->role = role;
    l->label = label ? xstrdup(label) : NULL;
    l->text = xstrndup(text, n);
}

/* One line per line of text; the label on the first, the rest hang under it. */
void
tui_lines_add(struct tui_lines *ls, int indent, enum tui_role lrole, const char *label,
              enum tui_role role, const char *text)
{
    const char *p = text ? text : "";
    int first = 1;
    int hang = 0;

    if (label) {
        const char *q;

        for (q = label; *q; q++)
            hang += ((unsigned char)*q & 0xC0) != 0x80;
    }
    do {
        size_t n = strcspn(p, "\n");

        if (first)
            lines_push(ls, indent, lrole, label, role, p, n);
        else
            lines_push(ls, indent + hang, lrole, NULL, role, p, n);
        first = 0;
        p += n;
        if (*p == '\n')
            p++;
        else
            break;
    } while (1);
}

void
tui_lines_free(struct tui_lines *ls)
{
    size_t i;

    for (i = 0; i < ls->n; i++) {
        free(ls->v[i].label);
        free(ls->v[i].text);
    }
    free(ls->v);
    memset(ls, 0, sizeof(*ls));
}

/*
 * Lay out ls in w columns, word-wrapped with a hanging indent; draw the
 * visual lines top..top+h-1 at (y, x). Returns the number of visual lines
 * (h = 0: count only).
 */
static int
draw_lines(struct tui *ui, const struct tui_lines *ls, int y, int x, int w, int top, int h)
{
    struct wtext wt = { 0 };
    int v = 0;
    size_t i;

    for (i = 0; i < ls->n; i++) {
        const struct tui_line *l = &ls->v[i];
        int lw = 0, first = 1;
        size_t pos = 0;

        if (l->label) {
            wt_from(&wt, l->label, strlen(l->label), ui->utf8);
            lw = wt_width(wt.w, wt.n);
            if (v >= top && v < top + h)
                put_wide(ui, y + v - top, x + l->indent, w - l->indent, l->lrole, wt.w, wt.n);
        }
        wt_from(&wt, l->text, strlen(l->text), ui->utf8);
        do {
            int avail = w - l->indent - lw, cols = 0;
            size_t end = pos, brk = 0;

            if (avail < 8)
                avail = 8;
            while (end < wt.n && cols + wcw(wt.w[end]) <= avail) {
                cols += wcw(wt.w[end]);
                if (wt.w[end] == L' ')
                    brk = end;
                end++;
            }
            if (end < wt.n && brk > pos && brk - pos > (size_t)avail / 3)
                end = brk + 1;   /* break after a space */
            if (end == pos && pos < wt.n)
                end = pos + 1;
            if (v >= top && v < top + h)
                put_wide(ui, y + v - top, x + l->indent + lw, avail, l->role, wt.w + pos,
                         end - pos);
            v++;
            pos = end;
            if (first && l->label)
                first = 0;
        } while (pos < wt.n);
    }
    free(wt.w);
    return v;
}

/* ---- symbols ---- */

static const char *
status_symbol(const struct tui *ui, enum xp_status st)
{
    static const char *const spin_utf8[] = {
        "\xE2\xA0\x8B", "\xE2\xA0\x99", "\xE2\xA0\xB9", "\xE2\xA0\xB8",
        "\xE2\xA0\xBC", "\xE2\xA0\xB4", "\xE2\xA0\xA6", "\xE2\xA0\xA7",
    };
    static const char *const spin_ascii[] = { "|", "/", "-", "\\" };

    switch (st) {
    case XP_ST_PASS:
        return ui->utf8 ? "\xE2\x9C\x93" : "+";
    case XP_ST_FAIL:
        return ui->utf8 ? "\xE2\x9C\x97" : "x";
    case XP_ST_WARN:
        return "!";
    case XP_ST_UNKNOWN:
        return "?";
    case XP_ST_INFO:
        return "i";
    case XP_ST_SKIP:
        return "-";
    case XP_ST_RUNNING:
        return ui->utf8 ? spin_utf8[ui->spin % 8] : spin_ascii[ui->spin % 4];
    default:
        return ui->utf8 ? "\xC2\xB7" : ".";
    }
}

/* ---- the tree ---- */

/* A target row's counts, so closed targets still tell their story. */
static int
put_target_counts(struct tui *ui, const struct xp_target *t, int y, int x, int w)
{
    struct xp_counts n;
    char buf[96];

    if (!t->started)
        return 0;
    xp_target_counts(t, &n);
    if (n.unknown)
        snprintf(buf, sizeof(buf), "  %d pass  %d warn  %d fail  %d unknown", n.pass, n.warn,
                 n.fail, n.unknown);
    else
        snprintf(buf, sizeof(buf), "  %d pass  %d warn  %d fail", n.pass, n.warn, n.fail);
    return put_text(ui, y, x, w, ROLE_DIM, buf);
}

static void
draw_row(struct tui *ui, const struct tui_row *row, int y, int x, int w, int selected,
         int64_t now)
{
    enum xp_status st = tui_row_status(ui, row);
    /* The last column is kept for the scroll marks. */
    int cx = x + 1 + row->depth * 2, right = x + w - 1, dur_w = w >= 56 ? 9 : 0;
    char dur[32] = "";
    int64_t t0 = 0, t1 = 0;

    ui->extra = selected ? (ui->focus == FOCUS_TREE ? A_REVERSE : A_REVERSE | A_DIM) : 0;
    if (selected)
        fill(ui, y, x, w, ROLE_NORMAL);
    if (row->expandable)
        put_text(ui, y, cx, 1, ROLE_DIM,
                 row->open ? (ui->utf8 ? "\xE2\x96\xBE" : "v") : (ui->utf8 ? "\xE2\x96\xB8" : ">"));
    cx += 2;
    put_text(ui, y, cx, 1, tui_status_role(st), status_symbol(ui, st));
    cx += 2;
    switch (row->kind) {
    case ROW_TARGET: {
        const struct xp_target *t = ui->run->targets[row->ti];

        cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_BOLD, t->domain);
        if (t->email) {
            cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_DIM, " (");
            cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_DIM, t->email);
            cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_DIM, ")");
        }
        cx += put_target_counts(ui, t, y, cx, right - dur_w - cx);
        t0 = t->t0_us;
        t1 = t->t1_us;
        break;
    }
    case ROW_CHECK: {
        char id[24];

        snprintf(id, sizeof(id), "%-13s", row->c->ops->id);
        cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_BOLD, id);
        cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_NORMAL, row->c->ops->title);
        if (row->c->skip_reason)
            put_text(ui, y, cx, right - dur_w - cx, ROLE_DIM, "  (skipped)");
        t0 = row->c->t0_us;
        t1 = row->c->t1_us;
        break;
    }
    case ROW_STEP: {
        cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_NORMAL, row->s->title);
        if (row->s->detail) {
            size_t n = strcspn(row->s->detail, "\n");
            char *first = xstrndup(row->s->detail, n);

            cx += put_text(ui, y, cx, right - dur_w - cx, ROLE_DIM,
                           ui->utf8 ? " \xE2\x80\x94 " : " - ");
            put_text(ui, y, cx, right - dur_w - cx, ROLE_DIM, first);
            free(first);
        }
        t0 = row->s->t0_us;
        t1 = row->s->t1_us;
        break;
    }
    case ROW_FINDING:
        cx += put_text(ui, y, cx, right - cx, tui_status_role(st),
                       xp_code_info(row->f->code)->name);
        cx += put_text(ui, y, cx, right - cx, ROLE_NORMAL, "  ");
        put_text(ui, y, cx, right - cx, ROLE_NORMAL, row->f->message);
        break;
    }
    if (dur_w && t0 && (row->kind != ROW_STEP || t1)) {
        tui_fmt_ms(((t1 ? t1 : now) - t0) / 1000, dur, sizeof(dur));
        put_text(ui, y, right - (int)strlen(dur) - 1, (int)strlen(dur), ROLE_DIM, dur);
    }
    ui->extra = 0;
}

static void
draw_tree(struct tui *ui, int y, int x, int w, int h, int64_t now)
{
    size_t i;

    ui->tree_h = h;
    if (!ui->nrows) {
        put_text(ui, y, x + 2, w - 2, ROLE_DIM,
                 ui->filter_problems ? "no problems found (f: show all)" : "starting...");
        return;
    }
    if (ui->sel_idx < ui->top)
        ui->top = ui->sel_idx;
    if (ui->sel_idx >= ui->top + (size_t)h)
        ui->top = ui->sel_idx - (size_t)h + 1;
    if (ui->nrows > (size_t)h && ui->top > ui->nrows - (size_t)h)
        ui->top = ui->nrows - (size_t)h;
    if (ui->nrows <= (size_t)h)
        ui->top = 0;
    for (i = 0; i < (size_t)h && ui->top + i < ui->nrows; i++)
        draw_row(ui, &ui->rows[ui->top + i], y + (int)i, x, w, ui->top + i == ui->sel_idx, now);
    if (ui->top > 0)
        put_text(ui, y, x + w - 1, 1, ROLE_DIM, ui->utf8 ? "\xE2\x96\xB2" : "^");
    if (ui->top + (size_t)h < ui->nrows)
        put_text(ui, y + h - 1, x + w - 1, 1, ROLE_DIM, ui->utf8 ? "\xE2\x96\xBC" : "v");
}

/* ---- the details pane ---- */

static void
evidence_lines(struct tui_lines *ls, const struct xp_evidence *e, int indent)
{
    char num[32], label[160];
    size_t i;

    for (; e; e = e->next) {
        snprintf(label, sizeof(label), "%s: ", e->key);
        if (e->kind == XP_EVK_INT) {
            snprintf(num, sizeof(num), "%lld", e->num);
            tui_lines_add(ls, indent, ROLE_DIM, label, ROLE_NORMAL, num);
        } else if (e->kind == XP_EVK_STR) {
            tui_lines_add(ls, indent, ROLE_DIM, label, ROLE_NORMAL, e->str);
        } else {
            tui_lines_add(ls, indent, ROLE_DIM, label, ROLE_DIM, e->nitems ? "" : "(none)");
            for (i = 0; i < e->nitems; i++)
                tui_lines_add(ls, indent + 2, ROLE_NORMAL, NULL, ROLE_NORMAL, e->items[i]);
        }
    }
}

static void
finding_lines(const struct tui *ui, struct tui_lines *ls, const struct xp_finding *f, int full)
{
    enum xp_status st = xp_status_of_severity(f->severity);
    char label[96];

    snprintf(label, sizeof(label), "%s %s  ", status_symbol(ui, st), xp_code_info(f->code)->name);
    tui_lines_add(ls, 0, tui_status_role(st), label, ROLE_NORMAL, f->message);
    if (f->remediation)
        tui_lines_add(ls, 4, ROLE_BOLD, "fix: ", ROLE_NORMAL, f->remediation);
    if (full && f->step)
        tui_lines_add(ls, 4, ROLE_DIM, "found in: ", ROLE_NORMAL, f->step->title);
    evidence_lines(ls, f->evidence, 4);
}

static int
step_within(const struct xp_step *s, const struct xp_step *top)
{
    for (; s; s = s->parent)
        if (s == top)
            return 1;
    return 0;
}

static void
detail_lines(struct tui *ui, struct tui_lines *ls, int64_t now)
{
    const struct tui_ref *sel = &ui->sel;
    const struct xp_finding *f;
    char buf[256], dur[32];
    int nf = 0;

    if (!ui->have_sel || !ui->run || sel->ti >= ui->run->ntargets)
        return;
    switch (sel->kind) {
    case ROW_TARGET: {
        const struct xp_target *t = ui->run->targets[sel->ti];
        struct xp_preflight pf;
        struct xp_counts n;

        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, t->domain);
        if (t->email)
            tui_lines_add(ls, 0, ROLE_DIM, "address: ", ROLE_NORMAL, t->email);
        tui_lines_add(ls, 0, ROLE_DIM, "started: ", ROLE_NORMAL,
                      t->started ? t->started_at : "not yet");
        xp_target_counts(t, &n);
        snprintf(buf, sizeof(buf),
                 "%d pass, %d warn, %d fail, %d unknown, %d skip, %d running, %d waiting",
                 n.pass, n.warn, n.fail, n.unknown, n.skip, n.running, n.waiting);
        tui_lines_add(ls, 0, ROLE_DIM, "checks: ", ROLE_NORMAL, buf);
        xp_preflight_eval(t, &pf);
        xp_preflight_verdict(&pf, buf, sizeof(buf));
        xp_preflight_clear(&pf);
        tui_lines_add(ls, 0, ROLE_DIM, "pre-flight: ", ROLE_NORMAL, buf);
        tui_lines_add(ls, 0, ROLE_DIM, NULL, ROLE_DIM, "(p: the checklist)");
        break;
    }
    case ROW_CHECK: {
        const struct xp_check *c = sel->c;
        enum xp_status st = !c->started ? XP_ST_PENDING : !c->done ? XP_ST_RUNNING : c->status;

        snprintf(buf, sizeof(buf), "%s \xE2\x80\x94 %s", c->ops->id, c->ops->title);
        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, buf);
        tui_fmt_ms(c->t0_us ? ((c->t1_us ? c->t1_us : now) - c->t0_us) / 1000 : 0, dur,
                   sizeof(dur));
        snprintf(buf, sizeof(buf), "%s   time: %s   target: %s", xp_status_name(st), dur,
                 c->target->domain);
        tui_lines_add(ls, 0, ROLE_DIM, "status: ", tui_status_role(st), buf);
        if (c->skip_reason)
            tui_lines_add(ls, 0, ROLE_DIM, "skipped: ", ROLE_NORMAL, c->skip_reason);
        for (f = c->findings; f; f = f->next) {
            if (!nf++) {
                tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_NORMAL, "");
                tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, "Findings");
            }
            finding_lines(ui, ls, f, 1);
        }
        if (!nf && c->done)
            tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_DIM, "no findings");
        break;
    }
    case ROW_STEP: {
        const struct xp_step *s = sel->s;

        if (!s)
            return;
        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, s->title);
        tui_fmt_ms(s->t1_us ? (s->t1_us - s->t0_us) / 1000 : (now - s->t0_us) / 1000, dur,
                   sizeof(dur));
        snprintf(buf, sizeof(buf), "%s   time: %s   check: %s", xp_status_name(s->status), dur,
                 sel->c->ops->id);
        tui_lines_add(ls, 0, ROLE_DIM, "status: ", tui_status_role(s->status), buf);
        if (s->detail) {
            tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_NORMAL, "");
            tui_lines_add(ls, 2, ROLE_NORMAL, NULL, ROLE_NORMAL, s->detail);
        }
        for (f = sel->c->findings; f; f = f->next) {
            if (!f->step || !step_within(f->step, s))
                continue;
            if (!nf++) {
                tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_NORMAL, "");
                tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, "Findings");
            }
            finding_lines(ui, ls, f, f->step != s);
        }
        break;
    }
    case ROW_FINDING:
        if (!sel->f)
            return;
        snprintf(buf, sizeof(buf), "%s (%s) \xE2\x80\x94 check %s",
                 xp_code_info(sel->f->code)->name, xp_severity_name(sel->f->severity),
                 sel->c->ops->id);
        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, buf);
        finding_lines(ui, ls, sel->f, 1);
        break;
    }
}

/*
 * Lines ls in the h rows from y, scrolled to *top (kept within the lines),
 * with a down arrow when more follow and, if up_mark, an up arrow when
 * lines are hidden above. Frees ls.
 */
static void
draw_scrolled(struct tui *ui, struct tui_lines *ls, int y, int x, int w, int h, int *top,
              int up_mark)
{
    int total = draw_lines(ui, ls, y, x + 1, w - 2, 0, 0);

    if (*top > total - h)
        *top = total - h;
    if (*top < 0)
        *top = 0;
    draw_lines(ui, ls, y, x + 1, w - 2, *top, h);
    if (up_mark && *top > 0)
        put_text(ui, y, x + w - 2, 1, ROLE_DIM, ui->utf8 ? "\xE2\x96\xB2" : "^");
    if (*top + h < total)
        put_text(ui, y + h - 1, x + w - 2, 1, ROLE_DIM, ui->utf8 ? "\xE2\x96\xBC" : "v");
    tui_lines_free(ls);
}

static void
draw_details(struct tui *ui, int y, int x, int w, int h, int64_t now)
{
    struct tui_lines ls = { 0 };

    ui->detail_h = h;
    detail_lines(ui, &ls, now);
    draw_scrolled(ui, &ls, y, x, w, h, &ui->detail_top, 1);
}

/* ---- the pre-flight panel ---- */

static enum tui_role
pf_role(enum xp_pf_state st)
{
    return st == XP_PF_READY ? ROLE_PASS : st == XP_PF_NOT_READY ? ROLE_FAIL : ROLE_DIM;
}

static void
preflight_lines(struct tui *ui, struct tui_lines *ls)
{
    const struct xp_target *t;
    struct xp_preflight pf;
    char buf[256];
    size_t i, k;

    if (!ui->run || !ui->run->ntargets)
        return;
    t = ui->run->targets[ui->have_sel && ui->sel.ti < ui->run->ntargets ? ui->sel.ti : 0];
    xp_preflight_eval(t, &pf);
    snprintf(buf, sizeof(buf), "Hybrid Configuration Wizard pre-flight \xE2\x80\x94 %s",
             t->domain);
    tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, buf);
    xp_preflight_verdict(&pf, buf, sizeof(buf));
    tui_lines_add(ls, 0, ROLE_NORMAL, NULL,
                  pf_role(pf.ready == 0 ? XP_PF_NOT_READY
                          : pf.ready == 1 ? XP_PF_READY : XP_PF_UNKNOWN), buf);
    if (tui_run_busy(ui->run))
        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_DIM, "(checks still running: it changes)");
    for (i = 0; i < pf.nitems; i++) {
        const struct xp_pf_item *it = &pf.items[i];
        struct xp_buf codes = { 0 };

        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_NORMAL, "");
        tui_lines_add(ls, 0, pf_role(it->state),
                      it->state == XP_PF_READY ? "[READY]     "
                      : it->state == XP_PF_NOT_READY ? "[NOT READY] " : "[UNKNOWN]   ",
                      ROLE_BOLD, it->title);
        tui_lines_add(ls, 12, ROLE_NORMAL, NULL, ROLE_NORMAL, it->why);
        for (k = 0; k < it->ncodes; k++)
            xp_buf_printf(&codes, "%s%s", k ? ", " : "", xp_code_info(it->codes[k])->name);
        if (codes.len)
            tui_lines_add(ls, 12, ROLE_DIM, "codes: ", ROLE_DIM, codes.s);
        if (it->fix)
            tui_lines_add(ls, 12, ROLE_BOLD,
                          it->state == XP_PF_NOT_READY ? "fix: " : "to check: ", ROLE_NORMAL,
                          it->fix);
        free(codes.s);
    }
    xp_preflight_clear(&pf);
}

/* --baseline: what changed for the selected (or only) target. */
static void
changes_lines(struct tui *ui, struct tui_lines *ls)
{
    const struct xp_target *t;
    json_t *doc, *changes;
    const json_t *c;
    size_t i;
    char buf[256];

    if (!ui->run || !ui->run->ntargets || !ui->opts->baseline)
        return;
    t = ui->run->targets[ui->have_sel && ui->sel.ti < ui->run->ntargets ? ui->sel.ti : 0];
    snprintf(buf, sizeof(buf), "Changes since %s \xE2\x80\x94 %s",
             xp_baseline_path(ui->opts->baseline), t->domain);
    tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, buf);
    if (!t->done) {
        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_DIM, "(checks still running)");
        return;
    }
    doc = xp_report_target_json(t, ui->opts);
    changes = json_object_get(doc, "changes");
    if (!json_array_size(changes))
        tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_PASS, "nothing changed");
    json_array_foreach(changes, i, c) {
        const char *kind = json_string_value(json_object_get(c, "kind"));
        const char *msg = json_string_value(json_object_get(c, "message"));
        int resolved = kind && strcmp(kind, "finding_resolved") == 0;
        int added = kind && strcmp(kind, "finding_new") == 0;

        tui_lines_add(ls, 0, resolved ? ROLE_PASS : added ? ROLE_WARN : ROLE_INFO,
                      resolved ? "- " : added ? "+ " : "~ ", ROLE_NORMAL, msg ? msg : "");
    }
    json_decref(doc);
}

/* A pane of lines over the tree (pre-flight, changes), scrolled. */
static void
draw_pane(struct tui *ui, int y, int x, int w, int h,
          void (*fill_lines)(struct tui *, struct tui_lines *))
{
    struct tui_lines ls = { 0 };

    ui->overlay_h = h;
    fill_lines(ui, &ls);
    draw_scrolled(ui, &ls, y, x, w, h, &ui->overlay_top, 0);   /* panes: no up arrow */
}

/* ---- help ---- */

static void
draw_box(struct tui *ui, int y, int x, int h, int w, const char *title)
{
    int i;

    use_role(ui, ROLE_NORMAL);
    for (i = 0; i < h; i++)
        mvwhline(stdscr, y + i, x, ' ', w);
    mvwaddch(stdscr, y, x, ACS_ULCORNER);
    mvwaddch(stdscr, y, x + w - 1, ACS_URCORNER);
    mvwaddch(stdscr, y + h - 1, x, ACS_LLCORNER);
    mvwaddch(stdscr, y + h - 1, x + w - 1, ACS_LRCORNER);
    mvwhline(stdscr, y, x + 1, ACS_HLINE, w - 2);
    mvwhline(stdscr, y + h - 1, x + 1, ACS_HLINE, w - 2);
    mvwvline(stdscr, y + 1, x, ACS_VLINE, h - 2);
    mvwvline(stdscr, y + 1, x + w - 1, ACS_VLINE, h - 2);
    put_text(ui, y, x + 2, w - 4, ROLE_BOLD, title);
}

static void
draw_help(struct tui *ui, int H, int Wd)
{
    struct tui_lines ls = { 0 };
    int w = Wd - 4 < 80 ? Wd - 4 : 80, h, total;
    int x = (Wd - w) / 2, y;

    tui_help_lines(&ls, ui->utf8);
    total = draw_lines(ui, &ls, 0, 0, w - 4, 0, 0);
    h = total + 2 < H - 2 ? total + 2 : H - 2;
    y = (H - h) / 2;
    ui->overlay_h = h - 2;
    if (ui->overlay_top > total - (h - 2))
        ui->overlay_top = total - (h - 2);
    if (ui->overlay_top < 0)
        ui->overlay_top = 0;
    draw_box(ui, y, x, h, w, " exprobe " XP_VERSION " \xE2\x80\x94 help (Esc closes) ");
    draw_lines(ui, &ls, y + 1, x + 2, w - 4, ui->overlay_top, h - 2);
    tui_lines_free(&ls);
}

/* ---- the status line and the bottom line ---- */

static void
draw_status(struct tui *ui, int y, int w, int64_t now)
{
    const struct xp_run *run = ui->run;
    struct xp_buf b = { 0 }, running = { 0 };
    struct xp_counts n;
    size_t i, k;

    fill(ui, y, 0, w, ROLE_BAR);
    if (!run)
        return;
    xp_run_check_counts(run, &n);
    for (i = 0; i < run->ntargets; i++) {
        const struct xp_target *t = run->targets[i];

        for (k = 0; k < t->nchecks; k++)
            if (tui_check_running(t->checks[k]) && running.len < 200)
                xp_buf_printf(&running, "%s%s%s%s", running.len ? ", " : "",
                              run->ntargets > 1 ? t->domain : "", run->ntargets > 1 ? "/" : "",
                              t->checks[k]->ops->id);
    }
    if (run->ntargets == 1)
        xp_buf_printf(&b, " exprobe  %s", run->targets[0]->domain);
    else
        xp_buf_printf(&b, " exprobe  %zu targets", run->ntargets);
    if (ui->busy)
        xp_buf_printf(&b, "  |  running %.1f s", (double)(now - ui->busy_t0) / 1e6);
    else if (ui->reruns)
        xp_buf_printf(&b, "  |  re-run %d at %s, done in %.2f s", ui->reruns, ui->rerun_at,
                      (double)(ui->busy_t1 - ui->busy_t0) / 1e6);
    else
        xp_buf_printf(&b, "  |  done in %.2f s", (double)(ui->busy_t1 - ui->busy_t0) / 1e6);
    xp_buf_printf(&b, "  |  %d pass  %d warn  %d fail  %d skip", n.pass, n.warn, n.fail,
                  n.skip);
    if (n.unknown)
        xp_buf_printf(&b, "  %d unknown", n.unknown);
    if (ui->filter_problems)
        xp_buf_printf(&b, "  |  filter: problems");
    if (running.len)
        xp_buf_printf(&b, "  |  running: %s", running.s);
    else if (n.waiting)
        xp_buf_printf(&b, "  |  %d waiting", n.waiting);
    put_text(ui, y, 0, w, ROLE_BAR, b.s);
    free(b.s);
    free(running.s);
}

static void
draw_keybar(struct tui *ui, int y, int w)
{
    const char *p = tui_keybar(ui->utf8);
    int x = 1;

    /* "key word  key word ...": each key bold. */
    while (*p && x < w) {
        size_t klen = strcspn(p, " "), rest;
        char *key = xstrndup(p, klen), *words;

        p += klen;
        rest = strspn(p, " ");
        p += rest;
        klen = 0;
        while (p[klen] && !(p[klen] == ' ' && p[klen + 1] == ' '))
            klen++;
        words = xstrndup(p, klen);
        p += klen;
        p += strspn(p, " ");
        x += put_text(ui, y, x, w - x, ROLE_KEY, key);
        x += put_text(ui, y, x, w - x, ROLE_NORMAL, " ");
        x += put_text(ui, y, x, w - x, ROLE_DIM, words);
        x += put_text(ui, y, x, w - x, ROLE_NORMAL, "  ");
        free(key);
        free(words);
    }
}

static void
draw_bottom(struct tui *ui, int y, int w)
{
    if (ui->overlay == OV_PROMPT) {
        static struct wtext wt;
        const char *label = ui->prompt_kind == PROMPT_SEARCH
                                ? "Find (Enter: next match, Esc: cancel): "
                                : "Save report to (.json .jsonl .xml, else text): ";
        int x = put_text(ui, y, 0, w, ROLE_BOLD, label);
        size_t i, start = 0;
        int cols;

        wt.n = 0;
        for (i = 0; i < ui->prompt_len; i++)
            wt_add(&wt, ui->prompt[i]);
        /* Keep the end of a long path (where the cursor is) in view. */
        cols = wt_width(wt.w, wt.n);
        while (start < wt.n && cols > w - x - 1)
            cols -= wcw(wt.w[start++]);
        put_wide(ui, y, x, w - x, ROLE_NORMAL, wt.w + start, wt.n - start);
        wmove(stdscr, y, x + cols < w ? x + cols : w - 1);
        return;
    }
    if (ui->msg[0]) {
        put_text(ui, y, 1, w - 1, ui->msg_role, ui->msg);
        return;
    }
    draw_keybar(ui, y, w);
}

/* ---- the frame ---- */

static void
draw_separator(struct tui *ui, int y, int x, int w, const char *title, int focused)
{
    use_role(ui, focused ? ROLE_BOLD : ROLE_DIM);
    mvwhline(stdscr, y, x, ACS_HLINE, w);
    put_text(ui, y, x + 2, w - 4, focused ? ROLE_BOLD : ROLE_DIM, title);
}

void
tui_paint(struct tui *ui, int64_t now)
{
    int H = LINES, Wd = COLS, body_y = 1, body_h;

    tui_rows_fresh(ui);
    werase(stdscr);
    curs_set(ui->overlay == OV_PROMPT ? 1 : 0);
    if (H < 6 || Wd < 30) {
        put_text(ui, 0, 0, Wd, ROLE_BOLD, "exprobe: terminal too small (30x6 at least)");
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    body_h = H - 2;
    draw_status(ui, 0, Wd, now);
    if (ui->overlay == OV_PREFLIGHT) {
        draw_separator(ui, body_y, 0, Wd, " pre-flight (p or Esc closes) ", 1);
        draw_pane(ui, body_y + 1, 0, Wd, body_h - 1, preflight_lines);
    } else if (ui->overlay == OV_CHANGES) {
        draw_separator(ui, body_y, 0, Wd, " changes since the baseline (Esc closes) ", 1);
        draw_pane(ui, body_y + 1, 0, Wd, body_h - 1, changes_lines);
    } else if (!ui->details_open) {
        draw_tree(ui, body_y, 0, Wd, body_h, now);
    } else if (Wd >= 140) {
        int tw = Wd / 2;

        draw_tree(ui, body_y, 0, tw, body_h, now);
        use_role(ui, ROLE_DIM);
        mvwvline(stdscr, body_y, tw, ACS_VLINE, body_h);
        draw_details(ui, body_y, tw + 1, Wd - tw - 1, body_h, now);
    } else {
        int dh = body_h / 2 > 5 ? body_h / 2 : 5;
        int th = body_h - dh - 1;

        if (th < 2) {
            th = 2;
            dh = body_h - th - 1;
        }
        draw_tree(ui, body_y, 0, Wd, th, now);
        draw_separator(ui, body_y + th, 0, Wd,
                       ui->focus == FOCUS_DETAIL ? " details (Tab: tree, Esc closes) "
                                                 : " details (Tab: scroll, d closes) ",
                       ui->focus == FOCUS_DETAIL);
        draw_details(ui, body_y + th + 1, 0, Wd, dh, now);
    }
    if (ui->overlay == OV_HELP)
        draw_help(ui, H, Wd);
    draw_bottom(ui, H - 1, Wd);
    wnoutrefresh(stdscr);
    doupdate();
}

/* The help pane: tui_keys.c's rows (the same words as its bindings), then
 * the symbols. */
void
tui_help_lines(struct tui_lines *ls, int utf8)
{
    size_t i, nhelp;
    const struct tui_help *help = tui_help_rows(&nhelp);

    tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, "Keys");
    for (i = 0; i < nhelp; i++) {
        const char *k = utf8 ? help[i].keys_utf8 : help[i].keys_ascii;
        char label[48];
        int cols = 0;
        const char *p;

        /* Pad by columns, not bytes: an arrow is 3 bytes, 1 column. */
        for (p = k; *p; p++)
            cols += ((unsigned char)*p & 0xC0) != 0x80;
        snprintf(label, sizeof(label), "%s%*s", k, cols < 16 ? 16 - cols : 1, "");
        tui_lines_add(ls, 2, ROLE_KEY, label, ROLE_NORMAL, help[i].what);
    }
    tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_NORMAL, "");
    tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_TITLE, "Symbols");
    tui_lines_add(ls, 2, ROLE_PASS, utf8 ? "\xE2\x9C\x93 " : "+ ", ROLE_NORMAL, "passed");
    tui_lines_add(ls, 2, ROLE_WARN, "! ", ROLE_NORMAL, "warning");
    tui_lines_add(ls, 2, ROLE_FAIL, utf8 ? "\xE2\x9C\x97 " : "x ", ROLE_NORMAL, "failed");
    tui_lines_add(ls, 2, ROLE_INFO, "i ", ROLE_NORMAL, "information");
    tui_lines_add(ls, 2, ROLE_SKIP, "- ", ROLE_NORMAL, "skipped");
    tui_lines_add(ls, 2, ROLE_RUN, utf8 ? "\xE2\xA0\x8B " : "| ", ROLE_NORMAL, "running");
    tui_lines_add(ls, 2, ROLE_DIM, utf8 ? "\xC2\xB7 " : ". ", ROLE_NORMAL,
                  "pending (waits for the checks it uses)");
    tui_lines_add(ls, 2, ROLE_FAIL, "? ", ROLE_NORMAL, "unknown (no verdict from here)");
    tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_NORMAL, "");
    tui_lines_add(ls, 0, ROLE_NORMAL, NULL, ROLE_DIM,
                  "Exit status on quit: 0 all passed, 1 warnings, 2 failures (as without -i).");
}
