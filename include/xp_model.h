/*
 * xp_model.h — the one data model every reporter reads:
 *
 *   run → targets → checks → steps (a tree) + findings (+ evidence)
 *
 * Ownership: the run owns its targets, a target its checks, a check its
 * steps and findings, a finding its evidence. Reporters and the TUI get
 * const borrows, valid until XP_EV_CHECK_RESET for that check or until the
 * run is freed. Every string that enters the model is copied, made valid
 * UTF-8 (invalid bytes become U+FFFD) and capped (run->params->value_max), so
 * whatever bytes a server sent, every reporter can print it.
 *
 * Checks change the model only through the functions below; each also
 * emits the matching reporter event, so no check can forget to notify.
 */
#ifndef XP_MODEL_H
#define XP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "xp.h"
#include "xp_codes.h"
#include "xp_params.h"

enum xp_status {
    XP_ST_PENDING,
    XP_ST_RUNNING,
    XP_ST_SKIP,
    XP_ST_PASS,
    XP_ST_INFO,
    XP_ST_WARN,
    XP_ST_UNKNOWN,          /* no verdict could be reached (SPEC: fail > unknown > warn) */
    XP_ST_FAIL,
};

enum xp_ev_kind { XP_EVK_STR, XP_EVK_INT, XP_EVK_LIST };

struct xp_evidence {
    char *key;
    enum xp_ev_kind kind;
    char *str;              /* XP_EVK_STR */
    long long num;          /* XP_EVK_INT */
    char **items;           /* XP_EVK_LIST */
    size_t nitems;
    struct xp_evidence *next;
};

struct xp_step {
    char *title;
    enum xp_status status;
    char *detail;           /* may hold several lines; NULL if none */
    int64_t t0_us, t1_us;
    struct xp_check *check;
    struct xp_step *parent, *children, *last_child, *next;
};

/*
 * What a finding is about, as facts a reader tests without parsing its
 * evidence or message: set by the check that knows them (xp_finding_about),
 * read by the pre-flight (report/preflight.c), which judges by these and
 * the codes only. A bit a new pre-flight rule needs is added here and set
 * where the check builds the finding. Not part of the JSON.
 */
enum xp_about {
    XP_ABOUT_AUTODISCOVER_RECORD = 1 << 0, /* the autodiscover.DOMAIN record */
    XP_ABOUT_VERIFICATION_RECORD = 1 << 1, /* the MS= TXT at the apex, msNNNNNNNN.DOMAIN */
    XP_ABOUT_CLOUD_DEPLOYMENT = 1 << 2,    /* the records are a cloud-only deployment's */
    XP_ABOUT_EXO_HOST = 1 << 3,            /* a host of Exchange Online, not the
                                            * organisation's (include/xp_exo.h) */
    XP_ABOUT_SMTP_PORT = 1 << 4,           /* an endpoint on port 25 or 587 */
    XP_ABOUT_CERT_REFUSED = 1 << 5,        /* a weakness of the certificates themselves
                                            * (not the protocol's) that clients refuse */
    XP_ABOUT_OLD_PROTOCOL = 1 << 6,        /* the negotiated protocol is older than TLS 1.2 */
    XP_ABOUT_HYBRID_APP_READY = 1 << 7,    /* the Exchange build can use the dedicated
                                            * hybrid app (April 2025 HU or later) */
    XP_ABOUT_FEDERATION_PATH = 1 << 8,     /* guards /autodiscover/autodiscover.svc
                                            * (GetFederationInformation) */
};

struct xp_finding {
    enum xp_code code;
    enum xp_severity severity;
    char *message;          /* one line */
    char *remediation;      /* what to do; NULL for pure information */
    struct xp_evidence *evidence, *last_evidence;
    const struct xp_step *step;   /* where it was found; may be NULL */
    struct xp_check *check;
    struct xp_finding *next;
    int suppressed;         /* named by ignore = / --ignore: shown as info */
    int answer;             /* the evidence is what the user asked for (the
                             * --user settings): shown without -v too */
    enum xp_severity original_severity;   /* the severity before suppression */
    unsigned about;         /* enum xp_about bits */
};

struct xp_check_ops;
struct xp_facts;
struct xp_target;

