#!/usr/bin/env bash
# `faultline schema` is a draft 2020-12 JSON Schema that every shipped
# scenario (scenarios/**/*.yaml and docs/TUTORIAL.md's files) satisfies,
# and that refuses, as `faultline check` does, what a schema can see:
# misspelt keys, unknown kinds, values of the wrong scalar type and missing
# required keys. Needs python3-jsonschema and python3-yaml (make deps).
#   FAULTLINE=build/faultline tests/harness/cli/test_schema.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
case $faultline in /*) ;; */*) faultline=$(pwd)/$faultline ;; esac # new runs in a scratch folder
python=/usr/bin/python3
validate=tests/harness/cli/validate_schema.py
source tests/support/checks.sh
scratch=$(mktemp -d /tmp/faultline-schema-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

"$faultline" schema > "$scratch/schema.json"
check "schema exits 0" $?
"$python" -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' "$scratch/schema.json"
check "the output is a valid draft 2020-12 schema" $?
"$faultline" schema --help | grep -q 'yaml-language-server: \$schema='
check "schema --help names the yaml-language-server line" $?
"$faultline" schema extra > /dev/null 2>&1
check "schema refuses an argument with exit 2" "$([ $? -eq 2 ]; echo $?)"

# --- every shipped scenario is valid ----------------------------------------
awk -v dir="$scratch" '
    /^<!-- file: .* -->$/ { name = $3; next }
    /^```yaml$/ && name != "" { out = dir "/tutorial_" name ".yaml"; inside = 1; next }
    /^```$/ && inside { inside = 0; name = ""; close(out); next }
    inside { print > out }
' docs/TUTORIAL.md
# and what `faultline new` writes, for each kind completions/faultline.bash lists
kinds=$(sed -n 's/^_faultline_kinds="\(.*\)"$/\1/p' completions/faultline.bash)
mkdir "$scratch/new"
for kind in $kinds; do
    (cd "$scratch/new" && "$faultline" new "$kind" "new_$kind" > /dev/null)
    check "new $kind writes a file" $?
done
mapfile -t shipped < <(find scenarios -name '*.yaml' | sort; ls "$scratch"/tutorial_*.yaml \
    "$scratch"/new/*.yaml)
check "there are shipped scenarios, tutorial and new files" "$([ ${#shipped[@]} -gt 50 ]; echo $?)"
out=$("$python" "$validate" "$scratch/schema.json" "${shipped[@]}")
check "validation ran" $? "$out"
invalid=$(grep -v '^valid ' <<< "$out")
check "every shipped scenario is valid (${#shipped[@]} files)" "$([ -z "$invalid" ]; echo $?)" \
    "$invalid"

# --- malformed files are refused by the schema and by check ------------------
cat > "$scratch/base.yaml" <<'YAML'
name: a scenario the malformed cases break one way each
seeds: 1..2
network: {latency: 1ms, segmentation: true, backlog: 8}
server:
  routes:
    - path: /
      steps:
        - respond: {status: 200, body: ok}
client:
  timeouts: {read: 2s}
  middleware:
    - retry: {attempts: 2}
  tasks:
    - name: main
      steps:
        - request: {id: get, path: /}
faults:
  - trigger: {at: 1ms}
    action: {delay: 5ms}
expect:
  - step: {step: get, status: 200}
YAML
"$faultline" check "$scratch/base.yaml" > /dev/null 2>&1
check "the base case passes check" $?
out=$("$python" "$validate" "$scratch/schema.json" "$scratch/base.yaml")
check "the base case is valid" "$(grep -q '^valid ' <<< "$out"; echo $?)" "$out"

refused() { # NAME SED-SCRIPT
    sed "$2" "$scratch/base.yaml" > "$scratch/broken.yaml"
    if cmp -s "$scratch/base.yaml" "$scratch/broken.yaml"; then
        check "$1: the case changes the file" 1
        return
    fi
    "$faultline" check "$scratch/broken.yaml" > /dev/null 2>&1
    check "$1: check refuses it" "$([ $? -eq 2 ]; echo $?)"
    local verdict
    verdict=$("$python" "$validate" "$scratch/schema.json" "$scratch/broken.yaml")
    check "$1: the schema refuses it" "$(grep -q '^invalid ' <<< "$verdict"; echo $?)" "$verdict"
}
refused "a misspelt top-level key" 's/^seeds:/sedes:/'
refused "a misspelt network key" 's/latency:/latncy:/'
refused "a misspelt timeout" 's/read: 2s/raed: 2s/'
refused "a misspelt client step key" 's/{id: get/{idd: get/'
refused "a misspelt middleware key" 's/attempts: 2/atempts: 2/'
refused "a misspelt route key" 's/- path: \//- pth: \//'
refused "a misspelt server key" 's/^  routes:/  redirect_slashs: true\n  routes:/'
refused "a misspelt trigger key" 's/{at: 1ms}/{att: 1ms}/'
refused "a misspelt handler step key" 's/body: ok/bdy: ok/'
refused "a misspelt expectation key" 's/step: get, status/step: get, stauts/'
refused "a misspelt fault key" 's/    action: {delay/    acton: {delay/'
refused "an unknown client step" 's/- request:/- requets:/'
refused "an unknown handler step" 's/- respond:/- reply:/'
refused "an unknown client middleware" 's/- retry:/- retries:/'
refused "an unknown expectation kind" 's/- step: {step/- stepp: {step/'
refused "an unknown fault action" 's/{delay: 5ms}/{explode: 5ms}/'
refused "the proxy's answer-instead action" 's/{delay: 5ms}/{answer-instead: {status: 503}}/'
refused "an unknown error kind" 's/status: 200}$/error: NoSuchError}/'
refused "headers as a list" 's/path: \/}/path: \/, headers: [x-a]}/'
refused "a word for a bool" 's/segmentation: true/segmentation: maybe/'
refused "a word for a duration" 's/latency: 1ms/latency: fast/'
refused "a word for a count" 's/backlog: 8/backlog: many/'
refused "a word for a status" 's/status: 200}$/status: ok}/'
refused "a mapping for a duration" 's/read: 2s/read: {s: 2}/'
refused "a missing name" '/^name:/d'
refused "a missing client" '/^client:/,/request:/d'
refused "a route without its path" 's/- path: \//- method: GET/'
checks_summary
