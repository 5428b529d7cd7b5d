/*
 * report_json.c — the SPEC JSON document, built from the model with
 * jansson (which escapes; the model guarantees valid UTF-8).
 *   json:  one document at close (an array of documents for several
 *          targets); always complete, also when interrupted.
 *   jsonl: one compact document per target, written as each one ends.
 */
#include "xp_check.h"
#include "xp_baseline.h"
#include "xp_dnssec.h"
#include "xp_expect.h"
#include "xp_options.h"
#include "xp_preflight.h"
#include "xp_report.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA "exprobe/1"

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *
steps_json(const struct xp_step *s)
{
    json_t *arr = json_array();

    for (; s; s = s->next) {
        json_t *o = json_object();

        json_object_set_new(o, "title", json_string(s->title));
        json_object_set_new(o, "status", json_string(xp_status_name(s->status)));
        json_object_set_new(o, "duration_ms", json_integer(xp_duration_ms(s->t0_us, s->t1_us)));
        json_object_set_new(o, "detail", json_string(s->detail ? s->detail : ""));
        json_object_set_new(o, "steps", steps_json(s->children));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *
evidence_json(const struct xp_evidence *e)
{
    json_t *o = json_object();
    size_t i;

    for (; e; e = e->next) {
        json_t *v;

        switch (e->kind) {
        case XP_EVK_INT:
            v = json_integer(e->num);
            break;
        case XP_EVK_LIST:
            v = json_array();
            for (i = 0; i < e->nitems; i++)
                json_array_append_new(v, json_string(e->items[i]));
            break;
        default:
            v = json_string(e->str);
            break;
        }
        json_object_set_new(o, e->key, v);
    }
    return o;
}

static json_t *
findings_json(const struct xp_finding *f)
{
    json_t *arr = json_array();

    for (; f; f = f->next) {
        json_t *o = json_object();

        json_object_set_new(o, "code", json_string(xp_code_info(f->code)->name));
        json_object_set_new(o, "severity", json_string(xp_severity_name(f->severity)));
        json_object_set_new(o, "message", json_string(f->message));
        json_object_set_new(o, "evidence", evidence_json(f->evidence));
        json_object_set_new(o, "remediation", str_or_null(f->remediation));
        if (f->step)
            json_object_set_new(o, "step", json_string(f->step->title));
        if (f->suppressed) {
            json_object_set_new(o, "suppressed", json_true());
            json_object_set_new(o, "original_severity",
                                json_string(xp_severity_name(f->original_severity)));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *
check_json(const struct xp_check *c)
{
    json_t *o = json_object();
    enum xp_status st = c->done ? c->status : xp_status_worst(xp_check_rollup(c), XP_ST_UNKNOWN);

    json_object_set_new(o, "id", json_string(c->ops->id));
    json_object_set_new(o, "title", json_string(c->ops->title));
    json_object_set_new(o, "status", json_string(xp_status_name(st)));
    json_object_set_new(o, "duration_ms", json_integer(xp_duration_ms(c->t0_us, c->t1_us)));
    if (c->skip_reason)
        json_object_set_new(o, "skip_reason", json_string(c->skip_reason));
    json_object_set_new(o, "steps", steps_json(c->steps));
    json_object_set_new(o, "findings", findings_json(c->findings));
    return o;
}

/* A string from the command line (any bytes) as a JSON string, or null. */
static json_t *
arg_json(const char *s, size_t n)
{
    char *clean;
    json_t *v;

    if (!s)
        return json_null();
    clean = xp_utf8_clean(s, n, 4096);
    v = json_string(clean);
    free(clean);
    return v;
}

/* A comma-separated option value as a JSON list (NULL: empty list). */
static json_t *
list_json(const char *csv)
{
    json_t *arr = json_array();
    const char *p = csv;

    while (p && *p) {
        size_t n = strcspn(p, ",");

        json_array_append_new(arr, arg_json(p, n));
        p += n;
        if (*p == ',')
            p++;
    }
    return arr;
}

/*
 * The parameters that shape the verdict (SPEC "run"): two reports can be
 * compared only when these agree, so they travel with every document.
 */
static json_t *
run_json(const struct xp_options *opts)
{
    json_t *o = json_object(), *checks = json_array(), *ignored = json_array();
    size_t i;

    for (i = 0; xp_checks[i]; i++)
        if (opts->checks & (1ul << i))
            json_array_append_new(checks, json_string(xp_checks[i]->id));
    for (i = 0; opts->expect && opts->expect->ignored && i < XP_CODE_COUNT; i++)
        if (opts->expect->ignored[i])
            json_array_append_new(ignored, json_string(xp_code_info((enum xp_code)i)->name));
    json_object_set_new(o, "version", json_string(XP_VERSION));
    json_object_set_new(o, "checks", checks);
    json_object_set_new(o, "dns_servers", opts->dns_servers ? list_json(opts->dns_servers)
                                                           : json_string("system"));
    json_object_set_new(o, "ca_file", arg_json(opts->ca_file, opts->ca_file ? strlen(opts->ca_file) : 0));
    json_object_set_new(o, "trust_anchor",
                        opts->trust_anchor
                            ? arg_json(opts->trust_anchor, strlen(opts->trust_anchor))
                            : json_string(XP_DNSSEC_DEFAULT_ANCHOR));
    json_object_set_new(o, "dnsbl_zones", opts->dnsbl ? list_json(opts->dnsbl)
                                                      : json_string("built-in"));
    json_object_set_new(o, "expect_file", arg_json(opts->expect_file, opts->expect_file ? strlen(opts->expect_file) : 0));
    json_object_set_new(o, "ignored", ignored);
    json_object_set_new(o, "family", opts->family ? json_integer(opts->family) : json_null());
    {
        json_t *ct = json_array();
        size_t k;

        for (k = 0; k < opts->nconnect_to; k++)
            json_array_append_new(ct, json_pack("{s:s, s:i, s:s}", "host",
                                                opts->connect_to[k].host, "port",
                                                opts->connect_to[k].port, "address",
                                                opts->connect_to[k].addr));
        json_object_set_new(o, "connect_to", ct);
    }
    json_object_set_new(o, "ehlo", arg_json(opts->ehlo, opts->ehlo ? strlen(opts->ehlo) : 0));
    json_object_set_new(o, "sending_ip", arg_json(opts->ip, opts->ip ? strlen(opts->ip) : 0));
    json_object_set_new(o, "user", arg_json(opts->user, opts->user ? strlen(opts->user) : 0));
    json_object_set_new(o, "preflight", json_boolean(opts->preflight));
    json_object_set_new(o, "no_cloud_lookups", json_boolean(opts->no_cloud_lookups));
    json_object_set_new(o, "redact", json_boolean(opts->redact));
    json_object_set_new(o, "baseline", opts->baseline
                        ? arg_json(xp_baseline_path(opts->baseline),
                                   strlen(xp_baseline_path(opts->baseline)))
                        : json_null());
    json_object_set_new(o, "timeout_ms", json_integer(opts->params.timeout_ms));
    json_object_set_new(o, "max_time_ms", json_integer(opts->params.max_time_ms));
    return o;
}

/* One SPEC document for one target (with --preflight, its checklist). */
static json_t *
target_json(const struct xp_target *t, const struct xp_options *opts)
{
    json_t *o = json_object(), *tool = json_object(), *sum = json_object(), *checks = json_array();
    struct xp_counts n;
    size_t i;

    for (i = 0; i < t->nchecks; i++)
        json_array_append_new(checks, check_json(t->checks[i]));
    xp_target_counts(t, &n);
    json_object_set_new(tool, "name", json_string("exprobe"));
    json_object_set_new(tool, "version", json_string(XP_VERSION));
    json_object_set_new(sum, "pass", json_integer(n.pass));
    json_object_set_new(sum, "warn", json_integer(n.warn));
    json_object_set_new(sum, "fail", json_integer(n.fail));
    json_object_set_new(sum, "skip", json_integer(n.skip));
    json_object_set_new(sum, "unknown", json_integer(n.unknown));
    json_object_set_new(o, "schema", json_string(SCHEMA));
    json_object_set_new(o, "tool", tool);
    json_object_set_new(o, "target", json_string(t->domain));
    if (t->email)
        json_object_set_new(o, "email", json_string(t->email));
    json_object_set_new(o, "started_at", json_string(t->started_at));
    json_object_set_new(o, "duration_ms", json_integer(xp_duration_ms(t->t0_us, t->t1_us)));
    json_object_set_new(o, "status", json_string(xp_status_name(xp_target_rollup(t))));
    json_object_set_new(o, "interrupted", json_boolean(t->interrupted));
    json_object_set_new(o, "run", run_json(opts));
    json_object_set_new(o, "summary", sum);
    if (opts->preflight)
        json_object_set_new(o, "preflight", xp_preflight_json(t));
    json_object_set_new(o, "checks", checks);
    if (opts->baseline)
        json_object_set_new(o, "changes", xp_baseline_changes(opts->baseline, o));
    return o;
}

json_t *
xp_report_target_json(const struct xp_target *t, const struct xp_options *opts)
{
    return target_json(t, opts);
}

static void
dump(struct xp_reporter *r, json_t *doc, size_t flags)
{
    json_dumpf(doc, r->out, flags | JSON_PRESERVE_ORDER);
    fputc('\n', r->out);
    fflush(r->out);
    json_decref(doc);
}

/*
 * Streaming: a target's document is rendered to text when it ends (the
 * engine may then free the target: xp_report_streams) and written in input
 * order - held only while an earlier target is still running (the engine
 * bounds how many: xp_params.order_window) - or at once with --unordered
 * (jsonl). json with several targets streams the array the same way, each
 * element indented as one array dump would.
 */
struct stream {
    char **held;          /* by target index: rendered, waiting for its turn */
    size_t nheld_cap;
    size_t next;          /* the next index to write */
    size_t written;
};

static void
put_doc(struct xp_reporter *r, struct stream *st, char *text)
{
    if (r->ops == &xp_report_json) {
        const char *p;

        fputs(st->written ? ",\n  " : "[\n  ", r->out);
        for (p = text; *p; p++) {
            fputc(*p, r->out);
            if (*p == '\n')
                fputs("  ", r->out);
        }
    } else {
        fputs(text, r->out);
        fputc('\n', r->out);
    }
    st->written++;
    free(text);
}

static void
stream_event(struct xp_reporter *r, const struct xp_event *ev)
{
    struct stream *st = r->priv;
    const struct xp_run *run = ev->run;
    const struct xp_target *t = ev->target;
    int ordered = r->ops == &xp_report_json || !r->opts->unordered;
    size_t flags = (r->ops == &xp_report_json ? JSON_INDENT(2) : JSON_COMPACT) |
                   JSON_PRESERVE_ORDER;
    json_t *doc;

    if (ev->type != XP_EV_TARGET_END || (r->ops == &xp_report_json && run->ntargets == 1))
        return;
    doc = target_json(t, r->opts);
    if (!ordered) {
        put_doc(r, st, json_dumps(doc, flags));
    } else {
        if (t->index >= st->nheld_cap) {
            size_t cap = run->ntargets > t->index ? run->ntargets : t->index + 1;

            st->held = xrealloc(st->held, cap * sizeof(*st->held));
            memset(st->held + st->nheld_cap, 0, (cap - st->nheld_cap) * sizeof(*st->held));
            st->nheld_cap = cap;
        }
        st->held[t->index] = json_dumps(doc, flags);
        while (st->next < st->nheld_cap && st->held[st->next]) {
            put_doc(r, st, st->held[st->next]);
            st->held[st->next++] = NULL;
        }
    }
    json_decref(doc);
    fflush(r->out);
}

static void
stream_open(struct xp_reporter *r)
{
    r->priv = xcalloc(1, sizeof(struct stream));
}

static void
stream_free(struct xp_reporter *r)
{
    struct stream *st = r->priv;
    size_t i;

    if (!st)
        return;
    for (i = 0; i < st->nheld_cap; i++)
        free(st->held[i]);
    free(st->held);
    free(st);
}

static void
json_close(struct xp_reporter *r, const struct xp_run *run)
{
    struct stream *st = r->priv;

    if (run->ntargets == 1) {
        dump(r, target_json(run->targets[0], r->opts), JSON_INDENT(2));
        return;
    }
    fputs(st->written ? "\n]\n" : "[]\n", r->out);
    fflush(r->out);
}

const struct xp_reporter_ops xp_report_json = {
    .name = "json",
    .open = stream_open,
    .event = stream_event,
    .close = json_close,
    .free = stream_free,
};

const struct xp_reporter_ops xp_report_jsonl = {
    .name = "jsonl",
    .open = stream_open,
    .event = stream_event,
    .free = stream_free,
};
