/* Tests for sim/runtime/context.h: every behaviour is checked on both
 * backends (assembly where it exists, and ucontext) through a small table of
 * function pointers, plus the build's own choice (fl_context_*).
 *
 * Coroutines never call cmocka's assertions: a failing assertion longjmps to
 * the test runner, which must not happen from another stack. They record what
 * they saw in globals and the main context asserts after switching back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fenv.h>
#include <signal.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "sim/runtime/context.h"
#include "sim/runtime/stack.h"
#include "sim/runtime/status.h"

/* --- the backends under test --------------------------------------------- */

typedef union any_context {
#if FL_CONTEXT_HAVE_ASM
    fl_context_asm_t asm_ctx;
#endif
    fl_context_uc_t uc_ctx;
} any_context_t;

typedef struct backend {
    void (*make)(any_context_t *ctx, void *stack_base, size_t stack_size,
                 fl_context_entry_fn entry, void *arg);
    void (*switch_to)(any_context_t *from, any_context_t *to);
} backend_t;

#if FL_CONTEXT_HAVE_ASM
static void asm_make(any_context_t *ctx, void *stack_base, size_t stack_size,
                     fl_context_entry_fn entry, void *arg)
{
    fl_context_asm_make(&ctx->asm_ctx, stack_base, stack_size, entry, arg);
}

static void asm_switch(any_context_t *from, any_context_t *to)
{
    fl_context_asm_switch(&from->asm_ctx, &to->asm_ctx);
}

static const backend_t backend_asm = {asm_make, asm_switch};
#endif

static void uc_make(any_context_t *ctx, void *stack_base, size_t stack_size,
                    fl_context_entry_fn entry, void *arg)
{
    fl_context_uc_make(&ctx->uc_ctx, stack_base, stack_size, entry, arg);
}

static void uc_switch(any_context_t *from, any_context_t *to)
{
    fl_context_uc_switch(&from->uc_ctx, &to->uc_ctx);
}

static const backend_t backend_ucontext = {uc_make, uc_switch};

/* --- fixture: the main context, two coroutines and their stacks ---------- */

#define COROUTINES 2

static const backend_t *backend;
static any_context_t main_ctx;
static any_context_t co_ctx[COROUTINES];
static fl_stack_t co_stack[COROUTINES];

static int setup(void **state)
{
    backend = *state;
    /* Zeroed: the main context is only ever switched from (context.h). */
    memset(&main_ctx, 0, sizeof main_ctx);
    memset(co_ctx, 0, sizeof co_ctx);
    for (int i = 0; i < COROUTINES; i++) {
        if (fl_stack_acquire(0, &co_stack[i]) != FL_OK)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < COROUTINES; i++)
        fl_stack_release(&co_stack[i]);
    fl_stack_pool_trim();
    return 0;
}

static void co_make(int i, fl_context_entry_fn entry, void *arg)
{
    backend->make(&co_ctx[i], co_stack[i].base, co_stack[i].size, entry, arg);
}

static void co_switch(any_context_t *from, any_context_t *to)
{
    backend->switch_to(from, to);
}

/* A coroutine's end: back to main for good. It returns as far as the
 * compiler knows (were it resumed, its caller would return and the context
 * layer would abort): under ASan a call to a noreturn function first asks ASan
 * to clean the current stack, which it refuses with a warning on a stack
 * nobody told it about, and these bare contexts have no fiber annotations. */
static void co_finish(any_context_t *self)
{
    co_switch(self, &main_ctx);
}

/* --- ping-pong ------------------------------------------------------------ */

#define PING_PONG_ROUNDS 1000

static struct {
    int counter;
    char log[2 * PING_PONG_ROUNDS + 1];
    size_t log_length;
} ping_pong;

static void ping_pong_entry(void *arg)
{
    (void)arg;
    for (int i = 0; i < PING_PONG_ROUNDS; i++) {
        ping_pong.log[ping_pong.log_length++] = 'C';
        ping_pong.counter++;
        co_switch(&co_ctx[0], &main_ctx);
    }
    co_finish(&co_ctx[0]);
}

