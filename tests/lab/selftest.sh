#!/usr/bin/env bash
# tests/lab/selftest.sh - check that a running lab (tests/lab/lab.sh start)
# serves exactly what the fixtures promise. Exit 0 if all checks pass.
#
# Uses dig against 127.0.1.1 (lab DNS) and 127.0.1.2 (blackhole), bash
# /dev/tcp for the plain endpoints, and openssl s_client (with the lab root,
# $LAB_DIR/certs/ca.pem) for the TLS endpoints and their certificate cases.
# Does not start or stop anything.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_DIR=${LAB_DIR:-$("$ROOT/tests/lab/lab.sh" dir)}
CA=${LAB_CA:-$LAB_DIR/certs/ca.pem}
DNS=${LAB_DNS:-127.0.1.1}
BH=${LAB_BLACKHOLE:-127.0.1.2}
fail=0
indent() { sed "s/^/  /"; }
n=0

# q NAME TYPE EXPECTED...  - +short answer (sorted, one per line) must equal
# the EXPECTED lines (sorted). EXPECTED "" = empty answer.
q() {
    local name=$1 type=$2 got want
    shift 2
    n=$((n + 1))
    got=$(dig @"$DNS" +short +time=2 +tries=1 "$name" "$type" 2>&1 | LC_ALL=C sort)
    want=$(printf '%s\n' "$@" | sed '/^$/d' | LC_ALL=C sort)
    if [ "$got" != "$want" ]; then
        fail=$((fail + 1))
        echo "FAIL: $name $type"
        echo "  want: $(echo "$want" | paste -sd'|')"
        echo "  got:  $(echo "$got" | paste -sd'|')"
    fi
}

