#!/usr/bin/env bash
# tests/lab/certs.sh - generate the test lab's PKI with openssl (run by
# `tests/lab/lab.sh start` before nginx; never committed).
#
#   tests/lab/certs.sh OUTDIR
#
# Writes into OUTDIR (created; earlier contents replaced):
#   ca.pem                 the lab root "exprobe lab root" ONLY - pass it to
#                          exprobe --ca-file (it is in no system store)
#   root.pem, root.key     the same root, and its key
#   intermediate.pem/.key  "exprobe lab intermediate", signed by the root
#   other-root.pem/.key    "exprobe lab other root": a self-signed CA that is
#                          NOT in ca.pem (unknownroot.certs.test)
#   HOST.pem, HOST.key     what nginx serves for HOST: the leaf followed by
#                          its chain (normally the intermediate), and its key
#
# The leaves (SAN = the host name(s) unless the case says otherwise):
#   Lync / Office 365 impersonation and on-premises Lync (valid, full chain):
#     sipdir.online.lync.com, sipfed.online.lync.com, webdir.online.lync.com,
#     autodiscover.outlook.com, sip.onprem.test,
#     lyncdiscover.onprem.test (+ SAN lyncdiscover.lyncdead.test, same server)
#   Autodiscover / pre-authentication hosts (valid, full chain):
#     mail.hybrid.test (+ SAN autodiscover.hybrid.test), mail.onprem.test
#     (+ SAN autodiscover.onprem.test), autodiscover-s.outlook.com,
#     autodiscover.{tmg,uag,basicproxy,f5,fedfail,notfed,xmlbomb,xxe,
#     bigbody,silent}.test, mail.redir.test, {a,b}.redirloop.test, mail.srv.test
#   IPv6-only host ([::1]:443): autodiscover.v6.test (+ SAN v6only.certs.test)
#   certs.test cases (see tests/lab/README.md for the expected findings):
#     ok            valid, full chain
#     wild          *.wild.certs.test (a.wild / a.b.wild / wild.certs.test)
#     expired       validity 400 .. 30 days ago
#     notyet        validity starts in 30 days
#     expiring      10 days (and one hour) left of a 90-day lifetime at generation
#     selfsigned    self-signed (openssl req -x509), sent alone
#     wrongname     names mbx1 and mbx1.contoso.local only
#     nochain       valid leaf, served WITHOUT the intermediate
#     unknownroot   leaf signed by "other root", chain = leaf + other root
#     weakkey       RSA 1024 leaf
#     sha1          leaf signed with sha1WithRSAEncryption
#     cnonly        no subjectAltName, CN=cnonly.certs.test
#     oldtls        valid (the server speaks TLS 1.0 only)
#     mail          CN=mail.certs.test, SAN mail.certs.test + owa.certs.test
#
# Dates are relative to now, so a regenerated lab is always in the same
# state. One 2048-bit key serves every ordinary leaf; the keys are made in
# parallel. Needs openssl 3 and GNU date. Takes well under 3 s.
set -eu

prog=certs
err() { echo "$prog: $*" >&2; }

