"""The SPEC output contract: JSON shape, several targets, jsonl, target
parsing, hostile bytes, -o FILE."""

import json
import os
import re
import shutil
import tempfile

from harness import (LAB_CHECKS, assert_eq, assert_exit, assert_exit_matches, assert_usage_error,
                     fail, findings, lab_args, parse_json, probe, run, spec_codes,
                     validate_doc)

LAB_DOMAINS = ["cloud.test", "hybrid.test", "onprem.test", "bpos.test", "badbpos.test",
               "hybridcloudad.test", "lyncdead.test", "lyncmissing.test", "lyncwrong.test",
               "msoid.test", "mxmixed.test", "mxonprem.test", "nocname.test", "nospf.test",
               "noverify.test", "spfmulti.test", "spfnoinc.test", "txtmangled.test",
               "wrongcname.test", "exomigr13.test", "exodnssec13.test", "lyncexp11.test"]


def test_json_shape_one_document():
    r, doc = probe("cloud.test")
    validate_doc(doc, "cloud.test")
    assert_eq(doc["target"], "cloud.test", "target")
    ids = [c["id"] for c in doc["checks"]]
    if not {"cname", "lync"} <= set(ids) or len(set(ids)) != len(ids):
        fail("checks run by default: %s (want each once, cname and lync among them)" % ids)
    r, doc = probe("cloud.test", checks="lync,cname")
    assert_eq(sorted(c["id"] for c in doc["checks"]), ["cname", "lync"], "checks run by -c")
    assert_exit_matches(r, doc)
    assert_eq(r.err, "", "stderr of a -f json run")


def test_json_shape_problem_document():
    # A document full of problems (fail + warn findings, failed steps).
    for dom in ("lyncwrong.test", "lyncmissing.test", "nocname.test"):
        r, doc = probe(dom)
        validate_doc(doc, dom)
        assert_exit_matches(r, doc)


def test_tool_version_matches_dash_V():
    r = run("-V")
    assert_exit(r, 0)
    _, doc = probe("cloud.test", checks="cname")
    v = doc["tool"]["version"]
    if v not in r.out.splitlines()[0]:
        fail("tool.version %r is not what -V prints: %r" % (v, r.out.splitlines()[0]))


EXPECT_CASES = [("bpos.test", "bpos"), ("badbpos.test", "bpos"), ("noverify.test", "noverify"),
                ("hybridcloudad.test", "hybrid"), ("wrongcname.test", "cloud"),
                ("lyncdead.test", "onprem"), ("lyncmissing.test", "lync-online14")]


CNAME_ONLY_CASES = [("nocname.test", "cloud")]


def test_every_finding_code_is_in_spec():
    spec, prefixes = spec_codes()
    seen, bad = set(), []
    runs = [(dom, None) for dom in LAB_DOMAINS] + EXPECT_CASES
    for dom, expect in runs:
        r, doc = probe(dom, expect=expect)
        validate_doc(doc, dom)
        for f in findings(doc):
            seen.add(f["code"])
    # A domain without any Autodiscover record is told once, by autodiscover's
    # AUTOD_NO_ENDPOINT, when both checks run (issue 11): CNAME_MISSING comes
    # from cname without autodiscover.
    for dom, expect in CNAME_ONLY_CASES:
        r, doc = probe(dom, expect=expect, checks="cname")
        validate_doc(doc, dom)
        seen.update(f["code"] for f in findings(doc))
    for code in sorted(seen):
        if code not in spec and not any(code.startswith(p) for p in prefixes):
            bad.append(code)
    if bad:
        fail("finding codes neither in SPEC nor with a SPEC prefix (%s): %s"
             % (" ".join(sorted(prefixes)), bad))
    # The cname/lync codes SPEC names are all produced by some lab case.
    missing = [c for c in sorted(spec) if c.split("_")[0] in ("CNAME", "TXT", "MX", "SPF", "LYNC")
               and c not in seen]
    if missing:
        fail("SPEC codes never produced by the lab cases: %s (seen: %s)"
             % (missing, sorted(seen)))


