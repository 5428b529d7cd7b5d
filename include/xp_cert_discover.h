/*
 * xp_cert_discover.h — the endpoints `cert` finds itself when the checks
 * that meet them (autodiscover, smtp, lync) are not in the run
 * (probes/cert_discover.c). The certificates go to the target's facts,
 * with sources "discovered ...", for check_cert.c to judge.
 */
#ifndef XP_CERT_DISCOVER_H
#define XP_CERT_DISCOVER_H

#include <stddef.h>

#include "xp_check.h"

#define XP_CERT_DISC_MAX 12

struct xp_smtp_conn;
struct xp_cert_disc;

struct xp_cert_disc_ep {
    char host[256];
    int port;
    int starttls;               /* SMTP STARTTLS on port 25, else TLS at once */
    int exchange;               /* an Exchange HTTPS endpoint (msstd applies) */
    char source[64];
    char ip[64];
    struct xp_step *step;
    struct xp_addr_lookup addrs;
    struct xp_smtp_conn *conn;  /* STARTTLS session, freed by xp_cert_discover_free */
    void *disc;                 /* the struct xp_cert_disc it belongs to */
};

struct xp_cert_disc_srv {
    struct xp_cert_disc *d;
    const char *source;
};

/* Lives in the check's state (callbacks point into it). */
struct xp_cert_disc {
    struct xp_step *step;       /* "Discovery (as the ... checks would): ..." */
    struct xp_cert_disc_ep ep[XP_CERT_DISC_MAX];
    size_t nep;
    size_t microsoft;           /* endpoints left out: Office 365's hosts */
    struct xp_cert_disc_srv srv[3];
    /* Told of every certificate found (after it went to the facts), so the
     * caller asks what judging it needs (OCSP, CRL, AIA) as for --hosts;
     * NULL: nothing to do. */
    void (*found)(struct xp_check *c, const struct xp_tls_info *info);
};

/* Start what is needed; 0 when every provider check is in the run. */
int xp_cert_discover(struct xp_check *c, struct xp_cert_disc *d);
/* At judge time: close the steps. */
void xp_cert_discover_end(struct xp_cert_disc *d);
/* From free_state. */
void xp_cert_discover_free(struct xp_cert_disc *d);

#endif
