/*
 * check_hybridauth.c — the `hybridauth` check: hybrid modern authentication
 * and Windows authentication as Outlook (mobile and desktop) meet them from
 * outside (modern.md §(b)5 and §(b)7). Nothing here sends a credential.
 *
 * 1. The on-premises EAS/EWS URLs Autodiscover v2 gave for an address:
 *    the check `autodiscover` asks and judges it (AUTODV2_*) and publishes
 *    the URLs to the facts; asked without it, this check runs the same
 *    chains (autodv2.c) for discovery only, with no findings.
 * 2. The domain's tenant from its anonymous OpenID configuration
 *    (login.microsoftonline.com; skipped with --no-cloud-lookups).
 * 3. On every on-premises host learnt (Autodiscover v2 URLs, the hosts
 *    autodiscover reached, v1 settings with --user, --hosts): the EAS, EWS,
 *    MAPI and OAB paths with an empty "Authorization: Bearer" — Exchange
 *    with HMA answers 401 + a Bearer challenge naming client_id,
 *    trusted_issuers (the tenant) and authorization_uri. HMA_ENABLED,
 *    HMA_NOT_ENABLED, HMA_NO_AUTHORIZATION_URI, HMA_TENANT_MISMATCH.
 *    The HTTP version of those answers: HTTP/2 with NTLM/Negotiate offered
 *    is AUTH_H2_WINDOWS_AUTH. A non-IIS front end before a build with
 *    Extended Protection on by default (preauth's build) is EP_PROXY_RISK.
 * 4. NTLM continuity, per host: an NTLM NEGOTIATE (no credentials) on a
 *    kept-alive HTTP/1.1 connection; the CHALLENGE must come back and the
 *    connection stay open for the AUTHENTICATE (a second request must
 *    reuse it). Else AUTH_NTLM_BROKEN. The CHALLENGE's target information
 *    (server and domain names, Windows build) is evidence.
 */
#define _GNU_SOURCE
#include "xp_autodv2.h"
#include "xp_check.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_front.h"
#include "xp_m365.h"
#include "xp_msjson.h"
#include "xp_ntlm.h"
#include "xp_options.h"
#include "xp_wwwauth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HOSTS 4
#define MAX_FACT_STEPS 16
#define MAX_BODY (64 * 1024)
#define LOGIN_HOST "login.microsoftonline.com"
#define NTLM_NOTES 4           /* notes one conversation writes: at most 3 */
#define NTLM_MEMOS 64          /* front ends whose NTLM outcome a run keeps */

/* ---- the paths probed on each on-premises host ---- */

enum path_kind { HP_EAS, HP_EWS, HP_MAPI, HP_OAB, HP_COUNT };

static const struct {
    const char *path;
    const char *title;
} paths[HP_COUNT] = {
    [HP_EAS] = { "/Microsoft-Server-ActiveSync", "Exchange ActiveSync" },
    [HP_EWS] = { "/EWS/Exchange.asmx", "Exchange Web Services" },
    [HP_MAPI] = { "/mapi/emsmdb/", "MAPI over HTTP" },
    [HP_OAB] = { "/OAB/", "Offline address book" },
};

struct hhost;

/* What the judgement reads of an answer's WWW-Authenticate challenges. A
 * parsed challenge (xp_wwwauth.h) is 8.7 KB and a target probes up to 16
 * paths: the challenges live on the stack while an answer is read and only
 * this is kept (a state of 1.2 MB per target was most of a bulk run's
 * memory). */
enum { BP_AUTHORIZATION_URI, BP_TRUSTED_ISSUERS, BP_CLIENT_ID, BP_COUNT };
static const char *const bearer_param_names[BP_COUNT] = {
    [BP_AUTHORIZATION_URI] = "authorization_uri",
    [BP_TRUSTED_ISSUERS] = "trusted_issuers",
    [BP_CLIENT_ID] = "client_id",
};

struct offers {
    int bearer, ntlm, negotiate;   /* the schemes challenged with */
    char *param[BP_COUNT];         /* the first Bearer challenge's, or NULL */
};

struct bearer {
    struct hhost *host;
    enum path_kind kind;
    char path[256];
    struct xp_step *step;
    int completed;
    long status;
    char error[256];
    int http_version;
    struct offers offers;
    char diag[256];            /* x-ms-diagnostics */
    char server[128];
    char via[128];
    struct xp_front_verdict verdict;
};

struct ntlm {
    struct xp_step *step;
    char path[256];
    int round;                 /* 1: NEGOTIATE sent, 2: second request on the connection */
    int completed1, completed2;
    long status1;
    char error[256];
    int challenge;             /* a CHALLENGE came back */
    int parsed;
    struct xp_ntlm_challenge ch;
    int conn_close;            /* "Connection: close" with the CHALLENGE */
    long new_connections2;     /* 0: the second request reused the connection */
    unsigned conversation;     /* names its connection (xp_http_req.conversation) */
    int retried;               /* the conversation was repeated once */
    char notes[NTLM_NOTES][300];   /* what its step said, to say it again (ntlm_memo) */
    int nnotes;
};

/*
 * An NTLM conversation's outcome belongs to the front end (host name, port,
 * address, path), not to the domain that led there: the NEGOTIATE names
 * nothing of ours. A run keeps it (the check's run state) so a thousand
 * domains of one hoster cost one conversation, not a thousand: each held
 * one of the address's few connection slots (xp_params.conns_per_dest) for
 * a connect, a handshake and two requests. Every target's step says the
 * same (the asker's notes, and last that it is asked once per run), so
 * results do not depend on which target asked first. A rerun asks again.
 */
struct ntlm_memo {
    char key[700];
    struct ntlm n;             /* .step NULL */
    int done;
    int early_asking;          /* an early host's conversation (take_soon) is on the
                                * wire: no other target's early host starts a
                                * second one; a recorded host not served by the
                                * memo by then asks itself, as ever */
};

