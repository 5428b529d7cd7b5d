"""cert check against the lab's TLS endpoints: the certs.test cases (one
certificate case per address, 127.0.1.50-.69), the hostile servers (stall,
garbage), msstd, several --hosts at once, and the Lync SRV targets handed
over by the lync check.

The certificates are generated at lab start (tests/lab/certs.sh) into
$LAB_DIR/certs (default build/lab/certs); ca.pem there is the lab root and
goes to --ca-file. Expected findings: tests/lab/README.md.
"""

import datetime
import os
import shutil
import tempfile

from harness import (ROOT, SLACK, all_steps, assert_code, assert_eq, assert_exit,
                     assert_exit_matches, assert_no_code, assert_no_problems,
                     assert_problem_shape, assert_status, assert_true, assert_usage_error,
                     check, ctx, fail, findings, lab_args, lab_dir, parse_json, probe, problems, run,
                     validate_doc)

LAB_DIR = os.environ.get("LAB_DIR") or lab_dir()
if not os.path.isabs(LAB_DIR):
    LAB_DIR = os.path.join(ROOT, LAB_DIR)
CA = os.environ.get("LAB_CA") or os.path.join(LAB_DIR, "certs", "ca.pem")
DOMAIN = "certs.test"   # the target argument; -c cert only judges --hosts

# host -> address (fixtures/dns/zones/certs.test.zone)
ADDR = {
    "ok.certs.test": "127.0.1.50",
    "a.wild.certs.test": "127.0.1.51",
    "a.b.wild.certs.test": "127.0.1.51",
    "wild.certs.test": "127.0.1.51",
    "expired.certs.test": "127.0.1.52",
    "notyet.certs.test": "127.0.1.53",
    "expiring.certs.test": "127.0.1.54",
    "selfsigned.certs.test": "127.0.1.55",
    "wrongname.certs.test": "127.0.1.56",
    "nochain.certs.test": "127.0.1.57",
    "unknownroot.certs.test": "127.0.1.58",
    "weakkey.certs.test": "127.0.1.59",
    "sha1.certs.test": "127.0.1.60",
    "cnonly.certs.test": "127.0.1.61",
    "oldtls.certs.test": "127.0.1.62",
    "mail.certs.test": "127.0.1.63",
    "owa.certs.test": "127.0.1.63",
    "stall.certs.test": "127.0.1.68",
    "garbage.certs.test": "127.0.1.69",
    "refused.certs.test": "127.0.1.98",
}

# The certificate path lab (issue 12): pki.test, 127.0.12.x
# (fixtures/dns/zones/pki.test.zone, tests/lab/README.md "Certificate path lab").
PKI = {
    "purpose": 20, "caleaf": 21, "wrongint": 22, "nochain": 23, "sha1int": 24,
    "rsa1024int": 25, "rsa512": 26, "rsa4096": 27, "ecc256": 28, "ecc384": 29, "ipsan": 30,
    "manysans": 31, "reversed": 32, "crossexpired": 33, "crossboth": 34, "crossgood": 35,
    "nameconst": 36, "shortlived": 37, "dhe1024": 38, "dhe2048": 39,
    "revstaple": 40, "goodstaple": 41, "revocsp": 42, "revcrl": 43, "crlgood": 44,
    "hugesans": 45, "hugesans-other": 45, "tls10too": 46,
}
for _n, _a in PKI.items():
    ADDR["%s.pki.test" % _n] = "127.0.12.%d" % _a

# host -> {code: severity}: exactly the warn/fail findings of `-c cert`
# (CERT_OK, info, is the whole verdict when this is empty).
EXPECTED = {
    "ok.certs.test": {},
    "a.wild.certs.test": {},
    "mail.certs.test": {},
    "owa.certs.test": {},
    "a.b.wild.certs.test": {"CERT_NAME_MISMATCH": "fail"},
    "wild.certs.test": {"CERT_NAME_MISMATCH": "fail"},
    "wrongname.certs.test": {"CERT_NAME_MISMATCH": "fail"},
    "expired.certs.test": {"CERT_EXPIRED": "fail"},
    "notyet.certs.test": {"CERT_NOT_YET_VALID": "fail"},
    "expiring.certs.test": {"CERT_EXPIRING_SOON": "warn"},
    "selfsigned.certs.test": {"CERT_SELF_SIGNED": "fail"},
    "nochain.certs.test": {"CERT_INCOMPLETE_CHAIN": "fail"},
    "unknownroot.certs.test": {"CERT_UNTRUSTED": "fail"},
    "weakkey.certs.test": {"CERT_WEAK": "warn"},
    "sha1.certs.test": {"CERT_WEAK": "fail"},
    "cnonly.certs.test": {"CERT_CN_ONLY": "warn"},
    "oldtls.certs.test": {"CERT_WEAK": "fail"},
    "stall.certs.test": {"CERT_HANDSHAKE_FAILED": "fail"},
    "garbage.certs.test": {"CERT_HANDSHAKE_FAILED": "fail"},
    "refused.certs.test": {"CERT_CONNECT_FAILED": "fail"},
    # pki.test: path, purpose, the severity table
    "purpose.pki.test": {"CERT_WRONG_PURPOSE": "fail"},
    "caleaf.pki.test": {"CERT_WRONG_PURPOSE": "fail"},
    "wrongint.pki.test": {"CERT_INCOMPLETE_CHAIN": "fail"},
    "nochain.pki.test": {"CERT_INCOMPLETE_CHAIN": "fail"},
    "sha1int.pki.test": {"CERT_WEAK": "fail"},
    "rsa1024int.pki.test": {"CERT_WEAK": "warn"},
    "rsa512.pki.test": {"CERT_WEAK": "fail"},
    "rsa4096.pki.test": {},
    "ecc256.pki.test": {},
    "ecc384.pki.test": {},
    "ipsan.pki.test": {},
    "manysans.pki.test": {},
    "reversed.pki.test": {},
    "crossexpired.pki.test": {"CERT_EXTRA_EXPIRED": "warn"},
    "crossboth.pki.test": {"CERT_UNTRUSTED": "warn"},
    "crossgood.pki.test": {},
    "nameconst.pki.test": {"CERT_UNTRUSTED": "fail"},
    "shortlived.pki.test": {},
    "dhe2048.pki.test": {},
    "dhe1024.pki.test": {"TLS_WEAK_KEY_EXCHANGE": "fail"},
    "revstaple.pki.test": {"CERT_REVOKED": "fail"},
    "goodstaple.pki.test": {},
    "revocsp.pki.test": {"CERT_REVOKED": "fail"},
    "revcrl.pki.test": {"CERT_REVOKED": "fail"},
    "crlgood.pki.test": {},
    "hugesans.pki.test": {},
    "hugesans-other.pki.test": {"CERT_NAME_MISMATCH": "fail"},
    "tls10too.pki.test": {"CERT_WEAK": "warn"},
}

