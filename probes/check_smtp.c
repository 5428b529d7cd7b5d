/*
 * check_smtp.c — the `smtp` check (domain.md §4, §8.4): every MX of the
 * domain in preference order (or its A record when there is no MX), and
 * the SMTP endpoints named with --hosts HOST:25/587, each address (A and
 * AAAA) in its own session, all concurrently: banner, EHLO, STARTTLS, the
 * TLS handshake, EHLO again, QUIT (xp_smtp.h; it sends no mail).
 *
 * Judgement per session: firewall ESMTP inspection, replies that refuse
 * us, missing or failing STARTTLS, TLS demanded in clear, old TLS,
 * timeouts by stage, malformed or flooding replies; across sessions:
 * port 25 unreachable everywhere means outbound 25 is probably blocked
 * here. The certificate met after STARTTLS goes to the facts for `cert`,
 * the address the servers saw us as for `dnsbl`.
 */
#define _GNU_SOURCE
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_m365.h"
#include "xp_exo.h"
#include "xp_expect.h"
#include "xp_facts.h"
#include "xp_options.h"
#include "xp_smtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HOSTS 16          /* MX hosts plus --hosts endpoints */
#define MAX_ADDRS 4           /* addresses per host and family */
#define MAX_SESSIONS 64
#define SMTP_MEMOS 64         /* finished sessions a run keeps to share */

struct host;

/* One address question of a host (A or AAAA). */
struct addrq {
    struct host *host;
    int type;
    struct xp_dns_result *res;
};

struct host {
    char name[256];
    unsigned pref;
    int port;
    const char *kind;         /* "MX", "implicit MX", "--hosts" */
    struct xp_step *step;
    struct addrq a, aaaa;
    int naddrs;
};

struct sess {
    struct host *host;
    char ip[64];
    struct xp_step *step;
    struct xp_smtp_conn *conn;
    int done;
    int shared;               /* read from the run's kept session (smtp_memo) */
    int transcript_given;     /* a finding of this session carries it */
};

struct smtp_state {
    struct xp_step *st_mx;
    struct xp_dns_result *mx;
    int mx_missing, null_mx;
    struct host hosts[MAX_HOSTS];
    size_t nhosts;
    struct sess sess[MAX_SESSIONS];
    size_t nsess;
};

/* ---- helpers ---- */

/* Exchange Online's MX (either family, include/xp_exo.h): Microsoft's
 * hosts, never judged against the customer's connector. */
static int
is_exo(const struct xp_check *c, const char *host)
{
    return xp_exo_mx_is_exo(host, xp_check_expect(c)->mx_suffix);
}

/* A reply as the wire had it, one list item per line. */
static void
ev_reply(struct xp_finding *f, const char *key, const struct xp_smtp_reply *r)
{
    char **lines = xcalloc(r->nlines + 1, sizeof(char *));
    size_t i;

    for (i = 0; i < r->nlines; i++)
        lines[i] = xasprintf("%03d%c%s", r->code, i + 1 < r->nlines ? '-' : ' ', r->lines[i]);
    xp_ev_list(f, key, lines, r->nlines);
    for (i = 0; i < r->nlines; i++)
        free(lines[i]);
    free(lines);
}

/* Common evidence of a session's finding; the first one gets the transcript. */
static void
ev_session(struct xp_finding *f, struct sess *s)
{
    size_t n;
    char *const *lines = xp_smtp_conn_transcript(s->conn, &n);
    int64_t banner = xp_smtp_conn_ms(s->conn, XP_SMTP_MS_BANNER);

    xp_ev_str(f, "host", s->host->name);
    xp_ev_int(f, "port", s->host->port);
    xp_finding_about(f, xp_exo_about_endpoint(s->host->name, s->host->port));
    xp_ev_str(f, "address", s->ip);
    if (banner >= 0)
        xp_ev_int(f, "banner_ms", banner);
    if (!s->transcript_given) {
        xp_ev_list(f, "transcript", lines, n);
        lines = xp_smtp_conn_transcript_times(s->conn, &n);
        xp_ev_list(f, "transcript_ms", lines, n);
        s->transcript_given = 1;
    }
}

static struct xp_finding *
session_finding(struct xp_check *c, struct sess *s, enum xp_code code, const char *fmt, ...)
    XP_PRINTF(4, 5);

static struct xp_finding *
session_finding(struct xp_check *c, struct sess *s, enum xp_code code, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    struct xp_finding *f;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    f = xp_finding_new(c, s->step, code, "%s:%d (%s): %s", s->host->name, s->host->port, s->ip,
                       msg);
    free(msg);
    return f;
}

/* Does the leaf certificate carry the connector's TlsCertificateName? */
static int
cert_has_name(X509 *leaf, const char *want, char *shown, size_t len)
{
    char name[256];
    const char *s = want, *cn;
    size_t n, i;
    char **names;
    int found = 0, cn_only;

    /* "<I>CN=issuer<S>CN=mail.contoso.com, O=...": the subject's CN */
    if (strncmp(want, "<I>", 3) == 0 && (s = strstr(want, "<S>"))) {
        s += 3;
        cn = strstr(s, "CN=");
        if (!cn)
            return 0;
        s = cn + 3;
    }
    n = strcspn(s, ",");
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    memcpy(name, s, n);
    name[n] = '\0';
    while (n > 0 && name[n - 1] == ' ')
        name[--n] = '\0';
    snprintf(shown, len, "%s", name);
    if (name[0] == '*' && name[1] == '.') {
        /* A wildcard name is one the certificate must carry as such. */
        names = xp_cert_names(leaf, &n);
        for (i = 0; i < n; i++) {
            const char *v = strncmp(names[i], "CN=", 3) == 0 ? names[i] + 3 : names[i];

            if (strcasecmp(v, name) == 0)
                found = 1;
        }
        xp_strv_free(names, n);
        return found;
    }
    return xp_cert_host_matches(leaf, name, &cn_only);
}

/* ---- one session's verdict: one function per aspect ---- */

/* What the aspects of one session's verdict share. */
struct verdict {
    struct xp_check *c;
    struct sess *s;
    const struct xp_smtp_client *cl;
    const struct xp_tls_info *tls;
    const struct xp_expect *ex;
    enum xp_smtp_end end;
    int starttls_offered;
    int inspection;           /* a firewall rewrites the dialogue: STARTTLS is moot */
    int problems;             /* findings other than SMTP_OK so far */
};

