/*
 * check_autodiscover.c — the `autodiscover` check: which Autodiscover
 * endpoint a client would reach, trying the methods in Outlook's order
 * (domain.md §1.1, §1.7–1.8):
 *   1 https://DOMAIN/autodiscover/autodiscover.xml
 *   2 https://autodiscover.DOMAIN/autodiscover/autodiscover.xml
 *   3 http://autodiscover.DOMAIN/... answering a redirect to an https URL
 *   4 the _autodiscover._tcp.DOMAIN SRV record
 * All four are probed at once and reported in that order, the first that
 * works marked as the one a client would use. Each gets an anonymous POX
 * POST, which Exchange answers with 401 and its own challenges. With
 * --user, the endpoint is asked for the settings (credentials only over
 * verified https, only to hosts in the target's domain), and the URLs it
 * returns are reached too. The TLS chains go to the cert check, the hosts
 * to the preauth check. For an address (or --user): Autodiscover v2 at
 * Exchange Online and at every host where Exchange answered (autodv2.c:
 * AUTODV2_OK / AUTODV2_FAILED; the URLs go to hybridauth through facts).
 */
#define _GNU_SOURCE
#include <curl/curl.h>

#include "xp_autodv2.h"
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_front.h"
#include "xp_options.h"
#include "xp_xml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PATH "/autodiscover/autodiscover.xml"
#define MAX_HOPS 10
#define MAX_URL_HOSTS 6

enum method { M_ROOT, M_HOST, M_REDIRECT, M_SRV, M_COUNT };

static const char *const method_titles[M_COUNT] = {
    [M_ROOT] = "Method 1: https://",
    [M_HOST] = "Method 2: https://autodiscover.",
    [M_REDIRECT] = "Method 3: HTTP redirect from http://autodiscover.",
    [M_SRV] = "Method 4: SRV record _autodiscover._tcp.",
};

/*
 * What became of one method's candidate: the anonymous probe sets it (with
 * the words in problem), outcome_of() settles it, and the verdict table
 * below turns it into the step's status, the finding and its fix.
 */
enum outcome {
    O_NOT_OFFERED,          /* nothing was tried (no problem recorded) */
    O_VALID,                /* Exchange answered: judge_valid */
    O_VALID_BAD_CERT,       /* Exchange answered behind a certificate clients refuse */
    O_CLOUD_CERT,           /* Office 365's certificate behind the cloud-only CNAME */
    O_NO_NAME,              /* the host name does not resolve */
    O_DNS_ERROR,            /* its lookup failed: unknown, not absent */
    O_NO_SRV,               /* no _autodiscover._tcp SRV record */
    O_NO_REDIRECT,          /* method 3: port 80 offers no redirect */
    O_CONNECT_FAILED,
    O_BAD_RESPONSE,         /* something other than Exchange answered */
    O_REDIRECT_INSECURE,
    O_REDIRECT_LOOP,
    O_XML_UNSAFE,
    O_COUNT
};

struct candidate {
    enum method method;
    struct xp_step *step;
    char url[1024];             /* the https URL being judged */
    char host[256];
    int port;
    char ip[64];                /* the address used (libcurl's report once reached) */
    struct xp_addr_lookup addrs;   /* the host's A and AAAA answers */
    int resolved;               /* the host has an address */
    int dns_error;              /* the lookup failed (not: no such name) */
    int reached;                /* an HTTP answer came back from url */
    int valid;                  /* Exchange's Autodiscover answered */
    char problem[320];          /* why it is not valid, in words */
    enum outcome outcome;       /* what the probe found (with problem) */
    struct xp_front_verdict verdict;
    long status;
    char **headers;             /* the anonymous answer's headers, as evidence */
    size_t nheaders;
    /* redirects (method 3, and 302s on https) */
    char hops[MAX_HOPS][1024];
    int nhops;
    int redirect_insecure, redirect_loop;
    /* with credentials */
    int auth_tried, auth_failed, auth_skipped;
    int auth_basic;             /* the endpoint offers Basic: use it */
    char addr[320];             /* the address asked about (redirectAddr may change it) */
    char addr_hops[MAX_HOPS][320];  /* addresses redirectAddr led through */
    int naddr_hops;
    char auth_error[512];       /* the authenticated request did not complete */
    int cert_invalid;           /* a client refuses or warns on the certificate (cv) */
    int refused, timed_out;     /* how the connection failed (the fix depends on it) */
    int tls_done;               /* TLS completed before it failed (a silent server) */
    struct xp_cert_verdict cv;  /* the certificate's verdict (xp_check_cert_verdict) */
    int cloud_cname;            /* the host is a CNAME to Office 365's Autodiscover */
    long auth_status;
    int xml_unsafe;
    struct xp_autod_resp *settings;
    struct xp_tls_info tls;     /* what the https endpoint presented */
};

/* A host named in the returned settings, reached to judge it. */
struct url_host {
    char host[256];
    char url[1024];
    char role[16];
    struct xp_step *step;
    struct xp_addr_lookup addrs;
    int done, ok;
    char error[512];
};

struct autod_state {
    struct candidate cand[M_COUNT];
    char email[320];
    const char *user;
    const char *password;
    struct url_host urls[MAX_URL_HOSTS];
    size_t nurls;
    struct xp_step *st_settings;
    struct xp_v2_run v2;        /* Autodiscover v2 (address targets) */
};

static void probe(struct xp_check *c, struct candidate *k);

/* ---- helpers ---- */

static void
set_problem(struct candidate *k, enum outcome o, const char *fmt, ...) XP_PRINTF(3, 4);

static void
set_problem(struct candidate *k, enum outcome o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(k->problem, sizeof(k->problem), fmt, ap);
    va_end(ap);
    k->outcome = o;
}

/* host and port of an https URL; 0 when it is one. */
static int
parse_https(const char *url, char *host, size_t hostlen, int *port)
{
    int https = 0;

    return xp_http_url_parts(url, host, hostlen, port, &https) == 0 && https ? 0 : -1;
}

/* "A NXDOMAIN, AAAA NXDOMAIN" - why a name has no address, in words. */
static void
addrs_status(const struct xp_addr_lookup *l, char *buf, size_t len)
{
    const struct xp_dns_result *r[2] = { l->a.res, l->aaaa.res };
    size_t i, n = 0;

    buf[0] = '\0';
    for (i = 0; i < 2 && r[i]; i++)
        n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s %s%s%s", i ? ", " : "",
                              xp_dns_type_name(r[i]->qtype), xp_dns_status_name(r[i]->status),
                              r[i]->error ? ": " : "", r[i]->error ? r[i]->error : "");
}

/* Credentials go only to hosts of the target's own domain (the names the
 * user asked about), never after a redirect elsewhere. */
static int
may_send_credentials(const struct xp_check *c, const char *host)
{
    return xp_name_ends_with(host, c->target->domain);
}