EXIT_FOR = {"pass": 0, "warn": 1, "fail": 2}
LAB_ROOT = "CN=exprobe lab root,O=exprobe lab"
LAB_INTERMEDIATE = "CN=exprobe lab intermediate,O=exprobe lab"
OTHER_ROOT = "CN=exprobe lab other root,O=exprobe lab"


def ca():
    """The lab root, or a clear failure when the lab has no certificates."""
    if not os.path.isfile(CA) or os.path.getsize(CA) == 0:
        fail("no lab root CA at %s: start the lab with tests/lab/lab.sh start "
             "(it generates the certificates; LAB_DIR/LAB_CA to point elsewhere)" % CA)
    return CA


def cert_probe(hosts, *extra, expect=None, fmt="json", cache=True, with_ca=True):
    """exprobe -c cert [--ca-file CA] --hosts HOSTS ... certs.test, JSON parsed."""
    if isinstance(hosts, str):
        hosts = [hosts]
    args = []
    if with_ca:
        args += ["--ca-file", ca()]
    args += ["--hosts", ",".join(hosts)] + list(extra)
    r, doc = probe(DOMAIN, *args, checks="cert", expect=expect, fmt=fmt, cache=cache)
    validate_doc(doc, "exprobe %s" % " ".join(args))
    return r, doc


def endpoint_of(f):
    ev = f.get("evidence") or {}
    return ev.get("host"), ev.get("port"), ev.get("address")


def cert_problems(doc):
    return [f for f in problems(doc, "cert") if f["code"].startswith(("CERT_", "TLS_"))]


def assert_endpoint(f, host, port=443, doc=None, r=None):
    """Finding F is about HOST:PORT at HOST's lab address."""
    got = endpoint_of(f)
    want = (host, port, ADDR[host])
    if got != want:
        fail("%s evidence host/port/address %r, expected %r %s"
             % (f["code"], got, want, ctx(doc, r) if doc else ""))


def judge(host, *extra, expect=None):
    """Run -c cert on HOST alone and assert precisely: its expected warn/fail
    codes each exactly once with their severity, no other CERT problem,
    CERT_OK (info) only when there is none, every problem about HOST's own
    endpoint and fully explained, exit code = the worst severity.
    Returns (r, doc, {code: finding})."""
    r, doc = cert_probe(host, *extra, expect=expect)
    want = EXPECTED[host]
    got = {}
    for f in cert_problems(doc):
        if f["code"] in got:
            fail("%s: %s reported twice %s" % (host, f["code"], ctx(doc, r)))
        got[f["code"]] = f
    if set(got) != set(want):
        fail("%s: CERT problem codes %s, expected exactly %s %s"
             % (host, sorted(got) or "none", sorted(want) or "none", ctx(doc, r)))
    for code, sev in want.items():
        assert_code(doc, code, severity=sev, check_id="cert", count=1, r=r)
        assert_problem_shape(got[code], doc)
        assert_endpoint(got[code], host, doc=doc, r=r)
    others = [f["code"] for f in problems(doc)
              if not f["code"].startswith(("CERT_", "TLS_"))]
    if others:
        fail("%s: problems outside the cert check: %s %s" % (host, others, ctx(doc, r)))
    if want:
        assert_no_code(doc, "CERT_OK", r=r)
        worst = "fail" if "fail" in want.values() else "warn"
    else:
        assert_code(doc, "CERT_OK", severity="info", check_id="cert", count=1, r=r)
        worst = "pass"
    assert_status(doc, worst, check_id="cert", r=r)
    assert_status(doc, worst, r=r)
    assert_exit(r, EXIT_FOR[worst])
    assert_exit_matches(r, doc)
    return r, doc, got


def cert_step(doc, host, port=443):
    """The cert check's "Certificate of HOST:PORT (ADDR), from ..." step."""
    head = "Certificate of %s:%d (" % (host, port)
    steps = [s for s in check(doc, "cert").get("steps", []) if s["title"].startswith(head)]
    if len(steps) != 1:
        fail("expected one step %r..., got %s (top steps: %s)"
             % (head, len(steps), [s["title"] for s in check(doc, "cert")["steps"]]))
    return steps[0]


