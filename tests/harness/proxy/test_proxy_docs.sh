#!/usr/bin/env bash
# docs/PROXY.md stays true: each ```yaml block after a "<!-- file: NAME -->"
# line loads (the proxy starts on it and counts its faults); each
# `build/faultline proxy` command of the page's sh blocks runs (its ports
# made 0, for at most 1 s) and exits as the page says (0, or 2 where its
# comment says "exit 2", with the page's message); the admin API's curl
# commands answer 200, 201, 204, 200 against a proxy started with --admin;
# the events table names every proxy row of sim/net/protocol_event.h; and
# the README's command list has the proxy.
#   FAULTLINE=build/faultline tests/harness/proxy/test_proxy_docs.sh
set -u
cd "$(dirname "$0")/../../.."
root=$PWD
faultline=${FAULTLINE:-build/faultline}
case "$faultline" in /*) ;; *) faultline=$root/$faultline ;; esac
source tests/support/checks.sh
source tests/harness/proxy/support.sh
scratch=$(mktemp -d /tmp/faultline-proxy-docs-XXXXXX)
proxy_pid=
trap 'stop "$proxy_pid"; rm -rf "$scratch"' EXIT
page=docs/PROXY.md

awk -v dir="$scratch" '
    /^<!-- file: .* -->$/ { name = $3; next }
    /^```yaml$/ && name != "" { out = dir "/" name; inside = 1; next }
    /^```$/ && inside { inside = 0; name = ""; close(out); next }
    inside { print > out }
' "$page"

# --- the fault files ------------------------------------------------------------------
for f in sse_reset busy_second flaky; do
    file=$scratch/$f.yaml
    check "$f.yaml is on the page" "$([ -s "$file" ]; echo $?)"
    out=$(timeout 10 "$faultline" proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:9 "$file" \
        --duration 1 2>&1); rc=$?
    check "$f.yaml loads (the proxy starts with its fault, exits 0)" \
        "$([ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q '"event":"listening".*"faults":1'; echo $?)" \
        "exit $rc: $out"
done

# --- the proxy commands -----------------------------------------------------------------
commands=$(awk '/^```sh$/ {inside = 1; next} /^```$/ {inside = 0} inside' "$page" |
           grep '^build/faultline proxy ')
check "the page has proxy commands" "$([ -n "$commands" ]; echo $?)"
while IFS= read -r line; do
    want=0
    case "$line" in *"# exit 2"*) want=2 ;; esac
    run=$(printf '%s' "$line" | sed -e 's/ *#.*$//' -e 's/:80[0-9][0-9]\b/:0/g' \
        -e 's/--upstream 127\.0\.0\.1:0/--upstream 127.0.0.1:8000/' -e 's/--duration [0-9]*//')
    [ "$want" -eq 0 ] && run="$run --duration 1"
    out=$(cd "$scratch" && eval "timeout 10 ${run/#build\/faultline/\"\$faultline\"}" 2>&1); rc=$?
    check "runs, exit $want: ${line%%   #*}" "$([ "$rc" -eq "$want" ]; echo $?)" "exit $rc: $out"
    if [ "$want" -eq 2 ]; then
        check "its message is the page's" \
            "$(printf '%s' "$out" | grep -qF 'is not a loopback address (add --allow-remote to listen there)'; echo $?)" \
            "$out"
    fi
done <<<"$commands"

# --- the admin API's curl commands -------------------------------------------------------
timeout 30 "$faultline" proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:9 \
    --admin 127.0.0.1:0 --log "$scratch/admin.log" 2>"$scratch/admin.err" &
proxy_pid=$!
wait_for "$scratch/admin.log" '"event":"listening"'
admin=$(listening_port "$scratch/admin.log" admin)
check "the proxy with --admin says its admin port" "$([ -n "$admin" ]; echo $?)" "$(cat "$scratch/admin.err")"
codes=
while IFS= read -r line; do
    run=$(printf '%s' "$line" | sed "s/127\.0\.0\.1:8081/127.0.0.1:$admin/")
    code=$(eval "timeout 10 $run -o /dev/null -w '%{http_code}'" 2>/dev/null)
    codes="$codes ${code:-none}"
done < <(awk '/^```sh$/ {inside = 1; next} /^```$/ {inside = 0} inside' "$page" | grep '^curl ')
check "the admin commands answer 200 201 204 200" "$([ "$codes" = " 200 201 204 200" ]; echo $?)" \
    "got$codes"
interrupt "$proxy_pid"; proxy_pid=

# --- the events table and the README ------------------------------------------------------
missing=
for event in $(grep -o '"proxy\.[a-z_]*"' sim/net/protocol_event.h | tr -d '"'); do
    grep -qF "| \`$event\` |" "$page" || missing="$missing $event"
done
check "the events table has every proxy row of protocol_event.h" "$([ -z "$missing" ]; echo $?)" \
    "missing:$missing"
check "the README's command list has the proxy" \
    "$(grep -q '^build/faultline proxy ' README.md; echo $?)"

checks_summary
