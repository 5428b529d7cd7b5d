#!/usr/bin/env python3
"""The lab's DNSSEC + DANE cases (issue 13): keys, TLSA records, signed zones.

    dane13.py zones LAB_DIR     (lab.sh, before named-checkconf) fill the TLSA
                                and DS placeholders of the zone copies in
                                LAB_DIR/zones and sign them; write the lab's
                                trust anchors to LAB_DIR/dane13/anchors.key
    dane13.py certs LAB_DIR CERT_DIR
                                (lab.sh, exim step, after the lab CA exists) the
                                Exim certificates for the DANE MX hosts, on the
                                key the TLSA records name

Keys (LAB_DIR/dane13/, new at every start):
    cur.pem     the key Exim presents on 127.0.13.10, .11 and .41
    next.pem    the next key (published as the rollover record, never used)
    stale.pem   an old key (the stale TLSA after a "renewal"; as 2 1 1: a CA
                that is not in the chain)
    ta.pem      the key of "exprobe lab DANE-TA CA" (signed by the lab root at
                the exim step), the issuer of the leaf on 127.0.13.11: the
                DANE-TA (usage 2) cases of ta.dane13.test

Placeholders in fixtures/dns/zones/*.zone:
    @TLSA311:cur@ @TLSA311:next@ @TLSA311:stale@   "3 1 1 <sha256(SPKI)>"
    @TLSA211:ta@ @TLSA211:stale@                   "2 1 1 <sha256(SPKI)>"
    @DS:CHILD@      the DS records of the signed child zone CHILD
    @DS:WRONG@      a DS record of a key no zone is signed with
Which zones are signed and how: SIGNED below.

Lab trust anchors (the tests pass them with --trust-anchor): the DS of
dane13.test and of mx.microsoft (the lab's impersonation of Exchange Online's
DNSSEC MX zone). Everything else in the lab has no anchor above it: insecure.
Python 3 standard library, openssl, dnssec-keygen/-signzone/-dsfromkey.
"""

import datetime
import glob
import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# zone -> how it is signed: "good" (valid 30 days), "expired" (signatures
# ended yesterday). Children before parents: a parent takes its children's DS.
SIGNED = [
    ("good.dane13.test", "good"),
    ("ta.dane13.test", "good"),
    ("single.dane13.test", "good"),
    ("stale.dane13.test", "good"),
    ("expired.dane13.test", "expired"),
    ("wrongds.dane13.test", "good"),
    ("none.dane13.test", "good"),
    ("exo.dane13.test", "good"),
    ("dane13.test", "good"),
    ("mx.microsoft", "good"),
]
ANCHORS = ["dane13.test", "mx.microsoft"]
KEYS = ["cur", "next", "stale", "ta"]
# The DANE MX hosts' certificate (one for all: DANE-EE does not check the
# name, PKIX does, so it carries every MX name).
CERT_SANS = ["mx.good.dane13.test", "mx.single.dane13.test", "mx.stale.dane13.test",
             "mx.unsigned.dane13.test", "mx.expired.dane13.test", "mx.wrongds.dane13.test",
             "mx.none.dane13.test", "mx.sts13.test", "mx2.sts13.test"]
MS_SANS = ["*.j-v1.mx.microsoft"]
# The DANE-TA leaf (127.0.13.11): not mx.badname.ta.dane13.test, on purpose.
TA_SANS = ["mx.ta.dane13.test", "mx.wrongca.ta.dane13.test"]


def run(*args, cwd=None):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    if p.returncode != 0:
        sys.exit("dane13: %s failed: %s" % (" ".join(args[:3]),
                                            p.stderr.decode(errors="replace").strip()))
    return p.stdout.decode()


def spki_sha256(key):
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                         stdout=subprocess.PIPE, check=True).stdout
    return hashlib.sha256(der).hexdigest().upper()


def make_keys(d):
    for k in KEYS:
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", os.path.join(d, k + ".pem"))


def sign(zone, how, zdir, kdir):
    path = os.path.join(zdir, zone + ".zone")
    for f in glob.glob(os.path.join(kdir, "K%s.+*" % zone)):
        os.unlink(f)
    keyname = run("dnssec-keygen", "-q", "-K", kdir, "-a", "ECDSAP256SHA256", "-f", "KSK",
                  zone).strip()
    now = datetime.datetime.utcnow()
    fmt = "%Y%m%d%H%M%S"
    if how == "expired":
        start, end = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    else:
        start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=30)
    out = path + ".signed"
    run("dnssec-signzone", "-q", "-P", "-z", "-S", "-K", kdir, "-d", kdir, "-o", zone,
        "-f", out,
        "-s", start.strftime(fmt), "-e", end.strftime(fmt), path)
    os.replace(out, path)
    return os.path.join(kdir, keyname + ".key")


def ds_of(keyfile):
    return run("dnssec-dsfromkey", "-2", keyfile).strip()


def fill(path, subst):
    with open(path) as fp:
        text = fp.read()
    for k, v in subst.items():
        text = text.replace(k, v)
    with open(path, "w") as fp:
        fp.write(text)