# rcode NAME TYPE RCODE
rcode() {
    local got
    n=$((n + 1))
    got=$(dig @"$DNS" +time=2 +tries=1 "$1" "$2" 2>&1 | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
    if [ "$got" != "$3" ]; then
        fail=$((fail + 1))
        echo "FAIL: $1 $2 rcode: want $3, got ${got:-<none>}"
    fi
}

# tcp ADDR PORT open|closed
tcp() {
    local st=closed
    n=$((n + 1))
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && st=open
    if [ "$st" != "$3" ]; then
        fail=$((fail + 1))
        echo "FAIL: tcp $1:$2 want $3, got $st"
    fi
}

# tls NAME ADDR:PORT VERIFY [PROTO [S_CLIENT_ARGS...]] - a TLS handshake with
# SNI NAME succeeds; OpenSSL's verdict on the certificate for NAME against
# the lab root is VERIFY ("Verify return code", 0 = ok); PROTO (if not "")
# is the negotiated protocol (s_client's "New, TLSv1.3, Cipher is ..." line). Security level 0 so weak cases still connect.
tls() {
    local name=$1 ep=$2 want=$3 proto=${4:-} out code got
    shift 3; [ $# -gt 0 ] && shift
    n=$((n + 1))
    out=$(timeout 5 openssl s_client -connect "$ep" -servername "$name" -CAfile "$CA" \
          -verify_hostname "$name" -cipher 'ALL:@SECLEVEL=0' "$@" </dev/null 2>&1)
    code=$(printf '%s\n' "$out" | sed -n 's/^ *Verify return code: \([0-9]*\).*/\1/p' | head -n1)
    got=$(printf '%s\n' "$out" | sed -n 's/^New, \([^,]*\), Cipher is.*/\1/p' | head -n1)
    if [ "$code" != "$want" ] || { [ -n "$proto" ] && [ "$got" != "$proto" ]; }; then
        fail=$((fail + 1))
        echo "FAIL: tls $name ($ep): want verify $want${proto:+ $proto}," \
             "got verify ${code:-<none>} ${got:-<no protocol>}"
        printf '%s\n' "$out" | grep -iE 'error|alert' | head -n 3 | indent
    fi
}

EXO_SPF='"v=spf1 include:spf.protection.outlook.com -all"'
MS_CLOUD='"MS=ms12345678"'

# lync_online DOMAIN - the four Lync Online records (chains followed)
lync_online() {
    q "sip.$1" A sipdir.online.lync.com. 127.0.1.20
    q "lyncdiscover.$1" A webdir.online.lync.com. 127.0.1.22
    q "_sip._tls.$1" SRV "100 1 443 sipdir.online.lync.com."
    q "_sipfederationtls._tcp.$1" SRV "100 1 5061 sipfed.online.lync.com."
}
# autod_cloud DOMAIN
autod_cloud() { q "autodiscover.$1" A autodiscover.outlook.com. 127.0.1.40; }
# mx_exo DOMAIN - MX 0 <token>.mail.protection.outlook.com + wildcard A
mx_exo() {
    local tok=${1//./-}
    q "$1" MX "0 $tok.mail.protection.outlook.com."
    q "$tok.mail.protection.outlook.com" A 127.0.1.41
}

# --- Microsoft impersonation + infrastructure
q autodiscover.outlook.com A 127.0.1.40
q anything.mail.protection.outlook.com A 127.0.1.41
q spf.protection.outlook.com TXT '"v=spf1 ip4:127.0.1.41 -all"'
q ps.microsoftonline.com A 127.0.1.42
q login.microsoftonline.com A 127.0.15.3
q outlook.office365.com A 127.0.15.2
q mail.nocloud15.test A 127.0.15.10
q mail.hma15.test A 127.0.15.10
q mail.hmanouri15.test A 127.0.15.11
q mail.hmaother15.test A 127.0.15.12
q mail.hmanone15.test A 127.0.15.13
q mail.ex2019-15.test A 127.0.15.14
q mail.ex2016-15.test A 127.0.15.15
q mail.ntlmbreak15.test A 127.0.15.16
q mail.h2ntlm15.test A 127.0.15.17
q mail.epproxy15.test A 127.0.15.18
q mail.v2html15.test A 127.0.15.19
q mail.v2loop15.test A 127.0.15.20
q sipdir.online.lync.com A 127.0.1.20
q sipfed.online.lync.com A 127.0.1.21
q webdir.online.lync.com A 127.0.1.22
q ns.lab.test A 127.0.1.1
rcode autodiscover.wrong.test A NXDOMAIN
rcode clientconfig.partner.microsoftonline-p.net.cn A NXDOMAIN
rcode example.com A NXDOMAIN

# --- cloud.test
mx_exo cloud.test
q cloud.test TXT "$MS_CLOUD" "$EXO_SPF"
autod_cloud cloud.test
lync_online cloud.test

# --- Exchange Online's DNSSEC MX (mx.microsoft impersonation) and its lab domains
q anything.j-v1.mx.microsoft A 127.0.13.41
q exodnssec13.test MX "0 exodnssec13-test.j-v1.mx.microsoft."
q exomigr13.test MX "0 exomigr13-test.mail.protection.outlook.com." "20 exomigr13-test.j-v1.mx.microsoft."
q exolook13.test MX "0 contoso.mx.microsoft."

# --- hybrid.test
mx_exo hybrid.test
q hybrid.test TXT '"MS=ms23456789"' '"v=spf1 ip4:127.0.1.10 include:spf.protection.outlook.com -all"'
q autodiscover.hybrid.test A 127.0.1.10
q mail.hybrid.test A 127.0.1.10
lync_online hybrid.test

# --- onprem.test
q onprem.test MX "10 mail.onprem.test."
q mail.onprem.test A 127.0.1.11
q autodiscover.onprem.test A 127.0.1.11
q onprem.test TXT '"v=spf1 mx -all"'
q sip.onprem.test A 127.0.1.30
q lyncdiscover.onprem.test A 127.0.1.31
q _sip._tls.onprem.test SRV "0 0 443 sip.onprem.test."
q _sipfederationtls._tcp.onprem.test SRV "0 0 5061 sip.onprem.test."

# --- bpos.test / badbpos.test / noverify.test
for d in bpos badbpos noverify; do
    mx_exo $d.test
    q $d.test TXT "$EXO_SPF"
    autod_cloud $d.test
    lync_online $d.test
done
q ms11111111.bpos.test A ps.microsoftonline.com. 127.0.1.42
q ms11111111.badbpos.test CNAME ps.wrong.test.
rcode ms11111111.badbpos.test A NXDOMAIN
rcode ms11111111.noverify.test A NXDOMAIN
rcode ms99999999.noverify.test A NXDOMAIN

# --- nocname / wrongcname / hybridcloudad
mx_exo nocname.test
q nocname.test TXT "$MS_CLOUD" "$EXO_SPF"
rcode autodiscover.nocname.test A NXDOMAIN
lync_online nocname.test
mx_exo wrongcname.test
q autodiscover.wrongcname.test CNAME autodiscover.wrong.test.
lync_online wrongcname.test
mx_exo hybridcloudad.test
q hybridcloudad.test TXT '"MS=ms23456789"' '"v=spf1 ip4:127.0.1.10 include:spf.protection.outlook.com -all"'
q mail.hybridcloudad.test A 127.0.1.10
autod_cloud hybridcloudad.test
lync_online hybridcloudad.test

# --- MX cases
q mxonprem.test MX "10 mail.mxonprem.test."
q mail.mxonprem.test A 127.0.1.12
autod_cloud mxonprem.test
q mxmixed.test MX "0 mxmixed-test.mail.protection.outlook.com." "10 backup.mxmixed.test."
q backup.mxmixed.test A 127.0.1.13
autod_cloud mxmixed.test

# --- SPF cases
q spfnoinc.test TXT "$MS_CLOUD" '"v=spf1 ip4:127.0.1.14 -all"'
q spfmulti.test TXT "$MS_CLOUD" "$EXO_SPF" '"v=spf1 ip4:127.0.1.15 -all"'
q nospf.test TXT "$MS_CLOUD"
for d in spfnoinc spfmulti nospf; do mx_exo $d.test; autod_cloud $d.test; lync_online $d.test; done

# --- msoid.test
mx_exo msoid.test
autod_cloud msoid.test
q msoid.msoid.test CNAME clientconfig.partner.microsoftonline-p.net.cn.

# --- Lync cases
mx_exo lyncmissing.test
autod_cloud lyncmissing.test
for h in sip lyncdiscover; do rcode $h.lyncmissing.test A NXDOMAIN; done
rcode _sip._tls.lyncmissing.test SRV NXDOMAIN
rcode _sipfederationtls._tcp.lyncmissing.test SRV NXDOMAIN
q sip.lyncwrong.test CNAME sip.wrong.test.
q lyncdiscover.lyncwrong.test A webdir.online.lync.com. 127.0.1.22
q _sip._tls.lyncwrong.test SRV "100 1 5061 sipdir.online.lync.com."
q _sipfederationtls._tcp.lyncwrong.test SRV "100 1 5061 sipfed.wrong.test."
q lyncdead.test MX "10 mail.lyncdead.test."
q mail.lyncdead.test A 127.0.1.11
q autodiscover.lyncdead.test A 127.0.1.11
q lyncdead.test TXT '"v=spf1 mx -all"'
q sip.lyncdead.test A 127.0.1.99
q lyncdiscover.lyncdead.test A 127.0.1.31
q _sip._tls.lyncdead.test SRV "0 0 443 sip.lyncdead.test."
q _sipfederationtls._tcp.lyncdead.test SRV "0 0 5061 sip.lyncdead.test."

# --- txtmangled.test: 8 TXT strings incl. raw bytes and a 1020-byte record
mx_exo txtmangled.test
n=$((n + 1))
txt=$(dig @"$DNS" +short +time=2 +tries=1 txtmangled.test TXT)
if ! { echo "$txt" | grep -qF '"\255\254bad\027bytes"' &&
       echo "$txt" | grep -qF '"nul\000byte"' &&
       echo "$txt" | grep -qF "$MS_CLOUD" &&
       echo "$txt" | grep -qF "$EXO_SPF" &&
       [ "$(echo "$txt" | grep -o '"long-txt-part-[1-4]/[^"]*"' | wc -l)" = 4 ] &&
       [ "$(echo "$txt" | wc -l)" = 7 ]; }; then
    fail=$((fail + 1))
    echo "FAIL: txtmangled.test TXT:"; echo "$txt" | cut -c1-120 | sed 's/^/  /'
fi
# the whole RRset is > 512 bytes: must also come over TCP
n=$((n + 1))
if [ "$(dig @"$DNS" +tcp +short +time=2 +tries=1 txtmangled.test TXT | wc -l)" != 7 ]; then
    fail=$((fail + 1)); echo "FAIL: txtmangled.test TXT over TCP"
fi

# --- certs.test (one certificate case per address)
for h in ok:50 a.wild:51 a.b.wild:51 wild:51 expired:52 notyet:53 expiring:54 \
         selfsigned:55 wrongname:56 nochain:57 unknownroot:58 weakkey:59 sha1:60 \
         cnonly:61 oldtls:62 mail:63 owa:63 stall:68 garbage:69 refused:98; do
    q "${h%:*}.certs.test" A "127.0.1.${h#*:}"
done

# --- pki.test (the certificate path lab, 127.0.12.x)
for h in purpose:20 caleaf:21 wrongint:22 nochain:23 sha1int:24 rsa1024int:25 rsa512:26 \
         rsa4096:27 ecc256:28 ecc384:29 ipsan:30 manysans:31 reversed:32 crossexpired:33 \
         crossboth:34 crossgood:35 nameconst:36 shortlived:37 dhe1024:38 dhe2048:39 revstaple:40 goodstaple:41 \
         revocsp:42 revcrl:43 crlgood:44 hugesans:45 tls10too:46; do
    q "${h%:*}.pki.test" A "127.0.12.${h#*:}"
    tcp "127.0.12.${h#*:}" 443 open
done
tcp 127.0.12.10 80 open

# --- IPv6 only: AAAA ::1, no A (v6.test, v6only.certs.test)
for h in autodiscover.v6.test v6only.certs.test; do
    q "$h" AAAA ::1
    q "$h" A ""
done

# --- nginx endpoints (and the dead Edge)
for ep in 127.0.1.10:80 127.0.1.11:80 127.0.1.20:443 127.0.1.21:5061 127.0.1.22:443 \
          127.0.1.30:443 127.0.1.30:5061 127.0.1.31:443 127.0.1.40:443; do
    tcp "${ep%:*}" "${ep#*:}" open
done
tcp ::1 443 open
tcp 127.0.1.99 443 closed
tcp 127.0.1.99 5061 closed
tcp 127.0.1.98 443 closed

# --- TLS: the certificates served (generated at lab start)
n=$((n + 1))
if [ ! -s "$CA" ]; then
    fail=$((fail + 1)); echo "FAIL: no lab root CA at $CA (lab started by an older lab.sh?)"
fi
# Lync / Office 365 impersonation and the on-premises Edge: valid, full chain.
tls sipdir.online.lync.com 127.0.1.20:443 0 TLSv1.3
tls sipfed.online.lync.com 127.0.1.21:5061 0 TLSv1.3
tls webdir.online.lync.com 127.0.1.22:443 0 TLSv1.3
tls sip.onprem.test 127.0.1.30:443 0
tls sip.onprem.test 127.0.1.30:5061 0
tls lyncdiscover.onprem.test 127.0.1.31:443 0
tls lyncdiscover.lyncdead.test 127.0.1.31:443 0
tls autodiscover.outlook.com 127.0.1.40:443 0
# certs.test: OpenSSL's own verdict on each case (X509_V_ERR_* numbers)
tls ok.certs.test 127.0.1.50:443 0 TLSv1.3
tls a.wild.certs.test 127.0.1.51:443 0
tls a.b.wild.certs.test 127.0.1.51:443 62      # hostname mismatch
tls wild.certs.test 127.0.1.51:443 62          # hostname mismatch
tls expired.certs.test 127.0.1.52:443 10       # certificate has expired
tls notyet.certs.test 127.0.1.53:443 9         # not yet valid
tls expiring.certs.test 127.0.1.54:443 0
tls selfsigned.certs.test 127.0.1.55:443 18    # self-signed certificate
tls wrongname.certs.test 127.0.1.56:443 62     # hostname mismatch
tls nochain.certs.test 127.0.1.57:443 21       # unable to verify the first certificate
tls unknownroot.certs.test 127.0.1.58:443 19   # self-signed certificate in chain
tls weakkey.certs.test 127.0.1.59:443 0        # (weak, but fine at security level 0)
tls sha1.certs.test 127.0.1.60:443 0
tls cnonly.certs.test 127.0.1.61:443 0
tls oldtls.certs.test 127.0.1.62:443 0 TLSv1.0 -tls1
tls mail.certs.test 127.0.1.63:443 0
tls owa.certs.test 127.0.1.63:443 0
# the IPv6-only host on [::1]:443
tls autodiscover.v6.test '[::1]:443' 0 TLSv1.3
tls v6only.certs.test '[::1]:443' 0
# oldtls speaks TLS 1.0 only: a TLS 1.2 handshake is refused
n=$((n + 1))
if echo | timeout 5 openssl s_client -connect 127.0.1.62:443 -tls1_2 2>/dev/null |
        grep -q '^New, TLSv1.2,'; then
    fail=$((fail + 1)); echo "FAIL: oldtls.certs.test accepted TLS 1.2"
fi
# certificate details the cert check reports on
# cert_field NAME FIELD-COMMAND EXPECTED-SUBSTRING
cert_field() {
    local f=$LAB_DIR/certs/$1.pem got
    n=$((n + 1))
    # shellcheck disable=SC2086  # $2 is one or more openssl options
    got=$(openssl x509 -in "$f" -noout $2 2>&1)
    case "$got" in *"$3"*) ;; *)
        fail=$((fail + 1)); echo "FAIL: $1 $2: want '$3', got: $got" ;;
    esac
}
cert_field weakkey.certs.test -text "Public-Key: (1024 bit)"
cert_field sha1.certs.test -text "Signature Algorithm: sha1WithRSAEncryption"
cert_field wrongname.certs.test "-ext subjectAltName" "DNS:mbx1, DNS:mbx1.contoso.local"
cert_field mail.certs.test "-ext subjectAltName" "DNS:mail.certs.test, DNS:owa.certs.test"
cert_field mail.certs.test -subject "CN = mail.certs.test"
cert_field cnonly.certs.test "-ext subjectAltName" "No extensions"
n=$((n + 1))
if [ "$(grep -c 'BEGIN CERTIFICATE' "$LAB_DIR/certs/nochain.certs.test.pem" 2>/dev/null)" != 1 ]; then
    fail=$((fail + 1)); echo "FAIL: nochain.certs.test.pem must hold the leaf only"
fi

# --- hostile TLS servers
# stall: accepts, never answers - a handshake does not finish within 2 s
n=$((n + 1))
timeout 2 openssl s_client -connect 127.0.1.68:443 -servername stall.certs.test \
    </dev/null >/dev/null 2>&1
if [ $? -ne 124 ]; then
    fail=$((fail + 1)); echo "FAIL: stall.certs.test (127.0.1.68:443) did not stall"
fi
# garbage: a plain-text banner at once
n=$((n + 1))
# shellcheck disable=SC2016  # $l expands in the inner shell
banner=$(timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.1.69/443; IFS= read -r -t 2 l <&3; echo "$l"' \
         2>/dev/null | tr -d '\r')
if [ "$banner" != "220 this is not TLS" ]; then
    fail=$((fail + 1)); echo "FAIL: garbage.certs.test banner: got '${banner}'"
fi

# --- the bulk bench's zone (b17.test) and hosts (127.0.17.x)
q d7.b17.test MX "10 mx7.b17.test."
q d9999.slow.b17.test MX "10 mx9.slow.b17.test."
q autodiscover.d7.b17.test A ad1.b17.test. 127.0.17.31
tls ad1.b17.test 127.0.17.31:443 0
tcp 127.0.17.17 25 open
tcp 127.0.17.30 8080 open

# --- blackhole: UDP and TCP queries get no answer
n=$((n + 1))
out=$(dig @"$BH" +time=1 +tries=1 cloud.test MX 2>&1)
if ! echo "$out" | grep -q 'timed out'; then
    fail=$((fail + 1)); echo "FAIL: blackhole UDP answered or errored otherwise:"; indent <<<"$out"
fi
n=$((n + 1))
out=$(dig @"$BH" +tcp +time=1 +tries=1 cloud.test MX 2>&1)
if ! echo "$out" | grep -q 'timed out'; then
    fail=$((fail + 1)); echo "FAIL: blackhole TCP answered or errored otherwise:"; indent <<<"$out"
fi

if [ "$fail" -eq 0 ]; then
    echo "selftest: all $n checks passed"
else
    echo "selftest: $fail of $n checks FAILED"
    exit 1
fi
