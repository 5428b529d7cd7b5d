#!/usr/bin/env python3
"""exprobe -i driven in tmux against the lab (tmux's regress/ way: a private
server per test, send-keys, capture-pane, bounded polling).

    python3 tests/tui/tui_tests.py [PATTERN...]

One line per test ("ok   name" / "FAIL name: why") and, last, exactly
"N passed, N failed" (tests/run.sh counts it). The screens each test saw
are kept in $TUI_LOG_DIR (default build/test-logs/tui/), so a run shows
the real evidence the session displayed.

Environment: EXPROBE (default build/exprobe), EXPROBE_ASAN (default
build/asan/exprobe: one session under ASan when it exists), LAB_DNS
(127.0.1.1), LAB_BLACKHOLE (127.0.1.2), TUI_JOBS (tests at once, default 4).
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXPROBE = os.path.abspath(os.environ.get("EXPROBE") or os.path.join(ROOT, "build", "exprobe"))
ASAN = os.path.abspath(os.environ.get("EXPROBE_ASAN") or
                       os.path.join(ROOT, "build", "asan", "exprobe"))
LAB_DNS = os.environ.get("LAB_DNS") or "127.0.1.1"
LAB_BLACKHOLE = os.environ.get("LAB_BLACKHOLE") or "127.0.1.2"
LAB_CA = os.path.join(ROOT, "build", "lab", "certs", "ca.pem")
LOG_DIR = os.environ.get("TUI_LOG_DIR") or os.path.join(os.path.dirname(EXPROBE), "test-logs",
                                                        "tui")
WAIT = 15.0          # seconds any one screen may take to appear
SGR = re.compile(r"\x1b\[([0-9;]*)m")


class TestFailure(AssertionError):
    pass


def fail(msg):
    raise TestFailure(msg)


def lab(*args):
    a = ["--dns-server", LAB_DNS]
    if os.path.isfile(LAB_CA):
        a += ["--ca-file", LAB_CA]
    return a + list(args)


class Session:
    """One exprobe -i in its own tmux server; the command runs in bash,
    which afterwards prints EXIT=<status> and the terminal modes (stty),
    so a test can see that the terminal was left sane."""

    def __init__(self, name, args, width=100, height=30, env=None, binary=None, pidfile=False):
        self.name = name
        self.sock = "xp%d_%s" % (os.getpid(), name)
        self.tmp = tempfile.mkdtemp(prefix="xp-tui-")
        self.err = os.path.join(self.tmp, "stderr")
        self.pidfile = os.path.join(self.tmp, "pid")
        self.screens = []
        conf = os.path.join(self.tmp, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g remain-on-exit on\nset -g status off\nset -g history-limit 100\n")
        cmd = " ".join(shlex.quote(a) for a in [binary or EXPROBE, "-i"] + list(args))
        if pidfile:
            # The PID of exprobe itself, for a signal aimed at it alone.
            cmd = "sh -c %s" % shlex.quote("echo $$ > %s; exec %s"
                                           % (shlex.quote(self.pidfile), cmd))
        script = ("%s 2>%s; echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | "
                  "grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; "
                  "echo SHELL-OK; sleep 300" % (cmd, shlex.quote(self.err)))
        envs = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "screen"}
        envs.update(env or {})
        envpart = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in envs.items())
        full = "env %s bash --norc --noprofile -c %s" % (envpart, shlex.quote(script))
        self.tmux("-f", conf, "new-session", "-d", "-s", "main", "-x", str(width), "-y",
                  str(height), full)

    def tmux(self, *args, check=True):
        p = subprocess.run(["tmux", "-L", self.sock] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=20)
        if check and p.returncode != 0:
            fail("tmux %s: %s" % (" ".join(args[:3]), p.stderr.decode(errors="replace").strip()))
        return p.stdout.decode("utf-8", "replace")

    def keys(self, *keys, literal=False):
        args = ["send-keys", "-t", "main"] + (["-l"] if literal else []) + list(keys)
        self.tmux(*args)

    def screen(self, escapes=False):
        s = self.tmux("capture-pane", "-p", "-t", "main", *(["-e"] if escapes else []))
        return s

    def lines(self):
        return self.screen().split("\n")

    def wait(self, what, timeout=WAIT, gone=False):
        """Poll until WHAT (a string, a regex or a function of the screen)
        is on screen (or, gone=True, no longer is). Returns the screen."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if callable(what):
                hit = what(s)
            elif isinstance(what, re.Pattern):
                hit = what.search(s) is not None
            else:
                hit = what in s
            if hit != gone:
                self.screens.append(s)
                return s
            if time.monotonic() > deadline:
                self.screens.append(s)
                fail("%s %r within %gs; the screen:\n%s"
                     % ("still showing" if gone else "no", getattr(what, "pattern", what),
                        timeout, s))
            time.sleep(0.1)

    def selected(self):
        """The text of the line painted in reverse video (the cursor)."""
        for line in self.screen(escapes=True).split("\n"):
            for m in SGR.finditer(line):
                if "7" in m.group(1).split(";"):
                    return SGR.sub("", line)
        return ""

    def pid(self):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                with open(self.pidfile) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                time.sleep(0.05)
        fail("exprobe never wrote its pid")

    def stderr(self):
        try:
            with open(self.err, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def ended(self, timeout=WAIT):
        """Wait for exprobe to end; returns (exit status, screen)."""
        s = self.wait("SHELL-OK", timeout)
        m = re.search(r"EXIT=(\d+)", s)
        if not m:
            fail("no exit status on screen:\n%s" % s)
        modes = re.search(r"EXIT=\d+\s*\n(.*)\n", s)
        if not modes or "icanon" not in modes.group(1).split() or \
                "echo" not in modes.group(1).split():
            fail("terminal not sane after exprobe ended (stty: %r):\n%s"
                 % (modes.group(1) if modes else None, s))
        return int(m.group(1)), s

    def close(self):
        self.tmux("kill-server", check=False)
        os.makedirs(LOG_DIR, exist_ok=True)
        with open(os.path.join(LOG_DIR, self.name + ".txt"), "w") as f:
            for i, s in enumerate(self.screens):
                f.write("---- screen %d\n%s\n" % (i + 1, s))
            err = self.stderr()
            if err:
                f.write("---- stderr\n%s\n" % err)
        shutil.rmtree(self.tmp, ignore_errors=True)


def session(name, *args, **kw):
    return Session(name, args, **kw)


def status_line(s):
    return s.split("\n")[0]


def expect(cond, msg):
    if not cond:
        fail(msg)


# ---------------------------------------------------------------- tests

def test_refuses_without_a_terminal():
    p = subprocess.run([EXPROBE, "-i", "--dns-server", LAB_DNS, "lyncdead.test"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20)
    err = p.stderr.decode("utf-8", "replace")
    expect(p.returncode == 3, "exit %d, expected 3" % p.returncode)
    expect(p.stdout == b"", "stdout not empty: %r" % p.stdout[:200])
    expect(len(err.splitlines()) == 1 and "-i needs a terminal" in err,
           "stderr is not one clear line: %r" % err)


def test_format_and_output_refused_with_tui():
    s = session("refuse_format", *lab("-f", "json", "lyncdead.test"))
    try:
        code, scr = s.ended()
        err = s.stderr()
        expect(code == 3, "exit %d for -i -f json, expected 3" % code)
        expect(len(err.splitlines()) == 1 and "-i is interactive" in err,
               "not one clear line on stderr: %r" % err)
    finally:
        s.close()


def test_tree_appears():
    s = session("tree", *lab("lyncdead.test"))
    try:
        scr = s.wait("done in")
        top = status_line(scr)
        for want in ("exprobe", "lyncdead.test", "pass", "warn", "fail", "skip"):
            expect(want in top, "status line lacks %r: %r" % (want, top))
        for want in ("autodiscover", "Autodiscover", "preauth", "cert"):
            expect(want in scr, "tree lacks %r:\n%s" % (want, scr))
        s.keys("G")
        scr = s.wait("Teams / Skype for Business records")
        s.keys("g")
        s.wait("Autodiscover")
        expect("q quit" in scr.rstrip("\n").split("\n")[-1], "no key bar:\n%s" % scr)
        s.keys("q")
        code, scr = s.ended()
        expect(code == 2, "exit %d, expected 2 (lyncdead.test fails)" % code)
        expect("exprobe: lyncdead.test: FAIL" in scr, "no verdict line after quit:\n%s" % scr)
    finally:
        s.close()


def test_failed_check_shows_evidence():
    s = session("evidence", *lab("-c", "lync", "lyncdead.test"))
    try:
        scr = s.wait("done in")
        # A failed check opens by itself, down to the failing step.
        expect("TLS sip.lyncdead.test:443 (127.0.1.99)" in scr,
               "the failed step is not shown:\n%s" % scr)
        expect("connection refused" in scr, "no error on the failed step:\n%s" % scr)
        # The check's details: every finding with its evidence and fix.
        s.keys("d")
        scr = s.wait("address: 127.0.1.99")
        for want in ("LYNC_UNREACHABLE", "fix: ", "port: 443"):
            expect(want in scr, "details lack %r:\n%s" % (want, scr))
        # Tab into the pane, scroll to its end: the second finding's evidence.
        s.keys("Tab", "End")
        scr = s.wait("port: 5061")
        expect("error: connection refused (nothing listens on port 5061)" in scr,
               "the pane's end lacks the error:\n%s" % scr)
        s.keys("Tab")
        # n goes to a problem; on a finding, Enter shows it alone.
        for _ in range(12):
            if "LYNC_UNREACHABLE" in s.selected():
                break
            s.keys("n")
            time.sleep(0.15)
        expect("LYNC_UNREACHABLE" in s.selected(),
               "n never reached a finding (selected: %r)" % s.selected())
        s.keys("Enter")
        scr = s.wait("found in: TLS sip.lyncdead.test")
        expect("LYNC_UNREACHABLE (fail)" in scr, "no finding header:\n%s" % scr)
        expect("127.0.1.99" in scr[scr.index(" details ("):], "no address in the pane:\n%s" % scr)
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_collapse_and_expand():
    s = session("fold", *lab("-c", "lync", "lyncdead.test"))
    try:
        s.wait("SRV targets accept TLS connections")
        expect("lync" in s.selected(), "the cursor is not on the check: %r" % s.selected())
        s.keys("Left")
        s.wait("SRV targets accept TLS connections", gone=True)
        s.keys("Right")
        s.wait("SRV targets accept TLS connections")
        # Enter toggles too; h on a step goes to its parent.
        s.keys("j", "j")
        time.sleep(0.2)
        s.keys("h")
        time.sleep(0.2)
        expect("Teams / Skype for Business records" in s.selected(),
               "h did not go to the parent: %r" % s.selected())
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_rerun_updates_elapsed_and_counts():
    # The TLS stall server holds the cert check for --timeout: long enough to see.
    s = session("rerun", *lab("-c", "cert", "--hosts", "stall.certs.test", "--timeout", "1.5",
                              "lyncdead.test"))
    try:
        scr = s.wait(re.compile(r"running [0-9.]+ s .*running: cert"))
        scr = s.wait("done in", timeout=10)
        first = status_line(scr)
        expect("1 fail" in first, "counts after the run: %r" % first)
        s.keys("r")
        scr = s.wait(re.compile(r"running [0-9.]+ s"))
        expect("re-running cert" in scr or "running: cert" in status_line(scr),
               "no sign of the rerun:\n%s" % scr)
        expect("0 fail" in status_line(scr), "counts do not show the check running again: %r"
               % status_line(scr))
        scr = s.wait("done in", timeout=10)
        expect("1 fail" in status_line(scr), "counts after the rerun: %r" % status_line(scr))
        # R: every check again.
        s.keys("R")
        s.wait(re.compile(r"running [0-9.]+ s"))
        s.wait("done in", timeout=10)
        s.keys("q")
        code, _ = s.ended()
        expect(code == 2, "exit %d" % code)
    finally:
        s.close()


def test_rerun_dane_after_its_validator_retired():
    # Once the last dane check is judged the run retires the DNSSEC validator
    # (its teardown overlaps the rest of the run); R asks again: a new one
    # is built and the verdict is the same.
    anchors = os.path.join(ROOT, "build", "lab", "dane13", "anchors.key")
    s = session("rerun_dane", *lab("-c", "smtp,dane", "--trust-anchor", anchors,
                                   "good.dane13.test"))
    try:
        scr = s.wait("done in")
        expect("0 fail" in status_line(scr), "counts after the run: %r" % status_line(scr))
        s.keys("R")
        s.wait("re-run 1 at")
        # smtp's rerun may end before dane's starts: let both settle (no
        # timing is asserted, the verdict is).
        time.sleep(1.0)
        scr = s.wait(re.compile(r"re-run 1 at .*done in"), timeout=10)
        expect("2 pass" in status_line(scr) and "0 fail" in status_line(scr),
               "counts after the rerun: %r" % status_line(scr))
        s.keys("q")
        code, _ = s.ended()
        expect(code == 0, "exit %d" % code)
    finally:
        s.close()


def test_rerun_takes_the_checks_that_use_it():
    s = session("rerun_deps", *lab("-c", "lync,cert", "lyncdead.test"))
    try:
        s.wait("done in")
        s.keys("G")
        s.wait("Teams / Skype for Business records")
        for _ in range(60):
            if "Teams / Skype for Business records" in s.selected():
                break
            s.keys("k")
            time.sleep(0.05)
        s.keys("r")
        s.wait("re-running lync and the checks that use its results")
        s.wait("done in")
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_resize_redraws():
    s = session("resize", *lab("lyncdead.test"), width=100, height=30)
    try:
        s.wait("done in")
        s.tmux("resize-window", "-t", "main", "-x", "80", "-y", "24")

        def laid_out(w, h):
            def ok(scr):
                lines = scr.rstrip("\n").split("\n")
                return len(lines) == h and lines[-1].startswith(" ? help") and \
                    lines[0].startswith(" exprobe") and max(len(x) for x in lines) <= w
            return ok
        s.wait(laid_out(80, 24))
        s.keys("d")
        scr = s.wait("details")
        expect(len(scr.rstrip("\n").split("\n")) == 24, "not 24 lines at 80x24")
        s.tmux("resize-window", "-t", "main", "-x", "160", "-y", "40")
        s.wait(laid_out(160, 40))
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_small_terminal_is_usable():
    s = session("80x24", *lab("lyncdead.test"), width=80, height=24)
    try:
        scr = s.wait("done in")
        top = status_line(scr)
        expect("fail" in top and "lyncdead.test" in top, "status line at 80 columns: %r" % top)
        bar = scr.rstrip("\n").split("\n")[-1]
        expect(bar.startswith(" ? help  q quit"), "no key bar, or ? help not first:\n%s" % scr)
        s.keys("p")
        s.wait("ready: no")
        s.keys("Escape", "?")
        s.wait("Keys")
        s.keys("Escape", "q")
        s.ended()
    finally:
        s.close()


def test_quit_mid_run_cancels_cleanly():
    # A resolver that never answers: every check waits for --timeout.
    s = session("quit_mid_run", "--dns-server", LAB_BLACKHOLE, "--timeout", "20", "-c",
                "cname,lync", "lyncdead.test")
    try:
        s.wait(re.compile(r"running [0-9.]+ s"))
        t0 = time.monotonic()
        s.keys("q")
        code, scr = s.ended()
        expect(time.monotonic() - t0 < 5, "q took %.1fs" % (time.monotonic() - t0))
        expect("(interrupted)" in scr, "the verdict does not say interrupted:\n%s" % scr)
        expect(code == 3, "exit %d after quitting a run with unfinished checks (unknown: 3)" % code)
    finally:
        s.close()


def test_ctrl_c_restores_terminal():
    s = session("ctrl_c", "--dns-server", LAB_BLACKHOLE, "--timeout", "20", "-c", "cname",
                "lyncdead.test")
    try:
        s.wait(re.compile(r"running [0-9.]+ s"))
        s.keys("C-c")
        code, scr = s.ended()
        expect("(interrupted)" in scr, "not reported as interrupted:\n%s" % scr)
    finally:
        s.close()


def test_sigterm_restores_terminal():
    s = session("sigterm", "--dns-server", LAB_BLACKHOLE, "--timeout", "20", "-c", "cname",
                "lyncdead.test", pidfile=True)
    try:
        s.wait(re.compile(r"running [0-9.]+ s"))
        os.kill(s.pid(), 15)
        code, scr = s.ended()
        expect("(interrupted)" in scr, "not reported as interrupted:\n%s" % scr)
    finally:
        s.close()


def test_crash_signal_restores_terminal():
    # A sanitizer build (make asan-test) would catch the SIGSEGV itself and
    # report it (exit 86): let the signal through, as in a normal build.
    s = session("crash", *lab("-c", "lync", "lyncdead.test"), pidfile=True,
                env={"ASAN_OPTIONS": "handle_segv=0", "UBSAN_OPTIONS": "handle_segv=0"})
    try:
        s.wait("done in")
        os.kill(s.pid(), 11)   # SIGSEGV, as a crash would raise it
        code, scr = s.ended()
        expect(code == 128 + 11, "exit %d, expected death by SIGSEGV (139)" % code)
    finally:
        s.close()


def test_filter_problems():
    s = session("filter", *lab("-c", "cname,lync", "lyncdead.test"))
    try:
        scr = s.wait("done in")
        expect("Microsoft 365 domain records" in scr, "the passing check is missing:\n%s" % scr)
        s.keys("f")
        scr = s.wait("filter: problems")
        expect("Microsoft 365 domain records" not in scr,
               "the passing cname check is still shown:\n%s" % scr)
        expect("Teams / Skype for Business records" in scr, "the failed check is hidden")
        expect("sip record" not in scr, "a passing step is still shown:\n%s" % scr)
        s.keys("f")
        s.wait("Microsoft 365 domain records")
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_preflight_panel():
    s = session("preflight", *lab("-c", "cname", "--expect",
                                  os.path.join(ROOT, "fixtures", "dns", "expect", "hybrid.conf"),
                                  "hybridcloudad.test"))
    try:
        s.wait("done in")
        s.keys("p")
        scr = s.wait("Hybrid Configuration Wizard pre-flight")
        for want in ("hybridcloudad.test", "ready: no \u2014 1 blocker", "[NOT READY]",
                     "CNAME_WRONG_TARGET", "fix: Point autodiscover.hybridcloudad.test"):
            expect(want in scr, "the panel lacks %r:\n%s" % (want, scr))
        # The items come in the order an admin fixes things: the domain's
        # verification record first.
        scr = s.wait("[READY]     Domain verification record present")
        expect("TXT_VERIFICATION_FOUND" in scr, "the ready item lacks its code:\n%s" % scr)
        s.keys("End")
        s.wait("Sending IP")
        s.keys("Escape")
        s.wait("Hybrid Configuration Wizard pre-flight", gone=True)
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_help():
    s = session("help", *lab("-c", "lync", "lyncdead.test"))
    try:
        s.wait("done in")
        s.keys("?")
        # The whole overlay, not its first rows: the screen is read while
        # the terminal may still be drawing it (seen under ASan on a busy
        # machine: "Keys" was there, the lines below not yet).
        wants = ("Keys", "re-run the selected check", "filter", "pre-flight", "save the report")
        scr = s.wait(lambda scr: all(w in scr for w in wants))
        for want in wants:
            expect(want in scr, "help lacks %r" % want)
        s.keys("Escape")
        s.wait("re-run the selected check", gone=True)
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_save_reports():
    d = tempfile.mkdtemp(prefix="xp-tui-save-")
    s = session("save", *lab("-c", "lync,cname", "lyncdead.test"))
    try:
        s.wait("done in")
        for name, kind in (("r.json", "JSON"), ("r.xml", "JUnit XML"), ("r.txt", "text")):
            path = os.path.join(d, name)
            s.keys("s")
            s.wait("Save report to")
            s.keys("C-u")
            s.keys(path, literal=True)
            s.keys("Enter")
            s.wait("saved %s report to" % kind)
            expect(os.path.isfile(path), "%s not written" % path)
        with open(os.path.join(d, "r.json")) as f:
            doc = json.load(f)
        expect(doc.get("target") == "lyncdead.test" and doc.get("status") == "fail",
               "saved JSON: %r" % {k: doc.get(k) for k in ("target", "status")})
        root = ET.parse(os.path.join(d, "r.xml")).getroot()
        expect(root.tag == "testsuites" and root.find("testsuite").get("failures") == "1",
               "saved JUnit: %r" % root.attrib)
        with open(os.path.join(d, "r.txt")) as f:
            txt = f.read()
        expect("LYNC_UNREACHABLE" in txt and "\x1b[" not in txt, "saved text: %r" % txt[:300])
        expect(sorted(os.listdir(d)) == ["r.json", "r.txt", "r.xml"],
               "left-overs: %r" % os.listdir(d))
        # Esc cancels.
        s.keys("s")
        s.wait("Save report to")
        s.keys("Escape")
        s.wait("not saved")
        # "-" is the terminal this session draws on: refused, no file "-".
        s.keys("s")
        s.wait("Save report to")
        s.keys("C-u")
        s.keys("-", literal=True)
        s.keys("Enter")
        s.wait("is the terminal")
        # A symlink is written through, as -o does (the link stays a link).
        real, link = os.path.join(d, "real.json"), os.path.join(d, "link.json")
        with open(real, "w") as f:
            f.write("old\n")
        os.symlink(real, link)
        s.keys("s")
        s.wait("Save report to")
        s.keys("C-u")
        s.keys(link, literal=True)
        s.keys("Enter")
        s.wait("saved JSON report to")
        expect(os.path.islink(link), "the TUI's save replaced the symlink")
        with open(real) as f:
            expect(json.load(f).get("target") == "lyncdead.test", "the link's target not written")
        s.keys("q")
        s.ended()
    finally:
        s.close()
        shutil.rmtree(d, ignore_errors=True)


def test_next_problem_one_press_per_finding_opening_closed_nodes():
    s = session("nextprob", *lab("-c", "lync,cname", "lyncdead.test"))
    try:
        s.wait("done in")
        # Close everything: n must still reach the findings, one press each.
        s.keys("g")
        for _ in range(3):
            s.keys("h")
        seen = []
        for _ in range(3):
            s.keys("n")
            time.sleep(0.3)
            sel = s.selected()
            m = re.search(r"\b([A-Z][A-Z0-9_]{3,})\b", sel)
            expect(m, "n did not land on a finding: %r\n%s" % (sel, s.screen()))
            seen.append(m.group(1))
        expect(seen[0] != seen[1] or "LYNC" in seen[0],
               "n stayed on the same node: %r" % seen)
        expect(all(c.startswith("LYNC_") for c in seen[:2]), "n order: %r" % seen)
        s.keys("N")
        time.sleep(0.3)
        expect(re.search(r"[A-Z]+_[A-Z_]+", s.selected()), "N did not land on a finding")
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_search_and_save_prompt_replaced_by_typing():
    d = tempfile.mkdtemp(prefix="xp-tui-search-")
    s = session("search", *lab("-c", "lync,cname", "lyncdead.test"))
    try:
        s.wait("done in")
        s.keys("/")
        s.wait("Find")
        s.keys("FEDERATIONTLS", literal=True)   # any case
        s.keys("Enter")
        time.sleep(0.3)
        expect("_sipfederationtls" in s.selected(), "/ did not select a match: %r" % s.selected())
        # The suggested name goes as soon as one types (no C-u needed).
        path = os.path.join(d, "typed.txt")
        s.keys("s")
        s.wait("Save report to")
        s.keys(path, literal=True)
        s.keys("Enter")
        s.wait("saved text report to")
        expect(os.listdir(d) == ["typed.txt"], "saved as %r" % os.listdir(d))
        s.keys("q")
        s.ended()
    finally:
        s.close()
        shutil.rmtree(d, ignore_errors=True)


def test_rerun_says_when():
    s = session("rerunat", *lab("-c", "cname", "cloud.test"))
    try:
        s.wait("done in")
        s.keys("R")
        scr = s.wait(re.compile(r"re-run 1 at \d\d:\d\d:\d\d, done in"))
        expect("re-run 1 at" in status_line(scr), "status line: %r" % status_line(scr))
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_preflight_flag_opens_the_panel():
    s = session("ipreflight", *lab("--preflight", "-c", "cname,lync", "lyncdead.test"))
    try:
        s.wait("ready:")
        s.keys("Escape", "q")
        s.ended()
    finally:
        s.close()


def test_changes_pane_with_baseline():
    d = tempfile.mkdtemp(prefix="xp-tui-base-")
    base = os.path.join(d, "base.json")
    r = subprocess.run([EXPROBE, "-f", "json"] + lab("-c", "cname", "mxmixed.test"),
                       stdout=subprocess.PIPE, timeout=60)
    doc = json.loads(r.stdout)
    for c in doc["checks"]:
        c["findings"] = [f for f in c["findings"] if f["code"] != "MX_MIXED"]
    with open(base, "w") as f:
        json.dump(doc, f)
    s = session("changes", *lab("-c", "cname", "--baseline", base, "mxmixed.test"))
    try:
        s.wait("done in")
        s.keys("c")
        scr = s.wait("Changes since")
        expect("MX_MIXED" in scr, "the new finding is listed:\n%s" % scr)
        s.keys("Escape", "q")
        s.ended()
    finally:
        s.close()
        shutil.rmtree(d, ignore_errors=True)


def test_several_targets_are_top_level_nodes():
    s = session("targets", *lab("-c", "cname", "lyncdead.test", "cloud.test"))
    try:
        scr = s.wait("done in")
        expect("2 targets" in status_line(scr), "status line: %r" % status_line(scr))
        rows = scr.split("\n")
        t1 = [i for i, l in enumerate(rows) if "lyncdead.test" in l and i > 0]
        t2 = [i for i, l in enumerate(rows) if re.search(r"\bcloud\.test\b", l) and i > 0]
        expect(t1 and t2 and t1[0] < t2[0], "targets are not top-level rows:\n%s" % scr)
        # They start closed, each with its counts.
        expect(t2[0] == t1[0] + 1, "targets are not closed at start:\n%s" % scr)
        expect(re.search(r"lyncdead\.test\s+\d+ pass\s+\d+ warn\s+\d+ fail", rows[t1[0]]),
               "no counts on the target row: %r" % rows[t1[0]])
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_colour_and_monochrome():
    colour_fg = re.compile(r"\x1b\[(?:[0-9;]*;)?3[1-7][;m]")
    s = session("colour", *lab("-c", "lync", "lyncdead.test"))
    m = session("mono", *lab("-c", "lync", "lyncdead.test"), env={"NO_COLOR": "1"})
    try:
        s.wait("done in")
        m.wait("done in")
        expect(colour_fg.search(s.screen(escapes=True)), "no colour in the colour session")
        hit = colour_fg.search(m.screen(escapes=True))
        expect(not hit, "colour with NO_COLOR: %r" % (hit.group() if hit else None))
        expect(m.selected(), "no reverse-video cursor in monochrome")
        for x in (s, m):
            x.keys("q")
            x.ended()
    finally:
        s.close()
        m.close()


def test_hostile_text_stays_text():
    s = session("hostile", *lab("-c", "cname", "txtmangled.test"))
    try:
        s.wait("done in")
        s.keys("l", "j", "l")   # open the verification step, to its TXT answer
        time.sleep(0.3)
        s.keys("j", "d")
        s.wait("status: pass")
        # The answer's records come in any order: page through the pane.
        s.keys("Tab", "Home")
        scr = ""
        for _ in range(12):
            time.sleep(0.2)
            scr = s.screen()
            if "esc\\027[31mred" in scr:
                break
            s.keys("PgDn")
        expect("esc\\027[31mred" in scr, "the escaped TXT bytes are not shown:\n%s" % scr)
        s.screens.append(scr)
        expect("\x1b" not in s.screen(), "a raw ESC reached the screen")
        s.keys("q")
        s.ended()
    finally:
        s.close()


def test_asan_session_is_clean():
    if not os.access(ASAN, os.X_OK):
        print("# %s not built (make asan): the ASan session is skipped" % ASAN)
        return
    s = session("asan", *lab("-c", "lync,cname,cert", "--hosts", "stall.certs.test",
                             "--timeout", "1", "lyncdead.test"), binary=ASAN,
                env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
                     "UBSAN_OPTIONS": "print_stacktrace=1"})
    try:
        s.wait("done in", timeout=40)
        s.keys("G", "d")
        s.wait("details")
        s.keys("g", "r")
        s.wait(re.compile(r"running [0-9.]+ s"))
        s.tmux("resize-window", "-t", "main", "-x", "80", "-y", "24")
        s.keys("f", "p")
        s.wait("pre-flight")
        s.keys("Escape")
        s.wait("done in", timeout=40)
        s.keys("q")
        code, scr = s.ended(timeout=40)
        err = s.stderr()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            expect(marker not in err, "sanitizer report:\n%s" % err[:3000])
        expect(code == 2, "exit %d under ASan (stderr: %s)" % (code, err[:500]))
    finally:
        s.close()


# ---------------------------------------------------------------- issue 11 in the TUI

# (name, args, exit status, verdict, on the screen once done, never on it,
# in the first check's details pane): the diagnosis the CLI gives
# (tests/integration/test_diagnosis.py, test_premises.py, test_dnserrors.py),
# the same in the TUI.
DIAGNOSES = [
    ("cert_where_used", lab("-c", "autodiscover", "adexp11.test"), 2, "FAIL",
     ["AUTOD_CERT_INVALID"], [], "certificate_problem: CERT_EXPIRED"),
    ("nxdomain", lab("nosuch11.test"), 2, "FAIL",
     ["DOMAIN_NOT_FOUND", "(skipped)"], [], "check the spelling"),
    ("dns_unknown", lab("-c", "dkim", "dkim.dnserr11.test"), 3, "UNKNOWN",
     ["1 unknown", "DKIM_DNS_ERROR"], ["1 fail"], "dns_status: SERVFAIL"),
    ("no_resolver", ["--dns-server", LAB_BLACKHOLE, "--timeout", "1", "cloud.test"], 3,
     "UNKNOWN", ["1 unknown", "RESOLVER_UNREACHABLE"], [], "--dns-server"),
    ("one_cause", lab("-c", "autodiscover,cname", "noad.test"), 2, "FAIL",
     ["AUTOD_NO_ENDPOINT"], ["AUTOD_DNS_MISSING", "CNAME_MISSING"],
     "_autodiscover._tcp.noad.test"),
]


def test_issue11_diagnoses_as_in_the_cli():
    for name, args, code_want, verdict, shown, never, detail in DIAGNOSES:
        s = session("diag_" + name, *args)
        try:
            scr = s.wait("done in")
            for want in shown:
                expect(want in scr, "%s: the screen lacks %r:\n%s" % (name, want, scr))
            for bad in never:
                expect(bad not in scr, "%s: the screen shows %r:\n%s" % (name, bad, scr))
            s.keys("d")
            s.wait(detail)
            s.keys("q")
            code, scr = s.ended()
            expect(code == code_want, "%s: exit %d, expected %d" % (name, code, code_want))
            expect(re.search(r"exprobe: \S+: %s - " % verdict, scr),
                   "%s: no %s verdict line after quit:\n%s" % (name, verdict, scr))
        finally:
            s.close()


# ---------------------------------------------------------------- runner

def main(argv):
    if not shutil.which("tmux"):
        print("# tmux is not installed (apt-get install tmux)")
        print("0 passed, 1 failed")
        return 1
    pats = [a for a in argv if not a.startswith("-")]
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    if pats:
        tests = [(n, f) for n, f in tests if any(p in n for p in pats)]
    print("# exprobe: %s (lab dns %s); screens in %s" % (EXPROBE, LAB_DNS, LOG_DIR))
    sys.stdout.flush()

    def one(t):
        name, fn = t
        t0 = time.monotonic()
        try:
            fn()
            return None, time.monotonic() - t0
        except Exception as e:   # a test's own failure or a harness error
            if isinstance(e, AssertionError):
                return str(e), time.monotonic() - t0
            tb = traceback.extract_tb(e.__traceback__)[-1]
            return "%s: %s (at line %d)" % (type(e).__name__, e, tb.lineno), \
                time.monotonic() - t0

    passed = failed = 0
    with ThreadPoolExecutor(max_workers=int(os.environ.get("TUI_JOBS") or 4)) as pool:
        futs = [(n, pool.submit(one, (n, f))) for n, f in tests]
        for name, fut in futs:
            err, dt = fut.result()
            if err is None:
                passed += 1
                print("ok   tui.%s%s" % (name, "  (%.1fs)" % dt if dt >= 1 else ""))
            else:
                failed += 1
                print("FAIL tui.%s: %s" % (name, " | ".join(err.splitlines()[:40])))
            sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
