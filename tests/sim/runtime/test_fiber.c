/* Tests for sim/runtime/fiber.h. Under `make test-sanitize` they double as
 * the proof that the ASan annotations are right: any false
 * stack-buffer-overflow or stack-use-after-return on a switched stack fails
 * the binary. Stack-use-after-return detection is switched on below so that
 * the fake-stack half of the protocol is exercised too.
 *
 * Fibers never call cmocka's assertions (a failure would longjmp off their
 * stack); they record what they saw and the main fiber asserts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/runtime/fiber.h"
#include "sim/runtime/stack.h"
#include "sim/runtime/status.h"

#if FL_SANITIZE_ADDRESS
/* Read by the ASan runtime at start-up. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_stack_use_after_return=1";
}
#endif

static fl_fiber_t main_fiber;

static int setup(void **state)
{
    (void)state;
    fl_fiber_init_main(&main_fiber);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fl_stack_pool_trim();
    return 0;
}

/* Fills a local buffer whose address escapes, so that the compiler keeps it
 * in memory with ASan redzones around it (on ASan's fake stack when
 * use-after-return detection is on), then sums it back. */
__attribute__((noinline)) static unsigned stamp_and_sum(unsigned seed,
                                                        fl_fiber_t *self,
                                                        fl_fiber_t *other)
{
    volatile unsigned char buffer[200];
    for (size_t i = 0; i < sizeof buffer; i++)
        buffer[i] = (unsigned char)(seed + i);
    /* Suspending here, with the buffer live, is the interesting case. */
    if (self != NULL)
        fl_fiber_switch(self, other);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof buffer; i++)
        sum += buffer[i];
    return sum;
}

static unsigned expected_sum(unsigned seed)
{
    unsigned sum = 0;
    for (size_t i = 0; i < 200; i++)
        sum += (unsigned char)(seed + i);
    return sum;
}

/* --- ping-pong and switch_final ------------------------------------------ */

#define PING_PONG_ROUNDS 500

typedef struct ping_pong {
    fl_fiber_t fiber;
    int counter;
    int bad_sums;
    int finished;
} ping_pong_t;

static void ping_pong_entry(void *arg)
{
    ping_pong_t *game = arg;
    for (int i = 0; i < PING_PONG_ROUNDS; i++) {
        game->counter++;
        /* Switches back to main from inside a frame with a live buffer. */
        if (stamp_and_sum((unsigned)i, &game->fiber, &main_fiber) !=
            expected_sum((unsigned)i))
            game->bad_sums++;
    }
    game->finished = 1;
    fl_fiber_switch_final(&game->fiber, &main_fiber);
}

static void test_ping_pong_then_final(void **state)
{
    (void)state;
    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(0, &stack), FL_OK);
    ping_pong_t game;
    memset(&game, 0, sizeof game);
    fl_fiber_init(&game.fiber, &stack, ping_pong_entry, &game);
    assert_ptr_equal(game.fiber.stack_bottom, stack.base);
    assert_int_equal(game.fiber.stack_size, stack.size);

    for (int i = 0; i < PING_PONG_ROUNDS; i++) {
        fl_fiber_switch(&main_fiber, &game.fiber);
        assert_int_equal(game.counter, i + 1);
        /* Main's own frames stay intact while the fiber runs. */
        assert_int_equal(stamp_and_sum((unsigned)i * 3, NULL, NULL),
                         expected_sum((unsigned)i * 3));
    }
    assert_false(game.finished);
    /* The last resume ends in switch_final, which comes back here. */
    fl_fiber_switch(&main_fiber, &game.fiber);
    assert_true(game.finished);
    assert_int_equal(game.bad_sums, 0);
    fl_stack_release(&stack);
}

/* --- the main fiber's bounds --------------------------------------------- */

static void bounce_entry(void *arg)
{
    fl_fiber_t *self = arg;
    fl_fiber_switch_final(self, &main_fiber);
}

