/*
 * target.c — validating and normalising a target: "contoso.com",
 * "user@contoso.com", "bücher.example" (converted by libidn2, IDNA 2008
 * non-transitional, as browsers do).
 */
#include "xp_target.h"
#include "xp.h"

#include <ctype.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Letters, digits, hyphens; 1..63 per label; at least two labels. */
static int
valid_ascii_domain(const char *d, char *err, size_t errlen)
{
    size_t len = strlen(d), label = 0, labels = 1, i;

    if (len == 0 || len > 253) {
        snprintf(err, errlen, "'%s' is not a domain name (length %zu)", d, len);
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)d[i];

        if (c == '.') {
            if (label == 0 || d[i - 1] == '-') {
                snprintf(err, errlen, "'%s' is not a domain name (empty or bad label)", d);
                return 0;
            }
            label = 0;
            labels++;
            continue;
        }
        if (!isalnum(c) && c != '-') {
            snprintf(err, errlen, "'%s' is not a domain name (character '%c')", d, c);
            return 0;
        }
        if (c == '-' && label == 0) {
            snprintf(err, errlen, "'%s' is not a domain name (label starts with '-')", d);
            return 0;
        }
        if (++label > 63) {
            snprintf(err, errlen, "'%s' is not a domain name (label over 63 characters)", d);
            return 0;
        }
    }
    if (label == 0 || d[len - 1] == '-' || labels < 2) {
        snprintf(err, errlen, "'%s' is not a domain name (need e.g. contoso.com)", d);
        return 0;
    }
    return 1;
}

int
xp_target_parse(const char *input, char **domain, char **email, char *err, size_t errlen)
{
    const char *at = strrchr(input, '@');
    const char *host = at ? at + 1 : input;
    char *copy, *ascii = NULL;
    size_t n;
    int rc;

    *domain = *email = NULL;
    if (at && (at == input || strchr(input, ' '))) {
        snprintf(err, errlen, "'%s' is not an e-mail address", input);
        return -1;
    }
    copy = xstrdup(host);
    n = strlen(copy);
    if (n > 0 && copy[n - 1] == '.')
        copy[n - 1] = '\0';
    rc = idn2_to_ascii_8z(copy, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    free(copy);
    if (rc != IDN2_OK) {
        snprintf(err, errlen, "'%s' is not a valid domain name: %s", host, idn2_strerror(rc));
        return -1;
    }
    for (n = 0; ascii[n]; n++)
        ascii[n] = (char)tolower((unsigned char)ascii[n]);
    if (!valid_ascii_domain(ascii, err, errlen)) {
        idn2_free(ascii);
        return -1;
    }
    *domain = xstrdup(ascii);
    idn2_free(ascii);
    if (at)
        *email = xasprintf("%.*s@%s", (int)(at - input), input, *domain);
    return 0;
}
