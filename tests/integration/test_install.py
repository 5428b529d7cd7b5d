"""make install (binary, man page, bash/zsh completions, schema) and the
JSON schema in the repository, checked against real lab reports."""

import json
import os
import subprocess
import tempfile

from harness import (EXPROBE, ROOT, assert_eq, assert_true, fail, lab_args, lab_dir, parse_json,
                     run)

SCHEMA = os.path.join(ROOT, "schema", "exprobe.schema.json")


def _validator():
    try:
        import jsonschema
    except ImportError:
        fail("python3-jsonschema is missing (scripts/deps all installs it)")
    with open(SCHEMA) as fp:
        schema = json.load(fp)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_lab_reports_match_the_schema():
    v = _validator()
    ca = ["--ca-file", os.path.join(lab_dir(), "certs", "ca.pem")]
    runs = [
        lab_args("-f", "json", *ca, "--dnsbl", "list.dnsbl.test", "hybrid.test"),
        lab_args("-f", "json", *ca, "--preflight", "lyncdead.test", "mxmixed.test"),
        lab_args("-f", "json", "-c", "cname", "--ignore", "MX_MIXED", "mxmixed.test"),
        lab_args("-f", "json", "nxdomain-typo.test"),
    ]
    for args in runs:
        doc = parse_json(run(*args))
        errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            fail("%s: %s at %s" % (" ".join(args), e.message, "/".join(map(str, e.path))))


def test_make_install_puts_everything_in_place():
    with tempfile.TemporaryDirectory() as d:
        build = os.path.dirname(EXPROBE)
        r = subprocess.run(["make", "-s", "-C", ROOT, "install", "DESTDIR=" + d, "PREFIX=/usr",
                            "BUILD=" + build], capture_output=True, text=True)
        if r.returncode != 0:
            fail("make install failed: %s" % r.stderr[-800:])
        for rel in ("usr/bin/exprobe", "usr/share/man/man1/exprobe.1",
                    "usr/share/bash-completion/completions/exprobe",
                    "usr/share/zsh/site-functions/_exprobe",
                    "usr/share/doc/exprobe/exprobe.schema.json"):
            assert_true(os.path.isfile(os.path.join(d, rel)), "installed %s" % rel)


def _complete(line):
    """What bash completes for the last word of line, with our script."""
    words = line.split(" ")
    script = ('source /usr/share/bash-completion/bash_completion; '
              'source %s; PATH=%s:$PATH; COMP_WORDS=(%s); COMP_CWORD=%d; '
              'COMP_LINE="%s"; COMP_POINT=${#COMP_LINE}; _exprobe; '
              'printf "%%s\\n" "${COMPREPLY[@]}"'
              % (os.path.join(ROOT, "completions", "exprobe.bash"), os.path.dirname(EXPROBE),
                 " ".join("'%s'" % w for w in words), len(words) - 1, line))
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    return sorted(x for x in r.stdout.split("\n") if x)


def test_bash_completion_knows_checks_formats_and_options():
    if not os.path.exists("/usr/share/bash-completion/bash_completion"):
        fail("bash-completion is missing (scripts/deps all installs it)")
    assert_eq(_complete("exprobe -c cn"), ["cname"], "check id completion")
    assert_eq(_complete("exprobe -c cname,-ly"), ["cname,-lync"], "-ID completion after a comma")
    assert_eq(_complete("exprobe -f js"), ["json", "jsonl"], "format completion")
    opts = _complete("exprobe --base")
    assert_eq(opts, ["--baseline"], "option completion from --help")
