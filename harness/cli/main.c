/* faultline: the command-line entry point, one row per command.
 *
 * The scenario commands are in harness/cli/commands.h; fetch sends one real
 * request and serve serves a scenario's app (harness/real/); proxy forwards
 * real traffic with faults (harness/proxy/). */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <faultline/faultline.h> /* FAULTLINE_VERSION */

#include "harness/cli/commands.h"
#include "harness/cli/torture.h"
#include "harness/model/yaml_reader.h"
#include "harness/proxy/proxy.h"
#include "harness/real/fetch.h"
#include "harness/real/serve.h"
#include "sim/runtime/context.h"


typedef int command_fn(int argc, char **argv, FILE *out, FILE *err);

typedef struct command_row {
    const char *name;
    command_fn *run;
    const char *synopsis; /* the usage lines, NULL: hidden */
} command_row_t;

static int run_command(int argc, char **argv, FILE *out, FILE *err);
static int explore_command(int argc, char **argv, FILE *out, FILE *err);

static const command_row_t COMMANDS[] = {
    {"run", run_command,
     "  run PATH...     run every scenario under PATH for every seed\n"
     "                  [--seeds A..B] [--policy fifo|random|trio|pct|replay] [--schedule S]\n"
     "                  [--junit F] [--json F] [--jobs N|auto] [--timeout SECONDS]\n"
     "                  [--shard K/N] [--trace-failures DIR] [-k EXPR] [--tag T] [-x]\n"
     "                  [--lf | --ff] [-q] [-v] ('faultline run --help' for each)\n"},
    {"run-one", run_command, NULL}, /* a worker's side of run --jobs */
    {"replay", fl_cli_replay,
     "  replay FILE --seed N [--policy P] [--schedule S] [--trace F]\n"
     "                  run one seed; print its timeline and trace hash; --trace\n"
     "                  writes Chrome trace-event JSON (Perfetto)\n"},
    {"explore-one", fl_cli_explore, NULL}, /* a worker's side of explore --jobs */
    {"explore", explore_command,
     "  explore FILE [--policy P] [--runs N | --time T] [--depth D] [--bound K]\n"
     "                  [--jobs N|auto]: how often a scenario's bug shows under random and pct, and\n"
     "                  its distinct failure signatures\n"},
    {"merge", fl_cli_merge,
     "  merge SHARD.jsonl...  combine the --json results of run --shard 1/N..N/N (given in\n"
     "                  shard order) into the unsharded run's lines, summary, exit code and\n"
     "                  [--junit F] [--json F] [--marks] [--require-marks] [--matrix]\n"
     "                  [--html DIR];\n"
     "                  [--coverage-tracefile F]... --coverage-out DIR merges gcovr\n"
     "                  tracefiles ('faultline merge --help')\n"},
    {"shrink", fl_cli_shrink,
     "  shrink FILE --seed N [--policy P | --schedule S] [--out FILE]\n"
     "                  cut a failing run down to the faults and choices it needs\n"},
    {"new", fl_cli_new,
     "  new KIND NAME   write NAME.yaml, a commented starter scenario of KIND (retry,\n"
     "                  stream, sse, shield, cross-task, flaky, mapping)\n"},
    {"check", fl_cli_check, "  check PATH...   validate scenario files\n"},
    {"schema", fl_cli_schema,
     "  schema          print the JSON Schema of scenario files, for editors\n"
     "                  (yaml-language-server; 'faultline schema --help')\n"},
    {"list", fl_cli_list, "  list PATH...    list scenarios: file, mode, seeds, policy, name\n"},
    {"serve", fl_cli_serve,
     "  serve FILE [--listen HOST:PORT] [--duration S] [--log-level L] [--log-json]\n"
     "             [--timeout-graceful-shutdown S]\n"
     "                  the scenario's server and faults over real sockets\n"},
    {"proxy", fl_cli_proxy,
     "  proxy --listen HOST:PORT --upstream HOST:PORT [FAULTS.yaml] [--admin HOST:PORT]\n"
     "             [--log FILE] [--seed N] [--allow-remote] [--duration S]\n"
     "                  forward HTTP/1.1 between real clients and a server, unchanged until\n"
     "                  a fault fires; JSON lines per connection and fault\n"
     "                  ('faultline proxy --help')\n"},
    {"fetch", fl_fetch_main,
     "  fetch URL       send one request over the real network, print the outcome as\n"
     "                  one JSON line ('faultline fetch --help' for its options)\n"},
};

static void usage(FILE *out) {
    assert(out != NULL);
    fprintf(out, "usage: faultline <command> [options]\n"
                 "\n"
                 "faultline is a deterministic fault-injection harness for async HTTP software.\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        /* A row's synopsis names its command. */
        assert(COMMANDS[i].synopsis == NULL || strstr(COMMANDS[i].synopsis, COMMANDS[i].name));
        if (COMMANDS[i].synopsis != NULL) fputs(COMMANDS[i].synopsis, out);
    }
    fprintf(out, "  version         print the version and the task-switch backend\n"
                 "  help            print this text\n"
                 "\n"
                 "exit codes: 0 all held, 1 a scenario failed, 2 usage or scenario-file error\n"
                 "            (run, merge: also a report file that cannot be written; merge:\n"
                 "            also shards' results that cannot be read or merged), 5 no scenario\n"
                 "            file matched (run and merge), 4 out of memory (every command;\n"
                 "            docs/HARDENING.md)\n"
                 "            (fetch: 0 ok, 1 a client error, 2 bad arguments)\n");
}

/* `run --jobs N` re-executes this binary as `run-one FILE` per scenario,
 * and `explore --jobs N` as `explore-one FILE` per range of seeds (hidden:
 * lines for the parent only). They find the binary in
 * FAULTLINE_WORKER_EXE, set here to ourselves unless the caller chose
 * another. */
static void offer_self_as_worker(void) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert(n < (ssize_t)sizeof self); /* at most what was asked, room for the NUL */
    if (n > 0) {
        self[n] = '\0';
        setenv("FAULTLINE_WORKER_EXE", self, 0);
    }
}

static int run_command(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    offer_self_as_worker();
    return fl_cli_run(argc, argv, out, err);
}

static int explore_command(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    offer_self_as_worker();
    return fl_cli_explore(argc, argv, out, err);
}

/* A usage error: the command, a likely misspelling's fix, the commands. */
static void unknown_command(const char *command) {
    assert(command != NULL);
    fl_name_list_t names = fl__name_list_for(command);
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (COMMANDS[i].synopsis != NULL) fl__name_list_add(&names, ", ", COMMANDS[i].name);
    fprintf(stderr, "faultline: unknown command '%s'", command);
    if (names.closest != NULL) fprintf(stderr, " (did you mean '%s'?)", names.closest);
    fprintf(stderr, "\ncommands: %s\nTry 'faultline --help' for more.\n", names.text);
}

int main(int argc, char **argv) {
    fl_torture_start(); /* nothing outside the torture build */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    assert(command != NULL); /* argv[argc] is the only NULL */
    if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 ||
        strcmp(command, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
        printf("faultline %s (task switch: %s)\n", FAULTLINE_VERSION, FL_CONTEXT_BACKEND);
        return 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        assert(COMMANDS[i].name != NULL && COMMANDS[i].run != NULL);
        if (strcmp(command, COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc - 1, argv + 1, stdout, stderr);
    }
    unknown_command(command);
    return 2;
}
