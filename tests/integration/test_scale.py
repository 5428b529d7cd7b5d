"""Thousands of domains in one run (issue 17): --parallel gives the same
results whatever N; at most 8 connections at once to one address and port
(a server that counts them says so); json/jsonl stream in input order,
--unordered as targets end. Lab: zone b17.test (tests/lab/README.md)."""

import json
import re
import socket
import threading
import time

from harness import (assert_exit, assert_usage_error, expect_file, fail, lab_args, lab_dir,
                     parse_json, run)

import os

CA = None


def _ca():
    return os.path.join(lab_dir(), "certs", "ca.pem")


def _bulk(n, *args):
    return lab_args("--ca-file", _ca(), "--dnsbl", "list.dnsbl.test", "--expect",
                    expect_file("cloud"), "-q", *args) + ["d%d.b17.test" % i for i in range(n)]


# What may differ between two runs of the same lab: how long things took.
TIMING_KEYS = {"duration_ms", "started_at", "elapsed_ms", "banner_ms", "transcript_ms",
               "greeting_delay_ms"}


def _norm(v):
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items() if k not in TIMING_KEYS}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, str):
        v = re.sub(r"\b\d+(\.\d+)? ?(ms|s)\b", "T", v)
        return re.sub(r"\d+ days left", "N days left", v)
    return v


def _lines(r):
    return [json.loads(l) for l in r.out.splitlines() if l.strip()]


def test_parallel_results_identical():
    # 24 domains over 15 mail and 3 Autodiscover hosts, every check: one at a
    # time, and all at once, give the same documents in the same order.
    one = run(*(["-f", "jsonl", "--parallel", "1"] + _bulk(24)), timeout=120)
    many = run(*(["-f", "jsonl", "--parallel", "24"] + _bulk(24)), timeout=120)
    a, b = _lines(one), _lines(many)
    if [d["target"] for d in a] != ["d%d.b17.test" % i for i in range(24)]:
        fail("--parallel 1: not one document per domain in input order: %s"
             % [d["target"] for d in a])
    if one.code != many.code:
        fail("exit %d with --parallel 1, %d with --parallel 24" % (one.code, many.code))
    for x, y in zip(a, b):
        if _norm(x) != _norm(y):
            fail("%s differs between --parallel 1 and 24 (timing aside)" % x["target"])
    if len(a) != len(b):
        fail("%d documents vs %d" % (len(a), len(b)))
    # The healthy parts of these domains: STARTTLS and Autodiscover work.
    for d in a:
        got = {f["code"] for c in d["checks"] for f in c["findings"]}
        if "SMTP_OK" not in got or "AUTOD_OK" not in got:
            fail("%s: SMTP_OK and AUTOD_OK expected, got %s" % (d["target"], sorted(got)))


def test_unordered_same_documents():
    r = run(*(["-f", "jsonl", "--unordered", "-c", "cname,smtp", "--parallel", "12"]
              + _bulk(12)), timeout=60)
    docs = _lines(r)
    if sorted(d["target"] for d in docs) != sorted("d%d.b17.test" % i for i in range(12)):
        fail("--unordered: not one document per domain: %s" % [d["target"] for d in docs])


def test_json_array_streamed_in_order():
    r = run(*(["-f", "json", "-c", "cname", "--parallel", "3"] + _bulk(5)), timeout=60)
    doc = parse_json(r)
    if not isinstance(doc, list) or [d["target"] for d in doc] != \
            ["d%d.b17.test" % i for i in range(5)]:
        fail("-f json with 5 targets: not an array in input order: %.300s" % r.out)
    one = parse_json(run(*(["-f", "json", "-c", "cname"] + _bulk(1)), timeout=60))
    if not isinstance(one, dict):
        fail("-f json with one target: not one document")


