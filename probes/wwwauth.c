/*
 * wwwauth.c — the RFC 7235 WWW-Authenticate grammar:
 *
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 *   token68    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *
 * The grammar is ambiguous only at a comma: "a=b, c=d" continues the
 * parameters, "a=b, Basic realm=x" starts a new challenge; a token followed
 * by "=" is a parameter, anything else a scheme (RFC 7235 §4.1's note).
 */
#include "xp_wwwauth.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int
tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
t68char(int c)
{
    return isalnum(c) || (c && strchr("-._~+/", c) != NULL);
}

static const char *
skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Copy a token into buf (truncated); returns the end of the token. */
static const char *
read_token(const char *p, char *buf, size_t len)
{
    size_t i = 0;

    while (tchar((unsigned char)*p)) {
        if (i + 1 < len)
            buf[i++] = *p;
        p++;
    }
    if (len)
        buf[i] = '\0';
    return p;
}

/* A quoted-string at p (on the '"'); unquoted into buf; returns past the
 * closing quote, or the end of the string when it never closes. */
static const char *
read_quoted(const char *p, char *buf, size_t len)
{
    size_t i = 0;

    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
            p++;
        if (i + 1 < len)
            buf[i++] = *p;
    }
    buf[i] = '\0';
    return *p == '"' ? p + 1 : p;
}

/* Is p a token68 that ends the challenge (followed by "," or the end)? */
static const char *
token68_end(const char *p)
{
    const char *q = p;

    while (t68char((unsigned char)*q))
        q++;
    if (q == p)
        return NULL;
    while (*q == '=')
        q++;
    q = skip_ws(q);
    return *q == '\0' || *q == ',' ? q : NULL;
}

/* Does p start "token BWS =" (a parameter rather than a new scheme)? */
static int
is_param(const char *p)
{
    const char *q = p;

    while (tchar((unsigned char)*q))
        q++;
    if (q == p)
        return 0;
    q = skip_ws(q);
    return *q == '=';
}

static void
lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* The parameters of one challenge; returns where the next challenge starts. */
static const char *
read_params(const char *p, struct xp_auth_challenge *c)
{
    for (;;) {
        struct xp_auth_param tmp, *prm = c->nparams < XP_AUTH_MAX_PARAMS
                                             ? &c->params[c->nparams] : &tmp;

        p = skip_ws(p);
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!is_param(p))
            return p;          /* the end, or the next challenge's scheme */
        p = read_token(p, prm->name, sizeof(prm->name));
        lower(prm->name);
        p = skip_ws(p) + 1;    /* past '=' */
        p = skip_ws(p);
        if (*p == '"')
            p = read_quoted(p, prm->value, sizeof(prm->value));
        else
            p = read_token(p, prm->value, sizeof(prm->value));
        if (prm != &tmp)
            c->nparams++;
        p = skip_ws(p);
        if (*p && *p != ',')
            return p + strlen(p);   /* garbage: stop here */
    }
}

size_t
xp_wwwauth_parse(const char *value, struct xp_auth_challenge *out, size_t max, size_t *n)
{
    const char *p = value ? value : "";
    size_t added = 0;

    while (*p && *n < max) {
        struct xp_auth_challenge *c;
        const char *end;

        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!tchar((unsigned char)*p))
            break;
        c = &out[*n];
        memset(c, 0, sizeof(*c));
        p = read_token(p, c->scheme, sizeof(c->scheme));
        (*n)++;
        added++;
        if (*p && *p != ' ' && *p != '\t' && *p != ',')
            break;            /* "Bearer=": not a challenge we can read */
        p = skip_ws(p);
        end = token68_end(p);
        if (end) {   /* "a=" with nothing after is no parameter: a blob */
            size_t len = (size_t)(end - p);

            while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                len--;
            if (len >= sizeof(c->token68))
                len = sizeof(c->token68) - 1;
            memcpy(c->token68, p, len);
            c->token68[len] = '\0';
            p = end;
            continue;
        }
        p = read_params(p, c);
    }
    return added;
}

const struct xp_auth_challenge *
xp_wwwauth_find(const struct xp_auth_challenge *ch, size_t n, const char *scheme)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcasecmp(ch[i].scheme, scheme) == 0)
            return &ch[i];
    return NULL;
}

const char *
xp_wwwauth_param(const struct xp_auth_challenge *c, const char *name)
{
    size_t i;

    for (i = 0; c && i < c->nparams; i++)
        if (strcasecmp(c->params[i].name, name) == 0)
            return c->params[i].value;
    return NULL;
}
