"""smtp check against the lab's MTAs (fixtures/dns/zones/smtp.test.zone):
Exim on 127.0.1.70-.73, the scripted hostile servers on 127.0.1.80-.92
(tests/lab/servers/smtp_hostile.py), nothing on 127.0.1.99.
Slow cases run with --timeout 2."""

import json
import os

from harness import (ROOT, SLACK, all_steps, assert_code, assert_eq, assert_exit,
                     assert_exit_matches, assert_no_code, assert_problem_shape, assert_true,
                     assert_usage_error, check, fail, findings, lab_args, lab_dir, probe, problems, run,
                     validate_doc)

LAB_DIR = os.environ.get("LAB_DIR") or lab_dir()
if not os.path.isabs(LAB_DIR):
    LAB_DIR = os.path.join(ROOT, LAB_DIR)
CA = os.environ.get("LAB_CA") or os.path.join(LAB_DIR, "certs", "ca.pem")

SMTP_CODES = ("SMTP_MX_MISSING", "SMTP_CONNECT_FAILED", "SMTP_TIMEOUT", "SMTP_ESMTP_INSPECTION",
              "SMTP_NO_STARTTLS", "SMTP_STARTTLS_FAILED", "SMTP_TLS_REQUIRED",
              "SMTP_TLS_OLD_PROTOCOL", "SMTP_PROTOCOL_ERROR", "SMTP_REJECTED")


def smtp(case, *extra, checks="smtp", cache=True):
    """probe CASE.smtp.test with --timeout 2 and the lab CA."""
    return probe(case + ".smtp.test", "--timeout", "2", "--ca-file", CA, *extra,
                 checks=checks, cache=cache)


def transcript(f):
    return "\n".join((f.get("evidence") or {}).get("transcript") or [])


def only_smtp_problem(doc, code, r):
    """CODE is a problem of the smtp check, and no other SMTP code is."""
    found = assert_code(doc, code, check_id="smtp", r=r)
    for f in found:
        assert_problem_shape(f)
    others = [f["code"] for f in problems(doc, "smtp") if f["code"] != code]
    return found, others


def test_ok_tls_and_cert_from_smtp():
    r, doc = smtp("ok", checks="smtp,cert")
    validate_doc(doc)
    assert_exit(r, 0)
    if problems(doc):
        fail("problems on the healthy MX: %s" % [f["code"] for f in problems(doc)])
    ok = assert_code(doc, "SMTP_OK", severity="info", check_id="smtp", count=1, r=r)[0]
    t = transcript(ok)
    for want in ("S: 220 mx.ok.smtp.test", "C: EHLO", "250-STARTTLS", "C: STARTTLS",
                 "TLS established", "C: QUIT", "QUIT sent; its reply is not waited for"):
        if want not in t:
            fail("transcript lacks %r:\n%s" % (want, t))
    assert_true(t.count("C: EHLO") == 2, "EHLO must be sent again after TLS:\n" + t)
    assert_true("MAIL FROM" not in t, "MAIL FROM sent although STARTTLS is offered")
    # The certificate met after STARTTLS is judged by cert against the MX name.
    steps = [s["title"] for s in all_steps(doc, "cert")]
    if not any("mx.ok.smtp.test:25" in s and "smtp MX" in s for s in steps):
        fail("cert did not judge the STARTTLS certificate: %s" % steps)
    assert_code(doc, "CERT_OK", check_id="cert", r=r)


