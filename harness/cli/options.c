/* The shared options, one row each. See options.h. */
#include "harness/cli/options.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/workers.h"
#include "harness/real/serve_log.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

/* Digits only. strtoull alone would take leading spaces and a sign, and
 * wrap a negative number around: --seed " -1" once replayed seed 2^64-1. */
static bool parse_u64(const char *text, uint64_t *out) {
    assert(out != NULL);
    if (text == NULL || !isdigit((unsigned char)text[0])) return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0') return false;
    *out = v;
    return true;
}

static bool parse_range(const char *text, uint64_t *first, uint64_t *last) {
    assert(text != NULL && first != NULL && last != NULL);
    const char *dots = strstr(text, "..");
    if (dots == NULL) {
        if (!parse_u64(text, first)) return false;
        *last = *first;
        return true;
    }
    char head[32];
    size_t n = (size_t)(dots - text);
    if (n == 0 || n >= sizeof head) return false;
    memcpy(head, text, n);
    head[n] = '\0';
    return parse_u64(head, first) && parse_u64(dots + 2, last) && *first <= *last;
}

/* K/N with 1 <= K <= N <= 1024. */
static bool parse_shard(const char *text, unsigned *index_out, unsigned *count_out) {
    assert(index_out != NULL && count_out != NULL);
    if (text == NULL) return false;
    const char *slash = strchr(text, '/');
    if (slash == NULL || slash == text) return false;
    char head[32];
    size_t n = (size_t)(slash - text);
    if (n >= sizeof head) return false;
    memcpy(head, text, n);
    head[n] = '\0';
    uint64_t k, total;
    if (!parse_u64(head, &k) || !parse_u64(slash + 1, &total)) return false;
    if (k == 0 || total == 0 || k > total || total > 1024) return false;
    *index_out = (unsigned)(k - 1);
    *count_out = (unsigned)total;
    return true;
}

static bool parse_jobs(const char *text, unsigned *out) {
    assert(out != NULL);
    uint64_t n;
    if (text != NULL && strcmp(text, "auto") == 0) {
        *out = fl_workers_default_count();
        assert(*out >= 1); /* fl_workers_default_count's promise */
        return true;
    }
    if (!parse_u64(text, &n) || n == 0 || n > FL_OPTIONS_JOBS_MAX) return false;
    *out = (unsigned)n;
    return true;
}

/* One option: its name, its id, and a hint for a command that does not
 * take it. */
typedef struct option_row {
    const char *name;
    fl_option_id_t id;
    const char *takes; /* what its value is, for messages */
    const char *hint;  /* appended when a command does not take it, or NULL */
} option_row_t;

/* The options that take no value. */
enum { FLAG_OPTIONS = FL_OPT_MARKS | FL_OPT_REQUIRE_MARKS | FL_OPT_MATRIX | FL_OPT_LOG_JSON };