static void test_main_fiber_learns_its_bounds(void **state)
{
    (void)state;
    assert_null(main_fiber.stack_bottom);
    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(0, &stack), FL_OK);
    fl_fiber_t fiber;
    fl_fiber_init(&fiber, &stack, bounce_entry, &fiber);
    fl_fiber_switch(&main_fiber, &fiber);
#if FL_SANITIZE_ADDRESS
    /* ASan told the fiber where main's stack is, and this frame is on it. */
    uintptr_t bottom = (uintptr_t)main_fiber.stack_bottom;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    assert_true(bottom != 0);
    assert_true(here >= bottom && here < bottom + main_fiber.stack_size);
#else
    /* Without ASan nobody needs the bounds, so nothing looks for them. */
    assert_null(main_fiber.stack_bottom);
#endif
    fl_stack_release(&stack);
}

/* --- fiber to fiber ------------------------------------------------------- */

static struct {
    fl_fiber_t a, b;
    char log[16];
    size_t log_length;
} relay;

static void relay_note(char event)
{
    if (relay.log_length + 1 < sizeof relay.log)
        relay.log[relay.log_length++] = event;
}

static void relay_b(void *arg)
{
    (void)arg;
    relay_note('b');
    fl_fiber_switch(&relay.b, &relay.a);   /* b suspends, a resumes */
    relay_note('B');
    fl_fiber_switch_final(&relay.b, &relay.a);
}

static void relay_a(void *arg)
{
    (void)arg;
    relay_note('a');
    fl_fiber_switch(&relay.a, &relay.b);   /* b's first run */
    relay_note('A');
    fl_fiber_switch(&relay.a, &main_fiber);
    relay_note('2');
    fl_fiber_switch(&relay.a, &relay.b);   /* b finishes, back to a */
    relay_note('3');
    fl_fiber_switch_final(&relay.a, &main_fiber);
}

static void test_fibers_switch_between_themselves(void **state)
{
    (void)state;
    fl_stack_t stack_a, stack_b;
    assert_int_equal(fl_stack_acquire(0, &stack_a), FL_OK);
    assert_int_equal(fl_stack_acquire(0, &stack_b), FL_OK);
    memset(&relay, 0, sizeof relay);
    fl_fiber_init(&relay.a, &stack_a, relay_a, NULL);
    fl_fiber_init(&relay.b, &stack_b, relay_b, NULL);

    fl_fiber_switch(&main_fiber, &relay.a);
    relay_note('M');
    fl_fiber_switch(&main_fiber, &relay.a);
    relay_note('m');
    assert_string_equal(relay.log, "abAM2B3m");
    fl_stack_release(&stack_a);
    fl_stack_release(&stack_b);
}

/* --- many fibers in sequence, stacks recycled ----------------------------- */

#define SEQUENCE_FIBERS 2000

typedef struct worker {
    fl_fiber_t fiber;
    unsigned index;
    int finish_at_bottom;
    unsigned result;
    int finished;
} worker_t;

/* Ends the fiber from a depth that varies with its index, so each fiber
 * abandons a different pattern of frames (and ASan redzones) on the stack the
 * next fiber reuses. */
static void worker_descend(worker_t *worker, unsigned depth)
{
    volatile unsigned char pad[48];
    memset((void *)pad, (int)depth, sizeof pad);
    if (depth > 0) {
        worker_descend(worker, depth - 1);
        return;
    }
    worker->finished = 1;
    /* Always true; gcc would call the recursion infinite if it could see that
     * no path returns. */
    if (worker->finish_at_bottom)
        fl_fiber_switch_final(&worker->fiber, &main_fiber);
}

static void worker_entry(void *arg)
{
    worker_t *worker = arg;
    worker->result = stamp_and_sum(worker->index, &worker->fiber, &main_fiber);
    worker_descend(worker, worker->index % 9);
    abort(); /* worker_descend ends the fiber */
}

