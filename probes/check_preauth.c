/*
 * check_preauth.c — the `preauth` check: on every Exchange HTTPS host the
 * autodiscover check reached (or autodiscover.DOMAIN when it did not run),
 * is it Exchange that answers, or a reverse proxy pre-authenticating in
 * front of it? The hybrid endpoints must reach Exchange untouched
 * (domain.md §2): /autodiscover/autodiscover.svc with the anonymous
 * GetFederationInformation request the wizard sends, /EWS/Exchange.asmx
 * and /EWS/mrsproxy.svc. The product in the way is named from its
 * signatures (xp_front.h), with the evidence.
 */
#define _GNU_SOURCE
#include "xp_check.h"
#include "xp_exbuild.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_m365.h"
#include "xp_front.h"
#include "xp_options.h"
#include "xp_xml.h"

#include <time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HOSTS 4
#define MAX_FACT_STEPS 16
#define FEDINFO_ACTION \
    "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetFederationInformation"

/* The first four are the hybrid paths judged for pre-authentication; the
 * OWA ones only reveal the build (X-OWA-Version, the logon page's
 * /owa/auth/<build>/ asset path). */
enum probe_kind { P_AUTOD, P_FEDINFO, P_EWS, P_MRS, P_OWA, P_OWALOGON, P_COUNT };
#define P_HYBRID (P_MRS + 1)

static const struct {
    const char *path;
    const char *method;
    const char *title;
} probes[P_COUNT] = {
    [P_AUTOD] = { "/autodiscover/autodiscover.xml", "GET", "Autodiscover (POX)" },
    [P_FEDINFO] = { "/autodiscover/autodiscover.svc", "POST",
                    "GetFederationInformation, anonymous, as the Hybrid wizard sends it" },
    [P_EWS] = { "/EWS/Exchange.asmx", "GET", "Exchange Web Services" },
    [P_MRS] = { "/EWS/mrsproxy.svc", "GET", "MRS Proxy (mailbox moves)" },
    [P_OWA] = { "/owa/", "GET", "Outlook on the web (its X-OWA-Version header)" },
    [P_OWALOGON] = { "/owa/auth/logon.aspx", "GET",
                     "OWA logon page (its /owa/auth/<build>/ asset path)" },
};

struct probe {
    struct host *host;
    enum probe_kind kind;
    struct xp_step *step;
    int done, completed;
    long status;
    char error[256];
    char location[512];
    struct xp_front_verdict verdict;
    char **headers;
    size_t nheaders;
    int xml_unsafe;
    int fed_parsed;            /* P_FEDINFO: its answer is the host's fed */
    char owa_version[32];      /* X-OWA-Version, or the logon page's asset path */
    int owa_from_header;       /* owa_version came from X-OWA-Version */
};

struct host {
    char name[256];
    int port;
    char ip[64];
    struct xp_step *step;
    struct xp_addr_lookup addrs;   /* own lookup: A and AAAA */
    struct probe probes[P_COUNT];
    struct xp_fedinfo fed;         /* the P_FEDINFO probe's answer (5 KB: once, not per probe) */
    int microsoft;                 /* a CNAME to Office 365: not probed */
};

struct preauth_state {
    struct host *hosts;    /* MAX_HOSTS, allocated with the first: the check
                            * starts with the target, its hosts come later */
    size_t nhosts;
    int own_lookup;        /* autodiscover did not run: we resolved the host */
    char microsoft[256];   /* a host left out: Office 365's, not the organisation's */
    char unusable[600];    /* a host left out: no client reaches it by its name */
    unsigned facts_seen;   /* the facts' HTTP endpoints taken (their seq) */
    size_t soon_seen;      /* the facts' hosts about to be reached, taken */
    int rest_taken;        /* --hosts (and our own lookup) taken */
    struct {
        struct xp_step *step;
        unsigned seq;
    } fsteps[MAX_FACT_STEPS];   /* the steps of facts endpoints */
    size_t nfsteps;
};

/* Microsoft's cloud endpoints are not the customer's Exchange (SPEC):
 * pre-authentication, MRS Proxy and federation are probed on the
 * organisation's own hosts only (xp_m365_cloud_host). */
