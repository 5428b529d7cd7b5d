/*
 * preflight.c — the Hybrid Configuration Wizard pre-flight checklist
 * (include/xp_preflight.h): one table row per item says which checks must
 * have run for it to be known, and which finding codes block it, leave it
 * unknown, or show it ready. Pure: reads the model, allocates the result.
 * A rule reads a finding's code, severity and what the check said it is
 * about (enum xp_about, include/xp_model.h), never its evidence or message:
 * a rule that needs more asks the check for another xp_about bit.
 * The list follows ../shared/reference/domain.md §2 and §4.7 (what the
 * wizard and hybrid mail flow need, seen from outside).
 */
#include "xp_check.h"
#include "xp_expect.h"
#include "xp_preflight.h"

#include <stdlib.h>
#include <string.h>

enum rule_kind {
    R_BLOCK,      /* the item is not ready */
    R_UNKNOWN,    /* the item cannot be told from this run */
    R_OK,         /* positive evidence that the item is ready */
    R_NOTE,       /* related, listed, changes nothing */
};

struct rule {
    enum xp_code code;
    enum rule_kind kind;
    enum xp_severity min_sev;     /* the finding's severity must be at least this */
    int (*match)(const struct xp_finding *f);   /* what the run declared (--expect);
                                                 * NULL: nothing more */
    const char *why;              /* overrides the finding's message */
    const char *fix;              /* overrides the finding's remediation */
    unsigned about;               /* enum xp_about bits the finding must have */
    unsigned unless;              /* ... and bits it must not have */
};

#define MAX_RULES 48
#define END { XP_CODE_COUNT, R_NOTE, XP_SEV_INFO, NULL, NULL, NULL, 0, 0 }

struct item_def {
    const char *id;
    const char *title;
    const char *needs[3];         /* checks that must have run for "ready" */
    int need_ok;                  /* "ready" also needs an R_OK finding */
    const char *why_no_ok;        /* unknown because no R_OK finding */
    const char *fix_unknown;      /* how to find out */
    int classic_only;             /* ready by design with hybrid = modern (Hybrid Agent) */
    struct rule rules[MAX_RULES];
};

/* ---- conditions: what the checks said a finding is about ---- */

/* About a host of the organisation, not one of Exchange Online's (the MX
 * of a domain whose mail goes through Office 365, legacy or *.mx.microsoft:
 * include/xp_exo.h): what Exchange Online must reach for hybrid mail flow
 * is the on-premises server. */
#define ON_PREMISES .unless = XP_ABOUT_EXO_HOST
/* A certificate of an on-premises SMTP endpoint (port 25 or 587). */
#define SMTP_ON_PREMISES .about = XP_ABOUT_SMTP_PORT, .unless = XP_ABOUT_EXO_HOST
#define ABOUT(bit) .about = XP_ABOUT_##bit
#define ANY .about = 0            /* every finding of the code */

/* The run's --expect, or NULL for a model without an engine (unit tests). */
static const struct xp_expect *
target_expect(const struct xp_target *t)
{
    if (!t || !t->nchecks || !t->run || !t->run->engine)
        return NULL;
    return xp_check_expect(t->checks[0]);
}

/* Outlook Anywhere (RPC over HTTP) declared in use: only then does its
 * msstd: name matter (RPC/HTTP is legacy; MAPI over HTTP is the default). */
static int
outlook_anywhere(const struct xp_finding *f)
{
    const struct xp_expect *e = target_expect(f->check->target);

    return e && e->outlook_anywhere == 1;
}

/* ---- the checklist ---- */

#define W XP_SEV_WARN
#define F XP_SEV_FAIL
#define I XP_SEV_INFO