static void test_ping_pong(void **state)
{
    (void)state;
    memset(&ping_pong, 0, sizeof ping_pong);
    co_make(0, ping_pong_entry, NULL);
    for (int i = 0; i < PING_PONG_ROUNDS; i++) {
        ping_pong.log[ping_pong.log_length++] = 'M';
        co_switch(&main_ctx, &co_ctx[0]);
        assert_int_equal(ping_pong.counter, i + 1);
    }
    /* One more resume lets the coroutine leave its loop and finish. */
    co_switch(&main_ctx, &co_ctx[0]);
    assert_int_equal(ping_pong.counter, PING_PONG_ROUNDS);
    assert_int_equal(ping_pong.log_length, 2 * PING_PONG_ROUNDS);
    for (size_t i = 0; i < ping_pong.log_length; i++)
        assert_int_equal(ping_pong.log[i], i % 2 == 0 ? 'M' : 'C');
}

/* --- arguments ------------------------------------------------------------ */

typedef struct payload {
    int self_index;
    uint64_t magic;
} payload_t;

static const payload_t *received[COROUTINES];
static uint64_t received_magic[COROUTINES];

static void argument_entry(void *arg)
{
    const payload_t *payload = arg;
    received[payload->self_index] = payload;
    received_magic[payload->self_index] = payload->magic;
    co_finish(&co_ctx[payload->self_index]);
}

static void test_argument_reaches_entry(void **state)
{
    (void)state;
    payload_t payloads[COROUTINES] = {
        {0, UINT64_C(0x0123456789abcdef)},
        {1, UINT64_C(0xfedcba9876543210)},
    };
    memset(received, 0, sizeof received);
    /* Both made before either runs, so each must keep its own argument. */
    co_make(0, argument_entry, &payloads[0]);
    co_make(1, argument_entry, &payloads[1]);
    co_switch(&main_ctx, &co_ctx[1]);
    co_switch(&main_ctx, &co_ctx[0]);
    for (int i = 0; i < COROUTINES; i++) {
        assert_ptr_equal(received[i], &payloads[i]);
        assert_true(received_magic[i] == payloads[i].magic);
    }
}

/* --- registers and locals survive switches ------------------------------- */

#define SURVIVE_ROUNDS 2000

/* Overwrites the callee-saved registers the compiler lets us name, so that a
 * switch that failed to restore them would hand garbage back to the other
 * side. Inline in the loop, right before the switch, so the compiler cannot
 * restore them for us in a prologue/epilogue. */
#if defined(__x86_64__)
#define CLOBBER_CALLEE_SAVED()                                                 \
    __asm__ volatile("movq $0x5a5a5a5a5a5a5a5a, %%rbx\n\t"                      \
                     "movq %%rbx, %%r12\n\t"                                   \
                     "movq %%rbx, %%r13\n\t"                                   \
                     "movq %%rbx, %%r14\n\t"                                   \
                     "movq %%rbx, %%r15\n\t"                                   \
                     :                                                         \
                     :                                                         \
                     : "rbx", "r12", "r13", "r14", "r15", "memory")
#elif defined(__aarch64__)
#define CLOBBER_CALLEE_SAVED()                                                 \
    __asm__ volatile("mov x19, #0x5a5a\n\t"                                     \
                     "mov x20, x19\n\tmov x21, x19\n\tmov x22, x19\n\t"        \
                     "mov x23, x19\n\tmov x24, x19\n\tmov x25, x19\n\t"        \
                     "mov x26, x19\n\tmov x27, x19\n\tmov x28, x19\n\t"        \
                     "fmov d8, x19\n\tfmov d9, x19\n\tfmov d10, x19\n\t"       \
                     "fmov d11, x19\n\tfmov d12, x19\n\tfmov d13, x19\n\t"     \
                     "fmov d14, x19\n\tfmov d15, x19\n\t"                      \
                     :                                                         \
                     :                                                         \
                     : "x19", "x20", "x21", "x22", "x23", "x24", "x25",        \
                       "x26", "x27", "x28", "d8", "d9", "d10", "d11", "d12",   \
                       "d13", "d14", "d15", "memory")
