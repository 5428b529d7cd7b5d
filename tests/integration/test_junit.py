"""--format junit against the lab: the XML parses (xml.etree), has the
common JUnit shape (checked here, and by xmllint against junit.xsd when
xmllint is installed), counts agree with the testcases, and failures carry
the findings' codes, messages, fixes and evidence."""

import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import (HERE, LAB_CHECKS, assert_exit, assert_true, fail, lab_args, parse_json,
                     run)

XSD = os.path.join(HERE, "junit.xsd")
SECONDS = re.compile(r"^[0-9]+(\.[0-9]+)?$")
ALLOWED = {
    "testsuites": {"name", "tests", "failures", "errors", "disabled", "time"},
    "testsuite": {"name", "tests", "failures", "errors", "skipped", "disabled", "time",
                  "timestamp", "hostname", "id", "package"},
    "testcase": {"name", "classname", "time", "assertions"},
    "failure": {"message", "type"},
    "error": {"message", "type"},
    "skipped": {"message", "type"},
    "properties": set(),
    "property": {"name", "value"},
    "system-out": set(),
    "system-err": set(),
}
CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"properties", "testcase", "system-out", "system-err"},
    "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
    "properties": {"property"},
}
REQUIRED = {
    "testsuite": {"name", "tests", "failures", "errors"},
    "testcase": {"name"},
    "property": {"name", "value"},
}
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def junit(*args, code=None):
    """Run exprobe -f junit against the lab; returns (Result, root)."""
    r = run(*lab_args("-f", "junit", *args))
    if r.code == 3 and not r.out_bytes.strip():
        fail("exprobe refused to run %s" % r.describe())
    if code is not None:
        assert_exit(r, code)
    return r, parse(r.out_bytes, r)


def parse(data, r=None):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("JUnit output is not UTF-8: %s" % e)
    if CONTROL.search(text):
        fail("JUnit output holds a raw control character: %r" % CONTROL.search(text).group())
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        fail("JUnit output is not well-formed XML (%s): %r %s"
             % (e, text[:300], r.describe() if r else ""))
    validate(root)
    xsd_validate(data)
    return root


def validate(root):
    """The common JUnit schema, element by element, and consistent counts."""
    if root.tag != "testsuites":
        fail("root element is <%s>, not <testsuites>" % root.tag)

    def walk(el, path):
        where = "%s/%s" % (path, el.tag)
        allowed = ALLOWED.get(el.tag)
        if allowed is None:
            fail("unexpected element %s" % where)
        extra = set(el.attrib) - allowed
        if extra:
            fail("%s has attributes the schema does not allow: %s" % (where, sorted(extra)))
        missing = REQUIRED.get(el.tag, set()) - set(el.attrib)
        if missing:
            fail("%s lacks required attributes %s" % (where, sorted(missing)))
        if "time" in el.attrib and not SECONDS.match(el.attrib["time"]):
            fail("%s time=%r is not seconds" % (where, el.attrib["time"]))
        for k in ("tests", "failures", "errors", "skipped"):
            if k in el.attrib and not el.attrib[k].isdigit():
                fail("%s %s=%r is not a count" % (where, k, el.attrib[k]))
        for child in el:
            if child.tag not in CHILDREN.get(el.tag, set()):
                fail("<%s> may not contain <%s> (%s)" % (el.tag, child.tag, where))
            walk(child, where)

    walk(root, "")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        n = {"tests": len(cases),
             "failures": sum(1 for c in cases if c.find("failure") is not None),
             "errors": sum(1 for c in cases if c.find("error") is not None),
             "skipped": sum(1 for c in cases if c.find("skipped") is not None)}
        for k, v in n.items():
            if int(suite.get(k, "0")) != v:
                fail("testsuite %s says %s=%s but has %d" % (suite.get("name"), k, suite.get(k), v))
            if k in totals:
                totals[k] += v
    for k, v in totals.items():
        if k in root.attrib and int(root.get(k)) != v:
            fail("testsuites says %s=%s but the suites add up to %d" % (k, root.get(k), v))


