/* The scenario commands of the faultline CLI, as functions that write to the
 * given streams and return the exit code, so tests can run them in-process:
 *
 *   check PATH...    validate scenario files only
 *   list PATH...     one line per scenario: file, name, mode, seeds, tags
 *   run PATH...      run every scenario for every seed; one line each, the
 *                    replay command for every failure, a summary
 *   replay FILE --seed N   one seed, its timeline and trace hash
 *   explore FILE     every seed of --runs N under random and pct: how often
 *                    the bug shows, and its distinct signatures
 *   merge SHARD.jsonl...   run --shard K/N's --json results, combined into
 *                    the unsharded run's lines, reports and exit code
 *   new KIND NAME    a commented starter scenario file of that kind
 *
 * Exit codes: 0 everything held (or validated), 1 a scenario failed, 2 a
 * usage or scenario-file error (for run also a report file that cannot be
 * written, or a worker pool that cannot start), 5 (run only) no scenario
 * file matched the paths or the shard. An error outranks 5, which outranks
 * 1. argv[0] is the command's name. */
#ifndef FL_HARNESS_COMMANDS_H
#define FL_HARNESS_COMMANDS_H

#include <stdio.h>

enum {
    FL_EXIT_HELD = 0,
    FL_EXIT_FAILED = 1,
    FL_EXIT_ERROR = 2,
    /* As pytest's 5 ("no tests collected"): a run of nothing did not pass. */
    FL_EXIT_NOTHING_MATCHED = 5,
};

int fl_cli_check(int argc, char **argv, FILE *out, FILE *err);
int fl_cli_list(int argc, char **argv, FILE *out, FILE *err);
int fl_cli_run(int argc, char **argv, FILE *out, FILE *err);
int fl_cli_replay(int argc, char **argv, FILE *out, FILE *err);
int fl_cli_explore(int argc, char **argv, FILE *out, FILE *err);
int fl_cli_shrink(int argc, char **argv, FILE *out, FILE *err);
/* merge SHARD.jsonl...: the shards' --json results as one run's (command_merge.c). */
int fl_cli_merge(int argc, char **argv, FILE *out, FILE *err);
/* new KIND NAME: a starter scenario file, never over an existing one (command_new.c). */
int fl_cli_new(int argc, char **argv, FILE *out, FILE *err);
/* schema: the scenario file's JSON Schema on out (command_schema.c). */
int fl_cli_schema(int argc, char **argv, FILE *out, FILE *err);

#endif /* FL_HARNESS_COMMANDS_H */