static const option_row_t OPTION_ROWS[] = {
    {"--seeds", FL_OPT_SEEDS, "A..B with A <= B (or one seed N)",
     " (replay runs one seed: --seed N)"},
    {"--seed", FL_OPT_SEED, "a number",
     " (it is replay's; to run one seed here, use --seeds N or --seeds N..N)"},
    {"--policy", FL_OPT_POLICY, "fifo, random, trio, pct or replay", NULL},
    {"--schedule", FL_OPT_SCHEDULE, "a choice list as replay prints it", NULL},
    {"--junit", FL_OPT_JUNIT, "a file to write", NULL},
    {"--json", FL_OPT_JSON, "a file to write", NULL},
    {"--trace", FL_OPT_TRACE, "a file to write",
     " (Chrome traces come from replay --trace FILE, one seed, or from run --trace-failures DIR)"},
    {"--jobs", FL_OPT_JOBS, "1..1024 or auto", NULL},
    {"--timeout", FL_OPT_TIMEOUT, "a number of seconds > 0", NULL},
    {"--shard", FL_OPT_SHARD, "K/N with 1 <= K <= N <= 1024", NULL},
    {"--trace-failures", FL_OPT_TRACE_FAILURES, "a directory to write traces into",
     " (it is run's; replay writes one seed's trace with --trace FILE)"},
    {"--marks", FL_OPT_MARKS, "no value", NULL},
    {"--require-marks", FL_OPT_REQUIRE_MARKS, "no value", NULL},
    {"--matrix", FL_OPT_MATRIX, "no value", NULL},
    {"--runs", FL_OPT_RUNS, "a number of runs, 1..10000000", " (explore's; run takes --seeds A..B)"},
    {"--depth", FL_OPT_DEPTH, "pct's depth, 1..16", NULL},
    {"--coverage-tracefile", FL_OPT_COVERAGE_TRACEFILE, "a gcovr JSON tracefile (repeatable)",
     " (it is merge's: faultline merge SHARD.jsonl... --coverage-tracefile F --coverage-out DIR)"},
    {"--coverage-out", FL_OPT_COVERAGE_OUT, "a directory for the merged coverage reports",
     " (it is merge's)"},
    {"--self-check", FL_OPT_SELF_CHECK, "a share of the passing seeds, 0%..100% (e.g. 5%)", NULL},
    {"--bound", FL_OPT_BOUND, "a delay bound, 0..64", NULL},
    {"--out", FL_OPT_OUT, "a file to write", " (it is shrink's)"},
    {"--html", FL_OPT_HTML, "a directory to write index.html into",
     " (it is run's: faultline run PATH --html DIR writes DIR/index.html)"},
    {"--time", FL_OPT_TIME, "a number of seconds, 1..86400", " (it is explore's)"},
    {"--listen", FL_OPT_LISTEN, "HOST:PORT", " (it is serve's)"},
    {"--duration", FL_OPT_DURATION, "whole seconds, 1..31536000", " (it is serve's)"},
    {"--log-level", FL_OPT_LOG_LEVEL, "critical, error, warning, info, debug or trace",
     " (it is serve's)"},
    {"--log-json", FL_OPT_LOG_JSON, "no value", " (it is serve's)"},
    {"--timeout-graceful-shutdown", FL_OPT_GRACEFUL_TIMEOUT, "whole seconds, 0..86400",
     " (it is serve's)"},
};

static const option_row_t *find_option(const char *name) {
    assert(name != NULL);
    for (size_t i = 0; i < sizeof OPTION_ROWS / sizeof OPTION_ROWS[0]; i++) {
        /* Row i is the option of bit i, in fl_option_id_t's order. */
        assert(OPTION_ROWS[i].id == 1u << i);
        assert(OPTION_ROWS[i].name != NULL && OPTION_ROWS[i].takes != NULL);
        if (strcmp(OPTION_ROWS[i].name, name) == 0) return &OPTION_ROWS[i];
    }
    return NULL;
}

/* "5%" or "5" (up to three decimals): per million of the seeds. */
static bool parse_share(const char *value, uint32_t *per_million) {
    assert(per_million != NULL);
    /* strtod would take spaces, signs, "inf", "nan" and hexadecimal: a share starts with
     * a digit. */
    if (value == NULL || !isdigit((unsigned char)value[0])) return false;
    char *end;
    errno = 0;
    double percent = strtod(value, &end);
    if (end == value || errno != 0 || (*end != '\0' && strcmp(end, "%") != 0)) return false;
    if (!(percent >= 0.0 && percent <= 100.0)) return false;
    *per_million = (uint32_t)(percent * 10000.0 + 0.5);
    assert(*per_million <= 1000000);
    return true;
}

/* explore --time: whole seconds, a second to a day. */
static bool parse_time_budget(const char *value, uint64_t *seconds) {
    return parse_u64(value, seconds) && *seconds >= 1 && *seconds <= 86400;
}

