/* The scenario loader: a YAML file (docs/SCENARIOS.md) into an fl_scenario_t.
 *
 * Loading is strict, because a scenario that silently ignores a misspelt key
 * tests something other than what its author meant: unknown keys, wrong
 * types, malformed durations and sizes, unknown names (policies, versions,
 * error kinds, log kinds, fault triggers and actions, step kinds), missing
 * required keys and references to steps, tasks or expectations that do not
 * exist are all refused, with the position of the offending node.
 *
 * Errors are written into error (capacity error_size, always NUL-terminated
 * when error_size > 0) as "FILE:LINE:COL: error: MESSAGE", line and column
 * 1-based.
 */
#ifndef FL_HARNESS_LOADER_H
#define FL_HARNESS_LOADER_H

#include <stddef.h>

#include "harness/model/scenario.h"
#include "sim/runtime/arena.h"

/* Reads and loads the file at path. Every string and array of *out (and the
 * file name, which becomes out->file) is copied into arena and lives as long
 * as it; nothing else is retained. Returns 0, or FL_EINVAL with the message
 * in error ("cannot open" for a file that cannot be read); *out is then
 * unspecified. */
int fl_scenario_load_file(fl_arena_t *arena, const char *path, fl_scenario_t *out, char *error,
                          size_t error_size);

/* As fl_scenario_load_file, but it reads on after an error, to report the
 * file's every error at once (as a compiler does): each list item and
 * section is read even when one before failed, except what refers to a
 * part that failed (docs/SCENARIOS.md, below the error format). The
 * errors go into error one a line, in the order they are read, as many as
 * fit, then "(and N more errors)"; their number into *error_count (0 when
 * it loads). */
int fl_scenario_check_file(fl_arena_t *arena, const char *path, fl_scenario_t *out, char *error,
                           size_t error_size, size_t *error_count);

/* As fl_scenario_load_file, from the NUL-terminated text yaml; name stands
 * for the file in out->file and in messages. */
int fl_scenario_load_string(fl_arena_t *arena, const char *name, const char *yaml,
                            fl_scenario_t *out, char *error, size_t error_size);

/* As fl_scenario_load_string, from length bytes that may hold anything (a
 * NUL byte is refused with its position, as in a file); text[length] must
 * be '\0', as libyaml's string input reads up to it. For the fuzz target
 * and callers that hold a file's bytes already. */
int fl_scenario_load_bytes(fl_arena_t *arena, const char *name, const char *text, size_t length,
                           fl_scenario_t *out, char *error, size_t error_size);

/* Builds s->fault_plan from s->faults, validating each entry, in arena:
 * what the loader does for a file, for a scenario put together in C.
 * Returns 0, or FL_EINVAL with the first refused entry's message. */
int fl_scenario_plan_faults(fl_arena_t *arena, fl_scenario_t *s, char *error, size_t error_size);

#endif /* FL_HARNESS_LOADER_H */
