#!/usr/bin/env python3
"""Scripted SMTP servers for what no real MTA does (the smtp check's lab).

    smtp_hostile.py --pidfile FILE [--port 25] [--only NAME,...]

One process, one listener per case, one thread per connection; writes the
pidfile once every listener is bound. Python 3 standard library only.
Every case ends by itself (bounded sleeps, bounded output) and never
accepts mail.

    address      name     behaviour
    127.0.1.80   cisco    Cisco PIX "Mailguard": banner of asterisks, EHLO
                          answered "500 5.5.1 Command unrecognized", HELO ok
    127.0.1.81   masked   ASA ESMTP inspection: EHLO lists XXXXXXXA where
                          STARTTLS was, STARTTLS answered 500
    127.0.1.82   tlsreq   no STARTTLS offered, MAIL FROM answered
                          "451 5.7.3 Must issue a STARTTLS command first"
    127.0.1.83   listed   EHLO reply names 198.51.100.77 (listed in the lab
                          DNSBL zone list.dnsbl.test); STARTTLS hidden, as
                          Office 365 does for listed senders
    127.0.1.84   silent   accepts, never sends a banner (holds 30 s)
    127.0.1.85   drip     the banner one byte per second
    127.0.1.86   flood    a 5 MB EHLO reply
    127.0.1.87   midtls   offers STARTTLS, says 220, reads the ClientHello,
                          closes (mid-TLS)
    127.0.1.88   inject   "220 ready" to STARTTLS with a plain-text reply
                          in the same packet (response injection)
    127.0.1.89   garbage  a banner that is not SMTP ("2x0 hello")
    127.0.1.90   reject   "554 5.7.606 Access denied, banned sending IP"
    127.0.1.91   split    a 3-line banner and the EHLO reply one byte per
                          TCP segment (every line boundary split)
    127.0.1.92   delay    the banner after 1.5 s (postscreen-style
                          greeting delay), then a normal dialogue
"""

import argparse
import os
import socket
import sys
import threading
import time

CASES = {
    "cisco": "127.0.1.80",
    "masked": "127.0.1.81",
    "tlsreq": "127.0.1.82",
    "listed": "127.0.1.83",
    "silent": "127.0.1.84",
    "drip": "127.0.1.85",
    "flood": "127.0.1.86",
    "midtls": "127.0.1.87",
    "inject": "127.0.1.88",
    "garbage": "127.0.1.89",
    "reject": "127.0.1.90",
    "split": "127.0.1.91",
    "delay": "127.0.1.92",
}

HOLD = 30          # seconds a stalling case keeps a connection at most


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


class Conn:
    def __init__(self, sock, peer):
        self.s = sock
        self.peer = peer
        self.buf = b""
        self.s.settimeout(HOLD)

    def send(self, text):
        self.s.sendall(text.encode() if isinstance(text, str) else text)

    def line(self):
        """One command line, or None at EOF/timeout."""
        while b"\n" not in self.buf:
            try:
                d = self.s.recv(4096)
            except OSError:
                return None
            if not d:
                return None
            self.buf += d
            if len(self.buf) > 8192:
                return None
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r").decode("latin-1")


def dialogue(c, host, ehlo_lines, on_cmd=None, greeting=None):
    """A plain server: banner, then EHLO/HELO/MAIL/RSET/NOOP/QUIT."""
    c.send(greeting if greeting is not None else "220 %s ESMTP lab\r\n" % host)
    while True:
        cmd = c.line()
        if cmd is None:
            return
        verb = cmd.split(" ", 1)[0].upper()
        if on_cmd:
            r = on_cmd(c, verb, cmd)
            if r == "stop":
                return
            if r:
                continue
        if verb == "EHLO":
            lines = ["%s Hello [%s]" % (host, c.peer[0])] + ehlo_lines
            out = "".join("250-%s\r\n" % l for l in lines[:-1]) + "250 %s\r\n" % lines[-1]
            c.send(out)
        elif verb == "HELO":
            c.send("250 %s Hello [%s]\r\n" % (host, c.peer[0]))
        elif verb == "MAIL":
            c.send("250 2.1.0 Sender OK\r\n")
        elif verb == "RCPT":
            c.send("550 5.7.1 this lab server accepts no mail\r\n")
        elif verb in ("RSET", "NOOP"):
            c.send("250 2.0.0 OK\r\n")
        elif verb == "QUIT":
            c.send("221 2.0.0 Bye\r\n")
            return
        else:
            c.send("500 5.5.1 Command unrecognized\r\n")


def case_cisco(c):
    def cmd(c, verb, line):
        if verb == "EHLO":
            c.send("500 5.5.1 Command unrecognized: \"XXXX %s\"\r\n" % line[5:])
            return True
        return False
    dialogue(c, "mx.cisco.smtp.test", ["SIZE 10240000"], cmd,
             greeting="220 ****************************2**0*****0****************\r\n")


