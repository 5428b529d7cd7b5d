"""One cause, one verdict, and the fix that follows from the evidence
(issue 11): the certificate's verdict where it is used (each check asked
alone), proxies' certificates judged, one finding per cause, fixes with
the real names."""

import os

from harness import (assert_code, assert_eq, assert_exit, assert_no_code, assert_status,
                     assert_true, check, findings, lab_dir, lab_args, parse_json, probe, run)


def ca():
    return os.path.join(lab_dir(), "certs", "ca.pem")


def only_problems(doc):
    return sorted(f["code"] for f in findings(doc) if f["severity"] != "info")


# ---------------------------------------------------------------- certificates where used

def test_autodiscover_expired_certificate_alone():
    # The only Autodiscover endpoint answers as Exchange, behind an expired
    # certificate: not a pass (0.1.0 said PASS), one finding, no NO_ENDPOINT.
    r, doc = probe("adexp11.test", "--ca-file", ca(), checks="autodiscover")
    assert_exit(r, 2)
    f = assert_code(doc, "AUTOD_CERT_INVALID", severity="fail", count=1, r=r)[0]
    assert_eq(f["evidence"]["certificate_problem"], "CERT_EXPIRED", "certificate problem")
    assert_eq(only_problems(doc), ["AUTOD_CERT_INVALID"], "problems")
    assert_true("CERT_EXPIRED" in f["remediation"], f["remediation"])


def test_autodiscover_wrong_name_certificate_alone():
    r, doc = probe("adname11.test", "--ca-file", ca(), checks="autodiscover")
    f = assert_code(doc, "AUTOD_CERT_INVALID", severity="fail", count=1, r=r)[0]
    assert_eq(f["evidence"]["certificate_problem"], "CERT_NAME_MISMATCH", "certificate problem")
    assert_eq(only_problems(doc), ["AUTOD_CERT_INVALID"], "problems")


def test_autodiscover_healthy_with_ca_file():
    r, doc = probe("hybrid.test", "--ca-file", ca(), checks="autodiscover")
    assert_exit(r, 0)
    assert_code(doc, "AUTOD_OK", r=r)
    assert_no_code(doc, "AUTOD_CERT_INVALID", r=r)


def test_autodiscover_untrusted_without_ca_file():
    # Without the lab root the same healthy endpoint is one clients refuse.
    r, doc = probe("hybrid.test", checks="autodiscover")
    f = assert_code(doc, "AUTOD_CERT_INVALID", severity="fail", count=1, r=r)[0]
    assert_eq(f["evidence"]["certificate_problem"], "CERT_UNTRUSTED", "certificate problem")


def test_autodiscover_and_cert_explain_together():
    r, doc = probe("adexp11.test", "--ca-file", ca(), checks="autodiscover,cert")
    assert_code(doc, "AUTOD_CERT_INVALID", count=1, r=r)
    assert_code(doc, "CERT_EXPIRED", check_id="cert", count=1, r=r)


def test_lync_expired_edge_certificate_alone():
    r, doc = probe("lyncexp11.test", "--ca-file", ca(), checks="lync")
    assert_exit(r, 2)
    f = assert_code(doc, "LYNC_CERT_INVALID", severity="fail", count=1, r=r)[0]
    assert_eq(f["evidence"]["certificate_problem"], "CERT_EXPIRED", "certificate problem")
    assert_eq(len(f["evidence"]["ports"]), 2, "both ports told in one finding")
    assert_eq(only_problems(doc), ["LYNC_CERT_INVALID"], "problems")


def test_lync_microsoft_targets_not_judged_as_customers():
    # Office 365's SRV targets are Microsoft's: no LYNC_CERT_INVALID even
    # where this vantage point does not trust them (no --ca-file).
    r, doc = probe("cloud.test", checks="lync")
    assert_no_code(doc, "LYNC_CERT_INVALID", r=r)


def test_smtp_wrong_name_certificate_warns():
    r, doc = probe("wrongcert.smtp.test", "--ca-file", ca(), "--timeout", "3", checks="smtp")
    f = assert_code(doc, "SMTP_CERT_INVALID", severity="warn", count=1, r=r)[0]
    assert_eq(f["evidence"]["certificate_problem"], "CERT_NAME_MISMATCH", "certificate problem")
    assert_exit(r, 1)


