"""dane check against the lab's signed zones (tests/lab/dane13.py,
fixtures/dns/zones/*.dane13.test.zone, mx.microsoft.zone): DNSSEC validated
by exprobe itself under the lab's trust anchors (--trust-anchor), TLSA
records matched against the certificate the lab Exim presents (127.0.13.10,
127.0.13.11 DANE-TA, 127.0.13.41) as the smtp check met it."""

import json
import os
import tempfile

from harness import (ROOT, assert_code, assert_exit, assert_no_code, fail, findings,
                     lab_args, lab_dir, probe, run)

LAB_DIR = lab_dir()
if not os.path.isabs(LAB_DIR):
    LAB_DIR = os.path.join(ROOT, LAB_DIR)
ANCHORS = os.path.join(LAB_DIR, "dane13", "anchors.key")
CA = os.path.join(LAB_DIR, "certs", "ca.pem")


def dane(domain, checks="smtp,dane"):
    return probe(domain, "--trust-anchor", ANCHORS, "--ca-file", CA, "--timeout", "3",
                 checks=checks)


def dane_check(doc):
    for c in doc["checks"]:
        if c["id"] == "dane":
            return c
    fail("no dane check in the document")


def test_good_two_records():
    r, doc = dane("good.dane13.test")
    f = assert_code(doc, "DANE_OK", severity="info", check_id="dane", count=1, r=r)[0]
    assert_no_code(doc, "DANE_NO_ROLLOVER", r=r)
    assert_exit(r, 0)
    if dane_check(doc)["status"] != "pass":
        fail("dane status %s" % dane_check(doc)["status"])
    if f["evidence"].get("hosts_with_tlsa") != 1:
        fail("DANE_OK evidence: %s" % f["evidence"])
    # every validated RRset shows its DNSSEC verdict
    steps = json.dumps(dane_check(doc)["steps"])
    if "DNSSEC: secure" not in steps:
        fail("no 'DNSSEC: secure' in the dane steps: %s" % steps[:400])


def test_single_record_no_rollover():
    r, doc = dane("single.dane13.test")
    assert_code(doc, "DANE_OK", severity="info", check_id="dane", count=1, r=r)
    assert_code(doc, "DANE_NO_ROLLOVER", severity="info", check_id="dane", count=1, r=r)
    assert_exit(r, 0)


def test_stale_tlsa_mismatch():
    r, doc = dane("stale.dane13.test")
    f = assert_code(doc, "DANE_TLSA_MISMATCH", severity="fail", check_id="dane", count=1,
                    r=r)[0]
    assert_no_code(doc, "DANE_OK", r=r)
    assert_exit(r, 2)
    ev = f["evidence"]
    tlsa = " ".join(ev.get("tlsa") or [])
    presented = " ".join(ev.get("presented") or [])
    if "_25._tcp.mx.stale.dane13.test" not in tlsa or "IN TLSA 3 1 1 " not in tlsa:
        fail("evidence.tlsa does not name the record: %r" % ev.get("tlsa"))
    if "leaf SPKI: 3 1 1 " not in presented:
        fail("evidence.presented lacks the leaf's 3 1 1 hash: %r" % ev.get("presented"))
    want = presented.split("leaf SPKI: ")[1].split()[0:4]
    if "TLSA " + " ".join(want) not in f.get("remediation", ""):
        fail("the fix does not give the 3 1 1 record to publish (%s): %r"
             % (" ".join(want), f.get("remediation")))
    if ev.get("address") != "127.0.13.10":
        fail("evidence.address: %r" % ev.get("address"))


def test_dane_ta_good():
    # ta.dane13.test: TLSA 2 1 1 of the private CA the MX sends in its chain,
    # the MX name on the leaf (127.0.13.11): matched as DANE-TA; one CA
    # record outlives the leaf's renewals, so no DANE_NO_ROLLOVER.
    r, doc = dane("ta.dane13.test")
    assert_code(doc, "DANE_OK", severity="info", check_id="dane", count=1, r=r)
    assert_no_code(doc, "DANE_NO_ROLLOVER", r=r)
    assert_no_code(doc, "DANE_TLSA_MISMATCH", r=r)
    assert_exit(r, 0)
    steps = json.dumps(dane_check(doc)["steps"])
    if "TLSA 2 1 1 " not in steps or "DANE-TA: chain and name checked" not in steps:
        fail("the DANE-TA match is not shown: %s" % steps[:800])