static void
keep_headers(struct candidate *k, const struct xp_http_resp *r)
{
    xp_strv_free(k->headers, k->nheaders);
    k->headers = xp_http_header_lines(r, &k->nheaders);
}

/* Keep the chain; every endpoint met goes to the cert check (SPEC: whatever
 * HTTP answered, a proxy's certificate is what clients see), except Office
 * 365's host behind a cloud-only CNAME: Microsoft's, not a certificate to
 * fix (judge_candidate). */
static void
keep_tls(struct candidate *k, const struct xp_http_resp *r)
{
    if (!r->tls.handshake_ok)
        return;
    xp_tls_info_clear(&k->tls);
    xp_tls_info_copy(&k->tls, &r->tls);
}

static void
publish_tls(struct xp_check *c, struct candidate *k)
{
    char source[64];

    if (!k->tls.handshake_ok)
        return;
    snprintf(source, sizeof(source), "autodiscover method %d", (int)k->method + 1);
    xp_facts_add_tls(xp_check_facts(c), source, 1, &k->tls);
}

/*
 * Why no client reaches host by that name: TLS name verification fails
 * (its certificate does not name it; the cert check's CERT_NAME_MISMATCH).
 * preauth and hybridauth leave such a host out (facts' unusable): clients
 * reach Exchange through the names that verify, and a finding about the
 * other name would repeat one cause. "" when the name verifies (or there
 * is no chain to tell).
 */
static void
name_unusable(const struct xp_tls_info *tls, const char *host, int port, char *buf,
              size_t len)
{
    X509 *leaf;
    char **names;
    size_t n, i, used;
    const char *hint;
    int cn_only;

    buf[0] = '\0';
    if (!tls->handshake_ok || !tls->chain || sk_X509_num(tls->chain) == 0)
        return;
    leaf = sk_X509_value(tls->chain, 0);
    if (xp_cert_host_matches(leaf, host, &cn_only))
        return;
    names = xp_cert_names(leaf, &n);
    used = (size_t)snprintf(buf, len, "the certificate of %.200s:%d names ", host, port);
    for (i = 0; i < n && i < 4 && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, "%s, not %s", n > 4 ? ", ..." : "",
                                 host);
    hint = xp_cert_mismatch_hint(leaf, host);
    if (hint && used < len)
        snprintf(buf + used, len - used, ": %s", hint);
    xp_strv_free(names, n);
}

/* ---- with credentials: the settings ---- */

static void
on_url_host(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct url_host *u = arg;
    char source[64], unusable[320];

    u->done = 1;
    if (!r->completed) {
        snprintf(u->error, sizeof(u->error), "%s", r->error);
        xp_step_end(u->step, XP_ST_FAIL, "%s", r->error);
        return;
    }
    u->ok = 1;
    if (r->tls.handshake_ok) {
        snprintf(source, sizeof(source), "autodiscover settings %s", u->role);
        xp_facts_add_tls(xp_check_facts(c), source, 1, &r->tls);
    }
    if (strcmp(u->role, "ews") == 0) {
        name_unusable(&r->tls, u->host, r->port, unusable, sizeof(unusable));
        xp_facts_add_http(xp_check_facts(c), u->host, r->port, r->ip, "ews", unusable);
        xp_check_facts_grew(c);
    }
    xp_step_end(u->step, XP_ST_PASS, "HTTP %ld", r->status);
}

static void
on_url_addr(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct url_host *u = l->arg;
    const char *ip = xp_addrs_pick(l);
    struct xp_http_req req = { .url = u->url, .method = "GET", .max_body = 64 * 1024 };

    if (!ip) {
        char why[320];

        addrs_status(l, why, sizeof(why));
        u->done = 1;
        snprintf(u->error, sizeof(u->error), "%.200s does not resolve (%.280s)", u->host, why);
        xp_step_end(u->step, XP_ST_FAIL, "%s", u->error);
        return;
    }
    req.connect_ip = ip;
    xp_check_http(c, &req, on_url_host, u);
}

/* Reach every distinct https host the settings name (EWS, OAB, ...). */
static void
follow_settings_urls(struct xp_check *c, const struct xp_autod_resp *s)
{
    struct autod_state *st = c->state;
    size_t i;

    for (i = 0; i < s->nproto; i++) {
        const struct {
            const char *url, *role;
        } urls[] = {
            { s->proto[i].ews_url, "ews" }, { s->proto[i].as_url, "ews" },
            { s->proto[i].oab_url, "oab" }, { s->proto[i].ecp_url, "ecp" },
        };
        size_t k, j;

        for (k = 0; k < XP_ARRAY_LEN(urls); k++) {
            char host[256];
            int port, seen = 0;
            struct url_host *u;

            if (!urls[k].url[0] || parse_https(urls[k].url, host, sizeof(host), &port) < 0)
                continue;
            for (j = 0; j < st->nurls; j++)
                if (xp_name_eq(st->urls[j].host, host))
                    seen = 1;
            if (seen || st->nurls >= MAX_URL_HOSTS)
                continue;
            u = &st->urls[st->nurls++];
            snprintf(u->host, sizeof(u->host), "%s", host);
            snprintf(u->url, sizeof(u->url), "%s", urls[k].url);
            snprintf(u->role, sizeof(u->role), "%s", urls[k].role);
            u->step = xp_step_begin(c, st->st_settings, "Reach %s (%s)", host, urls[k].role);
            xp_check_addrs(c, &u->addrs, u->step, host, on_url_addr, u);
        }
    }
}

static void post_auth(struct xp_check *c, struct candidate *k);

