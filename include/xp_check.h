/*
 * xp_check.h — what a check is, and what the engine offers it.
 *
 * A check is a small state machine registered in probes/registry.c:
 *   start(c)  issues asynchronous work (DNS questions, connects) through
 *             the xp_check_* helpers below, and may add steps;
 *   each helper's callback may add steps and issue more work;
 *   judge(c)  runs once all work is done: it turns what was learnt into
 *             findings. Then the engine closes the check and emits
 *             CHECK_END.
 * The helpers count work in flight and drop the callbacks of a check that
 * was cancelled (run deadline) or restarted (TUI rerun), so a check never
 * sees a stale answer. Anything a callback's arg points at must live in
 * c->state (freed by free_state), never be a per-call allocation, since a
 * dropped callback cannot free it.
 */
#ifndef XP_CHECK_H
#define XP_CHECK_H

#include "xp_dns.h"
#include "xp_http.h"
#include "xp_model.h"
#include "xp_tcp.h"
#include "xp_tls.h"

struct xp_options;
struct xp_expect;
struct xp_loop;

/* A DNS question about the target: prefix + its domain ("" = the domain). */
struct xp_dns_ask {
    const char *prefix;         /* NULL ends a list */
    int type;
};

struct xp_check_ops {
    const char *id;                 /* SPEC check id: "cname" */
    const char *title;              /* "Office 365 domain records" */
    const char *help;               /* --help text: lines of at most 72
                                     * characters joined by '\n' */
    const char *const *after;       /* ids this check waits for, NULL-ended */
    int judge_after;                /* 1: start at once and let only judge wait
                                     * for `after` (the check reads their facts
                                     * and findings in judge alone): its own DNS
                                     * and HTTP work overlaps theirs */
    const char *const *start_after; /* or: start once these of `after` are done (its
                                     * start needs them), judge once all are;
                                     * NULL-ended; NULL: start after all */
    const struct xp_dns_ask *prefetch;  /* the questions start() asks first: the
                                     * engine asks them while the target's
                                     * premise (its NS) is in flight, so the
                                     * check's first round trip overlaps it
                                     * (answers are memoised per run); or NULL */
    void (*start)(struct xp_check *c);
    void (*judge)(struct xp_check *c);
    void (*free_state)(struct xp_check *c);   /* free c->state; may be NULL */
    void (*facts_grew)(struct xp_check *c);   /* with judge_after: a check of `after`
                                     * published facts (xp_check_facts_grew) or
                                     * ended (its facts are all in): take what is
                                     * new, e.g. probe a host as soon as
                                     * autodiscover reached it; may be NULL */
    int dnssec;                     /* 1: asks xp_check_dnssec: a run with this check
                                     * starts building its validator at once */
};

/* What an answer says, in one word for a summary: its status name, or
 * "not asked (-6)" when the command line decided it (-4, -6). */
const char *xp_check_answer_word(const struct xp_dns_result *res);

/* The registry: every check, in SPEC (and report) order, NULL-ended. */
extern const struct xp_check_ops *const xp_checks[];
/* Index in xp_checks of id, or -1. */
int xp_check_index(const char *id);
/* "autodiscover,preauth,..." for help texts; static storage. */
const char *xp_check_ids(void);

/* What a check may read while it runs. */
const struct xp_options *xp_check_options(const struct xp_check *c);
const struct xp_expect *xp_check_expect(const struct xp_check *c);
/* Every bound and timeout of the run (xp_params.h). */
const struct xp_params *xp_check_params(const struct xp_check *c);
struct xp_loop *xp_check_loop(const struct xp_check *c);

/*
 * What a kind of check keeps for the whole run, shared by its checks of
 * every target (a cache, a counter): NULL until set, set once, freed with
 * the engine by free_fn (may be NULL). Run state lives here, never in a
 * static variable: two runs in one process (a session, the tests) stay
 * apart, and nothing outlives the run.
 */
void *xp_check_run_state(const struct xp_check *c);
void xp_check_set_run_state(struct xp_check *c, void *state, void (*free_fn)(void *));

/* Ask the run's resolver; cb runs unless the check was cancelled. */
typedef void (*xp_check_dns_cb)(struct xp_check *c, void *arg, const struct xp_dns_result *res);
void xp_check_dns(struct xp_check *c, const char *name, int type, xp_check_dns_cb cb, void *arg);

/*
 * A host name's addresses: its A and AAAA questions asked at once (each
 * through xp_check_dns, so memoised per run). The lookup lives in c->state
 * (it is the callbacks' arg); cb runs once both answered, after their DNS
 * steps (A, then AAAA) were added under parent. The answers stay in a.res
 * and aaaa.res until the next xp_check_addrs on it or xp_check_addrs_clear,
 * which free_state must call (a cancelled check leaves one behind).
 */
