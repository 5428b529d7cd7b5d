/*
 * xp_tagval.h — the "tag=value; tag=value" lists of DNS TXT records:
 * DKIM keys (RFC 6376 3.2, 3.6.1), DMARC (RFC 7489 6.4), MTA-STS
 * (RFC 8461 3.1) and TLS-RPT (RFC 8460 3). Pure, no allocation: tags
 * point into the caller's text, which may hold any byte (it is bounded by
 * its length, never by a NUL).
 *
 *     struct xp_tags t;
 *     struct xp_tags_error e;
 *     if (xp_tags_parse(txt, len, &t, &e) < 0)
 *         ... e.reason, e.offset ...
 *     const struct xp_tag *p = xp_tags_get(&t, "p");
 *     if (xp_tag_is(p, "reject")) ...
 *
 * What the RFCs share, and so what is checked here: tags are separated by
 * ';' (a trailing one is allowed); whitespace (SP, HTAB, CR, LF) around a
 * name, the '=' and a value is not part of them; a name is a letter or
 * digit then letters, digits, '_', '-', '.' (RFC 8461 allows the last two;
 * a DKIM/DMARC caller rejects them if it cares); a value is printable
 * ASCII other than ';', may be empty, and may hold inner whitespace
 * (a DKIM p= split across strings). A name given twice makes the list
 * invalid (RFC 6376 3.2). Checks of particular tags are the caller's.
 */
#ifndef XP_TAGVAL_H
#define XP_TAGVAL_H

#include <stddef.h>

#define XP_TAGS_MAX 32       /* tags kept; more is an error */
#define XP_TAG_NAME_MAX 32   /* longest tag name accepted (RFC 8461: 32) */

struct xp_tag {
    const char *name;
    size_t namelen;
    const char *value;       /* trimmed; points into the input */
    size_t valuelen;         /* 0: an empty value ("t=") */
};

struct xp_tags {
    struct xp_tag tag[XP_TAGS_MAX];
    size_t n;
    size_t empty;            /* empty specs skipped (";;", "; ;") */
};

struct xp_tags_error {
    const char *reason;      /* static text: "duplicate tag", ... */
    size_t offset;           /* byte offset in the input where it was found */
    char name[XP_TAG_NAME_MAX + 1]; /* the tag concerned, "" if none */
};

/*
 * Parse text[0..len) into t. Returns 0, or -1 with err filled (err may be
 * NULL); t then holds the tags read before the error.
 */
int xp_tags_parse(const char *text, size_t len, struct xp_tags *t, struct xp_tags_error *err);

/* The tag named name (case-sensitive, as RFC 6376 and 7489 say), or NULL. */
const struct xp_tag *xp_tags_get(const struct xp_tags *t, const char *name);

/* Is the tag's value equal to s, ASCII case-insensitively? NULL tag: 0. */
int xp_tag_is(const struct xp_tag *tag, const char *s);

/* Is the first tag name=value (the version tag: "v", "DMARC1")? The value
 * is compared case-sensitively: RFC 7489 and 8461 spell it exactly. */
int xp_tags_first_is(const struct xp_tags *t, const char *name, const char *value);

/*
 * Split a value into its comma-separated items (DMARC rua=, MTA-STS
 * never; DKIM h=, s= use ':'), whitespace around each trimmed: call with
 * *pos = 0 and repeat while it returns 1. Empty items are returned too.
 */
int xp_tag_next_item(const struct xp_tag *tag, char sep, size_t *pos, const char **item,
                     size_t *itemlen);

#endif