/* The build an OWA answer reveals: the X-OWA-Version header (any path),
 * else the logon page's "/owa/auth/15.2.1748/themes/..." asset path. */
static void
read_owa_version(struct probe *p, const struct xp_http_resp *r)
{
    const char *h = xp_http_header(r, "X-OWA-Version");
    struct xp_exver v;

    if (h && xp_exver_parse(h, &v) == 0) {
        xp_exver_format(&v, p->owa_version, sizeof(p->owa_version));
        p->owa_from_header = 1;
        return;
    }
    if (p->kind == P_OWALOGON && r->status == 200 && r->body &&
        xp_exver_from_owa_page(r->body, r->body_len, &v) == 0)
        xp_exver_format(&v, p->owa_version, sizeof(p->owa_version));
}

static void
on_probe(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct probe *p = arg;

    (void)c;
    p->done = 1;
    if (!r->completed) {
        snprintf(p->error, sizeof(p->error), "%s", r->error);
        xp_step_end(p->step, XP_ST_FAIL, "%s", r->error);
        return;
    }
    p->completed = 1;
    p->status = r->status;
    if (r->location)
        snprintf(p->location, sizeof(p->location), "%s", r->location);
    p->headers = xp_http_header_lines(r, &p->nheaders);
    xp_front_classify(r, &p->verdict);
    /* A proxy's HTML page (with its <!DOCTYPE html>) is not a SOAP answer. */
    if (p->kind == P_FEDINFO && r->status == 200 &&
        !strcasestr(xp_http_header(r, "Content-Type") ? xp_http_header(r, "Content-Type") : "",
                    "html")) {
        enum xp_xml_rc rc = xp_fedinfo_parse(r->body, r->body_len, &p->host->fed);

        p->xml_unsafe = rc == XP_XMLRC_UNSAFE;
        p->fed_parsed = rc == XP_XMLRC_OK;
    }
    read_owa_version(p, r);
    /* The step ends when judged: only then is its verdict known. */
    xp_step_note(p->step, "HTTP %ld%s%s%s%s", r->status,
                 p->verdict.methods[0] ? ", offers " : "", p->verdict.methods,
                 p->location[0] ? ", redirects to " : "", p->location);
}

static void
end_probe(struct probe *p, enum xp_status st)
{
    if (p->step && p->step->status == XP_ST_RUNNING)
        xp_step_end(p->step, st, NULL);
}

/* Probe k of host name:port at ip, into req (url is its buffer); returns
 * the body to free after sending, or NULL. */
static char *
probe_req(const struct xp_check *c, const char *name, int port, const char *ip, int k,
          struct xp_http_req *req, char *url, size_t urllen)
{
    struct xp_http_req r = { .method = probes[k].method, .connect_ip = ip,
                             .max_body = 256 * 1024, .url = url };
    char *body = NULL;

    snprintf(url, urllen, "https://%s:%d%s", name, port, probes[k].path);
    if (k == P_FEDINFO) {
        body = xp_fedinfo_request(c->target->domain, url);
        r.body = body;
        r.content_type = "text/xml; charset=utf-8";
        r.soap_action = FEDINFO_ACTION;
    }
    *req = r;
    return body;
}

static void
send_probes(struct xp_check *c, struct host *h)
{
    char url[512], *body;
    int k;

    for (k = 0; k < P_COUNT; k++) {
        struct probe *p = &h->probes[k];
        struct xp_http_req req;

        p->host = h;
        p->kind = (enum probe_kind)k;
        body = probe_req(c, h->name, h->port, h->ip, k, &req, url, sizeof(url));
        p->step = xp_step_begin(c, h->step, "%s %s", probes[k].method, probes[k].path);
        xp_check_http(c, &req, on_probe, p);
        free(body);
    }
}

/*
 * A host autodiscover is about to reach (a redirect's target): the same
 * requests, sent now for the run's shared answers only. Nothing is shown
 * or judged here: once autodiscover records the host (take_facts) the
 * probes ask again and find the answers in flight or stored; a host it
 * does not reach, or reaches by a name its certificate does not name, is
 * treated as before, and the answers go unused.
 */
