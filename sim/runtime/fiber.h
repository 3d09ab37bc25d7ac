/* Fibers: a context plus the sanitizer bookkeeping that switching stacks
 * needs. The scheduler switches fibers, never bare contexts.
 *
 * Under AddressSanitizer every switch tells ASan which stack is about to run
 * (__sanitizer_start_switch_fiber) and that it now runs
 * (__sanitizer_finish_switch_fiber), so ASan neither reports false errors on
 * the switched stacks nor loses its stack-use-after-return fake stacks.
 * Without ASan those calls compile away and a fiber switch is a context
 * switch.
 *
 * Fibers are plain memory owned by the caller; a fiber does not own its stack.
 * Single-threaded by design, like the rest of the runtime.
 */
#ifndef FL_FIBER_H
#define FL_FIBER_H

#include <stddef.h>

#include "sim/runtime/context.h"
#include "sim/runtime/stack.h"

typedef struct fl_fiber {
    fl_context_t ctx;
    /* The fiber's stack, for ASan. The main fiber's is unknown at first and
     * learnt when the first switch away from it completes. */
    const void *stack_bottom;
    size_t stack_size;
    /* ASan's fake stack of a suspended fiber (use-after-return detection). */
    void *asan_fake_stack;
    fl_context_entry_fn entry;
    void *arg;
} fl_fiber_t;

/* Makes *fiber stand for the calling thread's own stack (the scheduler's),
 * so that other fibers can switch back to it. The caller owns *fiber. */
void fl_fiber_init_main(fl_fiber_t *fiber);

/* Prepares *fiber to run entry(arg) on *stack when first switched to. entry
 * must never return: it ends with fl_fiber_switch_final (returning aborts).
 * The caller owns *fiber and the stack, which must outlive the fiber's run;
 * the stack's old contents are dead from here on. */
void fl_fiber_init(fl_fiber_t *fiber, const fl_stack_t *stack,
                   fl_context_entry_fn entry, void *arg);

/* Suspends from, which must be the running fiber, and runs to. Returns when
 * some fiber switches back to from. */
void fl_fiber_switch(fl_fiber_t *from, fl_fiber_t *to);

/* As fl_fiber_switch, for a from that has finished and will never run again:
 * ASan drops its fake stack. Does not return; from's stack may be released
 * by whoever runs next. */
_Noreturn void fl_fiber_switch_final(fl_fiber_t *from, fl_fiber_t *to);

#endif /* FL_FIBER_H */