def zones(lab_dir):
    d = os.path.join(lab_dir, "dane13")
    kdir = os.path.join(d, "keys")
    zdir = os.path.join(lab_dir, "zones")
    os.makedirs(kdir, exist_ok=True)
    make_keys(d)
    subst = {"@TLSA311:%s@" % k: "3 1 1 " + spki_sha256(os.path.join(d, k + ".pem"))
             for k in KEYS}
    subst.update({"@TLSA211:%s@" % k: "2 1 1 " + spki_sha256(os.path.join(d, k + ".pem"))
                  for k in KEYS})
    # A key that signs nothing: the wrong DS.
    spare = run("dnssec-keygen", "-q", "-K", kdir, "-a", "ECDSAP256SHA256", "-f", "KSK",
                "spare.dane13.test").strip()
    wrong = ds_of(os.path.join(kdir, spare + ".key")).replace("spare.dane13.test.",
                                                              "wrongds.dane13.test.")
    subst["@DS:WRONG@"] = wrong
    for f in glob.glob(os.path.join(zdir, "*.zone")):
        fill(f, subst)
    anchors = []
    for zone, how in SIGNED:
        keyfile = sign(zone, how, zdir, kdir)
        ds = ds_of(keyfile)
        if zone != "wrongds.dane13.test":
            for f in glob.glob(os.path.join(zdir, "*.zone")):
                fill(f, {"@DS:%s@" % zone: ds})
        if zone in ANCHORS:
            anchors.append(ds)
    tmp = os.path.join(d, "anchors.key.tmp")
    with open(tmp, "w") as fp:
        fp.write("; exprobe lab DNSSEC trust anchors (tests/lab/dane13.py)\n")
        fp.write("\n".join(anchors) + "\n")
    os.replace(tmp, os.path.join(d, "anchors.key"))


def leaf(d, ca_dir, name, sans, serial, issuer=None):
    """A leaf on cur.pem for SANS, issued by the lab intermediate (or by
    ISSUER = (cert, key)), written with its issuer as NAME.pem."""
    inter = os.path.join(ca_dir, "intermediate.pem")
    inter_key = os.path.join(ca_dir, "intermediate.key")
    if issuer:
        inter, inter_key = issuer
    ext = os.path.join(d, name + ".ext")
    csr = os.path.join(d, name + ".csr")
    crt = os.path.join(d, name + ".crt")
    with open(ext, "w") as fp:
        fp.write("basicConstraints=critical,CA:FALSE\n"
                 "keyUsage=critical,digitalSignature,keyEncipherment\n"
                 "extendedKeyUsage=serverAuth\n"
                 "subjectAltName=%s\n" % ",".join("DNS:" + n for n in sans))
    run("openssl", "req", "-new", "-key", os.path.join(d, "cur.pem"), "-subj",
        "/CN=%s" % sans[0], "-out", csr)
    run("openssl", "x509", "-req", "-in", csr, "-CA", inter, "-CAkey",
        inter_key, "-set_serial", str(serial), "-days", "200",
        "-sha256", "-extfile", ext, "-out", crt)
    with open(crt) as a, open(inter) as b, open(os.path.join(d, name + ".pem"), "w") as out:
        out.write(a.read() + b.read())
    for f in (ext, csr, crt):
        os.unlink(f)


def ta_ca(d, ca_dir):
    """The DANE-TA issuing CA on ta.pem (its SPKI is the 2 1 1 record),
    signed by the lab root so PKIX senders accept its leaves too."""
    ext = os.path.join(d, "ta-ca.ext")
    csr = os.path.join(d, "ta-ca.csr")
    crt = os.path.join(d, "ta-ca.pem")
    with open(ext, "w") as fp:
        fp.write("basicConstraints=critical,CA:TRUE,pathlen:0\n"
                 "keyUsage=critical,keyCertSign,cRLSign\n"
                 "subjectKeyIdentifier=hash\n")
    run("openssl", "req", "-new", "-key", os.path.join(d, "ta.pem"), "-subj",
        "/O=exprobe lab/CN=exprobe lab DANE-TA CA", "-out", csr)
    run("openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(ca_dir, "root.pem"),
        "-CAkey", os.path.join(ca_dir, "root.key"), "-set_serial", "0x13003", "-days", "400",
        "-sha256", "-extfile", ext, "-out", crt)
    for f in (ext, csr):
        os.unlink(f)
    return crt, os.path.join(d, "ta.pem")


def certs(lab_dir, ca_dir, gid):
    d = os.path.join(lab_dir, "dane13")
    if not os.path.exists(os.path.join(d, "cur.pem")):
        sys.exit("dane13: %s/cur.pem is missing (zones runs at named's start)" % d)
    leaf(d, ca_dir, "mx-dane13", CERT_SANS, 0x13001)
    leaf(d, ca_dir, "mx-microsoft", MS_SANS, 0x13002)
    leaf(d, ca_dir, "mx-ta", TA_SANS, 0x13004, issuer=ta_ca(d, ca_dir))
    # Exim drops to its own user: the key must be readable by its group.
    for f in ("cur.pem", "mx-dane13.pem", "mx-microsoft.pem", "mx-ta.pem"):
        os.chown(os.path.join(d, f), 0, gid)
        os.chmod(os.path.join(d, f), 0o640)
    os.chmod(d, 0o755)


def main(argv):
    if len(argv) == 3 and argv[1] == "zones":
        zones(os.path.abspath(argv[2]))
    elif len(argv) == 4 and argv[1] == "certs":
        import grp
        certs(os.path.abspath(argv[2]), os.path.abspath(argv[3]),
              grp.getgrnam("Debian-exim").gr_gid)
    else:
        sys.exit("usage: dane13.py zones LAB_DIR | certs LAB_DIR CERT_DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