def test_smtp_certificate_fails_for_hybrid():
    # Hybrid (--preflight): Exchange Online's connector validates it.
    r = run(*lab_args("-f", "json", "-c", "smtp", "--preflight", "--ca-file", ca(),
                      "--timeout", "3", "wrongcert.smtp.test"))
    doc = parse_json(r)
    f = assert_code(doc, "SMTP_CERT_INVALID", severity="fail", count=1, r=r)[0]
    assert_true("hybrid" in f["evidence"].get("why_fail", ""), f["evidence"])


def test_smtp_healthy_certificate():
    r, doc = probe("ok.smtp.test", "--ca-file", ca(), "--timeout", "3", checks="smtp")
    assert_no_code(doc, "SMTP_CERT_INVALID", r=r)
    assert_code(doc, "SMTP_OK", r=r)


def test_proxy_certificates_are_judged():
    # TMG / UAG / F5 / a Basic proxy answer instead of Exchange: their
    # certificate is what clients and the wizard see, so cert judges it.
    for dom in ("tmg.test", "uag.test", "f5.test", "basicproxy.test"):
        r, doc = probe(dom, "--ca-file", ca(), checks="autodiscover,cert")
        c = check(doc, "cert")
        assert_true(c["status"] != "skip", "%s: cert skipped: %r" % (dom, c.get("skip_reason")))
        titles = " ".join(s["title"] for s in c["steps"])
        assert_true("autodiscover.%s" % dom in titles, "%s: proxy certificate not judged: %s"
                    % (dom, titles))


# ---------------------------------------------------------------- one cause, one finding

def test_old_tls_on_smtp_is_one_finding():
    r, doc = probe("oldtls.smtp.test", "--ca-file", ca(), "--timeout", "3", checks="smtp,cert")
    assert_code(doc, "SMTP_TLS_OLD_PROTOCOL", count=1, r=r)
    assert_no_code(doc, "CERT_WEAK", r=r)
    assert_no_code(doc, "SMTP_CERT_INVALID", r=r)


def test_mx_missing_is_one_finding():
    r, doc = probe("tmg.test", checks="smtp")
    assert_eq(only_problems(doc), ["SMTP_MX_MISSING"], "problems")
    f = findings(doc, "SMTP_MX_MISSING")[0]
    assert_true("tmg-test.mail.protection.outlook.com" in f["remediation"],
                "MX fix: %r" % f["remediation"])
    assert_true("TLD" not in f["remediation"] and "DOMAIN" not in f["remediation"],
                "placeholder left in the fix: %r" % f["remediation"])


def test_preflight_mx_fix_renders_real_name():
    r = run(*lab_args("--preflight", "-c", "smtp", "tmg.test"))
    assert_true("tmg-test.mail.protection.outlook.com" in r.out, r.out[-800:])
    assert_true("tmg.test-TLD" not in r.out, r.out[-800:])


# ---------------------------------------------------------------- fixes from the evidence

def _no_endpoint_fix(domain, *args):
    r, doc = probe(domain, "--timeout", "2", *args, checks="autodiscover")
    f = assert_code(doc, "AUTOD_NO_ENDPOINT", count=1, r=r)[0]
    return f["remediation"], doc


def test_no_endpoint_fix_preauth_proxy():
    fix, doc = _no_endpoint_fix("tmg.test")
    assert_true("pass-through" in fix and "TMG" in fix, fix)
    assert_true("Publish autodiscover" not in fix, fix)


def test_no_endpoint_fix_nothing_listens():
    fix, doc = _no_endpoint_fix("dead.test")
    assert_true("Nothing accepts connections" in fix and "127.0.1.98" in fix, fix)


def test_no_endpoint_fix_silent_after_tls():
    fix, doc = _no_endpoint_fix("silent.test")
    assert_true("application" in fix.lower() or "AppPool" in fix, fix)
    for f in findings(doc):
        assert_true("TCP 443 is open" not in (f["remediation"] or ""),
                    "%s says open TCP 443 after TLS worked" % f["code"])


def test_no_endpoint_fix_not_exchange_answers():
    # The record exists and a server answers (a 50 MB page): never "publish
    # a DNS record", no placeholder; point the name at Exchange.
    fix, doc = _no_endpoint_fix("bigbody.test")
    assert_true("autodiscover.bigbody.test" in fix and "not as Exchange" in fix, fix)
    assert_true("Publish" not in fix and "DOMAIN" not in fix, fix)


