#!/usr/bin/env bash
# The HTML report in a real browser: `faultline run --html` on a small suite
# with one failure (tests/harness/report/html_suite), then Debian's chromium,
# headless, loads DIR/index.html from disk. The page must load with no
# console message at all (it has no script, so any message is an error: an
# exception, a resource that failed to load); the DOM the browser built must
# hold the failure's sequence diagram (an <svg class="sequence"> with its
# lanes) and the replay command; a screenshot must show a page, not one
# colour. The console check is first shown to catch a page that throws.
#
# Prints cmocka's summary lines, so tests/run.sh counts the checks:
#   FAULTLINE=build/faultline tests/harness/report/test_html_browser.sh
set -u
cd "$(dirname "$0")/../../.."
faultline=${FAULTLINE:-build/faultline}
chromium=${CHROMIUM:-/usr/bin/chromium}
source tests/support/checks.sh

finish() {
    checks_summary
    exit $?
}

if [ ! -x "$chromium" ]; then
    check "chromium is installed" 1 "$chromium is missing: make deps installs chromium"
    finish
fi

tmp=$(mktemp -d /tmp/faultline-browser-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Headless chromium on a file, offline, in a profile of its own each time.
browse() { # FILE ARGS...
    local file=$1
    shift
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$(mktemp -d "$tmp/profile-XXXXXX")" \
        --enable-logging=stderr --v=0 "$@" "file://$file"
}

# The console check must see a page that throws, or it proves nothing.
printf '<!DOCTYPE html><p>x</p><script>throw new Error("deliberate")</script>\n' \
    >"$tmp/throws.html"
browse "$tmp/throws.html" --dump-dom >/dev/null 2>"$tmp/throws.log"
grep -q 'CONSOLE.*Uncaught Error: deliberate' "$tmp/throws.log"
check "the console check sees a page that throws" $? "no CONSOLE line in $tmp/throws.log"

"$faultline" run tests/harness/report/html_suite --jobs 1 --html "$tmp/report" \
    >"$tmp/run.out" 2>"$tmp/run.err"
code=$?
check "run --html exits 1 for the failing file" $((code != 1)) "exit $code: $(cat "$tmp/run.err")"
page="$tmp/report/index.html"
[ -s "$page" ]
check "run --html writes DIR/index.html" $?

browse "$page" --dump-dom >"$tmp/dom.html" 2>"$tmp/dom.log"
check "chromium loads the page" $? "$(tail -3 "$tmp/dom.log")"
console=$(grep -E 'CONSOLE|Uncaught' "$tmp/dom.log")
[ -z "$console" ]
check "the page logs nothing to the console" $? "$console"

# What the browser built, not what faultline wrote: the diagram as an SVG
# element with its lanes, the failure's replay command.
grep -q '<svg xmlns="http://www.w3.org/2000/svg" class="sequence"' "$tmp/dom.html"
check "the DOM has the sequence diagram's svg" $?
grep -q '<title>t2 main</title>' "$tmp/dom.html" && grep -q '<title>conn #1</title>' \
    "$tmp/dom.html" && grep -q '<title>t3 http-connection</title>' "$tmp/dom.html"
check "the diagram has client, network and server lanes" $?
grep -q 'fault: fault #1 bytes-&gt;reset' "$tmp/dom.html"
check "the diagram shows the fault" $?
grep -q 'faultline replay tests/harness/report/html_suite/reset_expects_wrong_error.yaml --seed 1' \
    "$tmp/dom.html"
check "the failure has its replay command" $?
grep -q 'expected (wrongly) as a WriteError &lt;&amp;&gt;' "$tmp/dom.html"
check "the scenario's name is text, escaped" $?

browse "$page" --screenshot="$tmp/shot.png" --window-size=1200,2000 \
    >/dev/null 2>"$tmp/shot.log"
[ -s "$tmp/shot.png" ]
check "chromium takes a screenshot" $? "$(tail -3 "$tmp/shot.log")"
png=$(/usr/bin/python3 tests/support/png_colours.py "$tmp/shot.png")
colours=$(printf '%s\n' "$png" | sed -n 's/^png 1200 2000 colours=\([0-9]*\) dark=\([0-9]*\)$/\1/p')
dark=$(printf '%s\n' "$png" | sed -n 's/^png 1200 2000 colours=\([0-9]*\) dark=\([0-9]*\)$/\2/p')
# Text, tables and the diagram's colours: hundreds of colours, thousands of
# dark pixels; a blank or failed page has one colour and none.
[ "${colours:-0}" -ge 50 ] && [ "${dark:-0}" -ge 5000 ]
check "the screenshot shows a page, not one colour" $? "$png"
finish
