"""Parser quirks a demanding user meets: whole option names only, did-you-
mean, formats in any case, spaces in -c lists, duplicate --expect keys,
empty --hosts, addresses with two '@' or a mailto: prefix."""

import os
import tempfile

from harness import assert_exit, assert_usage_error, lab_args, parse_json, run


def test_abbreviated_long_option_is_refused_with_the_whole_name():
    assert_usage_error(run("--domain", "x.txt", "cloud.test"), mention="--domains-file")


def test_unknown_option_suggests_the_nearest():
    assert_usage_error(run("--dns-servers", "127.0.0.1", "cloud.test"), mention="--dns-server?")
    assert_usage_error(run("--pre-flight", "cloud.test"), mention="--preflight?")
    assert_usage_error(run("--json", "cloud.test"), mention="-f json")


def test_option_values_are_not_taken_for_options():
    # A value that looks like an option is the previous option's value.
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "--weird")
        with open(p, "w") as fp:
            fp.write("deployment = cloud\n")
        r = run(*lab_args("-f", "json", "-c", "cname", "--expect", p, "cloud.test"))
        assert_exit(r, 0)


def test_format_any_case_and_spaces_in_checks():
    r = run(*lab_args("-f", "JSON", "-c", "cname, lync", "cloud.test"))
    doc = parse_json(r)
    if sorted(c["id"] for c in doc["checks"]) != ["cname", "lync"]:
        raise AssertionError("checks: %s" % [c["id"] for c in doc["checks"]])


def test_duplicate_expect_key_names_both_lines():
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "e.conf")
        with open(p, "w") as fp:
            fp.write("deployment = hybrid\n# x\ndeployment = cloud\nhosts = a.test\nhosts = b.test\n")
        assert_usage_error(run("--expect", p, "cloud.test"), mention="%s:3:" % p)
        r = run("--expect", p, "cloud.test")
        if "line 1" not in r.err:
            raise AssertionError("the first line is named: %r" % r.err)


def test_empty_hosts_refused():
    assert_usage_error(run("--hosts", "", "cloud.test"), mention="--hosts")
    assert_usage_error(run("--hosts", " , ", "cloud.test"), mention="--hosts")


def test_addresses_with_two_at_or_mailto_refused():
    assert_usage_error(run("a@b@cloud.test"), mention="more than one '@'")
    assert_usage_error(run("mailto:admin@cloud.test"), mention="mailto:")