def parse_utc(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def assert_days_left(f, not_after_key="not_after"):
    """evidence.days_left agrees with evidence.not_after and now (whole days
    truncated toward zero, +-1 for a run that straddles a second)."""
    ev = f["evidence"]
    left = ev.get("days_left")
    if not isinstance(left, int):
        fail("%s evidence.days_left %r is not an integer" % (f["code"], left))
    delta = (parse_utc(ev[not_after_key]) - datetime.datetime.now(datetime.timezone.utc))
    secs = delta.total_seconds()
    want = int(secs / 86400)
    if abs(left - want) > 1:
        fail("%s evidence.days_left %d, but not_after %s is %.2f days from now"
             % (f["code"], left, ev[not_after_key], secs / 86400))
    return left


# ---------------------------------------------------------------- valid ones

def test_ok_cert_ok():
    r, doc, _ = judge("ok.certs.test")
    step = cert_step(doc, "ok.certs.test")
    assert_eq(step["status"], "pass", "ok.certs.test certificate step status")
    assert_true("--hosts" in step["title"], "cert step does not say it came from --hosts: %r"
                % step["title"])
    sub = {s["title"]: s["status"] for s in step["steps"]}
    for want in ("Name matches ok.certs.test", "Chain to a trusted root", "Validity dates",
                 "Key, signature and protocol"):
        if sub.get(want) != "pass":
            fail("ok.certs.test sub-step %r: %r (sub-steps: %s)" % (want, sub.get(want), sub))
    chain = [s for s in step["steps"] if s["title"] == "Chain to a trusted root"][0]
    assert_true("exprobe lab root" in chain["detail"],
                "chain step does not name the lab root: %r" % chain["detail"])


def test_wildcard_one_label_ok():
    r, doc, _ = judge("a.wild.certs.test")
    assert_eq(cert_step(doc, "a.wild.certs.test")["status"], "pass", "a.wild step status")


def test_mail_and_owa_ok():
    for h in ("mail.certs.test", "owa.certs.test"):
        judge(h)


# ---------------------------------------------------------------- names

def _mismatch(host, names, hint_words):
    r, doc, got = judge(host)
    f = got["CERT_NAME_MISMATCH"]
    ev = f["evidence"]
    assert_eq(ev.get("names"), names, "%s CERT_NAME_MISMATCH evidence.names" % host)
    why = ev.get("why") or ""
    for w in hint_words:
        if w not in why:
            fail("%s evidence.why %r lacks %r" % (host, why, w))
    if why not in f["message"]:
        fail("%s message does not give the reason %r: %r" % (host, why, f["message"]))
    if host not in f["message"]:
        fail("%s message does not name the host: %r" % (host, f["message"]))
    return f


def test_wildcard_two_labels_mismatch():
    _mismatch("a.b.wild.certs.test", ["*.wild.certs.test"], ["wildcard", "one label"])


def test_wildcard_apex_mismatch():
    _mismatch("wild.certs.test", ["*.wild.certs.test"], ["wildcard", "apex"])


def test_wrongname_internal_names():
    f = _mismatch("wrongname.certs.test", ["mbx1", "mbx1.contoso.local"], ["internal"])
    assert_eq(f["evidence"].get("subject"), "CN=mbx1.contoso.local,O=exprobe lab",
              "wrongname evidence.subject")


def test_name_mismatch_text_shows_names_and_hints():
    hosts = ["a.b.wild.certs.test", "wild.certs.test", "wrongname.certs.test"]
    r = run(*lab_args("-f", "text", "-c", "cert", "--ca-file", ca(), "--hosts",
                      ",".join(hosts), DOMAIN))
    assert_exit(r, 2)
    out = r.out
    lines = [ln for ln in out.splitlines() if "CERT_NAME_MISMATCH" in ln]
    if len(lines) != 3:
        fail("text shows %d CERT_NAME_MISMATCH lines, expected 3:\n%s" % (len(lines), out))
    for h, word in zip(hosts, ("one label", "apex", "internal")):
        line = [ln for ln in lines if " of %s:443 " % h in ln]
        if len(line) != 1 or word not in line[0]:
            fail("text: no CERT_NAME_MISMATCH line for %s with %r: %s" % (h, word, lines))
        if not line[0].lstrip().startswith("fail CERT_NAME_MISMATCH"):
            fail("text: finding line does not start with its severity: %r" % line[0])
    for name in ("*.wild.certs.test", "mbx1", "mbx1.contoso.local"):
        if not any(ln.strip() == name for ln in out.splitlines()):
            fail("text output does not list the certificate name %r:\n%s" % (name, out))


# ---------------------------------------------------------------- dates

def test_expired():
    r, doc, got = judge("expired.certs.test")
    f = got["CERT_EXPIRED"]
    left = assert_days_left(f)
    assert_true(left <= -30, "expired 30 days ago at lab start, days_left %d" % left)
    assert_eq(f["evidence"].get("depth"), 0, "CERT_EXPIRED evidence.depth (the leaf)")
    assert_true("expired %d day(s) ago" % -left in f["message"],
                "CERT_EXPIRED message does not say how long ago: %r" % f["message"])
    # Only the dates are wrong: the chain step passes (dates are not judged twice).
    sub = {s["title"]: s["status"] for s in cert_step(doc, "expired.certs.test")["steps"]}
    assert_eq(sub.get("Chain to a trusted root"), "pass", "expired: chain step")
    assert_eq(sub.get("Validity dates"), "fail", "expired: dates step")


def test_not_yet_valid():
    r, doc, got = judge("notyet.certs.test")
    f = got["CERT_NOT_YET_VALID"]
    assert_eq(f["evidence"].get("depth"), 0, "CERT_NOT_YET_VALID evidence.depth")
    assert_true("becomes valid only in" in f["message"], "message: %r" % f["message"])
    assert_days_left(f)


def test_expiring_soon():
    r, doc, got = judge("expiring.certs.test")
    f = got["CERT_EXPIRING_SOON"]
    left = assert_days_left(f)
    assert_true(0 <= left <= 10, "expiring: 10 days left at lab start, days_left %d" % left)
    assert_true("expires in %d day(s)" % left in f["message"], "message: %r" % f["message"])


# ---------------------------------------------------------------- chain

def test_selfsigned():
    r, doc, got = judge("selfsigned.certs.test")
    f = got["CERT_SELF_SIGNED"]
    assert_eq(f["evidence"].get("reason"), "self_signed", "CERT_SELF_SIGNED evidence.reason")
    assert_eq(f["evidence"].get("subject"), "CN=selfsigned.certs.test,O=exprobe lab",
              "selfsigned evidence.subject")
    assert_eq(f["evidence"].get("issuer"), f["evidence"].get("subject"),
              "selfsigned issuer = subject")
    assert_no_code(doc, "CERT_UNTRUSTED", r=r)


def test_nochain_missing_intermediate():
    r, doc, got = judge("nochain.certs.test")
    ev = got["CERT_INCOMPLETE_CHAIN"]["evidence"]
    assert_eq(ev.get("reason"), "missing_intermediate", "nochain evidence.reason")
    assert_eq(ev.get("missing_issuer"), LAB_INTERMEDIATE, "nochain evidence.missing_issuer")
    assert_eq(len(ev.get("chain") or []), 1, "nochain: certificates sent (evidence.chain)")


def test_unknownroot_unknown_root():
    r, doc, got = judge("unknownroot.certs.test")
    ev = got["CERT_UNTRUSTED"]["evidence"]
    assert_eq(ev.get("reason"), "unknown_root", "unknownroot evidence.reason")
    chain = ev.get("chain") or []
    assert_eq(len(chain), 2, "unknownroot: certificates sent")
    assert_true(chain[1].startswith("1 " + OTHER_ROOT), "chain[1] %r is not the other root"
                % chain[1])
    assert_eq(ev.get("issuer"), OTHER_ROOT, "unknownroot evidence.issuer")


# ---------------------------------------------------------------- strength

def test_weak_key():
    r, doc, got = judge("weakkey.certs.test")
    f = got["CERT_WEAK"]
    assert_eq(f["evidence"].get("key"), "RSA 1024", "weakkey evidence.key")
    assert_true("1024" in f["message"], "CERT_WEAK message does not say 1024: %r"
                % f["message"])
    assert_true("SHA1" not in f["message"] and "TLSv1 " not in f["message"],
                "weakkey: CERT_WEAK names other weaknesses too: %r" % f["message"])


def test_sha1_signature():
    r, doc, got = judge("sha1.certs.test")
    f = got["CERT_WEAK"]
    assert_eq(f["evidence"].get("signature"), "sha1WithRSAEncryption", "sha1 evidence.signature")
    assert_eq(f["evidence"].get("key"), "RSA 2048", "sha1 evidence.key")
    assert_true("SHA1" in f["message"].upper(), "message: %r" % f["message"])


def test_old_tls():
    r, doc, got = judge("oldtls.certs.test")
    f = got["CERT_WEAK"]
    assert_eq(f["evidence"].get("protocol"), "TLSv1", "oldtls evidence.protocol (negotiated)")
    assert_eq(f["evidence"].get("key"), "RSA 2048", "oldtls evidence.key")
    assert_eq(f["evidence"].get("signature"), "sha256WithRSAEncryption", "oldtls signature")
    assert_true("TLSv1" in f["message"] and "1024" not in f["message"],
                "message: %r" % f["message"])


def test_cn_only():
    r, doc, got = judge("cnonly.certs.test")
    f = got["CERT_CN_ONLY"]
    assert_eq(f["evidence"].get("subject"), "CN=cnonly.certs.test,O=exprobe lab",
              "cnonly evidence.subject")
    assert_no_code(doc, "CERT_NAME_MISMATCH", r=r)
    name = [s for s in cert_step(doc, "cnonly.certs.test")["steps"]
            if s["title"] == "Name matches cnonly.certs.test"]
    assert_true(name and name[0]["status"] == "warn", "cnonly name step: %r" % name)


def test_modern_protocol_on_good_endpoints():
    # The default endpoints negotiate TLS 1.2+ (the oldtls case is the only
    # TLSv1 one): judged by the strength step's note.
    r, doc = cert_probe(["ok.certs.test", "weakkey.certs.test"])
    step = cert_step(doc, "ok.certs.test")
    strength = [s for s in step["steps"] if s["title"] == "Key, signature and protocol"][0]
    assert_true("TLSv1.3" in strength["detail"] or "TLSv1.2" in strength["detail"],
                "ok.certs.test protocol note %r" % strength["detail"])


# ---------------------------------------------------------------- msstd

def _expect_file(text):
    d = tempfile.mkdtemp(prefix="exprobe-cert-")
    path = os.path.join(d, "msstd.conf")
    with open(path, "w") as fh:
        fh.write(text)
    return d, path


def _msstd(value):
    d, path = _expect_file("# test_cert msstd\nmsstd = %s\n" % value)
    try:
        return cert_probe("mail.certs.test", expect=path, cache=False)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_msstd_cn_match():
    r, doc = _msstd("msstd:mail.certs.test")
    assert_no_code(doc, "CERT_MSSTD_MISMATCH", r=r)
    assert_no_code(doc, "CERT_MSSTD_SAN_ONLY", r=r)
    assert_no_problems(doc, r)
    assert_code(doc, "CERT_OK", severity="info", check_id="cert", count=1, r=r)
    assert_exit(r, 0)
    sub = [s for s in cert_step(doc, "mail.certs.test")["steps"]
           if "msstd:mail.certs.test" in s["title"]]
    assert_true(len(sub) == 1 and sub[0]["status"] == "pass",
                "msstd step for msstd:mail.certs.test: %r" % sub)


def test_msstd_san_only():
    r, doc = _msstd("msstd:owa.certs.test")
    f = assert_code(doc, "CERT_MSSTD_SAN_ONLY", severity="warn", check_id="cert", count=1,
                    r=r)[0]
    assert_problem_shape(f)
    assert_endpoint(f, "mail.certs.test", doc=doc, r=r)
    assert_eq(f["evidence"].get("names"), ["mail.certs.test", "owa.certs.test"],
              "CERT_MSSTD_SAN_ONLY evidence.names")
    assert_true("msstd:owa.certs.test" in f["message"], "message: %r" % f["message"])
    assert_eq(sorted(x["code"] for x in problems(doc)), ["CERT_MSSTD_SAN_ONLY"],
              "problems with msstd:owa")
    assert_exit(r, 1)


def test_msstd_mismatch():
    r, doc = _msstd("msstd:other.certs.test")
    f = assert_code(doc, "CERT_MSSTD_MISMATCH", severity="fail", check_id="cert", count=1,
                    r=r)[0]
    assert_problem_shape(f)
    assert_endpoint(f, "mail.certs.test", doc=doc, r=r)
    assert_eq(f["evidence"].get("msstd"), "msstd:other.certs.test", "evidence.msstd")
    assert_eq(f["evidence"].get("names"), ["mail.certs.test", "owa.certs.test"],
              "CERT_MSSTD_MISMATCH evidence.names")
    assert_eq(sorted(x["code"] for x in problems(doc)), ["CERT_MSSTD_MISMATCH"],
              "problems with msstd:other")
    assert_exit(r, 2)


# ---------------------------------------------------------------- hostile

def test_stall_times_out():
    r = run(*lab_args("-f", "json", "-c", "cert", "--ca-file", ca(), "--timeout", "2",
                      "--hosts", "stall.certs.test", DOMAIN), timeout=30)
    doc = parse_json(r)
    validate_doc(doc, "stall run")
    if r.elapsed >= 6 * SLACK:
        fail("--timeout 2 against a stalled TLS server took %.1fs (limit %gs)"
             % (r.elapsed, 6 * SLACK))
    if r.elapsed < 1.5:
        fail("stall run ended after %.1fs: the 2 s handshake timeout was not waited for %s"
             % (r.elapsed, ctx(doc, r)))
    f = assert_code(doc, "CERT_HANDSHAKE_FAILED", severity="fail", check_id="cert", count=1,
                    r=r)[0]
    assert_problem_shape(f)
    assert_endpoint(f, "stall.certs.test", doc=doc, r=r)
    msg = f["message"].lower()
    if "stall" not in msg and "timeout" not in msg and "timed out" not in msg:
        fail("CERT_HANDSHAKE_FAILED message does not mention the stall/timeout: %r"
             % f["message"])
    assert_eq(sorted(x["code"] for x in problems(doc)), ["CERT_HANDSHAKE_FAILED"],
              "problems of the stalled endpoint")
    assert_exit(r, 2)


def test_garbage_fails_fast():
    r = run(*lab_args("-f", "json", "-c", "cert", "--ca-file", ca(),
                      "--hosts", "garbage.certs.test", DOMAIN), timeout=30)
    doc = parse_json(r)
    validate_doc(doc, "garbage run")
    if r.elapsed >= 2 * SLACK:
        fail("a plain-text answer to the ClientHello took %.1fs to fail (limit %gs): the "
             "handshake should end at the first bad record" % (r.elapsed, 2 * SLACK))
    f = assert_code(doc, "CERT_HANDSHAKE_FAILED", severity="fail", check_id="cert", count=1,
                    r=r)[0]
    assert_problem_shape(f)
    assert_endpoint(f, "garbage.certs.test", doc=doc, r=r)
    assert_true(f["evidence"].get("error"), "CERT_HANDSHAKE_FAILED has no evidence.error")
    assert_eq(sorted(x["code"] for x in problems(doc)), ["CERT_HANDSHAKE_FAILED"],
              "problems of the garbage endpoint")
    assert_exit(r, 2)


def test_hostile_text_output_is_clean():
    r = run(*lab_args("-f", "text", "-c", "cert", "--ca-file", ca(), "--timeout", "2",
                      "--hosts", "garbage.certs.test,stall.certs.test", DOMAIN), timeout=30)
    assert_exit(r, 2)
    bad = [c for c in r.out if ord(c) < 32 and c not in "\n"]
    assert_true(not bad, "control bytes in text output: %r" % bad[:10])
    assert_true("CERT_HANDSHAKE_FAILED" in r.out, "text lacks CERT_HANDSHAKE_FAILED")


def test_connection_refused():
    judge("refused.certs.test")


# ---------------------------------------------------------------- several hosts

def test_several_hosts_each_on_its_own_endpoint():
    hosts = ["ok.certs.test", "expired.certs.test", "weakkey.certs.test",
             "selfsigned.certs.test", "nochain.certs.test", "a.b.wild.certs.test",
             "cnonly.certs.test", "garbage.certs.test", "stall.certs.test"]
    r, doc = cert_probe(hosts, "--timeout", "2", cache=False)
    if r.elapsed >= 6 * SLACK:
        fail("nine endpoints, one stalled, --timeout 2: took %.1fs: the stall must cost only "
             "its own timeout" % r.elapsed)
    assert_exit(r, 2)
    # Every problem is about one of the named endpoints, with its own address.
    seen = {}
    for f in cert_problems(doc):
        host, port, addr = endpoint_of(f)
        if host not in hosts or port != 443 or addr != ADDR.get(host):
            fail("%s evidence endpoint %r is not one of the --hosts endpoints with its "
                 "address %s" % (f["code"], (host, port, addr), ctx(doc, r)))
        seen.setdefault(host, set()).add(f["code"])
    for h in hosts:
        if set(EXPECTED[h]) != seen.get(h, set()):
            fail("%s judged %s in a several-hosts run, expected %s %s"
                 % (h, sorted(seen.get(h, [])), sorted(EXPECTED[h]), ctx(doc, r)))
    # Each endpoint that answered TLS has its own certificate step, at its address.
    for h in hosts:
        if h in ("garbage.certs.test", "stall.certs.test"):
            continue
        step = cert_step(doc, h)
        if "(%s)" % ADDR[h] not in step["title"]:
            fail("certificate step of %s is not at %s: %r" % (h, ADDR[h], step["title"]))
    # No CERT_OK when something is wrong.
    assert_no_code(doc, "CERT_OK", r=r)


def test_several_hosts_and_ports():
    # Same host on two ports (the on-premises Edge), and an explicit :443.
    r, doc = cert_probe(["sip.onprem.test:443", "sip.onprem.test:5061", "ok.certs.test:443"])
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    assert_code(doc, "CERT_OK", severity="info", check_id="cert", count=1, r=r)
    for host, port, addr in (("sip.onprem.test", 443, "127.0.1.30"),
                             ("sip.onprem.test", 5061, "127.0.1.30"),
                             ("ok.certs.test", 443, "127.0.1.50")):
        step = cert_step(doc, host, port)
        assert_true("(%s)" % addr in step["title"] and step["status"] == "pass",
                    "step %r status %s" % (step["title"], step["status"]))
    assert_true("All 3 certificate(s)" in findings(doc, "CERT_OK")[0]["message"],
                "CERT_OK does not count 3 certificates: %r"
                % findings(doc, "CERT_OK")[0]["message"])


# ---------------------------------------------------------------- lync SRV targets

LYNC_TARGETS = {
    "cloud.test": [("sipdir.online.lync.com", 443, "127.0.1.20", "_sip._tls"),
                   ("sipfed.online.lync.com", 5061, "127.0.1.21", "_sipfederationtls._tcp")],
    "onprem.test": [("sip.onprem.test", 443, "127.0.1.30", "_sip._tls"),
                    ("sip.onprem.test", 5061, "127.0.1.30", "_sipfederationtls._tcp")],
}


def _lync_cert(domain, with_ca):
    args = ["--ca-file", ca()] if with_ca else []
    r, doc = probe(domain, *args, checks="lync,cert")
    validate_doc(doc, "lync,cert %s" % domain)
    # The cert check judged exactly the SRV targets, each from its lync record.
    top = check(doc, "cert").get("steps", [])
    want = ["Certificate of %s:%d (%s), from lync %s" % t for t in LYNC_TARGETS[domain]]
    got = sorted(s["title"] for s in top)
    assert_eq(got, sorted(want), "%s: cert steps" % domain)
    return r, doc


def _lync_cert_ok(domain):
    r, doc = _lync_cert(domain, True)
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    assert_code(doc, "CERT_OK", severity="info", check_id="cert", count=1, r=r)
    assert_code(doc, "LYNC_OK", severity="info", check_id="lync", count=1, r=r)
    for s in check(doc, "cert")["steps"]:
        assert_eq(s["status"], "pass", "step %r" % s["title"])
    assert_true("All 2 certificate(s)" in findings(doc, "CERT_OK")[0]["message"],
                "CERT_OK message: %r" % findings(doc, "CERT_OK")[0]["message"])


def _lync_cert_untrusted(domain):
    r, doc = _lync_cert(domain, False)
    assert_exit(r, 2)
    fs = assert_code(doc, "CERT_UNTRUSTED", severity="fail", check_id="cert", count=2, r=r)
    # Microsoft's own SRV targets are not the customer's to fix; an
    # on-premises Edge's refused certificate is LYNC_CERT_INVALID where it
    # is used (once per host and address), and cert explains it.
    want = ["CERT_UNTRUSTED"] * 2 + (["LYNC_CERT_INVALID"] if domain == "onprem.test" else [])
    assert_eq(sorted(x["code"] for x in problems(doc)), sorted(want),
              "%s without --ca-file: problems" % domain)
    got = sorted(endpoint_of(f) for f in fs)
    assert_eq(got, sorted((h, p, a) for h, p, a, _ in LYNC_TARGETS[domain]),
              "%s CERT_UNTRUSTED endpoints" % domain)
    for f in fs:
        ev = f["evidence"]
        # Leaf + intermediate were sent; what is missing is the lab root.
        assert_eq(ev.get("missing_issuer"), LAB_ROOT, "%s evidence.missing_issuer" % domain)
        assert_eq(len(ev.get("chain") or []), 2, "%s certificates sent" % domain)
        assert_eq(ev.get("reason"), "unknown_root", "%s evidence.reason" % domain)
    assert_no_code(doc, "LYNC_UNREACHABLE", r=r)
    assert_status(doc, "fail" if domain == "onprem.test" else "pass", check_id="lync", r=r)


def test_lync_cloud_certs_ok_with_ca_file():
    _lync_cert_ok("cloud.test")


def test_lync_onprem_certs_ok_with_ca_file():
    _lync_cert_ok("onprem.test")


def test_lync_cloud_certs_untrusted_without_ca_file():
    _lync_cert_untrusted("cloud.test")


def test_lync_onprem_certs_untrusted_without_ca_file():
    _lync_cert_untrusted("onprem.test")


def test_lync_alone_reaches_tls_targets():
    # With the endpoints speaking TLS, the lync check's TLS steps pass.
    for domain in LYNC_TARGETS:
        r, doc = probe(domain, "--ca-file", ca(), checks="lync")
        tls = [s for s in all_steps(doc, "lync") if s.get("title", "").startswith("TLS ")]
        assert_eq(len(tls), 2, "%s: lync TLS steps" % domain)
        bad = [(s["title"], s["detail"]) for s in tls if s["status"] != "pass"]
        assert_true(not bad, "%s: lync TLS steps failed: %s" % (domain, bad))


# ---------------------------------------------------------------- --ca-file input

def test_ca_file_empty_is_usage_error():
    d = tempfile.mkdtemp(prefix="exprobe-cert-")
    try:
        path = os.path.join(d, "empty.pem")
        open(path, "w").close()
        r = run(*lab_args("-f", "json", "-c", "cert", "--ca-file", path,
                          "--hosts", "ok.certs.test", DOMAIN))
        assert_usage_error(r, mention=[path, "--ca-file"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_ca_file_missing_is_usage_error():
    path = os.path.join(tempfile.gettempdir(), "exprobe-no-such-ca-%d.pem" % os.getpid())
    r = run(*lab_args("-f", "json", "-c", "cert", "--ca-file", path,
                      "--hosts", "ok.certs.test", DOMAIN))
    assert_usage_error(r, mention=path)


# ---------------------------------------------------------------- IPv6 only

def test_v6only_host_reached_over_ipv6():
    # v6only.certs.test has only an AAAA record (::1): both questions are
    # asked, and the certificate on [::1]:443 is judged.
    r, doc = cert_probe("v6only.certs.test")
    assert_no_problems(doc, r)
    assert_code(doc, "CERT_OK", severity="info", check_id="cert", count=1, r=r)
    step = cert_step(doc, "v6only.certs.test")
    assert_true("(::1)" in step["title"] and step["status"] == "pass",
                "certificate step %r status %s" % (step["title"], step["status"]))
    hosts = [s for s in check(doc, "cert")["steps"]
             if s["title"] == "Endpoints named with --hosts"]
    assert_true(len(hosts) == 1, "no 'Endpoints named with --hosts' step")
    ep = [s for s in hosts[0]["steps"] if s["title"] == "v6only.certs.test:443"]
    assert_true(len(ep) == 1, "no step v6only.certs.test:443 (%s)"
                % [s["title"] for s in hosts[0]["steps"]])
    assert_eq([s["title"] for s in ep[0]["steps"]],
              ["A v6only.certs.test", "AAAA v6only.certs.test",
               "TLS v6only.certs.test:443 (::1)"], "v6only.certs.test:443 sub-steps")
    assert_eq(ep[0]["status"], "pass", "v6only.certs.test:443 step status")
    assert_status(doc, "pass", r=r)
    assert_exit(r, 0)


def test_v6only_beside_ipv4_hosts():
    # An IPv4-only and an IPv6-only endpoint in one run: each at its own address.
    r, doc = cert_probe(["ok.certs.test", "v6only.certs.test"])
    assert_no_problems(doc, r)
    for host, addr in (("ok.certs.test", "127.0.1.50"), ("v6only.certs.test", "::1")):
        step = cert_step(doc, host)
        assert_true("(%s)" % addr in step["title"] and step["status"] == "pass",
                    "step %r status %s" % (step["title"], step["status"]))
    assert_true("All 2 certificate(s)" in findings(doc, "CERT_OK")[0]["message"],
                "CERT_OK message: %r" % findings(doc, "CERT_OK")[0]["message"])
    assert_exit(r, 0)


# ---------------------------------------------------------------- the path lab (pki.test)

LAB_INTERMEDIATE_B = "CN=exprobe lab intermediate B,O=exprobe lab"
AIA_URL = "http://127.0.12.10/intermediate.crt"


def test_pki_healthy_rsa_ecc_only_cert_ok():
    # RSA 2048 (ok.certs.test), 4096, ECDSA P-256 / P-384, an IP SAN, 1000 SANs,
    # a chain sent out of order, the cross-signed form sent after the trusted
    # one, a 47-day certificate with 20 days left, DHE with ffdhe2048.
    for h in ("rsa4096", "ecc256", "ecc384", "manysans", "reversed", "crossgood",
              "shortlived", "dhe2048"):
        judge("%s.pki.test" % h)


def test_pki_ecc_key_described():
    r, doc = cert_probe(["ecc256.pki.test", "ecc384.pki.test"])
    notes = {h: [s for s in cert_step(doc, h)["steps"]
                 if s["title"] == "Key, signature and protocol"][0]["detail"]
             for h in ("ecc256.pki.test", "ecc384.pki.test")}
    assert_true("EC 256" in notes["ecc256.pki.test"], "P-256 note %r" % notes)
    assert_true("EC 384" in notes["ecc384.pki.test"], "P-384 note %r" % notes)


def test_pki_ip_san_by_address():
    r, doc = cert_probe("127.0.12.30")
    assert_no_problems(doc, r)
    assert_code(doc, "CERT_OK", severity="info", check_id="cert", count=1, r=r)


def test_pki_client_auth_only_wrong_purpose():
    r, doc, got = judge("purpose.pki.test")
    ev = got["CERT_WRONG_PURPOSE"]["evidence"]
    assert_eq(ev.get("reason"), "no_server_auth", "purpose evidence.reason")
    assert_eq(ev.get("extended_key_usage"), "TLS Web Client Authentication",
              "purpose evidence.extended_key_usage")
    assert_true("unsuitable certificate purpose" in got["CERT_WRONG_PURPOSE"]["message"],
                "message: %r" % got["CERT_WRONG_PURPOSE"]["message"])


def test_pki_ca_as_leaf_wrong_purpose():
    r, doc, got = judge("caleaf.pki.test")
    f = got["CERT_WRONG_PURPOSE"]
    assert_eq(f["evidence"].get("reason"), "ca_certificate", "caleaf evidence.reason")
    assert_true("CA certificate" in f["message"], "message: %r" % f["message"])
    assert_true("internal" not in f["message"], "a CA leaf explained as internal names")


def test_pki_wrong_intermediate_names_missing_issuer():
    r, doc, got = judge("wrongint.pki.test")
    f = got["CERT_INCOMPLETE_CHAIN"]
    ev = f["evidence"]
    assert_eq(ev.get("reason"), "wrong_intermediate", "wrongint evidence.reason")
    assert_eq(ev.get("missing_issuer"), LAB_INTERMEDIATE, "wrongint evidence.missing_issuer")
    assert_eq(ev.get("aia_ca_issuers"), AIA_URL, "wrongint evidence.aia_ca_issuers")
    assert_eq(ev.get("not_on_path"), ["1 " + LAB_INTERMEDIATE_B], "wrongint not_on_path")
    assert_true("not a trusted root" not in f["message"],
                "the trusted root is blamed: %r" % f["message"])
    assert_true(AIA_URL in (f.get("remediation") or ""), "fix lacks the AIA URL: %r"
                % f.get("remediation"))


def test_pki_nochain_names_aia():
    r, doc, got = judge("nochain.pki.test")
    ev = got["CERT_INCOMPLETE_CHAIN"]["evidence"]
    assert_eq(ev.get("reason"), "missing_intermediate", "nochain evidence.reason")
    assert_eq(ev.get("missing_issuer"), LAB_INTERMEDIATE, "nochain evidence.missing_issuer")
    assert_eq(ev.get("aia_ca_issuers"), AIA_URL, "nochain evidence.aia_ca_issuers")
    assert_eq(ev.get("depth"), 0, "nochain evidence.depth")
    # fetched from the AIA URL as Windows does: it completes the path
    assert_eq(ev.get("aia_fetch"), "completes a trusted path", "nochain evidence.aia_fetch")
    assert_true("Windows fetches it" in got["CERT_INCOMPLETE_CHAIN"]["message"],
                "message %r" % got["CERT_INCOMPLETE_CHAIN"]["message"])


def test_nochain_without_aia_fails_for_every_client():
    r, doc, got = judge("nochain.certs.test")
    f = got["CERT_INCOMPLETE_CHAIN"]
    assert_true("every client fails" in f["message"], "message %r" % f["message"])


def test_pki_sha1_intermediate_fails():
    r, doc, got = judge("sha1int.pki.test")
    f = got["CERT_WEAK"]
    assert_true("SHA1 signature on the intermediate" in f["message"], "message: %r"
                % f["message"])
    assert_eq(f["evidence"].get("certificate_severity"), "fail", "certificate_severity")


def test_pki_rsa1024_intermediate_warns():
    r, doc, got = judge("rsa1024int.pki.test")
    f = got["CERT_WEAK"]
    assert_true("RSA 1024-bit key on the intermediate" in f["message"], "message: %r"
                % f["message"])
    assert_eq(f["evidence"].get("key"), "RSA 2048", "the leaf's own key")


def test_pki_rsa512_md5_leaf_fails():
    r, doc, got = judge("rsa512.pki.test")
    f = got["CERT_WEAK"]
    for w in ("RSA 512", "MD5"):
        assert_true(w in f["message"], "message lacks %r: %r" % (w, f["message"]))


def test_pki_expired_cross_sign_is_bundle_hygiene():
    r, doc, got = judge("crossexpired.pki.test")
    f = got["CERT_EXTRA_EXPIRED"]
    assert_eq(f["evidence"].get("subject"), LAB_ROOT, "extra evidence.subject")
    assert_eq(f["evidence"].get("issuer"), OTHER_ROOT, "extra evidence.issuer")
    assert_eq(f["evidence"].get("position"), 2, "extra evidence.position")
    sub = {s["title"]: s["status"] for s in cert_step(doc, "crossexpired.pki.test")["steps"]}
    assert_eq(sub.get("Chain to a trusted root"), "pass", "crossexpired chain step")
    assert_no_code(doc, "CERT_EXPIRED", r=r)


def test_pki_both_cross_sign_forms_untrusted_first_warns():
    r, doc, got = judge("crossboth.pki.test")
    f = got["CERT_UNTRUSTED"]
    assert_eq(f["evidence"].get("reason"), "cross_sign_order", "crossboth evidence.reason")
    assert_true("OpenSSL" in f["message"] and "Windows" in f["message"],
                "message: %r" % f["message"])
    assert_eq(f["evidence"].get("path"), "CN=crossboth.pki.test,O=exprobe lab <- %s <- %s"
              % (LAB_INTERMEDIATE, LAB_ROOT), "the path the others find")


def test_pki_name_constraints_violated():
    r, doc, got = judge("nameconst.pki.test")
    assert_eq(got["CERT_UNTRUSTED"]["evidence"].get("reason"), "name_constraints",
              "nameconst evidence.reason")


def test_pki_whole_catalogue_in_one_run():
    hosts = sorted(h for h in EXPECTED if h.endswith(".pki.test"))
    r, doc = cert_probe(hosts, cache=False)
    seen = {}
    for f in cert_problems(doc):
        host, port, addr = endpoint_of(f)
        seen.setdefault(host, {})[f["code"]] = f["severity"]
    for h in hosts:
        if seen.get(h, {}) != EXPECTED[h]:
            fail("%s judged %s in the catalogue run, expected %s"
                 % (h, seen.get(h, {}), EXPECTED[h]))


def test_pki_dhe_1024_weak_key_exchange():
    r, doc, got = judge("dhe1024.pki.test")
    ev = got["TLS_WEAK_KEY_EXCHANGE"]["evidence"]
    assert_eq(ev.get("key_exchange"), "DH", "dhe1024 evidence.key_exchange")
    assert_eq(ev.get("bits"), 1024, "dhe1024 evidence.bits")
    assert_eq(ev.get("rule"), "dh_under_2048", "dhe1024 evidence.rule")
    assert_eq(ev.get("protocol"), "TLSv1.2", "dhe1024 evidence.protocol")


def test_pki_key_exchange_noted_on_healthy_endpoints():
    r, doc = cert_probe(["dhe2048.pki.test", "ok.certs.test"])
    for h, want in (("dhe2048.pki.test", "key exchange DH, 2048 bits"),
                    ("ok.certs.test", "key exchange X25519")):
        note = [s for s in cert_step(doc, h)["steps"]
                if s["title"] == "Key, signature and protocol"][0]["detail"]
        assert_true(want in note, "%s strength note %r lacks %r" % (h, note, want))


# ---------------------------------------------------------------- revocation

def _revocation_step(doc, host):
    steps = [s for s in cert_step(doc, host)["steps"] if s["title"] == "Revocation"]
    if len(steps) != 1:
        fail("%s: no Revocation step" % host)
    return steps[0]


def test_pki_revoked_stapled_ocsp():
    r, doc, got = judge("revstaple.pki.test")
    ev = got["CERT_REVOKED"]["evidence"]
    assert_eq(ev.get("source"), "stapled_ocsp", "revstaple evidence.source")
    assert_eq(ev.get("revocation_reason"), "keyCompromise", "revstaple reason")
    assert_true(ev.get("revoked_at", "").endswith("Z"), "revoked_at %r" % ev.get("revoked_at"))


def test_pki_revoked_by_ocsp_responder():
    r, doc, got = judge("revocsp.pki.test")
    ev = got["CERT_REVOKED"]["evidence"]
    assert_eq(ev.get("source"), "ocsp", "revocsp evidence.source")
    assert_true(ev.get("url", "").startswith("http://127.0.12.10/ocsp/revocsp/"),
                "revocsp url %r" % ev.get("url"))


def test_pki_revoked_by_crl_only():
    r, doc, got = judge("revcrl.pki.test")
    ev = got["CERT_REVOKED"]["evidence"]
    assert_eq(ev.get("source"), "crl", "revcrl evidence.source")
    assert_eq(ev.get("url"), "http://127.0.12.10/lab.crl", "revcrl evidence.url")


def test_pki_good_by_staple_and_by_crl():
    r, doc = cert_probe(["goodstaple.pki.test", "crlgood.pki.test"])
    assert_no_problems(doc, r)
    for h, src in (("goodstaple.pki.test", "stapled OCSP response"), ("crlgood.pki.test", "CRL")):
        s = _revocation_step(doc, h)
        assert_eq(s["status"], "pass", "%s revocation step" % h)
        assert_true("not revoked, says its %s" % src in s["detail"], "%s detail %r"
                    % (h, s["detail"]))


def test_pki_no_revocation_option():
    # --no-revocation: the CRL is not fetched (skip step), the staple still judged
    r, doc = cert_probe(["revcrl.pki.test", "revstaple.pki.test"], "--no-revocation",
                        cache=False)
    codes = sorted((endpoint_of(f)[0], f["code"]) for f in cert_problems(doc))
    assert_eq(codes, [("revstaple.pki.test", "CERT_REVOKED")], "problems with --no-revocation")
    s = _revocation_step(doc, "revcrl.pki.test")
    assert_eq(s["status"], "skip", "revcrl revocation step with --no-revocation")
    assert_true("--no-revocation" in s["detail"], "detail %r" % s["detail"])


def test_no_revocation_url_is_not_a_problem():
    # the other lab certificates name no OCSP responder or CRL: noted, skipped
    r, doc, _ = judge("ok.certs.test")
    s = _revocation_step(doc, "ok.certs.test")
    assert_eq(s["status"], "skip", "ok.certs.test revocation step")
    assert_true("could not check" in s["detail"], "detail %r" % s["detail"])


# ---------------------------------------------------------------- our own caps

def test_pki_10000_sans_judged_and_shown_capped():
    # 10,000 names (250 KB): read whole (our cap is 1 MB, not OpenSSL's 100 KB),
    # judged CERT_OK; the chain step says OpenSSL clients refuse that size.
    r, doc, _ = judge("hugesans.pki.test")
    chain = [s for s in cert_step(doc, "hugesans.pki.test")["steps"]
             if s["title"] == "Chain to a trusted root"][0]
    assert_true("excessive message size" in chain["detail"], "chain detail %r"
                % chain["detail"])
    r, doc, got = judge("hugesans-other.pki.test")
    ev = got["CERT_NAME_MISMATCH"]["evidence"]
    assert_eq(ev.get("names_total"), 10000, "names_total")
    names = ev.get("names") or []
    assert_eq(len(names), 51, "names shown (50 and the note)")
    assert_true("exprobe shows at most 50" in names[-1], "last item %r" % names[-1])


# ---------------------------------------------------------------- protocol versions

def test_pki_tls10_still_accepted_warns():
    r, doc, got = judge("tls10too.pki.test")
    f = got["CERT_WEAK"]
    assert_eq(f["evidence"].get("protocol"), "TLSv1.3", "negotiated protocol")
    assert_true("still accepts TLSv1" in f["message"], "message %r" % f["message"])
    assert_eq(f["evidence"].get("certificate_severity"), "none", "the certificate is fine")


def test_pki_tls10_refused_on_healthy_endpoint():
    r, doc = cert_probe("ok.certs.test")
    hosts = [s for s in check(doc, "cert")["steps"]
             if s["title"] == "Endpoints named with --hosts"][0]
    tls = [t for ep in hosts["steps"] for t in ep["steps"] if t["title"].startswith("TLS ")]
    assert_true(tls and "TLS 1.0/1.1 offered alone: refused" in tls[0]["detail"],
                "TLS step detail %r" % (tls[0]["detail"] if tls else None))
