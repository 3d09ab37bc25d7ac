/* The ucontext backend: makecontext/swapcontext. See context.h.
 *
 * The portable baseline. It is slow because swapcontext saves and restores the
 * signal mask with a system call on every switch; the assembly backend exists
 * to avoid that, and bench/bench_switch.c compares the two. */
#include "sim/runtime/context.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#if FL_SANITIZE_ADDRESS
#include <sanitizer/asan_interface.h>
#endif

/* makecontext passes only int arguments, so each pointer travels as two
 * 32-bit halves and is put back together here. */
static void uc_trampoline(unsigned entry_high, unsigned entry_low,
                          unsigned arg_high, unsigned arg_low)
{
    uintptr_t entry_bits =
        (uintptr_t)(((uint64_t)entry_high << 32) | (uint64_t)entry_low);
    uintptr_t arg_bits =
        (uintptr_t)(((uint64_t)arg_high << 32) | (uint64_t)arg_low);
    fl_context_entry_fn entry = (fl_context_entry_fn)entry_bits;
    entry((void *)arg_bits);
    fl__context_entry_returned();
}

static unsigned high_half(uintptr_t bits)
{
    return (unsigned)((uint64_t)bits >> 32);
}

static unsigned low_half(uintptr_t bits)
{
    return (unsigned)((uint64_t)bits & 0xffffffffu);
}

void fl_context_uc_make(fl_context_uc_t *ctx, void *stack_base,
                        size_t stack_size, fl_context_entry_fn entry,
                        void *arg)
{
    assert(ctx != NULL);
    assert(stack_base != NULL);
    assert(entry != NULL);
    assert(stack_size >= 256);
#if FL_SANITIZE_ADDRESS
    /* As in fl_context_asm_make: an earlier context's abandoned frames left
     * poisoned redzones that mean nothing to this one. */
    __asan_unpoison_memory_region(stack_base, stack_size);
#endif

    memset(ctx, 0, sizeof *ctx);
    int status = getcontext(&ctx->uc);
    assert(status == 0);
    (void)status;
    ctx->uc.uc_stack.ss_sp = stack_base;
    ctx->uc.uc_stack.ss_size = stack_size;
    ctx->uc.uc_stack.ss_flags = 0;
    /* No successor: uc_trampoline aborts instead of returning. */
    ctx->uc.uc_link = NULL;

    uintptr_t entry_bits = (uintptr_t)entry;
    uintptr_t arg_bits = (uintptr_t)arg;
    makecontext(&ctx->uc, (void (*)(void))uc_trampoline, 4,
                high_half(entry_bits), low_half(entry_bits),
                high_half(arg_bits), low_half(arg_bits));
}

void fl_context_uc_switch(fl_context_uc_t *from, fl_context_uc_t *to)
{
    assert(from != NULL && to != NULL && from != to);
    int status = swapcontext(&from->uc, &to->uc);
    /* swapcontext fails only for a bad signal mask, which we never pass. */
    assert(status == 0);
    (void)status;
}