static const struct item_def items[] = {
    /* In the order an admin fixes things: the domain and its records, the
     * certificates, the Exchange build, publishing, authentication, mail flow. */
    {
        .id = "domain_verification",
        .title = "Domain verification record present",
        .needs = { "cname" },
        .need_ok = 1,
        .why_no_ok = "The verification record was not looked for (no Office 365 records: "
                     "on-premises deployment)",
        .fix_unknown = "Give the code from the Microsoft 365 admin center in --expect "
                       "(verification = msNNNNNNNN, deployment = hybrid).",
        .rules = {
            { XP_TXT_VERIFICATION_MISSING, R_BLOCK, W, ANY },
            { XP_TXT_VERIFICATION_MISSING, R_UNKNOWN, I, NULL, NULL,
              "Give the code from the Microsoft 365 admin center in --expect "
              "(verification = msNNNNNNNN) to require its record.", ANY },
            { XP_CNAME_WRONG_TARGET, R_BLOCK, W, ABOUT(VERIFICATION_RECORD) },
            { XP_CNAME_DNS_ERROR, R_UNKNOWN, I, ABOUT(VERIFICATION_RECORD) },
            { XP_TXT_VERIFICATION_FOUND, R_OK, I, ANY },
            END,
        },
    },
    {
        .id = "autodiscover",
        .title = "Autodiscover published and reachable from outside",
        .needs = { "autodiscover" },
        .fix_unknown = "Check that https://autodiscover.DOMAIN/autodiscover/autodiscover.xml "
                       "answers from the Internet with 401 from Exchange.",
        .rules = {
            { XP_DOMAIN_NOT_FOUND, R_BLOCK, W, ANY },
            { XP_AUTOD_NO_ENDPOINT, R_BLOCK, W, ANY },
            { XP_AUTOD_CERT_INVALID, R_BLOCK, F, ANY },
            { XP_AUTOD_CERT_INVALID, R_NOTE, I, ANY },
            { XP_AUTOD_REDIRECT_INSECURE, R_BLOCK, W, ANY },
            { XP_AUTOD_REDIRECT_LOOP, R_BLOCK, W, ANY },
            { XP_AUTOD_BAD_RESPONSE, R_BLOCK, F, ANY },
            { XP_AUTOD_CONNECT_FAILED, R_BLOCK, F, ANY },
            { XP_XML_UNSAFE, R_BLOCK, W, ANY },
            { XP_CNAME_MISSING, R_BLOCK, W, ABOUT(AUTODISCOVER_RECORD) },
            { XP_CNAME_WRONG_TARGET, R_BLOCK, W, ABOUT(AUTODISCOVER_RECORD) },
            { XP_CNAME_DEPLOYMENT, R_BLOCK, I, NULL,
              "The domain's records are those of a cloud-only deployment: Autodiscover "
              "points to Exchange Online, not to on-premises Exchange",
              "For hybrid, point autodiscover.DOMAIN at the on-premises Exchange server "
              "(A record or CNAME); it redirects cloud mailboxes to Exchange Online itself.",
              ABOUT(CLOUD_DEPLOYMENT) },
            { XP_CNAME_DNS_ERROR, R_UNKNOWN, I, ABOUT(AUTODISCOVER_RECORD) },
            { XP_AUTOD_OK, R_OK, I, ANY },
            { XP_AUTOD_SRV, R_NOTE, I, ANY },
            { XP_AUTOD_REDIRECT, R_NOTE, I, ANY },
            { XP_AUTOD_DNS_MISSING, R_NOTE, I, ANY },
            { XP_AUTOD_CONNECT_FAILED, R_NOTE, I, ANY },
            END,
        },
    },
    {
        .id = "certificates",
        .title = "Certificates valid for the published names and usable for the TLS "
                 "connectors",
        .needs = { "cert" },
        .fix_unknown = "Name the hybrid endpoints with --hosts (e.g. mail.DOMAIN, "
                       "autodiscover.DOMAIN) so their certificates are judged.",
        .rules = {
            { XP_CERT_NAME_MISMATCH, R_BLOCK, F, ANY },
            { XP_CERT_EXPIRED, R_BLOCK, F, ANY },
            { XP_CERT_NOT_YET_VALID, R_BLOCK, F, ANY },
            { XP_CERT_UNTRUSTED, R_BLOCK, F, ANY },
            { XP_CERT_SELF_SIGNED, R_BLOCK, F, ANY },
            { XP_CERT_MSSTD_MISMATCH, R_BLOCK, F, outlook_anywhere, NULL, NULL, ANY },
            { XP_CERT_HANDSHAKE_FAILED, R_BLOCK, F, ANY },
            { XP_CERT_CONNECT_FAILED, R_BLOCK, F, ANY },
            { XP_CERT_WRONG_PURPOSE, R_BLOCK, F, ANY },
            { XP_CERT_INCOMPLETE_CHAIN, R_BLOCK, F, ANY },
            { XP_CERT_REVOKED, R_BLOCK, F, ANY },
            { XP_CERT_WEAK, R_BLOCK, F, ABOUT(CERT_REFUSED) },
            { XP_CERT_OK, R_OK, I, ANY },
            { XP_CERT_WRONG_PURPOSE, R_NOTE, I, ANY },
            { XP_CERT_INCOMPLETE_CHAIN, R_NOTE, I, ANY },
            { XP_CERT_REVOKED, R_NOTE, I, ANY },
            { XP_CERT_EXTRA_EXPIRED, R_NOTE, I, ANY },
            { XP_CERT_NAME_MISMATCH, R_NOTE, I, ANY },
            { XP_CERT_EXPIRED, R_NOTE, I, ANY },
            { XP_CERT_NOT_YET_VALID, R_NOTE, I, ANY },
            { XP_CERT_UNTRUSTED, R_NOTE, I, ANY },
            { XP_CERT_SELF_SIGNED, R_NOTE, I, ANY },
            { XP_CERT_MSSTD_MISMATCH, R_NOTE, I, ANY },
            { XP_CERT_EXPIRING_SOON, R_NOTE, I, ANY },
            { XP_CERT_WEAK, R_NOTE, I, ANY },
            { XP_CERT_CN_ONLY, R_NOTE, I, ANY },
            { XP_CERT_MSSTD_SAN_ONLY, R_NOTE, I, ANY },
            { XP_CONNECTOR_CERT_MISMATCH, R_BLOCK, W, ANY },
            END,
        },
    },
    {
        .id = "exchange_build",
        .title = "Exchange build in support",
        .needs = { "preauth" },
        .need_ok = 1,
        .why_no_ok = "The Exchange build was not visible anonymously",
        .fix_unknown = "Look up the build (Get-ExchangeServer | fl AdminDisplayVersion) in "
                       "Microsoft's build numbers list: Exchange SE, latest CU and SU.",
        .rules = {
            { XP_EXCHANGE_UNSUPPORTED, R_BLOCK, W, ANY },
            { XP_EXCHANGE_BUILD, R_OK, I, ANY },
            END,
        },
    },
    {
        .id = "hybrid_app",
        .title = "Build ready for the dedicated Exchange hybrid app (April 2025 HU or later)",
        .needs = { "preauth" },
        .need_ok = 1,
        .why_no_ok = "The update level of the build was not visible anonymously (only the "
                     "CU, or no build at all)",
        .fix_unknown = "Check that every Exchange server runs the April 2025 HU or later, then "
                       "run the current Hybrid Configuration Wizard (it creates the dedicated "
                       "hybrid app); HealthChecker shows whether the app is configured.",
        .rules = {
            { XP_EXCHANGE_BELOW_HYBRID_APP_BUILD, R_BLOCK, I, ANY },
            { XP_EXCHANGE_BUILD, R_OK, I, NULL,
              "The build can use the dedicated hybrid app (whether the app is configured is "
              "not visible from outside: the current HCW or "
              "ConfigureExchangeHybridApplication.ps1 creates it)", NULL,
              ABOUT(HYBRID_APP_READY) },
            END,
        },
    },
    {
        .id = "no_preauth",
        .title = "No pre-authentication on /autodiscover/autodiscover.svc, /EWS/Exchange.asmx "
                 "and /EWS/mrsproxy.svc",
        .needs = { "preauth" },
        .fix_unknown = "Make sure the reverse proxy publishes these paths with pass-through "
                       "authentication (Exchange authenticates).",
        .classic_only = 1,
        .rules = {
            { XP_PREAUTH_DETECTED, R_BLOCK, W, ANY },
            { XP_MRSPROXY_UNREACHABLE, R_BLOCK, W, ANY },
            END,
        },
    },
    {
        .id = "federation",
        .title = "Anonymous GetFederationInformation answered",
        .needs = { "preauth" },
        .need_ok = 1,
        .why_no_ok = "No GetFederationInformation answer was seen",
        .fix_unknown = "POST GetFederationInformation to "
                       "https://autodiscover.DOMAIN/autodiscover/autodiscover.svc without "
                       "credentials: Exchange must answer 200 with a SOAP body.",
        .classic_only = 1,
        .rules = {
            { XP_FEDERATION_INFO_FAILED, R_BLOCK, W, ANY },
            /* a proxy pre-authenticating autodiscover.svc: one finding, the
             * proxy's (check_preauth.c told_by_preauth) */
            { XP_PREAUTH_DETECTED, R_BLOCK, W, ABOUT(FEDERATION_PATH) },
            { XP_FEDERATION_INFO_OK, R_OK, I, ANY },
            END,
        },
    },
    {
        .id = "hma",
        .title = "Hybrid modern authentication: Exchange's Bearer challenge names the "
                 "domain's tenant and Entra ID",
        .needs = { "hybridauth" },
        .need_ok = 1,
        .why_no_ok = "No Exchange path answered the empty Bearer token with a 401",
        .fix_unknown = "Give an address (user@DOMAIN) or the EWS/EAS host with --hosts so "
                       "their Bearer challenge is read.",
        .rules = {
            { XP_HMA_NO_AUTHORIZATION_URI, R_BLOCK, W, ANY },
            { XP_HMA_TENANT_MISMATCH, R_BLOCK, W, ANY },
            { XP_HMA_NOT_ENABLED, R_BLOCK, W, ANY },
            { XP_HMA_ENABLED, R_OK, I, ANY },
            { XP_HMA_NOT_ENABLED, R_OK, I, NULL,
              "Hybrid modern authentication is not enabled, and not required (hma = yes in "
              "--expect requires it)", NULL, ANY },
            END,
        },
    },
    {
        .id = "auth_front_end",
        .title = "Windows authentication completes through the front end (NTLM kept alive, "
                 "no HTTP/2, Extended Protection respected)",
        .needs = { "hybridauth" },
        .fix_unknown = "Run hybridauth against the published EWS/MAPI host (--hosts).",
        .rules = {
            { XP_AUTH_NTLM_BROKEN, R_BLOCK, W, ANY },
            { XP_AUTH_H2_WINDOWS_AUTH, R_BLOCK, W, ANY },
            { XP_EP_PROXY_RISK, R_UNKNOWN, W, NULL,
              "A non-IIS front end answers for a build with Extended Protection on: whether "
              "it offloads TLS (unsupported) cannot be seen from outside",
              "Bridge TLS with Exchange's own certificate on the front end, or pass TCP "
              "through; never offload TLS. Once confirmed, add ignore = EP_PROXY_RISK to "
              "--expect.", ANY },
            END,
        },
    },
    {
        .id = "tls12",
        .title = "TLS 1.2 available (HTTPS and SMTP)",
        .needs = { "cert", "smtp" },
        .fix_unknown = "Make sure the HTTPS and SMTP endpoints negotiate TLS 1.2 or later.",
        .rules = {
            { XP_CERT_WEAK, R_BLOCK, W, NULL,
              NULL, "Enable TLS 1.2 on the server (Office 365 refuses older protocols).",
              ABOUT(OLD_PROTOCOL) },
            { XP_SMTP_TLS_OLD_PROTOCOL, R_BLOCK, W, ANY },
            { XP_CERT_OK, R_NOTE, I, ANY },
            { XP_TLS_WEAK_KEY_EXCHANGE, R_NOTE, I, ANY },
            END,
        },
    },
    {
        .id = "inbound_tls",
        .title = "Inbound SMTP offers STARTTLS with a trusted certificate",
        .needs = { "smtp" },
        .need_ok = 1,
        .why_no_ok = "No on-premises mail server answered on port 25 (the MX points to "
                     "Exchange Online Protection)",
        .fix_unknown = "Name the on-premises mail server Exchange Online sends to with --hosts "
                       "HOST:25: it must offer STARTTLS with a certificate from a public CA.",
        .rules = {
            { XP_SMTP_MX_MISSING, R_BLOCK, F, ANY },
            { XP_SMTP_CONNECT_FAILED, R_BLOCK, F, ON_PREMISES },
            { XP_SMTP_TIMEOUT, R_BLOCK, F, ON_PREMISES },
            /* Hybrid mail flow needs TLS: what smtp calls a warning blocks here. */
            { XP_SMTP_ESMTP_INSPECTION, R_BLOCK, W, ON_PREMISES },
            { XP_SMTP_NO_STARTTLS, R_BLOCK, W, ON_PREMISES },
            { XP_SMTP_STARTTLS_FAILED, R_BLOCK, W, ON_PREMISES },
            { XP_SMTP_PROTOCOL_ERROR, R_BLOCK, W, ON_PREMISES },
            { XP_CONNECTOR_CERT_MISMATCH, R_BLOCK, W, ANY },
            { XP_CERT_UNTRUSTED, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_SELF_SIGNED, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_EXPIRED, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_NOT_YET_VALID, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_NAME_MISMATCH, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_HANDSHAKE_FAILED, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_WRONG_PURPOSE, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_INCOMPLETE_CHAIN, R_BLOCK, F, SMTP_ON_PREMISES },
            { XP_CERT_REVOKED, R_BLOCK, F, SMTP_ON_PREMISES },
            /* DANE and MTA-STS, where the domain publishes them or is on Exchange
             * Online's DNSSEC MX: Exchange Online validates both when it sends, so a
             * broken one stops mail to the domain as surely as a bad certificate. */
            { XP_DANE_BOGUS, R_BLOCK, F, ANY },
            { XP_DANE_TLSA_MISMATCH, R_BLOCK, F, ANY },
            { XP_DANE_NO_DNSSEC, R_BLOCK, F, ANY },
            { XP_MTASTS_MX_NOT_COVERED, R_BLOCK, F, ANY },
            { XP_MTASTS_MX_CERT_INVALID, R_BLOCK, F, ANY },
            { XP_DANE_OK, R_NOTE, I, ANY },
            { XP_DANE_NO_ROLLOVER, R_NOTE, I, ANY },
            { XP_DANE_NO_DNSSEC, R_NOTE, I, ANY },
            { XP_MTASTS_OK, R_NOTE, I, ANY },
            { XP_MTASTS_TESTING, R_NOTE, I, ANY },
            { XP_MTASTS_MX_NOT_COVERED, R_NOTE, I, ANY },
            { XP_SMTP_DNS_ERROR, R_UNKNOWN, I, ANY },
            { XP_SMTP_OK, R_OK, I, ON_PREMISES },
            /* STARTTLS works there (the version is the tls12 item's business) */
            { XP_SMTP_TLS_OLD_PROTOCOL, R_OK, I, NULL,
              "The on-premises mail server offers STARTTLS (its TLS version: see the TLS 1.2 "
              "item)", NULL, ON_PREMISES },
            { XP_SMTP_OK, R_NOTE, I, ANY },
            { XP_SMTP_TLS_REQUIRED, R_NOTE, I, ANY },
            { XP_SMTP_REJECTED, R_NOTE, I, ANY },
            { XP_SMTP_MX_MISSING, R_NOTE, I, ANY },
            { XP_SMTP_CONNECT_FAILED, R_NOTE, I, ANY },
            { XP_SMTP_TIMEOUT, R_NOTE, I, ANY },
            { XP_SMTP_NO_STARTTLS, R_NOTE, I, ANY },
            { XP_SMTP_STARTTLS_FAILED, R_NOTE, I, ANY },
            END,
        },
    },
    {
        .id = "sending_ip",
        .title = "Sending IP not blacklisted, and in the connector's IP list (when given)",
        .needs = { "dnsbl" },
        .need_ok = 1,
        .why_no_ok = "No sending IP was checked against the blacklists",
        .fix_unknown = "Give the on-premises sending IP with --ip.",
        .rules = {
            { XP_DNSBL_LISTED, R_BLOCK, W, ANY },
            { XP_CONNECTOR_IP_MISMATCH, R_BLOCK, W, ANY },
            { XP_DNSBL_QUERY_BLOCKED, R_UNKNOWN, I, ANY },
            { XP_DNSBL_CLEAN, R_OK, I, ANY },
            { XP_DNSBL_QUERY_FAILED, R_UNKNOWN, I, ANY },
            { XP_DNSBL_ZONE_UNRELIABLE, R_NOTE, I, ANY },
            END,
        },
    },
};

