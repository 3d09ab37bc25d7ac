/* Seeded pseudo-random numbers with independent named streams.
 *
 * A run has one seed. Each consumer (the scheduler, the network, the app, the
 * client) draws from its own stream derived from that seed and the stream's
 * name, so adding a fault that consumes network randomness does not reshuffle
 * the schedule. The generator is xoshiro256**, seeded through splitmix64.
 */
#ifndef FL_PRNG_H
#define FL_PRNG_H

#include <stdint.h>

typedef struct fl_prng {
    uint64_t state[4];
} fl_prng_t;

/* The world's standard streams. */
typedef enum fl_prng_stream {
    FL_PRNG_SCHEDULER,
    FL_PRNG_NETWORK,
    FL_PRNG_APP,
    FL_PRNG_CLIENT,
    FL_PRNG_STREAM_COUNT
} fl_prng_stream_t;

/* Returns "scheduler", "network", "app" or "client". */
const char *fl_prng_stream_name(fl_prng_stream_t stream);

/* Seeds a stream from the run seed and a stream name: the same pair always
 * gives the same sequence, different names give unrelated sequences. */
void fl_prng_seed(fl_prng_t *prng, uint64_t seed, const char *stream_name);

/* Next 64 random bits. */
uint64_t fl_prng_next(fl_prng_t *prng);

/* Uniform integer in [0, bound); bound must be > 0. Unbiased (Lemire). */
uint64_t fl_prng_below(fl_prng_t *prng, uint64_t bound);

/* Uniform double in [0, 1). */
double fl_prng_unit(fl_prng_t *prng);

/* splitmix64 step: also a good 64-bit mixer for hashing. */
uint64_t fl_splitmix64(uint64_t *state);

#endif /* FL_PRNG_H */