struct hrun {
    unsigned conversations;    /* numbered: two targets' conversations never share a
                                * connection (xp_http_req.conversation) */
    struct ntlm_memo memos[NTLM_MEMOS];   /* a ring: the oldest is replaced */
    size_t nmemos;
};

static struct hrun *
hrun(struct xp_check *c)
{
    struct hrun *r = xp_check_run_state(c);

    if (!r) {
        r = xcalloc(1, sizeof(*r));
        xp_check_set_run_state(c, r, free);
    }
    return r;
}

static unsigned
next_conversation(struct xp_check *c)
{
    return ++hrun(c)->conversations;
}

struct hhost {
    char name[256];
    int port;
    char ip[64];
    char source[64];           /* "Autodiscover v2", "autodiscover", "--hosts" */
    char eas_path[256], ews_path[256];
    struct xp_step *step;
    struct xp_addr_lookup addrs;
    struct bearer probes[HP_COUNT];
    struct ntlm ntlm;
    /* A host autodiscover is about to reach (take_soon): no steps; its NTLM
     * conversation goes to the host once autodiscover records it (joined),
     * else nowhere (not even the run's memo). */
    int early;
    int ntlm_ended;            /* early: its conversation ended */
    int claimed;               /* early: holds its front end's early_asking */
    struct hhost *joined;      /* early: the recorded host that takes it over */
};

struct hstate {
    struct xp_v2_run v2;       /* Autodiscover v2 for discovery (autodiscover not run) */
    int openid_asked, openid_ok;
    char tenant[40];
    char openid_error[640];
    struct xp_step *openid_step;
    struct xp_addr_lookup openid_addrs;
    char openid_url[512];
    struct hhost *hosts;       /* MAX_HOSTS, allocated with the first: the check
                               * starts with the target, its hosts come later */
    size_t nhosts;
    int probing;               /* phase 2 started */
    char unusable[600];        /* a host left out: no client reaches it by its name */
    unsigned facts_seen;       /* the facts' HTTP endpoints taken (their seq) */
    struct hhost *early[MAX_HOSTS];   /* hosts autodiscover is about to reach, apart
                                * from hosts (each allocated when met: a bulk
                                * run's targets mostly meet one) */
    size_t nearly;
    size_t soon_seen;          /* the facts' hosts about to be reached, taken */
    struct {
        struct xp_step *step;
        unsigned seq;
    } fsteps[MAX_FACT_STEPS];  /* the steps of facts endpoints taken early */
    size_t nfsteps;
};

static void start_hosts(struct xp_check *c);

static const char *
domain_of(const struct xp_check *c)
{
    return c->target->domain;
}

/* ---- helpers ---- */

static void
collect_challenges(const struct xp_http_resp *r, struct xp_auth_challenge *ch, size_t *n)
{
    size_t i;

    *n = 0;
    for (i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, "WWW-Authenticate") == 0)
            xp_wwwauth_parse(r->headers[i].value, ch, XP_AUTH_MAX_CHALLENGES, n);
}

static void
offers_clear(struct offers *o)
{
    int i;

    for (i = 0; i < BP_COUNT; i++)
        free(o->param[i]);
    memset(o, 0, sizeof(*o));
}

/* The schemes and Bearer parameters of r's challenges into o. */
static void
offers_read(struct offers *o, const struct xp_http_resp *r)
{
    struct xp_auth_challenge ch[XP_AUTH_MAX_CHALLENGES];
    const struct xp_auth_challenge *b;
    size_t n;
    int i;

    offers_clear(o);
    collect_challenges(r, ch, &n);
    o->ntlm = xp_wwwauth_find(ch, n, "NTLM") != NULL;
    o->negotiate = xp_wwwauth_find(ch, n, "Negotiate") != NULL;
    b = xp_wwwauth_find(ch, n, "Bearer");
    o->bearer = b != NULL;
    for (i = 0; b && i < BP_COUNT; i++) {
        const char *v = xp_wwwauth_param(b, bearer_param_names[i]);

        o->param[i] = v ? xstrdup(v) : NULL;
    }
}

static int
offers_windows_auth(const struct offers *o)
{
    return o->ntlm || o->negotiate;
}

/* ---- phase 1b: the tenant ---- */

static void
on_openid(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct hstate *st = c->state;
    struct xp_openid o;
    char why[160];

    (void)arg;
    if (!r->completed) {
        snprintf(st->openid_error, sizeof(st->openid_error), "%s", r->error);
    } else if (xp_openid_parse(r->body, r->body_len, &o, why, sizeof(why)) < 0) {
        snprintf(st->openid_error, sizeof(st->openid_error), "HTTP %ld, %s", r->status, why);
    } else if (o.tenant[0]) {
        snprintf(st->tenant, sizeof(st->tenant), "%s", o.tenant);
        st->openid_ok = 1;
    } else {
        snprintf(st->openid_error, sizeof(st->openid_error), "%s%s%s",
                 o.error[0] ? o.error : "no tenant in the issuer",
                 o.error_description[0] ? ": " : "", o.error_description);
    }
    if (st->openid_ok)
        xp_step_end(st->openid_step, XP_ST_INFO, "tenant %s", st->tenant);
    else
        xp_step_end(st->openid_step, XP_ST_INFO, "no tenant: %s", st->openid_error);
}

static void
on_openid_addr(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct hstate *st = c->state;
    const char *ip = xp_addrs_pick(l);
    struct xp_http_req req = { .method = "GET", .max_body = MAX_BODY };

    if (!ip) {
        snprintf(st->openid_error, sizeof(st->openid_error), LOGIN_HOST " does not resolve");
        xp_step_end(st->openid_step, XP_ST_INFO, "%s", st->openid_error);
        return;
    }
    req.url = st->openid_url;
    req.connect_ip = ip;
    xp_check_http(c, &req, on_openid, NULL);
}

static void
start_openid(struct xp_check *c)
{
    struct hstate *st = c->state;

    st->openid_asked = 1;
    snprintf(st->openid_url, sizeof(st->openid_url),
             "https://" LOGIN_HOST "/%s/v2.0/.well-known/openid-configuration", domain_of(c));
    st->openid_step = xp_step_begin(c, NULL, "Tenant of %s (anonymous OpenID configuration)",
                                    domain_of(c));
    xp_check_addrs(c, &st->openid_addrs, st->openid_step, LOGIN_HOST, on_openid_addr, NULL);
}