#undef W
#undef F
#undef I
#undef ON_PREMISES
#undef SMTP_ON_PREMISES
#undef ABOUT
#undef ANY

_Static_assert(XP_ARRAY_LEN(items) <= XP_PF_MAX_ITEMS, "raise XP_PF_MAX_ITEMS");

/* ---- evaluation ---- */

/* NULL if check id had its say in this run, else why not (allocated). */
static char *
not_conclusive(const struct xp_target *t, const char *id)
{
    const struct xp_check *c = xp_target_check(t, id);

    if (!c)
        return xp_check_index(id) < 0
                   ? xasprintf("Not checked: this build of exprobe has no %s check yet", id)
                   : xasprintf("Not checked: the %s check was left out (-c)", id);
    if (!c->started)
        return xasprintf("The %s check has not started yet", id);
    if (!c->done)
        return xasprintf("The %s check is still running", id);
    if (c->skip_reason)
        return xasprintf("The %s check was skipped: %s", id, c->skip_reason);
    if (t->interrupted)
        return xasprintf("The run was interrupted: the %s check may not have finished", id);
    return NULL;
}

static const struct rule *
match_rule(const struct item_def *def, const struct xp_finding *f)
{
    const struct rule *r;

    for (r = def->rules; r->code != XP_CODE_COUNT; r++)
        if (r->code == f->code && f->severity >= r->min_sev &&
            (f->about & r->about) == r->about && !(f->about & r->unless) &&
            (!r->match || r->match(f)))
            return r;
    return NULL;
}

