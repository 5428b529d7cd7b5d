#!/usr/bin/env python3
"""tls_garbage.py - a server on a TLS port that does not speak TLS.

Listens on ADDR:PORT (default 127.0.1.69:443; the lab's garbage.certs.test),
and answers every connection like a misconfigured SMTP/FTP service would:
at once a plain-text banner "220 this is not TLS\\r\\n"; then it reads what
the client sends (a ClientHello) for up to --read-wait seconds, answers with
"500 5.5.1 unrecognised command\\r\\n" followed by some binary bytes (NUL,
0xFF, a TLS-looking header with an absurd length), half-closes its side and
closes the connection once the client has closed (at most --linger seconds
later). Each connection is handled independently (non-blocking, one
selector), so a slow client does not hold up others.

Used to test that exprobe fails the handshake at the first bad record
(CERT_HANDSHAKE_FAILED), quickly, and never crashes or breaks its output.

Usage: tls_garbage.py [--addr ADDR] [--port PORT] --pidfile FILE

The pidfile is written (atomically) only once the socket listens. SIGTERM/
SIGINT: close every socket, remove the pidfile, exit 0. Python 3 standard
library only.
"""

import argparse
import ipaddress
import os
import selectors
import signal
import socket
import sys
import time

BANNER = b"220 this is not TLS\r\n"
REPLY = (b"500 5.5.1 unrecognised command\r\n"
         b"\x00\xff\xfe\x1b[31m garbage \x80\x81\x82\r\n"
         b"\x16\x03\x01\xff\xff" + b"\xee" * 64)
MAX_CONNS = 128


def log(msg):
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} tls_garbage[{os.getpid()}]: {msg}",
          file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description="plain-text server on a TLS port")
    p.add_argument("--addr", default="127.0.1.69",
                   help="IPv4 loopback address to bind (default 127.0.1.69)")
    p.add_argument("--port", type=int, default=443, help="port (default 443)")
    p.add_argument("--read-wait", type=float, default=1.0,
                   help="seconds to wait for the client's first bytes (default 1)")
    p.add_argument("--linger", type=float, default=2.0,
                   help="seconds to wait for the client to close (default 2)")
    p.add_argument("--pidfile", required=True, help="file to write our PID to once listening")
    a = p.parse_args()
    try:
        ip = ipaddress.IPv4Address(a.addr)
    except ValueError:
        p.error(f"--addr {a.addr!r} is not an IPv4 address")
    if not ip.is_loopback:
        p.error(f"--addr {a.addr} is not in 127.0.0.0/8 (the lab binds loopback only)")
    if not 0 < a.port < 65536:
        p.error(f"--port {a.port} out of range")
    return a


class Stop(Exception):
    pass


class Conn:
    """One client: banner sent -> waiting for its bytes -> reply sent,
    write side shut -> waiting for its close (or the linger deadline)."""

    def __init__(self, sock, now, a):
        self.sock = sock
        self.replied = False
        self.deadline = now + a.read_wait
        self.linger = a.linger


def send_all(sock, data):
    """Best effort on a non-blocking socket; the data is tiny (fits the
    socket buffer), so a short write only happens to a vanished client."""
    try:
        sock.sendall(data)
        return True
    except (BlockingIOError, InterruptedError, OSError):
        return False


def write_pidfile(path):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, path)


def remove_pidfile(path):
    try:
        with open(path) as f:
            mine = f.read().strip() == str(os.getpid())
        if mine:
            os.unlink(path)
    except OSError:
        pass


def main():
    a = parse_args()

    def on_signal(signum, _frame):
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        lsock.bind((a.addr, a.port))
        lsock.listen(64)
    except OSError as e:
        log(f"cannot listen on {a.addr}:{a.port}: {e}")
        return 1
    lsock.setblocking(False)

    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    conns = {}

    def drop(c):
        conns.pop(c.sock, None)
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    def reply(c, now):
        # Answer, then half-close: the client reads the garbage and then EOF;
        # we keep reading until it closes, so no unread data turns our close
        # into an RST that could eat the reply.
        send_all(c.sock, REPLY)
        try:
            c.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        c.replied = True
        c.deadline = now + c.linger

    write_pidfile(a.pidfile)
    log(f"listening on {a.addr}:{a.port}, answering TLS with plain text")

    n = 0
    try:
        while True:
            now = time.monotonic()
            timeout = None
            if conns:
                timeout = max(0.0, min(c.deadline for c in conns.values()) - now)
            for key, _ in sel.select(timeout):
                if key.data is None:
                    try:
                        sock, _peer = lsock.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as e:
                        log(f"accept: {e}")
                        continue
                    sock.setblocking(False)
                    n += 1
                    if len(conns) >= MAX_CONNS:
                        drop(min(conns.values(), key=lambda c: c.deadline))
                    c = Conn(sock, time.monotonic(), a)
                    conns[sock] = c
                    sel.register(sock, selectors.EVENT_READ, c)
                    send_all(sock, BANNER)
                    continue
                c = key.data
                try:
                    data = c.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    drop(c)
                elif not c.replied:
                    reply(c, time.monotonic())
            now = time.monotonic()
            for c in [c for c in conns.values() if c.deadline <= now]:
                if c.replied:
                    drop(c)             # the client never closed: give up
                else:
                    reply(c, now)       # the client said nothing: answer anyway
    except Stop as s:
        log(f"{s}: exiting ({n} connections answered with garbage)")
    finally:
        for c in list(conns.values()):
            drop(c)
        sel.close()
        lsock.close()
        remove_pidfile(a.pidfile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
