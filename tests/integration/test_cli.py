"""Command line: bad input is exit 3 with one line on stderr and nothing on
stdout; -h, -V; IDN targets."""

import os
import re
import shutil
import tempfile

from harness import (assert_exit, assert_usage_error, fail, lab_args, parse_json, run,
                     expect_file)

OK = ["--dns-server", "127.0.1.1", "-c", "cname"]


def test_unknown_long_option():
    assert_usage_error(run("--bogus", "cloud.test"), mention="--bogus")


def test_unknown_short_option():
    assert_usage_error(run("-Z", "cloud.test"), mention="-Z")


def test_option_missing_value():
    assert_usage_error(run("cloud.test", "--timeout"), mention="--timeout")


def test_unknown_check_id():
    assert_usage_error(run("-c", "nope", "cloud.test"), mention="nope")
    assert_usage_error(run("-c", "cname,nope", "cloud.test"), mention="nope")


def test_empty_check_list():
    assert_usage_error(run("-c", "", "cloud.test"))


def test_unknown_format():
    assert_usage_error(run("-f", "xml", "cloud.test"), mention="xml")


def test_bad_timeout():
    for v in ("abc", "0", "-1", "1x", "", "nan", "NaN", "inf", "-inf", "infinity",
              "1e-9", "0.0009", "301", "1e309"):
        assert_usage_error(run("--timeout", v, "cloud.test"), mention="--timeout")


def test_bad_max_time():
    for v in ("abc", "0", "-5", "nan", "inf", "1e-4", "3601"):
        assert_usage_error(run("--max-time", v, "cloud.test"), mention="--max-time")


def test_timeout_range_edges_accepted():
    """0.001 s and the maxima are valid (the run itself may fail or be
    unknown, exit 3 with a report, but is not refused)."""
    for opt, v in (("--timeout", "0.001"), ("--timeout", "300"), ("--max-time", "0.001"),
                   ("--max-time", "3600")):
        r = run(*lab_args("-f", "json", "-c", "cname", opt, v, "cloud.test"))
        if r.code == 3 and not r.out_bytes.strip():
            fail("%s %s refused: %s" % (opt, v, r.err))


def test_bad_dns_server():
    for v in ("999.1.1.1", "127.0.0.1:0", ":53", "127.0.0.1:65536", "example.com",
              "127.0.0.1:x", "[::1"):
        assert_usage_error(run("--dns-server", v, "cloud.test"), mention=v)


def test_good_dns_server_forms_accepted():
    for v in ("127.0.1.1", "127.0.1.1:53", "127.0.1.1,127.0.1.1:53"):
        r = run("--dns-server", v, "-c", "cname", "-f", "json", "cloud.test")
        if r.code == 3:
            fail("--dns-server %s refused: %s" % (v, r.describe()))
        assert_exit(r, 0)


def test_malformed_domains():
    for d in ("bad..domain", "localhost", "under_score.test", "a" * 64 + ".test",
              "bad-.test", ".test", "sp ace.test"):
        assert_usage_error(run(*OK, d), mention=d)


def test_malformed_domain_after_double_dash():
    assert_usage_error(run(*OK, "--", "-x.com"), mention="-x.com")


def test_dash_domain_names_itself():
    # "-x.com" is read as options; the error line must name what it refused
    # (-x / -x.com), not something else (e.g. argv[0]).
    line = assert_usage_error(run(*OK, "-x.com"))
    if "-x" not in line:
        fail("error line does not name '-x' or '-x.com': %r" % line)


def test_bad_email_targets():
    for t in ("@cloud.test", "admin@", "admin@bad..domain"):
        assert_usage_error(run(*OK, t))


def test_missing_expect_file():
    d = tempfile.mkdtemp(prefix="exprobe-it-")
    try:
        path = os.path.join(d, "missing.conf")
        assert_usage_error(run(*OK, "--expect", path, "cloud.test"), mention=path)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _expect_error(content, want_line):
    d = tempfile.mkdtemp(prefix="exprobe-it-")
    try:
        path = os.path.join(d, "tenant.conf")
        with open(path, "w") as fh:
            fh.write(content)
        line = assert_usage_error(run(*OK, "--expect", path, "cloud.test"))
        if path not in line and os.path.basename(path) not in line:
            fail("error line does not name the file %s: %r" % (path, line))
        if not re.search(r"(:|line )%d\b" % want_line, line):
            fail("error line does not give line number %d: %r" % (want_line, line))
        return line
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_expect_unknown_key_names_file_and_line():
    line = _expect_error("# tenant\ndeployment = cloud\n\nfrobnicate = yes\n", 4)
    if "frobnicate" not in line:
        fail("error line does not name the unknown key: %r" % line)


