"""--baseline FILE: what changed since a previous report (findings,
certificates, DNS answers), in JSON, text (also -q), JUnit; and stable JSON:
two runs against unchanged servers are identical once timing fields go."""

import json
import os
import re
import subprocess
import tempfile

from harness import (ROOT, assert_eq, assert_exit, assert_true, assert_usage_error, fail,
                     lab_args, parse_json, run)

# Several checks at once: DNS, HTTPS, SMTP with STARTTLS, certificates.
DOMAINS = ["hybrid.test", "onprem.test", "tmg.test", "lyncdead.test"]


def _ca():
    """The lab CA, wherever the lab keeps it (lab.sh ca says)."""
    ca = os.environ.get("LAB_CA") or subprocess.run(
        [os.path.join(ROOT, "tests", "lab", "lab.sh"), "ca"], capture_output=True,
        text=True).stdout.strip()
    return ["--ca-file", ca] if ca else []


def _strip_timing(v):
    if isinstance(v, dict):
        return {k: _strip_timing(x) for k, x in v.items()
                if k != "started_at" and not k.endswith("_ms")}
    if isinstance(v, list):
        return [_strip_timing(x) for x in v]
    return v


def test_two_runs_identical_but_for_timing_fields():
    args = lab_args("-f", "json", *_ca(), "--dnsbl", "list.dnsbl.test", *DOMAINS)
    a, b = parse_json(run(*args)), parse_json(run(*args))
    ja = json.dumps(_strip_timing(a), indent=1, sort_keys=True)
    jb = json.dumps(_strip_timing(b), indent=1, sort_keys=True)
    if ja != jb:
        import difflib
        diff = "\n".join(list(difflib.unified_diff(ja.splitlines(), jb.splitlines(),
                                                   lineterm="", n=1))[:40])
        fail("two runs differ outside timing fields:\n" + diff)
    # No measured time hides inside a string.
    for s in re.findall(r'"(?:detail|message)": "([^"]*)"', ja):
        assert_true(not re.search(r"\bin \d+ ms\b", s), "a timing inside a string: %r" % s)


def _baseline_from(doc, tmpdir):
    """Yesterday's report: today's, edited as if things had been different."""
    old = json.loads(json.dumps(doc))
    cert_done = dns_done = False

    def walk(steps):
        nonlocal cert_done, dns_done
        for s in steps:
            if not cert_done and s["title"].startswith("Certificate of ") and "sha256 " in s["detail"]:
                s["detail"] = re.sub(r"sha256 [0-9A-F:]+", "sha256 " + ":".join(["AA"] * 32),
                                     s["detail"])
                s["detail"] = re.sub(r"not after \S+", "not after 2026-01-01T00:00:00Z", s["detail"])
                cert_done = True
            if not dns_done and s["title"] == "MX hybrid.test":
                s["detail"] = "hybrid.test. 300 MX 10 old-mx.hybrid.test."
                dns_done = True
            walk(s["steps"])
    for c in old["checks"]:
        walk(c["steps"])
    assert_true(cert_done and dns_done, "the lab run has a certificate and an MX step")
    cname = [c for c in old["checks"] if c["id"] == "cname"][0]
    dropped = cname["findings"].pop(0)                    # -> finding_new today
    cname["findings"].append({"code": "SPF_MISSING", "severity": "fail",
                              "message": "No SPF record at hybrid.test", "evidence": {},
                              "remediation": "x"})        # -> finding_resolved today
    p = os.path.join(tmpdir, "yesterday.json")
    with open(p, "w") as fp:
        json.dump(old, fp)
    return p, dropped


def test_baseline_lists_new_resolved_cert_and_dns_changes():
    args = lab_args("-f", "json", *_ca(), "-c", "cname,smtp,cert", "hybrid.test")
    today = parse_json(run(*args))
    with tempfile.TemporaryDirectory() as d:
        p, dropped = _baseline_from(today, d)
        r = run(*(args[:-1] + ["--baseline", p, "hybrid.test"]))
        doc = parse_json(r)
        changes = doc.get("changes")
        if not isinstance(changes, list):
            fail("no changes list with --baseline: %s" % list(doc))
        kinds = sorted(c["kind"] for c in changes)
        assert_eq(kinds, ["cert_changed", "dns_changed", "finding_new", "finding_resolved"],
                  "kinds of change")
        by = {c["kind"]: c for c in changes}
        assert_eq(by["finding_new"]["code"], dropped["code"], "the new finding")
        assert_eq(by["finding_resolved"]["code"], "SPF_MISSING", "the resolved finding")
        cert = by["cert_changed"]
        assert_eq(cert["old"]["sha256"], ":".join(["AA"] * 32), "old fingerprint")
        assert_true(re.match(r"^[0-9A-F]{2}(:[0-9A-F]{2}){31}$", cert["new"]["sha256"]),
                    "new fingerprint %r" % cert["new"]["sha256"])
        assert_true(cert["new"]["not_after"] > "2026-01-01", "new expiry %r" % cert["new"])
        dns = by["dns_changed"]
        assert_eq(dns["subject"], "MX hybrid.test", "question of the DNS change")
        assert_eq(dns["old"], "hybrid.test. MX 10 old-mx.hybrid.test.", "old answer, TTL aside")
        assert_eq(doc["run"]["baseline"], p, "run.baseline")
        # Text: the changes after the target's checks; -q: only the changes.
        r = run(*(lab_args(*_ca(), "-c", "cname,smtp,cert", "--baseline", p, "hybrid.test")))
        assert_true("Changes since " + p + ": 4" in r.out, "text lists the changes:\n" + r.out)
        r = run(*(lab_args(*_ca(), "-q", "-c", "cname,smtp,cert", "--baseline", p,
                           "hybrid.test")))
        assert_true("Changes since" in r.out and "[PASS]" not in r.out and "MX records" not in r.out,
                    "-q --baseline shows only the changes:\n" + r.out)
        # JUnit carries them too.
        r = run(*(lab_args(*_ca(), "-f", "junit", "-c", "cname,smtp,cert", "--baseline", p,
                           "hybrid.test")))
        assert_true("Changes since" in r.out and "old-mx.hybrid.test" in r.out,
                    "junit names the changes:\n" + r.out[-1500:])


def test_baseline_unchanged_is_empty_and_jsonl_accepted():
    args = lab_args("-f", "jsonl", *_ca(), "-c", "cname,lync", "hybrid.test", "onprem.test")
    r = run(*args)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "b.jsonl")
        with open(p, "w") as fp:
            fp.write(r.out)
        r2 = run(*(args[:-2] + ["--baseline", p, "hybrid.test", "onprem.test", "cloud.test"]))
        docs = [json.loads(l) for l in r2.out.splitlines() if l.strip()]
        assert_eq([d["changes"] for d in docs[:2]], [[], []], "unchanged targets")
        assert_eq([c["kind"] for c in docs[2]["changes"]], ["target_new"], "a target not there before")


def test_baseline_bad_files_are_usage_errors():
    with tempfile.TemporaryDirectory() as d:
        assert_usage_error(run("--baseline", os.path.join(d, "none.json"), "cloud.test"),
                           mention="none.json")
        assert_usage_error(run("--baseline", d, "cloud.test"), mention="directory")
        p = os.path.join(d, "x.json")
        with open(p, "w") as fp:
            fp.write('{"hello": 1}\n')
        assert_usage_error(run("--baseline", p, "cloud.test"), mention="x.json")