def test_streamed_targets_cut_short_all_reported():
    # A streamed run frees a target's checks once it is written, while
    # answers for checks cut short by --max-time may still be on their way:
    # every target is reported whole, each cut-short check as unknown with
    # CHECK_INTERRUPTED (ASan builds catch an answer reaching a freed check).
    r = run(*(["-f", "jsonl", "--parallel", "16", "--max-time", "0.15"] + _bulk(48)),
            timeout=120)
    docs = _lines(r)
    if [d["target"] for d in docs] != ["d%d.b17.test" % i for i in range(48)]:
        fail("not one document per domain in input order: %s" % [d["target"] for d in docs])
    cut = 0
    for d in docs:
        for c in d["checks"]:
            codes = [f["code"] for f in c["findings"]]
            if "CHECK_INTERRUPTED" in codes:
                cut += 1
                if c["status"] not in ("unknown", "fail"):
                    fail("%s %s cut short but %s" % (d["target"], c["id"], c["status"]))
        if d["summary"]["pass"] + d["summary"]["warn"] + d["summary"]["fail"] + \
                d["summary"]["skip"] + d["summary"]["unknown"] != len(d["checks"]):
            fail("%s: summary does not count every check: %s" % (d["target"], d["summary"]))
    if not cut:
        fail("--max-time 0.15 cut no check short: the test proves nothing")
    if r.code not in (2, 3):
        fail("exit %d, expected 2 or 3 (fail or unknown)" % r.code)


def test_parallel_bad_values():
    for v in ("0", "-1", "x", "100000"):
        assert_usage_error(run("--parallel", v, "cloud.test"), "--parallel")


class CountingSmtp:
    """127.0.17.40:25: greets after 0.3 s, answers EHLO (no STARTTLS) and
    QUIT, and counts the sessions in use at once: from the client's first
    command to its QUIT or end of stream (counting from the accept would
    race with the previous session's close, seen here later than it
    happened)."""

    def __init__(self, addr="127.0.17.40"):
        self.open = self.peak = self.total = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, 25))
        self.sock.listen(128)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        counted = False
        try:
            time.sleep(0.3)
            conn.sendall(b"220 count.b17.test ESMTP counting\r\n")
            f = conn.makefile("rb")
            for line in f:
                cmd = line.strip().upper()
                if not counted:
                    counted = True
                    with self.lock:
                        self.open += 1
                        self.total += 1
                        self.peak = max(self.peak, self.open)
                if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                    time.sleep(0.2)     # a session long enough to overlap others
                    conn.sendall(b"250-count.b17.test Hello [127.0.0.1]\r\n250 HELP\r\n")
                elif cmd.startswith(b"MAIL"):
                    conn.sendall(b"250 OK\r\n")
                elif cmd.startswith(b"QUIT"):
                    with self.lock:
                        self.open -= 1
                    counted = False
                    conn.sendall(b"221 bye\r\n")
                    break
                else:
                    conn.sendall(b"250 OK\r\n")
        except OSError:
            pass
        finally:
            conn.close()
            if counted:
                with self.lock:
                    self.open -= 1

    def close(self):
        self.sock.close()


def test_per_destination_limit():
    # 30 domains, one MX address, all at once: never more than 8 connections
    # open there together; every domain still gets its answer.
    srv = CountingSmtp()
    try:
        r = run(*lab_args("-f", "jsonl", "-c", "smtp", "--parallel", "30", "--timeout", "10",
                          *["c%d.b17.test" % i for i in range(30)]), timeout=120)
    finally:
        srv.close()
    docs = _lines(r)
    if len(docs) != 30:
        fail("%d documents for 30 domains: %.300s" % (len(docs), r.err))
    if srv.peak > 8:
        fail("%d connections at once to 127.0.17.40:25 (limit 8)" % srv.peak)
    if srv.peak < 2:
        fail("at most %d connection at once: no concurrency at all" % srv.peak)
    for d in docs:
        got = {f["code"] for c in d["checks"] for f in c["findings"]}
        if "SMTP_NO_STARTTLS" not in got or "SMTP_CONNECT_FAILED" in got:
            fail("%s: SMTP_NO_STARTTLS expected (reached, no STARTTLS), got %s"
                 % (d["target"], sorted(got)))


def test_per_address_option():
    # --per-address 3: never more than 3 at once to the one MX address, and
    # still more than one (the limit, not a serial run). Its own server
    # (tests run concurrently): e0-e11.b17.test, MX count2 = 127.0.17.41.
    srv = CountingSmtp("127.0.17.41")
    try:
        r = run(*lab_args("-f", "jsonl", "-c", "smtp", "--parallel", "12", "--per-address", "3",
                          "--timeout", "10", *["e%d.b17.test" % i for i in range(12)]),
                timeout=120)
    finally:
        srv.close()
    if len(_lines(r)) != 12:
        fail("%d documents for 12 domains: %.300s" % (len(_lines(r)), r.err))
    if srv.peak > 3 or srv.peak < 2:
        fail("--per-address 3: %d connections at once to 127.0.17.41:25" % srv.peak)
    for v in ("0", "257", "x"):
        assert_usage_error(run("--per-address", v, "cloud.test"), "--per-address")


