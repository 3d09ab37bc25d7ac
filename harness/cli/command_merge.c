/* faultline merge SHARD.jsonl...: the reports of a suite run on N machines
 * (`run --shard K/N --json SHARD.jsonl` on each), combined into the reports
 * one unsharded run would have written, in its order: file i of the
 * unsharded run is line i div N of shard (i mod N) + 1 (scenario_files.c's
 * fl_files_keep_shard), so the shards' files, given in shard order,
 * interleave back into path order. */
#include "harness/cli/commands.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/coverage_merge.h"
#include "harness/cli/options.h"
#include "harness/cli/output_dir.h"
#include "harness/cli/run_summary.h"
#include "harness/json/json.h"
#include "harness/cli/html_output.h"
#include "harness/report/outcome_json.h"
#include "sim/runtime/arena.h"

static const char *MERGE_USAGE =
    "usage: faultline merge SHARD.jsonl... [--junit FILE] [--json FILE] [--marks]\n"
    "                       [--require-marks] [--matrix] [--html DIR]\n"
    "                       [--coverage-tracefile F]... [--coverage-out DIR]\n"
    "  combines the JSON lines of `faultline run --shard K/N --json SHARD.jsonl`, one file per\n"
    "  shard given in shard order (1/N first: file i of the suite is in shard i mod N + 1),\n"
    "  into what the unsharded run gives: its lines, its summary, --junit and --json reports\n"
    "  in its order, --marks and --matrix summed over every shard, --html DIR's page (its\n"
    "  failures' seeds run again here for their diagrams), and its exit code.\n"
    "  A file that cannot be read, a line that is not an outcome, a scenario file in two\n"
    "  shards, or shards whose sizes cannot be 1/N..N/N in that order is an error (exit 2),\n"
    "  and no report is written.\n"
    "  --coverage-tracefile F (repeatable: each shard's `gcovr --json` tracefile) with\n"
    "  --coverage-out DIR runs gcovr --add-tracefile F... from this directory, the checkout's\n"
    "  root, writing DIR/index.html (with details), DIR/coverage.xml (Cobertura) and\n"
    "  DIR/coverage.json.\n"
    "exit codes: as the unsharded run: 0 every scenario held or found; 1 one failed, crashed\n"
    "  or timed out; 2 an invalid scenario file, bad input, a report that cannot be written\n"
    "  or gcovr failing; 5 no shard holds a scenario.\n";

/* One shard's file: its outcomes in its order, and the line each came from. */
typedef struct shard {
    const char *path; /* argv's */
    fl_outcome_t *outcomes;
    size_t *lines;
    size_t count, capacity;
} shard_t;

static fl_outcome_t *add_outcome(shard_t *shard, size_t line) {
    assert(shard != NULL && shard->count <= shard->capacity && line > 0);
    if (shard->count == shard->capacity) {
        size_t capacity = shard->capacity ? shard->capacity * 2 : 16;
        /* Each block is kept as soon as it has moved, so an exit for want of
         * the other leaves nothing unreachable. */
        fl_outcome_t *outcomes = realloc(shard->outcomes, capacity * sizeof *outcomes);
        if (outcomes == NULL) fl__out_of_memory("merge");
        shard->outcomes = outcomes;
        size_t *lines = realloc(shard->lines, capacity * sizeof *lines);
        if (lines == NULL) fl__out_of_memory("merge");
        shard->lines = lines;
        shard->capacity = capacity;
    }
    shard->lines[shard->count] = line;
    fl_outcome_t *r = &shard->outcomes[shard->count++];
    memset(r, 0, sizeof *r);
    return r;
}

/* One line into the shard; 0, or 2 after a message naming path:line. */
static int read_line(shard_t *shard, const char *text, size_t length, size_t line,
                     fl_arena_t *strings, FILE *err) {
    assert(shard != NULL && text != NULL && strings != NULL && err != NULL);
    fl_arena_t scratch;
    fl_arena_init(&scratch);
    const fl_json_value_t *value;
    char problem_text[256];
    const char *problem = NULL;
    if (fl_json_parse(&scratch, text, length, &value, problem_text, sizeof problem_text) != 0) {
        problem = problem_text;
    } else {
        fl_outcome_t *r = add_outcome(shard, line);
        if (!fl_outcome_json_read_line(value, r, strings, &problem)) shard->count--;
    }
    fl_arena_destroy(&scratch);
    if (problem == NULL) return 0;
    fprintf(err, "%s:%zu: error: not a line of `faultline run --json`: %s\n", shard->path, line,
            problem);
    return 2;
}

