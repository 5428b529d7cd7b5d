#!/usr/bin/env bash
# tests/lab/lab.sh - start/stop the exprobe test lab (all on 127.0.1.0/24).
#
#   tests/lab/lab.sh start|stop|status|restart|ca
#
# Servers:
#   named      BIND 9, authoritative for the lab zones   127.0.1.1:53  udp+tcp
#   nginx      HTTP and HTTPS endpoints                   127.0.1.10-.117, 127.0.17.30-.32,
#                                                         127.0.27.10-.22 and
#              [::1]:443 (see fixtures/nginx/nginx.conf.in)
#   blackhole  DNS server that never answers              127.0.1.2:53  udp+tcp
#   tlsstall   reads the ClientHello, never answers       127.0.1.68:443
#   tlsgarbage answers TLS with plain text                127.0.1.69:443
#   exim       Exim 4: real MTAs with/without STARTTLS    127.0.1.70-.73:25,
#              the Exchange Online Protection stand-in 127.0.1.41:25 and
#              mail.onprem.test 127.0.1.11:25
#              (fixtures/exim/exim.conf.in)
#   smtphostile scripted hostile SMTP servers              127.0.1.80-.92:25
#   faults9    server faults: TCP resets, TLS alert/drip,   127.0.9.10-.33
#              chunked-forever HTTP, DNS TC/wrong id/loop/64 KB TXT
#              (tests/lab/servers/smtp_hostile.py)
#
# Certificates: start runs tests/lab/certs.sh into $LAB_DIR/certs each time
# it starts nginx (never while nginx runs: nginx serves what was generated
# with it). $LAB_DIR/certs/ca.pem is the lab root, for exprobe --ca-file;
# `lab.sh ca` prints its path.
#
# Runtime files (rendered configs, zones, pidfiles, logs) go to $LAB_DIR,
# default /run/exprobe-lab-HASH (per clone; `lab.sh dir` prints it), linked
# from <repo>/build/lab. Every server is stopped by the PID in its pidfile,
# never by name. Needs root (ports 53/80/443) and the packages of
# `scripts/deps lab`.
#
# named binds only addresses it finds configured on an interface, and a stock
# lo carries just 127.0.0.1/8; so start adds 127.0.1.1/32 to lo when missing
# (`ip addr add`, needs CAP_NET_ADMIN) and stop removes it again if start added
# it (marker file $LAB_DIR/lo-addr-added). nginx and the blackhole bind any
# 127.x address without that.
#
# Environment: LAB_DIR (run dir), LAB_WAIT (readiness timeout, seconds, default
# 10), NAMED, NGINX, PYTHON (binaries).
set -eu

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The run dir must be reachable by the daemons' own users (Exim runs as
# Debian-exim), whatever the clone's path: a clone under a 0700 home (/root)
# is not. So it lives under /run (root) or $XDG_RUNTIME_DIR or /tmp, one per
# clone (a hash of the clone's path), and build/lab points at it.
default_lab_dir() {
    local h base
    h=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
    if [ -w /run ]; then base=/run
    elif [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -w "$XDG_RUNTIME_DIR" ]; then base=$XDG_RUNTIME_DIR
    else base=/tmp/exprobe-lab-$(id -u); mkdir -p -m 0700 "$base"
    fi
    echo "$base/exprobe-lab-$h"
}
LAB_DIR_DEFAULT=""
if [ -z "${LAB_DIR:-}" ]; then
    LAB_DIR=$(default_lab_dir)
    LAB_DIR_DEFAULT=1