# ---------------------------------------------------------------- several targets

TARGETS = ["cloud.test", "mxmixed.test", "onprem.test"]


def test_several_targets_json_array():
    r = run(*lab_args("-f", "json", "-c", "cname", *TARGETS))
    docs = parse_json(r)
    if not isinstance(docs, list):
        fail("-f json with %d targets must print an array, got %s" % (len(TARGETS),
                                                                     type(docs).__name__))
    assert_eq([d.get("target") for d in docs], TARGETS, "targets of the array, in order")
    for d in docs:
        validate_doc(d, d.get("target"))
    assert_eq([d["status"] for d in docs], ["pass", "warn", "pass"], "statuses")
    # The exit status is the worst over all targets.
    assert_exit(r, 1)


def test_single_target_json_is_object_not_array():
    r = run(*lab_args("-f", "json", "-c", "cname", "cloud.test"))
    doc = parse_json(r)
    if not isinstance(doc, dict):
        fail("one target with -f json must print one object, got %s" % type(doc).__name__)


def _jsonl(r, want_targets):
    try:
        text = r.out_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("jsonl output is not UTF-8: %s" % e)
    if not text.endswith("\n"):
        fail("jsonl output does not end with a newline: %r" % text[-80:])
    lines = text[:-1].split("\n")
    if len(lines) != len(want_targets):
        fail("jsonl: %d lines for %d targets: %r" % (len(lines), len(want_targets),
                                                    [ln[:60] for ln in lines]))
    docs = []
    for i, ln in enumerate(lines):
        try:
            d = json.loads(ln)
        except ValueError as e:
            fail("jsonl line %d is not JSON (%s): %r" % (i + 1, e, ln[:200]))
        if not isinstance(d, dict):
            fail("jsonl line %d is not an object" % (i + 1))
        validate_doc(d, "jsonl line %d" % (i + 1))
        docs.append(d)
    assert_eq([d["target"] for d in docs], want_targets, "jsonl targets, in order")
    return docs


def test_jsonl_one_document_per_line_in_order():
    r = run(*lab_args("-f", "jsonl", "-c", "cname", *TARGETS))
    docs = _jsonl(r, TARGETS)
    assert_exit(r, 1)
    assert_eq([d["status"] for d in docs], ["pass", "warn", "pass"], "jsonl statuses")


def test_jsonl_single_target():
    r = run(*lab_args("-f", "jsonl", "-c", "cname", "cloud.test"))
    _jsonl(r, ["cloud.test"])
    assert_exit(r, 0)


DOMAINS_FILE = """# lab domains for exprobe
cloud.test

   mxmixed.test   # on-prem backup MX
\t
# onprem.test is healthy
onprem.test
"""


def test_domains_file_comments_and_blank_lines():
    d = tempfile.mkdtemp(prefix="exprobe-it-")
    try:
        path = os.path.join(d, "domains.txt")
        with open(path, "w") as fh:
            fh.write(DOMAINS_FILE)
        r = run(*lab_args("-f", "jsonl", "-c", "cname", "--domains-file", path))
        _jsonl(r, TARGETS)
        assert_exit(r, 1)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_domains_file_stdin():
    r = run(*lab_args("-f", "jsonl", "-c", "cname", "--domains-file", "-"),
            stdin=DOMAINS_FILE)
    _jsonl(r, TARGETS)
    assert_exit(r, 1)


def test_domains_file_crlf():
    r = run(*lab_args("-f", "jsonl", "-c", "cname", "--domains-file", "-"),
            stdin=DOMAINS_FILE.replace("\n", "\r\n"))
    _jsonl(r, TARGETS)


