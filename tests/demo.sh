#!/usr/bin/env bash
# make demo: bring the local lab up, run exprobe against a few lab domains
# (a healthy hybrid deployment, one behind TMG pre-authentication, a hybrid
# whose Autodiscover wrongly points to Office 365, broken certificates, an
# on-premises Lync Edge that is down), take the lab down again.
set -u
cd "$(dirname "$0")/.."
exprobe=${1:-build/exprobe}
lab=tests/lab/lab.sh

# Stop the lab afterwards only if this demo started it.
if ! "$lab" status >/dev/null 2>&1; then
    "$lab" start >/dev/null || { echo "demo: the lab did not start" >&2; exit 1; }
    trap '"$lab" stop >/dev/null' EXIT
fi
ca=$("$lab" ca)

run() {
    printf '\n\033[1m$ exprobe %s\033[0m\n' "$*"
    "$exprobe" "$@"
    printf '(exit status %d)\n' "$?"
}

echo "Lab: BIND on 127.0.1.1 serving *.test and the Microsoft names, nginx as Exchange,"
echo "     Office 365 and Lync endpoints, Exim and scripted SMTP servers, certificates"
echo "     from a test CA ($ca). See tests/lab/README.md."
run --dns-server 127.0.1.1 --ca-file "$ca" --dnsbl list.dnsbl.test hybrid.test
run --dns-server 127.0.1.1 --ca-file "$ca" -c autodiscover,preauth tmg.test
run --dns-server 127.0.1.1 --expect fixtures/dns/expect/hybrid.conf -c cname hybridcloudad.test
run --dns-server 127.0.1.1 --ca-file "$ca" -c cert \
    --hosts expired.certs.test,a.b.wild.certs.test,nochain.certs.test certs.test
run --dns-server 127.0.1.1 --ca-file "$ca" -c lync lyncdead.test
run --dns-server 127.0.1.1 --ca-file "$ca" -q spfmulti.test mxmixed.test onprem.test
printf '\n\033[1m$ exprobe -f jsonl cloud.test nospf.test msoid.test | (one line per target: status and finding codes)\033[0m\n'
"$exprobe" --dns-server 127.0.1.1 --ca-file "$ca" -f jsonl cloud.test nospf.test msoid.test | python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    codes = [f["code"] for c in d["checks"] for f in c["findings"] if f["severity"] != "info"]
    print(d["target"], d["status"], " ".join(codes) or "-")'
exit 0
