"""Today's Microsoft 365 record set in cname (issue 14): the verification MX
left over (reported, never dialled, never MX_MIXED), --expect cloud =
21vianet, Intune / Entra CNAMEs with --expect intune = yes, SPF advice that
never flattens Exchange Online's include. Zones verifmx14.test,
vianet14.test (+ partner.outlook.cn), intune14.test, teams14.test."""

from harness import (assert_code, assert_eq, assert_exit, assert_no_code, assert_no_problems,
                     assert_problem_shape, fail, findings, probe, run, lab_args)


def test_verification_mx_leftover_info_only():
    r, doc = probe("verifmx14.test", checks="cname")
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    f = assert_code(doc, "VERIFICATION_MX_LEFTOVER", severity="info", check_id="cname",
                    count=1, r=r)[0]
    assert_eq((f.get("evidence") or {}).get("record"), "ms12345678.msv1.invalid", "record")
    if "Delete verifmx14.test. MX 32767 ms12345678.msv1.invalid." not in f["remediation"]:
        fail("the fix should say delete it: %r" % f["remediation"])
    assert_no_code(doc, "MX_MIXED", r=r)
    assert_code(doc, "CNAME_OK", check_id="cname", count=1, r=r)


def test_verification_mx_never_dialled():
    r, doc = probe("verifmx14.test", checks="smtp,dnsbl")
    for f in findings(doc, check_id="smtp"):
        if "msv1.invalid" in str(f):
            fail("smtp judged the verification MX: %s %s" % (f["code"], f["message"]))
    assert_no_code(doc, "SMTP_DNS_ERROR", r=r)
    assert_code(doc, "SMTP_OK", check_id="smtp", r=r)


def test_21vianet_with_expect_cloud():
    r, doc = probe("vianet14.test", checks="cname", expect="vianet14")
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    assert_code(doc, "CNAME_OK", check_id="cname", count=1, r=r)


def test_21vianet_judged_as_worldwide_without_expect():
    r, doc = probe("vianet14.test", checks="cname")
    assert_code(doc, "CNAME_MSOID", check_id="cname", count=1, r=r)
    f = assert_code(doc, "SPF_MISSING_INCLUDE", check_id="cname", count=1, r=r)[0]
    assert_problem_shape(f, doc)


def test_21vianet_msoid_required():
    r, doc = probe("intune14.test", checks="cname", expect="vianet14")
    f = [g for g in findings(doc, "CNAME_MISSING") if "msoid" in g["message"]]
    if len(f) != 1 or "clientconfig.partner.microsoftonline-p.net.cn" not in f[0]["remediation"]:
        fail("msoid is required for 21Vianet: %r" % findings(doc, check_id="cname"))


def test_intune_cnames():
    r, doc = probe("intune14.test", checks="cname", expect="intune14")
    assert_exit(r, 0)
    assert_no_problems(doc, r)
    r, doc = probe("teams14.test", checks="cname", expect="intune14")
    assert_exit(r, 1)
    fs = assert_code(doc, "CNAME_INTUNE_MISSING", severity="warn", check_id="cname", count=2,
                     r=r)
    fixes = " ".join(f["remediation"] for f in fs)
    for want in ("enterpriseregistration.teams14.test. 3600 IN CNAME "
                 "enterpriseregistration.windows.net.",
                 "enterpriseenrollment.teams14.test. 3600 IN CNAME "
                 "enterpriseenrollment.manage.microsoft.com."):
        if want not in fixes:
            fail("fix should contain %r: %r" % (want, fixes))
    # not asked without intune = yes
    r, doc = probe("teams14.test", checks="cname")
    assert_no_code(doc, "CNAME_INTUNE_MISSING", r=r)


def test_spf_advice_never_flattens_exchange_online():
    r, doc = probe("spflimit.test", checks="cname", expect="cloud")
    f = assert_code(doc, "SPF_TOO_MANY_LOOKUPS", check_id="cname", count=1, r=r)[0]
    fix = f["remediation"].lower()
    if "subdomain" not in fix or "never copy include:spf.protection.outlook.com" not in fix:
        fail("SPF_TOO_MANY_LOOKUPS fix should suggest subdomains and exempt the EXO "
             "include: %r" % f["remediation"])
    r = run("--explain", "SPF_TOO_MANY_LOOKUPS")
    if "Flatten the SPF record" in r.out:
        fail("--explain still suggests flattening: %r" % r.out)


def test_expect_cloud_and_lync_values_checked():
    import os
    import tempfile
    for line, ok in (("cloud = gcchigh", True), ("cloud = mars", False), ("lync = none", True),
                     ("lync = teamsonly", False), ("intune = maybe", False),
                     ("federation = yes", True), ("dkim_selectors = s1, s2", True),
                     ("dkim_selectors = a b@c", False), ("tenant = contoso.onmicrosoft.com", True),
                     ("tenant = contoso.example.com", False)):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as fh:
            fh.write(line + "\n")
            path = fh.name
        try:
            r = run(*lab_args("-c", "cname", "--expect", path, "cloud.test"))
            if ok and r.code == 3:
                fail("%r refused: %s" % (line, r.err))
            if not ok and (r.code != 3 or ":1:" not in r.err):
                fail("%r accepted (exit %s, %r)" % (line, r.code, r.err))
        finally:
            os.unlink(path)
