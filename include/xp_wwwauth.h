/*
 * xp_wwwauth.h — reading WWW-Authenticate (RFC 7235 §4.1): one header value
 * may carry several challenges, each a scheme followed by a token68 (NTLM's
 * and Negotiate's base64 blobs) or by comma-separated auth-params whose
 * values are tokens or quoted-strings (Bearer's client_id, trusted_issuers,
 * authorization_uri). Pure and bounded: a fixed number of challenges and
 * parameters, each value truncated to its buffer; never reads past the
 * string. Used by hybridauth (the empty-Bearer 401, NTLM's CHALLENGE) and
 * unit-tested on Exchange's real headers.
 */
#ifndef XP_WWWAUTH_H
#define XP_WWWAUTH_H

#include <stddef.h>

#define XP_AUTH_MAX_CHALLENGES 8
#define XP_AUTH_MAX_PARAMS 12

struct xp_auth_param {
    char name[40];                 /* lower-cased */
    char value[512];               /* unquoted, escapes resolved; truncated */
};

struct xp_auth_challenge {
    char scheme[32];               /* as sent ("Bearer", "NTLM", "Negotiate") */
    char token68[2048];            /* the blob after the scheme, or "" */
    struct xp_auth_param params[XP_AUTH_MAX_PARAMS];
    size_t nparams;
};

/*
 * Parse one header value into out (at most max challenges), appending after
 * the *n already there; returns how many were added. Malformed parts end the
 * parse with what was read so far (a server's garbage never fails a check).
 */
size_t xp_wwwauth_parse(const char *value, struct xp_auth_challenge *out, size_t max,
                        size_t *n);

/* The challenge with this scheme (case-insensitive), or NULL. */
const struct xp_auth_challenge *xp_wwwauth_find(const struct xp_auth_challenge *ch, size_t n,
                                                const char *scheme);

/* A parameter's value (name case-insensitive), or NULL. */
const char *xp_wwwauth_param(const struct xp_auth_challenge *c, const char *name);

#endif
