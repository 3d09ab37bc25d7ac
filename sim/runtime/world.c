/* The world: creation, teardown, accessors and reports. The run loop lives
 * in sched.c. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/context.h" /* FL_SANITIZE_ADDRESS */
#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

enum {
    STEP_LIMIT_DEFAULT = 50 * 1000 * 1000,
};
#define TIME_LIMIT_DEFAULT FL_SECONDS(3600)

const char *fl_run_outcome_name(fl_run_outcome_t outcome) {
    switch (outcome) {
    case FL_RUN_COMPLETED: return "completed";
    case FL_RUN_HANG: return "hang";
    case FL_RUN_TIME_LIMIT: return "time limit";
    case FL_RUN_STEP_LIMIT: return "step limit";
    case FL_RUN_STOPPED: return "stopped";
    }
    return "unknown";
}

/* --- the spare world --------------------------------------------------------
 *
 * A run builds a world and drops it, thousands of times a second: the struct
 * and its growable arrays (tasks, the ready queue, the choice list, the timer
 * heap, violations) were a calloc, a few reallocs and six frees per run. The
 * last destroyed world is kept instead and the next one is made in it, its
 * arrays kept at their capacity and emptied, everything else cleared as
 * calloc would. One slot, single-threaded like the stack and arena pools.
 * Under AddressSanitizer nothing is kept, so a pointer into a dead world
 * still faults. */
static fl_world_t *spare;

/* The arrays a spare keeps: pointer and capacity, each emptied. */
typedef struct kept_arrays {
    fl_task_t **tasks;
    size_t task_capacity;
    fl_task_t **ready;
    size_t ready_capacity;
    uint32_t *choices;
    uint32_t *choice_widths;
    size_t choice_capacity;
    fl_timer_t **timer_items;
    size_t timer_capacity;
    const char **violations;
    size_t violation_capacity;
} kept_arrays_t;

static void keep_arrays(const fl_world_t *world, kept_arrays_t *k) {
    k->tasks = world->tasks;
    k->task_capacity = world->task_capacity;
    k->ready = world->ready;
    k->ready_capacity = world->ready_capacity;
    k->choices = world->choices;
    k->choice_widths = world->choice_widths;
    k->choice_capacity = world->choice_capacity;
    k->timer_items = world->timers.items;
    k->timer_capacity = world->timers.capacity;
    k->violations = world->violations;
    k->violation_capacity = world->violation_capacity;
}

static void restore_arrays(fl_world_t *world, const kept_arrays_t *k) {
    world->tasks = k->tasks;
    world->task_capacity = k->task_capacity;
    world->ready = k->ready;
    world->ready_capacity = k->ready_capacity;
    world->choices = k->choices;
    world->choice_widths = k->choice_widths;
    world->choice_capacity = k->choice_capacity;
    world->timers.items = k->timer_items;
    world->timers.capacity = k->timer_capacity;
    world->violations = k->violations;
    world->violation_capacity = k->violation_capacity;
}

/* A zeroed world: the spare, cleared with its arrays kept, or a new one. */
static fl_world_t *world_take(void) {
    fl_world_t *world = spare;
    if (world == NULL) {
        world = calloc(1, sizeof *world);
        if (world == NULL) fl__out_of_memory("world");
        return world;
    }
    spare = NULL;
    kept_arrays_t kept;
    keep_arrays(world, &kept);
    memset(world, 0, sizeof *world);
    restore_arrays(world, &kept);
    return world;
}

/* Frees the world's arrays and the world. */
static void world_free(fl_world_t *world) {
    fl_timer_heap_destroy(&world->timers);
    free(world->tasks);
    free(world->ready);
    free(world->choices);
    free(world->choice_widths);
    free(world->violations);
    free(world);
}

/* Keeps a destroyed world as the spare, or frees it when the slot is taken. */
static void world_put(fl_world_t *world) {
    if (FL_SANITIZE_ADDRESS || spare != NULL) {
        world_free(world);
        return;
    }
    assert(world->timers.count == 0); /* emptied before the arena went */
    spare = world;
}

void fl_world_spare_trim(void) {
    if (spare != NULL) world_free(spare);
    spare = NULL;
}

