"""preauth check against the lab: which product pre-authenticates in front
of Exchange (TMG forms auth, UAG, F5 APM, a Basic-only proxy), the anonymous
GetFederationInformation call the Hybrid wizard makes (healthy, refused by
Exchange itself, NotFederated, hostile XML, a 50 MB answer) and MRSProxy.

Lab cases: tests/lab/README.md ("Autodiscover and pre-authentication");
helpers shared with test_autodiscover.py.
"""

import json

from harness import (assert_eq, assert_exit, assert_exit_matches, assert_no_code,
                     assert_problem_shape, assert_status, assert_true, check, clip, ctx, findings,
                     validate_doc)
from test_autodiscover import (PROBLEM_CODES, ad_probe, ad_run, assert_elapsed, assert_none_of,
                               one)

HYBRID_PATHS = ["/autodiscover/autodiscover.xml", "/autodiscover/autodiscover.svc",
                "/EWS/Exchange.asmx", "/EWS/mrsproxy.svc"]

# domain: (product, words its evidence must show, the Location it redirects to)
PRODUCTS = {
    "tmg.test": ("tmg", "/CookieAuth.dll",
                 "https://autodiscover.tmg.test/CookieAuth.dll?GetLogon?curl=Z2Fautodiscover"
                 "&reason=0&formdir=3"),
    "uag.test": ("uag", "/InternalSite/",
                 "https://autodiscover.uag.test/uniquesig0a1b2c/uniquesig0/InternalSite/"
                 "Login.asp?resource_id=4A1B&login_type=2"),
    "f5.test": ("f5-apm", "/my.policy", "https://autodiscover.f5.test/my.policy"),
    "basicproxy.test": ("basic-proxy", "Basic", None),
}


def _product(domain):
    product, word, location = PRODUCTS[domain]
    r, doc = ad_probe(domain)
    pre = one(doc, "PREAUTH_DETECTED", "preauth", None, r)
    assert_problem_shape(pre, doc)
    ev = pre["evidence"]
    assert_eq(ev.get("product"), product, "%s PREAUTH_DETECTED evidence.product" % domain)
    assert_true(ev.get("product_name"), "%s: no evidence.product_name" % domain)
    assert_eq(ev.get("host"), "autodiscover.%s" % domain, "%s evidence.host" % domain)
    why = ev.get("why", "") + " " + ev.get("auth_methods", "")
    assert_true(word.lower() in why.lower(), "%s evidence.why/auth_methods %r does not show %r"
                % (domain, why, word))
    if location:
        assert_eq(ev.get("location"), location, "%s evidence.location" % domain)
    # Every hybrid path is behind it.
    assert_eq(sorted(ev.get("paths") or []), sorted(HYBRID_PATHS),
              "%s PREAUTH_DETECTED evidence.paths" % domain)
    assert_true(pre["severity"] == "fail", "%s PREAUTH_DETECTED is %s, not fail"
                % (domain, pre["severity"]))
    # One cause, one finding (issue 11): the paths the proxy guards are in
    # PREAUTH_DETECTED; GetFederationInformation and MRS Proxy add none of
    # their own, their steps say who answered.
    assert_none_of(doc, ["FEDERATION_INFO_FAILED", "MRSPROXY_UNREACHABLE"], r)
    notes = json.dumps(check(doc, "preauth")["steps"])
    assert_true("see PREAUTH_DETECTED" in notes, "%s: the probes' steps do not say why"
                % domain)
    one(doc, "AUTOD_NO_ENDPOINT", "autodiscover", "fail", r)
    assert_none_of(doc, ["AUTOD_OK", "FEDERATION_INFO_OK"], r)
    assert_exit(r, 2)
    return r, doc


def test_tmg_forms_auth():
    r, doc = _product("tmg.test")
    pre = one(doc, "PREAUTH_DETECTED", "preauth")
    assert_true("TMG" in pre["message"], "message does not name TMG: %r" % pre["message"])
    assert_true("TMG" in (pre.get("remediation") or ""),
                "remediation is not TMG's: %r" % pre.get("remediation"))


