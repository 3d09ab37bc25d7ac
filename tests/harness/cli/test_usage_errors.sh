#!/usr/bin/env bash
# The faultline binary's usage errors: an unknown command names the likely
# one and the commands, exits 2, and does not print the whole help; a bad
# option shows the command's synopsis and where its help is.
#   FAULTLINE=build/faultline tests/harness/cli/test_usage_errors.sh
set -u
cd "$(dirname "$0")/../../.."
bin=${FAULTLINE:-build/faultline}
source tests/support/checks.sh
holds() { grep -q "$1" <<<"$out"; echo $?; }
out=$("$bin" rnu 2>&1)
check "an unknown command exits 2" "$([ $? -eq 2 ]; echo $?)"
check "it names the likely command" "$(holds "unknown command 'rnu' (did you mean 'run'?)")"
check "it lists the commands" "$(holds "^commands: run, replay, explore")"
check "it points at --help" "$(holds "^Try 'faultline --help' for more.$")"
check "it does not print the whole help" "$([ "$(grep -c . <<<"$out")" -eq 3 ]; echo $?)"
out=$("$bin" frobnicate 2>&1)
check "no likely command: no guess" "$([ "$(holds "did you mean")" -ne 0 ]; echo $?)"
out=$("$bin" run --bogus 2>&1)
check "a bad option exits 2" "$([ $? -eq 2 ]; echo $?)"
check "a bad option shows the synopsis" "$(holds "^usage: faultline run PATH")"
check "and the help hint" "$(holds "^Try 'faultline run --help' for more.$")"
checks_summary
