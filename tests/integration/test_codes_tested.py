"""Every finding code is tested (issue 11): each code of the code table
(probes/codes.c, or include/xp_codes_table.h where the rows live) is
mentioned by some unit, integration or TUI test in a line that does more
than assert its absence. The catalogues that list every code (harness.py's
SPEC list, test_docs.py, tests/unit/test_codes.c) do not count.

A code that cannot be produced in the lab goes into EXCEPTIONS below, with
the reason; an exception that is no longer needed, or names no code, fails
too, so the table stays true."""

import os
import re

from harness import ROOT, assert_true, fail

# code -> why no test produces it (the one table of justified exceptions)
EXCEPTIONS = {
    "CONNECTOR_CERT_RENEWAL":
        "needs an MX certificate issued by a rotating public CA intermediate (Let's Encrypt "
        "R10/R11, Google Trust Services WR1...): the lab issues from its own CA only; the "
        "judgement (xp_cert_rotating_issuer) is unit-tested in tests/unit/test_cert.c "
        "(rotating_issuer__lets_encrypt_r11__family) and the <I><S> path is exercised in "
        "test_smtp.py (no finding for the lab's issuer)",
}

# Files that list codes without testing them.
CATALOGUES = {"harness.py", "test_docs.py", "test_codes.c", os.path.basename(__file__)}
# A line that only says the code must NOT be there.
ABSENCE = re.compile(r"assert_no_code|assert_none_of|not in |NOT_EXPECTED")


def table_codes():
    codes = set()
    for rel in ("probes/codes.c", "include/xp_codes_table.h"):
        path = os.path.join(ROOT, rel)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as fp:
            for line in fp:
                m = re.match(r"\s*CODE\(([A-Z][A-Z0-9_]+),", line)
                if m:
                    codes.add(m.group(1))
    assert_true(len(codes) > 50, "code table not found (%d codes)" % len(codes))
    return codes


def _test_sources():
    for sub, ext in (("tests/integration", ".py"), ("tests/unit", ".c"), ("tests/tui", ".py")):
        d = os.path.join(ROOT, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(ext) and name not in CATALOGUES:
                yield os.path.join(d, name)


def tested_codes(codes):
    seen = set()
    word = re.compile(r"\b[A-Z][A-Z0-9_]{3,}\b")
    for path in _test_sources():
        with open(path, encoding="utf-8", errors="replace") as fp:
            for line in fp:
                if ABSENCE.search(line):
                    continue
                seen.update(w for w in word.findall(line) if w in codes)
    return seen


def test_every_code_is_tested():
    codes = table_codes()
    tested = tested_codes(codes)
    missing = sorted(codes - tested - set(EXCEPTIONS))
    if missing:
        fail("finding codes no test produces (add a lab case and a test, or a justified row "
             "in EXCEPTIONS of %s): %s" % (os.path.basename(__file__), ", ".join(missing)))


def test_exceptions_are_still_needed():
    codes = table_codes()
    tested = tested_codes(codes)
    for code, why in EXCEPTIONS.items():
        assert_true(code in codes, "EXCEPTIONS names %s, which is not in the code table" % code)
        assert_true(code not in tested, "%s is tested now: drop it from EXCEPTIONS" % code)
        assert_true(len(why) > 40, "%s: the exception needs its reason" % code)
