/* The shrunk scenario file: the original text as the shrinker rendered it
 * (harness/run/shrink_text.h): without the dropped faults, tasks and
 * steps, with the triggers moved, and its network and seeds replaced by
 * the shrunk run's. Editing the text, not writing the model out again,
 * keeps every other line, comment and layout as the author wrote it. */
#include "harness/cli/shrink_file.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/shrink_text.h"

int fl_shrink_file_write(const char *source_path, const char *out_path, uint64_t origin_seed,
                         const fl_shrink_result_t *r, FILE *err) {
    assert(source_path != NULL && out_path != NULL && r != NULL && err != NULL);
    fl_shrink_source_t source;
    int status = fl_shrink_source_read(source_path, &source);
    if (status != 0)
        return fprintf(err, "faultline shrink: cannot read %s: %s\n", source_path, strerror(-status)), 2;
    char *text = fl_shrink_text_render(&source, source_path, origin_seed, r);
    fl_shrink_source_free(&source);
    if (text == NULL) return fprintf(err, "faultline shrink: %s no longer parses\n", source_path), 2;
    FILE *out = fopen(out_path, "w");
    if (out == NULL) {
        free(text);
        return fprintf(err, "faultline shrink: cannot write %s: %s\n", out_path, strerror(errno)), 2;
    }
    fputs(text, out);
    free(text);
    if (fclose(out) != 0) return fprintf(err, "faultline shrink: cannot write %s\n", out_path), 2;
    return 0;
}
