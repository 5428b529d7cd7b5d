/*
 * target.c — validating and normalising a target: "contoso.com",
 * "user@contoso.com", "bücher.example" (converted by libidn2, IDNA 2008
 * non-transitional, as browsers do).
 */
#include "xp_target.h"
#include "xp.h"
#include "xp_model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Why d (ASCII, lower case) is not a host name, or NULL if it is one:
 * letters, digits, inner hyphens; 1..63 per label; at least two labels. */
static const char *
domain_problem(const char *d)
{
    size_t len = strlen(d), label = 0, labels = 1, i;

    if (len == 0)
        return "empty domain";
    if (len > 253)
        return "longer than 253 characters";
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)d[i];

        if (c == '.') {
            if (label == 0)
                return "empty label";
            if (d[i - 1] == '-')
                return "label ends with '-'";
            label = 0;
            labels++;
            continue;
        }
        if (!isalnum(c) && c != '-')
            return "character not allowed in a host name";
        if (c == '-' && label == 0)
            return "label starts with '-'";
        if (++label > 63)
            return "label longer than 63 characters";
    }
    if (label == 0)
        return "empty label";
    if (d[len - 1] == '-')
        return "label ends with '-'";
    if (labels < 2)
        return "need a full domain such as contoso.com";
    return NULL;
}

/* The input, quoted for a one-line message: printable UTF-8 as it is;
 * control bytes (C0, DEL, C1 such as 0x9B, CSI) and invalid bytes as \xNN. */
static void
quote_input(char *buf, size_t len, const char *s)
{
    size_t n = 0, left = strlen(s);

    while (*s && n + 5 < len) {
        size_t cl = xp_utf8_printable_len(s, left);

        if (cl && n + cl < len) {
            memcpy(buf + n, s, cl);
            n += cl;
        } else {
            cl = 1;
            n += (size_t)snprintf(buf + n, len - n, "\\x%02x", (unsigned char)*s);
        }
        s += cl;
        left -= cl;
    }
    buf[n] = '\0';
}

static int
fail(const char *input, const char *why, char *err, size_t errlen)
{
    char q[300];

    quote_input(q, sizeof(q), input);
    snprintf(err, errlen, "'%s' is not a domain or e-mail address: %s", q, why);
    return -1;
}

/* An IPv4 or IPv6 literal ("[::1]" too): a target must be a domain, since
 * every check starts from the domain's records (SPEC: a usage error). */
static int
is_ip_literal(const char *host)
{
    unsigned char buf[16];
    char tmp[64];
    size_t n = strlen(host);

    if (n >= sizeof(tmp))
        return 0;
    memcpy(tmp, host, n + 1);
    if (n > 2 && tmp[0] == '[' && tmp[n - 1] == ']') {
        tmp[n - 1] = '\0';
        return inet_pton(AF_INET6, tmp + 1, buf) == 1;
    }
    if (n > 0 && tmp[n - 1] == '.')
        tmp[n - 1] = '\0';
    return xp_is_ip(tmp);
}

int
xp_target_parse(const char *input, char **domain, char **email, char *err, size_t errlen)
{
    const char *at = strrchr(input, '@');
    const char *host = at ? at + 1 : input;
    const char *why;
    char *copy, *ascii = NULL;
    size_t n;
    int rc;

    *domain = *email = NULL;
    if (strncasecmp(input, "mailto:", 7) == 0)
        return fail(input, "drop the 'mailto:' in front of the address", err, errlen);
    if (at && at == input)
        return fail(input, "nothing before '@'", err, errlen);
    if (at && memchr(input, '@', (size_t)(at - input)))
        return fail(input, "more than one '@'", err, errlen);
    if (at && strpbrk(input, " \t"))
        return fail(input, "spaces in the address", err, errlen);
    /* The local part reaches every report verbatim: text only. */
    if (at && !xp_utf8_printable(input, (size_t)(at - input)))
        return fail(input, "control or invalid UTF-8 bytes before '@'", err, errlen);
    if (is_ip_literal(host)) {
        char q[300], h[80];
        int v6 = strchr(host, ':') && host[0] != '[';

        quote_input(q, sizeof(q), input);
        quote_input(h, sizeof(h), host);
        snprintf(err, errlen,
                 "'%s' is an IP address, not a domain: give the domain as the target and "
                 "the server with --hosts %s%s%s[:PORT]", q, v6 ? "[" : "", h, v6 ? "]" : "");
        return -1;
    }
    copy = xstrdup(host);
    n = strlen(copy);
    if (n > 0 && copy[n - 1] == '.')
        copy[n - 1] = '\0';
    if (!copy[0]) {
        free(copy);
        return fail(input, "empty domain", err, errlen);
    }
    rc = idn2_to_ascii_8z(copy, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    free(copy);
    if (rc != IDN2_OK)
        return fail(input, idn2_strerror(rc), err, errlen);
    for (n = 0; ascii[n]; n++)
        ascii[n] = (char)tolower((unsigned char)ascii[n]);
    why = domain_problem(ascii);
    if (why) {
        idn2_free(ascii);
        return fail(input, why, err, errlen);
    }
    *domain = xstrdup(ascii);
    idn2_free(ascii);
    if (at)
        *email = xasprintf("%.*s@%s", (int)(at - input), input, *domain);
    return 0;
}
