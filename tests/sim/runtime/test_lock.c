/* Locks (anyio.Lock), run by real tasks in a world: mutual exclusion across
 * yields, FIFO hand-off, ownership errors, and cancelled waiters. Tasks only
 * record what they see; the test asserts after fl_world_run returns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/cancel.h"
#include "sim/runtime/lock.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"
#include "tests/support/runtime_test.h"
#include "tests/support/timed_log.h"


static fl_world_t *make_world(const char *policy, uint64_t seed) { return rt_world(policy, seed); }

/* --- mutual exclusion ------------------------------------------------------- */

typedef struct critical {
    fl_lock_t *lock;
    int inside;
    int inside_max;
    int entries;
    int failures;
    int owner_mismatches;
} critical_t;

static fl_error_t *contender(fl_world_t *w, void *arg) {
    critical_t *c = arg;
    for (int round = 0; round < 3; round++) {
        if (fl_lock_acquire(w, c->lock) != FL_OK) c->failures++;
        c->inside++;
        c->entries++;
        if (c->inside > c->inside_max) c->inside_max = c->inside;
        for (int i = 0; i < 3; i++) {
            /* Other tasks run here; none may get in. */
            if (fl_checkpoint(w) != FL_OK) c->failures++;
            if (fl_lock_owner(c->lock) != fl_current_task(w)) c->owner_mismatches++;
        }
        if (round == 1) fl_sleep(w, FL_MS(3)); /* a sleep inside, too */
        c->inside--;
        if (fl_lock_release(w, c->lock) != FL_OK) c->failures++;
        fl_checkpoint(w);
    }
    return NULL;
}

static void test_mutual_exclusion_across_yields(void **state) {
    (void)state;
    static const char *const policies[] = {"fifo", "random", "random", "random", "random"};
    for (uint64_t run = 0; run < 5; run++) {
        fl_world_t *w = make_world(policies[run], run + 1);
        critical_t c = {0};
        c.lock = fl_lock_create(w, "mutex");
        assert_null(fl_lock_owner(c.lock));
        for (int i = 0; i < 4; i++) fl_spawn(w, "contender", contender, &c);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(c.inside_max, 1);
        assert_int_equal(c.entries, 12);
        assert_int_equal(c.failures, 0);
        assert_int_equal(c.owner_mismatches, 0);
        assert_null(fl_lock_owner(c.lock));
        fl_world_destroy(w);
    }
}

/* --- FIFO hand-off ----------------------------------------------------------- */

typedef struct handoff {
    timed_log_t log;
    fl_lock_t *lock;
    fl_task_t *tasks[4];
    fl_task_t *owner_right_after_release;
} handoff_t;

typedef struct queued_arg {
    handoff_t *h;
    const char *name;
    int64_t arrive_after_ns;
} queued_arg_t;

static fl_error_t *queued(fl_world_t *w, void *arg) {
    queued_arg_t *a = arg;
    fl_sleep(w, a->arrive_after_ns);
    timed_log_add(&a->h->log, w, 0, "%s queues", a->name);
    int status = fl_lock_acquire(w, a->h->lock);
    timed_log_add(&a->h->log, w, status, "%s got", a->name);
    fl_sleep(w, FL_MS(1));
    fl_lock_release(w, a->h->lock);
    return NULL;
}

static fl_error_t *holder(fl_world_t *w, void *arg) {
    handoff_t *h = arg;
    int status = fl_lock_acquire(w, h->lock);
    timed_log_add(&h->log, w, status, "holder got");
    fl_sleep(w, FL_SECONDS(1));
    fl_lock_release(w, h->lock);
    /* The lock went straight to the longest waiter: it is owned before that
     * task has even run, so trying again here queues behind everyone. */
    h->owner_right_after_release = fl_lock_owner(h->lock);
    status = fl_lock_acquire(w, h->lock);
    timed_log_add(&h->log, w, status, "holder again");
    fl_lock_release(w, h->lock);
    return NULL;
}

