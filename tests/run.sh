#!/usr/bin/env bash
# Runs each cmocka test binary in its own process with a time limit, and ends
# with one summary line: "tests: N passed, N failed". Exit status 1 if any
# binary failed, crashed or timed out.
set -u
limit=${FL_TEST_TIMEOUT:-600}
passed=0
failed=0
failed_names=()
for bin in "$@"; do
    # FL_TEST_WRAPPER runs each binary under a tool (valgrind) when set.
    out=$(timeout --kill-after=10 "$limit" ${FL_TEST_WRAPPER:-} "$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    # cmocka prints one "[  PASSED  ] N test(s)." and maybe "[  FAILED  ] N test(s)..."
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ]; then
        failed_names+=("$bin (exit $rc)")
        # A crash or timeout reports no cmocka failure line: count it as one.
        [ -z "$f" ] && failed=$((failed + 1))
    fi
done
if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failing test binaries:"
    for n in "${failed_names[@]}"; do echo "  $n"; done
fi
echo "tests: $passed passed, $failed failed"
[ ${#failed_names[@]} -eq 0 ]
