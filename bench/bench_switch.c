/* Context switch cost: the assembly backend against ucontext, in one run.
 *
 * Main and one coroutine ping-pong; every switch in either direction counts.
 * Each backend's figure is the best of several runs, since noise only ever
 * makes a run slower. Prints one line (see bench_report). */
#include "bench/bench.h"
#include "sim/runtime/context.h"
#include "sim/runtime/stack.h"
#include "sim/runtime/status.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RUNS 5
#define ASM_SWITCHES 10000000L
#define UCONTEXT_SWITCHES 2000000L
#define WARMUP_SWITCHES 20000L

/* The coroutine counts its turns; main checks the count after each run, so
 * the loops have an observable effect and cannot be optimised away (the
 * switches are calls into assembly or libc, opaque to the compiler anyway). */
static uint64_t coroutine_turns;

#if FL_CONTEXT_HAVE_ASM
static fl_context_asm_t asm_main, asm_coroutine;

static void asm_entry(void *arg)
{
    (void)arg;
    for (;;) {
        coroutine_turns++;
        fl_context_asm_switch(&asm_coroutine, &asm_main);
    }
}

static double asm_ns_per_switch(long switches)
{
    long round_trips = switches / 2;
    uint64_t turns_before = coroutine_turns;
    double start = bench_now_seconds();
    for (long i = 0; i < round_trips; i++)
        fl_context_asm_switch(&asm_main, &asm_coroutine);
    double elapsed = bench_now_seconds() - start;
    if (coroutine_turns - turns_before != (uint64_t)round_trips) {
        fprintf(stderr, "bench_switch: asm coroutine missed turns\n");
        exit(1);
    }
    return elapsed * 1e9 / (double)(2 * round_trips);
}
#endif

static fl_context_uc_t uc_main, uc_coroutine;

static void uc_entry(void *arg)
{
    (void)arg;
    for (;;) {
        coroutine_turns++;
        fl_context_uc_switch(&uc_coroutine, &uc_main);
    }
}

static double uc_ns_per_switch(long switches)
{
    long round_trips = switches / 2;
    uint64_t turns_before = coroutine_turns;
    double start = bench_now_seconds();
    for (long i = 0; i < round_trips; i++)
        fl_context_uc_switch(&uc_main, &uc_coroutine);
    double elapsed = bench_now_seconds() - start;
    if (coroutine_turns - turns_before != (uint64_t)round_trips) {
        fprintf(stderr, "bench_switch: ucontext coroutine missed turns\n");
        exit(1);
    }
    return elapsed * 1e9 / (double)(2 * round_trips);
}

static double best_of(double (*measure)(long), long switches)
{
    measure(WARMUP_SWITCHES);
    double best = measure(switches);
    for (int run = 1; run < RUNS; run++) {
        double ns = measure(switches);
        if (ns < best)
            best = ns;
    }
    return best;
}

int main(void)
{
    fl_stack_t uc_stack;
    if (fl_stack_acquire(0, &uc_stack) != FL_OK) {
        fprintf(stderr, "bench_switch: cannot map a stack\n");
        return 1;
    }
    fl_context_uc_make(&uc_coroutine, uc_stack.base, uc_stack.size, uc_entry,
                       NULL);
    double uc_ns = best_of(uc_ns_per_switch, UCONTEXT_SWITCHES);

#if FL_CONTEXT_HAVE_ASM
    fl_stack_t asm_stack;
    if (fl_stack_acquire(0, &asm_stack) != FL_OK) {
        fprintf(stderr, "bench_switch: cannot map a stack\n");
        return 1;
    }
    fl_context_asm_make(&asm_coroutine, asm_stack.base, asm_stack.size,
                        asm_entry, NULL);
    double asm_ns = best_of(asm_ns_per_switch, ASM_SWITCHES);
#else
    /* No assembly backend on this target: the figure is ucontext itself. */
    fprintf(stderr, "bench_switch: no assembly backend on this target\n");
    double asm_ns = uc_ns;
#endif

    bench_report("switch", asm_ns, "ns/switch", "ucontext", uc_ns,
                 "ns/switch");
    /* The coroutines are left suspended for good: nothing resumes them, so
     * their stacks can go (and the process ends anyway). */
    return 0;
}
