#!/usr/bin/env bash
# `faultline proxy` over real sockets: bytes pass through unchanged (a large
# body each way, chunked, keep-alive, pipelining), the listening line, the
# connection and summary lines, loopback refusal, 502 when the upstream
# refuses, SIGINT's graceful exit, bad flags and files (exit 2); and the
# faults of the contract's table as a client (curl, Python) sees them. No
# timing is asserted: delay and bandwidth show in the fault lines and in
# bytes that still arrive whole.
#
# Prints cmocka's summary lines, so tests/run.sh counts the checks:
#   FAULTLINE=build/faultline tests/harness/proxy/test_proxy.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
python=/usr/bin/python3
source tests/support/checks.sh
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    $python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- the upstreams ---------------------------------------------------------------
# faultline serve: plain, chunked and SSE responses (its bytes carry no date,
# so the proxy's output can be compared with the server's byte for byte).
cat > "$work/upstream.yaml" <<'YAML'
name: proxy upstream
server:
  routes:
    - path: /
      steps:
        - respond: {status: 200, body: hello}
    - path: /stream
      steps:
        - stream: {chunks: 6, text: "chunk of text\n"}
    - path: /sse
      steps:
        - stream: {chunks: 5, sse: true}
    - path: /events
      steps:
        - stream: {chunks: 5, sse: true, interval: 20ms}
client:
  tasks:
    - name: main
      steps:
        - sleep: 0ms
YAML
serve_port=$(free_port)
"$faultline" serve "$work/upstream.yaml" --listen "127.0.0.1:$serve_port" --log-level critical \
    >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
