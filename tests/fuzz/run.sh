#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS and prints one line a target:
#   fuzz_loader: 60 s, 812345 runs (13539/s), cov 2817, ft 9120, corpus 612 inputs
# Usage: tests/fuzz/run.sh SECONDS BINARY...   (`make fuzz`, `make fuzz-smoke`)
#
# Each target NAME reads its seed corpus tests/fuzz/corpus/NAME (never
# written), the folders named in tests/fuzz/NAME.seeds_from (one a line,
# from the repository root: the loader starts from every shipped scenario),
# and its dictionary tests/fuzz/NAME.dict, and keeps what it finds
# in build/fuzz/corpus/NAME, so a longer run starts where the last one
# stopped. A crash, leak, sanitizer report or broken oracle fails the run and
# prints the command that replays the input. Exit status 1 if any target
# failed.
set -u
seconds=${1:?usage: run.sh SECONDS BINARY...}
shift
case $seconds in '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
work=build/fuzz
failed=0
for bin in "$@"; do
    name=$(basename "$bin")
    seeds="$here/corpus/$name"
    found="$work/corpus/$name"
    artifacts="$work/artifacts/$name"
    mkdir -p "$found" "$artifacts"
    also=()
    if [ -f "$here/$name.seeds_from" ]; then
        while read -r folder; do [ -n "$folder" ] && also+=("$folder"); done <"$here/$name.seeds_from"
    fi
    dict=()
    [ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
    log="$work/$name.log"
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds
    # memory (a loader that expands a small file into gigabytes fails here).
    # The wall-clock guard outlives -max_total_time by a margin for the
    # corpus's first pass.
    timeout --kill-after=10 $((seconds + 120)) "$bin" "${dict[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$found" "$seeds" "${also[@]}" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    inputs=$(find "$found" -type f | wc -l)
    if [ "$rc" -ne 0 ]; then
        failed=1
        crash=$(ls -t "$artifacts" 2>/dev/null | head -1)
        echo "$name: FAILED (exit $rc) after ${runs:-?} runs; the last lines of $log:"
        tail -n 30 "$log" | sed 's/^/  /'
        [ -n "$crash" ] && echo "  replay: $bin $artifacts/$crash"
    else
        echo "$name: $seconds s, ${runs:-0} runs (${speed:-0}/s), cov ${cov:-0}, ft ${ft:-0}, corpus $inputs inputs"
    fi
done
exit $failed