static void
on_auth(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct candidate *k = arg;
    struct autod_state *st = c->state;
    struct xp_autod_resp *s;
    enum xp_xml_rc rc;

    k->auth_status = r->status;
    if (!r->completed) {
        snprintf(k->auth_error, sizeof(k->auth_error), "%s", r->error);
        xp_step_note(k->step, "authenticated POST: %s", r->error);
        return;
    }
    if (r->status == 401) {
        k->auth_failed = 1;
        xp_step_note(k->step, "authenticated POST: 401, the credentials were refused");
        return;
    }
    if (r->status != 200) {
        xp_step_note(k->step, "authenticated POST: HTTP %ld", r->status);
        return;
    }
    s = xcalloc(1, sizeof(*s));
    rc = xp_autod_parse(r->body, r->body_len, s);
    if (rc == XP_XMLRC_UNSAFE) {
        k->xml_unsafe = 1;
        free(s);
        return;
    }
    if (rc != XP_XMLRC_OK) {
        set_problem(k, O_BAD_RESPONSE, "the authenticated answer is not an "
                    "Autodiscover document (%zu bytes%s)", r->body_len,
                    r->body_truncated ? ", cut at the size limit" : "");
        free(s);
        return;
    }
    free(k->settings);
    k->settings = s;
    if (strcasecmp(s->action, "redirectUrl") == 0 && s->redirect_url[0]) {
        char host[256];
        int port;

        if (parse_https(s->redirect_url, host, sizeof(host), &port) < 0) {
            k->redirect_insecure = 1;
            return;
        }
        if (k->nhops >= MAX_HOPS) {
            k->redirect_loop = 1;
            return;
        }
        snprintf(k->hops[k->nhops++], sizeof(k->hops[0]), "%s", s->redirect_url);
        if (!may_send_credentials(c, host)) {
            k->auth_skipped = 1;
            return;
        }
        snprintf(k->url, sizeof(k->url), "%s", s->redirect_url);
        post_auth(c, k);
        return;
    }
    if (strcasecmp(s->action, "redirectAddr") == 0 && s->redirect_addr[0]) {
        const char *at = strrchr(s->redirect_addr, '@');
        int i, seen = strcasecmp(s->redirect_addr, k->addr) == 0;

        for (i = 0; i < k->naddr_hops; i++)
            seen |= strcasecmp(k->addr_hops[i], s->redirect_addr) == 0;
        if (k->naddr_hops < MAX_HOPS)
            snprintf(k->addr_hops[k->naddr_hops++], sizeof(k->addr_hops[0]), "%s",
                     s->redirect_addr);
        if (seen || k->naddr_hops >= MAX_HOPS) {
            k->redirect_loop = 1;
            return;
        }
        /* Outlook restarts discovery for the new address. Within the
         * target's domain this endpoint answers for it; another domain
         * (a tenant's mail.onmicrosoft.com) is reported, not followed:
         * the credentials stay with the names the user asked about. */
        if (at && xp_name_ends_with(at + 1, c->target->domain)) {
            snprintf(k->addr, sizeof(k->addr), "%s", s->redirect_addr);
            post_auth(c, k);
        }
        return;
    }
    if (strcasecmp(s->action, "settings") == 0 && !st->st_settings) {
        st->st_settings = xp_step_begin(c, NULL, "URLs from the Autodiscover settings");
        follow_settings_urls(c, s);
    }
}

static void
post_auth(struct xp_check *c, struct candidate *k)
{
    struct autod_state *st = c->state;
    const struct xp_options *o = xp_check_options(c);
    char *body;

    if (!k->addr[0])
        snprintf(k->addr, sizeof(k->addr), "%s", st->email);
    body = xp_autod_request(k->addr);
    struct xp_http_req req = {
        .url = k->url, .method = "POST", .body = body, .content_type = "text/xml",
        .user = st->user, .password = st->password, .ca_file = o->ca_file,
        .connect_ip = k->ip[0] ? k->ip : NULL, .basic_only = k->auth_basic,
    };

    k->auth_tried = 1;
    xp_check_http(c, &req, on_auth, k);
    free(body);
}

/* ---- the anonymous probe ---- */

static int
seen_hop(const struct candidate *k, const char *url)
{
    int i;

    for (i = 0; i < k->nhops; i++)
        if (strcmp(k->hops[i], url) == 0)
            return 1;
    return 0;
}

/* Follow a redirect to an https URL (Outlook's rule), bounded, no loops. */
static void
follow(struct xp_check *c, struct candidate *k, const char *location)
{
    char host[256];
    int port;

    if (parse_https(location, host, sizeof(host), &port) < 0) {
        k->redirect_insecure = 1;
        set_problem(k, O_REDIRECT_INSECURE, "redirected to %.300s, which is not https",
                    location);
        return;
    }
    if (seen_hop(k, location) || k->nhops >= MAX_HOPS) {
        k->redirect_loop = 1;
        set_problem(k, O_REDIRECT_LOOP, "the redirects loop (%d hops, back to %.250s)",
                    k->nhops, location);
        return;
    }
    snprintf(k->hops[k->nhops++], sizeof(k->hops[0]), "%s", location);
    snprintf(k->url, sizeof(k->url), "%s", location);
    snprintf(k->host, sizeof(k->host), "%s", host);
    k->port = port;
    k->ip[0] = '\0';
    probe(c, k);
}

/* Does the https endpoint's certificate fail to name the host? */
static int
cert_names_other(const struct candidate *k)
{
    int cn_only;

    if (!k->tls.handshake_ok || !k->tls.chain || sk_X509_num(k->tls.chain) == 0)
        return 0;
    return !xp_cert_host_matches(sk_X509_value(k->tls.chain, 0), k->host, &cn_only);
}

/* An HTML page (a proxy's, a web site's) is never an Autodiscover answer. */
static int
is_html(const struct xp_http_resp *r)
{
    const char *ct = xp_http_header(r, "Content-Type");

    return ct && strcasestr(ct, "html") != NULL;
}

static void
on_anon(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct candidate *k = arg;
    struct autod_state *st = c->state;
    enum xp_xml_rc rc;

    /* Evidence names the address as libcurl reports it (no brackets). */
    if (r->ip[0])
        snprintf(k->ip, sizeof(k->ip), "%s", r->ip);
    if (!r->completed) {
        /* The transport's failure class, not libcurl's words. */
        k->timed_out = r->fail == XP_FAIL_TIMEOUT;
        k->refused = r->fail == XP_FAIL_REFUSED || r->fail == XP_FAIL_UNREACHABLE;
        k->tls_done = r->tls_ms > 0 || r->tls.handshake_ok;
        set_problem(k, O_CONNECT_FAILED, "%s", r->error);
        return;
    }
    k->reached = 1;
    k->status = r->status;
    keep_headers(k, r);
    keep_tls(k, r);
    /* Whoever answers there, preauth looks at that host: a proxy in front
     * of Exchange is exactly what it is for; unless no client reaches it
     * by this name (name_unusable). */
    if (strncmp(k->url, "https:", 6) == 0) {
        char unusable[320] = "";

        if (!k->cloud_cname)
            name_unusable(&r->tls, k->host, r->port, unusable, sizeof(unusable));
        xp_facts_add_http(xp_check_facts(c), k->host, r->port, r->ip,
                          k->cloud_cname ? "office365" : "autodiscover", unusable);
        xp_check_facts_grew(c);    /* preauth, hybridauth: probe it now */
    }
    xp_front_classify(r, &k->verdict);
    xp_step_note(k->step, "%s %s: HTTP %ld%s%s", k->method == M_REDIRECT &&
                 strncmp(k->url, "http:", 5) == 0 ? "GET" : "POST", k->url, r->status,
                 k->verdict.methods[0] ? ", offers " : "",
                 k->verdict.methods);
    if (r->status >= 300 && r->status < 400 && r->location &&
        k->verdict.front != XP_FRONT_PREAUTH) {
        follow(c, k, r->location);
        return;
    }
    if (k->verdict.front == XP_FRONT_PREAUTH) {
        set_problem(k, O_BAD_RESPONSE, "%s answers instead of Exchange (%s)",
                    k->verdict.product_name, k->verdict.why);
        return;
    }
    if (k->cloud_cname && cert_names_other(k)) {
        /* Office 365's certificate: normal for a cloud-only domain, Outlook
         * goes on to the next method. */
        set_problem(k, O_CLOUD_CERT, "the certificate is not valid for %s (it is "
                    "Office 365's: normal for a cloud-only domain, Outlook goes on to the "
                    "next method)", k->host);
        return;
    }
    /* The certificate's verdict counts (SPEC): a client would warn. The
     * answer is still judged, to tell "Exchange, behind a bad certificate"
     * from everything else. */
    if (k->tls.handshake_ok && k->tls.chain) {
        xp_check_cert_verdict(c, &k->tls, 1, 0, &k->cv);
        k->cert_invalid = k->cv.severity == XP_SEV_FAIL;
    }
    if (r->status == 401 && !k->verdict.methods[0]) {
        set_problem(k, O_BAD_RESPONSE, "401 without any WWW-Authenticate header: "
                    "no supported authentication method");
        return;
    }
    if (r->status == 401) {
        k->valid = 1;
        xp_v2_host(c, &st->v2, k->step, k->host, k->port);
        k->auth_basic = strcasestr(k->verdict.methods, "Basic") != NULL;
        if (st->user) {
            if (may_send_credentials(c, k->host))
                post_auth(c, k);
            else
                k->auth_skipped = 1;
        }
        return;
    }
    if (r->status == 200 && !is_html(r)) {
        struct xp_autod_resp s;

        rc = xp_autod_parse(r->body, r->body_len, &s);
        if (rc == XP_XMLRC_UNSAFE) {
            k->xml_unsafe = 1;
            set_problem(k, O_XML_UNSAFE, "the answer declares a DTD or entities");
            return;
        }
        if (rc == XP_XMLRC_OK) {
            k->valid = 1;   /* answered anonymously: works, but see the finding */
            xp_v2_host(c, &st->v2, k->step, k->host, k->port);
            return;
        }
    }
    set_problem(k, O_BAD_RESPONSE, "HTTP %ld%s, not Exchange's 401 challenge or an "
                "Autodiscover document", r->status,
                r->body_truncated ? " with a body over the size limit" : "");
}

