/*
 * report_preflight.c — the pre-flight checklist (preflight.c) as the text
 * section a target's report starts with, and as the "preflight" object of
 * its JSON document. report_text.c, report_json.c and report_junit.c call
 * these when --preflight is given; the TUI draws its own panel.
 */
#include "xp_options.h"
#include "xp_preflight.h"
#include "xp_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void
paint(FILE *out, int color, const char *seq, const char *s)
{
    if (color && seq)
        fputs(seq, out);
    xp_report_put_safe(out, s);
    if (color && seq)
        fputs("\033[0m", out);
}

static const char *
state_tag(enum xp_pf_state st)
{
    switch (st) {
    case XP_PF_READY:
        return "[READY]    ";
    case XP_PF_NOT_READY:
        return "[NOT READY]";
    default:
        return "[UNKNOWN]  ";
    }
}

static const char *
state_colour(enum xp_pf_state st)
{
    switch (st) {
    case XP_PF_READY:
        return "\033[32m";
    case XP_PF_NOT_READY:
        return "\033[31;1m";
    default:
        return "\033[2m";
    }
}

static void
codes_line(FILE *out, const struct xp_pf_item *it)
{
    size_t i;

    if (!it->ncodes)
        return;
    fputs("  (", out);
    for (i = 0; i < it->ncodes; i++)
        fprintf(out, "%s%s", i ? ", " : "", xp_code_info(it->codes[i])->name);
    fputc(')', out);
}

void
xp_preflight_write_text(FILE *out, const struct xp_target *t, const struct xp_options *opts)
{
    struct xp_preflight pf;
    char verdict[160];
    const char *indent = "                ";
    size_t i;

    xp_preflight_eval(t, &pf);
    xp_preflight_verdict(&pf, verdict, sizeof(verdict));
    paint(out, opts->color, "\033[1m", "Hybrid Configuration Wizard pre-flight: ");
    paint(out, opts->color, state_colour(pf.ready == 0 ? XP_PF_NOT_READY
                                         : pf.ready == 1 ? XP_PF_READY : XP_PF_UNKNOWN),
          verdict);
    fputc('\n', out);
    for (i = 0; i < pf.nitems; i++) {
        const struct xp_pf_item *it = &pf.items[i];

        if (opts->quiet && it->state != XP_PF_NOT_READY)
            continue;
        fputs("    ", out);
        paint(out, opts->color, state_colour(it->state), state_tag(it->state));
        fputc(' ', out);
        xp_report_put_safe(out, it->title);
        fputc('\n', out);
        fputs(indent, out);
        xp_report_put_safe(out, it->why);
        codes_line(out, it);
        fputc('\n', out);
        if (it->fix) {
            fputs(indent, out);
            fputs(it->state == XP_PF_NOT_READY ? "fix: " : "to check: ", out);
            xp_report_put_safe(out, it->fix);
            fputc('\n', out);
        }
    }
    fputc('\n', out);
    xp_preflight_clear(&pf);
}

json_t *
xp_preflight_json(const struct xp_target *t)
{
    struct xp_preflight pf;
    json_t *o = json_object(), *arr = json_array();
    char verdict[160];
    size_t i, k;

    xp_preflight_eval(t, &pf);
    xp_preflight_verdict(&pf, verdict, sizeof(verdict));
    json_object_set_new(o, "ready", pf.ready < 0 ? json_null() : json_boolean(pf.ready));
    json_object_set_new(o, "verdict", json_string(verdict));
    json_object_set_new(o, "blockers", json_integer(pf.blockers));
    json_object_set_new(o, "unknown", json_integer(pf.unknown));
    for (i = 0; i < pf.nitems; i++) {
        const struct xp_pf_item *it = &pf.items[i];
        json_t *io = json_object(), *codes = json_array();

        for (k = 0; k < it->ncodes; k++)
            json_array_append_new(codes, json_string(xp_code_info(it->codes[k])->name));
        json_object_set_new(io, "id", json_string(it->id));
        json_object_set_new(io, "title", json_string(it->title));
        json_object_set_new(io, "state", json_string(xp_pf_state_name(it->state)));
        json_object_set_new(io, "codes", codes);
        json_object_set_new(io, "why", json_string(it->why));
        json_object_set_new(io, "fix", it->fix ? json_string(it->fix) : json_null());
        json_array_append_new(arr, io);
    }
    json_object_set_new(o, "items", arr);
    xp_preflight_clear(&pf);
    return o;
}
