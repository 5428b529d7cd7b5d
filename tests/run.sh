#!/usr/bin/env bash
# tests/run.sh - run exprobe's tests; the LAST line of output is
# "N passed, N failed".
#
#   tests/run.sh BUILD               unit tests (BUILD/tests/test_*, cmocka),
#                                    then the integration tests against the lab,
#                                    then the TUI tests (tmux) against the lab
#   tests/run.sh BUILD integration   integration tests only
#   tests/run.sh BUILD tui           TUI tests only
#
# Unit tests: every executable BUILD/tests/test_*; counts come from cmocka's
# "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:" lines;
# a binary that crashes, hangs (UNIT_TIMEOUT s, default 120) or exits non-zero
# without a FAILED line counts as one failed test.
#
# Integration: starts the lab (tests/lab/lab.sh start), runs
# tests/integration/harness.py with EXPROBE=BUILD/exprobe, and stops the lab
# again on exit (also on failure or Ctrl-C) - unless the lab was already
# fully running before, then it is left as found. LAB_KEEP=1: never stop it.
#
# TUI: tests/tui/tui_tests.py drives `exprobe -i` in private tmux servers
# against the same lab (one session under ASan when BUILD/asan/exprobe
# exists: make asan); the screens it saw go to BUILD/test-logs/tui/.
#
# Environment passed through: EXPROBE_WRAPPER (e.g. "valgrind
# --error-exitcode=99 -q"), LAB_DNS, LAB_BLACKHOLE, LAB_DIR, PYTHON,
# TEST_PATTERN (only integration tests matching it).
#
# Exit status 0 only if no test failed and at least one test ran.
set -u

usage() { echo "usage: $0 BUILD [integration|tui]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
MODE=${2:-all}
case "$MODE" in all|integration|tui) ;; *) usage ;; esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$1
case "$BUILD" in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
BUILD=${BUILD%/}
cd "$ROOT" || exit 2

if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
LOG_DIR=$BUILD/test-logs
mkdir -p "$LOG_DIR"

PASSED=0
FAILED=0
LAB_STARTED=""

section() { printf '\n=== %s\n' "$*"; }
indent() { sed -u 's/^/  /'; }

# ------------------------------------------------------------------ unit

# count_cmocka LOG: print "PASSED FAILED" summed over the binary's groups.
count_cmocka() {
    awk '
        /^\[  PASSED  \] [0-9]+ test\(s\)\./ { p += $4 }
        /^\[  FAILED  \] [0-9]+ test\(s\), listed below:/ { f += $4; saw = 1 }
        END { printf "%d %d %d\n", p, f, saw }
    ' "$1"
}

run_unit() {
    local bins=() b name log rc p f saw
    for b in "$BUILD"/tests/test_*; do
        if [ ! -f "$b" ] || [ ! -x "$b" ]; then continue; fi
        case "$b" in *.o|*.d|*.dSYM) continue ;; esac
        bins+=("$b")
    done
    section "unit tests (${#bins[@]} binaries in $BUILD/tests)"
    if [ ${#bins[@]} -eq 0 ]; then
        echo "  none built"
        return
    fi
    for b in "${bins[@]}"; do
        name=${b##*/}
        log=$LOG_DIR/$name.log
        echo "--- $name"
        # Show the run as it goes, minus cmocka's "[ RUN      ]" noise.
        CMOCKA_MESSAGE_OUTPUT=stdout CMOCKA_XML_FILE='' \
            timeout -k 5 "$UNIT_TIMEOUT" "$b" </dev/null 2>&1 | tee "$log" |
            grep -v --line-buffered '^\[ RUN      \]' | indent
        rc=${PIPESTATUS[0]}
        read -r p f saw < <(count_cmocka "$log")
        if [ "$rc" -ne 0 ] && [ "$saw" -eq 0 ]; then
            f=$((f + 1))
            case $rc in
                124|137) echo "  $name: TIMEOUT after ${UNIT_TIMEOUT}s (counted as 1 failed)" ;;
                *)       if [ "$rc" -gt 128 ]; then
                             echo "  $name: killed by signal $((rc - 128)) (counted as 1 failed)"
                         else
                             echo "  $name: exit $rc without a cmocka FAILED line (counted as 1 failed)"
                         fi ;;
            esac
        fi
        echo "  -> $name: $p passed, $f failed"
        PASSED=$((PASSED + p))
        FAILED=$((FAILED + f))
    done
}

