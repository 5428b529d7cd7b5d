"""hybridauth against the lab (issue 15): Autodiscover v2 (Exchange Online's
look-alike and on-premises), the empty-Bearer 401 challenge (HMA), the
domain's tenant from the OpenID configuration look-alike, NTLM continuity
through the front end, HTTP/2 with Windows authentication, Extended
Protection vs a non-IIS front end. No credential is ever sent.

Lab: tests/lab/README.md ("Hybrid modern auth, Autodiscover v2, build").
"""

import json
import os

from harness import (all_steps, assert_code, assert_eq, assert_exit, assert_no_code,
                     assert_problem_shape, assert_true, expect_file, findings, lab_args, lab_dir, probe,
                     run)

T1 = "1b2c3d4e-0f15-4a5b-9c8d-7e6f5a4b3c2d"
CHECKS = "autodiscover,preauth,hybridauth"
PROBLEMS = ["HMA_NO_AUTHORIZATION_URI", "HMA_TENANT_MISMATCH", "AUTH_NTLM_BROKEN",
            "AUTH_H2_WINDOWS_AUTH", "EP_PROXY_RISK", "AUTODV2_FAILED"]
# Autodiscover v2 is the autodiscover check's (SPEC): its findings are there,
# and hybridauth probes the on-premises URLs it learnt.


LAB_CA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "build", "lab", "certs", "ca.pem")


def _run(target, *args, checks=CHECKS, expect=None):
    # The lab CA: autodiscover judges the endpoint's certificate too.
    ca = ["--ca-file", LAB_CA] if os.path.isfile(LAB_CA) else []
    return probe(target, *(ca + list(args)), checks=checks, expect=expect)


def _none_of(doc, codes, r=None):
    for c in codes:
        assert_no_code(doc, c, r=r)


def test_healthy_hma_hybrid_only_info():
    r, doc = _run("user@hma15.test", expect="hma15")
    hma = assert_code(doc, "HMA_ENABLED", "info", "hybridauth", r=r)
    ev = hma[0]["evidence"]
    assert_eq(ev.get("tenant"), T1, "HMA_ENABLED tenant")
    assert_eq(ev.get("domain_tenant"), T1, "domain tenant from the OpenID configuration")
    assert_eq(ev.get("client_id"), "00000002-0000-0ff1-ce00-000000000000", "client_id")
    assert_eq(ev.get("authorization_uri"), "https://login.windows.net/common/oauth2/authorize",
              "authorization_uri")
    assert_eq(len(ev.get("paths") or []), 4, "EAS, EWS, MAPI, OAB all answer with Bearer")
    v2 = assert_code(doc, "AUTODV2_OK", "info", "autodiscover", r=r)
    urls = {f["evidence"]["url"] for f in v2}
    assert_true("https://mail.hma15.test/Microsoft-Server-ActiveSync" in urls, "EAS URL: %s" % urls)
    assert_true("https://mail.hma15.test/EWS/Exchange.asmx" in urls, "EWS URL: %s" % urls)
    assert_true(all(f["evidence"]["mailbox"] == "on_premises" for f in v2), "on-prem mailbox")
    _none_of(doc, PROBLEMS + ["HMA_NOT_ENABLED"], r)
    # NTLM completes: the continuity step passed and shows the server's names.
    steps = [s for s in all_steps(doc, "hybridauth") if s["title"].startswith("NTLM")]
    assert_true(steps and all(s["status"] == "pass" for s in steps), "NTLM steps pass: %s"
                % [(s["title"], s["status"]) for s in steps])
    assert_exit(r, 0)


def test_cloud_mailbox_at_exchange_online():
    r, doc = _run("cloudbox@hma15.test", checks="autodiscover")
    exo = [f for f in findings(doc, "AUTODV2_OK") if "Exchange Online" in f["message"]]
    assert_true(exo, "an AUTODV2_OK from Exchange Online")
    assert_true(all(f["evidence"]["mailbox"] == "exchange_online" for f in exo),
                "cloud mailbox: %s" % [f["evidence"] for f in exo])