static void test_fifo_hand_off(void **state) {
    (void)state;
    fl_world_t *w = make_world("fifo", 1);
    handoff_t h = {0};
    h.lock = fl_lock_create(w, "mutex");
    /* They queue in the order of their arrival times, not of their ids. */
    queued_arg_t args[3] = {{&h, "w1", FL_MS(30)}, {&h, "w2", FL_MS(10)}, {&h, "w3", FL_MS(20)}};
    h.tasks[0] = fl_spawn(w, "holder", holder, &h);
    for (int i = 0; i < 3; i++) h.tasks[i + 1] = fl_spawn(w, args[i].name, queued, &args[i]);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&h.log),
                        "holder got,w2 queues,w3 queues,w1 queues,w2 got,w3 got,w1 got,"
                        "holder again");
    assert_ptr_equal(h.owner_right_after_release, h.tasks[2]); /* w2 */
    assert_int_equal(h.log.entries[4].at_ns, FL_SECONDS(1));
    assert_int_equal(h.log.entries[5].at_ns, FL_SECONDS(1) + FL_MS(1));
    assert_int_equal(h.log.entries[6].at_ns, FL_SECONDS(1) + FL_MS(2));
    for (int i = 0; i < h.log.count; i++) assert_int_equal(h.log.entries[i].status, FL_OK);
    assert_null(fl_lock_owner(h.lock));
    fl_world_destroy(w);
}

/* --- ownership errors ----------------------------------------------------- */

typedef struct ownership {
    fl_lock_t *lock;
    fl_task_t *owner_task;
    int reacquire_status;
    int release_by_owner_status;
    int second_release_status;
    int stranger_release_status;
    int stranger_release_free_status;
    fl_task_t *owner_seen_by_stranger;
} ownership_t;

static fl_error_t *owner_body(fl_world_t *w, void *arg) {
    ownership_t *o = arg;
    fl_lock_acquire(w, o->lock);
    o->reacquire_status = fl_lock_acquire(w, o->lock);
    fl_sleep(w, FL_SECONDS(1)); /* the stranger tries to release meanwhile */
    o->release_by_owner_status = fl_lock_release(w, o->lock);
    o->second_release_status = fl_lock_release(w, o->lock);
    return NULL;
}

static fl_error_t *stranger_body(fl_world_t *w, void *arg) {
    ownership_t *o = arg;
    fl_sleep(w, FL_MS(500));
    o->stranger_release_status = fl_lock_release(w, o->lock);
    o->owner_seen_by_stranger = fl_lock_owner(o->lock);
    fl_sleep(w, FL_SECONDS(1));
    o->stranger_release_free_status = fl_lock_release(w, o->lock); /* nobody holds it */
    return NULL;
}

static void test_ownership_errors(void **state) {
    (void)state;
    fl_world_t *w = make_world("fifo", 1);
    ownership_t o = {.reacquire_status = 1, .stranger_release_status = 1};
    o.lock = fl_lock_create(w, "mutex");
    o.owner_task = fl_spawn(w, "owner", owner_body, &o);
    fl_spawn(w, "stranger", stranger_body, &o);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(o.reacquire_status, FL_ESTATE);
    assert_int_equal(o.stranger_release_status, FL_ECROSSTASK);
    assert_ptr_equal(o.owner_seen_by_stranger, o.owner_task); /* still the owner's */
    assert_int_equal(o.release_by_owner_status, FL_OK);       /* held once, released once */
    assert_int_equal(o.second_release_status, FL_ECROSSTASK);
    assert_int_equal(o.stranger_release_free_status, FL_ECROSSTASK);
    assert_null(fl_lock_owner(o.lock));
    fl_world_destroy(w);
}

/* --- cancellation ------------------------------------------------------------ */

typedef struct cancelling {
    timed_log_t log;
    fl_lock_t *lock;
    fl_cancel_scope_t *scope;
    fl_task_t *owner_after_cancel;
    fl_task_t *tasks[3];
} cancelling_t;

static fl_error_t *long_holder(fl_world_t *w, void *arg) {
    cancelling_t *c = arg;
    fl_lock_acquire(w, c->lock);
    timed_log_add(&c->log, w, 0, "holder got");
    fl_sleep(w, FL_SECONDS(1));
    timed_log_add(&c->log, w, 0, "holder releases");
    fl_lock_release(w, c->lock);
    return NULL;
}

static fl_error_t *doomed_waiter(fl_world_t *w, void *arg) {
    cancelling_t *c = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    c->scope = &scope;
    int status = fl_lock_acquire(w, c->lock);
    timed_log_add(&c->log, w, status, "doomed woke");
    if (status == FL_OK) fl_lock_release(w, c->lock);
    fl_scope_exit(w, &scope, status);
    c->scope = NULL;
    return NULL;
}

