/*
 * codes.c — the finding-code table: the rows of include/xp_codes_table.h
 * (the one source of what each code is: the check that reports it, default
 * severity, title, explanation, generic fix and source) as an array indexed
 * by the enum, and the look-ups on it. Checks usually give a specific fix
 * (the exact record to create); the fix here is what to do when they do not.
 * tests/unit/test_codes.c checks that every SPEC code is there, once, with
 * its fields; tests/integration/test_docs.py compares README and exprobe.1.
 */
#include "xp_codes.h"

#include <string.h>

#define I XP_SEV_INFO
#define W XP_SEV_WARN
#define F XP_SEV_FAIL
#define U XP_SEV_UNKNOWN

#define CODE(n, sev, chk, ...) \
    [XP_##n] = { .name = #n, .severity = (sev), .check = (chk), __VA_ARGS__ }

static const struct xp_code_info table[XP_CODE_COUNT] = {
#include "xp_codes_table.h"
};

#undef I
#undef W
#undef F
#undef U
#undef CODE

const struct xp_code_info *
xp_code_info(enum xp_code code)
{
    return &table[code];
}

int
xp_code_by_name(const char *name)
{
    int i;

    for (i = 0; i < XP_CODE_COUNT; i++)
        if (table[i].name && strcmp(table[i].name, name) == 0)
            return i;
    return -1;
}

int
xp_code_of_check(const struct xp_code_info *info, const char *id)
{
    const char *p = info->check;
    size_t n = strlen(id);

    while (p && *p) {
        size_t len = strcspn(p, ",");

        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* "  label:   text", the text broken at spaces into lines of at most 78
 * columns, continuation lines under the text. */
static void
wrap(FILE *out, const char *label, const char *text)
{
    int col = fprintf(out, "  %-9s", label), first = 1;

    while (*text) {
        size_t word = strcspn(text, " ");

        if (!first && col + 1 + (int)word > 78) {
            fputs("\n           ", out);
            col = 11;
        } else if (!first) {
            fputc(' ', out);
            col++;
        }
        col += fprintf(out, "%.*s", (int)word, text);
        first = 0;
        text += word;
        while (*text == ' ')
            text++;
    }
    fputc('\n', out);
}

void
xp_code_explain(FILE *out, const struct xp_code_info *info)
{
    fprintf(out, "%s (%s, %s): %s\n", info->name, info->check ? info->check : "run",
            xp_severity_name(info->severity), info->title);
    wrap(out, "means:", info->explain);
    if (info->fix)
        wrap(out, "fix:", info->fix);
    if (info->source)
        wrap(out, "source:", info->source);
}

const char *
xp_severity_name(enum xp_severity sev)
{
    switch (sev) {
    case XP_SEV_FAIL:
        return "fail";
    case XP_SEV_WARN:
        return "warn";
    case XP_SEV_UNKNOWN:
        return "unknown";
    default:
        return "info";
    }
}