#else
#define CLOBBER_CALLEE_SAVED() ((void)0)
#endif

/* More live values than there are callee-saved registers (x86-64: 6
 * general; arm64: 10 general and 8 floating-point), so that every one of
 * them holds a value across the switch and the rest live in the frame. The
 * same arithmetic with and without switches in between must agree to the bit
 * (no fast-math, and no contraction in ISO C mode). */
#define SURVIVE_DECLARE(seed)                                                  \
    uint64_t a0 = (seed), a1 = a0 ^ 1, a2 = a0 + 2, a3 = a0 * 3, a4 = ~a0,    \
             a5 = a0 >> 1, a6 = a0 << 1, a7 = a0 ^ 0xff, a8 = a0 + 99,         \
             a9 = a0 * 5, a10 = a0 - 7, a11 = a0 ^ (a0 >> 33);                 \
    double f0 = (double)(a0 >> 40), f1 = 1.5, f2 = 2.5, f3 = 3.5, f4 = 4.5,   \
           f5 = 5.5, f6 = 6.5, f7 = 7.5, f8 = 8.5, f9 = 9.5

#define SURVIVE_STEP(i)                                                        \
    do {                                                                       \
        a0 = a0 * 6364136223846793005u + (uint64_t)(i);                        \
        a1 ^= a0 >> 7;                                                         \
        a2 += a1 * 3u;                                                         \
        a3 = (a3 << 5) | (a3 >> 59);                                           \
        a4 -= a2 ^ a3;                                                         \
        a5 += a4 >> 3;                                                         \
        a6 ^= a5 * 7u;                                                         \
        a7 += a6 | 1u;                                                         \
        a8 = a8 * 5u + a7;                                                     \
        a9 ^= a8 >> 11;                                                        \
        a10 += a9;                                                             \
        a11 = (a11 ^ a10) * 3u;                                                \
        f0 = f0 * 0.999 + (double)(i)*0.001;                                   \
        f1 = f1 * 0.998 + f0 * 0.002;                                          \
        f2 = f2 * 0.997 + f1 * 0.003;                                          \
        f3 = f3 * 0.996 + f2 * 0.004;                                          \
        f4 = f4 * 0.995 + f3 * 0.005;                                          \
        f5 = f5 * 0.994 + f4 * 0.006;                                          \
        f6 = f6 * 0.993 + f5 * 0.007;                                          \
        f7 = f7 * 0.992 + f6 * 0.008;                                          \
        f8 = f8 * 0.991 + f7 * 0.009;                                          \
        f9 = f9 * 0.990 + f8 * 0.010;                                          \
    } while (0)

#define SURVIVE_COLLECT()                                                      \
    ((survivors_t){{a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11},         \
                   {f0, f1, f2, f3, f4, f5, f6, f7, f8, f9}})

typedef struct survivors {
    uint64_t integers[12];
    double doubles[10];
} survivors_t;

static survivors_t survive_reference(uint64_t seed)
{
    SURVIVE_DECLARE(seed);
    for (int i = 0; i < SURVIVE_ROUNDS; i++)
        SURVIVE_STEP(i);
    return SURVIVE_COLLECT();
}

static survivors_t coroutine_survivors;

/* Each side of the ping-pong comes in two versions. One keeps its values in
 * callee-saved registers across the switch (no clobber: the compiler is free
 * to). The other overwrites those registers before every switch (the clobber
 * makes the compiler keep its own values in memory), so that if the switch
 * failed to restore the first side's registers, it would find garbage. The
 * test pairs a keeping side with a clobbering side, both ways round. */
