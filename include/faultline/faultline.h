/* faultline's public C interface: load a scenario file (faultline-scenario(5),
 * docs/SCENARIOS.md), run it for one seed or over its seed range, and read
 * the verdict and the trace hash: what `faultline replay FILE --seed N` and
 * `faultline run FILE` print.
 *
 * This header is the whole of the stable interface; everything else in
 * libfaultline.a is internal and may change between versions. Build with
 * `pkg-config --cflags --libs faultline`.
 *
 * Determinism: the same file, seed and policy give the same verdict and the
 * same trace hash, on every machine and in every process. Runs read no
 * clock and share no state: two scenarios may be run one after the other in
 * one thread (the library is not meant for several threads at once).
 *
 * Memory: a scenario is allocated by faultline_load and freed by
 * faultline_free; results are plain structs the caller owns. When memory
 * runs out inside a run the process prints "faultline: out of memory" and
 * exits with status 4, as the faultline command does (docs/HARDENING.md).
 */
#ifndef FAULTLINE_FAULTLINE_H
#define FAULTLINE_FAULTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FAULTLINE_VERSION "0.1.0"

/* Status codes: 0, or one of these (negative). */
enum {
    FAULTLINE_OK = 0,
    FAULTLINE_EINVAL = -7, /* a file that does not load, an unknown policy, a bad argument */
};

enum { FAULTLINE_NAME_MAX = 128, FAULTLINE_MESSAGE_MAX = 704 };

/* A loaded scenario; opaque. */
typedef struct faultline_scenario faultline_scenario_t;

typedef enum faultline_verdict {
    FAULTLINE_HELD = 0,      /* mode holds: every expectation and invariant held */
    FAULTLINE_FAILED = 1,    /* mode holds: one failed (failed_check names it) */
    FAULTLINE_FOUND = 2,     /* mode finds: the target check failed, with the faults acting */
    FAULTLINE_NOT_FOUND = 3, /* mode finds: it held (or failed with a fault silent) */
} faultline_verdict_t;

typedef struct faultline_result {
    faultline_verdict_t verdict;
    bool passed;          /* HELD or FOUND: what `faultline run` counts as a pass */
    uint64_t seed;        /* the seed the verdict is about (faultline_run: the first
                             failing or finding seed, else the last seed run) */
    uint64_t seeds_run;   /* 1 for faultline_run_seed */
    uint64_t trace_hash;  /* that seed's trace hash, as `faultline replay` prints it */
    char failed_check[FAULTLINE_NAME_MAX]; /* the first check that failed, or "" */
    char message[FAULTLINE_MESSAGE_MAX];   /* why, or "" */
} faultline_result_t;

/* Loads the scenario file at path into *out (set to NULL on failure).
 * Returns FAULTLINE_OK, or FAULTLINE_EINVAL with "FILE:LINE:COL: error:
 * MESSAGE" in error (error_size bytes, always NUL-terminated when > 0).
 * Free the scenario with faultline_free. */
int faultline_load(const char *path, faultline_scenario_t **out, char *error, size_t error_size);

/* Frees a scenario from faultline_load; NULL is allowed. */
void faultline_free(faultline_scenario_t *scenario);

/* The scenario's name, whether it is a finds scenario, and its seed range
 * (inclusive); the name lives as long as the scenario. */
const char *faultline_name(const faultline_scenario_t *scenario);
bool faultline_finds(const faultline_scenario_t *scenario);
void faultline_seed_range(const faultline_scenario_t *scenario, uint64_t *first, uint64_t *last);

/* Runs one seed, as `faultline replay FILE --seed N [--policy P]` does; policy
 * NULL is the file's own (fifo, random, trio, pct). Returns FAULTLINE_OK
 * with the verdict in *result, or FAULTLINE_EINVAL (result->message says
 * why) when the run could not be built. */
int faultline_run_seed(const faultline_scenario_t *scenario, uint64_t seed, const char *policy,
                       faultline_result_t *result);

/* Runs the scenario over its seed range, as `faultline run FILE` does: holds
 * stops at the first failing seed, finds at the first seed that finds.
 * Returns as faultline_run_seed. */
int faultline_run(const faultline_scenario_t *scenario, const char *policy,
                  faultline_result_t *result);

/* "held", "FAILED", "found", "not found". */
const char *faultline_verdict_name(faultline_verdict_t verdict);

/* FAULTLINE_VERSION, as the library was built. */
const char *faultline_version(void);

#ifdef __cplusplus
}
#endif

#endif /* FAULTLINE_FAULTLINE_H */
