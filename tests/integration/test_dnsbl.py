"""dnsbl check against the lab's block lists (fixtures/dns/zones/dnsbl.test.zone):
list.dnsbl.test (RFC 5782 test points, lists 198.51.100.77 and 127.0.1.83),
blocked.dnsbl.test (127.255.255.254 to everything), wild.dnsbl.test (lists
everything, 127.0.0.1 too), empty.dnsbl.test (lists nothing). Only the lab
resolver is ever asked."""

import json
import os
import tempfile

from harness import (all_steps, assert_code, assert_eq, assert_exit, assert_no_code,
                     assert_problem_shape, assert_status, assert_true, check, fail, findings,
                     lab_args, probe, run)

LIST = "list.dnsbl.test"
ALL = "list.dnsbl.test,blocked.dnsbl.test,wild.dnsbl.test,empty.dnsbl.test"


def dnsbl(target, *extra, zones=LIST, checks="dnsbl", cache=True):
    return probe(target, "--timeout", "2", "--dnsbl", zones, *extra, checks=checks,
                 cache=cache)


def listed_ips(doc):
    return sorted(f["evidence"]["address"] for f in findings(doc, "DNSBL_LISTED"))


def test_learned_ip_listed_same_run():
    r, doc = dnsbl("listed.smtp.test", checks="smtp,dnsbl")
    f = [g for g in findings(doc, "DNSBL_LISTED") if g["evidence"]["address"] == "198.51.100.77"]
    if not f:
        fail("198.51.100.77 (learnt by smtp) not listed: %s" % listed_ips(doc))
    f = f[0]
    assert_problem_shape(f)
    assert_eq(f["severity"], "fail", "listing severity")
    assert_true("smtp" in f["evidence"]["source"] and "EHLO" in f["evidence"]["source"],
                "source: %s" % f["evidence"]["source"])
    assert_true(any("lab traps" in x for x in f["evidence"]["reason"]), "TXT reason missing")
    assert_eq(sorted(f["evidence"]["codes"])[0][:9], "127.0.0.2", "return codes")
    assert_true("STARTTLS" in f["evidence"].get("related", ""), "no link to SMTP_NO_STARTTLS")
    # No second connection: dnsbl only asks DNS; smtp connected once.
    titles = [s["title"] for s in all_steps(doc, "dnsbl")]
    assert_true(all(t.split(" ")[0] in ("A", "TXT", "Zone", "Addresses", "Inbound")
                    for t in titles), "dnsbl did more than DNS: %s" % titles)
    sess = [s for s in all_steps(doc, "smtp") if s["title"].startswith("SMTP ")]
    assert_eq(len(sess), 1, "SMTP sessions in the run")
    assert_code(doc, "SMTP_NO_STARTTLS", check_id="smtp", r=r)


def test_sending_ip_looked_up_as_soon_as_ehlo_told_it():
    # dnsbl starts with the run and looks the sending IP up once a server's
    # EHLO reply told it, while smtp's session goes on (issue 17): its
    # question comes before smtp's verdict in EXPROBE_TRACE's timeline (an
    # order, not a duration); the findings are the same as ever.
    r = run(*lab_args("-c", "smtp,dnsbl", "-f", "json", "--timeout", "2", "--dnsbl", LIST,
                      "listed.smtp.test"), env={"EXPROBE_TRACE": "1"})
    doc = json.loads(r.out)
    assert_true({"198.51.100.77", "127.0.1.83"} <= set(listed_ips(doc)),
                "listings: %s" % listed_ips(doc))
    f = [g for g in findings(doc, "DNSBL_LISTED") if g["evidence"]["address"] == "198.51.100.77"]
    assert_true("EHLO" in f[0]["evidence"]["source"], "source %r" % f[0]["evidence"]["source"])
    lines = r.err.splitlines()
    asked = [i for i, ln in enumerate(lines)
             if "dns ask listed.smtp.test dnsbl 77.100.51.198." + LIST in ln]
    judged = [i for i, ln in enumerate(lines) if "check judge listed.smtp.test smtp" in ln]
    assert_true(asked and judged and asked[0] < judged[0],
                "dnsbl asked about the sending IP only after smtp's verdict (lines %s, %s)"
                % (asked[:1], judged[:1]))
    # The report's order as before: the sending IP first, then the MX address.
    notes = check(doc, "dnsbl")["steps"]
    addrs = [s for s in notes if s["title"] == "Addresses looked up"][0].get("detail", "")
    assert_true(addrs.index("198.51.100.77") < addrs.index("127.0.1.83"),
                "addresses out of order: %r" % addrs)


