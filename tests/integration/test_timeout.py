"""Time bounds: --timeout against a DNS server that never answers, the
--max-time deadline, and SIGINT (Ctrl-C) mid-run."""

import json
import signal
import subprocess
import threading
import time

from harness import (LAB_BLACKHOLE, SLACK, assert_code, assert_exit, assert_status, lab_args,
                     command, fail, findings, parse_json, run, validate_doc, walk_steps,
                     ctx)


def _blackhole(*args):
    return ["--dns-server", LAB_BLACKHOLE, "-f", "json"] + list(args)


_cache = {}
_lock = threading.Lock()


def _timeout_run():
    """One blackholed --timeout 2 run, shared by the tests below."""
    with _lock:
        if "t" not in _cache:
            r = run(*_blackhole("--timeout", "2", "cloud.test"), timeout=30)
            _cache["t"] = (r, parse_json(r))
        return _cache["t"]


def test_dns_timeout_bounded():
    r, doc = _timeout_run()
    if r.elapsed >= 15 * SLACK:
        fail("--timeout 2 against a dead resolver took %.1fs (limit %gs)"
             % (r.elapsed, 15 * SLACK))
    # Typical: about 2 s per query round, all queries concurrent.
    if r.elapsed < 1.5:
        fail("run ended after %.1fs: the 2 s timeout was not waited for %s"
             % (r.elapsed, ctx(doc, r)))


def test_dns_timeout_findings():
    r, doc = _timeout_run()
    validate_doc(doc, "blackhole run")
    assert_exit(r, 2)
    assert_status(doc, "fail", r=r)
    for code, chk in (("CNAME_DNS_ERROR", "cname"), ("LYNC_DNS_ERROR", "lync")):
        fs = assert_code(doc, code, severity="fail", check_id=chk, r=r)
        bad = [f.get("evidence", {}).get("dns_status") for f in fs
               if f.get("evidence", {}).get("dns_status") != "TIMEOUT"]
        if bad:
            fail("%s evidence.dns_status should be TIMEOUT, got %s" % (code, bad))
        if not any(LAB_BLACKHOLE in json.dumps(f.get("evidence")) for f in fs):
            fail("%s evidence does not name the resolver %s" % (code, LAB_BLACKHOLE))
        assert_status(doc, "fail", check_id=chk, r=r)


def test_dns_timeout_is_not_a_record_problem():
    # Unanswered queries say nothing about the records: no "missing" or
    # "wrong" verdicts, and no OK either.
    r, doc = _timeout_run()
    bad = [f["code"] for f in findings(doc)
           if f["code"] in ("CNAME_MISSING", "CNAME_WRONG_TARGET", "MX_NOT_EXO", "SPF_MISSING",
                            "LYNC_CNAME_MISSING", "LYNC_SRV_MISSING", "CNAME_OK", "LYNC_OK",
                            "TXT_VERIFICATION_MISSING")]
    if bad:
        fail("timeouts reported as record verdicts: %s" % bad)


def test_dns_timeout_infers_no_deployment():
    # Nothing was learned, so no deployment kind can be inferred from it.
    r, doc = _timeout_run()
    for f in findings(doc, "CNAME_DEPLOYMENT"):
        ev = f.get("evidence") or {}
        if ev.get("source") == "inferred" and ev.get("deployment") not in (None, "", "unknown"):
            fail("deployment %r 'inferred' although every DNS query timed out: %r"
                 % (ev.get("deployment"), f.get("message")))


def test_max_time_deadline():
    r = run(*_blackhole("--max-time", "1", "--timeout", "5", "cloud.test"), timeout=30)
    if r.elapsed >= 4 * SLACK:
        fail("--max-time 1 run took %.1fs (limit %gs)" % (r.elapsed, 4 * SLACK))
    if r.elapsed < 0.8:
        fail("--max-time 1 run ended after %.2fs, before the deadline" % r.elapsed)
    doc = parse_json(r)
    validate_doc(doc, "--max-time run")
    assert_exit(r, 2)
    assert_status(doc, "fail", r=r)
    for chk in ("cname", "lync"):
        assert_status(doc, "fail", check_id=chk, r=r)
        c = [c for c in doc["checks"] if c["id"] == chk][0]
        unfinished = [s for s in walk_steps(c["steps"]) if s["status"] == "fail"]
        if not unfinished:
            fail("check %s failed but has no failed step" % chk)
        if not any("deadline" in s["detail"].lower() or "max-time" in s["detail"]
                   for s in unfinished):
            fail("check %s: no unfinished step mentions the deadline: %s"
                 % (chk, [(s["title"], s["detail"]) for s in unfinished]))
        bad = [(s["title"], s["detail"]) for s in c["steps"]
               if s["status"] == "fail" and not s["detail"].strip()]
        if bad:
            fail("check %s: failed steps without detail: %s" % (chk, bad))


def test_sigint_reports_partial_json():
    p = subprocess.Popen(command(_blackhole("--timeout", "10", "cloud.test")),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        time.sleep(0.5 * SLACK)
        if p.poll() is not None:
            fail("exprobe ended (exit %s) before SIGINT could be sent" % p.returncode)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=2 * SLACK)
        except subprocess.TimeoutExpired:
            fail("exprobe still running %gs after SIGINT" % (2 * SLACK))
        dt = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    if dt > 2 * SLACK:
        fail("exit took %.1fs after SIGINT" % dt)
    try:
        doc = json.loads(out.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        fail("stdout after SIGINT is not one valid JSON document (%s): %r" % (e, out[:300]))
    if not isinstance(doc, dict):
        fail("stdout after SIGINT is not one JSON object")
    if doc.get("interrupted") is not True:
        fail("\"interrupted\" is %r after SIGINT, expected true" % doc.get("interrupted"))
    validate_doc(doc, "interrupted document")
    if p.returncode not in (1, 2, 3) and p.returncode != -signal.SIGINT \
            and p.returncode != 128 + signal.SIGINT:
        fail("exit status %s after SIGINT" % p.returncode)
    if doc.get("status") == "pass":
        fail("an interrupted run with nothing finished reports status pass")


def test_quick_run_ends_promptly():
    # Every lab answer comes back in milliseconds: the run must end as soon
    # as its last check is done, not on some idle timer.
    for checks in ("cname", "lync", "cname,lync"):
        r = run(*lab_args("-f", "json", "-c", checks, "cloud.test"))
        if r.code == 3:
            fail("refused: %s" % r.describe())
        if r.elapsed >= 0.5 * SLACK:
            fail("-c %s against the lab took %.2fs (limit %.1fs): the run does not end "
                 "when its work is done" % (checks, r.elapsed, 0.5 * SLACK))
