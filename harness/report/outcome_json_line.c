/* A `--json` line read back whole, for `faultline merge` (outcome_json.h).
 * The worker's parent reads only what a worker knows; merge knows nothing
 * but the line, so everything a report shows comes from it, and the
 * line's replay command checks that nothing was lost on the way. */
#include "harness/report/outcome_json.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/arena.h"

enum { REPLAY_TEXT_MAX = 8192, NS_PER_S = 1000000000, FRACTION_DIGITS_MAX = 9 };

/* duration_s as written (seconds with up to 9 decimals, fl_json_decimal's
 * form) in nanoseconds: exact, no double in between. */
static bool read_duration(const fl_json_value_t *object, uint64_t *ns_out) {
    assert(ns_out != NULL);
    const fl_json_value_t *value = fl_json_get(object, "duration_s");
    if (value == NULL || value->type != FL_JSON_NUMBER) return false;
    const char *at = value->text, *end = value->text + value->length;
    uint64_t seconds = 0, fraction = 0, scale = NS_PER_S;
    if (at == end || *at < '0' || *at > '9') return false; /* no sign, no bare point */
    for (; at < end && *at >= '0' && *at <= '9'; at++) {
        if (seconds > UINT64_MAX / NS_PER_S / 10) return false;
        seconds = seconds * 10 + (uint64_t)(*at - '0');
    }
    if (at < end && *at == '.') at++;
    for (; at < end && *at >= '0' && *at <= '9' && scale > 1; at++)
        scale /= 10, fraction += scale * (uint64_t)(*at - '0');
    if (at != end) return false; /* an exponent, or more than 9 decimals */
    assert(fraction < NS_PER_S);
    *ns_out = seconds * NS_PER_S + fraction;
    return true;
}

/* crashed and timed_out into the ending; the signal or exit code of a
 * crash from the message command_run.c's worker_failed wrote. */
static bool read_ending(const fl_json_value_t *object, fl_outcome_t *r) {
    assert(r != NULL && r->message != NULL);
    bool crashed, timed_out;
    if (!fl_json_get_bool(object, "crashed", &crashed) ||
        !fl_json_get_bool(object, "timed_out", &timed_out) || (crashed && timed_out))
        return false;
    r->ending = crashed ? FL_ENDING_CRASHED : timed_out ? FL_ENDING_TIMEOUT : FL_ENDING_RAN;
    if (!crashed) return true;
    int signal_number = 0;
    int64_t status = -1; /* "cannot start the worker": no exit at all */
    if (sscanf(r->message, "crashed (signal %d)", &signal_number) == 1 && signal_number > 0) {
        r->term_signal = signal_number;
    } else {
        if (sscanf(r->message, "worker exited %" SCNd64, &status) != 1) status = -1;
        r->exit_status = status;
    }
    assert(r->term_signal == 0 || r->ending == FL_ENDING_CRASHED);
    return true;
}

/* What fl_outcome_print and the replay command assume of an outcome. */
static bool consistent(const fl_outcome_t *r) {
    assert(r != NULL);
    if (r->load_error && (r->passed || r->ending != FL_ENDING_RAN)) return false;
    if (r->ending != FL_ENDING_RAN && r->passed) return false;
    /* A find names the seed it was made at; a scenario that held, none. */
    if (r->passed && r->has_seed != r->finds) return false;
    return r->has_seed || !r->has_trace_hash;
}

/* True when the line's replay member is the command r gives: then every
 * report written from r says what the shard's reports said. */
static bool replay_matches(const fl_json_value_t *object, const fl_outcome_t *r) {
    assert(r != NULL && r->file != NULL);
    const char *written = fl_json_get_string(object, "replay");
    if (written == NULL) return false;
    char text[REPLAY_TEXT_MAX];
    fl_replay_command_t command = fl_outcome_replay_command(r);
    return strcmp(fl_replay_command_format(&command, text, sizeof text), written) == 0;
}

/* The members the worker's parent fills itself: file, schedule, duration,
 * the ending, and the --seeds the parent was given. */
static const char *read_parent_members(const fl_json_value_t *object, fl_outcome_t *r,
                                       fl_arena_t *strings) {
    assert(r != NULL && strings != NULL);
    const char *file = fl_json_get_string(object, "file");
    if (file == NULL || *file == '\0') return "member file is missing or not a file's path";
    const fl_json_value_t *schedule = fl_json_get(object, "schedule");
    if (schedule == NULL || (schedule->type != FL_JSON_STRING && schedule->type != FL_JSON_NULL))
        return "member schedule is missing or neither a string nor null";
    if (!read_duration(object, &r->duration_ns))
        return "member duration_s is missing or not a number of seconds";
    if (!read_ending(object, r)) return "members crashed and timed_out are missing or both true";
    r->file = strdup(file);
    if (r->file == NULL) fl__out_of_memory("merge");
    if (schedule->type == FL_JSON_STRING) r->schedule = fl_arena_strdup(strings, schedule->text);
    const char *replay = fl_json_get_string(object, "replay");
    if (r->ending != FL_ENDING_RAN)
        r->has_seeds = replay != NULL && strstr(replay, " --seeds ") != NULL;
    else if (r->load_error)
        r->has_seeds = r->seed_first != 0 || r->seed_last != 0;
    return NULL;
}

bool fl_outcome_json_read_line(const fl_json_value_t *object, fl_outcome_t *outcome,
                               fl_arena_t *strings, const char **problem) {
    assert(outcome != NULL && strings != NULL && problem != NULL);
    assert(outcome->file == NULL && outcome->message == NULL); /* zeroed, as promised */
    *problem = NULL;
    if (object == NULL || object->type != FL_JSON_OBJECT) {
        *problem = "not a JSON object";
        return false;
    }
    if (!fl_outcome_json_read(object, outcome)) {
        *problem = "a member of an outcome is missing or of the wrong type";
        return false;
    }
    *problem = read_parent_members(object, outcome, strings);
    if (*problem == NULL && !consistent(outcome))
        *problem = "its members contradict each other (passed yet invalid or crashed, or a "
                   "seed where the mode allows none)";
    if (*problem == NULL && !replay_matches(object, outcome))
        *problem = "member replay is not the command its other members give";
    if (*problem == NULL) return true;
    fl_outcome_free(outcome);
    memset(outcome, 0, sizeof *outcome);
    return false;
}
