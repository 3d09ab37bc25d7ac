#!/usr/bin/env bash
# `faultline serve` over real sockets, for the long run: graceful shutdown as
# uvicorn's (SIGTERM: a streaming response in progress completes, new
# connections are refused, exit 0 with the summary), a second signal stops
# at once, the uvicorn-style log lines and --log-json, and memory that stays
# flat: RSS after 2,200 connections is within 1 MB of RSS after 200 (it grew
# by about 14 KB a connection and 2 KB a request when connections kept their
# buffers and requests their arena). The RSS check is for the plain build:
# AddressSanitizer's quarantine holds what is freed.
#
# Prints cmocka's summary lines, so tests/run.sh counts the checks:
#   FAULTLINE=build/faultline tests/harness/real/test_serve_lifetime.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
python=/usr/bin/python3
source tests/support/checks.sh
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

cat > "$work/s.yaml" <<'YAML'
name: lifetime
server:
  routes:
    - path: /
      steps:
        - respond: {status: 200, body: ok}
    - path: /slow
      steps:
        - stream: {chunks: 4, text: ab, interval: 300ms}
    - path: /boom
      steps:
        - raise: {error: ValueError, message: boom}
client:
  tasks:
    - name: main
      steps:
        - sleep: 0ms
YAML

free_port() {
    $python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start ARGS...: serve in the background until its "serving" line.
start() {
    port=$(free_port)
    rm -f "$work/out" "$work/err" # not the last run's "serving" line
    "$faultline" serve "$work/s.yaml" --listen "127.0.0.1:$port" "$@" \
        >"$work/out" 2>"$work/err" &
    server_pid=$!
    for _ in $(seq 100); do grep -q serving "$work/out" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

stop_and_wait() { # SIGNAL: the exit status into $rc
    kill "-$1" "$server_pid"
    wait "$server_pid"; rc=$?
    server_pid=
}

# --- graceful shutdown -------------------------------------------------------
start
curl -s "http://127.0.0.1:$port/slow" >"$work/slow" &
curl_pid=$!
sleep 0.4
kill -TERM "$server_pid"
sleep 0.2
curl -s -m 2 "http://127.0.0.1:$port/" >/dev/null
refused=$?
wait "$curl_pid"
wait "$server_pid"; rc=$?; server_pid=
check "the response in progress completes" "$([ "$(cat "$work/slow")" = abababab ]; echo $?)" \
    "got '$(cat "$work/slow")'"
check "a new connection is refused" "$([ "$refused" -eq 7 ]; echo $?)" "curl exit $refused"
check "exit status 0" "$([ "$rc" -eq 0 ]; echo $?)" "exit $rc"
check "the summary" "$(grep -q 'served 1 requests on 1 connections (1 responses completed, 0 faults fired)' "$work/out"; echo $?)" \
    "$(cat "$work/out")"
check "uvicorn's shutdown lines" \
    "$(grep -q '^INFO:     Shutting down$' "$work/err" &&
       grep -q '^INFO:     Waiting for connections to close. (CTRL+C to force quit)$' "$work/err" &&
       grep -q '^INFO:     Finished server process' "$work/err"; echo $?)"

# --- a second signal ---------------------------------------------------------
start --timeout-graceful-shutdown 30
curl -s "http://127.0.0.1:$port/slow" >/dev/null &
curl_pid=$!
sleep 0.2
kill -TERM "$server_pid"; sleep 0.1
stop_and_wait INT
wait "$curl_pid"
check "a second signal stops at once (exit 1)" "$([ "$rc" -eq 1 ]; echo $?)" "exit $rc"

# --- the log ------------------------------------------------------------------
start
curl -s "http://127.0.0.1:$port/?a=1" >/dev/null
curl -s "http://127.0.0.1:$port/boom" >/dev/null
stop_and_wait TERM
check "the access line" \
    "$(grep -Eq '^INFO:     127\.0\.0\.1:[0-9]+ - "GET /\?a=1 HTTP/1\.1" 200 OK$' "$work/err"; echo $?)" \
    "$(cat "$work/err")"
check "the app's exception" \
    "$(grep -A1 '^ERROR:    Exception in ASGI application$' "$work/err" | grep -q '^ValueError: boom$' &&
       grep -Eq '"GET /boom HTTP/1\.1" 500 Internal Server Error$' "$work/err"; echo $?)"
check "no trace lines at info" "$(! grep -q '^TRACE:' "$work/err"; echo $?)"

start --log-level trace
curl -s "http://127.0.0.1:$port/" >/dev/null
stop_and_wait TERM
check "trace: connection made and lost" \
    "$(grep -Eq '^TRACE:    127\.0\.0\.1:[0-9]+ - HTTP connection made$' "$work/err" &&
       grep -Eq '^TRACE:    127\.0\.0\.1:[0-9]+ - HTTP connection lost$' "$work/err"; echo $?)"

start --log-level warning
curl -s "http://127.0.0.1:$port/" >/dev/null
stop_and_wait TERM
check "warning: no access line" "$(! grep -q 'GET /' "$work/err"; echo $?)"

start --log-json
curl -s "http://127.0.0.1:$port/boom" >/dev/null
stop_and_wait TERM
$python - "$work/err" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
access = [l for l in lines if l["type"] == "access"]
errors = [l for l in lines if l["level"] == "ERROR"]
assert access and access[0]["method"] == "GET" and access[0]["path"] == "/boom", access
assert access[0]["status"] == 500 and access[0]["http_version"] == "1.1", access
assert access[0]["client"].startswith("127.0.0.1:"), access
assert errors and errors[0]["error"] == "ValueError: boom", errors
assert all(isinstance(l["time"], float) for l in lines)
PY
check "--log-json: one object per line, with the fields" $?

bad=$("$faultline" serve "$work/s.yaml" --log-level loud 2>&1); bad_rc=$?
check "a bad --log-level is refused" \
    "$([ "$bad_rc" -eq 2 ] && printf '%s' "$bad" | grep -q 'takes critical, error'; echo $?)"

# --- flat memory ----------------------------------------------------------------
start --log-level critical
$python - "$port" "$server_pid" >"$work/rss" <<'PY'
import http.client, sys
port, pid = int(sys.argv[1]), int(sys.argv[2])
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1])
def load(connections, requests):
    for _ in range(connections):
        c = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(requests):
            c.request("GET", "/"); c.getresponse().read()
        c.close()
load(200, 2); before = rss()
load(2000, 2); after = rss()
print(before, after)
PY
stop_and_wait TERM
read -r rss_before rss_after <"$work/rss"
check "RSS flat over 2,000 more connections (${rss_before} kB, then ${rss_after} kB)" \
    "$([ $((rss_after - rss_before)) -lt 1024 ]; echo $?)"

checks_summary
