#!/usr/bin/env python3
"""blackhole_dns.py - a "resolver" that reads DNS queries and never answers.

Binds UDP and TCP on ADDR:PORT (default 127.0.1.2:53), reads every query and
drops it. TCP connections are accepted and read from but never answered; they
stay open until the client closes them (at most --max-conns are kept, the
oldest is closed first). Used to test that exprobe's DNS timeouts fire and a
dead resolver costs only its own timeout.

Usage: blackhole_dns.py [--addr ADDR] [--port PORT] [--max-conns N] PIDFILE

The pidfile is written only after both sockets are bound, so its presence means
the server is ready. SIGTERM/SIGINT: close sockets, remove the pidfile, exit 0.
Python 3 standard library only.
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

log = labserver.make_log("blackhole_dns")


def parse_args():
    p = labserver.arg_parser("DNS server that never answers", "127.0.1.2", 53)
    p.add_argument("--max-conns", type=int, default=64,
                   help="TCP connections kept open at most (default 64)")
    labserver.add_pidfile(p, "bound", positional=True)
    a = labserver.parse_args(p)
    if a.max_conns < 1:
        p.error("--max-conns must be >= 1")
    return a


def main():
    a = parse_args()
    labserver.handle_signals()

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        udp.bind((a.addr, a.port))
        tcp.bind((a.addr, a.port))
        tcp.listen(16)
    except OSError as e:
        log(f"cannot bind {a.addr}:{a.port}: {e}")
        return 1
    udp.setblocking(False)
    tcp.setblocking(False)

    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "listen")
    conns = collections.OrderedDict()  # socket -> peer, oldest first

    def drop(conn):
        conns.pop(conn, None)
        try:
            sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    # Write the pidfile atomically, only now that both sockets are bound.
    labserver.write_pidfile(a.pidfile)
    log(f"listening on {a.addr}:{a.port} udp+tcp, never answering")

    nudp = ntcp = 0
    try:
        while True:
            for key, _ in sel.select():
                what = key.data
                if what == "udp":
                    try:
                        while True:
                            udp.recvfrom(65535)
                            nudp += 1
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError as e:
                        log(f"udp recv: {e}")
                elif what == "listen":
                    try:
                        conn, peer = tcp.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as e:
                        log(f"tcp accept: {e}")
                        continue
                    conn.setblocking(False)
                    ntcp += 1
                    if len(conns) >= a.max_conns:
                        drop(next(iter(conns)))
                    conns[conn] = peer
                    sel.register(conn, selectors.EVENT_READ, "conn")
                else:
                    conn = key.fileobj
                    try:
                        data = conn.recv(65535)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        drop(conn)
    except labserver.Stop as s:
        log(f"{s}: exiting ({nudp} udp queries, {ntcp} tcp connections swallowed)")
    finally:
        for conn in list(conns):
            drop(conn)
        sel.close()
        udp.close()
        tcp.close()
        labserver.remove_pidfile(a.pidfile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
