/* faultline: the command-line entry point.
 *
 * The scenario commands are in harness/commands.h; fetch sends one real
 * request (harness/fetch.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/commands.h"
#include "harness/real/fetch.h"
#include "harness/real/serve.h"
#include "sim/runtime/context.h"

#define FAULTLINE_VERSION "0.1.0"

static void usage(FILE *out) {
    fprintf(out,
            "usage: faultline <command> [options]\n"
            "\n"
            "faultline is a deterministic fault-injection harness for async HTTP software.\n"
            "\n"
            "commands:\n"
            "  run PATH...     run every scenario under PATH for every seed\n"
            "                  [--seeds A..B] [--policy fifo|random|trio] [--junit F] [--json F]\n"
            "                  [--jobs N|auto] [--timeout SECONDS]: N worker processes\n"
            "  replay FILE --seed N [--policy P] [--schedule S] [--trace F]\n"
            "                  run one seed; print its timeline and trace hash; --trace\n"
            "                  writes Chrome trace-event JSON (Perfetto)\n"
            "  check PATH...   validate scenario files\n"
            "  serve FILE [--listen HOST:PORT] [--duration S]\n"
            "                  the scenario's server and faults over real sockets\n"
            "  list PATH...    list scenarios: file, mode, seeds, policy, name\n"
            "  fetch URL       send one request over the real network, print the outcome as\n"
            "                  one JSON line ('faultline fetch --help' for its options)\n"
            "  version         print the version and the task-switch backend\n"
            "  help            print this text\n"
            "\n"
            "exit codes: 0 all held, 1 a scenario failed, 2 usage or scenario-file error\n"
            "            (fetch: 0 ok, 1 a client error, 2 bad arguments)\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 ||
        strcmp(command, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
        printf("faultline %s (task switch: %s)\n", FAULTLINE_VERSION, FL_CONTEXT_BACKEND);
        return 0;
    }
    if (strcmp(command, "fetch") == 0) return fl_fetch_main(argc - 1, argv + 1, stdout, stderr);
    if (strcmp(command, "run") == 0 || strcmp(command, "run-one") == 0) {
        /* `run --jobs N` re-executes this binary as `run-one FILE` per
         * scenario (hidden: one JSON result line, for the parent only). It
         * finds the binary in FAULTLINE_WORKER_EXE, set here to ourselves
         * unless the caller chose another. */
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = '\0';
            setenv("FAULTLINE_WORKER_EXE", self, 0);
        }
        return fl_cli_run(argc - 1, argv + 1, stdout, stderr);
    }
    if (strcmp(command, "replay") == 0) return fl_cli_replay(argc - 1, argv + 1, stdout, stderr);
    if (strcmp(command, "check") == 0) return fl_cli_check(argc - 1, argv + 1, stdout, stderr);
    if (strcmp(command, "serve") == 0) return fl_cli_serve(argc - 1, argv + 1, stdout, stderr);
    if (strcmp(command, "list") == 0) return fl_cli_list(argc - 1, argv + 1, stdout, stderr);
    fprintf(stderr, "faultline: unknown command '%s'\n\n", command);
    usage(stderr);
    return 2;
}
