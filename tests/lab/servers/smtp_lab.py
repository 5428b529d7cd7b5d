#!/usr/bin/env python3
"""Prepare the lab's real MTA (Exim) for the smtp check's tests.

    smtp_lab.py prepare LAB_DIR CERT_DIR

Writes LAB_DIR/smtp/:
    certs/key.pem           one RSA 2048 key for every leaf below
    certs/HOST.pem          leaf for HOST signed by the lab intermediate
                            (CERT_DIR/intermediate.pem/.key, made by
                            tests/lab/certs.sh), followed by the intermediate:
                            mx.ok.smtp.test, mx.notls.smtp.test,
                            mx.oldtls.smtp.test, other.smtp.test (the
                            "wrong name" certificate of mx.wrongcert.smtp.test)
    exim.conf               fixtures/exim/exim.conf.in with @SMTP_DIR@ set
    spool/ log/             Exim's, owned by its user (Debian-exim)

tests/lab/lab.sh runs this, then `exim4 -C LAB_DIR/smtp/exim.conf -bd`.
Python 3 standard library and the openssl command only.
"""

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
TEMPLATE = os.path.join(ROOT, "fixtures", "exim", "exim.conf.in")
LEAVES = ["mx.ok.smtp.test", "mx.notls.smtp.test", "mx.oldtls.smtp.test", "other.smtp.test",
          "mail.protection.outlook.com", "mail.onprem.test", "mx.b17.test"]
# Extra names a leaf carries (the Exchange Online Protection stand-in
# answers for every <tenant>.mail.protection.outlook.com MX name).
EXTRA_SANS = {"mail.protection.outlook.com": ["*.mail.protection.outlook.com"],
              "mx.b17.test": ["*.b17.test", "*.slow.b17.test"]}     # the bulk bench's mx0-mx14
EXIM_USER = "Debian-exim"


def openssl(*args):
    p = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("smtp_lab: openssl %s failed: %s" % (args[0], p.stderr.decode(errors="replace")))


def make_certs(certs, ca_dir):
    inter = os.path.join(ca_dir, "intermediate.pem")
    inter_key = os.path.join(ca_dir, "intermediate.key")
    for f in (inter, inter_key):
        if not os.path.exists(f):
            sys.exit("smtp_lab: %s is missing (run tests/lab/certs.sh first)" % f)
    key = os.path.join(certs, "key.pem")
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
    with open(inter) as fp:
        chain = fp.read()
    work = tempfile.mkdtemp(dir=certs)
    try:
        for i, host in enumerate(LEAVES):
            csr = os.path.join(work, host + ".csr")
            ext = os.path.join(work, host + ".ext")
            crt = os.path.join(work, host + ".crt")
            with open(ext, "w") as fp:
                fp.write("basicConstraints=critical,CA:FALSE\n"
                         "keyUsage=critical,digitalSignature,keyEncipherment\n"
                         "extendedKeyUsage=serverAuth\n"
                         "subjectAltName=%s\n" % ",".join(
                             "DNS:" + n for n in [host] + EXTRA_SANS.get(host, [])))
            openssl("req", "-new", "-key", key, "-subj", "/CN=%s" % host, "-out", csr)
            openssl("x509", "-req", "-in", csr, "-CA", inter, "-CAkey", inter_key,
                    "-set_serial", str(0x5317000 + i), "-days", "365", "-sha256",
                    "-extfile", ext, "-out", crt)
            with open(crt) as fp:
                leaf = fp.read()
            with open(os.path.join(certs, host + ".pem"), "w") as fp:
                fp.write(leaf + chain)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def prepare(lab_dir, ca_dir):
    smtp = os.path.join(os.path.abspath(lab_dir), "smtp")
    certs = os.path.join(smtp, "certs")
    for d in (smtp, certs, os.path.join(smtp, "spool"), os.path.join(smtp, "log")):
        os.makedirs(d, exist_ok=True)
    make_certs(certs, os.path.abspath(ca_dir))
    with open(TEMPLATE) as fp:
        text = fp.read().replace("@SMTP_DIR@", smtp)
    if "@" in "".join(line for line in text.splitlines() if not line.startswith("#")
                      and "@SMTP" in line):
        sys.exit("smtp_lab: unreplaced placeholder in %s" % TEMPLATE)
    tmp = os.path.join(smtp, "exim.conf.tmp")
    with open(tmp, "w") as fp:
        fp.write(text)
    os.replace(tmp, os.path.join(smtp, "exim.conf"))
    # Exim drops to its own user: it must read the key and own its spool.
    try:
        uid = pwd.getpwnam(EXIM_USER).pw_uid
        gid = grp.getgrnam(EXIM_USER).gr_gid
    except KeyError:
        sys.exit("smtp_lab: no user %s (is exim4-daemon-light installed?)" % EXIM_USER)
    for d in (smtp, os.path.join(smtp, "spool"), os.path.join(smtp, "log")):
        os.chown(d, uid, gid)
    os.chmod(smtp, 0o755)
    for f in os.listdir(certs):
        os.chown(os.path.join(certs, f), 0, gid)
        os.chmod(os.path.join(certs, f), 0o640)
    os.chmod(certs, 0o755)


def main(argv):
    if len(argv) != 4 or argv[1] != "prepare":
        sys.exit("usage: smtp_lab.py prepare LAB_DIR CERT_DIR")
    prepare(argv[2], argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
