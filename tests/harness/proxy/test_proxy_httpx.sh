#!/usr/bin/env bash
# Real httpx through `faultline proxy`: one row per fault of the mapping
# matrix (scenarios/mapping/*.yaml, docs/NETWORK.md's table) that a proxy can
# produce, plus the proxy's own answer-instead and half-close. For each row
# (test_proxy_httpx.py runs them): the fault file, the kind faultline's
# client raises for that fault in the simulated cell, real httpx 0.23
# through the proxy in front of `faultline serve mapping_upstream.yaml`
# (its exception class as faultline's kind name), and `faultline fetch`
# through a proxy with the same file. httpx must give the row's kind and
# fetch the same kind as httpx; the rows where a real proxy cannot give the
# simulated kind say why in test_proxy_httpx.py (connect_refused_fault,
# connect_stalled, reset_writing_headers).
# Each fault must fire once per client, and each proxy exit 0 on SIGINT.
#
# Prints cmocka's summary lines, so tests/run.sh counts the checks:
#   FAULTLINE=build/faultline tests/harness/proxy/test_proxy_httpx.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
python=/usr/bin/python3
source tests/support/checks.sh
source tests/harness/proxy/support.sh
work=$(mktemp -d)
upstream_pid=
trap 'stop "$upstream_pid"; rm -rf "$work"' EXIT

start_mapping_upstream 600
check "the upstream serves" "$(grep -q serving "$work/upstream.out"; echo $?)" \
    "$(cat "$work/upstream.err")"

timeout 500 "$python" tests/harness/proxy/test_proxy_httpx.py "$faultline" "$port" "$work" \
    >"$work/table" 2>"$work/table.err"
table_rc=$?
rows=$(sed -n 's/^#rows //p' "$work/table")
ran=$(grep -vc '^#' "$work/table")
check "every row ran (${ran} of ${rows:-?})" \
    "$([ "$table_rc" -eq 0 ] && [ "$ran" = "$rows" ]; echo $?)" "exit $table_rc: $(tail -5 "$work/table.err")"

exits_ok=0
while IFS=$'\t' read -r row kind expected httpx fetch httpx_faults fetch_faults exits known why; do
    case "$row" in '#'*) continue ;; esac
    printf '   %-30s scenario %-20s httpx %-20s fetch %s\n' "$row" "$kind" "$httpx" "$fetch"
    in_expected() { case "|$expected|" in *"|$1|"*) return 0 ;; esac; return 1; }
    check "$row: httpx through the proxy gives $expected" "$(in_expected "$httpx"; echo $?)" \
        "got $httpx"
    if [ "$expected" = "${expected#*|}" ]; then
        same=$([ "$fetch" = "$httpx" ] && [ "$fetch" != proxy-failed ]; echo $?)
    else # one of the kinds a race allows, for each client
        same=$(in_expected "$fetch"; echo $?)
    fi
    if [ "$same" -ne 0 ] && [ "$known" != - ] && [ "$fetch" = "$known" ]; then
        echo "   $row: fetch gives $known, a known difference: $why"
        same=0
    fi
    check "$row: faultline fetch gives the same kind" "$same" "fetch $fetch, httpx $httpx"
    check "$row: the fault fired once for each client" \
        "$([ "$httpx_faults" = 1 ] && [ "$fetch_faults" = 1 ]; echo $?)" \
        "fault lines: httpx's proxy $httpx_faults, fetch's $fetch_faults"
    [ "$exits" = "0,0" ] || { exits_ok=1; echo "   $row: proxy exit statuses $exits"; }
done <"$work/table"
check "every proxy exits 0 on SIGINT" "$exits_ok"

checks_summary
