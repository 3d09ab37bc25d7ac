/* Runtime benchmarks: how fast the scheduler switches tasks, and how cheap a
 * world is to make and tear down.
 *
 *   yield       task switches per second with 2 tasks, against a raw context
 *               switch ping-pong in the same run (the scheduler's overhead);
 *               and with 10,000 tasks, against the 2-task rate (scaling).
 *   worlds      empty worlds created and destroyed per second, against
 *               malloc+free of the arena's first chunk (the floor).
 *   worlds_rss  peak RSS after 100,000 worlds, against the RSS before them:
 *               a ratio near 1 means the worlds left nothing behind.
 *
 * A "switch" is one task resumption by the scheduler. Best of several runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench.h"
#include "sim/runtime/context.h"
#include "sim/runtime/runtime.h"
#include "sim/runtime/stack.h"

enum { ROUNDS = 5 };

static long peak_rss_kib(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

/* --- yield ------------------------------------------------------------------ */

static fl_error_t *yielder(fl_world_t *w, void *arg) {
    long count = (long)(intptr_t)arg;
    for (long i = 0; i < count; i++) fl_checkpoint(w);
    return NULL;
}

/* Returns task switches per second for tasks × yields_each. */
static double yield_rate(size_t tasks, long yields_each) {
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        fl_world_options_t options = {.seed = 1, .step_limit = UINT64_MAX / 2};
        fl_world_t *w = fl_world_create(&options, NULL, 0);
        for (size_t i = 0; i < tasks; i++)
            fl_spawn(w, "yielder", yielder, (void *)(intptr_t)yields_each);
        double start = bench_now_seconds();
        if (fl_world_run(w) != FL_RUN_COMPLETED) {
            fprintf(stderr, "bench: yield run did not complete\n");
            exit(1);
        }
        double elapsed = bench_now_seconds() - start;
        double rate = (double)fl_world_steps(w) / elapsed;
        if (rate > best) best = rate;
        fl_world_destroy(w);
    }
    return best;
}

/* The floor: two bare contexts switching back and forth, no scheduler. */
static fl_context_t raw_main, raw_peer;
static volatile long raw_remaining;

static void raw_peer_entry(void *arg) {
    (void)arg;
    for (;;) fl_context_switch(&raw_peer, &raw_main);
}

static double raw_switch_rate(long switches) {
    fl_stack_t stack;
    if (fl_stack_acquire(0, &stack) != FL_OK) exit(1);
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        fl_context_make(&raw_peer, stack.base, stack.size, raw_peer_entry, NULL);
        raw_remaining = switches / 2;
        double start = bench_now_seconds();
        while (raw_remaining-- > 0) fl_context_switch(&raw_main, &raw_peer);
        double elapsed = bench_now_seconds() - start;
        double rate = (double)switches / elapsed;
        if (rate > best) best = rate;
    }
    fl_stack_release(&stack);
    return best;
}

/* --- worlds ------------------------------------------------------------------- */

static double world_rate(long count) {
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double start = bench_now_seconds();
        for (long i = 0; i < count; i++) {
            fl_world_options_t options = {.seed = (uint64_t)i};
            fl_world_t *w = fl_world_create(&options, NULL, 0);
            fl_world_run(w);
            fl_world_destroy(w);
        }
        double rate = (double)count / (bench_now_seconds() - start);
        if (rate > best) best = rate;
    }
    return best;
}

static double malloc_rate(long count) {
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double start = bench_now_seconds();
        for (long i = 0; i < count; i++) {
            volatile char *block = malloc(16 * 1024);
            block[0] = (char)i;
            free((void *)block);
        }
        double rate = (double)count / (bench_now_seconds() - start);
        if (rate > best) best = rate;
    }
    return best;
}

int main(void) {
    /* Worlds first, so the peak RSS is not the yield benchmark's. */
    long rss_before = peak_rss_kib();
    for (long i = 0; i < 100000; i++) {
        fl_world_options_t options = {.seed = (uint64_t)i};
        fl_world_t *w = fl_world_create(&options, NULL, 0);
        fl_world_run(w);
        fl_world_destroy(w);
    }
    long rss_after = peak_rss_kib();
    double worlds = world_rate(100000);
    double mallocs = malloc_rate(100000);
    bench_report("worlds", worlds, "worlds/s", "malloc+free-16KiB", mallocs, "pairs/s");
    bench_report("worlds_rss", (double)rss_after, "KiB peak after 100000 worlds",
                 "before", (double)rss_before, "KiB");

    double raw = raw_switch_rate(20000000);
    double two = yield_rate(2, 2000000);
    double many = yield_rate(10000, 200);
    bench_report("yield_2_tasks", two / 1e6, "M switches/s", "raw-" FL_CONTEXT_BACKEND,
                 raw / 1e6, "M switches/s");
    bench_report("yield_10000_tasks", many / 1e6, "M switches/s", "yield_2_tasks", two / 1e6,
                 "M switches/s");
    return 0;
}
