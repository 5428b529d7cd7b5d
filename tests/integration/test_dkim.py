"""dkim check against the lab (issue 14): Microsoft 365's selector1/selector2
CNAMEs in both target formats, the tenant they point into, the key behind the
selector in use, and a gateway's own selectors named in --expect. Zones:
fixtures/dns/zones/dkim-*14.test.zone, onmicrosoft.com.zone,
dkim.mail.microsoft.zone; each zone's header names its expected finding."""

from harness import (assert_code, assert_eq, assert_exit, assert_no_problems,
                     assert_problem_shape, assert_status, check, fail, findings, probe,
                     problems)


def _dkim(domain, expect=None):
    return probe(domain, checks="dkim", expect=expect)


def _only(doc, code, severity, r):
    f = assert_code(doc, code, severity=severity, check_id="dkim", count=1, r=r)[0]
    other = [p["code"] for p in problems(doc) if p["code"] != code]
    if other:
        fail("%s: besides %s, unexpected problems %s" % (doc.get("target"), code, other))
    if severity != "info":
        assert_problem_shape(f, doc)
    return f


# ---------------------------------------------------------------- healthy

def _healthy(domain, fmt, expect=None):
    r, doc = _dkim(domain, expect)
    assert_exit(r, 0)
    assert_status(doc, "pass", check_id="dkim", r=r)
    assert_no_problems(doc, r)
    f = _only(doc, "DKIM_OK", "info", r)
    ev = f.get("evidence") or {}
    assert_eq(ev.get("tenant"), "contoso14", "%s DKIM_OK evidence.tenant" % domain)
    assert_eq(ev.get("format"), fmt, "%s DKIM_OK evidence.format" % domain)
    if "RSA 2048" not in f["message"]:
        fail("DKIM_OK does not name the key (RSA 2048): %r" % f["message"])
    return r, doc


def test_good_legacy_format():
    _healthy("dkim-good14.test", "onmicrosoft")


def test_good_2025_format():
    _healthy("dkim-new14.test", "dkim.mail.microsoft")


def test_lab_cloud_and_hybrid_healthy():
    _healthy("cloud.test", "onmicrosoft")
    _healthy("hybrid.test", "onmicrosoft")


def test_inactive_selector_without_key_is_no_fault():
    # Microsoft publishes only the active selector's key: selector2 has none.
    r, doc = _dkim("dkim-good14.test")
    notes = [s for c in doc["checks"] for s in c["steps"] if "selector2" in s["title"]]
    if not notes or "not in use" not in (notes[0].get("detail") or ""):
        fail("selector2's step should say its missing key is normal: %r" % notes)


def test_onprem_skipped():
    # (with dkim alone, a run where no check reached a verdict is "unknown")
    r, doc = probe("onprem.test", checks="dkim,cname")
    assert_exit(r, 0)
    assert_status(doc, "skip", check_id="dkim", r=r)
    if "dkim_selectors" not in (check(doc, "dkim").get("skip_reason") or ""):
        fail("the skip reason should say how to name a gateway's selectors: %r"
             % check(doc, "dkim"))


def test_gateway_selectors_from_expect():
    r, doc = probe("dkim-gw14.test", checks="dkim,cname")
    assert_status(doc, "skip", check_id="dkim", r=r)
    r, doc = _dkim("dkim-gw14.test", expect="dkim-gw14")
    assert_exit(r, 0)
    f = _only(doc, "DKIM_OK", "info", r)
    if "gw1" not in f["message"]:
        fail("DKIM_OK should name the gateway selector gw1: %r" % f["message"])


# ---------------------------------------------------------------- broken

def test_cnames_missing():
    r, doc = _dkim("dkim-missing14.test")
    assert_exit(r, 1)
    f = _only(doc, "DKIM_CNAME_MISSING", "warn", r)
    fix = f["remediation"]
    for want in ("selector1._domainkey.dkim-missing14.test. 3600 IN CNAME "
                 "selector1-dkim-missing14-test._domainkey.",
                 "selector2._domainkey.dkim-missing14.test. 3600 IN CNAME "
                 "selector2-dkim-missing14-test._domainkey.",
                 "Email authentication settings > DKIM"):
        if want not in fix:
            fail("the fix should contain %r: %r" % (want, fix))


def test_wrong_tenant():
    r, doc = _dkim("dkim-tenant14.test")
    assert_exit(r, 1)
    f = _only(doc, "DKIM_CNAME_WRONG_TENANT", "warn", r)
    for t in ("contoso14", "fabrikam14"):
        if t not in f["message"]:
            fail("DKIM_CNAME_WRONG_TENANT should name tenant %s: %r" % (t, f["message"]))


def test_wrong_tenant_against_expect(tmp_expect=None):
    import os
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as fh:
        fh.write("tenant = fabrikam14.onmicrosoft.com\n")
        path = fh.name
    try:
        r, doc = _dkim("dkim-good14.test", expect=path)
        assert_exit(r, 2)
        _only(doc, "DKIM_CNAME_WRONG_TENANT", "fail", r)
    finally:
        os.unlink(path)


def test_weak_key():
    r, doc = _dkim("dkim-weak14.test")
    assert_exit(r, 1)
    f = _only(doc, "DKIM_KEY_WEAK", "warn", r)
    assert_eq((f.get("evidence") or {}).get("key_bits"), 1024, "DKIM_KEY_WEAK key_bits")


def test_invalid_key():
    r, doc = _dkim("dkim-invalid14.test")
    assert_exit(r, 2)
    f = _only(doc, "DKIM_KEY_INVALID", "fail", r)
    if "base64" not in f["message"]:
        fail("DKIM_KEY_INVALID should say why: %r" % f["message"])


def test_no_key_signing_not_enabled():
    r, doc = _dkim("dkim-nokey14.test")
    assert_exit(r, 1)
    f = _only(doc, "DKIM_KEY_MISSING", "warn", r)
    if "Defender" not in f["remediation"]:
        fail("DKIM_KEY_MISSING fix should say where to enable signing: %r" % f["remediation"])


def test_every_dkim_finding_has_a_step():
    for dom in ("dkim-missing14.test", "dkim-tenant14.test", "dkim-weak14.test"):
        r, doc = _dkim(dom)
        for f in findings(doc, check_id="dkim"):
            if f.get("severity") != "info" and not f.get("step"):
                fail("%s: %s is not attached to a step" % (dom, f["code"]))
