#!/usr/bin/env bash
# faultline proxy's graceful shutdown, as the issue asks: on SIGINT it stops
# accepting (a new connection is refused), lets a connection in progress
# finish for up to 5 s, then resets it (its line ends "shutdown") and exits
# 0 with the summary; a second signal stops it at once, with exit 1. The
# connection in progress is a GET of a route that answers after 10 s, so it
# cannot finish within the 5 s.
#   FAULTLINE=build/faultline tests/harness/proxy/test_proxy_shutdown.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
source tests/support/checks.sh
source tests/harness/proxy/support.sh
work=$(mktemp -d)
upstream_pid=
proxy_pid=
curl_pid=
trap 'stop "$proxy_pid"; stop "$upstream_pid"; stop "$curl_pid"; rm -rf "$work"' EXIT

start_mapping_upstream 120

# start RUN: a proxy (not under timeout: a second signal must reach it alone),
# and curl's GET /slow through it, in progress once the proxy has opened it.
start() {
    "$faultline" proxy --listen 127.0.0.1:0 --upstream "127.0.0.1:$port" \
        --log "$work/$1.log" 2>"$work/$1.err" &
    proxy_pid=$!
    wait_for "$work/$1.log" '"event":"listening"'
    proxy_port=$(listening_port "$work/$1.log")
    timeout 30 curl -s -m 20 "http://127.0.0.1:$proxy_port/slow" -o /dev/null &
    curl_pid=$!
    wait_for "$work/$1.log" '"state":"open"'
}

# finish: curl's exit status into $curl_rc (bounded: curl gives up after 20 s).
finish() { wait "$curl_pid"; curl_rc=$?; curl_pid=; }

# --- one signal: 5 s for the connection, then it is reset ------------------------------
start graceful
kill -INT "$proxy_pid"
timeout 5 curl -s -m 2 "http://127.0.0.1:$proxy_port/hello" -o /dev/null; refused=$?
if gone "$proxy_pid" 150; then wait "$proxy_pid"; rc=$?; else rc=none; fi
stop "$proxy_pid"; proxy_pid=
finish
log=$work/graceful.log
check "SIGINT: a new connection is refused (curl 7)" "$([ "$refused" -eq 7 ]; echo $?)" "curl exit $refused"
check "SIGINT: the connection in progress is reset at the end (curl 56)" \
    "$([ "$curl_rc" -eq 56 ]; echo $?)" "curl exit $curl_rc"
check "SIGINT: its line ends \"shutdown\"" \
    "$(grep '"state":"closed"' "$log" | grep -qF '"end":"shutdown"'; echo $?)" "$(cat "$log")"
check "SIGINT: exit 0, the summary last" \
    "$([ "$rc" = 0 ] && tail -1 "$log" | grep -qF '"event":"summary"'; echo $?)" \
    "exit $rc: $(tail -1 "$log")"

# --- a second signal: at once, exit 1 -----------------------------------------------------
start twice
kill -INT "$proxy_pid"
sleep 0.2 # the second signal comes during the graceful stop, not with the first
kill -INT "$proxy_pid"
if gone "$proxy_pid" 100; then wait "$proxy_pid"; rc=$?; else rc=none; fi
stop "$proxy_pid"; proxy_pid=
finish
check "a second signal: exit 1 (the graceful stop's is 0)" \
    "$([ "$rc" = 1 ]; echo $?)" "exit $rc"
check "a second signal: the connection in progress ends with it" \
    "$([ "$curl_rc" -ne 28 ]; echo $?)" "curl exit $curl_rc"
log=$work/twice.log
check "a second signal: the connection in progress still gets its closed line" \
    "$(grep '"state":"closed"' "$log" | grep -qF '"end":"shutdown"'; echo $?)" "$(cat "$log")"
check "a second signal: the summary counts its request" \
    "$(tail -1 "$log" | grep -qF '"requests":1'; echo $?)" "$(tail -1 "$log")"

checks_summary