static void
post_anon(struct xp_check *c, struct candidate *k)
{
    struct autod_state *st = c->state;
    char *body = xp_autod_request(st->email);
    struct xp_http_req req = {
        .url = k->url, .method = "POST", .body = body, .content_type = "text/xml",
        .connect_ip = k->ip,
    };

    xp_check_http(c, &req, on_anon, k);
    free(body);
}

static void
get_redirect(struct xp_check *c, struct candidate *k)
{
    struct xp_http_req req = {
        .url = k->url, .method = "GET", .connect_ip = k->ip, .max_body = 64 * 1024,
    };

    xp_check_http(c, &req, on_anon, k);
}

/*
 * A redirect's https target, its POST just asked: preauth and hybridauth
 * may send it their requests now (xp_facts_add_http_soon), so a hoster's
 * front end costs one round of connections, not two in a row. Only a
 * redirect's target: the domain's own names (methods 1 and 2) are often a
 * hoster's address whose certificate names neither, and asking them early
 * would be wasted for most domains of a bulk run. After the POST: it keeps
 * its place first in the host's queue.
 */
static void
announce(struct xp_check *c, const struct candidate *k)
{
    const char *d = c->target->domain;

    if (k->nhops == 0 || k->cloud_cname || xp_name_eq(k->host, d) ||
        (strncasecmp(k->host, "autodiscover.", 13) == 0 && xp_name_eq(k->host + 13, d)))
        return;
    xp_facts_add_http_soon(xp_check_facts(c), k->host, k->port, k->ip);
    xp_check_facts_grew(c);
}

static void
on_addr(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct candidate *k = l->arg;
    const char *ip = xp_addrs_pick(l);
    const char *cname = xp_dns_cname_target(l->a.res);

    if (!cname)
        cname = xp_dns_cname_target(l->aaaa.res);
    k->cloud_cname = cname && xp_name_eq(cname, xp_check_expect(c)->autodiscover_cname);
    if (!ip) {
        char why[320];

        /* Unknown rather than absent when either question failed. */
        k->dns_error = l->a.res->status >= XP_DNS_SERVFAIL ||
                       l->aaaa.res->status >= XP_DNS_SERVFAIL;
        addrs_status(l, why, sizeof(why));
        set_problem(k, k->dns_error ? O_DNS_ERROR : O_NO_NAME, "%s %s (%s)", k->host,
                    k->dns_error ? "could not be resolved" : "does not resolve", why);
        return;
    }
    k->resolved = 1;
    snprintf(k->ip, sizeof(k->ip), "%s", ip);
    if (strncmp(k->url, "http:", 5) == 0) {
        get_redirect(c, k);
        return;
    }
    post_anon(c, k);
    announce(c, k);
}

/* Resolve k->host (A and AAAA at once: the first A, else the first AAAA,
 * as a dual-stack client connects), then send the request its URL calls
 * for. */
static void
probe(struct xp_check *c, struct candidate *k)
{
    xp_check_addrs(c, &k->addrs, k->step, k->host, on_addr, k);
}

static void
on_srv(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct candidate *k = arg;
    size_t i;

    xp_check_dns_step(c, k->step, res);
    for (i = 0; i < res->nrr; i++) {
        const struct xp_dns_rr *rr = &res->rr[i];

        if (rr->type != XP_DNS_SRV || !rr->target[0] || strcmp(rr->target, ".") == 0)
            continue;
        snprintf(k->host, sizeof(k->host), "%s", rr->target);
        k->port = (int)rr->port;
        snprintf(k->url, sizeof(k->url), "https://%s:%u" PATH, rr->target, rr->port);
        probe(c, k);
        return;
    }
    if (res->status >= XP_DNS_SERVFAIL) {
        k->dns_error = 1;
        set_problem(k, O_DNS_ERROR, "the SRV lookup failed (%s%s%s)",
                    xp_dns_status_name(res->status), res->error ? ": " : "",
                    res->error ? res->error : "");
        return;
    }
    set_problem(k, O_NO_SRV, "no _autodiscover._tcp.%s SRV record (%s)",
                c->target->domain, xp_dns_status_name(res->status));
}

