/*
 * mtasts.c — MTA-STS and TLS-RPT text (include/xp_mtasts.h).
 *
 * The TXT records are read with the shared tag=value parser
 * (include/xp_tagval.h); whether a TXT record is an STS / TLS-RPT record
 * at all is decided first from its leading "v=" alone, so a broken record
 * of ours is told apart from someone else's record.
 */
#include "xp_mtasts.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xp.h"
#include "xp_tagval.h"

static int
is_ws(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void
trim(const char **s, size_t *n)
{
    while (*n && is_ws((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_ws((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Past the character c and the white space after it; 0 when *p is not c. */
static int
eat(const char **p, size_t *n, char c)
{
    if (!*n || **p != c)
        return 0;
    (*p)++;
    (*n)--;
    while (*n && is_ws((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    return 1;
}

/* Does the record begin with "v=VERSION" (RFC 8461/8460: first tag)? */
static int
begins_with_version(const char *txt, size_t len, const char *version)
{
    const char *p = txt;
    size_t n = len, vl = strlen(version);

    trim(&p, &n);
    if (n < 2 || !eat(&p, &n, 'v') || !eat(&p, &n, '='))
        return 0;
    if (n < vl || memcmp(p, version, vl) != 0)
        return 0;
    return n == vl || p[vl] == ';' || is_ws((unsigned char)p[vl]);
}

/* The tags of a record that begins "v=VERSION": 1, 0 when it is another
 * record (err ""), -1 with err when its tags do not parse. */
static int
versioned_tags(const char *txt, size_t len, const char *version, struct xp_tags *tags,
               char *err, size_t errlen)
{
    struct xp_tags_error e;

    if (errlen)
        err[0] = '\0';
    if (!begins_with_version(txt, len, version))
        return 0;
    if (xp_tags_parse(txt, len, tags, &e) < 0) {
        snprintf(err, errlen, "%s (at byte %zu)", e.reason, e.offset);
        return -1;
    }
    return 1;
}

int
xp_sts_txt(const char *txt, size_t len, char *id, size_t idlen, char *err, size_t errlen)
{
    struct xp_tags tags;
    size_t i;
    const struct xp_tag *t;
    int rc;

    if (idlen)
        id[0] = '\0';
    if ((rc = versioned_tags(txt, len, "STSv1", &tags, err, errlen)) <= 0)
        return rc;
    if (!(t = xp_tags_get(&tags, "id"))) {
        snprintf(err, errlen, "no id= tag (RFC 8461 3.1: id is required)");
        return -1;
    }
    if (t->valuelen < 1 || t->valuelen > 32) {
        snprintf(err, errlen, "id is %zu characters; it must be 1 to 32 letters and digits",
                 t->valuelen);
        return -1;
    }
    for (i = 0; i < t->valuelen; i++)
        if (!isalnum((unsigned char)t->value[i])) {
            snprintf(err, errlen, "id \"%.*s\" holds '%c'; only letters and digits are "
                     "allowed (RFC 8461 3.1)", (int)t->valuelen, t->value,
                     isprint((unsigned char)t->value[i]) ? t->value[i] : '?');
            return -1;
        }
    snprintf(id, idlen, "%.*s", (int)t->valuelen, t->value);
    return 1;
}

/* One rua= URI: mailto:x@y or https://host... */
static int
rua_ok(const char *u, size_t n)
{
    if (n > 7 && strncasecmp(u, "mailto:", 7) == 0)
        return memchr(u + 7, '@', n - 7) != NULL;
    return n > 8 && strncasecmp(u, "https://", 8) == 0;
}

int
xp_tlsrpt_txt(const char *txt, size_t len, char *err, size_t errlen)
{
    struct xp_tags tags;
    size_t pos = 0, il;
    const struct xp_tag *t;
    const char *item;
    int rc;

    if ((rc = versioned_tags(txt, len, "TLSRPTv1", &tags, err, errlen)) <= 0)
        return rc;
    if (!(t = xp_tags_get(&tags, "rua")) || t->valuelen == 0) {
        snprintf(err, errlen, "no rua= tag: reports have nowhere to go (RFC 8460 3)");
        return -1;
    }
    while (xp_tag_next_item(t, ',', &pos, &item, &il))
        if (!rua_ok(item, il)) {
            snprintf(err, errlen, "rua URI \"%.*s\" is neither mailto:ADDRESS nor https://",
                     (int)(il > 80 ? 80 : il), item);
            return -1;
        }
    return 1;
}

/* ---- the policy ---- */

static size_t
name_len(const char *s)
{
    size_t n = strlen(s);

    return n && s[n - 1] == '.' ? n - 1 : n;
}

int
xp_sts_mx_match(const char *pattern, const char *host)
{
    size_t pl = name_len(pattern), hl = name_len(host);
    const char *dot;

    if (pl == 0 || hl == 0)
        return 0;
    if (pl > 2 && pattern[0] == '*' && pattern[1] == '.') {
        /* one label, then the rest exactly */
        dot = memchr(host, '.', hl);
        if (!dot || dot == host)
            return 0;
        return (size_t)(host + hl - dot - 1) == pl - 2 &&
               strncasecmp(dot + 1, pattern + 2, pl - 2) == 0;
    }
    return pl == hl && strncasecmp(pattern, host, pl) == 0;
}

const char *
xp_sts_mode_name(enum xp_sts_mode m)
{
    switch (m) {
    case XP_STS_ENFORCE:
        return "enforce";
    case XP_STS_TESTING:
        return "testing";
    case XP_STS_NONE:
        return "none";
    default:
        return "unset";
    }
}

static void set_error(struct xp_sts_policy *p, const char *fmt, ...) XP_PRINTF(2, 3);

/* Keep the first problem only. */
static void
set_error(struct xp_sts_policy *p, const char *fmt, ...)
{
    va_list ap;

    if (p->error[0])
        return;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof(p->error), fmt, ap);
    va_end(ap);
}

#define CUT(n) ((int)((n) > 80 ? 80 : (n)))

static void
policy_line(struct xp_sts_policy *p, const char *line, size_t n, size_t lineno)
{
    const char *colon = memchr(line, ':', n), *key = line, *val;
    size_t kl, vl, i;

    trim(&key, &n);
    if (n == 0)
        return;
    if (!colon) {
        set_error(p, "line without 'key: value': \"%.*s\"", CUT(n), key);
        return;
    }
    kl = (size_t)(colon - key);
    val = colon + 1;
    vl = n - kl - 1;
    trim(&key, &kl);
    trim(&val, &vl);
    for (i = 0; i < vl; i++)
        if (!isprint((unsigned char)val[i])) {
            set_error(p, "a control or non-ASCII byte in the value of \"%.*s\"", CUT(kl), key);
            return;
        }
    if (kl == 7 && memcmp(key, "version", 7) == 0) {
        p->version_ok = vl == 5 && memcmp(val, "STSv1", 5) == 0;
        if (!p->version_ok)
            set_error(p, "version is \"%.*s\", not STSv1", CUT(vl), val);
        if (lineno != 0)
            set_error(p, "version is not the first line (RFC 8461 3.2)");
    } else if (kl == 4 && memcmp(key, "mode", 4) == 0) {
        p->mode = vl == 7 && memcmp(val, "enforce", 7) == 0   ? XP_STS_ENFORCE
                  : vl == 7 && memcmp(val, "testing", 7) == 0 ? XP_STS_TESTING
                  : vl == 4 && memcmp(val, "none", 4) == 0    ? XP_STS_NONE
                                                              : XP_STS_MODE_UNSET;
        if (p->mode == XP_STS_MODE_UNSET)
            set_error(p, "mode is \"%.*s\": enforce, testing or none", CUT(vl), val);
    } else if (kl == 7 && memcmp(key, "max_age", 7) == 0) {
        long v = 0;

        for (i = 0; i < vl && i < 10 && isdigit((unsigned char)val[i]); i++)
            v = v * 10 + (val[i] - '0');
        p->max_age = vl && i == vl ? v : -1;
        if (p->max_age < 0 || p->max_age > XP_STS_MAX_AGE_MAX)
            set_error(p, "max_age \"%.*s\" is not a number of seconds up to 31557600", CUT(vl), val);
    } else if (kl == 2 && memcmp(key, "mx", 2) == 0) {
        if (p->nmx < XP_STS_MAX_MX && vl < sizeof(p->mx[0])) {
            memcpy(p->mx[p->nmx], val, vl);
            p->mx[p->nmx++][vl] = '\0';
        } else {
            set_error(p, "too many or too long mx: lines (at \"%.*s\")", CUT(vl), val);
        }
    }
}

int
xp_sts_policy_parse(const char *body, size_t len, struct xp_sts_policy *p)
{
    size_t i = 0, lineno = 0;

    memset(p, 0, sizeof(*p));
    p->max_age = -1;
    if (len > XP_STS_POLICY_MAX) {
        snprintf(p->error, sizeof(p->error), "the policy is over %d bytes (senders stop "
                 "reading at 64 KiB)", XP_STS_POLICY_MAX);
        return -1;
    }
    while (i < len) {
        size_t j = i;

        while (j < len && body[j] != '\n')
            j++;
        if (memchr(body + i, '\0', j - i))
            set_error(p, "a NUL byte in the policy");
        else
            policy_line(p, body + i, j - i, lineno);
        lineno++;
        i = j + 1;
    }
    if (!p->version_ok)
        set_error(p, "no \"version: STSv1\" line");
    if (p->mode == XP_STS_MODE_UNSET)
        set_error(p, "no mode: line");
    if (p->max_age < 0)
        set_error(p, "no max_age: line");
    if (p->nmx == 0 && p->mode != XP_STS_NONE)
        set_error(p, "no mx: line (required unless mode is none)");
    return p->error[0] ? -1 : 0;
}
