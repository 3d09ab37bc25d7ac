#include "harness/report/replay_command.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool fl_replay_needs_schedule(const char *policy) {
    return policy != NULL && (strcmp(policy, "pct") == 0 || strcmp(policy, "dfs") == 0);
}

/* A schedule is played by the replay policy whatever policy made it (a
 * pct or dfs failure's list), and --schedule takes no other. */
static const char *policy_of(const fl_replay_command_t *c) {
    return c->schedule != NULL ? "replay" : c->policy;
}

char *fl_replay_command_format(const fl_replay_command_t *c, char *out, size_t capacity) {
    assert(c != NULL && c->file != NULL && out != NULL && capacity > 0);
    int used;
    const char *policy = policy_of(c);
    assert(!(c->check_only && c->whole_run));
    if (c->check_only) {
        snprintf(out, capacity, "faultline check %s", c->file);
        assert(strlen(out) < capacity);
        return out;
    }
    if (c->whole_run) {
        used = snprintf(out, capacity, "faultline run %s --jobs 1", c->file);
        if (c->has_seeds && used >= 0 && (size_t)used < capacity)
            used += snprintf(out + used, capacity - (size_t)used, " --seeds %" PRIu64 "..%" PRIu64,
                             c->seed_first, c->seed_last);
        if (policy != NULL && used >= 0 && (size_t)used < capacity)
            used += snprintf(out + used, capacity - (size_t)used, " --policy %s", policy);
    } else {
        used = snprintf(out, capacity, "faultline replay %s --seed %" PRIu64 " --policy %s",
                        c->file, c->seed, policy != NULL ? policy : "random");
    }
    if (c->schedule != NULL && used >= 0 && (size_t)used < capacity)
        snprintf(out + used, capacity - (size_t)used, " --schedule %s", c->schedule);
    assert(strlen(out) < capacity); /* truncated, never unterminated */
    return out;
}
