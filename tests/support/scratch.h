/* What the tests that write files share: a scratch directory of their own
 * under /tmp, the scenario files they write into it, the worker binary
 * the --jobs tests point at, and an fl_cli_* command run with its output
 * and errors captured. */
#ifndef FL_TEST_SCRATCH_H
#define FL_TEST_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { SCRATCH_DIR_MAX = 64, SCRATCH_WORDS_MAX = 32 };

/* Two scenarios over one route that answers 200: HOLDS (seeds 1..5)
 * expects the 200 and holds; WRONG_STATUS (seeds 4..9) expects a 201 and
 * fails at its first seed, 4. */
extern const char SCRATCH_HOLDS[];
extern const char SCRATCH_WRONG_STATUS[];

/* FAILS expects the 201 too, over seeds 1..20: it fails at seed 1. BROKEN
 * does not load (no task, and a key no scenario has). */
extern const char SCRATCH_FAILS[];
extern const char SCRATCH_BROKEN[];

/* Makes /tmp/faultline-<tag>-XXXXXX into dir (SCRATCH_DIR_MAX bytes);
 * fails the test when it cannot. */
void scratch_make(char *dir, const char *tag);

/* Removes dir and all it holds: 0, or -1 when that failed (a cmocka
 * teardown's status). */
int scratch_remove(const char *dir);

/* A cmocka teardown, of one test or of a group, whose setup made a
 * scratch directory and left its name in *state: removes it. */
int scratch_teardown(void **state);

/* Writes text into the file dir/name; fails the test when it cannot. */
void scratch_write(const char *dir, const char *name, const char *text);

/* Points FAULTLINE_WORKER_EXE at build/faultline when there is one (the
 * tests run from the repository's root; a test binary cannot be a
 * worker), else unsets it. Returns whether it is set. */
bool scratch_use_worker_exe(void);

typedef int scratch_command_fn(int argc, char **argv, FILE *out, FILE *err);

/* Runs fn on the count words (at most SCRATCH_WORDS_MAX) as its argv; returns its exit
 * code, with its output in out_text and its errors in err_text (each of
 * size bytes, NUL-terminated; NULL: that stream is dropped). */
int scratch_capture(scratch_command_fn *fn, const char *const *words, int count, char *out_text,
                    char *err_text, size_t size);

#endif /* FL_TEST_SCRATCH_H */