def test_expect_bad_value_names_file_and_line():
    _expect_error("deployment = cloudy\n", 1)
    _expect_error("deployment = cloud\nverification = ms123\n", 2)


def test_expect_line_without_equals():
    _expect_error("deployment = cloud\njust some words\n", 2)


def test_expect_fixtures_are_accepted():
    for name in ("cloud", "hybrid", "onprem", "bpos", "noverify"):
        r = run(*OK, "-f", "json", "--expect", expect_file(name), "cloud.test")
        if r.code == 3:
            fail("fixture %s.conf refused: %s" % (name, r.describe()))


def test_no_target():
    assert_usage_error(run())
    assert_usage_error(run("-f", "json", "-c", "cname"))


def test_empty_domains_file_is_no_target():
    assert_usage_error(run(*OK, "--domains-file", "-"), mention="target")


def test_missing_domains_file():
    assert_usage_error(run(*OK, "--domains-file", "/nonexistent/exprobe/domains.txt"),
                       mention="/nonexistent/exprobe/domains.txt")


def test_verbose_and_quiet_conflict():
    assert_usage_error(run(*OK, "-v", "-q", "cloud.test"))


def test_help():
    r = run("-h")
    assert_exit(r, 0)
    if "Usage" not in r.out or "Examples" not in r.out:
        fail("-h output lacks Usage/Examples: %r" % r.out[:300])
    for opt in ("--checks", "--format", "--output", "--dns-server", "--expect", "--timeout",
                "--max-time", "--domains-file", "--quiet", "--no-color", "--version"):
        if opt not in r.out:
            fail("-h does not document %s" % opt)
    if r.err:
        fail("-h wrote to stderr: %r" % r.err[:200])
    r2 = run("--help")
    assert_exit(r2, 0)
    if r2.out != r.out:
        fail("--help differs from -h")
    # Each option is described once (a merge once left two --user entries).
    heads = re.findall(r"^ {2,6}(?:-\w, )?(--[a-z0-9-]+)", r.out, re.M)
    twice = sorted({o for o in heads if heads.count(o) > 1})
    if twice:
        fail("-h describes %s more than once" % ", ".join(twice))
    for opt in ("--no-cloud-lookups", "--redact", "--user", "--preflight"):
        if opt not in heads:
            fail("-h does not describe %s" % opt)
    if "on-premises only" not in r.out:
        fail("-h: --user does not say it is on-premises only")


def test_help_wins_over_target_and_runs_nothing():
    r = run("-h", "cloud.test")
    assert_exit(r, 0)
    if "Usage" not in r.out:
        fail("-h with a target did not print usage")


def test_version():
    r = run("-V")
    assert_exit(r, 0)
    first = r.out.splitlines()[0] if r.out else ""
    if not re.match(r"^exprobe \d+\.\d+(\.\d+)?\S*$", first):
        fail("-V first line %r is not 'exprobe X.Y.Z'" % first)
    r2 = run("--version")
    assert_exit(r2, 0)
    if r2.out != r.out:
        fail("--version differs from -V")


def test_idn_target_converted():
    r = run(*lab_args("-f", "json", "-c", "cname", "bücher.test"))
    if r.code == 3:
        fail("IDN target refused: %s" % r.describe())
    doc = parse_json(r)
    if doc.get("target") != "xn--bcher-kva.test":
        fail("target of bücher.test is %r, expected 'xn--bcher-kva.test'" % doc.get("target"))


def test_idn_email_target_converted():
    r = run(*lab_args("-f", "json", "-c", "cname", "admin@bücher.test"))
    if r.code == 3:
        fail("IDN e-mail target refused: %s" % r.describe())
    doc = parse_json(r)
    if doc.get("target") != "xn--bcher-kva.test":
        fail("target of admin@bücher.test is %r" % doc.get("target"))


def test_punycode_target_kept():
    r = run(*lab_args("-f", "json", "-c", "cname", "xn--bcher-kva.test"))
    if r.code == 3:
        fail("A-label target refused: %s" % r.describe())
    doc = parse_json(r)
    if doc.get("target") != "xn--bcher-kva.test":
        fail("target of xn--bcher-kva.test is %r" % doc.get("target"))
