#!/usr/bin/env python3
"""tls_stall.py - a "TLS server" that reads the ClientHello and never answers.

Listens on ADDR:PORT (default 127.0.1.68:443; the lab's stall.certs.test),
accepts every connection, reads whatever the client sends (its ClientHello)
and never writes a byte. A connection stays open until the client closes it
(at most --max-conns are kept, the oldest is closed first). Used to test that
exprobe's TLS handshake timeout fires (CERT_HANDSHAKE_FAILED at --timeout)
and a stalled server costs only its own timeout.

Usage: tls_stall.py [--addr ADDR] [--port PORT] [--max-conns N] --pidfile FILE

The pidfile is written (atomically) only once the socket listens, so its
presence means the server is ready. SIGTERM/SIGINT: close every socket,
remove the pidfile, exit 0. Python 3 standard library only.
"""

import collections
import os
import selectors
import socket
import sys

# labserver.py (the code the lab servers share) sits next to this script.
sys.dont_write_bytecode = True          # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import labserver  # noqa: E402

log = labserver.make_log("tls_stall")


def parse_args():
    p = labserver.arg_parser("TLS server that reads the ClientHello and never answers",
                             "127.0.1.68", 443)
    p.add_argument("--max-conns", type=int, default=64,
                   help="connections kept open at most (default 64)")
    labserver.add_pidfile(p, "listening")
    a = labserver.parse_args(p)
    if a.max_conns < 1:
        p.error("--max-conns must be >= 1")
    return a


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
    conns = collections.OrderedDict()  # socket -> [peer, bytes read], oldest first

    def drop(conn):
        conns.pop(conn, None)
        try:
            sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    labserver.write_pidfile(a.pidfile)
    log(f"listening on {a.addr}:{a.port}, reading ClientHellos, never answering")

    naccepted = 0
    try:
        while True:
            for key, _ in sel.select():
                if key.data is None:
                    try:
                        conn, peer = lsock.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as e:
                        log(f"accept: {e}")
                        continue
                    conn.setblocking(False)
                    naccepted += 1
                    if len(conns) >= a.max_conns:
                        drop(next(iter(conns)))
                    conns[conn] = [peer, 0]
                    sel.register(conn, selectors.EVENT_READ, "conn")
                    continue
                conn = key.fileobj
                try:
                    data = conn.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    drop(conn)
                elif conn in conns:
                    conns[conn][1] += len(data)
    except labserver.Stop as s:
        log(f"{s}: exiting ({naccepted} connections stalled)")
    finally:
        for conn in list(conns):
            drop(conn)
        sel.close()
        lsock.close()
        labserver.remove_pidfile(a.pidfile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