struct xp_addr_lookup;
typedef void (*xp_check_addrs_cb)(struct xp_check *c, struct xp_addr_lookup *l);
struct xp_addr_q {
    struct xp_addr_lookup *l;
    struct xp_dns_result *res;
};
struct xp_addr_lookup {
    struct xp_addr_q a, aaaa;
    struct xp_step *parent;
    int pending;
    xp_check_addrs_cb cb;
    void *arg;                  /* the caller's, untouched */
};
void xp_check_addrs(struct xp_check *c, struct xp_addr_lookup *l, struct xp_step *parent,
                    const char *name, xp_check_addrs_cb cb, void *arg);
void xp_check_addrs_clear(struct xp_addr_lookup *l);
/* The address to connect to: the first A, else the first AAAA; or NULL. */
const char *xp_addrs_pick(const struct xp_addr_lookup *l);

/*
 * Ask the run's DNSSEC validator (libunbound, include/xp_dnssec.h, with
 * --dns-server and --trust-anchor; its building starts with the run when a
 * check of the run has .dnssec, else on first use). cb runs unless the
 * check was cancelled; when no validator could be set up, res has
 * setup_failed and the reason in res->dns.error.
 */
struct xp_dnssec_result;
typedef void (*xp_check_dnssec_cb)(struct xp_check *c, void *arg,
                                   const struct xp_dnssec_result *res);
void xp_check_dnssec(struct xp_check *c, const char *name, int type, xp_check_dnssec_cb cb,
                     void *arg);

/*
 * The DNS slot every record check uses: one question, its answer kept, and
 * the steps it is shown under. It lives in c->state (it is the callback's
 * arg); free_state calls xp_dns_slot_clear.
 */
struct xp_dns_slot;
typedef void (*xp_dns_slot_cb)(struct xp_check *c, struct xp_dns_slot *s);
struct xp_dns_slot {
    struct xp_dns_result *res;  /* the answer (owned); NULL until it came */
    struct xp_step *step;       /* its DNS step goes under this one; NULL: not shown */
    struct xp_step *also;       /* a second step that shows it too, or NULL */
    xp_dns_slot_cb then;        /* runs after the answer is kept, or NULL */
    void *arg;                  /* the caller's, untouched */
};
/* Ask name/type; the answer is kept in s->res and shown under step (and
 * s->also), then s->then runs. */
void xp_dns_slot_ask(struct xp_check *c, struct xp_dns_slot *s, struct xp_step *step,
                     const char *name, int type);
/* For a callback of its own: keep res in s and show it, as above. */
void xp_dns_slot_keep(struct xp_check *c, struct xp_dns_slot *s, const struct xp_dns_result *res);
/* No answer (never came, or SERVFAIL, REFUSED, timeout, ...): unknown. */
int xp_dns_slot_failed(const struct xp_dns_slot *s);
void xp_dns_slot_clear(struct xp_dns_slot *s);

/* Connect with --timeout; the callback owns res->fd (close it with
 * xp_check_close when done). At most params.conns_per_dest connections
 * to one address and port are open at once (the others wait their turn);
 * a refusal or reset while others are open there is retried once. */
typedef void (*xp_check_tcp_cb)(struct xp_check *c, void *arg, const struct xp_tcp_result *res);
void xp_check_tcp(struct xp_check *c, const char *ip, int port, xp_check_tcp_cb cb, void *arg);

/* TLS handshake over a connected fd (ownership passes to the helper); the
 * callback owns ssl and fd on success (xp_check_close). */
typedef void (*xp_check_tls_cb)(struct xp_check *c, void *arg, const struct xp_tls_info *info,
                                SSL *ssl, int fd);
void xp_check_tls(struct xp_check *c, int fd, const char *sni, int port, const char *ip,
                  xp_check_tls_cb cb, void *arg);
/* The same, offering no protocol above max_version (0: no limit). */
void xp_check_tls_max(struct xp_check *c, int fd, const char *sni, int port, const char *ip,
                      int max_version, xp_check_tls_cb cb, void *arg);
/* SSL_free(ssl) (NULL is fine) and close fd, freeing its destination slot. */
void xp_check_close(struct xp_check *c, SSL *ssl, int fd);

/* An HTTP request (the request's strings are copied); resp is borrowed
 * for the callback. */