static void
autod_start(struct xp_check *c)
{
    struct autod_state *st = xcalloc(1, sizeof(*st));
    const struct xp_options *o = xp_check_options(c);
    const char *d = c->target->domain;
    int m;

    c->state = st;
    st->user = o->user;
    st->password = o->password;
    snprintf(st->email, sizeof(st->email), "%s",
             c->target->email ? c->target->email : o->user ? o->user : "");
    /* Autodiscover v2 asks about an address: the target's or --user's. */
    snprintf(st->v2.email, sizeof(st->v2.email), "%s", st->email);
    if (!st->email[0])
        snprintf(st->email, sizeof(st->email), "postmaster@%s", d);
    for (m = 0; m < M_COUNT; m++) {
        struct candidate *k = &st->cand[m];

        k->method = (enum method)m;
        k->step = xp_step_begin(c, NULL, "%s%s%s", method_titles[m], d,
                                m == M_SRV ? "" : PATH);
        k->port = m == M_REDIRECT ? 80 : 443;
    }
    snprintf(st->cand[M_ROOT].host, sizeof(st->cand[0].host), "%s", d);
    snprintf(st->cand[M_ROOT].url, sizeof(st->cand[0].url), "https://%s" PATH, d);
    snprintf(st->cand[M_HOST].host, sizeof(st->cand[0].host), "autodiscover.%s", d);
    snprintf(st->cand[M_HOST].url, sizeof(st->cand[0].url), "https://autodiscover.%s" PATH, d);
    snprintf(st->cand[M_REDIRECT].host, sizeof(st->cand[0].host), "autodiscover.%s", d);
    snprintf(st->cand[M_REDIRECT].url, sizeof(st->cand[0].url), "http://autodiscover.%s" PATH,
             d);
    probe(c, &st->cand[M_ROOT]);
    probe(c, &st->cand[M_HOST]);
    probe(c, &st->cand[M_REDIRECT]);
    {
        char *srv = xasprintf("_autodiscover._tcp.%s", d);

        xp_check_dns(c, srv, XP_DNS_SRV, on_srv, &st->cand[M_SRV]);
        free(srv);
    }
    xp_v2_cloud(c, &st->v2);
}

/* ---- judgement ---- */

static void
ev_candidate(struct xp_finding *f, const struct candidate *k)
{
    int i;

    xp_ev_str(f, "url", k->url);
    if (k->ip[0])
        xp_ev_str(f, "address", k->ip);
    if (k->status)
        xp_ev_int(f, "status", k->status);
    if (k->verdict.methods[0])
        xp_ev_str(f, "auth_methods", k->verdict.methods);
    if (k->nhops) {
        char *hops[MAX_HOPS];

        for (i = 0; i < k->nhops; i++)
            hops[i] = (char *)k->hops[i];
        xp_ev_list(f, "redirects", hops, (size_t)k->nhops);
    }
    if (k->nheaders)
        xp_ev_list(f, "headers", k->headers, k->nheaders);
}

/*
 * Exchange answers there, but a client refuses or warns on the
 * certificate: AUTOD_CERT_INVALID naming the problem (cert explains it).
 * Before the method Outlook uses (chosen), it costs a warning prompt
 * first; with no clean method at all, Autodiscover fails.
 */
static void
judge_cert_invalid(struct xp_check *c, struct candidate *k, const struct candidate *chosen)
{
    struct xp_finding *f;

    if (chosen && chosen->method < k->method) {
        /* Outlook stops at chosen and never meets this one. */
        xp_step_end(k->step, XP_ST_INFO, "Exchange answered, but the certificate would "
                    "make a client warn: %s", k->cv.reason);
        return;
    }
    f = xp_finding_new(c, k->step, XP_AUTOD_CERT_INVALID, "Method %d (%s): Exchange answers, "
                       "but Outlook would warn about the certificate: %s", (int)k->method + 1,
                       k->url, k->cv.reason);
    xp_finding_severity(f, chosen ? XP_SEV_WARN : XP_SEV_FAIL);
    xp_ev_str(f, "certificate_problem", xp_code_info(k->cv.code)->name);
    xp_ev_str(f, "host", k->host);
    xp_ev_int(f, "port", k->port);
    xp_finding_fix(f, "Install a certificate on %s that clients accept (the cert check's %s "
                   "finding for it says what to change): until then Outlook %s.", k->host,
                   xp_code_info(k->cv.code)->name,
                   chosen ? "prompts users before it falls back to the next method"
                          : "cannot use Autodiscover without a certificate warning");
    ev_candidate(f, k);
    xp_finding_add(f);
    xp_step_end(k->step, chosen ? XP_ST_WARN : XP_ST_FAIL, "Exchange answered, behind an "
                "invalid certificate: %s", k->cv.reason);
}

/*
 * The verdict table: per outcome, the finding's code, the fix that replaces
 * the code's generic one (NULL: keep it), and per method what the step
 * becomes. The root domain is often a web site and the others are
 * fallbacks, so most problems are information there and warnings
 * elsewhere; what is unsafe fails everywhere. A new method (Autodiscover
 * v2) is one more column; a new outcome one more row.
 */
enum cell {
    C_PASS,                 /* judge_valid */
    C_CERT,                 /* judge_cert_invalid */
    C_SKIP,                 /* the method is not in use: no finding */
    C_NOTE,                 /* information in the step, no finding */
    C_INFO,                 /* a finding of that severity, and the step's status */
    C_WARN,
    C_FAIL,
};

static const struct outcome_verdict {
    enum xp_code code;
    const char *fix;
    enum cell cell[M_COUNT];    /* ROOT, HOST, REDIRECT, SRV */
} verdicts[O_COUNT] = {
    [O_NOT_OFFERED] = { XP_AUTOD_NO_ENDPOINT, NULL, { C_SKIP, C_SKIP, C_SKIP, C_SKIP } },
    [O_VALID] = { XP_AUTOD_OK, NULL, { C_PASS, C_PASS, C_PASS, C_PASS } },
    [O_VALID_BAD_CERT] = { XP_AUTOD_CERT_INVALID, NULL, { C_CERT, C_CERT, C_CERT, C_CERT } },
    [O_CLOUD_CERT] = { XP_AUTOD_BAD_RESPONSE, NULL, { C_NOTE, C_NOTE, C_NOTE, C_NOTE } },
    [O_NO_NAME] = { XP_AUTOD_DNS_MISSING, NULL, { C_SKIP, C_WARN, C_WARN, C_WARN } },
    [O_DNS_ERROR] = { XP_AUTOD_DNS_MISSING,
                      "Check that the domain's name servers (or the --dns-server given) "
                      "answer: the lookup failed, the record may well exist.",
                      { C_INFO, C_WARN, C_WARN, C_WARN } },
    [O_NO_SRV] = { XP_AUTOD_SRV, NULL, { C_SKIP, C_SKIP, C_SKIP, C_SKIP } },
    [O_NO_REDIRECT] = { XP_AUTOD_REDIRECT, NULL, { C_SKIP, C_SKIP, C_SKIP, C_SKIP } },
    [O_CONNECT_FAILED] = { XP_AUTOD_CONNECT_FAILED, NULL, { C_INFO, C_WARN, C_WARN, C_WARN } },
    [O_BAD_RESPONSE] = { XP_AUTOD_BAD_RESPONSE, NULL, { C_INFO, C_WARN, C_WARN, C_WARN } },
    [O_REDIRECT_INSECURE] = { XP_AUTOD_REDIRECT_INSECURE, NULL,
                              { C_FAIL, C_FAIL, C_FAIL, C_FAIL } },
    [O_REDIRECT_LOOP] = { XP_AUTOD_REDIRECT_LOOP, NULL, { C_FAIL, C_FAIL, C_FAIL, C_FAIL } },
    [O_XML_UNSAFE] = { XP_XML_UNSAFE, NULL, { C_FAIL, C_FAIL, C_FAIL, C_FAIL } },
};

