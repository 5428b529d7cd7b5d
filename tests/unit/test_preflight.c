/*
 * test_preflight.c — the Hybrid Configuration Wizard pre-flight checklist
 * (include/xp_preflight.h): a run model built by hand (like test_model.c)
 * with the seven SPEC checks; every blocker kind makes its item not ready,
 * unrelated or informational findings do not, a check that did not run,
 * is running, was skipped or was interrupted leaves its items unknown, and
 * the verdict says so. The result owns its strings (valid after a rerun
 * freed the findings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "xp.h"
#include "xp_check.h"
#include "xp_exo.h"
#include "xp_model.h"
#include "xp_preflight.h"

/* Check ops with the SPEC ids (only id, title and after matter here). */
static const char *const cert_after[] = { "autodiscover", "preauth", "smtp", "lync", NULL };
static const struct xp_check_ops ops[] = {
    { .id = "autodiscover", .title = "Autodiscover" },
    { .id = "preauth", .title = "Pre-authentication" },
    { .id = "hybridauth", .title = "Hybrid modern authentication" },
    { .id = "cert", .title = "TLS certificates", .after = cert_after },
    { .id = "smtp", .title = "SMTP" },
    { .id = "dnsbl", .title = "DNS block lists" },
    { .id = "cname", .title = "Office 365 domain records" },
    { .id = "lync", .title = "Lync" },
};
#define NOPS XP_ARRAY_LEN(ops)

struct fx {
    struct xp_run run;
    struct xp_target t;
    struct xp_check checks[NOPS];
    struct xp_check *cp[NOPS];
    struct xp_preflight pf;
};

/* Every check ran to the end and passed, with the findings a healthy
 * hybrid domain gives. */
static int
setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    size_t i;

    fx->t.run = &fx->run;
    fx->t.domain = "contoso.test";
    fx->t.started = fx->t.done = 1;
    fx->t.checks = fx->cp;
    fx->t.nchecks = NOPS;
    for (i = 0; i < NOPS; i++) {
        fx->checks[i].ops = &ops[i];
        fx->checks[i].target = &fx->t;
        fx->checks[i].started = fx->checks[i].done = 1;
        fx->checks[i].status = XP_ST_PASS;
        fx->cp[i] = &fx->checks[i];
    }
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;
    size_t i;

    xp_preflight_clear(&fx->pf);
    for (i = 0; i < NOPS; i++)
        xp_check_clear(&fx->checks[i]);
    free(fx);
    return 0;
}

static struct xp_check *
chk(struct fx *fx, const char *id)
{
    size_t i;

    for (i = 0; i < NOPS; i++)
        if (strcmp(ops[i].id, id) == 0)
            return &fx->checks[i];
    fail_msg("no check %s", id);
    return NULL;
}

/* Add a finding of code to check id; returns it for evidence (added already). */
static struct xp_finding *
add(struct fx *fx, const char *id, enum xp_code code, const char *msg)
{
    struct xp_finding *f = xp_finding_new(chk(fx, id), NULL, code, "%s", msg);

    xp_finding_add(f);
    return f;
}

/* A finding about an SMTP host on port 25 (what the smtp check says it is about). */
static struct xp_finding *
add_smtp(struct fx *fx, enum xp_code code, const char *host, const char *msg)
{
    struct xp_finding *f = xp_finding_new(chk(fx, "smtp"), NULL, code, "%s", msg);

    xp_finding_about(f, xp_exo_about_endpoint(host, 25));
    xp_finding_add(f);
    return f;
}

/* The 2026 items ready: an Exchange SE build (hybrid app ready), HMA. */
static void
build_and_hma_ok(struct fx *fx)
{
    struct xp_finding *f = xp_finding_new(chk(fx, "preauth"), NULL, XP_EXCHANGE_BUILD, "%s",
                                          "Exchange Server SE RTM May26HU");

    xp_finding_about(f, XP_ABOUT_HYBRID_APP_READY);
    xp_finding_add(f);
    add(fx, "hybridauth", XP_HMA_ENABLED, "Exchange answers with the Bearer challenge");
}

