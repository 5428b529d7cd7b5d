"""The documentation names every finding code the binary can emit: the man
page and the README are where users look codes up (SPEC: codes are the
contract), so a code added without them is a test failure."""

import os
import re

from harness import fail

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _codes():
    with open(os.path.join(ROOT, "include", "xp_codes.h")) as f:
        src = f.read()
    codes = re.findall(r"X\((\w+)\)", src.split("enum xp_code")[0])
    if len(codes) < 40:
        fail("could not read the code list from include/xp_codes.h (%d codes)" % len(codes))
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