/* What the candidate's probe came to, all things considered. */
static enum outcome
outcome_of(const struct candidate *k)
{
    if (k->valid)
        return k->cert_invalid ? O_VALID_BAD_CERT : O_VALID;
    if (!k->problem[0])
        return O_NOT_OFFERED;
    /* Method 3 before any redirect: port 80 not answering with one is only
     * a method not in use (what is unsafe or unknown still counts). */
    if (k->method == M_REDIRECT && !k->nhops && k->outcome != O_DNS_ERROR &&
        k->outcome != O_XML_UNSAFE && k->outcome != O_REDIRECT_INSECURE &&
        k->outcome != O_REDIRECT_LOOP)
        return O_NO_REDIRECT;
    return k->outcome;
}

/* A method that works: its redirects, and anonymous access if it is on. */
static void
judge_valid(struct xp_check *c, struct candidate *k)
{
    struct xp_finding *f;

    xp_step_end(k->step, XP_ST_PASS, "Exchange answered%s%s",
                k->verdict.methods[0] ? " with " : "", k->verdict.methods);
    if (k->nhops) {
        f = xp_finding_new(c, k->step, XP_AUTOD_REDIRECT, "Method %d redirects to %s",
                           (int)k->method + 1, k->hops[k->nhops - 1]);
        ev_candidate(f, k);
        xp_finding_add(f);
    }
    if (k->status == 200 && !k->auth_tried) {
        f = xp_finding_new(c, k->step, XP_AUTOD_BAD_RESPONSE, "%s answered an anonymous "
                           "Autodiscover request with settings (anonymous access is on)",
                           k->url);
        xp_finding_severity(f, XP_SEV_WARN);
        xp_finding_fix(f, "Disable anonymous authentication on the Autodiscover virtual "
                          "directory.");
        ev_candidate(f, k);
        xp_finding_add(f);
    }
}

/* No Autodiscover record: the one to publish for the deployment (the cname
 * check leaves this cause to AUTOD_NO_ENDPOINT when both run). Stated
 * cloud-only: the CNAME to Exchange Online; otherwise the on-premises
 * record, and the cloud one named for a domain whose kind is not stated. */
static void
no_record_fix(const struct xp_check *c, char *buf, size_t len)
{
    const struct xp_expect *ex = xp_check_expect(c);
    const char *d = c->target->domain;

    if (ex->deployment == XP_DEPLOY_CLOUD) {
        snprintf(buf, len, "Publish autodiscover.%s. 3600 IN CNAME %s.", d,
                 ex->autodiscover_cname);
        return;
    }
    if (ex->deployment != XP_DEPLOY_UNKNOWN || xp_check_options(c)->preflight) {
        snprintf(buf, len, "Publish autodiscover.%s as an A record (or CNAME) for the "
                 "on-premises Exchange server or its reverse proxy, or the SRV record "
                 "_autodiscover._tcp.%s. 3600 IN SRV 0 0 443 <that host>.", d, d);
        return;
    }
    snprintf(buf, len, "Publish autodiscover.%s as an A record (or CNAME) for the on-premises "
             "Exchange server or its reverse proxy, or the SRV record _autodiscover._tcp.%s. "
             "3600 IN SRV 0 0 443 <that host>; if every mailbox is in Exchange Online: "
             "autodiscover.%s. 3600 IN CNAME %s.", d, d, d, ex->autodiscover_cname);
}

/*
 * What to do about a candidate, from what actually happened there (never a
 * generic text when the evidence says more): the DNS record to publish
 * with the real names, the proxy rule, the listener, the firewall, the
 * application pool. NULL when the verdict table's fix stands.
 */
static const char *
cause_fix(const struct xp_check *c, const struct candidate *k, char *buf, size_t len)
{
    const char *ip = k->ip[0] ? k->ip : "its address";

    switch (k->outcome) {
    case O_NO_NAME:
    case O_NO_SRV:
    case O_NOT_OFFERED:
        no_record_fix(c, buf, len);
        return buf;
    case O_DNS_ERROR:
        snprintf(buf, len, "Check that the domain's name servers (or the --dns-server given) "
                 "answer: the lookup of %s failed, the record may well exist.",
                 k->host[0] ? k->host : "the Autodiscover names");
        return buf;
    case O_BAD_RESPONSE:
        if (k->verdict.front != XP_FRONT_PREAUTH) {
            /* The name exists and a server answers: no record to publish. */
            snprintf(buf, len, "%.200s (%.64s) answers /autodiscover, but not as Exchange's "
                     "Autodiscover: point the name at the Exchange server, or have the load "
                     "balancer or reverse proxy forward /autodiscover to Exchange's "
                     "Autodiscover virtual directory.", k->host, ip);
            return buf;
        }
        snprintf(buf, len, "%s pre-authenticates %s: publish /autodiscover (and /EWS) with "
                 "pass-through authentication so Exchange answers itself.",
                 k->verdict.product_name ? k->verdict.product_name : "The reverse proxy",
                 k->host);
        return buf;
    case O_XML_UNSAFE:
        snprintf(buf, len, "%.200s (%.64s) sends XML declaring a DTD or entities where "
                 "Exchange sends none (nothing was expanded): find what answers there in front "
                 "of Exchange and point the name at the Exchange server.", k->host, ip);
        return buf;
    case O_REDIRECT_INSECURE:
    case O_REDIRECT_LOOP:
        snprintf(buf, len, "Make the %s of %s%.200s end at the https:// Autodiscover URL of "
                 "the Exchange host (Outlook follows redirects to https only, and not in "
                 "circles)%s%.200s.", k->method == M_REDIRECT ? "port-80 redirect" : "redirects",
                 k->method == M_REDIRECT ? "http://autodiscover." : "",
                 k->method == M_REDIRECT ? c->target->domain : k->url,
                 k->nhops ? "; it went on to " : "", k->nhops ? k->hops[k->nhops - 1] : "");
        return buf;
    case O_CONNECT_FAILED:
        if (k->tls_done)
            snprintf(buf, len, "%s accepts the connection and TLS, then never answers: check "
                     "IIS and the MSExchangeAutodiscoverAppPool on the Exchange server (or the "
                     "reverse proxy's back end).", k->host);
        else if (k->refused)
            snprintf(buf, len, "Nothing accepts connections on %s:%d (%s): start the web "
                     "server (IIS, or the reverse proxy's listener) or fix the port "
                     "forwarding.", k->host, k->port, ip);
        else if (k->timed_out)
            snprintf(buf, len, "%s:%d (%s) does not answer the connection: open TCP %d from "
                     "the Internet to it (a firewall drops the packets).", k->host, k->port,
                     ip, k->port);
        else
            snprintf(buf, len, "Make the TLS handshake with %s work: a certificate bound to "
                     "its HTTPS listener and TLS 1.2 enabled.", k->host);
        return buf;
    default:
        return NULL;
    }
}

