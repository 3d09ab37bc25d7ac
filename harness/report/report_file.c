#include "harness/report/report_file.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

FILE *fl__report_open(const char *path, FILE *err) {
    assert(path != NULL && err != NULL);
    FILE *f = fopen(path, "w");
    if (f == NULL) fprintf(err, "faultline run: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

int fl__report_close(FILE *f, const char *path, FILE *err) {
    assert(f != NULL && path != NULL && err != NULL);
    bool write_failed = ferror(f) != 0;
    /* fclose flushes what is buffered: the last writes may fail only here. */
    errno = 0;
    int close_status = fclose(f);
    if (!write_failed && close_status == 0) return 0;
    fprintf(err, "faultline run: cannot write %s: %s\n", path,
            close_status != 0 && errno != 0 ? strerror(errno) : "a write failed");
    assert(write_failed || close_status != 0);
    return -1;
}

int fl__report_write(const char *path, const fl_outcome_t *outcomes, size_t count,
                     fl__report_body_fn *body, FILE *err) {
    assert(path != NULL && (outcomes != NULL || count == 0));
    assert(body != NULL && err != NULL);
    FILE *f = fl__report_open(path, err);
    if (f == NULL) return -1;
    body(f, outcomes, count);
    return fl__report_close(f, path, err);
}
