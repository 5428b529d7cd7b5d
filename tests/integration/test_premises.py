"""Premises before conclusions (SPEC v2): a target must be a domain (an IP
literal is a usage error pointing to --hosts); a domain that does not
exist is one DOMAIN_NOT_FOUND, every other check skipped with that reason;
nothing judged is unknown (exit 3). The resolver premises are in
test_timeout.py (they need the blackhole resolver)."""

from harness import (assert_code, assert_exit, assert_status, assert_true, assert_usage_error,
                     fail, findings, lab_args, parse_json, probe, run, validate_doc)


def test_ipv4_literal_is_a_usage_error():
    line = assert_usage_error(run(*lab_args("127.0.1.10")), mention="--hosts")
    assert_true("IP address" in line, "does not say it is an IP address: %r" % line)


def test_ipv6_literal_and_address_at_ip_are_usage_errors():
    assert_usage_error(run(*lab_args("::1")), mention="--hosts [::1]")
    assert_usage_error(run(*lab_args("[::1]")), mention="--hosts")
    assert_usage_error(run(*lab_args("admin@127.0.1.10")), mention="--hosts 127.0.1.10")


def test_nxdomain_is_one_finding():
    r, doc = probe("nosuchdomain.test")
    validate_doc(doc, "nosuchdomain.test")
    assert_exit(r, 2)
    assert_status(doc, "fail", r=r)
    f = assert_code(doc, "DOMAIN_NOT_FOUND", severity="fail", count=1, r=r)[0]
    assert_true(f["evidence"].get("dns_status") == "NXDOMAIN", "evidence %r" % f["evidence"])
    others = [x["code"] for x in findings(doc) if x["code"] != "DOMAIN_NOT_FOUND"]
    if others:
        fail("a domain that does not exist got more findings: %s" % others)
    judged = [c["id"] for c in doc["checks"] if c["status"] != "skip"]
    assert_true(len(judged) == 1, "checks not skipped: %s" % judged)
    for c in doc["checks"]:
        if c["status"] == "skip" and "DOMAIN_NOT_FOUND" not in c.get("skip_reason", ""):
            fail("%s skipped without the cause: %r" % (c["id"], c.get("skip_reason")))


def test_nxdomain_text_names_the_cause():
    r = run(*lab_args("-q", "nosuchdomain.test"))
    assert_exit(r, 2)
    assert_true("DOMAIN_NOT_FOUND" in r.out and "does not exist" in r.out, r.out)
    assert_true("Publish" not in r.out, "a fix to publish records for a missing domain: "
                + r.out)


def test_nxdomain_email_target():
    r, doc = probe("admin@nosuchdomain.test", checks="cname,lync")
    assert_code(doc, "DOMAIN_NOT_FOUND", count=1, r=r)


def test_nxdomain_preflight_not_ready():
    r = run(*lab_args("-f", "json", "--preflight", "-c", "cname,lync", "nosuchdomain.test"))
    doc = parse_json(r)
    assert_true(doc["preflight"]["ready"] is False, "verdict %r" % doc["preflight"])
    assert_exit(r, 2)


def test_existing_subdomain_without_records_is_not_nxdomain():
    # A name that exists (NOERROR, no data) is judged, not called missing.
    r, doc = probe("cloud.test", checks="cname")
    if findings(doc, "DOMAIN_NOT_FOUND"):
        fail("DOMAIN_NOT_FOUND on an existing domain")


def test_nothing_judged_is_unknown():
    # Every check skipped -> the document is unknown and exit 3, never a
    # pass: preauth alone on a cloud-only domain (Office 365's endpoints
    # are not the customer's: skipped with that reason).
    r = run(*lab_args("-f", "json", "-c", "preauth", "cloud.test"))
    doc = parse_json(r)
    validate_doc(doc, "all skipped")
    assert_true([c["status"] for c in doc["checks"]] == ["skip"], "checks %r" % doc["checks"])
    assert_exit(r, 3)
    assert_status(doc, "unknown", r=r)
    t = run(*lab_args("-c", "preauth", "cloud.test"))
    assert_true("UNKNOWN" in t.out and "nothing was judged" in t.out, t.out[-300:])
