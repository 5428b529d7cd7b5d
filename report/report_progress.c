/*
 * report_progress.c — the live one-line progress indicator on stderr
 * (only when stderr is a terminal and not -q): which checks are running,
 * how many are done, elapsed time. Redrawn at most every 100 ms from the
 * loop's tick, cleared before the report prints and at the end, so it
 * never stays in the scrollback or reaches a pipe.
 */
#include "xp_check.h"
#include "xp_report.h"

#include <stdlib.h>
#include <string.h>

#define REDRAW_US 100000

struct progress {
    const struct xp_run *run;
    int shown;             /* a line is on screen */
    int dirty;
    int64_t last_us;
};

static void
clear_line(struct xp_reporter *r)
{
    struct progress *p = r->priv;

    if (p->shown) {
        fputs("\r\033[K", r->out);
        fflush(r->out);
        p->shown = 0;
    }
}

static void
draw(struct xp_reporter *r, int64_t now_us)
{
    struct progress *p = r->priv;
    struct xp_buf running = { 0 };
    size_t i, k, done = 0, total = 0;

    if (!p->run)
        return;
    for (i = 0; i < p->run->ntargets; i++) {
        const struct xp_target *t = p->run->targets[i];
        struct xp_counts n;

        /* Counted, not walked: a streamed run keeps only the running
         * targets' checks in memory (xp_model.h). */
        xp_target_counts(t, &n);
        done += (size_t)(n.pass + n.warn + n.fail + n.unknown + n.skip);
        total += (size_t)(n.pass + n.warn + n.fail + n.unknown + n.skip + n.running + n.waiting);
        for (k = 0; k < t->nchecks && running.len < 60; k++) {
            const struct xp_check *c = t->checks[k];

            if (c->started && !c->done)
                xp_buf_printf(&running, "%s%s/%s", running.len ? ", " : "", t->domain,
                              c->ops->id);
        }
    }
    fprintf(r->out, "\r\033[Kexprobe: %zu/%zu checks done, %.1f s%s%s", done, total,
            (double)(now_us - p->run->t0_us) / 1e6, running.len ? " - running " : "",
            running.len ? running.s : "");
    fflush(r->out);
    free(running.s);
    p->shown = 1;
    p->dirty = 0;
    p->last_us = now_us;
}

static void
progress_open(struct xp_reporter *r)
{
    r->priv = xcalloc(1, sizeof(struct progress));
}

static void
progress_event(struct xp_reporter *r, const struct xp_event *ev)
{
    struct progress *p = r->priv;

    switch (ev->type) {
    case XP_EV_RUN_BEGIN:
        p->run = ev->run;
        break;
    case XP_EV_CHECK_END:
    case XP_EV_TARGET_END:
    case XP_EV_RUN_END:
        clear_line(r);     /* the report may print now */
        p->dirty = 1;
        break;
    default:
        p->dirty = 1;
        break;
    }
}

static int64_t
progress_tick(struct xp_reporter *r, int64_t now_us)
{
    struct progress *p = r->priv;

    if (!p->run || p->run->t1_us)
        return 0;
    if (now_us - p->last_us >= REDRAW_US) {
        draw(r, now_us);
        return now_us + REDRAW_US;
    }
    return p->last_us + REDRAW_US;
}

static void
progress_close(struct xp_reporter *r, const struct xp_run *run)
{
    (void)run;
    clear_line(r);
}

static void
progress_free(struct xp_reporter *r)
{
    free(r->priv);
}

const struct xp_reporter_ops xp_report_progress = {
    .name = "progress",
    .open = progress_open,
    .event = progress_event,
    .tick = progress_tick,
    .close = progress_close,
    .free = progress_free,
};