def test_uag():
    _product("uag.test")


def test_f5_apm():
    _product("f5.test")


def test_basic_only_proxy():
    r, doc = _product("basicproxy.test")
    pre = one(doc, "PREAUTH_DETECTED", "preauth")
    assert_eq(pre["evidence"].get("status"), 401, "basic-proxy evidence.status")
    hdrs = pre["evidence"].get("headers") or []
    assert_true(any(h.startswith("WWW-Authenticate: Basic realm=\"proxy\"") for h in hdrs),
                "evidence.headers lack the proxy's challenge: %s" % hdrs)


def test_autodiscover_names_the_product():
    # The autodiscover check says who answered instead of Exchange.
    for domain, (product, _, _) in PRODUCTS.items():
        r, doc = ad_probe(domain)
        # The proxy is AUTOD_NO_ENDPOINT's cause (one cause, one finding).
        f = one(doc, "AUTOD_NO_ENDPOINT", "autodiscover", None, r)
        assert_eq(f["evidence"].get("front"), product,
                  "%s AUTOD_NO_ENDPOINT evidence.front" % domain)
        assert_no_code(doc, "AUTOD_BAD_RESPONSE", r=r)


def test_preauth_alone_resolves_autodiscover_host():
    # -c preauth without autodiscover: it looks at autodiscover.DOMAIN itself.
    for domain, (product, _, _) in PRODUCTS.items():
        r, doc = ad_probe(domain, checks="preauth")
        pre = one(doc, "PREAUTH_DETECTED", "preauth", None, r)
        assert_eq(pre["evidence"].get("product"), product,
                  "-c preauth %s evidence.product" % domain)


# ------------------------------------------------------------ healthy: Exchange answers

def _fed_ok(domain, host):
    r, doc = ad_probe(domain)
    assert_none_of(doc, PROBLEM_CODES, r)
    oks = [f for f in findings(doc, "FEDERATION_INFO_OK", "preauth")
           if f["message"].startswith(host + " ")]
    assert_true(len(oks) == 1, "%s: expected one FEDERATION_INFO_OK for %s %s"
                % (domain, host, ctx(doc, r)))
    ev = oks[0]["evidence"]
    assert_eq(ev.get("token_issuer"), "urn:federation:MicrosoftOnline",
              "%s FEDERATION_INFO_OK evidence.token_issuer" % domain)
    assert_true(ev.get("application_uri"), "no application_uri %r" % ev)
    assert_true(isinstance(ev.get("domains"), list) and ev["domains"],
                "FEDERATION_INFO_OK evidence.domains %r" % ev.get("domains"))
    assert_status(doc, "pass", check_id="preauth", r=r)
    # All four probes passed on the host.
    hs = [s for s in check(doc, "preauth")["steps"] if s["title"].startswith(host + ":443")]
    assert_true(len(hs) == 1, "no preauth step for %s:443 (steps %s)"
                % (host, [s["title"] for s in check(doc, "preauth")["steps"]]))
    sub = {s["title"]: s["status"] for s in hs[0]["steps"]}
    for want in ("GET /autodiscover/autodiscover.xml", "POST /autodiscover/autodiscover.svc",
                 "GET /EWS/Exchange.asmx", "GET /EWS/mrsproxy.svc"):
        assert_eq(sub.get(want), "pass", "%s preauth step %r" % (host, want))
    assert_exit(r, 0)
    return ev


def test_hybrid_federation_ok():
    ev = _fed_ok("hybrid.test", "autodiscover.hybrid.test")
    assert_eq(ev.get("domains"), ["hybrid.test"], "hybrid.test federated domains")


def test_onprem_federation_ok():
    _fed_ok("onprem.test", "autodiscover.onprem.test")