def test_no_endpoint_fix_unsafe_xml():
    fix, doc = _no_endpoint_fix("xmlbomb.test")
    assert_true("autodiscover.xmlbomb.test" in fix and "DTD" in fix, fix)
    assert_true("Publish" not in fix, fix)


def test_no_endpoint_fix_insecure_redirect_is_the_cause():
    # Method 2 refuses, method 3 redirects to http://: the redirect the admin
    # set up is the cause named (it fails everywhere), not the closed port.
    fix, doc = _no_endpoint_fix("redirhttp.test")
    assert_true("port-80 redirect of http://autodiscover.redirhttp.test" in fix, fix)
    assert_true("Nothing accepts connections" not in fix, fix)
    fix, doc = _no_endpoint_fix("redirloop.test")
    assert_true("redirect" in fix and "b.redirloop.test" in fix, fix)


def test_no_endpoint_fix_dns_missing_names_the_record():
    fix, doc = _no_endpoint_fix("noad.test")
    assert_true("autodiscover.noad.test" in fix and "_autodiscover._tcp.noad.test" in fix, fix)
    assert_true("DOMAIN" not in fix, fix)


# ---------------------------------------------------------------- -c cert alone

def _cert_alone(domain):
    r, doc = probe(domain, "--ca-file", ca(), "--timeout", "3", checks="cert")
    c = check(doc, "cert")
    disc = [s for s in c["steps"] if s["title"].startswith("Discovery")]
    assert_true(len(disc) == 1, "%s: the report does not say which discovery ran: %s"
                % (domain, [s["title"] for s in c["steps"]]))
    return r, doc, c


def test_cert_alone_finds_autodiscover_certificate():
    r, doc, c = _cert_alone("adexp11.test")
    assert_code(doc, "CERT_EXPIRED", check_id="cert", count=1, r=r)
    assert_exit(r, 2)


def test_cert_alone_finds_mx_starttls_certificate():
    r, doc, c = _cert_alone("wrongcert.smtp.test")
    f = assert_code(doc, "CERT_NAME_MISMATCH", check_id="cert", count=1, r=r)[0]
    assert_true("mx.wrongcert.smtp.test" in f["message"], f["message"])


def test_cert_alone_finds_lync_srv_certificates():
    r, doc, c = _cert_alone("lyncexp11.test")
    assert_code(doc, "CERT_EXPIRED", check_id="cert", count=2, r=r)


def test_cert_alone_healthy_passes():
    r, doc, c = _cert_alone("onprem.test")
    assert_exit(r, 0)
    assert_code(doc, "CERT_OK", check_id="cert", r=r)


def test_cert_alone_cloud_only_is_not_judged_as_customers():
    r, doc = probe("cloud.test", checks="cert")
    c = check(doc, "cert")
    assert_eq(c["status"], "skip", "cert on a cloud-only domain")
    assert_true("Office 365" in c.get("skip_reason", ""), c.get("skip_reason"))
    assert_exit(r, 3)   # nothing judged: unknown


# ---------------------------------------------------------------- fixes name the real things

SPECIFIC = {"AUTOD_NO_ENDPOINT", "AUTOD_CONNECT_FAILED", "AUTOD_DNS_MISSING", "SMTP_MX_MISSING",
            "CNAME_MISSING", "LYNC_SRV_MISSING", "LYNC_CNAME_MISSING", "MX_NOT_EXO",
            "AUTOD_CERT_INVALID", "SMTP_CERT_INVALID", "LYNC_CERT_INVALID", "DOMAIN_NOT_FOUND"}


def test_fixes_name_the_domain_and_no_placeholder():
    cases = [("tmg.test", None), ("dead.test", None), ("noad.test", None),
             ("nocname.test", "cloud"), ("lyncmissing.test", "cloud"), ("mxonprem.test", "cloud"),
             ("nomx.smtp.test", None), ("adexp11.test", None), ("lyncexp11.test", None),
             ("bigbody.test", None), ("xmlbomb.test", None), ("redirhttp.test", None),
             ("redirloop.test", None)]
    bad = []
    for dom, exp in cases:
        r, doc = probe(dom, "--timeout", "2", "--ca-file", ca(), expect=exp)
        for f in findings(doc):
            rem = f.get("remediation") or ""
            if f["severity"] == "info":
                continue
            if "DOMAIN" in rem or "-TLD" in rem:
                bad.append("%s %s: placeholder in %r" % (dom, f["code"], rem))
            if f["code"] in SPECIFIC and dom.split(".")[0] not in rem:
                bad.append("%s %s: fix does not name the domain's hosts: %r"
                           % (dom, f["code"], rem))
    assert_true(not bad, "\n".join(bad))