def test_autodiscover_v2_owned_by_autodiscover():
    # One cause, one finding, in the check that owns it: AUTODV2_* come from
    # autodiscover only, also when hybridauth runs beside it.
    r, doc = _run("someone@v2html15.test")
    fs = findings(doc, "AUTODV2_FAILED")
    assert_true(fs, "AUTODV2_FAILED reported")
    owners = {c["id"] for c in doc["checks"] for f in c["findings"]
              if f["code"].startswith("AUTODV2_")}
    assert_eq(owners, {"autodiscover"}, "checks reporting AUTODV2_*")


def test_hybridauth_alone_still_uses_autodiscover_v2():
    # Asked alone, hybridauth asks Autodiscover v2 itself (steps, no
    # findings) and probes the on-premises host the URLs name.
    r, doc = _run("user@hma15.test", checks="hybridauth", expect="hma15")
    assert_no_code(doc, "AUTODV2_OK", r=r)
    titles = [s["title"] for s in all_steps(doc, "hybridauth")]
    assert_true(any(t.startswith("Autodiscover v2 (EWS) at autodiscover.hma15.test")
                    for t in titles), "v2 discovery steps: %s" % titles)
    assert_true(any(t.startswith("mail.hma15.test:443 (Autodiscover v2)") for t in titles),
                "the host from the v2 URL probed: %s" % titles)
    hma = assert_code(doc, "HMA_ENABLED", "info", "hybridauth", r=r)
    assert_eq(hma[0]["evidence"].get("host"), "mail.hma15.test", "HMA host from v2")
    assert_exit(r, 0)


def test_cloud_only_domain_not_judged():
    # cloud.test's Autodiscover is a CNAME to Office 365: Microsoft's
    # endpoint, not the organisation's Exchange -- no HMA_* about it (the
    # healthy hybrid beside it is judged).
    r, doc = _run("cloud.test", checks=CHECKS)
    codes = [f["code"] for f in findings(doc, check_id="hybridauth")]
    assert_true(not [c for c in codes if c.startswith(("HMA_", "AUTH_", "EP_"))],
                "hybridauth judged Office 365's endpoint: %s" % codes)
    ha = [c for c in doc["checks"] if c["id"] == "hybridauth"][0]
    assert_eq(ha["status"], "skip", "hybridauth status for a cloud-only domain")
    r, doc = _run("hma15.test", checks=CHECKS, expect="hma15")
    assert_code(doc, "HMA_ENABLED", "info", "hybridauth", r=r)


def test_no_authorization_uri():
    r, doc = _run("hmanouri15.test")
    f = assert_code(doc, "HMA_NO_AUTHORIZATION_URI", "fail", "hybridauth", r=r)[0]
    assert_problem_shape(f, doc)
    assert_true("IsDefaultAuthorizationEndpoint" in f["remediation"], "fix names the cmdlet")
    assert_no_code(doc, "HMA_TENANT_MISMATCH", r=r)
    assert_exit(r, 2)


def test_other_tenant():
    r, doc = _run("hmaother15.test")
    f = assert_code(doc, "HMA_TENANT_MISMATCH", "fail", "hybridauth", r=r)[0]
    assert_problem_shape(f, doc)
    assert_eq(f["evidence"].get("domain_tenant"), T1, "domain tenant")
    assert_eq(f["evidence"].get("trusted_tenant"), "99999999-0f15-4a5b-9c8d-000000000002",
              "trusted tenant")
    assert_no_code(doc, "HMA_NO_AUTHORIZATION_URI", r=r)


def test_no_bearer_is_info_unless_expected():
    r, doc = _run("hmanone15.test", checks="hybridauth")
    assert_code(doc, "HMA_NOT_ENABLED", "info", "hybridauth", r=r)
    path = os.path.join(lab_dir(), "hma-yes15.conf")
    with open(path, "w") as f:
        f.write("deployment = hybrid\nhma = yes\n")
    r, doc = _run("hmanone15.test", checks="hybridauth", expect=path)
    f = assert_code(doc, "HMA_NOT_ENABLED", "warn", "hybridauth", r=r)[0]
    assert_problem_shape(f, doc)


