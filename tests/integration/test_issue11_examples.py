"""Issue 11's examples, each checked in every output at once: the JSON
document, the text report and the JUnit XML give the same verdict, the same
exit status and the same finding codes (one cause, one finding; nothing the
evidence rules out). The TUI's side is tests/tui/tui_tests.py
(test_issue11_diagnoses_as_in_the_cli); the pre-flight checklist's is
below (PREFLIGHT). One row per example of the issue text; the details of
each case are asserted in test_diagnosis.py, test_premises.py,
test_timeout.py, test_inference.py, test_dnsbl.py and test_vantage.py."""

import os
import re
import xml.etree.ElementTree as ET

from harness import (LAB_BLACKHOLE, assert_eq, assert_true, expect_file, fail, findings,
                     lab_dir, parse_json, run)

STATUS_EXIT = {"pass": 0, "warn": 1, "fail": 2, "unknown": 3}


def ca():
    return os.path.join(lab_dir(), "certs", "ca.pem")


def lab(*args):
    return ["--dns-server", "127.0.1.1", "--ca-file", ca(), "--timeout", "2"] + list(args)


# (example, argv without -f, document status, codes present, codes absent)
EXAMPLES = [
    ("autodiscover behind an expired certificate is not a pass",
     lab("-c", "autodiscover", "adexp11.test"), "fail", ["AUTOD_CERT_INVALID"],
     ["AUTOD_OK", "AUTOD_NO_ENDPOINT"]),
    ("autodiscover behind an untrusted certificate (no --ca-file)",
     ["--dns-server", "127.0.1.1", "-c", "autodiscover", "hybrid.test"], "fail",
     ["AUTOD_CERT_INVALID"], ["AUTOD_OK"]),
    ("STARTTLS certificate for another name",
     lab("-c", "smtp", "wrongcert.smtp.test"), "warn", ["SMTP_CERT_INVALID"], ["SMTP_OK"]),
    ("Lync SRV target with an expired certificate",
     lab("-c", "lync", "lyncexp11.test"), "fail", ["LYNC_CERT_INVALID"], []),
    ("-c cert alone judges the domain's certificates",
     lab("-c", "cert", "adexp11.test"), "fail", ["CERT_EXPIRED"], []),
    ("a proxy pre-authenticating is one preauth finding (TMG)",
     lab("-c", "autodiscover,preauth", "tmg.test"), "fail", ["PREAUTH_DETECTED"],
     ["FEDERATION_INFO_FAILED", "MRSPROXY_UNREACHABLE"]),
    ("the proxy's certificate is judged (TMG)",
     lab("-c", "autodiscover,cert", "tmg.test"), "fail", ["CERT_OK", "AUTOD_NO_ENDPOINT"], []),
    ("NXDOMAIN is one finding",
     lab("nosuch11.test"), "fail", ["DOMAIN_NOT_FOUND"],
     ["CNAME_MISSING", "SPF_MISSING", "AUTOD_NO_ENDPOINT", "LYNC_SRV_MISSING"]),
    ("a dead resolver is one unknown finding",
     ["--dns-server", LAB_BLACKHOLE, "--timeout", "1", "cloud.test"], "unknown",
     ["RESOLVER_UNREACHABLE"], ["CNAME_MISSING", "AUTOD_NO_ENDPOINT"]),
    ("a dead first resolver is named, the run passes",
     ["--dns-server", LAB_BLACKHOLE + ",127.0.1.1", "--ca-file", ca(), "--timeout", "2",
      "-c", "cname,lync", "cloud.test"], "pass", ["RESOLVER_PARTIAL"], []),
    ("cut short by --max-time: unknown with CHECK_INTERRUPTED",
     lab("-c", "smtp", "--max-time", "1", "silent.smtp.test"), "unknown",
     ["CHECK_INTERRUPTED"], []),
    ("nothing judged is unknown",
     lab("-c", "preauth", "cloud.test"), "unknown", [], ["MRSPROXY_UNREACHABLE"]),
    ("hybrid inferred from the Office 365 signals",
     lab("-c", "cname", "infer-hybrid11.test"), "pass", ["CNAME_DEPLOYMENT", "CNAME_OK"], []),
    ("hybrid inferred from the DKIM CNAMEs",
     lab("-c", "cname", "infer-dkim11.test"), "warn", ["SPF_MISSING_INCLUDE"], []),
    ("SRV-only Autodiscover is an Autodiscover record",
     lab("-c", "cname", "srvonly11.test"), "pass", ["CNAME_OK"], ["CNAME_MISSING"]),
    ("cloud-only: preauth does not probe Microsoft's endpoints",
     lab("-c", "autodiscover,preauth", "--expect", expect_file("cloud"), "cloud.test"), "pass",
     ["AUTOD_OK"], ["MRSPROXY_UNREACHABLE", "PREAUTH_DETECTED"]),
    ("built-in block lists without a verdict do not warn",
     lab("--expect", expect_file("cloud"), "cloud.test"), "pass", ["DNSBL_ZONE_UNRELIABLE"],
     ["DNSBL_QUERY_FAILED"]),
    ("block lists asked for (-c dnsbl) without a verdict are unknown",
     lab("-c", "smtp,dnsbl", "ok.smtp.test"), "unknown", ["DNSBL_ZONE_UNRELIABLE"], []),
    ("no Autodiscover record is one finding",
     lab("-c", "autodiscover,cname", "noad.test"), "fail", ["AUTOD_NO_ENDPOINT"],
     ["AUTOD_DNS_MISSING", "CNAME_MISSING"]),
    ("MX missing is SMTP_MX_MISSING alone",
     lab("-c", "smtp", "tmg.test"), "fail", ["SMTP_MX_MISSING"], ["SMTP_DNS_ERROR"]),
    ("old TLS on SMTP is the protocol finding alone",
     lab("-c", "smtp,cert", "oldtls.smtp.test"), "fail", ["SMTP_TLS_OLD_PROTOCOL"],
     ["CERT_WEAK", "SMTP_CERT_INVALID"]),
    ("a name without an answer is unknown, not a failure",
     lab("-c", "dkim", "dkim.dnserr11.test"), "unknown", ["DKIM_DNS_ERROR"], []),
]

