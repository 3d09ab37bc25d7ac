/* The progress line (progress.h). */
#include "harness/cli/progress.h"

#include <assert.h>
#include <inttypes.h>
#include <unistd.h>
#include <uv.h>

void fl_progress_start(fl_progress_t *progress, FILE *err, size_t total) {
    assert(progress != NULL && err != NULL);
    *progress = (fl_progress_t){.err = err, .shown = isatty(fileno(err)) == 1, .total = total,
                                .started_ns = uv_hrtime()};
}

void fl_progress_done(fl_progress_t *progress, const fl_outcome_t *outcome) {
    assert(progress != NULL && outcome != NULL && progress->done < progress->total);
    progress->done++;
    progress->failed += !outcome->passed;
    progress->seeds += outcome->seeds_run;
    if (!progress->shown) return;
    uint64_t elapsed_ns = uv_hrtime() - progress->started_ns;
    uint64_t rate = elapsed_ns > 0 ? progress->seeds * 1000000000u / elapsed_ns : 0;
    fprintf(progress->err, "\r[%zu/%zu] %" PRIu64 " seeds/s, %zu failed\033[K", progress->done,
            progress->total, rate, progress->failed);
    fflush(progress->err);
    progress->drawn = true;
}

void fl_progress_clear(fl_progress_t *progress) {
    assert(progress != NULL);
    if (!progress->drawn) return;
    fprintf(progress->err, "\r\033[K");
    fflush(progress->err);
    progress->drawn = false;
}
