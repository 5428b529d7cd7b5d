"""Exit codes (Nagios conventions) in every format, and -q."""

import os
import re

from harness import (LAB_CHECKS, assert_exit, assert_exit_matches, fail, lab_args, lab_dir, parse_json,
                     run)

CASES = [("cloud.test", 0, "pass"), ("mxmixed.test", 1, "warn"), ("nospf.test", 1, "warn"),
         ("msoid.test", 2, "fail")]



def _ca():
    """The lab root (onprem.test's Lync Edge is trusted only with it)."""
    import os
    from harness import lab_dir
    return os.path.join(lab_dir(), "certs", "ca.pem")

def _exit_case(domain, code, status):
    for fmt in ("json", "jsonl", "text"):
        r = run(*lab_args("-c", LAB_CHECKS, "-f", fmt, domain))
        assert_exit(r, code)
        if fmt in ("json", "jsonl"):
            doc = parse_json(r)
            if doc.get("status") != status:
                fail("%s -f %s status %r, expected %r" % (domain, fmt, doc.get("status"), status))
            assert_exit_matches(r, doc)
        else:
            last = _verdict(r)
            if domain not in last or status.upper() not in last:
                fail("%s -f text verdict line %r lacks the target or %s"
                     % (domain, last, status.upper()))


def _verdict(r):
    """The target's verdict line: "== DOMAIN: STATUS - ..." (first with -q,
    where the problems follow it; last otherwise)."""
    lines = [ln for ln in r.out.splitlines() if ln.startswith("== ") and ": " in ln]
    if not lines:
        fail("no verdict line in the text output %s" % r.describe())
    return lines[-1]


def test_exit_0_cloud():
    _exit_case(*CASES[0])


def test_exit_1_mxmixed():
    _exit_case(*CASES[1])


def test_exit_1_nospf():
    _exit_case(*CASES[2])


def test_exit_2_msoid():
    _exit_case(*CASES[3])


def test_exit_worst_of_several_targets():
    r = run(*lab_args("-c", LAB_CHECKS, "-f", "text", "cloud.test", "mxmixed.test"))
    assert_exit(r, 1)
    r = run(*lab_args("-c", LAB_CHECKS, "-f", "text", "mxmixed.test", "msoid.test",
                          "cloud.test"))
    assert_exit(r, 2)
    r = run(*lab_args("-c", LAB_CHECKS, "-f", "jsonl", "--ca-file", _ca(), "cloud.test",
                      "onprem.test"))
    assert_exit(r, 0)


def test_exit_same_with_checks_subset():
    # msoid.test: the failure is in cname; lync alone passes.
    assert_exit(run(*lab_args("-f", "json", "-c", "lync", "msoid.test")), 0)
    assert_exit(run(*lab_args("-f", "json", "-c", "cname", "msoid.test")), 2)


PASS_LINE = re.compile(r"\[PASS\]")


def test_quiet_problem_domain():
    r = run(*lab_args("-c", LAB_CHECKS, "-q", "mxmixed.test"))
    assert_exit(r, 1)
    if PASS_LINE.search(r.out):
        fail("-q printed [PASS] lines: %r" % [ln for ln in r.out.splitlines() if "[PASS]" in ln])
    if "MX_MIXED" not in r.out:
        fail("-q does not show the problem MX_MIXED: %r" % r.out[:400])
    if "CNAME_DEPLOYMENT" in r.out or "LYNC_OK" in r.out:
        fail("-q shows info findings: %r" % r.out[:400])
    last = _verdict(r)
    if "mxmixed.test" not in last or "WARN" not in last:
        fail("-q verdict line %r" % last)
    full = run(*lab_args("-c", LAB_CHECKS, "mxmixed.test"))
    if len(r.out.splitlines()) >= len(full.out.splitlines()):
        fail("-q output is not shorter than the normal output")


def test_quiet_healthy_domain_only_verdict():
    r = run(*lab_args("-c", LAB_CHECKS, "-q", "cloud.test"))
    assert_exit(r, 0)
    lines = [ln for ln in r.out.splitlines() if ln.strip()]
    if len(lines) != 1:
        fail("-q on a healthy domain should print only the verdict line, got %r" % lines)
    if "cloud.test" not in lines[0] or "PASS" not in lines[0]:
        fail("-q verdict line %r" % lines[0])