def test_ntlm_broken_by_front_end():
    r, doc = _run("ntlmbreak15.test", checks="hybridauth")
    f = assert_code(doc, "AUTH_NTLM_BROKEN", "fail", "hybridauth", r=r)[0]
    assert_problem_shape(f, doc)
    ev = f["evidence"]
    assert_eq(ev.get("connection_close"), "yes", "Connection: close seen")
    assert_eq(ev.get("conversations"), 1, "not repeated: the front end said close")
    # The CHALLENGE's target information is evidence.
    assert_eq(ev.get("ntlm_dns_computer"), "exch01.lab.local", "NTLM DNS computer name")
    assert_eq(ev.get("ntlm_netbios_domain"), "LAB", "NTLM NetBIOS domain")
    assert_eq(ev.get("ntlm_os_version"), "10.0.20348 (Windows Server 2022)", "OS version")


INSIDE = ("exch01.lab.local", "EXCH01", "lab.local", "20348")


def test_redact_masks_ntlm_target_info():
    # The CHALLENGE's target information names the inside of the network:
    # evidence by default, masked everywhere with --redact (a report to paste
    # into a ticket), in JSON and text alike, failing and passing cases.
    r, doc = _run("ntlmbreak15.test", "--redact", checks="hybridauth")
    f = assert_code(doc, "AUTH_NTLM_BROKEN", "fail", "hybridauth", r=r)[0]
    for key in ("ntlm_dns_computer", "ntlm_netbios_domain", "ntlm_netbios_computer",
                "ntlm_dns_domain", "ntlm_os_version"):
        assert_eq(f["evidence"].get(key), "[redacted]", key)
    assert_true(f["evidence"].get("host", "").endswith(".ntlmbreak15.test"), "the public host stays")
    assert_eq(doc["run"].get("redact"), True, "run.redact")
    for word in INSIDE:
        assert_true(word not in r.out, "%s in the --redact JSON" % word)
    # The healthy host's NTLM step names the server in its detail: masked too.
    ca = ["--ca-file", LAB_CA] if os.path.isfile(LAB_CA) else []
    for fmt in ("json", "text"):
        r = run(*lab_args(*(ca + ["-f", fmt, "-v", "-c", "hybridauth", "--redact", "--expect",
                                  expect_file("hma15"), "user@hma15.test"])))
        assert_exit(r, 0)
        for word in INSIDE:
            assert_true(word not in r.out, "%s in the --redact %s report" % (word, fmt))
    # Without --redact the same names are there (the evidence is useful).
    r, doc = _run("user@hma15.test", "-v", checks="hybridauth", expect="hma15")
    assert_eq(doc["run"].get("redact"), False, "run.redact")
    assert_true("exch01.lab.local" in r.out, "the server name without --redact")


def test_ntlm_conversations_apart_under_parallel_targets():
    # Several targets converse with the same front end at once: each NTLM
    # conversation keeps a connection of its own (xp_http_req.conversation),
    # its second leg is not queued behind the others' requests, so none is
    # taken for a broken front end and none needs repeating.
    ca = ["--ca-file", LAB_CA] if os.path.isfile(LAB_CA) else []
    targets = ["u%d@hma15.test" % i for i in range(8)]
    r = run(*lab_args(*(ca + ["-f", "jsonl", "-c", "hybridauth", "--parallel", "8",
                              "--expect", expect_file("hma15")] + targets)), timeout=60)
    docs = [json.loads(ln) for ln in r.out.splitlines() if ln.strip()]
    assert_eq(len(docs), len(targets), "one document per target")
    for d in docs:
        assert_no_code(d, "AUTH_NTLM_BROKEN", r=r)
        steps = [s for s in all_steps(d, "hybridauth") if s["title"].startswith("NTLM")]
        assert_true(steps and all(s["status"] == "pass" and "once more" not in
                                  (s.get("detail") or "") for s in steps),
                    "%s: NTLM passes at the first conversation: %s"
                    % (d["target"], [(s["status"], s.get("detail")) for s in steps]))


