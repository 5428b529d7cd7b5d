/*
 * report_changes.c — --baseline's changes as lines of text, for the text
 * report and JUnit's output (the JSON report carries the list itself).
 */
#include "xp_baseline.h"
#include "xp_options.h"
#include "xp_report.h"

#include <string.h>

/* The sign at the head of each line: what kind of change it is. */
static const char *
sign_of(const char *kind)
{
    if (strcmp(kind, "finding_new") == 0)
        return "+";
    if (strcmp(kind, "finding_resolved") == 0)
        return "-";
    return "~";
}

static void
write_change(FILE *out, const json_t *c)
{
    const char *kind = json_string_value(json_object_get(c, "kind"));
    const json_t *old = json_object_get(c, "old"), *new_ = json_object_get(c, "new");

    fprintf(out, "  %s ", sign_of(kind));
    xp_report_put_safe(out, json_string_value(json_object_get(c, "message")));
    fputc('\n', out);
    if (strcmp(kind, "cert_changed") == 0) {
        fputs("      was sha256 ", out);
        xp_report_put_safe(out, json_string_value(json_object_get(old, "sha256")));
        fputs("\n      now sha256 ", out);
        xp_report_put_safe(out, json_string_value(json_object_get(new_, "sha256")));
        fputc('\n', out);
    } else if (strcmp(kind, "dns_changed") == 0) {
        fputs("      was: ", out);
        xp_report_put_safe(out, json_string_value(old));
        fputs("\n      now: ", out);
        xp_report_put_safe(out, json_string_value(new_));
        fputc('\n', out);
    }
}

void
xp_report_write_changes(FILE *out, const struct xp_target *t, const struct xp_options *opts)
{
    json_t *doc, *changes;
    const json_t *c;
    size_t i;

    if (!opts->baseline)
        return;
    doc = xp_report_target_json(t, opts);
    changes = json_object_get(doc, "changes");
    fprintf(out, "Changes since %s: ", xp_baseline_path(opts->baseline));
    if (!json_array_size(changes))
        fputs("none\n", out);
    else
        fprintf(out, "%zu\n", json_array_size(changes));
    json_array_foreach(changes, i, c)
        write_change(out, c);
    fputc('\n', out);
    json_decref(doc);
}