def test_mx_answer_addresses_not_asked_again():
    # The lab resolver puts mx.ok.smtp.test's A in the MX answer's
    # additional section (as BIND and Windows DNS do): smtp connects to it
    # without asking again, and shows it as ever; its AAAA, absent there,
    # is still asked. EXPROBE_TRACE's "dns send" lines are the questions
    # that went on the wire.
    r = run(*lab_args("-f", "json", "-c", "smtp", "--timeout", "2", "--ca-file", CA,
                      "ok.smtp.test"), env={"EXPROBE_TRACE": "1"})
    doc = json.loads(r.out)
    assert_code(doc, "SMTP_OK", severity="info", check_id="smtp", count=1, r=r)
    sent = [ln.split()[3:5] for ln in r.err.splitlines() if " dns send " in ln]
    assert_true(["ok.smtp.test", "15"] in sent, "the MX question was not sent: %s" % sent)
    assert_true(["mx.ok.smtp.test", "1"] not in sent,
                "mx.ok.smtp.test's A asked again (it came with the MX answer): %s" % sent)
    assert_true(["mx.ok.smtp.test", "28"] in sent,
                "mx.ok.smtp.test's AAAA (not in the MX answer) was not asked: %s" % sent)
    shown = {s["title"]: s.get("detail") or "" for s in all_steps(doc, "smtp")}
    assert_true("127.0.1.70" in shown.get("A mx.ok.smtp.test", ""),
                "the A step of the MX host: %s" % shown)


def test_ok_learns_client_ip():
    r, doc = smtp("ok")
    ip = assert_code(doc, "SMTP_CLIENT_IP", severity="info", check_id="smtp", r=r)[0]
    assert_eq(ip["evidence"]["client_ip"], "127.0.0.1", "client IP from Exim's EHLO reply")


def test_notls_no_starttls():
    r, doc = smtp("notls")
    found, others = only_smtp_problem(doc, "SMTP_NO_STARTTLS", r)
    assert_eq(others, [], "other smtp problems on notls")
    assert_eq(found[0]["severity"], "warn", "SMTP_NO_STARTTLS severity without --expect")
    assert_true("dnsbl" in json.dumps(found[0]), "no link to the dnsbl result")
    assert_exit(r, 1)
    assert_exit_matches(r, doc)


def test_wrongcert_cert_name_mismatch_for_mx():
    r, doc = smtp("wrongcert", checks="smtp,cert")
    f = assert_code(doc, "CERT_NAME_MISMATCH", check_id="cert", r=r)[0]
    assert_true("mx.wrongcert.smtp.test" in json.dumps(f), "mismatch not about the MX name")
    assert_no_code(doc, "SMTP_STARTTLS_FAILED", r=r)


def test_wrongcert_connector_tls_cert_name(tmp=None):
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as fp:
        fp.write("tls_cert_name = mx.wrongcert.smtp.test\n")
        path = fp.name
    try:
        r, doc = probe("wrongcert.smtp.test", "--timeout", "2", "--expect", path,
                       checks="smtp", cache=False)
        f = assert_code(doc, "CONNECTOR_CERT_MISMATCH", severity="fail", check_id="smtp", r=r)
        assert_problem_shape(f[0])
        assert_true("other.smtp.test" in json.dumps(f[0]["evidence"]), "names not shown")
        r, doc = probe("ok.smtp.test", "--timeout", "2", "--expect", path, checks="smtp",
                       cache=False)
        assert_code(doc, "CONNECTOR_CERT_MISMATCH", check_id="smtp", r=r)
        # Exchange's <I>issuer<S>subject form: the issuer must be the whole DN
        with open(path, "w") as fp2:
            fp2.write("tls_cert_name = <I>CN=exprobe lab intermediate, O=exprobe lab"
                      "<S>CN=mx.ok.smtp.test\n")
        r, doc = probe("ok.smtp.test", "--timeout", "2", "--expect", path, checks="smtp",
                       cache=False)
        assert_no_code(doc, "CONNECTOR_CERT_MISMATCH", r=r)
        assert_no_code(doc, "CONNECTOR_CERT_RENEWAL", r=r)
        notes = json.dumps(doc)
        assert_true("the next renewal must keep issuer" in notes,
                    "no renewal note for the <I><S> form")
        # a connector pinned to another issuer (the CA rotated): mismatch, named
        with open(path, "w") as fp2:
            fp2.write("tls_cert_name = <I>CN=R10, O=Let's Encrypt, C=US"
                      "<S>CN=mx.ok.smtp.test\n")
        r, doc = probe("ok.smtp.test", "--timeout", "2", "--expect", path, checks="smtp",
                       cache=False)
        f = assert_code(doc, "CONNECTOR_CERT_MISMATCH", check_id="smtp", r=r)[0]
        assert_eq(f["evidence"].get("expected_issuer"), "CN=R10, O=Let's Encrypt, C=US",
                  "expected_issuer")
        assert_eq(f["evidence"].get("issuer"), "CN=exprobe lab intermediate,O=exprobe lab",
                  "presented issuer")
    finally:
        os.unlink(path)


