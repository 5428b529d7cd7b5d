/*
 * autodv2.c — Autodiscover v2 chains (include/xp_autodv2.h): the check
 * `autodiscover` runs them and judges them; `hybridauth`, asked without
 * it, runs them for discovery only. Nothing here sends a credential.
 */
#define _GNU_SOURCE
#include "xp_autodv2.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_front.h"
#include "xp_m365.h"
#include "xp_options.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY (64 * 1024)
#define EXO_V2_HOST "outlook.office365.com"

static const char *const protocols[] = { "ActiveSync", "EWS" };

/* One more thing in flight; its end may be the last one. */
static void
run_hold(struct xp_v2_run *v)
{
    v->pending++;
}

static void
run_release(struct xp_check *c, struct xp_v2_run *v)
{
    if (--v->pending == 0 && v->all_done)
        v->all_done(c);
}

static void chain_fetch(struct xp_check *c, struct xp_v2_chain *ch);

static void
chain_end(struct xp_check *c, struct xp_v2_chain *ch, int ok, const char *code,
          const char *fmt, ...) XP_PRINTF(5, 6);

static void
chain_end(struct xp_check *c, struct xp_v2_chain *ch, int ok, const char *code,
          const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ch->reason, sizeof(ch->reason), fmt, ap);
    va_end(ap);
    ch->done = 1;
    ch->ok = ok;
    ch->reason_code = code;
    if (ok) {
        char host[256];
        int port, https;

        /* What hybridauth probes next: the on-premises URLs (a cloud
         * mailbox's are Microsoft's, never probed). */
        if (xp_http_url_parts(ch->json.url, host, sizeof(host), &port, &https) == 0)
            xp_facts_add_v2url(xp_check_facts(c), ch->protocol, ch->json.url,
                               xp_m365_cloud_host(host));
    }
    xp_step_end(ch->step, ok ? XP_ST_PASS : ch->run->quiet ? XP_ST_INFO : XP_ST_FAIL, "%s",
                ch->reason);
    run_release(c, ch->run);
}

/* A redirect: followed to https only, at most XP_V2_MAX_HOPS, never back. */
static void
chain_follow(struct xp_check *c, struct xp_v2_chain *ch, const char *location)
{
    char host[256];
    int port, https, i;

    xp_step_note(ch->step, "HTTP %ld -> %s", ch->status, location);
    if (xp_http_url_parts(location, host, sizeof(host), &port, &https) < 0 || !https) {
        chain_end(c, ch, 0, "insecure_redirect", "%s redirects to %s, not https: not followed",
                  ch->url, location);
        return;
    }
    for (i = 0; i <= ch->hops; i++)
        if (strcmp(ch->visited[i], location) == 0) {
            chain_end(c, ch, 0, "redirect_loop", "redirect loop: %s leads back to %s", ch->url,
                      location);
            return;
        }
    if (ch->hops >= XP_V2_MAX_HOPS) {
        chain_end(c, ch, 0, "too_many_redirects", "more than %d redirects (last %s)",
                  XP_V2_MAX_HOPS, location);
        return;
    }
    snprintf(ch->url, sizeof(ch->url), "%s", location);
    snprintf(ch->visited[++ch->hops], sizeof(ch->visited[0]), "%s", location);
    chain_fetch(c, ch);
}

static void
on_chain_resp(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct xp_v2_chain *ch = arg;
    struct xp_front_verdict v;
    const char *ct;
    char why[160];

    if (!r->completed) {
        chain_end(c, ch, 0, "unreachable", "%s: %s", ch->url, r->error);
        return;
    }
    ch->status = r->status;
    xp_front_classify(r, &v);
    if (v.front == XP_FRONT_PREAUTH) {
        snprintf(ch->product, sizeof(ch->product), "%s", v.product);
        chain_end(c, ch, 0, r->status >= 300 && r->status < 400 ? "login_redirect" : "preauth",
                  "%s answers with %s (%s): a proxy pre-authenticates Autodiscover v2",
                  ch->url, v.product_name, v.why);
        return;
    }
    if (r->status >= 300 && r->status < 400 && r->location) {
        chain_follow(c, ch, r->location);
        return;
    }
    ct = xp_http_header(r, "Content-Type");
    if (r->status == 200 && ct && strcasestr(ct, "html")) {
        chain_end(c, ch, 0, "html", "%s answers with an HTML page (%s), not JSON: a sign-in "
                  "page in front of Exchange", ch->url, ct);
        return;
    }
    if (r->status != 200) {
        chain_end(c, ch, 0, "http_status", "%s answers HTTP %ld%s%s", ch->url, r->status,
                  v.methods[0] ? ", offering " : "", v.methods);
        return;
    }
    if (r->body_truncated ||
        xp_autodv2_parse(r->body, r->body_len, &ch->json, why, sizeof(why)) < 0) {
        chain_end(c, ch, 0, "not_json", "%s: %s", ch->url,
                  r->body_truncated ? "answer over the size limit" : why);
        return;
    }
    if (!ch->json.url[0]) {
        chain_end(c, ch, 0, "error", "%s answers %s: %s", ch->url, ch->json.error_code,
                  ch->json.error_message);
        return;
    }
    chain_end(c, ch, 1, NULL, "%s: %s", ch->json.protocol[0] ? ch->json.protocol : ch->protocol,
              ch->json.url);
}

static void
on_chain_addr(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct xp_v2_chain *ch = l->arg;
    const char *ip = xp_addrs_pick(l);
    struct xp_http_req req = { .method = "GET", .max_body = MAX_BODY };
    static const char *const accept[] = { "Accept: application/json", NULL };

    if (!ip) {
        chain_end(c, ch, 0, "dns", "%s does not resolve", ch->url);
        return;
    }
    req.url = ch->url;
    req.connect_ip = ip;
    req.headers = accept;
    xp_check_http(c, &req, on_chain_resp, ch);
}

