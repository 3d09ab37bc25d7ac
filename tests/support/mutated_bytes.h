/* Deterministic damage to a well-formed message, for the parsers' tests
 * that do what a fuzz harness does: a few bytes overwritten at seeded
 * places, then the message fed in seeded pieces, so every run of the test
 * feeds the same bytes the same way. */
#ifndef FL_TEST_MUTATED_BYTES_H
#define FL_TEST_MUTATED_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct mutator {
    uint64_t state; /* a 64-bit LCG's; any seed will do */
} mutator_t;

/* Copies the string message (not empty) into out, which has room for it
 * and its NUL, and overwrites count of its bytes, each at a pseudo-random
 * place with a pseudo-random value. Returns the message's length. */
size_t mutator_damaged_copy(mutator_t *mutator, const char *message, char *out, int count);

/* How many bytes to feed next: 1 to 7, and at most remaining (> 0). */
size_t mutator_piece(mutator_t *mutator, size_t remaining);

#endif /* FL_TEST_MUTATED_BYTES_H */