static void survive_entry_keeping(void *arg)
{
    SURVIVE_DECLARE(*(const uint64_t *)arg);
    for (int i = 0; i < SURVIVE_ROUNDS; i++) {
        SURVIVE_STEP(i);
        co_switch(&co_ctx[0], &main_ctx);
    }
    coroutine_survivors = SURVIVE_COLLECT();
    co_finish(&co_ctx[0]);
}

static void survive_entry_clobbering(void *arg)
{
    SURVIVE_DECLARE(*(const uint64_t *)arg);
    for (int i = 0; i < SURVIVE_ROUNDS; i++) {
        SURVIVE_STEP(i);
        CLOBBER_CALLEE_SAVED();
        co_switch(&co_ctx[0], &main_ctx);
    }
    coroutine_survivors = SURVIVE_COLLECT();
    co_finish(&co_ctx[0]);
}

__attribute__((noinline)) static survivors_t main_keeping(uint64_t seed)
{
    SURVIVE_DECLARE(seed);
    for (int i = 0; i < SURVIVE_ROUNDS; i++) {
        SURVIVE_STEP(i);
        co_switch(&main_ctx, &co_ctx[0]);
    }
    co_switch(&main_ctx, &co_ctx[0]); /* lets the coroutine finish */
    return SURVIVE_COLLECT();
}

__attribute__((noinline)) static survivors_t main_clobbering(uint64_t seed)
{
    SURVIVE_DECLARE(seed);
    for (int i = 0; i < SURVIVE_ROUNDS; i++) {
        SURVIVE_STEP(i);
        CLOBBER_CALLEE_SAVED();
        co_switch(&main_ctx, &co_ctx[0]);
    }
    co_switch(&main_ctx, &co_ctx[0]); /* lets the coroutine finish */
    return SURVIVE_COLLECT();
}

static void assert_survivors_equal(survivors_t got, survivors_t want)
{
    for (size_t i = 0; i < 12; i++)
        assert_true(got.integers[i] == want.integers[i]);
    for (size_t i = 0; i < 10; i++)
        assert_true(got.doubles[i] == want.doubles[i]);
}

static void test_locals_and_registers_survive_switches(void **state)
{
    (void)state;
    const uint64_t main_seed = UINT64_C(0x9e3779b97f4a7c15);
    const uint64_t coroutine_seed = UINT64_C(0x2545f4914f6cdd1d);

    /* Main keeps, the coroutine clobbers. */
    memset(&coroutine_survivors, 0, sizeof coroutine_survivors);
    co_make(0, survive_entry_clobbering, (void *)&coroutine_seed);
    assert_survivors_equal(main_keeping(main_seed),
                           survive_reference(main_seed));
    assert_survivors_equal(coroutine_survivors,
                           survive_reference(coroutine_seed));

    /* The coroutine keeps, main clobbers. */
    memset(&coroutine_survivors, 0, sizeof coroutine_survivors);
    co_make(0, survive_entry_keeping, (void *)&coroutine_seed);
    assert_survivors_equal(main_clobbering(main_seed),
                           survive_reference(main_seed));
    assert_survivors_equal(coroutine_survivors,
                           survive_reference(coroutine_seed));
}

/* --- floating-point control state is per context ------------------------- */

#if defined(__x86_64__)
#define MXCSR_ROUNDING_MASK 0x6000u
#define MXCSR_ROUND_UP 0x4000u
#define MXCSR_ROUND_DOWN 0x2000u
#define MXCSR_ROUND_NEAREST 0x0000u

static struct {
    unsigned entry_mxcsr_rounding;
    int entry_x87_rounding;
    int resumed_x87_rounding;
    unsigned resumed_mxcsr_rounding;
} fp_seen;

static void fp_entry(void *arg)
{
    (void)arg;
    fp_seen.entry_mxcsr_rounding = _mm_getcsr() & MXCSR_ROUNDING_MASK;
    fp_seen.entry_x87_rounding = fegetround();
    /* fesetround sets both the x87 control word and MXCSR. */
    fesetround(FE_UPWARD);
    co_switch(&co_ctx[0], &main_ctx);
    fp_seen.resumed_x87_rounding = fegetround();
    fp_seen.resumed_mxcsr_rounding = _mm_getcsr() & MXCSR_ROUNDING_MASK;
    fesetround(FE_TONEAREST);
    co_finish(&co_ctx[0]);
}

