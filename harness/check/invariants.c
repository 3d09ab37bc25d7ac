#include "harness/check/invariants.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "sim/net/simnet.h"

bool fl_invariant_no_leaked_connections(const fl_net_t *net, fl_run_outcome_t outcome,
                                        bool hang_expected, char *why, size_t capacity) {
    assert(net != NULL && why != NULL && capacity > 0);
    why[0] = '\0';
    if (hang_expected || outcome != FL_RUN_COMPLETED) return true;
    uint64_t open = fl_simnet_stats(net).open_endpoints;
    if (open == 0) return true;
    snprintf(why, capacity, "%" PRIu64 " connection end%s still open when the run ended", open,
             open == 1 ? "" : "s");
    return false;
}
