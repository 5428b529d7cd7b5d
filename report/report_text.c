/*
 * report_text.c — the readable report, a tree like ExRCA's. It streams:
 * each check is printed as soon as it and every check before it are done,
 * so output appears while later checks still run, yet always in the same
 * order. Targets are printed one after another in the order given.
 *
 *   -q   one line per target and the problems only
 *   -v   every step's detail and every finding's evidence
 */
#include "xp_check.h"
#include "xp_options.h"
#include "xp_preflight.h"
#include "xp_report.h"

#include <idn2.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <string.h>

struct text {
    const struct xp_run *run;
    size_t target;          /* next target to print */
    size_t check;           /* next check of that target */
    int header_done;
    int run_ended, rollup_done;
    int width;              /* terminal columns to wrap at; 0: no wrapping (not a tty) */
};

enum colour { C_NONE, C_PASS, C_WARN, C_FAIL, C_DIM, C_BOLD };

static const char *const colour_seq[] = {
    [C_NONE] = "", [C_PASS] = "\033[32m", [C_WARN] = "\033[33m",
    [C_FAIL] = "\033[31;1m", [C_DIM] = "\033[2m", [C_BOLD] = "\033[1m",
};

static void
paint(struct xp_reporter *r, enum colour c, const char *s)
{
    if (r->opts->color && c != C_NONE)
        fprintf(r->out, "%s", colour_seq[c]);
    xp_report_put_safe(r->out, s);
    if (r->opts->color && c != C_NONE)
        fputs("\033[0m", r->out);
}

static enum colour
status_colour(enum xp_status st)
{
    switch (st) {
    case XP_ST_PASS:
        return C_PASS;
    case XP_ST_WARN:
        return C_WARN;
    case XP_ST_FAIL:
        return C_FAIL;
    case XP_ST_UNKNOWN:
        return C_WARN;
    default:
        return C_DIM;
    }
}

/* "PASS", "WARN", ... padded to a column. */
static void
status_tag(struct xp_reporter *r, enum xp_status st)
{
    char tag[8];
    const char *name = xp_status_name(st);
    size_t i;

    for (i = 0; name[i] && i < 7; i++)
        tag[i] = (char)(name[i] - 'a' + 'A');
    tag[i] = '\0';
    fputc('[', r->out);
    paint(r, status_colour(st), tag);
    fputc(']', r->out);
}

/* Lines of a multi-line text, each indented. */
static void
put_lines(struct xp_reporter *r, const char *indent, const char *text, enum colour c)
{
    const char *p = text;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, n);

        fputs(indent, r->out);
        paint(r, c, line);
        fputc('\n', r->out);
        free(line);
        p += n + (nl ? 1 : 0);
    }
}

static int
is_problem(enum xp_status st)
{
    return st == XP_ST_WARN || st == XP_ST_FAIL || st == XP_ST_UNKNOWN;
}

/*
 * Steps are the path to a verdict. Without -v a passing check shows none
 * (its findings say what was found) and a check with problems shows its
 * top-level steps, opening only those that went wrong: a healthy domain
 * fits a screen, a broken one shows where it broke.
 */
static void
print_steps(struct xp_reporter *r, const struct xp_step *s, int depth)
{
    char indent[64];

    snprintf(indent, sizeof(indent), "%*s", 7 + depth * 2, "");
    for (; s; s = s->next) {
        if (!r->opts->verbose && depth > 0 && !is_problem(s->status))
            continue;
        int show_detail = r->opts->verbose || s->status == XP_ST_WARN || s->status == XP_ST_FAIL;
        /* A one-line summary of a step with sub-steps reads best inline. */
        int inline_detail = s->detail && s->children && !strchr(s->detail, '\n');

        fputs(indent, r->out);
        status_tag(r, s->status);
        fputc(' ', r->out);
        xp_report_put_safe(r->out, s->title);
        if (inline_detail) {
            fputs(": ", r->out);
            paint(r, C_DIM, s->detail);
        }
        fputc('\n', r->out);
        if (s->detail && show_detail && !inline_detail) {
            char sub[80];

            snprintf(sub, sizeof(sub), "%s       ", indent);
            put_lines(r, sub, s->detail, C_DIM);
        }
        if (r->opts->verbose || is_problem(s->status))
            print_steps(r, s->children, depth + 1);
    }
}

#define BRIEF_EVIDENCE 10      /* entries shown without -v */
#define BRIEF_ITEMS 4          /* list items shown without -v */