static void
add_code(struct xp_pf_item *it, enum xp_code code)
{
    size_t i;

    for (i = 0; i < it->ncodes; i++)
        if (it->codes[i] == code)
            return;
    if (it->ncodes < XP_PF_MAX_CODES)
        it->codes[it->ncodes++] = code;
}

/* Copy s with "DOMAIN" replaced by the target's domain; NULL stays NULL. */
static char *
with_domain(const char *s, const char *domain)
{
    struct xp_buf b = { 0 };
    const char *p;

    if (!s)
        return NULL;
    while ((p = strstr(s, "DOMAIN"))) {
        xp_buf_add(&b, s, (size_t)(p - s));
        xp_buf_add(&b, domain, strlen(domain));
        s = p + 6;
    }
    xp_buf_add(&b, s, strlen(s));
    return b.s;
}

/* The fix a blocker calls for: the rule's, the finding's, the code's. */
static const char *
rule_fix(const struct rule *r, const struct xp_finding *f)
{
    if (r->fix)
        return r->fix;
    if (f->remediation)
        return f->remediation;
    return xp_code_info(f->code)->fix;
}

static void
eval_item(const struct xp_target *t, const struct item_def *def, struct xp_pf_item *it)
{
    const struct xp_finding *block = NULL, *unknown = NULL, *ok = NULL;
    const struct rule *block_rule = NULL, *unknown_rule = NULL, *ok_rule = NULL;
    char *why = NULL;
    size_t i, k;

    it->id = def->id;
    it->title = def->title;
    if (def->classic_only && target_expect(t) &&
        target_expect(t)->hybrid_kind == XP_HYBRID_MODERN) {
        it->state = XP_PF_READY;
        it->why = xstrdup("Modern Hybrid (hybrid = modern): Exchange Online reaches EWS, "
                          "Autodiscover and MRSProxy through the Hybrid Agent, so these paths "
                          "need not be published");
        return;
    }
    for (i = 0; i < t->nchecks; i++) {
        const struct xp_finding *f;

        for (f = t->checks[i]->findings; f; f = f->next) {
            const struct rule *r = match_rule(def, f);

            if (!r)
                continue;
            add_code(it, f->code);
            if (r->kind == R_BLOCK && !block) {
                block = f;
                block_rule = r;
            } else if (r->kind == R_UNKNOWN && !unknown) {
                unknown = f;
                unknown_rule = r;
            } else if (r->kind == R_OK && !ok) {
                ok = f;
                ok_rule = r;
            }
        }
    }
    if (block) {
        it->state = XP_PF_NOT_READY;
        it->why = xstrdup(block_rule->why ? block_rule->why : block->message);
        it->fix = with_domain(rule_fix(block_rule, block), t->domain);
        if (!it->fix)
            it->fix = with_domain(def->fix_unknown, t->domain);
        return;
    }
    it->state = XP_PF_UNKNOWN;
    for (k = 0; k < XP_ARRAY_LEN(def->needs) && def->needs[k] && !why; k++)
        why = not_conclusive(t, def->needs[k]);
    if (why) {
        it->why = why;
        it->fix = with_domain(def->fix_unknown, t->domain);
        return;
    }
    if (unknown) {
        it->why = xstrdup(unknown_rule->why ? unknown_rule->why : unknown->message);
        it->fix = with_domain(unknown_rule->fix ? unknown_rule->fix : def->fix_unknown,
                              t->domain);
        return;
    }
    if (def->need_ok && !ok) {
        it->why = xstrdup(def->why_no_ok);
        it->fix = with_domain(def->fix_unknown, t->domain);
        return;
    }
    it->state = XP_PF_READY;
    if (ok)
        it->why = xstrdup(ok_rule->why ? ok_rule->why : ok->message);
    else if (it->ncodes)
        it->why = xasprintf("Nothing that blocks it (noted: %s%s)",
                            xp_code_info(it->codes[0])->name, it->ncodes > 1 ? ", ..." : "");
    else
        it->why = xasprintf("The %s check found no problem", def->needs[0]);
    it->fix = NULL;
}

