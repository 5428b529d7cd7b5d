#!/usr/bin/env python3
"""exprobe integration test harness (Python 3 standard library only).

    python3 tests/integration/harness.py [PATTERN...]

Runs every function named test_* in tests/integration/test_*.py, in file
order, or only those whose "module.function" name matches a PATTERN
(a substring, or a glob when it contains * ? or [). One line per test:

    ok   test_cname.test_cloud_healthy
    FAIL test_cname.test_nocname: CNAME_MISSING not found (codes: ...)

and, as the very last line, exactly "N passed, N failed". Exit status 0
only when nothing failed and at least one test ran.

Environment:
    EXPROBE          exprobe binary (default <repo>/build/exprobe)
    EXPROBE_WRAPPER  command prefixed to every exprobe run, e.g.
                     "valgrind --error-exitcode=99 -q"; timing limits get
                     5x slack then
    LAB_DNS          lab name server (default 127.0.1.1)
    LAB_BLACKHOLE    lab DNS server that never answers (default 127.0.1.2)
    HARNESS_JOBS     tests run at once (default 8, with a wrapper the number
                     of CPUs; 1 = one by one)

Test modules import this file ("from harness import ...") for the helpers
below: run(), probe(), findings(), codes(), the assert_* functions.
"""

import fnmatch
import glob
import importlib
import json
import os
import shlex
import socket
import struct
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True     # no __pycache__ in the source tree

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "fixtures")
EXPECT_DIR = os.path.join(FIXTURES, "dns", "expect")
SPEC = os.path.join(os.path.dirname(ROOT), "shared", "SPEC.md")

EXPROBE = os.path.abspath(os.environ.get("EXPROBE") or os.path.join(ROOT, "build", "exprobe"))
WRAPPER = shlex.split(os.environ.get("EXPROBE_WRAPPER", ""))
# A wrapper (valgrind) or a sanitizer build (make asan-test) is slower.
SLACK = 5.0 if WRAPPER or os.sep + "asan" + os.sep in EXPROBE else 1.0
# "valgrind --error-exitcode=99": exit 99 means the wrapper found errors.
WRAPPER_ERROR_EXIT = None
for _w in WRAPPER:
    if _w.startswith("--error-exitcode="):
        WRAPPER_ERROR_EXIT = int(_w.split("=", 1)[1])
LAB_DNS = os.environ.get("LAB_DNS") or "127.0.1.1"
LAB_BLACKHOLE = os.environ.get("LAB_BLACKHOLE") or "127.0.1.2"
RUN_TIMEOUT = 60          # seconds, per exprobe run (x SLACK)
SANITIZER_EXIT = 86       # make asan's exit code on any ASan/LSan/UBSan report
# The checks the lab cases are about; runs that judge a whole domain's
# verdict use them so that checks added later do not change the verdicts.
LAB_CHECKS = "cname,lync"

# SPEC v2: fail > unknown > warn > pass.
SEVERITY_RANK = {"info": 0, "warn": 1, "unknown": 2, "fail": 3}
STATUS_RANK = {"pass": 0, "info": 0, "skip": 0, "warn": 1, "unknown": 2, "fail": 3}
EXIT_FOR = {"pass": 0, "warn": 1, "fail": 2, "unknown": 3}


class TestFailure(AssertionError):
    pass


def fail(msg):
    raise TestFailure(msg)


# --------------------------------------------------------------------------
# running exprobe

