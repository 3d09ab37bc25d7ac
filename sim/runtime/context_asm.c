/* The assembly backend's context creation (the switch itself is in
 * context_x86_64.S and context_arm64.S), and the abort both backends share
 * when an entry function returns. See context.h. */
#include "sim/runtime/context.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if FL_SANITIZE_ADDRESS
#include <sanitizer/asan_interface.h>
#endif

_Noreturn void fl__context_entry_returned(void)
{
    /* A context's entry function has no caller frame to return to: its end
     * must be a switch away for good. Returning is a bug in the runtime. */
    fputs("faultline: a context's entry function returned\n", stderr);
    abort();
}

#if FL_CONTEXT_HAVE_ASM

/* Below the top of the stack, above the initial frame: a zeroed slot where a
 * return address would be, so stack walkers find the end of the chain. Keeps
 * the top 16-byte aligned. */
#define CONTEXT_TOP_RESERVE 16

/* Enough for the initial frame, the reserve and the alignment slack; entry's
 * own frames need more, which is the caller's business. */
#define CONTEXT_STACK_MIN 256

/* The start-up code of context_<arch>.S. Not a C function: never call it. */
void fl__context_asm_trampoline(void);

#if defined(__x86_64__)

/* The saved frame of context_x86_64.S, lowest address first. */
struct initial_frame {
    uint32_t mxcsr;
    uint16_t x87_control_word;
    uint16_t unused;
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t return_address;
};
_Static_assert(sizeof(struct initial_frame) == 64, "matches the assembly");

static void frame_init(struct initial_frame *frame, fl_context_entry_fn entry,
                       void *arg)
{
    memset(frame, 0, sizeof *frame);
    /* A new context inherits its creator's floating-point control state,
     * as a new thread does. */
    __asm__ volatile("stmxcsr %0" : "=m"(frame->mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(frame->x87_control_word));
    frame->r13 = (uint64_t)(uintptr_t)entry;
    frame->r12 = (uint64_t)(uintptr_t)arg;
    frame->return_address = (uint64_t)(uintptr_t)fl__context_asm_trampoline;
}

#elif defined(__aarch64__)

/* The saved frame of context_arm64.S, lowest address first. */
struct initial_frame {
    uint64_t x19_to_x28[10];
    uint64_t x29, x30;
    uint64_t d8_to_d15[8];
};
_Static_assert(sizeof(struct initial_frame) == 160, "matches the assembly");

static void frame_init(struct initial_frame *frame, fl_context_entry_fn entry,
                       void *arg)
{
    memset(frame, 0, sizeof *frame);
    frame->x19_to_x28[0] = (uint64_t)(uintptr_t)arg;   /* x19 */
    frame->x19_to_x28[1] = (uint64_t)(uintptr_t)entry; /* x20 */
    frame->x30 = (uint64_t)(uintptr_t)fl__context_asm_trampoline;
}

#endif

void fl_context_asm_make(fl_context_asm_t *ctx, void *stack_base,
                         size_t stack_size, fl_context_entry_fn entry,
                         void *arg)
{
    assert(ctx != NULL);
    assert(stack_base != NULL);
    assert(entry != NULL);
    assert(stack_size >= CONTEXT_STACK_MIN);
#if FL_SANITIZE_ADDRESS
    /* Frames abandoned on this stack by an earlier context (which ended by
     * switching away, never returning) left their redzones poisoned; they
     * mean nothing now, and the initial frame is written over them. */
    __asan_unpoison_memory_region(stack_base, stack_size);
#endif

    uintptr_t top = ((uintptr_t)stack_base + stack_size) & ~(uintptr_t)15;
    top -= CONTEXT_TOP_RESERVE;
    memset((void *)top, 0, CONTEXT_TOP_RESERVE);

    /* Popping the frame leaves the stack pointer at top, 16-byte aligned,
     * which is what the trampoline's alignment argument relies on. */
    struct initial_frame *frame =
        (struct initial_frame *)(top - sizeof(struct initial_frame));
    assert((uintptr_t)frame >= (uintptr_t)stack_base);
    assert((uintptr_t)frame % 16 == 0);
    frame_init(frame, entry, arg);
    ctx->sp = frame;
}

#endif /* FL_CONTEXT_HAVE_ASM */
