"""Time bounds: --timeout against a DNS server that never answers, the
--max-time deadline, and SIGINT (Ctrl-C) mid-run."""

import json
import os
import signal
import subprocess
import threading
import time

from harness import (EXPROBE, LAB_BLACKHOLE, ROOT, SLACK, assert_code, assert_exit,
                     assert_status, lab_args, command, fail, findings, parse_json, run,
                     validate_doc, walk_steps, ctx)


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
    # The resolver premise: every resolver asked once, at once, within one
    # --timeout; nothing waits on a silent resolver again.
    r, doc = _timeout_run()
    if r.elapsed >= 2 + 2 * SLACK:
        fail("--timeout 2 against a dead resolver took %.1fs (limit %gs: one timeout)"
             % (r.elapsed, 2 + 2 * SLACK))
    if r.elapsed < 1.5:
        fail("run ended after %.1fs: the 2 s timeout was not waited for %s"
             % (r.elapsed, ctx(doc, r)))


def test_dns_timeout_is_one_unknown_finding():
    # SPEC: no resolver answered -> RESOLVER_UNREACHABLE, one finding,
    # unknown (exit 3); every other check skipped with that reason.
    r, doc = _timeout_run()
    validate_doc(doc, "blackhole run")
    assert_exit(r, 3)
    assert_status(doc, "unknown", r=r)
    fs = assert_code(doc, "RESOLVER_UNREACHABLE", severity="unknown", count=1, r=r)
    if LAB_BLACKHOLE not in json.dumps(fs[0].get("evidence")):
        fail("RESOLVER_UNREACHABLE evidence does not name %s: %r" % (LAB_BLACKHOLE, fs[0]))
    others = [f["code"] for f in findings(doc) if f["code"] != "RESOLVER_UNREACHABLE"]
    if others:
        fail("a dead resolver gave more findings than its own: %s" % others)
    skipped = [c for c in doc["checks"] if c["status"] == "skip"]
    if len(skipped) != len(doc["checks"]) - 1:
        fail("every check but the one carrying the finding should be skipped: %s"
             % [(c["id"], c["status"]) for c in doc["checks"]])
    for c in skipped:
        if "RESOLVER_UNREACHABLE" not in (c.get("skip_reason") or ""):
            fail("check %s skipped without naming the cause: %r" % (c["id"], c.get("skip_reason")))


def test_refusing_resolver_is_unreachable_at_once():
    # Nothing listens on port 9: the connection is refused, no waiting.
    r = run(*lab_args("-f", "json", "--dns-server", "127.0.0.1:9", "--timeout", "5",
                      "cloud.test"), timeout=30)
    doc = parse_json(r)
    validate_doc(doc, "refused resolver")
    assert_exit(r, 3)
    f = assert_code(doc, "RESOLVER_UNREACHABLE", count=1, r=r)[0]
    if "refused" not in json.dumps(f["evidence"]):
        fail("the evidence does not say the connection was refused: %r" % f["evidence"])
    if r.elapsed > 2 * SLACK:
        fail("a refusing resolver took %.1fs" % r.elapsed)


def test_partial_resolvers_named_and_dropped():
    # The first resolver never answers: it is named (RESOLVER_PARTIAL, info)
    # and costs one --timeout once, not one per question.
    r = run(*lab_args("-f", "json", "-c", "cname,lync", "--timeout", "2", "--dns-server",
                      LAB_BLACKHOLE + ",127.0.1.1", "cloud.test"), timeout=30)
    doc = parse_json(r)
    validate_doc(doc, "partial resolvers")
    assert_exit(r, 0)
    f = assert_code(doc, "RESOLVER_PARTIAL", severity="info", count=1, r=r)[0]
    if f["evidence"].get("silent") != [LAB_BLACKHOLE]:
        fail("RESOLVER_PARTIAL names %r, expected [%s]" % (f["evidence"].get("silent"),
                                                           LAB_BLACKHOLE))
    if r.elapsed >= 2 + 2 * SLACK:
        fail("the silent resolver was waited on more than once: %.1fs" % r.elapsed)


def test_max_time_deadline():
    # A mail server that never sends its banner, --max-time 1: smtp is cut
    # short: unknown with CHECK_INTERRUPTED, never a failure without a finding.
    r = run(*lab_args("-f", "json", "-c", "smtp,dnsbl", "--max-time", "1", "--timeout", "5",
                      "silent.smtp.test"), timeout=30)
    if r.elapsed >= 4 * SLACK:
        fail("--max-time 1 run took %.1fs (limit %gs)" % (r.elapsed, 4 * SLACK))
    if r.elapsed < 0.8:
        fail("--max-time 1 run ended after %.2fs, before the deadline" % r.elapsed)
    doc = parse_json(r)
    validate_doc(doc, "--max-time run")
    assert_exit(r, 3)
    assert_status(doc, "unknown", r=r)
    if doc.get("interrupted") is not True:
        fail("interrupted is %r" % doc.get("interrupted"))
    for chk in ("smtp", "dnsbl"):
        assert_status(doc, "unknown", check_id=chk, r=r)
        f = assert_code(doc, "CHECK_INTERRUPTED", severity="unknown", check_id=chk, count=1,
                        r=r)[0]
        if "max-time" not in f["message"]:
            fail("CHECK_INTERRUPTED does not name --max-time: %r" % f["message"])
    c = [c for c in doc["checks"] if c["id"] == "smtp"][0]
    unfinished = [s for s in walk_steps(c["steps"]) if s["status"] == "unknown"]
    if not unfinished or not all("max-time" in s["detail"] for s in unfinished):
        fail("the unfinished steps do not say why: %s"
             % [(s["title"], s["detail"]) for s in unfinished])


