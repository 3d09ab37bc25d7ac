/* Reusable tasks: see task_pool.h. */
#include "sim/runtime/task_pool.h"

#include <assert.h>
#include <stdbool.h>

#include "sim/runtime/condition.h"
#include "sim/runtime/status.h"

typedef struct worker {
    fl_task_pool_t *pool;
    fl_condition_t *wake;  /* notified when a job is handed over */
    fl_task_fn fn;         /* the job; NULL while idle */
    void *arg;
    struct worker *next_idle;
} worker_t;

struct fl_task_pool {
    fl_world_t *world;
    const char *name;
    worker_t *idle;        /* LIFO: the warmest stack runs the next job */
    size_t workers;
};

fl_task_pool_t *fl_task_pool_create(fl_world_t *world, const char *name) {
    assert(world != NULL && name != NULL);
    fl_task_pool_t *pool = fl_arena_zalloc(fl_world_arena(world), sizeof *pool);
    pool->world = world;
    pool->name = name;
    assert(pool->idle == NULL && pool->workers == 0);
    return pool;
}

static fl_error_t *worker_main(fl_world_t *w, void *arg) {
    worker_t *worker = arg;
    fl_task_pool_t *pool = worker->pool;
    assert(pool != NULL && pool->world == w);
    for (;;) {
        while (worker->fn == NULL)
            if (fl_condition_wait(w, worker->wake, "idle") != FL_OK) return NULL;
        fl_error_t *error = worker->fn(w, worker->arg);
        assert(error == NULL && "a pooled job's error has nobody to go to");
        (void)error;
        worker->fn = NULL;
        worker->arg = NULL;
        worker->next_idle = pool->idle;
        pool->idle = worker;
    }
}

void fl_task_pool_run(fl_task_pool_t *pool, fl_task_fn fn, void *arg) {
    assert(pool != NULL && fn != NULL);
    fl_world_t *w = pool->world;
    worker_t *worker = pool->idle;
    if (worker != NULL) {
        pool->idle = worker->next_idle;
        assert(worker->fn == NULL);
        worker->fn = fn;
        worker->arg = arg;
        size_t woken = fl_condition_notify_all(w, worker->wake);
        assert(woken == 1 && "an idle worker waits on its condition");
        (void)woken;
        return;
    }
    /* The worker outlives any request: the caller is a task without an
     * arena of its own (task_pool.h), so this is the world's. */
    worker = fl_arena_zalloc(fl_world_arena(w), sizeof *worker);
    worker->pool = pool;
    worker->wake = fl_condition_create(w, "task pool", pool->name);
    worker->fn = fn;
    worker->arg = arg;
    pool->workers++;
    fl_spawn(w, pool->name, worker_main, worker);
}

size_t fl_task_pool_workers(const fl_task_pool_t *pool) {
    assert(pool != NULL);
    return pool->workers;
}