def test_no_sending_ip_learnt_mx_addresses_only():
    # smtp reaches no server (nothing listens on mail.dead.test): no EHLO, no
    # sending IP; dnsbl judges the MX address alone once smtp has ended.
    r, doc = dnsbl("dead.test", checks="smtp,dnsbl", cache=False)
    addrs = [s for s in check(doc, "dnsbl")["steps"] if s["title"] == "Addresses looked up"]
    detail = addrs[0].get("detail", "") if addrs else ""
    assert_true("public IP" not in detail, "a sending IP out of nowhere: %r" % detail)
    assert_no_code(doc, "DNSBL_LISTED", r=r)


def test_mx_address_listed_too():
    r, doc = dnsbl("listed.smtp.test", checks="smtp,dnsbl")
    assert_true("127.0.1.83" in listed_ips(doc), "MX address not checked: %s" % listed_ips(doc))


def test_ip_option_overrides_and_test_points():
    r, doc = dnsbl("listed.smtp.test", "--ip", "127.0.0.2", checks="smtp,dnsbl", cache=False)
    ips = listed_ips(doc)
    assert_true("127.0.0.2" in ips, "RFC 5782 test point 127.0.0.2 not listed: %s" % ips)
    assert_true("198.51.100.77" not in ips, "--ip did not override the learnt IP")
    r, doc = dnsbl("ok.smtp.test", "--ip", "127.0.0.1", cache=False)
    assert_true("127.0.0.1" not in listed_ips(doc), "127.0.0.1 reported listed")
    assert_code(doc, "DNSBL_CLEAN", severity="info", r=r)


def test_ipv6_test_point_listed():
    r, doc = dnsbl("ok.smtp.test", "--ip", "::ffff:127.0.0.2", cache=False)
    assert_true("::ffff:127.0.0.2" in listed_ips(doc), "IPv6 nibble query: %s" % listed_ips(doc))


def test_clean_without_smtp():
    r, doc = dnsbl("ok.smtp.test")
    assert_code(doc, "DNSBL_CLEAN", severity="info", check_id="dnsbl", count=1, r=r)
    assert_no_code(doc, "DNSBL_LISTED", r=r)
    ev = json.dumps(findings(doc, "DNSBL_CLEAN")[0]["evidence"])
    assert_true("127.0.1.70" in ev, "MX address not looked up: %s" % ev)


def test_blocked_zone_is_not_a_listing():
    r, doc = dnsbl("listed.smtp.test", zones="blocked.dnsbl.test", checks="smtp,dnsbl")
    # A zone the user named that gives no verdict: unknown (SPEC v2).
    f = assert_code(doc, "DNSBL_QUERY_BLOCKED", severity="unknown", check_id="dnsbl", count=1,
                    r=r)[0]
    assert_true("127.255.255.254" in f["message"], f["message"])
    assert_problem_shape(f)
    assert_no_code(doc, "DNSBL_LISTED", r=r)


def test_unreliable_zones_give_no_verdict():
    r, doc = dnsbl("listed.smtp.test", zones="wild.dnsbl.test,empty.dnsbl.test",
                   checks="smtp,dnsbl")
    f = assert_code(doc, "DNSBL_ZONE_UNRELIABLE", severity="unknown", check_id="dnsbl",
                    count=2, r=r)
    assert_status(doc, "unknown", check_id="dnsbl", r=r)
    zones = sorted(g["evidence"]["zone"] for g in f)
    assert_eq(zones, ["empty.dnsbl.test", "wild.dnsbl.test"], "unreliable zones")
    assert_no_code(doc, "DNSBL_LISTED", r=r)
    assert_no_code(doc, "DNSBL_CLEAN", r=r)


def test_all_zones_concurrently():
    r, doc = dnsbl("listed.smtp.test", zones=ALL, checks="smtp,dnsbl")
    zs = [s["title"] for s in check(doc, "dnsbl")["steps"] if s["title"].startswith("Zone ")]
    assert_eq(len(zs), 4, "zone steps")
    assert_code(doc, "DNSBL_LISTED", check_id="dnsbl", r=r)
    assert_code(doc, "DNSBL_QUERY_BLOCKED", check_id="dnsbl", count=1, r=r)
    assert_code(doc, "DNSBL_ZONE_UNRELIABLE", check_id="dnsbl", count=2, r=r)


