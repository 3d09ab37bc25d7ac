/* Global invariants over what a run left behind, judged after the run.
 *
 * Each takes what it reads (the network, the outcome) rather than the
 * runner's state, so it can be tested on a world built by hand: a check
 * that cannot fail is a defect, and these are the checks nothing in a
 * healthy suite makes fail. Each returns true when the invariant holds,
 * else false with the reason in why (NUL-terminated, truncated to fit).
 */
#ifndef FL_HARNESS_INVARIANTS_H
#define FL_HARNESS_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/net/net.h"
#include "sim/runtime/world.h"

/* no-leaked-connections: a run that ended COMPLETED (every task done) with
 * connection ends still open on the simulated network net leaked them.
 * Not judged when a hang was expected or the run did not complete: then
 * the blocked tasks still hold their connections. */
bool fl_invariant_no_leaked_connections(const fl_net_t *net, fl_run_outcome_t outcome,
                                        bool hang_expected, char *why, size_t capacity);

/* The name of the index-th global invariant, in the order runs check them
 * ("no-violations", "faults-fired", ...); NULL past the last. */
const char *fl_invariant_name(size_t index);

#endif /* FL_HARNESS_INVARIANTS_H */