def test_oldtls_old_protocol():
    r, doc = smtp("oldtls")
    # the same judgement (and severity) as cert's for the protocol: fail
    f = assert_code(doc, "SMTP_TLS_OLD_PROTOCOL", severity="fail", check_id="smtp", r=r)[0]
    assert_eq(f["evidence"]["protocol"], "TLSv1", "negotiated protocol")
    assert_eq(f["evidence"]["rule"], "tls_below_1_2", "severity table row")


def test_cisco_esmtp_inspection():
    r, doc = smtp("cisco")
    f = assert_code(doc, "SMTP_ESMTP_INSPECTION", severity="fail", check_id="smtp", r=r)[0]
    signs = " ".join(f["evidence"]["signs"])
    assert_true("asterisks" in signs and "EHLO answered 500" in signs, "signs: " + signs)
    t = transcript(f)
    assert_true("C: HELO" in t, "no HELO fallback:\n" + t)
    assert_no_code(doc, "SMTP_NO_STARTTLS", r=r)


def test_masked_starttls_inspection():
    r, doc = smtp("masked")
    f = assert_code(doc, "SMTP_ESMTP_INSPECTION", severity="fail", check_id="smtp", r=r)[0]
    assert_true("XXXXXXXA" in json.dumps(f["evidence"]["signs"]), "masked keyword not shown")


def test_tlsreq_tls_required():
    r, doc = smtp("tlsreq")
    f = assert_code(doc, "SMTP_TLS_REQUIRED", severity="fail", check_id="smtp", r=r)[0]
    assert_problem_shape(f)
    assert_true("451 5.7.3" in json.dumps(f["evidence"]), "reply not verbatim")
    t = transcript(f) or "\n".join(x for g in findings(doc, check_id="smtp")
                                   for x in (g.get("evidence") or {}).get("transcript", []))
    assert_true("C: MAIL FROM:<>" in t and "RCPT" not in t and "DATA" not in t,
                "the probe must stop at MAIL FROM:\n" + t)


def test_silent_banner_timeout():
    r, doc = smtp("silent")
    f = assert_code(doc, "SMTP_TIMEOUT", severity="fail", check_id="smtp", count=1, r=r)[0]
    assert_eq(f["evidence"]["stage"], "banner", "timeout stage")
    assert_eq(f["evidence"]["bytes_received"], 0, "bytes from a silent server")
    assert_true(r.elapsed < 2 + 3 * SLACK, "silent server took %.1fs" % r.elapsed)
    assert_no_code(doc, "SMTP_CONNECT_FAILED", r=r)   # it is not told as a dead server


def test_drip_costs_its_timeout():
    r, doc = smtp("drip")
    f = assert_code(doc, "SMTP_TIMEOUT", check_id="smtp", count=1, r=r)[0]
    assert_eq(f["evidence"]["stage"], "banner", "timeout stage")
    assert_true(0 < f["evidence"]["bytes_received"] < 10, "drip bytes: %s" % f["evidence"])
    assert_true("slowly" in f["message"], f["message"])
    assert_true(r.elapsed < 2 + 3 * SLACK, "drip server took %.1fs" % r.elapsed)


