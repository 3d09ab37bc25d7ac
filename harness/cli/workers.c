/* Worker processes: see workers.h. */
#include "harness/cli/workers.h"

#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sim/runtime/arena.h"

/* One child: its process, the pipe of its stdout and its time limit. The
 * slot is done when all three handles are closed. */
typedef struct slot {
    uv_process_t process;
    uv_pipe_t pipe;
    uv_timer_t timer;
    struct pool *pool;
    size_t index;
    int handles_open;
    bool timed_out;
    uint64_t started_ns; /* uv_hrtime at the spawn */
} slot_t;

typedef struct pool {
    uv_loop_t loop;
    fl_worker_job_t *jobs;
    slot_t *slots; /* one per job */
    size_t count;
    size_t next; /* the next job to start */
    size_t running;
    unsigned jobs_max;
    uint64_t timeout_ms;
    fl_worker_done_cb *on_done;
    void *user;
    bool stopped; /* on_done asked for no more starts */
} pool_t;

static void start_more(pool_t *pool);

static void on_handle_closed(uv_handle_t *handle) {
    slot_t *slot = handle->data;
    assert(slot != NULL && slot->pool != NULL && slot->handles_open > 0);
    if (--slot->handles_open > 0) return;
    pool_t *pool = slot->pool;
    assert(slot->index < pool->count);
    fl_worker_job_t *job = &pool->jobs[slot->index];
    assert(job->output_length <= FL_WORKER_OUTPUT_MAX); /* the buffer has one byte more */
    if (job->output == NULL) {
        job->output = malloc(1);
        if (job->output == NULL) fl__out_of_memory("workers");
    }
    job->output[job->output_length] = '\0';
    job->duration_ns = uv_hrtime() - slot->started_ns;
    assert(pool->running > 0);
    pool->running--;
    if (pool->on_done != NULL && !pool->on_done(pool->user, slot->index)) pool->stopped = true;
    start_more(pool);
}

static void close_handle(uv_handle_t *handle) {
    assert(handle != NULL && handle->data != NULL); /* start_job points each at its slot */
    if (!uv_is_closing(handle)) uv_close(handle, on_handle_closed);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
    (void)handle;
    (void)suggested;
    assert(buf != NULL && handle->data != NULL);
    static char scratch[65536]; /* the loop is single-threaded: one read at a time */
    *buf = uv_buf_init(scratch, sizeof scratch);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    slot_t *slot = stream->data;
    assert(slot != NULL && stream == (uv_stream_t *)&slot->pipe && slot->index < slot->pool->count);
    fl_worker_job_t *job = &slot->pool->jobs[slot->index];
    assert(job->output_length <= FL_WORKER_OUTPUT_MAX);
    if (nread < 0) { /* UV_EOF or an error: the output is complete either way */
        uv_read_stop(stream);
        close_handle((uv_handle_t *)stream);
        return;
    }
    size_t room = FL_WORKER_OUTPUT_MAX - job->output_length;
    size_t take = (size_t)nread < room ? (size_t)nread : room;
    if (take < (size_t)nread) job->output_truncated = true;
    if (take == 0) return;
    if (job->output == NULL) {
        /* The whole bound at once: a result line is short, a child that
         * floods its stdout is cut at the bound. */
        job->output = malloc(FL_WORKER_OUTPUT_MAX + 1);
        if (job->output == NULL) fl__out_of_memory("workers");
    }
    memcpy(job->output + job->output_length, buf->base, take);
    job->output_length += take;
    assert(job->output_length <= FL_WORKER_OUTPUT_MAX);
}

static void on_child_exit(uv_process_t *process, int64_t exit_status, int term_signal) {
    slot_t *slot = process->data;
    assert(slot != NULL && process == &slot->process && slot->handles_open >= 2);
    assert(slot->index < slot->pool->count);
    fl_worker_job_t *job = &slot->pool->jobs[slot->index];
    /* As fl_workers_run left it: the exit comes once, and never after a failed spawn. */
    assert(job->end == FL_WORKER_EXITED);
    job->exit_status = exit_status;
    job->term_signal = term_signal;
    if (slot->timed_out)
        job->end = FL_WORKER_TIMED_OUT;
    else if (term_signal != 0)
        job->end = FL_WORKER_SIGNALED;
    else
        job->end = FL_WORKER_EXITED;
    uv_timer_stop(&slot->timer);
    close_handle((uv_handle_t *)&slot->timer);
    close_handle((uv_handle_t *)process);
}

