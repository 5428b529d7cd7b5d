"""preauth's Exchange build, read anonymously (issue 15): from
GetFederationInformation's ServerVersionInfo, the X-OWA-Version header, or
the OWA logon page's /owa/auth/<build>/ asset path; mapped with the build
table (probes/exbuild.c) to EXCHANGE_BUILD (info), EXCHANGE_UNSUPPORTED
(2013/2016/2019 after their end of support) and
EXCHANGE_BELOW_HYBRID_APP_BUILD (below the April 2025 hotfix update).

Lab: tests/lab/README.md ("Hybrid modern auth, Autodiscover v2, build").
"""

from harness import (assert_code, assert_eq, assert_exit, assert_no_code, assert_problem_shape,
                     assert_true, probe)

def _run(domain, *args, expect=None):
    return probe(domain, *args, checks="preauth", expect=expect)


def _build(doc, r=None):
    f = assert_code(doc, "EXCHANGE_BUILD", "info", "preauth", r=r)
    return f[0]["evidence"]


def test_exchange_se_is_healthy():
    r, doc = _run("hma15.test")
    ev = _build(doc, r)
    assert_eq(ev.get("version"), "15.2.2562.41", "SE build version")
    assert_eq(ev.get("source"), "GetFederationInformation ServerVersionInfo", "build source")
    assert_eq(ev.get("build_name"), "Exchange Server SE RTM May26HU", "build name")
    assert_eq(ev.get("support_end"), "Modern Lifecycle", "SE support end")
    assert_eq(ev.get("hybrid_app_ready"), "yes", "SE hybrid app")
    assert_eq(ev.get("extended_protection_default"), "yes", "SE EP default")
    assert_no_code(doc, "EXCHANGE_UNSUPPORTED", r=r)
    assert_no_code(doc, "EXCHANGE_BELOW_HYBRID_APP_BUILD", r=r)
    assert_exit(r, 0)


def test_exchange_2016_unsupported_and_below_hybrid_app():
    r, doc = _run("ex2016-15.test")
    ev = _build(doc, r)
    assert_eq(ev.get("build_name"), "Exchange Server 2016 CU23 Nov24SUv2", "2016 build name")
    assert_eq(ev.get("latest_known_update"), "CU23 Feb26SU (15.1.2507.66)", "newest CU23 update")
    un = assert_code(doc, "EXCHANGE_UNSUPPORTED", "fail", "preauth", r=r)[0]
    assert_problem_shape(un, doc)
    assert_eq(un["evidence"].get("support_end"), "2025-10-14", "2016 support end")
    below = assert_code(doc, "EXCHANGE_BELOW_HYBRID_APP_BUILD", "warn", "preauth", r=r)[0]
    assert_problem_shape(below, doc)
    assert_true("2025-10-31" in below["message"], "the message names the EWS block date")
    assert_exit(r, 2)


def test_below_hybrid_app_fails_for_declared_hybrid():
    r, doc = _run("ex2016-15.test", expect="hybrid")
    assert_code(doc, "EXCHANGE_BELOW_HYBRID_APP_BUILD", "fail", "preauth", r=r)
    r, doc = _run("ex2016-15.test", expect="onprem")
    assert_code(doc, "EXCHANGE_BELOW_HYBRID_APP_BUILD", "info", "preauth", r=r)


def test_exchange_2019_from_x_owa_version():
    r, doc = _run("ex2019-15.test")
    ev = _build(doc, r)
    assert_eq(ev.get("source"), "X-OWA-Version header", "build source")
    assert_eq(ev.get("version"), "15.2.1748.24", "2019 version")
    assert_code(doc, "EXCHANGE_UNSUPPORTED", "fail", "preauth", r=r)
    # CU15 Apr25HU can use the dedicated hybrid app.
    assert_no_code(doc, "EXCHANGE_BELOW_HYBRID_APP_BUILD", r=r)


def test_asset_path_only_names_the_cu():
    r, doc = _run("hmanone15.test")
    ev = _build(doc, r)
    assert_eq(ev.get("source"), "OWA logon page asset path", "build source")
    assert_eq(ev.get("version"), "15.2.1544", "asset path version")
    assert_eq(ev.get("hybrid_app_ready"), "unknown", "no revision: hybrid app unknown")
    assert_code(doc, "EXCHANGE_UNSUPPORTED", "fail", "preauth", r=r)
    assert_no_code(doc, "EXCHANGE_BELOW_HYBRID_APP_BUILD", r=r)


def test_no_build_behind_a_preauth_proxy():
    r, doc = _run("tmg.test")
    assert_no_code(doc, "EXCHANGE_BUILD", r=r)