/* Add a finding that is a problem (it keeps SMTP_OK away). */
static void
problem(struct verdict *v, struct xp_finding *f)
{
    v->problems++;
    xp_finding_add(f);
}

static const char *
first_line(const struct xp_smtp_reply *r)
{
    return r->nlines ? r->lines[0] : "";
}

/* Banner: the greeting line and how long it took. */
static void
aspect_banner(struct verdict *v)
{
    int64_t banner_ms = xp_smtp_conn_ms(v->s->conn, XP_SMTP_MS_BANNER);

    if (v->cl->banner.nlines)
        xp_step_note(v->s->step, "banner: %03d %s", v->cl->banner.code, v->cl->banner.lines[0]);
    if (banner_ms >= 1000)
        xp_step_note(v->s->step, "greeting delay: the banner came %lld ms after connecting "
                     "(postscreen / tarpit style); the server is alive", (long long)banner_ms);
}

/* EHLO: the extensions offered (or HELO after a refused EHLO). */
static void
aspect_ehlo(struct verdict *v)
{
    const struct xp_smtp_client *cl = v->cl;
    char ext[XP_SMTP_EXT_NAMES_LEN];

    if (cl->ehlo.code / 100 == 2)
        xp_step_note(v->s->step, "EHLO: %s", xp_smtp_ext_names(cl->ext, ext, sizeof(ext))[0]
                     ? ext : "(no known extension)");
    else if (cl->helo.code)
        xp_step_note(v->s->step, "EHLO refused (%03d), HELO answered %03d", cl->ehlo.code,
                     cl->helo.code);
}

/* TLS: the session's parameters, the extensions after TLS, and the
 * certificate for `cert` (facts). */
static void
aspect_tls_notes(struct verdict *v)
{
    const struct xp_smtp_client *cl = v->cl;
    unsigned lost = cl->ext & ~cl->ext_tls & ~(unsigned)XP_SMTP_EXT_STARTTLS;
    unsigned gained = cl->ext_tls & ~cl->ext;
    char after[XP_SMTP_EXT_NAMES_LEN], new[XP_SMTP_EXT_NAMES_LEN], gone[XP_SMTP_EXT_NAMES_LEN];
    char source[64];

    if (!v->tls->handshake_ok)
        return;
    xp_step_note(v->s->step, "TLS: %s, %s", v->tls->protocol, v->tls->cipher);
    if (cl->ehlo_tls.code / 100 == 2)
        /* One buffer per list: they are all arguments of one call. */
        xp_step_note(v->s->step, "EHLO after TLS: %s%s%s%s%s",
                     xp_smtp_ext_names(cl->ext_tls, after, sizeof(after)),
                     gained ? "; new: " : "", xp_smtp_ext_names(gained, new, sizeof(new)),
                     lost ? "; gone: " : "", xp_smtp_ext_names(lost, gone, sizeof(gone)));
    snprintf(source, sizeof(source), "smtp %.11s %.45s", v->s->host->kind, v->s->host->name);
    xp_facts_add_tls(xp_check_facts(v->c), source, 0, v->tls);
}

/* The client's address as the server saw it, for `dnsbl` (facts): as
 * soon as the EHLO reply tells it (on_ehlo: dnsbl starts on it while the
 * session goes on), and again when the session is judged (a HELO reply,
 * a shared session); the first source is kept. */
static void
publish_client_ip(struct xp_check *c, const struct sess *s, const char *ip)
{
    char source[160];

    snprintf(source, sizeof(source), "EHLO reply of %.90s (%.46s)", s->host->name, s->ip);
    xp_facts_add_client_ip(xp_check_facts(c), ip, source);
    xp_check_facts_grew(c);
}

static void
aspect_client_ip(struct verdict *v)
{
    if (!v->cl->client_ip[0])
        return;
    xp_step_note(v->s->step, "the server saw this client as %s", v->cl->client_ip);
    publish_client_ip(v->c, v->s, v->cl->client_ip);
}

/* Firewall ESMTP inspection (domain.md §4.4) in banner, EHLO and STARTTLS:
 * each sign, with its line. */
static void
aspect_inspection(struct verdict *v)
{
    const struct xp_smtp_client *cl = v->cl;
    int ehlo_refused = cl->ehlo.code >= 500 && cl->helo.code != 0;
    struct xp_finding *f;
    char *signs[4];
    size_t nsigns = 0, i;

    if (cl->banner.nlines && xp_smtp_banner_masked(cl->banner.lines[0]))
        signs[nsigns++] = xasprintf("banner masked with asterisks: %03d %s", cl->banner.code,
                                    cl->banner.lines[0]);
    if (ehlo_refused && xp_smtp_unrecognized(&cl->ehlo))
        signs[nsigns++] = xasprintf("EHLO answered %03d %s, HELO answered %03d", cl->ehlo.code,
                                    first_line(&cl->ehlo), cl->helo.code);
    if (cl->masked[0])
        signs[nsigns++] = xasprintf("EHLO keyword %s where STARTTLS would be (rewritten)",
                                    cl->masked);
    if (v->starttls_offered && cl->starttls.code && xp_smtp_unrecognized(&cl->starttls))
        signs[nsigns++] = xasprintf("STARTTLS offered, but answered %03d %s", cl->starttls.code,
                                    first_line(&cl->starttls));
    if (!nsigns)
        return;
    v->inspection = 1;
    f = session_finding(v->c, v->s, XP_SMTP_ESMTP_INSPECTION, "something between us and the "
                        "server rewrites the SMTP dialogue (firewall ESMTP inspection): %s",
                        signs[0]);
    xp_ev_list(f, "signs", signs, nsigns);
    ev_session(f, v->s);
    xp_finding_fix(f, "Turn off SMTP/ESMTP inspection on the firewall in front of %s "
                   "(Cisco PIX 'no fixup protocol smtp 25', ASA 'no inspect esmtp' in the "
                   "global policy), or allow ESMTP and STARTTLS through it; until then no "
                   "TLS can be negotiated.", v->s->host->name);
    problem(v, f);
    for (i = 0; i < nsigns; i++)
        free(signs[i]);
}

