# What the proxy's script tests share (sourced). Children are started as
# `timeout N CMD &`, so none outlives a killed test by more than N seconds;
# these end them, and every wait here has a bound.

# free_port: a port nothing listens on now.
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for FILE TEXT: until FILE has a line with TEXT, for at most 10 s.
wait_for() {
    for _ in $(seq 200); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

# gone PID [TENTHS]: true once PID has exited, within TENTHS tenths of a second (100).
gone() {
    for _ in $(seq $((${2:-100} * 2))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
    return 1
}

# stop PID: ends a `timeout N CMD &` child: SIGTERM to it and to CMD (timeout
# forwards it too), at most 5 s to go, then SIGKILL to both.
stop() {
    [ -n "$1" ] || return 0
    local child
    child=$(pgrep -P "$1" 2>/dev/null)
    kill -TERM "$1" $child 2>/dev/null
    gone "$1" 50 || kill -KILL "$1" $child 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

# interrupt PID: SIGINT (forwarded by timeout), at most 10 s for a graceful
# exit; its status into $rc ("none": it had to be killed).
interrupt() {
    kill -INT "$1" 2>/dev/null
    if gone "$1" 100; then wait "$1"; rc=$?; else stop "$1"; rc=none; fi
}

# listening_port LOG [KEY]: the port of the proxy's listening line (KEY listen or admin).
listening_port() {
    sed -n "s/.*\"event\":\"listening\".*\"${2:-listen}\":\"127\.0\.0\.1:\([0-9]*\)\".*/\1/p" "$1" 2>/dev/null | head -1
}

# start_mapping_upstream SECONDS: faultline serve of mapping_upstream.yaml on a
# free port, bounded by SECONDS, into $port and $upstream_pid, once it serves
# (its output in $work/upstream.out and .err).
start_mapping_upstream() {
    port=$(free_port)
    timeout "$1" "$faultline" serve tests/harness/proxy/mapping_upstream.yaml \
        --listen "127.0.0.1:$port" --log-level warning --timeout-graceful-shutdown 1 \
        >"$work/upstream.out" 2>"$work/upstream.err" &
    upstream_pid=$!
    wait_for "$work/upstream.out" serving
}
