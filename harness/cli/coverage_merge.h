/* faultline merge --coverage-tracefile F... --coverage-out DIR: the shards'
 * line coverage (gcovr JSON tracefiles, as `gcovr --json` writes them in an
 * instrumented build) merged by Debian's gcovr itself, run as
 *
 *   gcovr --add-tracefile F1 --add-tracefile F2 ...
 *         --html-details DIR/index.html --cobertura DIR/coverage.xml
 *         --json DIR/coverage.json
 *
 * in the current directory, which gcovr takes as the root the tracefiles'
 * paths are relative to (run it from the checkout, as `make coverage`). */
#ifndef FL_HARNESS_COVERAGE_MERGE_H
#define FL_HARNESS_COVERAGE_MERGE_H

#include <stddef.h>
#include <stdio.h>

/* Runs gcovr over tracefiles[0..count) into out_dir (made if missing) and
 * waits for it. Returns 0, or 2 after saying on err what went wrong: a
 * tracefile that cannot be read, a directory that cannot be made, gcovr
 * not installed, or gcovr failing (its own messages go to stderr). */
int fl_coverage_merge(const char *const *tracefiles, size_t count, const char *out_dir,
                      FILE *err);

#endif /* FL_HARNESS_COVERAGE_MERGE_H */
