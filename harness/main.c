/* faultline: the command-line entry point.
 *
 * fetch sends one real request (harness/fetch.h). The scenario runner,
 * replay and explore arrive with the harness; until then the CLI says so
 * plainly instead of pretending. */
#include <stdio.h>
#include <string.h>

#include "harness/fetch.h"
#include "sim/runtime/context.h"

#define FAULTLINE_VERSION "0.1.0"

static void usage(FILE *out) {
    fprintf(out,
            "usage: faultline <command> [options]\n"
            "\n"
            "faultline is a deterministic fault-injection harness for async HTTP software.\n"
            "\n"
            "commands:\n"
            "  run PATH...     run the scenario suites under PATH (arrives with the harness)\n"
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
    if (strcmp(command, "run") == 0) {
        printf("faultline run: no scenario suites yet; the scenario runner and the story "
               "suites arrive with the harness. The runtime's tests run with 'make test'.\n");
        return 0;
    }
    fprintf(stderr, "faultline: unknown command '%s'\n\n", command);
    usage(stderr);
    return 2;
}
