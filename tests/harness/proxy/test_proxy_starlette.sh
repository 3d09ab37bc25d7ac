#!/usr/bin/env bash
# Story 2 against the real framework: Starlette 0.26 (Debian's) under real
# uvicorn 0.17, an SSE endpoint (sse_app.py: an event every 50 ms, a plain
# and a shielded cleanup), behind `faultline proxy` with the fault
#   {trigger: {event: proxy.sse_event, count: 3}, action: reset}
# and curl reading the stream. The client gets exactly 3 events, the proxy
# logs one fault, and the app's log shows what story 2 says: the body
# iterator cancelled at its pending await, the exception handler never
# called, the plain cleanup cut short (started, never done) and the
# shielded one completed. The same run without the fault is the control:
# every event arrives, nothing is cancelled, both cleanups complete.
#
# Prints cmocka's summary lines, so tests/run.sh counts the checks:
#   FAULTLINE=build/faultline tests/harness/proxy/test_proxy_starlette.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
python=/usr/bin/python3
source tests/support/checks.sh
source tests/harness/proxy/support.sh
work=$(mktemp -d)
app_pid=
proxy_pid=
trap 'stop "$proxy_pid"; stop "$app_pid"; rm -rf "$work"' EXIT

EVENTS=40 # the app's whole stream: 2 s

cat > "$work/reset.yaml" <<'YAML'
description: story 2 - the connection is reset once the third event has reached the client
faults:
  - trigger: {event: proxy.sse_event, count: 3}
    action: reset
YAML

count() { grep -cF -- "$2" "$1" 2>/dev/null || true; } # FILE TEXT: lines with TEXT (0 too)

# start_app RUN: uvicorn with the app, its port into $app_port.
start_app() {
    : >"$work/$1.app.log"
    timeout 60 "$python" tests/harness/proxy/sse_app.py "$work/$1.port" "$work/$1.app.log" \
        "$EVENTS" 2>"$work/$1.app.err" &
    app_pid=$!
    for _ in $(seq 200); do [ -s "$work/$1.port" ] && break; sleep 0.05; done
    app_port=$(cat "$work/$1.port" 2>/dev/null)
    [ -n "$app_port" ] || { echo "the app did not start: $(cat "$work/$1.app.err")"; return 1; }
}

# start_proxy RUN [FAULTS]: the proxy in front of the app, its port (from
# the listening line) into $proxy_port.
start_proxy() {
    timeout 60 "$faultline" proxy --listen 127.0.0.1:0 --upstream "127.0.0.1:$app_port" \
        ${2:+"$2"} --log "$work/$1.proxy.log" >"$work/$1.proxy.out" 2>"$work/$1.proxy.err" &
    proxy_pid=$!
    wait_for "$work/$1.proxy.log" '"event":"listening"'
    proxy_port=$(listening_port "$work/$1.proxy.log")
    [ -n "$proxy_port" ] || { echo "the proxy did not start: $(cat "$work/$1.proxy.err")"; return 1; }
}

# story RUN [FAULTS]: the app, the proxy, curl through it to the stream's
# end; then the app's cleanups awaited, the proxy stopped with SIGINT (its
# exit status into $proxy_rc), the app stopped.
story() {
    curl_rc=none proxy_rc=none
    : >"$work/$1.client"; : >"$work/$1.proxy.log"
    if start_app "$1" && start_proxy "$@"; then
        timeout 20 curl -sN --max-time 15 "http://127.0.0.1:$proxy_port/events" \
            >"$work/$1.client" 2>"$work/$1.curl.err"
        curl_rc=$?
        wait_for "$work/$1.app.log" "shielded cleanup done"
        interrupt "$proxy_pid"; proxy_rc=$rc
    fi
    stop "$proxy_pid"; proxy_pid=
    stop "$app_pid"; app_pid=
}