fl_world_t *fl_world_create(const fl_world_options_t *options, char *error, size_t error_size) {
    static const fl_world_options_t defaults = {0};
    if (options == NULL) options = &defaults;
    if (error_size > 0) error[0] = '\0';
    fl_world_t *world = world_take();
    assert(world->task_count == 0 && world->timers.count == 0 && world->choice_count == 0);
    fl_arena_init(&world->arena);
    world->options = *options;
    world->seed = options->seed;
    world->cancel_epoch = 1; /* a fresh task's cached answer (epoch 0) is never current */
    world->time_limit_ns = options->time_limit_ns > 0 ? options->time_limit_ns : TIME_LIMIT_DEFAULT;
    world->step_limit = options->step_limit > 0 ? options->step_limit : STEP_LIMIT_DEFAULT;
    for (int s = 0; s < FL_PRNG_STREAM_COUNT; s++)
        fl_prng_seed(&world->prng[s], options->seed, fl_prng_stream_name((fl_prng_stream_t)s));
    /* The timer heap is empty already (world_take), with its storage. */
    fl_trace_init(&world->trace, options->keep_trace);
    world->policy = fl_policy_create(&world->arena, options->policy ? options->policy : "fifo",
                                     options->schedule, error, error_size);
    if (world->policy == NULL) {
        fl_world_destroy(world);
        return NULL;
    }
    world->replaying = strcmp(world->policy->vtable->name, "replay") == 0;
    if (options->policy != NULL && strcmp(options->policy, "pct") == 0)
        fl_policy_set_pct(world->policy, options->pct_depth, options->pct_steps);
    if (options->policy != NULL && strcmp(options->policy, "dfs") == 0)
        world->policy->dfs_trail = options->trail;
    return world;
}

void fl_world_destroy(fl_world_t *world) {
    if (world == NULL) return;
    assert(!world->running);
    /* Tasks that never finished (a hang, a limit) still hold stacks. Their
     * frames are abandoned, not unwound: everything they point at is in the
     * arena, which goes next. With release_memory a request's tasks are on
     * the live list only. */
    for (fl_task_t *task = world->live_head; task != NULL; task = task->live_next)
        if (task->has_stack) {
            fl_stack_release(&task->stack);
            task->has_stack = false;
        }
    for (size_t i = 0; i < world->task_count; i++) {
        fl_task_t *task = world->tasks[i];
        if (task->has_stack) {
            fl_stack_release(&task->stack);
            task->has_stack = false;
        }
    }
    for (fl__deferred_t *d = world->deferred; d != NULL; d = d->next) d->cleanup(d->arg);
    world->deferred = NULL;
    if (world->policy != NULL) fl_policy_destroy(world->policy);
    /* Timers still armed belong to owners that die with the world (in its
     * arena): marked disarmed while their memory is still the world's, as
     * fl_timer_heap_destroy does, and the heap emptied, its storage kept. */
    for (size_t i = 0; i < world->timers.count; i++)
        world->timers.items[i]->heap_index = FL_TIMER_DISARMED;
    world->timers.count = 0;
    fl_trace_destroy(&world->trace);
    fl_arena_destroy(&world->arena);
    world_put(world);
}

void fl_world_defer(fl_world_t *world, void (*cleanup)(void *arg), void *arg) {
    fl__deferred_t *d = fl_arena_alloc(&world->arena, sizeof *d);
    d->cleanup = cleanup;
    d->arg = arg;
    d->next = world->deferred;
    world->deferred = d;
}

fl_arena_t *fl_world_arena(fl_world_t *world) {
    fl_task_t *task = world->current;
    return task != NULL && task->arena != NULL ? task->arena : &world->arena;
}

void fl_task_set_arena(fl_task_t *task, fl_arena_t *arena) {
    assert(task != NULL && task->state != FL__TASK_DONE);
    task->arena = arena;
}

void fl_world_set_release_memory(fl_world_t *world, bool release_memory) {
    assert(world != NULL);
    /* Off again after request tasks were left out, the table would be read as dense. */
    assert(release_memory || !world->release_memory || world->last_task_id == 0);
    world->release_memory = release_memory;
}
fl_trace_t *fl_world_trace(fl_world_t *world) { return &world->trace; }
uint64_t fl_world_seed(const fl_world_t *world) { return world->seed; }
int64_t fl_now(const fl_world_t *world) { return world->now_ns; }
uint64_t fl_world_steps(const fl_world_t *world) { return world->steps; }
uint64_t fl_world_trace_hash(const fl_world_t *world) { return fl_trace_hash(&world->trace); }