class Result(tuple):
    """(code, out, err) with extras: .code .out .err (str, UTF-8 with
    replacement), .out_bytes .err_bytes (raw), .elapsed (seconds),
    .args (argv without the wrapper)."""

    def __new__(cls, code, out_b, err_b, elapsed, args):
        out = out_b.decode("utf-8", "replace")
        err = err_b.decode("utf-8", "replace")
        self = tuple.__new__(cls, (code, out, err))
        self.code, self.out, self.err = code, out, err
        self.out_bytes, self.err_bytes = out_b, err_b
        self.elapsed = elapsed
        self.args = args
        return self

    def cmdline(self):
        return "exprobe " + " ".join(shlex.quote(a) for a in self.args)

    def describe(self, limit=300):
        """Short text about this run for failure messages: the command, its
        exit, stderr, and (JSON output) the status and warn/fail codes."""
        s = "[%s -> exit %s in %.1fs" % (self.cmdline(), self.code, self.elapsed)
        if self.err.strip():
            s += "; stderr: %s" % clip(self.err.strip(), limit)
        try:
            docs = json.loads(self.out)
        except ValueError:
            docs = None
        if isinstance(docs, dict):
            docs = [docs]
        if docs is None:   # text: its warn/fail finding lines
            import re
            probs = re.findall(r"^\s*(warn|fail) ([A-Z][A-Z0-9_]+)", self.out, re.M)
            if probs:
                s += "; text shows: " + " ".join("%s(%s)" % (c, sev) for sev, c in probs)
        if isinstance(docs, list):
            for d in docs:
                if not isinstance(d, dict):
                    continue
                fs = [f for c in d.get("checks", []) for f in c.get("findings", [])
                      if f.get("severity") in ("warn", "fail")]
                probs = ["%s(%s)" % (f.get("code"), f.get("severity")) for f in fs]
                s += "; %s: %s%s" % (d.get("target"), d.get("status"),
                                     " " + " ".join(probs) if probs else "")
                if fs:
                    s += " - first: %s" % clip(str(fs[0].get("message")), 160)
        return s + "]"


def clip(s, n):
    s = s.replace("\n", "\\n")
    return s if len(s) <= n else s[:n] + "..."


def command(args):
    return WRAPPER + [EXPROBE] + list(args)