# Python: a 2 MB body (GET /big) and an echo of what is posted (POST /echo).
cat > "$work/echo.py" <<'PY'
import http.server, sys
BIG = bytes((i * 7 + i // 251) % 256 for i in range(2 * 1024 * 1024))
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def reply(self, body):
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self): self.reply(BIG)
    def do_POST(self): self.reply(self.rfile.read(int(self.headers["content-length"])))
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
echo_port=$(free_port)
$python "$work/echo.py" "$echo_port" &
pids+=($!)
$python -c 'open("'"$work"'/big.bin","wb").write(bytes((i * 7 + i // 251) % 256 for i in range(2 * 1024 * 1024)))'
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$serve_port/" && curl -s -o /dev/null "http://127.0.0.1:$echo_port/" && break
    sleep 0.05
done

# start_proxy NAME UPSTREAM_PORT [ARGS...]: runs the proxy in the background
# until its listening line; its port into $proxy_port, its pid into $proxy_pid.
start_proxy() {
    local name=$1 upstream=$2
    shift 2
    rm -f "$work/$name.log"
    "$faultline" proxy --listen 127.0.0.1:0 --upstream "127.0.0.1:$upstream" "$@" \
        >"$work/$name.log" 2>"$work/$name.err" &
    proxy_pid=$!
    pids+=($proxy_pid)
    for _ in $(seq 100); do
        proxy_port=$(sed -n 's/.*"event":"listening","listen":"127.0.0.1:\([0-9]*\)".*/\1/p' \
            "$work/$name.log" 2>/dev/null)
        [ -n "$proxy_port" ] && return 0
        sleep 0.05
    done
    return 1
}

stop_proxy() { # the exit status into $rc
    kill -INT "$proxy_pid"
    wait "$proxy_pid"; rc=$?
}

# raw PORT REQUESTS_FILE: the bytes a connection gets for the requests sent in
# one write, until the server closes (the last request says close).
raw() {
    $python - "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(open(sys.argv[2], "rb").read())
data = b""
while True:
    piece = s.recv(65536)
    if not piece: break
    data += piece
sys.stdout.buffer.write(data)
PY
}

# --- bytes pass through unchanged ------------------------------------------------
start_proxy plain "$serve_port"
check "the listening line" "$(grep -q '^{"event":"listening","listen":"127.0.0.1:'"$proxy_port"'","upstream":"127.0.0.1:'"$serve_port"'","faults":0}$' "$work/plain.log"; echo $?)" \
    "$(head -1 "$work/plain.log")"
printf 'GET / HTTP/1.1\r\nhost: x\r\n\r\nGET /stream HTTP/1.1\r\nhost: x\r\n\r\nGET /sse HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n' \
    >"$work/pipelined.txt"
raw "$serve_port" "$work/pipelined.txt" >"$work/direct.bin"
raw "$proxy_port" "$work/pipelined.txt" >"$work/proxied.bin"
check "pipelined requests: plain, chunked and SSE responses, byte for byte" \
    "$(cmp -s "$work/direct.bin" "$work/proxied.bin" && [ -s "$work/direct.bin" ]; echo $?)" \
    "$(wc -c <"$work/direct.bin") bytes direct, $(wc -c <"$work/proxied.bin") proxied"
$python - "$proxy_port" >"$work/keepalive.out" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for path in ["/", "/stream", "/", "/sse"]:
    c.request("GET", path)
    r = c.getresponse()
    print(path, r.status, len(r.read()))
PY
check "keep-alive: four requests on one connection" \
    "$(printf '/ 200 5\n/stream 200 84\n/ 200 5\n/sse 200 %s\n' "$(grep -o '^/sse 200 [0-9]*' "$work/keepalive.out" | cut -d' ' -f3)" | cmp -s - "$work/keepalive.out"; echo $?)" \
    "$(cat "$work/keepalive.out")"
stop_proxy
check "SIGINT: exit 0" "$([ "$rc" -eq 0 ]; echo $?)" "exit $rc"
check "SIGINT: the summary line, last" \
    "$(tail -1 "$work/plain.log" | grep -q '^{"event":"summary","connections":2,'; echo $?)" \
    "$(tail -1 "$work/plain.log")"
check "a connection line when each opens and closes" \
    "$([ "$(grep -c '"state":"open"' "$work/plain.log")" -eq 2 ] && [ "$(grep -c '"state":"closed"' "$work/plain.log")" -eq 2 ]; echo $?)"
check "the closed lines count the requests and responses (3 pipelined, 4 kept alive)" \
    "$(grep -q '"connection":1,"state":"closed",.*"requests":3,"responses":3,' "$work/plain.log" && grep -q '"connection":2,"state":"closed",.*"requests":4,"responses":4,' "$work/plain.log" && grep -q '"event":"summary","connections":2,"requests":7,"responses":7,' "$work/plain.log"; echo $?)" \
    "$(grep -v listening "$work/plain.log")"

start_proxy big "$echo_port"
curl -s "http://127.0.0.1:$proxy_port/big" -o "$work/big.got"
check "a 2 MB response body passes unchanged" "$(cmp -s "$work/big.bin" "$work/big.got"; echo $?)"
curl -s --data-binary @"$work/big.bin" -H 'content-type: application/octet-stream' \
    "http://127.0.0.1:$proxy_port/echo" -o "$work/echo.got"
check "a 2 MB request body passes unchanged" "$(cmp -s "$work/big.bin" "$work/echo.got"; echo $?)"
stop_proxy
check "the summary counts the bytes" \
    "$(tail -1 "$work/big.log" | grep -q '"s2c_bytes":[0-9]\{7\}'; echo $?)" "$(tail -1 "$work/big.log")"

# --- faults, as the client sees them ---------------------------------------------
# fault_proxy NAME UPSTREAM_PORT YAML [SEED]: a proxy with that fault file.
fault_proxy() {
    printf '%s\n' "$3" >"$work/$1.yaml"
    start_proxy "$1" "$2" "$work/$1.yaml" --seed "${4:-1}"
}
# fired NAME ACTION: the proxy's log has a fault line for the action.
fired() { grep -q '"event":"fault",.*"action":"'"$2"'"' "$work/$1.log"; }

fault_proxy reset "$serve_port" 'faults:
  - trigger: {event: proxy.request_head}
    action: reset'
curl -s -o /dev/null "http://127.0.0.1:$proxy_port/"; curl_rc=$?
stop_proxy
check "reset: the client's connection is reset (curl 56)" "$([ "$curl_rc" -eq 56 ]; echo $?)" "curl exit $curl_rc"
check "reset: its fault line and the connection's end" \
    "$(grep -q '"event":"fault","fault":1,"label":"fault #1 event->reset","connection":1,"trigger":"event","action":"reset"' "$work/reset.log" && grep -q '"end":"reset"' "$work/reset.log"; echo $?)" \
    "$(cat "$work/reset.log")"

fault_proxy refuse "$serve_port" 'faults:
  - trigger: {connect: 1}
    action: refuse'
curl -s -o /dev/null "http://127.0.0.1:$proxy_port/"; curl_rc=$?
second=$(curl -s "http://127.0.0.1:$proxy_port/")
stop_proxy
check "refuse: the first connection fails, the second goes through" \
    "$([ "$curl_rc" -ne 0 ] && [ "$second" = hello ] && grep -q '"end":"refused"' "$work/refuse.log"; echo $?)" \
    "curl exit $curl_rc, then '$second'"

fault_proxy answer "$serve_port" 'faults:
  - trigger: {event: proxy.request_head}
    action: {answer-instead: {status: 503, body: busy}}'
got=$(curl -s -i "http://127.0.0.1:$proxy_port/" | tr -d '\r')
stop_proxy
check "answer-instead: the proxy's status and body" \
    "$(printf '%s' "$got" | head -1 | grep -q '^HTTP/1.1 503 Service Unavailable$' && [ "$(printf '%s' "$got" | tail -1)" = busy ]; echo $?)" \
    "got '$got'"

fault_proxy answer_connect "$serve_port" 'faults:
  - trigger: {connect: 2}
    action: {answer-instead: {status: 429, body: slow down}}'
first=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$proxy_port/")
second=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$proxy_port/")
stop_proxy
check "answer-instead on the 2nd connection" \
    "$([ "$first" = "hello 200" ] && [ "$second" = "slow down 429" ]; echo $?)" "got '$first', '$second'"

fault_proxy truncate "$echo_port" 'faults:
  - trigger: {bytes: 1000, direction: s2c}
    action: truncate'
curl -s "http://127.0.0.1:$proxy_port/big" -o "$work/truncated"; curl_rc=$?
stop_proxy
check "truncate: a short body (curl 18), cut at the byte" \
    "$([ "$curl_rc" -eq 18 ] && grep -q '"state":"closed",.*"s2c_bytes":1000,' "$work/truncate.log"; echo $?)" \
    "curl exit $curl_rc; $(grep closed "$work/truncate.log")"

fault_proxy close "$serve_port" 'faults:
  - trigger: {event: proxy.response_head}
    action: close'
curl -s "http://127.0.0.1:$proxy_port/stream" -o /dev/null; curl_rc=$?
stop_proxy
check "close after the response head: the body ends early (curl 18)" \
    "$([ "$curl_rc" -eq 18 ] && fired close close; echo $?)" "curl exit $curl_rc"

fault_proxy stall "$serve_port" 'faults:
  - trigger: {event: proxy.response_head}
    action: {stall: forever}'
curl -s --max-time 1 "http://127.0.0.1:$proxy_port/stream" -o /dev/null; curl_rc=$?
stop_proxy
check "stall forever: the client times out (curl 28)" "$([ "$curl_rc" -eq 28 ] && fired stall stall; echo $?)" \
    "curl exit $curl_rc"

fault_proxy corrupt "$serve_port" 'faults:
  - trigger: {bytes: 10, direction: s2c}
    action: corrupt'
printf 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n' >"$work/one.txt"
raw "$serve_port" "$work/one.txt" >"$work/one.direct"
raw "$proxy_port" "$work/one.txt" >"$work/one.proxied"
stop_proxy
differs=$(cmp -l "$work/one.direct" "$work/one.proxied" | awk '{print $1}' | tr '\n' ' ')
check "corrupt: byte 11 alone differs" "$([ "$differs" = "11 " ]; echo $?)" "differing bytes: '$differs'"

fault_proxy slow "$echo_port" 'faults:
  - trigger: {bytes: 0, direction: s2c}
    action: {delay: 20ms}
  - trigger: {bytes: 0, direction: s2c}
    action: {bandwidth: 8000000}'
curl -s "http://127.0.0.1:$proxy_port/big" -o "$work/slow.got"
stop_proxy
check "delay and bandwidth: the body arrives whole, both fired" \
    "$(cmp -s "$work/big.bin" "$work/slow.got" && fired slow delay && fired slow bandwidth; echo $?)" \
    "$(grep fault "$work/slow.log")"

fault_proxy sse "$serve_port" 'faults:
  - trigger: {event: proxy.sse_event, count: 2}
    action: reset'
curl -s -N "http://127.0.0.1:$proxy_port/events" >"$work/events"
stop_proxy
events=$(grep -c '^data:' "$work/events")
check "reset after the 2nd proxy.sse_event: the client got exactly 2 events" \
    "$([ "$events" -eq 2 ]; echo $?)" "got $events: $(cat "$work/events")"

fault_proxy at "$serve_port" 'faults:
  - trigger: {at: 2s}
    action: reset'
at_result=$($python - "$proxy_port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
s.settimeout(10)
try:
    while s.recv(65536): pass  # the response, then the idle keep-alive connection
    print("eof")
except ConnectionResetError:
    print("reset")
except socket.timeout:
    print("timeout")
PY
)
stop_proxy
check "an at trigger resets the connection open then" \
    "$([ "$at_result" = reset ] && fired at reset; echo $?)" "got '$at_result'"

# probability: the same seed, the same connections answered instead.
sequence() { # SEED: the statuses of 12 connections through a proxy at p = 0.5
    fault_proxy "chance$1" "$serve_port" 'faults:
  - trigger: {connect: 0}
    action: {answer-instead: {status: 503}}
    probability: 0.5
    repeat: true' "$1"
    for _ in $(seq 12); do curl -s -o /dev/null -w '%{http_code} ' "http://127.0.0.1:$proxy_port/"; done
    stop_proxy
}
first=$(sequence 7)
second=$(sequence 7)
check "probability: seed 7 twice, the same connections answered" \
    "$([ "$first" = "$second" ] && [[ "$first" == *200* ]] && [[ "$first" == *503* ]]; echo $?)" \
    "'$first' then '$second'"

# --- the admin API: a fault added, seen firing, removed ----------------------------
start_proxy admin "$serve_port" --admin 127.0.0.1:0
admin_port=$(sed -n 's/.*"admin":"127.0.0.1:\([0-9]*\)".*/\1/p' "$work/admin.log")
added=$(curl -s -X POST -d '{"trigger": {"bytes": 50, "direction": "s2c"}, "action": "truncate"}' \
    "http://127.0.0.1:$admin_port/faults")
curl -s "http://127.0.0.1:$proxy_port/stream" -o /dev/null; cut_rc=$?
listed=$(curl -s "http://127.0.0.1:$admin_port/faults")
curl -s -X DELETE "http://127.0.0.1:$admin_port/faults"
whole=$(curl -s "http://127.0.0.1:$proxy_port/")
stats=$(curl -s "http://127.0.0.1:$admin_port/stats")
stop_proxy
check "admin: a fault POSTed fires on the next connection, and DELETE removes it" \
    "$([ -n "$admin_port" ] && [ "$added" = '{"ids":[1]}' ] && [ "$cut_rc" -eq 18 ] && [[ "$listed" == *'"fired":1'* ]] && [ "$whole" = hello ] && [[ "$stats" == *'"connections":2'* ]]; echo $?)" \
    "port '$admin_port', added '$added', curl $cut_rc, listed '$listed', then '$whole', stats '$stats'"

# --- refusals and bad arguments --------------------------------------------------
refused_port=$(free_port)
start_proxy refused "$refused_port"
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$proxy_port/")
check "a refused upstream: 502 and the reason" \
    "$([ "$body" = "faultline proxy: upstream 127.0.0.1:$refused_port refused the connection 502" ]; echo $?)" \
    "got '$body'"
stop_proxy
check "a refused upstream: its connection line says so" \
    "$(grep -q '"end":"upstream-refused"' "$work/refused.log"; echo $?)"

out=$("$faultline" proxy --listen 0.0.0.0:8080 --upstream 127.0.0.1:1 2>&1); rc=$?
check "a non-loopback --listen is refused" \
    "$([ "$rc" -eq 2 ] && [ "$out" = "faultline proxy: --listen 0.0.0.0:8080 is not a loopback address (add --allow-remote to listen there)" ]; echo $?)" \
    "exit $rc: $out"
out=$("$faultline" proxy --listen 127.0.0.1:0 2>&1); rc=$?
check "--upstream is required" \
    "$([ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q -- '--upstream HOST:PORT is required'; echo $?)" "exit $rc: $out"
out=$("$faultline" proxy --listen 127.0.0.1:0 --upstream nowhere 2>&1); rc=$?
check "a bad HOST:PORT" \
    "$([ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q -- "--upstream takes HOST:PORT, got 'nowhere'"; echo $?)" "exit $rc: $out"
out=$("$faultline" proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:1 --seeds 3 2>&1); rc=$?
check "an option of another command" \
    "$([ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q -- '--seeds is not an option of proxy'; echo $?)" "exit $rc: $out"
# (--duration: a proxy that took the file would stop by itself)
out=$("$faultline" proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:1 --duration 5 "$work/missing.yaml" 2>&1); rc=$?
check "a missing fault file" \
    "$([ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q 'missing.yaml'; echo $?)" "exit $rc: $out"
printf 'faults:\n  - trigger: {connect: 1}\n    action: rest\n' >"$work/bad.yaml"
out=$("$faultline" proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:1 --duration 5 "$work/bad.yaml" 2>&1); rc=$?
check "a bad fault file: exit 2 with its line" \
    "$([ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q 'bad.yaml:3:'; echo $?)" "exit $rc: $out"
"$faultline" proxy --help | grep -q 'faultline proxy --listen HOST:PORT --upstream HOST:PORT'
check "--help" $?

checks_summary