void
xp_preflight_eval(const struct xp_target *t, struct xp_preflight *pf)
{
    size_t i;

    memset(pf, 0, sizeof(*pf));
    for (i = 0; i < XP_ARRAY_LEN(items); i++) {
        struct xp_pf_item *it = &pf->items[pf->nitems++];

        eval_item(t, &items[i], it);
        if (it->state == XP_PF_NOT_READY)
            pf->blockers++;
        else if (it->state == XP_PF_UNKNOWN)
            pf->unknown++;
    }
    pf->ready = pf->blockers ? 0 : pf->unknown ? -1 : 1;
}

void
xp_preflight_clear(struct xp_preflight *pf)
{
    size_t i;

    for (i = 0; i < pf->nitems; i++) {
        free(pf->items[i].why);
        free(pf->items[i].fix);
    }
    memset(pf, 0, sizeof(*pf));
}

int
xp_preflight_exit_code(const struct xp_target *t)
{
    struct xp_preflight pf;
    int ready;

    xp_preflight_eval(t, &pf);
    ready = pf.ready;
    xp_preflight_clear(&pf);
    if (ready == 0)
        return XP_EXIT_FAIL;
    if (ready < 0)
        return XP_EXIT_UNKNOWN;
    return xp_target_rollup(t) == XP_ST_PASS ? XP_EXIT_OK : XP_EXIT_WARN;
}

