/*
 * check_dnsbl.c — the `dnsbl` check (domain.md §5, §8.5): the sending IP
 * (--ip, or the address the `smtp` check learnt from the servers' EHLO
 * replies — it reads smtp's facts as each EHLO reply tells the address
 * (facts_grew: it starts with the run, judges after smtp), so there is no
 * second connection) and the domain's MX addresses, looked up on every zone
 * (--dnsbl, or the built-in list) at once. Each zone is first asked for
 * its RFC 5782 test points (127.0.0.2 listed, 127.0.0.1 not): a zone that
 * fails them, or answers 127.255.255.x (query refused), gives no verdict
 * rather than a wrong one. Listings come with the return code's meaning
 * and the TXT reason. With --expect connector_ips, the sending IP is also
 * compared with the inbound connector's list.
 */
#include "xp_check.h"
#include "xp_m365.h"
#include "xp_dnsbl.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_options.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ZONES 32
#define MAX_ADDRS 24
#define MAX_MX 8
#define MAX_MX_ADDRS 4

/* Public zones that answer any resolver. b.barracudacentral.org is not
 * here: Barracuda answers only registered resolvers (modern.md §(d)9), so
 * from elsewhere its test point fails on every run; name it with --dnsbl
 * where the resolver is registered. */
const char *const xp_dnsbl_default_zones[] = {
    "zen.spamhaus.org", "bl.spamcop.net", "psbl.surriel.com", NULL,
};

/* ---- pure parts (xp_dnsbl.h) ---- */

int
xp_dnsbl_qname(const char *ip, const char *zone, char *out, size_t len)
{
    unsigned char b[16];
    size_t n = 0;
    int i, w;

    if (inet_pton(AF_INET, ip, b) == 1) {
        w = snprintf(out, len, "%u.%u.%u.%u.%s", b[3], b[2], b[1], b[0], zone);
        return w < 0 || (size_t)w >= len ? -1 : 0;
    }
    if (inet_pton(AF_INET6, ip, b) != 1)
        return -1;
    for (i = 15; i >= 0; i--) {
        w = snprintf(out + n, len - n, "%x.%x.", b[i] & 0xf, b[i] >> 4);
        if (w < 0 || (size_t)w >= len - n)
            return -1;
        n += (size_t)w;
    }
    w = snprintf(out + n, len - n, "%s", zone);
    return w < 0 || (size_t)w >= len - n ? -1 : 0;
}

static int
zone_is(const char *zone, const char *suffix)
{
    return xp_name_eq(zone, suffix) || xp_name_ends_with(zone, suffix);
}

enum xp_dnsbl_answer
xp_dnsbl_interpret(const char *zone, const char *addr, char *meaning, size_t len)
{
    unsigned char b[4];

    if (inet_pton(AF_INET, addr, b) != 1 || b[0] != 127) {
        snprintf(meaning, len, "%s is not a block-list return code (outside 127.0.0.0/8): the "
                 "resolver rewrites answers, or the zone answers everything", addr);
        return XP_DNSBL_A_BOGUS;
    }
    if (b[1] == 255 && b[2] == 255) {
        const char *why = b[3] == 252 ? "the zone name is wrong (typo)"
                        : b[3] == 254 ? "queries through public or open resolvers are refused"
                        : b[3] == 255 ? "too many queries from this resolver"
                                      : "the list refused the query";

        snprintf(meaning, len, "%s: error code, not a listing: %s", addr, why);
        return XP_DNSBL_A_BLOCKED;
    }
    if (zone_is(zone, "spamhaus.org") || zone_is(zone, "spamhaus.net")) {
        static const char *const sh[] = {
            [2] = "SBL: Spamhaus Block List (direct spam source or service)",
            [3] = "SBL CSS: snowshoe spam, detected automatically",
            [4] = "XBL: exploited host (malware, bot; CBL data)",
            [5] = "XBL: exploited host",
            [6] = "XBL: exploited host",
            [7] = "XBL: exploited host",
            [9] = "DROP: hijacked or criminal network",
            [10] = "PBL: end-user range, its ISP says it should not send mail directly",
            [11] = "PBL: end-user range, as Spamhaus determined",
        };

        if (b[1] == 0 && b[2] == 0 && b[3] < XP_ARRAY_LEN(sh) && sh[b[3]]) {
            snprintf(meaning, len, "%s: %s", addr, sh[b[3]]);
            return b[3] == 10 || b[3] == 11 ? XP_DNSBL_A_POLICY : XP_DNSBL_A_LISTED;
        }
        if (b[1] == 0 && b[2] == 0 && b[3] == 30) {
            snprintf(meaning, len, "%s: BCL: botnet controller", addr);
            return XP_DNSBL_A_LISTED;
        }
    }
    if (zone_is(zone, "spamcop.net"))
        snprintf(meaning, len, "%s: listed by SpamCop (reported spam source)", addr);
    else if (zone_is(zone, "barracudacentral.org"))
        snprintf(meaning, len, "%s: listed on the Barracuda Reputation Block List", addr);
    else if (zone_is(zone, "surriel.com"))
        snprintf(meaning, len, "%s: listed on the Passive Spam Block List", addr);
    else
        snprintf(meaning, len, "%s: listed (return code)", addr);
    return XP_DNSBL_A_LISTED;
}

