"""cname check against the lab zones (fixtures/dns/zones/*.zone): each lab
domain is one case and its zone header names the finding it must produce."""

import json
import os

from harness import (LAB_CHECKS, assert_code, assert_eq, assert_exit, assert_exit_matches,
                     assert_no_code, assert_no_problems, assert_problem_shape,
                     assert_status, ctx, fail, findings, lab_dir, probe, problems)

# Codes that mean "something is wrong" (whatever their severity).
PROBLEM_CODES = {
    "CNAME_MISSING", "CNAME_WRONG_TARGET", "TXT_VERIFICATION_MISSING", "MX_NOT_EXO",
    "MX_MIXED", "SPF_MISSING", "SPF_MISSING_INCLUDE", "SPF_MULTIPLE", "CNAME_MSOID",
    "CNAME_DNS_ERROR", "LYNC_CNAME_MISSING", "LYNC_CNAME_WRONG", "LYNC_SRV_MISSING",
    "LYNC_SRV_WRONG", "LYNC_SRV_OTHER_DOMAIN", "LYNC_UNREACHABLE", "LYNC_DNS_ERROR",
}


def deployment(doc):
    f = assert_code(doc, "CNAME_DEPLOYMENT", severity="info", check_id="cname", count=1)[0]
    return f.get("evidence") or {}


# ---------------------------------------------------------------- healthy

def _healthy(domain, kind, expect=None):
    r, doc = probe(domain, checks="cname", expect=expect)
    assert_exit(r, 0)
    assert_status(doc, "pass", r=r)
    assert_status(doc, "pass", check_id="cname", r=r)
    assert_code(doc, "CNAME_OK", severity="info", check_id="cname", count=1, r=r)
    assert_no_problems(doc, r)
    ev = deployment(doc)
    assert_eq(ev.get("deployment"), kind, "%s CNAME_DEPLOYMENT evidence.deployment" % domain)
    assert_eq(ev.get("source"), "expect" if expect else "inferred",
              "%s CNAME_DEPLOYMENT evidence.source" % domain)
    return r, doc


def test_cloud_healthy():
    r, doc = _healthy("cloud.test", "cloud")
    f = assert_code(doc, "TXT_VERIFICATION_FOUND", severity="info", check_id="cname", r=r)[0]
    if "ms12345678" not in json.dumps(f.get("evidence")):
        fail("TXT_VERIFICATION_FOUND evidence does not name ms12345678: %r" % f.get("evidence"))


def test_hybrid_healthy():
    r, doc = _healthy("hybrid.test", "hybrid")
    assert_code(doc, "TXT_VERIFICATION_FOUND", severity="info", check_id="cname", r=r)


def test_onprem_healthy():
    r, doc = _healthy("onprem.test", "onprem")
    # On-premises: no Office 365 record is required, none may be demanded.
    for code in ("MX_NOT_EXO", "CNAME_MISSING", "SPF_MISSING_INCLUDE"):
        assert_no_code(doc, code, r=r)


def test_cloud_healthy_with_expect():
    _healthy("cloud.test", "cloud", expect="cloud")


def test_hybrid_healthy_with_expect():
    _healthy("hybrid.test", "hybrid", expect="hybrid")


def test_onprem_healthy_with_expect():
    _healthy("onprem.test", "onprem", expect="onprem")


def test_txtmangled_still_passes():
    # Hostile TXT data must not cause findings; MS= and SPF are still found.
    r, doc = _healthy("txtmangled.test", "cloud")
    assert_code(doc, "TXT_VERIFICATION_FOUND", severity="info", check_id="cname", r=r)


