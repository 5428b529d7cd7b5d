#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD SECONDS [NAME...] - run each libFuzzer harness
# BUILD/fuzz_NAME for SECONDS on its seed corpus tests/fuzz/corpus/NAME (new
# inputs go to BUILD/corpus/NAME, the tree's seeds are never changed). One
# line per harness: executions, coverage, corpus size; a crash, leak, timeout
# or sanitizer report fails it (the input is kept as BUILD/crashes/NAME-*: turn
# it into a unit test). Extra libFuzzer flags: tests/fuzz/fuzz_NAME.options.
# Last line: "N passed, N failed"; exit 0 only when none failed.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:?usage: run.sh BUILD SECONDS [NAME...]}
SECONDS_EACH=${2:?usage: run.sh BUILD SECONDS [NAME...]}
shift 2
case "$BUILD" in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
cd "$ROOT" || exit 2
mkdir -p "$BUILD/crashes" "$BUILD/logs"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for b in "$BUILD"/fuzz_*; do
        [ -x "$b" ] && names+=("${b##*/fuzz_}")
    done
fi
passed=0
failed=0
printf '%-14s %10s %8s %8s %7s  %s\n' harness execs exec/s cov corpus result
for name in "${names[@]}"; do
    bin=$BUILD/fuzz_$name
    seeds=tests/fuzz/corpus/$name
    work=$BUILD/corpus/$name
    log=$BUILD/logs/$name.log
    mkdir -p "$work" "$seeds"
    # shellcheck disable=SC2046  # the options file holds several flags
    timeout -k 10 $((SECONDS_EACH + 120)) "$bin" -max_total_time="$SECONDS_EACH" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$BUILD/crashes/$name-" \
        $(cat "tests/fuzz/fuzz_$name.options" 2>/dev/null) \
        "$work" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    corp=$(find "$work" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        result=ok
        passed=$((passed + 1))
    else
        result="FAIL (exit $rc; $(grep -m1 -o 'ERROR: [A-Za-z]*[^\n]*\|fuzz: property failed[^\n]*\|runtime error:[^\n]*' "$log" | cut -c1-120); log $log; input: $(ls -t "$BUILD/crashes/$name-"* 2>/dev/null | head -n 1))"
        failed=$((failed + 1))
    fi
    printf '%-14s %10s %8s %8s %7s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
        "$corp" "$result"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