/* A session that stopped waiting: which stage, and what that suggests. */
static void
end_timeout(struct verdict *v, enum xp_smtp_stage stage, const char *err)
{
    struct xp_finding *f = session_finding(v->c, v->s, XP_SMTP_TIMEOUT, "%s", err);

    xp_ev_str(f, "stage", xp_smtp_stage_name(stage));
    xp_ev_int(f, "timeout_ms", xp_check_params(v->c)->timeout_ms);
    xp_ev_int(f, "bytes_received", (long long)xp_smtp_conn_bytes(v->s->conn));
    ev_session(f, v->s);
    if (stage == XP_SMTP_ST_BANNER && xp_smtp_conn_bytes(v->s->conn) == 0)
        xp_finding_fix(f, "TCP connected, so something listens, but no banner came within "
                       "--timeout: a filtering device or proxy holding the connection, a "
                       "hung mail service, or a greeting delay (postscreen, tarpit) longer "
                       "than the timeout — retry with a larger --timeout to tell them "
                       "apart.");
    else if (stage == XP_SMTP_ST_TLS)
        xp_finding_fix(f, "The server accepted STARTTLS but did not complete the TLS "
                       "handshake: check its certificate and TLS configuration.");
    else
        xp_finding_fix(f, "The server answered too slowly at this stage; find what delays "
                       "it (overload, reverse-DNS lookups, a tarpit, a filtering device).");
    problem(v, f);
}

/* A session broken by the other side: malformed replies, or plain text
 * injected after STARTTLS. */
static void
end_protocol(struct verdict *v, enum xp_smtp_stage stage, const char *err)
{
    struct xp_finding *f = session_finding(v->c, v->s, XP_SMTP_PROTOCOL_ERROR, "%s", err);

    xp_ev_str(f, "stage", xp_smtp_stage_name(stage));
    xp_ev_int(f, "bytes_received", (long long)xp_smtp_conn_bytes(v->s->conn));
    if (xp_smtp_conn_parser(v->s->conn)->errline[0])
        xp_ev_str(f, "line", xp_smtp_conn_parser(v->s->conn)->errline);
    if (xp_smtp_conn_trailing(v->s->conn)) {
        xp_ev_int(f, "trailing_bytes", (long long)xp_smtp_conn_trailing(v->s->conn));
        xp_finding_fix(f, "Plain text followed the server's 220 to STARTTLS: something "
                       "in the path injects data into SMTP sessions (a man in the middle, "
                       "or a broken proxy); find it before trusting this path with TLS.");
    } else {
        xp_finding_fix(f, "What answers on port %d does not speak SMTP correctly: find "
                       "the device or service behind %s.", v->s->host->port, v->s->ip);
    }
    ev_session(f, v->s);
    problem(v, f);
}

/* How the session ended (a complete dialogue ends with none of these). */
static void
aspect_end(struct verdict *v)
{
    enum xp_smtp_stage stage = xp_smtp_conn_stage(v->s->conn);
    const char *err = xp_smtp_conn_error(v->s->conn);
    struct xp_finding *f;

    switch (v->end) {
    case XP_SMTP_END_TIMEOUT:
        end_timeout(v, stage, err);
        break;
    case XP_SMTP_END_CLOSED:
        f = session_finding(v->c, v->s, XP_SMTP_PROTOCOL_ERROR, "%s", err);
        xp_ev_str(f, "stage", xp_smtp_stage_name(stage));
        ev_session(f, v->s);
        xp_finding_fix(f, "The server dropped the session without a reply: look at its logs "
                       "(connection limits, block lists, crashes) or at a device in between.");
        problem(v, f);
        break;
    case XP_SMTP_END_PROTOCOL:
        end_protocol(v, stage, err);
        break;
    case XP_SMTP_END_TLS:
        f = session_finding(v->c, v->s, XP_SMTP_STARTTLS_FAILED, "the TLS handshake after "
                            "STARTTLS failed: %s", err);
        xp_ev_str(f, "error", err);
        ev_session(f, v->s);
        xp_finding_fix(f, "Check the certificate bound to SMTP on %s (present, with its key "
                       "and chain) and that TLS 1.2 is enabled; Office 365 needs a working "
                       "STARTTLS for hybrid mail flow.", v->s->host->name);
        problem(v, f);
        break;
    case XP_SMTP_END_IO:
        f = session_finding(v->c, v->s, XP_SMTP_CONNECT_FAILED, "connection lost: %s", err);
        xp_ev_str(f, "stage", xp_smtp_stage_name(stage));
        ev_session(f, v->s);
        problem(v, f);
        break;
    default:
        break;
    }
}

/* A reply that refused us, verbatim. */
static void
aspect_rejection(struct verdict *v)
{
    const struct xp_smtp_reply *r = v->cl->rejected;
    const char *stage = xp_smtp_stage_name(v->cl->rejected_at);
    struct xp_finding *f;

    if (!r)
        return;
    if (xp_smtp_tls_required(r)) {
        f = session_finding(v->c, v->s, XP_SMTP_TLS_REQUIRED, "the %s demands TLS: %03d %s",
                            stage, r->code, first_line(r));
        xp_finding_severity(f, XP_SEV_FAIL);
    } else {
        f = session_finding(v->c, v->s, XP_SMTP_REJECTED, "the server refused us at the %s: "
                            "%03d %s", stage, r->code, first_line(r));
        if (r->code / 100 == 4)
            xp_finding_severity(f, XP_SEV_WARN);
        if (strstr(first_line(r), "5.7.606") || strcasestr(first_line(r), "block"))
            xp_finding_fix(f, "The server refuses this sending IP: look it up on the block "
                           "lists (dnsbl check) and ask for delisting (Office 365: "
                           "sender.office.com).");
    }
    ev_reply(f, "reply", r);
    ev_session(f, v->s);
    problem(v, f);
}

