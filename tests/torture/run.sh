#!/usr/bin/env bash
# Allocation-failure (torture) driver, as curl's: for each case below, runs the
# torture build's faultline with FL_ALLOC_FAIL_AT=N for N = 1, 2, ... until a
# run ends without the injected failure firing, and checks that every run
# ended cleanly (docs/HARDENING.md):
#   - exit 0, 1 or 2 exactly as the run without a failure did, when the
#     failure did not fire in any process, or
#   - exit 4 with "faultline: out of memory (WHERE)" on stderr, or
#   - for `run` with workers: a worker's exit 4 reported by the parent as
#     "CRASHED FILE (out of memory in the worker)", the run's exit 1,
# and never a signal, a sanitizer report (AddressSanitizer, LeakSanitizer,
# UBSan) or a hang (each run is bounded by `timeout`).
#
#   tests/torture/run.sh              every N of every case (the long run)
#   tests/torture/run.sh --sample     every N up to 40, then every 23rd, or
#                                     sparser for a case of many allocations
#                                     (about 100 values a case at most: CI)
#   tests/torture/run.sh --stride K   every N up to 200, then every K-th
#   tests/torture/run.sh --case TEXT  only the cases whose name holds TEXT
#                                     (with either of the above, or alone)
#
# Environment: FAULTLINE (default build/torture/faultline), FL_TORTURE_TIMEOUT
# (seconds per run, default 60), FL_TORTURE_N_MAX (a bound on N per case,
# default 100000: a case that needs more is an error, not a silent end).
# Prints one line per case and a total; exits 1 if any run was not clean.
set -u
cd "$(dirname "$0")/../.."
exe=${FAULTLINE:-build/torture/faultline}
limit=${FL_TORTURE_TIMEOUT:-60}
n_max=${FL_TORTURE_N_MAX:-100000}
dense=200
stride=1
sample=0
only=""
while [ $# -gt 0 ]; do
  case $1 in
  --sample) dense=40 stride=23 sample=1 ;;
  --stride) stride=${2:?--stride needs K}; shift; [ "$stride" -ge 1 ] || exit 2 ;;
  --case) only=${2:?--case needs TEXT}; shift ;;
  *) echo "usage: $0 [--sample | --stride K] [--case TEXT]" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$exe" ] || { echo "torture: $exe is missing: make torture-build" >&2; exit 2; }

# Each case: a name and the faultline arguments. Small scenarios over the
# loader, the runtime, the simulated network, the server and the client, and
# the commands' own allocations (check, replay, run in-process and with
# workers, explore, shrink, merge). merge reads the JSON lines of a run made
# here without a failure.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cases=(
  "check retry/not_found_not_retried|check scenarios/retry/not_found_not_retried.yaml"
  "replay bulkhead/full_at_timeout|replay scenarios/bulkhead/full_at_timeout.yaml --seed 1"
  "replay sse/pings_while_idle|replay scenarios/sse/pings_while_idle.yaml --seed 2"
  "replay stream/read_error_mid_body|replay scenarios/stream/read_error_mid_body.yaml --seed 1"
  "replay shield/v020_finds|replay scenarios/shield/v020_finds.yaml --seed 1"
  "run --jobs 1 cross_task/task_context_error|run scenarios/cross_task/task_context_error.yaml --jobs 1 --seeds 1..2"
  "run --jobs 2 server/|run scenarios/server --jobs 2 --seeds 1..1"
  "explore retry/post_not_retried|explore scenarios/retry/post_not_retried.yaml --runs 3"
  "shrink shield/v020_finds|shrink scenarios/shield/v020_finds.yaml --seed 3 --policy random --out $work/shrunk.yaml"
  "merge retry/ results|merge $work/shard.jsonl --junit $work/junit.xml"
)

"$exe" run scenarios/retry --jobs 1 --seeds 1..1 --json "$work/shard.jsonl" >/dev/null 2>&1 \
  || { echo "torture: the run that makes merge's input failed" >&2; exit 2; }
export ASAN_OPTIONS="detect_leaks=1:exitcode=86:abort_on_error=0:detect_stack_use_after_return=0"
# libyaml's own leak on one error path, and nothing else (lsan.supp says why).
export LSAN_OPTIONS="suppressions=$PWD/tests/torture/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"