# ------------------------------------------------------------------ lab

lab_stop() {
    if [ -n "$LAB_STARTED" ] && [ "${LAB_KEEP:-0}" != 1 ]; then
        LAB_STARTED=""
        section "stopping the lab"
        tests/lab/lab.sh stop 2>&1 | indent
    fi
}

# Interrupted: stop the lab, and still end with the counts line (the
# interruption counted as one failure).
INTERRUPTED=""
on_exit() {
    local rc=$?
    lab_stop
    if [ -n "$INTERRUPTED" ]; then
        section "summary ($INTERRUPTED)"
        echo "$PASSED passed, $((FAILED + 1)) failed"
    fi
    exit $rc
}
trap on_exit EXIT
trap 'INTERRUPTED=interrupted; exit 130' INT
trap 'INTERRUPTED=terminated; exit 143' TERM

# lab_up WHAT: the lab is running (started if needed); 1 if it is not.
lab_up() {
    if tests/lab/lab.sh status >/dev/null 2>&1; then
        [ -n "$LAB_STARTED" ] || echo "  lab already running: using it, and leaving it running"
        return 0
    fi
    LAB_STARTED=1
    tests/lab/lab.sh start 2>&1 | indent
    if [ "${PIPESTATUS[0]}" -ne 0 ]; then
        lab_stop
        echo "  the lab did not start: $1 not run (counted as 1 failed)"
        FAILED=$((FAILED + 1))
        return 1
    fi
}

# count_summary LOG WHAT: add LOG's last "N passed, N failed" to the totals.
count_summary() {
    local line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        echo "  the $2 ended without its summary line (counted as 1 failed)"
        FAILED=$((FAILED + 1))
        return
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed}
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
}

run_integration() {
    local log=$LOG_DIR/integration.log
    section "integration tests (exprobe: $BUILD/exprobe)"
    if [ ! -x "$BUILD/exprobe" ]; then
        echo "  $BUILD/exprobe is missing: run make first (counted as 1 failed)"
        FAILED=$((FAILED + 1))
        return
    fi
    lab_up "integration tests" || return
    # shellcheck disable=SC2086  # TEST_PATTERN may hold several patterns
    EXPROBE=$BUILD/exprobe EXPROBE_ASAN=$BUILD/asan/exprobe PYTHONDONTWRITEBYTECODE=1 \
        "$PYTHON" -u tests/integration/harness.py ${TEST_PATTERN:-} 2>&1 |
        tee "$log" | indent
    count_summary "$log" harness
}

run_tui() {
    local log=$LOG_DIR/tui.log
    section "TUI tests in tmux (exprobe -i: $BUILD/exprobe)"
    if [ ! -x "$BUILD/exprobe" ]; then
        echo "  $BUILD/exprobe is missing: run make first (counted as 1 failed)"
        FAILED=$((FAILED + 1))
        return
    fi
    lab_up "TUI tests" || return
    EXPROBE=$BUILD/exprobe EXPROBE_ASAN=$BUILD/asan/exprobe TUI_LOG_DIR=$LOG_DIR/tui \
        PYTHONDONTWRITEBYTECODE=1 "$PYTHON" -u tests/tui/tui_tests.py 2>&1 |
        tee "$log" | indent
    count_summary "$log" "TUI tests"
}

# ------------------------------------------------------------------ main

[ "$MODE" = all ] && run_unit
[ "$MODE" = tui ] || run_integration
[ "$MODE" = integration ] || run_tui
lab_stop

section "summary"
if [ $((PASSED + FAILED)) -eq 0 ]; then
    echo "  no test ran"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