def test_ntlm_conversation_has_a_connection_of_its_own():
    # NTLM authenticates a connection: each conversation's NEGOTIATE and its
    # second request must share one connection that carries nothing else (no
    # Bearer probe reuses it, it reuses no pooled connection). hma15.test logs
    # each request's connection serial and Host; 8 targets converse at once
    # with conv.hma15.test (a name only this test uses: other tests' runs,
    # cut short or not, do not count), beside their Bearer probes to it.
    before = len(_auth_log())
    ca = ["--ca-file", LAB_CA] if os.path.isfile(LAB_CA) else []
    targets = ["conv%d@hma15.test" % i for i in range(8)]
    r = run(*lab_args(*(ca + ["-f", "jsonl", "-c", "hybridauth", "--parallel", "8",
                              "--hosts", "conv.hma15.test", "--expect", expect_file("hma15")]
                        + targets)), timeout=60)
    assert_true(r.code in (0, 1), "exprobe ran %s" % r.describe())
    conns = {}
    for ln in _auth_log()[before:]:
        m, u, rest = ln.split(None, 2)
        f = dict(x.split("=", 1) for x in rest.split())
        if f.get("h") == "conv.hma15.test":
            conns.setdefault(f["c"], []).append(f["auth"])
    ntlm = {c: a for c, a in conns.items() if "ntlm-negotiate" in a}
    # Targets that start after a conversation ended take its outcome
    # (test_ntlm_conversation_once_per_front_end): at least one.
    assert_true(ntlm, "no NTLM conversation with conv.hma15.test (%s)" % conns)
    mixed = {c: a for c, a in ntlm.items() if a != ["ntlm-negotiate", "ntlm-negotiate"]}
    assert_true(not mixed, "conversation connections shared or not kept: %s" % mixed)


def test_ntlm_conversation_once_per_front_end():
    # The conversation's outcome belongs to the front end, not the domain:
    # six domains reaching ntlmshare.hma15.test one after the other (a name
    # only this test uses) cost one conversation, and every domain's step
    # says the same (its notes included), as if each had asked.
    before = len(_auth_log())
    ca = ["--ca-file", LAB_CA] if os.path.isfile(LAB_CA) else []
    targets = ["share%d@hma15.test" % i for i in range(6)]
    r = run(*lab_args(*(ca + ["-f", "jsonl", "-c", "hybridauth", "--parallel", "1",
                              "--hosts", "ntlmshare.hma15.test", "--expect",
                              expect_file("hma15")] + targets)), timeout=60)
    docs = [json.loads(ln) for ln in r.out.splitlines() if ln.strip()]
    assert_eq(len(docs), len(targets), "one document per target")
    negotiate = [ln for ln in _auth_log()[before:]
                 if "h=ntlmshare.hma15.test" in ln and "auth=ntlm-negotiate" in ln]
    assert_eq(len(negotiate), 2, "NTLM requests to ntlmshare.hma15.test (one conversation "
              "of two requests for %d domains)" % len(targets))
    seen = set()
    for d in docs:
        assert_no_code(d, "AUTH_NTLM_BROKEN", r=r)
        steps = [(s["status"], s.get("detail")) for s in all_steps(d, "hybridauth")
                 if s["title"].startswith("NTLM")]
        said = steps[0][1] or "" if steps else ""
        assert_true(steps and steps[0][0] == "pass" and "one conversation per run" in said,
                    "%s: the NTLM step passes and says it is shared: %s" % (d["target"], steps))
        seen.add(tuple(steps))
    assert_eq(len(seen), 1, "the same NTLM step in every document")


def test_ntlm_broken_also_with_hosts():
    # --hosts alone names the endpoint: no autodiscover needed.
    r, doc = _run("ntlmbreak15.test", "--hosts", "mail.ntlmbreak15.test", checks="hybridauth")
    hosts = {f["evidence"]["host"] for f in findings(doc, "AUTH_NTLM_BROKEN")}
    assert_true("mail.ntlmbreak15.test" in hosts, "--hosts host probed: %s" % hosts)


def test_http2_with_windows_auth():
    r, doc = _run("h2ntlm15.test")
    f = assert_code(doc, "AUTH_H2_WINDOWS_AUTH", "warn", "hybridauth", r=r)[0]
    assert_problem_shape(f, doc)
    assert_eq(f["evidence"].get("alpn"), "h2", "ALPN")
    assert_no_code(doc, "AUTH_NTLM_BROKEN", r=r)   # HTTP/1.1 keeps the connection


