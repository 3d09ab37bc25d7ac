/* The simulated network: deterministic TCP in virtual time.
 *
 * Hosts are names ("server", "api.example"); a host exists while something
 * listens on it, and connecting where nothing listens is refused. Each
 * direction of a connection is a byte pipe with a latency (fixed, plus a
 * seeded jitter), a bandwidth, and a bounded buffer: bytes written and not
 * yet read count against it, and a writer blocks while it is full
 * (backpressure). Reads return seeded, arbitrary splits of what has arrived,
 * so parsers above must cope with any segmentation. FIN arrives after the
 * data written before it; RST drops what is in flight and fails both ends.
 * Every network event goes into the world's trace.
 *
 * The network belongs to its world: its memory is freed when the world is
 * destroyed.
 */
#ifndef FL_SIMNET_H
#define FL_SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/net/fault.h"
#include "sim/net/net.h"

typedef struct fl_simnet_options {
    int64_t latency_ns;          /* one way, per segment */
    int64_t latency_jitter_ns;   /* plus uniform [0, jitter], seeded; order is kept */
    uint64_t bytes_per_second;   /* per direction; 0: unlimited */
    size_t buffer_bytes;         /* per direction: written but not yet read */
    bool segmentation;           /* reads return seeded random splits */
    size_t backlog;              /* pending connections per listener */
} fl_simnet_options_t;

/* The defaults: 1 ms latency, no jitter, unlimited bandwidth, 64 KiB
 * buffers, segmentation on, backlog 128. */
fl_simnet_options_t fl_simnet_options_default(void);

/* Creates the network in the world. options NULL means the defaults; faults
 * may be NULL (the plan is copied: later changes to it are not seen).
 * Returns NULL with a message in error on invalid options (buffer_bytes 0,
 * negative latency). */
fl_net_t *fl_simnet_create(fl_world_t *world, const fl_simnet_options_t *options,
                           const fl_fault_plan_t *faults, char *error, size_t error_size);

/* Statistics, for tests and benchmarks. */
typedef struct fl_simnet_stats {
    uint64_t connections;      /* established */
    uint64_t refused;          /* connect attempts refused */
    uint64_t bytes_delivered;  /* read by either side */
    uint64_t resets;
    uint64_t faults_fired;
    uint64_t open_endpoints;   /* connection ends not yet closed by their owner (reset or not) */
} fl_simnet_stats_t;

fl_simnet_stats_t fl_simnet_stats(const fl_net_t *net);

/* How many times fault #index fired. index must be 1..the plan's count
 * (1-based, in plan order). */
uint64_t fl_simnet_fault_fired(const fl_net_t *net, uint32_t index);

/* The run's fault × protocol-state counts so far (protocol_state.h). */
struct fl_fault_hits;
const struct fl_fault_hits *fl_simnet_fault_hits(const fl_net_t *net);

/* How many of those firings acted on something (a live task, an open
 * connection): what a scenario's faults-fired check counts. index must be
 * 1..the plan's count. */
uint64_t fl_simnet_fault_applied(const fl_net_t *net, uint32_t index);

#endif /* FL_SIMNET_H */
