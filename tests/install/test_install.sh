#!/usr/bin/env bash
# `make install` into a scratch DESTDIR, then what a user of it sees:
# - every file lands under PREFIX, and the installed binary runs;
# - a C program (tests/install/api_example.c) built with nothing but
#   `pkg-config --cflags --libs faultline` (PKG_CONFIG_PATH into DESTDIR, the
#   prefix redefined) runs shipped scenarios through the public interface
#   with the verdicts and trace hashes `faultline replay` and `run` give;
# - man renders faultline(1) and faultline-scenario(5) without a warning,
#   and faultline(1) names every command of `faultline --help` and, in its
#   section, every option of that command's --help;
# - the bash completion offers commands, options, kinds and scenario files
#   as the --help texts list them; zsh loads the zsh completion;
# - `make uninstall` leaves no file behind.
#
# Prints cmocka's summary lines, so tests/run.sh counts the checks:
#   tests/install/test_install.sh
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
faultline=${FAULTLINE:-build/faultline}
source tests/support/checks.sh

finish() {
    rm -rf "$scratch"
    checks_summary
    exit $?
}

scratch=$(mktemp -d /tmp/faultline-install-XXXXXX)
stage=$scratch/stage
prefix=/usr/local
installed=$stage$prefix
# A make of our own: not the jobserver of a `make test` that runs this.
unset MAKEFLAGS MAKELEVEL MFLAGS

# --- install ---------------------------------------------------------------
make --no-print-directory install DESTDIR="$stage" PREFIX="$prefix" >"$scratch/install.log" 2>&1
status=$?
check "make install succeeds" $status "$(tail -5 "$scratch/install.log")"
[ $status -eq 0 ] || finish

expected="bin/faultline lib/libfaultline.a include/faultline/faultline.h
lib/pkgconfig/faultline.pc share/man/man1/faultline.1 share/man/man5/faultline-scenario.5
share/bash-completion/completions/faultline share/zsh/site-functions/_faultline"
missing=""
for f in $expected; do [ -f "$installed/$f" ] || missing="$missing $f"; done
check "every file is installed under PREFIX" "$([ -z "$missing" ]; echo $?)" "missing:$missing"
extra=$(cd "$stage" && find . -type f | sed "s|^\./${prefix#/}/||" | sort | comm -23 - <(echo "$expected" | tr ' ' '\n' | sort))
check "nothing else is installed" "$([ -z "$extra" ]; echo $?)" "extra: $extra"
"$installed/bin/faultline" version >/dev/null 2>&1
check "the installed faultline runs" $?
grep -qx "prefix=$prefix" "$installed/lib/pkgconfig/faultline.pc"
check "faultline.pc names the prefix" $?

# --- the public interface, built with pkg-config only ---------------------
# A copy outside the checkout, so no header of the source tree can be found.
cp tests/install/api_example.c "$scratch/"
export PKG_CONFIG_PATH="$installed/lib/pkgconfig"
flags=$(pkg-config --define-variable=prefix="$installed" --cflags --libs faultline 2>&1)
check "pkg-config knows faultline" $? "$flags"
(cd "$scratch" && cc -std=c11 -Wall -Wextra -Werror api_example.c $flags -o api_example) \
    >"$scratch/cc.log" 2>&1
check "a program builds against the installed header and library" $? "$(head -5 "$scratch/cc.log")"
relocated=$(pkg-config --define-prefix --cflags faultline 2>&1 | sed 's/ *$//')
check "pkg-config --define-prefix finds the staged headers" \
    "$([ "$relocated" = "-I$installed/include" ]; echo $?)" "$relocated"

# FILE SEED: the seed's verdict word as replay says it, and its hash.
replay_says() {
    local text verdict
    text=$("$faultline" replay "$1" --seed "$2" 2>&1)
    case "$text" in
    *"fails (found) at seed"*) verdict=found ;;
    *"(not found) at seed"* | *"not a find"*) verdict="not found" ;;
    *": seed $2 held"*) verdict=held ;;
    *) verdict=FAILED ;;
    esac
    echo "seed $2: $verdict trace hash $(echo "$text" | sed -n 's/^trace hash //p' | tail -1)"
}

# FILE: run's line for the file: "held" or "found ... at seed S".
run_says() {
    "$faultline" run "$1" --jobs 1 2>/dev/null | head -1 | awk '{print $1, $NF}'
}

for case in retry/get_retried_after_reset.yaml:3 shield/v020_finds.yaml:3 \
            shield/v020_finds.yaml:1 mapping/reset_awaiting_response.yaml:7; do
    file=$root/scenarios/${case%%:*}
    seed=${case##*:}
    api=$("$scratch/api_example" "$file" "$seed" 2>&1)
    want=$(replay_says "$file" "$seed")
    got=$(echo "$api" | head -1)
    check "the API's seed $seed of ${case%%:*} is replay's" "$([ "$got" = "$want" ]; echo $?)" \
        "api '$got', replay '$want'"
    range=$(echo "$api" | sed -n 2p)
    run_line=$(run_says "$file")
    case "$run_line" in
    "held seeds") want_range="held at seed" ;;
    found*) want_range="found at seed ${run_line##* }" ;;
    *) want_range="?" ;;
    esac
    check "the API's range of ${case%%:*} is run's" \
        "$([[ "$range" == *": $want_range"* ]]; echo $?)" "api '$range', run '$run_line'"
done

