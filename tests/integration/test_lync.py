"""lync check against the lab zones."""

import json

from harness import (assert_code, assert_eq, assert_exit, assert_exit_matches,
                     assert_no_code, assert_no_problems, assert_problem_shape,
                     assert_status, fail, findings, probe, problems, all_steps)



def lab_ca():
    """The lab root: the on-premises Edge's certificate is trusted only with it."""
    import os
    from harness import lab_dir
    return os.path.join(lab_dir(), "certs", "ca.pem")

def lync_deployment(doc):
    f = assert_code(doc, "LYNC_DEPLOYMENT", severity="info", check_id="lync", count=1)[0]
    return (f.get("evidence") or {}).get("deployment")


def queries(fs):
    return [str((f.get("evidence") or {}).get("query", "")) for f in fs]


def test_cloud_lync_ok():
    r, doc = probe("cloud.test", checks="lync")
    assert_exit(r, 0)
    assert_status(doc, "pass", check_id="lync", r=r)
    assert_code(doc, "LYNC_OK", severity="info", check_id="lync", count=1, r=r)
    assert_no_problems(doc, r)
    assert_eq(lync_deployment(doc), "online", "cloud.test LYNC_DEPLOYMENT evidence.deployment")
    # The TLS connections to both SRV targets happened and passed.
    tcp = [s for s in all_steps(doc, "lync") if s.get("title", "").startswith("TLS ")]
    titles = " ".join(s["title"] for s in tcp)
    for want in ("sipdir.online.lync.com:443", "sipfed.online.lync.com:5061"):
        if want not in titles:
            fail("no TLS step for %s (TLS steps: %s)" % (want, titles or "none"))
    bad = [s["title"] for s in tcp if s.get("status") != "pass"]
    if bad:
        fail("TLS steps not passed: %s" % bad)


def test_onprem_lync_ok():
    r, doc = probe("onprem.test", "--ca-file", lab_ca(), checks="lync")
    assert_exit(r, 0)
    assert_status(doc, "pass", check_id="lync", r=r)
    assert_code(doc, "LYNC_OK", severity="info", check_id="lync", count=1, r=r)
    assert_no_problems(doc, r)
    assert_eq(lync_deployment(doc), "onprem", "onprem.test LYNC_DEPLOYMENT evidence.deployment")


def test_onprem_lync_ok_with_expect():
    r, doc = probe("onprem.test", "--ca-file", lab_ca(), checks="lync", expect="onprem")
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    assert_eq(lync_deployment(doc), "onprem", "LYNC_DEPLOYMENT with onprem.conf")


def test_lyncmissing_all_four_missing():
    # Skype for Business expected (lync = online): every missing record is told.
    r, doc = probe("lyncmissing.test", checks="lync", expect="lync-online14")
    cn = assert_code(doc, "LYNC_CNAME_MISSING", severity="warn", check_id="lync", count=2, r=r)
    srv = assert_code(doc, "LYNC_SRV_MISSING", severity="warn", check_id="lync", count=2, r=r)
    q = " ".join(queries(cn))
    for name in ("sip.lyncmissing.test", "lyncdiscover.lyncmissing.test"):
        if name not in q:
            fail("no LYNC_CNAME_MISSING for %s (queries: %s)" % (name, q))
    q = " ".join(queries(srv))
    for name in ("_sip._tls.lyncmissing.test", "_sipfederationtls._tcp.lyncmissing.test"):
        if name not in q:
            fail("no LYNC_SRV_MISSING for %s (queries: %s)" % (name, q))
    for f in cn + srv:
        assert_problem_shape(f)
    assert_no_code(doc, "LYNC_OK", r=r)
    assert_no_code(doc, "LYNC_UNREACHABLE", r=r)   # nothing to connect to
    assert_status(doc, "warn", check_id="lync", r=r)
    assert_status(doc, "warn", r=r)
    assert_exit(r, 1)
    assert_exit_matches(r, doc)