static void
healthy(struct fx *fx)
{
    add_smtp(fx, XP_SMTP_OK, "mail.contoso.test", "mail.contoso.test offers STARTTLS");
    add(fx, "autodiscover", XP_AUTOD_OK, "Autodiscover answers");
    add(fx, "preauth", XP_FEDERATION_INFO_OK, "GetFederationInformation answered");
    build_and_hma_ok(fx);
    add(fx, "cert", XP_CERT_OK, "All certificates are valid");
    add(fx, "dnsbl", XP_DNSBL_CLEAN, "192.0.2.1 is on no list");
    add(fx, "cname", XP_TXT_VERIFICATION_FOUND, "MS=ms12345678 is published");
}

static const struct xp_pf_item *
item(struct fx *fx, const char *id)
{
    size_t i;

    for (i = 0; i < fx->pf.nitems; i++)
        if (strcmp(fx->pf.items[i].id, id) == 0)
            return &fx->pf.items[i];
    fail_msg("no pre-flight item %s", id);
    return NULL;
}

static void
eval(struct fx *fx)
{
    xp_preflight_clear(&fx->pf);
    xp_preflight_eval(&fx->t, &fx->pf);
}

static int
has_code(const struct xp_pf_item *it, enum xp_code code)
{
    size_t i;

    for (i = 0; i < it->ncodes; i++)
        if (it->codes[i] == code)
            return 1;
    return 0;
}

static void
expect_state(struct fx *fx, const char *id, enum xp_pf_state st)
{
    const struct xp_pf_item *it = item(fx, id);

    if (it->state != st)
        fail_msg("item %s is %s, expected %s (why: %s)", id, xp_pf_state_name(it->state),
                 xp_pf_state_name(st), it->why);
}

static void
expect_only_blocker(struct fx *fx, const char *id)
{
    size_t i;

    for (i = 0; i < fx->pf.nitems; i++) {
        const struct xp_pf_item *it = &fx->pf.items[i];
        enum xp_pf_state want = strcmp(it->id, id) == 0 ? XP_PF_NOT_READY : XP_PF_READY;

        if (it->state != want)
            fail_msg("item %s is %s, expected %s (why: %s)", it->id,
                     xp_pf_state_name(it->state), xp_pf_state_name(want), it->why);
    }
    assert_int_equal(fx->pf.blockers, 1);
    assert_int_equal(fx->pf.ready, 0);
}

/* ---- the whole list ---- */

static void
preflight__healthy_run__ready_yes(void **state)
{
    struct fx *fx = *state;
    char verdict[160];
    size_t i;

    healthy(fx);
    eval(fx);
    assert_int_equal(fx->pf.nitems, 12);
    for (i = 0; i < fx->pf.nitems; i++) {
        const struct xp_pf_item *it = &fx->pf.items[i];

        if (it->state != XP_PF_READY)
            fail_msg("item %s is %s: %s", it->id, xp_pf_state_name(it->state), it->why);
        assert_null(it->fix);
        assert_non_null(it->why);
    }
    assert_int_equal(fx->pf.ready, 1);
    assert_int_equal(fx->pf.blockers, 0);
    assert_int_equal(fx->pf.unknown, 0);
    xp_preflight_verdict(&fx->pf, verdict, sizeof(verdict));
    assert_string_equal(verdict, "ready: yes \xE2\x80\x94 all 12 items ready");
    assert_string_equal(item(fx, "domain_verification")->why, "MS=ms12345678 is published");
    assert_true(has_code(item(fx, "domain_verification"), XP_TXT_VERIFICATION_FOUND));
}

static void
preflight__item_ids__stable_and_ordered(void **state)
{
    /* In the order an admin fixes things (issue 15). */
    static const char *const want[] = { "domain_verification", "autodiscover", "certificates",
                                        "exchange_build", "hybrid_app", "no_preauth",
                                        "federation", "hma", "auth_front_end", "tls12",
                                        "inbound_tls", "sending_ip" };
    struct fx *fx = *state;
    size_t i;

    eval(fx);
    for (i = 0; i < XP_ARRAY_LEN(want); i++) {
        assert_string_equal(fx->pf.items[i].id, want[i]);
        assert_true(strlen(fx->pf.items[i].title) > 10);
    }
    assert_string_equal(xp_pf_state_name(XP_PF_READY), "ready");
    assert_string_equal(xp_pf_state_name(XP_PF_NOT_READY), "not_ready");
    assert_string_equal(xp_pf_state_name(XP_PF_UNKNOWN), "unknown");
}

