#!/usr/bin/env python3
"""tests/bench/bench.py - exprobe's speed and memory figures against peer tools,
all measured in the same run against the local lab (tests/lab).

    tests/bench/bench.py BUILD/exprobe          (make bench)

Scenarios (each command: warm-up runs, then timed runs; median and p90 wall
time, peak RSS of the child from os.wait4's rusage):

  1. STARTTLS certificate of one MX: exprobe -c smtp,cert ok.smtp.test
     vs openssl s_client, swaks, sslscan and nmap ssl-cert on 127.0.1.70:25.
  2. Office 365 DNS records of one domain: exprobe -c cname,lync cloud.test
     vs the same 8 questions asked with 8 sequential dig processes.
  3. Whole domain, every check: exprobe ... hybrid.test (absolute figures).
  3b. What dane and mtasts cost a whole run: -c all vs -c all,-dane,-mtasts,
     timed turn about (one run of each in turn, so a change of machine load
     hits both alike), on hybrid.test and on good.dane13.test (the lab's
     healthy domain with DANE and MTA-STS enforce), under the lab's DNSSEC
     trust anchors; wall and CPU (user+sys: what a loaded machine turns into
     wall time). The issue-13 bound: within 10% (dane and mtasts start with
     the run and only judge after smtp).
  3c. The same pair with every byte 25 ms each way (BUILD/delay_proxy from
     tests/bench/delay_proxy.c, the bulk bench's wide-area stand-in) on
     dN.slow.b17.test: DNS, SMTP and HTTPS as slow as the Internet, where
     the overlap is what counts.
  4. Many domains: 200 distinct lab domains (b17.test) in one exprobe
     --domains-file run vs one exprobe process per domain (sequential).
  5. Robustness: the lab's dripping / silent SMTP servers with --timeout 2.

Every command is run once with its output captured before it is timed, and
its output checked (a peer that fails fast must not look fast): a command
that fails the check is reported "failed: ..." and gets no ratio.

Peers are Debian packages (swaks + libnet-ssleay-perl, sslscan, nmap); the
missing ones are installed with apt-get when running as root, and a peer
that cannot be installed is reported "not available" (the bench still
exits 0). The lab is started only if it is not running, and stopped again
only if this run started it (LAB_KEEP=1: never stopped).

Prints a table and one line per comparison ("exprobe vs PEER: x.xx times"),
and writes the table as JSON (default: next to the exprobe binary, i.e.
build/bench.json).

Environment:
  BENCH_N (20), BENCH_WARMUP (2)       runs of the quick commands
  BENCH_N_SLOW (5), BENCH_WARMUP_SLOW (1)
                                       runs of the 200-process sequence
  BENCH_N_TIMEOUT (3)                  runs of each --timeout 2 case (no warm-up)
  BENCH_NO_INSTALL=1                   never call apt-get
  BENCH_TESTSSL=1                      also testssl.sh -S (about 7 s a run; 3 runs)
  BENCH_JSON=PATH                      where the JSON goes
  LAB_DNS (127.0.1.1), LAB_DIR, LAB_KEEP
Exit: 0 when the figures were produced (peers missing or not); 1 when
exprobe itself could not be measured (lab down, binary missing or failing).
"""

import json
import math
import os
import platform
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_SH = os.path.join(ROOT, "tests", "lab", "lab.sh")

