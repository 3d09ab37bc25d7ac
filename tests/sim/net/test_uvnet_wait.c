/* The libuv driver's wait for the world's next timer. A world timer that is
 * already due (or comes due within the millisecond) when the world goes
 * idle must not let the driver block on the sockets: libuv's UV_RUN_ONCE
 * runs a due timer before it polls, and then polls with no timeout at all.
 * A task that works past its next timer (here: spinning on the real clock)
 * makes that happen on every round. With the listener open the loop stays
 * alive, so a driver that blocks would never return: the alarm fails the
 * test instead of letting it hang. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "sim/net/uvnet.h"
#include "tests/support/runtime_test.h"

enum { ROUNDS = 50 };

typedef struct spinner {
    fl_net_t *net;
    int rounds_done;
} spinner_t;

static int64_t real_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleeps 1 ms, then spins 2 ms of real time without yielding, so that its
 * next sleep's end has already passed when the world is next idle. */
static fl_error_t *spin_task(fl_world_t *w, void *arg) {
    spinner_t *s = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(s->net, NULL, 0, &listener), FL_OK);
    for (int i = 0; i < ROUNDS; i++) {
        assert_int_equal(fl_sleep(w, FL_MS(1)), FL_OK);
        int64_t until = real_now_ns() + FL_MS(2);
        while (real_now_ns() < until) {
        }
        s->rounds_done++;
    }
    fl_listener_close(listener);
    return NULL;
}

/* A second sleeper whose timers interleave with the spinner's. */
static fl_error_t *tick_task(fl_world_t *w, void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) assert_int_equal(fl_sleep(w, FL_US(700)), FL_OK);
    return NULL;
}

static void on_alarm(int signal_number) {
    (void)signal_number;
    static const char message[] = "test_uvnet_wait: the driver blocked past a due timer\n";
    (void)!write(2, message, sizeof message - 1);
    _exit(1);
}

static void test_a_due_timer_does_not_let_the_driver_block(void **state) {
    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(60); /* the rounds take about 0.2 s; valgrind is slower */
    fl_world_t *w = rt_world("fifo", 1);
    char error[256];
    spinner_t s = {.net = fl_uvnet_create(w, NULL, error, sizeof error)};
    assert_non_null(s.net);
    fl_spawn(w, "spinner", spin_task, &s);
    fl_spawn(w, "ticker", tick_task, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(s.rounds_done, ROUNDS);
    alarm(0);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_due_timer_does_not_let_the_driver_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