void fl_world_trace_event(fl_world_t *world, fl_trace_kind_t kind, uint32_t object,
                          int64_t value, const char *detail) {
    assert(world != NULL);
    uint32_t task = world->current != NULL ? world->current->id : 0;
    fl_trace_emit(&world->trace, world->now_ns, kind, task, object, value, detail);
}

fl_prng_t *fl_world_prng(fl_world_t *world, fl_prng_stream_t stream) {
    assert(stream < FL_PRNG_STREAM_COUNT);
    return &world->prng[stream];
}

const char *fl_world_schedule(fl_world_t *world) {
    return fl_schedule_format(&world->arena, world->choices, world->choice_count);
}

size_t fl_world_choice_count(const fl_world_t *world) { return world->choice_count; }

/* Asked on every draw, so the name is compared once, at creation
 * (fl_world_create), and the policy never changes after. */
static bool replaying(const fl_world_t *world) {
    assert(world->policy != NULL);
    return world->replaying;
}

/* A recorded choice is 32 bits: a wider value is two, the high word first. */
static const uint64_t WORD = UINT64_C(1) << 32;

static bool take_recorded(fl_world_t *world, uint64_t bound, uint64_t *value_out) {
    uint32_t high = 0, low;
    if (bound > WORD && !fl__policy_replay_take(world->policy, (bound - 1) / WORD + 1, &high))
        return false;
    if (!fl__policy_replay_take(world->policy, bound > WORD ? WORD : bound, &low)) return false;
    uint64_t value = (uint64_t)high * WORD + low;
    if (value >= bound) return false;
    *value_out = value;
    return true;
}

static void record(fl_world_t *world, uint64_t value, uint64_t bound) {
    assert(value < bound);
    if (bound > WORD) fl__record_choice(world, (size_t)(value / WORD), (size_t)((bound - 1) / WORD + 1));
    fl__record_choice(world, (size_t)(value % WORD), (size_t)(bound > WORD ? UINT32_MAX : bound));
}

uint64_t fl_world_draw(fl_world_t *world, fl_prng_stream_t stream, uint64_t bound) {
    assert(world != NULL && (unsigned)stream < FL_PRNG_STREAM_COUNT && bound >= 1);
    if (bound == 1) return 0;
    uint64_t value;
    if (!replaying(world))
        value = fl_prng_below(&world->prng[stream], bound);
    else if (!take_recorded(world, bound, &value))
        value = world->options.replay_pads_zero ? 0 : fl_prng_below(&world->prng[stream], bound);
    record(world, value, bound);
    assert(value < bound);
    return value;
}

double fl_world_draw_unit(fl_world_t *world, fl_prng_stream_t stream) {
    assert(world != NULL && (unsigned)stream < FL_PRNG_STREAM_COUNT);
    const uint64_t bound = UINT64_C(1) << 53;
    uint64_t value;
    /* fl_prng_unit's 53 bits, so a run that replays nothing draws as before. */
    if (!replaying(world))
        value = fl_prng_next(&world->prng[stream]) >> 11;
    else if (!take_recorded(world, bound, &value))
        value = world->options.replay_pads_zero ? 0 : fl_prng_next(&world->prng[stream]) >> 11;
    record(world, value, bound);
    return (double)value * 0x1.0p-53;
}

bool fl_world_schedule_diverged(const fl_world_t *world) { return world->policy->diverged; }

/* --- violations ------------------------------------------------------------ */