def case_masked(c):
    def cmd(c, verb, line):
        if verb in ("STARTTLS", "XXXXXXXX"):
            c.send("500 5.5.1 Command unrecognized\r\n")
            return True
        return False
    dialogue(c, "mx.masked.smtp.test", ["SIZE 37748736", "PIPELINING", "XXXXXXXA", "8BITMIME"],
             cmd)


def case_tlsreq(c):
    def cmd(c, verb, line):
        if verb == "MAIL":
            c.send("451 5.7.3 Must issue a STARTTLS command first\r\n")
            return True
        return False
    dialogue(c, "mx.tlsreq.smtp.test", ["SIZE 37748736", "PIPELINING", "8BITMIME"], cmd)


def case_listed(c):
    def cmd(c, verb, line):
        if verb == "EHLO":
            c.send("250-mx.listed.smtp.test Hello [198.51.100.77]\r\n250-SIZE 157286400\r\n"
                   "250-PIPELINING\r\n250 8BITMIME\r\n")
            return True
        return False
    dialogue(c, "mx.listed.smtp.test", [], cmd)


def case_silent(c):
    c.s.settimeout(HOLD)
    try:
        while c.s.recv(4096):
            pass
    except OSError:
        pass


def case_drip(c):
    for ch in b"220 mx.drip.smtp.test ESMTP a very slow server\r\n":
        try:
            c.send(bytes([ch]))
        except OSError:
            return
        time.sleep(1)


def case_flood(c):
    c.send("220 mx.flood.smtp.test ESMTP\r\n")
    if c.line() is None:
        return
    chunk = ("250-" + "X" * 74 + "\r\n").encode() * 1000      # 80 KB
    sent = 0
    try:
        while sent < 5 * 1024 * 1024:
            c.send(chunk)
            sent += len(chunk)
        c.send("250 end\r\n")
    except OSError:
        pass
    log("flood: sent %d bytes to %s" % (sent, c.peer[0]))


def case_midtls(c):
    def cmd(c, verb, line):
        if verb == "STARTTLS":
            c.send("220 2.0.0 Ready to start TLS\r\n")
            try:
                c.s.recv(4096)         # the ClientHello
            except OSError:
                pass
            return "stop"
        return False
    dialogue(c, "mx.midtls.smtp.test", ["SIZE 1000000", "STARTTLS"], cmd)


def case_inject(c):
    def cmd(c, verb, line):
        if verb == "STARTTLS":
            c.send("220 2.0.0 Ready to start TLS\r\n250 2.0.0 injected\r\n")
            time.sleep(2)
            return "stop"
        return False
    dialogue(c, "mx.inject.smtp.test", ["SIZE 1000000", "STARTTLS"], cmd)


def case_garbage(c):
    c.send("2x0 hello, this is not SMTP\r\n")
    c.line()


def case_reject(c):
    dialogue(c, "mx.reject.smtp.test", [], greeting="554 5.7.606 Access denied, banned "
             "sending IP [%s]\r\n" % c.peer[0])


def case_split(c):
    def dribble(text):
        for ch in text.encode():
            c.send(bytes([ch]))
            time.sleep(0.001)

    def cmd(c, verb, line):
        if verb == "EHLO":
            dribble("250-mx.split.smtp.test Hello [%s]\r\n250-SIZE 1000\r\n250-PIPELINING\r\n"
                    "250 8BITMIME\r\n" % c.peer[0])
            return True
        return False
    c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    dribble("220-mx.split.smtp.test ESMTP\r\n220-a banner of three lines\r\n220 ready\r\n")
    dialogue(c, "mx.split.smtp.test", [], cmd, greeting="")


def case_delay(c):
    time.sleep(1.5)
    dialogue(c, "mx.delay.smtp.test", ["SIZE 1000000", "8BITMIME"])


def serve(name, sock):
    fn = globals()["case_" + name]
    while True:
        try:
            conn, peer = sock.accept()
        except OSError:
            return

        def run(conn=conn, peer=peer):
            log("%s: connection from %s" % (name, peer[0]))
            try:
                fn(Conn(conn, peer))
            except OSError as e:
                log("%s: %s" % (name, e))
            finally:
                try:
                    conn.close()
                except OSError:
                    pass
        threading.Thread(target=run, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    names = [n for n in CASES if not a.only or n in a.only.split(",")]
    socks = []
    for n in names:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((CASES[n], a.port))
        s.listen(64)
        socks.append((n, s))
    for n, s in socks:
        threading.Thread(target=serve, args=(n, s), daemon=True).start()
    tmp = a.pidfile + ".tmp"
    with open(tmp, "w") as fp:
        fp.write("%d\n" % os.getpid())
    os.replace(tmp, a.pidfile)
    log("listening: " + ", ".join("%s %s:%d" % (n, CASES[n], a.port) for n, _ in socks))
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        try:
            os.unlink(a.pidfile)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main())
