#!/usr/bin/env bash
# proxy_rps: what `faultline proxy` (no faults) costs a keep-alive GET. wrk
# (Debian's; -t1 -c10, 3 s, --latency) against an upstream directly, then
# through the proxy in front of it, in the same run; the best of two rounds
# each, interleaved. Prints, per upstream,
#   proxy_rps: through/direct = 0.93 (N rps vs M rps; median latency A vs B)
# The issue's target is a ratio of 0.9 or more in front of a real app: uvicorn
# 0.17 serving Starlette 0.26 (bench/peers/proxy_upstream.py), the line
# proxy_rps. proxy_rps_nginx is the same in front of nginx (`return 200
# "ok"`), a far faster server: there the proxy's own cost shows, informative.
#
# With two CPUs or more the upstream runs on the first, wrk and the proxy on
# the second (as bench_client pins nginx and its clients).
#   bench/bench_proxy.sh [FAULTLINE]     (make bench runs it with build/bench/faultline)
set -u
cd "$(dirname "$0")/.."
faultline=${1:-build/faultline}
python=/usr/bin/python3
wrk=/usr/bin/wrk
nginx=/usr/sbin/nginx
seconds=3
rounds=2
work=$(mktemp -d)
pids=()
trap '{ for p in "${pids[@]}"; do kill -TERM "$p"; done; wait; } 2>/dev/null; rm -rf "$work"' EXIT

if [ "$(nproc)" -ge 2 ]; then upstream_cpu="taskset -c 0"; client_cpu="taskset -c 1"
else upstream_cpu=; client_cpu=; fi

free_port() {
    $python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

accepts() { # PORT: up to 10 s for a 200 from /
    for _ in $(seq 200); do
        curl -s -o /dev/null -m 1 "http://127.0.0.1:$1/" && return 0
        sleep 0.05
    done
    return 1
}

# wrk_run PORT: "RPS MEDIAN" (median as wrk prints it: 1.23ms)
wrk_run() {
    $client_cpu "$wrk" -t1 -c10 -d${seconds}s --latency "http://127.0.0.1:$1/" 2>&1 |
        awk '/^Requests\/sec:/ {rps = $2} $1 == "50%" {median = $2} END {print rps + 0, median}'
}

# measure NAME UPSTREAM_PORT: the proxy in front, the rounds, the line.
measure() {
    local name=$1 upstream=$2 log=$work/$1.proxy.log
    timeout 300 $client_cpu "$faultline" proxy --listen 127.0.0.1:0 \
        --upstream "127.0.0.1:$upstream" --log "$log" >/dev/null 2>"$work/$name.proxy.err" &
    local proxy_pid=$!
    pids+=("$proxy_pid")
    local port=
    for _ in $(seq 200); do
        port=$(sed -n 's/.*"event":"listening".*"listen":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$log" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.05
    done
    if [ -z "$port" ] || ! accepts "$port"; then
        echo "bench_proxy: the proxy did not start: $(cat "$work/$name.proxy.err")" >&2
        echo "$name: through/direct = nan (the proxy did not start)"
        return
    fi
    local best_direct=0 best_through=0 direct_median=- through_median=- rps median
    for _ in $(seq $rounds); do
        read -r rps median < <(wrk_run "$upstream")
        if awk "BEGIN {exit !($rps > $best_direct)}"; then best_direct=$rps; direct_median=$median; fi
        read -r rps median < <(wrk_run "$port")
        if awk "BEGIN {exit !($rps > $best_through)}"; then best_through=$rps; through_median=$median; fi
    done
    kill -INT "$proxy_pid"
    timeout 10 tail --pid="$proxy_pid" -f /dev/null
    awk -v name="$name" -v d="$best_direct" -v t="$best_through" -v dm="$direct_median" \
        -v tm="$through_median" 'BEGIN {
            ratio = d > 0 ? sprintf("%.2f", t / d) : "nan"
            printf "%s: through/direct = %s (%.0f rps vs %.0f rps; median latency %s vs %s)\n",
                   name, ratio, t, d, tm, dm }'
}

# --- uvicorn + Starlette --------------------------------------------------------------
if $python -c 'import uvicorn, starlette' 2>/dev/null; then
    port=$(free_port)
    timeout 300 $upstream_cpu "$python" -m uvicorn --app-dir bench/peers proxy_upstream:app \
        --host 127.0.0.1 --port "$port" --log-level warning --no-access-log \
        >"$work/uvicorn.out" 2>&1 &
    pids+=($!)
    if accepts "$port"; then measure proxy_rps "$port"
    else echo "bench_proxy: uvicorn did not start: $(cat "$work/uvicorn.out")" >&2; fi
else
    echo "proxy_rps: through/direct = nan (python3-uvicorn or python3-starlette not installed)"
fi

# --- nginx ------------------------------------------------------------------------------
if [ -x "$nginx" ]; then
    port=$(free_port)
    prefix=$work/nginx
    mkdir -p "$prefix"
    cat >"$prefix/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $prefix/client_body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    keepalive_requests 10000000;
    server {
        listen 127.0.0.1:$port;
        location / { return 200 "ok"; }
    }
}
CONF
    timeout 300 $upstream_cpu "$nginx" -e "$prefix/error.log" -c "$prefix/nginx.conf" -p "$prefix" &
    pids+=($!)
    if accepts "$port"; then measure proxy_rps_nginx "$port"
    else echo "bench_proxy: nginx did not start: $(cat "$prefix/error.log")" >&2; fi
else
    echo "proxy_rps_nginx: through/direct = nan (nginx not installed)"
fi