def test_lyncwrong_cname_and_srv_wrong():
    r, doc = probe("lyncwrong.test", checks="lync")
    cw = assert_code(doc, "LYNC_CNAME_WRONG", severity="fail", check_id="lync", count=1, r=r)
    ev = json.dumps(cw[0].get("evidence"))
    if "sip.wrong.test" not in ev or "sipdir.online.lync.com" not in ev:
        fail("LYNC_CNAME_WRONG evidence lacks found/expected names: %s" % ev)
    sw = assert_code(doc, "LYNC_SRV_WRONG", severity="fail", check_id="lync", count=2, r=r)
    q = " ".join(queries(sw))
    for name in ("_sip._tls.lyncwrong.test", "_sipfederationtls._tcp.lyncwrong.test"):
        if name not in q:
            fail("no LYNC_SRV_WRONG for %s (queries: %s)" % (name, q))
    for f in problems(doc):
        assert_problem_shape(f)
    # lyncdiscover is right: it must not be reported.
    for f in findings(doc, check_id="lync"):
        if f["code"] in ("LYNC_CNAME_WRONG", "LYNC_CNAME_MISSING") and \
                "lyncdiscover" in json.dumps(f.get("evidence")):
            fail("correct lyncdiscover record reported as %s" % f["code"])
    assert_no_code(doc, "LYNC_OK", r=r)
    assert_status(doc, "fail", check_id="lync", r=r)
    assert_exit(r, 2)
    assert_exit_matches(r, doc)


def test_lyncdead_unreachable():
    r, doc = probe("lyncdead.test", checks="lync", expect="onprem")
    un = assert_code(doc, "LYNC_UNREACHABLE", severity="fail", check_id="lync", r=r)
    evs = [json.dumps(f.get("evidence")) for f in un]
    if not any("127.0.1.99" in e for e in evs):
        fail("LYNC_UNREACHABLE evidence does not name 127.0.1.99: %s" % evs)
    ports = {(f.get("evidence") or {}).get("port") for f in un}
    if not {443, 5061} <= {int(p) for p in ports if str(p).isdigit()}:
        fail("LYNC_UNREACHABLE should cover ports 443 and 5061, got %s" % sorted(map(str, ports)))
    for f in un:
        assert_problem_shape(f)
    assert_eq(lync_deployment(doc), "onprem", "lyncdead.test LYNC_DEPLOYMENT")
    # The records themselves are right.
    for code in ("LYNC_SRV_WRONG", "LYNC_SRV_MISSING", "LYNC_CNAME_WRONG", "LYNC_CNAME_MISSING",
                 "LYNC_OK"):
        assert_no_code(doc, code, r=r)
    assert_status(doc, "fail", check_id="lync", r=r)
    assert_exit(r, 2)
    assert_exit_matches(r, doc)


def test_lyncdead_unreachable_inferred():
    r, doc = probe("lyncdead.test", checks="lync")
    un = assert_code(doc, "LYNC_UNREACHABLE", severity="fail", check_id="lync", r=r)
    if not any("127.0.1.99" in json.dumps(f.get("evidence")) for f in un):
        fail("LYNC_UNREACHABLE evidence does not name 127.0.1.99")
    assert_exit(r, 2)


# ---------------------------------------------------------------- Teams era (issue 14)

def test_teams_only_nothing_published_passes():
    # No Skype for Business record at all: a Teams-only tenant, info only.
    for dom in ("teams14.test", "lyncmissing.test"):
        r, doc = probe(dom, checks="lync")
        assert_exit(r, 0)
        assert_status(doc, "pass", check_id="lync", r=r)
        assert_no_problems(doc, r)
        f = assert_code(doc, "LYNC_NOT_DEPLOYED", severity="info", check_id="lync", count=1,
                        r=r)[0]
        if "_sipfederationtls._tcp" not in (f.get("remediation") or ""):
            fail("LYNC_NOT_DEPLOYED should say what federation needs: %r" % f)
        dep = assert_code(doc, "LYNC_DEPLOYMENT", check_id="lync", count=1, r=r)[0]
        if (dep.get("evidence") or {}).get("deployment") != "teams":
            fail("LYNC_DEPLOYMENT evidence.deployment should be teams: %r" % dep)
        assert_no_code(doc, "LYNC_OK", r=r)


def test_teams_with_federation_srv_only():
    r, doc = probe("teamsfed14.test", checks="lync")
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    assert_code(doc, "LYNC_OK", severity="info", check_id="lync", count=1, r=r)
    assert_no_code(doc, "LYNC_NOT_DEPLOYED", r=r)


def test_teams_federation_expected_but_missing():
    r, doc = probe("teams14.test", checks="lync", expect="teams-fed14")
    assert_exit(r, 1)
    f = assert_code(doc, "LYNC_SRV_MISSING", severity="warn", check_id="lync", count=1, r=r)[0]
    if "100 1 5061 sipfed.online.lync.com" not in f["remediation"]:
        fail("the fix should give Microsoft's federation SRV: %r" % f["remediation"])
    assert_no_code(doc, "LYNC_CNAME_MISSING", r=r)


def test_teams_only_tenant_default_checks_exit_0():
    r, doc = probe("teams14.test", "--ca-file", lab_ca())
    assert_exit(r, 0)
    assert_no_problems(doc, r)
