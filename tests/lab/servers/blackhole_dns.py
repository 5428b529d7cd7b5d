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

import argparse
import collections
import ipaddress
import os
import selectors
import signal
import socket
import sys
import time


def log(msg):
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} blackhole_dns[{os.getpid()}]: {msg}",
          file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description="DNS server that never answers")
    p.add_argument("--addr", default="127.0.1.2",
                   help="IPv4 loopback address to bind (default 127.0.1.2)")
    p.add_argument("--port", type=int, default=53, help="port (default 53)")
    p.add_argument("--max-conns", type=int, default=64,
                   help="TCP connections kept open at most (default 64)")
    p.add_argument("pidfile", help="file to write our PID to once bound")
    a = p.parse_args()
    try:
        ip = ipaddress.IPv4Address(a.addr)
    except ValueError:
        p.error(f"--addr {a.addr!r} is not an IPv4 address")
    if not ip.is_loopback:
        p.error(f"--addr {a.addr} is not in 127.0.0.0/8 (the lab binds loopback only)")
    if not 0 < a.port < 65536:
        p.error(f"--port {a.port} out of range")
    if a.max_conns < 1:
        p.error("--max-conns must be >= 1")
    return a


class Stop(Exception):
    pass


def main():
    a = parse_args()

    def on_signal(signum, _frame):
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

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
    tmp = f"{a.pidfile}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, a.pidfile)
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
    except Stop as s:
        log(f"{s}: exiting ({nudp} udp queries, {ntcp} tcp connections swallowed)")
    finally:
        for conn in list(conns):
            drop(conn)
        sel.close()
        udp.close()
        tcp.close()
        try:
            with open(a.pidfile) as f:
                mine = f.read().strip() == str(os.getpid())
            if mine:
                os.unlink(a.pidfile)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