/* STARTTLS not offered: mail travels in clear. */
static void
starttls_missing(struct verdict *v)
{
    const struct xp_smtp_client *cl = v->cl;
    const char *ip = cl->client_ip[0] ? cl->client_ip : NULL;
    char ext[XP_SMTP_EXT_NAMES_LEN];
    struct xp_finding *f;

    f = session_finding(v->c, v->s, XP_SMTP_NO_STARTTLS, "STARTTLS is not offered in the EHLO "
                        "reply, so mail to this host travels in clear");
    if (is_exo(v->c, v->s->host->name) || v->ex->deployment == XP_DEPLOY_HYBRID ||
        v->ex->deployment == XP_DEPLOY_CLOUD)
        xp_finding_severity(f, XP_SEV_FAIL);
    else
        xp_finding_severity(f, XP_SEV_WARN);
    xp_ev_str(f, "extensions", xp_smtp_ext_names(cl->ext, ext, sizeof(ext)));
    ev_reply(f, "ehlo_reply", &cl->ehlo);
    xp_ev_str(f, "related", "dnsbl check: Office 365 hides STARTTLS from sending IPs on "
              "its block lists");
    xp_finding_fix(f, "Enable STARTTLS on the receive connector with a valid certificate "
                   "for %s (Exchange silently stops offering STARTTLS when the bound "
                   "certificate or its chain is broken). If this is Office 365, it hides "
                   "STARTTLS from blacklisted senders: see the dnsbl result for %s.",
                   v->s->host->name, ip ? ip : "this client's IP");
    ev_session(f, v->s);
    problem(v, f);
}

/* MAIL FROM:<> sent in clear (STARTTLS not offered): does it demand TLS? */
static void
starttls_mail_probe(struct verdict *v)
{
    const struct xp_smtp_reply *mail = &v->cl->mail;
    struct xp_finding *f;

    if (!mail->code)
        return;
    if (!xp_smtp_tls_required(mail)) {
        if (mail->code / 100 == 2)
            xp_step_note(v->s->step, "MAIL FROM:<> accepted without TLS (then QUIT; no mail "
                         "sent)");
        return;
    }
    f = session_finding(v->c, v->s, XP_SMTP_TLS_REQUIRED, "the server demands TLS (%03d %s) "
                        "but does not offer STARTTLS: no sender can deliver",
                        mail->code, first_line(mail));
    xp_finding_severity(f, XP_SEV_FAIL);
    ev_reply(f, "mail_from_reply", mail);
    xp_ev_str(f, "probe", "MAIL FROM:<> sent without TLS, then QUIT (no mail sent)");
    xp_finding_fix(f, "The receive connector requires TLS, yet STARTTLS is not "
                   "advertised: the certificate bound to SMTP on %s is missing, "
                   "expired or has a broken chain (Exchange then stops offering "
                   "STARTTLS), or a firewall strips it. Senders such as Office 365 "
                   "queue with '451 5.7.3 Must issue a STARTTLS command first'.",
                   v->s->host->name);
    ev_session(f, v->s);
    problem(v, f);
}

/* A reply to STARTTLS or to EHLO over TLS that refused. */
static void
starttls_refused(struct verdict *v, const struct xp_smtp_reply *r, const char *what)
{
    struct xp_finding *f = session_finding(v->c, v->s, XP_SMTP_STARTTLS_FAILED, "%s: %03d %s",
                                           what, r->code, first_line(r));

    ev_reply(f, "reply", r);
    ev_session(f, v->s);
    problem(v, f);
}

/* STARTTLS: offered, accepted, demanded; EHLO again over TLS. */
static void
aspect_starttls(struct verdict *v)
{
    const struct xp_smtp_client *cl = v->cl;

    if (cl->ehlo.code / 100 == 2 && !v->starttls_offered && !v->inspection)
        starttls_missing(v);
    if (v->starttls_offered && cl->starttls.code && cl->starttls.code != 220 && !v->inspection)
        starttls_refused(v, &cl->starttls, "STARTTLS is offered but refused");
    starttls_mail_probe(v);
    if (cl->tls_ok && cl->ehlo_tls.code && cl->ehlo_tls.code / 100 != 2)
        starttls_refused(v, &cl->ehlo_tls, "EHLO over TLS refused");
}

/* TLS: the version negotiated, judged by cert.c's one protocol table. */
static void
aspect_tls_version(struct verdict *v)
{
    const struct xp_tls_info *tls = v->tls;
    const struct xp_cert_rule *pr;
    struct xp_finding *f;

    if (!tls->handshake_ok || !(pr = xp_tls_protocol_rule(tls->protocol)))
        return;
    f = session_finding(v->c, v->s, XP_SMTP_TLS_OLD_PROTOCOL, "the best TLS version the "
                        "server speaks is %s", tls->protocol);
    xp_finding_severity(f, pr->severity);
    xp_ev_str(f, "protocol", tls->protocol);
    xp_ev_str(f, "rule", pr->id);
    xp_ev_str(f, "clients", pr->clients);
    xp_ev_str(f, "cipher", tls->cipher);
    xp_finding_fix(f, "Enable TLS 1.2 on %s (Windows: SCHANNEL Protocols\\TLS 1.2\\"
                   "Server and Client, Enabled=1, DisabledByDefault=0); Office 365 "
                   "refuses TLS 1.0/1.1 and mail queues with 451 5.7.3 or 421 4.4.2.",
                   v->s->host->name);
    ev_session(f, v->s);
    problem(v, f);
}

/*
 * What the next renewal must keep for the connector to go on matching, and
 * the trap of the "<I>issuer<S>subject" form: Exchange matches the issuer
 * too, and some CAs issue from several intermediates in turn.
 */
static void
connector_renewal(struct verdict *v, X509 *leaf, const char *name)
{
    const X509_NAME *iss = X509_get_issuer_name(leaf);
    char want_iss[512], want_sub[512], *shown;
    const char *family;
    struct xp_finding *f;

    if (!xp_connector_name_split(v->ex->tls_cert_name, want_iss, sizeof(want_iss), want_sub,
                                 sizeof(want_sub))) {
        xp_step_note(v->s->step, "the next renewal must keep %s among the certificate's names",
                     name);
        return;
    }
    shown = xp_cert_name_text(iss);
    if (!xp_cert_x500_match(iss, want_iss)) {
        f = session_finding(v->c, v->s, XP_CONNECTOR_CERT_MISMATCH, "the certificate's "
                            "issuer is %s, but the connector's TlsCertificateName names the "
                            "issuer %s: Exchange matches issuer and subject, so it does not "
                            "find this certificate (454 4.7.5)", shown, want_iss);
        xp_ev_str(f, "expected", v->ex->tls_cert_name);
        xp_ev_str(f, "expected_issuer", want_iss);
        xp_ev_str(f, "issuer", shown);
        ev_session(f, v->s);
        problem(v, f);
    } else if ((family = xp_cert_rotating_issuer(iss)) != NULL) {
        f = session_finding(v->c, v->s, XP_CONNECTOR_CERT_RENEWAL, "the connector's "
                            "TlsCertificateName pins the issuer %s, one of the intermediates "
                            "of %s: a renewal from another one stops the connector matching",
                            shown, family);
        xp_ev_str(f, "expected", v->ex->tls_cert_name);
        xp_ev_str(f, "issuer", shown);
        xp_ev_str(f, "ca_rotates", family);
        xp_finding_fix(f, "Set the connector's TlsCertificateName to %s (the plain form "
                          "matches whatever intermediate issued the certificate), or update "
                          "it after every renewal.", name);
        ev_session(f, v->s);
        problem(v, f);
    } else {
        xp_step_note(v->s->step, "the next renewal must keep issuer %s and subject %s "
                     "exactly (the connector names both)", want_iss, want_sub);
    }
    free(shown);
}