def test_cloud_only_preauth_skipped_with_reason():
    # SPEC (issue 11): Microsoft's endpoints are not the customer's: for a
    # cloud-only domain preauth probes nothing and says why.
    r, doc = ad_probe("cloud.test")
    c = check(doc, "preauth")
    assert_eq(c["status"], "skip", "preauth status on cloud.test")
    assert_true("cloud-only" in c.get("skip_reason", "") and "Office 365" in c["skip_reason"],
                "skip reason %r" % c.get("skip_reason"))
    assert_true(not c["findings"], "findings on Microsoft's host: %r" % c["findings"])


def test_no_preauth_on_healthy_domains():
    for domain in ("hybrid.test", "onprem.test", "cloud.test", "redir.test", "srv.test"):
        r, doc = ad_probe(domain)
        assert_none_of(doc, ["PREAUTH_DETECTED", "FEDERATION_INFO_FAILED",
                             "MRSPROXY_UNREACHABLE"], r)


# ------------------------------------------------------------ which hosts: those clients reach

HOST_CHECKS = "autodiscover,preauth,hybridauth,cert"


def _host_step(doc, check_id, host):
    """The check's top-level step for HOST:443 (exactly one)."""
    hs = [s for s in check(doc, check_id)["steps"] if s["title"].startswith(host + ":443 ")]
    assert_true(len(hs) == 1, "%s: %d steps for %s:443 (steps %s)" % (
        check_id, len(hs), host, [s["title"] for s in check(doc, check_id)["steps"]]))
    return hs[0]


def _left_out(doc, check_id, host, names):
    """HOST is named in a skipped step that says why, and was not probed."""
    s = _host_step(doc, check_id, host)
    assert_eq(s["status"], "skip", "%s step for %s" % (check_id, host))
    why = s.get("detail") or ""
    assert_true("not probed" in why and names in why and "certificate" in why,
                "%s: the step for %s does not say why it was left out: %r"
                % (check_id, host, why))
    assert_eq(s.get("steps") or [], [], "%s probed %s anyway" % (check_id, host))


def test_host_whose_certificate_fails_its_name_is_not_probed():
    # d7.b17.test: autodiscover.d7 CNAME ad1.b17.test (certificate *.b17.test,
    # which does not cover autodiscover.d7.b17.test), port 80 redirects to
    # https://ad1.b17.test. Clients reach Exchange at ad1 only: preauth and
    # hybridauth judge ad1 once; the other name is the certificate's problem
    # (AUTOD_CERT_INVALID, CERT_NAME_MISMATCH), not a second set of findings.
    r, doc = ad_probe("d7.b17.test", checks=HOST_CHECKS)
    bad = one(doc, "AUTOD_CERT_INVALID", "autodiscover", "warn", r)
    assert_eq(bad["evidence"].get("host"), "autodiscover.d7.b17.test", "AUTOD_CERT_INVALID host")
    one(doc, "CERT_NAME_MISMATCH", "cert", "fail", r)
    for code, check_id in (("FEDERATION_INFO_OK", "preauth"), ("EXCHANGE_BUILD", "preauth"),
                           ("HMA_NOT_ENABLED", "hybridauth")):
        f = one(doc, code, check_id, None, r)
        where = f["evidence"].get("host") or f["message"]
        assert_true("ad1.b17.test" in where and "autodiscover.d7" not in where,
                    "%s is not about ad1.b17.test: %r" % (code, f["message"]))
    for check_id in ("preauth", "hybridauth"):
        _left_out(doc, check_id, "autodiscover.d7.b17.test", "*.b17.test")
        assert_true(_host_step(doc, check_id, "ad1.b17.test")["status"] in ("pass", "info"),
                    "%s: ad1.b17.test was not judged" % check_id)
        others = [st for st in check(doc, check_id)["steps"]
                  if not st["title"].startswith("autodiscover.d7.b17.test:443 ")]
        assert_true("autodiscover.d7.b17.test" not in json.dumps(others),
                    "%s names autodiscover.d7.b17.test outside its skipped step" % check_id)