void fl_world_add_violation(fl_world_t *world, const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *text = fl_arena_vprintf(&world->arena, format, args);
    va_end(args);
    if (world->violation_count == world->violation_capacity) {
        size_t capacity = world->violation_capacity ? world->violation_capacity * 2 : 8;
        const char **grown = realloc(world->violations, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("violations");
        world->violations = grown;
        world->violation_capacity = capacity;
    }
    world->violations[world->violation_count++] = text;
    fl__trace(world, FL_TRACE_VIOLATION, world->current ? world->current->id : 0, 0, 0, text);
}

size_t fl_world_violation_count(const fl_world_t *world) { return world->violation_count; }

const char *fl_world_violation(const fl_world_t *world, size_t index) {
    return index < world->violation_count ? world->violations[index] : NULL;
}

/* --- reports ----------------------------------------------------------------- */

static const char *task_label(const fl_world_t *world, uint32_t id) {
    fl_task_t *task = fl_world_task(world, id);
    return task != NULL ? task->name : "?";
}

void fl_world_print_hang(fl_world_t *world, FILE *out) {
    size_t blocked = 0;
    for (fl_task_t *task = world->live_head; task != NULL; task = task->live_next) {
        if (task->state != FL__TASK_BLOCKED) continue;
        blocked++;
        fprintf(out, "  task %" PRIu32 " '%s' blocked in %s", task->id, task->name,
                task->wait_operation ? task->wait_operation : "wait");
        const fl_waitable_t *object = task->wait_object;
        if (object != NULL) {
            fprintf(out, " on %s %" PRIu32, object->kind, object->id);
            if (object->name != NULL) fprintf(out, " '%s'", object->name);
            if (object->creator_task != 0)
                fprintf(out, " (created by task %" PRIu32 " '%s')", object->creator_task,
                        task_label(world, object->creator_task));
            else
                fprintf(out, " (created outside any task)");
        }
        fputc('\n', out);
    }
    if (blocked == 0) fprintf(out, "  no task is blocked\n");
}

/* One event as a timeline line, without the newline: virtual time, task,
 * event, then its object, status or value, and detail. Returns line. */
const char *fl_world_timeline_line(const fl_world_t *world, const fl_trace_event_t *e, char *line,
                                   size_t size) {
    assert(size >= 64);
    char who[48];
    if (e->task == 0)
        snprintf(who, sizeof who, "-");
    else
        snprintf(who, sizeof who, "t%" PRIu32 ":%s", e->task, task_label(world, e->task));
    int n = snprintf(line, size, "%4" PRId64 ".%09" PRId64 "  %-22s %-11s",
                     e->time_ns / 1000000000, e->time_ns % 1000000000, who,
                     fl_trace_kind_name(e->kind));
    size_t length = n > 0 ? (size_t)n : 0;
    if (e->object != 0 && length < size)
        length += (size_t)snprintf(line + length, size - length, " #%" PRIu32, e->object);
    if (e->kind == FL_TRACE_WAKE && e->value < 0 && length < size)
        length += (size_t)snprintf(line + length, size - length, " %s",
                                   fl_status_name((int)e->value));
    else if (e->value != 0 && length < size)
        length += (size_t)snprintf(line + length, size - length, " =%" PRId64, e->value);
    if (e->detail != NULL && length < size)
        length += (size_t)snprintf(line + length, size - length, " %s", e->detail);
    if (length >= size) length = size - 1;
    while (length > 0 && line[length - 1] == ' ') length--;
    line[length] = '\0';
    return line;
}

void fl_world_print_trace(fl_world_t *world, FILE *out) {
    size_t count = 0;
    const fl_trace_event_t *events = fl_trace_events(&world->trace, &count);
    char line[FL_TIMELINE_LINE_MAX];
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s\n", fl_world_timeline_line(world, &events[i], line, sizeof line));
    if (world->trace.count > count)
        fprintf(out, "(%" PRIu64 " events not kept)\n", world->trace.count - count);
    fprintf(out, "trace hash %016" PRIx64 "\n", fl_world_trace_hash(world));
}

/* The trace sink of fl_world_set_trace_stream. Flushed per line: the point
 * is that nothing recorded before a crash is left in a stdio buffer when
 * abort() ends the process. */
static void stream_event(void *context, const fl_trace_event_t *event) {
    fl_world_t *world = context;
    assert(world->trace_stream != NULL);
    char line[FL_TIMELINE_LINE_MAX];
    fprintf(world->trace_stream, "%s\n", fl_world_timeline_line(world, event, line, sizeof line));
    fflush(world->trace_stream);
}

void fl_world_set_trace_stream(fl_world_t *world, FILE *out) {
    assert(world != NULL);
    world->trace_stream = out;
    if (out != NULL)
        fl_trace_set_sink(&world->trace, stream_event, world);
    else
        fl_trace_set_sink(&world->trace, NULL, NULL);
}
