# The checks of a script test, sourced: `check NAME STATUS [WHY]` records one
# as cmocka prints it, and `checks_summary` prints cmocka's summary lines (so
# tests/run.sh counts them) and returns 1 when one failed.
passed=0
failed=0

check() { # NAME STATUS [WHY]
    if [ "$2" -eq 0 ]; then
        echo "[       OK ] $1"; passed=$((passed + 1))
    else
        echo "[  FAILED  ] $1${3:+: $3}"; failed=$((failed + 1))
    fi
}

checks_summary() {
    echo "[==========] $((passed + failed)) test(s) run."
    echo "[  PASSED  ] $passed test(s)."
    [ "$failed" -eq 0 ] || echo "[  FAILED  ] $failed test(s), listed above."
    [ "$failed" -eq 0 ]
}