/* Certificate use: does it carry the connector's TlsCertificateName?
 * (Its validity is cert's verdict.) */
static void
aspect_cert_use(struct verdict *v)
{
    const struct xp_tls_info *tls = v->tls;
    X509 *leaf = tls->chain && sk_X509_num(tls->chain) > 0 ? sk_X509_value(tls->chain, 0) : NULL;
    struct xp_finding *f;
    char shown[256];
    char **names;
    size_t n;

    if (!tls->handshake_ok || !v->ex->tls_cert_name || !leaf || is_exo(v->c, v->s->host->name))
        return;
    if (cert_has_name(leaf, v->ex->tls_cert_name, shown, sizeof(shown))) {
        xp_step_note(v->s->step, "certificate carries the connector name %s", shown);
        connector_renewal(v, leaf, shown);
        return;
    }
    names = xp_cert_names(leaf, &n);
    f = session_finding(v->c, v->s, XP_CONNECTOR_CERT_MISMATCH, "the certificate does "
                        "not carry the connector's TlsCertificateName %s", shown);
    xp_ev_str(f, "expected", v->ex->tls_cert_name);
    xp_ev_list(f, "names", names, n);
    xp_strv_free(names, n);
    ev_session(f, v->s);
    problem(v, f);
}

/*
 * Certificate validity where it is used (SPEC): a warning (most senders
 * deliver anyway, opportunistic TLS), a failure when the connector demands
 * it (tls_cert_name) or the deployment is hybrid (--expect or --preflight),
 * where Exchange Online's connector to this on-premises host validates it.
 * Exchange Online's own hosts are Microsoft's. The TLS version is left to
 * aspect_tls_version (one cause, one finding).
 */
static void
aspect_cert_verdict(struct verdict *v)
{
    int hybrid = v->ex->deployment == XP_DEPLOY_HYBRID || xp_check_options(v->c)->preflight;
    int strict = v->ex->tls_cert_name || hybrid;
    struct xp_cert_verdict cv;
    struct xp_finding *f;

    if (!v->tls->handshake_ok || !v->tls->chain || is_exo(v->c, v->s->host->name))
        return;
    xp_check_cert_verdict(v->c, v->tls, 0, 1, &cv);
    if (cv.severity != XP_SEV_FAIL)
        return;
    f = session_finding(v->c, v->s, XP_SMTP_CERT_INVALID, "a sender validating the STARTTLS "
                        "certificate refuses it: %s", cv.reason);
    xp_finding_severity(f, strict ? XP_SEV_FAIL : XP_SEV_WARN);
    xp_ev_str(f, "certificate_problem", xp_code_info(cv.code)->name);
    if (strict)
        xp_ev_str(f, "why_fail", v->ex->tls_cert_name ? "the connector's TlsCertificateName "
                  "is expected (--expect tls_cert_name)" : "hybrid: Exchange Online's "
                  "connector to this host validates the certificate");
    xp_finding_fix(f, "Bind a certificate for %s from a public CA, intermediates included, to "
                   "the SMTP service (Enable-ExchangeCertificate -Services SMTP); the cert "
                   "check's %s finding for it says what is wrong with this one.",
                   v->s->host->name, xp_code_info(cv.code)->name);
    ev_session(f, v->s);
    problem(v, f);
}

/* No problem found: the session is a pass, with what was offered. */
static void
aspect_ok(struct verdict *v)
{
    const struct xp_smtp_client *cl = v->cl;
    char ext[XP_SMTP_EXT_NAMES_LEN], ext_tls[XP_SMTP_EXT_NAMES_LEN];
    struct xp_finding *f;

    if (v->problems || v->end == XP_SMTP_END_CONNECT)
        return;
    if (v->tls->handshake_ok)
        f = session_finding(v->c, v->s, XP_SMTP_OK, "accepts mail over STARTTLS (%s, %s)",
                            v->tls->protocol, v->tls->cipher);
    else
        f = session_finding(v->c, v->s, XP_SMTP_OK, "answers SMTP");
    xp_ev_str(f, "extensions", xp_smtp_ext_names(cl->ext, ext, sizeof(ext)));
    if (cl->tls_ok)
        xp_ev_str(f, "extensions_after_tls",
                  xp_smtp_ext_names(cl->ext_tls, ext_tls, sizeof(ext_tls)));
    ev_session(f, v->s);
    xp_finding_add(f);
}

/*
 * The aspects of a session's verdict, in the order their notes and
 * findings appear. A new aspect (DANE, ...) is one function and one row;
 * rows after aspect_inspection may read v->inspection, aspect_ok must stay
 * last (it reports a pass only when no row found a problem).
 */
static void (*const aspects[])(struct verdict *) = {
    aspect_banner,
    aspect_ehlo,
    aspect_tls_notes,
    aspect_client_ip,
    aspect_inspection,
    aspect_end,
    aspect_rejection,
    aspect_starttls,
    aspect_tls_version,
    aspect_cert_verdict,
    aspect_cert_use,
    aspect_ok,
};

/* ---- sessions ---- */

