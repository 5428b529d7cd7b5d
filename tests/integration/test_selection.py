"""Check selection and suppression for monitoring: -c with -ID / all /
repeated -c, --ignore and ignore = in --expect, and the run object that
records what shaped the verdict."""

import os
import tempfile

from harness import (assert_eq, assert_exit, assert_true, assert_usage_error, fail, findings,
                     lab_args, parse_json, run)


def ids(doc):
    return [c["id"] for c in doc["checks"] if c["status"] != "skip"]


def registry():
    """The binary's checks, in registry order (--version's features line):
    a check added to the registry needs no edit here."""
    r = run("--version")
    for line in r.out.splitlines():
        if line.startswith("features: checks "):
            return line.split(" ", 2)[2].split(",")
    fail("--version names no checks:\n%s" % r.out)
    return []


def minus(*keep, but=()):
    """"-a,-b,..." removing every registry check except keep (and but)."""
    return ",".join("-" + c for c in registry() if c not in keep and c not in but)


def test_minus_id_removes_from_default_set():
    r = run(*lab_args("-f", "json", "-c", minus("cname", "lync"), "cloud.test"))
    doc = parse_json(r)
    assert_eq(sorted(ids(doc)), ["cname", "lync"], "checks left by -c -ID,...")
    assert_eq(doc["run"]["checks"], ["cname", "lync"], "run.checks")


def test_all_minus_id():
    r = run(*lab_args("-f", "json", "-c", "all,-dnsbl", "-c",
                      minus("cname", "lync", but=("dnsbl",)), "cloud.test"))
    doc = parse_json(r)
    assert_eq(sorted(ids(doc)), ["cname", "lync"], "checks of -c all,-dnsbl -c -smtp,...")


def test_repeated_c_accumulates():
    r = run(*lab_args("-f", "json", "-c", "cname", "-c", "lync", "cloud.test"))
    doc = parse_json(r)
    assert_eq(sorted(ids(doc)), ["cname", "lync"], "checks of -c cname -c lync")


def test_selection_errors():
    assert_usage_error(run("-c", "-nope", "cloud.test"), mention="-nope")
    assert_usage_error(run("-c", "-all", "cloud.test"), mention="-all")
    assert_usage_error(run("-c", "cname,-cname", "cloud.test"), mention="no check")


def test_ignore_turns_a_warning_into_suppressed_info():
    # mxmixed.test: MX_MIXED is a warning; accepted states are silenced, not hidden.
    r = run(*lab_args("-f", "json", "-c", "cname", "mxmixed.test"))
    doc = parse_json(r)
    assert_eq(doc["status"], "warn", "status without --ignore")
    r = run(*lab_args("-f", "json", "-c", "cname", "--ignore", "mx_mixed", "mxmixed.test"))
    doc = parse_json(r)
    assert_exit(r, 0)
    assert_eq(doc["status"], "pass", "status with --ignore MX_MIXED")
    f = findings(doc, "MX_MIXED")
    assert_true(len(f) == 1, "MX_MIXED still reported once: %s" % f)
    assert_eq((f[0]["severity"], f[0].get("suppressed"), f[0].get("original_severity")),
              ("info", True, "warn"), "suppressed finding")
    assert_eq(doc["run"]["ignored"], ["MX_MIXED"], "run.ignored")
    # The text report says so on the finding's line.
    r = run(*lab_args("-c", "cname", "--ignore", "MX_MIXED", "mxmixed.test"))
    assert_true("suppressed" in r.out, "text report marks the suppressed finding:\n" + r.out)


def test_ignore_in_expect_file():
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "e.conf")
        with open(p, "w") as fp:
            fp.write("ignore = MX_MIXED, SPF_MISSING\n")
        r = run(*lab_args("-f", "json", "-c", "cname", "--expect", p, "mxmixed.test"))
        doc = parse_json(r)
        assert_eq(doc["status"], "pass", "status with ignore = MX_MIXED")
        assert_eq(doc["run"]["ignored"], ["MX_MIXED", "SPF_MISSING"], "run.ignored")
        with open(p, "w") as fp:
            fp.write("ignore = NOT_A_CODE\n")
        assert_usage_error(run("--expect", p, "cloud.test"), mention="NOT_A_CODE")


def test_ignore_unknown_code_is_usage_error():
    assert_usage_error(run("--ignore", "NOPE", "cloud.test"), mention="NOPE")


def test_run_object_records_the_parameters():
    r = run(*lab_args("-f", "json", "-c", "cname", "--timeout", "3", "cloud.test"))
    doc = parse_json(r)
    got = doc.get("run")
    if not isinstance(got, dict):
        fail("no run object: %s" % doc.keys())
    assert_eq(got["dns_servers"], ["127.0.1.1"], "run.dns_servers")
    assert_eq(got["timeout_ms"], 3000, "run.timeout_ms")
    assert_eq(got["checks"], ["cname"], "run.checks")
    assert_eq(got["dnsbl_zones"], "built-in", "run.dnsbl_zones")
    assert_true(got["version"], "run.version")


def test_version_lists_every_library():
    r = run("-V")
    assert_exit(r, 0)
    for lib in ("libcurl", "OpenSSL", "c-ares", "libxml2", "jansson", "libidn2", "ncurses"):
        assert_true(lib in r.out, "-V names %s:\n%s" % (lib, r.out))
    assert_true("checks " in r.out, "-V names the checks built in:\n" + r.out)


def test_ehlo_name_is_sent_and_validated():
    r = run(*lab_args("-f", "json", "-c", "smtp", "--ehlo", "probe.contoso.test", "-v",
                      "onprem.test"))
    doc = parse_json(r)
    lines = [x for c in doc["checks"] for f in c["findings"]
             for x in (f.get("evidence") or {}).get("transcript", [])]
    assert_true("C: EHLO probe.contoso.test" in lines, "EHLO name sent: %s" % lines[:8])
    assert_eq(doc["run"]["ehlo"], "probe.contoso.test", "run.ehlo")
    for bad in ("bad name", "x\r\nRCPT", "-x", "[1.2.3.4", "a..b"):
        assert_usage_error(run("--ehlo", bad, "cloud.test"), mention="--ehlo")


def test_idn_header_shows_both_forms():
    r = run(*lab_args("-c", "cname", "bücher.test"))
    assert_true(r.out.startswith("== xn--bcher-kva.test [bücher.test]"),
                "text header shows A-label and U-label: %r" % r.out[:80])