static void
take_soon(struct xp_check *c)
{
    struct preauth_state *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    char url[512], *body;
    int k;

    if (xp_check_done(c, "autodiscover"))   /* it is too late to gain anything */
        st->soon_seen = xp_facts_http_soon_count(facts);
    for (; st->soon_seen < xp_facts_http_soon_count(facts); st->soon_seen++) {
        const struct xp_http_soon *s = xp_facts_http_soon(facts, st->soon_seen);

        if (st->soon_seen >= MAX_HOSTS || xp_m365_cloud_host(s->host))
            continue;
        for (k = 0; k < P_COUNT; k++) {
            struct xp_http_req req;

            body = probe_req(c, s->host, s->port, s->ip, k, &req, url, sizeof(url));
            xp_check_http_prefetch(c, &req);
            free(body);
        }
    }
}

/* The first A, else the first AAAA (an IPv6-only host is reached too). */
static void
on_addr(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct host *h = l->arg;
    const char *ip = xp_addrs_pick(l);
    const char *cname = xp_dns_cname_target(l->a.res);

    if (cname && xp_m365_cloud_host(cname)) {
        struct preauth_state *st = c->state;

        snprintf(st->microsoft, sizeof(st->microsoft), "%.120s (%.120s)", h->name, cname);
        h->microsoft = 1;
        xp_step_end(h->step, XP_ST_SKIP, "a CNAME to Office 365 (%s): not probed", cname);
        return;
    }
    if (!ip)
        return;
    snprintf(h->ip, sizeof(h->ip), "%s", ip);
    xp_step_note(h->step, "address %s", h->ip);
    send_probes(c, h);
}