/*
 * A session belongs to the MX host and address, not to the domain: it
 * sends nothing of the domain's (EHLO with our name, STARTTLS, EHLO, and
 * MAIL FROM:<> only without TLS; never a recipient). A run keeps the
 * sessions that reached QUIT (the smtp check's run state) and a later
 * target meeting the same host, address and port reads the same one, as
 * if it had talked itself: a thousand domains of one hoster cost a session
 * per MX address, not a thousand (issue 17), and their `dnsbl` learns the
 * client IP at once. A session that failed (connect, timeout, TLS, a
 * server that hung up) is not kept: each domain's own attempt says what
 * it met. Every kept session's step says so (last), the first one's too,
 * so reports do not depend on which domain talked first. A rerun talks
 * again.
 */
struct smtp_memo {
    char key[340];
    struct xp_smtp_conn *conn;
};

struct smtp_run {
    struct smtp_memo memos[SMTP_MEMOS];   /* a ring: the oldest is replaced */
    size_t n;
};

static void
smtp_run_free(void *arg)
{
    struct smtp_run *r = arg;
    size_t i;

    for (i = 0; i < SMTP_MEMOS; i++)
        xp_smtp_conn_free(r->memos[i].conn);
    free(r);
}

static struct smtp_run *
smtp_run(struct xp_check *c)
{
    struct smtp_run *r = xp_check_run_state(c);

    if (!r) {
        r = xcalloc(1, sizeof(*r));
        xp_check_set_run_state(c, r, smtp_run_free);
    }
    return r;
}

static void
memo_key(const struct host *h, const char *ip, char *key, size_t len)
{
    snprintf(key, len, "%s|%s|%d", h->name, ip, h->port);
}

static struct smtp_memo *
memo_find(struct smtp_run *r, const char *key)
{
    size_t i, n = r->n < SMTP_MEMOS ? r->n : SMTP_MEMOS;

    for (i = 0; i < n; i++)
        if (strcasecmp(r->memos[i].key, key) == 0)
            return &r->memos[i];
    return NULL;
}

static void
memo_keep(struct xp_check *c, struct sess *s)
{
    struct smtp_run *r = smtp_run(c);
    struct smtp_memo *m;
    char key[sizeof(m->key)];

    memo_key(s->host, s->ip, key, sizeof(key));
    m = memo_find(r, key);
    if (!m)
        m = &r->memos[r->n++ % SMTP_MEMOS];
    xp_smtp_conn_free(m->conn);
    snprintf(m->key, sizeof(m->key), "%s", key);
    m->conn = xp_smtp_conn_ref(s->conn);
}

static void
on_session(struct xp_check *c, struct xp_smtp_conn *conn, void *arg)
{
    struct sess *s = arg;
    const struct xp_smtp_client *cl = xp_smtp_conn_client(conn);
    struct verdict v = {
        .c = c, .s = s, .cl = cl, .tls = xp_smtp_conn_tls(conn), .ex = xp_check_expect(c),
        .end = xp_smtp_conn_end(conn),
        .starttls_offered = (cl->ext & XP_SMTP_EXT_STARTTLS) != 0,
    };
    const struct xp_finding *g;
    enum xp_status st = XP_ST_PASS;
    size_t i;

    s->done = 1;
    if (v.end == XP_SMTP_END_CONNECT) {
        xp_step_end(s->step, XP_ST_FAIL, "%s", xp_smtp_conn_error(conn));
        return;   /* judged with the others: is port 25 blocked from here? */
    }
    for (i = 0; i < XP_ARRAY_LEN(aspects); i++)
        aspects[i](&v);
    for (g = c->findings; g; g = g->next)
        if (g->step == s->step)
            st = xp_status_worst(st, xp_status_of_severity(g->severity));
    if (st == XP_ST_INFO)
        st = XP_ST_PASS;
    xp_step_end(s->step, st, NULL);
    if (v.end != XP_SMTP_END_OK)
        return;
    /* Last, so a failing step's first line stays its problem. */
    xp_step_note(s->step, "a session that reached QUIT is kept for the run: every domain "
                 "meeting this host and address reads it");
    if (!s->shared)
        memo_keep(c, s);
}

static void
on_ehlo(struct xp_check *c, struct xp_smtp_conn *conn, void *arg)
{
    const char *ip = xp_smtp_conn_client(conn)->client_ip;

    if (ip[0])
        publish_client_ip(c, arg, ip);
}

static void
start_session(struct xp_check *c, struct host *h, const char *ip)
{
    struct smtp_state *st = c->state;
    const struct xp_params *prm = xp_check_params(c);
    struct xp_smtp_conn_params p = {
        .host = h->name, .ip = ip, .port = h->port, .timeout_ms = prm->timeout_ms,
        .probe_mail = 1, .lim = prm->smtp,
    };
    struct smtp_memo *m;
    struct sess *s;
    char key[sizeof(m->key)];

    if (st->nsess == MAX_SESSIONS)
        return;
    s = &st->sess[st->nsess++];
    s->host = h;
    snprintf(s->ip, sizeof(s->ip), "%s", ip);
    s->step = xp_step_begin(c, h->step, "SMTP %s:%d (%s)", h->name, h->port, ip);
    h->naddrs++;
    memo_key(h, ip, key, sizeof(key));
    if (c->generation == 0 && (m = memo_find(smtp_run(c), key))) {
        s->conn = xp_smtp_conn_ref(m->conn);
        s->shared = 1;
        on_session(c, s->conn, s);   /* from a DNS answer's callback: as a session would */
        return;
    }
    s->conn = xp_smtp_conn_new(&p);
    xp_smtp_conn_on_ehlo(s->conn, on_ehlo);
    xp_smtp_conn_start(c, s->conn, on_session, s);
}

static void
on_addr(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct addrq *q = arg;
    size_t i;
    int n = 0;

    q->res = xp_dns_result_dup(res);
    xp_check_dns_step(c, q->host->step, res);
    for (i = 0; i < res->nrr && n < MAX_ADDRS; i++) {
        if (res->rr[i].type != q->type)
            continue;
        start_session(c, q->host, res->rr[i].addr);
        n++;
    }
}