/* ---- each blocker kind ---- */

static void
preflight__autod_no_endpoint__autodiscover_blocks(void **state)
{
    struct fx *fx = *state;
    const struct xp_pf_item *it;

    healthy(fx);
    add(fx, "autodiscover", XP_AUTOD_NO_ENDPOINT, "No Autodiscover method reaches Exchange");
    eval(fx);
    expect_only_blocker(fx, "autodiscover");
    it = item(fx, "autodiscover");
    assert_string_equal(it->why, "No Autodiscover method reaches Exchange");
    /* The code's generic fix, with DOMAIN made the target's. */
    assert_non_null(it->fix);
    assert_non_null(strstr(it->fix, "autodiscover.contoso.test"));
    assert_null(strstr(it->fix, "DOMAIN"));
    assert_true(has_code(it, XP_AUTOD_NO_ENDPOINT));
    assert_true(has_code(it, XP_AUTOD_OK));
}

static void
preflight__one_method_refused__only_a_note(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    /* A warning: another discovery method worked. */
    add(fx, "autodiscover", XP_AUTOD_CONNECT_FAILED, "Method 1: connection refused");
    eval(fx);
    expect_state(fx, "autodiscover", XP_PF_READY);
    assert_true(has_code(item(fx, "autodiscover"), XP_AUTOD_CONNECT_FAILED));
    assert_int_equal(fx->pf.ready, 1);
}

static void
preflight__autodiscover_cname_wrong__autodiscover_blocks(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    healthy(fx);
    f = xp_finding_new(chk(fx, "cname"), NULL, XP_CNAME_WRONG_TARGET,
                       "autodiscover.contoso.test points to autodiscover.outlook.com");
    xp_finding_about(f, XP_ABOUT_AUTODISCOVER_RECORD);
    xp_finding_fix(f, "Point it at on-premises Exchange.");
    xp_finding_add(f);
    eval(fx);
    expect_only_blocker(fx, "autodiscover");
    assert_string_equal(item(fx, "autodiscover")->fix, "Point it at on-premises Exchange.");
}

static void
preflight__verification_cname_wrong__verification_blocks(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    add(fx, "autodiscover", XP_AUTOD_OK, "ok");
    add(fx, "preauth", XP_FEDERATION_INFO_OK, "ok");
    add(fx, "cert", XP_CERT_OK, "ok");
    add(fx, "dnsbl", XP_DNSBL_CLEAN, "ok");
    add_smtp(fx, XP_SMTP_OK, "mail.contoso.test", "ok");
    f = xp_finding_new(chk(fx, "cname"), NULL, XP_CNAME_WRONG_TARGET,
                       "Verification CNAME ms11111111.contoso.test points to ps.wrong.test");
    xp_finding_about(f, XP_ABOUT_VERIFICATION_RECORD);
    xp_finding_add(f);
    build_and_hma_ok(fx);
    eval(fx);
    expect_only_blocker(fx, "domain_verification");
}

static void
preflight__cloud_deployment__autodiscover_blocks(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;
    const struct xp_pf_item *it;

    healthy(fx);
    f = xp_finding_new(chk(fx, "cname"), NULL, XP_CNAME_DEPLOYMENT, "Deployment kind: cloud");
    xp_finding_about(f, XP_ABOUT_CLOUD_DEPLOYMENT);
    xp_finding_add(f);
    eval(fx);
    expect_only_blocker(fx, "autodiscover");
    it = item(fx, "autodiscover");
    assert_non_null(strstr(it->why, "cloud-only"));
    assert_non_null(strstr(it->fix, "autodiscover.contoso.test"));
}

static void
preflight__hybrid_deployment__no_blocker(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    healthy(fx);
    f = xp_finding_new(chk(fx, "cname"), NULL, XP_CNAME_DEPLOYMENT, "Deployment kind: hybrid");
    xp_finding_add(f);
    eval(fx);
    assert_int_equal(fx->pf.ready, 1);
}

static void
preflight__preauth_detected__no_preauth_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "preauth", XP_PREAUTH_DETECTED, "TMG forms authentication answers /EWS");
    eval(fx);
    expect_only_blocker(fx, "no_preauth");
}