static void
print_evidence(struct xp_reporter *r, const struct xp_evidence *e)
{
    size_t i, shown = 0, total = 0;
    const struct xp_evidence *x;

    for (x = e; x; x = x->next)
        total++;
    for (; e; e = e->next) {
        if (!r->opts->verbose && ++shown > BRIEF_EVIDENCE) {
            fprintf(r->out, "            (%zu more; -v shows all)\n", total - BRIEF_EVIDENCE);
            break;
        }
        fprintf(r->out, "            ");
        paint(r, C_DIM, e->key);
        fputs(e->kind == XP_EVK_LIST && e->nitems ? ":" : ": ", r->out);
        if (e->kind == XP_EVK_INT) {
            fprintf(r->out, "%lld\n", e->num);
        } else if (e->kind == XP_EVK_STR) {
            xp_report_put_safe(r->out, e->str);
            fputc('\n', r->out);
        } else if (e->nitems == 0) {
            fputs("(none)\n", r->out);
        } else {
            fputc('\n', r->out);
            for (i = 0; i < e->nitems; i++) {
                if (!r->opts->verbose && i == BRIEF_ITEMS && e->nitems > BRIEF_ITEMS + 1) {
                    fprintf(r->out, "              (%zu more)\n", e->nitems - i);
                    break;
                }
                fputs("              ", r->out);
                xp_report_put_safe(r->out, e->items[i]);
                fputc('\n', r->out);
            }
        }
    }
}

