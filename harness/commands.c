/* The scenario commands: see commands.h. */
#include "harness/commands.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/json.h"
#include "harness/loader.h"
#include "harness/runner.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

/* Bounds: a suite is a few hundred files, not an unbounded walk. */
enum { FILES_MAX = 4096, DEPTH_MAX = 16 };

typedef struct file_list {
    char *paths[FILES_MAX];
    size_t count;
    bool overflow;
} file_list_t;

static bool ends_with(const char *text, const char *suffix) {
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static int compare_paths(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_file(file_list_t *list, const char *path) {
    if (list->count == FILES_MAX) {
        list->overflow = true;
        return;
    }
    list->paths[list->count++] = strdup(path);
}

/* Collects *.yaml and *.yml files under path (sorted per directory, so the
 * order never depends on the file system). */
static int collect(file_list_t *list, const char *path, int depth, FILE *err) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(err, "%s: error: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        add_file(list, path);
        return 0;
    }
    if (depth > DEPTH_MAX) {
        fprintf(err, "%s: error: directories nested too deep\n", path);
        return -1;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(err, "%s: error: cannot open directory: %s\n", path, strerror(errno));
        return -1;
    }
    char *names[FILES_MAX];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < FILES_MAX) {
        if (entry->d_name[0] == '.') continue;
        names[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], compare_paths);
    int status = 0;
    for (size_t i = 0; i < count; i++) {
        char child[4096];
        snprintf(child, sizeof child, "%s%s%s", path, ends_with(path, "/") ? "" : "/", names[i]);
        struct stat child_st;
        if (stat(child, &child_st) == 0 && S_ISDIR(child_st.st_mode)) {
            if (collect(list, child, depth + 1, err) != 0) status = -1;
        } else if (ends_with(names[i], ".yaml") || ends_with(names[i], ".yml")) {
            add_file(list, child);
        }
        free(names[i]);
    }
    return status;
}

static void free_files(file_list_t *list) {
    for (size_t i = 0; i < list->count; i++) free(list->paths[i]);
    list->count = 0;
}

/* --- options ------------------------------------------------------------------------ */

typedef struct options {
    const char *paths[256];
    size_t path_count;
    const char *policy;
    bool has_seeds;
    uint64_t seed_first, seed_last;
    bool has_seed;
    uint64_t seed;
    const char *schedule;
    const char *junit;
    const char *json;
} options_t;

static bool parse_u64(const char *text, uint64_t *out) {
    if (text == NULL || *text == '\0') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || text[0] == '-') return false;
    *out = v;
    return true;
}

static bool parse_range(const char *text, uint64_t *first, uint64_t *last) {
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

static const char *RUN_USAGE =
    "usage: faultline run PATH... [--seeds A..B] [--policy fifo|random|trio] [--junit FILE] "
    "[--json FILE]\n"
    "  runs every scenario file under PATH (directories are searched for *.yaml) for every\n"
    "  seed; prints one line per scenario and the command that replays each failure.\n";

/* Parses the options shared by the commands; returns 0, or 2 after a message. */
static int parse_options(int argc, char **argv, options_t *o, const char *usage, FILE *err) {
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seeds") == 0) {
            if (value == NULL || !parse_range(value, &o->seed_first, &o->seed_last)) {
                fprintf(err, "faultline %s: --seeds takes A..B with A <= B, got '%s'\n%s",
                        argv[0], value ? value : "", usage);
                return 2;
            }
            o->has_seeds = true;
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(value, &o->seed)) {
                fprintf(err, "faultline %s: --seed takes a number, got '%s'\n%s", argv[0],
                        value ? value : "", usage);
                return 2;
            }
            o->has_seed = true;
            i++;
        } else if (strcmp(a, "--policy") == 0) {
            if (value == NULL || !fl_policy_name_valid(value)) {
                fprintf(err, "faultline %s: unknown policy '%s' (fifo, random, trio, replay)\n%s",
                        argv[0], value ? value : "", usage);
                return 2;
            }
            o->policy = value;
            i++;
        } else if (strcmp(a, "--schedule") == 0 || strcmp(a, "--junit") == 0 ||
                   strcmp(a, "--json") == 0) {
            if (value == NULL) {
                fprintf(err, "faultline %s: %s needs a value\n%s", argv[0], a, usage);
                return 2;
            }
            if (strcmp(a, "--schedule") == 0) o->schedule = value;
            else if (strcmp(a, "--junit") == 0) o->junit = value;
            else o->json = value;
            i++;
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "--shard") == 0 ||
                   strcmp(a, "--trace") == 0) {
            fprintf(err, "faultline %s: %s is not supported yet: scenarios run in this process, "
                         "one after another\n",
                    argv[0], a);
            return 2;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(err, "faultline %s: unknown option '%s'\n%s", argv[0], a, usage);
            return 2;
        } else if (o->path_count < sizeof o->paths / sizeof o->paths[0]) {
            o->paths[o->path_count++] = a;
        }
    }
    if (o->path_count == 0) {
        fprintf(err, "faultline %s: no scenario file or directory given\n%s", argv[0], usage);
        return 2;
    }
    return 0;
}

