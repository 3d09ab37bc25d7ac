/* libFuzzer target: the scenario loader (harness/model/loader.h) on any bytes.
 *
 * Oracles beyond "no crash": every input is either a scenario or an error
 * that names the file with a line and a column; and the loader's memory
 * (its arena, where every loaded string and array lives) stays within a
 * bound per input byte, so no small file expands into gigabytes (aliases
 * count toward every item limit and a total node budget). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_text.h"

#include "harness/model/loader.h"
#include "sim/runtime/status.h"

enum {
    /* What one input byte may cost in the arena, and a fixed allowance for
     * the defaults every scenario gets. An alias may repeat a large node,
     * so the bound is generous, but it is a bound: the node budget
     * (NODES_MAX) keeps the expansion finite. */
    ARENA_BYTES_PER_INPUT_BYTE = 4096,
    ARENA_BYTES_BASE = 1 << 20,
};

/* "fuzz.yaml:LINE:COL: error: ..." */
static int is_located_error(const char *error) {
    unsigned line = 0, column = 0;
    int used = 0;
    if (sscanf(error, "fuzz.yaml:%u:%u: error: %n", &line, &column, &used) != 2) return 0;
    return used > 0 && line >= 1 && column >= 1 && error[used] != '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t scenario;
    char error[512];
    int status = fl_scenario_load_bytes(&arena, "fuzz.yaml", text, size, &scenario, error,
                                        sizeof error);
    if (status != FL_OK && (status != FL_EINVAL || !is_located_error(error))) {
        fprintf(stderr, "fuzz_loader: status %d with error \"%s\"\n", status, error);
        abort();
    }
    size_t bound = (size_t)ARENA_BYTES_BASE + size * (size_t)ARENA_BYTES_PER_INPUT_BYTE;
    if (arena.bytes_reserved > bound) {
        fprintf(stderr, "fuzz_loader: %zu input bytes took %zu arena bytes (bound %zu)\n", size,
                arena.bytes_reserved, bound);
        abort();
    }
    fl_arena_destroy(&arena);
    free(text);
    return 0;
}