class CountingHttp:
    """127.0.37.1:80: answers every request after 0.3 s (404, Connection:
    close) and counts the requests in progress at once, and the
    connections open at once: from the accept to the answer (the client
    may start its next connection as soon as it has the answer, before
    this side's close is done). keepalive: answers after 0.1 s and keeps
    every connection open until the client closes it (kept_session)."""

    def __init__(self, addr="127.0.37.1", keepalive=False):
        self.keepalive = keepalive
        self.inflight = self.peak = self.total = 0
        self.open = self.open_peak = 0
        self.live = set()          # keepalive: connections accepted, not yet closed
        self.stopped = False
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, 80))
        self.sock.listen(128)
        self.sock.settimeout(0.2)  # close() is seen within 0.2 s
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def at_eof(conn):
        """The client closed (its FIN is here) though our reading thread may
        not have run yet: the kernel knows before Python does."""
        try:
            return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self.lock:
                if self.keepalive:
                    self.live = {c for c in self.live if not self.at_eof(c)}
                    self.live.add(conn)
                    self.open = len(self.live)
                else:
                    self.open += 1
                self.open_peak = max(self.open_peak, self.open)
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        if self.keepalive:
            self.kept_session(conn)
            return
        counted = True
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            with self.lock:
                self.inflight += 1
                self.total += 1
                self.peak = max(self.peak, self.inflight)
            time.sleep(0.3)
            with self.lock:
                self.inflight -= 1
                self.open -= 1
                counted = False
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            conn.close()
            if counted:
                with self.lock:
                    self.open -= 1

    def kept_session(self, conn):
        """HTTP/1.1 kept alive, as Exchange and IIS do: every answer keeps
        the connection open until the client closes it; the connection is
        counted from the accept to the close (idle ones included)."""
        data = b""
        try:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                data = data.split(b"\r\n\r\n", 1)[1]
                with self.lock:
                    self.inflight += 1
                    self.total += 1
                    self.peak = max(self.peak, self.inflight)
                time.sleep(0.1)
                with self.lock:
                    self.inflight -= 1
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                             b"Connection: keep-alive\r\n\r\n")
        except OSError:
            pass
        finally:
            with self.lock:
                self.live.discard(conn)
            conn.close()

    def close(self):
        # The accepting thread must be gone before the socket closes: a
        # close while it waits in accept() leaves the address bound (the
        # next test on it could not bind).
        self.stopped = True
        self.thread.join()
        self.sock.close()


def _method3_at_one_address(srv, prefix):
    """24 domains PREFIX0-23.b17.test at once, Autodiscover only, with
    --per-address 3, against counting server SRV (closed after): every
    document there, every method 3 request made, more than one at once
    (the limit, not a serial run). Returns the documents."""
    try:
        r = run(*lab_args("-f", "jsonl", "-c", "autodiscover", "--parallel", "24",
                          "--per-address", "3", "--timeout", "10",
                          *["%s%d.b17.test" % (prefix, i) for i in range(24)]), timeout=120)
    finally:
        srv.close()
    docs = _lines(r)
    if len(docs) != 24:
        fail("%d documents for 24 domains: %.300s" % (len(docs), r.err))
    if srv.total < 24:
        fail("%d requests for 24 domains' method 3" % srv.total)
    if srv.peak < 2:
        fail("at most %d request at once: no concurrency at all" % srv.peak)
    return docs


def test_per_address_http_kept_alive():
    # The limit counts connections a server sees, idle kept-alive ones
    # included: 24 domains' method 3 (GET http://autodiscover.kN, a host
    # name each, so no connection is reused) to one address that keeps
    # every connection open. With --per-address 3, never more than 3 open
    # there at once (libcurl's pool kept every finished one: up to 24).
    srv = CountingHttp("127.0.37.4", keepalive=True)
    docs = _method3_at_one_address(srv, "k")
    if srv.open_peak > 3:
        fail("--per-address 3: %d connections open at once to 127.0.37.4:80 (kept alive)"
             % srv.open_peak)
    for d in docs:
        steps = json.dumps(d)
        if "HTTP 404" not in steps:
            fail("%s: method 3's answer (HTTP 404) not in the report" % d["target"])


