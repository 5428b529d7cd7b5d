"""A healthy domain never warns because of the vantage point (SPEC, issue 11):
one test per premise about where exprobe runs from. The domain is cloud.test
(healthy cloud-only, --expect cloud, the lab CA), every default check; what
changes is the resolver:

- some of --dns-server never answer        -> RESOLVER_PARTIAL (info), exit 0
- the built-in block lists are not served   -> dnsbl skip, DNSBL_ZONE_UNRELIABLE (info)
  (the lab: their names do not exist)
- the built-in block lists refuse it        -> dnsbl skip, DNSBL_QUERY_BLOCKED (info)
  (127.255.255.254, Spamhaus' "public resolver" answer)
- the built-in block lists do not answer    -> dnsbl skip, DNSBL_QUERY_FAILED (info)
- the resolver returns no DNSSEC records    -> dane skip with that reason
For the refusing / failing block lists a small relay runs inside this test
(127.0.11.54 and 127.0.11.55, port 53): it forwards every question to the lab
resolver except those under the built-in zones, which it answers itself.
The broken counterparts (a zone named with --dnsbl or -c dnsbl gives no verdict:
unknown) are in test_dnsbl.py and test_dnserrors.py."""

import os
import socket
import struct
import threading

from harness import (LAB_BLACKHOLE, assert_code, assert_eq, assert_exit, assert_true, check,
                     expect_file, fail, findings, lab_dir, parse_json, run)

BUILTIN = ("zen.spamhaus.org", "bl.spamcop.net", "psbl.surriel.com")
LAB_RESOLVER = ("127.0.1.1", 53)
RELAY = {"blocked": "127.0.11.54", "servfail": "127.0.11.55"}


def _qname(msg):
    """The question's name of a DNS message (lower case, no trailing dot)."""
    labels, i = [], 12
    while i < len(msg) and msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels).lower(), i + 5   # end of the question section


def _answer(msg, mode):
    """Our own answer to a question under a built-in zone."""
    name, qend = _qname(msg)
    qtype = struct.unpack("!H", msg[qend - 4:qend - 2])[0] if qend <= len(msg) else 0
    flags = 0x8180 if mode == "blocked" else 0x8182   # NOERROR / SERVFAIL, RD+RA
    an = 1 if mode == "blocked" and qtype == 1 else 0
    head = msg[:2] + struct.pack("!HHHHH", flags, 1, an, 0, 0)
    body = msg[12:qend]
    if an:
        # name pointer to the question, A IN, TTL 60, 127.255.255.254
        body += struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([127, 255, 255, 254])
    return head + body


def _builtin(name):
    return any(name == z or name.endswith("." + z) for z in BUILTIN)


def _relay_udp(msg):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(msg, LAB_RESOLVER)
        return s.recvfrom(65535)[0]
    except OSError:
        return None
    finally:
        s.close()


def _relay_tcp(msg):
    try:
        with socket.create_connection(LAB_RESOLVER, timeout=3) as s:
            s.sendall(struct.pack("!H", len(msg)) + msg)
            n = struct.unpack("!H", _recv(s, 2))[0]
            return _recv(s, n)
    except (OSError, struct.error):
        return None


def _recv(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise OSError("closed")
        b += c
    return b


class Relay:
    """A resolver that is the lab's, except for the built-in block lists."""

    def __init__(self, mode):
        self.mode, self.addr = mode, RELAY[mode]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((self.addr, 53))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.addr, 53))
        self.tcp.listen(16)
        self.stop = False
        threading.Thread(target=self.serve_udp, daemon=True).start()
        threading.Thread(target=self.serve_tcp, daemon=True).start()

    def reply(self, msg, tcp):
        if len(msg) < 17:
            return None
        if _builtin(_qname(msg)[0]):
            return _answer(msg, self.mode)
        return _relay_tcp(msg) if tcp else _relay_udp(msg)

    def serve_udp(self):
        while not self.stop:
            try:
                msg, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            threading.Thread(target=self.one_udp, args=(msg, peer), daemon=True).start()

    def one_udp(self, msg, peer):
        out = self.reply(msg, False)
        if out:
            try:
                self.udp.sendto(out, peer)
            except OSError:
                pass

    def serve_tcp(self):
        while not self.stop:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self.one_tcp, args=(conn,), daemon=True).start()

    def one_tcp(self, conn):
        with conn:
            try:
                conn.settimeout(5)
                while True:
                    n = struct.unpack("!H", _recv(conn, 2))[0]
                    out = self.reply(_recv(conn, n), True)
                    if not out:
                        return
                    conn.sendall(struct.pack("!H", len(out)) + out)
            except (OSError, struct.error):
                return