def test_healthy_domains_have_no_problem_code():
    cases = [("cloud.test", None), ("hybrid.test", None), ("onprem.test", None),
             ("cloud.test", "cloud"), ("hybrid.test", "hybrid"), ("onprem.test", "onprem"),
             ("txtmangled.test", None), ("verifmx14.test", None),
             ("vianet14.test", "vianet14"), ("intune14.test", "intune14"),
             ("teams14.test", None), ("teamsfed14.test", None)]
    bad = []
    for domain, expect in cases:
        # The lab root: onprem.test's Lync Edge certificate is trusted with it.
        r, doc = probe(domain, "--ca-file", os.path.join(lab_dir(), "certs", "ca.pem"),
                       expect=expect, checks=LAB_CHECKS)
        got = sorted({f["code"] for f in findings(doc)} & PROBLEM_CODES)
        got += ["%s(%s)" % (f["code"], f["severity"]) for f in problems(doc)
                if f["code"] not in PROBLEM_CODES]
        if got or r.code != 0 or doc.get("status") != "pass":
            bad.append("%s%s: exit %s, status %s, problem codes %s" % (
                domain, " --expect %s" % expect if expect else "", r.code,
                doc.get("status"), got))
    if bad:
        fail("healthy domains with problems: " + "; ".join(bad))


# ---------------------------------------------------------------- broken

def _broken(domain, code, severity, exit_code, expect=None, count=None, mention=None):
    """DOMAIN (cname check only) yields CODE with SEVERITY, the check and
    document status follow the worst severity, exit is EXIT_CODE; every
    warn/fail finding carries evidence and a remediation."""
    r, doc = probe(domain, checks="cname", expect=expect)
    found = assert_code(doc, code, severity=severity, check_id="cname", count=count, r=r)
    worst = max((f["severity"] for f in findings(doc, check_id="cname")),
                key=lambda s: {"info": 0, "warn": 1, "fail": 2}.get(s, 0))
    want_status = {"info": "pass", "warn": "warn", "fail": "fail"}[worst]
    assert_status(doc, want_status, check_id="cname", r=r)
    assert_status(doc, want_status, r=r)
    assert_no_code(doc, "CNAME_OK", check_id="cname", r=r)
    for f in problems(doc):
        assert_problem_shape(f)
    assert_exit(r, exit_code)
    assert_exit_matches(r, doc)
    if mention:
        ev = json.dumps([f.get("evidence") for f in found])
        if mention not in ev:
            fail("%s evidence does not mention %r: %s" % (code, mention, ev))
    return r, doc


def test_nocname_cname_missing():
    _broken("nocname.test", "CNAME_MISSING", "fail", 2, count=1,
            mention="autodiscover.nocname.test")


def test_wrongcname_inferred_wrong_target():
    # autodiscover CNAME -> autodiscover.wrong.test, which does not resolve:
    # whatever deployment is inferred, a dangling autodiscover name is wrong.
    _broken("wrongcname.test", "CNAME_WRONG_TARGET", "fail", 2,
            mention="autodiscover.wrong.test")


def test_mxonprem_mx_not_exo():
    _broken("mxonprem.test", "MX_NOT_EXO", "fail", 2, expect="cloud", count=1,
            mention="mail.mxonprem.test")


def test_mxonprem_mx_not_exo_inferred():
    _broken("mxonprem.test", "MX_NOT_EXO", "fail", 2, count=1)


def test_mxmixed_mx_mixed():
    _broken("mxmixed.test", "MX_MIXED", "warn", 1, count=1, mention="backup.mxmixed.test")


def test_nospf_spf_missing():
    _broken("nospf.test", "SPF_MISSING", "warn", 1, count=1)


def test_spfnoinc_spf_missing_include():
    _broken("spfnoinc.test", "SPF_MISSING_INCLUDE", "warn", 1, count=1,
            mention="ip4:127.0.1.14")


def test_spfmulti_spf_multiple():
    r, doc = _broken("spfmulti.test", "SPF_MULTIPLE", "fail", 2, count=1)
    ev = json.dumps(findings(doc, "SPF_MULTIPLE")[0].get("evidence"))
    for rec in ("include:spf.protection.outlook.com", "ip4:127.0.1.15"):
        if rec not in ev:
            fail("SPF_MULTIPLE evidence does not show both records (%s missing): %s" % (rec, ev))


def test_msoid_cname_msoid():
    _broken("msoid.test", "CNAME_MSOID", "fail", 2, count=1,
            mention="clientconfig.partner.microsoftonline-p.net.cn")