/* Reads one option's value into o; false when the value is not one. */
static bool read_option_value(fl_option_id_t id, const char *value, fl_options_t *o) {
    assert(o != NULL);
    switch (id) {
    case FL_OPT_SEEDS:
        if (value == NULL || !parse_range(value, &o->seed_first, &o->seed_last)) return false;
        assert(o->seed_first <= o->seed_last); /* start_outcome and the runner rely on it */
        o->has_seeds = true;
        return true;
    case FL_OPT_SEED:
        if (!parse_u64(value, &o->seed)) return false;
        o->has_seed = true;
        return true;
    case FL_OPT_POLICY:
        if (value == NULL || !fl_policy_name_valid(value)) return false;
        o->policy = value;
        return true;
    case FL_OPT_SCHEDULE: return (o->schedule = value) != NULL;
    case FL_OPT_TRACE: return (o->trace = value) != NULL;
    case FL_OPT_JUNIT: return (o->junit = value) != NULL;
    case FL_OPT_JSON: return (o->json = value) != NULL;
    case FL_OPT_JOBS: return parse_jobs(value, &o->jobs);
    case FL_OPT_TIMEOUT:
        return parse_u64(value, &o->timeout_seconds) && o->timeout_seconds != 0 &&
               o->timeout_seconds <= UINT64_MAX / 1000;
    case FL_OPT_SHARD: return parse_shard(value, &o->shard_index, &o->shard_count);
    case FL_OPT_TRACE_FAILURES: return (o->trace_failures = value) != NULL && *value != '\0';
    case FL_OPT_MARKS: return (o->marks = true);
    case FL_OPT_REQUIRE_MARKS: return (o->require_marks = true);
    case FL_OPT_MATRIX: return (o->matrix = true);
    case FL_OPT_RUNS: return parse_u64(value, &o->runs) && o->runs >= 1 && o->runs <= 10000000;
    case FL_OPT_DEPTH: {
        uint64_t depth;
        if (!parse_u64(value, &depth) || depth < 1 || depth > FL_PCT_DEPTH_MAX) return false;
        o->depth = (uint32_t)depth;
        return true;
    }
    case FL_OPT_COVERAGE_TRACEFILE:
        /* Repeatable: a full list is refused as a bad value (the message says what it takes). */
        if (value == NULL || *value == '\0' ||
            o->coverage_tracefile_count == FL_OPTIONS_TRACEFILES_MAX)
            return false;
        o->coverage_tracefiles[o->coverage_tracefile_count++] = value;
        return true;
    case FL_OPT_COVERAGE_OUT: return (o->coverage_out = value) != NULL && *value != '\0';
    case FL_OPT_OUT: return (o->out = value) != NULL && *value != '\0';
    case FL_OPT_BOUND: {
        uint64_t bound;
        if (!parse_u64(value, &bound) || bound > 64) return false;
        o->bound = (uint32_t)bound, o->has_bound = true;
        return true;
    }
    case FL_OPT_SELF_CHECK: return parse_share(value, &o->self_check_per_million) &&
                                   (o->self_check = value) != NULL;
    case FL_OPT_HTML: return (o->html = value) != NULL && *value != '\0';
    case FL_OPT_TIME: return parse_time_budget(value, &o->time_seconds);
    case FL_OPT_LISTEN: return (o->listen = value) != NULL;
    case FL_OPT_DURATION:
        return parse_u64(value, &o->duration_seconds) && o->duration_seconds >= 1 &&
               o->duration_seconds <= 31536000;
    case FL_OPT_LOG_LEVEL: return (o->log_level = value) != NULL && fl_log_level_valid(value);
    case FL_OPT_LOG_JSON: return (o->log_json = true);
    case FL_OPT_GRACEFUL_TIMEOUT:
        return (o->has_graceful_timeout = parse_u64(value, &o->graceful_timeout_seconds) &&
                                          o->graceful_timeout_seconds <= 86400);
    }
    assert(!"every option row is handled");
    return false;
}

/* Reads one option's value into o; returns 0, or 2 after a message that
 * says what the option takes. */
static int parse_option_value(const option_row_t *row, const char *value, fl_options_t *o,
                              const char *command, const char *usage, FILE *err) {
    assert(row != NULL && o != NULL && command != NULL && usage != NULL && err != NULL);
    assert(row >= OPTION_ROWS && row < OPTION_ROWS + sizeof OPTION_ROWS / sizeof OPTION_ROWS[0]);
    if (read_option_value(row->id, value, o)) return 0;
    if (value == NULL)
        fprintf(err, "faultline %s: %s needs a value (%s)\n%s", command, row->name, row->takes,
                usage);
    else
        fprintf(err, "faultline %s: %s takes %s, got '%s'\n%s", command, row->name, row->takes,
                value, usage);
    return 2;
}

/* A schedule means the replay policy, and the replay policy needs one;
 * the schedule must parse. Returns 0, or 2 after a message. */