def test_domains_file_bad_line_is_reported_not_fatal():
    # Issue "batch runs that survive one bad line": the line is named on
    # stderr and becomes an unknown document (DOMAIN_INVALID); the rest run.
    r = run(*lab_args("-c", "cname", "-f", "jsonl", "--domains-file", "-"),
            stdin="cloud.test\nbad..domain\n")
    assert_exit(r, 3)
    if "-:2:" not in r.err or "bad..domain" not in r.err:
        fail("stderr does not name the bad line: %r" % r.err)
    docs = [json.loads(l) for l in r.out.splitlines() if l.strip()]
    assert_eq([d["status"] for d in docs], ["pass", "unknown"], "statuses")


def test_email_target():
    r, doc = probe("admin@cloud.test", checks="cname")
    validate_doc(doc, "admin@cloud.test")
    assert_eq(doc.get("target"), "cloud.test", "target of admin@cloud.test")
    assert_eq(doc.get("email"), "admin@cloud.test", "email of admin@cloud.test")
    assert_exit(r, 0)


def test_domain_target_has_no_email():
    _, doc = probe("cloud.test", checks="cname")
    if doc.get("email") not in (None, ""):
        fail("a domain target has email %r" % doc.get("email"))


def test_trailing_dot_and_case_normalised():
    r, doc = probe("Cloud.TEST.", checks="cname")
    assert_eq(doc.get("target"), "cloud.test", "target of 'Cloud.TEST.'")
    assert_exit(r, 0)


# ---------------------------------------------------------------- hostile bytes

C0_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]")


def test_txtmangled_json_valid_utf8():
    for fmt in ("json", "jsonl"):
        r = run(*lab_args("-c", LAB_CHECKS, "-f", fmt, "txtmangled.test"))
        try:
            text = r.out_bytes.decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            fail("-f %s output is not valid UTF-8: %s" % (fmt, e))
        try:
            doc = json.loads(text)     # strict: raw control characters rejected
        except ValueError as e:
            fail("-f %s output is not valid JSON: %s" % (fmt, e))
        validate_doc(doc, "txtmangled.test -f %s" % fmt)
        assert_exit(r, 0)


def test_txtmangled_json_keeps_printable_data():
    # Quotes and backslashes are data, to be escaped, not dropped; the long
    # TXT record is there (at least its first part).
    _, doc = probe("txtmangled.test", checks="cname")
    blob = json.dumps(doc, ensure_ascii=False)
    details = " ".join(s["detail"] for c in doc["checks"] for s in _steps(c["steps"]))
    # Either the raw data or its zone-file presentation form (dig style).
    if 'quote"back\\slash\\' not in details and \
            'quote\\"back\\\\slash\\\\' not in details:
        fail("TXT quote/backslash record not found in step details: %s"
             % [s for s in details.split("\n") if "quote" in s])
    if "long-txt-part-1" not in blob:
        fail("long TXT record missing from the document")


def _steps(steps):
    for s in steps:
        yield s
        yield from _steps(s.get("steps") or [])


def test_txtmangled_text_has_no_control_bytes():
    for extra in ([], ["-v"]):
        r = run(*lab_args("-f", "text", *extra, "txtmangled.test"))
        try:
            text = r.out_bytes.decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            fail("-f text %s output is not valid UTF-8: %s" % (" ".join(extra), e))
        if b"\x1b" in r.out_bytes:
            i = r.out_bytes.index(b"\x1b")
            fail("-f text %s output has a raw ESC byte: %r"
                 % (" ".join(extra), r.out_bytes[max(0, i - 40):i + 20]))
        m = C0_BUT_NEWLINE.search(text)
        if m:
            i = m.start()
            fail("-f text %s output has control character %r: %r"
                 % (" ".join(extra), m.group(0), text[max(0, i - 40):i + 20]))
        if r.code == 3:
            fail("txtmangled.test refused: %s" % r.describe())


def test_text_no_color_when_not_a_tty():
    r = run(*lab_args("-f", "text", "mxmixed.test"))
    if b"\x1b" in r.out_bytes:
        fail("colour escape in text output to a pipe")