def test_flood_bounded():
    r, doc = smtp("flood")
    f = assert_code(doc, "SMTP_PROTOCOL_ERROR", check_id="smtp", count=1, r=r)[0]
    got = f["evidence"]["bytes_received"]
    assert_true(got <= 64 * 1024 + 8192, "read %d bytes of a 5 MB reply" % got)
    assert_true(r.elapsed < 2 * SLACK, "flood took %.1fs" % r.elapsed)
    assert_true(len(r.out) < 200000, "report of %d bytes" % len(r.out))


def test_midtls_starttls_failed():
    r, doc = smtp("midtls")
    f = assert_code(doc, "SMTP_STARTTLS_FAILED", severity="fail", check_id="smtp", r=r)[0]
    assert_true("closed" in f["message"] or "eof" in f["message"], f["message"])


def test_inject_trailing_data():
    r, doc = smtp("inject")
    f = assert_code(doc, "SMTP_PROTOCOL_ERROR", check_id="smtp", count=1, r=r)[0]
    assert_true(f["evidence"].get("trailing_bytes", 0) > 0, "no trailing_bytes evidence")
    assert_true("injection" in f["message"], f["message"])
    assert_true("TLS handshake" not in transcript(f), "TLS attempted after injected data")


def test_garbage_protocol_error():
    r, doc = smtp("garbage")
    f = assert_code(doc, "SMTP_PROTOCOL_ERROR", check_id="smtp", count=1, r=r)[0]
    assert_eq(f["evidence"]["line"], "2x0 hello, this is not SMTP", "offending line")


def test_reject_verbatim():
    r, doc = smtp("reject")
    f = assert_code(doc, "SMTP_REJECTED", severity="fail", check_id="smtp", r=r)[0]
    assert_true("554 5.7.606 Access denied" in json.dumps(f["evidence"]["reply"]),
                "reply not verbatim: %s" % f["evidence"])
    assert_true("C: QUIT" in transcript(f), "no QUIT after the 554 greeting")


def test_split_every_byte_is_fine():
    r, doc = smtp("split")
    assert_no_code(doc, "SMTP_PROTOCOL_ERROR", r=r)
    assert_no_code(doc, "SMTP_TIMEOUT", r=r)
    t = "\n".join(x for g in findings(doc, check_id="smtp")
                  for x in (g.get("evidence") or {}).get("transcript", []))
    for want in ("S: 220-mx.split.smtp.test ESMTP", "S: 220-a banner of three lines",
                 "S: 220 ready", "S: 250 8BITMIME"):
        assert_true(want in t, "missing %r:\n%s" % (want, t))


def test_delay_measured_not_a_timeout():
    r, doc = smtp("delay")
    assert_no_code(doc, "SMTP_TIMEOUT", r=r)
    steps = [s for s in all_steps(doc, "smtp") if s["title"].startswith("SMTP ")]
    detail = " ".join(s.get("detail") or "" for s in steps)
    assert_true("greeting delay" in detail, "delay not noted: %s" % detail)
    f = findings(doc, check_id="smtp")
    assert_true(any((g.get("evidence") or {}).get("banner_ms", 0) >= 1400 for g in f),
                "banner_ms not measured")


def test_dead_port25_blocked():
    r, doc = smtp("dead")
    f = assert_code(doc, "SMTP_CONNECT_FAILED", severity="fail", check_id="smtp", count=1,
                    r=r)[0]
    assert_true("probably blocked" in f["message"], f["message"])
    assert_eq(f["evidence"]["diagnosis"], "outbound port 25 probably blocked from this network",
              "diagnosis")
    assert_eq(len(f["evidence"]["attempts"]), 2, "attempts (two MX on 127.0.1.99)")