DNS = os.environ.get("LAB_DNS", "127.0.1.1")
N = int(os.environ.get("BENCH_N", "20"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
N_SLOW = int(os.environ.get("BENCH_N_SLOW", "5"))
WARMUP_SLOW = int(os.environ.get("BENCH_WARMUP_SLOW", "1"))
N_TIMEOUT = int(os.environ.get("BENCH_N_TIMEOUT", "3"))
RUN_TIMEOUT = 60.0        # seconds; a run that takes longer is killed

MX_ADDR = "127.0.1.70"    # Exim, STARTTLS, certificate for mx.ok.smtp.test
MX_NAME = "mx.ok.smtp.test"
MX_DOMAIN = "ok.smtp.test"

# Scenario 4's domains: the first MANY of the bulk zone b17.test.
MANY = 200

# Peer Debian packages: peer -> (packages, executable).
PEER_PKGS = {
    "swaks": (["swaks", "libnet-ssleay-perl"], "swaks"),
    "sslscan": (["sslscan"], "sslscan"),
    "nmap": (["nmap"], "nmap"),
    "testssl": (["testssl.sh"], "testssl"),
    "time": (["time"], "/usr/bin/time"),      # GNU time: peak RSS (see GNU_TIME)
}


def say(msg=""):
    print(msg, flush=True)


# ------------------------------------------------------------------ peers

def dpkg_installed(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", pkg],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.returncode == 0 and r.stdout.strip() == "install ok installed"


def apt_install(pkgs, log):
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=60", "install", "-y",
           "--no-install-recommends"] + pkgs
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                          stdin=subprocess.DEVNULL).returncode == 0


def ensure_peers(wanted, logpath):
    """Install the missing Debian packages of the WANTED peers; return
    {peer: None if usable else why not}."""
    missing = sorted({p for peer in wanted for p in PEER_PKGS[peer][0] if not dpkg_installed(p)})
    if missing:
        if os.environ.get("BENCH_NO_INSTALL") == "1":
            say("peers: not installing %s (BENCH_NO_INSTALL=1)" % " ".join(missing))
        elif os.geteuid() != 0 or not shutil.which("apt-get"):
            say("peers: missing %s (not root, or no apt-get: not installed)" % " ".join(missing))
        else:
            say("peers: installing %s with apt-get (log: %s)" % (" ".join(missing), logpath))
            with open(logpath, "a") as log:
                ok = apt_install(missing, log)
                if not ok:
                    subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=60", "update"],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                    ok = apt_install(missing, log)
                if not ok:      # one at a time: install what can be installed
                    for p in missing:
                        apt_install([p], log)
    status = {}
    for peer in wanted:
        pkgs, exe = PEER_PKGS[peer]
        absent = [p for p in pkgs if not dpkg_installed(p)]
        if absent or not shutil.which(exe):
            status[peer] = "not available (Debian package %s not installed)" % " ".join(absent or pkgs)
        else:
            status[peer] = None
    return status


def pkg_version(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


# ------------------------------------------------------------------ lab

class Lab:
    def __init__(self):
        self.started = False

    @staticmethod
    def running():
        return subprocess.run([LAB_SH, "status"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def up(self):
        if self.running():
            say("lab: already running: using it, and leaving it running")
            return True
        self.started = True
        r = subprocess.run([LAB_SH, "start"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        for line in r.stdout.splitlines():
            say("  " + line)
        if r.returncode != 0:
            say("lab: did not start")
            self.down()
            return False
        return True

    def down(self):
        if self.started and os.environ.get("LAB_KEEP") != "1":
            self.started = False
            r = subprocess.run([LAB_SH, "stop"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            for line in r.stdout.splitlines():
                say("  " + line)

    def anchors(self):
        """The lab's DNSSEC trust anchors (tests/lab/dane13.py), for --trust-anchor: under
        the real root key every lab answer is bogus, which no real run sees."""
        d = os.environ.get("LAB_DIR") or subprocess.run(
            [LAB_SH, "dir"], stdout=subprocess.PIPE, text=True).stdout.strip()
        return os.path.join(d, "dane13", "anchors.key")

    def ca(self):
        r = subprocess.run([LAB_SH, "ca"], stdout=subprocess.PIPE, text=True)
        return r.stdout.strip()


# ------------------------------------------------------------------ timing

def spawn_actions(stdin):
    """stdin from the file STDIN (or /dev/null), stdout and stderr to /dev/null."""
    return [(os.POSIX_SPAWN_OPEN, 0, stdin or os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
ENV = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8")


# Peak RSS. The rusage os.wait4 gives for a child spawned from this Python
# process is no good: at execve Linux folds the old address space's
# high-water mark into the process's maxrss (exec_mmap), and the old address
# space is Python's (posix_spawn shares it, fork copies it), so every child
# would report at least Python's own ~14 MiB. GNU time (Debian "time") is a
# small C program: the children it forks start from its own ~1 MiB, and it
# reports wait4's ru_maxrss of its child. So the untimed runs (the checking
# run and the warm-ups) go through `time -f %M`, and the timed runs are
# spawned directly (no wrapper in the wall time).
GNU_TIME = "/usr/bin/time"


def run_timed(argv, stdin=None):
    """Run ARGV once, output to /dev/null; return (wall ns, exit code)."""
    exe = shutil.which(argv[0]) or argv[0]
    actions = spawn_actions(stdin)
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(exe, argv, ENV, file_actions=actions)
    killer = threading.Timer(RUN_TIMEOUT, lambda: _kill(pid))
    killer.start()
    try:
        _, status, _ = os.wait4(pid, 0)
    finally:
        killer.cancel()
    t1 = time.perf_counter_ns()
    return t1 - t0, os.waitstatus_to_exitcode(status)


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def with_rss(argv, rss_file):
    """ARGV run under GNU time writing the child's peak RSS (KiB) to RSS_FILE,
    or ARGV itself when GNU time is missing."""
    if not os.access(GNU_TIME, os.X_OK):
        return argv
    return [GNU_TIME, "-o", rss_file, "-f", "%M", "--"] + argv


def read_rss(rss_file):
    """The KiB GNU time wrote (its last line; an earlier one may say "Command
    exited with non-zero status N"), or None."""
    try:
        with open(rss_file) as f:
            lines = [l.strip() for l in f if l.strip()]
        os.unlink(rss_file)
        return int(lines[-1]) if lines and lines[-1].isdigit() else None
    except (OSError, ValueError):
        return None


def run_job(job, rss_file=None, stdin=None):
    """A job is one argv, or several run one after the other; return (wall
    ns of the whole, the largest peak RSS in KiB or None, the worst exit
    code). With RSS_FILE the processes run under GNU time (untimed runs)."""
    t0 = time.perf_counter_ns()
    rss, worst = None, 0
    for argv in job:
        if rss_file:
            _, code = run_timed(with_rss(argv, rss_file), stdin)
            r = read_rss(rss_file)
            if r is not None:
                rss = max(rss or 0, r)
        else:
            _, code = run_timed(argv, stdin)
        if code != 0 and (worst == 0 or code > worst):
            worst = code
    return time.perf_counter_ns() - t0, rss, worst


def capture(job, rss_file, stdin=None):
    """Run JOB once with its output captured: (exit codes, stdout+stderr,
    largest peak RSS in KiB or None)."""
    codes, out, rss = [], [], None
    for argv in job:
        try:
            with open(stdin or os.devnull, "rb") as fin:
                r = subprocess.run(with_rss(argv, rss_file), stdin=fin,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV,
                                   timeout=RUN_TIMEOUT)
            codes.append(r.returncode)
            out.append(r.stdout.decode("utf-8", "replace"))
        except (OSError, subprocess.TimeoutExpired) as e:
            codes.append(None)
            out.append("%s" % e)
        k = read_rss(rss_file)
        if k is not None:
            rss = max(rss or 0, k)
    return codes, "".join(out), rss


def p90(values):
    s = sorted(values)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


class Row:
    def __init__(self, scenario, tool, job, warmup, n, check, note="", stdin=None):
        self.scenario = scenario
        self.tool = tool
        self.job = job                    # list of argv
        self.warmup = warmup
        self.n = n
        self.check = check                # (codes, output) -> None or why it failed
        self.note = note
        self.stdin = stdin                # file the processes read, else /dev/null
        self.status = "ok"
        self.samples_ms = []
        self.rss_kib = []
        self.codes = []
        self.ratio = None                 # exprobe median / this median (peers only)
        self.cpu_ms = []                  # user+sys per timed run (turn-about rows only)

    @property
    def median(self):
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p90(self):
        return p90(self.samples_ms) if self.samples_ms else None

    @property
    def peak_rss_mib(self):
        return max(self.rss_kib) / 1024.0 if self.rss_kib else None

    def measure(self, rss_file):
        """The checking run, then the warm-ups (both under GNU time: peak
        RSS), then the timed runs (spawned directly: wall time)."""
        if self.status != "ok":
            return
        codes, out, rss = capture(self.job, rss_file, self.stdin)
        why = self.check(codes, out)
        if why:
            self.status = "failed: " + why
            return
        if rss is not None:
            self.rss_kib.append(rss)
        for _ in range(self.warmup):
            _, rss, _ = run_job(self.job, rss_file, self.stdin)
            if rss is not None:
                self.rss_kib.append(rss)
        for _ in range(self.n):
            ns, _, code = run_job(self.job, None, self.stdin)
            self.samples_ms.append(ns / 1e6)
            self.codes.append(code)

    def command(self):
        return " ; ".join(" ".join(shlex.quote(a) for a in argv) for argv in self.job[:8]) + \
            (" ; ... (%d processes)" % len(self.job) if len(self.job) > 8 else "") + \
            (" < file %s" % json.dumps(_read(self.stdin)) if self.stdin else " </dev/null")

    def as_json(self):
        d = {"scenario": self.scenario, "tool": self.tool, "status": self.status,
             "command": self.command(), "processes": len(self.job),
             "warmup": self.warmup, "runs": len(self.samples_ms),
             "median_ms": _round(self.median), "p90_ms": _round(self.p90),
             "min_ms": _round(min(self.samples_ms)) if self.samples_ms else None,
             "max_ms": _round(max(self.samples_ms)) if self.samples_ms else None,
             "peak_rss_mib": _round(self.peak_rss_mib),
             "rss_samples_kib": self.rss_kib,
             "ratio_exprobe_over_this": _round(self.ratio, 3),
             "exit_codes": sorted(set(self.codes)),
             "samples_ms": [_round(s) for s in self.samples_ms]}
        if self.note:
            d["note"] = self.note
        return d


class DelayProxy:
    """BUILD/delay_proxy MS (tests/bench/delay_proxy.c, next to exprobe) for
    the with block; .why when it did not start (the rows it serves are
    reported with it)."""

    def __init__(self, ms, exprobe):
        self.ms, self.proc, self.why = ms, None, None
        self.path = os.path.join(os.path.dirname(exprobe), "delay_proxy")

    def __enter__(self):
        try:
            self.proc = subprocess.Popen([self.path, str(self.ms)],
                                         stdout=subprocess.PIPE, text=True)
            if "ready" not in (self.proc.stdout.readline() or ""):
                self.why = "failed: the delay proxy did not start"
        except OSError as e:
            self.why = "failed: the delay proxy: %s" % e
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
        return False


def measure_turn_about(rows, rss_file):
    """Measure ROWS like Row.measure, their timed runs taken in turn (A B A
    B ...): the comparison between them survives a change of load."""
    live = []
    for row in rows:
        if row.status != "ok":
            continue
        codes, out, rss = capture(row.job, rss_file, row.stdin)
        why = row.check(codes, out)
        if why:
            row.status = "failed: " + why
            continue
        if rss is not None:
            row.rss_kib.append(rss)
        for _ in range(row.warmup):
            _, rss, _ = run_job(row.job, rss_file, row.stdin)
            if rss is not None:
                row.rss_kib.append(rss)
        live.append(row)
    for _ in range(max([r.n for r in live] or [0])):
        for row in live:
            if len(row.samples_ms) < row.n:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                ns, _, code = run_job(row.job, None, row.stdin)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                row.samples_ms.append(ns / 1e6)
                row.cpu_ms.append(1000.0 * (after.ru_utime + after.ru_stime
                                            - before.ru_utime - before.ru_stime))
                row.codes.append(code)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return "?"


def _round(v, nd=2):
    return None if v is None else round(v, nd)


# ------------------------------------------------------------------ checks

def want(*strings, codes=(0,), all_codes=True):
    """A check: every exit code in CODES (all processes, or the first when
    ALL_CODES is false) and every string in the output."""
    def check(got_codes, out):
        seen = got_codes if all_codes else got_codes[:1]
        bad = [c for c in seen if c not in codes]
        if bad:
            return "exit %s (expected %s); output: %s" % (bad[0], "/".join(map(str, codes)),
                                                          _tail(out))
        for s in strings:
            if s not in out:
                return "%r not in the output: %s" % (s, _tail(out))
        return None
    return check


def _tail(out):
    lines = [l for l in out.strip().splitlines() if l.strip()]
    return " | ".join(lines[-3:])[:300] or "(no output)"


def check_jsonl(count):
    def check(codes, out):
        if codes[0] not in (0, 1, 2):
            return "exit %s: %s" % (codes[0], _tail(out))
        docs = []
        for line in out.splitlines():
            if line.startswith("{"):
                try:
                    docs.append(json.loads(line))
                except ValueError as e:
                    return "bad JSON line: %s" % e
        if len(docs) != count:
            return "%d JSON documents, expected %d" % (len(docs), count)
        return None
    return check


def all_exit_in(codes_ok):
    def check(codes, out):
        bad = [c for c in codes if c not in codes_ok]
        return ("exit %s: %s" % (bad[0], _tail(out))) if bad else None
    return check


# ------------------------------------------------------------------ main

def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: %s BUILD/exprobe\n" % sys.argv[0])
        return 2
    exprobe = os.path.abspath(sys.argv[1])
    if not os.access(exprobe, os.X_OK):
        sys.stderr.write("bench: %s is not an executable (run make first)\n" % exprobe)
        return 1
    json_path = os.environ.get("BENCH_JSON") or os.path.join(os.path.dirname(exprobe), "bench.json")
    t_start = time.monotonic()

    peers = ["time", "swaks", "sslscan", "nmap"] + (["testssl"] if os.environ.get("BENCH_TESTSSL") == "1" else [])
    peer_status = ensure_peers(peers, os.path.join(os.path.dirname(exprobe), "bench-apt.log"))
    if not shutil.which("openssl"):
        peer_status["openssl"] = "not available (openssl not installed)"
    if not shutil.which("dig"):
        peer_status["dig"] = "not available (dig not installed)"

    lab = Lab()

    def on_signal(signum, _frame):
        lab.down()
        sys.exit(128 + signum)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        if not lab.up():
            return 1
        return bench(exprobe, lab.ca(), peer_status, json_path, t_start)
    finally:
        lab.down()


def bench(exprobe, ca, peer_status, json_path, t_start):
    tmp_dir = tempfile.mkdtemp(prefix="exprobe-bench-")
    try:
        return _bench(exprobe, ca, peer_status, json_path, t_start, tmp_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _bench(exprobe, ca, peer_status, json_path, t_start, tmp_dir):
    E = exprobe
    base = [E, "--dns-server", DNS]
    rows = []
    rss_file = os.path.join(tmp_dir, "rss")

    def peer_row(peer, *a, **kw):
        row = Row(*a, **kw)
        if peer_status.get(peer):
            row.status = peer_status[peer]
        rows.append(row)
        return row

    # 1. STARTTLS certificate of one MX ---------------------------------
    ehlo_file = os.path.join(tmp_dir, "ehlo-quit.txt")
    with open(ehlo_file, "w") as f:
        f.write("EHLO bench.test\nQUIT\n")
    s1 = "1 STARTTLS cert of one MX"
    # -v: the compact text report shows a passing check's steps only on
    # request, and the row proves the name was judged.
    x1 = Row(s1, "exprobe -c smtp,cert -v",
             [base + ["--ca-file", ca, "-v", "-c", "smtp,cert", MX_DOMAIN]], WARMUP, N,
             want("SMTP_OK", "CERT_OK", "Name matches " + MX_NAME),
             note="DNS (MX, A, AAAA) + EHLO/STARTTLS/EHLO/QUIT + chain, name, dates and "
                  "strength judged")
    rows.append(x1)
    peers1 = [
        peer_row("openssl", s1, "openssl s_client",
                 [["openssl", "s_client", "-starttls", "smtp", "-connect", MX_ADDR + ":25",
                   "-servername", MX_NAME, "-CAfile", ca, "-verify_hostname", MX_NAME]],
                 WARMUP, N, want("Verify return code: 0 (ok)", "Verified peername: " + MX_NAME),
                 note="chain + name verified (-verify_hostname); no DNS; stops after the "
                      "handshake"),
        peer_row("openssl", s1, "openssl s_client +EHLO,QUIT",
                 [["openssl", "s_client", "-quiet", "-crlf", "-ign_eof", "-verify_return_error",
                   "-starttls", "smtp", "-connect", MX_ADDR + ":25", "-servername", MX_NAME,
                   "-CAfile", ca, "-verify_hostname", MX_NAME]],
                 WARMUP, N, want("verify return:1", "250 HELP", "221 "),
                 note="the same SMTP dialogue as exprobe: EHLO again after TLS, QUIT (sent "
                      "together); no DNS", stdin=ehlo_file),
        peer_row("swaks", s1, "swaks --quit-after TLS",
                 [["swaks", "--tls", "--server", MX_ADDR, "--quit-after", "TLS"]],
                 WARMUP, N, want("TLS started"),
                 note="no name or chain check"),
        peer_row("sslscan", s1, "sslscan cert-only",
                 [["sslscan", "--no-colour", "--starttls-smtp", "--no-ciphersuites", "--no-groups",
                   "--no-fallback", "--no-renegotiation", "--no-compression", "--no-heartbleed",
                   "--sni-name=" + MX_NAME, MX_ADDR + ":25"]],
                 WARMUP, N, want("Subject:  " + MX_NAME),
                 note="prints the names, does not match them"),
        peer_row("nmap", s1, "nmap --script ssl-cert",
                 [["nmap", "-Pn", "-n", "-p", "25", "--script", "ssl-cert", MX_ADDR]],
                 WARMUP, N, want("commonName=" + MX_NAME),
                 note="prints the names, does not match them"),
    ]
    if "testssl" in peer_status:
        peers1.append(peer_row(
            "testssl", s1, "testssl.sh -S",
            [["testssl", "--quiet", "--color", "0", "--starttls", "smtp", "-S", "--add-ca", ca,
              "--ip", MX_ADDR, MX_NAME + ":25"]],
            0, 3, want("Common Name (CN)", codes=(0, 1)),
            note="3 runs, no warm-up (about 7 s a run)"))

    # 2. Office 365 DNS records of one domain ---------------------------
    s2 = "2 O365 DNS records, 1 domain"
    x2 = Row(s2, "exprobe -c cname,lync", [base + ["-c", "cname,lync", "cloud.test"]],
             WARMUP, N, want("cname - Microsoft 365 domain records", "lync -"),
             note="also connects (TLS) to the 2 SRV targets and judges every record")
    rows.append(x2)
    questions = [("TXT", "cloud.test"), ("MX", "cloud.test"), ("A", "autodiscover.cloud.test"),
                 ("CNAME", "msoid.cloud.test"), ("A", "sip.cloud.test"),
                 ("A", "lyncdiscover.cloud.test"), ("SRV", "_sip._tls.cloud.test"),
                 ("SRV", "_sipfederationtls._tcp.cloud.test")]
    peers2 = [peer_row("dig", s2, "dig x8 (sequential)",
                       [["dig", "@" + DNS, "+short", name, qtype] for qtype, name in questions],
                       WARMUP, N, want("MS=ms12345678", "sipfed.online.lync.com"),
                       note="8 questions, 8 processes, answers printed, nothing judged")]

    # 3. Whole domain, every check --------------------------------------
    s3 = "3 whole domain, all checks"
    x3 = Row(s3, "exprobe (7 checks)",
             [base + ["--ca-file", ca, "--dnsbl", "list.dnsbl.test", "hybrid.test"]],
             WARMUP, N, want("autodiscover -", "preauth -", "smtp -", "dnsbl -", "cname -",
                             "lync -", "cert -", codes=(0, 1, 2)),
             note="autodiscover, preauth, cert, smtp, dnsbl, cname, lync")
    rows.append(x3)

    # 3b. What dane and mtasts cost a whole run ---------------------------
    s3b = "3b dane+mtasts cost"
    lab_dir = os.environ.get("LAB_DIR") or subprocess.run(
        [LAB_SH, "dir"], stdout=subprocess.PIPE, text=True).stdout.strip()
    anchors = os.path.join(lab_dir, "dane13", "anchors.key")
    common3b = base + ["--ca-file", ca, "--trust-anchor", anchors, "--dnsbl", "list.dnsbl.test"]
    x3b = []
    for dom, want_all in (("hybrid.test", ("dane -", "mtasts -", "MTASTS_MISSING")),
                          ("good.dane13.test", ("DANE_OK", "MTASTS_OK"))):
        with_row = Row(s3b, "%s -c all" % dom, [common3b + ["-c", "all", dom]], WARMUP, N,
                       want(*want_all, codes=(0, 1, 2)),
                       note="every check, dane and mtasts included (lab trust anchors)")
        without = Row(s3b, "%s -c all,-dane,-mtasts" % dom,
                      [common3b + ["-c", "all,-dane,-mtasts", dom]], WARMUP, N,
                      want("smtp -", codes=(0, 1, 2)),
                      note="the same without dane and mtasts; timed turn about with the row "
                           "above")
        x3b.append((with_row, without))
        rows.extend([with_row, without])

    # 3c. The same with 25 ms each way (the delay proxy) ------------------
    s3c = "3c dane+mtasts, 25 ms each way"
    delayed = [E, "--dns-server", "127.0.17.2", "--ca-file", ca, "--trust-anchor", anchors,
               "--dnsbl", "list.dnsbl.test", "--expect",
               os.path.join(ROOT, "fixtures", "dns", "expect", "cloud.conf")]
    slow = "d0.slow.b17.test"
    x3c = (Row(s3c, "%s -c all" % slow, [delayed + ["-c", "all", slow]], 1, N_SLOW * 2,
               want("dane -", "mtasts -", "SMTP_OK", codes=(0, 1, 2)),
               note="every check through the delay proxy (%d runs)" % (N_SLOW * 2)),
           Row(s3c, "%s -c all,-dane,-mtasts" % slow,
               [delayed + ["-c", "all,-dane,-mtasts", slow]], 1, N_SLOW * 2,
               want("SMTP_OK", codes=(0, 1, 2)),
               note="the same without dane and mtasts, turn about with the row above"))
    rows.extend(x3c)

    # 4. Many domains ----------------------------------------------------
    s4 = "4 %d domains -c cname,lync" % MANY
    # Distinct domains (a --domains-file runs a repeated line once): the
    # first MANY of the bulk zone b17.test, spread over its hosts.
    many = ["d%d.b17.test" % i for i in range(MANY)]
    dom_file = os.path.join(tmp_dir, "domains.txt")
    with open(dom_file, "w") as f:
        f.write("\n".join(many) + "\n")
    common4 = ["-q", "-f", "jsonl", "--dns-server", DNS, "--ca-file", ca, "-c", "cname,lync"]
    x4 = Row(s4, "exprobe --domains-file", [[E] + common4 + ["--domains-file", dom_file]],
             WARMUP, N, check_jsonl(MANY),
             note="%d distinct lab domains (b17.test), one process" % MANY)
    rows.append(x4)
    peers4 = [peer_row("exprobe-seq", s4, "exprobe x%d processes" % MANY,
                       [[E] + common4 + [d] for d in many], WARMUP_SLOW, N_SLOW,
                       all_exit_in((0, 1, 2)),
                       note="one exprobe per domain, sequential (%d warm-up, %d runs)"
                            % (WARMUP_SLOW, N_SLOW))]

    # 5. Robustness ------------------------------------------------------
    s5 = "5 slow SMTP, --timeout 2"
    x5 = [Row(s5, "exprobe drip.smtp.test",
              [base + ["--ca-file", ca, "--timeout", "2", "-c", "smtp", "drip.smtp.test"]],
              0, N_TIMEOUT, want("SMTP_TIMEOUT", codes=(2,)),
              note="banner one byte per second; %d runs, no warm-up" % N_TIMEOUT),
          Row(s5, "exprobe multi.smtp.test",
              [base + ["--ca-file", ca, "--timeout", "2", "-c", "smtp", "multi.smtp.test"]],
              0, N_TIMEOUT, want("SMTP_OK", "SMTP_TIMEOUT", codes=(2,)),
              note="3 MX: ok + silent + drip, the two slow ones cost one timeout; %d runs"
                   % N_TIMEOUT)]
    rows.extend(x5)

    # Order of measurement: scenario by scenario, exprobe first.
    order = [x1] + peers1 + [x2] + peers2 + [x3] + x3b + [x3c] + [x4] + peers4 + x5
    for row in order:
        pair = row if isinstance(row, tuple) else (row,)
        for r in pair:
            say("measuring %-30s %-28s ..." % (r.scenario, r.tool))
        if row is x3c:
            with DelayProxy(25, exprobe) as proxy:
                if proxy.why:
                    for r in pair:
                        r.status = proxy.why
                else:
                    measure_turn_about(pair, rss_file)
        elif len(pair) > 1:
            measure_turn_about(pair, rss_file)
        else:
            row.measure(rss_file)
        for r in pair:
            if r.status != "ok":
                say("    %s" % r.status)

    comparisons = [(x1, peers1), (x2, peers2), (x4, peers4)]
    for x, prs in comparisons:
        for p in prs:
            if x.median and p.median:
                p.ratio = x.median / p.median

    report(rows, comparisons, x3, x3b + [x3c], x4, x5, exprobe, json_path, peer_status,
           t_start)
    fatal = [r for r in [x1, x2, x3, x4] + [r for p in x3b + [x3c] for r in p] + x5
             if r.status != "ok"]
    return 1 if fatal else 0


def fmt(v, spec):
    return "-" if v is None else spec % v


def dane_mtasts_cost(x3b):
    """One line per domain: what dane and mtasts add to a whole run."""
    out = []
    for with_row, without in x3b:
        if with_row.median and without.median:
            cpu = {}
            if with_row.cpu_ms and without.cpu_ms:
                cw, cn = statistics.median(with_row.cpu_ms), statistics.median(without.cpu_ms)
                cpu = {"cpu_with_ms": _round(cw), "cpu_without_ms": _round(cn),
                       "cpu_added_ms": _round(cw - cn),
                       "cpu_added_pct": _round(100.0 * (cw / cn - 1), 1)}
            out.append(dict(cpu, **{"domain": with_row.tool.split()[0],
                                    "scenario": with_row.scenario,
                        "with_ms": _round(with_row.median), "without_ms": _round(without.median),
                        "added_ms": _round(with_row.median - without.median),
                        "added_pct": _round(100.0 * (with_row.median / without.median - 1), 1),
                        "p90_with_ms": _round(with_row.p90),
                        "p90_without_ms": _round(without.p90)}))
    return out


def report(rows, comparisons, x3, x3b, x4, x5, exprobe, json_path, peer_status, t_start):
    say()
    say("%s, %s, %d CPU(s), load average %s" % (
        exprobe_version(exprobe), platform.platform(), os.cpu_count() or 0,
        " ".join("%.2f" % l for l in os.getloadavg())))
    say("median / p90: wall time of the timed runs (spawned directly); peak RSS: GNU time's "
        "maxrss of the")
    say("process over the checking run and the warm-ups (largest process of a sequence);")
    if peer_status.get("time"):
        say("peak RSS not measured: GNU time is %s" % peer_status["time"])
    say("ratio = exprobe median / this tool's median (below 1: exprobe is faster)")
    say()
    head = ("scenario", "tool", "runs", "median ms", "p90 ms", "peak RSS MiB", "ratio")
    table = []
    for r in rows:
        if r.status == "ok":
            table.append((r.scenario, r.tool, str(len(r.samples_ms)), fmt(r.median, "%.1f"),
                          fmt(r.p90, "%.1f"), fmt(r.peak_rss_mib, "%.1f"),
                          fmt(r.ratio, "%.2f")))
        else:
            table.append((r.scenario, r.tool, "-", r.status, "", "", ""))
    ok_rows = [t for t, r in zip(table, rows) if r.status == "ok"]
    widths = [max([len(head[i])] + [len(t[i]) for t in (ok_rows if i >= 2 else table)])
              for i in range(len(head))]
    right = {2, 3, 4, 5, 6}

    def line(cells, status=None):
        cells = cells[:2] if status else cells
        out = [c.rjust(widths[i]) if i in right else c.ljust(widths[i])
               for i, c in enumerate(cells)]
        if status:
            out.append(status)
        return "  ".join(out).rstrip()
    say(line(head))
    say("  ".join("-" * w for w in widths))
    last = None
    for t, r in zip(table, rows):
        if last is not None and t[0] != last:
            say("")
        last = t[0]
        say(line(t, None if r.status == "ok" else r.status))
    say()
    say("what each command does:")
    for r in rows:
        if r.note:
            say("  %-28s %s" % (r.tool, r.note))
    say()
    notes = []
    if x4.median:
        notes.append("scenario 4: %.2f ms per domain in one process" % (x4.median / MANY))
        for p in comparisons[2][1]:
            if p.median:
                notes.append("scenario 4: %.2f ms per domain, one process each" % (p.median / MANY))
    for r in x5:
        if r.samples_ms:
            notes.append("scenario 5: %s: %.2f s median, %.2f s max (--timeout 2)"
                         % (r.tool, r.median / 1000, max(r.samples_ms) / 1000))
    for n in notes:
        say(n)
    if notes:
        say()
    for x, prs in comparisons:
        for p in prs:
            name = p.tool
            if p.ratio is not None:
                say("exprobe vs %s: %.2f times  (%s)" % (
                    name, p.ratio, "exprobe faster" if p.ratio < 1 else "exprobe slower"))
            else:
                say("exprobe vs %s: %s" % (name, p.status if p.status != "ok" else "no figure"))
    if x3.median:
        say("exprobe whole domain (7 checks): %.1f ms median, %.1f MiB peak RSS (no peer does this)"
            % (x3.median, x3.peak_rss_mib))
    for c in dane_mtasts_cost(x3b):
        say("dane+mtasts on %s (%s): %.1f ms with, %.1f ms without (-c all,-dane,-mtasts): "
            "%+.1f ms, %+.1f%% (bound: 10%%)%s" % (
                c["domain"], c["scenario"], c["with_ms"], c["without_ms"], c["added_ms"], c["added_pct"],
                "; CPU %.1f vs %.1f ms, %+.1f%%" % (c["cpu_with_ms"], c["cpu_without_ms"],
                                                  c["cpu_added_pct"])
                if "cpu_with_ms" in c else ""))
    for r in x5:
        if r.samples_ms:
            say("exprobe %s with --timeout 2: %.2f s median (bound: 2 s + slack)"
                % (r.tool.split()[1], r.median / 1000))
    elapsed = time.monotonic() - t_start
    say("bench took %.0f s" % elapsed)

    doc = {
        "schema": "exprobe-bench/1",
        "exprobe": exprobe_version(exprobe),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - elapsed)),
        "elapsed_s": round(elapsed, 1),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg": [round(l, 2) for l in os.getloadavg()]},
        "peers": {
            "openssl": _cmd_version(["openssl", "version"]),
            "swaks": pkg_version("swaks"), "sslscan": pkg_version("sslscan"),
            "nmap": pkg_version("nmap"), "dig": pkg_version("bind9-dnsutils"),
            "testssl": pkg_version("testssl.sh"),
        },
        "peer_status": {k: (v or "ok") for k, v in peer_status.items()},
        "ratio": "exprobe median / this row's median",
        "rows": [r.as_json() for r in rows],
        "dane_mtasts_cost": dane_mtasts_cost(x3b),
    }
    try:
        os.makedirs(os.path.dirname(json_path), exist_ok=True)
        tmp = json_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, json_path)
        say("JSON: %s" % json_path)
    except OSError as e:
        say("JSON not written: %s" % e)


def exprobe_version(exprobe):
    out = _cmd_version([exprobe, "-V"]) or ""
    return out.splitlines()[0] if out else "?"


def _cmd_version(argv):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=10, stdin=subprocess.DEVNULL)
        return r.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


if __name__ == "__main__":
    sys.exit(main())