def _ta_mismatch(domain, verdict, fix_words):
    r, doc = dane(domain)
    f = assert_code(doc, "DANE_TLSA_MISMATCH", severity="fail", check_id="dane", count=1,
                    r=r)[0]
    assert_no_code(doc, "DANE_OK", r=r)
    assert_exit(r, 2)
    ev = f["evidence"]
    if ev.get("verdict") != verdict:
        fail("%s: verdict %r, want %r" % (domain, ev.get("verdict"), verdict))
    if "IN TLSA 2 1 1 " not in " ".join(ev.get("tlsa") or []):
        fail("%s: evidence.tlsa: %r" % (domain, ev.get("tlsa")))
    if not any(p.startswith("issuer #1 SPKI: 2 1 1 ") for p in ev.get("presented") or []):
        fail("%s: evidence.presented lacks the issuer's 2 1 1: %r" % (domain, ev.get("presented")))
    fix = f.get("remediation") or ""
    for w in fix_words:
        if w not in fix:
            fail("%s: fix lacks %r: %r" % (domain, w, fix))
    return f


def test_dane_ta_wrong_name():
    # badname.ta.dane13.test: the anchor matches, the leaf lacks the MX name.
    _ta_mismatch("badname.ta.dane13.test", "DANE-TA match, wrong name",
                 ("DANE-TA checks the name", "mx.badname.ta.dane13.test among its names",
                  "IN TLSA 3 1 1 "))


def test_dane_ta_wrong_ca():
    # wrongca.ta.dane13.test: 2 1 1 of a CA key the chain does not carry; the
    # fix gives the 2 1 1 of the CA that does issue the certificate.
    f = _ta_mismatch("wrongca.ta.dane13.test", "no match",
                     ("the CA that issues its certificate", "IN TLSA 2 1 1 "))
    issuer = [p for p in f["evidence"]["presented"] if p.startswith("issuer #1 SPKI: ")][0]
    if issuer.split(": ", 1)[1] not in f["remediation"]:
        fail("the fix does not give the issuing CA's record %r: %r"
             % (issuer, f["remediation"]))


def test_validated_records_print_like_the_resolvers():
    # libunbound's names are written as c-ares writes them: one final dot.
    r, doc = dane("good.dane13.test")
    steps = json.dumps(dane_check(doc)["steps"])
    if "mx.good.dane13.test.." in steps or "MX 10 mx.good.dane13.test." not in steps:
        fail("MX record in the dane steps: %s" % steps[:600])


def _bogus(domain, why):
    r, doc = dane(domain)
    f = assert_code(doc, "DANE_BOGUS", severity="fail", check_id="dane", count=1, r=r)[0]
    for code in ("DANE_TLSA_MISMATCH", "DANE_OK", "DANE_NO_DNSSEC", "DANE_NOT_DEPLOYED"):
        assert_no_code(doc, code, r=r)
    if why not in (f["evidence"].get("why_bogus") or ""):
        fail("%s why_bogus lacks %r: %r" % (domain, why, f["evidence"]))
    assert_exit(r, 2)


def test_expired_signatures_bogus():
    _bogus("expired.dane13.test", "signature expired")


def test_wrong_ds_bogus():
    _bogus("wrongds.dane13.test", "DS")


def test_unsigned_tlsa_no_dnssec():
    r, doc = dane("unsigned.dane13.test")
    f = assert_code(doc, "DANE_NO_DNSSEC", severity="warn", check_id="dane", count=1, r=r)[0]
    if f["evidence"].get("tlsa_rrset") != "insecure":
        fail("evidence: %s" % f["evidence"])
    assert_exit(r, 1)


def test_healthy_without_dane_is_info_only():
    r, doc = dane("none.dane13.test")
    assert_code(doc, "DANE_NOT_DEPLOYED", severity="info", check_id="dane", count=1, r=r)
    bad = [f["code"] for f in findings(doc) if f["severity"] != "info"]
    if bad:
        fail("none.dane13.test has non-info findings: %s" % bad)
    assert_exit(r, 0)