static int collect_all(const options_t *o, file_list_t *files, FILE *err) {
    int status = 0;
    for (size_t i = 0; i < o->path_count; i++)
        if (collect(files, o->paths[i], 0, err) != 0) status = 2;
    if (files->overflow) {
        fprintf(err, "faultline: more than %d scenario files: the rest are not read\n", FILES_MAX);
        status = 2;
    }
    return status;
}

/* --- check and list ------------------------------------------------------------------- */

int fl_cli_check(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    static const char *usage = "usage: faultline check PATH...\n  validates scenario files\n";
    int status = parse_options(argc, argv, &o, usage, err);
    if (status != 0) return status;
    file_list_t files = {0};
    status = collect_all(&o, &files, err);
    size_t bad = 0;
    for (size_t i = 0; i < files.count; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t scenario;
        char error[1024];
        if (fl_scenario_load_file(&arena, files.paths[i], &scenario, error, sizeof error) != FL_OK) {
            fprintf(err, "%s\n", error);
            bad++;
        } else {
            fprintf(out, "ok      %s\n", files.paths[i]);
        }
        fl_arena_destroy(&arena);
    }
    fprintf(out, "%zu files: %zu valid, %zu invalid\n", files.count, files.count - bad, bad);
    free_files(&files);
    return bad > 0 || status != 0 ? 2 : 0;
}

int fl_cli_list(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    static const char *usage = "usage: faultline list PATH...\n";
    int status = parse_options(argc, argv, &o, usage, err);
    if (status != 0) return status;
    file_list_t files = {0};
    status = collect_all(&o, &files, err);
    for (size_t i = 0; i < files.count; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t s;
        char error[1024];
        if (fl_scenario_load_file(&arena, files.paths[i], &s, error, sizeof error) != FL_OK) {
            fprintf(err, "%s\n", error);
            status = 2;
        } else {
            fprintf(out, "%-48s %-6s seeds %" PRIu64 "..%" PRIu64 " %-7s %s\n", files.paths[i],
                    s.mode == FL_SCENARIO_FINDS ? "finds" : "holds", s.seed_first, s.seed_last,
                    s.policy, s.name);
        }
        fl_arena_destroy(&arena);
    }
    free_files(&files);
    return status;
}

/* --- run -------------------------------------------------------------------------------- */

typedef struct outcome {
    char *file;
    char *name;
    bool finds;
    bool passed;
    bool load_error;
    uint64_t seeds_run;
    uint64_t seed;
    char *message;
    char *policy;
} outcome_t;

/* XML text and attribute escaping for JUnit reports. */
static void xml_text(FILE *f, const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        default:
            if (*p < 0x20 && *p != '\t') fputc('?', f); /* not allowed in XML 1.0 */
            else fputc(*p, f);
        }
    }
}

static void write_junit(const char *path, outcome_t *outcomes, size_t count, FILE *err) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(err, "faultline run: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    size_t failures = 0;
    for (size_t i = 0; i < count; i++) failures += !outcomes[i].passed;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuite name=\"faultline\" tests=\"%zu\" failures=\"%zu\">\n", count, failures);
    for (size_t i = 0; i < count; i++) {
        outcome_t *r = &outcomes[i];
        fprintf(f, "  <testcase classname=\"");
        xml_text(f, r->file);
        fprintf(f, "\" name=\"");
        xml_text(f, r->name ? r->name : r->file);
        fprintf(f, "\">");
        if (!r->passed) {
            fprintf(f, "<failure message=\"");
            xml_text(f, r->message ? r->message : "failed");
            fprintf(f, "\">replay: faultline replay ");
            xml_text(f, r->file);
            fprintf(f, " --seed %" PRIu64 " --policy ", r->seed);
            xml_text(f, r->policy ? r->policy : "random");
            fprintf(f, "</failure>");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "</testsuite>\n");
    fclose(f);
}

static void write_jsonl(const char *path, outcome_t *outcomes, size_t count, FILE *err) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(err, "faultline run: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    for (size_t i = 0; i < count; i++) {
        outcome_t *r = &outcomes[i];
        fl_json_writer_t w;
        fl_json_init(&w, f);
        fl_json_object_begin(&w);
        fl_json_key(&w, "file");
        fl_json_string(&w, r->file);
        fl_json_key(&w, "name");
        fl_json_string(&w, r->name ? r->name : "");
        fl_json_key(&w, "mode");
        fl_json_string(&w, r->finds ? "finds" : "holds");
        fl_json_key(&w, "passed");
        fl_json_bool(&w, r->passed);
        fl_json_key(&w, "invalid");
        fl_json_bool(&w, r->load_error);
        fl_json_key(&w, "seeds_run");
        fl_json_uint(&w, r->seeds_run);
        fl_json_key(&w, "seed");
        fl_json_uint(&w, r->seed);
        fl_json_key(&w, "message");
        fl_json_string(&w, r->message ? r->message : "");
        fl_json_object_end(&w);
        fputc('\n', f);
    }
    fclose(f);
}