int
xp_dnsbl_not_public(const char *ip)
{
    unsigned char b[16];

    if (inet_pton(AF_INET, ip, b) == 1) {
        if (b[0] == 127)
            return !(b[1] == 0 && b[2] == 0 && (b[3] == 1 || b[3] == 2));
        return b[0] == 0 || b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
               (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
               (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] >= 224;
    }
    if (inet_pton(AF_INET6, ip, b) == 1) {
        static const unsigned char zero[16];
        static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

        if (memcmp(b, v4mapped, 12) == 0) {
            char v4[16];

            snprintf(v4, sizeof(v4), "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
            return xp_dnsbl_not_public(v4);
        }
        if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
            return 1;   /* :: and ::1 */
        return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff;
    }
    return 1;
}

int
xp_ip_in_prefix(const char *ip, const char *prefix)
{
    unsigned char a[16], p[16];
    char addr[64];
    const char *slash = strchr(prefix, '/');
    size_t n = slash ? (size_t)(slash - prefix) : strlen(prefix);
    int fam, bits, i, max;

    if (n == 0 || n >= sizeof(addr))
        return -1;
    memcpy(addr, prefix, n);
    addr[n] = '\0';
    fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
    max = fam == AF_INET6 ? 128 : 32;
    if (inet_pton(fam, addr, p) != 1)
        return -1;
    bits = max;
    if (slash) {
        char *end;
        long v = strtol(slash + 1, &end, 10);

        if (end == slash + 1 || *end || v < 0 || v > max)
            return -1;
        bits = (int)v;
    }
    if (inet_pton(fam, ip, a) != 1) {
        if (inet_pton(fam == AF_INET ? AF_INET6 : AF_INET, ip, a) == 1)
            return 0;
        return -1;
    }
    for (i = 0; i < bits / 8; i++)
        if (a[i] != p[i])
            return 0;
    if (bits % 8) {
        unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));

        if ((a[i] & mask) != (p[i] & mask))
            return 0;
    }
    return 1;
}

/* ---- the check ---- */

struct zone;

/* One A question (and its TXT, when listed) for an address on a zone. */
struct query {
    struct zone *zone;
    size_t addr;              /* index in st->addrs, or (size_t)-1: a test point */
    char qname[320];
    struct xp_dns_result *res, *txt;
    struct xp_step *step_a, *step_txt;   /* their DNS steps (order_steps) */
};

struct zone {
    char name[256];
    struct xp_step *step;
    struct query tp2, tp1;    /* 127.0.0.2 (must be listed), 127.0.0.1 (must not) */
};

struct addr {
    char ip[64];
    char source[200];
    int public_ip;            /* the sending IP (--ip or learned), not an MX address */
    int skipped;              /* not a public address: not asked of public lists */
};

struct mxq {
    char host[256];
    int type;
    struct xp_dns_result *res;
};

struct dnsbl_state {
    struct zone zones[MAX_ZONES];
    size_t nzones;
    int builtin;              /* zones are the built-in public ones */
    struct addr addrs[MAX_ADDRS];
    size_t naddrs;
    struct query **q;
    size_t nq, capq;
    struct xp_step *st_addrs, *st_mx;
    struct xp_dns_result *mx;
    struct mxq mxq[MAX_MX * 2];
    size_t nmxq;
    size_t client_ips;        /* the facts' client addresses taken so far */
};

static const char *const after[] = { "smtp", NULL };

static void on_txt(struct xp_check *c, void *arg, const struct xp_dns_result *res);

static void
on_a(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct query *q = arg;

    q->res = xp_dns_result_dup(res);
    q->step_a = xp_check_dns_step(c, q->zone->step, res);
    /* A listing's reason, from the TXT record at the same name. */
    if (q->addr != (size_t)-1 && res->status == XP_DNS_OK && xp_dns_count(res, XP_DNS_A) > 0)
        xp_check_dns(c, q->qname, XP_DNS_TXT, on_txt, q);
}

