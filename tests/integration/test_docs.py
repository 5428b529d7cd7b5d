"""The documentation names every finding code the binary can emit: the man
page and the README are where users look codes up (SPEC: codes are the
contract), so a code added without them is a test failure."""

import os
import re

import json

from harness import assert_exit, fail, lab_args, run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _codes():
    with open(os.path.join(ROOT, "include", "xp_codes_table.h")) as f:
        src = f.read()
    codes = re.findall(r"^CODE\((\w+),", src, re.M)
    if len(codes) < 40:
        fail("could not read the code rows from include/xp_codes_table.h (%d codes)"
             % len(codes))
    return codes


def _missing_in(path):
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    return [c for c in _codes() if not re.search(r"\b%s\b" % c, text)]


def test_man_page_lists_every_code():
    missing = _missing_in("exprobe.1")
    if missing:
        fail("exprobe.1 does not list: %s" % ", ".join(missing))


def test_readme_lists_every_code():
    missing = _missing_in("README.md")
    if missing:
        fail("README.md does not list: %s" % ", ".join(missing))


def _sections(path):
    """{check id: set of codes} from the docs' per-check code lists: README's
    table rows "| `check` | codes |", the man page's ".B check" paragraphs."""
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    out = {}
    if path.endswith(".md"):
        part = text.split("### Finding codes", 1)[1].split("\n## ", 1)[0]
        for m in re.finditer(r"^\| (?:`([a-z0-9]+)`|(run)-wide[^|]*) \| (.*) \|$", part, re.M):
            out[m.group(1) or m.group(2)] = set(
                re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", m.group(3)))
    else:
        part = text.split(".SH FINDING CODES", 1)[1].split("\n.SH ", 1)[0]
        for m in re.finditer(r"^\.B ([a-z0-9]+)(?:\\-wide)?\n(.*?)(?=^\.TP|\Z)", part,
                             re.M | re.S):
            out[m.group(1)] = set(re.findall(r"\b([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)\b",
                                             m.group(2)))
    if len(out) < 5:
        fail("%s: could not read its finding-code lists (%d checks)" % (path, len(out)))
    return out


def _explained_checks(code, cache={}):
    """The checks the binary's code table names for code (exprobe --explain)."""
    if code not in cache:
        r = run("--explain", code)
        if r.code != 0:
            cache[code] = None
        else:
            m = re.match(r"%s \(([a-z0-9,]+), (info|warn|unknown|fail)\): " % code, r.out)
            cache[code] = m.group(1).split(",") if m else []
    return cache[code]


def _docs_agree_with_binary(path):
    wrong = []
    for check_id, listed in sorted(_sections(path).items()):
        for code in sorted(listed):
            checks = _explained_checks(code)
            if checks is None:
                wrong.append("%s (under %s): exprobe --explain does not know it" % (code, check_id))
            elif check_id not in checks:
                wrong.append("%s listed under %s, but the code table says %s"
                             % (code, check_id, ",".join(checks)))
    if wrong:
        fail("%s disagrees with the code table:\n  %s" % (path, "\n  ".join(wrong)))


def test_man_page_code_lists_match_the_code_table():
    _docs_agree_with_binary("exprobe.1")


def test_readme_code_lists_match_the_code_table():
    _docs_agree_with_binary("README.md")


def test_explain_every_code():
    for code in _codes():
        r = run("--explain", code)
        assert_exit(r, 0)
        for part in ("%s (" % code, "\n  means:   "):
            if part not in r.out:
                fail("--explain %s lacks %r:\n%s" % (code, part, r.out))


def test_explain_unknown_code_one_line_exit_3():
    r = run("--explain", "NO_SUCH_CODE")
    assert_exit(r, 3)
    if r.out or r.err.count("\n") != 1 or "NO_SUCH_CODE" not in r.err:
        fail("want one line on stderr naming the code, got out=%r err=%r" % (r.out, r.err))


def test_explain_any_letter_case():
    r = run("--explain", "smtp_no_starttls")
    assert_exit(r, 0)
    if not r.out.startswith("SMTP_NO_STARTTLS ("):
        fail("--explain smtp_no_starttls: %r" % r.out[:200])


def test_architecture_names_every_check_and_module():
    """ARCHITECTURE.md stays true: every check of the registry (from --help)
    and every module of probes/ is placed in it."""
    with open(os.path.join(ROOT, "ARCHITECTURE.md")) as f:
        text = f.read()
    r = run("--help")
    m = re.search(r"^Checks \(all by default\): (\S+)$", r.out, re.M)
    if not m:
        fail("--help has no check list: %r" % r.out[:300])
    missing = ["check %s" % c for c in m.group(1).split(",") if "`%s`" % c not in text]
    for path in sorted(os.listdir(os.path.join(ROOT, "probes"))):
        if path.endswith(".c") and not path.startswith("check_") and path not in text:
            missing.append("probes/%s" % path)
    if missing:
        fail("ARCHITECTURE.md does not name: %s" % ", ".join(missing))


def test_preflight_judges_by_codes_and_facts_only():
    """report/preflight.c judges findings by code, severity and what the
    checks said they are about (enum xp_about), never by their evidence
    (ARCHITECTURE.md, "Facts, not strings"): a rule that needs more asks
    the check for another xp_about bit."""
    with open(os.path.join(ROOT, "report", "preflight.c")) as f:
        src = f.read()
    found = sorted(set(re.findall(r"->evidence|\bxp_ev_\w+|\bev_(?:find|str)\b", src)))
    if found:
        fail("report/preflight.c reads evidence: %s" % ", ".join(found))


def test_docs_describe_unknown_premises_and_preflight_exit():
    # Issue 11: README, man page and --help describe `unknown`, the premises
    # and --preflight's exit status.
    texts = {
        "README.md": open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
                     .replace("`", ""),
        "exprobe.1": open(os.path.join(ROOT, "exprobe.1"), encoding="utf-8").read()
                     .replace("\\-", "-"),
        "--help": run("--help").out,
    }
    for where, text in texts.items():
        for want in ("unknown", "RESOLVER_UNREACHABLE", "DOMAIN_NOT_FOUND", "not ready"):
            if want not in text:
                fail("%s does not mention %r" % (where, want))
        if "fail > unknown > warn" not in text and "fail, unknown, warn" not in text:
            fail("%s does not give the order fail > unknown > warn > pass" % where)


def test_docs_list_every_preflight_item_in_its_order():
    # The checklist's items (from a real --preflight document) are each
    # described, in the checklist's order, in README's table and in the man
    # page's PRE-FLIGHT section (issue 15: the 2026 items, the admin's order).
    r = run(*lab_args("-f", "json", "--preflight", "-c", "cname", "cloud.test"))
    ids = [i["id"] for i in json.loads(r.out)["preflight"]["items"]]
    if len(ids) < 10:
        fail("could not read the checklist's items: %s" % ids)
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    head = readme.find("| item (`id`) |")
    readme = readme[head:readme.index("\n\n", head)] if head >= 0 else ""
    man = open(os.path.join(ROOT, "exprobe.1"), encoding="utf-8").read()
    man = man[man.index(".SH PRE\\-FLIGHT"):man.index(".SH OUTPUT FORMATS")]
    where = {
        "README.md": [readme.find("| `%s` " % i) for i in ids],
        "exprobe.1 PRE-FLIGHT": [man.find("\n.B %s\n" % i) for i in ids],
    }
    for doc, pos in where.items():
        missing = [i for i, p in zip(ids, pos) if p < 0]
        if missing:
            fail("%s does not describe pre-flight item(s) %s" % (doc, ", ".join(missing)))
        if pos != sorted(pos):
            fail("%s lists the pre-flight items in another order than the checklist (%s)"
                 % (doc, ", ".join(ids)))
