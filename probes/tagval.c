/*
 * tagval.c — the tag=value list parser shared by dkim, dmarc, mtasts
 * (xp_tagval.h says what is accepted, and why).
 */
#include "xp_tagval.h"

#include <string.h>
#include <strings.h>

static int
is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int
is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* Printable ASCII but ';' (RFC 6376 VALCHAR), or inner whitespace. */
static int
is_valchar(char ch)
{
    unsigned char u = (unsigned char)ch;

    return (u >= 0x21 && u <= 0x7e && ch != ';') || is_ws(ch);
}

static void
trim(const char **s, const char **e)
{
    while (*s < *e && is_ws(**s))
        (*s)++;
    while (*e > *s && is_ws((*e)[-1]))
        (*e)--;
}

static int
fail(struct xp_tags_error *err, const char *reason, const char *base, const char *at,
     const char *name, size_t namelen)
{
    if (err) {
        err->reason = reason;
        err->offset = (size_t)(at - base);
        if (namelen > XP_TAG_NAME_MAX)
            namelen = XP_TAG_NAME_MAX;
        memcpy(err->name, name ? name : "", name ? namelen : 0);
        err->name[name ? namelen : 0] = '\0';
    }
    return -1;
}

static const char *
name_problem(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return "tag with an empty name";
    if (n > XP_TAG_NAME_MAX)
        return "tag name longer than 32 characters";
    if (!is_alnum(s[0]))
        return "tag name does not start with a letter or digit";
    for (i = 1; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
            return "tag name holds a character other than letters, digits, '_', '-', '.'";
    return NULL;
}

/* One "name = value" spec in [s, e), already known to be non-empty. */
static int
parse_spec(const char *base, const char *s, const char *e, struct xp_tags *t,
           struct xp_tags_error *err)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    const char *ns = s, *ne, *vs, *ve, *why, *p;
    struct xp_tag *tag;

    if (!eq)
        return fail(err, "tag without '=' and a value", base, s, NULL, 0);
    ne = eq;
    trim(&ns, &ne);
    why = name_problem(ns, (size_t)(ne - ns));
    if (why)
        return fail(err, why, base, ns, ns, (size_t)(ne - ns));
    vs = eq + 1;
    ve = e;
    trim(&vs, &ve);
    for (p = vs; p < ve; p++)
        if (!is_valchar(*p))
            return fail(err, "value holds a control or non-ASCII character", base, p, ns,
                        (size_t)(ne - ns));
    for (size_t i = 0; i < t->n; i++)
        if (t->tag[i].namelen == (size_t)(ne - ns) && memcmp(t->tag[i].name, ns, t->tag[i].namelen) == 0)
            return fail(err, "duplicate tag", base, ns, ns, (size_t)(ne - ns));
    if (t->n == XP_TAGS_MAX)
        return fail(err, "more than 32 tags", base, ns, NULL, 0);
    tag = &t->tag[t->n++];
    tag->name = ns;
    tag->namelen = (size_t)(ne - ns);
    tag->value = vs;
    tag->valuelen = (size_t)(ve - vs);
    return 0;
}

int
xp_tags_parse(const char *text, size_t len, struct xp_tags *t, struct xp_tags_error *err)
{
    const char *p = text, *end = text + len;

    memset(t, 0, sizeof(*t));
    if (err)
        memset(err, 0, sizeof(*err));
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *e = semi ? semi : end, *s = p, *se = e;

        trim(&s, &se);
        if (s == se) {
            /* nothing between two ';' (or after the last one): harmless */
            if (semi)
                t->empty++;
        } else if (parse_spec(text, s, se, t, err) < 0) {
            return -1;
        }
        p = semi ? semi + 1 : end;
    }
    return 0;
}

const struct xp_tag *
xp_tags_get(const struct xp_tags *t, const char *name)
{
    size_t n = strlen(name), i;

    for (i = 0; i < t->n; i++)
        if (t->tag[i].namelen == n && memcmp(t->tag[i].name, name, n) == 0)
            return &t->tag[i];
    return NULL;
}

int
xp_tag_is(const struct xp_tag *tag, const char *s)
{
    size_t n = strlen(s);

    return tag && tag->valuelen == n && strncasecmp(tag->value, s, n) == 0;
}

int
xp_tags_first_is(const struct xp_tags *t, const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value);

    return t->n > 0 && t->tag[0].namelen == n && memcmp(t->tag[0].name, name, n) == 0 &&
           t->tag[0].valuelen == v && memcmp(t->tag[0].value, value, v) == 0;
}

int
xp_tag_next_item(const struct xp_tag *tag, char sep, size_t *pos, const char **item,
                 size_t *itemlen)
{
    const char *s, *e, *end;

    /* *pos: where the next item starts; past the end once the last was given */
    if (!tag || tag->valuelen == 0 || *pos > tag->valuelen)
        return 0;
    s = tag->value + *pos;
    end = tag->value + tag->valuelen;
    e = memchr(s, sep, (size_t)(end - s));
    if (!e)
        e = end;
    *pos = (size_t)(e - tag->value) + 1;
    trim(&s, &e);
    *item = s;
    *itemlen = (size_t)(e - s);
    return 1;
}