static void run_one(const char *path, const options_t *o, outcome_t *r, FILE *out, FILE *err) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    r->file = strdup(path);
    if (fl_scenario_load_file(&arena, path, &s, error, sizeof error) != FL_OK) {
        fprintf(err, "%s\n", error);
        r->load_error = true;
        r->message = strdup(error);
        fprintf(out, "INVALID %s\n", path);
        fl_arena_destroy(&arena);
        return;
    }
    r->name = strdup(s.name);
    r->finds = s.mode == FL_SCENARIO_FINDS;
    fl_run_config_t config = {.policy = o->policy};
    if (o->has_seeds) {
        config.has_seed_range = true;
        config.seed_first = o->seed_first;
        config.seed_last = o->seed_last;
    }
    const char *policy = o->policy ? o->policy : s.policy;
    r->policy = strdup(policy);
    fl_scenario_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("run");
    fl_scenario_run(&s, &config, result);
    r->passed = result->passed;
    r->seeds_run = result->seeds_run;
    r->seed = result->seed;
    r->message = strdup(result->message);
    if (result->passed && r->finds)
        fprintf(out, "found   %-48s at seed %" PRIu64 "\n", path, result->seed);
    else if (result->passed)
        fprintf(out, "held    %-48s %" PRIu64 " seeds\n", path, result->seeds_run);
    else {
        fprintf(out, "FAILED  %-48s %s\n", path, result->message);
        fprintf(out, "        replay: ");
        /* Not found in finds mode names no seed: any seed shows the run. */
        fl_scenario_print_replay(&s, result->seed ? result->seed : s.seed_first, policy, out);
    }
    free(result);
    fl_arena_destroy(&arena);
}

int fl_cli_run(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    int status = parse_options(argc, argv, &o, RUN_USAGE, err);
    if (status != 0) return status;
    file_list_t files = {0};
    int collect_status = collect_all(&o, &files, err);
    outcome_t *outcomes = calloc(files.count ? files.count : 1, sizeof *outcomes);
    if (outcomes == NULL) fl__out_of_memory("run");
    bool tty = isatty(fileno(err));
    size_t held = 0, failed = 0, invalid = 0;
    for (size_t i = 0; i < files.count; i++) {
        if (tty) fprintf(err, "\r[%zu/%zu] %s\033[K", i + 1, files.count, files.paths[i]);
        if (tty) fflush(err);
        if (tty) fprintf(err, "\r\033[K");
        run_one(files.paths[i], &o, &outcomes[i], out, err);
        if (outcomes[i].load_error) invalid++;
        else if (outcomes[i].passed) held++;
        else failed++;
    }
    fprintf(out, "%zu scenarios: %zu held, %zu failed, %zu invalid\n", files.count, held, failed,
            invalid);
    if (o.junit) write_junit(o.junit, outcomes, files.count, err);
    if (o.json) write_jsonl(o.json, outcomes, files.count, err);
    for (size_t i = 0; i < files.count; i++) {
        free(outcomes[i].file);
        free(outcomes[i].name);
        free(outcomes[i].message);
        free(outcomes[i].policy);
    }
    free(outcomes);
    free_files(&files);
    if (invalid > 0 || collect_status != 0) return 2;
    return failed > 0 ? 1 : 0;
}

/* --- replay ----------------------------------------------------------------------------- */

int fl_cli_replay(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    static const char *usage =
        "usage: faultline replay FILE --seed N [--policy P] [--schedule S]\n"
        "  runs one seed and prints its timeline (virtual time, task, event), the server's\n"
        "  log, the checks and the trace hash; the same seed prints the same bytes.\n";
    int status = parse_options(argc, argv, &o, usage, err);
    if (status != 0) return status;
    if (!o.has_seed || o.path_count != 1) {
        fprintf(err, "faultline replay: one FILE and --seed N are needed\n%s", usage);
        return 2;
    }
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    if (fl_scenario_load_file(&arena, o.paths[0], &s, error, sizeof error) != FL_OK) {
        fprintf(err, "%s\n", error);
        fl_arena_destroy(&arena);
        return 2;
    }
    fl_run_config_t config = {.policy = o.schedule ? "replay" : o.policy,
                              .schedule = o.schedule, .keep_trace = true, .timeline = out};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("replay");
    fl_scenario_run_seed(&s, o.seed, &config, result);
    bool finds = s.mode == FL_SCENARIO_FINDS;
    if (finds)
        fprintf(out, "%s: the check '%s' %s at seed %" PRIu64 "\n", s.name, s.finds,
                result->target_failed ? "fails (found)" : "holds (not found)", o.seed);
    else
        fprintf(out, "%s: seed %" PRIu64 " %s%s%s\n", s.name, o.seed,
                result->passed ? "held" : "FAILED: ", result->passed ? "" : result->failed_check,
                result->passed ? "" : "");
    if (!finds && !result->passed) fprintf(out, "  %s\n", result->message);
    int code = finds ? (result->target_failed ? 0 : 1) : (result->passed ? 0 : 1);
    free(result);
    fl_arena_destroy(&arena);
    return code;
}