[ $# -eq 1 ] || { echo "usage: ${0##*/} OUTDIR" >&2; exit 2; }
OUT=$1
OPENSSL=${OPENSSL:-openssl}
command -v "$OPENSSL" >/dev/null || { err "openssl not found"; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# Work in a fresh directory beside OUT, then swap it in: a reader never
# sees half a PKI, and nothing of an older run survives.
WORK=$(mktemp -d "$OUT.new.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
cd "$WORK"

# ---- dates (UTC, openssl ca's YYYYMMDDHHMMSSZ) ----
d() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
NOW_MINUS_1H=$(d '-1 hour')
NOW_MINUS_1D=$(d '-1 day')

# ---- keys, in parallel ----
genrsa() { "$OPENSSL" genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1" 2>/dev/null; }
pids=""
genrsa root.key 2048 & pids="$pids $!"
genrsa intermediate.key 2048 & pids="$pids $!"
genrsa other-root.key 2048 & pids="$pids $!"
genrsa leaf.key 2048 & pids="$pids $!"
genrsa weak.key 1024 & pids="$pids $!"
genrsa rsa4096.key 4096 & pids="$pids $!"
genrsa rsa512.key 512 & pids="$pids $!"
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.key 2>/dev/null &
pids="$pids $!"
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384.key 2>/dev/null &
pids="$pids $!"
for p in $pids; do wait "$p" || { err "key generation failed"; exit 1; }; done

# ---- a minimal `openssl ca` setup (it is the tool that takes start and
# end dates); one database per issuer, serials random ----
cat >ca.cnf <<'EOF'
[ ca ]
default_ca = lab_ca

[ lab_ca ]
dir             = ./db
database        = $dir/index.txt
new_certs_dir   = $dir/new
serial          = $dir/serial
rand_serial     = yes
default_md      = sha256
policy          = pol_any
unique_subject  = no
copy_extensions = none
email_in_dn     = no
name_opt        = ca_default
cert_opt        = ca_default

[ pol_any ]
organizationName = optional
commonName       = supplied

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_intermediate ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_constrained ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
nameConstraints        = critical, permitted;DNS:.allowed.pki.test

[ v3_selfsigned ]
basicConstraints       = critical, CA:TRUE
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:selfsigned.certs.test
EOF
mkdir -p db/new
: >db/index.txt

# sign ISSUER CSR OUT START END EXTFILE EXTSECTION [MD]
sign() {
    "$OPENSSL" ca -batch -config ca.cnf -notext -cert "$1.pem" -keyfile "$1.key" \
        -in "$2" -out "$3" -startdate "$4" -enddate "$5" \
        -extfile "$6" -extensions "$7" -md "${8:-sha256}" 2>ca.err ||
        { cat ca.err >&2; err "signing $3 failed"; exit 1; }
}

# csr KEY SUBJECT OUT
csr() { "$OPENSSL" req -new -config ca.cnf -key "$1" -subj "$2" -out "$3"; }

# ---- CAs ----
# Self-signed through `openssl ca -selfsign` (not req -x509) so that the
# roots can start a day ago like everything else.
csr root.key "/O=exprobe lab/CN=exprobe lab root" root.csr
"$OPENSSL" ca -batch -config ca.cnf -notext -selfsign -keyfile root.key -in root.csr \
    -out root.pem -startdate "$NOW_MINUS_1D" -enddate "$(d '+10 years')" \
    -extensions v3_root 2>ca.err || { cat ca.err >&2; exit 1; }
csr intermediate.key "/O=exprobe lab/CN=exprobe lab intermediate" intermediate.csr
sign root intermediate.csr intermediate.pem "$NOW_MINUS_1D" "$(d '+5 years')" ca.cnf v3_intermediate

csr other-root.key "/O=exprobe lab/CN=exprobe lab other root" other-root.csr
"$OPENSSL" ca -batch -config ca.cnf -notext -selfsign -keyfile other-root.key \
    -in other-root.csr -out other-root.pem -startdate "$NOW_MINUS_1D" \
    -enddate "$(d '+10 years')" -extensions v3_root 2>ca.err || { cat ca.err >&2; exit 1; }

cp root.pem ca.pem

# leaf NAME "SANS" [options]: NAME.pem = leaf + chain, NAME.key.
#   SANS      "DNS:a,DNS:b", or "" for no subjectAltName
#   -cn CN    subject CN (default: NAME)
#   -key K    key file (default leaf.key)
#   -issuer I intermediate (default) | other-root
#   -chain C  "intermediate" (default) | "none" | "other-root"
#   -start/-end  openssl ca dates (default: 1 hour ago .. 1 year)
#   -md MD    signature digest (default sha256)
#   -eku E    extendedKeyUsage (default serverAuth; "none" for no extension)
#   -ca yes   a CA certificate (CA:TRUE, keyCertSign/cRLSign) instead of a leaf
#   -aia URL  authorityInfoAccess caIssuers URL
#   -crl URL  crlDistributionPoints URL
#   -ocsp URL authorityInfoAccess OCSP responder URL
#   -chain "A B"  the certificates sent after the leaf (A.pem B.pem), or none
leaf() {
    local name=$1 sans=$2 cn=$1 key=leaf.key issuer=intermediate chain=intermediate
    local start=$NOW_MINUS_1H end md=sha256 ext eku=serverAuth ca=no aia="" crl="" ocsp=""
    end=$(d '+365 days')
    shift 2
    while [ $# -gt 0 ]; do
        case "$1" in
            -cn) cn=$2 ;;
            -key) key=$2 ;;
            -issuer) issuer=$2 ;;
            -chain) chain=$2 ;;
            -start) start=$2 ;;
            -end) end=$2 ;;
            -md) md=$2 ;;
            -eku) eku=$2 ;;
            -ca) ca=$2 ;;
            -aia) aia=$2 ;;
            -crl) crl=$2 ;;
            -ocsp) ocsp=$2 ;;
            *) err "leaf: unknown option $1"; exit 1 ;;
        esac
        shift 2
    done
    ext=$name.ext
    {
        echo "[ leaf ]"
        if [ "$ca" = yes ]; then
            echo "basicConstraints       = critical, CA:TRUE"
            echo "keyUsage               = critical, keyCertSign, cRLSign"
        else
            echo "basicConstraints       = critical, CA:FALSE"
            echo "keyUsage               = critical, digitalSignature, keyEncipherment"
        fi
        [ "$eku" = none ] || echo "extendedKeyUsage       = $eku"
        echo "subjectKeyIdentifier   = hash"
        echo "authorityKeyIdentifier = keyid:always"
        [ -z "$sans" ] || echo "subjectAltName         = $sans"
        if [ -n "$aia" ] && [ -n "$ocsp" ]; then
            echo "authorityInfoAccess    = caIssuers;URI:$aia, OCSP;URI:$ocsp"
        elif [ -n "$aia" ]; then
            echo "authorityInfoAccess    = caIssuers;URI:$aia"
        elif [ -n "$ocsp" ]; then
            echo "authorityInfoAccess    = OCSP;URI:$ocsp"
        fi
        [ -z "$crl" ] || echo "crlDistributionPoints  = URI:$crl"
    } >"$ext"
    csr "$key" "/O=exprobe lab/CN=$cn" "$name.csr"
    sign "$issuer" "$name.csr" "$name.leaf.pem" "$start" "$end" "$ext" leaf "$md"
    cat "$name.leaf.pem" >"$name.pem"
    if [ "$chain" != none ]; then
        for c in $chain; do cat "$c.pem" >>"$name.pem"; done
    fi
    cp "$key" "$name.key"
}

