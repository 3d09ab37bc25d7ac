/* Deterministic damage to a message: see mutated_bytes.h. */
#include "tests/support/mutated_bytes.h"

#include <assert.h>
#include <string.h>

static uint64_t next(mutator_t *mutator) {
    mutator->state = mutator->state * 6364136223846793005u + 1442695040888963407u;
    return mutator->state >> 17; /* the low bits of an LCG repeat quickly */
}

size_t mutator_damaged_copy(mutator_t *mutator, const char *message, char *out, int count) {
    assert(mutator != NULL && message != NULL && out != NULL && count >= 0);
    size_t length = strlen(message);
    assert(length > 0);
    memcpy(out, message, length + 1);
    for (int i = 0; i < count; i++) {
        size_t at = (size_t)(next(mutator) % length);
        out[at] = (char)next(mutator);
    }
    return length;
}

size_t mutator_piece(mutator_t *mutator, size_t remaining) {
    assert(mutator != NULL && remaining > 0);
    size_t piece = 1 + (size_t)(next(mutator) % 7);
    return piece < remaining ? piece : remaining;
}