static void
chain_fetch(struct xp_check *c, struct xp_v2_chain *ch)
{
    char host[256];
    int port, https;

    if (xp_http_url_parts(ch->url, host, sizeof(host), &port, &https) < 0) {
        chain_end(c, ch, 0, "bad_url", "cannot parse %s", ch->url);
        return;
    }
    xp_check_addrs(c, &ch->addrs, ch->step, host, on_chain_addr, ch);
}

static void
chain_start(struct xp_check *c, struct xp_v2_run *v, struct xp_step *parent, const char *label,
            const char *protocol, int cloud, const char *url)
{
    struct xp_v2_chain *ch;

    if (v->nchains >= XP_V2_MAX_CHAINS)
        return;
    ch = v->chains[v->nchains++] = xcalloc(1, sizeof(*ch));
    ch->run = v;
    snprintf(ch->label, sizeof(ch->label), "%s", label);
    snprintf(ch->protocol, sizeof(ch->protocol), "%s", protocol);
    ch->cloud_lookup = cloud;
    snprintf(ch->url, sizeof(ch->url), "%s", url);
    snprintf(ch->visited[0], sizeof(ch->visited[0]), "%s", url);
    ch->step = xp_step_begin(c, parent, "Autodiscover v2 (%s) at %s", protocol, label);
    run_hold(v);
    chain_fetch(c, ch);
}

void
xp_v2_cloud(struct xp_check *c, struct xp_v2_run *v)
{
    size_t i;

    if (!v->email[0] || xp_check_options(c)->no_cloud_lookups)
        return;
    run_hold(v);
    for (i = 0; i < XP_ARRAY_LEN(protocols); i++) {
        char *url = xasprintf("https://" EXO_V2_HOST "/autodiscover/autodiscover.json/v1.0/%s"
                              "?Protocol=%s", v->email, protocols[i]);

        chain_start(c, v, NULL, "Exchange Online", protocols[i], 1, url);
        free(url);
    }
    run_release(c, v);
}

void
xp_v2_host(struct xp_check *c, struct xp_v2_run *v, struct xp_step *parent, const char *host,
           int port)
{
    char label[300], first[1024];
    size_t i;

    if (!v->email[0] || xp_m365_cloud_host(host))
        return;
    if (port == 443)
        snprintf(label, sizeof(label), "%s", host);
    else
        snprintf(label, sizeof(label), "%s:%d", host, port);
    snprintf(first, sizeof(first), "https://%s/autodiscover/autodiscover.json?", label);
    for (i = 0; i < v->nchains; i++)
        if (strncmp(v->chains[i]->visited[0], first, strlen(first)) == 0)
            return;            /* this host was asked already */
    run_hold(v);
    for (i = 0; i < XP_ARRAY_LEN(protocols); i++) {
        char *url = xasprintf("%sEmail=%s&Protocol=%s", first, v->email, protocols[i]);

        chain_start(c, v, parent, label, protocols[i], 0, url);
        free(url);
    }
    run_release(c, v);
}

void
xp_v2_judge(struct xp_check *c, struct xp_v2_run *v)
{
    size_t i;

    for (i = 0; i < v->nchains; i++) {
        struct xp_v2_chain *ch = v->chains[i];
        struct xp_finding *f;
        char *visited[XP_V2_MAX_HOPS + 1];
        int k;

        if (!ch->done)
            continue;
        for (k = 0; k <= ch->hops; k++)
            visited[k] = ch->visited[k];
        if (ch->ok) {
            char host[256] = "";
            int port, https;
            int cloud = xp_http_url_parts(ch->json.url, host, sizeof(host), &port, &https) == 0 &&
                        xp_m365_cloud_host(host);

            f = xp_finding_new(c, ch->step, XP_AUTODV2_OK, "Autodiscover v2 at %s gives %s "
                               "%s for %s%s", ch->label, ch->json.protocol[0] ? ch->json.protocol
                               : ch->protocol, ch->json.url, v->email,
                               cloud ? " (the mailbox is in Exchange Online)"
                               : ch->hops ? " (an on-premises mailbox)" : "");
            xp_ev_str(f, "url", ch->json.url);
            xp_ev_str(f, "mailbox", cloud ? "exchange_online" : "on_premises");
        } else {
            f = xp_finding_new(c, ch->step, XP_AUTODV2_FAILED, "Autodiscover v2 at %s (%s) "
                               "failed: %s", ch->label, ch->protocol, ch->reason);
            xp_ev_str(f, "reason", ch->reason_code ? ch->reason_code : "other");
            if (ch->product[0])
                xp_ev_str(f, "product", ch->product);
            if (ch->status)
                xp_ev_int(f, "status", ch->status);
            if (ch->cloud_lookup)
                xp_finding_fix(f, "Exchange Online could not send this address on: check "
                                  "that the mailbox exists and that its on-premises "
                                  "Autodiscover v2 answers (the next finding).");
        }
        xp_ev_str(f, "protocol", ch->protocol);
        xp_ev_str(f, "email", v->email);
        xp_ev_list(f, "urls", visited, (size_t)ch->hops + 1);
        xp_finding_add(f);
    }
}

void
xp_v2_free(struct xp_v2_run *v)
{
    size_t i;

    for (i = 0; i < v->nchains; i++) {
        xp_check_addrs_clear(&v->chains[i]->addrs);
        free(v->chains[i]);
        v->chains[i] = NULL;
    }
    v->nchains = 0;
}