static struct host *
add_host(struct preauth_state *st, const char *name, int port, const char *ip)
{
    struct host *h;
    size_t i;

    for (i = 0; i < st->nhosts; i++)
        if (xp_name_eq(st->hosts[i].name, name) && st->hosts[i].port == port)
            return NULL;
    if (st->nhosts >= MAX_HOSTS)
        return NULL;
    if (!st->hosts)
        st->hosts = xcalloc(MAX_HOSTS, sizeof(*st->hosts));
    h = &st->hosts[st->nhosts++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    snprintf(h->ip, sizeof(h->ip), "%s", ip ? ip : "");
    h->port = port;
    return h;
}

/* A host no client reaches by its name (xp_http_endpoint.unusable): not
 * probed, the step says why; its certificate is the cert check's finding. */
static struct xp_step *
leave_out(struct xp_check *c, const struct xp_http_endpoint *e)
{
    struct preauth_state *st = c->state;
    struct xp_step *s = xp_step_begin(c, NULL, "%s:%d (%s, %s)", e->host, e->port, e->ip,
                                      e->role);

    xp_step_end(s, XP_ST_SKIP, "not probed: %s; no client reaches Exchange by this name "
                "(the cert check reports the certificate)", e->unusable);
    if (!st->unusable[0])
        snprintf(st->unusable, sizeof(st->unusable), "%s", e->unusable);
    return s;
}

/* The step of a facts endpoint, to show them in the facts' order at the end
 * (they were begun as autodiscover reached them). */
static void
fact_step(struct preauth_state *st, struct xp_step *s, unsigned seq)
{
    if (st->nfsteps < MAX_FACT_STEPS) {
        st->fsteps[st->nfsteps].step = s;
        st->fsteps[st->nfsteps++].seq = seq;
    }
}

/* The hosts autodiscover recorded since we last looked: each is probed as
 * soon as it is known (xp_check_ops.facts_grew), not after autodiscover's
 * whole verdict. */
static void
take_facts(struct xp_check *c)
{
    struct preauth_state *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    const struct xp_http_endpoint *e;

    while ((e = xp_facts_http_next(facts, &st->facts_seen))) {
        struct host *h;

        if (xp_m365_cloud_host(e->host) || strcmp(e->role, "office365") == 0) {
            snprintf(st->microsoft, sizeof(st->microsoft), "%s", e->host);
            continue;
        }
        if (e->unusable[0]) {
            fact_step(st, leave_out(c, e), e->seq);
            continue;
        }
        h = add_host(st, e->host, e->port, e->ip);
        if (!h)
            continue;
        h->step = xp_step_begin(c, NULL, "%s:%d (%s, %s)", h->name, h->port, h->ip, e->role);
        fact_step(st, h->step, e->seq);
        send_probes(c, h);
    }
}

/* Once autodiscover has ended (or is not in the run): --hosts, and
 * autodiscover.DOMAIN ourselves when autodiscover did not run. */
static void
take_the_rest(struct xp_check *c)
{
    struct preauth_state *st = c->state;
    size_t i;

    if (st->rest_taken)
        return;
    st->rest_taken = 1;
    /* --hosts / hosts =: the EWS or MRS host may be published through
     * another proxy rule than Autodiscover (usability review A14). */
    for (i = 0; i < xp_check_expect(c)->nhosts; i++) {
        const struct xp_hostport *hp = &xp_check_expect(c)->hosts[i];
        struct host *h;

        if (xp_m365_cloud_host(hp->host))
            continue;
        h = add_host(st, hp->host, hp->port, NULL);
        if (!h)
            continue;   /* full, or already probed */
        h->step = xp_step_begin(c, NULL, "%s:%d (--hosts)", h->name, h->port);
        xp_check_addrs(c, &h->addrs, h->step, h->name, on_addr, h);
    }
    if (st->nhosts == 0 && !xp_check_in_run(c, "autodiscover")) {
        char *name = xasprintf("autodiscover.%s", c->target->domain);
        struct host *h = add_host(st, name, 443, NULL);

        st->own_lookup = 1;
        h->step = xp_step_begin(c, NULL, "%s:443", name);
        xp_check_addrs(c, &h->addrs, h->step, name, on_addr, h);
        free(name);
    }
}

/* From start and whenever autodiscover recorded more (facts_grew). */
static void
preauth_take(struct xp_check *c)
{
    take_soon(c);
    take_facts(c);
    if (xp_check_done(c, "autodiscover"))
        take_the_rest(c);
}

static void
preauth_start(struct xp_check *c)
{
    c->state = xcalloc(1, sizeof(struct preauth_state));
    preauth_take(c);
}

/* The facts endpoints' steps in the facts' (sorted) order, not in the
 * order autodiscover reached them: reports do not depend on timing. */
static void
sort_fact_steps(struct xp_check *c)
{
    struct preauth_state *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    struct xp_step *order[MAX_FACT_STEPS];
    size_t i, j, n = 0;

    for (i = 0; i < xp_facts_http_count(facts); i++)
        for (j = 0; j < st->nfsteps; j++)
            if (st->fsteps[j].seq == xp_facts_http(facts, i)->seq)
                order[n++] = st->fsteps[j].step;
    xp_check_steps_sort(c, NULL, order, n);
}

/* ---- judgement ---- */

static void
ev_probe(struct xp_finding *f, const struct probe *p)
{
    xp_ev_str(f, "host", p->host->name);
    xp_ev_str(f, "path", probes[p->kind].path);
    if (p->completed)
        xp_ev_int(f, "status", p->status);
    else
        xp_ev_str(f, "error", p->error);
    if (p->location[0])
        xp_ev_str(f, "location", p->location);
    if (p->verdict.methods[0])
        xp_ev_str(f, "auth_methods", p->verdict.methods);
    if (p->nheaders)
        xp_ev_list(f, "headers", p->headers, p->nheaders);
}

/* One finding per host and product, listing the paths it guards. */
static int
judge_preauth(struct xp_check *c, struct host *h)
{
    int k, found = 0;

    for (k = 0; k < P_HYBRID; k++) {
        struct probe *p = &h->probes[k];
        char *paths[P_COUNT];
        size_t n = 0;
        int j, dup = 0, guards_fed = 0;
        struct xp_finding *f;

        if (!p->completed || p->verdict.front != XP_FRONT_PREAUTH)
            continue;
        for (j = 0; j < k; j++)
            if (h->probes[j].completed && h->probes[j].verdict.front == XP_FRONT_PREAUTH &&
                strcmp(h->probes[j].verdict.product, p->verdict.product) == 0)
                dup = 1;
        if (dup)
            continue;
        for (j = k; j < P_HYBRID; j++)
            if (h->probes[j].completed && h->probes[j].verdict.front == XP_FRONT_PREAUTH &&
                strcmp(h->probes[j].verdict.product, p->verdict.product) == 0) {
                paths[n++] = (char *)probes[j].path;
                guards_fed |= j == P_FEDINFO;
            }
        f = xp_finding_new(c, p->step, XP_PREAUTH_DETECTED, "%s pre-authenticates %s on %s: "
                           "Exchange never sees these requests", p->verdict.product_name,
                           n > 1 ? "the hybrid paths" : probes[k].path, h->name);
        xp_ev_str(f, "product", p->verdict.product);
        xp_ev_str(f, "product_name", p->verdict.product_name);
        xp_ev_str(f, "why", p->verdict.why);
        xp_ev_list(f, "paths", paths, n);
        if (guards_fed)   /* the pre-flight's federation item: this is why */
            xp_finding_about(f, XP_ABOUT_FEDERATION_PATH);
        ev_probe(f, p);
        if (strcmp(p->verdict.product, "tmg") == 0)
            xp_finding_fix(f, "On TMG, publish /autodiscover/autodiscover.svc*, /ews/* and "
                              "/ews/mrsproxy.svc in a separate rule on the same listener with "
                              "no pre-authentication and 'no delegation, but client may "
                              "authenticate directly'.");
        else if (strcmp(p->verdict.product, "basic-proxy") == 0)
            xp_finding_fix(f, "Find the device answering with Basic-only challenges and let "
                              "it pass these paths to Exchange (pass-through "
                              "authentication).");
        xp_finding_add(f);
        found = 1;
    }
    return found;
}

/* One cause, one finding: a path a proxy pre-authenticates is listed in
 * that host's PREAUTH_DETECTED (its "paths"); the path's own probe says so
 * in its step and adds no second finding (0.1.0 added FEDERATION_INFO_FAILED
 * and MRSPROXY_UNREACHABLE for the same proxy). */
static int
told_by_preauth(struct probe *p)
{
    if (!p->completed || p->verdict.front != XP_FRONT_PREAUTH)
        return 0;
    end_probe(p, XP_ST_FAIL);
    xp_step_note(p->step, "pre-authenticated by %s: see PREAUTH_DETECTED",
                 p->verdict.product_name);
    return 1;
}

/* Why a probe has no answer of Exchange's own: the transport's error, the
 * product pre-authenticating in front of it, or else `otherwise`. */
static const char *
no_exchange_answer(const struct probe *p, const char *otherwise)
{
    if (!p->completed)
        return p->error;
    if (p->verdict.front == XP_FRONT_PREAUTH)
        return p->verdict.product_name;
    return otherwise;
}

static void
judge_fedinfo(struct xp_check *c, struct host *h)
{
    struct probe *p = &h->probes[P_FEDINFO];
    struct xp_finding *f;
    size_t i;

    if (p->xml_unsafe) {
        f = xp_finding_new(c, p->step, XP_XML_UNSAFE, "%s answered GetFederationInformation "
                           "with XML declaring a DTD or entities; it was not parsed", h->name);
        ev_probe(f, p);
        xp_finding_add(f);
        return;
    }
    if (p->fed_parsed && strcasecmp(p->host->fed.error_code, "NoError") == 0) {
        char *domains[XP_FEDINFO_MAX_DOMAINS];

        for (i = 0; i < p->host->fed.ndomains; i++)
            domains[i] = p->host->fed.domains[i];
        f = xp_finding_new(c, p->step, XP_FEDERATION_INFO_OK, "%s answers anonymous "
                           "GetFederationInformation (application URI %s)", h->name,
                           p->host->fed.application_uri);
        xp_ev_str(f, "application_uri", p->host->fed.application_uri);
        xp_ev_list(f, "domains", domains, p->host->fed.ndomains);
        xp_ev_str(f, "token_issuer", p->host->fed.token_issuer);
        xp_finding_add(f);
        end_probe(p, XP_ST_PASS);
        return;
    }
    if (p->fed_parsed && p->host->fed.error_code[0]) {
        f = xp_finding_new(c, p->step, XP_FEDERATION_INFO_FAILED, "%s answers "
                           "GetFederationInformation with %s: %s", h->name, p->host->fed.error_code,
                           p->host->fed.error_message);
        xp_finding_severity(f, XP_SEV_WARN);
        xp_ev_str(f, "error_code", p->host->fed.error_code);
        xp_finding_fix(f, "Exchange answered but the organisation or domain is not federated: "
                          "run the Hybrid Configuration Wizard, or "
                          "Set-FederatedOrganizationIdentifier and add the domain.");
        ev_probe(f, p);
        xp_finding_add(f);
        end_probe(p, XP_ST_WARN);
        return;
    }
    if (told_by_preauth(p))
        return;
    f = xp_finding_new(c, p->step, XP_FEDERATION_INFO_FAILED, "%s does not answer anonymous "
                       "GetFederationInformation: %s", h->name,
                       no_exchange_answer(p, p->status == 401
                                                 ? "Exchange itself demands authentication"
                                             : p->host->fed.fault[0] ? p->host->fed.fault
                                                               : "no SOAP answer"));
    if (p->completed && p->status == 401 && p->verdict.front == XP_FRONT_EXCHANGE)
        xp_finding_fix(f, "Restore the default authentication of the Autodiscover virtual "
                          "directory: its WS-Security endpoints must allow anonymous access.");
    if (p->host->fed.fault[0])
        xp_ev_str(f, "soap_fault", p->host->fed.fault);
    ev_probe(f, p);
    xp_finding_add(f);
    end_probe(p, XP_ST_FAIL);
}

static void
judge_mrs(struct xp_check *c, struct host *h)
{
    struct probe *p = &h->probes[P_MRS];
    struct xp_finding *f;
    int exchange_auth = p->completed && p->verdict.front == XP_FRONT_EXCHANGE &&
                        (p->status == 401 || p->status == 200);

    if (exchange_auth) {
        end_probe(p, XP_ST_PASS);
        return;
    }
    if (told_by_preauth(p))
        return;
    f = xp_finding_new(c, p->step, XP_MRSPROXY_UNREACHABLE, "MRS Proxy on %s does not answer "
                       "with Exchange's own authentication (%s)", h->name,
                       no_exchange_answer(p, "HTTP status without Exchange's challenge"));
    if (p->completed && p->verdict.front == XP_FRONT_EXCHANGE &&
        (p->status == 403 || p->status == 404)) {
        xp_finding_severity(f, XP_SEV_WARN);
        xp_finding_fix(f, "Set-WebServicesVirtualDirectory -MRSProxyEnabled $true (needed "
                          "for hybrid mailbox moves).");
    }
    ev_probe(f, p);
    xp_finding_add(f);
    end_probe(p, f->severity == XP_SEV_FAIL ? XP_ST_FAIL : XP_ST_WARN);
}

/* ---- the build ---- */

static void
today(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

/* The best build source: ServerVersionInfo (4 parts), then X-OWA-Version
 * (4 parts), then the asset path (3 parts). */
static const char *
pick_build(const struct host *h, const char **source, const struct probe **from)
{
    const struct probe *fed = &h->probes[P_FEDINFO];
    int k;

    if (fed->fed_parsed && h->fed.server_version[0]) {
        *source = "GetFederationInformation ServerVersionInfo";
        *from = fed;
        return h->fed.server_version;
    }
    for (k = 0; k < P_COUNT; k++)
        if (h->probes[k].owa_from_header) {
            *source = "X-OWA-Version header";
            *from = &h->probes[k];
            return h->probes[k].owa_version;
        }
    if (h->probes[P_OWALOGON].owa_version[0]) {
        *source = "OWA logon page asset path";
        *from = &h->probes[P_OWALOGON];
        return h->probes[P_OWALOGON].owa_version;
    }
    return NULL;
}

/* How much a build below the April 2025 HU matters: it breaks hybrid, so
 * fail when hybrid is declared (or assumed by --preflight), info when the
 * deployment is declared not hybrid, warn when unknown. */
static enum xp_severity
hybrid_app_severity(const struct xp_check *c)
{
    enum xp_deploy d = xp_check_expect(c)->deployment;

    if (d == XP_DEPLOY_HYBRID || (d == XP_DEPLOY_UNKNOWN && xp_check_options(c)->preflight))
        return XP_SEV_FAIL;
    return d == XP_DEPLOY_UNKNOWN ? XP_SEV_WARN : XP_SEV_INFO;
}

static void
ev_build(struct xp_finding *f, const struct host *h, const char *ver, const char *source,
         const struct xp_exbuild *b)
{
    xp_ev_str(f, "host", h->name);
    xp_ev_str(f, "version", ver);
    xp_ev_str(f, "source", source);
    xp_ev_str(f, "product", b->product);
    xp_ev_str(f, "build_name", b->name);
    if (b->released)
        xp_ev_str(f, "released", b->released);
    xp_ev_str(f, "support_end", b->support_end ? b->support_end : "Modern Lifecycle");
    if (b->latest[0])
        xp_ev_str(f, "latest_known_update", b->latest);
    xp_ev_str(f, "table_as_of", xp_exbuild_table_date());
}

static void
judge_build(struct xp_check *c, struct host *h)
{
    const struct probe *from = NULL;
    const char *source = NULL, *ver = pick_build(h, &source, &from);
    struct xp_exbuild b;
    struct xp_exver v;
    struct xp_finding *f;
    char day[16];

    end_probe(&h->probes[P_OWA], XP_ST_INFO);
    end_probe(&h->probes[P_OWALOGON], XP_ST_INFO);
    if (!ver || xp_exver_parse(ver, &v) < 0)
        return;
    xp_exbuild_lookup(&v, &b);
    if (b.online)
        return;            /* Exchange Online answered: no server of the customer's */
    xp_facts_add_build(xp_check_facts(c), h->name, ver, source, b.ep_default);
    f = xp_finding_new(c, from->step, XP_EXCHANGE_BUILD, "%s runs %s (%s, from the %s)%s%s",
                       h->name, b.name, ver, source,
                       b.latest[0] && !b.is_latest && b.known ? "; newest update of it: " : "",
                       b.latest[0] && !b.is_latest && b.known ? b.latest : "");
    ev_build(f, h, ver, source, &b);
    xp_ev_str(f, "hybrid_app_ready", b.hybrid_app == 1 ? "yes" : b.hybrid_app == 0 ? "no"
                                                                  : "unknown");
    if (b.hybrid_app == 1)
        xp_finding_about(f, XP_ABOUT_HYBRID_APP_READY);
    xp_ev_str(f, "extended_protection_default", b.ep_default ? "yes" : "no");
    xp_finding_add(f);
    today(day, sizeof(day));
    if (xp_exbuild_unsupported(&b, day)) {
        f = xp_finding_new(c, from->step, XP_EXCHANGE_UNSUPPORTED, "%s runs %s, out of "
                           "support since %s: no more security updates", h->name, b.product,
                           b.support_end);
        ev_build(f, h, ver, source, &b);
        xp_finding_add(f);
    }
    if (b.known && b.hybrid_app == 0) {
        f = xp_finding_new(c, from->step, XP_EXCHANGE_BELOW_HYBRID_APP_BUILD, "%s (%s) is "
                           "below the April 2025 hotfix update: it cannot use the dedicated "
                           "Exchange hybrid app, so free/busy, MailTips and photos from "
                           "on-premises users to Exchange Online have been blocked since "
                           "2025-10-31", h->name, b.name);
        xp_finding_severity(f, hybrid_app_severity(c));
        ev_build(f, h, ver, source, &b);
        xp_finding_add(f);
    }
}

/* Did any probe get an HTTP answer? */
static int
any_completed(const struct host *h)
{
    int k;

    for (k = 0; k < P_HYBRID; k++)
        if (h->probes[k].completed)
            return 1;
    return 0;
}

/* Did anything on this host look like Exchange or a proxy in front of it? */
static int
exchange_host(const struct host *h)
{
    int k;

    for (k = 0; k < P_HYBRID; k++)
        if (h->probes[k].completed && h->probes[k].verdict.front != XP_FRONT_UNKNOWN)
            return 1;
    return 0;
}

/* Every host met is Microsoft's (or none at all, with one left out). */
static int
all_microsoft(const struct preauth_state *st)
{
    size_t i;

    if (!st->microsoft[0])
        return 0;
    for (i = 0; i < st->nhosts; i++)
        if (!st->hosts[i].microsoft)
            return 0;
    return 1;
}

static void
preauth_judge(struct xp_check *c)
{
    struct preauth_state *st = c->state;
    size_t i;
    int judged = 0;

    sort_fact_steps(c);
    if (all_microsoft(st)) {
        char why[600];

        snprintf(why, sizeof(why), "cloud-only: the Autodiscover endpoint is Office 365's (%s); "
                 "pre-authentication, MRS Proxy and federation are probed on the "
                 "organisation's own Exchange hosts only (name them with --hosts)",
                 st->microsoft);
        xp_check_skip(c, why);
        return;
    }
    if (st->nhosts == 0 && st->unusable[0]) {
        char why[800];

        snprintf(why, sizeof(why), "no Autodiscover or EWS host a client can reach by its "
                 "name: %s", st->unusable);
        xp_check_skip(c, why);
        return;
    }
    if (st->nhosts == 0) {
        xp_check_skip(c, "no Autodiscover or EWS host was reached");
        return;
    }
    for (i = 0; i < st->nhosts; i++) {
        struct host *h = &st->hosts[i];
        int k;

        if (h->microsoft)
            continue;
        if (!h->probes[0].step || !any_completed(h)) {
            struct xp_finding *f = xp_finding_new(
                c, h->step, XP_PREAUTH_HOST_UNREACHABLE, "%s cannot be reached: %s", h->name,
                !h->probes[0].step ? "its name does not resolve" : h->probes[0].error);

            xp_ev_str(f, "host", h->name);
            xp_ev_int(f, "port", h->port);
            xp_finding_add(f);
            xp_step_end(h->step, XP_ST_FAIL, NULL);
            judged++;
            continue;
        }
        if (!exchange_host(h)) {
            for (k = 0; k < P_COUNT; k++)
                end_probe(&h->probes[k], XP_ST_SKIP);
            xp_step_end(h->step, XP_ST_SKIP, "neither Exchange nor a known proxy answers "
                        "here (a web site?)");
            continue;
        }
        judged++;
        judge_preauth(c, h);
        judge_fedinfo(c, h);
        judge_mrs(c, h);
        judge_build(c, h);
        for (k = 0; k < P_COUNT; k++) {
            struct probe *p = &h->probes[k];

            end_probe(p, p->verdict.front == XP_FRONT_PREAUTH ? XP_ST_FAIL
                         : p->verdict.front == XP_FRONT_EXCHANGE ? XP_ST_PASS : XP_ST_WARN);
        }
        xp_step_end(h->step, xp_step_children_worst(h->step), NULL);
    }
    if (!judged && !c->findings)
        xp_check_skip(c, "no host answered like Exchange or a proxy in front of it");
}

static void
preauth_free(struct xp_check *c)
{
    struct preauth_state *st = c->state;
    size_t i;
    int k;

    for (i = 0; i < st->nhosts; i++) {
        xp_check_addrs_clear(&st->hosts[i].addrs);
        for (k = 0; k < P_COUNT; k++)
            xp_strv_free(st->hosts[i].probes[k].headers,
                               st->hosts[i].probes[k].nheaders);
    }
    free(st->hosts);
    free(st);
    c->state = NULL;
}

static const char *const after[] = { "autodiscover", NULL };

const struct xp_check_ops xp_check_preauth = {
    .id = "preauth",
    .title = "Pre-authentication in front of Exchange",
    .help = "is it Exchange that answers /autodiscover/autodiscover.svc (anonymous\n"
            "GetFederationInformation), /EWS/Exchange.asmx, /EWS/mrsproxy.svc, or a\n"
            "reverse proxy pre-authenticating (TMG, UAG, F5, NetScaler, ...)? The\n"
            "Exchange build it reveals: support end, dedicated hybrid app readiness",
    .after = after,
    .judge_after = 1,         /* a host is probed once autodiscover reached it */
    .start = preauth_start,
    .judge = preauth_judge,
    .free_state = preauth_free,
    .facts_grew = preauth_take,
};
