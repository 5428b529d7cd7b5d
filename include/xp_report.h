/*
 * xp_report.h — the reporter interface. A reporter receives the model's
 * events as they happen (event), may be woken before the loop sleeps
 * (tick: the progress line, the TUI), and writes what it still owes at
 * close. Reporters only read the model; they never call the engine.
 *
 * report.c fans events out to the chosen reporter (and the progress line)
 * and owns the output stream: stdout, or -o FILE written to a temporary
 * file in the same directory and renamed into place only when complete.
 */
#ifndef XP_REPORT_H
#define XP_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "xp_model.h"

struct xp_options;

struct xp_reporter {
    const struct xp_reporter_ops *ops;
    const struct xp_options *opts;
    FILE *out;                  /* borrowed from report.c */
    void *priv;                 /* the reporter's own state */
};

struct xp_reporter_ops {
    const char *name;
    void (*open)(struct xp_reporter *r);
    void (*event)(struct xp_reporter *r, const struct xp_event *ev);
    int64_t (*tick)(struct xp_reporter *r, int64_t now_us);   /* next wake, or 0 */
    void (*close)(struct xp_reporter *r, const struct xp_run *run);
    void (*free)(struct xp_reporter *r);
};

extern const struct xp_reporter_ops xp_report_text;
extern const struct xp_reporter_ops xp_report_json;
extern const struct xp_reporter_ops xp_report_jsonl;
extern const struct xp_reporter_ops xp_report_junit;     /* report_junit.c */
extern const struct xp_reporter_ops xp_report_progress;

struct xp_report;

/* Open the reporters opts asks for; NULL with err on an unusable -o. */
struct xp_report *xp_report_open(const struct xp_options *opts, char *err, size_t errlen);
/* The --format (or -i) reporter, for xp_tui_attach. */
struct xp_reporter *xp_report_main(struct xp_report *rep);
/* The xp_emit_fn to give the engine (ctx: the xp_report). */
void xp_report_emit(void *ctx, const struct xp_event *ev);
/* The tick to give the loop (ctx: the xp_report). */
int64_t xp_report_tick(void *ctx, int64_t now_us);
/* Does the chosen reporter have all it needs from a target once its
 * TARGET_END event is handled (so the engine may free its results)? */
int xp_report_streams(const struct xp_options *opts);
/* Finish the output; returns 0, or -1 with err (the file was not written). */
int xp_report_close(struct xp_report *rep, const struct xp_run *run, char *err, size_t errlen);
void xp_report_free(struct xp_report *rep);

/* Write s for a terminal or a text file: control characters (C0, DEL, C1)
 * are shown as \xNN so a hostile banner cannot drive the terminal. */
void xp_report_put_safe(FILE *out, const char *s);

/* One target's SPEC JSON document (report_json.c); the caller owns it.
 * Other reporters use it for what is defined on documents (--baseline). */
json_t *xp_report_target_json(const struct xp_target *t, const struct xp_options *opts);

/* Print a target's changes since --baseline (nothing without one):
 * "  + new warn MX_MIXED: ...", one line each, control bytes escaped. */
void xp_report_write_changes(FILE *out, const struct xp_target *t,
                             const struct xp_options *opts);

#endif