static void test_floating_point_control_is_per_context(void **state)
{
    (void)state;
    memset(&fp_seen, 0, sizeof fp_seen);
    /* A new context starts with its creator's control state... */
    assert_int_equal(fesetround(FE_DOWNWARD), 0);
    co_make(0, fp_entry, NULL);
    assert_int_equal(fesetround(FE_TONEAREST), 0);
    co_switch(&main_ctx, &co_ctx[0]);
    assert_int_equal(fp_seen.entry_x87_rounding, FE_DOWNWARD);
    assert_int_equal(fp_seen.entry_mxcsr_rounding, MXCSR_ROUND_DOWN);

    /* ...and a change made in one context does not leak into another. */
    assert_int_equal(fegetround(), FE_TONEAREST);
    assert_int_equal(_mm_getcsr() & MXCSR_ROUNDING_MASK, MXCSR_ROUND_NEAREST);
    co_switch(&main_ctx, &co_ctx[0]);
    assert_int_equal(fp_seen.resumed_x87_rounding, FE_UPWARD);
    assert_int_equal(fp_seen.resumed_mxcsr_rounding, MXCSR_ROUND_UP);
    assert_int_equal(fegetround(), FE_TONEAREST);
}
#endif

/* --- two coroutines interleaving ----------------------------------------- */

#define INTERLEAVE_ROUNDS 500

static struct {
    char log[3 * INTERLEAVE_ROUNDS + 1];
    size_t log_length;
    int rounds_seen[COROUTINES];
} interleave;

/* Coroutine 0 hands over to coroutine 1, which hands back to main: a chain
 * main -> 0 -> 1 -> main, so switches between two coroutines are exercised,
 * not just switches to and from main. */
static void interleave_entry(void *arg)
{
    int self = *(const int *)arg;
    any_context_t *next = self == 0 ? &co_ctx[1] : &main_ctx;
    int rounds = 0; /* a local on this coroutine's own stack */
    for (int i = 0; i < INTERLEAVE_ROUNDS; i++) {
        interleave.log[interleave.log_length++] = (char)('A' + self);
        rounds++;
        co_switch(&co_ctx[self], next);
    }
    interleave.rounds_seen[self] = rounds;
    co_switch(&co_ctx[self], next);
    abort();
}

static void test_two_coroutines_interleave(void **state)
{
    (void)state;
    static const int indices[COROUTINES] = {0, 1};
    memset(&interleave, 0, sizeof interleave);
    co_make(0, interleave_entry, (void *)&indices[0]);
    co_make(1, interleave_entry, (void *)&indices[1]);
    for (int i = 0; i < INTERLEAVE_ROUNDS; i++) {
        co_switch(&main_ctx, &co_ctx[0]);
        interleave.log[interleave.log_length++] = 'M';
    }
    co_switch(&main_ctx, &co_ctx[0]);
    assert_int_equal(interleave.log_length, 3 * INTERLEAVE_ROUNDS);
    for (size_t i = 0; i < interleave.log_length; i++)
        assert_int_equal(interleave.log[i], "ABM"[i % 3]);
    assert_int_equal(interleave.rounds_seen[0], INTERLEAVE_ROUNDS);
    assert_int_equal(interleave.rounds_seen[1], INTERLEAVE_ROUNDS);
}

/* --- stack alignment at entry -------------------------------------------- */

static struct {
    uintptr_t frame_address;
    uintptr_t aligned_local;
    uintptr_t max_aligned_local;
    uintptr_t nested_aligned_local;
    int ran;
} alignment_seen;

/* The compiler knows these objects are aligned and would fold `% 16` to 0;
 * going through a volatile makes it test the real address. */
