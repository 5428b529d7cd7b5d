/*
 * fuzz_report.c — the reporters (report/report_{json,junit,text}.c) with
 * hostile strings from a server in every field a server can fill: step
 * titles and details, finding messages, evidence strings and lists (the
 * target's e-mail too, when it passes the target gate). Properties: JSON
 * parses (jansson: valid UTF-8 included), JUnit is well-formed XML
 * (libxml2, no recovery), text is valid UTF-8 with no control characters
 * but line breaks.
 * Input: fields separated by NUL bytes.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_check.h"
#include "xp_model.h"
#include "xp_options.h"
#include "xp_report.h"

#include <jansson.h>
#include <libxml/parser.h>

static const struct xp_check_ops ops = { .id = "smtp", .title = "SMTP" };

static char *
render(const struct xp_reporter_ops *rops, struct xp_run *run, const struct xp_options *o,
       size_t *len)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);
    struct xp_reporter r = { .ops = rops, .opts = o, .out = fp };
    struct xp_event ev = { .run = run };

    if (!fp)
        abort();
    if (r.ops->open)
        r.ops->open(&r);
    if (r.ops->event) {
        ev.type = XP_EV_RUN_BEGIN;
        r.ops->event(&r, &ev);
        ev.type = XP_EV_RUN_END;
        r.ops->event(&r, &ev);
    }
    if (r.ops->close)
        r.ops->close(&r, run);
    if (r.ops->free)
        r.ops->free(&r);
    fclose(fp);
    return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_cstr(data, size), *f[8] = { 0 }, *out;
    struct xp_run run = { 0 };
    struct xp_target t = { 0 }, *tp = &t;
    struct xp_check c = { 0 }, *cp = &c;
    struct xp_options o = { 0 };
    struct xp_step *s;
    struct xp_finding *fd;
    size_t i, len, cl, off;
    json_error_t jerr;
    json_t *j;
    xmlDocPtr doc;

    for (i = 0, off = 0; i < 8; i++) {
        f[i] = off < size ? in + off : (char *)"";
        off += off < size ? strlen(in + off) + 1 : 0;
    }
    run.targets = &tp;
    run.ntargets = 1;
    t.run = &run;
    t.input = t.domain = (char *)"contoso.test";
    if (xp_utf8_printable(f[7], strlen(f[7])) && strchr(f[7], '@') && strlen(f[7]) < 300)
        t.email = f[7];
    t.started = t.done = 1;
    t.checks = &cp;
    t.nchecks = 1;
    c.ops = &ops;
    c.target = &t;
    c.started = c.done = 1;
    s = xp_step_begin(&c, NULL, "%s", f[0]);
    xp_step_end(s, XP_ST_FAIL, "%s", f[1]);
    fd = xp_finding_new(&c, s, XP_SMTP_ESMTP_INSPECTION, "%s", f[2]);
    xp_ev_str(fd, "banner", f[3]);
    xp_ev_strn(fd, "raw", f[4], strlen(f[4]));
    xp_ev_list(fd, "names", f + 5, 2);
    xp_finding_add(fd);
    c.status = xp_check_rollup(&c);

    out = render(&xp_report_json, &run, &o, &len);
    j = json_loadb(out, len, 0, &jerr);
    FUZZ_ASSERT(j != NULL, "JSON: %s: %.300s", jerr.text, out);
    json_decref(j);
    free(out);

    out = render(&xp_report_junit, &run, &o, &len);
    doc = xmlReadMemory(out, (int)len, "junit.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    FUZZ_ASSERT(doc != NULL, "JUnit not well-formed: %.300s", out);
    xmlFreeDoc(doc);
    free(out);

    out = render(&xp_report_text, &run, &o, &len);
    FUZZ_ASSERT(fuzz_utf8_valid(out, len), "text not UTF-8: %.300s", out);
    for (i = 0; i < len; i += cl ? cl : 1) {
        cl = xp_utf8_printable_len(out + i, len - i);
        FUZZ_ASSERT(cl || out[i] == '\n', "control byte 0x%02x at %zu in text: %.300s",
                    (unsigned char)out[i], i, out);
    }
    free(out);

    xp_check_clear(&c);
    free(in);
    return 0;
}