# (example, argv without -f and --preflight, checklist state, blocker codes)
PREFLIGHT = [
    ("NXDOMAIN blocks", lab("nosuch11.test"), "not_ready", ["DOMAIN_NOT_FOUND"]),
    ("no Autodiscover record: one blocker, one code",
     lab("-c", "autodiscover,cname", "noad.test"), "not_ready", ["AUTOD_NO_ENDPOINT"]),
    ("hybrid assumed without --expect: autodiscover to Office 365 blocks",
     lab("-c", "cname", "infer-cloudad11.test"), "not_ready", ["CNAME_WRONG_TARGET"]),
    ("TMG pre-authenticates", lab("-c", "autodiscover,preauth", "tmg.test"), "not_ready",
     ["AUTOD_NO_ENDPOINT", "PREAUTH_DETECTED"]),
]

PF_EXIT = {"ready": 0, "not_ready": 2}


def three_formats(argv):
    rj = run("-f", "json", *argv, timeout=60)
    rt = run("-f", "text", "--no-color", *argv, timeout=60)
    rx = run("-f", "junit", *argv, timeout=60)
    return rj, parse_json(rj), rt, rx


def junit_messages(rx, what):
    try:
        root = ET.fromstring(rx.out_bytes)
    except ET.ParseError as e:
        fail("%s: JUnit output is not XML (%s)" % (what, e))
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    msgs = [e.get("message", "") + "\n" + (e.text or "")
            for tag in ("failure", "error") for e in root.iter(tag)]
    out = [s.text or "" for s in root.iter("system-out")]
    return props, "\n".join(msgs), "\n".join(out)


def test_each_example_same_in_json_text_junit():
    for what, argv, status, present, absent in EXAMPLES:
        rj, doc, rt, rx = three_formats(argv)
        got = sorted({f["code"] for f in findings(doc)})
        assert_eq(doc["status"], status, "%s: JSON status (codes %s)" % (what, got))
        want_exit = STATUS_EXIT[status]
        assert_eq((rj.code, rt.code, rx.code), (want_exit,) * 3,
                  "%s: exit of json, text, junit" % what)
        for code in present:
            assert_true(code in got, "%s: JSON lacks %s (codes %s)" % (what, code, got))
        for code in absent:
            assert_true(code not in got, "%s: JSON has %s (codes %s)" % (what, code, got))
        # text: the verdict word and every problem's code; nothing ruled out
        assert_true(re.search(r"^== \S+: %s\b" % status.upper(), rt.out, re.M),
                    "%s: text verdict is not %s:\n%s" % (what, status.upper(), rt.out[-600:]))
        problems = sorted({f["code"] for f in findings(doc) if f["severity"] != "info"})
        for code in problems:
            assert_true(code in rt.out, "%s: text lacks %s" % (what, code))
        for code in absent:
            assert_true(code not in rt.out, "%s: text has %s" % (what, code))
        # JUnit: the same status; each problem a failure/error naming its code
        props, msgs, _ = junit_messages(rx, what)
        assert_eq(props.get("status"), status, "%s: JUnit status property" % what)
        for code in problems:
            assert_true(code in msgs, "%s: no JUnit failure/error names %s" % (what, code))
        for code in absent:
            assert_true(code not in msgs, "%s: JUnit names %s" % (what, code))


def test_each_example_in_the_preflight_checklist():
    for what, argv, verdict, blockers in PREFLIGHT:
        rj = run("-f", "json", "--preflight", *argv, timeout=60)
        doc = parse_json(rj)
        pf = doc.get("preflight") or fail("%s: no preflight object" % what)
        state = "ready" if pf["ready"] else "not_ready" if pf["blockers"] else "unknown"
        assert_eq(state, verdict, "%s: checklist (%s)" % (what, pf["verdict"]))
        assert_eq(rj.code, PF_EXIT[verdict], "%s: exit is the checklist's" % what)
        codes = sorted({c for it in pf["items"] if it["state"] == "not_ready"
                        for c in it["codes"]})
        for code in blockers:
            assert_true(code in codes, "%s: blockers %s lack %s" % (what, codes, code))
        rt = run("--preflight", "--no-color", *argv, timeout=60)
        assert_eq(rt.code, rj.code, "%s: text exit with --preflight" % what)
        for code in blockers:
            assert_true(code in rt.out, "%s: the text checklist lacks %s" % (what, code))