static void on_timeout(uv_timer_t *timer) {
    slot_t *slot = timer->data;
    assert(slot != NULL && timer == &slot->timer && !slot->timed_out);
    /* The process and the timer are open: on_child_exit stops the timer. */
    assert(slot->handles_open >= 2);
    slot->timed_out = true;
    uv_process_kill(&slot->process, SIGKILL);
}

static void start_job(pool_t *pool, size_t index) {
    slot_t *slot = &pool->slots[index];
    fl_worker_job_t *job = &pool->jobs[index];
    assert(job->argv != NULL && job->argv[0] != NULL);
    assert(index < pool->count && pool->running < pool->jobs_max);
    /* Each slot is started once, from calloc's zeros. */
    assert(slot->pool == NULL && slot->handles_open == 0 && !slot->timed_out);
    slot->pool = pool;
    slot->index = index;
    slot->process.data = slot;
    slot->pipe.data = slot;
    slot->timer.data = slot;
    pool->running++;
    uv_pipe_init(&pool->loop, &slot->pipe, 0);
    uv_timer_init(&pool->loop, &slot->timer);
    slot->handles_open = 3;
    slot->started_ns = uv_hrtime();
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&slot->pipe},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
    };
    uv_process_options_t options = {
        .exit_cb = on_child_exit,
        .file = job->argv[0],
        .args = job->argv,
        .stdio_count = 3,
        .stdio = stdio,
    };
    int status = uv_spawn(&pool->loop, &slot->process, &options);
    if (status != 0) {
        /* A failed spawn never calls exit_cb, but the handle must be closed. */
        job->end = FL_WORKER_SPAWN_FAILED;
        job->spawn_error = status;
        close_handle((uv_handle_t *)&slot->process);
        close_handle((uv_handle_t *)&slot->pipe);
        close_handle((uv_handle_t *)&slot->timer);
        return;
    }
    uv_read_start((uv_stream_t *)&slot->pipe, on_alloc, on_read);
    /* The loop's time is cached at the start of its iteration, which may be
     * well before this spawn: the limit counts from the spawn. */
    uv_update_time(&pool->loop);
    if (pool->timeout_ms > 0) uv_timer_start(&slot->timer, on_timeout, pool->timeout_ms, 0);
}

static void start_more(pool_t *pool) {
    assert(pool->next <= pool->count && pool->running <= pool->jobs_max);
    while (!pool->stopped && pool->running < pool->jobs_max && pool->next < pool->count)
        start_job(pool, pool->next++);
    assert(pool->stopped || pool->running == pool->jobs_max || pool->next == pool->count);
}

int fl_workers_run(fl_worker_job_t *jobs, size_t count, unsigned jobs_max, uint64_t timeout_ms,
                   fl_worker_done_cb *on_done, void *user) {
    assert(jobs != NULL || count == 0);
    assert(jobs_max >= 1);
    pool_t pool = {.jobs = jobs,
                   .count = count,
                   .jobs_max = jobs_max,
                   .timeout_ms = timeout_ms,
                   .on_done = on_done,
                   .user = user};
    for (size_t i = 0; i < count; i++) {
        jobs[i].end = FL_WORKER_EXITED;
        jobs[i].exit_status = 0;
        jobs[i].term_signal = 0;
        jobs[i].spawn_error = 0;
        jobs[i].output = NULL;
        jobs[i].output_length = 0;
        jobs[i].output_truncated = false;
        jobs[i].duration_ns = 0;
    }
    if (count == 0) return 0;
    int status = uv_loop_init(&pool.loop);
    if (status != 0) return status;
    pool.slots = calloc(count, sizeof *pool.slots);
    if (pool.slots == NULL) fl__out_of_memory("workers");
    start_more(&pool);
    uv_run(&pool.loop, UV_RUN_DEFAULT);
    assert(pool.running == 0 && (pool.stopped || pool.next == count));
    for (size_t i = pool.next; i < count; i++) jobs[i].end = FL_WORKER_NOT_STARTED;
    status = uv_loop_close(&pool.loop);
    assert(status == 0);
    free(pool.slots);
    return 0;
}

void fl_worker_job_release(fl_worker_job_t *job) {
    assert(job != NULL && (job->output != NULL || job->output_length == 0));
    assert(job->output == NULL || job->output[job->output_length] == '\0');
    free(job->output);
    job->output = NULL;
    job->output_length = 0;
}

unsigned fl_workers_default_count(void) {
    unsigned n = uv_available_parallelism();
    return n >= 1 ? n : 1;
}