def test_per_address_http():
    # HTTP keeps the limit too: 24 domains all at once whose Autodiscover
    # name is one address (Outlook's method 3, GET http://autodiscover.DOMAIN):
    # with --per-address 3, never more than 3 requests (or connections) there
    # at once, and more than one (the limit, not a serial run).
    srv = CountingHttp()
    _method3_at_one_address(srv, "h")
    if srv.peak > 3 or srv.open_peak > 3:
        fail("--per-address 3: %d requests, %d connections at once to 127.0.37.1:80"
             % (srv.peak, srv.open_peak))


def test_smtp_session_once_per_mx_address():
    # A session belongs to the MX host and address: six domains of one MX
    # (s0-s5.b17.test -> count3.b17.test, 127.0.37.2), one after the other,
    # cost one session; every domain gets the same verdict, the client IP
    # the server saw (for dnsbl) included, and its step says so.
    srv = CountingSmtp("127.0.37.2")
    try:
        r = run(*lab_args("-f", "jsonl", "-c", "smtp", "--parallel", "1", "--timeout", "10",
                          *["s%d.b17.test" % i for i in range(6)]), timeout=120)
    finally:
        srv.close()
    docs = _lines(r)
    if len(docs) != 6:
        fail("%d documents for 6 domains: %.300s" % (len(docs), r.err))
    if srv.total != 1:
        fail("%d SMTP sessions with count3.b17.test for 6 domains (1 expected)" % srv.total)
    seen = set()
    for d in docs:
        got = sorted(f["code"] for c in d["checks"] for f in c["findings"])
        if "SMTP_NO_STARTTLS" not in got or "SMTP_CLIENT_IP" not in got:
            fail("%s: SMTP_NO_STARTTLS and SMTP_CLIENT_IP expected, got %s" % (d["target"], got))
        steps = [s for c in d["checks"] for s in c["steps"] for s in s.get("steps", [])
                 if s["title"].startswith("SMTP count3")]
        if not steps or "kept for the run" not in (steps[0].get("detail") or ""):
            fail("%s: the session's step does not say it is shared: %s" % (d["target"], steps))
        seen.add(tuple(got))
    if len(seen) != 1:
        fail("the six domains' verdicts differ: %s" % seen)


class CountingTls:
    """127.0.37.3:5061: TLS with the lab's *.b17.test certificate, counting
    the handshakes completed."""

    def __init__(self, addr="127.0.37.3"):
        import ssl
        self.total = 0
        self.lock = threading.Lock()
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certs = os.path.join(lab_dir(), "certs")
        self.ctx.load_cert_chain(os.path.join(certs, "ad.b17.test.pem"),
                                 os.path.join(certs, "ad.b17.test.key"))
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, 5061))
        self.sock.listen(32)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
            with self.lock:
                self.total += 1
            tls.recv(1)         # until the client closes
            tls.close()
        except OSError:
            conn.close()

    def close(self):
        self.sock.close()


def test_tls_handshake_once_per_sip_endpoint():
    # lync's handshake with an SRV target belongs to the host, port and
    # address: six domains federating through sipcount.b17.test:5061
    # (127.0.37.3), one after the other, cost one handshake, with the same
    # verdict and steps in every document.
    srv = CountingTls()
    try:
        r = run(*lab_args("-f", "jsonl", "-c", "lync", "--parallel", "1", "--timeout", "10",
                          "--ca-file", _ca(), *["l%d.b17.test" % i for i in range(6)]),
                timeout=120)
    finally:
        srv.close()
    docs = _lines(r)
    if len(docs) != 6:
        fail("%d documents for 6 domains: %.300s" % (len(docs), r.err))
    if srv.total != 1:
        fail("%d TLS handshakes with sipcount.b17.test:5061 for 6 domains (1 expected)"
             % srv.total)
    seen = set()
    for d in docs:
        steps = [(s["status"], s.get("detail")) for c in d["checks"] for s in c["steps"]
                 for s in s.get("steps", []) if s["title"].startswith("TLS sipcount")]
        if not steps or steps[0][0] != "pass" or "kept for the run" not in (steps[0][1] or ""):
            fail("%s: the handshake step passes and says it is shared: %s"
                 % (d["target"], steps))
        seen.add((tuple(steps), tuple(sorted(f["code"] for c in d["checks"]
                                             for f in c["findings"]))))
    if len(seen) != 1:
        fail("the six domains' lync results differ: %s" % seen)