/* Exit codes ranked as the statuses they stand for. */
static int
exit_rank(int code)
{
    static const int rank[] = { [XP_EXIT_OK] = 0, [XP_EXIT_WARN] = 1, [XP_EXIT_UNKNOWN] = 2,
                                [XP_EXIT_FAIL] = 3 };

    return rank[code];
}

int
xp_preflight_run_exit_code(const struct xp_run *run)
{
    int code = run->ntargets ? XP_EXIT_OK : XP_EXIT_UNKNOWN;
    size_t i;

    for (i = 0; i < run->ntargets; i++) {
        int c = xp_preflight_exit_code(run->targets[i]);

        if (exit_rank(c) > exit_rank(code))
            code = c;
    }
    return code;
}

const char *
xp_pf_state_name(enum xp_pf_state st)
{
    switch (st) {
    case XP_PF_READY:
        return "ready";
    case XP_PF_NOT_READY:
        return "not_ready";
    default:
        return "unknown";
    }
}

void
xp_preflight_verdict(const struct xp_preflight *pf, char *buf, size_t len)
{
    if (pf->ready == 0)
        snprintf(buf, len, "ready: no \xE2\x80\x94 %d blocker%s", pf->blockers,
                 pf->blockers == 1 ? "" : "s");
    else if (pf->ready == 1)
        snprintf(buf, len, "ready: yes \xE2\x80\x94 all %zu items ready", pf->nitems);
    else
        snprintf(buf, len, "ready: unknown \xE2\x80\x94 no blocker found, %d of %zu items "
                 "unknown", pf->unknown, pf->nitems);
}
