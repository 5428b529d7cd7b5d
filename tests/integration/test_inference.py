"""Deployment inference from every signal (SPEC v2, issue 11): MX,
Autodiscover A/CNAME/SRV, the SPF include, the MS= TXT, lyncdiscover, the DKIM
selector CNAMEs into a Microsoft 365 tenant; the
evidence is listed in CNAME_DEPLOYMENT; --preflight takes hybrid unless
--expect says otherwise; SRV-only Autodiscover is published."""

from harness import (assert_code, assert_eq, assert_exit, assert_no_code, assert_true,
                     findings, lab_args, parse_json, probe, run)


def deployment(doc):
    f = findings(doc, "CNAME_DEPLOYMENT")
    assert_true(len(f) == 1, "one CNAME_DEPLOYMENT expected: %r" % f)
    return f[0]["evidence"]


def test_onprem_mx_and_autodiscover_with_office365_records_is_hybrid():
    r, doc = probe("infer-hybrid11.test", checks="cname")
    ev = deployment(doc)
    assert_eq((ev["deployment"], ev["source"]), ("hybrid", "inferred"), "deployment")
    sig = " | ".join(ev["signals"])
    for want in ("autodiscover.infer-hybrid11.test to an on-premises host",
                 "SPF includes spf.protection.outlook.com", "MS= verification TXT record",
                 "MX of infer-hybrid11.test"):
        assert_true(want in sig, "signal %r missing: %s" % (want, sig))
    assert_code(doc, "CNAME_OK", r=r)


def test_autodiscover_to_office365_is_cloud_unless_preflight():
    # Autodiscover CNAMEd to Office 365 is a cloud tenant's (one finding:
    # its MX); taken as hybrid (--preflight) the same record is the fault.
    r, doc = probe("infer-cloudad11.test", checks="cname")
    assert_eq(deployment(doc)["deployment"], "cloud", "deployment")
    assert_code(doc, "MX_NOT_EXO", count=1, r=r)
    assert_no_code(doc, "CNAME_WRONG_TARGET", r=r)
    r = run(*lab_args("-f", "json", "-c", "cname", "--preflight", "infer-cloudad11.test"))
    doc = parse_json(r)
    assert_eq(deployment(doc)["deployment"], "hybrid", "deployment with --preflight")
    f = assert_code(doc, "CNAME_WRONG_TARGET", severity="fail", count=1, r=r)[0]
    assert_true("autodiscover" in f["message"], f["message"])
    assert_no_code(doc, "MX_NOT_EXO", r=r)
    assert_exit(r, 2)


def test_filtering_service_mx_stays_cloud():
    # A filtering service's MX lives in its own domain: still cloud-only.
    r, doc = probe("infer-gateway11.test", checks="cname")
    assert_eq(deployment(doc)["deployment"], "cloud", "deployment")
    assert_no_code(doc, "CNAME_WRONG_TARGET", r=r)


def test_healthy_lab_domains_keep_their_kind():
    for dom, kind in (("cloud.test", "cloud"), ("hybrid.test", "hybrid"),
                      ("onprem.test", "onprem")):
        r, doc = probe(dom, checks="cname")
        assert_eq(deployment(doc)["deployment"], kind, dom)
        assert_code(doc, "CNAME_OK", r=r)


def test_srv_only_autodiscover_is_published():
    r, doc = probe("srvonly11.test", checks="cname")
    assert_no_code(doc, "CNAME_MISSING", r=r)
    assert_code(doc, "CNAME_OK", r=r)
    assert_exit(r, 0)
    assert_true(any("_autodiscover._tcp" in s for s in deployment(doc)["signals"]),
                "the SRV signal is not listed")


def test_preflight_takes_hybrid_without_expect():
    # The broken hybrid that looks cloud-only: with --preflight it is judged
    # as hybrid, its Autodiscover CNAME blocks, and the exit status says so.
    r = run(*lab_args("-f", "json", "-c", "cname", "--preflight", "hybridcloudad.test"))
    doc = parse_json(r)
    ev = deployment(doc)
    assert_eq((ev["deployment"], ev["source"]), ("hybrid", "preflight"), "deployment")
    assert_code(doc, "CNAME_WRONG_TARGET", r=r)
    assert_true(doc["preflight"]["ready"] is False, "verdict %r" % doc["preflight"])
    assert_exit(r, 2)


def test_preflight_respects_expect():
    r = run(*lab_args("-f", "json", "-c", "cname", "--preflight", "--expect",
                      "fixtures/dns/expect/cloud.conf", "cloud.test"))
    doc = parse_json(r)
    assert_eq(deployment(doc)["source"], "expect", "source")
    assert_eq(deployment(doc)["deployment"], "cloud", "deployment")


def test_spf_missing_onprem_fix_has_no_office365_include():
    r, doc = probe("onprem.test", checks="cname")
    for f in findings(doc, "SPF_MISSING"):
        assert_true("spf.protection.outlook.com" not in (f["remediation"] or ""),
                    "on-premises SPF fix proposes Exchange Online: %r" % f["remediation"])


def test_dkim_cnames_into_a_tenant_make_it_hybrid():
    # infer-dkim11.test: on-premises MX and autodiscover, no SPF include, no
    # MS= TXT; only the DKIM selector CNAMEs say Exchange Online signs for it.
    r, doc = probe("infer-dkim11.test", checks="cname")
    ev = deployment(doc)
    assert_eq((ev["deployment"], ev["source"]), ("hybrid", "inferred"), "deployment")
    sig = [s for s in ev["signals"] if "_domainkey" in s]
    assert_eq(sig, ["selector1._domainkey.infer-dkim11.test DKIM CNAME into the Microsoft 365 "
                    "tenant contoso14.onmicrosoft.com"], "DKIM signal (one per tenant)")
    # Judged as hybrid: mail Exchange Online sends needs the SPF include.
    assert_code(doc, "SPF_MISSING_INCLUDE", count=1, r=r)


def test_no_dkim_cnames_stays_onprem():
    # The healthy counterpart: onprem.test publishes no DKIM CNAME (its DKIM
    # is on-premises): still on-premises, no DKIM signal, CNAME_OK.
    r, doc = probe("onprem.test", checks="cname")
    ev = deployment(doc)
    assert_eq(ev["deployment"], "onprem", "deployment")
    assert_true(not any("_domainkey" in s for s in ev["signals"]), ev["signals"])
    assert_code(doc, "CNAME_OK", r=r)