/* Every line of the shard's file; 0, or 2 after a message for each line
 * that is not an outcome (or for a file that cannot be read). */
static int read_shard(shard_t *shard, fl_arena_t *strings, FILE *err) {
    assert(shard != NULL && shard->path != NULL && strings != NULL && err != NULL);
    FILE *f = fopen(shard->path, "r");
    if (f == NULL) {
        fprintf(err, "%s: error: cannot read: %s\n", shard->path, strerror(errno));
        return 2;
    }
    int status = 0;
    char *text = NULL;
    size_t capacity = 0, line = 0;
    ssize_t length;
    while ((length = getline(&text, &capacity, f)) >= 0) {
        line++;
        if (length > 0 && text[length - 1] == '\n') length--;
        if (read_line(shard, text, (size_t)length, line, strings, err) != 0) status = 2;
    }
    if (ferror(f)) {
        fprintf(err, "%s:%zu: error: cannot read: %s\n", shard->path, line + 1, strerror(errno));
        status = 2;
    }
    free(text);
    fclose(f);
    assert(shard->count <= line);
    return status;
}

/* An outcome's place in the input, for the duplicate check. */
typedef struct place {
    const char *file;
    const shard_t *shard;
    size_t line;
} place_t;

static int compare_places(const void *a, const void *b) {
    const place_t *x = a, *y = b;
    assert(x->file != NULL && y->file != NULL);
    int order = strcmp(x->file, y->file);
    if (order != 0) return order;
    /* Ties in input order, so the message names the earlier place as "also". */
    if (x->shard != y->shard) return x->shard < y->shard ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* A scenario file in two shards (or twice in one) would be counted twice;
 * 0, or 2 after a message per repeat. */
static int check_each_file_once(const shard_t *shards, size_t shard_count, size_t total,
                                FILE *err) {
    assert(shards != NULL && err != NULL);
    place_t *places = malloc((total ? total : 1) * sizeof *places);
    if (places == NULL) fl__out_of_memory("merge");
    size_t n = 0;
    for (size_t s = 0; s < shard_count; s++)
        for (size_t i = 0; i < shards[s].count; i++)
            places[n++] = (place_t){shards[s].outcomes[i].file, &shards[s], shards[s].lines[i]};
    assert(n == total);
    qsort(places, n, sizeof *places, compare_places);
    int status = 0;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(places[i].file, places[i - 1].file) != 0) continue;
        fprintf(err, "%s:%zu: error: scenario file %s is in two shards: also %s:%zu\n",
                places[i].shard->path, places[i].line, places[i].file,
                places[i - 1].shard->path, places[i - 1].line);
        status = 2;
    }
    free(places);
    return status;
}

/* Shard K of N holds the files i with i mod N = K-1, so from the first to
 * the last the shards' sizes never grow and differ by at most one. Sizes
 * that do not are shards missing, extra or out of order: 0, or 2 after a
 * message. */
static int check_shard_sizes(const shard_t *shards, size_t shard_count, FILE *err) {
    assert(shards != NULL && shard_count > 0 && err != NULL);
    for (size_t s = 1; s < shard_count; s++) {
        size_t before = shards[s - 1].count, here = shards[s].count;
        if (here <= before && here + 1 >= shards[0].count) continue;
        fprintf(err,
                "faultline merge: %s has %zu scenario%s and %s before it %zu: the files are not "
                "the shards 1/%zu..%zu/%zu of one suite in that order (shard K of N has file i "
                "of the suite when i mod N = K-1; give every shard's file, in shard order)\n",
                shards[s].path, here, here == 1 ? "" : "s", shards[s - 1].path, before,
                shard_count, shard_count, shard_count);
        return 2;
    }
    assert(shards[shard_count - 1].count + 1 >= shards[0].count);
    return 0;
}

/* The outcomes in the unsharded run's order: file i is shard i mod N's
 * outcome i div N. Moves them out of the shards. */
static fl_outcome_t *interleave(shard_t *shards, size_t shard_count, size_t total) {
    assert(shards != NULL && shard_count > 0);
    fl_outcome_t *merged = calloc(total ? total : 1, sizeof *merged);
    if (merged == NULL) fl__out_of_memory("merge");
    for (size_t s = 0; s < shard_count; s++)
        for (size_t i = 0; i < shards[s].count; i++) {
            size_t at = i * shard_count + s;
            assert(at < total && merged[at].file == NULL); /* check_shard_sizes' promise */
            merged[at] = shards[s].outcomes[i];
        }
    for (size_t s = 0; s < shard_count; s++) shards[s].count = 0;
    return merged;
}