# ---- Lync / Office 365 impersonation, on-premises Lync Edge ----
for h in sipdir.online.lync.com sipfed.online.lync.com webdir.online.lync.com \
         autodiscover.outlook.com sip.onprem.test; do
    leaf "$h" "DNS:$h"
done
leaf lyncdiscover.onprem.test "DNS:lyncdiscover.onprem.test,DNS:lyncdiscover.lyncdead.test"

# ---- Autodiscover / pre-authentication hosts (autodiscover, preauth) ----
leaf mail.hybrid.test "DNS:mail.hybrid.test,DNS:autodiscover.hybrid.test"
leaf mail.onprem.test "DNS:mail.onprem.test,DNS:autodiscover.onprem.test"
for h in autodiscover-s.outlook.com autodiscover.tmg.test autodiscover.uag.test \
         autodiscover.basicproxy.test autodiscover.f5.test mail.redir.test \
         a.redirloop.test b.redirloop.test mail.srv.test autodiscover.fedfail.test \
         autodiscover.notfed.test autodiscover.xmlbomb.test autodiscover.xxe.test \
         autodiscover.bigbody.test autodiscover.silent.test; do
    leaf "$h" "DNS:$h"
done
# The bulk bench's Autodiscover hosts ad0-ad2.b17.test (tests/bench/bulk.py)
leaf ad.b17.test "DNS:*.b17.test,DNS:*.slow.b17.test" -cn "*.b17.test"
# cnamehop17.test's front end: its own name only, not autodiscover.cnamehop17.test
leaf mail.cnamehop17.test "DNS:mail.cnamehop17.test"
# early17.test's redirect target other.early17.test: a certificate for another name
leaf exchange.early17.test "DNS:exchange.early17.test"
# ---- hybrid modern auth / build / front-end hosts (hybridauth, preauth; *15.test) ----
leaf mail.hma15.test "DNS:mail.hma15.test,DNS:autodiscover.hma15.test"
leaf mail.hmanouri15.test "DNS:mail.hmanouri15.test,DNS:autodiscover.hmanouri15.test"
leaf mail.hmaother15.test "DNS:mail.hmaother15.test,DNS:autodiscover.hmaother15.test"
leaf mail.hmanone15.test "DNS:mail.hmanone15.test,DNS:autodiscover.hmanone15.test"
leaf mail.ex2019-15.test "DNS:mail.ex2019-15.test,DNS:autodiscover.ex2019-15.test"
leaf mail.ex2016-15.test "DNS:mail.ex2016-15.test,DNS:autodiscover.ex2016-15.test"
leaf mail.ntlmbreak15.test "DNS:mail.ntlmbreak15.test,DNS:autodiscover.ntlmbreak15.test"
leaf mail.h2ntlm15.test "DNS:mail.h2ntlm15.test,DNS:autodiscover.h2ntlm15.test"
leaf mail.epproxy15.test "DNS:mail.epproxy15.test,DNS:autodiscover.epproxy15.test"
leaf mail.v2html15.test "DNS:mail.v2html15.test,DNS:autodiscover.v2html15.test"
leaf mail.v2loop15.test "DNS:mail.v2loop15.test,DNS:autodiscover.v2loop15.test"
leaf outlook.office365.com "DNS:outlook.office365.com"
leaf login.microsoftonline.com "DNS:login.microsoftonline.com"
# IPv6 only (AAAA ::1, no A): v6.test's Autodiscover and cert --hosts' v6only
leaf autodiscover.v6.test "DNS:autodiscover.v6.test,DNS:v6only.certs.test"

