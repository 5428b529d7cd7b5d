#!/bin/sh
# tests/bench/peer_domain.sh DNS CA DOMAIN - the "peer toolchain" the bulk
# bench (tests/bench/bulk.py) compares exprobe with: what an admin scripts
# with the usual tools to look at one domain as exprobe's checks do, one
# domain per invocation (bulk.py runs it under xargs -P16).
#   dig:      MX, TXT, autodiscover A/CNAME, _autodiscover._tcp SRV, the Lync
#             CNAMEs and SRVs, the MX host's A
#   openssl:  s_client -starttls smtp to the first MX (chain + name verified)
#   curl:     the Autodiscover HTTP redirect (method 3), then the anonymous
#             POST to where it points (401 expected)
# Prints one line "DOMAIN ok|fail WHAT"; judges nothing else.
set -u
dns=$1 ca=$2 d=$3
q() { dig +short +time=2 +tries=1 @"$dns" "$@"; }
mx=$(q MX "$d" | sort -n | head -n1 | awk '{print $2}' | sed 's/\.$//')
q TXT "$d" >/dev/null
q SRV "_autodiscover._tcp.$d" >/dev/null
for n in sip lyncdiscover; do q A "$n.$d" >/dev/null; done
for n in _sip._tls _sipfederationtls._tcp; do q SRV "$n.$d" >/dev/null; done
[ -n "$mx" ] || { echo "$d fail no MX"; exit 0; }
mxip=$(q A "$mx" | tail -n1)
if ! echo QUIT | openssl s_client -quiet -verify_return_error -starttls smtp \
        -connect "$mxip:25" -servername "$mx" -CAfile "$ca" -verify_hostname "$mx" \
        >/dev/null 2>&1; then
    echo "$d fail STARTTLS $mx"; exit 0
fi
adip=$(q A "autodiscover.$d" | tail -n1)
[ -n "$adip" ] || { echo "$d fail no autodiscover"; exit 0; }
url=$(curl -s -o /dev/null -w '%{redirect_url}' --max-time 10 \
      --resolve "autodiscover.$d:80:$adip" "http://autodiscover.$d/autodiscover/autodiscover.xml")
host=$(echo "$url" | sed -n 's|^https://\([^/:]*\).*|\1|p')
[ -n "$host" ] || { echo "$d fail no redirect"; exit 0; }
hip=$(q A "$host" | tail -n1)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$ca" \
       --resolve "$host:443:$hip" -X POST -H 'Content-Type: text/xml' --data '<x/>' "$url")
[ "$code" = 401 ] && echo "$d ok" || echo "$d fail autodiscover $code"
