#include "harness/report/outcome.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "sim/runtime/out_of_memory.h"

enum { REPLAY_TEXT_MAX = 8192 };

fl_replay_command_t fl_outcome_replay_command(const fl_outcome_t *r) {
    assert(r != NULL && r->file != NULL);
    assert(!r->load_error || !r->passed); /* an invalid file neither held nor found */
    fl_replay_command_t command = {.file = r->file, .policy = r->policy, .schedule = r->schedule};
    if (r->load_error) {
        command.check_only = true;
    } else if (r->ending != FL_ENDING_RAN) {
        command.whole_run = true;
        command.has_seeds = r->has_seeds;
        command.seed_first = r->seed_first;
        command.seed_last = r->seed_last;
    } else {
        /* Not found in finds mode names no seed: any seed shows the run,
         * the first of the range. */
        command.seed = r->has_seed ? r->seed : r->seed_first;
    }
    assert(command.file == r->file);
    assert(!(command.check_only && command.whole_run));
    return command;
}

static void print_replay(const fl_outcome_t *r, FILE *out) {
    assert(r != NULL && out != NULL);
    assert(!r->passed || r->ending != FL_ENDING_RAN); /* a held or found run needs no replay */
    char text[REPLAY_TEXT_MAX];
    fl_replay_command_t command = fl_outcome_replay_command(r);
    fprintf(out, "        replay: %s\n", fl_replay_command_format(&command, text, sizeof text));
}

void fl_outcome_print(const fl_outcome_t *r, FILE *out) {
    assert(r != NULL && out != NULL && r->file != NULL);
    assert(r->ending == FL_ENDING_RAN || !r->passed); /* a worker that did not report failed */
    assert(r->term_signal == 0 || r->ending == FL_ENDING_CRASHED);
    if (r->load_error) {
        fprintf(out, "INVALID %s\n", r->file);
        print_replay(r, out);
    } else if (r->ending == FL_ENDING_CRASHED && r->term_signal != 0) {
        fprintf(out, "CRASHED %s (signal %d)\n", r->file, r->term_signal);
        print_replay(r, out);
    } else if (r->ending == FL_ENDING_CRASHED && r->exit_status == FL_EXIT_OUT_OF_MEMORY) {
        fprintf(out, "CRASHED %s (out of memory in the worker, exit %d)\n", r->file, FL_EXIT_OUT_OF_MEMORY);
        print_replay(r, out);
    } else if (r->ending == FL_ENDING_CRASHED) {
        fprintf(out, "CRASHED %s (exit %" PRId64 ", no result)\n", r->file, r->exit_status);
        print_replay(r, out);
    } else if (r->ending == FL_ENDING_TIMEOUT) {
        fprintf(out, "TIMEOUT %s\n", r->file);
        print_replay(r, out);
    } else if (r->passed && r->finds) {
        fprintf(out, "found   %-48s at seed %" PRIu64 "\n", r->file, r->seed);
    } else if (r->passed) {
        fprintf(out, "held    %-48s %" PRIu64 " seed%s\n", r->file, r->seeds_run,
                r->seeds_run == 1 ? "" : "s");
    } else {
        fprintf(out, "FAILED  %-48s %s\n", r->file, r->message ? r->message : "");
        print_replay(r, out);
    }
}

void fl_outcome_free(fl_outcome_t *r) {
    assert(r != NULL);
    free(r->file);

    free(r->name);
    free(r->message);
    free(r->policy);
    r->file = r->name = r->message = r->policy = NULL;
}