# ---- certs.test cases ----
leaf ok.certs.test "DNS:ok.certs.test"
leaf wild.certs.test "DNS:*.wild.certs.test" -cn "*.wild.certs.test"
leaf expired.certs.test "DNS:expired.certs.test" -start "$(d '-400 days')" -end "$(d '-30 days')"
leaf notyet.certs.test "DNS:notyet.certs.test" -start "$(d '+30 days')" -end "$(d '+400 days')"
leaf expiring.certs.test "DNS:expiring.certs.test" -start "$(d '-80 days')" -end "$(d '+10 days 1 hour')"
leaf wrongname.certs.test "DNS:mbx1,DNS:mbx1.contoso.local" -cn mbx1.contoso.local
leaf nochain.certs.test "DNS:nochain.certs.test" -chain none
leaf unknownroot.certs.test "DNS:unknownroot.certs.test" -issuer other-root -chain other-root
leaf weakkey.certs.test "DNS:weakkey.certs.test" -key weak.key
leaf sha1.certs.test "DNS:sha1.certs.test" -md sha1
leaf cnonly.certs.test ""
leaf oldtls.certs.test "DNS:oldtls.certs.test"
leaf mail.certs.test "DNS:mail.certs.test,DNS:owa.certs.test"

# selfsigned: what `openssl req -x509` (and most appliances) make - a
# self-signed CA:TRUE certificate, sent alone.
"$OPENSSL" req -x509 -new -config ca.cnf -key leaf.key -subj "/O=exprobe lab/CN=selfsigned.certs.test" \
    -sha256 -days 365 -extensions v3_selfsigned -out selfsigned.certs.test.pem
cp leaf.key selfsigned.certs.test.key

# ---- diagnosis (issue 11, 127.0.11.x): bad certificates where they are
# used - Exchange answers Autodiscover behind them, a Lync SRV target.
leaf autodiscover.adexp11.test "DNS:autodiscover.adexp11.test" -start "$(d '-400 days')" -end "$(d '-30 days')"
leaf autodiscover.adname11.test "DNS:mbx1,DNS:mbx1.adname11.local" -cn mbx1.adname11.local
leaf sip.lyncexp11.test "DNS:sip.lyncexp11.test" -start "$(d '-400 days')" -end "$(d '-30 days')"

