"""Faults from servers (tests/lab/servers/faults9.py, 127.0.9.x): each run
ends within its timeout with valid JSON and a finding that says what went
wrong - TCP resets mid-TLS and mid-SMTP reply, a TLS alert after the
ServerHello, a close after "220" to STARTTLS, a slow-drip handshake, DNS
truncation (TC -> TCP), a wrong query id, a CNAME loop, a 64 KB TXT record,
an HTTP response that never ends. The healthy lab cases next to them are in
test_cert.py, test_smtp.py and test_cname.py."""

from harness import (SLACK, LAB_DNS, all_steps, assert_code, assert_no_code, fail, findings, parse_json,
                     run, validate_doc)

TIMEOUT = 2


def _run(*args, dns=LAB_DNS, bound=None):
    """exprobe -f json --timeout 2 ARGS; fails unless it ends within BOUND
    seconds (default: a few timeouts) with a valid document."""
    r = run("--dns-server", dns, "-f", "json", "--timeout", str(TIMEOUT), *args, timeout=60)
    bound = (bound or 4 * TIMEOUT) * SLACK + 2
    if r.elapsed > bound:
        fail("took %.1fs (bound %gs): %s" % (r.elapsed, bound, r.describe()))
    if r.code not in (0, 1, 2, 3) or not r.out.strip():
        fail("no report: %s" % r.describe())
    doc = parse_json(r)
    validate_doc(doc, r.cmdline())
    return r, doc


def _message(doc, code):
    fs = findings(doc, code)
    if not fs:
        fail("%s not found" % code)
    return fs[0]["message"]


def test_tcp_reset_mid_tls_handshake():
    r, doc = _run("-c", "cert", "--hosts", "127.0.9.10:443", "cloud.test")
    assert_code(doc, "CERT_HANDSHAKE_FAILED", "fail", r=r)
    msg = _message(doc, "CERT_HANDSHAKE_FAILED")
    if "closed" not in msg and "reset" not in msg:
        fail("the reset is not described: %r" % msg)


def test_tls_alert_after_server_hello():
    r, doc = _run("-c", "cert", "--hosts", "127.0.9.11:443", "cloud.test")
    assert_code(doc, "CERT_HANDSHAKE_FAILED", "fail", r=r)
    if "alert" not in _message(doc, "CERT_HANDSHAKE_FAILED"):
        fail("the alert is not named: %r" % _message(doc, "CERT_HANDSHAKE_FAILED"))


def test_slow_drip_tls_handshake_costs_one_timeout():
    r, doc = _run("-c", "cert", "--hosts", "127.0.9.12:443", "cloud.test", bound=TIMEOUT + 2)
    assert_code(doc, "CERT_HANDSHAKE_FAILED", "fail", r=r)
    if r.elapsed < TIMEOUT - 0.2:
        fail("ended after %.1fs: the drip was not given its timeout" % r.elapsed)


def test_tcp_reset_mid_smtp_reply():
    r, doc = _run("-c", "smtp", "--hosts", "127.0.9.20:25", "cloud.test")
    fs = [f for f in findings(doc) if f.get("severity") in ("warn", "fail")]
    if not fs:
        fail("a reset in the middle of the banner left no problem %s" % r.describe())
    if not any("reset" in f["message"] or "lost" in f["message"] for f in fs):
        fail("the reset is not described: %r" % [f["message"] for f in fs])


def test_close_after_220_to_starttls():
    r, doc = _run("-c", "smtp", "--hosts", "127.0.9.21:25", "cloud.test")
    assert_code(doc, "SMTP_STARTTLS_FAILED", "fail", r=r)


def test_dns_truncated_answer_retried_over_tcp():
    r, doc = _run("-c", "cname", "cloud.test", dns="127.0.9.30")
    assert_code(doc, "CNAME_OK", r=r)
    assert_no_code(doc, "RESOLVER_UNREACHABLE", r=r)


def test_dns_wrong_query_id_is_no_answer():
    r, doc = _run("-c", "cname", "cloud.test", dns="127.0.9.31")
    assert_code(doc, "RESOLVER_UNREACHABLE", r=r)
    assert_no_code(doc, "CNAME_OK", r=r)


def test_dns_cname_loop_ends_in_a_finding():
    r, doc = _run("-c", "cname", "loop9.test", dns="127.0.9.32")
    msgs = [f["message"] for f in findings(doc) if "autodiscover" in f["message"]]
    if not any(f.get("severity") == "fail" for f in findings(doc, "CNAME_WRONG_TARGET")):
        fail("a CNAME loop for autodiscover is not a failure: %s" % r.describe())
    if not msgs:
        fail("no finding names autodiscover.loop9.test")


def test_dns_64k_txt_record_read_over_tcp():
    r, doc = _run("-v", "-c", "cname", "loop9.test", dns="127.0.9.32")
    assert_no_code(doc, "RESOLVER_UNREACHABLE", r=r)
    assert_code(doc, "SPF_MISSING", r=r)      # read, and not an SPF record
    details = [s.get("detail") or "" for s in all_steps(doc)]
    if not any("TXT \"000xxx" in d for d in details):
        fail("the 64 KB TXT record is not shown: %s" % r.describe())


def test_http_chunked_forever_ends_at_the_timeout():
    r, doc = _run("-c", "autodiscover", "--max-time", "20", "chunk9.test", dns="127.0.9.33",
                  bound=3 * TIMEOUT + 4)
    assert_code(doc, "AUTOD_NO_ENDPOINT", "fail", r=r)
