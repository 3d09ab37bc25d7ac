#!/usr/bin/env bash
# `faultline new` through the binary: a file of every kind `new --help`
# lists, each of which `check` accepts and `run` passes with its faults
# firing (its timeline shows a fault event at seed 1), and which together
# with the shipped suites pass `run --require-marks` (the marks are counted
# over the whole run, so the starters alone do not reach every one).
# faultline(1) lists the same kinds.
#
# Prints cmocka's summary lines, so tests/run.sh counts the checks:
#   FAULTLINE=build/faultline tests/harness/cli/test_new_suite.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
source tests/support/checks.sh

scratch=$(mktemp -d /tmp/faultline-new-XXXXXX)
kinds=$("$faultline" new --help | awk '/^  kinds:/ { on = 1; next } /^exit/ { on = 0 } on { print $1 }')
check "new --help lists seven kinds" "$([ "$(echo "$kinds" | wc -l)" -eq 7 ]; echo $?)" "$kinds"
for kind in $kinds; do
    file=$scratch/starter_$kind.yaml
    out=$("$faultline" new "$kind" "$scratch/starter_$kind" 2>&1)
    check "new $kind writes its file" "$([ -f "$file" ]; echo $?)" "$out"
    out=$("$faultline" check "$file" 2>&1)
    check "check accepts the $kind starter" $? "$out"
    out=$("$faultline" run "$file" 2>&1)
    check "run passes the $kind starter" $? "$out"
    "$faultline" replay "$file" --seed 1 2>/dev/null | grep -Eq '^ +[0-9.]+ +[^ ]+ +fault '
    check "the $kind starter's fault fires at seed 1" $?
    grep -q '^\.B '"$(echo "$kind" | sed 's/-/\\\\-/g')"'$' man/faultline.1
    check "faultline(1) lists the $kind kind" $?
done
out=$("$faultline" run scenarios/ "$scratch" --require-marks 2>&1)
check "the starters and the shipped suites pass run --require-marks" $? "$(echo "$out" | tail -3)"
before=$(cat "$scratch/starter_retry.yaml")
"$faultline" new stream "$scratch/starter_retry.yaml" >/dev/null 2>&1
status=$?
check "new refuses to overwrite a file" \
    "$([ $status -eq 2 ] && [ "$(cat "$scratch/starter_retry.yaml")" = "$before" ]; echo $?)"
rm -rf "$scratch"
checks_summary