static void
preflight__mrsproxy_unreachable__no_preauth_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "preauth", XP_MRSPROXY_UNREACHABLE, "/EWS/mrsproxy.svc is not published");
    eval(fx);
    expect_only_blocker(fx, "no_preauth");
}

static void
preflight__federation_failed__federation_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "preauth", XP_FEDERATION_INFO_FAILED, "GetFederationInformation: 302 to a login");
    eval(fx);
    expect_only_blocker(fx, "federation");
}

static void
preflight__cert_expired__certificates_block(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    healthy(fx);
    f = add(fx, "cert", XP_CERT_EXPIRED, "mail.contoso.test: expired 3 days ago");
    xp_finding_about(f, xp_exo_about_endpoint("mail.contoso.test", 443));
    eval(fx);
    expect_only_blocker(fx, "certificates");
}

static void
preflight__cert_warnings__only_notes(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "cert", XP_CERT_EXPIRING_SOON, "expires in 12 days");
    add(fx, "cert", XP_CERT_WEAK, "1024-bit key");   /* TLS 1.3, a warning only */
    eval(fx);
    assert_int_equal(fx->pf.ready, 1);
    assert_true(has_code(item(fx, "certificates"), XP_CERT_EXPIRING_SOON));
    assert_true(has_code(item(fx, "certificates"), XP_CERT_WEAK));
    assert_false(has_code(item(fx, "tls12"), XP_CERT_WEAK));
}

static void
preflight__old_tls__tls12_blocks(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    healthy(fx);
    f = add(fx, "cert", XP_CERT_WEAK, "the server negotiates at best TLSv1");
    xp_finding_about(f, XP_ABOUT_OLD_PROTOCOL);
    eval(fx);
    expect_only_blocker(fx, "tls12");
    assert_non_null(strstr(item(fx, "tls12")->fix, "TLS 1.2"));
}

static void
preflight__smtp_old_protocol__tls12_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "smtp", XP_SMTP_TLS_OLD_PROTOCOL, "STARTTLS negotiated TLSv1.1");
    eval(fx);
    expect_only_blocker(fx, "tls12");
}

static void
preflight__exo_mx_refused__only_a_note(void **state)
{
    struct fx *fx = *state;

    /* MX to Exchange Online Protection, unreachable from here: not what
     * Exchange Online needs to reach; the on-premises host answered. */
    healthy(fx);
    add_smtp(fx, XP_SMTP_CONNECT_FAILED, "contoso-test.mail.protection.outlook.com",
             "connection refused");
    eval(fx);
    assert_int_equal(fx->pf.ready, 1);
    assert_true(has_code(item(fx, "inbound_tls"), XP_SMTP_CONNECT_FAILED));
}

static void
preflight__only_exo_tested__inbound_unknown(void **state)
{
    struct fx *fx = *state;
    const struct xp_pf_item *it;

    add(fx, "autodiscover", XP_AUTOD_OK, "ok");
    add_smtp(fx, XP_SMTP_OK, "contoso-test.mail.protection.outlook.com", "EOP answers");
    eval(fx);
    it = item(fx, "inbound_tls");
    assert_int_equal(it->state, XP_PF_UNKNOWN);
    assert_non_null(strstr(it->fix, "--hosts"));
}

static void
preflight__onprem_refused__inbound_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add_smtp(fx, XP_SMTP_CONNECT_FAILED, "mail2.contoso.test", "connection refused");
    eval(fx);
    expect_only_blocker(fx, "inbound_tls");
}

static void
preflight__no_starttls__inbound_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "smtp", XP_SMTP_NO_STARTTLS, "mail.contoso.test does not offer STARTTLS");
    eval(fx);
    expect_only_blocker(fx, "inbound_tls");
}

static void
preflight__untrusted_smtp_cert__inbound_and_certificates_block(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    healthy(fx);
    f = add(fx, "cert", XP_CERT_UNTRUSTED, "mail.contoso.test:25: self-made CA");
    xp_finding_about(f, XP_ABOUT_SMTP_PORT);
    eval(fx);
    expect_state(fx, "inbound_tls", XP_PF_NOT_READY);
    expect_state(fx, "certificates", XP_PF_NOT_READY);
    assert_int_equal(fx->pf.blockers, 2);
}