/* ---- phase 2: the on-premises hosts ---- */

static struct hhost *
add_host(struct hstate *st, const char *name, int port, const char *source)
{
    struct hhost *h;
    size_t i;

    if (xp_m365_cloud_host(name))
        return NULL;
    for (i = 0; i < st->nhosts; i++)
        if (xp_name_eq(st->hosts[i].name, name) && st->hosts[i].port == port)
            return &st->hosts[i];
    if (st->nhosts >= MAX_HOSTS)
        return NULL;
    if (!st->hosts)
        st->hosts = xcalloc(MAX_HOSTS, sizeof(*st->hosts));
    h = &st->hosts[st->nhosts++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    snprintf(h->source, sizeof(h->source), "%s", source);
    h->port = port;
    return h;
}

/* The path of an absolute URL ("/Microsoft-Server-ActiveSync"). */
static void
url_path(const char *url, char *out, size_t len)
{
    const char *p = strstr(url, "://");

    p = p ? strchr(p + 3, '/') : NULL;
    snprintf(out, len, "%.*s", p ? (int)strcspn(p, "?#") : 1, p ? p : "/");
}

static void
on_bearer(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct bearer *b = arg;
    const char *h;

    (void)c;
    if (!r->completed) {
        snprintf(b->error, sizeof(b->error), "%s", r->error);
        xp_step_end(b->step, XP_ST_WARN, "%s", r->error);
        return;
    }
    b->completed = 1;
    b->status = r->status;
    b->http_version = r->http_version;
    offers_read(&b->offers, r);
    xp_front_classify(r, &b->verdict);
    if ((h = xp_http_header(r, "x-ms-diagnostics")))
        snprintf(b->diag, sizeof(b->diag), "%s", h);
    if ((h = xp_http_header(r, "Server")))
        snprintf(b->server, sizeof(b->server), "%s", h);
    if ((h = xp_http_header(r, "Via")))
        snprintf(b->via, sizeof(b->via), "%s", h);
    xp_step_note(b->step, "HTTP/%d.%d %ld%s%s", r->http_version / 10, r->http_version % 10,
                 r->status, b->verdict.methods[0] ? ", offers " : "", b->verdict.methods);
}

static void ntlm_send(struct xp_check *c, struct hhost *h);

/* A note on the conversation's step, kept to be said again (ntlm_memo). */
static void XP_PRINTF(2, 3)
ntlm_note(struct ntlm *n, const char *fmt, ...)
{
    va_list ap;

    if (n->nnotes == NTLM_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(n->notes[n->nnotes], sizeof(n->notes[0]), fmt, ap);
    va_end(ap);
    if (n->step)    /* an early host's (take_soon): said once a host takes it over */
        xp_step_note(n->step, "%s", n->notes[n->nnotes]);
    n->nnotes++;
}

static void
ntlm_key(const struct hhost *h, char *key, size_t len)
{
    snprintf(key, len, "%s|%d|%s|%s", h->name, h->port, h->ip, h->ntlm.path);
}

static struct ntlm_memo *
ntlm_memo_find(struct hrun *r, const char *key)
{
    size_t i, n = r->nmemos < NTLM_MEMOS ? r->nmemos : NTLM_MEMOS;

    for (i = 0; i < n; i++)
        if (strcmp(r->memos[i].key, key) == 0)
            return &r->memos[i];
    return NULL;
}

/* The run keeps h's conversation's outcome for the next target that
 * reaches this front end (the first to end wins; they agree). */
static struct ntlm_memo *
ntlm_memo_get(struct hrun *r, const struct hhost *h)
{
    struct ntlm_memo *m;
    char key[sizeof(m->key)];

    ntlm_key(h, key, sizeof(key));
    m = ntlm_memo_find(r, key);
    if (!m) {
        m = &r->memos[r->nmemos++ % NTLM_MEMOS];
        memset(m, 0, sizeof(*m));
        snprintf(m->key, sizeof(m->key), "%s", key);
    }
    return m;
}

static void
ntlm_keep(struct xp_check *c, struct hhost *h)
{
    struct ntlm_memo *m = ntlm_memo_get(hrun(c), h);

    if (m->done && c->generation == 0)
        return;
    m->n = h->ntlm;
    m->n.step = NULL;
    m->done = 1;
}

/* A conversation held elsewhere (the run's memo, an early host) becomes
 * h's: its outcome, and its notes on h's step as if asked here. */
static void
ntlm_adopt(struct hhost *h, const struct ntlm *from)
{
    struct xp_step *step = h->ntlm.step;
    int i;

    h->ntlm = *from;
    h->ntlm.step = step;
    for (i = 0; i < h->ntlm.nnotes; i++)
        xp_step_note(step, "%s", h->ntlm.notes[i]);
}

/* Early host e no longer holds its front end's claim (its conversation
 * ended, or its check is freed before it did): another target's early host
 * may start one. Found, not made: a claim's slot is never recycled here. */
static void
ntlm_early_release(struct xp_check *c, struct hhost *e)
{
    char key[sizeof(((struct ntlm_memo *)0)->key)];
    struct ntlm_memo *m;

    if (!e->claimed)
        return;
    e->claimed = 0;
    ntlm_key(e, key, sizeof(key));
    if ((m = ntlm_memo_find(hrun(c), key)))
        m->early_asking = 0;
}

/* The conversation ended. An early host's goes to the host that took it
 * over (then to the memo), or nowhere while none did. */
static void
ntlm_done(struct xp_check *c, struct hhost *h)
{
    if (!h->early) {
        ntlm_keep(c, h);
        return;
    }
    h->ntlm_ended = 1;
    ntlm_early_release(c, h);
    if (h->joined) {
        ntlm_adopt(h->joined, &h->ntlm);
        ntlm_keep(c, h->joined);
    }
}

/* Another target already talked to this front end: its outcome and its
 * notes, as if asked here. Not on a rerun (the server may have changed). */
static const struct ntlm_memo *
ntlm_memo_of(struct xp_check *c, const struct hhost *h)
{
    struct ntlm_memo *m;
    char key[sizeof(m->key)];

    if (c->generation != 0)
        return NULL;
    ntlm_key(h, key, sizeof(key));
    m = ntlm_memo_find(hrun(c), key);
    return m && m->done ? m : NULL;
}

static int
ntlm_from_memo(struct xp_check *c, struct hhost *h)
{
    const struct ntlm_memo *m = ntlm_memo_of(c, h);

    if (m)
        ntlm_adopt(h, &m->n);
    return m != NULL;
}

/* May early host e start its conversation? Not while another target's
 * early one with that front end is on the wire (a bulk run's domains all
 * meet the hoster's front end at once). */
static int
ntlm_early_claim(struct xp_check *c, struct hhost *e)
{
    struct ntlm_memo *m = ntlm_memo_get(hrun(c), e);

    if (m->early_asking)
        return 0;
    m->early_asking = 1;
    e->claimed = 1;
    return 1;
}

/* This check already started the conversation, before autodiscover had
 * reached h (take_soon): h takes it over, now or when it ends. */
static int
ntlm_from_early(struct xp_check *c, struct hhost *h)
{
    struct hstate *st = c->state;
    char key[700], ekey[700];
    size_t i;

    ntlm_key(h, key, sizeof(key));
    for (i = 0; i < st->nearly; i++) {
        struct hhost *e = st->early[i];

        ntlm_key(e, ekey, sizeof(ekey));
        if (!e->ntlm.round || e->joined || strcmp(key, ekey) != 0)
            continue;
        if (e->ntlm_ended) {
            ntlm_adopt(h, &e->ntlm);
            ntlm_keep(c, h);
        } else {
            e->joined = h;      /* in flight: c waits for it (its work in flight) */
        }
        return 1;
    }
    return 0;
}

static void
on_ntlm(struct xp_check *c, void *arg, const struct xp_http_resp *r)
{
    struct hhost *h = arg;
    struct ntlm *n = &h->ntlm;
    struct xp_auth_challenge ch[XP_AUTH_MAX_CHALLENGES];
    const struct xp_auth_challenge *nt;
    const char *conn;
    size_t nch;

    if (!r->completed) {
        snprintf(n->error, sizeof(n->error), "%s", r->error);
        ntlm_note(n, "request %d: %s", n->round, r->error);
        ntlm_done(c, h);
        return;
    }
    if (n->round == 2 && r->new_connections && !n->conn_close && !n->retried) {
        /* Idle connections are closed by busy front ends (and by our own
         * pool when full): a front end that breaks NTLM does it every time,
         * so one more conversation tells the two apart. */
        n->retried = 1;
        n->round = 1;
        n->conversation = next_conversation(c);
        ntlm_note(n, "second request came on a new connection; once more, to rule out an "
                  "idle connection closed under load");
        ntlm_send(c, h);
        return;
    }
    if (n->round == 2) {
        n->completed2 = 1;
        n->new_connections2 = r->new_connections;
        ntlm_note(n, "second request: HTTP %ld on %s connection", r->status,
                  r->new_connections ? "a new" : "the same");
        ntlm_done(c, h);
        return;
    }
    n->completed1 = 1;
    n->status1 = r->status;
    collect_challenges(r, ch, &nch);
    nt = xp_wwwauth_find(ch, nch, "NTLM");
    n->challenge = nt && nt->token68[0];
    if (n->challenge)
        n->parsed = xp_ntlm_parse_challenge_b64(nt->token68, &n->ch) == 0;
    conn = xp_http_header(r, "Connection");
    n->conn_close = conn && strcasestr(conn, "close");
    ntlm_note(n, "NEGOTIATE: HTTP %ld, %s%s", r->status,
              n->challenge ? "CHALLENGE received" : "no CHALLENGE",
              n->conn_close ? ", Connection: close" : "");
    if (n->challenge) {
        n->round = 2;
        ntlm_send(c, h);
        return;
    }
    ntlm_done(c, h);
}

static void
ntlm_send(struct xp_check *c, struct hhost *h)
{
    char url[600], auth[256];
    const char *hdr[] = { auth, NULL };
    struct xp_http_req req = { .method = "GET", .connect_ip = h->ip, .max_body = MAX_BODY,
                               .http1_only = 1, .conversation = h->ntlm.conversation,
                               .conversation_step = h->ntlm.round };

    snprintf(url, sizeof(url), "https://%s:%d%s", h->name, h->port, h->ntlm.path);
    snprintf(auth, sizeof(auth), "Authorization: NTLM %s", xp_ntlm_negotiate_b64());
    req.url = url;
    req.headers = hdr;
    xp_check_http(c, &req, on_ntlm, h);
}

/* The path probe k asks on h: Autodiscover v2's EAS or EWS path, else
 * the default. */
static const char *
bearer_path(const struct hhost *h, int k)
{
    return k == HP_EAS && h->eas_path[0] ? h->eas_path
           : k == HP_EWS && h->ews_path[0] ? h->ews_path : paths[k].path;
}

/* The empty-Bearer request for path on h, into req (url is its buffer). */
static void
bearer_req(const struct hhost *h, const char *path, struct xp_http_req *req, char *url,
           size_t urllen)
{
    static const char *const bearer_hdr[] = { "Authorization: Bearer ", NULL };
    struct xp_http_req r = { .method = "GET", .connect_ip = h->ip, .max_body = MAX_BODY,
                             .headers = bearer_hdr, .url = url };

    snprintf(url, urllen, "https://%s:%d%s", h->name, h->port, path);
    *req = r;
}

/* The NTLM conversation's first request is h's next to send. */
static void
ntlm_begin(struct xp_check *c, struct hhost *h)
{
    snprintf(h->ntlm.path, sizeof(h->ntlm.path), "%s", bearer_path(h, HP_EWS));
    h->ntlm.round = 1;
    h->ntlm.conversation = next_conversation(c);
}

static void
probe_host(struct xp_check *c, struct hhost *h)
{
    char url[600];
    int k;

    for (k = 0; k < HP_COUNT; k++) {
        struct bearer *b = &h->probes[k];
        struct xp_http_req req;

        b->host = h;
        b->kind = (enum path_kind)k;
        snprintf(b->path, sizeof(b->path), "%s", bearer_path(h, k));
        bearer_req(h, b->path, &req, url, sizeof(url));
        b->step = xp_step_begin(c, h->step, "%s %s, empty Bearer token", paths[k].title,
                                b->path);
        xp_check_http(c, &req, on_bearer, b);
    }
    ntlm_begin(c, h);
    h->ntlm.step = xp_step_begin(c, h->step, "NTLM through the front end: NEGOTIATE on %s "
                                 "(HTTP/1.1, kept alive; no credentials)", h->ntlm.path);
    if (!ntlm_from_memo(c, h) && !ntlm_from_early(c, h))
        ntlm_send(c, h);
}

static void
on_host_addr(struct xp_check *c, struct xp_addr_lookup *l)
{
    struct hhost *h = l->arg;
    const char *ip = xp_addrs_pick(l);

    if (!ip) {
        xp_step_end(h->step, XP_ST_WARN, "%s does not resolve", h->name);
        return;
    }
    snprintf(h->ip, sizeof(h->ip), "%s", ip);
    xp_step_note(h->step, "address %s", ip);
    probe_host(c, h);
}

/* A host no client reaches by its name (xp_http_endpoint.unusable): not
 * probed, the step says why; its certificate is the cert check's finding.
 * Returns the step (NULL: the host is probed, learnt from another source). */
static struct xp_step *
leave_out(struct xp_check *c, const struct xp_http_endpoint *ep)
{
    struct hstate *st = c->state;
    struct xp_step *s;
    size_t i;

    for (i = 0; i < st->nhosts; i++)
        if (xp_name_eq(st->hosts[i].name, ep->host) && st->hosts[i].port == ep->port)
            return NULL;   /* learnt from another source too (Autodiscover v2): probed */
    s = xp_step_begin(c, NULL, "%s:%d (%s)", ep->host, ep->port, ep->role);
    xp_step_end(s, XP_ST_SKIP, "not probed: %s; no client reaches Exchange by this name "
                "(the cert check reports the certificate)", ep->unusable);
    if (!st->unusable[0])
        snprintf(st->unusable, sizeof(st->unusable), "%s", ep->unusable);
    return s;
}

static void
probe_later(struct xp_check *c, struct hhost *h)
{
    h->step = xp_step_begin(c, NULL, "%s:%d (%s)", h->name, h->port, h->source);
    xp_check_addrs(c, &h->addrs, h->step, h->name, on_host_addr, h);
}

static void
fact_step(struct hstate *st, struct xp_step *s, unsigned seq)
{
    if (s && st->nfsteps < MAX_FACT_STEPS) {
        st->fsteps[st->nfsteps].step = s;
        st->fsteps[st->nfsteps++].seq = seq;
    }
}

/*
 * A host autodiscover is about to reach (a redirect's target): the
 * Bearer requests are sent now for the run's shared answers, and the NTLM
 * conversation (never shared) is held by an early host without steps.
 * Once autodiscover records the host, probe_host asks again and finds the
 * answers in flight or stored, and takes the conversation over; a host it
 * does not reach, or reaches by a name its certificate does not name, is
 * treated as before: nothing of this shows.
 */
static void
take_soon(struct xp_check *c)
{
    struct hstate *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    char url[600];
    int k;

    for (; st->soon_seen < xp_facts_http_soon_count(facts); st->soon_seen++) {
        const struct xp_http_soon *s = xp_facts_http_soon(facts, st->soon_seen);
        struct hhost *e;

        if (st->nearly >= MAX_HOSTS || xp_m365_cloud_host(s->host))
            continue;
        e = st->early[st->nearly++] = xcalloc(1, sizeof(*e));
        e->early = 1;
        snprintf(e->name, sizeof(e->name), "%s", s->host);
        snprintf(e->ip, sizeof(e->ip), "%s", s->ip);
        e->port = s->port;
        for (k = 0; k < HP_COUNT; k++) {
            struct xp_http_req req;

            bearer_req(e, bearer_path(e, k), &req, url, sizeof(url));
            xp_check_http_prefetch(c, &req);
        }
        ntlm_begin(c, e);
        if (ntlm_memo_of(c, e) || !ntlm_early_claim(c, e))
            e->ntlm.round = 0;      /* nothing to take over */
        else
            ntlm_send(c, e);
    }
}

/* The hosts autodiscover reached since we last looked (facts_grew). now:
 * probe each at once; else only add it (start_hosts probes them all). */
static void
take_facts(struct xp_check *c, int now)
{
    struct hstate *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    const struct xp_http_endpoint *ep;

    while ((ep = xp_facts_http_next(facts, &st->facts_seen))) {
        struct hhost *h;

        /* The organisation's name as a CNAME to Office 365's Autodiscover
         * (a cloud-only domain): Microsoft's endpoint, not its Exchange. */
        if (strcmp(ep->role, "office365") == 0)
            continue;
        if (ep->unusable[0]) {
            fact_step(st, leave_out(c, ep), ep->seq);
            continue;
        }
        h = add_host(st, ep->host, ep->port, ep->role);
        if (now && h && !h->step) {
            probe_later(c, h);
            fact_step(st, h->step, ep->seq);
        }
    }
}

/* The hosts to probe, from every source; then probe those not probed yet. */
static void
start_hosts(struct xp_check *c)
{
    struct hstate *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    const struct xp_expect *e = xp_check_expect(c);
    size_t i;

    if (st->probing)
        return;
    st->probing = 1;
    for (i = 0; i < xp_facts_v2url_count(facts); i++) {
        const struct xp_v2_url *u = xp_facts_v2url(facts, i);
        char host[256], path[256];
        int port, https;
        struct hhost *h;

        if (u->cloud || xp_http_url_parts(u->url, host, sizeof(host), &port, &https) < 0 ||
            !https || !(h = add_host(st, host, port, "Autodiscover v2")))
            continue;
        url_path(u->url, path, sizeof(path));
        snprintf(strcasecmp(u->protocol, "EWS") == 0 ? h->ews_path : h->eas_path,
                 sizeof(h->eas_path), "%s", path);
    }
    take_facts(c, 0);
    for (i = 0; i < e->nhosts; i++)
        add_host(st, e->hosts[i].host, e->hosts[i].port ? e->hosts[i].port : 443, "--hosts");
    if (st->nhosts == 0 && !xp_check_in_run(c, "autodiscover")) {
        char *name = xasprintf("autodiscover.%s", domain_of(c));

        add_host(st, name, 443, "autodiscover name");
        free(name);
    }
    for (i = 0; i < st->nhosts; i++)
        if (!st->hosts[i].step)
            probe_later(c, &st->hosts[i]);
}

/* Autodiscover v2 gives an address's hosts their EAS and EWS paths: with an
 * address (or --user) the hosts wait for autodiscover's end; for a domain a
 * host is probed as soon as autodiscover reached it. */
static void
hybridauth_take(struct xp_check *c)
{
    const struct xp_options *o = xp_check_options(c);

    if (xp_check_done(c, "autodiscover")) {
        start_hosts(c);
    } else if (!c->target->email && !o->user) {
        take_soon(c);
        take_facts(c, 1);
    }
}

/* The facts endpoints' steps in the facts' (sorted) order, not in the
 * order autodiscover reached them: reports do not depend on timing. */
static void
sort_fact_steps(struct xp_check *c)
{
    struct hstate *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    struct xp_step *order[MAX_FACT_STEPS];
    size_t i, j, n = 0;

    for (i = 0; i < xp_facts_http_count(facts); i++)
        for (j = 0; j < st->nfsteps; j++)
            if (st->fsteps[j].seq == xp_facts_http(facts, i)->seq)
                order[n++] = st->fsteps[j].step;
    xp_check_steps_sort(c, NULL, order, n);
}

static void
hybridauth_start(struct xp_check *c)
{
    struct hstate *st = xcalloc(1, sizeof(*st));
    const struct xp_options *o = xp_check_options(c);

    c->state = st;
    if (!o->no_cloud_lookups)
        start_openid(c);
    if (!xp_check_in_run(c, "autodiscover")) {
        /* Asked alone, it still does the discovery it needs: Autodiscover
         * v2 for an address, without findings (they are autodiscover's). */
        char *name = xasprintf("autodiscover.%s", domain_of(c));

        snprintf(st->v2.email, sizeof(st->v2.email), "%s",
                 c->target->email ? c->target->email : o->user ? o->user : "");
        st->v2.quiet = 1;
        st->v2.all_done = start_hosts;
        st->v2.pending = 1;    /* until both kinds are asked */
        xp_v2_cloud(c, &st->v2);
        if (xp_check_expect(c)->deployment != XP_DEPLOY_CLOUD)
            xp_v2_host(c, &st->v2, NULL, name, 443);
        free(name);
        if (--st->v2.pending > 0)
            return;
    }
    hybridauth_take(c);
}

/* ---- judgement ---- */

static const char *
param(const struct bearer *b, const char *name)
{
    int i;

    for (i = 0; i < BP_COUNT; i++)
        if (strcmp(bearer_param_names[i], name) == 0)
            return b->offers.param[i];
    return NULL;
}

static void
ev_paths(struct xp_finding *f, const char *key, char **list, size_t n)
{
    if (n)
        xp_ev_list(f, key, list, n);
}

/* HMA on one host: the Bearer challenge on each path that answered 401. */
static void
judge_hma(struct xp_check *c, struct hhost *h)
{
    struct hstate *st = c->state;
    char *with[HP_COUNT], *without[HP_COUNT], *nouri[HP_COUNT], *other[HP_COUNT];
    size_t nwith = 0, nwithout = 0, nnouri = 0, nother = 0;
    const struct bearer *first = NULL;
    char tenant[40] = "", t[40];
    struct xp_finding *f;
    int k;

    for (k = 0; k < HP_COUNT; k++) {
        struct bearer *b = &h->probes[k];

        if (!b->completed || b->status != 401)
            continue;
        if (!b->offers.bearer) {
            without[nwithout++] = b->path;
            continue;
        }
        with[nwith++] = b->path;
        if (!first)
            first = b;
        if (!param(b, "authorization_uri"))
            nouri[nnouri++] = b->path;
        if (xp_trusted_issuer_tenant(param(b, "trusted_issuers"), t, sizeof(t)) == 0) {
            if (!tenant[0])
                snprintf(tenant, sizeof(tenant), "%s", t);
            if (st->openid_ok && strcmp(t, st->tenant) != 0)
                other[nother++] = b->path;
        }
    }
    if (!nwith && !nwithout)
        return;                /* no path answered with a 401: nothing to judge */
    if (!nwith) {
        f = xp_finding_new(c, h->step, XP_HMA_NOT_ENABLED, "%s answers an empty Bearer token "
                           "without a Bearer challenge: hybrid modern authentication is not "
                           "enabled there", h->name);
        if (xp_check_expect(c)->hma == 1)
            xp_finding_severity(f, XP_SEV_WARN);
        xp_ev_str(f, "host", h->name);
        ev_paths(f, "paths_without_bearer", without, nwithout);
        xp_ev_str(f, "offered", h->probes[HP_EWS].verdict.methods);
        xp_finding_add(f);
        return;
    }
    if (nnouri) {
        f = xp_finding_new(c, h->step, XP_HMA_NO_AUTHORIZATION_URI, "%s's Bearer challenge has "
                           "no authorization_uri: Entra ID (EvoSTS) is not the default "
                           "authorization endpoint, so Outlook cannot start modern "
                           "authentication", h->name);
        xp_ev_str(f, "host", h->name);
        ev_paths(f, "paths", nouri, nnouri);
        if (param(first, "trusted_issuers"))
            xp_ev_str(f, "trusted_issuers", param(first, "trusted_issuers"));
        xp_finding_add(f);
    }
    if (nother) {
        f = xp_finding_new(c, h->step, XP_HMA_TENANT_MISMATCH, "%s trusts tenant %s, but %s "
                           "belongs to tenant %s", h->name, tenant, domain_of(c), st->tenant);
        xp_ev_str(f, "host", h->name);
        xp_ev_str(f, "trusted_tenant", tenant);
        xp_ev_str(f, "domain_tenant", st->tenant);
        ev_paths(f, "paths", other, nother);
        xp_finding_add(f);
    }
    f = xp_finding_new(c, h->step, XP_HMA_ENABLED, "%s answers with Exchange's Bearer "
                       "challenge on %zu of %zu paths (tenant %s)", h->name, nwith,
                       nwith + nwithout, tenant[0] ? tenant : "not named");
    xp_ev_str(f, "host", h->name);
    ev_paths(f, "paths", with, nwith);
    ev_paths(f, "paths_without_bearer", without, nwithout);
    if (param(first, "client_id"))
        xp_ev_str(f, "client_id", param(first, "client_id"));
    if (tenant[0])
        xp_ev_str(f, "tenant", tenant);
    if (param(first, "authorization_uri"))
        xp_ev_str(f, "authorization_uri", param(first, "authorization_uri"));
    xp_ev_str(f, "domain_tenant", st->openid_ok ? st->tenant
                                  : st->openid_asked ? "unknown" : "not looked up "
                                                                   "(--no-cloud-lookups)");
    if (first->diag[0])
        xp_ev_str(f, "x_ms_diagnostics", first->diag);
    xp_finding_add(f);
}

static void
judge_h2(struct xp_check *c, struct hhost *h)
{
    char *list[HP_COUNT];
    size_t n = 0;
    struct xp_finding *f;
    int k;

    for (k = 0; k < HP_COUNT; k++) {
        struct bearer *b = &h->probes[k];

        if (b->completed && b->http_version == 20 && offers_windows_auth(&b->offers))
            list[n++] = b->path;
    }
    if (!n)
        return;
    f = xp_finding_new(c, h->step, XP_AUTH_H2_WINDOWS_AUTH, "%s negotiates HTTP/2 and offers "
                       "NTLM/Negotiate: Windows authentication fails over HTTP/2 (IIS refuses "
                       "it; a proxy that speaks HTTP/2 to clients loses NTLM's connection "
                       "state), so Outlook keeps prompting", h->name);
    xp_ev_str(f, "host", h->name);
    xp_ev_str(f, "alpn", "h2");
    ev_paths(f, "paths", list, n);
    xp_ev_str(f, "offered", h->probes[0].verdict.methods);
    xp_finding_add(f);
}

/* The build preauth read for h (or for another host of the same domain). */
static const struct xp_exchange_build *
build_of(struct xp_check *c, const struct hhost *h)
{
    struct xp_facts *facts = xp_check_facts(c);
    const struct xp_exchange_build *b = xp_facts_build_of(facts, h->name);
    size_t i;

    for (i = 0; !b && i < xp_facts_build_count(facts); i++)
        if (xp_name_ends_with(xp_facts_build(facts, i)->host, domain_of(c)))
            b = xp_facts_build(facts, i);
    return b;
}

static void
judge_ep(struct xp_check *c, struct hhost *h)
{
    const struct bearer *front = NULL;
    const struct xp_exchange_build *b;
    struct xp_finding *f;
    int k;

    for (k = 0; k < HP_COUNT && !front; k++) {
        const struct bearer *p = &h->probes[k];

        if (p->completed && (p->via[0] || (p->server[0] && !strcasestr(p->server, "IIS"))))
            front = p;
    }
    if (!front)
        return;
    b = build_of(c, h);
    if (!b || !b->ep_default) {
        xp_step_note(h->step, "front end %s%s; %s", front->server[0] ? front->server : "",
                     front->via[0] ? " (Via)" : "",
                     b ? "this build does not turn Extended Protection on by default"
                       : "the Exchange build is unknown (preauth did not read it)");
        return;
    }
    f = xp_finding_new(c, h->step, XP_EP_PROXY_RISK, "%s is answered by %s in front of "
                       "Exchange %s, which has Extended Protection on by default: TLS "
                       "offloading breaks Windows authentication; TLS bridging works only with "
                       "the same certificate on the front end and Exchange", h->name,
                       front->server[0] ? front->server : front->via, b->version);
    xp_ev_str(f, "host", h->name);
    if (front->server[0])
        xp_ev_str(f, "server", front->server);
    if (front->via[0])
        xp_ev_str(f, "via", front->via);
    xp_ev_str(f, "exchange_version", b->version);
    xp_ev_str(f, "build_source", b->source);
    xp_ev_str(f, "supported", "TLS bridging with the same certificate; TCP pass-through");
    xp_ev_str(f, "not_supported", "TLS offloading; bridging with another certificate; "
                                  "NTLMv1");
    xp_finding_add(f);
}

/* The CHALLENGE's target information names the inside of the network
 * (internal AD domain, server names, Windows build): evidence, masked by
 * --redact (xp_ev_private). */
static void
ev_ntlm_target(struct xp_finding *f, const struct ntlm *n)
{
    const char *os;

    if (!n->parsed)
        return;
    if (n->ch.nb_domain[0])
        xp_ev_private(f, "ntlm_netbios_domain", n->ch.nb_domain);
    if (n->ch.nb_computer[0])
        xp_ev_private(f, "ntlm_netbios_computer", n->ch.nb_computer);
    if (n->ch.dns_domain[0])
        xp_ev_private(f, "ntlm_dns_domain", n->ch.dns_domain);
    if (n->ch.dns_computer[0])
        xp_ev_private(f, "ntlm_dns_computer", n->ch.dns_computer);
    if (n->ch.has_version) {
        char v[64];

        os = xp_ntlm_os_name(n->ch.os_major, n->ch.os_minor, n->ch.os_build);
        snprintf(v, sizeof(v), "%u.%u.%u%s%s%s", n->ch.os_major, n->ch.os_minor,
                 n->ch.os_build, os ? " (" : "", os ? os : "", os ? ")" : "");
        xp_ev_private(f, "ntlm_os_version", v);
    }
}

static void
judge_ntlm(struct xp_check *c, struct hhost *h)
{
    struct ntlm *n = &h->ntlm;
    const struct bearer *ews = &h->probes[HP_EWS];
    struct xp_finding *f;
    const char *why = NULL;

    if (!n->step)
        return;
    if (!n->completed1) {
        xp_step_end(n->step, XP_ST_WARN, "no answer: %s", n->error);
        return;
    }
    if (!n->challenge) {
        if (!(ews->completed && ews->offers.ntlm)) {
            xp_step_end(n->step, XP_ST_SKIP, "NTLM is not offered on %s", n->path);
            return;
        }
        why = "it answered the NEGOTIATE without a CHALLENGE";
    } else if (n->conn_close || (n->completed2 && n->new_connections2 > 0)) {
        why = "it closed the connection after the CHALLENGE: the AUTHENTICATE would arrive on "
              "a new connection that knows nothing of it";
    } else if (!n->completed2) {
        why = "the connection failed after the CHALLENGE";
    }
    if (!why) {
        xp_step_end(n->step, XP_ST_PASS, "CHALLENGE received; the connection stays open for "
                    "the AUTHENTICATE");
        if (n->parsed)
            xp_step_note(n->step, "server %s, domain %s",
                         xp_private(c, n->ch.dns_computer[0] ? n->ch.dns_computer
                                                             : n->ch.nb_computer),
                         xp_private(c, n->ch.dns_domain[0] ? n->ch.dns_domain
                                                           : n->ch.nb_domain));
        return;
    }
    f = xp_finding_new(c, n->step, XP_AUTH_NTLM_BROKEN, "NTLM cannot complete through the "
                       "front end of %s: %s (Outlook keeps prompting)", h->name, why);
    xp_ev_str(f, "host", h->name);
    xp_ev_str(f, "path", n->path);
    xp_ev_int(f, "status", n->status1);
    xp_ev_str(f, "connection_close", n->conn_close ? "yes" : "no");
    if (n->completed2)
        xp_ev_str(f, "second_request", n->new_connections2 ? "new connection"
                                                             : "same connection");
    /* A conversation whose second leg came on a new connection is repeated
     * once (an idle connection may have been closed under load). */
    xp_ev_int(f, "conversations", n->retried ? 2 : 1);
    ev_ntlm_target(f, n);
    xp_finding_add(f);
    xp_step_end(n->step, XP_ST_FAIL, NULL);
}

static void
hybridauth_judge(struct xp_check *c)
{
    struct hstate *st = c->state;
    size_t i;
    int k;

    sort_fact_steps(c);
    if (st->nhosts == 0 && st->unusable[0]) {
        char why[800];

        snprintf(why, sizeof(why), "no on-premises Exchange host a client can reach by its "
                 "name: %s", st->unusable);
        xp_check_skip(c, why);
        return;
    }
    if (st->nhosts == 0) {
        xp_check_skip(c, "no on-premises Exchange host was learnt (give an address, "
                         "--hosts, or run autodiscover)");
        return;
    }
    for (i = 0; i < st->nhosts; i++) {
        struct hhost *h = &st->hosts[i];

        if (!h->ip[0])
            continue;
        judge_hma(c, h);
        judge_h2(c, h);
        judge_ep(c, h);
        judge_ntlm(c, h);
        if (h->ntlm.step)   /* last, so a failing step's first line stays its problem */
            xp_step_note(h->ntlm.step, "one conversation per run with this front end (name, "
                         "address, path), shared by every domain that reaches it");
        for (k = 0; k < HP_COUNT; k++)
            if (h->probes[k].step && h->probes[k].step->status == XP_ST_RUNNING)
                xp_step_end(h->probes[k].step, XP_ST_INFO, NULL);
        xp_step_end(h->step, xp_step_children_worst(h->step), NULL);
    }
}

static void
hybridauth_free(struct xp_check *c)
{
    struct hstate *st = c->state;
    size_t i;

    xp_v2_free(&st->v2);
    for (i = 0; i < st->nhosts; i++) {
        int k;

        xp_check_addrs_clear(&st->hosts[i].addrs);
        for (k = 0; k < HP_COUNT; k++)
            offers_clear(&st->hosts[i].probes[k].offers);
    }
    xp_check_addrs_clear(&st->openid_addrs);
    for (i = 0; i < st->nearly; i++) {
        ntlm_early_release(c, st->early[i]);
        free(st->early[i]);
    }
    free(st->hosts);
    free(st);
    c->state = NULL;
}

/* The hosts come from autodiscover, each probed as soon as it is reached
 * (facts_grew); preauth's Exchange build is read by judge() only (Extended
 * Protection), so the probes overlap autodiscover's and preauth's. */
static const char *const after[] = { "autodiscover", "preauth", NULL };

const struct xp_check_ops xp_check_hybridauth = {
    .id = "hybridauth",
    .title = "Hybrid modern authentication and Windows authentication through the front end",
    .help = "hybrid modern auth, no credentials sent: on the hosts Autodiscover\n"
            "(v2 for an address) gave, the empty-Bearer 401 challenge on\n"
            "EAS/EWS/MAPI/OAB and the tenant it names, NTLM completing through\n"
            "the front end, HTTP/2 with Windows auth, Extended Protection vs a\n"
            "non-IIS front end",
    .after = after,
    .judge_after = 1,
    .start = hybridauth_start,
    .judge = hybridauth_judge,
    .free_state = hybridauth_free,
    .facts_grew = hybridauth_take,
};
