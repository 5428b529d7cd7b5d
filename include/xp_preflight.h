/*
 * xp_preflight.h — the Hybrid Configuration Wizard pre-flight checklist
 * (--preflight, the TUI's p panel). A pure function of one target's
 * results: which checks ran and how they ended, and the finding codes
 * they produced (plus a few evidence fields that tell apart findings of
 * the same code, e.g. the autodiscover CNAME from the verification CNAME).
 * No I/O, no engine: report_preflight.c renders it as text, JSON and
 * JUnit, the TUI as a panel.
 *
 * Each item is ready, not ready (a blocker: a finding says so) or unknown
 * (the check that would tell did not run, was skipped, is still running,
 * or could not tell). The verdict: not ready as soon as one item is;
 * ready only when every item is; otherwise unknown.
 */
#ifndef XP_PREFLIGHT_H
#define XP_PREFLIGHT_H

#include <stddef.h>
#include <stdio.h>

#include "xp_model.h"

enum xp_pf_state {
    XP_PF_UNKNOWN,
    XP_PF_READY,
    XP_PF_NOT_READY,
};

#define XP_PF_MAX_CODES 16
/* Room for the checklist's items (report/preflight.c's table says how
 * many there are: pf->nitems; a build-time check keeps them within). */
#define XP_PF_MAX_ITEMS 24

struct xp_pf_item {
    const char *id;            /* stable: "autodiscover", "no_preauth", ... (static) */
    const char *title;         /* static */
    enum xp_pf_state state;
    enum xp_code codes[XP_PF_MAX_CODES];   /* the findings behind it, first seen first */
    size_t ncodes;
    char *why;                 /* one line: the blocker's message, why unknown, or what
                                * shows it ready; owned */
    char *fix;                 /* what to do (how to find out, when unknown); NULL when
                                * ready; owned */
};

struct xp_preflight {
    struct xp_pf_item items[XP_PF_MAX_ITEMS];
    size_t nitems;
    int blockers;              /* items not ready */
    int unknown;               /* items unknown */
    int ready;                 /* 1 ready, 0 not ready, -1 cannot tell */
};

/*
 * Evaluate the checklist for t (borrowed; only read). pf is overwritten
 * and owns copies of every string, so it stays valid after the model
 * changes (a TUI rerun). Free with xp_preflight_clear.
 */
void xp_preflight_eval(const struct xp_target *t, struct xp_preflight *pf);
void xp_preflight_clear(struct xp_preflight *pf);

/* "ready", "not_ready", "unknown" (the JSON names). */
const char *xp_pf_state_name(enum xp_pf_state st);

/* The verdict line: "ready: no — 2 blockers", "ready: yes — all 12 items
 * ready", "ready: unknown — no blocker found, 5 of 12 items unknown". */
void xp_preflight_verdict(const struct xp_preflight *pf, char *buf, size_t len);

/*
 * SPEC: with --preflight the exit status is the checklist's: 0 ready,
 * 1 ready but some check warned (or failed outside the checklist), 2 not
 * ready, 3 unknown. For several targets the worst, in the order
 * 2 > 3 > 1 > 0 (as fail > unknown > warn > pass).
 */
int xp_preflight_exit_code(const struct xp_target *t);
int xp_preflight_run_exit_code(const struct xp_run *run);

/* ---- rendering (report/report_preflight.c) ---- */

struct xp_options;
struct json_t;

/* The text section a target's report starts with (--preflight). Colour
 * and -q as opts say; strings go through xp_report_put_safe. */
void xp_preflight_write_text(FILE *out, const struct xp_target *t,
                             const struct xp_options *opts);

/* The "preflight" object of a target's JSON document (a new reference):
 * {"ready": true|false|null, "verdict", "blockers", "unknown", "items"}. */
struct json_t *xp_preflight_json(const struct xp_target *t);

#endif
