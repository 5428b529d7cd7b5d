/*
 * cert_discover.c — `cert` asked without the checks that meet the
 * domain's endpoints (SPEC: "a check asked for alone still does the
 * discovery it needs"): for each of autodiscover, smtp and lync that is
 * not in the run, cert finds what that check would have connected to —
 * autodiscover.DOMAIN and the _autodiscover._tcp SRV target (HTTPS), the
 * MX hosts (STARTTLS on 25), the Lync SRV targets — and collects their
 * certificates into the target's facts, as those checks would have. It
 * judges nothing itself; check_cert.c does. Office 365's own hosts are
 * Microsoft's, not the customer's, and are left out.
 */
#include "xp_cert_discover.h"

#include "xp_check.h"
#include "xp_m365.h"
#include "xp_facts.h"
#include "xp_options.h"
#include "xp_smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MX 3

static void add_endpoint(struct xp_check *c, struct xp_cert_disc *d, const char *host, int port,
                         int starttls, const char *source);

/* ---- one endpoint: addresses -> TLS (or SMTP STARTTLS) -> facts ---- */

/* A certificate found: to the facts cert judges, and its owner told (the
 * revocation and AIA fetches --hosts endpoints get). */
static void
found(struct xp_check *c, const struct xp_cert_disc_ep *ep, const struct xp_tls_info *info)
{
    const struct xp_cert_disc *d = ep->disc;

    xp_facts_add_tls(xp_check_facts(c), ep->source, ep->exchange, info);
    if (d->found)
        d->found(c, info);
}

static void
on_tls(struct xp_check *c, void *arg, const struct xp_tls_info *info, SSL *ssl, int fd)
{
    struct xp_cert_disc_ep *ep = arg;

    if (!ssl) {
        xp_step_end(ep->step, XP_ST_INFO, "TLS: %s", info->error);
        return;
    }
    found(c, ep, info);
    xp_step_end(ep->step, XP_ST_PASS, "TLS: %s, %s", info->protocol, info->cipher);
    SSL_free(ssl);
    close(fd);
}

static void
on_connect(struct xp_check *c, void *arg, const struct xp_tcp_result *res)
{
    struct xp_cert_disc_ep *ep = arg;
    char why[160];

    if (res->fd < 0) {
        xp_step_end(ep->step, XP_ST_INFO, "TCP: %s", xp_tcp_error_text(res, why, sizeof(why)));
        return;
    }
    xp_check_tls(c, res->fd, ep->host, ep->port, ep->ip, on_tls, ep);
}

static void
on_smtp_done(struct xp_check *c, struct xp_smtp_conn *s, void *arg)
{
    struct xp_cert_disc_ep *ep = arg;
    const struct xp_tls_info *tls = xp_smtp_conn_tls(s);

    if (!tls->handshake_ok) {
        xp_step_end(ep->step, XP_ST_INFO, "no STARTTLS certificate: %s",
                    xp_smtp_conn_error(s)[0] ? xp_smtp_conn_error(s) : "STARTTLS not offered");
        return;
    }
    found(c, ep, tls);
    xp_step_end(ep->step, XP_ST_PASS, "STARTTLS: %s, %s", tls->protocol, tls->cipher);
}

static void
on_addrs(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct xp_cert_disc_ep *ep = l->arg;
    const char *cname = xp_dns_cname_target(l->a.res);
    const char *ip = xp_addrs_pick(l);

    if (cname && xp_m365_cloud_host(cname)) {
        ((struct xp_cert_disc *)ep->disc)->microsoft++;
        xp_step_end(ep->step, XP_ST_SKIP, "a CNAME to %s: Microsoft's, not judged here", cname);
        return;
    }
    if (!ip) {
        xp_step_end(ep->step, XP_ST_SKIP, "no address");
        return;
    }
    snprintf(ep->ip, sizeof(ep->ip), "%s", ip);
    if (ep->starttls) {
        const struct xp_params *prm = xp_check_params(c);
        struct xp_smtp_conn_params p = {
            .host = ep->host, .ip = ep->ip, .port = ep->port, .timeout_ms = prm->timeout_ms,
            .probe_mail = 0, .lim = prm->smtp,
        };

        ep->conn = xp_smtp_conn_new(&p);
        xp_smtp_conn_start(c, ep->conn, on_smtp_done, ep);
        return;
    }
    xp_check_tcp(c, ep->ip, ep->port, on_connect, ep);
}

