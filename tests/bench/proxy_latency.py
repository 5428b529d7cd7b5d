#!/usr/bin/env python3
"""tests/bench/proxy_latency.py - what the delay proxy adds on top of its
delay: sequential DNS-sized UDP queries and TCP round trips through it,
against echo servers standing in for the lab (so run it WITHOUT the lab, in
a private network namespace of its own):

    unshare -n sh -c 'ip link set lo up; tests/bench/proxy_latency.py build/delay_proxy'

    tests/bench/proxy_latency.py PROXY [MS,MS...]   (default 0,50)
    PROXY is the delay proxy's command (build/delay_proxy); N=1000 round
    trips each (env PROXY_N).

For each MS, first its behaviour (exit 1 if wrong): 4 MiB each way intact
through one connection whose client half-closes (the echo's answer still
arrives, then end of stream); an upstream that resets (127.0.17.31:443)
reaches the client as a reset; a refused upstream (nothing on
127.0.17.32:443) as a reset or end of stream. Then N UDP queries to 127.0.17.2:53 (the proxy's DNS front; an echo
on 127.0.1.1:53 answers), N round trips of 40 bytes over one TCP connection
to 127.0.17.130:443 (an echo on 127.0.17.30:443), and N/10 fresh
connections each doing one round trip (the first bytes wait the handshake's
round trip: 3 x MS in all). Prints median / p90 / p99 / max of (measured -
expected), in ms: the proxy's own latency plus this client's and the echo's
(measure MS=0 for that floor).
"""

import os
import socket
import socketserver
import statistics
import subprocess
import sys
import threading
import time


class UdpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data, self.client_address)


class TcpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


class ThreadingTcp(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def quantiles(xs):
    xs = sorted(xs)
    pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
    return "median %6.3f  p90 %6.3f  p99 %6.3f  max %7.3f" % (
        statistics.median(xs), pick(0.9), pick(0.99), xs[-1])


class Resetter(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.recv(64)
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        self.request.close()


def behaviour(ms):
    """None if the proxy forwards, half-closes and resets as it should."""
    blob = os.urandom(4 << 20)
    c = socket.create_connection(("127.0.17.130", 443), timeout=30)
    got = bytearray()
    sent = 0
    c.setblocking(False)
    while sent < len(blob):       # write and read together: the echo answers as it reads
        try:
            sent += c.send(blob[sent:sent + 65536])
        except BlockingIOError:
            pass
        try:
            got += c.recv(1 << 20)
        except BlockingIOError:
            time.sleep(0.001)
    c.shutdown(socket.SHUT_WR)
    c.settimeout(30)
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        got += b
    c.close()
    if bytes(got) != blob:
        return "4 MiB echoed with a half-close: %d bytes back, %s" % (
            len(got), "equal prefix" if blob.startswith(bytes(got)) else "corrupted")
    c = socket.create_connection(("127.0.17.131", 443), timeout=30)
    c.sendall(b"reset me")
    try:
        data = c.recv(64)
        return "an upstream reset reached the client as %r, not a reset" % data
    except ConnectionResetError:
        pass
    finally:
        c.close()
    t0 = time.monotonic()
    try:
        c = socket.create_connection(("127.0.17.132", 443), timeout=30)
    except ConnectionResetError:
        if ms:
            return "a refused upstream reset the client at once, not after the handshake"
        return None
    try:
        c.sendall(b"anyone?")
        data = c.recv(64)
        if data:
            return "a refused upstream answered %r" % data
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        c.close()
    return None


def measure(n, ms):
    out = {}
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.connect(("127.0.17.2", 53))
    lat = []
    for i in range(n):
        q = i.to_bytes(2, "big") + b"\x01\x00" + b"x" * 36
        t0 = time.perf_counter()
        u.send(q)
        while u.recv(512) != q:
            pass
        lat.append((time.perf_counter() - t0) * 1000 - 2 * ms)
    out["udp"] = lat
    t = socket.create_connection(("127.0.17.130", 443))
    t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t.sendall(b"warm"), t.recv(16)
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        t.sendall(b"y" * 40)
        got = 0
        while got < 40:
            got += len(t.recv(64))
        lat.append((time.perf_counter() - t0) * 1000 - 2 * ms)
    t.close()
    out["tcp"] = lat
    lat = []
    for _ in range(max(1, n // 10)):
        t0 = time.perf_counter()
        c = socket.create_connection(("127.0.17.130", 443))
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sendall(b"z" * 40)
        got = 0
        while got < 40:
            got += len(c.recv(64))
        lat.append((time.perf_counter() - t0) * 1000 - 3 * ms)
        c.close()
    out["connect"] = lat
    return out


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    proxy = sys.argv[1].split()
    delays = [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "0,50").split(",")]
    n = int(os.environ.get("PROXY_N", "1000"))
    serve(socketserver.ThreadingUDPServer(("127.0.1.1", 53), UdpEcho))
    serve(ThreadingTcp(("127.0.17.30", 443), TcpEcho))
    serve(ThreadingTcp(("127.0.17.31", 443), Resetter))
    bad = 0
    for ms in delays:
        p = subprocess.Popen(proxy + [str(ms)], stdout=subprocess.PIPE, text=True)
        if "ready" not in (p.stdout.readline() or ""):
            sys.exit("proxy_latency: the proxy did not start")
        try:
            why = behaviour(ms)
            if why:
                print("%s MS=%d: WRONG: %s" % (os.path.basename(proxy[-1]), ms, why))
                bad += 1
            res = measure(n, ms)
        finally:
            p.terminate()
            tail = p.communicate()[0].strip()
        for kind, lat in res.items():
            print("%s MS=%-3d %-7s n=%-5d added ms: %s" % (os.path.basename(proxy[-1]), ms, kind,
                                                         len(lat), quantiles(lat)))
        if tail:
            print("  " + tail.replace("\n", "\n  "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
