"""mtasts check against the lab (fixtures/dns/zones/sts13.test.zone: one
sub-domain per case; policy hosts in fixtures/nginx/nginx.conf.in on
127.0.13.20 by SNI; MX mx.sts13.test = Exim 127.0.13.10)."""

import json
import os

from harness import (ROOT, assert_code, assert_exit, assert_no_code, fail, findings,
                     lab_dir, probe)

LAB_DIR = lab_dir()
if not os.path.isabs(LAB_DIR):
    LAB_DIR = os.path.join(ROOT, LAB_DIR)
CA = os.path.join(LAB_DIR, "certs", "ca.pem")
ANCHORS = os.path.join(LAB_DIR, "dane13", "anchors.key")


def sts(case, checks="smtp,mtasts"):
    return probe("%s.sts13.test" % case, "--ca-file", CA, "--timeout", "3", checks=checks)


def only(doc, code, severity, r, count=1):
    """CODE is there (COUNT times); no other warn/fail finding in mtasts."""
    found = assert_code(doc, code, severity=severity, check_id="mtasts", count=count, r=r)
    others = [f["code"] for f in findings(doc, check_id="mtasts")
              if f["severity"] != "info" and f["code"] != code]
    if others:
        fail("%s: other problems too: %s" % (code, others))
    return found


def test_good_enforce():
    r, doc = sts("good")
    f = only(doc, "MTASTS_OK", "info", r)[0]
    assert_no_code(doc, "TLSRPT_MISSING", r=r)
    assert_exit(r, 0)
    if f["evidence"].get("id") != "20261203T01" or f["evidence"].get("max_age") != 604800:
        fail("MTASTS_OK evidence: %s" % f["evidence"])


def test_testing_mode_is_info():
    r, doc = sts("testing")
    only(doc, "MTASTS_TESTING", "info", r)
    assert_no_code(doc, "MTASTS_OK", r=r)
    assert_exit(r, 0)


def test_policy_404():
    r, doc = sts("notfound")
    f = only(doc, "MTASTS_POLICY_UNREACHABLE", "fail", r)[0]
    if "HTTP 404" not in f["message"]:
        fail("message: %r" % f["message"])
    assert_exit(r, 2)


def test_policy_redirect_not_followed():
    r, doc = sts("redirect")
    f = only(doc, "MTASTS_POLICY_UNREACHABLE", "fail", r)[0]
    if "301" not in f["message"] or "never follow" not in f["message"]:
        fail("message: %r" % f["message"])


def test_policy_host_certificate_one_finding_per_cause():
    # RFC 8461 3.3: the policy host's certificate is validated as a browser
    # would; each cause is one finding with its own fix (mtasts owns it).
    cases = (("certexpired", "CERT_EXPIRED", "renew"),
             ("certuntrusted", "CERT_UNTRUSTED", "public CA"),
             ("wrongcert", "CERT_NAME_MISMATCH", "names this host"))
    for case, code, fix_word in cases:
        r, doc = sts(case)
        f = only(doc, "MTASTS_POLICY_UNREACHABLE", "fail", r)[0]
        host = "mta-sts.%s.sts13.test" % case
        if f["evidence"].get("cert_code") != code:
            fail("%s: cert_code %r, want %s" % (case, f["evidence"].get("cert_code"), code))
        if "certificate" not in f["message"] or host not in f["message"]:
            fail("%s: message: %r" % (case, f["message"]))
        fix = f.get("remediation") or ""
        if fix_word not in fix or host not in fix:
            fail("%s: fix lacks %r / %s: %r" % (case, fix_word, host, fix))
        assert_no_code(doc, "MTASTS_OK", r=r)
        assert_exit(r, 2)
        if code == "CERT_NAME_MISMATCH" and f["evidence"].get("cert_names") != ["ok.certs.test"]:
            fail("wrongcert: names on the certificate: %s" % f["evidence"])
    # The healthy policy host next to them: its certificate is judged valid.
    r, doc = sts("good")
    steps = json.dumps([c["steps"] for c in doc["checks"] if c["id"] == "mtasts"])
    if "certificate valid for mta-sts.good.sts13.test" not in steps:
        fail("good: the policy host's certificate verdict is not shown: %s" % steps[:600])
    assert_no_code(doc, "MTASTS_POLICY_UNREACHABLE", r=r)


def test_verification_mx_is_not_judged_for_coverage():
    # verifymx.sts13.test: MX mx.sts13.test (covered) + the Microsoft 365
    # verification MX ms12345678.msv1.invalid (never a mail host: skipped,
    # as smtp, dane and dnsbl do).
    r, doc = sts("verifymx")
    only(doc, "MTASTS_OK", "info", r)
    assert_no_code(doc, "MTASTS_MX_NOT_COVERED", r=r)
    steps = json.dumps([c["steps"] for c in doc["checks"] if c["id"] == "mtasts"])
    if "msv1.invalid" in steps:
        fail("the verification MX is judged by mtasts: %s" % steps[-600:])
    assert_exit(r, 0)