static void
add_endpoint(struct xp_check *c, struct xp_cert_disc *d, const char *host, int port,
             int starttls, const char *source)
{
    struct xp_cert_disc_ep *ep;
    size_t i;

    if (!host || !host[0] || strcmp(host, ".") == 0 || d->nep >= XP_CERT_DISC_MAX)
        return;
    if (xp_m365_cloud_host(host)) {
        d->microsoft++;
        return;
    }
    for (i = 0; i < d->nep; i++)
        if (xp_name_eq(d->ep[i].host, host) && d->ep[i].port == port)
            return;
    ep = &d->ep[d->nep++];
    ep->disc = d;
    snprintf(ep->host, sizeof(ep->host), "%s", host);
    ep->port = port;
    ep->starttls = starttls;
    ep->exchange = !starttls && strstr(source, "autodiscover") != NULL;
    snprintf(ep->source, sizeof(ep->source), "%s", source);
    ep->step = xp_step_begin(c, d->step, "%s %s:%d (%s)", starttls ? "STARTTLS" : "TLS", host,
                             port, source);
    xp_check_addrs(c, &ep->addrs, ep->step, host, on_addrs, ep);
}

/* ---- the records that name the endpoints ---- */

static void
on_mx(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct xp_cert_disc *d = arg;
    size_t i, n = 0;

    xp_check_dns_step(c, d->step, res);
    for (i = 0; i < res->nrr && n < MAX_MX; i++)
        if (res->rr[i].type == XP_DNS_MX && res->rr[i].target) {
            add_endpoint(c, d, res->rr[i].target, 25, 1, "discovered MX (STARTTLS)");
            n++;
        }
}

static void
on_srv(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct xp_cert_disc_srv *q = arg;
    size_t i;

    xp_check_dns_step(c, q->d->step, res);
    for (i = 0; i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_SRV)
            add_endpoint(c, q->d, res->rr[i].target, (int)res->rr[i].port, 0, q->source);
}

static void
ask_srv(struct xp_check *c, struct xp_cert_disc *d, struct xp_cert_disc_srv *q,
        const char *label, const char *source)
{
    char *name = xasprintf("%s.%s", label, c->target->domain);

    q->d = d;
    q->source = source;
    xp_check_dns(c, name, XP_DNS_SRV, on_srv, q);
    free(name);
}

int
xp_cert_discover(struct xp_check *c, struct xp_cert_disc *d)
{
    const char *dom = c->target->domain;
    int autod = 1, smtp = 1, lync = 1;

    /* With any of them in the run, the user chose which endpoints count. */
    if (xp_check_in_run(c, "autodiscover") || xp_check_in_run(c, "smtp") ||
        xp_check_in_run(c, "lync"))
        return 0;
    d->step = xp_step_begin(c, NULL, "Discovery (cert asked without autodiscover, smtp and "
                            "lync): Autodiscover hosts, MX hosts (STARTTLS), Lync SRV targets");
    if (autod) {
        char *host = xasprintf("autodiscover.%s", dom);

        add_endpoint(c, d, host, 443, 0, "discovered autodiscover");
        free(host);
        ask_srv(c, d, &d->srv[0], "_autodiscover._tcp", "discovered autodiscover SRV");
    }
    if (smtp)
        xp_check_dns(c, dom, XP_DNS_MX, on_mx, d);
    if (lync) {
        ask_srv(c, d, &d->srv[1], "_sip._tls", "discovered lync _sip._tls");
        ask_srv(c, d, &d->srv[2], "_sipfederationtls._tcp", "discovered lync federation");
    }
    return 1;
}

void
xp_cert_discover_end(struct xp_cert_disc *d)
{
    size_t i;

    if (!d->step)
        return;
    for (i = 0; i < d->nep; i++)
        if (d->ep[i].step->status == XP_ST_RUNNING)
            xp_step_end(d->ep[i].step, XP_ST_INFO, NULL);
    xp_step_end(d->step, XP_ST_INFO, "%zu endpoint(s) found", d->nep);
}

void
xp_cert_discover_free(struct xp_cert_disc *d)
{
    size_t i;

    for (i = 0; i < d->nep; i++) {
        xp_check_addrs_clear(&d->ep[i].addrs);
        xp_smtp_conn_free(d->ep[i].conn);
    }
    memset(d, 0, sizeof(*d));
}