static uintptr_t launder(const void *pointer)
{
    volatile uintptr_t value = (uintptr_t)pointer;
    return value;
}

__attribute__((noinline)) static uintptr_t nested_aligned_address(void)
{
    alignas(16) volatile char probe[16] = {0};
    return launder((const void *)probe);
}

static void alignment_entry(void *arg)
{
    (void)arg;
    alignas(16) volatile char probe[16] = {0};
    volatile max_align_t widest;
    memset((void *)&widest, 0, sizeof widest);
    alignment_seen.frame_address = launder(__builtin_frame_address(0));
    alignment_seen.aligned_local = launder((const void *)probe);
    alignment_seen.max_aligned_local = launder((const void *)&widest);
    alignment_seen.nested_aligned_local = nested_aligned_address();
    alignment_seen.ran = 1;
    co_finish(&co_ctx[0]);
}

static void test_stack_is_aligned_at_entry(void **state)
{
    (void)state;
    /* Deliberately misaligned bases and sizes: make must align the top. */
    for (size_t skew = 0; skew < 16; skew++) {
        memset(&alignment_seen, 0, sizeof alignment_seen);
        char *base = (char *)co_stack[0].base + skew;
        size_t size = co_stack[0].size - skew - (skew * 7) % 16;
        backend->make(&co_ctx[0], base, size, alignment_entry, NULL);
        co_switch(&main_ctx, &co_ctx[0]);
        assert_true(alignment_seen.ran);
        assert_int_equal(alignment_seen.frame_address % 16, 0);
        assert_int_equal(alignment_seen.aligned_local % 16, 0);
        assert_int_equal(alignment_seen.max_aligned_local % _Alignof(max_align_t),
                         0);
        assert_int_equal(alignment_seen.nested_aligned_local % 16, 0);
        /* And it ran on the coroutine's stack. (The frame, not a local: with
         * ASan's use-after-return detection locals live elsewhere.) */
        assert_true(alignment_seen.frame_address >= (uintptr_t)base);
        assert_true(alignment_seen.frame_address < (uintptr_t)base + size);
    }
}

/* --- deep recursion on the coroutine's own stack ------------------------- */

#define RECURSION_DEPTH 2000
#define RECURSION_FRAME_BYTES 128
#define RECURSION_STACK_SIZE ((size_t)1024 * 1024)

static struct {
    uintptr_t deepest_frame;
    unsigned long corrupted_frames;
    int finished;
} recursion;

/* Each frame holds a buffer stamped with its depth, suspends the whole chain
 * at the bottom, and checks its buffer after the recursive call returns: the
 * work after the call keeps the compiler from turning this into a loop. */
static unsigned long recurse(unsigned depth)
{
    volatile unsigned char frame[RECURSION_FRAME_BYTES];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (unsigned char)(depth * 31 + i);
    unsigned long corrupted = 0;
    if (depth == RECURSION_DEPTH) {
        /* The frame, not the buffer: with ASan's use-after-return detection
         * locals live on a separate fake stack. */
        recursion.deepest_frame = launder(__builtin_frame_address(0));
        co_switch(&co_ctx[0], &main_ctx);
    } else {
        corrupted = recurse(depth + 1);
    }
    for (size_t i = 0; i < sizeof frame; i++)
        corrupted += frame[i] != (unsigned char)(depth * 31 + i);
    return corrupted;
}

static void recursion_entry(void *arg)
{
    (void)arg;
    recursion.corrupted_frames = recurse(1);
    recursion.finished = 1;
    co_finish(&co_ctx[0]);
}