def test_extended_protection_behind_nginx():
    r, doc = _run("epproxy15.test")
    f = assert_code(doc, "EP_PROXY_RISK", "warn", "hybridauth", r=r)[0]
    assert_problem_shape(f, doc)
    assert_true("nginx" in f["evidence"].get("server", ""), "front end named")
    assert_eq(f["evidence"].get("exchange_version"), "15.2.2562.41", "build from preauth")
    assert_no_code(doc, "AUTH_H2_WINDOWS_AUTH", r=r)
    # An IIS front end (the healthy host) is no risk.
    r, doc = _run("user@hma15.test", expect="hma15")
    assert_no_code(doc, "EP_PROXY_RISK", r=r)


def test_autodiscover_v2_html_page_and_login_redirect():
    # Pre-authentication in front of Autodiscover v2, as the classifier
    # names it: an HTML sign-in page (ActiveSync), a redirect to Entra ID's
    # sign-in (EWS: the application proxy). The healthy domain next to it:
    # every v2 answer is JSON.
    r, doc = _run("someone@v2html15.test", checks="autodiscover")
    fs = assert_code(doc, "AUTODV2_FAILED", "fail", "autodiscover", r=r)
    onprem = {f["evidence"]["protocol"]: f["evidence"]
              for f in fs if "autodiscover.v2html15.test" in f["message"]}
    assert_eq(onprem.get("ActiveSync", {}).get("reason"), "html", "ActiveSync: HTML page")
    assert_eq(onprem.get("EWS", {}).get("reason"), "login_redirect", "EWS: sign-in redirect")
    assert_eq(onprem.get("EWS", {}).get("product"), "entra-app-proxy", "product named")
    assert_problem_shape(fs[0], doc)
    assert_exit(r, 2)
    r, doc = _run("someone@hma15.test", checks="autodiscover", expect="hma15")
    assert_no_code(doc, "AUTODV2_FAILED", r=r)
    assert_true(len(findings(doc, "AUTODV2_OK")) >= 2, "v2 answers JSON")


def test_autodiscover_v2_exchange_online_redirects_bounded():
    # Exchange Online's 302 is followed to https only, and at most 5 hops.
    r, doc = _run("insecure@hma15.test", checks="autodiscover", expect="hma15")
    exo = [f for f in findings(doc, "AUTODV2_FAILED") if "Exchange Online" in f["message"]]
    assert_true(exo and all(f["evidence"]["reason"] == "insecure_redirect" for f in exo),
                "http redirect not followed: %s" % [f["evidence"] for f in exo])
    assert_true(all(len(f["evidence"]["urls"]) == 1 for f in exo), "nothing fetched over http")
    r, doc = _run("hops@hma15.test", checks="autodiscover", expect="hma15")
    exo = [f for f in findings(doc, "AUTODV2_FAILED") if "Exchange Online" in f["message"]]
    assert_true(exo and all(f["evidence"]["reason"] == "too_many_redirects" for f in exo),
                "redirects bounded: %s" % [f["evidence"] for f in exo])
    assert_true(all(len(f["evidence"]["urls"]) == 6 for f in exo), "5 hops after the first "
                "URL: %s" % [len(f["evidence"]["urls"]) for f in exo])


def test_autodiscover_v2_redirect_loop():
    r, doc = _run("someone@v2loop15.test", checks="autodiscover")
    fs = assert_code(doc, "AUTODV2_FAILED", "fail", "autodiscover", r=r)
    assert_true(all(f["evidence"]["reason"] == "redirect_loop" for f in fs),
                "reason redirect_loop: %s" % [f["evidence"] for f in fs])


def _cloud_log_lines():
    """Lines of the Microsoft look-alikes' log about nocloud15.test (a name
    only this test uses: the other tests run at the same time)."""
    try:
        with open(os.path.join(lab_dir(), "cloud15-access.log")) as f:
            return len([ln for ln in f if "nocloud15" in ln])
    except OSError:
        return 0