struct xp_check {
    const struct xp_check_ops *ops;
    struct xp_target *target;
    enum xp_status status;
    int64_t t0_us, t1_us;
    char *skip_reason;
    struct xp_step *steps, *last_step;
    struct xp_finding *findings, *last_finding;
    size_t nfindings;
    /* engine bookkeeping */
    unsigned generation;    /* bumped on rerun/cancel: stale callbacks compare */
    int pending;            /* outstanding async operations */
    int started, done;
    void *state;            /* check-private, freed by ops->free_state */
};

struct xp_run;

/* The one status count every reporter uses: how many checks (or targets)
 * ended in each status, and how many are still running or waiting. */
struct xp_counts {
    int pass, warn, fail, unknown, skip;
    int running, waiting;       /* not finished yet (the session's live view) */
};

struct xp_target {
    struct xp_run *run;
    char *input;            /* as the user gave it */
    char *domain;           /* ASCII (A-label) domain */
    char *email;            /* the address, when one was given */
    /* NULL (nchecks 0) while a streamed run (xp_engine_release_reported)
     * has not started the target yet, and again once it is reported: only
     * the running targets' checks are in memory, whatever the number of
     * targets. kept then says what they were (waiting, or how they ended);
     * status is the verdict once done. */
    struct xp_check **checks;
    size_t nchecks;
    struct xp_counts kept;
    enum xp_status status;
    char started_at[32];
    int64_t t0_us, t1_us;
    int started, done, interrupted;
    int premises_ok;        /* the resolver answers and the domain exists: checks may run */
    int premise_noted;      /* RESOLVER_PARTIAL already told in one of its checks */
    uint64_t deadline_timer;
    struct xp_facts *facts;     /* what checks learnt and share (xp_facts.h) */
    char *invalid;              /* not a target: why (DOMAIN_INVALID), or NULL */
    size_t index;           /* position in run->targets (input order) */
};

enum xp_evtype {
    XP_EV_RUN_BEGIN,
    XP_EV_TARGET_BEGIN,
    XP_EV_CHECK_BEGIN,
    XP_EV_STEP_BEGIN,
    XP_EV_STEP_END,
    XP_EV_FINDING,
    XP_EV_CHECK_END,
    XP_EV_CHECK_RESET,      /* a rerun is about to free the check's results */
    XP_EV_TARGET_END,
    XP_EV_RUN_END,
};

struct xp_event {
    enum xp_evtype type;
    const struct xp_run *run;
    const struct xp_target *target;
    const struct xp_check *check;
    const struct xp_step *step;
    const struct xp_finding *finding;
};

typedef void (*xp_emit_fn)(void *ctx, const struct xp_event *ev);

struct xp_engine;

struct xp_run {
    struct xp_engine *engine;     /* the engine driving this run */
    struct xp_target **targets;
    size_t ntargets;
    int interrupted;
    int64_t t0_us, t1_us;
    xp_emit_fn emit;        /* where model events go (the reporters) */
    void *emit_ctx;
    const unsigned char *ignored;   /* XP_CODE_COUNT flags (ignore =), or NULL */
    const struct xp_params *params; /* the run's bounds; NULL: xp_params_defaults */
    int redact;                     /* --redact: private values masked (xp_private) */
};

/* Names used by every reporter ("pass", "warn", ...). */
const char *xp_status_name(enum xp_status st);
/* Severity as a step/check status. */
enum xp_status xp_status_of_severity(enum xp_severity sev);
/* The worse of two results (fail > unknown > warn > pass/info > skip > pending). */
enum xp_status xp_status_worst(enum xp_status a, enum xp_status b);

/* Length of the printable character at s (n bytes left): a valid UTF-8
 * sequence that is no control (C0, DEL, C1); 0 if there is none. */
size_t xp_utf8_printable_len(const char *s, size_t n);
/* 1 if all n bytes are printable characters as above. */
int xp_utf8_printable(const char *s, size_t n);
/* Copy s (n bytes) as valid UTF-8, capped at max bytes ("…" marks a cut). */
char *xp_utf8_clean(const char *s, size_t n, size_t max);

/* ---- writer API: checks call these; each emits its event ---- */

void xp_emit(struct xp_run *run, enum xp_evtype type, struct xp_target *t,
             struct xp_check *c, const struct xp_step *s, const struct xp_finding *f);

/* A running step under parent (NULL: top level). Returns a borrow. */
struct xp_step *xp_step_begin(struct xp_check *c, struct xp_step *parent,
                              const char *fmt, ...) XP_PRINTF(3, 4);