def test_exchange_online_dnssec_mx():
    r, doc = dane("exo.dane13.test", checks="smtp,dane,cname")
    assert_code(doc, "DANE_OK", severity="info", check_id="dane", count=1, r=r)
    assert_no_code(doc, "MX_NOT_EXO", r=r)


def test_exchange_online_mx_unsigned_domain_fails():
    r, doc = dane("exodnssec13.test")
    f = assert_code(doc, "DANE_NO_DNSSEC", severity="fail", check_id="dane", count=1, r=r)[0]
    if "Enable-SmtpDaneInbound" not in (f.get("remediation") or ""):
        fail("fix does not name Microsoft's prerequisite: %r" % f.get("remediation"))


def test_no_second_connection():
    # dane reads the chain smtp met: with smtp left out, it compares nothing
    # and says how to get the comparison.
    r, doc = dane("good.dane13.test", checks="dane")
    assert_no_code(doc, "DANE_TLSA_MISMATCH", r=r)
    if "-c smtp,dane" not in json.dumps(dane_check(doc)["steps"]):
        fail("dane alone does not say smtp is needed for the comparison")


def test_unvalidatable_resolver_is_skipped_not_bogus():
    # The lab root is unsigned: under the system root key nothing validates,
    # which is the resolver path's fault, not the domain's.
    r, doc = probe("good.dane13.test", "--timeout", "3", checks="dane")
    c = dane_check(doc)
    if c["status"] != "skip" or "trust anchor" not in c.get("skip_reason", ""):
        fail("dane under an unusable anchor: %s %r" % (c["status"], c.get("skip_reason")))
    assert_no_code(doc, "DANE_BOGUS", r=r)


def test_anchor_libunbound_cannot_use_is_a_skip_with_the_reason():
    # The file passes the command line's check (a DS line) but libunbound
    # cannot parse it: the validator is built in the background, and dane
    # says why it has nothing to judge -- once, naming the file.
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "unparsable-anchor.key")
        with open(path, "w") as f:
            f.write(". IN DS 1 2 3 nothex\n")
        r, doc = probe("good.dane13.test", "--trust-anchor", path, "--ca-file", CA,
                       "--timeout", "3", checks="smtp,dane")
    c = dane_check(doc)
    why = c.get("skip_reason") or ""
    if c["status"] != "skip" or path not in why or "DNSSEC validator" not in why:
        fail("dane under an anchor libunbound refuses: %s %r" % (c["status"], why))
    assert_no_code(doc, "DANE_BOGUS", r=r)
    assert_code(doc, "SMTP_OK", check_id="smtp", count=1, r=r)


def test_trust_anchor_option_errors():
    r = run(*lab_args("--trust-anchor", "/nonexistent/anchors.key", "good.dane13.test"))
    assert_exit(r, 3)
    if "/nonexistent/anchors.key" not in r.err:
        fail("the error does not name the file: %r" % r.err)
    r = run(*lab_args("--trust-anchor", os.path.join(ROOT, "README.md"), "good.dane13.test"))
    assert_exit(r, 3)


def test_preflight_blocks_on_broken_dane_and_mtasts():
    # Exchange Online validates DANE and MTA-STS when it sends: a stale TLSA
    # or an uncovered MX stops mail to the domain, a hybrid blocker.
    from test_preflight import preflight
    r, doc, pf, items = preflight("stale.dane13.test", "--trust-anchor", ANCHORS, "--ca-file",
                                  CA, "--timeout", "3", checks="smtp,dane")
    it = items["inbound_tls"]
    if it["state"] != "not_ready" or "DANE_TLSA_MISMATCH" not in it["codes"]:
        fail("inbound_tls on a stale TLSA: %s" % it)
    r, doc, pf, items = preflight("good.dane13.test", "--trust-anchor", ANCHORS, "--ca-file",
                                  CA, "--timeout", "3", checks="smtp,dane")
    it = items["inbound_tls"]
    if it["state"] != "ready":
        fail("inbound_tls with good DANE: %s" % it)
    r, doc, pf, items = preflight("uncovered.sts13.test", "--ca-file", CA, "--timeout", "3",
                                  checks="smtp,mtasts")
    it = items["inbound_tls"]
    if it["state"] != "not_ready" or "MTASTS_MX_NOT_COVERED" not in it["codes"]:
        fail("inbound_tls with an uncovered MX: %s" % it)
