#!/usr/bin/env bash
# tests/lab/selftest.sh - check that a running lab (tests/lab/lab.sh start)
# serves exactly what the fixtures promise. Exit 0 if all checks pass.
#
# Uses dig against 127.0.1.1 (lab DNS) and 127.0.1.2 (blackhole), and bash
# /dev/tcp for the nginx endpoints. Does not start or stop anything.
set -u

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

# --- nginx endpoints (and the dead Edge)
for ep in 127.0.1.10:80 127.0.1.11:80 127.0.1.20:443 127.0.1.21:5061 127.0.1.22:443 \
          127.0.1.30:443 127.0.1.30:5061 127.0.1.31:443 127.0.1.40:443; do
    tcp "${ep%:*}" "${ep#*:}" open
done
tcp 127.0.1.99 443 closed
tcp 127.0.1.99 5061 closed

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