static void
preflight__untrusted_https_cert__not_an_smtp_blocker(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    healthy(fx);
    f = add(fx, "cert", XP_CERT_UNTRUSTED, "autodiscover.contoso.test:443: self-made CA");
    xp_finding_about(f, xp_exo_about_endpoint("mail.contoso.test", 443));
    eval(fx);
    expect_only_blocker(fx, "certificates");
}

static void
preflight__connector_cert__inbound_and_certificates_block(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "smtp", XP_CONNECTOR_CERT_MISMATCH, "the certificate lacks the connector's name");
    eval(fx);
    expect_state(fx, "inbound_tls", XP_PF_NOT_READY);
    expect_state(fx, "certificates", XP_PF_NOT_READY);
}

static void
preflight__listed__sending_ip_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "dnsbl", XP_DNSBL_LISTED, "192.0.2.1 is listed on zen.spamhaus.org (127.0.0.2)");
    eval(fx);
    expect_only_blocker(fx, "sending_ip");
}

static void
preflight__connector_mismatch__sending_ip_blocks(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "dnsbl", XP_CONNECTOR_IP_MISMATCH, "192.0.2.1 is not in the connector's list");
    eval(fx);
    expect_only_blocker(fx, "sending_ip");
}

static void
preflight__query_blocked__sending_ip_unknown(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "dnsbl", XP_DNSBL_QUERY_BLOCKED, "zen.spamhaus.org refuses this resolver");
    eval(fx);
    expect_state(fx, "sending_ip", XP_PF_UNKNOWN);
    assert_string_equal(item(fx, "sending_ip")->why, "zen.spamhaus.org refuses this resolver");
    assert_int_equal(fx->pf.ready, -1);
}

static void
preflight__verification_missing__blocks_when_expected(void **state)
{
    struct fx *fx = *state;

    add(fx, "autodiscover", XP_AUTOD_OK, "ok");
    add(fx, "preauth", XP_FEDERATION_INFO_OK, "ok");
    add(fx, "cert", XP_CERT_OK, "ok");
    add(fx, "dnsbl", XP_DNSBL_CLEAN, "ok");
    add_smtp(fx, XP_SMTP_OK, "mail.contoso.test", "ok");
    add(fx, "cname", XP_TXT_VERIFICATION_MISSING, "No verification record for ms12345678");
    build_and_hma_ok(fx);
    eval(fx);
    expect_only_blocker(fx, "domain_verification");
}

static void
preflight__verification_missing_info__unknown(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;
    const struct xp_pf_item *it;

    add(fx, "autodiscover", XP_AUTOD_OK, "ok");
    add(fx, "preauth", XP_FEDERATION_INFO_OK, "ok");
    add(fx, "cert", XP_CERT_OK, "ok");
    add(fx, "dnsbl", XP_DNSBL_CLEAN, "ok");
    add_smtp(fx, XP_SMTP_OK, "mail.contoso.test", "ok");
    /* Without --expect verification=: information only. */
    f = xp_finding_new(chk(fx, "cname"), NULL, XP_TXT_VERIFICATION_MISSING, "No MS= record");
    xp_finding_severity(f, XP_SEV_INFO);
    xp_finding_add(f);
    build_and_hma_ok(fx);
    eval(fx);
    it = item(fx, "domain_verification");
    assert_int_equal(it->state, XP_PF_UNKNOWN);
    assert_non_null(strstr(it->fix, "verification = msNNNNNNNN"));
    assert_int_equal(fx->pf.ready, -1);
    assert_int_equal(fx->pf.blockers, 0);
    assert_int_equal(fx->pf.unknown, 1);
}

static void
preflight__verification_not_looked_for__unknown(void **state)
{
    struct fx *fx = *state;

    /* An on-premises deployment: the cname check skips the record. */
    add(fx, "autodiscover", XP_AUTOD_OK, "ok");
    eval(fx);
    expect_state(fx, "domain_verification", XP_PF_UNKNOWN);
}

static void
preflight__dns_error_on_autodiscover__unknown(void **state)
{
    struct fx *fx = *state;
    struct xp_finding *f;

    healthy(fx);
    f = xp_finding_new(chk(fx, "cname"), NULL, XP_CNAME_DNS_ERROR,
                       "A autodiscover.contoso.test: DNS query timed out");
    xp_finding_about(f, XP_ABOUT_AUTODISCOVER_RECORD);
    xp_finding_add(f);
    eval(fx);
    expect_state(fx, "autodiscover", XP_PF_UNKNOWN);
    expect_state(fx, "domain_verification", XP_PF_READY);
}