# ---------------------------------------------------------------- --expect

def _stated(doc, kind):
    ev = deployment(doc)
    assert_eq(ev.get("deployment"), kind, "CNAME_DEPLOYMENT evidence.deployment")
    assert_eq(ev.get("source"), "expect", "CNAME_DEPLOYMENT evidence.source")


def test_bpos_cname_is_a_harmless_leftover_not_verification():
    # Microsoft 365 verifies with TXT MS= or the MX; the BPOS-era CNAME is
    # neither: with a code expected, the TXT is asked for (then the MX).
    r, doc = _broken("bpos.test", "TXT_VERIFICATION_MISSING", "warn", 1, expect="bpos",
                     count=1, mention="ms11111111")
    assert_no_code(doc, "TXT_VERIFICATION_FOUND", r=r)
    assert_no_code(doc, "CNAME_WRONG_TARGET", r=r)
    f = findings(doc, "TXT_VERIFICATION_MISSING")[0]
    if "MS=ms11111111" not in f["remediation"] or "ps.microsoftonline.com" in f["remediation"]:
        fail("the fix should offer the TXT, never the BPOS CNAME: %r" % f["remediation"])
    steps = [s for c in doc["checks"] for s in c["steps"] if s["title"] == "Domain verification record"]
    if not steps or "BPOS" not in (steps[0].get("detail") or ""):
        fail("the verification step should name the BPOS leftover: %r" % steps)


def test_badbpos_cname_is_not_judged():
    r, doc = _broken("badbpos.test", "TXT_VERIFICATION_MISSING", "warn", 1, expect="bpos",
                     count=1)
    _stated(doc, "cloud")
    assert_no_code(doc, "TXT_VERIFICATION_FOUND", r=r)
    assert_no_code(doc, "CNAME_WRONG_TARGET", r=r)


def test_noverify_with_expect_verification_missing():
    r, doc = _broken("noverify.test", "TXT_VERIFICATION_MISSING", "warn", 1,
                     expect="noverify", count=1, mention="ms99999999")
    _stated(doc, "cloud")


def test_hybridcloudad_with_expect_wrong_target():
    r, doc = _broken("hybridcloudad.test", "CNAME_WRONG_TARGET", "fail", 2, expect="hybrid",
                     mention="autodiscover.outlook.com")
    _stated(doc, "hybrid")


def test_hybridcloudad_inferred_cloud():
    # Without --expect the same records read as a healthy cloud tenant.
    r, doc = probe("hybridcloudad.test", checks="cname")
    ev = deployment(doc)
    assert_eq((ev.get("deployment"), ev.get("source")), ("cloud", "inferred"),
              "hybridcloudad.test deployment without --expect")


def test_wrongcname_with_expect_wrong_target():
    r, doc = _broken("wrongcname.test", "CNAME_WRONG_TARGET", "fail", 2, expect="cloud",
                     count=1, mention="autodiscover.wrong.test")
    _stated(doc, "cloud")


def test_stated_deployment_overrides_inference():
    # hybrid.test infers "hybrid"; stating cloud must be reported as stated
    # and judged as cloud: the on-prem autodiscover is then wrong.
    r, doc = probe("hybrid.test", checks="cname", expect="cloud")
    _stated(doc, "cloud")
    if not problems(doc, "cname"):
        fail("hybrid.test judged as cloud has no problem %s" % ctx(doc, r))
    assert_code(doc, "CNAME_WRONG_TARGET", check_id="cname", r=r)


# ---------------------------------------------------------------- SPF lookup limit

def _spf_step(doc, domain):
    steps = [s for c in doc.get("checks", []) if c.get("id") == "cname"
             for s in c.get("steps", []) if s.get("title") == "SPF record"]
    if len(steps) != 1:
        fail("%s: want one 'SPF record' step in cname, got %d" % (domain, len(steps)))
    return steps[0]


def _spf_children(doc, domain):
    return [s.get("title") for s in _spf_step(doc, domain).get("steps", [])]


