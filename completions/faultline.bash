# bash completion for faultline(1): commands, each command's options, the
# values some options take, and scenario files (*.yaml, *.yml) or folders.
# tests/install/test_install.sh checks the lists against each --help.

_faultline_commands="run replay explore merge shrink new check list schema serve proxy fetch version help"
_faultline_kinds="retry stream sse shield cross-task flaky mapping"

# The options of a command, as its --help names them.
_faultline_options() {
    case "$1" in
    run) echo "--seeds --policy --schedule --junit --json --jobs --timeout --shard
               --trace-failures --marks --require-marks --matrix --self-check --html --seed
               -k --keyword --tag -x --exitfirst --lf --ff -q --quiet -v --verbose --help" ;;
    replay) echo "--seed --policy --depth --schedule --trace --help" ;;
    explore) echo "--policy --runs --depth --bound --time --jobs --timeout --help" ;;
    merge) echo "--junit --json --marks --require-marks --matrix --html --coverage-tracefile
                 --coverage-out --help" ;;
    shrink) echo "--seed --policy --schedule --out --help" ;;
    serve) echo "--listen --duration --log-level --log-json --timeout-graceful-shutdown --help" ;;
    proxy) echo "--listen --upstream --admin --log --seed --allow-remote --duration --help" ;;
    fetch) echo "-X --request -H --header -d --data --stream-body --timeout --max-time --retry
                 --repeat --help" ;;
    check | list) echo "-k --keyword --tag --lf --ff --help" ;;
    new | schema) echo "--help" ;;
    esac
}

_faultline() {
    local cur prev command
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$_faultline_commands --help --version" -- "$cur"))
        return
    fi
    command=${COMP_WORDS[1]}
    case "$prev" in
    --policy)
        if [ "$command" = explore ]; then
            COMPREPLY=($(compgen -W "random trio pct dfs fifo" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "fifo random trio pct replay" -- "$cur"))
        fi
        return ;;
    --jobs) COMPREPLY=($(compgen -W "auto 1 2 4 8" -- "$cur")); return ;;
    --log-level)
        COMPREPLY=($(compgen -W "critical error warning info debug trace" -- "$cur")); return ;;
    --junit | --json | --trace | --out | --coverage-tracefile | -d | --data)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --html | --trace-failures | --coverage-out)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --seeds | --seed | --schedule | --timeout | --shard | --self-check | --runs | --depth | \
    --bound | --time | --listen | --duration | -X | --request | -H | --header | --stream-body | \
    --max-time | --retry | --repeat | -k | --keyword | --tag | --timeout-graceful-shutdown)
        return ;; # a value to type
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_faultline_options "$command")" -- "$cur"))
        return
    fi
    case "$command" in
    new)
        if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W "$_faultline_kinds" -- "$cur")); fi
        return ;;
    merge) COMPREPLY=($(compgen -f -X '!*.jsonl' -- "$cur") $(compgen -d -- "$cur")) ;;
    fetch | version | help) return ;;
    *) COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -f -X '!*.yml' -- "$cur")
                  $(compgen -d -- "$cur")) ;;
    esac
}
complete -o filenames -F _faultline faultline