tried_total=0 oom_total=0 bad_total=0 crash_total=0 hang_total=0 sanitizer_total=0 other_total=0
# One run at N; sets $verdict to oom, done, or CATEGORY:WHY (crash, hang, sanitizer, other).
run_at() {
  local n=$1 expected=$2; shift 2
  rm -f "$work/count"
  FL_ALLOC_FAIL_AT=$n FL_ALLOC_COUNT_OUT=$work/count \
    timeout --kill-after=5 "$limit" "$exe" "$@" >"$work/out" 2>"$work/err" </dev/null
  local rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then verdict="hang:timeout ${limit}s"; return; fi
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$work/err" "$work/out"; then
    verdict="sanitizer:a sanitizer report (exit $rc)"; return
  fi
  if [ $rc -gt 128 ]; then verdict="crash:signal $((rc - 128))"; return; fi
  if [ ! -s "$work/count" ]; then verdict="crash:exit $rc without the count line"; return; fi
  if ! grep -q 'fired yes' "$work/count"; then
    # No process refused an allocation: the run must be the plain one.
    if [ $rc -eq "$expected" ]; then verdict=done; else verdict="other:exit $rc, $expected without a failure"; fi
    return
  fi
  if [ $rc -eq 4 ] && grep -qE '^faultline: out of memory \(.+\)$' "$work/err"; then verdict=oom; return; fi
  if [ $rc -eq 1 ] && grep -q '(out of memory in the worker' "$work/out"; then verdict=oom; return; fi
  verdict="other:exit $rc, not a clean out-of-memory error: $(head -c 200 "$work/err" | tr '\n' ' ')"
}

ran=0
for entry in "${cases[@]}"; do
  name=${entry%%|*}
  case $name in *"$only"*) ;; *) continue ;; esac
  ran=$((ran + 1))
  read -r -a args <<<"${entry#*|}"
  # The exit code of the plain run, which a run the failure never reached must repeat.
  rm -f "$work/count"
  FL_ALLOC_COUNT_OUT=$work/count timeout "$limit" "$exe" "${args[@]}" >/dev/null 2>&1 </dev/null
  expected=$?
  # A sample tries about 60 values past the dense ones however many
  # allocations the case makes (shrink's runs make tens of thousands).
  case_stride=$stride
  if [ "$sample" = 1 ]; then
    total=$(sed -n 's/^allocations \([0-9]*\).*/\1/p' "$work/count" | sort -n | tail -1)
    [ $((${total:-0} / 60)) -gt "$case_stride" ] && case_stride=$((total / 60))
  fi
  tried=0 oom=0 bad=0 n=1 last=0
  while :; do
    run_at "$n" "$expected" "${args[@]}"
    tried=$((tried + 1))
    case $verdict in
    oom) oom=$((oom + 1)) ;;
    done) break ;;
    *) bad=$((bad + 1)); category=${verdict%%:*}; eval "${category}_total=\$((${category}_total + 1))"
       echo "  $name: N=$n: $category: ${verdict#*:}"
       sed -n '1,12p' "$work/err" | sed 's/^/    | /' ;;
    esac
    last=$n
    if [ "$n" -ge "$n_max" ]; then echo "  $name: N reached $n_max without an end"; bad=$((bad + 1)); other_total=$((other_total + 1)); break; fi
    if [ "$n" -lt "$dense" ]; then n=$((n + 1)); else n=$((n + case_stride)); fi
  done
  echo "torture: $name: $tried values of N tried (N=1..$n, allocations: $(sed -n 's/^allocations \([0-9]*\).*/\1/p' "$work/count" | sort -n | tail -1)): $oom clean OOM errors, $bad not clean"
  tried_total=$((tried_total + tried)); oom_total=$((oom_total + oom)); bad_total=$((bad_total + bad))
done
echo "torture: $tried_total runs (values of N) over $ran cases: $oom_total clean OOM errors, $crash_total crashes, $hang_total hangs, $sanitizer_total sanitizer reports (leaks or memory errors), $other_total other endings"
[ "$bad_total" -eq 0 ]