static void
on_txt(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct query *q = arg;

    q->txt = xp_dns_result_dup(res);
    q->step_txt = xp_check_dns_step(c, q->zone->step, res);
}

static void
ask(struct xp_check *c, struct zone *z, size_t addr)
{
    struct dnsbl_state *st = c->state;
    struct query *q = xcalloc(1, sizeof(*q));

    q->zone = z;
    q->addr = addr;
    if (xp_dnsbl_qname(st->addrs[addr].ip, z->name, q->qname, sizeof(q->qname)) < 0) {
        free(q);
        return;
    }
    if (st->nq == st->capq) {
        st->capq = st->capq ? st->capq * 2 : 32;
        st->q = xrealloc(st->q, st->capq * sizeof(*st->q));
    }
    st->q[st->nq++] = q;
    xp_check_dns(c, q->qname, XP_DNS_A, on_a, q);
}

static void
add_addr(struct xp_check *c, const char *ip, const char *source, int public_ip)
{
    struct dnsbl_state *st = c->state;
    struct addr *a;
    size_t i;

    for (i = 0; i < st->naddrs; i++)
        if (strcmp(st->addrs[i].ip, ip) == 0)
            return;
    if (st->naddrs == MAX_ADDRS)
        return;
    a = &st->addrs[st->naddrs];
    snprintf(a->ip, sizeof(a->ip), "%s", ip);
    snprintf(a->source, sizeof(a->source), "%s", source);
    a->public_ip = public_ip;
    /* Public lists know nothing of private addresses (and should not
     * learn them); zones given with --dnsbl may be private ones. */
    a->skipped = st->builtin && xp_dnsbl_not_public(ip);
    st->naddrs++;
    if (a->skipped)
        return;
    for (i = 0; i < st->nzones; i++)
        ask(c, &st->zones[i], st->naddrs - 1);
}

static void
on_mx_addr(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct mxq *m = arg;
    size_t i;
    int n = 0;
    char source[300];

    m->res = xp_dns_result_dup(res);
    for (i = 0; i < res->nrr && n < MAX_MX_ADDRS; i++) {
        if (res->rr[i].type != m->type)
            continue;
        snprintf(source, sizeof(source), "address of MX %s", m->host);
        add_addr(c, res->rr[i].addr, source, 0);
        n++;
    }
}

static void
on_mx(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct dnsbl_state *st = c->state;
    size_t i;

    (void)arg;
    st->mx = xp_dns_result_dup(res);
    for (i = 0; i < res->nrr && st->nmxq + 2 <= XP_ARRAY_LEN(st->mxq); i++) {
        const struct xp_dns_rr *rr = &res->rr[i];
        int k;

        if (rr->type != XP_DNS_MX || !rr->target || !*rr->target ||
            strcmp(rr->target, ".") == 0 || xp_m365_verification_mx(rr->target, NULL))
            continue;
        for (k = 0; k < 2; k++) {
            struct mxq *m = &st->mxq[st->nmxq++];

            snprintf(m->host, sizeof(m->host), "%s", rr->target);
            m->type = k ? XP_DNS_AAAA : XP_DNS_A;
            xp_check_dns(c, m->host, m->type, on_mx_addr, m);
        }
    }
}

static void
add_zone(struct dnsbl_state *st, const char *name, size_t n)
{
    struct zone *z;
    size_t i;

    if (st->nzones == MAX_ZONES || n == 0 || n >= sizeof(z->name))
        return;
    z = &st->zones[st->nzones];
    memcpy(z->name, name, n);
    z->name[n] = '\0';
    if (z->name[n - 1] == '.')
        z->name[n - 1] = '\0';
    for (i = 0; i < st->nzones; i++)
        if (xp_name_eq(st->zones[i].name, z->name))
            return;
    st->nzones++;
}

/* The client addresses smtp learnt since we last looked: each looked up as
 * soon as a server's EHLO reply told it (facts_grew), not after smtp's
 * whole verdict. */
static void
dnsbl_take(struct xp_check *c)
{
    struct dnsbl_state *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);

    if (xp_check_options(c)->ip)
        return;                /* --ip is the sending IP */
    for (; st->client_ips < xp_facts_client_ip_count(facts); st->client_ips++) {
        const struct xp_client_ip *ip = xp_facts_client_ip(facts, st->client_ips);
        char source[220];

        snprintf(source, sizeof(source), "this client's public IP, learnt by the smtp "
                 "check from the %s", ip->source);
        add_addr(c, ip->ip, source, 1);
    }
}