def test_host_whose_certificate_names_it_is_probed():
    # The healthy case next to it: autodiscover.onprem.test verifies, so
    # preauth and hybridauth probe it exactly as before.
    r, doc = ad_probe("onprem.test", checks=HOST_CHECKS)
    assert_none_of(doc, PROBLEM_CODES + ["CERT_NAME_MISMATCH"], r)
    for check_id, paths in (("preauth", 6), ("hybridauth", 5)):
        s = _host_step(doc, check_id, "autodiscover.onprem.test")
        assert_true(s["status"] in ("pass", "info"), "%s step for autodiscover.onprem.test: %s"
                    % (check_id, s["status"]))
        probes = [st["title"] for st in s.get("steps") or []
                  if not st["title"].startswith(("A ", "AAAA "))]   # not its DNS steps
        assert_eq(len(probes), paths, "%s probes on autodiscover.onprem.test: %s"
                  % (check_id, probes))
        assert_true("not probed" not in json.dumps(check(doc, check_id)),
                    "%s left a host out on onprem.test" % check_id)
    one(doc, "FEDERATION_INFO_OK", "preauth", None, r)
    one(doc, "HMA_NOT_ENABLED", "hybridauth", None, r)


def test_only_host_fails_its_name_checks_skip_with_reason():
    # adname11.test: the only Autodiscover endpoint presents internal names
    # (mbx1, mbx1.adname11.local). No client reaches Exchange by its name:
    # preauth and hybridauth skip and say why; autodiscover and cert own it.
    r, doc = ad_probe("adname11.test", checks=HOST_CHECKS)
    one(doc, "AUTOD_CERT_INVALID", "autodiscover", "fail", r)
    _only_host_left_out(doc, r, "autodiscover.adname11.test", "mbx1.adname11.local")


def _only_host_left_out(doc, r, host, names):
    """HOST, whose certificate names NAMES, was the only host: preauth and
    hybridauth skip, saying why, with no findings; cert owns it."""
    one(doc, "CERT_NAME_MISMATCH", "cert", "fail", r)
    for check_id in ("preauth", "hybridauth"):
        c = check(doc, check_id)
        assert_eq(c["status"], "skip", "%s status" % check_id)
        assert_true(names in c.get("skip_reason", "") and host in c["skip_reason"],
                    "%s skip reason %r" % (check_id, c.get("skip_reason")))
        assert_eq(c["findings"], [], "%s findings" % check_id)
        _left_out(doc, check_id, host, names)


def test_hosts_probed_as_soon_as_autodiscover_reached_them():
    # slowroot17.test: method 1 (the apex) hangs until --timeout, method 3
    # reaches mail.cnamehop17.test at once. preauth and hybridauth probe that
    # host as soon as autodiscover reached it, not after its whole verdict:
    # their answers come before autodiscover ends (the order of EXPROBE_TRACE's
    # timeline, not a duration), and the findings are the same.
    r = ad_run("-c", "autodiscover,preauth,hybridauth", "-f", "json", "--timeout", "2",
               "slowroot17.test", env={"EXPROBE_TRACE": "1"})
    doc = json.loads(r.out)
    one(doc, "AUTOD_OK", "autodiscover", None, r)
    one(doc, "FEDERATION_INFO_OK", "preauth", None, r)
    hma = one(doc, "HMA_NOT_ENABLED", "hybridauth", None, r)
    assert_true(hma["evidence"].get("host") == "mail.cnamehop17.test", "HMA host %r" % hma)
    lines = r.err.splitlines()

    def first(words):
        for i, ln in enumerate(lines):
            if all(w in ln for w in words):
                return i
        return None

    ended = first(["check judge slowroot17.test autodiscover"])
    fed = first(["http done slowroot17.test preauth POST",
                 "mail.cnamehop17.test:443/autodiscover/autodiscover.svc"])
    hyb = first(["http done slowroot17.test hybridauth GET",
                 "mail.cnamehop17.test:443/Microsoft-Server-ActiveSync"])
    assert_true(None not in (ended, fed, hyb) and fed < ended and hyb < ended,
                "preauth/hybridauth waited for autodiscover's end (trace lines %s, %s, %s):\n%s"
                % (fed, hyb, ended, clip(r.err, 3000)))


