"""DNS failures at one name (issue 11: codes that had no test):
DKIM_DNS_ERROR, DMARC_DNS_ERROR, DNSBL_QUERY_FAILED, each next to its
healthy counterpart. fixtures/dns/zones/dnserr11.test.zone delegates one
name each to a name server where nothing listens (the lab resolver answers
SERVFAIL at once) or to the blackhole (the query times out). A name that
gets no answer is no verdict: unknown (exit 3), one finding per cause, the
step unknown too (never "fail" with only an unknown finding)."""

from harness import (assert_code, assert_eq, assert_exit, assert_exit_matches, assert_no_code,
                     assert_true, check, findings, probe)


def problems(doc):
    return sorted(f["code"] for f in findings(doc) if f["severity"] != "info")


def all_steps(steps):
    for s in steps:
        yield s
        yield from all_steps(s.get("steps", []))


# ---------------------------------------------------------------- dkim

def test_dkim_servfail_is_one_unknown_finding():
    r, doc = probe("dkim.dnserr11.test", checks="dkim")
    f = assert_code(doc, "DKIM_DNS_ERROR", severity="unknown", check_id="dkim", count=1,
                    r=r)[0]
    assert_eq(f["evidence"]["dns_status"], "SERVFAIL", "dns_status")
    assert_true("selector1._domainkey.dkim.dnserr11.test" in f["evidence"]["query"],
                f["evidence"])
    # The second selector is the same cause: listed, not a second finding.
    assert_true(any("selector2._domainkey" in a for a in f["evidence"].get("also_failed", [])),
                f["evidence"])
    assert_eq(check(doc, "dkim")["status"], "unknown", "dkim status")
    assert_eq(doc["status"], "unknown", "document status")
    assert_exit(r, 3)
    assert_eq(problems(doc), ["DKIM_DNS_ERROR"], "problems")


def test_dkim_timeout_is_unknown():
    r, doc = probe("dkimslow.dnserr11.test", "--timeout", "2", checks="dkim")
    f = assert_code(doc, "DKIM_DNS_ERROR", severity="unknown", count=1, r=r)[0]
    assert_true("timed out" in f["message"], f["message"])
    assert_exit(r, 3)


def test_dkim_healthy_counterpart():
    r, doc = probe("dkim-good14.test", checks="dkim")
    assert_code(doc, "DKIM_OK", count=1, r=r)
    assert_no_code(doc, "DKIM_DNS_ERROR", r=r)
    assert_exit(r, 0)


def test_dmarc_does_not_repeat_the_dkim_failure():
    # dmarc reads the selectors too; its verdict (aligned SPF) does not hang
    # on them, so it passes, and the failure is told once, by dkim.
    r, doc = probe("dkim.dnserr11.test", checks="dkim,dmarc")
    assert_code(doc, "DKIM_DNS_ERROR", count=1, r=r)
    assert_no_code(doc, "DMARC_DNS_ERROR", r=r)
    assert_code(doc, "DMARC_OK", r=r)
    assert_eq(check(doc, "dmarc")["status"], "pass", "dmarc status")
    assert_exit_matches(r, doc)


# ---------------------------------------------------------------- dmarc

def test_dmarc_servfail_is_unknown():
    r, doc = probe("dmarc.dnserr11.test", checks="dmarc")
    f = assert_code(doc, "DMARC_DNS_ERROR", severity="unknown", check_id="dmarc", count=1,
                    r=r)[0]
    assert_true("_dmarc.dmarc.dnserr11.test" in f["message"], f["message"])
    assert_no_code(doc, "DMARC_MISSING", r=r)   # unknown is not "missing"
    assert_eq(check(doc, "dmarc")["status"], "unknown", "dmarc status")
    for s in all_steps(check(doc, "dmarc")["steps"]):
        assert_true(s["status"] != "fail", "a step fails on an unanswered query: %r" % s)
    assert_exit(r, 3)


def test_dmarc_healthy_counterpart():
    r, doc = probe("dmarc-good14.test", checks="dmarc")
    assert_code(doc, "DMARC_OK", r=r)
    assert_no_code(doc, "DMARC_DNS_ERROR", r=r)
    assert_exit(r, 0)


# ---------------------------------------------------------------- dnsbl

def _dnsbl(zone):
    return probe("ok.smtp.test", "--timeout", "2", "--dnsbl", zone, "--ip", "192.0.2.1",
                 checks="dnsbl")


def test_dnsbl_zone_not_answering_is_unknown():
    # The zone the user named does not answer at all (its test points
    # fail): no verdict, unknown, one finding for the zone.
    r, doc = _dnsbl("bl.dnserr11.test")
    f = assert_code(doc, "DNSBL_QUERY_FAILED", severity="unknown", check_id="dnsbl", count=1,
                    r=r)[0]
    assert_eq(f["evidence"]["zone"], "bl.dnserr11.test", "zone")
    assert_no_code(doc, "DNSBL_CLEAN", r=r)
    assert_no_code(doc, "DNSBL_LISTED", r=r)
    assert_exit(r, 3)


def test_dnsbl_one_address_query_failing_is_unknown():
    # Test points answer; the query for 192.0.2.1 SERVFAILs: that address's
    # listing is unknown (the MX address still gets its verdict).
    r, doc = _dnsbl("bl2.dnserr11.test")
    f = assert_code(doc, "DNSBL_QUERY_FAILED", severity="unknown", check_id="dnsbl", count=1,
                    r=r)[0]
    assert_eq(f["evidence"]["address"], "192.0.2.1", "address")
    assert_code(doc, "DNSBL_CLEAN", r=r)
    assert_no_code(doc, "DNSBL_LISTED", r=r)
    assert_exit(r, 3)


def test_dnsbl_healthy_counterpart():
    r, doc = _dnsbl("list.dnsbl.test")
    assert_code(doc, "DNSBL_CLEAN", r=r)
    assert_no_code(doc, "DNSBL_QUERY_FAILED", r=r)
    assert_exit(r, 0)
