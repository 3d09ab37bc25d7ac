#include "sim/runtime/prng.h"

#include <assert.h>
#include <stddef.h>

static const char *const stream_names[FL_PRNG_STREAM_COUNT] = {
    "scheduler", "network", "app", "client"};

const char *fl_prng_stream_name(fl_prng_stream_t stream) {
    assert(stream < FL_PRNG_STREAM_COUNT);
    return stream_names[stream];
}

uint64_t fl_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *text) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *text != '\0'; text++) {
        h ^= (unsigned char)*text;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void fl_prng_seed(fl_prng_t *prng, uint64_t seed, const char *stream_name) {
    assert(prng != NULL && stream_name != NULL);
    uint64_t mix = seed ^ fnv1a(stream_name);
    for (int i = 0; i < 4; i++) prng->state[i] = fl_splitmix64(&mix);
    /* xoshiro's only bad state is all zeroes; splitmix64 cannot produce four
     * zero outputs in a row, but say so rather than rely on it silently. */
    assert((prng->state[0] | prng->state[1] | prng->state[2] | prng->state[3]) != 0);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t fl_prng_next(fl_prng_t *prng) {
    uint64_t *s = prng->state;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t fl_prng_below(fl_prng_t *prng, uint64_t bound) {
    assert(bound > 0);
    /* Lemire's multiply-shift with rejection: no modulo bias. */
    unsigned __int128 m = (unsigned __int128)fl_prng_next(prng) * bound;
    uint64_t low = (uint64_t)m;
    if (low < bound) {
        uint64_t threshold = -bound % bound;
        while (low < threshold) {
            m = (unsigned __int128)fl_prng_next(prng) * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double fl_prng_unit(fl_prng_t *prng) {
    return (double)(fl_prng_next(prng) >> 11) * 0x1.0p-53;
}