fi
case "$LAB_DIR" in /*) ;; *) LAB_DIR=$PWD/$LAB_DIR ;; esac
LAB_DIR=${LAB_DIR%/}
LAB_WAIT=${LAB_WAIT:-10}

CERT_DIR=$LAB_DIR/certs

NAMED=${NAMED:-/usr/sbin/named}
NGINX=${NGINX:-/usr/sbin/nginx}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

DNS_ADDR=127.0.1.1
BH_ADDR=127.0.1.2
NGINX_PROBE=127.0.1.20:443
STALL_ADDR=127.0.1.68
GARBAGE_ADDR=127.0.1.69
TLS_PORT=443

ZONE_SRC=$ROOT/fixtures/dns/zones
NAMED_TMPL=$ROOT/fixtures/dns/named.conf.in
NGINX_TMPL=$ROOT/fixtures/nginx/nginx.conf.in
BLACKHOLE=$ROOT/tests/lab/servers/blackhole_dns.py
TLS_STALL=$ROOT/tests/lab/servers/tls_stall.py
TLS_GARBAGE=$ROOT/tests/lab/servers/tls_garbage.py
SMTP_LAB=$ROOT/tests/lab/servers/smtp_lab.py
DANE13=$ROOT/tests/lab/dane13.py
SMTP_HOSTILE=$ROOT/tests/lab/servers/smtp_hostile.py
FAULTS9=$ROOT/tests/lab/servers/faults9.py
FAULTS9_PROBE=127.0.9.21:25
EXIM=${EXIM:-/usr/sbin/exim4}
SMTP_DIR=$LAB_DIR/smtp
EXIM_PROBE=127.0.1.70:25
HOSTILE_PROBE=127.0.1.80:25
CERTS_SH=$ROOT/tests/lab/certs.sh

SERVERS="named nginx blackhole tlsstall tlsgarbage exim smtphostile faults9"
# The Python servers run in the foreground of their own session; the PIDs
# this run launched, to notice one dying during start-up.
declare -A CHILD=()

prog=lab
say() { echo "$prog: $*"; }
err() { echo "$prog: $*" >&2; }

pidfile() {
    case "$1" in
        named)     echo "$LAB_DIR/named.pid" ;;
        nginx)     echo "$LAB_DIR/nginx.pid" ;;
        blackhole) echo "$LAB_DIR/blackhole_dns.pid" ;;
        tlsstall)  echo "$LAB_DIR/tls_stall.pid" ;;
        tlsgarbage) echo "$LAB_DIR/tls_garbage.pid" ;;
        exim)      echo "$SMTP_DIR/exim.pid" ;;
        smtphostile) echo "$LAB_DIR/smtp_hostile.pid" ;;
        faults9)   echo "$LAB_DIR/faults9.pid" ;;
    esac
}

logfiles() {
    case "$1" in
        named)     echo "$LAB_DIR/named.log $LAB_DIR/named.stderr" ;;
        nginx)     echo "$LAB_DIR/nginx-error.log $LAB_DIR/nginx.stderr" ;;
        blackhole) echo "$LAB_DIR/blackhole_dns.log" ;;
        tlsstall)  echo "$LAB_DIR/tls_stall.log" ;;
        tlsgarbage) echo "$LAB_DIR/tls_garbage.log" ;;
        exim)      echo "$SMTP_DIR/log/paniclog $SMTP_DIR/log/mainlog $LAB_DIR/exim.stderr" ;;
        smtphostile) echo "$LAB_DIR/smtp_hostile.log" ;;
        faults9)   echo "$LAB_DIR/faults9.log" ;;
    esac
}

where() {
    case "$1" in
        named)     echo "$DNS_ADDR:53" ;;
        nginx)     echo "127.0.1.10-.117,127.0.11.20-.30,127.0.12.10-.46,127.0.15.2-.20,127.0.17.30-.32,127.0.27.10-.22,[::1]:443" ;;
        blackhole) echo "$BH_ADDR:53" ;;
        tlsstall)  echo "$STALL_ADDR:$TLS_PORT" ;;
        tlsgarbage) echo "$GARBAGE_ADDR:$TLS_PORT" ;;
        exim)      echo "127.0.1.70-.73,.41,.11, 127.0.13.10,.41, 127.0.17.10-.24:25" ;;
        smtphostile) echo "127.0.1.80-.92:25" ;;
        faults9)   echo "127.0.9.10-.33" ;;
    esac
}

# What the server's /proc/PID/cmdline must contain (besides $LAB_DIR) for a
# PID from a pidfile to be taken as ours - guards against a recycled PID.
cmd_tag() {
    case "$1" in
        named)     echo "named" ;;
        nginx)     echo "nginx" ;;
        blackhole) echo "blackhole_dns.py" ;;
        tlsstall)  echo "tls_stall.py" ;;
        tlsgarbage) echo "tls_garbage.py" ;;
        exim)      echo "exim4" ;;
        smtphostile) echo "smtp_hostile.py" ;;
        faults9)   echo "faults9.py" ;;
    esac
}

# proc_alive PID: exists and is not a zombie (an exited process not yet reaped
# by its parent - here often PID 1 - still passes kill -0).
proc_alive() {
    local st
    kill -0 "$1" 2>/dev/null || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "${st%% *}" != Z ]
}

# live_pid NAME: print the PID from NAME's pidfile if that process is alive and
# is our server; otherwise print nothing and return 1.
live_pid() {
    local f pid cmd
    f=$(pidfile "$1")
    [ -r "$f" ] || return 1
    pid=$(head -n1 "$f" 2>/dev/null | tr -dc '0-9')
    [ -n "$pid" ] && [ "$pid" -gt 1 ] || return 1
    proc_alive "$pid" || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    case "$cmd" in *"$(cmd_tag "$1")"*) ;; *) return 1 ;; esac
    case "$cmd" in *"$LAB_DIR"*) ;; *) return 1 ;; esac
    echo "$pid"
}

# Remove pidfiles that do not name a live server of ours (killed runs).
clean_stale() {
    local s f
    for s in $SERVERS; do
        f=$(pidfile "$s")
        if [ -e "$f" ] && ! live_pid "$s" >/dev/null; then
            rm -f "$f"
        fi
    done
}

LOCKED=""
lock() {
    [ -z "$LOCKED" ] || return 0
    mkdir -p "$LAB_DIR"
    chmod 0755 "$LAB_DIR"   # traversable by the daemons' users, whatever the umask
    # build/lab -> the run dir, so build/lab/certs/ca.pem works from the clone
    # (an old build/lab directory is left alone).
    if [ -n "$LAB_DIR_DEFAULT" ] && { [ -L "$ROOT/build/lab" ] || [ ! -e "$ROOT/build/lab" ]; }; then
        mkdir -p "$ROOT/build"
        ln -sfn "$LAB_DIR" "$ROOT/build/lab"
    fi
    exec 9>"$LAB_DIR/lab.lock"
    flock -w 30 9 || { err "another lab.sh holds $LAB_DIR/lab.lock"; exit 1; }
    LOCKED=1
}

lo_has_dns_addr() {
    ip -4 -o addr show dev lo 2>/dev/null | grep -q " inet $DNS_ADDR/"
}

# named only listens on interface addresses: make sure lo carries DNS_ADDR.
ensure_lo_addr() {
    lo_has_dns_addr && return 0
    if ! ip addr add "$DNS_ADDR/32" dev lo 2>"$LAB_DIR/ip.stderr"; then
        err "cannot add $DNS_ADDR/32 to lo: $(cat "$LAB_DIR/ip.stderr")"
        err "named listens only on addresses configured on an interface; as root run:"
        err "    ip addr add $DNS_ADDR/32 dev lo"
        return 1
    fi
    echo "$DNS_ADDR/32" >"$LAB_DIR/lo-addr-added"
    say "added $DNS_ADDR/32 to lo (removed again by stop)"
}

release_lo_addr() {
    [ -e "$LAB_DIR/lo-addr-added" ] || return 0
    live_pid named >/dev/null && return 0   # still needed
    if lo_has_dns_addr; then
        ip addr del "$DNS_ADDR/32" dev lo 2>/dev/null ||
            err "could not remove $DNS_ADDR/32 from lo"
    fi
    rm -f "$LAB_DIR/lo-addr-added"
}

children_of() {
    if command -v ps >/dev/null 2>&1; then
        ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true
        return 0
    fi
    local d rest
    for d in /proc/[0-9]*; do
        rest=$(sed 's/^.*) //' "$d/stat" 2>/dev/null) || continue
        # shellcheck disable=SC2086  # split the stat fields
        set -- "$1" $rest
        [ "$3" = "$1" ] && echo "${d#/proc/}"
        set -- "$1"
    done
    return 0
}

# stop_one NAME: TERM, wait up to 5 s, then KILL (nginx: also its workers).
stop_one() {
    local s=$1 pid kids i
    if ! pid=$(live_pid "$s"); then
        rm -f "$(pidfile "$s")"
        return 0
    fi
    kids=""
    [ "$s" = nginx ] && kids=$(children_of "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        proc_alive "$pid" || break
        sleep 0.1
    done
    if proc_alive "$pid"; then
        err "$s (pid $pid) ignored SIGTERM for 5 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for i in $(seq 20); do
            proc_alive "$pid" || break
            sleep 0.1
        done
    fi
    for i in $kids; do
        if proc_alive "$i"; then kill -KILL "$i" 2>/dev/null || true; fi
    done
    rm -f "$(pidfile "$s")"
    say "stopped $s (pid $pid)"
}

sed_escape() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }

render() { # render TEMPLATE OUT
    local lab zones fix certs
    lab=$(sed_escape "$LAB_DIR")
    zones=$(sed_escape "$LAB_DIR/zones")
    fix=$(sed_escape "$ROOT/fixtures/nginx")
    certs=$(sed_escape "$CERT_DIR")
    sed -e "s|@LAB_DIR@|$lab|g" -e "s|@ZONE_DIR@|$zones|g" \
        -e "s|@FIXTURE_DIR@|$fix|g" -e "s|@CERT_DIR@|$certs|g" "$1" >"$2.tmp"
    if grep -n '@[A-Z_]*@' "$2.tmp" >&2; then
        err "unreplaced placeholder in $1 (lines above)"
        exit 1
    fi
    mv -f "$2.tmp" "$2"
}

prepare_named() {
    local f z
    # Every zone file needs a stanza in the template, and vice versa.
    for f in "$ZONE_SRC"/*.zone; do
        z=$(basename "$f" .zone); [ "$z" = root ] && z=.
        grep -q "^zone \"$z\"" "$NAMED_TMPL" || {
            err "zone file $f has no zone stanza in $NAMED_TMPL"; exit 1; }
    done
    mkdir -p "$LAB_DIR/zones"
    rm -f "$LAB_DIR/zones"/*.zone
    cp "$ZONE_SRC"/*.zone "$LAB_DIR/zones/"
    # DNSSEC cases: TLSA/DS placeholders filled, zones signed, trust anchors written.
    if ! out=$("$PYTHON" "$DANE13" zones "$LAB_DIR" 2>&1); then
        printf '%s\n' "$out" >&2
        err "signing the DNSSEC lab zones failed ($DANE13 zones $LAB_DIR)"
        exit 1
    fi
    render "$NAMED_TMPL" "$LAB_DIR/named.conf"
    if ! out=$(named-checkconf -z "$LAB_DIR/named.conf" 2>&1); then
        printf '%s\n' "$out" | grep -v ': loaded serial' >&2
        err "named-checkconf failed for $LAB_DIR/named.conf"
        exit 1
    fi
}

# Fresh certificates for the nginx about to start (only then: a running
# nginx keeps serving the ones it was started with, so ca.pem must stay).
make_certs() {
    local out
    if ! out=$("$CERTS_SH" "$CERT_DIR" 2>&1); then
        printf '%s\n' "$out" >&2
        err "certificate generation failed ($CERTS_SH $CERT_DIR)"
        return 1
    fi
}

prepare_nginx() {
    mkdir -p "$LAB_DIR/nginx-tmp"
    make_certs || exit 1
    render "$NGINX_TMPL" "$LAB_DIR/nginx.conf"
    if ! out=$("$NGINX" -q -t -p "$LAB_DIR/" -c "$LAB_DIR/nginx.conf" \
                 -e "$LAB_DIR/nginx-error.log" 2>&1); then
        printf '%s\n' "$out" >&2
        err "nginx -t failed for $LAB_DIR/nginx.conf"
        exit 1
    fi
}

start_one() {
    case "$1" in
        named)
            prepare_named
            ensure_lo_addr || return 1
            # Daemonizes; writes $LAB_DIR/named.pid itself. 9>&-: servers must
            # not inherit (and so hold forever) the lab.lock descriptor.
            "$NAMED" -4 -c "$LAB_DIR/named.conf" \
                </dev/null >>"$LAB_DIR/named.stderr" 2>&1 9>&- || {
                err "named failed to start"; tail_logs named; return 1; }
            ;;
        nginx)
            prepare_nginx
            # Daemonizes; writes $LAB_DIR/nginx.pid itself.
            "$NGINX" -p "$LAB_DIR/" -c "$LAB_DIR/nginx.conf" \
                -e "$LAB_DIR/nginx-error.log" \
                </dev/null >>"$LAB_DIR/nginx.stderr" 2>&1 9>&- || {
                err "nginx failed to start"; tail_logs nginx; return 1; }
            ;;
        blackhole)
            # Own session, stdio detached: survives the caller's terminal and
            # never holds a caller's pipe open. Writes its pidfile once bound.
            setsid "$PYTHON" "$BLACKHOLE" --addr "$BH_ADDR" --port 53 \
                "$(pidfile blackhole)" \
                </dev/null >>"$(logfiles blackhole)" 2>&1 9>&- &
            CHILD[blackhole]=$!
            ;;
        tlsstall|tlsgarbage)
            local script=$TLS_STALL addr=$STALL_ADDR
            if [ "$1" = tlsgarbage ]; then script=$TLS_GARBAGE addr=$GARBAGE_ADDR; fi
            # Like the blackhole: own session, pidfile written once listening.
            setsid "$PYTHON" "$script" --addr "$addr" --port "$TLS_PORT" \
                --pidfile "$(pidfile "$1")" \
                </dev/null >>"$(logfiles "$1")" 2>&1 9>&- &
            CHILD[$1]=$!
            ;;
        exim)
            # Leaves from the lab intermediate for the MX names, and the
            # rendered config; then the daemon (writes its pidfile itself).
            [ -r "$CERT_DIR/intermediate.key" ] || make_certs || return 1
            "$PYTHON" "$SMTP_LAB" prepare "$LAB_DIR" "$CERT_DIR" \
                >>"$LAB_DIR/exim.stderr" 2>&1 || {
                err "exim: preparing $SMTP_DIR failed"; tail_logs exim; return 1; }
            "$PYTHON" "$DANE13" certs "$LAB_DIR" "$CERT_DIR" \
                >>"$LAB_DIR/exim.stderr" 2>&1 || {
                err "exim: the DANE MX certificates failed"; tail_logs exim; return 1; }
            "$EXIM" -C "$SMTP_DIR/exim.conf" -bd -oP "$(pidfile exim)" \
                </dev/null >>"$LAB_DIR/exim.stderr" 2>&1 9>&- || {
                err "exim failed to start"; tail_logs exim; return 1; }
            ;;
        smtphostile)
            setsid "$PYTHON" "$SMTP_HOSTILE" --pidfile "$(pidfile smtphostile)" \
                </dev/null >>"$(logfiles smtphostile)" 2>&1 9>&- &
            CHILD[$1]=$!
            ;;
        faults9)
            # Server faults (issue 9): resets, alerts, drips, DNS tricks.
            setsid "$PYTHON" "$FAULTS9" --pidfile "$(pidfile faults9)" \
                </dev/null >>"$(logfiles faults9)" 2>&1 9>&- &
            CHILD[$1]=$!
            ;;
    esac
}

tail_logs() {
    local f
    for f in $(logfiles "$1"); do
        [ -s "$f" ] || continue
        echo "--- tail of $f" >&2
        tail -n 8 "$f" >&2
    done
}

# ready NAME: one readiness probe, no waiting.
ready() {
    case "$1" in
        named)
            live_pid named >/dev/null || return 1
            # +short still prints ";; communications error ..." on stdout:
            # demand an actual MX answer line ("0 cloud-test.mail...").
            dig @"$DNS_ADDR" -p 53 +short +time=1 +tries=1 cloud.test MX 2>/dev/null |
                grep -q '^[0-9][0-9]* [A-Za-z0-9]'
            ;;
        nginx)
            live_pid nginx >/dev/null || return 1
            timeout 2 bash -c "exec 3<>/dev/tcp/${NGINX_PROBE%:*}/${NGINX_PROBE#*:}" 2>/dev/null
            ;;
        blackhole)
            live_pid blackhole >/dev/null || return 1
            # UDP port bound <=> we cannot bind it ourselves.
            "$PYTHON" - "$BH_ADDR" 53 <<'EOF'
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    sys.exit(0 if e.errno == errno.EADDRINUSE else 1)
sys.exit(1)
EOF
            ;;
        tlsstall|tlsgarbage)
            live_pid "$1" >/dev/null || return 1
            local ep
            ep=$(where "$1")
            timeout 2 bash -c "exec 3<>/dev/tcp/${ep%:*}/${ep#*:}" 2>/dev/null
            ;;
        exim|smtphostile|faults9)
            live_pid "$1" >/dev/null || return 1
            local ep=$EXIM_PROBE
            [ "$1" = smtphostile ] && ep=$HOSTILE_PROBE
            [ "$1" = faults9 ] && ep=$FAULTS9_PROBE
            timeout 2 bash -c "exec 3<>/dev/tcp/${ep%:*}/${ep#*:}" 2>/dev/null
            ;;
    esac
}

# abort_start "SERVERS": undo a failed start - stop what this run started.
abort_start() {
    local t
    for t in $1; do stop_one "$t" >/dev/null; done
    release_lo_addr
    err "start failed; stopped what this run had started (logs in $LAB_DIR)"
}

cmd_start() {
    "$ROOT/scripts/deps" lab
    lock

    clean_stale
    local s t started="" pending="" deadline
    for s in $SERVERS; do
        if pid=$(live_pid "$s"); then
            say "$s already running (pid $pid)"
        else
            started="$started $s"
            start_one "$s" || { abort_start "$started"; exit 1; }
        fi
    done

    # Wait (up to LAB_WAIT seconds in total) until every server answers.
    deadline=$(( $(date +%s) + LAB_WAIT ))
    pending=$SERVERS
    while :; do
        local still=""
        local dead=""
        for s in $pending; do
            ready "$s" || still="$still $s"
        done
        pending=${still# }
        [ -n "$pending" ] || break
        # The Python servers run in the foreground of their own session: if
        # one has already exited (e.g. port taken) there is nothing to wait for.
        for s in $pending; do
            if [ -n "${CHILD[$s]:-}" ] && ! proc_alive "${CHILD[$s]}" &&
               ! live_pid "$s" >/dev/null; then
                dead="$dead $s "
            fi
        done
        if [ -n "$dead" ] || [ "$(date +%s)" -ge "$deadline" ]; then
            for s in $pending; do
                if [[ "$dead" == *" $s "* ]]; then
                    err "$s ($(where "$s")) exited during start-up"
                else
                    err "$s ($(where "$s")) not ready after ${LAB_WAIT}s"
                fi
                tail_logs "$s"
            done
            abort_start "$started"
            exit 1
        fi
        sleep 0.2
    done
    say "dns $DNS_ADDR:53, nginx 127.0.1.10-.117 + 127.0.17.30-.32 + [::1]:443, blackhole dns $BH_ADDR:53," \
        "tls stall $STALL_ADDR:$TLS_PORT, tls garbage $GARBAGE_ADDR:$TLS_PORT," \
        "exim 127.0.1.70-.73:25, smtp hostile 127.0.1.80-.92:25 (run dir $LAB_DIR)"
    if [ -r "$CERT_DIR/ca.pem" ]; then
        say "lab root CA: $CERT_DIR/ca.pem (exprobe --ca-file $CERT_DIR/ca.pem)"
    else
        err "warning: no $CERT_DIR/ca.pem (nginx started by an older lab.sh?" \
            "run: ${0##*/} restart)"
    fi
}