# --- man pages ---------------------------------------------------------------
for page in man1/faultline.1 man5/faultline-scenario.5; do
    warnings=$(MANWIDTH=80 man --warnings -l "$installed/share/man/$page" 2>&1 >/dev/null)
    check "man renders $page without warnings" "$([ -z "$warnings" ]; echo $?)" "$warnings"
    warnings=$(groff -ww -man -Tutf8 -z "$installed/share/man/$page" 2>&1)
    check "groff -ww reads $page without warnings" "$([ -z "$warnings" ]; echo $?)" "$warnings"
    MANWIDTH=80 man -l "$installed/share/man/$page" 2>/dev/null | grep -q '^NAME'
    check "$page has a NAME section" $?
done
grep -q '^FAULTS$' <(MANWIDTH=80 man -l "$installed/share/man/man5/faultline-scenario.5" 2>/dev/null)
check "faultline-scenario(5) has the faults section of docs/SCENARIOS.md" $?

commands=$("$faultline" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
page=$(sed 's/\\-/-/g' man/faultline.1)
# The source of a command's section: from its .SS line to the next.
section() { echo "$page" | awk -v c="$1" '/^\.SS/ { on = index($0, "\"" c " ") || index($0, "\"" c ",") || $0 ~ ("[ \"]" c "\"") } on'; }
absent=""
for c in $commands; do
    [ -n "$(section "$c")" ] || { absent="$absent $c"; continue; }
    [ "$c" = version ] || [ "$c" = help ] && continue
    for option in $("$faultline" "$c" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        [ "$option" = --help ] && continue
        section "$c" | grep -q -- "$option" || absent="$absent $c:$option"
    done
done
check "faultline(1) names every command and each command's options" \
    "$([ -z "$absent" ]; echo $?)" "not in the page:$absent"
grep -q "faultline $("$faultline" version | awk '{print $2}')\"" man/faultline.1
check "faultline(1) carries the binary's version" $?

# --- completions -------------------------------------------------------------
# The options a command's usage lines (and fetch's options list) name.
usage_options() {
    "$faultline" "$1" --help 2>&1 \
        | awk '/^usage:/ { usage = 1; print; next } usage && /^    / { print; next }
               { usage = 0 } /^options:/ { listed = 1 } listed { print }' \
        | grep -o -- '--[a-z][a-z-]*' | grep -vx -- --help | sort -u
}
# COMPREPLY for the words given (the last one being completed), sorted.
complete_words() {
    (
        source "$installed/share/bash-completion/completions/faultline"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        _faultline
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
    )
}
got=$(complete_words faultline re)
check "bash completes commands" "$([ "$got" = "replay " ]; echo $?)" "'$got'"
got=$(complete_words faultline "")
missing=""
for c in $commands; do [[ " $got" == *" $c "* ]] || missing="$missing $c"; done
check "bash offers every command of --help" "$([ -z "$missing" ]; echo $?)" "missing:$missing"
missing=""
for c in $commands; do
    [ "$c" = version ] || [ "$c" = help ] && continue
    got=$(complete_words faultline "$c" --)
    for option in $(usage_options "$c"); do
        [[ " $got" == *" $option "* ]] || missing="$missing $c:$option"
    done
done
check "bash offers each command's options" "$([ -z "$missing" ]; echo $?)" "missing:$missing"
kinds=$("$faultline" new --help | sed -n '/^  kinds:/,/^exit/p' | awk 'NF > 1 && $1 != "kinds:" && $1 != "exit" {print $1}' | sort | tr '\n' ' ')
got=$(complete_words faultline new "")
check "bash offers new's kinds" "$([ "$got" = "$kinds" ]; echo $?)" "'$got' vs '$kinds'"
got=$(complete_words faultline run --policy "")
check "bash offers the policies" "$([ "$got" = "fifo pct random replay trio " ]; echo $?)" "'$got'"
mkdir -p "$scratch/files/suite"
touch "$scratch/files/a.yaml" "$scratch/files/b.yml" "$scratch/files/notes.txt"
got=$(cd "$scratch/files" && complete_words faultline run "")
check "bash offers scenario files and folders" "$([ "$got" = "a.yaml b.yml suite " ]; echo $?)" "'$got'"

if command -v zsh >/dev/null 2>&1; then
    zsh -n "$installed/share/zsh/site-functions/_faultline"
    check "the zsh completion parses" $?
    zsh -f -c "fpath=($installed/share/zsh/site-functions \$fpath); autoload -Uz compinit; compinit -u -d $scratch/zcompdump; [[ \$_comps[faultline] == _faultline ]]"
    check "zsh's compinit binds it to faultline" $?
    missing=""
    for c in $commands; do
        [ "$c" = version ] || [ "$c" = help ] && continue
        grep -q "^ *'$c:" "$installed/share/zsh/site-functions/_faultline" || missing="$missing $c"
        block=$(sed -n "/^\([a-z|]*|\)\{0,1\}$c\(|[a-z|]*\)\{0,1\})/,/;;/p" "$installed/share/zsh/site-functions/_faultline")
        for option in $(usage_options "$c"); do
            [[ "$block" == *"$option"* ]] || missing="$missing $c:$option"
        done
    done
    check "zsh offers every command and its options" "$([ -z "$missing" ]; echo $?)" "missing:$missing"
else
    check "zsh is installed" 1 "make deps installs zsh"
fi

# --- uninstall ---------------------------------------------------------------
make --no-print-directory uninstall DESTDIR="$stage" PREFIX="$prefix" >"$scratch/uninstall.log" 2>&1
check "make uninstall succeeds" $? "$(tail -5 "$scratch/uninstall.log")"
left=$(find "$stage" -type f -o -type l)
check "uninstall leaves no file" "$([ -z "$left" ]; echo $?)" "left: $left"
[ ! -e "$installed/include/faultline" ]
check "uninstall removes the header folder" $?
finish