static void test_many_fibers_reuse_stacks(void **state)
{
    (void)state;
    void *first_base = NULL;
    for (unsigned i = 0; i < SEQUENCE_FIBERS; i++) {
        fl_stack_t stack;
        assert_int_equal(fl_stack_acquire(0, &stack), FL_OK);
        if (i == 0)
            first_base = stack.base;
        /* One stack in flight at a time: the pool hands the same one back. */
        assert_ptr_equal(stack.base, first_base);

        worker_t worker;
        memset(&worker, 0, sizeof worker);
        worker.index = i;
        worker.finish_at_bottom = 1;
        fl_fiber_init(&worker.fiber, &stack, worker_entry, &worker);
        fl_fiber_switch(&main_fiber, &worker.fiber); /* runs to its switch */
        assert_false(worker.finished);
        fl_fiber_switch(&main_fiber, &worker.fiber); /* runs to its end */
        assert_true(worker.finished);
        assert_int_equal(worker.result, expected_sum(i));

        fl_stack_release(&stack);
        assert_int_equal(fl_stack_pool_count(), 1);
    }
}

/* --- a suspended fiber abandoned, its stack reused ------------------------ */

#define ABANDON_DEPTH 6

/* Suspends for good with several frames live, each with a buffer and ASan
 * redzones around it; nothing ever resumes or unwinds them. The buffer is
 * variable-length because ASan keeps those on the real stack even when
 * use-after-return detection moves fixed-size locals to its fake stack. */
static void abandon_descend(fl_fiber_t *self, unsigned depth)
{
    volatile unsigned char buffer[72 + depth % 2];
    memset((void *)buffer, (int)depth, sizeof buffer);
    if (depth == 0)
        fl_fiber_switch(self, &main_fiber);
    else
        abandon_descend(self, depth - 1);
    buffer[0]++; /* keeps the frame (and its buffer) live across the call */
}

static void abandon_entry(void *arg)
{
    abandon_descend(arg, ABANDON_DEPTH);
    abort(); /* never resumed */
}

static int reuser_ok;

/* Writes over the memory where the abandoned frames were (variable-length
 * for the same reason as above). */
static void reuser_entry(void *arg)
{
    fl_fiber_t *self = arg;
    volatile unsigned char sweep[4096 + (reuser_ok & 1)];
    memset((void *)sweep, 0xab, sizeof sweep);
    reuser_ok = sweep[0] == 0xab && sweep[sizeof sweep - 1] == 0xab;
    fl_fiber_switch_final(self, &main_fiber);
}

static void test_abandoned_fiber_stack_is_reusable(void **state)
{
    (void)state;
    /* A runtime torn down with tasks still suspended releases their stacks
     * without resuming them: the poisoning their frames left must not make
     * the stack's next user report an error. */
    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(0, &stack), FL_OK);
    void *base = stack.base;
    fl_fiber_t abandoned;
    fl_fiber_init(&abandoned, &stack, abandon_entry, &abandoned);
    fl_fiber_switch(&main_fiber, &abandoned);
    fl_stack_release(&stack);

    assert_int_equal(fl_stack_acquire(0, &stack), FL_OK);
    assert_ptr_equal(stack.base, base);
    fl_fiber_t reuser;
    reuser_ok = 0;
    fl_fiber_init(&reuser, &stack, reuser_entry, &reuser);
    fl_fiber_switch(&main_fiber, &reuser);
    assert_true(reuser_ok);
    fl_stack_release(&stack);
}

/* --- a returning entry aborts --------------------------------------------- */

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
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(3);
        fl_stack_t stack;
        if (fl_stack_acquire(0, &stack) != FL_OK)
            _exit(4);
        fl_fiber_t fiber;
        fl_fiber_init(&fiber, &stack, returning_entry, NULL);
        fl_fiber_switch(&main_fiber, &fiber);
        _exit(0); /* not reached if the entry's return aborted */
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ping_pong_then_final, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_main_fiber_learns_its_bounds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_fibers_switch_between_themselves,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_fibers_reuse_stacks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_abandoned_fiber_stack_is_reusable,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_returning_entry_aborts, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