def xsd_validate(data):
    xmllint = shutil.which("xmllint")
    if not xmllint:
        return
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(data)
        f.flush()
        p = subprocess.run([xmllint, "--noout", "--schema", XSD, f.name],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        fail("xmllint: not valid against junit.xsd: %s"
             % p.stderr.decode("utf-8", "replace")[:600])


def case(root, classname, suite=None):
    for s in root.findall("testsuite"):
        if suite and s.get("name") != suite:
            continue
        for c in s.findall("testcase"):
            if c.get("classname") == classname:
                return c
    fail("no testcase with classname %s%s" % (classname, " in " + suite if suite else ""))


# ---------------------------------------------------------------- tests

def test_failure_carries_findings_and_evidence():
    r, root = junit("-c", "lync,cname", "lyncdead.test", code=2)
    suites = root.findall("testsuite")
    assert_true(len(suites) == 1, "one testsuite per target, got %d" % len(suites))
    s = suites[0]
    assert_true(s.get("name") == "lyncdead.test", "testsuite name %r" % s.get("name"))
    assert_true(s.get("tests") == "2" and s.get("failures") == "1" and s.get("errors") == "0",
                "counts %r" % s.attrib)
    lync = case(root, "exprobe.lync")
    f = lync.find("failure")
    assert_true(f is not None, "the failed lync check has no <failure>")
    assert_true(f.get("type") == "failure", "failure type %r" % f.get("type"))
    assert_true(f.get("message", "").startswith("LYNC_UNREACHABLE: "),
                "failure message %r" % f.get("message"))
    body = f.text or ""
    for want in ("LYNC_UNREACHABLE", "127.0.1.99", "connection refused", "fix: ",
                 "sip.lyncdead.test", "port: 5061"):
        assert_true(want in body, "failure text lacks %r: %r" % (want, body[:400]))
    cname = case(root, "exprobe.cname")
    assert_true(cname.find("failure") is None and cname.find("skipped") is None,
                "the passing cname check is not a plain pass")
    assert_true("CNAME_DEPLOYMENT" in (cname.findtext("system-out") or ""),
                "information findings are not in the passing case's system-out")
    assert_true(lync.get("name") == "lyncdead.test: Teams / Skype for Business records",
                "testcase name %r" % lync.get("name"))


def test_classnames_one_testcase_per_check():
    r, root = junit("lyncdead.test")
    doc = parse_json(run(*lab_args("-f", "json", "lyncdead.test")))
    got = [c.get("classname") for c in root.iter("testcase")]
    want = ["exprobe." + c["id"] for c in doc["checks"]]
    assert_true(got == want, "testcases %r, expected one per check in order %r" % (got, want))


def test_warning_is_a_failure_of_type_warning():
    r, root = junit("-c", "cname", "mxmixed.test", code=1)
    f = case(root, "exprobe.cname").find("failure")
    assert_true(f is not None, "a warning check has no <failure>")
    assert_true(f.get("type") == "warning", "type %r, expected warning" % f.get("type"))
    assert_true("MX_MIXED" in (f.text or "") and "fix:" in (f.text or ""),
                "warning text %r" % (f.text or "")[:300])


def test_skipped_check():
    # A domain that does not exist: one failure (DOMAIN_NOT_FOUND) in the
    # first check, the other skipped with that reason.
    r, root = junit("-c", "cname,lync", "nosuchdomain.test", code=2)
    c = case(root, "exprobe.lync")
    sk = c.find("skipped")
    assert_true(sk is not None, "the skipped lync check has no <skipped>")
    assert_true("DOMAIN_NOT_FOUND" in sk.get("message", ""), "skip message %r"
                % sk.get("message"))
    f = case(root, "exprobe.cname").find("failure")
    assert_true(f is not None and "DOMAIN_NOT_FOUND" in f.get("message", ""),
                "cname has no DOMAIN_NOT_FOUND failure")
    s = root.find("testsuite")
    assert_true(s.get("skipped") == "1" and s.get("failures") == "1", "counts %r" % s.attrib)


def test_unknown_check_is_an_error():
    # No resolver answers: the check that says so is unknown, a JUnit <error>.
    r, root = junit("--dns-server", "127.0.0.1:9", "-c", "cname,lync", "cloud.test", code=3)
    e = case(root, "exprobe.cname").find("error")
    assert_true(e is not None and e.get("type") == "unknown", "no <error type=unknown>")
    assert_true("RESOLVER_UNREACHABLE" in e.get("message", ""), "message %r" % e.get("message"))
    s = root.find("testsuite")
    assert_true(s.get("errors") == "1" and s.get("skipped") == "1", "counts %r" % s.attrib)


def test_several_targets_several_suites():
    r, root = junit("-c", LAB_CHECKS, "cloud.test", "lyncdead.test", "mxmixed.test")
    names = [s.get("name") for s in root.findall("testsuite")]
    assert_true(names == ["cloud.test", "lyncdead.test", "mxmixed.test"], "suites %r" % names)
    assert_true(int(root.get("tests")) == 6, "testsuites tests=%r" % root.get("tests"))
    assert_exit(r, 2)


def test_exit_code_as_other_formats():
    for domain in ("onprem.test", "mxmixed.test", "lyncdead.test"):
        a = run(*lab_args("-c", LAB_CHECKS, "-f", "junit", domain))
        b = run(*lab_args("-c", LAB_CHECKS, "-f", "json", domain))
        assert_true(a.code == b.code, "%s: junit exit %d, json exit %d" % (domain, a.code, b.code))
        parse(a.out_bytes, a)


def test_hostile_strings_stay_valid_xml():
    # TXT records with ESC, raw bytes, quotes, backslashes: escaped, not raw.
    r, root = junit("-c", "cname", "txtmangled.test")
    out = "".join(root.itertext())
    assert_true("\x1b" not in out, "a raw ESC reached the XML")
    assert_true("esc\\027[31mred" in out, "the mangled TXT record is not in the XML")


def test_output_file_atomic():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "exprobe.xml")
        r = run(*lab_args("-f", "junit", "-q", "-c", "lync", "-o", path, "lyncdead.test"))
        assert_exit(r, 2)
        assert_true(r.out == "", "stdout not empty with -o: %r" % r.out[:200])
        with open(path, "rb") as f:
            root = parse(f.read())
        assert_true(case(root, "exprobe.lync").find("failure") is not None,
                    "the file does not carry the failure")
        assert_true(os.listdir(d) == ["exprobe.xml"], "left-overs: %r" % os.listdir(d))