# ---- pki.test cases (127.0.12.x): the path a client builds, purpose, the
# severity table; see tests/lab/README.md "Certificate path lab" ----
AIA=http://127.0.12.10/intermediate.crt
# CAs: another intermediate of the same root (the wrong one to send), a SHA-1
# signed one, an RSA 1024 one, a name-constrained one; the intermediate
# cross-signed by the other root (same subject and key: the "other form"),
# and the root cross-signed by the other root, expired (the AddTrust case).
csr intermediate.key "/O=exprobe lab/CN=exprobe lab intermediate B" inter-b.csr
sign root inter-b.csr inter-b.pem "$NOW_MINUS_1D" "$(d '+5 years')" ca.cnf v3_intermediate
cp intermediate.key inter-b.key
csr intermediate.key "/O=exprobe lab/CN=exprobe lab SHA-1 intermediate" inter-sha1.csr
sign root inter-sha1.csr inter-sha1.pem "$NOW_MINUS_1D" "$(d '+5 years')" ca.cnf \
    v3_intermediate sha1
cp intermediate.key inter-sha1.key
csr weak.key "/O=exprobe lab/CN=exprobe lab RSA 1024 intermediate" inter-1024.csr
sign root inter-1024.csr inter-1024.pem "$NOW_MINUS_1D" "$(d '+5 years')" ca.cnf \
    v3_intermediate
cp weak.key inter-1024.key
csr intermediate.key "/O=exprobe lab/CN=exprobe lab constrained intermediate" inter-nc.csr
sign root inter-nc.csr inter-nc.pem "$NOW_MINUS_1D" "$(d '+5 years')" ca.cnf v3_constrained
cp intermediate.key inter-nc.key
sign other-root intermediate.csr inter-x.pem "$NOW_MINUS_1D" "$(d '+5 years')" ca.cnf \
    v3_intermediate
sign other-root root.csr root-x-expired.pem "$(d '-800 days')" "$(d '-5 days')" ca.cnf \
    v3_intermediate
# DER copy of the intermediate for the AIA caIssuers URL (served on .10:80)
mkdir -p aia
"$OPENSSL" x509 -in intermediate.pem -outform DER -out aia/intermediate.crt

leaf purpose.pki.test "DNS:purpose.pki.test" -eku clientAuth
leaf caleaf.pki.test "DNS:caleaf.pki.test" -ca yes -eku none
leaf wrongint.pki.test "DNS:wrongint.pki.test" -aia "$AIA" -chain inter-b
leaf nochain.pki.test "DNS:nochain.pki.test" -aia "$AIA" -chain none
leaf sha1int.pki.test "DNS:sha1int.pki.test" -issuer inter-sha1 -chain inter-sha1
leaf rsa1024int.pki.test "DNS:rsa1024int.pki.test" -issuer inter-1024 -chain inter-1024
leaf rsa512.pki.test "DNS:rsa512.pki.test" -key rsa512.key -md md5
leaf rsa4096.pki.test "DNS:rsa4096.pki.test" -key rsa4096.key
leaf ecc256.pki.test "DNS:ecc256.pki.test" -key ec256.key
leaf ecc384.pki.test "DNS:ecc384.pki.test" -key ec384.key
leaf ipsan.pki.test "DNS:ipsan.pki.test,IP:127.0.12.30"
leaf manysans.pki.test "DNS:manysans.pki.test,$(seq -f 'DNS:h%g.manysans.pki.test' 1 999 |
    paste -sd, -)"
# 10,000 names (about 270 KB): more than OpenSSL clients' default 100 KB
leaf hugesans.pki.test "DNS:hugesans.pki.test,$(seq -f 'DNS:h%g.manysans.pki.test' 1 9999 |
    paste -sd, -)"
leaf reversed.pki.test "DNS:reversed.pki.test" -chain "root intermediate"
leaf crossexpired.pki.test "DNS:crossexpired.pki.test" -chain "intermediate root-x-expired"
leaf crossboth.pki.test "DNS:crossboth.pki.test" -chain "inter-x intermediate"
leaf crossgood.pki.test "DNS:crossgood.pki.test" -chain "intermediate inter-x"
leaf nameconst.pki.test "DNS:nameconst.pki.test" -issuer inter-nc -chain inter-nc
leaf shortlived.pki.test "DNS:shortlived.pki.test" -start "$(d '-27 days')" -end "$(d '+20 days')"
leaf dhe1024.pki.test "DNS:dhe1024.pki.test"
"$OPENSSL" dhparam -dsaparam -out dh1024.pem 1024 2>/dev/null
"$OPENSSL" genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh2048.pem 2>/dev/null
leaf dhe2048.pki.test "DNS:dhe2048.pki.test"

