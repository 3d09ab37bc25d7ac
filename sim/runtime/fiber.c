/* Fibers: context switches annotated for AddressSanitizer. See fiber.h.
 *
 * ASan's protocol (sanitizer/common_interface_defs.h): before a switch, the
 * running fiber calls __sanitizer_start_switch_fiber with the destination's
 * stack bounds and a place to keep its own fake stack (NULL when it is leaving
 * for good, so the fake stack is freed). The first thing the destination does
 * on its stack is __sanitizer_finish_switch_fiber with the fake stack it saved
 * when it last left (NULL on its very first run), which also reports the
 * bounds of the stack it came from: that is how the main fiber, whose bounds
 * nobody told us, gets them before anyone needs to switch back to it. */
#include "sim/runtime/fiber.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#if FL_SANITIZE_ADDRESS
#include <sanitizer/common_interface_defs.h>

/* The fiber that started the switch in progress, so that the fiber that
 * finishes it can record the bounds ASan reports for it. Static state is fine:
 * single-threaded by design. */
static fl_fiber_t *switching_from;

static void asan_start_switch(fl_fiber_t *from, fl_fiber_t *to, int final)
{
    /* to ran before (or is new, with its stack known), so its bounds are. */
    assert(to->stack_bottom != NULL && to->stack_size > 0);
    switching_from = from;
    __sanitizer_start_switch_fiber(final ? NULL : &from->asan_fake_stack,
                                   to->stack_bottom, to->stack_size);
}

static void asan_finish_switch(void *fake_stack)
{
    const void *bottom_old = NULL;
    size_t size_old = 0;
    __sanitizer_finish_switch_fiber(fake_stack, &bottom_old, &size_old);
    fl_fiber_t *from = switching_from;
    assert(from != NULL);
    switching_from = NULL;
    if (from->stack_bottom == NULL) {
        from->stack_bottom = bottom_old;
        from->stack_size = size_old;
    }
}
#endif

/* Every fiber's first code: ends ASan's switch into it, then runs entry. */
static void fiber_start(void *arg)
{
    fl_fiber_t *fiber = arg;
#if FL_SANITIZE_ADDRESS
    asan_finish_switch(NULL);
#endif
    fiber->entry(fiber->arg);
    /* entry must end in fl_fiber_switch_final; returning is a runtime bug, and
     * the context layer aborts once this returns. */
}

void fl_fiber_init_main(fl_fiber_t *fiber)
{
    assert(fiber != NULL);
    /* Zeroed, so its context is a valid switch source for either backend and
     * its unknown stack bounds read as NULL. */
    memset(fiber, 0, sizeof *fiber);
}

void fl_fiber_init(fl_fiber_t *fiber, const fl_stack_t *stack,
                   fl_context_entry_fn entry, void *arg)
{
    assert(fiber != NULL);
    assert(stack != NULL && stack->base != NULL && stack->size > 0);
    assert(entry != NULL);
    memset(fiber, 0, sizeof *fiber);
    fiber->stack_bottom = stack->base;
    fiber->stack_size = stack->size;
    fiber->entry = entry;
    fiber->arg = arg;
    fl_context_make(&fiber->ctx, stack->base, stack->size, fiber_start, fiber);
}

void fl_fiber_switch(fl_fiber_t *from, fl_fiber_t *to)
{
    assert(from != NULL && to != NULL && from != to);
#if FL_SANITIZE_ADDRESS
    asan_start_switch(from, to, 0);
    fl_context_switch(&from->ctx, &to->ctx);
    asan_finish_switch(from->asan_fake_stack);
#else
    fl_context_switch(&from->ctx, &to->ctx);
#endif
}

void fl_fiber_switch_final(fl_fiber_t *from, fl_fiber_t *to)
{
    assert(from != NULL && to != NULL && from != to);
#if FL_SANITIZE_ADDRESS
    asan_start_switch(from, to, 1);
#endif
    /* from's context is saved only because the switch needs somewhere to
     * save it; nothing will resume it. */
    fl_context_switch(&from->ctx, &to->ctx);
    abort();
}
