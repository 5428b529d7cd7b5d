"""dmarc check against the lab (issue 14): one record, every tag validated,
deprecated tags, external report addresses with and without authorization,
p=none, the organizational domain's record for a subdomain, and the joined
verdict for mail sent through Exchange Online. Zones:
fixtures/dns/zones/dmarc-*14.test.zone, reports14.test.zone."""

from harness import (assert_code, assert_eq, assert_exit, assert_no_code, assert_no_problems,
                     assert_problem_shape, assert_status, fail, probe, problems)


def _dmarc(domain, checks="dkim,dmarc"):
    return probe(domain, checks=checks)


def _only(doc, code, severity, r):
    f = assert_code(doc, code, severity=severity, check_id="dmarc", count=1, r=r)[0]
    other = [p["code"] for p in problems(doc) if p["code"] != code]
    if other:
        fail("%s: besides %s, unexpected problems %s" % (doc.get("target"), code, other))
    if severity != "info":
        assert_problem_shape(f, doc)
    return f


def _ok(domain, checks="dkim,dmarc"):
    r, doc = _dmarc(domain, checks)
    assert_status(doc, "pass", check_id="dmarc", r=r)
    return r, doc, _only(doc, "DMARC_OK", "info", r)


def test_healthy_passes_through_dkim_and_spf():
    for dom in ("dmarc-good14.test", "cloud.test", "hybrid.test"):
        r, doc, f = _ok(dom)
        assert_exit(r, 0)
        ev = f.get("evidence") or {}
        assert_eq(ev.get("policy"), "reject", "%s policy" % dom)
        assert_eq(ev.get("exo_dkim"), "aligned", "%s exo_dkim" % dom)
        assert_eq(ev.get("exo_spf"), "aligned", "%s exo_spf" % dom)


def test_onprem_healthy_no_exo_verdict():
    r, doc, f = _ok("onprem.test")
    assert_exit(r, 0)
    if "exo_dkim" in (f.get("evidence") or {}):
        fail("an on-premises domain gets no Exchange Online verdict: %r" % f)


def test_dmarc_alone_reads_the_selectors_itself():
    r, doc, f = _ok("dmarc-good14.test", checks="dmarc")
    assert_eq((f.get("evidence") or {}).get("exo_dkim"), "aligned", "exo_dkim without dkim")


def test_two_records_invalid():
    r, doc = _dmarc("dmarc-two14.test")
    assert_exit(r, 2)
    f = _only(doc, "DMARC_INVALID", "fail", r)
    if "2 DMARC records" not in f["message"]:
        fail("DMARC_INVALID should count the records: %r" % f["message"])


def test_syntax_invalid_names_each_problem():
    r, doc = _dmarc("dmarc-syntax14.test")
    assert_exit(r, 2)
    f = _only(doc, "DMARC_INVALID", "fail", r)
    probs = (f.get("evidence") or {}).get("problems") or []
    if not any("p=" in p for p in probs) or not any("adkim" in p for p in probs):
        fail("DMARC_INVALID evidence.problems should name p= and adkim=: %r" % probs)


def test_external_rua_authorized():
    r, doc, f = _ok("dmarc-ext14.test")
    assert_exit(r, 0)


def test_external_rua_unauthorized():
    r, doc = _dmarc("dmarc-extno14.test")
    assert_exit(r, 1)
    f = _only(doc, "DMARC_RUA_UNAUTHORIZED", "warn", r)
    assert_eq((f.get("evidence") or {}).get("report_domain"), "reports14.test", "report_domain")
    if "dmarc-extno14.test._report._dmarc.reports14.test" not in f["remediation"]:
        fail("the fix should name the authorization record: %r" % f["remediation"])


def test_policy_none():
    r, doc = _dmarc("dmarc-none14.test")
    assert_exit(r, 1)
    _only(doc, "DMARC_POLICY_NONE", "warn", r)


def test_deprecated_tags_info_only():
    r, doc = _dmarc("dmarc-deprec14.test")
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    f = assert_code(doc, "DMARC_DEPRECATED_TAG", severity="info", check_id="dmarc", count=1)[0]
    tags = (f.get("evidence") or {}).get("tags") or []
    assert_eq(sorted(tags), ["pct", "rf", "ri"], "deprecated tags")
    assert_code(doc, "DMARC_OK", severity="info", check_id="dmarc", count=1)


def test_missing():
    r, doc = _dmarc("nocname.test", checks="dmarc")
    assert_exit(r, 1)
    f = _only(doc, "DMARC_MISSING", "warn", r)
    if '_dmarc.nocname.test. 3600 IN TXT "v=DMARC1; p=none' not in f["remediation"]:
        fail("the fix should give the record: %r" % f["remediation"])


def test_organizational_domain_record_for_subdomain():
    r, doc, f = _ok("sub.dmarc-org14.test", checks="dmarc")
    ev = f.get("evidence") or {}
    assert_eq(ev.get("found_at"), "dmarc-org14.test", "found_at")
    assert_eq(ev.get("how"), "tree walk", "how")
    assert_eq(ev.get("policy"), "quarantine", "policy (sp= of the parent)")
    assert_eq(ev.get("exo_spf"), "aligned", "exo_spf")
    assert_eq(ev.get("exo_dkim"), "not aligned", "exo_dkim")


def test_reject_without_dkim_or_spf_include_fails():
    r, doc = _dmarc("dmarc-rejectfail14.test")
    assert_exit(r, 2)
    f = assert_code(doc, "DMARC_EXO_FAILS", severity="fail", check_id="dmarc", count=1, r=r)[0]
    assert_problem_shape(f, doc)
    if "p=reject" not in f["message"]:
        fail("DMARC_EXO_FAILS should say what p=reject does: %r" % f["message"])
    assert_no_code(doc, "DMARC_OK", r=r)