# ca: the path of the lab root certificate, for exprobe --ca-file.
cmd_ca() {
    if [ ! -r "$CERT_DIR/ca.pem" ]; then
        err "no $CERT_DIR/ca.pem: the lab is not running (or was started by an older lab.sh)"
        exit 1
    fi
    echo "$CERT_DIR/ca.pem"
}

cmd_stop() {
    [ -d "$LAB_DIR" ] || return 0
    local s rev=""
    for s in $SERVERS; do rev="$s $rev"; done
    lock
    for s in $rev; do stop_one "$s"; done
    release_lo_addr
}

cmd_status() {
    local s pid rc=0
    for s in $SERVERS; do
        if pid=$(live_pid "$s"); then
            printf '%-10s %-16s running (pid %s)\n' "$s" "$(where "$s")" "$pid"
        else
            printf '%-10s %-16s stopped\n' "$s" "$(where "$s")"
            rc=1
        fi
    done
    return $rc
}

usage() {
    cat >&2 <<EOF
usage: ${0##*/} start|stop|status|restart|ca|dir
  start    generate the lab certificates (tests/lab/certs.sh, into
           \$LAB_DIR/certs, when nginx is not already running), start named
           ($DNS_ADDR:53), nginx (127.0.1.10-.117, HTTP and HTTPS), blackhole
           dns ($BH_ADDR:53), tls stall ($STALL_ADDR:$TLS_PORT) and tls garbage
           ($GARBAGE_ADDR:$TLS_PORT), exim (127.0.1.70-.73:25) and the
           scripted SMTP servers (127.0.1.80-.92:25); wait until they answer (LAB_WAIT s,
           default 10); print where the lab root CA (ca.pem) is
  stop     stop them by the PIDs in their pidfiles
  status   one line per server; exit 0 only if all are running
  restart  stop, then start (new certificates)
  ca       print the path of the lab root CA for exprobe --ca-file
           (\$LAB_DIR/certs/ca.pem); exit 1 if it does not exist
  dir      print the run dir (\$LAB_DIR; default /run/exprobe-lab-HASH, one
           per clone, reachable by the daemons' users; build/lab links to it)
run dir: \$LAB_DIR (now $LAB_DIR)
EOF
    exit 2
}

[ $# -eq 1 ] || usage
case "$1" in
    start)   cmd_start ;;
    stop)    cmd_stop ;;
    status)  cmd_status ;;
    restart) cmd_stop; cmd_start ;;
    ca)      cmd_ca ;;
    dir)     echo "$LAB_DIR" ;;
    -h|--help|help) usage ;;
    *) err "unknown command '$1'"; usage ;;
esac
