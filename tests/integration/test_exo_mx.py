"""Exchange Online's MX everywhere (include/xp_exo.h): the DNSSEC MX
*.<x>-v1.mx.microsoft is Exchange Online's for cname (no MX_NOT_EXO, no
MX_MIXED), the legacy + new MX together is MX_DANE_MIGRATION (info, with
the next step), and an mx.microsoft look-alike is not Exchange Online's.
Lab zones: fixtures/dns/zones/{mx.microsoft,exodnssec13.test,exomigr13.test,
exolook13.test}.zone."""

import json

from harness import (assert_code, assert_exit, assert_no_code, assert_no_problems,
                     assert_status, fail, probe)


def test_dnssec_mx_is_exchange_online():
    r, doc = probe("exodnssec13.test", checks="cname", expect="cloud")
    assert_exit(r, 0)
    assert_status(doc, "pass", check_id="cname", r=r)
    for code in ("MX_NOT_EXO", "MX_MIXED", "MX_DANE_MIGRATION"):
        assert_no_code(doc, code, r=r)
    assert_no_problems(doc, r)


def test_dnssec_mx_inferred_cloud():
    # Without --expect the new MX alone still says "Exchange Online".
    r, doc = probe("exodnssec13.test", checks="cname")
    ev = assert_code(doc, "CNAME_DEPLOYMENT", check_id="cname", count=1, r=r)[0]["evidence"]
    if ev.get("deployment") != "cloud":
        fail("exodnssec13.test inferred as %r, want cloud" % ev.get("deployment"))
    assert_no_code(doc, "MX_NOT_EXO", r=r)


def test_migration_is_info_with_next_step():
    r, doc = probe("exomigr13.test", checks="cname", expect="cloud")
    f = assert_code(doc, "MX_DANE_MIGRATION", severity="info", check_id="cname", count=1,
                    r=r)[0]
    assert_no_code(doc, "MX_MIXED", r=r)
    assert_no_code(doc, "MX_NOT_EXO", r=r)
    assert_exit(r, 0)
    fix = f.get("remediation") or ""
    for want in ("preference 0", "delete the legacy", "Enable-SmtpDaneInbound -DomainName "
                 "exomigr13.test"):
        if want not in fix:
            fail("MX_DANE_MIGRATION fix lacks %r: %r" % (want, fix))
    ev = f.get("evidence") or {}
    if ev.get("legacy_preference") != 0 or ev.get("dnssec_preference") != 20:
        fail("MX_DANE_MIGRATION evidence preferences: %s" % json.dumps(ev))


def test_lookalike_is_not_exchange_online():
    r, doc = probe("exolook13.test", checks="cname", expect="cloud")
    assert_code(doc, "MX_NOT_EXO", severity="fail", check_id="cname", count=1, r=r)
    assert_exit(r, 2)


def test_connector_cert_not_checked_on_microsoft_mx():
    # smtp with tls_cert_name: Microsoft's MX (whatever answers there) is
    # never judged against the customer's connector certificate name.
    import os
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as t:
        t.write("deployment = hybrid\ntls_cert_name = mail.exodnssec13.test\n")
    try:
        r, doc = probe("exodnssec13.test", "--timeout", "1", checks="smtp", expect=t.name)
        assert_no_code(doc, "CONNECTOR_CERT_MISMATCH", r=r)
    finally:
        os.unlink(t.name)


def test_tenant_on_mx_microsoft_full_run_has_no_mx_or_connector_findings():
    # Every check, a hybrid expectation with a connector certificate name:
    # a tenant whose MX is *.mx.microsoft (alone, signed with DANE; alone,
    # unsigned; or mid-migration with the legacy MX) is never told its MX is
    # not Exchange Online, mixed, or that Microsoft's MX does not present the
    # customer's connector certificate.
    import os
    import tempfile
    from harness import findings, lab_dir
    labd = lab_dir()
    ca = os.path.join(labd, "certs", "ca.pem")
    anchors = os.path.join(labd, "dane13", "anchors.key")
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as t:
        t.write("deployment = hybrid\ntls_cert_name = mail.contoso.test\n")
    try:
        for dom in ("exo.dane13.test", "exodnssec13.test", "exomigr13.test"):
            r, doc = probe(dom, "--ca-file", ca, "--trust-anchor", anchors, "--timeout", "2",
                           checks="all", expect=t.name)
            got = sorted({f["code"] for f in findings(doc)})
            NOT_EXPECTED = ("MX_NOT_EXO", "MX_MIXED", "CONNECTOR_CERT_MISMATCH")
            NOT_EXPECTED += ("CONNECTOR_CERT_RENEWAL", "SMTP_CERT_INVALID")
            for code in NOT_EXPECTED:
                if code in got:
                    fail("%s: %s in a full run (codes: %s)" % (dom, code, got))
            if dom == "exo.dane13.test" and "DANE_OK" not in got:
                fail("exo.dane13.test: no DANE_OK in a full run: %s" % got)
    finally:
        os.unlink(t.name)


def test_preflight_does_not_take_microsofts_mx_for_an_on_premises_host():
    # exo.dane13.test, hybrid expected: its only MX is Exchange Online's
    # DNSSEC MX (healthy, DANE_OK). The pre-flight's inbound TLS item must not
    # judge Microsoft's host as the on-premises server: not ready it is not.
    import os
    from harness import lab_dir
    from test_preflight import preflight
    labd = lab_dir()
    r, doc, pf, items = preflight("exo.dane13.test", "--ca-file",
                                  os.path.join(labd, "certs", "ca.pem"), "--trust-anchor",
                                  os.path.join(labd, "dane13", "anchors.key"), "--timeout", "2",
                                  checks="smtp,dane,cname", expect="hybrid")
    it = items["inbound_tls"]
    if it["state"] == "not_ready":
        fail("inbound_tls not ready on Exchange Online's MX: %s" % it)
    if "Exchange Online" not in it["why"]:
        fail("inbound_tls does not say the MX is Exchange Online's: %s" % it)