# ---------------------------------------------------------------- one cause, one finding

def test_no_autodiscover_record_is_one_finding():
    # noad.test: no Autodiscover record at all. 0.1.0 said it twice
    # (AUTOD_DNS_MISSING for method 2 + AUTOD_NO_ENDPOINT): one finding now,
    # AUTOD_NO_ENDPOINT, whose cause and fix name the record.
    r, doc = probe("noad.test", "--ca-file", ca(), checks="autodiscover")
    assert_exit(r, 2)
    f = assert_code(doc, "AUTOD_NO_ENDPOINT", severity="fail", count=1, r=r)[0]
    assert_eq(only_problems(doc), ["AUTOD_NO_ENDPOINT"], "problems")
    assert_true("autodiscover.noad.test" in f["evidence"]["cause"], f["evidence"])
    assert_true("autodiscover.noad.test" in f["remediation"], f["remediation"])


def test_dns_missing_kept_when_another_method_works():
    # srv.test: method 2's name is missing but the SRV record works: that is
    # a cause of its own (Outlook tries method 2 first), not a duplicate.
    r, doc = probe("srv.test", "--ca-file", ca(), checks="autodiscover")
    assert_code(doc, "AUTOD_DNS_MISSING", severity="warn", count=1, r=r)
    assert_code(doc, "AUTOD_OK", count=1, r=r)
    assert_no_code(doc, "AUTOD_NO_ENDPOINT", r=r)


def test_healthy_autodiscover_has_neither():
    r, doc = probe("hybrid.test", "--ca-file", ca(), checks="autodiscover")
    assert_exit(r, 0)
    assert_no_code(doc, "AUTOD_DNS_MISSING", r=r)
    assert_no_code(doc, "AUTOD_NO_ENDPOINT", r=r)


# ---------------------------------------------------------------- codes that had no test

def test_preauth_host_unreachable():
    # A host given with --hosts where nothing listens: preauth cannot say
    # whether a proxy pre-authenticates there; the finding names the host.
    r, doc = probe("hybrid.test", "--ca-file", ca(), "--timeout", "2", "--hosts",
                   "refused.certs.test", checks="preauth")
    f = assert_code(doc, "PREAUTH_HOST_UNREACHABLE", severity="fail", check_id="preauth",
                    count=1, r=r)[0]
    assert_eq((f["evidence"]["host"], f["evidence"]["port"]), ("refused.certs.test", 443),
              "host")
    assert_exit(r, 2)


def test_preauth_host_reachable_counterpart():
    r, doc = probe("hybrid.test", "--ca-file", ca(), "--timeout", "2", "--hosts",
                   "mail.hybrid.test", checks="preauth")
    assert_no_code(doc, "PREAUTH_HOST_UNREACHABLE", r=r)
    assert_exit(r, 0)


# ---------------------------------------------------------------- revocation of discovered endpoints

def _rev(domain, *extra):
    return probe(domain, "--ca-file", ca(), "--timeout", "3", *extra, checks="cert")


def test_cert_alone_discovered_endpoint_revoked_by_crl():
    # -c cert alone finds the Autodiscover SRV target (revcrl.pki.test) and
    # fetches its CRL as it does for --hosts endpoints.
    r, doc = _rev("crl.rev11.test")
    f = assert_code(doc, "CERT_REVOKED", severity="fail", check_id="cert", count=1, r=r)[0]
    assert_eq((f["evidence"]["source"], f["evidence"]["host"]), ("crl", "revcrl.pki.test"),
              "revocation source")
    assert_exit(r, 2)


def test_cert_alone_discovered_endpoint_revoked_by_ocsp():
    r, doc = _rev("ocsp.rev11.test")
    f = assert_code(doc, "CERT_REVOKED", severity="fail", count=1, r=r)[0]
    assert_eq(f["evidence"]["source"], "ocsp", "revocation source")


def test_cert_alone_discovered_endpoint_not_revoked():
    r, doc = _rev("good.rev11.test")
    assert_no_code(doc, "CERT_REVOKED", r=r)
    assert_code(doc, "CERT_OK", r=r)
    assert_exit(r, 0)


