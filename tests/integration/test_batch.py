"""Batch runs that survive one bad line: --domains-file lines that are no
target are named on stderr (FILE:LINE) and reported as unknown documents
(DOMAIN_INVALID) while the other lines run; duplicates run once."""

import json
import os
import tempfile

from harness import assert_eq, assert_exit, assert_true, lab_args, parse_json, run


def _file(d, text):
    p = os.path.join(d, "domains.txt")
    with open(p, "w") as fp:
        fp.write(text)
    return p


def test_bad_line_reported_others_run():
    with tempfile.TemporaryDirectory() as d:
        p = _file(d, "cloud.test\nnot a domain!\n# comment\nonprem.test\n")
        r = run(*lab_args("-f", "jsonl", "-c", "cname", "--domains-file", p))
        docs = [json.loads(l) for l in r.out.splitlines() if l.strip()]
        assert_eq([x["target"] for x in docs], ["cloud.test", "not a domain!", "onprem.test"],
                  "documents, in file order")
        assert_eq([x["status"] for x in docs], ["pass", "unknown", "pass"], "statuses")
        bad = [f for c in docs[1]["checks"] for f in c["findings"]]
        assert_eq([f["code"] for f in bad], ["DOMAIN_INVALID"], "the bad line's one finding")
        assert_true(bad[0]["message"].startswith("--domains-file %s:2: " % p),
                    "FILE:LINE in the message: %r" % bad[0]["message"])
        assert_true(("%s:2:" % p) in r.err and len(r.err.strip().splitlines()) == 1,
                    "one stderr line naming FILE:LINE: %r" % r.err)
        assert_exit(r, 3)   # unknown is worse than pass: the batch is not all good
        # JSON (array) and JUnit carry it too.
        docs = parse_json(run(*lab_args("-f", "json", "-c", "cname", "--domains-file", p)))
        assert_eq([x["status"] for x in docs], ["pass", "unknown", "pass"], "-f json statuses")
        r = run(*lab_args("-f", "junit", "-c", "cname", "--domains-file", p))
        assert_true("DOMAIN_INVALID" in r.out and 'name="not a domain!"' in r.out,
                    "junit names the bad line's target")


def test_control_bytes_in_a_bad_line_are_escaped():
    with tempfile.TemporaryDirectory() as d:
        p = _file(d, "cloud.test\nbad\tname\\x.test\n")
        r = run(*lab_args("-f", "jsonl", "-c", "cname", "--domains-file", p))
        assert_true("\t" not in r.err, "stderr escapes control bytes: %r" % r.err)


def test_duplicates_run_once():
    with tempfile.TemporaryDirectory() as d:
        p = _file(d, "cloud.test\nCLOUD.TEST.\nonprem.test\ncloud.test\nadmin@cloud.test\n"
                     "admin@cloud.test\nonprem.test.\n")
        r = run(*lab_args("-f", "jsonl", "-c", "cname", "--domains-file", p))
        docs = [json.loads(l) for l in r.out.splitlines() if l.strip()]
        assert_eq([(x["target"], x.get("email")) for x in docs],
                  [("cloud.test", None), ("onprem.test", None), ("cloud.test", "admin@cloud.test")],
                  "each target once, in first-seen order (an address is its own target)")
        assert_exit(r, 0)