leaf tls10too.pki.test "DNS:tls10too.pki.test"

# Revocation: revoked (keyCompromise) and good certificates, told by a stapled
# OCSP answer (nginx ssl_stapling_file), by an OCSP "responder" (a static
# answer nginx serves at http://127.0.12.10/ocsp/revocsp/, whatever the GET
# request in the path) and by a CRL (http://127.0.12.10/lab.crl, DER).
CRL=http://127.0.12.10/lab.crl
leaf revstaple.pki.test "DNS:revstaple.pki.test"
leaf goodstaple.pki.test "DNS:goodstaple.pki.test"
leaf revocsp.pki.test "DNS:revocsp.pki.test" -ocsp http://127.0.12.10/ocsp/revocsp/
leaf revcrl.pki.test "DNS:revcrl.pki.test" -crl "$CRL"
leaf crlgood.pki.test "DNS:crlgood.pki.test" -crl "$CRL"
for h in revstaple revocsp revcrl; do
    "$OPENSSL" ca -batch -config ca.cnf -cert intermediate.pem -keyfile intermediate.key \
        -revoke "$h.pki.test.leaf.pem" -crl_reason keyCompromise 2>ca.err ||
        { cat ca.err >&2; err "revoking $h failed"; exit 1; }
done
"$OPENSSL" ca -batch -config ca.cnf -cert intermediate.pem -keyfile intermediate.key \
    -gencrl -crldays 30 -out lab.crl.pem 2>ca.err || { cat ca.err >&2; err "gencrl failed"; exit 1; }
"$OPENSSL" crl -in lab.crl.pem -outform DER -out aia/lab.crl
# ocsp_answer NAME OUT: the intermediate's OCSP answer about NAME's leaf
ocsp_answer() {
    "$OPENSSL" ocsp -issuer intermediate.pem -cert "$1.leaf.pem" -no_nonce -reqout "$1.req" \
        2>ca.err &&
    "$OPENSSL" ocsp -index db/index.txt -rsigner intermediate.pem -rkey intermediate.key \
        -CA intermediate.pem -reqin "$1.req" -respout "$2" -ndays 30 >/dev/null 2>>ca.err ||
        { cat ca.err >&2; err "OCSP answer for $1 failed"; exit 1; }
}
ocsp_answer revstaple.pki.test revstaple.pki.test.ocsp
ocsp_answer goodstaple.pki.test goodstaple.pki.test.ocsp
ocsp_answer revocsp.pki.test aia/revocsp.ocsp
# ---- MTA-STS policy hosts (issue 13, zone sts13.test; nginx 127.0.13.20 by SNI) ----
leaf mta-sts.sts13.test "DNS:mta-sts.good.sts13.test,DNS:mta-sts.testing.sts13.test,DNS:mta-sts.notfound.sts13.test,DNS:mta-sts.redirect.sts13.test,DNS:mta-sts.uncovered.sts13.test,DNS:mta-sts.twotxt.sts13.test,DNS:mta-sts.oversized.sts13.test,DNS:mta-sts.badmx.sts13.test,DNS:mta-sts.badrpt.sts13.test,DNS:mta-sts.norpt.sts13.test,DNS:mta-sts.verifymx.sts13.test,DNS:mta-sts.good.dane13.test"
leaf mta-sts.certexpired.sts13.test "DNS:mta-sts.certexpired.sts13.test" -start "$(d '-400 days')" -end "$(d '-30 days')"
leaf mta-sts.certuntrusted.sts13.test "DNS:mta-sts.certuntrusted.sts13.test" -issuer other-root -chain other-root

# ---- tidy, and swap the new PKI in ----
rm -rf db ./*.csr ./*.ext ca.err ./*.leaf.pem ./*.req lab.crl.pem ca.cnf leaf.key weak.key rsa4096.key rsa512.key \
    ec256.key ec384.key
chmod 600 ./*.key
chmod 644 ./*.pem
cat >README <<EOF
Generated by tests/lab/certs.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ) - lab only, regenerated
on every lab start. ca.pem is the trust anchor for exprobe --ca-file.
EOF
rm -rf "$OUT.old"
mv "$OUT" "$OUT.old"
mv "$WORK" "$OUT"
rm -rf "$OUT.old"
trap - EXIT