def test_cert_alone_discovered_endpoint_no_revocation_flag():
    r, doc = _rev("crl.rev11.test", "--no-revocation")
    assert_no_code(doc, "CERT_REVOKED", r=r)
    assert_exit(r, 0)


# ---------------------------------------------------------------- no Autodiscover record, both checks

def test_no_autodiscover_record_is_one_finding_across_checks():
    # nocname.test (cloud-only, no autodiscover record): autodiscover and
    # cname both saw it; one finding, AUTOD_NO_ENDPOINT, whose fix is the
    # record for the stated deployment (the CNAME to Exchange Online).
    r, doc = probe("nocname.test", "--ca-file", ca(), expect="cloud",
                   checks="autodiscover,cname")
    f = assert_code(doc, "AUTOD_NO_ENDPOINT", severity="fail", count=1, r=r)[0]
    assert_no_code(doc, "CNAME_MISSING", r=r)
    assert_no_code(doc, "CNAME_OK", r=r)   # the records are not "right"
    assert_true("autodiscover.nocname.test. 3600 IN CNAME autodiscover.outlook.com."
                in f["remediation"], f["remediation"])
    assert_exit(r, 2)


def test_no_autodiscover_record_cname_alone_still_says_it():
    r, doc = probe("nocname.test", expect="cloud", checks="cname")
    assert_code(doc, "CNAME_MISSING", severity="fail", count=1, r=r)


def test_no_autodiscover_record_kind_unknown_fix_names_both_records():
    r, doc = probe("noad.test", "--ca-file", ca(), checks="autodiscover,cname")
    f = assert_code(doc, "AUTOD_NO_ENDPOINT", count=1, r=r)[0]
    assert_no_code(doc, "CNAME_MISSING", r=r)
    for want in ("autodiscover.noad.test as an A record", "_autodiscover._tcp.noad.test",
                 "CNAME autodiscover.outlook.com"):
        assert_true(want in f["remediation"], f["remediation"])


def test_autodiscover_record_present_counterpart():
    r, doc = probe("cloud.test", "--ca-file", ca(), expect="cloud", checks="autodiscover,cname")
    assert_no_code(doc, "AUTOD_NO_ENDPOINT", r=r)
    assert_no_code(doc, "CNAME_MISSING", r=r)
    assert_code(doc, "CNAME_OK", r=r)
    assert_exit(r, 0)


def test_preflight_no_autodiscover_record_one_blocker():
    # The pre-flight item names the one finding; its fix is the hybrid one.
    r, doc = probe("noad.test", "--ca-file", ca(), "--preflight", checks="autodiscover,cname")
    items = {it["id"]: it for it in doc["preflight"]["items"]}
    it = items["autodiscover"]
    assert_eq((it["state"], it["codes"]), ("not_ready", ["AUTOD_NO_ENDPOINT"]), "item")
    assert_true("Exchange Online" not in it["fix"], it["fix"])   # hybrid: on-premises record


# ---------------------------------------------------------------- CERT_WEAK's fix names what is weak

def _weak_fix(host, domain="certs.test"):
    r, doc = probe(domain, "--ca-file", ca(), "--hosts", host, checks="cert")
    return assert_code(doc, "CERT_WEAK", count=1, r=r)[0]["remediation"]


def test_cert_weak_old_protocol_alone_fix_is_the_protocol():
    # 0.1.0 told to replace key and signature when only TLS 1.0 was old.
    fix = _weak_fix("oldtls.certs.test")
    assert_true("TLS 1.2" in fix and "oldtls.certs.test:443" in fix, fix)
    assert_true("Replace the certificate" not in fix and "2048" not in fix
                and "SHA-256" not in fix, fix)


def test_cert_weak_key_alone_fix_is_the_key():
    fix = _weak_fix("weakkey.certs.test")
    assert_true("2048" in fix and "weakkey.certs.test" in fix, fix)
    assert_true("TLS" not in fix and "SHA-256" not in fix, fix)


def test_cert_weak_old_versions_still_accepted_fix_disables_them():
    fix = _weak_fix("tls10too.pki.test", "pki.test")
    assert_true("Disable TLS 1.0 and 1.1" in fix, fix)
    assert_true("Replace the certificate" not in fix, fix)


def test_cert_weak_healthy_counterpart():
    r, doc = probe("certs.test", "--ca-file", ca(), "--hosts", "ok.certs.test", checks="cert")
    assert_no_code(doc, "CERT_WEAK", r=r)
    assert_code(doc, "CERT_OK", r=r)