/* Columns a UTF-8 string takes (one per code point: good enough for text). */
static int
columns(const char *s, size_t n)
{
    int c = 0;
    size_t i;

    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/*
 * s from column col on, wrapped at the terminal's width under a hanging
 * indent (a fix line of 300 characters stays readable); written as is when
 * the output is not a terminal (files and pipes keep one line per item).
 */
static void
put_wrapped(struct xp_reporter *r, int col, int indent, const char *s)
{
    const struct text *tx = r->priv;
    const char *p = s;

    if (!tx || tx->width <= indent + 20) {
        xp_report_put_safe(r->out, s);
        return;
    }
    while (*p) {
        size_t sp = strspn(p, " "), wl = strcspn(p + sp, " ");
        int w = columns(p + sp, wl);
        char *word;

        if (col > indent && col + (int)sp + w > tx->width) {
            fprintf(r->out, "\n%*s", indent, "");
            col = indent;
            p += sp;
            sp = 0;
        }
        word = xstrndup(p, sp + wl);
        xp_report_put_safe(r->out, word);
        free(word);
        col += (int)sp + w;
        p += sp + wl;
    }
}

static void
print_finding(struct xp_reporter *r, const struct xp_finding *f)
{
    enum xp_status st = xp_status_of_severity(f->severity);
    int problem = f->severity != XP_SEV_INFO;

    if (r->opts->quiet && !problem)
        return;
    fputs("       ", r->out);
    paint(r, status_colour(st), xp_severity_name(f->severity));
    fputc(' ', r->out);
    paint(r, C_BOLD, xp_code_info(f->code)->name);
    fputs("  ", r->out);
    put_wrapped(r, 7 + (int)strlen(xp_severity_name(f->severity)) + 1 +
                       (int)strlen(xp_code_info(f->code)->name) + 2, 12, f->message);
    if (f->suppressed)
        fprintf(r->out, "  (suppressed %s: ignore =)", xp_severity_name(f->original_severity));
    fputc('\n', r->out);
    if (f->remediation && problem) {
        fputs("            fix: ", r->out);
        put_wrapped(r, 17, 17, f->remediation);
        fputc('\n', r->out);
    }
    if ((problem || f->answer || r->opts->verbose) && f->evidence && !r->opts->quiet)
        print_evidence(r, f->evidence);
}

static void
print_check(struct xp_reporter *r, const struct xp_check *c)
{
    const struct xp_finding *f;
    char dur[32];

    if (r->opts->quiet && (c->status == XP_ST_PASS || c->status == XP_ST_SKIP))
        return;
    status_tag(r, c->status);
    fputc(' ', r->out);
    paint(r, C_BOLD, c->ops->id);
    fputs(" - ", r->out);
    xp_report_put_safe(r->out, c->ops->title);
    snprintf(dur, sizeof(dur), "  (%lld ms)", (long long)xp_duration_ms(c->t0_us, c->t1_us));
    paint(r, C_DIM, dur);
    fputc('\n', r->out);
    if (c->skip_reason) {
        fputs("       skipped: ", r->out);
        xp_report_put_safe(r->out, c->skip_reason);
        fputc('\n', r->out);
    }
    if (!r->opts->quiet && (r->opts->verbose || is_problem(c->status)))
        print_steps(r, c->steps, 0);
    for (f = c->findings; f; f = f->next)
        print_finding(r, f);
    if (!r->opts->quiet && (r->opts->verbose || is_problem(c->status)))
        fputc('\n', r->out);
}

/* An internationalised name is checked as its A-label; people read the
 * U-label, so the header shows both: "xn--bcher-kva.test [bücher.test]". */
static void
print_unicode_form(struct xp_reporter *r, const char *domain)
{
    char *u = NULL;

    if (!strstr(domain, "xn--") || idn2_to_unicode_8z8z(domain, &u, 0) != IDN2_OK || !u)
        return;
    fputs(" [", r->out);
    xp_report_put_safe(r->out, u);
    fputc(']', r->out);
    idn2_free(u);
}

static void
print_header(struct xp_reporter *r, const struct xp_target *t)
{
    if (r->opts->quiet)
        return;
    fputs("== ", r->out);
    paint(r, C_BOLD, t->domain);
    print_unicode_form(r, t->domain);
    if (t->email) {
        fputs(" (", r->out);
        xp_report_put_safe(r->out, t->email);
        fputc(')', r->out);
    }
    fprintf(r->out, "  started %s\n\n", t->started_at);
}

/* Findings a reader must act on (warnings and failures), over all checks. */
static int
count_problems(const struct xp_target *t)
{
    const struct xp_finding *f;
    size_t i;
    int n = 0;

    for (i = 0; i < t->nchecks; i++)
        for (f = t->checks[i]->findings; f; f = f->next)
            n += f->severity != XP_SEV_INFO;
    return n;
}

static void
print_footer(struct xp_reporter *r, const struct xp_target *t)
{
    struct xp_counts n;
    enum xp_status st = xp_target_rollup(t);
    char line[240], unk[32] = "", probs[40] = "";
    int problems;

    xp_target_counts(t, &n);
    if (n.unknown)
        snprintf(unk, sizeof(unk), ", %d unknown", n.unknown);
    problems = count_problems(t);
    fputs("== ", r->out);
    paint(r, C_BOLD, t->domain);
    fputs(": ", r->out);
    paint(r, status_colour(st), xp_status_upper(st));
    if (problems)   /* checks are counted above; one check may hold several */
        snprintf(probs, sizeof(probs), "; %d problem%s", problems, problems == 1 ? "" : "s");
    snprintf(line, sizeof(line), " - %d passed, %d warned, %d failed%s, %d skipped%s (%.2f s)%s%s\n",
             n.pass, n.warn, n.fail, unk, n.skip, probs,
             (double)xp_duration_ms(t->t0_us, t->t1_us) / 1000.0,
             t->interrupted ? " - interrupted" : "",
             st == XP_ST_UNKNOWN && !n.pass && !n.warn && !n.fail && !n.unknown
                 ? " - nothing was judged" : "");
    fputs(line, r->out);
    if (!r->opts->quiet)
        fputc('\n', r->out);
}

/* Several targets: one last line that counts them by verdict. */
static void
print_rollup(struct xp_reporter *r, const struct xp_run *run)
{
    struct xp_counts n;

    xp_run_target_counts(run, &n);
    fprintf(r->out, "%zu targets: %d pass, %d warn, %d fail, %d unknown%s\n", run->ntargets,
            n.pass, n.warn, n.fail, n.unknown, run->interrupted ? " (interrupted)" : "");
}

/* Print everything that is done and whose turn it is. */
static void
flush_ready(struct xp_reporter *r)
{
    struct text *tx = r->priv;

    while (tx->run && tx->target < tx->run->ntargets) {
        const struct xp_target *t = tx->run->targets[tx->target];

        if (!t->started)
            return;
        if ((r->opts->preflight || r->opts->quiet) && !t->done)
            break;   /* --preflight: the checklist leads; -q: the verdict line leads */
        if (r->opts->quiet && !tx->header_done)
            print_footer(r, t);
        if (!tx->header_done) {
            print_header(r, t);
            if (r->opts->preflight)
                xp_preflight_write_text(r->out, t, r->opts);
            tx->header_done = 1;
        }
        while (tx->check < t->nchecks && t->checks[tx->check]->done) {
            /* -q --baseline: only what changed; -q --preflight: the
             * checklist (its blockers carry the fixes). */
            if (!(r->opts->quiet && (r->opts->baseline || r->opts->preflight)))
                print_check(r, t->checks[tx->check]);
            tx->check++;
        }
        if (tx->check < t->nchecks || !t->done)
            break;
        xp_report_write_changes(r->out, t, r->opts);
        if (!r->opts->quiet)
            print_footer(r, t);
        tx->target++;
        tx->check = 0;
        tx->header_done = 0;
    }
    if (tx->run && tx->target == tx->run->ntargets && tx->run->ntargets > 1 && !tx->rollup_done &&
        tx->run_ended) {
        print_rollup(r, tx->run);
        tx->rollup_done = 1;
    }
    fflush(r->out);
}

static void
text_open(struct xp_reporter *r)
{
    struct text *tx = xcalloc(1, sizeof(struct text));
    struct winsize ws;

    if (isatty(fileno(r->out)) && ioctl(fileno(r->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col)
        tx->width = ws.ws_col;
    r->priv = tx;
}

static void
text_event(struct xp_reporter *r, const struct xp_event *ev)
{
    struct text *tx = r->priv;

    switch (ev->type) {
    case XP_EV_RUN_BEGIN:
        tx->run = ev->run;
        break;
    case XP_EV_TARGET_BEGIN:
        if (!tx->run)
            tx->run = ev->target->run;
        flush_ready(r);
        break;
    case XP_EV_RUN_END:
        tx->run_ended = 1;
        flush_ready(r);
        break;
    case XP_EV_CHECK_END:
    case XP_EV_TARGET_END:
        flush_ready(r);
        break;
    default:
        break;
    }
}

static void
text_free(struct xp_reporter *r)
{
    free(r->priv);
}

const struct xp_reporter_ops xp_report_text = {
    .name = "text",
    .open = text_open,
    .event = text_event,
    .free = text_free,
};