def test_no_cloud_lookups_sends_nothing_to_microsoft():
    # Every check that may ask Microsoft (autodiscover: Exchange Online's
    # Autodiscover v2; hybridauth: the tenant's OpenID configuration, and v2
    # when asked alone), with and without autodiscover in the run.
    for checks in (CHECKS, "hybridauth"):
        before = _cloud_log_lines()
        r, doc = probe("user@nocloud15.test", "--no-cloud-lookups", checks=checks,
                       cache=False)
        assert_eq(_cloud_log_lines(), before, "requests to the Microsoft look-alikes (-c %s)"
                  % checks)
        titles = " ".join(s["title"] for c in checks.split(",") for s in all_steps(doc, c))
        assert_true("Exchange Online" not in titles and "OpenID" not in titles,
                    "no cloud step: %s" % titles)
        assert_true("Autodiscover v2 (EWS) at autodiscover.nocloud15.test" in titles,
                    "on-premises v2 still asked: %s" % titles)
        assert_no_code(doc, "AUTODV2_FAILED", r=r)
        assert_true("mail.nocloud15.test:443 (Autodiscover v2)" in titles,
                    "the on-premises host from v2 probed: %s" % titles)
        # Without the flag the look-alikes are asked (OpenID + Exchange Online v2).
        probe("user@nocloud15.test", checks=checks, cache=False)
        assert_true(_cloud_log_lines() >= before + 3, "cloud lookups happen without the flag")


def _auth_log():
    try:
        with open(os.path.join(lab_dir(), "hma15-auth.log")) as f:
            return f.readlines()
    except OSError:
        return []


def test_no_credential_is_sent():
    # hma15.test logs what each request's Authorization carries (never its
    # value). With --user the password goes to autodiscover's POX request
    # only (the control: the log does see it there); hybridauth's requests
    # (EAS/EWS/MAPI/OAB with an empty Bearer, the NTLM NEGOTIATE, Autodiscover
    # v2) carry none -- with autodiscover in the run and without it.
    ca = ["--ca-file", LAB_CA] if os.path.isfile(LAB_CA) else []
    for checks in ("autodiscover,hybridauth", "hybridauth"):
        before = len(_auth_log())
        r = run(*lab_args(*(ca + ["-f", "json", "-c", checks, "--user", "user@hma15.test",
                                  "user@hma15.test"])), env={"EXPROBE_PASSWORD": "secret"})
        assert_true(r.code in (0, 1, 2), "exprobe ran %s" % r.describe())
        lines = [ln.split()[:3] for ln in _auth_log()[before:]]
        seen = {(m, u.split("?")[0], a.split("=", 1)[1]) for m, u, a in lines}
        hybrid = {a for m, u, a in seen if not u.lower().startswith("/autodiscover/")}
        assert_true({"bearer-empty", "ntlm-negotiate"} <= hybrid,
                    "-c %s: hybridauth's probes seen: %s" % (checks, sorted(seen)))
        assert_true(hybrid <= {"bearer-empty", "ntlm-negotiate", "-"},
                    "-c %s: hybridauth sent a credential: %s" % (checks, sorted(seen)))
        v2 = {a for m, u, a in seen if u.lower().endswith("/autodiscover.json")}
        assert_true(v2 <= {"-"}, "-c %s: Autodiscover v2 carried %s" % (checks, v2))
        if "autodiscover" in checks.split(",") and ca:
            pox = {a for m, u, a in seen if u.lower().endswith("/autodiscover.xml")}
            assert_true(pox & {"basic", "ntlm-authenticate"},
                        "control: autodiscover's POX with --user carries the credential: %s"
                        % sorted(seen))


def test_empty_password_refused_before_any_request():
    # Issue 15 point 5: an empty password is never sent (some front ends
    # count it as a failed logon): one line, exit 3, and not one request
    # reaches the lab's Exchange. Its log names the address in Autodiscover
    # v2's query: an address only this test uses; the same run with a
    # password does reach it (the control).
    addr = "emptypw15@hma15.test"
    ca = ["--ca-file", LAB_CA] if os.path.isfile(LAB_CA) else []

    def mine():
        return len([ln for ln in _auth_log() if "emptypw15" in ln])

    args = lab_args(*(ca + ["-f", "json", "-c", "autodiscover,hybridauth", "--user", addr,
                            addr]))
    before = mine()            # the lab's log outlives a run of the suite
    r = run(*args, env={"EXPROBE_PASSWORD": ""})
    assert_exit(r, 3)
    assert_eq(r.out, "", "stdout")
    assert_eq(len(r.err.strip().splitlines()), 1, "one line: %r" % r.err)
    assert_true("password is empty" in r.err, r.err)
    assert_eq(mine(), before, "requests about %s reached the server" % addr)
    r = run(*args, env={"EXPROBE_PASSWORD": "secret"})
    assert_true(mine() > before, "with a password the run reaches the server: %s" % r.describe())
