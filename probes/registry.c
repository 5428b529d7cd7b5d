/*
 * registry.c — every check, in the order of SPEC.md, which is also the
 * order reports list them in.
 */
#include "xp_check.h"

#include <string.h>

extern const struct xp_check_ops xp_check_autodiscover;
extern const struct xp_check_ops xp_check_preauth;
extern const struct xp_check_ops xp_check_hybridauth;
extern const struct xp_check_ops xp_check_cert;
extern const struct xp_check_ops xp_check_smtp;
extern const struct xp_check_ops xp_check_dnsbl;
extern const struct xp_check_ops xp_check_dane;
extern const struct xp_check_ops xp_check_dkim;
extern const struct xp_check_ops xp_check_dmarc;
extern const struct xp_check_ops xp_check_mtasts;
extern const struct xp_check_ops xp_check_cname;
extern const struct xp_check_ops xp_check_lync;

const struct xp_check_ops *const xp_checks[] = {
    &xp_check_autodiscover,
    &xp_check_preauth,
    &xp_check_hybridauth,
    &xp_check_cert,
    &xp_check_smtp,
    &xp_check_dnsbl,
    &xp_check_dane,
    &xp_check_mtasts,
    &xp_check_dkim,
    &xp_check_dmarc,
    &xp_check_cname,
    &xp_check_lync,
    NULL,
};

int
xp_check_index(const char *id)
{
    int i;

    for (i = 0; xp_checks[i]; i++)
        if (strcmp(xp_checks[i]->id, id) == 0)
            return i;
    return -1;
}

const char *
xp_check_ids(void)
{
    static char buf[256];
    size_t i, n = 0;

    if (buf[0])
        return buf;
    for (i = 0; xp_checks[i]; i++) {
        size_t len = strlen(xp_checks[i]->id);

        if (n + len + 2 >= sizeof(buf))
            break;
        if (i)
            buf[n++] = ',';
        memcpy(buf + n, xp_checks[i]->id, len);
        n += len;
        buf[n] = '\0';
    }
    return buf;
}
