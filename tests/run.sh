#!/usr/bin/env bash
# Runs each cmocka test binary (or script test) in its own process with a
# time limit: a header line per binary, its output, and one summary line at
# the end: "LABEL: N passed, N failed in N binaries" (LABEL: FL_TEST_LABEL,
# default "tests"). V=1 prints every binary's whole output; otherwise a
# binary that passed shows its header with its count, and one that failed,
# crashed or timed out its whole output too. Exit status 1 if any binary
# failed, crashed or timed out.
set -u
limit=${FL_TEST_TIMEOUT:-600}
label=${FL_TEST_LABEL:-tests}
verbose=${V:-0}
passed=0
failed=0
failed_names=()
for bin in "$@"; do
    # FL_TEST_WRAPPER runs each binary under a tool (valgrind) when set.
    out=$(timeout --kill-after=10 "$limit" ${FL_TEST_WRAPPER:-} "$bin" 2>&1)
    rc=$?
    # cmocka prints one "[  PASSED  ] N test(s)." and maybe "[  FAILED  ] N test(s)..."
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    verdict="${p:-0} passed"
    if [ "$rc" -ne 0 ]; then
        failed_names+=("$bin (exit $rc)")
        verdict="$verdict, ${f:-0} failed, exit $rc"
        # A crash or timeout reports no cmocka failure line: count it as one.
        [ -z "$f" ] && failed=$((failed + 1))
    fi
    printf '== %s: %s\n' "$bin" "$verdict"
    if [ "$verbose" = 1 ] || [ "$rc" -ne 0 ]; then printf '%s\n' "$out"; fi
done
if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failing test binaries:"
    for n in "${failed_names[@]}"; do echo "  $n"; done
fi
noun=binaries
[ $# -eq 1 ] && noun=binary
case "$*" in *.sh) noun=scripts; [ $# -eq 1 ] && noun=script ;; esac
echo "$label: $passed passed, $failed failed in $# $noun"
[ ${#failed_names[@]} -eq 0 ]
