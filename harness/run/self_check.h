/* The determinism self-check, as FoundationDB reruns a share of its
 * simulations: a seed is run again and must give the same trace hash.
 * Every failing (or finding) seed is checked, so the seed a user is told to
 * replay is known to replay; with run --self-check P% a sample of the
 * passing seeds is too. A mismatch is nondeterminism, a bug of the harness
 * or the model, reported with the first line where the two runs' timelines
 * differ. */
#ifndef FL_HARNESS_SELF_CHECK_H
#define FL_HARNESS_SELF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/run/runner.h"

/* True when seed is in the sample of per_million (0..1000000) passing seeds
 * to check: a hash of the seed, so the same seeds every time. */
bool fl__self_check_sampled(uint64_t seed, uint32_t per_million);

/* Runs seed again under config (its timeline and trace outputs left out)
 * and compares the trace hash with expected. True when they agree; else
 * false with "nondeterminism: ..." and the first differing timeline line in
 * message. */
bool fl__self_check_seed(const fl_scenario_t *scenario, uint64_t seed,
                         const fl_run_config_t *config, uint64_t expected, char *message,
                         size_t size);

#endif /* FL_HARNESS_SELF_CHECK_H */