# ---------------------------------------------------------------- -o FILE

def _normal(v):
    """Strip what differs between two runs: times, durations, TTLs, and the
    order of records in an RRset (the name server rotates it)."""
    if isinstance(v, dict):
        return {k: _normal(x) for k, x in v.items()
                if k not in ("started_at", "duration_ms", "elapsed_ms")}
    if isinstance(v, list):
        items = [_normal(x) for x in v]
        if all(isinstance(x, str) for x in items):
            items.sort()
        return items
    if isinstance(v, str):
        v = re.sub(r"\d+ ms\b", "N ms", v)
        v = re.sub(r"(\S\.) \d+ ([A-Z]+ )", r"\1 TTL \2", v)
        return "\n".join(sorted(v.split("\n")))
    return v


def _normal_text(b):
    """Text report lines, digits masked, in sorted order (see _normal)."""
    return sorted(re.sub(rb"\d+", b"N", b).split(b"\n"))


def test_output_file_same_as_stdout():
    d = tempfile.mkdtemp(prefix="exprobe-it-")
    try:
        out = os.path.join(d, "report.json")
        with open(out, "w") as fh:
            fh.write("old content, must be replaced\n")
        args = lab_args("-f", "json", "-c", "cname", "mxmixed.test")
        r_file = run(*(args[:-1] + ["-o", out, args[-1]]))
        r_std = run(*args)
        assert_exit(r_file, r_std.code)
        if r_file.out_bytes:
            fail("-o FILE also wrote to stdout: %r" % r_file.out[:200])
        left = sorted(os.listdir(d))
        if left != ["report.json"]:
            fail("-o left other files beside the report: %s" % left)
        with open(out, "rb") as fh:
            data = fh.read()
        try:
            from_file = json.loads(data.decode("utf-8"))
        except ValueError as e:
            fail("-o file is not JSON (%s): %r" % (e, data[:200]))
        validate_doc(from_file, "-o file")
        if _normal(from_file) != _normal(parse_json(r_std)):
            fail("-o file differs from stdout:\nfile:   %s\nstdout: %s"
                 % (json.dumps(_normal(from_file))[:400],
                    json.dumps(_normal(parse_json(r_std)))[:400]))
        if not data.endswith(b"\n"):
            fail("-o file does not end with a newline")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_file_text_and_jsonl():
    d = tempfile.mkdtemp(prefix="exprobe-it-")
    try:
        for fmt in ("text", "jsonl"):
            out = os.path.join(d, "report." + fmt)
            args = lab_args("-f", fmt, "-c", "cname", "cloud.test", "mxmixed.test")
            r_file = run(*(["-o", out] + args))
            r_std = run(*args)
            assert_exit(r_file, 1)
            with open(out, "rb") as fh:
                data = fh.read()
            if fmt == "jsonl":
                same = [_normal(json.loads(ln)) for ln in data.splitlines()] == \
                    [_normal(json.loads(ln)) for ln in r_std.out_bytes.splitlines()]
            else:
                same = _normal_text(data) == _normal_text(r_std.out_bytes)
            if not same:
                fail("-o (-f %s) file differs from stdout:\nfile:   %r\nstdout: %r"
                     % (fmt, data[:300], r_std.out_bytes[:300]))
            if b"\x1b" in data:
                fail("-o (-f %s) file has colour escapes" % fmt)
        left = sorted(os.listdir(d))
        if left != ["report.jsonl", "report.text"]:
            fail("-o left other files: %s" % left)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_file_missing_directory():
    d = tempfile.mkdtemp(prefix="exprobe-it-")
    try:
        out = os.path.join(d, "no", "such", "dir", "report.json")
        r = run(*lab_args("-f", "json", "-c", "cname", "-o", out, "cloud.test"))
        assert_usage_error(r, mention=out)
        if os.listdir(d):
            fail("-o into a missing directory created %s" % os.listdir(d))
    finally:
        shutil.rmtree(d, ignore_errors=True)
