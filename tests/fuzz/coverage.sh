#!/usr/bin/env bash
# Line and branch coverage of each fuzz target's own sources, from its
# corpus: the seeds (tests/fuzz/corpus/NAME and NAME.seeds_from) and what
# `make fuzz` found (build/fuzz/corpus/NAME), each input run once by a build
# with clang's source-based coverage. One line a target:
#   fuzz_response: 412 inputs, lines 97.1%, branches 91.3% of client/response_parser.c
# Usage: tests/fuzz/coverage.sh BINARY...   (`make fuzz-coverage`)
# The sources measured are listed in tests/fuzz/NAME.sources.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=build/fuzz-cov
failed=0
for bin in "$@"; do
    name=$(basename "$bin")
    read -r -a sources <"$here/$name.sources"
    corpora=("$here/corpus/$name")
    [ -d "build/fuzz/corpus/$name" ] && corpora+=("build/fuzz/corpus/$name")
    if [ -f "$here/$name.seeds_from" ]; then
        while read -r folder; do [ -n "$folder" ] && corpora+=("$folder"); done <"$here/$name.seeds_from"
    fi
    rm -f "$work/$name".profraw "$work/$name".profdata
    if ! LLVM_PROFILE_FILE="$work/$name.profraw" "$bin" -runs=0 "${corpora[@]}" >"$work/$name.log" 2>&1; then
        echo "$name: FAILED replaying its corpus; see $work/$name.log"
        failed=1
        continue
    fi
    inputs=$(sed -n 's/.*INFO: seed corpus: files: \([0-9]*\).*/\1/p' "$work/$name.log" | tail -1)
    llvm-profdata merge -sparse "$work/$name.profraw" -o "$work/$name.profdata"
    total=$(llvm-cov report "$bin" -instr-profile="$work/$name.profdata" "${sources[@]}" | tail -1)
    # TOTAL regions missed cover% functions missed executed% lines missed cover% branches missed cover%
    read -r -a t <<<"$total"
    echo "$name: ${inputs:-?} inputs, lines ${t[9]:-?}, branches ${t[12]:-?} of ${sources[*]}"
done
exit $failed
