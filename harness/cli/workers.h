/* Worker processes: runs one command per job in child processes spawned
 * through libuv, at most jobs_max at a time, captures each child's stdout,
 * and kills a child that outlives its wall-clock limit.
 *
 * This module knows nothing about scenarios: `faultline run --jobs N`
 * (harness/commands.c) builds one job per scenario file, each re-executing
 * the faultline binary as `faultline run-one FILE ...`, and reads the one
 * result line the child prints.
 *
 * The wall clock is used here, and only here, to bound a child's life and
 * to time it for the reports: it never reaches a simulated run, whose
 * determinism is untouched. The order
 * in which jobs finish depends on the machine; callers that print results
 * must order them themselves (on_done says which job ended).
 */
#ifndef FL_HARNESS_WORKERS_H
#define FL_HARNESS_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a job ended. */
typedef enum fl_worker_end {
    FL_WORKER_EXITED,       /* the child exited by itself: exit_status is its code */
    FL_WORKER_SIGNALED,     /* a signal ended it (abort, SIGSEGV...): term_signal */
    FL_WORKER_TIMED_OUT,    /* it outlived timeout_ms and was killed with SIGKILL */
    FL_WORKER_SPAWN_FAILED, /* it could not be started: spawn_error (a libuv code) */
    FL_WORKER_NOT_STARTED,  /* on_done asked to start no more jobs before this one */
} fl_worker_end_t;

/* Bound on the stdout kept per child: more is read and dropped. */
enum { FL_WORKER_OUTPUT_MAX = 1 << 20 };

typedef struct fl_worker_job {
    /* In: the command, argv[0] the executable's path, NULL-terminated.
     * Borrowed: it must outlive fl_workers_run. */
    char **argv;
    /* Out, filled by fl_workers_run. */
    fl_worker_end_t end;
    int64_t exit_status;
    int term_signal;
    int spawn_error;
    char *output;           /* the child's stdout, NUL-terminated; malloc'd, the
                               caller frees it (fl_worker_job_release) */
    size_t output_length;
    bool output_truncated;  /* the child wrote more than FL_WORKER_OUTPUT_MAX */
    uint64_t duration_ns;   /* from the spawn until its output was complete (uv_hrtime):
                               for reports only */
} fl_worker_job_t;

/* Called once per job, as soon as it has ended and its output is complete;
 * index is the job's position in the array. Returns whether to go on
 * starting jobs: false lets the running ones end and starts no more
 * (those end FL_WORKER_NOT_STARTED, without a call). */
typedef bool fl_worker_done_cb(void *user, size_t index);

/* Runs every job of jobs[0..count), at most jobs_max (>= 1) at a time, in
 * index order of start, on a private libuv loop; the child's stdin is
 * /dev/null, its stdout is captured, its stderr is this process's. A child
 * still running timeout_ms (> 0) after its start is killed with SIGKILL.
 * on_done may be NULL. Returns 0 once every job has ended (a job that could
 * not be spawned counts as ended), or a negative libuv code if the loop
 * itself could not be made (then no job ran). */
int fl_workers_run(fl_worker_job_t *jobs, size_t count, unsigned jobs_max, uint64_t timeout_ms,
                   fl_worker_done_cb *on_done, void *user);

/* Frees what fl_workers_run allocated in job (its output). */
void fl_worker_job_release(fl_worker_job_t *job);

/* The default number of workers: the CPUs this process may use (>= 1). */
unsigned fl_workers_default_count(void);

#endif /* FL_HARNESS_WORKERS_H */