/* ---- what did not run ---- */

static void
preflight__check_left_out__unknown(void **state)
{
    struct fx *fx = *state;
    const struct xp_pf_item *it;
    char verdict[160];

    healthy(fx);
    /* -c cname,lync: the target has only those two. */
    fx->cp[0] = chk(fx, "cname");
    fx->cp[1] = chk(fx, "lync");
    fx->t.nchecks = 2;
    eval(fx);
    it = item(fx, "autodiscover");
    assert_int_equal(it->state, XP_PF_UNKNOWN);
    assert_non_null(strstr(it->why, "Not checked"));
    assert_non_null(strstr(it->why, "autodiscover"));
    assert_non_null(it->fix);
    expect_state(fx, "domain_verification", XP_PF_READY);
    expect_state(fx, "tls12", XP_PF_UNKNOWN);
    assert_int_equal(fx->pf.ready, -1);
    assert_int_equal(fx->pf.blockers, 0);
    assert_int_equal(fx->pf.unknown, 11);
    xp_preflight_verdict(&fx->pf, verdict, sizeof(verdict));
    assert_string_equal(verdict,
                        "ready: unknown \xE2\x80\x94 no blocker found, 11 of 12 items unknown");
}

static void
preflight__blocker_wins_over_unknown(void **state)
{
    struct fx *fx = *state;
    char verdict[160];

    /* Only cname ran; it found a blocker: not ready, whatever the rest. */
    fx->cp[0] = chk(fx, "cname");
    fx->t.nchecks = 1;
    add(fx, "cname", XP_TXT_VERIFICATION_MISSING, "No verification record for ms12345678");
    eval(fx);
    assert_int_equal(fx->pf.ready, 0);
    assert_int_equal(fx->pf.blockers, 1);
    xp_preflight_verdict(&fx->pf, verdict, sizeof(verdict));
    assert_string_equal(verdict, "ready: no \xE2\x80\x94 1 blocker");
}

static void
preflight__two_blockers__plural(void **state)
{
    struct fx *fx = *state;
    char verdict[160];

    healthy(fx);
    add(fx, "preauth", XP_PREAUTH_DETECTED, "TMG");
    add(fx, "smtp", XP_SMTP_NO_STARTTLS, "no STARTTLS");
    eval(fx);
    xp_preflight_verdict(&fx->pf, verdict, sizeof(verdict));
    assert_string_equal(verdict, "ready: no \xE2\x80\x94 2 blockers");
}

static void
preflight__running_check__unknown_then_ready(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    chk(fx, "smtp")->done = 0;
    eval(fx);
    expect_state(fx, "inbound_tls", XP_PF_UNKNOWN);
    assert_non_null(strstr(item(fx, "inbound_tls")->why, "still running"));
    chk(fx, "smtp")->done = 1;
    eval(fx);
    expect_state(fx, "inbound_tls", XP_PF_READY);
}

static void
preflight__waiting_check__unknown(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    chk(fx, "cert")->started = chk(fx, "cert")->done = 0;
    eval(fx);
    expect_state(fx, "certificates", XP_PF_UNKNOWN);
    assert_non_null(strstr(item(fx, "certificates")->why, "not started"));
}

static void
preflight__skipped_check__unknown_with_reason(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    xp_check_skip(chk(fx, "cert"), "no TLS endpoint met");
    chk(fx, "cert")->status = XP_ST_SKIP;
    eval(fx);
    expect_state(fx, "certificates", XP_PF_UNKNOWN);
    assert_non_null(strstr(item(fx, "certificates")->why, "no TLS endpoint met"));
    assert_non_null(strstr(item(fx, "certificates")->fix, "--hosts"));
}

static void
preflight__interrupted__unknown_but_blockers_stay(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "preauth", XP_PREAUTH_DETECTED, "TMG");
    fx->t.interrupted = 1;
    eval(fx);
    expect_state(fx, "no_preauth", XP_PF_NOT_READY);
    expect_state(fx, "autodiscover", XP_PF_UNKNOWN);
    assert_non_null(strstr(item(fx, "autodiscover")->why, "interrupted"));
    assert_int_equal(fx->pf.ready, 0);
}