def test_quiet_several_targets_one_verdict_each():
    r = run(*lab_args("-c", LAB_CHECKS, "-q", "--ca-file", _ca(), "cloud.test", "onprem.test"))
    assert_exit(r, 0)
    lines = [ln for ln in r.out.splitlines() if ln.strip()]
    if (len(lines) != 3 or "cloud.test" not in lines[0] or "onprem.test" not in lines[1]
            or lines[2] != "2 targets: 2 pass, 0 warn, 0 fail, 0 unknown"):
        fail("-q with two healthy targets: expected two verdict lines and the roll-up, got %r"
             % lines)


def test_quiet_several_targets_problems_after_their_name():
    r = run(*lab_args("-c", LAB_CHECKS, "-q", "mxmixed.test", "cloud.test"))
    lines = [ln for ln in r.out.splitlines() if ln.strip()]
    if not lines[0].startswith("== mxmixed.test: WARN"):
        fail("-q: the first line is mxmixed.test's verdict, got %r" % lines)
    mixed = [i for i, ln in enumerate(lines) if "MX_MIXED" in ln]
    cloud = [i for i, ln in enumerate(lines) if ln.startswith("== cloud.test")]
    if not mixed or not cloud or mixed[0] > cloud[0]:
        fail("-q: mxmixed.test's problem must follow its own line: %r" % lines)
    if lines[-1] != "2 targets: 1 pass, 1 warn, 0 fail, 0 unknown":
        fail("-q: the roll-up line is last, got %r" % lines[-1])


def test_quiet_keeps_json_findings():
    r = run(*lab_args("-c", LAB_CHECKS, "-q", "-f", "json", "mxmixed.test"))
    assert_exit(r, 1)
    quiet = parse_json(r)
    normal = parse_json(run(*lab_args("-c", LAB_CHECKS, "-f", "json", "mxmixed.test")))
    codes = lambda d: sorted(f["code"] for c in d["checks"] for f in c["findings"])  # noqa
    if codes(quiet) != codes(normal):
        fail("-q -f json findings %s differ from -f json %s" % (codes(quiet), codes(normal)))


def test_healthy_text_report_fits_a_screen():
    # Every check of a healthy lab domain: one line per check and its info
    # findings; steps only with -v.
    ca = ["--ca-file", os.path.join(lab_dir(), "certs", "ca.pem")]
    r = run(*lab_args(*ca, "--dnsbl", "list.dnsbl.test", "hybrid.test"))
    lines = r.out.splitlines()
    # One line per check (12 of them) and its information findings.
    if len(lines) > 36:
        fail("healthy report is %d lines (about 30 expected):\n%s" % (len(lines), r.out))
    if "[PASS] A " in r.out or "Method 2" in r.out:
        fail("passing steps shown without -v:\n" + r.out)
    rv = run(*lab_args(*ca, "-v", "--dnsbl", "list.dnsbl.test", "hybrid.test"))
    if "Method 2" not in rv.out or len(rv.out.splitlines()) <= len(lines):
        fail("-v does not show every step:\n" + rv.out[:800])


def test_quiet_preflight_is_verdict_and_checklist_only():
    r = run(*lab_args("-q", "--preflight", "-c", "cname,lync", "lyncdead.test"))
    if "[FAIL]" in r.out or "[WARN]" in r.out:
        fail("-q --preflight printed the check-by-check problems:\n" + r.out)
    if "lyncdead.test" not in r.out:
        fail("-q --preflight lost the verdict line:\n" + r.out)


def test_user_settings_shown_without_verbose():
    env = dict(os.environ, EXPROBE_PASSWORD="Lab-Passw0rd!")
    ca = ["--ca-file", os.path.join(lab_dir(), "certs", "ca.pem")]
    r = run(*lab_args(*ca, "--user", "admin@hybrid.test", "-c", "autodiscover", "hybrid.test"),
            env=env)
    if "EXPR_ews_url: https://mail.hybrid.test/EWS/Exchange.asmx" not in r.out:
        fail("--user settings not in the default text report:\n" + r.out)