/* One candidate, as the verdict table says for its method and outcome;
 * chosen is the method Outlook uses silently (NULL: none). */
static void
judge_candidate(struct xp_check *c, struct candidate *k, const struct candidate *chosen,
                const struct candidate *why)
{
    static const enum xp_severity sev_of[] = {
        [C_INFO] = XP_SEV_INFO, [C_WARN] = XP_SEV_WARN, [C_FAIL] = XP_SEV_FAIL,
    };
    static const enum xp_status status_of[] = {
        [C_INFO] = XP_ST_INFO, [C_WARN] = XP_ST_WARN, [C_FAIL] = XP_ST_FAIL,
    };
    const struct outcome_verdict *v = &verdicts[outcome_of(k)];
    enum cell cell = v->cell[k->method];
    struct xp_finding *f;

    /* Every endpoint's certificate is the cert check's to judge, except
     * Office 365's own behind a cloud CNAME. */
    if (!k->cloud_cname)
        publish_tls(c, k);
    switch (cell) {
    case C_PASS:
        judge_valid(c, k);
        return;
    case C_CERT:
        judge_cert_invalid(c, k, chosen);
        return;
    case C_SKIP:
        xp_step_end(k->step, XP_ST_SKIP, "%s", k->problem[0] ? k->problem : "not offered");
        return;
    case C_NOTE:
        xp_step_end(k->step, XP_ST_INFO, "%s", k->problem);
        return;
    default:
        break;
    }
    /* One cause, one finding: when no method works (why: its cause),
     * AUTOD_NO_ENDPOINT names the missing (or unresolvable) record, and the
     * cause's own refusal, silence or wrong answer, in its cause, fix and
     * evidence; a second finding would say it twice. What is unsafe
     * (redirects, XML) keeps its own code. */
    if (why && (v->code == XP_AUTOD_DNS_MISSING ||
                (k == why && (v->code == XP_AUTOD_CONNECT_FAILED ||
                              v->code == XP_AUTOD_BAD_RESPONSE)))) {
        xp_step_end(k->step, status_of[cell], "%s", k->problem);
        return;
    }
    f = xp_finding_new(c, k->step, v->code, "Method %d (%s): %s", (int)k->method + 1,
                       k->url[0] ? k->url : "_autodiscover._tcp SRV", k->problem);
    xp_finding_severity(f, sev_of[cell]);
    {
        char fix[600];
        const char *cf = cause_fix(c, k, fix, sizeof(fix));

        if (cf || v->fix)
            xp_finding_fix(f, "%s", cf ? cf : v->fix);
    }
    if (k->verdict.product)
        xp_ev_str(f, "front", k->verdict.product);
    ev_candidate(f, k);
    xp_finding_add(f);
    xp_step_end(k->step, status_of[cell], NULL);
}

static void
judge_settings(struct xp_check *c, struct candidate *k)
{
    struct autod_state *st = c->state;
    const struct xp_autod_resp *s = k->settings;
    struct xp_finding *f;
    size_t i;

    if (k->xml_unsafe && k->valid) {
        f = xp_finding_new(c, k->step, XP_XML_UNSAFE, "%s sent XML declaring a DTD or "
                           "entities; it was not parsed", k->url);
        ev_candidate(f, k);
        xp_finding_add(f);
    }
    if (k->auth_failed) {
        f = xp_finding_new(c, k->step, XP_AUTOD_AUTH_FAILED, "%s refused the credentials "
                           "of %s (HTTP 401)", k->url, st->user);
        ev_candidate(f, k);
        xp_finding_add(f);
    }
    if (k->auth_error[0]) {
        f = xp_finding_new(c, k->step, XP_AUTOD_CONNECT_FAILED, "The authenticated request to "
                           "%s failed: %s (credentials go only over verified TLS)", k->url,
                           k->auth_error);
        xp_finding_severity(f, XP_SEV_FAIL);
        ev_candidate(f, k);
        xp_finding_add(f);
    }
    if (k->auth_skipped) {
        f = xp_finding_new(c, k->step, XP_AUTOD_REDIRECT, "Credentials not sent to %s: it "
                           "is outside %s", k->nhops ? k->hops[k->nhops - 1] : k->url,
                           c->target->domain);
        ev_candidate(f, k);
        xp_finding_add(f);
    }
    if (!s)
        return;
    if (s->error_code) {
        f = xp_finding_new(c, k->step, XP_AUTOD_BAD_RESPONSE, "Autodiscover error %d for %s: "
                           "%s", s->error_code, k->addr, s->error_message);
        xp_ev_int(f, "error_code", s->error_code);
        xp_ev_str(f, "error_message", s->error_message);
        xp_finding_fix(f, "%s", s->error_code == 500 ? "Check that the address is a mailbox "
                       "(or a proxy address of one) in this organisation."
                       : s->error_code == 601 ? "The response schema asked for is not "
                       "served: check the Outlook provider." : "See the server's logs.");
        xp_finding_add(f);
        return;
    }
    if (k->naddr_hops) {
        char *hops[MAX_HOPS];
        int h;

        for (h = 0; h < k->naddr_hops; h++)
            hops[h] = k->addr_hops[h];
        f = xp_finding_new(c, k->step, k->redirect_loop ? XP_AUTOD_REDIRECT_LOOP
                                                        : XP_AUTOD_REDIRECT,
                           k->redirect_loop ? "redirectAddr loops back to an address already "
                                              "asked about (%s)"
                                            : "redirectAddr: Outlook restarts discovery for %s",
                           k->addr_hops[k->naddr_hops - 1]);
        xp_ev_list(f, "redirect_addrs", hops, (size_t)k->naddr_hops);
        if (k->redirect_loop)
            xp_finding_fix(f, "Fix the mailbox's targetAddress / proxy addresses so "
                              "Autodiscover answers with settings, not another redirect.");
        xp_finding_add(f);
        if (k->redirect_loop || strcasecmp(s->action, "redirectAddr") == 0)
            return;
    }
    f = xp_finding_new(c, k->step, XP_AUTOD_OK, "Settings for %s%s%s", k->addr,
                       s->display_name[0] ? " - " : "", s->display_name);
    for (i = 0; i < s->nproto; i++) {
        const struct xp_autod_protocol *p = &s->proto[i];
        char key[48];

        snprintf(key, sizeof(key), "%s_server", p->type);
        if (p->server[0])
            xp_ev_str(f, key, p->server);
        snprintf(key, sizeof(key), "%s_ews_url", p->type);
        if (p->ews_url[0])
            xp_ev_str(f, key, p->ews_url);
        snprintf(key, sizeof(key), "%s_oab_url", p->type);
        if (p->oab_url[0])
            xp_ev_str(f, key, p->oab_url);
        snprintf(key, sizeof(key), "%s_as_url", p->type);
        if (p->as_url[0])
            xp_ev_str(f, key, p->as_url);
        snprintf(key, sizeof(key), "%s_cert_principal", p->type);
        if (p->cert_principal[0])
            xp_ev_str(f, key, p->cert_principal);
    }
    f->answer = 1;   /* --user asked for these URLs: the report shows them */
    xp_finding_add(f);
    for (i = 0; i < st->nurls; i++) {
        struct url_host *u = &st->urls[i];

        if (u->ok)
            continue;
        f = xp_finding_new(c, u->step, XP_AUTOD_CONNECT_FAILED, "%s (%s URL from the "
                           "settings) cannot be reached: %s", u->url, u->role, u->error);
        xp_ev_str(f, "url", u->url);
        xp_finding_add(f);
    }
}