typedef void (*xp_check_http_cb)(struct xp_check *c, void *arg, const struct xp_http_resp *resp);
void xp_check_http(struct xp_check *c, const struct xp_http_req *req, xp_check_http_cb cb,
                   void *arg);
/*
 * An anonymous request sent now for the run's shared answers only
 * (xp_http_share.h), before c knows it needs the answer: a later identical
 * xp_check_http (c's or another target's) joins it in flight or takes the
 * stored copy. No callback, no steps; c does not wait for it (it may end
 * first). Not sent once c has ended or was restarted while nobody waits for
 * it; not at all when it cannot be shared (credentials, fresh, an NTLM
 * conversation) or the same request was asked already. It queues for the
 * same slots (lanes, --per-address) as any request, behind those asked
 * earlier.
 */
void xp_check_http_prefetch(struct xp_check *c, const struct xp_http_req *req);

/*
 * The certificate verdict of an endpoint this check uses (xp_cert_verdict,
 * the same judgement as the cert check's), against the run's trust store
 * (loaded once per run). For AUTOD_/SMTP_/LYNC_CERT_INVALID: a client
 * refuses or warns when v->severity is XP_SEV_FAIL. no_protocol leaves the
 * TLS version out (the caller reports it: one cause, one finding).
 */
struct xp_cert_verdict;
void xp_check_cert_verdict(struct xp_check *c, const struct xp_tls_info *info, int exchange,
                           int no_protocol, struct xp_cert_verdict *v);

/* The run's trust store (--ca-file, else the system's), loaded once per
 * run and shared by every target: read-only, X509_STORE_up_ref to keep. */
X509_STORE *xp_check_cert_store(struct xp_check *c);

/* The target's shared facts (certificates met, ...). */
struct xp_facts *xp_check_facts(const struct xp_check *c);
/* c published facts the checks that read it may act on before c ends: each
 * started, unfinished check of the target with c in its `after` and a
 * facts_grew is told at once (the engine also tells them when c ends). */
void xp_check_facts_grew(struct xp_check *c);
/* Has the check with this id ended (or is it not part of the run)? */
int xp_check_done(const struct xp_check *c, const char *id);

/* Is the check with this id part of the target's run? */
int xp_check_in_run(const struct xp_check *c, const char *id);

/* Mark the check skipped (it had nothing to do), with the reason. */
void xp_check_skip(struct xp_check *c, const char *reason);

/* For work of other kinds: hold before starting it, release when done. */
void xp_check_hold(struct xp_check *c);
void xp_check_release(struct xp_check *c);

/*
 * DNS evidence in one call: a step for "TYPE name" ended with the answer
 * (records, or NXDOMAIN/no data/timeout in words). Returns the step.
 */
struct xp_step *xp_check_dns_step(struct xp_check *c, struct xp_step *parent,
                                  const struct xp_dns_result *res);
/* A finding that a DNS question failed (SERVFAIL, REFUSED, timeout, ...):
 * "TYPE name: DNS query timed out (error)", with the answer as evidence.
 * Returned, not yet added: the caller may change its severity. */
struct xp_finding *xp_check_dns_failure(struct xp_check *c, const struct xp_step *step,
                                        enum xp_code code, const struct xp_dns_result *res);
/* Add the formatted answer (and status) of res to finding f as evidence. */
void xp_ev_dns(struct xp_finding *f, const char *key, const struct xp_dns_result *res);

/* ---- the engine (probes/engine.c), used by ui/main.c and the TUI ---- */

struct xp_engine;

/*
 * A run for opts' targets. Events go to emit(ctx, ev). Returns NULL with a
 * message in err when something the user gave is unusable (exit 3).
 */
struct xp_engine *xp_engine_new(const struct xp_options *opts, struct xp_loop *loop,
                                xp_emit_fn emit, void *ctx, char *err, size_t errlen);
/* Start every target; RUN_END is emitted when all are done or stopped. */
void xp_engine_start(struct xp_engine *e);
/* The model, for reporters and the exit code. */
struct xp_run *xp_engine_run(struct xp_engine *e);
int xp_engine_done(const struct xp_engine *e);
/* Free each target's results once its TARGET_END event has been handled
 * (the reporters that write a target as it ends: xp_report_streams). */
void xp_engine_release_reported(struct xp_engine *e, int on);
/* Stop everything now (Ctrl-C): unfinished checks end as interrupted. */
void xp_engine_interrupt(struct xp_engine *e);
/* Run one check of a target again (TUI 'r'); deferred to a safe point. */
void xp_engine_rerun(struct xp_engine *e, struct xp_check *c);
void xp_engine_free(struct xp_engine *e);

#endif
