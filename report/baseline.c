/*
 * baseline.c — what changed since a previous report (--baseline FILE).
 * See xp_baseline.h for the shape of a change and how things are matched.
 */
#include "xp_baseline.h"
#include "xp.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A report of many thousand targets is tens of MiB; more is not a report. */
#define BASELINE_MAX_BYTES (256u << 20)

struct xp_baseline {
    char *path;
    json_t *docs;           /* array of SPEC documents */
};

/* ---- loading ---- */

static char *
read_all(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    if (!fp) {
        snprintf(err, errlen, "--baseline %s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t got;

        if (n == cap) {
            if (cap >= BASELINE_MAX_BYTES) {
                snprintf(err, errlen, "--baseline %s: larger than %u MiB: not a report",
                         path, BASELINE_MAX_BYTES >> 20);
                free(buf);
                fclose(fp);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            buf = xrealloc(buf, cap + 1);
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "--baseline %s: %s", path,
                 errno == EISDIR ? "is a directory" : strerror(errno));
        free(buf);
        fclose(fp);
        return NULL;
    }
    fclose(fp);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int
is_doc(const json_t *d)
{
    return json_is_object(d) && json_is_string(json_object_get(d, "target")) &&
           json_is_array(json_object_get(d, "checks"));
}

/* -f jsonl: one document per line. */
static json_t *
parse_lines(const char *buf, size_t len, const char *path, char *err, size_t errlen)
{
    json_t *docs = json_array();
    size_t pos = 0, line = 0;

    while (pos < len) {
        size_t end = pos;
        json_error_t je;
        json_t *d;

        while (end < len && buf[end] != '\n')
            end++;
        line++;
        if (end > pos) {
            d = json_loadb(buf + pos, end - pos, 0, &je);
            if (!is_doc(d)) {
                snprintf(err, errlen, "%s:%zu: not an exprobe JSON document (%s)", path, line,
                         d ? "no target or checks" : je.text);
                json_decref(d);
                json_decref(docs);
                return NULL;
            }
            json_array_append_new(docs, d);
        }
        pos = end + 1;
    }
    return docs;
}

struct xp_baseline *
xp_baseline_load(const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *buf = read_all(path, &len, err, errlen);
    json_t *root, *docs;
    json_error_t je;
    struct xp_baseline *b;

    if (!buf)
        return NULL;
    root = json_loadb(buf, len, 0, &je);
    if (is_doc(root)) {
        docs = json_array();
        json_array_append_new(docs, root);
    } else if (json_is_array(root)) {
        size_t i;
        json_t *d;

        docs = root;
        json_array_foreach(docs, i, d) {
            if (!is_doc(d)) {
                snprintf(err, errlen, "--baseline %s: element %zu is not an exprobe JSON "
                         "document", path, i);
                json_decref(docs);
                free(buf);
                return NULL;
            }
        }
    } else {
        json_decref(root);
        docs = parse_lines(buf, len, path, err, errlen);
        if (!docs) {
            free(buf);
            return NULL;
        }
    }
    free(buf);
    if (json_array_size(docs) == 0) {
        snprintf(err, errlen, "--baseline %s: no exprobe JSON document in it", path);
        json_decref(docs);
        return NULL;
    }
    b = xcalloc(1, sizeof(*b));
    b->path = xstrdup(path);
    b->docs = docs;
    return b;
}

void
xp_baseline_free(struct xp_baseline *b)
{
    if (!b)
        return;
    json_decref(b->docs);
    free(b->path);
    free(b);
}

const char *
xp_baseline_path(const struct xp_baseline *b)
{
    return b->path;
}

/* ---- small JSON helpers ---- */

static const char *
str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "";
}

/* The baseline's document for the same target (and address, if any). */
static const json_t *
find_doc(const struct xp_baseline *b, const json_t *doc)
{
    size_t i;
    const json_t *d;

    json_array_foreach(b->docs, i, d) {
        if (strcasecmp(str_of(d, "target"), str_of(doc, "target")) == 0 &&
            strcmp(str_of(d, "email"), str_of(doc, "email")) == 0)
            return d;
    }
    return NULL;
}

static void
add_change(json_t *changes, const char *kind, const char *check, const char *code,
           const char *subject, json_t *old, json_t *new_, const char *message)
{
    json_t *c = json_object();

    json_object_set_new(c, "kind", json_string(kind));
    json_object_set_new(c, "check", json_string(check));
    if (code)
        json_object_set_new(c, "code", json_string(code));
    json_object_set_new(c, "subject", json_string(subject));
    json_object_set_new(c, "message", json_string(message));
    json_object_set_new(c, "old", old ? old : json_null());
    json_object_set_new(c, "new", new_ ? new_ : json_null());
    json_array_append_new(changes, c);
}

/* ---- findings ---- */

/* Every finding of a document, as [check id, finding] pairs in order. */
static json_t *
findings_of(const json_t *doc)
{
    json_t *all = json_array();
    const json_t *c, *f;
    size_t i, j;

    json_array_foreach(json_object_get(doc, "checks"), i, c) {
        json_array_foreach(json_object_get(c, "findings"), j, f) {
            json_t *pair = json_array();

            json_array_append_new(pair, json_string(str_of(c, "id")));
            json_array_append(pair, (json_t *)f);
            json_array_append_new(all, pair);
        }
    }
    return all;
}

static int
same_finding(const json_t *a, const json_t *b, int with_message)
{
    const json_t *fa = json_array_get(a, 1), *fb = json_array_get(b, 1);

    return strcmp(json_string_value(json_array_get(a, 0)),
                  json_string_value(json_array_get(b, 0))) == 0 &&
           strcmp(str_of(fa, "code"), str_of(fb, "code")) == 0 &&
           (!with_message || strcmp(str_of(fa, "message"), str_of(fb, "message")) == 0);
}

static json_t *
finding_brief(const json_t *f)
{
    return json_pack("{s:s, s:s}", "severity", str_of(f, "severity"),
                     "message", str_of(f, "message"));
}

/* Take the first unmatched entry of list equal to pair; -1 when none. */
static long
take_match(const json_t *list, unsigned char *used, const json_t *pair, int with_message)
{
    size_t i;
    const json_t *x;

    json_array_foreach(list, i, x) {
        if (!used[i] && same_finding(x, pair, with_message)) {
            used[i] = 1;
            return (long)i;
        }
    }
    return -1;
}

static void
diff_findings(json_t *changes, const json_t *old_doc, const json_t *new_doc)
{
    json_t *olds = findings_of(old_doc), *news = findings_of(new_doc);
    size_t nold = json_array_size(olds), nnew = json_array_size(news), i;
    unsigned char *old_used = xcalloc(nold + 1, 1), *new_used = xcalloc(nnew + 1, 1);
    long k;
    char msg[1200];

    /* Exact matches first (severity may still differ), then same check and
     * code with another message: that is one finding that changed. */
    for (int pass = 1; pass >= 0; pass--) {
        for (i = 0; i < nnew; i++) {
            const json_t *np = json_array_get(news, i), *nf = json_array_get(np, 1), *of;

            if (new_used[i] || (k = take_match(olds, old_used, np, pass)) < 0)
                continue;
            new_used[i] = 1;
            of = json_array_get(json_array_get(olds, (size_t)k), 1);
            if (pass && strcmp(str_of(of, "severity"), str_of(nf, "severity")) == 0)
                continue;
            snprintf(msg, sizeof(msg), "%s changed: %s %s -> %s %s", str_of(nf, "code"),
                     str_of(of, "severity"), str_of(of, "message"), str_of(nf, "severity"),
                     str_of(nf, "message"));
            add_change(changes, "finding_changed", json_string_value(json_array_get(np, 0)),
                       str_of(nf, "code"), str_of(nf, "message"), finding_brief(of),
                       finding_brief(nf), msg);
        }
    }
    for (i = 0; i < nnew; i++) {
        const json_t *np = json_array_get(news, i), *nf = json_array_get(np, 1);

        if (new_used[i])
            continue;
        snprintf(msg, sizeof(msg), "new %s %s: %s", str_of(nf, "severity"), str_of(nf, "code"),
                 str_of(nf, "message"));
        add_change(changes, "finding_new", json_string_value(json_array_get(np, 0)),
                   str_of(nf, "code"), str_of(nf, "message"), NULL, finding_brief(nf), msg);
    }
    for (i = 0; i < nold; i++) {
        const json_t *op = json_array_get(olds, i), *of = json_array_get(op, 1);

        if (old_used[i])
            continue;
        snprintf(msg, sizeof(msg), "resolved %s %s: %s", str_of(of, "severity"),
                 str_of(of, "code"), str_of(of, "message"));
        add_change(changes, "finding_resolved", json_string_value(json_array_get(op, 0)),
                   str_of(of, "code"), str_of(of, "message"), finding_brief(of), NULL, msg);
    }
    free(old_used);
    free(new_used);
    json_decref(olds);
    json_decref(news);
}

/* ---- steps: certificates and DNS answers ---- */

/* "MX contoso.com", "TXT _dmarc.contoso.com": a DNS question's step. */
static int
is_dns_title(const char *t)
{
    static const char *const types[] = {
        "A", "AAAA", "MX", "TXT", "CNAME", "SRV", "NS", "PTR", "TLSA", "DS", "DNSKEY", "CAA",
    };
    size_t i, n = strcspn(t, " ");

    if (!t[n] || strchr(t + n + 1, ' '))
        return 0;
    for (i = 0; i < XP_ARRAY_LEN(types); i++)
        if (strlen(types[i]) == n && strncmp(t, types[i], n) == 0)
            return 1;
    return 0;
}

static int
line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A DNS step's detail without TTLs ("name. 3600 MX 0 x." -> "name. MX 0
 * x."), lines sorted: what the zone says, not how long it was cached. */
static char *
dns_answer(const char *detail)
{
    char *copy = xstrdup(detail), *save = NULL, *line, **lines = NULL, *out;
    size_t n = 0, i, len = 0;

    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' '), *ttl_end;

        if (sp && isdigit((unsigned char)sp[1])) {
            for (ttl_end = sp + 1; isdigit((unsigned char)*ttl_end); ttl_end++)
                ;
            if (*ttl_end == ' ')
                memmove(sp, ttl_end, strlen(ttl_end) + 1);
        }
        lines = xrealloc(lines, (n + 1) * sizeof(*lines));
        lines[n++] = line;
        len += strlen(line) + 1;
    }
    if (n > 1)          /* an empty answer has no lines (and qsort no NULL) */
        qsort(lines, n, sizeof(*lines), line_cmp);
    out = xcalloc(len + 1, 1);
    for (i = 0; i < n; i++) {
        strcat(out, lines[i]);
        if (i + 1 < n)
            strcat(out, "\n");
    }
    free(lines);
    free(copy);
    return out;
}

