#!/usr/bin/env bash
# docs/TUTORIAL.md stays true: each ```yaml block after a "<!-- file: NAME -->"
# line is written out and must pass check and run; and each fails when what
# it pins down is taken away (the retry's third attempt, the stall, the reset).
#   FAULTLINE=build/faultline tests/docs/test_tutorial.sh
set -u
cd "$(dirname "$0")/../.."
faultline=${FAULTLINE:-build/faultline}
source tests/support/checks.sh
scratch=$(mktemp -d /tmp/faultline-tutorial-XXXXXX)
awk -v dir="$scratch" '
    /^<!-- file: .* -->$/ { name = $3; next }
    /^```yaml$/ && name != "" { out = dir "/" name; inside = 1; next }
    /^```$/ && inside { inside = 0; name = ""; close(out); next }
    inside { print > out }
' docs/TUTORIAL.md
for f in flaky stalled reset_stream; do
    file=$scratch/$f.yaml
    check "$f.yaml is on the page" "$([ -s "$file" ]; echo $?)"
    out=$("$faultline" check "$file" 2>&1)
    check "$f.yaml passes check" $? "$out"
    out=$("$faultline" run "$file" --jobs 1 2>&1)
    check "$f.yaml holds" $? "$out"
done
broken() { # NAME FILE SED: the file changed by SED must fail (exit 1)
    sed "$3" "$2" > "$scratch/broken.yaml"
    "$faultline" run "$scratch/broken.yaml" --jobs 1 --seeds 1..3 > /dev/null 2>&1
    check "$1" "$([ $? -eq 1 ]; echo $?)"
}
broken "with two attempts the flaky GET fails" "$scratch/flaky.yaml" 's/attempts: 3}/attempts: 2}/'
broken "without the stall there is no timeout" "$scratch/stalled.yaml" '/^faults:/,/action:/d'
broken "the timeout is at 2.001 s, not later" "$scratch/stalled.yaml" 's/read: 2s/read: 3s/'
broken "without the reset the stream ends well" "$scratch/reset_stream.yaml" '/^faults:/,/action:/d'
rm -rf "$scratch"
checks_summary
