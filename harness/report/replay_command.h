/* The one command that replays a failure, formatted in one place for every
 * report (the text lines, JUnit, the runner's own messages).
 *
 * Two forms: a seed that failed replays with
 *   faultline replay FILE --seed S --policy P [--schedule C]
 * and a scenario that crashed or timed out, whose seed is not known, runs
 * again in this process over the same range, where the crash recurs:
 *   faultline run FILE --jobs 1 [--seeds A..B] [--policy P] [--schedule C]
 * and a file that does not load shows its error again with
 *   faultline check FILE
 * With a schedule the policy written is replay, whatever policy made the
 * schedule: a pct or dfs failure's choice list replays it alone, where its
 * seed and policy name would also need pct's depth and steps or dfs's
 * prefix.
 */
#ifndef FL_HARNESS_REPLAY_COMMAND_H
#define FL_HARNESS_REPLAY_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl_replay_command {
    const char *file;
    const char *policy;        /* NULL: "random" for a seed; left out for a range */
    const char *schedule;      /* NULL: none; else the policy written is replay */
    bool whole_run;            /* the run form, for a crash or a timeout */
    bool check_only;           /* the check form, for a file that does not load */
    uint64_t seed;             /* the replay form */
    bool has_seeds;            /* the run form: a range to give */
    uint64_t seed_first, seed_last;
} fl_replay_command_t;

/* Whether a failure under policy needs its schedule in its replay command:
 * pct and dfs, whose seed alone replays a run only with the same depth and
 * change-point range, or the same prefix. */
bool fl_replay_needs_schedule(const char *policy);

/* Formats the command into out (NUL-terminated, truncated to fit); returns
 * out. */
char *fl_replay_command_format(const fl_replay_command_t *command, char *out, size_t capacity);

#endif /* FL_HARNESS_REPLAY_COMMAND_H */
