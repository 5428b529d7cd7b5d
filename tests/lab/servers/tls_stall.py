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
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} tls_stall[{os.getpid()}]: {msg}",
          file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description="TLS server that reads the ClientHello "
                                            "and never answers")
    p.add_argument("--addr", default="127.0.1.68",
                   help="IPv4 loopback address to bind (default 127.0.1.68)")
    p.add_argument("--port", type=int, default=443, help="port (default 443)")
    p.add_argument("--max-conns", type=int, default=64,
                   help="connections kept open at most (default 64)")
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
    if a.max_conns < 1:
        p.error("--max-conns must be >= 1")
    return a


class Stop(Exception):
    pass


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
    conns = collections.OrderedDict()  # socket -> [peer, bytes read], oldest first

    def drop(conn):
        conns.pop(conn, None)
        try:
            sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    write_pidfile(a.pidfile)
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
    except Stop as s:
        log(f"{s}: exiting ({naccepted} connections stalled)")
    finally:
        for conn in list(conns):
            drop(conn)
        sel.close()
        lsock.close()
        remove_pidfile(a.pidfile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