def test_microsoft_mx_not_covered_by_mx_microsoft_wildcard():
    r, doc = sts("uncovered")
    f = only(doc, "MTASTS_MX_NOT_COVERED", "fail", r)[0]
    fix = f.get("remediation") or ""
    for want in ('"mx: *.j-v1.mx.microsoft"', "mode: testing", "new id", "enforce"):
        if want not in fix:
            fail("fix lacks %r: %r" % (want, fix))
    if f["evidence"].get("mx_patterns") != ["*.mx.microsoft"]:
        fail("evidence: %s" % f["evidence"])


def test_two_txt_records():
    r, doc = sts("twotxt")
    only(doc, "MTASTS_TXT_INVALID", "fail", r)
    assert_no_code(doc, "MTASTS_OK", r=r)


def test_oversized_policy():
    r, doc = sts("oversized")
    f = only(doc, "MTASTS_POLICY_INVALID", "fail", r)[0]
    if "64 KiB" not in f["message"]:
        fail("message: %r" % f["message"])


def test_enforce_mx_certificate_invalid():
    r, doc = sts("badmx")
    f = only(doc, "MTASTS_MX_CERT_INVALID", "fail", r)[0]
    if f["evidence"].get("host") != "mx.wrongcert.smtp.test":
        fail("evidence: %s" % f["evidence"])


def test_tlsrpt_invalid_and_missing():
    r, doc = sts("badrpt")
    assert_code(doc, "TLSRPT_INVALID", severity="warn", check_id="mtasts", count=1, r=r)
    assert_code(doc, "MTASTS_OK", check_id="mtasts", count=1, r=r)
    r, doc = sts("norpt")
    assert_code(doc, "TLSRPT_MISSING", severity="warn", check_id="mtasts", count=1, r=r)


def test_healthy_domain_with_neither_is_info_only():
    # none.sts13.test: MX with a valid certificate, no MTA-STS, no TLS-RPT;
    # none.dane13.test: the same in a signed zone with no TLSA.
    for dom in ("none.sts13.test", "none.dane13.test"):
        r, doc = probe(dom, "--ca-file", CA, "--timeout", "3", "--trust-anchor", ANCHORS,
                       checks="smtp,cert,dane,mtasts")
        assert_code(doc, "MTASTS_MISSING", severity="info", check_id="mtasts", count=1, r=r)
        assert_code(doc, "DANE_NOT_DEPLOYED", severity="info", check_id="dane", count=1, r=r)
        bad = ["%s(%s)" % (f["code"], f["severity"]) for f in findings(doc)
               if f["severity"] != "info"]
        if bad:
            fail("%s: non-info findings %s" % (dom, bad))
        assert_exit(r, 0)


def test_coherence_line():
    r, doc = probe("good.dane13.test", "--ca-file", CA, "--trust-anchor", ANCHORS, "--timeout",
                   "3", checks="smtp,dane,mtasts")
    # good.dane13.test: DANE and MTA-STS enforce both in place.
    assert_code(doc, "MTASTS_OK", severity="info", check_id="mtasts", count=1, r=r)
    assert_code(doc, "DANE_OK", severity="info", check_id="dane", count=1, r=r)
    steps = json.dumps([c["steps"] for c in doc["checks"] if c["id"] == "mtasts"])
    for want in ("a DANE sender", "authenticates the MX by its TLSA", "an MTA-STS sender",
                 "does neither"):
        if want not in steps:
            fail("coherence line lacks %r: %s" % (want, steps[-600:]))
    r, doc = sts("uncovered")
    steps = json.dumps([c["steps"] for c in doc["checks"] if c["id"] == "mtasts"])
    if "refuses the MX hosts the policy does not cover" not in steps:
        fail("coherence for an uncovered MX: %s" % steps[-600:])


def test_cert_check_judges_the_policy_host():
    # SPEC: cert judges every certificate met in the run, the MTA-STS policy
    # host's among them; mtasts says what it means for senders (as
    # autodiscover's AUTOD_CERT_INVALID does for its hosts).
    r, doc = sts("certexpired", checks="smtp,mtasts,cert")
    host = "mta-sts.certexpired.sts13.test"
    got = [f for f in findings(doc, check_id="cert") if f["code"] == "CERT_EXPIRED"
           and host in json.dumps(f)]
    if len(got) != 1:
        fail("cert: one CERT_EXPIRED naming %s expected, got %s"
             % (host, [(f["code"], f["message"]) for f in findings(doc, check_id="cert")]))
    assert_code(doc, "MTASTS_POLICY_UNREACHABLE", severity="fail", check_id="mtasts", r=r)
    # The healthy policy host: cert judges it and finds nothing wrong.
    r, doc = sts("good", checks="smtp,mtasts,cert")
    bad = [f for f in findings(doc, check_id="cert") if f["severity"] != "info"
           and "mta-sts.good.sts13.test" in json.dumps(f)]
    if bad:
        fail("good: cert finds problems with the healthy policy host: %s" % bad)
    steps = json.dumps([c["steps"] for c in doc["checks"] if c["id"] == "cert"])
    if "mta-sts.good.sts13.test" not in steps:
        fail("good: cert did not judge the policy host: %.600s" % steps)
