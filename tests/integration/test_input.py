"""Hostile input files and targets: --domains-file lines over the limit are
an error naming FILE:LINE (never split into a second target), a size limit
ends /dev/zero at once, directories and binary files are named; an e-mail
local part with control bytes is refused with an escaped one-line error;
a UTF-8 local part survives into valid JSON and JUnit."""

import json
import os
import shutil
import tempfile
import xml.dom.minidom

from harness import (assert_exit, assert_usage_error, fail, lab_args, parse_json, run)


def _scratch():
    return tempfile.mkdtemp(prefix="exprobe-in-")


def test_domains_file_long_line_is_an_error_not_a_second_target():
    d = _scratch()
    try:
        path = os.path.join(d, "domains.txt")
        with open(path, "w") as fh:
            fh.write("cloud.test\n# " + "x" * 1100 + " evil.example\n")
        r = run(*lab_args("-c", "cname", "--domains-file", path))
        line = assert_usage_error(r, mention="%s:2:" % path)
        if "1023" not in line:
            fail("the limit is not named: %r" % line)
        with open(path, "w") as fh:
            fh.write("cloud.test\n# " + "x" * 1000 + "\n")     # under the limit: fine
        r = run(*lab_args("-f", "json", "-c", "cname", "--domains-file", path))
        assert_exit(r, 0)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_domains_file_dev_zero_ends_at_once():
    r = run(*lab_args("-c", "cname", "--domains-file", "/dev/zero"), timeout=10)
    assert_usage_error(r, mention="/dev/zero:1:")


def test_domains_file_size_limit():
    d = _scratch()
    try:
        path = os.path.join(d, "huge.txt")
        with open(path, "w") as fh:
            fh.write("# padding\n" * 500000)                  # 5 MB of comments
        r = run(*lab_args("-c", "cname", "--domains-file", path), timeout=20)
        assert_usage_error(r, mention=path)
        if "MiB" not in r.err:
            fail("the size limit is not named: %r" % r.err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_domains_file_directory_and_binary_named():
    d = _scratch()
    try:
        r = run(*lab_args("-c", "cname", "--domains-file", d))
        assert_usage_error(r, mention=d)
        if "directory" not in r.err:
            fail("a directory is not named as such: %r" % r.err)
        path = os.path.join(d, "bin")
        with open(path, "wb") as fh:
            fh.write(b"cloud.test\n\x7fELF\x02\x01\x01\x9b\xff\n")
        r = run(*lab_args("-c", "cname", "--domains-file", path))
        assert_usage_error(r, mention="%s:2:" % path)
        if "binary" not in r.err or "\x9b" in r.err or "\x1b" in r.err:
            fail("a binary file is not named as such (or raw bytes shown): %r" % r.err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_domains_file_bom_and_crlf_accepted():
    d = _scratch()
    try:
        path = os.path.join(d, "win.txt")
        with open(path, "wb") as fh:
            fh.write(b"\xef\xbb\xbfcloud.test\r\n")
        r = run(*lab_args("-f", "json", "-c", "cname", "--domains-file", path))
        assert_exit(r, 0)
        if parse_json(r)["target"] != "cloud.test":
            fail("BOM line read as %r" % parse_json(r)["target"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_email_local_part_control_bytes_refused_escaped():
    for bad in (b"us\x9ber@cloud.test", b"a\x1b[2Jb@cloud.test", b"us\xc2\x9ber@cloud.test"):
        r = run(*lab_args("-c", "cname", os.fsdecode(bad)))
        assert_usage_error(r, mention="\\x")
        if b"\x9b" in r.err_bytes or b"\x1b" in r.err_bytes:
            fail("raw control byte echoed to the terminal: %r" % r.err_bytes)


def test_email_utf8_local_part_valid_json_and_junit():
    target = "j\u00fcrgen@cloud.test"
    r = run(*lab_args("-f", "json", "-c", "cname", target))
    assert_exit(r, 0)
    doc = parse_json(r)
    if doc.get("email") != target:
        fail("JSON email key is %r, expected %r" % (doc.get("email"), target))
    r = run(*lab_args("-f", "junit", "-c", "cname", target))
    try:
        xml.dom.minidom.parseString(r.out_bytes)
    except Exception as e:  # noqa: BLE001 - any parse error is the failure
        fail("JUnit for a UTF-8 local part is not well-formed XML: %s" % e)
    json.dumps(doc)