def test_builtin_zones_through_lab_resolver():
    # The lab resolver knows no public list: every built-in zone fails its
    # self-test and nothing is called listed or clean. The check was named
    # (-c dnsbl): unknown, one finding per zone, a fix about the resolver
    # (the user typed no zone name).
    r, doc = probe("ok.smtp.test", "--timeout", "2", "--ip", "203.0.113.5", checks="dnsbl",
                   cache=False)
    f = findings(doc, "DNSBL_ZONE_UNRELIABLE")
    assert_eq(sorted(g["evidence"]["zone"] for g in f),
              ["bl.spamcop.net", "psbl.surriel.com", "zen.spamhaus.org"], "built-in zones")
    for g in f:
        assert_eq(g["severity"], "unknown", "severity of %s" % g["evidence"]["zone"])
        assert_true("zone name" not in g["remediation"] and "--dnsbl" in g["remediation"],
                    "fix blames the zone name: %r" % g["remediation"])
    assert_status(doc, "unknown", check_id="dnsbl", r=r)
    assert_exit(r, 3)
    assert_no_code(doc, "DNSBL_LISTED", r=r)
    # Private addresses are not asked of public lists.
    steps = " ".join(s.get("detail") or "" for s in all_steps(doc, "dnsbl"))
    assert_true("not a public address" in steps, "127.0.1.70 asked of public lists")


def _expect(text):
    fp = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    fp.write(text)
    fp.close()
    return fp.name


def test_connector_ip_mismatch():
    path = _expect("connector_ips = 203.0.113.0/24, 2001:db8::/32\n")
    try:
        r, doc = dnsbl("listed.smtp.test", "--expect", path, checks="smtp,dnsbl", cache=False)
        f = assert_code(doc, "CONNECTOR_IP_MISMATCH", severity="fail", check_id="dnsbl",
                        count=1, r=r)[0]
        assert_problem_shape(f)
        assert_eq(f["evidence"]["address"], "198.51.100.77", "mismatched IP")
        r, doc = dnsbl("listed.smtp.test", "--expect", path, "--ip", "203.0.113.77",
                       checks="smtp,dnsbl", cache=False)
        assert_no_code(doc, "CONNECTOR_IP_MISMATCH", r=r)
    finally:
        os.unlink(path)
    path = _expect("connector_ips = 198.51.100.77\n")
    try:
        r, doc = dnsbl("listed.smtp.test", "--expect", path, checks="smtp,dnsbl", cache=False)
        assert_no_code(doc, "CONNECTOR_IP_MISMATCH", r=r)
    finally:
        os.unlink(path)


def test_builtin_zones_silent_on_a_default_run():
    # SPEC: the built-in public zones that give no verdict from this
    # resolver make dnsbl skip with one info finding (cause and way out);
    # a healthy domain never warns because of the vantage point.
    r, doc = probe("ok.smtp.test", "--timeout", "2", "--ip", "203.0.113.5",
                   checks="all", cache=False)
    c = check(doc, "dnsbl")
    assert_eq(c["status"], "skip", "dnsbl status")
    f = assert_code(doc, "DNSBL_ZONE_UNRELIABLE", severity="info", check_id="dnsbl", count=1,
                    r=r)[0]
    assert_eq(sorted(f["evidence"]["zones"]), ["bl.spamcop.net", "psbl.surriel.com",
                                               "zen.spamhaus.org"], "zones")
    assert_true("--dnsbl" in f["remediation"] and "resolver" in f["remediation"],
                "fix %r" % f["remediation"])
    if any(g["severity"] != "info" for g in findings(doc, check_id="dnsbl")):
        fail("dnsbl warned because of the vantage point: %s" % findings(doc, check_id="dnsbl"))


def test_healthy_domain_default_run_passes():
    r, doc = probe("cloud.test", expect="cloud", cache=False)
    assert_eq(check(doc, "dnsbl")["status"], "skip", "dnsbl status on a healthy domain")
    if any(f["code"].startswith("DNSBL_") and f["severity"] != "info" for f in findings(doc)):
        fail("a healthy domain warns about block lists")
