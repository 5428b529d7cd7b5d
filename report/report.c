/*
 * report.c — fans events out to the reporters and owns the output: stdout,
 * or -o FILE through xp_atomic.h (a regular file is replaced atomically,
 * never half-written; a device, FIFO or symlink target is written through).
 */
#define _GNU_SOURCE
#include "xp_report.h"
#include "xp_atomic.h"
#include "xp_options.h"
#include "xp_tui.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct xp_report {
    struct xp_reporter main;       /* the --format reporter */
    struct xp_reporter progress;   /* the stderr progress line, if any */
    FILE *out;
    struct xp_atomic_file file;    /* with -o: the file being written */
};

static const struct xp_reporter_ops *
format_ops(enum xp_format f)
{
    switch (f) {
    case XP_FMT_JSON:
        return &xp_report_json;
    case XP_FMT_JSONL:
        return &xp_report_jsonl;
    case XP_FMT_JUNIT:
        return &xp_report_junit;
    default:
        return &xp_report_text;
    }
}

struct xp_report *
xp_report_open(const struct xp_options *opts, char *err, size_t errlen)
{
    struct xp_report *rep = xcalloc(1, sizeof(*rep));

    rep->out = stdout;
    if (opts->output) {
        if (xp_atomic_open(&rep->file, opts->output, err, errlen) < 0) {
            free(rep);
            return NULL;
        }
        rep->out = rep->file.fp;
    }
    rep->main = (struct xp_reporter){ .ops = opts->tui ? &xp_report_tui
                                                       : format_ops(opts->format),
                                      .opts = opts, .out = rep->out };
    if (rep->main.ops->open)
        rep->main.ops->open(&rep->main);
    if (opts->progress) {
        rep->progress = (struct xp_reporter){ .ops = &xp_report_progress, .opts = opts,
                                              .out = stderr };
        rep->progress.ops->open(&rep->progress);
    }
    return rep;
}

struct xp_reporter *
xp_report_main(struct xp_report *rep)
{
    return &rep->main;
}

static void
each(struct xp_report *rep, void (*fn)(struct xp_reporter *, void *), void *arg)
{
    /* The progress line first: it clears itself before the report prints. */
    if (rep->progress.ops)
        fn(&rep->progress, arg);
    fn(&rep->main, arg);
}

static void
send_event(struct xp_reporter *r, void *ev)
{
    if (r->ops->event)
        r->ops->event(r, ev);
}

void
xp_report_emit(void *ctx, const struct xp_event *ev)
{
    each(ctx, send_event, (void *)ev);
}

int64_t
xp_report_tick(void *ctx, int64_t now_us)
{
    struct xp_report *rep = ctx;
    int64_t a = 0, b = 0;

    if (rep->main.ops->tick)
        a = rep->main.ops->tick(&rep->main, now_us);
    if (rep->progress.ops && rep->progress.ops->tick)
        b = rep->progress.ops->tick(&rep->progress, now_us);
    if (!a || (b && b < a))
        return b;
    return a;
}

int
xp_report_streams(const struct xp_options *opts)
{
    /* json with one target is written at close; text and junit read every
     * target at the end (text's order, junit's totals come first). */
    if (opts->tui)
        return 0;
    return opts->format == XP_FMT_JSONL || (opts->format == XP_FMT_JSON && opts->ntargets > 1);
}

int
xp_report_close(struct xp_report *rep, const struct xp_run *run, char *err, size_t errlen)
{
    int failed;

    if (rep->progress.ops && rep->progress.ops->close)
        rep->progress.ops->close(&rep->progress, run);
    if (rep->main.ops->close)
        rep->main.ops->close(&rep->main, run);
    if (rep->file.fp) {
        rep->out = NULL;
        return xp_atomic_commit(&rep->file, err, errlen);
    }
    failed = fflush(rep->out) != 0 || ferror(rep->out);
    if (failed && errno != EPIPE)
        snprintf(err, errlen, "writing the report: %s", strerror(errno));
    return failed && errno != EPIPE ? -1 : 0;
}

void
xp_report_free(struct xp_report *rep)
{
    if (!rep)
        return;
    if (rep->main.ops->free)
        rep->main.ops->free(&rep->main);
    if (rep->progress.ops && rep->progress.ops->free)
        rep->progress.ops->free(&rep->progress);
    xp_atomic_abort(&rep->file);   /* only an error path leaves it open */
    free(rep);
}

void
xp_report_put_safe(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            fprintf(out, "\\x%02x", p[1]);   /* a C1 control: its code point */
            p++;
        } else {
            fputc(*p, out);
        }
    }
}
