"""Network behaviour stated, not implied: no proxy from the environment,
-4 / -6, --connect-to HOST:PORT:ADDR (one node behind a load balancer with
the right SNI and Host)."""

import os

from harness import (assert_eq, assert_true, assert_usage_error, findings, lab_args, lab_dir,
                     parse_json, run)


def _ca():
    return ["--ca-file", os.path.join(lab_dir(), "certs", "ca.pem")]


def test_proxy_variables_are_not_used():
    env = dict(os.environ, https_proxy="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9",
               ALL_PROXY="http://127.0.0.1:9")
    r = run(*lab_args("-f", "json", *_ca(), "-c", "autodiscover", "hybrid.test"), env=env)
    doc = parse_json(r)
    assert_eq(doc["status"], "pass", "autodiscover through a dead proxy in the environment")


def test_connect_to_reaches_the_given_node_with_the_right_name():
    # autodiscover.hybrid.test pinned to lyncdead's server, whose certificate
    # is for mail.onprem.test: judged against the name asked for.
    r = run(*lab_args("-f", "json", *_ca(), "-c", "autodiscover,cert",
                      "--connect-to", "autodiscover.hybrid.test:443:127.0.1.11", "hybrid.test"))
    doc = parse_json(r)
    mism = findings(doc, "CERT_NAME_MISMATCH")
    assert_true(mism and mism[0]["evidence"].get("address") == "127.0.1.11" and
                mism[0]["evidence"].get("host") == "autodiscover.hybrid.test",
                "certificate of the pinned node judged for the name: %s" % mism)
    assert_eq(doc["run"]["connect_to"],
              [{"host": "autodiscover.hybrid.test", "port": 443, "address": "127.0.1.11"}],
              "run.connect_to")
    for bad in ("nohost", "a.test:443", "a.test:99999:127.0.0.1", "a.test:443:not-an-ip"):
        assert_usage_error(run("--connect-to", bad, "cloud.test"), mention="--connect-to")


def test_ipv4_only_and_ipv6_only():
    # v6.test's Autodiscover host has AAAA only.
    r = run(*lab_args("-f", "json", *_ca(), "-c", "autodiscover", "-4", "v6.test"))
    doc = parse_json(r)
    assert_eq(doc["status"], "fail", "-4 on an IPv6-only Autodiscover host")
    assert_true("not asked: -4" in r.out, "the AAAA question is said to be not asked")
    r = run(*lab_args("-f", "json", *_ca(), "-c", "autodiscover", "-6", "v6.test"))
    assert_eq(parse_json(r)["status"], "pass", "-6 on an IPv6-only Autodiscover host")
    # The MX of hybrid.test has an A record only.
    r = run(*lab_args("-f", "json", *_ca(), "-c", "smtp", "-6", "hybrid.test"))
    f = findings(parse_json(r), "SMTP_DNS_ERROR")
    assert_true(f and "not asked (-6)" in f[0]["message"] and "AAAA record" in f[0]["remediation"],
                "-6 names itself in the finding and asks for an AAAA record: %s" % f)
    assert_usage_error(run("-4", "-6", "cloud.test"), mention="-4 and -6")


def _run_in_pty(args, cols):
    """exprobe's text report on a terminal COLS wide (stdout a pty)."""
    import fcntl
    import pty
    import struct
    import termios
    from harness import EXPROBE
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
        os.execv(EXPROBE, [EXPROBE] + args)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode("utf-8", "replace").replace("\r\n", "\n")


def test_finding_lines_wrap_to_the_terminal():
    out = _run_in_pty(lab_args("--no-color", *_ca(), "-c", "lync,cert", "lyncdead.test"), 80)
    fix = [l for l in out.split("\n") if "fix:" in l]
    assert_true(fix, "no fix line in:\n" + out)
    long_lines = [l for l in out.split("\n") if len(l) > 80 and ("fix:" in l or l.startswith(" " * 17))]
    assert_true(not long_lines, "fix lines longer than the terminal:\n" + "\n".join(long_lines))
    assert_true(any(l.startswith(" " * 17) and l.strip() for l in out.split("\n")),
                "wrapped lines keep the hanging indent:\n" + out)
    # Not a terminal: one line per item, as before.
    r = run(*lab_args("--no-color", *_ca(), "-c", "lync,cert", "lyncdead.test"))
    assert_true(any(len(l) > 80 and "fix:" in l for l in r.out.split("\n")),
                "a pipe gets unwrapped lines")


def test_preauth_probes_hosts_given_with_hosts():
    r = run(*lab_args("-f", "json", *_ca(), "-c", "autodiscover,preauth", "--hosts",
                      "mail.hybrid.test", "hybrid.test"))
    doc = parse_json(r)
    pre = [c for c in doc["checks"] if c["id"] == "preauth"][0]
    titles = [s["title"] for s in pre["steps"]]
    assert_true(any(t.startswith("mail.hybrid.test:443") for t in titles),
                "preauth probes the --hosts endpoint: %s" % titles)
