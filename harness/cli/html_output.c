#include "harness/cli/html_output.h"

#include <assert.h>
#include <stdlib.h>

#include "harness/cli/failure_rerun.h"
#include "harness/cli/output_dir.h"
#include "harness/report/html_report.h"
#include "harness/report/sequence_diagram.h"
#include "sim/runtime/arena.h"

enum { HTML_PATH_MAX = 4096 };

int fl_html_output_prepare(const char *dir, FILE *err) {
    assert(dir != NULL && err != NULL);
    return fl_output_dir_prepare("--html", dir, err);
}

/* Called with the rerun's world: its diagram, drawn into memory, and its
 * trace hash. */
static void draw_diagram(void *context, fl_world_t *world) {
    fl_html_failure_t *failure = context;
    assert(failure != NULL && failure->diagram == NULL && world != NULL);
    char *markup = NULL;
    size_t length = 0;
    FILE *memory = open_memstream(&markup, &length);
    if (memory == NULL) fl__out_of_memory("html report");
    fl_sequence_diagram_write_world(memory, world);
    if (fclose(memory) != 0 || markup == NULL) fl__out_of_memory("html report");
    failure->diagram = markup;
    failure->has_trace_hash = true;
    failure->trace_hash = fl_world_trace_hash(world);
}

int fl_html_output_write(const char *dir, const fl_outcome_t *outcomes, size_t count, FILE *out,
                         FILE *err) {
    assert(dir != NULL && (outcomes != NULL || count == 0) && out != NULL && err != NULL);
    fl_html_failure_t *failures = calloc(count > 0 ? count : 1, sizeof *failures);
    if (failures == NULL) fl__out_of_memory("html report");
    int status = 0;
    for (size_t i = 0; i < count; i++)
        if (fl_failure_rerunnable(&outcomes[i]) &&
            fl_failure_rerun(&outcomes[i], "--html", draw_diagram, &failures[i], err) != 0)
            status = 2;
    if (fl_report_html(dir, outcomes, failures, count, err) != 0) status = 2;
    else {
        char path[HTML_PATH_MAX];
        fprintf(out, "html    %s\n", fl_output_dir_file(dir, "index.html", path, sizeof path));
    }
    for (size_t i = 0; i < count; i++) free((char *)failures[i].diagram);
    free(failures);
    assert(status == 0 || status == 2);
    return status;
}
