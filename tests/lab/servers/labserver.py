"""labserver.py - the part the lab's small Python servers share.

blackhole_dns.py, tls_stall.py and tls_garbage.py are each started by
tests/lab/lab.sh as `python3 tests/lab/servers/NAME.py --addr A --port P ...`
and all follow the same contract, implemented here once:

  - arg_parser(), add_pidfile(), parse_args(): the command line. --addr must
    be an IPv4 address in 127.0.0.0/8 (the lab binds loopback only), --port
    in 1..65535; a bad value is an argparse error (usage on stderr, exit 2).
  - make_log(): a log(msg) that writes "TIMESTAMP NAME[PID]: msg" to stderr.
  - handle_signals() and Stop: SIGTERM/SIGINT raise Stop (str() is the
    signal's name, e.g. "SIGTERM") in the main thread; SIGHUP is ignored.
  - write_pidfile() / remove_pidfile(): the pidfile is written atomically
    (temp file + rename) once the server is ready, and removed on exit only
    if it still holds our PID.

A server imports this from its own directory (see the sys.path line at the
top of each server). Python 3 standard library only.
"""

import argparse
import ipaddress
import os
import signal
import sys
import time


class Stop(Exception):
    """SIGTERM or SIGINT arrived; str(exc) is the signal's name."""


def make_log(name):
    """A log(msg) function: one line "YYYY-MM-DDTHH:MM:SS NAME[PID]: msg"
    on stderr, flushed at once."""
    def log(msg):
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {name}[{os.getpid()}]: {msg}",
              file=sys.stderr, flush=True)
    return log


def arg_parser(description, addr, port):
    """An ArgumentParser with --addr (default ADDR) and --port (default PORT).
    The server adds its own options, then its pidfile (add_pidfile)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--addr", default=addr,
                   help=f"IPv4 loopback address to bind (default {addr})")
    p.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    return p


def add_pidfile(p, when, positional=False):
    """Add the pidfile argument: a required --pidfile FILE, or a positional
    PIDFILE if POSITIONAL. WHEN ends its help ("once bound", ...)."""
    help = f"file to write our PID to once {when}"
    if positional:
        p.add_argument("pidfile", help=help)
    else:
        p.add_argument("--pidfile", required=True, help=help)


def parse_args(p):
    """p.parse_args(), then check --addr and --port (p.error() on a bad one).
    The server checks its own options afterwards."""
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


def handle_signals():
    """SIGTERM and SIGINT raise Stop in the main thread; SIGHUP is ignored."""
    def on_signal(signum, _frame):
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def write_pidfile(path):
    """Write our PID to PATH atomically (PATH.tmp.PID, then rename), so a
    reader sees either no file or the whole PID."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, path)


def remove_pidfile(path):
    """Remove PATH if it holds our PID (a newer instance may have replaced
    it); errors are ignored."""
    try:
        with open(path) as f:
            mine = f.read().strip() == str(os.getpid())
        if mine:
            os.unlink(path)
    except OSError:
        pass
