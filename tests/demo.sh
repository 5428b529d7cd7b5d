#!/usr/bin/env bash
# make demo: bring the local lab up, run exprobe against a few lab domains
# (a healthy cloud tenant, a hybrid whose Autodiscover wrongly points to
# Office 365, an on-premises Lync Edge that is down), take the lab down.
set -u
cd "$(dirname "$0")/.."
exprobe=${1:-build/exprobe}
lab=tests/lab/lab.sh

"$lab" start >/dev/null || { echo "demo: the lab did not start" >&2; exit 1; }
trap '"$lab" stop >/dev/null' EXIT

run() {
    printf '\n\033[1m$ exprobe %s\033[0m\n' "$*"
    "$exprobe" "$@"
    printf '(exit status %d)\n' "$?"
}

echo "Lab: authoritative DNS on 127.0.1.1 serving *.test and the Microsoft names;"
echo "     Lync/SIP endpoints on 127.0.1.20-.31 (see tests/lab/README.md)."
run --dns-server 127.0.1.1 cloud.test
run --dns-server 127.0.1.1 --expect fixtures/dns/expect/hybrid.conf -c cname hybridcloudad.test
run --dns-server 127.0.1.1 -c lync lyncdead.test
run --dns-server 127.0.1.1 -q spfmulti.test mxmixed.test onprem.test
printf '\n\033[1m$ exprobe -f jsonl cloud.test nospf.test msoid.test | (one line per target: status and finding codes)\033[0m\n'
"$exprobe" --dns-server 127.0.1.1 -f jsonl cloud.test nospf.test msoid.test | python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    codes = [f["code"] for c in d["checks"] for f in c["findings"] if f["severity"] != "info"]
    print(d["target"], d["status"], " ".join(codes) or "-")'
exit 0