static void
dnsbl_start(struct xp_check *c)
{
    const struct xp_options *o = xp_check_options(c);
    struct dnsbl_state *st = xcalloc(1, sizeof(*st));
    size_t i;

    c->state = st;
    if (o->dnsbl) {
        const char *p = o->dnsbl;

        while (*p) {
            size_t n = strcspn(p, ",");

            add_zone(st, p, n);
            p += n + (p[n] == ',');
        }
    } else {
        st->builtin = 1;
        for (i = 0; xp_dnsbl_default_zones[i]; i++)
            add_zone(st, xp_dnsbl_default_zones[i], strlen(xp_dnsbl_default_zones[i]));
    }
    /* RFC 5782 §5: every zone's test points, asked first and judged last. */
    for (i = 0; i < st->nzones; i++) {
        struct zone *z = &st->zones[i];

        z->step = xp_step_begin(c, NULL, "Zone %s%s", z->name, st->builtin ? " (built-in)" : "");
        z->tp2.zone = z->tp1.zone = z;
        z->tp2.addr = z->tp1.addr = (size_t)-1;
        xp_dnsbl_qname("127.0.0.2", z->name, z->tp2.qname, sizeof(z->tp2.qname));
        xp_dnsbl_qname("127.0.0.1", z->name, z->tp1.qname, sizeof(z->tp1.qname));
        xp_check_dns(c, z->tp2.qname, XP_DNS_A, on_a, &z->tp2);
        xp_check_dns(c, z->tp1.qname, XP_DNS_A, on_a, &z->tp1);
    }
    st->st_addrs = xp_step_begin(c, NULL, "Addresses looked up");
    if (o->ip)
        add_addr(c, o->ip, "the sending IP given with --ip", 1);
    else
        dnsbl_take(c);
    xp_check_dns(c, c->target->domain, XP_DNS_MX, on_mx, NULL);
}

/* ---- judgement ---- */

enum zone_state { ZONE_OK, ZONE_BLOCKED, ZONE_UNRELIABLE, ZONE_FAILED };

/* The first A address of res in words, for evidence. */
static const char *
first_a(const struct xp_dns_result *res)
{
    size_t i;

    for (i = 0; res && i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_A)
            return res->rr[i].addr;
    return NULL;
}

static enum zone_state
judge_zone(struct xp_check *c, struct zone *z, char *why, size_t len)
{
    const char *a2 = first_a(z->tp2.res), *a1 = first_a(z->tp1.res);
    char meaning[256];

    if (!z->tp2.res || !z->tp1.res || z->tp2.res->status >= XP_DNS_SERVFAIL ||
        z->tp1.res->status >= XP_DNS_SERVFAIL) {
        const struct xp_dns_result *r = !z->tp2.res || z->tp2.res->status >= XP_DNS_SERVFAIL
                                        ? z->tp2.res : z->tp1.res;

        snprintf(why, len, "its test point could not be asked: %s",
                 r ? (r->error ? r->error : xp_dns_status_name(r->status)) : "no answer");
        return ZONE_FAILED;
    }
    if ((a2 && xp_dnsbl_interpret(z->name, a2, meaning, sizeof(meaning)) == XP_DNSBL_A_BLOCKED) ||
        (a1 && xp_dnsbl_interpret(z->name, a1, meaning, sizeof(meaning)) == XP_DNSBL_A_BLOCKED)) {
        snprintf(why, len, "%s", meaning);
        return ZONE_BLOCKED;
    }
    (void)c;
    if (a1) {
        snprintf(why, len, "it lists 127.0.0.1 (answer %s), which RFC 5782 forbids: it answers "
                 "everything (wildcard, over quota, or a resolver rewriting NXDOMAIN)", a1);
        return ZONE_UNRELIABLE;
    }
    if (!a2) {
        snprintf(why, len, "it does not list its test address 127.0.0.2 (%s): a wrong or "
                 "retired zone name, or answers withheld from this resolver",
                 xp_dns_status_name(z->tp2.res->status));
        return ZONE_UNRELIABLE;
    }
    return ZONE_OK;
}