# ------------------------------------------------------------ a redirect's target, asked early

def _first(lines, *words):
    """Index of the first trace line holding every word, or None."""
    for i, ln in enumerate(lines):
        if all(w in ln for w in words):
            return i
    return None


def test_redirect_target_probed_while_autodiscover_posts_there():
    # d7.b17.test: port 80 redirects to https://ad1.b17.test. preauth and
    # hybridauth send ad1 their requests while autodiscover's POST there is on
    # the wire (issue 17: a hoster's front end costs one round of connections,
    # not two in a row). In EXPROBE_TRACE's timeline (an order, not a
    # duration): the POST is asked first; preauth's requests and hybridauth's
    # (its NTLM conversation too) go out before the POST is answered; each goes
    # on the wire once (the probes made once autodiscover reached ad1 take
    # those answers). The verdicts are ad1's, as before.
    r = ad_run("-c", HOST_CHECKS, "-f", "json", "d7.b17.test", env={"EXPROBE_TRACE": "1"})
    doc = json.loads(r.out)
    validate_doc(doc, r.cmdline())
    for code, check_id in (("FEDERATION_INFO_OK", "preauth"), ("EXCHANGE_BUILD", "preauth"),
                           ("HMA_NOT_ENABLED", "hybridauth")):
        f = one(doc, code, check_id, None, r)
        assert_true("ad1.b17.test" in (f["evidence"].get("host") or f["message"]),
                    "%s is not about ad1.b17.test: %r" % (code, f["message"]))
    for check_id, n in (("preauth", 6), ("hybridauth", 5)):
        s = _host_step(doc, check_id, "ad1.b17.test")
        probes = [st for st in s.get("steps") or [] if not st["title"].startswith(("A ", "AAAA "))]
        assert_eq(len(probes), n, "%s probes on ad1.b17.test" % check_id)
        assert_true(all(st["status"] in ("pass", "info") for st in probes),
                    "%s probes on ad1.b17.test: %s" % (check_id, probes))
    lines = r.err.splitlines()
    post = "autodiscover POST https://ad1.b17.test/"
    asked = _first(lines, "http ask d7.b17.test " + post)
    answered = _first(lines, "http done d7.b17.test " + post)
    pre = _first(lines, "http send d7.b17.test preauth", "https://ad1.b17.test:443/")
    hyb = _first(lines, "http send d7.b17.test hybridauth", "https://ad1.b17.test:443/")
    hyb_asked = _first(lines, "http prefetch d7.b17.test hybridauth", "https://ad1.b17.test:443/")
    assert_true(None not in (asked, answered, pre, hyb, hyb_asked) and
                asked < pre < answered and asked < hyb < answered and hyb_asked < answered,
                "preauth/hybridauth waited for autodiscover's POST to ad1 (trace lines: POST "
                "asked %s, answered %s; preauth sent %s, hybridauth sent %s, asked %s):\n%s"
                % (asked, answered, pre, hyb, hyb_asked, clip(r.err, 4000)))
    for check_id, n in (("preauth", 6), ("hybridauth", 6)):   # hybridauth: 4 + NTLM's 2
        sent = [ln for ln in lines
                if "http send d7.b17.test %s" % check_id in ln and "ad1.b17.test:443/" in ln]
        assert_eq(len(sent), n, "%s requests sent to ad1.b17.test:\n%s"
                  % (check_id, "\n".join(sent)))