def test_sigint_reports_partial_json():
    p = subprocess.Popen(command(lab_args("-f", "json", "-c", "smtp", "--timeout", "10",
                                          "silent.smtp.test")),
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
    if p.returncode != 3:
        fail("exit status %s after SIGINT, expected 3 (unknown)" % p.returncode)
    if doc.get("status") != "unknown":
        fail("an interrupted run with nothing finished reports status %r" % doc.get("status"))
    f = [f for f in findings(doc) if f["code"] == "CHECK_INTERRUPTED"]
    if len(f) != 1 or "Ctrl-C" not in f[0]["message"]:
        fail("expected one CHECK_INTERRUPTED naming Ctrl-C: %r" % f)


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


# make asan's binary (EXPROBE_ASAN, default build/asan/exprobe): the Ctrl-C
# runs below also go through it when it exists, so a leak or a use after
# free on the way out is a failure of the ordinary test run too.
ASAN = os.path.abspath(os.environ.get("EXPROBE_ASAN") or
                       os.path.join(ROOT, "build", "asan", "exprobe"))


def _binaries(args):
    """The command lines to run: exprobe as tested, and the ASan build when
    it is not older than it (a stale one tests code that is gone)."""
    cmds = [command(args)]
    if (os.access(ASAN, os.X_OK) and ASAN != EXPROBE and
            os.path.getmtime(ASAN) >= os.path.getmtime(EXPROBE)):
        cmds.append([ASAN] + list(args))
    return cmds


def _sigint(cmd, after):
    """Run cmd, SIGINT it after `after` seconds; (stdout, stderr, exit).
    Fails if it had ended already, outlives the signal or reports a
    sanitizer error."""
    slack = 5.0 if cmd[0] == ASAN else SLACK
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        time.sleep(after * slack)
        if p.poll() is not None:
            fail("%s ended (exit %s) before SIGINT could be sent" % (cmd[0], p.returncode))
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=3 * slack)
        except subprocess.TimeoutExpired:
            fail("%s still running %gs after SIGINT" % (cmd[0], 3 * slack))
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    if p.returncode == 86 or b"Sanitizer" in err or b"runtime error" in err:
        fail("%s: sanitizer report after SIGINT: %s"
             % (cmd[0], err.decode("utf-8", "replace")[:1500]))
    try:
        docs = json.loads(out.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        fail("%s: stdout after SIGINT is not valid JSON (%s): %r" % (cmd[0], e, out[:300]))
    if not isinstance(docs, list):
        fail("%s: want a list of documents, got %s" % (cmd[0], type(docs).__name__))
    return docs, err, p.returncode


def test_sigint_with_twenty_targets_reports_started_ones_and_frees_the_rest():
    """Ctrl-C while only the first targets run (8 at once by default): the
    report has the started ones, the others are left out -- and freed (under
    the sanitizers a leak exits 86: the ASan build runs this too)."""
    targets = ["sigint%d.example" % i for i in range(20)]
    for cmd in _binaries(_blackhole("--timeout", "5", *targets)):
        docs, _, _ = _sigint(cmd, 0.5)
        if not 0 < len(docs) < len(targets):
            fail("want the started targets only (fewer than 20), got %d documents"
                 % len(docs))
        for d in docs:
            if d.get("interrupted") is not True:
                fail("%s: \"interrupted\" is %r" % (d.get("target"), d.get("interrupted")))


# Twenty lab domains, the first three with servers that stall (silent
# Autodiscover, silent SMTP banners): Ctrl-C lands with HTTP, TLS, SMTP and
# DNS work in flight and targets not started yet.
LAB_TWENTY = ["silent.test", "multi.smtp.test", "silent.smtp.test", "hybrid.test",
              "onprem.test", "cloud.test", "tmg.test", "f5.test", "uag.test", "bigbody.test",
              "redirloop.test", "hma15.test", "ntlmbreak15.test", "h2ntlm15.test",
              "sts13.test", "good.dane13.test", "dnsbl.test", "lync.com", "dkim-good14.test",
              "dmarc-good14.test"]


def test_sigint_with_twenty_lab_targets_in_flight_is_clean():
    for parallel in ("8", "20"):
        args = lab_args("-f", "json", "--timeout", "10", "--parallel", parallel, *LAB_TWENTY)
        for cmd in _binaries(args):
            docs, _, _ = _sigint(cmd, 1.0)
            if not 0 < len(docs) <= len(LAB_TWENTY):
                fail("--parallel %s: %d documents for 20 targets" % (parallel, len(docs)))
            stalled = [d for d in docs if d.get("target") == "silent.smtp.test"]
            if not stalled or stalled[0].get("interrupted") is not True:
                fail("--parallel %s: silent.smtp.test (still waiting for its banner) is "
                     "not reported as interrupted: %r" % (parallel, stalled[:1]))
            for d in docs:
                validate_doc(d)
