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

import os
import selectors
import socket
import sys
import time

# labserver.py (the code the lab servers share) sits next to this script.
sys.dont_write_bytecode = True          # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import labserver  # noqa: E402

BANNER = b"220 this is not TLS\r\n"
REPLY = (b"500 5.5.1 unrecognised command\r\n"
         b"\x00\xff\xfe\x1b[31m garbage \x80\x81\x82\r\n"
         b"\x16\x03\x01\xff\xff" + b"\xee" * 64)
MAX_CONNS = 128


log = labserver.make_log("tls_garbage")


def parse_args():
    p = labserver.arg_parser("plain-text server on a TLS port", "127.0.1.69", 443)
    p.add_argument("--read-wait", type=float, default=1.0,
                   help="seconds to wait for the client's first bytes (default 1)")
    p.add_argument("--linger", type=float, default=2.0,
                   help="seconds to wait for the client to close (default 2)")
    labserver.add_pidfile(p, "listening")
    return labserver.parse_args(p)


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


def main():
    a = parse_args()
    labserver.handle_signals()

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

    labserver.write_pidfile(a.pidfile)
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
    except labserver.Stop as s:
        log(f"{s}: exiting ({n} connections answered with garbage)")
    finally:
        for c in list(conns.values()):
            drop(c)
        sel.close()
        lsock.close()
        labserver.remove_pidfile(a.pidfile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