def run(*args, stdin=None, timeout=RUN_TIMEOUT, env=None, cwd=None):
    """Run exprobe with ARGS; return Result (unpacks as code, out, err).
    stdin: None (no input: /dev/null), str or bytes."""
    args = [str(a) for a in args]
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    t0 = time.monotonic()
    try:
        p = subprocess.run(command(args), input=stdin if stdin is not None else b"",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout * SLACK, env=full_env, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        fail("exprobe %s did not finish within %gs (stdout so far: %r)"
             % (" ".join(args), timeout * SLACK, (e.stdout or b"")[:300]))
    except OSError as e:
        fail("cannot run %s: %s" % (" ".join(command(args)), e))
    r = Result(p.returncode, p.stdout, p.stderr, time.monotonic() - t0, args)
    # Memory checkers: a run they complain about fails whatever the test.
    if WRAPPER_ERROR_EXIT is not None and r.code == WRAPPER_ERROR_EXIT:
        fail("%s reported errors (exit %d): %s" % (WRAPPER[0], r.code, clip(r.err, 1500)))
    # make asan: a sanitizer report exits 86 (probes/util.c), whatever it printed.
    if r.code == SANITIZER_EXIT:
        fail("exit %d (a sanitizer report) from %s: %s" % (r.code, r.cmdline(), clip(r.err, 1500)))
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error: "):
        if marker in r.err:
            fail("sanitizer report from %s: %s" % (r.cmdline(), clip(r.err, 1500)))
    return r


def lab_dir():
    """The lab's run dir: $LAB_DIR, else what tests/lab/lab.sh uses."""
    if os.environ.get("LAB_DIR"):
        return os.environ["LAB_DIR"]
    return subprocess.run([os.path.join(ROOT, "tests", "lab", "lab.sh"), "dir"],
                          stdout=subprocess.PIPE, check=True).stdout.decode().strip()


def lab_args(*args):
    """ARGS with --dns-server LAB_DNS in front."""
    return ["--dns-server", LAB_DNS] + [str(a) for a in args]


def expect_file(name):
    """Path of fixtures/dns/expect/NAME (NAME with or without .conf)."""
    if not name.endswith(".conf"):
        name += ".conf"
    return os.path.join(EXPECT_DIR, name)


_probe_cache = {}


def probe(target, *args, checks=None, expect=None, fmt="json", cache=True):
    """Run exprobe against the lab DNS and parse the JSON document.
    Returns (Result, doc). EXPECT is a fixture name ("cloud") or a path.
    Results are memoised per command line (the lab is static)."""
    argv = lab_args("-f", fmt)
    if checks:
        argv += ["-c", checks]
    if expect:
        argv += ["--expect", expect if os.sep in expect else expect_file(expect)]
    argv += list(args) + [target]
    key = tuple(argv)
    if cache and key in _probe_cache:
        return _probe_cache[key]
    r = run(*argv)
    # 3 is also "unknown" (SPEC v2): a report came out. Refusing to run
    # (usage, bad input) prints nothing on stdout.
    if r.code == 3 and not r.out_bytes.strip():
        fail("exprobe refused to run %s" % r.describe())
    doc = parse_json(r)
    if isinstance(doc, list):
        fail("expected one JSON document, got an array %s" % r.describe())
    res = (r, doc)
    if cache:
        _probe_cache[key] = res
    return res


def parse_json(r):
    """Parse the stdout of Result R as one JSON value (strict UTF-8)."""
    try:
        text = r.out_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("stdout is not valid UTF-8 (%s) %s" % (e, r.describe()))
    try:
        return json.loads(text)
    except ValueError as e:
        fail("stdout is not valid JSON (%s): %s %s" % (e, clip(text, 300), r.describe()))


# --------------------------------------------------------------------------
# looking into documents

def check(doc, check_id):
    for c in doc.get("checks", []):
        if c.get("id") == check_id:
            return c
    fail("no check %r in document (checks: %s)"
         % (check_id, [c.get("id") for c in doc.get("checks", [])]))


def findings(doc, code=None, check_id=None):
    """All findings of DOC (optionally of one check / with one code)."""
    out = []
    for c in doc.get("checks", []):
        if check_id and c.get("id") != check_id:
            continue
        for f in c.get("findings", []):
            if code is None or f.get("code") == code:
                out.append(f)
    return out


def codes(doc, check_id=None):
    """Finding codes of DOC as "CODE(severity)" strings, for messages."""
    return ["%s(%s)" % (f.get("code"), f.get("severity")) for f in findings(doc, check_id=check_id)]


def problems(doc, check_id=None):
    """Findings with severity warn or fail."""
    return [f for f in findings(doc, check_id=check_id) if f.get("severity") in ("warn", "fail")]


def worst_status(doc):
    """The document status its checks imply: SPEC v2 precedence, and
    unknown when no check reached a verdict (all skipped)."""
    worst = None
    for c in doc.get("checks", []):
        if c.get("status") == "skip":
            continue
        if worst is None or STATUS_RANK.get(c.get("status"), 0) > STATUS_RANK[worst]:
            worst = c.get("status")
    return worst or "unknown"


def walk_steps(steps):
    for s in steps:
        yield s
        yield from walk_steps(s.get("steps") or [])


def all_steps(doc, check_id=None):
    out = []
    for c in doc.get("checks", []):
        if check_id and c.get("id") != check_id:
            continue
        out.extend(walk_steps(c.get("steps") or []))
    return out


# --------------------------------------------------------------------------
# assertions

def ctx(doc, r=None):
    s = "(target %s, status %s, codes: %s)" % (doc.get("target"), doc.get("status"),
                                               ", ".join(codes(doc)) or "none")
    if r is not None:
        s += " " + r.describe(300)
    return s


def assert_eq(got, want, what):
    if got != want:
        fail("%s: expected %r, got %r" % (what, want, got))


def assert_true(cond, msg):
    if not cond:
        fail(msg)


def assert_exit(r, want):
    if isinstance(want, int):
        want = (want,)
    if r.code not in want:
        fail("exit code %s, expected %s %s" % (r.code, " or ".join(map(str, want)), r.describe()))


def assert_code(doc, code, severity=None, check_id=None, count=None, r=None):
    """Finding CODE is present (COUNT times, if given), with SEVERITY.
    Returns the list of matching findings."""
    found = findings(doc, code, check_id)
    where = " in check %s" % check_id if check_id else ""
    if not found:
        fail("finding %s not found%s %s" % (code, where, ctx(doc, r)))
    if count is not None and len(found) != count:
        fail("finding %s found %d times%s, expected %d %s"
             % (code, len(found), where, count, ctx(doc, r)))
    if severity is not None:
        bad = [f.get("severity") for f in found if f.get("severity") != severity]
        if bad:
            fail("finding %s has severity %s, expected %s %s"
                 % (code, "/".join(bad), severity, ctx(doc, r)))
    return found


def assert_no_code(doc, code, check_id=None, r=None):
    if findings(doc, code, check_id):
        fail("unexpected finding %s %s" % (code, ctx(doc, r)))


def assert_no_problems(doc, r=None):
    p = problems(doc)
    if p:
        fail("unexpected warn/fail findings %s: %s %s"
             % (["%s(%s)" % (f["code"], f["severity"]) for f in p],
                "; ".join(clip(str(f.get("message")), 120) for f in p), ctx(doc, r)))


def assert_status(doc, want, check_id=None, r=None):
    if check_id:
        got = check(doc, check_id).get("status")
        what = "check %s status" % check_id
    else:
        got = doc.get("status")
        what = "document status"
    if got != want:
        fail("%s is %r, expected %r %s" % (what, got, want, ctx(doc, r)))


def assert_problem_shape(f, doc=None):
    """A warn/fail finding explains itself: message, evidence, remediation."""
    code = f.get("code")
    if not isinstance(f.get("message"), str) or not f["message"].strip():
        fail("finding %s has an empty message" % code)
    if "\n" in f["message"]:
        fail("finding %s message is not one line: %r" % (code, f["message"]))
    ev = f.get("evidence")
    if not isinstance(ev, dict) or not ev:
        fail("finding %s has empty evidence %r" % (code, ev))
    rem = f.get("remediation")
    if not isinstance(rem, str) or not rem.strip():
        fail("finding %s (%s) has no remediation (%r)" % (code, f.get("severity"), rem))


def assert_exit_matches(r, doc):
    """Exit status is what the document's worst status implies."""
    want = EXIT_FOR.get(doc.get("status"))
    if want is None:
        fail("document status %r is not pass/warn/fail/unknown %s"
             % (doc.get("status"), ctx(doc, r)))
    if r.code != want:
        fail("exit %s but document status is %s (want exit %s) %s"
             % (r.code, doc.get("status"), want, r.describe()))


def assert_usage_error(r, mention=None):
    """Exit 3, nothing on stdout, exactly one line on stderr (that names
    MENTION, a string or a list of alternatives, when given)."""
    if r.code != 3:
        fail("exit %s, expected 3 (usage error) %s" % (r.code, r.describe()))
    if r.out_bytes:
        fail("stdout not empty on usage error: %r %s" % (clip(r.out, 200), r.describe()))
    lines = r.err.splitlines()
    if len(lines) != 1 or not r.err.endswith("\n") or not lines[0].strip():
        fail("stderr must be exactly one line, got %d: %r %s"
             % (len(lines), clip(r.err, 400), r.describe()))
    if mention:
        alts = [mention] if isinstance(mention, str) else list(mention)
        if not any(a in lines[0] for a in alts):
            fail("stderr line does not name %s: %r" % (" or ".join(map(repr, alts)), lines[0]))
    return lines[0]


# --------------------------------------------------------------------------
# the SPEC JSON shape

CHECK_IDS = {"autodiscover", "preauth", "hybridauth", "cert", "smtp", "dnsbl", "dane", "mtasts",
             "cname", "lync", "dkim", "dmarc"}
RFC3339_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def validate_doc(doc, where="document"):
    """Assert DOC has the SPEC shape (raises on the first violation)."""
    import re
    import calendar

    def need(cond, msg):
        if not cond:
            fail("%s: %s" % (where, msg))

    need(isinstance(doc, dict), "not a JSON object but %s" % type(doc).__name__)
    need(doc.get("schema") == "exprobe/1", "schema is %r, not 'exprobe/1'" % doc.get("schema"))
    tool = doc.get("tool")
    need(isinstance(tool, dict), "tool is not an object: %r" % tool)
    need(tool.get("name") == "exprobe", "tool.name is %r" % tool.get("name"))
    need(isinstance(tool.get("version"), str) and tool["version"].strip(),
         "tool.version is %r" % tool.get("version"))
    need(isinstance(doc.get("target"), str) and doc["target"], "target is %r" % doc.get("target"))
    sa = doc.get("started_at")
    need(isinstance(sa, str) and re.match(RFC3339_UTC, sa),
         "started_at %r is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)" % sa)
    try:
        t = calendar.timegm(time.strptime(sa[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError as e:
        fail("%s: started_at %r is not a real time: %s" % (where, sa, e))
    need(abs(t - time.time()) < 3600, "started_at %r is not about now" % sa)
    need(_is_int(doc.get("duration_ms")) and doc["duration_ms"] >= 0,
         "duration_ms %r is not a non-negative integer" % doc.get("duration_ms"))
    need(doc.get("status") in ("pass", "warn", "fail", "unknown"), "status %r" % doc.get("status"))
    if "interrupted" in doc:
        need(isinstance(doc["interrupted"], bool), "interrupted %r is not a boolean"
             % doc["interrupted"])
    summ = doc.get("summary")
    need(isinstance(summ, dict), "summary is not an object: %r" % summ)
    checks_ = doc.get("checks")
    need(isinstance(checks_, list) and checks_, "checks is not a non-empty array")
    counts = {"pass": 0, "warn": 0, "fail": 0, "skip": 0, "unknown": 0}
    for i, c in enumerate(checks_):
        cw = "checks[%d]" % i
        need(isinstance(c, dict), "%s is not an object" % cw)
        need(c.get("id") in CHECK_IDS, "%s.id %r is not a SPEC check id" % (cw, c.get("id")))
        cw = "check %s" % c["id"]
        need(isinstance(c.get("title"), str) and c["title"].strip(), "%s title %r"
             % (cw, c.get("title")))
        need(c.get("status") in counts, "%s status %r" % (cw, c.get("status")))
        counts[c["status"]] += 1
        need(_is_int(c.get("duration_ms")) and c["duration_ms"] >= 0,
             "%s duration_ms %r" % (cw, c.get("duration_ms")))
        need(isinstance(c.get("steps"), list), "%s steps is not an array" % cw)
        need(isinstance(c.get("findings"), list), "%s findings is not an array" % cw)
        _validate_steps(c["steps"], "%s: %s" % (where, cw))
        for j, f in enumerate(c["findings"]):
            fw = "%s findings[%d]" % (cw, j)
            need(isinstance(f, dict), "%s is not an object" % fw)
            need(isinstance(f.get("code"), str) and re.match(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$",
                                                             f["code"]),
                 "%s code %r" % (fw, f.get("code")))
            fw = "%s %s" % (cw, f["code"])
            need(f.get("severity") in SEVERITY_RANK, "%s severity %r" % (fw, f.get("severity")))
            need(isinstance(f.get("message"), str) and f["message"].strip()
                 and "\n" not in f["message"], "%s message %r is not one line"
                 % (fw, f.get("message")))
            need(isinstance(f.get("evidence"), dict), "%s evidence %r is not an object"
                 % (fw, f.get("evidence")))
            need("remediation" in f, "%s has no remediation key" % fw)
            rem = f["remediation"]
            need(rem is None or isinstance(rem, str), "%s remediation %r" % (fw, rem))
            if f["severity"] != "info":
                need(isinstance(rem, str) and rem.strip(),
                     "%s (%s) has no remediation" % (fw, f["severity"]))
                need(f["evidence"], "%s (%s) has empty evidence" % (fw, f["severity"]))
            # A check can't be better than its worst finding.
            need(STATUS_RANK[c["status"]] >= SEVERITY_RANK[f["severity"]],
                 "%s status %s but finding %s is %s" % (cw, c["status"], f["code"],
                                                        f["severity"]))
        # Nor worse: a failed or warned check says why, with a finding (a
        # failed step alone is not an explanation) - unless the run was cut.
        if c["status"] in ("warn", "fail", "unknown") and not doc.get("interrupted"):
            worst = max([SEVERITY_RANK[f["severity"]] for f in c["findings"]] or [0])
            need(worst >= STATUS_RANK[c["status"]],
                 "%s is %s but none of its findings is (%s)" % (
                     cw, c["status"], ", ".join(f["code"] for f in c["findings"]) or "none"))
    for k in counts:
        need(_is_int(summ.get(k)), "summary.%s %r is not an integer" % (k, summ.get(k)))
        need(summ[k] == counts[k], "summary.%s is %s but %d checks have status %s"
             % (k, summ[k], counts[k], k))
    worst = worst_status(doc)
    want = {"pass": "pass", "info": "pass", "warn": "warn", "fail": "fail",
            "unknown": "unknown"}[worst]
    need(doc["status"] == want, "status %r but worst check status is %r"
         % (doc["status"], worst))


def _validate_steps(steps, where):
    for k, s in enumerate(steps):
        sw = "%s step %r" % (where, s.get("title") if isinstance(s, dict) else k)
        if not isinstance(s, dict):
            fail("%s is not an object" % sw)
        if not isinstance(s.get("title"), str) or not s["title"].strip():
            fail("%s: title %r" % (sw, s.get("title")))
        if s.get("status") not in ("pass", "warn", "fail", "skip", "info", "unknown"):
            fail("%s: status %r" % (sw, s.get("status")))
        if not _is_int(s.get("duration_ms")) or s["duration_ms"] < 0:
            fail("%s: duration_ms %r" % (sw, s.get("duration_ms")))
        if not isinstance(s.get("detail"), str):
            fail("%s: detail %r is not a string" % (sw, s.get("detail")))
        if not isinstance(s.get("steps"), list):
            fail("%s: steps is not an array" % sw)
        _validate_steps(s["steps"], where)


# --------------------------------------------------------------------------
# SPEC finding codes

# SPEC.md (version 2) "Finding codes (stable; extend, never rename)", copied
# so a clone anywhere (no ../shared beside it) tests against the contract;
# SPEC.md itself is read too when it can be found (it lives outside the repo).
SPEC_CODES = """
AUTOD_OK AUTOD_NO_ENDPOINT AUTOD_DNS_MISSING AUTOD_CONNECT_FAILED AUTOD_REDIRECT
AUTOD_REDIRECT_INSECURE AUTOD_REDIRECT_LOOP AUTOD_SRV AUTOD_BAD_RESPONSE AUTOD_AUTH_FAILED
XML_UNSAFE PREAUTH_DETECTED FEDERATION_INFO_OK FEDERATION_INFO_FAILED MRSPROXY_UNREACHABLE
CERT_NAME_MISMATCH CERT_EXPIRED CERT_NOT_YET_VALID CERT_EXPIRING_SOON CERT_UNTRUSTED
CERT_SELF_SIGNED CERT_WEAK CERT_MSSTD_MISMATCH SMTP_MX_MISSING SMTP_CONNECT_FAILED
SMTP_TIMEOUT SMTP_ESMTP_INSPECTION SMTP_NO_STARTTLS SMTP_STARTTLS_FAILED SMTP_TLS_REQUIRED
SMTP_TLS_OLD_PROTOCOL SMTP_PROTOCOL_ERROR DNSBL_LISTED DNSBL_QUERY_BLOCKED DNSBL_CLEAN
CONNECTOR_IP_MISMATCH CNAME_MISSING CNAME_WRONG_TARGET TXT_VERIFICATION_MISSING MX_NOT_EXO
SPF_MISSING_INCLUDE LYNC_SRV_MISSING LYNC_SRV_WRONG LYNC_CNAME_MISSING LYNC_UNREACHABLE
DOMAIN_NOT_FOUND RESOLVER_UNREACHABLE RESOLVER_PARTIAL CHECK_INTERRUPTED AUTOD_CERT_INVALID
SMTP_CERT_INVALID LYNC_CERT_INVALID CERT_WRONG_PURPOSE CERT_EXTRA_EXPIRED
CERT_INCOMPLETE_CHAIN CERT_REVOKED TLS_WEAK_KEY_EXCHANGE VERIFICATION_MX_LEFTOVER
MX_DANE_MIGRATION LYNC_NOT_DEPLOYED AUTODV2_OK AUTODV2_FAILED HMA_ENABLED HMA_NOT_ENABLED
HMA_NO_AUTHORIZATION_URI HMA_TENANT_MISMATCH AUTH_NTLM_BROKEN AUTH_H2_WINDOWS_AUTH
EP_PROXY_RISK EXCHANGE_BUILD EXCHANGE_UNSUPPORTED EXCHANGE_BELOW_HYBRID_APP_BUILD DANE_OK
DANE_NOT_DEPLOYED DANE_NO_DNSSEC DANE_TLSA_MISMATCH DANE_BOGUS DANE_NO_ROLLOVER MTASTS_OK
MTASTS_MISSING MTASTS_TXT_INVALID MTASTS_POLICY_UNREACHABLE MTASTS_POLICY_INVALID
MTASTS_MX_NOT_COVERED MTASTS_MX_CERT_INVALID MTASTS_TESTING TLSRPT_MISSING TLSRPT_INVALID
DKIM_OK DKIM_CNAME_MISSING DKIM_CNAME_WRONG_TENANT DKIM_KEY_MISSING DKIM_KEY_INVALID
DKIM_KEY_WEAK DMARC_OK DMARC_MISSING DMARC_INVALID DMARC_POLICY_NONE DMARC_RUA_UNAUTHORIZED
DMARC_DEPRECATED_TAG
""".split()


def spec_codes():
    """Finding codes SPEC lists (built-in copy plus SPEC.md's "Finding codes"
    section when found: EXPROBE_SPEC, <repo>/SPEC.md, ../shared/SPEC.md),
    and the set of their prefixes (AUTOD_, CNAME_, ...)."""
    import re
    found = set(SPEC_CODES)
    for path in (os.environ.get("EXPROBE_SPEC"), os.path.join(ROOT, "SPEC.md"),
                 os.path.join(ROOT, "doc", "SPEC.md"), SPEC):
        if path and os.path.isfile(path):
            text = open(path, encoding="utf-8").read()
            m = re.search(r"## Finding codes.*?(?=\n## )", text, re.S)
            section = m.group(0) if m else text
            found |= set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", section))
            break
    prefixes = {c.split("_", 1)[0] + "_" for c in found}
    return found, prefixes


# --------------------------------------------------------------------------
# lab liveness (for a clear warning, not a test)

def dns_answers(server, name="cloud.test", qtype=15, timeout=1.0):
    """True if SERVER answers a UDP query for NAME/QTYPE (MX) with RCODE 0."""
    qid = os.getpid() & 0xFFFF
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(q, (server, 53))
        data = s.recv(4096)
        return len(data) >= 12 and data[:2] == q[:2] and (data[3] & 0x0F) == 0 \
            and struct.unpack(">H", data[6:8])[0] > 0
    except OSError:
        return False
    finally:
        s.close()


# --------------------------------------------------------------------------
# runner

def discover(patterns):
    sys.path.insert(0, HERE)
    tests = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        modname = os.path.splitext(os.path.basename(path))[0]
        try:
            mod = importlib.import_module(modname)
        except Exception as e:   # a broken module is one failed test
            tests.append(("%s.<import>" % modname, None, e))
            continue
        for name, fn in list(vars(mod).items()):
            if name.startswith("test_") and callable(fn) \
                    and getattr(fn, "__module__", None) == modname:
                tests.append(("%s.%s" % (modname, name), fn, None))
    if patterns:
        def match(n):
            for p in patterns:
                if any(ch in p for ch in "*?["):
                    if fnmatch.fnmatch(n, p) or fnmatch.fnmatch(n.split(".", 1)[-1], p):
                        return True
                elif p in n:
                    return True
            return False
        tests = [t for t in tests if match(t[0])]
    return tests


def reason_of(e):
    if isinstance(e, AssertionError):
        msg = str(e) or "assertion failed"
        if not str(e):
            tb = traceback.extract_tb(e.__traceback__)
            if tb:
                fr = tb[-1]
                msg = "assertion failed at %s:%d: %s" % (os.path.basename(fr.filename),
                                                           fr.lineno, fr.line)
        return msg
    tb = traceback.extract_tb(e.__traceback__)
    where = ""
    if tb:
        fr = tb[-1]
        where = " (at %s:%d)" % (os.path.basename(fr.filename), fr.lineno)
    return "%s: %s%s" % (type(e).__name__, e, where)


def main(argv):
    patterns = [a for a in argv if not a.startswith("-")]
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        return 0
    unknown = [a for a in argv if a.startswith("-") and a not in ("-h", "--help")]
    if unknown:
        print("harness: unknown option %s (usage: harness.py [PATTERN...])" % unknown[0],
              file=sys.stderr)
        return 2
    print("# exprobe: %s%s" % (" ".join(WRAPPER + [""]), EXPROBE))
    print("# lab dns: %s, blackhole: %s" % (LAB_DNS, LAB_BLACKHOLE))
    if not os.access(EXPROBE, os.X_OK):
        print("# WARNING: %s is not an executable file" % EXPROBE)
    if not dns_answers(LAB_DNS):
        print("# WARNING: lab DNS %s does not answer (tests/lab/lab.sh start?)" % LAB_DNS)
    sys.stdout.flush()
    tests = discover(patterns)
    # Most of a run is waiting (on timeouts), so by default 8 at once; with a
    # wrapper (valgrind) the CPUs are the limit.
    jobs = int(os.environ.get("HARNESS_JOBS") or (os.cpu_count() or 1 if WRAPPER else 8))
    jobs = max(1, jobs)
    passed = failed = 0
    t_all = time.monotonic()

    def one(test):
        name, fn, import_error = test
        t0 = time.monotonic()
        err = import_error
        if fn is not None:
            try:
                fn()
            except KeyboardInterrupt:
                raise
            except BaseException as e:   # SystemExit in a test is a failure too
                err = e
        return err, time.monotonic() - t0

    # Tests run concurrently (HARNESS_JOBS); results
    # are printed in file order as soon as they are known.
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [(t[0], pool.submit(one, t)) for t in tests]
        for name, fut in futures:
            err, dt = fut.result()
            if err is None:
                passed += 1
                line = "ok   %s" % name
                if dt >= 1.0:
                    line += "  (%.1fs)" % dt
            else:
                failed += 1
                line = "FAIL %s: %s" % (name, " | ".join(reason_of(err).splitlines()))
            print(line)
            sys.stdout.flush()
    except KeyboardInterrupt:
        # Queued tests are dropped; running ones end with their exprobe
        # (which got the same Ctrl-C).
        pool.shutdown(wait=False, cancel_futures=True)
        print("# interrupted after %d tests" % (passed + failed))
        print("%d passed, %d failed" % (passed, failed + 1))
        sys.stdout.flush()
        os._exit(130)
    pool.shutdown()
    print("# %d tests in %.1fs" % (len(tests), time.monotonic() - t_all))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
