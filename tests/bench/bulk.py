#!/usr/bin/env python3
"""tests/bench/bulk.py - exprobe on thousands of distinct domains in one run
(make bench-bulk), against the lab's bulk zone b17.test: dN.b17.test for N
in 0..9999, spread over 15 mail hosts (Exim, 127.0.17.10-.24) and 3
Autodiscover hosts (nginx, 127.0.17.30-.32) - fixtures/dns/zones/b17.test.zone.

    tests/bench/bulk.py BUILD/exprobe [EXTRA EXPROBE ARGS...]

For each (N, delay) of the matrix: one run of
    exprobe -q -f jsonl --dns-server LAB --ca-file CA --trust-anchor LAB_ANCHORS
            --dnsbl list.dnsbl.test --expect cloud.conf --domains-file <N domains>
under GNU time: wall, CPU (user+sys), peak RSS, domains/s, and every line
checked (N JSON documents, each target once, none interrupted). The "peer
toolchain" (tests/bench/peer_domain.sh: dig + openssl s_client + curl per
domain, under xargs -P16) is measured on the same domains up to
BULK_PEER_MAX, and the ratio exprobe wall / peer wall printed.
Then one domain, every check, BULK_ONE_RUNS times at each delay: median wall.

The delay: this machine's kernel has no netem, so the delayed rows run on
the same domains' twins dN.slow.b17.test, whose hosts and DNS (127.0.17.2)
are BUILD/delay_proxy (tests/bench/delay_proxy.c) holding every byte DELAY
ms each way (and the first bytes of a connection one extra round trip, for
the TCP handshake) in front of the same servers. The proxy runs afresh for
each delayed row; its own latency on top of DELAY (how late its timers
fired: median, p99, max) is in the row as "proxy". Run it in a private
network namespace like the tests:
unshare -n sh -c 'ip link set lo up; make bench-bulk'.

Environment:
  BULK_SIZES   "10,100,1000,10000"     domains per run ("": none, only the
                                       one-domain row)
  BULK_DELAYS  "0,50"                  ms each way
  BULK_MAX_DELAYED  1000               largest N run with a delay
  BULK_PEER_MAX  "0:1000,50:100"       largest N the peer toolchain runs, per delay
  BULK_ONE_RUNS  5                     runs of the one-domain row
  BULK_COMPARE_MAX  0                  up to this N, also run --parallel 1 and
                                       compare every domain's verdict (status
                                       and finding codes) with the default run
  BULK_JSON    BUILD/bench-bulk.json
  LAB_DNS (127.0.1.1), LAB_KEEP
Exit 0 when every exprobe row was measured and complete, else 1.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (the lab handling)

DNS = os.environ.get("LAB_DNS", "127.0.1.1")
EXPECT = os.path.join(ROOT, "fixtures", "dns", "expect", "cloud.conf")
PEER = os.path.join(HERE, "peer_domain.sh")
GNU_TIME = "/usr/bin/time"
ZONE_MAX = 10000


def env_list(name, default):
    return [int(x) for x in os.environ.get(name, default).split(",") if x.strip()]


def domains(n, delay=0):
    """N distinct lab domains; consecutive numbers land on different hosts."""
    if n > ZONE_MAX:
        sys.exit("bulk: at most %d domains (the b17.test zone)" % ZONE_MAX)
    return ["d%d%s.b17.test" % (i, ".slow" if delay else "") for i in range(n)]


class Delay:
    """BUILD/delay_proxy for DELAY ms (nothing for 0)."""

    def __init__(self, path):
        self.path, self.proc = path, None

    def set(self, ms):
        self.stop()
        if ms:
            self.proc = subprocess.Popen([self.path, str(ms)], stdout=subprocess.PIPE, text=True)
            if "ready" not in self.proc.stdout.readline():
                sys.exit("bulk: the delay proxy %s did not start (make %s)" % (self.path,
                                                                            self.path))

    def stop(self):
        """Stops it; its stats: how late its timers fired, in ms (or None)."""
        if not self.proc:
            return None
        self.proc.terminate()
        tail = self.proc.communicate()[0].split()
        self.proc = None
        if "late_ms" not in tail:
            return None
        i = tail.index("late_ms")
        return {"late_ms_p50": float(tail[i + 2]), "late_ms_p99": float(tail[i + 4]),
                "late_ms_max": float(tail[i + 6]),
                "connections": int(tail[tail.index("connections") + 1])}


def timed(argv, out_path, stdin_path=None):
    """Run ARGV under GNU time; (wall s, cpu s, peak RSS MiB, exit code)."""
    tfile = out_path + ".time"
    with open(out_path, "wb") as out, open(stdin_path or os.devnull, "rb") as fin:
        t0 = time.monotonic()
        r = subprocess.run([GNU_TIME, "-o", tfile, "-f", "%e %U %S %M", "--"] + argv,
                           stdin=fin, stdout=out, stderr=subprocess.DEVNULL, env=bench.ENV)
        wall = time.monotonic() - t0
    with open(tfile) as f:
        last = [l for l in f.read().split("\n") if l.strip()][-1].split()
    os.unlink(tfile)
    return wall, float(last[1]) + float(last[2]), int(last[3]) / 1024.0, r.returncode


def check_jsonl(path, names):
    """None if PATH holds one complete document per name, else why not."""
    seen = {}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d.get("interrupted"):
                return "%s interrupted" % d["target"]
            seen[d["target"]] = d["status"]
    missing = [n for n in names if n not in seen]
    if missing or len(seen) != len(names):
        return "%d documents for %d domains (missing e.g. %s)" % (len(seen), len(names),
                                                                  missing[:1])
    return None


def verdicts(path):
    """target -> (status, sorted codes): what a run concluded."""
    out = {}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            out[d["target"]] = (d["status"], tuple(sorted(
                fd["code"] for c in d["checks"] for fd in c["findings"])))
    return out


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    exprobe = os.path.abspath(sys.argv[1])
    extra = sys.argv[2:]
    sizes = env_list("BULK_SIZES", "10,100,1000,10000")
    delays = env_list("BULK_DELAYS", "0,50")
    max_delayed = int(os.environ.get("BULK_MAX_DELAYED", "1000"))
    peer_max = dict(tuple(int(v) for v in x.split(":"))
                    for x in os.environ.get("BULK_PEER_MAX", "0:1000,50:100").split(","))
    one_runs = int(os.environ.get("BULK_ONE_RUNS", "5"))
    json_path = os.environ.get("BULK_JSON") or os.path.join(os.path.dirname(exprobe),
                                                            "bench-bulk.json")
    proxy = Delay(os.path.join(os.path.dirname(exprobe), "delay_proxy"))
    lab = bench.Lab()
    if not lab.up():
        return 1
    tmp = tempfile.mkdtemp(prefix="exprobe-bulk-")
    rows, bad = [], 0
    try:
        ca = lab.ca()
        for delay in delays:
            base = [exprobe, "--dns-server", "127.0.17.2" if delay else DNS, "--ca-file", ca,
                    "--trust-anchor", lab.anchors(), "--dnsbl", "list.dnsbl.test",
                    "--expect", EXPECT] + extra
            for n in sizes:
                if delay and n > max_delayed:
                    continue
                names = domains(n, delay)
                dfile = os.path.join(tmp, "domains-%d.txt" % n)
                with open(dfile, "w") as f:
                    f.write("\n".join(names) + "\n")
                out = os.path.join(tmp, "out.jsonl")
                proxy.set(delay)
                wall, cpu, rss, code = timed(base + ["-q", "-f", "jsonl", "--domains-file",
                                                     dfile], out)
                proxy_stats = proxy.stop()
                why = check_jsonl(out, names) if code in (0, 1, 2) else "exit %d" % code
                row = {"tool": "exprobe", "n": n, "delay_ms": delay, "wall_s": round(wall, 2),
                       "cpu_s": round(cpu, 2), "peak_rss_mib": round(rss, 1),
                       "domains_per_s": round(n / wall, 1), "cpu_ms_per_domain":
                       round(1000 * cpu / n, 2), "status": why or "ok"}
                if proxy_stats:
                    row["proxy"] = proxy_stats
                bad += why is not None
                if not why and n <= int(os.environ.get("BULK_COMPARE_MAX", "0")):
                    one = os.path.join(tmp, "one-by-one.jsonl")
                    proxy.set(delay)
                    w1, c1, r1, _ = timed(base + ["-q", "-f", "jsonl", "--parallel", "1",
                                                  "--domains-file", dfile], one)
                    proxy.stop()
                    diff = [t for t, v in verdicts(out).items() if verdicts(one).get(t) != v]
                    row["parallel_1"] = {"wall_s": round(w1, 2), "cpu_s": round(c1, 2),
                                         "peak_rss_mib": round(r1, 1),
                                         "verdicts_differ": len(diff)}
                    if diff:
                        row["status"] = "verdicts differ from --parallel 1: %s" % diff[:3]
                        bad += 1
                if n <= peer_max.get(delay, 0):
                    pout = os.path.join(tmp, "peer.txt")
                    proxy.set(delay)
                    pw, pc, prss, _ = timed(["xargs", "-P16", "-n1", PEER, base[2], ca], pout,
                                            dfile)
                    proxy.stop()
                    with open(pout) as f:
                        ok = sum(1 for l in f if l.rstrip().endswith(" ok"))
                    row["peer"] = {"wall_s": round(pw, 2), "cpu_s": round(pc, 2),
                                   "ok": ok, "of": n}
                    row["ratio_exprobe_over_peer"] = round(wall / pw, 3)
                rows.append(row)
                print(fmt(row), flush=True)
            one = []
            proxy.set(delay)
            for _ in range(one_runs):
                out = os.path.join(tmp, "one.jsonl")
                wall, cpu, rss, code = timed(base + ["-q", "-f", "jsonl", domains(8, delay)[7]], out)
                one.append((wall, rss))
            proxy.stop()
            row = {"tool": "exprobe", "n": 1, "delay_ms": delay, "runs": one_runs,
                   "median_wall_s": round(statistics.median(w for w, _ in one), 3),
                   "peak_rss_mib": round(max(r for _, r in one), 1), "status": "ok"}
            rows.append(row)
            print("N=1      delay %3d ms  median wall %.3f s over %d runs, RSS %.1f MiB"
                  % (delay, row["median_wall_s"], one_runs, row["peak_rss_mib"]), flush=True)
    finally:
        proxy.stop()
        lab.down()
        subprocess.run(["rm", "-rf", tmp])
    doc = {"schema": "exprobe-bench-bulk/1", "exprobe": bench.exprobe_version(exprobe),
           "args": extra, "loadavg": [round(x, 2) for x in os.getloadavg()],
           "cpus": os.cpu_count(), "rows": rows}
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=2)
    print("load average %s; JSON: %s" % (" ".join("%.2f" % x for x in os.getloadavg()),
                                          json_path))
    return 1 if bad else 0


def fmt(r):
    s = ("N=%-6d delay %3d ms  wall %7.2f s  CPU %7.2f s (%.2f ms/domain)  RSS %6.1f MiB  "
         "%7.1f domains/s" % (r["n"], r["delay_ms"], r["wall_s"], r["cpu_s"],
                               r["cpu_ms_per_domain"], r["peak_rss_mib"], r["domains_per_s"]))
    if "peer" in r:
        s += "  | peer toolchain (xargs -P16) %.2f s, %d/%d ok: ratio %.3f" % (
            r["peer"]["wall_s"], r["peer"]["ok"], r["peer"]["of"], r["ratio_exprobe_over_peer"])
    if "proxy" in r:
        s += "  | proxy late p50 %.2f p99 %.2f max %.1f ms" % (
            r["proxy"]["late_ms_p50"], r["proxy"]["late_ms_p99"], r["proxy"]["late_ms_max"])
    if "parallel_1" in r:
        s += "  | --parallel 1: %.2f s, %d verdicts differ" % (
            r["parallel_1"]["wall_s"], r["parallel_1"]["verdicts_differ"])
    if r["status"] != "ok":
        s += "  FAILED: " + r["status"]
    return s


if __name__ == "__main__":
    sys.exit(main())