def test_spflimit_too_many_lookups():
    # 13 lookups once the nested includes are expanded (zone header).
    r, doc = _broken("spflimit.test", "SPF_TOO_MANY_LOOKUPS", "fail", 2, count=1,
                     mention="include:a.spflimit.test")
    ev = findings(doc, "SPF_TOO_MANY_LOOKUPS")[0].get("evidence") or {}
    n = ev.get("lookups")
    if not isinstance(n, int) or n < 11:
        fail("SPF_TOO_MANY_LOOKUPS evidence.lookups %r, want an integer >= 11" % n)
    assert_eq(ev.get("limit"), 10, "SPF_TOO_MANY_LOOKUPS evidence.limit")
    tree = "\n".join(ev.get("tree") or [])
    for term in ("include:spf.protection.outlook.com", "include:a.spflimit.test",
                 "include:b.spflimit.test", "include:c.spflimit.test",
                 "include:d.spflimit.test"):
        if term not in tree:
            fail("SPF_TOO_MANY_LOOKUPS evidence.tree lacks %s: %r" % (term, ev.get("tree")))
    # The domain has the Exchange Online include and no dangling one.
    assert_no_code(doc, "SPF_MISSING_INCLUDE", r=r)
    kids = _spf_children(doc, "spflimit.test")
    for name in ("spf.protection.outlook.com", "a.spflimit.test", "b.spflimit.test"):
        if "TXT " + name not in kids:
            fail("'SPF record' step has no child step for TXT %s: %s" % (name, kids))


def test_spfok_nested_exactly_ten_passes():
    # Nested includes and a redirect: exactly 10 lookups, which is allowed.
    r, doc = _healthy("spfok-nested.test", "cloud")
    assert_no_code(doc, "SPF_TOO_MANY_LOOKUPS", r=r)
    step = _spf_step(doc, "spfok-nested.test")
    if "10 of 10" not in (step.get("detail") or ""):
        fail("spfok-nested.test 'SPF record' detail does not count 10 of 10: %r"
             % step.get("detail"))
    kids = _spf_children(doc, "spfok-nested.test")
    for name in ("a.spfok-nested.test", "b.spfok-nested.test", "c.spfok-nested.test",
                 "d.spfok-nested.test"):
        if "TXT " + name not in kids:
            fail("include/redirect %s not followed: 'SPF record' children %s" % (name, kids))


def test_spfvoid_dangling_include():
    # include: of a name that does not exist: a permanent error (RFC 7208
    # 5.2) reported as SPF_MISSING_INCLUDE (fail), with the void lookup.
    r, doc = _broken("spfvoid.test", "SPF_MISSING_INCLUDE", "fail", 2, count=1,
                     mention="gone.spfvoid.test")
    ev = findings(doc, "SPF_MISSING_INCLUDE")[0].get("evidence") or {}
    if "gone.spfvoid.test" not in json.dumps(ev.get("void_lookups")):
        fail("SPF_MISSING_INCLUDE evidence.void_lookups does not name gone.spfvoid.test: %r"
             % ev)
    assert_no_code(doc, "SPF_TOO_MANY_LOOKUPS", r=r)


def test_healthy_spf_lookups_counted():
    # cloud.test and hybrid.test include spf.protection.outlook.com (its lab
    # record has no lookups: 1 in all); onprem.test has "mx" (1).
    for domain, child in (("cloud.test", "TXT spf.protection.outlook.com"),
                          ("hybrid.test", "TXT spf.protection.outlook.com"),
                          ("onprem.test", None)):
        r, doc = _healthy(domain, domain.split(".")[0])
        assert_no_code(doc, "SPF_TOO_MANY_LOOKUPS", r=r)
        step = _spf_step(doc, domain)
        if "1 of 10" not in (step.get("detail") or ""):
            fail("%s 'SPF record' detail does not count 1 of 10: %r"
                 % (domain, step.get("detail")))
        if child and child not in _spf_children(doc, domain):
            fail("%s: the include was not fetched ('SPF record' children %s)"
                 % (domain, _spf_children(doc, domain)))