_relays = {}


def relay(mode):
    """One relay per mode for the whole test run (its threads are daemons:
    they end with the harness; closing a socket a thread blocks on does
    not free its port at once)."""
    if mode not in _relays:
        _relays[mode] = Relay(mode)
    return _relays[mode]


def healthy_run(dns, *extra):
    """cloud.test, every default check, from resolver(s) DNS."""
    r = run("-f", "json", "--dns-server", dns, "--ca-file",
            os.path.join(lab_dir(), "certs", "ca.pem"), "--timeout", "2", "--expect",
            expect_file("cloud"), *extra, "cloud.test", timeout=60)
    return r, parse_json(r)


def assert_healthy(r, doc, what):
    """Exit 0, document pass, nothing above info anywhere."""
    loud = ["%s %s (%s)" % (f["code"], f["severity"], f["message"][:120])
            for f in findings(doc) if f["severity"] != "info"]
    if loud:
        fail("%s: a healthy domain warns because of the vantage point: %s" % (what, loud))
    assert_eq(doc["status"], "pass", "%s: document status" % what)
    assert_exit(r, 0)


def dnsbl_muted(doc, code, what):
    c = check(doc, "dnsbl")
    assert_eq(c["status"], "skip", "%s: dnsbl status" % what)
    f = assert_code(doc, code, severity="info", check_id="dnsbl", count=1)[0]
    assert_eq(sorted(f["evidence"]["zones"]), sorted(BUILTIN), "%s: zones" % what)
    assert_true("--dnsbl" in f["remediation"] and "resolver" in f["remediation"],
                "%s: the fix names no way out: %r" % (what, f["remediation"]))
    return f


def test_partial_resolvers_healthy_domain_passes():
    r, doc = healthy_run(LAB_BLACKHOLE + ",127.0.1.1")
    assert_code(doc, "RESOLVER_PARTIAL", severity="info", count=1, r=r)
    assert_healthy(r, doc, "a silent first resolver")


def test_builtin_lists_not_served_healthy_domain_passes():
    r, doc = healthy_run("127.0.1.1")
    dnsbl_muted(doc, "DNSBL_ZONE_UNRELIABLE", "lists not served")
    assert_healthy(r, doc, "lists not served")


def test_builtin_lists_refuse_this_resolver_healthy_domain_passes():
    r, doc = healthy_run(relay("blocked").addr)
    dnsbl_muted(doc, "DNSBL_QUERY_BLOCKED", "lists refuse the resolver")
    assert_healthy(r, doc, "lists refuse the resolver")


def test_builtin_lists_do_not_answer_healthy_domain_passes():
    r, doc = healthy_run(relay("servfail").addr)
    dnsbl_muted(doc, "DNSBL_QUERY_FAILED", "lists do not answer")
    assert_healthy(r, doc, "lists do not answer")


def test_resolver_without_dnssec_healthy_domain_passes():
    # The lab resolver serves no DNSSEC records for the root: dane cannot
    # validate from here, so it is skipped with that reason, never a warning.
    r, doc = healthy_run("127.0.1.1")
    c = check(doc, "dane")
    assert_eq(c["status"], "skip", "dane status")
    assert_true("DNSSEC" in (c.get("skip_reason") or ""), "dane skip reason %r"
                % c.get("skip_reason"))
    assert_healthy(r, doc, "no DNSSEC from the resolver")


def test_builtin_lists_refusing_when_asked_for_is_unknown():
    # The counterpart: dnsbl asked for by name (-c dnsbl) and the lists
    # refuse this resolver: no verdict on something asked for -> unknown.
    r, doc = healthy_run(relay("blocked").addr, "-c", "dnsbl")
    assert_eq(check(doc, "dnsbl")["status"], "unknown", "dnsbl status")
    assert_true(any(f["code"] == "DNSBL_QUERY_BLOCKED" and f["severity"] == "unknown"
                    for f in findings(doc)), "no unknown DNSBL_QUERY_BLOCKED: %s"
                % [(f["code"], f["severity"]) for f in findings(doc)])
    assert_exit(r, 3)