/*
 * No method works: the candidate whose problem is AUTOD_NO_ENDPOINT's cause
 * (its fix, its evidence). What fails everywhere (an unsafe redirect, a
 * loop, unsafe XML) first: that is what the admin set up to work; else the
 * method that got furthest, in the order an admin would publish them:
 * autodiscover.DOMAIN first.
 */
static const struct candidate *
no_endpoint_cause(const struct autod_state *st)
{
    static const enum method order[] = { M_HOST, M_SRV, M_REDIRECT, M_ROOT };
    size_t o;
    int pass;

    for (pass = 0; pass < 2; pass++)
        for (o = 0; o < XP_ARRAY_LEN(order); o++) {
            const struct candidate *k = &st->cand[order[o]];
            enum outcome oc = outcome_of(k);

            if (oc == O_NOT_OFFERED || oc == O_NO_NAME || oc == O_NO_SRV ||
                oc == O_NO_REDIRECT || oc == O_CLOUD_CERT ||
                (pass == 0 && verdicts[oc].cell[k->method] != C_FAIL))
                continue;
            return k;
        }
    return &st->cand[M_HOST];
}

static void
autod_judge(struct xp_check *c)
{
    struct autod_state *st = c->state;
    struct candidate *chosen = NULL;
    const struct candidate *why;
    struct xp_finding *f;
    int m, behind_bad_cert = 0;

    xp_v2_judge(c, &st->v2);
    /* The method Outlook uses silently: Exchange answers, with a
     * certificate no client warns about. */
    for (m = 0; m < M_COUNT && !chosen; m++)
        if (st->cand[m].valid && !st->cand[m].cert_invalid)
            chosen = &st->cand[m];
    for (m = 0; m < M_COUNT; m++)
        if (st->cand[m].valid && st->cand[m].cert_invalid)
            behind_bad_cert = 1;
    why = !chosen && !behind_bad_cert ? no_endpoint_cause(st) : NULL;
    for (m = 0; m < M_COUNT; m++)
        judge_candidate(c, &st->cand[m], chosen, why);
    if (st->cand[M_SRV].host[0] && st->cand[M_SRV].method == M_SRV) {
        f = xp_finding_new(c, st->cand[M_SRV].step, XP_AUTOD_SRV,
                           "_autodiscover._tcp.%s points to %s:%d", c->target->domain,
                           st->cand[M_SRV].host, st->cand[M_SRV].port);
        xp_finding_add(f);
    }
    if (!chosen && behind_bad_cert)
        return;   /* one cause, one finding: AUTOD_CERT_INVALID said it */
    if (!chosen) {
        char fix[600];

        f = xp_finding_new(c, NULL, XP_AUTOD_NO_ENDPOINT, "No Autodiscover method reaches "
                           "Exchange for %s", c->target->domain);
        {
            const char *cf = cause_fix(c, why, fix, sizeof(fix));
            const char *tf = verdicts[outcome_of(why)].fix;

            if (cf || tf)
                xp_finding_fix(f, "%s", cf ? cf : tf);
        }
        xp_ev_str(f, "cause", why->problem[0] ? why->problem : "no Autodiscover record");
        if (why->verdict.product)
            xp_ev_str(f, "front", why->verdict.product);
        if (why->url[0] && why->problem[0] && outcome_of(why) != O_NO_NAME)
            ev_candidate(f, why);   /* the cause's own evidence: it has no finding */
        for (m = 0; m < M_COUNT; m++) {
            char key[32];

            snprintf(key, sizeof(key), "method_%d", m + 1);
            xp_ev_str(f, key, st->cand[m].problem[0] ? st->cand[m].problem : "not offered");
        }
        xp_finding_add(f);
        return;
    }
    if (!st->user) {
        f = xp_finding_new(c, chosen->step, XP_AUTOD_OK, "Outlook would use method %d: %s "
                           "(Exchange answers with %s)", (int)chosen->method + 1, chosen->url,
                           chosen->verdict.methods[0] ? chosen->verdict.methods
                                                      : "settings");
        ev_candidate(f, chosen);
        xp_finding_add(f);
    }
    for (m = 0; m < M_COUNT; m++)
        if (st->user && (st->cand[m].auth_tried || st->cand[m].auth_skipped ||
                         st->cand[m].xml_unsafe))
            judge_settings(c, &st->cand[m]);
    if (st->st_settings)
        xp_step_end(st->st_settings, xp_step_children_worst(st->st_settings), NULL);
}

static void
autod_free(struct xp_check *c)
{
    struct autod_state *st = c->state;
    size_t i;
    int m;

    for (m = 0; m < M_COUNT; m++) {
        xp_check_addrs_clear(&st->cand[m].addrs);
        xp_strv_free(st->cand[m].headers, st->cand[m].nheaders);
        free(st->cand[m].settings);
        xp_tls_info_clear(&st->cand[m].tls);
    }
    for (i = 0; i < st->nurls; i++)
        xp_check_addrs_clear(&st->urls[i].addrs);
    xp_v2_free(&st->v2);
    free(st);
    c->state = NULL;
}

/* autod_start's first questions (methods 1, 2/3 and 4), asked with the
 * target's premise. */
static const struct xp_dns_ask prefetch[] = {
    { "", XP_DNS_A }, { "", XP_DNS_AAAA },
    { "autodiscover.", XP_DNS_A }, { "autodiscover.", XP_DNS_AAAA },
    { "_autodiscover._tcp.", XP_DNS_SRV }, { NULL, 0 },
};

const struct xp_check_ops xp_check_autodiscover = {
    .id = "autodiscover",
    .prefetch = prefetch,
    .title = "Autodiscover",
    .help = "which Autodiscover endpoint Outlook reaches: https://DOMAIN,\n"
            "https://autodiscover.DOMAIN, the port-80 redirect, the SRV record;\n"
            "Exchange's 401 challenge; with --user, the settings and their URLs;\n"
            "for an address, Autodiscover v2 (Exchange Online, on-premises)",
    .start = autod_start,
    .judge = autod_judge,
    .free_state = autod_free,
};