/* "Certificate of HOST:PORT (ADDR), from SOURCE" -> "HOST:PORT (ADDR)". */
static int
cert_endpoint(const char *title, char *out, size_t outlen)
{
    static const char prefix[] = "Certificate of ";
    const char *from;

    if (strncmp(title, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    title += sizeof(prefix) - 1;
    from = strstr(title, ", from ");
    snprintf(out, outlen, "%.*s", from ? (int)(from - title) : (int)strlen(title), title);
    return 1;
}

/* "sha256 AB:CD..., not after 2027-01-01T00:00:00Z" from the step detail. */
static json_t *
cert_identity(const char *detail)
{
    const char *p = strstr(detail, "sha256 "), *na;
    char fp[128] = "", when[40] = "";

    if (!p)
        return NULL;
    sscanf(p + 7, "%127[0-9A-F:]", fp);
    na = strstr(p, "not after ");
    if (na)
        sscanf(na + 10, "%39s", when);
    return json_pack("{s:s, s:s}", "sha256", fp, "not_after", when);
}

/* Index every step of interest: key -> [check id, step]. */
static void
index_steps(json_t *certs, json_t *dns, const char *check, const json_t *steps)
{
    const json_t *s;
    size_t i;
    char ep[600];

    json_array_foreach(steps, i, s) {
        const char *title = str_of(s, "title");

        if (cert_endpoint(title, ep, sizeof(ep)) && !json_object_get(certs, ep))
            json_object_set_new(certs, ep, json_pack("[s,O]", check, s));
        else if (is_dns_title(title) && !json_object_get(dns, title))
            json_object_set_new(dns, title, json_pack("[s,O]", check, s));
        index_steps(certs, dns, check, json_object_get(s, "steps"));
    }
}

static void
index_doc(json_t *certs, json_t *dns, const json_t *doc)
{
    const json_t *c;
    size_t i;

    json_array_foreach(json_object_get(doc, "checks"), i, c)
        index_steps(certs, dns, str_of(c, "id"), json_object_get(c, "steps"));
}

/* A value read from a step's detail and compared across the two runs. */
struct step_value {
    const char *kind;                                  /* the change's kind */
    json_t *(*read)(const char *detail);               /* new reference, or NULL */
    int (*changed)(const json_t *o, const json_t *n);
    void (*say)(char *msg, size_t len, const char *subject, const json_t *o,
                const json_t *n);
};

static int
cert_changed(const json_t *o, const json_t *n)
{
    return strcmp(str_of(o, "sha256"), str_of(n, "sha256")) != 0;
}

static void
cert_say(char *msg, size_t len, const char *ep, const json_t *o, const json_t *n)
{
    snprintf(msg, len, "certificate of %s replaced: not after %s -> %s", ep,
             str_of(o, "not_after"), str_of(n, "not_after"));
}

static json_t *
dns_read(const char *detail)
{
    char *a = dns_answer(detail);
    json_t *v = json_string(a);

    free(a);
    return v;
}

static int
dns_changed(const json_t *o, const json_t *n)
{
    return strcmp(json_string_value(o), json_string_value(n)) != 0;
}

static void
dns_say(char *msg, size_t len, const char *q, const json_t *o, const json_t *n)
{
    (void)o;
    (void)n;
    snprintf(msg, len, "DNS answer to %s changed", q);
}

static const struct step_value cert_value = { "cert_changed", cert_identity, cert_changed,
                                              cert_say };
static const struct step_value dns_value = { "dns_changed", dns_read, dns_changed, dns_say };

/* Steps of both runs indexed by subject (index_steps): one change for each
 * subject whose value changed. */
static void
diff_steps(json_t *changes, const json_t *old_steps, const json_t *new_steps,
           const struct step_value *v)
{
    const char *subject;
    json_t *np;
    char msg[1200];

    json_object_foreach((json_t *)new_steps, subject, np) {
        const json_t *op = json_object_get(old_steps, subject);
        json_t *o, *n;

        if (!op)
            continue;
        o = v->read(str_of(json_array_get(op, 1), "detail"));
        n = v->read(str_of(json_array_get(np, 1), "detail"));
        if (o && n && v->changed(o, n)) {
            v->say(msg, sizeof(msg), subject, o, n);
            add_change(changes, v->kind, json_string_value(json_array_get(np, 0)), NULL,
                       subject, o, n, msg);
            continue;
        }
        json_decref(o);
        json_decref(n);
    }
}

json_t *
xp_baseline_changes(const struct xp_baseline *b, const json_t *doc)
{
    json_t *changes = json_array();
    const json_t *old = find_doc(b, doc);
    json_t *oc, *od, *nc, *nd;
    char msg[600];

    if (!old) {
        snprintf(msg, sizeof(msg), "%s is not in the baseline %s", str_of(doc, "target"),
                 b->path);
        add_change(changes, "target_new", "", NULL, str_of(doc, "target"), NULL, NULL, msg);
        return changes;
    }
    diff_findings(changes, old, doc);
    oc = json_object(), od = json_object(), nc = json_object(), nd = json_object();
    index_doc(oc, od, old);
    index_doc(nc, nd, doc);
    diff_steps(changes, oc, nc, &cert_value);
    diff_steps(changes, od, nd, &dns_value);
    json_decref(oc);
    json_decref(od);
    json_decref(nc);
    json_decref(nd);
    return changes;
}