def _early_run(domain):
    r = ad_run("-c", HOST_CHECKS, "-f", "json", domain, env={"EXPROBE_TRACE": "1"})
    doc = json.loads(r.out)
    validate_doc(doc, r.cmdline())
    assert_exit_matches(r, doc)
    return r, doc


def _asked_early(r, domain, host):
    """preauth and hybridauth did send HOST their requests early (else the
    test would not test the early path)."""
    for check_id in ("preauth", "hybridauth"):
        assert_true(_first(r.err.splitlines(), "http prefetch %s %s" % (domain, check_id),
                           "https://%s:443/" % host) is not None,
                    "%s asked %s nothing early:\n%s" % (check_id, host, clip(r.err, 3000)))


def test_redirect_target_not_reached_no_trace_of_early_probes():
    # dead.early17.test: port 80 redirects to https://gone.early17.test, where
    # nothing listens. preauth and hybridauth asked it early (while
    # autodiscover's POST was on the wire); autodiscover never reached it, so
    # they end as they always did: no host reached, no step or finding of
    # theirs names it.
    r, doc = _early_run("dead.early17.test")
    _asked_early(r, "dead.early17.test", "gone.early17.test")
    one(doc, "AUTOD_NO_ENDPOINT", "autodiscover", "fail", r)
    pre, hyb = check(doc, "preauth"), check(doc, "hybridauth")
    assert_eq((pre["status"], pre.get("skip_reason")),
              ("skip", "no Autodiscover or EWS host was reached"), "preauth")
    assert_eq(hyb["status"], "skip", "hybridauth status")
    assert_true(hyb.get("skip_reason", "").startswith("no on-premises Exchange host was learnt"),
                "hybridauth skip reason %r" % hyb.get("skip_reason"))
    assert_eq(pre["steps"], [], "preauth steps")
    assert_eq([s["title"] for s in hyb["steps"]],
              ["Tenant of dead.early17.test (anonymous OpenID configuration)"],
              "hybridauth steps")
    for c in (pre, hyb):
        assert_eq(c["findings"], [], "%s findings" % c["id"])
        assert_true("gone.early17.test" not in json.dumps(c), "%s names gone.early17.test: %s"
                    % (c["id"], clip(json.dumps(c), 2000)))


def test_redirect_target_not_named_by_its_certificate_left_out_as_before():
    # wrongname.early17.test: port 80 redirects to https://other.early17.test,
    # which answers like Exchange with a certificate for exchange.early17.test
    # only. preauth and hybridauth asked it early; autodiscover reached it by a
    # name no client can use, so they leave it out exactly as before: one
    # skipped step "not probed" (no probe steps under it), the check skipped
    # with the reason, no findings.
    r, doc = _early_run("wrongname.early17.test")
    _asked_early(r, "wrongname.early17.test", "other.early17.test")
    one(doc, "AUTOD_CERT_INVALID", "autodiscover", None, r)
    _only_host_left_out(doc, r, "other.early17.test", "exchange.early17.test")
    assert_eq([s["title"] for s in check(doc, "preauth")["steps"]],
              ["other.early17.test:443 (127.0.27.22, autodiscover)"], "preauth steps")
    assert_eq([s["title"] for s in check(doc, "hybridauth")["steps"]],
              ["Tenant of wrongname.early17.test (anonymous OpenID configuration)",
               "other.early17.test:443 (autodiscover)"], "hybridauth steps")


# ------------------------------------------------------------ Exchange says no