/* An address listed: how, why, and what it means. */
static void
report_listing(struct xp_check *c, struct query *q, const struct addr *a)
{
    struct xp_finding *f;
    char **meanings = xcalloc(q->res->nrr + 1, sizeof(char *));
    size_t i, n = 0;
    int policy_only = 1, bogus = 0;
    char meaning[256];

    for (i = 0; i < q->res->nrr; i++) {
        enum xp_dnsbl_answer k;

        if (q->res->rr[i].type != XP_DNS_A)
            continue;
        k = xp_dnsbl_interpret(q->zone->name, q->res->rr[i].addr, meaning, sizeof(meaning));
        if (k != XP_DNSBL_A_POLICY)
            policy_only = 0;
        if ((k == XP_DNSBL_A_BOGUS || k == XP_DNSBL_A_BLOCKED) && !bogus)
            bogus = (int)n + 1;
        meanings[n++] = xstrdup(meaning);
    }
    if (bogus) {
        f = xp_finding_new(c, q->zone->step, XP_DNSBL_QUERY_BLOCKED, "%s on %s: the answer is "
                           "not a listing (%s)", a->ip, q->zone->name, meanings[bogus - 1]);
    } else {
        f = xp_finding_new(c, q->zone->step, XP_DNSBL_LISTED, "%s (%s) is listed on %s: %s",
                           a->ip, a->public_ip ? "the sending IP" : "an MX address",
                           q->zone->name, meanings[0]);
        if (policy_only)
            xp_finding_severity(f, XP_SEV_WARN);
    }
    xp_ev_str(f, "address", a->ip);
    xp_ev_str(f, "source", a->source);
    xp_ev_str(f, "zone", q->zone->name);
    xp_ev_list(f, "codes", meanings, n);
    xp_ev_dns(f, "answer", q->res);
    if (q->txt && q->txt->status == XP_DNS_OK) {
        char **txt = xcalloc(q->txt->nrr + 1, sizeof(char *));
        size_t k = 0;

        for (i = 0; i < q->txt->nrr; i++)
            if (q->txt->rr[i].type == XP_DNS_TXT && q->txt->rr[i].text)
                txt[k++] = xstrndup(q->txt->rr[i].text, q->txt->rr[i].textlen);
        xp_ev_list(f, "reason", txt, k);
        while (k > 0)
            free(txt[--k]);
        free(txt);
    }
    if (a->public_ip) {
        /* Office 365 hides STARTTLS from listed senders: link what smtp saw. */
        size_t k;

        for (k = 0; k < c->target->nchecks; k++) {
            const struct xp_check *s = c->target->checks[k];
            const struct xp_finding *g;

            if (strcmp(s->ops->id, "smtp") != 0)
                continue;
            for (g = s->findings; g; g = g->next)
                if (g->code == XP_SMTP_NO_STARTTLS)
                    xp_ev_str(f, "related", g->message);
        }
    }
    if (policy_only && !bogus)
        xp_finding_fix(f, "The address is in a range its ISP (or Spamhaus) marks as end-user: "
                       "send through the ISP's smart host or Exchange Online, or have the ISP "
                       "set a proper reverse DNS name and remove the range from the PBL.");
    else if (!bogus)
        xp_finding_fix(f, "Find why %s is listed (an open relay, malware, a compromised "
                       "account sending spam), stop it, then request delisting on %s's web "
                       "site.", a->ip, q->zone->name);
    xp_finding_add(f);
    for (i = 0; i < n; i++)
        free(meanings[i]);
    free(meanings);
}

static void
judge_connector(struct xp_check *c)
{
    struct dnsbl_state *st = c->state;
    const struct xp_expect *ex = xp_check_expect(c);
    struct xp_step *s;
    size_t i, k;
    int any = 0, bad = 0;

    if (!ex->nconnector_ips)
        return;
    s = xp_step_begin(c, NULL, "Inbound connector sender IPs (connector_ips)");
    for (i = 0; i < st->naddrs; i++) {
        const struct addr *a = &st->addrs[i];
        int in = 0;

        if (!a->public_ip)
            continue;
        any = 1;
        for (k = 0; k < ex->nconnector_ips; k++)
            if (xp_ip_in_prefix(a->ip, ex->connector_ips[k]) == 1)
                in = 1;
        if (in) {
            xp_step_note(s, "%s is in the connector's list", a->ip);
        } else {
            struct xp_finding *f = xp_finding_new(c, s, XP_CONNECTOR_IP_MISMATCH, "The sending "
                                                  "IP %s is not in the inbound connector's "
                                                  "list", a->ip);

            xp_ev_str(f, "address", a->ip);
            xp_ev_str(f, "source", a->source);
            xp_ev_list(f, "connector_ips", ex->connector_ips, ex->nconnector_ips);
            xp_finding_fix(f, "Add %s to the Office 365 inbound connector's SenderIPAddresses "
                           "(or send from an address that is in it): otherwise mail from it "
                           "is not attributed to the connector, and the connector's TLS and "
                           "relay rules do not apply.", a->ip);
            xp_finding_add(f);
            bad = 1;
        }
    }
    if (!any)
        xp_step_end(s, XP_ST_SKIP, "no sending IP known: give --ip, or run the smtp check "
                    "against a server that echoes it");
    else
        xp_step_end(s, bad ? XP_ST_FAIL : XP_ST_PASS, NULL);
}