static void
preflight__federation_without_answer__unknown(void **state)
{
    struct fx *fx = *state;

    /* preauth ran, but no GetFederationInformation answer was seen. */
    add(fx, "autodiscover", XP_AUTOD_OK, "ok");
    eval(fx);
    expect_state(fx, "federation", XP_PF_UNKNOWN);
    expect_state(fx, "no_preauth", XP_PF_READY);
}

static void
preflight__codes__deduplicated_in_order(void **state)
{
    struct fx *fx = *state;
    const struct xp_pf_item *it;

    healthy(fx);
    add(fx, "preauth", XP_PREAUTH_DETECTED, "TMG on /autodiscover");
    add(fx, "preauth", XP_MRSPROXY_UNREACHABLE, "mrsproxy");
    add(fx, "preauth", XP_PREAUTH_DETECTED, "TMG on /EWS");
    eval(fx);
    it = item(fx, "no_preauth");
    assert_int_equal(it->ncodes, 2);
    assert_int_equal(it->codes[0], XP_PREAUTH_DETECTED);
    assert_int_equal(it->codes[1], XP_MRSPROXY_UNREACHABLE);
    assert_string_equal(it->why, "TMG on /autodiscover");   /* the first blocker */
}

static void
preflight__result_owns_strings__survives_rerun(void **state)
{
    struct fx *fx = *state;

    healthy(fx);
    add(fx, "preauth", XP_PREAUTH_DETECTED, "TMG forms authentication");
    eval(fx);
    /* A TUI rerun frees the check's findings; the checklist must not care. */
    xp_check_clear(chk(fx, "preauth"));
    assert_string_equal(item(fx, "no_preauth")->why, "TMG forms authentication");
    assert_non_null(item(fx, "no_preauth")->fix);
    xp_preflight_clear(&fx->pf);
    assert_int_equal(fx->pf.nitems, 0);
    xp_preflight_clear(&fx->pf);   /* twice is fine */
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(preflight__healthy_run__ready_yes),
        T(preflight__item_ids__stable_and_ordered),
        T(preflight__autod_no_endpoint__autodiscover_blocks),
        T(preflight__one_method_refused__only_a_note),
        T(preflight__autodiscover_cname_wrong__autodiscover_blocks),
        T(preflight__verification_cname_wrong__verification_blocks),
        T(preflight__cloud_deployment__autodiscover_blocks),
        T(preflight__hybrid_deployment__no_blocker),
        T(preflight__preauth_detected__no_preauth_blocks),
        T(preflight__mrsproxy_unreachable__no_preauth_blocks),
        T(preflight__federation_failed__federation_blocks),
        T(preflight__cert_expired__certificates_block),
        T(preflight__cert_warnings__only_notes),
        T(preflight__old_tls__tls12_blocks),
        T(preflight__smtp_old_protocol__tls12_blocks),
        T(preflight__exo_mx_refused__only_a_note),
        T(preflight__only_exo_tested__inbound_unknown),
        T(preflight__onprem_refused__inbound_blocks),
        T(preflight__no_starttls__inbound_blocks),
        T(preflight__untrusted_smtp_cert__inbound_and_certificates_block),
        T(preflight__untrusted_https_cert__not_an_smtp_blocker),
        T(preflight__connector_cert__inbound_and_certificates_block),
        T(preflight__listed__sending_ip_blocks),
        T(preflight__connector_mismatch__sending_ip_blocks),
        T(preflight__query_blocked__sending_ip_unknown),
        T(preflight__verification_missing__blocks_when_expected),
        T(preflight__verification_missing_info__unknown),
        T(preflight__verification_not_looked_for__unknown),
        T(preflight__dns_error_on_autodiscover__unknown),
        T(preflight__check_left_out__unknown),
        T(preflight__blocker_wins_over_unknown),
        T(preflight__two_blockers__plural),
        T(preflight__running_check__unknown_then_ready),
        T(preflight__waiting_check__unknown),
        T(preflight__skipped_check__unknown_with_reason),
        T(preflight__interrupted__unknown_but_blockers_stay),
        T(preflight__federation_without_answer__unknown),
        T(preflight__codes__deduplicated_in_order),
        T(preflight__result_owns_strings__survives_rerun),
    };

    return cmocka_run_group_tests_name("preflight", tests, NULL, NULL);
}