# --- the fault: reset after the third event ---------------------------------------
story fault "$work/reset.yaml"
events=$(count "$work/fault.client" "data: ")
check "fault: the client got exactly 3 events" "$([ "$events" -eq 3 ]; echo $?)" \
    "got $events: $(head -c 300 "$work/fault.client")"
check "fault: curl saw the connection reset (exit 56)" "$([ "$curl_rc" -eq 56 ]; echo $?)" \
    "curl exit $curl_rc: $(cat "$work/fault.curl.err")"
faults=$(count "$work/fault.proxy.log" '"event":"fault"')
check "fault: the proxy's log has one fault line" "$([ "$faults" -eq 1 ]; echo $?)" \
    "$faults fault lines in: $(cat "$work/fault.proxy.log")"
check "fault: the fault line is the event trigger's reset" \
    "$(grep '"event":"fault"' "$work/fault.proxy.log" | grep -F '"trigger":"event"' |
       grep -qF '"action":"reset"'; echo $?)" "$(grep '"event":"fault"' "$work/fault.proxy.log")"
check "fault: the connection ended in the reset" \
    "$(grep '"state":"closed"' "$work/fault.proxy.log" | grep -qF '"end":"reset"'; echo $?)" \
    "$(grep '"state":"closed"' "$work/fault.proxy.log")"
check "fault: the summary counts the fault; SIGINT exits 0" \
    "$(grep '"event":"summary"' "$work/fault.proxy.log" | grep -qF '"faults_fired":1' &&
       [ "$proxy_rc" -eq 0 ]; echo $?)" "exit $proxy_rc, $(grep summary "$work/fault.proxy.log")"
app=$work/fault.app.log
check "fault: the body iterator was cancelled" \
    "$([ "$(count "$app" "body iterator cancelled")" -eq 1 ]; echo $?)" "$(cat "$app")"
check "fault: the stream did not complete" "$([ "$(count "$app" "stream completed")" -eq 0 ]; echo $?)"
check "fault: the exception handler was never called" \
    "$([ "$(count "$app" "exception handler called")" -eq 0 ]; echo $?)"
check "fault: the plain cleanup started" "$([ "$(count "$app" "plain cleanup started")" -eq 1 ]; echo $?)"
check "fault: the plain cleanup was cut short (never done)" \
    "$([ "$(count "$app" "plain cleanup done")" -eq 0 ]; echo $?)" "$(cat "$app")"
check "fault: the shielded cleanup completed" \
    "$([ "$(count "$app" "shielded cleanup done")" -eq 1 ]; echo $?)" "$(cat "$app")"

# --- the control: the same run without the fault ------------------------------------
story control
events=$(count "$work/control.client" "data: ")
check "control: the client got all $EVENTS events" "$([ "$events" -eq "$EVENTS" ]; echo $?)" \
    "got $events"
check "control: curl ended well (exit 0)" "$([ "$curl_rc" -eq 0 ]; echo $?)" \
    "curl exit $curl_rc: $(cat "$work/control.curl.err")"
check "control: no fault line" "$([ "$(count "$work/control.proxy.log" '"event":"fault"')" -eq 0 ]; echo $?)"
check "control: the summary has no fault; SIGINT exits 0" \
    "$(grep '"event":"summary"' "$work/control.proxy.log" | grep -qF '"faults_fired":0' &&
       [ "$proxy_rc" -eq 0 ]; echo $?)" "exit $proxy_rc, $(grep summary "$work/control.proxy.log")"
app=$work/control.app.log
check "control: the stream completed" "$([ "$(count "$app" "stream completed")" -eq 1 ]; echo $?)" "$(cat "$app")"
check "control: nothing was cancelled" "$([ "$(count "$app" "body iterator cancelled")" -eq 0 ]; echo $?)"
check "control: the plain cleanup completed" "$([ "$(count "$app" "plain cleanup done")" -eq 1 ]; echo $?)"
check "control: the shielded cleanup completed" \
    "$([ "$(count "$app" "shielded cleanup done")" -eq 1 ]; echo $?)"

checks_summary
