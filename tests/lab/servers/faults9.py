#!/usr/bin/env python3
"""Server faults no real server produces on purpose (issue 9), 127.0.9.x.

    faults9.py --pidfile FILE [--only NAME,...]

One process, one listener per case, one thread per connection (or per UDP
server); writes the pidfile once every listener is bound. Python 3 standard
library only. Every case ends by itself (bounded sleeps and output); exprobe
must end each with a finding within its --timeout / --max-time.

    address          name         behaviour
    127.0.9.10:443   tlsreset     reads the ClientHello, then a TCP reset
    127.0.9.11:443   tlsalert     a ServerHello, then a fatal alert
                                  (handshake_failure)
    127.0.9.12:443   tlsdrip      a handshake record announced at 16 KB,
                                  sent one byte every 0.5 s
    127.0.9.13:80    chunked      HTTP 200, chunked, chunks forever (every
                                  0.05 s, up to 60 s)
    127.0.9.20:25    smtpreset    "220-" first banner line, then a TCP reset
                                  in the middle of the reply
    127.0.9.21:25    starttlsclose  offers STARTTLS, answers it "220" and
                                  closes at once
    127.0.9.30:53    dnstc        UDP answers truncated (TC bit, no records);
                                  TCP relays the lab resolver 127.0.1.1
    127.0.9.31:53    dnswrongid   UDP and TCP relay 127.0.1.1 with the wrong
                                  query id
    127.0.9.32:53    dnsloop      A/AAAA/CNAME: a CNAME loop (a -> b -> a);
                                  TXT: one 64 KB TXT record (UDP: TC; TCP: the
                                  record); anything else: NOERROR, no records
    127.0.9.33:53    dnshttp      every A query -> 127.0.9.13 (the chunked
                                  server); anything else: NOERROR, no records
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time

TCP = {
    "tlsreset": ("127.0.9.10", 443),
    "tlsalert": ("127.0.9.11", 443),
    "tlsdrip": ("127.0.9.12", 443),
    "chunked": ("127.0.9.13", 80),
    "smtpreset": ("127.0.9.20", 25),
    "starttlsclose": ("127.0.9.21", 25),
}
DNS = {
    "dnstc": "127.0.9.30",
    "dnswrongid": "127.0.9.31",
    "dnsloop": "127.0.9.32",
    "dnshttp": "127.0.9.33",
}
UPSTREAM = ("127.0.1.1", 53)
HOLD = 60          # seconds a stalling case keeps a connection at most


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def reset(s):
    """Close with RST instead of FIN (SO_LINGER 0)."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def read_record(s):
    """One TLS record (the ClientHello), or b"" at EOF."""
    head = b""
    while len(head) < 5:
        d = s.recv(5 - len(head))
        if not d:
            return b""
        head += d
    n = struct.unpack(">H", head[3:5])[0]
    body = b""
    while len(body) < n:
        d = s.recv(n - len(body))
        if not d:
            break
        body += d
    return head + body


# ---- TLS ----

def case_tlsreset(s):
    read_record(s)
    reset(s)


def case_tlsalert(s):
    read_record(s)
    hello = (b"\x03\x03" + os.urandom(32) + b"\x00"   # version, random, no session id
             + b"\xc0\x2f" + b"\x00"                   # ECDHE-RSA-AES128-GCM-SHA256, null
             + b"\x00\x00")                            # no extensions
    hs = b"\x02" + struct.pack(">I", len(hello))[1:] + hello
    s.sendall(b"\x16\x03\x03" + struct.pack(">H", len(hs)) + hs)
    s.sendall(b"\x15\x03\x03\x00\x02\x02\x28")        # fatal handshake_failure
    time.sleep(0.2)
    s.close()


def case_tlsdrip(s):
    read_record(s)
    s.sendall(b"\x16\x03\x03\x40\x00")                # a 16 KB handshake record...
    end = time.monotonic() + HOLD
    while time.monotonic() < end:                     # ...one byte at a time
        s.sendall(b"\x02")
        time.sleep(0.5)
    s.close()


# ---- HTTP ----

def case_chunked(s):
    s.settimeout(5)
    try:
        s.recv(8192)
    except OSError:
        pass
    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    end = time.monotonic() + HOLD
    chunk = b"<a>" + b"x" * 1000 + b"</a>"
    while time.monotonic() < end:
        s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        time.sleep(0.05)
    s.close()


# ---- SMTP ----

def case_smtpreset(s):
    s.sendall(b"220-mx.faults9.test ESMTP first line of a longer banner\r\n220-sec")
    time.sleep(0.2)
    reset(s)


def case_starttlsclose(s):
    f = s.makefile("rb")
    s.sendall(b"220 mx.faults9.test ESMTP\r\n")
    for line in f:
        verb = line.split(b" ", 1)[0].strip().upper()
        if verb in (b"EHLO", b"HELO"):
            s.sendall(b"250-mx.faults9.test Hello\r\n250-SIZE 1000000\r\n250 STARTTLS\r\n")
        elif verb == b"STARTTLS":
            s.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            break
        elif verb == b"QUIT":
            s.sendall(b"221 bye\r\n")
            break
        else:
            s.sendall(b"500 5.5.1 unrecognized\r\n")
    f.close()
    s.close()


