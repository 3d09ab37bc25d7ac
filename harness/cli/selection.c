/* Selecting scenario files (selection.h). */
#include "harness/cli/selection.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/keyword_expression.h"
#include "harness/cli/last_failed.h"
#include "harness/model/loader.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/out_of_memory.h"
#include "sim/runtime/status.h"

bool fl_selection_wanted(const fl_options_t *o) {
    assert(o != NULL);
    return o->keyword != NULL || o->tag_count > 0 || o->last_failed || o->failed_first;
}

static bool has_any_tag(const fl_scenario_t *s, const fl_options_t *o) {
    for (size_t i = 0; i < o->tag_count; i++)
        for (size_t j = 0; j < s->tag_count; j++)
            if (strcmp(s->tags[j], o->tags[i]) == 0) return true;
    return false;
}

/* Whether -k and --tag take the file: -k reads its path and its
 * scenario's name. A file that does not load is judged by its path (its
 * tags are unknown), so that its error is still reported. */
static bool selected_by_name(const char *path, const fl_options_t *o) {
    assert(path != NULL && o != NULL);
    if (o->keyword == NULL && o->tag_count == 0) return true;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[256];
    bool loaded = fl_scenario_load_file(&arena, path, &s, error, sizeof error) == FL_OK;
    const char *text = loaded ? fl_arena_printf(&arena, "%s %s", path, s.name) : path;
    bool matches = true;
    char problem[256];
    /* The expression was checked before (fl_selection_check): it parses. */
    if (o->keyword != NULL &&
        !fl_keyword_matches(o->keyword, text, &matches, problem, sizeof problem))
        assert(!"a checked expression parses");
    bool taken = matches && (!loaded || o->tag_count == 0 || has_any_tag(&s, o));
    fl_arena_destroy(&arena);
    return taken;
}

/* Moves list's files for which first is true before the others, each
 * group in its order. */
static void put_first(fl_file_list_t *list, const fl_last_failed_t *record) {
    char **order = malloc((list->count ? list->count : 1) * sizeof *order);
    if (order == NULL) fl__out_of_memory("selection");
    size_t used = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < list->count; i++)
            if (fl_last_failed_has(record, list->paths[i]) == (pass == 0))
                order[used++] = list->paths[i];
    assert(used == list->count);
    memcpy(list->paths, order, used * sizeof *order);
    free(order);
}

int fl_selection_check(const fl_options_t *o, const char *command, FILE *err) {
    assert(o != NULL && command != NULL && err != NULL);
    bool ignored;
    char problem[512];
    if (o->keyword == NULL || fl_keyword_matches(o->keyword, "", &ignored, problem, sizeof problem))
        return 0;
    fprintf(err, "faultline %s: %s\n", command, problem);
    return 2;
}

void fl_files_select(fl_file_list_t *list, const fl_options_t *o, fl_selection_report_t *report) {
    assert(list != NULL && o != NULL && report != NULL);
    assert(list->count <= FL_FILES_MAX);
    *report = (fl_selection_report_t){0};
    fl_last_failed_t *record = calloc(1, sizeof *record);
    if (record == NULL) fl__out_of_memory("selection");
    if (o->last_failed || o->failed_first) fl_last_failed_read(record);
    size_t failed_here = 0;
    for (size_t i = 0; i < list->count; i++)
        failed_here += fl_last_failed_has(record, list->paths[i]);
    /* --lf with nothing recorded among these files runs them all, as pytest does. */
    bool only_failed = o->last_failed && failed_here > 0;
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        bool taken = selected_by_name(list->paths[i], o) &&
                     (!only_failed || fl_last_failed_has(record, list->paths[i]));
        if (taken) {
            list->paths[kept++] = list->paths[i];
            report->failed_last_time += fl_last_failed_has(record, list->paths[i]);
        } else {
            free(list->paths[i]);
            report->deselected++;
        }
    }
    list->count = kept;
    if (o->failed_first || o->last_failed) put_first(list, record);
    fl_last_failed_free(record);
    free(record);
    assert(list->count + report->deselected <= FL_FILES_MAX);
}