static void test_deep_recursion_uses_own_stack(void **state)
{
    (void)state;
    fl_stack_t big;
    assert_int_equal(fl_stack_acquire(RECURSION_STACK_SIZE, &big), FL_OK);
    memset(&recursion, 0, sizeof recursion);
    backend->make(&co_ctx[0], big.base, big.size, recursion_entry, NULL);

    co_switch(&main_ctx, &co_ctx[0]);
    uintptr_t low = (uintptr_t)big.base, high = low + big.size;
    assert_true(recursion.deepest_frame >= low);
    assert_true(recursion.deepest_frame < high);
    /* Every level took at least a return address and a saved frame pointer
     * of this stack (the buffers too, unless ASan moved them to its fake
     * stack): the recursion really ran here. */
    assert_true(high - recursion.deepest_frame > RECURSION_DEPTH * 16);
    /* Main's stack is untouched by all that: this frame is not in range. */
    uintptr_t here = launder(&big);
    assert_true(here < low || here >= high);

    co_switch(&main_ctx, &co_ctx[0]);
    assert_true(recursion.finished);
    assert_int_equal(recursion.corrupted_frames, 0);
    fl_stack_release(&big);
}

/* --- an entry function that returns aborts ------------------------------- */

static void returning_entry(void *arg)
{
    (void)arg;
}

static void test_returning_entry_aborts(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* Quiet, so the expected abort message does not look like a failure. */
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(3);
        co_make(0, returning_entry, NULL);
        co_switch(&main_ctx, &co_ctx[0]);
        _exit(0); /* not reached if the entry's return aborted */
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* --- the build's own backend --------------------------------------------- */

static fl_context_t selected_main, selected_co;
static int selected_count;

static void selected_entry(void *arg)
{
    int *count = arg;
    for (;;) {
        (*count)++;
        fl_context_switch(&selected_co, &selected_main);
    }
}

static void test_selected_backend(void **state)
{
    (void)state;
#if defined(FL_CONTEXT_UCONTEXT) && FL_CONTEXT_UCONTEXT
    assert_string_equal(FL_CONTEXT_BACKEND, "ucontext");
#elif FL_CONTEXT_HAVE_ASM && defined(__x86_64__)
    assert_string_equal(FL_CONTEXT_BACKEND, "asm-x86_64");
#elif FL_CONTEXT_HAVE_ASM && defined(__aarch64__)
    assert_string_equal(FL_CONTEXT_BACKEND, "asm-arm64");
#else
    assert_string_equal(FL_CONTEXT_BACKEND, "ucontext");
#endif
    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(0, &stack), FL_OK);
    memset(&selected_main, 0, sizeof selected_main);
    selected_count = 0;
    fl_context_make(&selected_co, stack.base, stack.size, selected_entry,
                    &selected_count);
    for (int i = 1; i <= 100; i++) {
        fl_context_switch(&selected_main, &selected_co);
        assert_int_equal(selected_count, i);
    }
    fl_stack_release(&stack);
}

/* --- registration --------------------------------------------------------- */

#define BACKEND_TEST(backend_var, function)                                    \
    {#backend_var ": " #function, function, setup, teardown,                   \
     (void *)&backend_var}

#if defined(__x86_64__)
#define BACKEND_FP_TEST(backend_var)                                           \
    BACKEND_TEST(backend_var, test_floating_point_control_is_per_context),
#else
#define BACKEND_FP_TEST(backend_var)
#endif

#define BACKEND_TESTS(backend_var)                                             \
    BACKEND_TEST(backend_var, test_ping_pong),                                 \
        BACKEND_TEST(backend_var, test_argument_reaches_entry),                \
        BACKEND_TEST(backend_var, test_locals_and_registers_survive_switches), \
        BACKEND_FP_TEST(backend_var)                                           \
        BACKEND_TEST(backend_var, test_two_coroutines_interleave),             \
        BACKEND_TEST(backend_var, test_stack_is_aligned_at_entry),             \
        BACKEND_TEST(backend_var, test_deep_recursion_uses_own_stack),         \
        BACKEND_TEST(backend_var, test_returning_entry_aborts)

int main(void)
{
    const struct CMUnitTest tests[] = {
#if FL_CONTEXT_HAVE_ASM
        BACKEND_TESTS(backend_asm),
#endif
        BACKEND_TESTS(backend_ucontext),
        cmocka_unit_test(test_selected_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