def test_preflight_testcases():
    r, root = junit("--preflight", "-c", "cname", "--expect",
                    os.path.join(HERE, "..", "..", "fixtures", "dns", "expect", "noverify.conf"),
                    "noverify.test")
    s = root.find("testsuite")
    pf = [c for c in s.findall("testcase") if c.get("classname", "").startswith(
        "exprobe.preflight.")]
    assert_true(len(pf) == 12, "%d pre-flight testcases, expected 12" % len(pf))
    dv = case(root, "exprobe.preflight.domain_verification")
    f = dv.find("failure")
    assert_true(f is not None, "the blocked domain_verification item is not a failure")
    assert_true("TXT_VERIFICATION_MISSING" in (f.text or ""), "failure text %r" % f.text)
    assert_true("fix:" in (f.text or ""), "no fix in %r" % f.text)
    np = case(root, "exprobe.preflight.no_preauth")
    sk = np.find("skipped")
    assert_true(sk is not None, "the unknown no_preauth item (check not run) is not skipped")
    assert_true("preauth" in sk.get("message", ""), "skip message %r" % sk.get("message"))
    props = {p.get("name"): p.get("value") for p in s.iter("property")}
    assert_true(props.get("preflight", "").startswith("ready: no"),
                "preflight property %r" % props.get("preflight"))
