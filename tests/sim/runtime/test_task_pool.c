/* Pooled tasks (task_pool.h) and task arenas (fl_task_set_arena): the pool
 * holds as many workers as jobs ran at once, however many jobs ran; while
 * a task with an arena of its own runs, fl_world_arena is that arena, for
 * the tasks of the groups it opens too, and the world's again once reset.
 * With release_memory the group, its tasks' records and what they make come
 * from that arena as well, and the tasks stay out of the task table, their
 * ids those they would have had. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sim/runtime/runtime.h"
#include "sim/runtime/task_pool.h"
#include "tests/support/runtime_test.h"

static fl_error_t *count_job(fl_world_t *w, void *arg) {
    (void)w;
    (*(int *)arg)++;
    return NULL;
}

/* Starts a job each tick, each over before the next: one worker for all. */
static fl_error_t *sequential_spawner(fl_world_t *w, void *arg) {
    fl_task_pool_t *pool = arg;
    static int ran;
    ran = 0;
    for (int i = 0; i < 100; i++) {
        fl_task_pool_run(pool, count_job, &ran);
        fl_sleep(w, FL_MS(1));
    }
    assert_int_equal(ran, 100);
    return NULL;
}

static void test_sequential_jobs_reuse_one_worker(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_task_pool_t *pool = fl_task_pool_create(w, "worker");
    fl_spawn(w, "spawner", sequential_spawner, pool);
    fl_world_run(w); /* ends as a hang: the idle worker waits */
    assert_int_equal(fl_task_pool_workers(pool), 1);
    /* The spawner and the one worker: not a task per job. */
    assert_int_equal(fl_world_task_count(w), 2);
    fl_world_destroy(w);
}

static fl_error_t *sleeping_job(fl_world_t *w, void *arg) {
    (*(int *)arg)++;
    fl_sleep(w, FL_MS(10));
    return NULL;
}

static void test_concurrent_jobs_get_a_worker_each(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_task_pool_t *pool = fl_task_pool_create(w, "worker");
    int ran = 0;
    for (int i = 0; i < 3; i++) fl_task_pool_run(pool, sleeping_job, &ran);
    fl_world_run(w);
    assert_int_equal(ran, 3);
    assert_int_equal(fl_task_pool_workers(pool), 3);
    /* Idle again: the next three reuse them. */
    for (int i = 0; i < 3; i++) fl_task_pool_run(pool, sleeping_job, &ran);
    fl_world_run(w);
    assert_int_equal(ran, 6);
    assert_int_equal(fl_task_pool_workers(pool), 3);
    fl_world_destroy(w);
}

typedef struct arena_probe {
    fl_arena_t *own;
    fl_arena_t *seen_in_task;
    fl_arena_t *seen_in_child;
    fl_arena_t *seen_after_reset;
} arena_probe_t;

static fl_error_t *child_probe(fl_world_t *w, void *arg) {
    ((arena_probe_t *)arg)->seen_in_child = fl_world_arena(w);
    return NULL;
}

static fl_error_t *arena_task(fl_world_t *w, void *arg) {
    arena_probe_t *probe = arg;
    fl_task_set_arena(fl_current_task(w), probe->own);
    probe->seen_in_task = fl_world_arena(w);
    (void)fl_arena_alloc(fl_world_arena(w), 100);
    fl_taskgroup_t *group = fl_taskgroup_open(w, "group");
    fl_taskgroup_spawn(group, "child", child_probe, probe);
    fl_error_t *error = fl_taskgroup_close(group, NULL);
    assert_null(error);
    fl_task_set_arena(fl_current_task(w), NULL);
    probe->seen_after_reset = fl_world_arena(w);
    return NULL;
}

static void test_a_task_arena_serves_the_task_and_its_group(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_arena_t own;
    fl_arena_init(&own);
    arena_probe_t probe = {.own = &own};
    fl_arena_t *world_arena = fl_world_arena(w);
    fl_spawn(w, "task", arena_task, &probe);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_ptr_equal(probe.seen_in_task, &own);
    assert_ptr_equal(probe.seen_in_child, &own);
    assert_ptr_equal(probe.seen_after_reset, world_arena);
    assert_true(own.bytes_reserved > 0);
    fl_arena_destroy(&own);
    fl_world_destroy(w);
}

typedef struct release_probe {
    fl_arena_t *own;
    fl_arena_t *world_arena;
    unsigned char *world_next_before, *world_next_after;
    uint32_t child_id;
    bool child_found_while_running;
} release_probe_t;

static fl_error_t *release_child(fl_world_t *w, void *arg) {
    release_probe_t *probe = arg;
    fl_task_t *self = fl_current_task(w);
    probe->child_id = fl_task_id(self);
    probe->child_found_while_running = fl_world_task(w, fl_task_id(self)) == self;
    (void)fl_event_create(w, "made by the child");
    return NULL;
}

static fl_error_t *release_task(fl_world_t *w, void *arg) {
    release_probe_t *probe = arg;
    fl_task_set_arena(fl_current_task(w), probe->own);
    probe->world_next_before = probe->world_arena->next;
    fl_taskgroup_t *group = fl_taskgroup_open(w, "group");
    fl_taskgroup_spawn(group, "child", release_child, probe);
    assert_null(fl_taskgroup_close(group, NULL));
    probe->world_next_after = probe->world_arena->next;
    fl_task_set_arena(fl_current_task(w), NULL);
    return NULL;
}

static void run_release_probe(bool release_memory, release_probe_t *probe, fl_world_t **out) {
    fl_world_t *w = rt_world("fifo", 1);
    fl_world_set_release_memory(w, release_memory);
    probe->world_arena = fl_world_arena(w);
    fl_spawn(w, "task", release_task, probe);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    *out = w;
}

static void test_release_memory_keeps_group_tasks_in_the_task_arena(void **state) {
    (void)state;
    fl_arena_t own;
    fl_arena_init(&own);
    release_probe_t kept = {.own = &own}, released = {.own = &own};
    fl_world_t *w;
    run_release_probe(false, &kept, &w);
    assert_int_equal(fl_world_task_count(w), 2);
    assert_true(kept.world_next_after > kept.world_next_before);
    fl_world_destroy(w);
    run_release_probe(true, &released, &w);
    assert_int_equal(released.child_id, kept.child_id);
    assert_true(released.child_found_while_running);
    /* Not in the table, nothing of it in the world's arena. */
    assert_int_equal(fl_world_task_count(w), 1);
    assert_null(fl_world_task(w, released.child_id));
    assert_ptr_equal(released.world_next_after, released.world_next_before);
    fl_world_destroy(w);
    fl_arena_destroy(&own);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_jobs_reuse_one_worker),
        cmocka_unit_test(test_concurrent_jobs_get_a_worker_each),
        cmocka_unit_test(test_a_task_arena_serves_the_task_and_its_group),
        cmocka_unit_test(test_release_memory_keeps_group_tasks_in_the_task_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