static void free_shards(shard_t *shards, size_t shard_count) {
    assert(shards != NULL);
    for (size_t s = 0; s < shard_count; s++) {
        for (size_t i = 0; i < shards[s].count; i++) fl_outcome_free(&shards[s].outcomes[i]);
        free(shards[s].outcomes);
        free(shards[s].lines);
    }
    free(shards);
}

/* Reads and checks every shard; the merged outcomes in *merged_out and
 * their count in *total_out. Returns 0, or 2 after the messages. */
static int load_shards(const fl_options_t *o, fl_arena_t *strings, fl_outcome_t **merged_out,
                       size_t *total_out, FILE *err) {
    assert(o != NULL && o->path_count > 0 && merged_out != NULL && total_out != NULL);
    shard_t *shards = calloc(o->path_count, sizeof *shards);
    if (shards == NULL) fl__out_of_memory("merge");
    int status = 0;
    size_t total = 0;
    for (size_t s = 0; s < o->path_count; s++) {
        shards[s].path = o->paths[s];
        if (read_shard(&shards[s], strings, err) != 0) status = 2;
        total += shards[s].count;
    }
    if (status == 0) status = check_each_file_once(shards, o->path_count, total, err);
    if (status == 0) status = check_shard_sizes(shards, o->path_count, err);
    *merged_out = status == 0 ? interleave(shards, o->path_count, total) : NULL;
    *total_out = status == 0 ? total : 0;
    free_shards(shards, o->path_count);
    return status;
}

/* The text lines run prints: each file's line, and a load error on err. */
static void print_outcomes(const fl_outcome_t *outcomes, size_t count, FILE *out, FILE *err) {
    assert((outcomes != NULL || count == 0) && out != NULL && err != NULL);
    for (size_t i = 0; i < count; i++) {
        assert(outcomes[i].file != NULL && outcomes[i].message != NULL);
        if (outcomes[i].load_error) fprintf(err, "%s\n", outcomes[i].message);
        fl_outcome_print(&outcomes[i], out);
    }
}

/* --coverage-tracefile and --coverage-out go together; 0 or 2. */
static int check_coverage_options(const fl_options_t *o, FILE *err) {
    assert(o != NULL && err != NULL);
    if ((o->coverage_tracefile_count > 0) == (o->coverage_out != NULL)) return 0;
    fprintf(err, "faultline merge: %s\n",
            o->coverage_out != NULL ? "--coverage-out DIR needs at least one --coverage-tracefile F"
                                    : "--coverage-tracefile F needs --coverage-out DIR");
    fl_options_print_synopsis(err, "merge", MERGE_USAGE);
    return 2;
}

int fl_cli_merge(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return fputs(MERGE_USAGE, out), 0;
    fl_options_t o;
    int status = fl_options_parse(argc, argv, &o, MERGE_USAGE, FL_ACCEPTS_MERGE, err);
    if (status == 0) status = check_coverage_options(&o, err);
    if (status != 0) return status;
    if (o.html != NULL && fl_html_output_prepare(o.html, err) != 0) return FL_EXIT_ERROR;
    if (o.junit != NULL && fl_output_file_check("merge", "--junit", o.junit, err) != 0)
        return FL_EXIT_ERROR;
    if (o.json != NULL && fl_output_file_check("merge", "--json", o.json, err) != 0)
        return FL_EXIT_ERROR;
    fl_arena_t strings; /* the outcomes' schedules */
    fl_arena_init(&strings);
    fl_outcome_t *outcomes;
    size_t count;
    if (load_shards(&o, &strings, &outcomes, &count, err) != 0) {
        fl_arena_destroy(&strings);
        return FL_EXIT_ERROR;
    }
    print_outcomes(outcomes, count, out, err);
    int code = fl_run_summarize("merge", &o, outcomes, count, out, err);
    /* The HTML page (--html DIR) is written by fl_run_summarize, as run's:
     * its failures' diagrams come from their seeds run again here. */
    if (o.coverage_out != NULL &&
        fl_coverage_merge(o.coverage_tracefiles, o.coverage_tracefile_count, o.coverage_out,
                          err) != 0)
        code = FL_EXIT_ERROR;
    for (size_t i = 0; i < count; i++) fl_outcome_free(&outcomes[i]);
    free(outcomes);
    fl_arena_destroy(&strings);
    /* As run: an error outranks "nothing matched", which outranks a failure. */
    if (code == FL_EXIT_ERROR) return code;
    return count == 0 ? FL_EXIT_NOTHING_MATCHED : code;
}
