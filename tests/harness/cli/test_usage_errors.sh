#!/usr/bin/env bash
# The faultline binary's usage errors: an unknown command names the likely
# one and the commands, exits 2, and does not print the whole help. Prints
# cmocka-style lines so tests/run.sh counts them. FAULTLINE: the binary.
set -u
bin=${FAULTLINE:?set FAULTLINE to the faultline binary}
passed=0
failed=0
check() { # NAME COMMAND... : the command's status is 0
    local name=$1
    shift
    if "$@"; then
        echo "[       OK ] $name"
        passed=$((passed + 1))
    else
        echo "[  FAILED  ] $name"
        failed=$((failed + 1))
    fi
}
out=$("$bin" rnu 2>&1)
rc=$?
check "an unknown command exits 2" test "$rc" -eq 2
check "it names the likely command" grep -q "unknown command 'rnu' (did you mean 'run'?)" <<<"$out"
check "it lists the commands" grep -q "^commands: run, replay, explore" <<<"$out"
check "it points at --help" grep -q "^Try 'faultline --help' for more.$" <<<"$out"
check "it does not print the whole help" test "$(grep -c . <<<"$out")" -eq 3
out=$("$bin" frobnicate 2>&1)
check "no likely command: no guess" bash -c '! grep -q "did you mean" <<<"$1"' _ "$out"
out=$("$bin" run --bogus 2>&1)
rc=$?
check "a bad option exits 2" test "$rc" -eq 2
check "a bad option shows the synopsis" grep -q "^usage: faultline run PATH" <<<"$out"
check "and the help hint" grep -q "^Try 'faultline run --help' for more.$" <<<"$out"
echo "[==========] $((passed + failed)) test(s) run."
echo "[  PASSED  ] $passed test(s)."
[ "$failed" -eq 0 ] || echo "[  FAILED  ] $failed test(s)."
[ "$failed" -eq 0 ]