static struct host *
add_host(struct xp_check *c, const char *name, unsigned pref, int port, const char *kind)
{
    struct smtp_state *st = c->state;
    struct host *h;

    if (st->nhosts == MAX_HOSTS)
        return NULL;
    h = &st->hosts[st->nhosts++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    h->pref = pref;
    h->port = port;
    h->kind = kind;
    h->a.host = h->aaaa.host = h;
    h->a.type = XP_DNS_A;
    h->aaaa.type = XP_DNS_AAAA;
    if (strcmp(kind, "MX") == 0)
        h->step = xp_step_begin(c, NULL, "MX %u %s", pref, name);
    else if (strcmp(kind, "implicit MX") == 0)
        h->step = xp_step_begin(c, NULL, "%s (no MX: implicit MX, the A/AAAA fallback)", name);
    else
        h->step = xp_step_begin(c, NULL, "%s:%d (--hosts)", name, port);
    if (xp_is_ip(name)) {
        start_session(c, h, name);
    } else {
        xp_check_dns(c, name, XP_DNS_A, on_addr, &h->a);
        xp_check_dns(c, name, XP_DNS_AAAA, on_addr, &h->aaaa);
    }
    return h;
}

static int
by_pref(const void *a, const void *b)
{
    const struct xp_dns_rr *x = *(const struct xp_dns_rr *const *)a;
    const struct xp_dns_rr *y = *(const struct xp_dns_rr *const *)b;

    if (x->pref != y->pref)
        return x->pref < y->pref ? -1 : 1;
    return x < y ? -1 : x > y;   /* stable: answer order */
}

static void
on_mx(struct xp_check *c, void *arg, const struct xp_dns_result *res)
{
    struct smtp_state *st = c->state;
    const struct xp_dns_rr **mx;
    size_t i, n = 0;

    (void)arg;
    st->mx = xp_dns_result_dup(res);
    xp_check_dns_step(c, st->st_mx, res);
    if (res->status == XP_DNS_NXDOMAIN || res->status == XP_DNS_NODATA ||
        (res->status == XP_DNS_OK && xp_dns_count(res, XP_DNS_MX) == 0)) {
        st->mx_missing = 1;
        xp_step_end(st->st_mx, XP_ST_FAIL, "no MX record: senders fall back to the domain's "
                    "own address (implicit MX)");
        if (res->status != XP_DNS_NXDOMAIN)
            add_host(c, c->target->domain, 0, 25, "implicit MX");
        return;
    }
    if (res->status != XP_DNS_OK) {
        xp_step_end(st->st_mx, XP_ST_FAIL, NULL);
        return;
    }
    mx = xcalloc(res->nrr, sizeof(*mx));
    for (i = 0; i < res->nrr; i++)
        if (res->rr[i].type == XP_DNS_MX)
            mx[n++] = &res->rr[i];
    qsort(mx, n, sizeof(*mx), by_pref);
    for (i = 0; i < n; i++) {
        const char *t = mx[i]->target;

        if (!t || !*t || strcmp(t, ".") == 0) {
            st->null_mx = 1;   /* RFC 7505: "MX 0 ." — no mail accepted */
            continue;
        }
        if (xp_m365_verification_mx(t, NULL)) {
            /* Microsoft 365's verification record, not a mail host (cname
             * reports it as VERIFICATION_MX_LEFTOVER): never dialled */
            xp_step_note(st->st_mx, "MX %u %s: Microsoft 365 verification record, not a "
                         "mail host: not dialled", mx[i]->pref, t);
            continue;
        }
        add_host(c, t, mx[i]->pref, 25, "MX");
    }
    free(mx);
    xp_step_end(st->st_mx, st->null_mx ? XP_ST_FAIL : XP_ST_PASS, "%zu MX record(s)%s", n,
                st->null_mx ? ", null MX (RFC 7505): the domain accepts no mail" : "");
}

/* ---- the check ---- */

static void
smtp_start(struct xp_check *c)
{
    const struct xp_expect *ex = xp_check_expect(c);
    struct smtp_state *st = xcalloc(1, sizeof(*st));
    size_t i;

    c->state = st;
    st->st_mx = xp_step_begin(c, NULL, "MX records of %s", c->target->domain);
    xp_check_dns(c, c->target->domain, XP_DNS_MX, on_mx, NULL);
    for (i = 0; i < ex->nsmtp_hosts; i++)
        add_host(c, ex->smtp_hosts[i].host, 0, ex->smtp_hosts[i].port, "--hosts");
}

/* TCP failures: one verdict when every address failed, else one each. */
static void
judge_connects(struct xp_check *c)
{
    struct smtp_state *st = c->state;
    size_t i, failed = 0, refused = 0, timed = 0;
    struct xp_finding *f;
    char **tried;
    int port25 = 1;

    for (i = 0; i < st->nsess; i++) {
        struct sess *s = &st->sess[i];
        int to;

        if (!s->done || xp_smtp_conn_end(s->conn) != XP_SMTP_END_CONNECT)
            continue;
        failed++;
        if (xp_smtp_conn_connect_err(s->conn, &to) == ECONNREFUSED)
            refused++;
        if (to)
            timed++;
        if (s->host->port != 25)
            port25 = 0;
    }
    if (!failed)
        return;
    if (failed == st->nsess) {
        tried = xcalloc(failed, sizeof(char *));
        for (i = 0; i < st->nsess; i++)
            tried[i] = xasprintf("%s:%d (%s): %s", st->sess[i].host->name,
                                 st->sess[i].host->port, st->sess[i].ip,
                                 xp_smtp_conn_error(st->sess[i].conn));
        f = xp_finding_new(c, NULL, XP_SMTP_CONNECT_FAILED, "no mail server could be reached "
                           "on port %s (%zu address(es): %zu refused, %zu timed out): outbound "
                           "port 25 is probably blocked from this network", port25 ? "25" :
                           "25/587", failed, refused, timed);
        xp_ev_str(f, "diagnosis", "outbound port 25 probably blocked from this network");
        xp_ev_list(f, "attempts", tried, failed);
        xp_finding_fix(f, "Many ISPs and corporate firewalls block outbound port 25: run "
                       "exprobe from a network that may send mail (the mail server's own, or "
                       "a host outside), or ask for port 25 to be opened. If it is reachable "
                       "from elsewhere, the servers are fine; if not, check that they run and "
                       "that their firewall admits port 25 from the Internet.");
        xp_finding_add(f);
        for (i = 0; i < failed; i++)
            free(tried[i]);
        free(tried);
        return;
    }
    for (i = 0; i < st->nsess; i++) {
        struct sess *s = &st->sess[i];
        int to, e;

        if (!s->done || xp_smtp_conn_end(s->conn) != XP_SMTP_END_CONNECT)
            continue;
        e = xp_smtp_conn_connect_err(s->conn, &to);
        f = session_finding(c, s, XP_SMTP_CONNECT_FAILED, "%s", to ? "connection timed out "
                            "(filtered by a firewall, or the host is down)" : e == ECONNREFUSED
                            ? "connection refused (nothing listens on the port)"
                            : "unreachable");
        xp_ev_str(f, "error", xp_smtp_conn_error(s->conn));
        ev_session(f, s);
        xp_finding_fix(f, "Other MX addresses answer, so this network can send on port 25: "
                       "make sure the mail service on %s runs and its firewall admits port %d.",
                       s->host->name, s->host->port);
        xp_finding_add(f);
    }
}

static void
smtp_judge(struct xp_check *c)
{
    struct smtp_state *st = c->state;
    struct xp_facts *facts = xp_check_facts(c);
    struct xp_finding *f;
    size_t i;

    if (st->mx && st->mx->status >= XP_DNS_SERVFAIL) {
        f = xp_check_dns_failure(c, st->st_mx, XP_SMTP_DNS_ERROR, st->mx);
        /* Without the MX answer nothing about mail flow is known. */
        xp_finding_severity(f, XP_SEV_FAIL);
        xp_finding_add(f);
    }
    if (st->mx_missing || st->null_mx) {
        const struct host *h = st->nhosts && strcmp(st->hosts[0].kind, "implicit MX") == 0
                               ? &st->hosts[0] : NULL;

        if (st->null_mx)
            f = xp_finding_new(c, st->st_mx, XP_SMTP_MX_MISSING, "%s publishes a null MX "
                               "(RFC 7505): it declares that it accepts no mail",
                               c->target->domain);
        else if (h && h->naddrs)
            f = xp_finding_new(c, st->st_mx, XP_SMTP_MX_MISSING, "%s has no MX record; "
                               "senders fall back to its A/AAAA record (implicit MX, tested "
                               "below), which Exchange Online does not rely on",
                               c->target->domain);
        else
            f = xp_finding_new(c, st->st_mx, XP_SMTP_MX_MISSING, "%s has no MX record and no "
                               "address to fall back to: it cannot receive mail",
                               c->target->domain);
        xp_ev_dns(f, "answer", st->mx);
        {
            char label[256];

            xp_exo_tenant_label(c->target->domain, label, sizeof(label));
            xp_finding_fix(f, "Publish an MX record for %s pointing at the mail server: %s. "
                           "3600 IN MX 10 <your mail host>. (Exchange Online: MX 0 %s.%s, as "
                           "the admin center shows it).", c->target->domain, c->target->domain,
                           label, xp_check_expect(c)->mx_suffix);
        }
        xp_finding_add(f);
    }
    for (i = 0; i < st->nhosts; i++) {
        struct host *h = &st->hosts[i];

        if (h->naddrs)
            continue;
        /* No MX and no address: SMTP_MX_MISSING said it (one cause). */
        if ((h->a.res || h->aaaa.res) &&
            !(st->mx_missing && strcmp(h->kind, "implicit MX") == 0)) {
            const struct xp_dns_result *r = h->a.res ? h->a.res : h->aaaa.res;

            f = xp_finding_new(c, h->step, XP_SMTP_DNS_ERROR, "%s %s has no address (A %s, "
                               "AAAA %s): mail to it cannot be delivered", h->kind, h->name,
                               h->a.res ? xp_check_answer_word(h->a.res) : "-",
                               h->aaaa.res ? xp_check_answer_word(h->aaaa.res) : "-");
            xp_finding_severity(f, XP_SEV_FAIL);
            xp_ev_dns(f, "answer", r);
            xp_finding_fix(f, "Give %s an %s record, or point the MX at a host that has one%s.",
                           h->name, xp_check_options(c)->family == 6 ? "AAAA" : "A",
                           xp_check_options(c)->family ? " (this run asked one address family "
                                                         "only: -4 or -6)" : "");
            xp_finding_add(f);
        }
        xp_step_end(h->step, XP_ST_FAIL, "no address to connect to");
    }
    judge_connects(c);
    for (i = 0; i < xp_facts_client_ip_count(facts); i++) {
        const struct xp_client_ip *ip = xp_facts_client_ip(facts, i);

        f = xp_finding_new(c, NULL, XP_SMTP_CLIENT_IP, "The mail servers saw this client as "
                           "%s (%s)", ip->ip, ip->source);
        xp_ev_str(f, "client_ip", ip->ip);
        xp_ev_str(f, "source", ip->source);
        xp_finding_add(f);
    }
    for (i = 0; i < st->nhosts; i++)
        if (st->hosts[i].naddrs && st->hosts[i].step->status == XP_ST_RUNNING)
            xp_step_end(st->hosts[i].step, xp_step_children_worst(st->hosts[i].step), NULL);
    if (!st->nhosts && !st->mx_missing && !st->null_mx && st->mx &&
        st->mx->status < XP_DNS_SERVFAIL)
        xp_check_skip(c, "no SMTP endpoint to test");
}

static void
smtp_free(struct xp_check *c)
{
    struct smtp_state *st = c->state;
    size_t i;

    for (i = 0; i < st->nsess; i++)
        xp_smtp_conn_free(st->sess[i].conn);
    for (i = 0; i < st->nhosts; i++) {
        xp_dns_result_free(st->hosts[i].a.res);
        xp_dns_result_free(st->hosts[i].aaaa.res);
    }
    xp_dns_result_free(st->mx);
    free(st);
    c->state = NULL;
}

/* smtp_start's first question, asked with the target's premise. */
static const struct xp_dns_ask prefetch[] = { { "", XP_DNS_MX }, { NULL, 0 } };

const struct xp_check_ops xp_check_smtp = {
    .id = "smtp",
    .prefetch = prefetch,
    .title = "SMTP mail flow (STARTTLS)",
    .help = "each MX (and --hosts HOST:25/587) on port 25: banner, EHLO, STARTTLS,\n"
            "the TLS handshake (certificate to cert), EHLO again; firewall ESMTP\n"
            "inspection, missing STARTTLS, TLS demanded, silent or slow servers;\n"
            "learns the public IP the server saw. Sends no mail.",
    .start = smtp_start,
    .judge = smtp_judge,
    .free_state = smtp_free,
};