/* What to do when the built-in lists do not answer this resolver. */
#define VANTAGE_FIX                                                                           \
    "To check block lists, run from a resolver these lists answer (your own recursive "      \
    "resolver, not a public or cloud one), or name your own zone or key-based mirror with "   \
    "--dnsbl (e.g. KEY.zen.dq.spamhaus.net for Spamhaus DQS)."

/*
 * The built-in public zones, when the user named neither them (--dnsbl)
 * nor the check (-c dnsbl): that they give no verdict from here says
 * something about this resolver, not the domain (SPEC: never a warning
 * for a healthy domain).
 */
static int
quiet_zones(const struct xp_check *c)
{
    const struct dnsbl_state *st = c->state;
    int self = xp_check_index("dnsbl");

    return st->builtin && !(self >= 0 && (xp_check_options(c)->checks_named & (1ul << self)));
}

/* One info finding for the built-in zones that gave no verdict: the
 * cause (this resolver) and the way out. */
static void
report_muted(struct xp_check *c, struct zone *const *zones, size_t n, enum zone_state why,
             int none_left)
{
    char *names[MAX_ZONES];
    const char *resolver = zones[0]->tp2.res ? zones[0]->tp2.res->server : NULL;
    struct xp_finding *f;
    size_t i;

    for (i = 0; i < n; i++)
        names[i] = zones[i]->name;
    f = xp_finding_new(c, NULL, why == ZONE_BLOCKED ? XP_DNSBL_QUERY_BLOCKED
                                : why == ZONE_UNRELIABLE ? XP_DNSBL_ZONE_UNRELIABLE
                                                         : XP_DNSBL_QUERY_FAILED,
                       "%s of the built-in block lists give a verdict from this resolver "
                       "(%s): %s%s",
                       none_left ? "None" : "Some", resolver ? resolver : "",
                       why == ZONE_BLOCKED ? "the lists refuse its queries"
                       : why == ZONE_UNRELIABLE ? "their test points do not answer as RFC 5782 "
                                                  "says (answers withheld or rewritten)"
                                                : "their queries were not answered",
                       none_left ? "; block lists not checked" : "");
    xp_finding_severity(f, XP_SEV_INFO);
    xp_ev_list(f, "zones", names, n);
    if (resolver)
        xp_ev_str(f, "resolver", resolver);
    xp_finding_fix(f, "%s", VANTAGE_FIX);
    xp_finding_add(f);
}

/* The order the report shows, whatever came first: the sending IPs, then
 * the MX addresses (as before dnsbl started with the run); each address's
 * queries zone by zone; under each zone its test points, the A answers,
 * then the TXT reasons. */
static void
order_addrs(struct xp_check *c)
{
    struct dnsbl_state *st = c->state;
    struct addr sorted[MAX_ADDRS];
    size_t where[MAX_ADDRS], i, k, n = 0;
    int pass;

    for (pass = 1; pass >= 0; pass--)
        for (i = 0; i < st->naddrs; i++)
            if (st->addrs[i].public_ip == pass) {
                where[i] = n;
                sorted[n++] = st->addrs[i];
            }
    memcpy(st->addrs, sorted, n * sizeof(*sorted));
    for (i = 0; i < st->nq; i++)
        st->q[i]->addr = where[st->q[i]->addr];
    for (i = 1; i < st->nq; i++) {     /* stable: by address, then zone */
        struct query *q = st->q[i];

        for (k = i; k > 0 && (st->q[k - 1]->addr > q->addr ||
                              (st->q[k - 1]->addr == q->addr &&
                               st->q[k - 1]->zone > q->zone)); k--)
            st->q[k] = st->q[k - 1];
        st->q[k] = q;
    }
    for (i = 0; i < st->naddrs; i++)
        xp_step_note(st->st_addrs, "%s: %s%s", st->addrs[i].ip, st->addrs[i].source,
                     st->addrs[i].skipped ? " (not a public address: not looked up on "
                                            "public lists)" : "");
    for (i = 0; i < st->nzones; i++) {
        struct zone *z = &st->zones[i];
        struct xp_step **order = xcalloc(2 * st->nq + 2, sizeof(*order));
        size_t m = 0;

        if (z->tp2.step_a)
            order[m++] = z->tp2.step_a;
        if (z->tp1.step_a)
            order[m++] = z->tp1.step_a;
        for (pass = 0; pass < 2; pass++)
            for (k = 0; k < st->nq; k++) {
                struct xp_step *s = pass ? st->q[k]->step_txt : st->q[k]->step_a;

                if (st->q[k]->zone == z && s)
                    order[m++] = s;
            }
        xp_check_steps_sort(c, z->step, order, m);
        free(order);
    }
}