static int check_schedule(fl_options_t *o, const char *command, const char *usage, FILE *err) {
    assert(o != NULL && command != NULL && usage != NULL && err != NULL);
    if (o->schedule != NULL && o->policy != NULL && strcmp(o->policy, "replay") != 0) {
        fprintf(err, "faultline %s: --schedule runs the replay policy, not '%s'\n%s", command,
                o->policy, usage);
        return 2;
    }
    if (o->schedule != NULL) {
        o->policy = "replay";
        char problem[256];
        uint32_t *choices = NULL;
        size_t choice_count = 0;
        if (fl_schedule_parse(o->schedule, &choices, &choice_count, problem, sizeof problem) !=
            FL_OK) {
            fprintf(err, "faultline %s: --schedule: %s\n%s", command, problem, usage);
            return 2;
        }
        assert(choices != NULL || choice_count == 0);
        free(choices);
    }
    if (o->policy != NULL && strcmp(o->policy, "replay") == 0 && o->schedule == NULL) {
        fprintf(err, "faultline %s: --policy replay needs --schedule S (the choice list to "
                     "replay)\n%s", command, usage);
        return 2;
    }
    /* A schedule if and only if the replay policy. */
    assert((o->schedule != NULL) == (o->policy != NULL && strcmp(o->policy, "replay") == 0));
    return 0;
}

int fl_options_parse(int argc, char **argv, fl_options_t *o, const char *usage, unsigned accepts,
                     FILE *err) {
    assert(argc >= 1 && argv != NULL && o != NULL && usage != NULL && err != NULL);
    assert((accepts & ~((unsigned)FL_OPT_LAST * 2 - 1)) == 0); /* fl_option_id_t bits only */
    memset(o, 0, sizeof *o);
    o->timeout_seconds = FL_OPTIONS_TIMEOUT_DEFAULT_S;
    const char *command = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        assert(a != NULL && o->path_count <= FL_OPTIONS_PATHS_MAX);
        const option_row_t *row = find_option(a);
        if (row != NULL && !(accepts & row->id)) {
            fprintf(err, "faultline %s: %s is not an option of %s%s\n%s", command, a, command,
                    row->hint ? row->hint : "", usage);
            return 2;
        }
        if (row != NULL && (row->id & FLAG_OPTIONS)) {
            int status = parse_option_value(row, NULL, o, command, usage, err);
            assert(status == 0); /* a flag always reads */
        } else if (row != NULL) {
            int status = parse_option_value(row, i + 1 < argc ? argv[i + 1] : NULL, o, command,
                                            usage, err);
            if (status != 0) return status;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(err, "faultline %s: unknown option '%s'\n%s", command, a, usage);
            return 2;
        } else if (o->path_count < sizeof o->paths / sizeof o->paths[0]) {
            o->paths[o->path_count++] = a;
        } else {
            fprintf(err, "faultline %s: more than %zu paths: give directories instead\n", command,
                    sizeof o->paths / sizeof o->paths[0]);
            return 2;
        }
    }
    if (o->path_count == 0) {
        /* merge's paths are the shards' results; every other command's, scenarios. */
        fprintf(err, "faultline %s: no %s given\n%s", command,
                strcmp(command, "merge") == 0 ? "shard's --json file" : "scenario file or directory",
                usage);
        return 2;
    }
    assert(o->path_count > 0 && o->path_count <= FL_OPTIONS_PATHS_MAX);
    return check_schedule(o, command, usage, err);
}

bool fl_options_wants_help(int argc, char **argv) {
    assert(argc >= 1 && argv != NULL);
    for (int i = 1; i < argc; i++) {
        assert(argv[i] != NULL);
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    }
    return false;
}

fl_run_config_t fl_options_run_config(const fl_options_t *o) {
    assert(o != NULL);
    /* As fl_options_parse leaves them: check_schedule and parse_range's. */
    assert(o->schedule == NULL || (o->policy != NULL && strcmp(o->policy, "replay") == 0));
    assert(!o->has_seeds || o->seed_first <= o->seed_last);
    fl_run_config_t config = {.policy = o->policy, .schedule = o->schedule, .pct_depth = o->depth,
                              .self_check_per_million = o->self_check_per_million};
    if (o->has_seeds) {
        config.has_seed_range = true;
        config.seed_first = o->seed_first;
        config.seed_last = o->seed_last;
    }
    return config;
}