def test_nomx_a_fallback():
    r, doc = smtp("nomx")
    f = assert_code(doc, "SMTP_MX_MISSING", severity="fail", check_id="smtp", r=r)[0]
    assert_true("fall back" in f["message"], f["message"])
    titles = [s["title"] for s in all_steps(doc, "smtp")]
    assert_true(any("implicit MX" in t for t in titles), "A fallback not tested: %s" % titles)
    # The fallback host answers, with a certificate for another name (the
    # MX host it shares): its verdict counts where it is used.
    f = assert_code(doc, "SMTP_CERT_INVALID", severity="warn", check_id="smtp", count=1, r=r)[0]
    assert_true(f["evidence"].get("certificate_problem") == "CERT_NAME_MISMATCH", f["evidence"])


def test_multi_slow_mx_cost_one_timeout():
    r, doc = smtp("multi")
    assert_code(doc, "SMTP_OK", check_id="smtp", count=1, r=r)
    t = assert_code(doc, "SMTP_TIMEOUT", check_id="smtp", count=2, r=r)
    hosts = sorted(f["evidence"]["host"] for f in t)
    assert_eq(hosts, ["mx.drip.smtp.test", "mx.silent.smtp.test"], "timed-out MX")
    # Concurrent: two 2-second timeouts do not add up.
    assert_true(r.elapsed < 3.5 * SLACK, "run took %.1fs with two slow MX" % r.elapsed)
    # MX steps in preference order.
    mx = [s["title"] for s in check(doc, "smtp")["steps"] if s["title"].startswith("MX ")
          and "records" not in s["title"]]
    assert_eq(mx, ["MX 10 mx.ok.smtp.test", "MX 20 mx.silent.smtp.test",
                   "MX 30 mx.drip.smtp.test"], "MX order")


def test_healthy_domains_no_smtp_codes():
    for case in ("ok", "split", "delay"):
        r, doc = smtp(case)
        bad = [f["code"] for f in problems(doc, "smtp")
               if f["code"] in SMTP_CODES and f["code"] != "SMTP_NO_STARTTLS"]
        if bad:
            fail("%s.smtp.test: unexpected %s" % (case, bad))


def test_hosts_port25_is_an_smtp_endpoint():
    r, doc = probe("cloud.test", "--timeout", "2", "--hosts", "mx.ok.smtp.test:25",
                   checks="smtp,cert")
    titles = [s["title"] for s in all_steps(doc, "smtp")]
    assert_true(any("mx.ok.smtp.test:25 (--hosts)" in t for t in titles), titles)
    # cert does not try plain TLS on port 25 (it judges the STARTTLS certificate)
    assert_no_code(doc, "CERT_HANDSHAKE_FAILED", r=r)


def test_verbose_text_shows_transcript():
    r = run(*lab_args("-v", "--timeout", "2", "-c", "smtp", "notls.smtp.test"))
    for want in ("C: EHLO", "S: 250-mx.notls.smtp.test Hello", "C: MAIL FROM:<>", "C: QUIT"):
        assert_true(want in r.out, "-v text lacks %r" % want)


def test_cli_ip_and_dnsbl_validation():
    assert_usage_error(run(*lab_args("--ip", "300.1.1.1", "cloud.test")), mention="--ip")
    assert_usage_error(run(*lab_args("--ip", "example.com", "cloud.test")), mention="--ip")
    assert_usage_error(run(*lab_args("--dnsbl", "", "cloud.test")), mention="--dnsbl")
    assert_usage_error(run(*lab_args("--dnsbl", "a..b", "cloud.test")), mention="--dnsbl")
    assert_usage_error(run(*lab_args("--dnsbl", "zen.spamhaus.org,", "cloud.test")),
                       mention="--dnsbl")
    assert_usage_error(run(*lab_args("--dnsbl", "bad zone", "cloud.test")), mention="--dnsbl")
    assert_usage_error(run(*lab_args("--hosts", "mx.example:0", "cloud.test")),
                       mention="--hosts")