/* Finish a step with its result and an optional detail line (fmt NULL). */
void xp_step_end(struct xp_step *s, enum xp_status st, const char *fmt, ...) XP_PRINTF(3, 4);
/* The worst status among a step's children (pass when it has none). */
enum xp_status xp_step_children_worst(const struct xp_step *s);
/* Append one line to a step's detail (before or after it ends). */
void xp_step_note(struct xp_step *s, const char *fmt, ...) XP_PRINTF(2, 3);
/* Put the steps in subset, children of parent (NULL: the check's top-level
 * steps), into the order given, in the places they hold among them (the
 * others stay where they are): a check that begins steps as answers arrive
 * shows them in a stable order. */
void xp_check_steps_sort(struct xp_check *c, struct xp_step *parent,
                         struct xp_step *const *subset, size_t n);

/*
 * A finding is built, then added: xp_finding_new → xp_ev_* / xp_finding_fix
 * → xp_finding_add (which emits XP_EV_FINDING and hands it to the check).
 * Severity defaults to the code's; xp_finding_severity changes it.
 */
struct xp_finding *xp_finding_new(struct xp_check *c, const struct xp_step *step,
                                  enum xp_code code, const char *fmt, ...) XP_PRINTF(4, 5);
void xp_finding_severity(struct xp_finding *f, enum xp_severity sev);
/* Add enum xp_about bits to what the finding is about. */
void xp_finding_about(struct xp_finding *f, unsigned about);
void xp_finding_fix(struct xp_finding *f, const char *fmt, ...) XP_PRINTF(2, 3);
void xp_finding_add(struct xp_finding *f);
/* Free a finding that was built but will not be added (a verdict computed
 * without a check to report it on). */
void xp_finding_discard(struct xp_finding *f);

void xp_ev_str(struct xp_finding *f, const char *key, const char *value);
/* What a server reveals about the inside of a network (internal host and
 * domain names, an OS build): evidence, but masked with --redact so a report
 * can be pasted into a ticket. Masked here, before any reporter sees it. */
#define XP_REDACTED "[redacted]"
void xp_ev_private(struct xp_finding *f, const char *key, const char *value);
/* value, or XP_REDACTED in a --redact run (for step notes). */
const char *xp_private(const struct xp_check *c, const char *value);
void xp_ev_strn(struct xp_finding *f, const char *key, const char *value, size_t n);
void xp_ev_int(struct xp_finding *f, const char *key, long long value);
/* A list; items copied. */
void xp_ev_list(struct xp_finding *f, const char *key, char *const *items, size_t n);

/* How many of the check's findings so far are problems (not info). */
int xp_check_problems(const struct xp_check *c);

/* The target's check with this id, or NULL (not selected for the run). */
struct xp_check *xp_target_check(const struct xp_target *t, const char *id);
/* The first finding of code reported by the target's check id once it is
 * done (NULL: not selected, skipped, still running, or no such finding):
 * how a check reads another's verdict, by code, never by its text. */
const struct xp_finding *xp_target_finding(const struct xp_target *t, const char *id,
                                           enum xp_code code);

/* Roll-ups, computed from the model (reporters never compute them). */
enum xp_status xp_check_rollup(const struct xp_check *c);
enum xp_status xp_target_rollup(const struct xp_target *t);
enum xp_status xp_run_rollup(const struct xp_run *run);
/* A target's checks (n is zeroed first). */
void xp_target_counts(const struct xp_target *t, struct xp_counts *n);
/* Every target's checks, added up. */
void xp_run_check_counts(const struct xp_run *run, struct xp_counts *n);
/* The targets by their verdict (xp_target_rollup). */
void xp_run_target_counts(const struct xp_run *run, struct xp_counts *n);
/* "PASS", "WARN", "FAIL", "UNKNOWN" for a target's verdict. */
const char *xp_status_upper(enum xp_status st);
/* Nagios: 0 pass, 1 warn, 2 fail, 3 unknown. */
int xp_exit_code_of(enum xp_status st);
int xp_run_exit_code(const struct xp_run *run);
int64_t xp_duration_ms(int64_t t0_us, int64_t t1_us);

/* Free a check's results (steps, findings), leaving the check reusable. */
void xp_check_clear(struct xp_check *c);
/* Free the targets from index keep on (targets an interrupted run never
 * started), so they leave the reports and the memory together. */
void xp_run_drop_targets(struct xp_run *run, size_t keep);
void xp_run_free(struct xp_run *run);

#endif