static void
dnsbl_judge(struct xp_check *c)
{
    struct dnsbl_state *st = c->state;
    size_t i, k, clean = 0, listed = 0, asked = 0, nmuted = 0;
    struct zone *nomute[MAX_ZONES];
    enum zone_state mute_state = ZONE_OK;
    char why[400];

    order_addrs(c);
    judge_connector(c);
    if (st->naddrs == 0) {
        for (i = 0; i < st->nzones; i++)
            xp_step_end(st->zones[i].step, XP_ST_SKIP, NULL);
        xp_step_end(st->st_addrs, XP_ST_SKIP, NULL);
        xp_check_skip(c, "no address to look up: no MX address, no sending IP learnt by smtp, "
                         "no --ip");
        return;
    }
    xp_step_end(st->st_addrs, XP_ST_PASS, "%zu address(es)", st->naddrs);
    for (i = 0; i < st->nzones; i++) {
        struct zone *z = &st->zones[i];
        enum zone_state zs = judge_zone(c, z, why, sizeof(why));
        struct xp_finding *f;
        size_t zl = 0, zc = 0;

        if (zs != ZONE_OK && quiet_zones(c)) {
            /* The vantage point, not the domain: told once, below. */
            nomute[nmuted++] = z;
            xp_step_end(z->step, XP_ST_INFO, "no verdict from this resolver: %s", why);
            mute_state = mute_state == ZONE_BLOCKED ? mute_state : zs;
            continue;
        }
        if (zs != ZONE_OK) {
            char **seen = xcalloc(st->nq + 1, sizeof(char *));
            size_t n = 0;

            for (k = 0; k < st->nq; k++) {
                struct query *q = st->q[k];
                const char *a = first_a(q->res);

                if (q->zone == z)
                    seen[n++] = xasprintf("%s: %s", st->addrs[q->addr].ip,
                                          a ? a : q->res ? xp_dns_status_name(q->res->status)
                                                         : "no answer");
            }
            f = xp_finding_new(c, z->step, zs == ZONE_BLOCKED ? XP_DNSBL_QUERY_BLOCKED
                               : zs == ZONE_UNRELIABLE ? XP_DNSBL_ZONE_UNRELIABLE
                                                       : XP_DNSBL_QUERY_FAILED,
                               "%s gives no verdict: %s", z->name, why);
            xp_ev_str(f, "zone", z->name);
            xp_ev_str(f, "test_127.0.0.2", first_a(z->tp2.res) ? first_a(z->tp2.res)
                      : z->tp2.res ? xp_dns_status_name(z->tp2.res->status) : "no answer");
            xp_ev_str(f, "test_127.0.0.1", first_a(z->tp1.res) ? first_a(z->tp1.res)
                      : z->tp1.res ? xp_dns_status_name(z->tp1.res->status) : "no answer");
            xp_ev_list(f, "answers_not_trusted", seen, n);
            if (z->tp2.res && z->tp2.res->server)
                xp_ev_str(f, "resolver", z->tp2.res->server);
            if (zs == ZONE_BLOCKED)
                xp_finding_fix(f, "Query %s through your own recursive resolver (not a public "
                               "one such as 8.8.8.8), or use the list's key-based service "
                               "(Spamhaus DQS).", z->name);
            else if (st->builtin)   /* the user typed no zone name: not "check the name" */
                xp_finding_fix(f, "%s", VANTAGE_FIX);
            /* A zone the user asked for that gives no verdict: unknown
             * (SPEC), whatever the reason. */
            xp_finding_severity(f, XP_SEV_UNKNOWN);
            xp_finding_add(f);
            for (k = 0; k < n; k++)
                free(seen[k]);
            free(seen);
            xp_step_end(z->step, xp_status_of_severity(f->severity), "no verdict: %s", why);
            continue;
        }
        for (k = 0; k < st->nq; k++) {
            struct query *q = st->q[k];

            if (q->zone != z)
                continue;
            asked++;
            if (!q->res || q->res->status >= XP_DNS_SERVFAIL) {
                f = xp_finding_new(c, z->step, XP_DNSBL_QUERY_FAILED, "%s on %s: no answer "
                                   "(%s): listing unknown", st->addrs[q->addr].ip, z->name,
                                   q->res ? xp_dns_status_name(q->res->status) : "dropped");
                xp_finding_severity(f, quiet_zones(c) ? XP_SEV_INFO : XP_SEV_UNKNOWN);
                xp_ev_str(f, "address", st->addrs[q->addr].ip);
                xp_ev_str(f, "zone", z->name);
                if (q->res)
                    xp_ev_dns(f, "answer", q->res);
                xp_finding_add(f);
                continue;
            }
            if (q->res->status == XP_DNS_OK && xp_dns_count(q->res, XP_DNS_A) > 0) {
                report_listing(c, q, &st->addrs[q->addr]);
                zl++;
            } else {
                zc++;
            }
        }
        listed += zl;
        clean += zc;
        {
            /* Listings may be policy ones (warn) only. */
            const struct xp_finding *g;
            enum xp_status worst = XP_ST_PASS;

            for (g = c->findings; g; g = g->next)
                if (g->step == z->step)
                    worst = xp_status_worst(worst, xp_status_of_severity(g->severity));
            xp_step_end(z->step, worst == XP_ST_INFO ? XP_ST_PASS : worst, "test points answer "
                        "as RFC 5782 says; %zu listed, %zu not listed", zl, zc);
        }
    }
    if (nmuted) {
        report_muted(c, nomute, nmuted, mute_state, nmuted == st->nzones);
        if (nmuted == st->nzones)
            xp_check_skip(c, "the built-in block lists give no verdict from this resolver "
                             "(see the finding): name a zone with --dnsbl");
    }
    if (!listed && clean) {
        struct xp_finding *f;
        char **ips = xcalloc(st->naddrs, sizeof(char *));
        char **zones = xcalloc(st->nzones, sizeof(char *));
        size_t n = 0;

        for (i = 0; i < st->naddrs; i++)
            if (!st->addrs[i].skipped)
                ips[n++] = xasprintf("%s (%s)", st->addrs[i].ip, st->addrs[i].source);
        for (i = 0; i < st->nzones; i++)
            zones[i] = st->zones[i].name;
        f = xp_finding_new(c, NULL, XP_DNSBL_CLEAN, "Not listed: %zu answer(s) from the zones "
                           "that passed their self-test say no address is listed", clean);
        xp_ev_list(f, "addresses", ips, n);
        xp_ev_list(f, "zones", zones, st->nzones);
        xp_finding_add(f);
        for (i = 0; i < n; i++)
            free(ips[i]);
        free(ips);
        free(zones);
    }
    (void)asked;
}