def serve_tcp(name, ls):
    fn = globals()["case_" + name]
    while True:
        try:
            c, peer = ls.accept()
        except OSError:
            return
        c.settimeout(HOLD)

        def run(c=c, peer=peer):
            log(name, "connection from", peer[0])
            try:
                fn(c)
            except OSError as e:
                log(name, "ended:", e)
            finally:
                try:
                    c.close()
                except OSError:
                    pass
        threading.Thread(target=run, daemon=True).start()


# ---- DNS ----

def qname_end(msg):
    """Offset just past the question's name (no compression in questions)."""
    i = 12
    while i < len(msg) and msg[i]:
        i += 1 + msg[i]
    return i + 1


def question(msg):
    """(id, qtype, question bytes) of a query, or None."""
    if len(msg) < 17:
        return None
    end = qname_end(msg)
    if end + 4 > len(msg):
        return None
    qtype = struct.unpack(">H", msg[end:end + 2])[0]
    return struct.unpack(">H", msg[:2])[0], qtype, msg[12:end + 4]


def labels(msg):
    out, i = [], 12
    while i < len(msg) and msg[i]:
        out.append(msg[i + 1:i + 1 + msg[i]].decode("latin-1"))
        i += 1 + msg[i]
    return out


def encode_name(parts):
    return b"".join(bytes([len(p)]) + p.encode("latin-1") for p in parts) + b"\x00"


def response(qid, q, answers, tc=False, rcode=0):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    head = struct.pack(">HHHHHH", qid, flags, 1, len(answers), 0, 0)
    body = b""
    for owner, rtype, rdata in answers:
        body += owner + struct.pack(">HHIH", rtype, 1, 60, len(rdata)) + rdata
    return head + q + body


def relay(query):
    """The lab resolver's answer (over TCP, so nothing is truncated)."""
    with socket.create_connection(UPSTREAM, timeout=5) as u:
        u.sendall(struct.pack(">H", len(query)) + query)
        n = struct.unpack(">H", recv_exact(u, 2))[0]
        return recv_exact(u, n)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise OSError("short read")
        b += d
    return b


def big_txt():
    strings = [bytes([250]) + (b"%03d" % i) + b"x" * 247 for i in range(255)]
    return b"".join(strings)        # 255 strings, 63,495 bytes of rdata


def answer(name, query, over_tcp):
    """The bytes to send back for QUERY on server NAME, or None."""
    q = question(query)
    if not q:
        return None
    qid, qtype, qbytes = q
    if name == "dnstc":
        return relay(query) if over_tcp else response(qid, qbytes, [], tc=True)
    if name == "dnswrongid":
        r = relay(query)
        return struct.pack(">H", qid ^ 0x5555) + r[2:]
    owner = b"\xc0\x0c"
    if name == "dnsloop":
        parts = labels(query)
        if qtype in (1, 28, 5):
            other = ["loopb9"] + parts[1:] if parts and parts[0] != "loopb9" else \
                    ["loopa9"] + parts[1:]
            return response(qid, qbytes, [(owner, 5, encode_name(other)),
                                          (encode_name(other), 5, encode_name(parts))])
        if qtype == 16:
            if not over_tcp:
                return response(qid, qbytes, [], tc=True)
            return response(qid, qbytes, [(owner, 16, big_txt())])
        return response(qid, qbytes, [])
    if name == "dnshttp":
        if qtype == 1:
            return response(qid, qbytes, [(owner, 1, socket.inet_aton(TCP["chunked"][0]))])
        return response(qid, qbytes, [])
    return None


def serve_udp(name, s):
    while True:
        try:
            query, peer = s.recvfrom(4096)
        except OSError:
            return
        try:
            r = answer(name, query, False)
            if r:
                s.sendto(r, peer)
        except OSError as e:
            log(name, "udp:", e)


def serve_dns_tcp(name, ls):
    while True:
        try:
            c, _ = ls.accept()
        except OSError:
            return

        def run(c=c):
            c.settimeout(10)
            try:
                while True:
                    n = struct.unpack(">H", recv_exact(c, 2))[0]
                    r = answer(name, recv_exact(c, n), True)
                    if not r:
                        break
                    c.sendall(struct.pack(">H", len(r)) + r)
            except (OSError, struct.error):
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None
    threads = []
    for name, (addr, port) in TCP.items():
        if only and name not in only:
            continue
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(64)
        threads.append(threading.Thread(target=serve_tcp, args=(name, ls), daemon=True))
    for name, addr in DNS.items():
        if only and name not in only:
            continue
        us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        us.bind((addr, 53))
        ts = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ts.bind((addr, 53))
        ts.listen(64)
        threads.append(threading.Thread(target=serve_udp, args=(name, us), daemon=True))
        threads.append(threading.Thread(target=serve_dns_tcp, args=(name, ts), daemon=True))
    for t in threads:
        t.start()
    tmp = a.pidfile + ".tmp"
    with open(tmp, "w") as fp:
        fp.write("%d\n" % os.getpid())
    os.replace(tmp, a.pidfile)
    log("listening on 127.0.9.10-.33")
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