static fl_error_t *patient_waiter(fl_world_t *w, void *arg) {
    cancelling_t *c = arg;
    int status = fl_lock_acquire(w, c->lock);
    timed_log_add(&c->log, w, status, "patient got");
    fl_lock_release(w, c->lock);
    return NULL;
}

static fl_error_t *lock_canceller(fl_world_t *w, void *arg) {
    cancelling_t *c = arg;
    fl_sleep(w, FL_MS(500));
    if (c->scope != NULL) fl_scope_cancel(w, c->scope);
    timed_log_add(&c->log, w, 0, "cancel");
    c->owner_after_cancel = fl_lock_owner(c->lock);
    return NULL;
}

static void test_cancelled_waiter_leaves_the_queue(void **state) {
    (void)state;
    fl_world_t *w = make_world("fifo", 1);
    cancelling_t c = {0};
    c.lock = fl_lock_create(w, "mutex");
    c.tasks[0] = fl_spawn(w, "holder", long_holder, &c);
    c.tasks[1] = fl_spawn(w, "doomed", doomed_waiter, &c); /* first in the queue */
    c.tasks[2] = fl_spawn(w, "patient", patient_waiter, &c);
    fl_spawn(w, "canceller", lock_canceller, &c);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&c.log),
                        "holder got,cancel,doomed woke,holder releases,patient got");
    assert_int_equal(c.log.entries[2].status, FL_ECANCELLED);
    assert_int_equal(c.log.entries[2].at_ns, FL_MS(500));
    assert_ptr_equal(c.owner_after_cancel, c.tasks[0]);
    /* The lock skipped the cancelled waiter: the patient one got it. */
    assert_int_equal(c.log.entries[4].status, FL_OK);
    assert_int_equal(c.log.entries[4].at_ns, FL_SECONDS(1));
    assert_null(fl_lock_owner(c.lock));
    fl_world_destroy(w);
}

static fl_error_t *acquire_in_cancelled_scope(fl_world_t *w, void *arg) {
    cancelling_t *c = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &scope);
    int status = fl_lock_acquire(w, c->lock);
    timed_log_add(&c->log, w, status, "acquire");
    c->owner_after_cancel = fl_lock_owner(c->lock);
    fl_scope_exit(w, &scope, status);
    return NULL;
}

static void test_acquire_in_cancelled_scope_takes_nothing(void **state) {
    (void)state;
    fl_world_t *w = make_world("fifo", 1);
    cancelling_t c = {0};
    c.lock = fl_lock_create(w, "mutex");
    fl_spawn(w, "cancelled", acquire_in_cancelled_scope, &c);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(c.log.count, 1);
    assert_int_equal(c.log.entries[0].status, FL_ECANCELLED);
    assert_null(c.owner_after_cancel);
    fl_world_destroy(w);
}

/* An uncontended acquire still yields: the other ready task runs before
 * the acquire returns. */
static fl_error_t *quick_acquirer(fl_world_t *w, void *arg) {
    cancelling_t *c = arg;
    timed_log_add(&c->log, w, 0, "acquiring");
    int status = fl_lock_acquire(w, c->lock);
    timed_log_add(&c->log, w, status, "acquired");
    fl_lock_release(w, c->lock);
    return NULL;
}

static fl_error_t *note_run(fl_world_t *w, void *arg) {
    cancelling_t *c = arg;
    timed_log_add(&c->log, w, 0, "other");
    return NULL;
}

static void test_uncontended_acquire_yields(void **state) {
    (void)state;
    fl_world_t *w = make_world("fifo", 1);
    cancelling_t c = {0};
    c.lock = fl_lock_create(w, "mutex");
    fl_spawn(w, "acquirer", quick_acquirer, &c);
    fl_spawn(w, "other", note_run, &c);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&c.log), "acquiring,other,acquired");
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutual_exclusion_across_yields),
        cmocka_unit_test(test_fifo_hand_off),
        cmocka_unit_test(test_ownership_errors),
        cmocka_unit_test(test_cancelled_waiter_leaves_the_queue),
        cmocka_unit_test(test_acquire_in_cancelled_scope_takes_nothing),
        cmocka_unit_test(test_uncontended_acquire_yields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