static void
dnsbl_free(struct xp_check *c)
{
    struct dnsbl_state *st = c->state;
    size_t i;

    for (i = 0; i < st->nq; i++) {
        xp_dns_result_free(st->q[i]->res);
        xp_dns_result_free(st->q[i]->txt);
        free(st->q[i]);
    }
    free(st->q);
    for (i = 0; i < st->nzones; i++) {
        xp_dns_result_free(st->zones[i].tp2.res);
        xp_dns_result_free(st->zones[i].tp1.res);
        xp_dns_result_free(st->zones[i].tp2.txt);
        xp_dns_result_free(st->zones[i].tp1.txt);
    }
    for (i = 0; i < st->nmxq; i++)
        xp_dns_result_free(st->mxq[i].res);
    xp_dns_result_free(st->mx);
    free(st);
    c->state = NULL;
}

const struct xp_check_ops xp_check_dnsbl = {
    .id = "dnsbl",
    .title = "DNS block lists and the connector IP list",
    .help = "the sending IP (learned by smtp, or --ip) and the MX addresses on DNS\n"
            "block lists (--dnsbl), with return codes and TXT reasons; the\n"
            "inbound connector's IP list (--expect connector_ips=)",
    .after = after,
    .judge_after = 1,         /* a sending IP is looked up once an EHLO reply told it */
    .start = dnsbl_start,
    .judge = dnsbl_judge,
    .free_state = dnsbl_free,
    .facts_grew = dnsbl_take,
};
