/* Execution contexts: the lowest layer of faultline's tasks.
 *
 * A context is a saved stack pointer plus the registers a function call must
 * preserve. Switching from one context to another saves the running one and
 * resumes the other where it last switched away (or at its entry function, the
 * first time). Nothing here knows about tasks or schedulers, and of
 * AddressSanitizer only that a stack's old poisoning dies when a context is
 * made on it: the fiber layer (fiber.h) adds ASan's switch annotations on
 * top, and the scheduler uses fibers only.
 *
 * Two backends are always compiled, so that a benchmark can compare them in
 * one binary:
 *   - assembly (x86-64 and arm64 ELF): saves only the callee-saved registers
 *     and the stack pointer; a switch is a few nanoseconds;
 *   - ucontext (any POSIX system): makecontext/swapcontext, portable but a
 *     system call per switch (swapcontext saves the signal mask).
 * The runtime uses the one chosen at build time: fl_context_t below.
 *
 * Contexts are plain memory owned by the caller; they hold no resources, so
 * there is nothing to destroy. Stacks are owned by the caller too (stack.h)
 * and must outlive every switch into the context made on them.
 */
#ifndef FL_CONTEXT_H
#define FL_CONTEXT_H

#include <stddef.h>
#include <ucontext.h>

/* 1 when compiled with AddressSanitizer (gcc's -fsanitize=address defines
 * __SANITIZE_ADDRESS__; clang answers __has_feature), else 0. Defined here,
 * in the runtime's lowest header, for every layer that adapts to ASan:
 * contexts, stacks (larger under ASan) and fibers (annotated switches). */
#if defined(__SANITIZE_ADDRESS__)
#define FL_SANITIZE_ADDRESS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FL_SANITIZE_ADDRESS 1
#endif
#endif
#ifndef FL_SANITIZE_ADDRESS
#define FL_SANITIZE_ADDRESS 0
#endif

/* The function a new context starts in. It must never return: its last act is
 * to switch away for good. If it does return, the process aborts, because
 * there is no frame below it to return to. */
typedef void (*fl_context_entry_fn)(void *arg);

/* 1 when an assembly backend exists for this target, else 0. */
#if (defined(__x86_64__) || defined(__aarch64__)) && defined(__ELF__)
#define FL_CONTEXT_HAVE_ASM 1
#else
#define FL_CONTEXT_HAVE_ASM 0
#endif

/* --- assembly backend ---------------------------------------------------- */

/* A suspended assembly context: the stack pointer of its saved frame, which
 * holds the callee-saved registers (x86-64: rbx rbp r12-r15, MXCSR and the x87
 * control word; arm64: x19-x30 and d8-d15) and the resume address. */
typedef struct fl_context_asm {
    void *sp;
} fl_context_asm_t;

#if FL_CONTEXT_HAVE_ASM
/* Prepares *ctx to run entry(arg) on the stack [stack_base, stack_base +
 * stack_size) when first switched to. The stack's top is aligned down to 16
 * bytes, so any base and size work; the size must leave room for entry's
 * frames (at least a few hundred bytes). Writes a small initial frame at the
 * top of the stack. Whatever ran on the stack before is dead from here on
 * (under ASan its leftover poisoning is cleared). The caller owns ctx and the
 * stack. On x86-64 the new context starts with the MXCSR and x87 control word
 * of the caller of make. */
void fl_context_asm_make(fl_context_asm_t *ctx, void *stack_base,
                         size_t stack_size, fl_context_entry_fn entry,
                         void *arg);

/* Saves the running context into *from and resumes *to. Returns when some
 * context later switches back to *from. from and to must differ; *to must
 * have been made by fl_context_asm_make or saved by an earlier switch. */
void fl_context_asm_switch(fl_context_asm_t *from, fl_context_asm_t *to);
#endif

/* --- ucontext backend ---------------------------------------------------- */

/* A ucontext_t context. Much larger than the assembly one (about 1 KiB). */
typedef struct fl_context_uc {
    ucontext_t uc;
} fl_context_uc_t;

/* As fl_context_asm_make, with makecontext: the whole of *ctx is
 * (re)initialised. The caller owns ctx and the stack. */
void fl_context_uc_make(fl_context_uc_t *ctx, void *stack_base,
                        size_t stack_size, fl_context_entry_fn entry,
                        void *arg);

/* As fl_context_asm_switch, with swapcontext. A context that is only ever
 * switched from (the thread's own) needs no make: zero it first, so that
 * AddressSanitizer's swapcontext hook reads an empty stack from it. */
void fl_context_uc_switch(fl_context_uc_t *from, fl_context_uc_t *to);

/* --- the backend the runtime uses ---------------------------------------- */

/* ucontext when the build asks for it (make CONTEXT=ucontext passes
 * -DFL_CONTEXT_UCONTEXT=1) or when there is no assembly backend. */
#if defined(FL_CONTEXT_UCONTEXT) && FL_CONTEXT_UCONTEXT
#define FL__CONTEXT_USE_ASM 0
#else
#define FL__CONTEXT_USE_ASM FL_CONTEXT_HAVE_ASM
#endif

#if FL__CONTEXT_USE_ASM
typedef fl_context_asm_t fl_context_t;
#if defined(__x86_64__)
#define FL_CONTEXT_BACKEND "asm-x86_64"
#else
#define FL_CONTEXT_BACKEND "asm-arm64"
#endif
#else
typedef fl_context_uc_t fl_context_t;
#define FL_CONTEXT_BACKEND "ucontext"
#endif

/* The build's backend's make: see fl_context_asm_make. */
static inline void fl_context_make(fl_context_t *ctx, void *stack_base,
                                   size_t stack_size,
                                   fl_context_entry_fn entry, void *arg)
{
#if FL__CONTEXT_USE_ASM
    fl_context_asm_make(ctx, stack_base, stack_size, entry, arg);
#else
    fl_context_uc_make(ctx, stack_base, stack_size, entry, arg);
#endif
}

/* The build's backend's switch: see fl_context_asm_switch. */
static inline void fl_context_switch(fl_context_t *from, fl_context_t *to)
{
#if FL__CONTEXT_USE_ASM
    fl_context_asm_switch(from, to);
#else
    fl_context_uc_switch(from, to);
#endif
}

/* Internal: reports an entry function that returned, then aborts. Called by
 * both backends' start-up code, never by users. */
_Noreturn void fl__context_entry_returned(void);

#endif /* FL_CONTEXT_H */
