#!/usr/bin/env bash
# run's progress line: drawn on a terminal (a pseudo-terminal from
# script(1)), with workers and without, erased before each scenario's line;
# never written when standard error is not a terminal.
#   FAULTLINE=build/faultline tests/harness/cli/test_progress.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
source tests/support/checks.sh
# script(1) runs the command under a pseudo-terminal: stdout and stderr are
# the terminal, so both streams arrive in its output, in order.
for jobs in 1 2; do
    out=$(script -qec "$faultline run scenarios/retry --jobs $jobs" /dev/null | tr '\r' '\n' | sed 's/\x1b\[K//g')
    lines=$(grep -c '^\[[0-9]*/14\] [0-9]* seeds/s, [0-9]* failed' <<<"$out")
    check "--jobs $jobs: a progress line per file on a terminal" "$([ "$lines" -ge 14 ]; echo $?)" \
        "$lines lines"
    check "--jobs $jobs: the last one counts every file" \
        "$(grep -q '^\[14/14\] [0-9]* seeds/s, 1 failed\|^\[14/14\] [0-9]* seeds/s, 0 failed' <<<"$out"; echo $?)"
    check "--jobs $jobs: the summary still ends the run" \
        "$(grep -q '^14 scenarios: 14 held, 0 failed, 0 invalid' <<<"$out"; echo $?)"
done
piped=$("$faultline" run scenarios/retry --jobs 2 2>&1 | cat)
check "no progress line when not a terminal" "$(! grep -q 'seeds/s' <<<"$piped"; echo $?)"
check "and no terminal escapes" "$(! grep -q $'\033' <<<"$piped"; echo $?)"
checks_summary