def test_federation_refused_by_exchange_and_mrsproxy_disabled():
    r, doc = ad_probe("fedfail.test")
    fed = one(doc, "FEDERATION_INFO_FAILED", "preauth", "fail", r)
    assert_problem_shape(fed, doc)
    assert_eq(fed["evidence"].get("status"), 401, "fedfail FEDERATION_INFO_FAILED status")
    assert_eq(fed["evidence"].get("path"), "/autodiscover/autodiscover.svc",
              "fedfail FEDERATION_INFO_FAILED path")
    assert_true("Exchange" in fed["message"], "message does not say Exchange itself refused: %r"
                % fed["message"])
    mrs = one(doc, "MRSPROXY_UNREACHABLE", "preauth", "warn", r)
    assert_problem_shape(mrs, doc)
    assert_eq(mrs["evidence"].get("status"), 404, "fedfail MRSPROXY_UNREACHABLE status")
    assert_true("MRSProxyEnabled" in (mrs.get("remediation") or ""),
                "remediation does not say how to enable MRSProxy: %r" % mrs.get("remediation"))
    # Exchange itself answered: nothing pre-authenticates, Autodiscover works.
    assert_no_code(doc, "PREAUTH_DETECTED", r=r)
    one(doc, "AUTOD_OK", "autodiscover", "info", r)
    assert_exit(r, 2)


def test_not_federated():
    r, doc = ad_probe("notfed.test")
    fed = one(doc, "FEDERATION_INFO_FAILED", "preauth", "warn", r)
    assert_problem_shape(fed, doc)
    assert_eq(fed["evidence"].get("error_code"), "NotFederated", "notfed evidence.error_code")
    assert_no_code(doc, "PREAUTH_DETECTED", r=r)
    assert_no_code(doc, "MRSPROXY_UNREACHABLE", r=r)
    assert_no_code(doc, "FEDERATION_INFO_OK", r=r)
    assert_exit(r, 1)


# ------------------------------------------------------------ hostile answers

def test_federation_xml_bomb():
    r, doc = ad_probe("xmlbomb.test")
    f = one(doc, "XML_UNSAFE", "preauth", "fail", r)
    assert_problem_shape(f, doc)
    assert_eq(f["evidence"].get("path"), "/autodiscover/autodiscover.svc", "XML_UNSAFE path")
    assert_no_code(doc, "FEDERATION_INFO_OK", r=r)
    assert_elapsed(r, 5, "xmlbomb.test")


def test_federation_xxe():
    r, doc = ad_probe("xxe.test")
    f = one(doc, "XML_UNSAFE", "preauth", "fail", r)
    assert_problem_shape(f, doc)
    assert_true("root:x:0:0" not in r.out, "/etc/passwd was expanded into the output")
    assert_no_code(doc, "FEDERATION_INFO_OK", r=r)
    # The POX endpoint itself is fine anonymously (401 from Exchange).
    one(doc, "AUTOD_OK", "autodiscover", "info", r)


def test_federation_big_body():
    r, doc = ad_probe("bigbody.test")
    assert_elapsed(r, 8, "bigbody.test")
    f = one(doc, "FEDERATION_INFO_FAILED", "preauth", None, r)
    assert_problem_shape(f, doc)
    assert_eq(f["evidence"].get("status"), 200, "bigbody FEDERATION_INFO_FAILED status")
    assert_no_code(doc, "FEDERATION_INFO_OK", r=r)


def test_no_host_no_preauth_findings():
    # Nothing reached: preauth skips and blames nothing.
    for domain in ("noad.test", "dead.test"):
        r, doc = ad_probe(domain)
        assert_eq(findings(doc, check_id="preauth"), [], "%s preauth findings" % domain)
        assert_status(doc, "skip", check_id="preauth", r=r)


def test_text_names_products():
    r = ad_run("-c", "preauth", "-f", "text", "tmg.test", "uag.test", "f5.test",
               "basicproxy.test")
    assert_exit(r, 2)
    for name in ("TMG", "UAG", "F5", "Basic"):
        lines = [ln for ln in r.out.splitlines() if "PREAUTH_DETECTED" in ln and name in ln]
        assert_true(lines, "no PREAUTH_DETECTED line naming %s:\n%s" % (name, clip(r.out, 3000)))
